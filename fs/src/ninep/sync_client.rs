//! A synchronous 9P2000.L client: one request frame out, its reply frame back, on the
//! calling thread. Made for the guest kernel, whose host calls must not wait on an async
//! runtime; it needs neither tokio nor RocksDB (feature `ninep-client`).
//!
//! The client encodes every request and decodes every reply with the crate's codec; how a
//! frame reaches a server is a [`Transport`]'s business (`ninep::server::InProcess` serves it
//! on the calling thread). Calls take `&self`, so one session can be shared by several
//! threads when the transport allows concurrent calls; each request gets its own tag and
//! the reply must carry it. Fids are chosen by the caller, as in the protocol.

use std::io;
use std::sync::atomic::{AtomicU16, AtomicU32, Ordering};
use std::sync::Arc;

use super::calls::{self, expect_reply, typed_calls};
pub use super::calls::{ClientError, ClientResult};
use super::*;

/// Carries one whole request frame to a 9P server and returns the whole reply frame.
pub trait Transport {
    /// Delivers `request` (exactly one frame) and returns the server's reply to it.
    fn rpc(&self, request: &[u8]) -> io::Result<Vec<u8>>;
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn rpc(&self, request: &[u8]) -> io::Result<Vec<u8>> {
        (**self).rpc(request)
    }
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn rpc(&self, request: &[u8]) -> io::Result<Vec<u8>> {
        (**self).rpc(request)
    }
}

/// A synchronous 9P2000.L client session over a [`Transport`].
pub struct Client<T> {
    transport: T,
    next_tag: AtomicU16,
    msize: AtomicU32,
}

impl<T: Transport> Client<T> {
    /// A client on `transport` (call [`Client::version`] first).
    pub fn new(transport: T) -> Self {
        Client {
            transport,
            next_tag: AtomicU16::new(0),
            // Until Rversion, accept replies as large as any server may send.
            msize: AtomicU32::new(u32::MAX),
        }
    }

    /// The transport underneath.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The negotiated msize.
    pub fn msize(&self) -> u32 {
        self.msize.load(Ordering::Relaxed)
    }

    /// Negotiates the protocol (`9P2000.L`) and msize; returns the msize granted.
    pub fn version(&self, msize: u32) -> ClientResult<u32> {
        let granted = calls::accept_version(self.exchange(NOTAG, &calls::tversion(msize))?)?;
        self.msize.store(granted, Ordering::Relaxed);
        Ok(granted)
    }

    /// Sends `msg` and returns its reply; `Rlerror` becomes [`ClientError::Errno`].
    pub fn rpc(&self, msg: &Tmessage) -> ClientResult<Rmessage> {
        self.exchange(self.tag(), msg)
    }

    typed_calls!(,);

    /// A tag for the next request: any but `NOTAG`, which belongs to `Tversion`.
    fn tag(&self) -> u16 {
        loop {
            let tag = self.next_tag.fetch_add(1, Ordering::Relaxed);
            if tag != NOTAG {
                return tag;
            }
        }
    }

    fn exchange(&self, tag: u16, msg: &Tmessage) -> ClientResult<Rmessage> {
        // Sized once: most requests are a few dozen bytes, a write its data and a header.
        let payload = match msg {
            Tmessage::Write(w) => w.data.len(),
            _ => 0,
        };
        let mut frame = Vec::with_capacity(FRAME_SLACK + payload);
        encode_request(tag, msg, &mut frame).map_err(|e| ClientError::Protocol(e.to_string()))?;
        let reply = self.transport.rpc(&frame)?;
        let (got, r) =
            decode_reply(&reply, self.msize()).map_err(|e| ClientError::Protocol(e.to_string()))?;
        if got != tag {
            return Err(ClientError::Protocol(format!(
                "reply tagged {got} to a request tagged {tag}"
            )));
        }
        calls::lerror_to_err(r)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! The client alone, against canned replies: what it accepts as the answer to a request.

    use super::*;

    /// A transport that answers every request with the same bytes, or fails.
    struct Canned(io::Result<Vec<u8>>);

    impl Transport for Canned {
        fn rpc(&self, _request: &[u8]) -> io::Result<Vec<u8>> {
            match &self.0 {
                Ok(b) => Ok(b.clone()),
                Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
            }
        }
    }

    #[test]
    fn replies_must_answer_the_request() {
        let canned = |tag, msg: Rmessage| {
            let mut out = Vec::new();
            encode_reply(tag, &msg, &mut out).unwrap();
            Client::new(Canned(Ok(out)))
        };
        let wrong_tag = canned(9, Rmessage::Clunk(Rclunk));
        assert!(matches!(wrong_tag.clunk(1), Err(ClientError::Protocol(_))));
        let wrong_type = canned(0, Rmessage::Remove(Rremove));
        assert!(matches!(wrong_type.clunk(1), Err(ClientError::Protocol(_))));
        let refused = canned(NOTAG, Rmessage::Lerror(Rlerror { ecode: 22 }));
        assert_eq!(refused.version(8192).unwrap_err().errno(), Some(22));
        let old = Rversion {
            msize: 8192,
            version: b"9P2000.u".to_vec(),
        };
        let dialect = canned(NOTAG, Rmessage::Version(old));
        assert!(matches!(
            dialect.version(8192),
            Err(ClientError::Protocol(_))
        ));
        let garbage = Client::new(Canned(Ok(vec![1, 2, 3])));
        assert!(matches!(garbage.clunk(1), Err(ClientError::Protocol(_))));
        let broken = Client::new(Canned(Err(io::ErrorKind::BrokenPipe.into())));
        assert!(matches!(broken.clunk(1), Err(ClientError::Io(_))));
    }
}

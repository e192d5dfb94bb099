//! The path of one request through a session, shared by the async connection loop and the
//! in-process transport: decode the frame, run it on `StateFs`, encode the reply.
//!
//! Whatever a request does, it is answered: a handler error becomes `Rlerror`, a panic
//! becomes `Rlerror(EIO)`, a reply too large for the msize becomes `Rlerror(EIO)`. Only a
//! frame whose size field cannot be trusted has no answer (the caller drops the stream).

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;

use super::super::*;
use super::ops::Session;
use super::MIN_MSIZE;

/// What a request frame turned out to be.
pub(super) enum Incoming {
    /// A request to serve.
    Request(u16, Tmessage),
    /// A malformed but well-delimited request: its `Rlerror`, ready to send.
    Refused(Vec<u8>),
}

/// Does `msg` commit anything (so its effect must be visible everywhere before the reply).
fn commits(msg: &Tmessage) -> bool {
    matches!(
        msg,
        Tmessage::Setattr(_)
            | Tmessage::Lcreate(_)
            | Tmessage::Clunk(_)
            | Tmessage::Remove(_)
            | Tmessage::Mkdir(_)
            | Tmessage::Unlinkat(_)
            | Tmessage::Rename(_)
            | Tmessage::Renameat(_)
            | Tmessage::Fsync(_)
    )
}

pub(super) fn rlerror(tag: u16, errno: i32) -> Vec<u8> {
    let mut out = Vec::with_capacity(11);
    encode_rlerror(tag, errno as u32, &mut out);
    out
}

pub(super) fn rflush(tag: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN);
    // Rflush has no body, so encoding cannot fail.
    let _ = encode_reply(tag, &Rmessage::Flush(Rflush), &mut out);
    out
}

impl Session {
    /// Decodes one whole frame under the negotiated msize. An error means the framing is
    /// lost: the stream cannot be read on.
    pub(super) fn decode(&self, frame: &[u8]) -> io::Result<Incoming> {
        match decode_request(frame, self.msize.load(Ordering::Relaxed)) {
            Ok((tag, msg)) => {
                super::counts::count(msg.msg_type());
                Ok(Incoming::Request(tag, msg))
            }
            Err(e) => match e.tag {
                Some(tag) => {
                    tracing::debug!("9P: {e}");
                    Ok(Incoming::Refused(rlerror(tag, e.errno())))
                }
                None => Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            },
        }
    }

    /// Runs one request (any but `Tversion` and `Tflush`) on the calling thread and returns
    /// its reply frame.
    pub(super) fn answer(&self, tag: u16, msg: Tmessage) -> Vec<u8> {
        // A bound session commits nothing to the store (its writes wait in the execution's
        // transaction), so it has nothing to wait for, and a guest's file I/O must not stall
        // behind invalidations of other writers' commits.
        let settle = commits(&msg) && self.fs.bound_account().is_none();
        let res = catch_unwind(AssertUnwindSafe(|| self.handle(msg)));
        if settle {
            // What this request committed is visible on the FUSE side before the reply.
            self.fs.store().settle();
        }
        let msize = self.msize.load(Ordering::Relaxed) as usize;
        match res {
            Ok(Ok(reply)) => {
                let payload = match &reply {
                    Rmessage::Read(r) => r.data.len(),
                    _ => 0,
                };
                let mut out = Vec::with_capacity(FRAME_SLACK + payload);
                match encode_reply(tag, &reply, &mut out) {
                    Ok(len) if len <= msize => out,
                    _ => rlerror(tag, libc::EIO),
                }
            }
            Ok(Err(e)) => rlerror(tag, e.0),
            Err(_) => {
                tracing::error!(tag, "9P request handler panicked");
                rlerror(tag, libc::EIO)
            }
        }
    }

    /// `Tversion`: a new session (every fid is clunked) and the msize; returns the reply.
    /// The caller has let every outstanding request finish.
    pub(super) fn version(&self, tag: u16, t: Tversion) -> Vec<u8> {
        self.clunk_all();
        let reply = if !t.version.starts_with(VERSION_9P2000L) {
            Rversion {
                msize: self.msize.load(Ordering::Relaxed).min(t.msize),
                version: VERSION_UNKNOWN.to_vec(),
            }
        } else if t.msize < MIN_MSIZE {
            return rlerror(tag, libc::EINVAL);
        } else {
            let m = t.msize.min(self.max_msize);
            self.msize.store(m, Ordering::Relaxed);
            self.versioned.store(true, Ordering::Relaxed);
            Rversion {
                msize: m,
                version: VERSION_9P2000L.to_vec(),
            }
        };
        let mut out = Vec::new();
        match encode_reply(tag, &Rmessage::Version(reply), &mut out) {
            Ok(_) => out,
            // Both version strings are constants that fit: unreachable, but still answered.
            Err(_) => rlerror(tag, libc::EINVAL),
        }
    }

    /// Has a `Tversion` opened the session (nothing else is served before).
    pub(super) fn versioned(&self) -> bool {
        self.versioned.load(Ordering::Relaxed)
    }

    /// Clunks every fid (on `Tversion` and at the end of the connection): open files commit
    /// what they buffered. A panic in one release is logged and the others still run.
    pub(super) fn clunk_all(&self) {
        for f in self.fids.drain() {
            match catch_unwind(AssertUnwindSafe(|| self.release_fid(&f))) {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::warn!(errno = e.0, "9P: closing a fid at session end failed")
                }
                Err(_) => tracing::error!("9P: closing a fid at session end panicked"),
            }
        }
    }

    /// Serves one whole request frame on the calling thread: the in-process transport.
    ///
    /// Nothing of this session is ever in flight behind a `Tflush` here (each request is
    /// answered before its call returns), so `Tflush` is answered at once.
    pub(super) fn serve_frame(&self, frame: &[u8]) -> io::Result<Vec<u8>> {
        let (tag, msg) = match self.decode(frame)? {
            Incoming::Request(tag, msg) => (tag, msg),
            Incoming::Refused(reply) => return Ok(reply),
        };
        Ok(match msg {
            Tmessage::Version(t) => self.version(tag, t),
            Tmessage::Flush(_) => rflush(tag),
            _ if !self.versioned() => rlerror(tag, libc::EPROTO),
            msg => self.answer(tag, msg),
        })
    }
}

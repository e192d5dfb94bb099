//! An async 9P2000.L client over any byte stream, with many requests in flight.
//!
//! One task reads replies and routes them by tag to the waiting request; one task writes
//! whole request frames, so a request future dropped half-way can never leave half a frame on
//! the wire. A tag stays reserved until its reply arrives, even when its caller gave up, as
//! 9P requires. Fids are chosen by the caller, as in the protocol.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

use super::calls::{self, expect_reply, typed_calls};
pub use super::calls::{ClientError, ClientResult};
use super::*;

type Pending = Mutex<Option<HashMap<u16, oneshot::Sender<Rmessage>>>>;

/// A request sent and not yet answered; see [`Client::start`].
pub struct InFlight {
    /// The request's tag (what a `Tflush` names).
    pub tag: u16,
    rx: oneshot::Receiver<Rmessage>,
}

impl InFlight {
    /// Waits for the reply; `Rlerror` becomes [`ClientError::Errno`].
    pub async fn reply(self) -> ClientResult<Rmessage> {
        calls::lerror_to_err(self.rx.await.map_err(|_| closed())?)
    }
}

/// A 9P2000.L client connection.
pub struct Client {
    /// Waiting requests by tag; `None` once the connection is gone.
    pending: Arc<Pending>,
    tx: mpsc::UnboundedSender<Vec<u8>>,
    next_tag: Mutex<u16>,
    msize: Arc<AtomicU32>,
}

impl Client {
    /// Starts a client on `stream` (call [`Client::version`] first). Needs a tokio runtime.
    pub fn new<S: AsyncRead + AsyncWrite + Send + 'static>(stream: S) -> Self {
        let (rd, mut wr) = tokio::io::split(stream);
        let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
        tokio::spawn(async move {
            while let Some(frame) = rx.recv().await {
                if wr.write_all(&frame).await.is_err() || wr.flush().await.is_err() {
                    break;
                }
            }
        });
        let pending: Arc<Pending> = Arc::new(Mutex::new(Some(HashMap::new())));
        // Until Rversion, accept replies as large as any server may send.
        let msize = Arc::new(AtomicU32::new(u32::MAX));
        tokio::spawn(read_loop(rd, pending.clone(), msize.clone()));
        Client {
            pending,
            tx,
            next_tag: Mutex::new(0),
            msize,
        }
    }

    /// The negotiated msize.
    pub fn msize(&self) -> u32 {
        self.msize.load(Ordering::Relaxed)
    }

    /// Sends `msg` and returns without waiting for the reply.
    pub fn start(&self, msg: &Tmessage) -> ClientResult<InFlight> {
        let (reply_tx, rx) = oneshot::channel();
        let tag = {
            let mut pending = self.pending.lock();
            let map = pending.as_mut().ok_or_else(closed)?;
            if map.len() >= usize::from(NOTAG) {
                return Err(ClientError::Protocol("every tag is in use".into()));
            }
            let mut next = self.next_tag.lock();
            while *next == NOTAG || map.contains_key(&*next) {
                *next = next.wrapping_add(1);
            }
            let tag = *next;
            *next = next.wrapping_add(1);
            map.insert(tag, reply_tx);
            tag
        };
        self.send(tag, msg)?;
        Ok(InFlight { tag, rx })
    }

    fn send(&self, tag: u16, msg: &Tmessage) -> ClientResult<()> {
        let mut frame = Vec::new();
        if let Err(e) = encode_request(tag, msg, &mut frame) {
            self.forget_tag(tag);
            return Err(ClientError::Protocol(e.to_string()));
        }
        self.tx.send(frame).map_err(|_| {
            self.forget_tag(tag);
            closed()
        })
    }

    fn forget_tag(&self, tag: u16) {
        if let Some(map) = self.pending.lock().as_mut() {
            map.remove(&tag);
        }
    }

    /// Sends `msg` and waits for its reply.
    pub async fn rpc(&self, msg: &Tmessage) -> ClientResult<Rmessage> {
        self.start(msg)?.reply().await
    }

    /// Negotiates the protocol (`9P2000.L`) and msize; returns the msize granted.
    pub async fn version(&self, msize: u32) -> ClientResult<u32> {
        let (reply_tx, rx) = oneshot::channel();
        {
            let mut pending = self.pending.lock();
            let map = pending.as_mut().ok_or_else(closed)?;
            map.insert(NOTAG, reply_tx);
        }
        self.send(NOTAG, &calls::tversion(msize))?;
        let granted = calls::accept_version(InFlight { tag: NOTAG, rx }.reply().await?)?;
        self.msize.store(granted, Ordering::Relaxed);
        Ok(granted)
    }

    typed_calls!(async, await);

    /// Asks the server to abort request `oldtag`; returns once `Rflush` arrived.
    pub async fn flush(&self, oldtag: u16) -> ClientResult<()> {
        expect_reply!(self.rpc(&Tmessage::Flush(Tflush { oldtag })).await?, Flush).map(drop)
    }
}

fn closed() -> ClientError {
    io::Error::new(io::ErrorKind::BrokenPipe, "9P connection closed").into()
}

async fn read_loop<R: AsyncRead + Unpin>(mut rd: R, pending: Arc<Pending>, msize: Arc<AtomicU32>) {
    loop {
        let mut size = [0u8; 4];
        if rd.read_exact(&mut size).await.is_err() {
            break;
        }
        let max = msize.load(Ordering::Relaxed);
        let Ok(Some(len)) = frame_len(&size, max) else {
            break;
        };
        let mut frame = vec![0u8; len];
        frame[..4].copy_from_slice(&size);
        if rd.read_exact(&mut frame[4..]).await.is_err() {
            break;
        }
        let Ok((tag, msg)) = decode_reply(&frame, max) else {
            tracing::warn!("9P client: undecodable reply; closing");
            break;
        };
        let waiter = pending.lock().as_mut().and_then(|m| m.remove(&tag));
        if let Some(w) = waiter {
            let _ = w.send(msg);
        }
    }
    // Every waiting request learns the connection is gone.
    pending.lock().take();
}

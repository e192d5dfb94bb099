//! The 9P2000.L server: a connection loop over any byte stream, handing requests to `StateFs`.
//!
//! One task reads frames; each request runs on tokio's blocking pool (`StateFs` is
//! synchronous), so requests run concurrently and are answered in completion order, by tag;
//! one task writes replies. `Tversion` and `Tflush` are handled by the reading task itself:
//! a flushed request still runs to completion (a `StateFs` call cannot be interrupted, and
//! a change it made must not be hidden from the client), its reply is sent, then `Rflush`,
//! which 9P allows and which keeps the client's view of fids and files exact.
//!
//! A malformed request gets `Rlerror` and the connection lives on; only a broken transport
//! (EOF, a frame whose size is below the header or above the msize, an I/O error) ends it.
//! When it ends every fid is clunked: open files commit what they buffered, as at close.
//!
//! The same per-request path (`request.rs`: decode, run on `StateFs`, encode) also serves
//! [`InProcess`], a session with no stream and no runtime: each request is served on the
//! calling thread, for the guest kernel's synchronous client.

mod counts;
mod in_process;
mod ops;
mod request;

use std::collections::HashMap;
use std::io;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::*;
use crate::statefs::StateFs;
pub use counts::messages_served;
pub use in_process::InProcess;
use ops::Session;
use request::{rflush, rlerror, Incoming};

/// The smallest msize accepted: below it a `Twalk` with 16 long names cannot fit.
pub const MIN_MSIZE: u32 = 4096;
/// The default largest msize: 1 MiB, what Linux 6.1 asks for with `msize=1048576`.
pub const DEFAULT_MAX_MSIZE: u32 = 1 << 20;

/// Settings of a listener.
#[derive(Debug, Clone, Copy)]
pub struct ServerConfig {
    /// The largest msize granted in `Rversion` (larger requests are lowered to it).
    pub max_msize: u32,
    /// Every attach is read-only, whatever its aname.
    pub read_only: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_msize: DEFAULT_MAX_MSIZE,
            read_only: false,
        }
    }
}

/// What the connection's tasks share.
struct Conn {
    session: Session,
    /// Tags being handled → tags of the `Tflush`es waiting for them.
    inflight: Mutex<HashMap<u16, Vec<u16>>>,
    /// Whole reply frames, to the writing task.
    tx: mpsc::UnboundedSender<Vec<u8>>,
}

impl Conn {
    fn send(&self, frame: Vec<u8>) {
        // Fails only when the writer is gone, i.e. the transport broke: nothing to answer.
        let _ = self.tx.send(frame);
    }

    /// Runs one request on the calling (blocking-pool) thread, sends its reply, then the
    /// `Rflush` of every `Tflush` that waited for it.
    fn run(&self, tag: u16, msg: Tmessage) {
        let frame = self.session.answer(tag, msg);
        let mut inflight = self.inflight.lock();
        let flushes = inflight.remove(&tag).unwrap_or_default();
        self.send(frame);
        for ftag in flushes {
            self.send(rflush(ftag));
        }
    }
}

/// Serves one connection until the peer closes it.
///
/// Returns `Ok` when the peer closed the stream at a frame boundary, and an error when the
/// transport broke or sent data that cannot be framed.
pub async fn serve_connection<S>(fs: Arc<StateFs>, stream: S, cfg: ServerConfig) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let max_msize = cfg.max_msize.max(MIN_MSIZE);
    let (rd, wr) = tokio::io::split(stream);
    let (tx, rx) = mpsc::unbounded_channel();
    let writer = tokio::spawn(write_loop(wr, rx));
    let conn = Arc::new(Conn {
        session: Session::new(fs, max_msize, cfg.read_only),
        inflight: Mutex::new(HashMap::new()),
        tx,
    });
    let mut tasks = JoinSet::new();
    let res = read_loop(&conn, rd, &mut tasks).await;
    while tasks.join_next().await.is_some() {}
    let closing = conn.clone();
    let _ = tokio::task::spawn_blocking(move || closing.session.clunk_all()).await;
    drop(conn); // the last sender: the writer drains what is queued and stops
    let written = writer.await.map_err(io::Error::other)?;
    res.and(written)
}

async fn write_loop<W: AsyncWrite + Unpin>(
    wr: W,
    mut rx: mpsc::UnboundedReceiver<Vec<u8>>,
) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(64 << 10, wr);
    while let Some(frame) = rx.recv().await {
        w.write_all(&frame).await?;
        // Batch whatever else is ready into the same write.
        while let Ok(frame) = rx.try_recv() {
            w.write_all(&frame).await?;
        }
        w.flush().await?;
    }
    w.shutdown().await
}

async fn read_loop<R: AsyncRead + Unpin>(
    conn: &Arc<Conn>,
    mut rd: R,
    tasks: &mut JoinSet<()>,
) -> io::Result<()> {
    loop {
        while tasks.try_join_next().is_some() {}
        let mut size = [0u8; 4];
        match rd.read_exact(&mut size).await {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        let msize = conn.session.msize.load(Ordering::Relaxed);
        let len = match frame_len(&size, msize) {
            Ok(Some(len)) => len,
            Ok(None) => return Err(io::Error::new(io::ErrorKind::InvalidData, "short frame")),
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        };
        let mut frame = vec![0u8; len];
        frame[..4].copy_from_slice(&size);
        rd.read_exact(&mut frame[4..]).await?;
        let (tag, msg) = match conn.session.decode(&frame)? {
            Incoming::Request(tag, msg) => (tag, msg),
            Incoming::Refused(reply) => {
                conn.send(reply);
                continue;
            }
        };
        match msg {
            Tmessage::Version(t) => {
                // A new session: every outstanding request ends and every fid is clunked.
                while tasks.join_next().await.is_some() {}
                let c = conn.clone();
                match tokio::task::spawn_blocking(move || c.session.version(tag, t)).await {
                    Ok(reply) => conn.send(reply),
                    Err(_) => conn.send(rlerror(tag, libc::EIO)),
                }
            }
            Tmessage::Flush(t) => {
                let mut inflight = conn.inflight.lock();
                match inflight.get_mut(&t.oldtag) {
                    Some(waiting) => waiting.push(tag),
                    None => conn.send(rflush(tag)),
                }
            }
            _ if !conn.session.versioned() => conn.send(rlerror(tag, libc::EPROTO)),
            msg => {
                if conn.inflight.lock().insert(tag, Vec::new()).is_some() {
                    // A tag still in use: the client broke the protocol; refuse the newcomer.
                    conn.send(rlerror(tag, libc::EINVAL));
                    continue;
                }
                let c = conn.clone();
                tasks.spawn_blocking(move || c.run(tag, msg));
            }
        }
    }
}

/// Accepts connections on a Unix socket forever, serving each concurrently.
pub async fn serve_unix(
    fs: Arc<StateFs>,
    listener: tokio::net::UnixListener,
    cfg: ServerConfig,
) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let fs = fs.clone();
        tokio::spawn(async move {
            if let Err(e) = serve_connection(fs, stream, cfg).await {
                tracing::info!("9P connection ended: {e}");
            }
        });
    }
}

/// Accepts TCP connections forever, serving each concurrently.
pub async fn serve_tcp(
    fs: Arc<StateFs>,
    listener: tokio::net::TcpListener,
    cfg: ServerConfig,
) -> io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        // Replies are small and latency-bound; Nagle would hold them back.
        let _ = stream.set_nodelay(true);
        let fs = fs.clone();
        tokio::spawn(async move {
            if let Err(e) = serve_connection(fs, stream, cfg).await {
                tracing::info!(%peer, "9P connection ended: {e}");
            }
        });
    }
}

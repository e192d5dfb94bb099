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

use super::*;

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered `Rlerror` with this errno.
    #[error("9P server error: {}", io::Error::from_raw_os_error(*.0))]
    Errno(i32),
    /// The connection is broken or closed.
    #[error("9P transport: {0}")]
    Io(#[from] io::Error),
    /// The server answered with something that is not the reply to the request.
    #[error("9P protocol violation: {0}")]
    Protocol(String),
}

impl ClientError {
    /// The errno, when the server sent one.
    pub fn errno(&self) -> Option<i32> {
        match self {
            ClientError::Errno(e) => Some(*e),
            _ => None,
        }
    }
}

/// Result of a client call.
pub type ClientResult<T> = Result<T, ClientError>;

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
        match self.rx.await {
            Ok(Rmessage::Lerror(e)) => Err(ClientError::Errno(e.ecode as i32)),
            Ok(r) => Ok(r),
            Err(_) => Err(io::Error::new(io::ErrorKind::BrokenPipe, "9P connection closed").into()),
        }
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

macro_rules! expect_reply {
    ($r:expr, $variant:ident) => {
        match $r {
            Rmessage::$variant(v) => Ok(v),
            other => Err(ClientError::Protocol(format!(
                "expected R{}, got type {}",
                stringify!($variant).to_lowercase(),
                other.msg_type()
            ))),
        }
    };
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
        let t = Tversion {
            msize,
            version: VERSION_9P2000L.to_vec(),
        };
        self.send(NOTAG, &Tmessage::Version(t))?;
        let r = expect_reply!(InFlight { tag: NOTAG, rx }.reply().await?, Version)?;
        if r.version != VERSION_9P2000L {
            return Err(ClientError::Protocol(
                "server does not speak 9P2000.L".into(),
            ));
        }
        self.msize.store(r.msize, Ordering::Relaxed);
        Ok(r.msize)
    }

    /// Attaches `fid` to the tree named by `aname` (`""`, `<account>`, `<account>:ro`).
    pub async fn attach(&self, fid: u32, aname: &str) -> ClientResult<Qid> {
        let t = Tattach {
            fid,
            afid: NOFID,
            uname: Vec::new(),
            aname: aname.as_bytes().to_vec(),
            n_uname: NONUNAME,
        };
        Ok(expect_reply!(self.rpc(&Tmessage::Attach(t)).await?, Attach)?.qid)
    }

    /// Walks `names` from `fid` to `newfid`; returns the qids of the steps that succeeded
    /// (fewer than `names` means `newfid` was not created).
    pub async fn walk(&self, fid: u32, newfid: u32, names: &[&[u8]]) -> ClientResult<Vec<Qid>> {
        let wnames = names.iter().map(|n| n.to_vec()).collect();
        let t = Twalk {
            fid,
            newfid,
            wnames,
        };
        Ok(expect_reply!(self.rpc(&Tmessage::Walk(t)).await?, Walk)?.wqids)
    }

    /// Attributes of `fid`.
    pub async fn getattr(&self, fid: u32) -> ClientResult<Rgetattr> {
        let t = Tgetattr {
            fid,
            request_mask: P9_GETATTR_BASIC,
        };
        expect_reply!(self.rpc(&Tmessage::Getattr(t)).await?, Getattr)
    }

    /// Opens `fid` with `P9_DOTL_*` flags; returns its qid and iounit.
    pub async fn lopen(&self, fid: u32, flags: u32) -> ClientResult<(Qid, u32)> {
        let r = expect_reply!(
            self.rpc(&Tmessage::Lopen(Tlopen { fid, flags })).await?,
            Lopen
        )?;
        Ok((r.qid, r.iounit))
    }

    /// Creates and opens `name` in directory `fid`, which then names the new file.
    pub async fn lcreate(&self, fid: u32, name: &[u8], flags: u32) -> ClientResult<(Qid, u32)> {
        let t = Tlcreate {
            fid,
            name: name.to_vec(),
            flags,
            mode: 0o644,
            gid: 0,
        };
        let r = expect_reply!(self.rpc(&Tmessage::Lcreate(t)).await?, Lcreate)?;
        Ok((r.qid, r.iounit))
    }

    /// Reads up to `count` bytes at `offset`.
    pub async fn read(&self, fid: u32, offset: u64, count: u32) -> ClientResult<Vec<u8>> {
        let t = Tread { fid, offset, count };
        Ok(expect_reply!(self.rpc(&Tmessage::Read(t)).await?, Read)?.data)
    }

    /// Writes `data` at `offset`; returns the bytes written.
    pub async fn write(&self, fid: u32, offset: u64, data: &[u8]) -> ClientResult<u32> {
        let t = Twrite {
            fid,
            offset,
            data: data.to_vec(),
        };
        Ok(expect_reply!(self.rpc(&Tmessage::Write(t)).await?, Write)?.count)
    }

    /// Reads directory entries from `offset` (0, or an entry's `offset`), at most `count` bytes.
    pub async fn readdir(&self, fid: u32, offset: u64, count: u32) -> ClientResult<Vec<DirEntry>> {
        let t = Treaddir { fid, offset, count };
        Ok(expect_reply!(self.rpc(&Tmessage::Readdir(t)).await?, Readdir)?.entries)
    }

    /// Forgets `fid` (an open file commits what it buffered).
    pub async fn clunk(&self, fid: u32) -> ClientResult<()> {
        expect_reply!(self.rpc(&Tmessage::Clunk(Tclunk { fid })).await?, Clunk).map(drop)
    }

    /// Removes `name` from directory `dirfd` (`flags` = `P9_DOTL_AT_REMOVEDIR` for a directory).
    pub async fn unlinkat(&self, dirfd: u32, name: &[u8], flags: u32) -> ClientResult<()> {
        let t = Tunlinkat {
            dirfd,
            name: name.to_vec(),
            flags,
        };
        expect_reply!(self.rpc(&Tmessage::Unlinkat(t)).await?, Unlinkat).map(drop)
    }

    /// Renames `olddir/oldname` to `newdir/newname`.
    pub async fn renameat(
        &self,
        olddirfid: u32,
        oldname: &[u8],
        newdirfid: u32,
        newname: &[u8],
    ) -> ClientResult<()> {
        let t = Trenameat {
            olddirfid,
            oldname: oldname.to_vec(),
            newdirfid,
            newname: newname.to_vec(),
        };
        expect_reply!(self.rpc(&Tmessage::Renameat(t)).await?, Renameat).map(drop)
    }

    /// Creates directory `name` in `dfid`.
    pub async fn mkdir(&self, dfid: u32, name: &[u8]) -> ClientResult<Qid> {
        let t = Tmkdir {
            dfid,
            name: name.to_vec(),
            mode: 0o755,
            gid: 0,
        };
        Ok(expect_reply!(self.rpc(&Tmessage::Mkdir(t)).await?, Mkdir)?.qid)
    }

    /// Changes attributes (`t.valid` says which).
    pub async fn setattr(&self, t: Tsetattr) -> ClientResult<()> {
        expect_reply!(self.rpc(&Tmessage::Setattr(t)).await?, Setattr).map(drop)
    }

    /// Commits and makes durable what `fid` wrote.
    pub async fn fsync(&self, fid: u32) -> ClientResult<()> {
        let t = Tfsync { fid, datasync: 0 };
        expect_reply!(self.rpc(&Tmessage::Fsync(t)).await?, Fsync).map(drop)
    }

    /// Filesystem totals.
    pub async fn statfs(&self, fid: u32) -> ClientResult<Rstatfs> {
        expect_reply!(self.rpc(&Tmessage::Statfs(Tstatfs { fid })).await?, Statfs)
    }

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

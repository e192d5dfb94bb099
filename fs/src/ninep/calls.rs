//! What the two 9P clients share: the error type, how a reply is matched to its request, and
//! the typed calls themselves, written once for the async client (`client`) and the
//! synchronous one (`sync_client`).
//!
//! The clients differ only in how a request reaches the server and how its reply comes back;
//! each provides `rpc(&self, &Tmessage) -> ClientResult<Rmessage>` (awaited or not, with
//! `Rlerror` already turned into [`ClientError::Errno`]) and expands `typed_calls!` in its
//! `impl` block.

use std::io;

use super::{Rmessage, Tmessage, Tversion, VERSION_9P2000L};

/// The body of the reply `R<variant>`, or a protocol violation.
macro_rules! expect_reply {
    ($r:expr, $variant:ident) => {
        match $r {
            $crate::ninep::Rmessage::$variant(v) => Ok(v),
            other => Err($crate::ninep::calls::ClientError::Protocol(format!(
                "expected R{}, got type {}",
                stringify!($variant).to_lowercase(),
                other.msg_type()
            ))),
        }
    };
}
pub(crate) use expect_reply;

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

/// A reply as the caller of `rpc` sees it: `Rlerror` becomes [`ClientError::Errno`].
pub(crate) fn lerror_to_err(reply: Rmessage) -> ClientResult<Rmessage> {
    match reply {
        Rmessage::Lerror(e) => Err(ClientError::Errno(e.ecode as i32)),
        r => Ok(r),
    }
}

/// The `Tversion` a client opens with.
pub(crate) fn tversion(msize: u32) -> Tmessage {
    Tmessage::Version(Tversion {
        msize,
        version: VERSION_9P2000L.to_vec(),
    })
}

/// Reads the server's `Rversion`: the msize granted, if the server speaks 9P2000.L.
pub(crate) fn accept_version(reply: Rmessage) -> ClientResult<u32> {
    let r = expect_reply!(reply, Version)?;
    if r.version != VERSION_9P2000L {
        return Err(ClientError::Protocol(
            "server does not speak 9P2000.L".into(),
        ));
    }
    Ok(r.msize)
}

/// The typed calls of a client, expanded inside its `impl` block: `typed_calls!(async, await)`
/// for the async client, `typed_calls!(,)` for the synchronous one. The block must provide
/// `rpc(&self, &Tmessage) -> ClientResult<Rmessage>` (async in the first case).
macro_rules! typed_calls {
    ($($async:ident)?, $($await:ident)?) => {
        /// Attaches `fid` to the tree named by `aname` (`""`, `<account>`, `<account>:ro`).
        pub $($async)? fn attach(&self, fid: u32, aname: &str) -> ClientResult<Qid> {
            let t = Tattach {
                fid,
                afid: NOFID,
                uname: Vec::new(),
                aname: aname.as_bytes().to_vec(),
                n_uname: NONUNAME,
            };
            Ok(expect_reply!(self.rpc(&Tmessage::Attach(t))$(.$await)??, Attach)?.qid)
        }

        /// Walks `names` from `fid` to `newfid`; returns the qids of the steps that succeeded
        /// (fewer than `names` means `newfid` was not created).
        pub $($async)? fn walk(
            &self,
            fid: u32,
            newfid: u32,
            names: &[&[u8]],
        ) -> ClientResult<Vec<Qid>> {
            let wnames = names.iter().map(|n| n.to_vec()).collect();
            let t = Twalk {
                fid,
                newfid,
                wnames,
            };
            Ok(expect_reply!(self.rpc(&Tmessage::Walk(t))$(.$await)??, Walk)?.wqids)
        }

        /// Attributes of `fid`.
        pub $($async)? fn getattr(&self, fid: u32) -> ClientResult<Rgetattr> {
            let t = Tgetattr {
                fid,
                request_mask: P9_GETATTR_BASIC,
            };
            expect_reply!(self.rpc(&Tmessage::Getattr(t))$(.$await)??, Getattr)
        }

        /// Opens `fid` with `P9_DOTL_*` flags; returns its qid and iounit.
        pub $($async)? fn lopen(&self, fid: u32, flags: u32) -> ClientResult<(Qid, u32)> {
            let t = Tlopen { fid, flags };
            let r = expect_reply!(self.rpc(&Tmessage::Lopen(t))$(.$await)??, Lopen)?;
            Ok((r.qid, r.iounit))
        }

        /// Creates and opens `name` in directory `fid`, which then names the new file.
        pub $($async)? fn lcreate(
            &self,
            fid: u32,
            name: &[u8],
            flags: u32,
        ) -> ClientResult<(Qid, u32)> {
            let t = Tlcreate {
                fid,
                name: name.to_vec(),
                flags,
                mode: 0o644,
                gid: 0,
            };
            let r = expect_reply!(self.rpc(&Tmessage::Lcreate(t))$(.$await)??, Lcreate)?;
            Ok((r.qid, r.iounit))
        }

        /// Reads up to `count` bytes at `offset`.
        pub $($async)? fn read(&self, fid: u32, offset: u64, count: u32) -> ClientResult<Vec<u8>> {
            let t = Tread { fid, offset, count };
            Ok(expect_reply!(self.rpc(&Tmessage::Read(t))$(.$await)??, Read)?.data)
        }

        /// Writes `data` at `offset`; returns the bytes written.
        pub $($async)? fn write(&self, fid: u32, offset: u64, data: &[u8]) -> ClientResult<u32> {
            let t = Twrite {
                fid,
                offset,
                data: data.to_vec(),
            };
            Ok(expect_reply!(self.rpc(&Tmessage::Write(t))$(.$await)??, Write)?.count)
        }

        /// Reads directory entries from `offset` (0, or an entry's `offset`), at most `count`
        /// bytes.
        pub $($async)? fn readdir(
            &self,
            fid: u32,
            offset: u64,
            count: u32,
        ) -> ClientResult<Vec<DirEntry>> {
            let t = Treaddir { fid, offset, count };
            Ok(expect_reply!(self.rpc(&Tmessage::Readdir(t))$(.$await)??, Readdir)?.entries)
        }

        /// Forgets `fid` (an open file commits what it buffered).
        pub $($async)? fn clunk(&self, fid: u32) -> ClientResult<()> {
            let t = Tclunk { fid };
            expect_reply!(self.rpc(&Tmessage::Clunk(t))$(.$await)??, Clunk).map(drop)
        }

        /// Removes `name` from directory `dirfd` (`flags` = `P9_DOTL_AT_REMOVEDIR` for a
        /// directory).
        pub $($async)? fn unlinkat(&self, dirfd: u32, name: &[u8], flags: u32) -> ClientResult<()> {
            let t = Tunlinkat {
                dirfd,
                name: name.to_vec(),
                flags,
            };
            expect_reply!(self.rpc(&Tmessage::Unlinkat(t))$(.$await)??, Unlinkat).map(drop)
        }

        /// Renames `olddir/oldname` to `newdir/newname`.
        pub $($async)? fn renameat(
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
            expect_reply!(self.rpc(&Tmessage::Renameat(t))$(.$await)??, Renameat).map(drop)
        }

        /// Creates directory `name` in `dfid`.
        pub $($async)? fn mkdir(&self, dfid: u32, name: &[u8]) -> ClientResult<Qid> {
            let t = Tmkdir {
                dfid,
                name: name.to_vec(),
                mode: 0o755,
                gid: 0,
            };
            Ok(expect_reply!(self.rpc(&Tmessage::Mkdir(t))$(.$await)??, Mkdir)?.qid)
        }

        /// Changes attributes (`t.valid` says which).
        pub $($async)? fn setattr(&self, t: Tsetattr) -> ClientResult<()> {
            expect_reply!(self.rpc(&Tmessage::Setattr(t))$(.$await)??, Setattr).map(drop)
        }

        /// Commits and makes durable what `fid` wrote.
        pub $($async)? fn fsync(&self, fid: u32) -> ClientResult<()> {
            let t = Tfsync { fid, datasync: 0 };
            expect_reply!(self.rpc(&Tmessage::Fsync(t))$(.$await)??, Fsync).map(drop)
        }

        /// Filesystem totals.
        pub $($async)? fn statfs(&self, fid: u32) -> ClientResult<Rstatfs> {
            let t = Tstatfs { fid };
            expect_reply!(self.rpc(&Tmessage::Statfs(t))$(.$await)??, Statfs)
        }
    };
}
pub(crate) use typed_calls;

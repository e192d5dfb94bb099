//! `StateMount`: the task's account at `/near/state`, reached through a 9P2000.L client
//! session (`outlayer_fs::ninep::sync_client`) over the in-process transport to a `StateFs`
//! bound to the task's transaction. Every byte of state the guest reads or writes crosses
//! the session as real 9P frames; the session writes into the transaction only, and the
//! kernel commits or drops that when the task ends.
//!
//! Fid 0 is the account's root (attached once); every operation walks a fresh fid from it
//! with the whole path (one `Twalk` carries up to 16 names) and clunks it when done. An open
//! file keeps its fid until it is closed; clunking it is what makes its writes part of the
//! transaction (close-to-open, as `StateFs` does everywhere).

mod keys;

pub use keys::StateKeys;

use std::sync::Arc;

use outlayer_fs::ninep::server::InProcess;
use outlayer_fs::ninep::sync_client::{Client, ClientError};
use outlayer_fs::ninep::{
    Rgetattr, Tlink, Tmessage, Tsetattr, Tsymlink, MAXWELEM, P9_DOTL_AT_REMOVEDIR, P9_DOTL_CREATE,
    P9_DOTL_EXCL, P9_DOTL_RDONLY, P9_DOTL_RDWR, P9_DOTL_TRUNC, P9_DOTL_WRONLY, P9_QTDIR,
    P9_QTSYMLINK, P9_SETATTR_ATIME, P9_SETATTR_ATIME_SET, P9_SETATTR_MTIME, P9_SETATTR_MTIME_SET,
    P9_SETATTR_SIZE,
};
use parking_lot::Mutex;

use super::{DirEntry, FileKind, FileSystem, Name, OpenFile, OpenOptions, Stat};
use crate::linux::errno::{Errno, FsResult};

/// The 9P reply header and `Rread`/`Twrite` count overhead subtracted from the msize.
const IO_HEADER: u32 = 24;
/// The msize asked of the server.
pub(super) const STATE_MSIZE: u32 = 1 << 20;
/// The root fid.
const ROOT_FID: u32 = 0;

/// The session, its fid allocator, its inode numbers, and the keys the NEAR storage calls
/// hold open ([`keys::KnownKeys`]).
struct Session {
    client: Client<InProcess>,
    fids: Mutex<FidPool>,
    inos: Mutex<InoMap>,
    keys: Mutex<keys::KnownKeys>,
}

/// The inode numbers the task sees: the store's numbers (qid paths) depend on everything
/// the store ever allocated, so each file gets the next number in the order the task first
/// meets it instead, which depends on the task's own steps only.
#[derive(Default)]
struct InoMap {
    by_qid: outlayer_fs::FastHashMap<u64, u64>,
}

impl InoMap {
    fn ino(&mut self, qid_path: u64) -> u64 {
        let next = self.by_qid.len() as u64 + 1;
        *self.by_qid.entry(qid_path).or_insert(next)
    }
}

struct FidPool {
    next: u32,
    free: Vec<u32>,
}

/// The task's account, mounted over 9P.
pub struct StateMount {
    session: Arc<Session>,
}

fn errno(e: ClientError) -> Errno {
    match e.errno() {
        Some(code) => Errno::from_linux(code),
        None => Errno::IO,
    }
}

/// A fid that is clunked when dropped.
struct Fid {
    session: Arc<Session>,
    fid: u32,
}

/// The number of a fid already clunked.
const CLUNKED: u32 = u32::MAX;

impl Fid {
    /// The fid's number, kept open past this `Fid` (the caller clunks it with
    /// [`Session::clunk`]).
    fn keep(mut self) -> u32 {
        std::mem::replace(&mut self.fid, CLUNKED)
    }
}

impl Drop for Fid {
    fn drop(&mut self) {
        if self.fid != CLUNKED {
            // A failed clunk leaves nothing to do: the session ends with the task anyway.
            let _ = self.session.clunk(self.fid);
        }
    }
}

impl Session {
    /// Closes the keys the storage calls hold open, so that their writes are in the
    /// transaction and file operations see them (and they see what file operations do).
    fn settle(&self) -> FsResult<()> {
        let known = std::mem::take(&mut *self.keys.lock());
        known.close(self, false)
    }

    /// Clunks `fid` now, saying whether the server took it (a clunk is where an open
    /// file's writes join the transaction).
    fn clunk(&self, fid: u32) -> FsResult<()> {
        let r = self.client.clunk(fid).map_err(errno);
        self.fids.lock().free.push(fid);
        r
    }

    fn alloc(&self) -> u32 {
        let mut pool = self.fids.lock();
        // Freed fids come back first, so `next` grows only with the fids open at once; at
        // the (unreachable) end of the range the server refuses the reused number.
        pool.free.pop().unwrap_or_else(|| {
            pool.next = pool.next.saturating_add(1);
            pool.next
        })
    }

    /// Walks a fresh fid to `path`, in steps of at most `MAXWELEM` names.
    fn walk(self: &Arc<Self>, path: &[Name]) -> FsResult<Fid> {
        let chunks: Vec<&[Name]> = if path.is_empty() {
            vec![&[]]
        } else {
            path.chunks(MAXWELEM).collect()
        };
        let mut at: Option<Fid> = None;
        for chunk in chunks {
            let step = Fid {
                session: self.clone(),
                fid: self.alloc(),
            };
            let names: Vec<&[u8]> = chunk.iter().map(Vec::as_slice).collect();
            let from = at.as_ref().map_or(ROOT_FID, |f| f.fid);
            let qids = self.client.walk(from, step.fid, &names).map_err(errno)?;
            if qids.len() < names.len() {
                // A partial walk makes no fid. It stopped at a missing name, or below
                // something that is not a directory.
                let below_file = qids.last().is_some_and(|q| q.ty & P9_QTDIR == 0);
                return Err(if below_file {
                    Errno::NOTDIR
                } else {
                    Errno::NOENT
                });
            }
            at = Some(step);
        }
        at.ok_or(Errno::NOENT)
    }

    /// What `fid` is, with the task's inode number for it.
    fn stat(&self, fid: u32) -> FsResult<Stat> {
        let a = self.client.getattr(fid).map_err(errno)?;
        Ok(stat_of(&a, self.inos.lock().ino(a.qid.path)))
    }

    /// Walks to the parent of `path`; returns it with the last name.
    fn walk_parent<'p>(self: &Arc<Self>, path: &'p [Name]) -> FsResult<(Fid, &'p [u8])> {
        let (name, dir) = path.split_last().ok_or(Errno::BUSY)?;
        Ok((self.walk(dir)?, name))
    }
}

fn stat_of(a: &Rgetattr, ino: u64) -> Stat {
    let kind = if a.qid.ty & P9_QTDIR != 0 {
        FileKind::Directory
    } else if a.qid.ty & P9_QTSYMLINK != 0 {
        FileKind::Symlink
    } else {
        FileKind::Regular
    };
    let t = |s: u64, n: u64| s.saturating_mul(1_000_000_000).saturating_add(n);
    Stat {
        kind,
        size: a.size,
        nlink: a.nlink,
        ino,
        atim: t(a.atime_sec, a.atime_nsec),
        mtim: t(a.mtime_sec, a.mtime_nsec),
        ctim: t(a.ctime_sec, a.ctime_nsec),
    }
}

fn setattr(fid: u32, size: Option<u64>, atim: Option<u64>, mtim: Option<u64>) -> Tsetattr {
    let mut t = Tsetattr {
        fid,
        valid: 0,
        mode: 0,
        uid: 0,
        gid: 0,
        size: 0,
        atime_sec: 0,
        atime_nsec: 0,
        mtime_sec: 0,
        mtime_nsec: 0,
    };
    if let Some(s) = size {
        t.valid |= P9_SETATTR_SIZE;
        t.size = s;
    }
    if let Some(a) = atim {
        t.valid |= P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET;
        (t.atime_sec, t.atime_nsec) = (a / 1_000_000_000, a % 1_000_000_000);
    }
    if let Some(m) = mtim {
        t.valid |= P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET;
        (t.mtime_sec, t.mtime_nsec) = (m / 1_000_000_000, m % 1_000_000_000);
    }
    t
}

impl StateMount {
    /// Opens the session on `transport` (a `StateFs` served in process) and attaches the
    /// account's root.
    pub fn new(transport: InProcess) -> Result<Self, ClientError> {
        let client = Client::new(transport);
        client.version(STATE_MSIZE)?;
        client.attach(ROOT_FID, "")?;
        Ok(StateMount {
            session: Arc::new(Session {
                client,
                fids: Mutex::new(FidPool {
                    next: ROOT_FID,
                    free: Vec::new(),
                }),
                inos: Mutex::default(),
                keys: Mutex::default(),
            }),
        })
    }

    /// The account's keys as NEAR storage, over this mount's session.
    pub fn keys(&self) -> StateKeys {
        StateKeys::new(self.session.clone(), self.io_size())
    }

    fn io_size(&self) -> u32 {
        self.session.client.msize().saturating_sub(IO_HEADER).max(1)
    }

    /// Closes what the storage calls hold open (every file operation starts here), then
    /// walks to `path`.
    fn walk(&self, path: &[Name]) -> FsResult<Fid> {
        self.session.settle()?;
        self.session.walk(path)
    }

    /// [`StateMount::walk`] to the parent of `path`, with the last name.
    fn walk_parent<'p>(&self, path: &'p [Name]) -> FsResult<(Fid, &'p [u8])> {
        self.session.settle()?;
        self.session.walk_parent(path)
    }
}

impl FileSystem for StateMount {
    fn stat(&self, path: &[Name]) -> FsResult<Stat> {
        let fid = self.walk(path)?;
        self.session.stat(fid.fid)
    }

    fn open(&self, path: &[Name], opts: &OpenOptions) -> FsResult<Box<dyn OpenFile>> {
        let access = match (opts.read, opts.write || opts.truncate) {
            (_, false) => P9_DOTL_RDONLY,
            (false, true) => P9_DOTL_WRONLY,
            (true, true) => P9_DOTL_RDWR,
        };
        let trunc = if opts.truncate { P9_DOTL_TRUNC } else { 0 };
        let c = &self.session.client;
        let fid = match self.walk(path) {
            Ok(_) if opts.create && opts.exclusive => return Err(Errno::EXIST),
            Ok(fid) => {
                let a = c.getattr(fid.fid).map_err(errno)?;
                if a.qid.ty & P9_QTDIR != 0 {
                    return Err(Errno::ISDIR);
                }
                c.lopen(fid.fid, access | trunc).map_err(errno)?;
                fid
            }
            Err(Errno::NOENT) if opts.create => {
                let (dir, name) = self.walk_parent(path)?;
                let flags = access | trunc | P9_DOTL_CREATE | P9_DOTL_EXCL;
                c.lcreate(dir.fid, name, flags).map_err(errno)?;
                dir
            }
            Err(e) => return Err(e),
        };
        Ok(Box::new(StateFile {
            fid,
            io_size: self.io_size(),
        }))
    }

    fn readdir(&self, path: &[Name]) -> FsResult<Vec<DirEntry>> {
        let fid = self.walk(path)?;
        let c = &self.session.client;
        c.lopen(fid.fid, P9_DOTL_RDONLY).map_err(errno)?;
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let batch = c.readdir(fid.fid, offset, self.io_size()).map_err(errno)?;
            let Some(last) = batch.last() else { break };
            offset = last.offset;
            for e in batch {
                if e.name == b"." || e.name == b".." {
                    continue;
                }
                let kind = match e.ty {
                    libc::DT_DIR => FileKind::Directory,
                    libc::DT_LNK => FileKind::Symlink,
                    libc::DT_REG => FileKind::Regular,
                    _ => FileKind::Unknown,
                };
                out.push(DirEntry {
                    name: e.name,
                    kind,
                    ino: self.session.inos.lock().ino(e.qid.path),
                });
            }
        }
        Ok(out)
    }

    fn mkdir(&self, path: &[Name]) -> FsResult<()> {
        let (dir, name) = self.walk_parent(path)?;
        self.session.client.mkdir(dir.fid, name).map_err(errno)?;
        Ok(())
    }

    fn rmdir(&self, path: &[Name]) -> FsResult<()> {
        let (dir, name) = self.walk_parent(path)?;
        self.session
            .client
            .unlinkat(dir.fid, name, P9_DOTL_AT_REMOVEDIR)
            .map_err(errno)
    }

    fn unlink(&self, path: &[Name]) -> FsResult<()> {
        // unlinkat without AT_REMOVEDIR on a directory: Linux says EISDIR.
        if self.stat(path)?.kind == FileKind::Directory {
            return Err(Errno::ISDIR);
        }
        let (dir, name) = self.walk_parent(path)?;
        self.session
            .client
            .unlinkat(dir.fid, name, 0)
            .map_err(errno)
    }

    fn rename(&self, from: &[Name], to: &[Name]) -> FsResult<()> {
        let (src, src_name) = self.walk_parent(from)?;
        let (dst, dst_name) = self.walk_parent(to)?;
        self.session
            .client
            .renameat(src.fid, src_name, dst.fid, dst_name)
            .map_err(errno)
    }

    fn set_times(&self, path: &[Name], atim: Option<u64>, mtim: Option<u64>) -> FsResult<()> {
        let fid = self.walk(path)?;
        self.session
            .client
            .setattr(setattr(fid.fid, None, atim, mtim))
            .map_err(errno)
    }

    fn readlink(&self, path: &[Name]) -> FsResult<Vec<u8>> {
        self.no_link(path)
    }

    fn link(&self, from: &[Name], to: &[Name]) -> FsResult<()> {
        self.hard_link(from, to)
    }

    fn symlink(&self, target: &[u8], path: &[Name]) -> FsResult<()> {
        // Asked of the server, which has no symbolic links and answers so; a name that is
        // taken is EEXIST first, as on Linux.
        if self.stat(path).is_ok() {
            return Err(Errno::EXIST);
        }
        let (dir, name) = self.walk_parent(path)?;
        let t = Tsymlink {
            fid: dir.fid,
            name: name.to_vec(),
            symtgt: target.to_vec(),
            gid: 0,
        };
        self.session
            .client
            .rpc(&Tmessage::Symlink(t))
            .map(drop)
            .map_err(errno)
    }
}

impl StateMount {
    /// `readlink` of a name that exists and is no link: `INVAL`; of a missing one: `NOENT`.
    fn no_link(&self, path: &[Name]) -> FsResult<Vec<u8>> {
        self.stat(path)?;
        Err(Errno::INVAL)
    }

    /// A hard link, asked of the server (which has none and answers so) once the source
    /// exists.
    fn hard_link(&self, from: &[Name], to: &[Name]) -> FsResult<()> {
        let source = self.walk(from)?;
        let (dir, name) = self.walk_parent(to)?;
        let t = Tlink {
            dfid: dir.fid,
            fid: source.fid,
            name: name.to_vec(),
        };
        self.session
            .client
            .rpc(&Tmessage::Link(t))
            .map(drop)
            .map_err(errno)
    }
}

/// An open file of the state mount: its fid, clunked on close.
struct StateFile {
    fid: Fid,
    io_size: u32,
}

impl StateFile {
    fn client(&self) -> &Client<InProcess> {
        &self.fid.session.client
    }
}

impl OpenFile for StateFile {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> FsResult<usize> {
        self.fid.session.settle()?;
        let mut done = 0;
        while done < buf.len() {
            let want = (buf.len() - done).min(self.io_size as usize) as u32;
            let data = self
                .client()
                .read(self.fid.fid, offset + done as u64, want)
                .map_err(errno)?;
            let n = data.len().min(buf.len() - done);
            buf[done..done + n].copy_from_slice(&data[..n]);
            done += n;
            if n < want as usize {
                break;
            }
        }
        Ok(done)
    }

    fn write_at(&mut self, data: &[u8], offset: u64) -> FsResult<usize> {
        self.fid.session.settle()?;
        let mut done = 0;
        for chunk in data.chunks(self.io_size as usize) {
            let n = self
                .client()
                .write(self.fid.fid, offset + done as u64, chunk)
                .map_err(errno)? as usize;
            done += n;
            if n < chunk.len() {
                break;
            }
        }
        Ok(done)
    }

    fn stat(&mut self) -> FsResult<Stat> {
        self.fid.session.settle()?;
        self.fid.session.stat(self.fid.fid)
    }

    fn set_size(&mut self, size: u64) -> FsResult<()> {
        self.fid.session.settle()?;
        self.client()
            .setattr(setattr(self.fid.fid, Some(size), None, None))
            .map_err(errno)
    }

    fn set_times(&mut self, atim: Option<u64>, mtim: Option<u64>) -> FsResult<()> {
        self.fid.session.settle()?;
        self.client()
            .setattr(setattr(self.fid.fid, None, atim, mtim))
            .map_err(errno)
    }

    fn sync(&mut self) -> FsResult<()> {
        self.fid.session.settle()?;
        self.client().fsync(self.fid.fid).map_err(errno)
    }
}

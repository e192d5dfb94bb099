//! One 9P request, decoded, turned into `StateFs` calls and answered: no semantics of its own.
//!
//! Everything the filesystem decides (names, limits, read-only, errno) comes from `StateFs`;
//! this file only keeps the fid table, confines walks to the attach root and translates
//! between wire fields and core types.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use super::super::fids::{Fid, FidTable, Open};
use super::super::*;
use crate::error::Error;
use crate::statefs::{Attr, Ctx, FileKind, OpenFlags, RenameFlags, SetAttr, StateFs};
use crate::store::{self, ROOT_INO};

/// `statfs(2)`'s `f_type` of a 9P mount (`V9FS_MAGIC`).
const V9FS_MAGIC: u32 = 0x0102_1997;
/// `d_type` values of `readdir(3)`.
const DT_DIR: u8 = 4;
const DT_REG: u8 = 8;

/// An errno to answer with `Rlerror`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Errno(pub(crate) i32);

impl From<Error> for Errno {
    fn from(e: Error) -> Self {
        Errno(e.errno())
    }
}

type R<T> = Result<T, Errno>;

/// The state of one connection: the filesystem, its fids and the negotiated msize.
pub(crate) struct Session {
    pub(crate) fs: Arc<StateFs>,
    pub(crate) fids: FidTable,
    pub(crate) msize: AtomicU32,
    pub(crate) max_msize: u32,
    pub(crate) read_only: bool,
    /// Set by the first successful `Tversion`: nothing else is served before it.
    pub(crate) versioned: AtomicBool,
    /// Tags this connection's commits for change listeners.
    origin: u64,
}

/// The qid of a file or directory: its persisted inode number, version 0 (versions that move
/// with every write make the Linux client treat one file as several inodes).
pub(crate) fn qid_of(attr: &Attr) -> Qid {
    let ty = if attr.kind == FileKind::Dir {
        P9_QTDIR
    } else {
        P9_QTFILE
    };
    Qid {
        ty,
        version: 0,
        path: attr.ino,
    }
}

fn open_flags(flags: u32) -> OpenFlags {
    let acc = flags & P9_DOTL_ACCMODE;
    OpenFlags {
        read: acc == P9_DOTL_RDONLY || acc == P9_DOTL_RDWR,
        write: acc == P9_DOTL_WRONLY || acc == P9_DOTL_RDWR,
        append: flags & P9_DOTL_APPEND != 0,
        truncate: flags & P9_DOTL_TRUNC != 0,
    }
}

/// Seconds and nanoseconds of a time in ns since the epoch.
fn split_ns(t: u64) -> (u64, u64) {
    (t / 1_000_000_000, t % 1_000_000_000)
}

fn ns(sec: u64, nsec: u64) -> u64 {
    sec.saturating_mul(1_000_000_000).saturating_add(nsec)
}

impl Session {
    pub(crate) fn new(fs: Arc<StateFs>, max_msize: u32, read_only: bool) -> Self {
        Session {
            fs,
            fids: FidTable::default(),
            msize: AtomicU32::new(max_msize),
            max_msize,
            read_only,
            versioned: AtomicBool::new(false),
            origin: store::new_origin(),
        }
    }

    fn fid(&self, fid: u32) -> R<Fid> {
        self.fids.get(fid).ok_or(Errno(libc::EBADF))
    }

    fn ctx(&self, f: &Fid) -> Ctx {
        Ctx {
            read_only: f.read_only || self.read_only,
            origin: self.origin,
        }
    }

    fn iounit(&self) -> u32 {
        default_iounit(self.msize.load(Ordering::Relaxed))
    }

    /// Drops what a fid holds: its open handle (committing buffered writes) and its reference.
    pub(crate) fn release_fid(&self, f: &Fid) -> R<()> {
        let res = match f.open {
            Open::No => Ok(()),
            Open::File(fh) => self.fs.release(&self.ctx(f), fh),
            Open::Dir(dh) => {
                self.fs.releasedir(dh);
                Ok(())
            }
        };
        self.fs.forget(f.ino, 1);
        Ok(res?)
    }

    /// Handles every request but `Tversion` and `Tflush`, which belong to the session's
    /// request path (`request.rs`) and the connection loop.
    pub(crate) fn handle(&self, msg: Tmessage) -> R<Rmessage> {
        Ok(match msg {
            Tmessage::Attach(t) => Rmessage::Attach(self.attach(t)?),
            Tmessage::Walk(t) => Rmessage::Walk(self.walk(t)?),
            Tmessage::Getattr(t) => Rmessage::Getattr(self.getattr(t)?),
            Tmessage::Setattr(t) => {
                self.setattr(t)?;
                Rmessage::Setattr(Rsetattr)
            }
            Tmessage::Lopen(t) => Rmessage::Lopen(self.lopen(t)?),
            Tmessage::Lcreate(t) => Rmessage::Lcreate(self.lcreate(t)?),
            Tmessage::Read(t) => Rmessage::Read(self.read(t)?),
            Tmessage::Write(t) => Rmessage::Write(self.write(t)?),
            Tmessage::Readdir(t) => Rmessage::Readdir(self.readdir(t)?),
            Tmessage::Clunk(t) => {
                let f = self.fids.remove(t.fid).ok_or(Errno(libc::EBADF))?;
                self.release_fid(&f)?;
                Rmessage::Clunk(Rclunk)
            }
            Tmessage::Remove(t) => {
                self.remove(t)?;
                Rmessage::Remove(Rremove)
            }
            Tmessage::Mkdir(t) => Rmessage::Mkdir(self.mkdir(t)?),
            Tmessage::Unlinkat(t) => {
                let d = self.fid(t.dirfd)?;
                if t.flags & P9_DOTL_AT_REMOVEDIR != 0 {
                    self.fs.rmdir(&self.ctx(&d), d.ino, &t.name)?;
                } else {
                    self.fs.unlink(&self.ctx(&d), d.ino, &t.name)?;
                }
                Rmessage::Unlinkat(Runlinkat)
            }
            Tmessage::Renameat(t) => {
                let (od, nd) = (self.fid(t.olddirfid)?, self.fid(t.newdirfid)?);
                self.rename(&od, &t.oldname, &nd, &t.newname)?;
                Rmessage::Renameat(Rrenameat)
            }
            Tmessage::Rename(t) => {
                let (f, nd) = (self.fid(t.fid)?, self.fid(t.dfid)?);
                let parent = f.parent().ok_or(Errno(libc::EBUSY))?;
                let mut chain = f.ancestors.clone();
                chain.pop();
                let od = Fid {
                    ino: parent,
                    is_dir: true,
                    ancestors: chain,
                    ..f.clone()
                };
                self.rename(&od, &f.name, &nd, &t.name)?;
                Rmessage::Rename(Rrename)
            }
            Tmessage::Statfs(t) => {
                self.fid(t.fid)?;
                let s = self.fs.statfs();
                Rmessage::Statfs(Rstatfs {
                    ty: V9FS_MAGIC,
                    bsize: s.bsize,
                    blocks: s.blocks,
                    bfree: s.bfree,
                    bavail: s.bavail,
                    files: s.files,
                    ffree: s.ffree,
                    fsid: 0,
                    namelen: s.namelen,
                })
            }
            Tmessage::Fsync(t) => {
                let f = self.fid(t.fid)?;
                match f.open {
                    Open::File(fh) => self.fs.fsync(&self.ctx(&f), fh)?,
                    _ => self.fs.sync_all()?,
                }
                Rmessage::Fsync(Rfsync)
            }
            // Record locks are advisory and already arbitrated by the client kernel among its
            // own processes; like diod, grant them so that SQLite and friends work in the guest.
            Tmessage::Lock(t) => {
                self.fid(t.fid)?;
                Rmessage::Lock(Rlock {
                    status: P9_LOCK_SUCCESS,
                })
            }
            Tmessage::Getlock(t) => {
                self.fid(t.fid)?;
                Rmessage::Getlock(Rgetlock {
                    ty: P9_LOCK_TYPE_UNLCK,
                    start: t.start,
                    length: t.length,
                    proc_id: t.proc_id,
                    client_id: t.client_id,
                })
            }
            Tmessage::Auth(_) => return Err(Errno(libc::EOPNOTSUPP)),
            Tmessage::Xattrwalk(_) | Tmessage::Xattrcreate(_) => {
                return Err(Errno(libc::EOPNOTSUPP))
            }
            Tmessage::Symlink(_) | Tmessage::Link(_) | Tmessage::Mknod(_) => {
                return Err(Errno(libc::EPERM))
            }
            Tmessage::Readlink(_) => return Err(Errno(libc::EINVAL)),
            Tmessage::Version(_) | Tmessage::Flush(_) => return Err(Errno(libc::EPROTO)),
        })
    }

    fn attach(&self, t: Tattach) -> R<Rattach> {
        if t.afid != NOFID {
            return Err(Errno(libc::EINVAL)); // no authentication fids exist
        }
        let (name, ro) = match t.aname.strip_suffix(b":ro") {
            Some(n) => (n, true),
            None => (&t.aname[..], false),
        };
        // A session bound to an execution shows its account only: `""` names it too.
        let name = match self.fs.bound_account() {
            Some(a) if name.is_empty() || name == a.as_str().as_bytes() => a.as_str().as_bytes(),
            Some(_) => return Err(Errno(libc::ENOENT)),
            None => name,
        };
        let attr = if name.is_empty() {
            self.fs.add_ref(ROOT_INO)?;
            self.fs.getattr(ROOT_INO)?
        } else {
            self.fs.lookup(ROOT_INO, name)?
        };
        let f = Fid {
            ino: attr.ino,
            is_dir: true,
            root: attr.ino,
            ancestors: Vec::new(),
            name: Vec::new(),
            read_only: ro || self.read_only,
            open: Open::No,
            iounit: 0,
        };
        if let Err(f) = self.fids.insert_new(t.fid, f) {
            self.fs.forget(f.ino, 1);
            return Err(Errno(libc::EBADF));
        }
        Ok(Rattach { qid: qid_of(&attr) })
    }

    /// Walks from `fid`; names are resolved by `StateFs` one at a time, `.` and `..` here,
    /// where `..` at the attach root stays at the root so no walk can leave it.
    fn walk(&self, t: Twalk) -> R<Rwalk> {
        let start = self.fid(t.fid)?;
        if start.open != Open::No {
            return Err(Errno(libc::EBADF)); // an open fid may not be walked
        }
        if t.newfid != t.fid && self.fids.get(t.newfid).is_some() {
            return Err(Errno(libc::EBADF));
        }
        self.fs.add_ref(start.ino)?;
        let mut cur = Fid {
            open: Open::No,
            iounit: 0,
            ..start
        };
        let mut qids = Vec::with_capacity(t.wnames.len());
        for name in &t.wnames {
            match self.step(&cur, name) {
                Ok((next, attr)) => {
                    self.fs.forget(cur.ino, 1);
                    cur = next;
                    qids.push(qid_of(&attr));
                }
                Err(e) => {
                    self.fs.forget(cur.ino, 1);
                    return if qids.is_empty() {
                        Err(e)
                    } else {
                        Ok(Rwalk { wqids: qids })
                    };
                }
            }
        }
        if t.newfid == t.fid {
            if let Some(old) = self.fids.replace(t.fid, cur) {
                self.fs.forget(old.ino, 1);
            }
        } else if let Err(f) = self.fids.insert_new(t.newfid, cur) {
            self.fs.forget(f.ino, 1);
            return Err(Errno(libc::EBADF));
        }
        Ok(Rwalk { wqids: qids })
    }

    /// One walk step from `cur` (which holds a reference); the result holds its own.
    fn step(&self, cur: &Fid, name: &[u8]) -> R<(Fid, Attr)> {
        if !cur.is_dir {
            return Err(Errno(libc::ENOTDIR));
        }
        match name {
            b"." => {
                self.fs.add_ref(cur.ino)?;
                Ok((cur.clone(), self.fs.getattr(cur.ino)?))
            }
            b".." => {
                let mut up = cur.clone();
                if let Some(parent) = up.ancestors.pop() {
                    up.ino = parent;
                    up.name = Vec::new();
                }
                self.fs.add_ref(up.ino)?;
                let attr = self
                    .fs
                    .getattr(up.ino)
                    .inspect_err(|_| self.fs.forget(up.ino, 1))?;
                Ok((up, attr))
            }
            _ => {
                let attr = self.fs.lookup(cur.ino, name)?;
                let mut ancestors = cur.ancestors.clone();
                ancestors.push(cur.ino);
                let next = Fid {
                    ino: attr.ino,
                    is_dir: attr.kind == FileKind::Dir,
                    ancestors,
                    name: name.to_vec(),
                    ..cur.clone()
                };
                Ok((next, attr))
            }
        }
    }

    fn getattr(&self, t: Tgetattr) -> R<Rgetattr> {
        let f = self.fid(t.fid)?;
        let a = self.fs.getattr(f.ino)?;
        let ty = if a.kind == FileKind::Dir {
            libc::S_IFDIR
        } else {
            libc::S_IFREG
        };
        let mut perm = u32::from(a.perm);
        if self.ctx(&f).read_only {
            perm &= !0o222;
        }
        let (sec, nsec) = split_ns(a.mtime_ns);
        let (asec, ansec) = split_ns(a.atime_ns);
        let (csec, cnsec) = split_ns(a.ctime_ns);
        Ok(Rgetattr {
            valid: P9_GETATTR_BASIC,
            qid: qid_of(&a),
            mode: ty | perm,
            uid: a.uid,
            gid: a.gid,
            nlink: u64::from(a.nlink),
            rdev: 0,
            size: a.size,
            blksize: 4096,
            blocks: a.size.div_ceil(512),
            atime_sec: asec,
            atime_nsec: ansec,
            mtime_sec: sec,
            mtime_nsec: nsec,
            ctime_sec: csec,
            ctime_nsec: cnsec,
            btime_sec: 0,
            btime_nsec: 0,
            gen: 0,
            data_version: 0,
        })
    }

    fn setattr(&self, t: Tsetattr) -> R<()> {
        let f = self.fid(t.fid)?;
        let v = t.valid;
        let time = |set: u32, given: u32, sec: u64, nsec: u64| {
            if v & given != 0 {
                Some(ns(sec, nsec))
            } else if v & set != 0 {
                Some(self.fs.now_ns())
            } else {
                None
            }
        };
        let set = SetAttr {
            size: (v & P9_SETATTR_SIZE != 0).then_some(t.size),
            mtime_ns: time(
                P9_SETATTR_MTIME,
                P9_SETATTR_MTIME_SET,
                t.mtime_sec,
                t.mtime_nsec,
            ),
            atime_ns: time(
                P9_SETATTR_ATIME,
                P9_SETATTR_ATIME_SET,
                t.atime_sec,
                t.atime_nsec,
            ),
            mode: (v & P9_SETATTR_MODE != 0).then_some(t.mode),
            uid: (v & P9_SETATTR_UID != 0).then_some(t.uid),
            gid: (v & P9_SETATTR_GID != 0).then_some(t.gid),
        };
        let nothing = set.size.is_none()
            && set.mtime_ns.is_none()
            && set.atime_ns.is_none()
            && set.mode.is_none();
        if nothing && set.uid.is_none() && set.gid.is_none() {
            return Ok(()); // ctime only: it moves with every other change
        }
        let fh = match f.open {
            Open::File(fh) => Some(fh),
            _ => None,
        };
        self.fs.setattr(&self.ctx(&f), f.ino, &set, fh)?;
        Ok(())
    }

    fn lopen(&self, t: Tlopen) -> R<Rlopen> {
        let f = self.fid(t.fid)?;
        if f.open != Open::No {
            return Err(Errno(libc::EBADF));
        }
        let flags = open_flags(t.flags);
        let open = if f.is_dir {
            if flags.write || flags.truncate {
                return Err(Errno(libc::EISDIR));
            }
            Open::Dir(self.fs.opendir(f.ino)?)
        } else {
            Open::File(self.fs.open(&self.ctx(&f), f.ino, flags)?)
        };
        let iounit = self.iounit();
        if !self.fids.set_open(t.fid, open, iounit) {
            self.close(&self.ctx(&f), open);
            return Err(Errno(libc::EBADF));
        }
        let qid = qid_of(&self.fs.getattr(f.ino)?);
        Ok(Rlopen { qid, iounit })
    }

    fn close(&self, ctx: &Ctx, open: Open) {
        match open {
            Open::File(fh) => {
                let _ = self.fs.release(ctx, fh);
            }
            Open::Dir(dh) => self.fs.releasedir(dh),
            Open::No => {}
        }
    }

    fn lcreate(&self, t: Tlcreate) -> R<Rlcreate> {
        let d = self.fid(t.fid)?;
        if d.open != Open::No {
            return Err(Errno(libc::EBADF));
        }
        if !d.is_dir {
            return Err(Errno(libc::ENOTDIR));
        }
        let flags = open_flags(t.flags);
        let excl = t.flags & P9_DOTL_EXCL != 0;
        let (attr, fh) = self
            .fs
            .create(&self.ctx(&d), d.ino, &t.name, flags, t.mode, excl)?;
        let mut ancestors = d.ancestors.clone();
        ancestors.push(d.ino);
        let iounit = self.iounit();
        let f = Fid {
            ino: attr.ino,
            is_dir: false,
            ancestors,
            name: t.name.clone(),
            open: Open::File(fh),
            iounit,
            ..d
        };
        // The fid now names the new file; its directory reference goes.
        match self.fids.replace(t.fid, f) {
            Some(old) => self.fs.forget(old.ino, 1),
            None => {
                // Clunked meanwhile: undo what the fid would have held.
                let f = Fid {
                    open: Open::File(fh),
                    ino: attr.ino,
                    ..d
                };
                let _ = self.release_fid(&f);
                return Err(Errno(libc::EBADF));
            }
        }
        Ok(Rlcreate {
            qid: qid_of(&attr),
            iounit,
        })
    }

    fn read(&self, t: Tread) -> R<Rread> {
        let f = self.fid(t.fid)?;
        let Open::File(fh) = f.open else {
            return Err(Errno(if f.is_dir { libc::EISDIR } else { libc::EBADF }));
        };
        let count = t
            .count
            .min(max_rread_payload(self.msize.load(Ordering::Relaxed)));
        Ok(Rread {
            data: self.fs.read(fh, t.offset, count)?,
        })
    }

    fn write(&self, t: Twrite) -> R<Rwrite> {
        let f = self.fid(t.fid)?;
        let Open::File(fh) = f.open else {
            return Err(Errno(if f.is_dir { libc::EISDIR } else { libc::EBADF }));
        };
        Ok(Rwrite {
            count: self.fs.write(&self.ctx(&f), fh, t.offset, &t.data)?,
        })
    }

    fn readdir(&self, t: Treaddir) -> R<Rreaddir> {
        let f = self.fid(t.fid)?;
        let Open::Dir(dh) = f.open else {
            return Err(Errno(if f.is_dir { libc::EBADF } else { libc::ENOTDIR }));
        };
        // The entries, plus the 4-byte count before them, must fit the client's count.
        let room = t
            .count
            .min(max_rread_payload(self.msize.load(Ordering::Relaxed)));
        let mut left = room.saturating_sub(4) as usize;
        let mut entries = Vec::new();
        self.fs.readdir(dh, t.offset, |e| {
            let (ty, dt) = if e.kind == FileKind::Dir {
                (P9_QTDIR, DT_DIR)
            } else {
                (0, DT_REG)
            };
            let entry = DirEntry {
                qid: Qid {
                    ty,
                    version: 0,
                    path: e.ino,
                },
                offset: e.next_offset,
                ty: dt,
                name: e.name.as_bytes().to_vec(),
            };
            if entry.encoded_len() > left {
                return false;
            }
            left -= entry.encoded_len();
            entries.push(entry);
            true
        })?;
        Ok(Rreaddir { entries })
    }

    fn mkdir(&self, t: Tmkdir) -> R<Rmkdir> {
        let d = self.fid(t.dfid)?;
        let attr = self.fs.mkdir(&self.ctx(&d), d.ino, &t.name, t.mode)?;
        self.fs.forget(attr.ino, 1); // no fid names it yet
        Ok(Rmkdir { qid: qid_of(&attr) })
    }

    fn remove(&self, t: Tremove) -> R<()> {
        // Tremove clunks the fid whatever the outcome.
        let f = self.fids.remove(t.fid).ok_or(Errno(libc::EBADF))?;
        let res = match f.parent() {
            None => Err(Errno(libc::EBUSY)), // the attach root
            Some(parent) if f.is_dir => Ok(self.fs.rmdir(&self.ctx(&f), parent, &f.name)?),
            Some(parent) => Ok(self.fs.unlink(&self.ctx(&f), parent, &f.name)?),
        };
        let released = self.release_fid(&f);
        res.and(released)
    }

    fn rename(&self, od: &Fid, oldname: &[u8], nd: &Fid, newname: &[u8]) -> R<()> {
        if od.root != nd.root {
            return Err(Errno(libc::EXDEV));
        }
        let ctx = Ctx {
            read_only: self.ctx(od).read_only || self.ctx(nd).read_only,
            origin: self.origin,
        };
        let moved = self.fs.lookup(od.ino, oldname).ok();
        let res = self.fs.rename(
            &ctx,
            od.ino,
            oldname,
            nd.ino,
            newname,
            RenameFlags::default(),
        );
        if let Some(a) = moved {
            if res.is_ok() {
                let mut chain = nd.ancestors.clone();
                chain.push(nd.ino);
                self.fids.renamed(a.ino, &chain, newname);
            }
            self.fs.forget(a.ino, 1);
        }
        Ok(res?)
    }
}

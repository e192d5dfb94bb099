//! `FuseAdapter`: the FUSE transport for [`StateFs`]. Translation only: decode the request,
//! call the core, encode the reply. No semantics live here.
//!
//! The kernel caches entries and attributes for [`TTL`], and file pages across opens
//! (`FOPEN_KEEP_CACHE`). What this mount changes the kernel already knows: every request
//! carries the mount's origin into the commits it makes. Every other commit (a contract, a
//! 9P client, `outlayerd state put`) reaches a change listener that invalidates exactly the
//! inodes and names it touched, from a thread of its own (invalidating from inside a request
//! can deadlock the kernel). So the next `stat` and `cat` see the new value, and repeated
//! lookups cost no round trip.

mod connection;
mod counts;
mod invalidate;

pub use connection::{mount_connection, FS_TYPE};
pub use counts::operations_served;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fuser::{
    Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo, InitFlags,
    KernelConfig, LockOwner, MountOption, ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory,
    ReplyEmpty, ReplyEntry, ReplyOpen, ReplyStatfs, ReplyWrite, Request, TimeOrNow, WriteFlags,
};

use crate::error::Error;
use crate::statefs::{Attr, Ctx, FileKind, OpenFlags, RenameFlags, SetAttr, StateFs};
use crate::store;
use invalidate::start_invalidator;

/// How long the kernel may trust an entry or attribute it got from us.
pub const TTL: Duration = Duration::from_secs(1);

/// Serves a [`StateFs`] to the kernel's FUSE driver.
pub struct FuseAdapter {
    fs: Arc<StateFs>,
    /// Its origin tags this mount's commits, so the invalidator skips what the kernel
    /// already knows.
    ctx: Ctx,
}

/// How to mount.
#[derive(Debug, Clone, Default)]
pub struct MountConfig {
    /// Refuse every change with EROFS (and tell the kernel the mount is read-only).
    pub read_only: bool,
    /// Let other users in (needs `user_allow_other` in /etc/fuse.conf unless root).
    pub allow_other: bool,
    /// Worker threads (default: one per core, at most 4).
    pub threads: Option<usize>,
}

impl FuseAdapter {
    /// An adapter over `fs`.
    pub fn new(fs: Arc<StateFs>, read_only: bool) -> Self {
        FuseAdapter {
            fs,
            ctx: Ctx {
                read_only,
                origin: store::new_origin(),
            },
        }
    }

    /// Mounts at `mountpoint` and serves from background threads until the returned
    /// session is dropped or unmounted.
    pub fn spawn_mount(
        self,
        mountpoint: &Path,
        cfg: &MountConfig,
    ) -> std::io::Result<fuser::BackgroundSession> {
        let mut opts = vec![
            MountOption::FSName(connection::FS_NAME.into()),
            MountOption::Subtype(connection::FS_NAME.into()),
            MountOption::DefaultPermissions,
            MountOption::NoDev,
            MountOption::NoSuid,
        ];
        if cfg.read_only {
            opts.push(MountOption::RO);
        }
        let mut config = session_config(cfg);
        config.mount_options = opts;
        let (fs, origin) = (self.fs.clone(), self.ctx.origin);
        let session = fuser::spawn_mount(self, mountpoint, &config)?;
        start_invalidator(fs, session.notifier(), origin)?;
        Ok(session)
    }

    /// Serves a connection mounted by someone else ([`mount_connection`], in a privileged
    /// process outside a sandbox) from background threads, until the kernel ends it (an
    /// unmount). The session holds no mount: dropping it unmounts nothing.
    pub fn spawn_on_connection(
        self,
        connection: std::os::fd::OwnedFd,
        cfg: &MountConfig,
    ) -> std::io::Result<fuser::BackgroundSession> {
        let config = session_config(cfg);
        let (fs, origin) = (self.fs.clone(), self.ctx.origin);
        let session = fuser::Session::from_fd(self, connection, config.acl, config)?.spawn()?;
        start_invalidator(fs, session.notifier(), origin)?;
        Ok(session)
    }

    /// Runs a request body; a panic in it becomes EIO (the dropped reply sends it) instead
    /// of killing the worker thread and hanging the mount.
    fn guarded(&self, op: &'static str, body: impl FnOnce()) {
        counts::count(op);
        if catch_unwind(AssertUnwindSafe(body)).is_err() {
            tracing::error!(op, "request handler panicked; replied EIO");
        }
    }
}

/// What a session needs besides its mount options: access and threads.
fn session_config(cfg: &MountConfig) -> fuser::Config {
    let mut config = fuser::Config::default();
    if cfg.allow_other {
        config.acl = fuser::SessionACL::All;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    config.n_threads = Some(cfg.threads.unwrap_or(cores.min(4)).max(1));
    config.clone_fd = true;
    config
}

fn errno(e: &Error) -> Errno {
    Errno::from_i32(e.errno())
}

fn system_time(ns: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_nanos(ns)
}

fn ns_of(t: TimeOrNow) -> u64 {
    match t {
        TimeOrNow::Now => crate::store::now_ns(),
        TimeOrNow::SpecificTime(t) => t
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    }
}

fn file_attr(a: &Attr) -> FileAttr {
    let mtime = system_time(a.mtime_ns);
    FileAttr {
        ino: INodeNo(a.ino),
        size: a.size,
        blocks: a.size.div_ceil(512),
        atime: system_time(a.atime_ns),
        mtime,
        ctime: system_time(a.ctime_ns),
        crtime: mtime,
        kind: kind(a.kind),
        perm: a.perm,
        nlink: a.nlink,
        uid: a.uid,
        gid: a.gid,
        rdev: 0,
        blksize: 4096,
        flags: 0,
    }
}

fn kind(k: FileKind) -> FileType {
    match k {
        FileKind::Dir => FileType::Directory,
        FileKind::File => FileType::RegularFile,
    }
}

fn reply_entry(reply: ReplyEntry, name: &OsStr, r: Result<Attr, Error>) {
    // A name with `%2F` is one a `mkdir` can hide (its key moves into the new directory);
    // the kernel must ask again each time rather than trust a cached entry.
    let ttl = if name.as_bytes().windows(3).any(|w| w == b"%2F") {
        Duration::ZERO
    } else {
        TTL
    };
    match r {
        Ok(a) => reply.entry(&ttl, &file_attr(&a), Generation(0)),
        Err(e) => reply.error(errno(&e)),
    }
}

fn reply_attr(reply: ReplyAttr, r: Result<Attr, Error>) {
    match r {
        Ok(a) => reply.attr(&TTL, &file_attr(&a)),
        Err(e) => reply.error(errno(&e)),
    }
}

fn reply_open(reply: ReplyOpen, r: Result<u64, Error>) {
    match r {
        Ok(fh) => reply.opened(FileHandle(fh), FopenFlags::empty()),
        Err(e) => reply.error(errno(&e)),
    }
}

fn reply_empty(reply: ReplyEmpty, r: Result<(), Error>) {
    match r {
        Ok(()) => reply.ok(),
        Err(e) => reply.error(errno(&e)),
    }
}

impl Filesystem for FuseAdapter {
    fn init(&mut self, _req: &Request, config: &mut KernelConfig) -> std::io::Result<()> {
        // O_TRUNC arrives with open, so `echo > f` truncates in the file's buffer rather
        // than committing an empty value first.
        let _ = config.add_capabilities(InitFlags::FUSE_ATOMIC_O_TRUNC);
        let _ = config.set_max_write(1 << 20);
        Ok(())
    }

    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        self.guarded("lookup", || {
            reply_entry(reply, name, self.fs.lookup(parent.0, name.as_bytes()))
        });
    }

    fn forget(&self, _req: &Request, ino: INodeNo, nlookup: u64) {
        self.guarded("forget", || self.fs.forget(ino.0, nlookup));
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        self.guarded("getattr", || reply_attr(reply, self.fs.getattr(ino.0)));
    }

    fn setattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        mode: Option<u32>,
        uid: Option<u32>,
        gid: Option<u32>,
        size: Option<u64>,
        atime: Option<TimeOrNow>,
        mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        self.guarded("setattr", || {
            let set = SetAttr {
                size,
                mtime_ns: mtime.map(ns_of),
                atime_ns: atime.map(ns_of),
                mode,
                uid,
                gid,
            };
            reply_attr(
                reply,
                self.fs.setattr(&self.ctx, ino.0, &set, fh.map(|f| f.0)),
            );
        });
    }

    fn mknod(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        _umask: u32,
        _rdev: u32,
        reply: ReplyEntry,
    ) {
        // Regular files normally come through `create`; `mknod` of one makes an empty key.
        // Devices, FIFOs and sockets are not state.
        self.guarded("mknod", || {
            if mode & libc::S_IFMT != libc::S_IFREG {
                return reply.error(Errno::EPERM);
            }
            let flags = OpenFlags {
                write: true,
                ..OpenFlags::default()
            };
            let r = self
                .fs
                .create(&self.ctx, parent.0, name.as_bytes(), flags, mode, true);
            reply_entry(
                reply,
                name,
                r.and_then(|(attr, fh)| self.fs.release(&self.ctx, fh).map(|()| attr)),
            );
        });
    }

    fn mkdir(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        _umask: u32,
        reply: ReplyEntry,
    ) {
        // The kernel has applied the umask already (no FUSE_DONT_MASK).
        self.guarded("mkdir", || {
            reply_entry(
                reply,
                name,
                self.fs.mkdir(&self.ctx, parent.0, name.as_bytes(), mode),
            )
        });
    }

    fn unlink(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        self.guarded("unlink", || {
            reply_empty(reply, self.fs.unlink(&self.ctx, parent.0, name.as_bytes()))
        });
    }

    fn rmdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        self.guarded("rmdir", || {
            reply_empty(reply, self.fs.rmdir(&self.ctx, parent.0, name.as_bytes()))
        });
    }

    fn symlink(
        &self,
        _req: &Request,
        _parent: INodeNo,
        _link_name: &OsStr,
        _target: &Path,
        reply: ReplyEntry,
    ) {
        reply.error(Errno::EPERM);
    }

    fn rename(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        flags: fuser::RenameFlags,
        reply: ReplyEmpty,
    ) {
        self.guarded("rename", || {
            let flags = RenameFlags {
                noreplace: flags.contains(fuser::RenameFlags::RENAME_NOREPLACE),
                exchange: flags.contains(fuser::RenameFlags::RENAME_EXCHANGE)
                    || flags.contains(fuser::RenameFlags::RENAME_WHITEOUT),
            };
            let r = self.fs.rename(
                &self.ctx,
                parent.0,
                name.as_bytes(),
                newparent.0,
                newname.as_bytes(),
                flags,
            );
            reply_empty(reply, r);
        });
    }

    fn link(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _newparent: INodeNo,
        _newname: &OsStr,
        reply: ReplyEntry,
    ) {
        reply.error(Errno::EPERM);
    }

    fn open(&self, _req: &Request, ino: INodeNo, flags: fuser::OpenFlags, reply: ReplyOpen) {
        self.guarded("open", || {
            let flags = OpenFlags::from_linux(flags.0 as u32);
            // File pages survive across opens: writes through this mount update them, and
            // every commit from elsewhere invalidates the inode (see `start_invalidator`).
            match self.fs.open(&self.ctx, ino.0, flags) {
                Ok(fh) => reply.opened(FileHandle(fh), FopenFlags::FOPEN_KEEP_CACHE),
                Err(e) => reply.error(errno(&e)),
            }
        });
    }

    fn read(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: fuser::OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        self.guarded("read", || {
            let mut reply = Some(reply);
            let r = self.fs.read_with(fh.0, offset, size, |data| {
                if let Some(reply) = reply.take() {
                    reply.data(data);
                }
            });
            if let (Err(e), Some(reply)) = (r, reply.take()) {
                reply.error(errno(&e));
            }
        });
    }

    fn write(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: WriteFlags,
        _flags: fuser::OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyWrite,
    ) {
        self.guarded("write", || {
            match self.fs.write(&self.ctx, fh.0, offset, data) {
                Ok(n) => reply.written(n),
                Err(e) => reply.error(errno(&e)),
            }
        });
    }

    fn flush(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _lock_owner: LockOwner,
        reply: ReplyEmpty,
    ) {
        self.guarded("flush", || {
            reply_empty(reply, self.fs.flush(&self.ctx, fh.0))
        });
    }

    fn release(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: fuser::OpenFlags,
        _lock_owner: Option<LockOwner>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        self.guarded("release", || {
            reply_empty(reply, self.fs.release(&self.ctx, fh.0))
        });
    }

    fn fsync(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        self.guarded("fsync", || {
            reply_empty(reply, self.fs.fsync(&self.ctx, fh.0))
        });
    }

    fn opendir(&self, _req: &Request, ino: INodeNo, _flags: fuser::OpenFlags, reply: ReplyOpen) {
        self.guarded("opendir", || reply_open(reply, self.fs.opendir(ino.0)));
    }

    fn readdir(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        self.guarded("readdir", || {
            let r = self.fs.readdir(fh.0, offset, |e| {
                !reply.add(INodeNo(e.ino), e.next_offset, kind(e.kind), &e.name)
            });
            match r {
                Ok(()) => reply.ok(),
                Err(e) => reply.error(errno(&e)),
            }
        });
    }

    fn releasedir(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: fuser::OpenFlags,
        reply: ReplyEmpty,
    ) {
        self.guarded("releasedir", || {
            self.fs.releasedir(fh.0);
            reply.ok();
        });
    }

    fn fsyncdir(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        self.guarded("fsyncdir", || reply_empty(reply, self.fs.sync_all()));
    }

    fn statfs(&self, _req: &Request, _ino: INodeNo, reply: ReplyStatfs) {
        self.guarded("statfs", || {
            let s = self.fs.statfs();
            reply.statfs(
                s.blocks, s.bfree, s.bavail, s.files, s.ffree, s.bsize, s.namelen, s.bsize,
            );
        });
    }

    // No extended attributes: ENOSYS makes the kernel stop asking (security.capability is
    // requested on every write otherwise).
    fn getxattr(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _name: &OsStr,
        _size: u32,
        reply: fuser::ReplyXattr,
    ) {
        reply.error(Errno::from_i32(libc::ENOSYS));
    }

    fn listxattr(&self, _req: &Request, _ino: INodeNo, _size: u32, reply: fuser::ReplyXattr) {
        reply.error(Errno::from_i32(libc::ENOSYS));
    }

    fn setxattr(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _name: &OsStr,
        _value: &[u8],
        _flags: i32,
        _position: u32,
        reply: ReplyEmpty,
    ) {
        reply.error(Errno::from_i32(libc::ENOSYS));
    }

    fn removexattr(&self, _req: &Request, _ino: INodeNo, _name: &OsStr, reply: ReplyEmpty) {
        reply.error(Errno::from_i32(libc::ENOSYS));
    }

    fn create(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        _umask: u32,
        flags: i32,
        reply: ReplyCreate,
    ) {
        self.guarded("create", || {
            if mode & libc::S_IFMT != 0 && mode & libc::S_IFMT != libc::S_IFREG {
                return reply.error(Errno::EPERM);
            }
            let exclusive = flags & libc::O_EXCL != 0;
            let open = OpenFlags::from_linux(flags as u32);
            match self
                .fs
                .create(&self.ctx, parent.0, name.as_bytes(), open, mode, exclusive)
            {
                Ok((a, fh)) => reply.created(
                    &TTL,
                    &file_attr(&a),
                    Generation(0),
                    FileHandle(fh),
                    FopenFlags::empty(),
                ),
                Err(e) => reply.error(errno(&e)),
            }
        });
    }
}

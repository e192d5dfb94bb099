//! Descriptor bookkeeping and attributes: `fd_close`, `fd_renumber`, `fd_fdstat_*`,
//! `fd_filestat_*`, `fd_prestat_*`, `fd_sync`, `fd_datasync`, `fd_advise`, `fd_allocate`.

use super::{check_arg, check_enum, Cx, WasiResult};
use crate::linux::errno::Errno;
use crate::linux::fd::Descriptor;
use crate::linux::vfs::{FileKind, Stat};

/// `rights` bits (WASI preview1).
pub(super) mod rights {
    /// `fd_datasync`.
    pub(crate) const FD_DATASYNC: u64 = 1 << 0;
    /// `fd_read`.
    pub(crate) const FD_READ: u64 = 1 << 1;
    /// `fd_seek`.
    pub(crate) const FD_SEEK: u64 = 1 << 2;
    /// `fd_fdstat_set_flags`.
    pub(crate) const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    /// `fd_sync`.
    pub(crate) const FD_SYNC: u64 = 1 << 4;
    /// `fd_tell`.
    pub(crate) const FD_TELL: u64 = 1 << 5;
    /// `fd_write`.
    pub(crate) const FD_WRITE: u64 = 1 << 6;
    /// `fd_advise`.
    pub(crate) const FD_ADVISE: u64 = 1 << 7;
    /// `fd_allocate`.
    pub(crate) const FD_ALLOCATE: u64 = 1 << 8;
    /// `path_create_directory`.
    pub(crate) const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    /// `path_open` with `O_CREAT`.
    pub(crate) const PATH_CREATE_FILE: u64 = 1 << 10;
    /// `path_link` source.
    pub(crate) const PATH_LINK_SOURCE: u64 = 1 << 11;
    /// `path_link` target.
    pub(crate) const PATH_LINK_TARGET: u64 = 1 << 12;
    /// `path_open`.
    pub(crate) const PATH_OPEN: u64 = 1 << 13;
    /// `fd_readdir`.
    pub(crate) const FD_READDIR: u64 = 1 << 14;
    /// `path_readlink`.
    pub(crate) const PATH_READLINK: u64 = 1 << 15;
    /// `path_rename` source.
    pub(crate) const PATH_RENAME_SOURCE: u64 = 1 << 16;
    /// `path_rename` target.
    pub(crate) const PATH_RENAME_TARGET: u64 = 1 << 17;
    /// `path_filestat_get`.
    pub(crate) const PATH_FILESTAT_GET: u64 = 1 << 18;
    /// `path_filestat_set_size`.
    pub(crate) const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    /// `path_filestat_set_times`.
    pub(crate) const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    /// `fd_filestat_get`.
    pub(crate) const FD_FILESTAT_GET: u64 = 1 << 21;
    /// `fd_filestat_set_size`.
    pub(crate) const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    /// `fd_filestat_set_times`.
    pub(crate) const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    /// `path_symlink`.
    pub(crate) const PATH_SYMLINK: u64 = 1 << 24;
    /// `path_remove_directory`.
    pub(crate) const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    /// `path_unlink_file`.
    pub(crate) const PATH_UNLINK_FILE: u64 = 1 << 26;
    /// `poll_oneoff` on the descriptor.
    pub(crate) const POLL_FD_READWRITE: u64 = 1 << 27;
    /// Every right.
    pub(crate) const ALL: u64 = (1 << 30) - 1;

    /// What wasmtime grants a preopened directory.
    pub(crate) const PREOPEN_BASE: u64 = PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE
        | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES;

    /// What files opened under a preopened directory inherit.
    pub(crate) const PREOPEN_INHERITING: u64 = PREOPEN_BASE
        | FD_DATASYNC
        | FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_WRITE
        | FD_ADVISE
        | FD_ALLOCATE
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES
        | POLL_FD_READWRITE;
}

/// `fdflags` bits.
pub(super) mod fdflags {
    /// Writes append.
    pub(crate) const APPEND: u32 = 1;
    /// Synchronized data writes.
    pub(crate) const DSYNC: u32 = 2;
    /// Non-blocking.
    pub(crate) const NONBLOCK: u32 = 4;
    /// Synchronized reads.
    pub(crate) const RSYNC: u32 = 8;
    /// Synchronized writes.
    pub(crate) const SYNC: u32 = 16;
    /// Every flag.
    pub(crate) const ALL: u32 = 31;
}

/// `fstflags` bits.
mod fst {
    pub(super) const ATIM: u32 = 1;
    pub(super) const ATIM_NOW: u32 = 2;
    pub(super) const MTIM: u32 = 4;
    pub(super) const MTIM_NOW: u32 = 8;
}

/// The time to set from a `fstflags` pair: `INVAL` when both "set" and "now" are asked.
fn new_time(set: bool, now: bool, value: u64, clock_now: u64) -> WasiResult<Option<u64>> {
    match (set, now) {
        (true, true) => Err(Errno::INVAL.into()),
        (true, false) => Ok(Some(value)),
        (false, true) => Ok(Some(clock_now)),
        (false, false) => Ok(None),
    }
}

/// The access and modification times `fstflags` ask for (`now` is the task's clock).
pub(super) fn times(
    flags: u32,
    atim: u64,
    mtim: u64,
    now: u64,
) -> WasiResult<(Option<u64>, Option<u64>)> {
    let known = fst::ATIM | fst::ATIM_NOW | fst::MTIM | fst::MTIM_NOW;
    check_arg(flags.into(), known.into(), "fstflags")?;
    let a = new_time(
        flags & fst::ATIM != 0,
        flags & fst::ATIM_NOW != 0,
        atim,
        now,
    )?;
    let m = new_time(
        flags & fst::MTIM != 0,
        flags & fst::MTIM_NOW != 0,
        mtim,
        now,
    )?;
    Ok((a, m))
}

/// Writes a `filestat` (64 bytes) at `out`.
pub(super) fn write_filestat(cx: &mut Cx<'_>, out: u32, dev: u64, s: &Stat) -> WasiResult<()> {
    cx.mem.write_u64(out, dev)?;
    cx.mem.write_u64(out + 8, s.ino)?;
    cx.mem
        .write(out + 16, &[s.kind.wasi(), 0, 0, 0, 0, 0, 0, 0])?;
    cx.mem.write_u64(out + 24, s.nlink)?;
    cx.mem.write_u64(out + 32, s.size)?;
    cx.mem.write_u64(out + 40, s.atim)?;
    cx.mem.write_u64(out + 48, s.mtim)?;
    cx.mem.write_u64(out + 56, s.ctim)
}

/// `fd_close`.
pub(super) fn fd_close(cx: &mut Cx<'_>, fd: u32) -> WasiResult<()> {
    drop(cx.task.fds.remove(fd)?);
    Ok(())
}

/// `fd_renumber`.
pub(super) fn fd_renumber(cx: &mut Cx<'_>, fd: u32, to: u32) -> WasiResult<()> {
    Ok(cx.task.fds.renumber(fd, to)?)
}

/// `fd_fdstat_get`.
pub(super) fn fd_fdstat_get(cx: &mut Cx<'_>, fd: u32, out: u32) -> WasiResult<()> {
    use rights::*;
    let (kind, flags, base, inheriting) = match cx.task.fds.get_mut(fd)? {
        Descriptor::Stdin => (FileKind::Unknown, 0, FD_READ, FD_READ),
        Descriptor::Stdout | Descriptor::Stderr => (FileKind::Unknown, 0, FD_WRITE, FD_WRITE),
        Descriptor::Dir {
            preopen: Some(_), ..
        } => (FileKind::Directory, 0, PREOPEN_BASE, PREOPEN_INHERITING),
        Descriptor::Dir { .. } => {
            let r = ALL & !(FD_SEEK | FD_FILESTAT_SET_SIZE | PATH_FILESTAT_SET_SIZE);
            (FileKind::Directory, 0, r, r)
        }
        Descriptor::File(f) => {
            let mut r = ALL;
            if !f.read {
                r &= !(FD_READ | FD_READDIR);
            }
            if !f.write {
                r &= !FD_WRITE;
            }
            let mut flags = 0;
            if f.append {
                flags |= fdflags::APPEND;
            }
            if f.nonblock {
                flags |= fdflags::NONBLOCK;
            }
            (f.kind, flags as u16, r, r)
        }
    };
    cx.mem.write(out, &[kind.wasi(), 0])?;
    cx.mem.write_u16(out + 2, flags)?;
    cx.mem.write(out + 4, &[0; 4])?;
    cx.mem.write_u64(out + 8, base)?;
    cx.mem.write_u64(out + 16, inheriting)
}

/// `fd_fdstat_set_flags`: only `APPEND` and `NONBLOCK` can change (wasmtime's rule).
pub(super) fn fd_fdstat_set_flags(cx: &mut Cx<'_>, fd: u32, flags: u32) -> WasiResult<()> {
    check_arg(flags.into(), fdflags::ALL.into(), "fdflags")?;
    let f = cx.task.fds.file(fd)?;
    if flags & (fdflags::DSYNC | fdflags::SYNC | fdflags::RSYNC) != 0 {
        return Err(Errno::INVAL.into());
    }
    f.append = flags & fdflags::APPEND != 0;
    f.nonblock = flags & fdflags::NONBLOCK != 0;
    Ok(())
}

/// `fd_fdstat_set_rights`: not supported, as in wasmtime (rights are not enforced).
pub(super) fn fd_fdstat_set_rights(
    cx: &mut Cx<'_>,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> WasiResult<()> {
    check_arg(base, rights::ALL, "rights")?;
    check_arg(inheriting, rights::ALL, "rights")?;
    match cx.task.fds.get(fd)? {
        Descriptor::File(_) | Descriptor::Dir { .. } => Err(Errno::NOTSUP.into()),
        _ => Err(Errno::BADF.into()),
    }
}

/// `fd_filestat_get`.
pub(super) fn fd_filestat_get(cx: &mut Cx<'_>, fd: u32, out: u32) -> WasiResult<()> {
    let (dev, stat) = match cx.task.fds.get_mut(fd)? {
        Descriptor::Stdin | Descriptor::Stdout | Descriptor::Stderr => {
            let zero = Stat {
                kind: FileKind::Unknown,
                size: 0,
                nlink: 0,
                ino: 0,
                atim: 0,
                mtim: 0,
                ctim: 0,
            };
            (0, zero)
        }
        Descriptor::Dir { abs, .. } => {
            let abs = abs.clone();
            (cx.task.vfs.device(&abs), cx.task.vfs.lstat(&abs)?)
        }
        Descriptor::File(f) => (cx.task.vfs.device(&f.abs), f.file.stat()?),
    };
    write_filestat(cx, out, dev, &stat)
}

/// `fd_filestat_set_size`.
pub(super) fn fd_filestat_set_size(cx: &mut Cx<'_>, fd: u32, size: u64) -> WasiResult<()> {
    let f = cx.task.fds.file(fd)?;
    if !f.write {
        // ftruncate(2) on a descriptor not open for writing.
        return Err(Errno::INVAL.into());
    }
    Ok(f.file.set_size(size)?)
}

/// `fd_filestat_set_times`.
pub(super) fn fd_filestat_set_times(
    cx: &mut Cx<'_>,
    fd: u32,
    atim: u64,
    mtim: u64,
    flags: u32,
) -> WasiResult<()> {
    let (a, m) = times(flags, atim, mtim, cx.task.clock.realtime())?;
    match cx.task.fds.get_mut(fd)? {
        Descriptor::File(f) => Ok(f.file.set_times(a, m)?),
        Descriptor::Dir { abs, .. } => {
            let abs = abs.clone();
            Ok(cx.task.vfs.set_times(&abs, a, m)?)
        }
        _ => Err(Errno::BADF.into()),
    }
}

/// `fd_prestat_get`: only preopened directories have one (`BADF` otherwise, as wasmtime).
pub(super) fn fd_prestat_get(cx: &mut Cx<'_>, fd: u32, out: u32) -> WasiResult<()> {
    let Ok(Descriptor::Dir {
        preopen: Some(name),
        ..
    }) = cx.task.fds.get(fd)
    else {
        return Err(Errno::BADF.into());
    };
    let len = name.len() as u32;
    cx.mem.write(out, &[0; 4])?;
    cx.mem.write_u32(out + 4, len)
}

/// `fd_prestat_dir_name` (`NOTDIR` for a descriptor that is no preopen, as wasmtime).
pub(super) fn fd_prestat_dir_name(
    cx: &mut Cx<'_>,
    fd: u32,
    buf: u32,
    buf_len: u32,
) -> WasiResult<()> {
    let Descriptor::Dir {
        preopen: Some(name),
        ..
    } = cx.task.fds.get(fd)?
    else {
        return Err(Errno::NOTDIR.into());
    };
    if name.len() > buf_len as usize {
        return Err(Errno::NAMETOOLONG.into());
    }
    let name = name.clone().into_bytes();
    cx.mem.write(buf, &name)
}

/// `fd_sync`.
pub(super) fn fd_sync(cx: &mut Cx<'_>, fd: u32) -> WasiResult<()> {
    Ok(cx.task.fds.file(fd)?.file.sync()?)
}

/// `fd_datasync`: the same as `fd_sync` here.
pub(super) fn fd_datasync(cx: &mut Cx<'_>, fd: u32) -> WasiResult<()> {
    fd_sync(cx, fd)
}

/// `fd_advise`: advice is accepted and has no effect.
pub(super) fn fd_advise(
    cx: &mut Cx<'_>,
    fd: u32,
    _offset: u64,
    _len: u64,
    advice: u32,
) -> WasiResult<()> {
    check_enum(advice, 5, "advice")?;
    cx.task.fds.file(fd)?;
    Ok(())
}

/// `fd_allocate`: not supported, as in wasmtime.
pub(super) fn fd_allocate(cx: &mut Cx<'_>, fd: u32, _offset: u64, _len: u64) -> WasiResult<()> {
    cx.task.fds.file(fd)?;
    Err(Errno::NOTSUP.into())
}

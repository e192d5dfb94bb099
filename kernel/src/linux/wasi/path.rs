//! Operations on paths relative to a directory descriptor: `path_open`, `path_filestat_*`,
//! `path_create_directory`, `path_remove_directory`, `path_unlink_file`, `path_rename`,
//! `path_link`, `path_symlink`, `path_readlink`.

use super::fd_meta::{fdflags, rights, times, write_filestat};
use super::{check_arg, Cx, WasiResult};
use crate::linux::errno::Errno;
use crate::linux::fd::{Descriptor, OpenDesc};
use crate::linux::vfs::{FileKind, OpenOptions, Resolved};

const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

const O_CREAT: u32 = 1;
const O_DIRECTORY: u32 = 2;
const O_EXCL: u32 = 4;
const O_TRUNC: u32 = 8;

/// Resolves the guest string at `path` against directory `fd`.
fn resolve(cx: &Cx<'_>, fd: u32, path: u32, len: u32, follow: bool) -> WasiResult<Resolved> {
    let dir = cx.task.fds.dir(fd)?;
    let path = cx.mem.string(path, len)?;
    Ok(cx.task.vfs.resolve(dir, &path, follow)?)
}

fn follows(flags: u32) -> WasiResult<bool> {
    check_arg(flags.into(), LOOKUP_SYMLINK_FOLLOW.into(), "lookupflags")?;
    Ok(flags & LOOKUP_SYMLINK_FOLLOW != 0)
}

/// `path_create_directory`.
pub(super) fn path_create_directory(
    cx: &mut Cx<'_>,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult<()> {
    let r = resolve(cx, fd, path, len, false)?;
    Ok(cx.task.vfs.mkdir(&r.abs)?)
}

/// `path_filestat_get`.
pub(super) fn path_filestat_get(
    cx: &mut Cx<'_>,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    out: u32,
) -> WasiResult<()> {
    let r = resolve(cx, fd, path, len, follows(flags)?)?;
    let stat = cx.task.vfs.lstat(&r.abs)?;
    let dev = cx.task.vfs.device(&r.abs);
    write_filestat(cx, out, dev, &stat)
}

/// `path_filestat_set_times`.
#[allow(clippy::too_many_arguments)]
pub(super) fn path_filestat_set_times(
    cx: &mut Cx<'_>,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    atim: u64,
    mtim: u64,
    fst: u32,
) -> WasiResult<()> {
    let (a, m) = times(fst, atim, mtim, cx.task.clock.realtime())?;
    let r = resolve(cx, fd, path, len, follows(flags)?)?;
    Ok(cx.task.vfs.set_times(&r.abs, a, m)?)
}

/// `path_link` (following the source's link is `INVAL`, as wasmtime answers).
#[allow(clippy::too_many_arguments)]
pub(super) fn path_link(
    cx: &mut Cx<'_>,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    to_fd: u32,
    to: u32,
    to_len: u32,
) -> WasiResult<()> {
    if follows(flags)? {
        return Err(Errno::INVAL.into());
    }
    let from = resolve(cx, fd, path, len, false)?;
    let to = resolve(cx, to_fd, to, to_len, false)?;
    Ok(cx.task.vfs.link(&from.abs, &to.abs)?)
}

/// `path_open`: a directory becomes a directory descriptor, anything else an open file.
#[allow(clippy::too_many_arguments)]
pub(super) fn path_open(
    cx: &mut Cx<'_>,
    fd: u32,
    dirflags: u32,
    path: u32,
    len: u32,
    oflags: u32,
    rights_base: u64,
    inheriting: u64,
    fdflags: u32,
    out: u32,
) -> WasiResult<()> {
    let follow = follows(dirflags)?;
    let known = O_CREAT | O_DIRECTORY | O_EXCL | O_TRUNC;
    check_arg(oflags.into(), known.into(), "oflags")?;
    check_arg(rights_base, rights::ALL, "rights")?;
    check_arg(inheriting, rights::ALL, "rights")?;
    check_arg(fdflags.into(), fdflags::ALL.into(), "fdflags")?;
    match cx.task.fds.get(fd)? {
        Descriptor::Dir { .. } => {}
        Descriptor::File(_) => return Err(Errno::NOTDIR.into()),
        _ => return Err(Errno::BADF.into()),
    }
    let (create, directory) = (oflags & O_CREAT != 0, oflags & O_DIRECTORY != 0);
    let (exclusive, truncate) = (oflags & O_EXCL != 0, oflags & O_TRUNC != 0);
    if fdflags & (fdflags::SYNC | fdflags::DSYNC | fdflags::RSYNC) != 0 {
        return Err(Errno::NOTSUP.into());
    }
    if directory && (create || exclusive || truncate) {
        return Err(Errno::INVAL.into());
    }
    let write = rights_base & rights::FD_WRITE != 0 || create || truncate;
    let read = rights_base & rights::FD_READ != 0 || !write;
    let r = resolve(cx, fd, path, len, follow)?;
    let vfs = &cx.task.vfs;
    let kind = match vfs.lstat(&r.abs) {
        Ok(s) if s.kind == FileKind::Symlink => return Err(Errno::LOOP.into()),
        Ok(_) if create && exclusive => return Err(Errno::EXIST.into()),
        Ok(s) if s.kind == FileKind::Directory => {
            if write {
                return Err(Errno::ISDIR.into());
            }
            let d = Descriptor::Dir {
                abs: r.abs,
                preopen: None,
            };
            let new = cx.task.fds.push(d)?;
            return cx.mem.write_u32(out, new);
        }
        Ok(_) if directory || r.dir_required => return Err(Errno::NOTDIR.into()),
        Ok(s) => s.kind,
        Err(Errno::NOENT) if create && r.dir_required => return Err(Errno::ISDIR.into()),
        Err(Errno::NOENT) if create => FileKind::Regular,
        Err(e) => return Err(e.into()),
    };
    let opts = OpenOptions {
        read,
        write,
        create,
        exclusive,
        truncate,
    };
    let file = vfs.open(&r.abs, &opts)?;
    let desc = OpenDesc {
        file,
        kind,
        abs: r.abs,
        pos: 0,
        append: fdflags & fdflags::APPEND != 0,
        nonblock: fdflags & fdflags::NONBLOCK != 0,
        read,
        write,
    };
    let new = cx.task.fds.push(Descriptor::File(desc))?;
    cx.mem.write_u32(out, new)
}

/// `path_readlink`: the target, cut at `buf_len`.
pub(super) fn path_readlink(
    cx: &mut Cx<'_>,
    fd: u32,
    path: u32,
    len: u32,
    buf: u32,
    buf_len: u32,
    out: u32,
) -> WasiResult<()> {
    let r = resolve(cx, fd, path, len, false)?;
    let mut target = cx.task.vfs.readlink(&r.abs)?;
    std::str::from_utf8(&target).map_err(|_| Errno::ILSEQ)?;
    target.truncate(buf_len as usize);
    cx.mem.write(buf, &target)?;
    cx.mem.write_u32(out, target.len() as u32)
}

/// `path_remove_directory`.
pub(super) fn path_remove_directory(
    cx: &mut Cx<'_>,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult<()> {
    let raw = cx.mem.string(path, len)?;
    // rmdir(2) refuses a path ending in `.`; wasmtime (cap-std) refuses one ending in `/`.
    if raw == b"." || raw.ends_with(b"/.") || raw.ends_with(b"/") {
        return Err(Errno::INVAL.into());
    }
    let r = resolve(cx, fd, path, len, false)?;
    Ok(cx.task.vfs.rmdir(&r.abs)?)
}

/// `path_unlink_file`.
pub(super) fn path_unlink_file(cx: &mut Cx<'_>, fd: u32, path: u32, len: u32) -> WasiResult<()> {
    let r = resolve(cx, fd, path, len, false)?;
    if r.dir_required {
        let is_dir = cx.task.vfs.lstat(&r.abs)?.kind == FileKind::Directory;
        return Err(if is_dir { Errno::ISDIR } else { Errno::NOTDIR }.into());
    }
    Ok(cx.task.vfs.unlink(&r.abs)?)
}

/// `path_rename`.
pub(super) fn path_rename(
    cx: &mut Cx<'_>,
    fd: u32,
    path: u32,
    len: u32,
    to_fd: u32,
    to: u32,
    to_len: u32,
) -> WasiResult<()> {
    let from = resolve(cx, fd, path, len, false)?;
    let to = resolve(cx, to_fd, to, to_len, false)?;
    Ok(cx.task.vfs.rename(&from.abs, &to.abs)?)
}

/// `path_symlink`: where the mount has symbolic links (host directories); state answers
/// `PERM`, as its 9P server does.
pub(super) fn path_symlink(
    cx: &mut Cx<'_>,
    target: u32,
    target_len: u32,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult<()> {
    let target = cx.mem.string(target, target_len)?;
    let r = resolve(cx, fd, path, len, false)?;
    Ok(cx.task.vfs.symlink(&target, &r.abs)?)
}

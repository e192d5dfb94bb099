//! Moving bytes through descriptors: `fd_read`, `fd_write`, `fd_pread`, `fd_pwrite`,
//! `fd_seek`, `fd_tell` and `fd_readdir`.

use super::{check_enum, Cx, WasiResult};
use crate::linux::errno::Errno;
use crate::linux::fd::Descriptor;
use crate::linux::stdio::OutputStream;

const WHENCE_SET: u32 = 0;
const WHENCE_CUR: u32 = 1;
const WHENCE_END: u32 = 2;

/// Where a read or write goes.
#[derive(Clone, Copy)]
enum At {
    /// The descriptor's offset, which moves.
    Cursor,
    /// This offset; the descriptor's stays.
    Offset(u64),
}

fn read(cx: &mut Cx<'_>, fd: u32, iovs: u32, iovs_len: u32, at: At, out: u32) -> WasiResult<()> {
    let (ptr, len) = cx.mem.first_iovec(iovs, iovs_len)?;
    let n = match (cx.task.fds.get_mut(fd)?, at) {
        (Descriptor::File(f), _) => {
            if !f.read {
                return Err(Errno::BADF.into());
            }
            let buf = cx.mem.slice_mut(ptr, len)?;
            match at {
                At::Offset(o) => f.file.read_at(buf, o)?,
                At::Cursor => {
                    let n = f.file.read_at(buf, f.pos)?;
                    f.pos = f.pos.checked_add(n as u64).ok_or(Errno::OVERFLOW)?;
                    n
                }
            }
        }
        (Descriptor::Stdin, At::Offset(_)) => return Err(Errno::SPIPE.into()),
        (Descriptor::Stdin, At::Cursor) => cx.task.stdio.read(cx.mem.slice_mut(ptr, len)?)?,
        _ => return Err(Errno::BADF.into()),
    };
    cx.moved(n);
    cx.mem.write_u32(out, n as u32)
}

/// `fd_read`: the first non-empty buffer, at the descriptor's offset.
pub(super) fn fd_read(
    cx: &mut Cx<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    out: u32,
) -> WasiResult<()> {
    read(cx, fd, iovs, iovs_len, At::Cursor, out)
}

/// `fd_pread`: the first non-empty buffer, at `offset`, leaving the offset alone.
pub(super) fn fd_pread(
    cx: &mut Cx<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    out: u32,
) -> WasiResult<()> {
    read(cx, fd, iovs, iovs_len, At::Offset(offset), out)
}

fn write(cx: &mut Cx<'_>, fd: u32, iovs: u32, iovs_len: u32, at: At, out: u32) -> WasiResult<()> {
    let (ptr, len) = cx.mem.first_iovec(iovs, iovs_len)?;
    let data = cx.mem.slice(ptr, len)?;
    let n = match (cx.task.fds.get_mut(fd)?, at) {
        (Descriptor::File(f), _) => {
            if !f.write {
                return Err(Errno::BADF.into());
            }
            // In append mode every write goes to the end, `fd_pwrite` too (Linux's pwrite).
            let offset = match (f.append, at) {
                (true, _) => f.file.stat()?.size,
                (false, At::Offset(o)) => o,
                (false, At::Cursor) => f.pos,
            };
            let n = f.file.write_at(data, offset)?;
            if let At::Cursor = at {
                f.pos = offset.checked_add(n as u64).ok_or(Errno::OVERFLOW)?;
            }
            n
        }
        (Descriptor::Stdout | Descriptor::Stderr, At::Offset(_)) => return Err(Errno::SPIPE.into()),
        (Descriptor::Stdout, At::Cursor) => cx.task.stdio.write(OutputStream::Stdout, data)?,
        (Descriptor::Stderr, At::Cursor) => cx.task.stdio.write(OutputStream::Stderr, data)?,
        _ => return Err(Errno::BADF.into()),
    };
    cx.moved(n);
    cx.mem.write_u32(out, n as u32)
}

/// `fd_write`: the first non-empty buffer, at the offset (or the end, in append mode).
pub(super) fn fd_write(
    cx: &mut Cx<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    out: u32,
) -> WasiResult<()> {
    write(cx, fd, iovs, iovs_len, At::Cursor, out)
}

/// `fd_pwrite`: the first non-empty buffer at `offset`, leaving the offset alone.
pub(super) fn fd_pwrite(
    cx: &mut Cx<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    out: u32,
) -> WasiResult<()> {
    write(cx, fd, iovs, iovs_len, At::Offset(offset), out)
}

/// `fd_seek`.
pub(super) fn fd_seek(
    cx: &mut Cx<'_>,
    fd: u32,
    offset: i64,
    whence: u32,
    out: u32,
) -> WasiResult<()> {
    check_enum(whence, WHENCE_END, "whence")?;
    let f = cx.task.fds.seekable(fd)?;
    let pos = match whence {
        WHENCE_SET => u64::try_from(offset).map_err(|_| Errno::INVAL)?,
        WHENCE_CUR => f.pos.checked_add_signed(offset).ok_or(Errno::INVAL)?,
        _ => f
            .file
            .stat()?
            .size
            .checked_add_signed(offset)
            .ok_or(Errno::INVAL)?,
    };
    f.pos = pos;
    cx.mem.write_u64(out, pos)
}

/// `fd_tell`.
pub(super) fn fd_tell(cx: &mut Cx<'_>, fd: u32, out: u32) -> WasiResult<()> {
    let pos = cx.task.fds.seekable(fd)?.pos;
    cx.mem.write_u64(out, pos)
}

const DIRENT_SIZE: usize = 24;

/// `fd_readdir`: `.`, `..`, then the entries sorted by name; `cookie` is the number of
/// entries to skip, and the last entry is cut at the buffer's end, as in wasmtime.
pub(super) fn fd_readdir(
    cx: &mut Cx<'_>,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    out: u32,
) -> WasiResult<()> {
    let abs = cx.task.fds.dir(fd)?.to_vec();
    let vfs = &cx.task.vfs;
    let dir_ino = vfs.lstat(&abs)?.ino;
    let mut entries = vec![
        (dir_ino, 3u8, b".".to_vec()),
        // wasmtime reports the directory's own inode for `..` too.
        (dir_ino, 3u8, b"..".to_vec()),
    ];
    for e in vfs.readdir(&abs)? {
        entries.push((e.ino, e.kind.wasi(), e.name));
    }
    let skip = usize::try_from(cookie).map_err(|_| Errno::OVERFLOW)?;
    let mut at = buf;
    let mut cap = buf_len as usize;
    for (i, (ino, ty, name)) in entries.into_iter().enumerate().skip(skip) {
        let mut dirent = [0u8; DIRENT_SIZE];
        dirent[0..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        dirent[8..16].copy_from_slice(&ino.to_le_bytes());
        dirent[16..20].copy_from_slice(&(name.len() as u32).to_le_bytes());
        dirent[20] = ty;
        let n = cap.min(DIRENT_SIZE);
        cx.mem.write(at, &dirent[..n])?;
        at = at.wrapping_add(n as u32);
        cap -= n;
        if cap == 0 {
            break;
        }
        let n = cap.min(name.len());
        cx.mem.write(at, &name[..n])?;
        at = at.wrapping_add(n as u32);
        cap -= n;
        if cap == 0 {
            break;
        }
    }
    let used = buf_len - cap as u32;
    cx.moved(used as usize);
    cx.mem.write_u32(out, used)
}

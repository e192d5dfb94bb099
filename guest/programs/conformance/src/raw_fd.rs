//! Raw descriptor calls: `fd_*`.

use crate::raw::*;
use crate::{show, ROOT};

pub const RIGHT_READ: u64 = 1 << 1;
pub const RIGHT_WRITE: u64 = 1 << 6;
pub const O_CREAT: u32 = 1;
pub const O_DIRECTORY: u32 = 2;
pub const O_EXCL: u32 = 4;
pub const O_TRUNC: u32 = 8;

/// `path_open` under the root; returns the errno and the descriptor.
pub fn open(path: &str, oflags: u32, rights: u64, fdflags: u32) -> (i32, u32) {
    let mut fd = 0u32;
    // SAFETY: pointers into live locals.
    let e = unsafe {
        path_open(ROOT, 1, path.as_ptr(), path.len() as u32, oflags, rights, 0, fdflags, &mut fd)
    };
    (e, fd)
}

/// One iovec over `buf`.
pub fn iov(buf: &[u8]) -> [u32; 2] {
    [buf.as_ptr() as u32, buf.len() as u32]
}

fn fdstat(fd: u32) {
    let mut st = [0u64; 3];
    let e = show!(format!("fd_fdstat_get({fd})"), fd_fdstat_get(fd, st.as_mut_ptr().cast()));
    if e == 0 {
        let ty = st[0] & 0xff;
        let flags = (st[0] >> 16) & 0xffff;
        println!("  filetype {ty} flags {flags:#x} base {:#x} inheriting {:#x}", st[1], st[2]);
    }
}

/// `(filetype, nlink, size, mtim)` of `fd`.
fn filestat(fd: u32) -> Option<(u64, u64, u64, u64)> {
    let mut st = [0u64; 8];
    // SAFETY: a 64-byte buffer.
    let e = unsafe { fd_filestat_get(fd, st.as_mut_ptr().cast()) };
    (e == 0).then(|| (st[2] & 0xff, st[3], st[4], st[6]))
}

pub fn run() {
    show!("path_create_directory work/raw", path_create_directory(ROOT, b"work/raw".as_ptr(), 8));
    let (e, f) = open("work/raw/f", O_CREAT | O_TRUNC, RIGHT_READ | RIGHT_WRITE, 0);
    println!("open f: {}", crate::errno(e));
    let data = b"0123456789";
    let mut n = 0u32;
    show!("fd_write f", fd_write(f, iov(data).as_ptr(), 1, &mut n));
    println!("  wrote {n}");
    let mut pos = 0u64;
    show!("fd_tell f", fd_tell(f, &mut pos));
    println!("  at {pos}");
    show!("fd_seek f set 2", fd_seek(f, 2, 0, &mut pos));
    let mut buf = [0u8; 4];
    show!("fd_read f", fd_read(f, iov(&buf).as_ptr(), 1, &mut n));
    println!("  read {n} {:?}", String::from_utf8_lossy(&buf[..n as usize]));
    show!("fd_seek f end -1", fd_seek(f, -1, 2, &mut pos));
    println!("  at {pos}");
    show!("fd_seek f cur -100", fd_seek(f, -100, 1, &mut pos));
    show!("fd_seek stdout", fd_seek(1, 0, 0, &mut pos));
    show!("fd_seek root", fd_seek(ROOT, 0, 0, &mut pos));
    show!("fd_tell stdout", fd_tell(1, &mut pos));
    show!("fd_pread f 5", fd_pread(f, iov(&buf).as_ptr(), 1, 5, &mut n));
    println!("  read {n} {:?}", String::from_utf8_lossy(&buf[..n as usize]));
    show!("fd_pread stdin", fd_pread(0, iov(&buf).as_ptr(), 1, 0, &mut n));
    show!("fd_pread root", fd_pread(ROOT, iov(&buf).as_ptr(), 1, 0, &mut n));
    show!("fd_pwrite f", fd_pwrite(f, iov(b"XY").as_ptr(), 1, 1, &mut n));
    show!("fd_tell f after pwrite", fd_tell(f, &mut pos));
    println!("  at {pos}");
    show!("fd_pwrite stdout", fd_pwrite(1, iov(b"XY").as_ptr(), 1, 0, &mut n));
    show!("fd_pwrite stdin", fd_pwrite(0, iov(b"XY").as_ptr(), 1, 0, &mut n));
    show!("fd_write stdin", fd_write(0, iov(b"XY").as_ptr(), 1, &mut n));
    show!("fd_write stdout", fd_write(1, iov(b"raw stdout line\n").as_ptr(), 1, &mut n));
    show!("fd_read stdout", fd_read(1, iov(&buf).as_ptr(), 1, &mut n));
    show!("fd_read root", fd_read(ROOT, iov(&buf).as_ptr(), 1, &mut n));
    show!("fd_write bad fd", fd_write(99, iov(b"XY").as_ptr(), 1, &mut n));
    // Empty iovecs: nothing moves.
    let empty = [buf.as_ptr() as u32, 0u32, buf.as_ptr() as u32, 0u32];
    show!("fd_write empty iovs", fd_write(f, empty.as_ptr(), 2, &mut n));
    println!("  wrote {n}");

    fdstat(0);
    fdstat(1);
    fdstat(2);
    fdstat(ROOT);
    fdstat(f);
    show!("fd_fdstat_get bad", fd_fdstat_get(99, buf.as_mut_ptr()));
    show!("fd_fdstat_set_flags f append", fd_fdstat_set_flags(f, 1));
    fdstat(f);
    show!("fd_write f appends", fd_write(f, iov(b"END").as_ptr(), 1, &mut n));
    show!("fd_tell f after append", fd_tell(f, &mut pos));
    println!("  at {pos}");
    show!("fd_pwrite f appends", fd_pwrite(f, iov(b"P").as_ptr(), 1, 0, &mut n));
    println!("filestat f after append pwrite: {:?}", filestat(f).map(|s| s.2));
    show!("fd_fdstat_set_flags f sync", fd_fdstat_set_flags(f, 16));
    show!("fd_fdstat_set_flags root", fd_fdstat_set_flags(ROOT, 0));
    show!("fd_fdstat_set_flags f none", fd_fdstat_set_flags(f, 0));
    show!("fd_fdstat_set_rights f", fd_fdstat_set_rights(f, 0, 0));
    show!("fd_fdstat_set_rights bad", fd_fdstat_set_rights(99, 0, 0));

    println!("filestat f: {:?}", filestat(f).map(|(t, l, s, _)| (t, l, s)));
    println!("filestat stdout: {:?}", filestat(1));
    show!("fd_filestat_get bad", fd_filestat_get(99, buf.as_mut_ptr()));
    show!("fd_filestat_set_size f 3", fd_filestat_set_size(f, 3));
    println!("filestat f: {:?}", filestat(f).map(|(t, l, s, _)| (t, l, s)));
    show!("fd_filestat_set_size root", fd_filestat_set_size(ROOT, 3));
    show!("fd_seek f past the end", fd_seek(f, 10, 2, &mut pos));
    show!("fd_read past the end", fd_read(f, iov(&buf).as_ptr(), 1, &mut n));
    println!("  read {n}");
    show!("fd_write past the end", fd_write(f, iov(b"Z").as_ptr(), 1, &mut n));
    println!("filestat f with a hole: {:?}", filestat(f).map(|s| s.2));
    let hole = [9u8; 4];
    show!("fd_pread the hole", fd_pread(f, iov(&hole).as_ptr(), 1, 4, &mut n));
    println!("  {:?}", &hole[..n as usize]);
    show!("fd_filestat_set_size f 3 again", fd_filestat_set_size(f, 3));
    show!("fd_filestat_set_times f", fd_filestat_set_times(f, 1_000_000_000, 2_000_000_007, 1 | 4));
    println!("mtim f: {:?}", filestat(f).map(|s| s.3));
    show!("fd_filestat_set_times both", fd_filestat_set_times(f, 0, 0, 1 | 2));
    show!("fd_filestat_set_times stdout", fd_filestat_set_times(1, 0, 0, 1));

    show!("fd_advise f", fd_advise(f, 0, 10, 0));
    show!("fd_advise root", fd_advise(ROOT, 0, 10, 0));
    show!("fd_allocate f", fd_allocate(f, 0, 10));
    show!("fd_allocate bad", fd_allocate(99, 0, 10));
    show!("fd_sync f", fd_sync(f));
    show!("fd_sync root", fd_sync(ROOT));
    show!("fd_datasync f", fd_datasync(f));
    show!("fd_datasync stdout", fd_datasync(1));

    let (e, ro) = open("work/raw/f", 0, RIGHT_READ, 0);
    println!("open f read-only: {}", crate::errno(e));
    show!("fd_write read-only", fd_write(ro, iov(b"XY").as_ptr(), 1, &mut n));
    fdstat(ro);
    let (e, wo) = open("work/raw/f", 0, RIGHT_WRITE, 0);
    println!("open f write-only: {}", crate::errno(e));
    show!("fd_read write-only", fd_read(wo, iov(&buf).as_ptr(), 1, &mut n));
    show!("fd_renumber wo over ro", fd_renumber(wo, ro));
    show!("fd_read renumbered", fd_read(ro, iov(&buf).as_ptr(), 1, &mut n));
    show!("fd_close old number", fd_close(wo));
    show!("fd_renumber bad from", fd_renumber(99, ro));
    show!("fd_renumber bad to", fd_renumber(ro, 99));
    show!("fd_renumber same", fd_renumber(ro, ro));
    show!("fd_close ro", fd_close(ro));
    show!("fd_close again", fd_close(ro));
    readdir();
    show!("fd_close f", fd_close(f));
}

fn readdir() {
    for name in ["a", "b", "c"] {
        let (e, fd) = open(&format!("work/raw/d/{name}"), O_CREAT, RIGHT_WRITE, 0);
        if e == 8 || e == 44 {
            show!("path_create_directory work/raw/d", path_create_directory(ROOT, b"work/raw/d".as_ptr(), 10));
            let (e, fd) = open(&format!("work/raw/d/{name}"), O_CREAT, RIGHT_WRITE, 0);
            println!("create d/{name}: {}", crate::errno(e));
            // SAFETY: closing our own descriptor.
            unsafe { fd_close(fd) };
        } else {
            println!("create d/{name}: {}", crate::errno(e));
            // SAFETY: closing our own descriptor.
            unsafe { fd_close(fd) };
        }
    }
    let (e, d) = open("work/raw/d", O_DIRECTORY, RIGHT_READ, 0);
    println!("open d: {}", crate::errno(e));
    let mut buf = [0u8; 512];
    let mut used = 0u32;
    show!("fd_readdir d", fd_readdir(d, buf.as_mut_ptr(), 512, 0, &mut used));
    let mut entries = Vec::new();
    let mut at = 0usize;
    while at + 24 <= used as usize {
        let next = u64::from_le_bytes(buf[at..at + 8].try_into().unwrap_or([0; 8]));
        let namlen = u32::from_le_bytes(buf[at + 16..at + 20].try_into().unwrap_or([0; 4]));
        let ty = buf[at + 20];
        let name = String::from_utf8_lossy(&buf[at + 24..at + 24 + namlen as usize]).into_owned();
        entries.push((name, ty, next));
        at += 24 + namlen as usize;
    }
    let dots: Vec<_> = entries.iter().filter(|e| e.0.starts_with('.')).cloned().collect();
    let mut rest: Vec<_> = entries.iter().filter(|e| !e.0.starts_with('.')).map(|e| (e.0.clone(), e.1)).collect();
    rest.sort();
    println!("  dots {dots:?} entries {rest:?} used {used}");
    show!("fd_readdir d cookie 2", fd_readdir(d, buf.as_mut_ptr(), 512, 2, &mut used));
    println!("  used {used}");
    show!("fd_readdir d cookie 5", fd_readdir(d, buf.as_mut_ptr(), 512, 5, &mut used));
    println!("  used {used}");
    show!("fd_readdir d cookie past the end", fd_readdir(d, buf.as_mut_ptr(), 512, 99, &mut used));
    println!("  used {used}");
    show!("fd_readdir d small", fd_readdir(d, buf.as_mut_ptr(), 30, 0, &mut used));
    println!("  used {used}");
    show!("fd_readdir stdout", fd_readdir(1, buf.as_mut_ptr(), 512, 0, &mut used));
    let (_, f) = open("work/raw/d/a", 0, RIGHT_READ, 0);
    show!("fd_readdir file", fd_readdir(f, buf.as_mut_ptr(), 512, 0, &mut used));
    // SAFETY: closing our own descriptors.
    unsafe {
        fd_close(f);
        fd_close(d);
    }
}

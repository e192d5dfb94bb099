//! Raw path calls: `path_*`.

use crate::raw::*;
use crate::raw_fd::{open, O_CREAT, O_DIRECTORY, O_EXCL, O_TRUNC, RIGHT_READ, RIGHT_WRITE};
use crate::{show, ROOT};

fn p(s: &str) -> (*const u8, u32) {
    (s.as_ptr(), s.len() as u32)
}

/// `(filetype, nlink, size, mtim)` of `path` under the root.
fn stat(path: &str, follow: bool) -> Result<(u64, u64, u64, u64), &'static str> {
    let mut st = [0u64; 8];
    let (ptr, len) = p(path);
    // SAFETY: a 64-byte buffer and a live string.
    let e = unsafe { path_filestat_get(ROOT, follow as u32, ptr, len, st.as_mut_ptr().cast()) };
    if e == 0 {
        Ok((st[2] & 0xff, st[3], st[4], st[6]))
    } else {
        Err(crate::errno(e))
    }
}

/// Prints a path's type, links and size; for a directory its type only (a directory's size
/// and link count are the filesystem's own business).
fn stat_line(path: &str, follow: bool) {
    let shown = stat(path, follow).map(|s| if s.0 == 3 { (3, 0, 0) } else { (s.0, s.1, s.2) });
    println!("stat {path} follow={follow}: {shown:?}");
}

fn opened(label: &str, r: (i32, u32)) {
    println!("path_open {label}: {}", crate::errno(r.0));
    if r.0 == 0 {
        // SAFETY: closing our own descriptor.
        unsafe { fd_close(r.1) };
    }
}

pub fn run() {
    let (ptr, len) = p("work/p");
    show!("path_create_directory work/p", path_create_directory(ROOT, ptr, len));
    show!("path_create_directory again", path_create_directory(ROOT, ptr, len));
    let (ptr, len) = p("work/nope/x");
    show!("path_create_directory missing parent", path_create_directory(ROOT, ptr, len));
    let (ptr, len) = p("../escape");
    show!("path_create_directory ../escape", path_create_directory(ROOT, ptr, len));
    let (ptr, len) = p("/work/abs");
    show!("path_create_directory absolute", path_create_directory(ROOT, ptr, len));
    show!("path_create_directory on stdout", path_create_directory(1, ptr, len));

    let (ptr, len) = p("work/p/slash/");
    show!("path_create_directory trailing slash", path_create_directory(ROOT, ptr, len));
    show!("path_remove_directory trailing slash", path_remove_directory(ROOT, ptr, len));
    let (ptr, len) = p("work/p/slash");
    show!("path_remove_directory", path_remove_directory(ROOT, ptr, len));
    let (ptr, len) = p("");
    show!("path_create_directory empty", path_create_directory(ROOT, ptr, len));
    stat_line(".", false);
    stat_line("work/p/.", false);
    stat_line("work/p/..", false);
    opened("create f", open("work/p/f", O_CREAT, RIGHT_WRITE, 0));
    opened("missing", open("work/p/missing", 0, RIGHT_READ, 0));
    opened("creat|excl existing", open("work/p/f", O_CREAT | O_EXCL, RIGHT_WRITE, 0));
    opened("directory on file", open("work/p/f", O_DIRECTORY, RIGHT_READ, 0));
    opened("directory|creat", open("work/p/d", O_DIRECTORY | O_CREAT, RIGHT_READ, 0));
    opened("dir for writing", open("work/p", 0, RIGHT_WRITE, 0));
    opened("dir for reading", open("work/p", 0, RIGHT_READ, 0));
    opened("fdflags sync", open("work/p/f", 0, RIGHT_READ, 16));
    opened("file with slash", open("work/p/f/", 0, RIGHT_READ, 0));
    opened("escape", open("work/../../etc/passwd", 0, RIGHT_READ, 0));
    let (e, f) = open("work/p/f", 0, RIGHT_WRITE, 0);
    let mut n = 0u32;
    show!("write f", fd_write(f, crate::raw_fd::iov(b"abcdef").as_ptr(), 1, &mut n));
    let mut out = 0u32;
    let (ptr, len) = p("x");
    show!("path_open under a file fd", path_open(f, 0, ptr, len, 0, RIGHT_READ, 0, 0, &mut out));
    show!("path_open under a bad fd", path_open(99, 0, ptr, len, 0, RIGHT_READ, 0, 0, &mut out));
    let bad_utf8 = [b'w', 0xff, 0xfe];
    show!("path_open bad utf-8", path_open(ROOT, 0, bad_utf8.as_ptr(), 3, 0, RIGHT_READ, 0, 0, &mut out));
    // SAFETY: closing our own descriptor.
    if e == 0 {
        unsafe { fd_close(f) };
    }
    opened("trunc", open("work/p/f", O_TRUNC, RIGHT_WRITE, 0));
    stat_line("work/p/f", true);

    let (tp, tl) = p("f");
    let (ptr, len) = p("work/p/sym");
    show!("path_symlink", path_symlink(tp, tl, ROOT, ptr, len));
    show!("path_symlink existing", path_symlink(tp, tl, ROOT, ptr, len));
    let (ap, al) = p("/etc/passwd");
    let (ptr2, len2) = p("work/p/abs");
    show!("path_symlink absolute target", path_symlink(ap, al, ROOT, ptr2, len2));
    stat_line("work/p/sym", false);
    stat_line("work/p/sym", true);
    stat_line("work/p/abs", true);
    stat_line("work/p/missing", false);
    stat_line("work/p/f/", false);
    opened("symlink nofollow", {
        let mut fd = 0;
        // SAFETY: pointers into live locals.
        let e = unsafe { path_open(ROOT, 0, ptr, len, 0, RIGHT_READ, 0, 0, &mut fd) };
        (e, fd)
    });
    opened("symlink follow", open("work/p/sym", 0, RIGHT_READ, 0));
    opened("absolute symlink follow", open("work/p/abs", 0, RIGHT_READ, 0));
    let mut buf = [0u8; 64];
    show!("path_readlink", path_readlink(ROOT, ptr, len, buf.as_mut_ptr(), 64, &mut n));
    println!("  {:?}", String::from_utf8_lossy(&buf[..n as usize]));
    show!("path_readlink short", path_readlink(ROOT, ptr, len, buf.as_mut_ptr(), 1, &mut n));
    println!("  {n}");
    let (fp, fl) = p("work/p/f");
    show!("path_readlink regular", path_readlink(ROOT, fp, fl, buf.as_mut_ptr(), 64, &mut n));
    let (mp, ml) = p("work/p/missing");
    show!("path_readlink missing", path_readlink(ROOT, mp, ml, buf.as_mut_ptr(), 64, &mut n));

    show!("path_filestat_set_times", path_filestat_set_times(ROOT, 0, fp, fl, 0, 5_000_000_001, 4));
    println!("mtim f: {:?}", stat("work/p/f", false).map(|s| s.3));
    show!("path_filestat_set_times both", path_filestat_set_times(ROOT, 0, fp, fl, 0, 0, 4 | 8));
    show!("path_filestat_set_times missing", path_filestat_set_times(ROOT, 0, mp, ml, 0, 0, 4));

    let (hp, hl) = p("work/p/hard");
    show!("path_link", path_link(ROOT, 0, fp, fl, ROOT, hp, hl));
    stat_line("work/p/hard", false);
    show!("path_link existing", path_link(ROOT, 0, fp, fl, ROOT, hp, hl));
    show!("path_link follow", path_link(ROOT, 1, fp, fl, ROOT, hp, hl));
    show!("path_link missing", path_link(ROOT, 0, mp, ml, ROOT, hp, hl));

    let (dp, dl) = p("work/p/dir");
    show!("path_create_directory dir", path_create_directory(ROOT, dp, dl));
    let (ip, il) = p("work/p/dir/inner");
    show!("path_create_directory inner", path_create_directory(ROOT, ip, il));
    show!("path_remove_directory nonempty", path_remove_directory(ROOT, dp, dl));
    show!("path_remove_directory file", path_remove_directory(ROOT, fp, fl));
    show!("path_remove_directory missing", path_remove_directory(ROOT, mp, ml));
    show!("path_unlink_file dir", path_unlink_file(ROOT, dp, dl));
    show!("path_unlink_file missing", path_unlink_file(ROOT, mp, ml));
    let (sp, sl) = p("work/p/f/");
    show!("path_unlink_file slash", path_unlink_file(ROOT, sp, sl));

    let (gp, gl) = p("work/p/g");
    show!("path_rename f g", path_rename(ROOT, fp, fl, ROOT, gp, gl));
    stat_line("work/p/f", false);
    stat_line("work/p/g", false);
    let (sp, sl) = p("work/p/g/");
    show!("path_rename file with slash", path_rename(ROOT, sp, sl, ROOT, fp, fl));
    show!("path_rename missing", path_rename(ROOT, mp, ml, ROOT, gp, gl));
    show!("path_rename file over dir", path_rename(ROOT, gp, gl, ROOT, dp, dl));
    show!("path_rename dir over file", path_rename(ROOT, dp, dl, ROOT, gp, gl));
    let (ep, el) = p("work/p/empty");
    show!("path_create_directory empty", path_create_directory(ROOT, ep, el));
    show!("path_rename empty over nonempty", path_rename(ROOT, ep, el, ROOT, dp, dl));
    show!("path_rename dir into itself", path_rename(ROOT, dp, dl, ROOT, ip, il));
    show!("path_rename on bad fd", path_rename(99, gp, gl, ROOT, fp, fl));

    show!("path_remove_directory inner", path_remove_directory(ROOT, ip, il));
    show!("path_remove_directory dir", path_remove_directory(ROOT, dp, dl));
    show!("path_remove_directory empty", path_remove_directory(ROOT, ep, el));
    for f in ["work/p/g", "work/p/hard", "work/p/sym", "work/p/abs"] {
        let (ptr, len) = p(f);
        show!(format!("path_unlink_file {f}"), path_unlink_file(ROOT, ptr, len));
    }
    let (pp, pl) = p("work/p");
    show!("path_remove_directory work/p", path_remove_directory(ROOT, pp, pl));
    stat_line("work/p", false);
}

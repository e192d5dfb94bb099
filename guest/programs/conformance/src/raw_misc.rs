//! Raw calls that are neither descriptors nor paths: preopens, args, environment, clocks,
//! poll, randomness, process, sockets.

use crate::raw::*;
use crate::raw_fd::{iov, open, O_CREAT, RIGHT_READ, RIGHT_WRITE};
use crate::{show, ROOT};

/// The preopens, before anything else opens a descriptor.
pub fn preopens() {
    let mut pre = [0u32; 2];
    show!("fd_prestat_get root", fd_prestat_get(ROOT, pre.as_mut_ptr()));
    println!("  tag {} len {}", pre[0] & 0xff, pre[1]);
    let mut name = [0u8; 8];
    show!("fd_prestat_dir_name root", fd_prestat_dir_name(ROOT, name.as_mut_ptr(), 8));
    println!("  {:?}", String::from_utf8_lossy(&name[..pre[1] as usize]));
    show!("fd_prestat_dir_name short", fd_prestat_dir_name(ROOT, name.as_mut_ptr(), 0));
    show!("fd_prestat_get stdin", fd_prestat_get(0, pre.as_mut_ptr()));
    show!("fd_prestat_get next", fd_prestat_get(ROOT + 1, pre.as_mut_ptr()));
    show!("fd_prestat_dir_name stdin", fd_prestat_dir_name(0, name.as_mut_ptr(), 8));
    show!("fd_prestat_dir_name bad", fd_prestat_dir_name(99, name.as_mut_ptr(), 8));
}

fn args_env() {
    let (mut count, mut size) = (0u32, 0u32);
    show!("args_sizes_get", args_sizes_get(&mut count, &mut size));
    let mut ptrs = vec![0u32; count as usize];
    let mut buf = vec![0u8; size as usize];
    show!("args_get", args_get(ptrs.as_mut_ptr(), buf.as_mut_ptr()));
    println!("  {count} {size} {:?}", String::from_utf8_lossy(&buf));
    show!("environ_sizes_get", environ_sizes_get(&mut count, &mut size));
    let mut ptrs = vec![0u32; count as usize];
    let mut buf = vec![0u8; size as usize];
    show!("environ_get", environ_get(ptrs.as_mut_ptr(), buf.as_mut_ptr()));
    println!("  {count} {size} {:?}", String::from_utf8_lossy(&buf));
}

fn clocks() {
    let mut t = 0u64;
    for id in [0, 1, 2, 3] {
        show!(format!("clock_res_get {id}"), clock_res_get(id, &mut t));
        let e = show!(format!("clock_time_get {id}"), clock_time_get(id, 1, &mut t));
        if e == 0 {
            println!("  positive {}", t > 0 || id == 1);
        }
    }
    let (mut a, mut b) = (0u64, 0u64);
    // SAFETY: pointers into live locals.
    unsafe {
        clock_time_get(1, 1, &mut a);
        clock_time_get(1, 1, &mut b);
    }
    println!("monotonic never goes back: {}", b >= a);
}

/// A subscription: userdata, tag, then the clock or fd fields.
fn sub(userdata: u64, tag: u8, a: u32, timeout: u64, flags: u16) -> [u8; 48] {
    let mut s = [0u8; 48];
    s[0..8].copy_from_slice(&userdata.to_le_bytes());
    s[8] = tag;
    s[16..20].copy_from_slice(&a.to_le_bytes());
    s[24..32].copy_from_slice(&timeout.to_le_bytes());
    s[40..42].copy_from_slice(&flags.to_le_bytes());
    s
}

fn poll(label: &str, subs: &[[u8; 48]]) {
    let mut events = vec![[0u8; 32]; subs.len().max(1)];
    let mut n = 0u32;
    let flat: Vec<u8> = subs.concat();
    let e = show!(
        format!("poll_oneoff {label}"),
        poll_oneoff(flat.as_ptr(), events.as_mut_ptr().cast(), subs.len() as u32, &mut n)
    );
    if e == 0 {
        for ev in &events[..n as usize] {
            let userdata = u64::from_le_bytes(ev[0..8].try_into().unwrap_or([0; 8]));
            let nbytes = u64::from_le_bytes(ev[16..24].try_into().unwrap_or([0; 8]));
            println!("  event {userdata} error {} type {} nbytes {nbytes} flags {}", ev[8], ev[10], ev[24]);
        }
    }
}

fn polls() {
    poll("none", &[]);
    poll("sleep", &[sub(1, 0, 1, 1_000, 0)]);
    poll("absolute past", &[sub(2, 0, 1, 0, 1)]);
    poll("bad clock", &[sub(3, 0, 7, 0, 0)]);
    poll("stdout writable", &[sub(4, 2, 1, 0, 0), sub(5, 0, 1, 60_000_000_000, 0)]);
    let (_, f) = open("work/raw/poll", O_CREAT, RIGHT_READ | RIGHT_WRITE, 0);
    poll("file at end", &[sub(6, 1, f, 0, 0)]);
    let mut n = 0;
    // SAFETY: pointers into live locals.
    unsafe { fd_write(f, iov(b"x").as_ptr(), 1, &mut n) };
    let mut pos = 0;
    // SAFETY: as above.
    unsafe { fd_seek(f, 0, 0, &mut pos) };
    // One subscription at a time: wasmtime reports a file's read readiness only once a
    // background read completes, so a mix of subscriptions races there.
    poll("file with data", &[sub(7, 1, f, 0, 0)]);
    poll("file writable", &[sub(8, 2, f, 0, 0)]);
    poll("bad fd", &[sub(9, 1, 99, 0, 0)]);
    poll("dir fd", &[sub(10, 1, ROOT, 0, 0)]);
    poll("bad tag", &[sub(11, 9, 0, 0, 0)]);
    // SAFETY: closing our own descriptor.
    unsafe { fd_close(f) };
}

/// One call with an argument wasmtime's bindings cannot convert (an unknown enum value or
/// flag bit): the program must trap there, so nothing after it prints.
pub fn trap_case(name: &str) {
    let mut out = 0u64;
    let mut fd = 0u32;
    let path = "x";
    // SAFETY: pointers into live locals; the arguments are bad on purpose.
    let e = unsafe {
        match name {
            "whence" => fd_seek(ROOT, 0, 7, &mut out),
            "advice" => fd_advise(ROOT, 0, 0, 9),
            "clock" => clock_time_get(9, 0, &mut out),
            "fdflags" => fd_fdstat_set_flags(ROOT, 64),
            "oflags" => path_open(ROOT, 0, path.as_ptr(), 1, 32, 0, 0, 0, &mut fd),
            "lookupflags" => path_open(ROOT, 2, path.as_ptr(), 1, 0, 0, 0, 0, &mut fd),
            "rights" => path_open(ROOT, 0, path.as_ptr(), 1, 0, 1 << 40, 0, 0, &mut fd),
            "fstflags" => fd_filestat_set_times(ROOT, 0, 0, 16),
            "signal" => proc_raise(99),
            "sdflags" => sock_shutdown(ROOT, 4),
            "pointer" => fd_write(1, 0xffff_fff0 as *const u32, 4, &mut fd),
            "misaligned" => clock_time_get(0, 0, 3 as *mut u64),
            "exit" => proc_exit(126),
            _ => 0,
        }
    };
    println!("not trapped: {}", crate::errno(e));
}

pub fn run() {
    args_env();
    clocks();
    polls();
    let mut buf = [0u8; 16];
    show!("random_get", random_get(buf.as_mut_ptr(), 16));
    show!("random_get empty", random_get(buf.as_mut_ptr(), 0));
    show!("sched_yield", sched_yield());
    show!("proc_raise", proc_raise(1));
    let mut out = 0u32;
    let mut oflags = 0u16;
    for fd in [ROOT, 1, 99] {
        show!(format!("sock_accept {fd}"), sock_accept(fd, 0, &mut out));
        show!(format!("sock_recv {fd}"), sock_recv(fd, iov(&buf).as_ptr(), 1, 0, &mut out, &mut oflags));
        show!(format!("sock_send {fd}"), sock_send(fd, iov(&buf).as_ptr(), 1, 0, &mut out));
        show!(format!("sock_shutdown {fd}"), sock_shutdown(fd, 1));
    }
}

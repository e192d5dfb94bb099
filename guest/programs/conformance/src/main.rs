//! A conformance program for `wasi_snapshot_preview1`: run with `/` preopened (fd 3), it
//! prints what every call answers, error paths included, so two runtimes can be compared
//! line by line. It prints nothing that legitimately differs between runtimes (times,
//! inode and device numbers, random bytes), and ends with `proc_exit(7)`.
//!
//! Arguments: none needed. Stdin is read to the end and echoed.

mod raw;
mod raw_fd;
mod raw_misc;
mod raw_path;
mod std_fs;

use std::io::Read;

/// The WASI errno's name.
pub fn errno(e: i32) -> &'static str {
    const NAMES: [&str; 77] = [
        "OK", "2BIG", "ACCES", "ADDRINUSE", "ADDRNOTAVAIL", "AFNOSUPPORT", "AGAIN", "ALREADY",
        "BADF", "BADMSG", "BUSY", "CANCELED", "CHILD", "CONNABORTED", "CONNREFUSED",
        "CONNRESET", "DEADLK", "DESTADDRREQ", "DOM", "DQUOT", "EXIST", "FAULT", "FBIG",
        "HOSTUNREACH", "IDRM", "ILSEQ", "INPROGRESS", "INTR", "INVAL", "IO", "ISCONN", "ISDIR",
        "LOOP", "MFILE", "MLINK", "MSGSIZE", "MULTIHOP", "NAMETOOLONG", "NETDOWN", "NETRESET",
        "NETUNREACH", "NFILE", "NOBUFS", "NODEV", "NOENT", "NOEXEC", "NOLCK", "NOLINK",
        "NOMEM", "NOMSG", "NOPROTOOPT", "NOSPC", "NOSYS", "NOTCONN", "NOTDIR", "NOTEMPTY",
        "NOTRECOVERABLE", "NOTSOCK", "NOTSUP", "NOTTY", "NXIO", "OVERFLOW", "OWNERDEAD", "PERM",
        "PIPE", "PROTO", "PROTONOSUPPORT", "PROTOTYPE", "RANGE", "ROFS", "SPIPE", "SRCH",
        "STALE", "TIMEDOUT", "TXTBSY", "XDEV", "NOTCAPABLE",
    ];
    NAMES.get(e as usize).copied().unwrap_or("?")
}

/// Prints `label: ERRNO` for a raw call's result.
#[macro_export]
macro_rules! show {
    ($label:expr, $call:expr) => {{
        // SAFETY: every pointer passed points into this program's own live buffers.
        let e = unsafe { $call };
        println!("{}: {}", $label, $crate::errno(e));
        e
    }};
}

/// The root preopen.
pub const ROOT: u32 = 3;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(case) = args.get(1).and_then(|a| a.strip_prefix("trap:")) {
        raw_misc::trap_case(case);
        return;
    }
    println!("args: {args:?}");
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    println!("env: {vars:?}");
    let mut input = String::new();
    let read = std::io::stdin().read_to_string(&mut input);
    println!("stdin: {:?} {:?}", read.is_ok(), input);
    eprintln!("stderr: a line");

    raw_misc::preopens();
    std_fs::run();
    raw_fd::run();
    raw_path::run();
    raw_misc::run();
    println!("done");
    // SAFETY: ends the program.
    unsafe { raw::proc_exit(7) }
}

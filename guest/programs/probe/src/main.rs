//! `probe CMD ARGS... [CMD ARGS...]...`: runs commands in order, printing what each did, so
//! a test can drive a task precisely. Commands:
//!
//! | command | what |
//! |---|---|
//! | `write PATH TEXT` | writes the file (created or truncated) |
//! | `append PATH TEXT` | appends |
//! | `read PATH` | prints the file |
//! | `ls DIR` | prints the sorted names |
//! | `stat PATH` | prints the inode number, size and times (`fd_filestat_get`) |
//! | `mkdir PATH`, `rm PATH`, `rmdir PATH`, `mv FROM TO`, `symlink TARGET PATH` | as their names say |
//! | `exit N` | exits with status N |
//! | `trap` | executes `unreachable` |
//! | `spin` | loops forever |
//! | `alloc MIB` | allocates and touches MIB MiB |
//! | `shout N` | prints N bytes to stdout |
//! | `random` | prints 16 bytes of `random_get` and 16 of `/dev/urandom`, in hex |
//! | `time` | prints the realtime and monotonic clocks, in ns |
//! | `sleep NS` | sleeps |
//! | `cat-stdin` | copies stdin to stdout |
//! | `near-write KEY VALUE`, `near-read KEY`, `near-remove KEY`, `near-has KEY` | NEAR storage syscalls 400–403, printing their result |
//! | `near-log TEXT`, `near-panic TEXT` | syscalls 420, 421 |
//! | `near-ids` | the current account, signer, predecessor, block height and timestamp (430–441) |
//! | `near-sha256 TEXT` | syscall 450, hex |
//!
//! A failed command prints `error: <kind>` and the chain goes on.

use std::io::{Read, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    fn random_get(buf: *mut u8, len: u32) -> i32;
    fn clock_time_get(id: u32, precision: u64, out: *mut u64) -> i32;
    fn fd_filestat_get(fd: u32, out: *mut u8) -> i32;
}

/// `fd_filestat_get` of the file at `path`: inode number, size, atime, mtime, ctime.
fn filestat(path: &str) -> std::io::Result<[u64; 5]> {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(path)?;
    let mut buf = [0u8; 64];
    // SAFETY: `buf` is the 64 bytes a filestat takes.
    let errno = unsafe { fd_filestat_get(file.as_raw_fd() as u32, buf.as_mut_ptr()) };
    if errno != 0 {
        return Err(std::io::Error::from_raw_os_error(errno));
    }
    let field = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&buf[at..at + 8]);
        u64::from_le_bytes(b)
    };
    Ok([field(8), field(32), field(40), field(48), field(56)])
}

#[link(wasm_import_module = "outlayer")]
extern "C" {
    fn syscall(nr: i64, a0: i64, a1: i64, a2: i64, a3: i64, a4: i64, a5: i64) -> i64;
}

/// `outlayer.syscall(nr, args...)` with up to four arguments.
fn near(nr: i64, a: [i64; 4]) -> i64 {
    // SAFETY: the arguments point into buffers the caller keeps alive.
    unsafe { syscall(nr, a[0], a[1], a[2], a[3], 0, 0) }
}

fn ptr(b: &[u8]) -> [i64; 2] {
    [b.as_ptr() as i64, b.len() as i64]
}

/// A NEAR id (430–432) as a string.
fn id(nr: i64) -> String {
    let mut buf = [0u8; 64];
    let n = near(nr, [buf.as_mut_ptr() as i64, 64, 0, 0]);
    String::from_utf8_lossy(&buf[..n.clamp(0, 64) as usize]).into_owned()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn report<T: std::fmt::Debug>(cmd: &str, r: std::io::Result<T>) {
    match r {
        Ok(v) => println!("{cmd}: {v:?}"),
        Err(e) => println!("{cmd}: error: {:?}", e.kind()),
    }
}

fn main() {
    // Work where the kernel says the task works (libc's own directory starts at `/`).
    if let Ok(pwd) = std::env::var("PWD") {
        if let Err(e) = std::env::set_current_dir(&pwd) {
            println!("chdir {pwd}: error: {:?}", e.kind());
        }
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter().map(String::as_str);
    let mut next = || it.next().unwrap_or("");
    loop {
        let cmd = next();
        match cmd {
            "" => break,
            "write" => {
                let (p, t) = (next(), next());
                report(cmd, std::fs::write(p, t));
            }
            "append" => {
                let (p, t) = (next(), next());
                let r = std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(p)
                    .and_then(|mut f| f.write_all(t.as_bytes()));
                report(cmd, r);
            }
            "read" => report(cmd, std::fs::read_to_string(next())),
            "ls" => {
                let r = std::fs::read_dir(next()).and_then(|d| {
                    let mut names = d
                        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
                        .collect::<std::io::Result<Vec<_>>>()?;
                    names.sort();
                    Ok(names)
                });
                report(cmd, r);
            }
            "stat" => report(cmd, filestat(next())),
            "mkdir" => report(cmd, std::fs::create_dir(next())),
            "rm" => report(cmd, std::fs::remove_file(next())),
            "rmdir" => report(cmd, std::fs::remove_dir(next())),
            "mv" => {
                let (a, b) = (next(), next());
                report(cmd, std::fs::rename(a, b));
            }
            "symlink" => {
                let (target, path) = (next(), next());
                report(cmd, symlink(target, path));
            }
            "exit" => {
                std::io::stdout().flush().ok();
                std::process::exit(next().parse().unwrap_or(1));
            }
            "trap" => {
                std::io::stdout().flush().ok();
                #[cfg(target_arch = "wasm32")]
                core::arch::wasm32::unreachable();
            }
            "spin" => {
                std::io::stdout().flush().ok();
                let mut x = 0u64;
                loop {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
            "alloc" => {
                let mib: usize = next().parse().unwrap_or(1);
                let v = vec![1u8; mib << 20];
                println!("alloc: {}", v.iter().map(|&b| b as usize).sum::<usize>());
            }
            "shout" => {
                let n: usize = next().parse().unwrap_or(0);
                let r = std::io::stdout().write_all(&vec![b'x'; n]);
                report(cmd, r.map(|_| n));
            }
            "random" => {
                let mut a = [0u8; 16];
                // SAFETY: a live buffer.
                unsafe { random_get(a.as_mut_ptr(), 16) };
                let mut b = [0u8; 16];
                let r = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b));
                println!("random: {} urandom: {} {:?}", hex(&a), hex(&b), r.is_ok());
            }
            "time" => {
                let real = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
                let mut mono = 0u64;
                // SAFETY: a live local.
                unsafe { clock_time_get(1, 1, &mut mono) };
                println!("time: real {} mono {}", real.as_nanos(), mono);
            }
            "sleep" => {
                std::thread::sleep(Duration::from_nanos(next().parse().unwrap_or(0)));
                println!("sleep: done");
            }
            "cat-stdin" => {
                let mut s = Vec::new();
                let r = std::io::stdin().read_to_end(&mut s);
                std::io::stdout().write_all(&s).ok();
                report(cmd, r);
            }
            "near-write" => {
                let (k, v) = (ptr(next().as_bytes()), ptr(next().as_bytes()));
                println!("near-write: {}", near(400, [k[0], k[1], v[0], v[1]]));
            }
            "near-read" => {
                let k = ptr(next().as_bytes());
                let mut buf = [0u8; 256];
                let n = near(401, [k[0], k[1], buf.as_mut_ptr() as i64, 256]);
                let shown = String::from_utf8_lossy(&buf[..n.clamp(0, 256) as usize]).into_owned();
                println!("near-read: {n} {shown:?}");
            }
            "near-remove" => {
                let k = ptr(next().as_bytes());
                println!("near-remove: {}", near(402, [k[0], k[1], 0, 0]));
            }
            "near-has" => {
                let k = ptr(next().as_bytes());
                println!("near-has: {}", near(403, [k[0], k[1], 0, 0]));
            }
            "near-log" => {
                let m = ptr(next().as_bytes());
                println!("near-log: {}", near(420, [m[0], m[1], 0, 0]));
            }
            "near-panic" => {
                let m = ptr(next().as_bytes());
                std::io::stdout().flush().ok();
                near(421, [m[0], m[1], 0, 0]);
            }
            "near-ids" => {
                let (block, time) = (near(440, [0; 4]), near(441, [0; 4]));
                println!("near-ids: {} {} {} {block} {time}", id(432), id(430), id(431));
            }
            "near-sha256" => {
                let d = ptr(next().as_bytes());
                let mut out = [0u8; 32];
                let r = near(450, [d[0], d[1], out.as_mut_ptr() as i64, 0]);
                println!("near-sha256: {r} {}", hex(&out));
            }
            other => println!("unknown command {other:?}"),
        }
    }
}

/// `path_symlink` relative to the root preopen (std's is unstable on WASI).
fn symlink(target: &str, path: &str) -> std::io::Result<()> {
    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    extern "C" {
        fn path_symlink(t: *const u8, tl: u32, fd: u32, p: *const u8, pl: u32) -> i32;
    }
    let rel = path.trim_start_matches('/');
    // SAFETY: live strings.
    let e = unsafe { path_symlink(target.as_ptr(), target.len() as u32, 3, rel.as_ptr(), rel.len() as u32) };
    if e == 0 {
        Ok(())
    } else {
        Err(std::io::Error::from_raw_os_error(e))
    }
}

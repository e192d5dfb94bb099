//! `probe CMD ARGS... [CMD ARGS...]...`: runs commands in order, printing what each did, so
//! a test can drive a task precisely. Commands:
//!
//! | command | what |
//! |---|---|
//! | `write PATH TEXT` | writes the file (created or truncated) |
//! | `append PATH TEXT` | appends |
//! | `read PATH` | prints the file |
//! | `ls DIR` | prints the sorted names |
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
//!
//! A failed command prints `error: <kind>` and the chain goes on.

use std::io::{Read, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    fn random_get(buf: *mut u8, len: u32) -> i32;
    fn clock_time_get(id: u32, precision: u64, out: *mut u64) -> i32;
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

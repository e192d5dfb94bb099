//! Daemon processes in tests: start one and wait until it is ready, stop it, and tell
//! whether a directory is a mount point.
//!
//! The one copy for the workspace. It is a module of the `outlayer-tests` library, and
//! `daemon/tests/cli.rs` includes this file with `#[path]` rather than depend on
//! `outlayer-tests`, which depends on `outlayerd` (why: `tests/src/lib.rs`). So it uses
//! only std, `libc` and `nix`, which both crates have.

use std::fs::OpenOptions;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// How long a daemon may take to become ready (its mount live, its socket bound). RocksDB
/// recovery and a busy 2-core machine make a few seconds common.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a daemon may take to exit after SIGTERM (it unmounts and flushes first).
pub const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// Spawns `cmd` (stdin and stdout closed, stderr appended to `log`) and waits until
/// `ready()` holds. Panics with what the daemon logged when it exits first or is not ready
/// within [`START_TIMEOUT`]; it is killed then, so no process outlives a failed start.
pub fn start(cmd: &mut Command, log: &Path, ready: impl Fn() -> bool) -> Child {
    let what = format!("{cmd:?}");
    let stderr = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|e| panic!("spawning {what}: {e}"));
    let began = Instant::now();
    loop {
        if ready() {
            return child;
        }
        let exited = child
            .try_wait()
            .unwrap_or_else(|e| panic!("waiting for {what}: {e}"));
        if let Some(status) = exited {
            panic!(
                "{what} exited with {status} before it was ready:\n{}",
                read_log(log)
            );
        }
        if began.elapsed() > START_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{what} not ready after {START_TIMEOUT:?}:\n{}",
                read_log(log)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends SIGTERM and waits at most `timeout`: the exit status, or `None` when the daemon
/// did not exit in time (it is then killed with SIGKILL and reaped).
pub fn terminate(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    // The pid is ours until we reap it, so the signal cannot reach another process.
    let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM);
    let status = wait_timeout(child, timeout);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    status
}

/// Waits for `child` to exit, at most `timeout`.
pub fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let began = Instant::now();
    loop {
        if let Some(s) = child.try_wait().ok()? {
            return Some(s);
        }
        if began.elapsed() > timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// True when `path` is the root of a mount (its device differs from its parent's).
pub fn is_mount_point(path: &Path) -> bool {
    match (std::fs::metadata(path), std::fs::metadata(path.join(".."))) {
        (Ok(me), Ok(parent)) => me.dev() != parent.dev(),
        // ENOTCONN: a dead FUSE daemon's mount is still a mount.
        (Err(e), _) => e.raw_os_error() == Some(libc::ENOTCONN),
        _ => false,
    }
}

/// Detaches whatever is mounted at `mnt` (lazily, so a busy mount cannot block).
pub fn force_unmount(mnt: &Path) {
    let _ = Command::new("fusermount3")
        .arg("-u")
        .arg("-z")
        .arg(mnt)
        .stderr(Stdio::null())
        .status();
}

fn read_log(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

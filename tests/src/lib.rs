//! Test fixtures: a real `outlayerd` daemon on a real FUSE mount, and the CLI beside it.
//!
//! The fixtures other crates' tests need too live in [`daemon`] (start and stop a daemon
//! process, mount points) and [`contracts`] (the test contracts). `outlayerd` and
//! `outlayer-kernel` include those two files with `#[path]` instead of depending on this
//! crate. Cargo would accept that dev-dependency cycle (integration tests even share one
//! copy of the crate), but `cargo test -p outlayer-kernel` would then build the daemon,
//! FUSE and tokio, and unit tests would link a second, `cfg(test)` copy of their own crate,
//! all for a few std-only helpers.
//!
//! Every [`TestDaemon`] gets its own temporary data directory and mountpoint, so tests run
//! in parallel threads. Dropping one always leaves no mount behind (SIGTERM, then a lazy
//! `fusermount3 -u -z` if the daemon did not unmount), so a failed test cannot poison the
//! machine or the next run.

#![allow(clippy::unwrap_used, missing_docs)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub mod contracts;
pub mod daemon;
pub mod programs;

pub use contracts::{contract_path, contracts_dir};
use daemon::STOP_TIMEOUT;
pub use daemon::{force_unmount, is_mount_point, wait_timeout};
pub use programs::program_path;

/// The `outlayerd` binary: `$OUTLAYERD_BIN`, else next to the test executable's `deps/`.
pub fn outlayerd_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("OUTLAYERD_BIN") {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "$OUTLAYERD_BIN={} is not a file", p.display());
        return p;
    }
    let exe = std::env::current_exe().expect("current_exe");
    // <target>/debug/deps/<test>-<hash> → <target>/debug/outlayerd
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("outlayerd"))
        .expect("test executable has no grandparent directory");
    assert!(
        bin.is_file(),
        "outlayerd binary not found at {}: build it first (`cargo test --workspace` or \
         `cargo build -p outlayerd`) or set $OUTLAYERD_BIN",
        bin.display()
    );
    bin
}

/// Fails the test with a clear message when a tool the test needs is not installed.
pub fn require_tool(tool: &str) {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file()));
    assert!(
        found,
        "required tool `{tool}` is not installed (the CI setup installs fuse3, sqlite3, git, \
         rsync and bindfs); this test does not skip"
    );
}

/// Runs `outlayerd --data-dir <data_dir> ARGS…` and returns what it did.
pub fn cli<S: AsRef<OsStr>>(data_dir: &Path, args: &[S]) -> Output {
    Command::new(outlayerd_bin())
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("OUTLAYER_DATA_DIR")
        .stdin(Stdio::null())
        .output()
        .expect("running outlayerd")
}

/// Like [`cli`], asserting success, returning stdout.
pub fn cli_ok<S: AsRef<OsStr>>(data_dir: &Path, args: &[S]) -> Vec<u8> {
    let out = cli(data_dir, args);
    assert!(
        out.status.success(),
        "outlayerd {:?} failed ({}): {}",
        args.iter()
            .map(|a| a.as_ref().to_owned())
            .collect::<Vec<_>>(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Reads `key` of `account` through the running daemon's control socket, in-process.
///
/// Spawning `outlayerd state get` instead would fork: the child's copy of every open
/// descriptor is closed at exec, and each close of a FUSE file is a FLUSH, which commits
/// that file's buffered writes. Tests of "not visible before close" must not fork.
pub fn control_get(data_dir: &Path, account: &str, key: &[u8]) -> Option<Vec<u8>> {
    use outlayerd::api::{Bytes, ErrorKind, Request, StateGet};
    use outlayerd::control::client::ControlClient;
    let sock = data_dir.join("control.sock");
    let mut c =
        ControlClient::connect(&sock).unwrap_or_else(|| panic!("no daemon on {}", sock.display()));
    let req = Request::StateGet(StateGet {
        account: account.into(),
        key: key.to_vec(),
    });
    match c.call(&req, &mut |_| {}) {
        Ok(v) => Some(serde_json::from_value::<Bytes>(v).unwrap().0),
        Err(e) if e.kind == ErrorKind::NotFound => None,
        Err(e) => panic!("control get failed: {e:?}"),
    }
}

/// A running daemon with its mount, on a private data directory.
pub struct TestDaemon {
    /// The data directory (RocksDB store, control socket).
    pub data_dir: PathBuf,
    /// The mountpoint.
    pub mnt: PathBuf,
    child: Option<Child>,
    log: PathBuf,
    mount_args: Vec<String>,
    // Last: removed after the mount is gone (Drop unmounts first).
    _tmp: tempfile::TempDir,
}

impl TestDaemon {
    /// A daemon on a fresh data directory, mounted read-write.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// A daemon on a fresh data directory with extra `mount` arguments (`--read-only`, …).
    pub fn start_with(mount_args: &[&str]) -> Self {
        let mut d = Self::unstarted();
        d.set_mount_args(mount_args);
        d.spawn();
        d
    }

    /// A data directory populated before any daemon starts; call [`TestDaemon::spawn`] next.
    pub fn unstarted() -> Self {
        let tmp = tempfile::Builder::new()
            .prefix("outlayer-test-")
            .tempdir()
            .expect("tempdir");
        let mnt = tmp.path().join("mnt");
        std::fs::create_dir(&mnt).unwrap();
        TestDaemon {
            data_dir: tmp.path().join("data"),
            mnt,
            child: None,
            log: tmp.path().join("daemon.log"),
            mount_args: Vec::new(),
            _tmp: tmp,
        }
    }

    /// Arguments for the next [`TestDaemon::spawn`] (`--read-only`, `--threads N`, …).
    pub fn set_mount_args(&mut self, args: &[&str]) {
        self.mount_args = args.iter().map(|s| s.to_string()).collect();
    }

    /// `<mnt>/<rel>`.
    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.mnt.join(rel)
    }

    /// The daemon's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("daemon not running").id()
    }

    /// What the daemon logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Runs `outlayerd --data-dir <ours> ARGS…` (through the control socket while running).
    pub fn cli<S: AsRef<OsStr>>(&self, args: &[S]) -> Output {
        cli(&self.data_dir, args)
    }

    /// Like [`TestDaemon::cli`], asserting success, returning stdout.
    pub fn cli_ok<S: AsRef<OsStr>>(&self, args: &[S]) -> Vec<u8> {
        cli_ok(&self.data_dir, args)
    }

    /// Starts the daemon (again) and waits until the mount is live.
    pub fn spawn(&mut self) {
        assert!(self.child.is_none(), "daemon already running");
        let mut cmd = Command::new(outlayerd_bin());
        cmd.arg("--data-dir")
            .arg(&self.data_dir)
            .arg("mount")
            .arg(&self.mnt)
            .args(&self.mount_args)
            .env_remove("OUTLAYER_DATA_DIR");
        let mnt = &self.mnt;
        self.child = Some(daemon::start(&mut cmd, &self.log, || is_mount_point(mnt)));
    }

    /// SIGTERM, wait, and assert a clean exit (status 0, mount gone).
    pub fn stop(&mut self) {
        let mut child = self.child.take().expect("daemon not running");
        let status = daemon::terminate(&mut child, STOP_TIMEOUT).unwrap_or_else(|| {
            force_unmount(&self.mnt);
            panic!(
                "daemon did not exit within {STOP_TIMEOUT:?} of SIGTERM:\n{}",
                self.log()
            );
        });
        assert!(
            status.success(),
            "daemon exited with {status} after SIGTERM:\n{}",
            self.log()
        );
        assert!(
            !is_mount_point(&self.mnt),
            "mount still present after a clean stop"
        );
    }

    /// Stops cleanly and mounts again on the same data directory.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// `kill -9` the daemon and detach its dead mount (`fusermount3 -u -z`).
    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("daemon not running");
        child.kill().unwrap();
        child.wait().unwrap();
        force_unmount(&self.mnt);
        let start = Instant::now();
        while is_mount_point(&self.mnt) {
            assert!(
                start.elapsed() < STOP_TIMEOUT,
                "stale mount survived fusermount3 -u -z"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Reads RSS of the daemon in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/<pid>/status")
    }
}

impl Drop for TestDaemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = daemon::terminate(&mut child, Duration::from_secs(10));
        }
        if is_mount_point(&self.mnt) {
            force_unmount(&self.mnt);
        }
    }
}

/// The errno of an `io::Error` (panics with the error when it has none).
pub fn errno(e: &std::io::Error) -> i32 {
    e.raw_os_error()
        .unwrap_or_else(|| panic!("not an OS error: {e}"))
}

/// Asserts `r` failed with `expected` errno.
#[track_caller]
pub fn assert_errno<T: std::fmt::Debug>(r: std::io::Result<T>, expected: i32) {
    match r {
        Ok(v) => panic!(
            "expected {} but the call succeeded with {v:?}",
            std::io::Error::from_raw_os_error(expected)
        ),
        Err(e) => assert_eq!(
            errno(&e),
            expected,
            "expected {} got {e}",
            std::io::Error::from_raw_os_error(expected)
        ),
    }
}

/// Sorted names in a directory (std's `read_dir` skips `.` and `..`).
pub fn list(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read_dir {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

/// `state ls` output of an account, sorted.
pub fn state_ls(data_dir: &Path, account: &str) -> Vec<String> {
    let out = cli_ok(data_dir, &["state", "ls", account]);
    let mut v: Vec<String> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

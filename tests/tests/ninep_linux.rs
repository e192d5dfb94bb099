//! End to end through the Linux kernel's own 9P client: `outlayerd serve --9p-socket` is
//! mounted by Debian's Linux 6.1 under QEMU (`linux9p.sh`), which runs the state suite with
//! `cache=none` and `cache=loose`; then a guest writes a known key, and the host reads it back
//! through the store after the daemon stopped.
//!
//! Needs QEMU and the harness packages (`linux9p.sh install`). Paths:
//! - the daemon: `$OUTLAYERD_BIN`, else `outlayerd` next to this test's own target directory
//!   (`env!("CARGO_BIN_EXE_outlayerd")` only exists inside the daemon's own crate);
//! - the harness: `$LINUX9P`, else `../shared/tools/linux9p.sh` beside the workspace, and
//!   its state suite next to it.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use outlayer_fs::account::AccountId;
use outlayer_fs::store::Store;

fn daemon_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("OUTLAYERD_BIN") {
        return PathBuf::from(p);
    }
    // <target>/debug/deps/ninep_linux-<hash> → <target>/debug/outlayerd
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    profile_dir.join("outlayerd")
}

fn harness() -> PathBuf {
    std::env::var_os("LINUX9P")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/tools/linux9p.sh")
        })
}

/// The daemon, killed (and waited for) when dropped.
struct Daemon(Child);

impl Daemon {
    fn start(data: &Path, sock: &Path) -> Daemon {
        let child = Command::new(daemon_bin())
            .arg("serve")
            .arg("--data-dir")
            .arg(data)
            .arg("--9p-socket")
            .arg(sock)
            .spawn()
            .expect("start outlayerd (set OUTLAYERD_BIN?)");
        let d = Daemon(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !sock.exists() {
            assert!(
                Instant::now() < deadline,
                "no 9P socket at {} after 30 s",
                sock.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        d
    }

    /// Asks the daemon to stop (SIGTERM) and waits, so the store is closed cleanly.
    fn stop(mut self) {
        let pid = nix::unistd::Pid::from_raw(self.0.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn run_suite(sock: &Path, suite: &Path, opts: &str) -> Output {
    let out = Command::new(harness())
        .arg("--suite")
        .arg(suite)
        .arg("--opts")
        .arg(opts)
        // The harness's boot watchdog exits after --boot-deadline, and under `set -e` its
        // later `kill` of that watchdog then ends the harness with status 1 before the
        // summary: keep the deadline beyond the whole run (still bounded by --timeout).
        .args(["--boot-deadline", "590", "--timeout", "600"])
        .arg(format!("unix:{}", sock.display()))
        .stdin(Stdio::null())
        // Its own process group: the harness cleans up QEMU and relays by group.
        .process_group(0)
        .output()
        .expect("run linux9p.sh");
    eprintln!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    eprintln!("linux9p.sh: {}", out.status);
    out
}

/// The closing `N passed, M failed` line, as (N, M).
fn summary(out: &Output) -> Option<(u32, u32)> {
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.ends_with(" failed") && l.contains(" passed, "))?;
    let mut words = line.split_whitespace();
    let passed = words.next()?.parse().ok()?;
    let failed = words.nth(1)?.parse().ok()?;
    Some((passed, failed))
}

#[test]
fn linux_kernel_mounts_the_state_tree() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let sock = tmp.path().join("9p.sock");
    let daemon = Daemon::start(&data, &sock);

    let state_suite = harness().with_file_name("linux9p-state-suite.sh");
    let out = run_suite(&sock, &state_suite, "cache=none;cache=loose");
    let (passed, failed) = summary(&out).expect("a `N passed, M failed` line");
    assert!(
        out.status.success(),
        "linux9p.sh exited with {}",
        out.status
    );
    assert!(
        passed > 0 && failed == 0,
        "{passed} passed, {failed} failed"
    );

    // A guest write the host can check: the state suite itself leaves nothing behind.
    let custom = tmp.path().join("write-key.sh");
    std::fs::write(
        &custom,
        "req mkdir_account mkdir -p $M/e2e.near\n\
         req write_key eval 'printf from-the-guest > \"$M/e2e.near/written%2Fby%00guest\"'\n\
         req read_back eval 'eq \"$(cat $M/e2e.near/written%2Fby%00guest)\" from-the-guest'\n",
    )
    .expect("write suite");
    let out = run_suite(&sock, &custom, "cache=none");
    assert!(
        out.status.success(),
        "custom suite: linux9p.sh exited with {}",
        out.status
    );
    assert_eq!(summary(&out).map(|s| s.1), Some(0));
    daemon.stop();

    let store = Arc::new(Store::open(&data).expect("open the daemon's store"));
    let account = AccountId::new("e2e.near").expect("account id");
    let value = store
        .get(&account, b"written/by\0guest")
        .expect("read the key");
    assert_eq!(value.as_deref(), Some(&b"from-the-guest"[..]));
}

//! End to end through the Linux kernel's own 9P client: `outlayerd serve --9p-socket` is
//! mounted by Debian's Linux 6.1 under QEMU (`tests/scripts/linux9p.sh`), which runs the
//! state suite (`tests/scripts/linux9p-state-suite.sh`) with `cache=none` and `cache=loose`;
//! then a guest writes a known key, and the host reads it back through the store after the
//! daemon stopped.
//!
//! Needs what `scripts/setup.sh` installs (QEMU, Debian's kernel, busybox-static); without
//! them the harness fails with one line naming what is missing. Without a usable /dev/kvm
//! the guest runs under software emulation (TCG): slower, never skipped. `$LINUX9P` points
//! the test at another copy of the harness (its state suite next to it).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;

use outlayer_fs::account::AccountId;
use outlayer_fs::store::Store;
use outlayer_tests::{daemon, outlayerd_bin};

fn harness() -> PathBuf {
    std::env::var_os("LINUX9P")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/linux9p.sh"))
}

/// `outlayerd serve` on a 9P socket, killed (and waited for) when dropped.
struct Daemon {
    child: Child,
    sock: PathBuf,
    log: PathBuf,
}

impl Daemon {
    fn start(dir: &Path) -> Daemon {
        let sock = dir.join("9p.sock");
        let log = dir.join("daemon.log");
        let mut cmd = Command::new(outlayerd_bin());
        cmd.arg("serve")
            .arg("--data-dir")
            .arg(dir.join("data"))
            .arg("--9p-socket")
            .arg(&sock);
        let child = daemon::start(&mut cmd, &log, || sock.exists());
        Daemon { child, sock, log }
    }

    /// Runs `suite` in the guest once per mount option set of `opts` (`;`-separated), and
    /// shows the harness's and the daemon's output.
    fn run_suite(&self, suite: &Path, opts: &str) -> Output {
        let out = Command::new(harness())
            .arg("--suite")
            .arg(suite)
            .arg("--opts")
            .arg(opts)
            // A bound on the whole run, so a hung guest fails the test instead of stalling it.
            .args(["--timeout", "600"])
            .arg(format!("unix:{}", self.sock.display()))
            .stdin(Stdio::null())
            // Its own process group: the harness cleans up QEMU and relays by group.
            .process_group(0)
            .output()
            .expect("run linux9p.sh");
        eprintln!("{}", String::from_utf8_lossy(&out.stdout));
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        eprintln!("linux9p.sh: {}", out.status);
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        eprintln!("outlayerd serve log:\n{log}");
        out
    }

    /// Asks the daemon to stop (SIGTERM) and waits, so the store is closed cleanly.
    fn stop(mut self) {
        let _ = daemon::terminate(&mut self.child, daemon::STOP_TIMEOUT);
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
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
    let daemon = Daemon::start(tmp.path());

    let state_suite = harness().with_file_name("linux9p-state-suite.sh");
    let out = daemon.run_suite(&state_suite, "cache=none;cache=loose");
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
    let out = daemon.run_suite(&custom, "cache=none");
    assert!(
        out.status.success(),
        "custom suite: linux9p.sh exited with {}",
        out.status
    );
    assert_eq!(summary(&out).map(|s| s.1), Some(0));
    daemon.stop();

    let store = Arc::new(Store::open(&tmp.path().join("data")).expect("open the daemon's store"));
    let account = AccountId::new("e2e.near").expect("account id");
    let value = store
        .get(&account, b"written/by\0guest")
        .expect("read the key");
    assert_eq!(value.as_deref(), Some(&b"from-the-guest"[..]));
}

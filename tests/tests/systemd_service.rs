//! outlayerd under a real systemd: Debian bookworm (a root file system made with mmdebstrap
//! from Debian's packages, cached outside the clone) boots with Debian's kernel under QEMU;
//! the release binary, the unit and the installer go in on a second disk; the guest installs
//! them with `scripts/install.sh` and checks (`tests/scripts/systemd-guest.sh`):
//! `systemctl start` is active only once the mount is served (Type=notify), a file written on
//! the mount survives `systemctl restart`, `systemctl stop` unmounts, a killed daemon is
//! restarted with its mount, `journalctl -u outlayerd` has the daemon's lines (no colours),
//! `systemd-analyze verify` is clean, and the man page and completions are installed.
//!
//! The binary is the release build (`cargo build --release -p outlayerd`, which
//! `scripts/test.sh` runs first), or `$OUTLAYERD_RELEASE_BIN`. Needs root and what
//! `scripts/setup.sh` installs; the first run builds the root file system (1-3 minutes),
//! later runs reuse it. Without a usable /dev/kvm the guest runs under TCG: slower, never
//! skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use outlayer_tests::outlayerd_bin;

/// The release binary: `$OUTLAYERD_RELEASE_BIN`, else `<target>/release/outlayerd`.
fn release_binary() -> PathBuf {
    let bin = std::env::var_os("OUTLAYERD_RELEASE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            // <target>/debug/outlayerd -> <target>/release/outlayerd
            let debug = outlayerd_bin();
            let target = debug.parent().and_then(Path::parent).expect("target dir");
            target.join("release/outlayerd")
        });
    assert!(
        bin.is_file(),
        "no release binary at {}: build it with `cargo build --release -p outlayerd` \
         (scripts/test.sh does) or set $OUTLAYERD_RELEASE_BIN",
        bin.display()
    );
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if modified(&bin) < modified(&outlayerd_bin()) {
        eprintln!(
            "warning: {} is older than the debug build: it may not have your latest changes",
            bin.display()
        );
    }
    bin
}

#[test]
fn outlayerd_runs_as_a_hardened_systemd_service() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/systemd-vm.sh");
    let started = SystemTime::now();
    let out = Command::new(&script)
        .arg("--binary")
        .arg(release_binary())
        .stdin(Stdio::null())
        .output()
        .expect("run systemd-vm.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    eprintln!(
        "systemd-vm.sh: {} after {:?}",
        out.status,
        started.elapsed().unwrap_or_default()
    );

    let checks: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("@@CHECK "))
        .collect();
    let failed: Vec<&&str> = checks.iter().filter(|l| l.ends_with(" FAIL")).collect();
    assert!(failed.is_empty(), "failed in the guest: {failed:#?}");
    for must in [
        "install",
        "analyze_verify_clean",
        "start",
        "mounted_when_active",
        "ready_after_mount",
        "survives_restart",
        "stop_unmounts",
        "journal_has_daemon_lines",
        "journal_no_ansi",
        "restarted_after_crash",
    ] {
        assert!(
            checks.contains(&format!("@@CHECK {must} PASS").as_str()),
            "check {must} did not pass (did the guest run it?)"
        );
    }
    assert!(
        out.status.success(),
        "systemd-vm.sh exited with {}",
        out.status
    );
    assert!(
        stdout.contains("@@EXPOSURE "),
        "no systemd-analyze security result"
    );
}

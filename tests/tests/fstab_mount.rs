//! outlayerd from /etc/fstab and mount(8): real `mount --fstab <file>` / `mount -t
//! fuse.outlayerd` / `umount` calls on this machine, through the helper mount(8) looks for
//! (`/sbin/mount.fuse.outlayerd`, what `scripts/install.sh` installs as a link to the
//! binary). mount returns once the mount is live, with the daemon detached; `umount` ends
//! the daemon; errors come back from mount(8) before anything detaches.
//!
//! mount(8) searches only /sbin for helpers, so the test links the binary under test there
//! for its duration and puts back whatever was there before. Needs root (it mounts as
//! mount(8) does) and util-linux's mount.

#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use outlayer_tests::{cli_ok, force_unmount, is_mount_point, outlayerd_bin, require_tool};

const HELPER: &str = "/sbin/mount.fuse.outlayerd";

/// Tests here share /sbin/mount.fuse.outlayerd: one at a time.
static HELPER_LOCK: Mutex<()> = Mutex::new(());

/// The helper linked to the binary under test; the previous link (or nothing) comes back on
/// drop.
struct Helper {
    previous: Option<PathBuf>,
}

impl Helper {
    fn install() -> Helper {
        let previous = std::fs::read_link(HELPER).ok();
        if previous.is_none() && Path::new(HELPER).exists() {
            panic!("{HELPER} exists and is not a link: not replacing it");
        }
        let _ = std::fs::remove_file(HELPER);
        std::os::unix::fs::symlink(outlayerd_bin(), HELPER)
            .unwrap_or_else(|e| panic!("linking {HELPER} (the test needs root): {e}"));
        Helper { previous }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(HELPER);
        if let Some(p) = &self.previous {
            let _ = std::os::unix::fs::symlink(p, HELPER);
        }
    }
}

/// A data directory, a mountpoint and an fstab file in a temporary directory; whatever is
/// still mounted is detached on drop.
struct Setup {
    dir: tempfile::TempDir,
    _helper: Helper,
    _lock: std::sync::MutexGuard<'static, ()>,
}

impl Setup {
    fn new() -> Setup {
        require_tool("mount");
        require_tool("umount");
        let lock = HELPER_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::Builder::new()
            .prefix("outlayer-fstab-")
            .tempdir()
            .unwrap();
        std::fs::create_dir(dir.path().join("mnt")).unwrap();
        Setup {
            _helper: Helper::install(),
            dir,
            _lock: lock,
        }
    }

    fn mnt(&self) -> PathBuf {
        self.dir.path().join("mnt")
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Writes one fstab line with `options` and runs `mount --fstab <it> <mnt>`.
    fn mount_fstab(&self, options: &str) -> Output {
        let fstab = self.dir.path().join("fstab");
        std::fs::write(
            &fstab,
            format!(
                "# a test fstab\noutlayerd {} fuse.outlayerd {options} 0 0\n",
                self.mnt().display()
            ),
        )
        .unwrap();
        Command::new("mount")
            .arg("--fstab")
            .arg(&fstab)
            .arg(self.mnt())
            .output()
            .unwrap()
    }

    /// `mount -t fuse.outlayerd SOURCE <mnt> [-o OPTIONS]`.
    fn mount_t(&self, source: &str, options: Option<&str>) -> Output {
        let mut cmd = Command::new("mount");
        cmd.args(["-t", "fuse.outlayerd", source]).arg(self.mnt());
        if let Some(o) = options {
            cmd.args(["-o", o]);
        }
        cmd.output().unwrap()
    }

    /// `umount <mnt>`, then waits until the daemon has let go of the store (it removes its
    /// control socket last).
    fn umount(&self) {
        let out = Command::new("umount").arg(self.mnt()).output().unwrap();
        assert!(out.status.success(), "umount: {}", text(&out.stderr));
        let sock = self.data().join("control.sock");
        let began = Instant::now();
        while sock.exists() {
            assert!(
                began.elapsed() < Duration::from_secs(20),
                "the daemon did not exit after umount"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        if is_mount_point(&self.mnt()) {
            force_unmount(&self.mnt());
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn an_fstab_line_mounts_and_umount_ends_the_daemon() {
    let s = Setup::new();
    let data = s.data();
    let out = s.mount_fstab(&format!("data_dir={},noauto,nofail", data.display()));
    assert!(out.status.success(), "mount: {}", text(&out.stderr));
    // mount(8) returned: the mount is live already, no waiting.
    assert!(
        is_mount_point(&s.mnt()),
        "mount returned before the mount was live"
    );
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "a mount helper is quiet: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    std::fs::create_dir(s.mnt().join("fstab.near")).unwrap();
    std::fs::write(s.mnt().join("fstab.near/greeting"), b"from fstab").unwrap();
    s.umount();
    assert!(!is_mount_point(&s.mnt()));
    // The daemon flushed and let go: the CLI opens the store itself.
    assert_eq!(
        cli_ok(&data, &["state", "get", "fstab.near", "greeting"]),
        b"from fstab"
    );

    // The line, read-only: the data is there, changes are refused.
    let out = s.mount_fstab(&format!("data_dir={},ro", data.display()));
    assert!(out.status.success(), "mount ro: {}", text(&out.stderr));
    assert_eq!(
        std::fs::read(s.mnt().join("fstab.near/greeting")).unwrap(),
        b"from fstab"
    );
    let e = std::fs::write(s.mnt().join("fstab.near/other"), b"x").unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EROFS), "{e}");
    s.umount();
}

#[test]
fn mount_t_reports_the_daemons_error_before_detaching() {
    let s = Setup::new();
    // A data directory that cannot be created: the daemon fails after the fork, and mount(8)
    // still gets its error and mount's failure status.
    let out = s.mount_t("outlayerd", Some("data_dir=/proc/outlayer-cannot-be-here"));
    assert_eq!(out.status.code(), Some(32), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("/proc/outlayer-cannot-be-here") && stderr.lines().count() == 1,
        "one line naming the problem: {stderr}"
    );
    assert!(!is_mount_point(&s.mnt()));

    // An option outlayerd does not know: refused before anything starts.
    let options = format!("data_dir={},colour=blue", s.data().display());
    let out = s.mount_t("outlayerd", Some(&options));
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("unknown mount option \"colour=blue\""),
        "{stderr}"
    );
    assert!(!is_mount_point(&s.mnt()));

    // A source that is a path is the data directory; a busy mountpoint is an error.
    let source = s.data().display().to_string();
    let out = s.mount_t(&source, None);
    assert!(out.status.success(), "mount: {}", text(&out.stderr));
    assert!(
        s.data().join("control.sock").exists(),
        "the data dir is the source"
    );
    let again = s.mount_t(&source, None);
    assert_eq!(again.status.code(), Some(32));
    let stderr = text(&again.stderr);
    assert!(stderr.contains("busy"), "{stderr}");
    s.umount();
}

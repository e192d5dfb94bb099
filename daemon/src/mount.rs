//! `outlayerd mount` and `outlayerd umount`: the daemon around a FUSE mount.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use outlayer_fs::fuse::{FuseAdapter, MountConfig};

use crate::cli::MountArgs;
use crate::daemon::Daemon;
use crate::UsageError;

/// Runs the daemon with a FUSE mount until a signal or an unmount ends it.
pub fn run(data_dir: &Path, args: &MountArgs) -> anyhow::Result<()> {
    let mp = &args.mountpoint;
    let meta = std::fs::metadata(mp)
        .map_err(|e| UsageError(format!("mountpoint {}: {e}", mp.display())))?;
    if !meta.is_dir() {
        return Err(UsageError(format!("mountpoint {} is not a directory", mp.display())).into());
    }
    if is_mount_point(mp)? {
        bail!(
            "mountpoint {} is busy (already a mount point)",
            mp.display()
        );
    }
    if !Path::new("/dev/fuse").exists() {
        bail!("FUSE is unavailable: /dev/fuse is missing (load the fuse module or install fuse3)");
    }
    let daemon = Daemon::start(data_dir, args.read_only, &args.ninep, &args.http)?;
    let cfg = MountConfig {
        read_only: args.read_only,
        allow_other: args.allow_other,
        threads: args.threads,
    };
    let session = FuseAdapter::new(daemon.fs().clone(), args.read_only)
        .spawn_mount(mp, &cfg)
        .with_context(|| format!("cannot mount on {}", mp.display()))?;
    tracing::info!(mountpoint = %mp.display(), data_dir = %data_dir.display(), "mounted");

    loop {
        if let Some(sig) = daemon.wait_signal(Duration::from_millis(200)) {
            tracing::info!(?sig, "unmounting");
            break;
        }
        if session.guard.is_finished() {
            tracing::info!("unmounted externally");
            break;
        }
    }
    if !session.guard.is_finished() {
        unmount_when_idle(mp, || session.guard.is_finished());
    }
    if session.guard.is_finished() {
        session.join().context("FUSE session")?;
    } else {
        session.umount_and_join().context("unmounting")?;
    }
    daemon.stop()
}

/// Unmounts `mp`, trying again for a moment while it is busy: a reference can outlive its
/// user briefly (a process forked while a file was open holds it until its exec). A mount
/// still busy after that is left to the caller, which reports EBUSY. Waits for the FUSE
/// session to see the unmount (`ended`).
fn unmount_when_idle(mp: &Path, ended: impl Fn() -> bool) {
    const TRIES: u32 = 20;
    for attempt in 1..=TRIES {
        match umount(mp) {
            Ok(()) => break,
            Err(e) if attempt == TRIES => {
                tracing::warn!(error = %e, "mount still busy");
                return;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    // The session's thread ends once the kernel has closed the connection.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !ended() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `outlayerd umount`: detaches a mount; the daemon serving it then exits by itself.
pub fn umount(mp: &Path) -> anyhow::Result<()> {
    let fusermount = std::process::Command::new("fusermount3")
        .arg("-u")
        .arg(mp)
        .stderr(std::process::Stdio::null())
        .status();
    if fusermount.is_ok_and(|s| s.success()) {
        return Ok(());
    }
    nix::mount::umount(mp).map_err(|e| anyhow::anyhow!("cannot unmount {}: {e}", mp.display()))
}

/// True when `path` is the root of a mount (its device differs from its parent's).
fn is_mount_point(path: &Path) -> anyhow::Result<bool> {
    let me = std::fs::metadata(path)?;
    let parent = std::fs::metadata(path.join(".."))?;
    Ok(me.dev() != parent.dev() || me.ino() == parent.ino())
}

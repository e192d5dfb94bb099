//! `outlayerd mount` and `outlayerd umount`: the daemon around a FUSE mount.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use outlayer_fs::fuse::{FuseAdapter, MountConfig};

use crate::background::{self, OnReady};
use crate::cli::{MountArgs, UmountArgs};
use crate::daemon::Daemon;
use crate::service;
use crate::UsageError;

/// Runs the daemon with a FUSE mount until a signal or an unmount ends it.
pub fn run(data_dir: &Path, args: &MountArgs) -> anyhow::Result<()> {
    let cfg = MountConfig {
        read_only: args.read_only,
        allow_other: args.allow_other,
        threads: args.threads,
    };
    if args.premount {
        check_mountpoint(&args.mountpoint)?;
        return service::premount(&args.mountpoint, &cfg);
    }
    if args.background {
        // Checked here, so the caller gets the error rather than the detached child.
        check_mountpoint(&args.mountpoint)?;
        let data_dir = std::path::absolute(data_dir)?;
        let mp = std::path::absolute(&args.mountpoint)?;
        return background::detach(|ready| serve(&data_dir, &mp, args, &cfg, ready));
    }
    serve(data_dir, &args.mountpoint, args, &cfg, &mut |status| {
        service::ready(status)
    })
}

/// Mounts (or takes the connection systemd passed), calls `ready` once the mount is
/// served, and serves until a signal or an unmount.
fn serve(
    data_dir: &Path,
    mp: &Path,
    args: &MountArgs,
    cfg: &MountConfig,
    ready: OnReady,
) -> anyhow::Result<()> {
    // Under the hardened unit the mount already exists, made outside the sandbox.
    let premounted = service::take_premounted()?;
    if premounted.is_none() {
        check_mountpoint(mp)?;
    }
    let daemon = Daemon::start(data_dir, args.read_only, &args.ninep, &args.http)?;
    let adapter = FuseAdapter::new(daemon.fs().clone(), args.read_only);
    let owns_mount = premounted.is_none();
    let session = match premounted {
        Some(connection) => adapter.spawn_on_connection(connection, cfg),
        None => adapter.spawn_mount(mp, cfg),
    }
    .with_context(|| format!("cannot mount on {}", mp.display()))?;
    tracing::info!(mountpoint = %mp.display(), data_dir = %data_dir.display(), "mounted");
    ready(&format!(
        "serving {} on {}",
        data_dir.display(),
        mp.display()
    ));

    loop {
        if let Some(sig) = daemon.wait_signal(Duration::from_millis(200)) {
            tracing::info!(?sig, "unmounting");
            service::stopping("unmounting");
            break;
        }
        if session.guard.is_finished() {
            tracing::info!("unmounted externally");
            service::stopping("unmounted externally");
            break;
        }
    }
    if !owns_mount && !session.guard.is_finished() {
        // The mount lives outside this process's mount namespace: only the unit's
        // ExecStop=/ExecStopPost= can take it away. Stop serving with the process.
        tracing::info!("leaving the mount to systemd (ExecStopPost detaches it)");
        return daemon.stop();
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

/// Refuses a mountpoint that is missing, not a directory or already mounted, and a system
/// without FUSE, before anything starts.
fn check_mountpoint(mp: &Path) -> anyhow::Result<()> {
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
    Ok(())
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
pub fn unmount(args: &UmountArgs) -> anyhow::Result<()> {
    let mp = &args.mountpoint;
    if !is_mount_point(mp)? {
        if args.if_mounted {
            return Ok(());
        }
        return Err(UsageError(format!("{} is not a mount point", mp.display())).into());
    }
    if args.lazy {
        return nix::mount::umount2(mp, nix::mount::MntFlags::MNT_DETACH)
            .map_err(|e| anyhow::anyhow!("cannot detach {}: {e}", mp.display()));
    }
    umount(mp)
}

/// Unmounts `mp` (fusermount3 for a mount of this user, else umount(2)).
fn umount(mp: &Path) -> anyhow::Result<()> {
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

/// True when `path` is the root of a mount (its device differs from its parent's); a FUSE
/// mount whose daemon died (`ENOTCONN`) is one too.
fn is_mount_point(path: &Path) -> anyhow::Result<bool> {
    let me = match std::fs::metadata(path) {
        Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => return Ok(true),
        other => other.with_context(|| path.display().to_string())?,
    };
    let parent = std::fs::metadata(path.join(".."))?;
    Ok(me.dev() != parent.dev() || me.ino() == parent.ino())
}

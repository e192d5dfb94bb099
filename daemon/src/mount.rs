//! `outlayerd mount`: the daemon's lifecycle around a FUSE mount.
//!
//! Order matters: take the store (its lock says no other daemon holds the data directory),
//! then the control socket, then the mount. Shutdown runs backwards and syncs the store last.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use nix::sys::signal::{SigSet, Signal};
use outlayer_fs::fuse::{FuseAdapter, MountConfig};
use outlayer_fs::statefs::StateFs;
use outlayer_fs::store::Store;

use crate::cli::{MountArgs, ServeArgs};
use crate::control::ControlServer;
use crate::ninep::Listeners;
use crate::{config, UsageError};

/// `outlayerd serve`: the daemon without a mount, serving 9P until a signal.
pub fn serve(data_dir: &Path, args: &ServeArgs) -> anyhow::Result<()> {
    let mut ninep = args.ninep.clone();
    if ninep.socket.is_none() && ninep.listen.is_none() {
        ninep.socket = Some(config::default_runtime_dir().join("9p.sock"));
    }
    let signals = shutdown_signals();
    signals.thread_block().context("blocking signals")?;
    let store = Arc::new(Store::open(data_dir)?);
    let _control = ControlServer::start(&config::control_socket(data_dir), store.clone())?;
    let fs = Arc::new(StateFs::new(store.clone(), false));
    let listeners = Listeners::start(fs, &ninep)?;
    tracing::info!(data_dir = %data_dir.display(), "serving");
    while wait_signal(&signals, Duration::from_secs(1)).is_none() {}
    drop(listeners);
    store.sync()?;
    Ok(())
}

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
    // Signals are blocked before any thread starts, so every thread inherits the mask and
    // only the wait below ever sees them.
    let signals = shutdown_signals();
    signals.thread_block().context("blocking signals")?;

    let store = Arc::new(Store::open(data_dir)?);
    let _control = ControlServer::start(&config::control_socket(data_dir), store.clone())?;
    let fs = Arc::new(StateFs::new(store.clone(), args.read_only));
    let listeners = Listeners::start(fs.clone(), &args.ninep)?;
    let cfg = MountConfig {
        read_only: args.read_only,
        allow_other: args.allow_other,
        threads: args.threads,
    };
    let session = FuseAdapter::new(fs, args.read_only)
        .spawn_mount(mp, &cfg)
        .with_context(|| format!("cannot mount on {}", mp.display()))?;
    tracing::info!(mountpoint = %mp.display(), data_dir = %data_dir.display(), "mounted");

    loop {
        if let Some(sig) = wait_signal(&signals, Duration::from_millis(200)) {
            tracing::info!(?sig, "unmounting");
            break;
        }
        if session.guard.is_finished() {
            tracing::info!("unmounted externally");
            break;
        }
    }
    if session.guard.is_finished() {
        session.join().context("FUSE session")?;
    } else {
        session.umount_and_join().context("unmounting")?;
    }
    drop(listeners);
    store.sync()?;
    Ok(())
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

fn shutdown_signals() -> SigSet {
    let mut set = SigSet::empty();
    for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        set.add(s);
    }
    set
}

fn wait_signal(set: &SigSet, timeout: Duration) -> Option<i32> {
    let ts = libc::timespec {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_nsec: timeout.subsec_nanos() as libc::c_long,
    };
    // SAFETY: `set` is a valid sigset, the info pointer may be null and `ts` lives on the
    // stack for the duration of the call.
    let r = unsafe { libc::sigtimedwait(set.as_ref(), std::ptr::null_mut(), &ts) };
    (r > 0).then_some(r)
}

/// True when `path` is the root of a mount (its device differs from its parent's).
fn is_mount_point(path: &Path) -> anyhow::Result<bool> {
    let me = std::fs::metadata(path)?;
    let parent = std::fs::metadata(path.join(".."))?;
    Ok(me.dev() != parent.dev() || me.ino() == parent.ino())
}

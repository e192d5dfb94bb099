//! The daemon under systemd: readiness and status (`Type=notify`), and the FUSE connection
//! that the unit's privileged `ExecStartPre=+` mounts outside the sandbox and hands over
//! through systemd's file descriptor store.
//!
//! Why the hand-over: the hardened unit (`ProtectSystem=strict`, `PrivateTmp=`, ...) runs
//! the daemon in a mount namespace of its own, and mounts made there never reach the rest
//! of the system. So `outlayerd mount --premount` runs outside the sandbox, mounts the
//! connection and stores its descriptor (`FDSTORE=1`); systemd passes it to the sandboxed
//! daemon (`LISTEN_FDS`), which serves it. Outside systemd every call here does nothing.

use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

use std::time::Duration;

use anyhow::Context as _;
use outlayer_fs::fuse::{mount_connection, MountConfig};
use sd_notify::NotifyState;

/// The name the FUSE connection has in the file descriptor store.
const FUSE_FD_NAME: &str = "fuse";

/// Tells systemd the daemon is ready (READY=1) and what it serves (STATUS=).
pub fn ready(status: &str) {
    notify(&[NotifyState::Ready, NotifyState::Status(status)]);
}

/// Tells systemd the daemon is stopping (STOPPING=1) and why.
pub fn stopping(status: &str) {
    notify(&[NotifyState::Stopping, NotifyState::Status(status)]);
}

/// A failed notification is logged, not fatal: systemd then times the start out itself.
fn notify(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(false, states) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

/// True when systemd waits for notifications from this process (`NOTIFY_SOCKET` is set).
pub fn notify_socket_set() -> bool {
    std::env::var_os("NOTIFY_SOCKET").is_some()
}

/// `outlayerd mount --premount`: mounts a FUSE connection at `mountpoint` and stores its
/// descriptor in the unit's file descriptor store, for the daemon started next.
pub fn premount(mountpoint: &Path, cfg: &MountConfig) -> anyhow::Result<()> {
    anyhow::ensure!(
        notify_socket_set(),
        "--premount hands the mount to systemd: run it as the unit's ExecStartPre=+ \
         (NOTIFY_SOCKET is not set)"
    );
    let connection = mount_connection(mountpoint, cfg)
        .with_context(|| format!("cannot mount on {}", mountpoint.display()))?;
    let stored = sd_notify::notify_with_fds(
        false,
        &[NotifyState::FdStore, NotifyState::FdName(FUSE_FD_NAME)],
        &[connection.as_fd()],
    );
    // systemd reads notifications asynchronously and drops those of a process that has
    // exited by then; the barrier returns once it has handled the one above.
    if let Err(e) = stored.and_then(|()| barrier(Duration::from_secs(10))) {
        // Nobody will serve it: take the mount away again.
        let _ = nix::mount::umount2(mountpoint, nix::mount::MntFlags::MNT_DETACH);
        return Err(e).context("cannot store the FUSE connection with systemd");
    }
    tracing::info!(mountpoint = %mountpoint.display(), "mounted; the daemon serves it next");
    Ok(())
}

/// `sd_notify_barrier`: sends `BARRIER=1` with the write end of a pipe, which systemd closes
/// once it has processed every earlier notification of this process.
fn barrier(timeout: Duration) -> std::io::Result<()> {
    let (read_end, write_end) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    sd_notify::notify_with_fds(
        false,
        &[NotifyState::Custom("BARRIER=1")],
        &[write_end.as_fd()],
    )?;
    drop(write_end);
    let mut fd = libc::pollfd {
        fd: read_end.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let millis = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: one valid pollfd on the stack, for the duration of the call.
    match unsafe { libc::poll(&mut fd, 1, millis) } {
        0 => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "systemd did not answer the notification barrier",
        )),
        r if r < 0 => Err(std::io::Error::last_os_error()),
        _ => Ok(()),
    }
}

/// The FUSE connection `--premount` stored, when systemd passed it to this process. It is
/// removed from the store at once: a store that kept it would keep a dead connection alive
/// after this daemon exits, and hand it to the next one.
pub fn take_premounted() -> anyhow::Result<Option<OwnedFd>> {
    let mut found = None;
    let fds = sd_notify::listen_fds_with_names(false).context("reading LISTEN_FDS")?;
    for (fd, name) in fds {
        // SAFETY: systemd passed this descriptor to this process (LISTEN_PID is ours,
        // which listen_fds_with_names checked) and nothing else in it owns it. Any other
        // than the connection is closed when dropped here.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        if name == FUSE_FD_NAME && found.is_none() {
            found = Some(fd);
        }
    }
    if found.is_some() {
        notify(&[
            NotifyState::FdStoreRemove,
            NotifyState::FdName(FUSE_FD_NAME),
        ]);
    }
    Ok(found)
}

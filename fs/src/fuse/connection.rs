//! A FUSE connection mounted by one process and served by another.
//!
//! A daemon in a sandbox with its own mount namespace (systemd's `ProtectSystem=` and
//! friends) cannot make a mount the rest of the system sees: mounts never propagate out of
//! such a namespace. So a privileged step outside the sandbox opens `/dev/fuse` and mounts
//! it ([`mount_connection`]); the sandboxed daemon gets the descriptor and serves it
//! ([`super::FuseAdapter::spawn_on_connection`]). libfuse's `/dev/fd/N` mountpoints work
//! the same way.

use std::fs::OpenOptions;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use nix::mount::MsFlags;

use super::MountConfig;

/// The file system's name in the mount table (its source, and its type after `fuse.`).
pub(super) const FS_NAME: &str = "outlayerd";

/// The type in the mount table, and the one `mount -t` and `/etc/fstab` name.
pub const FS_TYPE: &str = "fuse.outlayerd";

/// Opens `/dev/fuse` and mounts it at `mountpoint` with mount(2) (needs `CAP_SYS_ADMIN`),
/// with the options [`super::FuseAdapter::spawn_mount`] uses. Requests wait in the kernel
/// until a daemon serves the returned descriptor; closing every copy of it unserved leaves
/// a dead mount (`ENOTCONN`) for the caller to unmount.
pub fn mount_connection(mountpoint: &Path, cfg: &MountConfig) -> io::Result<OwnedFd> {
    let root_mode = std::fs::metadata(mountpoint)?.permissions().mode();
    let dev: OwnedFd = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/fuse")
        .map_err(|e| io::Error::new(e.kind(), format!("/dev/fuse: {e}")))?
        .into();
    let mut data = format!(
        "fd={},rootmode={:o},user_id={},group_id={},default_permissions",
        dev.as_raw_fd(),
        root_mode,
        nix::unistd::getuid(),
        nix::unistd::getgid(),
    );
    if cfg.allow_other {
        data.push_str(",allow_other");
    }
    let mut flags = MsFlags::MS_NODEV | MsFlags::MS_NOSUID;
    if cfg.read_only {
        flags |= MsFlags::MS_RDONLY;
    }
    nix::mount::mount(
        Some(FS_NAME),
        mountpoint,
        Some(FS_TYPE),
        flags,
        Some(data.as_str()),
    )
    .map_err(|e| io::Error::from_raw_os_error(e as i32))?;
    Ok(dev)
}

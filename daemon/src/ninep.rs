//! The daemon's 9P2000.L listeners: a Unix socket (mode 0600) and/or a loopback TCP port,
//! served on a small tokio runtime over the same `StateFs` as the FUSE mount.

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use outlayer_fs::ninep::server::{serve_tcp, serve_unix, ServerConfig};
use outlayer_fs::statefs::StateFs;

use crate::cli::NinepArgs;
use crate::UsageError;

/// Running listeners; dropping this stops them and removes the socket file.
pub struct Listeners {
    runtime: Option<tokio::runtime::Runtime>,
    socket: Option<std::path::PathBuf>,
}

impl Listeners {
    /// Starts what `args` asks for (nothing when it names no endpoint).
    pub fn start(fs: Arc<StateFs>, args: &NinepArgs) -> anyhow::Result<Self> {
        if args.socket.is_none() && args.listen.is_none() {
            return Ok(Listeners {
                runtime: None,
                socket: None,
            });
        }
        if let Some(addr) = args.listen.filter(|a| !a.ip().is_loopback()) {
            return Err(UsageError(format!(
                "--9p-listen {addr}: only loopback addresses are allowed (9P has no authentication)"
            ))
            .into());
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("9p")
            .enable_all()
            .build()?;
        let cfg = ServerConfig {
            read_only: args.read_only,
            ..ServerConfig::default()
        };
        if let Some(path) = &args.socket {
            let listener = runtime.block_on(async { bind_unix(path) })?;
            let fs = fs.clone();
            runtime.spawn(async move {
                if let Err(e) = serve_unix(fs, listener, cfg).await {
                    tracing::error!("9P socket listener stopped: {e}");
                }
            });
            tracing::info!(socket = %path.display(), "serving 9P2000.L");
        }
        if let Some(addr) = args.listen {
            let listener = runtime
                .block_on(tokio::net::TcpListener::bind(addr))
                .with_context(|| format!("cannot listen on {addr}"))?;
            runtime.spawn(async move {
                if let Err(e) = serve_tcp(fs, listener, cfg).await {
                    tracing::error!("9P TCP listener stopped: {e}");
                }
            });
            tracing::info!(%addr, "serving 9P2000.L");
        }
        Ok(Listeners {
            runtime: Some(runtime),
            socket: args.socket.clone(),
        })
    }
}

impl Drop for Listeners {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(std::time::Duration::from_secs(2));
        }
        if let Some(s) = &self.socket {
            let _ = std::fs::remove_file(s);
        }
    }
}

/// Binds `path` mode 0600, replacing a stale socket but never one another daemon serves.
fn bind_unix(path: &Path) -> anyhow::Result<tokio::net::UnixListener> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            std::fs::create_dir_all(dir)?;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            anyhow::bail!("{} exists and is not a socket", path.display());
        }
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            anyhow::bail!("{} is in use by another server", path.display());
        }
        std::fs::remove_file(path)?;
    }
    // Created 0600 from the start: no window in which others could connect.
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o177));
    let bound = tokio::net::UnixListener::bind(path);
    nix::sys::stat::umask(old);
    let listener = bound.with_context(|| format!("cannot listen on {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

//! `outlayerd serve`: the daemon without a FUSE mount, serving 9P until a signal.

use std::path::Path;
use std::time::Duration;

use crate::cli::ServeArgs;
use crate::config;
use crate::daemon::Daemon;
use crate::service;

/// Serves the state over 9P (by default on the runtime directory's `9p.sock`).
pub fn run(data_dir: &Path, args: &ServeArgs) -> anyhow::Result<()> {
    let mut ninep = args.ninep.clone();
    if ninep.socket.is_none() && ninep.listen.is_none() {
        ninep.socket = Some(config::default_runtime_dir().join("9p.sock"));
    }
    let daemon = Daemon::start(data_dir, false, &ninep, &args.http)?;
    tracing::info!(data_dir = %data_dir.display(), "serving");
    service::ready(&format!("serving {} over 9P", data_dir.display()));
    while daemon.wait_signal(Duration::from_secs(1)).is_none() {}
    service::stopping("stopping");
    daemon.stop()
}

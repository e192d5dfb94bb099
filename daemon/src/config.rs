//! Where things live: the data directory and the sockets, with defaults that need no
//! configuration (XDG directories for a user, `/var/lib/outlayer` and `/run/outlayer` under
//! systemd).

use std::path::{Path, PathBuf};

/// True when started by systemd (it sets `INVOCATION_ID` for every service).
fn under_systemd() -> bool {
    std::env::var_os("INVOCATION_ID").is_some()
}

/// The default data directory: `$XDG_DATA_HOME/outlayer`, `~/.local/share/outlayer`, or
/// `/var/lib/outlayer` under systemd.
pub fn default_data_dir() -> PathBuf {
    if under_systemd() {
        return PathBuf::from("/var/lib/outlayer");
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("outlayer");
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(h) => PathBuf::from(h).join(".local/share/outlayer"),
        None => PathBuf::from("/var/lib/outlayer"),
    }
}

/// The default directory for sockets: `$XDG_RUNTIME_DIR/outlayer`, `/run/outlayer` under
/// systemd, else `/tmp/outlayer-<uid>`.
pub fn default_runtime_dir() -> PathBuf {
    if under_systemd() {
        return PathBuf::from("/run/outlayer");
    }
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("outlayer");
    }
    PathBuf::from(format!("/tmp/outlayer-{}", nix::unistd::getuid()))
}

/// The control socket of the daemon that holds `data_dir`. It lives in the data directory
/// itself, so a CLI naming a data directory always finds the daemon holding that one.
pub fn control_socket(data_dir: &Path) -> PathBuf {
    data_dir.join("control.sock")
}

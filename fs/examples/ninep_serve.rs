//! Serves a state store over 9P2000.L on a Unix socket, for trying the server by hand and
//! with `linux9p.sh --spawn` before the daemon grows a `serve` command.
//!
//! Usage: `ninep_serve SOCKET DATA_DIR [--ro]`

use std::path::PathBuf;
use std::sync::Arc;

use outlayer_fs::ninep::server::{serve_unix, ServerConfig};
use outlayer_fs::statefs::StateFs;
use outlayer_fs::store::Store;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: ninep_serve SOCKET DATA_DIR [--ro]";
    let sock = PathBuf::from(args.next().ok_or(usage)?);
    let data = PathBuf::from(args.next().ok_or(usage)?);
    let read_only = args.next().as_deref() == Some("--ro");
    let store = Arc::new(Store::open(&data)?);
    let fs = Arc::new(StateFs::new(store, false));
    let cfg = ServerConfig {
        read_only,
        ..ServerConfig::default()
    };
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let _ = std::fs::remove_file(&sock);
        let listener = tokio::net::UnixListener::bind(&sock)?;
        eprintln!("ninep_serve: listening on {}", sock.display());
        serve_unix(fs, listener, cfg).await
    })?;
    Ok(())
}

//! The control socket: JSON requests from `outlayerd` subcommands to a running daemon.
//!
//! The socket is created mode 0600 inside the data directory; its permissions are its access
//! control. One thread per connection: requests are short and rare next to FUSE traffic.
//! Every request goes to `api::dispatch`, the same handlers the CLI runs when no daemon does.

pub mod client;
mod fd_reader;
pub mod protocol;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;

use crate::api::{self, ApiError, Context, ErrorKind};
use fd_reader::FdReader;
use protocol::Reply;

/// A listening control socket; the file is removed on drop.
pub struct ControlServer {
    path: PathBuf,
}

impl ControlServer {
    /// Binds `path` (replacing a stale socket: the caller holds the store lock, so no other
    /// daemon can be using it) and serves requests on background threads.
    pub fn start(path: &Path, ctx: Arc<Context>) -> anyhow::Result<Self> {
        let _ = std::fs::remove_file(path);
        let listener = UnixListener::bind(path)
            .with_context(|| format!("cannot listen on {}", path.display()))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        std::thread::Builder::new()
            .name("control".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    let Ok(conn) = conn else { continue };
                    let ctx = ctx.clone();
                    let _ = std::thread::Builder::new()
                        .name("control-conn".into())
                        .spawn(move || serve(conn, &ctx));
                }
            })?;
        Ok(ControlServer {
            path: path.to_path_buf(),
        })
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Answers requests on one connection until the client hangs up.
fn serve(conn: UnixStream, ctx: &Context) {
    let Ok(read_half) = conn.try_clone() else {
        return;
    };
    let mut out = std::io::BufWriter::new(conn);
    let mut reader = BufReader::new(FdReader::new(read_half));
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let fds = reader.get_mut().take_fds();
        let result = serde_json::from_str::<api::Request>(&line)
            .map_err(|e| ApiError::new(ErrorKind::BadRequest, format!("malformed request: {e}")))
            .and_then(|req| req.with_fds(fds))
            .and_then(|req| {
                api::dispatch(ctx, req, &mut |name| {
                    send(&mut out, &Reply::Item(name.into())).is_ok()
                })
            });
        let reply = match result {
            Ok(v) => Reply::Ok(v),
            Err(e) => Reply::Error(e),
        };
        if send(&mut out, &reply).and_then(|()| out.flush()).is_err() {
            return;
        }
    }
}

fn send(out: &mut impl Write, reply: &Reply) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, reply)?;
    out.write_all(b"\n")
}

//! The control socket: JSON requests from `outlayerd` subcommands to a running daemon.
//!
//! The socket is created mode 0600 inside the data directory; its permissions are its access
//! control. One thread per connection: requests are short and rare next to FUSE traffic.

pub mod client;
pub mod protocol;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use base64::Engine as _;
use outlayer_fs::store::Store;

use crate::exec_ops::{self, LazyExecutor};
use crate::state_ops;
use protocol::{ErrorReply, Reply, Request};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A listening control socket; the file is removed on drop.
pub struct ControlServer {
    path: PathBuf,
}

impl ControlServer {
    /// Binds `path` (replacing a stale socket: the caller holds the store lock, so no other
    /// daemon can be using it) and serves requests on background threads.
    pub fn start(path: &Path, store: Arc<Store>) -> anyhow::Result<Self> {
        let exec = Arc::new(LazyExecutor::new(store.clone()));
        let _ = std::fs::remove_file(path);
        let listener = UnixListener::bind(path)
            .with_context(|| format!("cannot listen on {}", path.display()))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        std::thread::Builder::new()
            .name("control".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    let Ok(conn) = conn else { continue };
                    let (store, exec) = (store.clone(), exec.clone());
                    let _ = std::thread::Builder::new()
                        .name("control-conn".into())
                        .spawn(move || serve(conn, &store, &exec));
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

fn serve(conn: UnixStream, store: &Store, exec: &LazyExecutor) {
    let Ok(read_half) = conn.try_clone() else {
        return;
    };
    let mut out = std::io::BufWriter::new(conn);
    for line in BufReader::new(read_half).lines() {
        let Ok(line) = line else { return };
        let final_reply = match serde_json::from_str::<Request>(&line) {
            Ok(req) => {
                let reply = handle(req, store, exec, &mut out);
                // A mount of this daemon shows the change before the CLI hears of it.
                store.settle();
                reply
            }
            Err(e) => Reply::Error(ErrorReply {
                kind: "bad_request".into(),
                message: format!("malformed request: {e}"),
                exit_code: 2,
            }),
        };
        if send(&mut out, &final_reply)
            .and_then(|()| out.flush())
            .is_err()
        {
            return;
        }
    }
}

fn send(out: &mut impl Write, reply: &Reply) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, reply)?;
    out.write_all(b"\n")
}

fn decode(field: &str, b64: &str) -> Result<Vec<u8>, ErrorReply> {
    B64.decode(b64).map_err(|e| ErrorReply {
        kind: "bad_request".into(),
        message: format!("{field} is not base64: {e}"),
        exit_code: 2,
    })
}

fn handle(req: Request, store: &Store, exec: &LazyExecutor, out: &mut impl Write) -> Reply {
    let result = match req {
        Request::Ping => Ok(serde_json::json!("pong")),
        Request::StateLs { account } => {
            let mut broken = false;
            state_ops::ls(store, &account, &mut |name| {
                broken = send(out, &Reply::Item(name.into())).is_err();
                !broken
            })
            .map(|()| serde_json::Value::Null)
        }
        Request::StateGet { account, key } => decode("key", &key)
            .and_then(|k| state_ops::get(store, &account, &k))
            .map(|v| B64.encode(v).into()),
        Request::StatePut {
            account,
            key,
            value,
        } => decode("key", &key)
            .and_then(|k| Ok((k, decode("value", &value)?)))
            .and_then(|(k, v)| state_ops::put(store, &account, &k, v))
            .map(|()| serde_json::Value::Null),
        Request::StateRm { account, key } => decode("key", &key)
            .and_then(|k| state_ops::rm(store, &account, &k))
            .map(|()| serde_json::Value::Null),
        Request::Deploy { account, code } => decode("code", &code)
            .and_then(|c| exec_ops::deploy(exec, &account, &c))
            .map(|()| serde_json::Value::Null),
        Request::Call { call, args } => {
            decode("args", &args).and_then(|a| exec_ops::call(exec, &call, a))
        }
    };
    match result {
        Ok(v) => Reply::Ok(v),
        Err(e) => Reply::Error(e),
    }
}

//! The CLI's side of the request API: each subcommand builds one `api` request from its
//! clap arguments and sends it through a [`Backend`]; printing stays here.

pub mod call;
pub mod compare;
pub mod deploy;
pub mod progress;
pub mod run;
pub mod state;
pub mod state_io;
pub mod stats;

use std::path::Path;
use std::sync::Arc;

use outlayer_fs::store::Store;

use crate::api::{ApiError, Context, ErrorKind, Handler, ItemSink, Request};
use crate::config;
use crate::control::client::ControlClient;

/// Where requests go: the daemon holding the data directory, or the store itself.
pub enum Backend {
    /// A running daemon, through its control socket.
    Daemon(ControlClient),
    /// No daemon: this process opens the store and runs the handlers.
    Embedded(Box<Context>),
}

impl Backend {
    /// The daemon of `data_dir` if one answers, else the store opened in-process.
    pub fn open(data_dir: &Path) -> Result<Self, ApiError> {
        if let Some(c) = ControlClient::connect(&config::control_socket(data_dir)) {
            return Ok(Backend::Daemon(c));
        }
        // Whatever keeps the store from opening (held, unreadable) is not the input's fault.
        let store = Store::open(data_dir).map_err(|e| ApiError::failed(e.to_string()))?;
        Ok(Backend::Embedded(Box::new(Context::new(Arc::new(store)))))
    }

    /// Runs `req` wherever this backend points; streamed items go to `items`.
    pub fn send<H: Handler>(
        &mut self,
        req: H,
        items: &mut ItemSink<'_>,
    ) -> Result<H::Output, ApiError> {
        match self {
            Backend::Embedded(ctx) => ctx.run(req, items),
            Backend::Daemon(c) => {
                let req: Request = req.into();
                // `run`'s streams and `state_import`'s file travel as descriptors.
                let v = c.call_passing(&req, req.fds(), &mut |item| {
                    if let Some(name) = item.as_str() {
                        items(name.to_string());
                    }
                })?;
                serde_json::from_value(v).map_err(|e| {
                    ApiError::new(
                        ErrorKind::DaemonUnreachable,
                        format!("daemon sent a malformed result: {e}"),
                    )
                })
            }
        }
    }
}

/// For requests that stream nothing.
fn no_items(_: String) -> bool {
    true
}

/// Reads a file named on the command line (a usage error when it cannot be read).
fn read_file(f: &Path, what: &str) -> Result<Vec<u8>, ApiError> {
    std::fs::read(f).map_err(|e| ApiError::invalid(format!("{what} {}: {e}", f.display())))
}

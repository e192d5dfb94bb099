//! The CLI side of the control socket.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use serde::Serialize;

use super::protocol::Reply;
use crate::api::{ApiError, ErrorKind};

/// A connection to a running daemon.
pub struct ControlClient {
    stream: UnixStream,
}

impl ControlClient {
    /// Connects to the daemon listening on `path`; `None` when no daemon answers there.
    pub fn connect(path: &Path) -> Option<Self> {
        UnixStream::connect(path)
            .ok()
            .map(|stream| ControlClient { stream })
    }

    /// Sends `req` (an `api::Request`), hands each streamed item to `on_item`, and returns
    /// the final result as the daemon encoded it.
    pub fn call<R: Serialize + ?Sized>(
        &mut self,
        req: &R,
        on_item: &mut dyn FnMut(serde_json::Value),
    ) -> Result<serde_json::Value, ApiError> {
        let io_err = |e: std::io::Error| {
            ApiError::new(ErrorKind::DaemonUnreachable, format!("control socket: {e}"))
        };
        let mut line = serde_json::to_vec(req).map_err(|e| io_err(e.into()))?;
        line.push(b'\n');
        self.stream.write_all(&line).map_err(io_err)?;
        let reader = BufReader::new(self.stream.try_clone().map_err(io_err)?);
        for line in reader.lines() {
            let line = line.map_err(io_err)?;
            match serde_json::from_str::<Reply>(&line).map_err(|e| io_err(e.into()))? {
                Reply::Item(v) => on_item(v),
                Reply::Ok(v) => return Ok(v),
                Reply::Error(e) => return Err(e),
            }
        }
        Err(io_err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "daemon closed the connection",
        )))
    }
}

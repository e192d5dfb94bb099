//! The CLI side of the control socket.

use std::io::{BufRead, BufReader, IoSlice, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use nix::sys::socket::{sendmsg, ControlMessage, MsgFlags};
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
        self.call_passing(req, &[], on_item)
    }

    /// Like [`ControlClient::call`], passing `fds` along with the request (`SCM_RIGHTS`):
    /// the daemon gets its own descriptors of the same open files (`run`'s streams).
    pub fn call_passing<R: Serialize + ?Sized>(
        &mut self,
        req: &R,
        fds: &[OwnedFd],
        on_item: &mut dyn FnMut(serde_json::Value),
    ) -> Result<serde_json::Value, ApiError> {
        let mut line = serde_json::to_vec(req).map_err(|e| io_err(e.into()))?;
        line.push(b'\n');
        if fds.is_empty() {
            self.stream.write_all(&line).map_err(io_err)?;
        } else {
            let raw: Vec<RawFd> = fds.iter().map(AsRawFd::as_raw_fd).collect();
            // The descriptors travel with the first bytes; the rest of a long line follows.
            let sent = sendmsg::<()>(
                self.stream.as_raw_fd(),
                &[IoSlice::new(&line)],
                &[ControlMessage::ScmRights(&raw)],
                MsgFlags::empty(),
                None,
            )
            .map_err(|e| io_err(e.into()))?;
            self.stream.write_all(&line[sent..]).map_err(io_err)?;
        }
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

fn io_err(e: std::io::Error) -> ApiError {
    ApiError::new(ErrorKind::DaemonUnreachable, format!("control socket: {e}"))
}

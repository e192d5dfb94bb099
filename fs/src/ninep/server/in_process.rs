//! `InProcess`: a 9P session served on the caller's thread, for the guest kernel's
//! `/near/state` mount.
//!
//! Every request is a real 9P frame: the client encodes it, the server decodes it, runs it on
//! `StateFs` and encodes the reply, which the client decodes; the path is the one the socket
//! listener takes ([`Session::serve_frame`]), without the tokio runtime, the blocking pool or
//! any thread switch in between. A call returns when its reply is ready.

use std::io;
use std::sync::Arc;

use super::ops::Session;
use super::{ServerConfig, MIN_MSIZE};
use crate::ninep::sync_client::Transport;
use crate::statefs::StateFs;

/// One 9P session over a `StateFs`, served synchronously on the calling thread.
///
/// Dropping it ends the session as a closed connection does: every fid is clunked, so open
/// files commit what they buffered (into the bound transaction, for a bound `StateFs`).
pub struct InProcess {
    session: Session,
}

impl InProcess {
    /// A fresh session on `fs` (the client's `Tversion` opens it).
    pub fn new(fs: Arc<StateFs>, cfg: ServerConfig) -> Self {
        InProcess {
            session: Session::new(fs, cfg.max_msize.max(MIN_MSIZE), cfg.read_only),
        }
    }
}

impl Transport for InProcess {
    /// Serves `request`, which must be exactly one frame; a frame that cannot be delimited
    /// is `InvalidData` (a malformed request inside a sound frame gets `Rlerror`).
    fn rpc(&self, request: &[u8]) -> io::Result<Vec<u8>> {
        self.session.serve_frame(request)
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        // Never panics: a release that panics is caught and logged there.
        self.session.clunk_all();
    }
}

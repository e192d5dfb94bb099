//! The request API every front end shares: the control socket, the CLI's embedded path and
//! (later) HTTP all build a [`Request`] and hand it to the same handlers.
//!
//! Nothing here knows about clap, terminals or sockets. A request is a plain serde value
//! (binary fields travel as base64, yoctoNEAR amounts as decimal text, so any JSON carrier
//! can hold it); a handler returns a typed result or an [`ApiError`] that says what the CLI
//! exit status, an HTTP status or a log line should be.

mod context;
mod error;
pub mod handler;
mod near_formats;
mod request;
mod serde_text;
pub mod stdio;

pub use context::Context;
pub use error::{ApiError, ErrorKind};
pub use handler::{
    dispatch, key_of_name, AccountPage, AccountSummary, CodeSummary, ExecutionStats, ExportReport,
    Handler, ImportProgress, ImportReport, ItemSink, KeyEntry, KeyPage, KeyView, RunReport,
    StatsReport, StoreReport,
};
pub use request::{
    AccountCreate, Accounts, Bytes, CallSpec, CompareSpec, Deploy, DirSpec, Ping, Request, RunSpec,
    StateExport, StateGet, StateImport, StateKey, StateKeys, StateLs, StatePut, StateRm, Stats,
};

#[cfg(test)]
mod tests;

//! outlayer-kernel: everything that runs wasm.
//!
//! Direct mode (this crate so far): NEAR contracts run in wasmtime with the NEAR host ABI
//! over the outlayer store. [`engine`] owns the wasmtime engine and the module cache,
//! [`near`] the host-function semantics (generic over where state lives), [`state`] binds
//! them to the RocksDB store, and [`executor`] runs deploys and calls, returning an
//! [`Outcome`] that serializes to the CLI's JSON.

pub mod engine;
pub mod executor;
pub mod near;
pub mod outcome;
pub mod state;

pub use engine::{CacheStats, CompileError, Engine};
pub use executor::{CallRequest, DeployError, Executor, DEFAULT_TIMEOUT};
pub use outcome::{ExecError, Outcome, Status};

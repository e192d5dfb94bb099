//! outlayer-kernel: everything that runs wasm.
//!
//! Direct mode (this crate so far): NEAR contracts run in wasmtime with the NEAR host ABI
//! over the outlayer store. [`engine`] owns the wasmtime engine and the module cache,
//! [`near`] the host-function semantics (generic over where state lives), [`state`] binds
//! them to the RocksDB store, and [`executor`] runs deploys and calls, returning an
//! [`Outcome`] that serializes to the CLI's JSON.
//!
//! The API the daemon uses:
//!
//! ```text
//! Executor::new(store: Arc<Store>, cache_dir: &Path) -> anyhow::Result<Executor>
//! Executor::deploy(&self, account: &AccountId, code: &[u8]) -> Result<(), DeployError>
//! Executor::call(&self, req: &CallRequest) -> Outcome          // never panics, never Err
//! CallRequest::new(account, method, args) -> CallRequest        // defaults, then set fields
//! serde_json::to_string(&outcome)                                // the CLI's stdout
//! outcome.exit_code()                                            // 0 success, 1 failure
//! ```
//!
//! Errors of the request itself (bad JSON on the command line, unreadable files) are the
//! CLI's to report (exit 2); everything that happens once a call starts is an `Outcome`.

pub mod engine;
pub mod executor;
pub mod near;
pub mod outcome;
pub mod prepare;
pub mod state;

pub use engine::{CacheStats, CompileError, Engine};
pub use executor::{CallRequest, DeployError, Executor, DEFAULT_TIMEOUT};
pub use outcome::{ExecError, Outcome, Status};

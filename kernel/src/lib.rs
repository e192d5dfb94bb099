//! outlayer-kernel: everything that runs wasm.
//!
//! NEAR contracts run in wasmtime over the outlayer store. [`engine`] owns the wasmtime
//! engines (one per [`Profile`]) and the module cache, [`prepare`] what is done to a
//! contract's code first, [`near`] the host-function semantics (generic over where state
//! lives, reachable through the `env` table and the syscall table 400–499), [`state`] binds
//! them to the call's transaction, and [`executor`] runs deploys and calls in a [`Mode`],
//! returning an [`Outcome`] that serializes to the CLI's JSON. Direct mode is the one mode so
//! far. [`linux`] is the guest kernel of linux mode: it runs `wasm32-wasip1` programs as
//! tasks over a VFS whose `/near/state` is the account through 9P
//! (`linux::Kernel::run(TaskSpec) -> TaskOutcome`); `outlayerd run` and contracts as tasks
//! build on it.
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
pub mod linux;
pub mod mode;
pub mod near;
pub mod outcome;
pub mod prepare;
pub mod profile;
pub mod state;

pub use engine::{CacheStats, Engine};
pub use executor::{
    CallError, CallRequest, Comparison, DeployError, ExecutionReport, Executor, DEFAULT_TIMEOUT,
};
pub use mode::Mode;
pub use outcome::{ExecError, Outcome, Status};
pub use prepare::CompileError;
pub use profile::Profile;

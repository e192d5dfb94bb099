//! What a task is asked to be ([`TaskSpec`]) and how it ended ([`TaskOutcome`]).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use outlayer_fs::store::{SharedTxn, Store};
use outlayer_fs::AccountId;
use serde::Serialize;

use crate::near::{Gas, MAX_GAS};
use crate::outcome::ExecError;

/// Where `/near/state` is mounted by default.
pub const DEFAULT_STATE_AT: &str = "/near/state";

/// The context a task's clocks and randomness come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskContext {
    /// Block height (what `near_block_index` returns; not used by WASI).
    pub block_height: u64,
    /// The realtime clock's start, ns since the Unix epoch.
    pub block_timestamp_ns: u64,
    /// Seed of `random_get` and `/dev/urandom` (and of the NEAR `random_seed`).
    pub random_seed: [u8; 32],
    /// The signer NEAR syscalls report (default: the mounted account).
    pub signer: Option<AccountId>,
    /// The predecessor NEAR syscalls report (default: the mounted account).
    pub predecessor: Option<AccountId>,
    /// The deposit NEAR syscalls report (`near_attached_deposit`), in yoctoNEAR.
    pub attached_deposit: u128,
    /// A view: the NEAR syscalls refuse writes and promises as direct mode's views do.
    pub view: bool,
}

impl Default for TaskContext {
    /// Block 1 at the Unix epoch, seed of zeros: set these for anything real.
    fn default() -> Self {
        TaskContext {
            block_height: 1,
            block_timestamp_ns: 0,
            random_seed: [0; 32],
            signer: None,
            predecessor: None,
            attached_deposit: 0,
            view: false,
        }
    }
}

/// How much a task may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Gas (wasm instructions at NEAR's regular-op cost, plus the per-call and per-byte
    /// charges of `crate::linux::wasi`, plus what NEAR syscalls cost as in direct mode), at
    /// most `near::MAX_GAS`.
    pub gas: Gas,
    /// Bytes of linear memory.
    pub memory_bytes: usize,
    /// Wall-clock limit.
    pub timeout: Duration,
    /// Bytes each of stdout and stderr may carry.
    pub output_bytes: u64,
    /// Bytes of file data the in-memory filesystems (`/`, `/tmp`) may hold, each.
    pub memfs_bytes: u64,
}

impl Default for Limits {
    /// 1 PGas, 1 GiB of memory, 30 s, 64 MiB of output per stream, 256 MiB per memfs.
    fn default() -> Self {
        Limits {
            gas: MAX_GAS,
            memory_bytes: 1 << 30,
            timeout: crate::executor::DEFAULT_TIMEOUT,
            output_bytes: 64 << 20,
            memfs_bytes: 256 << 20,
        }
    }
}

/// Which account state the task sees at `state_at`, and who commits.
pub enum StateBinding {
    /// The kernel begins a transaction on the account (which must exist) and commits it
    /// when the task exits 0 (unless `dry_run`); otherwise it is dropped.
    Account {
        /// The store.
        store: Arc<Store>,
        /// The account.
        account: AccountId,
    },
    /// The task works in the caller's transaction (shared with NEAR host functions, say);
    /// the caller commits or drops it after reading the outcome.
    Shared {
        /// The store the transaction belongs to.
        store: Arc<Store>,
        /// The transaction.
        txn: SharedTxn,
    },
}

/// A host directory mounted into the task's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMount {
    /// The host directory.
    pub host: PathBuf,
    /// Where the guest sees it (`/` makes it the root, with the kernel's mounts over it).
    pub guest: String,
    /// Writes answer `ROFS`.
    pub read_only: bool,
}

/// One task to run.
pub struct TaskSpec {
    /// The program: a `wasm32-wasip1` command module.
    pub code: Vec<u8>,
    /// The sha256 of `code`, when the caller knows it (the store keeps every deployed
    /// code's): the kernel then does not hash the code, and `code` may be empty when the
    /// kernel has that program ready ([`crate::linux::Kernel::is_ready`]).
    pub code_hash: Option<[u8; 32]>,
    /// argv, `argv[0]` (the program's name) first.
    pub argv: Vec<String>,
    /// The environment: only these variables exist.
    pub env: Vec<(String, String)>,
    /// The working directory (an absolute guest path). When it is not `/` it is preopened
    /// under its absolute name and `PWD` names it: a libc starts in `/`, and a program that
    /// honours `PWD` (`chdir(getenv("PWD"))`, `std::env::set_current_dir`) works there.
    pub cwd: String,
    /// Standard input.
    pub stdin: Box<dyn Read + Send>,
    /// Standard output (written as the guest writes).
    pub stdout: Box<dyn Write + Send>,
    /// Standard error (written as the guest writes).
    pub stderr: Box<dyn Write + Send>,
    /// Host directories to mount.
    pub mounts: Vec<HostMount>,
    /// The account state, if any.
    pub state: Option<StateBinding>,
    /// Where the state is mounted.
    pub state_at: String,
    /// Mount the state read-only (a view call): every change is `EROFS`.
    pub state_read_only: bool,
    /// Clocks and randomness.
    pub context: TaskContext,
    /// Limits.
    pub limits: Limits,
    /// Never commit.
    pub dry_run: bool,
}

impl TaskSpec {
    /// A task running `code` as `argv0` with no arguments, no environment, cwd `/`, empty
    /// stdin, output discarded, no state and default context and limits.
    pub fn new(code: Vec<u8>, argv0: &str) -> Self {
        TaskSpec {
            code,
            argv: vec![argv0.to_string()],
            env: Vec::new(),
            cwd: "/".to_string(),
            stdin: Box::new(std::io::empty()),
            stdout: Box::new(std::io::sink()),
            stderr: Box::new(std::io::sink()),
            mounts: Vec::new(),
            state: None,
            state_at: DEFAULT_STATE_AT.to_string(),
            state_read_only: false,
            code_hash: None,
            context: TaskContext::default(),
            limits: Limits::default(),
            dry_run: false,
        }
    }
}

/// How a task ended. Serializes as `run --json` prints it (with the captured streams added
/// by the caller).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskOutcome {
    /// The exit status, when the program exited (returned from `_start` is 0).
    pub exit_code: Option<i32>,
    /// Why it failed, when it did not exit: `GasExceeded`, `Timeout`, `WasmTrap`,
    /// `MemoryLimitExceeded`, `OutputLimitExceeded`, `CompilationError`, `NotACommand`,
    /// `LinkError`, `AccountDoesNotExist`, `InvalidTask`, `StorageError`, `HostError`.
    pub error: Option<ExecError>,
    /// Whether the state's transaction was committed (`Account` binding, exit 0, no error,
    /// not a dry run).
    pub committed: bool,
    /// Gas burnt.
    pub gas_burnt: Gas,
    /// WASI calls made, by name.
    pub syscalls: BTreeMap<String, u64>,
    /// What the program logged with `near_log`, in order.
    pub logs: Vec<String>,
    /// Receipts the program created through the NEAR syscalls (`near_promise_*`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub receipts: Vec<crate::near::Receipt>,
    /// Gas burnt plus gas handed to those receipts.
    pub gas_used: Gas,
    /// Whether the read-only state refused a change (see [`TaskSpec::state_read_only`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub state_write_refused: bool,
    /// Wall-clock time, from the request to the end.
    #[serde(rename = "duration_us", serialize_with = "micros")]
    pub duration: Duration,
}

fn micros<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_micros() as u64)
}

impl TaskOutcome {
    /// Exited with status 0 and nothing failed.
    pub fn is_success(&self) -> bool {
        self.exit_code == Some(0) && self.error.is_none()
    }

    /// The error's kind, if any.
    pub fn error_kind(&self) -> Option<&str> {
        self.error.as_ref().map(|e| e.kind.as_str())
    }

    /// The status a command line reports: the exit status, else 1 on an error.
    pub fn status(&self) -> i32 {
        match (&self.error, self.exit_code) {
            (None, Some(code)) => code,
            _ => 1,
        }
    }
}

/// A task's failure, with its outcome kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskError {
    /// The kind (see [`TaskOutcome::error`]).
    pub kind: &'static str,
    /// What happened.
    pub message: String,
}

impl TaskError {
    /// An error of `kind`.
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        TaskError {
            kind,
            message: message.into(),
        }
    }

    /// As an outcome's error.
    pub fn into_exec(self) -> ExecError {
        ExecError {
            kind: self.kind.to_string(),
            message: self.message,
        }
    }
}

//! `CallError`: every way a call can fail, each with the kind and message its outcome shows.

use std::time::Duration;

use outlayer_fs::AccountId;

use crate::near::HostError;
use crate::prepare::CompileError;

/// Why a call failed. `kind()` is the outcome's `error.kind`: nearcore's name where nearcore
/// has one, plus `Timeout`, `AccountDoesNotExist`, `CodeDoesNotExist`, `StorageError`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The request named no method.
    #[error("method name is empty")]
    MethodEmptyName,
    /// No such account.
    #[error("account {} does not exist", .0.as_str())]
    AccountDoesNotExist(AccountId),
    /// The account has no code.
    #[error("account {} has no contract deployed", .0.as_str())]
    CodeDoesNotExist(AccountId),
    /// The store failed.
    #[error("{0}")]
    Storage(String),
    /// The stored code does not compile.
    #[error("{0}")]
    Compilation(#[from] CompileError),
    /// The contract does not export the method.
    #[error("contract has no method {0:?}")]
    MethodNotFound(String),
    /// The export is not a `() -> ()` function.
    #[error("method {0} must take and return nothing")]
    MethodInvalidSignature(String),
    /// The contract imports something no host function provides.
    #[error("{0}")]
    Link(String),
    /// A host function aborted the call (panic, gas, limits, ...).
    #[error("{}", .0.message())]
    Host(#[from] HostError),
    /// The wasm trapped; `kind` is nearcore's name for the trap.
    #[error("{kind}: {detail}")]
    Trap {
        /// nearcore's `WasmTrap` sub-kind (`Unreachable`, `MemoryOutOfBounds`, ...).
        kind: &'static str,
        /// What wasmtime said.
        detail: String,
    },
    /// The wall-clock limit passed.
    #[error("execution exceeded the {0:?} time limit")]
    Timeout(Duration),
    /// The code cannot run in the mode asked for (a WASI program in direct mode).
    #[error("{0}")]
    WrongMode(String),
    /// A WASI program deployed as a contract failed: it exited non-zero (`NonZeroExit`),
    /// or the task ended with the kernel's error (`GasExceeded`, `Timeout`, `WasmTrap`, ...).
    #[error("{message}")]
    Program {
        /// The outcome's `error.kind`.
        kind: String,
        /// What happened.
        message: String,
    },
}

impl CallError {
    /// The outcome's `error.kind`.
    pub fn kind(&self) -> &str {
        match self {
            CallError::MethodEmptyName => "MethodEmptyName",
            CallError::AccountDoesNotExist(_) => "AccountDoesNotExist",
            CallError::CodeDoesNotExist(_) => "CodeDoesNotExist",
            CallError::Storage(_) => "StorageError",
            CallError::Compilation(_) => "CompilationError",
            CallError::MethodNotFound(_) => "MethodNotFound",
            CallError::MethodInvalidSignature(_) => "MethodInvalidSignature",
            CallError::Link(_) => "LinkError",
            CallError::Host(h) => h.kind(),
            CallError::Trap { .. } => "WasmTrap",
            CallError::Timeout(_) => "Timeout",
            CallError::WrongMode(_) => "WrongMode",
            CallError::Program { kind, .. } => kind,
        }
    }
}

impl From<outlayer_fs::Error> for CallError {
    fn from(e: outlayer_fs::Error) -> Self {
        CallError::Storage(e.to_string())
    }
}

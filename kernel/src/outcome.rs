//! What a call returns: the JSON object `outlayerd call` prints.

use base64::Engine as _;
use serde::Serialize;

use crate::executor::CallError;
use crate::mode::Mode;
use crate::near::{Gas, Receipt, ReturnData};

/// `"success"` or `"failure"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The method returned; its state changes are committed.
    Success,
    /// The call failed; nothing was committed.
    Failure,
}

/// Why a call failed: `kind` is nearcore's name for it (`GuestPanic`, `GasExceeded`,
/// `ProhibitedInView`, `MethodNotFound`, `WasmTrap`, …, plus `Timeout`, `AccountDoesNotExist`,
/// `CodeDoesNotExist`, `StorageError`, `UnsupportedHostFunction`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecError {
    /// The failure kind.
    pub kind: String,
    /// Human-readable detail; for `GuestPanic` the contract's message verbatim.
    pub message: String,
}

/// The outcome of a call. Serializes to exactly the CLI's JSON: `mode`, `status`, `result`,
/// `result_base64` (when there are return bytes), `logs`, `gas_burnt`, `receipts` (when
/// promises were created), `error` (on failure).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The mode the call ran in.
    pub mode: Mode,
    /// Success or failure.
    pub status: Status,
    /// The return value parsed as JSON, when it parses; else null.
    pub result: Option<serde_json::Value>,
    /// The raw return bytes, base64, whenever there are some.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_base64: Option<String>,
    /// Logs, in order (kept on failure).
    pub logs: Vec<String>,
    /// Gas burnt.
    pub gas_burnt: Gas,
    /// Receipts created by a successful call.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub receipts: Vec<Receipt>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ExecError>,
    /// The raw return bytes (not serialized: `result_base64` carries them).
    #[serde(skip)]
    pub return_value: Vec<u8>,
    /// For `promise_return`: the receipt whose result is the call's result.
    #[serde(skip)]
    pub returned_receipt: Option<u64>,
    /// Burnt gas plus gas given to receipts.
    #[serde(skip)]
    pub gas_used: Gas,
}

impl Outcome {
    /// A failure before or during execution.
    pub fn failure(mode: Mode, error: &CallError, logs: Vec<String>, gas_burnt: Gas) -> Self {
        Outcome {
            mode,
            status: Status::Failure,
            result: None,
            result_base64: None,
            logs,
            gas_burnt,
            receipts: Vec::new(),
            error: Some(ExecError {
                kind: error.kind().to_string(),
                message: error.to_string(),
            }),
            return_value: Vec::new(),
            returned_receipt: None,
            gas_used: gas_burnt,
        }
    }

    /// A success returning `data`.
    pub fn success(
        mode: Mode,
        data: ReturnData,
        logs: Vec<String>,
        gas_burnt: Gas,
        gas_used: Gas,
        receipts: Vec<Receipt>,
    ) -> Self {
        let (return_value, returned_receipt) = match data {
            ReturnData::Value(v) => (v, None),
            ReturnData::ReceiptIndex(r) => (Vec::new(), Some(r)),
            ReturnData::None => (Vec::new(), None),
        };
        let result = serde_json::from_slice(&return_value).ok();
        let result_base64 = (!return_value.is_empty())
            .then(|| base64::engine::general_purpose::STANDARD.encode(&return_value));
        Outcome {
            mode,
            status: Status::Success,
            result,
            result_base64,
            logs,
            gas_burnt,
            receipts,
            error: None,
            return_value,
            returned_receipt,
            gas_used,
        }
    }

    /// True on success.
    pub fn is_success(&self) -> bool {
        self.status == Status::Success
    }

    /// The failure kind, if any.
    pub fn error_kind(&self) -> Option<&str> {
        self.error.as_ref().map(|e| e.kind.as_str())
    }

    /// The CLI's exit status: 0 on success, 1 on an execution failure.
    pub fn exit_code(&self) -> i32 {
        if self.is_success() {
            0
        } else {
            1
        }
    }
}

//! Control-socket framing, shared by the daemon and the CLI.
//!
//! One JSON object per line. The client sends one [`crate::api::Request`]; the daemon answers
//! with zero or more `{"item": ...}` lines (streamed listings) and then exactly one final
//! line, `{"ok": <the handler's result>}` or `{"error": {"kind", "message", "exit_code"}}`.

use serde::{Deserialize, Serialize};

use crate::api::ApiError;

/// One line of a reply.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    /// A streamed item.
    Item(serde_json::Value),
    /// Success, with the handler's result.
    Ok(serde_json::Value),
    /// Failure.
    Error(ApiError),
}

/// The state requests with binary fields already as base64 text. It serializes exactly as
/// the matching [`crate::api::Request`], for clients that build requests as JSON text
/// (the tests crate's in-process `control_get`); new code sends `api::Request`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// List an account's keys.
    StateLs {
        /// Account id.
        account: String,
    },
    /// Read one value.
    StateGet {
        /// Account id.
        account: String,
        /// Key, base64.
        key: String,
    },
    /// Write one value.
    StatePut {
        /// Account id.
        account: String,
        /// Key, base64.
        key: String,
        /// Value, base64.
        value: String,
    },
    /// Remove one key.
    StateRm {
        /// Account id.
        account: String,
        /// Key, base64.
        key: String,
    },
}

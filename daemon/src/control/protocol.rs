//! Control-socket messages, shared by the daemon and the CLI.
//!
//! Framing: one JSON object per line. The client sends one request; the daemon answers with
//! zero or more `{"item": ...}` lines (streamed listings) and then exactly one final line,
//! `{"ok": ...}` or `{"error": {"kind", "message", "exit_code"}}`.

use serde::{Deserialize, Serialize};

/// A request to the daemon. Binary keys and values travel as base64.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Is anyone there.
    Ping,
    /// List an account's keys (file names, one item each).
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
    /// Deploy contract code.
    Deploy {
        /// Account id.
        account: String,
        /// The wasm, base64.
        code: String,
    },
    /// Run a call; the reply is the outcome JSON.
    Call {
        /// The call, as given on the command line.
        call: crate::cli::CallArgs,
        /// Arguments, base64.
        args: String,
    },
}

/// One line of a reply.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    /// A streamed item.
    Item(serde_json::Value),
    /// Success, with a result.
    Ok(serde_json::Value),
    /// Failure.
    Error(ErrorReply),
}

/// A failure as the CLI reports it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorReply {
    /// Short machine-readable kind (`not_found`, `invalid_input`, ...).
    pub kind: String,
    /// One line for humans.
    pub message: String,
    /// Exit status the CLI should use: 1 runtime failure, 2 bad input.
    pub exit_code: u8,
}

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

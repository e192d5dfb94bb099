//! `state_export`: an account's state as NEAR's RPC lists it, streamed in key order.
//!
//! One item per key, read from one consistent view of the store; nothing is collected, so
//! a million keys take no more memory than one (the reader's pace sets the export's, over
//! the control socket too).

use serde::{Deserialize, Serialize};

use super::parse_account;
use crate::api::near_formats::entry_json;
use crate::api::{ApiError, Context, ErrorKind, Handler, ItemSink, StateExport};

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportReport {
    /// Keys exported.
    pub keys: u64,
}

impl Handler for StateExport {
    type Output = ExportReport;

    fn handle(self, ctx: &Context, items: &mut ItemSink<'_>) -> Result<ExportReport, ApiError> {
        let account = parse_account(&self.account, "account")?;
        if ctx.store().account(&account)?.is_none() {
            return Err(ApiError::not_found(format!("no account {account}")));
        }
        let (mut keys, mut complete) = (0, true);
        ctx.store().scan_values(&account, |key, value| {
            keys += 1;
            complete = items(entry_json(key, value));
            complete
        })?;
        if !complete {
            return Err(ApiError::new(
                ErrorKind::Io,
                "the export's reader went away before its end",
            ));
        }
        Ok(ExportReport { keys })
    }
}

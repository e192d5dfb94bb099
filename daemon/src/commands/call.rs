//! `outlayerd call`: prints the outcome as one JSON object; the exit status says whether
//! the contract succeeded.

use std::path::Path;

use super::{no_items, read_file, Backend};
use crate::api::{ApiError, CallSpec, ErrorKind};
use crate::cli::{CallArgs, CallOptions};

/// Runs the call `args` describes.
pub fn run(data_dir: &Path, args: &CallArgs) -> Result<(), ApiError> {
    let req = CallSpec {
        mode: args.mode,
        ..spec(&args.call)?
    };
    let outcome = Backend::open(data_dir)?.send(req, &mut no_items)?;
    println!("{outcome}");
    if outcome.get("status").and_then(|s| s.as_str()) == Some("success") {
        Ok(())
    } else {
        // The outcome on stdout says what failed; the exit status says that it did.
        Err(ApiError::new(ErrorKind::ExecutionFailed, ""))
    }
}

/// The request, with the arguments read and JSON text checked to be JSON.
pub(super) fn spec(args: &CallOptions) -> Result<CallSpec, ApiError> {
    let raw = match (&args.args, &args.args_file) {
        (Some(json), _) => {
            serde_json::from_str::<serde_json::Value>(json)
                .map_err(|e| ApiError::invalid(format!("ARGS_JSON is not valid JSON: {e}")))?;
            json.clone().into_bytes()
        }
        (None, Some(f)) => read_file(f, "--args-file")?,
        (None, None) => Vec::new(),
    };
    Ok(CallSpec {
        view: args.view,
        signer: args.signer.clone(),
        predecessor: args.predecessor.clone(),
        deposit: args.deposit,
        gas: args.gas,
        block_height: args.block_height,
        block_timestamp: args.block_timestamp,
        timeout: args.timeout,
        ..CallSpec::new(&args.account, &args.method, raw)
    })
}

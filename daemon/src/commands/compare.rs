//! `outlayerd compare`: one call in both modes; prints the comparison as one JSON object;
//! the exit status says whether the modes agree.

use std::path::Path;

use super::{call, no_items, Backend};
use crate::api::{ApiError, CompareSpec, ErrorKind};
use crate::cli::CompareArgs;

/// Runs the comparison `args` describes.
pub fn run(data_dir: &Path, args: &CompareArgs) -> Result<(), ApiError> {
    let req = CompareSpec {
        call: call::spec(&args.call)?,
        commit: args.commit,
    };
    let report = Backend::open(data_dir)?.send(req, &mut no_items)?;
    println!("{report}");
    if report.get("agree").and_then(|a| a.as_bool()) == Some(true) {
        Ok(())
    } else {
        // The report on stdout says what differs; the exit status says that something does.
        Err(ApiError::new(ErrorKind::ExecutionFailed, ""))
    }
}

//! `outlayerd deploy ACCOUNT FILE`.

use std::path::Path;

use super::{no_items, read_file, Backend};
use crate::api::{ApiError, Deploy};

/// Deploys the contract in `file` to `account`; reports on stderr, prints nothing.
pub fn run(data_dir: &Path, account: &str, file: &Path) -> Result<(), ApiError> {
    let req = Deploy {
        account: account.to_string(),
        code: read_file(file, "contract")?,
    };
    let len = req.code.len();
    let kind = Backend::open(data_dir)?.send(req, &mut no_items)?;
    eprintln!(
        "outlayerd: deployed {} ({len} bytes, {}) to {account}",
        file.display(),
        kind.describe()
    );
    Ok(())
}

//! `outlayerd deploy ACCOUNT FILE`.

use std::path::Path;

use super::{no_items, progress, read_file, Backend};
use crate::api::{ApiError, Deploy};

/// Deploys the contract in `file` to `account`; reports on stderr, prints nothing.
pub fn run(data_dir: &Path, account: &str, file: &Path) -> Result<(), ApiError> {
    let req = Deploy {
        account: account.to_string(),
        code: read_file(file, "contract")?,
    };
    let len = req.code.len();
    let compiling = progress::spinner(format!(
        "compiling {} ({})",
        file.display(),
        human_size(len)
    ));
    let kind = Backend::open(data_dir)?.send(req, &mut no_items);
    drop(compiling);
    let kind = kind?;
    eprintln!(
        "outlayerd: deployed {} ({len} bytes, {}) to {account}",
        file.display(),
        kind.describe()
    );
    Ok(())
}

/// `1.5 MiB`, `900 KiB`, `120 B`.
fn human_size(bytes: usize) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else if b >= KIB {
        format!("{:.0} KiB", b / KIB)
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_like_ls_h() {
        assert_eq!(super::human_size(120), "120 B");
        assert_eq!(super::human_size(900 * 1024), "900 KiB");
        assert_eq!(super::human_size(3 * 1024 * 1024 / 2), "1.5 MiB");
    }
}

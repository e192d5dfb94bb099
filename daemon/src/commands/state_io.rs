//! `outlayerd state export|import`: an account's state in NEAR's RPC formats.
//!
//! Export prints the entries as they stream in. Import hands the daemon (or the embedded
//! handler) the open file, not its contents, and shows the handler's progress on a
//! terminal; elsewhere it is quiet but for its one-line report.

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::sync::Arc;

use super::Backend;
use crate::api::{ApiError, ErrorKind, ImportProgress, ImportReport, StateExport, StateImport};
use crate::cli::ExportFormat;

/// Files smaller than this import too fast for a progress bar to help.
const PROGRESS_FROM: u64 = 8 << 20;

/// `state export`: the entries to stdout, in `format`.
pub fn export(data_dir: &Path, account: &str, format: ExportFormat) -> Result<(), ApiError> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let rpc = format == ExportFormat::Rpc;
    let mut started = false;
    let mut write_error = None;
    let mut write = |entry: String| {
        let sep: &[u8] = match (rpc, started) {
            (false, _) => b"",
            (true, false) => b"{\"values\":[\n",
            (true, true) => b",\n",
        };
        started = true;
        let written = out
            .write_all(sep)
            .and_then(|()| out.write_all(entry.as_bytes()))
            .and_then(|()| if rpc { Ok(()) } else { out.write_all(b"\n") });
        written.map_err(|e| write_error = Some(e)).is_ok()
    };
    let req = StateExport {
        account: account.to_string(),
    };
    let result = Backend::open(data_dir)?.send(req, &mut write);
    if let Some(e) = write_error {
        return Err(stdout_error(e));
    }
    result?;
    let tail: &[u8] = match (rpc, started) {
        (false, _) => b"",
        (true, false) => b"{\"values\":[]}\n",
        (true, true) => b"\n]}\n",
    };
    out.write_all(tail)
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

fn stdout_error(e: std::io::Error) -> ApiError {
    ApiError::new(ErrorKind::Io, format!("stdout: {e}"))
}

/// What `state import` was asked to do.
pub struct ImportArgs<'a> {
    /// The account.
    pub account: &'a str,
    /// The state file, `-` for stdin.
    pub file: &'a Path,
    /// Remove keys the file does not hold.
    pub replace: bool,
    /// Write nothing.
    pub dry_run: bool,
    /// Report as JSON on stdout.
    pub json: bool,
}

/// `state import`: loads the file, reports the counts.
pub fn import(data_dir: &Path, args: &ImportArgs<'_>) -> Result<(), ApiError> {
    let (fd, size, name) = open_input(args.file)?;
    let req = StateImport {
        account: args.account.to_string(),
        replace: args.replace,
        dry_run: args.dry_run,
        name: name.clone(),
        content: None,
        file: Some(Arc::new(fd)),
    };
    let bar = super::progress::bytes("importing", size, PROGRESS_FROM);
    let mut on_progress = |item: String| {
        if let Ok(p) = serde_json::from_str::<ImportProgress>(&item) {
            bar.set_position(p.bytes);
            bar.set_message(if p.read_all {
                "committing".to_string()
            } else {
                format!("{} entries", p.entries)
            });
        }
        true
    };
    let result = Backend::open(data_dir)?.send(req, &mut on_progress);
    bar.finish_and_clear();
    let report = result?;
    if args.json {
        let text = serde_json::to_string(&report).unwrap_or_default();
        writeln!(std::io::stdout().lock(), "{text}").map_err(stdout_error)?;
    } else {
        eprintln!("outlayerd: {}", summary(&report, &name, args.account));
    }
    Ok(())
}

/// The file to import as a descriptor to pass, its size when known, and its name.
fn open_input(file: &Path) -> Result<(OwnedFd, Option<u64>, String), ApiError> {
    if file.as_os_str() == "-" {
        let fd = std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| ApiError::failed(format!("stdin: {e}")))?;
        return Ok((fd, None, "stdin".into()));
    }
    let name = file.display().to_string();
    let f = File::open(file).map_err(|e| ApiError::invalid(format!("{name}: {e}")))?;
    let size = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
    Ok((f.into(), size, name))
}

/// `dry run of FILE into ACCOUNT: 3 to add, …` / `imported FILE into ACCOUNT: 3 added, …`.
fn summary(r: &ImportReport, name: &str, account: &str) -> String {
    let counts = [
        (r.added, "added", "to add"),
        (r.changed, "changed", "to change"),
        (r.unchanged, "unchanged", "unchanged"),
        (r.removed, "removed", "to remove"),
    ]
    .map(|(n, done, planned)| format!("{n} {}", if r.dry_run { planned } else { done }))
    .join(", ");
    if r.dry_run {
        format!("dry run of {name} into {account}, nothing written: {counts}")
    } else {
        format!("imported {name} into {account}: {counts}")
    }
}

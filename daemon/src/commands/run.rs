//! `outlayerd run ACCOUNT PROGRAM [-- ARGS]`: like `wasmtime run`, on an account's state.
//!
//! Without `--json` the program gets this process's stdin, stdout and stderr (passed to the
//! daemon when one holds the data directory), so its output appears as it is written, and
//! `outlayerd` exits with the program's status. With `--json` the output is captured and
//! one JSON object reports the run.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use base64::Engine as _;

use super::{no_items, read_file, Backend};
use crate::api::stdio::Stdio;
use crate::api::{ApiError, DirSpec, ErrorKind, RunReport, RunSpec};
use crate::cli::RunArgs;

/// Runs the program; the exit status is the program's (1 when it did not exit, with the
/// error on stderr).
pub fn run(data_dir: &Path, args: &RunArgs) -> Result<ExitCode, ApiError> {
    let mut spec = spec(args)?;
    if !args.json {
        let stdio = Stdio::inherit()
            .map_err(|e| ApiError::failed(format!("cannot pass the standard streams: {e}")))?;
        spec.stdio = Some(Arc::new(stdio));
    }
    let report = Backend::open(data_dir)?.send(spec, &mut no_items)?;
    let error = report.outcome.get("error").filter(|e| !e.is_null());
    let field = |k: &str| {
        error
            .and_then(|e| e.get(k))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let kind = field("kind");
    // A module that cannot run at all is bad input, as a bad flag is.
    if NOT_A_PROGRAM.contains(&kind.as_str()) {
        return Err(ApiError::invalid(format!(
            "{}: {kind}: {}",
            args.program.display(),
            field("message")
        )));
    }
    if args.json {
        print_json(&report)?;
    } else if error.is_some() {
        eprintln!("outlayerd: {kind}: {}", field("message"));
    }
    Ok(ExitCode::from(report.status.clamp(0, 255) as u8))
}

/// Outcome errors that mean the file is not a runnable `wasm32-wasip1` command.
const NOT_A_PROGRAM: [&str; 3] = ["CompilationError", "NotACommand", "LinkError"];

fn spec(args: &RunArgs) -> Result<RunSpec, ApiError> {
    let mut dirs = Vec::new();
    for (list, read_only) in [(&args.dirs, false), (&args.dirs_ro, true)] {
        for d in list {
            dirs.push(dir_spec(d, read_only)?);
        }
    }
    let program = args
        .program
        .file_name()
        .map_or_else(|| "program".into(), |n| n.to_string_lossy().into_owned());
    Ok(RunSpec {
        account: args.account.clone(),
        program,
        code: read_file(&args.program, "program")?,
        args: args.args.clone(),
        env: args.env.clone(),
        dirs,
        state_at: Some(args.state_at.clone()),
        cwd: Some(args.cwd.clone()),
        timeout: Some(args.timeout),
        gas: args.gas,
        signer: args.signer.clone(),
        predecessor: args.predecessor.clone(),
        block_height: args.block_height,
        block_timestamp: args.block_timestamp,
        dry_run: args.dry_run,
        stdio: None,
    })
}

/// `HOST[::GUEST]`, the host path made absolute (the daemon does not share our cwd).
fn dir_spec(arg: &str, read_only: bool) -> Result<DirSpec, ApiError> {
    let (host, guest) = match arg.split_once("::") {
        Some((h, g)) => (h, Some(g)),
        None => (arg, None),
    };
    let host = std::fs::canonicalize(host)
        .map_err(|e| ApiError::invalid(format!("--dir {arg}: {host}: {e}")))?;
    if !host.is_dir() {
        return Err(ApiError::invalid(format!(
            "--dir {arg}: {} is not a directory",
            host.display()
        )));
    }
    let host = host.to_string_lossy().into_owned();
    Ok(DirSpec {
        guest: guest.map_or_else(|| host.clone(), str::to_string),
        host,
        read_only,
    })
}

/// The report with the captured streams decoded (as text where they are UTF-8).
fn print_json(report: &RunReport) -> Result<(), ApiError> {
    let decode = |s: &Option<String>| {
        let bytes = s
            .as_deref()
            .map(|s| base64::engine::general_purpose::STANDARD.decode(s))
            .transpose()
            .ok()
            .flatten()
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let mut v = report.outcome.clone();
    if let Some(obj) = v.as_object_mut() {
        obj.insert("status".into(), report.status.into());
        obj.insert("stdout".into(), decode(&report.stdout).into());
        obj.insert("stderr".into(), decode(&report.stderr).into());
    }
    let text = serde_json::to_string_pretty(&v).unwrap_or_default();
    writeln!(std::io::stdout().lock(), "{text}")
        .map_err(|e| ApiError::new(ErrorKind::Io, e.to_string()))
}

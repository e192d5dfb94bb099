//! `run`: a `wasm32-wasip1` program as a task of the guest kernel, on an account's state.
//! A program that fails is not an error here: the report says how it ended; errors are for
//! runs that cannot start (a bad option, a missing account, a module that is not wasm).

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use outlayer_kernel::linux::{
    Capture, HostMount, StateBinding, TaskContext, TaskOutcome, TaskSpec, DEFAULT_STATE_AT,
};
use outlayer_kernel::near::MAX_GAS;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use super::parse_account;
use crate::api::{ApiError, Context, Handler, ItemSink, RunSpec};

/// How a run ended: the kernel's outcome, plus the output when it was captured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport {
    /// The task's outcome (`exit_code`, `error`, `committed`, `gas_burnt`, `syscalls`,
    /// `logs`, `duration_us`), as `outlayer_kernel::linux::TaskOutcome` serializes it.
    pub outcome: serde_json::Value,
    /// The status a command line exits with: the program's, else 1 on an error.
    pub status: i32,
    /// Standard output, base64, when captured (no caller's streams were given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdout: Option<String>,
    /// Standard error, base64, when captured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr: Option<String>,
}

impl Handler for RunSpec {
    type Output = RunReport;

    fn handle(self, ctx: &Context, _items: &mut ItemSink<'_>) -> Result<RunReport, ApiError> {
        let account = parse_account(&self.account, "account")?;
        if ctx.store().account(&account)?.is_none() {
            return Err(ApiError::not_found(format!(
                "account {account} does not exist (create it with mkdir on the mount, \
                 `state put` or `deploy`)"
            )));
        }
        check_module(&self.code)?;
        let mut spec = TaskSpec::new(Vec::new(), &self.program);
        spec.argv.extend(self.args.iter().cloned());
        spec.env = parse_env(&self.env)?;
        spec.cwd = self.cwd.clone().unwrap_or_else(|| "/".into());
        spec.state_at = self
            .state_at
            .clone()
            .unwrap_or_else(|| DEFAULT_STATE_AT.into());
        for guest in [&spec.cwd, &spec.state_at] {
            if !guest.starts_with('/') {
                return Err(ApiError::invalid(format!(
                    "{guest:?}: guest paths are absolute"
                )));
            }
        }
        spec.mounts = self.dirs.iter().map(host_mount).collect::<Result<_, _>>()?;
        spec.context = self.context(&account)?;
        spec.limits.gas = match self.gas {
            Some(g) if g == 0 || g > MAX_GAS => {
                return Err(ApiError::invalid(format!(
                    "--gas must be between 1 and {MAX_GAS} (1 PGas)"
                )))
            }
            Some(g) => g,
            None => MAX_GAS,
        };
        if let Some(t) = self.timeout {
            spec.limits.timeout = Some(t)
                .filter(|t| *t > 0.0)
                .and_then(|t| Duration::try_from_secs_f64(t).ok())
                .ok_or_else(|| {
                    ApiError::invalid("--timeout must be a positive number of seconds")
                })?;
        }
        spec.dry_run = self.dry_run;
        spec.state = Some(StateBinding::Account {
            store: ctx.store().clone(),
            account,
        });
        spec.code = self.code;
        let (out, err) = (Capture::new(), Capture::new());
        let captured = match &self.stdio {
            Some(stdio) => {
                let [i, o, e] = stdio
                    .files()
                    .map_err(|e| ApiError::failed(format!("cannot use the streams: {e}")))?;
                spec.stdin = Box::new(i);
                spec.stdout = Box::new(o);
                spec.stderr = Box::new(e);
                false
            }
            None => {
                spec.stdout = Box::new(out.clone());
                spec.stderr = Box::new(err.clone());
                true
            }
        };
        let outcome = ctx.kernel()?.run(spec);
        report(&outcome, captured.then_some((out, err)))
    }
}

impl RunSpec {
    /// Clocks and randomness. The seed depends only on the context, so the same run with
    /// the same `--block-timestamp` gives the same bytes.
    fn context(&self, account: &outlayer_fs::AccountId) -> Result<TaskContext, ApiError> {
        let block_timestamp_ns = self
            .block_timestamp
            .unwrap_or_else(outlayer_fs::store::now_ns);
        let mut seed = sha2::Sha256::new();
        seed.update(b"outlayerd run\0");
        seed.update(account.as_str().as_bytes());
        seed.update(self.block_height.to_le_bytes());
        seed.update(block_timestamp_ns.to_le_bytes());
        Ok(TaskContext {
            block_height: self.block_height,
            block_timestamp_ns,
            random_seed: seed.finalize().into(),
            signer: self
                .signer
                .as_deref()
                .map(|s| parse_account(s, "--signer"))
                .transpose()?,
            predecessor: self
                .predecessor
                .as_deref()
                .map(|s| parse_account(s, "--predecessor"))
                .transpose()?,
            ..TaskContext::default()
        })
    }
}

/// Refuses what is not a wasm module before the kernel sees it (one clear line).
fn check_module(code: &[u8]) -> Result<(), ApiError> {
    if code.starts_with(b"\0asm") {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "the program is not a WebAssembly module (no \\0asm header)",
        ))
    }
}

fn parse_env(vars: &[String]) -> Result<Vec<(String, String)>, ApiError> {
    vars.iter()
        .map(|v| match v.split_once('=') {
            Some((k, val)) if !k.is_empty() => Ok((k.to_string(), val.to_string())),
            _ => Err(ApiError::invalid(format!(
                "--env {v:?}: expected NAME=VALUE"
            ))),
        })
        .collect()
}

fn host_mount(d: &crate::api::DirSpec) -> Result<HostMount, ApiError> {
    let host = Path::new(&d.host);
    if !host.is_absolute() || !host.is_dir() {
        return Err(ApiError::invalid(format!(
            "--dir {}: not an existing directory (given as an absolute path)",
            d.host
        )));
    }
    if !d.guest.starts_with('/') {
        return Err(ApiError::invalid(format!(
            "--dir {}::{}: the guest path must be absolute",
            d.host, d.guest
        )));
    }
    Ok(HostMount {
        host: host.to_path_buf(),
        guest: d.guest.clone(),
        read_only: d.read_only,
    })
}

fn report(
    outcome: &TaskOutcome,
    captured: Option<(Capture, Capture)>,
) -> Result<RunReport, ApiError> {
    let b64 = |c: &Capture| base64::engine::general_purpose::STANDARD.encode(c.bytes());
    let (stdout, stderr) = match &captured {
        Some((o, e)) => (Some(b64(o)), Some(b64(e))),
        None => (None, None),
    };
    Ok(RunReport {
        outcome: serde_json::to_value(outcome)
            .map_err(|e| ApiError::failed(format!("cannot encode the outcome: {e}")))?,
        status: outcome.status(),
        stdout,
        stderr,
    })
}

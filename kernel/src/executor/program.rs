//! WASI programs deployed as contracts: a `wasm32-wasip1` command run by the guest kernel
//! with the program convention, in the call's one transaction.
//!
//! | the call's | the program's |
//! |---|---|
//! | method | `argv[1]` (`argv[0]` is the account) |
//! | arguments | stdin |
//! | context | `NEAR_*` environment variables, and no others |
//! | result | stdout, as it is |
//! | logs | `near_log` lines, then one per line of stderr |
//! | success | exit status 0: the transaction commits (unless a view) |
//! | view | `/near/state` read-only: a write is `EROFS`, and a failing view that tried one is `ProhibitedInView` |

use outlayer_fs::store::SharedTxn;

use super::{CallError, CallRequest, Executor, Finish};
use crate::engine::CodeHash;
use crate::linux::{Capture, StateBinding, TaskContext, TaskOutcome, TaskSpec, PROGRAM_NOT_READY};
use crate::mode::Mode;
use crate::near::{ReturnData, MAX_GAS};
use crate::outcome::Outcome;

/// Whether `code` is a WASI command (it exports `_start`) rather than a NEAR contract.
pub(super) fn is_wasi_command(code: &[u8]) -> bool {
    for payload in wasmparser::Parser::new(0).parse_all(code) {
        if let Ok(wasmparser::Payload::ExportSection(exports)) = payload {
            return exports
                .into_iter()
                .any(|e| e.is_ok_and(|e| e.name == "_start"));
        }
    }
    false
}

/// The program convention's environment for `req`.
fn environment(req: &CallRequest) -> Vec<(String, String)> {
    let deposit = if req.view { 0 } else { req.deposit };
    [
        ("NEAR_CURRENT_ACCOUNT_ID", req.account.as_str().to_string()),
        ("NEAR_SIGNER_ACCOUNT_ID", req.signer.as_str().to_string()),
        (
            "NEAR_PREDECESSOR_ACCOUNT_ID",
            req.predecessor.as_str().to_string(),
        ),
        ("NEAR_ATTACHED_DEPOSIT", deposit.to_string()),
        ("NEAR_BLOCK_HEIGHT", req.block_height.to_string()),
        ("NEAR_BLOCK_TIMESTAMP", req.block_timestamp_ns.to_string()),
        ("NEAR_PREPAID_GAS", req.gas.min(MAX_GAS).to_string()),
        ("NEAR_METHOD", req.method.clone()),
        ("NEAR_IS_VIEW", u8::from(req.view).to_string()),
        ("NEAR_EXECUTION_MODE", Mode::Linux.as_str().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Why a finished task is a failed call, if it is.
fn failure(req: &CallRequest, t: &TaskOutcome, stderr: &str) -> Option<CallError> {
    if req.view && t.state_write_refused && !t.is_success() {
        let message = "a view call cannot change state: /near/state is read-only".to_string();
        return Some(CallError::Program {
            kind: "ProhibitedInView".into(),
            message,
        });
    }
    if let Some(e) = &t.error {
        return Some(CallError::Program {
            kind: e.kind.clone(),
            message: e.message.clone(),
        });
    }
    match t.exit_code {
        Some(0) => None,
        code => {
            let status = code.map_or_else(|| "?".into(), |c| c.to_string());
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
            let message = match last {
                Some(line) => format!("exited with status {status}: {line}"),
                None => format!("exited with status {status}"),
            };
            Some(CallError::Program {
                kind: "NonZeroExit".into(),
                message,
            })
        }
    }
}

impl Executor {
    /// Runs the program (`code`, or none when the kernel has `hash` ready) as the task of
    /// `req` in `txn`; returns how it ended, its stdout and its stderr.
    fn run_task(
        &self,
        req: &CallRequest,
        txn: &SharedTxn,
        hash: &CodeHash,
        code: Vec<u8>,
    ) -> (TaskOutcome, Capture, Capture) {
        let mut spec = TaskSpec::new(code, req.account.as_str());
        spec.code_hash = Some(*hash);
        spec.argv.push(req.method.clone());
        spec.env = environment(req);
        spec.stdin = Box::new(std::io::Cursor::new(req.args.clone()));
        let (out, err) = (Capture::new(), Capture::new());
        spec.stdout = Box::new(out.clone());
        spec.stderr = Box::new(err.clone());
        spec.state = Some(StateBinding::Shared {
            store: self.store.clone(),
            txn: txn.clone(),
        });
        spec.state_read_only = req.view;
        spec.context = TaskContext {
            block_height: req.block_height,
            block_timestamp_ns: req.block_timestamp_ns,
            random_seed: super::random_seed(req),
            signer: Some(req.signer.clone()),
            predecessor: Some(req.predecessor.clone()),
            attached_deposit: if req.view { 0 } else { req.deposit },
            view: req.view,
        };
        spec.limits.gas = req.gas.min(MAX_GAS);
        spec.limits.timeout = req.timeout;
        (self.kernel.run(spec), out, err)
    }

    /// Runs the WASI program of `req.account` as a linux-mode call in `txn`, ended as
    /// `finish` says on success. Its failures are outcomes of linux mode.
    pub(super) fn call_program(
        &self,
        req: &CallRequest,
        txn: SharedTxn,
        hash: &CodeHash,
        finish: Finish<'_>,
    ) -> Outcome {
        // A warm program is run by its hash: its code is neither read nor hashed again (and
        // read after all if the kernel dropped it in between).
        let warm = (self.kernel.is_ready(hash))
            .then(|| self.run_task(req, &txn, hash, Vec::new()))
            .filter(|(t, ..)| t.error_kind() != Some(PROGRAM_NOT_READY));
        let (t, out, err) = match warm {
            Some(run) => run,
            None => match self.store.code(&req.account) {
                Ok(Some(code)) => self.run_task(req, &txn, hash, code),
                Ok(None) => {
                    let e = CallError::CodeDoesNotExist(req.account.clone());
                    return Outcome::failure(Mode::Linux, &e, Vec::new(), 0);
                }
                Err(e) => return Outcome::failure(Mode::Linux, &e.into(), Vec::new(), 0),
            },
        };
        let stderr = String::from_utf8_lossy(&err.bytes()).into_owned();
        let mut logs = t.logs.clone();
        logs.extend(stderr.lines().map(str::to_string));
        if let Some(e) = failure(req, &t, &stderr) {
            return Outcome::failure(Mode::Linux, &e, logs, t.gas_burnt);
        }
        if let Some(done) = txn.take() {
            if let Err(e) = finish.apply(req, done) {
                let e = CallError::Storage(e.to_string());
                return Outcome::failure(Mode::Linux, &e, logs, t.gas_burnt);
            }
        }
        let result = ReturnData::Value(out.bytes());
        Outcome::success(
            Mode::Linux,
            result,
            logs,
            t.gas_burnt,
            t.gas_used,
            t.receipts,
        )
    }
}

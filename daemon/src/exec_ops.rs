//! `outlayerd deploy` and `outlayerd call`: the operations over an `Executor`, shared by the
//! daemon's control handler and the embedded CLI path.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use outlayer_fs::store::Store;
use outlayer_fs::AccountId;
use outlayer_kernel::{CallRequest, DeployError, Executor};

use crate::cli::CallArgs;
use crate::control::protocol::ErrorReply;

/// Largest prepaid gas a call may ask for (NEAR's 1 PGas).
const MAX_GAS: u64 = 1_000_000_000_000_000;

/// An executor made on first use (the wasm engine is not needed by `state` commands).
pub struct LazyExecutor {
    store: Arc<Store>,
    cell: OnceLock<Result<Executor, String>>,
}

impl LazyExecutor {
    /// An executor over `store` with its compiled-module cache in `<data dir>/wasm-cache`.
    pub fn new(store: Arc<Store>) -> Self {
        LazyExecutor {
            store,
            cell: OnceLock::new(),
        }
    }

    fn get(&self) -> Result<&Executor, ErrorReply> {
        let cache = self.store.path().join("wasm-cache");
        let r = self.cell.get_or_init(|| {
            Executor::new(self.store.clone(), &cache).map_err(|e| format!("{e:#}"))
        });
        r.as_ref()
            .map_err(|e| failed(format!("cannot start the wasm engine: {e}")))
    }
}

/// Deploys `code` to `account`.
pub fn deploy(exec: &LazyExecutor, account: &str, code: &[u8]) -> Result<(), ErrorReply> {
    let account = parse_account(account, "account")?;
    match exec.get()?.deploy(&account, code) {
        Ok(()) => Ok(()),
        Err(e @ DeployError::Compile(_)) => Err(invalid(e.to_string())),
        Err(e) => Err(failed(e.to_string())),
    }
}

/// Runs a call; the outcome JSON comes back whatever happened inside the contract.
pub fn call(
    exec: &LazyExecutor,
    args: &CallArgs,
    raw_args: Vec<u8>,
) -> Result<serde_json::Value, ErrorReply> {
    let account = parse_account(&args.account, "account")?;
    let mut req = CallRequest::new(account.clone(), &args.method, raw_args);
    req.view = args.view;
    req.signer = parse_account(args.signer.as_deref().unwrap_or(&args.account), "--signer")?;
    req.predecessor = parse_account(
        args.predecessor.as_deref().unwrap_or(&args.account),
        "--predecessor",
    )?;
    req.deposit = args.deposit;
    if let Some(gas) = args.gas {
        if gas == 0 || gas > MAX_GAS {
            return Err(invalid(format!(
                "--gas must be between 1 and {MAX_GAS} (1 PGas)"
            )));
        }
        req.gas = gas;
    }
    req.block_height = args.block_height;
    if let Some(ts) = args.block_timestamp {
        req.block_timestamp_ns = ts;
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return Err(invalid(
            "--timeout must be a positive number of seconds".into(),
        ));
    }
    req.timeout = Duration::from_secs_f64(args.timeout);
    if exec
        .store
        .account(&account)
        .map_err(|e| failed(e.to_string()))?
        .is_none()
    {
        return Err(failed(format!(
            "account {account} does not exist (deploy a contract first)"
        )));
    }
    let outcome = exec.get()?.call(&req);
    serde_json::to_value(&outcome).map_err(|e| failed(format!("cannot encode the outcome: {e}")))
}

/// The call's arguments: the JSON text checked to be JSON, or a file's bytes as they are.
pub fn read_args(args: &CallArgs) -> Result<Vec<u8>, ErrorReply> {
    match (&args.args, &args.args_file) {
        (Some(json), _) => {
            serde_json::from_str::<serde_json::Value>(json)
                .map_err(|e| invalid(format!("ARGS_JSON is not valid JSON: {e}")))?;
            Ok(json.clone().into_bytes())
        }
        (None, Some(f)) => read_file(f, "--args-file"),
        (None, None) => Ok(Vec::new()),
    }
}

/// Reads a file named on the command line (a usage error when it cannot be read).
pub fn read_file(f: &Path, what: &str) -> Result<Vec<u8>, ErrorReply> {
    std::fs::read(f).map_err(|e| invalid(format!("{what} {}: {e}", f.display())))
}

fn parse_account(id: &str, what: &str) -> Result<AccountId, ErrorReply> {
    AccountId::new(id)
        .map_err(|_| invalid(format!("{what}: {id:?} is not a valid NEAR account id")))
}

fn invalid(message: String) -> ErrorReply {
    ErrorReply {
        kind: "invalid_input".into(),
        message,
        exit_code: 2,
    }
}

fn failed(message: String) -> ErrorReply {
    ErrorReply {
        kind: "failed".into(),
        message,
        exit_code: 1,
    }
}

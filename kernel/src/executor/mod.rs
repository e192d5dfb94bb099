//! The executor: deploys contracts and runs calls in any mode. What every mode shares lives
//! here: resolving the account and its code, the call's one transaction (begun before the
//! contract runs, shared with everything the call touches, committed on success and dropped
//! otherwise), the NEAR context and the outcome. Each mode's runner ([`direct`]) only runs
//! the code.
//!
//! ```no_run
//! # use std::{path::Path, sync::Arc};
//! # use outlayer_kernel::{CallRequest, Executor};
//! # fn main() -> anyhow::Result<()> {
//! let store = Arc::new(outlayer_fs::store::Store::open(Path::new("/tmp/db"))?);
//! let exec = Executor::new(store, Path::new("/tmp/cache"))?;
//! let counter = outlayer_fs::AccountId::new("counter.near")?;
//! exec.deploy(&counter, &std::fs::read("counter.wasm")?)?;
//! let outcome = exec.call(&CallRequest::new(counter, "increment", b"{}".to_vec()));
//! println!("{}", serde_json::to_string(&outcome)?);
//! # Ok(()) }
//! ```

mod compare;
mod contract;
mod error;
mod program;
mod stats;

pub use compare::{Comparison, Timed};
pub use error::CallError;
pub use stats::{ExecutionReport, ModeCounts};

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use outlayer_fs::store::{Clock, CodeKind, SharedTxn, Store};
use outlayer_fs::AccountId;
use sha2::Digest;

use crate::engine::Engine;
use crate::linux::{ContractTask, Kernel};
use crate::mode::Mode;
use crate::near::gas::ext;
use crate::near::{External, Gas, HostState, NearView, VmContext, VmLogic, VmOutcome, MAX_GAS};
use crate::outcome::Outcome;
use crate::prepare::CompileError;
use crate::profile::Profile;
use crate::state::TxnState;
use contract::ContractRunner;

/// Default wall-clock limit of a call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// One call to run.
#[derive(Debug, Clone)]
pub struct CallRequest {
    /// The contract's account.
    pub account: AccountId,
    /// The exported method.
    pub method: String,
    /// Arguments (usually JSON), what `input` returns.
    pub args: Vec<u8>,
    /// A view call: state changes, promises and signer access are prohibited.
    pub view: bool,
    /// The signer (default: the account).
    pub signer: AccountId,
    /// The predecessor (default: the account).
    pub predecessor: AccountId,
    /// Attached deposit, yoctoNEAR.
    pub deposit: u128,
    /// Prepaid gas (default and maximum 1 PGas).
    pub gas: Gas,
    /// Block height.
    pub block_height: u64,
    /// Block timestamp, ns.
    pub block_timestamp_ns: u64,
    /// The account's balance before the call (balances are not tracked by the store).
    pub account_balance: u128,
    /// Wall-clock limit.
    pub timeout: Duration,
    /// How the call runs; `None`: the code's own mode (direct for a NEAR contract, linux
    /// for a WASI program, which runs in linux mode only).
    pub mode: Option<Mode>,
}

impl CallRequest {
    /// A change call with defaults: signer = predecessor = `account`, no deposit, 1 PGas,
    /// block 1 at the current time, balance 0, 30 s timeout.
    pub fn new(account: AccountId, method: &str, args: Vec<u8>) -> Self {
        CallRequest {
            signer: account.clone(),
            predecessor: account.clone(),
            account,
            method: method.to_string(),
            args,
            view: false,
            deposit: 0,
            gas: MAX_GAS,
            block_height: 1,
            block_timestamp_ns: outlayer_fs::store::now_ns(),
            account_balance: 0,
            timeout: DEFAULT_TIMEOUT,
            mode: None,
        }
    }

    /// The same request as a view call.
    pub fn into_view(mut self) -> Self {
        self.view = true;
        self
    }
}

/// Why `deploy` refused code.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The code is not an acceptable contract.
    #[error("invalid contract: {0}")]
    Compile(#[from] CompileError),
    /// The store failed.
    #[error("storage error: {0}")]
    Storage(#[from] outlayer_fs::Error),
    /// The code exports `_start` but is not a WASI command the guest kernel runs.
    #[error("invalid WASI program: {0}")]
    Program(String),
}

/// The keys a call changes, in key order: the new value, or `None` for a removed key.
pub type StateWrites = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// What becomes of a successful call's transaction (a failed call's is always dropped).
pub(super) struct Finish<'a> {
    /// Commit it (a view never does).
    commit: bool,
    /// Record here the keys it changes.
    writes: Option<&'a mut StateWrites>,
}

impl Finish<'_> {
    /// What `call` does: commit.
    const COMMIT: Finish<'static> = Finish {
        commit: true,
        writes: None,
    };

    /// Ends the successful call `req`'s transaction `t` as asked.
    fn apply(
        self,
        req: &CallRequest,
        t: outlayer_fs::store::Txn<'static>,
    ) -> outlayer_fs::Result<()> {
        if let Some(w) = self.writes {
            *w = t.pending_writes();
        }
        if self.commit && !req.view {
            t.commit()?;
        }
        Ok(())
    }
}

/// What every mode's runner needs of a call besides the request.
struct Call<'a> {
    req: &'a CallRequest,
    hash: &'a crate::engine::CodeHash,
    storage_usage: u64,
}

/// Why a call failed, with what it had logged and burnt by then.
struct Failure {
    error: CallError,
    logs: Vec<String>,
    gas_burnt: Gas,
}

impl<E: Into<CallError>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            error: e.into(),
            logs: Vec::new(),
            gas_burnt: 0,
        }
    }
}

/// Runs NEAR contracts over a `Store`. Cheap to share (`&self` everywhere); calls on
/// different accounts run in parallel.
pub struct Executor {
    store: Arc<Store>,
    engine: Arc<Engine>,
    direct: ContractRunner<HostState<TxnState>>,
    linux: ContractRunner<ContractTask>,
    kernel: Kernel,
    counters: stats::ExecCounters,
}

impl Executor {
    /// An executor over `store`, caching compiled contracts under `cache_dir`. It boots the
    /// guest kernel (linux mode) on the same engine: both modes share one module cache.
    pub fn new(store: Arc<Store>, cache_dir: &Path) -> anyhow::Result<Self> {
        let engine = Arc::new(Engine::new(cache_dir)?);
        Ok(Executor {
            store,
            direct: ContractRunner::new(&engine)?,
            linux: ContractRunner::new(&engine)?,
            kernel: Kernel::with_engine(engine.clone())?,
            engine,
            counters: Default::default(),
        })
    }

    /// The guest kernel (linux mode, `outlayerd run`).
    pub fn kernel(&self) -> &Kernel {
        &self.kernel
    }

    /// The engine (module cache statistics).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Deploys `code` to `account` (created if needed) and says what kind of code it is: a
    /// module exporting `_start` is a WASI program (run in linux mode with the program
    /// convention), anything else a NEAR contract. The code is validated and compiled now
    /// (and cached on disk), so the first call does not compile.
    pub fn deploy(&self, account: &AccountId, code: &[u8]) -> Result<CodeKind, DeployError> {
        let kind = if program::is_wasi_command(code) {
            self.kernel
                .check_program(code)
                .map_err(|e| DeployError::Program(e.message))?;
            CodeKind::WasiProgram
        } else {
            self.engine
                .load(Profile::NearContract, &Engine::hash(code), code)?;
            CodeKind::NearContract
        };
        let mut txn = self.store.begin(account)?;
        if txn.account_meta().is_none() {
            txn.create_account()?;
        }
        txn.set_code_of_kind(code.to_vec(), kind)?;
        txn.commit()?;
        Ok(kind)
    }

    /// Runs one call. Never panics on bad input: every failure is an `Outcome` with an error.
    pub fn call(&self, req: &CallRequest) -> Outcome {
        self.execute(req, Finish::COMMIT)
    }

    /// Calls run so far, by mode and outcome.
    pub fn executions(&self) -> ExecutionReport {
        self.counters.report()
    }

    /// Runs one call and ends its transaction as `finish` says.
    fn execute(&self, req: &CallRequest, finish: Finish<'_>) -> Outcome {
        let outcome = self.try_call(req, finish).unwrap_or_else(|f| {
            let mode = req.mode.unwrap_or_default();
            Outcome::failure(mode, &f.error, f.logs, f.gas_burnt)
        });
        self.counters.record(&outcome);
        outcome
    }

    fn try_call(&self, req: &CallRequest, finish: Finish<'_>) -> Result<Outcome, Failure> {
        if req.method.is_empty() {
            return Err(CallError::MethodEmptyName.into());
        }
        let mut txn = self.store.begin_shared(&req.account)?;
        if txn.account_meta().is_none() {
            return Err(CallError::AccountDoesNotExist(req.account.clone()).into());
        }
        // What a call writes carries its block's time, not the host's: the same call on the
        // same state writes the same metadata.
        txn.set_clock(Clock::fixed(req.block_timestamp_ns));
        // The code hash is read without the code: the code itself is read only when the
        // module is in no cache.
        let (hash, kind) = self
            .store
            .code_info(&req.account)?
            .ok_or_else(|| CallError::CodeDoesNotExist(req.account.clone()))?;
        let mode = match (kind, req.mode) {
            (CodeKind::WasiProgram, Some(Mode::Direct)) => {
                let msg = format!(
                    "{} holds a WASI program, which runs in linux mode only (--mode linux)",
                    req.account.as_str()
                );
                return Err(CallError::WrongMode(msg).into());
            }
            (CodeKind::WasiProgram, _) => {
                return Ok(self.call_program(req, SharedTxn::new(txn), &hash, finish));
            }
            (CodeKind::NearContract, mode) => mode.unwrap_or_default(),
        };
        let storage_usage = txn.storage_usage()?;
        let txn = SharedTxn::new(txn);
        let call = Call {
            req,
            hash: &hash,
            storage_usage,
        };
        let (result, vm) = match mode {
            Mode::Direct => self.run_contract(
                &self.direct,
                &call,
                || Ok(TxnState::new(txn.clone())),
                HostState::new,
                |data| data.logic,
            )?,
            Mode::Linux => self.run_contract(
                &self.linux,
                &call,
                || {
                    let ts = req.block_timestamp_ns;
                    (self.kernel)
                        .contract_state(self.store.clone(), txn.clone(), ts)
                        .map_err(|e| CallError::Storage(e.message).into())
                },
                |logic| ContractTask::new(&self.kernel, logic),
                ContractTask::into_logic,
            )?,
        };
        let failed = |error| Failure {
            error,
            logs: vm.logs.clone(),
            gas_burnt: vm.gas_burnt,
        };
        result.map_err(failed)?;
        // A view changes nothing (its writes were refused); a failed call's transaction is
        // dropped with `txn` above.
        if let Some(t) = txn.take() {
            finish
                .apply(req, t)
                .map_err(|e| failed(CallError::Storage(e.to_string())))?;
        }
        Ok(Outcome::success(
            mode,
            vm.return_data,
            vm.logs,
            vm.gas_burnt,
            vm.gas_used,
            vm.receipts,
        ))
    }

    /// Runs `call` with `runner`: loads the contract, makes its state access (`state`) and
    /// its store data (`wrap`), runs the method, and takes the execution back (`unwrap`).
    fn run_contract<T: NearView>(
        &self,
        runner: &ContractRunner<T>,
        call: &Call<'_>,
        state: impl FnOnce() -> Result<T::Ext, Failure>,
        wrap: impl FnOnce(VmLogic<T::Ext>) -> T,
        unwrap: impl FnOnce(T) -> VmLogic<T::Ext>,
    ) -> Result<(Result<(), CallError>, VmOutcome<()>), Failure> {
        let req = call.req;
        let contract = runner.load(
            &self.engine,
            &self.store,
            &req.account,
            call.hash,
            &req.method,
        )?;
        let logic = self.start(req, state()?, call.storage_usage, contract.code_len)?;
        let (result, data) = runner.run(&self.engine, &contract, wrap(logic), req);
        Ok(finish(result, unwrap(data)))
    }

    /// The NEAR execution of `req` over the call's transaction, with the contract's loading
    /// charged as nearcore charges it (base plus per byte of code).
    fn start<E: External>(
        &self,
        req: &CallRequest,
        state: E,
        storage_usage: u64,
        code_len: usize,
    ) -> Result<VmLogic<E>, Failure> {
        let mut logic = VmLogic::new(state, self.context(req, storage_usage));
        let loading = ext::CONTRACT_LOADING_BASE
            .saturating_add(ext::CONTRACT_LOADING_BYTES.saturating_mul(code_len as u64));
        match logic.gas_counter().burn(loading) {
            Ok(()) => Ok(logic),
            Err(e) => Err(Failure {
                error: e.into(),
                logs: Vec::new(),
                gas_burnt: logic.gas_counter().burnt(),
            }),
        }
    }

    fn context(&self, req: &CallRequest, storage_usage: u64) -> VmContext {
        VmContext {
            current_account_id: req.account.as_str().to_string(),
            signer_account_id: req.signer.as_str().to_string(),
            // borsh `PublicKey::ED25519` of zeros: there are no access keys here.
            signer_account_pk: vec![0; 33],
            predecessor_account_id: req.predecessor.as_str().to_string(),
            input: req.args.clone(),
            block_height: req.block_height,
            block_timestamp: req.block_timestamp_ns,
            epoch_height: 1,
            account_balance: req.account_balance,
            account_locked_balance: 0,
            storage_usage,
            attached_deposit: if req.view { 0 } else { req.deposit },
            prepaid_gas: req.gas.min(MAX_GAS),
            random_seed: random_seed(req).to_vec(),
            view: req.view,
            chain_id: "outlayer".to_string(),
        }
    }
}

/// The call's random seed: a function of the request only, so a call is deterministic.
fn random_seed(req: &CallRequest) -> [u8; 32] {
    let mut seed = sha2::Sha256::new();
    seed.update(req.account.as_str());
    seed.update(req.block_height.to_le_bytes());
    seed.update(req.block_timestamp_ns.to_le_bytes());
    seed.update(req.method.as_bytes());
    seed.update(&req.args);
    seed.finalize().into()
}

/// Ends an execution: what the VM leaves, with the run's result; its state access is
/// closed here, before the transaction commits.
fn finish<E: External>(
    result: Result<(), CallError>,
    logic: VmLogic<E>,
) -> (Result<(), CallError>, VmOutcome<()>) {
    let mut vm = logic.finish(result.is_ok());
    let result = result.and_then(|()| vm.ext.flush().map_err(CallError::Host));
    (result, vm.without_ext())
}

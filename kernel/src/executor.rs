//! The direct-mode executor: deploys contracts and runs calls, each call in one `Txn` on its
//! account (commit on success, nothing on failure; logs kept either way).
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

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use lru::LruCache;
use outlayer_fs::store::Store;
use outlayer_fs::AccountId;
use parking_lot::Mutex;
use sha2::Digest;
use wasmtime::{ExternType, InstancePre, Linker, Module, Trap};

use crate::engine::{CodeHash, CompileError, Engine, EPOCH_TICK, MODULE_CACHE_ENTRIES};
use crate::near::gas::ext;
use crate::near::imports::{self, charge_fuel, refill_fuel, HostState};
use crate::near::{Gas, HostError, VmContext, VmLogic, MAX_GAS};
use crate::outcome::Outcome;
use crate::state::StoreState;

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
}

type Pre = InstancePre<HostState<StoreState>>;

/// A contract ready to instantiate: its module, its code length (for the loading cost) and
/// its imports resolved (or why they cannot be: reported when a call reaches instantiation).
#[derive(Clone)]
struct Loaded {
    module: Module,
    code_len: usize,
    pre: Result<Pre, String>,
}

/// Runs NEAR contracts over a `Store`. Cheap to share (`&self` everywhere); calls on
/// different accounts run in parallel.
pub struct Executor {
    store: Arc<Store>,
    engine: Engine,
    linker: Linker<HostState<StoreState>>,
    /// What a call needs of a contract, so a warm call neither reads nor links the code.
    loaded: Mutex<LruCache<CodeHash, Loaded>>,
}

impl Executor {
    /// An executor over `store`, caching compiled contracts under `cache_dir`.
    pub fn new(store: Arc<Store>, cache_dir: &Path) -> anyhow::Result<Self> {
        let engine = Engine::new(cache_dir)?;
        let mut linker = Linker::new(engine.wasmtime());
        imports::link(&mut linker)?;
        Ok(Executor {
            store,
            engine,
            linker,
            loaded: Mutex::new(LruCache::new(MODULE_CACHE_ENTRIES)),
        })
    }

    /// The engine (module cache statistics).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Deploys `code` to `account` (created if needed). The code is validated and compiled
    /// now (and cached on disk), so the first call does not compile.
    pub fn deploy(&self, account: &AccountId, code: &[u8]) -> Result<(), DeployError> {
        self.engine.load(&Engine::hash(code), code)?;
        let mut txn = self.store.begin(account)?;
        if txn.account_meta().is_none() {
            txn.create_account()?;
        }
        txn.set_code(code.to_vec())?;
        txn.commit()?;
        Ok(())
    }

    /// The contract with code `hash`, reading the code only when no cache has it.
    fn load(&self, account: &AccountId, hash: &CodeHash) -> Result<Loaded, (&'static str, String)> {
        if let Some(l) = self.loaded.lock().get(hash) {
            return Ok(l.clone());
        }
        let code = match self.store.code(account) {
            Ok(Some(c)) => c,
            Ok(None) => {
                let msg = format!("account {} has no contract deployed", account.as_str());
                return Err(("CodeDoesNotExist", msg));
            }
            Err(e) => return Err(("StorageError", e.to_string())),
        };
        let module = self
            .engine
            .load(hash, &code)
            .map_err(|e| ("CompilationError", e.to_string()))?;
        let pre = self
            .linker
            .instantiate_pre(&module)
            .map_err(|e| format!("{e:#}"));
        let loaded = Loaded {
            module,
            code_len: code.len(),
            pre,
        };
        self.loaded.lock().put(*hash, loaded.clone());
        Ok(loaded)
    }

    /// Runs one call. Never panics on bad input: every failure is an `Outcome` with an error.
    pub fn call(&self, req: &CallRequest) -> Outcome {
        if req.method.is_empty() {
            return Outcome::failure("MethodEmptyName", "method name is empty", vec![], 0);
        }
        let mut txn = match self.store.begin(&req.account) {
            Ok(t) => t,
            Err(e) => return Outcome::failure("StorageError", e.to_string(), vec![], 0),
        };
        if txn.account_meta().is_none() {
            let msg = format!("account {} does not exist", req.account.as_str());
            return Outcome::failure("AccountDoesNotExist", msg, vec![], 0);
        }
        // The code hash is read without the code: the code itself is read only when the
        // module is in neither cache.
        let hash = match self.store.code_hash(&req.account) {
            Ok(Some(h)) => h,
            Ok(None) => {
                let msg = format!("account {} has no contract deployed", req.account.as_str());
                return Outcome::failure("CodeDoesNotExist", msg, vec![], 0);
            }
            Err(e) => return Outcome::failure("StorageError", e.to_string(), vec![], 0),
        };
        let loaded = match self.load(&req.account, &hash) {
            Ok(l) => l,
            Err((kind, msg)) => return Outcome::failure(kind, msg, vec![], 0),
        };
        match loaded.module.get_export(&req.method) {
            Some(ExternType::Func(f)) if f.params().len() == 0 && f.results().len() == 0 => {}
            Some(ExternType::Func(_)) => {
                let msg = format!("method {} must take and return nothing", req.method);
                return Outcome::failure("MethodInvalidSignature", msg, vec![], 0);
            }
            _ => {
                let msg = format!("contract has no method {:?}", req.method);
                return Outcome::failure("MethodNotFound", msg, vec![], 0);
            }
        }
        let storage_usage = match txn.storage_usage() {
            Ok(u) => u,
            Err(e) => return Outcome::failure("StorageError", e.to_string(), vec![], 0),
        };
        let state = StoreState::new(self.store.clone(), req.account.clone());
        let mut logic = VmLogic::new(state, self.context(req, storage_usage));
        let loading = ext::CONTRACT_LOADING_BASE
            .saturating_add(ext::CONTRACT_LOADING_BYTES.saturating_mul(loaded.code_len as u64));
        if let Err(e) = logic.gas_counter().burn(loading) {
            let burnt = logic.gas_counter().burnt();
            return Outcome::failure(e.kind(), e.message(), vec![], burnt);
        }
        let pre = match &loaded.pre {
            Ok(p) => p,
            Err(msg) => {
                let burnt = logic.gas_counter().burnt();
                return Outcome::failure("LinkError", msg.clone(), vec![], burnt);
            }
        };
        let (ok, error, vm) = self.run(pre, logic, req);
        let gas_burnt = vm.gas_burnt;
        if let Some((kind, message)) = error {
            return Outcome::failure(&kind, message, vm.logs, gas_burnt);
        }
        debug_assert!(ok);
        if !req.view && !vm.ext.is_clean() {
            let applied = vm.ext.apply(&mut txn).and_then(|()| txn.commit().map(drop));
            if let Err(e) = applied {
                return Outcome::failure("StorageError", e.to_string(), vm.logs, gas_burnt);
            }
        }
        Outcome::success(vm.return_data, vm.logs, gas_burnt, vm.gas_used, vm.receipts)
    }

    fn context(&self, req: &CallRequest, storage_usage: u64) -> VmContext {
        let mut seed = sha2::Sha256::new();
        seed.update(req.account.as_str());
        seed.update(req.block_height.to_le_bytes());
        seed.update(req.block_timestamp_ns.to_le_bytes());
        seed.update(req.method.as_bytes());
        seed.update(&req.args);
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
            random_seed: seed.finalize().to_vec(),
            view: req.view,
            chain_id: "outlayer".to_string(),
        }
    }

    /// Instantiates and runs; returns (ok, error kind+message, what the VM left).
    fn run(
        &self,
        pre: &Pre,
        logic: VmLogic<StoreState>,
        req: &CallRequest,
    ) -> (
        bool,
        Option<(String, String)>,
        crate::near::VmOutcome<StoreState>,
    ) {
        // Memory (64 MiB, at most 128 MiB) and tables are bounded by the prepared module and
        // the engine's pool: no per-call limiter.
        let state = HostState {
            logic,
            memory: None,
            fuel_mark: 0,
        };
        let mut store = wasmtime::Store::new(self.engine.wasmtime(), state);
        refill_fuel(&mut store);
        let ticks = req.timeout.as_nanos().div_ceil(EPOCH_TICK.as_nanos()) as u64 + 1;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        let result = (|| {
            let instance = pre.instantiate(&mut store)?;
            store.data_mut().memory = instance.get_memory(&mut store, "memory");
            let f = instance.get_typed_func::<(), ()>(&mut store, &req.method)?;
            f.call(&mut store, ())
        })();
        let error = match result {
            Ok(()) => match charge_fuel(&mut store) {
                Ok(()) => None,
                Err(e) => Some((e.kind().to_string(), e.message())),
            },
            Err(e) => Some(classify(&e, &mut store, req.timeout)),
        };
        let ok = error.is_none();
        (ok, error, store.into_data().logic.finish(ok))
    }
}

/// Names a failure as nearcore does (host errors by variant, traps as `WasmTrap`), plus
/// `Timeout` for the wall-clock limit.
fn classify(
    err: &wasmtime::Error,
    store: &mut wasmtime::Store<HostState<StoreState>>,
    timeout: Duration,
) -> (String, String) {
    if let Some(h) = err.downcast_ref::<HostError>() {
        return (h.kind().to_string(), h.message());
    }
    let Some(trap) = err.downcast_ref::<Trap>() else {
        return ("WasmTrap".into(), format!("GenericTrap: {err:#}"));
    };
    // Gas for the instructions run up to the trap.
    let _ = charge_fuel(store);
    let sub = match trap {
        Trap::OutOfFuel => {
            let e = store.data_mut().logic.gas_counter().exhaust();
            return (e.kind().to_string(), e.message());
        }
        Trap::Interrupt => {
            return (
                "Timeout".into(),
                format!("execution exceeded the {timeout:?} time limit"),
            );
        }
        Trap::UnreachableCodeReached => "Unreachable",
        Trap::MemoryOutOfBounds | Trap::HeapMisaligned => "MemoryOutOfBounds",
        Trap::TableOutOfBounds => "CallIndirectOOB",
        Trap::IndirectCallToNull => "IndirectCallToNull",
        Trap::BadSignature => "IncorrectCallIndirectSignature",
        Trap::IntegerOverflow | Trap::IntegerDivisionByZero | Trap::BadConversionToInteger => {
            "IllegalArithmetic"
        }
        Trap::StackOverflow => "StackOverflow",
        _ => "GenericTrap",
    };
    ("WasmTrap".into(), format!("{sub}: {trap}"))
}

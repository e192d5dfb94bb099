//! Runs a NEAR contract's wasm in wasmtime with the `env` host functions, the way nearcore
//! runs it, for any store data that holds a NEAR execution ([`NearView`]): direct mode's
//! data is the execution itself over the call's transaction; linux mode's is a guest task
//! whose storage is its `/near/state` 9P session. One loader, one run loop, one way of
//! naming failures for both.

use std::time::Duration;

use lru::LruCache;
use outlayer_fs::store::Store;
use outlayer_fs::AccountId;
use parking_lot::Mutex;
use wasmtime::{ExternType, InstancePre, Linker, Module, Trap};

use super::{CallError, CallRequest};
use crate::engine::{epoch_ticks, CodeHash, Engine, MODULE_CACHE_ENTRIES};
use crate::near::imports::{self, charge_fuel, refill_fuel, NearView};
use crate::near::HostError;
use crate::profile::Profile;

/// A contract ready to instantiate: its module, its code length (for the loading cost) and
/// its imports resolved (or why they cannot be: reported when a call reaches instantiation).
pub(super) struct Loaded<T: 'static> {
    module: Module,
    /// The code's length in bytes.
    pub(super) code_len: usize,
    pre: Result<InstancePre<T>, String>,
}

impl<T> Clone for Loaded<T> {
    fn clone(&self) -> Self {
        Loaded {
            module: self.module.clone(),
            code_len: self.code_len,
            pre: self.pre.clone(),
        }
    }
}

/// Runs NEAR contracts with store data `T`.
pub(super) struct ContractRunner<T: NearView> {
    linker: Linker<T>,
    /// What a call needs of a contract, so a warm call neither reads nor links the code.
    loaded: Mutex<LruCache<CodeHash, Loaded<T>>>,
}

impl<T: NearView> ContractRunner<T> {
    pub(super) fn new(engine: &Engine) -> anyhow::Result<Self> {
        let mut linker = Linker::new(engine.wasmtime(Profile::NearContract));
        imports::link(&mut linker)?;
        Ok(ContractRunner {
            linker,
            loaded: Mutex::new(LruCache::new(MODULE_CACHE_ENTRIES)),
        })
    }

    /// The contract with code `hash`, checked to export `method` as `() -> ()`; the code is
    /// read only when no cache has the module.
    pub(super) fn load(
        &self,
        engine: &Engine,
        store: &Store,
        account: &AccountId,
        hash: &CodeHash,
        method: &str,
    ) -> Result<Loaded<T>, CallError> {
        let cached = self.loaded.lock().get(hash).cloned();
        let loaded = match cached {
            Some(l) => l,
            None => {
                let code = store
                    .code(account)?
                    .ok_or_else(|| CallError::CodeDoesNotExist(account.clone()))?;
                let module = engine.load(Profile::NearContract, hash, &code)?;
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
                loaded
            }
        };
        match loaded.module.get_export(method) {
            Some(ExternType::Func(f)) if f.params().len() == 0 && f.results().len() == 0 => {
                Ok(loaded)
            }
            Some(ExternType::Func(_)) => Err(CallError::MethodInvalidSignature(method.into())),
            _ => Err(CallError::MethodNotFound(method.into())),
        }
    }

    /// Instantiates and runs `req.method` with store data `data`; returns how it ended and
    /// the data, whose execution the caller finishes.
    pub(super) fn run(
        &self,
        engine: &Engine,
        contract: &Loaded<T>,
        data: T,
        req: &CallRequest,
    ) -> (Result<(), CallError>, T) {
        let pre = match &contract.pre {
            Ok(p) => p,
            Err(msg) => return (Err(CallError::Link(msg.clone())), data),
        };
        // Memory (64 MiB, at most 128 MiB) and tables are bounded by the prepared module and
        // the engine's pool: no per-call limiter.
        let mut store = wasmtime::Store::new(engine.wasmtime(Profile::NearContract), data);
        refill_fuel(&mut store);
        store.set_epoch_deadline(epoch_ticks(req.timeout));
        store.epoch_deadline_trap();
        let result = (|| {
            let instance = pre.instantiate(&mut store)?;
            store.data_mut().near().memory = instance.get_memory(&mut store, "memory");
            let f = instance.get_typed_func::<(), ()>(&mut store, &req.method)?;
            f.call(&mut store, ())
        })();
        let result = match result {
            Ok(()) => charge_fuel(&mut store).map_err(CallError::Host),
            Err(e) => Err(classify(&e, &mut store, req.timeout)),
        };
        (result, store.into_data())
    }
}

/// Names a failure as nearcore does (host errors by variant, traps as `WasmTrap`), plus
/// `Timeout` for the wall-clock limit.
fn classify<T: NearView>(
    err: &wasmtime::Error,
    store: &mut wasmtime::Store<T>,
    timeout: Duration,
) -> CallError {
    if let Some(h) = err.downcast_ref::<HostError>() {
        return CallError::Host(h.clone());
    }
    let Some(trap) = err.downcast_ref::<Trap>() else {
        return CallError::Trap {
            kind: "GenericTrap",
            detail: format!("{err:#}"),
        };
    };
    // Gas for the instructions run up to the trap.
    let _ = charge_fuel(store);
    let kind = match trap {
        Trap::OutOfFuel => {
            return CallError::Host(store.data_mut().near().logic.gas_counter().exhaust())
        }
        Trap::Interrupt => return CallError::Timeout(timeout),
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
    CallError::Trap {
        kind,
        detail: trap.to_string(),
    }
}

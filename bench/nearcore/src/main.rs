//! Direct mode vs nearcore's own contract runtime, in one process, on the same machine.
//!
//! Measures µs per call (median over interleaved rounds) of:
//!  - floor: wasmtime instantiate + call of an empty exported function of a trivial module,
//!    on the very engine our `Executor` uses (same `wasmtime::Config`);
//!  - `counter.increment` and `ft_transfer` through our `Executor` (module from cache,
//!    instantiate, run, commit the state changes to RocksDB in a temp dir);
//!  - the same two calls through `near-vm-runner` 0.38 (wasmtime backend, mainnet runtime
//!    config of the latest protocol version, `MockedExternal` (HashMap trie), a contract
//!    cache with an in-memory cache of loaded modules, as a node runs it).
//!
//! Usage: `cargo run --release [-- --rounds R --calls N]`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, ensure, Context as _};
use near_parameters::vm::VMKind;
use near_parameters::{RuntimeConfigStore, RuntimeFeesConfig};
use near_primitives_core::types::{Balance, Gas};
use near_primitives_core::version::PROTOCOL_VERSION;
use near_vm_runner::logic::mocks::mock_external::MockedExternal;
use near_vm_runner::logic::{ReturnData, VMContext};
use near_vm_runner::{ContractCode, ContractRuntimeCache, FilesystemContractRuntimeCache};
use outlayer_fs::store::Store;
use outlayer_fs::AccountId;
use outlayer_kernel::{CallRequest, Executor};
use serde_json::json;

/// 1 PGas: our default and maximum prepaid gas; nearcore gets the same.
const PREPAID_GAS: u64 = 1_000_000_000_000_000;
/// What `storage_deposit` attaches (1.25 mNEAR).
const STORAGE_DEPOSIT: u128 = 1_250_000_000_000_000_000_000;
/// Account balance given to the contracts (1000 NEAR): irrelevant to the VM, but sane.
const BALANCE: u128 = 1_000 * 10u128.pow(24);

fn contracts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest/contracts/out")
}

fn wasm(name: &str) -> anyhow::Result<Vec<u8>> {
    let p = contracts_dir().join(format!("{name}.wasm"));
    std::fs::read(&p)
        .with_context(|| format!("{} (build it with guest/build-contracts.sh)", p.display()))
}

fn acc(s: &str) -> AccountId {
    AccountId::new(s).expect("valid account id")
}

// ---------------------------------------------------------------------------------------------
// (a) floor

/// `(module (type (func)) (func (type 0)) (export "m" (func 0)))`, hand-assembled.
const EMPTY_MODULE: &[u8] = b"\0asm\x01\0\0\0\
    \x01\x04\x01\x60\0\0\
    \x03\x02\x01\0\
    \x07\x05\x01\x01m\0\0\
    \x0a\x04\x01\x02\0\x0b";

struct Floor {
    engine: wasmtime::Engine,
    pre: wasmtime::InstancePre<()>,
}

impl Floor {
    fn new(engine: &wasmtime::Engine) -> anyhow::Result<Self> {
        let module = wasmtime::Module::new(engine, EMPTY_MODULE)?;
        let linker = wasmtime::Linker::<()>::new(engine);
        let pre = linker.instantiate_pre(&module)?;
        Ok(Floor {
            engine: engine.clone(),
            pre,
        })
    }

    fn call(&self) -> anyhow::Result<()> {
        let mut store = wasmtime::Store::new(&self.engine, ());
        // The engine meters fuel and checks epochs, as for contracts.
        store.set_fuel(u64::MAX)?;
        store.set_epoch_deadline(u64::MAX / 2);
        let instance = self.pre.instantiate(&mut store)?;
        let f = instance.get_typed_func::<(), ()>(&mut store, "m")?;
        f.call(&mut store, ())?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// (b, c) ours

struct Ours {
    _dir: tempfile::TempDir,
    exec: Executor,
    increment: CallRequest,
    get_count: CallRequest,
    ft_transfer: CallRequest,
}

impl Ours {
    fn new() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let store = Arc::new(Store::open(&dir.path().join("db"))?);
        let exec = Executor::new(store, &dir.path().join("cache"))?;
        exec.deploy(&acc("counter.near"), &wasm("counter")?)?;
        exec.deploy(&acc("ft.near"), &wasm("fungible_token")?)?;
        let call = |req: CallRequest| -> anyhow::Result<()> {
            let o = exec.call(&req);
            ensure!(o.is_success(), "ours: {} failed: {o:?}", req.method);
            Ok(())
        };
        call(req(
            "ft.near",
            "new_default_meta",
            json!({"owner_id": "ft.near", "total_supply": "1000000000000000"}),
            0,
        ))?;
        call(req(
            "ft.near",
            "storage_deposit",
            json!({"account_id": "bob.near"}),
            STORAGE_DEPOSIT,
        ))?;
        let increment = req("counter.near", "increment", json!({}), 0);
        let get_count = req("counter.near", "get_count", json!({}), 0);
        let ft_transfer = req(
            "ft.near",
            "ft_transfer",
            json!({"receiver_id": "bob.near", "amount": "1"}),
            1,
        );
        Ok(Ours {
            _dir: dir,
            exec,
            increment,
            get_count,
            ft_transfer,
        })
    }

    fn call(&self, req: &CallRequest) -> anyhow::Result<()> {
        let o = self.exec.call(req);
        ensure!(o.is_success(), "ours: {} failed: {o:?}", req.method);
        Ok(())
    }
}

fn req(account: &str, method: &str, args: serde_json::Value, deposit: u128) -> CallRequest {
    let mut r = CallRequest::new(
        acc(account),
        method,
        serde_json::to_vec(&args).expect("json"),
    );
    r.deposit = deposit;
    r.gas = PREPAID_GAS;
    r.account_balance = BALANCE;
    r
}

// ---------------------------------------------------------------------------------------------
// (d) nearcore

/// One contract account in nearcore's runtime: its state (`MockedExternal`, which also serves
/// the code) and the contexts of the calls we make.
struct NearAccount {
    ext: MockedExternal,
    account: String,
}

struct Nearcore {
    _dir: tempfile::TempDir,
    config: Arc<near_parameters::vm::Config>,
    fees: Arc<RuntimeFeesConfig>,
    cache: FilesystemContractRuntimeCache,
    counter: NearAccount,
    ft: NearAccount,
    increment: VMContext,
    ft_transfer: VMContext,
}

const NEAR_CALLS: [&str; 2] = ["increment", "get_count"];

fn near_context(account: &str, args: serde_json::Value, deposit: u128) -> VMContext {
    let id: near_primitives_core::types::AccountId = account.parse().expect("account id");
    let input = serde_json::to_vec(&args).expect("json");
    VMContext {
        current_account_id: id.clone(),
        signer_account_id: id.clone(),
        // borsh `PublicKey::ED25519` of zeros, as ours.
        signer_account_pk: vec![0; 33],
        predecessor_account_id: id.clone(),
        refund_to_account_id: id,
        input: std::rc::Rc::from(input),
        promise_results: Vec::new().into(),
        block_height: 1,
        block_timestamp: 1_700_000_000_000_000_000,
        epoch_height: 1,
        account_balance: Balance::from_yoctonear(BALANCE),
        account_locked_balance: Balance::ZERO,
        storage_usage: 100_000,
        account_contract: near_primitives_core::account::AccountContract::None,
        attached_deposit: Balance::from_yoctonear(deposit),
        prepaid_gas: Gas::from_gas(PREPAID_GAS),
        random_seed: vec![7; 32],
        view_config: None,
        output_data_receivers: vec![],
    }
}

impl Nearcore {
    fn new() -> anyhow::Result<Self> {
        let store = RuntimeConfigStore::new(None);
        let runtime_config = store.get_config(PROTOCOL_VERSION);
        let mut config = near_parameters::vm::Config::clone(&runtime_config.wasm_config);
        config.vm_kind = VMKind::Wasmtime;
        let config = Arc::new(config);
        let fees = runtime_config.fees.clone();
        let dir = tempfile::tempdir()?;
        // nearcore's node cache: compiled artifacts on disk plus an in-memory LRU of loaded
        // modules (what a warm call hits), as the node configures it (256 expected items).
        let cache = FilesystemContractRuntimeCache::with_memory_cache(
            dir.path(),
            None::<&str>,
            "contract.cache",
            256,
            None,
            FilesystemContractRuntimeCache::MAX_DISK_CACHE_BYTES,
            near_vm_runner::noop_background_spawner(),
        )?;
        let account = |name: &str, code: Vec<u8>| NearAccount {
            ext: MockedExternal::with_code(ContractCode::new(code, None)),
            account: name.to_string(),
        };
        let mut n = Nearcore {
            _dir: dir,
            config,
            fees,
            cache,
            counter: account("counter.near", wasm("counter")?),
            ft: account("ft.near", wasm("fungible_token")?),
            increment: near_context("counter.near", json!({}), 0),
            ft_transfer: near_context(
                "ft.near",
                json!({"receiver_id": "bob.near", "amount": "1"}),
                1,
            ),
        };
        let init = near_context(
            "ft.near",
            json!({"owner_id": "ft.near", "total_supply": "1000000000000000"}),
            0,
        );
        n.run(false, "new_default_meta", &init)?;
        let deposit = near_context(
            "ft.near",
            json!({"account_id": "bob.near"}),
            STORAGE_DEPOSIT,
        );
        n.run(false, "storage_deposit", &deposit)?;
        Ok(n)
    }

    /// One call: prepare (module from the cache) + run, as nearcore's runtime does for a
    /// function-call action.
    fn run(&mut self, counter: bool, method: &str, ctx: &VMContext) -> anyhow::Result<ReturnData> {
        let acct = if counter {
            &mut self.counter
        } else {
            &mut self.ft
        };
        debug_assert_eq!(ctx.current_account_id.as_str(), acct.account);
        let gas_counter = ctx.make_gas_counter(&self.config);
        let cache: &dyn ContractRuntimeCache = &self.cache;
        let prepared = near_vm_runner::prepare(
            &acct.ext,
            self.config.clone(),
            Some(cache),
            gas_counter,
            method,
        );
        let outcome = near_vm_runner::run(prepared, &mut acct.ext, ctx, self.fees.clone())
            .map_err(|e| anyhow::anyhow!("nearcore: {method}: runner error {e:?}"))?;
        if let Some(e) = outcome.aborted {
            bail!("nearcore: {method} aborted: {e:?} (logs {:?})", outcome.logs);
        }
        Ok(outcome.return_data)
    }

    fn increment(&mut self) -> anyhow::Result<ReturnData> {
        let ctx = self.increment.clone();
        self.run(true, NEAR_CALLS[0], &ctx)
    }

    /// `get_count` as a change call (same context as `increment`): writes nothing.
    fn get_count(&mut self) -> anyhow::Result<ReturnData> {
        let ctx = self.increment.clone();
        self.run(true, NEAR_CALLS[1], &ctx)
    }

    fn ft_transfer(&mut self) -> anyhow::Result<ReturnData> {
        let ctx = self.ft_transfer.clone();
        self.run(false, "ft_transfer", &ctx)
    }
}

// ---------------------------------------------------------------------------------------------

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().expect("a number"))
        .unwrap_or(default)
}

/// µs per call of `n` calls of `f`.
fn time(n: usize, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let t = Instant::now();
    for _ in 0..n {
        f()?;
    }
    Ok(t.elapsed().as_secs_f64() * 1e6 / n as f64)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn main() -> anyhow::Result<()> {
    let rounds = arg("--rounds", 7);
    let calls = arg("--calls", 1_000);

    let ours = Ours::new()?;
    let floor = Floor::new(ours.exec.engine().wasmtime(outlayer_kernel::Profile::NearContract))?;
    let mut near = Nearcore::new()?;

    // Sanity: both runtimes return what the contract returns.
    let o = ours.exec.call(&ours.increment);
    eprintln!(
        "ours increment -> {:?}, logs {:?}",
        o.result, o.logs
    );
    let r = near.increment()?;
    eprintln!(
        "nearcore increment -> {:?}",
        match r {
            ReturnData::Value(v) => String::from_utf8_lossy(&v).into_owned(),
            other => format!("{other:?}"),
        }
    );

    // Warm-up (compiled modules in memory, pages touched, allocator warm).
    floor.call()?;
    for _ in 0..100 {
        ours.call(&ours.increment)?;
        ours.call(&ours.ft_transfer)?;
        near.increment()?;
        near.ft_transfer()?;
    }

    // `--only W --calls N`: run one workload N times and stop (for `perf record`).
    if let Some(which) = std::env::args().skip_while(|a| a != "--only").nth(1) {
        let us = match which.as_str() {
            "floor" => time(calls, || floor.call())?,
            "ours-inc" => time(calls, || ours.call(&ours.increment))?,
            "ours-ft" => time(calls, || ours.call(&ours.ft_transfer))?,
            "ours-get" => time(calls, || ours.call(&ours.get_count))?,
            "near-inc" => time(calls, || near.increment().map(drop))?,
            "near-ft" => time(calls, || near.ft_transfer().map(drop))?,
            "near-get" => time(calls, || near.get_count().map(drop))?,
            other => bail!("--only: unknown workload {other}"),
        };
        println!("{which}: {us:.2} µs per call");
        return Ok(());
    }

    const N: usize = 7;
    let mut samples: [Vec<f64>; N] = Default::default();
    for round in 0..rounds {
        // Interleaved: every round measures everything, in a rotating order.
        for k in 0..N {
            let which = (k + round) % N;
            let us = match which {
                0 => time(calls * 10, || floor.call())?,
                1 => time(calls, || ours.call(&ours.increment))?,
                2 => time(calls, || ours.call(&ours.ft_transfer))?,
                3 => time(calls, || near.increment().map(drop))?,
                4 => time(calls, || near.ft_transfer().map(drop))?,
                5 => time(calls, || ours.call(&ours.get_count))?,
                _ => time(calls, || near.get_count().map(drop))?,
            };
            samples[which].push(us);
        }
        eprintln!(
            "round {round}: floor {:.1}  ours inc {:.1} ft {:.1} get {:.1}  \
             nearcore inc {:.1} ft {:.1} get {:.1}",
            samples[0][round], samples[1][round], samples[2][round], samples[5][round],
            samples[3][round], samples[4][round], samples[6][round]
        );
    }
    let [floor_us, ours_inc, ours_ft, near_inc, near_ft, ours_get, near_get] =
        samples.map(|mut s| median(&mut s));

    println!(
        "\n{rounds} rounds × {calls} calls (floor: × {}), median µs per call\n",
        calls * 10
    );
    println!("| call | ours µs | nearcore µs | floor µs | ours/nearcore | ours/floor |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, o, n) in [
        ("counter.increment", ours_inc, near_inc),
        ("ft_transfer", ours_ft, near_ft),
        ("counter.get_count (change call, writes nothing: no commit)", ours_get, near_get),
    ] {
        println!(
            "| {name} | {o:.1} | {n:.1} | {floor_us:.2} | {:.2} | {:.1} |",
            o / n,
            o / floor_us
        );
    }
    println!(
        "\ntarget: ours/nearcore ≤ 0.80 — increment {}, ft_transfer {}",
        if ours_inc / near_inc <= 0.8 { "met" } else { "NOT met" },
        if ours_ft / near_ft <= 0.8 { "met" } else { "NOT met" },
    );
    Ok(())
}

//! Direct and linux mode agree byte for byte: every step of every scenario runs in both
//! modes, each on its own store holding the same state, and the outcomes (status, result,
//! logs, gas burnt and used, receipts, error kind and message) and the resulting state
//! (every key, value, and the metadata the calls wrote) must be the same. Real near-sdk
//! contracts (guest/contracts), real wasmtime, real RocksDB, and in linux mode a real 9P
//! session per call.

use std::sync::Arc;

use outlayer_fs::store::Store;
use outlayer_fs::AccountId;
use outlayer_kernel::near::TGAS;
use outlayer_kernel::{CallRequest, Executor, Mode, Outcome};
use proptest::prelude::*;
use serde_json::{json, Value};

#[path = "../../tests/src/contracts.rs"]
#[allow(unreachable_pub, dead_code)]
mod contracts;

fn acc(s: &str) -> AccountId {
    AccountId::new(s).expect("account id")
}

/// A key as the comparison sees it: account, key, value, mtime, ctime, mode.
type KeyState = (String, Vec<u8>, Vec<u8>, u64, u64, u32);

/// One store and its executor.
struct Side {
    _dir: tempfile::TempDir,
    store: Arc<Store>,
    exec: Executor,
}

impl Side {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(Store::open(&dir.path().join("db")).expect("open store"));
        let exec = Executor::new(store.clone(), &dir.path().join("cache")).expect("executor");
        Side {
            _dir: dir,
            store,
            exec,
        }
    }

    /// Every key of every account with its value and what a call decides of its metadata
    /// (times and mode; inode numbers are each store's own).
    fn state(&self) -> Vec<KeyState> {
        let mut accounts = Vec::new();
        self.store
            .scan_accounts(b"", |a, _| {
                accounts.push(acc(&String::from_utf8_lossy(a)));
                true
            })
            .expect("accounts");
        let mut out = Vec::new();
        for account in accounts {
            let mut keys = Vec::new();
            self.store
                .scan_keys(&account, b"", b"", |k, m| {
                    keys.push((k.to_vec(), m));
                    true
                })
                .expect("scan");
            for (k, m) in keys {
                let v = self.store.get(&account, &k).expect("get").expect("value");
                let a = account.as_str().to_string();
                out.push((a, k, v, m.mtime_ns, m.ctime_ns, m.mode));
            }
        }
        out
    }
}

/// The same contracts deployed on two stores: `direct` runs every call in direct mode,
/// `linux` in linux mode.
struct Pair {
    direct: Side,
    linux: Side,
}

/// An outcome as JSON, without the field that must differ.
fn comparable(o: &Outcome) -> serde_json::Map<String, Value> {
    let mut v = match serde_json::to_value(o).expect("json") {
        Value::Object(m) => m,
        other => panic!("outcome is not an object: {other}"),
    };
    v.remove("mode");
    v
}

impl Pair {
    fn new(contracts: &[(&str, &str)]) -> Self {
        let pair = Pair {
            direct: Side::new(),
            linux: Side::new(),
        };
        for (account, name) in contracts {
            let code = std::fs::read(contracts::contract_path(name)).expect("contract");
            for side in [&pair.direct, &pair.linux] {
                side.exec.deploy(&acc(account), &code).expect("deploy");
            }
        }
        pair
    }

    /// Runs `req` in both modes and asserts that they agree; returns the direct outcome.
    fn step(&self, req: &CallRequest) -> Outcome {
        let run = |side: &Side, mode| {
            let mut r = req.clone();
            r.mode = mode;
            side.exec.call(&r)
        };
        let (d, l) = (
            run(&self.direct, Some(Mode::Direct)),
            run(&self.linux, Some(Mode::Linux)),
        );
        assert_eq!(d.mode, Mode::Direct);
        assert_eq!(l.mode, Mode::Linux);
        let (dj, lj) = (comparable(&d), comparable(&l));
        for key in dj.keys().chain(lj.keys()) {
            assert_eq!(
                dj.get(key),
                lj.get(key),
                "{key} differs for {}({})",
                req.method,
                String::from_utf8_lossy(&req.args)
            );
        }
        assert_eq!(
            self.direct.state(),
            self.linux.state(),
            "state differs after {}",
            req.method
        );
        d
    }

    fn call(&self, account: &str, method: &str, args: Value) -> Outcome {
        self.step(&request(account, method, args))
    }
}

fn request(account: &str, method: &str, args: Value) -> CallRequest {
    let mut r = CallRequest::new(
        acc(account),
        method,
        serde_json::to_vec(&args).expect("json"),
    );
    // One timestamp for both modes (the default is the host's clock).
    r.block_timestamp_ns = 1_700_000_000_000_000_000;
    r
}

#[test]
fn counter_every_method_agrees() {
    let p = Pair::new(&[("counter.near", "counter")]);
    assert!(p.call("counter.near", "increment", json!({})).is_success());
    p.call("counter.near", "increment_by", json!({"amount": 41}));
    p.call("counter.near", "decrement", json!({}));
    p.call("counter.near", "is_even", json!({}));
    p.call("counter.near", "get_info", json!({}));
    p.call("counter.near", "set_count", json!({"count": 7}));
    let view = p.step(&request("counter.near", "get_count", json!({})).into_view());
    assert_eq!(view.result, Some(json!(7)));
    // A change method in a view: ProhibitedInView, in both, with the same gas.
    let prohibited = p.step(&request("counter.near", "increment", json!({})).into_view());
    assert_eq!(
        prohibited.error_kind(),
        Some("ProhibitedInView"),
        "{prohibited:?}"
    );
    // Panics: the contract's own message, nothing written.
    p.call("counter.near", "reset", json!({}));
    let under = p.call("counter.near", "decrement", json!({}));
    assert_eq!(under.error_kind(), Some("GuestPanic"), "{under:?}");
    p.call("counter.near", "increment_by", json!({"amount": "x"}));
    p.call("counter.near", "no_such_method", json!({}));
    p.call("counter.near", "", json!({}));
    p.call("missing.near", "increment", json!({}));
    // Gas: too little for the contract's loading, and too little to finish.
    let mut r = request("counter.near", "increment", json!({}));
    r.gas = 1;
    p.step(&r);
    r.gas = TGAS / 10; // increment burns 0.28 TGas
    let short = p.step(&r);
    assert_eq!(short.error_kind(), Some("GasExceeded"), "{short:?}");
    // Linux mode ran the calls as tasks, the host functions as numbered syscalls
    // (storage_write is 400); direct mode never touched the kernel.
    let stats = p.linux.exec.kernel().stats();
    assert!(
        stats.tasks_started >= 10 && stats.tasks_running == 0,
        "{stats:?}"
    );
    let write = stats.syscalls.iter().find(|c| c.nr == 400);
    assert!(
        write.is_some_and(|c| c.name == "storage_write" && c.count >= 5),
        "{stats:?}"
    );
    assert_eq!(p.direct.exec.kernel().stats().tasks_started, 0);
}

#[test]
fn status_message_agrees() {
    let p = Pair::new(&[("status.near", "status_message")]);
    p.call("status.near", "new", json!({}));
    for (who, msg) in [
        ("alice.near", "hello"),
        ("bob.near", "ünïcödé ✓"),
        ("alice.near", ""),
    ] {
        let mut r = request("status.near", "set_status", json!({"message": msg}));
        r.predecessor = acc(who);
        r.signer = acc(who);
        assert!(p.step(&r).is_success());
    }
    let get = request(
        "status.near",
        "get_status",
        json!({"account_id": "bob.near"}),
    );
    assert_eq!(p.step(&get.into_view()).result, Some(json!("ünïcödé ✓")));
    let mut r = request("status.near", "clear_status", json!({}));
    r.predecessor = acc("alice.near");
    assert_eq!(p.step(&r).result, Some(json!(true)));
}

#[test]
fn fungible_token_agrees_with_deposits_and_promises() {
    let p = Pair::new(&[("ft.near", "fungible_token")]);
    let init = json!({"owner_id": "ft.near", "total_supply": "1000000"});
    assert!(p.call("ft.near", "new_default_meta", init).is_success());
    let mut r = request(
        "ft.near",
        "storage_deposit",
        json!({"account_id": "bob.near"}),
    );
    r.deposit = 1_250_000_000_000_000_000_000;
    assert!(p.step(&r).is_success());
    // Without the one yoctoNEAR: the standard's panic.
    let args = json!({"receiver_id": "bob.near", "amount": "100"});
    p.call("ft.near", "ft_transfer", args.clone());
    let mut r = request("ft.near", "ft_transfer", args);
    r.deposit = 1;
    assert!(p.step(&r).is_success());
    // A cross-contract call: receipts must agree too.
    let args = json!({"receiver_id": "bob.near", "amount": "10", "msg": "hi"});
    let mut r = request("ft.near", "ft_transfer_call", args);
    r.deposit = 1;
    let o = p.step(&r);
    assert!(!o.receipts.is_empty(), "{o:?}");
    let balance = request(
        "ft.near",
        "ft_balance_of",
        json!({"account_id": "bob.near"}),
    );
    // No receiver contract answers here, so nothing is refunded: 100 + 10.
    assert_eq!(p.step(&balance.into_view()).result, Some(json!("110")));
    p.step(&request("ft.near", "ft_metadata", json!({})).into_view());
}

#[test]
fn probe_limits_agree() {
    let p = Pair::new(&[("probe.near", "probe")]);
    // Many keys with values of every size the 9P session cuts differently.
    p.call("probe.near", "fill", json!({"n": 20, "len": 3000}));
    p.call("probe.near", "logs", json!({"n": 3}));
    p.call("probe.near", "digests", json!({"data": "abc"}));
    let mut spin = request("probe.near", "spin", json!({}));
    spin.gas = 20 * TGAS;
    let o = p.step(&spin);
    assert_eq!(o.error_kind(), Some("GasExceeded"), "{o:?}");
}

/// One random call on one of the three contracts.
fn any_call() -> impl Strategy<Value = CallRequest> {
    let who = prop::sample::select(vec!["alice.near", "bob.near", "ft.near", "counter.near"]);
    let counter = (
        prop::sample::select(vec![
            "increment",
            "decrement",
            "increment_by",
            "reset",
            "set_count",
            "get_count",
            "is_zero",
        ]),
        any::<u8>(),
    )
        .prop_map(|(m, n)| ("counter.near", m, json!({"amount": n, "count": n})));
    let status = (
        prop::sample::select(vec!["set_status", "clear_status", "get_status"]),
        "[a-z ]{0,12}",
        who.clone(),
    )
        .prop_map(|(m, msg, w)| ("status.near", m, json!({"message": msg, "account_id": w})));
    let ft = (
        prop::sample::select(vec!["ft_transfer", "storage_deposit", "ft_balance_of"]),
        who.clone(),
        0u32..2_000,
    )
        .prop_map(|(m, w, n)| {
            let args = json!({"receiver_id": w, "account_id": w, "amount": n.to_string()});
            ("ft.near", m, args)
        });
    (
        prop_oneof![counter, status, ft],
        who.clone(),
        prop::sample::select(vec![0u128, 1, 1_250_000_000_000_000_000_000]),
        any::<bool>(),
    )
        .prop_map(|((account, method, args), signer, deposit, view)| {
            let mut r = request(account, method, args);
            r.signer = acc(signer);
            r.predecessor = acc(signer);
            r.deposit = deposit;
            if view {
                r = r.into_view();
            }
            r
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// Random call sequences (methods, arguments, signers, deposits, views) agree step by
    /// step.
    #[test]
    fn random_call_sequences_agree(calls in prop::collection::vec(any_call(), 1..25)) {
        let p = Pair::new(&[
            ("counter.near", "counter"),
            ("status.near", "status_message"),
            ("ft.near", "fungible_token"),
        ]);
        p.call("status.near", "new", json!({}));
        p.call("ft.near", "new_default_meta", json!({"owner_id": "ft.near", "total_supply": "5000"}));
        for r in &calls {
            p.step(r);
        }
    }
}

/// A linux-mode call's storage flush puts its writes into the call's transaction, each
/// clunk answered, while the 9P session is still open: they are not left to the session's
/// end, where a failure would go unreported and the call commit without them.
#[test]
fn flushed_writes_are_in_the_transaction_before_the_session_ends() {
    use outlayer_fs::store::SharedTxn;
    use outlayer_kernel::near::External;

    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(Store::open(&dir.path().join("db")).expect("store"));
    let exec = Executor::new(store.clone(), &dir.path().join("cache")).expect("executor");
    let account = acc("flush.near");
    let mut t = store.begin(&account).expect("begin");
    t.create_account().expect("account");
    t.put(b"a", b"1".to_vec()).expect("put");
    t.commit().expect("commit");

    let txn = SharedTxn::new(store.begin_shared(&account).expect("begin"));
    let kernel = exec.kernel();
    let mut ext = kernel
        .contract_state(store.clone(), txn.clone(), 1)
        .expect("state");
    assert_eq!(ext.storage_get(b"a").expect("get"), Some(b"1".to_vec()));
    assert_eq!(
        ext.storage_set(b"a", b"2").expect("set"),
        Some(b"1".to_vec())
    );
    assert_eq!(ext.storage_set(b"new", b"x").expect("set"), None);
    ext.flush().expect("flush");
    {
        let t = txn.lock().expect("txn");
        assert_eq!(t.get(b"a").expect("get"), Some(b"2".to_vec()));
        assert_eq!(t.get(b"new").expect("get"), Some(b"x".to_vec()));
    }
    drop(ext);
}

//! WASI programs deployed as contracts (`Executor::deploy` of a `wasm32-wasip1` command,
//! `Executor::call` with the program convention): the example programs of `guest/programs`
//! called through the executor, in the call's one transaction, with their failure paths.

mod linux_support;

use std::sync::Arc;

use linux_support::program;
use outlayer_fs::store::{CodeKind, Store};
use outlayer_fs::AccountId;
use outlayer_kernel::near::TGAS;
use outlayer_kernel::{CallRequest, Executor, Mode, Outcome};

struct Env {
    _dir: tempfile::TempDir,
    store: Arc<Store>,
    exec: Executor,
}

fn env() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(Store::open(&dir.path().join("db")).expect("store"));
    let exec = Executor::new(store.clone(), &dir.path().join("cache")).expect("executor");
    Env {
        _dir: dir,
        store,
        exec,
    }
}

fn acc(s: &str) -> AccountId {
    AccountId::new(s).expect("account id")
}

impl Env {
    fn deploy(&self, account: &str, name: &str) {
        let kind = self.exec.deploy(&acc(account), &program(name));
        assert_eq!(kind.expect("deploy"), CodeKind::WasiProgram, "{name}");
    }

    fn req(&self, account: &str, method: &str, args: &str) -> CallRequest {
        let mut r = CallRequest::new(acc(account), method, args.as_bytes().to_vec());
        r.block_timestamp_ns = 1_700_000_000_000_000_000;
        r
    }

    fn call(&self, account: &str, method: &str, args: &str) -> Outcome {
        self.exec.call(&self.req(account, method, args))
    }

    fn key(&self, account: &str, key: &[u8]) -> Option<Vec<u8>> {
        self.store.get(&acc(account), key).expect("get")
    }
}

/// The three counters answer the same, whatever they are written with, and commit
/// `count` only when they succeed.
#[test]
fn the_example_counters_are_contracts() {
    let e = env();
    for name in ["counter_syscall", "counter_files", "counter_std"] {
        let account = format!("{}.near", name.replace('_', "-"));
        e.deploy(&account, name);
        let o = e.call(&account, "increment", "");
        assert!(o.is_success(), "{name}: {o:?}");
        assert_eq!(o.mode, Mode::Linux);
        assert_eq!(o.return_value, b"1\n", "{name}");
        assert_eq!(o.logs, ["count = 1"], "{name}");
        assert!(o.gas_burnt > 0);
        assert_eq!(e.call(&account, "increment", "").return_value, b"2\n");
        assert_eq!(e.key(&account, b"count"), Some(b"2".to_vec()), "{name}");
        // A view reads; a change in a view is refused and commits nothing.
        let view = e.exec.call(&e.req(&account, "get_count", "").into_view());
        assert_eq!(view.return_value, b"2\n", "{name}: {view:?}");
        let refused = e.exec.call(&e.req(&account, "increment", "").into_view());
        assert_eq!(
            refused.error_kind(),
            Some("ProhibitedInView"),
            "{name}: {refused:?}"
        );
        // An unknown method exits 2: nothing committed, stderr kept as logs.
        let unknown = e.call(&account, "nope", "");
        assert_eq!(
            unknown.error_kind(),
            Some("NonZeroExit"),
            "{name}: {unknown:?}"
        );
        assert!(!unknown.logs.is_empty(), "{name}");
        // Direct mode refuses a program, with a clear error.
        let mut direct = e.req(&account, "increment", "");
        direct.mode = Some(Mode::Direct);
        let o = e.exec.call(&direct);
        assert_eq!(o.error_kind(), Some("WrongMode"), "{o:?}");
        assert!(o
            .error
            .as_ref()
            .is_some_and(|x| x.message.contains("--mode linux")));
        assert_eq!(e.key(&account, b"count"), Some(b"2".to_vec()), "{name}");
    }
}

/// Arguments on stdin and the context in `NEAR_*` variables.
#[test]
fn arguments_and_context_reach_the_program() {
    let e = env();
    e.deploy("std.near", "counter_std");
    let o = e.call("std.near", "add", r#"{"amount": "40"}"#);
    assert!(o.is_success(), "{o:?}");
    assert_eq!(o.return_value, b"40\n");
    let mut r = e.req("std.near", "whoami", "");
    r.signer = acc("alice.near");
    r.predecessor = acc("bob.near");
    r.deposit = 7;
    r.block_height = 99;
    let o = e.exec.call(&r);
    assert!(o.is_success(), "{o:?}");
    let who: serde_json::Value = serde_json::from_slice(&o.return_value).expect("json");
    assert_eq!(who["NEAR_CURRENT_ACCOUNT_ID"], "std.near", "{who}");
    assert_eq!(who["NEAR_SIGNER_ACCOUNT_ID"], "alice.near");
    assert_eq!(who["NEAR_PREDECESSOR_ACCOUNT_ID"], "bob.near");
    assert_eq!(who["NEAR_ATTACHED_DEPOSIT"], "7");
    assert_eq!(who["NEAR_BLOCK_HEIGHT"], "99");
    assert_eq!(who["NEAR_METHOD"], "whoami");
    assert_eq!(who["NEAR_IS_VIEW"], "0");
    assert_eq!(who["NEAR_EXECUTION_MODE"], "linux");
}

/// A legacy tool, unchanged: `put` stores records, `report` lists them.
#[test]
fn a_legacy_tool_runs_unchanged_as_a_contract() {
    let e = env();
    e.deploy("kv.near", "kvreport");
    let put = e.call("kv.near", "put", "apple=red\npear=green\n");
    assert!(put.is_success(), "{put:?}");
    assert_eq!(e.key("kv.near", b"pear"), Some(b"green".to_vec()));
    let report = e.exec.call(&e.req("kv.near", "report", "").into_view());
    let text = String::from_utf8_lossy(&report.return_value).into_owned();
    assert!(
        text.contains("apple,3,red") && text.contains("pear,5,green"),
        "{text}"
    );
}

/// Traps, gas and time end a program's call with their error.
#[test]
fn traps_gas_and_time_are_the_calls_errors() {
    let e = env();
    e.deploy("probe.near", "probe");
    let trap = e.req("probe.near", "trap", "");
    assert_eq!(e.exec.call(&trap).error_kind(), Some("WasmTrap"));
    let mut gas = e.req("probe.near", "spin", "");
    gas.gas = TGAS;
    assert_eq!(e.exec.call(&gas).error_kind(), Some("GasExceeded"));
    let mut slow = e.req("probe.near", "spin", "");
    slow.timeout = std::time::Duration::from_millis(1);
    assert_eq!(e.exec.call(&slow).error_kind(), Some("Timeout"));
}

/// A promise a program makes through `near_promise_create` is a receipt of its outcome,
/// with its gas in `gas_used`, as a contract's would be; a view cannot make one.
#[test]
fn a_programs_promises_are_receipts_of_its_outcome() {
    let e = env();
    e.deploy("notifier.near", "counter_syscall");
    let o = e.call("notifier.near", "notify", "watcher.near\n");
    assert!(o.is_success(), "{o:?}");
    assert_eq!(o.return_value, b"1\n");
    let receipts = serde_json::to_value(&o.receipts).expect("json");
    assert_eq!(receipts.as_array().map(Vec::len), Some(1), "{receipts}");
    let r = &receipts[0];
    assert_eq!(r["receiver_id"], "watcher.near", "{r}");
    let call = &r["actions"][0];
    assert_eq!(call["type"], "FunctionCall", "{r}");
    assert_eq!(call["method_name"], "on_count");
    assert_eq!(call["args"], serde_json::json!({"count": 1}));
    assert_eq!(call["gas"], 5 * TGAS);
    assert!(o.gas_used >= o.gas_burnt + 5 * TGAS, "{o:?}");
    assert_eq!(e.key("notifier.near", b"count"), Some(b"1".to_vec()));

    // A failing program's promises go nowhere; a view's are refused.
    let view = e
        .exec
        .call(&e.req("notifier.near", "notify", "watcher.near").into_view());
    assert!(!view.is_success(), "{view:?}");
    assert!(view.receipts.is_empty(), "{view:?}");
    assert_eq!(e.key("notifier.near", b"count"), Some(b"1".to_vec()));
}

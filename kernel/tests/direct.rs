//! End-to-end tests of direct mode: real near-sdk contracts (guest/contracts, built by
//! guest/build-contracts.sh on first use), real wasmtime, real RocksDB.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use outlayer_fs::store::Store;
use outlayer_fs::AccountId;
use outlayer_kernel::near::TGAS;
use outlayer_kernel::{CallRequest, CompileError, DeployError, Executor, Outcome};
use serde_json::{json, Value};

// The workspace's one contract fixture, included rather than taken from `outlayer-tests`,
// which depends on this crate through `outlayerd` (why: tests/src/lib.rs).
#[path = "../../tests/src/contracts.rs"]
#[allow(unreachable_pub)] // its items are `pub` for outlayer-tests, which exports them
mod contracts;

fn wasm(name: &str) -> Vec<u8> {
    let p = contracts::contract_path(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

struct Env {
    dir: tempfile::TempDir,
    store: Arc<Store>,
    exec: Executor,
}

fn env() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(Store::open(&dir.path().join("db")).expect("open store"));
    let exec = Executor::new(store.clone(), &dir.path().join("cache")).expect("executor");
    Env { dir, store, exec }
}

fn acc(s: &str) -> AccountId {
    AccountId::new(s).expect("account id")
}

impl Env {
    fn deploy(&self, account: &str, name: &str) {
        self.exec
            .deploy(&acc(account), &wasm(name))
            .expect("deploy");
    }

    fn req(&self, account: &str, method: &str, args: Value) -> CallRequest {
        CallRequest::new(
            acc(account),
            method,
            serde_json::to_vec(&args).expect("json"),
        )
    }

    fn call(&self, account: &str, method: &str, args: Value) -> Outcome {
        self.exec.call(&self.req(account, method, args))
    }

    fn view(&self, account: &str, method: &str, args: Value) -> Outcome {
        self.exec.call(&self.req(account, method, args).into_view())
    }

    fn ok(&self, account: &str, method: &str, args: Value) -> Value {
        let o = self.call(account, method, args);
        assert!(o.is_success(), "{method} failed: {o:?}");
        o.result.unwrap_or(Value::Null)
    }
}

#[test]
fn counter_every_method() {
    let e = env();
    e.deploy("counter.near", "counter");
    assert_eq!(
        e.ok("counter.near", "new", json!({"count": 5})),
        Value::Null
    );
    let o = e.call("counter.near", "increment", json!({}));
    assert_eq!(
        (o.result.clone(), o.logs.clone()),
        (Some(json!(6)), vec!["count = 6".into()])
    );
    assert!(o.gas_burnt > 0);
    assert_eq!(
        e.ok("counter.near", "increment_by", json!({"amount": 10})),
        json!(16)
    );
    assert_eq!(e.ok("counter.near", "decrement", json!({})), json!(15));
    assert_eq!(e.ok("counter.near", "is_even", json!({})), json!(false));
    assert_eq!(e.ok("counter.near", "is_zero", json!({})), json!(false));
    e.ok("counter.near", "set_count", json!({"count": 4}));
    assert_eq!(e.ok("counter.near", "get_count", json!({})), json!(4));
    assert_eq!(e.ok("counter.near", "is_even", json!({})), json!(true));
    e.ok("counter.near", "reset", json!({}));
    assert_eq!(e.ok("counter.near", "is_zero", json!({})), json!(true));
    let mut r = e.req("counter.near", "get_info", json!({}));
    r.signer = acc("alice.near");
    let info = e.exec.call(&r).result.expect("info");
    assert_eq!(
        info,
        json!({"count": 0, "is_zero": true, "is_even": true, "contract": "counter.near",
               "signer": "alice.near"})
    );
    // The state is the `STATE` key near-sdk writes: borsh u64.
    let state = e.store.get(&acc("counter.near"), b"STATE").expect("get");
    assert_eq!(state, Some(0u64.to_le_bytes().to_vec()));
}

/// What a call writes carries its block's time, not the host's.
#[test]
fn written_keys_carry_the_block_timestamp() {
    let e = env();
    e.deploy("counter.near", "counter");
    let mut req = e.req("counter.near", "increment", json!({}));
    req.block_timestamp_ns = 1_234_567_890;
    assert!(e.exec.call(&req).is_success());
    let mut times = Vec::new();
    e.store
        .scan_keys(&acc("counter.near"), b"", b"", |_, m| {
            times.push((m.mtime_ns, m.ctime_ns));
            true
        })
        .expect("scan");
    assert_eq!(times, [(1_234_567_890, 1_234_567_890)]);
}

#[test]
fn outcome_json_has_the_cli_shape() {
    let e = env();
    e.deploy("counter.near", "counter");
    let o = e.call("counter.near", "increment", json!({}));
    let v = serde_json::to_value(&o).expect("json");
    let keys: Vec<_> = v.as_object().expect("object").keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "gas_burnt",
            "logs",
            "mode",
            "result",
            "result_base64",
            "status"
        ]
    );
    assert_eq!(v["mode"], "direct");
    assert_eq!(v["status"], "success");
    assert_eq!(
        v["result_base64"],
        base64::engine::general_purpose::STANDARD.encode("1")
    );
    let f = e.call("counter.near", "nope", json!({}));
    let v = serde_json::to_value(&f).expect("json");
    assert_eq!(v["status"], "failure");
    assert_eq!(v["error"]["kind"], "MethodNotFound");
    assert_eq!(f.exit_code(), 1);
}

#[test]
fn view_of_a_change_method_is_prohibited_and_changes_nothing() {
    let e = env();
    e.deploy("counter.near", "counter");
    e.ok("counter.near", "set_count", json!({"count": 41}));
    let o = e.view("counter.near", "increment", json!({}));
    assert_eq!(o.error_kind(), Some("ProhibitedInView"));
    assert!(
        o.error
            .as_ref()
            .is_some_and(|x| x.message.contains("storage_write")),
        "{o:?}"
    );
    // As on nearcore, the log emitted before the write is kept.
    assert_eq!(o.logs, ["count = 42"]);
    assert_eq!(
        e.view("counter.near", "get_count", json!({})).result,
        Some(json!(41))
    );
    let o = e.view("counter.near", "get_info", json!({}));
    assert_eq!(o.error_kind(), Some("ProhibitedInView"));
    assert!(o
        .error
        .as_ref()
        .is_some_and(|x| x.message.contains("signer_account_id")));
}

#[test]
fn panic_rolls_back_with_the_exact_message() {
    let e = env();
    e.deploy("counter.near", "counter");
    let o = e.call("counter.near", "decrement", json!({}));
    assert_eq!(o.error_kind(), Some("GuestPanic"));
    assert_eq!(
        o.error.as_ref().map(|x| x.message.as_str()),
        Some("counter cannot go below zero")
    );
    assert!(o.gas_burnt > 0);
    // A call that writes state and then runs out of gas commits none of its writes.
    e.deploy("probe.near", "probe");
    let mut r = e.req("probe.near", "fill", json!({"n": 100000, "len": 100}));
    r.gas = 300 * TGAS;
    let o = e.exec.call(&r);
    assert_eq!(o.error_kind(), Some("GasExceeded"), "{o:?}");
    assert_eq!(e.store.get(&acc("probe.near"), b"k0").expect("get"), None);
}

#[test]
fn infinite_loop_runs_out_of_gas() {
    let e = env();
    e.deploy("probe.near", "probe");
    let mut r = e.req("probe.near", "spin", json!({}));
    r.gas = 300 * TGAS;
    let o = e.exec.call(&r);
    assert_eq!(o.error_kind(), Some("GasExceeded"), "{o:?}");
    assert_eq!(o.gas_burnt, 300 * TGAS);
    // With the default 1 PGas prepaid = max_gas_burnt, nearcore reports GasLimitExceeded.
    let o = e.call("probe.near", "spin", json!({}));
    assert_eq!(o.error_kind(), Some("GasLimitExceeded"), "{o:?}");
    assert_eq!(o.gas_burnt, 1_000 * TGAS);
}

#[test]
fn wall_clock_timeout() {
    let e = env();
    e.deploy("probe.near", "probe");
    let mut r = e.req("probe.near", "spin", json!({}));
    // 1 PGas of plain wasm instructions runs out in ~110 ms here (1.2e9 ops at 822_756 gas
    // each), so the timeout must be well under that to fire first.
    r.timeout = Duration::from_millis(20);
    let t = Instant::now();
    let o = e.exec.call(&r);
    assert_eq!(o.error_kind(), Some("Timeout"), "{o:?}");
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    assert!(o.gas_burnt > 0 && o.gas_burnt < 1_000 * TGAS, "{o:?}");
}

#[test]
fn memory_is_nearcores_64_to_128_mib() {
    let e = env();
    e.deploy("probe.near", "probe");
    assert_eq!(
        e.view("probe.near", "memory_pages", json!({})).result,
        Some(json!(1024))
    );
    // The allocator grows memory for itself too, so only bounds can be checked: one more
    // page is granted, 2048 more (past 128 MiB) are refused.
    let old = e
        .view("probe.near", "grow", json!({"pages": 1}))
        .result
        .expect("result");
    assert!(
        old.as_i64().is_some_and(|p| (1024..2048).contains(&p)),
        "{old}"
    );
    assert_eq!(
        e.view("probe.near", "grow", json!({"pages": 1024})).result,
        Some(json!(-1))
    );
    // Instances reuse pooled memory: the next call starts from 1024 zeroed pages again.
    assert_eq!(
        e.view("probe.near", "memory_pages", json!({})).result,
        Some(json!(1024))
    );
    for round in 0..4 {
        let o = e.call("probe.near", "scribble", json!({}));
        assert_eq!(o.result, Some(json!([0, 0])), "call {round}: {o:?}");
        e.view("probe.near", "grow", json!({"pages": 3}));
    }
}

#[test]
fn executor_is_shareable_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Executor>();
    let e = Arc::new(env());
    e.deploy("a.near", "counter");
    e.deploy("b.near", "counter");
    let threads: Vec<_> = ["a.near", "b.near", "a.near", "b.near"]
        .into_iter()
        .map(|acct| {
            let e = e.clone();
            std::thread::spawn(move || {
                for _ in 0..5 {
                    assert!(e.call(acct, "increment", json!({})).is_success());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    assert_eq!(
        e.view("a.near", "get_count", json!({})).result,
        Some(json!(10))
    );
    assert_eq!(
        e.view("b.near", "get_count", json!({})).result,
        Some(json!(10))
    );
}

#[test]
fn clear_errors_for_bad_input() {
    let e = env();
    let mut big = b"\0asm\x01\0\0\0".to_vec();
    big.resize((4 << 20) + 1, 0);
    let bad = e.exec.deploy(&acc("big.near"), &big);
    assert!(
        matches!(bad, Err(DeployError::Compile(CompileError::TooLarge(..)))),
        "{bad:?}"
    );
    let bad = e.exec.deploy(&acc("bad.near"), b"not wasm at all");
    assert!(
        matches!(bad, Err(DeployError::Compile(CompileError::NotWasm))),
        "{bad:?}"
    );
    let bad = e.exec.deploy(&acc("bad.near"), b"\0asm\x01\0\0\0\xff\xff");
    assert!(
        matches!(bad, Err(DeployError::Compile(CompileError::Invalid(_)))),
        "{bad:?}"
    );
    // (func (import "foo" "bar")): only `env` may be imported.
    let foo = b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0\x02\x0b\x01\x03foo\x03bar\0\0";
    let bad = e.exec.deploy(&acc("bad.near"), foo);
    assert!(
        matches!(bad, Err(DeployError::Compile(CompileError::BadImport(_)))),
        "{bad:?}"
    );
    assert_eq!(
        e.call("nobody.near", "x", json!({})).error_kind(),
        Some("AccountDoesNotExist")
    );
    e.deploy("counter.near", "counter");
    let o = e.call("counter.near", "no_such_method", json!({}));
    assert_eq!((o.error_kind(), o.gas_burnt), (Some("MethodNotFound"), 0));
    assert_eq!(
        e.call("counter.near", "", json!({})).error_kind(),
        Some("MethodEmptyName")
    );
    let mut r = e.req("counter.near", "increment_by", json!({}));
    r.args = b"{not json".to_vec();
    let o = e.exec.call(&r);
    assert_eq!(o.error_kind(), Some("GuestPanic"));
    assert!(
        o.error
            .as_ref()
            .is_some_and(|x| x.message.contains("deserialize")),
        "{o:?}"
    );
}

#[test]
fn hash_functions_match_known_vectors() {
    let e = env();
    e.deploy("probe.near", "probe");
    let d = e
        .view("probe.near", "digests", json!({"data": "abc"}))
        .result
        .expect("digests");
    let want = json!({
        "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "keccak256": "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
        "keccak512": "18587dc2ea106b9a1563e32b3312421ca164c7f1f07bc922a9c83d77cea3a1e5\
                      d0c69910739025372dc14ac9642629379540c17e2a65b19d77aa511a9d00bb96",
        "sha3_256": "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
        "sha3_384": "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b2\
                     98d88cea927ac7f539f1edf228376d25",
        "sha3_512": "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e\
                     10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
        "ripemd160": "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc",
    });
    assert_eq!(d, want);
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[test]
fn signatures_verify() {
    let e = env();
    e.deploy("probe.near", "probe");
    // RFC 8032, test 1 (empty message).
    let pk = hex::decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        .expect("hex");
    let mut sig = hex::decode(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac\
         c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    )
    .expect("hex");
    let args = |sig: &[u8]| json!({"signature": b64(sig), "message": "", "public_key": b64(&pk)});
    assert_eq!(
        e.view("probe.near", "ed25519", args(&sig)).result,
        Some(json!(true))
    );
    sig[0] ^= 1;
    assert_eq!(
        e.view("probe.near", "ed25519", args(&sig)).result,
        Some(json!(false))
    );

    // ecrecover of a signature made with a known secp256k1 key.
    let key = k256::ecdsa::SigningKey::from_slice(&[7u8; 32]).expect("key");
    let hash = [42u8; 32];
    // k256 signs with a low `s` (adjusting the recovery id), as the malleability check wants.
    let (sig, recid) = key.sign_prehash_recoverable(&hash).expect("sign");
    assert!(sig.normalize_s().is_none());
    let want = hex::encode(&key.verifying_key().to_encoded_point(false).as_bytes()[1..]);
    let args = json!({"hash": b64(&hash), "signature": b64(&sig.to_bytes()), "v": recid.to_byte()});
    assert_eq!(
        e.view("probe.near", "recover_key", args).result,
        Some(json!(want))
    );
}

#[test]
fn restart_does_not_recompile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(Store::open(&dir.path().join("db")).expect("open store"));
    let cache = dir.path().join("cache");
    {
        let exec = Executor::new(store.clone(), &cache).expect("executor");
        exec.deploy(&acc("counter.near"), &wasm("counter"))
            .expect("deploy");
        assert_eq!(exec.engine().stats().compiled, 1);
    }
    // An artifact named as an older preparation named them is removed at start-up.
    let stale = cache.join(format!("{}.cwasm", "ab".repeat(32)));
    std::fs::write(&stale, b"old").expect("write stale artifact");
    let exec = Executor::new(store, &cache).expect("executor");
    assert!(!stale.exists(), "stale artifact removed");
    let artifacts = std::fs::read_dir(&cache).expect("cache dir").count();
    assert_eq!(artifacts, 1, "the current artifact stays");
    let o = exec.call(&CallRequest::new(
        acc("counter.near"),
        "increment",
        b"{}".to_vec(),
    ));
    assert!(o.is_success(), "{o:?}");
    let s = exec.engine().stats();
    assert_eq!((s.compiled, s.disk_hits), (0, 1), "{s:?}");
    exec.call(&CallRequest::new(
        acc("counter.near"),
        "increment",
        b"{}".to_vec(),
    ));
    // Warm: the executor's own cache answers; the engine is not asked again.
    assert_eq!(exec.engine().stats(), s);
}

#[test]
fn storage_usage_is_live_and_persistent() {
    let e = env();
    e.deploy("probe.near", "probe");
    let code = wasm("probe").len() as u64;
    let before = 100 + code;
    let got = e.ok("probe.near", "fill", json!({"n": 2, "len": 10}));
    assert_eq!(got, json!(before + 2 * (2 + 10 + 40)));
    // near-sdk wrote `STATE` (empty struct: 0 bytes) after the method returned.
    let txn_usage = e.store.storage_usage(&acc("probe.near")).expect("usage");
    assert_eq!(txn_usage, before + 2 * 52 + (5 + 40));
    let _ = &e.dir;
}

#[test]
fn fungible_token() {
    let e = env();
    e.deploy("ft.near", "fungible_token");
    e.ok(
        "ft.near",
        "new_default_meta",
        json!({"owner_id": "ft.near", "total_supply": "1000"}),
    );
    assert_eq!(
        e.view("ft.near", "ft_total_supply", json!({})).result,
        Some(json!("1000"))
    );
    let mut r = e.req(
        "ft.near",
        "storage_deposit",
        json!({"account_id": "bob.near"}),
    );
    r.deposit = 1_250_000_000_000_000_000_000;
    let o = e.exec.call(&r);
    assert!(o.is_success(), "{o:?}");
    let o = e.call(
        "ft.near",
        "ft_transfer",
        json!({"receiver_id": "bob.near", "amount": "100"}),
    );
    assert_eq!(o.error_kind(), Some("GuestPanic"));
    assert!(
        o.error
            .as_ref()
            .is_some_and(|x| x.message.contains("1 yoctoNEAR")),
        "{o:?}"
    );
    let mut r = e.req(
        "ft.near",
        "ft_transfer",
        json!({"receiver_id": "bob.near", "amount": "100"}),
    );
    r.deposit = 1;
    let o = e.exec.call(&r);
    assert!(o.is_success(), "{o:?}");
    assert!(
        o.logs.iter().any(|l| l.starts_with("EVENT_JSON:")),
        "{:?}",
        o.logs
    );
    let bal = e.view(
        "ft.near",
        "ft_balance_of",
        json!({"account_id": "bob.near"}),
    );
    assert_eq!(bal.result, Some(json!("100")));
    let args = json!({"receiver_id": "bob.near", "amount": "10", "msg": "hi"});
    let mut r = e.req("ft.near", "ft_transfer_call", args);
    r.deposit = 1;
    let o = e.exec.call(&r);
    assert!(o.is_success(), "{o:?}");
    let receipts = serde_json::to_value(&o.receipts).expect("json");
    assert_eq!(receipts[0]["receiver_id"], "bob.near");
    assert_eq!(receipts[0]["actions"][0]["method_name"], "ft_on_transfer");
    assert_eq!(receipts[1]["receiver_id"], "ft.near");
    assert_eq!(receipts[1]["depends_on"], json!([0]));
    assert_eq!(
        receipts[1]["actions"][0]["method_name"],
        "ft_resolve_transfer"
    );
    assert_eq!(o.returned_receipt, Some(1));
}

#[test]
fn status_message() {
    let e = env();
    e.deploy("status.near", "status_message");
    e.ok("status.near", "new", json!({}));
    let mut r = e.req("status.near", "set_status", json!({"message": "hello"}));
    r.predecessor = acc("alice.near");
    assert!(e.exec.call(&r).is_success());
    let get = |who: &str| {
        e.view("status.near", "get_status", json!({"account_id": who}))
            .result
    };
    assert_eq!(get("alice.near"), Some(json!("hello")));
    assert_eq!(get("bob.near"), Some(Value::Null));
    let mut r = e.req("status.near", "clear_status", json!({}));
    r.predecessor = acc("alice.near");
    assert_eq!(e.exec.call(&r).result, Some(json!(true)));
    assert_eq!(get("alice.near"), Some(Value::Null));
}

/// A hand-assembled module: `(type (func))`, optional `(import "env" "nope" (func))`, one
/// exported function `m` with `body` (locals count and code, without the size prefix).
fn module_with(import: bool, body: &[u8]) -> Vec<u8> {
    let mut m = b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0".to_vec();
    if import {
        m.extend_from_slice(b"\x02\x0c\x01\x03env\x04nope\0\0");
    }
    m.extend_from_slice(b"\x03\x02\x01\0");
    m.extend_from_slice(&[0x07, 0x05, 0x01, 0x01, b'm', 0x00, u8::from(import)]);
    m.extend_from_slice(&[0x0a, body.len() as u8 + 2, 0x01, body.len() as u8]);
    m.extend_from_slice(body);
    m
}

#[test]
fn link_errors_and_traps_are_named_as_nearcore_names_them() {
    let e = env();
    // Deploy accepts an unknown `env` import (nearcore too); calling fails to link.
    e.exec
        .deploy(&acc("link.near"), &module_with(true, &[0x00, 0x0b]))
        .expect("deploy");
    let o = e.call("link.near", "m", json!({}));
    assert_eq!(o.error_kind(), Some("LinkError"), "{o:?}");
    assert!(
        o.error.as_ref().is_some_and(|x| x.message.contains("nope")),
        "{o:?}"
    );
    // `unreachable`.
    e.exec
        .deploy(&acc("trap.near"), &module_with(false, &[0x00, 0x00, 0x0b]))
        .expect("deploy");
    let o = e.call("trap.near", "m", json!({}));
    assert_eq!(o.error_kind(), Some("WasmTrap"), "{o:?}");
    assert!(
        o.error
            .as_ref()
            .is_some_and(|x| x.message.starts_with("Unreachable")),
        "{o:?}"
    );
    assert!(o.gas_burnt > 0);
}

//! Linux mode against direct mode, per call, in one run, interleaved, medians, ratios.
//!
//! The same deployed near-sdk contracts (guest/contracts) on one store, warm: the module
//! compiled and linked, the account's rows cached. Each call commits (`get_count` is a
//! view and commits nothing). Linux mode pays a guest task per call: its `/near/state` 9P
//! session bound to the call's transaction, and every storage host function as 9P round
//! trips; the figures below the table say how many.
//!
//! The last row is the example WASI counter (`guest/programs/c/counter_files.c`, stdio on
//! `/near/state/count`) deployed as a contract: a whole WASI task per call, in linux mode
//! only; its ratio is against the near-sdk counter's `increment` in direct mode.
//!
//! `cargo bench -p outlayer-kernel --bench modes_bench` (contracts built by
//! guest/build-contracts.sh, programs by guest/build-programs.sh).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Instant;

use outlayer_fs::store::Store;
use outlayer_fs::AccountId;
use outlayer_kernel::{CallRequest, Executor, Mode};
use serde_json::json;

#[path = "../../tests/src/contracts.rs"]
#[allow(unreachable_pub, dead_code)]
mod contracts;

#[path = "../../tests/src/programs.rs"]
#[allow(unreachable_pub, dead_code)]
mod programs;

const ROUNDS: usize = 11;
const CALLS: usize = 200;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn acc(s: &str) -> AccountId {
    AccountId::new(s).unwrap()
}

/// µs per call of `req` in `mode`, over `CALLS` calls.
fn per_call(exec: &Executor, req: &CallRequest, mode: Mode) -> f64 {
    let mut r = req.clone();
    r.mode = Some(mode);
    let t = Instant::now();
    for _ in 0..CALLS {
        let o = exec.call(&r);
        assert!(o.is_success(), "{mode}: {o:?}");
    }
    t.elapsed().as_secs_f64() * 1e6 / CALLS as f64
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("db")).unwrap());
    let exec = Executor::new(store, &dir.path().join("cache")).unwrap();
    for (account, name) in [("counter.near", "counter"), ("ft.near", "fungible_token")] {
        let code = std::fs::read(contracts::contract_path(name)).unwrap();
        exec.deploy(&acc(account), &code).unwrap();
    }
    let program = std::fs::read(programs::program_path("counter_files")).unwrap();
    exec.deploy(&acc("files.near"), &program).unwrap();
    let call = |account: &str, method: &str, args: serde_json::Value, deposit: u128| {
        let mut r = CallRequest::new(acc(account), method, serde_json::to_vec(&args).unwrap());
        r.deposit = deposit;
        r
    };
    let init = json!({"owner_id": "ft.near", "total_supply": "1000000000000"});
    assert!(exec
        .call(&call("ft.near", "new_default_meta", init, 0))
        .is_success());
    let deposit = call(
        "ft.near",
        "storage_deposit",
        json!({"account_id": "bob.near"}),
        1 << 90,
    );
    assert!(exec.call(&deposit).is_success());

    let cases = [
        (
            "counter.increment",
            call("counter.near", "increment", json!({}), 0),
        ),
        (
            "ft_transfer",
            call(
                "ft.near",
                "ft_transfer",
                json!({"receiver_id": "bob.near", "amount": "1"}),
                1,
            ),
        ),
        (
            "counter.get_count (view)",
            call("counter.near", "get_count", json!({}), 0).into_view(),
        ),
    ];
    // Profiling aid: `MODES_BENCH_PROFILE=N` runs only case N, for a while, in linux mode
    // (`MODES_BENCH_PROFILE_MODE=direct` for direct mode).
    if let Some(n) = std::env::var("MODES_BENCH_PROFILE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        let mode = match std::env::var("MODES_BENCH_PROFILE_MODE").as_deref() {
            Ok("direct") => Mode::Direct,
            _ => Mode::Linux,
        };
        for _ in 0..400 {
            per_call(&exec, &cases[n.min(cases.len() - 1)].1, mode);
        }
        return;
    }
    println!("| call | direct (µs) | linux (µs) | linux / direct |");
    println!("|---|---:|---:|---:|");
    for (name, req) in &cases {
        // Warm both paths once.
        per_call(&exec, req, Mode::Direct);
        per_call(&exec, req, Mode::Linux);
        let (mut d, mut l, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let a = per_call(&exec, req, Mode::Direct);
            let b = per_call(&exec, req, Mode::Linux);
            d.push(a);
            l.push(b);
            ratios.push(b / a);
        }
        println!(
            "| {name} | {:.1} | {:.1} | {:.2} |",
            median(d),
            median(l),
            median(ratios)
        );
    }
    // The WASI counter: linux mode only, against the near-sdk counter in direct mode.
    let wasi = call("files.near", "increment", json!({}), 0);
    let direct = &cases[0].1;
    per_call(&exec, &wasi, Mode::Linux);
    let (mut d, mut l, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let a = per_call(&exec, direct, Mode::Direct);
        let b = per_call(&exec, &wasi, Mode::Linux);
        d.push(a);
        l.push(b);
        ratios.push(b / a);
    }
    println!(
        "| WASI counter_files.increment (vs counter.increment direct) | {:.1} | {:.1} | {:.2} |",
        median(d),
        median(l),
        median(ratios)
    );
    let mut all: Vec<(&str, CallRequest)> = cases.into();
    all.push(("WASI counter_files.increment", wasi));
    where_the_time_goes(&exec, &all);
}

/// What one linux-mode call of each case crosses, from the statistics `outlayerd stats`
/// reports: NEAR syscalls (host functions) and 9P requests by type.
fn where_the_time_goes(exec: &Executor, cases: &[(&str, CallRequest)]) {
    let syscalls = || -> u64 { exec.kernel().stats().syscalls.iter().map(|c| c.count).sum() };
    let served = || -> std::collections::BTreeMap<&'static str, u64> {
        outlayer_fs::ninep::server::messages_served()
            .into_iter()
            .collect()
    };
    println!(
        "\n| linux-mode call | NEAR syscalls / call | 9P requests / call | 9P requests by type |"
    );
    println!("|---|---:|---:|---|");
    for (name, req) in cases {
        let (s0, m0) = (syscalls(), served());
        per_call(exec, req, Mode::Linux);
        let (s1, m1) = (syscalls(), served());
        let per = |n: u64| n as f64 / CALLS as f64;
        let by_type: Vec<String> = m1
            .iter()
            .map(|(t, n)| (t, n - m0.get(t).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .map(|(t, n)| format!("{t} {:.1}", per(n)))
            .collect();
        let total: u64 = m1.values().sum::<u64>() - m0.values().sum::<u64>();
        println!(
            "| {name} | {:.1} | {:.1} | {} |",
            per(s1 - s0),
            per(total),
            by_type.join(", ")
        );
    }
}

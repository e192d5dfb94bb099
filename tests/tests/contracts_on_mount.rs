//! Direct mode over a live mount: `outlayerd deploy`/`call` go through the daemon that holds
//! the mount, a key a contract writes is at once the file `<mnt>/<account>/<name(key)>`, and
//! a value edited through the mount is what the next call reads.

use outlayer_tests::{contract_path, program_path, TestDaemon};

fn call(d: &TestDaemon, args: &[&str]) -> (serde_json::Value, i32) {
    let mut full = vec!["call"];
    full.extend_from_slice(args);
    let out = d.cli(&full);
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("outcome is not JSON ({e}): {out:?}"));
    (v, out.status.code().unwrap_or(-1))
}

fn count_file(d: &TestDaemon) -> u64 {
    let bytes = std::fs::read(d.path("c.near/STATE")).expect("STATE through the mount");
    u64::from_le_bytes(
        bytes
            .as_slice()
            .try_into()
            .expect("near-sdk stores the counter as a u64"),
    )
}

#[test]
fn contract_state_is_the_mounted_files() {
    let d = TestDaemon::start();
    d.cli_ok(&[
        "deploy".as_ref(),
        "c.near".as_ref(),
        contract_path("counter").as_os_str(),
    ]);
    assert_eq!(call(&d, &["c.near", "new", "{}"]).1, 0);
    let (v, code) = call(&d, &["c.near", "increment_by", r#"{"amount": 41}"#]);
    assert_eq!((code, v["status"].as_str()), (0, Some("success")), "{v}");
    // Written by the contract, read through the live mount, no remount.
    assert_eq!(count_file(&d), 41);
    assert_eq!(call(&d, &["c.near", "increment"]).0["result"], 42);
    assert_eq!(
        count_file(&d),
        42,
        "the mount shows the new value at once (no stale cache)"
    );

    // Edited through the mount: the next call reads it.
    std::fs::write(d.path("c.near/STATE"), 7u64.to_le_bytes()).expect("write STATE");
    assert_eq!(call(&d, &["c.near", "get_count", "--view"]).0["result"], 7);

    // A failure changes nothing the mount shows, and keeps its message.
    std::fs::write(d.path("c.near/STATE"), 0u64.to_le_bytes()).expect("write STATE");
    let (v, code) = call(&d, &["c.near", "decrement"]);
    assert_eq!(code, 1);
    assert_eq!(v["error"]["kind"], "GuestPanic", "{v}");
    assert_eq!(v["error"]["message"], "counter cannot go below zero");
    assert_eq!(count_file(&d), 0);

    // A change called as a view is refused and rolled back.
    let (v, code) = call(&d, &["c.near", "increment", "--view"]);
    assert_eq!(
        (code, v["error"]["kind"].as_str()),
        (1, Some("ProhibitedInView")),
        "{v}"
    );
    assert_eq!(count_file(&d), 0);
}

#[test]
fn call_input_errors_exit_2_and_unknown_accounts_fail() {
    let d = TestDaemon::start();
    let bad_json = d.cli(&["call", "c.near", "increment", "{not json"]);
    assert_eq!(bad_json.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad_json.stderr);
    assert!(
        stderr.contains("not valid JSON") && stderr.lines().count() == 1,
        "{stderr}"
    );
    let unknown = d.cli(&["call", "nobody.near", "increment"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("does not exist"));
    let not_wasm = d.cli(&["deploy", "x.near", "/etc/hostname"]);
    assert_eq!(not_wasm.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_wasm.stderr).contains("not a wasm module"));
}

/// Linux mode through the daemon: a key a linux-mode call writes is at once the file on the
/// mount and what a direct-mode call reads, and the other way round; both modes report the
/// same outcome.
#[test]
fn linux_mode_calls_share_the_mounted_state() {
    let d = TestDaemon::start();
    d.cli_ok(&[
        "deploy".as_ref(),
        "c.near".as_ref(),
        contract_path("counter").as_os_str(),
    ]);
    assert_eq!(call(&d, &["c.near", "new", "{}", "--mode", "linux"]).1, 0);
    let (v, code) = call(
        &d,
        &[
            "c.near",
            "increment_by",
            r#"{"amount": 5}"#,
            "--mode",
            "linux",
        ],
    );
    assert_eq!((code, v["mode"].as_str()), (0, Some("linux")), "{v}");
    assert_eq!(
        count_file(&d),
        5,
        "the linux-mode write is the file at once"
    );
    let (direct, _) = call(&d, &["c.near", "increment"]);
    assert_eq!(direct["result"], 6, "{direct}");
    let (linux, _) = call(&d, &["c.near", "increment", "--mode", "linux"]);
    assert_eq!(
        linux["result"], 7,
        "linux mode reads what direct mode wrote: {linux}"
    );
    assert_eq!(
        linux["gas_burnt"], direct["gas_burnt"],
        "the same gas in both modes"
    );
    assert_eq!(linux["logs"], serde_json::json!(["count = 7"]));
    // Edited through the mount: linux mode reads the file.
    std::fs::write(d.path("c.near/STATE"), 40u64.to_le_bytes()).expect("write STATE");
    let (v, _) = call(&d, &["c.near", "get_count", "--view", "--mode", "linux"]);
    assert_eq!(v["result"], 40, "{v}");
    // A failure in linux mode commits nothing and names the error as direct mode does.
    std::fs::write(d.path("c.near/STATE"), 0u64.to_le_bytes()).expect("write STATE");
    let (v, code) = call(&d, &["c.near", "decrement", "--mode", "linux"]);
    assert_eq!(
        (code, v["error"]["kind"].as_str()),
        (1, Some("GuestPanic")),
        "{v}"
    );
    assert_eq!(count_file(&d), 0);
    let bad = d.cli(&["call", "c.near", "increment", "--mode", "wasi"]);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
}

/// A WASI program deployed through the daemon is a contract that runs in linux mode: `call`
/// without `--mode` runs it there, its `count` is a file of the mount at once, a write
/// through the mount is what it reads next, and `--mode direct` is refused.
#[test]
fn a_wasi_program_is_a_contract_on_the_mount() {
    let d = TestDaemon::start();
    let out = d.cli(&[
        "deploy".as_ref(),
        "files.near".as_ref(),
        program_path("counter_files").as_os_str(),
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("WASI program"),
        "{out:?}"
    );
    let (v, code) = call(&d, &["files.near", "increment"]);
    assert_eq!((code, v["mode"].as_str()), (0, Some("linux")), "{v}");
    assert_eq!(v["result"], 1, "{v}");
    assert_eq!(v["logs"], serde_json::json!(["count = 1"]));
    let file = || std::fs::read_to_string(d.path("files.near/count")).expect("count file");
    assert_eq!(file(), "1");
    std::fs::write(d.path("files.near/count"), "41").expect("write count");
    assert_eq!(call(&d, &["files.near", "increment"]).0["result"], 42);
    assert_eq!(file(), "42");
    let (v, code) = call(&d, &["files.near", "increment", "--view"]);
    assert_eq!(
        (code, v["error"]["kind"].as_str()),
        (1, Some("ProhibitedInView")),
        "{v}"
    );
    let (v, code) = call(&d, &["files.near", "increment", "--mode", "direct"]);
    assert_eq!(
        (code, v["error"]["kind"].as_str()),
        (1, Some("WrongMode")),
        "{v}"
    );
    assert_eq!(file(), "42");
}

/// `compare` runs a call in both modes from the same state: they agree on a contract (exit
/// 0, nothing committed unless `--commit`), and differ on a WASI program, which direct mode
/// refuses (exit 1, the first difference named).
#[test]
fn compare_reports_agreement_and_the_first_difference() {
    let d = TestDaemon::start();
    d.cli_ok(&[
        "deploy".as_ref(),
        "c.near".as_ref(),
        contract_path("counter").as_os_str(),
    ]);
    assert_eq!(
        call(&d, &["c.near", "increment_by", r#"{"amount": 9}"#]).1,
        0
    );
    let compare = |args: &[&str]| {
        let mut full = vec!["compare"];
        full.extend_from_slice(args);
        let out = d.cli(&full);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("report is not JSON ({e}): {out:?}"));
        (v, out.status.code().unwrap_or(-1))
    };
    let (v, code) = compare(&["c.near", "increment"]);
    assert_eq!((code, v["agree"].as_bool()), (0, Some(true)), "{v}");
    assert_eq!(v["direct"]["outcome"]["result"], 10, "{v}");
    assert_eq!(v["linux"]["outcome"]["result"], 10, "{v}");
    assert_eq!(v["direct"]["writes"], v["linux"]["writes"]);
    assert!(v["ratio"].as_f64().is_some_and(|r| r > 0.0), "{v}");
    assert_eq!(count_file(&d), 9, "neither run committed");
    let (v, code) = compare(&["c.near", "increment", "--commit", "linux"]);
    assert_eq!((code, v["committed"].as_str()), (0, Some("linux")), "{v}");
    assert_eq!(count_file(&d), 10, "the linux run committed");

    d.cli_ok(&[
        "deploy".as_ref(),
        "files.near".as_ref(),
        program_path("counter_files").as_os_str(),
    ]);
    let (v, code) = compare(&["files.near", "increment"]);
    assert_eq!((code, v["agree"].as_bool()), (1, Some(false)), "{v}");
    let first = v["first_difference"].as_str().unwrap_or_default();
    assert!(first.starts_with("status:"), "{v}");
    assert_eq!(v["direct"]["outcome"]["error"]["kind"], "WrongMode", "{v}");
    assert_eq!(v["linux"]["outcome"]["result"], 1, "{v}");
}

/// `stats` through the daemon counts what it executed: calls by mode and outcome, the
/// kernel's tasks and syscalls by number, the module cache.
#[test]
fn stats_count_executions_by_mode() {
    let d = TestDaemon::start();
    let stats = || {
        let out = d.cli(&["stats", "--json"]);
        assert!(out.status.success(), "{out:?}");
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("stats JSON")
    };
    assert!(stats()["execution"].is_null(), "nothing executed yet");
    d.cli_ok(&[
        "deploy".as_ref(),
        "c.near".as_ref(),
        contract_path("counter").as_os_str(),
    ]);
    call(&d, &["c.near", "increment"]);
    call(&d, &["c.near", "increment", "--mode", "linux"]);
    call(&d, &["c.near", "increment", "--mode", "linux"]);
    call(&d, &["c.near", "no_such_method", "--mode", "linux"]);
    assert_eq!(count_file(&d), 3, "read through the mount");
    let s = stats();
    let x = &s["execution"];
    assert_eq!(x["calls"]["direct"]["succeeded"], 1, "{s}");
    assert_eq!(x["calls"]["linux"]["succeeded"], 2, "{s}");
    assert_eq!(x["calls"]["linux"]["failed"], 1, "{s}");
    assert_eq!(x["calls"]["failures_by_kind"]["MethodNotFound"], 1, "{s}");
    let syscalls = x["kernel"]["syscalls"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let write = syscalls.iter().find(|c| c["nr"] == 400);
    assert!(
        write.is_some_and(|c| c["name"] == "storage_write" && c["count"] == 2),
        "{s}"
    );
    assert_eq!(x["kernel"]["tasks_running"], 0, "{s}");
    assert!(
        x["module_cache"]["compiled"]
            .as_u64()
            .is_some_and(|n| n >= 1),
        "{s}"
    );
    assert!(s["uptime_s"].as_f64().is_some_and(|u| u > 0.0), "{s}");
    // The linux-mode calls' state sessions are 9P; the read above is FUSE.
    assert!(
        s["ninep_messages"]["Twalk"]
            .as_u64()
            .is_some_and(|n| n >= 2),
        "{s}"
    );
    assert!(
        s["ninep_messages"]["Tattach"]
            .as_u64()
            .is_some_and(|n| n >= 2),
        "{s}"
    );
    assert!(
        s["fuse_operations"]["lookup"]
            .as_u64()
            .is_some_and(|n| n >= 1),
        "{s}"
    );
    assert!(
        s["fuse_operations"]["read"]
            .as_u64()
            .is_some_and(|n| n >= 1),
        "{s}"
    );
}

//! The example contracts of `guest/programs` run under the program convention of
//! `outlayerd call`: argv `[program, METHOD]`, the call's arguments on stdin, the context in
//! `NEAR_*` variables (and no others), the result on stdout, a log line per stderr line (or
//! per `near_log`), exit 0 committing what the call wrote and any other status nothing.
//!
//! `counter_syscall` (C, NEAR storage syscalls), `counter_files` (C, stdio on
//! `/near/state/count`) and `counter_std` (Rust, `std::fs`) are one counter written three
//! ways; `kvreport` is a plain POSIX tool run unchanged as a contract.

mod linux_support;

use linux_support::{kernel, program, tempdir, StateEnv, ACCOUNT};
use outlayer_kernel::linux::{Capture, HostMount, TaskContext, TaskOutcome, TaskSpec};

const CALLER: &str = "alice.near";
const BLOCK_HEIGHT: u64 = 7;
const BLOCK_TIMESTAMP_NS: u64 = 1_700_000_000_000_000_000;

/// What a call printed and how it ended.
struct Called {
    stdout: String,
    stderr: String,
    outcome: TaskOutcome,
}

impl Called {
    /// Asserts the call succeeded and committed; returns its result.
    fn ok(&self) -> &str {
        assert!(self.outcome.committed, "{:?}", self.outcome);
        self.succeeded()
    }

    /// Asserts the call exited 0; returns its result.
    fn succeeded(&self) -> &str {
        assert!(
            self.outcome.is_success(),
            "{}\n{:?}",
            self.stderr,
            self.outcome
        );
        &self.stdout
    }

    /// Asserts the call failed with `status`, printed no result and committed nothing;
    /// returns its stderr.
    fn failed(&self, status: i32) -> &str {
        assert_eq!(self.outcome.exit_code, Some(status), "{:?}", self.outcome);
        assert!(self.outcome.error.is_none(), "{:?}", self.outcome);
        assert!(!self.outcome.committed);
        assert_eq!(self.stdout, "");
        &self.stderr
    }
}

/// The environment of the convention, and nothing else.
fn near_env(method: &str, view: bool) -> Vec<(String, String)> {
    [
        ("NEAR_CURRENT_ACCOUNT_ID", ACCOUNT),
        ("NEAR_SIGNER_ACCOUNT_ID", CALLER),
        ("NEAR_PREDECESSOR_ACCOUNT_ID", CALLER),
        ("NEAR_ATTACHED_DEPOSIT", "0"),
        ("NEAR_BLOCK_HEIGHT", &BLOCK_HEIGHT.to_string()),
        ("NEAR_BLOCK_TIMESTAMP", &BLOCK_TIMESTAMP_NS.to_string()),
        ("NEAR_PREPAID_GAS", "300000000000000"),
        ("NEAR_METHOD", method),
        ("NEAR_IS_VIEW", if view { "1" } else { "0" }),
        ("NEAR_EXECUTION_MODE", "linux"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// `name` called as `method` with `args` on stdin, on `env`'s account.
fn call(env: &StateEnv, name: &str, method: &str, args: &str) -> Called {
    call_with(name, method, args, false, |spec| {
        spec.state = Some(env.binding())
    })
}

fn call_with(
    name: &str,
    method: &str,
    args: &str,
    view: bool,
    tweak: impl FnOnce(&mut TaskSpec),
) -> Called {
    let mut spec = TaskSpec::new(program(name), name);
    spec.argv.push(method.to_string());
    spec.env = near_env(method, view);
    spec.stdin = Box::new(std::io::Cursor::new(args.as_bytes().to_vec()));
    let (out, err) = (Capture::new(), Capture::new());
    spec.stdout = Box::new(out.clone());
    spec.stderr = Box::new(err.clone());
    let caller = outlayer_fs::AccountId::new(CALLER).expect("account id");
    spec.context = TaskContext {
        block_height: BLOCK_HEIGHT,
        block_timestamp_ns: BLOCK_TIMESTAMP_NS,
        random_seed: [42; 32],
        signer: Some(caller.clone()),
        predecessor: Some(caller),
        ..TaskContext::default()
    };
    tweak(&mut spec);
    let outcome = kernel().run(spec);
    let text = |c: &Capture| String::from_utf8_lossy(&c.bytes()).into_owned();
    Called {
        stdout: text(&out),
        stderr: text(&err),
        outcome,
    }
}

/// `key` in `app.near`, as text.
fn get(env: &StateEnv, key: &str) -> Option<String> {
    let value = env.store.get(&env.account, key.as_bytes()).expect("get")?;
    Some(String::from_utf8(value).expect("utf-8"))
}

/// Sets (or with `None` removes) `key` in `app.near`, outside any call.
fn set(env: &StateEnv, key: &str, value: Option<&str>) {
    let mut txn = env.store.begin(&env.account).expect("txn");
    match value {
        Some(v) => drop(txn.put(key.as_bytes(), v.as_bytes().to_vec()).expect("put")),
        None => drop(txn.remove(key.as_bytes()).expect("remove")),
    }
    txn.commit().expect("commit");
}

/// The three counters: `(program, whether it logs through near_log rather than stderr)`.
const COUNTERS: [(&str, bool); 3] = [
    ("counter_syscall", true),
    ("counter_files", false),
    ("counter_std", false),
];

#[test]
fn the_three_counters_count_alike() {
    for (name, near_log) in COUNTERS {
        let env = StateEnv::new(); // count = 41, note = hello
        let logged = |c: &Called, n: u64| {
            let line = format!("count = {n}");
            if near_log {
                assert_eq!(
                    (c.outcome.logs.clone(), c.stderr.as_str()),
                    (vec![line], "")
                );
            } else {
                assert_eq!((c.outcome.logs.len(), c.stderr.clone()), (0, line + "\n"));
            }
        };
        assert_eq!(call(&env, name, "get_count", "").ok(), "41\n", "{name}");
        let c = call(&env, name, "increment", "");
        assert_eq!(c.ok(), "42\n", "{name}");
        logged(&c, 42);
        assert_eq!(get(&env, "count").as_deref(), Some("42"), "{name}");
        let c = call(&env, name, "decrement", "");
        assert_eq!(c.ok(), "41\n", "{name}");
        logged(&c, 41);
        let c = call(&env, name, "reset", "");
        assert_eq!(c.ok(), "", "{name}");
        logged(&c, 0);
        assert_eq!(get(&env, "count").as_deref(), Some("0"), "{name}");

        // A counter never written starts at 0; the key is decimal text.
        set(&env, "count", None);
        assert_eq!(call(&env, name, "get_count", "").ok(), "0\n", "{name}");
        assert_eq!(call(&env, name, "increment", "").ok(), "1\n", "{name}");
        assert_eq!(get(&env, "count").as_deref(), Some("1"), "{name}");
        assert_eq!(get(&env, "note").as_deref(), Some("hello"), "{name}");
    }
}

/// Refusals and unknown methods fail (1 and 2), with the reason on stderr, and leave the
/// state as it was.
#[test]
fn counter_failures_commit_nothing() {
    for (name, _) in COUNTERS {
        let env = StateEnv::new();
        set(&env, "count", Some("0"));
        let before = env.snapshot();
        let err = call(&env, name, "decrement", "").failed(1).to_string();
        assert!(err.contains("count is already 0"), "{name}: {err}");
        let err = call(&env, name, "frobnicate", "").failed(2).to_string();
        assert!(err.contains("unknown method"), "{name}: {err}");
        // A value the counter did not write is not overwritten.
        set(&env, "count", Some("12 apples"));
        let err = call(&env, name, "increment", "").failed(1).to_string();
        assert!(err.contains("not a decimal number"), "{name}: {err}");
        assert_eq!(get(&env, "count").as_deref(), Some("12 apples"));
        set(&env, "count", Some("18446744073709551615"));
        let err = call(&env, name, "increment", "").failed(1).to_string();
        assert!(err.contains("overflow"), "{name}: {err}");
        set(&env, "count", Some("0"));
        assert_eq!(env.snapshot(), before, "{name}");
    }
}

/// In a view call `/near/state` is read-only: reading methods work, writing ones fail with
/// the error on stderr. (Simulated with a read-only host directory at `/near/state`; the
/// syscall counter needs the real view mode, whose storage_write fails the same way.)
#[test]
fn in_a_view_call_writing_methods_fail() {
    let cases = [
        ("counter_files", "increment", ""),
        ("counter_std", "increment", ""),
        ("counter_std", "add", r#"{"amount": 1}"#),
        ("kvreport", "put", "k=v\n"),
    ];
    for (name, method, args) in cases {
        let dir = tempdir();
        std::fs::write(dir.path().join("count"), "41").expect("write");
        let view = |method: &str, args: &str| {
            call_with(name, method, args, true, |spec| {
                spec.mounts = vec![HostMount {
                    host: dir.path().to_path_buf(),
                    guest: "/near/state".into(),
                    read_only: true,
                }];
            })
        };
        let read = if name == "kvreport" {
            "report"
        } else {
            "get_count"
        };
        assert!(view(read, "").succeeded().contains("41"), "{name}");
        let err = view(method, args).failed(1).to_string();
        assert!(
            err.contains("Read-only file system"),
            "{name} {method}: {err}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("count"))
                .ok()
                .as_deref(),
            Some("41")
        );
        assert!(!dir.path().join("k").exists());
    }
}

#[test]
fn counter_std_adds_json_amounts() {
    let env = StateEnv::new();
    let c = call(&env, "counter_std", "add", r#"{"amount": 5}"#);
    assert_eq!((c.ok(), c.stderr.as_str()), ("46\n", "count = 46\n"));
    // Large integers come as strings from NEAR clients: both are taken.
    assert_eq!(
        call(&env, "counter_std", "add", r#"{"amount":"4"}"#).ok(),
        "50\n"
    );
    let before = env.snapshot();
    for bad in [
        "",
        "5",
        r#"{"amount": -1}"#,
        r#"{"amount": 1.5}"#,
        r#"{"n": 1}"#,
        "{",
    ] {
        let err = call(&env, "counter_std", "add", bad).failed(1).to_string();
        assert!(err.starts_with("counter_std: add: "), "{bad}: {err}");
    }
    let huge = r#"{"amount": 18446744073709551615}"#;
    assert!(call(&env, "counter_std", "add", huge)
        .failed(1)
        .contains("overflow"));
    assert_eq!(env.snapshot(), before);
    assert_eq!(get(&env, "count").as_deref(), Some("50"));
}

#[test]
fn counter_std_whoami_prints_the_context() {
    let env = StateEnv::new();
    let c = call(&env, "counter_std", "whoami", "");
    let printed: serde_json::Value = serde_json::from_str(c.ok()).expect("JSON");
    let expected: serde_json::Map<String, serde_json::Value> = near_env("whoami", false)
        .into_iter()
        .map(|(k, v)| (k, v.into()))
        .collect();
    assert_eq!(printed, serde_json::Value::Object(expected));
}

/// A legacy tool, unchanged: its default directory is the state, it gets no variable of
/// its own, and its writes commit only when it succeeds.
#[test]
fn kvreport_keeps_records_in_the_state() {
    let env = StateEnv::new();
    let put = "apple=red fruit\n# a comment\n\nbanana=a long yellow curved fruit, sweet\n\
               quote=say \"hi\", ok\n";
    assert_eq!(
        call(&env, "kvreport", "put", put).ok(),
        "3 records stored\n"
    );
    assert_eq!(get(&env, "apple").as_deref(), Some("red fruit"));
    assert_eq!(get(&env, "quote").as_deref(), Some("say \"hi\", ok"));
    assert_eq!(
        call(&env, "kvreport", "report", "").ok(),
        "key,bytes,value-preview\n\
         apple,9,red fruit\n\
         banana,33,a long yellow cu...\n\
         count,2,41\n\
         note,5,hello\n\
         quote,12,\"say \"\"hi\"\", ok\"\n\
         TOTAL,61,5 records\n"
    );
    // top's N comes on stdin, as the call's argument.
    assert_eq!(
        call(&env, "kvreport", "top", "2").ok(),
        "key,bytes,value-preview\nbanana,33,a long yellow cu...\nquote,12,\"say \"\"hi\"\", ok\"\n"
    );
    assert_eq!(call(&env, "kvreport", "top", "").ok().lines().count(), 6);

    // A bad line after a good one: the good one was written, and is dropped with the call.
    let before = env.snapshot();
    let err = call(&env, "kvreport", "put", "fig=purple\nbad/key=1\n")
        .failed(1)
        .to_string();
    assert_eq!(err, "kvreport: stdin:2: '/' in key 'bad/key'\n");
    assert_eq!(
        call(&env, "kvreport", "top", "x").failed(1),
        "kvreport: top: bad count 'x'\n"
    );
    assert!(call(&env, "kvreport", "frobnicate", "")
        .failed(2)
        .starts_with("usage: "));
    assert_eq!(env.snapshot(), before);
}

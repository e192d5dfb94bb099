//! `/near/state` through 9P: what a task writes reaches the store only when it exits 0;
//! a non-zero exit, a trap, running out of gas or time leave the state byte for byte as it
//! was. Real programs (guest/programs/probe), real RocksDB.

mod linux_support;

use std::time::Duration;

use linux_support::{probe, StateEnv};
use outlayer_fs::store::SharedTxn;
use outlayer_kernel::linux::StateBinding;
use outlayer_kernel::state::TxnState;

/// Writes that, committed, would change every kind of thing: a key, a new key, a removal.
const WRITES: &[&str] = &[
    "write",
    "/near/state/count",
    "42",
    "write",
    "/near/state/fresh",
    "new",
    "rm",
    "/near/state/note",
    "read",
    "/near/state/count",
];

#[test]
fn exit_zero_commits_what_the_task_wrote() {
    let env = StateEnv::new();
    let mut args = WRITES.to_vec();
    args.extend(["ls", "/near/state", "exit", "0"]);
    let (out, outcome) = probe(&args, Some(env.binding()), |_| {});
    assert!(outcome.is_success(), "{outcome:?}\n{out}");
    assert!(outcome.committed);
    assert!(out.contains("read: \"42\""), "{out}");
    assert!(out.contains("ls: [\"count\", \"fresh\"]"), "{out}");
    let kv = |k: &str, v: &str| (k.as_bytes().to_vec(), v.as_bytes().to_vec());
    assert_eq!(env.snapshot(), vec![kv("count", "42"), kv("fresh", "new")]);
    assert_eq!(env.snapshot_of("other.near"), vec![kv("secret", "s3cret")]);
    assert!(outcome.syscalls.get("fd_write").copied().unwrap_or(0) >= 2);
}

#[test]
fn a_failed_task_leaves_the_state_as_it_was() {
    let env = StateEnv::new();
    let before = env.snapshot();
    let endings: [(&[&str], &str); 4] = [
        (&["exit", "1"], "exit 1"),
        (&["trap"], "WasmTrap"),
        (&["spin"], "GasExceeded"),
        (&["spin"], "Timeout"),
    ];
    for (ending, expect) in endings {
        let mut args = WRITES.to_vec();
        args.extend(ending);
        let (out, outcome) = probe(&args, Some(env.binding()), |spec| match expect {
            "GasExceeded" => spec.limits.gas = 50 * outlayer_kernel::near::TGAS,
            // All the gas there is (1 PGas, a quarter second of spinning here) outlasts it.
            "Timeout" => {
                spec.limits.gas = u64::MAX;
                spec.limits.timeout = Duration::from_millis(50);
            }
            _ => {}
        });
        // The task saw its own writes through 9P before it failed.
        assert!(out.contains("read: \"42\""), "{expect}: {out}");
        match expect {
            "exit 1" => assert_eq!((outcome.exit_code, outcome.error_kind()), (Some(1), None)),
            kind => assert_eq!(outcome.error_kind(), Some(kind), "{outcome:?}"),
        }
        assert!(!outcome.committed, "{expect}");
        assert_eq!(env.snapshot(), before, "{expect}: state changed");
    }
}

#[test]
fn a_dry_run_commits_nothing() {
    let env = StateEnv::new();
    let before = env.snapshot();
    let (_, outcome) = probe(WRITES, Some(env.binding()), |spec| spec.dry_run = true);
    assert_eq!(outcome.exit_code, Some(0));
    assert!(!outcome.committed);
    assert_eq!(env.snapshot(), before);
}

#[test]
fn the_account_must_exist() {
    let env = StateEnv::new();
    let binding = StateBinding::Account {
        store: env.store.clone(),
        account: outlayer_fs::AccountId::new("nobody.near").expect("id"),
    };
    let (_, outcome) = probe(&["exit", "0"], Some(binding), |_| {});
    assert_eq!(outcome.error_kind(), Some("AccountDoesNotExist"));
}

/// The caller's transaction, shared: the guest's file writes are in it when the task ends
/// (for the NEAR host functions of a later layer to read), and only the caller commits.
#[test]
fn a_shared_transaction_carries_file_writes_to_the_near_side() {
    use outlayer_kernel::near::External;
    let env = StateEnv::new();
    let txn = SharedTxn::new(env.store.begin_shared(&env.account).expect("txn"));
    let binding = StateBinding::Shared {
        store: env.store.clone(),
        txn: txn.clone(),
    };
    let args = ["write", "/near/state/count", "99", "exit", "0"];
    let (_, outcome) = probe(&args, Some(binding), |_| {});
    assert!(outcome.is_success(), "{outcome:?}");
    assert!(!outcome.committed, "the caller commits");
    let mut near = TxnState::new(txn.clone());
    assert_eq!(
        near.storage_get(b"count").ok().flatten(),
        Some(b"99".to_vec())
    );
    assert_eq!(
        env.store.get(&env.account, b"count").ok().flatten(),
        Some(b"41".to_vec())
    );
    txn.take().expect("txn").commit().expect("commit");
    assert_eq!(
        env.store.get(&env.account, b"count").ok().flatten(),
        Some(b"99".to_vec())
    );
}

#[test]
fn state_at_root_makes_the_account_the_tree() {
    let env = StateEnv::new();
    let args = ["ls", "/", "read", "/note", "ls", "/dev", "exit", "0"];
    let (out, outcome) = probe(&args, Some(env.binding()), |spec| {
        spec.state_at = "/".into()
    });
    assert!(outcome.is_success(), "{outcome:?}");
    assert!(
        out.contains("ls: [\"count\", \"dev\", \"note\", \"tmp\"]"),
        "{out}"
    );
    assert!(out.contains("read: \"hello\""), "{out}");
    assert!(
        out.contains("ls: [\"null\", \"stderr\", \"stdin\", \"stdout\", \"urandom\", \"zero\"]"),
        "{out}"
    );
}

/// The state mount is a filesystem of its own: directories (an overlay of key prefixes),
/// renames, truncation, appends, and `PERM` for what it has not (symbolic links).
#[test]
fn state_files_behave_as_files() {
    let env = StateEnv::new();
    let args = [
        "mkdir",
        "/near/state/dir",
        "write",
        "/near/state/dir/k",
        "v1",
        "append",
        "/near/state/dir/k",
        "+v2",
        "mv",
        "/near/state/note",
        "/near/state/dir/moved",
        "ls",
        "/near/state/dir",
        "read",
        "/near/state/dir/k",
        "symlink",
        "count",
        "/near/state/link",
        "rmdir",
        "/near/state/dir",
        "read",
        "/near/state/count/x",
        "exit",
        "0",
    ];
    let (out, outcome) = probe(&args, Some(env.binding()), |_| {});
    assert!(outcome.is_success(), "{outcome:?}");
    assert!(out.contains("ls: [\"k\", \"moved\"]"), "{out}");
    assert!(out.contains("read: \"v1+v2\""), "{out}");
    assert!(out.contains("symlink: error: PermissionDenied"), "{out}");
    // Rust std on WASI names ENOTEMPTY `Uncategorized`; the directory stays.
    assert!(out.contains("rmdir: error: Uncategorized"), "{out}");
    assert!(out.contains("read: error: NotADirectory"), "{out}");
    let keys: Vec<Vec<u8>> = env.snapshot().into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, [&b"count"[..], b"dir/k", b"dir/moved"]);
}

/// The working directory: preopened under its name, `PWD` set; a program that goes there
/// (probe does) finds relative paths in it, and absolute ones where they always are.
#[test]
fn the_working_directory_can_be_the_state() {
    let env = StateEnv::new();
    let args = [
        "read",
        "note",
        "write",
        "rel",
        "r",
        "ls",
        "/",
        "ls",
        "/near/state",
        "cat-stdin",
        "exit",
        "0",
    ];
    let (out, outcome) = probe(&args, Some(env.binding()), |spec| {
        spec.cwd = "/near/state".into();
        spec.stdin = Box::new(std::io::Cursor::new(b"from stdin".to_vec()));
    });
    assert!(outcome.is_success(), "{outcome:?}");
    assert!(out.contains("read: \"hello\""), "{out}");
    assert!(out.contains("from stdin"), "{out}");
    // Absolute paths still start at `/` (a `.` preopen would have taken them).
    assert!(out.contains("ls: [\"dev\", \"near\", \"tmp\"]"), "{out}");
    assert!(out.contains("ls: [\"count\", \"note\", \"rel\"]"), "{out}");
    assert_eq!(
        env.store.get(&env.account, b"rel").ok().flatten(),
        Some(b"r".to_vec())
    );
}

/// Tasks on different accounts run at once on one kernel.
#[test]
fn tasks_run_in_parallel() {
    let envs: Vec<StateEnv> = (0..3).map(|_| StateEnv::new()).collect();
    std::thread::scope(|s| {
        for (i, env) in envs.iter().enumerate() {
            s.spawn(move || {
                let value = format!("v{i}");
                let args = ["write", "/near/state/p", value.as_str(), "exit", "0"];
                let (_, outcome) = probe(&args, Some(env.binding()), |_| {});
                assert!(outcome.committed, "{outcome:?}");
            });
        }
    });
    for (i, env) in envs.iter().enumerate() {
        let got = env.store.get(&env.account, b"p").ok().flatten();
        assert_eq!(got, Some(format!("v{i}").into_bytes()));
    }
}

//! NEAR syscalls in a task (`outlayer.syscall`, 400–452): storage goes through the task's
//! `/near/state` 9P session, so file I/O and storage syscalls see each other's writes in one
//! transaction, committed on exit 0 only; the context, logs, panics and gas are direct
//! mode's.

mod linux_support;

use linux_support::{probe, StateEnv};
use outlayer_kernel::near::gas::ext::STORAGE_WRITE_BASE;

fn kv(k: &str, v: &str) -> (Vec<u8>, Vec<u8>) {
    (k.as_bytes().to_vec(), v.as_bytes().to_vec())
}

#[test]
fn files_and_storage_syscalls_are_one_state() {
    let env = StateEnv::new();
    let args = [
        "write",
        "/near/state/a",
        "from-file",
        "near-read",
        "a",
        "near-write",
        "b",
        "from-syscall",
        "read",
        "/near/state/b",
        "near-has",
        "count",
        "near-has",
        "nope",
        "near-read",
        "nope",
        "near-remove",
        "note",
        "near-remove",
        "note",
        "read",
        "/near/state/note",
        "near-write",
        "count",
        "42",
        "exit",
        "0",
    ];
    let (out, outcome) = probe(&args, Some(env.binding()), |_| {});
    assert!(outcome.is_success(), "{outcome:?}\n{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "write: ()",
            "near-read: 9 \"from-file\"",
            "near-write: 0",
            "read: \"from-syscall\"",
            "near-has: 1",
            "near-has: 0",
            "near-read: -2 \"\"",
            "near-remove: 1",
            "near-remove: 0",
            "read: error: NotFound",
            "near-write: 1",
        ]
    );
    assert_eq!(
        env.snapshot(),
        [
            kv("a", "from-file"),
            kv("b", "from-syscall"),
            kv("count", "42")
        ]
    );
    assert!(
        outcome.gas_burnt > 3 * STORAGE_WRITE_BASE,
        "{}",
        outcome.gas_burnt
    );
}

#[test]
fn keys_with_slashes_land_where_the_files_view_shows_them() {
    let env = StateEnv::new();
    let args = [
        "mkdir",
        "/near/state/dir",
        "near-write",
        "dir/k",
        "v",
        "near-write",
        "plain/x",
        "y",
        "ls",
        "/near/state/dir",
        "ls",
        "/near/state",
        "near-read",
        "dir/k",
        "exit",
        "0",
    ];
    let (out, outcome) = probe(&args, Some(env.binding()), |_| {});
    assert!(outcome.is_success(), "{outcome:?}\n{out}");
    assert!(out.contains("ls: [\"k\"]"), "{out}");
    assert!(out.contains("\"plain%2Fx\""), "{out}");
    assert!(out.contains("near-read: 1 \"v\""), "{out}");
    let keys: Vec<Vec<u8>> = env.snapshot().into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, [&b"count"[..], b"dir/k", b"note", b"plain/x"]);
}

#[test]
fn syscall_writes_roll_back_with_the_task() {
    let env = StateEnv::new();
    let before = env.snapshot();
    for ending in [&["exit", "1"][..], &["trap"], &["near-panic", "boom"]] {
        let mut args = vec!["near-write", "count", "0", "near-remove", "note"];
        args.extend(ending);
        let (_, outcome) = probe(&args, Some(env.binding()), |_| {});
        assert!(!outcome.committed, "{outcome:?}");
        assert_eq!(env.snapshot(), before);
    }
    let (_, panicked) = probe(&["near-panic", "boom"], Some(env.binding()), |_| {});
    let error = panicked.error.expect("a panic is an error");
    assert_eq!(
        (error.kind.as_str(), error.message.as_str()),
        ("GuestPanic", "boom")
    );
}

#[test]
fn context_and_logs_are_the_calls() {
    let env = StateEnv::new();
    let args = [
        "near-ids",
        "near-log",
        "hello",
        "near-sha256",
        "abc",
        "exit",
        "0",
    ];
    let (out, outcome) = probe(&args, Some(env.binding()), |spec| {
        spec.context.signer = Some(outlayer_fs::AccountId::new("alice.near").expect("id"));
    });
    assert!(outcome.is_success(), "{outcome:?}");
    assert!(
        out.contains("near-ids: app.near alice.near app.near 7 1700000000000000000"),
        "{out}"
    );
    assert!(out.contains(
        "near-sha256: 0 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    ));
    assert_eq!(outcome.logs, ["hello"]);
}

#[test]
fn storage_syscalls_need_a_mounted_account() {
    let (_, outcome) = probe(&["near-read", "k", "exit", "0"], None, |_| {});
    assert_eq!(outcome.error_kind(), Some("StorageError"), "{outcome:?}");
    let (out, outcome) = probe(&["near-sha256", "", "exit", "0"], None, |_| {});
    assert!(outcome.is_success(), "{outcome:?}");
    assert!(out.starts_with("near-sha256: 0 e3b0c442"), "{out}");
}

/// The design note's C example (`#include <sys/syscall.h>`, `syscall(SYS_near_storage_write,
/// key, 5, value, 2)` in `increment_counter()`), compiled unchanged by Debian's clang with
/// `-I guest/include` and `guest/lib/near_syscall.c`, writes the counter that direct mode's
/// tools read back.
#[test]
fn the_design_notes_c_example_writes_the_counter() {
    let env = StateEnv::new();
    let mut spec = outlayer_kernel::linux::TaskSpec::new(
        linux_support::program("increment_counter"),
        "increment_counter",
    );
    let out = outlayer_kernel::linux::Capture::new();
    spec.stdout = Box::new(out.clone());
    spec.state = Some(env.binding());
    let outcome = linux_support::kernel().run(spec);
    assert!(outcome.is_success(), "{outcome:?}");
    assert!(outcome.committed);
    assert_eq!(
        String::from_utf8_lossy(&out.bytes()),
        "syscall read: 2 42\nmissing: -1 No such file or directory\nfile read: 2 42\n"
    );
    // What `outlayerd state get app.near count` reads.
    let stored = env.store.get(&env.account, b"count").ok().flatten();
    assert_eq!(stored, Some(b"42".to_vec()));
}

/// A Rust program using `near-guest` increments the counter: each run commits one more,
/// which the file view and direct mode's store read back.
#[test]
fn a_near_guest_program_increments_the_counter() {
    let env = StateEnv::new();
    for expected in ["42", "43"] {
        let mut spec =
            outlayer_kernel::linux::TaskSpec::new(linux_support::program("counter"), "counter");
        let out = outlayer_kernel::linux::Capture::new();
        spec.stdout = Box::new(out.clone());
        spec.state = Some(env.binding());
        let outcome = linux_support::kernel().run(spec);
        assert!(outcome.committed, "{outcome:?}");
        assert_eq!(outcome.logs, [format!("count = {expected}")]);
        let printed = String::from_utf8_lossy(&out.bytes()).into_owned();
        assert!(printed.starts_with("app.near "), "{printed}");
        assert!(printed.ends_with(&format!("-> {expected}\n")), "{printed}");
        let stored = env.store.get(&env.account, b"count").ok().flatten();
        assert_eq!(stored, Some(expected.as_bytes().to_vec()));
    }
}

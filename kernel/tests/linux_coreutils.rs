//! Real programs from registry sources on `/near/state`: uutils coreutils (the `coreutils`
//! crate 0.12, `feat_wasm`), built for wasm32-wasip1 by `guest/build-programs.sh`. Each
//! command is one task; what it changes is committed on exit 0 and read back from the store.

mod linux_support;

use linux_support::{kernel, probe, program, StateEnv};
use outlayer_kernel::linux::{Capture, TaskOutcome, TaskSpec};

/// `coreutils ARGS...` with the account at `/near/state`; asserts it exits 0 and returns
/// its stdout.
fn run(env: &StateEnv, args: &[&str], stdin: &[u8]) -> String {
    let (out, err, outcome) = tool(env, args, stdin);
    assert!(outcome.is_success(), "{args:?}: {err}\n{outcome:?}");
    assert!(outcome.committed, "{args:?}");
    out
}

fn tool(env: &StateEnv, args: &[&str], stdin: &[u8]) -> (String, String, TaskOutcome) {
    let mut spec = TaskSpec::new(program("coreutils"), "coreutils");
    spec.argv.extend(args.iter().map(|s| s.to_string()));
    spec.state = Some(env.binding());
    spec.stdin = Box::new(std::io::Cursor::new(stdin.to_vec()));
    let (out, err) = (Capture::new(), Capture::new());
    spec.stdout = Box::new(out.clone());
    spec.stderr = Box::new(err.clone());
    let outcome = kernel().run(spec);
    let text = |c: &Capture| String::from_utf8_lossy(&c.bytes()).into_owned();
    (text(&out), text(&err), outcome)
}

fn keys(env: &StateEnv) -> Vec<String> {
    env.snapshot()
        .into_iter()
        .map(|(k, _)| String::from_utf8_lossy(&k).into_owned())
        .collect()
}

#[test]
fn coreutils_work_on_account_state() {
    let env = StateEnv::new();
    let list = "/near/state/list";
    run(&env, &["tee", list], b"pear\napple\nfig\n");
    assert_eq!(
        env.store.get(&env.account, b"list").ok().flatten(),
        Some(b"pear\napple\nfig\n".to_vec())
    );
    assert_eq!(run(&env, &["cat", "/near/state/note"], b""), "hello");
    assert_eq!(run(&env, &["sort", list], b""), "apple\nfig\npear\n");
    assert_eq!(run(&env, &["wc", "-l", list], b""), format!("3 {list}\n"));
    assert_eq!(run(&env, &["tail", "-n", "1", list], b""), "fig\n");
    assert_eq!(
        run(&env, &["sha256sum", "/near/state/note"], b""),
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824  /near/state/note\n"
    );
    run(&env, &["mkdir", "-p", "/near/state/a/b/c"], b"");
    run(&env, &["cp", list, "/near/state/a/b/list"], b"");
    run(
        &env,
        &["cp", "-r", "/near/state/a", "/near/state/copy"],
        b"",
    );
    run(&env, &["mv", "/near/state/copy", "/near/state/moved"], b"");
    assert!(
        keys(&env).contains(&"moved/b/list".to_string()),
        "{:?}",
        keys(&env)
    );
    run(&env, &["rm", "-r", "/near/state/moved"], b"");
    run(&env, &["split", "-l", "1", list, "/near/state/part-"], b"");
    let listing = run(&env, &["ls", "-la", "/near/state"], b"");
    for name in [
        "a", "count", "list", "note", "part-aa", "part-ab", "part-ac",
    ] {
        assert!(
            listing.lines().any(|l| l.ends_with(&format!(" {name}"))),
            "{name}: {listing}"
        );
    }
    assert_eq!(
        keys(&env),
        ["a/b/list", "count", "list", "note", "part-aa", "part-ab", "part-ac"]
    );
    assert_eq!(
        env.store.get(&env.account, b"part-ab").ok().flatten(),
        Some(b"apple\n".to_vec())
    );
}

/// A failing command commits nothing, whatever it wrote before failing.
#[test]
fn a_failing_command_commits_nothing() {
    let env = StateEnv::new();
    let before = env.snapshot();
    let (_, _, outcome) = tool(
        &env,
        &[
            "cp",
            "/near/state/note",
            "/near/state/x",
            "/near/state/missing-dir/",
        ],
        b"",
    );
    assert_ne!(outcome.exit_code, Some(0), "{outcome:?}");
    assert!(!outcome.committed);
    assert_eq!(env.snapshot(), before);
}

/// Everything the store holds of `app.near` but inode numbers (which are the store's own):
/// keys with size, times and mode; directories and the account with times and mode.
fn metadata(env: &StateEnv) -> Vec<String> {
    let s = &env.store;
    let mut out = Vec::new();
    for (key, _) in env.snapshot() {
        let m = s.meta(&env.account, &key).expect("meta").expect("key meta");
        out.push(format!(
            "{} size={} mtime={} ctime={} atime={} mode={:o}",
            String::from_utf8_lossy(&key),
            m.size,
            m.mtime_ns,
            m.ctime_ns,
            m.atime_ns,
            m.mode
        ));
    }
    let dirs = s.dirs(&env.account).expect("dirs");
    let account = s.account(&env.account).expect("account").expect("exists");
    for (path, d) in [(b"".to_vec(), account)].into_iter().chain(dirs) {
        out.push(format!(
            "{}/ mtime={} ctime={} atime={} mode={:o}",
            String::from_utf8_lossy(&path),
            d.mtime_ns,
            d.ctime_ns,
            d.atime_ns,
            d.mode
        ));
    }
    out
}

/// What a task shows and writes of metadata depends on its context and the state only: the
/// same commands on two stores holding the same state, one of which has allocated many more
/// inode numbers and runs at another host time, print the same long listings (times and
/// inode numbers included) and leave the same metadata.
#[test]
fn listings_and_written_metadata_are_deterministic() {
    let session = |env: &StateEnv| {
        let mut printed = Vec::new();
        for args in [
            &["mkdir", "-p", "/near/state/d/e"][..],
            &["tee", "/near/state/d/new"],
            &["touch", "/near/state/note"],
            &["cp", "/near/state/count", "/near/state/d/e/count"],
            &["mv", "/near/state/d/new", "/near/state/moved"],
            &["ls", "-laR", "--full-time", "/near/state"],
        ] {
            printed.push(run(env, args, b"fresh\n"));
        }
        // Inode numbers too (uutils' `ls -i` prints none under WASI).
        let stats = [
            "/near/state",
            "/near/state/count",
            "/near/state/d/e",
            "/near/state/moved",
        ]
        .into_iter()
        .flat_map(|p| ["stat", p])
        .collect::<Vec<_>>();
        let (out, outcome) = probe(&stats, Some(env.binding()), |_| {});
        assert!(outcome.is_success(), "{outcome:?}");
        assert!(!out.contains("error"), "{out}");
        printed.push(out);
        (printed, metadata(env))
    };
    let first = StateEnv::new();
    let second = StateEnv::new();
    // The second store's history differs: inode numbers spent elsewhere, and later.
    let other = outlayer_fs::AccountId::new("other.near").expect("account id");
    for i in 0..500u32 {
        let mut txn = second.store.begin(&other).expect("txn");
        txn.put(format!("churn{i}").as_bytes(), vec![1])
            .expect("put");
        txn.create_dir(format!("dir{i}").as_bytes(), 0o755)
            .expect("dir");
        txn.commit().expect("commit");
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    let (a, b) = (session(&first), session(&second));
    assert_eq!(a, b);
    let listing = a.0[5].clone();
    // The listing shows the task's clock, not the host's: what the task wrote carries the
    // block time (TaskSpec's default, the epoch) plus the work done, what it did not the
    // seed's time.
    assert!(listing.contains("1970-01-01 00:00:00.00"), "{listing}");
    assert!(
        listing.contains("2023-11-14 22:13:20.123456789"),
        "{listing}"
    );
    let stats = a.0.last().cloned().unwrap_or_default();
    assert!(
        stats.starts_with("stat: [1, "),
        "numbered from 1 as met: {stats}"
    );
}

//! Real programs from registry sources on `/near/state`: uutils coreutils (the `coreutils`
//! crate 0.12, `feat_wasm`), built for wasm32-wasip1 by `guest/build-programs.sh`. Each
//! command is one task; what it changes is committed on exit 0 and read back from the store.

mod linux_support;

use linux_support::{kernel, program, StateEnv};
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

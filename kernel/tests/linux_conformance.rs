//! Conformance: the programs of `guest/programs` call every `wasi_snapshot_preview1`
//! function (error paths included) under our kernel and under wasmtime-wasi's preview1,
//! each with a fresh host directory preopened at `/`; stdout, stderr and the exit status
//! must be identical (the intended differences are listed in `outlayer_kernel::linux`; these
//! programs print nothing they touch).

mod linux_support;

use linux_support::{both, ours, program, reference, tempdir, Case, StateEnv};

/// Runs `name` under both runtimes and asserts the same stdout, stderr and exit status;
/// returns the WASI calls ours made.
fn compare(
    name: &str,
    argv: &[&str],
    env: &[(&str, &str)],
    stdin: &[u8],
) -> std::collections::BTreeMap<String, u64> {
    let (mine, theirs, outcome) = both(name, argv, env, stdin, |_| {});
    if mine.stdout != theirs.stdout {
        let diff: Vec<String> = mine
            .stdout
            .lines()
            .zip(theirs.stdout.lines())
            .filter(|(x, y)| x != y)
            .map(|(x, y)| format!("ours:     {x}\nwasmtime: {y}"))
            .collect();
        panic!(
            "{name}: stdout differs ({} vs {} lines):\n{}\n--- ours\n{}",
            mine.stdout.lines().count(),
            theirs.stdout.lines().count(),
            diff.join("\n"),
            mine.stdout
        );
    }
    assert_eq!(mine.stderr, theirs.stderr, "{name}: stderr");
    assert_eq!(
        mine.status, theirs.status,
        "{name}: exit status ({outcome:?})"
    );
    assert!(outcome.gas_burnt > 0);
    outcome.syscalls
}

#[test]
fn rust_program_calls_every_function_as_wasmtime_answers() {
    let called = compare(
        "conformance",
        &["conformance", "--flag", "ünïcode"],
        &[("HOME", "/"), ("B", "2=two")],
        b"some input\n",
    );
    let missed: Vec<&&str> = outlayer_kernel::linux::wasi::FUNCTIONS
        .iter()
        .filter(|f| !called.contains_key(**f))
        .collect();
    assert_eq!(outlayer_kernel::linux::wasi::FUNCTIONS.len(), 46);
    assert!(missed.is_empty(), "never called: {missed:?}");
}

#[test]
fn c_program_does_posix_io_as_under_wasmtime() {
    compare(
        "conformance_c",
        &["conformance_c"],
        &[("GREETING", "hello")],
        b"a line of input\n",
    );
}

/// Arguments wasmtime's bindings cannot convert (unknown enum values, flag bits), bad
/// pointers and `proc_exit(126)`: the program traps under both, before printing anything.
#[test]
fn bad_arguments_and_pointers_trap_as_under_wasmtime() {
    let code = program("conformance");
    let cases = [
        "whence",
        "advice",
        "clock",
        "fdflags",
        "oflags",
        "lookupflags",
        "rights",
        "fstflags",
        "signal",
        "sdflags",
        "pointer",
        "misaligned",
        "exit",
    ];
    for case in cases {
        let arg = format!("trap:{case}");
        let dir = tempdir();
        let c = Case {
            code: &code,
            argv: &["conformance", &arg],
            env: &[],
            stdin: b"",
            root: dir.path(),
        };
        let (mine, outcome) = ours(&c);
        let theirs = reference(&c);
        assert!(
            theirs.status.is_err(),
            "{case}: wasmtime did not trap: {theirs:?}"
        );
        assert_eq!(mine.status, Err("WasmTrap".into()), "{case}: {outcome:?}");
        assert_eq!(mine.stdout, theirs.stdout, "{case}");
        assert_eq!(mine.stdout, "", "{case}");
    }
}

/// The kernel's memory root against wasmtime's host directory: the same answers.
#[test]
fn the_memory_root_answers_as_a_host_directory() {
    for (name, status) in [("conformance_c", 5), ("conformance", 7)] {
        let (mine, theirs, _) = both(name, &[name], &[], b"in\n", |spec| spec.mounts.clear());
        assert_eq!(mine, theirs, "{name}");
        assert_eq!(mine.status, Ok(status));
    }
}

/// Account state at `/` against wasmtime's host directory: the same answers, but for links.
/// State has no symbolic or hard links (the 9P server answers `PERM`), so the lines that
/// make, read or count links differ, and nothing else.
#[test]
fn state_at_root_answers_as_a_host_directory_but_for_links() {
    const ABOUT_LINKS: &[&str] = &[
        "  dir ",
        "link",
        "sym",
        "hard",
        "mtime",
        "utimensat",
        "read_dir",
        "ls /cwork",
        "work/p/g",
        "  -> ",
        "  \"",
        "  1",
        "  6",
    ];
    let env = StateEnv::new();
    for (name, status) in [("conformance_c", 5), ("conformance", 7)] {
        let (mine, theirs, outcome) = both(name, &[name], &[], b"in\n", |spec| {
            spec.mounts.clear();
            spec.state = Some(env.binding());
            spec.state_at = "/".into();
        });
        let (ours, wasmtime) = (mine.stdout.lines(), theirs.stdout.lines());
        assert_eq!(
            ours.clone().count(),
            wasmtime.clone().count(),
            "{name}\n{}",
            mine.stdout
        );
        for (o, w) in ours.zip(wasmtime) {
            let explained = ABOUT_LINKS.iter().any(|about| w.contains(about));
            assert!(o == w || explained, "{name}: {o:?} vs {w:?}");
        }
        assert_eq!((&mine.stderr, &mine.status), (&theirs.stderr, &Ok(status)));
        // Both exit non-zero: nothing is committed.
        assert!(!outcome.committed);
    }
    let keys: Vec<Vec<u8>> = env.snapshot().into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, [&b"count"[..], b"note"]);
}

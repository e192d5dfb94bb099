//! `outlayerd run`: a real wasm32-wasip1 program (guest/programs/probe) on an account's
//! state, in-process and through a running daemon (streams passed over the control socket),
//! with its exit status, commits, rollbacks and errors as a user sees them.

#![allow(clippy::unwrap_used, missing_docs)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use outlayer_tests::{cli, cli_ok, contract_path, outlayerd_bin, program_path, TestDaemon};

/// `outlayerd --data-dir DATA run app.near PROGRAM.wasm [FLAGS] -- ARGS`, with `stdin`.
fn run_program(data: &Path, program: &str, flags: &[&str], args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(outlayerd_bin())
        .arg("--data-dir")
        .arg(data)
        .args(["run", "app.near"])
        .arg(program_path(program))
        .args(flags)
        .arg("--")
        .args(args)
        .env_remove("OUTLAYER_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// The test driver program (guest/programs/probe).
fn run_probe(data: &Path, flags: &[&str], args: &[&str], stdin: &[u8]) -> Output {
    run_program(data, "probe", flags, args, stdin)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn make_account(data: &Path) {
    cli_ok(data, &["state", "put", "app.near", "seed", "s"]);
}

#[test]
fn a_program_reads_and_writes_state_in_process() {
    let d = TestDaemon::unstarted();
    make_account(&d.data_dir);
    let o = run_probe(
        &d.data_dir,
        &[],
        &[
            "read",
            "/near/state/seed",
            "write",
            "/near/state/greeting",
            "hello",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "read: \"s\"\nwrite: ()\n");
    assert_eq!(
        cli_ok(&d.data_dir, &["state", "get", "app.near", "greeting"]),
        b"hello"
    );
    // The exit status is the program's, and a failing program commits nothing.
    let o = run_probe(
        &d.data_dir,
        &[],
        &["write", "/near/state/x", "1", "exit", "3"],
        b"",
    );
    assert_eq!(o.status.code(), Some(3));
    let o = cli(&d.data_dir, &["state", "get", "app.near", "x"]);
    assert!(!o.status.success(), "exit 3 rolled the write back");
    // --dry-run never commits.
    let o = run_probe(
        &d.data_dir,
        &["--dry-run"],
        &["write", "/near/state/y", "1"],
        b"",
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(!cli(&d.data_dir, &["state", "get", "app.near", "y"])
        .status
        .success());
}

#[test]
fn through_a_daemon_the_streams_pass_and_the_mount_sees_the_commit() {
    let d = TestDaemon::start();
    make_account(&d.data_dir);
    let o = run_probe(
        &d.data_dir,
        &[],
        &["cat-stdin", "write", "/near/state/from-run", "via daemon"],
        b"piped input\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "piped input\ncat-stdin: 12\nwrite: ()\n");
    // The daemon ran it: the FUSE mount shows the commit at once.
    assert_eq!(
        std::fs::read(d.path("app.near/from-run")).unwrap(),
        b"via daemon"
    );
    // A trap is one line on stderr and status 1, with nothing committed.
    let o = run_probe(
        &d.data_dir,
        &[],
        &["write", "/near/state/t", "1", "trap"],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("WasmTrap"), "{}", text(&o.stderr));
    assert!(!d.path("app.near/t").exists());
}

#[test]
fn json_reports_the_run_and_the_context_makes_it_deterministic() {
    let d = TestDaemon::unstarted();
    make_account(&d.data_dir);
    let flags = ["--json", "--block-timestamp", "1700000000000000000"];
    let runs: Vec<serde_json::Value> = (0..2)
        .map(|_| {
            let o = run_probe(&d.data_dir, &flags, &["random", "time"], b"");
            assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
            serde_json::from_slice(&o.stdout).unwrap()
        })
        .collect();
    let r = &runs[0];
    assert_eq!(r["status"], 0);
    assert_eq!(r["exit_code"], 0);
    assert!(r["gas_burnt"].as_u64().unwrap() > 0);
    assert!(r["syscalls"]["random_get"].as_u64().unwrap() >= 1, "{r}");
    assert!(r["stdout"].as_str().unwrap().starts_with("random: "));
    assert_eq!(r["stdout"], runs[1]["stdout"], "same context, same bytes");
}

#[test]
fn host_directories_and_bad_input() {
    let d = TestDaemon::unstarted();
    make_account(&d.data_dir);
    let host = tempfile::tempdir().unwrap();
    std::fs::write(host.path().join("input.csv"), "a,1\n").unwrap();
    let dir = format!("{}::/in", host.path().display());
    let o = run_probe(
        &d.data_dir,
        &["--dir-ro", &dir],
        &["read", "/in/input.csv", "write", "/in/new", "x"],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.starts_with("read: \"a,1\\n\"\nwrite: error: "), "{out}");
    assert!(!host.path().join("new").exists());
    // One line and exit 2 for bad input; 1 for a missing account.
    for (flags, want) in [
        (vec!["--env", "NOEQUALS"], 2),
        (vec!["--dir", "/definitely/not/here"], 2),
        (vec!["--timeout", "-1"], 2),
    ] {
        let o = run_probe(&d.data_dir, &flags, &[], b"");
        assert_eq!(
            o.status.code(),
            Some(want),
            "{flags:?}: {}",
            text(&o.stderr)
        );
        assert_eq!(text(&o.stderr).lines().count(), 1, "{}", text(&o.stderr));
    }
    let not_wasm = host.path().join("input.csv");
    let o = cli(
        &d.data_dir,
        &["run", "app.near", not_wasm.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    // A NEAR contract is wasm but not a WASI command.
    let contract = contract_path("counter");
    let o = cli(
        &d.data_dir,
        &["run", "app.near", contract.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert_eq!(text(&o.stderr).lines().count(), 1, "{}", text(&o.stderr));
    let probe = program_path("probe");
    let o = cli(
        &d.data_dir,
        &["run", "nobody.near", probe.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("does not exist"));
}

/// `outlayerd run app.near coreutils.wasm -- ARGS` through the daemon; asserts exit 0.
fn coreutils(d: &TestDaemon, args: &[&str], stdin: &[u8]) -> String {
    let o = run_program(&d.data_dir, "coreutils", &[], args, stdin);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
    text(&o.stdout)
}

#[test]
fn coreutils_through_run_are_seen_on_the_mount_and_by_state_get() {
    let d = TestDaemon::start();
    make_account(&d.data_dir);
    let lines: String = (0..2000)
        .map(|i| format!("line {:05}\n", (i * 7919) % 2000))
        .collect();
    coreutils(&d, &["tee", "/near/state/input"], lines.as_bytes());
    coreutils(&d, &["mkdir", "-p", "/near/state/out/sorted"], b"");
    let sorted = coreutils(&d, &["sort", "/near/state/input"], b"");
    coreutils(
        &d,
        &["tee", "/near/state/out/sorted/all"],
        sorted.as_bytes(),
    );
    coreutils(
        &d,
        &["cp", "-r", "/near/state/out", "/near/state/copy"],
        b"",
    );
    coreutils(
        &d,
        &["mv", "/near/state/copy/sorted/all", "/near/state/moved"],
        b"",
    );
    let mut want: Vec<&str> = lines.lines().collect();
    want.sort();
    let want = want.join("\n") + "\n";
    // The FUSE mount shows the tree the programs made, with the contents they wrote.
    assert_eq!(
        std::fs::read_to_string(d.path("app.near/out/sorted/all")).unwrap(),
        want
    );
    assert_eq!(
        std::fs::read_to_string(d.path("app.near/moved")).unwrap(),
        want
    );
    assert!(d.path("app.near/copy/sorted").is_dir());
    assert!(!d.path("app.near/copy/sorted/all").exists());
    // And the keys are plain NEAR state.
    assert_eq!(
        text(&cli_ok(&d.data_dir, &["state", "get", "app.near", "moved"])),
        want
    );
    let wc = coreutils(&d, &["wc", "-l", "/near/state/moved"], b"");
    assert_eq!(wc, "2000 /near/state/moved\n");
    // A failing command commits nothing.
    let o = run_probe(
        &d.data_dir,
        &[],
        &["write", "/near/state/moved", "x", "exit", "1"],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(d.path("app.near/moved")).unwrap(),
        want
    );
}

#[test]
fn sqlite_on_state_is_a_real_database_on_the_mount() {
    let d = TestDaemon::start();
    make_account(&d.data_dir);
    let sqlite =
        |args: &[&str], stdin: &[u8]| run_program(&d.data_dir, "sqlite-app", &[], args, stdin);
    let o = sqlite(&["/near/state/db", "insert", "10000"], b"");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "inserted 10000\n");
    // Reopened by a new task: intact.
    let o = sqlite(&["/near/state/db", "check"], b"");
    assert_eq!(text(&o.stdout), "integrity: ok rows: 10000 sum: 50036578\n");
    // The DELETE journal came and went: only the database is state.
    assert!(!d.path("app.near/db-journal").exists());
    // The host's own sqlite3 reads the file on the mount, and it is the stored value.
    outlayer_tests::require_tool("sqlite3");
    let host = Command::new("sqlite3")
        .arg(d.path("app.near/db"))
        .arg("SELECT count(*), sum(v) FROM t; PRAGMA integrity_check;")
        .output()
        .unwrap();
    assert_eq!(
        text(&host.stdout),
        "10000|50036578\nok\n",
        "{}",
        text(&host.stderr)
    );
    let stored = cli_ok(&d.data_dir, &["state", "get", "app.near", "db"]);
    assert_eq!(stored, std::fs::read(d.path("app.near/db")).unwrap());
    // A failing statement exits 1 and leaves the database byte for byte.
    let o = sqlite(
        &["/near/state/db", "sql"],
        b"DELETE FROM t; INSERT INTO nosuchtable VALUES (1)",
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    assert_eq!(
        cli_ok(&d.data_dir, &["state", "get", "app.near", "db"]),
        stored
    );
    let o = sqlite(
        &["/near/state/db", "sql"],
        b"SELECT name FROM t WHERE id = 42",
    );
    assert_eq!(text(&o.stdout), "row 41\n");
}

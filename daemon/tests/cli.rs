//! The `outlayerd` command line, run as a real process: help, input errors, mount errors,
//! and `state` commands embedded versus through a running daemon's control socket.

#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_outlayerd");

// The workspace's one copy of the daemon-process fixtures, included rather than taken from
// `outlayer-tests`, which depends on this crate (why: tests/src/lib.rs).
#[path = "../../tests/src/daemon.rs"]
#[allow(unreachable_pub)] // its items are `pub` for outlayer-tests, which exports them
mod daemon;
use daemon::is_mount_point;

/// A private scratch directory, removed (after unmounting anything in it) on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "outlayerd-cli-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }

    fn data(&self) -> PathBuf {
        self.0.join("data")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let mnt = self.0.join("mnt");
        if is_mount_point(&mnt) {
            daemon::force_unmount(&mnt);
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("OUTLAYER_DATA_DIR")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn run_in(data: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--data-dir", data.to_str().unwrap()];
    all.extend_from_slice(args);
    run(&all)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a bad-input failure: exit 2 and exactly one line on stderr.
#[track_caller]
fn assert_usage_error(o: &Output) {
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(o));
    let err = stderr(o);
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "expected one line on stderr, got: {err:?}"
    );
    assert!(o.stdout.is_empty(), "no output expected on error");
}

/// Spawns `outlayerd --data-dir DATA ARGS…`, its stderr in `log`, and waits until `ready`
/// holds.
fn spawn_daemon(data: &Path, args: &[&Path], log: &Path, ready: impl Fn() -> bool) -> Child {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(data).args(args);
    daemon::start(&mut cmd, log, ready)
}

/// Spawns `outlayerd mount` and waits for the mount.
fn mount(data: &Path, mnt: &Path) -> Child {
    std::fs::create_dir_all(mnt).unwrap();
    let log = mnt.with_extension("log");
    spawn_daemon(data, &[Path::new("mount"), mnt], &log, || {
        is_mount_point(mnt)
    })
}

/// Spawns `outlayerd serve` on the 9P socket `sock` and waits for both of its sockets.
fn serve(data: &Path, sock: &Path) -> Child {
    let args = [Path::new("serve"), Path::new("--9p-socket"), sock];
    spawn_daemon(data, &args, &sock.with_extension("log"), || {
        sock.exists() && data.join("control.sock").exists()
    })
}

fn stop(mut child: Child) {
    let status = daemon::terminate(&mut child, daemon::STOP_TIMEOUT)
        .expect("daemon did not exit after SIGTERM");
    assert!(status.success(), "daemon exit status {status}");
}

#[test]
fn help_works_for_every_subcommand() {
    for args in [
        &["--help"][..],
        &["mount", "--help"],
        &["umount", "--help"],
        &["serve", "--help"],
        &["state", "--help"],
        &["state", "ls", "--help"],
        &["state", "get", "--help"],
        &["state", "put", "--help"],
        &["state", "rm", "--help"],
    ] {
        let o = run(args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(text.contains("Usage:"), "{args:?} printed no usage: {text}");
    }
    let top = String::from_utf8(run(&["--help"]).stdout).unwrap();
    for sub in ["mount", "umount", "state"] {
        assert!(top.contains(sub), "--help does not mention {sub}");
    }
    let get = String::from_utf8(run(&["state", "get", "--help"]).stdout).unwrap();
    for opt in ["--format", "--key-hex", "--key-base64"] {
        assert!(get.contains(opt), "state get --help does not mention {opt}");
    }
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let s = Scratch::new();
    let d = s.data();
    assert_usage_error(&run_in(&d, &["state", "put", "Not_Valid!", "k", "v"]));
    assert_usage_error(&run_in(&d, &["state", "get", "bad..account", "k"]));
    assert_usage_error(&run_in(&d, &["state", "ls", "UPPER.near"]));
    assert_usage_error(&run_in(&d, &["state", "get", "a.near", "zz", "--key-hex"]));
    assert_usage_error(&run_in(
        &d,
        &["state", "put", "a.near", "abc", "--key-hex", "v"],
    ));
    assert_usage_error(&run_in(
        &d,
        &["state", "get", "a.near", "!!", "--key-base64"],
    ));
    // Missing value.
    assert_usage_error(&run_in(&d, &["state", "put", "a.near", "k"]));
    // Unknown format, unknown subcommand.
    assert_usage_error(&run_in(
        &d,
        &["state", "get", "a.near", "k", "--format", "xml"],
    ));
    assert_usage_error(&run(&["frobnicate"]));
    // Value file that does not exist.
    let o = run_in(
        &d,
        &[
            "state",
            "put",
            "a.near",
            "k",
            "--value-file",
            "/nonexistent/x",
        ],
    );
    assert_ne!(o.status.code(), Some(0));
    assert_eq!(stderr(&o).trim_end().lines().count(), 1, "{}", stderr(&o));
    // Value too large (4 MiB + 1).
    let big = s.0.join("big");
    std::fs::write(&big, vec![7u8; (4 << 20) + 1]).unwrap();
    let o = run_in(
        &d,
        &[
            "state",
            "put",
            "a.near",
            "k",
            "--value-file",
            big.to_str().unwrap(),
        ],
    );
    assert_usage_error(&o);
    // Nothing was written by any of the above.
    let o = run_in(&d, &["state", "get", "a.near", "k"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stderr(&o).trim_end().lines().count(), 1);
}

#[test]
fn missing_key_and_account_are_runtime_errors() {
    let s = Scratch::new();
    let d = s.data();
    let o = run_in(&d, &["state", "put", "a.near", "k", "v"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for args in [
        &["state", "get", "a.near", "missing"][..],
        &["state", "rm", "a.near", "missing"],
        &["state", "ls", "nobody.near"],
    ] {
        let o = run_in(&d, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).trim_end().lines().count(), 1, "{}", stderr(&o));
    }
    // `--format json` on a non-JSON value fails; on JSON it pretty-prints.
    let o = run_in(&d, &["state", "get", "a.near", "k", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    run_in(&d, &["state", "put", "a.near", "j", r#"{"a":[1,2]}"#]);
    let o = run_in(&d, &["state", "get", "a.near", "j", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v, serde_json::json!({"a": [1, 2]}));
}

#[test]
fn data_dir_falls_back_to_env() {
    let s = Scratch::new();
    let o = Command::new(BIN)
        .args(["state", "put", "env.near", "k", "from-env"])
        .env("OUTLAYER_DATA_DIR", s.data())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_in(&s.data(), &["state", "get", "env.near", "k"]);
    assert_eq!(o.stdout, b"from-env");
}

#[test]
fn mount_on_missing_mountpoint_fails_clearly() {
    let s = Scratch::new();
    let missing = s.0.join("no-such-dir");
    let o = run_in(&s.data(), &["mount", missing.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("no-such-dir"),
        "error does not name the mountpoint: {err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    // A file is not a mountpoint either.
    let file = s.0.join("file");
    std::fs::write(&file, b"x").unwrap();
    let o = run_in(&s.data(), &["mount", file.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not a directory"), "{}", stderr(&o));
}

#[test]
fn busy_mountpoint_and_held_data_dir_are_refused() {
    let s = Scratch::new();
    let mnt = s.0.join("mnt");
    let daemon = mount(&s.data(), &mnt);
    // Same mountpoint, another data dir: busy.
    let other = s.0.join("other-data");
    let o = run_in(&other, &["mount", mnt.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("busy"), "{}", stderr(&o));
    // Same data dir, another mountpoint: the store is held.
    let mnt2 = s.0.join("mnt2");
    std::fs::create_dir(&mnt2).unwrap();
    let o = run_in(&s.data(), &["mount", mnt2.to_str().unwrap()]);
    assert!(
        !o.status.success(),
        "second daemon on the same data dir started"
    );
    assert!(stderr(&o).contains("in use"), "{}", stderr(&o));
    assert!(!is_mount_point(&mnt2));
    // The first daemon is unaffected.
    assert!(is_mount_point(&mnt));
    stop(daemon);
    assert!(!is_mount_point(&mnt));
}

#[test]
fn umount_subcommand_ends_the_daemon() {
    let s = Scratch::new();
    let mnt = s.0.join("mnt");
    let mut daemon = mount(&s.data(), &mnt);
    let o = run(&["umount", mnt.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let start = Instant::now();
    let status = loop {
        if let Some(st) = daemon.try_wait().unwrap() {
            break st;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "daemon kept running after umount"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    assert!(!is_mount_point(&mnt));
}

/// Runs the same sequence of `state` commands; returns every (status, stdout) pair.
fn state_script(data: &Path) -> Vec<(Option<i32>, Vec<u8>)> {
    let steps: &[&[&str]] = &[
        &["state", "put", "alice.near", "count", "5"],
        &["state", "put", "alice.near", "a/b", "slash"],
        &["state", "put", "alice.near", "00ff2f", "--key-hex", "bin"],
        &["state", "put", "alice.near", "AAEC", "--key-base64", "b64"],
        &["state", "ls", "alice.near"],
        &["state", "get", "alice.near", "count"],
        &["state", "get", "alice.near", "count", "--format", "hex"],
        &["state", "get", "alice.near", "count", "--format", "base64"],
        &["state", "get", "alice.near", "count", "--format", "json"],
        &["state", "get", "alice.near", "00ff2f", "--key-hex"],
        &["state", "get", "alice.near", "000102", "--key-hex"],
        &["state", "rm", "alice.near", "a/b"],
        &["state", "get", "alice.near", "a/b"],
        &["state", "rm", "alice.near", "a/b"],
        &["state", "ls", "alice.near"],
        &["state", "ls", "nobody.near"],
    ];
    steps
        .iter()
        .map(|a| {
            let o = run_in(data, a);
            (o.status.code(), o.stdout)
        })
        .collect()
}

#[test]
fn state_commands_same_through_daemon_as_embedded() {
    let s = Scratch::new();
    let embedded_dir = s.0.join("embedded");
    let embedded = state_script(&embedded_dir);
    let ls: Vec<&str> = std::str::from_utf8(&embedded[4].1)
        .unwrap()
        .lines()
        .collect();
    assert_eq!(ls, vec!["%00%01%02", "%00%FF%2F", "a%2Fb", "count"]);
    assert_eq!(embedded[5], (Some(0), b"5".to_vec()));
    assert_eq!(embedded[6], (Some(0), b"35\n".to_vec()));
    assert_eq!(embedded[7], (Some(0), b"NQ==\n".to_vec()));
    assert_eq!(embedded[8], (Some(0), b"5\n".to_vec()));
    assert_eq!(embedded[9], (Some(0), b"bin".to_vec()));
    assert_eq!(embedded[10], (Some(0), b"b64".to_vec()));
    assert_eq!(embedded[12].0, Some(1));
    assert_eq!(embedded[13].0, Some(1));
    assert_eq!(embedded[15].0, Some(1));

    let mnt = s.0.join("mnt");
    let daemon_dir = s.0.join("daemon");
    let daemon = mount(&daemon_dir, &mnt);
    assert!(
        daemon_dir.join("control.sock").exists(),
        "no control socket while mounted"
    );
    let through = state_script(&daemon_dir);
    assert_eq!(through, embedded, "daemon and embedded results differ");
    // The mount shows what the control socket wrote.
    assert_eq!(std::fs::read(mnt.join("alice.near/count")).unwrap(), b"5");
    stop(daemon);
    assert!(
        !daemon_dir.join("control.sock").exists(),
        "control socket left behind"
    );
    // After the daemon is gone, the embedded path sees the same state.
    let o = run_in(&daemon_dir, &["state", "get", "alice.near", "count"]);
    assert_eq!(o.stdout, b"5");

    // `serve` (9P, no mount) starts the same daemon and answers the same way.
    let served_dir = s.0.join("served");
    let sock = s.0.join("9p.sock");
    let daemon = serve(&served_dir, &sock);
    assert_eq!(
        state_script(&served_dir),
        embedded,
        "serve and embedded differ"
    );
    stop(daemon);
    assert!(!sock.exists(), "9P socket left behind");
    assert!(!served_dir.join("control.sock").exists());
}

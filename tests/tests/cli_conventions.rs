//! What a command-line tool is expected to do: `--version`, shell completions and a man page
//! generated from the CLI definition, log levels and formats, no colours off a terminal,
//! and progress drawn on a terminal only. The terminal is a real pseudo-terminal
//! (util-linux's `script`).

#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

use outlayer_tests::{daemon, outlayerd_bin, require_tool};

/// A module exporting `run` (no imports): enough for `deploy` to compile.
const TINY_CONTRACT: &[u8] = &[
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // types: () -> ()
    0x03, 0x02, 0x01, 0x00, // functions: one of type 0
    0x07, 0x07, 0x01, 0x03, b'r', b'u', b'n', 0x00, 0x00, // export "run"
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b, // code: an empty body
];

fn outlayerd(args: &[&str]) -> Output {
    Command::new(outlayerd_bin())
        .args(args)
        .env_remove("OUTLAYER_LOG")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout(args: &[&str]) -> String {
    let out = outlayerd(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn version_completions_and_man_page_come_from_the_cli() {
    let version = stdout(&["--version"]);
    assert_eq!(
        version.trim(),
        format!("outlayerd {}", env!("CARGO_PKG_VERSION"))
    );

    for (shell, marker) in [
        ("bash", "complete -F _outlayerd"),
        ("zsh", "#compdef outlayerd"),
        ("fish", "complete -c outlayerd"),
    ] {
        let script = stdout(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        for sub in ["mount", "umount", "deploy", "completions"] {
            assert!(script.contains(sub), "{shell} completions lack {sub}");
        }
    }
    let bad = outlayerd(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));

    let page = stdout(&["man"]);
    assert!(
        page.starts_with(".ie") && page.contains(".TH outlayerd 1"),
        "{page:.200}"
    );
    for section in ["OUTLAYERD MOUNT", "OUTLAYERD STATE GET", "OUTLAYERD UMOUNT"] {
        assert!(page.contains(section), "the man page lacks {section}");
    }
    for flag in ["background", "premount", "log\\-format", "if\\-mounted"] {
        assert!(page.contains(flag), "the man page lacks --{flag}");
    }
}

/// Runs `outlayerd serve` with `log_args`, stderr to a file, until it listens; stops it and
/// returns what it logged.
fn serve_log(dir: &Path, log_args: &[&str]) -> String {
    let sock = dir.join("9p.sock");
    let log = dir.join(format!("log-{}", log_args.join("-")));
    let mut cmd = Command::new(outlayerd_bin());
    cmd.args(log_args)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("serve")
        .arg("--9p-socket")
        .arg(&sock)
        .env_remove("OUTLAYER_LOG")
        .env_remove("RUST_LOG")
        .env_remove("JOURNAL_STREAM");
    let mut child = daemon::start(&mut cmd, &log, || sock.exists());
    let status = daemon::terminate(&mut child, daemon::STOP_TIMEOUT).expect("daemon stopped");
    assert!(status.success(), "serve exited with {status}");
    std::fs::read_to_string(&log).unwrap()
}

#[test]
fn logs_have_levels_formats_and_no_colours_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();

    let text = serve_log(dir.path(), &[]);
    assert!(text.contains("INFO") && text.contains("serving"), "{text}");
    assert!(!text.contains('\x1b'), "colours in a file: {text:?}");

    let json = serve_log(dir.path(), &["--log-format", "json"]);
    let lines: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["level"] == "INFO" && l["fields"]["message"] == "serving"),
        "{json}"
    );

    let quiet = serve_log(dir.path(), &["--log-level", "warn"]);
    assert!(!quiet.contains("INFO"), "{quiet}");

    let bad = outlayerd(&["--log-level", "info,=[", "stats"]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.starts_with("outlayerd: invalid log filter") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn deploy_shows_progress_on_a_terminal_only() {
    require_tool("script");
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("tiny.wasm");
    std::fs::write(&wasm, TINY_CONTRACT).unwrap();
    let data = dir.path().join("data");
    let deploy = |account: &str| {
        format!(
            "{} --data-dir {} deploy {account} {}",
            outlayerd_bin().display(),
            data.display(),
            wasm.display()
        )
    };

    // Off a terminal: the result line and nothing else.
    let out = Command::new("sh")
        .args(["-c", &deploy("plain.near")])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(stderr.starts_with("outlayerd: deployed"), "{stderr:?}");
    assert!(!stderr.contains("compiling") && !stderr.contains('\r'));

    // On a terminal: a spinner naming the work, cleared before the result line.
    let out = Command::new("script")
        .args(["-qec", &deploy("tty.near"), "/dev/null"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let terminal = String::from_utf8_lossy(&out.stdout);
    assert!(
        terminal.contains("compiling") && terminal.contains("tiny.wasm (33 B)"),
        "{terminal:?}"
    );
    assert!(terminal.contains("outlayerd: deployed"), "{terminal:?}");
}

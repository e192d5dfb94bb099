//! Runs `tests/scripts/fuse_shell.sh` (ls cat echo cp mv rm mkdir rmdir truncate stat, each
//! with an assertion) against a live mount.

#![allow(clippy::unwrap_used, missing_docs)]

use std::process::Command;

use outlayer_tests::{outlayerd_bin, require_tool, TestDaemon};

#[test]
fn shell_tools_on_the_mount() {
    for tool in [
        "bash", "ls", "cat", "cp", "mv", "rm", "mkdir", "rmdir", "truncate", "stat",
    ] {
        require_tool(tool);
    }
    let d = TestDaemon::start();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/fuse_shell.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg(&d.mnt)
        .arg(&d.data_dir)
        .env("OUTLAYERD", outlayerd_bin())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary = stdout.lines().last().unwrap_or_default().to_string();
    assert!(
        out.status.success() && summary.ends_with(" 0 failed"),
        "fuse_shell.sh: {summary}\n{stderr}\ndaemon log:\n{}",
        d.log()
    );
    let passed: u32 = summary.split(' ').next().unwrap().parse().unwrap();
    assert!(passed >= 60, "too few assertions ran: {summary}");
    eprintln!("{summary}");
}

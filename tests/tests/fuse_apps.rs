//! Real applications on the mount: sqlite3 (journal modes DELETE and WAL), git, rsync.
//! Missing tools fail the test with a clear message; nothing is skipped.

#![allow(clippy::unwrap_used, missing_docs)]

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use outlayer_tests::{require_tool, TestDaemon};

fn run(cmd: &mut Command) -> Output {
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn sqlite(db: &Path, sql: &str) -> String {
    let out = run(Command::new("sqlite3").arg("-batch").arg(db).arg(sql));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn sqlite_mode(mode: &str) {
    require_tool("sqlite3");
    let mut d = TestDaemon::start();
    fs::create_dir(d.path("app.near")).unwrap();
    let db = d.path("app.near/db");
    let got = sqlite(&db, &format!("PRAGMA journal_mode={mode};"));
    assert_eq!(got, mode.to_lowercase());
    sqlite(
        &db,
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, blob BLOB);
         CREATE INDEX t_name ON t(name);",
    );
    // 1,000 inserts in 10 transactions.
    for batch in 0..10 {
        let mut sql = String::from("BEGIN;");
        for i in batch * 100..(batch + 1) * 100 {
            sql.push_str(&format!(
                "INSERT INTO t(id, name, blob) VALUES({i}, 'name-{i}', randomblob({}));",
                i % 300
            ));
        }
        sql.push_str("COMMIT;");
        sqlite(&db, &sql);
    }
    // An update and a delete, in a rolled-back and a committed transaction.
    sqlite(&db, "BEGIN; DELETE FROM t; ROLLBACK;");
    sqlite(
        &db,
        "BEGIN; UPDATE t SET name = 'changed' WHERE id = 7; COMMIT;",
    );
    assert_eq!(sqlite(&db, "PRAGMA integrity_check;"), "ok");
    assert_eq!(sqlite(&db, "SELECT count(*) FROM t;"), "1000");
    let sum = sqlite(&db, "SELECT sum(id), sum(length(blob)) FROM t;");
    // Remount and read everything back.
    d.restart();
    let db = d.path("app.near/db");
    assert_eq!(sqlite(&db, "PRAGMA journal_mode;"), mode.to_lowercase());
    assert_eq!(sqlite(&db, "PRAGMA integrity_check;"), "ok");
    assert_eq!(sqlite(&db, "SELECT count(*) FROM t;"), "1000");
    assert_eq!(
        sqlite(&db, "SELECT sum(id), sum(length(blob)) FROM t;"),
        sum
    );
    assert_eq!(sqlite(&db, "SELECT name FROM t WHERE id = 7;"), "changed");
    assert_eq!(
        sqlite(&db, "SELECT name FROM t WHERE id = 999;"),
        "name-999"
    );
    // No journal left behind in DELETE mode; the database is a key.
    let names = outlayer_tests::list(&d.path("app.near"));
    assert!(names.contains(&"db".to_string()), "{names:?}");
    if mode == "DELETE" {
        assert!(!names.iter().any(|n| n.ends_with("-journal")), "{names:?}");
    }
    let size = fs::metadata(&db).unwrap().len();
    let stored = outlayer_tests::control_get(&d.data_dir, "app.near", b"db").unwrap();
    assert_eq!(stored.len() as u64, size);
    assert!(stored.starts_with(b"SQLite format 3\0"));
}

#[test]
fn sqlite_journal_delete() {
    sqlite_mode("DELETE");
}

#[test]
fn sqlite_journal_wal() {
    sqlite_mode("WAL");
}

#[test]
fn git_init_add_commit_fsck() {
    require_tool("git");
    let d = TestDaemon::start();
    fs::create_dir(d.path("git.near")).unwrap();
    let repo = d.path("git.near/repo");
    fs::create_dir(&repo).unwrap();
    let git = |args: &[&str]| {
        let mut c = Command::new("git");
        c.arg("-c")
            .arg("user.name=Test")
            .arg("-c")
            .arg("user.email=test@example.com")
            .arg("-c")
            .arg("init.defaultBranch=main")
            .arg("-c")
            .arg("commit.gpgsign=false")
            .args(args)
            .current_dir(&repo)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", d.mnt.parent().unwrap());
        run(&mut c)
    };
    git(&["init", "-q"]);
    fs::create_dir_all(repo.join("src/nested")).unwrap();
    fs::write(repo.join("README.md"), "# hello\n").unwrap();
    fs::write(repo.join("src/main.rs"), "fn main() {}\n").unwrap();
    fs::write(
        repo.join("src/nested/data.bin"),
        (0..=255u8).collect::<Vec<_>>(),
    )
    .unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "first"]);
    fs::write(repo.join("README.md"), "# hello again\n").unwrap();
    git(&["commit", "-q", "-am", "second"]);
    git(&["fsck", "--full", "--strict"]);
    let log = git(&["log", "--format=%s"]);
    assert_eq!(String::from_utf8(log.stdout).unwrap(), "second\nfirst\n");
    let status = git(&["status", "--porcelain"]);
    assert!(
        status.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
    let show = git(&["show", "HEAD~1:README.md"]);
    assert_eq!(show.stdout, b"# hello\n");
    // Clone it off the mount and compare.
    let clone = d.mnt.parent().unwrap().join("clone");
    run(Command::new("git")
        .arg("clone")
        .arg("-q")
        .arg(&repo)
        .arg(&clone));
    assert_eq!(
        fs::read(clone.join("src/nested/data.bin")).unwrap(),
        (0..=255u8).collect::<Vec<_>>()
    );
}

#[test]
fn rsync_nested_tree() {
    require_tool("rsync");
    require_tool("diff");
    let d = TestDaemon::start();
    let src = d.mnt.parent().unwrap().join("site");
    let mut n = 0;
    let mut seed = 0x1234_5678u32;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    for a in 0..5 {
        for b in 0..4 {
            let dir = src.join(format!("dir{a}/sub{b}"));
            fs::create_dir_all(&dir).unwrap();
            for f in 0..15 {
                let len = (rnd() % 20_000) as usize;
                let content: Vec<u8> = if f % 3 == 0 {
                    (0..len).map(|_| rnd() as u8).collect() // binary
                } else {
                    format!("<p>page {a}/{b}/{f}</p>\n")
                        .repeat(len / 20 + 1)
                        .into_bytes()
                };
                fs::write(
                    dir.join(format!(
                        "file{f}.{}",
                        if f % 3 == 0 { "bin" } else { "html" }
                    )),
                    content,
                )
                .unwrap();
                n += 1;
            }
        }
        fs::write(src.join(format!("dir{a}/index.html")), format!("index {a}")).unwrap();
        n += 1;
    }
    fs::write(src.join("empty"), b"").unwrap();
    fs::create_dir_all(src.join("empty-dir/also-empty")).unwrap();
    n += 1;
    assert!(n >= 300);
    let dst = d.path("web.near");
    fs::create_dir(&dst).unwrap();
    let mut from = src.clone().into_os_string();
    from.push("/");
    run(Command::new("rsync").arg("-a").arg(&from).arg(&dst));
    run(Command::new("diff").arg("-r").arg(&src).arg(&dst));
    // A second rsync is a no-op (mtimes and sizes match), and `rsync -c` finds nothing.
    let out = run(Command::new("rsync")
        .arg("-a")
        .arg("-i")
        .arg("-c")
        .arg(&from)
        .arg(&dst));
    let changes = String::from_utf8(out.stdout).unwrap();
    assert!(
        changes.is_empty(),
        "second rsync changed things:\n{changes}"
    );
    // After a remount the tree is still equal.
    let mut d = d;
    d.restart();
    run(Command::new("diff")
        .arg("-r")
        .arg(&src)
        .arg(d.path("web.near")));
}

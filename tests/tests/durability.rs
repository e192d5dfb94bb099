//! Durability: state survives a remount, and a `kill -9` of the daemon loses no
//! acknowledged (closed) write; `state` commands work beside a running daemon.

#![allow(clippy::unwrap_used, missing_docs)]

use std::fs;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use outlayer_fs::store::Store;
use outlayer_fs::AccountId;
use outlayer_tests::{cli, cli_ok, list, state_ls, TestDaemon};

#[test]
fn state_survives_remount() {
    let mut d = TestDaemon::start();
    fs::create_dir(d.path("p.near")).unwrap();
    fs::create_dir_all(d.path("p.near/dir/sub")).unwrap();
    fs::write(d.path("p.near/a"), b"alpha").unwrap();
    fs::write(d.path("p.near/dir/sub/b"), vec![9u8; 100_000]).unwrap();
    fs::create_dir(d.path("empty.near")).unwrap();
    for _ in 0..2 {
        d.restart();
        assert_eq!(list(&d.mnt), vec!["empty.near", "p.near"]);
        assert_eq!(fs::read(d.path("p.near/a")).unwrap(), b"alpha");
        assert_eq!(
            fs::read(d.path("p.near/dir/sub/b")).unwrap(),
            vec![9u8; 100_000]
        );
        assert!(fs::metadata(d.path("p.near/dir/sub")).unwrap().is_dir());
    }
    d.stop();
    // And with no daemon at all, the embedded CLI reads it.
    assert_eq!(
        cli_ok(&d.data_dir, &["state", "get", "p.near", "a"]),
        b"alpha"
    );
}

#[test]
fn kill9_loses_no_acknowledged_write() {
    const N: usize = 10_000;
    let mut d = TestDaemon::start();
    fs::create_dir(d.path("crash.near")).unwrap();
    let acked = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let dir = d.path("crash.near");
        let acked = acked.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            for i in 0..N {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let r = (|| {
                    let mut f = fs::File::create(dir.join(format!("key{i}")))?;
                    f.write_all(format!("value-{i}-{}", "x".repeat(i % 97)).as_bytes())?;
                    // close(2) returns FLUSH's result: the commit is acknowledged here.
                    let fd = std::os::fd::IntoRawFd::into_raw_fd(f);
                    // SAFETY: `fd` is an open descriptor we own; closed exactly once.
                    if unsafe { libc::close(fd) } != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok::<_, std::io::Error>(())
                })();
                if r.is_err() {
                    break; // the daemon died under us: not acknowledged
                }
                acked.store(i + 1, Ordering::SeqCst);
            }
        })
    };
    // Kill it somewhere in the middle.
    while acked.load(Ordering::SeqCst) < N / 3 {
        assert!(!writer.is_finished(), "writer stopped early");
        std::thread::sleep(Duration::from_millis(5));
    }
    d.kill9();
    let at_kill = acked.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    let acknowledged = acked.load(Ordering::SeqCst);
    eprintln!("killed after {at_kill} acknowledged writes ({acknowledged} by writer's end)");
    assert!(acknowledged < N, "the daemon was killed after all writes");
    // Reopen the store in-process and check every acknowledged key.
    let store = Store::open(&d.data_dir).unwrap();
    let account = AccountId::new("crash.near").unwrap();
    for i in 0..acknowledged {
        let want = format!("value-{i}-{}", "x".repeat(i % 97));
        let got = store.get(&account, format!("key{i}").as_bytes()).unwrap();
        assert_eq!(
            got.as_deref(),
            Some(want.as_bytes()),
            "acknowledged key{i} lost or wrong (of {acknowledged})"
        );
    }
    drop(store);
    // And a fresh daemon mounts the recovered store.
    d.spawn();
    let names = list(&d.path("crash.near"));
    assert!(
        names.len() >= acknowledged,
        "{} < {acknowledged}",
        names.len()
    );
    assert_eq!(fs::read(d.path("crash.near/key0")).unwrap(), b"value-0-");
}

#[test]
fn state_commands_beside_a_running_daemon() {
    let d = TestDaemon::start();
    fs::create_dir(d.path("side.near")).unwrap();
    fs::write(d.path("side.near/from-mount"), b"m").unwrap();
    // Another process, while the daemon holds the store lock: goes through the socket.
    d.cli_ok(&["state", "put", "side.near", "from-cli", "c"]);
    assert_eq!(
        state_ls(&d.data_dir, "side.near"),
        vec!["from-cli", "from-mount"]
    );
    assert_eq!(d.cli_ok(&["state", "get", "side.near", "from-mount"]), b"m");
    assert_eq!(fs::read(d.path("side.near/from-cli")).unwrap(), b"c");
    d.cli_ok(&["state", "rm", "side.near", "from-mount"]);
    assert_eq!(list(&d.path("side.near")), vec!["from-cli"]);
    // Several CLIs at once, while the mount is busy.
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let data = d.data_dir.clone();
            std::thread::spawn(move || {
                for j in 0..10 {
                    let k = format!("p{i}-{j}");
                    cli_ok(&data, &["state", "put", "side.near", &k, &k]);
                }
            })
        })
        .collect();
    for j in 0..50 {
        fs::write(d.path(format!("side.near/m{j}")), j.to_string()).unwrap();
    }
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(list(&d.path("side.near")).len(), 1 + 80 + 50);
    assert_eq!(fs::read(d.path("side.near/p7-9")).unwrap(), b"p7-9");
    // Opening the store directly while the daemon holds it fails cleanly, not corrupts.
    let err = Store::open(&d.data_dir).err().expect("store opened twice");
    assert!(err.to_string().contains("in use"), "{err}");
    // A dead control socket (daemon gone) falls back to the embedded store.
    let data = d.data_dir.clone();
    let mut d = d;
    d.stop();
    let o = cli(&data, &["state", "get", "side.near", "from-cli"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.stdout, b"c");
}

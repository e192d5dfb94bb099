//! FUSE ⇄ 9P on one daemon: `outlayerd mount M --9p-socket S` shares one `StateFs` between
//! the FUSE mount and the 9P listener. A write committed through 9P must be what the very
//! next `read` on the mount returns, although the FUSE side caches attributes for a second:
//! the mount drops the kernel's cached view on commits from other origins, and this proves
//! it. The other way round, a file closed on the mount is what a 9P read returns.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use outlayer_fs::ninep::client::Client;
use outlayer_fs::ninep::{P9_DOTL_CREATE, P9_DOTL_RDONLY, P9_DOTL_TRUNC, P9_DOTL_WRONLY};
use outlayer_tests::{assert_errno, TestDaemon};

/// The daemon, its 9P socket, and the directory holding that socket.
fn start() -> (TestDaemon, PathBuf, tempfile::TempDir) {
    let sock_dir = tempfile::tempdir().unwrap();
    let sock = sock_dir.path().join("9p.sock");
    let d = TestDaemon::start_with(&["--9p-socket", sock.to_str().unwrap()]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !sock.exists() {
        assert!(Instant::now() < deadline, "no 9P socket:\n{}", d.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    (d, sock, sock_dir)
}

/// A 9P session on `sock` with fid 0 attached to `aname`.
async fn connect(sock: &Path, aname: &str) -> Client {
    let stream = tokio::net::UnixStream::connect(sock).await.unwrap();
    let c = Client::new(stream);
    c.version(1 << 16).await.unwrap();
    c.attach(0, aname).await.unwrap();
    c
}

/// Creates or truncates `name` in fid 0's directory, writes `data`, clunks (commits).
async fn write_9p(c: &Client, name: &[u8], data: &[u8]) {
    let fid = 10;
    let flags = P9_DOTL_WRONLY | P9_DOTL_TRUNC;
    if c.walk(0, fid, &[name]).await.is_ok_and(|q| q.len() == 1) {
        c.lopen(fid, flags).await.unwrap();
    } else {
        c.walk(0, fid, &[]).await.unwrap();
        c.lcreate(fid, name, flags | P9_DOTL_CREATE).await.unwrap();
    }
    c.write(fid, 0, data).await.unwrap();
    c.clunk(fid).await.unwrap();
}

async fn read_9p(c: &Client, name: &[u8]) -> Vec<u8> {
    let fid = 11;
    c.walk(0, fid, &[name]).await.unwrap();
    c.lopen(fid, P9_DOTL_RDONLY).await.unwrap();
    let data = c.read(fid, 0, 1 << 15).await.unwrap();
    c.clunk(fid).await.unwrap();
    data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_through_9p_show_on_the_mount_at_once() {
    let (d, sock, _sock_dir) = start();
    std::fs::create_dir(d.path("alice.near")).unwrap();
    let file = d.path("alice.near/shared");
    let c = connect(&sock, "alice.near").await;

    // New file: the mount looked it up (a negative answer) just before.
    assert_errno(std::fs::metadata(&file), libc::ENOENT);
    write_9p(&c, b"shared", b"first").await;
    assert_eq!(std::fs::read(&file).unwrap(), b"first");

    // Rewrites of another length, each read right after a read that cached the old size.
    for data in [&b"a longer value written over 9P"[..], b"short", b""] {
        // Primes the kernel's attribute and page caches with the old content.
        let before = std::fs::read(&file).unwrap();
        assert_eq!(std::fs::metadata(&file).unwrap().len(), before.len() as u64);
        write_9p(&c, b"shared", data).await;
        assert_eq!(std::fs::read(&file).unwrap(), data);
        assert_eq!(std::fs::metadata(&file).unwrap().len(), data.len() as u64);
    }

    // Removal through 9P: gone from the mount at once.
    c.unlinkat(0, b"shared", 0).await.unwrap();
    assert_errno(std::fs::read(&file), libc::ENOENT);
    assert!(outlayer_tests::list(&d.path("alice.near")).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_through_the_mount_show_over_9p_after_close() {
    let (d, sock, _sock_dir) = start();
    std::fs::create_dir(d.path("bob.near")).unwrap();
    let c = connect(&sock, "bob.near").await;
    let file = d.path("bob.near/notes");

    std::fs::write(&file, b"written on the mount").unwrap();
    assert_eq!(read_9p(&c, b"notes").await, b"written on the mount");
    std::fs::write(&file, b"again").unwrap();
    assert_eq!(read_9p(&c, b"notes").await, b"again");
    let attr = {
        c.walk(0, 12, &[b"notes"]).await.unwrap();
        let a = c.getattr(12).await.unwrap();
        c.clunk(12).await.unwrap();
        a
    };
    assert_eq!(attr.size, 5);

    // Directories made on the mount are walkable over 9P; removals are seen too.
    std::fs::create_dir(d.path("bob.near/sub")).unwrap();
    std::fs::write(d.path("bob.near/sub/inner"), b"x").unwrap();
    c.walk(0, 13, &[b"sub", b"inner"]).await.unwrap();
    c.clunk(13).await.unwrap();
    std::fs::remove_file(&file).unwrap();
    let err = c.walk(0, 14, &[b"notes"]).await.unwrap_err();
    assert_eq!(err.errno(), Some(libc::ENOENT));
}

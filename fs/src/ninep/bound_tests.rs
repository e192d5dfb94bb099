//! Bound sessions over the wire: a 9P session inside a caller's `Txn`, with our async client
//! over an in-process duplex and a real RocksDB store. What a bound session does to state is
//! tested beside `StateFs` (`statefs/bound_tests.rs`); here, what the protocol adds: the
//! attach and every walk stay inside the session's account.

use super::client::Client;
use super::server::{serve_connection, ServerConfig};
use super::test_env::{bound, env, errno, put, ACCOUNT};
use super::*;

async fn names(c: &Client, fid: u32, path: &[&[u8]]) -> Vec<String> {
    c.walk(0, fid, path).await.unwrap();
    c.lopen(fid, P9_DOTL_RDONLY).await.unwrap();
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        // A small count forces several calls, so offsets must resume across the merge.
        let batch = c.readdir(fid, offset, 64).await.unwrap();
        let Some(last) = batch.last() else { break };
        offset = last.offset;
        out.extend(
            batch
                .iter()
                .map(|e| String::from_utf8(e.name.clone()).unwrap()),
        );
    }
    c.clunk(fid).await.unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_accounts_are_unreachable() {
    let e = env();
    put(&e.store, "other.near", b"secret", b"x");
    put(&e.store, ACCOUNT, b"mine", b"x");
    let (fs, handle) = bound(&e.store);
    let (a, b) = tokio::io::duplex(1 << 16);
    tokio::spawn(serve_connection(fs, b, ServerConfig::default()));
    let c = Client::new(a);
    c.version(65536).await.unwrap();
    assert_eq!(errno(c.attach(0, "other.near").await), libc::ENOENT);
    c.attach(0, "").await.unwrap();
    // `..` at the root stays at the account; the other account is no name here.
    c.walk(0, 1, &[b".."]).await.unwrap();
    assert_eq!(names(&c, 2, &[b".."]).await, [".", "..", "mine"]);
    // A partial walk: only `..` is walked (to the account itself), and no fid is made.
    let qids = c.walk(0, 3, &[b"..", b"other.near"]).await.unwrap();
    assert_eq!(qids.len(), 1);
    assert_eq!(errno(c.getattr(3).await), libc::EBADF);
    handle.rollback();
}

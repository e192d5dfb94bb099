//! Bound sessions: a 9P session inside a caller's `Txn`, with our client over an in-process
//! duplex and a real RocksDB store. Nothing the session writes reaches the store until the
//! caller commits; a rollback leaves nothing; the session reads its own writes.

use std::sync::Arc;

use super::client::Client;
use super::server::{serve_connection, ServerConfig};
use super::*;
use crate::account::AccountId;
use crate::statefs::{BoundTxn, StateFs};
use crate::store::Store;

const ACCOUNT: &str = "guest.near";

struct Env {
    _dir: tempfile::TempDir,
    store: Arc<Store>,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("db")).unwrap());
    Env { _dir: dir, store }
}

fn account() -> AccountId {
    AccountId::new(ACCOUNT).unwrap()
}

fn put(store: &Store, account: &str, key: &[u8], value: &[u8]) {
    let mut txn = store.begin(&AccountId::new(account).unwrap()).unwrap();
    txn.put(key, value.to_vec()).unwrap();
    txn.commit().unwrap();
}

fn get(store: &Store, key: &[u8]) -> Option<Vec<u8>> {
    store.get(&account(), key).unwrap()
}

/// A bound session on `ACCOUNT`, attached as fid 0 with `aname`.
async fn bound(store: &Arc<Store>, aname: &str) -> (Client, BoundTxn) {
    let txn = store.begin_shared(&account()).unwrap();
    let (fs, handle) = StateFs::bound(store.clone(), txn, false).unwrap();
    let (a, b) = tokio::io::duplex(1 << 16);
    tokio::spawn(serve_connection(fs, b, ServerConfig::default()));
    let c = Client::new(a);
    c.version(65536).await.unwrap();
    c.attach(0, aname).await.unwrap();
    (c, handle)
}

async fn write_file(c: &Client, dir: u32, fid: u32, name: &[u8], data: &[u8]) {
    c.walk(dir, fid, &[]).await.unwrap();
    c.lcreate(fid, name, P9_DOTL_WRONLY | P9_DOTL_CREATE)
        .await
        .unwrap();
    c.write(fid, 0, data).await.unwrap();
    c.clunk(fid).await.unwrap();
}

async fn read_file(c: &Client, fid: u32, path: &[&[u8]]) -> Vec<u8> {
    c.walk(0, fid, path).await.unwrap();
    c.lopen(fid, P9_DOTL_RDONLY).await.unwrap();
    let data = c.read(fid, 0, 4096).await.unwrap();
    c.clunk(fid).await.unwrap();
    data
}

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
async fn writes_wait_for_the_callers_commit() {
    let e = env();
    put(&e.store, ACCOUNT, b"old", b"committed");
    let (c, handle) = bound(&e.store, "").await;
    write_file(&c, 0, 1, b"new", b"from the guest").await;
    write_file(&c, 0, 1, b"old", b"overwritten").await;
    c.mkdir(0, b"d").await.unwrap();
    c.walk(0, 2, &[b"d"]).await.unwrap();
    write_file(&c, 2, 3, b"inner", b"deep").await;
    // Clunked, yet nothing is in the store: the call has not ended.
    assert_eq!(get(&e.store, b"new"), None);
    assert_eq!(get(&e.store, b"old").as_deref(), Some(&b"committed"[..]));
    assert_eq!(e.store.dir(&account(), b"d").unwrap(), None);
    // The session reads its own writes.
    assert_eq!(read_file(&c, 4, &[b"new"]).await, b"from the guest");
    assert_eq!(read_file(&c, 4, &[b"old"]).await, b"overwritten");
    assert_eq!(read_file(&c, 4, &[b"d", b"inner"]).await, b"deep");
    let attr = c.getattr(0).await.unwrap();
    assert_eq!(attr.qid.ty, P9_QTDIR);
    let changes = handle.commit().unwrap();
    assert!(!changes.is_empty());
    assert_eq!(
        get(&e.store, b"new").as_deref(),
        Some(&b"from the guest"[..])
    );
    assert_eq!(get(&e.store, b"old").as_deref(), Some(&b"overwritten"[..]));
    assert_eq!(get(&e.store, b"d/inner").as_deref(), Some(&b"deep"[..]));
    assert!(e.store.dir(&account(), b"d").unwrap().is_some());
    // The session ended with the call: the store's account lock is free again.
    put(&e.store, ACCOUNT, b"after", b"x");
    assert_eq!(errno(c.getattr(0).await), libc::EIO);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_leaves_nothing() {
    let e = env();
    let (c, handle) = bound(&e.store, ACCOUNT).await;
    write_file(&c, 0, 1, b"k", b"v").await;
    c.mkdir(0, b"d").await.unwrap();
    // A file still open at the end of the call: its buffer belongs to the call too.
    c.walk(0, 2, &[]).await.unwrap();
    c.lcreate(2, b"open", P9_DOTL_WRONLY | P9_DOTL_CREATE)
        .await
        .unwrap();
    c.write(2, 0, b"unclosed").await.unwrap();
    handle.rollback();
    assert_eq!(get(&e.store, b"k"), None);
    assert_eq!(get(&e.store, b"open"), None);
    assert_eq!(e.store.account(&account()).unwrap(), None);
    assert!(e.store.account_is_empty(&account()).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buffered_writes_of_open_files_commit_with_the_call() {
    let e = env();
    let (c, handle) = bound(&e.store, "").await;
    c.walk(0, 1, &[]).await.unwrap();
    c.lcreate(1, b"open", P9_DOTL_WRONLY | P9_DOTL_CREATE)
        .await
        .unwrap();
    c.write(1, 0, b"unclosed").await.unwrap();
    handle.into_txn().unwrap().commit().unwrap();
    assert_eq!(get(&e.store, b"open").as_deref(), Some(&b"unclosed"[..]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readdir_merges_overlay_and_committed_keys() {
    let e = env();
    for k in [&b"b"[..], b"d", b"f", b"gone", b"sub/x"] {
        put(&e.store, ACCOUNT, k, b"committed");
    }
    let (c, handle) = bound(&e.store, "").await;
    for k in [&b"a"[..], b"c", b"e", b"z"] {
        write_file(&c, 0, 1, k, b"session").await;
    }
    c.unlinkat(0, b"gone", 0).await.unwrap();
    c.mkdir(0, b"sub").await.unwrap();
    c.walk(0, 2, &[b"sub"]).await.unwrap();
    write_file(&c, 2, 3, b"y", b"session").await;
    let mut want: Vec<String> = [".", "..", "sub", "a", "b", "c", "d", "e", "f", "z"]
        .map(String::from)
        .to_vec();
    assert_eq!(names(&c, 4, &[]).await, want);
    want = [".", "..", "x", "y"].map(String::from).to_vec();
    assert_eq!(names(&c, 4, &[b"sub"]).await, want);
    // A deletion hides the committed row from lookups too.
    assert_eq!(errno(c.walk(0, 4, &[b"gone"]).await), libc::ENOENT);
    handle.rollback();
    assert_eq!(get(&e.store, b"gone").as_deref(), Some(&b"committed"[..]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_accounts_are_unreachable() {
    let e = env();
    put(&e.store, "other.near", b"secret", b"x");
    put(&e.store, ACCOUNT, b"mine", b"x");
    let txn = e.store.begin_shared(&account()).unwrap();
    let (fs, handle) = StateFs::bound(e.store.clone(), txn, false).unwrap();
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

fn errno<T: std::fmt::Debug>(r: Result<T, super::client::ClientError>) -> i32 {
    r.unwrap_err().errno().unwrap()
}

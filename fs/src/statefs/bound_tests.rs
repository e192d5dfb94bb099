//! Bound sessions driven directly: a `StateFs` inside a caller's `Txn` on a real RocksDB
//! store. Nothing the session writes reaches the store until the caller commits; a rollback
//! leaves nothing; the session reads its own writes.

use super::tests::{fixture, Fixture, RW};
use super::*;

const ACCOUNT: &str = "guest.near";

fn account() -> AccountId {
    AccountId::new(ACCOUNT).unwrap()
}

/// Commits `key = value` on `account` straight to the store, outside any session.
fn put(store: &Store, account: &str, key: &[u8], value: &[u8]) {
    let mut txn = store.begin(&AccountId::new(account).unwrap()).unwrap();
    txn.put(key, value.to_vec()).unwrap();
    txn.commit().unwrap();
}

fn get(store: &Store, key: &[u8]) -> Option<Vec<u8>> {
    store.get(&account(), key).unwrap()
}

/// Rebinds `f` to a session on `ACCOUNT`; returns the session's root (the account's inode,
/// with one reference, as a 9P attach takes) and the caller's handle.
fn bind(f: Fixture) -> (Fixture, u64, BoundTxn) {
    let store = f.fs.store().clone();
    let txn = store.begin_shared(&account()).unwrap();
    let (fs, handle) = StateFs::bound(store, txn, false).unwrap();
    let root = fs.lookup(ROOT_INO, ACCOUNT.as_bytes()).unwrap().ino;
    (Fixture { fs, ..f }, root, handle)
}

#[test]
fn writes_wait_for_the_callers_commit() {
    let f = fixture();
    let store = f.fs.store().clone();
    put(&store, ACCOUNT, b"old", b"committed");
    let (f, root, handle) = bind(f);
    f.write_file(root, "new", b"from the guest");
    f.write_file(root, "old", b"overwritten");
    let d = f.fs.mkdir(&f.ctx, root, b"d", 0o755).unwrap().ino;
    f.write_file(d, "inner", b"deep");
    // Closed, yet nothing is in the store: the call has not ended.
    assert_eq!(get(&store, b"new"), None);
    assert_eq!(get(&store, b"old").as_deref(), Some(&b"committed"[..]));
    assert_eq!(store.dir(&account(), b"d").unwrap(), None);
    // The session reads its own writes.
    assert_eq!(f.read_file(root, "new"), b"from the guest");
    assert_eq!(f.read_file(root, "old"), b"overwritten");
    assert_eq!(f.read_file(d, "inner"), b"deep");
    assert_eq!(f.fs.getattr(root).unwrap().kind, FileKind::Dir);
    let changes = handle.commit().unwrap();
    assert!(!changes.is_empty());
    assert_eq!(get(&store, b"new").as_deref(), Some(&b"from the guest"[..]));
    assert_eq!(get(&store, b"old").as_deref(), Some(&b"overwritten"[..]));
    assert_eq!(get(&store, b"d/inner").as_deref(), Some(&b"deep"[..]));
    assert!(store.dir(&account(), b"d").unwrap().is_some());
    // The session ended with the call: the store's account lock is free again.
    put(&store, ACCOUNT, b"after", b"x");
    assert_eq!(f.fs.getattr(root).unwrap_err().errno(), libc::EIO);
}

#[test]
fn rollback_leaves_nothing() {
    let (f, root, handle) = bind(fixture());
    let store = f.fs.store().clone();
    f.write_file(root, "k", b"v");
    f.fs.mkdir(&f.ctx, root, b"d", 0o755).unwrap();
    // A file still open at the end of the call: its buffer belongs to the call too.
    let (_, fh) =
        f.fs.create(&f.ctx, root, b"open", RW, 0o644, false)
            .unwrap();
    f.fs.write(&f.ctx, fh, 0, b"unclosed").unwrap();
    handle.rollback();
    assert_eq!(get(&store, b"k"), None);
    assert_eq!(get(&store, b"open"), None);
    assert_eq!(store.account(&account()).unwrap(), None);
    assert!(store.account_is_empty(&account()).unwrap());
}

#[test]
fn buffered_writes_of_open_files_commit_with_the_call() {
    let (f, root, handle) = bind(fixture());
    let store = f.fs.store().clone();
    let (_, fh) =
        f.fs.create(&f.ctx, root, b"open", RW, 0o644, false)
            .unwrap();
    f.fs.write(&f.ctx, fh, 0, b"unclosed").unwrap();
    handle.into_txn().unwrap().commit().unwrap();
    assert_eq!(get(&store, b"open").as_deref(), Some(&b"unclosed"[..]));
}

#[test]
fn readdir_merges_overlay_and_committed_keys() {
    let f = fixture();
    let store = f.fs.store().clone();
    for k in [&b"b"[..], b"d", b"f", b"gone", b"sub/x"] {
        put(&store, ACCOUNT, k, b"committed");
    }
    let (f, root, handle) = bind(f);
    for k in ["a", "c", "e", "z"] {
        f.write_file(root, k, b"session");
    }
    f.fs.unlink(&f.ctx, root, b"gone").unwrap();
    let sub = f.fs.mkdir(&f.ctx, root, b"sub", 0o755).unwrap().ino;
    f.write_file(sub, "y", b"session");
    // Three entries a call, so every listing resumes across the merge several times.
    let mut want: Vec<String> = [".", "..", "sub", "a", "b", "c", "d", "e", "f", "z"]
        .map(String::from)
        .to_vec();
    assert_eq!(f.list_in_batches(root, 3), want);
    want = [".", "..", "x", "y"].map(String::from).to_vec();
    assert_eq!(f.list_in_batches(sub, 3), want);
    // A deletion hides the committed row from lookups too.
    assert_eq!(
        f.fs.lookup(root, b"gone").unwrap_err().errno(),
        libc::ENOENT
    );
    handle.rollback();
    assert_eq!(get(&store, b"gone").as_deref(), Some(&b"committed"[..]));
}

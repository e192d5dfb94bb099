//! Fixtures of the 9P server tests: a real RocksDB store in a temp dir and a `StateFs` on it.

use std::sync::Arc;

use super::client::ClientError;
use crate::account::AccountId;
use crate::statefs::{BoundTxn, StateFs};
use crate::store::Store;

/// The account of bound sessions.
pub(super) const ACCOUNT: &str = "guest.near";

pub(super) struct Env {
    pub(super) dir: tempfile::TempDir,
    pub(super) store: Arc<Store>,
    /// An autocommit filesystem on `store`.
    pub(super) fs: Arc<StateFs>,
}

pub(super) fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("db")).unwrap());
    let fs = Arc::new(StateFs::new(store.clone(), false));
    Env { dir, store, fs }
}

pub(super) fn account() -> AccountId {
    AccountId::new(ACCOUNT).unwrap()
}

/// A filesystem bound to a transaction on `ACCOUNT`, and the caller's handle on it.
pub(super) fn bound(store: &Arc<Store>) -> (Arc<StateFs>, BoundTxn) {
    let txn = store.begin_shared(&account()).unwrap();
    StateFs::bound(store.clone(), txn, false).unwrap()
}

/// Commits `key = value` on `account` straight to the store.
pub(super) fn put(store: &Store, account: &str, key: &[u8], value: &[u8]) {
    let mut txn = store.begin(&AccountId::new(account).unwrap()).unwrap();
    txn.put(key, value.to_vec()).unwrap();
    txn.commit().unwrap();
}

/// The committed value of `key` on `account`.
pub(super) fn get(store: &Store, account: &str, key: &[u8]) -> Option<Vec<u8>> {
    store.get(&AccountId::new(account).unwrap(), key).unwrap()
}

/// The errno a call failed with.
pub(super) fn errno<T: std::fmt::Debug>(r: Result<T, ClientError>) -> i32 {
    r.unwrap_err().errno().unwrap()
}

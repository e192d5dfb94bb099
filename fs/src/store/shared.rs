//! `SharedTxn`: one call's transaction, shared by everything that works inside the call.
//!
//! A contract call is one `Txn` on its account. In direct mode the host functions write into
//! it; in linux mode a guest task's syscalls and its `/near/state` 9P session (a bound
//! `StateFs`) write into the very same one, so a key written by one path is read by the
//! other within the call, and the executor commits or drops everything at the end. The
//! handle is cheap to clone; the transaction sits behind one mutex, taken per operation.

use std::sync::Arc;

use parking_lot::{MappedMutexGuard, Mutex, MutexGuard};

use super::Txn;
use crate::account::AccountId;
use crate::error::{Error, Result};

/// A cloneable handle on one `Txn<'static>`; see the module documentation.
#[derive(Clone)]
pub struct SharedTxn {
    account: AccountId,
    /// `None` once the owner took the transaction back to commit or drop it.
    txn: Arc<Mutex<Option<Txn<'static>>>>,
}

impl From<Txn<'static>> for SharedTxn {
    fn from(txn: Txn<'static>) -> Self {
        SharedTxn::new(txn)
    }
}

impl SharedTxn {
    /// Shares `txn`.
    pub fn new(txn: Txn<'static>) -> Self {
        SharedTxn {
            account: txn.account().clone(),
            txn: Arc::new(Mutex::new(Some(txn))),
        }
    }

    /// The transaction's account.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The transaction, locked for one operation; an error once it was taken back.
    pub fn lock(&self) -> Result<MappedMutexGuard<'_, Txn<'static>>> {
        MutexGuard::try_map(self.txn.lock(), Option::as_mut).map_err(|_| ended())
    }

    /// Takes the transaction back, ending every user of the handle: later operations fail.
    /// `None` when it was already taken.
    pub fn take(&self) -> Option<Txn<'static>> {
        self.txn.lock().take()
    }
}

/// What an operation on an ended transaction reports.
fn ended() -> Error {
    Error::Storage("the execution this transaction belonged to has ended".into())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn clones_share_one_overlay_until_taken() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).unwrap());
        let account = AccountId::new("a.near").unwrap();
        let shared = SharedTxn::new(store.begin_shared(&account).unwrap());
        let other = shared.clone();
        shared.lock().unwrap().put(b"k", b"v".to_vec()).unwrap();
        assert_eq!(
            other.lock().unwrap().get(b"k").unwrap(),
            Some(b"v".to_vec())
        );
        // Nothing reaches the store before the owner commits.
        assert_eq!(store.get(&account, b"k").unwrap(), None);
        other.take().unwrap().commit().unwrap();
        assert!(shared.lock().is_err());
        assert!(shared.take().is_none());
        assert_eq!(store.get(&account, b"k").unwrap(), Some(b"v".to_vec()));
    }
}

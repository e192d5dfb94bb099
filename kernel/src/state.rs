//! `StoreState`: contract state in the RocksDB `Store`, as the NEAR logic's `External`.
//!
//! Reads go to the committed state of the account (stable: the executor holds the account's
//! `Txn`, hence its lock, for the whole call); writes are buffered here and applied to that
//! `Txn` only when the call succeeds. The buffer lives in the wasmtime `Store`, which must be
//! `'static`, so it cannot borrow the `Txn` itself.

use std::collections::BTreeMap;
use std::sync::Arc;

use outlayer_fs::store::{Store, Txn};
use outlayer_fs::AccountId;

use crate::near::{External, HostError, HostResult};

/// One call's view of an account's state.
pub struct StoreState {
    store: Arc<Store>,
    account: AccountId,
    /// Pending writes: `Some(value)` set, `None` removed.
    writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

fn storage_err(e: outlayer_fs::Error) -> HostError {
    HostError::Storage(e.to_string())
}

impl StoreState {
    /// State of `account` in `store`, with no pending writes.
    pub fn new(store: Arc<Store>, account: AccountId) -> Self {
        StoreState {
            store,
            account,
            writes: BTreeMap::new(),
        }
    }

    /// True when nothing was written.
    pub fn is_clean(&self) -> bool {
        self.writes.is_empty()
    }

    /// Applies the pending writes to `txn` (which must be on the same account).
    pub fn apply(self, txn: &mut Txn<'_>) -> outlayer_fs::Result<()> {
        for (k, v) in self.writes {
            match v {
                Some(v) => {
                    txn.put(&k, v)?;
                }
                None => {
                    txn.remove(&k)?;
                }
            }
        }
        Ok(())
    }
}

impl External for StoreState {
    fn storage_get(&mut self, key: &[u8]) -> HostResult<Option<Vec<u8>>> {
        match self.writes.get(key) {
            Some(v) => Ok(v.clone()),
            None => self.store.get(&self.account, key).map_err(storage_err),
        }
    }

    fn storage_set(&mut self, key: &[u8], value: &[u8]) -> HostResult<Option<Vec<u8>>> {
        let old = self.storage_get(key)?;
        self.writes.insert(key.to_vec(), Some(value.to_vec()));
        Ok(old)
    }

    fn storage_remove(&mut self, key: &[u8]) -> HostResult<Option<Vec<u8>>> {
        let old = self.storage_get(key)?;
        if old.is_some() {
            self.writes.insert(key.to_vec(), None);
        }
        Ok(old)
    }

    fn storage_has_key(&mut self, key: &[u8]) -> HostResult<bool> {
        match self.writes.get(key) {
            Some(v) => Ok(v.is_some()),
            None => {
                let found = self
                    .store
                    .with_value(&self.account, key, |_| ())
                    .map_err(storage_err)?;
                Ok(found.is_some())
            }
        }
    }
}

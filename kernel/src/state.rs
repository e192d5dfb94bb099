//! `TxnState`: a call's contract state as the NEAR logic's `External`, read and written in
//! the call's own transaction.
//!
//! The executor begins one `Txn` per call and shares it ([`SharedTxn`]): the host functions
//! here, and in linux mode the task's `/near/state` 9P session, work in that one overlay, so
//! what one path writes the other reads within the call. The executor commits it when the
//! call succeeds and drops it otherwise; nothing here commits.

use outlayer_fs::store::SharedTxn;

use crate::near::{External, HostError, HostResult};

/// One call's view of its account's state: the call's transaction.
#[derive(Clone)]
pub struct TxnState {
    txn: SharedTxn,
}

fn storage_err(e: outlayer_fs::Error) -> HostError {
    HostError::Storage(e.to_string())
}

impl TxnState {
    /// State as `txn` sees it; writes go into `txn`.
    pub fn new(txn: SharedTxn) -> Self {
        TxnState { txn }
    }
}

impl External for TxnState {
    fn storage_get(&mut self, key: &[u8]) -> HostResult<Option<Vec<u8>>> {
        self.txn
            .lock()
            .and_then(|t| t.get(key))
            .map_err(storage_err)
    }

    fn storage_set(&mut self, key: &[u8], value: &[u8]) -> HostResult<Option<Vec<u8>>> {
        let mut t = self.txn.lock().map_err(storage_err)?;
        let old = t.get(key).map_err(storage_err)?;
        t.put(key, value.to_vec()).map_err(storage_err)?;
        Ok(old)
    }

    fn storage_remove(&mut self, key: &[u8]) -> HostResult<Option<Vec<u8>>> {
        let mut t = self.txn.lock().map_err(storage_err)?;
        let old = t.get(key).map_err(storage_err)?;
        if old.is_some() {
            t.remove(key).map_err(storage_err)?;
        }
        Ok(old)
    }

    fn storage_has_key(&mut self, key: &[u8]) -> HostResult<bool> {
        let t = self.txn.lock().map_err(storage_err)?;
        let found = t.with_value(key, |_| ()).map_err(storage_err)?;
        Ok(found.is_some())
    }

    /// Writes go to the transaction as they are made: nothing is buffered here.
    fn flush(&mut self) -> HostResult<()> {
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use outlayer_fs::ninep::server::{InProcess, ServerConfig};
    use outlayer_fs::ninep::sync_client::Client;
    use outlayer_fs::statefs::StateFs;
    use outlayer_fs::store::Store;
    use outlayer_fs::AccountId;

    use super::*;
    use crate::near::syscalls::{dispatch, SYS_NEAR_STORAGE_READ, SYS_NEAR_STORAGE_WRITE};
    use crate::near::{Mem, VmLogic};

    /// The call's one transaction seen from both sides, as a guest task will see it: a key
    /// written by syscall 400 is a file of the call's `/near/state` (a 9P session bound to
    /// the transaction, every message encoded and decoded), a file written there is what
    /// syscall 401 reads, and the store sees neither until the call commits.
    #[test]
    fn syscalls_and_the_state_mount_share_the_calls_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).unwrap());
        let account = AccountId::new("app.near").unwrap();
        let txn = SharedTxn::new(store.begin_shared(&account).unwrap());
        let ctx = crate::near::tests::ctx(false);
        let mut logic = VmLogic::new(TxnState::new(txn.clone()), ctx);
        let (fs, _session) = StateFs::bound(store.clone(), txn.clone(), false).unwrap();
        let state = Client::new(InProcess::new(fs, ServerConfig::default()));
        state.version(64 << 10).unwrap();
        state.attach(0, "").unwrap();

        let mut memory = vec![0u8; 256];
        memory[..5].copy_from_slice(b"count");
        memory[64..66].copy_from_slice(b"41");
        let args = [0, 5, 64, 2, 0, 0];
        let written = dispatch(
            &mut logic,
            &mut Mem(&mut memory),
            SYS_NEAR_STORAGE_WRITE,
            args,
        );
        assert_eq!(written, Ok(0));

        state.walk(0, 1, &[b"count"]).unwrap();
        state.lopen(1, libc::O_RDONLY as u32).unwrap();
        assert_eq!(state.read(1, 0, 64).unwrap(), b"41");
        state.clunk(1).unwrap();

        state.walk(0, 2, &[]).unwrap();
        let flags = (libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL) as u32;
        state.lcreate(2, b"note", flags).unwrap();
        state.write(2, 0, b"hi").unwrap();
        state.clunk(2).unwrap();
        memory[..4].copy_from_slice(b"note");
        let args = [0, 4, 128, 16, 0, 0];
        let n = dispatch(
            &mut logic,
            &mut Mem(&mut memory),
            SYS_NEAR_STORAGE_READ,
            args,
        );
        assert_eq!(n, Ok(2));
        assert_eq!(&memory[128..130], b"hi");

        assert_eq!(store.get(&account, b"count").unwrap(), None);
        txn.take().unwrap().commit().unwrap();
        assert_eq!(store.get(&account, b"count").unwrap(), Some(b"41".to_vec()));
        assert_eq!(store.get(&account, b"note").unwrap(), Some(b"hi".to_vec()));
    }
}

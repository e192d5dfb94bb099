//! Contract storage: the `External` trait (where state lives) and the `storage_*` host
//! functions over it, with eviction into registers and live storage usage.

use std::collections::BTreeMap;

use super::abi::{Bytes, Out};
use super::errors::{HostError, HostResult};
use super::gas::{ext, Gas};
use super::memory::Mem;
use super::VmLogic;

// NEAR's limits are the store's: one definition, enforced by `Txn` and charged here.
pub use outlayer_fs::store::{EXTRA_BYTES_RECORD, MAX_KEY_LEN, MAX_VALUE_LEN};

/// Where a contract's key-value state lives. Keys are raw bytes in the account's namespace.
/// Implementations buffer writes: the caller decides afterwards whether they are kept.
pub trait External {
    /// The value of `key`.
    fn storage_get(&mut self, key: &[u8]) -> HostResult<Option<Vec<u8>>>;
    /// Sets `key`; returns the value it replaced.
    fn storage_set(&mut self, key: &[u8], value: &[u8]) -> HostResult<Option<Vec<u8>>>;
    /// Removes `key`; returns the value it had.
    fn storage_remove(&mut self, key: &[u8]) -> HostResult<Option<Vec<u8>>>;
    /// True when `key` exists (even with an empty value).
    fn storage_has_key(&mut self, key: &[u8]) -> HostResult<bool>;
    /// Makes every write so far part of the execution's transaction (state reached through
    /// buffers, such as a 9P session's open files, writes them out here); called before
    /// the transaction commits. No default: a state that buffers must not forget it (an
    /// inherent `flush` would not override a default one, and its writes would be lost).
    fn flush(&mut self) -> HostResult<()>;
}

/// State held in memory: for unit tests and for callers that keep state elsewhere.
#[derive(Debug, Default, Clone)]
pub struct MemExternal {
    /// The key-value map.
    pub map: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl External for MemExternal {
    fn storage_get(&mut self, key: &[u8]) -> HostResult<Option<Vec<u8>>> {
        Ok(self.map.get(key).cloned())
    }
    fn storage_set(&mut self, key: &[u8], value: &[u8]) -> HostResult<Option<Vec<u8>>> {
        Ok(self.map.insert(key.to_vec(), value.to_vec()))
    }
    fn storage_remove(&mut self, key: &[u8]) -> HostResult<Option<Vec<u8>>> {
        Ok(self.map.remove(key))
    }
    fn storage_has_key(&mut self, key: &[u8]) -> HostResult<bool> {
        Ok(self.map.contains_key(key))
    }
    fn flush(&mut self) -> HostResult<()> {
        Ok(())
    }
}

impl<E: External> VmLogic<E> {
    fn read_key(&mut self, mem: &Mem<'_>, key: Bytes) -> HostResult<Vec<u8>> {
        let key = self.read_bytes(mem, key)?;
        if key.len() > MAX_KEY_LEN {
            return Err(HostError::KeyLengthExceeded(key.len() as u64));
        }
        Ok(key)
    }

    /// The key of a read, remove or has-key, charged as nearcore charges it: the
    /// operation's base, the key read, its bytes.
    fn storage_key(
        &mut self,
        mem: &Mem<'_>,
        (base, per_key_byte): (Gas, Gas),
        key: Bytes,
    ) -> HostResult<Vec<u8>> {
        self.gas.burn(base)?;
        let key = self.read_key(mem, key)?;
        self.gas.pay_per(per_key_byte, key.len() as u64)?;
        Ok(key)
    }

    /// Writes `value` under `key`: true if the key existed (its old value goes to
    /// `evicted`), false if it is new. Limits, gas and storage usage as nearcore.
    pub fn write_storage(
        &mut self,
        mem: &mut Mem<'_>,
        key: Bytes,
        value: Bytes,
        evicted: Out,
    ) -> HostResult<bool> {
        self.gas.burn(ext::BASE)?;
        self.not_in_view("storage_write")?;
        self.gas.burn(ext::STORAGE_WRITE_BASE)?;
        let key = self.read_key(mem, key)?;
        let value = self.read_bytes(mem, value)?;
        if value.len() > MAX_VALUE_LEN {
            return Err(HostError::ValueLengthExceeded(value.len() as u64));
        }
        self.gas
            .pay_per(ext::STORAGE_WRITE_KEY_BYTE, key.len() as u64)?;
        self.gas
            .pay_per(ext::STORAGE_WRITE_VALUE_BYTE, value.len() as u64)?;
        let old = self.ext.storage_set(&key, &value)?;
        let (k, v) = (key.len() as u64, value.len() as u64);
        match old {
            Some(old) => {
                self.gas
                    .pay_per(ext::STORAGE_WRITE_EVICTED_BYTE, old.len() as u64)?;
                self.storage_usage = (self.storage_usage + v).saturating_sub(old.len() as u64);
                self.deliver(mem, evicted, old)?;
                Ok(true)
            }
            None => {
                self.storage_usage = self
                    .storage_usage
                    .saturating_add(k + v + EXTRA_BYTES_RECORD);
                Ok(false)
            }
        }
    }

    /// Reads `key`: the value's length (the value goes to `out`), or `None` when absent.
    pub fn read_storage(
        &mut self,
        mem: &mut Mem<'_>,
        key: Bytes,
        out: Out,
    ) -> HostResult<Option<u64>> {
        self.gas.burn(ext::BASE)?;
        let cost = (ext::STORAGE_READ_BASE, ext::STORAGE_READ_KEY_BYTE);
        let key = self.storage_key(mem, cost, key)?;
        match self.ext.storage_get(&key)? {
            Some(value) => {
                self.gas
                    .pay_per(ext::STORAGE_READ_VALUE_BYTE, value.len() as u64)?;
                self.deliver(mem, out, value).map(Some)
            }
            None => Ok(None),
        }
    }

    /// Removes `key`: true if it existed (its old value goes to `out`).
    pub fn remove_storage(&mut self, mem: &mut Mem<'_>, key: Bytes, out: Out) -> HostResult<bool> {
        self.gas.burn(ext::BASE)?;
        self.not_in_view("storage_remove")?;
        let cost = (ext::STORAGE_REMOVE_BASE, ext::STORAGE_REMOVE_KEY_BYTE);
        let key = self.storage_key(mem, cost, key)?;
        match self.ext.storage_remove(&key)? {
            Some(old) => {
                self.gas
                    .pay_per(ext::STORAGE_REMOVE_RET_VALUE_BYTE, old.len() as u64)?;
                let freed = key.len() as u64 + old.len() as u64 + EXTRA_BYTES_RECORD;
                self.storage_usage = self.storage_usage.saturating_sub(freed);
                self.deliver(mem, out, old)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// True when `key` exists.
    pub fn has_storage(&mut self, mem: &mut Mem<'_>, key: Bytes) -> HostResult<bool> {
        self.gas.burn(ext::BASE)?;
        let cost = (ext::STORAGE_HAS_KEY_BASE, ext::STORAGE_HAS_KEY_BYTE);
        let key = self.storage_key(mem, cost, key)?;
        self.ext.storage_has_key(&key)
    }

    /// `storage_iter_prefix`: deprecated in nearcore, always an error.
    pub fn storage_iter_prefix(&mut self, _m: &mut Mem<'_>, _l: u64, _p: u64) -> HostResult<u64> {
        Err(HostError::Deprecated("storage_iter_prefix".into()))
    }

    /// `storage_iter_range`: deprecated in nearcore, always an error.
    pub fn storage_iter_range(
        &mut self,
        _m: &mut Mem<'_>,
        _a: u64,
        _b: u64,
        _c: u64,
        _d: u64,
    ) -> HostResult<u64> {
        Err(HostError::Deprecated("storage_iter_range".into()))
    }

    /// `storage_iter_next`: deprecated in nearcore, always an error.
    pub fn storage_iter_next(
        &mut self,
        _m: &mut Mem<'_>,
        _i: u64,
        _k: u64,
        _v: u64,
    ) -> HostResult<u64> {
        Err(HostError::Deprecated("storage_iter_next".into()))
    }
}

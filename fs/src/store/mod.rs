//! `Store`: the only code that talks to RocksDB. Column families, transactions, limits.
//!
//! Every mutation happens in a [`Txn`] on one account: reads see the transaction's own writes
//! over the committed state, and `commit` applies everything as one `WriteBatch`. A `Txn` holds
//! its account's lock for its whole life, so calls on one account are serialized while
//! different accounts proceed in parallel; under that lock the committed state of the account
//! cannot move, which is what makes read-through reads a consistent snapshot.
//!
//! Durability: every batch goes through RocksDB's write-ahead log (a plain `write(2)`), so an
//! acknowledged commit survives `kill -9`; [`Store::sync`] fsyncs the log for power loss.
//!
//! The `Store`/`Txn` surface is the boundary a distributed engine (TiKV) would replace.

mod columns;
mod records;
mod shared;
mod tuning;
mod txn;

pub use columns::Col;
pub use records::{
    now_ns, Clock, DirMeta, KeyMeta, DEFAULT_DIR_MODE, DEFAULT_FILE_MODE, MODE_MASK,
};
pub use shared::SharedTxn;
pub use tuning::{StoreStats, MAX_TOTAL_WAL};
pub use txn::{Change, ChangeKind, StoreRef, Txn};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{ArcMutexGuard, Mutex, RawMutex};
use rocksdb::{BlockBasedOptions, Cache, ColumnFamilyDescriptor, ReadOptions, DB};
use sha2::Digest;

use crate::account::AccountId;
use crate::error::{Error, Result};
pub(crate) use records::next_prefix;
use records::{account_prefix, row_key};

/// NEAR's `max_length_storage_key`.
pub const MAX_KEY_LEN: usize = 2048;
/// NEAR's `max_length_storage_value`.
pub const MAX_VALUE_LEN: usize = 4 << 20;
/// NEAR's `max_contract_size`.
pub const MAX_CODE_LEN: usize = 4 << 20;
/// NEAR's `storage_num_extra_bytes_record`: storage usage of a key beyond its bytes.
pub const EXTRA_BYTES_RECORD: u64 = 40;
/// NEAR's `num_bytes_account`: storage usage of an account record.
pub const ACCOUNT_RECORD_BYTES: u64 = 100;
/// Inode of the root directory.
pub const ROOT_INO: u64 = 1;

/// Inode numbers are handed out from blocks persisted ahead of use, so a crash can skip
/// numbers but never reuse one.
const INO_BLOCK: u64 = 1 << 16;
const SYS_INO_CEILING: &[u8] = b"ino_ceiling";

/// The `sys` row holding the sha256 of an account's code.
pub(crate) fn code_hash_row(account: &str) -> Vec<u8> {
    [b"code_hash/".as_slice(), account.as_bytes()].concat()
}

/// The `sys` row holding an account's storage-usage counter.
pub(crate) fn usage_row(account: &str) -> Vec<u8> {
    [b"usage/".as_slice(), account.as_bytes()].concat()
}

/// The `sys` row holding an account's key count.
pub(crate) fn key_count_row(account: &str) -> Vec<u8> {
    [b"keys/".as_slice(), account.as_bytes()].concat()
}

/// Called after every commit with the account, the committing origin and what changed
/// (the FUSE adapter uses it to drop kernel caches of what others changed).
pub type ChangeListener = Box<dyn Fn(&AccountId, u64, &[Change]) + Send + Sync>;

static NEXT_ORIGIN: AtomicU64 = AtomicU64::new(1);

/// A fresh origin id for a transport (0 means "unknown": the control socket, executions).
///
/// A transport passes its origin with every operation that commits (`statefs::Ctx`), so
/// change listeners can tell its own commits (whose effects it already knows) from everyone
/// else's.
pub fn new_origin() -> u64 {
    NEXT_ORIGIN.fetch_add(1, Ordering::Relaxed)
}

/// The RocksDB-backed state store.
pub struct Store {
    db: DB,
    path: PathBuf,
    locks: Mutex<LockTable>,
    next_ino: AtomicU64,
    ino_ceiling: Mutex<u64>,
    listeners: parking_lot::RwLock<Vec<ChangeListener>>,
    settle_hooks: parking_lot::RwLock<Vec<Box<dyn Fn() + Send + Sync>>>,
    /// Each account's overlay directories, as transactions last read them (see
    /// [`Store::locked_dirs`]).
    dirs_cache: Mutex<HashMap<String, Arc<AccountDirs>>>,
}

/// What an account's code is; stored beside its hash.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    /// A NEAR contract (`wasm32-unknown-unknown`, the `env` host functions): either mode.
    #[default]
    NearContract,
    /// A `wasm32-wasip1` command following the program convention: linux mode only.
    WasiProgram,
}

impl CodeKind {
    /// How outcomes and the CLI name the kind.
    pub fn describe(self) -> &'static str {
        match self {
            CodeKind::NearContract => "NEAR contract",
            CodeKind::WasiProgram => "WASI program (linux mode)",
        }
    }

    fn tag(self) -> u8 {
        match self {
            CodeKind::NearContract => 0,
            CodeKind::WasiProgram => 1,
        }
    }

    /// The kind a stored tag names; rows written before kinds existed have none.
    fn from_tag(tag: Option<u8>) -> Self {
        match tag {
            Some(1) => CodeKind::WasiProgram,
            _ => CodeKind::NearContract,
        }
    }
}

/// An account's overlay directories: path and record, in path order.
pub type AccountDirs = Vec<(Vec<u8>, DirMeta)>;

/// Accounts whose directories [`Store::locked_dirs`] keeps at most (then it starts over).
const DIRS_CACHE_ACCOUNTS: usize = 4096;

impl Store {
    /// Opens (creating if needed) the store in `dir`; fails if another process holds it.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Storage(format!("cannot create {}: {e}", dir.display())))?;
        let cache = Cache::new_lru_cache(128 << 20);
        let mut table = BlockBasedOptions::default();
        table.set_block_cache(&cache);
        table.set_bloom_filter(10.0, false);
        table.set_cache_index_and_filter_blocks(true);
        let opts = tuning::db_options();
        let cfs = Col::ALL
            .iter()
            .map(|&c| ColumnFamilyDescriptor::new(c.name(), tuning::cf_options(c, &table)));
        let db = DB::open_cf_descriptors(&opts, dir, cfs).map_err(|e| {
            let msg = e.into_string();
            if msg.contains("lock") || msg.contains("Resource temporarily unavailable") {
                Error::Storage(format!(
                    "{} is in use by another process (is an outlayerd daemon running?)",
                    dir.display()
                ))
            } else {
                Error::Storage(msg)
            }
        })?;
        let store = Store {
            db,
            path: dir.to_path_buf(),
            locks: Mutex::new(LockTable::default()),
            next_ino: AtomicU64::new(0),
            ino_ceiling: Mutex::new(0),
            listeners: parking_lot::RwLock::new(Vec::new()),
            settle_hooks: parking_lot::RwLock::new(Vec::new()),
            dirs_cache: Mutex::new(HashMap::new()),
        };
        let ceiling = match store.get_raw(Col::Sys, SYS_INO_CEILING)? {
            Some(v) => parse_ino_ceiling(&v)?,
            None => ROOT_INO + 1,
        };
        store.next_ino.store(ceiling, Ordering::SeqCst);
        *store.ino_ceiling.lock() = ceiling;
        Ok(store)
    }

    /// Where the store lives on disk.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts a transaction on `account`, waiting for any other one on it to finish. Its
    /// commit is reported to change listeners with origin 0 ("unknown").
    pub fn begin(&self, account: &AccountId) -> Result<Txn<'_>> {
        let guard = self.lock_account(account);
        Txn::new(StoreRef::Borrowed(self), account.clone(), guard, 0)
    }

    /// Like [`Store::begin`], but the transaction owns a handle on the store, so it can
    /// outlive the caller's borrow (a 9P session bound to an execution keeps it across
    /// requests and threads).
    pub fn begin_shared(self: &Arc<Self>, account: &AccountId) -> Result<Txn<'static>> {
        self.begin_shared_from(account, 0)
    }

    /// Like [`Store::begin_shared`], with the commit reported to change listeners as made by
    /// `origin` (see [`new_origin`]).
    pub fn begin_shared_from(
        self: &Arc<Self>,
        account: &AccountId,
        origin: u64,
    ) -> Result<Txn<'static>> {
        let guard = self.lock_account(account);
        Txn::new(
            StoreRef::Shared(self.clone()),
            account.clone(),
            guard,
            origin,
        )
    }

    /// Waits for, and takes, `account`'s lock (the table lock is held only to find it).
    fn lock_account(&self, account: &AccountId) -> ArcMutexGuard<RawMutex, ()> {
        let lock = self.locks.lock().get(account);
        lock.lock_arc()
    }

    /// Registers a function called after each commit.
    pub fn on_change(&self, listener: ChangeListener) {
        self.listeners.write().push(listener);
    }

    /// Registers a function that waits until a listener has acted on every commit so far.
    pub fn on_settle(&self, hook: Box<dyn Fn() + Send + Sync>) {
        self.settle_hooks.write().push(hook);
    }

    /// Waits until change listeners have acted on every commit made so far (the FUSE mount
    /// has dropped the kernel's cached view of them). Transports call it after a request
    /// and before replying, holding no lock, so "committed" means "visible everywhere".
    pub fn settle(&self) {
        for hook in self.settle_hooks.read().iter() {
            hook();
        }
    }

    /// Makes every acknowledged commit durable against power loss.
    pub fn sync(&self) -> Result<()> {
        Ok(self.db.flush_wal(true)?)
    }

    /// The committed value of `key`.
    pub fn get(&self, account: &AccountId, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.get_raw(Col::State, &row_key(account.as_str(), key))
    }

    /// Runs `f` on the committed value of `key` without copying it out of RocksDB.
    pub fn with_value<T>(
        &self,
        account: &AccountId,
        key: &[u8],
        f: impl FnOnce(&[u8]) -> T,
    ) -> Result<Option<T>> {
        let v = self
            .db
            .get_pinned_cf(self.cf(Col::State), row_key(account.as_str(), key))?;
        Ok(v.map(|v| f(&v)))
    }

    /// The committed metadata of `key`.
    pub fn meta(&self, account: &AccountId, key: &[u8]) -> Result<Option<KeyMeta>> {
        let v = self
            .db
            .get_pinned_cf(self.cf(Col::Meta), row_key(account.as_str(), key))?;
        Ok(v.map(|v| KeyMeta::decode(&v)))
    }

    /// The record of `account`, if it exists.
    pub fn account(&self, account: &AccountId) -> Result<Option<DirMeta>> {
        let v = self
            .db
            .get_pinned_cf(self.cf(Col::Accounts), account.as_str())?;
        Ok(v.map(|v| DirMeta::decode(&v)))
    }

    /// The overlay directory `path` of `account`, if it exists.
    pub fn dir(&self, account: &AccountId, path: &[u8]) -> Result<Option<DirMeta>> {
        let v = self
            .db
            .get_pinned_cf(self.cf(Col::Dirs), row_key(account.as_str(), path))?;
        Ok(v.map(|v| DirMeta::decode(&v)))
    }

    /// The deployed contract code of `account`.
    pub fn code(&self, account: &AccountId) -> Result<Option<Vec<u8>>> {
        self.get_raw(Col::Code, account.as_str().as_bytes())
    }

    /// The sha256 of the deployed code of `account`, without reading the code: kept in the
    /// `sys` column by [`Txn::set_code`]; hashed from the code for code deployed before that.
    pub fn code_hash(&self, account: &AccountId) -> Result<Option<[u8; 32]>> {
        Ok(self.code_info(account)?.map(|(hash, _)| hash))
    }

    /// The hash of `account`'s code and what kind of code it is, without reading the code
    /// (but for code deployed before hashes were kept).
    pub fn code_info(&self, account: &AccountId) -> Result<Option<([u8; 32], CodeKind)>> {
        let acct = account.as_str();
        if let Some(v) = self.get_raw(Col::Sys, &code_hash_row(acct))? {
            if let Some(h) = v.get(..32).and_then(|h| <[u8; 32]>::try_from(h).ok()) {
                return Ok(Some((h, CodeKind::from_tag(v.get(32).copied()))));
            }
        }
        let hash = self.code(account)?.map(|c| sha2::Sha256::digest(&c).into());
        Ok(hash.map(|h| (h, CodeKind::NearContract)))
    }

    /// The NEAR storage usage of `account` (0 when it does not exist): see
    /// [`Txn::storage_usage`]. Read from a counter kept in the `sys` column; computed by a scan
    /// for accounts written before the counter existed.
    pub fn storage_usage(&self, account: &AccountId) -> Result<u64> {
        let acct = account.as_str();
        if let Some(v) = self.get_raw(Col::Sys, &usage_row(acct))? {
            return Ok(u64::from_le_bytes(
                v.as_slice().try_into().unwrap_or([0; 8]),
            ));
        }
        if self.account(account)?.is_none() {
            return Ok(0);
        }
        let mut usage = ACCOUNT_RECORD_BYTES + self.code(account)?.map_or(0, |c| c.len() as u64);
        self.scan_keys(account, b"", b"", |k, m| {
            usage += k.len() as u64 + m.size + EXTRA_BYTES_RECORD;
            true
        })?;
        Ok(usage)
    }

    /// How many keys `account` holds (0 when it does not exist), without a scan: read from
    /// a counter kept in the `sys` column; counted for accounts written before it existed.
    pub fn key_count(&self, account: &AccountId) -> Result<u64> {
        // A row that is not 8 bytes is not one we wrote: counting again beats trusting it.
        let row = self.get_raw(Col::Sys, &key_count_row(account.as_str()))?;
        if let Some(count) = row.and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok()) {
            return Ok(u64::from_le_bytes(count));
        }
        let mut count = 0;
        self.scan_keys(account, b"", b"", |_, _| {
            count += 1;
            true
        })?;
        Ok(count)
    }

    /// Every overlay directory of `account` (paths relative to the account).
    pub fn dirs(&self, account: &AccountId) -> Result<Vec<(Vec<u8>, DirMeta)>> {
        let prefix = account_prefix(account.as_str());
        let mut out = Vec::new();
        self.scan(Col::Dirs, &prefix, &prefix, |k, v| {
            out.push((k[prefix.len()..].to_vec(), DirMeta::decode(v)));
            true
        })?;
        Ok(out)
    }

    /// [`Store::dirs`] for a holder of `account`'s lock, cached: every execution's session
    /// needs an account's directories (to place keys), most accounts have none, and a scan
    /// costs more than the rest of a small call's storage. Sound because only lock holders
    /// fill the cache and every commit that writes a directory row empties the account's
    /// entry under the same lock ([`Store::forget_dirs`]).
    pub(crate) fn locked_dirs(&self, account: &AccountId) -> Result<Arc<AccountDirs>> {
        if let Some(d) = self.dirs_cache.lock().get(account.as_str()) {
            return Ok(d.clone());
        }
        let dirs = Arc::new(self.dirs(account)?);
        let mut cache = self.dirs_cache.lock();
        if cache.len() >= DIRS_CACHE_ACCOUNTS {
            cache.clear();
        }
        cache.insert(account.as_str().to_string(), dirs.clone());
        Ok(dirs)
    }

    /// Drops the cached directories of `account` (its directory rows changed).
    pub(crate) fn forget_dirs(&self, account: &AccountId) {
        self.dirs_cache.lock().remove(account.as_str());
    }

    /// Calls `f(account, record)` for accounts in order, starting at `from`, while it returns true.
    pub fn scan_accounts(
        &self,
        from: &[u8],
        mut f: impl FnMut(&[u8], DirMeta) -> bool,
    ) -> Result<()> {
        self.scan(Col::Accounts, b"", from, |k, v| f(k, DirMeta::decode(v)))
    }

    /// Calls `f(key, meta)` for the keys of `account` that start with `prefix`, in key order,
    /// starting at `from` (a full key, or `prefix` itself), while `f` returns true.
    pub fn scan_keys(
        &self,
        account: &AccountId,
        prefix: &[u8],
        from: &[u8],
        mut f: impl FnMut(&[u8], KeyMeta) -> bool,
    ) -> Result<()> {
        let acct = account_prefix(account.as_str());
        let full_prefix = [acct.as_slice(), prefix].concat();
        let full_from = [acct.as_slice(), from].concat();
        let n = acct.len();
        self.scan(Col::Meta, &full_prefix, &full_from, |k, v| {
            f(&k[n..], KeyMeta::decode(v))
        })
    }

    /// Calls `f(key, value)` for every key of `account`, in key order, from one consistent
    /// view, while `f` returns true. Made for whole-account exports: the blocks it reads do
    /// not enter the block cache, so exporting a million keys neither grows the process nor
    /// evicts what live traffic keeps hot.
    pub fn scan_values(
        &self,
        account: &AccountId,
        mut f: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<()> {
        let acct = account_prefix(account.as_str());
        let n = acct.len();
        let mut ro = ReadOptions::default();
        ro.fill_cache(false);
        self.scan_with(Col::State, &acct, &acct, ro, |k, v| f(&k[n..], v))
    }

    /// True when `account` holds no key, directory or code.
    pub fn account_is_empty(&self, account: &AccountId) -> Result<bool> {
        let prefix = account_prefix(account.as_str());
        let mut empty = true;
        for col in [Col::Meta, Col::Dirs] {
            self.scan(col, &prefix, &prefix, |_, _| {
                empty = false;
                false
            })?;
        }
        Ok(empty && self.code(account)?.is_none())
    }

    /// Live data size and file count estimates, for `statfs`.
    pub fn usage_estimate(&self) -> (u64, u64) {
        let prop = |col: Col, name: &str| {
            self.db
                .property_int_value_cf(self.cf(col), name)
                .ok()
                .flatten()
                .unwrap_or(0)
        };
        let bytes = prop(Col::State, "rocksdb.estimate-live-data-size");
        let keys = prop(Col::Meta, "rocksdb.estimate-num-keys");
        (bytes, keys)
    }

    /// A fresh inode number.
    pub(crate) fn alloc_ino(&self) -> Result<u64> {
        let ino = self.next_ino.fetch_add(1, Ordering::SeqCst);
        let mut ceiling = self.ino_ceiling.lock();
        if ino >= *ceiling {
            let new = ino + INO_BLOCK;
            let mut wo = rocksdb::WriteOptions::default();
            wo.set_sync(true);
            self.db
                .put_cf_opt(self.cf(Col::Sys), SYS_INO_CEILING, new.to_le_bytes(), &wo)?;
            *ceiling = new;
        }
        Ok(ino)
    }

    fn get_raw(&self, col: Col, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.db.get_cf(self.cf(col), key)?)
    }

    pub(crate) fn cf(&self, col: Col) -> &rocksdb::ColumnFamily {
        // Every column is created at open (`create_missing_column_families`).
        #[allow(clippy::expect_used)]
        self.db
            .cf_handle(col.name())
            .expect("column family created at open")
    }

    pub(crate) fn db(&self) -> &DB {
        &self.db
    }

    pub(crate) fn notify(&self, account: &AccountId, origin: u64, changes: &[Change]) {
        for l in self.listeners.read().iter() {
            l(account, origin, changes);
        }
    }

    /// Iterates rows of `col` starting with `prefix`, from `from`, while `f` returns true;
    /// `f` sees whole row keys (callers strip the account part).
    fn scan(
        &self,
        col: Col,
        prefix: &[u8],
        from: &[u8],
        f: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<()> {
        self.scan_with(col, prefix, from, ReadOptions::default(), f)
    }

    /// [`Store::scan`] with the caller's read options.
    fn scan_with(
        &self,
        col: Col,
        prefix: &[u8],
        from: &[u8],
        mut ro: ReadOptions,
        mut f: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<()> {
        if let Some(upper) = next_prefix(prefix) {
            ro.set_iterate_upper_bound(upper);
        }
        let mut it = self.db.raw_iterator_cf_opt(self.cf(col), ro);
        it.seek(from);
        while let (Some(k), Some(v)) = (it.key(), it.value()) {
            if !k.starts_with(prefix) || !f(k, v) {
                break;
            }
            it.next();
        }
        Ok(it.status()?)
    }
}

impl Drop for Store {
    /// A clean close flushes, so the next open replays no log (a `kill -9` skips this and
    /// loses nothing: the log has every acknowledged commit).
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            tracing::warn!(error = %e, "flushing the store at close failed");
        }
    }
}

/// The inode ceiling as persisted: 8 little-endian bytes above the root's inode. Anything
/// else would hand out inode numbers already in use (the root's among them), so the store
/// refuses to open rather than guess.
fn parse_ino_ceiling(row: &[u8]) -> Result<u64> {
    match <[u8; 8]>::try_from(row).map(u64::from_le_bytes) {
        Ok(ceiling) if ceiling > ROOT_INO => Ok(ceiling),
        _ => Err(Error::Storage(format!(
            "corrupt inode ceiling in the sys column: {}",
            hex::encode(row)
        ))),
    }
}

/// One mutex per account that has had a transaction. Entries nobody holds or waits for are
/// dropped whenever the table has doubled since the last sweep, so a daemon that has touched
/// millions of accounts does not keep a mutex for each.
#[derive(Default)]
struct LockTable {
    locks: HashMap<AccountId, Arc<Mutex<()>>>,
    sweep_at: usize,
}

impl LockTable {
    const MIN_SWEEP: usize = 1024;

    /// The mutex of `account` (created if needed), to be locked after the table is released.
    fn get(&mut self, account: &AccountId) -> Arc<Mutex<()>> {
        if self.locks.len() >= self.sweep_at.max(Self::MIN_SWEEP) {
            // Only the table holds an entry with a strong count of 1: no guard, no waiter
            // (both hold clones, taken under the table's lock).
            self.locks.retain(|_, lock| Arc::strong_count(lock) > 1);
            self.sweep_at = 2 * self.locks.len();
        }
        self.locks.entry(account.clone()).or_default().clone()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.locks.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_table_drops_idle_entries_and_keeps_held_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let held = AccountId::new("held.near").expect("account id");
        let guard = store.lock_account(&held);
        for i in 0..3000 {
            let id = AccountId::new(&format!("a{i}.near")).expect("account id");
            drop(store.lock_account(&id));
        }
        let len = store.locks.lock().len();
        assert!(
            len <= LockTable::MIN_SWEEP,
            "idle entries swept: {len} left"
        );
        // The held account kept its mutex: it is still locked, and unlocks with the guard.
        let same = store.locks.lock().get(&held);
        assert!(same.try_lock().is_none());
        drop(guard);
        assert!(same.try_lock().is_some());
    }

    #[test]
    fn a_corrupt_inode_ceiling_fails_the_open() {
        for row in [
            &b"short"[..],
            &[0; 9],
            &0u64.to_le_bytes(),
            &ROOT_INO.to_le_bytes(),
        ] {
            let dir = tempfile::tempdir().expect("tempdir");
            let store = Store::open(dir.path()).expect("open");
            store
                .db()
                .put_cf(store.cf(Col::Sys), SYS_INO_CEILING, row)
                .expect("put");
            drop(store);
            let err = Store::open(dir.path())
                .err()
                .expect("a corrupt ceiling is refused");
            assert!(err.to_string().contains("inode ceiling"), "{err}");
        }
        // A sound ceiling opens, and numbering resumes above it.
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let ceiling = 5 * INO_BLOCK;
        store
            .db()
            .put_cf(store.cf(Col::Sys), SYS_INO_CEILING, ceiling.to_le_bytes())
            .expect("put");
        drop(store);
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(store.alloc_ino().expect("ino"), ceiling);
    }

    /// A transaction with an execution's clock writes that clock's times everywhere: new
    /// keys, new directories, the account's entries, renames.
    #[test]
    fn a_transaction_writes_its_clocks_times() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let account = AccountId::new("app.near").expect("account");
        let mut txn = store.begin(&account).expect("begin");
        txn.set_clock(Clock::fixed(42));
        txn.create_account().expect("create");
        txn.put(b"k", b"v".to_vec()).expect("put");
        txn.create_dir(b"d", DEFAULT_DIR_MODE).expect("dir");
        txn.commit().expect("commit");
        let mut txn = store.begin(&account).expect("begin");
        txn.set_clock(Clock::fixed(43));
        txn.rename_key(b"k", b"moved").expect("rename");
        txn.commit().expect("commit");
        let key = store.meta(&account, b"moved").expect("meta").expect("key");
        assert_eq!((key.mtime_ns, key.atime_ns, key.ctime_ns), (42, 42, 43));
        let d = store.dir(&account, b"d").expect("dir").expect("exists");
        assert_eq!((d.mtime_ns, d.ctime_ns), (42, 42));
        let a = store.account(&account).expect("account").expect("exists");
        assert_eq!((a.mtime_ns, a.ctime_ns), (43, 43));
    }
}

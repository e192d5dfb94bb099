//! `Txn`: reads through a write overlay on one account, committed as one `WriteBatch`.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use parking_lot::{ArcMutexGuard, RawMutex};
use rocksdb::WriteBatch;

use super::records::{account_prefix, row_key, Clock};
use super::records::{DEFAULT_DIR_MODE, DEFAULT_FILE_MODE, MODE_MASK};
use super::{CodeKind, Col, DirMeta, KeyMeta, Store, MAX_CODE_LEN, MAX_KEY_LEN, MAX_VALUE_LEN};
use crate::account::AccountId;
use crate::error::{Error, Result};

/// A pending change to one key.
enum KeyWrite {
    /// New value (and the metadata it will carry).
    Put { value: Vec<u8>, meta: KeyMeta },
    /// Only the metadata changes (times, mode).
    Touch(KeyMeta),
    /// The key goes away; `ino` is the inode it had.
    Delete { ino: u64 },
}

/// What happened to a key or directory in a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// A key got a new value.
    Written,
    /// Only a key's attributes changed (times, mode): its value did not.
    Attr,
    /// A key was removed (or renamed away).
    Removed,
    /// An overlay directory was created.
    DirAdded,
    /// An overlay directory was removed (or renamed away).
    DirRemoved,
    /// The account itself was removed.
    AccountRemoved,
}

/// One change a commit made, as reported to change listeners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The key or directory path (empty for the account).
    pub key: Vec<u8>,
    /// The inode it had or has (0 when unknown).
    pub ino: u64,
    /// What happened.
    pub kind: ChangeKind,
}

/// How a transaction reaches its store: borrowed ([`Store::begin`]) or shared
/// ([`Store::begin_shared`], for a transaction that must outlive any one borrow).
pub enum StoreRef<'s> {
    /// A plain borrow.
    Borrowed(&'s Store),
    /// A counted handle.
    Shared(Arc<Store>),
}

impl std::ops::Deref for StoreRef<'_> {
    type Target = Store;

    fn deref(&self) -> &Store {
        match self {
            StoreRef::Borrowed(s) => s,
            StoreRef::Shared(s) => s,
        }
    }
}

/// A transaction on one account. Dropping it without `commit` discards every write.
pub struct Txn<'s> {
    store: StoreRef<'s>,
    /// Who commits (see [`super::new_origin`]; 0 when unknown); reported to change listeners.
    origin: u64,
    account: AccountId,
    /// The account lock; released before listeners run (see `commit`).
    lock: Option<ArcMutexGuard<RawMutex, ()>>,
    /// The account's record as committed; `None` when the account does not exist yet.
    account_meta: Option<DirMeta>,
    create_account: bool,
    remove_account: bool,
    touch_account: bool,
    /// Directories whose entries changed, as named by the caller (see [`Txn::touch_dir`]);
    /// `None` until the caller names one, in which case any new or removed key touches
    /// the account itself.
    touched_dirs: Option<std::collections::BTreeSet<Vec<u8>>>,
    keys: BTreeMap<Vec<u8>, KeyWrite>,
    dirs: BTreeMap<Vec<u8>, Option<DirMeta>>,
    code: Option<(Vec<u8>, CodeKind)>,
    /// Change of the account's NEAR storage usage made by this transaction (bytes).
    usage_delta: i64,
    /// Change of the account's key count made by this transaction.
    keys_delta: i64,
    /// Where the times this transaction writes come from.
    clock: Clock,
    /// Committed metadata already read, by key (see [`Txn::meta`]).
    meta_cache: std::cell::RefCell<crate::FastHashMap<Vec<u8>, Option<KeyMeta>>>,
}

/// Keys whose committed metadata a transaction remembers at most.
const META_CACHE_KEYS: usize = 1024;

impl<'s> Txn<'s> {
    pub(super) fn new(
        store: StoreRef<'s>,
        account: AccountId,
        lock: ArcMutexGuard<RawMutex, ()>,
        origin: u64,
    ) -> Result<Self> {
        let account_meta = store.account(&account)?;
        Ok(Txn {
            store,
            origin,
            account,
            lock: Some(lock),
            account_meta,
            create_account: false,
            remove_account: false,
            touch_account: false,
            touched_dirs: None,
            keys: BTreeMap::new(),
            dirs: BTreeMap::new(),
            code: None,
            usage_delta: 0,
            keys_delta: 0,
            clock: Clock::system(),
            meta_cache: Default::default(),
        })
    }

    /// The account this transaction works on.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// Makes the times this transaction writes (new keys and directories, changed entries)
    /// come from `clock` instead of the host's.
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// Where the times this transaction writes come from.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The store underneath (for reads that need no overlay).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The account's record, including one created in this transaction.
    pub fn account_meta(&self) -> Option<DirMeta> {
        if self.remove_account {
            None
        } else {
            self.account_meta
        }
    }

    /// Creates the account (an error if it exists).
    pub fn create_account(&mut self) -> Result<DirMeta> {
        if self.account_meta().is_some() {
            return Err(Error::Exists);
        }
        let meta = DirMeta::new(self.store.alloc_ino()?, DEFAULT_DIR_MODE, self.clock.now());
        self.account_meta = Some(meta);
        self.create_account = true;
        self.remove_account = false;
        Ok(meta)
    }

    /// Removes the account, which must hold nothing.
    pub fn remove_account(&mut self) -> Result<()> {
        if self.account_meta().is_none() {
            return Err(Error::NotFound);
        }
        if !self.keys.is_empty() || !self.dirs.is_empty() || self.code.is_some() {
            return Err(Error::NotEmpty);
        }
        if !self.store.account_is_empty(&self.account)? {
            return Err(Error::NotEmpty);
        }
        self.remove_account = true;
        Ok(())
    }

    /// The value of `key` as this transaction sees it.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.keys.get(key) {
            Some(KeyWrite::Put { value, .. }) => Ok(Some(value.clone())),
            Some(KeyWrite::Delete { .. }) => Ok(None),
            Some(KeyWrite::Touch(_)) | None => self.store.get(&self.account, key),
        }
    }

    /// The metadata of `key` as this transaction sees it.
    pub fn meta(&self, key: &[u8]) -> Result<Option<KeyMeta>> {
        match self.keys.get(key) {
            Some(KeyWrite::Put { meta, .. } | KeyWrite::Touch(meta)) => Ok(Some(*meta)),
            Some(KeyWrite::Delete { .. }) => Ok(None),
            None => {
                // The account's lock is ours, so the committed record cannot change under
                // this transaction: read it once (a file's walk, open and flush ask again).
                if let Some(m) = self.meta_cache.borrow().get(key) {
                    return Ok(*m);
                }
                let m = self.store.meta(&self.account, key)?;
                let mut cache = self.meta_cache.borrow_mut();
                if cache.len() < META_CACHE_KEYS {
                    cache.insert(key.to_vec(), m);
                }
                Ok(m)
            }
        }
    }

    /// Runs `f` on the value of `key` as this transaction sees it, without copying a
    /// committed value out of RocksDB.
    pub fn with_value<T>(&self, key: &[u8], f: impl FnOnce(&[u8]) -> T) -> Result<Option<T>> {
        match self.keys.get(key) {
            Some(KeyWrite::Put { value, .. }) => Ok(Some(f(value))),
            Some(KeyWrite::Delete { .. }) => Ok(None),
            Some(KeyWrite::Touch(_)) | None => self.store.with_value(&self.account, key, f),
        }
    }

    /// Calls `f(key, meta)` for the keys starting with `prefix`, in key order, from `from`
    /// on, while it returns true, as this transaction sees them: keys written here show
    /// with their new metadata, keys removed here do not show ([`Store::scan_keys`] merged
    /// with the write overlay).
    pub fn scan_keys(
        &self,
        prefix: &[u8],
        from: &[u8],
        mut f: impl FnMut(&[u8], KeyMeta) -> bool,
    ) -> Result<()> {
        let from = from.max(prefix);
        let mut pending = self
            .keys
            .range::<[u8], _>((Bound::Included(from), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .peekable();
        let mut stopped = false;
        self.store
            .scan_keys(&self.account, prefix, from, |key, committed| {
                // Keys only this transaction has, sorting before the committed one.
                while let Some((k, w)) = pending.next_if(|(k, _)| k.as_slice() < key) {
                    if let KeyWrite::Put { meta, .. } | KeyWrite::Touch(meta) = w {
                        if !f(k, *meta) {
                            stopped = true;
                            return false;
                        }
                    }
                }
                let shown = match pending.next_if(|(k, _)| k.as_slice() == key) {
                    Some((_, KeyWrite::Put { meta, .. } | KeyWrite::Touch(meta))) => Some(*meta),
                    Some((_, KeyWrite::Delete { .. })) => None,
                    None => Some(committed),
                };
                match shown {
                    Some(meta) if !f(key, meta) => {
                        stopped = true;
                        false
                    }
                    _ => true,
                }
            })?;
        if stopped {
            return Ok(());
        }
        for (k, w) in pending {
            if let KeyWrite::Put { meta, .. } | KeyWrite::Touch(meta) = w {
                if !f(k, *meta) {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Every overlay directory of the account as this transaction sees it, in path order.
    pub fn dirs(&self) -> Result<Vec<(Vec<u8>, DirMeta)>> {
        let committed = self.store.locked_dirs(&self.account)?;
        if self.dirs.is_empty() {
            return Ok(committed.as_ref().clone());
        }
        let mut all: BTreeMap<Vec<u8>, DirMeta> = committed.iter().cloned().collect();
        for (path, d) in &self.dirs {
            match d {
                Some(meta) => all.insert(path.clone(), *meta),
                None => all.remove(path),
            };
        }
        Ok(all.into_iter().collect())
    }

    /// Writes `value` under `key`; returns the metadata the key had before, if any. A new
    /// key gets [`DEFAULT_FILE_MODE`]; an existing one keeps its mode.
    pub fn put(&mut self, key: &[u8], value: Vec<u8>) -> Result<Option<KeyMeta>> {
        let now = self.clock.now();
        self.put_with(key, value, now, DEFAULT_FILE_MODE)
    }

    /// Like [`Txn::put`], with the modification time given (an open file's last write) and
    /// the mode the key gets if it does not exist yet.
    pub fn put_with(
        &mut self,
        key: &[u8],
        value: Vec<u8>,
        mtime_ns: u64,
        new_mode: u32,
    ) -> Result<Option<KeyMeta>> {
        check_key(key)?;
        if value.len() > MAX_VALUE_LEN {
            return Err(Error::TooBig {
                limit: MAX_VALUE_LEN,
            });
        }
        let old = self.meta(key)?;
        let (ino, atime_ns, mode) = match old {
            Some(m) => (m.ino, m.atime_ns, m.mode),
            None => {
                self.touch_account = true;
                self.keys_delta += 1;
                (self.store.alloc_ino()?, mtime_ns, new_mode & MODE_MASK)
            }
        };
        self.usage_delta += match old {
            Some(m) => value.len() as i64 - m.size as i64,
            None => record_usage(key, value.len() as u64),
        };
        let meta = KeyMeta {
            ino,
            size: value.len() as u64,
            mtime_ns,
            ctime_ns: mtime_ns,
            atime_ns,
            mode,
        };
        self.keys
            .insert(key.to_vec(), KeyWrite::Put { value, meta });
        Ok(old)
    }

    /// Changes the metadata of an existing key (times, mode) without touching its value;
    /// `f` sets every field that moves, ctime included.
    pub fn update_meta(&mut self, key: &[u8], f: impl FnOnce(&mut KeyMeta)) -> Result<KeyMeta> {
        let mut meta = self.meta(key)?.ok_or(Error::NotFound)?;
        let ino = meta.ino;
        f(&mut meta);
        meta.ino = ino;
        meta.mode &= MODE_MASK;
        match self.keys.get_mut(key) {
            Some(KeyWrite::Put { meta: m, .. }) => *m = meta,
            _ => {
                self.keys.insert(key.to_vec(), KeyWrite::Touch(meta));
            }
        }
        Ok(meta)
    }

    /// Removes `key`; returns its metadata if it existed.
    pub fn remove(&mut self, key: &[u8]) -> Result<Option<KeyMeta>> {
        check_key(key)?;
        let old = self.meta(key)?;
        if let Some(m) = old {
            self.usage_delta -= record_usage(key, m.size);
            self.keys_delta -= 1;
            self.keys
                .insert(key.to_vec(), KeyWrite::Delete { ino: m.ino });
            self.touch_account = true;
        }
        Ok(old)
    }

    /// Moves the value of `from` to `to` (replacing it), keeping its inode number.
    pub fn rename_key(&mut self, from: &[u8], to: &[u8]) -> Result<KeyMeta> {
        check_key(to)?;
        let mut meta = self.meta(from)?.ok_or(Error::NotFound)?;
        let value = self.get(from)?.ok_or(Error::NotFound)?;
        meta.ctime_ns = self.clock.now();
        if let Some(replaced) = self.meta(to)? {
            self.usage_delta -= record_usage(to, replaced.size);
            self.keys_delta -= 1;
        }
        self.usage_delta += record_usage(to, meta.size) - record_usage(from, meta.size);
        self.keys
            .insert(from.to_vec(), KeyWrite::Delete { ino: meta.ino });
        self.keys.insert(to.to_vec(), KeyWrite::Put { value, meta });
        self.touch_account = true;
        Ok(meta)
    }

    /// The overlay directory `path`, as this transaction sees it.
    pub fn dir(&self, path: &[u8]) -> Result<Option<DirMeta>> {
        match self.dirs.get(path) {
            Some(d) => Ok(*d),
            None => self.store.dir(&self.account, path),
        }
    }

    /// Names the directory (`b""` = the account) whose entries this transaction changes, so
    /// its mtime moves, and only its: without this call, any key created or removed counts
    /// as a change of the account directory.
    pub fn touch_dir(&mut self, path: &[u8]) {
        self.touched_dirs
            .get_or_insert_with(Default::default)
            .insert(path.to_vec());
    }

    /// Declares that no directory's entries change (a `utimes` on a directory).
    pub fn touch_none(&mut self) {
        self.touched_dirs.get_or_insert_with(Default::default);
    }

    /// Records a new overlay directory `path` with permission bits `mode` and a fresh inode.
    pub fn create_dir(&mut self, path: &[u8], mode: u32) -> Result<DirMeta> {
        let meta = DirMeta::new(self.store.alloc_ino()?, mode, self.clock.now());
        self.put_dir(path, meta)?;
        Ok(meta)
    }

    /// Records the overlay directory `path` with `meta` (moved or given new attributes).
    pub fn put_dir(&mut self, path: &[u8], meta: DirMeta) -> Result<()> {
        check_key(path)?;
        self.dirs.insert(path.to_vec(), Some(meta));
        self.touch_account = true;
        Ok(())
    }

    /// Forgets the overlay directory `path` (its keys are the caller's business).
    pub fn remove_dir(&mut self, path: &[u8]) {
        self.dirs.insert(path.to_vec(), None);
        self.touch_account = true;
    }

    /// Replaces the account's record (times set by `utimes` on the account directory).
    pub fn set_account_meta(&mut self, meta: DirMeta) {
        self.account_meta = Some(meta);
        self.create_account = true;
    }

    /// Sets the account's contract code.
    pub fn set_code(&mut self, code: Vec<u8>) -> Result<()> {
        self.set_code_of_kind(code, CodeKind::NearContract)
    }

    /// Deploys `code` as code of `kind` (stored beside its hash; see [`Store::code_info`]).
    pub fn set_code_of_kind(&mut self, code: Vec<u8>, kind: CodeKind) -> Result<()> {
        if code.len() > MAX_CODE_LEN {
            return Err(Error::TooBig {
                limit: MAX_CODE_LEN,
            });
        }
        let old_len = match &self.code {
            Some((c, _)) => c.len(),
            None => self.store.code(&self.account)?.map_or(0, |c| c.len()),
        };
        self.usage_delta += code.len() as i64 - old_len as i64;
        self.code = Some((code, kind));
        Ok(())
    }

    /// How many keys the account holds as this transaction sees it.
    pub fn key_count(&self) -> Result<u64> {
        let base = self.store.key_count(&self.account)?;
        Ok(base.saturating_add_signed(self.keys_delta))
    }

    /// The account's NEAR storage usage as this transaction sees it: a 100-byte account
    /// record, the code, and `key + value + 40` bytes per key (nearcore's
    /// `num_bytes_account` and `storage_num_extra_bytes_record`). Kept as a counter, so
    /// this is cheap.
    pub fn storage_usage(&self) -> Result<u64> {
        let mut base = self.store.storage_usage(&self.account)?;
        if base == 0 && !self.remove_account {
            // Not committed yet: created by this transaction (explicitly or by its first
            // write), its record counts from now on.
            base = super::ACCOUNT_RECORD_BYTES;
        }
        Ok(base.saturating_add_signed(self.usage_delta))
    }

    /// Keys written (not deleted) in this transaction, with their values.
    pub fn pending_puts(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.keys.iter().filter_map(|(k, w)| match w {
            KeyWrite::Put { value, .. } => Some((k.as_slice(), value.as_slice())),
            _ => None,
        })
    }

    /// Every key this transaction changes, in key order: its new value, or `None` when it
    /// is removed (metadata-only changes are left out).
    pub fn pending_writes(&self) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        self.keys
            .iter()
            .filter_map(|(k, w)| match w {
                KeyWrite::Put { value, .. } => Some((k.clone(), Some(value.clone()))),
                KeyWrite::Delete { .. } => Some((k.clone(), None)),
                KeyWrite::Touch(_) => None,
            })
            .collect()
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
            && self.dirs.is_empty()
            && self.code.is_none()
            && !self.create_account
            && !self.remove_account
    }

    /// Applies every write as one atomic batch; returns what changed.
    pub fn commit(mut self) -> Result<Vec<Change>> {
        if self.is_empty() {
            return Ok(Vec::new());
        }
        if self.account_meta.is_none() && !self.remove_account {
            // Writing into an account that does not exist yet creates it.
            self.create_account()?;
        }
        let store = &*self.store;
        let acct = self.account.as_str();
        let mut batch = WriteBatch::default();
        let mut changes = Vec::with_capacity(self.keys.len());
        for (key, w) in &self.keys {
            let row = row_key(acct, key);
            let (ino, kind) = match w {
                KeyWrite::Put { value, meta } => {
                    batch.put_cf(store.cf(Col::State), &row, value);
                    batch.put_cf(store.cf(Col::Meta), &row, meta.encode());
                    (meta.ino, ChangeKind::Written)
                }
                KeyWrite::Touch(meta) => {
                    batch.put_cf(store.cf(Col::Meta), &row, meta.encode());
                    (meta.ino, ChangeKind::Attr)
                }
                KeyWrite::Delete { ino } => {
                    batch.delete_cf(store.cf(Col::State), &row);
                    batch.delete_cf(store.cf(Col::Meta), &row);
                    (*ino, ChangeKind::Removed)
                }
            };
            changes.push(Change {
                key: key.clone(),
                ino,
                kind,
            });
        }
        for (path, d) in &self.dirs {
            let row = row_key(acct, path);
            let kind = match d {
                Some(meta) => {
                    batch.put_cf(store.cf(Col::Dirs), &row, meta.encode());
                    ChangeKind::DirAdded
                }
                None => {
                    batch.delete_cf(store.cf(Col::Dirs), &row);
                    ChangeKind::DirRemoved
                }
            };
            let ino = d.map_or(0, |m| m.ino);
            changes.push(Change {
                key: path.clone(),
                ino,
                kind,
            });
        }
        if let Some((code, kind)) = &self.code {
            batch.put_cf(store.cf(Col::Code), acct, code);
            let hash = <sha2::Sha256 as sha2::Digest>::digest(code);
            let mut row = hash.to_vec();
            row.push(kind.tag());
            batch.put_cf(store.cf(Col::Sys), super::code_hash_row(acct), row);
        }
        if !self.remove_account && (self.usage_delta != 0 || self.create_account) {
            let usage = self.storage_usage()?;
            batch.put_cf(
                store.cf(Col::Sys),
                super::usage_row(acct),
                usage.to_le_bytes(),
            );
        }
        if !self.remove_account && (self.keys_delta != 0 || self.create_account) {
            let count = self.key_count()?;
            batch.put_cf(
                store.cf(Col::Sys),
                super::key_count_row(acct),
                count.to_le_bytes(),
            );
        }
        let now = self.clock.now();
        let mut touch_account = self.touch_account;
        let mut touched_dir_rows = false;
        if let Some(dirs) = self.touched_dirs.take() {
            touch_account = false;
            for path in dirs {
                if path.is_empty() {
                    touch_account = true;
                } else if let Some(mut meta) = self.dir(&path)? {
                    touched_dir_rows = true;
                    meta.mtime_ns = now;
                    meta.ctime_ns = now;
                    batch.put_cf(store.cf(Col::Dirs), row_key(acct, &path), meta.encode());
                }
            }
        }
        if self.remove_account {
            let ino = self.account_meta.map_or(0, |m| m.ino);
            changes.push(Change {
                key: Vec::new(),
                ino,
                kind: ChangeKind::AccountRemoved,
            });
            batch.delete_cf(store.cf(Col::Accounts), acct);
            batch.delete_cf(store.cf(Col::Code), acct);
            batch.delete_cf(store.cf(Col::Sys), super::usage_row(acct));
            batch.delete_cf(store.cf(Col::Sys), super::key_count_row(acct));
            batch.delete_cf(store.cf(Col::Sys), super::code_hash_row(acct));
            // Nothing of the account may outlive it, even rows written by a crashed version.
            for col in [Col::State, Col::Meta, Col::Dirs] {
                let p = account_prefix(acct);
                if let Some(end) = super::records::next_prefix(&p) {
                    batch.delete_range_cf(store.cf(col), &p, &end);
                }
            }
        } else if let Some(mut meta) = self.account_meta {
            if touch_account || self.create_account {
                if touch_account {
                    meta.mtime_ns = now;
                    meta.ctime_ns = now;
                }
                batch.put_cf(store.cf(Col::Accounts), acct, meta.encode());
            }
        }
        let dirs_written = self.remove_account || !self.dirs.is_empty() || touched_dir_rows;
        if dirs_written {
            // Before the write too: a failed write must not leave a stale entry behind.
            store.forget_dirs(&self.account);
        }
        store.db().write(batch)?;
        if dirs_written {
            store.forget_dirs(&self.account);
        }
        // Listeners may wait on the kernel (FUSE invalidations), which may wait on a request
        // that needs this account's lock: never call them while holding it.
        drop(self.lock.take());
        store.notify(&self.account, self.origin, &changes);
        Ok(changes)
    }
}

/// Storage usage of one record, as nearcore counts it.
fn record_usage(key: &[u8], value_len: u64) -> i64 {
    (key.len() as u64 + value_len + super::EXTRA_BYTES_RECORD) as i64
}

fn check_key(key: &[u8]) -> Result<()> {
    if key.len() > MAX_KEY_LEN {
        return Err(Error::NameTooLong("key longer than NEAR's 2048-byte limit"));
    }
    Ok(())
}

#[cfg(test)]
mod usage_tests {
    use crate::store::{Store, ACCOUNT_RECORD_BYTES, EXTRA_BYTES_RECORD};
    use crate::AccountId;

    #[test]
    fn storage_usage_counter_follows_every_write() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let a = AccountId::new("alice.near").expect("id");
        assert_eq!(store.storage_usage(&a).expect("usage"), 0);
        let mut t = store.begin(&a).expect("begin");
        t.set_code(vec![0; 10]).expect("code");
        t.put(b"k", b"vv".to_vec()).expect("put");
        assert_eq!(
            t.storage_usage().expect("usage"),
            ACCOUNT_RECORD_BYTES + 10 + 3 + 40
        );
        t.commit().expect("commit");
        let mut t = store.begin(&a).expect("begin");
        t.put(b"k", b"v".to_vec()).expect("put");
        t.rename_key(b"k", b"key").expect("rename");
        t.commit().expect("commit");
        let want = ACCOUNT_RECORD_BYTES + 10 + 4 + EXTRA_BYTES_RECORD;
        assert_eq!(store.storage_usage(&a).expect("usage"), want);
        let mut t = store.begin(&a).expect("begin");
        t.remove(b"key").expect("remove");
        t.commit().expect("commit");
        assert_eq!(
            store.storage_usage(&a).expect("usage"),
            ACCOUNT_RECORD_BYTES + 10
        );
        let want: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest([0u8; 10]).into();
        assert_eq!(store.code_hash(&a).expect("hash"), Some(want));
    }

    #[test]
    fn key_count_counter_follows_every_write() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let a = AccountId::new("bob.near").expect("id");
        let count = || store.key_count(&a).expect("count");
        assert_eq!(count(), 0);
        let mut t = store.begin(&a).expect("begin");
        for k in [b"a", b"b", b"c", b"a"] {
            t.put(k, b"v".to_vec()).expect("put");
        }
        t.remove(b"c").expect("remove");
        assert_eq!(t.key_count().expect("count"), 2);
        t.commit().expect("commit");
        assert_eq!(count(), 2);
        let mut t = store.begin(&a).expect("begin");
        t.rename_key(b"a", b"z").expect("rename");
        t.commit().expect("commit");
        assert_eq!(count(), 2, "a rename keeps the count");
        let mut t = store.begin(&a).expect("begin");
        t.rename_key(b"z", b"b").expect("rename over b");
        t.commit().expect("commit");
        assert_eq!(count(), 1, "a rename over a key replaces it");
        let mut t = store.begin(&a).expect("begin");
        t.remove(b"b").expect("remove");
        t.commit().expect("commit");
        assert_eq!(count(), 0);
        let mut t = store.begin(&a).expect("begin");
        t.remove_account().expect("remove account");
        t.commit().expect("commit");
        assert_eq!(count(), 0);
    }
}

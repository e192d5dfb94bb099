//! Open files: per-inode write buffers, committed at flush, fsync or release.
//!
//! All handles of one inode share one buffer, so a process sees its own writes through every
//! descriptor (SQLite relies on this) and `stat` reports the size being written. Everyone
//! else sees the committed value until the buffer is committed: close-to-open consistency,
//! as NFS gives. A clean file keeps no copy: reads go to the store, so a value changed by a
//! contract is what the next read returns.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use super::nodes::Node;
use super::{Attr, Ctx, StateFs};
use crate::account::AccountId;
use crate::error::{Error, Result};
use crate::store::{KeyMeta, DEFAULT_FILE_MODE, MAX_VALUE_LEN};

/// How a file is opened.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenFlags {
    /// Reads allowed.
    pub read: bool,
    /// Writes allowed.
    pub write: bool,
    /// Every write goes to the end.
    pub append: bool,
    /// Start from an empty file.
    pub truncate: bool,
}

impl OpenFlags {
    /// From Linux `open(2)` flags (as FUSE and 9P's `Tlopen` carry them).
    pub fn from_linux(flags: u32) -> Self {
        let acc = flags & libc::O_ACCMODE as u32;
        OpenFlags {
            read: acc == libc::O_RDONLY as u32 || acc == libc::O_RDWR as u32,
            write: acc == libc::O_WRONLY as u32 || acc == libc::O_RDWR as u32,
            append: flags & libc::O_APPEND as u32 != 0,
            truncate: flags & libc::O_TRUNC as u32 != 0,
        }
    }
}

struct OpenState {
    account: AccountId,
    key: Vec<u8>,
    /// The file's content while it differs from the store (dirty) or is unlinked.
    data: Option<Vec<u8>>,
    dirty: bool,
    /// When the buffer last changed (a write or a truncate): the file's mtime and ctime
    /// while it is dirty, and the mtime its commit records.
    modified_ns: u64,
    /// Unlinked or replaced while open: the buffer is all that is left, and never committed.
    orphan: Option<KeyMeta>,
    handles: usize,
    /// Bumped at every commit through this file, so read snapshots know they are stale.
    generation: u64,
}

struct OpenFile {
    ino: u64,
    state: Mutex<OpenState>,
}

struct Handle {
    file: Arc<OpenFile>,
    flags: OpenFlags,
    /// The committed value as this handle first read it (close-to-open allows an open
    /// handle a snapshot), and the file generation it belongs to. Without it every 128 KiB
    /// read of a 4 MiB value would fetch the whole value again.
    snapshot: Mutex<Option<(u64, Arc<Vec<u8>>)>>,
}

/// Every open file and handle of a `StateFs`.
#[derive(Default)]
pub(super) struct OpenFiles {
    by_ino: Mutex<crate::FastHashMap<u64, Arc<OpenFile>>>,
    handles: RwLock<crate::FastHashMap<u64, Arc<Handle>>>,
    next_fh: AtomicU64,
}

impl OpenFiles {
    fn handle(&self, fh: u64) -> Result<Arc<Handle>> {
        self.handles
            .read()
            .get(&fh)
            .cloned()
            .ok_or(Error::BadHandle)
    }

    fn file(&self, ino: u64) -> Option<Arc<OpenFile>> {
        self.by_ino.lock().get(&ino).cloned()
    }

    /// Opens a handle on `ino`; a truncating open empties the buffer at `now`.
    fn open(&self, ino: u64, account: &AccountId, key: &[u8], flags: OpenFlags, now: u64) -> u64 {
        let file = self
            .by_ino
            .lock()
            .entry(ino)
            .or_insert_with(|| {
                Arc::new(OpenFile {
                    ino,
                    state: Mutex::new(OpenState {
                        account: account.clone(),
                        key: key.to_vec(),
                        data: None,
                        dirty: false,
                        modified_ns: 0,
                        orphan: None,
                        handles: 0,
                        generation: 0,
                    }),
                })
            })
            .clone();
        {
            let mut st = file.state.lock();
            st.handles += 1;
            if flags.truncate && flags.write {
                st.data = Some(Vec::new());
                st.mark_dirty(now);
            }
        }
        let fh = self.next_fh.fetch_add(1, Ordering::Relaxed) + 1;
        self.handles.write().insert(
            fh,
            Arc::new(Handle {
                file,
                flags,
                snapshot: Mutex::new(None),
            }),
        );
        fh
    }

    /// The size being written and when it last changed, when `ino` has uncommitted writes.
    pub(super) fn dirty(&self, ino: u64) -> Option<Dirty> {
        let file = self.file(ino)?;
        let st = file.state.lock();
        st.data.as_ref().filter(|_| st.dirty).map(|d| Dirty {
            size: d.len() as u64,
            modified_ns: st.modified_ns,
        })
    }

    /// Attributes of an inode that is open but no longer has a name.
    pub(super) fn orphan_meta(&self, ino: u64) -> Option<KeyMeta> {
        let file = self.file(ino)?;
        let st = file.state.lock();
        let mut meta = st.orphan?;
        meta.size = st.data.as_ref().map_or(0, |d| d.len() as u64);
        Some(meta)
    }

    /// Called before `ino`'s key is removed or replaced: open handles keep its content.
    pub(super) fn detach(&self, fs: &StateFs, ino: u64) -> Result<()> {
        let Some(file) = self.file(ino) else {
            return Ok(());
        };
        let mut st = file.state.lock();
        if st.data.is_none() {
            st.data = Some(fs.read_get(&st.account, &st.key)?.unwrap_or_default());
        }
        let meta = fs.read_meta(&st.account, &st.key)?;
        st.orphan = Some(meta.unwrap_or(KeyMeta {
            ino,
            size: 0,
            mtime_ns: 0,
            ctime_ns: 0,
            atime_ns: 0,
            mode: DEFAULT_FILE_MODE,
        }));
        Ok(())
    }

    /// `ino`'s key was renamed to `key`.
    pub(super) fn moved(&self, ino: u64, key: &[u8]) {
        if let Some(file) = self.file(ino) {
            file.state.lock().key = key.to_vec();
        }
    }
}

/// What `stat` shows of a file with uncommitted writes: the buffer, not the store.
#[derive(Debug, Clone, Copy)]
pub(super) struct Dirty {
    pub(super) size: u64,
    pub(super) modified_ns: u64,
}

impl OpenState {
    /// The buffer changed at `now`.
    fn mark_dirty(&mut self, now: u64) {
        self.dirty = true;
        self.modified_ns = now;
    }
}

/// Fills the buffer from the store, if it is not already the file's content.
fn load(fs: &StateFs, st: &mut OpenState) -> Result<()> {
    if st.data.is_none() {
        st.data = Some(fs.read_get(&st.account, &st.key)?.unwrap_or_default());
    }
    Ok(())
}

/// Writes a dirty buffer to the store as one transaction of `ctx`, then drops it.
fn commit(fs: &StateFs, ctx: &Ctx, ino: u64, st: &mut OpenState) -> Result<()> {
    if !st.dirty || st.orphan.is_some() {
        return Ok(());
    }
    let Some(data) = &st.data else { return Ok(()) };
    let mut txn = fs.begin(ctx, &st.account)?;
    // Stamped with the last write, so the times `stat` showed while the buffer was dirty
    // stay true after the commit (and the kernel's cached attributes with them).
    txn.put_with(&st.key, data.clone(), st.modified_ns, DEFAULT_FILE_MODE)?;
    txn.commit()?;
    tracing::trace!(ino, len = data.len(), "committed file");
    st.data = None;
    st.dirty = false;
    st.generation += 1;
    Ok(())
}

impl StateFs {
    /// Opens file `ino`; returns a handle for read/write/flush/release.
    pub fn open(&self, ctx: &Ctx, ino: u64, flags: OpenFlags) -> Result<u64> {
        if flags.write || flags.truncate {
            self.writable(ctx)?;
        }
        let (account, key) = match self.nodes.get(ino).ok_or(Error::NotFound)? {
            Node::File { account, key } => (account, key),
            _ => return Err(Error::IsDir),
        };
        match self.read_meta(&account, &key)? {
            Some(m) if m.ino == ino => {
                if flags.read {
                    self.note_access(ctx, &account, &key, m);
                }
            }
            // Unlinked or replaced, but still open: its handles share the buffer.
            _ if self.files.file(ino).is_some() => {}
            _ => return Err(Error::NotFound),
        }
        Ok(self.files.open(ino, &account, &key, flags, self.now_ns()))
    }

    /// Creates file `name` in `parent` with permission bits `mode` (the caller has applied
    /// the umask), or opens it when it exists and `exclusive` is false; takes one reference
    /// on it and opens it.
    pub fn create(
        &self,
        ctx: &Ctx,
        parent: u64,
        name: &[u8],
        flags: OpenFlags,
        mode: u32,
        exclusive: bool,
    ) -> Result<(Attr, u64)> {
        self.writable(ctx)?;
        let (account, dir) = match self.nodes.get(parent).ok_or(Error::NotFound)? {
            Node::Account(a) => (a, Vec::new()),
            Node::Dir { account, path } => (account, path),
            Node::Root => return Err(Error::NotPermitted("only accounts (directories) live here")),
            Node::File { .. } => return Err(Error::NotDir),
        };
        match self.child(parent, name) {
            Ok(_) if exclusive => return Err(Error::Exists),
            Ok((node @ Node::File { .. }, attr)) => {
                self.nodes.add_ref(attr.ino, node);
                let fh = self.open(ctx, attr.ino, flags)?;
                return Ok((self.getattr(attr.ino)?, fh));
            }
            Ok(_) => return Err(Error::IsDir),
            Err(Error::NotFound) => {}
            Err(e) => return Err(e),
        }
        let key = super::layout::new_entry_key(&*self.dir_set(&account)?, &dir, name)?;
        let mut txn = self.begin(ctx, &account)?;
        if txn.meta(&key)?.is_some() {
            return Err(Error::Exists); // created by someone else since the lookup
        }
        if !dir.is_empty() && txn.dir(&dir)?.is_none() {
            return Err(Error::NotFound);
        }
        txn.put_with(&key, Vec::new(), self.now_ns(), mode)?;
        txn.touch_dir(&dir);
        txn.commit()?;
        let meta = self.read_meta(&account, &key)?.ok_or(Error::NotFound)?;
        let attr = self.file_attr(meta, None);
        self.nodes.add_ref(
            attr.ino,
            Node::File {
                account: account.clone(),
                key: key.clone(),
            },
        );
        let fh = self
            .files
            .open(attr.ino, &account, &key, flags, self.now_ns());
        Ok((attr, fh))
    }

    /// Reads up to `size` bytes at `offset`.
    pub fn read(&self, fh: u64, offset: u64, size: u32) -> Result<Vec<u8>> {
        self.read_with(fh, offset, size, <[u8]>::to_vec)
    }

    /// Reads up to `size` bytes at `offset` and hands them to `f` without copying them out
    /// first (the FUSE reply is written straight from the buffer or snapshot).
    pub fn read_with<R>(
        &self,
        fh: u64,
        offset: u64,
        size: u32,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<R> {
        let h = self.files.handle(fh)?;
        let slice = |d: &[u8]| {
            let start = (offset as usize).min(d.len());
            let end = start.saturating_add(size as usize).min(d.len());
            f(&d[start..end])
        };
        let st = h.file.state.lock();
        if let Some(d) = &st.data {
            return Ok(slice(d));
        }
        let mut snap = h.snapshot.lock();
        if !matches!(&*snap, Some((generation, _)) if *generation == st.generation) {
            let value = self.read_with_value(&st.account, &st.key, <[u8]>::to_vec)?;
            *snap = Some((st.generation, Arc::new(value.unwrap_or_default())));
        }
        let value: &[u8] = snap.as_ref().map_or(&[], |(_, value)| value.as_slice());
        Ok(slice(value))
    }

    /// Writes `data` at `offset` (at the end for append handles) into the file's buffer.
    pub fn write(&self, ctx: &Ctx, fh: u64, offset: u64, data: &[u8]) -> Result<u32> {
        let h = self.files.handle(fh)?;
        if !h.flags.write {
            return Err(Error::BadHandle);
        }
        // Opening for writing checked this already; a caller's context can only narrow it.
        self.writable(ctx)?;
        let mut st = h.file.state.lock();
        if st.data.is_none() {
            // What this handle read is the file as it sees it (close-to-open): the buffer
            // starts from it rather than from the store again (a read-modify-write of a
            // key, as a contract does, reads the value once).
            let mut snap = h.snapshot.lock();
            if let Some((_, value)) = snap.take().filter(|(g, _)| *g == st.generation) {
                st.data = Some(Arc::try_unwrap(value).unwrap_or_else(|v| v.to_vec()));
            }
        }
        load(self, &mut st)?;
        let buf = st.data.get_or_insert_with(Vec::new);
        let start = if h.flags.append {
            buf.len() as u64
        } else {
            offset
        };
        let end = start
            .checked_add(data.len() as u64)
            .ok_or(Error::Invalid("offset overflow"))?;
        if end > MAX_VALUE_LEN as u64 {
            return Err(Error::TooBig {
                limit: MAX_VALUE_LEN,
            });
        }
        let (start, end) = (start as usize, end as usize);
        if buf.len() < end {
            buf.resize(end, 0);
        }
        buf[start..end].copy_from_slice(data);
        st.mark_dirty(self.now_ns());
        Ok(data.len() as u32)
    }

    /// Commits the file's buffered writes (close-to-open: called at every `close`).
    pub fn flush(&self, ctx: &Ctx, fh: u64) -> Result<()> {
        let h = self.files.handle(fh)?;
        let mut st = h.file.state.lock();
        commit(self, ctx, h.file.ino, &mut st)
    }

    /// Commits buffered writes and makes them durable.
    pub fn fsync(&self, ctx: &Ctx, fh: u64) -> Result<()> {
        self.flush(ctx, fh)?;
        self.store.sync()
    }

    /// Closes a handle, committing what is still buffered.
    pub fn release(&self, ctx: &Ctx, fh: u64) -> Result<()> {
        let h = self
            .files
            .handles
            .write()
            .remove(&fh)
            .ok_or(Error::BadHandle)?;
        let result = commit(self, ctx, h.file.ino, &mut h.file.state.lock());
        let mut by_ino = self.files.by_ino.lock();
        let mut st = h.file.state.lock();
        st.handles = st.handles.saturating_sub(1);
        if st.handles == 0 {
            by_ino.remove(&h.file.ino);
        }
        result
    }

    /// Changes the length of `ino`: through the open buffer when there is one, else at once.
    pub(super) fn truncate(
        &self,
        ctx: &Ctx,
        ino: u64,
        account: &AccountId,
        key: &[u8],
        size: u64,
        fh: Option<u64>,
    ) -> Result<()> {
        if size > MAX_VALUE_LEN as u64 {
            return Err(Error::TooBig {
                limit: MAX_VALUE_LEN,
            });
        }
        if let Some(file) = self.files.file(ino) {
            let mut st = file.state.lock();
            load(self, &mut st)?;
            if let Some(d) = st.data.as_mut() {
                d.resize(size as usize, 0);
            }
            st.mark_dirty(self.now_ns());
            // Through a descriptor the change lands with the other writes; by path, now.
            return if fh.is_some() {
                Ok(())
            } else {
                commit(self, ctx, ino, &mut st)
            };
        }
        let mut txn = self.begin(ctx, account)?;
        match txn.meta(key)? {
            Some(m) if m.ino == ino => {}
            _ => return Err(Error::NotFound),
        }
        let mut value = txn.get(key)?.unwrap_or_default();
        value.resize(size as usize, 0);
        txn.put(key, value)?;
        txn.commit()?;
        Ok(())
    }

    /// Commits what `ino`'s open handles have buffered, if anything.
    pub(super) fn commit_ino(&self, ctx: &Ctx, ino: u64) -> Result<()> {
        match self.files.file(ino) {
            Some(file) => commit(self, ctx, ino, &mut file.state.lock()),
            None => Ok(()),
        }
    }

    /// Commits the buffered writes of every open file (a bound session handing its
    /// transaction back: what the guest wrote counts even if it never closed the file).
    pub(super) fn flush_all(&self) -> Result<()> {
        let files: Vec<_> = self.files.by_ino.lock().values().cloned().collect();
        // Bound: the writes join the caller's transaction, whose origin is the caller's.
        let ctx = Ctx::default();
        for file in files {
            commit(self, &ctx, file.ino, &mut file.state.lock())?;
        }
        Ok(())
    }

    /// Current time, for adapters that stamp `atime` and friends.
    pub fn now_ns(&self) -> u64 {
        self.clock.now()
    }
}

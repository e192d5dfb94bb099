//! `StateFs`: NEAR state as a filesystem, the one semantic core behind FUSE and 9P.
//!
//! The tree is `/<account>/<name>`, with overlay directories inside an account
//! ([`layout`]). Operations are addressed by inode number, as FUSE and 9P qids both are:
//! inode numbers are persisted with each key (they survive renames and restarts), and the
//! node table maps the inodes a transport currently references to what they name. Each
//! operation is synchronous and takes `&self`; transports call it from any thread.
//!
//! Writes through open files are buffered per file and committed at flush, fsync or
//! release ([`files`]); everything else (mkdir, rename, unlink, truncate by path) commits at
//! once, each as one transaction.

mod atime;
mod backend;
mod files;
mod layout;
mod nodes;
mod readdir;
mod rename;

pub use backend::BoundTxn;
pub use files::OpenFlags;
pub use readdir::DirEntry;

use std::sync::Arc;

use parking_lot::Mutex;

use crate::account::AccountId;
use crate::error::{Error, Result};
use crate::names::{self, Decoded};
use crate::store::{
    Clock, DirMeta, KeyMeta, Store, Txn, DEFAULT_DIR_MODE, MAX_VALUE_LEN, MODE_MASK, ROOT_INO,
};
use layout::{decode_name, dir_prefix, is_at_or_below, join, DirSet};
use nodes::{Node, NodeTable};

/// Is this a directory or a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// The root, an account, or an overlay directory.
    Dir,
    /// A key.
    File,
}

/// Attributes of a file or directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr {
    /// Inode number (stable, persisted).
    pub ino: u64,
    /// Directory or file.
    pub kind: FileKind,
    /// Value length for files; 0 for directories.
    pub size: u64,
    /// Modification time, ns since the epoch.
    pub mtime_ns: u64,
    /// Change time, ns since the epoch.
    pub ctime_ns: u64,
    /// Access time, ns since the epoch.
    pub atime_ns: u64,
    /// Link count: 1 for files (0 once unlinked while open); 2 plus the subdirectories
    /// for an account or overlay directory; 1 for the root, whose accounts are not counted.
    pub nlink: u32,
    /// Permission bits as stored (`chmod`), without the write bits on a read-only mount.
    /// Accounts and the root are 0755.
    pub perm: u16,
    /// Owner: the user who started the daemon.
    pub uid: u32,
    /// Group of that user.
    pub gid: u32,
}

/// Who is asking, as far as the core cares. Every operation that can commit takes one.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ctx {
    /// Refuse every change with EROFS.
    pub read_only: bool,
    /// The transport the call came through ([`crate::store::new_origin`]; 0 when unknown):
    /// what it commits is reported to change listeners as made by this origin.
    pub origin: u64,
}

/// Attribute changes requested by `setattr`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SetAttr {
    /// New length (truncate or extend with zeros).
    pub size: Option<u64>,
    /// New modification time, ns since the epoch.
    pub mtime_ns: Option<u64>,
    /// New access time, ns since the epoch.
    pub atime_ns: Option<u64>,
    /// New permission bits (file-type bits are ignored).
    pub mode: Option<u32>,
    /// Requested owner (only the current owner is accepted).
    pub uid: Option<u32>,
    /// Requested group (only the current group is accepted).
    pub gid: Option<u32>,
}

/// Filesystem totals for `statfs`.
#[derive(Debug, Clone, Copy)]
pub struct StatFs {
    /// Block size used for the counts below.
    pub bsize: u32,
    /// Total blocks of the disk holding the store.
    pub blocks: u64,
    /// Free blocks.
    pub bfree: u64,
    /// Blocks available to unprivileged users.
    pub bavail: u64,
    /// Keys stored (an estimate).
    pub files: u64,
    /// Inodes still available (effectively unlimited).
    pub ffree: u64,
    /// Longest name.
    pub namelen: u32,
}

/// Flags of `rename`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenameFlags {
    /// Fail with EEXIST instead of replacing the target.
    pub noreplace: bool,
    /// Swap source and target (not supported: EINVAL).
    pub exchange: bool,
}

/// The state filesystem.
pub struct StateFs {
    store: Arc<Store>,
    backend: backend::Backend,
    nodes: NodeTable,
    dir_sets: Mutex<crate::FastHashMap<AccountId, Arc<DirSet>>>,
    files: files::OpenFiles,
    atimes: atime::Atimes,
    dirs_open: readdir::DirHandles,
    uid: u32,
    gid: u32,
    read_only: bool,
    /// The root directory's times: when this filesystem started.
    started_ns: u64,
    /// Where times come from (the host's clock, or a bound execution's).
    clock: Clock,
    /// Whether a change was refused because the filesystem or the request is read-only.
    refused_write: std::sync::atomic::AtomicBool,
}

impl StateFs {
    /// A filesystem over `store`, owned by the current user; `read_only` refuses all changes.
    pub fn new(store: Arc<Store>, read_only: bool) -> Self {
        Self::with_backend(
            store,
            read_only,
            backend::Backend::Autocommit,
            Clock::system(),
        )
    }

    fn with_backend(
        store: Arc<Store>,
        read_only: bool,
        backend: backend::Backend,
        clock: Clock,
    ) -> Self {
        let (uid, gid) = (
            nix::unistd::getuid().as_raw(),
            nix::unistd::getgid().as_raw(),
        );
        StateFs {
            store,
            backend,
            nodes: NodeTable::new(),
            dir_sets: Mutex::default(),
            files: files::OpenFiles::default(),
            atimes: atime::Atimes::default(),
            dirs_open: readdir::DirHandles::default(),
            uid,
            gid,
            read_only,
            started_ns: clock.now(),
            clock,
            refused_write: Default::default(),
        }
    }

    /// Whether a change was refused as read-only since this filesystem started (a view
    /// call's program that tried to write).
    pub fn refused_write(&self) -> bool {
        self.refused_write
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The store underneath.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Finds `name` in directory `parent` and takes one reference on the result.
    pub fn lookup(&self, parent: u64, name: &[u8]) -> Result<Attr> {
        let (node, attr) = self.child(parent, name)?;
        self.nodes.add_ref(attr.ino, node);
        Ok(attr)
    }

    /// Takes one more reference on an inode already known (a 9P walk to itself, a clone).
    pub fn add_ref(&self, ino: u64) -> Result<()> {
        let node = self.nodes.get(ino).ok_or(Error::NotFound)?;
        self.nodes.add_ref(ino, node);
        Ok(())
    }

    /// Drops `n` references on `ino` (FUSE forget, 9P clunk).
    pub fn forget(&self, ino: u64, n: u64) {
        self.nodes.forget(ino, n);
    }

    /// Attributes of `ino`.
    pub fn getattr(&self, ino: u64) -> Result<Attr> {
        let node = self.nodes.get(ino).ok_or(Error::NotFound)?;
        self.attr_of(ino, &node)
    }

    /// Changes size, times, mode or owner of `ino`; `fh` is the open file the change came
    /// through, if any.
    pub fn setattr(&self, ctx: &Ctx, ino: u64, set: &SetAttr, fh: Option<u64>) -> Result<Attr> {
        self.writable(ctx)?;
        if set.uid.is_some_and(|u| u != self.uid) || set.gid.is_some_and(|g| g != self.gid) {
            return Err(Error::NotPermitted(
                "state files belong to the daemon's user",
            ));
        }
        let node = self.nodes.get(ino).ok_or(Error::NotFound)?;
        let changes_meta = set.mtime_ns.is_some() || set.atime_ns.is_some() || set.mode.is_some();
        // Times and mode set together with ctime, which every such change moves.
        let now = self.now_ns();
        let apply = |mtime: &mut u64, atime: &mut u64, ctime: &mut u64, mode: &mut u32| {
            if let Some(t) = set.mtime_ns {
                *mtime = t;
            }
            if let Some(t) = set.atime_ns {
                *atime = t;
            }
            if let Some(m) = set.mode {
                *mode = m & MODE_MASK;
            }
            *ctime = now;
        };
        match &node {
            Node::File { account, key } => {
                if let Some(size) = set.size {
                    self.truncate(ctx, ino, account, key, size, fh)?;
                }
                if changes_meta {
                    if set.atime_ns.is_some() {
                        self.atimes.forget(ino);
                    }
                    // Buffered writes first: their commit stamps the mtime, which must not
                    // land over a time set after them (`cp -p` sets times before close).
                    self.commit_ino(ctx, ino)?;
                    let mut txn = self.begin(ctx, account)?;
                    self.check_ino(&txn, key, ino)?;
                    txn.update_meta(key, |m| {
                        apply(
                            &mut m.mtime_ns,
                            &mut m.atime_ns,
                            &mut m.ctime_ns,
                            &mut m.mode,
                        )
                    })?;
                    txn.touch_none();
                    txn.commit()?;
                }
            }
            Node::Dir { account, path } => {
                if set.size.is_some() {
                    return Err(Error::IsDir);
                }
                if changes_meta {
                    let mut txn = self.begin(ctx, account)?;
                    let mut meta = txn.dir(path)?.ok_or(Error::NotFound)?;
                    apply(
                        &mut meta.mtime_ns,
                        &mut meta.atime_ns,
                        &mut meta.ctime_ns,
                        &mut meta.mode,
                    );
                    txn.put_dir(path, meta)?;
                    txn.touch_none();
                    txn.commit()?;
                }
            }
            Node::Account(account) => {
                if set.size.is_some() {
                    return Err(Error::IsDir);
                }
                fixed_mode(set.mode)?;
                if set.mtime_ns.is_some() || set.atime_ns.is_some() {
                    let mut txn = self.begin(ctx, account)?;
                    let mut meta = txn.account_meta().ok_or(Error::NotFound)?;
                    let mut mode = meta.mode;
                    apply(
                        &mut meta.mtime_ns,
                        &mut meta.atime_ns,
                        &mut meta.ctime_ns,
                        &mut mode,
                    );
                    txn.set_account_meta(meta);
                    txn.commit()?;
                }
            }
            Node::Root => {
                if set.size.is_some() {
                    return Err(Error::IsDir);
                }
                fixed_mode(set.mode)?;
            }
        }
        self.attr_of(ino, &node)
    }

    /// Creates a directory: an account at the root (always 0755), an overlay directory with
    /// permission bits `mode` (the caller has applied the umask) inside one.
    pub fn mkdir(&self, ctx: &Ctx, parent: u64, name: &[u8], mode: u32) -> Result<Attr> {
        self.writable(ctx)?;
        let (node, attr) = match self.nodes.get(parent).ok_or(Error::NotFound)? {
            Node::Root => {
                let account = AccountId::from_bytes(name)?;
                let mut txn = self.begin(ctx, &account)?;
                let meta = txn.create_account()?;
                txn.commit()?;
                (Node::Account(account), self.dir_attr(meta, 0))
            }
            Node::Account(account) => self.mkdir_in(ctx, &account, b"", name, mode)?,
            Node::Dir { account, path } => self.mkdir_in(ctx, &account, &path, name, mode)?,
            Node::File { .. } => return Err(Error::NotDir),
        };
        self.nodes.add_ref(attr.ino, node);
        Ok(attr)
    }

    fn mkdir_in(
        &self,
        ctx: &Ctx,
        account: &AccountId,
        dir: &[u8],
        name: &[u8],
        mode: u32,
    ) -> Result<(Node, Attr)> {
        let component = match decode_name(name)? {
            Decoded::Exact(c) if !c.contains(&b'/') => c,
            _ => {
                return Err(Error::Invalid(
                    "a directory name cannot hold %2F or a long form",
                ))
            }
        };
        let path = join(dir, &component);
        let mut txn = self.begin(ctx, account)?;
        if txn.dir(&path)?.is_some() || txn.meta(&path)?.is_some() {
            return Err(Error::Exists);
        }
        if !dir.is_empty() && txn.dir(dir)?.is_none() {
            return Err(Error::NotFound);
        }
        let meta = txn.create_dir(&path, mode)?;
        txn.touch_dir(dir);
        txn.commit()?;
        self.forget_dirs(account);
        Ok((
            Node::Dir {
                account: account.clone(),
                path,
            },
            self.dir_attr(meta, 0),
        ))
    }

    /// Removes an empty directory (or an empty account at the root).
    pub fn rmdir(&self, ctx: &Ctx, parent: u64, name: &[u8]) -> Result<()> {
        self.writable(ctx)?;
        let (node, _) = self.child(parent, name)?;
        match node {
            Node::Account(account) => {
                let mut txn = self.begin(ctx, &account)?;
                txn.remove_account()?;
                txn.commit()?;
                self.forget_dirs(&account);
                Ok(())
            }
            Node::Dir { account, path } => {
                let mut txn = self.begin(ctx, &account)?;
                // Checked through the transaction, under the account lock (and, bound, over
                // the session's own writes): the directory cache could be a moment behind.
                let has_subdirs = txn
                    .dirs()?
                    .iter()
                    .any(|(p, _)| *p != path && is_at_or_below(p, &path));
                if has_subdirs || has_keys_below(&txn, &path)? {
                    return Err(Error::NotEmpty);
                }
                txn.remove_dir(&path);
                txn.touch_dir(layout::parent_of(&path).unwrap_or_default());
                txn.commit()?;
                self.forget_dirs(&account);
                Ok(())
            }
            Node::File { .. } => Err(Error::NotDir),
            Node::Root => Err(Error::Invalid("cannot remove the root")),
        }
    }

    /// Removes a file. A file still open stays readable through its handles until closed.
    pub fn unlink(&self, ctx: &Ctx, parent: u64, name: &[u8]) -> Result<()> {
        self.writable(ctx)?;
        let (node, attr) = self.child(parent, name)?;
        let Node::File { account, key } = node else {
            return Err(Error::IsDir);
        };
        self.files.detach(self, attr.ino)?;
        let dirs = self.dir_set(&account)?;
        let mut txn = self.begin(ctx, &account)?;
        txn.remove(&key)?;
        txn.touch_dir(dirs.locate(&key).0);
        txn.commit()?;
        Ok(())
    }

    /// Disk totals for `statfs`.
    pub fn statfs(&self) -> StatFs {
        let (_, keys) = self.store.usage_estimate();
        let mut out = StatFs {
            bsize: 4096,
            blocks: 0,
            bfree: 0,
            bavail: 0,
            files: keys,
            ffree: u64::MAX / 2,
            namelen: names::NAME_MAX as u32,
        };
        if let Ok(vfs) = nix::sys::statvfs::statvfs(self.store.path()) {
            let frsize = vfs.fragment_size();
            let scale = |n: u64| n.saturating_mul(frsize) / 4096;
            out.blocks = scale(vfs.blocks());
            out.bfree = scale(vfs.blocks_free());
            out.bavail = scale(vfs.blocks_available());
        }
        out
    }

    /// Where `key` of `account` shows now: (inode of its directory, its file name).
    pub fn key_location(&self, account: &AccountId, key: &[u8]) -> Result<Option<(u64, String)>> {
        let dirs = self.dir_set(account)?;
        let (dir, component) = dirs.locate(key);
        Ok(self
            .dir_ino(account, dir)?
            .map(|ino| (ino, names::encode(component))))
    }

    /// Where directory `path` of `account` shows: (inode of its parent, its name).
    pub fn dir_location(&self, account: &AccountId, path: &[u8]) -> Result<Option<(u64, String)>> {
        match layout::parent_of(path) {
            None => Ok(Some((ROOT_INO, account.to_string()))),
            Some(parent) => {
                let name = names::encode(&path[dir_prefix(parent).len()..]);
                Ok(self.dir_ino(account, parent)?.map(|ino| (ino, name)))
            }
        }
    }

    /// The names keys below directory `path` had in its parent before the directory existed.
    pub fn names_hidden_by_dir(&self, account: &AccountId, path: &[u8]) -> Result<Vec<String>> {
        let parent_prefix = dir_prefix(layout::parent_of(path).unwrap_or_default());
        let prefix = dir_prefix(path);
        let mut out = Vec::new();
        self.read_scan_keys(account, &prefix, &prefix, |k, _| {
            if k.len() > prefix.len() {
                out.push(names::encode(&k[parent_prefix.len()..]));
            }
            true
        })?;
        Ok(out)
    }

    fn dir_ino(&self, account: &AccountId, dir: &[u8]) -> Result<Option<u64>> {
        Ok(if dir.is_empty() {
            self.read_account(account)?.map(|m| m.ino)
        } else {
            self.read_dir(account, dir)?.map(|m| m.ino)
        })
    }

    /// Makes every commit so far durable against power loss.
    pub fn sync_all(&self) -> Result<()> {
        self.store.sync()
    }

    fn writable(&self, ctx: &Ctx) -> Result<()> {
        if self.read_only || ctx.read_only {
            self.refused_write
                .store(true, std::sync::atomic::Ordering::Relaxed);
            Err(Error::ReadOnly)
        } else {
            Ok(())
        }
    }

    /// Resolves `name` inside directory `parent` without taking a reference.
    fn child(&self, parent: u64, name: &[u8]) -> Result<(Node, Attr)> {
        match self.nodes.get(parent).ok_or(Error::NotFound)? {
            Node::Root => {
                let account = AccountId::from_bytes(name).map_err(|_| Error::NotFound)?;
                let meta = self.read_account(&account)?.ok_or(Error::NotFound)?;
                let subdirs = self.dir_set(&account)?.subdir_count(b"");
                Ok((Node::Account(account), self.dir_attr(meta, subdirs)))
            }
            Node::Account(account) => self.child_in(&account, b"", name),
            Node::Dir { account, path } => self.child_in(&account, &path, name),
            Node::File { .. } => Err(Error::NotDir),
        }
    }

    fn child_in(&self, account: &AccountId, dir: &[u8], name: &[u8]) -> Result<(Node, Attr)> {
        let dirs = self.dir_set(account)?;
        let key = match decode_name(name).map_err(not_found_if_bad_name)? {
            Decoded::Exact(component) => {
                let key = join(dir, &component);
                if !component.contains(&b'/') && dirs.contains(&key) {
                    let meta = self.read_dir(account, &key)?.ok_or(Error::NotFound)?;
                    let attr = self.dir_attr(meta, dirs.subdir_count(&key));
                    let node = Node::Dir {
                        account: account.clone(),
                        path: key,
                    };
                    return Ok((node, attr));
                }
                if dirs.locate(&key) != (dir, component.as_slice()) {
                    return Err(Error::NotFound);
                }
                key
            }
            Decoded::Long { prefix, .. } => {
                let mut found = None;
                let start = join(dir, &prefix);
                self.read_scan_keys(account, &start, &start, |k, _| {
                    let (d, c) = dirs.locate(k);
                    if d == dir && names::is_name_of(name, c) {
                        found = Some(k.to_vec());
                        return false;
                    }
                    true
                })?;
                found.ok_or(Error::NotFound)?
            }
        };
        let meta = self.read_meta(account, &key)?.ok_or(Error::NotFound)?;
        let attr = self.file_attr(meta, self.files.dirty(meta.ino));
        Ok((
            Node::File {
                account: account.clone(),
                key,
            },
            attr,
        ))
    }

    fn attr_of(&self, ino: u64, node: &Node) -> Result<Attr> {
        match node {
            Node::Root => {
                let t = self.started_ns;
                let mut attr = self.dir_attr(
                    DirMeta {
                        ino: ROOT_INO,
                        mtime_ns: t,
                        ctime_ns: t,
                        atime_ns: t,
                        mode: DEFAULT_DIR_MODE,
                    },
                    0,
                );
                // Counting the accounts would mean scanning them all: 1 is what Linux
                // filesystems report for a directory whose links they do not count.
                attr.nlink = 1;
                Ok(attr)
            }
            Node::Account(a) => {
                let meta = self.read_account(a)?.ok_or(Error::NotFound)?;
                Ok(self.dir_attr(meta, self.dir_set(a)?.subdir_count(b"")))
            }
            Node::Dir { account, path } => {
                let meta = self.read_dir(account, path)?.ok_or(Error::NotFound)?;
                Ok(self.dir_attr(meta, self.dir_set(account)?.subdir_count(path)))
            }
            Node::File { account, key } => match self.read_meta(account, key)? {
                Some(meta) if meta.ino == ino => Ok(self.file_attr(meta, self.files.dirty(ino))),
                // Unlinked (or replaced) while open: what the open handles still see.
                _ => match self.files.orphan_meta(ino) {
                    Some(meta) => {
                        let mut a = self.file_attr(meta, None);
                        a.nlink = 0;
                        Ok(a)
                    }
                    None => Err(Error::NotFound),
                },
            },
        }
    }

    /// A directory's attributes; `subdirs` directories inside it.
    fn dir_attr(&self, meta: DirMeta, subdirs: u32) -> Attr {
        Attr {
            ino: meta.ino,
            kind: FileKind::Dir,
            size: 0,
            mtime_ns: meta.mtime_ns,
            ctime_ns: meta.ctime_ns,
            atime_ns: meta.atime_ns,
            nlink: subdirs.saturating_add(2),
            perm: self.shown_perm(meta.mode),
            uid: self.uid,
            gid: self.gid,
        }
    }

    /// A file's attributes; a dirty buffer shows its size and last change.
    fn file_attr(&self, meta: KeyMeta, dirty: Option<files::Dirty>) -> Attr {
        let (size, mtime_ns, ctime_ns) = match dirty {
            Some(d) => (d.size, d.modified_ns, d.modified_ns.max(meta.ctime_ns)),
            None => (meta.size, meta.mtime_ns, meta.ctime_ns),
        };
        Attr {
            ino: meta.ino,
            kind: FileKind::File,
            size,
            mtime_ns,
            ctime_ns,
            atime_ns: self.atimes.shown(meta.ino, meta.atime_ns),
            nlink: 1,
            perm: self.shown_perm(meta.mode),
            uid: self.uid,
            gid: self.gid,
        }
    }

    /// Stored permission bits as shown: a read-only mount has no write bits.
    fn shown_perm(&self, mode: u32) -> u16 {
        let mode = mode & MODE_MASK;
        (if self.read_only { mode & !0o222 } else { mode }) as u16
    }

    /// Fails unless `key` still names inode `ino` (it may have been replaced meanwhile).
    fn check_ino(&self, txn: &Txn<'static>, key: &[u8], ino: u64) -> Result<()> {
        match txn.meta(key)? {
            Some(m) if m.ino == ino => Ok(()),
            _ => Err(Error::NotFound),
        }
    }

    /// The overlay directories of `account`, cached until the next directory change.
    fn dir_set(&self, account: &AccountId) -> Result<Arc<DirSet>> {
        let mut cache = self.dir_sets.lock();
        if let Some(d) = cache.get(account) {
            return Ok(d.clone());
        }
        // Loaded under the cache lock, so a load can never overwrite a later invalidation.
        let set = Arc::new(DirSet::new(
            self.read_dirs(account)?.into_iter().map(|(p, _)| p),
        ));
        cache.insert(account.clone(), set.clone());
        Ok(set)
    }

    fn forget_dirs(&self, account: &AccountId) {
        self.dir_sets.lock().remove(account);
    }
}

/// Accounts and the root always have mode 0755: a `chmod` to anything else is EPERM (one
/// to 0755 itself succeeds, so `cp -a` and `rsync -a` onto an account pass).
fn fixed_mode(mode: Option<u32>) -> Result<()> {
    match mode {
        Some(m) if m & MODE_MASK != DEFAULT_DIR_MODE => {
            Err(Error::NotPermitted("accounts and the root keep mode 0755"))
        }
        _ => Ok(()),
    }
}

/// True when a key lies inside directory `dir` (`dir/` plus at least one byte), as `txn`
/// sees it.
fn has_keys_below(txn: &Txn<'static>, dir: &[u8]) -> Result<bool> {
    let prefix = dir_prefix(dir);
    let mut found = false;
    txn.scan_keys(&prefix, &prefix, |k, _| {
        found = k.len() > prefix.len();
        !found
    })?;
    Ok(found)
}

/// A name that does not decode names nothing (ENOENT on lookup); creating it is EINVAL.
fn not_found_if_bad_name(e: Error) -> Error {
    match e {
        Error::BadName(_) => Error::NotFound,
        other => other,
    }
}

/// Largest value, re-exported for adapters that report limits.
pub const MAX_FILE_SIZE: u64 = MAX_VALUE_LEN as u64;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod bound_tests;
#[cfg(test)]
mod tests;

//! Directory listings that stream: bounded memory on any size, resumable at any offset.
//!
//! A listing is `.`, `..`, the subdirectories, then the keys in key order, read straight
//! from the `meta` column. Offsets count entries; a handle remembers where its last batch
//! ended, so the next call (FUSE `readdir`, 9P `Treaddir`) continues with one seek. A call at
//! any other offset restarts the scan and skips, which is slow but correct.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use super::layout::{dir_prefix, join, DirSet};
use super::nodes::Node;
use super::{FileKind, StateFs};
use crate::account::AccountId;
use crate::error::{Error, Result};
use crate::names;
use crate::store::ROOT_INO;

/// One entry of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// Inode number.
    pub ino: u64,
    /// Directory or file.
    pub kind: FileKind,
    /// The file name.
    pub name: String,
    /// The offset to pass to continue after this entry.
    pub next_offset: u64,
}

struct Cursor {
    /// Entries returned so far (the offset a caller continuing in order passes).
    offset: u64,
    /// Where the key (or account) scan continues, inclusive.
    resume: Vec<u8>,
}

/// Subdirectories of a listed directory: (file name, inode).
type Subdirs = Vec<(String, u64)>;

struct DirHandle {
    node: Node,
    parent_ino: u64,
    self_ino: u64,
    dirs: Arc<DirSet>,
    /// Subdirectories, taken at open: (name, inode).
    subdirs: Vec<(String, u64)>,
    cursor: Mutex<Cursor>,
}

/// Open directory handles.
#[derive(Default)]
pub(super) struct DirHandles {
    map: Mutex<crate::FastHashMap<u64, Arc<DirHandle>>>,
    next: AtomicU64,
}

impl StateFs {
    /// Opens directory `ino` for listing.
    pub fn opendir(&self, ino: u64) -> Result<u64> {
        let node = self.nodes.get(ino).ok_or(Error::NotFound)?;
        let (dirs, subdirs, parent_ino) = match &node {
            Node::Root => (Arc::new(DirSet::default()), Vec::new(), ROOT_INO),
            Node::Account(a) => {
                let (dirs, subdirs) = self.subdirs(a, b"")?;
                (dirs, subdirs, ROOT_INO)
            }
            Node::Dir { account, path } => {
                let (dirs, subdirs) = self.subdirs(account, path)?;
                let parent = match super::layout::parent_of(path) {
                    Some(p) if !p.is_empty() => self.read_dir(account, p)?.map(|m| m.ino),
                    _ => self.read_account(account)?.map(|m| m.ino),
                };
                (dirs, subdirs, parent.unwrap_or(ROOT_INO))
            }
            Node::File { .. } => return Err(Error::NotDir),
        };
        let handle = DirHandle {
            node,
            parent_ino,
            self_ino: ino,
            dirs,
            subdirs,
            cursor: Mutex::new(Cursor {
                offset: 0,
                resume: Vec::new(),
            }),
        };
        let dh = self.dirs_open.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.dirs_open.map.lock().insert(dh, Arc::new(handle));
        Ok(dh)
    }

    /// Lists directory handle `dh` from `offset`, calling `add` for each entry until it
    /// returns false (reply full) or the listing ends.
    pub fn readdir(
        &self,
        dh: u64,
        offset: u64,
        mut add: impl FnMut(&DirEntry) -> bool,
    ) -> Result<()> {
        let h = self
            .dirs_open
            .map
            .lock()
            .get(&dh)
            .cloned()
            .ok_or(Error::BadHandle)?;
        let mut cur = h.cursor.lock();
        if cur.offset != offset {
            // A seek: start over and skip `offset` entries.
            *cur = Cursor {
                offset: 0,
                resume: Vec::new(),
            };
            // Accept exactly `offset` entries, so the cursor lands on the one asked for.
            let mut skip = offset;
            self.list(&h, &mut cur, |_| {
                let take = skip > 0;
                skip = skip.saturating_sub(1);
                take
            })?;
            if cur.offset < offset {
                return Ok(()); // past the end
            }
        }
        self.list(&h, &mut cur, &mut add)
    }

    /// Closes a directory handle.
    pub fn releasedir(&self, dh: u64) {
        self.dirs_open.map.lock().remove(&dh);
    }

    fn subdirs(&self, account: &AccountId, dir: &[u8]) -> Result<(Arc<DirSet>, Subdirs)> {
        let dirs = self.dir_set(account)?;
        let mut subdirs = Vec::new();
        for path in dirs.children(dir) {
            if let Some(meta) = self.read_dir(account, path)? {
                let component = &path[dir_prefix(dir).len()..];
                subdirs.push((names::encode(component), meta.ino));
            }
        }
        subdirs.sort();
        Ok((dirs, subdirs))
    }

    /// Emits entries from the cursor on; advances the cursor past each accepted one.
    fn list(
        &self,
        h: &DirHandle,
        cur: &mut Cursor,
        mut add: impl FnMut(&DirEntry) -> bool,
    ) -> Result<()> {
        let mut emit = |cur: &mut Cursor, ino, kind, name: String| {
            let e = DirEntry {
                ino,
                kind,
                name,
                next_offset: cur.offset + 1,
            };
            let ok = add(&e);
            if ok {
                cur.offset += 1;
            }
            ok
        };
        let fixed = [(".", h.self_ino), ("..", h.parent_ino)];
        while (cur.offset as usize) < 2 {
            let (n, ino) = fixed[cur.offset as usize];
            if !emit(cur, ino, FileKind::Dir, n.to_string()) {
                return Ok(());
            }
        }
        while let Some((name, ino)) = h.subdirs.get(cur.offset as usize - 2) {
            if !emit(cur, *ino, FileKind::Dir, name.clone()) {
                return Ok(());
            }
        }
        let (account, dir) = match &h.node {
            Node::Root => return self.list_accounts(cur, emit),
            Node::Account(a) => (a, &[][..]),
            Node::Dir { account, path } => (account, path.as_slice()),
            Node::File { .. } => return Err(Error::NotDir),
        };
        let prefix = dir_prefix(dir);
        if cur.resume.is_empty() {
            cur.resume = prefix.clone();
        }
        loop {
            // Keys under a subdirectory are skipped with one seek past the subtree.
            let mut seek_past = None;
            let mut full = false;
            let from = cur.resume.clone();
            self.read_scan_keys(account, &prefix, &from, |key, meta| {
                let (d, component) = h.dirs.locate(key);
                if d == dir {
                    if h.dirs.contains(key) {
                        cur.resume = successor(key); // shadowed by the directory of that name
                        return true;
                    }
                    if !emit(cur, meta.ino, FileKind::File, names::encode(component)) {
                        full = true;
                        return false;
                    }
                    cur.resume = successor(key);
                    true
                } else {
                    let first = key[prefix.len()..].iter().position(|&b| b == b'/');
                    let sub = first.map_or(key, |i| &key[..prefix.len() + i]);
                    seek_past = crate::store::next_prefix(&join(sub, b""));
                    false
                }
            })?;
            match seek_past.take() {
                Some(next) if !full => cur.resume = next,
                _ => return Ok(()),
            }
        }
    }

    fn list_accounts(
        &self,
        cur: &mut Cursor,
        mut emit: impl FnMut(&mut Cursor, u64, FileKind, String) -> bool,
    ) -> Result<()> {
        let from = cur.resume.clone();
        self.read_scan_accounts(&from, |name, meta| {
            let Ok(name) = std::str::from_utf8(name) else {
                return true;
            };
            if !emit(cur, meta.ino, FileKind::Dir, name.to_string()) {
                return false;
            }
            cur.resume = successor(name.as_bytes());
            true
        })
    }
}

/// The smallest byte string after `key`.
fn successor(key: &[u8]) -> Vec<u8> {
    let mut s = Vec::with_capacity(key.len() + 1);
    s.extend_from_slice(key);
    s.push(0);
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use crate::account::AccountId;
    use crate::statefs::StateFs;
    use crate::store::{Store, ROOT_INO};

    fn names(fs: &StateFs, dh: u64, offset: u64, max: usize) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        fs.readdir(dh, offset, |e| {
            if out.len() == max {
                return false;
            }
            out.push((e.name.clone(), e.next_offset));
            true
        })
        .unwrap();
        out
    }

    #[test]
    fn readdir_resumes_at_any_earlier_offset() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).unwrap());
        let mut txn = store.begin(&AccountId::new("a.near").unwrap()).unwrap();
        for k in ["k1", "k2", "k3", "k4"] {
            txn.put(k.as_bytes(), Vec::new()).unwrap();
        }
        txn.commit().unwrap();
        let fs = StateFs::new(store, false);
        let acct = fs.lookup(ROOT_INO, b"a.near").unwrap();
        let dh = fs.opendir(acct.ino).unwrap();
        let all = names(&fs, dh, 0, 100);
        assert_eq!(all.len(), 6);
        // A seek back (the client kept only part of a batch) continues with the next entry.
        for (i, (_, next)) in all.iter().enumerate() {
            let rest = names(&fs, dh, *next, 100);
            assert_eq!(rest, all[i + 1..], "from offset {next}");
        }
        assert_eq!(names(&fs, dh, 1, 1), all[1..2]);
    }
}

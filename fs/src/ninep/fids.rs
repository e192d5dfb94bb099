//! The fid table of one 9P connection: what each fid the client holds points at.
//!
//! A fid names one inode of the state tree and holds one `StateFs` reference on it (taken by
//! the lookup that produced it, dropped at clunk). It also remembers the attach it descends
//! from, so that no walk can leave the attach root, and the chain of directories walked from
//! there, which answers `..` and gives `Tremove`/`Trename` the parent they need.
//!
//! Handlers copy a fid's state out, call `StateFs` without holding the table lock, then write
//! back; two requests on one fid may therefore race, which at worst yields `EBADF` from a
//! handle closed in between, never a crash.

use parking_lot::Mutex;

/// What an opened fid holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Open {
    /// Not opened: only walks, getattr, setattr and the like.
    No,
    /// A file handle of `StateFs::open`/`create`.
    File(u64),
    /// A directory handle of `StateFs::opendir`.
    Dir(u64),
}

/// One fid.
#[derive(Debug, Clone)]
pub(crate) struct Fid {
    /// The inode it names (one `StateFs` reference held).
    pub(crate) ino: u64,
    /// Directory or file.
    pub(crate) is_dir: bool,
    /// The inode of the attach root this fid descends from.
    pub(crate) root: u64,
    /// Directories from the attach root down to the parent of `ino` (empty for the root).
    pub(crate) ancestors: Vec<u64>,
    /// The name `ino` was reached by in its parent (empty for the root).
    pub(crate) name: Vec<u8>,
    /// Attached read-only (`<account>:ro` or a read-only listener).
    pub(crate) read_only: bool,
    /// Open state.
    pub(crate) open: Open,
    /// The I/O unit announced at open.
    pub(crate) iounit: u32,
}

impl Fid {
    /// The directory containing this fid's inode, if it is not the attach root.
    pub(crate) fn parent(&self) -> Option<u64> {
        self.ancestors.last().copied()
    }
}

/// The fids of one connection.
#[derive(Default)]
pub(crate) struct FidTable {
    map: Mutex<crate::FastHashMap<u32, Fid>>,
}

impl FidTable {
    /// A copy of fid `fid`'s state.
    pub(crate) fn get(&self, fid: u32) -> Option<Fid> {
        self.map.lock().get(&fid).cloned()
    }

    /// Adds `fid`; gives it back when the number is taken.
    pub(crate) fn insert_new(&self, fid: u32, f: Fid) -> Result<(), Fid> {
        let mut map = self.map.lock();
        if map.contains_key(&fid) {
            return Err(f);
        }
        map.insert(fid, f);
        Ok(())
    }

    /// Replaces `fid`'s state, returning the old one.
    pub(crate) fn replace(&self, fid: u32, f: Fid) -> Option<Fid> {
        self.map.lock().insert(fid, f)
    }

    /// Sets the open state of `fid` if it is still unopened; false when it is gone or open.
    pub(crate) fn set_open(&self, fid: u32, open: Open, iounit: u32) -> bool {
        match self.map.lock().get_mut(&fid) {
            Some(f) if f.open == Open::No => {
                f.open = open;
                f.iounit = iounit;
                true
            }
            _ => false,
        }
    }

    /// Removes `fid`.
    pub(crate) fn remove(&self, fid: u32) -> Option<Fid> {
        self.map.lock().remove(&fid)
    }

    /// Removes every fid (Tversion, end of connection).
    pub(crate) fn drain(&self) -> Vec<Fid> {
        self.map.lock().drain().map(|(_, f)| f).collect()
    }

    /// Rewrites the remembered names after a rename, so `..`, `Tremove` and `Trename` keep
    /// working on fids of the moved entry.
    pub(crate) fn renamed(&self, ino: u64, new_parent_chain: &[u64], new_name: &[u8]) {
        for f in self.map.lock().values_mut() {
            if f.ino == ino {
                f.ancestors = new_parent_chain.to_vec();
                f.name = new_name.to_vec();
            }
        }
    }
}

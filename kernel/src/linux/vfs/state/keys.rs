//! `StateKeys`: the account's keys as NEAR storage (`storage_read`, `storage_write`, ...)
//! over the task's `/near/state` 9P session, so the NEAR syscalls and file I/O of one task
//! work in one session and one transaction: a key written with `write()` is what
//! `near_storage_read` returns, and the other way round.
//!
//! A key's file is found as the server shows it (`statefs::layout`): following existing
//! directories along the key's `/`-separated prefix, left to right; the first component that
//! is not an existing directory, and everything after it, is the file's name, encoded by the
//! key⇄name codec (`outlayer_fs::names`).
//!
//! A contract reads a key and then writes it back, in most calls: so a key, once read, stays
//! open (read-write where the mount allows) and its value known until the session's next
//! file operation. A write is then one `Twrite` (plus a `Tsetattr` when the value shrinks)
//! on the open fid, and the clunk at the end puts it into the transaction. Any file
//! operation of the task first closes every key this way (`Session::settle`), so files and
//! storage calls never see stale bytes of each other.

use std::sync::Arc;

use outlayer_fs::names;
use outlayer_fs::ninep::{P9_DOTL_CREATE, P9_DOTL_EXCL, P9_DOTL_RDONLY, P9_DOTL_RDWR, P9_QTDIR};

use super::{errno, setattr, Fid, Session};
use crate::linux::errno::Errno;
use crate::near::{External, HostError, HostResult};

/// NEAR storage over the state session.
#[derive(Clone)]
pub struct StateKeys {
    session: Arc<Session>,
    io_size: u32,
}

/// Where a key's file is: the directory names walked, and the file's name in it.
#[derive(Clone)]
struct KeyPath {
    dirs: Vec<Vec<u8>>,
    name: Vec<u8>,
}

/// What the session knows of one key since its last file operation.
struct Known {
    path: KeyPath,
    /// The key's file, open (read-write when the mount allows); `None` when it has none. A
    /// bare number, not a [`Fid`]: the session owns what it knows, and a `Fid` would own
    /// the session back.
    fid: Option<u32>,
    /// Whether `fid` may be written.
    writable: bool,
    /// Whether `fid` holds writes not yet clunked.
    dirty: bool,
    /// The value; `None` when the key is absent.
    value: Option<Vec<u8>>,
}

/// The keys the storage calls hold open, by key.
#[derive(Default)]
pub(super) struct KnownKeys(outlayer_fs::FastHashMap<Vec<u8>, Known>);

impl KnownKeys {
    /// Clunks every open key (its writes join the transaction); the first failure wins.
    /// With `written_only`, keys only read stay open: the session is ending, and its end
    /// releases them without a round trip each.
    pub(super) fn close(self, session: &Session, written_only: bool) -> Result<(), Errno> {
        let mut result = Ok(());
        for k in self.0.into_values() {
            let Some(fid) = k.fid.filter(|_| k.dirty || !written_only) else {
                continue;
            };
            let r = session.clunk(fid);
            if result.is_ok() {
                result = r;
            }
        }
        result
    }
}

fn storage(e: Errno) -> HostError {
    HostError::Storage(format!("state session: {e}"))
}

impl StateKeys {
    pub(super) fn new(session: Arc<Session>, io_size: u32) -> Self {
        StateKeys { session, io_size }
    }

    /// The key's place in the tree (one walk per `/` of the key while directories match).
    fn locate(&self, key: &[u8]) -> Result<KeyPath, Errno> {
        let mut dirs: Vec<Vec<u8>> = Vec::new();
        let mut rest = key;
        while let Some(slash) = rest.iter().position(|&b| b == b'/') {
            let (component, after) = (&rest[..slash], &rest[slash + 1..]);
            if component.is_empty() || after.is_empty() {
                break;
            }
            let name = names::encode(component).into_bytes();
            let mut candidate = dirs.clone();
            candidate.push(name);
            match self.session.walk(&candidate) {
                Ok(fid) if self.is_dir(&fid)? => {
                    dirs = candidate;
                    rest = after;
                }
                Ok(_) | Err(Errno::NOENT) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(KeyPath {
            dirs,
            name: names::encode(rest).into_bytes(),
        })
    }

    fn is_dir(&self, fid: &Fid) -> Result<bool, Errno> {
        let a = self.session.client.getattr(fid.fid).map_err(errno)?;
        Ok(a.qid.ty & P9_QTDIR != 0)
    }

    fn full(p: &KeyPath) -> Vec<Vec<u8>> {
        let mut all = p.dirs.clone();
        all.push(p.name.clone());
        all
    }

    /// Opens and reads the key's file: what the session then knows of the key (a directory
    /// or nothing at its place is an absent key).
    fn load(&self, key: &[u8]) -> Result<Known, Errno> {
        let path = self.locate(key)?;
        let absent = |path| Known {
            path,
            fid: None,
            writable: false,
            dirty: false,
            value: None,
        };
        let fid = match self.session.walk(&Self::full(&path)) {
            Ok(f) => f,
            Err(Errno::NOENT) => return Ok(absent(path)),
            Err(e) => return Err(e),
        };
        let c = &self.session.client;
        // A directory does not open for writing: read-write is also the directory check.
        let writable = match c.lopen(fid.fid, P9_DOTL_RDWR) {
            Ok(_) => true,
            Err(e) if e.errno() == Some(libc::EISDIR) => return Ok(absent(path)),
            Err(_) if self.is_dir(&fid)? => return Ok(absent(path)),
            Err(_) => {
                c.lopen(fid.fid, P9_DOTL_RDONLY).map_err(errno)?;
                false
            }
        };
        let mut value = Vec::new();
        loop {
            let chunk = c
                .read(fid.fid, value.len() as u64, self.io_size)
                .map_err(errno)?;
            let short = chunk.len() < self.io_size as usize;
            value.extend_from_slice(&chunk);
            if short {
                break;
            }
        }
        Ok(Known {
            path,
            fid: Some(fid.keep()),
            writable,
            dirty: false,
            value: Some(value),
        })
    }

    /// Runs `f` on what the session knows of `key`, loading it first if need be.
    fn with_known<T>(
        &self,
        key: &[u8],
        f: impl FnOnce(&Self, &mut Known) -> Result<T, Errno>,
    ) -> HostResult<T> {
        let mut keys = self.session.keys.lock();
        if !keys.0.contains_key(key) {
            let known = self.load(key).map_err(storage)?;
            keys.0.insert(key.to_vec(), known);
        }
        match keys.0.get_mut(key) {
            Some(known) => f(self, known).map_err(storage),
            None => Err(storage(Errno::IO)),
        }
    }

    /// Replaces the value of `k` with `value` through its open fid, creating the file when
    /// the key has none (or reopening it for writing).
    fn store(&self, k: &mut Known, value: &[u8]) -> Result<(), Errno> {
        let c = &self.session.client;
        if !k.writable {
            if let Some(fid) = k.fid.take() {
                self.session.clunk(fid)?;
            }
            let full = Self::full(&k.path);
            let fid = match k.value {
                Some(_) => {
                    let fid = self.session.walk(&full)?;
                    c.lopen(fid.fid, P9_DOTL_RDWR).map_err(errno)?;
                    fid
                }
                None => {
                    let dir = self.session.walk(&k.path.dirs)?;
                    let flags = P9_DOTL_RDWR | P9_DOTL_CREATE | P9_DOTL_EXCL;
                    c.lcreate(dir.fid, &k.path.name, flags).map_err(errno)?;
                    k.value = Some(Vec::new());
                    dir
                }
            };
            k.fid = Some(fid.keep());
            k.writable = true;
        }
        let fid = k.fid.ok_or(Errno::IO)?;
        let mut done = 0;
        for chunk in value.chunks(self.io_size as usize) {
            done += c.write(fid, done as u64, chunk).map_err(errno)? as usize;
        }
        let old_len = k.value.as_ref().map_or(0, Vec::len);
        if value.len() < old_len {
            let t = setattr(fid, Some(value.len() as u64), None, None);
            c.setattr(t).map_err(errno)?;
        }
        k.value = Some(value.to_vec());
        k.dirty = true;
        Ok(())
    }

    /// Removes the key's file; the session then knows it absent.
    fn unlink(&self, k: &mut Known) -> Result<(), Errno> {
        // Closed first: the writes it holds go in, then the file goes.
        if let Some(fid) = k.fid.take() {
            self.session.clunk(fid)?;
        }
        let dir = self.session.walk(&k.path.dirs)?;
        self.session
            .client
            .unlinkat(dir.fid, &k.path.name, 0)
            .map_err(errno)?;
        k.writable = false;
        k.dirty = false;
        k.value = None;
        Ok(())
    }
}

impl External for StateKeys {
    fn storage_get(&mut self, key: &[u8]) -> HostResult<Option<Vec<u8>>> {
        self.with_known(key, |_, k| Ok(k.value.clone()))
    }

    fn storage_set(&mut self, key: &[u8], value: &[u8]) -> HostResult<Option<Vec<u8>>> {
        self.with_known(key, |this, k| {
            let old = k.value.clone();
            this.store(k, value)?;
            Ok(old)
        })
    }

    fn storage_remove(&mut self, key: &[u8]) -> HostResult<Option<Vec<u8>>> {
        self.with_known(key, |this, k| {
            let old = k.value.clone();
            if old.is_some() {
                this.unlink(k)?;
            }
            Ok(old)
        })
    }

    fn storage_has_key(&mut self, key: &[u8]) -> HostResult<bool> {
        self.with_known(key, |_, k| Ok(k.value.is_some()))
    }

    /// Puts every write into the transaction now, each reported (the task ends; what it
    /// only read is released with the session).
    fn flush(&mut self) -> HostResult<()> {
        let known = std::mem::take(&mut *self.session.keys.lock());
        known.close(&self.session, true).map_err(storage)
    }
}

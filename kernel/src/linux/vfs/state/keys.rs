//! `StateKeys`: the account's keys as NEAR storage (`storage_read`, `storage_write`, ...)
//! over the task's `/near/state` 9P session, so the NEAR syscalls and file I/O of one task
//! work in one session and one transaction: a key written with `write()` is what
//! `near_storage_read` returns, and the other way round.
//!
//! A key's file is found as the server shows it (`statefs::layout`): following existing
//! directories along the key's `/`-separated prefix, left to right; the first component that
//! is not an existing directory, and everything after it, is the file's name, encoded by the
//! key⇄name codec (`outlayer_fs::names`).

use std::sync::Arc;

use outlayer_fs::names;
use outlayer_fs::ninep::{
    P9_DOTL_CREATE, P9_DOTL_EXCL, P9_DOTL_RDONLY, P9_DOTL_TRUNC, P9_DOTL_WRONLY, P9_QTDIR,
};

use super::{errno, Fid, Session};
use crate::linux::errno::Errno;
use crate::near::{External, HostError, HostResult};

/// NEAR storage over the state session.
#[derive(Clone)]
pub struct StateKeys {
    session: Arc<Session>,
    io_size: u32,
}

/// Where a key's file is: the directory names walked, and the file's name in it.
struct KeyPath {
    dirs: Vec<Vec<u8>>,
    name: Vec<u8>,
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

    /// The value of the file at `p`, `None` when there is none (a directory is no value).
    fn read(&self, p: &KeyPath) -> Result<Option<Vec<u8>>, Errno> {
        let fid = match self.session.walk(&Self::full(p)) {
            Ok(f) => f,
            Err(Errno::NOENT) => return Ok(None),
            Err(e) => return Err(e),
        };
        if self.is_dir(&fid)? {
            return Ok(None);
        }
        let c = &self.session.client;
        c.lopen(fid.fid, P9_DOTL_RDONLY).map_err(errno)?;
        let mut value = Vec::new();
        loop {
            let chunk = c
                .read(fid.fid, value.len() as u64, self.io_size)
                .map_err(errno)?;
            if chunk.is_empty() {
                return Ok(Some(value));
            }
            value.extend_from_slice(&chunk);
        }
    }

    /// Replaces the file at `p` with `value` (created when missing); the clunk at the end
    /// puts it into the transaction.
    fn write(&self, p: &KeyPath, value: &[u8], exists: bool) -> Result<(), Errno> {
        let c = &self.session.client;
        let fid = if exists {
            let fid = self.session.walk(&Self::full(p))?;
            c.lopen(fid.fid, P9_DOTL_WRONLY | P9_DOTL_TRUNC)
                .map_err(errno)?;
            fid
        } else {
            let dir = self.session.walk(&p.dirs)?;
            let flags = P9_DOTL_WRONLY | P9_DOTL_CREATE | P9_DOTL_EXCL;
            c.lcreate(dir.fid, &p.name, flags).map_err(errno)?;
            dir
        };
        let mut done = 0;
        for chunk in value.chunks(self.io_size as usize) {
            done += c.write(fid.fid, done as u64, chunk).map_err(errno)? as usize;
        }
        Ok(())
    }
}

impl External for StateKeys {
    fn storage_get(&mut self, key: &[u8]) -> HostResult<Option<Vec<u8>>> {
        let p = self.locate(key).map_err(storage)?;
        self.read(&p).map_err(storage)
    }

    fn storage_set(&mut self, key: &[u8], value: &[u8]) -> HostResult<Option<Vec<u8>>> {
        let p = self.locate(key).map_err(storage)?;
        let old = self.read(&p).map_err(storage)?;
        self.write(&p, value, old.is_some()).map_err(storage)?;
        Ok(old)
    }

    fn storage_remove(&mut self, key: &[u8]) -> HostResult<Option<Vec<u8>>> {
        let p = self.locate(key).map_err(storage)?;
        let old = self.read(&p).map_err(storage)?;
        if old.is_some() {
            let dir = self.session.walk(&p.dirs).map_err(storage)?;
            self.session
                .client
                .unlinkat(dir.fid, &p.name, 0)
                .map_err(|e| storage(errno(e)))?;
        }
        Ok(old)
    }

    fn storage_has_key(&mut self, key: &[u8]) -> HostResult<bool> {
        Ok(self.storage_get(key)?.is_some())
    }
}

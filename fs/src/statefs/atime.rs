//! Access times: Linux's `relatime` rule, kept lazily (as `lazytime` does).
//!
//! Opening a file for reading moves its atime when the stored one is not after the mtime
//! or ctime (the first read since a change) or is a day old. The new atime is shown at
//! once but held in memory and written in batches: when [`PENDING_MAX`] files wait, when
//! the oldest has waited [`PENDING_AGE`], and when the filesystem stops
//! ([`StateFs::persist_atimes`]). So reading files costs no RocksDB write; a `kill -9`
//! forgets at most those recent atimes, never a value or another attribute.
//! Executions (bound sessions) and read-only mounts never move atimes.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::{Ctx, StateFs};
use crate::account::AccountId;
use crate::error::Result;
use crate::store::KeyMeta;

/// Files whose new atime may wait in memory before a batch is written.
const PENDING_MAX: usize = 4096;
/// How long the oldest new atime may wait.
const PENDING_AGE: Duration = Duration::from_secs(30);
const DAY_NS: u64 = 24 * 3600 * 1_000_000_000;

struct Pending {
    account: AccountId,
    key: Vec<u8>,
    atime_ns: u64,
}

/// New atimes not yet written, by inode.
#[derive(Default)]
pub(super) struct Atimes {
    inner: Mutex<PendingSet>,
}

#[derive(Default)]
struct PendingSet {
    by_ino: crate::FastHashMap<u64, Pending>,
    /// When the oldest entry arrived.
    since: Option<Instant>,
}

impl Atimes {
    /// The atime `ino` shows: a pending one, else the stored one.
    pub(super) fn shown(&self, ino: u64, stored: u64) -> u64 {
        self.inner
            .lock()
            .by_ino
            .get(&ino)
            .map_or(stored, |p| p.atime_ns)
    }

    /// Forgets a pending atime (an explicit `utimensat` replaces it).
    pub(super) fn forget(&self, ino: u64) {
        self.inner.lock().by_ino.remove(&ino);
    }

    fn take_all(&self) -> crate::FastHashMap<u64, Pending> {
        let mut set = self.inner.lock();
        set.since = None;
        std::mem::take(&mut set.by_ino)
    }
}

/// The relatime rule: does a read at `now` move an atime of `atime`?
fn stale(meta: &KeyMeta, atime: u64, now: u64) -> bool {
    atime <= meta.mtime_ns || atime <= meta.ctime_ns || now.saturating_sub(atime) >= DAY_NS
}

impl StateFs {
    /// A file is being opened for reading: moves its atime if relatime says so.
    pub(super) fn note_access(&self, ctx: &Ctx, account: &AccountId, key: &[u8], meta: KeyMeta) {
        if self.writable(ctx).is_err() || self.bound_account().is_some() {
            return;
        }
        let now = self.now_ns();
        let due = {
            let mut set = self.atimes.inner.lock();
            let atime = set
                .by_ino
                .get(&meta.ino)
                .map_or(meta.atime_ns, |p| p.atime_ns);
            if !stale(&meta, atime, now) {
                return;
            }
            set.by_ino.insert(
                meta.ino,
                Pending {
                    account: account.clone(),
                    key: key.to_vec(),
                    atime_ns: now,
                },
            );
            let since = *set.since.get_or_insert_with(Instant::now);
            set.by_ino.len() >= PENDING_MAX || since.elapsed() >= PENDING_AGE
        };
        if due {
            if let Err(e) = self.persist_atimes() {
                tracing::warn!(error = %e, "writing access times failed");
            }
        }
    }

    /// Writes every pending atime, one transaction per account. A file renamed or removed
    /// since its read loses that atime (it was only an access time).
    pub fn persist_atimes(&self) -> Result<()> {
        let mut by_account: HashMap<AccountId, Vec<(u64, Pending)>> = HashMap::new();
        for (ino, p) in self.atimes.take_all() {
            by_account
                .entry(p.account.clone())
                .or_default()
                .push((ino, p));
        }
        for (account, files) in by_account {
            let mut txn = self.begin(&Ctx::default(), &account)?;
            for (ino, p) in files {
                if matches!(txn.meta(&p.key)?, Some(m) if m.ino == ino) {
                    txn.update_meta(&p.key, |m| m.atime_ns = p.atime_ns)?;
                }
            }
            txn.touch_none();
            txn.commit()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relatime_moves_an_atime_once_per_change_or_day() {
        let meta = KeyMeta {
            ino: 2,
            size: 0,
            mtime_ns: 100,
            ctime_ns: 100,
            atime_ns: 100,
            mode: 0o644,
        };
        assert!(stale(&meta, 100, 200), "not after the mtime");
        assert!(stale(&meta, 50, 200), "before the mtime");
        assert!(!stale(&meta, 150, 200), "read since the change");
        assert!(stale(&meta, 150, 150 + DAY_NS), "a day old");
        let changed = KeyMeta {
            ctime_ns: 300,
            ..meta
        };
        assert!(stale(&changed, 150, 400), "the ctime moved after it");
    }
}

//! How `StateFs` reaches storage: autocommit (every operation its own transaction) or bound
//! to one caller-supplied transaction (a guest execution's 9P session).
//!
//! Every write of the core goes through [`StateFs::begin`], and every read through the
//! `read_*` methods here, so the two modes differ in this file only. In bound mode reads see
//! the transaction's overlay (the session's own writes) and `commit` is a no-op: the caller
//! commits or drops the whole transaction when the execution ends ([`BoundTxn`]).
//!
//! Locking: the bound transaction sits behind one mutex. A [`TxnGuard`] holds it, so code
//! holding a guard must read through the guard, never through `read_*` (which would wait for
//! itself). The order is always open-file state, then the transaction.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use parking_lot::MappedMutexGuard;

use super::{Ctx, StateFs};
use crate::account::AccountId;
use crate::error::{Error, Result};
use crate::store::{Change, DirMeta, KeyMeta, SharedTxn, Store, Txn, DEFAULT_DIR_MODE};

/// Where writes go.
pub(super) enum Backend {
    /// Each operation begins and commits its own transaction on the store.
    Autocommit,
    /// Every operation works inside one transaction owned by the caller.
    Bound(Arc<Bound>),
}

/// The shared half of a bound session.
pub(super) struct Bound {
    account: AccountId,
    /// The execution's transaction; once the caller takes it back the session fails.
    txn: SharedTxn,
    /// The account directory's record while the account does not exist yet (a fresh
    /// account's first execution): the transaction creates the real one if it commits.
    placeholder: DirMeta,
}

/// A transaction an operation works in: its own (autocommit) or the bound one, locked.
// A guard lives on the stack for one operation; boxing the large variant would cost every
// autocommit operation (each FUSE write) an allocation.
#[allow(clippy::large_enum_variant)]
pub(super) enum TxnGuard<'a> {
    Own(Txn<'static>),
    Bound(MappedMutexGuard<'a, Txn<'static>>),
}

impl Deref for TxnGuard<'_> {
    type Target = Txn<'static>;

    fn deref(&self) -> &Txn<'static> {
        match self {
            TxnGuard::Own(t) => t,
            TxnGuard::Bound(t) => t,
        }
    }
}

impl DerefMut for TxnGuard<'_> {
    fn deref_mut(&mut self) -> &mut Txn<'static> {
        match self {
            TxnGuard::Own(t) => t,
            TxnGuard::Bound(t) => t,
        }
    }
}

impl TxnGuard<'_> {
    /// Commits an own transaction; in a bound session the writes stay in the caller's.
    pub(super) fn commit(self) -> Result<()> {
        match self {
            TxnGuard::Own(t) => t.commit().map(drop),
            TxnGuard::Bound(_) => Ok(()),
        }
    }
}

/// The caller's handle on a bound session's transaction.
///
/// Taking the transaction back (any method here) first commits into it whatever the
/// session's open files still buffer, as a close would, then ends the session: later 9P
/// requests on it fail with EIO.
pub struct BoundTxn {
    fs: Arc<StateFs>,
    bound: Arc<Bound>,
}

impl BoundTxn {
    /// The transaction, with everything the session wrote, for the caller to commit or drop.
    pub fn into_txn(self) -> Result<Txn<'static>> {
        self.fs.flush_all()?;
        self.bound.txn.take().ok_or(Error::BadHandle)
    }

    /// Commits everything the session wrote, as one batch.
    pub fn commit(self) -> Result<Vec<Change>> {
        self.into_txn()?.commit()
    }

    /// Drops everything the session wrote.
    pub fn rollback(self) {
        self.bound.txn.take();
    }
}

impl StateFs {
    /// A filesystem whose root is `txn`'s account and whose every change goes into `txn`
    /// (for a guest execution: the call's transaction, possibly shared with the call's host
    /// functions through a [`SharedTxn`]). Nothing reaches the store until the caller
    /// commits the transaction; other accounts are unreachable. Times come from the
    /// transaction's clock ([`Txn::set_clock`]), so a deterministic execution sees and
    /// writes deterministic times.
    pub fn bound(
        store: Arc<Store>,
        txn: impl Into<SharedTxn>,
        read_only: bool,
    ) -> Result<(Arc<StateFs>, BoundTxn)> {
        let txn = txn.into();
        let (account, existing, clock) = {
            let t = txn.lock()?;
            if !std::ptr::eq(t.store(), &*store) {
                return Err(Error::Invalid("the transaction belongs to another store"));
            }
            (t.account().clone(), t.account_meta(), t.clock().clone())
        };
        let placeholder = match existing {
            Some(m) => m,
            None => DirMeta::new(store.alloc_ino()?, DEFAULT_DIR_MODE, clock.now()),
        };
        let bound = Arc::new(Bound {
            account,
            txn,
            placeholder,
        });
        let fs = Arc::new(StateFs::with_backend(
            store,
            read_only,
            Backend::Bound(bound.clone()),
            clock,
        ));
        Ok((fs.clone(), BoundTxn { fs, bound }))
    }

    /// The account a bound session is confined to; `None` for autocommit.
    pub fn bound_account(&self) -> Option<&AccountId> {
        match &self.backend {
            Backend::Autocommit => None,
            Backend::Bound(b) => Some(&b.account),
        }
    }

    /// A transaction on `account` for one operation of `ctx` (see [`TxnGuard::commit`]).
    pub(super) fn begin(&self, ctx: &Ctx, account: &AccountId) -> Result<TxnGuard<'_>> {
        match &self.backend {
            Backend::Autocommit => Ok(TxnGuard::Own(
                self.store.begin_shared_from(account, ctx.origin)?,
            )),
            Backend::Bound(b) => {
                if *account != b.account {
                    return Err(Error::CrossAccount);
                }
                b.txn.lock().map(TxnGuard::Bound)
            }
        }
    }

    /// Runs `f` on the bound transaction, or returns `None` when it reads `account` in
    /// autocommit mode (the caller reads the store). Other accounts read as `absent`.
    fn bound_read<T>(
        &self,
        account: &AccountId,
        absent: T,
        f: impl FnOnce(&Txn<'static>) -> Result<T>,
    ) -> Option<Result<T>> {
        let Backend::Bound(b) = &self.backend else {
            return None;
        };
        if *account != b.account {
            return Some(Ok(absent));
        }
        Some(b.txn.lock().and_then(|t| f(&t)))
    }

    pub(super) fn read_meta(&self, account: &AccountId, key: &[u8]) -> Result<Option<KeyMeta>> {
        self.bound_read(account, None, |t| t.meta(key))
            .unwrap_or_else(|| self.store.meta(account, key))
    }

    pub(super) fn read_get(&self, account: &AccountId, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.bound_read(account, None, |t| t.get(key))
            .unwrap_or_else(|| self.store.get(account, key))
    }

    pub(super) fn read_with_value<T>(
        &self,
        account: &AccountId,
        key: &[u8],
        f: impl FnOnce(&[u8]) -> T,
    ) -> Result<Option<T>> {
        let Backend::Bound(_) = &self.backend else {
            return self.store.with_value(account, key, f);
        };
        self.bound_read(account, None, move |t| t.with_value(key, f))
            .unwrap_or(Ok(None))
    }

    pub(super) fn read_dir(&self, account: &AccountId, path: &[u8]) -> Result<Option<DirMeta>> {
        self.bound_read(account, None, |t| t.dir(path))
            .unwrap_or_else(|| self.store.dir(account, path))
    }

    pub(super) fn read_account(&self, account: &AccountId) -> Result<Option<DirMeta>> {
        let placeholder = match &self.backend {
            Backend::Bound(b) => b.placeholder,
            Backend::Autocommit => return self.store.account(account),
        };
        self.bound_read(account, None, |t| {
            Ok(Some(t.account_meta().unwrap_or(placeholder)))
        })
        .unwrap_or(Ok(None))
    }

    pub(super) fn read_dirs(&self, account: &AccountId) -> Result<Vec<(Vec<u8>, DirMeta)>> {
        self.bound_read(account, Vec::new(), Txn::dirs)
            .unwrap_or_else(|| self.store.dirs(account))
    }

    pub(super) fn read_scan_keys(
        &self,
        account: &AccountId,
        prefix: &[u8],
        from: &[u8],
        mut f: impl FnMut(&[u8], KeyMeta) -> bool,
    ) -> Result<()> {
        match self.bound_read(account, (), |t| t.scan_keys(prefix, from, &mut f)) {
            Some(res) => res,
            None => self.store.scan_keys(account, prefix, from, f),
        }
    }

    /// Accounts in order from `from`: in a bound session, only its own.
    pub(super) fn read_scan_accounts(
        &self,
        from: &[u8],
        mut f: impl FnMut(&[u8], DirMeta) -> bool,
    ) -> Result<()> {
        match &self.backend {
            Backend::Autocommit => self.store.scan_accounts(from, f),
            Backend::Bound(b) => {
                let name = b.account.as_str().as_bytes();
                if name >= from {
                    if let Some(meta) = self.read_account(&b.account)? {
                        f(name, meta);
                    }
                }
                Ok(())
            }
        }
    }
}

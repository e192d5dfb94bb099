//! Keeping the kernel's caches honest: every commit made elsewhere than this mount drops the
//! kernel's cached entries, attributes and pages of what it touched.

use std::ffi::OsStr;
use std::sync::Arc;
use std::time::Duration;

use fuser::{INodeNo, Notifier};

use crate::statefs::StateFs;
use crate::store::{Change, ChangeKind};
use crate::AccountId;

/// Listens to the store's commits and drops the kernel's cached view of what other origins
/// changed. Errors (ENOENT: the kernel had nothing cached) are expected and ignored.
pub(super) fn start_invalidator(
    fs: Arc<StateFs>,
    notifier: Notifier,
    origin: u64,
) -> std::io::Result<()> {
    let (tx, rx) = std::sync::mpsc::channel::<Invalidation>();
    let pending = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let (sender, queued) = (tx.clone(), pending.clone());
    fs.store()
        .on_change(Box::new(move |account, from, changes| {
            let own = from == origin;
            // A directory made here can still change names the kernel cached: keys below it
            // used to show in its parent. And an attribute change made here may be one the
            // kernel never asked for (the atime an open moves).
            let wanted: Vec<Change> = changes
                .iter()
                .filter(|c| !own || matches!(c.kind, ChangeKind::DirAdded | ChangeKind::Attr))
                .cloned()
                .collect();
            if !wanted.is_empty() {
                queued.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = sender.send(Invalidation::Changes(account.clone(), own, wanted));
            }
        }));
    let waiting = pending.clone();
    fs.store().on_settle(Box::new(move || {
        if waiting.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            return;
        }
        let (done, wait) = std::sync::mpsc::sync_channel(1);
        if tx.send(Invalidation::Barrier(done)).is_ok() {
            // Bounded: a wedged kernel must not hang the caller forever.
            let _ = wait.recv_timeout(Duration::from_secs(2));
        }
    }));
    std::thread::Builder::new()
        .name("fuse-invalidate".into())
        .spawn(move || {
            for msg in rx {
                match msg {
                    Invalidation::Barrier(done) => {
                        let _ = done.try_send(());
                    }
                    Invalidation::Changes(account, own, changes) => {
                        invalidate(&fs, &notifier, &account, own, &changes);
                        pending.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            }
        })?;
    Ok(())
}

/// Work for the invalidation thread.
enum Invalidation {
    /// Changes of one commit: (account, made by this mount, what changed).
    Changes(AccountId, bool, Vec<Change>),
    /// Answer once everything queued before it is done.
    Barrier(std::sync::mpsc::SyncSender<()>),
}

/// Drops the kernel's cached view of `changes`.
fn invalidate(
    fs: &StateFs,
    notifier: &Notifier,
    account: &AccountId,
    own: bool,
    changes: &[Change],
) {
    let entry = |parent: u64, name: &str| {
        let _ = notifier.inval_entry(INodeNo(parent), OsStr::new(name));
    };
    for c in changes {
        match c.kind {
            ChangeKind::Written => {
                let _ = notifier.inval_inode(INodeNo(c.ino), 0, 0);
            }
            // A negative offset drops the attributes only: the cached pages are still right.
            ChangeKind::Attr => {
                let _ = notifier.inval_inode(INodeNo(c.ino), -1, 0);
            }
            ChangeKind::Removed => {
                let _ = notifier.inval_inode(INodeNo(c.ino), 0, 0);
                if let Ok(Some((parent, name))) = fs.key_location(account, &c.key) {
                    entry(parent, &name);
                }
            }
            ChangeKind::DirAdded => {
                let parent = fs.dir_location(account, &c.key).ok().flatten();
                let hidden = fs.names_hidden_by_dir(account, &c.key).unwrap_or_default();
                if let Some((parent, name)) = parent {
                    if !own {
                        entry(parent, &name);
                    }
                    hidden.iter().for_each(|n| entry(parent, n));
                }
            }
            ChangeKind::DirRemoved | ChangeKind::AccountRemoved => {
                if let Ok(Some((parent, name))) = fs.dir_location(account, &c.key) {
                    entry(parent, &name);
                }
            }
        }
    }
}

//! Live changes for open pages: the store's change feed, fanned out as server-sent events.
//!
//! The store calls its listeners on the committing thread (a contract call, a FUSE close, a
//! control request), so the listener only builds a small summary and hands it to a tokio
//! broadcast channel, which never blocks. Each page's stream waits a moment after the
//! first change and sends everything that came meanwhile as one message, merged by account;
//! a page too slow to keep up loses changes and gets `resync` instead, and reloads its view.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use outlayer_fs::store::{ChangeKind, Store};
use outlayer_fs::{names, AccountId};
use serde::Serialize;
use tokio::sync::broadcast;

/// Commits a page may fall behind before it is told to resync.
const BACKLOG: usize = 1024;
/// How long a stream gathers changes before it sends them (at most this many messages a
/// second per page, and "within a second" with room to spare).
const COALESCE: Duration = Duration::from_millis(100);
/// Key names one message carries per account; past that it says `truncated`.
const NAMES_PER_ACCOUNT: usize = 64;

/// What changed in one account.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(super) struct AccountChange {
    /// The account.
    pub account: String,
    /// File names of the keys that changed (written or removed).
    pub keys: Vec<String>,
    /// More keys changed than `keys` lists.
    pub truncated: bool,
    /// The account itself was removed.
    pub removed: bool,
}

/// The sending side, shared by every stream.
#[derive(Clone)]
pub(super) struct ChangeFeed {
    tx: broadcast::Sender<Arc<AccountChange>>,
}

impl ChangeFeed {
    /// Listens to `store`'s commits.
    pub(super) fn attach(store: &Store) -> Self {
        let (tx, _) = broadcast::channel(BACKLOG);
        let sender = tx.clone();
        store.on_change(Box::new(move |account: &AccountId, _origin, changes| {
            if sender.receiver_count() == 0 {
                return;
            }
            let mut change = AccountChange {
                account: account.as_str().to_string(),
                keys: Vec::new(),
                truncated: false,
                removed: false,
            };
            for c in changes {
                match c.kind {
                    ChangeKind::Written | ChangeKind::Removed => {
                        if change.keys.len() < NAMES_PER_ACCOUNT {
                            change.keys.push(names::encode(&c.key));
                        } else {
                            change.truncated = true;
                        }
                    }
                    ChangeKind::AccountRemoved => change.removed = true,
                    ChangeKind::Attr | ChangeKind::DirAdded | ChangeKind::DirRemoved => {}
                }
            }
            // No receiver left since the check: nothing to do.
            let _ = sender.send(Arc::new(change));
        }));
        ChangeFeed { tx }
    }

    /// A page's event stream: `change` messages (a JSON array of [`AccountChange`]) and
    /// `resync` when changes were lost.
    pub(super) fn stream(&self) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
        let rx = self.tx.subscribe();
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            let merged = gather(&mut rx).await?;
            Some((Ok(merged.into_event()), rx))
        });
        Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
    }
}

/// Waits for a change and gathers what follows for [`COALESCE`] (`None`: the feed closed).
async fn gather(rx: &mut broadcast::Receiver<Arc<AccountChange>>) -> Option<Merged> {
    let mut merged = Merged::default();
    match rx.recv().await {
        Ok(c) => merged.add(&c),
        Err(broadcast::error::RecvError::Lagged(_)) => merged.lagged = true,
        Err(broadcast::error::RecvError::Closed) => return None,
    }
    tokio::time::sleep(COALESCE).await;
    loop {
        match rx.try_recv() {
            Ok(c) => merged.add(&c),
            Err(broadcast::error::TryRecvError::Lagged(_)) => merged.lagged = true,
            Err(_) => break,
        }
    }
    Some(merged)
}

/// Changes gathered for one message.
#[derive(Default)]
struct Merged {
    accounts: BTreeMap<String, AccountChange>,
    lagged: bool,
}

impl Merged {
    fn add(&mut self, c: &AccountChange) {
        let entry = self
            .accounts
            .entry(c.account.clone())
            .or_insert_with(|| AccountChange {
                account: c.account.clone(),
                keys: Vec::new(),
                truncated: false,
                removed: false,
            });
        for k in &c.keys {
            if entry.keys.len() >= NAMES_PER_ACCOUNT {
                entry.truncated = true;
                break;
            }
            if !entry.keys.contains(k) {
                entry.keys.push(k.clone());
            }
        }
        entry.truncated |= c.truncated;
        entry.removed |= c.removed;
    }

    fn into_event(self) -> Event {
        if self.lagged {
            return Event::default().event("resync").data("{}");
        }
        let changes: Vec<_> = self.accounts.into_values().collect();
        let data = serde_json::to_string(&changes).unwrap_or_else(|_| "[]".into());
        Event::default().event("change").data(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(account: &str, keys: &[&str]) -> Arc<AccountChange> {
        Arc::new(AccountChange {
            account: account.into(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            truncated: false,
            removed: false,
        })
    }

    #[tokio::test]
    async fn changes_in_a_burst_arrive_as_one_message_merged_by_account() {
        let (tx, mut rx) = broadcast::channel(8);
        tx.send(change("a.near", &["x"])).expect("send");
        tx.send(change("b.near", &["y"])).expect("send");
        tx.send(change("a.near", &["x", "z"])).expect("send");
        let merged = gather(&mut rx).await.expect("a message");
        assert!(!merged.lagged);
        assert_eq!(merged.accounts["a.near"].keys, ["x", "z"]);
        assert_eq!(merged.accounts["b.near"].keys, ["y"]);
        drop(tx);
        assert!(
            gather(&mut rx).await.is_none(),
            "the stream ends with the feed"
        );
    }

    #[tokio::test]
    async fn a_reader_that_falls_behind_is_told_to_resync() {
        let (tx, mut rx) = broadcast::channel(2);
        for i in 0..5 {
            tx.send(change("a.near", &[&i.to_string()])).expect("send");
        }
        let merged = gather(&mut rx).await.expect("a message");
        assert!(merged.lagged, "the sender never waited for the slow reader");
    }

    #[test]
    fn one_message_names_a_bounded_number_of_keys() {
        let mut merged = Merged::default();
        let names: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        merged.add(&change("a.near", &refs));
        let a = &merged.accounts["a.near"];
        assert_eq!(a.keys.len(), NAMES_PER_ACCOUNT);
        assert!(a.truncated);
    }
}

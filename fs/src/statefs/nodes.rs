//! The node table: what each inode referenced by a transport currently names.
//!
//! FUSE holds an inode from the reply that introduced it until `forget`; 9P holds one per fid
//! until `clunk`. Renames rewrite entries in place, so an inode keeps working under its new
//! name, as on a local filesystem.

use parking_lot::RwLock;

use super::layout::is_at_or_below;
use crate::account::AccountId;
use crate::store::ROOT_INO;

/// What an inode names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// The root: one directory per account.
    Root,
    /// An account's directory.
    Account(AccountId),
    /// An overlay directory inside an account.
    Dir { account: AccountId, path: Vec<u8> },
    /// A key.
    File { account: AccountId, key: Vec<u8> },
}

struct Entry {
    node: Node,
    refs: u64,
}

/// Inode → node, with reference counts.
pub(crate) struct NodeTable {
    map: RwLock<crate::FastHashMap<u64, Entry>>,
}

impl NodeTable {
    pub(crate) fn new() -> Self {
        let mut map = crate::FastHashMap::default();
        map.insert(
            ROOT_INO,
            Entry {
                node: Node::Root,
                refs: 1,
            },
        );
        NodeTable {
            map: RwLock::new(map),
        }
    }

    pub(crate) fn get(&self, ino: u64) -> Option<Node> {
        self.map.read().get(&ino).map(|e| e.node.clone())
    }

    /// One more reference on `ino`, which names `node` (refreshing a stale entry).
    pub(crate) fn add_ref(&self, ino: u64, node: Node) {
        let mut map = self.map.write();
        let e = map.entry(ino).or_insert(Entry {
            node: Node::Root,
            refs: 0,
        });
        e.node = node;
        e.refs = e.refs.saturating_add(1);
    }

    pub(crate) fn forget(&self, ino: u64, n: u64) {
        if ino == ROOT_INO {
            return;
        }
        let mut map = self.map.write();
        if let Some(e) = map.get_mut(&ino) {
            e.refs = e.refs.saturating_sub(n);
            if e.refs == 0 {
                map.remove(&ino);
            }
        }
    }

    pub(crate) fn moved_file(&self, ino: u64, account: &AccountId, new_key: &[u8]) {
        if let Some(e) = self.map.write().get_mut(&ino) {
            e.node = Node::File {
                account: account.clone(),
                key: new_key.to_vec(),
            };
        }
    }

    /// Rewrites every node at or below directory `from` to lie below `to` instead.
    pub(crate) fn moved_dir(&self, account: &AccountId, from: &[u8], to: &[u8]) {
        let rebase = |p: &[u8]| [to, &p[from.len()..]].concat();
        for e in self.map.write().values_mut() {
            match &mut e.node {
                Node::Dir { account: a, path } if a == account && is_at_or_below(path, from) => {
                    *path = rebase(path);
                }
                Node::File { account: a, key }
                    if a == account && key.len() > from.len() + 1 && is_at_or_below(key, from) =>
                {
                    *key = rebase(key);
                }
                _ => {}
            }
        }
    }
}

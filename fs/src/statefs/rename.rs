//! Renames: of a file (one key) or of an overlay directory (every key below it), within one
//! account and in one commit.

use super::layout::{self, dir_prefix, is_at_or_below, new_entry_key};
use super::nodes::Node;
use super::{has_keys_below, Attr, Ctx, RenameFlags, StateFs};
use crate::account::AccountId;
use crate::error::{Error, Result};
use crate::store::DEFAULT_DIR_MODE;

impl StateFs {
    /// Renames within one account, atomically replacing the target (EXDEV across accounts).
    pub fn rename(
        &self,
        ctx: &Ctx,
        parent: u64,
        name: &[u8],
        new_parent: u64,
        new_name: &[u8],
        flags: RenameFlags,
    ) -> Result<()> {
        self.writable(ctx)?;
        if flags.exchange {
            return Err(Error::Invalid("RENAME_EXCHANGE is not supported"));
        }
        let (src, src_attr) = self.child(parent, name)?;
        let (account, to_dir) = match self.nodes.get(new_parent).ok_or(Error::NotFound)? {
            Node::Account(a) => (a, Vec::new()),
            Node::Dir { account, path } => (account, path),
            Node::Root => return Err(Error::CrossAccount),
            Node::File { .. } => return Err(Error::NotDir),
        };
        let target = match self.child(new_parent, new_name) {
            Ok(t) => Some(t),
            Err(Error::NotFound) => None,
            Err(e) => return Err(e),
        };
        if target.as_ref().is_some_and(|(_, a)| a.ino == src_attr.ino) {
            return Ok(()); // POSIX: renaming a file onto itself does nothing
        }
        if flags.noreplace && target.is_some() {
            return Err(Error::Exists);
        }
        match src {
            Node::File {
                account: src_account,
                key,
            } => {
                if src_account != account {
                    return Err(Error::CrossAccount);
                }
                let dirs = self.dir_set(&account)?;
                let to_key = new_entry_key(&dirs, &to_dir, new_name)?;
                if let Some((t, t_attr)) = &target {
                    if !matches!(t, Node::File { .. }) {
                        return Err(Error::IsDir);
                    }
                    self.files.detach(self, t_attr.ino)?;
                }
                let mut txn = self.begin(ctx, &account)?;
                txn.rename_key(&key, &to_key)?;
                txn.touch_dir(dirs.locate(&key).0);
                txn.touch_dir(&to_dir);
                txn.commit()?;
                self.files.moved(src_attr.ino, &to_key);
                self.nodes.moved_file(src_attr.ino, &account, &to_key);
                Ok(())
            }
            Node::Dir {
                account: src_account,
                path,
            } => {
                if src_account != account {
                    return Err(Error::CrossAccount);
                }
                self.rename_dir(ctx, &account, &path, &to_dir, new_name, target)
            }
            Node::Account(_) | Node::Root => Err(Error::CrossAccount),
        }
    }

    fn rename_dir(
        &self,
        ctx: &Ctx,
        account: &AccountId,
        from: &[u8],
        to_dir: &[u8],
        new_name: &[u8],
        target: Option<(Node, Attr)>,
    ) -> Result<()> {
        let dirs = self.dir_set(account)?;
        let to = new_entry_key(&dirs, to_dir, new_name)?;
        if to.contains(&b'/') && layout::parent_of(&to) != Some(to_dir) {
            return Err(Error::Invalid("a directory name cannot hold %2F"));
        }
        if is_at_or_below(&to, from) {
            return Err(Error::Invalid("cannot move a directory into itself"));
        }
        let mut txn = self.begin(ctx, account)?;
        match target {
            Some((Node::Dir { path, .. }, _)) => {
                if dirs.subtree(&path).count() > 1 || has_keys_below(&txn, &path)? {
                    return Err(Error::NotEmpty);
                }
                txn.remove_dir(&path);
            }
            Some(_) => return Err(Error::NotDir),
            None if has_keys_below(&txn, &to)? => return Err(Error::NotEmpty),
            None => {}
        }
        let mut moved_keys = Vec::new();
        txn.scan_keys(&dir_prefix(from), &dir_prefix(from), |k, m| {
            if k.len() > from.len() + 1 {
                moved_keys.push((k.to_vec(), m.ino));
            }
            true
        })?;
        for (k, _) in &moved_keys {
            txn.rename_key(k, &[&to[..], &k[from.len()..]].concat())?;
        }
        for d in dirs.subtree(from) {
            let moved_to = [&to[..], &d[from.len()..]].concat();
            let meta = txn.dir(d)?;
            txn.remove_dir(d);
            match meta {
                Some(mut meta) => {
                    if d == from {
                        meta.ctime_ns = self.now_ns(); // its name changed
                    }
                    txn.put_dir(&moved_to, meta)?;
                }
                // Known to the directory cache but gone from the store: recreate it plainly.
                None => drop(txn.create_dir(&moved_to, DEFAULT_DIR_MODE)?),
            }
        }
        txn.touch_dir(layout::parent_of(from).unwrap_or_default());
        txn.touch_dir(to_dir);
        txn.commit()?;
        self.forget_dirs(account);
        for (k, ino) in &moved_keys {
            self.files
                .moved(*ino, &[&to[..], &k[from.len()..]].concat());
        }
        self.nodes.moved_dir(account, from, &to);
        Ok(())
    }
}

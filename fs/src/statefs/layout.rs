//! The directory overlay: where a key shows in the tree, and which key a path names.
//!
//! An account is a flat map of keys. `mkdir` records directory paths (never NEAR state), and a
//! key `<dir>/<rest>` with `rest` non-empty shows inside `<dir>` when that directory exists.
//! Directories form a tree (a directory's parent always exists), so a key's place is found by
//! following existing directories along its `/`-separated prefix, left to right; the first
//! component that is not an existing directory, and everything after it, is the file's name
//! there, its remaining `/` written `%2F` by the codec.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::names::{self, Decoded, NAME_MAX};

/// The overlay directories of one account (paths without a trailing `/`).
#[derive(Debug, Default)]
pub(crate) struct DirSet {
    paths: HashSet<Vec<u8>>,
    /// How many directories each directory (`b""`: the account) holds, for link counts.
    subdirs: crate::FastHashMap<Vec<u8>, u32>,
}

impl DirSet {
    pub(crate) fn new(paths: impl IntoIterator<Item = Vec<u8>>) -> Self {
        let paths: HashSet<Vec<u8>> = paths.into_iter().collect();
        let mut subdirs = crate::FastHashMap::default();
        for p in &paths {
            if let Some(parent) = parent_of(p) {
                *subdirs.entry(parent.to_vec()).or_insert(0u32) += 1;
            }
        }
        DirSet { paths, subdirs }
    }

    /// The number of directories directly inside `dir` (`b""`: the account).
    pub(crate) fn subdir_count(&self, dir: &[u8]) -> u32 {
        self.subdirs.get(dir).copied().unwrap_or(0)
    }

    pub(crate) fn contains(&self, path: &[u8]) -> bool {
        !self.paths.is_empty() && self.paths.contains(path)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The immediate subdirectories of `dir` (paths), in no particular order.
    pub(crate) fn children<'a>(&'a self, dir: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.paths
            .iter()
            .map(Vec::as_slice)
            .filter(move |p| parent_of(p) == Some(dir))
    }

    /// Every directory at or below `dir`.
    pub(crate) fn subtree<'a>(&'a self, dir: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.paths
            .iter()
            .map(Vec::as_slice)
            .filter(move |p| is_at_or_below(p, dir))
    }

    /// Where `key` shows: (directory path, `b""` for the account itself; name component).
    pub(crate) fn locate<'k>(&self, key: &'k [u8]) -> (&'k [u8], &'k [u8]) {
        let mut start = 0;
        if !self.is_empty() {
            while let Some(slash) = key[start..].iter().position(|&b| b == b'/') {
                let end = start + slash;
                if end + 1 < key.len() && self.contains(&key[..end]) {
                    start = end + 1;
                } else {
                    break;
                }
            }
        }
        let dir = if start == 0 {
            &key[..0]
        } else {
            &key[..start - 1]
        };
        (dir, &key[start..])
    }
}

/// The parent path of a directory path (`b""` = the account), `None` for the account itself.
pub(crate) fn parent_of(path: &[u8]) -> Option<&[u8]> {
    if path.is_empty() {
        return None;
    }
    Some(match path.iter().rposition(|&b| b == b'/') {
        Some(i) => &path[..i],
        None => &path[..0],
    })
}

/// True when `path` is `dir` or lies below it.
pub(crate) fn is_at_or_below(path: &[u8], dir: &[u8]) -> bool {
    path == dir || (path.len() > dir.len() && path.starts_with(dir) && path[dir.len()] == b'/')
}

/// `dir/component`, or `component` at the account level.
pub(crate) fn join(dir: &[u8], component: &[u8]) -> Vec<u8> {
    if dir.is_empty() {
        return component.to_vec();
    }
    let mut k = Vec::with_capacity(dir.len() + 1 + component.len());
    k.extend_from_slice(dir);
    k.push(b'/');
    k.extend_from_slice(component);
    k
}

/// The key prefix of everything inside `dir` (`dir/`, or `b""` for the account).
pub(crate) fn dir_prefix(dir: &[u8]) -> Vec<u8> {
    if dir.is_empty() {
        Vec::new()
    } else {
        join(dir, b"")
    }
}

/// Decodes a name met in a directory, checking its length first.
pub(crate) fn decode_name(name: &[u8]) -> Result<Decoded> {
    if name.len() > NAME_MAX {
        return Err(Error::NameTooLong("file name longer than 255 bytes"));
    }
    Ok(names::decode(name)?)
}

/// The key a *new* entry called `name` in `dir` gets, refusing names that are not the
/// canonical name of that key there (a long name, or a `%2F` that an existing directory
/// would split).
pub(crate) fn new_entry_key(dirs: &DirSet, dir: &[u8], name: &[u8]) -> Result<Vec<u8>> {
    let component = match decode_name(name)? {
        Decoded::Exact(c) => c,
        Decoded::Long { .. } => return Err(Error::Invalid("a long-form name can only be opened")),
    };
    let key = join(dir, &component);
    if dirs.locate(&key) != (dir, component.as_slice()) {
        return Err(Error::Invalid("name crosses an existing directory"));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(paths: &[&str]) -> DirSet {
        DirSet::new(paths.iter().map(|p| p.as_bytes().to_vec()))
    }

    #[test]
    fn keys_show_in_the_deepest_existing_directory() {
        let none = dirs(&[]);
        assert_eq!(none.locate(b"a/b/c"), (&b""[..], &b"a/b/c"[..]));
        let a = dirs(&["a"]);
        assert_eq!(a.locate(b"a/b/c"), (&b"a"[..], &b"b/c"[..]));
        let ab = dirs(&["a", "a/b"]);
        assert_eq!(ab.locate(b"a/b/c"), (&b"a/b"[..], &b"c"[..]));
        // An empty rest stays outside: `a/` is the file `a%2F` next to the directory.
        assert_eq!(ab.locate(b"a/"), (&b""[..], &b"a/"[..]));
        assert_eq!(ab.locate(b"a/b/"), (&b"a"[..], &b"b/"[..]));
        assert_eq!(ab.locate(b"a"), (&b""[..], &b"a"[..]));
    }

    #[test]
    fn children_and_subtrees() {
        let d = dirs(&["a", "a/b", "a/b/c", "ab", "x"]);
        let mut c: Vec<_> = d.children(b"").collect();
        c.sort();
        assert_eq!(c, vec![&b"a"[..], b"ab", b"x"]);
        assert_eq!(d.children(b"a").collect::<Vec<_>>(), vec![&b"a/b"[..]]);
        let mut s: Vec<_> = d.subtree(b"a").collect();
        s.sort();
        assert_eq!(s, vec![&b"a"[..], b"a/b", b"a/b/c"]);
    }

    #[test]
    fn new_names_must_be_canonical_where_they_land() {
        let d = dirs(&["a"]);
        assert_eq!(new_entry_key(&d, b"", b"x%2Fy").ok(), Some(b"x/y".to_vec()));
        assert!(new_entry_key(&d, b"", b"a%2Fy").is_err());
        assert_eq!(new_entry_key(&d, b"a", b"y").ok(), Some(b"a/y".to_vec()));
        assert!(new_entry_key(&d, b"", b"%41").is_err());
    }
}

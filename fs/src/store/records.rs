//! Row layouts of the column families: how keys and records are laid out in bytes.
//!
//! Rows of one account share the prefix `account_id ++ 0x00`. Account ids never contain NUL,
//! so a prefix scan of one account never reaches `alice.near` from `alice`.

use std::time::{SystemTime, UNIX_EPOCH};

/// Separates the account id from the rest of a row key.
const SEP: u8 = 0;

/// The row-key prefix shared by every row of `account`.
pub(crate) fn account_prefix(account: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(account.len() + 1);
    k.extend_from_slice(account.as_bytes());
    k.push(SEP);
    k
}

/// The row key of `key` (or directory path) inside `account`.
pub(crate) fn row_key(account: &str, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(account.len() + 1 + key.len());
    k.extend_from_slice(account.as_bytes());
    k.push(SEP);
    k.extend_from_slice(key);
    k
}

/// The smallest byte string greater than every string starting with `prefix`, if any.
pub(crate) fn next_prefix(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut p = prefix.to_vec();
    while let Some(last) = p.pop() {
        if last != 0xFF {
            p.push(last + 1);
            return Some(p);
        }
    }
    None
}

/// Nanoseconds since the Unix epoch, now.
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// What the filesystem shows about a key besides its value (the `meta` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyMeta {
    /// Inode number; kept across renames, never reused while the store lives.
    pub ino: u64,
    /// Length of the value in bytes.
    pub size: u64,
    /// Last change of the value, ns since the epoch.
    pub mtime_ns: u64,
    /// Last change of the value or its name, ns since the epoch.
    pub ctime_ns: u64,
}

/// A directory, an account, or the root: they carry the same attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirMeta {
    /// Inode number.
    pub ino: u64,
    /// Last change of the entries, ns since the epoch.
    pub mtime_ns: u64,
    /// Last change of the entries or the name, ns since the epoch.
    pub ctime_ns: u64,
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(i * 8..i * 8 + 8) {
        a.copy_from_slice(s);
    }
    u64::from_le_bytes(a)
}

impl KeyMeta {
    /// Encoded as four little-endian u64s.
    pub(crate) fn encode(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, v) in [self.ino, self.size, self.mtime_ns, self.ctime_ns]
            .into_iter()
            .enumerate()
        {
            out[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Decodes a record written by `encode` (short records read as zeros, never panic).
    pub(crate) fn decode(b: &[u8]) -> Self {
        KeyMeta {
            ino: u64_at(b, 0),
            size: u64_at(b, 1),
            mtime_ns: u64_at(b, 2),
            ctime_ns: u64_at(b, 3),
        }
    }
}

impl DirMeta {
    /// Encoded as three little-endian u64s.
    pub(crate) fn encode(&self) -> [u8; 24] {
        let mut out = [0u8; 24];
        for (i, v) in [self.ino, self.mtime_ns, self.ctime_ns]
            .into_iter()
            .enumerate()
        {
            out[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Decodes a record written by `encode`.
    pub(crate) fn decode(b: &[u8]) -> Self {
        DirMeta {
            ino: u64_at(b, 0),
            mtime_ns: u64_at(b, 1),
            ctime_ns: u64_at(b, 2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let m = KeyMeta {
            ino: 7,
            size: 4 << 20,
            mtime_ns: 1,
            ctime_ns: u64::MAX,
        };
        assert_eq!(KeyMeta::decode(&m.encode()), m);
        let d = DirMeta {
            ino: 9,
            mtime_ns: 2,
            ctime_ns: 3,
        };
        assert_eq!(DirMeta::decode(&d.encode()), d);
    }

    #[test]
    fn next_prefix_bounds_a_scan() {
        assert_eq!(next_prefix(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(next_prefix(b"a\xFF"), Some(b"b".to_vec()));
        assert_eq!(next_prefix(b"\xFF\xFF"), None);
    }
}

//! Row layouts of the column families: how keys and records are laid out in bytes.
//!
//! Rows of one account share the prefix `account_id ++ 0x00`. Account ids never contain NUL,
//! so a prefix scan of one account never reaches `alice.near` from `alice`.

use std::sync::Arc;
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

/// Where times written into metadata come from: the host's clock, or an execution's own
/// (a call's block timestamp, a guest task's virtual clock), so that what a deterministic
/// execution writes, the times of its keys and directories included, is deterministic too.
#[derive(Clone, Default)]
pub struct Clock(Option<Arc<dyn Fn() -> u64 + Send + Sync>>);

impl Clock {
    /// The host's realtime clock.
    pub fn system() -> Self {
        Clock(None)
    }

    /// A clock that always reads `ns`.
    pub fn fixed(ns: u64) -> Self {
        Clock(Some(Arc::new(move || ns)))
    }

    /// A clock read through `now` (nanoseconds since the Unix epoch).
    pub fn from_fn(now: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        Clock(Some(Arc::new(now)))
    }

    /// Nanoseconds since the Unix epoch, by this clock.
    pub fn now(&self) -> u64 {
        match &self.0 {
            Some(f) => f(),
            None => now_ns(),
        }
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Clock(execution)"
        } else {
            "Clock(system)"
        })
    }
}

/// Permission bits of a key created without a mode (by a contract, `state put`).
pub const DEFAULT_FILE_MODE: u32 = 0o644;
/// Permission bits of a directory created without a mode, and of every account.
pub const DEFAULT_DIR_MODE: u32 = 0o755;
/// The bits a mode may carry: permissions, set-id and sticky (never the file type).
pub const MODE_MASK: u32 = 0o7777;

/// What the filesystem shows about a key besides its value (the `meta` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyMeta {
    /// Inode number; kept across renames, never reused while the store lives.
    pub ino: u64,
    /// Length of the value in bytes.
    pub size: u64,
    /// Last change of the value, ns since the epoch.
    pub mtime_ns: u64,
    /// Last change of the value, its name or its attributes, ns since the epoch.
    pub ctime_ns: u64,
    /// Last access (relatime: see `statefs`), ns since the epoch.
    pub atime_ns: u64,
    /// Permission bits ([`MODE_MASK`]).
    pub mode: u32,
}

/// A directory, an account, or the root: they carry the same attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirMeta {
    /// Inode number.
    pub ino: u64,
    /// Last change of the entries, ns since the epoch.
    pub mtime_ns: u64,
    /// Last change of the entries, the name or the attributes, ns since the epoch.
    pub ctime_ns: u64,
    /// Last access, ns since the epoch.
    pub atime_ns: u64,
    /// Permission bits ([`MODE_MASK`]).
    pub mode: u32,
}

impl DirMeta {
    /// A directory made at `now` with `mode`.
    pub fn new(ino: u64, mode: u32, now: u64) -> Self {
        DirMeta {
            ino,
            mtime_ns: now,
            ctime_ns: now,
            atime_ns: now,
            mode: mode & MODE_MASK,
        }
    }
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(i * 8..i * 8 + 8) {
        a.copy_from_slice(s);
    }
    u64::from_le_bytes(a)
}

/// Writes `fields` as consecutive little-endian u64s.
fn encode_u64s<const N: usize>(fields: [u64; N], out: &mut [u8]) {
    for (i, v) in fields.into_iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
    }
}

/// The mode a record holds in field `i`, if the record has that field. Records written
/// before modes were kept end before it: they read as `default`, and their atime as mtime.
fn mode_at(b: &[u8], i: usize, default: u32) -> u32 {
    if b.len() >= (i + 1) * 8 {
        u64_at(b, i) as u32 & MODE_MASK
    } else {
        default
    }
}

impl KeyMeta {
    /// Encoded as six little-endian u64s: ino, size, mtime, ctime, atime, mode.
    pub(crate) fn encode(&self) -> [u8; 48] {
        let mut out = [0u8; 48];
        encode_u64s(
            [
                self.ino,
                self.size,
                self.mtime_ns,
                self.ctime_ns,
                self.atime_ns,
                u64::from(self.mode),
            ],
            &mut out,
        );
        out
    }

    /// Decodes a record written by `encode` or by a version that kept four fields (short
    /// records read as zeros, never panic).
    pub(crate) fn decode(b: &[u8]) -> Self {
        let mtime_ns = u64_at(b, 2);
        KeyMeta {
            ino: u64_at(b, 0),
            size: u64_at(b, 1),
            mtime_ns,
            ctime_ns: u64_at(b, 3),
            atime_ns: if b.len() >= 40 {
                u64_at(b, 4)
            } else {
                mtime_ns
            },
            mode: mode_at(b, 5, DEFAULT_FILE_MODE),
        }
    }
}

impl DirMeta {
    /// Encoded as five little-endian u64s: ino, mtime, ctime, atime, mode.
    pub(crate) fn encode(&self) -> [u8; 40] {
        let mut out = [0u8; 40];
        encode_u64s(
            [
                self.ino,
                self.mtime_ns,
                self.ctime_ns,
                self.atime_ns,
                u64::from(self.mode),
            ],
            &mut out,
        );
        out
    }

    /// Decodes a record written by `encode` or by a version that kept three fields.
    pub(crate) fn decode(b: &[u8]) -> Self {
        let mtime_ns = u64_at(b, 1);
        DirMeta {
            ino: u64_at(b, 0),
            mtime_ns,
            ctime_ns: u64_at(b, 2),
            atime_ns: if b.len() >= 32 {
                u64_at(b, 3)
            } else {
                mtime_ns
            },
            mode: mode_at(b, 4, DEFAULT_DIR_MODE),
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
            atime_ns: 5,
            mode: 0,
        };
        assert_eq!(KeyMeta::decode(&m.encode()), m);
        let d = DirMeta {
            ino: 9,
            mtime_ns: 2,
            ctime_ns: 3,
            atime_ns: 4,
            mode: 0o1777,
        };
        assert_eq!(DirMeta::decode(&d.encode()), d);
    }

    #[test]
    fn records_of_earlier_versions_read_with_default_modes() {
        let m = KeyMeta::decode(&m_old());
        assert_eq!((m.ino, m.size, m.mtime_ns, m.ctime_ns), (7, 3, 11, 12));
        assert_eq!((m.atime_ns, m.mode), (11, DEFAULT_FILE_MODE));
        let mut d = [0u8; 24];
        encode_u64s([9, 21, 22], &mut d);
        let d = DirMeta::decode(&d);
        assert_eq!((d.ino, d.mtime_ns, d.ctime_ns), (9, 21, 22));
        assert_eq!((d.atime_ns, d.mode), (21, DEFAULT_DIR_MODE));
    }

    /// A key record as versions before modes wrote it: ino, size, mtime, ctime.
    fn m_old() -> [u8; 32] {
        let mut out = [0u8; 32];
        encode_u64s([7, 3, 11, 12], &mut out);
        out
    }

    #[test]
    fn next_prefix_bounds_a_scan() {
        assert_eq!(next_prefix(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(next_prefix(b"a\xFF"), Some(b"b".to_vec()));
        assert_eq!(next_prefix(b"\xFF\xFF"), None);
    }
}

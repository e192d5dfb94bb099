//! The column families of the store. Names are part of the on-disk format: never rename one.

/// A RocksDB column family of the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    /// Rows: one per account. Key: the account id. Content: [`super::DirMeta`] (inode, times).
    Accounts,
    /// Rows: one per contract key. Key: `account ++ 0x00 ++ key`. Content: the value, as the
    /// contract wrote it. This column alone is NEAR state.
    State,
    /// Rows: one per row of `State`, same key. Content: [`super::KeyMeta`] (inode, size,
    /// mtime, ctime). Listings scan this column, never the values.
    Meta,
    /// Rows: one per overlay directory. Key: `account ++ 0x00 ++ path` (path without a
    /// trailing `/`). Content: [`super::DirMeta`]. Not NEAR state: contracts never see it.
    Dirs,
    /// Rows: one per account with deployed code. Key: the account id. Content: the wasm.
    Code,
    /// Rows: counters. Key: a name (`ino_ceiling`; `usage/<account>`: the account's NEAR
    /// storage usage) or a hash (`code_hash/<account>`: sha256 of its code). Content: a LE u64
    /// or 32 bytes.
    Sys,
}

impl Col {
    /// Every column, in creation order.
    pub const ALL: [Col; 6] = [
        Col::Accounts,
        Col::State,
        Col::Meta,
        Col::Dirs,
        Col::Code,
        Col::Sys,
    ];

    /// The column family's name in RocksDB.
    pub fn name(self) -> &'static str {
        match self {
            Col::Accounts => "accounts",
            Col::State => "state",
            Col::Meta => "meta",
            Col::Dirs => "dirs",
            Col::Code => "code",
            Col::Sys => "sys",
        }
    }
}

//! outlayer-fs: NEAR contract state kept in RocksDB and shown as files.
//!
//! Layers, bottom up: [`store`] (RocksDB, transactions), [`names`] (key⇄file-name codec),
//! [`statefs`] (the semantic core shared by every transport), [`fuse`] (the FUSE adapter)
//! and [`ninep`] (9P2000.L codec, server and client).

pub mod account;
pub mod error;
#[cfg(all(feature = "fuse", feature = "rocks"))]
pub mod fuse;
pub mod names;
pub mod ninep;
#[cfg(feature = "rocks")]
pub mod statefs;
#[cfg(feature = "rocks")]
pub mod store;

pub use account::AccountId;

/// The hash map of in-memory tables on the hot path (fids, inodes, open files, keys a call
/// holds): foldhash, seeded per map, rather than SipHash.
pub type FastHashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub use error::{Error, Result};

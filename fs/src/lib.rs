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
pub use error::{Error, Result};

//! NEAR account ids, validated as nearcore's `near-account-id` does.

use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};

/// Shortest valid account id, in bytes.
pub const MIN_ACCOUNT_LEN: usize = 2;
/// Longest valid account id, in bytes.
pub const MAX_ACCOUNT_LEN: usize = 64;

/// A valid NEAR account id (cheap to clone).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(Arc<str>);

impl AccountId {
    /// Validates `id`: 2–64 bytes of `a-z 0-9` in parts joined by single `-`, `_` or `.`.
    pub fn new(id: &str) -> Result<Self> {
        if is_valid(id.as_bytes()) {
            Ok(AccountId(Arc::from(id)))
        } else {
            Err(Error::BadAccount(id.to_string()))
        }
    }

    /// Validates raw bytes (file names arrive as bytes).
    pub fn from_bytes(id: &[u8]) -> Result<Self> {
        match std::str::from_utf8(id) {
            Ok(s) => Self::new(s),
            Err(_) => Err(Error::BadAccount(String::from_utf8_lossy(id).into_owned())),
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The rule of nearcore's `AccountId::validate`: separators never lead, trail or repeat.
fn is_valid(id: &[u8]) -> bool {
    if !(MIN_ACCOUNT_LEN..=MAX_ACCOUNT_LEN).contains(&id.len()) {
        return false;
    }
    let mut last_was_separator = true; // a leading separator is invalid
    for &b in id {
        match b {
            b'a'..=b'z' | b'0'..=b'9' => last_was_separator = false,
            b'-' | b'_' | b'.' if !last_was_separator => last_was_separator = true,
            _ => return false,
        }
    }
    !last_was_separator
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

impl std::str::FromStr for AccountId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_near_account_ids() {
        for id in [
            "counter.near",
            "a1",
            "alice_bob-1.testnet",
            "0x1234",
            &"a".repeat(64),
        ] {
            assert!(AccountId::new(id).is_ok(), "{id}");
        }
    }

    #[test]
    fn rejects_invalid_ids() {
        for id in [
            "a",
            "",
            "Alice.near",
            "a..b",
            ".a",
            "a.",
            "a b",
            "a-_b",
            &"a".repeat(65),
            "é.near",
        ] {
            assert!(AccountId::new(id).is_err(), "{id}");
        }
    }
}

//! `state_keys`: one page of an account's keys. The store is seeked to the cursor (or the
//! prefix), so a page of an account of a million keys reads a page of rows, not the list.

use base64::Engine as _;
use outlayer_fs::{names, AccountId};
use serde::{Deserialize, Serialize};

use crate::api::{ApiError, Context, Handler, ItemSink, StateKeys};

/// Keys per page unless asked otherwise.
const DEFAULT_PAGE: usize = 100;
/// The most keys one page holds.
const MAX_PAGE: usize = 1000;

/// One page of keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyPage {
    /// Keys in the account (all of them, not only those matching the prefix).
    pub total: u64,
    /// The page, in key order.
    pub keys: Vec<KeyEntry>,
    /// The cursor of the next page (`after`), when there are more.
    pub next: Option<String>,
}

/// One key of a page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyEntry {
    /// Its file name.
    pub name: String,
    /// The value's length in bytes.
    pub size: u64,
    /// Last change of the value, ns since the epoch.
    pub mtime_ns: u64,
}

impl Handler for StateKeys {
    type Output = KeyPage;

    fn handle(self, ctx: &Context, _items: &mut ItemSink<'_>) -> Result<KeyPage, ApiError> {
        let account = AccountId::new(&self.account)?;
        if ctx.store().account(&account)?.is_none() {
            return Err(ApiError::not_found(format!("no account {account}")));
        }
        let limit = self.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
        let prefix = key_prefix(&self.prefix);
        let after = self.after.as_deref().map(decode_cursor).transpose()?;
        // A cursor before the prefix (from another search) starts at the prefix.
        let from = after.as_deref().filter(|a| *a > prefix.as_slice());
        let mut keys = Vec::new();
        let mut last = Vec::new();
        let mut more = false;
        ctx.store()
            .scan_keys(&account, &prefix, from.unwrap_or(&prefix), |k, meta| {
                if Some(k) == from {
                    return true;
                }
                if keys.len() == limit {
                    more = true;
                    return false;
                }
                keys.push(KeyEntry {
                    name: names::encode(k),
                    size: meta.size,
                    mtime_ns: meta.mtime_ns,
                });
                last = k.to_vec();
                true
            })?;
        Ok(KeyPage {
            total: ctx.store().key_count(&account)?,
            keys,
            next: more.then(|| encode_cursor(&last)),
        })
    }
}

/// The key bytes a file-name prefix stands for: `%XX` (either case) is its byte, and an
/// escape cut short at the end (`ab%4`) is left out, so a prefix typed one character at a
/// time narrows the list at every step.
pub(super) fn key_prefix(name_prefix: &str) -> Vec<u8> {
    let b = name_prefix.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3);
            match hex.and_then(|h| std::str::from_utf8(h).ok()) {
                Some(h) if h.bytes().all(|c| c.is_ascii_hexdigit()) => {
                    out.push(u8::from_str_radix(h, 16).unwrap_or(b'%'));
                    i += 3;
                    continue;
                }
                None if b.len() - i < 3 => break,
                _ => {}
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn encode_cursor(key: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
}

fn decode_cursor(cursor: &str) -> Result<Vec<u8>, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| ApiError::invalid(format!("after: {cursor:?} is not a cursor this API gave")))
}

#[cfg(test)]
mod tests {
    use super::key_prefix;

    #[test]
    fn name_prefixes_become_key_prefixes() {
        assert_eq!(key_prefix(""), b"");
        assert_eq!(key_prefix("STATE"), b"STATE");
        assert_eq!(key_prefix("a%00b"), b"a\0b");
        assert_eq!(key_prefix("%ff%FF"), [0xff, 0xff]);
        assert_eq!(key_prefix("ab%4"), b"ab", "an escape cut short is left out");
        assert_eq!(key_prefix("ab%"), b"ab");
        assert_eq!(
            key_prefix("50%zz"),
            b"50%zz",
            "a % that starts no escape is itself"
        );
        assert_eq!(key_prefix("é"), "é".as_bytes());
    }
}

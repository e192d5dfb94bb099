//! `state_key`: one key named by its file name, with its bytes, value and metadata (what
//! the console's value viewer shows), and [`key_of_name`] for front ends that name keys so.

use base64::Engine as _;
use outlayer_fs::names::{self, Decoded};
use outlayer_fs::AccountId;
use serde::{Deserialize, Serialize};

use crate::api::{ApiError, Context, Handler, ItemSink, StateKey};

/// A key and its value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyView {
    /// Its file name.
    pub name: String,
    /// The key's bytes, base64.
    pub key: String,
    /// The value, base64.
    pub value: String,
    /// The value's length in bytes.
    pub size: u64,
    /// Last change of the value, ns since the epoch.
    pub mtime_ns: u64,
}

impl Handler for StateKey {
    type Output = KeyView;

    fn handle(self, ctx: &Context, _items: &mut ItemSink<'_>) -> Result<KeyView, ApiError> {
        let account = AccountId::new(&self.account)?;
        let key = key_of_name(ctx, &account, &self.name)?;
        let missing = || ApiError::not_found(format!("no key {} in {account}", self.name));
        let meta = ctx.store().meta(&account, &key)?.ok_or_else(missing)?;
        let value = ctx.store().get(&account, &key)?.ok_or_else(missing)?;
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        Ok(KeyView {
            name: self.name,
            key: b64(&key),
            value: b64(&value),
            size: meta.size,
            mtime_ns: meta.mtime_ns,
        })
    }
}

/// The key whose file name is `name` (see `outlayer_fs::names`). A short name is its key
/// whether or not the key exists; a long name (`prefix%~sha256`) only names a key that
/// exists, found among the keys that start with its prefix.
pub fn key_of_name(ctx: &Context, account: &AccountId, name: &str) -> Result<Vec<u8>, ApiError> {
    let decoded = names::decode(name.as_bytes())
        .map_err(|e| ApiError::invalid(format!("{name:?} is not a key's file name: {e}")))?;
    match decoded {
        Decoded::Exact(key) => Ok(key),
        Decoded::Long { prefix, .. } => {
            let mut found = None;
            ctx.store().scan_keys(account, &prefix, &prefix, |k, _| {
                if names::is_name_of(name.as_bytes(), k) {
                    found = Some(k.to_vec());
                }
                found.is_none()
            })?;
            found.ok_or_else(|| {
                ApiError::not_found(format!(
                    "no key named {name} in {account} (a new key whose name is this long is \
                     written by its bytes: `outlayerd state put --key-base64`)"
                ))
            })
        }
    }
}

//! `outlayerd state …`: the operations, over a `Store`. The daemon's control handler and the
//! embedded CLI path both call these, so the result is the same either way.

use outlayer_fs::store::Store;
use outlayer_fs::{names, AccountId, Error};

use crate::control::protocol::ErrorReply;

/// Streams the names of `account`'s keys (flat: every `/` shows as `%2F`).
pub fn ls(
    store: &Store,
    account: &str,
    emit: &mut dyn FnMut(String) -> bool,
) -> Result<(), ErrorReply> {
    let account = parse_account(account)?;
    if store.account(&account).map_err(fail)?.is_none() {
        return Err(not_found(format!("no account {account}")));
    }
    store
        .scan_keys(&account, b"", b"", |k, _| emit(names::encode(k)))
        .map_err(fail)
}

/// The value of `key`.
pub fn get(store: &Store, account: &str, key: &[u8]) -> Result<Vec<u8>, ErrorReply> {
    let account = parse_account(account)?;
    store
        .get(&account, key)
        .map_err(fail)?
        .ok_or_else(|| not_found(format!("no key {} in {account}", names::encode(key))))
}

/// Writes `value` under `key` (creating the account if needed).
pub fn put(store: &Store, account: &str, key: &[u8], value: Vec<u8>) -> Result<(), ErrorReply> {
    let account = parse_account(account)?;
    let mut txn = store.begin(&account).map_err(fail)?;
    txn.put(key, value).map_err(fail)?;
    txn.commit().map_err(fail)?;
    Ok(())
}

/// Removes `key`.
pub fn rm(store: &Store, account: &str, key: &[u8]) -> Result<(), ErrorReply> {
    let account = parse_account(account)?;
    let mut txn = store.begin(&account).map_err(fail)?;
    if txn.remove(key).map_err(fail)?.is_none() {
        return Err(not_found(format!(
            "no key {} in {account}",
            names::encode(key)
        )));
    }
    txn.commit().map_err(fail)?;
    Ok(())
}

fn parse_account(account: &str) -> Result<AccountId, ErrorReply> {
    AccountId::new(account).map_err(fail)
}

fn not_found(message: String) -> ErrorReply {
    ErrorReply {
        kind: "not_found".into(),
        message,
        exit_code: 1,
    }
}

/// Maps a state-layer error: bad input exits 2, everything else 1.
pub fn fail(e: Error) -> ErrorReply {
    let (kind, exit_code) = match &e {
        Error::BadAccount(_)
        | Error::BadName(_)
        | Error::NameTooLong(_)
        | Error::TooBig { .. }
        | Error::Invalid(_) => ("invalid_input", 2),
        Error::NotFound => ("not_found", 1),
        _ => ("failed", 1),
    };
    ErrorReply {
        kind: kind.into(),
        message: e.to_string(),
        exit_code,
    }
}

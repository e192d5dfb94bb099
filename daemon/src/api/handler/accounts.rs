//! `accounts`: a page of accounts with what the console shows beside each one. Key counts
//! and storage usage are counters the store keeps, so a page costs the same whatever the
//! accounts hold.

use outlayer_fs::store::CodeKind;
use outlayer_fs::AccountId;
use serde::{Deserialize, Serialize};

use crate::api::{Accounts, ApiError, Context, Handler, ItemSink};

/// The most accounts one page holds (and the default).
const MAX_PAGE: usize = 1000;

/// One page of accounts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountPage {
    /// The accounts, in id order.
    pub accounts: Vec<AccountSummary>,
    /// The cursor of the next page (`after`), when there are more.
    pub next: Option<String>,
}

/// What a list shows of one account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountSummary {
    /// The account id.
    pub account: String,
    /// Keys it holds.
    pub keys: u64,
    /// NEAR storage usage, bytes (account record, code, keys and values).
    pub storage_usage: u64,
    /// Last change of its key list, ns since the epoch.
    pub mtime_ns: u64,
    /// Its deployed code, if any.
    pub code: Option<CodeSummary>,
}

/// Deployed code, without the code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeSummary {
    /// SHA-256 of the module, hex.
    pub sha256: String,
    /// A NEAR contract or a WASI program.
    pub kind: CodeKind,
}

impl Handler for Accounts {
    type Output = AccountPage;

    fn handle(self, ctx: &Context, _items: &mut ItemSink<'_>) -> Result<AccountPage, ApiError> {
        let limit = self.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
        let after = self.after.unwrap_or_default();
        let mut ids = Vec::new();
        let mut more = false;
        ctx.store().scan_accounts(after.as_bytes(), |id, meta| {
            if id == after.as_bytes() {
                return true;
            }
            if ids.len() == limit {
                more = true;
                return false;
            }
            ids.push((String::from_utf8_lossy(id).into_owned(), meta.mtime_ns));
            true
        })?;
        let accounts = ids
            .into_iter()
            .map(|(id, mtime_ns)| summary(ctx, id, mtime_ns))
            .collect::<Result<Vec<_>, _>>()?;
        let next = more
            .then(|| accounts.last().map(|a| a.account.clone()))
            .flatten();
        Ok(AccountPage { accounts, next })
    }
}

fn summary(ctx: &Context, id: String, mtime_ns: u64) -> Result<AccountSummary, ApiError> {
    let account = AccountId::new(&id)?;
    let store = ctx.store();
    Ok(AccountSummary {
        keys: store.key_count(&account)?,
        storage_usage: store.storage_usage(&account)?,
        mtime_ns,
        code: store.code_info(&account)?.map(|(hash, kind)| CodeSummary {
            sha256: hex::encode(hash),
            kind,
        }),
        account: id,
    })
}

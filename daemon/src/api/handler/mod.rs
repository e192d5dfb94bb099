//! One handler per request kind (one file each), and [`dispatch`] for front ends that
//! receive a [`Request`] they have not looked into.

mod account_create;
mod accounts;
mod call;
mod compare;
mod deploy;
mod ping;
mod run;
mod state_export;
mod state_get;
mod state_import;
mod state_key;
mod state_keys;
mod state_ls;
mod state_put;
mod state_rm;
mod stats;

pub use accounts::{AccountPage, AccountSummary, CodeSummary};
pub use run::RunReport;
pub use state_export::ExportReport;
pub use state_import::{ImportProgress, ImportReport};
pub use state_key::{key_of_name, KeyView};
pub use state_keys::{KeyEntry, KeyPage};
pub use stats::{ExecutionStats, StatsReport, StoreReport};

use outlayer_fs::AccountId;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{ApiError, Context, Request};

/// Where a streaming handler puts its items (key names of `state_ls`, entries of
/// `state_export`, progress of `state_import`). Returns false to
/// stop the stream, e.g. when the reader went away.
pub type ItemSink<'a> = dyn FnMut(String) -> bool + 'a;

/// A request that can be handled. Front ends call it through [`Context::run`].
pub trait Handler: Into<Request> {
    /// The typed result, serde so a remote front end can carry it.
    type Output: Serialize + DeserializeOwned;

    /// Does the work. Only streaming requests use `items`; the rest leave it untouched.
    fn handle(self, ctx: &Context, items: &mut ItemSink<'_>) -> Result<Self::Output, ApiError>;
}

/// Runs any request; the result comes back as JSON, the form every remote front end sends.
pub fn dispatch(
    ctx: &Context,
    req: Request,
    items: &mut ItemSink<'_>,
) -> Result<serde_json::Value, ApiError> {
    match req {
        Request::Ping(r) => to_json(ctx.run(r, items)),
        Request::StateLs(r) => to_json(ctx.run(r, items)),
        Request::StateGet(r) => to_json(ctx.run(r, items)),
        Request::StatePut(r) => to_json(ctx.run(r, items)),
        Request::StateRm(r) => to_json(ctx.run(r, items)),
        Request::StateExport(r) => to_json(ctx.run(r, items)),
        Request::StateImport(r) => to_json(ctx.run(r, items)),
        Request::Deploy(r) => to_json(ctx.run(r, items)),
        Request::Call(r) => to_json(ctx.run(r, items)),
        Request::Compare(r) => to_json(ctx.run(r, items)),
        Request::Stats(r) => to_json(ctx.run(r, items)),
        Request::Run(r) => to_json(ctx.run(r, items)),
        Request::Accounts(r) => to_json(ctx.run(r, items)),
        Request::AccountCreate(r) => to_json(ctx.run(r, items)),
        Request::StateKeys(r) => to_json(ctx.run(r, items)),
        Request::StateKey(r) => to_json(ctx.run(r, items)),
    }
}

fn to_json<T: Serialize>(result: Result<T, ApiError>) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(result?)
        .map_err(|e| ApiError::failed(format!("cannot encode the result: {e}")))
}

/// An account id of a deploy or call; `what` names the field in the message.
fn parse_account(id: &str, what: &str) -> Result<AccountId, ApiError> {
    AccountId::new(id)
        .map_err(|_| ApiError::invalid(format!("{what}: {id:?} is not a valid NEAR account id")))
}

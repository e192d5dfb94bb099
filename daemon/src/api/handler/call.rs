//! `call`: runs one contract method. A contract that fails is not an error here: the
//! outcome says what happened inside; errors are for calls that cannot start.

use std::time::Duration;

use outlayer_kernel::near::MAX_GAS;
use outlayer_kernel::CallRequest;

use super::parse_account;
use crate::api::{ApiError, CallSpec, Context, Handler, ItemSink};

impl Handler for CallSpec {
    /// The kernel's `Outcome` as JSON: it has no `Deserialize`, and callers print it anyway.
    type Output = serde_json::Value;

    fn handle(self, ctx: &Context, _items: &mut ItemSink<'_>) -> Result<Self::Output, ApiError> {
        let req = self.checked_request(ctx)?;
        let outcome = ctx.executor()?.call(&req);
        serde_json::to_value(&outcome)
            .map_err(|e| ApiError::failed(format!("cannot encode the outcome: {e}")))
    }
}

impl CallSpec {
    /// The kernel's request, every field checked, on an account that exists.
    pub(super) fn checked_request(self, ctx: &Context) -> Result<CallRequest, ApiError> {
        let req = self.into_call_request()?;
        if ctx.store().account(&req.account)?.is_none() {
            return Err(ApiError::failed(format!(
                "account {} does not exist (deploy a contract first)",
                req.account
            )));
        }
        Ok(req)
    }

    /// The kernel's request, every field checked; the messages name the CLI's options
    /// because that is where most specs come from.
    fn into_call_request(self) -> Result<CallRequest, ApiError> {
        let account = parse_account(&self.account, "account")?;
        let or_account = |id: Option<String>| id.unwrap_or_else(|| self.account.clone());
        let signer = parse_account(&or_account(self.signer), "--signer")?;
        let predecessor = parse_account(&or_account(self.predecessor), "--predecessor")?;
        let mut req = CallRequest::new(account, &self.method, self.args);
        req.view = self.view;
        req.signer = signer;
        req.predecessor = predecessor;
        req.deposit = self.deposit;
        req.account_balance = self.balance;
        req.mode = self.mode;
        if let Some(gas) = self.gas {
            if gas == 0 || gas > MAX_GAS {
                return Err(ApiError::invalid(format!(
                    "--gas must be between 1 and {MAX_GAS} (1 PGas)"
                )));
            }
            req.gas = gas;
        }
        req.block_height = self.block_height;
        if let Some(ts) = self.block_timestamp {
            req.block_timestamp_ns = ts;
        }
        req.timeout = Some(self.timeout)
            .filter(|t| *t > 0.0)
            .and_then(|t| Duration::try_from_secs_f64(t).ok())
            .ok_or_else(|| ApiError::invalid("--timeout must be a positive number of seconds"))?;
        Ok(req)
    }
}

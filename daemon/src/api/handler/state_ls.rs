//! `state_ls`: an account's key names, streamed (an account may hold millions).

use outlayer_fs::{names, AccountId};

use crate::api::{ApiError, Context, Handler, ItemSink, StateLs};

impl Handler for StateLs {
    type Output = ();

    fn handle(self, ctx: &Context, items: &mut ItemSink<'_>) -> Result<(), ApiError> {
        let account = AccountId::new(&self.account)?;
        if ctx.store().account(&account)?.is_none() {
            return Err(ApiError::not_found(format!("no account {account}")));
        }
        ctx.store()
            .scan_keys(&account, b"", b"", |k, _| items(names::encode(k)))?;
        Ok(())
    }
}

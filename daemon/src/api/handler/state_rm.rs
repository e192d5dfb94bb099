//! `state_rm`: removes one key; a missing key is an error, not a no-op.

use outlayer_fs::{names, AccountId};

use crate::api::{ApiError, Context, Handler, ItemSink, StateRm};

impl Handler for StateRm {
    type Output = ();

    fn handle(self, ctx: &Context, _items: &mut ItemSink<'_>) -> Result<(), ApiError> {
        let account = AccountId::new(&self.account)?;
        let mut txn = ctx.store().begin(&account)?;
        if txn.remove(&self.key)?.is_none() {
            let key = names::encode(&self.key);
            return Err(ApiError::not_found(format!("no key {key} in {account}")));
        }
        txn.commit()?;
        Ok(())
    }
}

//! `state_put`: one value written in its own transaction.

use outlayer_fs::AccountId;

use crate::api::{ApiError, Context, Handler, ItemSink, StatePut};

impl Handler for StatePut {
    type Output = ();

    fn handle(self, ctx: &Context, _items: &mut ItemSink<'_>) -> Result<(), ApiError> {
        let account = AccountId::new(&self.account)?;
        let mut txn = ctx.store().begin(&account)?;
        txn.put(&self.key, self.value)?;
        txn.commit()?;
        Ok(())
    }
}

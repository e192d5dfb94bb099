//! `account_create`: an empty account, as `mkdir` on the mount makes one.

use outlayer_fs::AccountId;

use crate::api::{AccountCreate, ApiError, Context, ErrorKind, Handler, ItemSink};

impl Handler for AccountCreate {
    type Output = ();

    fn handle(self, ctx: &Context, _items: &mut ItemSink<'_>) -> Result<(), ApiError> {
        let account = AccountId::new(&self.account)?;
        let mut txn = ctx.store().begin(&account)?;
        txn.create_account().map_err(|e| match ApiError::from(e) {
            e if e.kind == ErrorKind::AlreadyExists => {
                ApiError::new(e.kind, format!("account {account} already exists"))
            }
            e => e,
        })?;
        txn.commit()?;
        Ok(())
    }
}

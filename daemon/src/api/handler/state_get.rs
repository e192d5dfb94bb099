//! `state_get`: one stored value.

use outlayer_fs::{names, AccountId};

use crate::api::{ApiError, Bytes, Context, Handler, ItemSink, StateGet};

impl Handler for StateGet {
    type Output = Bytes;

    fn handle(self, ctx: &Context, _items: &mut ItemSink<'_>) -> Result<Bytes, ApiError> {
        let account = AccountId::new(&self.account)?;
        ctx.store()
            .get(&account, &self.key)?
            .map(Bytes)
            .ok_or_else(|| {
                ApiError::not_found(format!("no key {} in {account}", names::encode(&self.key)))
            })
    }
}

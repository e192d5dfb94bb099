//! `ping`: lets a client tell a live daemon from a stale socket.

use crate::api::{ApiError, Context, Handler, ItemSink, Ping};

impl Handler for Ping {
    type Output = String;

    fn handle(self, _ctx: &Context, _items: &mut ItemSink<'_>) -> Result<String, ApiError> {
        Ok("pong".into())
    }
}

//! `compare`: one call in both modes from the same pre-state (see `Executor::compare`).

use crate::api::{ApiError, CompareSpec, Context, Handler, ItemSink};

impl Handler for CompareSpec {
    /// The kernel's `Comparison` as JSON.
    type Output = serde_json::Value;

    fn handle(self, ctx: &Context, _items: &mut ItemSink<'_>) -> Result<Self::Output, ApiError> {
        let req = self.call.checked_request(ctx)?;
        let report = ctx.executor()?.compare(&req, self.commit);
        serde_json::to_value(&report)
            .map_err(|e| ApiError::failed(format!("cannot encode the comparison: {e}")))
    }
}

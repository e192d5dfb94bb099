//! `deploy`: compiles and installs contract code (a NEAR contract or a WASI program), given
//! as a wasm module or as the RPC `view_code` result that holds one.

use outlayer_fs::store::CodeKind;
use outlayer_kernel::DeployError;

use super::parse_account;
use crate::api::near_formats::contract_code;
use crate::api::{ApiError, Context, Deploy, Handler, ItemSink};

impl Handler for Deploy {
    type Output = CodeKind;

    fn handle(self, ctx: &Context, _items: &mut ItemSink<'_>) -> Result<CodeKind, ApiError> {
        let account = parse_account(&self.account, "account")?;
        let code = contract_code(self.code)?;
        match ctx.executor()?.deploy(&account, &code) {
            Ok(kind) => Ok(kind),
            // Code that does not compile is the caller's mistake; a storage error is not.
            Err(e @ (DeployError::Compile(_) | DeployError::Program(_))) => {
                Err(ApiError::invalid(e.to_string()))
            }
            Err(e) => Err(ApiError::failed(e.to_string())),
        }
    }
}

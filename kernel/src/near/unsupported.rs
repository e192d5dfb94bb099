//! Host functions linked (so every contract links) but not implemented: calling one aborts
//! with `UnsupportedHostFunction` naming it. near-sdk contracts import many of these without
//! calling them.
//!
//! - yield/resume (`promise_yield_*`): needs a later block to resume in;
//! - gas keys, state init and universal accounts (PV 85+ features with fee rules of their
//!   own; not modelled);
//! - the sandbox/test-only `sandbox_debug_log`, `sleep_nanos`, `burn_gas` (nearcore links them
//!   only in sandbox/test builds; here they link and fail when called).

use super::errors::{HostError, HostResult};
use super::memory::Mem;
use super::{External, VmLogic};

macro_rules! unsupported {
    ($($name:ident($($arg:ident),*) -> $ret:ty;)*) => {
        impl<E: External> VmLogic<E> {
            $(
                #[doc = concat!("`", stringify!($name), "`: unsupported (see the module docs).")]
                #[allow(unused_variables, clippy::too_many_arguments)]
                pub fn $name(&mut self, _m: &mut Mem<'_>, $($arg: u64),*) -> HostResult<$ret> {
                    Err(HostError::Unsupported(stringify!($name)))
                }
            )*
        }
    };
}

unsupported! {
    promise_yield_create(a, b, c, d, e, f, g) -> u64;
    promise_yield_create_with_id(a, b, c, d, e, f, g, h, i) -> u64;
    promise_yield_resume(a, b, c, d) -> u32;
    promise_yield_resume_with_yield_id(a, b, c, d) -> u32;
    promise_batch_action_state_init(a, b, c, d) -> u64;
    promise_batch_action_state_init_by_account_id(a, b, c, d) -> u64;
    set_state_init_data_entry(a, b, c, d, e, f) -> ();
    current_contract_code(a) -> u64;
    universal_state_init_to_account_id(a, b, c) -> u64;
    promise_batch_action_universal_state_init(a, b, c, d) -> ();
    promise_batch_action_transfer_to_gas_key(a, b, c, d) -> ();
    promise_batch_action_add_gas_key_with_full_access(a, b, c, d) -> ();
    promise_batch_action_add_gas_key_with_function_call(a, b, c, d, e, f, g, h, i) -> ();
    sandbox_debug_log(a, b) -> ();
    sleep_nanos(a) -> ();
    burn_gas(a) -> ();
}

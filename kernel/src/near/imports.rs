//! The one table of NEAR host functions (module `env`), bound to a wasmtime `Linker` by
//! [`link`]. Every import of nearcore's `imports.rs` (near-vm-runner 0.38, PV 88) appears here
//! exactly once, so every near-sdk contract links.
//!
//! Gas for wasm instructions: wasmtime fuel, 1 unit per instruction (wasmtime charges 0 for
//! `nop`, `drop`, `block`, `loop`, `end`, `else`, `unreachable`, `return`), converted at
//! `regular_op_cost` (822_756 gas). Each host call first folds the fuel spent since the last
//! call into the gas counter, then runs, then refills fuel with what may still be burnt. So
//! gas is exact at host-call boundaries and fuel exhaustion is exactly "no burnable gas
//! left". nearcore (finite-wasm) also charges stack frames (`ceil(frame_bytes/8)` ops) and
//! bulk-memory ops per byte; those are not charged here, so pure-wasm gas is a little lower.

use wasmtime::{AsContextMut, Caller, Linker, Memory};

use super::errors::HostResult;
use super::gas::REGULAR_OP_COST;
use super::memory::Mem;
use super::{External, VmLogic};

/// One NEAR execution's host side: the logic, the guest's memory, the fuel bookkeeping.
pub struct HostState<E: External> {
    /// The execution.
    pub logic: VmLogic<E>,
    /// The contract's exported memory (set after instantiation).
    pub memory: Option<Memory>,
    /// Fuel at the last refill: what was spent since is `fuel_mark - get_fuel()`.
    pub fuel_mark: u64,
}

impl<E: External> HostState<E> {
    /// A fresh host side for `logic`; the memory is set once the instance exists.
    pub fn new(logic: VmLogic<E>) -> Self {
        HostState {
            logic,
            memory: None,
            fuel_mark: 0,
        }
    }

    /// Fuel for the gas that may still be burnt.
    pub fn fuel_budget(&mut self) -> u64 {
        self.logic.gas_counter().remaining_burnable() / REGULAR_OP_COST
    }
}

/// How the NEAR host functions find their execution in a wasmtime `Store`'s data, as
/// wasmtime-wasi's `WasiView` does: direct mode's data is the [`HostState`] itself, a guest
/// task's data holds one beside its WASI state, and both link the same table.
pub trait NearView: Send + 'static {
    /// Where state lives.
    type Ext: External + Send + 'static;
    /// The execution.
    fn near(&mut self) -> &mut HostState<Self::Ext>;

    /// A host function numbered `nr` (see [`IMPORT_NUMBERS`]) is about to run: a guest
    /// kernel counts it as a syscall; direct mode has nothing to do.
    #[inline]
    fn host_call(&mut self, _nr: u32) {}
}

impl<E: External + Send + 'static> NearView for HostState<E> {
    type Ext = E;
    fn near(&mut self) -> &mut HostState<E> {
        self
    }
}

/// Folds the fuel spent since the last refill into the gas counter.
pub fn charge_fuel<T: NearView>(store: &mut impl AsContextMut<Data = T>) -> HostResult<()> {
    let mut ctx = store.as_context_mut();
    let fuel = ctx.get_fuel().unwrap_or(0);
    let st = ctx.data_mut().near();
    let ops = st.fuel_mark.saturating_sub(fuel);
    st.fuel_mark = fuel;
    st.logic.gas_counter().pay_per(REGULAR_OP_COST, ops)
}

/// Sets fuel to what the gas counter still allows.
pub fn refill_fuel<T: NearView>(store: &mut impl AsContextMut<Data = T>) {
    let mut ctx = store.as_context_mut();
    let budget = ctx.data_mut().near().fuel_budget();
    // Fails only when fuel is not enabled, which the engine always enables.
    let _ = ctx.set_fuel(budget);
    ctx.data_mut().near().fuel_mark = budget;
}

/// Runs one host operation with the calling convention's plumbing around it: gas sync, a
/// view of guest memory, the logic, fuel refill. The result is the convention's to map (the
/// `env` table turns errors into traps; the syscall table turns some into `-errno`).
pub fn with_logic<T: NearView, R>(
    caller: &mut Caller<'_, T>,
    f: impl FnOnce(&mut VmLogic<T::Ext>, &mut Mem<'_>) -> R,
) -> HostResult<R> {
    charge_fuel(caller)?;
    let memory = caller.data_mut().near().memory;
    let result = match memory {
        Some(m) => {
            let (data, state) = m.data_and_store_mut(&mut *caller);
            f(&mut state.near().logic, &mut Mem(data))
        }
        None => f(&mut caller.data_mut().near().logic, &mut Mem(&mut [])),
    };
    refill_fuel(caller);
    Ok(result)
}

/// Runs one `env` host function; a host error becomes a trap carrying the `HostError`
/// (the executor downcasts it).
fn call_host<T: NearView, R>(
    caller: &mut Caller<'_, T>,
    f: impl FnOnce(&mut VmLogic<T::Ext>, &mut Mem<'_>) -> HostResult<R>,
) -> wasmtime::Result<R> {
    Ok(with_logic(caller, f)??)
}

macro_rules! imports {
    ($($nr:literal $name:ident($($arg:ident: $t:ty),*) -> $ret:ty;)*) => {
        /// Every `env` import provided, by name.
        pub const IMPORTS: &[&str] = &[$(stringify!($name)),*];

        /// Every `env` import with its number in the NEAR syscall range (400–499): the
        /// public syscalls' numbers for the operations they share (`storage_write` is 400,
        /// as `near_storage_write`), the free numbers in order for the rest.
        pub const IMPORT_NUMBERS: &[(u32, &str)] = &[$(($nr, stringify!($name))),*];

        /// Binds every `env` import to `linker`, for any store data that holds a NEAR
        /// execution; each call is announced to the data first ([`NearView::host_call`]).
        pub fn link<T: NearView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
            $(
                linker.func_wrap(
                    "env",
                    stringify!($name),
                    |mut caller: Caller<'_, T>, $($arg: $t),*| -> wasmtime::Result<$ret> {
                        caller.data_mut().host_call($nr);
                        call_host(&mut caller, |logic, mem| logic.$name(mem, $($arg),*))
                    },
                )?;
            )*
            Ok(())
        }
    };
}

imports! {
    // Registers
    404 read_register(register_id: u64, ptr: u64) -> ();
    405 register_len(register_id: u64) -> u64;
    406 write_register(register_id: u64, data_len: u64, data_ptr: u64) -> ();
    // Context
    432 current_account_id(register_id: u64) -> ();
    407 chain_id(register_id: u64) -> ();
    430 signer_account_id(register_id: u64) -> ();
    408 signer_account_pk(register_id: u64) -> ();
    431 predecessor_account_id(register_id: u64) -> ();
    409 refund_to_account_id(register_id: u64) -> ();
    412 input(register_id: u64) -> ();
    440 block_index() -> u64;
    441 block_timestamp() -> u64;
    413 epoch_height() -> u64;
    414 storage_usage() -> u64;
    // Economics
    417 account_balance(balance_ptr: u64) -> ();
    418 account_locked_balance(balance_ptr: u64) -> ();
    419 attached_deposit(balance_ptr: u64) -> ();
    422 prepaid_gas() -> u64;
    423 used_gas() -> u64;
    // Math
    424 random_seed(register_id: u64) -> ();
    450 sha256(value_len: u64, value_ptr: u64, register_id: u64) -> ();
    451 keccak256(value_len: u64, value_ptr: u64, register_id: u64) -> ();
    425 keccak512(value_len: u64, value_ptr: u64, register_id: u64) -> ();
    426 sha3_256(value_len: u64, value_ptr: u64, register_id: u64) -> ();
    427 sha3_384(value_len: u64, value_ptr: u64, register_id: u64) -> ();
    428 sha3_512(value_len: u64, value_ptr: u64, register_id: u64) -> ();
    429 ed25519_verify(sig_len: u64, sig_ptr: u64, msg_len: u64, msg_ptr: u64, pk_len: u64, pk_ptr: u64) -> u64;
    433 p256_verify(sig_len: u64, sig_ptr: u64, msg_len: u64, msg_ptr: u64, pk_len: u64, pk_ptr: u64) -> u64;
    434 ml_dsa_verify(sig_len: u64, sig_ptr: u64, msg_len: u64, msg_ptr: u64, pk_len: u64, pk_ptr: u64) -> u64;
    452 ripemd160(value_len: u64, value_ptr: u64, register_id: u64) -> ();
    435 ecrecover(hash_len: u64, hash_ptr: u64, sig_len: u64, sig_ptr: u64, v: u64, malleability_flag: u64, register_id: u64) -> u64;
    // Miscellaneous
    436 value_return(value_len: u64, value_ptr: u64) -> ();
    437 panic() -> ();
    421 panic_utf8(len: u64, ptr: u64) -> ();
    420 log_utf8(len: u64, ptr: u64) -> ();
    438 log_utf16(len: u64, ptr: u64) -> ();
    439 abort(msg_ptr: u32, filename_ptr: u32, line: u32, col: u32) -> ();
    // Promises
    410 promise_create(acc_len: u64, acc_ptr: u64, m_len: u64, m_ptr: u64, a_len: u64, a_ptr: u64, amount_ptr: u64, gas: u64) -> u64;
    411 promise_then(p: u64, acc_len: u64, acc_ptr: u64, m_len: u64, m_ptr: u64, a_len: u64, a_ptr: u64, amount_ptr: u64, gas: u64) -> u64;
    442 promise_and(promise_idx_ptr: u64, promise_idx_count: u64) -> u64;
    443 promise_batch_create(acc_len: u64, acc_ptr: u64) -> u64;
    444 promise_batch_then(p: u64, acc_len: u64, acc_ptr: u64) -> u64;
    445 promise_set_refund_to(p: u64, acc_len: u64, acc_ptr: u64) -> ();
    446 promise_batch_action_state_init(p: u64, code_len: u64, code_ptr: u64, amount_ptr: u64) -> u64;
    447 promise_batch_action_state_init_by_account_id(p: u64, acc_len: u64, hash_ptr: u64, amount_ptr: u64) -> u64;
    448 set_state_init_data_entry(p: u64, action: u64, k_len: u64, k_ptr: u64, v_len: u64, v_ptr: u64) -> ();
    449 current_contract_code(register_id: u64) -> u64;
    453 universal_state_init_to_account_id(len: u64, ptr: u64, register_id: u64) -> u64;
    454 promise_batch_action_universal_state_init(p: u64, len: u64, ptr: u64, amount_ptr: u64) -> ();
    // Promise actions
    455 promise_batch_action_create_account(p: u64) -> ();
    456 promise_batch_action_deploy_contract(p: u64, code_len: u64, code_ptr: u64) -> ();
    457 promise_batch_action_deploy_global_contract(p: u64, code_len: u64, code_ptr: u64) -> ();
    458 promise_batch_action_deploy_global_contract_by_account_id(p: u64, code_len: u64, code_ptr: u64) -> ();
    459 promise_batch_action_use_global_contract(p: u64, hash_len: u64, hash_ptr: u64) -> ();
    460 promise_batch_action_use_global_contract_by_account_id(p: u64, acc_len: u64, acc_ptr: u64) -> ();
    461 promise_batch_action_function_call(p: u64, m_len: u64, m_ptr: u64, a_len: u64, a_ptr: u64, amount_ptr: u64, gas: u64) -> ();
    462 promise_batch_action_function_call_weight(p: u64, m_len: u64, m_ptr: u64, a_len: u64, a_ptr: u64, amount_ptr: u64, gas: u64, gas_weight: u64) -> ();
    463 promise_batch_action_transfer(p: u64, amount_ptr: u64) -> ();
    464 promise_batch_action_stake(p: u64, amount_ptr: u64, pk_len: u64, pk_ptr: u64) -> ();
    465 promise_batch_action_add_key_with_full_access(p: u64, pk_len: u64, pk_ptr: u64, nonce: u64) -> ();
    466 promise_batch_action_add_key_with_function_call(p: u64, pk_len: u64, pk_ptr: u64, nonce: u64, allowance_ptr: u64, recv_len: u64, recv_ptr: u64, names_len: u64, names_ptr: u64) -> ();
    467 promise_batch_action_delete_key(p: u64, pk_len: u64, pk_ptr: u64) -> ();
    468 promise_batch_action_delete_account(p: u64, b_len: u64, b_ptr: u64) -> ();
    469 promise_batch_action_transfer_to_gas_key(p: u64, pk_len: u64, pk_ptr: u64, amount_ptr: u64) -> ();
    470 promise_batch_action_add_gas_key_with_full_access(p: u64, pk_len: u64, pk_ptr: u64, num_nonces: u64) -> ();
    471 promise_batch_action_add_gas_key_with_function_call(p: u64, pk_len: u64, pk_ptr: u64, num_nonces: u64, allowance_ptr: u64, recv_len: u64, recv_ptr: u64, names_len: u64, names_ptr: u64) -> ();
    // Yield / resume
    415 promise_yield_create(m_len: u64, m_ptr: u64, a_len: u64, a_ptr: u64, gas: u64, gas_weight: u64, register_id: u64) -> u64;
    472 promise_yield_create_with_id(m_len: u64, m_ptr: u64, a_len: u64, a_ptr: u64, amount_ptr: u64, gas: u64, gas_weight: u64, id_len: u64, id_ptr: u64) -> u64;
    416 promise_yield_resume(id_len: u64, id_ptr: u64, p_len: u64, p_ptr: u64) -> u32;
    473 promise_yield_resume_with_yield_id(id_len: u64, id_ptr: u64, p_len: u64, p_ptr: u64) -> u32;
    // Promise results
    474 promise_results_count() -> u64;
    475 promise_result(result_idx: u64, register_id: u64) -> u64;
    476 promise_return(p: u64) -> ();
    // Storage
    400 storage_write(k_len: u64, k_ptr: u64, v_len: u64, v_ptr: u64, register_id: u64) -> u64;
    401 storage_read(k_len: u64, k_ptr: u64, register_id: u64) -> u64;
    402 storage_remove(k_len: u64, k_ptr: u64, register_id: u64) -> u64;
    403 storage_has_key(k_len: u64, k_ptr: u64) -> u64;
    477 storage_iter_prefix(prefix_len: u64, prefix_ptr: u64) -> u64;
    478 storage_iter_range(start_len: u64, start_ptr: u64, end_len: u64, end_ptr: u64) -> u64;
    479 storage_iter_next(iterator_id: u64, key_register_id: u64, value_register_id: u64) -> u64;
    480 gas(opcodes: u32) -> ();
    // Validator
    481 validator_stake(acc_len: u64, acc_ptr: u64, stake_ptr: u64) -> ();
    482 validator_total_stake(stake_ptr: u64) -> ();
    // Alt BN128
    483 alt_bn128_g1_multiexp(value_len: u64, value_ptr: u64, register_id: u64) -> ();
    484 alt_bn128_g1_sum(value_len: u64, value_ptr: u64, register_id: u64) -> ();
    485 alt_bn128_pairing_check(value_len: u64, value_ptr: u64) -> u64;
    // BLS12-381
    486 bls12381_p1_sum(value_len: u64, value_ptr: u64, register_id: u64) -> u64;
    487 bls12381_p2_sum(value_len: u64, value_ptr: u64, register_id: u64) -> u64;
    488 bls12381_g1_multiexp(value_len: u64, value_ptr: u64, register_id: u64) -> u64;
    489 bls12381_g2_multiexp(value_len: u64, value_ptr: u64, register_id: u64) -> u64;
    490 bls12381_map_fp_to_g1(value_len: u64, value_ptr: u64, register_id: u64) -> u64;
    491 bls12381_map_fp2_to_g2(value_len: u64, value_ptr: u64, register_id: u64) -> u64;
    492 bls12381_pairing_check(value_len: u64, value_ptr: u64) -> u64;
    493 bls12381_p1_decompress(value_len: u64, value_ptr: u64, register_id: u64) -> u64;
    494 bls12381_p2_decompress(value_len: u64, value_ptr: u64, register_id: u64) -> u64;
    // Sandbox / test builds of nearcore only
    495 sandbox_debug_log(len: u64, ptr: u64) -> ();
    496 sleep_nanos(duration: u64) -> ();
    497 burn_gas(gas: u64) -> ();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::near::syscalls;

    #[test]
    fn every_import_has_its_own_number_in_the_syscall_range() {
        let mut seen = std::collections::HashSet::new();
        for (nr, name) in IMPORT_NUMBERS {
            assert!((400..500).contains(nr), "{name}: {nr}");
            assert!(seen.insert(*nr), "{name}: {nr} twice");
        }
        assert_eq!(IMPORT_NUMBERS.len(), IMPORTS.len());
        for (public, name) in [
            (syscalls::SYS_NEAR_STORAGE_WRITE, "storage_write"),
            (syscalls::SYS_NEAR_STORAGE_READ, "storage_read"),
            (syscalls::SYS_NEAR_LOG, "log_utf8"),
            (syscalls::SYS_NEAR_CURRENT_ACCOUNT_ID, "current_account_id"),
            (syscalls::SYS_NEAR_RIPEMD160, "ripemd160"),
        ] {
            assert!(IMPORT_NUMBERS.contains(&(public as u32, name)), "{name}");
        }
    }
}

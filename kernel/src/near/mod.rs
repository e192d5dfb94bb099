//! NEAR VM logic: the semantics of every `env` host function of the NEAR runtime, as nearcore's
//! `near-vm-runner` implements them (protocol version 88).
//!
//! [`VmLogic`] holds one execution's state (registers, context, gas, logs, return value,
//! receipts) and reaches contract state only through the [`External`] trait, so it does not
//! care where state lives (the call's transaction in both modes). Host functions take guest
//! memory as a [`Mem`]; nothing here depends on wasmtime except the two tables that bind the
//! logic to a `Linker`, each generic over the store's data ([`NearView`]):
//! - [`imports`]: the `env` table, nearcore's ABI (registers, "memory or register" inputs);
//! - [`syscalls`]: `outlayer.syscall`, numbers 400–499 (memory buffers, `-errno` results).
//!
//! Both are calling conventions over one set of operations (`write_storage`, `hash`,
//! `account_id`, `call_promise`, …) that take their inputs as [`Bytes`] and deliver results
//! to an [`Out`] ([`abi`]), so semantics, limits and gas are written once.
//!
//! Host errors ([`HostError`]) abort the execution, as in nearcore; under the syscall
//! convention the ones a guest can handle come back as `-errno` ([`HostError::errno`]). Logs
//! emitted before an abort are kept. Unimplemented functions (yield/resume, gas keys, state
//! init) are linked and fail when called: see `unsupported.rs`.
//!
//! Differences from nearcore, all about gas: trie-node costs (`touching_trie_node`) are not
//! charged (there is no trie), and wasm instructions are counted by wasmtime fuel (see
//! [`imports`]).

pub mod abi;
mod actions;
mod bls12381;
mod context;
mod crypto;
mod curves;
mod env;
mod errors;
pub mod gas;
pub mod imports;
mod logs;
mod memory;
mod promises;
mod registers;
mod storage;
pub mod syscalls;
mod unsupported;

pub use abi::{Bytes, Out};
pub use context::{Role, VmContext};
pub use crypto::Hash;
pub use errors::{HostError, HostResult};
pub use gas::{Gas, GasCounter, MAX_GAS, REGULAR_OP_COST, TGAS};
pub use imports::{HostState, NearView};
pub use logs::{ReturnData, MAX_NUMBER_LOGS, MAX_RETURNED_DATA, MAX_TOTAL_LOG_LENGTH};
pub use memory::Mem;
pub use promises::{Action, FunctionCall, Permission, Receipt, MAX_PROMISES};
pub use registers::{Registers, MAX_NUMBER_REGISTERS, MAX_REGISTER_SIZE, REGISTERS_MEMORY_LIMIT};
pub use storage::{External, MemExternal, EXTRA_BYTES_RECORD, MAX_KEY_LEN, MAX_VALUE_LEN};

use promises::Promise;

/// One execution of a contract method: everything host functions read and change.
pub struct VmLogic<E: External> {
    ext: E,
    ctx: VmContext,
    gas: GasCounter,
    regs: Registers,
    logs: Vec<String>,
    total_log_len: u64,
    return_data: ReturnData,
    promises: Vec<Promise>,
    receipts: Vec<Receipt>,
    /// Balance available to attach: context balance + attached deposit − what was attached.
    balance: u128,
    /// Live storage usage.
    storage_usage: u64,
}

/// What an execution leaves behind, whether it succeeded or not.
#[derive(Debug)]
pub struct VmOutcome<E> {
    /// The state access (with its buffered writes).
    pub ext: E,
    /// Logs, in order.
    pub logs: Vec<String>,
    /// The return value.
    pub return_data: ReturnData,
    /// Receipts created.
    pub receipts: Vec<Receipt>,
    /// Gas burnt.
    pub gas_burnt: Gas,
    /// Gas burnt plus gas given to receipts.
    pub gas_used: Gas,
    /// Storage usage after the call.
    pub storage_usage: u64,
    /// Balance after the call.
    pub balance: u128,
}

impl<E> VmOutcome<E> {
    /// The outcome without its state access (closing it: a 9P session ends here).
    pub fn without_ext(self) -> VmOutcome<()> {
        VmOutcome {
            ext: (),
            logs: self.logs,
            return_data: self.return_data,
            receipts: self.receipts,
            gas_burnt: self.gas_burnt,
            gas_used: self.gas_used,
            storage_usage: self.storage_usage,
            balance: self.balance,
        }
    }
}

impl<E: External> VmLogic<E> {
    /// A fresh execution over `ext` in context `ctx`.
    pub fn new(ext: E, ctx: VmContext) -> Self {
        let gas = GasCounter::new(ctx.prepaid_gas, ctx.view);
        let balance = ctx.account_balance.saturating_add(ctx.attached_deposit);
        let storage_usage = ctx.storage_usage;
        VmLogic {
            ext,
            ctx,
            gas,
            regs: Registers::default(),
            logs: Vec::new(),
            total_log_len: 0,
            return_data: ReturnData::None,
            promises: Vec::new(),
            receipts: Vec::new(),
            balance,
            storage_usage,
        }
    }

    /// The gas counter (the executor folds wasm instruction counts into it).
    pub fn gas_counter(&mut self) -> &mut GasCounter {
        &mut self.gas
    }

    /// Logs so far.
    pub fn logs(&self) -> &[String] {
        &self.logs
    }

    /// Ends the execution. On success (`ok`) the unused gas is shared among weighted calls.
    pub fn finish(mut self, ok: bool) -> VmOutcome<E> {
        if ok && !self.ctx.view {
            self.distribute_unused_gas();
        }
        VmOutcome {
            ext: self.ext,
            logs: self.logs,
            return_data: self.return_data,
            receipts: self.receipts,
            gas_burnt: self.gas.burnt(),
            gas_used: self.gas.used(),
            storage_usage: self.storage_usage,
            balance: self.balance,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests;

//! The call's context (nearcore `VMContext`) and the host functions that read it: accounts,
//! block, economics (u128 little-endian), gas, random seed.

use super::abi::Out;
use super::errors::{HostError, HostResult};
use super::gas::ext;
use super::memory::Mem;
use super::{External, VmLogic};

/// An account a call knows by its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The account whose contract runs.
    Current,
    /// Who signed the transaction.
    Signer,
    /// Who called.
    Predecessor,
}

/// Everything a call knows about its surroundings.
#[derive(Debug, Clone)]
pub struct VmContext {
    /// The account whose contract runs.
    pub current_account_id: String,
    /// Who signed the transaction.
    pub signer_account_id: String,
    /// The signer's public key, borsh-encoded `PublicKey` (key type byte + key).
    pub signer_account_pk: Vec<u8>,
    /// Who called (the signer for a top-level call).
    pub predecessor_account_id: String,
    /// The method's arguments.
    pub input: Vec<u8>,
    /// Block height (`block_index`).
    pub block_height: u64,
    /// Block timestamp, ns.
    pub block_timestamp: u64,
    /// Epoch height.
    pub epoch_height: u64,
    /// The account's balance before the call (the attached deposit is added on top).
    pub account_balance: u128,
    /// Locked (staked) balance.
    pub account_locked_balance: u128,
    /// Storage usage before the call, bytes.
    pub storage_usage: u64,
    /// Deposit attached to the call, yoctoNEAR.
    pub attached_deposit: u128,
    /// Gas prepaid for the call (ignored for views: they get `MAX_GAS`).
    pub prepaid_gas: u64,
    /// 32 bytes of per-call randomness.
    pub random_seed: Vec<u8>,
    /// A view call: no state changes, no promises, no signer.
    pub view: bool,
    /// The chain id (`chain_id` host function).
    pub chain_id: String,
}

impl<E: External> VmLogic<E> {
    /// Fails with `ProhibitedInView` when this is a view call.
    pub(crate) fn not_in_view(&self, name: &str) -> HostResult<()> {
        if self.ctx.view {
            Err(HostError::ProhibitedInView(name.to_string()))
        } else {
            Ok(())
        }
    }

    fn reg_string(&mut self, register_id: u64, s: Vec<u8>) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        self.set_register(register_id, s)
    }

    /// The id of `role` into `out`; returns its length. The signer and the predecessor are
    /// prohibited in views.
    pub fn account_id(&mut self, mem: &mut Mem<'_>, role: Role, out: Out) -> HostResult<u64> {
        self.gas.burn(ext::BASE)?;
        let id = match role {
            Role::Current => &self.ctx.current_account_id,
            Role::Signer => {
                self.not_in_view("signer_account_id")?;
                &self.ctx.signer_account_id
            }
            Role::Predecessor => {
                self.not_in_view("predecessor_account_id")?;
                &self.ctx.predecessor_account_id
            }
        };
        let id = id.clone().into_bytes();
        self.deliver(mem, out, id)
    }

    /// `chain_id(register_id)`.
    pub fn chain_id(&mut self, _m: &mut Mem<'_>, register_id: u64) -> HostResult<()> {
        self.reg_string(register_id, self.ctx.chain_id.clone().into_bytes())
    }

    /// `signer_account_pk(register_id)`; prohibited in views.
    pub fn signer_account_pk(&mut self, _m: &mut Mem<'_>, register_id: u64) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        self.not_in_view("signer_account_pk")?;
        self.set_register(register_id, self.ctx.signer_account_pk.clone())
    }

    /// `refund_to_account_id(register_id)`: who gets refunds (the predecessor for a
    /// top-level call); prohibited in views.
    pub fn refund_to_account_id(&mut self, _m: &mut Mem<'_>, register_id: u64) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        self.not_in_view("refund_to_account_id")?;
        self.set_register(
            register_id,
            self.ctx.predecessor_account_id.clone().into_bytes(),
        )
    }

    /// `input(register_id)`: the arguments (an empty register when there are none).
    pub fn input(&mut self, _m: &mut Mem<'_>, register_id: u64) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        self.set_register_shared(register_id, self.ctx.input.clone())
    }

    /// `block_index()`: the block height.
    pub fn block_index(&mut self, _m: &mut Mem<'_>) -> HostResult<u64> {
        self.gas.burn(ext::BASE)?;
        Ok(self.ctx.block_height)
    }

    /// `block_timestamp()`, ns.
    pub fn block_timestamp(&mut self, _m: &mut Mem<'_>) -> HostResult<u64> {
        self.gas.burn(ext::BASE)?;
        Ok(self.ctx.block_timestamp)
    }

    /// `epoch_height()`.
    pub fn epoch_height(&mut self, _m: &mut Mem<'_>) -> HostResult<u64> {
        self.gas.burn(ext::BASE)?;
        Ok(self.ctx.epoch_height)
    }

    /// `storage_usage()`: live, including this call's writes.
    pub fn storage_usage(&mut self, _m: &mut Mem<'_>) -> HostResult<u64> {
        self.gas.burn(ext::BASE)?;
        Ok(self.storage_usage)
    }

    fn write_u128(&mut self, mem: &mut Mem<'_>, ptr: u64, v: u128) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        self.write_mem(mem, ptr, &v.to_le_bytes())
    }

    /// `account_balance(ptr)`: balance + attached deposit − deposits given to promises.
    pub fn account_balance(&mut self, mem: &mut Mem<'_>, ptr: u64) -> HostResult<()> {
        self.write_u128(mem, ptr, self.balance)
    }

    /// `account_locked_balance(ptr)`.
    pub fn account_locked_balance(&mut self, mem: &mut Mem<'_>, ptr: u64) -> HostResult<()> {
        self.write_u128(mem, ptr, self.ctx.account_locked_balance)
    }

    /// `attached_deposit(ptr)`; allowed in views (nearcore's code does not check).
    pub fn attached_deposit(&mut self, mem: &mut Mem<'_>, ptr: u64) -> HostResult<()> {
        self.write_u128(mem, ptr, self.ctx.attached_deposit)
    }

    /// `prepaid_gas()`; prohibited in views.
    pub fn prepaid_gas(&mut self, _m: &mut Mem<'_>) -> HostResult<u64> {
        self.gas.burn(ext::BASE)?;
        self.not_in_view("prepaid_gas")?;
        Ok(self.gas.prepaid())
    }

    /// `used_gas()`; prohibited in views.
    pub fn used_gas(&mut self, _m: &mut Mem<'_>) -> HostResult<u64> {
        self.gas.burn(ext::BASE)?;
        self.not_in_view("used_gas")?;
        Ok(self.gas.used())
    }

    /// `random_seed(register_id)`.
    pub fn random_seed(&mut self, _m: &mut Mem<'_>, register_id: u64) -> HostResult<()> {
        self.reg_string(register_id, self.ctx.random_seed.clone())
    }

    /// `validator_stake(account_id_len, account_id_ptr, stake_ptr)`: there are no validators
    /// here, so every stake is 0.
    pub fn validator_stake(
        &mut self,
        mem: &mut Mem<'_>,
        account_len: u64,
        account_ptr: u64,
        stake_ptr: u64,
    ) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        self.read_account_id(mem, account_len, account_ptr)?;
        self.gas.burn(ext::VALIDATOR_STAKE_BASE)?;
        self.write_mem(mem, stake_ptr, &0u128.to_le_bytes())
    }

    /// `validator_total_stake(stake_ptr)`: 0 (no validators).
    pub fn validator_total_stake(&mut self, mem: &mut Mem<'_>, stake_ptr: u64) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        self.gas.burn(ext::VALIDATOR_TOTAL_STAKE_BASE)?;
        self.write_mem(mem, stake_ptr, &0u128.to_le_bytes())
    }

    /// `gas(opcodes)`: the legacy injected counter; burns `opcodes * regular_op_cost`.
    pub fn gas(&mut self, _m: &mut Mem<'_>, opcodes: u32) -> HostResult<()> {
        self.gas
            .pay_per(super::gas::REGULAR_OP_COST, u64::from(opcodes))
    }
}

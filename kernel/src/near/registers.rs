//! Registers (nearcore `logic/vmstate.rs`): host-side byte buffers named by any u64, through
//! which host functions hand variable-length data to the contract.

use std::collections::HashMap;

use super::errors::{HostError, HostResult};
use super::gas::ext;
use super::memory::Mem;
use super::{External, VmLogic};

/// `max_number_registers`.
pub const MAX_NUMBER_REGISTERS: usize = 100;
/// `max_register_size`.
pub const MAX_REGISTER_SIZE: u64 = 104_857_600;
/// `registers_memory_limit`.
pub const REGISTERS_MEMORY_LIMIT: u64 = 1 << 30;

/// The registers of one execution.
#[derive(Debug, Default)]
pub struct Registers {
    regs: HashMap<u64, Vec<u8>>,
    /// Σ (len + 8) over registers, as nearcore counts it.
    total: u64,
}

impl Registers {
    /// The content of register `id`, if set.
    pub fn get(&self, id: u64) -> Option<&[u8]> {
        self.regs.get(&id).map(Vec::as_slice)
    }

    /// Sets register `id`, enforcing nearcore's limits. As in nearcore, the count limit applies
    /// even when `id` is already set (a documented protocol quirk kept for fidelity).
    pub fn set(&mut self, id: u64, data: Vec<u8>) -> HostResult<()> {
        let len = data.len() as u64;
        if len > MAX_REGISTER_SIZE || self.regs.len() >= MAX_NUMBER_REGISTERS {
            return Err(HostError::MemoryAccessViolation);
        }
        let old = self.regs.get(&id).map_or(0, |v| v.len() as u64 + 8);
        let total = self.total - old + len + 8;
        if total > REGISTERS_MEMORY_LIMIT {
            return Err(HostError::MemoryAccessViolation);
        }
        self.total = total;
        self.regs.insert(id, data);
        Ok(())
    }
}

impl<E: External> VmLogic<E> {
    /// Writes `data` into register `id`, paying `write_register_base + byte * len`.
    pub(crate) fn set_register(&mut self, id: u64, data: Vec<u8>) -> HostResult<()> {
        self.gas.burn(ext::WRITE_REGISTER_BASE)?;
        self.gas
            .pay_per(ext::WRITE_REGISTER_BYTE, data.len() as u64)?;
        self.regs.set(id, data)
    }

    /// Like `set_register` for data nearcore shares instead of copying (`input`,
    /// `promise_result`): only `write_register_base` is paid.
    pub(crate) fn set_register_shared(&mut self, id: u64, data: Vec<u8>) -> HostResult<()> {
        self.gas.burn(ext::WRITE_REGISTER_BASE)?;
        self.regs.set(id, data)
    }

    /// Pays for reading register `id` (`read_register_base + byte * len`); its length, or
    /// `InvalidRegisterId` when it was never written.
    pub(crate) fn pay_register_read(&mut self, id: u64) -> HostResult<u64> {
        let len = self
            .regs
            .get(id)
            .ok_or(HostError::InvalidRegisterId(id))?
            .len() as u64;
        self.gas.burn(ext::READ_REGISTER_BASE)?;
        self.gas.pay_per(ext::READ_REGISTER_BYTE, len)?;
        Ok(len)
    }

    /// `read_register(register_id, ptr)`: copies a register into memory.
    pub fn read_register(&mut self, mem: &mut Mem<'_>, id: u64, ptr: u64) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        let len = self.pay_register_read(id)?;
        self.gas.burn(ext::WRITE_MEMORY_BASE)?;
        self.gas.pay_per(ext::WRITE_MEMORY_BYTE, len)?;
        let data = self.regs.get(id).ok_or(HostError::InvalidRegisterId(id))?;
        mem.write(ptr, data)
    }

    /// `register_len(register_id)`: the length, or `u64::MAX` when unset.
    pub fn register_len(&mut self, _mem: &mut Mem<'_>, id: u64) -> HostResult<u64> {
        self.gas.burn(ext::BASE)?;
        Ok(self.regs.get(id).map_or(u64::MAX, |r| r.len() as u64))
    }

    /// `write_register(register_id, data_len, data_ptr)`: memory into a register.
    pub fn write_register(
        &mut self,
        mem: &mut Mem<'_>,
        id: u64,
        len: u64,
        ptr: u64,
    ) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        let data = self.read_mem(mem, ptr, len)?;
        self.set_register(id, data)
    }
}

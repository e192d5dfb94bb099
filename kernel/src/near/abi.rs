//! Calling conventions: where a host operation's inputs come from and where its results go.
//!
//! The operations of [`VmLogic`] (storage, hashing, account ids, promises) take their byte
//! inputs as [`Bytes`] and deliver byte results to an [`Out`], so one implementation of the
//! semantics, limits and gas serves every way of reaching it:
//! - `env` (nearcore's ABI, [`super::imports`]): inputs are "memory or register"
//!   ([`Bytes::env`]: a length of `u64::MAX` names a register), results go to registers;
//! - the `outlayer.syscall` table ([`super::syscalls`]): inputs are memory ranges or values
//!   the syscall layer decoded itself, results are copied into a caller-supplied buffer.

use super::errors::{HostError, HostResult};
use super::memory::Mem;
use super::{External, VmLogic};

/// Where a byte input comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bytes {
    /// `len` bytes of guest memory at `ptr` (paid as a memory read).
    Memory {
        /// Guest address.
        ptr: u64,
        /// Length in bytes.
        len: u64,
    },
    /// The contents of a register (paid as a register read).
    Register(u64),
    /// Bytes the caller already holds (decoded from an input that was paid for).
    Given(Vec<u8>),
}

impl Bytes {
    /// nearcore's "memory or register" input: `len == u64::MAX` means register `ptr`.
    pub fn env(len: u64, ptr: u64) -> Self {
        if len == u64::MAX {
            Bytes::Register(ptr)
        } else {
            Bytes::Memory { ptr, len }
        }
    }
}

/// Where a byte result goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Out {
    /// Into a register (paid as a register write).
    Register(u64),
    /// Copied into guest memory, at most `cap` bytes (paid as a memory write of what is
    /// copied); the caller learns the full length.
    Memory {
        /// Guest address of the buffer.
        ptr: u64,
        /// The buffer's size.
        cap: u64,
    },
    /// Nowhere: the caller does not want it.
    Discard,
}

impl<E: External> VmLogic<E> {
    /// Reads an input, paying for it as its location says.
    pub fn read_bytes(&mut self, mem: &Mem<'_>, input: Bytes) -> HostResult<Vec<u8>> {
        match input {
            Bytes::Memory { ptr, len } => self.read_mem(mem, ptr, len),
            Bytes::Register(id) => {
                self.pay_register_read(id)?;
                let data = self.regs.get(id).ok_or(HostError::InvalidRegisterId(id))?;
                Ok(data.to_vec())
            }
            Bytes::Given(b) => Ok(b),
        }
    }

    /// Delivers a result; returns its full length.
    pub fn deliver(&mut self, mem: &mut Mem<'_>, out: Out, data: Vec<u8>) -> HostResult<u64> {
        let len = data.len() as u64;
        match out {
            Out::Register(id) => self.set_register(id, data)?,
            Out::Memory { ptr, cap } => {
                let n = len.min(cap) as usize;
                self.write_mem(mem, ptr, &data[..n])?;
            }
            Out::Discard => {}
        }
        Ok(len)
    }

    /// A u128 input as 16 little-endian bytes.
    pub(crate) fn read_u128_from(&mut self, mem: &Mem<'_>, input: Bytes) -> HostResult<u128> {
        let b = self.read_bytes(mem, input)?;
        let a: [u8; 16] = b
            .as_slice()
            .try_into()
            .map_err(|_| HostError::MemoryAccessViolation)?;
        Ok(u128::from_le_bytes(a))
    }
}

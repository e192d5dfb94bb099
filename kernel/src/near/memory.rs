//! Guest linear memory as host functions see it, and the reads every host function shares:
//! plain memory ranges and nearcore's "memory or register" inputs.

use super::abi::Bytes;
use super::errors::{HostError, HostResult};
use super::gas::ext;
use super::{External, VmLogic};

/// A view of the contract's linear memory for the duration of one host call.
pub struct Mem<'a>(pub &'a mut [u8]);

impl Mem<'_> {
    fn range(&self, ptr: u64, len: u64) -> HostResult<std::ops::Range<usize>> {
        let end = ptr
            .checked_add(len)
            .ok_or(HostError::MemoryAccessViolation)?;
        if end > self.0.len() as u64 {
            return Err(HostError::MemoryAccessViolation);
        }
        // Both fit in usize: end ≤ the memory's length.
        Ok(ptr as usize..end as usize)
    }

    /// `len` bytes at `ptr`, or `MemoryAccessViolation`.
    pub fn view(&self, ptr: u64, len: u64) -> HostResult<&[u8]> {
        let r = self.range(ptr, len)?;
        Ok(&self.0[r])
    }

    /// Copies `data` to `ptr`, or `MemoryAccessViolation`.
    pub fn write(&mut self, ptr: u64, data: &[u8]) -> HostResult<()> {
        let r = self.range(ptr, data.len() as u64)?;
        self.0[r].copy_from_slice(data);
        Ok(())
    }
}

impl<E: External> VmLogic<E> {
    /// Reads `len` bytes at `ptr`, paying `read_memory_base + byte * len`.
    pub(crate) fn read_mem(&mut self, mem: &Mem<'_>, ptr: u64, len: u64) -> HostResult<Vec<u8>> {
        self.gas.burn(ext::READ_MEMORY_BASE)?;
        self.gas.pay_per(ext::READ_MEMORY_BYTE, len)?;
        Ok(mem.view(ptr, len)?.to_vec())
    }

    /// Writes `data` at `ptr`, paying `write_memory_base + byte * len`.
    pub(crate) fn write_mem(&mut self, mem: &mut Mem<'_>, ptr: u64, data: &[u8]) -> HostResult<()> {
        self.gas.burn(ext::WRITE_MEMORY_BASE)?;
        self.gas
            .pay_per(ext::WRITE_MEMORY_BYTE, data.len() as u64)?;
        mem.write(ptr, data)
    }

    /// A "memory or register" input: with `len == u64::MAX`, `ptr` names a register.
    pub(crate) fn mem_or_reg(&mut self, mem: &Mem<'_>, len: u64, ptr: u64) -> HostResult<Vec<u8>> {
        self.read_bytes(mem, Bytes::env(len, ptr))
    }

    /// A u128 read as 16 little-endian bytes at `ptr`.
    pub(crate) fn read_u128(&mut self, mem: &Mem<'_>, ptr: u64) -> HostResult<u128> {
        self.read_u128_from(mem, Bytes::Memory { ptr, len: 16 })
    }

    /// A UTF-8 string for logs and panics (nearcore `get_utf8_string`): bounded by what is
    /// left of `max_total_log_length`; `len == u64::MAX` means NUL-terminated.
    pub(crate) fn read_utf8(&mut self, mem: &Mem<'_>, len: u64, ptr: u64) -> HostResult<String> {
        self.gas.burn(ext::UTF8_DECODING_BASE)?;
        let max_len = super::logs::MAX_TOTAL_LOG_LENGTH.saturating_sub(self.total_log_len);
        let buf = if len != u64::MAX {
            if len > max_len {
                return Err(HostError::TotalLogLengthExceeded(
                    self.total_log_len.saturating_add(len),
                ));
            }
            self.read_mem(mem, ptr, len)?
        } else {
            let mut buf = Vec::new();
            loop {
                let at = ptr
                    .checked_add(buf.len() as u64)
                    .ok_or(HostError::MemoryAccessViolation)?;
                let b = self.read_mem(mem, at, 1)?[0];
                if b == 0 {
                    break;
                }
                buf.push(b);
                if buf.len() as u64 > max_len {
                    return Err(HostError::TotalLogLengthExceeded(
                        self.total_log_len.saturating_add(buf.len() as u64),
                    ));
                }
            }
            buf
        };
        self.gas
            .pay_per(ext::UTF8_DECODING_BYTE, buf.len() as u64)?;
        String::from_utf8(buf).map_err(|_| HostError::BadUtf8)
    }

    /// A UTF-16LE string (`len` in bytes; `u64::MAX`: terminated by a 0 unit).
    pub(crate) fn read_utf16(&mut self, mem: &Mem<'_>, len: u64, ptr: u64) -> HostResult<String> {
        self.gas.burn(ext::UTF16_DECODING_BASE)?;
        let max_len = super::logs::MAX_TOTAL_LOG_LENGTH.saturating_sub(self.total_log_len);
        let mut units = Vec::new();
        if len != u64::MAX {
            if !len.is_multiple_of(2) {
                return Err(HostError::BadUtf16);
            }
            if len > max_len {
                return Err(HostError::TotalLogLengthExceeded(
                    self.total_log_len.saturating_add(len),
                ));
            }
            let b = self.read_mem(mem, ptr, len)?;
            units.extend(b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])));
        } else {
            loop {
                let off = (units.len() as u64) * 2;
                let at = ptr
                    .checked_add(off)
                    .ok_or(HostError::MemoryAccessViolation)?;
                let b = self.read_mem(mem, at, 2)?;
                let u = u16::from_le_bytes([b[0], b[1]]);
                if u == 0 {
                    break;
                }
                units.push(u);
                if (units.len() as u64) * 2 > max_len {
                    return Err(HostError::TotalLogLengthExceeded(
                        self.total_log_len.saturating_add(units.len() as u64 * 2),
                    ));
                }
            }
        }
        self.gas
            .pay_per(ext::UTF16_DECODING_BYTE, units.len() as u64 * 2)?;
        String::from_utf16(&units).map_err(|_| HostError::BadUtf16)
    }
}

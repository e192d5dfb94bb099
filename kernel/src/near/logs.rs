//! Return value, logs, panics and `abort`.

use super::errors::{HostError, HostResult};
use super::gas::ext;
use super::memory::Mem;
use super::{External, VmLogic};

/// `max_number_logs`.
pub const MAX_NUMBER_LOGS: usize = 100;
/// `max_total_log_length`, bytes.
pub const MAX_TOTAL_LOG_LENGTH: u64 = 16_384;
/// `max_length_returned_data`, bytes.
pub const MAX_RETURNED_DATA: u64 = 4 << 20;

/// What the call returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ReturnData {
    /// Nothing returned.
    #[default]
    None,
    /// `value_return` bytes.
    Value(Vec<u8>),
    /// `promise_return`: the result is that of the receipt at this index.
    ReceiptIndex(u64),
}

impl<E: External> VmLogic<E> {
    fn check_can_add_log(&self) -> HostResult<()> {
        if self.logs.len() >= MAX_NUMBER_LOGS {
            return Err(HostError::NumberOfLogsExceeded);
        }
        Ok(())
    }

    fn push_log(&mut self, message: String) -> HostResult<()> {
        let total = self.total_log_len.saturating_add(message.len() as u64);
        if total > MAX_TOTAL_LOG_LENGTH {
            return Err(HostError::TotalLogLengthExceeded(total));
        }
        self.total_log_len = total;
        self.logs.push(message);
        Ok(())
    }

    /// `value_return(value_len, value_ptr)`: sets the return value (last call wins).
    pub fn value_return(&mut self, mem: &mut Mem<'_>, len: u64, ptr: u64) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        let value = self.mem_or_reg(mem, len, ptr)?;
        if value.len() as u64 > MAX_RETURNED_DATA {
            return Err(HostError::ReturnedValueLengthExceeded(value.len() as u64));
        }
        // A top-level call has no output data receivers, so no per-byte data-receipt fee.
        self.return_data = ReturnData::Value(value);
        Ok(())
    }

    /// `log_utf8(len, ptr)`.
    pub fn log_utf8(&mut self, mem: &mut Mem<'_>, len: u64, ptr: u64) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        self.check_can_add_log()?;
        let message = self.read_utf8(mem, len, ptr)?;
        self.gas.burn(ext::LOG_BASE)?;
        self.gas.pay_per(ext::LOG_BYTE, message.len() as u64)?;
        self.push_log(message)
    }

    /// `log_utf16(len, ptr)`: `len` in bytes of little-endian u16 units.
    pub fn log_utf16(&mut self, mem: &mut Mem<'_>, len: u64, ptr: u64) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        self.check_can_add_log()?;
        let message = self.read_utf16(mem, len, ptr)?;
        self.gas.burn(ext::LOG_BASE)?;
        self.gas.pay_per(ext::LOG_BYTE, message.len() as u64)?;
        self.push_log(message)
    }

    /// `panic()`: aborts with "explicit guest panic".
    pub fn panic(&mut self, _m: &mut Mem<'_>) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        Err(HostError::GuestPanic("explicit guest panic".into()))
    }

    /// `panic_utf8(len, ptr)`: aborts with the message (not added to the logs).
    pub fn panic_utf8(&mut self, mem: &mut Mem<'_>, len: u64, ptr: u64) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        let message = self.read_utf8(mem, len, ptr)?;
        Err(HostError::GuestPanic(message))
    }

    /// `abort(msg_ptr, filename_ptr, line, col)` (AssemblyScript): strings are UTF-16 with
    /// their byte length in the u32 before them. Logs `ABORT: …` and aborts.
    pub fn abort(
        &mut self,
        mem: &mut Mem<'_>,
        msg_ptr: u32,
        filename_ptr: u32,
        line: u32,
        col: u32,
    ) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        if msg_ptr < 4 || filename_ptr < 4 {
            return Err(HostError::BadUtf16);
        }
        self.check_can_add_log()?;
        let msg = self.read_as_string(mem, msg_ptr)?;
        let filename = self.read_as_string(mem, filename_ptr)?;
        let message = format!("{msg}, filename: \"{filename}\" line: {line} col: {col}");
        self.gas.burn(ext::LOG_BASE)?;
        self.gas.pay_per(ext::LOG_BYTE, message.len() as u64)?;
        self.push_log(format!("ABORT: {message}"))?;
        Err(HostError::GuestPanic(message))
    }

    fn read_as_string(&mut self, mem: &Mem<'_>, ptr: u32) -> HostResult<String> {
        let len_bytes = self.read_mem(mem, u64::from(ptr) - 4, 4)?;
        let len = u32::from_le_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
        self.read_utf16(mem, u64::from(len), u64::from(ptr))
    }
}

//! The guest's linear memory as WASI calls see it: every access bounds-checked, typed
//! accesses alignment-checked, and a failed check is a trap ([`GuestError::Fault`]), as wiggle
//! makes it in wasmtime-wasi.

use super::{Fail, WasiResult};
use crate::linux::errno::Errno;

/// What the guest passed that wasmtime-wasi's bindings trap on, before or during a call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuestError {
    /// A pointer out of bounds or misaligned.
    #[error("guest pointer {ptr:#x} (+{len} bytes) is out of bounds or misaligned")]
    Fault {
        /// The address.
        ptr: u64,
        /// The length accessed.
        len: u64,
    },
    /// A flags argument with unknown bits, or an enum argument past its last value.
    #[error("invalid {what} argument {value:#x}")]
    BadArgument {
        /// The argument's type.
        what: &'static str,
        /// Its value.
        value: u64,
    },
    /// `proc_exit` with a status WASI does not allow.
    #[error("exit with invalid exit status {0}, outside of [0..126)")]
    BadExitStatus(u32),
}

fn fault(ptr: u32, len: u64) -> Fail {
    Fail::Trap(
        GuestError::Fault {
            ptr: u64::from(ptr),
            len,
        }
        .into(),
    )
}

/// The guest's memory during one call.
pub struct Mem<'a>(&'a mut [u8]);

impl<'a> Mem<'a> {
    /// Wraps the memory's bytes.
    pub fn new(data: &'a mut [u8]) -> Self {
        Mem(data)
    }

    fn range(&self, ptr: u32, len: u32) -> WasiResult<std::ops::Range<usize>> {
        let start = ptr as usize;
        let end = start
            .checked_add(len as usize)
            .filter(|&e| e <= self.0.len())
            .ok_or_else(|| fault(ptr, u64::from(len)))?;
        Ok(start..end)
    }

    /// `len` bytes at `ptr`.
    pub fn slice(&self, ptr: u32, len: u32) -> WasiResult<&[u8]> {
        let r = self.range(ptr, len)?;
        Ok(&self.0[r])
    }

    /// `len` bytes at `ptr`, writable.
    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> WasiResult<&mut [u8]> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.0[r])
    }

    fn aligned<const N: usize>(&self, ptr: u32) -> WasiResult<std::ops::Range<usize>> {
        if !(ptr as usize).is_multiple_of(N) {
            return Err(fault(ptr, N as u64));
        }
        self.range(ptr, N as u32)
    }

    /// A `u32` at `ptr`.
    pub fn read_u32(&self, ptr: u32) -> WasiResult<u32> {
        let r = self.aligned::<4>(ptr)?;
        let mut b = [0u8; 4];
        b.copy_from_slice(&self.0[r]);
        Ok(u32::from_le_bytes(b))
    }

    /// A `u64` at `ptr`.
    pub fn read_u64(&self, ptr: u32) -> WasiResult<u64> {
        let r = self.aligned::<8>(ptr)?;
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.0[r]);
        Ok(u64::from_le_bytes(b))
    }

    /// A `u8` at `ptr`.
    pub fn read_u8(&self, ptr: u32) -> WasiResult<u8> {
        Ok(self.slice(ptr, 1)?[0])
    }

    /// A `u16` at `ptr`.
    pub fn read_u16(&self, ptr: u32) -> WasiResult<u16> {
        let r = self.aligned::<2>(ptr)?;
        Ok(u16::from_le_bytes([self.0[r.start], self.0[r.start + 1]]))
    }

    /// Writes `bytes` at `ptr`.
    pub fn write(&mut self, ptr: u32, bytes: &[u8]) -> WasiResult<()> {
        let len = u32::try_from(bytes.len()).map_err(|_| fault(ptr, bytes.len() as u64))?;
        self.slice_mut(ptr, len)?.copy_from_slice(bytes);
        Ok(())
    }

    /// Writes a `u8`.
    pub fn write_u8(&mut self, ptr: u32, v: u8) -> WasiResult<()> {
        self.write(ptr, &[v])
    }

    /// Writes a `u16`.
    pub fn write_u16(&mut self, ptr: u32, v: u16) -> WasiResult<()> {
        let r = self.aligned::<2>(ptr)?;
        self.0[r].copy_from_slice(&v.to_le_bytes());
        Ok(())
    }

    /// Writes a `u32`.
    pub fn write_u32(&mut self, ptr: u32, v: u32) -> WasiResult<()> {
        let r = self.aligned::<4>(ptr)?;
        self.0[r].copy_from_slice(&v.to_le_bytes());
        Ok(())
    }

    /// Writes a `u64`.
    pub fn write_u64(&mut self, ptr: u32, v: u64) -> WasiResult<()> {
        let r = self.aligned::<8>(ptr)?;
        self.0[r].copy_from_slice(&v.to_le_bytes());
        Ok(())
    }

    /// The UTF-8 string at `ptr` (`ILSEQ` when it is not UTF-8, as wasmtime answers).
    pub fn string(&self, ptr: u32, len: u32) -> WasiResult<Vec<u8>> {
        let bytes = self.slice(ptr, len)?;
        std::str::from_utf8(bytes).map_err(|_| Errno::ILSEQ)?;
        Ok(bytes.to_vec())
    }

    /// The first non-empty buffer of the iovec array at `iovs` (an empty one when all are),
    /// as `(ptr, len)`: wasmtime-wasi's preview1 moves one buffer per call.
    pub fn first_iovec(&self, iovs: u32, count: u32) -> WasiResult<(u32, u32)> {
        for i in 0..count {
            let at = i
                .checked_mul(8)
                .and_then(|o| iovs.checked_add(o))
                .ok_or_else(|| fault(iovs, u64::from(count) * 8))?;
            let (ptr, len) = (self.read_u32(at)?, self.read_u32(at + 4)?);
            if len != 0 {
                self.range(ptr, len)?;
                return Ok((ptr, len));
            }
        }
        // The array itself must be in bounds even when every buffer is empty.
        self.range(iovs, count.saturating_mul(8))?;
        Ok((0, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_bounds_and_misaligned_accesses_trap() {
        let mut buf = vec![0u8; 16];
        let mut m = Mem::new(&mut buf);
        assert!(m.write_u64(8, 7).is_ok());
        assert_eq!(m.read_u64(8).ok(), Some(7));
        assert!(matches!(m.write_u64(12, 1), Err(Fail::Trap(_))));
        assert!(matches!(m.read_u32(2), Err(Fail::Trap(_))));
        assert!(matches!(m.slice(10, 7), Err(Fail::Trap(_))));
        assert!(matches!(m.slice(u32::MAX, 2), Err(Fail::Trap(_))));
        m.write(0, &[0xff, 0xfe]).ok();
        assert!(matches!(m.string(0, 2), Err(Fail::Errno(Errno::ILSEQ))));
        // iovec {ptr 0, len 0}, {ptr 4, len 2}
        m.write_u32(8, 4).ok();
        m.write_u32(12, 2).ok();
        assert_eq!(m.first_iovec(0, 2).ok(), Some((4, 2)));
    }
}

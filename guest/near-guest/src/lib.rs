//! NEAR syscalls for Rust programs run as outlayer guest-kernel tasks (linux mode): safe
//! wrappers of the `outlayer.syscall` import (numbers 400–452, the table of
//! `guest/include/near/syscall.h`). Storage goes through the task's `/near/state`, so a
//! key written here is a file there and the other way round.
//!
//! ```no_run
//! let count: u64 = near_guest::storage::read(b"count")
//!     .ok()
//!     .flatten()
//!     .and_then(|v| String::from_utf8(v).ok()?.parse().ok())
//!     .unwrap_or(0);
//! near_guest::storage::write(b"count", (count + 1).to_string().as_bytes()).ok();
//! near_guest::log(&format!("count = {}", count + 1));
//! ```

#![warn(missing_docs)]

/// A failed syscall: the Linux errno it answered (`ENOENT` 2, `EFAULT` 14, `EINVAL` 22,
/// `EFBIG` 27, `EPERM` 1, `ENOSYS` 38, `EILSEQ` 84).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i64);

/// A syscall's result.
pub type Result<T> = core::result::Result<T, Errno>;

/// The syscall numbers.
pub mod nr {
    /// `near_storage_write(key, key_len, value, value_len)`.
    pub const STORAGE_WRITE: i64 = 400;
    /// `near_storage_read(key, key_len, buf, buf_len)`.
    pub const STORAGE_READ: i64 = 401;
    /// `near_storage_remove(key, key_len)`.
    pub const STORAGE_REMOVE: i64 = 402;
    /// `near_storage_has_key(key, key_len)`.
    pub const STORAGE_HAS_KEY: i64 = 403;
    /// `near_log(msg, msg_len)`.
    pub const LOG: i64 = 420;
    /// `near_panic(msg, msg_len)`.
    pub const PANIC: i64 = 421;
    /// `near_signer_id(buf, buf_len)`.
    pub const SIGNER_ID: i64 = 430;
    /// `near_predecessor_id(buf, buf_len)`.
    pub const PREDECESSOR_ID: i64 = 431;
    /// `near_current_account_id(buf, buf_len)`.
    pub const CURRENT_ACCOUNT_ID: i64 = 432;
    /// `near_block_index()`.
    pub const BLOCK_INDEX: i64 = 440;
    /// `near_block_timestamp()`.
    pub const BLOCK_TIMESTAMP: i64 = 441;
    /// `near_sha256(data, len, out)`.
    pub const SHA256: i64 = 450;
    /// `near_keccak256(data, len, out)`.
    pub const KECCAK256: i64 = 451;
    /// `near_ripemd160(data, len, out)`.
    pub const RIPEMD160: i64 = 452;
}

#[link(wasm_import_module = "outlayer")]
extern "C" {
    #[link_name = "syscall"]
    fn outlayer_syscall(nr: i64, a0: i64, a1: i64, a2: i64, a3: i64, a4: i64, a5: i64) -> i64;
}

/// Calls syscall `nr` with up to six arguments (pointers and lengths as guest addresses).
///
/// # Safety
/// Every pointer argument must point into memory valid for the length the syscall reads or
/// writes there.
pub unsafe fn raw(nr: i64, args: [i64; 6]) -> Result<i64> {
    // SAFETY: the caller vouches for the pointers.
    let r = unsafe { outlayer_syscall(nr, args[0], args[1], args[2], args[3], args[4], args[5]) };
    if r < 0 {
        Err(Errno(-r))
    } else {
        Ok(r)
    }
}

fn addr(b: &[u8]) -> i64 {
    b.as_ptr() as usize as i64
}

/// The address of a buffer the syscall writes (taken from a unique borrow).
fn addr_mut(b: &mut [u8]) -> i64 {
    b.as_mut_ptr() as usize as i64
}

fn len(b: &[u8]) -> i64 {
    b.len() as i64
}

/// Runs `call` with a buffer of `first` bytes, and once more with a buffer of the length
/// it answers when that was more: the value, whole.
fn read_into(first: usize, mut call: impl FnMut(&mut [u8]) -> Result<i64>) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; first];
    loop {
        let n = call(&mut buf)? as usize;
        if n <= buf.len() {
            buf.truncate(n);
            return Ok(buf);
        }
        buf = vec![0u8; n];
    }
}

/// Account state through the NEAR storage syscalls.
pub mod storage {
    use super::*;

    /// Sets `key` to `value`; true when it replaced a value.
    pub fn write(key: &[u8], value: &[u8]) -> Result<bool> {
        // SAFETY: both slices with their lengths.
        let r = unsafe { raw(nr::STORAGE_WRITE, [addr(key), len(key), addr(value), len(value), 0, 0])? };
        Ok(r == 1)
    }

    /// The value of `key`, `None` when it has none.
    pub fn read(key: &[u8]) -> Result<Option<Vec<u8>>> {
        let call = |b: &mut [u8]| {
            // SAFETY: `key` and the buffer, with their lengths.
            unsafe { raw(nr::STORAGE_READ, [addr(key), len(key), addr_mut(b), len(b), 0, 0]) }
        };
        match read_into(256, call) {
            Ok(v) => Ok(Some(v)),
            Err(Errno(2)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes `key`; true when it had a value.
    pub fn remove(key: &[u8]) -> Result<bool> {
        // SAFETY: the slice with its length.
        let r = unsafe { raw(nr::STORAGE_REMOVE, [addr(key), len(key), 0, 0, 0, 0])? };
        Ok(r == 1)
    }

    /// Whether `key` has a value.
    pub fn has_key(key: &[u8]) -> Result<bool> {
        // SAFETY: the slice with its length.
        let r = unsafe { raw(nr::STORAGE_HAS_KEY, [addr(key), len(key), 0, 0, 0, 0])? };
        Ok(r == 1)
    }
}

/// Adds `msg` to the call's logs.
pub fn log(msg: &str) {
    let m = msg.as_bytes();
    // SAFETY: the slice with its length. A log past NEAR's limits aborts the call.
    let _ = unsafe { raw(nr::LOG, [addr(m), len(m), 0, 0, 0, 0]) };
}

/// Aborts the call with `msg` (the outcome's `GuestPanic`).
pub fn panic(msg: &str) -> ! {
    let m = msg.as_bytes();
    // SAFETY: the slice with its length; the syscall does not return.
    let _ = unsafe { raw(nr::PANIC, [addr(m), len(m), 0, 0, 0, 0]) };
    unreachable!("near_panic returned")
}

fn account(nr: i64) -> String {
    let call = |b: &mut [u8]| {
        // SAFETY: the buffer with its length.
        unsafe { raw(nr, [addr_mut(b), len(b), 0, 0, 0, 0]) }
    };
    let id = read_into(64, call).unwrap_or_default();
    String::from_utf8_lossy(&id).into_owned()
}

/// The account whose state is `/near/state`.
pub fn current_account_id() -> String {
    account(nr::CURRENT_ACCOUNT_ID)
}

/// Who signed the call.
pub fn signer_id() -> String {
    account(nr::SIGNER_ID)
}

/// Who called.
pub fn predecessor_id() -> String {
    account(nr::PREDECESSOR_ID)
}

/// The block height.
pub fn block_index() -> u64 {
    // SAFETY: no pointers.
    unsafe { raw(nr::BLOCK_INDEX, [0; 6]) }.map_or(0, |v| v as u64)
}

/// The block timestamp, ns.
pub fn block_timestamp() -> u64 {
    // SAFETY: no pointers.
    unsafe { raw(nr::BLOCK_TIMESTAMP, [0; 6]) }.map_or(0, |v| v as u64)
}

fn hash<const N: usize>(nr: i64, data: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    // SAFETY: `data` with its length, and `out` with the digest's length.
    let _ = unsafe { raw(nr, [addr(data), len(data), addr_mut(&mut out), 0, 0, 0]) };
    out
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    hash(nr::SHA256, data)
}

/// Keccak-256 of `data`.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    hash(nr::KECCAK256, data)
}

/// RIPEMD-160 of `data`.
pub fn ripemd160(data: &[u8]) -> [u8; 20] {
    hash(nr::RIPEMD160, data)
}

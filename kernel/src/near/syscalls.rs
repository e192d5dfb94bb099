//! The NEAR syscall table (numbers 400–499), reached through one import, module `outlayer`,
//! `syscall(nr, a0, a1, a2, a3, a4, a5) -> i64` (see `guest/include/near/syscall.h`).
//!
//! A second calling convention over the same operations of [`VmLogic`] as the `env` table
//! ([`super::imports`]): same semantics, limits and gas, but inputs are plain memory ranges,
//! results are copied into caller buffers, and a failure the guest can handle comes back as
//! `-errno` ([`HostError::errno`]) instead of aborting the call. Gas exhaustion, panics and
//! broken storage abort in both conventions.

use serde::Deserialize;
use wasmtime::{Caller, Linker};

use super::abi::{Bytes, Out};
use super::context::Role;
use super::crypto::Hash;
use super::errors::{HostError, HostResult};
use super::imports::{with_logic, NearView};
use super::memory::Mem;
use super::promises::FunctionCall;
use super::{External, Gas, VmLogic};

/// `near_storage_write(key, key_len, value, value_len)`: 1 replaced, 0 new.
pub const SYS_NEAR_STORAGE_WRITE: i64 = 400;
/// `near_storage_read(key, key_len, buf, buf_len)`: the value's length (copies the first
/// `buf_len` bytes), `-ENOENT` when absent.
pub const SYS_NEAR_STORAGE_READ: i64 = 401;
/// `near_storage_remove(key, key_len)`: 1 removed, 0 absent.
pub const SYS_NEAR_STORAGE_REMOVE: i64 = 402;
/// `near_storage_has_key(key, key_len)`: 1 or 0.
pub const SYS_NEAR_STORAGE_HAS_KEY: i64 = 403;
/// `near_promise_create(spec, spec_len)`: a promise index; `spec` is JSON.
pub const SYS_NEAR_PROMISE_CREATE: i64 = 410;
/// `near_promise_then(promise, spec, spec_len)`: a promise index.
pub const SYS_NEAR_PROMISE_THEN: i64 = 411;
/// `near_yield_create(spec, spec_len)`: unsupported, as in direct mode.
pub const SYS_NEAR_YIELD_CREATE: i64 = 415;
/// `near_yield_resume(data_id, data_id_len, payload, payload_len)`: unsupported.
pub const SYS_NEAR_YIELD_RESUME: i64 = 416;
/// `near_log(msg, msg_len)`: 0.
pub const SYS_NEAR_LOG: i64 = 420;
/// `near_panic(msg, msg_len)`: does not return.
pub const SYS_NEAR_PANIC: i64 = 421;
/// `near_signer_id(buf, buf_len)`: the id's length.
pub const SYS_NEAR_SIGNER_ID: i64 = 430;
/// `near_predecessor_id(buf, buf_len)`: the id's length.
pub const SYS_NEAR_PREDECESSOR_ID: i64 = 431;
/// `near_current_account_id(buf, buf_len)`: the id's length.
pub const SYS_NEAR_CURRENT_ACCOUNT_ID: i64 = 432;
/// `near_block_index()`: the block height.
pub const SYS_NEAR_BLOCK_INDEX: i64 = 440;
/// `near_block_timestamp()`: nanoseconds.
pub const SYS_NEAR_BLOCK_TIMESTAMP: i64 = 441;
/// `near_sha256(data, len, out)`: 0; 32 bytes at `out`.
pub const SYS_NEAR_SHA256: i64 = 450;
/// `near_keccak256(data, len, out)`: 0; 32 bytes at `out`.
pub const SYS_NEAR_KECCAK256: i64 = 451;
/// `near_ripemd160(data, len, out)`: 0; 20 bytes at `out`.
pub const SYS_NEAR_RIPEMD160: i64 = 452;

/// A function call as `near_promise_create`/`_then` describe it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PromiseSpec {
    receiver_id: String,
    method_name: String,
    /// A JSON string is passed as its bytes; any other value as its JSON text.
    #[serde(default)]
    args: serde_json::Value,
    /// yoctoNEAR, a decimal string (u128 does not fit a JSON number) or a number.
    #[serde(default)]
    amount: Amount,
    gas: Gas,
}

#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum Amount {
    #[default]
    Zero,
    Number(u64),
    Decimal(String),
}

impl PromiseSpec {
    fn parse(raw: &[u8]) -> HostResult<Self> {
        serde_json::from_slice(raw).map_err(|_| HostError::Errno(libc::EINVAL))
    }

    fn into_call(self) -> HostResult<(Bytes, FunctionCall)> {
        let amount: u128 = match self.amount {
            Amount::Zero => 0,
            Amount::Number(n) => n.into(),
            Amount::Decimal(s) => s.parse().map_err(|_| HostError::Errno(libc::EINVAL))?,
        };
        let args = match self.args {
            serde_json::Value::Null => Vec::new(),
            serde_json::Value::String(s) => s.into_bytes(),
            v => v.to_string().into_bytes(),
        };
        let call = FunctionCall {
            method: Bytes::Given(self.method_name.into_bytes()),
            args: Bytes::Given(args),
            amount: Bytes::Given(amount.to_le_bytes().to_vec()),
            gas: self.gas,
        };
        Ok((Bytes::Given(self.receiver_id.into_bytes()), call))
    }
}

/// A guest address or length: a negative value is out of any memory.
fn addr(v: i64) -> u64 {
    v as u64
}

fn mem(ptr: i64, len: i64) -> Bytes {
    Bytes::Memory {
        ptr: addr(ptr),
        len: addr(len),
    }
}

fn buf(ptr: i64, cap: i64) -> Out {
    Out::Memory {
        ptr: addr(ptr),
        cap: addr(cap),
    }
}

fn count(v: u64) -> HostResult<i64> {
    i64::try_from(v).map_err(|_| HostError::IntegerOverflow)
}

/// Runs syscall `nr`. `Ok` is what the guest gets, `-errno` included; `Err` aborts the call.
pub fn dispatch<E: External>(
    logic: &mut VmLogic<E>,
    m: &mut Mem<'_>,
    nr: i64,
    a: [i64; 6],
) -> HostResult<i64> {
    let result = match nr {
        SYS_NEAR_STORAGE_WRITE => logic
            .write_storage(m, mem(a[0], a[1]), mem(a[2], a[3]), Out::Discard)
            .map(i64::from),
        SYS_NEAR_STORAGE_READ => match logic.read_storage(m, mem(a[0], a[1]), buf(a[2], a[3])) {
            Ok(Some(len)) => count(len),
            Ok(None) => Ok(-i64::from(libc::ENOENT)),
            Err(e) => Err(e),
        },
        SYS_NEAR_STORAGE_REMOVE => logic
            .remove_storage(m, mem(a[0], a[1]), Out::Discard)
            .map(i64::from),
        SYS_NEAR_STORAGE_HAS_KEY => logic.has_storage(m, mem(a[0], a[1])).map(i64::from),
        SYS_NEAR_PROMISE_CREATE | SYS_NEAR_PROMISE_THEN => {
            let (after, spec) = match nr {
                SYS_NEAR_PROMISE_THEN => (Some(addr(a[0])), mem(a[1], a[2])),
                _ => (None, mem(a[0], a[1])),
            };
            (|| {
                let raw = logic.read_bytes(m, spec)?;
                let (receiver, call) = PromiseSpec::parse(&raw)?.into_call()?;
                count(logic.call_promise(m, after, receiver, call)?)
            })()
        }
        SYS_NEAR_YIELD_CREATE => Err(HostError::Unsupported("promise_yield_create")),
        SYS_NEAR_YIELD_RESUME => Err(HostError::Unsupported("promise_yield_resume")),
        SYS_NEAR_LOG => logic.log_utf8(m, addr(a[1]), addr(a[0])).map(|()| 0),
        SYS_NEAR_PANIC => logic.panic_utf8(m, addr(a[1]), addr(a[0])).map(|()| 0),
        SYS_NEAR_SIGNER_ID | SYS_NEAR_PREDECESSOR_ID | SYS_NEAR_CURRENT_ACCOUNT_ID => {
            let role = match nr {
                SYS_NEAR_SIGNER_ID => Role::Signer,
                SYS_NEAR_PREDECESSOR_ID => Role::Predecessor,
                _ => Role::Current,
            };
            logic.account_id(m, role, buf(a[0], a[1])).and_then(count)
        }
        SYS_NEAR_BLOCK_INDEX => logic.block_index(m).and_then(count),
        SYS_NEAR_BLOCK_TIMESTAMP => logic.block_timestamp(m).and_then(count),
        SYS_NEAR_SHA256 | SYS_NEAR_KECCAK256 | SYS_NEAR_RIPEMD160 => {
            let (alg, size) = match nr {
                SYS_NEAR_SHA256 => (Hash::Sha256, 32),
                SYS_NEAR_KECCAK256 => (Hash::Keccak256, 32),
                _ => (Hash::Ripemd160, 20),
            };
            // The whole digest or nothing: a short buffer is a bad pointer, as in C.
            let out = Out::Memory {
                ptr: addr(a[2]),
                cap: size,
            };
            logic.hash(m, alg, mem(a[0], a[1]), out).map(|_| 0)
        }
        _ => Ok(-i64::from(libc::ENOSYS)),
    };
    match result {
        Err(e) => match e.errno() {
            Some(errno) => Ok(-i64::from(errno)),
            None => Err(e),
        },
        ok => ok,
    }
}

/// Binds `outlayer.syscall` to `linker`, for any store data that holds a NEAR execution.
pub fn link<T: NearView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    linker.func_wrap(
        "outlayer",
        "syscall",
        |mut caller: Caller<'_, T>,
         nr: i64,
         a0: i64,
         a1: i64,
         a2: i64,
         a3: i64,
         a4: i64,
         a5: i64|
         -> wasmtime::Result<i64> {
            let args = [a0, a1, a2, a3, a4, a5];
            caller.data_mut().host_call(u32::try_from(nr).unwrap_or(0));
            Ok(with_logic(&mut caller, |logic, m| {
                dispatch(logic, m, nr, args)
            })??)
        },
    )?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

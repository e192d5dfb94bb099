//! The `env` calling convention (nearcore's ABI) for the host functions that are one call
//! into an operation: inputs are "memory or register" ([`Bytes::env`]), results go to
//! registers. Declared as a table, so each function is its one line of translation; the
//! syscall convention over the same operations is [`super::syscalls`].

use super::abi::{Bytes, Out};
use super::context::Role;
use super::crypto::Hash;
use super::errors::HostResult;
use super::memory::Mem;
use super::promises::FunctionCall;
use super::{External, VmLogic};

/// Declares `env` functions, every argument a `u64`: `name(args) -> ret = |logic, mem| body`.
macro_rules! env_calls {
    ($($(#[$doc:meta])* $name:ident($($arg:ident),*) -> $ret:ty = |$l:ident, $m:ident| $body:expr;)*) => {
        impl<E: External> VmLogic<E> {
            $(
                $(#[$doc])*
                #[allow(clippy::too_many_arguments)]
                pub fn $name(&mut self, mem: &mut Mem<'_>, $($arg: u64),*) -> HostResult<$ret> {
                    let ($l, $m) = (self, mem);
                    $body
                }
            )*
        }
    };
}

/// The hash functions: `name(value_len, value_ptr, register_id)`, one line each.
macro_rules! env_hashes {
    ($($name:ident => $alg:ident;)*) => {
        env_calls! {
            $(
                #[doc = concat!("`", stringify!($name), "(value_len, value_ptr, register_id)`.")]
                $name(len, ptr, register_id) -> () = |l, m| {
                    l.hash(m, Hash::$alg, Bytes::env(len, ptr), reg(register_id)).map(drop)
                };
            )*
        }
    };
}

env_hashes! {
    sha256 => Sha256;
    keccak256 => Keccak256;
    keccak512 => Keccak512;
    sha3_256 => Sha3_256;
    sha3_384 => Sha3_384;
    sha3_512 => Sha3_512;
    ripemd160 => Ripemd160;
}

fn reg(id: u64) -> Out {
    Out::Register(id)
}

env_calls! {
    /// `storage_write(key_len, key_ptr, value_len, value_ptr, register_id)`: 1 if the key
    /// existed (its old value goes to the register), 0 if new.
    storage_write(key_len, key_ptr, value_len, value_ptr, register_id) -> u64 = |l, m| {
        let (key, value) = (Bytes::env(key_len, key_ptr), Bytes::env(value_len, value_ptr));
        l.write_storage(m, key, value, reg(register_id)).map(u64::from)
    };
    /// `storage_read(key_len, key_ptr, register_id)`: 1 and the value in the register, or 0.
    storage_read(key_len, key_ptr, register_id) -> u64 = |l, m| {
        let found = l.read_storage(m, Bytes::env(key_len, key_ptr), reg(register_id))?;
        Ok(u64::from(found.is_some()))
    };
    /// `storage_remove(key_len, key_ptr, register_id)`: 1 and the old value in the register,
    /// or 0.
    storage_remove(key_len, key_ptr, register_id) -> u64 = |l, m| {
        l.remove_storage(m, Bytes::env(key_len, key_ptr), reg(register_id)).map(u64::from)
    };
    /// `storage_has_key(key_len, key_ptr)`: 1 or 0.
    storage_has_key(key_len, key_ptr) -> u64 = |l, m| {
        l.has_storage(m, Bytes::env(key_len, key_ptr)).map(u64::from)
    };

    /// `current_account_id(register_id)`.
    current_account_id(register_id) -> () = |l, m| {
        l.account_id(m, Role::Current, reg(register_id)).map(drop)
    };
    /// `signer_account_id(register_id)`; prohibited in views.
    signer_account_id(register_id) -> () = |l, m| {
        l.account_id(m, Role::Signer, reg(register_id)).map(drop)
    };
    /// `predecessor_account_id(register_id)`; prohibited in views.
    predecessor_account_id(register_id) -> () = |l, m| {
        l.account_id(m, Role::Predecessor, reg(register_id)).map(drop)
    };

    /// `promise_create(account, method, args, amount_ptr, gas)`.
    promise_create(acc_len, acc_ptr, m_len, m_ptr, a_len, a_ptr, amount_ptr, gas) -> u64 =
        |l, m| {
            let call = FunctionCall::env(m_len, m_ptr, a_len, a_ptr, amount_ptr, gas);
            l.call_promise(m, None, Bytes::env(acc_len, acc_ptr), call)
        };
    /// `promise_then(promise, account, method, args, amount_ptr, gas)`.
    promise_then(promise, acc_len, acc_ptr, m_len, m_ptr, a_len, a_ptr, amount_ptr, gas) -> u64 =
        |l, m| {
            let call = FunctionCall::env(m_len, m_ptr, a_len, a_ptr, amount_ptr, gas);
            l.call_promise(m, Some(promise), Bytes::env(acc_len, acc_ptr), call)
        };
    /// `promise_batch_create(account_id_len, account_id_ptr)`: an empty receipt.
    promise_batch_create(acc_len, acc_ptr) -> u64 = |l, m| {
        l.new_batch(m, None, Bytes::env(acc_len, acc_ptr))
    };
    /// `promise_batch_then(promise, account_id_len, account_id_ptr)`: an empty receipt that
    /// waits for `promise`.
    promise_batch_then(promise, acc_len, acc_ptr) -> u64 = |l, m| {
        l.new_batch(m, Some(promise), Bytes::env(acc_len, acc_ptr))
    };
    /// `promise_batch_action_function_call(promise, method, args, amount_ptr, gas)`.
    promise_batch_action_function_call(promise, m_len, m_ptr, a_len, a_ptr, amount_ptr, gas)
        -> () = |l, m| {
            let call = FunctionCall::env(m_len, m_ptr, a_len, a_ptr, amount_ptr, gas);
            l.add_function_call(m, promise, call, 0)
        };
    /// `promise_batch_action_function_call_weight(…, gas, gas_weight)`: unused gas is shared
    /// among weighted calls at the end of a successful call.
    promise_batch_action_function_call_weight(
        promise, m_len, m_ptr, a_len, a_ptr, amount_ptr, gas, gas_weight
    ) -> () = |l, m| {
        let call = FunctionCall::env(m_len, m_ptr, a_len, a_ptr, amount_ptr, gas);
        l.add_function_call(m, promise, call, gas_weight)
    };
}

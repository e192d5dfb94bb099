//! The syscall convention over the same operations as `env`: results, errnos, gas.

use super::*;
use crate::near::tests::logic;

/// Guest memory with `key` at 0, `value` at 64 and 128 free bytes from 128 on.
fn memory(key: &[u8], value: &[u8]) -> Vec<u8> {
    let mut buf = vec![0u8; 256];
    buf[..key.len()].copy_from_slice(key);
    buf[64..64 + value.len()].copy_from_slice(value);
    buf
}

fn sys<E: External>(l: &mut VmLogic<E>, buf: &mut [u8], nr: i64, a: &[i64]) -> HostResult<i64> {
    let mut args = [0i64; 6];
    args[..a.len()].copy_from_slice(a);
    dispatch(l, &mut Mem(buf), nr, args)
}

#[test]
fn storage_round_trip_through_numbers() {
    let mut l = logic(false);
    let mut buf = memory(b"count", b"41");
    assert_eq!(
        sys(&mut l, &mut buf, SYS_NEAR_STORAGE_HAS_KEY, &[0, 5]),
        Ok(0)
    );
    assert_eq!(
        sys(&mut l, &mut buf, SYS_NEAR_STORAGE_WRITE, &[0, 5, 64, 2]),
        Ok(0)
    );
    assert_eq!(
        sys(&mut l, &mut buf, SYS_NEAR_STORAGE_WRITE, &[0, 5, 64, 2]),
        Ok(1)
    );
    assert_eq!(
        sys(&mut l, &mut buf, SYS_NEAR_STORAGE_HAS_KEY, &[0, 5]),
        Ok(1)
    );
    // The full length comes back; only `buf_len` bytes are copied.
    assert_eq!(
        sys(&mut l, &mut buf, SYS_NEAR_STORAGE_READ, &[0, 5, 128, 1]),
        Ok(2)
    );
    assert_eq!(&buf[128..130], b"4\0");
    assert_eq!(
        sys(&mut l, &mut buf, SYS_NEAR_STORAGE_REMOVE, &[0, 5]),
        Ok(1)
    );
    assert_eq!(
        sys(&mut l, &mut buf, SYS_NEAR_STORAGE_REMOVE, &[0, 5]),
        Ok(0)
    );
    let enoent = -i64::from(libc::ENOENT);
    assert_eq!(
        sys(&mut l, &mut buf, SYS_NEAR_STORAGE_READ, &[0, 5, 128, 8]),
        Ok(enoent)
    );
}

#[test]
fn a_write_costs_what_the_env_write_costs() {
    let (mut by_number, mut by_name) = (logic(false), logic(false));
    let mut a = memory(b"STATE", &9u64.to_le_bytes());
    let mut b = a.clone();
    assert_eq!(
        sys(
            &mut by_number,
            &mut a,
            SYS_NEAR_STORAGE_WRITE,
            &[0, 5, 64, 8]
        ),
        Ok(0)
    );
    assert_eq!(
        by_name.storage_write(&mut Mem(&mut b), 5, 0, 8, 64, 0),
        Ok(0)
    );
    assert_eq!(by_number.gas.burnt(), by_name.gas.burnt());
    assert_eq!(by_number.storage_usage, by_name.storage_usage);
    assert_eq!(by_number.ext.map, by_name.ext.map);
}

#[test]
fn guest_errors_are_errnos_and_the_call_goes_on() {
    let mut l = logic(false);
    let mut buf = memory(b"k", b"v");
    let neg = |e: i32| Ok(-i64::from(e));
    // A pointer outside memory, a key over 2048 bytes, an unknown number.
    assert_eq!(
        sys(&mut l, &mut buf, SYS_NEAR_STORAGE_WRITE, &[0, 1, 4096, 1]),
        neg(libc::EFAULT)
    );
    assert_eq!(
        sys(&mut l, &mut buf, SYS_NEAR_STORAGE_WRITE, &[-1, 1, 64, 1]),
        neg(libc::EFAULT)
    );
    let mut big = vec![0u8; 4096];
    assert_eq!(
        sys(&mut l, &mut big, SYS_NEAR_STORAGE_HAS_KEY, &[0, 2049]),
        neg(libc::EINVAL)
    );
    assert_eq!(sys(&mut l, &mut buf, 499, &[]), neg(libc::ENOSYS));
    assert_eq!(
        sys(&mut l, &mut buf, SYS_NEAR_PROMISE_CREATE, &[0, 1]),
        neg(libc::EINVAL)
    );
    // Still usable afterwards.
    assert_eq!(
        sys(&mut l, &mut buf, SYS_NEAR_STORAGE_WRITE, &[0, 1, 64, 1]),
        Ok(0)
    );
    // A write in a view call is EPERM.
    let mut view = logic(true);
    assert_eq!(
        sys(&mut view, &mut buf, SYS_NEAR_STORAGE_WRITE, &[0, 1, 64, 1]),
        neg(libc::EPERM)
    );
}

#[test]
fn panics_and_gas_abort_in_every_convention() {
    let mut l = logic(false);
    let mut buf = memory(b"boom", b"");
    let panic = sys(&mut l, &mut buf, SYS_NEAR_PANIC, &[0, 4]);
    assert_eq!(panic, Err(HostError::GuestPanic("boom".into())));
    let unsupported = sys(&mut l, &mut buf, SYS_NEAR_YIELD_CREATE, &[0, 0]);
    assert_eq!(
        unsupported,
        Err(HostError::Unsupported("promise_yield_create"))
    );
}

#[test]
fn context_logs_hashes_and_promises() {
    let mut l = logic(false);
    let mut buf = memory(b"hello", b"");
    assert_eq!(
        sys(&mut l, &mut buf, SYS_NEAR_CURRENT_ACCOUNT_ID, &[128, 64]),
        Ok(10)
    );
    assert_eq!(&buf[128..138], b"alice.near");
    assert_eq!(sys(&mut l, &mut buf, SYS_NEAR_SIGNER_ID, &[128, 3]), Ok(8));
    assert_eq!(&buf[128..131], b"bob");
    assert_eq!(sys(&mut l, &mut buf, SYS_NEAR_BLOCK_INDEX, &[]), Ok(7));
    assert_eq!(sys(&mut l, &mut buf, SYS_NEAR_BLOCK_TIMESTAMP, &[]), Ok(42));
    assert_eq!(sys(&mut l, &mut buf, SYS_NEAR_LOG, &[0, 5]), Ok(0));
    assert_eq!(l.logs(), ["hello"]);
    assert_eq!(sys(&mut l, &mut buf, SYS_NEAR_SHA256, &[0, 5, 128]), Ok(0));
    // sha256("hello")
    let expected = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    assert_eq!(hex::encode(&buf[128..160]), expected);
    let spec = br#"{"receiver_id":"bob.near","method_name":"ping","args":{"n":1},"amount":"3","gas":5000000000000}"#;
    let mut mem_spec = vec![0u8; 256];
    mem_spec[..spec.len()].copy_from_slice(spec);
    let n = spec.len() as i64;
    assert_eq!(
        sys(&mut l, &mut mem_spec, SYS_NEAR_PROMISE_CREATE, &[0, n]),
        Ok(0)
    );
    assert_eq!(
        sys(&mut l, &mut mem_spec, SYS_NEAR_PROMISE_THEN, &[0, 0, n]),
        Ok(1)
    );
    assert_eq!(l.receipts.len(), 2);
    let view = &mut logic(true);
    let eperm = Ok(-i64::from(libc::EPERM));
    assert_eq!(
        sys(view, &mut buf, SYS_NEAR_PREDECESSOR_ID, &[128, 64]),
        eperm
    );
}

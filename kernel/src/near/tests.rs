//! Unit tests of the NEAR logic over in-memory state (no wasm).

use super::*;

fn ctx(view: bool) -> VmContext {
    VmContext {
        current_account_id: "alice.near".into(),
        signer_account_id: "bob.near".into(),
        signer_account_pk: vec![0; 33],
        predecessor_account_id: "bob.near".into(),
        input: b"{}".to_vec(),
        block_height: 7,
        block_timestamp: 42,
        epoch_height: 1,
        account_balance: 100,
        account_locked_balance: 0,
        storage_usage: 100,
        attached_deposit: 5,
        prepaid_gas: MAX_GAS,
        random_seed: vec![1; 32],
        view,
        chain_id: "test".into(),
    }
}

fn logic(view: bool) -> VmLogic<MemExternal> {
    VmLogic::new(MemExternal::default(), ctx(view))
}

#[test]
fn storage_write_costs_the_worked_example() {
    let mut l = logic(false);
    let mut buf = vec![0u8; 64];
    buf[..5].copy_from_slice(b"STATE");
    buf[8..16].copy_from_slice(&9u64.to_le_bytes());
    let mut mem = Mem(&mut buf);
    assert_eq!(l.storage_write(&mut mem, 5, 0, 8, 8, 0), Ok(0));
    // near-abi.md §4: 70_331_210_487 gas for a new 5-byte key / 8-byte value from memory.
    assert_eq!(l.gas.burnt(), 70_331_210_487);
    assert_eq!(l.storage_usage, 100 + 5 + 8 + 40);
    // Overwrite: old value evicted into register 3, usage changes by the value delta only.
    buf_write(&mut mem, 8, b"xyz");
    assert_eq!(l.storage_write(&mut mem, 5, 0, 3, 8, 3), Ok(1));
    assert_eq!(l.regs.get(3), Some(&9u64.to_le_bytes()[..]));
    assert_eq!(l.storage_usage, 100 + 5 + 3 + 40);
    assert_eq!(l.storage_remove(&mut mem, 5, 0, 4), Ok(1));
    assert_eq!(l.regs.get(4), Some(&b"xyz"[..]));
    assert_eq!(l.storage_usage, 100);
    assert_eq!(l.storage_has_key(&mut mem, 5, 0), Ok(0));
}

fn buf_write(mem: &mut Mem<'_>, at: u64, data: &[u8]) {
    assert_eq!(mem.write(at, data), Ok(()));
}

#[test]
fn registers_behave_as_nearcore() {
    let mut l = logic(false);
    let mut buf = vec![0u8; 16];
    let mut mem = Mem(&mut buf);
    assert_eq!(l.register_len(&mut mem, 9), Ok(u64::MAX));
    assert_eq!(
        l.read_register(&mut mem, 9, 0),
        Err(HostError::InvalidRegisterId(9))
    );
    assert_eq!(l.input(&mut mem, 1), Ok(()));
    assert_eq!(l.register_len(&mut mem, 1), Ok(2));
    assert_eq!(l.read_register(&mut mem, 1, 14), Ok(()));
    assert_eq!(
        l.read_register(&mut mem, 1, 15),
        Err(HostError::MemoryAccessViolation)
    );
    assert_eq!(
        l.read_register(&mut mem, 1, u64::MAX),
        Err(HostError::MemoryAccessViolation)
    );
    // A memory-or-register input read from register 1.
    assert_eq!(l.value_return(&mut mem, u64::MAX, 1), Ok(()));
    assert_eq!(l.return_data, ReturnData::Value(b"{}".to_vec()));
}

#[test]
fn views_reject_what_nearcore_rejects() {
    let mut l = logic(true);
    let mut buf = vec![0u8; 16];
    let mut mem = Mem(&mut buf);
    let pv = |n: &str| HostError::ProhibitedInView(n.into());
    assert_eq!(
        l.signer_account_id(&mut mem, 0),
        Err(pv("signer_account_id"))
    );
    assert_eq!(
        l.storage_write(&mut mem, 1, 0, 1, 0, 0),
        Err(pv("storage_write"))
    );
    assert_eq!(
        l.promise_batch_create(&mut mem, 1, 0),
        Err(pv("promise_batch_create"))
    );
    assert_eq!(l.storage_read(&mut mem, 1, 0, 0), Ok(0));
    assert_eq!(l.attached_deposit(&mut mem, 0), Ok(()));
    assert_eq!(l.block_index(&mut mem), Ok(7));
}

#[test]
fn logs_have_nearcore_limits() {
    let mut l = logic(false);
    let mut buf = b"hi\0".to_vec();
    let mut mem = Mem(&mut buf);
    assert_eq!(l.log_utf8(&mut mem, u64::MAX, 0), Ok(()));
    for _ in 1..100 {
        assert_eq!(l.log_utf8(&mut mem, 2, 0), Ok(()));
    }
    assert_eq!(
        l.log_utf8(&mut mem, 2, 0),
        Err(HostError::NumberOfLogsExceeded)
    );
    assert_eq!(l.logs().len(), 100);
    let mut l = logic(false);
    let mut big = vec![b'a'; 16_385];
    let mut mem = Mem(&mut big);
    assert!(matches!(
        l.log_utf8(&mut mem, 16_385, 0),
        Err(HostError::TotalLogLengthExceeded(_))
    ));
    let mut bad = vec![0xff, 0xfe];
    assert_eq!(
        l.log_utf8(&mut Mem(&mut bad), 2, 0),
        Err(HostError::BadUtf8)
    );
    let mut utf16 = vec![b'o', 0, b'k', 0];
    assert_eq!(l.log_utf16(&mut Mem(&mut utf16), 4, 0), Ok(()));
    assert_eq!(l.logs(), ["ok"]);
    assert_eq!(
        l.panic_utf8(&mut Mem(&mut utf16), 1, 0),
        Err(HostError::GuestPanic("o".into()))
    );
}

#[test]
fn promises_record_receipts_and_balance() {
    let mut l = logic(false);
    let mut buf = vec![0u8; 64];
    buf[..8].copy_from_slice(b"bob.near");
    buf[8..12].copy_from_slice(b"ping");
    buf[16..32].copy_from_slice(&50u128.to_le_bytes());
    buf[32..48].copy_from_slice(&1_000u128.to_le_bytes());
    let mut mem = Mem(&mut buf);
    let p = l.promise_create(&mut mem, 8, 0, 4, 8, 2, 12, 16, 5 * TGAS);
    assert_eq!(p, Ok(0));
    assert_eq!(l.balance, 105 - 50);
    assert_eq!(
        l.promise_batch_action_transfer(&mut mem, 0, 32),
        Err(HostError::BalanceExceeded)
    );
    let then = l.promise_batch_then(&mut mem, 0, 8, 0);
    assert_eq!(then, Ok(1));
    assert_eq!(l.promise_return(&mut mem, 1), Ok(()));
    assert_eq!(l.promise_results_count(&mut mem), Ok(0));
    assert_eq!(
        l.promise_result(&mut mem, 0, 0),
        Err(HostError::InvalidPromiseResultIndex(0))
    );
    let out = l.finish(true);
    assert_eq!(out.receipts.len(), 2);
    assert_eq!(out.receipts[1].depends_on, vec![0]);
    assert!(out.gas_used > out.gas_burnt + 5 * TGAS);
    assert_eq!(out.return_data, ReturnData::ReceiptIndex(1));
}

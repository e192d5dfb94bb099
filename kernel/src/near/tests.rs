//! Unit tests of the NEAR logic over in-memory state (no wasm).

use super::gas::{ext, fees};
use super::*;

pub(crate) fn ctx(view: bool) -> VmContext {
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

pub(crate) fn logic(view: bool) -> VmLogic<MemExternal> {
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
    // nearcore's worked example (PV 88 costs): 70_331_210_487 gas for a new 5-byte key and
    // 8-byte value, both read from memory.
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

/// Writes `parts` one after another into a fresh buffer; returns it and their (ptr, len).
fn lay_out(parts: &[&[u8]]) -> (Vec<u8>, Vec<(u64, u64)>) {
    let mut buf = Vec::new();
    let mut at = Vec::new();
    for p in parts {
        at.push((buf.len() as u64, p.len() as u64));
        buf.extend_from_slice(p);
    }
    (buf, at)
}

#[test]
fn p256_verify_as_nearcore() {
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    let key = p256::ecdsa::SigningKey::from_slice(&[9u8; 32]).expect("key");
    let hash = [7u8; 32];
    let sig: p256::ecdsa::Signature = key.sign_prehash(&hash).expect("sign");
    let (r, s) = sig.split_scalars();
    let high_s = p256::ecdsa::Signature::from_scalars(r, -s).expect("high-s twin");
    let pk = key.verifying_key().to_encoded_point(true);
    let (sig, high_s) = (sig.to_bytes(), high_s.to_bytes());
    let mut other_hash = hash;
    other_hash[0] ^= 1;
    let (mut buf, at) = lay_out(&[&sig, &hash, pk.as_bytes(), &high_s, &other_hash]);
    let mut mem = Mem(&mut buf);
    let [s, m, k, h, o] = [at[0], at[1], at[2], at[3], at[4]];
    let mut l = logic(false);
    assert_eq!(l.p256_verify(&mut mem, s.1, s.0, m.1, m.0, k.1, k.0), Ok(1));
    let reads = 3 * ext::READ_MEMORY_BASE + (64 + 32 + 33) * ext::READ_MEMORY_BYTE;
    let want = ext::P256_VERIFY_BASE + 32 * ext::P256_VERIFY_BYTE + reads;
    assert_eq!(l.gas.burnt(), want);
    // High-s signatures verify (no low-s rule), another message does not.
    assert_eq!(l.p256_verify(&mut mem, h.1, h.0, m.1, m.0, k.1, k.0), Ok(1));
    assert_eq!(l.p256_verify(&mut mem, s.1, s.0, o.1, o.0, k.1, k.0), Ok(0));
    let short = Err(HostError::P256VerifyInvalidInput(
        "invalid signature length".into(),
    ));
    assert_eq!(l.p256_verify(&mut mem, 63, s.0, m.1, m.0, k.1, k.0), short);
    let long_key = Err(HostError::P256VerifyInvalidInput(
        "invalid public key length".into(),
    ));
    assert_eq!(
        l.p256_verify(&mut mem, s.1, s.0, m.1, m.0, 34, k.0),
        long_key
    );
}

/// A 256-bit big-endian hex number as nearcore's little-endian word.
fn le_word(hex: &str) -> Vec<u8> {
    let mut bytes = hex::decode(format!("{hex:0>64}")).expect("hex");
    bytes.reverse();
    bytes
}

#[test]
fn alt_bn128_as_nearcore() {
    use bn::Group;
    // The generator (1, 2) and its double, as every alt_bn128 implementation knows them.
    let g = [le_word("1"), le_word("2")].concat();
    let two_g = [
        le_word("030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3"),
        le_word("15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4"),
    ]
    .concat();
    let mut l = logic(false);
    let run_sum = |l: &mut VmLogic<MemExternal>, items: &[u8]| {
        let mut buf = items.to_vec();
        let mut mem = Mem(&mut buf);
        l.alt_bn128_g1_sum(&mut mem, items.len() as u64, 0, 1)
            .map(|()| l.regs.get(1).map(<[u8]>::to_vec))
    };
    let plus_plus = [&[0u8][..], &g, &[0], &g].concat();
    assert_eq!(run_sum(&mut l, &plus_plus), Ok(Some(two_g.clone())));
    let plus_minus = [&[0u8][..], &g, &[1], &g].concat();
    assert_eq!(run_sum(&mut l, &plus_minus), Ok(Some(vec![0; 64])));
    let bad_sign = [&[2u8][..], &g].concat();
    let e = run_sum(&mut l, &bad_sign).expect_err("sign 2");
    assert_eq!(e.kind(), "AltBn128InvalidInput");
    assert!(e.message().contains("invalid bool"), "{}", e.message());

    let mut buf = [&g[..], &le_word("2")].concat();
    let mut mem = Mem(&mut buf);
    let before = l.gas.burnt();
    assert_eq!(l.alt_bn128_g1_multiexp(&mut mem, 96, 0, 2), Ok(()));
    assert_eq!(l.regs.get(2), Some(&two_g[..]));
    let want = ext::ALT_BN128_G1_MULTIEXP_BASE
        + ext::ALT_BN128_G1_MULTIEXP_ELEMENT
        + ext::READ_MEMORY_BASE
        + 96 * ext::READ_MEMORY_BYTE
        + ext::WRITE_REGISTER_BASE
        + 64 * ext::WRITE_REGISTER_BYTE;
    assert_eq!(l.gas.burnt() - before, want);

    // e(G1, G2) · e(-G1, G2) = 1, e(G1, G2) alone is not; an empty product is 1.
    let g2 = {
        let p = bn::AffineG2::from_jacobian(bn::G2::one()).expect("affine");
        let word = |f: bn::Fq| {
            let bn::arith::U256([lo, hi]) = f.into_u256();
            [lo.to_le_bytes(), hi.to_le_bytes()].concat()
        };
        [
            word(p.x().real()),
            word(p.x().imaginary()),
            word(p.y().real()),
            word(p.y().imaginary()),
        ]
        .concat()
    };
    let minus_g = [le_word("1"), {
        // -G = (1, q - 2).
        le_word("30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd45")
    }]
    .concat();
    let mut pairing = |items: &[u8]| {
        let mut buf = items.to_vec();
        let mut mem = Mem(&mut buf);
        l.alt_bn128_pairing_check(&mut mem, items.len() as u64, 0)
    };
    assert_eq!(pairing(&[&g[..], &g2, &minus_g, &g2].concat()), Ok(1));
    assert_eq!(pairing(&[&g[..], &g2].concat()), Ok(0));
    assert_eq!(pairing(&[]), Ok(1));
    let ragged = pairing(&[0; 100]).expect_err("ragged");
    assert_eq!(ragged.kind(), "AltBn128InvalidInput");
}

#[test]
fn function_call_keys_pay_per_name_byte_and_refuse_empty_names() {
    let pk = [&[0u8][..], &[3; 32]].concat();
    let allowance = 0u128.to_le_bytes();
    // Adds a function-call key for `names` to a new receipt; returns (burnt, used) deltas.
    let add = |l: &mut VmLogic<MemExternal>, names: &[u8]| {
        let (mut buf, at) = lay_out(&[b"bob.near", &pk, &allowance, b"bob.near", names]);
        let mut mem = Mem(&mut buf);
        let p = l.promise_batch_create(&mut mem, at[0].1, at[0].0)?;
        let (burnt, used) = (l.gas.burnt(), l.gas.used());
        let [k, a, r, n] = [at[1], at[2], at[3], at[4]];
        l.promise_batch_action_add_key_with_function_call(
            &mut mem, p, k.1, k.0, 1, a.0, r.1, r.0, n.1, n.0,
        )?;
        Ok::<_, HostError>((l.gas.burnt() - burnt, l.gas.used() - used))
    };
    let mut l = logic(false);
    let (burnt_4, used_4) = add(&mut l, b"a,bc").expect("a,bc");
    let (burnt_5, used_5) = add(&mut l, b"a,bcd").expect("a,bcd");
    // One more name byte: one more byte read, one more per-byte fee (send to another account
    // burnt now, execution reserved).
    let (send, exec) = (47_683_715, 1_925_331);
    assert_eq!(burnt_5 - burnt_4, ext::READ_MEMORY_BYTE + send);
    assert_eq!(used_5 - used_4, ext::READ_MEMORY_BYTE + send + exec);
    assert_eq!(add(&mut l, b"a,,b"), Err(HostError::EmptyMethodName));
    assert!(add(&mut l, b"").is_ok(), "no names: any method");
    let out = l.finish(true);
    let names = |i: usize| match &out.receipts[i].actions[..] {
        [Action::AddKey {
            permission: Permission::FunctionCall { method_names, .. },
            ..
        }] => method_names.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(names(1), vec!["a".to_string(), "bcd".to_string()]);
    assert!(names(3).is_empty());
}

type BlsFn = fn(&mut VmLogic<MemExternal>, &mut Mem<'_>, u64, u64, u64) -> HostResult<u64>;

/// Runs a `bls12381_*` function on `input`; returns its result and register 5 after.
fn bls(l: &mut VmLogic<MemExternal>, f: BlsFn, input: &[u8]) -> (HostResult<u64>, Vec<u8>) {
    let mut buf = input.to_vec();
    let mut mem = Mem(&mut buf);
    l.regs.set(5, Vec::new()).expect("clear register 5");
    let r = f(l, &mut mem, input.len() as u64, 0, 5);
    (r, l.regs.get(5).map(<[u8]>::to_vec).unwrap_or_default())
}

#[test]
fn bls12381_as_nearcore() {
    // The generators, compressed and uncompressed, as the BLS12-381 specifications give them.
    let g1_compressed = hex::decode(
        "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb",
    )
    .expect("hex");
    let g1 = hex::decode(
        "17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb\
         08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1",
    )
    .expect("hex");
    let g2_compressed = hex::decode(
        "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e\
         024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8",
    )
    .expect("hex");
    let mut l = logic(false);
    assert_eq!(
        bls(&mut l, VmLogic::bls12381_p1_decompress, &g1_compressed),
        (Ok(0), g1.clone())
    );
    let (r, g2) = bls(&mut l, VmLogic::bls12381_p2_decompress, &g2_compressed);
    assert_eq!((r, g2.len()), (Ok(0), 192));
    // Uncompressed input to decompress is refused (1), not an error.
    assert_eq!(
        bls(&mut l, VmLogic::bls12381_p1_decompress, &g1[..48]).0,
        Ok(1)
    );

    // G + G = 2·G; G - G is the point at infinity (0x40 flag).
    let before = l.gas.burnt();
    let (r, two_g) = bls(
        &mut l,
        VmLogic::bls12381_p1_sum,
        &[&[0u8][..], &g1, &[0], &g1].concat(),
    );
    assert_eq!(r, Ok(0));
    let want = ext::BLS12381_P1_SUM_BASE
        + 2 * ext::BLS12381_P1_SUM_ELEMENT
        + ext::READ_MEMORY_BASE
        + 194 * ext::READ_MEMORY_BYTE
        + ext::WRITE_REGISTER_BASE
        + 96 * ext::WRITE_REGISTER_BYTE;
    assert_eq!(l.gas.burnt() - before, want, "sum gas");
    let mut two = [0u8; 32];
    two[0] = 2;
    let multiexp = bls(
        &mut l,
        VmLogic::bls12381_g1_multiexp,
        &[&g1[..], &two].concat(),
    );
    assert_eq!(multiexp, (Ok(0), two_g));
    let (r, zero) = bls(
        &mut l,
        VmLogic::bls12381_p1_sum,
        &[&[0u8][..], &g1, &[1], &g1].concat(),
    );
    let mut infinity = vec![0u8; 96];
    infinity[0] = 0x40;
    assert_eq!((r, zero), (Ok(0), infinity));
    let (_, minus_g1) = bls(
        &mut l,
        VmLogic::bls12381_p1_sum,
        &[&[1u8][..], &g1].concat(),
    );
    assert_eq!(
        bls(
            &mut l,
            VmLogic::bls12381_p1_sum,
            &[&[2u8][..], &g1].concat()
        )
        .0,
        Ok(1)
    );

    // e(G1, G2) · e(-G1, G2) = 1 → 0; e(G1, G2) alone → 2; a point off the curve → 1.
    let pairing = |l: &mut VmLogic<MemExternal>, input: &[u8]| {
        let mut buf = input.to_vec();
        let mut mem = Mem(&mut buf);
        l.bls12381_pairing_check(&mut mem, input.len() as u64, 0)
    };
    assert_eq!(
        pairing(&mut l, &[&g1[..], &g2, &minus_g1, &g2].concat()),
        Ok(0)
    );
    assert_eq!(pairing(&mut l, &[&g1[..], &g2].concat()), Ok(2));
    let mut off_curve = g1.clone();
    off_curve[95] ^= 1;
    assert_eq!(pairing(&mut l, &[&off_curve[..], &g2].concat()), Ok(1));
    assert_eq!(
        bls(
            &mut l,
            VmLogic::bls12381_p1_sum,
            &[&[0u8][..], &off_curve].concat()
        )
        .0,
        Ok(1)
    );

    // Field elements map into the subgroup; a non-canonical one (≥ p) is refused.
    let (r, mapped) = bls(&mut l, VmLogic::bls12381_map_fp_to_g1, &[7u8; 48]);
    assert_eq!(r, Ok(0));
    let scalar_one = [&[1u8][..], &[0; 31]].concat();
    let in_g1 = bls(
        &mut l,
        VmLogic::bls12381_g1_multiexp,
        &[&mapped[..], &scalar_one].concat(),
    );
    assert_eq!(
        in_g1,
        (Ok(0), mapped),
        "1·P = P, and P passed the subgroup check"
    );
    assert_eq!(
        bls(&mut l, VmLogic::bls12381_map_fp_to_g1, &[0xff; 48]).0,
        Ok(1)
    );
    let (r, g2_mapped) = bls(&mut l, VmLogic::bls12381_map_fp2_to_g2, &[3u8; 96]);
    assert_eq!((r, g2_mapped.len()), (Ok(0), 192));

    let ragged = bls(&mut l, VmLogic::bls12381_p1_sum, &[0u8; 96]).0;
    let msg = "Incorrect input length for bls12381_p1_sum: 96 is not divisible by 97";
    assert_eq!(ragged, Err(HostError::Bls12381InvalidInput(msg.into())));
}

#[test]
fn global_contract_actions_are_recorded_with_their_fees() {
    let code = b"\0asm\x01\0\0\0".to_vec();
    let hash = [9u8; 32];
    let (mut buf, at) = lay_out(&[b"alice.near", &code, &hash, b"lib.near", &hash[..31]]);
    let mut mem = Mem(&mut buf);
    let [me, c, h, lib, short] = [at[0], at[1], at[2], at[3], at[4]];
    let mut l = logic(false);
    let p = l
        .promise_batch_create(&mut mem, me.1, me.0)
        .expect("batch to self");
    let before = l.gas.burnt();
    l.promise_batch_action_deploy_global_contract(&mut mem, p, c.1, c.0)
        .expect("deploy global");
    // To this account (sir): base + read + send fees for 8 bytes.
    let want = ext::BASE
        + ext::READ_MEMORY_BASE
        + 8 * ext::READ_MEMORY_BYTE
        + fees::DEPLOY_GLOBAL_CONTRACT.0
        + 8 * fees::DEPLOY_GLOBAL_CONTRACT_PER_BYTE.0;
    assert_eq!(l.gas.burnt() - before, want);
    l.promise_batch_action_deploy_global_contract_by_account_id(&mut mem, p, c.1, c.0)
        .expect("deploy global by account");
    l.promise_batch_action_use_global_contract(&mut mem, p, h.1, h.0)
        .expect("use by hash");
    l.promise_batch_action_use_global_contract_by_account_id(&mut mem, p, lib.1, lib.0)
        .expect("use by account");
    assert_eq!(
        l.promise_batch_action_use_global_contract(&mut mem, p, short.1, short.0),
        Err(HostError::ContractCodeHashMalformed)
    );
    let out = l.finish(true);
    let actions = &out.receipts[0].actions;
    assert_eq!(actions.len(), 4);
    assert!(matches!(
        &actions[1],
        Action::DeployGlobalContract {
            code_len: 8,
            deploy_mode: "AccountId",
            ..
        }
    ));
    assert_eq!(
        actions[2],
        Action::UseGlobalContract {
            code_sha256: Some(hex::encode(hash)),
            account_id: None
        }
    );
    assert_eq!(
        actions[3],
        Action::UseGlobalContract {
            code_sha256: None,
            account_id: Some("lib.near".into())
        }
    );

    // Oversized code is refused before any fee; a view may not deploy at all.
    let mut big = vec![0u8; crate::engine::MAX_CONTRACT_SIZE + 1];
    let mut mem = Mem(&mut big);
    let mut l = logic(false);
    let mut self_id = b"alice.near".to_vec();
    let p = l
        .promise_batch_create(&mut Mem(&mut self_id), 10, 0)
        .expect("batch");
    let size = (crate::engine::MAX_CONTRACT_SIZE + 1) as u64;
    assert_eq!(
        l.promise_batch_action_deploy_global_contract(&mut mem, p, size, 0),
        Err(HostError::ContractSizeExceeded {
            size,
            limit: size - 1
        })
    );
    let mut v = logic(true);
    let e = v.promise_batch_action_use_global_contract(&mut mem, 0, 32, 0);
    assert!(matches!(e, Err(HostError::ProhibitedInView(_))), "{e:?}");
}

#[test]
fn ml_dsa_verify_accepts_nearcores_vector() {
    let lines: Vec<Vec<u8>> = include_str!("testdata/ml_dsa_65.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| hex::decode(l).expect("hex"))
        .collect();
    let [pk, sig, msg] = [&lines[0], &lines[1], &lines[2]];
    let mut tampered = msg.clone();
    tampered[0] ^= 1;
    let zero_key = vec![0u8; pk.len()];
    let (mut buf, at) = lay_out(&[sig, msg, pk, &tampered, &zero_key]);
    let mut mem = Mem(&mut buf);
    let [s, m, k, t, z] = [at[0], at[1], at[2], at[3], at[4]];
    let mut l = logic(false);
    assert_eq!(
        l.ml_dsa_verify(&mut mem, s.1, s.0, m.1, m.0, k.1, k.0),
        Ok(1)
    );
    let read = 3 * ext::READ_MEMORY_BASE + (3309 + 32 + 1952) * ext::READ_MEMORY_BYTE;
    let want = ext::ML_DSA_VERIFY_BASE + 32 * ext::ML_DSA_VERIFY_BYTE + read;
    assert_eq!(l.gas.burnt(), want);
    assert_eq!(
        l.ml_dsa_verify(&mut mem, s.1, s.0, t.1, t.0, k.1, k.0),
        Ok(0)
    );
    assert_eq!(
        l.ml_dsa_verify(&mut mem, s.1, s.0, m.1, m.0, z.1, z.0),
        Ok(0)
    );
    let short = l.ml_dsa_verify(&mut mem, 3308, s.0, m.1, m.0, k.1, k.0);
    let msg = "invalid signature length: expected the input of 3309 bytes, but 3308 was given";
    assert_eq!(short, Err(HostError::MlDsaVerifyInvalidInput(msg.into())));
    let e = l.ml_dsa_verify(&mut mem, s.1, s.0, m.1, m.0, 100, k.0);
    assert_eq!(
        e.map_err(|e| e.to_string()),
        Err("ML-DSA-65 signature verification error: \
        invalid key length: expected the input of 1952 bytes, but 100 was given"
            .to_string())
    );
}

//! Curve arithmetic with the crates nearcore itself uses: the check behind `p256_verify`
//! (RustCrypto `p256`; the host function is declared with the other signature checks in
//! `crypto.rs`) and `alt_bn128_g1_multiexp` / `alt_bn128_g1_sum` / `alt_bn128_pairing_check`
//! (`zeropool-bn`). Encodings, errors and gas follow nearcore 2.x (near-vm-runner 0.38):
//! alt_bn128 values are packed little-endian 256-bit words, and the point at infinity is
//! encoded as (0, 0).

use bn::Group;

use super::crypto::SignatureCheck;
use super::errors::{HostError, HostResult};
use super::gas::{ext, Gas};
use super::memory::Mem;
use super::{External, VmLogic};

const SCALAR: usize = 32;
const G1: usize = 2 * SCALAR;
const G2: usize = 2 * G1;
const G1_SUM_ITEM: usize = 1 + G1;
const G1_MULTIEXP_ITEM: usize = G1 + SCALAR;
const PAIRING_ITEM: usize = G1 + G2;

/// `p256_verify`: a 64-byte `r || s` signature of a prehashed message (as given, typically
/// 32 bytes) under a 33-byte compressed SEC1 key. High-s signatures are accepted, as nearcore
/// (and WebAuthn) accept them; wrong sizes are `P256VerifyInvalidInput`.
pub(super) const P256: SignatureCheck = SignatureCheck {
    costs: (ext::P256_VERIFY_BASE, ext::P256_VERIFY_BYTE),
    sizes: (64, 33),
    wrong_size: |part, _| HostError::P256VerifyInvalidInput(part.wrong_length()),
    // nearcore answers 0 for an unparsable (r, s) before reading the message.
    signature_parses: |sig| p256::ecdsa::Signature::from_slice(sig).is_ok(),
    verify: |sig, msg, pk| {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        use p256::ecdsa::{Signature, VerifyingKey};
        let (Ok(sig), Ok(key)) = (
            Signature::from_slice(sig),
            VerifyingKey::from_sec1_bytes(pk),
        ) else {
            return false;
        };
        key.verify_prehash(msg, &sig).is_ok()
    },
};

impl<E: External> VmLogic<E> {
    /// `alt_bn128_g1_multiexp(value_len, value_ptr, register_id)`: Σ sᵢ·Pᵢ over packed
    /// `(G1, Fr)` items; the resulting G1 point goes to the register.
    pub fn alt_bn128_g1_multiexp(
        &mut self,
        mem: &mut Mem<'_>,
        len: u64,
        ptr: u64,
        register_id: u64,
    ) -> HostResult<()> {
        let cost = (
            ext::ALT_BN128_G1_MULTIEXP_BASE,
            ext::ALT_BN128_G1_MULTIEXP_ELEMENT,
        );
        let product =
            self.alt_bn128_items(mem, cost, len, ptr, |items: &[[u8; G1_MULTIEXP_ITEM]]| {
                Ok(bn::G1::multiexp(&g1_pairs(items, decode_fr)?))
            })?;
        self.set_register(register_id, encode_g1(product))
    }

    /// `alt_bn128_g1_sum(value_len, value_ptr, register_id)`: Σ ±Pᵢ over packed
    /// `(sign: u8, G1)` items (0 adds, 1 subtracts); the sum goes to the register.
    pub fn alt_bn128_g1_sum(
        &mut self,
        mem: &mut Mem<'_>,
        len: u64,
        ptr: u64,
        register_id: u64,
    ) -> HostResult<()> {
        let cost = (ext::ALT_BN128_G1_SUM_BASE, ext::ALT_BN128_G1_SUM_ELEMENT);
        let sum = self.alt_bn128_items(mem, cost, len, ptr, |items: &[[u8; G1_SUM_ITEM]]| {
            let mut sum = bn::G1::zero();
            for item in items {
                // nearcore checks the sign before the point.
                let negate = match item[0] {
                    0 => false,
                    1 => true,
                    _ => return Err(invalid("invalid bool", &item[..1])),
                };
                let point = decode_g1(&item[1..])?;
                sum = if negate { sum - point } else { sum + point };
            }
            Ok(sum)
        })?;
        self.set_register(register_id, encode_g1(sum))
    }

    /// `alt_bn128_pairing_check(value_len, value_ptr)`: 1 if Π e(Pᵢ, Qᵢ) = 1 over packed
    /// `(G1, G2)` items, else 0.
    pub fn alt_bn128_pairing_check(
        &mut self,
        mem: &mut Mem<'_>,
        len: u64,
        ptr: u64,
    ) -> HostResult<u64> {
        let cost = (
            ext::ALT_BN128_PAIRING_CHECK_BASE,
            ext::ALT_BN128_PAIRING_CHECK_ELEMENT,
        );
        self.alt_bn128_items(mem, cost, len, ptr, |items: &[[u8; PAIRING_ITEM]]| {
            let pairs = g1_pairs(items, decode_g2)?;
            Ok(u64::from(bn::pairing_batch(&pairs) == bn::Gt::one()))
        })
    }
}

impl<E: External> VmLogic<E> {
    /// The common start of the alt_bn128 functions: charge `base`, read the input, split it
    /// into `N`-byte items, charge `per_item` for each, and hand the items to `f`.
    fn alt_bn128_items<const N: usize, R>(
        &mut self,
        mem: &Mem<'_>,
        (base, per_item): (Gas, Gas),
        len: u64,
        ptr: u64,
        f: impl FnOnce(&[[u8; N]]) -> HostResult<R>,
    ) -> HostResult<R> {
        self.gas.burn(base)?;
        let data = self.mem_or_reg(mem, len, ptr)?;
        let items = chunks::<N>(&data)?;
        self.gas.pay_per(per_item, items.len() as u64)?;
        f(items)
    }
}

/// `data` as whole `N`-byte items, or nearcore's error for a ragged length.
fn chunks<const N: usize>(data: &[u8]) -> HostResult<&[[u8; N]]> {
    let (items, rest) = data.as_chunks::<N>();
    if !rest.is_empty() {
        return Err(HostError::AltBn128InvalidInput(format!(
            "slice of size {} cannot be precisely split into chunks of size {N}",
            data.len()
        )));
    }
    Ok(items)
}

/// `(G1, T)` items, decoded in order, each G1 point before its partner (nearcore's error order).
fn g1_pairs<const N: usize, T>(
    items: &[[u8; N]],
    second: fn(&[u8]) -> HostResult<T>,
) -> HostResult<Vec<(bn::G1, T)>> {
    items
        .iter()
        .map(|item| Ok((decode_g1(&item[..G1])?, second(&item[G1..])?)))
        .collect()
}

fn invalid(what: &str, bytes: &[u8]) -> HostError {
    HostError::AltBn128InvalidInput(format!("{what}: {bytes:X?}"))
}

/// A little-endian 256-bit word (callers pass exactly 32 bytes).
fn decode_u256(raw: &[u8]) -> bn::arith::U256 {
    let mut lo = [0u8; 16];
    let mut hi = [0u8; 16];
    lo.copy_from_slice(&raw[..16]);
    hi.copy_from_slice(&raw[16..SCALAR]);
    bn::arith::U256([u128::from_le_bytes(lo), u128::from_le_bytes(hi)])
}

fn decode_fq(raw: &[u8]) -> HostResult<bn::Fq> {
    bn::Fq::from_u256(decode_u256(raw)).map_err(|_| invalid("invalid fq", raw))
}

fn decode_fr(raw: &[u8]) -> HostResult<bn::Fr> {
    bn::Fr::new(decode_u256(raw)).ok_or_else(|| invalid("invalid fr", raw))
}

fn decode_g1(raw: &[u8]) -> HostResult<bn::G1> {
    let (x, y) = (decode_fq(&raw[..SCALAR])?, decode_fq(&raw[SCALAR..G1])?);
    if x.is_zero() && y.is_zero() {
        return Ok(bn::G1::zero());
    }
    bn::AffineG1::new(x, y)
        .map(bn::G1::from)
        .map_err(|_| invalid("invalid g1", raw))
}

fn decode_g2(raw: &[u8]) -> HostResult<bn::G2> {
    let fq2 = |r: &[u8]| -> HostResult<bn::Fq2> {
        Ok(bn::Fq2::new(
            decode_fq(&r[..SCALAR])?,
            decode_fq(&r[SCALAR..G1])?,
        ))
    };
    let (x, y) = (fq2(&raw[..G1])?, fq2(&raw[G1..G2])?);
    if x.is_zero() && y.is_zero() {
        return Ok(bn::G2::zero());
    }
    bn::AffineG2::new(x, y)
        .map(bn::G2::from)
        .map_err(|_| invalid("invalid g2", raw))
}

fn encode_g1(point: bn::G1) -> Vec<u8> {
    let (x, y) = bn::AffineG1::from_jacobian(point)
        .map(|p| (p.x(), p.y()))
        .unwrap_or((bn::Fq::zero(), bn::Fq::zero()));
    let mut out = Vec::with_capacity(G1);
    for coordinate in [x, y] {
        let bn::arith::U256([lo, hi]) = coordinate.into_u256();
        out.extend_from_slice(&lo.to_le_bytes());
        out.extend_from_slice(&hi.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le(p: bn::G1) -> Vec<u8> {
        encode_g1(p)
    }

    #[test]
    fn g1_round_trips_and_infinity_is_zeros() {
        let g = bn::G1::one();
        let bytes = le(g);
        assert_eq!(&bytes[..SCALAR], &{
            let mut one = [0u8; 32];
            one[0] = 1;
            one
        });
        assert_eq!(bytes[SCALAR], 2, "the generator of alt_bn128 is (1, 2)");
        assert_eq!(decode_g1(&bytes).expect("decodes"), g);
        assert_eq!(le(bn::G1::zero()), vec![0; G1]);
        assert_eq!(decode_g1(&[0; G1]).expect("infinity"), bn::G1::zero());
    }

    #[test]
    fn bad_points_and_scalars_are_invalid_input() {
        let mut off_curve = le(bn::G1::one());
        off_curve[SCALAR] = 3;
        assert!(matches!(
            decode_g1(&off_curve),
            Err(HostError::AltBn128InvalidInput(_))
        ));
        assert!(matches!(
            decode_fr(&[0xff; 32]),
            Err(HostError::AltBn128InvalidInput(_))
        ));
        let e = chunks::<G1_SUM_ITEM>(&[0; 66]).expect_err("ragged");
        assert_eq!(
            e.to_string(),
            "AltBn128 invalid input: slice of size 66 cannot be precisely split into chunks of \
             size 65"
        );
    }
}

//! The `bls12381_*` host functions on `blst`, the library nearcore uses, through its C API as
//! nearcore does (the safe wrappers have no point addition or scalar multiplication).
//! Semantics are those of protocol version 88 (`bls12381_not_in_group_fix` off): points are
//! uncompressed big-endian (96 bytes in G1/E(Fp), 192 in G2/E(Fp2)), a point that does not
//! deserialize (including points on the curve outside the subgroup) makes the function return
//! 1 and write nothing, and a ragged input is `BLS12381InvalidInput`.

use std::ptr;

use blst::{
    blst_fp, blst_fp12, blst_fp2, blst_p1, blst_p1_affine, blst_p2, blst_p2_affine, BLST_ERROR,
};

use super::errors::{HostError, HostResult};
use super::gas::{ext, Gas};
use super::memory::Mem;
use super::{External, VmLogic};

const FP: usize = 48;
const SCALAR: usize = 32;

/// One of the two groups, as the blst functions that act on it. Every byte pointer handed to
/// these functions points at a slice of exactly the length the function reads (`point`,
/// `compressed`), which the callers below guarantee by chunking their input exactly.
struct Group<P, A> {
    /// nearcore's name in error messages (`bls12381_p1`, `bls12381_p2`).
    name: &'static str,
    /// Uncompressed point size.
    point: usize,
    /// Compressed point size.
    compressed: usize,
    deserialize: unsafe extern "C" fn(*mut A, *const u8) -> BLST_ERROR,
    uncompress: unsafe extern "C" fn(*mut A, *const u8) -> BLST_ERROR,
    serialize: unsafe extern "C" fn(*mut u8, *const A),
    from_affine: unsafe extern "C" fn(*mut P, *const A),
    to_affine: unsafe extern "C" fn(*mut A, *const P),
    add: unsafe extern "C" fn(*mut P, *const P, *const P),
    cneg: unsafe extern "C" fn(*mut P, bool),
    mult: unsafe extern "C" fn(*mut P, *const P, *const u8, usize),
    in_group: unsafe extern "C" fn(*const P) -> bool,
}

const G1: Group<blst_p1, blst_p1_affine> = Group {
    name: "bls12381_p1",
    point: 96,
    compressed: 48,
    deserialize: blst::blst_p1_deserialize,
    uncompress: blst::blst_p1_uncompress,
    serialize: blst::blst_p1_affine_serialize,
    from_affine: blst::blst_p1_from_affine,
    to_affine: blst::blst_p1_to_affine,
    add: blst::blst_p1_add_or_double,
    cneg: blst::blst_p1_cneg,
    mult: blst::blst_p1_mult,
    in_group: blst::blst_p1_in_g1,
};

const G2: Group<blst_p2, blst_p2_affine> = Group {
    name: "bls12381_p2",
    point: 192,
    compressed: 96,
    deserialize: blst::blst_p2_deserialize,
    uncompress: blst::blst_p2_uncompress,
    serialize: blst::blst_p2_affine_serialize,
    from_affine: blst::blst_p2_from_affine,
    to_affine: blst::blst_p2_to_affine,
    add: blst::blst_p2_add_or_double,
    cneg: blst::blst_p2_cneg,
    mult: blst::blst_p2_mult,
    in_group: blst::blst_p2_in_g2,
};

impl<P: Default + Copy, A: Default + Copy> Group<P, A> {
    /// An uncompressed point (`bytes.len() == self.point`, compression flag clear) in affine
    /// form, or `None`.
    fn affine(&self, bytes: &[u8]) -> Option<A> {
        debug_assert_eq!(bytes.len(), self.point);
        if bytes[0] & 0x80 != 0 {
            return None;
        }
        let mut affine = A::default();
        // SAFETY: `bytes` holds the `point` bytes deserialize reads.
        if unsafe { (self.deserialize)(&mut affine, bytes.as_ptr()) } != BLST_ERROR::BLST_SUCCESS {
            return None;
        }
        Some(affine)
    }

    fn projective(&self, affine: &A) -> P {
        let mut p = P::default();
        // SAFETY: both are valid, initialized blst values.
        unsafe { (self.from_affine)(&mut p, affine) };
        p
    }

    /// An uncompressed point, as `affine` reads it, in projective form.
    fn parse(&self, bytes: &[u8]) -> Option<P> {
        self.affine(bytes).map(|a| self.projective(&a))
    }

    /// An uncompressed point of the subgroup, in affine form.
    fn affine_in_group(&self, bytes: &[u8]) -> Option<A> {
        let affine = self.affine(bytes)?;
        // SAFETY: a valid, initialized point.
        unsafe { (self.in_group)(&self.projective(&affine)) }.then_some(affine)
    }

    fn serialize_affine(&self, affine: &A) -> Vec<u8> {
        let mut out = vec![0u8; self.point];
        // SAFETY: `out` has the `point` bytes serialize writes.
        unsafe { (self.serialize)(out.as_mut_ptr(), affine) };
        out
    }

    fn serialize(&self, p: &P) -> Vec<u8> {
        let mut affine = A::default();
        // SAFETY: both are valid, initialized blst values.
        unsafe { (self.to_affine)(&mut affine, p) };
        self.serialize_affine(&affine)
    }

    /// `acc += p`.
    fn add_to(&self, acc: &mut P, p: &P) {
        let acc: *mut P = acc;
        // SAFETY: blst allows the output to alias an input.
        unsafe { (self.add)(acc, acc, p) };
    }

    /// Σ ±pᵢ over `(sign, point)` items.
    fn sum(&self, data: &[u8]) -> HostResult<Option<Vec<u8>>> {
        let item = 1 + self.point;
        check_input_size(data, item, &format!("{}_sum", self.name))?;
        let mut acc = P::default();
        for chunk in data.chunks_exact(item) {
            let Some(mut p) = self.parse(&chunk[1..]) else {
                return Ok(None);
            };
            match chunk[0] {
                0 => {}
                // SAFETY: `p` is a valid point.
                1 => unsafe { (self.cneg)(&mut p, true) },
                _ => return Ok(None),
            }
            self.add_to(&mut acc, &p);
        }
        Ok(Some(self.serialize(&acc)))
    }

    /// Σ sᵢ·pᵢ over `(point, 32-byte little-endian scalar)` items; points must be in the
    /// subgroup.
    fn multiexp(&self, data: &[u8]) -> HostResult<Option<Vec<u8>>> {
        let item = self.point + SCALAR;
        check_input_size(data, item, &format!("{}_multiexp", self.name))?;
        let mut acc = P::default();
        for chunk in data.chunks_exact(item) {
            let (point, scalar) = chunk.split_at(self.point);
            let Some(p) = self.parse(point) else {
                return Ok(None);
            };
            // SAFETY: `p` is a valid point.
            if !unsafe { (self.in_group)(&p) } {
                return Ok(None);
            }
            let mut product = P::default();
            // SAFETY: `scalar` holds the SCALAR bytes (256 bits) mult reads.
            unsafe { (self.mult)(&mut product, &p, scalar.as_ptr(), SCALAR * 8) };
            self.add_to(&mut acc, &product);
        }
        Ok(Some(self.serialize(&acc)))
    }

    /// Compressed points to uncompressed ones.
    fn decompress(&self, data: &[u8]) -> HostResult<Option<Vec<u8>>> {
        check_input_size(data, self.compressed, &format!("{}_decompress", self.name))?;
        let mut out = Vec::with_capacity(data.len() / self.compressed * self.point);
        for chunk in data.chunks_exact(self.compressed) {
            if chunk[0] & 0x80 == 0 {
                return Ok(None);
            }
            let mut affine = A::default();
            // SAFETY: `chunk` holds the `compressed` bytes uncompress reads.
            let err = unsafe { (self.uncompress)(&mut affine, chunk.as_ptr()) };
            if err != BLST_ERROR::BLST_SUCCESS {
                return Ok(None);
            }
            out.extend_from_slice(&self.serialize_affine(&affine));
        }
        Ok(Some(out))
    }

    /// Maps field elements (`field` bytes each) to the group with `map`.
    fn map_to(
        &self,
        data: &[u8],
        field: usize,
        fn_name: &str,
        map: impl Fn(&[u8]) -> Option<P>,
    ) -> HostResult<Option<Vec<u8>>> {
        check_input_size(data, field, fn_name)?;
        let mut out = Vec::with_capacity(data.len() / field * self.point);
        for chunk in data.chunks_exact(field) {
            let Some(p) = map(chunk) else {
                return Ok(None);
            };
            out.extend_from_slice(&self.serialize(&p));
        }
        Ok(Some(out))
    }
}

/// A canonical big-endian Fp element (48 bytes), or `None` when it is not below the modulus.
fn read_fp(bytes: &[u8]) -> Option<blst_fp> {
    debug_assert_eq!(bytes.len(), FP);
    let mut fp = blst_fp::default();
    let mut back = [0u8; FP];
    // SAFETY: `bytes` holds the FP bytes read; `back` has the FP bytes written.
    unsafe {
        blst::blst_fp_from_bendian(&mut fp, bytes.as_ptr());
        blst::blst_bendian_from_fp(back.as_mut_ptr(), &fp);
    }
    (back[..] == *bytes).then_some(fp)
}

/// An Fp2 element encoded as `c1 || c0`, both canonical.
fn read_fp2(bytes: &[u8]) -> Option<blst_fp2> {
    let c1 = read_fp(&bytes[..FP])?;
    let c0 = read_fp(&bytes[FP..2 * FP])?;
    Some(blst_fp2 { fp: [c0, c1] })
}

fn map_fp_to_g1(bytes: &[u8]) -> Option<blst_p1> {
    let u = read_fp(bytes)?;
    let mut p = blst_p1::default();
    // SAFETY: `u` is a valid field element; a null `v` is blst's single-element form.
    unsafe { blst::blst_map_to_g1(&mut p, &u, ptr::null()) };
    Some(p)
}

fn map_fp2_to_g2(bytes: &[u8]) -> Option<blst_p2> {
    let u = read_fp2(bytes)?;
    let mut p = blst_p2::default();
    // SAFETY: as in `map_fp_to_g1`.
    unsafe { blst::blst_map_to_g2(&mut p, &u, ptr::null()) };
    Some(p)
}

/// 0 if Π e(pᵢ, qᵢ) = 1, 2 if not, 1 if a point is invalid or outside its subgroup.
fn pairing_check(data: &[u8]) -> HostResult<u64> {
    let item = G1.point + G2.point;
    check_input_size(data, item, "bls12381_pairing_check")?;
    let mut product = blst_fp12::default();
    let mut pairs = Vec::with_capacity(data.len() / item);
    for chunk in data.chunks_exact(item) {
        let (p1, p2) = chunk.split_at(G1.point);
        let (Some(p1), Some(p2)) = (G1.affine_in_group(p1), G2.affine_in_group(p2)) else {
            return Ok(1);
        };
        pairs.push((p1, p2));
    }
    for (p1, p2) in &pairs {
        product *= blst_fp12::miller_loop(p2, p1);
    }
    // SAFETY: `product` is a valid fp12 value.
    let one = unsafe { blst::blst_fp12_is_one(&product.final_exp()) };
    Ok(if one { 0 } else { 2 })
}

fn check_input_size(data: &[u8], item: usize, fn_name: &str) -> HostResult<()> {
    if !data.len().is_multiple_of(item) {
        return Err(HostError::Bls12381InvalidInput(format!(
            "Incorrect input length for {fn_name}: {} is not divisible by {item}",
            data.len()
        )));
    }
    Ok(())
}

impl<E: External> VmLogic<E> {
    /// The frame of every `bls12381_*` function but the pairing check, as nearcore charges it:
    /// the element fee counts `value_len / item` before the input is read; the result goes to
    /// the register and the function returns 0, or it returns 1 and writes nothing.
    #[allow(clippy::too_many_arguments)]
    fn bls12381_call(
        &mut self,
        mem: &Mem<'_>,
        (base, per_item): (Gas, Gas),
        item: usize,
        len: u64,
        ptr: u64,
        register_id: u64,
        f: impl FnOnce(&[u8]) -> HostResult<Option<Vec<u8>>>,
    ) -> HostResult<u64> {
        self.gas.burn(base)?;
        self.gas.pay_per(per_item, len / item as u64)?;
        let data = self.mem_or_reg(mem, len, ptr)?;
        match f(&data)? {
            Some(result) => {
                self.set_register(register_id, result)?;
                Ok(0)
            }
            None => Ok(1),
        }
    }

    /// `bls12381_pairing_check(value_len, value_ptr)`: 0 if Π e(pᵢ, qᵢ) = 1, 2 if not, 1 if
    /// a point is invalid. Charged per element after reading, as nearcore does.
    pub fn bls12381_pairing_check(&mut self, mem: &mut Mem<'_>, l: u64, p: u64) -> HostResult<u64> {
        self.gas.burn(ext::BLS12381_PAIRING_BASE)?;
        let data = self.mem_or_reg(mem, l, p)?;
        let items = (data.len() / (G1.point + G2.point)) as u64;
        self.gas.pay_per(ext::BLS12381_PAIRING_ELEMENT, items)?;
        pairing_check(&data)
    }
}

/// Declares the `bls12381_*` host functions that share `bls12381_call`'s frame.
macro_rules! bls12381_functions {
    ($($(#[$doc:meta])* $name:ident: $base:ident, $element:ident, $item:expr, $f:expr;)*) => {
        impl<E: External> VmLogic<E> {
            $(
                $(#[$doc])*
                pub fn $name(
                    &mut self,
                    mem: &mut Mem<'_>,
                    len: u64,
                    ptr: u64,
                    register_id: u64,
                ) -> HostResult<u64> {
                    let cost = (ext::$base, ext::$element);
                    self.bls12381_call(mem, cost, $item, len, ptr, register_id, $f)
                }
            )*
        }
    };
}

bls12381_functions! {
    /// `bls12381_p1_sum(value_len, value_ptr, register_id)`: Σ ±pᵢ in E(Fp).
    bls12381_p1_sum: BLS12381_P1_SUM_BASE, BLS12381_P1_SUM_ELEMENT, 1 + G1.point, |d| G1.sum(d);
    /// `bls12381_p2_sum(value_len, value_ptr, register_id)`: Σ ±pᵢ in E(Fp2).
    bls12381_p2_sum: BLS12381_P2_SUM_BASE, BLS12381_P2_SUM_ELEMENT, 1 + G2.point, |d| G2.sum(d);
    /// `bls12381_g1_multiexp(value_len, value_ptr, register_id)`: Σ sᵢ·pᵢ in G1.
    bls12381_g1_multiexp: BLS12381_G1_MULTIEXP_BASE, BLS12381_G1_MULTIEXP_ELEMENT,
        G1.point + SCALAR, |d| G1.multiexp(d);
    /// `bls12381_g2_multiexp(value_len, value_ptr, register_id)`: Σ sᵢ·pᵢ in G2.
    bls12381_g2_multiexp: BLS12381_G2_MULTIEXP_BASE, BLS12381_G2_MULTIEXP_ELEMENT,
        G2.point + SCALAR, |d| G2.multiexp(d);
    /// `bls12381_map_fp_to_g1(value_len, value_ptr, register_id)`.
    bls12381_map_fp_to_g1: BLS12381_MAP_FP_TO_G1_BASE, BLS12381_MAP_FP_TO_G1_ELEMENT, FP,
        |d| G1.map_to(d, FP, "bls12381_map_fp_to_g1", map_fp_to_g1);
    /// `bls12381_map_fp2_to_g2(value_len, value_ptr, register_id)`.
    bls12381_map_fp2_to_g2: BLS12381_MAP_FP2_TO_G2_BASE, BLS12381_MAP_FP2_TO_G2_ELEMENT, 2 * FP,
        |d| G2.map_to(d, 2 * FP, "bls12381_map_fp2_to_g2", map_fp2_to_g2);
    /// `bls12381_p1_decompress(value_len, value_ptr, register_id)`.
    bls12381_p1_decompress: BLS12381_P1_DECOMPRESS_BASE, BLS12381_P1_DECOMPRESS_ELEMENT,
        G1.compressed, |d| G1.decompress(d);
    /// `bls12381_p2_decompress(value_len, value_ptr, register_id)`.
    bls12381_p2_decompress: BLS12381_P2_DECOMPRESS_BASE, BLS12381_P2_DECOMPRESS_ELEMENT,
        G2.compressed, |d| G2.decompress(d);
}

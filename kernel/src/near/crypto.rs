//! Hashes and signature checks: sha256, keccak256/512, sha3-256/384/512, ripemd160,
//! ed25519_verify, ml_dsa_verify, ecrecover, and the input reading all signature checks
//! share. p256 and alt_bn128 are in `curves.rs`, bls12381 in `bls12381.rs`.

use sha2::Digest;

use super::abi::{Bytes, Out};
use super::errors::{HostError, HostResult};
use super::gas::{ext, Gas};
use super::memory::Mem;
use super::{External, VmLogic};

/// A hash function of the NEAR ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    /// SHA-256.
    Sha256,
    /// Keccak-256 (Ethereum's).
    Keccak256,
    /// Keccak-512.
    Keccak512,
    /// SHA3-256.
    Sha3_256,
    /// SHA3-384.
    Sha3_384,
    /// SHA3-512.
    Sha3_512,
    /// RIPEMD-160.
    Ripemd160,
}

impl Hash {
    /// (`X_base`, cost per unit).
    fn costs(self) -> (Gas, Gas) {
        match self {
            Hash::Sha256 => (ext::SHA256_BASE, ext::SHA256_BYTE),
            Hash::Keccak256 => (ext::KECCAK256_BASE, ext::KECCAK256_BYTE),
            Hash::Keccak512 => (ext::KECCAK512_BASE, ext::KECCAK512_BYTE),
            Hash::Sha3_256 => (ext::SHA3_256_BASE, ext::SHA3_256_BYTE),
            Hash::Sha3_384 => (ext::SHA3_384_BASE, ext::SHA3_384_BYTE),
            Hash::Sha3_512 => (ext::SHA3_512_BASE, ext::SHA3_512_BYTE),
            Hash::Ripemd160 => (ext::RIPEMD160_BASE, ext::RIPEMD160_BLOCK),
        }
    }

    /// Charged units for `len` bytes: bytes, or for ripemd160 the 64-byte blocks of the
    /// message padded with 9 bytes (0x80 + length), as nearcore counts them.
    fn units(self, len: u64) -> u64 {
        match self {
            Hash::Ripemd160 => (len + 8) / 64 + 1,
            _ => len,
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Hash::Keccak256 => sha3::Keccak256::digest(data).to_vec(),
            Hash::Keccak512 => sha3::Keccak512::digest(data).to_vec(),
            Hash::Sha3_256 => sha3::Sha3_256::digest(data).to_vec(),
            Hash::Sha3_384 => sha3::Sha3_384::digest(data).to_vec(),
            Hash::Sha3_512 => sha3::Sha3_512::digest(data).to_vec(),
            Hash::Ripemd160 => ripemd::Ripemd160::digest(data).to_vec(),
        }
    }
}

/// Which input of a signature check has the wrong size.
#[derive(Debug, Clone, Copy)]
pub(super) enum SignedPart {
    Signature,
    PublicKey,
}

impl SignedPart {
    /// nearcore's wording for ed25519 and p256.
    pub(super) fn wrong_length(self) -> String {
        match self {
            SignedPart::Signature => "invalid signature length".into(),
            SignedPart::PublicKey => "invalid public key length".into(),
        }
    }
}

/// How a signature host function reads its inputs.
pub(super) struct SignatureCheck {
    /// Base cost and cost per message byte.
    pub costs: (Gas, Gas),
    /// Required sizes of the signature and the public key.
    pub sizes: (usize, usize),
    /// The error for a wrong size (given the part and the size received).
    pub wrong_size: fn(SignedPart, usize) -> HostError,
    /// Whether a right-sized signature parses; when not, the check answers 0 at once.
    pub signature_parses: fn(&[u8]) -> bool,
    /// Whether (signature, message, key), of the right sizes, verify.
    pub verify: fn(&[u8], &[u8], &[u8]) -> bool,
}

/// `ed25519_verify`: 64-byte signature, 32-byte key; wrong sizes are errors, a key that is not
/// a curve point verifies nothing.
const ED25519: SignatureCheck = SignatureCheck {
    costs: (ext::ED25519_VERIFY_BASE, ext::ED25519_VERIFY_BYTE),
    sizes: (64, 32),
    wrong_size: |part, _| HostError::Ed25519VerifyInvalidInput(part.wrong_length()),
    signature_parses: |_| true,
    verify: |sig, msg, pk| {
        let (Ok(sig), Ok(pk)) = (<[u8; 64]>::try_from(sig), <[u8; 32]>::try_from(pk)) else {
            return false;
        };
        let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&pk) else {
            return false;
        };
        let sig = ed25519_dalek::Signature::from_bytes(&sig);
        ed25519_dalek::Verifier::verify(&key, msg, &sig).is_ok()
    },
};

const ML_DSA_65_SIGNATURE: usize = 3309;
const ML_DSA_65_PUBLIC_KEY: usize = 1952;

/// `ml_dsa_verify`: ML-DSA-65 (FIPS 204), 3309-byte signature, 1952-byte key, empty context
/// (as NEAR's ML-DSA transaction signatures are made). Wrong sizes are errors worded as
/// nearcore words them.
const ML_DSA_65: SignatureCheck = SignatureCheck {
    costs: (ext::ML_DSA_VERIFY_BASE, ext::ML_DSA_VERIFY_BYTE),
    sizes: (ML_DSA_65_SIGNATURE, ML_DSA_65_PUBLIC_KEY),
    wrong_size: |part, got| {
        let (what, want) = match part {
            SignedPart::Signature => ("signature", ML_DSA_65_SIGNATURE),
            SignedPart::PublicKey => ("key", ML_DSA_65_PUBLIC_KEY),
        };
        HostError::MlDsaVerifyInvalidInput(format!(
            "invalid {what} length: expected the input of {want} bytes, but {got} was given"
        ))
    },
    signature_parses: |_| true,
    verify: |sig, msg, pk| {
        use ml_dsa::{EncodedVerifyingKey, MlDsa65, Signature, VerifyingKey};
        let (Ok(sig), Ok(pk)) = (
            Signature::<MlDsa65>::try_from(sig),
            EncodedVerifyingKey::<MlDsa65>::try_from(pk),
        ) else {
            return false;
        };
        VerifyingKey::<MlDsa65>::decode(&pk).verify_with_context(msg, &[], &sig)
    },
};

/// Declares the signature-check host functions: `(sig_len, sig_ptr, msg_len, msg_ptr,
/// pub_key_len, pub_key_ptr) -> 1 | 0`, each over its `SignatureCheck`.
macro_rules! signature_checks {
    ($($(#[$doc:meta])* $name:ident => $check:expr;)*) => {
        impl<E: External> VmLogic<E> {
            $(
                $(#[$doc])*
                #[allow(clippy::too_many_arguments)]
                pub fn $name(
                    &mut self,
                    mem: &mut Mem<'_>,
                    sig_len: u64,
                    sig_ptr: u64,
                    msg_len: u64,
                    msg_ptr: u64,
                    pk_len: u64,
                    pk_ptr: u64,
                ) -> HostResult<u64> {
                    let at = [(sig_len, sig_ptr), (msg_len, msg_ptr), (pk_len, pk_ptr)];
                    let Some([sig, msg, pk]) = self.signed_inputs(mem, &$check, at)? else {
                        return Ok(0);
                    };
                    Ok(u64::from(($check.verify)(&sig, &msg, &pk)))
                }
            )*
        }
    };
}

signature_checks! {
    /// `ed25519_verify(...)`: 1 if the signature is valid, 0 if not.
    ed25519_verify => ED25519;
    /// `ml_dsa_verify(...)`: 1 if the ML-DSA-65 signature is valid, 0 if not.
    ml_dsa_verify => ML_DSA_65;
    /// `p256_verify(...)`: 1 if the P-256 ECDSA signature of the prehashed message is valid.
    p256_verify => super::curves::P256;
}

impl<E: External> VmLogic<E> {
    /// Reads (signature, message, public key) in nearcore's order and charges as nearcore
    /// does: base, the signature (size-checked), the message (per byte), the key
    /// (size-checked). `None` when the signature does not parse, before the message is read.
    pub(super) fn signed_inputs(
        &mut self,
        mem: &Mem<'_>,
        check: &SignatureCheck,
        [(sig_len, sig_ptr), (msg_len, msg_ptr), (pk_len, pk_ptr)]: [(u64, u64); 3],
    ) -> HostResult<Option<[Vec<u8>; 3]>> {
        self.gas.burn(check.costs.0)?;
        let sig = self.mem_or_reg(mem, sig_len, sig_ptr)?;
        if sig.len() != check.sizes.0 {
            return Err((check.wrong_size)(SignedPart::Signature, sig.len()));
        }
        if !(check.signature_parses)(&sig) {
            return Ok(None);
        }
        let msg = self.mem_or_reg(mem, msg_len, msg_ptr)?;
        self.gas.pay_per(check.costs.1, msg.len() as u64)?;
        let pk = self.mem_or_reg(mem, pk_len, pk_ptr)?;
        if pk.len() != check.sizes.1 {
            return Err((check.wrong_size)(SignedPart::PublicKey, pk.len()));
        }
        Ok(Some([sig, msg, pk]))
    }

    /// Hashes `input` with `alg` into `out`; returns the digest's length. Gas as nearcore:
    /// `X_base`, then `X_byte` per byte (ripemd160: per 64-byte block), no `base` charge.
    pub fn hash(
        &mut self,
        mem: &mut Mem<'_>,
        alg: Hash,
        input: Bytes,
        out: Out,
    ) -> HostResult<u64> {
        let (base, per_unit) = alg.costs();
        self.gas.burn(base)?;
        let data = self.read_bytes(mem, input)?;
        self.gas.pay_per(per_unit, alg.units(data.len() as u64))?;
        self.deliver(mem, out, alg.digest(&data))
    }

    /// `ecrecover(hash_len, hash_ptr, sig_len, sig_ptr, v, malleability_flag, register_id)`:
    /// 1 and the 64-byte uncompressed public key (no 0x04 prefix) in the register, or 0.
    #[allow(clippy::too_many_arguments)]
    pub fn ecrecover(
        &mut self,
        mem: &mut Mem<'_>,
        hash_len: u64,
        hash_ptr: u64,
        sig_len: u64,
        sig_ptr: u64,
        v: u64,
        malleability_flag: u64,
        register_id: u64,
    ) -> HostResult<u64> {
        self.gas.burn(ext::ECRECOVER_BASE)?;
        let hash = self.mem_or_reg(mem, hash_len, hash_ptr)?;
        if hash.len() != 32 {
            return Err(HostError::EcRecoverError("invalid hash length".into()));
        }
        let sig = self.mem_or_reg(mem, sig_len, sig_ptr)?;
        if sig.len() != 64 {
            return Err(HostError::EcRecoverError("invalid signature length".into()));
        }
        if v >= 4 {
            return Err(HostError::EcRecoverError(format!(
                "V recovery byte 0 through 3 are valid but was {v}"
            )));
        }
        if malleability_flag > 1 {
            return Err(HostError::EcRecoverError(format!(
                "Malleability flag needs to be 0 or 1, but is instead {malleability_flag}"
            )));
        }
        match recover(&hash, &sig, v as u8, malleability_flag == 1) {
            Some(pk) => {
                self.set_register(register_id, pk)?;
                Ok(1)
            }
            None => Ok(0),
        }
    }
}

/// secp256k1 public-key recovery as nearcore's `Secp256K1Signature::recover`, after its
/// `check_signature_values` (r < n, s < n, and s ≤ n/2 when rejecting malleable signatures).
fn recover(hash: &[u8], sig: &[u8], v: u8, reject_upper: bool) -> Option<Vec<u8>> {
    use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
    let sig = Signature::from_slice(sig).ok()?;
    if reject_upper && sig.normalize_s().is_some() {
        return None;
    }
    let recid = RecoveryId::from_byte(v)?;
    let key = VerifyingKey::recover_from_prehash(hash, &sig, recid).ok()?;
    let point = key.to_encoded_point(false);
    point.as_bytes().get(1..).map(<[u8]>::to_vec)
}

#[cfg(test)]
mod tests {
    #[test]
    fn recovers_a_k256_signature() {
        let key = k256::ecdsa::SigningKey::from_slice(&[7u8; 32]).expect("key");
        let hash = [42u8; 32];
        let (sig, recid) = key.sign_prehash_recoverable(&hash).expect("sign");
        let want = key.verifying_key().to_encoded_point(false).as_bytes()[1..].to_vec();
        let got = super::recover(&hash, &sig.to_bytes(), recid.to_byte(), true);
        assert_eq!(got, Some(want));
    }
}

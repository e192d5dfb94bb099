//! `probe`: a near-sdk contract that exercises host functions the other contracts don't
//! (every hash, signature checks, an endless loop, storage usage). Test-only.

use near_sdk::json_types::Base64VecU8;
use near_sdk::serde::Serialize;
use near_sdk::{env, near};

// Host functions near-sdk's `env` has no (stable) wrapper for, declared here directly.
#[cfg(target_arch = "wasm32")]
extern "C" {
    fn sha3_256(value_len: u64, value_ptr: u64, register_id: u64);
    fn sha3_384(value_len: u64, value_ptr: u64, register_id: u64);
    fn sha3_512(value_len: u64, value_ptr: u64, register_id: u64);
    fn ripemd160(value_len: u64, value_ptr: u64, register_id: u64);
    #[link_name = "ecrecover"]
    fn ecrecover_raw(
        hash_len: u64,
        hash_ptr: u64,
        sig_len: u64,
        sig_ptr: u64,
        v: u64,
        malleability_flag: u64,
        register_id: u64,
    ) -> u64;
}

const REG: u64 = 7;

#[cfg(target_arch = "wasm32")]
fn raw_hash(f: unsafe extern "C" fn(u64, u64, u64), data: &[u8]) -> Vec<u8> {
    // SAFETY: a host function that reads `data` from our memory and writes register REG.
    unsafe { f(data.len() as u64, data.as_ptr() as u64, REG) };
    env::read_register(REG).unwrap_or_default()
}

#[cfg(target_arch = "wasm32")]
fn recover(hash: &[u8], sig: &[u8], v: u8) -> Option<Vec<u8>> {
    // SAFETY: reads both inputs from our memory, writes register REG on success.
    let ok = unsafe {
        ecrecover_raw(
            hash.len() as u64,
            hash.as_ptr() as u64,
            sig.len() as u64,
            sig.as_ptr() as u64,
            v as u64,
            1,
            REG,
        )
    };
    if ok == 1 {
        env::read_register(REG)
    } else {
        None
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn recover(_hash: &[u8], _sig: &[u8], _v: u8) -> Option<Vec<u8>> {
    None
}

#[cfg(target_arch = "wasm32")]
fn sha3(which: u32, data: &[u8]) -> Vec<u8> {
    match which {
        256 => raw_hash(sha3_256, data),
        384 => raw_hash(sha3_384, data),
        _ => raw_hash(sha3_512, data),
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn sha3(_which: u32, _data: &[u8]) -> Vec<u8> {
    Vec::new()
}

#[cfg(target_arch = "wasm32")]
fn ripemd(data: &[u8]) -> Vec<u8> {
    raw_hash(ripemd160, data)
}

#[cfg(not(target_arch = "wasm32"))]
fn ripemd(_data: &[u8]) -> Vec<u8> {
    Vec::new()
}

/// Hex digests of one input by every hash host function.
#[derive(Serialize)]
#[serde(crate = "near_sdk::serde")]
pub struct Digests {
    sha256: String,
    keccak256: String,
    keccak512: String,
    sha3_256: String,
    sha3_384: String,
    sha3_512: String,
    ripemd160: String,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// No state.
#[near(contract_state)]
#[derive(Default)]
pub struct Probe {}

#[near]
impl Probe {
    /// Digests of `data` (UTF-8 text).
    pub fn digests(&self, data: String) -> Digests {
        let d = data.as_bytes();
        Digests {
            sha256: hex(&env::sha256(d)),
            keccak256: hex(&env::keccak256(d)),
            keccak512: hex(&env::keccak512(d)),
            sha3_256: hex(&sha3(256, d)),
            sha3_384: hex(&sha3(384, d)),
            sha3_512: hex(&sha3(512, d)),
            ripemd160: hex(&ripemd(d)),
        }
    }

    /// `ed25519_verify` of base64 inputs.
    pub fn ed25519(
        &self,
        signature: Base64VecU8,
        message: Base64VecU8,
        public_key: Base64VecU8,
    ) -> bool {
        let (Ok(sig), Ok(pk)) =
            (<[u8; 64]>::try_from(signature.0.as_slice()), <[u8; 32]>::try_from(public_key.0.as_slice()))
        else {
            env::panic_str("bad signature or key length");
        };
        env::ed25519_verify(&sig, &message.0, &pk)
    }

    /// `ecrecover`: the 64-byte public key in hex, or null. (A method named `ecrecover` would
    /// be linked in place of the host import of the same name.)
    pub fn recover_key(&self, hash: Base64VecU8, signature: Base64VecU8, v: u8) -> Option<String> {
        recover(&hash.0, &signature.0, v).map(|pk| hex(&pk))
    }

    /// Never returns: burns gas until the runtime stops it.
    pub fn spin(&self) -> u64 {
        let mut x: u64 = 0;
        loop {
            x = core::hint::black_box(x.wrapping_add(1));
        }
    }

    /// Writes `n` keys of `len` bytes each and returns `storage_usage()` after.
    pub fn fill(&mut self, n: u32, len: u32) -> u64 {
        for i in 0..n {
            env::storage_write(format!("k{i}").as_bytes(), &vec![b'x'; len as usize]);
        }
        env::storage_usage()
    }

    /// Pages of linear memory (nearcore gives 1024 = 64 MiB up front).
    pub fn memory_pages(&self) -> u64 {
        #[cfg(target_arch = "wasm32")]
        let pages = core::arch::wasm32::memory_size(0) as u64;
        #[cfg(not(target_arch = "wasm32"))]
        let pages = 0;
        pages
    }

    /// Grows memory by `pages`; returns the old size in pages, or -1 when refused.
    pub fn grow(&self, pages: u32) -> i64 {
        #[cfg(target_arch = "wasm32")]
        let old = match core::arch::wasm32::memory_grow(0, pages as usize) {
            usize::MAX => -1,
            n => n as i64,
        };
        #[cfg(not(target_arch = "wasm32"))]
        let old = i64::from(pages) * 0 - 1;
        old
    }

    /// Reads, then marks, a static in the data segment and a byte high in linear memory
    /// (page 1000, far above the heap). Every call gets a fresh memory, so every call must
    /// return `[0, 0]`; anything else is memory left over from an earlier call.
    pub fn scribble(&self) -> [u32; 2] {
        use core::sync::atomic::{AtomicU32, Ordering};
        static MARK: AtomicU32 = AtomicU32::new(0);
        let seen = MARK.swap(0xC0FFEE, Ordering::Relaxed);
        #[cfg(target_arch = "wasm32")]
        let high = {
            let p = (1000 * 65536) as *mut u32;
            // SAFETY: page 1000 is inside the 1024 pages every call starts with, and nothing
            // else in this contract uses memory that far up.
            unsafe {
                let old = p.read_volatile();
                p.write_volatile(0xC0FFEE);
                old
            }
        };
        #[cfg(not(target_arch = "wasm32"))]
        let high = 0;
        [seen, high]
    }

    /// Emits `n` logs.
    pub fn logs(&self, n: u32) {
        for i in 0..n {
            env::log_str(&format!("log {i}"));
        }
    }
}

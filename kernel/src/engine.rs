//! The wasmtime engines: one `Engine` per process, holding one wasmtime engine per
//! [`Profile`] (NEAR contracts with nearcore's wasm features; WASI programs), each with fuel
//! (gas) and epoch interruption (wall-clock timeouts), and a module cache keyed by profile
//! and the code's sha256, in memory and on disk.
//!
//! Disk cache: `<cache_dir>/<sha256 hex>.<profile>.v<prepare::VERSION>.cwasm`, wasmtime's
//! serialized artifact of the prepared code, written at deploy or first use. wasmtime refuses an artifact
//! from another version or configuration; such a file is recompiled and replaced, so a stale
//! cache costs time, never correctness. Artifacts of older preparations are deleted at start.
//!
//! Memory: nearcore replaces a contract's memory by one of 64 MiB initial / 128 MiB max;
//! [`crate::prepare`] rewrites the memory section to exactly that before compiling, so
//! `memory.size` and `memory.grow` see what they see on nearcore.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use lru::LruCache;
use parking_lot::Mutex;
use sha2::Digest;
use wasmtime::{Config, Enabled, InstanceAllocationStrategy, Module, PoolingAllocationConfig};

use crate::prepare;
pub use crate::prepare::{CompileError, INITIAL_MEMORY_PAGES, MAX_CONTRACT_SIZE, MAX_MEMORY_PAGES};
use crate::profile::Profile;

/// How often the epoch advances: the resolution of timeouts.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The epoch deadline (in ticks from now) of a wall-clock limit of `timeout`: rounded up,
/// plus the tick already under way, and bounded so that wasmtime's `current + ticks` never
/// overflows (a limit past that bound is none).
pub fn epoch_ticks(timeout: Duration) -> u64 {
    let ticks = timeout.as_nanos().div_ceil(EPOCH_TICK.as_nanos());
    u64::try_from(ticks)
        .unwrap_or(u64::MAX)
        .saturating_add(1)
        .min(u64::MAX / 2)
}

/// Compiled modules kept in memory (per cache, least recently used dropped first), as many
/// as nearcore's node keeps; the disk cache has them all.
pub const MODULE_CACHE_ENTRIES: std::num::NonZeroUsize = match std::num::NonZeroUsize::new(256) {
    Some(n) => n,
    None => unreachable!(),
};

/// A code hash (sha256).
pub type CodeHash = [u8; 32];

/// Module-cache counters, to see what a call cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CacheStats {
    /// Modules compiled by cranelift.
    pub compiled: u64,
    /// Modules loaded from the disk cache.
    pub disk_hits: u64,
    /// Modules found in memory.
    pub memory_hits: u64,
}

/// The process's wasmtime engines with their module cache.
pub struct Engine {
    /// A NEAR contract's engine: instances from a pool of pre-reserved slots.
    near: wasmtime::Engine,
    /// A WASI program's engine: instances allocated on demand (programs declare their own
    /// memory sizes, which no fixed slot fits).
    wasi: wasmtime::Engine,
    cache_dir: PathBuf,
    modules: Mutex<LruCache<(Profile, CodeHash), Module>>,
    compiled: AtomicU64,
    disk_hits: AtomicU64,
    memory_hits: AtomicU64,
    stop_ticker: Arc<AtomicBool>,
}

/// A NEAR contract's engine configuration: the profile's, with the pooling allocator.
fn near_config() -> Config {
    let mut c = Profile::NearContract.config();
    // Instances come from a pool of pre-reserved slots, as nearcore's engine does, instead
    // of mapping and unmapping 64 MiB on every call. A slot goes back to the module that
    // used it last, so its memory image and protections are already in place.
    // Between calls a slot's memory stays mapped and is reset in place, up to a budget,
    // rather than decommitted and faulted in again by the next call. With Linux's
    // `PAGEMAP_SCAN` (6.7+) only the pages a call dirtied are reset, so a budget of 1 MiB
    // costs nothing for calls that touch little (256 slots hold at most 256 MiB resident);
    // without it the whole budget is `memset` every time, so it stays at 64 KiB (measured: a
    // blind 1 MiB reset cost more than a whole counter call).
    let pagemap = PoolingAllocationConfig::is_pagemap_scan_available();
    let keep_resident = if pagemap {
        KEEP_RESIDENT_WITH_PAGEMAP
    } else {
        64 << 10
    };
    let mut pool = PoolingAllocationConfig::default();
    pool.total_core_instances(MAX_CONCURRENT_CALLS)
        .total_memories(MAX_CONCURRENT_CALLS)
        .total_tables(MAX_CONCURRENT_CALLS)
        .max_memory_size((MAX_MEMORY_PAGES as usize) * WASM_PAGE)
        .linear_memory_keep_resident(keep_resident)
        .table_keep_resident(1 << 16)
        .pagemap_scan(if pagemap { Enabled::Yes } else { Enabled::No });
    c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    c
}

/// The resident budget of a slot's memory between calls when dirty pages can be found.
pub const KEEP_RESIDENT_WITH_PAGEMAP: usize = 1 << 20;

/// Calls that may run at once (pool slots); one more fails to instantiate until one ends.
pub const MAX_CONCURRENT_CALLS: u32 = 256;
const WASM_PAGE: usize = 64 << 10;

impl Engine {
    /// An engine caching compiled modules under `cache_dir` (created if needed). Starts the
    /// epoch ticker thread (stopped when the engine is dropped).
    pub fn new(cache_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(cache_dir)?;
        remove_stale_artifacts(cache_dir);
        let near = wasmtime::Engine::new(&near_config())?;
        let wasi = wasmtime::Engine::new(&Profile::WasiProgram.config())?;
        let stop = Arc::new(AtomicBool::new(false));
        let (engines, s) = ([near.clone(), wasi.clone()], stop.clone());
        std::thread::Builder::new()
            .name("wasm-epoch".into())
            .spawn(move || {
                while !s.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engines.iter().for_each(wasmtime::Engine::increment_epoch);
                }
            })?;
        Ok(Engine {
            near,
            wasi,
            cache_dir: cache_dir.to_path_buf(),
            modules: Mutex::new(LruCache::new(MODULE_CACHE_ENTRIES)),
            compiled: AtomicU64::new(0),
            disk_hits: AtomicU64::new(0),
            memory_hits: AtomicU64::new(0),
            stop_ticker: stop,
        })
    }

    /// The wasmtime engine of `profile`.
    pub fn wasmtime(&self, profile: Profile) -> &wasmtime::Engine {
        match profile {
            Profile::NearContract => &self.near,
            Profile::WasiProgram => &self.wasi,
        }
    }

    /// Cache counters since this engine started.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            compiled: self.compiled.load(Ordering::Relaxed),
            disk_hits: self.disk_hits.load(Ordering::Relaxed),
            memory_hits: self.memory_hits.load(Ordering::Relaxed),
        }
    }

    /// The sha256 of `code`.
    pub fn hash(code: &[u8]) -> CodeHash {
        sha2::Sha256::digest(code).into()
    }

    fn artifact_path(&self, profile: Profile, hash: &CodeHash) -> PathBuf {
        let hash = hex::encode(hash);
        self.cache_dir
            .join(format!("{hash}{}", artifact_suffix(profile)))
    }

    /// The module for `code` (whose sha256 is `hash`) compiled as `profile`: from memory,
    /// else from disk, else compiled (and written to disk).
    pub fn load(
        &self,
        profile: Profile,
        hash: &CodeHash,
        code: &[u8],
    ) -> Result<Module, CompileError> {
        let key = (profile, *hash);
        if let Some(m) = self.modules.lock().get(&key) {
            self.memory_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(m.clone());
        }
        let path = self.artifact_path(profile, hash);
        if path.exists() {
            // SAFETY: the file is an artifact this engine wrote with `Module::serialize` into
            // our private cache directory; wasmtime checks its version/config header and
            // rejects mismatches (then we recompile).
            match unsafe { Module::deserialize_file(self.wasmtime(profile), &path) } {
                Ok(m) => {
                    self.disk_hits.fetch_add(1, Ordering::Relaxed);
                    self.modules.lock().put(key, m.clone());
                    return Ok(m);
                }
                Err(e) => tracing::warn!("recompiling {}: {e:#}", path.display()),
            }
        }
        let module = self.compile(profile, code)?;
        self.compiled.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = self.write_artifact(&path, &module) {
            tracing::warn!("cannot cache {}: {e:#}", path.display());
        }
        self.modules.lock().put(key, module.clone());
        Ok(module)
    }

    fn write_artifact(&self, path: &Path, module: &Module) -> anyhow::Result<()> {
        let bytes = module.serialize()?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }

    /// Validates and compiles `code` as `profile` accepts it (for a contract: as nearcore's
    /// preparation would).
    pub fn compile(&self, profile: Profile, code: &[u8]) -> Result<Module, CompileError> {
        let prepared = profile.prepare(code)?;
        let module = Module::new(self.wasmtime(profile), &prepared)
            .map_err(|e| CompileError::Invalid(format!("{e:#}")))?;
        profile.check_imports(&module)?;
        Ok(module)
    }
}

/// How the artifacts of `profile` under the current preparation end.
fn artifact_suffix(profile: Profile) -> String {
    format!(".{}.v{}.cwasm", profile.tag(), prepare::VERSION)
}

/// Deletes artifacts of older preparations (their names lack the current version), which
/// would otherwise stay on disk unused forever.
fn remove_stale_artifacts(cache_dir: &Path) {
    let current = Profile::ALL.map(artifact_suffix);
    let Ok(entries) = std::fs::read_dir(cache_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".cwasm") && !current.iter().any(|c| name.ends_with(c.as_str())) {
            if let Err(e) = std::fs::remove_file(entry.path()) {
                tracing::warn!("cannot remove stale {}: {e}", entry.path().display());
            }
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop_ticker.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A distinct minimal module per `i` (a custom section carries the number).
    fn tiny(i: u32) -> Vec<u8> {
        let mut code = b"\0asm\x01\0\0\0".to_vec();
        let payload = [&[1u8, b'n'][..], &i.to_le_bytes()].concat();
        code.push(0);
        code.push(payload.len() as u8);
        code.extend_from_slice(&payload);
        code
    }

    #[test]
    fn memory_cache_is_bounded_and_the_disk_cache_backs_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let engine = Engine::new(dir.path()).expect("engine");
        let extra = 20;
        let n = MODULE_CACHE_ENTRIES.get() as u32 + extra;
        for i in 0..n {
            let code = tiny(i);
            engine
                .load(Profile::NearContract, &Engine::hash(&code), &code)
                .expect("compiles");
        }
        assert_eq!(engine.modules.lock().len(), MODULE_CACHE_ENTRIES.get());
        // The oldest was evicted from memory and comes back from disk, without compiling.
        let first = tiny(0);
        let before = engine.stats();
        engine
            .load(Profile::NearContract, &Engine::hash(&first), &first)
            .expect("reloads");
        let after = engine.stats();
        assert_eq!(after.compiled, before.compiled);
        assert_eq!(after.disk_hits, before.disk_hits + 1);
        // The newest is still in memory.
        let last = tiny(n - 1);
        engine
            .load(Profile::NearContract, &Engine::hash(&last), &last)
            .expect("cached");
        assert_eq!(engine.stats().memory_hits, after.memory_hits + 1);
    }

    #[test]
    fn epoch_deadlines_round_up_and_never_overflow() {
        assert_eq!(epoch_ticks(Duration::ZERO), 1);
        assert_eq!(epoch_ticks(EPOCH_TICK), 2);
        assert_eq!(epoch_ticks(EPOCH_TICK + Duration::from_nanos(1)), 3);
        assert_eq!(epoch_ticks(Duration::MAX), u64::MAX / 2);
    }

    /// `(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32)
    /// (result i32)))`, hand-assembled: what every wasm32-wasip1 program imports.
    const WASI_IMPORT: &[u8] = b"\0asm\x01\0\0\0\
        \x01\x09\x01\x60\x04\x7f\x7f\x7f\x7f\x01\x7f\
        \x02\x23\x01\x16wasi_snapshot_preview1\x08fd_write\x00\x00";

    #[test]
    fn the_profile_decides_what_compiles_and_keys_the_cache() {
        let dir = tempfile::tempdir().expect("tempdir");
        let engine = Engine::new(dir.path()).expect("engine");
        let hash = Engine::hash(WASI_IMPORT);
        let refused = engine.load(Profile::NearContract, &hash, WASI_IMPORT);
        assert!(
            matches!(refused, Err(CompileError::BadImport(_))),
            "{refused:?}"
        );
        engine
            .load(Profile::WasiProgram, &hash, WASI_IMPORT)
            .expect("a program may import WASI");
        // One code hash, compiled per profile: separate artifacts, separate cache entries.
        let plain = tiny(7);
        let plain_hash = Engine::hash(&plain);
        for profile in Profile::ALL {
            engine.load(profile, &plain_hash, &plain).expect("compiles");
        }
        assert_eq!(engine.stats().compiled, 3);
        for profile in Profile::ALL {
            assert!(engine.artifact_path(profile, &plain_hash).exists());
        }
        // A restart keeps every profile's artifacts.
        drop(engine);
        let engine = Engine::new(dir.path()).expect("engine");
        for profile in Profile::ALL {
            engine
                .load(profile, &plain_hash, &plain)
                .expect("from disk");
        }
        assert_eq!(engine.stats().disk_hits, 2);
    }
}

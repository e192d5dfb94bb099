//! What kind of wasm a module is, and what follows from it: the wasm features the engine
//! accepts, what is done to the code before compiling, which imports it may have. The
//! profile is part of every module-cache key, so one code hash compiled two ways never mixes.

use std::borrow::Cow;

use wasmtime::{Config, ExternType, Module, OptLevel};

use crate::prepare::{self, CompileError};

/// The largest WASI program accepted, bytes.
pub const MAX_PROGRAM_SIZE: usize = 64 << 20;

/// How a module is compiled and what it may import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// A NEAR contract (`wasm32-unknown-unknown`, near-sdk): nearcore's wasm features, its
    /// memory rewritten to nearcore's size, only `env` functions imported.
    NearContract,
    /// A WASI program (`wasm32-wasip1` command) run as a guest task: the features today's
    /// compilers emit (multi-value, SIMD, ...), its memory as declared.
    WasiProgram,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 2] = [Profile::NearContract, Profile::WasiProgram];

    /// Its name in artifact file names.
    pub fn tag(self) -> &'static str {
        match self {
            Profile::NearContract => "near",
            Profile::WasiProgram => "wasi",
        }
    }

    /// The largest code accepted: nearcore's contract size limit for contracts; for programs,
    /// room for a multi-call binary such as uutils coreutils (about 10 MiB).
    pub fn max_code_size(self) -> usize {
        match self {
            Profile::NearContract => prepare::MAX_CONTRACT_SIZE,
            Profile::WasiProgram => MAX_PROGRAM_SIZE,
        }
    }

    /// The engine configuration, without the instance allocator (the engine's choice).
    /// Both meter instructions with fuel (gas) and stop on epochs (wall-clock timeouts).
    pub(crate) fn config(self) -> Config {
        let mut c = Config::new();
        c.consume_fuel(true)
            .epoch_interruption(true)
            .cranelift_opt_level(OptLevel::Speed);
        if self == Profile::NearContract {
            // nearcore's features: MVP, mutable globals, sign-ext, saturating float-to-int,
            // reference types (on by default), bulk memory; nothing else.
            c.wasm_multi_value(false)
                .wasm_simd(false)
                .wasm_relaxed_simd(false)
                .wasm_tail_call(false)
                .wasm_multi_memory(false)
                .wasm_memory64(false)
                .wasm_extended_const(false)
                .wasm_wide_arithmetic(false)
                .wasm_custom_page_sizes(false)
                .wasm_bulk_memory(true);
        }
        c
    }

    /// The code as it is compiled: a contract's memory becomes nearcore's.
    pub(crate) fn prepare(self, code: &[u8]) -> Result<Cow<'_, [u8]>, CompileError> {
        if code.len() > self.max_code_size() {
            return Err(CompileError::TooLarge(code.len(), self.max_code_size()));
        }
        if !code.starts_with(b"\0asm") {
            return Err(CompileError::NotWasm);
        }
        match self {
            Profile::NearContract => prepare::standardize_memory(code),
            Profile::WasiProgram => Ok(Cow::Borrowed(code)),
        }
    }

    /// Refuses imports the profile cannot provide. Contracts import functions from `env`
    /// only (nearcore's rule); a program's imports are resolved by the guest kernel's
    /// linker, which names what is missing.
    pub(crate) fn check_imports(self, module: &Module) -> Result<(), CompileError> {
        if self == Profile::WasiProgram {
            return Ok(());
        }
        for imp in module.imports() {
            if imp.module() != "env" {
                return Err(CompileError::BadImport(format!(
                    "imports {}.{}: only module \"env\" may be imported",
                    imp.module(),
                    imp.name()
                )));
            }
            if !matches!(imp.ty(), ExternType::Func(_)) {
                return Err(CompileError::BadImport(format!(
                    "imports env.{} which is not a function (memories, tables and globals \
                     cannot be imported)",
                    imp.name()
                )));
            }
        }
        Ok(())
    }
}

//! What nearcore does to a contract's code before compiling it, as far as it changes what the
//! contract observes: its linear memory becomes 1024 initial / 2048 maximum pages (64 MiB /
//! 128 MiB), whatever the module declares.
//!
//! nearcore gets there by replacing the memory with an imported one. We rewrite the memory
//! section in place instead, so the compiled module owns a 64 MiB memory from instantiation
//! on. With the pooling allocator that is what makes a warm call cheap: a slot reused by the
//! same module already has 64 MiB read/write, so instantiation changes no page protections
//! (growing after instantiation cost an `mprotect` there and another one back at the next
//! instantiation, with TLB shootdowns, on every call).

use std::borrow::Cow;

use wasm_encoder::{MemorySection, MemoryType, RawSection, Section};
use wasmparser::BinaryReader;

/// `initial_memory_pages`.
pub const INITIAL_MEMORY_PAGES: u64 = 1_024;
/// `max_memory_pages`.
pub const MAX_MEMORY_PAGES: u64 = 2_048;
/// `max_contract_size`: the store's limit on code, the one definition.
pub const MAX_CONTRACT_SIZE: usize = outlayer_fs::store::MAX_CODE_LEN;

/// Why code cannot be used as a contract or a program.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    /// Not a wasm binary.
    #[error("not a wasm module (no \\0asm header)")]
    NotWasm,
    /// Over the profile's size limit (`max_contract_size` for contracts): the code's size
    /// and the limit.
    #[error("code is {0} bytes, over the {1}-byte limit")]
    TooLarge(usize, usize),
    /// Rejected by validation/compilation (bad wasm, a feature the profile does not accept).
    #[error("{0}")]
    Invalid(String),
    /// Imports something the profile does not provide (nearcore's `PrepareError` for
    /// contracts).
    #[error("{0}")]
    BadImport(String),
}

/// Names the preparation in the disk cache's file names: bump it whenever what this module
/// does changes, so artifacts of older preparations are never loaded.
pub const VERSION: u32 = 2;

const MEMORY_SECTION_ID: u8 = 5;
/// `\0asm` and the version.
const HEADER_LEN: usize = 8;

/// `code` with its memory section replaced by one memory of nearcore's size. Code without a
/// memory section is returned as it is (it has no memory to resize; nearcore would give it one,
/// but it cannot export it, so no host function could use it either).
pub fn standardize_memory(code: &[u8]) -> Result<Cow<'_, [u8]>, CompileError> {
    let invalid = |e: wasmparser::BinaryReaderError| CompileError::Invalid(e.to_string());
    let Some(body) = code.get(HEADER_LEN..) else {
        return Err(CompileError::NotWasm);
    };
    let mut sections = Vec::new();
    let mut reader = BinaryReader::new(body, HEADER_LEN);
    while !reader.eof() {
        let id = reader.read_u8().map_err(invalid)?;
        let len = reader.read_var_u32().map_err(invalid)? as usize;
        let content = reader.read_bytes(len).map_err(invalid)?;
        sections.push((id, content));
    }
    let Some(&(_, memories)) = sections.iter().find(|(id, _)| *id == MEMORY_SECTION_ID) else {
        return Ok(Cow::Borrowed(code));
    };
    let count = BinaryReader::new(memories, 0)
        .read_var_u32()
        .map_err(invalid)?;
    if count > 1 {
        return Err(CompileError::Invalid(format!(
            "the module defines {count} memories; a contract may have one"
        )));
    }
    let mut out = Vec::with_capacity(code.len() + 16);
    out.extend_from_slice(&code[..HEADER_LEN]);
    for (id, data) in sections {
        if id == MEMORY_SECTION_ID && count == 1 {
            let mut memory = MemorySection::new();
            memory.memory(MemoryType {
                minimum: INITIAL_MEMORY_PAGES,
                maximum: Some(MAX_MEMORY_PAGES),
                memory64: false,
                shared: false,
                page_size_log2: None,
            });
            memory.append_to(&mut out);
        } else {
            RawSection { id, data }.append_to(&mut out);
        }
    }
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(module (memory 17) (export "memory" (memory 0)) (data (i32.const 8) "hi")
    ///  (@custom "note" "x"))`, hand-assembled.
    const MODULE: &[u8] = b"\0asm\x01\0\0\0\
        \x05\x03\x01\x00\x11\
        \x07\x0a\x01\x06memory\x02\x00\
        \x0b\x08\x01\x00\x41\x08\x0b\x02hi\
        \x00\x06\x04notex";

    fn memory_limits(code: &[u8]) -> Vec<(u64, Option<u64>)> {
        let mut out = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(code) {
            if let wasmparser::Payload::MemorySection(s) = payload.expect("parses") {
                for m in s {
                    let m = m.expect("memory type");
                    out.push((m.initial, m.maximum));
                }
            }
        }
        out
    }

    #[test]
    fn memory_becomes_nearcores_and_everything_else_stays() {
        assert_eq!(memory_limits(MODULE), vec![(17, None)]);
        let out = standardize_memory(MODULE).expect("rewrites");
        assert_eq!(memory_limits(&out), vec![(1024, Some(2048))]);
        let mut custom = None;
        let mut data = None;
        for payload in wasmparser::Parser::new(0).parse_all(&out) {
            match payload.expect("parses") {
                wasmparser::Payload::CustomSection(c) => custom = Some((c.name(), c.data())),
                wasmparser::Payload::DataSection(s) => data = Some(s.count()),
                _ => {}
            }
        }
        assert_eq!(custom, Some(("note", &b"x"[..])));
        assert_eq!(data, Some(1));
        let mut validator = wasmparser::Validator::new();
        validator.validate_all(&out).expect("still valid");
    }

    #[test]
    fn code_without_memory_is_untouched() {
        let code = b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0";
        assert!(matches!(standardize_memory(code), Ok(Cow::Borrowed(c)) if c == code));
    }

    #[test]
    fn malformed_sections_are_invalid_not_a_panic() {
        for cut in HEADER_LEN + 1..MODULE.len() - 1 {
            match standardize_memory(&MODULE[..cut]) {
                Ok(_) | Err(CompileError::Invalid(_)) => {}
                Err(e) => panic!("cut at {cut}: {e}"),
            }
        }
        assert!(matches!(
            standardize_memory(b"\0asm"),
            Err(CompileError::NotWasm)
        ));
        let two = b"\0asm\x01\0\0\0\x05\x05\x02\x00\x01\x00\x01";
        assert!(matches!(
            standardize_memory(two),
            Err(CompileError::Invalid(_))
        ));
    }
}

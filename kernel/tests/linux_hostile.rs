//! A hostile guest never crashes the host: generated modules call the 46 preview1
//! functions in random order with random arguments (bad pointers, huge lengths, unknown
//! flags, descriptors that do not exist), over a host directory and an account's state.
//! Every task must end as an exit or a trap, with the state untouched unless it exits 0.

mod linux_support;

use linux_support::{kernel, program, tempdir, StateEnv};
use outlayer_kernel::linux::{HostMount, TaskSpec};
use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection, Function,
    FunctionSection, ImportSection, MemorySection, MemoryType, Module, TypeSection, ValType,
};

/// xorshift64: the tests' own deterministic choice of calls and arguments.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[(self.next() % from.len() as u64) as usize]
    }
}

/// Every preview1 import with its parameter types, as the conformance program declares them.
fn wasi_imports() -> Vec<(String, Vec<ValType>, usize)> {
    let engine = wasmtime::Engine::default();
    let module = wasmtime::Module::new(&engine, program("conformance")).expect("compiles");
    module
        .imports()
        .filter(|i| i.module() == "wasi_snapshot_preview1")
        .filter_map(|i| {
            let f = i.ty().func()?.clone();
            let params = f
                .params()
                .map(|p| match p {
                    wasmtime::ValType::I64 => ValType::I64,
                    _ => ValType::I32,
                })
                .collect();
            let results = f.results().len();
            Some((i.name().to_string(), params, results))
        })
        .collect()
}

/// A command whose `_start` makes `calls` random calls; a `gentle` one passes no bad
/// pointer, huge length or unknown flag (so it runs to its end), the others some.
fn hostile_module(
    imports: &[(String, Vec<ValType>, usize)],
    rng: &mut Rng,
    calls: usize,
    gentle: bool,
) -> Vec<u8> {
    let mut types = TypeSection::new();
    let mut section = ImportSection::new();
    for (i, (name, params, results)) in imports.iter().enumerate() {
        let results = vec![ValType::I32; *results];
        types.ty().function(params.clone(), results);
        section.import(
            "wasi_snapshot_preview1",
            name,
            EntityType::Function(i as u32),
        );
    }
    let start_type = imports.len() as u32;
    types.ty().function([], []);
    let mut functions = FunctionSection::new();
    functions.function(start_type);
    let mut memory = MemorySection::new();
    memory.memory(MemoryType {
        minimum: 1,
        maximum: Some(2),
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let start = imports.len() as u32;
    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    exports.export("_start", ExportKind::Func, start);
    // Mostly usable pointers and lengths, so that calls get past their checks, with a few
    // that are out of bounds or misaligned.
    let pointers: [i32; 12] = [
        0, 8, 16, 64, 128, 1024, 4096, 40_000, 60_000, 3, 65_535, -16,
    ];
    let lengths: [i32; 10] = [0, 1, 2, 5, 12, 24, 64, 256, 65_536, i32::MAX];
    let callable: Vec<usize> = (0..imports.len())
        .filter(|&i| imports[i].0 != "proc_exit")
        .collect();
    let mut body = Function::new([]);
    for _ in 0..calls {
        let f = rng.pick(&callable);
        let mut sink = body.instructions();
        for (n, p) in imports[f].1.iter().enumerate() {
            match p {
                ValType::I64 => {
                    let v = rng.pick(&[0i64, 1, 2, -1, 1 << 40, 1_000_000_000]);
                    sink.i64_const(v);
                }
                _ if n == 0 => {
                    // The first argument is mostly a descriptor.
                    sink.i32_const(rng.pick(&[0, 1, 2, 3, 4, 5, 9, 99, -1]));
                }
                // Flags, enums, counts: small values, mostly valid.
                _ if gentle || rng.next().is_multiple_of(3) => {
                    sink.i32_const(rng.pick(&[0, 0, 1, 2, 4]));
                }
                _ if rng.next().is_multiple_of(2) => {
                    let bad = rng.next().is_multiple_of(8);
                    let p = if bad {
                        rng.pick(&pointers[9..])
                    } else {
                        rng.pick(&pointers[..9])
                    };
                    sink.i32_const(p);
                }
                _ => {
                    let huge = rng.next().is_multiple_of(8);
                    let n = if huge {
                        rng.pick(&lengths[8..])
                    } else {
                        rng.pick(&lengths[..8])
                    };
                    sink.i32_const(n);
                }
            }
        }
        sink.call(f as u32);
        for _ in 0..imports[f].2 {
            sink.drop();
        }
    }
    body.instructions().end();
    let mut code = CodeSection::new();
    code.function(&body);
    // Paths for the calls to find: real names, `..`, absolute, a NUL.
    let mut data = DataSection::new();
    let bytes = b"near/state/k\0work\0../..\0/etc/passwd\0tmp/x\0dev/null\0\xff\xfe\0";
    data.active(0, &ConstExpr::i32_const(0), bytes.iter().copied());
    let mut module = Module::new();
    module
        .section(&types)
        .section(&section)
        .section(&functions)
        .section(&memory)
        .section(&exports)
        .section(&code)
        .section(&data);
    module.finish()
}

#[test]
fn random_calls_end_in_an_exit_or_a_trap_and_touch_nothing_they_should_not() {
    let imports = wasi_imports();
    assert_eq!(imports.len(), 46);
    let env = StateEnv::new();
    let before = env.snapshot();
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let mut kinds = std::collections::BTreeMap::new();
    let mut calls = 0;
    for round in 0..48 {
        let code = hostile_module(&imports, &mut rng, 4 + round % 12, round % 4 == 0);
        let host = tempdir();
        let mut spec = TaskSpec::new(code, "hostile");
        spec.mounts = vec![HostMount {
            host: host.path().to_path_buf(),
            guest: "/work".into(),
            read_only: false,
        }];
        spec.state = Some(env.binding());
        spec.dry_run = true;
        spec.limits.timeout = std::time::Duration::from_secs(10);
        let outcome = kernel().run(spec);
        let kind = match (outcome.exit_code, outcome.error_kind()) {
            (Some(0), None) => "exit 0".to_string(),
            (_, Some(k)) => k.to_string(),
            (code, None) => format!("exit {code:?}"),
        };
        assert!(
            kind == "exit 0" || kind == "WasmTrap",
            "{kind}: {outcome:?}"
        );
        *kinds.entry(kind).or_insert(0) += 1;
        calls += outcome.syscalls.values().sum::<u64>();
        assert_eq!(env.snapshot(), before);
    }
    // Both endings happen: the generator reaches past the first bad pointer sometimes.
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    // Random arguments trap soon (bad pointers, unknown flags), yet calls get made.
    assert!(calls > 48 * 2, "only {calls} calls ran");
}

//! Determinism and limits: the same program, input, context and state give the same
//! output, gas and state every run; clocks and randomness depend on the context only; gas,
//! memory, output and module checks end a task with a structured error.

mod linux_support;

use linux_support::{kernel, probe, StateEnv};
use outlayer_kernel::linux::TaskSpec;

const ARGS: &[&str] = &[
    "random",
    "time",
    "sleep",
    "1000000",
    "time",
    "write",
    "/near/state/r",
    "x",
    "ls",
    "/tmp",
    "write",
    "/tmp/t",
    "1",
    "ls",
    "/tmp",
    "exit",
    "0",
];

#[test]
fn the_same_task_twice_gives_the_same_everything() {
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let env = StateEnv::new();
            let (out, outcome) = probe(ARGS, Some(env.binding()), |_| {});
            assert!(outcome.is_success(), "{outcome:?}");
            (out, outcome.gas_burnt, outcome.syscalls, env.snapshot())
        })
        .collect();
    assert_eq!(runs[0], runs[1]);
    let out = &runs[0].0;
    // The clock starts at the block timestamp and sleeping moves it by what was slept.
    assert!(out.contains("time: real 17000000000"), "{out}");
    // /tmp is private: empty at the start of each task.
    assert!(out.contains("ls: []"), "{out}");
}

#[test]
fn clocks_and_randomness_follow_the_context_only() {
    let line = |out: &str, prefix: &str| {
        out.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_default()
            .to_string()
    };
    // The clock advances with the work done, and printing other bytes is other work: the
    // time is read first.
    let (a, _) = probe(&["time", "random"], None, |_| {});
    let (b, _) = probe(&["time", "random"], None, |s| {
        s.context.random_seed = [1; 32]
    });
    let (c, _) = probe(&["time", "random"], None, |s| {
        s.context.block_timestamp_ns += 5
    });
    assert_ne!(line(&a, "random"), line(&b, "random"));
    assert_eq!(line(&a, "time"), line(&b, "time"));
    assert_eq!(line(&a, "random"), line(&c, "random"));
    assert_ne!(line(&a, "time"), line(&c, "time"));
    // random_get and /dev/urandom are one stream: not the same bytes twice.
    let r = line(&a, "random");
    let parts: Vec<&str> = r.split_whitespace().collect();
    assert_ne!(parts.get(1), parts.get(3), "{r}");
}

#[test]
fn limits_end_a_task_with_their_error() {
    let env = StateEnv::new();
    let before = env.snapshot();
    let (_, oom) = probe(
        &["write", "/near/state/k", "v", "alloc", "64"],
        Some(env.binding()),
        |s| {
            s.limits.memory_bytes = 16 << 20;
        },
    );
    assert_eq!(oom.error_kind(), Some("MemoryLimitExceeded"), "{oom:?}");
    let (out, loud) = probe(
        &["write", "/near/state/k", "v", "shout", "5000", "exit", "0"],
        Some(env.binding()),
        |s| {
            s.limits.output_bytes = 1000;
        },
    );
    assert_eq!(loud.error_kind(), Some("OutputLimitExceeded"), "{loud:?}");
    assert!(out.len() <= 1000);
    assert!(!oom.committed && !loud.committed);
    assert_eq!(env.snapshot(), before);
}

#[test]
fn a_module_must_be_a_wasi_command() {
    let run = |code: &[u8]| kernel().run(TaskSpec::new(code.to_vec(), "x"));
    assert_eq!(run(b"not wasm").error_kind(), Some("CompilationError"));
    assert_eq!(run(b"\0asm\x01\0\0\0").error_kind(), Some("NotACommand"));
    let env_import = b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0\x02\x07\x01\x01m\x01f\0\0\
        \x03\x02\x01\0\x07\x0a\x01\x06_start\0\x01\x0a\x04\x01\x02\0\x0b";
    let linked = run(env_import);
    assert_eq!(linked.error_kind(), Some("LinkError"), "{linked:?}");
    // Run by its hash alone, a program the kernel does not have ready is refused as such
    // (the caller then passes the code).
    let mut by_hash = TaskSpec::new(Vec::new(), "x");
    by_hash.code_hash = Some([7; 32]);
    let o = kernel().run(by_hash);
    assert_eq!(
        o.error_kind(),
        Some(outlayer_kernel::linux::PROGRAM_NOT_READY),
        "{o:?}"
    );
}

/// Limits at their extremes are limits, not arithmetic overflows.
#[test]
fn extreme_limits_are_accepted() {
    let (out, outcome) = probe(&["time", "exit", "0"], None, |s| {
        s.limits.timeout = std::time::Duration::MAX;
        s.limits.gas = u64::MAX;
        s.limits.memory_bytes = usize::MAX;
        s.limits.output_bytes = u64::MAX;
        s.context.block_timestamp_ns = u64::MAX;
    });
    assert!(outcome.is_success(), "{outcome:?}");
    assert!(out.starts_with("time: real "), "{out}");
    let (_, starved) = probe(&["exit", "0"], None, |s| s.limits.gas = 0);
    assert_eq!(starved.error_kind(), Some("GasExceeded"), "{starved:?}");
}

/// Output reaches the host's writer as the guest writes it, not when the task ends: when
/// the program first reads its stdin, what it printed before is already out.
#[test]
fn output_streams_out_as_it_is_written() {
    use outlayer_kernel::linux::Capture;
    use std::io::Read;

    /// A stdin that records what stdout held when it was first read.
    struct Witness {
        stdout: Capture,
        seen: std::sync::Arc<std::sync::Mutex<Option<Vec<u8>>>>,
    }
    impl Read for Witness {
        fn read(&mut self, _buf: &mut [u8]) -> std::io::Result<usize> {
            let mut seen = self.seen.lock().expect("lock");
            seen.get_or_insert_with(|| self.stdout.bytes());
            Ok(0)
        }
    }
    let stdout = Capture::new();
    let seen = std::sync::Arc::default();
    let witness = Witness {
        stdout: stdout.clone(),
        seen: std::sync::Arc::clone(&seen),
    };
    let mut spec = TaskSpec::new(linux_support::program("probe"), "probe");
    spec.argv
        .extend(["shout", "5", "cat-stdin", "shout", "3"].map(String::from));
    spec.stdin = Box::new(witness);
    spec.stdout = Box::new(stdout.clone());
    let outcome = kernel().run(spec);
    assert!(outcome.is_success(), "{outcome:?}");
    let early = seen.lock().expect("lock").clone().unwrap_or_default();
    assert!(
        early.starts_with(b"xxxxx"),
        "{:?}",
        String::from_utf8_lossy(&early)
    );
    assert!(!String::from_utf8_lossy(&early).contains("shout: 3"));
    assert!(stdout.bytes().ends_with(b"xxxshout: 3\n"));
}

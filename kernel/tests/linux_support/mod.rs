//! What the linux-mode tests share: the test programs of `guest/programs` (built on first
//! use by `guest/build-programs.sh`), a run under our kernel and a run under wasmtime-wasi's
//! preview1 (the reference), each with a host directory preopened at `/`.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use outlayer_kernel::linux::{Capture, HostMount, Kernel, TaskContext, TaskOutcome, TaskSpec};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

// The workspace's one copy of the program fixture (why not a dependency: tests/src/lib.rs).
#[path = "../../../tests/src/programs.rs"]
#[allow(unreachable_pub)]
mod programs;

/// The program `<name>.wasm`.
pub(crate) fn program(name: &str) -> Vec<u8> {
    let p = programs::program_path(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// One kernel per test process (booting is cheap, compiling is not).
pub(crate) fn kernel() -> &'static Kernel {
    static KERNEL: OnceLock<Kernel> = OnceLock::new();
    KERNEL.get_or_init(|| {
        // Shared by every test process: the engine writes artifacts atomically.
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("linux-module-cache");
        Kernel::new(&cache).expect("kernel boots")
    })
}

/// What a run printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status, or the error's kind.
    pub status: Result<i32, String>,
}

/// The same program, input and tree for both runtimes.
pub(crate) struct Case<'a> {
    /// The module.
    pub code: &'a [u8],
    /// argv.
    pub argv: &'a [&'a str],
    /// Environment.
    pub env: &'a [(&'a str, &'a str)],
    /// Standard input.
    pub stdin: &'a [u8],
    /// The host directory preopened at `/`.
    pub root: &'a Path,
}

/// A spec for `case` under our kernel, with captures for its output.
pub(crate) fn spec(case: &Case<'_>) -> (TaskSpec, Capture, Capture) {
    let mut spec = TaskSpec::new(case.code.to_vec(), case.argv[0]);
    spec.argv = case.argv.iter().map(|s| s.to_string()).collect();
    spec.env = case
        .env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    spec.stdin = Box::new(std::io::Cursor::new(case.stdin.to_vec()));
    let (out, err) = (Capture::new(), Capture::new());
    spec.stdout = Box::new(out.clone());
    spec.stderr = Box::new(err.clone());
    spec.mounts = vec![HostMount {
        host: case.root.to_path_buf(),
        guest: "/".into(),
        read_only: false,
    }];
    spec.context = TaskContext {
        block_height: 7,
        block_timestamp_ns: 1_700_000_000_000_000_000,
        random_seed: [42; 32],
        ..TaskContext::default()
    };
    (spec, out, err)
}

/// `case` under our kernel.
pub(crate) fn ours(case: &Case<'_>) -> (Run, TaskOutcome) {
    ours_with(case, |_| {})
}

/// `case` under our kernel, its spec adjusted by `tweak` first.
pub(crate) fn ours_with(case: &Case<'_>, tweak: impl FnOnce(&mut TaskSpec)) -> (Run, TaskOutcome) {
    let (mut spec, out, err) = spec(case);
    tweak(&mut spec);
    let outcome = kernel().run(spec);
    let status = match (&outcome.error, outcome.exit_code) {
        (None, Some(c)) => Ok(c),
        (Some(e), _) => Err(e.kind.clone()),
        (None, None) => Err("no status".into()),
    };
    let run = Run {
        stdout: String::from_utf8_lossy(&out.bytes()).into_owned(),
        stderr: String::from_utf8_lossy(&err.bytes()).into_owned(),
        status,
    };
    (run, outcome)
}

/// The program `name` under wasmtime-wasi and under our kernel (adjusted by `tweak`),
/// each with its own fresh host directory at `/`: `(ours, wasmtime's, our outcome)`.
pub(crate) fn both(
    name: &str,
    argv: &[&str],
    env: &[(&str, &str)],
    stdin: &[u8],
    tweak: impl FnOnce(&mut TaskSpec),
) -> (Run, Run, TaskOutcome) {
    let code = program(name);
    let (a, b) = (tempdir(), tempdir());
    let case = |root| Case {
        code: &code,
        argv,
        env,
        stdin,
        root,
    };
    let (mine, outcome) = ours_with(&case(a.path()), tweak);
    let theirs = reference(&case(b.path()));
    (mine, theirs, outcome)
}

/// `case` under wasmtime-wasi's preview1.
pub(crate) fn reference(case: &Case<'_>) -> Run {
    // One engine, and each program compiled once, per test process.
    static ENGINE: OnceLock<wasmtime::Engine> = OnceLock::new();
    static MODULES: OnceLock<Mutex<HashMap<Vec<u8>, wasmtime::Module>>> = OnceLock::new();
    let engine = ENGINE.get_or_init(wasmtime::Engine::default);
    let module = MODULES
        .get_or_init(Default::default)
        .lock()
        .expect("module cache")
        .entry(case.code.to_vec())
        .or_insert_with(|| wasmtime::Module::new(engine, case.code).expect("compiles"))
        .clone();
    let mut linker = wasmtime::Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |t| t).expect("links");
    let (out, err) = (
        MemoryOutputPipe::new(64 << 20),
        MemoryOutputPipe::new(64 << 20),
    );
    let ctx = WasiCtxBuilder::new()
        .args(case.argv)
        .envs(case.env)
        .stdin(MemoryInputPipe::new(case.stdin.to_vec()))
        .stdout(out.clone())
        .stderr(err.clone())
        .preopened_dir(case.root, "/", FsPerms::ReadWrite)
        .expect("preopen")
        .build_p1();
    let mut store = wasmtime::Store::new(engine, ctx);
    let status = (|| {
        let instance = linker.instantiate(&mut store, &module)?;
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        start.call(&mut store, ())
    })();
    let status = match status {
        Ok(()) => Ok(0),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => Err(format!("trap: {e:#}")),
        },
    };
    Run {
        stdout: String::from_utf8_lossy(&out.contents()).into_owned(),
        stderr: String::from_utf8_lossy(&err.contents()).into_owned(),
        status,
    }
}

/// A fresh host directory.
pub(crate) fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// A store in a temp dir with `app.near` holding a few keys (and `other.near` beside it).
pub(crate) struct StateEnv {
    _dir: tempfile::TempDir,
    /// The store.
    pub store: std::sync::Arc<outlayer_fs::store::Store>,
    /// `app.near`.
    pub account: outlayer_fs::AccountId,
}

/// The time of every key and directory `StateEnv` seeds.
pub(crate) const SEED_TIME_NS: u64 = 1_700_000_000_123_456_789;

/// The account every state test runs on.
pub(crate) const ACCOUNT: &str = "app.near";

impl StateEnv {
    /// `app.near` with `count` = `41` and `note` = `hello`; `other.near` with `secret`.
    pub(crate) fn new() -> Self {
        let dir = tempdir();
        let store =
            std::sync::Arc::new(outlayer_fs::store::Store::open(dir.path()).expect("store"));
        let seed = |name: &str, kv: &[(&[u8], &[u8])]| {
            let account = outlayer_fs::AccountId::new(name).expect("account id");
            let mut txn = store.begin(&account).expect("txn");
            // The seeded keys carry a fixed time, so that two environments hold the same
            // state, metadata included.
            txn.set_clock(outlayer_fs::store::Clock::fixed(SEED_TIME_NS));
            txn.create_account().expect("create");
            for (k, v) in kv {
                txn.put(k, v.to_vec()).expect("put");
            }
            txn.commit().expect("commit");
        };
        seed(ACCOUNT, &[(b"count", b"41"), (b"note", b"hello")]);
        seed("other.near", &[(b"secret", b"s3cret")]);
        let account = outlayer_fs::AccountId::new(ACCOUNT).expect("account id");
        StateEnv {
            _dir: dir,
            store,
            account,
        }
    }

    /// Every key and value of `account`, in key order.
    pub(crate) fn snapshot_of(&self, account: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
        let account = outlayer_fs::AccountId::new(account).expect("account id");
        let mut keys = Vec::new();
        self.store
            .scan_keys(&account, b"", b"", |k, _| {
                keys.push(k.to_vec());
                true
            })
            .expect("scan");
        keys.into_iter()
            .map(|k| {
                let v = self.store.get(&account, &k).expect("get").expect("value");
                (k, v)
            })
            .collect()
    }

    /// `app.near`'s keys and values.
    pub(crate) fn snapshot(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.snapshot_of(ACCOUNT)
    }

    /// The binding a task commits itself.
    pub(crate) fn binding(&self) -> outlayer_kernel::linux::StateBinding {
        outlayer_kernel::linux::StateBinding::Account {
            store: self.store.clone(),
            account: self.account.clone(),
        }
    }
}

/// `probe ARGS...` with `state` at `/near/state` and a memory root; `tweak` adjusts the spec.
pub(crate) fn probe(
    args: &[&str],
    state: Option<outlayer_kernel::linux::StateBinding>,
    tweak: impl FnOnce(&mut TaskSpec),
) -> (String, TaskOutcome) {
    let mut spec = TaskSpec::new(program("probe"), "probe");
    spec.argv.extend(args.iter().map(|s| s.to_string()));
    spec.state = state;
    let out = Capture::new();
    spec.stdout = Box::new(out.clone());
    spec.context = TaskContext {
        block_height: 7,
        block_timestamp_ns: 1_700_000_000_000_000_000,
        random_seed: [42; 32],
        ..TaskContext::default()
    };
    tweak(&mut spec);
    let outcome = kernel().run(spec);
    (String::from_utf8_lossy(&out.bytes()).into_owned(), outcome)
}

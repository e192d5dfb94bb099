//! Linux mode against its reference, in one run, interleaved, medians, ratios.
//!
//! (a) `probe read /near/state/in write /near/state/out x`: a program that reads one key
//!     file, writes another and exits, warm. Ours: a task of the guest kernel, the state
//!     through 9P to RocksDB, committed. The peer: wasmtime-wasi's preview1 with a tmpfs
//!     directory preopened at `/near/state`, on the same wasmtime engine (our WASI profile:
//!     fuel and epochs on), the module instantiated from a ready `InstancePre` as ours is.
//! (b) Kernel boot: `Kernel::new` on a module cache that holds the program, to the end of
//!     the first task (what a daemon's first `run` costs).
//! (c) Real programs on fresh files: coreutils `sort` of a 20,000-line file and SQLite's
//!     10,000 inserts (DELETE journal), ours on `/near/state` vs the peer on tmpfs.
//!
//! `cargo bench -p outlayer-kernel --bench linux_bench` (programs built by
//! guest/build-programs.sh).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use outlayer_fs::store::Store;
use outlayer_fs::AccountId;
use outlayer_kernel::linux::{Kernel, StateBinding, TaskSpec};
use outlayer_kernel::{Engine, Profile};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

const ROUNDS: usize = 11;
const RUNS: usize = 300;
const ARGS: [&str; 5] = ["read", "/near/state/in", "write", "/near/state/out", "x"];

/// The built program `<name>.wasm` (guest/build-programs.sh runs once).
fn program(name: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| {
        let status = Command::new(root.join("guest/build-programs.sh"))
            .stdout(std::process::Stdio::null())
            .status()
            .expect("guest/build-programs.sh runs");
        assert!(status.success(), "guest/build-programs.sh failed");
    });
    std::fs::read(root.join(format!("guest/programs/out/{name}.wasm"))).expect("program")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Our side: one task on `app.near`, committed.
struct Ours {
    kernel: Kernel,
    store: Arc<Store>,
    account: AccountId,
    code: Vec<u8>,
}

impl Ours {
    fn run(&self) {
        self.run_with(&self.code, "probe", &ARGS);
    }

    fn run_with(&self, code: &[u8], argv0: &str, args: &[&str]) {
        let mut spec = TaskSpec::new(code.to_vec(), argv0);
        spec.argv.extend(args.iter().map(|s| s.to_string()));
        spec.state = Some(StateBinding::Account {
            store: self.store.clone(),
            account: self.account.clone(),
        });
        let outcome = self.kernel.run(spec);
        assert!(
            outcome.is_success() && outcome.committed,
            "ours: {outcome:?}"
        );
    }
}

/// The peer: wasmtime-wasi preview1 over a tmpfs directory at `/near/state`.
struct Peer {
    engine: wasmtime::Engine,
    pre: wasmtime::InstancePre<WasiP1Ctx>,
    dir: PathBuf,
}

impl Peer {
    fn new(engine: &wasmtime::Engine, code: &[u8], dir: PathBuf) -> Self {
        let module = wasmtime::Module::new(engine, code).expect("compiles");
        let mut linker = wasmtime::Linker::new(engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |t| t).expect("links");
        // probe also imports `outlayer.syscall` (its near-* commands, unused here).
        linker
            .define_unknown_imports_as_traps(&module)
            .expect("traps");
        let pre = linker.instantiate_pre(&module).expect("instantiates");
        Peer {
            engine: engine.clone(),
            pre,
            dir,
        }
    }

    fn run(&self) {
        self.run_args("probe", &ARGS);
    }

    fn run_args(&self, argv0: &str, argv: &[&str]) {
        let mut args = vec![argv0.to_string()];
        args.extend(argv.iter().map(|s| s.to_string()));
        let ctx = WasiCtxBuilder::new()
            .args(&args)
            .preopened_dir(&self.dir, "/near/state", FsPerms::ReadWrite)
            .expect("preopen")
            .build_p1();
        let mut store = wasmtime::Store::new(&self.engine, ctx);
        store.set_fuel(u64::MAX / 2).expect("fuel");
        store.set_epoch_deadline(u64::MAX / 2);
        let instance = self.pre.instantiate(&mut store).expect("instance");
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .expect("_start");
        match start.call(&mut store, ()) {
            Ok(()) => {}
            Err(e) => assert_eq!(
                e.downcast_ref::<I32Exit>().map(|x| x.0),
                Some(0),
                "peer: {e:#}"
            ),
        }
    }
}

fn time(f: impl Fn(), n: usize) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

fn main() {
    let code = program("probe");
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("cache");
    let store = Arc::new(Store::open(&tmp.path().join("data")).expect("store"));
    let account = AccountId::new("app.near").expect("id");
    let mut txn = store.begin(&account).expect("begin");
    txn.put(b"in", b"input value".to_vec()).expect("put");
    txn.commit().expect("commit");

    // (b) first: a cold kernel on a disk cache that already holds the module.
    {
        let warmup = Ours {
            kernel: Kernel::new(&cache).expect("boots"),
            store: store.clone(),
            account: account.clone(),
            code: code.clone(),
        };
        warmup.run(); // compiles and writes the artifact to the disk cache
    }
    let mut boots = Vec::new();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let ours = Ours {
            kernel: Kernel::new(&cache).expect("boots"),
            store: store.clone(),
            account: account.clone(),
            code: code.clone(),
        };
        ours.run();
        boots.push(start.elapsed().as_secs_f64() * 1e3);
    }

    // (a) warm, interleaved.
    let ours = Ours {
        kernel: Kernel::new(&cache).expect("boots"),
        store: store.clone(),
        account,
        code: code.clone(),
    };
    let shm = Path::new("/dev/shm");
    let base = if shm.is_dir() { shm } else { tmp.path() };
    let peer_dir = tempfile::tempdir_in(base).expect("tmpfs dir");
    std::fs::write(peer_dir.path().join("in"), b"input value").expect("write");
    let engine = Engine::new(&tmp.path().join("peer-cache")).expect("engine");
    let peer = Peer::new(
        engine.wasmtime(Profile::WasiProgram),
        &code,
        peer_dir.path().to_path_buf(),
    );
    ours.run();
    peer.run();
    let (mut a_ours, mut a_peer) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        a_ours.push(time(|| ours.run(), RUNS));
        a_peer.push(time(|| peer.run(), RUNS));
    }
    let (o, p) = (median(a_ours), median(a_peer));
    let boot = median(boots);
    println!("\n{ROUNDS} rounds × {RUNS} runs, medians\n");
    println!("| workload | ours | wasmtime-wasi (tmpfs) | ours/peer |");
    println!("|---|---:|---:|---:|");
    println!(
        "| (a) read one key file, write another, exit (µs per run) | {o:.1} | {p:.1} | {:.2} |",
        o / p
    );
    println!(
        "\n(b) kernel boot to the end of the first task, module in the disk cache: \
         {boot:.2} ms (target ≤ 10 ms)"
    );
    println!(
        "target (a): ours/peer ≤ 1.5 — {}",
        if o / p <= 1.5 { "met" } else { "not met" }
    );

    // (c) real programs, each run on fresh files.
    let lines: String = (0..20_000)
        .map(|i| format!("line {:06}\n", (i * 7919) % 20_000))
        .collect();
    let mut txn = store.begin(&ours.account).expect("begin");
    txn.put(b"lines", lines.clone().into_bytes()).expect("put");
    txn.commit().expect("commit");
    std::fs::write(peer_dir.path().join("lines"), &lines).expect("write");
    let real = |name: &str, args: &dyn Fn(usize) -> Vec<String>| {
        let code = &program(name);
        let peer = Peer::new(
            engine.wasmtime(Profile::WasiProgram),
            code,
            peer_dir.path().to_path_buf(),
        );
        let (mut mine, mut theirs) = (Vec::new(), Vec::new());
        for round in 0..5 {
            let a = args(round);
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            let t = Instant::now();
            ours.run_with(code, name, &a);
            mine.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            peer.run_args(name, &a);
            theirs.push(t.elapsed().as_secs_f64() * 1e3);
        }
        (median(mine), median(theirs))
    };
    let sort = real("coreutils", &|r| {
        let out = format!("/near/state/sorted{r}");
        vec!["sort".into(), "-o".into(), out, "/near/state/lines".into()]
    });
    let inserts = real("sqlite-app", &|r| {
        vec![
            format!("/near/state/db{r}"),
            "insert".into(),
            "10000".into(),
        ]
    });
    println!("\n(c) real programs, 5 rounds each, medians, ms\n");
    println!("| program | ours (/near/state) | wasmtime-wasi (tmpfs) | ours/peer |");
    println!("|---|---:|---:|---:|");
    for (name, (o, p)) in [
        ("coreutils sort, 20,000 lines", sort),
        ("SQLite, 10,000 inserts (DELETE journal)", inserts),
    ] {
        println!("| {name} | {o:.1} | {p:.1} | {:.2} |", o / p);
    }
}

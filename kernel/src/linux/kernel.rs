//! `Kernel`: booted once (engine, module cache, the WASI linker), then runs tasks.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lru::LruCache;
use outlayer_fs::ninep::server::{InProcess, ServerConfig};
use outlayer_fs::statefs::{BoundTxn, StateFs};
use outlayer_fs::store::{Clock, SharedTxn};
use parking_lot::Mutex;
use wasmtime::{ExternType, InstancePre, Linker, Store, Trap};

use super::clock::{TaskClock, TaskRandom};
use super::fd::{Descriptor, FdTable};
use super::near::{vm_context, TaskExternal};
use super::spec::{StateBinding, TaskError, TaskOutcome, TaskSpec};
use super::stats::{KernelReport, KernelStats, RunningTask};
use super::stdio::Stdio;
use super::task::{MemoryLimitExceeded, MemoryLimiter, TaskState};
use super::vfs::{split_path, DevFs, FileKind, FileSystem, HostFs, MemFs, StateMount, Vfs};
use super::wasi::{self, ExitStatus, GuestError};
use crate::engine::{epoch_ticks, CodeHash, Engine, MODULE_CACHE_ENTRIES};
use crate::near::imports::{charge_fuel, refill_fuel};
use crate::near::{syscalls, External, HostError, HostState, VmLogic, MAX_GAS};
use crate::profile::Profile;

/// The guest kernel: runs `wasm32-wasip1` programs as tasks. Cheap to share; tasks run in
/// parallel on the callers' threads.
pub struct Kernel {
    engine: Arc<Engine>,
    stats: Arc<KernelStats>,
    linker: Linker<TaskState>,
    /// Programs checked and linked, so a warm task neither compiles nor links.
    ready: Mutex<LruCache<CodeHash, InstancePre<TaskState>>>,
}

/// The error kind of a task run by its code hash alone whose program the kernel no longer
/// has ready (see [`TaskSpec::code_hash`]): the caller runs it again with the code.
pub const PROGRAM_NOT_READY: &str = "ProgramNotReady";

/// The state side of a task: who commits what when it ends.
enum Binding {
    /// No state mounted.
    None,
    /// Our transaction, committed on success.
    Own(BoundTxn),
    /// The caller's transaction; we only stop using it.
    Shared,
}

impl Kernel {
    /// Boots a kernel with its own engine caching compiled programs under `cache_dir`.
    pub fn new(cache_dir: &Path) -> anyhow::Result<Self> {
        Self::with_engine(Arc::new(Engine::new(cache_dir)?))
    }

    /// Boots a kernel on an existing engine (sharing its module cache).
    pub fn with_engine(engine: Arc<Engine>) -> anyhow::Result<Self> {
        let boot = Instant::now();
        let mut linker = Linker::new(engine.wasmtime(Profile::WasiProgram));
        wasi::link(&mut linker)?;
        syscalls::link(&mut linker)?;
        Ok(Kernel {
            engine,
            stats: Arc::new(KernelStats::new(boot.elapsed())),
            linker,
            ready: Mutex::new(LruCache::new(MODULE_CACHE_ENTRIES)),
        })
    }

    /// The engine (module cache statistics).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// What the kernel has done since it booted.
    pub fn stats(&self) -> KernelReport {
        self.stats.report()
    }

    /// A task starts: counted as running until the guard drops.
    pub(super) fn task_started(&self) -> RunningTask {
        self.stats.task_started()
    }

    /// Runs one task to its end. Never panics on a guest's doing and never returns an
    /// error: every failure is in the outcome.
    pub fn run(&self, spec: TaskSpec) -> TaskOutcome {
        let start = Instant::now();
        let mut outcome = TaskOutcome {
            exit_code: None,
            error: None,
            committed: false,
            gas_burnt: 0,
            syscalls: Default::default(),
            logs: Vec::new(),
            receipts: Vec::new(),
            gas_used: 0,
            state_write_refused: false,
            duration: Duration::ZERO,
        };
        if let Err(e) = self.try_run(spec, &mut outcome) {
            outcome.exit_code = None;
            outcome.committed = false;
            outcome.error = Some(e.into_exec());
        }
        outcome.duration = start.elapsed();
        outcome
    }

    /// Checks that `code` is a WASI command this kernel runs (compiling and linking it, so
    /// its first task does not).
    pub fn check_program(&self, code: &[u8]) -> Result<(), TaskError> {
        self.prepare(code, None).map(drop)
    }

    /// Whether the program with code hash `hash` is compiled and linked here (a task of it
    /// then needs only the hash: see [`TaskSpec::code_hash`]).
    pub fn is_ready(&self, hash: &CodeHash) -> bool {
        self.ready.lock().contains(hash)
    }

    /// The program `code`, compiled (through the engine's cache), checked to be a WASI
    /// command and linked.
    fn prepare(
        &self,
        code: &[u8],
        known_hash: Option<CodeHash>,
    ) -> Result<InstancePre<TaskState>, TaskError> {
        let hash = known_hash.unwrap_or_else(|| Engine::hash(code));
        if let Some(pre) = self.ready.lock().get(&hash) {
            return Ok(pre.clone());
        }
        if code.is_empty() && known_hash.is_some() {
            let msg = "the program is no longer ready here: run it with its code";
            return Err(TaskError::new(PROGRAM_NOT_READY, msg));
        }
        let module = self
            .engine
            .load(Profile::WasiProgram, &hash, code)
            .map_err(|e| TaskError::new("CompilationError", e.to_string()))?;
        match module.get_export("_start") {
            Some(ExternType::Func(f)) if f.params().len() == 0 && f.results().len() == 0 => {}
            _ => {
                let msg = "the module exports no `_start` function: not a WASI command";
                return Err(TaskError::new("NotACommand", msg));
            }
        }
        let pre = self
            .linker
            .instantiate_pre(&module)
            .map_err(|e| TaskError::new("LinkError", format!("{e:#}")))?;
        self.ready.lock().put(hash, pre.clone());
        Ok(pre)
    }

    fn try_run(&self, mut spec: TaskSpec, outcome: &mut TaskOutcome) -> Result<(), TaskError> {
        let pre = self.prepare(&spec.code, spec.code_hash)?;

        let (task, binding) = build_task(&mut spec, self.task_started())?;
        let mut store = Store::new(self.engine.wasmtime(Profile::WasiProgram), task);
        store.limiter(|t| &mut t.limiter);
        // Fuel is the NEAR gas counter's budget, as in direct mode; WASI calls pay in fuel
        // too, and the counter takes in what fuel was spent at every NEAR syscall.
        refill_fuel(&mut store);
        store.data_mut().fuel_limit = store.get_fuel().unwrap_or(0);
        store.set_epoch_deadline(epoch_ticks(spec.limits.timeout));
        store.epoch_deadline_trap();

        let result = (|| {
            let instance = pre.instantiate(&mut store)?;
            let memory = instance.get_memory(&mut store, "memory");
            store.data_mut().memory = memory;
            store.data_mut().near.memory = memory;
            let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
            start.call(&mut store, ())
        })();
        // What the last instructions burnt, up to the limit (an error here is the
        // exhaustion the run already reports).
        let _ = charge_fuel(&mut store);
        let ended = match result {
            Ok(()) => Ok(0),
            Err(e) => classify(&e, spec.limits.timeout),
        };

        // Closing every descriptor and the 9P session puts what open files buffered into
        // the transaction before anyone commits it.
        let TaskState {
            mut fds,
            vfs,
            stdio,
            syscalls,
            near,
            state_fs,
            ..
        } = store.into_data();
        outcome.state_write_refused = state_fs.is_some_and(|fs| fs.refused_write());
        fds.close_all();
        stdio.flush();
        outcome.syscalls = syscalls.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let mut vm = near.logic.finish(matches!(ended, Ok(0)));
        outcome.gas_burnt = vm.gas_burnt;
        outcome.logs = vm.logs;
        outcome.gas_used = vm.gas_used;
        outcome.receipts = vm.receipts;
        let flushed = vm.ext.flush();
        drop((fds, vfs, vm.ext));
        let cap_hit = stdio.cap_hit();

        let code = ended?;
        outcome.exit_code = Some(code);
        if code == 0 {
            flushed.map_err(|e| TaskError::new(e.kind(), e.message()))?;
        }
        if cap_hit {
            let msg = format!("output passed {} bytes", spec.limits.output_bytes);
            return Err(TaskError::new("OutputLimitExceeded", msg));
        }
        if let Binding::Own(bound) = binding {
            if code == 0 && !spec.dry_run {
                bound
                    .into_txn()
                    .and_then(|t| t.commit())
                    .map_err(|e| TaskError::new("StorageError", e.to_string()))?;
                outcome.committed = true;
            }
        }
        Ok(())
    }
}

/// How the program's run ended: an exit status, or the task's error.
fn classify(err: &wasmtime::Error, timeout: Duration) -> Result<i32, TaskError> {
    if let Some(ExitStatus(code)) = err.downcast_ref::<ExitStatus>() {
        return Ok(*code);
    }
    if let Some(m) = err.downcast_ref::<MemoryLimitExceeded>() {
        return Err(TaskError::new("MemoryLimitExceeded", m.to_string()));
    }
    if let Some(f) = err.downcast_ref::<GuestError>() {
        return Err(TaskError::new("WasmTrap", f.to_string()));
    }
    if let Some(h) = err.downcast_ref::<HostError>() {
        return Err(TaskError::new(h.kind(), h.message()));
    }
    match err.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => Err(TaskError::new("GasExceeded", "exceeded the prepaid gas")),
        Some(Trap::Interrupt) => Err(TaskError::new(
            "Timeout",
            format!("execution exceeded the {timeout:?} time limit"),
        )),
        Some(trap) => Err(TaskError::new("WasmTrap", trap.to_string())),
        None => Err(TaskError::new("HostError", format!("{err:#}"))),
    }
}

/// When a task started now and limited to `timeout` must end (a century away for a limit
/// too far to represent).
fn deadline(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

fn invalid(msg: impl Into<String>) -> TaskError {
    TaskError::new("InvalidTask", msg)
}

/// Takes what the task owns out of `spec` (streams, state binding) and builds its tree,
/// descriptors and state.
fn build_task(
    spec: &mut TaskSpec,
    running: RunningTask,
) -> Result<(TaskState, Binding), TaskError> {
    let clock = Arc::new(TaskClock::new(spec.context.block_timestamp_ns));
    let random = Arc::new(TaskRandom::new(spec.context.random_seed));
    let stdio = Arc::new(Stdio::new(
        std::mem::replace(&mut spec.stdin, Box::new(std::io::empty())),
        std::mem::replace(&mut spec.stdout, Box::new(std::io::sink())),
        std::mem::replace(&mut spec.stderr, Box::new(std::io::sink())),
        spec.limits.output_bytes,
        deadline(spec.limits.timeout),
    ));
    let boot = clock.start();
    let memfs = |c: &Arc<TaskClock>| MemFs::new(c.clone(), spec.limits.memfs_bytes);

    // The root: a host directory mounted at `/`, the state at `/`, or memory.
    let host_root = spec
        .mounts
        .iter()
        .find(|m| split_path(m.guest.as_bytes()).is_empty());
    let state_at = split_path(spec.state_at.as_bytes());
    let mut mount_points: Vec<Vec<u8>> = vec![b"/dev".to_vec(), b"/tmp".to_vec()];
    let root: Arc<dyn FileSystem> = match host_root {
        Some(m) => Arc::new(open_host(m.host.as_path(), m.read_only)?),
        None => {
            let root = memfs(&clock);
            let mut points: Vec<&[u8]> = vec![b"dev", b"tmp"];
            if spec.state.is_some() && !state_at.is_empty() {
                points.push(spec.state_at.as_bytes());
            }
            for m in &spec.mounts {
                points.push(m.guest.as_bytes());
            }
            for p in points {
                root.mkdir_all(&split_path(p))
                    .map_err(|e| invalid(format!("cannot make mount point: {e}")))?;
            }
            Arc::new(root)
        }
    };
    let mut vfs = Vfs::new(root, boot);
    vfs.mount(
        b"/dev",
        Arc::new(DevFs::new(stdio.clone(), random.clone(), boot)),
    );
    vfs.mount(b"/tmp", Arc::new(memfs(&clock)));
    for m in &spec.mounts {
        if !split_path(m.guest.as_bytes()).is_empty() {
            vfs.mount(
                m.guest.as_bytes(),
                Arc::new(open_host(&m.host, m.read_only)?),
            );
            mount_points.push(m.guest.as_bytes().to_vec());
        }
    }
    let (binding, external, account, storage_usage, state_fs) = match spec.state.take() {
        None => (
            Binding::None,
            TaskExternal::Unmounted,
            String::new(),
            0,
            None,
        ),
        Some(state) => {
            let m = mount_state(state, &clock, true, spec.state_read_only)?;
            let keys = TaskExternal::State(m.mount.keys());
            vfs.mount(spec.state_at.as_bytes(), Arc::new(m.mount));
            (m.binding, keys, m.account, m.storage_usage, Some(m.fs))
        }
    };
    let gas = spec.limits.gas.min(MAX_GAS);
    let vm = vm_context(&spec.context, &account, storage_usage, gas);

    let mut fds = FdTable::new();
    let preopen = |abs: Vec<Vec<u8>>, name: &str| Descriptor::Dir {
        abs,
        preopen: Some(name.to_string()),
    };
    let cwd = split_path(spec.cwd.as_bytes());
    if spec.cwd.as_bytes().first() != Some(&b'/') {
        return Err(invalid(format!(
            "the working directory {:?} is not absolute",
            spec.cwd
        )));
    }
    match vfs.lstat(&cwd) {
        Ok(s) if s.kind == FileKind::Directory => {}
        _ => return Err(invalid(format!("no directory {:?} to work in", spec.cwd))),
    }
    let first = [Descriptor::Stdin, Descriptor::Stdout, Descriptor::Stderr];
    for d in first.into_iter().chain([preopen(Vec::new(), "/")]) {
        fds.push(d).map_err(|e| invalid(e.to_string()))?;
    }
    // The working directory is preopened under its absolute name, never as `.`: wasi-libc
    // strips both `/` and `.` to the empty prefix and lets the later preopen win, so a `.`
    // preopen would take every absolute path. A libc's own working directory starts at `/`;
    // `PWD` tells the program where it was asked to work (`chdir(getenv("PWD"))`).
    let cwd_name = format!("/{}", names_joined(&cwd));
    if !cwd.is_empty() {
        fds.push(preopen(cwd, &cwd_name))
            .map_err(|e| invalid(e.to_string()))?;
    }
    let mut env: Vec<Vec<u8>> = spec
        .env
        .iter()
        .map(|(k, v)| format!("{k}={v}").into_bytes())
        .collect();
    // Only what the caller set, but for `PWD` when the task works elsewhere than `/`.
    if !cwd_name.eq("/") && !spec.env.iter().any(|(k, _)| k == "PWD") {
        env.push(format!("PWD={cwd_name}").into_bytes());
    }
    let task = TaskState {
        fds,
        vfs,
        args: spec.argv.iter().map(|a| a.clone().into_bytes()).collect(),
        env,
        clock,
        random,
        stdio,
        memory: None,
        fuel_limit: 0,
        bytes_moved: 0,
        syscalls: Default::default(),
        limiter: MemoryLimiter {
            max_bytes: spec.limits.memory_bytes,
        },
        near: HostState::new(VmLogic::new(external, vm)),
        running,
        state_fs,
    };
    Ok((task, binding))
}

/// `a/b/c` for the names `[a, b, c]`.
fn names_joined(names: &[Vec<u8>]) -> String {
    let parts: Vec<String> = names
        .iter()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    parts.join("/")
}

fn open_host(path: &Path, read_only: bool) -> Result<HostFs, TaskError> {
    HostFs::open(path, read_only).map_err(|e| {
        invalid(format!(
            "cannot mount host directory {}: {e}",
            path.display()
        ))
    })
}

/// A mounted account: the mount, who commits, and what the NEAR side needs.
pub(super) struct Mounted {
    pub(super) mount: StateMount,
    binding: Binding,
    account: String,
    /// The account's storage usage, when asked for (0 otherwise).
    storage_usage: u64,
    /// The filesystem the session serves (it knows whether it refused a write).
    pub(super) fs: Arc<StateFs>,
}

/// Mounts the account over a 9P session bound to the task's transaction, whose times then
/// come from the task's clock: what a task writes, metadata included, depends on its
/// context only.
pub(super) fn mount_state(
    state: StateBinding,
    clock: &Arc<TaskClock>,
    want_usage: bool,
    read_only: bool,
) -> Result<Mounted, TaskError> {
    let storage = |e: outlayer_fs::Error| TaskError::new("StorageError", e.to_string());
    let (store, txn, own) = match state {
        StateBinding::Account { store, account } => {
            let txn = store.begin_shared(&account).map_err(storage)?;
            if txn.account_meta().is_none() {
                let msg = format!("account {} does not exist", account.as_str());
                return Err(TaskError::new("AccountDoesNotExist", msg));
            }
            (store, SharedTxn::new(txn), true)
        }
        StateBinding::Shared { store, txn } => (store, txn, false),
    };
    let account = txn.account().as_str().to_string();
    let storage_usage = {
        let mut t = txn.lock().map_err(storage)?;
        let clock = clock.clone();
        t.set_clock(Clock::from_fn(move || clock.realtime()));
        match want_usage {
            true => t.storage_usage().map_err(storage)?,
            false => 0,
        }
    };
    let (fs, bound) = StateFs::bound(store, txn, read_only).map_err(storage)?;
    let mount = StateMount::new(InProcess::new(fs.clone(), ServerConfig::default()))
        .map_err(|e| TaskError::new("StorageError", e.to_string()))?;
    let binding = if own {
        Binding::Own(bound)
    } else {
        Binding::Shared
    };
    Ok(Mounted {
        mount,
        binding,
        account,
        storage_usage,
        fs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A daemon boots one kernel and runs tasks from many threads; a request handler hands
    /// a spec to a worker and the outcome back.
    #[test]
    fn the_kernel_is_shared_and_tasks_travel_between_threads() {
        fn shared<T: Send + Sync>() {}
        fn sent<T: Send>() {}
        shared::<Kernel>();
        sent::<TaskSpec>();
        sent::<TaskOutcome>();
    }

    #[test]
    fn traps_and_exits_are_told_apart() {
        let t = Duration::from_secs(1);
        assert_eq!(classify(&ExitStatus(3).into(), t), Ok(3));
        let kind = |e: wasmtime::Error| classify(&e, t).map_err(|e| e.kind);
        assert_eq!(kind(Trap::OutOfFuel.into()), Err("GasExceeded"));
        assert_eq!(kind(Trap::Interrupt.into()), Err("Timeout"));
        assert_eq!(kind(Trap::UnreachableCodeReached.into()), Err("WasmTrap"));
        assert_eq!(kind(GuestError::BadExitStatus(200).into()), Err("WasmTrap"));
        let oom = MemoryLimitExceeded {
            desired: 2,
            limit: 1,
        };
        assert_eq!(kind(oom.into()), Err("MemoryLimitExceeded"));
        assert_eq!(kind(wasmtime::format_err!("odd")), Err("HostError"));
    }
}

//! The guest kernel (linux mode): runs `wasm32-wasip1` programs (Rust std, C with
//! wasi-libc) as tasks over a VFS with mounts, implementing `wasi_snapshot_preview1` itself.
//!
//! ```text
//! Kernel::new(cache_dir) / Kernel::with_engine(Arc<Engine>)   booted once, kept warm
//! Kernel::run(&self, TaskSpec) -> TaskOutcome                   never panics, never Err
//! TaskSpec::new(code, argv0), then set argv, env, cwd, stdin/stdout/stderr, mounts,
//!     state (StateBinding::Account { store, account } | Shared { store, txn }), state_at,
//!     context (block timestamp, random seed), limits (gas, memory, timeout, output), dry_run
//! ```
//!
//! The tree, rooted at `/`:
//!
//! | path | what |
//! |---|---|
//! | `/` | memory ([`vfs::MemFs`]), or a host directory mounted at `/` |
//! | `/dev` | `null`, `zero`, `urandom`, `stdin`, `stdout`, `stderr` ([`vfs::DevFs`]) |
//! | `/tmp` | private memory, gone with the task |
//! | `/near/state` (`state_at`) | the account, through a 9P2000.L session bound to the task's transaction ([`vfs::StateMount`]) |
//! | host mounts | host directories confined with cap-std ([`vfs::HostFs`]) |
//!
//! Descriptors: 0–2 the standard streams, 3 the root preopened as `/`, 4 the working
//! directory preopened under its absolute name when it is not `/` (with `PWD` naming it;
//! never as `.`, which wasi-libc would match before `/` for every absolute path).
//!
//! Deterministic: clocks start at the block timestamp and advance with fuel burnt (sleeping
//! advances them without waiting), randomness is ChaCha20 from the context's seed, the
//! environment is only what the spec sets. The state's transaction commits only when the
//! program exits 0 with no error (and not as a dry run); a non-zero exit, a trap, gas or
//! time exhaustion, a memory or output limit drop it.
//!
//! Intended differences from wasmtime-wasi's preview1 (the reference; the conformance
//! tests in `kernel/tests/linux_conformance.rs` hold everything else equal):
//! - time is virtual: `clock_time_get` counts from the block timestamp with fuel, and a
//!   `poll_oneoff` on clocks returns at once with the clocks advanced;
//! - randomness (`random_get`, `/dev/urandom`) is one ChaCha20 stream from the task's seed;
//! - standard streams are never ttys (filetype `UNKNOWN`), whatever the host side is;
//! - `poll_oneoff` reports every file descriptor ready at once (wasmtime reports a file's
//!   read readiness only after a background read completes);
//! - `fd_readdir` lists entries sorted by name (wasmtime: the host's order); inode and
//!   device numbers are the mounts' own (wasmtime: a hash of the host's);
//! - `/dev`, `/tmp`, the state mount and mount-point directories exist in every tree;
//! - on the state mount, symbolic and hard links are refused with `PERM` (the 9P server
//!   has none); everything else answers as on a host directory;
//! - a read-only host mount refuses writes with `ROFS`, as a read-only Linux mount does
//!   (wasmtime's read-only preopens answer `PERM`).
//!
//! Limits of this part: a host call blocked on a standard stream is not interrupted by the
//! timeout before the deadline passes (it then answers `AGAIN`); `fd_readdir` lists a whole
//! directory per call, as wasmtime does.
//!
//! NEAR syscalls: the `outlayer.syscall` import (400–452, `crate::near::syscalls`) runs on
//! the same `VmLogic` as direct mode; its storage goes through the task's `/near/state` 9P
//! session, so file I/O and storage syscalls see each other's writes in one transaction.
//!
//! C programs call them with `syscall(SYS_near_*, ...)` (`guest/include/near/syscall.h`,
//! `guest/lib/near_syscall.c`).
//!
//! Rust programs use the `guest/near-guest` crate.
//!
//! NEAR contracts run as tasks too ([`ContractTask`], linux mode of `Executor::call`): their
//! `env` imports are the kernel's NEAR syscalls under their numbers, their storage the
//! task's 9P session on the call's transaction.
//!
//! Not here: processes (spawn) and pipes.

mod clock;
mod contract;
mod errno;
mod fd;
mod kernel;
mod near;
mod spec;
mod stats;
mod stdio;
mod task;
pub mod vfs;
pub mod wasi;

pub use clock::{TaskClock, TaskRandom, NS_PER_FUEL};
pub use contract::ContractTask;
pub use errno::Errno;
pub use kernel::{Kernel, PROGRAM_NOT_READY};
pub use near::TaskExternal;
pub use spec::{
    HostMount, Limits, StateBinding, TaskContext, TaskError, TaskOutcome, TaskSpec,
    DEFAULT_STATE_AT,
};
pub use stats::{syscall_name, KernelReport, KernelStats, SyscallCount};
pub use stdio::Capture;
pub use task::{MemoryLimitExceeded, TaskState};

//! What a running task is, as its wasmtime `Store` holds it: the descriptor table, the VFS,
//! argv and environment, clocks and randomness, the standard streams, and the bookkeeping
//! of gas, memory and calls.

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmtime::{Memory, ResourceLimiter};

use super::clock::{TaskClock, TaskRandom};
use super::fd::FdTable;
use super::near::TaskExternal;
use super::stats::RunningTask;
use super::stdio::Stdio;
use super::vfs::Vfs;
use crate::near::{HostState, NearView};

/// Table elements a task may have (a generous bound that keeps a guest from making the host
/// allocate without limit).
pub(super) const MAX_TABLE_ELEMENTS: usize = 1 << 20;

/// A task's state inside its wasmtime `Store`.
pub struct TaskState {
    /// Open descriptors.
    pub fds: FdTable,
    /// The task's tree.
    pub vfs: Vfs,
    /// argv, `argv[0]` first.
    pub args: Vec<Vec<u8>>,
    /// The environment as `KEY=VALUE`.
    pub env: Vec<Vec<u8>>,
    /// Clocks.
    pub clock: Arc<TaskClock>,
    /// Randomness.
    pub random: Arc<TaskRandom>,
    /// Standard streams.
    pub stdio: Arc<Stdio>,
    /// The guest's exported memory, once instantiated.
    pub memory: Option<Memory>,
    /// The fuel the task started with (fuel burnt since is what its clocks count).
    pub fuel_limit: u64,
    /// Bytes moved by the current WASI call (charged when it returns).
    pub bytes_moved: u64,
    /// WASI calls made, by name.
    pub syscalls: BTreeMap<&'static str, u64>,
    /// The memory limit.
    pub limiter: MemoryLimiter,
    /// The NEAR execution behind `outlayer.syscall`, whose gas counter is the task's.
    pub near: HostState<TaskExternal>,
    /// Counts the task as running, and its NEAR syscalls, in the kernel's statistics.
    pub(super) running: RunningTask,
    /// The state's filesystem, if mounted (it knows whether it refused a write).
    pub(super) state_fs: Option<Arc<outlayer_fs::statefs::StateFs>>,
}

impl NearView for TaskState {
    type Ext = TaskExternal;

    fn near(&mut self) -> &mut HostState<TaskExternal> {
        &mut self.near
    }

    #[inline]
    fn host_call(&mut self, nr: u32) {
        self.running.syscall(nr);
    }
}

/// The error a task's memory growth past its limit traps with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("memory of {desired} bytes asked, the limit is {limit} bytes")]
pub struct MemoryLimitExceeded {
    /// Bytes the guest asked for.
    pub desired: usize,
    /// The limit.
    pub limit: usize,
}

/// Bounds a task's linear memory; growing past the bound traps (rather than failing
/// quietly), so the outcome can say why the task ended.
#[derive(Debug, Clone, Copy)]
pub struct MemoryLimiter {
    /// Bytes of linear memory allowed.
    pub max_bytes: usize,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            return Err(MemoryLimitExceeded {
                desired,
                limit: self.max_bytes,
            }
            .into());
        }
        Ok(maximum.is_none_or(|m| desired <= m))
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS && maximum.is_none_or(|m| desired <= m))
    }
}

//! The kernel's counters: cheap atomics bumped on the hot path, read whole by `stats`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::near::imports::IMPORT_NUMBERS;
use crate::near::syscalls;

/// First number of the NEAR syscall range.
const NR_BASE: u32 = 400;
/// Numbers in the range.
const NR_COUNT: usize = 100;

/// What the kernel has done since it booted.
#[derive(Debug)]
pub struct KernelStats {
    boot: Duration,
    tasks_started: AtomicU64,
    tasks_running: AtomicU64,
    /// NEAR syscalls (and `env` host functions, by their numbers), 400–499.
    syscalls: [AtomicU64; NR_COUNT],
}

/// A snapshot of [`KernelStats`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelReport {
    /// How long booting the kernel took (engine, linkers), µs.
    pub boot_us: u64,
    /// Tasks started (programs and contract calls).
    pub tasks_started: u64,
    /// Tasks running now.
    pub tasks_running: u64,
    /// NEAR syscalls made, by number, with the name of the operation; only those made.
    pub syscalls: Vec<SyscallCount>,
}

/// One NEAR syscall number's count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyscallCount {
    /// The number (400–499).
    pub nr: u32,
    /// The operation (the `env` function's name).
    pub name: String,
    /// Calls made.
    pub count: u64,
}

/// The name of NEAR syscall `nr`: the `env` function of that number, or the public
/// syscall's own name.
pub fn syscall_name(nr: u32) -> &'static str {
    if let Some((_, name)) = IMPORT_NUMBERS.iter().find(|(n, _)| *n == nr) {
        return name;
    }
    match i64::from(nr) {
        syscalls::SYS_NEAR_YIELD_CREATE => "promise_yield_create",
        syscalls::SYS_NEAR_YIELD_RESUME => "promise_yield_resume",
        _ => "unknown",
    }
}

impl KernelStats {
    pub(super) fn new(boot: Duration) -> Self {
        KernelStats {
            boot,
            tasks_started: AtomicU64::new(0),
            tasks_running: AtomicU64::new(0),
            syscalls: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }

    /// Counts NEAR syscall `nr` (numbers outside 400–499 are not counted).
    #[inline]
    pub fn syscall(&self, nr: u32) {
        if let Some(c) = nr
            .checked_sub(NR_BASE)
            .and_then(|i| self.syscalls.get(i as usize))
        {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A task starts; it is running until the returned guard drops.
    pub(super) fn task_started(self: &Arc<Self>) -> RunningTask {
        self.tasks_started.fetch_add(1, Ordering::Relaxed);
        self.tasks_running.fetch_add(1, Ordering::Relaxed);
        RunningTask(self.clone())
    }

    /// The counters now.
    pub fn report(&self) -> KernelReport {
        let syscalls = self
            .syscalls
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let count = c.load(Ordering::Relaxed);
                let nr = NR_BASE + i as u32;
                (count > 0).then(|| SyscallCount {
                    nr,
                    name: syscall_name(nr).to_string(),
                    count,
                })
            })
            .collect();
        KernelReport {
            boot_us: self.boot.as_micros() as u64,
            tasks_started: self.tasks_started.load(Ordering::Relaxed),
            tasks_running: self.tasks_running.load(Ordering::Relaxed),
            syscalls,
        }
    }
}

/// A running task, counted as such until dropped; it counts the task's syscalls.
pub(super) struct RunningTask(Arc<KernelStats>);

impl RunningTask {
    /// Counts NEAR syscall `nr`.
    #[inline]
    pub(super) fn syscall(&self, nr: u32) {
        self.0.syscall(nr);
    }
}

impl Drop for RunningTask {
    fn drop(&mut self) {
        self.0.tasks_running.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_count_and_name_their_numbers() {
        let s = Arc::new(KernelStats::new(Duration::from_micros(7)));
        s.syscall(400);
        s.syscall(400);
        s.syscall(420);
        s.syscall(399); // not a NEAR syscall
        s.syscall(500);
        {
            let _t = s.task_started();
            assert_eq!(s.report().tasks_running, 1);
        }
        let r = s.report();
        assert_eq!((r.boot_us, r.tasks_started, r.tasks_running), (7, 1, 0));
        let counts: Vec<_> = (r.syscalls.iter())
            .map(|c| (c.nr, c.name.as_str(), c.count))
            .collect();
        assert_eq!(counts, [(400, "storage_write", 2), (420, "log_utf8", 1)]);
    }
}

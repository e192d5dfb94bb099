//! Execution counters: atomics bumped once per call; failures also counted by kind under a
//! lock, which only failing calls take.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::mode::Mode;
use crate::outcome::Outcome;

/// Calls run since the executor started.
#[derive(Debug, Default)]
pub(super) struct ExecCounters {
    /// Succeeded and failed calls, by mode (direct, linux).
    by_mode: [[AtomicU64; 2]; 2],
    failures: Mutex<BTreeMap<String, u64>>,
}

/// One mode's calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModeCounts {
    /// Calls that succeeded.
    pub succeeded: u64,
    /// Calls that failed.
    pub failed: u64,
}

/// What the executor has run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionReport {
    /// Direct-mode calls.
    pub direct: ModeCounts,
    /// Linux-mode calls (contracts and WASI programs).
    pub linux: ModeCounts,
    /// Failed calls by error kind (`GuestPanic`, `GasExceeded`, ...).
    pub failures_by_kind: BTreeMap<String, u64>,
}

impl ExecCounters {
    /// Counts the finished call `o`.
    pub(super) fn record(&self, o: &Outcome) {
        let mode = match o.mode {
            Mode::Direct => 0,
            Mode::Linux => 1,
        };
        let ok = usize::from(!o.is_success());
        self.by_mode[mode][ok].fetch_add(1, Ordering::Relaxed);
        if let Some(kind) = o.error_kind() {
            *self.failures.lock().entry(kind.to_string()).or_default() += 1;
        }
    }

    /// The counters now.
    pub(super) fn report(&self) -> ExecutionReport {
        let counts = |m: usize| ModeCounts {
            succeeded: self.by_mode[m][0].load(Ordering::Relaxed),
            failed: self.by_mode[m][1].load(Ordering::Relaxed),
        };
        ExecutionReport {
            direct: counts(0),
            linux: counts(1),
            failures_by_kind: self.failures.lock().clone(),
        }
    }
}

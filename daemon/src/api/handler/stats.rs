//! `stats`: the store's disk use (what a user watches to see the data directory stay small
//! and a restart stay short), and what the process has executed: calls by mode and outcome,
//! the guest kernel's tasks and syscalls, the module cache.

use outlayer_fs::store::StoreStats;
use outlayer_kernel::linux::KernelReport;
use outlayer_kernel::{CacheStats, ExecutionReport};
use serde::{Deserialize, Serialize};

use crate::api::{ApiError, Context, Handler, ItemSink, Stats};

/// Everything `stats` reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatsReport {
    /// Seconds since the daemon (or this command, when none runs) started.
    #[serde(default)]
    pub uptime_s: f64,
    /// The store.
    pub store: StoreReport,
    /// What was executed; absent until something runs wasm in this process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<ExecutionStats>,
    /// 9P requests served by this process (sockets and guest tasks' sessions), by type.
    #[serde(default)]
    pub ninep_messages: std::collections::BTreeMap<String, u64>,
    /// FUSE requests served by this process's mounts, by operation.
    #[serde(default)]
    pub fuse_operations: std::collections::BTreeMap<String, u64>,
}

/// What the process has executed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExecutionStats {
    /// Calls by mode and outcome.
    pub calls: ExecutionReport,
    /// The guest kernel: boot time, tasks, NEAR syscalls by number.
    pub kernel: KernelReport,
    /// The module cache: compiles, disk and memory hits.
    pub module_cache: CacheStats,
}

/// The store's figures, with its location.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoreReport {
    /// The data directory.
    pub data_dir: String,
    /// Sizes and the last flush.
    #[serde(flatten)]
    pub stats: StoreStats,
}

impl Handler for Stats {
    type Output = StatsReport;

    fn handle(self, ctx: &Context, _items: &mut ItemSink<'_>) -> Result<StatsReport, ApiError> {
        let store = ctx.store();
        let execution = ctx.started_executor().map(|e| ExecutionStats {
            calls: e.executions(),
            kernel: e.kernel().stats(),
            module_cache: e.engine().stats(),
        });
        Ok(StatsReport {
            uptime_s: ctx.uptime().as_secs_f64(),
            store: StoreReport {
                data_dir: store.path().display().to_string(),
                stats: store.stats()?,
            },
            execution,
            ninep_messages: by_name(outlayer_fs::ninep::server::messages_served()),
            fuse_operations: by_name(outlayer_fs::fuse::operations_served()),
        })
    }
}

fn by_name(counts: Vec<(&'static str, u64)>) -> std::collections::BTreeMap<String, u64> {
    counts
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

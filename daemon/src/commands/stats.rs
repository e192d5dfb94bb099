//! `outlayerd stats`: the store's figures, as a table or as JSON.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{no_items, Backend};
use crate::api::{ApiError, ErrorKind, Stats, StatsReport};

/// Prints the stats of the store in `data_dir` (through its daemon when one runs).
pub fn run(data_dir: &Path, json: bool) -> Result<(), ApiError> {
    let report = Backend::open(data_dir)?.send(Stats {}, &mut no_items)?;
    let text = if json {
        serde_json::to_string_pretty(&report)
            .map_err(|e| ApiError::failed(format!("cannot encode the report: {e}")))?
    } else {
        table(&report, SystemTime::now())
    };
    writeln!(std::io::stdout().lock(), "{text}")
        .map_err(|e| ApiError::new(ErrorKind::Io, e.to_string()))
}

/// The report as aligned lines for a terminal, with times relative to `now`.
fn table(r: &StatsReport, now: SystemTime) -> String {
    let s = &r.store.stats;
    let last_flush = match s.last_flush_ns {
        Some(ns) => {
            let at = UNIX_EPOCH + Duration::from_nanos(ns);
            let ago = now.duration_since(at).unwrap_or_default();
            format!(
                "{} ({} ago)",
                humantime::format_rfc3339_seconds(at),
                humantime::format_duration(Duration::from_secs(ago.as_secs()))
            )
        }
        None => "never".into(),
    };
    let wal_files = if s.wal_files == 1 { "file" } else { "files" };
    [
        format!("data directory   {}", r.store.data_dir),
        format!("  size           {}", bytes(s.dir_bytes)),
        format!(
            "  write-ahead log {} in {} {wal_files}",
            bytes(s.wal_bytes),
            s.wal_files
        ),
        format!("  tables         {}", bytes(s.table_bytes)),
        format!("  write buffers  {} (in memory)", bytes(s.memtable_bytes)),
        format!(
            "  live values    ~{} in ~{} keys",
            bytes(s.live_value_bytes),
            s.keys
        ),
        format!("  last flush     {last_flush}"),
    ]
    .into_iter()
    .chain(execution_lines(r))
    .collect::<Vec<_>>()
    .join("\n")
}

/// What was executed, when anything was.
fn execution_lines(r: &StatsReport) -> Vec<String> {
    let counts = |m: &std::collections::BTreeMap<String, u64>| {
        let v: Vec<String> = m.iter().map(|(k, n)| format!("{k} {n}")).collect();
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    let served = [
        format!("9P requests      {}", counts(&r.ninep_messages)),
        format!("FUSE requests    {}", counts(&r.fuse_operations)),
    ];
    let Some(x) = &r.execution else {
        let mut lines = vec!["executions       none in this process".to_string()];
        lines.extend(served);
        return lines;
    };
    let (d, l) = (x.calls.direct, x.calls.linux);
    let failures: Vec<String> = (x.calls.failures_by_kind.iter())
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    let syscalls: Vec<String> = (x.kernel.syscalls.iter())
        .map(|c| format!("{} {} {}", c.nr, c.name, c.count))
        .collect();
    vec![
        format!("executions       up {:.0} s", r.uptime_s),
        format!("  direct         {} ok, {} failed", d.succeeded, d.failed),
        format!("  linux          {} ok, {} failed", l.succeeded, l.failed),
        format!("  failures       {}", failures.join(", ")),
        format!(
            "  kernel         boot {} µs, {} tasks ({} running)",
            x.kernel.boot_us, x.kernel.tasks_started, x.kernel.tasks_running
        ),
        format!("  syscalls       {}", syscalls.join(", ")),
        format!(
            "  module cache   {} compiled, {} from disk, {} from memory",
            x.module_cache.compiled, x.module_cache.disk_hits, x.module_cache.memory_hits
        ),
    ]
    .into_iter()
    .chain(served)
    .collect()
}

/// `n` bytes in binary units with one decimal.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::StoreReport;
    use outlayer_fs::store::StoreStats;

    #[test]
    fn table_shows_sizes_and_the_last_flush() {
        let report = StatsReport {
            uptime_s: 12.0,
            execution: None,
            ninep_messages: Default::default(),
            fuse_operations: [("lookup".to_string(), 3)].into(),
            store: StoreReport {
                data_dir: "/d".into(),
                stats: StoreStats {
                    dir_bytes: 3 << 20,
                    wal_bytes: 1536,
                    wal_files: 1,
                    table_bytes: 0,
                    memtable_bytes: 512,
                    live_value_bytes: 1 << 30,
                    keys: 7,
                    last_flush_ns: Some(1_700_000_000_000_000_000),
                },
            },
        };
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_090);
        let t = table(&report, now);
        assert!(t.contains("size           3.0 MiB"), "{t}");
        assert!(t.contains("write-ahead log 1.5 KiB in 1 file"), "{t}");
        assert!(t.contains("~1.0 GiB in ~7 keys"), "{t}");
        assert!(t.contains("2023-11-14T22:13:20Z (1m 30s ago)"), "{t}");
        assert!(t.contains("executions       none in this process"), "{t}");
        assert!(t.contains("9P requests      none"), "{t}");
        assert!(t.contains("FUSE requests    lookup 3"), "{t}");
        let mut never = report;
        never.store.stats.last_flush_ns = None;
        assert!(table(&never, now).contains("last flush     never"));
    }

    #[test]
    fn table_shows_executions_when_there_were_some() {
        let mut calls = outlayer_kernel::ExecutionReport::default();
        calls.direct.succeeded = 3;
        calls.linux.failed = 1;
        calls.failures_by_kind.insert("GuestPanic".into(), 1);
        let kernel = outlayer_kernel::linux::KernelReport {
            boot_us: 40,
            tasks_started: 1,
            tasks_running: 0,
            syscalls: vec![outlayer_kernel::linux::SyscallCount {
                nr: 400,
                name: "storage_write".into(),
                count: 2,
            }],
        };
        let report = StatsReport {
            uptime_s: 5.0,
            ninep_messages: [("Twalk".to_string(), 4)].into(),
            fuse_operations: Default::default(),
            store: StoreReport {
                data_dir: "/d".into(),
                stats: StoreStats::default(),
            },
            execution: Some(crate::api::ExecutionStats {
                calls,
                kernel,
                module_cache: outlayer_kernel::CacheStats::default(),
            }),
        };
        let t = table(&report, UNIX_EPOCH);
        assert!(t.contains("direct         3 ok, 0 failed"), "{t}");
        assert!(t.contains("linux          0 ok, 1 failed"), "{t}");
        assert!(t.contains("failures       GuestPanic 1"), "{t}");
        assert!(t.contains("syscalls       400 storage_write 2"), "{t}");
        assert!(t.contains("9P requests      Twalk 4"), "{t}");
    }
}

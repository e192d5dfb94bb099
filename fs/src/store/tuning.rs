//! How the store sizes RocksDB, and what it reports about its disk use.
//!
//! The workload: small metadata records and values of up to 4 MiB, often the same few keys
//! rewritten again and again (a contract's counter, a file an editor saves), while most
//! column families are written rarely (accounts, directories, code). Three choices keep
//! the data directory near the live data and a restart short:
//!
//! - **The WAL is bounded** ([`MAX_TOTAL_WAL`]). A log file can be deleted only once every
//!   column family with a write in it has flushed; a rarely written family would pin every
//!   log until its own write buffer filled, which may be never (a user saw 4 GB of logs for
//!   1 MB of data, and a 38 s replay). Past the bound RocksDB flushes the families holding
//!   the oldest log, so a restart after `kill -9` replays at most about this much.
//! - **Write buffers sized per family** by how it is written ([`write_buffer`]): `state`
//!   gets room for several 4 MiB values, the small-record families get little.
//! - **Overwrites are compacted early**: `state` compacts level 0 as soon as two tables
//!   wait ([`STATE_L0_TRIGGER`]), which is what drops the stale versions of rewritten keys;
//!   with dynamic level sizes the levels below follow the live data.
//!
//! On a clean shutdown the store flushes every family ([`Store::flush`]), so the next start
//! replays nothing. What this bounds (see the churn test): about 64 MiB of logs, three
//! 32 MiB level-0 tables, the small families, and the live data twice while a compaction
//! rewrites it: within 256 MiB + 2 × the live data.

use std::path::Path;
use std::time::UNIX_EPOCH;

use rocksdb::{BlockBasedOptions, DBCompressionType, FlushOptions, Options};

use super::{Col, Store};
use crate::error::{Error, Result};

/// RocksDB flushes the oldest column families once the logs exceed this.
pub const MAX_TOTAL_WAL: u64 = 64 << 20;
/// Level-0 tables of `state` that start a compaction.
const STATE_L0_TRIGGER: i32 = 2;
/// Size of the tables compactions write.
const TARGET_FILE_SIZE: u64 = 32 << 20;

/// The write buffer (memtable) size of `col`, by how it is written.
fn write_buffer(col: Col) -> usize {
    match col {
        // Whole values of up to 4 MiB, rewritten at every commit.
        Col::State => 32 << 20,
        // One 48-byte record per key write; code: one contract (≤ 4 MiB) per deploy.
        Col::Meta | Col::Code => 8 << 20,
        // A record per account, directory or counter.
        Col::Accounts | Col::Dirs | Col::Sys => 4 << 20,
    }
}

/// Options of the database as a whole.
pub(super) fn db_options() -> Options {
    let mut o = Options::default();
    o.create_if_missing(true);
    o.create_missing_column_families(true);
    o.set_max_background_jobs(2);
    o.set_max_total_wal_size(MAX_TOTAL_WAL);
    // RocksDB's own info log: a few small files, not an unbounded one.
    o.set_keep_log_file_num(4);
    o.set_max_log_file_size(4 << 20);
    o
}

/// Options of one column family.
pub(super) fn cf_options(col: Col, table: &BlockBasedOptions) -> Options {
    let mut o = Options::default();
    o.set_block_based_table_factory(table);
    o.set_compression_type(DBCompressionType::Lz4);
    o.set_write_buffer_size(write_buffer(col));
    o.set_max_write_buffer_number(2);
    o.set_target_file_size_base(TARGET_FILE_SIZE);
    o.set_level_compaction_dynamic_level_bytes(true);
    if col == Col::State {
        o.set_level_zero_file_num_compaction_trigger(STATE_L0_TRIGGER);
    }
    o
}

/// What the store occupies, on disk and in memory (`outlayerd stats` shows it as it is).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoreStats {
    /// Every file under the data directory (logs, tables, the compiled-code cache).
    pub dir_bytes: u64,
    /// The write-ahead log: what a restart after a crash replays.
    pub wal_bytes: u64,
    /// Write-ahead log files.
    pub wal_files: u64,
    /// Table (SST) files of every column family.
    pub table_bytes: u64,
    /// Write buffers not yet flushed to tables (in memory; also in the WAL).
    pub memtable_bytes: u64,
    /// RocksDB's estimate of the live values.
    pub live_value_bytes: u64,
    /// RocksDB's estimate of the number of keys.
    pub keys: u64,
    /// When a flush last wrote a table, ns since the epoch: the newest level-0 table, or,
    /// when compaction has merged them all down, the newest table (compactions follow
    /// flushes). `None` before the first flush.
    pub last_flush_ns: Option<u64>,
}

impl Store {
    /// Writes every column family's buffers to tables and waits, so nothing is left for
    /// a restart to replay (a clean shutdown).
    pub fn flush(&self) -> Result<()> {
        let mut opts = FlushOptions::default();
        opts.set_wait(true);
        let cfs: Vec<_> = Col::ALL.iter().map(|&c| self.cf(c)).collect();
        self.db.flush_cfs_opt(&cfs, &opts)?;
        Ok(())
    }

    /// Disk and memory figures of the store.
    pub fn stats(&self) -> Result<StoreStats> {
        let sum = |name: &str| -> u64 {
            Col::ALL
                .iter()
                .map(|&c| self.int_property(c, name))
                .sum::<u64>()
        };
        let mut stats = StoreStats {
            dir_bytes: dir_size(&self.path),
            table_bytes: sum("rocksdb.total-sst-files-size"),
            memtable_bytes: sum("rocksdb.cur-size-all-mem-tables"),
            live_value_bytes: self.int_property(Col::State, "rocksdb.estimate-live-data-size"),
            keys: self.int_property(Col::Meta, "rocksdb.estimate-num-keys"),
            ..StoreStats::default()
        };
        let entries = std::fs::read_dir(&self.path)
            .map_err(|e| Error::Storage(format!("cannot list {}: {e}", self.path.display())))?;
        for entry in entries.flatten() {
            if entry.path().extension().is_some_and(|e| e == "log") {
                stats.wal_files += 1;
                stats.wal_bytes += entry.metadata().map_or(0, |m| m.len());
            }
        }
        let tables = self.db.live_files()?;
        let newest = |level0_only: bool| {
            tables
                .iter()
                .filter(|t| !level0_only || t.level == 0)
                .filter_map(|t| modified_ns(&self.path.join(t.name.trim_start_matches('/'))))
                .max()
        };
        stats.last_flush_ns = newest(true).or_else(|| newest(false));
        Ok(stats)
    }

    fn int_property(&self, col: Col, name: &str) -> u64 {
        self.db
            .property_int_value_cf(self.cf(col), name)
            .ok()
            .flatten()
            .unwrap_or(0)
    }
}

/// Bytes of every file under `dir` (files that vanish meanwhile count as 0).
fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(_) => e.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}

fn modified_ns(path: &Path) -> Option<u64> {
    let t = std::fs::metadata(path).ok()?.modified().ok()?;
    Some(t.duration_since(UNIX_EPOCH).ok()?.as_nanos() as u64)
}

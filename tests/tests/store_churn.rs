//! The store stays small and restarts fast: 1 GiB of rewrites of a few keys through a real
//! mount keeps the data directory under 256 MiB + 2 × the live data, a `kill -9` in the
//! middle loses no acknowledged write and the restart replays a bounded log, and `stats`
//! reports it all. Prints the figures (run it with `--release` for the README's).

#![allow(clippy::unwrap_used, missing_docs)]

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use outlayer_fs::store::MAX_TOTAL_WAL;
use outlayer_tests::TestDaemon;

const KEYS: usize = 32;
const VALUE_LEN: usize = 256 << 10;
const CHURN: u64 = 1 << 30;
const MIB: u64 = 1 << 20;
/// The bound `fs/src/store/tuning.rs` promises for this much live data.
const BOUND: u64 = 256 * MIB + 2 * (KEYS * VALUE_LEN) as u64;

/// Bytes of every file under `dir` (files vanishing meanwhile count as 0).
fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

fn wal_size(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "log"))
        .map(|e| e.metadata().map_or(0, |m| m.len()))
        .sum()
}

/// Incompressible bytes (LZ4 must not hide the churn), from which values are cut.
fn noise() -> Arc<Vec<u8>> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut v = Vec::with_capacity(2 * VALUE_LEN);
    while v.len() < 2 * VALUE_LEN {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    Arc::new(v)
}

/// Version `n` of a value: its number, then noise starting at a place that depends on it.
fn value(noise: &[u8], n: u64) -> Vec<u8> {
    let start = (n as usize * 4099) % VALUE_LEN;
    let mut v = noise[start..start + VALUE_LEN].to_vec();
    v[..8].copy_from_slice(&n.to_le_bytes());
    v
}

/// Rewrites key `n % KEYS` with version `n`, for n from `first`, until `stop` or a failure;
/// `acked[k]` holds the last version of key k whose close(2) succeeded.
struct Writer {
    handle: JoinHandle<u64>,
    written: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

fn churn(dir: &Path, first: u64, acked: Arc<Vec<AtomicU64>>, noise: Arc<Vec<u8>>) -> Writer {
    let (written, stop) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let (w, s, dir) = (written.clone(), stop.clone(), dir.to_path_buf());
    let handle = std::thread::spawn(move || {
        let mut n = first;
        while !s.load(Ordering::SeqCst) {
            let key = (n % KEYS as u64) as usize;
            let r = (|| {
                let mut f = File::create(dir.join(format!("k{key}")))?;
                f.write_all(&value(&noise, n))?;
                // close(2) returns the commit's result: acknowledged here.
                let fd = std::os::fd::IntoRawFd::into_raw_fd(f);
                // SAFETY: `fd` is an open descriptor we own; closed exactly once.
                if unsafe { libc::close(fd) } != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // Now and then what an editor or a build does besides: a scratch file and
                // a directory come and go. These touch the rarely written column families
                // (accounts, dirs, sys), which must not pin the log.
                if n.is_multiple_of(16) {
                    fs::write(dir.join("scratch"), b"")?;
                    fs::remove_file(dir.join("scratch"))?;
                }
                if n.is_multiple_of(128) {
                    fs::create_dir(dir.join("tmpdir"))?;
                    fs::remove_dir(dir.join("tmpdir"))?;
                }
                Ok::<_, std::io::Error>(())
            })();
            if r.is_err() {
                break; // the daemon died under us: not acknowledged
            }
            acked[key].store(n, Ordering::SeqCst);
            w.fetch_add(VALUE_LEN as u64, Ordering::SeqCst);
            n += 1;
        }
        n
    });
    Writer {
        handle,
        written,
        stop,
    }
}

/// Samples the data directory until the writer has written `until` bytes; returns the
/// largest sizes seen: (data directory, WAL).
fn watch(data_dir: &Path, w: &Writer, until: u64) -> (u64, u64) {
    let (mut max, mut max_wal) = (0, 0);
    while w.written.load(Ordering::SeqCst) < until {
        assert!(!w.handle.is_finished(), "the writer stopped early");
        max = max.max(dir_size(data_dir));
        max_wal = max_wal.max(wal_size(data_dir));
        std::thread::sleep(Duration::from_millis(50));
    }
    (max, max_wal)
}

#[test]
fn churn_keeps_the_store_small_and_a_restart_fast() {
    let mut d = TestDaemon::start();
    let dir = d.path("churn.near");
    fs::create_dir(&dir).unwrap();
    let noise = noise();
    let acked: Arc<Vec<AtomicU64>> = Arc::new((0..KEYS).map(|_| AtomicU64::new(0)).collect());
    let began = Instant::now();

    // First half, then kill -9 in the middle of writing.
    let w = churn(&dir, 0, acked.clone(), noise.clone());
    let (max1, wal1) = watch(&d.data_dir, &w, CHURN / 2);
    let wal_at_kill = wal_size(&d.data_dir);
    d.kill9();
    w.stop.store(true, Ordering::SeqCst);
    let next = w.handle.join().unwrap();
    let restart = Instant::now();
    d.spawn();
    let restart = restart.elapsed();
    // Nothing acknowledged is lost: each key holds its last acknowledged version, or the
    // one being written when the daemon died.
    for (k, a) in acked.iter().enumerate() {
        let got = fs::read(dir.join(format!("k{k}"))).unwrap();
        let n = u64::from_le_bytes(got[..8].try_into().unwrap());
        let last = a.load(Ordering::SeqCst);
        assert!(
            n == last || n == last + KEYS as u64,
            "key {k}: version {n}, last acknowledged {last}"
        );
        assert_eq!(got, value(&noise, n), "key {k}: version {n} is intact");
    }

    // Second half on the restarted daemon.
    let w = churn(&dir, next + KEYS as u64, acked.clone(), noise.clone());
    let (max2, wal2) = watch(&d.data_dir, &w, CHURN / 2);
    w.stop.store(true, Ordering::SeqCst);
    w.handle.join().unwrap();
    let churned = began.elapsed();
    let stats: serde_json::Value = serde_json::from_slice(&d.cli_ok(&["stats", "--json"])).unwrap();
    let store = &stats["store"];
    let (max, max_wal) = (max1.max(max2), wal1.max(wal2));
    eprintln!(
        "churned 1 GiB over {KEYS} keys of {} KiB in {churned:.1?}: data directory at most \
         {} MiB (bound {} MiB); WAL at most {} MiB, {} MiB at the kill; restart after kill -9 \
         took {restart:.2?}; stats: {store}",
        VALUE_LEN >> 10,
        max / MIB,
        BOUND / MIB,
        max_wal / MIB,
        wal_at_kill / MIB,
    );
    assert!(
        max <= BOUND,
        "data directory reached {max} bytes (bound {BOUND})"
    );
    // What a restart replays is bounded by the WAL limit plus the write buffers being
    // filled (one per column family that takes values: 32 MiB for `state`).
    assert!(
        max_wal <= MAX_TOTAL_WAL + 64 * MIB,
        "the WAL reached {max_wal} bytes"
    );
    assert!(store["wal_bytes"].as_u64().unwrap() <= MAX_TOTAL_WAL + 64 * MIB);
    assert!(store["dir_bytes"].as_u64().unwrap() <= BOUND);
    assert!(
        store["last_flush_ns"].as_u64().is_some(),
        "1 GiB flushed something"
    );

    // A clean stop flushes: the next start has (almost) no log to replay.
    d.stop();
    let stats: serde_json::Value = serde_json::from_slice(&d.cli_ok(&["stats", "--json"])).unwrap();
    let wal = stats["store"]["wal_bytes"].as_u64().unwrap();
    assert!(wal < MIB, "WAL after a clean stop: {wal} bytes");
}

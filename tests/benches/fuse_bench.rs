//! FUSE small-file benchmark: our mount vs bindfs over tmpfs vs tmpfs, in one run.
//!
//! On a 2-core machine a FUSE daemon's speed swings with whether the other core is idle, so
//! only ratios measured in the same run mean anything: every workload runs on the three
//! targets interleaved, several rounds, and the table reports medians.
//!
//! Run: `cargo bench -p outlayer-tests --bench fuse_bench` (as root, or with fusermount3;
//! needs bindfs: scripts/setup.sh). `BENCH_FILES` (default 10000) and `BENCH_ROUNDS` (default 5) scale it.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use outlayer_fs::fuse::{FuseAdapter, MountConfig};
use outlayer_fs::statefs::StateFs;
use outlayer_fs::store::Store;

const BIG: usize = 4 << 20;

/// One measured loop: runs `n` operations in a directory, returns ops/s (or MB/s).
type Workload = fn(&Path, usize) -> anyhow::Result<f64>;

struct Target {
    name: &'static str,
    dir: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let n: usize = env_or("BENCH_FILES", 10_000);
    let rounds: usize = env_or("BENCH_ROUNDS", 5);
    let work = tempfile::Builder::new()
        .prefix("outlayer-bench")
        .tempdir()?;
    let shm = tempfile::Builder::new()
        .prefix("outlayer-bench")
        .tempdir_in("/dev/shm")?;
    if !is_tmpfs(shm.path()) {
        anyhow::bail!("/dev/shm is not a tmpfs here");
    }

    // Ours: the same code the daemon runs, mounted in-process, store on the regular disk.
    let ours_mnt = work.path().join("ours");
    fs::create_dir(&ours_mnt)?;
    let store = Arc::new(Store::open(&work.path().join("data"))?);
    let fs = Arc::new(StateFs::new(store, false));
    let session = FuseAdapter::new(fs, false).spawn_mount(&ours_mnt, &MountConfig::default())?;
    wait_mounted(&ours_mnt)?;
    let ours_dir = ours_mnt.join("bench.near");
    fs::create_dir(&ours_dir)?;

    // tmpfs, and bindfs (a C FUSE daemon: the same kernel overhead) over another tmpfs dir.
    let tmpfs_dir = shm.path().join("plain");
    let bind_src = shm.path().join("bind-src");
    let bind_mnt = work.path().join("bindfs");
    for d in [&tmpfs_dir, &bind_src, &bind_mnt] {
        fs::create_dir(d)?;
    }
    let status = Command::new("bindfs")
        .arg(&bind_src)
        .arg(&bind_mnt)
        .status();
    if !status.is_ok_and(|s| s.success()) {
        anyhow::bail!("bindfs failed to mount (scripts/setup.sh installs bindfs)");
    }
    let _unmount_bindfs = Unmount(bind_mnt.clone());
    wait_mounted(&bind_mnt)?;

    let targets = [
        Target {
            name: "outlayerd",
            dir: ours_dir,
        },
        Target {
            name: "bindfs",
            dir: bind_mnt.clone(),
        },
        Target {
            name: "tmpfs",
            dir: tmpfs_dir,
        },
    ];
    let workloads: [(&str, Workload); 6] = [
        ("create+write 1KiB+close", create_write),
        ("stat", stat),
        ("open+read+close", open_read),
        ("unlink", unlink),
        ("seq write 4 MiB (MB/s)", seq_write),
        ("seq read 4 MiB (MB/s)", seq_read),
    ];
    let mut results = vec![vec![Vec::new(); targets.len()]; workloads.len()];
    for round in 0..rounds {
        for (w, (_, run)) in workloads.iter().enumerate() {
            // Rotate the order so no target always runs first (warm caches, idle core).
            for i in 0..targets.len() {
                let t = (i + round) % targets.len();
                results[w][t].push(run(&targets[t].dir, n)?);
            }
        }
        eprintln!("round {}/{rounds} done", round + 1);
    }
    println!("\n{n} files per workload, {rounds} rounds, medians (ops/s unless noted)\n");
    let names: Vec<&str> = targets.iter().map(|t| t.name).collect();
    println!(
        "| workload | {} | ours/bindfs | ours/tmpfs |",
        names.join(" | ")
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (w, (name, _)) in workloads.iter().enumerate() {
        let m: Vec<f64> = results[w].iter_mut().map(|v| median(v)).collect();
        println!(
            "| {name} | {:.0} | {:.0} | {:.0} | {:.2} | {:.3} |",
            m[0],
            m[1],
            m[2],
            m[0] / m[1],
            m[0] / m[2]
        );
    }
    drop(session);
    Ok(())
}

fn create_write(dir: &Path, n: usize) -> anyhow::Result<f64> {
    let data = [0x5Au8; 1024];
    timed(n, || {
        for i in 0..n {
            File::create(dir.join(format!("f{i}")))?.write_all(&data)?;
        }
        Ok(())
    })
}

fn stat(dir: &Path, n: usize) -> anyhow::Result<f64> {
    timed(n, || {
        for i in 0..n {
            anyhow::ensure!(fs::metadata(dir.join(format!("f{i}")))?.len() == 1024);
        }
        Ok(())
    })
}

fn open_read(dir: &Path, n: usize) -> anyhow::Result<f64> {
    let mut buf = [0u8; 2048];
    timed(n, || {
        for i in 0..n {
            let got = File::open(dir.join(format!("f{i}")))?.read(&mut buf)?;
            anyhow::ensure!(got == 1024);
        }
        Ok(())
    })
}

fn unlink(dir: &Path, n: usize) -> anyhow::Result<f64> {
    timed(n, || {
        for i in 0..n {
            fs::remove_file(dir.join(format!("f{i}")))?;
        }
        Ok(())
    })
}

fn seq_write(dir: &Path, _n: usize) -> anyhow::Result<f64> {
    let chunk = vec![0xA5u8; 128 << 10];
    let start = Instant::now();
    let reps = 8;
    for _ in 0..reps {
        let mut f = File::create(dir.join("big"))?;
        for _ in 0..BIG / chunk.len() {
            f.write_all(&chunk)?;
        }
        f.sync_all()?;
    }
    Ok((reps * BIG) as f64 / 1e6 / start.elapsed().as_secs_f64())
}

fn seq_read(dir: &Path, _n: usize) -> anyhow::Result<f64> {
    let mut buf = vec![0u8; 128 << 10];
    let start = Instant::now();
    let reps = 8;
    for _ in 0..reps {
        let mut f = File::open(dir.join("big"))?;
        let mut total = 0;
        loop {
            let got = f.read(&mut buf)?;
            if got == 0 {
                break;
            }
            total += got;
        }
        anyhow::ensure!(total == BIG, "read {total} of {BIG}");
    }
    Ok((reps * BIG) as f64 / 1e6 / start.elapsed().as_secs_f64())
}

fn timed(n: usize, f: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let start = Instant::now();
    f()?;
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn is_tmpfs(p: &Path) -> bool {
    nix::sys::statfs::statfs(p).is_ok_and(|s| s.filesystem_type() == nix::sys::statfs::TMPFS_MAGIC)
}

fn wait_mounted(p: &Path) -> anyhow::Result<()> {
    for _ in 0..200 {
        if outlayer_tests::is_mount_point(p) {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    anyhow::bail!("{} did not get mounted", p.display())
}

struct Unmount(PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = Command::new("fusermount3").arg("-u").arg(&self.0).status();
    }
}

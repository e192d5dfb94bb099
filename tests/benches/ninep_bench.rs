//! 9P small-file benchmark: our server vs diod over tmpfs, with the same client, in one run.
//!
//! Both servers listen on a Unix socket and are driven by `fs::ninep::client`, one request
//! at a time (latency-bound, as a guest kernel's syscalls are). Ours is `serve_unix` in this
//! process over a RocksDB store in a temporary directory on disk; diod (Debian's 9P server)
//! exports a fresh directory on tmpfs (/dev/shm). On a 2-core machine speed swings with
//! whatever else runs, so the targets are interleaved over several rounds and the table
//! reports medians; only the ratio measured in the same run means much.
//!
//! Each operation, in 9P requests:
//! - create: `Twalk` (clone the directory fid), `Tlcreate`, `Twrite` 1 KiB, `Tclunk`;
//! - getattr: `Twalk` to the file, `Tgetattr`, `Tclunk` (a `stat` by path);
//! - read: `Twalk`, `Tlopen`, `Tread`, `Tclunk`;
//! - unlink: `Tunlinkat` (diod lacks it: walk + `Tremove` there, as the Linux client does).
//!
//! Run: `cargo bench -p outlayer-tests --bench ninep_bench` (needs `diod`, which
//! `scripts/setup.sh` installs). `BENCH_FILES` (default 10000) and `BENCH_ROUNDS` (default 5)
//! scale it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use outlayer_fs::account::AccountId;
use outlayer_fs::ninep::client::Client;
use outlayer_fs::ninep::server::{serve_unix, ServerConfig};
use outlayer_fs::ninep::{
    Rmessage, Tattach, Tmessage, Tremove, NOFID, P9_DOTL_CREATE, P9_DOTL_RDONLY, P9_DOTL_WRONLY,
};
use outlayer_fs::statefs::StateFs;
use outlayer_fs::store::Store;

const PHASES: [&str; 4] = [
    "create+write 1 KiB+clunk",
    "getattr",
    "open+read+clunk",
    "unlink",
];
const ACCOUNT: &str = "bench.near";

/// A server to measure: where it listens and what to attach to.
struct Target {
    name: &'static str,
    sock: std::path::PathBuf,
    aname: String,
}

fn main() -> anyhow::Result<()> {
    let n: u32 = env_or("BENCH_FILES", 10_000);
    let rounds: usize = env_or("BENCH_ROUNDS", 5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let work = tempfile::Builder::new()
        .prefix("outlayer-9p-bench")
        .tempdir_in("/var/tmp")?;
    let shm = tempfile::Builder::new()
        .prefix("outlayer-9p-bench")
        .tempdir_in("/dev/shm")?;

    // Ours: the daemon's server code, in-process, store on the regular disk.
    let store = Arc::new(Store::open(&work.path().join("data"))?);
    let mut txn = store.begin(&AccountId::new(ACCOUNT)?)?;
    txn.create_account()?;
    txn.commit()?;
    let fs = Arc::new(StateFs::new(store, false));
    let ours_sock = work.path().join("ours.sock");
    let listener = rt.block_on(async { tokio::net::UnixListener::bind(&ours_sock) })?;
    rt.spawn(serve_unix(fs, listener, ServerConfig::default()));

    // diod over tmpfs.
    let export = shm.path().join("export");
    std::fs::create_dir(&export)?;
    let diod_sock = work.path().join("diod.sock");
    let _diod = Diod::start(&export, &diod_sock)?;

    let targets = [
        Target {
            name: "ours",
            sock: ours_sock,
            aname: ACCOUNT.into(),
        },
        Target {
            name: "diod",
            sock: diod_sock,
            aname: export.to_string_lossy().into_owned(),
        },
    ];
    // results[target][phase] = ops/s of each round.
    let mut results = vec![vec![Vec::new(); PHASES.len()]; targets.len()];
    for round in 0..rounds {
        for (t, target) in targets.iter().enumerate() {
            let rates = rt
                .block_on(run_round(target, n))
                .with_context(|| format!("{} round {round}", target.name))?;
            let line: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
            eprintln!(
                "round {round} {:>4}: {} ops/s",
                target.name,
                line.join(" / ")
            );
            for (p, r) in rates.into_iter().enumerate() {
                results[t][p].push(r);
            }
        }
    }
    println!("\n9P small files, {n} files, {rounds} rounds, medians (ops/s):\n");
    println!("| workload | ours | diod (tmpfs) | ours/diod |");
    println!("|---|---:|---:|---:|");
    for (p, phase) in PHASES.iter().enumerate() {
        let ours = median(&mut results[0][p]);
        let diod = median(&mut results[1][p]);
        println!(
            "| {phase} ×{n} | {ours:.0} | {diod:.0} | {:.2} |",
            ours / diod
        );
    }
    Ok(())
}

/// One round on `target`: the four phases over `n` files, on a fresh connection.
async fn run_round(target: &Target, n: u32) -> anyhow::Result<[f64; 4]> {
    let stream = tokio::net::UnixStream::connect(&target.sock).await?;
    let c = Client::new(stream);
    c.version(1 << 20).await.context("version")?;
    attach(&c, &target.aname).await.context("attach")?;
    let names: Vec<Vec<u8>> = (0..n).map(|i| format!("f{i:06}").into_bytes()).collect();
    let data = vec![0x5a_u8; 1024];
    let mut rates = [0.0; 4];

    let t = Instant::now();
    for name in &names {
        c.walk(0, 1, &[]).await.context("walk (clone)")?;
        c.lcreate(1, name, P9_DOTL_WRONLY | P9_DOTL_CREATE)
            .await
            .context("lcreate")?;
        c.write(1, 0, &data).await.context("write")?;
        c.clunk(1).await.context("clunk")?;
    }
    rates[0] = rate(n, t);

    let t = Instant::now();
    for name in &names {
        c.walk(0, 1, &[name]).await.context("walk")?;
        let a = c.getattr(1).await.context("getattr")?;
        c.clunk(1).await.context("clunk")?;
        if a.size != 1024 {
            bail!("getattr: size {} instead of 1024", a.size);
        }
    }
    rates[1] = rate(n, t);

    let t = Instant::now();
    for name in &names {
        c.walk(0, 1, &[name]).await.context("walk")?;
        c.lopen(1, P9_DOTL_RDONLY).await.context("lopen")?;
        let got = c.read(1, 0, 4096).await.context("read")?;
        c.clunk(1).await.context("clunk")?;
        if got != data {
            bail!("read back {} bytes that differ", got.len());
        }
    }
    rates[2] = rate(n, t);

    // Like the Linux client: `Tunlinkat`, or walk + `Tremove` where the server lacks it
    // (diod 1.0.24 answers EOPNOTSUPP); the mode is settled on the first file, untimed.
    let (first, rest) = names.split_first().ok_or_else(|| anyhow!("no files"))?;
    let by_remove = match c.unlinkat(0, first, 0).await {
        Ok(()) => false,
        Err(e) if e.errno() == Some(libc::EOPNOTSUPP) => {
            remove(&c, first).await?;
            true
        }
        Err(e) => return Err(e).context("unlinkat"),
    };
    let t = Instant::now();
    for name in rest {
        if by_remove {
            remove(&c, name).await?;
        } else {
            c.unlinkat(0, name, 0).await.context("unlinkat")?;
        }
    }
    rates[3] = rate(n - 1, t);
    c.clunk(0).await?;
    Ok(rates)
}

/// Unlinks `name` the 9P2000 way: walk to it, `Tremove` (which also clunks the fid).
async fn remove(c: &Client, name: &[u8]) -> anyhow::Result<()> {
    c.walk(0, 1, &[name]).await.context("walk")?;
    match c.rpc(&Tmessage::Remove(Tremove { fid: 1 })).await {
        Ok(Rmessage::Remove(_)) => Ok(()),
        Ok(other) => Err(anyhow!("remove: unexpected {other:?}")),
        Err(e) => Err(e).context("remove"),
    }
}

/// Attaches fid 0 as the calling user: diod looks the numeric uid up, ours ignores it.
async fn attach(c: &Client, aname: &str) -> anyhow::Result<()> {
    let t = Tattach {
        fid: 0,
        afid: NOFID,
        uname: Vec::new(),
        aname: aname.as_bytes().to_vec(),
        n_uname: nix::unistd::getuid().as_raw(),
    };
    match c.rpc(&Tmessage::Attach(t)).await? {
        Rmessage::Attach(_) => Ok(()),
        other => Err(anyhow!("attach {aname}: unexpected {other:?}")),
    }
}

/// diod serving `export` on `sock`, killed when dropped.
struct Diod(Child);

impl Diod {
    fn start(export: &Path, sock: &Path) -> anyhow::Result<Diod> {
        // -f foreground, -n no authentication, -N no user database, -L log to stderr.
        let child = Command::new("diod")
            .args(["-f", "-n", "-N", "-L", "stderr", "-e"])
            .arg(export)
            .arg("-l")
            .arg(sock)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting diod (scripts/setup.sh installs it)")?;
        let d = Diod(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !sock.exists() {
            if Instant::now() > deadline {
                bail!("diod made no socket at {}", sock.display());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(d)
    }
}

impl Drop for Diod {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rate(n: u32, since: Instant) -> f64 {
    f64::from(n) / since.elapsed().as_secs_f64()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

//! `outlayerd state export|import` and `deploy` of a `view_code` result: NEAR's RPC formats
//! in and out, embedded and through a running daemon (whose file arrives as a passed
//! descriptor), all-or-nothing on bad input, and bounded memory for a million keys.

use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine as _;
use outlayer_tests::{cli, cli_ok, contract_path, outlayerd_bin, TestDaemon};
use sha2::Digest;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A data directory with nothing running on it, or a running daemon's.
enum Target {
    Embedded(tempfile::TempDir),
    Daemon(Box<TestDaemon>),
}

impl Target {
    fn both() -> [Target; 2] {
        let tmp = tempfile::Builder::new()
            .prefix("outlayer-test-")
            .tempdir()
            .expect("tempdir");
        [
            Target::Embedded(tmp),
            Target::Daemon(Box::new(TestDaemon::start())),
        ]
    }

    fn data_dir(&self) -> PathBuf {
        match self {
            Target::Embedded(t) => t.path().join("data"),
            Target::Daemon(d) => d.data_dir.clone(),
        }
    }

    /// A scratch file next to the data directory.
    fn file(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.data_dir().with_file_name(name);
        std::fs::write(&p, content).expect("write scratch file");
        p
    }

    fn cli(&self, args: &[&str]) -> Output {
        cli(&self.data_dir(), args)
    }

    fn ok(&self, args: &[&str]) -> Vec<u8> {
        cli_ok(&self.data_dir(), args)
    }

    fn export(&self, account: &str) -> Vec<u8> {
        self.ok(&["state", "export", account])
    }

    fn what(&self) -> &'static str {
        match self {
            Target::Embedded(_) => "embedded",
            Target::Daemon(_) => "daemon",
        }
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

/// `call ... --view`'s result.
fn view(t: &Target, account: &str, method: &str, args: &str) -> serde_json::Value {
    let out = t.cli(&["call", account, method, args, "--view"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("outcome JSON");
    assert_eq!(v["status"], "success", "{} {method}: {v}", t.what());
    v["result"].clone()
}

fn call(t: &Target, args: &[&str]) {
    let mut full = vec!["call"];
    full.extend_from_slice(args);
    t.ok(&full);
}

fn balance_of(t: &Target, token: &str, who: &str) -> serde_json::Value {
    view(
        t,
        token,
        "ft_balance_of",
        &format!(r#"{{"account_id":"{who}"}}"#),
    )
}

#[test]
fn a_fungible_token_state_answers_the_same_in_another_account() {
    let wasm = contract_path("fungible_token");
    for t in Target::both() {
        t.ok(&["deploy", "ft.near", path(&wasm)]);
        let init = r#"{"owner_id":"ft.near","total_supply":"1000"}"#;
        call(&t, &["ft.near", "new_default_meta", init]);
        let bob = r#"{"account_id":"bob.near"}"#;
        let deposit = "1250000000000000000000";
        call(
            &t,
            &["ft.near", "storage_deposit", bob, "--deposit", deposit],
        );
        let transfer = r#"{"receiver_id":"bob.near","amount":"100"}"#;
        call(&t, &["ft.near", "ft_transfer", transfer, "--deposit", "1"]);

        let exported = t.export("ft.near");
        let doc: serde_json::Value = serde_json::from_slice(&exported).expect("export is JSON");
        let values = doc["values"].as_array().expect("a values array");
        assert!(values.len() >= 3, "STATE, metadata, balances: {doc}");
        let keys: Vec<Vec<u8>> = values
            .iter()
            .map(|e| B64.decode(e["key"].as_str().expect("key")).expect("base64"))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "in key order");
        assert!(keys.contains(&b"STATE".to_vec()));

        // The same code elsewhere is not initialized until the state arrives.
        t.ok(&["deploy", "ft2.near", path(&wasm)]);
        let out = t.cli(&["call", "ft2.near", "ft_total_supply", "{}", "--view"]);
        assert_eq!(out.status.code(), Some(1), "{}: uninitialized", t.what());
        // As the RPC answers it, the JSON-RPC response around the result.
        let rpc = format!(
            r#"{{"jsonrpc":"2.0","result":{{"block_hash":"x","block_height":5,"proof":[],"values":{}}},"id":"dontcare"}}"#,
            doc["values"]
        );
        let file = t.file("ft.rpc.json", rpc.as_bytes());
        let report = t.ok(&["state", "import", "ft2.near", path(&file), "--json"]);
        let report: serde_json::Value = serde_json::from_slice(&report).expect("report");
        assert_eq!(report["added"], values.len(), "{}: {report}", t.what());

        assert_eq!(
            balance_of(&t, "ft2.near", "bob.near"),
            "100",
            "{}",
            t.what()
        );
        assert_eq!(balance_of(&t, "ft2.near", "ft.near"), "900");
        assert_eq!(view(&t, "ft2.near", "ft_total_supply", "{}"), "1000");
        assert_eq!(t.export("ft2.near"), exported, "{}: same state", t.what());

        // JSON lines carry the same state.
        let lines = t.ok(&["state", "export", "ft.near", "--format", "jsonl"]);
        assert_eq!(
            String::from_utf8_lossy(&lines).lines().count(),
            values.len()
        );
        let file = t.file("ft.jsonl", &lines);
        t.ok(&["state", "import", "ft3.near", path(&file)]);
        assert_eq!(t.export("ft3.near"), exported);

        if let Target::Daemon(d) = &t {
            // Imported through the daemon, visible on its mount at once.
            let state = std::fs::read(d.path("ft2.near/STATE")).expect("STATE on the mount");
            let original = std::fs::read(d.path("ft.near/STATE")).expect("STATE");
            assert_eq!(state, original);
        }
    }
}

/// A JSON-lines entry.
fn entry(key: &[u8], value: &[u8]) -> String {
    format!(
        r#"{{"key":"{}","value":"{}"}}"#,
        B64.encode(key),
        B64.encode(value)
    )
}

#[test]
fn malformed_files_are_refused_naming_the_entry_and_nothing_is_written() {
    let good = entry(b"new", b"1");
    let long_key = entry(&[b'k'; 2049], b"v");
    let big_value = entry(b"big", &vec![7; (4 << 20) + 1]);
    let valid = format!(
        r#"{{"values":[{good},{},{}]}}"#,
        entry(b"a", b"2"),
        entry(b"b", b"3")
    );
    let cases = [
        (
            format!(r#"{{"values":[{good},{{"key":"no*base64","value":"AA=="}}]}}"#),
            "values[1]: the key is not base64",
        ),
        (
            format!("{good}\n{}\n{long_key}\n", entry(b"x", b"y")),
            "line 3: the key is 2049 bytes, over NEAR's 2048-byte limit",
        ),
        (
            format!(r#"{{"values":[{big_value}]}}"#),
            "values[0]: the value is 4194305 bytes, over NEAR's 4194304-byte limit",
        ),
        (
            valid[..valid.len() - 10].to_string(),
            "not a view_state result at values[2]: EOF while parsing",
        ),
        (
            format!("{good}\n{}\n\n{}\n", entry(b"dup", b"1"), entry(b"dup", b"2")),
            "line 4: key \"dup\" is already at line 2",
        ),
        (
            r#"{"jsonrpc":"2.0","error":{"name":"HANDLER_ERROR","cause":{"info":{},"name":"UNKNOWN_ACCOUNT"},"code":-32000,"message":"Server error","data":"account nope.near does not exist while viewing"},"id":"dontcare"}"#.to_string(),
            "the RPC answered an error: UNKNOWN_ACCOUNT: account nope.near does not exist while viewing",
        ),
    ];
    for t in Target::both() {
        t.ok(&["state", "put", "keep.near", "keep", "0"]);
        let before = t.export("keep.near");
        for (i, (content, want)) in cases.iter().enumerate() {
            let file = t.file(&format!("bad{i}.json"), content.as_bytes());
            for (account, flags) in [("keep.near", &[][..]), ("fresh.near", &["--replace"][..])] {
                let mut args = vec!["state", "import", account, path(&file)];
                args.extend_from_slice(flags);
                let out = t.cli(&args);
                let err = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(2), "{} case {i}: {err}", t.what());
                let line = format!("outlayerd: {}: {want}", file.display());
                assert!(
                    err.starts_with(&line),
                    "{} case {i}:\n{err}\nwant {line}",
                    t.what()
                );
                assert_eq!(err.lines().count(), 1, "one line: {err}");
            }
            assert_eq!(t.export("keep.near"), before, "case {i} wrote nothing");
            let out = t.cli(&["state", "ls", "fresh.near"]);
            assert_eq!(out.status.code(), Some(1), "case {i} created no account");
        }
        // Neither a missing file nor a non-JSON one gets anywhere.
        let out = t.cli(&["state", "import", "keep.near", "/nonexistent/state.json"]);
        assert_eq!(out.status.code(), Some(2));
        let file = t.file("text.json", b"hello");
        let out = t.cli(&["state", "import", "keep.near", path(&file)]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert_eq!(t.export("keep.near"), before);
    }
}

#[test]
fn binary_keys_and_limit_sized_entries_round_trip() {
    let mut keys: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    keys.extend([
        Vec::new(),
        b"a/b".to_vec(),
        b"%2F".to_vec(),
        b"..".to_vec(),
        vec![0xff; 2048],
        "ключ".as_bytes().to_vec(),
    ]);
    let value_of = |i: usize| -> Vec<u8> {
        match i {
            0 => (0..4 << 20).map(|j: u32| (j % 251) as u8).collect(),
            1 => Vec::new(),
            _ => (i as u32).to_le_bytes().repeat(i % 7 + 1),
        }
    };
    let lines: String = keys
        .iter()
        .enumerate()
        .map(|(i, k)| entry(k, &value_of(i)) + "\n")
        .collect();
    for t in Target::both() {
        let file = t.file("binary.jsonl", lines.as_bytes());
        t.ok(&["state", "import", "bin.near", path(&file)]);
        let exported = t.export("bin.near");
        let doc: serde_json::Value = serde_json::from_slice(&exported).expect("JSON");
        let got: Vec<(Vec<u8>, Vec<u8>)> = doc["values"]
            .as_array()
            .expect("values")
            .iter()
            .map(|e| {
                let d = |f: &str| B64.decode(e[f].as_str().expect("text")).expect("base64");
                (d("key"), d("value"))
            })
            .collect();
        let mut want: Vec<_> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), value_of(i)))
            .collect();
        want.sort();
        assert!(
            got == want,
            "{}: every key and value, in key order",
            t.what()
        );

        let file = t.file("binary.json", &exported);
        t.ok(&["state", "import", "bin2.near", path(&file)]);
        assert_eq!(t.export("bin2.near"), exported, "{}", t.what());
        let got = t.ok(&[
            "state",
            "get",
            "bin2.near",
            "--key-hex",
            "ff",
            "--format",
            "hex",
        ]);
        assert_eq!(
            String::from_utf8_lossy(&got).trim(),
            hex::encode(value_of(255))
        );
    }
}

fn import_json(t: &Target, args: &[&str]) -> serde_json::Value {
    let mut full = vec!["state", "import"];
    full.extend_from_slice(args);
    full.push("--json");
    serde_json::from_slice(&t.ok(&full)).expect("report JSON")
}

#[test]
fn replace_drops_other_keys_and_dry_run_writes_nothing() {
    for t in Target::both() {
        for (k, v) in [("a", "1"), ("b", "2"), ("c", "3")] {
            t.ok(&["state", "put", "r.near", k, v]);
        }
        let before = t.export("r.near");
        let lines = [entry(b"a", b"1"), entry(b"b", b"two"), entry(b"d", b"4")].join("\n");
        let file = t.file("r.jsonl", lines.as_bytes());
        let f = path(&file);
        let counts = |added, changed, unchanged, removed, dry_run| {
            serde_json::json!({"added": added, "changed": changed, "unchanged": unchanged,
                "removed": removed, "dry_run": dry_run})
        };

        let r = import_json(&t, &["r.near", f, "--replace", "--dry-run"]);
        assert_eq!(r, counts(1, 1, 1, 1, true), "{}", t.what());
        let r = import_json(&t, &["r.near", f, "--dry-run"]);
        assert_eq!(r, counts(1, 1, 1, 0, true));
        assert_eq!(
            t.export("r.near"),
            before,
            "{}: dry runs write nothing",
            t.what()
        );
        let out = t.cli(&["state", "import", "r.near", f, "--dry-run"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("nothing written: 1 to add, 1 to change, 1 unchanged, 0 to remove"),
            "{err}"
        );

        let r = import_json(&t, &["r.near", f]);
        assert_eq!(r, counts(1, 1, 1, 0, false));
        let names = |t: &Target| String::from_utf8(t.ok(&["state", "ls", "r.near"])).expect("utf8");
        assert_eq!(
            names(&t),
            "a\nb\nc\nd\n",
            "{}: c stays without --replace",
            t.what()
        );
        let r = import_json(&t, &["r.near", f, "--replace"]);
        assert_eq!(r, counts(0, 0, 3, 1, false));
        assert_eq!(names(&t), "a\nb\nd\n");
        assert_eq!(t.ok(&["state", "get", "r.near", "b"]), b"two");

        // An empty state with --replace empties the account but keeps it.
        let empty = t.file("empty.json", br#"{"values":[]}"#);
        let r = import_json(&t, &["r.near", path(&empty), "--replace"]);
        assert_eq!(r, counts(0, 0, 0, 3, false));
        assert_eq!(t.export("r.near"), b"{\"values\":[]}\n");
    }
}

#[test]
fn deploy_takes_a_view_code_result_and_checks_its_hash() {
    let code = std::fs::read(contract_path("counter")).expect("counter.wasm");
    let hash = bs58::encode(sha2::Sha256::digest(&code)).into_string();
    let result = format!(
        r#"{{"block_hash":"x","block_height":9,"code_base64":"{}","hash":"{hash}"}}"#,
        B64.encode(&code)
    );
    let rpc = format!(r#"{{"jsonrpc":"2.0","result":{result},"id":"dontcare"}}"#);
    for t in Target::both() {
        let file = t.file("code.json", rpc.as_bytes());
        t.ok(&["deploy", "c.near", path(&file)]);
        call(&t, &["c.near", "increment"]);
        assert_eq!(view(&t, "c.near", "get_count", "{}"), 1, "{}", t.what());

        let wrong = result.replace(&hash, "GKot5hBsd81kMupNCXHaqbhv3huEbxAFMLnpcX2hniwn");
        let file = t.file("wrong.json", wrong.as_bytes());
        let out = t.cli(&["deploy", "w.near", path(&file)]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("the code's sha256 is {hash}, not the hash GKot5")),
            "{err}"
        );
        let error = r#"{"jsonrpc":"2.0","error":{"cause":{"name":"NO_CONTRACT_CODE"},"data":"no code"},"id":1}"#;
        let file = t.file("error.json", error.as_bytes());
        let out = t.cli(&["deploy", "w.near", path(&file)]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("the RPC answered an error: NO_CONTRACT_CODE: no code"),
            "{err}"
        );
        let out = t.cli(&["state", "ls", "w.near"]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "no account made by a refused deploy"
        );
    }
}

/// True when two files hold the same bytes (compared a block at a time: see
/// [`peak_rss_kib`] for why this process stays small).
fn same_content(a: &Path, b: &Path) -> bool {
    use std::io::Read;
    let open = |p: &Path| std::io::BufReader::new(std::fs::File::open(p).expect("open"));
    let (mut a, mut b) = (open(a), open(b));
    let (mut x, mut y) = (vec![0; 1 << 16], vec![0; 1 << 16]);
    loop {
        let n = a.read(&mut x).expect("read");
        if n == 0 {
            return b.read(&mut y).expect("read") == 0;
        }
        if b.read_exact(&mut y[..n]).is_err() || x[..n] != y[..n] {
            return false;
        }
    }
}

/// Runs `outlayerd ARGS` with stdout to `stdout`; its peak resident set in KiB.
///
/// `ru_maxrss` of the reaped child. It can only overstate the child's own peak: Linux
/// counts the memory the child had before `exec`, which (spawned with `CLONE_VM`) is this
/// test process's resident set, so the test keeps that small (no big file read whole).
fn peak_rss_kib(data_dir: &Path, args: &[&str], stdout: std::fs::File) -> u64 {
    // Reaped by wait4 below, which std's `wait` cannot replace: it drops the rusage.
    #[allow(clippy::zombie_processes)]
    let child = std::process::Command::new(outlayerd_bin())
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("OUTLAYER_DATA_DIR")
        .stdin(std::process::Stdio::null())
        .stdout(stdout)
        .spawn()
        .expect("spawn outlayerd");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value, and wait4 writes only into the two
    // locals; the child is ours and reaped exactly once, here.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "outlayerd {args:?} failed: {status:#x}"
    );
    usage.ru_maxrss as u64
}

/// A million keys go in and come out. Export streams: its peak stays far below the size
/// of its own output (what collecting the entries would take). Import streams the file
/// into one transaction: its peak is what that transaction holds (one RocksDB batch, so
/// it grows with the state), far below the document tree plus the transaction that
/// reading the file whole would take. Measured for these ~110-byte entries: import ~790
/// MB, export ~30 MB; parsing the 105 MB view_state document into a serde_json::Value
/// alone peaks at ~940 MB.
#[test]
fn a_million_keys_export_and_import_in_bounded_memory() {
    const KEYS: usize = 1_000_000;
    let tmp = tempfile::Builder::new()
        .prefix("outlayer-test-")
        .tempdir()
        .expect("tempdir");
    let data = tmp.path().join("data");
    let input = tmp.path().join("in.jsonl");
    {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(std::fs::File::create(&input).expect("create"));
        for i in 0..KEYS {
            let key = format!("key{i:07}");
            let value = format!("value-{i}-").repeat(4);
            writeln!(w, "{}", entry(key.as_bytes(), value.as_bytes())).expect("write");
        }
        w.flush().expect("flush");
    }
    let input_len = std::fs::metadata(&input).expect("input").len();
    let sink = || std::fs::File::create("/dev/null").expect("/dev/null");

    let import = peak_rss_kib(
        &data,
        &["state", "import", "big.near", path(&input)],
        sink(),
    );
    let out = tmp.path().join("out.jsonl");
    let file = std::fs::File::create(&out).expect("create");
    let export = peak_rss_kib(
        &data,
        &["state", "export", "big.near", "--format", "jsonl"],
        file,
    );
    // Generated in key order, so the export gives back the very file.
    assert!(
        same_content(&out, &input),
        "the export is the imported file"
    );
    std::fs::remove_file(&out).expect("rm");
    let export_rpc = peak_rss_kib(&data, &["state", "export", "big.near"], sink());
    eprintln!(
        "{KEYS} keys, {} MiB of JSON lines: peak RSS import {} MiB, export {} MiB (jsonl), \
         {} MiB (rpc)",
        input_len >> 20,
        import >> 10,
        export >> 10,
        export_rpc >> 10
    );
    for (what, kib) in [("jsonl", export), ("rpc", export_rpc)] {
        assert!(
            kib < 64 << 10 && kib << 10 < input_len / 2,
            "export ({what}) peaked at {kib} KiB for a {input_len}-byte output"
        );
    }
    assert!(
        import < 1 << 20,
        "import peaked at {import} KiB for a {input_len}-byte file"
    );
}

//! The web console end to end: the real daemon with a FUSE mount and `--http`, refusals
//! checked over a plain socket (a browser cannot send a foreign `Host`), and every screen
//! driven in Debian's Chromium by `tests/web/console.cjs` (playwright-core), which saves a
//! screenshot of each screen under `<target>/web-console/` (`OUTLAYER_UPDATE_SCREENSHOTS=1`
//! also copies them to `docs/screenshots/` for the README).

#![allow(clippy::unwrap_used, missing_docs)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use outlayer_tests::{contract_path, outlayerd_bin, require_tool, TestDaemon};

/// A daemon with the console on a free loopback port, and the URL it printed.
fn console() -> (TestDaemon, String) {
    let d = TestDaemon::start_with(&["--http", "127.0.0.1:0"]);
    let began = Instant::now();
    loop {
        let log = d.log();
        if let Some(url) = log
            .lines()
            .find_map(|l| l.strip_prefix("outlayerd: web console at "))
        {
            return (d, url.trim().to_string());
        }
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "no console URL: {log}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `host:port` and the token of a console URL.
fn split_url(url: &str) -> (String, String) {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (addr, query) = rest.split_once("/?token=").expect("a token in the URL");
    (addr.to_string(), query.to_string())
}

/// One HTTP/1.1 exchange over a plain socket: status, headers (lower-case) and body.
fn http(addr: &str, head: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let req = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header");
    let headers = String::from_utf8_lossy(&out[..split]).to_lowercase();
    let status = headers[9..12].parse().expect("a status");
    (status, headers, out[split + 4..].to_vec())
}

fn error_kind(body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)));
    v["error"]["kind"].as_str().unwrap_or_default().to_string()
}

#[test]
fn refusals_errors_and_one_context_with_the_control_socket() {
    let (d, url) = console();
    let (addr, token) = split_url(&url);
    let host = format!("Host: {addr}");
    let auth = format!("{host}\r\nX-Outlayer-Token: {token}");

    // No token: 401 on the page and the API, with the security headers.
    let (status, headers, body) =
        http(&addr, &format!("GET /api/accounts HTTP/1.1\r\n{host}"), b"");
    assert_eq!((status, error_kind(&body).as_str()), (401, "unauthorized"));
    assert!(
        headers.contains("content-security-policy: default-src 'self'"),
        "{headers}"
    );
    assert!(headers.contains("frame-ancestors 'none'"));
    assert!(headers.contains("x-content-type-options: nosniff"));
    assert!(headers.contains("referrer-policy: no-referrer"));
    assert_eq!(
        http(&addr, &format!("GET / HTTP/1.1\r\n{host}"), b"").0,
        401
    );
    // The token, but a DNS-rebound name: 403.
    let rebound = format!(
        "GET /api/accounts HTTP/1.1\r\nHost: evil.example:{}\r\nX-Outlayer-Token: {token}",
        addr.rsplit(':').next().unwrap_or("")
    );
    let (status, _, body) = http(&addr, &rebound, b"");
    assert_eq!((status, error_kind(&body).as_str()), (403, "forbidden"));
    // A cross-site POST carries the cookie at most, never the header: refused, nothing made.
    let port = addr.rsplit(':').next().unwrap_or("");
    let csrf = format!(
        "POST /api/accounts HTTP/1.1\r\n{host}\r\nOrigin: http://evil.example\r\n\
         Cookie: outlayer_token_{port}={token}\r\nContent-Type: text/plain"
    );
    let (status, _, body) = http(&addr, &csrf, br#"{"account":"evil.near"}"#);
    assert_eq!((status, error_kind(&body).as_str()), (403, "forbidden"));
    let (_, _, list) = http(&addr, &format!("GET /api/accounts HTTP/1.1\r\n{auth}"), b"");
    assert!(!String::from_utf8_lossy(&list).contains("evil.near"));

    // Errors carry a status and a kind.
    let get = |path: &str| http(&addr, &format!("GET {path} HTTP/1.1\r\n{auth}"), b"");
    let (status, _, body) = get("/api/accounts/nobody.near/keys");
    assert_eq!((status, error_kind(&body).as_str()), (404, "not_found"));
    let (status, _, body) = get("/api/accounts/Bad%20Id/keys/x");
    assert_eq!((status, error_kind(&body).as_str()), (400, "invalid_input"));
    let put = format!("PUT /api/accounts/a.near/keys/%25zz HTTP/1.1\r\n{auth}");
    let (status, _, body) = http(&addr, &put, b"v");
    assert_eq!(
        (status, error_kind(&body).as_str()),
        (400, "invalid_input"),
        "a name that does not decode"
    );
    let call = format!("POST /api/accounts/c.near/call HTTP/1.1\r\n{auth}");
    let (status, _, body) = http(&addr, &call, b"{not json");
    assert_eq!((status, error_kind(&body).as_str()), (400, "bad_request"));
    let (status, _, body) = http(
        &addr,
        &format!("POST /api/accounts/c.near/deploy HTTP/1.1\r\n{auth}"),
        b"not wasm",
    );
    assert_eq!((status, error_kind(&body).as_str()), (400, "invalid_input"));

    // Deploy and call over HTTP; the control socket's `stats` counts the call: one context.
    let code = std::fs::read(contract_path("counter")).expect("counter.wasm");
    let (status, _, body) = http(
        &addr,
        &format!("POST /api/accounts/c.near/deploy HTTP/1.1\r\n{auth}"),
        &code,
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let (status, _, body) = http(&addr, &call, br#"{"method":"increment","mode":"linux"}"#);
    let outcome: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, outcome["result"].as_u64(), outcome["mode"].as_str()),
        (200, Some(1), Some("linux")),
        "{outcome}"
    );
    let stats: serde_json::Value = serde_json::from_slice(&d.cli_ok(&["stats", "--json"])).unwrap();
    assert_eq!(
        stats["execution"]["calls"]["linux"]["succeeded"], 1,
        "{stats}"
    );
    // What HTTP wrote is the file on the mount.
    let state = std::fs::read(d.path("c.near/STATE")).expect("STATE on the mount");
    assert_eq!(state, 1u64.to_le_bytes());

    // Beyond loopback only when asked.
    let mnt = tempfile::tempdir().unwrap();
    let remote = d.cli(&[
        "mount".as_ref(),
        mnt.path().as_os_str(),
        "--http".as_ref(),
        "0.0.0.0:0".as_ref(),
    ]);
    assert_eq!(remote.status.code(), Some(2), "{remote:?}");
    assert!(String::from_utf8_lossy(&remote.stderr).contains("--http-allow-remote"));
}

/// Where playwright-core lives: installed from `tests/web/package-lock.json` into a cache
/// outside the clone, again only when the lock file changed.
fn playwright() -> PathBuf {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let cache = std::env::var_os("OUTLAYER_NPM_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").expect("$HOME");
            PathBuf::from(home).join(".cache/outlayer-npm")
        })
        .join("web-console");
    std::fs::create_dir_all(&cache).unwrap();
    let lock = std::fs::read(web.join("package-lock.json")).unwrap();
    let installed = std::fs::read(cache.join("package-lock.json")).ok();
    let module = cache.join("node_modules/playwright-core/package.json");
    if installed.as_deref() != Some(lock.as_slice()) || !module.is_file() {
        for f in ["package.json", "package-lock.json"] {
            std::fs::copy(web.join(f), cache.join(f)).unwrap();
        }
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&cache)
            .output()
            .expect("running npm");
        assert!(
            out.status.success(),
            "npm ci failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    cache
}

#[test]
fn the_console_in_chromium() {
    for tool in ["chromium", "node", "npm"] {
        require_tool(tool);
    }
    let modules = playwright();
    let (d, url) = console();
    // <target>/debug/outlayerd → <target>/web-console
    let shots = outlayerd_bin()
        .parent()
        .and_then(Path::parent)
        .expect("a target directory")
        .join("web-console");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/console.cjs");
    let out = Command::new("node")
        .arg(&script)
        .env("CONSOLE_URL", &url)
        .env("MOUNT", &d.mnt)
        .env("OUTLAYERD", outlayerd_bin())
        .env("DATA_DIR", &d.data_dir)
        .env("COUNTER_WASM", contract_path("counter"))
        .env("SHOTS", &shots)
        .env("PLAYWRIGHT", &modules)
        .output()
        .expect("running node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the browser test failed (screenshots in {}):\n{stdout}\n{}\ndaemon log:\n{}",
        shots.display(),
        String::from_utf8_lossy(&out.stderr),
        d.log()
    );
    eprint!("{stdout}");
    for screen in [
        "state",
        "call",
        "compare",
        "stats",
        "state-phone",
        "stats-phone",
    ] {
        let png = shots.join(format!("{screen}.png"));
        let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
        assert!(bytes.starts_with(b"\x89PNG"), "{} is no PNG", png.display());
    }
    if std::env::var_os("OUTLAYER_UPDATE_SCREENSHOTS").is_some() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
        std::fs::create_dir_all(&docs).unwrap();
        for entry in std::fs::read_dir(&shots).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n != "failure.png") {
                std::fs::copy(&path, docs.join(path.file_name().unwrap())).unwrap();
            }
        }
    }
}

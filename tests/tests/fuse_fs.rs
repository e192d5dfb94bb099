//! The filesystem through `std::fs` against a real `outlayerd mount`: every point of the
//! files view (issue 2, item 4), one daemon per test.

#![allow(clippy::unwrap_used, missing_docs)]

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, MetadataExt, PermissionsExt};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use libc::{
    EEXIST, EFBIG, EINVAL, EISDIR, ENAMETOOLONG, ENOENT, ENOTDIR, ENOTEMPTY, EPERM, EROFS, EXDEV,
};
use outlayer_tests::{assert_errno, control_get, list, state_ls, TestDaemon};

const MAX: usize = 4 << 20;

fn acct(d: &TestDaemon, name: &str) -> std::path::PathBuf {
    let p = d.path(name);
    fs::create_dir(&p).unwrap();
    p
}

/// The stored value, read through the control socket without forking (see `control_get`).
fn get(d: &TestDaemon, account: &str, key: &str) -> Option<Vec<u8>> {
    control_get(&d.data_dir, account, key.as_bytes())
}

#[test]
fn root_lists_accounts_and_mkdir_rmdir_accounts() {
    let d = TestDaemon::start();
    assert_eq!(list(&d.mnt), Vec::<String>::new());
    acct(&d, "alice.near");
    acct(&d, "bob.testnet");
    d.cli_ok(&["state", "put", "carol.near", "k", "v"]);
    assert_eq!(
        list(&d.mnt),
        vec!["alice.near", "bob.testnet", "carol.near"]
    );
    let m = fs::metadata(d.path("alice.near")).unwrap();
    assert!(m.is_dir());
    assert_eq!(m.mode() & 0o7777, 0o755);
    // Invalid account ids.
    for bad in [
        "UPPER.near",
        "a",
        "bad..dots",
        "-x.near",
        "under_score_.near",
    ] {
        assert_errno(fs::create_dir(d.path(bad)), EINVAL);
    }
    // Already there.
    assert_errno(fs::create_dir(d.path("alice.near")), EEXIST);
    // Files cannot live at the root.
    assert!(File::create(d.path("file-at-root")).is_err());
    // rmdir: non-empty refused, empty removed.
    assert_errno(fs::remove_dir(d.path("carol.near")), ENOTEMPTY);
    fs::remove_dir(d.path("alice.near")).unwrap();
    assert_eq!(list(&d.mnt), vec!["bob.testnet", "carol.near"]);
    assert_errno(fs::metadata(d.path("alice.near")), ENOENT);
    assert_errno(fs::remove_dir(d.path("nobody.near")), ENOENT);
    // Lookup of an invalid account id is ENOENT, not EINVAL.
    assert_errno(fs::metadata(d.path("NOPE")), ENOENT);
}

#[test]
fn keys_list_and_read_write() {
    let d = TestDaemon::start();
    let a = acct(&d, "app.near");
    fs::write(a.join("count"), b"5").unwrap();
    fs::write(a.join("STATE"), b"{}").unwrap();
    d.cli_ok(&["state", "put", "app.near", "zeta", "z"]);
    assert_eq!(list(&a), vec!["STATE", "count", "zeta"]);
    assert_eq!(fs::read(a.join("count")).unwrap(), b"5");
    assert_eq!(fs::read(a.join("zeta")).unwrap(), b"z");
    assert_eq!(get(&d, "app.near", "STATE").unwrap(), b"{}");
    assert_eq!(
        state_ls(&d.data_dir, "app.near"),
        vec!["STATE", "count", "zeta"]
    );
    fs::remove_file(a.join("zeta")).unwrap();
    assert_errno(fs::read(a.join("zeta")), ENOENT);
    assert_eq!(get(&d, "app.near", "zeta"), None);
    assert_errno(fs::remove_file(a.join("zeta")), ENOENT);
}

#[test]
fn nested_directories() {
    let d = TestDaemon::start();
    let a = acct(&d, "dirs.near");
    fs::create_dir_all(a.join("x/y/z")).unwrap();
    fs::write(a.join("x/y/z/f"), b"deep").unwrap();
    fs::write(a.join("x/top"), b"top").unwrap();
    assert_eq!(get(&d, "dirs.near", "x/y/z/f").unwrap(), b"deep");
    assert_eq!(list(&a), vec!["x"]);
    assert_eq!(list(&a.join("x")), vec!["top", "y"]);
    assert!(fs::metadata(a.join("x/y")).unwrap().is_dir());
    assert_eq!(fs::metadata(a.join("x/y")).unwrap().mode() & 0o7777, 0o755);
    // mkdir -p over what exists is fine; EEXIST for a plain mkdir, and when a file has the name.
    fs::create_dir_all(a.join("x/y")).unwrap();
    assert_errno(fs::create_dir(a.join("x/y")), EEXIST);
    assert_errno(fs::create_dir(a.join("x/top")), EEXIST);
    assert_errno(fs::create_dir_all(a.join("x/top/sub")), ENOTDIR);
    // Files and directories confused.
    assert_errno(fs::read(a.join("x")), EISDIR);
    assert_errno(fs::remove_file(a.join("x")), EISDIR);
    assert_errno(fs::remove_dir(a.join("x/top")), ENOTDIR);
    assert_errno(fs::read(a.join("x/top/inside")), ENOTDIR);
    assert_errno(File::create(a.join("x/top/inside")), ENOTDIR);
    assert_errno(fs::read_dir(a.join("x/top")), ENOTDIR);
    // rmdir of a non-empty directory (keys below, or directories below).
    assert_errno(fs::remove_dir(a.join("x/y/z")), ENOTEMPTY);
    assert_errno(fs::remove_dir(a.join("x/y")), ENOTEMPTY);
    fs::create_dir(a.join("empty")).unwrap();
    fs::remove_dir(a.join("empty")).unwrap();
    assert_errno(fs::metadata(a.join("empty")), ENOENT);
    // Directories are not state: no key for them.
    assert_eq!(
        state_ls(&d.data_dir, "dirs.near"),
        vec!["x%2Ftop", "x%2Fy%2Fz%2Ff"]
    );
    // mkdir in a missing parent.
    assert_errno(fs::create_dir(a.join("nope/sub")), ENOENT);
    // Renaming a directory moves every key below it, in one commit.
    fs::rename(a.join("x/y"), a.join("moved")).unwrap();
    assert_eq!(fs::read(a.join("moved/z/f")).unwrap(), b"deep");
    assert_errno(fs::metadata(a.join("x/y")), ENOENT);
    assert_eq!(
        state_ls(&d.data_dir, "dirs.near"),
        vec!["moved%2Fz%2Ff", "x%2Ftop"]
    );
    // Into itself: refused.
    assert_errno(fs::rename(a.join("moved"), a.join("moved/z/inner")), EINVAL);
    // Onto a non-empty directory: refused; onto an empty one: replaces it.
    fs::create_dir(a.join("target")).unwrap();
    fs::rename(a.join("moved"), a.join("target")).unwrap();
    assert_eq!(fs::read(a.join("target/z/f")).unwrap(), b"deep");
    fs::create_dir(a.join("other")).unwrap();
    fs::write(a.join("other/k"), b"1").unwrap();
    assert_errno(fs::rename(a.join("x"), a.join("other")), ENOTEMPTY);
    // Directory over a file / file over a directory.
    assert_errno(fs::rename(a.join("x"), a.join("other/k")), ENOTDIR);
    assert_errno(fs::rename(a.join("other/k"), a.join("x")), EISDIR);
    // The whole tree after stopping: the embedded CLI sees the same keys.
    d.stop_and_check(|data| {
        assert_eq!(
            state_ls(data, "dirs.near"),
            vec!["other%2Fk", "target%2Fz%2Ff", "x%2Ftop"]
        );
    });
}

trait StopCheck {
    fn stop_and_check(self, f: impl FnOnce(&std::path::Path));
}

impl StopCheck for TestDaemon {
    fn stop_and_check(mut self, f: impl FnOnce(&std::path::Path)) {
        self.stop();
        f(&self.data_dir);
    }
}

#[test]
fn slash_keys_show_by_existing_directories() {
    let d = TestDaemon::start();
    d.cli_ok(&["state", "put", "s.near", "a/b/c", "v"]);
    let a = d.path("s.near");
    assert_eq!(list(&a), vec!["a%2Fb%2Fc"]);
    assert_eq!(fs::read(a.join("a%2Fb%2Fc")).unwrap(), b"v");
    fs::create_dir(a.join("a")).unwrap();
    assert_eq!(list(&a), vec!["a"]);
    assert_eq!(list(&a.join("a")), vec!["b%2Fc"]);
    assert_errno(fs::metadata(a.join("a%2Fb%2Fc")), ENOENT);
    assert_eq!(fs::read(a.join("a/b%2Fc")).unwrap(), b"v");
    fs::create_dir(a.join("a/b")).unwrap();
    assert_eq!(list(&a.join("a")), vec!["b"]);
    assert_eq!(list(&a.join("a/b")), vec!["c"]);
    assert_eq!(fs::read(a.join("a/b/c")).unwrap(), b"v");
    assert_errno(fs::metadata(a.join("a/b%2Fc")), ENOENT);
    // Creating `x%2Fy` where `x` is no directory makes the key `x/y`.
    fs::write(a.join("x%2Fy"), b"xy").unwrap();
    assert_eq!(get(&d, "s.near", "x/y").unwrap(), b"xy");
    // ... but a `%2F` an existing directory would split is not canonical there.
    assert_errno(File::create(a.join("a%2Fnew")), EINVAL);
    // The key stays the key whatever the display: still one key, value unchanged.
    assert_eq!(get(&d, "s.near", "a/b/c").unwrap(), b"v");
}

#[test]
fn read_and_write_at_offsets() {
    let d = TestDaemon::start();
    let a = acct(&d, "io.near");
    let p = a.join("f");
    fs::write(&p, b"0123456789").unwrap();
    let f = File::open(&p).unwrap();
    let mut buf = [0u8; 4];
    assert_eq!(f.read_at(&mut buf, 3).unwrap(), 4);
    assert_eq!(&buf, b"3456");
    assert_eq!(f.read_at(&mut buf, 8).unwrap(), 2);
    assert_eq!(f.read_at(&mut buf, 100).unwrap(), 0);
    drop(f);
    // Write in the middle and past the end: the hole reads as zeros.
    let f = OpenOptions::new().write(true).open(&p).unwrap();
    f.write_at(b"AB", 2).unwrap();
    f.write_at(b"Z", 20).unwrap();
    drop(f);
    let v = fs::read(&p).unwrap();
    let mut want = b"01AB456789".to_vec();
    want.resize(20, 0);
    want.push(b'Z');
    assert_eq!(v, want);
    assert_eq!(fs::metadata(&p).unwrap().len(), 21);
    assert_eq!(get(&d, "io.near", "f").unwrap(), want);
    // A large value, in chunks.
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    fs::write(a.join("big"), &big).unwrap();
    assert_eq!(fs::read(a.join("big")).unwrap(), big);
    let mut f = File::open(a.join("big")).unwrap();
    f.seek(SeekFrom::Start(2_999_990)).unwrap();
    let mut tail = Vec::new();
    f.read_to_end(&mut tail).unwrap();
    assert_eq!(tail, &big[2_999_990..]);
}

#[test]
fn open_flags_trunc_append_excl() {
    let d = TestDaemon::start();
    let a = acct(&d, "flags.near");
    let p = a.join("f");
    fs::write(&p, b"hello world").unwrap();
    // O_TRUNC.
    let mut f = OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&p)
        .unwrap();
    f.write_all(b"hi").unwrap();
    drop(f);
    assert_eq!(fs::read(&p).unwrap(), b"hi");
    // O_TRUNC with nothing written empties the value.
    drop(
        OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&p)
            .unwrap(),
    );
    assert_eq!(get(&d, "flags.near", "f").unwrap(), b"");
    // O_APPEND: every write lands at the end, whatever the offset.
    fs::write(&p, b"ab").unwrap();
    let mut f = OpenOptions::new().append(true).open(&p).unwrap();
    f.write_all(b"cd").unwrap();
    f.seek(SeekFrom::Start(0)).unwrap();
    f.write_all(b"ef").unwrap();
    drop(f);
    assert_eq!(fs::read(&p).unwrap(), b"abcdef");
    // O_CREAT|O_EXCL.
    assert_errno(
        OpenOptions::new().write(true).create_new(true).open(&p),
        EEXIST,
    );
    assert_eq!(fs::read(&p).unwrap(), b"abcdef");
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(a.join("new"))
        .unwrap();
    f.write_all(b"n").unwrap();
    drop(f);
    assert_eq!(fs::read(a.join("new")).unwrap(), b"n");
    // O_CREAT without O_EXCL on an existing file opens it.
    let f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&p)
        .unwrap();
    drop(f);
    assert_eq!(fs::read(&p).unwrap(), b"abcdef");
    // Read-only handle refuses writes.
    let mut f = File::open(&p).unwrap();
    assert!(f.write_all(b"x").is_err());
    drop(f);
    assert_eq!(fs::read(&p).unwrap(), b"abcdef");
    // Opening a missing file without O_CREAT.
    assert_errno(File::open(a.join("missing")), ENOENT);
}

#[test]
fn truncate_and_efbig() {
    let d = TestDaemon::start();
    let a = acct(&d, "trunc.near");
    let p = a.join("f");
    fs::write(&p, b"0123456789").unwrap();
    // truncate(2) by path: shrink, grow with zeros.
    nix::unistd::truncate(&p, 4).unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"0123");
    assert_eq!(get(&d, "trunc.near", "f").unwrap(), b"0123");
    nix::unistd::truncate(&p, 6).unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"0123\0\0");
    // ftruncate through a descriptor.
    let f = OpenOptions::new().write(true).open(&p).unwrap();
    f.set_len(2).unwrap();
    assert_eq!(f.metadata().unwrap().len(), 2);
    drop(f);
    assert_eq!(fs::read(&p).unwrap(), b"01");
    // Exactly 4 MiB is allowed.
    nix::unistd::truncate(&p, MAX as i64).unwrap();
    assert_eq!(fs::metadata(&p).unwrap().len(), MAX as u64);
    nix::unistd::truncate(&p, 2).unwrap();
    // Past 4 MiB: EFBIG, value unchanged (by path and by descriptor).
    let e = nix::unistd::truncate(&p, MAX as i64 + 1).unwrap_err();
    assert_eq!(e as i32, EFBIG);
    assert_eq!(fs::read(&p).unwrap(), b"01");
    let f = OpenOptions::new().write(true).open(&p).unwrap();
    assert_errno(f.set_len(MAX as u64 + 1), EFBIG);
    drop(f);
    assert_eq!(fs::read(&p).unwrap(), b"01");
    assert_eq!(get(&d, "trunc.near", "f").unwrap(), b"01");
    // A write starting at 4 MiB: EFBIG, stored value unchanged.
    let f = OpenOptions::new().write(true).open(&p).unwrap();
    assert_errno(f.write_at(b"xyz", MAX as u64), EFBIG);
    drop(f);
    assert_eq!(fs::read(&p).unwrap(), b"01");
    // One crossing the limit is short (POSIX: only what fits), the rest is EFBIG.
    let f = OpenOptions::new().write(true).open(&p).unwrap();
    match f.write_at(b"xyz", MAX as u64 - 1) {
        Ok(n) => assert_eq!(n, 1, "wrote past 4 MiB"),
        Err(e) => assert_eq!(e.raw_os_error(), Some(EFBIG)),
    }
    assert_errno(f.write_at(b"yz", MAX as u64), EFBIG);
    assert!(f.metadata().unwrap().len() <= MAX as u64);
    drop(f);
    nix::unistd::truncate(&p, 2).unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"01");
    // Streaming more than 4 MiB into a fresh file: the write fails, nothing past the limit.
    let mut f = File::create(a.join("huge")).unwrap();
    let chunk = vec![1u8; 1 << 20];
    let mut err = None;
    for _ in 0..5 {
        if let Err(e) = f.write_all(&chunk) {
            err = Some(e);
            break;
        }
    }
    let e = err.expect("writing 5 MiB succeeded");
    assert_eq!(e.raw_os_error(), Some(EFBIG), "{e}");
    drop(f);
    assert!(fs::metadata(a.join("huge")).unwrap().len() <= MAX as u64);
    // Truncate of a directory.
    assert_errno(
        nix::unistd::truncate(&a, 0).map_err(std::io::Error::from),
        EISDIR,
    );
}

#[test]
fn unlink_of_open_file_stays_readable() {
    let d = TestDaemon::start();
    let a = acct(&d, "ul.near");
    let p = a.join("f");
    fs::write(&p, b"still here").unwrap();
    let mut f = File::open(&p).unwrap();
    fs::remove_file(&p).unwrap();
    assert_errno(fs::metadata(&p), ENOENT);
    assert_eq!(get(&d, "ul.near", "f"), None);
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    assert_eq!(s, "still here");
    assert_eq!(f.metadata().unwrap().nlink(), 0);
    // Writes through an unlinked handle never resurrect the key.
    let w = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(a.join("g"))
        .unwrap();
    w.write_at(b"ghost", 0).unwrap();
    fs::remove_file(a.join("g")).unwrap();
    w.write_at(b"more", 5).unwrap();
    drop(w);
    drop(f);
    assert_eq!(list(&a), Vec::<String>::new());
    assert_eq!(get(&d, "ul.near", "g"), None);
}

#[test]
fn rename_files_atomic_replace_and_exdev() {
    let d = TestDaemon::start();
    let a = acct(&d, "rn.near");
    acct(&d, "other.near");
    fs::write(a.join("src"), b"new").unwrap();
    fs::write(a.join("dst"), b"old").unwrap();
    let ino = fs::metadata(a.join("src")).unwrap().ino();
    // A reader holding the old target keeps the old content.
    let mut old = File::open(a.join("dst")).unwrap();
    fs::rename(a.join("src"), a.join("dst")).unwrap();
    assert_eq!(fs::read(a.join("dst")).unwrap(), b"new");
    assert_errno(fs::metadata(a.join("src")), ENOENT);
    assert_eq!(fs::metadata(a.join("dst")).unwrap().ino(), ino);
    let mut s = String::new();
    old.read_to_string(&mut s).unwrap();
    assert_eq!(s, "old");
    assert_eq!(state_ls(&d.data_dir, "rn.near"), vec!["dst"]);
    // Into a directory and back.
    fs::create_dir(a.join("d")).unwrap();
    fs::rename(a.join("dst"), a.join("d/f")).unwrap();
    assert_eq!(get(&d, "rn.near", "d/f").unwrap(), b"new");
    assert_eq!(fs::metadata(a.join("d/f")).unwrap().ino(), ino);
    // Across accounts: EXDEV, nothing moved (for files and directories).
    assert_errno(fs::rename(a.join("d/f"), d.path("other.near/f")), EXDEV);
    assert_errno(fs::rename(a.join("d"), d.path("other.near/d")), EXDEV);
    assert_eq!(fs::read(a.join("d/f")).unwrap(), b"new");
    assert_eq!(list(&d.path("other.near")), Vec::<String>::new());
    // A rename while the source is open for writing: the buffer follows the file.
    let mut w = OpenOptions::new().write(true).open(a.join("d/f")).unwrap();
    w.write_all(b"NEW").unwrap();
    fs::rename(a.join("d/f"), a.join("moved")).unwrap();
    drop(w);
    assert_eq!(fs::read(a.join("moved")).unwrap(), b"NEW");
    assert_eq!(state_ls(&d.data_dir, "rn.near"), vec!["moved"]);
    // Missing source.
    assert_errno(fs::rename(a.join("nope"), a.join("x")), ENOENT);
}

#[test]
fn fsync_and_statfs() {
    let d = TestDaemon::start();
    let a = acct(&d, "sync.near");
    let mut f = File::create(a.join("f")).unwrap();
    f.write_all(b"synced").unwrap();
    // Not yet visible to others: buffered until close or fsync.
    assert_eq!(get(&d, "sync.near", "f").unwrap(), b"");
    f.sync_all().unwrap();
    assert_eq!(get(&d, "sync.near", "f").unwrap(), b"synced");
    f.write_all(b"+").unwrap();
    f.sync_data().unwrap();
    assert_eq!(get(&d, "sync.near", "f").unwrap(), b"synced+");
    drop(f);
    File::open(&a).unwrap().sync_all().unwrap();
    let s = nix::sys::statvfs::statvfs(&d.mnt).unwrap();
    assert!(s.blocks() > 0, "statfs reports no blocks");
    assert!(s.blocks_free() <= s.blocks());
    assert_eq!(s.name_max(), 255);
    assert!(s.files() >= 1, "statfs counts no keys");
    let host = nix::sys::statvfs::statvfs(&d.data_dir).unwrap();
    let ours = s.blocks() as u128 * s.fragment_size() as u128;
    let theirs = host.blocks() as u128 * host.fragment_size() as u128;
    assert!(
        ours.abs_diff(theirs) <= theirs / 100,
        "{ours} vs host disk {theirs}"
    );
}

#[test]
fn visibility_close_to_open_and_no_stale_cache() {
    let d = TestDaemon::start();
    let a = acct(&d, "vis.near");
    let p = a.join("f");
    fs::write(&p, b"one").unwrap();
    let reader = File::open(&p).unwrap();
    let mut w = OpenOptions::new().write(true).open(&p).unwrap();
    w.write_all(b"TWO!").unwrap();
    // Before close: the store (and every reader outside the mount) sees the old value.
    assert_eq!(get(&d, "vis.near", "f").unwrap(), b"one");
    drop(w);
    // After close: everyone sees it, also a handle opened before.
    assert_eq!(get(&d, "vis.near", "f").unwrap(), b"TWO!");
    let mut buf = Vec::new();
    (&reader).read_to_end(&mut buf).unwrap();
    assert_eq!(buf, b"TWO!");
    assert_eq!(fs::read(&p).unwrap(), b"TWO!");
    // A change from another process is what the next read shows: growing, then shrinking.
    for v in ["a much longer value than before", "short", "", "x"] {
        d.cli_ok(&["state", "put", "vis.near", "f", v]);
        assert_eq!(
            fs::metadata(&p).unwrap().len(),
            v.len() as u64,
            "stale size for {v:?}"
        );
        assert_eq!(
            fs::read(&p).unwrap(),
            v.as_bytes(),
            "stale content for {v:?}"
        );
    }
    // Same with a long-lived handle kept open across the change (re-reading from 0).
    let f = File::open(&p).unwrap();
    let mut b = [0u8; 64];
    assert_eq!(f.read_at(&mut b, 0).unwrap(), 1);
    d.cli_ok(&["state", "put", "vis.near", "f", "changed"]);
    let mut s = String::new();
    File::open(&p).unwrap().read_to_string(&mut s).unwrap();
    assert_eq!(s, "changed");
    // Removal from outside: gone at once.
    d.cli_ok(&["state", "rm", "vis.near", "f"]);
    assert_errno(fs::metadata(&p), ENOENT);
    assert_eq!(list(&a), Vec::<String>::new());
    // Keys added from outside appear in listings at once.
    d.cli_ok(&["state", "put", "vis.near", "new", "n"]);
    assert_eq!(list(&a), vec!["new"]);
}

fn mtime(m: &fs::Metadata) -> SystemTime {
    m.modified().unwrap()
}

#[test]
fn attributes_mtime_inodes_persist_across_remount() {
    let mut d = TestDaemon::start();
    let a = acct(&d, "attr.near");
    let before = SystemTime::now() - Duration::from_secs(2);
    fs::write(a.join("f"), b"12345").unwrap();
    let m = fs::metadata(a.join("f")).unwrap();
    assert!(m.is_file());
    assert_eq!(m.len(), 5);
    assert_eq!(m.mode() & 0o7777, 0o644);
    assert_eq!(m.uid(), nix::unistd::getuid().as_raw());
    assert_eq!(m.gid(), nix::unistd::getgid().as_raw());
    assert_eq!(m.nlink(), 1);
    assert!(mtime(&m) >= before && mtime(&m) <= SystemTime::now() + Duration::from_secs(2));
    // utimes / touch -d.
    let t = UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    File::options()
        .write(true)
        .open(a.join("f"))
        .unwrap()
        .set_modified(t)
        .unwrap();
    assert_eq!(mtime(&fs::metadata(a.join("f")).unwrap()), t);
    assert_eq!(fs::read(a.join("f")).unwrap(), b"12345");
    // Directory mtime too.
    fs::create_dir(a.join("d")).unwrap();
    let dt = UNIX_EPOCH + Duration::from_secs(1_500_000_000);
    // Inodes: stable across rename, distinct between files.
    fs::write(a.join("g"), b"g").unwrap();
    let ino_f = fs::metadata(a.join("f")).unwrap().ino();
    let ino_g = fs::metadata(a.join("g")).unwrap().ino();
    let ino_d = fs::metadata(a.join("d")).unwrap().ino();
    assert_ne!(ino_f, ino_g);
    fs::rename(a.join("f"), a.join("d/f")).unwrap();
    assert_eq!(fs::metadata(a.join("d/f")).unwrap().ino(), ino_f);
    // Set after the rename: moving a file in changes a directory's mtime, as POSIX says.
    File::open(a.join("d")).unwrap().set_modified(dt).unwrap();
    // A rewrite keeps the inode (same key).
    fs::write(a.join("g"), b"gg").unwrap();
    assert_eq!(fs::metadata(a.join("g")).unwrap().ino(), ino_g);
    // Across a remount: same inodes, same mtimes, same content.
    d.restart();
    let a = d.path("attr.near");
    let m = fs::metadata(a.join("d/f")).unwrap();
    assert_eq!(m.ino(), ino_f);
    assert_eq!(mtime(&m), t, "mtime not persisted");
    assert_eq!(fs::metadata(a.join("g")).unwrap().ino(), ino_g);
    let md = fs::metadata(a.join("d")).unwrap();
    assert_eq!(md.ino(), ino_d);
    assert_eq!(mtime(&md), dt, "directory mtime not persisted");
    assert_eq!(fs::read(a.join("d/f")).unwrap(), b"12345");
    // A new file after remount gets a fresh inode.
    fs::write(a.join("h"), b"h").unwrap();
    let ino_h = fs::metadata(a.join("h")).unwrap().ino();
    assert!(![ino_f, ino_g, ino_d].contains(&ino_h));
}

#[test]
fn name_errors() {
    let d = TestDaemon::start();
    let a = acct(&d, "names.near");
    // 255 bytes is fine, 256 is ENAMETOOLONG, nothing stored.
    let ok = "n".repeat(255);
    fs::write(a.join(&ok), b"x").unwrap();
    assert_eq!(list(&a), vec![ok.clone()]);
    let long = "n".repeat(256);
    assert_errno(File::create(a.join(&long)), ENAMETOOLONG);
    assert_errno(fs::create_dir(a.join(&long)), ENAMETOOLONG);
    // Non-canonical names: EINVAL to create, ENOENT to look up.
    for bad in ["%41", "%2e", "%2e%2e", "%zz", "a%", "%e9", "%C3%A9", "x%0a"] {
        assert_errno(File::create(a.join(bad)), EINVAL);
        assert_errno(fs::create_dir(a.join(bad)), EINVAL);
    }
    d.cli_ok(&["state", "put", "names.near", "A", "a"]);
    assert_errno(fs::metadata(a.join("%41")), ENOENT);
    assert_errno(fs::read(a.join("%41")), ENOENT);
    assert_eq!(fs::read(a.join("A")).unwrap(), b"a");
    // Names that need escapes work when written canonically.
    fs::write(a.join("%25"), b"percent").unwrap();
    fs::write(a.join("%2E"), b"dot").unwrap();
    fs::write(a.join("caf\u{e9}"), b"utf8").unwrap();
    assert_eq!(get(&d, "names.near", "%").unwrap(), b"percent");
    assert_eq!(get(&d, "names.near", ".").unwrap(), b"dot");
    assert_eq!(get(&d, "names.near", "caf\u{e9}").unwrap(), b"utf8");
    let mut names = list(&a);
    names.retain(|n| n != &ok);
    assert_eq!(names, vec!["%25", "%2E", "A", "caf\u{e9}"]);
}

#[test]
fn unsupported_operations_and_ownership() {
    let d = TestDaemon::start();
    let a = acct(&d, "perm.near");
    fs::write(a.join("f"), b"v").unwrap();
    assert_errno(std::os::unix::fs::symlink("f", a.join("s")), EPERM);
    assert_errno(fs::hard_link(a.join("f"), a.join("h")), EPERM);
    let fifo = nix::unistd::mkfifo(
        &a.join("p"),
        nix::sys::stat::Mode::from_bits_truncate(0o644),
    );
    assert_eq!(fifo.unwrap_err() as i32, EPERM);
    assert_eq!(list(&a), vec!["f"]);
    // chown to another user: EPERM; to ourselves: fine.
    let me = nix::unistd::getuid().as_raw();
    assert_errno(
        std::os::unix::fs::chown(a.join("f"), Some(me + 1), None),
        EPERM,
    );
    std::os::unix::fs::chown(a.join("f"), Some(me), None).unwrap();
    // chmod: kept (fuse_metadata.rs has the rest of the story).
    fs::set_permissions(a.join("f"), fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(fs::metadata(a.join("f")).unwrap().mode() & 0o7777, 0o600);
    assert_eq!(fs::read(a.join("f")).unwrap(), b"v");
    // Extended attributes are not supported (and do not break anything).
    let r = nix::sys::stat::stat(&a.join("f")).unwrap();
    assert_eq!(r.st_size, 1);
}

#[test]
fn read_only_mount_refuses_writes() {
    let mut d = TestDaemon::start();
    let a = acct(&d, "ro.near");
    fs::write(a.join("f"), b"v").unwrap();
    fs::create_dir(a.join("d")).unwrap();
    d.stop();
    d.set_mount_args(&["--read-only"]);
    d.spawn();
    let a = d.path("ro.near");
    assert_eq!(fs::read(a.join("f")).unwrap(), b"v");
    assert_eq!(list(&a), vec!["d", "f"]);
    assert_errno(fs::write(a.join("f"), b"x"), EROFS);
    assert_errno(File::create(a.join("new")), EROFS);
    assert_errno(fs::remove_file(a.join("f")), EROFS);
    assert_errno(fs::create_dir(a.join("nd")), EROFS);
    assert_errno(fs::create_dir(d.path("new.near")), EROFS);
    assert_errno(fs::remove_dir(a.join("d")), EROFS);
    assert_errno(fs::rename(a.join("f"), a.join("g")), EROFS);
    assert_errno(
        nix::unistd::truncate(&a.join("f"), 0).map_err(std::io::Error::from),
        EROFS,
    );
    assert_eq!(fs::read(a.join("f")).unwrap(), b"v");
    assert_eq!(state_ls(&d.data_dir, "ro.near"), vec!["f"]);
}

#[test]
fn binary_keys_through_key_hex() {
    let d = TestDaemon::start();
    acct(&d, "bin.near");
    let a = d.path("bin.near");
    let cases: Vec<(Vec<u8>, String)> = vec![
        (vec![0x00, 0xff, b'/', b'%'], "%00%FF%2F%25".into()),
        (b".".to_vec(), "%2E".into()),
        (b"..".to_vec(), "%2E%2E".into()),
        (vec![b'a', 0x7f, 0xc3, 0xa9, 0xc3], "a%7F\u{e9}%C3".into()),
        (b"\n\t".to_vec(), "%0A%09".into()),
    ];
    for (i, (key, _)) in cases.iter().enumerate() {
        let value: Vec<u8> = (0..=255u8).cycle().skip(i).take(300).collect();
        let vf = d.mnt.parent().unwrap().join(format!("value{i}"));
        fs::write(&vf, &value).unwrap();
        d.cli_ok(&[
            "state",
            "put",
            "bin.near",
            &hex::encode(key),
            "--key-hex",
            "--value-file",
            vf.to_str().unwrap(),
        ]);
    }
    // A key whose name passes 255 bytes: the long form, still listed and readable.
    let long_key: Vec<u8> = std::iter::repeat_n(0xffu8, 100).collect(); // 300-byte name
    let long_value = b"long-key value\0\x01\x02".to_vec();
    let vf = d.mnt.parent().unwrap().join("value-long");
    fs::write(&vf, &long_value).unwrap();
    d.cli_ok(&[
        "state",
        "put",
        "bin.near",
        &hex::encode(&long_key),
        "--key-hex",
        "--value-file",
        vf.to_str().unwrap(),
    ]);
    let names = list(&a);
    assert_eq!(names.len(), cases.len() + 1, "{names:?}");
    for (i, (_, name)) in cases.iter().enumerate() {
        assert!(names.contains(name), "{name} not listed in {names:?}");
        let value: Vec<u8> = (0..=255u8).cycle().skip(i).take(300).collect();
        assert_eq!(fs::read(a.join(name)).unwrap(), value, "{name}");
    }
    let long_name = names
        .iter()
        .find(|n| n.contains("%~"))
        .expect("no long-form name listed");
    assert!(long_name.len() <= 255);
    let prefix = "%FF".repeat(63);
    assert!(long_name.starts_with(&prefix), "{long_name}");
    use sha2::Digest as _;
    let hash = hex::encode(sha2::Sha256::digest(&long_key));
    assert!(long_name.ends_with(&format!("%~{hash}")), "{long_name}");
    assert_eq!(fs::read(a.join(long_name)).unwrap(), long_value);
    assert_eq!(
        fs::metadata(a.join(long_name)).unwrap().len(),
        long_value.len() as u64
    );
    // Rewriting through the long name changes that key.
    fs::write(a.join(long_name), b"rewritten").unwrap();
    let o = d.cli_ok(&[
        "state",
        "get",
        "bin.near",
        &hex::encode(&long_key),
        "--key-hex",
    ]);
    assert_eq!(o, b"rewritten");
    // A file written through the mount under an escaped name is the binary key.
    fs::write(a.join("%01%02"), b"via mount").unwrap();
    let o = d.cli_ok(&["state", "get", "bin.near", "0102", "--key-hex"]);
    assert_eq!(o, b"via mount");
    // A long name with a wrong hash does not exist.
    let bogus = format!("{prefix}%~{}", "0".repeat(64));
    assert_errno(fs::metadata(a.join(bogus)), ENOENT);
}

#[test]
fn ten_thousand_keys_list_completely() {
    let d = TestDaemon::start();
    let a = acct(&d, "many.near");
    for i in 0..10_000 {
        fs::write(a.join(format!("k{i:05}")), i.to_string()).unwrap();
    }
    let names = list(&a);
    assert_eq!(names.len(), 10_000);
    for (i, n) in names.iter().enumerate() {
        assert_eq!(n, &format!("k{i:05}"));
    }
    assert_eq!(fs::read(a.join("k09999")).unwrap(), b"9999");
    assert_eq!(state_ls(&d.data_dir, "many.near").len(), 10_000);
}

#[test]
fn million_key_listing_streams() {
    const N: usize = 1_000_000;
    let mut d = TestDaemon::unstarted();
    let t0 = Instant::now();
    {
        let store = outlayer_fs::store::Store::open(&d.data_dir).unwrap();
        let account = outlayer_fs::AccountId::new("big.near").unwrap();
        let mut txn = store.begin(&account).unwrap();
        txn.create_account().unwrap();
        txn.commit().unwrap();
        for chunk in 0..N / 10_000 {
            let mut txn = store.begin(&account).unwrap();
            for i in chunk * 10_000..(chunk + 1) * 10_000 {
                txn.put(format!("k{i:07}").as_bytes(), vec![b'v']).unwrap();
            }
            txn.commit().unwrap();
        }
        store.sync().unwrap();
    }
    eprintln!("populated {N} keys in {:?}", t0.elapsed());
    d.spawn();
    let rss0 = d.rss_kib();
    let t = Instant::now();
    let mut it = fs::read_dir(d.path("big.near")).unwrap();
    let first = it.next().unwrap().unwrap();
    let first_at = t.elapsed();
    assert_eq!(first.file_name(), "k0000000");
    assert!(
        first_at < Duration::from_secs(1),
        "first entry after {first_at:?}"
    );
    // Stream the whole listing; the daemon's memory must not grow with it.
    let mut n = 1;
    let mut last = String::new();
    for e in it {
        last = e.unwrap().file_name().into_string().unwrap();
        n += 1;
    }
    let all_at = t.elapsed();
    let rss1 = d.rss_kib();
    eprintln!("first entry {first_at:?}, {n} entries {all_at:?}, rss {rss0} -> {rss1} KiB");
    assert_eq!(n, N);
    assert_eq!(last, format!("k{:07}", N - 1));
    // 1M names held in memory would be ~60+ MiB; the block cache alone is capped at 128 MiB
    // but these keys fit in far less. Allow generous slack, not O(N) buffering.
    assert!(
        rss1 < rss0 + 96 * 1024,
        "daemon RSS grew {rss0} -> {rss1} KiB"
    );
}

#[test]
fn directory_mtime_follows_its_own_entries() {
    let d = TestDaemon::start();
    let a = acct(&d, "dmt.near");
    fs::create_dir(a.join("sub")).unwrap();
    let old = UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    File::open(&a).unwrap().set_modified(old).unwrap();
    File::open(a.join("sub"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    // Setting a subdirectory's time is not a change of its parent (rsync -a relies on this).
    File::open(a.join("sub"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    assert_eq!(
        mtime(&fs::metadata(&a).unwrap()),
        old,
        "utimes on sub changed the account"
    );
    // Creating an entry changes the directory it is created in, not its ancestors.
    fs::write(a.join("sub/f"), b"x").unwrap();
    assert_ne!(
        mtime(&fs::metadata(a.join("sub")).unwrap()),
        old,
        "sub mtime not updated"
    );
    assert_eq!(
        mtime(&fs::metadata(&a).unwrap()),
        old,
        "a create in sub changed the account"
    );
    // And a create at the account level changes the account.
    fs::write(a.join("top"), b"x").unwrap();
    assert_ne!(
        mtime(&fs::metadata(&a).unwrap()),
        old,
        "account mtime not updated"
    );
}

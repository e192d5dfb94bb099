//! Honest metadata on a real mount: modes kept and enforced, atime stored and moved by
//! relatime, directory link counts, and times right after a size change on an open file.
//! Every check goes through the kernel (std::fs, libc, real tools), before and after.

#![allow(clippy::unwrap_used, missing_docs)]

use std::ffi::CString;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use libc::EPERM;
use outlayer_tests::{assert_errno, require_tool, TestDaemon};

fn acct(d: &TestDaemon, name: &str) -> PathBuf {
    let p = d.path(name);
    fs::create_dir(&p).unwrap();
    p
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().mode() & 0o7777
}

fn sh(script: &str) -> std::process::Output {
    let out = Command::new("sh").arg("-c").arg(script).output().unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `utimensat(path, [atime, mtime])`, each `(sec, nsec)` or `libc::UTIME_NOW`/`UTIME_OMIT`
/// as the nsec.
fn utimensat(p: &Path, atime: (i64, i64), mtime: (i64, i64)) -> std::io::Result<()> {
    let c = CString::new(p.as_os_str().as_bytes()).unwrap();
    let ts = [
        libc::timespec {
            tv_sec: atime.0,
            tv_nsec: atime.1,
        },
        libc::timespec {
            tv_sec: mtime.0,
            tv_nsec: mtime.1,
        },
    ];
    // SAFETY: `c` is a NUL-terminated path and `ts` two valid timespecs, both live here.
    let r = unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), ts.as_ptr(), 0) };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// (atime, mtime, ctime) in ns.
fn times(p: &Path) -> (i128, i128, i128) {
    let m = fs::metadata(p).unwrap();
    let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
    (
        ns(m.atime(), m.atime_nsec()),
        ns(m.mtime(), m.mtime_nsec()),
        ns(m.ctime(), m.ctime_nsec()),
    )
}

#[test]
fn modes_are_kept_through_chmod_create_mkdir_and_restart() {
    let mut d = TestDaemon::start();
    let a = acct(&d, "modes.near");
    fs::write(a.join("f"), b"v").unwrap();
    assert_eq!(mode(&a.join("f")), 0o644, "a new file under umask 022");
    let before = times(&a.join("f"));
    fs::set_permissions(a.join("f"), fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(mode(&a.join("f")), 0o600);
    let after = times(&a.join("f"));
    assert_eq!(after.1, before.1, "chmod leaves the mtime");
    assert!(after.2 >= before.2, "chmod moves the ctime");
    assert_eq!(
        fs::read(a.join("f")).unwrap(),
        b"v",
        "chmod leaves the value"
    );
    // Set-id and sticky bits are kept too (the mount is nosuid: they grant nothing).
    fs::set_permissions(a.join("f"), fs::Permissions::from_mode(0o4751)).unwrap();
    assert_eq!(mode(&a.join("f")), 0o4751);
    // open(O_CREAT, mode) and mkdir(mode) under the creator's umask.
    let dir = a.display();
    sh(&format!(
        "umask 027 && : > {dir}/created && mkdir {dir}/made"
    ));
    assert_eq!(mode(&a.join("created")), 0o640);
    assert_eq!(mode(&a.join("made")), 0o750);
    fs::DirBuilder::new()
        .mode(0o711)
        .create(a.join("m711"))
        .unwrap();
    assert_eq!(mode(&a.join("m711")), 0o711);
    fs::set_permissions(a.join("made"), fs::Permissions::from_mode(0o1777)).unwrap();
    assert_eq!(mode(&a.join("made")), 0o1777);
    // install -m
    sh(&format!("install -m 0750 /bin/true {dir}/installed"));
    assert_eq!(mode(&a.join("installed")), 0o750);
    // Writing keeps the mode; so does a rename.
    fs::write(a.join("created"), b"more").unwrap();
    assert_eq!(mode(&a.join("created")), 0o640);
    fs::rename(a.join("created"), a.join("made/moved")).unwrap();
    assert_eq!(mode(&a.join("made/moved")), 0o640);
    // An executable script runs (the mount is not noexec).
    fs::write(a.join("hello.sh"), b"#!/bin/sh\necho hello from state\n").unwrap();
    fs::set_permissions(a.join("hello.sh"), fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new(a.join("hello.sh")).output().unwrap();
    assert_eq!(out.stdout, b"hello from state\n");
    // Accounts keep 0755: chmod to 0755 is fine, to anything else EPERM.
    fs::set_permissions(&a, fs::Permissions::from_mode(0o755)).unwrap();
    assert_errno(
        fs::set_permissions(&a, fs::Permissions::from_mode(0o700)),
        EPERM,
    );
    assert_eq!(mode(&a), 0o755);
    // chown to another user is still EPERM, and changes nothing.
    let me = nix::unistd::getuid().as_raw();
    assert_errno(
        std::os::unix::fs::chown(a.join("f"), Some(me + 1), None),
        EPERM,
    );
    assert_eq!(fs::metadata(a.join("f")).unwrap().uid(), me);
    d.restart();
    let a = d.path("modes.near");
    assert_eq!(mode(&a.join("f")), 0o4751);
    assert_eq!(mode(&a.join("made")), 0o1777);
    assert_eq!(mode(&a.join("made/moved")), 0o640);
    assert_eq!(mode(&a.join("m711")), 0o711);
    assert_eq!(mode(&a.join("installed")), 0o750);
    // Contracts never see modes: the value is all there is.
    assert_eq!(d.cli_ok(&["state", "get", "modes.near", "f"]), b"v");
}

#[test]
fn tar_rsync_and_cp_preserve_modes_and_times() {
    require_tool("rsync");
    let d = TestDaemon::start();
    let a = acct(&d, "copy.near");
    let src = tempfile::tempdir().unwrap();
    let s = src.path();
    fs::create_dir(s.join("sub")).unwrap();
    fs::write(s.join("sub/data"), vec![7u8; 70_000]).unwrap();
    fs::write(s.join("run.sh"), b"#!/bin/sh\n").unwrap();
    fs::write(s.join("secret"), b"k").unwrap();
    fs::set_permissions(s.join("run.sh"), fs::Permissions::from_mode(0o750)).unwrap();
    fs::set_permissions(s.join("secret"), fs::Permissions::from_mode(0o600)).unwrap();
    fs::set_permissions(s.join("sub/data"), fs::Permissions::from_mode(0o444)).unwrap();
    utimensat(
        &s.join("sub/data"),
        (1_500_000_000, 5),
        (1_400_000_000, 123_456_789),
    )
    .unwrap();
    utimensat(&s.join("secret"), (1_500_000_000, 0), (1_300_000_000, 0)).unwrap();
    fs::set_permissions(s.join("sub"), fs::Permissions::from_mode(0o751)).unwrap();
    utimensat(&s.join("sub"), (1_500_000_000, 0), (1_200_000_000, 0)).unwrap();
    for (how, dest) in [("tar", "t"), ("rsync", "r"), ("cp", "c")] {
        let to = a.join(dest);
        match how {
            "tar" => {
                fs::create_dir(&to).unwrap();
                sh(&format!(
                    "tar --format=posix -C {} -cf - . | tar -C {} -xpf -",
                    s.display(),
                    to.display()
                ));
            }
            "rsync" => drop(sh(&format!("rsync -a {}/ {}/", s.display(), to.display()))),
            _ => drop(sh(&format!("cp -a {} {}", s.display(), to.display()))),
        }
        for rel in ["sub", "sub/data", "run.sh", "secret"] {
            let (from, got) = (s.join(rel), to.join(rel));
            assert_eq!(mode(&got), mode(&from), "{how}: mode of {rel}");
            let (fm, gm) = (fs::metadata(&from).unwrap(), fs::metadata(&got).unwrap());
            assert_eq!(
                (gm.mtime(), gm.mtime_nsec()),
                (fm.mtime(), fm.mtime_nsec()),
                "{how}: mtime of {rel}"
            );
            if gm.is_file() {
                assert_eq!(
                    fs::read(&got).unwrap(),
                    fs::read(&from).unwrap(),
                    "{how}: {rel}"
                );
            }
        }
    }
}

#[test]
fn other_users_meet_the_modes() {
    require_tool("runuser");
    let d = TestDaemon::start_with(&["--allow-other"]);
    // The test's temporary directory is private (0700): let `nobody` reach the mount.
    let tmp_root = d.mnt.parent().unwrap();
    fs::set_permissions(tmp_root, fs::Permissions::from_mode(0o755)).unwrap();
    let a = acct(&d, "users.near");
    fs::write(a.join("f"), b"public").unwrap();
    let as_nobody = |script: &str| {
        Command::new("runuser")
            .args(["-u", "nobody", "--", "sh", "-c", script])
            .output()
            .unwrap()
    };
    let f = a.join("f");
    let cat = format!("cat {}", f.display());
    let out = as_nobody(&cat);
    assert!(out.status.success(), "0644 lets others read: {out:?}");
    assert_eq!(out.stdout, b"public");
    let out = as_nobody(&format!("echo x >> {}", f.display()));
    assert!(!out.status.success(), "0644 does not let others write");
    assert_eq!(fs::read(&f).unwrap(), b"public");
    fs::set_permissions(&f, fs::Permissions::from_mode(0o000)).unwrap();
    let out = as_nobody(&cat);
    assert!(!out.status.success(), "0000 denies others");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Permission denied"),
        "{out:?}"
    );
    // Others cannot chmod a file they do not own either.
    let out = as_nobody(&format!("chmod 644 {}", f.display()));
    assert!(!out.status.success());
    assert_eq!(mode(&f), 0o000);
    fs::set_permissions(&f, fs::Permissions::from_mode(0o644)).unwrap();
    assert!(as_nobody(&cat).status.success(), "0644 again");
    // A directory others cannot search hides what is inside.
    fs::create_dir(a.join("private")).unwrap();
    fs::write(a.join("private/k"), b"v").unwrap();
    fs::set_permissions(a.join("private"), fs::Permissions::from_mode(0o700)).unwrap();
    let out = as_nobody(&format!("cat {}", a.join("private/k").display()));
    assert!(!out.status.success(), "0700 directory denies others");
    // The owner (root here) still reads a 0000 file; the value never changed.
    fs::set_permissions(&f, fs::Permissions::from_mode(0o000)).unwrap();
    assert_eq!(fs::read(&f).unwrap(), b"public");
}

#[test]
fn a_read_only_mount_shows_no_write_bits() {
    let mut d = TestDaemon::start();
    let a = acct(&d, "ro.near");
    fs::write(a.join("f"), b"v").unwrap();
    fs::set_permissions(a.join("f"), fs::Permissions::from_mode(0o664)).unwrap();
    fs::DirBuilder::new()
        .mode(0o775)
        .create(a.join("d"))
        .unwrap();
    fs::set_permissions(a.join("d"), fs::Permissions::from_mode(0o775)).unwrap();
    d.stop();
    d.set_mount_args(&["--read-only"]);
    d.spawn();
    let a = d.path("ro.near");
    assert_eq!(mode(&a.join("f")), 0o444);
    assert_eq!(mode(&a.join("d")), 0o555);
    assert_eq!(mode(&a), 0o555);
    assert_errno(
        fs::set_permissions(a.join("f"), fs::Permissions::from_mode(0o600)),
        libc::EROFS,
    );
}

#[test]
fn atime_is_stored_settable_and_moved_by_relatime() {
    let mut d = TestDaemon::start();
    let a = acct(&d, "atime.near");
    let f = a.join("f");
    fs::write(&f, b"value").unwrap();
    // Any atime, to the nanosecond, mtime untouched (UTIME_OMIT).
    let (_, m0, c0) = times(&f);
    utimensat(&f, (1_234_567_890, 123_456_789), (0, libc::UTIME_OMIT)).unwrap();
    let (at, m1, c1) = times(&f);
    assert_eq!(at, 1_234_567_890_123_456_789);
    assert_eq!(m1, m0, "UTIME_OMIT leaves the mtime");
    assert!(c1 >= c0, "setting times moves the ctime");
    // Past 2038, and back through `touch -a`.
    utimensat(&f, (4_102_444_800, 999_999_999), (0, libc::UTIME_OMIT)).unwrap();
    assert_eq!(times(&f).0, 4_102_444_800_999_999_999);
    sh(&format!("touch -a -d @1600000000.5 {}", f.display()));
    assert_eq!(times(&f).0, 1_600_000_000_500_000_000);
    assert_eq!(times(&f).1, m0, "touch -a leaves the mtime");
    // mtime alone, atime omitted.
    utimensat(&f, (0, libc::UTIME_OMIT), (4_200_000_000, 7)).unwrap();
    assert_eq!(times(&f).1, 4_200_000_000_000_000_007);
    assert_eq!(times(&f).0, 1_600_000_000_500_000_000);
    // UTIME_NOW for the atime.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i128;
    utimensat(&f, (0, libc::UTIME_NOW), (0, libc::UTIME_OMIT)).unwrap();
    let at = times(&f).0;
    assert!(
        (at - now).abs() < 60_000_000_000,
        "UTIME_NOW: {at} vs {now}"
    );
    // Kept across a restart.
    utimensat(&f, (1_000_000_000, 1), (1_100_000_000, 2)).unwrap();
    d.restart();
    let a = d.path("atime.near");
    let f = a.join("f");
    assert_eq!(times(&f).0, 1_000_000_000_000_000_001);
    assert_eq!(times(&f).1, 1_100_000_000_000_000_002);

    // relatime: an atime not after the mtime moves at the next read, once.
    let mut buf = Vec::new();
    File::open(&f).unwrap().read_to_end(&mut buf).unwrap();
    assert_eq!(buf, b"value");
    let moved = wait_for(|| times(&f).0 > 1_100_000_000_000_000_002);
    assert!(
        moved,
        "a read after a change moves the atime: {:?}",
        times(&f)
    );
    let first = times(&f).0;
    std::thread::sleep(Duration::from_millis(1100));
    File::open(&f).unwrap().read_to_end(&mut buf).unwrap();
    std::thread::sleep(Duration::from_millis(1100)); // past the attribute cache
    assert_eq!(times(&f).0, first, "a second read moves nothing (relatime)");
    // Writing does not move the atime, but makes the next read move it again.
    fs::write(&f, b"new value").unwrap();
    assert_eq!(times(&f).0, first, "a write leaves the atime");
    File::open(&f).unwrap().read_to_end(&mut buf).unwrap();
    assert!(
        wait_for(|| times(&f).0 > first),
        "read after write moves it"
    );
    // Moved atimes are written in batches, and at the latest when the daemon stops.
    let moved = times(&f).0;
    d.restart();
    assert_eq!(
        times(&d.path("atime.near/f")).0,
        moved,
        "kept across a restart"
    );
}

/// Polls `cond` for up to two seconds (one attribute-cache lifetime and some).
fn wait_for(cond: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(2) {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn directory_link_counts_count_subdirectories() {
    let d = TestDaemon::start();
    let a = acct(&d, "links.near");
    let nlink = |p: &Path| fs::metadata(p).unwrap().nlink();
    assert_eq!(nlink(&a), 2);
    fs::write(a.join("file"), b"").unwrap();
    assert_eq!(nlink(&a), 2, "files do not count");
    fs::create_dir(a.join("x")).unwrap();
    fs::create_dir(a.join("y")).unwrap();
    assert_eq!(nlink(&a), 4);
    fs::create_dir_all(a.join("x/1/deep")).unwrap();
    fs::create_dir(a.join("x/2")).unwrap();
    assert_eq!(nlink(&a.join("x")), 4);
    assert_eq!(nlink(&a.join("x/1")), 3);
    assert_eq!(nlink(&a.join("x/1/deep")), 2);
    fs::remove_dir(a.join("y")).unwrap();
    assert_eq!(nlink(&a), 3);
    fs::rename(a.join("x/2"), a.join("z")).unwrap();
    assert_eq!(nlink(&a), 4);
    assert_eq!(nlink(&a.join("x")), 3);
    // What find relies on: every directory is found with the leaf optimisation on.
    let out = sh(&format!("find {} -type d | sort", a.display()));
    let found = String::from_utf8(out.stdout).unwrap();
    assert_eq!(found.lines().count(), 5, "{found}");
    // The root does not count its accounts (there may be millions): 1, as btrfs says.
    assert_eq!(nlink(&d.mnt), 1);
}

#[test]
fn size_changes_on_an_open_file_show_new_times_at_once() {
    let d = TestDaemon::start();
    let a = acct(&d, "trunc.near");
    let p = a.join("f");
    fs::write(&p, vec![1u8; 10_000]).unwrap();
    utimensat(&p, (1_000_000_000, 0), (1_000_000_000, 0)).unwrap();
    let f = OpenOptions::new().read(true).write(true).open(&p).unwrap();
    let (_, m0, c0) = times(&p);
    assert_eq!(m0, 1_000_000_000_000_000_000);
    // ftruncate: the fstat right after, and a stat by path, show it at once.
    f.set_len(100).unwrap();
    let m = f.metadata().unwrap();
    assert_eq!(m.len(), 100);
    let fm = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
    assert!(fm > m0, "fstat after ftruncate: mtime {fm} not after {m0}");
    let (_, m1, c1) = times(&p);
    assert_eq!(fs::metadata(&p).unwrap().len(), 100);
    assert_eq!(m1, fm, "stat agrees with fstat");
    assert!(c1 > c0 && c1 >= m1, "ctime moved: {c1} vs {c0}");
    // Growing through fallocate-like extension (ftruncate up), then a write.
    f.set_len(20_000).unwrap();
    assert_eq!(f.metadata().unwrap().len(), 20_000);
    (&f).write_all(b"tail").unwrap();
    let before_close = times(&p);
    assert!(before_close.1 >= m1);
    drop(f);
    // The commit at close keeps the times stat already showed.
    let after_close = times(&p);
    assert_eq!(after_close.1, before_close.1, "close keeps the mtime");
    assert_eq!(fs::metadata(&p).unwrap().len(), 20_000);
    // futimens before close (cp -p does this) is not overwritten by the commit.
    let mut f = OpenOptions::new().write(true).open(&p).unwrap();
    f.write_all(b"head").unwrap();
    let ts = [
        libc::timespec {
            tv_sec: 1_500_000_000,
            tv_nsec: 0,
        },
        libc::timespec {
            tv_sec: 1_400_000_000,
            tv_nsec: 42,
        },
    ];
    // SAFETY: a valid open descriptor and two valid timespecs.
    let r = unsafe { libc::futimens(std::os::fd::AsRawFd::as_raw_fd(&f), ts.as_ptr()) };
    assert_eq!(r, 0);
    drop(f);
    assert_eq!(times(&p).1, 1_400_000_000_000_000_042);
    assert_eq!(&fs::read(&p).unwrap()[..4], b"head");
}

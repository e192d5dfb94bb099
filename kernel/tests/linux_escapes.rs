//! Escapes: `..` above `/`, symbolic links out of a host mount, and `/near/state/..` into
//! another account are all refused, and nothing outside is touched.

mod linux_support;

use linux_support::{probe, tempdir, StateEnv};
use outlayer_kernel::linux::HostMount;

#[test]
fn dotdot_never_climbs_above_the_root() {
    let host = tempdir();
    let inner = host.path().join("root");
    std::fs::create_dir(&inner).expect("mkdir");
    std::fs::write(host.path().join("outside.txt"), b"untouched").expect("write");
    let args = [
        "ls",
        "/..",
        "read",
        "/../outside.txt",
        "write",
        "/../outside.txt",
        "pwned",
        "read",
        "/../../../../etc/passwd",
        "write",
        "/inside.txt",
        "ok",
        "exit",
        "0",
    ];
    let (out, outcome) = probe(&args, None, |spec| {
        spec.mounts = vec![HostMount {
            host: inner.clone(),
            guest: "/".into(),
            read_only: false,
        }];
    });
    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(out.matches("error: PermissionDenied").count(), 4, "{out}");
    assert_eq!(
        std::fs::read(host.path().join("outside.txt")).ok(),
        Some(b"untouched".to_vec())
    );
    assert_eq!(
        std::fs::read(inner.join("inside.txt")).ok(),
        Some(b"ok".to_vec())
    );
    // The kernel's own mounts sit over the host root without being created in it.
    assert!(!inner.join("dev").exists() && !inner.join("tmp").exists());
}

#[test]
fn symlinks_in_a_host_mount_stay_inside_it() {
    let host = tempdir();
    let outside = tempdir();
    let secret = outside.path().join("secret");
    std::fs::write(&secret, b"secret").expect("write");
    let dir = host.path();
    std::os::unix::fs::symlink(&secret, dir.join("abs")).expect("symlink");
    std::os::unix::fs::symlink("../../../../../../../../etc/passwd", dir.join("up"))
        .expect("symlink");
    std::os::unix::fs::symlink("sub/file", dir.join("rel")).expect("symlink");
    std::fs::create_dir(dir.join("sub")).expect("mkdir");
    std::fs::write(dir.join("sub/file"), b"inside").expect("write");
    let outside_path = secret.to_string_lossy().into_owned();
    let args = [
        "read",
        "/host/abs",
        "write",
        "/host/abs",
        "pwned",
        "read",
        "/host/up",
        "read",
        "/host/rel",
        "symlink",
        outside_path.as_str(),
        "/host/made",
        "read",
        "/host/made",
        "exit",
        "0",
    ];
    let (out, outcome) = probe(&args, None, |spec| {
        spec.mounts = vec![HostMount {
            host: dir.to_path_buf(),
            guest: "/host".into(),
            read_only: false,
        }];
    });
    assert!(outcome.is_success(), "{outcome:?}");
    assert!(out.contains("read: \"inside\""), "{out}");
    // abs (read, write), up, and the link the guest made: refused; the rest fine.
    assert_eq!(out.matches("error: PermissionDenied").count(), 4, "{out}");
    assert_eq!(std::fs::read(&secret).ok(), Some(b"secret".to_vec()));
}

#[test]
fn a_read_only_host_mount_refuses_writes() {
    let host = tempdir();
    std::fs::write(host.path().join("f"), b"ro").expect("write");
    let args = [
        "read", "/in/f", "write", "/in/f", "x", "write", "/in/g", "x", "exit", "0",
    ];
    let (out, outcome) = probe(&args, None, |spec| {
        spec.mounts = vec![HostMount {
            host: host.path().to_path_buf(),
            guest: "/in".into(),
            read_only: true,
        }];
    });
    assert!(outcome.is_success(), "{outcome:?}");
    assert!(out.contains("read: \"ro\""), "{out}");
    assert_eq!(out.matches("error: ReadOnlyFilesystem").count(), 2, "{out}");
    assert!(!host.path().join("g").exists());
}

#[test]
fn another_account_is_no_name_below_the_state_mount() {
    let env = StateEnv::new();
    let before = env.snapshot_of("other.near");
    let args = [
        "read",
        "/near/state/../other.near/secret",
        "ls",
        "/near",
        "write",
        "/near/state/../other.near/secret",
        "x",
        "read",
        "/near/state/other.near/secret",
        "exit",
        "0",
    ];
    let (out, outcome) = probe(&args, Some(env.binding()), |_| {});
    assert!(outcome.is_success(), "{outcome:?}");
    assert!(outcome.committed);
    assert!(out.contains("ls: [\"state\"]"), "{out}");
    assert_eq!(out.matches("error: NotFound").count(), 3, "{out}");
    assert_eq!(env.snapshot_of("other.near"), before);
}

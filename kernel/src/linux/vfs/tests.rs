//! Path resolution across mounts: `.` and `..`, mount boundaries, symbolic links on a host
//! mount, and what can never be escaped.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use super::*;
use crate::linux::clock::TaskClock;

fn names(p: &str) -> Vec<Name> {
    split_path(p.as_bytes())
}

fn mem() -> Arc<MemFs> {
    Arc::new(MemFs::new(Arc::new(TaskClock::new(5)), 1 << 20))
}

/// `/` in memory with `/a/b`, `/a/file`, and a second memfs at `/m`.
fn tree() -> Vfs {
    let root = mem();
    root.mkdir_all(&names("a/b")).unwrap();
    root.mkdir_all(&names("m")).unwrap();
    let opts = OpenOptions {
        write: true,
        create: true,
        ..OpenOptions::default()
    };
    root.open(&names("a/file"), &opts).unwrap();
    let inner = mem();
    inner.mkdir_all(&names("x")).unwrap();
    let mut vfs = Vfs::new(root, 5);
    vfs.mount(b"/m", inner);
    vfs
}

fn resolve(vfs: &Vfs, base: &str, path: &str) -> FsResult<Vec<Name>> {
    vfs.resolve(&names(base), path.as_bytes(), true)
        .map(|r| r.abs)
}

#[test]
fn dot_and_dotdot_are_the_vfs_business() {
    let vfs = tree();
    assert_eq!(resolve(&vfs, "/", "a/./b/../b"), Ok(names("a/b")));
    assert_eq!(resolve(&vfs, "/a/b", ".."), Ok(names("a")));
    // `..` at a mount's root leaves the mount.
    assert_eq!(resolve(&vfs, "/m/x", "../../a"), Ok(names("a")));
    // Above `/`: refused, as wasmtime refuses leaving its preopen.
    assert_eq!(resolve(&vfs, "/", ".."), Err(Errno::PERM));
    assert_eq!(resolve(&vfs, "/a", "../../a"), Err(Errno::PERM));
    // Absolute paths are the guest libc's to split against its preopens.
    assert_eq!(resolve(&vfs, "/", "/a"), Err(Errno::PERM));
    assert_eq!(resolve(&vfs, "/", ""), Err(Errno::NOENT));
    // `..` after a missing or non-directory step fails as Linux fails.
    assert_eq!(resolve(&vfs, "/", "nope/../a"), Err(Errno::NOENT));
    assert_eq!(resolve(&vfs, "/", "a/file/../b"), Err(Errno::NOTDIR));
    let r = vfs.resolve(&[], b"a/file/", true);
    assert_eq!(r, Err(Errno::NOTDIR));
}

#[test]
fn mounts_shape_the_tree() {
    let vfs = tree();
    assert_eq!(vfs.lstat(&names("m/x")).unwrap().kind, FileKind::Directory);
    assert_eq!(vfs.lstat(&names("a/x")), Err(Errno::NOENT));
    assert_eq!(vfs.device(&names("m/x")), vfs.device(&names("m")));
    assert_ne!(vfs.device(&names("m/x")), vfs.device(&names("a")));
    // Renames and links never cross a mount; a mount point cannot be removed or renamed.
    assert_eq!(
        vfs.rename(&names("a/file"), &names("m/file")),
        Err(Errno::XDEV)
    );
    assert_eq!(vfs.rmdir(&names("m")), Err(Errno::BUSY));
    assert_eq!(vfs.rename(&names("m"), &names("n")), Err(Errno::BUSY));
    assert_eq!(vfs.mkdir(&names("m")), Err(Errno::EXIST));
    vfs.rename(&names("a/file"), &names("a/b/moved")).unwrap();
    let listed: Vec<Name> = vfs
        .readdir(&names("a/b"))
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(listed, names("moved"));
}

#[test]
fn mount_points_exist_even_where_the_root_has_no_directory() {
    let mut vfs = Vfs::new(mem(), 5);
    vfs.mount(b"/near/state", mem());
    assert_eq!(vfs.lstat(&names("near")).unwrap().kind, FileKind::Directory);
    let top: Vec<Name> = vfs
        .readdir(&[])
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(top, names("near"));
    let below: Vec<Name> = vfs
        .readdir(&names("near"))
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(below, names("state"));
    // `/near/state/../other.account` is a name in the root's `near`, not another account.
    assert_eq!(
        resolve(&vfs, "/", "near/state/../other.account"),
        Ok(names("near/other.account"))
    );
    assert_eq!(vfs.lstat(&names("near/other.account")), Err(Errno::NOENT));
}

#[test]
fn host_symlinks_are_followed_inside_the_tree_only() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"s").unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/file"), b"f").unwrap();
    let link = |target: &std::path::Path, name: &str| {
        std::os::unix::fs::symlink(target, dir.path().join(name)).unwrap()
    };
    link(&outside.path().join("secret"), "abs");
    link(std::path::Path::new("sub/file"), "rel");
    link(std::path::Path::new("../../../../etc/passwd"), "up");
    link(std::path::Path::new("loop"), "loop");
    let mut vfs = Vfs::new(mem(), 5);
    vfs.mount(b"/host", Arc::new(HostFs::open(dir.path(), false).unwrap()));
    assert_eq!(resolve(&vfs, "/host", "rel"), Ok(names("host/sub/file")));
    assert_eq!(resolve(&vfs, "/host", "abs"), Err(Errno::PERM));
    assert_eq!(resolve(&vfs, "/host", "up"), Err(Errno::PERM));
    assert_eq!(resolve(&vfs, "/host", "loop"), Err(Errno::LOOP));
    std::os::unix::fs::symlink("sub", dir.path().join("subdir")).unwrap();
    let r = vfs.resolve(&names("host"), b"subdir/", false).unwrap();
    assert_eq!(
        r.abs,
        names("host/sub"),
        "a trailing slash follows the link"
    );
    // Not following the final link leaves it as it is.
    let r = vfs.resolve(&names("host"), b"abs", false).unwrap();
    assert_eq!(vfs.lstat(&r.abs).unwrap().kind, FileKind::Symlink);
    // And the host filesystem itself refuses to open it (cap-std's wall).
    let opts = OpenOptions {
        read: true,
        ..OpenOptions::default()
    };
    assert!(vfs.open(&names("host/abs"), &opts).is_err());
    assert!(vfs.open(&names("host/rel"), &opts).is_ok());
}

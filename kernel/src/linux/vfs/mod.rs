//! The guest kernel's VFS: one tree rooted at `/`, made of mounts.
//!
//! Each mount is a [`FileSystem`] addressed by paths relative to its own root, as lists of
//! names that never contain `.` or `..`: the VFS alone interprets those, on the guest's
//! absolute path, so `..` at a mount's root leaves the mount (as on Linux) and `..` above
//! `/` is refused (`PERM`, what wasmtime answers for a path that leaves its preopen).
//! Symbolic links are followed here too, for mounts that have them (host directories):
//! an absolute target is refused (`PERM`, as cap-std refuses it) and a relative one is
//! resolved inside the guest's tree, so no link leads outside a mount's host directory.
//!
//! Mount points and their ancestors always exist as directories, even when the mount below
//! has no such directory (a host directory mounted at `/` is never written to for that).

mod dev;
mod host;
mod mem;
mod state;

pub use dev::DevFs;
pub use host::HostFs;
pub use mem::MemFs;
pub use state::{StateKeys, StateMount};

use std::collections::VecDeque;
use std::sync::Arc;

use super::errno::{Errno, FsResult};

/// One path component: bytes, never empty, `.`, `..` or containing `/`.
pub type Name = Vec<u8>;

/// The kind of a file, as WASI reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Something WASI has no name for.
    Unknown,
    /// A character device (`/dev/null`, ...).
    CharDevice,
    /// A directory.
    Directory,
    /// A regular file.
    Regular,
    /// A symbolic link.
    Symlink,
}

impl FileKind {
    /// WASI's `filetype` number.
    pub fn wasi(self) -> u8 {
        match self {
            FileKind::Unknown => 0,
            FileKind::CharDevice => 2,
            FileKind::Directory => 3,
            FileKind::Regular => 4,
            FileKind::Symlink => 7,
        }
    }
}

/// A file's attributes. Times are nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// The kind.
    pub kind: FileKind,
    /// Size in bytes.
    pub size: u64,
    /// Hard links.
    pub nlink: u64,
    /// Inode number within its mount.
    pub ino: u64,
    /// Last access.
    pub atim: u64,
    /// Last data modification.
    pub mtim: u64,
    /// Last status change.
    pub ctim: u64,
}

impl Stat {
    /// A directory with the given times and nothing else known.
    pub fn synthetic_dir(time: u64) -> Stat {
        Stat {
            kind: FileKind::Directory,
            size: 0,
            nlink: 2,
            ino: 0,
            atim: time,
            mtim: time,
            ctim: time,
        }
    }
}

/// A directory entry (without `.` and `..`, which the VFS adds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The name.
    pub name: Name,
    /// The kind.
    pub kind: FileKind,
    /// Inode number within the mount (0 when the mount does not say).
    pub ino: u64,
}

/// How a file is opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// Reads allowed.
    pub read: bool,
    /// Writes allowed.
    pub write: bool,
    /// Create when missing.
    pub create: bool,
    /// With `create`: fail when it exists.
    pub exclusive: bool,
    /// Truncate to 0 bytes.
    pub truncate: bool,
}

/// A filesystem that can be mounted. Paths are relative to its root, already resolved by
/// the VFS; operations a filesystem does not have answer an errno, never a panic.
pub trait FileSystem: Send + Sync {
    /// Attributes of `path`, not following a final symbolic link.
    fn stat(&self, path: &[Name]) -> FsResult<Stat>;
    /// Opens the regular file or device at `path`.
    fn open(&self, path: &[Name], opts: &OpenOptions) -> FsResult<Box<dyn OpenFile>>;
    /// The entries of the directory at `path`.
    fn readdir(&self, path: &[Name]) -> FsResult<Vec<DirEntry>>;
    /// Creates a directory.
    fn mkdir(&self, path: &[Name]) -> FsResult<()>;
    /// Removes an empty directory.
    fn rmdir(&self, path: &[Name]) -> FsResult<()>;
    /// Removes a file (not a directory).
    fn unlink(&self, path: &[Name]) -> FsResult<()>;
    /// Renames within this filesystem.
    fn rename(&self, from: &[Name], to: &[Name]) -> FsResult<()>;
    /// Sets access and/or modification times (`None`: unchanged).
    fn set_times(&self, path: &[Name], atim: Option<u64>, mtim: Option<u64>) -> FsResult<()>;
    /// The target of the symbolic link at `path`.
    fn readlink(&self, _path: &[Name]) -> FsResult<Vec<u8>> {
        Err(Errno::INVAL)
    }
    /// Creates a symbolic link at `path` pointing to `target`.
    fn symlink(&self, _target: &[u8], _path: &[Name]) -> FsResult<()> {
        Err(Errno::PERM)
    }
    /// Creates a hard link `to` of `from`.
    fn link(&self, _from: &[Name], _to: &[Name]) -> FsResult<()> {
        Err(Errno::PERM)
    }
    /// Whether symbolic links can exist here (the VFS then checks every step of a path).
    fn has_symlinks(&self) -> bool {
        false
    }
}

/// An open regular file or device.
pub trait OpenFile: Send {
    /// Reads at `offset`; 0 at the end.
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> FsResult<usize>;
    /// Writes at `offset`.
    fn write_at(&mut self, data: &[u8], offset: u64) -> FsResult<usize>;
    /// Attributes.
    fn stat(&mut self) -> FsResult<Stat>;
    /// Truncates or extends with zeros.
    fn set_size(&mut self, size: u64) -> FsResult<()>;
    /// Sets access and/or modification times (`None`: unchanged).
    fn set_times(&mut self, atim: Option<u64>, mtim: Option<u64>) -> FsResult<()>;
    /// Makes what was written durable (for state: visible to the task's transaction).
    fn sync(&mut self) -> FsResult<()>;
}

struct Mount {
    at: Vec<Name>,
    fs: Arc<dyn FileSystem>,
}

/// A path resolved to the guest's absolute path (no `.`, `..` or followed links left).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The names from `/`.
    pub abs: Vec<Name>,
    /// The path ended in `/`: it must be a directory.
    pub dir_required: bool,
}

/// How many symbolic links one resolution may follow (Linux's `MAXSYMLINKS`).
const MAX_SYMLINK_HOPS: usize = 40;

/// The mount table.
pub struct Vfs {
    /// Longest mount point first, so the first prefix match is the innermost mount; the
    /// root is not among them.
    mounts: Vec<Mount>,
    /// The mount at `/`, which holds every path no other mount holds.
    root: Mount,
    /// The time synthetic directories (mount points) show.
    boot_time: u64,
}

/// Splits a guest path into names (empty components dropped: `a//b` is `a/b`).
pub fn split_path(path: &[u8]) -> Vec<Name> {
    path.split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

impl Vfs {
    /// A tree whose root is `root`.
    pub fn new(root: Arc<dyn FileSystem>, boot_time: u64) -> Self {
        Vfs {
            mounts: Vec::new(),
            root: Mount {
                at: Vec::new(),
                fs: root,
            },
            boot_time,
        }
    }

    /// Mounts `fs` at the absolute guest path `at` (replacing a mount already there).
    pub fn mount(&mut self, at: &[u8], fs: Arc<dyn FileSystem>) {
        let at = split_path(at);
        if at.is_empty() {
            self.root = Mount { at, fs };
            return;
        }
        self.mounts.retain(|m| m.at != at);
        self.mounts.push(Mount { at, fs });
        self.mounts.sort_by_key(|m| std::cmp::Reverse(m.at.len()));
    }

    /// The mount holding `abs`, its index (the device number less one) and the path inside.
    fn locate<'p>(&self, abs: &'p [Name]) -> (usize, &Mount, &'p [Name]) {
        for (i, m) in self.mounts.iter().enumerate() {
            if abs.starts_with(&m.at) {
                return (i + 1, m, &abs[m.at.len()..]);
            }
        }
        (0, &self.root, abs)
    }

    /// The device number of the mount holding `abs` (distinct per mount).
    pub fn device(&self, abs: &[Name]) -> u64 {
        self.locate(abs).0 as u64 + 1
    }

    /// Whether `abs` is a mount point or a directory leading to one.
    fn is_mount_ancestor(&self, abs: &[Name]) -> bool {
        self.mounts
            .iter()
            .any(|m| m.at.len() > abs.len() && m.at.starts_with(abs))
    }

    fn is_mount_point(&self, abs: &[Name]) -> bool {
        !abs.is_empty() && self.mounts.iter().any(|m| m.at == abs)
    }

    /// Attributes of `abs`, not following a final symbolic link.
    pub fn lstat(&self, abs: &[Name]) -> FsResult<Stat> {
        let (_, m, rel) = self.locate(abs);
        match m.fs.stat(rel) {
            Err(Errno::NOENT) if self.is_mount_ancestor(abs) => {
                Ok(Stat::synthetic_dir(self.boot_time))
            }
            r => r,
        }
    }

    /// Resolves `path` (relative; an absolute one is refused, as wasmtime refuses it)
    /// against the directory `base`, following symbolic links on the way and, when
    /// `follow_final`, at the end. The result may not exist.
    pub fn resolve(&self, base: &[Name], path: &[u8], follow_final: bool) -> FsResult<Resolved> {
        if path.is_empty() {
            return Err(Errno::NOENT);
        }
        if path.first() == Some(&b'/') {
            return Err(Errno::PERM);
        }
        let dir_required = path.last() == Some(&b'/');
        let mut stack = base.to_vec();
        let mut pending: VecDeque<Name> = split_path(path).into();
        let mut hops = 0;
        while let Some(name) = pending.pop_front() {
            let last = pending.is_empty();
            match name.as_slice() {
                b"." => continue,
                b".." => {
                    if stack.pop().is_none() {
                        return Err(Errno::PERM);
                    }
                    continue;
                }
                _ => stack.push(name),
            }
            let next_is_dotdot = pending.front().is_some_and(|n| n == b"..");
            let check = if last {
                follow_final || dir_required
            } else {
                next_is_dotdot || self.locate(&stack).1.fs.has_symlinks()
            };
            if !check {
                continue;
            }
            let stat = match self.lstat(&stack) {
                Ok(s) => s,
                Err(Errno::NOENT) if last => break,
                Err(e) => return Err(e),
            };
            match stat.kind {
                // A trailing `/` follows a final link too, as on Linux.
                FileKind::Symlink if !last || follow_final || dir_required => {
                    hops += 1;
                    if hops > MAX_SYMLINK_HOPS {
                        return Err(Errno::LOOP);
                    }
                    let target = self.readlink(&stack)?;
                    if target.first() == Some(&b'/') {
                        return Err(Errno::PERM);
                    }
                    stack.pop();
                    for n in split_path(&target).into_iter().rev() {
                        pending.push_front(n);
                    }
                }
                FileKind::Directory => {}
                _ if !last || dir_required => return Err(Errno::NOTDIR),
                _ => {}
            }
        }
        Ok(Resolved {
            abs: stack,
            dir_required,
        })
    }

    /// Opens the file at `abs` (a directory is the caller's to handle: `ISDIR` here).
    pub fn open(&self, abs: &[Name], opts: &OpenOptions) -> FsResult<Box<dyn OpenFile>> {
        if abs.is_empty() || self.is_mount_point(abs) {
            return Err(Errno::ISDIR);
        }
        let (_, m, rel) = self.locate(abs);
        m.fs.open(rel, opts)
    }

    /// The entries of the directory `abs`, mount points included, sorted by name.
    pub fn readdir(&self, abs: &[Name]) -> FsResult<Vec<DirEntry>> {
        let (_, m, rel) = self.locate(abs);
        let mut entries = match m.fs.readdir(rel) {
            Err(Errno::NOENT) if self.is_mount_ancestor(abs) => Vec::new(),
            r => r?,
        };
        for mount in &self.mounts {
            if mount.at.len() > abs.len() && mount.at.starts_with(abs) {
                let name = &mount.at[abs.len()];
                if !entries.iter().any(|e| &e.name == name) {
                    entries.push(DirEntry {
                        name: name.clone(),
                        kind: FileKind::Directory,
                        ino: 0,
                    });
                }
            }
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    /// The mount and path of `abs` for an operation that changes the entry itself: never a
    /// mount point or `/` (`BUSY`), nor a directory leading to one (`EXIST` on create).
    fn entry(&self, abs: &[Name]) -> FsResult<(&Mount, usize, Vec<Name>)> {
        if abs.is_empty() || self.is_mount_point(abs) {
            return Err(Errno::BUSY);
        }
        let (i, m, rel) = self.locate(abs);
        Ok((m, i, rel.to_vec()))
    }

    /// Creates a directory.
    pub fn mkdir(&self, abs: &[Name]) -> FsResult<()> {
        if abs.is_empty() || self.is_mount_ancestor(abs) || self.is_mount_point(abs) {
            return Err(Errno::EXIST);
        }
        let (m, _, rel) = self.entry(abs)?;
        m.fs.mkdir(&rel)
    }

    /// Removes an empty directory.
    pub fn rmdir(&self, abs: &[Name]) -> FsResult<()> {
        let (m, _, rel) = self.entry(abs)?;
        m.fs.rmdir(&rel)
    }

    /// Removes a file.
    pub fn unlink(&self, abs: &[Name]) -> FsResult<()> {
        if self.is_mount_ancestor(abs) || self.is_mount_point(abs) {
            return Err(Errno::ISDIR);
        }
        let (m, _, rel) = self.entry(abs)?;
        m.fs.unlink(&rel)
    }

    /// Renames within one mount (`XDEV` across mounts).
    pub fn rename(&self, from: &[Name], to: &[Name]) -> FsResult<()> {
        let (m, a, from) = self.entry(from)?;
        let (_, b, to) = self.entry(to)?;
        if a != b {
            return Err(Errno::XDEV);
        }
        m.fs.rename(&from, &to)
    }

    /// Makes a hard link within one mount.
    pub fn link(&self, from: &[Name], to: &[Name]) -> FsResult<()> {
        let (m, a, from) = self.entry(from)?;
        let (_, b, to) = self.entry(to)?;
        if a != b {
            return Err(Errno::XDEV);
        }
        m.fs.link(&from, &to)
    }

    /// Creates a symbolic link at `abs`. An absolute target is refused (`PERM`) on every
    /// mount, as wasmtime refuses it: no link may name a place outside the tree it is in.
    pub fn symlink(&self, target: &[u8], abs: &[Name]) -> FsResult<()> {
        if target.first() == Some(&b'/') {
            return Err(Errno::PERM);
        }
        if self.is_mount_ancestor(abs) {
            return Err(Errno::EXIST);
        }
        let (m, _, rel) = self.entry(abs)?;
        m.fs.symlink(target, &rel)
    }

    /// The target of the symbolic link at `abs`.
    pub fn readlink(&self, abs: &[Name]) -> FsResult<Vec<u8>> {
        let (_, m, rel) = self.locate(abs);
        m.fs.readlink(rel)
    }

    /// Sets times of `abs`.
    pub fn set_times(&self, abs: &[Name], atim: Option<u64>, mtim: Option<u64>) -> FsResult<()> {
        let (_, m, rel) = self.locate(abs);
        match m.fs.set_times(rel, atim, mtim) {
            // A synthetic directory has no times to keep.
            Err(Errno::NOENT) if self.is_mount_ancestor(abs) => Ok(()),
            r => r,
        }
    }
}

#[cfg(test)]
mod tests;

//! `HostFs`: a host directory mounted into the guest's tree (`--dir HOST::GUEST`), confined
//! with cap-std as wasmtime confines its preopens: every access is relative to an open
//! directory handle and cap-std refuses any path, `..` or symbolic link that would leave it.
//! The VFS resolves links itself first (so absolute targets are refused before cap-std sees
//! them); cap-std is the second wall.

use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

use cap_std::fs::{Dir, MetadataExt, OpenOptions as CapOpenOptions};

use super::{DirEntry, FileKind, FileSystem, Name, OpenFile, OpenOptions, Stat};
use crate::linux::errno::{Errno, FsResult};

/// A confined host directory.
pub struct HostFs {
    dir: Dir,
    read_only: bool,
}

impl HostFs {
    /// Mounts the host directory `path` (read-only when `read_only`: writes answer `ROFS`).
    pub fn open(path: &std::path::Path, read_only: bool) -> std::io::Result<Self> {
        let dir = Dir::open_ambient_dir(path, cap_std::ambient_authority())?;
        Ok(HostFs { dir, read_only })
    }

    fn writable(&self) -> FsResult<()> {
        if self.read_only {
            Err(Errno::ROFS)
        } else {
            Ok(())
        }
    }
}

/// The host path for `names` (relative; `.` for the root).
fn rel(names: &[Name]) -> FsResult<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    let mut p = PathBuf::from(".");
    for n in names {
        p.push(std::ffi::OsStr::from_bytes(n));
    }
    Ok(p)
}

fn kind_of(ft: cap_std::fs::FileType) -> FileKind {
    use cap_std::fs::FileTypeExt;
    if ft.is_dir() {
        FileKind::Directory
    } else if ft.is_file() {
        FileKind::Regular
    } else if ft.is_symlink() {
        FileKind::Symlink
    } else if ft.is_char_device() {
        FileKind::CharDevice
    } else {
        FileKind::Unknown
    }
}

fn ns(sec: i64, nsec: i64) -> u64 {
    (sec.max(0) as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(nsec.max(0) as u64)
}

fn stat_of(m: &cap_std::fs::Metadata) -> Stat {
    Stat {
        kind: kind_of(m.file_type()),
        size: m.len(),
        nlink: m.nlink(),
        ino: m.ino(),
        atim: ns(m.atime(), m.atime_nsec()),
        mtim: ns(m.mtime(), m.mtime_nsec()),
        ctim: ns(m.ctime(), m.ctime_nsec()),
    }
}

fn file_times(atim: Option<u64>, mtim: Option<u64>) -> std::fs::FileTimes {
    let at = |ns: u64| UNIX_EPOCH + Duration::from_nanos(ns);
    let mut t = std::fs::FileTimes::new();
    if let Some(a) = atim {
        t = t.set_accessed(at(a));
    }
    if let Some(m) = mtim {
        t = t.set_modified(at(m));
    }
    t
}

impl FileSystem for HostFs {
    fn stat(&self, path: &[Name]) -> FsResult<Stat> {
        Ok(stat_of(&self.dir.symlink_metadata(rel(path)?)?))
    }

    fn open(&self, path: &[Name], opts: &OpenOptions) -> FsResult<Box<dyn OpenFile>> {
        if opts.write || opts.create || opts.truncate {
            self.writable()?;
        }
        let mut o = CapOpenOptions::new();
        o.read(opts.read || !opts.write)
            .write(opts.write || opts.truncate)
            .truncate(opts.truncate);
        if opts.create && opts.exclusive {
            o.create_new(true);
        } else if opts.create {
            o.create(true);
        }
        let file = self.dir.open_with(rel(path)?, &o)?.into_std();
        if file.metadata().map_err(Errno::from)?.is_dir() {
            return Err(Errno::ISDIR);
        }
        Ok(Box::new(HostFile { file }))
    }

    fn readdir(&self, path: &[Name]) -> FsResult<Vec<DirEntry>> {
        use std::os::unix::ffi::OsStrExt;
        let mut out = Vec::new();
        for entry in self.dir.read_dir(rel(path)?)? {
            let entry = entry?;
            out.push(DirEntry {
                name: entry.file_name().as_bytes().to_vec(),
                kind: kind_of(entry.file_type()?),
                ino: std::os::unix::fs::DirEntryExt::ino(&entry),
            });
        }
        Ok(out)
    }

    fn mkdir(&self, path: &[Name]) -> FsResult<()> {
        self.writable()?;
        Ok(self.dir.create_dir(rel(path)?)?)
    }

    fn rmdir(&self, path: &[Name]) -> FsResult<()> {
        self.writable()?;
        Ok(self.dir.remove_dir(rel(path)?)?)
    }

    fn unlink(&self, path: &[Name]) -> FsResult<()> {
        self.writable()?;
        Ok(self.dir.remove_file(rel(path)?)?)
    }

    fn rename(&self, from: &[Name], to: &[Name]) -> FsResult<()> {
        self.writable()?;
        Ok(self.dir.rename(rel(from)?, &self.dir, rel(to)?)?)
    }

    fn set_times(&self, path: &[Name], atim: Option<u64>, mtim: Option<u64>) -> FsResult<()> {
        self.writable()?;
        let p = rel(path)?;
        let file = if self.dir.symlink_metadata(&p)?.is_dir() {
            self.dir.open_dir(&p)?.into_std_file()
        } else {
            self.dir.open(&p)?.into_std()
        };
        Ok(file.set_times(file_times(atim, mtim))?)
    }

    fn readlink(&self, path: &[Name]) -> FsResult<Vec<u8>> {
        use std::os::unix::ffi::OsStrExt;
        let target = self.dir.read_link_contents(rel(path)?)?;
        Ok(target.as_os_str().as_bytes().to_vec())
    }

    fn symlink(&self, target: &[u8], path: &[Name]) -> FsResult<()> {
        use std::os::unix::ffi::OsStrExt;
        self.writable()?;
        let target = std::path::Path::new(std::ffi::OsStr::from_bytes(target));
        Ok(self.dir.symlink(target, rel(path)?)?)
    }

    fn link(&self, from: &[Name], to: &[Name]) -> FsResult<()> {
        self.writable()?;
        Ok(self.dir.hard_link(rel(from)?, &self.dir, rel(to)?)?)
    }

    fn has_symlinks(&self) -> bool {
        true
    }
}

/// An open host file.
struct HostFile {
    file: std::fs::File,
}

impl OpenFile for HostFile {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> FsResult<usize> {
        Ok(self.file.read_at(buf, offset)?)
    }

    fn write_at(&mut self, data: &[u8], offset: u64) -> FsResult<usize> {
        Ok(self.file.write_at(data, offset)?)
    }

    fn stat(&mut self) -> FsResult<Stat> {
        Ok(stat_of(&cap_std::fs::Metadata::from_file(&self.file)?))
    }

    fn set_size(&mut self, size: u64) -> FsResult<()> {
        Ok(self.file.set_len(size)?)
    }

    fn set_times(&mut self, atim: Option<u64>, mtim: Option<u64>) -> FsResult<()> {
        Ok(self.file.set_times(file_times(atim, mtim))?)
    }

    fn sync(&mut self) -> FsResult<()> {
        Ok(self.file.sync_all()?)
    }
}

//! `/dev`: `null`, `zero`, `urandom` (the task's deterministic random stream), and `stdin`,
//! `stdout`, `stderr` (the task's standard streams).

use std::sync::Arc;

use super::{DirEntry, FileKind, FileSystem, Name, OpenFile, OpenOptions, Stat};
use crate::linux::clock::TaskRandom;
use crate::linux::errno::{Errno, FsResult};
use crate::linux::stdio::{OutputStream, Stdio};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Device {
    Null,
    Zero,
    Urandom,
    Stdin,
    Stdout,
    Stderr,
}

const DEVICES: [(&[u8], Device); 6] = [
    (b"null", Device::Null),
    (b"zero", Device::Zero),
    (b"urandom", Device::Urandom),
    (b"stdin", Device::Stdin),
    (b"stdout", Device::Stdout),
    (b"stderr", Device::Stderr),
];

/// The device directory.
pub struct DevFs {
    stdio: Arc<Stdio>,
    random: Arc<TaskRandom>,
    boot_time: u64,
}

impl DevFs {
    /// Devices over the task's streams and random stream.
    pub fn new(stdio: Arc<Stdio>, random: Arc<TaskRandom>, boot_time: u64) -> Self {
        DevFs {
            stdio,
            random,
            boot_time,
        }
    }

    fn device(path: &[Name]) -> FsResult<Option<(u64, Device)>> {
        match path {
            [] => Ok(None),
            [name] => DEVICES
                .iter()
                .zip(2u64..)
                .find(|((n, _), _)| n == name)
                .map(|((_, d), ino)| Some((ino, *d)))
                .ok_or(Errno::NOENT),
            _ => Err(Errno::NOTDIR),
        }
    }

    fn stat_of(&self, ino: u64, kind: FileKind) -> Stat {
        Stat {
            kind,
            size: 0,
            nlink: if kind == FileKind::Directory { 2 } else { 1 },
            ino,
            atim: self.boot_time,
            mtim: self.boot_time,
            ctim: self.boot_time,
        }
    }
}

impl FileSystem for DevFs {
    fn stat(&self, path: &[Name]) -> FsResult<Stat> {
        Ok(match Self::device(path)? {
            None => self.stat_of(1, FileKind::Directory),
            Some((ino, _)) => self.stat_of(ino, FileKind::CharDevice),
        })
    }

    fn open(&self, path: &[Name], opts: &OpenOptions) -> FsResult<Box<dyn OpenFile>> {
        let (ino, device) = Self::device(path)?.ok_or(Errno::ISDIR)?;
        if opts.create && opts.exclusive {
            return Err(Errno::EXIST);
        }
        Ok(Box::new(DevFile {
            device,
            stat: self.stat_of(ino, FileKind::CharDevice),
            stdio: self.stdio.clone(),
            random: self.random.clone(),
        }))
    }

    fn readdir(&self, path: &[Name]) -> FsResult<Vec<DirEntry>> {
        if Self::device(path)?.is_some() {
            return Err(Errno::NOTDIR);
        }
        Ok(DEVICES
            .iter()
            .zip(2u64..)
            .map(|((name, _), ino)| DirEntry {
                name: name.to_vec(),
                kind: FileKind::CharDevice,
                ino,
            })
            .collect())
    }

    fn mkdir(&self, path: &[Name]) -> FsResult<()> {
        match Self::device(path) {
            Ok(_) => Err(Errno::EXIST),
            Err(Errno::NOENT) => Err(Errno::PERM),
            Err(e) => Err(e),
        }
    }

    fn rmdir(&self, path: &[Name]) -> FsResult<()> {
        Self::device(path)?;
        Err(Errno::NOTDIR)
    }

    fn unlink(&self, path: &[Name]) -> FsResult<()> {
        Self::device(path)?;
        Err(Errno::PERM)
    }

    fn rename(&self, from: &[Name], _to: &[Name]) -> FsResult<()> {
        Self::device(from)?;
        Err(Errno::PERM)
    }

    fn set_times(&self, path: &[Name], _atim: Option<u64>, _mtim: Option<u64>) -> FsResult<()> {
        // Devices keep their boot time; changing it is accepted and has no effect.
        Self::device(path).map(drop)
    }
}

struct DevFile {
    device: Device,
    stat: Stat,
    stdio: Arc<Stdio>,
    random: Arc<TaskRandom>,
}

impl OpenFile for DevFile {
    fn read_at(&mut self, buf: &mut [u8], _offset: u64) -> FsResult<usize> {
        match self.device {
            Device::Null => Ok(0),
            // The output streams have no read side, as a pipe's write end has none.
            Device::Stdout | Device::Stderr => Err(Errno::BADF),
            Device::Zero => {
                buf.fill(0);
                Ok(buf.len())
            }
            Device::Urandom => {
                self.random.fill(buf);
                Ok(buf.len())
            }
            Device::Stdin => self.stdio.read(buf),
        }
    }

    fn write_at(&mut self, data: &[u8], _offset: u64) -> FsResult<usize> {
        match self.device {
            Device::Null | Device::Zero | Device::Urandom => Ok(data.len()),
            Device::Stdin => Err(Errno::BADF),
            Device::Stdout => self.stdio.write(OutputStream::Stdout, data),
            Device::Stderr => self.stdio.write(OutputStream::Stderr, data),
        }
    }

    fn stat(&mut self) -> FsResult<Stat> {
        Ok(self.stat)
    }

    fn set_size(&mut self, _size: u64) -> FsResult<()> {
        Err(Errno::INVAL)
    }

    fn set_times(&mut self, _atim: Option<u64>, _mtim: Option<u64>) -> FsResult<()> {
        Ok(())
    }

    fn sync(&mut self) -> FsResult<()> {
        Err(Errno::INVAL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linux::stdio::Capture;

    #[test]
    fn devices_read_and_write_as_on_linux() {
        let out = Capture::new();
        let stdio = Stdio::new(
            Box::new(&b"typed"[..]),
            Box::new(out.clone()),
            Box::new(Capture::new()),
            1 << 10,
            std::time::Instant::now(),
        );
        let dev = DevFs::new(Arc::new(stdio), Arc::new(TaskRandom::new([3; 32])), 9);
        let open = |name: &str| {
            let opts = OpenOptions {
                read: true,
                write: true,
                ..OpenOptions::default()
            };
            dev.open(&[name.as_bytes().to_vec()], &opts)
        };
        let mut buf = [7u8; 4];
        let (Ok(mut null), Ok(mut zero), Ok(mut stdin), Ok(mut stdout)) =
            (open("null"), open("zero"), open("stdin"), open("stdout"))
        else {
            panic!("every device opens");
        };
        assert_eq!(null.read_at(&mut buf, 0), Ok(0));
        assert_eq!(null.write_at(b"gone", 0), Ok(4));
        assert_eq!((zero.read_at(&mut buf, 0), buf), (Ok(4), [0; 4]));
        assert_eq!(stdin.read_at(&mut buf, 0), Ok(4));
        assert_eq!(&buf, b"type");
        assert_eq!(stdin.write_at(b"x", 0), Err(Errno::BADF));
        assert_eq!(stdout.write_at(b"out", 0), Ok(3));
        assert_eq!(stdout.read_at(&mut buf, 0), Err(Errno::BADF));
        assert_eq!(out.bytes(), b"out");
        assert_eq!(
            dev.stat(&[b"urandom".to_vec()]).map(|s| s.kind),
            Ok(FileKind::CharDevice)
        );
        assert_eq!(
            dev.stat(&[b"tty".to_vec()]).map(|s| s.kind),
            Err(Errno::NOENT)
        );
        assert!(matches!(open("tty"), Err(Errno::NOENT)));
    }
}

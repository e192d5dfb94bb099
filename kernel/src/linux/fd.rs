//! A task's file descriptor table: what each number refers to, with its offset, flags and
//! rights. Numbers are handed out as wasmtime-wasi hands them out: the highest number freed
//! first, else one past the highest in use.

use std::collections::{BTreeMap, BTreeSet};

use super::errno::{Errno, FsResult};
use super::vfs::{FileKind, Name, OpenFile};

/// An open regular file or device.
pub struct OpenDesc {
    /// The file.
    pub file: Box<dyn OpenFile>,
    /// Its kind (regular file or character device).
    pub kind: FileKind,
    /// The guest path it was opened at (its device number comes from it).
    pub abs: Vec<Name>,
    /// The offset of `fd_read`/`fd_write`.
    pub pos: u64,
    /// Every write goes to the end.
    pub append: bool,
    /// `fd_fdstat_set_flags` asked for non-blocking I/O (reported, not acted on: files
    /// never block, as in wasmtime).
    pub nonblock: bool,
    /// Opened for reading.
    pub read: bool,
    /// Opened for writing.
    pub write: bool,
}

/// What a descriptor refers to.
pub enum Descriptor {
    /// The task's standard input.
    Stdin,
    /// The task's standard output.
    Stdout,
    /// The task's standard error.
    Stderr,
    /// A directory (by guest path; a preopen has its name).
    Dir {
        /// The guest path.
        abs: Vec<Name>,
        /// The name `fd_prestat_dir_name` reports, for a preopened directory.
        preopen: Option<String>,
    },
    /// A file.
    File(OpenDesc),
}

/// The descriptor table.
#[derive(Default)]
pub struct FdTable {
    used: BTreeMap<u32, Descriptor>,
    free: BTreeSet<u32>,
}

impl FdTable {
    /// An empty table.
    pub fn new() -> Self {
        FdTable::default()
    }

    /// Adds `d` under the next number.
    pub fn push(&mut self, d: Descriptor) -> FsResult<u32> {
        let fd = match self.free.pop_last() {
            Some(fd) => fd,
            None => match self.used.last_key_value() {
                Some((&last, _)) => last.checked_add(1).ok_or(Errno::MFILE)?,
                None => 0,
            },
        };
        self.used.insert(fd, d);
        Ok(fd)
    }

    /// The descriptor `fd`.
    pub fn get(&self, fd: u32) -> FsResult<&Descriptor> {
        self.used.get(&fd).ok_or(Errno::BADF)
    }

    /// The descriptor `fd`, mutably.
    pub fn get_mut(&mut self, fd: u32) -> FsResult<&mut Descriptor> {
        self.used.get_mut(&fd).ok_or(Errno::BADF)
    }

    /// The open file `fd` (`BADF` for anything else).
    pub fn file(&mut self, fd: u32) -> FsResult<&mut OpenDesc> {
        match self.used.get_mut(&fd) {
            Some(Descriptor::File(f)) => Ok(f),
            _ => Err(Errno::BADF),
        }
    }

    /// The open file `fd` for seeking: `SPIPE` for standard streams, `BADF` otherwise.
    pub fn seekable(&mut self, fd: u32) -> FsResult<&mut OpenDesc> {
        match self.used.get_mut(&fd) {
            Some(Descriptor::File(f)) => Ok(f),
            Some(Descriptor::Stdin | Descriptor::Stdout | Descriptor::Stderr) => Err(Errno::SPIPE),
            _ => Err(Errno::BADF),
        }
    }

    /// The guest path of directory `fd` (`BADF` for anything else).
    pub fn dir(&self, fd: u32) -> FsResult<&[Name]> {
        match self.used.get(&fd) {
            Some(Descriptor::Dir { abs, .. }) => Ok(abs),
            _ => Err(Errno::BADF),
        }
    }

    /// Removes `fd`; dropping the descriptor closes it.
    pub fn remove(&mut self, fd: u32) -> FsResult<Descriptor> {
        let d = self.used.remove(&fd).ok_or(Errno::BADF)?;
        self.free.insert(fd);
        Ok(d)
    }

    /// Moves `from` over `to` (closing what `to` was).
    pub fn renumber(&mut self, from: u32, to: u32) -> FsResult<()> {
        if !self.used.contains_key(&from) || !self.used.contains_key(&to) {
            return Err(Errno::BADF);
        }
        if from == to {
            return Ok(());
        }
        let d = self.remove(from)?;
        self.used.insert(to, d);
        self.free.remove(&to);
        Ok(())
    }

    /// Closes everything (in descriptor order).
    pub fn close_all(&mut self) {
        while self.used.pop_first().is_some() {}
        self.free.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_reused_as_wasmtime_reuses_them() {
        let mut t = FdTable::new();
        for want in 0..5 {
            assert_eq!(t.push(Descriptor::Stdin), Ok(want));
        }
        t.remove(1).map(drop).unwrap_or_default();
        t.remove(3).map(drop).unwrap_or_default();
        assert_eq!(t.push(Descriptor::Stdout), Ok(3), "highest freed first");
        assert_eq!(t.push(Descriptor::Stdout), Ok(1));
        assert_eq!(t.push(Descriptor::Stdout), Ok(5));
        assert!(matches!(t.remove(9), Err(Errno::BADF)));
        assert_eq!(t.renumber(5, 0), Ok(()));
        assert!(matches!(t.get(5), Err(Errno::BADF)));
        assert!(matches!(t.get(0), Ok(Descriptor::Stdout)));
        assert_eq!(t.push(Descriptor::Stdin), Ok(5));
        assert!(matches!(t.seekable(0), Err(Errno::SPIPE)));
    }
}

//! `MemFs`: a filesystem in memory, for the kernel's root and a task's private `/tmp`, with
//! directories, files, hard links and symbolic links, as tmpfs has them.
//! Gone with the task. Its size is bounded (`NOSPC` past the budget) so that a guest cannot
//! exhaust the host's memory through it; times come from the task's clock.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use parking_lot::Mutex;

use super::{DirEntry, FileKind, FileSystem, Name, OpenFile, OpenOptions, Stat};
use crate::linux::clock::TaskClock;
use crate::linux::errno::{Errno, FsResult};

const ROOT: u64 = 1;

enum Body {
    Dir(BTreeMap<Name, u64>),
    File(Vec<u8>),
    /// A symbolic link's target (the VFS follows it).
    Symlink(Vec<u8>),
}

struct Node {
    body: Body,
    nlink: u64,
    /// Open handles.
    open: u64,
    atim: u64,
    mtim: u64,
    ctim: u64,
}

struct Tree {
    nodes: HashMap<u64, Node>,
    next_ino: u64,
    /// Bytes of file data held.
    used: u64,
    capacity: u64,
}

/// An in-memory filesystem.
pub struct MemFs {
    tree: Arc<Mutex<Tree>>,
    clock: Arc<TaskClock>,
}

impl Tree {
    fn node(&self, ino: u64) -> FsResult<&Node> {
        self.nodes.get(&ino).ok_or(Errno::NOENT)
    }

    fn node_mut(&mut self, ino: u64) -> FsResult<&mut Node> {
        self.nodes.get_mut(&ino).ok_or(Errno::NOENT)
    }

    fn children(&self, ino: u64) -> FsResult<&BTreeMap<Name, u64>> {
        match &self.node(ino)?.body {
            Body::Dir(c) => Ok(c),
            Body::File(_) | Body::Symlink(_) => Err(Errno::NOTDIR),
        }
    }

    fn children_mut(&mut self, ino: u64) -> FsResult<&mut BTreeMap<Name, u64>> {
        match &mut self.node_mut(ino)?.body {
            Body::Dir(c) => Ok(c),
            Body::File(_) | Body::Symlink(_) => Err(Errno::NOTDIR),
        }
    }

    fn walk(&self, path: &[Name]) -> FsResult<u64> {
        let mut ino = ROOT;
        for name in path {
            ino = *self.children(ino)?.get(name).ok_or(Errno::NOENT)?;
        }
        Ok(ino)
    }

    /// The parent directory of `path` and the last name (`BUSY` for the root itself).
    fn parent<'p>(&self, path: &'p [Name]) -> FsResult<(u64, &'p Name)> {
        let (name, dir) = path.split_last().ok_or(Errno::BUSY)?;
        let parent = self.walk(dir)?;
        self.children(parent)?;
        Ok((parent, name))
    }

    fn add(&mut self, parent: u64, name: &Name, body: Body, now: u64) -> FsResult<u64> {
        let ino = self.next_ino;
        self.next_ino += 1;
        self.nodes.insert(
            ino,
            Node {
                body,
                nlink: 1,
                open: 0,
                atim: now,
                mtim: now,
                ctim: now,
            },
        );
        self.children_mut(parent)?.insert(name.clone(), ino);
        self.touch(parent, now);
        Ok(ino)
    }

    fn touch(&mut self, ino: u64, now: u64) {
        if let Some(n) = self.nodes.get_mut(&ino) {
            n.mtim = now;
            n.ctim = now;
        }
    }

    /// Forgets one name of `ino`; the node and its data go once it has no name and no
    /// open handle (an unlinked file stays usable through its open descriptors, as on Linux).
    fn release(&mut self, ino: u64) {
        if let Some(n) = self.nodes.get_mut(&ino) {
            n.nlink = n.nlink.saturating_sub(1);
        }
        self.collect(ino);
    }

    fn collect(&mut self, ino: u64) {
        if self
            .nodes
            .get(&ino)
            .is_some_and(|n| n.nlink == 0 && n.open == 0)
        {
            if let Some(Node {
                body: Body::File(data),
                ..
            }) = self.nodes.remove(&ino)
            {
                self.used = self.used.saturating_sub(data.len() as u64);
            }
        }
    }

    fn stat(&self, ino: u64) -> FsResult<Stat> {
        let n = self.node(ino)?;
        let (kind, size, nlink) = match &n.body {
            Body::Dir(c) => (FileKind::Directory, 0, 2 + c.len() as u64),
            Body::File(d) => (FileKind::Regular, d.len() as u64, n.nlink),
            Body::Symlink(t) => (FileKind::Symlink, t.len() as u64, n.nlink),
        };
        Ok(Stat {
            kind,
            size,
            nlink,
            ino,
            atim: n.atim,
            mtim: n.mtim,
            ctim: n.ctim,
        })
    }

    fn resize(&mut self, ino: u64, size: u64, now: u64) -> FsResult<()> {
        let (used, capacity) = (self.used, self.capacity);
        let n = self.node_mut(ino)?;
        let data = match &mut n.body {
            Body::File(data) => data,
            Body::Dir(_) => return Err(Errno::ISDIR),
            Body::Symlink(_) => return Err(Errno::INVAL),
        };
        let old = data.len() as u64;
        if size > old && used.saturating_add(size - old) > capacity {
            return Err(Errno::NOSPC);
        }
        let new_len = usize::try_from(size).map_err(|_| Errno::FBIG)?;
        data.resize(new_len, 0);
        n.mtim = now;
        n.ctim = now;
        self.used = used - old + size;
        Ok(())
    }
}

impl MemFs {
    /// An empty filesystem holding at most `capacity` bytes of file data.
    pub fn new(clock: Arc<TaskClock>, capacity: u64) -> Self {
        let now = clock.realtime();
        let root = Node {
            body: Body::Dir(BTreeMap::new()),
            nlink: 2,
            open: 0,
            atim: now,
            mtim: now,
            ctim: now,
        };
        let tree = Tree {
            nodes: HashMap::from([(ROOT, root)]),
            next_ino: ROOT + 1,
            used: 0,
            capacity,
        };
        MemFs {
            tree: Arc::new(Mutex::new(tree)),
            clock,
        }
    }

    /// Creates `path` and its missing parents as directories (for mount points).
    pub fn mkdir_all(&self, path: &[Name]) -> FsResult<()> {
        for i in 1..=path.len() {
            match self.mkdir(&path[..i]) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn now(&self) -> u64 {
        self.clock.realtime()
    }
}

impl FileSystem for MemFs {
    fn stat(&self, path: &[Name]) -> FsResult<Stat> {
        let t = self.tree.lock();
        t.stat(t.walk(path)?)
    }

    fn open(&self, path: &[Name], opts: &OpenOptions) -> FsResult<Box<dyn OpenFile>> {
        let now = self.now();
        let mut t = self.tree.lock();
        let ino = match t.walk(path) {
            Ok(_) if opts.create && opts.exclusive => return Err(Errno::EXIST),
            Ok(ino) => ino,
            Err(Errno::NOENT) if opts.create => {
                let (parent, name) = t.parent(path)?;
                t.add(parent, name, Body::File(Vec::new()), now)?
            }
            Err(e) => return Err(e),
        };
        match t.node(ino)?.body {
            Body::Dir(_) => return Err(Errno::ISDIR),
            // The VFS resolved the links it follows: opening one itself is O_NOFOLLOW's ELOOP.
            Body::Symlink(_) => return Err(Errno::LOOP),
            Body::File(_) => {}
        }
        if opts.truncate {
            t.resize(ino, 0, now)?;
        }
        t.node_mut(ino)?.open += 1;
        Ok(Box::new(MemFile {
            tree: self.tree.clone(),
            clock: self.clock.clone(),
            ino,
        }))
    }

    fn readdir(&self, path: &[Name]) -> FsResult<Vec<DirEntry>> {
        let t = self.tree.lock();
        let dir = t.walk(path)?;
        let mut out = Vec::new();
        for (name, &ino) in t.children(dir)? {
            out.push(DirEntry {
                name: name.clone(),
                kind: t.stat(ino)?.kind,
                ino,
            });
        }
        Ok(out)
    }

    fn mkdir(&self, path: &[Name]) -> FsResult<()> {
        let now = self.now();
        let mut t = self.tree.lock();
        let (parent, name) = t.parent(path)?;
        if t.children(parent)?.contains_key(name) {
            return Err(Errno::EXIST);
        }
        t.add(parent, name, Body::Dir(BTreeMap::new()), now)
            .map(drop)
    }

    fn rmdir(&self, path: &[Name]) -> FsResult<()> {
        let now = self.now();
        let mut t = self.tree.lock();
        let (parent, name) = t.parent(path)?;
        let ino = *t.children(parent)?.get(name).ok_or(Errno::NOENT)?;
        if !t.children(ino)?.is_empty() {
            return Err(Errno::NOTEMPTY);
        }
        t.children_mut(parent)?.remove(name);
        t.nodes.remove(&ino);
        t.touch(parent, now);
        Ok(())
    }

    fn unlink(&self, path: &[Name]) -> FsResult<()> {
        let now = self.now();
        let mut t = self.tree.lock();
        let (parent, name) = t.parent(path)?;
        let ino = *t.children(parent)?.get(name).ok_or(Errno::NOENT)?;
        if let Body::Dir(_) = t.node(ino)?.body {
            return Err(Errno::ISDIR);
        }
        t.children_mut(parent)?.remove(name);
        t.release(ino);
        t.touch(parent, now);
        Ok(())
    }

    fn rename(&self, from: &[Name], to: &[Name]) -> FsResult<()> {
        let now = self.now();
        let mut t = self.tree.lock();
        let (src_dir, src_name) = t.parent(from)?;
        let ino = *t.children(src_dir)?.get(src_name).ok_or(Errno::NOENT)?;
        let (dst_dir, dst_name) = t.parent(to)?;
        if from == to {
            return Ok(());
        }
        let moving_dir = matches!(t.node(ino)?.body, Body::Dir(_));
        // A directory cannot move inside itself.
        if moving_dir && to.starts_with(from) {
            return Err(Errno::INVAL);
        }
        if let Some(&old) = t.children(dst_dir)?.get(dst_name) {
            match (&t.node(old)?.body, moving_dir) {
                (Body::Dir(c), true) if !c.is_empty() => return Err(Errno::NOTEMPTY),
                (Body::Dir(_), true) => {
                    t.nodes.remove(&old);
                }
                (Body::Dir(_), false) => return Err(Errno::ISDIR),
                (Body::File(_) | Body::Symlink(_), true) => return Err(Errno::NOTDIR),
                (Body::File(_) | Body::Symlink(_), false) => t.release(old),
            }
        }
        t.children_mut(src_dir)?.remove(src_name);
        t.children_mut(dst_dir)?.insert(dst_name.clone(), ino);
        t.touch(src_dir, now);
        t.touch(dst_dir, now);
        if let Ok(n) = t.node_mut(ino) {
            n.ctim = now;
        }
        Ok(())
    }

    fn set_times(&self, path: &[Name], atim: Option<u64>, mtim: Option<u64>) -> FsResult<()> {
        let now = self.now();
        let mut t = self.tree.lock();
        let ino = t.walk(path)?;
        set_node_times(t.node_mut(ino)?, atim, mtim, now);
        Ok(())
    }

    fn readlink(&self, path: &[Name]) -> FsResult<Vec<u8>> {
        let t = self.tree.lock();
        match &t.node(t.walk(path)?)?.body {
            Body::Symlink(target) => Ok(target.clone()),
            _ => Err(Errno::INVAL),
        }
    }

    fn symlink(&self, target: &[u8], path: &[Name]) -> FsResult<()> {
        let now = self.now();
        let mut t = self.tree.lock();
        let (parent, name) = t.parent(path)?;
        if t.children(parent)?.contains_key(name) {
            return Err(Errno::EXIST);
        }
        t.add(parent, name, Body::Symlink(target.to_vec()), now)
            .map(drop)
    }

    fn has_symlinks(&self) -> bool {
        true
    }

    fn link(&self, from: &[Name], to: &[Name]) -> FsResult<()> {
        let now = self.now();
        let mut t = self.tree.lock();
        let ino = t.walk(from)?;
        if let Body::Dir(_) = t.node(ino)?.body {
            return Err(Errno::PERM);
        }
        let (dst_dir, dst_name) = t.parent(to)?;
        if t.children(dst_dir)?.contains_key(dst_name) {
            return Err(Errno::EXIST);
        }
        t.children_mut(dst_dir)?.insert(dst_name.clone(), ino);
        let n = t.node_mut(ino)?;
        n.nlink += 1;
        n.ctim = now;
        t.touch(dst_dir, now);
        Ok(())
    }
}

fn set_node_times(n: &mut Node, atim: Option<u64>, mtim: Option<u64>, now: u64) {
    if let Some(a) = atim {
        n.atim = a;
    }
    if let Some(m) = mtim {
        n.mtim = m;
    }
    n.ctim = now;
}

/// An open file of a `MemFs`.
struct MemFile {
    tree: Arc<Mutex<Tree>>,
    clock: Arc<TaskClock>,
    ino: u64,
}

impl Drop for MemFile {
    fn drop(&mut self) {
        let mut t = self.tree.lock();
        if let Some(n) = t.nodes.get_mut(&self.ino) {
            n.open = n.open.saturating_sub(1);
        }
        t.collect(self.ino);
    }
}

impl OpenFile for MemFile {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> FsResult<usize> {
        let t = self.tree.lock();
        let Ok(Node {
            body: Body::File(data),
            ..
        }) = t.node(self.ino)
        else {
            return Ok(0);
        };
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(data.len());
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        Ok(n)
    }

    fn write_at(&mut self, bytes: &[u8], offset: u64) -> FsResult<usize> {
        let now = self.clock.realtime();
        let mut t = self.tree.lock();
        let end = offset.checked_add(bytes.len() as u64).ok_or(Errno::FBIG)?;
        let size = t.stat(self.ino)?.size;
        if end > size {
            t.resize(self.ino, end, now)?;
        }
        let n = t.node_mut(self.ino)?;
        let Body::File(data) = &mut n.body else {
            return Err(Errno::BADF);
        };
        // `end` fits: the resize above made the file at least that long.
        let start = offset as usize;
        data[start..start + bytes.len()].copy_from_slice(bytes);
        n.mtim = now;
        n.ctim = now;
        Ok(bytes.len())
    }

    fn stat(&mut self) -> FsResult<Stat> {
        self.tree.lock().stat(self.ino)
    }

    fn set_size(&mut self, size: u64) -> FsResult<()> {
        let now = self.clock.realtime();
        self.tree.lock().resize(self.ino, size, now)
    }

    fn set_times(&mut self, atim: Option<u64>, mtim: Option<u64>) -> FsResult<()> {
        let now = self.clock.realtime();
        let mut t = self.tree.lock();
        set_node_times(t.node_mut(self.ino)?, atim, mtim, now);
        Ok(())
    }

    fn sync(&mut self) -> FsResult<()> {
        Ok(())
    }
}

//! `StateFs` driven directly (no transport) over a real RocksDB store in a temp dir.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use super::*;
use crate::store::Store;

/// A `StateFs` on a store of its own (autocommit, or bound: see `bound_tests`).
pub(super) struct Fixture {
    pub(super) _dir: tempfile::TempDir,
    pub(super) fs: Arc<StateFs>,
    pub(super) ctx: Ctx,
}

pub(super) fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    Fixture {
        _dir: dir,
        fs: Arc::new(StateFs::new(store, false)),
        ctx: Ctx::default(),
    }
}

pub(super) const RW: OpenFlags = OpenFlags {
    read: true,
    write: true,
    append: false,
    truncate: false,
};

impl Fixture {
    pub(super) fn account(&self, name: &str) -> u64 {
        self.fs
            .mkdir(&self.ctx, ROOT_INO, name.as_bytes(), 0o755)
            .unwrap()
            .ino
    }

    pub(super) fn write_file(&self, dir: u64, name: &str, data: &[u8]) -> u64 {
        let (attr, fh) = self
            .fs
            .create(&self.ctx, dir, name.as_bytes(), RW, 0o644, false)
            .unwrap();
        self.fs.write(&self.ctx, fh, 0, data).unwrap();
        self.fs.release(&self.ctx, fh).unwrap();
        attr.ino
    }

    pub(super) fn read_file(&self, dir: u64, name: &str) -> Vec<u8> {
        let ino = self.fs.lookup(dir, name.as_bytes()).unwrap().ino;
        let fh = self.fs.open(&self.ctx, ino, RW).unwrap();
        let data = self.fs.read(fh, 0, 1 << 23).unwrap();
        self.fs.release(&self.ctx, fh).unwrap();
        data
    }

    pub(super) fn list(&self, dir: u64) -> Vec<String> {
        let dh = self.fs.opendir(dir).unwrap();
        let mut names = Vec::new();
        self.fs
            .readdir(dh, 0, |e| {
                names.push(e.name.clone());
                true
            })
            .unwrap();
        self.fs.releasedir(dh);
        names
            .into_iter()
            .filter(|n| n != "." && n != "..")
            .collect()
    }

    /// Every name of `dir`, `.` and `..` included, read `batch` entries per call so that
    /// each call resumes where the last one stopped.
    pub(super) fn list_in_batches(&self, dir: u64, batch: usize) -> Vec<String> {
        let dh = self.fs.opendir(dir).unwrap();
        let (mut names, mut offset) = (Vec::new(), 0);
        loop {
            let mut got = Vec::new();
            self.fs
                .readdir(dh, offset, |e| {
                    got.push(e.clone());
                    got.len() < batch
                })
                .unwrap();
            let Some(last) = got.last() else { break };
            offset = last.next_offset;
            names.extend(got.into_iter().map(|e| e.name));
        }
        self.fs.releasedir(dh);
        names
    }

    pub(super) fn put_key(&self, account: &str, key: &[u8], value: &[u8]) {
        let mut txn = self
            .fs
            .store()
            .begin(&AccountId::new(account).unwrap())
            .unwrap();
        txn.put(key, value.to_vec()).unwrap();
        txn.commit().unwrap();
    }
}

#[test]
fn writes_are_buffered_until_flush() {
    let f = fixture();
    let acct = f.account("a.near");
    let (attr, fh) = f.fs.create(&f.ctx, acct, b"k", RW, 0o644, false).unwrap();
    f.fs.write(&f.ctx, fh, 0, b"hello").unwrap();
    let account = AccountId::new("a.near").unwrap();
    assert_eq!(f.fs.store().get(&account, b"k").unwrap(), Some(Vec::new()));
    assert_eq!(
        f.fs.getattr(attr.ino).unwrap().size,
        5,
        "stat sees the size being written"
    );
    f.fs.flush(&f.ctx, fh).unwrap();
    assert_eq!(
        f.fs.store().get(&account, b"k").unwrap(),
        Some(b"hello".to_vec())
    );
    f.fs.release(&f.ctx, fh).unwrap();
}

#[test]
fn holes_read_as_zeros_and_limits_keep_the_value() {
    let f = fixture();
    let acct = f.account("a.near");
    let (_, fh) = f.fs.create(&f.ctx, acct, b"k", RW, 0o644, false).unwrap();
    f.fs.write(&f.ctx, fh, 4, b"x").unwrap();
    assert_eq!(f.fs.read(fh, 0, 10).unwrap(), b"\0\0\0\0x");
    let err = f.fs.write(&f.ctx, fh, MAX_FILE_SIZE, b"y").unwrap_err();
    assert_eq!(err.errno(), libc::EFBIG);
    f.fs.release(&f.ctx, fh).unwrap();
    assert_eq!(f.read_file(acct, "k"), b"\0\0\0\0x");
}

#[test]
fn overlay_directories_decide_where_keys_show() {
    let f = fixture();
    let acct = f.account("a.near");
    f.put_key("a.near", b"a/b/c", b"1");
    assert_eq!(f.list(acct), vec!["a%2Fb%2Fc"]);
    let a = f.fs.mkdir(&f.ctx, acct, b"a", 0o755).unwrap().ino;
    assert_eq!(f.list(acct), vec!["a"]);
    assert_eq!(f.list(a), vec!["b%2Fc"]);
    let b = f.fs.mkdir(&f.ctx, a, b"b", 0o755).unwrap().ino;
    assert_eq!(f.list(b), vec!["c"]);
    assert_eq!(f.read_file(b, "c"), b"1");
    // The old names no longer resolve.
    assert_eq!(
        f.fs.lookup(acct, b"a%2Fb%2Fc").unwrap_err().errno(),
        libc::ENOENT
    );
    assert_eq!(
        f.fs.rmdir(&f.ctx, acct, b"a").unwrap_err().errno(),
        libc::ENOTEMPTY
    );
}

#[test]
fn renaming_a_directory_moves_every_key_below_it() {
    let f = fixture();
    let acct = f.account("a.near");
    let d = f.fs.mkdir(&f.ctx, acct, b"d", 0o755).unwrap().ino;
    let sub = f.fs.mkdir(&f.ctx, d, b"sub", 0o755).unwrap().ino;
    let ino = f.write_file(sub, "f", b"deep");
    f.write_file(d, "g", b"top");
    f.fs.rename(&f.ctx, acct, b"d", acct, b"e", RenameFlags::default())
        .unwrap();
    let account = AccountId::new("a.near").unwrap();
    assert_eq!(
        f.fs.store().get(&account, b"e/sub/f").unwrap(),
        Some(b"deep".to_vec())
    );
    assert_eq!(
        f.fs.store().get(&account, b"e/g").unwrap(),
        Some(b"top".to_vec())
    );
    assert_eq!(f.fs.store().get(&account, b"d/g").unwrap(), None);
    assert_eq!(
        f.fs.getattr(ino).unwrap().ino,
        ino,
        "the inode follows the rename"
    );
    assert_eq!(
        f.read_file(sub, "f"),
        b"deep",
        "an open directory inode still works"
    );
}

#[test]
fn unlinked_open_files_stay_readable() {
    let f = fixture();
    let acct = f.account("a.near");
    let ino = f.write_file(acct, "k", b"kept");
    let fh = f.fs.open(&f.ctx, ino, RW).unwrap();
    f.fs.unlink(&f.ctx, acct, b"k").unwrap();
    assert_eq!(f.fs.read(fh, 0, 100).unwrap(), b"kept");
    assert_eq!(f.fs.getattr(ino).unwrap().nlink, 0);
    f.fs.write(&f.ctx, fh, 0, b"gone").unwrap();
    f.fs.release(&f.ctx, fh).unwrap();
    assert_eq!(f.fs.lookup(acct, b"k").unwrap_err().errno(), libc::ENOENT);
}

#[test]
fn long_names_list_and_resolve() {
    let f = fixture();
    let acct = f.account("a.near");
    let key = vec![b'x'; 1000];
    f.put_key("a.near", &key, b"long");
    f.put_key("a.near", b"", b"empty key");
    let names = f.list(acct);
    assert_eq!(names.len(), 2);
    for n in &names {
        assert!(n.len() <= 255 && n.contains("%~"), "{n}");
    }
    let long = names.iter().find(|n| n.starts_with('x')).unwrap();
    assert_eq!(f.read_file(acct, long), b"long");
    let empty = names.iter().find(|n| n.starts_with('%')).unwrap();
    assert_eq!(f.read_file(acct, empty), b"empty key");
    assert_eq!(
        f.fs.create(&f.ctx, acct, long.as_bytes(), RW, 0o644, true)
            .unwrap_err()
            .errno(),
        libc::EEXIST
    );
}

#[test]
fn non_canonical_names_do_not_exist() {
    let f = fixture();
    let acct = f.account("a.near");
    f.write_file(acct, "A", b"1");
    assert_eq!(f.fs.lookup(acct, b"%41").unwrap_err().errno(), libc::ENOENT);
    assert_eq!(
        f.fs.create(&f.ctx, acct, b"%41", RW, 0o644, false)
            .unwrap_err()
            .errno(),
        libc::EINVAL
    );
    assert_eq!(
        f.fs.mkdir(&f.ctx, ROOT_INO, b"Not Valid", 0o755)
            .unwrap_err()
            .errno(),
        libc::EINVAL
    );
}

#[test]
fn readdir_resumes_and_seeks() {
    let f = fixture();
    let acct = f.account("a.near");
    for i in 0..50 {
        f.put_key("a.near", format!("k{i:02}").as_bytes(), b"v");
    }
    let dh = f.fs.opendir(acct).unwrap();
    let mut first = Vec::new();
    f.fs.readdir(dh, 0, |e| {
        first.push(e.clone());
        first.len() < 10
    })
    .unwrap();
    let resume = first.last().unwrap().next_offset - 1;
    let mut rest = Vec::new();
    f.fs.readdir(dh, resume, |e| {
        rest.push(e.name.clone());
        true
    })
    .unwrap();
    assert_eq!(
        rest.len(),
        52 - 9,
        "continues right after the last accepted entry"
    );
    // A seek back to an earlier offset gives the same entries again.
    let mut again = Vec::new();
    f.fs.readdir(dh, 5, |e| {
        again.push(e.name.clone());
        again.len() < 3
    })
    .unwrap();
    assert_eq!(again, vec!["k03", "k04", "k05"]);
    f.fs.releasedir(dh);
}

#[test]
fn read_only_refuses_changes() {
    let f = fixture();
    f.account("a.near");
    let ro = Ctx {
        read_only: true,
        ..Ctx::default()
    };
    assert_eq!(
        f.fs.mkdir(&ro, ROOT_INO, b"b.near", 0o755)
            .unwrap_err()
            .errno(),
        libc::EROFS
    );
}

#[test]
fn a_directory_mtime_moves_with_its_own_entries_only() {
    let f = fixture();
    let acct = f.account("a.near");
    let d = f.fs.mkdir(&f.ctx, acct, b"d", 0o755).unwrap().ino;
    let set = SetAttr {
        mtime_ns: Some(1_000_000_000),
        ..SetAttr::default()
    };
    f.fs.setattr(&f.ctx, acct, &set, None).unwrap();
    f.fs.setattr(&f.ctx, d, &set, None).unwrap();
    assert_eq!(
        f.fs.getattr(acct).unwrap().mtime_ns,
        1_000_000_000,
        "utimes of d leaves a.near"
    );
    f.write_file(d, "inner", b"x");
    assert_eq!(
        f.fs.getattr(acct).unwrap().mtime_ns,
        1_000_000_000,
        "a file in d leaves a.near"
    );
    assert!(
        f.fs.getattr(d).unwrap().mtime_ns > 1_000_000_000,
        "but moves d"
    );
    f.write_file(acct, "top", b"x");
    assert!(f.fs.getattr(acct).unwrap().mtime_ns > 1_000_000_000);
}

#[test]
fn a_read_snapshot_follows_commits_through_the_same_file() {
    let f = fixture();
    let acct = f.account("a.near");
    let ino = f.write_file(acct, "k", b"one");
    let reader = f.fs.open(&f.ctx, ino, RW).unwrap();
    assert_eq!(f.fs.read(reader, 0, 10).unwrap(), b"one");
    let writer = f.fs.open(&f.ctx, ino, RW).unwrap();
    f.fs.write(&f.ctx, writer, 0, b"two").unwrap();
    f.fs.flush(&f.ctx, writer).unwrap();
    assert_eq!(
        f.fs.read(reader, 0, 10).unwrap(),
        b"two",
        "a commit here refreshes it"
    );
    f.fs.release(&f.ctx, writer).unwrap();
    f.fs.release(&f.ctx, reader).unwrap();
}

#[test]
fn commits_carry_the_callers_origin() {
    let f = fixture();
    let seen = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let log = seen.clone();
    f.fs.store()
        .on_change(Box::new(move |_, origin, _| log.lock().push(origin)));
    let ctx = Ctx {
        origin: 7,
        ..Ctx::default()
    };
    let acct = f.fs.mkdir(&ctx, ROOT_INO, b"a.near", 0o755).unwrap().ino;
    let (_, fh) = f.fs.create(&ctx, acct, b"k", RW, 0o644, false).unwrap();
    f.fs.write(&ctx, fh, 0, b"v").unwrap();
    f.fs.release(&Ctx::default(), fh).unwrap();
    f.put_key("a.near", b"direct", b"v");
    // mkdir and create by 7; the buffered write by whoever closed the file; the store's own
    // transactions are nobody's.
    assert_eq!(*seen.lock(), [7, 7, 0, 0]);
}

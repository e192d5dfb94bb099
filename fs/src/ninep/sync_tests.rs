//! The synchronous client over the in-process transport, on a real RocksDB store: every call
//! is encoded, decoded by the server's codec, run on `StateFs` on the calling thread, and
//! answered the same way back. No tokio runtime is involved.

use std::io;
use std::sync::Arc;

use parking_lot::Mutex;

use super::server::{InProcess, ServerConfig};
use super::sync_client::{Client, Transport};
use super::test_env::{account, bound, env, errno, get, put, ACCOUNT};
use super::*;
use crate::statefs::StateFs;

fn session(fs: &Arc<StateFs>) -> Client<InProcess> {
    let c = Client::new(InProcess::new(fs.clone(), ServerConfig::default()));
    assert_eq!(c.version(65536).unwrap(), 65536);
    c.attach(0, "").unwrap();
    c
}

fn write_file(c: &Client<InProcess>, dir: u32, fid: u32, name: &[u8], data: &[u8]) {
    c.walk(dir, fid, &[]).unwrap();
    c.lcreate(fid, name, P9_DOTL_WRONLY | P9_DOTL_CREATE)
        .unwrap();
    assert_eq!(c.write(fid, 0, data).unwrap() as usize, data.len());
    c.clunk(fid).unwrap();
}

fn read_file(c: &Client<InProcess>, fid: u32, path: &[&[u8]]) -> Vec<u8> {
    c.walk(0, fid, path).unwrap();
    c.lopen(fid, P9_DOTL_RDONLY).unwrap();
    let data = c.read(fid, 0, 4096).unwrap();
    c.clunk(fid).unwrap();
    data
}

fn names(c: &Client<InProcess>, fid: u32, path: &[&[u8]]) -> Vec<Vec<u8>> {
    c.walk(0, fid, path).unwrap();
    c.lopen(fid, P9_DOTL_RDONLY).unwrap();
    let names = c.readdir(fid, 0, 4096).unwrap();
    c.clunk(fid).unwrap();
    names.into_iter().map(|e| e.name).collect()
}

#[test]
fn every_call_against_an_autocommit_session() {
    let e = env();
    let c = session(&e.fs);
    assert_eq!(c.msize(), 65536);
    c.mkdir(0, b"alice.near").unwrap();
    let q = c.walk(0, 1, &[b"alice.near"]).unwrap();
    assert_eq!(q[0].ty, P9_QTDIR);
    c.walk(1, 2, &[]).unwrap();
    let (qid, iounit) = c
        .lcreate(2, b"greeting", P9_DOTL_WRONLY | P9_DOTL_CREATE)
        .unwrap();
    assert_eq!((qid.ty, iounit), (P9_QTFILE, default_iounit(65536)));
    assert_eq!(c.write(2, 0, b"hello").unwrap(), 5);
    // Creating commits the empty file; the data waits for clunk (close-to-open).
    assert_eq!(get(&e.store, "alice.near", b"greeting").unwrap(), b"");
    c.clunk(2).unwrap();
    assert_eq!(get(&e.store, "alice.near", b"greeting").unwrap(), b"hello");

    c.walk(1, 3, &[b"greeting"]).unwrap();
    assert_eq!(c.getattr(3).unwrap().size, 5);
    c.lopen(3, P9_DOTL_RDONLY).unwrap();
    assert_eq!(c.read(3, 1, 100).unwrap(), b"ello");
    assert_eq!(errno(c.write(3, 0, b"x")), libc::EBADF);
    c.clunk(3).unwrap();
    let listed = names(&c, 4, &[b"alice.near"]);
    assert_eq!(listed, [&b"."[..], b"..", b"greeting"]);

    c.renameat(1, b"greeting", 1, b"hi").unwrap();
    assert_eq!(get(&e.store, "alice.near", b"greeting"), None);
    c.walk(1, 5, &[b"hi"]).unwrap();
    c.lopen(5, P9_DOTL_RDWR).unwrap();
    let set = Tsetattr {
        fid: 5,
        valid: P9_SETATTR_SIZE,
        size: 2,
        ..Tsetattr::default()
    };
    c.setattr(set).unwrap();
    c.write(5, 2, b"!").unwrap();
    c.fsync(5).unwrap();
    assert_eq!(get(&e.store, "alice.near", b"hi").unwrap(), b"he!");
    c.clunk(5).unwrap();
    assert!(c.statfs(0).unwrap().namelen >= 255);

    assert_eq!(errno(c.walk(1, 6, &[b"nope"])), libc::ENOENT);
    assert_eq!(errno(c.unlinkat(1, b"nope", 0)), libc::ENOENT);
    assert_eq!(errno(c.mkdir(0, b"Not Valid")), libc::EINVAL);
    assert_eq!(errno(c.getattr(42)), libc::EBADF);
    c.unlinkat(1, b"hi", 0).unwrap();
    assert_eq!(get(&e.store, "alice.near", b"hi"), None);
    // A key a contract writes is seen at once.
    put(&e.store, "alice.near", b"k", b"from a contract");
    assert_eq!(read_file(&c, 7, &[b"alice.near", b"k"]), b"from a contract");
}

#[test]
fn modes_and_atime_travel_over_9p() {
    let e = env();
    let c = session(&e.fs);
    c.mkdir(0, ACCOUNT.as_bytes()).unwrap();
    c.walk(0, 1, &[ACCOUNT.as_bytes()]).unwrap();
    assert_eq!(c.getattr(1).unwrap().mode, libc::S_IFDIR | 0o755);
    c.mkdir(1, b"d").unwrap();
    assert_eq!(c.getattr(1).unwrap().nlink, 3, "2 + one subdirectory");
    write_file(&c, 1, 2, b"f", b"v");
    c.walk(1, 3, &[b"f"]).unwrap();
    assert_eq!(c.getattr(3).unwrap().mode, libc::S_IFREG | 0o644);
    let set = Tsetattr {
        fid: 3,
        valid: P9_SETATTR_MODE | P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET,
        mode: 0o600,
        atime_sec: 4_102_444_800,
        atime_nsec: 7,
        ..Tsetattr::default()
    };
    c.setattr(set).unwrap();
    let a = c.getattr(3).unwrap();
    assert_eq!(a.mode, libc::S_IFREG | 0o600);
    assert_eq!((a.atime_sec, a.atime_nsec), (4_102_444_800, 7));
    assert_ne!((a.mtime_sec, a.mtime_nsec), (a.atime_sec, a.atime_nsec));
    // Modes are metadata: the value is untouched.
    assert_eq!(get(&e.store, ACCOUNT, b"f").unwrap(), b"v");
    // A bound session (an execution) reads without moving the atime.
    let (fs, txn) = bound(&e.store);
    let g = session(&fs);
    assert_eq!(read_file(&g, 1, &[b"f"]), b"v");
    assert_eq!(g.getattr(0).unwrap().mode, libc::S_IFDIR | 0o755);
    drop(g);
    assert!(txn.into_txn().unwrap().is_empty(), "a read wrote nothing");
    assert_eq!(c.getattr(3).unwrap().atime_sec, 4_102_444_800);
}

#[test]
fn requests_run_on_the_callers_thread() {
    let e = env();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    e.store.on_change(Box::new(move |_, origin, _| {
        log.lock().push((std::thread::current().id(), origin));
    }));
    let c = session(&e.fs);
    c.mkdir(0, b"a.near").unwrap();
    c.walk(0, 1, &[b"a.near"]).unwrap();
    write_file(&c, 1, 2, b"k", b"v");
    let seen = seen.lock();
    // mkdir, create, and the commit at clunk: all on this thread, all of one origin that is
    // not "unknown".
    assert_eq!(seen.len(), 3);
    let origin = seen[0].1;
    assert_ne!(origin, 0);
    assert!(seen
        .iter()
        .all(|&s| s == (std::thread::current().id(), origin)));
}

#[test]
fn bound_session_commits_with_the_call() {
    let e = env();
    put(&e.store, ACCOUNT, b"old", b"committed");
    let (fs, handle) = bound(&e.store);
    let c = session(&fs);
    write_file(&c, 0, 1, b"new", b"from the guest");
    write_file(&c, 0, 1, b"old", b"overwritten");
    c.mkdir(0, b"d").unwrap();
    c.walk(0, 2, &[b"d"]).unwrap();
    write_file(&c, 2, 3, b"inner", b"deep");
    // Clunked, yet nothing is in the store: the call has not ended.
    assert_eq!(get(&e.store, ACCOUNT, b"new"), None);
    assert_eq!(get(&e.store, ACCOUNT, b"old").unwrap(), b"committed");
    assert_eq!(e.store.dir(&account(), b"d").unwrap(), None);
    // The session reads its own writes, through the bound transaction.
    assert_eq!(read_file(&c, 4, &[b"new"]), b"from the guest");
    assert_eq!(read_file(&c, 4, &[b"old"]), b"overwritten");
    assert_eq!(read_file(&c, 4, &[b"d", b"inner"]), b"deep");
    let listed = names(&c, 4, &[]);
    assert_eq!(listed, [&b"."[..], b"..", b"d", b"new", b"old"]);
    assert!(!handle.commit().unwrap().is_empty());
    assert_eq!(get(&e.store, ACCOUNT, b"new").unwrap(), b"from the guest");
    assert_eq!(get(&e.store, ACCOUNT, b"old").unwrap(), b"overwritten");
    assert_eq!(get(&e.store, ACCOUNT, b"d/inner").unwrap(), b"deep");
    // The session ended with the call.
    assert_eq!(errno(c.getattr(0)), libc::EIO);
}

#[test]
fn ending_the_session_closes_its_files() {
    let e = env();
    put(&e.store, "a.near", b"k", b"old");
    let c = session(&e.fs);
    c.walk(0, 1, &[b"a.near", b"k"]).unwrap();
    c.lopen(1, P9_DOTL_WRONLY | P9_DOTL_TRUNC).unwrap();
    c.write(1, 0, b"new").unwrap();
    assert_eq!(get(&e.store, "a.near", b"k").unwrap(), b"old");
    drop(c);
    assert_eq!(get(&e.store, "a.near", b"k").unwrap(), b"new");
}

#[test]
fn the_in_process_transport_speaks_9p() {
    let e = env();
    let t = InProcess::new(e.fs.clone(), ServerConfig::default());
    let frame = |tag, msg: &Tmessage| {
        let mut out = Vec::new();
        encode_request(tag, msg, &mut out).unwrap();
        out
    };
    let reply = |bytes: io::Result<Vec<u8>>| decode_reply(&bytes.unwrap(), u32::MAX).unwrap();
    let getattr = Tmessage::Getattr(Tgetattr {
        fid: 0,
        request_mask: 0,
    });
    // Before Tversion nothing but Tversion is served.
    let (tag, r) = reply(t.rpc(&frame(3, &getattr)));
    assert_eq!((tag, r), (3, Rmessage::Lerror(Rlerror { ecode: 71 })));
    // A body cut short is answered; a frame whose size cannot be trusted is not.
    let short_body = [9, 0, 0, 0, TGETATTR, 4, 0, 0, 0];
    let (_, r) = reply(t.rpc(&short_body));
    assert_eq!(r, Rmessage::Lerror(Rlerror { ecode: 71 }));
    let err = t.rpc(&[3, 0, 0, 0]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    // Nothing is ever in flight behind a synchronous call: Tflush is answered at once.
    let (tag, r) = reply(t.rpc(&frame(5, &Tmessage::Flush(Tflush { oldtag: 3 }))));
    assert_eq!((tag, r), (5, Rmessage::Flush(Rflush)));
    // The client refuses a server that does not speak 9P2000.L...
    let c = Client::new(t);
    let v = Tmessage::Version(Tversion {
        msize: 8192,
        version: b"9P2000".to_vec(),
    });
    let unknown = c.rpc(&v).unwrap();
    assert!(matches!(unknown, Rmessage::Version(r) if r.version == VERSION_UNKNOWN));
    c.version(8192).unwrap();
    c.attach(0, "").unwrap();
    assert!(c.getattr(0).is_ok());
}

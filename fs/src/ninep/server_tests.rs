//! Server conformance: our client against our server over an in-process duplex and a real
//! Unix socket, on a real RocksDB store; raw frames for the malformed-input cases.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::client::Client;
use super::server::{serve_connection, serve_unix, ServerConfig};
use super::test_env::{env, errno, get, put};
use super::*;
use crate::account::AccountId;
use crate::statefs::StateFs;

/// A server on one end of an in-process pipe; the other end.
fn duplex(fs: &Arc<StateFs>, cfg: ServerConfig) -> DuplexStream {
    let (a, b) = tokio::io::duplex(1 << 16);
    tokio::spawn(serve_connection(fs.clone(), b, cfg));
    a
}

async fn client(fs: &Arc<StateFs>, aname: &str) -> Client {
    let c = Client::new(duplex(fs, ServerConfig::default()));
    assert_eq!(c.version(65536).await.unwrap(), 65536);
    c.attach(0, aname).await.unwrap();
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_then_read_back_and_list() {
    let e = env();
    let c = client(&e.fs, "").await;
    c.mkdir(0, b"alice.near").await.unwrap();
    let q = c.walk(0, 1, &[b"alice.near"]).await.unwrap();
    assert_eq!(q[0].ty, P9_QTDIR);
    c.walk(1, 2, &[]).await.unwrap(); // clone
    c.lcreate(2, b"greeting", P9_DOTL_WRONLY | P9_DOTL_CREATE)
        .await
        .unwrap();
    assert_eq!(c.write(2, 0, b"hello").await.unwrap(), 5);
    // Creating commits the empty file; the data waits for clunk (close-to-open).
    assert_eq!(
        get(&e.store, "alice.near", b"greeting").as_deref(),
        Some(&b""[..])
    );
    c.clunk(2).await.unwrap();
    assert_eq!(
        get(&e.store, "alice.near", b"greeting").as_deref(),
        Some(&b"hello"[..])
    );

    let q = c.walk(1, 3, &[b"greeting"]).await.unwrap();
    assert_eq!(q[0].ty, P9_QTFILE);
    assert_eq!(c.getattr(3).await.unwrap().size, 5);
    c.lopen(3, P9_DOTL_RDONLY).await.unwrap();
    assert_eq!(c.read(3, 1, 100).await.unwrap(), b"ello");
    assert_eq!(errno(c.write(3, 0, b"x").await), libc::EBADF);
    c.clunk(3).await.unwrap();

    c.walk(1, 4, &[]).await.unwrap();
    c.lopen(4, P9_DOTL_RDONLY).await.unwrap();
    let names: Vec<_> = c
        .readdir(4, 0, 4096)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(
        names,
        vec![b".".to_vec(), b"..".to_vec(), b"greeting".to_vec()]
    );
    c.clunk(4).await.unwrap();
    // A key written by a contract is seen at once.
    put(&e.store, "alice.near", b"greeting", b"changed");
    c.walk(1, 5, &[b"greeting"]).await.unwrap();
    c.lopen(5, P9_DOTL_RDONLY).await.unwrap();
    assert_eq!(c.read(5, 0, 100).await.unwrap(), b"changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_directory_in_small_chunks() {
    let e = env();
    let acct = AccountId::new("big.near").unwrap();
    let mut txn = e.store.begin(&acct).unwrap();
    for i in 0..3000 {
        txn.put(format!("k{i:05}").as_bytes(), vec![1]).unwrap();
    }
    txn.commit().unwrap();
    let c = client(&e.fs, "big.near").await;
    c.walk(0, 1, &[]).await.unwrap();
    c.lopen(1, P9_DOTL_RDONLY).await.unwrap();
    let (mut offset, mut names) = (0, Vec::new());
    loop {
        let batch = c.readdir(1, offset, 200).await.unwrap();
        let Some(last) = batch.last() else { break };
        assert!(batch.iter().map(DirEntry::encoded_len).sum::<usize>() + 4 <= 200);
        offset = last.offset;
        names.extend(
            batch
                .into_iter()
                .map(|d| String::from_utf8(d.name).unwrap()),
        );
    }
    assert_eq!(names.len(), 3002);
    assert_eq!(names[2], "k00000");
    assert_eq!(names[3001], "k02999");
    // An old offset still resumes at the same place.
    let again = c.readdir(1, 1002, 200).await.unwrap();
    assert_eq!(again[0].name, names[1002].as_bytes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_unlink_setattr_statfs() {
    let e = env();
    put(&e.store, "a.near", b"x", b"0123456789");
    let c = client(&e.fs, "a.near").await;
    c.renameat(0, b"x", 0, b"y").await.unwrap();
    assert_eq!(get(&e.store, "a.near", b"x"), None);
    c.walk(0, 1, &[b"y"]).await.unwrap();
    let set = Tsetattr {
        fid: 1,
        valid: P9_SETATTR_SIZE | P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET,
        size: 4,
        mtime_sec: 981_173_106,
        ..Tsetattr::default()
    };
    c.setattr(set).await.unwrap();
    let a = c.getattr(1).await.unwrap();
    assert_eq!((a.size, a.mtime_sec), (4, 981_173_106));
    assert_eq!(get(&e.store, "a.near", b"y").as_deref(), Some(&b"0123"[..]));
    let chown = Tsetattr {
        fid: 1,
        valid: P9_SETATTR_UID,
        uid: a.uid + 1,
        ..Tsetattr::default()
    };
    assert_eq!(errno(c.setattr(chown).await), libc::EPERM);
    assert!(c.statfs(0).await.unwrap().namelen >= 255);
    assert_eq!(errno(c.unlinkat(0, b"nope", 0).await), libc::ENOENT);
    c.unlinkat(0, b"y", 0).await.unwrap();
    assert_eq!(get(&e.store, "a.near", b"y"), None);
    c.mkdir(0, b"d").await.unwrap();
    assert_eq!(errno(c.unlinkat(0, b"d", 0).await), libc::EISDIR);
    c.unlinkat(0, b"d", P9_DOTL_AT_REMOVEDIR).await.unwrap();
    let sym = Tsymlink {
        fid: 0,
        name: b"l".to_vec(),
        symtgt: b"y".to_vec(),
        gid: 0,
    };
    assert_eq!(errno(c.rpc(&Tmessage::Symlink(sym)).await), libc::EPERM);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aname_confines_every_walk() {
    let e = env();
    put(&e.store, "alice.near", b"mine", b"1");
    put(&e.store, "bob.near", b"secret", b"2");
    let c = client(&e.fs, "alice.near").await;
    let root = c.getattr(0).await.unwrap().qid;
    // `..` at the attach root stays there, however often.
    let q = c.walk(0, 1, &[b"..", b"..", b".."]).await.unwrap();
    assert_eq!(q.last(), Some(&root));
    assert_eq!(c.getattr(1).await.unwrap().qid, root);
    // A walk that fails after its first step answers the steps that succeeded (9P).
    assert_eq!(c.walk(0, 2, &[b"..", b"bob.near"]).await.unwrap().len(), 1);
    assert_eq!(errno(c.getattr(2).await), libc::EBADF, "newfid not created");
    for name in [&b"%2E%2E"[..], b"../bob.near", b"bob.near", b"/", b"%2F"] {
        assert!(c.walk(0, 3, &[name]).await.is_err(), "{name:?}");
    }
    // `..` of a file is ENOTDIR, as in POSIX: only the first step is answered.
    assert_eq!(c.walk(0, 4, &[b"mine", b".."]).await.unwrap().len(), 1);
    assert_eq!(c.walk(0, 5, &[b"mine", b"x"]).await.unwrap().len(), 1);
    assert_eq!(
        errno(
            c.walk(0, 5, &[b"mine"])
                .await
                .map(drop)
                .and(c.walk(5, 6, &[b"x"]).await)
        ),
        libc::ENOTDIR
    );

    let ro = client(&e.fs, "alice.near:ro").await;
    assert_eq!(errno(ro.mkdir(0, b"d").await), libc::EROFS);
    ro.walk(0, 1, &[b"mine"]).await.unwrap();
    assert_eq!(errno(ro.lopen(1, P9_DOTL_WRONLY).await), libc::EROFS);
    assert_eq!(ro.getattr(1).await.unwrap().mode & 0o222, 0);
    let bad = Client::new(duplex(&e.fs, ServerConfig::default()));
    bad.version(8192).await.unwrap();
    assert_eq!(errno(bad.attach(0, "nobody.near").await), libc::ENOENT);

    let listener_ro = Client::new(duplex(
        &e.fs,
        ServerConfig {
            read_only: true,
            ..Default::default()
        },
    ));
    listener_ro.version(8192).await.unwrap();
    listener_ro.attach(0, "").await.unwrap();
    assert_eq!(
        errno(listener_ro.mkdir(0, b"carol.near").await),
        libc::EROFS
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_requests_in_flight_and_flush() {
    let e = env();
    let value: Vec<u8> = (0..65536u32).map(|i| i as u8).collect();
    put(&e.store, "a.near", b"v", &value);
    let c = Arc::new(client(&e.fs, "a.near").await);
    let mut jobs = Vec::new();
    for fid in 1..=64u32 {
        let c = c.clone();
        let value = value.clone();
        jobs.push(tokio::spawn(async move {
            c.walk(0, fid, &[b"v"]).await.unwrap();
            c.lopen(fid, P9_DOTL_RDONLY).await.unwrap();
            let off = u64::from(fid) * 512;
            let got = c.read(fid, off, 1000).await.unwrap();
            assert_eq!(got, &value[off as usize..off as usize + 1000]);
            c.clunk(fid).await.unwrap();
        }));
    }
    // Also many requests started before any reply is awaited.
    let started: Vec<_> = (0..200)
        .map(|_| {
            c.start(&Tmessage::Getattr(Tgetattr {
                fid: 0,
                request_mask: P9_GETATTR_BASIC,
            }))
            .unwrap()
        })
        .collect();
    for s in started {
        assert!(matches!(s.reply().await.unwrap(), Rmessage::Getattr(_)));
    }
    for j in jobs {
        j.await.unwrap();
    }
    // Flush of a request: its reply (if any) comes first, then Rflush; the connection lives.
    let pending = c.start(&Tmessage::Statfs(Tstatfs { fid: 0 })).unwrap();
    let tag = pending.tag;
    c.flush(tag).await.unwrap();
    assert!(pending.reply().await.is_ok());
    c.flush(4242).await.unwrap(); // nothing in flight under that tag
    assert!(c.getattr(0).await.is_ok());
}

/// Writes raw bytes and reads one reply frame.
async fn raw_rpc(s: &mut DuplexStream, frame: &[u8]) -> Option<(u16, Rmessage)> {
    s.write_all(frame).await.unwrap();
    let mut size = [0u8; 4];
    let read = tokio::time::timeout(Duration::from_secs(5), s.read_exact(&mut size)).await;
    read.unwrap().ok()?;
    let len = u32::from_le_bytes(size) as usize;
    let mut buf = vec![0u8; len];
    buf[..4].copy_from_slice(&size);
    s.read_exact(&mut buf[4..]).await.unwrap();
    Some(decode_reply(&buf, u32::MAX).unwrap())
}

fn frame(tag: u16, msg: &Tmessage) -> Vec<u8> {
    let mut out = Vec::new();
    encode_request(tag, msg, &mut out).unwrap();
    out
}

fn lerror(r: Option<(u16, Rmessage)>) -> u32 {
    match r {
        Some((_, Rmessage::Lerror(e))) => e.ecode,
        other => panic!("expected Rlerror, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_rlerror_and_the_connection_lives() {
    let e = env();
    let mut s = duplex(&e.fs, ServerConfig::default());
    let getattr0 = frame(
        1,
        &Tmessage::Getattr(Tgetattr {
            fid: 0,
            request_mask: 0,
        }),
    );
    // Before Tversion nothing but Tversion is served.
    assert_eq!(
        lerror(raw_rpc(&mut s, &getattr0).await),
        libc::EPROTO as u32
    );
    let v = Tversion {
        msize: 1,
        version: VERSION_9P2000L.to_vec(),
    };
    assert_eq!(
        lerror(raw_rpc(&mut s, &frame(NOTAG, &Tmessage::Version(v))).await),
        22
    );
    let v = Tversion {
        msize: 8192,
        version: VERSION_9P2000L.to_vec(),
    };
    raw_rpc(&mut s, &frame(NOTAG, &Tmessage::Version(v)))
        .await
        .unwrap();
    // Unknown fid.
    assert_eq!(lerror(raw_rpc(&mut s, &getattr0).await), libc::EBADF as u32);
    // Unknown message type.
    let bad_type = [7, 0, 0, 0, 99, 2, 0];
    assert_eq!(
        lerror(raw_rpc(&mut s, &bad_type).await),
        libc::EOPNOTSUPP as u32
    );
    // A body cut short.
    let short_body = [9, 0, 0, 0, TGETATTR, 3, 0, 0, 0];
    assert_eq!(
        lerror(raw_rpc(&mut s, &short_body).await),
        libc::EPROTO as u32
    );
    // Fid reuse.
    let attach = |fid| Tattach {
        fid,
        afid: NOFID,
        aname: Vec::new(),
        n_uname: NONUNAME,
        uname: Vec::new(),
    };
    let r = raw_rpc(&mut s, &frame(4, &Tmessage::Attach(attach(0)))).await;
    assert!(matches!(r, Some((4, Rmessage::Attach(_)))));
    assert_eq!(
        lerror(raw_rpc(&mut s, &frame(5, &Tmessage::Attach(attach(0)))).await),
        9
    );
    let walk = Twalk {
        fid: 0,
        newfid: 0,
        wnames: vec![b"x".to_vec()],
    };
    assert_eq!(
        lerror(raw_rpc(&mut s, &frame(6, &Tmessage::Walk(walk))).await),
        2
    );
    assert_eq!(
        lerror(raw_rpc(&mut s, &frame(7, &Tmessage::Auth(Tauth::default()))).await),
        95
    );
    // Still alive.
    let ok = frame(
        8,
        &Tmessage::Getattr(Tgetattr {
            fid: 0,
            request_mask: 0,
        }),
    );
    assert!(matches!(
        raw_rpc(&mut s, &ok).await,
        Some((8, Rmessage::Getattr(_)))
    ));

    // Unframeable input closes the connection: a size below the header...
    assert!(raw_rpc(&mut s, &[3, 0, 0, 0]).await.is_none());
    // ...or above the msize.
    let mut s = duplex(&e.fs, ServerConfig::default());
    let v = Tversion {
        msize: 8192,
        version: VERSION_9P2000L.to_vec(),
    };
    raw_rpc(&mut s, &frame(NOTAG, &Tmessage::Version(v)))
        .await
        .unwrap();
    assert!(raw_rpc(&mut s, &[0, 0, 1, 0, TREAD, 0, 0]).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unix_socket_with_several_connections() {
    let e = env();
    let sock = e.dir.path().join("9p.sock");
    let listener = tokio::net::UnixListener::bind(&sock).unwrap();
    tokio::spawn(serve_unix(e.fs.clone(), listener, ServerConfig::default()));
    let a = Client::new(tokio::net::UnixStream::connect(&sock).await.unwrap());
    let b = Client::new(tokio::net::UnixStream::connect(&sock).await.unwrap());
    assert_eq!(
        a.version(1 << 24).await.unwrap(),
        1 << 20,
        "msize is capped"
    );
    b.version(8192).await.unwrap();
    a.attach(0, "").await.unwrap();
    b.attach(0, "").await.unwrap();
    a.mkdir(0, b"u.near").await.unwrap();
    a.walk(0, 1, &[b"u.near"]).await.unwrap();
    a.lcreate(1, b"k", P9_DOTL_RDWR | P9_DOTL_CREATE)
        .await
        .unwrap();
    let big = vec![7u8; 1 << 20];
    let mut off = 0;
    while off < big.len() {
        let n = a
            .write(1, off as u64, &big[off..(off + 65536).min(big.len())])
            .await
            .unwrap();
        off += n as usize;
    }
    a.fsync(1).await.unwrap();
    // Visible to the other connection once fsync committed it.
    b.walk(0, 1, &[b"u.near", b"k"]).await.unwrap();
    assert_eq!(b.getattr(1).await.unwrap().size, 1 << 20);
    drop(a); // closing the connection clunks its fids
    assert_eq!(
        get(&e.store, "u.near", b"k").map(|v| v.len()),
        Some(1 << 20)
    );
}

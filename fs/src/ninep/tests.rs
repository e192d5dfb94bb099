//! Tests of the 9P2000.L codec: a round-trip property per message type, byte fixtures checked
//! against what Linux sends, and the error cases a server relies on.

use super::strategies::*;
use super::*;
use proptest::prelude::*;

/// Encodes after some existing bytes (encoders append), checks the header, decodes both ways.
fn check_request(tag: u16, msg: Tmessage) -> Result<(), TestCaseError> {
    let mut out = vec![0xa5; 3];
    let len = encode_request(tag, &msg, &mut out).unwrap();
    let frame = &out[3..];
    prop_assert_eq!(len, frame.len());
    prop_assert_eq!(size_field(frame), frame.len());
    prop_assert_eq!(frame[4], msg.msg_type());
    prop_assert_eq!(frame_len(frame, len as u32), Ok(Some(len)));
    prop_assert_eq!(decode_request(frame, len as u32), Ok((tag, msg)));
    // A request's type code is never a reply's.
    let err = decode_reply(frame, len as u32).unwrap_err();
    prop_assert_eq!(
        err,
        DecodeError {
            tag: Some(tag),
            kind: DecodeErrorKind::UnknownType(frame[4])
        }
    );
    Ok(())
}

fn check_reply(tag: u16, msg: Rmessage) -> Result<(), TestCaseError> {
    let mut out = vec![0x5a; 5];
    let len = encode_reply(tag, &msg, &mut out).unwrap();
    let frame = &out[5..];
    prop_assert_eq!(len, frame.len());
    prop_assert_eq!(size_field(frame), frame.len());
    prop_assert_eq!(frame[4], msg.msg_type());
    prop_assert_eq!(decode_reply(frame, len as u32), Ok((tag, msg.clone())));
    let err = decode_request(frame, len as u32).unwrap_err();
    prop_assert_eq!(
        err,
        DecodeError {
            tag: Some(tag),
            kind: DecodeErrorKind::UnknownType(frame[4])
        }
    );
    if let Rmessage::Read(r) = &msg {
        let mut direct = Vec::new();
        encode_rread(tag, &r.data, &mut direct).unwrap();
        prop_assert_eq!(&direct[..], frame);
    }
    if let Rmessage::Lerror(e) = &msg {
        let mut direct = Vec::new();
        prop_assert_eq!(encode_rlerror(tag, e.ecode, &mut direct), len);
        prop_assert_eq!(&direct[..], frame);
    }
    if let Rmessage::Readdir(r) = &msg {
        let payload: usize = r.entries.iter().map(DirEntry::encoded_len).sum();
        prop_assert_eq!(len, RREADDIR_HEADER_LEN as usize + payload);
    }
    Ok(())
}

/// One proptest per message type, named after it, so every type is exercised on every run.
macro_rules! roundtrips {
    ($check:ident: $($name:ident),+ $(,)?) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(24))]
            $(
                #[test]
                fn $name(tag in any::<u16>(), m in super::$name()) {
                    $check(tag, m.into())?;
                }
            )+
        }
    };
}

mod roundtrip_t {
    use super::*;
    roundtrips!(check_request: tversion, tauth, tattach, tflush, twalk, tread, twrite, tclunk,
        tremove, tstatfs, tlopen, tlcreate, tsymlink, tmknod, trename, treadlink, tgetattr,
        tsetattr, txattrwalk, txattrcreate, treaddir, tfsync, tlock, tgetlock, tlink, tmkdir,
        trenameat, tunlinkat);
}

mod roundtrip_r {
    use super::*;
    roundtrips!(check_reply: rversion, rauth, rattach, rlerror, rflush, rwalk, rread, rwrite,
        rclunk, rremove, rstatfs, rlopen, rlcreate, rsymlink, rmknod, rrename, rreadlink,
        rgetattr, rsetattr, rxattrwalk, rxattrcreate, rreaddir, rfsync, rlock, rgetlock, rlink,
        rmkdir, rrenameat, runlinkat);
}

fn encode_t(tag: u16, msg: impl Into<Tmessage>) -> Vec<u8> {
    let mut out = Vec::new();
    encode_request(tag, &msg.into(), &mut out).unwrap();
    out
}

fn encode_r(tag: u16, msg: impl Into<Rmessage>) -> Vec<u8> {
    let mut out = Vec::new();
    encode_reply(tag, &msg.into(), &mut out).unwrap();
    out
}

#[test]
fn tversion_as_linux_sends_it() {
    let wire = b"\x15\x00\x00\x00\x64\xff\xff\x00\x20\x00\x00\x08\x009P2000.L";
    let msg = Tversion {
        msize: 8192,
        version: VERSION_9P2000L.to_vec(),
    };
    assert_eq!(encode_t(NOTAG, msg.clone()), wire);
    assert_eq!(
        decode_request(wire, 8192),
        Ok((NOTAG, Tmessage::Version(msg)))
    );
}

#[test]
fn rlerror_fixture() {
    let wire = [11, 0, 0, 0, RLERROR, 0x34, 0x12, 2, 0, 0, 0];
    assert_eq!(
        encode_r(
            0x1234,
            Rlerror {
                ecode: libc::ENOENT as u32
            }
        ),
        wire
    );
    let mut out = Vec::new();
    assert_eq!(encode_rlerror(0x1234, 2, &mut out), 11);
    assert_eq!(out, wire);
}

#[test]
fn twalk_fixture() {
    let msg = Twalk {
        fid: 1,
        newfid: 2,
        wnames: vec![b"a".to_vec(), b"bc".to_vec()],
    };
    let wire =
        b"\x18\x00\x00\x00\x6e\x07\x00\x01\x00\x00\x00\x02\x00\x00\x00\x02\x00\x01\x00a\x02\x00bc";
    assert_eq!(encode_t(7, msg), wire);
}

#[test]
fn rreaddir_fixture() {
    let entry = DirEntry {
        qid: Qid {
            ty: P9_QTDIR,
            version: 0x0102_0304,
            path: 0x1122_3344_5566_7788,
        },
        offset: 9,
        ty: libc::DT_DIR,
        name: b"x".to_vec(),
    };
    let wire = encode_r(
        3,
        Rreaddir {
            entries: vec![entry.clone()],
        },
    );
    let expected: Vec<u8> = [
        &[36, 0, 0, 0, RREADDIR, 3, 0][..],
        &[25, 0, 0, 0],
        &[
            0x80, 4, 3, 2, 1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
        ],
        &[9, 0, 0, 0, 0, 0, 0, 0],
        &[libc::DT_DIR, 1, 0, b'x'],
    ]
    .concat();
    assert_eq!(wire, expected);
    assert_eq!(entry.encoded_len(), 25);
}

#[test]
fn fixed_sizes_match_linux() {
    // Sizes Linux's format strings imply: Rgetattr "qQdugqqqqqqqqqqqqqqq", Rstatfs "ddqqqqqqd",
    // Tsetattr "dddugqqqqq", Tlock "dbdqqds", Tfsync "dd".
    assert_eq!(
        encode_r(0, Rgetattr::default()).len(),
        7 + 8 + 13 + 12 + 15 * 8
    );
    assert_eq!(encode_r(0, Rstatfs::default()).len(), 7 + 4 + 4 + 6 * 8 + 4);
    assert_eq!(encode_t(0, Tsetattr::default()).len(), 7 + 5 * 4 + 5 * 8);
    assert_eq!(
        encode_t(0, Tlock::default()).len(),
        7 + 4 + 1 + 4 + 8 + 8 + 4 + 2
    );
    assert_eq!(encode_t(0, Tfsync::default()).len(), 7 + 8);
    assert_eq!(encode_r(0, Rlopen::default()).len(), 7 + 13 + 4);
    let write = encode_t(
        0,
        Twrite {
            fid: 0,
            offset: 0,
            data: vec![1, 2, 3],
        },
    );
    assert_eq!(write.len(), TWRITE_HEADER_LEN as usize + 3);
    let mut rread = Vec::new();
    assert_eq!(
        encode_rread(0, &[1, 2, 3], &mut rread),
        Ok(RREAD_HEADER_LEN as usize + 3)
    );
    assert_eq!(max_rread_payload(8192), 8181);
    assert_eq!(default_iounit(8192), 8168);
    assert_eq!(default_iounit(3), 0);
}

#[test]
fn tgetattr_fixture() {
    let wire = encode_t(
        1,
        Tgetattr {
            fid: 5,
            request_mask: P9_GETATTR_BASIC,
        },
    );
    assert_eq!(
        wire,
        [19, 0, 0, 0, TGETATTR, 1, 0, 5, 0, 0, 0, 0xff, 7, 0, 0, 0, 0, 0, 0]
    );
}

#[test]
fn walk_limit_is_enforced_both_ways() {
    let names = vec![b"n".to_vec(); 17];
    let mut out = vec![9];
    let err = encode_request(
        1,
        &Twalk {
            fid: 0,
            newfid: 1,
            wnames: names,
        }
        .into(),
        &mut out,
    );
    assert_eq!(err, Err(EncodeError::TooManyWalkElements(17)));
    assert_eq!(out, [9], "a failed encode leaves the buffer as it was");

    let mut wire = encode_t(
        4,
        Twalk {
            fid: 0,
            newfid: 1,
            wnames: vec![b"n".to_vec(); 16],
        },
    );
    assert!(decode_request(&wire, 8192).is_ok());
    wire[15] = 17; // nwname
    let err = decode_request(&wire, 8192).unwrap_err();
    assert_eq!(
        err,
        DecodeError {
            tag: Some(4),
            kind: DecodeErrorKind::TooManyWalkElements(17)
        }
    );
    assert_eq!(err.errno(), libc::EPROTO);

    let mut wire = encode_r(
        4,
        Rwalk {
            wqids: vec![Qid::default(); 16],
        },
    );
    wire[7] = 0xff;
    wire[8] = 0xff;
    let kind = decode_reply(&wire, 8192).unwrap_err().kind;
    assert_eq!(kind, DecodeErrorKind::TooManyWalkElements(0xffff));
}

#[test]
fn unknown_type_keeps_the_tag() {
    // Tlerror (6) is defined but never sent; Tstat (124) is 9P2000.u, not .L.
    for ty in [0, 6, 124, 255] {
        let wire = [7, 0, 0, 0, ty, 0x22, 0x11];
        let err = decode_request(&wire, 8192).unwrap_err();
        assert_eq!(err.tag, Some(0x1122));
        assert_eq!(err.kind, DecodeErrorKind::UnknownType(ty));
        assert_eq!(err.errno(), libc::EOPNOTSUPP);
    }
}

#[test]
fn trailing_bytes_are_refused() {
    let mut wire = encode_t(2, Tclunk { fid: 1 });
    wire.push(0);
    wire[0] += 1;
    let err = decode_request(&wire, 8192).unwrap_err();
    assert_eq!(
        err,
        DecodeError {
            tag: Some(2),
            kind: DecodeErrorKind::TrailingBytes(1)
        }
    );
}

#[test]
fn framing_errors_have_no_tag() {
    fn frame_err<T>(kind: DecodeErrorKind) -> Result<T, DecodeError> {
        Err(DecodeError { tag: None, kind })
    }
    let wire = encode_t(2, Tclunk { fid: 1 });
    assert_eq!(frame_len(&wire[..3], 8192), Ok(None));
    assert_eq!(frame_len(&wire[..4], 8192), Ok(Some(11)));
    assert_eq!(
        frame_len(&wire, 10),
        frame_err(DecodeErrorKind::FrameTooLarge { size: 11, max: 10 })
    );
    assert_eq!(
        frame_len(&[6, 0, 0, 0], 8192),
        frame_err(DecodeErrorKind::FrameTooSmall(6))
    );
    assert_eq!(
        decode_request(&wire[..3], 8192),
        frame_err(DecodeErrorKind::ShortBuffer(3))
    );
    assert_eq!(
        decode_request(&wire[..10], 8192),
        frame_err(DecodeErrorKind::SizeMismatch {
            declared: 11,
            actual: 10
        })
    );
    assert_eq!(
        decode_request(&wire, 10),
        frame_err(DecodeErrorKind::FrameTooLarge { size: 11, max: 10 })
    );
    assert_eq!(
        decode_request(&[0xff; 4], u32::MAX),
        frame_err(DecodeErrorKind::SizeMismatch {
            declared: u32::MAX,
            actual: 4
        })
    );
    assert!(decode_request(&[], 8192)
        .unwrap_err()
        .to_string()
        .contains("frame"));
}

#[test]
fn huge_lengths_inside_small_frames_fail_without_allocating() {
    // Each claims far more than the frame holds; allocating first would abort the test.
    let truncated = |wire: &[u8]| decode_reply(wire, 64).unwrap_err().kind;
    let rread = [11, 0, 0, 0, RREAD, 0, 0, 0xff, 0xff, 0xff, 0xff];
    assert_eq!(truncated(&rread), DecodeErrorKind::Truncated);
    let rreaddir = [11, 0, 0, 0, RREADDIR, 0, 0, 0xff, 0xff, 0xff, 0xff];
    assert_eq!(truncated(&rreaddir), DecodeErrorKind::Truncated);
    let rreadlink = [9, 0, 0, 0, RREADLINK, 0, 0, 0xff, 0xff];
    assert_eq!(truncated(&rreadlink), DecodeErrorKind::Truncated);
    let twrite = [
        23, 0, 0, 0, TWRITE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
    ];
    let kind = decode_request(&twrite, 64).unwrap_err().kind;
    assert_eq!(kind, DecodeErrorKind::Truncated);
}

#[test]
fn rreaddir_entry_cut_short_is_an_error() {
    let mut wire = encode_r(
        1,
        Rreaddir {
            entries: vec![DirEntry::default(); 2],
        },
    );
    // Shrink the payload count by one byte, then move the frame end with it.
    wire[7] -= 1;
    wire.pop();
    wire[0] -= 1;
    assert_eq!(
        decode_reply(&wire, 8192).unwrap_err().kind,
        DecodeErrorKind::Truncated
    );
}

#[test]
fn long_strings_and_rollback() {
    let mut out = b"keep".to_vec();
    let msg = Rreadlink {
        target: vec![b'a'; 70_000],
    };
    let err = encode_reply(1, &msg.into(), &mut out);
    assert_eq!(err, Err(EncodeError::StringTooLong(70_000)));
    assert_eq!(out, b"keep");
    let max = Rreadlink {
        target: vec![b'a'; 65_535],
    };
    let wire = encode_r(1, max.clone());
    assert_eq!(
        decode_reply(&wire, u32::MAX),
        Ok((1, Rmessage::Readlink(max)))
    );
}

#[test]
fn names_are_bytes_not_utf8() {
    let name = vec![0xff, 0xfe, b'/', 0];
    let msg = Tlcreate {
        fid: 1,
        name: name.clone(),
        flags: P9_DOTL_CREATE,
        mode: 0o644,
        gid: 0,
    };
    let wire = encode_t(1, msg);
    let Ok((_, Tmessage::Lcreate(back))) = decode_request(&wire, 8192) else {
        panic!()
    };
    assert_eq!(back.name, name);
}

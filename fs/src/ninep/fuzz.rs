//! Robustness properties of the 9P2000.L decoder: hostile bytes must give `Ok` or `Err`, never
//! a panic, and a decoded message is always exactly what its frame says.
//!
//! "Exactly what its frame says" is checked by re-encoding: every successful decode must give
//! back the same bytes. That holds only if every length was honoured and nothing was invented,
//! which, with lengths checked before allocation, bounds what a decode can allocate by the frame.

use super::strategies::{any_rmessage, any_tmessage, size_field};
use super::*;
use proptest::collection::vec;
use proptest::prelude::*;

/// Every type code the decoders know, plus neighbours that they must refuse.
const TYPES: &[u8] = &[
    0, 6, 7, 8, 9, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 30, 31, 32, 33,
    40, 41, 50, 51, 52, 53, 54, 55, 70, 71, 72, 73, 74, 75, 76, 77, 100, 101, 102, 103, 104, 105,
    108, 109, 110, 111, 116, 117, 118, 119, 120, 121, 122, 123, 124, 255,
];

/// Decodes `frame` both ways; whatever decodes must re-encode to the same bytes.
fn check_decoders(frame: &[u8], max: u32) -> Result<(), TestCaseError> {
    if let Ok((tag, msg)) = decode_request(frame, max) {
        prop_assert!(frame.len() <= max as usize);
        let mut out = Vec::new();
        encode_request(tag, &msg, &mut out).unwrap();
        prop_assert_eq!(&out[..], frame);
    }
    if let Ok((tag, msg)) = decode_reply(frame, max) {
        prop_assert!(frame.len() <= max as usize);
        let mut out = Vec::new();
        encode_reply(tag, &msg, &mut out).unwrap();
        prop_assert_eq!(&out[..], frame);
    }
    Ok(())
}

/// A damage applied to a valid frame.
#[derive(Debug, Clone)]
enum Mutation {
    /// Cut the frame to this many bytes (modulo its length).
    Truncate(usize),
    /// Flip one bit of the byte at this index (modulo).
    FlipBit(usize, u8),
    /// Overwrite two bytes at this index with 0xFFFF: a string length or walk count.
    MaxU16(usize),
    /// Overwrite four bytes at this index with 0xFFFFFFFF: a data count or the size.
    MaxU32(usize),
    /// Overwrite one byte at this index with an arbitrary value.
    Set(usize, u8),
    /// Insert a byte at this index.
    Insert(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 0..8u8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        any::<usize>().prop_map(Mutation::MaxU16),
        any::<usize>().prop_map(Mutation::MaxU32),
        (any::<usize>(), any::<u8>()).prop_map(|(i, v)| Mutation::Set(i, v)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, v)| Mutation::Insert(i, v)),
    ]
}

fn overwrite(frame: &mut [u8], at: usize, bytes: &[u8]) {
    let at = at % frame.len();
    for (dst, src) in frame[at..].iter_mut().zip(bytes) {
        *dst = *src;
    }
}

fn mutate(frame: &mut Vec<u8>, m: &Mutation) {
    match *m {
        Mutation::Truncate(n) => frame.truncate(n % frame.len()),
        Mutation::FlipBit(i, b) => {
            let i = i % frame.len();
            frame[i] ^= 1 << b;
        }
        Mutation::MaxU16(i) => overwrite(frame, i, &[0xff; 2]),
        Mutation::MaxU32(i) => overwrite(frame, i, &[0xff; 4]),
        Mutation::Set(i, v) => overwrite(frame, i, &[v]),
        Mutation::Insert(i, v) => frame.insert(i % (frame.len() + 1), v),
    }
}

/// Makes the size field agree with the length again, so the damage reaches the body decoder
/// instead of being caught by the framing check.
fn fix_size(frame: &mut [u8]) {
    if frame.len() >= 4 {
        let len = frame.len() as u32;
        frame[..4].copy_from_slice(&len.to_le_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes(
        bytes in vec(any::<u8>(), 0..128),
        max in prop_oneof![Just(u32::MAX), 0..200u32],
    ) {
        check_decoders(&bytes, max)?;
        // A frame never decodes unless its size field says its length.
        if bytes.len() < 4 || size_field(&bytes) != bytes.len() {
            prop_assert!(decode_request(&bytes, max).is_err());
            prop_assert!(decode_reply(&bytes, max).is_err());
        }
    }

    #[test]
    fn arbitrary_bodies(ty in prop::sample::select(TYPES), tag in any::<u16>(),
                        body in vec(any::<u8>(), 0..96)) {
        let mut frame = vec![0, 0, 0, 0, ty];
        frame.extend_from_slice(&tag.to_le_bytes());
        frame.extend_from_slice(&body);
        fix_size(&mut frame);
        check_decoders(&frame, u32::MAX)?;
        // Inside a sound frame every error carries the tag, so the server can answer.
        if let Err(e) = decode_request(&frame, u32::MAX) {
            prop_assert_eq!(e.tag, Some(tag));
        }
        if let Err(e) = decode_reply(&frame, u32::MAX) {
            prop_assert_eq!(e.tag, Some(tag));
        }
    }

    #[test]
    fn mutated_requests(msg in any_tmessage(), tag in any::<u16>(),
                        muts in vec(mutation(), 1..4), resize in any::<bool>()) {
        let mut frame = Vec::new();
        encode_request(tag, &msg, &mut frame).unwrap();
        for m in &muts {
            mutate(&mut frame, m);
            if frame.is_empty() {
                break;
            }
        }
        if resize {
            fix_size(&mut frame);
        }
        check_decoders(&frame, u32::MAX)?;
        check_decoders(&frame, 8192)?;
    }

    #[test]
    fn mutated_replies(msg in any_rmessage(), tag in any::<u16>(),
                       muts in vec(mutation(), 1..4), resize in any::<bool>()) {
        let mut frame = Vec::new();
        encode_reply(tag, &msg, &mut frame).unwrap();
        for m in &muts {
            mutate(&mut frame, m);
            if frame.is_empty() {
                break;
            }
        }
        if resize {
            fix_size(&mut frame);
        }
        check_decoders(&frame, u32::MAX)?;
        check_decoders(&frame, 8192)?;
    }

    /// Every truncation of a valid frame, with the size field fixed to match, is refused:
    /// a message's body never ends early, so a shorter body must be an error.
    #[test]
    fn every_truncation_fails(msg in any_tmessage(), tag in any::<u16>()) {
        let mut full = Vec::new();
        encode_request(tag, &msg, &mut full).unwrap();
        for n in HEADER_LEN..full.len() {
            let mut frame = full[..n].to_vec();
            fix_size(&mut frame);
            let err = decode_request(&frame, u32::MAX).unwrap_err();
            prop_assert_eq!(err.tag, Some(tag));
            prop_assert!(matches!(
                err.kind,
                DecodeErrorKind::Truncated | DecodeErrorKind::TooManyWalkElements(_)
            ), "{:?}", err);
        }
    }

    /// Inflating any 2- or 4-byte window of a valid reply to all-ones (a length field, most
    /// interestingly) never decodes into something larger than the frame.
    #[test]
    fn inflated_lengths(msg in any_rmessage(), tag in any::<u16>()) {
        let mut full = Vec::new();
        encode_reply(tag, &msg, &mut full).unwrap();
        for at in HEADER_LEN..full.len() {
            for width in [2, 4] {
                let mut frame = full.clone();
                overwrite(&mut frame, at, &[0xff; 4][..width]);
                check_decoders(&frame, u32::MAX)?;
            }
        }
    }
}

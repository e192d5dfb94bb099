//! The key ⇄ file-name codec: every contract key has exactly one file name, and every name
//! belongs to at most one key.
//!
//! The codec works on a *component*: the bytes that become one path component. Callers split
//! paths into components; a `/` byte inside a component is just a byte to escape.
//!
//! # Short form
//!
//! The component is read as UTF-8, left to right, with std's decoder (`<[u8]>::utf8_chunks`,
//! which reports the maximal invalid prefix the same way as `Utf8Error::error_len`).
//!
//! * A valid character passes through unchanged, except `/`, `%` and the control characters
//!   0x00–0x1F and 0x7F, which are written `%XX`: `%` and the byte in two upper-case hex digits.
//! * Every byte that is not part of a valid character is written `%XX`, one escape per byte.
//! * A component that is exactly `.` or `..` is written `%2E` or `%2E%2E`. No other dot is
//!   escaped: `...`, `.x` and `a.` pass through.
//!
//! A name is *canonical* when encoding what it decodes to gives the name back. Only canonical
//! names are accepted: `%2e`, `%41`, `%C3%A9` (a valid `é`), a literal control character, a
//! literal `/`, a lone `%`, invalid UTF-8, an empty name, `.` and `..` are all rejected.
//!
//! # Long form
//!
//! When the short form would be longer than [`NAME_MAX`] (255) bytes, or the component is empty
//! (which has no short form), the name is
//!
//! ```text
//! P "%~" H
//! ```
//!
//! * `H` is the SHA-256 of the whole component, as 64 lower-case hex digits;
//! * `P` is the longest prefix of the component's short form that ends between two tokens (it
//!   never splits a `%XX` escape or a multi-byte character) and is at most 189 bytes, so the name
//!   is at most 189 + 2 + 64 = 255 bytes. `P` is empty only for the empty component; otherwise
//!   it is 186 to 189 bytes long, because no token is longer than 4 bytes.
//!
//! A short name never contains `%~` (every `%` there starts a hex escape), so the two forms
//! cannot collide. `P` is the short-form text of a prefix of the component, so decoding a long
//! name gives that prefix and the hash, not the key: the caller finds the key by scanning keys
//! that start with the prefix for the one whose hash matches, then confirms with
//! [`is_name_of`]. The exception is the empty component: its name `%~` + sha256("") is decoded
//! straight to [`Decoded::Exact`] of the empty key, so no lookup needs a scan of every key.
//! [`decode`] also rejects long names that no key can have: an empty `P` with any other hash,
//! or a `P` of 1 to 185 bytes.

use std::ops::ControlFlow;

use sha2::{Digest, Sha256};

/// Longest file name, in bytes, that the codec produces.
pub const NAME_MAX: usize = 255;

/// Marker between the prefix and the hash of a long name; never occurs in a short name.
const MARKER: &[u8; 2] = b"%~";
/// Length of the hex SHA-256 at the end of a long name.
const HASH_HEX_LEN: usize = 64;
/// Longest prefix a long name carries, so that prefix, marker and hash fit in [`NAME_MAX`].
const LONG_PREFIX_MAX: usize = NAME_MAX - MARKER.len() - HASH_HEX_LEN;
/// Shortest non-empty prefix of a genuine long name: the cut lies within one token (at most 4
/// bytes) of [`LONG_PREFIX_MAX`].
const LONG_PREFIX_MIN: usize = LONG_PREFIX_MAX - 3;

const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Why a name is not the canonical name of any key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The empty name.
    #[error("empty name")]
    Empty,
    /// Longer than [`NAME_MAX`] bytes.
    #[error("name is {len} bytes, longer than {NAME_MAX}")]
    TooLong {
        /// Length of the name in bytes.
        len: usize,
    },
    /// The name itself is not valid UTF-8 (invalid key bytes are written as `%XX`).
    #[error("name is not valid UTF-8")]
    NotUtf8,
    /// A literal `.` or `..`, which name directories, never keys.
    #[error("`.` and `..` are reserved")]
    Reserved,
    /// A `%` not followed by two upper-case hex digits.
    #[error("`%` at byte {offset} is not followed by two upper-case hex digits")]
    BadEscape {
        /// Byte offset of the `%` in the name.
        offset: usize,
    },
    /// Well formed, but not how the codec writes its key (a needless escape, or a literal `/`
    /// or control character that needs one).
    #[error("not the canonical name of its key")]
    NotCanonical,
    /// Contains `%~` but is not `prefix%~` + 64 lower-case hex digits of a possible long name.
    #[error("malformed long name")]
    BadLongName,
}

/// What a file name decodes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A short name (or the long name of the empty key): the component's bytes exactly.
    Exact(Vec<u8>),
    /// A long name: a prefix of the component and the sha256 of the whole component.
    Long {
        /// The component starts with these bytes.
        prefix: Vec<u8>,
        /// SHA-256 of the whole component.
        sha256: [u8; 32],
    },
}

/// The one name of a component (short form, or long form when needed).
pub fn encode(component: &[u8]) -> String {
    match component {
        b"." => return "%2E".to_owned(),
        b".." => return "%2E%2E".to_owned(),
        _ => {}
    }
    let mut out = String::with_capacity(component.len().min(NAME_MAX));
    let flow = short_pieces(component, |piece| {
        match piece {
            Piece::Text(s) => out.push_str(s),
            Piece::Escape(b) => push_escape(&mut out, b),
        }
        // Past NAME_MAX the name is long; the rest of the short form is not needed.
        go_on(out.len() <= NAME_MAX)
    });
    if flow.is_continue() && !component.is_empty() {
        return out;
    }
    let cut = last_boundary(out.as_bytes(), LONG_PREFIX_MAX);
    out.truncate(cut);
    out.push_str("%~");
    out.push_str(&hex::encode(Sha256::digest(component)));
    out
}

/// Decodes a file name given as raw bytes (names arrive from FUSE/9P as bytes); rejects any
/// non-canonical name.
pub fn decode(name: &[u8]) -> Result<Decoded, NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > NAME_MAX {
        return Err(NameError::TooLong { len: name.len() });
    }
    if std::str::from_utf8(name).is_err() {
        return Err(NameError::NotUtf8);
    }
    if name == b"." || name == b".." {
        return Err(NameError::Reserved);
    }
    // Most names have nothing escaped and nothing that needs escaping: they are their key.
    if !name.iter().any(|&b| b == b'%' || needs_escape(b)) {
        return Ok(Decoded::Exact(name.to_vec()));
    }
    let Some(at) = name.windows(2).position(|w| w == MARKER) else {
        let bytes = unescape(name)?;
        let canonical = match bytes.as_slice() {
            b"." => name == b"%2E",
            b".." => name == b"%2E%2E",
            _ => short_form_is(&bytes, name),
        };
        return canonical
            .then_some(Decoded::Exact(bytes))
            .ok_or(NameError::NotCanonical);
    };
    let (text, hash_hex) = (&name[..at], &name[at + MARKER.len()..]);
    let sha256 = parse_lower_hex_hash(hash_hex).ok_or(NameError::BadLongName)?;
    if text.is_empty() {
        // Only the empty key has an empty prefix, so the hash must be that of "".
        let is_empty_key = sha256 == <[u8; 32]>::from(Sha256::digest(b""));
        return is_empty_key
            .then_some(Decoded::Exact(Vec::new()))
            .ok_or(NameError::BadLongName);
    }
    // A shorter prefix means the cut was not the longest possible one.
    if text.len() < LONG_PREFIX_MIN {
        return Err(NameError::BadLongName);
    }
    let prefix = unescape(text)?;
    if !short_form_is(&prefix, text) {
        return Err(NameError::NotCanonical);
    }
    Ok(Decoded::Long { prefix, sha256 })
}

/// True when `name` is exactly the (long or short) name of `component`; used after a long-name
/// lookup finds a candidate.
pub fn is_name_of(name: &[u8], component: &[u8]) -> bool {
    if name.len() > NAME_MAX {
        return false;
    }
    let long_shaped = name.len() >= MARKER.len() + HASH_HEX_LEN
        && name[name.len() - HASH_HEX_LEN - MARKER.len()..].starts_with(MARKER);
    if long_shaped || matches!(component, b"" | b"." | b"..") {
        return encode(component).as_bytes() == name;
    }
    // A name of at most NAME_MAX bytes equal to the short form means the short form is the name.
    short_form_is(component, name)
}

/// One token run of the short form: pass-through text, or one escaped byte.
enum Piece<'a> {
    Text(&'a str),
    Escape(u8),
}

/// Feeds the short form of `bytes` (without the `.`/`..` rule) to `f`, piece by piece, until `f`
/// breaks.
fn short_pieces<B>(bytes: &[u8], mut f: impl FnMut(Piece<'_>) -> ControlFlow<B>) -> ControlFlow<B> {
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        let mut start = 0;
        // Bytes that need escaping are ASCII, so they never sit inside a multi-byte character
        // and byte offsets around them are character boundaries.
        for (i, &b) in valid.as_bytes().iter().enumerate() {
            if needs_escape(b) {
                if start < i {
                    f(Piece::Text(&valid[start..i]))?;
                }
                f(Piece::Escape(b))?;
                start = i + 1;
            }
        }
        if start < valid.len() {
            f(Piece::Text(&valid[start..]))?;
        }
        for &b in chunk.invalid() {
            f(Piece::Escape(b))?;
        }
    }
    ControlFlow::Continue(())
}

/// True when the short form of `bytes` (without the `.`/`..` rule) is exactly `text`; allocates
/// nothing.
fn short_form_is(bytes: &[u8], text: &[u8]) -> bool {
    let mut pos = 0;
    let flow = short_pieces(bytes, |piece| {
        let escaped;
        let want = match piece {
            Piece::Text(s) => s.as_bytes(),
            Piece::Escape(b) => {
                escaped = escape(b);
                &escaped[..]
            }
        };
        let matched = text.get(pos..pos + want.len()) == Some(want);
        pos += want.len();
        go_on(matched)
    });
    flow.is_continue() && pos == text.len()
}

fn go_on(more: bool) -> ControlFlow<()> {
    if more {
        ControlFlow::Continue(())
    } else {
        ControlFlow::Break(())
    }
}

/// Whether a byte of valid UTF-8 must be escaped.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == 0x7F || b == b'/' || b == b'%'
}

fn escape(b: u8) -> [u8; 3] {
    [
        b'%',
        UPPER_HEX[usize::from(b >> 4)],
        UPPER_HEX[usize::from(b & 0xF)],
    ]
}

fn push_escape(out: &mut String, b: u8) {
    for c in escape(b) {
        out.push(char::from(c));
    }
}

/// The largest offset `<= max` in short-form text that lies between two tokens.
fn last_boundary(text: &[u8], max: usize) -> usize {
    let is_boundary = |i: usize| {
        // A UTF-8 continuation byte (0b10xx_xxxx) at `i` means `i` splits a character; a `%`
        // one or two bytes back means `i` splits an escape, since every `%` starts one.
        let splits_char = text.get(i).is_some_and(|&b| b & 0xC0 == 0x80);
        let splits_escape = (i >= 1 && text[i - 1] == b'%') || (i >= 2 && text[i - 2] == b'%');
        !splits_char && !splits_escape
    };
    (0..=max.min(text.len()))
        .rev()
        .find(|&i| is_boundary(i))
        .unwrap_or(0)
}

/// Undoes `%XX` escapes; every other byte is taken literally (canonicity is checked later).
fn unescape(text: &[u8]) -> Result<Vec<u8>, NameError> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'%' {
            let hi = text.get(i + 1).copied().and_then(upper_hex_value);
            let lo = text.get(i + 2).copied().and_then(upper_hex_value);
            let (Some(hi), Some(lo)) = (hi, lo) else {
                return Err(NameError::BadEscape { offset: i });
            };
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn upper_hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Parses exactly 64 lower-case hex digits; upper case is not canonical.
fn parse_lower_hex_hash(hex: &[u8]) -> Option<[u8; 32]> {
    if !hex.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut hash = [0u8; 32];
    // Fails on any length but 64.
    hex::decode_to_slice(hex, &mut hash).ok()?;
    Some(hash)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sha_hex(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    fn exact(bytes: &[u8]) -> Result<Decoded, NameError> {
        Ok(Decoded::Exact(bytes.to_vec()))
    }

    #[test]
    fn short_vectors() {
        let cases: &[(&[u8], &str)] = &[
            (b"count", "count"),
            (b"a/b", "a%2Fb"),
            (b"%", "%25"),
            (b".", "%2E"),
            (b"..", "%2E%2E"),
            (b"...", "..."),
            (b".x", ".x"),
            (b"a.", "a."),
            (&[0x00, 0xFF], "%00%FF"),
            (b"\x1f\x7f ~", "%1F%7F ~"),
            ("héllo €😀".as_bytes(), "héllo €😀"),
            ("\u{85}".as_bytes(), "\u{85}"),
            (&[0xE2, 0x82], "%E2%82"),
            (&[0xE2, 0x82, b'A'], "%E2%82A"),
            (&[0xC3, 0xC3, 0xA9], "%C3é"),
        ];
        for &(key, name) in cases {
            assert_eq!(encode(key), name, "encode {key:?}");
            assert_eq!(decode(name.as_bytes()), exact(key), "decode {name:?}");
            assert!(is_name_of(name.as_bytes(), key));
        }
    }

    #[test]
    fn exactly_name_max_stays_short() {
        let key = vec![b'k'; NAME_MAX];
        assert_eq!(encode(&key).as_bytes(), key.as_slice());
        let escaped = vec![b'/'; NAME_MAX / 3];
        assert_eq!(encode(&escaped), "%2F".repeat(NAME_MAX / 3));
    }

    #[test]
    fn long_ascii_key() {
        let key = vec![b'a'; 300];
        let name = encode(&key);
        assert_eq!(name.len(), NAME_MAX);
        assert_eq!(name, format!("{}%~{}", "a".repeat(189), sha_hex(&key)));
        let want = Decoded::Long {
            prefix: vec![b'a'; 189],
            sha256: Sha256::digest(&key).into(),
        };
        assert_eq!(decode(name.as_bytes()), Ok(want));
        assert!(is_name_of(name.as_bytes(), &key));
        assert!(!is_name_of(name.as_bytes(), &key[1..]));
    }

    #[test]
    fn empty_key_is_long_and_exact() {
        let name = encode(b"");
        assert_eq!(name, format!("%~{}", sha_hex(b"")));
        assert_eq!(decode(name.as_bytes()), exact(b""));
        assert!(is_name_of(name.as_bytes(), b""));
        let other = format!("%~{}", sha_hex(b"x"));
        assert_eq!(decode(other.as_bytes()), Err(NameError::BadLongName));
    }

    #[test]
    fn long_cut_never_splits_a_token() {
        // Each key puts a 3- or 4-byte token across offset 189.
        let cases: [(usize, &[u8]); 6] = [
            (188, b"/"),
            (187, b"/"),
            (188, &[0xFF]),
            (188, "€".as_bytes()),
            (187, "😀".as_bytes()),
            (186, "😀".as_bytes()),
        ];
        for (cut, token) in cases {
            let key = [&vec![b'a'; cut][..], token, &[b'b'; 100]].concat();
            let name = encode(&key);
            let want = format!("{}%~{}", "a".repeat(cut), sha_hex(&key));
            assert_eq!(name, want, "{key:?}");
            let Ok(Decoded::Long { prefix, .. }) = decode(name.as_bytes()) else {
                panic!()
            };
            assert_eq!(prefix, vec![b'a'; cut]);
        }
    }

    #[test]
    fn rejections() {
        use NameError::*;
        let hash = sha_hex(b"k");
        let a = |n| "a".repeat(n);
        let cases: Vec<(String, NameError)> = vec![
            ("%41".into(), NotCanonical),
            ("%C3%A9".into(), NotCanonical),
            ("%2E%2E%2E".into(), NotCanonical),
            ("%2Ex".into(), NotCanonical),
            ("%2e".into(), BadEscape { offset: 0 }),
            ("%2F%".into(), BadEscape { offset: 3 }),
            ("%Z1".into(), BadEscape { offset: 0 }),
            ("a/b".into(), NotCanonical),
            ("".into(), Empty),
            (".".into(), Reserved),
            ("..".into(), Reserved),
            ("\u{1}".into(), NotCanonical),
            ("a\x7f".into(), NotCanonical),
            (format!("%~{}", &hash[1..]), BadLongName),
            (format!("{}%~{}", a(189), hash.to_uppercase()), BadLongName),
            (format!("{}%~{hash}0", a(189)), TooLong { len: 256 }),
            (format!("abc%~{hash}"), BadLongName),
            (format!("{}%~x%~{hash}", a(180)), BadLongName),
            (format!("{}%41%~{hash}", a(186)), NotCanonical),
            (a(256), TooLong { len: 256 }),
        ];
        for (name, err) in cases {
            assert_eq!(decode(name.as_bytes()), Err(err), "{name:?}");
        }
        assert_eq!(decode(&[b'a', 0xFF]), Err(NotUtf8));
        assert_eq!(decode(&[0xC3]), Err(NotUtf8));
    }

    /// Keys that hit the edge cases: escapes, dots, partial UTF-8, lengths around the cut.
    fn keys() -> impl Strategy<Value = Vec<u8>> {
        // Space-separated pieces: plain, escaped, invalid UTF-8, and 2- to 4-byte characters.
        let all = b"a Z9 / % . \0 \x7f \xE2\x82 \xFF \xA9 \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80";
        let piece = prop::sample::select(all.split(|&b| b == b' ').collect::<Vec<_>>());
        let pieces = |n| prop::collection::vec(piece.clone(), 0..n).prop_map(|v| v.concat());
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..=2048),
            prop::collection::vec(any::<u8>(), 0..300),
            pieces(700).prop_map(|k| k[..k.len().min(2048)].to_vec()),
            pieces(120),
            any::<String>().prop_map(String::into_bytes),
            (0usize..4, 180usize..260).prop_map(|(tail, n)| {
                [&vec![b'x'; n][..], &"😀€/é".as_bytes()[..tail * 2]].concat()
            }),
        ]
    }

    /// Names that are mostly near-canonical, to exercise decode's checks.
    fn names() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop::sample::select(vec![
            "a", "%", "%2E", "%2e", "%41", "%25", "%C3", "%A9", "%FF", "%~", ".", "é", "/", "\u{1}",
        ]);
        prop_oneof![
            prop::collection::vec(piece, 0..20).prop_map(|v| v.concat().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..300),
            // A canonical name with one byte changed, often still canonical (e.g. a hash digit).
            (keys(), any::<usize>(), any::<u8>()).prop_map(|(k, at, b)| {
                let mut name = encode(&k).into_bytes();
                let at = at % name.len();
                name[at] = b;
                name
            }),
        ]
    }

    proptest! {
        #[test]
        fn encode_roundtrips(key in keys()) {
            let name = encode(&key);
            prop_assert!(!name.is_empty() && name.len() <= NAME_MAX);
            prop_assert!(!name.contains(['/', '\0']));
            prop_assert!(name != "." && name != "..");
            prop_assert!(is_name_of(name.as_bytes(), &key));
            match decode(name.as_bytes()) {
                Ok(Decoded::Exact(k)) => prop_assert_eq!(k, key),
                Ok(Decoded::Long { prefix, sha256 }) => {
                    prop_assert!(key.starts_with(&prefix));
                    prop_assert_eq!(sha256, <[u8; 32]>::from(Sha256::digest(&key)));
                    prop_assert!(name.len() - 66 >= LONG_PREFIX_MIN);
                }
                Err(e) => prop_assert!(false, "{name:?} rejected: {e}"),
            }
        }

        #[test]
        fn decode_accepts_only_canonical(name in names()) {
            match decode(&name) {
                Err(_) => {}
                Ok(Decoded::Exact(k)) => prop_assert_eq!(encode(&k).into_bytes(), name),
                Ok(Decoded::Long { prefix, sha256 }) => {
                    let (text, hash) = name.split_at(name.len() - HASH_HEX_LEN);
                    prop_assert_eq!(hash.to_vec(), hex::encode(sha256).into_bytes());
                    let text = text.strip_suffix(MARKER).unwrap();
                    prop_assert!((LONG_PREFIX_MIN..=LONG_PREFIX_MAX).contains(&text.len()));
                    prop_assert!(short_form_is(&prefix, text));
                }
            }
        }
    }
}

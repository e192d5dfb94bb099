//! 9P primitive encoding: little-endian integers, `s` strings, qids, counted payloads, walk
//! lists and directory entries, plus the macro that turns a field list into a message struct.
//!
//! Every length read from the wire is checked against the bytes left in the frame before
//! anything is allocated, so a decoder built from these pieces allocates at most in proportion
//! to the frame it was given and cannot index out of bounds.

use super::error::{DecodeErrorKind, EncodeError};

/// The most names a `Twalk` (or qids an `Rwalk`) may carry (`MAXWELEM`).
pub const MAXWELEM: usize = 16;

/// A server's unique identification of a file: type, version and path (`qid[13]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Qid {
    /// The file type, `P9_QT*` bits (`type[1]`).
    pub ty: u8,
    /// Changes whenever the file changes, so clients can tell their cache is stale.
    pub version: u32,
    /// Unique among all files of the server; the client uses it as the inode number.
    pub path: u64,
}

impl Qid {
    /// Bytes of a qid on the wire.
    pub const LEN: usize = 13;
}

/// One entry of an `Rreaddir` payload: `qid[13] offset[8] type[1] name[s]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's qid.
    pub qid: Qid,
    /// The offset the client passes to the next `Treaddir` to continue after this entry.
    pub offset: u64,
    /// The `DT_*` file type, as `readdir(3)` reports it in `d_type`.
    pub ty: u8,
    /// The entry's name: bytes, not necessarily UTF-8.
    pub name: Vec<u8>,
}

impl DirEntry {
    /// Bytes of the fixed part of an entry: qid, offset, type and the name's length.
    pub const FIXED_LEN: usize = Qid::LEN + 8 + 1 + 2;

    /// Bytes this entry takes in an `Rreaddir` payload, so a server can stop adding entries
    /// before the reply passes the client's `count` or the msize.
    pub fn encoded_len(&self) -> usize {
        Self::FIXED_LEN + self.name.len()
    }
}

/// A cursor over the body of one frame; every read is bounds-checked.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    /// Bytes not yet read.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// The next `n` bytes, or `Truncated` (without consuming) when fewer are left.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeErrorKind> {
        let (head, tail) = self
            .buf
            .split_at_checked(n)
            .ok_or(DecodeErrorKind::Truncated)?;
        self.buf = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeErrorKind> {
        let (head, tail) = self
            .buf
            .split_first_chunk::<N>()
            .ok_or(DecodeErrorKind::Truncated)?;
        self.buf = tail;
        Ok(*head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeErrorKind> {
        self.array::<1>().map(|[b]| b)
    }

    pub(crate) fn u16(&mut self) -> Result<u16, DecodeErrorKind> {
        self.array().map(u16::from_le_bytes)
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeErrorKind> {
        self.array().map(u32::from_le_bytes)
    }

    pub(crate) fn u64(&mut self) -> Result<u64, DecodeErrorKind> {
        self.array().map(u64::from_le_bytes)
    }

    /// A u32-counted payload, borrowed from the frame.
    pub(crate) fn counted(&mut self) -> Result<&'a [u8], DecodeErrorKind> {
        let n = self.u32()?;
        let n = usize::try_from(n).map_err(|_| DecodeErrorKind::Truncated)?;
        self.take(n)
    }
}

/// Appends a u16 string length and the bytes.
pub(crate) fn put_str(s: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let n = u16::try_from(s.len()).map_err(|_| EncodeError::StringTooLong(s.len()))?;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(s);
    Ok(())
}

/// Appends a u32 count and the bytes.
pub(crate) fn put_counted(data: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let n = u32::try_from(data.len()).map_err(|_| EncodeError::DataTooLong(data.len()))?;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(data);
    Ok(())
}

/// How one field type goes on the wire. The implementing type names the wire form, `Value`
/// the Rust type, because the same Rust type (`Vec<u8>`) has two wire forms.
pub(crate) trait Codec {
    type Value;
    fn put(v: &Self::Value, out: &mut Vec<u8>) -> Result<(), EncodeError>;
    fn get(r: &mut Reader<'_>) -> Result<Self::Value, DecodeErrorKind>;
}

macro_rules! int_codec {
    ($($t:ident),*) => {$(
        impl Codec for $t {
            type Value = $t;
            fn put(v: &$t, out: &mut Vec<u8>) -> Result<(), EncodeError> {
                out.extend_from_slice(&v.to_le_bytes());
                Ok(())
            }
            fn get(r: &mut Reader<'_>) -> Result<$t, DecodeErrorKind> {
                r.$t()
            }
        }
    )*};
}
int_codec!(u8, u16, u32, u64);

impl Codec for Qid {
    type Value = Qid;
    fn put(v: &Qid, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.push(v.ty);
        out.extend_from_slice(&v.version.to_le_bytes());
        out.extend_from_slice(&v.path.to_le_bytes());
        Ok(())
    }
    fn get(r: &mut Reader<'_>) -> Result<Qid, DecodeErrorKind> {
        Ok(Qid {
            ty: r.u8()?,
            version: r.u32()?,
            path: r.u64()?,
        })
    }
}

/// `s`: u16 length and bytes, kept as bytes because file names need not be UTF-8.
pub(crate) struct Str;

impl Codec for Str {
    type Value = Vec<u8>;
    fn put(v: &Vec<u8>, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        put_str(v, out)
    }
    fn get(r: &mut Reader<'_>) -> Result<Vec<u8>, DecodeErrorKind> {
        let n = r.u16()?;
        Ok(r.take(usize::from(n))?.to_vec())
    }
}

/// `count[4] data[count]`: file data of `Twrite` and `Rread`.
pub(crate) struct Data;

impl Codec for Data {
    type Value = Vec<u8>;
    fn put(v: &Vec<u8>, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        put_counted(v, out)
    }
    fn get(r: &mut Reader<'_>) -> Result<Vec<u8>, DecodeErrorKind> {
        Ok(r.counted()?.to_vec())
    }
}

/// Reads a walk element count, refusing more than `MAXWELEM` before anything is allocated.
fn walk_count(r: &mut Reader<'_>) -> Result<usize, DecodeErrorKind> {
    let n = r.u16()?;
    if usize::from(n) > MAXWELEM {
        return Err(DecodeErrorKind::TooManyWalkElements(n));
    }
    Ok(usize::from(n))
}

/// Writes a walk element count, refusing more than `MAXWELEM`.
fn put_walk_count(n: usize, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    match u16::try_from(n) {
        Ok(n16) if n <= MAXWELEM => {
            out.extend_from_slice(&n16.to_le_bytes());
            Ok(())
        }
        _ => Err(EncodeError::TooManyWalkElements(n)),
    }
}

/// `nwname[2] nwname*(wname[s])`.
pub(crate) struct WalkNames;

impl Codec for WalkNames {
    type Value = Vec<Vec<u8>>;
    fn put(v: &Vec<Vec<u8>>, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        put_walk_count(v.len(), out)?;
        v.iter().try_for_each(|name| put_str(name, out))
    }
    fn get(r: &mut Reader<'_>) -> Result<Vec<Vec<u8>>, DecodeErrorKind> {
        let n = walk_count(r)?;
        let mut names = Vec::with_capacity(n);
        for _ in 0..n {
            names.push(Str::get(r)?);
        }
        Ok(names)
    }
}

/// `nwqid[2] nwqid*(wqid[13])`.
pub(crate) struct WalkQids;

impl Codec for WalkQids {
    type Value = Vec<Qid>;
    fn put(v: &Vec<Qid>, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        put_walk_count(v.len(), out)?;
        v.iter().try_for_each(|qid| Qid::put(qid, out))
    }
    fn get(r: &mut Reader<'_>) -> Result<Vec<Qid>, DecodeErrorKind> {
        let n = walk_count(r)?;
        let mut qids = Vec::with_capacity(n);
        for _ in 0..n {
            qids.push(Qid::get(r)?);
        }
        Ok(qids)
    }
}

/// `count[4]` then `count` bytes of directory entries, each `qid offset type name`.
pub(crate) struct DirEntries;

impl DirEntries {
    /// Appends the entries' wire form without the count.
    pub(crate) fn put_entries(entries: &[DirEntry], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        entries.iter().try_for_each(|e| {
            Qid::put(&e.qid, out)?;
            out.extend_from_slice(&e.offset.to_le_bytes());
            out.push(e.ty);
            put_str(&e.name, out)
        })
    }
}

impl Codec for DirEntries {
    type Value = Vec<DirEntry>;
    fn put(v: &Vec<DirEntry>, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        // The count is the byte length of the entries, known only once they are written.
        let at = out.len();
        out.extend_from_slice(&[0; 4]);
        Self::put_entries(v, out)?;
        let len = out.len() - at - 4;
        let n = u32::try_from(len).map_err(|_| EncodeError::DataTooLong(len))?;
        out[at..at + 4].copy_from_slice(&n.to_le_bytes());
        Ok(())
    }
    fn get(r: &mut Reader<'_>) -> Result<Vec<DirEntry>, DecodeErrorKind> {
        let mut data = Reader::new(r.counted()?);
        // Grown by push: each entry consumes at least FIXED_LEN bytes of the frame, so the
        // vector stays proportional to the frame however the count is forged.
        let mut entries = Vec::new();
        while data.remaining() > 0 {
            entries.push(DirEntry {
                qid: Qid::get(&mut data)?,
                offset: data.u64()?,
                ty: data.u8()?,
                name: Str::get(&mut data)?,
            });
        }
        Ok(entries)
    }
}

/// Defines a message struct from its wire fields, in wire order, with `encode_body` and
/// `decode_body`. Each field is `name: RustType as WireCodec`; a message without fields is
/// written `Name;` and becomes a unit struct.
macro_rules! message {
    ($(#[$meta:meta])* $name:ident;) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name;

        impl $name {
            pub(crate) fn encode_body(&self, _out: &mut Vec<u8>) -> Result<(), EncodeError> {
                Ok(())
            }

            pub(crate) fn decode_body(_r: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
                Ok(Self)
            }
        }
    };
    ($(#[$meta:meta])* $name:ident {
        $($(#[$fmeta:meta])* $field:ident: $ty:ty as $codec:ty),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)+
        }

        impl $name {
            pub(crate) fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
                $(<$codec as Codec>::put(&self.$field, out)?;)+
                Ok(())
            }

            pub(crate) fn decode_body(r: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
                Ok(Self { $($field: <$codec as Codec>::get(r)?,)+ })
            }
        }
    };
}
pub(crate) use message;

/// Defines the enum of one direction's messages, mapping each variant to its type code.
macro_rules! message_enum {
    ($(#[$meta:meta])* $enum:ident { $($variant:ident($ty:ident) = $code:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $enum {
            $(#[doc = concat!("[`", stringify!($ty), "`]")] $variant($ty),)+
        }

        impl $enum {
            /// The message's type code (`type[1]` of the frame header).
            pub fn msg_type(&self) -> u8 {
                match self {
                    $(Self::$variant(_) => $code,)+
                }
            }

            /// The name of the message with type code `code` (`Twalk`), if it is one of
            /// this direction's.
            pub fn type_name(code: u8) -> Option<&'static str> {
                match code {
                    $($code => Some(stringify!($ty)),)+
                    _ => None,
                }
            }

            pub(crate) fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
                match self {
                    $(Self::$variant(m) => m.encode_body(out),)+
                }
            }

            /// `None` when `ty` is not a message of this direction.
            pub(crate) fn decode_body(
                ty: u8,
                r: &mut Reader<'_>,
            ) -> Option<Result<Self, DecodeErrorKind>> {
                match ty {
                    $($code => Some($ty::decode_body(r).map(Self::$variant)),)+
                    _ => None,
                }
            }
        }

        $(impl From<$ty> for $enum {
            fn from(m: $ty) -> Self {
                Self::$variant(m)
            }
        })+
    };
}
pub(crate) use message_enum;

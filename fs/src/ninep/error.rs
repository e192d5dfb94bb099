//! Errors of the 9P2000.L wire codec: why a frame could not be decoded or a message encoded.
//!
//! A decode error tells the server what it may still do: when the frame was well delimited the
//! error carries the tag, so the server answers `Rlerror` for that tag and keeps the connection;
//! when the framing itself is broken there is no tag and the stream cannot be trusted any more.

use std::fmt;

/// Why a frame failed to decode, and the tag to answer when the server can still answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    /// The request's tag, present only when the frame's size field was sound, so that the bytes
    /// after this frame are still the start of the next one. `None` means the server should
    /// drop the connection rather than reply.
    pub tag: Option<u16>,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// A framing error: no tag can be trusted.
    pub(crate) fn framing(kind: DecodeErrorKind) -> Self {
        Self { tag: None, kind }
    }

    /// An error inside a well-delimited frame.
    pub(crate) fn in_frame(tag: u16, kind: DecodeErrorKind) -> Self {
        Self {
            tag: Some(tag),
            kind,
        }
    }

    /// The errno a server puts in the `Rlerror` it sends for this error.
    ///
    /// An unknown type is an operation this server does not implement (`EOPNOTSUPP`, which the
    /// kernel passes to the caller unchanged); anything else is a malformed message (`EPROTO`).
    pub fn errno(&self) -> i32 {
        match self.kind {
            DecodeErrorKind::UnknownType(_) => libc::EOPNOTSUPP,
            _ => libc::EPROTO,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.tag {
            Some(tag) => write!(f, "bad 9P message (tag {tag}): {}", self.kind),
            None => write!(f, "bad 9P frame: {}", self.kind),
        }
    }
}

impl std::error::Error for DecodeError {}

/// The ways a 9P frame can be malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    /// Fewer than 7 bytes were given, not even a whole header.
    #[error("only {0} bytes, less than a 9P header")]
    ShortBuffer(usize),
    /// The size field is smaller than the 7-byte header it includes.
    #[error("frame size {0} is smaller than the 7-byte header")]
    FrameTooSmall(u32),
    /// The size field is larger than the negotiated msize.
    #[error("frame size {size} exceeds msize {max}")]
    FrameTooLarge {
        /// The size field.
        size: u32,
        /// The limit the caller gave.
        max: u32,
    },
    /// The size field disagrees with the number of bytes handed to the decoder.
    #[error("frame size field says {declared} bytes but {actual} were given")]
    SizeMismatch {
        /// The size field.
        declared: u32,
        /// The length of the buffer.
        actual: usize,
    },
    /// The type byte is not a message of 9P2000.L in this direction.
    #[error("unknown or unexpected message type {0}")]
    UnknownType(u8),
    /// A field, or a length-prefixed string or payload, runs past the end of the frame.
    #[error("a field runs past the end of the frame")]
    Truncated,
    /// A `Twalk` or `Rwalk` with more than 16 elements.
    #[error("walk with {0} elements, more than 16")]
    TooManyWalkElements(u16),
    /// Bytes left over after the message body.
    #[error("{0} bytes of trailing garbage after the message body")]
    TrailingBytes(usize),
}

/// Why a message could not be encoded: a value does not fit its wire field.
///
/// On error the output buffer is left as it was before the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A string is longer than the 65535 bytes its u16 length can say.
    #[error("string of {0} bytes is longer than 65535")]
    StringTooLong(usize),
    /// A walk has more than 16 names or qids.
    #[error("walk with {0} elements, more than 16")]
    TooManyWalkElements(usize),
    /// A data payload is longer than its u32 count can say.
    #[error("payload of {0} bytes does not fit a u32 count")]
    DataTooLong(usize),
    /// The whole frame is longer than its u32 size field can say.
    #[error("frame of {0} bytes does not fit a u32 size")]
    FrameTooLarge(usize),
}

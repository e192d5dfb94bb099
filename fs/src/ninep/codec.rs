//! Frame-level encode and decode: `size[4] type[1] tag[2] body`, for both directions.
//!
//! The transport reads four bytes, asks [`frame_len`] whether the frame may be read at all,
//! reads exactly that many bytes and hands the whole frame to [`decode_request`] (server) or
//! [`decode_reply`] (client). Encoders append one whole frame to a caller's buffer, so a
//! connection can reuse one allocation for every reply.

use super::consts::{RLERROR, RREAD};
use super::error::{DecodeError, DecodeErrorKind, EncodeError};
use super::rmsg::Rmessage;
use super::tmsg::Tmessage;
use super::wire::{put_counted, Reader};

/// Bytes of the frame header: `size[4] type[1] tag[2]`.
pub const HEADER_LEN: usize = 7;

/// Checks the size prefix of a frame before its body is read.
///
/// `header` is the start of the stream (at least the 4-byte size field, though more is fine).
/// Returns `Ok(None)` while fewer than 4 bytes are available, `Ok(Some(n))` with the whole
/// frame's length when it lies between the header size and `max_size` (the negotiated msize),
/// and a tagless error otherwise, after which the stream cannot be resynchronised.
pub fn frame_len(header: &[u8], max_size: u32) -> Result<Option<usize>, DecodeError> {
    let Some(size) = header.first_chunk::<4>() else {
        return Ok(None);
    };
    let size = u32::from_le_bytes(*size);
    if size < HEADER_LEN as u32 {
        return Err(DecodeError::framing(DecodeErrorKind::FrameTooSmall(size)));
    }
    if size > max_size {
        return Err(DecodeError::framing(DecodeErrorKind::FrameTooLarge {
            size,
            max: max_size,
        }));
    }
    let len = usize::try_from(size).map_err(|_| {
        DecodeError::framing(DecodeErrorKind::FrameTooLarge {
            size,
            max: max_size,
        })
    })?;
    Ok(Some(len))
}

/// Checks the framing of exactly one frame and splits off its type and tag.
fn open_frame(frame: &[u8], max_size: u32) -> Result<(u8, u16, Reader<'_>), DecodeError> {
    let short = || DecodeError::framing(DecodeErrorKind::ShortBuffer(frame.len()));
    let len = frame_len(frame, max_size)?.ok_or_else(short)?;
    if len != frame.len() {
        return Err(DecodeError::framing(DecodeErrorKind::SizeMismatch {
            // frame_len took len from a u32, so this never saturates.
            declared: u32::try_from(len).unwrap_or(u32::MAX),
            actual: frame.len(),
        }));
    }
    // frame_len accepted at least HEADER_LEN bytes, so the split cannot fail; still no panic.
    let (&[_, _, _, _, ty, t0, t1], body) =
        frame.split_first_chunk::<HEADER_LEN>().ok_or_else(short)?;
    Ok((ty, u16::from_le_bytes([t0, t1]), Reader::new(body)))
}

/// Finishes a body decode: the body must end exactly at the end of the frame.
fn close_frame<M>(
    tag: u16,
    ty: u8,
    decoded: Option<Result<M, DecodeErrorKind>>,
    r: &Reader<'_>,
) -> Result<(u16, M), DecodeError> {
    let msg = decoded
        .ok_or(DecodeErrorKind::UnknownType(ty))
        .and_then(|res| res)
        .map_err(|kind| DecodeError::in_frame(tag, kind))?;
    match r.remaining() {
        0 => Ok((tag, msg)),
        extra => Err(DecodeError::in_frame(
            tag,
            DecodeErrorKind::TrailingBytes(extra),
        )),
    }
}

/// Decodes one whole request frame, as a server receives it.
///
/// `frame` must be exactly the bytes of one frame (its size field must equal `frame.len()`),
/// and the frame may not exceed `max_size`. On error, [`DecodeError::tag`] says whether the
/// server can answer `Rlerror` for the request.
pub fn decode_request(frame: &[u8], max_size: u32) -> Result<(u16, Tmessage), DecodeError> {
    let (ty, tag, mut r) = open_frame(frame, max_size)?;
    let decoded = Tmessage::decode_body(ty, &mut r);
    close_frame(tag, ty, decoded, &r)
}

/// Decodes one whole reply frame, as a client receives it. See [`decode_request`].
pub fn decode_reply(frame: &[u8], max_size: u32) -> Result<(u16, Rmessage), DecodeError> {
    let (ty, tag, mut r) = open_frame(frame, max_size)?;
    let decoded = Rmessage::decode_body(ty, &mut r);
    close_frame(tag, ty, decoded, &r)
}

/// Appends one frame: header, then whatever `body` writes, then patches the size field.
/// On error `out` is truncated back to where it was.
fn encode_frame(
    ty: u8,
    tag: u16,
    out: &mut Vec<u8>,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
) -> Result<usize, EncodeError> {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    out.push(ty);
    out.extend_from_slice(&tag.to_le_bytes());
    let res = body(out).and_then(|()| {
        let len = out.len() - start;
        u32::try_from(len)
            .map(|size| (len, size))
            .map_err(|_| EncodeError::FrameTooLarge(len))
    });
    match res {
        Ok((len, size)) => {
            out[start..start + 4].copy_from_slice(&size.to_le_bytes());
            Ok(len)
        }
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}

/// Appends a request frame to `out`, as a client sends it; returns the frame's length.
pub fn encode_request(tag: u16, msg: &Tmessage, out: &mut Vec<u8>) -> Result<usize, EncodeError> {
    encode_frame(msg.msg_type(), tag, out, |out| msg.encode_body(out))
}

/// Appends a reply frame to `out`, as a server sends it; returns the frame's length.
///
/// The codec does not know the msize: a server compares the returned length with it (or
/// bounds `Rread`/`Rreaddir` payloads beforehand with [`RREAD_HEADER_LEN`]).
///
/// [`RREAD_HEADER_LEN`]: super::RREAD_HEADER_LEN
pub fn encode_reply(tag: u16, msg: &Rmessage, out: &mut Vec<u8>) -> Result<usize, EncodeError> {
    encode_frame(msg.msg_type(), tag, out, |out| msg.encode_body(out))
}

/// Appends an `Rread` carrying `data` straight from the caller's slice, with no intermediate
/// `Rread` value; returns the frame's length.
pub fn encode_rread(tag: u16, data: &[u8], out: &mut Vec<u8>) -> Result<usize, EncodeError> {
    encode_frame(RREAD, tag, out, |out| put_counted(data, out))
}

/// Appends an `Rlerror` carrying `ecode`; returns the frame's length. Cannot fail, which lets
/// a server always answer.
pub fn encode_rlerror(tag: u16, ecode: u32, out: &mut Vec<u8>) -> usize {
    out.extend_from_slice(&11u32.to_le_bytes());
    out.push(RLERROR);
    out.extend_from_slice(&tag.to_le_bytes());
    out.extend_from_slice(&ecode.to_le_bytes());
    11
}

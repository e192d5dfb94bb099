//! 9P2000.L: the wire codec, and (by feature) the clients and the server.
//!
//! | module | feature | what |
//! |---|---|---|
//! | this one | always | the codec, below |
//! | `sync_client` | `ninep-client` | a synchronous client over any request/reply `Transport` (no tokio, no RocksDB) |
//! | `client` | `ninep-server` | an async client over a byte stream, many requests in flight |
//! | `server` | `ninep-server` | the server over `StateFs`: stream listeners, and `InProcess`, the transport that serves a `sync_client` on the calling thread |
//!
//! The codec is the protocol layer between a byte transport and the 9P server.
//!
//! Pure and synchronous, with no I/O: it turns one frame (`size[4] type[1] tag[2] body`, all
//! little-endian, `size` counting itself) into a typed message and back. It covers every message
//! the Linux v9fs client sends in ordinary use and their replies, with the type codes of Linux
//! `include/net/9p/9p.h`.
//!
//! The decoder is written for hostile input: it never panics, checks the frame size against the
//! caller's limit (the msize) before the body is read, checks every length field against the
//! bytes left in the frame before allocating, refuses walks of more than [`MAXWELEM`] names and
//! refuses trailing bytes. Strings stay `Vec<u8>`: file names are bytes, not UTF-8.
//!
//! One step of a server's connection loop:
//!
//! ```
//! use outlayer_fs::ninep::{
//!     decode_request, encode_reply, encode_request, encode_rlerror, frame_len, Rmessage,
//!     Rversion, Tmessage, Tversion, NOTAG, VERSION_9P2000L,
//! };
//!
//! // What the kernel sends first.
//! let mut stream = Vec::new();
//! let tversion = Tversion { msize: 8192, version: VERSION_9P2000L.to_vec() };
//! encode_request(NOTAG, &Tmessage::Version(tversion), &mut stream).unwrap();
//!
//! let msize = 8192;
//! let len = frame_len(&stream, msize).unwrap().unwrap(); // None: read more bytes first
//! let mut out = Vec::new();
//! match decode_request(&stream[..len], msize) {
//!     Ok((tag, Tmessage::Version(t))) => {
//!         let r = Rversion { msize: t.msize.min(msize), version: t.version };
//!         encode_reply(tag, &Rmessage::Version(r), &mut out).unwrap();
//!     }
//!     Ok((tag, _)) => {
//!         encode_rlerror(tag, libc::EOPNOTSUPP as u32, &mut out);
//!     }
//!     Err(e) => match e.tag {
//!         Some(tag) => {
//!             encode_rlerror(tag, e.errno() as u32, &mut out);
//!         }
//!         None => return, // framing is lost: close the connection
//!     },
//! }
//! assert_eq!(out.len(), 21);
//! ```

mod codec;
mod consts;
mod error;
mod rmsg;
mod tmsg;
mod wire;

#[cfg(feature = "ninep-client")]
mod calls;
#[cfg(feature = "ninep-server")]
pub mod client;
#[cfg(feature = "ninep-server")]
mod fids;
#[cfg(feature = "ninep-server")]
pub mod server;
#[cfg(feature = "ninep-client")]
pub mod sync_client;

#[cfg(all(test, feature = "ninep-server"))]
#[allow(clippy::unwrap_used)]
mod bound_tests;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod fuzz;
#[cfg(all(test, feature = "ninep-server"))]
#[allow(clippy::unwrap_used)]
mod server_tests;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod strategies;
#[cfg(all(test, feature = "ninep-server"))]
#[allow(clippy::unwrap_used)]
mod sync_tests;
#[cfg(all(test, feature = "ninep-server"))]
#[allow(clippy::unwrap_used)]
mod test_env;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

pub use codec::{
    decode_reply, decode_request, encode_reply, encode_request, encode_rlerror, encode_rread,
    frame_len, HEADER_LEN,
};
pub use consts::*;
pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use rmsg::*;
pub use tmsg::*;
pub use wire::{DirEntry, Qid, MAXWELEM};

/// The protocol version string of the dialect spoken here.
pub const VERSION_9P2000L: &[u8] = b"9P2000.L";
/// The version an `Rversion` carries to refuse the client's version.
pub const VERSION_UNKNOWN: &[u8] = b"unknown";

/// The tag of `Tversion`, which is sent before tags are in use.
pub const NOTAG: u16 = 0xffff;
/// "No fid", e.g. the `afid` of a `Tattach` without authentication.
pub const NOFID: u32 = 0xffff_ffff;
/// "No numeric user", the `n_uname` of clients that send only a name.
pub const NONUNAME: u32 = 0xffff_ffff;

/// Header bytes Linux reserves around an I/O payload (`P9_IOHDRSZ`): the client never asks to
/// read or write more than msize minus this, and treats an `iounit` of 0 the same way.
pub const IOHDRSZ: u32 = 24;
/// Bytes of an `Rread` before its data: `size[4] type[1] tag[2] count[4]`.
pub const RREAD_HEADER_LEN: u32 = 11;
/// Bytes of an `Rreaddir` before its entries: `size[4] type[1] tag[2] count[4]`.
pub const RREADDIR_HEADER_LEN: u32 = 11;
/// Bytes of a `Twrite` before its data: `size[4] type[1] tag[2] fid[4] offset[8] count[4]`.
pub const TWRITE_HEADER_LEN: u32 = 23;
/// What an encoder reserves for a frame besides its bulk data (a write's or read's bytes):
/// enough for every other message of a walk, open or attach, so one allocation does.
pub(crate) const FRAME_SLACK: usize = 128;

/// The most data bytes an `Rread` may carry under `msize`.
///
/// A server answers `Tread { count }` with at most `count.min(max_rread_payload(msize))`
/// bytes; the same bound applies to the entries of an `Rreaddir`.
pub const fn max_rread_payload(msize: u32) -> u32 {
    msize.saturating_sub(RREAD_HEADER_LEN)
}

/// The I/O size a client uses when the server's `iounit` is 0: msize minus [`IOHDRSZ`].
pub const fn default_iounit(msize: u32) -> u32 {
    msize.saturating_sub(IOHDRSZ)
}

//! WASI preview1 error numbers, and how host errors (Linux errno from 9P, `io::Error` from
//! host files) become them.

use std::io;

/// A WASI preview1 `errno` (`wasi_snapshot_preview1`'s numbering, not Linux's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub u16);

macro_rules! errnos {
    ($($name:ident = $value:expr, $doc:expr;)*) => {
        impl Errno {
            $(#[doc = $doc] pub const $name: Errno = Errno($value);)*

            /// The name WASI gives this errno (`"NOENT"`), for messages.
            pub fn name(self) -> &'static str {
                match self.0 {
                    $($value => stringify!($name),)*
                    _ => "UNKNOWN",
                }
            }
        }
    };
}

errnos! {
    SUCCESS = 0, "No error.";
    TOOBIG = 1, "Argument list too long.";
    ACCES = 2, "Permission denied.";
    AGAIN = 6, "Resource unavailable, try again.";
    ALREADY = 7, "Connection already in progress.";
    BADF = 8, "Bad file descriptor.";
    BUSY = 10, "Device or resource busy.";
    EXIST = 20, "File exists.";
    FAULT = 21, "Bad address.";
    FBIG = 22, "File too large.";
    ILSEQ = 25, "Illegal byte sequence.";
    INTR = 27, "Interrupted function.";
    INVAL = 28, "Invalid argument.";
    IO = 29, "I/O error.";
    ISDIR = 31, "Is a directory.";
    LOOP = 32, "Too many levels of symbolic links.";
    MFILE = 33, "File descriptor value too large.";
    MLINK = 34, "Too many links.";
    NAMETOOLONG = 37, "Filename too long.";
    NODEV = 43, "No such device.";
    NOENT = 44, "No such file or directory.";
    NOMEM = 48, "Not enough space.";
    NOSPC = 51, "No space left on device.";
    NOSYS = 52, "Function not supported.";
    NOTDIR = 54, "Not a directory.";
    NOTEMPTY = 55, "Directory not empty.";
    NOTSOCK = 57, "Not a socket.";
    NOTSUP = 58, "Not supported.";
    NOTTY = 59, "Inappropriate I/O control operation.";
    NXIO = 60, "No such device or address.";
    OVERFLOW = 61, "Value too large to be stored in data type.";
    PERM = 63, "Operation not permitted.";
    PIPE = 64, "Broken pipe.";
    PROTO = 65, "Protocol error.";
    RANGE = 68, "Result too large.";
    ROFS = 69, "Read-only file system.";
    SPIPE = 70, "Invalid seek.";
    XDEV = 75, "Cross-device link.";
    NOTCAPABLE = 76, "Extension: capabilities insufficient.";
}

impl Errno {
    /// The WASI errno for a Linux errno (as a 9P server or the host OS reports it).
    pub fn from_linux(e: i32) -> Errno {
        match e {
            libc::EPERM => Errno::PERM,
            libc::ENOENT => Errno::NOENT,
            libc::EIO => Errno::IO,
            libc::ENXIO => Errno::NXIO,
            libc::E2BIG => Errno::TOOBIG,
            libc::EBADF => Errno::BADF,
            libc::EAGAIN => Errno::AGAIN,
            libc::ENOMEM => Errno::NOMEM,
            libc::EACCES => Errno::ACCES,
            libc::EFAULT => Errno::FAULT,
            libc::EBUSY => Errno::BUSY,
            libc::EEXIST => Errno::EXIST,
            libc::EXDEV => Errno::XDEV,
            libc::ENODEV => Errno::NODEV,
            libc::ENOTDIR => Errno::NOTDIR,
            libc::EISDIR => Errno::ISDIR,
            libc::EINVAL => Errno::INVAL,
            libc::EMFILE => Errno::MFILE,
            libc::ENOTTY => Errno::NOTTY,
            libc::EFBIG => Errno::FBIG,
            libc::ENOSPC => Errno::NOSPC,
            libc::ESPIPE => Errno::SPIPE,
            libc::EROFS => Errno::ROFS,
            libc::EMLINK => Errno::MLINK,
            libc::EPIPE => Errno::PIPE,
            libc::ERANGE => Errno::RANGE,
            libc::ENAMETOOLONG => Errno::NAMETOOLONG,
            libc::ENOSYS => Errno::NOSYS,
            libc::ENOTEMPTY => Errno::NOTEMPTY,
            libc::ELOOP => Errno::LOOP,
            libc::EOVERFLOW => Errno::OVERFLOW,
            libc::EILSEQ => Errno::ILSEQ,
            libc::ENOTSOCK => Errno::NOTSOCK,
            libc::EOPNOTSUPP => Errno::NOTSUP,
            libc::EINTR => Errno::INTR,
            libc::EALREADY => Errno::ALREADY,
            libc::EPROTO => Errno::PROTO,
            _ => Errno::IO,
        }
    }
}

impl From<io::Error> for Errno {
    /// The OS errno when there is one; otherwise the kind, as wasmtime-wasi maps kinds
    /// (cap-std reports an escape from its directory as `PermissionDenied`: `PERM`).
    fn from(e: io::Error) -> Errno {
        if let Some(code) = e.raw_os_error() {
            return Errno::from_linux(code);
        }
        match e.kind() {
            io::ErrorKind::NotFound => Errno::NOENT,
            io::ErrorKind::PermissionDenied => Errno::PERM,
            io::ErrorKind::AlreadyExists => Errno::EXIST,
            io::ErrorKind::InvalidInput => Errno::INVAL,
            io::ErrorKind::Unsupported => Errno::NOTSUP,
            io::ErrorKind::OutOfMemory => Errno::NOMEM,
            _ => Errno::IO,
        }
    }
}

impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "errno {} ({})", self.0, self.name())
    }
}

/// A result whose error is a WASI errno.
pub(super) type FsResult<T> = Result<T, Errno>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_and_io_errors_map_to_wasi_numbers() {
        assert_eq!(Errno::from_linux(libc::ENOENT), Errno(44));
        assert_eq!(Errno::from_linux(libc::EOPNOTSUPP), Errno::NOTSUP);
        assert_eq!(Errno::from_linux(9999), Errno::IO);
        let escape = io::Error::new(io::ErrorKind::PermissionDenied, "outside");
        assert_eq!(Errno::from(escape), Errno::PERM);
        assert_eq!(
            Errno::from(io::Error::from_raw_os_error(libc::ENOTEMPTY)),
            Errno(55)
        );
        assert_eq!(Errno::NOTDIR.name(), "NOTDIR");
    }
}

//! The one error type of the state layer, carrying the errno each transport reports.
//!
//! Adapters never guess: FUSE replies `errno()`, 9P sends `Rlerror { ecode: errno() }`, the CLI
//! prints `Display`. Nothing here goes through `io::ErrorKind`, which fuser would turn into EIO.

use crate::names::NameError;

/// Result of a state-layer operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a state operation failed; every variant names its errno.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such account, key or directory.
    #[error("no such file or directory")]
    NotFound,
    /// The name is taken.
    #[error("file exists")]
    Exists,
    /// A path component is a file where a directory is needed.
    #[error("not a directory")]
    NotDir,
    /// A directory where a file is needed.
    #[error("is a directory")]
    IsDir,
    /// The directory or account still holds entries.
    #[error("directory not empty")]
    NotEmpty,
    /// The name is not the canonical name of any key.
    #[error("invalid file name: {0}")]
    BadName(#[from] NameError),
    /// Not a valid NEAR account id.
    #[error("invalid NEAR account id {0:?}")]
    BadAccount(String),
    /// A name over 255 bytes, or a key over NEAR's 2048-byte limit.
    #[error("name too long: {0}")]
    NameTooLong(&'static str),
    /// A value would pass NEAR's 4 MiB limit.
    #[error("value would exceed {limit} bytes (NEAR's limit)")]
    TooBig {
        /// The limit that was hit.
        limit: usize,
    },
    /// A rename across accounts.
    #[error("rename across accounts is not possible")]
    CrossAccount,
    /// A write on a read-only mount or session.
    #[error("read-only")]
    ReadOnly,
    /// An operation this filesystem refuses by design (links, devices, ...).
    #[error("operation not permitted: {0}")]
    NotPermitted(&'static str),
    /// An operation with no meaning here.
    #[error("operation not supported: {0}")]
    NotSupported(&'static str),
    /// An argument that makes no sense (bad offset, rename into itself, ...).
    #[error("invalid argument: {0}")]
    Invalid(&'static str),
    /// A file or directory handle that is not open.
    #[error("bad file handle")]
    BadHandle,
    /// The storage engine failed.
    #[error("storage error: {0}")]
    Storage(String),
}

impl Error {
    /// The errno this error is reported as.
    pub fn errno(&self) -> i32 {
        match self {
            Error::NotFound => libc::ENOENT,
            Error::Exists => libc::EEXIST,
            Error::NotDir => libc::ENOTDIR,
            Error::IsDir => libc::EISDIR,
            Error::NotEmpty => libc::ENOTEMPTY,
            Error::BadName(_) | Error::BadAccount(_) | Error::Invalid(_) => libc::EINVAL,
            Error::NameTooLong(_) => libc::ENAMETOOLONG,
            Error::TooBig { .. } => libc::EFBIG,
            Error::CrossAccount => libc::EXDEV,
            Error::ReadOnly => libc::EROFS,
            Error::NotPermitted(_) => libc::EPERM,
            Error::NotSupported(_) => libc::EOPNOTSUPP,
            Error::BadHandle => libc::EBADF,
            Error::Storage(_) => libc::EIO,
        }
    }
}

#[cfg(feature = "rocks")]
impl From<rocksdb::Error> for Error {
    fn from(e: rocksdb::Error) -> Self {
        Error::Storage(e.into_string())
    }
}

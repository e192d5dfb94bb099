//! The one failure type of every request: a kind for programs, one line for humans, and the
//! exit status the CLI uses (an HTTP front end maps the kind to a status code instead).

use serde::{Deserialize, Serialize};

/// What went wrong, as a program should branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The request names something invalid (account id, key, gas, contract code...).
    InvalidInput,
    /// The request could not be decoded at all.
    BadRequest,
    /// No such account or key.
    NotFound,
    /// What the request would create exists already.
    AlreadyExists,
    /// The daemon could not be reached, broke off, or answered in a form this CLI cannot read.
    DaemonUnreachable,
    /// A call ran and failed; its outcome says how.
    ExecutionFailed,
    /// A value shown as JSON is not JSON.
    NotJson,
    /// Writing the output failed.
    Io,
    /// Anything else at run time (storage, engine start-up).
    Failed,
    /// An HTTP request without the console's token.
    Unauthorized,
    /// An HTTP request refused whatever its token: a foreign `Host`, or a change whose token
    /// came only in a cookie.
    Forbidden,
}

impl ErrorKind {
    /// The name on the wire (`not_found`, `invalid_input`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::NotFound => "not_found",
            ErrorKind::AlreadyExists => "already_exists",
            ErrorKind::DaemonUnreachable => "daemon_unreachable",
            ErrorKind::ExecutionFailed => "execution_failed",
            ErrorKind::NotJson => "not_json",
            ErrorKind::Io => "io",
            ErrorKind::Failed => "failed",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
        }
    }

    /// The CLI's exit status for this kind: 2 for bad input, 1 for a runtime failure.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::InvalidInput | ErrorKind::BadRequest => 2,
            _ => 1,
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// Machine-readable kind.
    pub kind: ErrorKind,
    /// One line for humans (empty when the output already said it all).
    pub message: String,
    /// Exit status the CLI should use: 1 runtime failure, 2 bad input.
    pub exit_code: u8,
}

impl ApiError {
    /// An error of `kind` with the kind's exit status.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
            exit_code: kind.exit_code(),
        }
    }

    /// Bad input (exit status 2).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// No such account or key.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// A runtime failure (exit status 1).
    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Failed, message)
    }
}

/// A state-layer error: bad names and limits are bad input, everything else a failure.
impl From<outlayer_fs::Error> for ApiError {
    fn from(e: outlayer_fs::Error) -> Self {
        use outlayer_fs::Error;
        let kind = match &e {
            Error::BadAccount(_)
            | Error::BadName(_)
            | Error::NameTooLong(_)
            | Error::TooBig { .. }
            | Error::Invalid(_) => ErrorKind::InvalidInput,
            Error::NotFound => ErrorKind::NotFound,
            Error::Exists => ErrorKind::AlreadyExists,
            _ => ErrorKind::Failed,
        };
        ApiError::new(kind, e.to_string())
    }
}

//! A caller's standard streams, handed to a program that `run` starts.
//!
//! The CLI running a program in-process hands over its own; a CLI talking to a daemon
//! passes its descriptors over the control socket (`SCM_RIGHTS`), so the program reads the
//! terminal or pipe the user gave and its output appears as it is written, whichever
//! process runs it.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};

/// Standard input, output and error of the caller, as open descriptors.
#[derive(Debug)]
pub struct Stdio {
    fds: [OwnedFd; 3],
}

impl Stdio {
    /// Descriptors 0, 1 and 2 of this process, duplicated.
    pub fn inherit() -> io::Result<Self> {
        Ok(Stdio {
            fds: [
                io::stdin().as_fd().try_clone_to_owned()?,
                io::stdout().as_fd().try_clone_to_owned()?,
                io::stderr().as_fd().try_clone_to_owned()?,
            ],
        })
    }

    /// Three descriptors received from a caller, in the order stdin, stdout, stderr.
    pub fn from_fds(fds: [OwnedFd; 3]) -> Self {
        Stdio { fds }
    }

    /// The descriptors, to pass on.
    pub fn fds(&self) -> &[OwnedFd; 3] {
        &self.fds
    }

    /// The streams as files (each a new descriptor of the same open file).
    pub fn files(&self) -> io::Result<[File; 3]> {
        let [i, o, e] = &self.fds;
        Ok([
            File::from(i.try_clone()?),
            File::from(o.try_clone()?),
            File::from(e.try_clone()?),
        ])
    }
}

//! Reading a control connection while keeping the descriptors a client passes with a
//! request (`SCM_RIGHTS`): `run` hands the program the caller's own stdin, stdout and
//! stderr this way, so a daemon-run program streams to the user's terminal or pipe.
//!
//! `state_import` passes its file the same way rather than its contents in the request:
//! the daemon then reads the file as a stream (a million-key state never becomes one
//! request line in memory), with the caller's access to it (the daemon may run as another
//! user, or under systemd's `ProtectHome`), and a pipe works as well as a file.

use std::io::{self, IoSliceMut, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};

/// Descriptors one message may carry; more are closed on arrival.
const MAX_FDS: usize = 3;

/// A connection read with `recvmsg`; received descriptors wait in [`FdReader::take_fds`].
pub(super) struct FdReader {
    conn: UnixStream,
    fds: Vec<OwnedFd>,
}

impl FdReader {
    pub(super) fn new(conn: UnixStream) -> Self {
        FdReader {
            conn,
            fds: Vec::new(),
        }
    }

    /// The descriptors received so far (and forgets them).
    pub(super) fn take_fds(&mut self) -> Vec<OwnedFd> {
        std::mem::take(&mut self.fds)
    }
}

impl Read for FdReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut space = nix::cmsg_space!([RawFd; MAX_FDS]);
        let mut iov = [IoSliceMut::new(buf)];
        let (bytes, received) = {
            let msg = recvmsg::<()>(
                self.conn.as_raw_fd(),
                &mut iov,
                Some(&mut space),
                MsgFlags::MSG_CMSG_CLOEXEC,
            )
            .map_err(io::Error::from)?;
            let mut received = Vec::new();
            for cmsg in msg.cmsgs().map_err(io::Error::from)? {
                if let ControlMessageOwned::ScmRights(fds) = cmsg {
                    received.extend(fds);
                }
            }
            (msg.bytes, received)
        };
        for fd in received {
            // SAFETY: the kernel just installed `fd` in our table for us; nothing else
            // owns it, and it is wrapped exactly once.
            self.fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
        }
        Ok(bytes)
    }
}

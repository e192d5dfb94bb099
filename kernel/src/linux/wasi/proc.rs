//! `proc_exit`, `proc_raise`, `sched_yield`, `random_get` and the `sock_*` calls, which
//! answer as wasmtime-wasi's preview1 does when no socket is open: `BADF` for a number that
//! is no descriptor, `NOTSOCK` for any other.

use super::{check_arg, check_enum, Cx, WasiResult};
use crate::linux::errno::Errno;

/// How a task ended through `proc_exit`: the error `proc_exit` traps with, as wasmtime's
/// `I32Exit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("exited with status {0}")]
pub struct ExitStatus(pub i32);

/// The trap `proc_exit(status)` ends the task with (wasmtime refuses statuses from 126 up).
pub(super) fn exit(status: u32) -> wasmtime::Error {
    if status >= 126 {
        return super::GuestError::BadExitStatus(status).into();
    }
    ExitStatus(status as i32).into()
}

/// `proc_raise`: no signals.
pub(super) fn proc_raise(_cx: &mut Cx<'_>, signal: u32) -> WasiResult<()> {
    check_enum(signal, 30, "signal")?;
    Err(Errno::NOTSUP.into())
}

/// `sched_yield`: one task per instance, nothing to yield to.
pub(super) fn sched_yield(_cx: &mut Cx<'_>) -> WasiResult<()> {
    Ok(())
}

/// `random_get`: the task's deterministic random stream.
pub(super) fn random_get(cx: &mut Cx<'_>, buf: u32, buf_len: u32) -> WasiResult<()> {
    let out = cx.mem.slice_mut(buf, buf_len)?;
    cx.task.random.fill(out);
    cx.moved(buf_len as usize);
    Ok(())
}

fn no_socket(cx: &Cx<'_>, fd: u32) -> WasiResult<()> {
    cx.task.fds.get(fd)?;
    Err(Errno::NOTSOCK.into())
}

/// `sock_accept`.
pub(super) fn sock_accept(cx: &mut Cx<'_>, fd: u32, flags: u32, _out: u32) -> WasiResult<()> {
    check_arg(flags.into(), super::fd_meta::fdflags::ALL.into(), "fdflags")?;
    no_socket(cx, fd)
}

/// `sock_recv`.
pub(super) fn sock_recv(
    cx: &mut Cx<'_>,
    fd: u32,
    _iovs: u32,
    _iovs_len: u32,
    flags: u32,
    _size_out: u32,
    _flags_out: u32,
) -> WasiResult<()> {
    // riflags: RECV_PEEK, RECV_WAITALL.
    check_arg(flags.into(), 0b11, "riflags")?;
    no_socket(cx, fd)
}

/// `sock_send`.
pub(super) fn sock_send(
    cx: &mut Cx<'_>,
    fd: u32,
    _iovs: u32,
    _iovs_len: u32,
    flags: u32,
    _out: u32,
) -> WasiResult<()> {
    // siflags has no flag defined.
    check_arg(flags.into(), 0, "siflags")?;
    no_socket(cx, fd)
}

/// `sock_shutdown`.
pub(super) fn sock_shutdown(cx: &mut Cx<'_>, fd: u32, how: u32) -> WasiResult<()> {
    // sdflags: RD, WR.
    check_arg(how.into(), 0b11, "sdflags")?;
    no_socket(cx, fd)
}

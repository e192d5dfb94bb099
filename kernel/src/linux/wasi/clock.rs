//! `clock_res_get`, `clock_time_get` and `poll_oneoff`, on the task's virtual clocks.
//!
//! A task never waits for time: a poll whose only ready event is a clock advances the
//! task's clocks to the earliest deadline and returns at once. File descriptors are always
//! ready (files never block; stdin blocks in the read itself, so the guest sees a blocking
//! stream whatever the host side is), as wasmtime reports them.

use super::{check_enum, Cx, WasiResult};
use crate::linux::clock::CLOCK_RESOLUTION_NS;
use crate::linux::errno::Errno;
use crate::linux::fd::Descriptor;

const REALTIME: u32 = 0;
const MONOTONIC: u32 = 1;
const PROCESS_CPUTIME: u32 = 2;
const THREAD_CPUTIME: u32 = 3;

const EVENT_CLOCK: u8 = 0;
const EVENT_FD_READ: u8 = 1;
const EVENT_FD_WRITE: u8 = 2;
const SUBCLOCK_ABSTIME: u16 = 1;
const EVENT_HANGUP: u16 = 1;

const SUBSCRIPTION_SIZE: u32 = 48;
const EVENT_SIZE: u32 = 32;

fn known_clock(id: u32) -> WasiResult<()> {
    check_enum(id, THREAD_CPUTIME, "clockid")?;
    match id {
        REALTIME | MONOTONIC => Ok(()),
        // wasmtime has no CPU-time clocks and answers BADF.
        PROCESS_CPUTIME | THREAD_CPUTIME => Err(Errno::BADF.into()),
        _ => Err(Errno::INVAL.into()),
    }
}

/// `clock_res_get`.
pub(super) fn clock_res_get(cx: &mut Cx<'_>, id: u32, out: u32) -> WasiResult<()> {
    known_clock(id)?;
    cx.mem.write_u64(out, CLOCK_RESOLUTION_NS)
}

/// `clock_time_get`.
pub(super) fn clock_time_get(
    cx: &mut Cx<'_>,
    id: u32,
    _precision: u64,
    out: u32,
) -> WasiResult<()> {
    known_clock(id)?;
    let now = if id == REALTIME {
        cx.task.clock.realtime()
    } else {
        cx.task.clock.monotonic()
    };
    cx.mem.write_u64(out, now)
}

/// One subscription, decoded.
enum Sub {
    /// Fires after this many nanoseconds from now.
    Clock { after: u64 },
    /// Ready now, with the `nbytes` and flags to report.
    Fd { ty: u8, nbytes: u64, flags: u16 },
}

fn decode(cx: &mut Cx<'_>, at: u32) -> WasiResult<(u64, Sub)> {
    let userdata = cx.mem.read_u64(at)?;
    let tag = cx.mem.read_u8(at + 8)?;
    let sub = match tag {
        EVENT_CLOCK => {
            let id = cx.mem.read_u32(at + 16)?;
            let timeout = cx.mem.read_u64(at + 24)?;
            let flags = cx.mem.read_u16(at + 40)?;
            // Read from memory, a bad value is an errno (wiggle's `GuestError`), not a trap.
            if flags & !SUBCLOCK_ABSTIME != 0 {
                return Err(Errno::INVAL.into());
            }
            let absolute = flags & SUBCLOCK_ABSTIME != 0;
            let now = match id {
                MONOTONIC => cx.task.clock.monotonic(),
                REALTIME => cx.task.clock.realtime(),
                _ => return Err(Errno::INVAL.into()),
            };
            let after = if absolute {
                timeout.saturating_sub(now)
            } else {
                timeout
            };
            Sub::Clock { after }
        }
        EVENT_FD_READ | EVENT_FD_WRITE => {
            let fd = cx.mem.read_u32(at + 16)?;
            let (nbytes, flags) = match (tag, cx.task.fds.get_mut(fd)?) {
                (EVENT_FD_READ, Descriptor::Stdin) => (1, 0),
                (EVENT_FD_READ, Descriptor::File(f)) => {
                    let size = f.file.stat()?.size;
                    let hangup = if size <= f.pos { EVENT_HANGUP } else { 0 };
                    (1, hangup)
                }
                (EVENT_FD_WRITE, Descriptor::Stdout | Descriptor::Stderr | Descriptor::File(_)) => {
                    (1, 0)
                }
                _ => return Err(Errno::BADF.into()),
            };
            Sub::Fd {
                ty: tag,
                nbytes,
                flags,
            }
        }
        _ => return Err(Errno::INVAL.into()),
    };
    Ok((userdata, sub))
}

fn write_event(
    cx: &mut Cx<'_>,
    at: u32,
    userdata: u64,
    ty: u8,
    nbytes: u64,
    flags: u16,
) -> WasiResult<()> {
    cx.mem.write(at, &[0; EVENT_SIZE as usize])?;
    cx.mem.write_u64(at, userdata)?;
    cx.mem.write_u16(at + 8, 0)?;
    cx.mem.write_u8(at + 10, ty)?;
    cx.mem.write_u64(at + 16, nbytes)?;
    cx.mem.write_u16(at + 24, flags)
}

/// `poll_oneoff`.
pub(super) fn poll_oneoff(
    cx: &mut Cx<'_>,
    subs: u32,
    events: u32,
    count: u32,
    out: u32,
) -> WasiResult<()> {
    if count == 0 {
        // Indefinite sleeping is not supported in preview1 (wasmtime's answer).
        return Err(Errno::INVAL.into());
    }
    cx.mem
        .slice(subs, count.saturating_mul(SUBSCRIPTION_SIZE))?;
    cx.mem.slice(events, count.saturating_mul(EVENT_SIZE))?;
    let mut decoded = Vec::with_capacity(count as usize);
    for i in 0..count {
        decoded.push(decode(cx, subs + i * SUBSCRIPTION_SIZE)?);
    }
    let any_fd = decoded.iter().any(|(_, s)| matches!(s, Sub::Fd { .. }));
    let earliest = decoded
        .iter()
        .filter_map(|(_, s)| match s {
            Sub::Clock { after } => Some(*after),
            Sub::Fd { .. } => None,
        })
        .min();
    // Nothing but clocks: sleep (virtually) until the first fires.
    let slept = match (any_fd, earliest) {
        (false, Some(t)) => {
            cx.task.clock.sleep(t);
            t
        }
        _ => 0,
    };
    let mut n = 0u32;
    for (userdata, sub) in decoded {
        let (ty, nbytes, flags) = match sub {
            Sub::Clock { after } if after <= slept => (EVENT_CLOCK, 0, 0),
            Sub::Clock { .. } => continue,
            Sub::Fd { ty, nbytes, flags } => (ty, nbytes, flags),
        };
        write_event(cx, events + n * EVENT_SIZE, userdata, ty, nbytes, flags)?;
        n += 1;
    }
    cx.mem.write_u32(out, n)
}

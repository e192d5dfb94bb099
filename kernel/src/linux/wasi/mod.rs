//! `wasi_snapshot_preview1`, implemented by the kernel over its VFS: all 46 functions,
//! declared once in [`link`] and bound with `Linker::func_wrap` (synchronous).
//!
//! The semantics and errno choices follow wasmtime-wasi's own preview1 (`p1.rs`), the
//! reference: bad guest pointers trap (as wiggle's bounds and alignment checks do), bad
//! flags and enum values are `INVAL`, invalid UTF-8 in a path is `ILSEQ`, `fd_read` and
//! `fd_write` move the first non-empty buffer only. Where this kernel differs on purpose
//! (virtual time, no ttys, the kernel's own mounts) the module docs of `crate::linux` list it.
//!
//! Every call first pays [`SYSCALL_FUEL`], then runs, then pays one unit of fuel per
//! [`BYTES_PER_FUEL`] bytes it moved between the guest and a file; a call that cannot pay
//! ends the task as out of gas.

mod args;
mod clock;
mod fd_io;
mod fd_meta;
mod memory;
mod path;
mod proc;

pub use memory::GuestError;
pub use proc::ExitStatus;

use wasmtime::{Caller, Linker, Trap};

use super::errno::Errno;
use super::task::TaskState;
use memory::Mem;

/// The import module of WASI preview1.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// Fuel every WASI call costs before it runs (about the instructions of a small host
/// function).
pub const SYSCALL_FUEL: u64 = 100;

/// Bytes moved per unit of fuel charged (reads, writes, directory entries, random bytes).
pub const BYTES_PER_FUEL: u64 = 16;

/// Why a WASI call did not succeed: an errno for the guest, or a trap that ends the task.
pub enum Fail {
    /// Returned to the guest.
    Errno(Errno),
    /// Ends the task (bad pointer, `proc_exit`, host failure).
    Trap(wasmtime::Error),
}

impl From<Errno> for Fail {
    fn from(e: Errno) -> Self {
        Fail::Errno(e)
    }
}

/// A WASI call's result.
pub type WasiResult<T> = Result<T, Fail>;

/// What a WASI call works on: the guest's memory and the task.
pub struct Cx<'a> {
    /// The guest's linear memory.
    pub mem: Mem<'a>,
    /// The task.
    pub task: &'a mut TaskState,
}

impl Cx<'_> {
    /// Records `n` bytes moved, to be paid when the call returns.
    pub fn moved(&mut self, n: usize) {
        self.task.bytes_moved = self.task.bytes_moved.saturating_add(n as u64);
    }
}

/// Takes `fuel` from the task, or ends it as out of gas.
fn pay(caller: &mut Caller<'_, TaskState>, fuel: u64) -> wasmtime::Result<()> {
    let left = caller.get_fuel()?;
    if left < fuel {
        caller.set_fuel(0)?;
        return Err(Trap::OutOfFuel.into());
    }
    caller.set_fuel(left - fuel)?;
    Ok(())
}

/// Runs one WASI call `name`: pays for it, counts it, advances the clock to the fuel burnt,
/// gives `f` the memory and the task, and turns the outcome into the errno returned (or a
/// trap).
fn hostcall(
    caller: &mut Caller<'_, TaskState>,
    name: &'static str,
    f: impl FnOnce(&mut Cx<'_>) -> WasiResult<()>,
) -> wasmtime::Result<i32> {
    pay(caller, SYSCALL_FUEL)?;
    let burnt = caller.data().fuel_limit.saturating_sub(caller.get_fuel()?);
    let task = caller.data_mut();
    task.clock.set_fuel_burnt(burnt);
    *task.syscalls.entry(name).or_insert(0) += 1;
    task.bytes_moved = 0;
    let memory = task
        .memory
        .ok_or_else(|| wasmtime::format_err!("the program exports no memory named \"memory\""))?;
    let (data, task) = memory.data_and_store_mut(&mut *caller);
    let result = f(&mut Cx {
        mem: Mem::new(data),
        task,
    });
    let moved = caller.data().bytes_moved;
    pay(caller, moved / BYTES_PER_FUEL)?;
    match result {
        Ok(()) => Ok(0),
        Err(Fail::Errno(e)) => Ok(i32::from(e.0)),
        Err(Fail::Trap(t)) => Err(t),
    }
}

/// Declares the WASI table once: [`FUNCTIONS`] names every function and [`link`] binds
/// each `module::name(params)` to the function of that name, run through [`hostcall`].
macro_rules! wasi_table {
    ($($module:ident :: $name:ident ( $($arg:ident : $ty:ty),* );)*) => {
        /// Every function of `wasi_snapshot_preview1`, as [`link`] binds them.
        pub const FUNCTIONS: &[&str] = &[$(stringify!($name),)* "proc_exit"];

        /// Binds all of `wasi_snapshot_preview1` to `linker`.
        pub fn link(linker: &mut Linker<TaskState>) -> wasmtime::Result<()> {
            $(
                linker.func_wrap(
                    WASI_MODULE,
                    stringify!($name),
                    |mut caller: Caller<'_, TaskState>, $($arg: $ty),*| -> wasmtime::Result<i32> {
                        hostcall(&mut caller, stringify!($name), |cx| $module::$name(cx, $($arg),*))
                    },
                )?;
            )*
            // `proc_exit` returns nothing: it always ends the task.
            linker.func_wrap(
                WASI_MODULE,
                "proc_exit",
                |mut caller: Caller<'_, TaskState>, status: u32| -> wasmtime::Result<()> {
                    pay(&mut caller, SYSCALL_FUEL)?;
                    *caller.data_mut().syscalls.entry("proc_exit").or_insert(0) += 1;
                    Err(proc::exit(status))
                },
            )?;
            Ok(())
        }
    };
}

wasi_table! {
    args::args_get(argv: u32, argv_buf: u32);
    args::args_sizes_get(argc_out: u32, size_out: u32);
    args::environ_get(environ: u32, environ_buf: u32);
    args::environ_sizes_get(count_out: u32, size_out: u32);
    clock::clock_res_get(id: u32, out: u32);
    clock::clock_time_get(id: u32, precision: u64, out: u32);
    fd_meta::fd_advise(fd: u32, offset: u64, len: u64, advice: u32);
    fd_meta::fd_allocate(fd: u32, offset: u64, len: u64);
    fd_meta::fd_close(fd: u32);
    fd_meta::fd_datasync(fd: u32);
    fd_meta::fd_fdstat_get(fd: u32, out: u32);
    fd_meta::fd_fdstat_set_flags(fd: u32, flags: u32);
    fd_meta::fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64);
    fd_meta::fd_filestat_get(fd: u32, out: u32);
    fd_meta::fd_filestat_set_size(fd: u32, size: u64);
    fd_meta::fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, flags: u32);
    fd_io::fd_pread(fd: u32, iovs: u32, iovs_len: u32, offset: u64, out: u32);
    fd_meta::fd_prestat_get(fd: u32, out: u32);
    fd_meta::fd_prestat_dir_name(fd: u32, buf: u32, buf_len: u32);
    fd_io::fd_pwrite(fd: u32, iovs: u32, iovs_len: u32, offset: u64, out: u32);
    fd_io::fd_read(fd: u32, iovs: u32, iovs_len: u32, out: u32);
    fd_io::fd_readdir(fd: u32, buf: u32, buf_len: u32, cookie: u64, out: u32);
    fd_meta::fd_renumber(fd: u32, to: u32);
    fd_io::fd_seek(fd: u32, offset: i64, whence: u32, out: u32);
    fd_meta::fd_sync(fd: u32);
    fd_io::fd_tell(fd: u32, out: u32);
    fd_io::fd_write(fd: u32, iovs: u32, iovs_len: u32, out: u32);
    path::path_create_directory(fd: u32, path: u32, path_len: u32);
    path::path_filestat_get(fd: u32, flags: u32, path: u32, path_len: u32, out: u32);
    path::path_filestat_set_times(
        fd: u32, flags: u32, path: u32, path_len: u32, atim: u64, mtim: u64, fst: u32
    );
    path::path_link(
        fd: u32, flags: u32, path: u32, path_len: u32, to_fd: u32, to: u32, to_len: u32
    );
    path::path_open(
        fd: u32, dirflags: u32, path: u32, path_len: u32, oflags: u32, rights: u64,
        inheriting: u64, fdflags: u32, out: u32
    );
    path::path_readlink(fd: u32, path: u32, path_len: u32, buf: u32, buf_len: u32, out: u32);
    path::path_remove_directory(fd: u32, path: u32, path_len: u32);
    path::path_rename(fd: u32, path: u32, path_len: u32, to_fd: u32, to: u32, to_len: u32);
    path::path_symlink(target: u32, target_len: u32, fd: u32, path: u32, path_len: u32);
    path::path_unlink_file(fd: u32, path: u32, path_len: u32);
    clock::poll_oneoff(subs: u32, events: u32, count: u32, out: u32);
    proc::proc_raise(signal: u32);
    proc::sched_yield();
    proc::random_get(buf: u32, buf_len: u32);
    proc::sock_accept(fd: u32, flags: u32, out: u32);
    proc::sock_recv(
        fd: u32, iovs: u32, iovs_len: u32, flags: u32, size_out: u32, flags_out: u32
    );
    proc::sock_send(fd: u32, iovs: u32, iovs_len: u32, flags: u32, out: u32);
    proc::sock_shutdown(fd: u32, how: u32);
}

/// Traps when the argument `value` has bits outside `known`: wasmtime's bindings convert
/// every flags and enum argument before the call and trap when one does not convert.
pub fn check_arg(value: u64, known: u64, what: &'static str) -> WasiResult<()> {
    if value & !known != 0 {
        return Err(Fail::Trap(GuestError::BadArgument { what, value }.into()));
    }
    Ok(())
}

/// Traps for an enum argument past `last` (as [`check_arg`] for flags).
pub fn check_enum(value: u32, last: u32, what: &'static str) -> WasiResult<()> {
    if value > last {
        let value = u64::from(value);
        return Err(Fail::Trap(GuestError::BadArgument { what, value }.into()));
    }
    Ok(())
}

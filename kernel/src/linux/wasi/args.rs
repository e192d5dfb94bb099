//! `args_*` and `environ_*`: the task's argv and environment (only what the caller set).

use super::{Cx, WasiResult};

/// Writes `items` as NUL-terminated strings at `buf` and their addresses at `ptrs`.
fn write_list(cx: &mut Cx<'_>, items: &[Vec<u8>], ptrs: u32, buf: u32) -> WasiResult<()> {
    let (mut ptr, mut at) = (ptrs, buf);
    for item in items {
        cx.mem.write_u32(ptr, at)?;
        cx.mem.write(at, item)?;
        at = at.wrapping_add(item.len() as u32);
        cx.mem.write_u8(at, 0)?;
        at = at.wrapping_add(1);
        ptr = ptr.wrapping_add(4);
    }
    Ok(())
}

/// The count and total size (with NULs) of `items`.
fn sizes(cx: &mut Cx<'_>, items: &[Vec<u8>], count_out: u32, size_out: u32) -> WasiResult<()> {
    let size: usize = items.iter().map(|a| a.len() + 1).sum();
    cx.mem.write_u32(count_out, items.len() as u32)?;
    cx.mem.write_u32(size_out, size as u32)
}

/// `args_get`.
pub(super) fn args_get(cx: &mut Cx<'_>, argv: u32, argv_buf: u32) -> WasiResult<()> {
    let args = std::mem::take(&mut cx.task.args);
    let r = write_list(cx, &args, argv, argv_buf);
    cx.task.args = args;
    r
}

/// `args_sizes_get`.
pub(super) fn args_sizes_get(cx: &mut Cx<'_>, argc_out: u32, size_out: u32) -> WasiResult<()> {
    let args = std::mem::take(&mut cx.task.args);
    let r = sizes(cx, &args, argc_out, size_out);
    cx.task.args = args;
    r
}

/// `environ_get`.
pub(super) fn environ_get(cx: &mut Cx<'_>, environ: u32, environ_buf: u32) -> WasiResult<()> {
    let env = std::mem::take(&mut cx.task.env);
    let r = write_list(cx, &env, environ, environ_buf);
    cx.task.env = env;
    r
}

/// `environ_sizes_get`.
pub(super) fn environ_sizes_get(cx: &mut Cx<'_>, count_out: u32, size_out: u32) -> WasiResult<()> {
    let env = std::mem::take(&mut cx.task.env);
    let r = sizes(cx, &env, count_out, size_out);
    cx.task.env = env;
    r
}

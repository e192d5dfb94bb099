/* NEAR syscalls for programs running as outlayer guest-kernel tasks (linux mode).
 *
 * One import reaches them all: module "outlayer", function
 * "syscall(nr, a0, ..., a5) -> i64" (see ARCHITECTURE.md, "NEAR syscalls"). Link
 * guest/lib/near_syscall.c for `syscall()`, which calls it with libc's convention: a
 * result below 0 becomes -1 with `errno` set (ENOENT for a missing key, EFAULT for a bad
 * pointer, EINVAL for a bad length, EFBIG for a value too large, ENOSYS for an unknown
 * number).
 *
 *   clang --target=wasm32-wasi --sysroot=/usr -I guest/include app.c guest/lib/near_syscall.c
 */
#ifndef OUTLAYER_NEAR_SYSCALL_H
#define OUTLAYER_NEAR_SYSCALL_H

/* Storage: key, key_len[, value, value_len | buf, buf_len]. */
#define SYS_near_storage_write 400   /* 1 replaced, 0 new */
#define SYS_near_storage_read 401    /* the value's length; copies min(len, buf_len) */
#define SYS_near_storage_remove 402  /* 1 removed, 0 absent */
#define SYS_near_storage_has_key 403 /* 1 or 0 */

/* Promises: spec, spec_len (JSON: receiver_id, method_name, args, amount, gas). */
#define SYS_near_promise_create 410 /* promise index */
#define SYS_near_promise_then 411   /* promise, spec, spec_len: promise index */
#define SYS_near_yield_create 415
#define SYS_near_yield_resume 416

/* Logs and panics: msg, msg_len. */
#define SYS_near_log 420
#define SYS_near_panic 421 /* does not return */

/* Context: buf, buf_len -> length; or no arguments. */
#define SYS_near_signer_id 430
#define SYS_near_predecessor_id 431
#define SYS_near_current_account_id 432
#define SYS_near_block_index 440
#define SYS_near_block_timestamp 441 /* nanoseconds */

/* Hashes: data, len, out (32 bytes; 20 for RIPEMD-160) -> 0. */
#define SYS_near_sha256 450
#define SYS_near_keccak256 451
#define SYS_near_ripemd160 452

/* As <unistd.h> declares it. */
long syscall(long, ...);

#endif

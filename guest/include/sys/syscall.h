/* <sys/syscall.h> for outlayer guest tasks: wasi-libc's is empty (WASI has no syscalls);
 * here it names the NEAR syscalls, so C written for Linux's `syscall(SYS_..., ...)` builds
 * with -I guest/include. */
#ifndef OUTLAYER_SYS_SYSCALL_H
#define OUTLAYER_SYS_SYSCALL_H
#include <near/syscall.h>
#endif

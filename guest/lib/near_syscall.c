/* `syscall()` for outlayer guest tasks: the NEAR syscalls through the "outlayer" import.
 * Link this one file with a program that calls syscall() (see include/near/syscall.h). */
#include <errno.h>
#include <stdarg.h>

#include <near/syscall.h>

__attribute__((import_module("outlayer"), import_name("syscall"))) long long
__outlayer_syscall(long long nr, long long a0, long long a1, long long a2, long long a3,
                   long long a4, long long a5);

/* The import answers Linux's errno numbers (near/syscall.h); wasi-libc numbers them its
 * own way, so each is named here. */
static int libc_errno(long long linux_errno) {
    switch (linux_errno) {
    case 1: return EPERM;
    case 2: return ENOENT;
    case 14: return EFAULT;
    case 22: return EINVAL;
    case 27: return EFBIG;
    case 30: return EROFS;
    case 38: return ENOSYS;
    case 84: return EILSEQ;
    default: return EIO;
    }
}

long syscall(long nr, ...) {
    /* As musl's syscall(): six arguments are taken whatever the call passed; those past
     * the call's own are never used by the syscall it names. */
    va_list ap;
    long a[6];
    va_start(ap, nr);
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    /* Pointers and lengths are 32-bit here: unsigned, so an address above 2 GiB stays one. */
    long long r = __outlayer_syscall(nr, (unsigned long)a[0], (unsigned long)a[1],
                                     (unsigned long)a[2], (unsigned long)a[3],
                                     (unsigned long)a[4], (unsigned long)a[5]);
    if (r < 0) {
        errno = libc_errno(-r);
        return -1;
    }
    return (long)r;
}

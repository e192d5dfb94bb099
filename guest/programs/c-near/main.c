/* Runs the design note's C example (increment_counter.c, compiled unchanged), then reads
 * the key back both ways: through the syscall and as a file of /near/state. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void increment_counter();

int main(void) {
    increment_counter();
    char buf[16] = {0};
    long n = syscall(SYS_near_storage_read, "count", 5, buf, sizeof buf - 1);
    printf("syscall read: %ld %s\n", n, buf);
    n = syscall(SYS_near_storage_read, "missing", 7, buf, sizeof buf);
    printf("missing: %ld %s\n", n, strerror(errno));
    FILE *f = fopen("/near/state/count", "r");
    if (!f) {
        printf("fopen: %s\n", strerror(errno));
        return 1;
    }
    memset(buf, 0, sizeof buf);
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    printf("file read: %zu %s\n", got, buf);
    return 0;
}

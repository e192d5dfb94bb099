/* counter_files: the counter of c-syscall/counter_syscall.c with nothing but stdio, run as a
 * contract under outlayerd's program convention: the key `count` is the file
 * /near/state/count (decimal text), a log line is a line of stderr, the method is argv[1],
 * the result goes to stdout, and exit 0 commits what was written (any other status drops
 * it). No NEAR header, no syscall: plain C for wasi-libc.
 *
 *   increment | decrement   change the count by one; log "count = N"; print N
 *   get_count               print the count (0 while the file does not exist)
 *   reset                   set it to 0; log "count = 0"; print nothing
 *
 * Exit status: 0 done, 1 refused or failed (nothing is committed), 2 unknown method. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char PATH[] = "/near/state/count";

/* A contract's panic: a message on stderr and a non-zero status, so that whatever the call
 * wrote is dropped. */
static void fail(const char *what, const char *why) {
    fprintf(stderr, "counter_files: %s: %s\n", what, why);
    exit(1);
}

static unsigned long long load(void) {
    FILE *f = fopen(PATH, "r");
    if (!f) {
        if (errno == ENOENT) /* never written: a fresh counter starts at 0 */
            return 0;
        fail(PATH, strerror(errno));
    }
    /* Digits and nothing else (fscanf's %llu alone would take "-3" or "7 apples"): anything
     * else is not a count we wrote, and going on would overwrite it. */
    char digits[21];
    int ok = fscanf(f, "%20[0-9]", digits) == 1 && getc(f) == EOF && !ferror(f);
    fclose(f);
    if (!ok)
        fail(PATH, "not a decimal number");
    errno = 0;
    unsigned long long v = strtoull(digits, NULL, 10);
    if (errno == ERANGE)
        fail(PATH, "out of range");
    return v;
}

static void store(unsigned long long v) {
    /* In a view call /near/state is read-only: fopen fails with EROFS. A full or failing
     * store may only show at fclose, when the buffer is written: check all three. */
    FILE *f = fopen(PATH, "w");
    if (!f)
        fail(PATH, strerror(errno));
    if (fprintf(f, "%llu", v) < 0 || fclose(f) != 0)
        fail(PATH, strerror(errno));
    fprintf(stderr, "count = %llu\n", v);
}

int main(int argc, char **argv) {
    const char *method = argc > 1 ? argv[1] : "";
    unsigned long long count;

    if (strcmp(method, "get_count") == 0) {
        printf("%llu\n", load());
    } else if (strcmp(method, "increment") == 0) {
        count = load();
        if (count == (unsigned long long)-1)
            fail("increment", "count would overflow");
        store(++count);
        printf("%llu\n", count);
    } else if (strcmp(method, "decrement") == 0) {
        count = load();
        if (count == 0)
            fail("decrement", "count is already 0");
        store(--count);
        printf("%llu\n", count);
    } else if (strcmp(method, "reset") == 0) {
        store(0);
    } else {
        fprintf(stderr, "counter_files: unknown method '%s' "
                        "(increment, decrement, get_count, reset)\n", method);
        return 2;
    }
    return 0;
}

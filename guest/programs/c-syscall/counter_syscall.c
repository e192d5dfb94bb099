/* counter_syscall: the design note's counter (c-near/increment_counter.c) grown into a whole
 * contract under outlayerd's program convention: the method is argv[1], the result goes to
 * stdout, exit 0 commits and any other status commits nothing.
 *
 * State is kept through the NEAR storage syscalls only (key `count`, decimal text), and
 * logs go through near_log, as a contract compiled for NEAR would do it; counter_files.c is
 * the same contract written against /near/state with stdio instead.
 *
 *   increment | decrement   change the count by one; log "count = N"; print N
 *   get_count               print the count (0 before the first write)
 *   reset                   set it to 0; log "count = 0"; print nothing
 *   notify                  increment, then call `on_count({"count":N})` on the account
 *                           named on stdin (a promise: the call's outcome lists its receipt)
 *
 * Exit status: 0 done, 1 refused or failed (nothing is committed), 2 unknown method. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char KEY[] = "count";

/* A contract's panic: the message on stderr (a log line) and a non-zero status, so the
 * call fails and whatever it wrote is dropped. */
static void fail(const char *what, const char *why) {
    fprintf(stderr, "counter_syscall: %s: %s\n", what, why);
    exit(1);
}

static unsigned long long load(void) {
    char buf[24];
    long n = syscall(SYS_near_storage_read, KEY, sizeof KEY - 1, buf, sizeof buf - 1);
    if (n < 0) {
        if (errno == ENOENT) /* never written: a fresh counter starts at 0 */
            return 0;
        fail("storage_read count", strerror(errno));
    }
    /* storage_read answers the value's whole length and copies what fits: anything that
     * does not fit, or is not plain digits, is not a count we wrote, and going on would
     * overwrite it. */
    if (n == 0 || n >= (long)sizeof buf - 1)
        fail("count", "not a decimal number");
    buf[n] = '\0';
    for (long i = 0; i < n; i++)
        if (buf[i] < '0' || buf[i] > '9')
            fail("count", "not a decimal number");
    errno = 0;
    unsigned long long v = strtoull(buf, NULL, 10);
    if (errno == ERANGE)
        fail("count", "out of range");
    return v;
}

static void store(unsigned long long v) {
    char buf[24];
    int len = snprintf(buf, sizeof buf, "%llu", v);
    /* In a view call the state is read-only and this fails: the program must fail too. */
    if (syscall(SYS_near_storage_write, KEY, sizeof KEY - 1, buf, (size_t)len) < 0)
        fail("storage_write count", strerror(errno));
    char msg[40];
    len = snprintf(msg, sizeof msg, "count = %llu", v);
    syscall(SYS_near_log, msg, (size_t)len);
}

/* The arguments: an account id, alone on stdin. */
static void read_receiver(char *buf, size_t size) {
    size_t n = fread(buf, 1, size - 1, stdin);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        n--;
    buf[n] = '\0';
    if (n == 0)
        fail("notify", "give the receiver's account id as the arguments");
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '"' || buf[i] == '\\')
            fail("notify", "not an account id");
}

/* Asks `receiver` to run on_count with the new count, with 5 Tgas and no deposit. */
static void notify(const char *receiver, unsigned long long count) {
    char spec[256];
    int len = snprintf(spec, sizeof spec,
                       "{\"receiver_id\":\"%s\",\"method_name\":\"on_count\","
                       "\"args\":{\"count\":%llu},\"gas\":5000000000000}",
                       receiver, count);
    if (len < 0 || len >= (int)sizeof spec)
        fail("notify", "receiver id too long");
    if (syscall(SYS_near_promise_create, spec, (size_t)len) < 0)
        fail("promise_create", strerror(errno));
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
    } else if (strcmp(method, "notify") == 0) {
        char receiver[128];
        read_receiver(receiver, sizeof receiver);
        count = load();
        if (count == (unsigned long long)-1)
            fail("notify", "count would overflow");
        store(++count);
        notify(receiver, count);
        printf("%llu\n", count);
    } else if (strcmp(method, "reset") == 0) {
        store(0);
    } else {
        fprintf(stderr, "counter_syscall: unknown method '%s' "
                        "(increment, decrement, get_count, reset, notify)\n", method);
        return 2;
    }
    return 0;
}

#include <unistd.h>
#include <sys/syscall.h>

#define SYS_near_storage_write 400

void increment_counter() {
    char key[] = "count";
    char value[] = "42";

    // Call NEAR storage via syscall
    syscall(SYS_near_storage_write, key, 5, value, 2);
}

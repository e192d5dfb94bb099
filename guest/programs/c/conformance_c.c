/* A conformance program in C with wasi-libc: POSIX file I/O as legacy programs use it, run
 * with / preopened. Prints what each call answers (errno names), nothing that legitimately
 * differs between runtimes, and exits with status 5. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void show(const char *label, int r) {
    if (r < 0)
        printf("%s: -1 %s\n", label, strerror(errno));
    else
        printf("%s: %d\n", label, r);
}

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *path) {
    DIR *d = opendir(path);
    if (!d) {
        printf("opendir %s: %s\n", path, strerror(errno));
        return;
    }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
        names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("ls %s:", path);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

int main(int argc, char **argv) {
    printf("argc %d argv0 %s\n", argc, argv[0]);
    const char *greeting = getenv("GREETING");
    printf("GREETING=%s\n", greeting ? greeting : "(unset)");
    char line[128];
    if (fgets(line, sizeof line, stdin))
        printf("stdin: %s", line);
    fprintf(stderr, "c stderr\n");

    show("mkdir /cwork", mkdir("/cwork", 0755));
    show("mkdir again", mkdir("/cwork", 0755));
    show("chdir /cwork", chdir("/cwork"));
    int fd = open("data.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    show("open data.txt", fd >= 0 ? 0 : -1);
    show("write", (int)write(fd, "line one\nline two\n", 18));
    show("lseek 5", (int)lseek(fd, 5, SEEK_SET));
    char buf[64] = {0};
    show("read", (int)read(fd, buf, 3));
    printf("  got %s\n", buf);
    show("pwrite", (int)pwrite(fd, "ONE", 3, 5));
    show("pread", (int)pread(fd, buf, 8, 0));
    printf("  got %.8s\n", buf);
    show("ftruncate 9", ftruncate(fd, 9));
    struct stat st;
    show("fstat", fstat(fd, &st));
    printf("  size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    show("fsync", fsync(fd));
    show("close", close(fd));
    show("close again", close(fd));

    fd = open("data.txt", O_WRONLY | O_APPEND);
    show("write append", (int)write(fd, "+tail", 5));
    close(fd);
    FILE *f = fopen("data.txt", "r");
    if (f) {
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = 0;
        printf("contents: %s\n", buf);
        fclose(f);
    }
    show("open excl existing", open("data.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
    show("open missing", open("missing.txt", O_RDONLY));
    show("open dir O_WRONLY", open("/cwork", O_WRONLY));
    show("open file O_DIRECTORY", open("data.txt", O_RDONLY | O_DIRECTORY));
    show("stat missing", stat("missing.txt", &st));
    show("rename", rename("data.txt", "renamed.txt"));
    show("symlink", symlink("renamed.txt", "link"));
    char target[64] = {0};
    show("readlink", (int)readlink("link", target, sizeof target - 1));
    printf("  -> %s\n", target);
    show("lstat link", lstat("link", &st));
    printf("  symlink %d\n", S_ISLNK(st.st_mode));
    show("link", link("renamed.txt", "hard"));
    show("stat hard", stat("hard", &st));
    printf("  nlink %lld\n", (long long)st.st_nlink);
    struct timespec times[2] = {{1, 0}, {1234567890, 123}};
    show("utimensat", utimensat(AT_FDCWD, "hard", times, 0));
    show("stat hard", stat("hard", &st));
    printf("  mtime %lld.%09ld\n", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    show("mkdir sub", mkdir("sub", 0755));
    show("symlink to dir", symlink("sub", "sublink"));
    show("stat sublink/", stat("sublink/", &st));
    printf("  dir %d\n", S_ISDIR(st.st_mode));
    show("stat link/ (to a file)", stat("link/", &st));
    show("unlink sublink", unlink("sublink"));
    show("rmdir nonempty parent", rmdir("/cwork"));
    show("unlink dir", unlink("sub"));
    list("/cwork");
    show("escape", open("../../../etc/passwd", O_RDONLY));

    struct timespec t0, t1;
    show("clock_gettime monotonic", clock_gettime(CLOCK_MONOTONIC, &t0));
    struct timespec nap = {0, 1000000};
    show("nanosleep", nanosleep(&nap, NULL));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long slept = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    printf("  slept at least 1ms: %d\n", slept >= 1000000);
    struct pollfd p = {.fd = 1, .events = POLLOUT};
    show("poll stdout", poll(&p, 1, 0));
    printf("  revents %d\n", p.revents);
    unsigned char rnd[16];
    show("getentropy", getentropy(rnd, sizeof rnd));

    show("unlink link", unlink("link"));
    show("unlink hard", unlink("hard"));
    show("unlink renamed", unlink("renamed.txt"));
    show("rmdir sub", rmdir("sub"));
    show("chdir /", chdir("/"));
    show("rmdir /cwork", rmdir("/cwork"));
    fflush(stdout);
    return 5;
}

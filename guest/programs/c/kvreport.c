/*
 * kvreport - keep small key=value records as files, and report on them as CSV.
 *
 * usage: kvreport put      < lines of key=value
 *        kvreport report
 *        kvreport top [N]  (N from the command line, else from stdin, else 5)
 *
 * Each record is one regular file in $KVREPORT_DIR, named by its key and holding its
 * value; dot files and subdirectories are not records.  The default directory,
 * /near/state, is where outlayerd mounts a contract's state: there the tool runs unchanged
 * as a contract, with argv[1] as the method, stdin as its arguments, no environment of
 * ours, and exit 0 committing what `put' wrote (any other status dropping all of it).
 *
 * Exit status: 0 done, 1 error, 2 usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREVIEW 16   /* bytes of each value shown by report and top */
#define MAXLINE 4096 /* longest key=value line put accepts */
#define DEFTOP 5

struct rec {
	char *key;
	long long bytes;
	char preview[PREVIEW + 4]; /* room for "..." */
};

static const char *dir;

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("kvreport: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		die("out of memory");
	return p;
}

static char *
pathof(const char *key)
{
	char *p = xmalloc(strlen(dir) + strlen(key) + 2);

	sprintf(p, "%s/%s", dir, key);
	return p;
}

/* The first PREVIEW bytes of the value, printable (a report is one line per record). */
static void
readpreview(const char *path, struct rec *r)
{
	FILE *f;
	size_t i, n;

	if ((f = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	n = fread(r->preview, 1, PREVIEW, f);
	if (ferror(f))
		die("%s: %s", path, strerror(errno));
	fclose(f);
	for (i = 0; i < n; i++)
		if ((unsigned char)r->preview[i] < ' ' || r->preview[i] == 0x7f)
			r->preview[i] = '.';
	strcpy(r->preview + n, r->bytes > PREVIEW ? "..." : "");
}

static size_t
loadrecs(struct rec **out)
{
	DIR *d;
	struct dirent *e;
	struct stat st;
	struct rec *recs = NULL;
	size_t n = 0, cap = 0;
	char *path;

	if ((d = opendir(dir)) == NULL)
		die("%s: %s", dir, strerror(errno));
	while ((errno = 0, e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		path = pathof(e->d_name);
		if (stat(path, &st) != 0)
			die("%s: %s", path, strerror(errno));
		if (S_ISREG(st.st_mode)) {
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				if ((recs = realloc(recs, cap * sizeof *recs)) == NULL)
					die("out of memory");
			}
			recs[n].key = strdup(e->d_name);
			if (recs[n].key == NULL)
				die("out of memory");
			recs[n].bytes = (long long)st.st_size;
			readpreview(path, &recs[n]);
			n++;
		}
		free(path);
	}
	if (errno != 0)
		die("%s: %s", dir, strerror(errno));
	closedir(d);
	*out = recs;
	return n;
}

static int
byname(const void *a, const void *b)
{
	return strcmp(((const struct rec *)a)->key, ((const struct rec *)b)->key);
}

static int
bysize(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* One CSV field, quoted (RFC 4180) only when it has to be. */
static void
csvfield(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void
csvrow(const struct rec *r)
{
	csvfield(r->key);
	printf(",%lld,", r->bytes);
	csvfield(r->preview);
	putchar('\n');
}

static int
report(void)
{
	struct rec *recs;
	size_t i, n = loadrecs(&recs);
	long long total = 0;

	qsort(recs, n, sizeof *recs, byname);
	puts("key,bytes,value-preview");
	for (i = 0; i < n; i++) {
		csvrow(&recs[i]);
		total += recs[i].bytes;
	}
	printf("TOTAL,%lld,%lu records\n", total, (unsigned long)n);
	return 0;
}

static int
top(const char *arg)
{
	struct rec *recs;
	char line[64], *end;
	size_t i, n;
	long want = DEFTOP;

	/* Like many filters, take the argument from stdin when the command line has none. */
	if (arg == NULL && fgets(line, sizeof line, stdin) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		arg = line;
	}
	if (arg != NULL && *arg != '\0') {
		errno = 0;
		want = strtol(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0' || want < 1)
			die("top: bad count '%s'", arg);
	}
	n = loadrecs(&recs);
	qsort(recs, n, sizeof *recs, bysize);
	puts("key,bytes,value-preview");
	for (i = 0; i < n && i < (size_t)want; i++)
		csvrow(&recs[i]);
	return 0;
}

static int
put(void)
{
	char line[MAXLINE], *eq, *path;
	FILE *f;
	long lineno = 0;
	int stored = 0;
	size_t len;

	while (fgets(line, sizeof line, stdin) != NULL) {
		lineno++;
		len = strlen(line);
		if (len == sizeof line - 1 && line[len - 1] != '\n')
			die("stdin:%ld: line too long", lineno);
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		/* A key names a file: no slash, and no leading dot (report skips those). */
		if ((eq = strchr(line, '=')) == NULL || eq == line || line[0] == '.')
			die("stdin:%ld: expected key=value", lineno);
		*eq = '\0';
		if (strchr(line, '/') != NULL)
			die("stdin:%ld: '/' in key '%s'", lineno, line);
		path = pathof(line);
		if ((f = fopen(path, "w")) == NULL)
			die("%s: %s", path, strerror(errno));
		/* Write errors may only show when the buffer goes out: check fclose too. */
		if (fputs(eq + 1, f) == EOF || fclose(f) != 0)
			die("%s: %s", path, strerror(errno));
		free(path);
		stored++;
	}
	if (ferror(stdin))
		die("stdin: %s", strerror(errno));
	printf("%d records stored\n", stored);
	return 0;
}

static void
usage(void)
{
	fputs("usage: kvreport put | report | top [N]\n", stderr);
	exit(2);
}

int
main(int argc, char *argv[])
{
	if ((dir = getenv("KVREPORT_DIR")) == NULL || *dir == '\0')
		dir = "/near/state";
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "put") == 0 && argc == 2)
		return put();
	if (strcmp(argv[1], "report") == 0 && argc == 2)
		return report();
	if (strcmp(argv[1], "top") == 0 && argc <= 3)
		return top(argv[2]);
	usage();
	return 2;
}

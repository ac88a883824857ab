// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * walk: visit every entry of a tree the way find + cat + stat + getfattr
 * would, and classify every error.
 *
 *   walk [-a ERRNO,ERRNO...] [-S] [-D] [-X] [-p PATHS] [-W SEC] [-T]
 *        [-R BYTES] [-M BYTES] ROOT
 *
 * Each entry is lstat()ed; regular files are read with read() and through
 * a mapping (a SIGBUS on a mapped page counts as EIO) and their data
 * ranges followed with SEEK_DATA/SEEK_HOLE; symlinks are read;
 * every listed xattr is fetched; directories are entered.  Errors whose
 * errno is in the allowed list (default EUCLEAN,EIO) are counted; any
 * other error is printed and makes the exit status 1.  Guards against a
 * hostile tree: a directory reached twice (a cycle) is not re-entered,
 * depth and entry count are capped.
 *
 * An allowed errno may be limited to some operations: "ENOENT@name"
 * allows ENOENT only for the operations that look a name up (lstat, open,
 * open dir, readlink, listxattr, getxattr, lookup, follow), "ENODATA@getxattr"
 * only for getxattr; "@OP" matches an operation named OP or starting with
 * "OP " (so "@lseek" covers both SEEK_DATA and SEEK_HOLE).
 *
 * Options for trees that change while they are walked (tests/vm/
 * livecorrupt.sh):
 *   -S        open regular files safely: O_PATH first, and only a file
 *             that fstat() shows is still regular is opened for reading
 *             (through /proc/self/fd), so that an entry whose type changed
 *             never opens a device or blocks on a fifo
 *   -D        in each directory, seekdir() back to remembered telldir()
 *             positions, in random order, and read the entry there
 *   -X        read regular files three more ways: sendfile() to /dev/null
 *             (the splice path), a MAP_PRIVATE mapping written to (every
 *             other page first read, so both the copy-on-write fault and
 *             the write-protect copy run; a SIGBUS counts as EIO), and
 *             /proc/self/mem reads of a fresh shared mapping (the ptrace
 *             path, ->access)
 *   -p PATHS  after the walk, look up each path listed in the file PATHS
 *             (one per line, relative to ROOT) twice with openat2(O_PATH):
 *             "lookup" without following any symlink, "follow" following
 *             them but confined to ROOT (RESOLVE_IN_ROOT); fstat() the
 *             result; and statfs() ROOT
 *   -W SEC    watchdog: one operation (a system call, or the page loop of
 *             a mapped read) running longer than SEC seconds is a hang,
 *             reported at once on stderr ("walk: HANG: ...") and counted as
 *             unexpected, even while the call is still stuck
 *   -T        tally: before the summary, print "tally: ops N", one
 *             "tally: ERRNO COUNT" line per errno seen and one
 *             "tally: ERRNO@OP COUNT" per errno and operation (blanks in OP
 *             written as '_'); the entry
 *             cap then ends the walk instead of failing it
 *   -R BYTES  read at most BYTES of each file (default 64 MiB), -M BYTES
 *             map at most that much (default 16 MiB): a changed size can
 *             make every file a huge hole
 */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <linux/openat2.h>
#include "common.h"

#define MAX_DEPTH	400
#define MAX_ENTRIES	500000
#define READ_CAP	(64ULL << 20)
#define MAP_CAP		(16ULL << 20)
#define SEEK_STEPS	4096
#define MAX_ALLOWED	256
#define DIR_POS		64	/* telldir positions kept per directory */
#define MAX_ERRNO	4096
#define EAGAIN_TRIES	100

struct allow {
	char name[32];
	char op[32];		/* "" any operation, "name", or an op */
};

static struct allow allowed[MAX_ALLOWED];
static int nallowed;
static long entries, errors, unexpected;
static sigjmp_buf bus_jmp;
static volatile sig_atomic_t in_map;

static int safe_open, dir_seeks, extra_reads, tally;
static int null_fd = -1, mem_fd = -1;
static const char *paths_file;
static long err_count[MAX_ERRNO];
static struct { const char *op; int e; long n; } op_errs[128];
static int nop_errs;
static long ops;
static int capped;
static uint64_t read_cap = READ_CAP, map_cap = MAP_CAP;

static struct { dev_t dev; ino_t ino; } *seen;
static size_t nseen, capseen;

/* ---- the watchdog (-W) ------------------------------------------------- */

static int watch_secs;
static pthread_mutex_t op_lock = PTHREAD_MUTEX_INITIALIZER;
static char op_what[600];
static long long op_start;	/* CLOCK_MONOTONIC ns; 0 when idle */
static unsigned long op_gen;
static atomic_long hangs;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Mark the start of one operation (for the watchdog and the op count). */
static void op_begin(const char *op, const char *path)
{
	ops++;
	if (!watch_secs)
		return;
	pthread_mutex_lock(&op_lock);
	snprintf(op_what, sizeof(op_what), "%s: %s", path, op);
	op_start = now_ns();
	op_gen++;
	pthread_mutex_unlock(&op_lock);
}

static void op_end(void)
{
	if (!watch_secs)
		return;
	pthread_mutex_lock(&op_lock);
	op_start = 0;
	pthread_mutex_unlock(&op_lock);
}

static void *watchdog(void *arg)
{
	unsigned long reported = 0;

	(void)arg;
	for (;;) {
		char what[sizeof(op_what)];
		long long start, age;
		unsigned long gen;

		sleep(1);
		pthread_mutex_lock(&op_lock);
		start = op_start;
		gen = op_gen;
		memcpy(what, op_what, sizeof(what));
		pthread_mutex_unlock(&op_lock);
		if (!start || gen == reported)
			continue;
		age = (now_ns() - start) / 1000000000LL;
		if (age < watch_secs)
			continue;
		reported = gen;
		atomic_fetch_add(&hangs, 1);
		fprintf(stderr, "walk: HANG: %s: still running after %lld s\n",
			what, age);
	}
	return NULL;
}

/* ---- errors -------------------------------------------------------------- */

static int is_name_op(const char *op)
{
	static const char *const name_ops[] = {
		"lstat", "open", "open dir", "open root", "readlink",
		"listxattr", "getxattr", "lookup", "follow",
	};
	size_t i;

	for (i = 0; i < sizeof(name_ops) / sizeof(name_ops[0]); i++)
		if (!strcmp(op, name_ops[i]))
			return 1;
	return 0;
}

static int op_matches(const char *want, const char *op)
{
	size_t n = strlen(want);

	if (!*want)
		return 1;
	if (!strcmp(want, "name"))
		return is_name_op(op);
	return !strncmp(op, want, n) && (op[n] == '\0' || op[n] == ' ');
}

static int errno_allowed(int e, const char *op)
{
	const char *name = strerrorname_np(e);
	int i;

	for (i = 0; name && i < nallowed; i++)
		if (!strcmp(allowed[i].name, name) &&
		    op_matches(allowed[i].op, op))
			return 1;
	return 0;
}

/* Per errno and operation (@op is always a string literal). */
static void count_op_err(const char *op, int e)
{
	int i;

	for (i = 0; i < nop_errs; i++)
		if (op_errs[i].e == e && !strcmp(op_errs[i].op, op))
			break;
	if (i == nop_errs) {
		if (nop_errs == (int)(sizeof(op_errs) / sizeof(op_errs[0])))
			return;
		op_errs[nop_errs].op = op;
		op_errs[nop_errs].e = e;
		nop_errs++;
	}
	op_errs[i].n++;
}

static void note(const char *path, const char *op, int e)
{
	errors++;
	if (e > 0 && e < MAX_ERRNO)
		err_count[e]++;
	count_op_err(op, e);
	if (errno_allowed(e, op))
		return;
	unexpected++;
	fprintf(stderr, "walk: %s: %s: %s (%s)\n", path, op, strerror(e),
		strerrorname_np(e) ? strerrorname_np(e) : "?");
}

static void on_bus(int sig)
{
	(void)sig;
	if (in_map)
		siglongjmp(bus_jmp, 1);
	_exit(3);
}

/* ---- regular files --------------------------------------------------------- */

/*
 * Follow the data ranges lseek(SEEK_DATA/SEEK_HOLE) reports (at most
 * SEEK_STEPS of them): each must lie inside the file and move forward.
 */
static void seek_ranges(int fd, const char *path, off_t size)
{
	off_t data, hole = 0;
	int i;

	for (i = 0; i < SEEK_STEPS && hole < size; i++) {
		op_begin("lseek SEEK_DATA", path);
		data = lseek(fd, hole, SEEK_DATA);
		op_end();
		if (data < 0) {
			if (errno != ENXIO)
				note(path, "lseek SEEK_DATA", errno);
			return;
		}
		op_begin("lseek SEEK_HOLE", path);
		hole = lseek(fd, data, SEEK_HOLE);
		op_end();
		if (hole < 0) {
			note(path, "lseek SEEK_HOLE", errno);
			return;
		}
		if (hole <= data || hole > size) {
			fprintf(stderr, "walk: %s: data range %lld-%lld of a "
				"%lld-byte file\n", path, (long long)data,
				(long long)hole, (long long)size);
			unexpected++;
			return;
		}
	}
}

/*
 * -S: open @name for reading only if it is still a regular file.  The
 * O_PATH descriptor pins the inode, whose type never changes once read,
 * and /proc/self/fd/N reopens exactly that inode.  Returns -1 when the
 * file could not be opened or is not regular any more.
 */
static int open_regular(int dfd, const char *name, const char *path,
			off_t *size)
{
	char proc[64];
	struct stat st;
	int pfd, fd;

	op_begin("open", path);
	pfd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	op_end();
	if (pfd < 0) {
		note(path, "open", errno);
		return -1;
	}
	op_begin("fstat", path);
	if (fstat(pfd, &st) < 0) {
		op_end();
		note(path, "fstat", errno);
		close(pfd);
		return -1;
	}
	op_end();
	if (!S_ISREG(st.st_mode)) {
		close(pfd);
		return -1;
	}
	*size = st.st_size;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	op_begin("reopen", path);
	fd = open(proc, O_RDONLY | O_CLOEXEC);
	op_end();
	if (fd < 0)
		note(path, "reopen", errno);
	close(pfd);
	return fd;
}

static void map_file(int fd, const char *path, off_t size)
{
	volatile unsigned char sum = 0;
	unsigned char *p;
	size_t maplen = 0;

	if (size > 0)
		maplen = (uint64_t)size < map_cap ? (size_t)size : map_cap;
	if (!maplen)
		return;
	op_begin("mmap", path);
	p = mmap(NULL, maplen, PROT_READ, MAP_SHARED, fd, 0);
	op_end();
	if (p == MAP_FAILED) {
		note(path, "mmap", errno);
		return;
	}
	op_begin("mapped read", path);
	in_map = 1;
	if (sigsetjmp(bus_jmp, 1) == 0) {
		size_t i;

		for (i = 0; i < maplen; i += 4096)
			sum += p[i];
	} else {
		note(path, "mapped read (SIGBUS)", EIO);
	}
	in_map = 0;
	op_end();
	munmap(p, maplen);
}

/* -X: the splice path, for at most the read cap. */
static void send_file(int fd, const char *path)
{
	uint64_t total = 0;
	off_t off = 0;
	ssize_t n = 0;

	while (total < read_cap) {
		op_begin("sendfile", path);
		n = sendfile(null_fd, fd, &off, read_cap - total);
		op_end();
		if (n <= 0)
			break;
		total += n;
	}
	if (n < 0)
		note(path, "sendfile", errno);
}

/*
 * -X: write to every page of a private mapping; even pages are read
 * first (a read fault, then the write-protect copy), odd pages are
 * written at once (the copy-on-write fault copies the region page).
 */
static void private_map(int fd, const char *path, size_t maplen)
{
	volatile unsigned char sum = 0;
	unsigned char *p;

	op_begin("private mmap", path);
	p = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	op_end();
	if (p == MAP_FAILED) {
		note(path, "private mmap", errno);
		return;
	}
	op_begin("private write", path);
	in_map = 1;
	if (sigsetjmp(bus_jmp, 1) == 0) {
		size_t i;

		for (i = 0; i < maplen; i += 4096) {
			if (!(i / 4096 % 2))
				sum += p[i];
			p[i] ^= 1;
		}
	} else {
		note(path, "private write (SIGBUS)", EIO);
	}
	in_map = 0;
	op_end();
	munmap(p, maplen);
}

/* -X: read a fresh shared mapping through /proc/self/mem (->access). */
static void proc_mem(int fd, const char *path, size_t maplen)
{
	static char buf[4096];
	unsigned char *p;
	size_t i;

	op_begin("mmap", path);
	p = mmap(NULL, maplen, PROT_READ, MAP_SHARED, fd, 0);
	op_end();
	if (p == MAP_FAILED) {
		note(path, "mmap", errno);
		return;
	}
	for (i = 0; i < maplen && i < 64 * 4096; i += 4096) {
		ssize_t n;

		op_begin("procmem read", path);
		n = pread(mem_fd, buf, sizeof(buf), (off_t)(uintptr_t)(p + i));
		op_end();
		if (n < 0) {
			note(path, "procmem read", errno);
			break;
		}
	}
	munmap(p, maplen);
}

static void read_file_all(int dfd, const char *name, const char *path,
			  off_t size)
{
	static char buf[1 << 16];
	unsigned long long total = 0;
	ssize_t n = 0;
	int fd;

	if (safe_open) {
		fd = open_regular(dfd, name, path, &size);
		if (fd < 0)
			return;
	} else {
		op_begin("open", path);
		fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		op_end();
		if (fd < 0) {
			note(path, "open", errno);
			return;
		}
	}
	while (total < read_cap) {
		op_begin("read", path);
		n = read(fd, buf, sizeof(buf));
		op_end();
		if (n <= 0)
			break;
		total += n;
	}
	if (total < read_cap && n < 0)
		note(path, "read", errno);
	seek_ranges(fd, path, size);
	map_file(fd, path, size);
	if (extra_reads) {
		size_t maplen = 0;

		if (size > 0)
			maplen = (uint64_t)size < map_cap ? (size_t)size :
				 map_cap;
		send_file(fd, path);
		if (maplen) {
			private_map(fd, path, maplen);
			proc_mem(fd, path, maplen);
		}
	}
	close(fd);
}

/* ---- xattrs, symlinks, directories ------------------------------------------ */

static void xattrs(const char *name, const char *path)
{
	static char list[1 << 16], val[1 << 17];
	ssize_t n, i, r;

	op_begin("listxattr", path);
	n = llistxattr(name, list, sizeof(list));
	op_end();
	if (n < 0) {
		note(path, "listxattr", errno);
		return;
	}
	for (i = 0; i < n; i += strlen(list + i) + 1) {
		op_begin("getxattr", path);
		r = lgetxattr(name, list + i, val, sizeof(val));
		op_end();
		if (r < 0)
			note(path, "getxattr", errno);
	}
}

static int seen_before(const struct stat *st)
{
	size_t i;

	for (i = 0; i < nseen; i++)
		if (seen[i].dev == st->st_dev && seen[i].ino == st->st_ino)
			return 1;
	if (nseen == capseen) {
		capseen = capseen ? capseen * 2 : 256;
		seen = realloc(seen, capseen * sizeof(*seen));
		if (!seen)
			die("out of memory");
	}
	seen[nseen].dev = st->st_dev;
	seen[nseen].ino = st->st_ino;
	nseen++;
	return 0;
}

static void walk_dir(int dfd, const char *path, int depth);

static void visit(int dfd, const char *name, const char *path, int depth)
{
	char target[8192];
	struct stat st;
	int r;

	if (++entries > MAX_ENTRIES) {
		if (!tally)
			die("more than %d entries: a loop?", MAX_ENTRIES);
		capped = 1;
		return;
	}
	op_begin("lstat", path);
	r = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW);
	op_end();
	if (r < 0) {
		note(path, "lstat", errno);
		return;
	}
	if (fchdir(dfd) < 0)
		die_errno("fchdir %s", path);
	xattrs(name, path);
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		read_file_all(dfd, name, path, st.st_size);
		break;
	case S_IFLNK:
		op_begin("readlink", path);
		r = readlinkat(dfd, name, target, sizeof(target));
		op_end();
		if (r < 0)
			note(path, "readlink", errno);
		break;
	case S_IFDIR: {
		int sub;

		if (seen_before(&st) || depth >= MAX_DEPTH)
			break;
		op_begin("open dir", path);
		sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
			     O_NOFOLLOW);
		op_end();
		if (sub < 0) {
			note(path, "open dir", errno);
			break;
		}
		walk_dir(sub, path, depth + 1);
		break;
	}
	default:
		break;
	}
}

static unsigned long rnd_state;

static unsigned long rnd(void)
{
	rnd_state = rnd_state * 6364136223846793005UL + 1442695040888963407UL;
	return rnd_state >> 33;
}

/*
 * -D: go back to remembered positions in random order; each must give an
 * entry again (or the end, for the position after the last one).
 */
static void seek_back(DIR *d, const char *path, const long *pos, int npos)
{
	int i, order[DIR_POS + 1];

	for (i = 0; i < npos; i++)
		order[i] = i;
	for (i = npos - 1; i > 0; i--) {
		int j = rnd() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < npos; i++) {
		op_begin("readdir after seekdir", path);
		seekdir(d, pos[order[i]]);
		errno = 0;
		if (!readdir(d) && errno) {
			op_end();
			note(path, "readdir after seekdir", errno);
			continue;
		}
		op_end();
	}
}

/* Takes ownership of @dfd. */
static void walk_dir(int dfd, const char *path, int depth)
{
	long pos[DIR_POS + 1], index = 0;
	int npos = 0;
	struct dirent *de;
	DIR *d = fdopendir(dfd);

	if (!d) {
		note(path, "fdopendir", errno);
		close(dfd);
		return;
	}
	for (;;) {
		long here = dir_seeks ? telldir(d) : 0;
		char *sub;

		op_begin("readdir", path);
		errno = 0;
		de = readdir(d);
		op_end();
		if (!de) {
			if (errno)
				note(path, "readdir", errno);
			else if (dir_seeks)
				pos[npos++] = here;	/* the end */
			break;
		}
		/* the first 16 positions, then every 32nd */
		if (dir_seeks && npos < DIR_POS &&
		    (index < 16 || index % 32 == 0))
			pos[npos++] = here;
		index++;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (asprintf(&sub, "%s/%s", path, de->d_name) < 0)
			die("out of memory");
		visit(dirfd(d), de->d_name, sub, depth);
		free(sub);
		if (capped)
			break;
	}
	if (dir_seeks)
		seek_back(d, path, pos, npos);
	closedir(d);
}

/* ---- -p: lookups of known paths ------------------------------------------ */

static int openat2_path(int root, const char *path, uint64_t flags,
			uint64_t resolve)
{
	struct open_how how = { .flags = flags, .resolve = resolve };
	int fd, i;

	/* EAGAIN: a rename raced a scoped ".." (openat2(2)); try again */
	for (i = 0; i < EAGAIN_TRIES; i++) {
		fd = syscall(SYS_openat2, root, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd;
}

static void look_up(int root, const char *path, const char *op,
		    uint64_t flags, uint64_t resolve)
{
	struct stat st;
	int fd, r;

	op_begin(op, path);
	fd = openat2_path(root, path, flags, resolve);
	op_end();
	if (fd < 0) {
		note(path, op, errno);
		return;
	}
	op_begin("fstat", path);
	r = fstat(fd, &st);
	op_end();
	if (r < 0)
		note(path, "fstat", errno);
	close(fd);
}

static void lookups(int root, const char *rootpath)
{
	const uint64_t scope = RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
	struct statfs sfs;
	size_t len = 0;
	char *line = NULL;
	FILE *f = fopen(paths_file, "r");

	if (!f)
		die_errno("%s", paths_file);
	while (getline(&line, &len, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		look_up(root, line, "lookup", O_PATH | O_NOFOLLOW | O_CLOEXEC,
			scope | RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
		look_up(root, line, "follow", O_PATH | O_CLOEXEC,
			scope | RESOLVE_IN_ROOT);
	}
	free(line);
	fclose(f);
	op_begin("statfs", rootpath);
	if (fstatfs(root, &sfs) < 0)
		note(rootpath, "statfs", errno);
	op_end();
}

/* ---- main ------------------------------------------------------------------ */

static void parse_allowed(const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;

	if (!copy)
		die("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok && nallowed < MAX_ALLOWED;
	     tok = strtok_r(NULL, ",", &save)) {
		struct allow *a = &allowed[nallowed++];
		char *at = strchr(tok, '@');

		if (at)
			*at++ = '\0';
		snprintf(a->name, sizeof(a->name), "%s", tok);
		snprintf(a->op, sizeof(a->op), "%s", at ? at : "");
	}
	free(copy);
}

static void print_tally(void)
{
	int e;

	printf("tally: ops %ld\n", ops);
	for (e = 1; e < MAX_ERRNO; e++)
		if (err_count[e])
			printf("tally: %s %ld\n", strerrorname_np(e) ?
			       strerrorname_np(e) : "E?", err_count[e]);
	for (e = 0; e < nop_errs; e++) {
		char op[64];
		size_t i;

		/* one word: "mapped read (SIGBUS)" -> "mapped_read_(SIGBUS)" */
		snprintf(op, sizeof(op), "%s", op_errs[e].op);
		for (i = 0; op[i]; i++)
			if (op[i] == ' ')
				op[i] = '_';
		printf("tally: %s@%s %ld\n", strerrorname_np(op_errs[e].e) ?
		       strerrorname_np(op_errs[e].e) : "E?", op, op_errs[e].n);
	}
	if (capped)
		printf("tally: capped at %d entries\n", MAX_ENTRIES);
}

int main(int argc, char **argv)
{
	const char *list = "EUCLEAN,EIO";
	struct sigaction sa = { 0 };
	pthread_t wd;
	int root, opt;

	helper_name = "walk";
	while ((opt = getopt(argc, argv, "a:SDXp:W:TR:M:")) != -1) {
		switch (opt) {
		case 'a': list = optarg; break;
		case 'S': safe_open = 1; break;
		case 'D': dir_seeks = 1; break;
		case 'X': extra_reads = 1; break;
		case 'p': paths_file = optarg; break;
		case 'W': watch_secs = (int)parse_num(optarg); break;
		case 'T': tally = 1; break;
		case 'R': read_cap = parse_num(optarg); break;
		case 'M': map_cap = parse_num(optarg); break;
		default: goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	parse_allowed(list);
	rnd_state = (unsigned long)getpid();
	sa.sa_handler = on_bus;
	sigaction(SIGBUS, &sa, NULL);
	if (extra_reads) {
		null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		mem_fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
		if (null_fd < 0 || mem_fd < 0)
			die_errno("/dev/null or /proc/self/mem");
	}
	if (watch_secs && pthread_create(&wd, NULL, watchdog, NULL))
		die("cannot start the watchdog thread");
	op_begin("open root", argv[optind]);
	root = open(argv[optind], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	op_end();
	if (root < 0) {
		note(argv[optind], "open root", errno);
	} else {
		struct stat st;
		int keep = paths_file ? dup(root) : -1;

		if (fstat(root, &st) == 0)
			seen_before(&st);
		if (fchdir(root) == 0)
			xattrs(".", argv[optind]);
		walk_dir(root, argv[optind], 0);
		if (keep >= 0) {
			lookups(keep, argv[optind]);
			close(keep);
		}
	}
	unexpected += atomic_load(&hangs);
	if (tally)
		print_tally();
	printf("walked %ld entries, %ld errors, %ld unexpected\n", entries,
	       errors, unexpected);
	fflush(stdout);
	return unexpected ? 1 : 0;
usage:
	fprintf(stderr, "usage: walk [-a ERRNO[@OP],...] [-S] [-D] [-X] "
		"[-p PATHS] [-W SEC] [-T] [-R BYTES] [-M BYTES] ROOT\n");
	return 1;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * wtool: single system calls and small scenarios for the write-path
 * guest tests (tests/vm/guest/w*.sh), where a shell tool cannot give the
 * exact call or the exact error.
 *
 * Calls whose result is the answer print "ok" (or a number) or the errno
 * name (ENOENT, EEXIST...) on stdout and exit 0; the shell compares.
 * Scenarios check everything themselves: "ok" and exit 0, or one line
 * on stderr naming the first difference and exit 1.  Usage errors exit 2.
 *
 * File data is a pattern: byte P of pattern SEED is a hash of (SEED, P),
 * so a byte at the wrong offset or from another write is caught.
 *
 * Calls:
 *   try OP ARGS...              creat PATH | mkdir PATH | rmdir PATH |
 *                               unlink PATH | link OLD NEW | symlink T PATH |
 *                               mkfifo PATH | openw PATH | chmod PATH |
 *                               setx PATH (user.t=1) | trunc PATH SIZE
 *   rename none|noreplace|exchange|whiteout OLD NEW     renameat2(2)
 *   setx PATH NAME LEN SEED any|create|replace          setxattr(2)
 *   getx PATH NAME LEN SEED     "ok", ERRNO, "size N" or "differs at N"
 *   pwrite PATH OFF LEN SEED    bytes written or ERRNO (file created)
 *   check PATH OFF LEN SEED     pread the range: "ok", "short N",
 *                               "differs at N" (N: file offset) or ERRNO
 *   zeros PATH OFF LEN          the range reads as zeros: "ok"/"differs at N"
 *   copy SRC SOFF DST DOFF LEN  copy_file_range(2): bytes copied or ERRNO
 *   utimens PATH ASEC ANSEC MSEC MNSEC    utimensat(2): ok or ERRNO
 *   statfs PATH                 "bsize blocks bfree bavail files ffree"
 *   same DIR1 DIR2 NAME...      DIR1/NAME and DIR2/NAME hold the same bytes,
 *                               for each NAME: "ok", or "NAME: size A, want
 *                               B" / "NAME: differs at N" / "NAME: ERRNO"
 *
 * Scenarios:
 *   append PATH          O_APPEND: write(), a write after lseek(0) and a
 *                        pwrite(0) all land at the end
 *   tmpfile DIR LEN SEED [NAME]   O_TMPFILE with LEN bytes: link count 0,
 *                        not listed; with NAME, linkat() gives it a name
 *   tmpfile-excl DIR NAME          O_TMPFILE|O_EXCL: linkat() is ENOENT
 *   fsize PATH           RLIMIT_FSIZE of 10000: a short write up to the
 *                        limit, then EFBIG (write, pwrite, ftruncate,
 *                        fallocate) with SIGXFSZ ignored; with it not
 *                        ignored the writer dies of SIGXFSZ.  Leaves
 *                        PATH 5000 bytes of pattern 7.
 *   maxbytes PATH        the largest file: the largest size ftruncate()
 *                        takes (LLONG_MAX, or bisected down from EFBIG),
 *                        a 1-byte write just before it, one at it (EFBIG,
 *                        or EINVAL at LLONG_MAX), SEEK_DATA/SEEK_HOLE,
 *                        ftruncate(-1) (EINVAL).  Prints what it saw:
 *                        "max M write 1 size M read 1 y at-max ERRNO
 *                        data OFF hole 0 ftruncate(-1) EINVAL"
 *   rewrite PATH COUNT SEED   COUNT pwrite()s of one 4 KiB page at 0,
 *                        pattern SEED+i each; prints the seconds taken
 *   fill PATH SEED CHUNK writes pattern SEED in CHUNK pieces until a
 *                        write fails (a short write is followed by the
 *                        next); prints "BYTES ERRNO"
 *   mapwrite PATH OFF    one store through a shared mapping: "ok" or
 *                        "SIGBUS"
 *   mapshare PATH OUT    shared mappings in two processes and write():
 *                        every store seen by read() and by every mapping
 *                        at once, a write() replacing mapped pages seen by
 *                        every mapping, msync/fsync, growth; OUT gets what
 *                        the file must hold
 *   mapprivate PATH OUT  MAP_PRIVATE stores stay private (also on a first
 *                        write fault), write() after them leaves the
 *                        private copies and shows in the other pages
 *   sigbus PATH          truncate under shared and private mappings:
 *                        SIGBUS past EOF, zeros after EOF in the last
 *                        page, zeros (not the old bytes) after extending
 *   pfns PATH            MAP_PRIVATE read-only mapping, every page
 *                        touched: "PAGE PHYSADDR" from /proc/self/pagemap
 *                        ("PAGE -" when not present)
 *   smaps PATH           MAP_SHARED read-only mapping, every page
 *                        touched: its "Rss:" and "VmFlags:" lines
 *   cycles N MNT OPTS BASEFILE  N times: mount(2) -t daxfs, a mixed write
 *                        workload that leaves the tree as it found it,
 *                        umount(2) (for guest/wleaks.sh)
 *   branchloop MNT N     N rounds of the ioctls daxfs-branch create,
 *                        switch and abort make, with a write between:
 *                        create loopI (a child of the mount's branch),
 *                        switch to it (the mount must show it), write
 *                        "I\n" to MNT/loopfile, abort (the mount must
 *                        show main again); "ok", or the first failure
 *                        (for guest/branch.sh: one process, where
 *                        daxfs-branch took three per round)
 *   creates MNT PREFIX FROM TO  create PREFIXI for I from FROM to TO
 *                        (children of the mount's branch): "created N",
 *                        or "created N, then NAME: ERRNO" and exit 1 at
 *                        the first failure
 */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <linux/falloc.h>
#include <limits.h>
#include <stdbool.h>
#include "common.h"
#include "daxfs_ioctl.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE	(1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE		(1 << 1)
#endif
#ifndef RENAME_WHITEOUT
#define RENAME_WHITEOUT		(1 << 2)
#endif

#define PG	4096UL

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

/* the 8 bytes at 8 * @word of pattern @seed, as a little-endian word */
static uint64_t pat_word(uint64_t seed, uint64_t word)
{
	uint64_t x = word * 0x9e3779b97f4a7c15ULL ^
		     (seed + 1) * 0xd1b54a32d192ed03ULL;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 32;
	return x;
}

/* byte @pos of pattern @seed */
static unsigned char pat(uint64_t seed, uint64_t pos)
{
	return (unsigned char)(pat_word(seed, pos >> 3) >> ((pos & 7) * 8));
}

static void fill_pat(unsigned char *p, uint64_t seed, uint64_t pos, size_t n)
{
	size_t i = 0;

	for (; i < n && ((pos + i) & 7); i++)
		p[i] = pat(seed, pos + i);
	for (; i + 8 <= n; i += 8) {
		uint64_t w = pat_word(seed, (pos + i) >> 3);
		unsigned int k;

		for (k = 0; k < 8; k++)
			p[i + k] = (unsigned char)(w >> (k * 8));
	}
	for (; i < n; i++)
		p[i] = pat(seed, pos + i);
}

static int errno_out(int ret)
{
	if (ret < 0)
		printf("%s\n", ename(errno));
	else
		printf("ok\n");
	return 0;
}

/* ---- calls ---- */

static int cmd_try(int argc, char **argv)
{
	const char *op = argv[0];
	int fd, r;

	if (!strcmp(op, "creat") && argc == 2) {
		fd = open(argv[1], O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd >= 0)
			close(fd);
		return errno_out(fd);
	}
	if (!strcmp(op, "openw") && argc == 2) {
		fd = open(argv[1], O_WRONLY);
		if (fd >= 0)
			close(fd);
		return errno_out(fd);
	}
	if (!strcmp(op, "mkdir") && argc == 2)
		return errno_out(mkdir(argv[1], 0755));
	if (!strcmp(op, "rmdir") && argc == 2)
		return errno_out(rmdir(argv[1]));
	if (!strcmp(op, "unlink") && argc == 2)
		return errno_out(unlink(argv[1]));
	if (!strcmp(op, "link") && argc == 3)
		return errno_out(link(argv[1], argv[2]));
	if (!strcmp(op, "symlink") && argc == 3)
		return errno_out(symlink(argv[1], argv[2]));
	if (!strcmp(op, "mkfifo") && argc == 2)
		return errno_out(mkfifo(argv[1], 0644));
	if (!strcmp(op, "chmod") && argc == 2)
		return errno_out(chmod(argv[1], 0600));
	if (!strcmp(op, "setx") && argc == 2)
		return errno_out(setxattr(argv[1], "user.t", "1", 1, 0));
	if (!strcmp(op, "trunc") && argc == 3) {
		r = truncate(argv[1], (off_t)parse_num(argv[2]));
		return errno_out(r);
	}
	die("try: unknown call or wrong arguments: %s", op);
}

static int cmd_rename(char **argv)
{
	unsigned int flags;

	if (!strcmp(argv[0], "none"))
		flags = 0;
	else if (!strcmp(argv[0], "noreplace"))
		flags = RENAME_NOREPLACE;
	else if (!strcmp(argv[0], "exchange"))
		flags = RENAME_EXCHANGE;
	else if (!strcmp(argv[0], "whiteout"))
		flags = RENAME_WHITEOUT;
	else
		die("rename: bad flag %s", argv[0]);
	return errno_out(syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD,
				 argv[2], flags));
}

static int cmd_setx(char **argv)
{
	size_t len = parse_num(argv[2]);
	unsigned char *v = xmalloc(len);
	int flags = 0;

	fill_pat(v, parse_num(argv[3]), 0, len);
	if (!strcmp(argv[4], "create"))
		flags = XATTR_CREATE;
	else if (!strcmp(argv[4], "replace"))
		flags = XATTR_REPLACE;
	else if (strcmp(argv[4], "any"))
		die("setx: bad flag %s", argv[4]);
	return errno_out(setxattr(argv[0], argv[1], v, len, flags));
}

static int cmd_getx(char **argv)
{
	size_t len = parse_num(argv[2]), i;
	uint64_t seed = parse_num(argv[3]);
	unsigned char *v = xmalloc(len + 1);
	ssize_t n = getxattr(argv[0], argv[1], v, len + 1);

	if (n < 0) {
		printf("%s\n", ename(errno));
		return 0;
	}
	if ((size_t)n != len) {
		printf("size %zd\n", n);
		return 0;
	}
	for (i = 0; i < len; i++)
		if (v[i] != pat(seed, i)) {
			printf("differs at %zu\n", i);
			return 0;
		}
	printf("ok\n");
	return 0;
}

static int cmd_pwrite(char **argv)
{
	uint64_t off = parse_num(argv[1]), len = parse_num(argv[2]);
	unsigned char *buf = xmalloc(len);
	ssize_t n;
	int fd = open(argv[0], O_WRONLY | O_CREAT, 0644);

	if (fd < 0)
		die_errno("open %s", argv[0]);
	fill_pat(buf, parse_num(argv[3]), off, len);
	n = pwrite(fd, buf, len, off);
	if (n < 0)
		printf("%s\n", ename(errno));
	else
		printf("%zd\n", n);
	close(fd);
	return 0;
}

/* compare [off, off+len) of @fd with pattern @seed (or zeros: seed ~0) */
static int check_range(int fd, uint64_t off, uint64_t len, uint64_t seed,
		       bool zeros)
{
	unsigned char *buf = xmalloc(len ? len : 1);
	uint64_t i;
	ssize_t n = pread(fd, buf, len, off);

	if (n < 0) {
		printf("%s\n", ename(errno));
		return 0;
	}
	if ((uint64_t)n != len) {
		printf("short %zd\n", n);
		return 0;
	}
	{
		unsigned char *want = xmalloc(len ? len : 1);

		if (zeros)
			memset(want, 0, len);
		else
			fill_pat(want, seed, off, len);
		if (memcmp(buf, want, len))
			for (i = 0; i < len; i++)
				if (buf[i] != want[i]) {
					printf("differs at %llu\n",
					       (unsigned long long)(off + i));
					return 0;
				}
		free(want);
	}
	printf("ok\n");
	free(buf);
	return 0;
}

static int cmd_check(char **argv, bool zeros)
{
	int fd = open(argv[0], O_RDONLY);

	if (fd < 0) {
		printf("%s\n", ename(errno));
		return 0;
	}
	return check_range(fd, parse_num(argv[1]), parse_num(argv[2]),
			   zeros ? 0 : parse_num(argv[3]), zeros);
}

static int cmd_copy(char **argv)
{
	int in = open(argv[0], O_RDONLY), out = open(argv[2], O_WRONLY | O_CREAT, 0644);
	loff_t soff = parse_num(argv[1]), doff = parse_num(argv[3]);
	ssize_t n;

	if (in < 0 || out < 0)
		die_errno("open");
	n = copy_file_range(in, &soff, out, &doff, parse_num(argv[4]), 0);
	if (n < 0)
		printf("%s\n", ename(errno));
	else
		printf("%zd\n", n);
	return 0;
}

static int cmd_utimens(char **argv)
{
	struct timespec ts[2] = {
		{ (time_t)strtoll(argv[1], NULL, 0), strtol(argv[2], NULL, 0) },
		{ (time_t)strtoll(argv[3], NULL, 0), strtol(argv[4], NULL, 0) },
	};

	return errno_out(utimensat(AT_FDCWD, argv[0], ts, AT_SYMLINK_NOFOLLOW));
}

static int cmd_statfs(char **argv)
{
	struct statfs s;

	if (statfs(argv[0], &s) < 0)
		die_errno("statfs %s", argv[0]);
	printf("%ld %llu %llu %llu %llu %llu\n", (long)s.f_bsize,
	       (unsigned long long)s.f_blocks, (unsigned long long)s.f_bfree,
	       (unsigned long long)s.f_bavail, (unsigned long long)s.f_files,
	       (unsigned long long)s.f_ffree);
	return 0;
}

static int cmd_same(int argc, char **argv)
{
	int i, bad = 0;

	for (i = 2; i < argc; i++) {
		char a[4096], b[4096];
		unsigned char *x, *y;
		size_t la, lb, k;
		int fa, fb;

		snprintf(a, sizeof(a), "%s/%s", argv[0], argv[i]);
		snprintf(b, sizeof(b), "%s/%s", argv[1], argv[i]);
		fa = open(a, O_RDONLY);
		fb = open(b, O_RDONLY);
		if (fa < 0 || fb < 0) {
			printf("%s: %s\n", argv[i], ename(errno));
			bad = 1;
		} else {
			close(fa);
			close(fb);
			x = read_file(a, &la);
			y = read_file(b, &lb);
			if (la != lb) {
				printf("%s: size %zu, want %zu\n", argv[i], la, lb);
				bad = 1;
			}
			for (k = 0; k < la && k < lb; k++)
				if (x[k] != y[k]) {
					printf("%s: differs at %zu\n", argv[i], k);
					bad = 1;
					break;
				}
			free(x);
			free(y);
		}
	}
	if (!bad)
		printf("ok\n");
	return 0;
}

/* ---- scenarios ---- */

#define CHECK(cond, ...) do { if (!(cond)) die(__VA_ARGS__); } while (0)

static void xpwrite(int fd, const void *b, size_t n, off_t off)
{
	ssize_t r = pwrite(fd, b, n, off);

	if (r < 0)
		die_errno("pwrite %zu at %lld", n, (long long)off);
	CHECK((size_t)r == n, "pwrite %zu at %lld: wrote %zd", n,
	      (long long)off, r);
}

static void xpread(int fd, void *b, size_t n, off_t off)
{
	ssize_t r = pread(fd, b, n, off);

	if (r < 0)
		die_errno("pread %zu at %lld", n, (long long)off);
	CHECK((size_t)r == n, "pread %zu at %lld: read %zd", n,
	      (long long)off, r);
}

static int cmd_append(char **argv)
{
	int fd = open(argv[0], O_WRONLY | O_APPEND | O_CREAT, 0644), rfd;
	char buf[64];
	struct stat st;
	off_t start;

	if (fd < 0 || fstat(fd, &st) < 0)
		die_errno("open %s", argv[0]);
	start = st.st_size;
	CHECK(write(fd, "A", 1) == 1, "write: %s", strerror(errno));
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
	CHECK(write(fd, "B", 1) == 1, "write after lseek: %s", strerror(errno));
	CHECK(pwrite(fd, "C", 1, 0) == 1, "pwrite: %s", strerror(errno));
	close(fd);
	rfd = open(argv[0], O_RDONLY);
	CHECK(rfd >= 0 && fstat(rfd, &st) == 0, "reopen");
	CHECK(st.st_size == start + 3, "size %lld, want %lld",
	      (long long)st.st_size, (long long)start + 3);
	xpread(rfd, buf, 3, start);
	CHECK(!memcmp(buf, "ABC", 3), "the appended bytes read '%.3s', want ABC",
	      buf);
	printf("ok\n");
	return 0;
}

static bool dir_lists(const char *dir, ino_t ino)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (!d)
		die_errno("opendir %s", dir);
	while ((e = readdir(d)))
		if (e->d_ino == ino)
			found = true;
	closedir(d);
	return found;
}

static int cmd_tmpfile(int argc, char **argv)
{
	uint64_t len = parse_num(argv[1]), seed = parse_num(argv[2]);
	unsigned char *buf = xmalloc(len ? len : 1), *back = xmalloc(len ? len : 1);
	struct stat st;
	int fd = open(argv[0], O_TMPFILE | O_RDWR, 0640);

	if (fd < 0)
		die_errno("O_TMPFILE in %s", argv[0]);
	fill_pat(buf, seed, 0, len);
	if (len)
		xpwrite(fd, buf, len, 0);
	CHECK(fstat(fd, &st) == 0, "fstat");
	CHECK(st.st_nlink == 0, "an O_TMPFILE has link count %lu",
	      (unsigned long)st.st_nlink);
	CHECK((uint64_t)st.st_size == len, "size %lld", (long long)st.st_size);
	CHECK(!dir_lists(argv[0], st.st_ino), "the O_TMPFILE is listed in %s",
	      argv[0]);
	if (len) {
		xpread(fd, back, len, 0);
		CHECK(!memcmp(buf, back, len), "O_TMPFILE reads back wrong");
	}
	if (argc > 3) {
		if (linkat(fd, "", AT_FDCWD, argv[3], AT_EMPTY_PATH) < 0)
			die_errno("linkat %s", argv[3]);
		CHECK(fstat(fd, &st) == 0 && st.st_nlink == 1,
		      "link count %lu after linkat", (unsigned long)st.st_nlink);
	}
	close(fd);
	printf("ok %llu\n", (unsigned long long)st.st_ino);
	return 0;
}

static int cmd_tmpfile_excl(char **argv)
{
	int fd = open(argv[0], O_TMPFILE | O_EXCL | O_RDWR, 0600);
	int r;

	if (fd < 0)
		die_errno("O_TMPFILE|O_EXCL in %s", argv[0]);
	CHECK(write(fd, "x", 1) == 1, "write");
	r = linkat(fd, "", AT_FDCWD, argv[1], AT_EMPTY_PATH);
	close(fd);
	return errno_out(r);
}

static int cmd_fsize(char **argv)
{
	const uint64_t lim = 10000;
	unsigned char buf[16384];
	int st, fd;
	pid_t pid;

	fill_pat(buf, 7, 0, sizeof(buf));
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { lim, lim };
		ssize_t n;

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl))
			die_errno("setrlimit");
		fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			die_errno("open");
		n = write(fd, buf, sizeof(buf));
		printf("write %zd", n);
		n = write(fd, buf, 10);
		printf(" %s", n < 0 ? ename(errno) : "written");
		n = pwrite(fd, buf, 10, 20000);
		printf(" pwrite %s", n < 0 ? ename(errno) : "written");
		printf(" ftruncate %s", ftruncate(fd, 20000) ? ename(errno) : "ok");
		printf(" fallocate %s", fallocate(fd, 0, 0, 20000) ?
		       ename(errno) : "ok");
		printf(" shrink %s", ftruncate(fd, 5000) ? ename(errno) : "ok");
		printf("\n");
		fflush(stdout);
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid, "fork/wait");
	CHECK(WIFEXITED(st) && !WEXITSTATUS(st), "the EFBIG child failed");
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { lim, lim };

		signal(SIGXFSZ, SIG_DFL);
		if (setrlimit(RLIMIT_FSIZE, &rl))
			die_errno("setrlimit");
		fd = open(argv[0], O_WRONLY);
		if (fd < 0)
			die_errno("open");
		(void)!pwrite(fd, buf, 10, 20000);
		_exit(3);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid, "fork/wait");
	if (WIFSIGNALED(st))
		printf("killed %s\n", sigabbrev_np(WTERMSIG(st)) ?: "?");
	else
		printf("exited %d\n", WEXITSTATUS(st));
	return 0;
}

static int cmd_maxbytes(char **argv)
{
	int fd = open(argv[0], O_RDWR | O_CREAT | O_TRUNC, 0644);
	long long lo = 0, hi = LLONG_MAX, max;
	struct stat st;
	unsigned char c = 0;
	ssize_t n;
	off_t o;

	if (fd < 0)
		die_errno("open %s", argv[0]);
	/* the largest size ftruncate() takes: LLONG_MAX, or found by
	 * bisection between what it takes and EFBIG */
	if (ftruncate(fd, LLONG_MAX)) {
		if (errno != EFBIG) {
			printf("ftruncate(LLONG_MAX) %s\n", ename(errno));
			return 0;
		}
		while (hi - lo > 1) {
			long long mid = lo + (hi - lo) / 2;

			if (!ftruncate(fd, mid)) {
				lo = mid;
			} else if (errno == EFBIG) {
				hi = mid;
			} else {
				printf("ftruncate(%lld) %s\n", mid, ename(errno));
				return 0;
			}
		}
		max = lo;
	} else {
		max = LLONG_MAX;
	}
	printf("max %lld", max);
	if (ftruncate(fd, 0)) {
		printf(" ftruncate(0) %s\n", ename(errno));
		return 0;
	}
	n = pwrite(fd, "y", 1, max - 1);
	if (n < 0) {
		printf(" write %s\n", ename(errno));
		return 0;
	}
	printf(" write %zd", n);
	if (fstat(fd, &st) == 0)
		printf(" size %lld", (long long)st.st_size);
	n = pread(fd, &c, 1, max - 1);
	printf(" read %zd %c", n, c ? c : '0');
	n = pwrite(fd, "z", 1, max);
	printf(" at-max %s", n < 0 ? ename(errno) : "written");
	o = lseek(fd, 0, SEEK_DATA);
	if (o < 0)
		printf(" data %s", ename(errno));
	else
		printf(" data %lld", (long long)o);
	o = lseek(fd, 0, SEEK_HOLE);
	printf(" hole %lld", (long long)o);
	printf(" ftruncate(-1) %s\n", ftruncate(fd, -1) ? ename(errno) : "ok");
	close(fd);
	return 0;
}

static int cmd_rewrite(char **argv)
{
	uint64_t count = parse_num(argv[1]), seed = parse_num(argv[2]), i;
	unsigned char buf[PG];
	struct timespec a, b;
	int fd = open(argv[0], O_RDWR | O_CREAT, 0644);

	if (fd < 0)
		die_errno("open %s", argv[0]);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < count; i++) {
		fill_pat(buf, seed + i, 0, PG);
		xpwrite(fd, buf, PG, 0);
	}
	close(fd);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}

static int cmd_fill(char **argv)
{
	const size_t chunk = parse_num(argv[2]);
	uint64_t seed = parse_num(argv[1]), done = 0;
	unsigned char *buf = xmalloc(chunk);
	int fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		die_errno("open %s", argv[0]);
	for (;;) {
		ssize_t n;

		fill_pat(buf, seed, done, chunk);
		n = pwrite(fd, buf, chunk, done);
		if (n < 0) {
			printf("%llu %s\n", (unsigned long long)done,
			       ename(errno));
			break;
		}
		done += n;
		if ((size_t)n < chunk) {
			/* a short write: the next one must fail */
			continue;
		}
	}
	close(fd);
	return 0;
}

static sigjmp_buf jb;
static volatile sig_atomic_t got_bus;

static void on_bus(int sig)
{
	(void)sig;
	got_bus = 1;
	siglongjmp(jb, 1);
}

static void catch_bus(void)
{
	struct sigaction sa = { .sa_handler = on_bus };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

/* does the load (or store) at @p fault with SIGBUS? */
static bool bus_load(volatile unsigned char *p, unsigned char *v)
{
	got_bus = 0;
	if (sigsetjmp(jb, 1))
		return true;
	*v = *p;
	return false;
}

static bool bus_store(volatile unsigned char *p, unsigned char v)
{
	got_bus = 0;
	if (sigsetjmp(jb, 1))
		return true;
	*p = v;
	return false;
}

static void *xmap(size_t len, int prot, int flags, int fd)
{
	void *p = mmap(NULL, len, prot, flags, fd, 0);

	if (p == MAP_FAILED)
		die_errno("mmap %zu bytes", len);
	return p;
}

static int cmd_mapwrite(char **argv)
{
	uint64_t off = parse_num(argv[1]);
	int fd = open(argv[0], O_RDWR);
	struct stat st;
	unsigned char *p;

	if (fd < 0 || fstat(fd, &st))
		die_errno("open %s", argv[0]);
	p = xmap(st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	catch_bus();
	printf("%s\n", bus_store(p + off, 0x5a) ? "SIGBUS" : "ok");
	return 0;
}

/* The first byte where mapping @m (or the file, with @m NULL) differs
 * from @model over [0, len); -1 when equal. */
static long long first_diff(const unsigned char *m, const unsigned char *model,
			    size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (m[i] != model[i])
			return i;
	return -1;
}

static void same_file(int fd, const unsigned char *model, size_t len,
		      const char *when)
{
	unsigned char *b = xmalloc(len);
	long long d;

	xpread(fd, b, len, 0);
	d = first_diff(b, model, len);
	CHECK(d < 0, "%s: read() differs at %lld: %#x, want %#x", when, d,
	      b[d], model[d]);
	free(b);
}

static void same_map(const unsigned char *m, const unsigned char *model,
		     size_t len, const char *which, const char *when)
{
	long long d = first_diff(m, model, len);

	CHECK(d < 0, "%s: %s differs at %lld: %#x, want %#x", when, which, d,
	      m[d], model[d]);
}

struct child_cmd {
	char op;		/* V verify, W write, Q quit */
	uint64_t off, len, seed;
};

static void child_loop(const char *path, size_t len, unsigned char *model,
		       int cin, int cout)
{
	int fd = open(path, O_RDWR);
	unsigned char *m, ok;
	struct child_cmd c;
	size_t i;
	volatile unsigned long sum = 0;

	if (fd < 0)
		die_errno("child: open");
	m = xmap(len, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	for (i = 0; i < len; i += PG)
		sum += m[i];
	(void)sum;
	ok = 0;
	CHECK(write(cout, &ok, 1) == 1, "child: pipe");
	while (read(cin, &c, sizeof(c)) == sizeof(c)) {
		ok = 0;
		if (c.op == 'Q')
			_exit(0);
		if (c.op == 'W') {
			fill_pat(m + c.off, c.seed, c.off, c.len);
			fill_pat(model + c.off, c.seed, c.off, c.len);
		} else {
			long long d = first_diff(m, model, len);

			if (d >= 0) {
				fprintf(stderr, "wtool: mapshare: the other process's mapping differs at %lld: %#x, want %#x\n",
					d, m[d], model[d]);
				ok = 1;
			}
		}
		CHECK(write(cout, &ok, 1) == 1, "child: pipe");
	}
	_exit(0);
}

static void child_do(int cin, int cout, char op, uint64_t off, uint64_t len,
		     uint64_t seed, const char *when)
{
	struct child_cmd c = { op, off, len, seed };
	unsigned char r;

	CHECK(write(cin, &c, sizeof(c)) == sizeof(c), "pipe to child");
	if (op == 'Q')
		return;
	CHECK(read(cout, &r, 1) == 1, "%s: the other process died", when);
	CHECK(r == 0, "%s: the other process's mapping is stale", when);
}

static int write_out(const char *out, const unsigned char *model, size_t len)
{
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		die_errno("open %s", out);
	xpwrite(fd, model, len, 0);
	close(fd);
	return 0;
}

static int cmd_mapshare(char **argv)
{
	const char *path = argv[0];
	int fd = open(path, O_RDWR), tochild[2], fromchild[2];
	unsigned char *model, *p, *q, r;
	struct stat st;
	size_t len, len2;
	pid_t pid;
	int wst;

	if (fd < 0 || fstat(fd, &st))
		die_errno("open %s", path);
	len = st.st_size;
	CHECK(len >= 8 * PG && len % PG == 0, "want a file of 8+ whole pages");
	len2 = len + 2 * PG;
	model = mmap(NULL, len2, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(model != MAP_FAILED, "mmap model");
	xpread(fd, model, len, 0);
	CHECK(!pipe(tochild) && !pipe(fromchild), "pipe");
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (!pid) {
		close(tochild[1]);
		close(fromchild[0]);
		child_loop(path, len, model, tochild[0], fromchild[1]);
	}
	close(tochild[0]);
	close(fromchild[1]);
	CHECK(read(fromchild[0], &r, 1) == 1, "child did not start");

	p = xmap(len, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	same_map(p, model, len, "the mapping", "at first");

	/* 1: a store to a base page through the mapping */
	fill_pat(p + PG + 100, 1, PG + 100, 50);
	fill_pat(model + PG + 100, 1, PG + 100, 50);
	same_file(fd, model, len, "a store to page 1");
	child_do(tochild[1], fromchild[0], 'V', 0, 0, 0, "a store to page 1");

	/* 2: the other process stores; this one sees it */
	child_do(tochild[1], fromchild[0], 'W', 2 * PG + 7, 4000, 2,
		 "the other process's store");
	same_map(p, model, len, "this process's mapping",
		 "a store by the other process");
	same_file(fd, model, len, "a store by the other process");

	/* 3: write() over mapped pages: a whole page, a part of one
	 * already written through the mapping, a part of a base page */
	fill_pat(model + 3 * PG, 3, 3 * PG, PG);
	xpwrite(fd, model + 3 * PG, PG, 3 * PG);
	fill_pat(model + PG + 120, 4, PG + 120, 200);
	xpwrite(fd, model + PG + 120, 200, PG + 120);
	fill_pat(model + 5 * PG + 4000, 5, 5 * PG + 4000, 200);
	xpwrite(fd, model + 5 * PG + 4000, 200, 5 * PG + 4000);
	same_map(p, model, len, "this process's mapping", "write() over it");
	child_do(tochild[1], fromchild[0], 'V', 0, 0, 0, "write() over it");
	same_file(fd, model, len, "write() over mapped pages");

	/* 4: a second mapping in this process; a store through it */
	q = xmap(len, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	same_map(q, model, len, "a second mapping", "at first");
	fill_pat(q + 4 * PG, 6, 4 * PG, PG);
	fill_pat(model + 4 * PG, 6, 4 * PG, PG);
	same_map(p, model, len, "the first mapping", "a store through the second");
	child_do(tochild[1], fromchild[0], 'V', 0, 0, 0,
		 "a store through the second mapping");
	same_file(fd, model, len, "a store through the second mapping");

	/* 5: the other process rewrites a page this one wrote */
	child_do(tochild[1], fromchild[0], 'W', 4 * PG + 1000, 100, 7,
		 "the other process overwrites");
	same_map(q, model, len, "the second mapping", "the other process overwrites");
	same_file(fd, model, len, "the other process overwrites");

	/* 6: msync and fsync */
	CHECK(!msync(p, len, MS_SYNC), "msync MS_SYNC: %s", strerror(errno));
	CHECK(!msync(q, len, MS_ASYNC), "msync MS_ASYNC: %s", strerror(errno));
	CHECK(!fsync(fd), "fsync: %s", strerror(errno));
	CHECK(!fdatasync(fd), "fdatasync: %s", strerror(errno));
	child_do(tochild[1], fromchild[0], 'Q', 0, 0, 0, "quit");
	CHECK(waitpid(pid, &wst, 0) == pid && WIFEXITED(wst) &&
	      !WEXITSTATUS(wst), "the other process failed");
	munmap(q, len);

	/* 7: grow the file, store into the new pages through a new mapping */
	CHECK(!ftruncate(fd, len2), "ftruncate up: %s", strerror(errno));
	memset(model + len, 0, len2 - len);
	q = xmap(len2, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	same_map(q, model, len2, "a mapping after growing", "growing");
	fill_pat(q + len + 10, 8, len + 10, PG);
	fill_pat(model + len + 10, 8, len + 10, PG);
	same_file(fd, model, len2, "a store to grown pages");
	same_map(p, model, len, "the first mapping", "a store to grown pages");
	CHECK(!msync(q, len2, MS_SYNC), "msync: %s", strerror(errno));
	munmap(q, len2);
	munmap(p, len);
	close(fd);
	write_out(argv[1], model, len2);
	printf("ok\n");
	return 0;
}

static int cmd_mapprivate(char **argv)
{
	const char *path = argv[0];
	int fd = open(path, O_RDWR);
	unsigned char *model, *priv, *priv2, *s, *mine;
	struct stat st;
	size_t len, i;
	volatile unsigned long sum = 0;

	if (fd < 0 || fstat(fd, &st))
		die_errno("open %s", path);
	len = st.st_size;
	CHECK(len >= 8 * PG && len % PG == 0, "want a file of 8+ whole pages");
	model = xmalloc(len);
	mine = xmalloc(PG);
	xpread(fd, model, len, 0);
	priv = xmap(len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
	s = xmap(len, PROT_READ, MAP_SHARED, fd);
	for (i = 0; i < len; i += PG)
		sum += priv[i] + s[i];
	(void)sum;

	/* a store to a mapped page copies it */
	fill_pat(mine, 11, 0, PG);
	memcpy(priv, mine, PG);
	same_file(fd, model, len, "a private store");
	same_map(s, model, len, "a shared mapping", "a private store");
	CHECK(!memcmp(priv, mine, PG), "the private store did not stay");
	same_map(priv + PG, model + PG, len - PG, "the private mapping",
		 "a private store (other pages)");

	/* write() after it: the copy stays, the other pages follow */
	fill_pat(model, 12, 0, 2 * PG);
	xpwrite(fd, model, 2 * PG, 0);
	CHECK(!memcmp(priv, mine, PG),
	      "write() to the file changed a privately written page");
	same_map(priv + PG, model + PG, len - PG, "the private mapping",
		 "write() to the file (pages not written privately)");
	same_map(s, model, len, "a shared mapping", "write() to the file");

	/* a first-touch store (do_cow_fault) */
	priv2 = xmap(len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
	fill_pat(mine, 13, 0, PG);
	memcpy(priv2 + 2 * PG, mine, PG);
	CHECK(!memcmp(priv2 + 2 * PG, mine, PG), "first-touch private store lost");
	same_map(priv2 + 3 * PG, model + 3 * PG, len - 3 * PG,
		 "a second private mapping", "a first-touch private store");
	same_map(priv2, model, 2 * PG, "a second private mapping",
		 "a first-touch private store");
	same_file(fd, model, len, "a first-touch private store");
	same_map(s, model, len, "a shared mapping", "a first-touch private store");
	munmap(priv2, len);
	munmap(priv, len);
	munmap(s, len);
	close(fd);
	write_out(argv[1], model, len);
	printf("ok\n");
	return 0;
}

static int cmd_sigbus(char **argv)
{
	int fd = open(argv[0], O_RDWR);
	unsigned char *p, *q, v;
	const size_t len = 3 * PG, cut = PG + 100;
	struct stat st;
	size_t i;

	if (fd < 0 || fstat(fd, &st))
		die_errno("open %s", argv[0]);
	CHECK((size_t)st.st_size >= len, "want a file of 3+ pages");
	p = xmap(len, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	q = xmap(len, PROT_READ, MAP_PRIVATE, fd);
	catch_bus();
	for (i = 0; i < len; i += PG) {
		CHECK(!bus_load(p + i, &v), "SIGBUS before the truncate");
		CHECK(!bus_load(q + i, &v), "SIGBUS before the truncate");
	}
	CHECK(!ftruncate(fd, cut), "ftruncate down: %s", strerror(errno));
	CHECK(!bus_load(p, &v), "SIGBUS on page 0 after truncating to %zu", cut);
	for (i = cut; i < 2 * PG; i++) {
		CHECK(!bus_load(p + i, &v), "shared: SIGBUS at %zu (last page)", i);
		CHECK(v == 0, "shared: byte %zu past EOF in the last page is %#x, want 0",
		      i, v);
		CHECK(!bus_load(q + i, &v), "private: SIGBUS at %zu (last page)", i);
		CHECK(v == 0, "private: byte %zu past EOF in the last page is %#x, want 0",
		      i, v);
	}
	CHECK(bus_load(p + 2 * PG, &v), "shared: no SIGBUS reading past EOF");
	CHECK(bus_load(q + 2 * PG + 5, &v), "private: no SIGBUS reading past EOF");
	CHECK(bus_store(p + 2 * PG + 9, 1), "shared: no SIGBUS storing past EOF");
	/* extend again: zeros, not the old bytes */
	CHECK(!ftruncate(fd, len), "ftruncate up: %s", strerror(errno));
	for (i = cut; i < len; i++) {
		CHECK(!bus_load(p + i, &v), "SIGBUS at %zu after extending", i);
		CHECK(v == 0, "shared: byte %zu is %#x after truncate down and up, want 0",
		      i, v);
		CHECK(!bus_load(q + i, &v), "private: SIGBUS at %zu after extending", i);
		CHECK(v == 0, "private: byte %zu is %#x after truncate down and up, want 0",
		      i, v);
	}
	CHECK(!bus_store(p + 2 * PG + 9, 0x77), "SIGBUS storing after extending");
	{
		unsigned char b[1];

		xpread(fd, b, 1, 2 * PG + 9);
		CHECK(b[0] == 0x77, "a store after extending not seen by read()");
	}
	munmap(p, len);
	munmap(q, len);
	close(fd);
	printf("ok\n");
	return 0;
}

static int cmd_pfns(char **argv)
{
	int fd = open(argv[0], O_RDONLY), pm = open("/proc/self/pagemap", O_RDONLY);
	struct stat st;
	unsigned char *p;
	volatile unsigned long sum = 0;
	size_t i, n;

	if (fd < 0 || pm < 0 || fstat(fd, &st))
		die_errno("open");
	n = (st.st_size + PG - 1) / PG;
	p = xmap(n * PG, PROT_READ, MAP_PRIVATE, fd);
	for (i = 0; i < n; i++)
		sum += p[i * PG];
	(void)sum;
	for (i = 0; i < n; i++) {
		uint64_t e;

		if (pread(pm, &e, 8, ((uintptr_t)p / PG + i) * 8) != 8)
			die_errno("pagemap");
		if (e >> 63)
			printf("%zu 0x%llx\n", i, (unsigned long long)
			       ((e & ((1ULL << 55) - 1)) * PG));
		else
			printf("%zu -\n", i);
	}
	return 0;
}

static int cmd_smaps(char **argv)
{
	int fd = open(argv[0], O_RDONLY);
	struct stat st;
	unsigned char *p;
	volatile unsigned long sum = 0;
	unsigned long lo, hi;
	size_t i, n;
	char line[512];
	bool in = false;
	FILE *f;

	if (fd < 0 || fstat(fd, &st))
		die_errno("open");
	n = (st.st_size + PG - 1) / PG;
	p = xmap(n * PG, PROT_READ, MAP_SHARED, fd);
	for (i = 0; i < n; i++)
		sum += p[i * PG];
	(void)sum;
	f = fopen("/proc/self/smaps", "r");
	if (!f)
		die_errno("smaps");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = lo == (uintptr_t)p;
			continue;
		}
		if (in && (!strncmp(line, "Rss:", 4) ||
			   !strncmp(line, "VmFlags:", 8)))
			fputs(line, stdout);
	}
	fclose(f);
	return 0;
}

/* ---- mount cycles with a write workload (wleaks.sh) ---- */

static void wl_file(const char *path, uint64_t seed, size_t len)
{
	unsigned char *b = xmalloc(len);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		die_errno("create %s", path);
	fill_pat(b, seed, 0, len);
	xpwrite(fd, b, len, 0);
	close(fd);
	free(b);
}

#define P(buf, fmt, ...) (snprintf(buf, sizeof(buf), fmt, __VA_ARGS__), buf)
#define OK(call) do { if ((call) < 0) die_errno("%s", #call); } while (0)

static void workload(const char *mnt, const char *base, unsigned int round)
{
	char a[4096], b[4096], c[4096], d[4096];
	unsigned char buf[3 * PG], *m;
	int fd;

	fill_pat(buf, round, 0, sizeof(buf));
	OK(mkdir(P(a, "%s/wl", mnt), 0755));
	wl_file(P(a, "%s/wl/a", mnt), round, 3 * PG + 100);
	wl_file(P(b, "%s/wl/b", mnt), round + 1, 5000);
	OK(rename(a, P(c, "%s/wl/c", mnt)));
	OK(link(c, P(d, "%s/wl/d", mnt)));
	OK(symlink("c", P(a, "%s/wl/s", mnt)));
	OK(syscall(SYS_renameat2, AT_FDCWD, b, AT_FDCWD, c, RENAME_EXCHANGE));
	OK(setxattr(b, "user.k", "value", 5, 0));
	OK(setxattr(b, "trusted.k", buf, 300, 0));
	OK(removexattr(b, "user.k"));
	OK(truncate(b, 10));
	OK(truncate(b, 3 * PG));
	fd = open(b, O_RDWR | O_APPEND);
	OK(fd);
	OK(write(fd, buf, 2000));
	OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PG, PG));
	OK(fallocate(fd, FALLOC_FL_ZERO_RANGE, 100, 200));
	OK(fallocate(fd, 0, 0, 6 * PG));
	m = xmap(2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	m[10] = 1;
	m[PG + 10] = 2;
	OK(msync(m, 2 * PG, MS_SYNC));
	munmap(m, 2 * PG);
	OK(fsync(fd));
	close(fd);
	/* copy-on-write of a base file, and back to what it held */
	fd = open(base, O_RDWR);
	OK(fd);
	xpread(fd, buf, 100, 0);
	xpwrite(fd, "zz", 2, 1);
	xpwrite(fd, buf + 1, 2, 1);
	close(fd);
	/* an unlinked file still open, and an O_TMPFILE */
	fd = open(P(a, "%s/wl/open", mnt), O_RDWR | O_CREAT, 0600);
	OK(fd);
	OK(unlink(a));
	xpwrite(fd, buf, PG, 0);
	close(fd);
	fd = open(P(a, "%s/wl", mnt), O_TMPFILE | O_RDWR, 0600);
	OK(fd);
	xpwrite(fd, buf, 100, 0);
	close(fd);
	OK(mknod(P(a, "%s/wl/fifo", mnt), S_IFIFO | 0644, 0));
	/* everything goes again */
	OK(unlink(a));
	OK(unlink(P(a, "%s/wl/b", mnt)));
	OK(unlink(P(a, "%s/wl/c", mnt)));
	OK(unlink(P(a, "%s/wl/d", mnt)));
	OK(unlink(P(a, "%s/wl/s", mnt)));
	OK(rmdir(P(a, "%s/wl", mnt)));
}

static int cmd_cycles(char **argv)
{
	uint64_t n = parse_num(argv[0]), i;
	const char *mnt = argv[1], *opts = argv[2], *base = argv[3];
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", mnt, base);
	for (i = 0; i < n; i++) {
		if (mount("none", mnt, "daxfs", 0, opts) < 0)
			die_errno("cycle %llu: mount", (unsigned long long)i);
		workload(mnt, path, i);
		if (umount(mnt) < 0)
			die_errno("cycle %llu: umount", (unsigned long long)i);
	}
	return 0;
}

/* ---- branch slots reused (branch.sh) ---- */

/* the branch ioctl CMD with NAME on a fresh descriptor of MNT's root, as
 * daxfs-branch makes it; 0 or an errno */
static int br_call(const char *mnt, unsigned long cmd, const char *name)
{
	struct daxfs_ioc_branch a;
	int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return errno;
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	if (ioctl(fd, cmd, &a) < 0)
		e = errno;
	close(fd);
	return e;
}

/* the branch MNT shows, or "" */
static const char *br_shown(const char *mnt)
{
	static struct daxfs_ioc_mount m;
	int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	memset(&m, 0, sizeof(m));
	if (fd >= 0) {
		if (ioctl(fd, DAXFS_IOC_MOUNT_INFO, &m) < 0)
			m.name[0] = 0;
		close(fd);
	}
	m.name[sizeof(m.name) - 1] = 0;
	return m.name;
}

static int cmd_branchloop(char **argv)
{
	const char *mnt = argv[0];
	uint64_t n = parse_num(argv[1]), i;
	char name[32], path[4096], line[32];
	int fd, e, len;

	snprintf(path, sizeof(path), "%s/loopfile", mnt);
	for (i = 1; i <= n; i++) {
		unsigned long long r = (unsigned long long)i;

		snprintf(name, sizeof(name), "loop%llu", r);
		e = br_call(mnt, DAXFS_IOC_BRANCH_CREATE, name);
		if (e)
			die("round %llu: create %s: %s", r, name, ename(e));
		e = br_call(mnt, DAXFS_IOC_BRANCH_SWITCH, name);
		if (e)
			die("round %llu: switch %s: %s", r, name, ename(e));
		if (strcmp(br_shown(mnt), name))
			die("round %llu: after the switch the mount shows '%s', not %s",
			    r, br_shown(mnt), name);
		len = snprintf(line, sizeof(line), "%llu\n", r);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, line, len) != len || close(fd) < 0)
			die_errno("round %llu: write %s", r, path);
		e = br_call(mnt, DAXFS_IOC_BRANCH_ABORT, "");
		if (e)
			die("round %llu: abort %s: %s", r, name, ename(e));
		if (strcmp(br_shown(mnt), "main"))
			die("round %llu: after the abort the mount shows '%s', not main",
			    r, br_shown(mnt));
	}
	printf("ok\n");
	return 0;
}

static int cmd_creates(char **argv)
{
	uint64_t from = parse_num(argv[2]), to = parse_num(argv[3]), i;
	char name[32];
	int e;

	for (i = from; i <= to; i++) {
		snprintf(name, sizeof(name), "%s%llu", argv[1],
			 (unsigned long long)i);
		e = br_call(argv[0], DAXFS_IOC_BRANCH_CREATE, name);
		if (e) {
			printf("created %llu, then %s: %s\n",
			       (unsigned long long)(i - from), name, ename(e));
			return 1;
		}
	}
	printf("created %llu\n", (unsigned long long)(to - from + 1));
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: wtool COMMAND ARGS... (see wtool.c)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *c;

	helper_name = "wtool";
	if (argc < 2)
		usage();
	c = argv[1];
	argc -= 2;
	argv += 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
#define IS(name, n) (!strcmp(c, name) && argc == (n))
	if (!strcmp(c, "try") && argc >= 2)
		return cmd_try(argc, argv);
	if (IS("rename", 3))
		return cmd_rename(argv);
	if (IS("setx", 5))
		return cmd_setx(argv);
	if (IS("getx", 4))
		return cmd_getx(argv);
	if (IS("pwrite", 4))
		return cmd_pwrite(argv);
	if (IS("check", 4))
		return cmd_check(argv, false);
	if (IS("zeros", 3))
		return cmd_check(argv, true);
	if (IS("copy", 5))
		return cmd_copy(argv);
	if (IS("utimens", 5))
		return cmd_utimens(argv);
	if (IS("statfs", 1))
		return cmd_statfs(argv);
	if (!strcmp(c, "same") && argc >= 3)
		return cmd_same(argc, argv);
	if (IS("append", 1))
		return cmd_append(argv);
	if (!strcmp(c, "tmpfile") && (argc == 3 || argc == 4))
		return cmd_tmpfile(argc, argv);
	if (IS("tmpfile-excl", 2))
		return cmd_tmpfile_excl(argv);
	if (IS("fsize", 1))
		return cmd_fsize(argv);
	if (IS("maxbytes", 1))
		return cmd_maxbytes(argv);
	if (IS("rewrite", 3))
		return cmd_rewrite(argv);
	if (IS("fill", 3))
		return cmd_fill(argv);
	if (IS("mapwrite", 2))
		return cmd_mapwrite(argv);
	if (IS("mapshare", 2))
		return cmd_mapshare(argv);
	if (IS("mapprivate", 2))
		return cmd_mapprivate(argv);
	if (IS("sigbus", 1))
		return cmd_sigbus(argv);
	if (IS("pfns", 1))
		return cmd_pfns(argv);
	if (IS("smaps", 1))
		return cmd_smaps(argv);
	if (IS("cycles", 4))
		return cmd_cycles(argv);
	if (IS("branchloop", 2))
		return cmd_branchloop(argv);
	if (IS("creates", 4))
		return cmd_creates(argv);
	usage();
	return 2;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * bx: the benchmark's timed loops, run in the guest on each filesystem.
 * Each command times only its own loop with CLOCK_MONOTONIC and prints one
 * number on stdout; anything wrong (a missing file, a short read, a child
 * that failed) is one line on stderr and exit 1, so a broken filesystem
 * gives an error cell rather than a fast time.  Paths inside a tree are
 * resolved from a descriptor of its top, opened before the clock starts,
 * so the walk down to the mount point (over the guest's 9p root) is never
 * timed.
 *
 *   bx [-d|-f] [-2] CMD ARGS...
 *      -d  first sync and drop the page, dentry and inode caches (cold)
 *      -f  first drop FILE's cached pages only (posix_fadvise DONTNEED):
 *          the cheap "cold" for the commands that read one file
 *      -2  run CMD three times, print the first and the smaller of the
 *          other two on one line ("cold warm"): the best of two warm
 *          passes, since a busy host only ever adds time
 *
 *   bx seqread FILE               read() it whole, 1 MiB at a time: total ns
 *   bx sum FILE                   64-bit hash of the content (setup check)
 *   bx pread FILE N SEED          N 4 KiB preads at random 4 KiB-aligned
 *                                 offsets: ns per read
 *   bx mmapread FILE N SEED       the same offsets, memcpy of 4 KiB out of a
 *                                 fresh shared mapping: ns per read
 *                                 (mmap and munmap included)
 *   bx fault FILE                 touch one byte in every 4 KiB page of a
 *                                 fresh mapping: total ns (mmap/munmap
 *                                 included)
 *   bx stattree DIR TOP SUB FILES stat every file of the gen tree: total ns
 *   bx lookup DIR ENTRIES N SEED  fstatat N random names of the gen flat
 *                                 directory, relative to its fd: ns each
 *   bx readsrc DIR FILES DIRS     open, read whole and close every file of
 *                                 the gen src tree: total ns
 *   bx startup ROOT N PROG [ARG...] N times: fork, chroot ROOT, exec PROG,
 *                                 wait (exit 0 wanted): median ns
 *
 * Running both passes in one process saves a fork and exec, which cost
 * about half a second in a TCG guest.
 *
 * Names and seeds follow bench.h (the generator's side).
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include "bench.h"

#define BLK	4096UL

static volatile uint64_t sink;

static int open_ro(const char *path, uint64_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0)
		die_errno("%s", path);
	*size = (uint64_t)st.st_size;
	return fd;
}

static int open_dir(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		die_errno("%s", dir);
	return dfd;
}

/* Each command: one timed pass, its result in ns (total or per op). */

static double cmd_seqread(const char *path)
{
	uint64_t size, got = 0, t0, t1;
	char *buf = xmalloc(1 << 20);
	int fd = open_ro(path, &size);
	ssize_t n;

	t0 = now_ns();
	while ((n = read(fd, buf, 1 << 20)) > 0)
		got += (uint64_t)n;
	t1 = now_ns();
	if (n < 0)
		die_errno("read %s", path);
	if (got != size)
		die("%s: read %llu of %llu bytes", path,
		    (unsigned long long)got, (unsigned long long)size);
	close(fd);
	free(buf);
	return (double)(t1 - t0);
}

static int cmd_sum(const char *path)
{
	uint64_t size, h = 0xcbf29ce484222325ULL, *buf = xmalloc(1 << 20);
	int fd = open_ro(path, &size);
	ssize_t n;

	while ((n = read(fd, buf, 1 << 20)) > 0) {
		size_t i = 0;

		for (; i < (size_t)n / 8; i++)
			h = (h ^ buf[i]) * 0x100000001b3ULL;
		for (i *= 8; i < (size_t)n; i++)
			h = (h ^ ((unsigned char *)buf)[i]) * 0x100000001b3ULL;
	}
	if (n < 0)
		die_errno("read %s", path);
	close(fd);
	printf("%016llx\n", (unsigned long long)h);
	return 0;
}

/* N random block offsets below size, from SEED. */
static uint64_t *offsets(uint64_t size, uint64_t n, uint64_t seed)
{
	uint64_t *o = xmalloc(n * sizeof(*o)), blocks = size / BLK, st = seed;

	if (!blocks)
		die("file smaller than one block");
	for (uint64_t i = 0; i < n; i++)
		o[i] = rnd(&st) % blocks * BLK;
	return o;
}

static double cmd_pread(const char *path, uint64_t n, uint64_t seed)
{
	uint64_t size, t0, t1, acc = 0;
	int fd = open_ro(path, &size);
	uint64_t *o = offsets(size, n, seed);
	unsigned char *buf = xmalloc(BLK);

	t0 = now_ns();
	for (uint64_t i = 0; i < n; i++) {
		if (pread(fd, buf, BLK, (off_t)o[i]) != (ssize_t)BLK)
			die_errno("pread %s at %llu", path,
				  (unsigned long long)o[i]);
		acc += buf[i % BLK];
	}
	t1 = now_ns();
	sink = acc;
	close(fd);
	free(o);
	free(buf);
	return (double)(t1 - t0) / (double)n;
}

static double cmd_mmapread(const char *path, uint64_t n, uint64_t seed)
{
	uint64_t size, t0, t1, acc = 0;
	int fd = open_ro(path, &size);
	uint64_t *o = offsets(size, n, seed);
	unsigned char *buf = xmalloc(BLK), *map;

	t0 = now_ns();
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die_errno("mmap %s", path);
	for (uint64_t i = 0; i < n; i++) {
		memcpy(buf, map + o[i], BLK);
		/* the copy must happen: make buf look used */
		__asm__ volatile("" : : "r"(buf) : "memory");
		acc += buf[i % BLK];
	}
	munmap(map, size);
	t1 = now_ns();
	sink = acc;
	close(fd);
	free(o);
	free(buf);
	return (double)(t1 - t0) / (double)n;
}

static double cmd_fault(const char *path)
{
	uint64_t size, t0, t1, acc = 0;
	int fd = open_ro(path, &size);
	const volatile unsigned char *map;

	t0 = now_ns();
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die_errno("mmap %s", path);
	for (uint64_t off = 0; off < size; off += BLK)
		acc += map[off];
	munmap((void *)map, size);
	t1 = now_ns();
	sink = acc;
	close(fd);
	return (double)(t1 - t0);
}

static double cmd_stattree(const char *dir, unsigned na, unsigned nb,
			   unsigned nf)
{
	char rel[64];
	struct stat st;
	uint64_t t0, t1;
	int dfd = open_dir(dir);

	t0 = now_ns();
	for (unsigned a = 0; a < na; a++)
		for (unsigned b = 0; b < nb; b++)
			for (unsigned f = 0; f < nf; f++) {
				tree_path(rel, sizeof(rel), a, b, f);
				if (fstatat(dfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
					die_errno("stat %s/%s", dir, rel);
			}
	t1 = now_ns();
	close(dfd);
	return (double)(t1 - t0);
}

static double cmd_lookup(const char *dir, unsigned entries, uint64_t n,
			 uint64_t seed)
{
	char name[64];
	unsigned *idx = xmalloc(n * sizeof(*idx));
	uint64_t st = seed, t0, t1;
	struct stat sb;
	int dfd = open_dir(dir);

	for (uint64_t i = 0; i < n; i++)
		idx[i] = (unsigned)(rnd(&st) % entries);
	t0 = now_ns();
	for (uint64_t i = 0; i < n; i++) {
		flat_name(name, sizeof(name), idx[i]);
		if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			die_errno("stat %s/%s", dir, name);
	}
	t1 = now_ns();
	close(dfd);
	free(idx);
	return (double)(t1 - t0) / (double)n;
}

static double cmd_readsrc(const char *dir, unsigned files, unsigned dirs)
{
	char rel[64];
	char *buf = xmalloc(65536);
	uint64_t t0, t1;
	int dfd = open_dir(dir);

	t0 = now_ns();
	for (unsigned i = 0; i < files; i++) {
		ssize_t r;
		int fd;

		src_path(rel, sizeof(rel), i, dirs);
		fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die_errno("%s/%s", dir, rel);
		while ((r = read(fd, buf, 65536)) > 0)
			;
		if (r < 0)
			die_errno("read %s/%s", dir, rel);
		close(fd);
	}
	t1 = now_ns();
	close(dfd);
	free(buf);
	return (double)(t1 - t0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double cmd_startup(const char *root, unsigned n, char **argv)
{
	/* a fixed, small environment: the same for every filesystem */
	static char *envp[] = { "PATH=/usr/bin:/bin", "LANG=C.UTF-8",
				"HOME=/", NULL };
	uint64_t *t = xmalloc(n * sizeof(*t)), med;
	int rfd = open_dir(root);

	if (!n)
		die("startup: N must be at least 1");
	for (unsigned i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		int status;
		pid_t pid = fork();

		if (pid < 0)
			die_errno("fork");
		if (pid == 0) {
			/* from the descriptor: no path walk to the mount */
			if (fchdir(rfd) < 0 || chroot(".") < 0) {
				perror(root);
				_exit(126);
			}
			execve(argv[0], argv, envp);
			perror(argv[0]);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0)
			die_errno("waitpid");
		t[i] = now_ns() - t0;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			die("%s in %s: exit status 0x%x", argv[0], root, status);
	}
	close(rfd);
	qsort(t, n, sizeof(*t), cmp_u64);
	med = t[n / 2];
	free(t);
	return (double)med;
}

/* -d: what `sync; echo 3 >/proc/sys/vm/drop_caches` does */
static void drop_caches(void)
{
	int fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "3\n", 2) != 2 || close(fd) < 0)
		die_errno("/proc/sys/vm/drop_caches");
}

/* -f: drop one file's clean pages (a no-op where there are none) */
static void drop_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;

	if (fd < 0)
		die_errno("%s", path);
	e = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (e) {
		errno = e;
		die_errno("fadvise %s", path);
	}
	close(fd);
}

static double run(int argc, char **argv)
{
	const char *c = argv[0];

	if (!strcmp(c, "seqread") && argc == 2)
		return cmd_seqread(argv[1]);
	if (!strcmp(c, "pread") && argc == 4)
		return cmd_pread(argv[1], num(argv[2]), num(argv[3]));
	if (!strcmp(c, "mmapread") && argc == 4)
		return cmd_mmapread(argv[1], num(argv[2]), num(argv[3]));
	if (!strcmp(c, "fault") && argc == 2)
		return cmd_fault(argv[1]);
	if (!strcmp(c, "stattree") && argc == 5)
		return cmd_stattree(argv[1], (unsigned)num(argv[2]),
				    (unsigned)num(argv[3]),
				    (unsigned)num(argv[4]));
	if (!strcmp(c, "lookup") && argc == 5)
		return cmd_lookup(argv[1], (unsigned)num(argv[2]),
				  num(argv[3]), num(argv[4]));
	if (!strcmp(c, "readsrc") && argc == 4)
		return cmd_readsrc(argv[1], (unsigned)num(argv[2]),
				   (unsigned)num(argv[3]));
	if (!strcmp(c, "startup") && argc >= 4)
		return cmd_startup(argv[1], (unsigned)num(argv[2]), argv + 3);
	fprintf(stderr, "bx: unknown command or wrong arguments: %s (see bx.c)\n", c);
	exit(2);
}

int main(int argc, char **argv)
{
	int i = 1, twice = 0, cold = 0;
	double a, b, c;

	prog = "bx";
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-d"))
			cold = 'd';
		else if (!strcmp(argv[i], "-f"))
			cold = 'f';
		else if (!strcmp(argv[i], "-2"))
			twice = 1;
		else
			die("unknown option %s", argv[i]);
	}
	if (i >= argc)
		die("usage: bx [-d|-f] [-2] CMD ARGS... (see bx.c)");
	if (!strcmp(argv[i], "sum") && argc == i + 2)
		return cmd_sum(argv[i + 1]);
	if (cold == 'd')
		drop_caches();
	if (cold == 'f') {
		if (argc < i + 2)
			die("-f: no file");
		drop_file(argv[i + 1]);
	}
	a = run(argc - i, argv + i);
	if (!twice) {
		printf("%.1f\n", a);
		return 0;
	}
	b = run(argc - i, argv + i);
	c = run(argc - i, argv + i);
	printf("%.1f %.1f\n", a, b < c ? b : c);
	return 0;
}

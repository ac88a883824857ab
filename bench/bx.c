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
 * The write commands (each run once, on a directory the caller made empty
 * for it; DIR's descriptor is opened before the clock starts and every
 * file is named relative to it):
 *
 *   bx exec DIR INPUT PROG [ARG...]  fork; in the child cd DIR, INPUT on
 *                                 stdin, stdout to stderr, exec PROG (a
 *                                 full path); wait (exit 0 wanted): ns.
 *                                 `bx exec D TARBALL /usr/bin/tar -xf -`
 *   bx rmtree DIR NAME            remove DIR/NAME and everything under it
 *                                 (rm -rf, each directory read whole
 *                                 before its entries go): total ns
 *   bx wseq DIR SIZE SYNC         create DIR/wseq, write SIZE bytes in
 *                                 1 MiB write()s (then fsync if SYNC is
 *                                 1; close untimed): total ns
 *   bx append DIR N LEN           N write()s of LEN bytes to DIR/append,
 *                                 opened O_APPEND: ns each
 *   bx overwrite DIR SIZE N SEED  make DIR/overwrite SIZE bytes (1 MiB
 *                                 writes, fsync; untimed), then N 4 KiB
 *                                 pwrite()s at random 4 KiB-aligned
 *                                 offsets: ns each
 *   bx churn DIR N LEN            N times: create DIR/cNNNNNN (O_EXCL),
 *                                 write LEN bytes, close, unlink: ns each
 *   bx rewrite DIR N              make DIR/rewrite 4 KiB (fsync; untimed),
 *                                 then N pwrite()s of all 4 KiB at offset
 *                                 0: prints "NS SPACE", ns each and the
 *                                 growth of the filesystem's used space
 *                                 (statfs (f_blocks - f_bfree) * f_bsize,
 *                                 bytes, may be negative) from before the
 *                                 loop to right after it
 *
 * Every buffer written carries a counter, so no two writes of a loop write
 * the same bytes.  After the clock stops, wseq, append, overwrite and
 * rewrite read the whole file back and compare it with what was written
 * (overwrite against a copy in memory): a filesystem that loses writes
 * fails the cell rather than giving a fast time.  (churn's files are gone
 * when its clock stops; it checks what each write() returns.)
 *
 * Running both passes in one process saves a fork and exec, which cost
 * about half a second in a TCG guest.
 *
 * Names and seeds follow bench.h (the generator's side).
 */
#include <dirent.h>
#include <sys/mman.h>
#include <sys/statfs.h>
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

/* ---- the write commands ---- */

/* A buffer of pseudo-random bytes (seeded), to write. */
static unsigned char *wbuf(size_t len, uint64_t seed)
{
	unsigned char *b = xmalloc(len);
	uint64_t st = seed;

	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = rnd(&st);

		memcpy(b + i, &v, len - i < 8 ? len - i : 8);
	}
	return b;
}

/* Stamp counter i into the buffer's first bytes: every write differs. */
static void stamp(unsigned char *b, size_t len, uint64_t i)
{
	memcpy(b, &i, len < 8 ? len : 8);
}

static int create_at(int dfd, const char *dir, const char *name, int flags)
{
	/* O_RDWR: the commands read back what they wrote */
	int fd = openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
			flags, 0644);

	if (fd < 0)
		die_errno("create %s/%s", dir, name);
	return fd;
}

static void write_all(int fd, const unsigned char *b, size_t len,
		      const char *dir, const char *name)
{
	ssize_t n = write(fd, b, len);

	if (n != (ssize_t)len) {
		if (n >= 0)
			die("write %s/%s: %zd of %zu bytes", dir, name, n, len);
		die_errno("write %s/%s", dir, name);
	}
}

/* SIZE bytes into a new DIR/NAME in 1 MiB writes, fsynced: the setup of
 * overwrite (untimed). */
static int make_file(int dfd, const char *dir, const char *name,
		     uint64_t size)
{
	unsigned char *b = wbuf(1 << 20, 11);
	int fd = create_at(dfd, dir, name, 0);

	for (uint64_t off = 0; off < size; off += 1 << 20) {
		size_t len = size - off < (1 << 20) ? size - off : 1 << 20;

		stamp(b, len, off);
		write_all(fd, b, len, dir, name);
	}
	if (fsync(fd) < 0)
		die_errno("fsync %s/%s", dir, name);
	free(b);
	return fd;
}

static void check_size(int fd, uint64_t want, const char *dir,
		       const char *name)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		die_errno("stat %s/%s", dir, name);
	if ((uint64_t)st.st_size != want)
		die("%s/%s: size %llu after the loop, want %llu", dir, name,
		    (unsigned long long)st.st_size, (unsigned long long)want);
}

/* The file's LEN bytes at OFF must be WANT (read back after the clock). */
static void verify(int fd, uint64_t off, const unsigned char *want,
		   size_t len, const char *dir, const char *name)
{
	static unsigned char *got;
	static size_t cap;
	ssize_t n;

	if (len > cap) {
		free(got);
		got = xmalloc(len);
		cap = len;
	}
	n = pread(fd, got, len, (off_t)off);
	if (n < 0)
		die_errno("read back %s/%s at %llu", dir, name,
			  (unsigned long long)off);
	if ((size_t)n != len || memcmp(got, want, len))
		die("%s/%s: %zu bytes at %llu read back differ from those written",
		    dir, name, len, (unsigned long long)off);
}

static void close_checked(int fd, const char *dir, const char *name)
{
	if (close(fd) < 0)
		die_errno("close %s/%s", dir, name);
}

static double cmd_exec(const char *dir, const char *input, char **argv)
{
	/* a fixed, small environment: the same for every filesystem */
	static char *envp[] = { "PATH=/usr/bin:/bin", "LANG=C.UTF-8",
				"HOME=/", NULL };
	int dfd = open_dir(dir), in = open(input, O_RDONLY | O_CLOEXEC);
	uint64_t t0, t1;
	int status;
	pid_t pid;

	if (in < 0)
		die_errno("%s", input);
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		die_errno("fork");
	if (pid == 0) {
		if (fchdir(dfd) < 0 || dup2(in, 0) < 0 || dup2(2, 1) < 0) {
			perror(dir);
			_exit(126);
		}
		execve(argv[0], argv, envp);
		perror(argv[0]);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		die_errno("waitpid");
	t1 = now_ns();
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("%s in %s: exit status 0x%x", argv[0], dir, status);
	close(in);
	close(dfd);
	return (double)(t1 - t0);
}

/* Remove NAME (and all under it) from the directory dfd. */
static void rm_at(int dfd, const char *name, const char *top)
{
	struct stat st;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	DIR *d;
	int fd;

	if (!unlinkat(dfd, name, 0))
		return;
	if (errno != EISDIR && errno != EPERM)
		die_errno("unlink %s: %s", top, name);
	/* EPERM: Linux says so for unlink() of a directory */
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		die_errno("stat %s: %s", top, name);
	if (!S_ISDIR(st.st_mode))
		die("unlink %s: %s: not a directory, and unlink refused", top,
		    name);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd)))
		die_errno("open %s: %s", top, name);
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				die("out of memory");
		}
		names[n] = strdup(de->d_name);
		if (!names[n++])
			die("out of memory");
	}
	if (errno)
		die_errno("readdir %s: %s", top, name);
	for (size_t i = 0; i < n; i++) {
		rm_at(fd, names[i], top);
		free(names[i]);
	}
	free(names);
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		die_errno("rmdir %s: %s", top, name);
}

static double cmd_rmtree(const char *dir, const char *name)
{
	int dfd = open_dir(dir);
	uint64_t t0, t1;

	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		die("rmtree: NAME must be one entry of DIR, not '%s'", name);
	t0 = now_ns();
	rm_at(dfd, name, dir);
	t1 = now_ns();
	close(dfd);
	return (double)(t1 - t0);
}

static double cmd_wseq(const char *dir, uint64_t size, uint64_t sync)
{
	const size_t chunk = 1 << 20;
	unsigned char *b = wbuf(chunk, 5);
	int dfd = open_dir(dir), fd = create_at(dfd, dir, "wseq", 0);
	uint64_t t0, t1, off;

	if (size % chunk)
		die("wseq: SIZE must be a multiple of 1 MiB");
	t0 = now_ns();
	for (off = 0; off < size; off += chunk) {
		stamp(b, chunk, off);
		write_all(fd, b, chunk, dir, "wseq");
	}
	if (sync && fsync(fd) < 0)
		die_errno("fsync %s/wseq", dir);
	t1 = now_ns();
	check_size(fd, size, dir, "wseq");
	for (off = 0; off < size; off += chunk) {
		stamp(b, chunk, off);
		verify(fd, off, b, chunk, dir, "wseq");
	}
	close_checked(fd, dir, "wseq");
	close(dfd);
	free(b);
	return (double)(t1 - t0);
}

static double cmd_append(const char *dir, uint64_t n, uint64_t len)
{
	unsigned char *b = wbuf(len, 6);
	int dfd = open_dir(dir), fd = create_at(dfd, dir, "append", O_APPEND);
	uint64_t t0, t1;

	t0 = now_ns();
	for (uint64_t i = 0; i < n; i++) {
		stamp(b, len, i);
		write_all(fd, b, len, dir, "append");
	}
	t1 = now_ns();
	check_size(fd, n * len, dir, "append");
	/* read back a MiB of records at a time, not one read each */
	{
		uint64_t per = (1 << 20) / len ? (1 << 20) / len : 1;
		unsigned char *want = xmalloc(per * len);

		for (uint64_t i = 0; i < n; i += per) {
			uint64_t k = n - i < per ? n - i : per;

			for (uint64_t j = 0; j < k; j++) {
				stamp(b, len, i + j);
				memcpy(want + j * len, b, len);
			}
			verify(fd, i * len, want, k * len, dir, "append");
		}
		free(want);
	}
	close_checked(fd, dir, "append");
	close(dfd);
	free(b);
	return (double)(t1 - t0) / (double)n;
}

static double cmd_overwrite(const char *dir, uint64_t size, uint64_t n,
			    uint64_t seed)
{
	unsigned char *b = wbuf(BLK, 7);
	int dfd = open_dir(dir), fd = make_file(dfd, dir, "overwrite", size);
	uint64_t *o = offsets(size, n, seed), t0, t1;

	t0 = now_ns();
	for (uint64_t i = 0; i < n; i++) {
		stamp(b, BLK, i);
		if (pwrite(fd, b, BLK, (off_t)o[i]) != (ssize_t)BLK)
			die_errno("pwrite %s/overwrite at %llu", dir,
				  (unsigned long long)o[i]);
	}
	t1 = now_ns();
	check_size(fd, size, dir, "overwrite");
	/* what the file must hold: make_file's bytes, then the overwrites */
	{
		unsigned char *model = xmalloc(size), *mb = wbuf(1 << 20, 11);

		for (uint64_t off = 0; off < size; off += 1 << 20) {
			size_t len = size - off < (1 << 20) ? size - off : 1 << 20;

			stamp(mb, len, off);
			memcpy(model + off, mb, len);
		}
		for (uint64_t i = 0; i < n; i++) {
			stamp(b, BLK, i);
			memcpy(model + o[i], b, BLK);
		}
		for (uint64_t off = 0; off < size; off += 1 << 20)
			verify(fd, off, model + off,
			       size - off < (1 << 20) ? size - off : 1 << 20,
			       dir, "overwrite");
		free(mb);
		free(model);
	}
	close_checked(fd, dir, "overwrite");
	close(dfd);
	free(o);
	free(b);
	return (double)(t1 - t0) / (double)n;
}

static double cmd_churn(const char *dir, uint64_t n, uint64_t len)
{
	unsigned char *b = wbuf(len, 8);
	int dfd = open_dir(dir);
	uint64_t t0, t1;
	char name[32];

	t0 = now_ns();
	for (uint64_t i = 0; i < n; i++) {
		int fd;

		snprintf(name, sizeof(name), "c%06llu", (unsigned long long)i);
		fd = create_at(dfd, dir, name, 0);
		stamp(b, len, i);
		write_all(fd, b, len, dir, name);
		close_checked(fd, dir, name);
		if (unlinkat(dfd, name, 0) < 0)
			die_errno("unlink %s/%s", dir, name);
	}
	t1 = now_ns();
	close(dfd);
	free(b);
	return (double)(t1 - t0) / (double)n;
}

/* Space the filesystem of fd uses, in bytes (what df's "Used" shows). */
static int64_t used_bytes(int fd, const char *dir)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		die_errno("statfs %s", dir);
	return (int64_t)((sf.f_blocks - sf.f_bfree) * (uint64_t)sf.f_bsize);
}

static int cmd_rewrite(const char *dir, uint64_t n)
{
	unsigned char *b = wbuf(BLK, 9);
	int dfd = open_dir(dir), fd = make_file(dfd, dir, "rewrite", BLK);
	int64_t u0, u1;
	uint64_t t0, t1;

	if (!n)
		die("rewrite: N must be at least 1");
	u0 = used_bytes(dfd, dir);
	t0 = now_ns();
	for (uint64_t i = 0; i < n; i++) {
		stamp(b, BLK, i);
		if (pwrite(fd, b, BLK, 0) != (ssize_t)BLK)
			die_errno("pwrite %s/rewrite", dir);
	}
	t1 = now_ns();
	u1 = used_bytes(dfd, dir);
	check_size(fd, BLK, dir, "rewrite");
	stamp(b, BLK, n - 1);
	verify(fd, 0, b, BLK, dir, "rewrite");
	close_checked(fd, dir, "rewrite");
	close(dfd);
	free(b);
	printf("%.1f %lld\n", (double)(t1 - t0) / (double)n,
	       (long long)(u1 - u0));
	return 0;
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
	if (!strcmp(c, "exec") && argc >= 4)
		return cmd_exec(argv[1], argv[2], argv + 3);
	if (!strcmp(c, "rmtree") && argc == 3)
		return cmd_rmtree(argv[1], argv[2]);
	if (!strcmp(c, "wseq") && argc == 4)
		return cmd_wseq(argv[1], num(argv[2]), num(argv[3]));
	if (!strcmp(c, "append") && argc == 4 && num(argv[2]))
		return cmd_append(argv[1], num(argv[2]), num(argv[3]));
	if (!strcmp(c, "overwrite") && argc == 5 && num(argv[3]))
		return cmd_overwrite(argv[1], num(argv[2]), num(argv[3]),
				     num(argv[4]));
	if (!strcmp(c, "churn") && argc == 4 && num(argv[2]))
		return cmd_churn(argv[1], num(argv[2]), num(argv[3]));
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
	/* two numbers, not a time: no -2 (a rewrite changes the state) */
	if (!strcmp(argv[i], "rewrite") && argc == i + 3 && !twice)
		return cmd_rewrite(argv[i + 1], num(argv[i + 2]));
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

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * bbr: the branch operations' timed loops (bench/branch.sh runs them in
 * the guest).  Each prints "OP MEDIAN_NS MIN_NS" lines; anything wrong is
 * one line on stderr and exit 1.
 *
 *   bbr daxfs MNT ROUNDS KB   ROUNDS times: create a branch of main (timed),
 *                             switch to it (timed), write KB KiB into a new
 *                             file (not timed), commit it (timed); then
 *                             ROUNDS times the same with abort instead
 *   bbr overlay LOWER DIR ROUNDS KB
 *                             ROUNDS times: mount an overlay of LOWER with a
 *                             fresh upper in DIR (timed: "create"), write
 *                             KB KiB into it (not timed), then either copy
 *                             the upper into LOWER and drop it ("commit":
 *                             what keeping the result costs) or unmount and
 *                             rm -rf the upper ("abort")
 *   bbr walk DIR REPEAT       REPEAT times: stat every entry under DIR and
 *                             read every file whole ("walk")
 */
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "../include/daxfs_ioctl.h"

#define MAXR	1000

static uint64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "bbr: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *op, uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp64);
	printf("%s %llu %llu\n", op, (unsigned long long)v[n / 2],
	       (unsigned long long)v[0]);
}

static void write_kb(const char *path, int kb)
{
	static char buf[1 << 16];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		die(path);
	memset(buf, 'x', sizeof(buf));
	while (kb > 0) {
		int n = kb * 1024 > (int)sizeof(buf) ? (int)sizeof(buf) :
			kb * 1024;

		if (write(fd, buf, n) != n)
			die("write");
		kb -= n / 1024;
	}
	if (close(fd))
		die("close");
}

static uint64_t ioc(int fd, unsigned long cmd, const char *name, int flags)
{
	struct daxfs_ioc_branch a;
	uint64_t t;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.flags = flags;
	t = now();
	if (ioctl(fd, cmd, &a))
		die(name);
	return now() - t;
}

static int daxfs(const char *mnt, int rounds, int kb)
{
	static uint64_t cr[MAXR], sw[MAXR], co[MAXR], ab[MAXR];
	char name[32], path[4096];
	int fd, r;

	for (r = 0; r < 2 * rounds; r++) {
		bool keep = r < rounds;

		fd = open(mnt, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			die(mnt);
		snprintf(name, sizeof(name), "bench%d", r);
		cr[r % rounds] = ioc(fd, DAXFS_IOC_BRANCH_CREATE, name, 0);
		sw[r % rounds] = ioc(fd, DAXFS_IOC_BRANCH_SWITCH, name, 0);
		close(fd);
		snprintf(path, sizeof(path), "%s/bench-data-%d", mnt, r);
		write_kb(path, kb);
		fd = open(mnt, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			die(mnt);
		if (keep)
			co[r] = ioc(fd, DAXFS_IOC_BRANCH_COMMIT, "", 0);
		else
			ab[r - rounds] = ioc(fd, DAXFS_IOC_BRANCH_ABORT, "", 0);
		close(fd);
		if (r == rounds - 1) {
			report("create", cr, rounds);
			report("switch", sw, rounds);
			report("commit", co, rounds);
		}
	}
	report("abort", ab, rounds);
	return 0;
}

static int run(const char *cmd)
{
	int st = system(cmd);

	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st))
		die(cmd);
	return 0;
}

static int overlay(const char *lower, const char *dir, int rounds, int kb)
{
	static uint64_t cr[MAXR], co[MAXR], ab[MAXR];
	char opts[16384], up[1024], wk[1024], mg[1024], cmd[16384];
	uint64_t t;
	int r;

	snprintf(up, sizeof(up), "%s/upper", dir);
	snprintf(wk, sizeof(wk), "%s/work", dir);
	snprintf(mg, sizeof(mg), "%s/merged", dir);
	for (r = 0; r < 2 * rounds; r++) {
		bool keep = r < rounds;

		t = now();
		if ((mkdir(up, 0755) && errno != EEXIST) ||
		    (mkdir(wk, 0755) && errno != EEXIST) ||
		    (mkdir(mg, 0755) && errno != EEXIST))
			die("mkdir");
		snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s",
			 lower, up, wk);
		if (mount("overlay", mg, "overlay", 0, opts))
			die("mount overlay");
		cr[r % rounds] = now() - t;
		snprintf(cmd, sizeof(cmd), "%s/bench-data-%d", mg, r);
		write_kb(cmd, kb);
		t = now();
		if (umount(mg))
			die("umount");
		if (keep) {
			snprintf(cmd, sizeof(cmd),
				 "cp -a %s/. %s/ && rm -rf %s %s", up, lower,
				 up, wk);
			run(cmd);
			co[r] = now() - t;
		} else {
			snprintf(cmd, sizeof(cmd), "rm -rf %s %s", up, wk);
			run(cmd);
			ab[r - rounds] = now() - t;
		}
	}
	report("create", cr, rounds);
	report("commit", co, rounds);
	report("abort", ab, rounds);
	return 0;
}

static uint64_t walked;

static int walk_one(const char *path, const struct stat *st, int type,
		    struct FTW *f)
{
	static char buf[1 << 16];
	ssize_t n;
	int fd;

	(void)st;
	(void)f;
	walked++;
	if (type != FTW_F)
		return 0;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		die(path);
	close(fd);
	return 0;
}

static int walk(const char *dir, int repeat)
{
	static uint64_t v[MAXR];
	uint64_t t;
	int r;

	for (r = 0; r < repeat; r++) {
		walked = 0;
		t = now();
		if (nftw(dir, walk_one, 16, FTW_PHYS))
			die(dir);
		v[r] = now() - t;
	}
	report("walk", v, repeat);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "walk"))
		return walk(argv[2], atoi(argv[3]) % MAXR);
	if (argc == 5 && !strcmp(argv[1], "daxfs"))
		return daxfs(argv[2], atoi(argv[3]) % MAXR, atoi(argv[4]));
	if (argc == 6 && !strcmp(argv[1], "overlay"))
		return overlay(argv[2], argv[3], atoi(argv[4]) % MAXR,
			       atoi(argv[5]));
	fprintf(stderr, "usage: bbr daxfs MNT ROUNDS KB | bbr overlay LOWER DIR ROUNDS KB\n");
	return 2;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * walk: visit every entry of a tree the way find + cat + stat + getfattr
 * would, and classify every error.
 *
 *   walk [-a ERRNO,ERRNO...] ROOT
 *
 * Each entry is lstat()ed; regular files are read with read() and through
 * a mapping (a SIGBUS on a mapped page counts as EIO) and their data
 * ranges followed with SEEK_DATA/SEEK_HOLE; symlinks are read;
 * every listed xattr is fetched; directories are entered.  Errors whose
 * errno is in the allowed list (default EUCLEAN,EIO) are counted; any
 * other error is printed and makes the exit status 1.  Guards against a
 * hostile tree: a directory reached twice (a cycle) is not re-entered,
 * depth and entry count are capped.
 */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/xattr.h>
#include "common.h"

#define MAX_DEPTH	400
#define MAX_ENTRIES	500000
#define READ_CAP	(64ULL << 20)
#define MAP_CAP		(16ULL << 20)
#define SEEK_STEPS	4096

static char allowed[256][32];
static int nallowed;
static long entries, errors, unexpected;
static sigjmp_buf bus_jmp;
static volatile sig_atomic_t in_map;

static struct { dev_t dev; ino_t ino; } *seen;
static size_t nseen, capseen;

static int errno_allowed(int e)
{
	const char *name = strerrorname_np(e);
	int i;

	for (i = 0; name && i < nallowed; i++)
		if (!strcmp(allowed[i], name))
			return 1;
	return 0;
}

static void note(const char *path, const char *op, int e)
{
	errors++;
	if (errno_allowed(e))
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

/*
 * Follow the data ranges lseek(SEEK_DATA/SEEK_HOLE) reports (at most
 * SEEK_STEPS of them): each must lie inside the file and move forward.
 */
static void seek_ranges(int fd, const char *path, off_t size)
{
	off_t data, hole = 0;
	int i;

	for (i = 0; i < SEEK_STEPS && hole < size; i++) {
		data = lseek(fd, hole, SEEK_DATA);
		if (data < 0) {
			if (errno != ENXIO)
				note(path, "lseek SEEK_DATA", errno);
			return;
		}
		hole = lseek(fd, data, SEEK_HOLE);
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

static void read_file_all(int dfd, const char *name, const char *path,
			  off_t size)
{
	static char buf[1 << 16];
	unsigned long long total = 0;
	volatile unsigned char sum = 0;
	unsigned char *p;
	size_t maplen;
	ssize_t n;
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		note(path, "open", errno);
		return;
	}
	while (total < READ_CAP && (n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	if (total < READ_CAP && n < 0)
		note(path, "read", errno);
	seek_ranges(fd, path, size);
	maplen = 0;
	if (size > 0)
		maplen = (uint64_t)size < MAP_CAP ? (size_t)size : MAP_CAP;
	if (maplen) {
		p = mmap(NULL, maplen, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			note(path, "mmap", errno);
		} else {
			in_map = 1;
			if (sigsetjmp(bus_jmp, 1) == 0) {
				size_t i;

				for (i = 0; i < maplen; i += 4096)
					sum += p[i];
			} else {
				note(path, "mapped read (SIGBUS)", EIO);
			}
			in_map = 0;
			munmap(p, maplen);
		}
	}
	close(fd);
}

static void xattrs(const char *name, const char *path)
{
	static char list[1 << 16], val[1 << 17];
	ssize_t n, i;

	n = llistxattr(name, list, sizeof(list));
	if (n < 0) {
		note(path, "listxattr", errno);
		return;
	}
	for (i = 0; i < n; i += strlen(list + i) + 1)
		if (lgetxattr(name, list + i, val, sizeof(val)) < 0)
			note(path, "getxattr", errno);
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

	if (++entries > MAX_ENTRIES)
		die("more than %d entries: a loop?", MAX_ENTRIES);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
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
		if (readlinkat(dfd, name, target, sizeof(target)) < 0)
			note(path, "readlink", errno);
		break;
	case S_IFDIR: {
		int sub;

		if (seen_before(&st) || depth >= MAX_DEPTH)
			break;
		sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
			     O_NOFOLLOW);
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

/* Takes ownership of @dfd. */
static void walk_dir(int dfd, const char *path, int depth)
{
	struct dirent *de;
	DIR *d = fdopendir(dfd);

	if (!d) {
		note(path, "fdopendir", errno);
		close(dfd);
		return;
	}
	for (;;) {
		char *sub;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				note(path, "readdir", errno);
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (asprintf(&sub, "%s/%s", path, de->d_name) < 0)
			die("out of memory");
		visit(dirfd(d), de->d_name, sub, depth);
		free(sub);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	const char *list = "EUCLEAN,EIO";
	struct sigaction sa = { 0 };
	char *copy, *tok, *save = NULL;
	int root, opt;

	helper_name = "walk";
	while ((opt = getopt(argc, argv, "a:")) != -1) {
		if (opt != 'a')
			goto usage;
		list = optarg;
	}
	if (optind != argc - 1)
		goto usage;
	copy = strdup(list);
	for (tok = strtok_r(copy, ",", &save); tok && nallowed < 256;
	     tok = strtok_r(NULL, ",", &save))
		snprintf(allowed[nallowed++], 32, "%s", tok);
	sa.sa_handler = on_bus;
	sigaction(SIGBUS, &sa, NULL);
	root = open(argv[optind], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		note(argv[optind], "open root", errno);
	} else {
		struct stat st;

		if (fstat(root, &st) == 0)
			seen_before(&st);
		if (fchdir(root) == 0)
			xattrs(".", argv[optind]);
		walk_dir(root, argv[optind], 0);
	}
	printf("walked %ld entries, %ld errors, %ld unexpected\n", entries,
	       errors, unexpected);
	return unexpected ? 1 : 0;
usage:
	fprintf(stderr, "usage: walk [-a ERRNO,...] ROOT\n");
	return 1;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * manifest: print every property of a tree that DAXFS keeps, one line per
 * entry, in a fixed order, so that two trees can be compared with diff(1)
 * even when they are on different machines (the host's source tree and
 * a guest's mount of its image).
 *
 *   manifest ROOT
 *
 * Line: PATH TYPE MODE UID:GID SIZE NLINK MTIME RDEV XATTRS EXTRA, tab
 * separated.  PATH is relative to ROOT with bytes outside printable ASCII
 * (and '\', tab) escaped as \xHH; entries come sorted by name, depth
 * first.  Directories print no size (it is filesystem specific).  EXTRA
 * is a 64-bit content hash for regular files, the target for symlinks,
 * and "=FIRSTPATH" for the second and later names of a hard-linked
 * inode.  Everything is opened relative to directory descriptors, so
 * trees deeper than PATH_MAX work.
 */
#include <dirent.h>
#include <stdbool.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include "common.h"

struct seen {
	dev_t dev;
	ino_t ino;
	char *path;
};

static struct seen *seen;
static size_t nseen, capseen;

static void esc(FILE *f, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c < 0x21 || c > 0x7e || c == '\\')
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static const char *first_name(const struct stat *st, const char *path)
{
	size_t i;

	for (i = 0; i < nseen; i++)
		if (seen[i].dev == st->st_dev && seen[i].ino == st->st_ino)
			return seen[i].path;
	if (nseen == capseen) {
		capseen = capseen ? capseen * 2 : 64;
		seen = realloc(seen, capseen * sizeof(*seen));
		if (!seen)
			die("out of memory");
	}
	seen[nseen].dev = st->st_dev;
	seen[nseen].ino = st->st_ino;
	seen[nseen].path = strdup(path);
	nseen++;
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static uint64_t mix64(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static bool all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * The content hash: each 64 KiB block (at its offset) that holds a byte
 * other than zero, so holes and written zeros hash alike whatever the
 * filesystem calls them, and a sparse file of any size hashes in the
 * time its data takes (SEEK_DATA skips the holes).
 */
static uint64_t hash_file(int dfd, const char *name, const char *path)
{
	static unsigned char buf[1 << 16];
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t fill, i;
	ssize_t n;
	off_t pos = 0, d;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		die_errno("open %s", path);
	for (;;) {
		d = lseek(fd, pos, SEEK_DATA);
		if (d < 0 && errno == ENXIO)
			break;
		if (d < 0)
			die_errno("lseek(SEEK_DATA) %s", path);
		pos = d & ~(off_t)(sizeof(buf) - 1);
		/* whole buffers, so that short reads do not matter */
		for (fill = 0; fill < sizeof(buf); fill += n) {
			n = pread(fd, buf + fill, sizeof(buf) - fill,
				  pos + fill);
			if (n < 0)
				die_errno("read %s", path);
			if (n == 0)
				break;
		}
		if (!fill)
			break;
		if (!all_zero(buf, fill)) {
			h = mix64(h, (uint64_t)pos);
			for (i = 0; i + 8 <= fill; i += 8) {
				uint64_t w;

				memcpy(&w, buf + i, 8);
				h = mix64(h, w);
			}
			for (; i < fill; i++)
				h = (h ^ buf[i]) * 0x100000001b3ULL;
		}
		if (fill < sizeof(buf))
			break;
		pos += fill;
	}
	close(fd);
	return h;
}

static void print_xattrs(int dfd, const char *name, const char *path)
{
	static char list[1 << 16], val[1 << 17];
	char *names[1024], proc[64 + 4096];
	ssize_t n, i;
	int k = 0, j;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dfd, name);
	n = llistxattr(proc, list, sizeof(list));
	if (n < 0)
		die_errno("listxattr %s", path);
	for (i = 0; i < n && k < 1024; i += strlen(list + i) + 1)
		names[k++] = list + i;
	qsort(names, k, sizeof(*names), cmp_str);
	for (j = 0; j < k; j++) {
		ssize_t v = lgetxattr(proc, names[j], val, sizeof(val)), b;

		if (v < 0)
			die_errno("getxattr %s %s", path, names[j]);
		printf("%s%s=", j ? "," : "", names[j]);
		for (b = 0; b < v; b++)
			printf("%02x", (unsigned char)val[b]);
	}
	if (!k)
		printf("-");
}

static void entry(int dfd, const char *name, const char *path,
		  const struct stat *st)
{
	char target[4097];
	const char *first;
	ssize_t n;
	char type;

	switch (st->st_mode & S_IFMT) {
	case S_IFREG: type = 'f'; break;
	case S_IFDIR: type = 'd'; break;
	case S_IFLNK: type = 'l'; break;
	case S_IFCHR: type = 'c'; break;
	case S_IFBLK: type = 'b'; break;
	case S_IFIFO: type = 'p'; break;
	case S_IFSOCK: type = 's'; break;
	default: type = '?'; break;
	}
	esc(stdout, path, strlen(path));
	printf("\t%c\t%04o\t%u:%u\t", type, st->st_mode & 07777, st->st_uid,
	       st->st_gid);
	if (type == 'd')
		printf("-");
	else
		printf("%lld", (long long)st->st_size);
	printf("\t%lu\t%lld.%09ld\t", (unsigned long)st->st_nlink,
	       (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	if (type == 'c' || type == 'b')
		printf("%u:%u\t", major(st->st_rdev), minor(st->st_rdev));
	else
		printf("-\t");
	print_xattrs(dfd, name, path);
	putchar('\t');
	first = type != 'd' && st->st_nlink > 1 ? first_name(st, path) : NULL;
	if (first) {
		putchar('=');
		esc(stdout, first, strlen(first));
	} else if (type == 'f') {
		printf("%016llx",
		       (unsigned long long)hash_file(dfd, name, path));
	} else if (type == 'l') {
		n = readlinkat(dfd, name, target, sizeof(target) - 1);
		if (n < 0)
			die_errno("readlink %s", path);
		esc(stdout, target, n);
	} else {
		putchar('-');
	}
	putchar('\n');
}

static void walk(int dfd, const char *path)
{
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d = fdopendir(dfd);

	if (!d)
		die_errno("opendir %s", path);
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				die("out of memory");
		}
		names[n++] = strdup(de->d_name);
	}
	if (errno)
		die_errno("readdir %s", path);
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		struct stat st;
		char *sub;

		if (asprintf(&sub, "%s/%s", path, names[i]) < 0)
			die("out of memory");
		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			die_errno("lstat %s", sub);
		entry(dirfd(d), names[i], sub, &st);
		if (S_ISDIR(st.st_mode)) {
			int fd = openat(dirfd(d), names[i], O_RDONLY |
					O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (fd < 0)
				die_errno("open %s", sub);
			walk(fd, sub);
		}
		free(sub);
		free(names[i]);
	}
	free(names);
	closedir(d);
}

int main(int argc, char **argv)
{
	struct stat st;
	int fd, up;

	helper_name = "manifest";
	if (argc != 2) {
		fprintf(stderr, "usage: manifest ROOT\n");
		return 1;
	}
	fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	up = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || up < 0 || fstat(fd, &st) < 0)
		die_errno("%s", argv[1]);
	entry(up, ".", ".", &st);
	walk(fd, ".");
	close(up);
	if (fflush(stdout) || ferror(stdout))
		die("write error");
	return 0;
}

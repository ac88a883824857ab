// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * dirseek: readdir checks for one directory.
 *
 *   dirseek DIR [COUNT]
 *   dirseek --make DIR COUNT   fill DIR with COUNT entries of mixed types
 *                              (directories, symlinks, fifos, files)
 *
 * - every entry has a d_type and it matches lstat();
 * - names are unique and, when COUNT is given, there are COUNT of them
 *   (besides "." and "..");
 * - telldir()/seekdir() positions return the same entry again, in any
 *   order;
 * - getdents64 d_off values work as lseek() offsets on another open of
 *   the directory (offsets are stable, not per-open state).
 */
#include <dirent.h>
#include <sys/syscall.h>
#include "common.h"

struct ent {
	char *name;
	long pos;		/* telldir() before reading it */
	unsigned char type;
};

struct ldirent {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

static unsigned char mode_dt(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return DT_REG;
	case S_IFDIR: return DT_DIR;
	case S_IFLNK: return DT_LNK;
	case S_IFCHR: return DT_CHR;
	case S_IFBLK: return DT_BLK;
	case S_IFIFO: return DT_FIFO;
	case S_IFSOCK: return DT_SOCK;
	}
	return DT_UNKNOWN;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t read_all(DIR *d, struct ent **out)
{
	struct ent *e = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	for (;;) {
		long pos = telldir(d);

		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			e = realloc(e, cap * sizeof(*e));
			if (!e)
				die("out of memory");
		}
		e[n].name = strdup(de->d_name);
		e[n].pos = pos;
		e[n].type = de->d_type;
		n++;
	}
	if (errno)
		die_errno("readdir");
	*out = e;
	return n;
}

static void check_types(int dfd, struct ent *e, size_t n)
{
	struct stat st;
	size_t i;

	for (i = 0; i < n; i++) {
		if (fstatat(dfd, e[i].name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die_errno("lstat %s", e[i].name);
		if (e[i].type != mode_dt(st.st_mode))
			die("%s: d_type %u but lstat says %u", e[i].name,
			    e[i].type, mode_dt(st.st_mode));
	}
}

static void check_unique(struct ent *e, size_t n, long want)
{
	char **names = xmalloc(n * sizeof(*names));
	size_t i, real = 0;

	for (i = 0; i < n; i++)
		names[i] = e[i].name;
	qsort(names, n, sizeof(*names), cmp_name);
	for (i = 0; i < n; i++) {
		if (i && !strcmp(names[i], names[i - 1]))
			die("entry '%s' returned twice", names[i]);
		if (strcmp(names[i], ".") && strcmp(names[i], ".."))
			real++;
	}
	if (want >= 0 && real != (size_t)want)
		die("%zu entries, want %ld", real, want);
	free(names);
}

static void check_seek(DIR *d, struct ent *e, size_t n)
{
	size_t step = n / 50 + 1, i, k;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < n; i += step) {
			size_t j = k ? n - 1 - i : i;
			struct dirent *de;

			seekdir(d, e[j].pos);
			de = readdir(d);
			if (!de || strcmp(de->d_name, e[j].name))
				die("seekdir to entry %zu gives '%s', want "
				    "'%s'", j, de ? de->d_name : "(end)",
				    e[j].name);
		}
	}
}

/* d_off of each entry, read with getdents64 on a fresh open. */
static void check_offsets(const char *dir)
{
	static char buf[1 << 16], buf2[4096];
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd2 = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n, m, seen = 0;

	if (fd < 0 || fd2 < 0)
		die_errno("open %s", dir);
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		long o;

		for (o = 0; o < n;) {
			struct ldirent *de = (struct ldirent *)(buf + o);
			struct ldirent *d2 = (struct ldirent *)buf2;

			o += de->reclen;
			/* every 37th entry: is the next one at its d_off? */
			if (seen++ % 37 || o >= n)
				continue;
			if (lseek(fd2, de->off, SEEK_SET) < 0)
				die_errno("lseek to d_off %lld",
					  (long long)de->off);
			m = syscall(SYS_getdents64, fd2, buf2, sizeof(buf2));
			if (m <= 0 || strcmp(d2->name,
					     ((struct ldirent *)(buf + o))->name))
				die("d_off after '%s' leads to '%s' on another "
				    "open", de->name, m > 0 ? d2->name : "end");
		}
	}
	if (n < 0)
		die_errno("getdents64 %s", dir);
	close(fd);
	close(fd2);
}

static int make_entries(const char *dir, long count)
{
	char name[64], target[64];
	long i;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (dfd < 0)
		die_errno("%s", dir);
	for (i = 0; i < count && r == 0; i++) {
		switch (i % 10) {
		case 0:
			snprintf(name, sizeof(name), "d%ld", i);
			r = mkdirat(dfd, name, 0755);
			break;
		case 1:
			snprintf(name, sizeof(name), "l%ld", i);
			snprintf(target, sizeof(target), "f%ld", i - 1);
			r = symlinkat(target, dfd, name);
			break;
		case 2:
			snprintf(name, sizeof(name), "p%ld", i);
			r = mkfifoat(dfd, name, 0644);
			break;
		default:
			snprintf(name, sizeof(name), "f%ld", i);
			r = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL |
				   O_CLOEXEC, 0644);
			if (r >= 0)
				r = close(r);
			break;
		}
	}
	if (r)
		die_errno("%s/%s", dir, name);
	close(dfd);
	return 0;
}

int main(int argc, char **argv)
{
	struct ent *e;
	size_t n;
	DIR *d;

	helper_name = "dirseek";
	if (argc == 4 && !strcmp(argv[1], "--make"))
		return make_entries(argv[2], (long)parse_num(argv[3]));
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: dirseek DIR [COUNT]\n"
			"       dirseek --make DIR COUNT\n");
		return 1;
	}
	d = opendir(argv[1]);
	if (!d)
		die_errno("%s", argv[1]);
	n = read_all(d, &e);
	check_types(dirfd(d), e, n);
	check_unique(e, n, argc == 3 ? (long)parse_num(argv[2]) : -1);
	check_seek(d, e, n);
	closedir(d);
	check_offsets(argv[1]);
	printf("%zu entries ok\n", n);
	return 0;
}

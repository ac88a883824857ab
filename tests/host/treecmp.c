// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * treecmp: compare two directory trees in every property DAXFS keeps
 * (names, type, mode, owner, size, content, link count, hard-link
 * structure, symlink target, rdev, mtime, xattrs, and optionally atime
 * and allocated blocks), printing the first differences precisely.
 *
 *   treecmp [-p NAME] [--blocks] [--atime] [--content-cap BYTES] A B
 *	exit 0 when equal, 1 on differences, 2 on errors.  With -p, one
 *	"PASS: NAME: property" / "FAIL: NAME: property: ..." line per
 *	property (tests/lib.sh protocol).  --content-cap compares only the
 *	first and the last BYTES of each file (for hostile images, whose
 *	sizes may be exabytes of hole).
 *   treecmp --mksock PATH		create an AF_UNIX socket node
 *   treecmp --populate DIR N PERDIR	N small files, PERDIR per subdir
 *
 * Everything is relative to directory descriptors, so trees deeper than
 * PATH_MAX compare fine.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>

enum prop {
	P_NAMES, P_TYPE, P_MODE, P_OWNER, P_SIZE, P_CONTENT, P_NLINK,
	P_LINKS, P_SYMLINK, P_RDEV, P_MTIME, P_XATTR, P_ATIME, P_BLOCKS,
	P_COUNT
};

static const char *const prop_names[P_COUNT] = {
	"names", "type", "mode", "owner", "size", "content", "nlink",
	"hardlinks", "symlink", "rdev", "mtime", "xattrs", "atime",
	"sparseness",
};

#define SHOW_PER_PROP	5

static struct {
	uint64_t checked, diffs;
	char *first;
} props[P_COUNT];

static bool opt_blocks, opt_atime;
static uint64_t opt_content_cap;	/* 0: compare all of every file */
static const char *opt_name;
static int errors;

static void fatal(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "treecmp: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		fatal("out of memory");
	return p;
}

/* A printable copy of @path (non-printable bytes as \ooo). */
static char *printable(const char *path)
{
	char *out = xmalloc(strlen(path) * 4 + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '\\')
			o += sprintf(o, "\\%03o", *p);
		else
			*o++ = (char)*p;
	}
	*o = '\0';
	return out;
}

static void check(enum prop p)
{
	props[p].checked++;
}

static void differ(enum prop p, const char *path, const char *fmt, ...)
{
	char *pp, *msg;
	va_list ap;
	int n;

	props[p].diffs++;
	if (props[p].diffs > SHOW_PER_PROP && props[p].first)
		return;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("out of memory");
	pp = printable(*path ? path : ".");
	if (props[p].diffs <= SHOW_PER_PROP)
		printf("treecmp: %s: %s: %s\n", pp, prop_names[p], msg);
	if (!props[p].first) {
		size_t l = strlen(pp);
		const char *shortp = l > 160 ? pp + l - 150 : pp;

		if (asprintf(&props[p].first, "%s%s: %s", l > 160 ? "..." : "",
			     shortp, msg) < 0)
			fatal("out of memory");
	}
	free(pp);
	free(msg);
}

static void error_at(const char *path, const char *what)
{
	char *pp = printable(*path ? path : ".");

	fprintf(stderr, "treecmp: %s: %s: %s\n", pp, what, strerror(errno));
	free(pp);
	errors++;
}

/* ---- inode maps for the hard-link structure ---- */

struct imap_ent {
	dev_t dev;
	ino_t ino;
	dev_t odev;
	ino_t oino;
	char *path;
	bool used;
};

struct imap {
	struct imap_ent *t;
	size_t cap, n;
};

static size_t imap_hash(dev_t dev, ino_t ino, size_t cap)
{
	uint64_t h = ((uint64_t)ino * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)dev;

	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static struct imap_ent *imap_slot(struct imap *m, dev_t dev, ino_t ino)
{
	size_t i = imap_hash(dev, ino, m->cap);

	while (m->t[i].used && (m->t[i].dev != dev || m->t[i].ino != ino))
		i = (i + 1) & (m->cap - 1);
	return &m->t[i];
}

static void imap_grow(struct imap *m)
{
	struct imap old = *m;

	m->cap = old.cap ? old.cap * 2 : 1024;
	m->t = calloc(m->cap, sizeof(*m->t));
	if (!m->t)
		fatal("out of memory");
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++) {
		if (old.t[i].used) {
			*imap_slot(m, old.t[i].dev, old.t[i].ino) = old.t[i];
			m->n++;
		}
	}
	free(old.t);
}

/* The entry for (dev, ino), created with @path and the other side. */
static struct imap_ent *imap_get(struct imap *m, dev_t dev, ino_t ino,
				 dev_t odev, ino_t oino, const char *path,
				 bool *fresh)
{
	struct imap_ent *e;

	if ((m->n + 1) * 2 > m->cap)
		imap_grow(m);
	e = imap_slot(m, dev, ino);
	*fresh = !e->used;
	if (!e->used) {
		e->used = true;
		e->dev = dev;
		e->ino = ino;
		e->odev = odev;
		e->oino = oino;
		e->path = strdup(path);
		m->n++;
	}
	return e;
}

static struct imap map_a, map_b;

static void compare_links(const char *path, const struct stat *a,
			  const struct stat *b)
{
	struct imap_ent *ea, *eb;
	bool fa, fb;

	if (S_ISDIR(a->st_mode) || (a->st_nlink < 2 && b->st_nlink < 2))
		return;
	check(P_LINKS);
	ea = imap_get(&map_a, a->st_dev, a->st_ino, b->st_dev, b->st_ino,
		      path, &fa);
	eb = imap_get(&map_b, b->st_dev, b->st_ino, a->st_dev, a->st_ino,
		      path, &fb);
	if (!fa && (ea->odev != b->st_dev || ea->oino != b->st_ino)) {
		char *o = printable(ea->path);

		differ(P_LINKS, path, "same inode as %s in A, not in B", o);
		free(o);
	} else if (!fb && (eb->odev != a->st_dev || eb->oino != a->st_ino)) {
		char *o = printable(eb->path);

		differ(P_LINKS, path, "same inode as %s in B, not in A", o);
		free(o);
	}
}

/*
 * Open without touching atime (the trees are often rebuilt into images
 * afterwards, and an image records atime); O_NOATIME needs ownership or
 * CAP_FOWNER, so fall back to a plain open.
 */
static int open_quiet(int dirfd, const char *name, int flags)
{
	int fd = openat(dirfd, name, flags | O_NOATIME | O_CLOEXEC);

	if (fd < 0 && errno == EPERM)
		fd = openat(dirfd, name, flags | O_CLOEXEC);
	return fd;
}

/* ---- per-node properties ---- */

static const char *type_name(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "directory";
	case S_IFLNK: return "symlink";
	case S_IFCHR: return "char device";
	case S_IFBLK: return "block device";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	default: return "unknown";
	}
}

static void compare_content(int da, int db, const char *name,
			    const char *path)
{
	static char ba[1 << 20], bb[1 << 20];
	int fa = open_quiet(da, name, O_RDONLY | O_NOFOLLOW);
	int fb = open_quiet(db, name, O_RDONLY | O_NOFOLLOW);
	uint64_t off = 0;
	struct stat st;
	bool skipped = false;

	check(P_CONTENT);
	if (fa < 0 || fb < 0) {
		error_at(path, "open");
		goto out;
	}
	for (;;) {
		ssize_t na, nb;

		if (opt_content_cap && !skipped && off >= opt_content_cap &&
		    !fstat(fa, &st) && (uint64_t)st.st_size > 2 * opt_content_cap) {
			/* jump to the tail: the last cap bytes */
			off = (uint64_t)st.st_size - opt_content_cap;
			if (lseek(fa, (off_t)off, SEEK_SET) < 0 ||
			    lseek(fb, (off_t)off, SEEK_SET) < 0) {
				error_at(path, "lseek");
				break;
			}
			skipped = true;
		}
		na = read(fa, ba, sizeof(ba));
		nb = read(fb, bb, sizeof(bb));
		ssize_t n;

		if (na < 0 || nb < 0) {
			error_at(path, "read");
			break;
		}
		n = na < nb ? na : nb;
		for (ssize_t i = 0; i < n; i++) {
			if (ba[i] != bb[i]) {
				differ(P_CONTENT, path, "byte %" PRIu64
				       ": 0x%02x vs 0x%02x", off + i,
				       (unsigned char)ba[i],
				       (unsigned char)bb[i]);
				goto out;
			}
		}
		if (na != nb) {
			differ(P_CONTENT, path, "one side ends at %" PRIu64,
			       off + n);
			break;
		}
		if (na == 0)
			break;
		off += n;
	}
out:
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
}

static void compare_symlink(int da, int db, const char *name,
			    const char *path)
{
	static char ta[8192], tb[8192];
	ssize_t na = readlinkat(da, name, ta, sizeof(ta) - 1);
	ssize_t nb = readlinkat(db, name, tb, sizeof(tb) - 1);

	check(P_SYMLINK);
	if (na < 0 || nb < 0) {
		error_at(path, "readlink");
		return;
	}
	ta[na] = tb[nb] = '\0';
	if (na != nb || memcmp(ta, tb, na)) {
		char *pa = printable(ta), *pb = printable(tb);

		differ(P_SYMLINK, path, "'%s' vs '%s'", pa, pb);
		free(pa);
		free(pb);
	}
}

/* Sorted "name=hexvalue" list of @name's xattrs (cwd is its dir). */
static char *xattr_list(const char *name, const char *path)
{
	char *names, *out;
	size_t olen = 0, ocap = 256;
	ssize_t n = llistxattr(name, NULL, 0);

	out = xmalloc(ocap);
	out[0] = '\0';
	if (n < 0) {
		if (errno != ENOTSUP)
			error_at(path, "listxattr");
		return out;
	}
	names = xmalloc(n + 1);
	n = llistxattr(name, names, n);
	if (n < 0) {
		error_at(path, "listxattr");
		n = 0;
	}
	/* Names come in no defined order: sort them with a simple pass. */
	char **v = xmalloc(sizeof(char *) * (n + 1));
	size_t cnt = 0;

	for (ssize_t i = 0; i < n; i += strlen(names + i) + 1)
		v[cnt++] = names + i;
	for (size_t i = 1; i < cnt; i++)
		for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	for (size_t i = 0; i < cnt; i++) {
		static unsigned char val[65536];
		ssize_t vl = lgetxattr(name, v[i], val, sizeof(val));

		if (vl < 0) {
			error_at(path, v[i]);
			vl = 0;
		}
		while (olen + strlen(v[i]) + 2 * vl + 4 > ocap) {
			ocap *= 2;
			out = realloc(out, ocap);
			if (!out)
				fatal("out of memory");
		}
		olen += sprintf(out + olen, "%s%s=", olen ? " " : "", v[i]);
		for (ssize_t k = 0; k < vl; k++)
			olen += sprintf(out + olen, "%02x", val[k]);
	}
	free(v);
	free(names);
	return out;
}

static void compare_xattrs(int da, int db, const char *name,
			   const char *path)
{
	char *xa, *xb;

	check(P_XATTR);
	if (fchdir(da) < 0)
		fatal("fchdir: %s", strerror(errno));
	xa = xattr_list(name, path);
	if (fchdir(db) < 0)
		fatal("fchdir: %s", strerror(errno));
	xb = xattr_list(name, path);
	if (strcmp(xa, xb))
		differ(P_XATTR, path, "{%.200s} vs {%.200s}", xa, xb);
	free(xa);
	free(xb);
}

static uint64_t alloc_bytes(const struct stat *st)
{
	return ((uint64_t)st->st_blocks * 512 + 4095) & ~4095ULL;
}

static void compare_node(int da, int db, const char *name, const char *path,
			 const struct stat *a, const struct stat *b)
{
	check(P_TYPE);
	if ((a->st_mode & S_IFMT) != (b->st_mode & S_IFMT)) {
		differ(P_TYPE, path, "%s vs %s", type_name(a->st_mode),
		       type_name(b->st_mode));
		return;
	}
	check(P_MODE);
	if ((a->st_mode & 07777) != (b->st_mode & 07777))
		differ(P_MODE, path, "%04o vs %04o", a->st_mode & 07777,
		       b->st_mode & 07777);
	check(P_OWNER);
	if (a->st_uid != b->st_uid || a->st_gid != b->st_gid)
		differ(P_OWNER, path, "%u:%u vs %u:%u", a->st_uid, a->st_gid,
		       b->st_uid, b->st_gid);
	check(P_NLINK);
	if (a->st_nlink != b->st_nlink)
		differ(P_NLINK, path, "%ju vs %ju", (uintmax_t)a->st_nlink,
		       (uintmax_t)b->st_nlink);
	check(P_MTIME);
	if (a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
	    a->st_mtim.tv_nsec != b->st_mtim.tv_nsec)
		differ(P_MTIME, path, "%jd.%09ld vs %jd.%09ld",
		       (intmax_t)a->st_mtim.tv_sec, a->st_mtim.tv_nsec,
		       (intmax_t)b->st_mtim.tv_sec, b->st_mtim.tv_nsec);
	if (opt_atime) {
		check(P_ATIME);
		if (a->st_atim.tv_sec != b->st_atim.tv_sec ||
		    a->st_atim.tv_nsec != b->st_atim.tv_nsec)
			differ(P_ATIME, path, "%jd.%09ld vs %jd.%09ld",
			       (intmax_t)a->st_atim.tv_sec, a->st_atim.tv_nsec,
			       (intmax_t)b->st_atim.tv_sec, b->st_atim.tv_nsec);
	}
	if (S_ISREG(a->st_mode) || S_ISLNK(a->st_mode)) {
		check(P_SIZE);
		if (a->st_size != b->st_size)
			differ(P_SIZE, path, "%jd vs %jd",
			       (intmax_t)a->st_size, (intmax_t)b->st_size);
	}
	if (S_ISREG(a->st_mode) && a->st_size == b->st_size)
		compare_content(da, db, name, path);
	if (S_ISREG(a->st_mode) && opt_blocks) {
		uint64_t ra = alloc_bytes(a), rb = alloc_bytes(b);

		check(P_BLOCKS);
		if ((ra > rb ? ra - rb : rb - ra) > 8192)
			differ(P_BLOCKS, path, "%" PRIu64 " vs %" PRIu64
			       " bytes allocated", ra, rb);
	}
	if (S_ISLNK(a->st_mode))
		compare_symlink(da, db, name, path);
	if (S_ISCHR(a->st_mode) || S_ISBLK(a->st_mode)) {
		check(P_RDEV);
		if (a->st_rdev != b->st_rdev)
			differ(P_RDEV, path, "%u:%u vs %u:%u",
			       major(a->st_rdev), minor(a->st_rdev),
			       major(b->st_rdev), minor(b->st_rdev));
	}
	compare_links(path, a, b);
	compare_xattrs(da, db, name, path);
}

/* ---- the walk ---- */

struct names {
	char **v;
	size_t n, cap;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dir(int fd, const char *path, struct names *out)
{
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *e;

	memset(out, 0, sizeof(*out));
	if (!d) {
		error_at(path, "opendir");
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 64;
			out->v = realloc(out->v, out->cap * sizeof(char *));
			if (!out->v)
				fatal("out of memory");
		}
		out->v[out->n++] = strdup(e->d_name);
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
}

static void free_names(struct names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
}

static char *join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = xmalloc(dl + 1 + nl + 1);

	if (dl) {
		memcpy(p, dir, dl);
		p[dl] = '/';
		memcpy(p + dl + 1, name, nl + 1);
	} else {
		memcpy(p, name, nl + 1);
	}
	return p;
}

static void compare_dir(int da, int db, const char *path)
{
	struct names na, nb;
	size_t i = 0, j = 0;

	list_dir(da, path, &na);
	list_dir(db, path, &nb);
	while (i < na.n || j < nb.n) {
		int c = i == na.n ? 1 : j == nb.n ? -1 :
			strcmp(na.v[i], nb.v[j]);
		struct stat sa, sb;
		char *sub;

		check(P_NAMES);
		if (c < 0) {
			sub = join(path, na.v[i++]);
			differ(P_NAMES, sub, "present vs missing");
			free(sub);
			continue;
		}
		if (c > 0) {
			sub = join(path, nb.v[j++]);
			differ(P_NAMES, sub, "missing vs present");
			free(sub);
			continue;
		}
		sub = join(path, na.v[i]);
		if (fstatat(da, na.v[i], &sa, AT_SYMLINK_NOFOLLOW) < 0 ||
		    fstatat(db, nb.v[j], &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			error_at(sub, "stat");
		} else {
			compare_node(da, db, na.v[i], sub, &sa, &sb);
			if (S_ISDIR(sa.st_mode) && S_ISDIR(sb.st_mode)) {
				int ca = open_quiet(da, na.v[i], O_RDONLY |
						O_DIRECTORY | O_NOFOLLOW);
				int cb = open_quiet(db, nb.v[j], O_RDONLY |
						O_DIRECTORY | O_NOFOLLOW);

				if (ca < 0 || cb < 0)
					error_at(sub, "open directory");
				else
					compare_dir(ca, cb, sub);
				if (ca >= 0)
					close(ca);
				if (cb >= 0)
					close(cb);
			}
		}
		free(sub);
		i++;
		j++;
	}
	free_names(&na);
	free_names(&nb);
}

static int report(void)
{
	uint64_t total = 0;

	for (int p = 0; p < P_COUNT; p++) {
		if (!props[p].checked && !props[p].diffs)
			continue;
		total += props[p].diffs;
		if (!opt_name)
			continue;
		if (props[p].diffs)
			printf("FAIL: %s: %s: %" PRIu64 " difference%s, first: "
			       "%s\n", opt_name, prop_names[p],
			       props[p].diffs, props[p].diffs == 1 ? "" : "s",
			       props[p].first);
		else
			printf("PASS: %s: %s (%" PRIu64 " checked)\n", opt_name,
			       prop_names[p], props[p].checked);
	}
	if (errors && opt_name)
		printf("FAIL: %s: %d errors while comparing\n", opt_name,
		       errors);
	if (!opt_name)
		printf("treecmp: %" PRIu64 " difference%s, %d error%s\n",
		       total, total == 1 ? "" : "s", errors,
		       errors == 1 ? "" : "s");
	if (errors)
		return 2;
	return total ? 1 : 0;
}

/* ---- helper modes ---- */

static int mksock(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		fatal("%s: path too long for a socket (cd there first)", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fatal("%s: %s", path, strerror(errno));
	close(fd);
	return 0;
}

static int populate(const char *dir, const char *ns, const char *ps)
{
	long n = atol(ns), per = atol(ps);
	char buf[4096], name[64];
	int dfd = -1, root;

	if (n < 0 || per <= 0)
		fatal("--populate DIR N PERDIR");
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		fatal("%s: %s", dir, strerror(errno));
	root = open(dir, O_RDONLY | O_DIRECTORY);
	if (root < 0)
		fatal("%s: %s", dir, strerror(errno));
	for (long i = 0; i < n; i++) {
		size_t len;
		int fd;

		if (i % per == 0) {
			if (dfd >= 0)
				close(dfd);
			snprintf(name, sizeof(name), "d%06ld", i / per);
			if (mkdirat(root, name, 0755) < 0)
				fatal("%s/%s: %s", dir, name, strerror(errno));
			dfd = openat(root, name, O_RDONLY | O_DIRECTORY);
			if (dfd < 0)
				fatal("%s/%s: %s", dir, name, strerror(errno));
		}
		snprintf(name, sizeof(name), "f%07ld", i);
		len = 0;
		for (long k = 0; k < i % 13 && len + 64 < sizeof(buf); k++)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"file %ld line %ld\n", i, k);
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
			fatal("%s/%s: %s", dir, name, strerror(errno));
		close(fd);
	}
	if (dfd >= 0)
		close(dfd);
	close(root);
	return 0;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct stat sa, sb;
	int i = 1, da, db;

	if (argc == 3 && !strcmp(argv[1], "--mksock"))
		return mksock(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "--populate"))
		return populate(argv[2], argv[3], argv[4]);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-p") && i + 1 < argc)
			opt_name = argv[++i];
		else if (!strcmp(argv[i], "--blocks"))
			opt_blocks = true;
		else if (!strcmp(argv[i], "--atime"))
			opt_atime = true;
		else if (!strcmp(argv[i], "--content-cap") && i + 1 < argc)
			opt_content_cap = strtoull(argv[++i], NULL, 0);
		else
			fatal("unknown option %s", argv[i]);
	}
	if (argc - i != 2)
		fatal("usage: treecmp [-p NAME] [--blocks] [--atime] "
		      "[--content-cap BYTES] A B");
	raise_fd_limit();
	da = open_quiet(AT_FDCWD, argv[i], O_RDONLY | O_DIRECTORY);
	db = open_quiet(AT_FDCWD, argv[i + 1], O_RDONLY | O_DIRECTORY);
	if (da < 0 || db < 0 || fstat(da, &sa) < 0 || fstat(db, &sb) < 0)
		fatal("%s: %s", da < 0 ? argv[i] : argv[i + 1],
		      strerror(errno));
	compare_node(da, db, ".", "", &sa, &sb);
	compare_dir(da, db, "");
	return report();
}

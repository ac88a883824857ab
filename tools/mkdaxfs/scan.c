// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Walk the source tree into struct mk_tree: every entry lstat'ed once,
 * directories sorted by daxfs_name_cmp, hard links (same st_dev/st_ino)
 * folded into one node, symlink targets, xattrs and the data extents of
 * regular files (SEEK_DATA/SEEK_HOLE, page granular) recorded.  File data
 * itself is not read here.
 *
 * The walk is depth-first with one directory fd per level and *at()
 * calls, so paths longer than PATH_MAX work.  Everything is opened with
 * O_NOATIME where allowed so that building an image does not change the
 * atimes it records (two builds of one tree must give the same bytes).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "mkdaxfs.h"
#include "util.h"

/* ---- small bump allocator for names, targets and xattrs ---- */

#define ARENA_CHUNK	(1U << 20)

static u8 *arena_cur;
static size_t arena_left;

static void *arena_alloc(size_t n)
{
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (n > ARENA_CHUNK / 4)
		return xmalloc(n);
	if (n > arena_left) {
		arena_cur = xmalloc(ARENA_CHUNK);
		arena_left = ARENA_CHUNK;
	}
	p = arena_cur;
	arena_cur += n;
	arena_left -= n;
	return p;
}

static void *arena_dup(const void *src, size_t n)
{
	void *p = arena_alloc(n + 1);

	memcpy(p, src, n);
	((char *)p)[n] = '\0';
	return p;
}

/* ---- hard links: (st_dev, st_ino) -> node ---- */

struct link_slot {
	dev_t dev;
	ino_t ino;
	struct mk_node *node;
};

static struct link_slot *links;
static size_t links_cap, links_used;

static size_t link_hash(dev_t dev, ino_t ino)
{
	u64 h = (u64)ino * 0x9e3779b97f4a7c15ULL ^
		(u64)dev * 0xc2b2ae3d27d4eb4fULL;

	return (size_t)(h ^ (h >> 29));
}

static struct link_slot *link_find(dev_t dev, ino_t ino)
{
	size_t i = link_hash(dev, ino) & (links_cap - 1);

	while (links[i].node) {
		if (links[i].dev == dev && links[i].ino == ino)
			return &links[i];
		i = (i + 1) & (links_cap - 1);
	}
	return &links[i];
}

static void link_grow(void)
{
	struct link_slot *old = links;
	size_t old_cap = links_cap;

	links_cap = old_cap ? old_cap * 2 : 1024;
	links = xcalloc(links_cap, sizeof(*links));
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].node)
			*link_find(old[i].dev, old[i].ino) = old[i];
	free(old);
}

static struct mk_node *link_lookup(const struct stat *st)
{
	if (!links_cap)
		return NULL;
	return link_find(st->st_dev, st->st_ino)->node;
}

static void link_add(const struct stat *st, struct mk_node *n)
{
	struct link_slot *s;

	if (2 * (links_used + 1) > links_cap)
		link_grow();
	s = link_find(st->st_dev, st->st_ino);
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->node = n;
	links_used++;
}

/* ---- paths, for messages ---- */

char *node_path(const struct mk_tree *t, const struct mk_node *n,
		const char *child)
{
	size_t len = strlen(t->src) + 1, pos;
	const struct mk_node *p;
	char *s;

	for (p = n; p && p->up; p = p->up)
		len += p->name_len + 1;
	if (child)
		len += strlen(child) + 1;
	s = xmalloc(len);
	pos = len - 1;
	s[pos] = '\0';
	if (child) {
		size_t cl = strlen(child);

		pos -= cl;
		memcpy(s + pos, child, cl);
		s[--pos] = '/';
	}
	for (p = n; p && p->up; p = p->up) {
		pos -= p->name_len;
		memcpy(s + pos, p->name, p->name_len);
		s[--pos] = '/';
	}
	memcpy(s, t->src, pos);
	return s;
}

static void __attribute__((noreturn))
die_at(const struct mk_tree *t, const struct mk_node *dir, const char *name,
       const char *why)
{
	die("%s: %s", node_path(t, dir, name), why);
}

static void __attribute__((noreturn))
die_errno_at(const struct mk_tree *t, const struct mk_node *dir,
	     const char *name)
{
	die_at(t, dir, name, strerror(errno));
}

/* ---- opening without touching atime ---- */

int open_noatime(int dfd, const char *name, int flags)
{
	int fd = openat(dfd, name, flags | O_NOATIME | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 && errno == EPERM)
		fd = openat(dfd, name, flags | O_CLOEXEC | O_NOCTTY);
	return fd;
}

/* ---- node attributes ---- */

static void node_set_stat(struct mk_tree *t, struct mk_node *n,
			  const struct stat *st)
{
	n->src_dev = st->st_dev;
	n->src_ino = st->st_ino;
	n->mode = st->st_mode;
	n->uid = st->st_uid;
	n->gid = st->st_gid;
	n->size = S_ISREG(st->st_mode) ? (u64)st->st_size : 0;
	n->atime = st->st_atim;
	n->mtime = st->st_mtim;
	n->ctime = st->st_ctim;
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		n->rdev_major = major(st->st_rdev);
		n->rdev_minor = minor(st->st_rdev);
	}
	if (st->st_mtim.tv_sec > t->newest_mtime)
		t->newest_mtime = st->st_mtim.tv_sec;
}

static struct mk_node *node_new(struct mk_tree *t, struct mk_node *up,
				const char *name, u32 len)
{
	struct mk_node *n = arena_alloc(sizeof(*n));

	memset(n, 0, sizeof(*n));
	n->up = up;
	n->name = name;
	n->name_len = len;
	n->nlink = 1;
	t->nodes++;
	progress_scan(t->nodes);
	return n;
}

/* ---- xattrs ---- */

static const char *const xattr_ns[] = {
	"user.", "trusted.", "security.", "system.",
};

static bool xattr_ns_ok(const char *name)
{
	for (size_t i = 0; i < sizeof(xattr_ns) / sizeof(xattr_ns[0]); i++)
		if (!strncmp(name, xattr_ns[i], strlen(xattr_ns[i])))
			return true;
	return false;
}

/* Either an open fd (@path NULL) or a path not to follow. */
struct xattr_src {
	int fd;
	const char *path;
};

static ssize_t xs_list(const struct xattr_src *s, char *buf, size_t len)
{
	return s->path ? llistxattr(s->path, buf, len) :
			 flistxattr(s->fd, buf, len);
}

static ssize_t xs_get(const struct xattr_src *s, const char *name,
		      void *buf, size_t len)
{
	return s->path ? lgetxattr(s->path, name, buf, len) :
			 fgetxattr(s->fd, name, buf, len);
}

static int xattr_cmp(const void *a, const void *b)
{
	const struct mk_xattr *x = a, *y = b;

	return daxfs_name_cmp((const u8 *)x->name, x->name_len,
			      (const u8 *)y->name, y->name_len);
}

/* Returns 0, or -1 with errno set; @why gets a message for limits. */
static int xattr_value(const struct xattr_src *s, struct mk_xattr *x,
		       const char **why)
{
	static u8 *buf;
	ssize_t len;

	if (!buf)
		buf = xmalloc(DAXFS_XATTR_VALUE_MAX + 1);
	len = xs_get(s, x->name, buf, DAXFS_XATTR_VALUE_MAX + 1);
	if (len < 0 && errno == ERANGE) {
		*why = "xattr value larger than 65536 bytes";
		return -1;
	}
	if (len < 0)
		return -1;
	if ((u64)len > DAXFS_XATTR_VALUE_MAX) {
		*why = "xattr value larger than 65536 bytes";
		return -1;
	}
	x->value = arena_dup(buf, len);
	x->value_len = len;
	return 0;
}

static void read_xattrs(struct mk_tree *t, struct mk_node *n,
			const struct xattr_src *s)
{
	const char *why = NULL;
	char *list = NULL, *p;
	ssize_t len = 0;
	u32 count = 0;

	for (;;) {
		len = xs_list(s, NULL, 0);
		if (len <= 0)
			break;
		list = xrealloc(list, len);
		len = xs_list(s, list, len);
		if (len >= 0 || errno != ERANGE)
			break;
	}
	if (len < 0 && (errno == ENOTSUP || errno == ENODATA))
		len = 0;
	if (len < 0)
		goto fail;
	if (!len)
		goto out;
	for (p = list; p < list + len; p += strlen(p) + 1)
		if (*p)
			count++;
	if (!count)
		goto out;
	n->xattrs = xcalloc(count, sizeof(*n->xattrs));
	for (p = list; p < list + len; p += strlen(p) + 1) {
		struct mk_xattr *x = &n->xattrs[n->nxattrs];
		size_t nl = strlen(p);

		if (!nl)
			continue;
		if (nl > DAXFS_XATTR_NAME_MAX) {
			why = "xattr name longer than 255 bytes";
			goto fail;
		}
		if (!xattr_ns_ok(p)) {
			err_msg("%s: xattr %s: unsupported namespace",
				node_path(t, n, NULL), p);
			exit(1);
		}
		x->name = arena_dup(p, nl);
		x->name_len = nl;
		if (xattr_value(s, x, &why) < 0) {
			if (!why && errno == ENODATA)
				continue;	/* removed meanwhile */
			goto fail;
		}
		n->nxattrs++;
	}
	qsort(n->xattrs, n->nxattrs, sizeof(*n->xattrs), xattr_cmp);
	t->nxattrs += n->nxattrs;
out:
	free(list);
	return;
fail:
	die_at(t, n, NULL, why ? why : strerror(errno));
}

/* Xattrs of an entry that is not opened: through /proc/self/fd. */
static void read_xattrs_at(struct mk_tree *t, struct mk_node *n, int dfd,
			   const char *name)
{
	char proc[64 + DAXFS_NAME_MAX];
	struct xattr_src s = { .fd = -1, .path = proc };

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dfd, name);
	if (llistxattr(proc, NULL, 0) < 0 && errno == ENOENT)
		s.path = node_path(t, n, NULL);	/* no /proc */
	read_xattrs(t, n, &s);
}

/* ---- regular files ---- */

static u64 ext_cap;

static void add_pages(struct mk_tree *t, struct mk_node *n, u64 p0, u64 p1)
{
	struct mk_extent *e;

	if (n->next) {
		e = &t->ext[t->next - 1];
		if (e->pgoff + e->npages >= p0) {
			if (p1 > e->pgoff + e->npages) {
				t->data_pages += p1 - (e->pgoff + e->npages);
				n->data_pages += p1 - (e->pgoff + e->npages);
				e->npages = p1 - e->pgoff;
			}
			return;
		}
	}
	if (t->next == ext_cap) {
		ext_cap = ext_cap ? ext_cap * 2 : 1024;
		t->ext = xrealloc(t->ext, ext_cap * sizeof(*t->ext));
	}
	e = &t->ext[t->next++];
	e->pgoff = p0;
	e->npages = p1 - p0;
	e->off = 0;
	t->data_pages += p1 - p0;
	n->data_pages += p1 - p0;
	n->next++;
}

static void file_extents(struct mk_tree *t, struct mk_node *n, int fd)
{
	u64 size = n->size, pos = 0;

	n->first_ext = t->next;
	while (pos < size) {
		off_t d = lseek(fd, pos, SEEK_DATA), h;

		if (d < 0 && errno == ENXIO)
			break;
		if (d < 0 && (errno == EINVAL || errno == EOPNOTSUPP)) {
			add_pages(t, n, pos >> DAXFS_BLOCK_SHIFT,
				  (size + DAXFS_BLOCK_SIZE - 1) >>
				  DAXFS_BLOCK_SHIFT);
			break;
		}
		if (d < 0)
			die_errno_at(t, n, NULL);
		if ((u64)d >= size)
			break;
		/* data in the last page: no need to look for a hole */
		if ((u64)d >> DAXFS_BLOCK_SHIFT ==
		    (size - 1) >> DAXFS_BLOCK_SHIFT)
			h = size;
		else
			h = lseek(fd, d, SEEK_HOLE);
		if (h < 0 || (u64)h > size || h <= d)
			h = size;
		add_pages(t, n, (u64)d >> DAXFS_BLOCK_SHIFT,
			  ((u64)h + DAXFS_BLOCK_SIZE - 1) >> DAXFS_BLOCK_SHIFT);
		pos = h;
	}
	t->regular_files++;
}

/* The file is checked against its lstat data again when it is copied. */
static void scan_regular(struct mk_tree *t, struct mk_node *n, int dfd,
			 const char *name)
{
	int fd = open_noatime(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		die_errno_at(t, n, NULL);
	file_extents(t, n, fd);
	read_xattrs(t, n, &(struct xattr_src){ .fd = fd });
	close(fd);
}

static void scan_symlink(struct mk_tree *t, struct mk_node *n, int dfd,
			 const char *name)
{
	char buf[DAXFS_SYMLINK_MAX + 2];
	struct stat st;
	ssize_t len = readlinkat(dfd, name, buf, sizeof(buf));

	if (len < 0)
		die_errno_at(t, n, NULL);
	if ((u64)len > DAXFS_SYMLINK_MAX)
		die_at(t, n, NULL, "symlink target longer than 4095 bytes");
	if (len == 0)
		die_at(t, n, NULL, "empty symlink target");
	n->target = arena_dup(buf, len);
	n->target_len = len;
	n->size = len;
	/* readlink may have set atime (relatime): record it as it is now */
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		die_errno_at(t, n, NULL);
	if (!S_ISLNK(st.st_mode))
		die_at(t, n, NULL, "file replaced while being read");
	node_set_stat(t, n, &st);
	n->size = len;
	read_xattrs_at(t, n, dfd, name);
}

/* ---- directories ---- */

static int dent_cmp(const void *a, const void *b)
{
	const struct mk_dent *x = a, *y = b;

	return daxfs_name_cmp((const u8 *)x->name, x->len,
			      (const u8 *)y->name, y->len);
}

static void read_names(struct mk_tree *t, struct mk_node *dir, int dfd)
{
	u32 cap = 0;
	struct dirent *de;
	DIR *d;
	int fd = dup(dfd);

	if (fd < 0 || !(d = fdopendir(fd)))
		die_errno_at(t, dir, NULL);
	for (;;) {
		size_t len;

		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		len = strlen(de->d_name);
		if (len > DAXFS_NAME_MAX)
			die_at(t, dir, de->d_name,
			       "name longer than 255 bytes");
		if (dir->ndents == cap) {
			cap = cap ? cap * 2 : 16;
			dir->dents = xrealloc(dir->dents,
					      cap * sizeof(*dir->dents));
		}
		dir->dents[dir->ndents].name = arena_dup(de->d_name, len);
		dir->dents[dir->ndents].len = len;
		dir->dents[dir->ndents].node = NULL;
		dir->ndents++;
	}
	if (errno)
		die_errno_at(t, dir, NULL);
	closedir(d);
	if (dir->ndents > 1)
		qsort(dir->dents, dir->ndents, sizeof(*dir->dents),
		      dent_cmp);
	t->ndirents += dir->ndents;
}

static void scan_entry(struct mk_tree *t, struct mk_node *dir, int dfd,
		       struct mk_dent *de)
{
	struct mk_node *n;
	struct stat st;

	if (fstatat(dfd, de->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		die_errno_at(t, dir, de->name);
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		n = link_lookup(&st);
		if (n) {
			n->nlink++;
			de->node = n;
			return;
		}
	}
	n = node_new(t, dir, de->name, de->len);
	de->node = n;
	node_set_stat(t, n, &st);
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		scan_regular(t, n, dfd, de->name);
		break;
	case S_IFDIR:
		dir->nsubdirs++;
		return;		/* scanned after this directory */
	case S_IFLNK:
		scan_symlink(t, n, dfd, de->name);
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		read_xattrs_at(t, n, dfd, de->name);
		break;
	default:
		die_at(t, dir, de->name, "unsupported file type");
	}
	if (st.st_nlink > 1)
		link_add(&st, n);
}

static void scan_dir(struct mk_tree *t, struct mk_node *dir, int dfd);

static void scan_subdir(struct mk_tree *t, struct mk_node *n, int dfd)
{
	struct stat st;
	int fd = open_noatime(dfd, n->name,
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

	if (fd < 0)
		die_errno_at(t, n, NULL);
	if (fstat(fd, &st) < 0)
		die_errno_at(t, n, NULL);
	read_xattrs(t, n, &(struct xattr_src){ .fd = fd });
	scan_dir(t, n, fd);
	close(fd);
}

static void scan_dir(struct mk_tree *t, struct mk_node *dir, int dfd)
{
	read_names(t, dir, dfd);
	for (u32 i = 0; i < dir->ndents; i++)
		scan_entry(t, dir, dfd, &dir->dents[i]);
	for (u32 i = 0; i < dir->ndents; i++) {
		struct mk_node *n = dir->dents[i].node;

		if (S_ISDIR(n->mode) && n->up == dir)
			scan_subdir(t, n, dfd);
	}
}

void scan_tree(struct mk_tree *t, const char *src)
{
	struct stat st;
	int fd;

	memset(t, 0, sizeof(*t));
	t->src = src;
	t->newest_mtime = INT64_MIN;
	fd = open_noatime(AT_FDCWD, src, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || fstat(fd, &st) < 0)
		die_errno("%s", src);
	t->root_fd = fd;
	t->root = node_new(t, NULL, "", 0);
	node_set_stat(t, t->root, &st);
	read_xattrs(t, t->root, &(struct xattr_src){ .fd = fd });
	scan_dir(t, t->root, fd);
	if (t->nodes > DAXFS_MAX_INODES)
		die("%s: too many files (%llu, at most %u)", src,
		    (unsigned long long)t->nodes, DAXFS_MAX_INODES);
}

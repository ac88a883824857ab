// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * daxfs-inspect extract: recreate the image's tree with all metadata, as
 * the files are now (through the view: the base with the logs of main's
 * chain, or of the branch -b names).
 *
 * The walk is iterative (an explicit stack of directories) and holds one
 * open descriptor for the directory being filled plus one for the root;
 * a finished directory hands back to its parent through "..".  Every
 * call is relative to a directory descriptor, so paths of any depth work
 * (nothing ever passes a path longer than one name to the kernel, except
 * the component-wise walk that finds a hard link's first name).
 *
 * Order per inode: contents, then owner (which clears setuid/setgid and
 * security.capability), then mode, then xattrs, then times.  Directories
 * get their metadata after all their children exist.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "inspect.h"
#include "util.h"

struct frame {
	struct daxfs_vinode dir;
	u64 pos;			/* readdir position of the next entry */
	size_t path_len;		/* length of this dir's path */
};

struct extract {
	struct inspect *in;
	int rootfd;
	int curfd;			/* directory at the top of the stack */
	struct frame *stack;
	size_t depth, cap;
	char *path;			/* relative path, for messages */
	size_t path_len, path_cap;
	struct ino_set first;		/* inode -> first path of a hard link */
	struct ino_set seen;		/* directories visited */
	bool chown;
	u64 errors;
	u64 files;
};

static void ex_error(struct extract *ex, const char *what, int err)
{
	ex->errors++;
	err_msg("extract: %s: %s: %s", ex->path_len ? ex->path : ".", what,
		err > 0 ? strerror(err) : err_name(err));
}

static void path_push(struct extract *ex, const char *name, u32 len)
{
	size_t need = ex->path_len + 1 + len + 1;

	if (need > ex->path_cap) {
		ex->path_cap = need * 2;
		ex->path = xrealloc(ex->path, ex->path_cap);
	}
	if (ex->path_len)
		ex->path[ex->path_len++] = '/';
	memcpy(ex->path + ex->path_len, name, len);
	ex->path_len += len;
	ex->path[ex->path_len] = '\0';
}

static void path_trunc(struct extract *ex, size_t len)
{
	ex->path_len = len;
	if (ex->path)
		ex->path[len] = '\0';
}

static int write_run(void *ctx, u64 pos, const u8 *data, u64 len)
{
	int fd = *(int *)ctx;

	while (data && len) {
		ssize_t n = pwrite(fd, data, len, (off_t)pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		data += n;
		pos += (u64)n;
		len -= (u64)n;
	}
	return 0;
}

/* Where set_xattr() puts one xattr: an open file, or a name. */
struct xattr_dest {
	struct extract *ex;
	const struct daxfs_vinode *vi;
	int fd;				/* or -1: @name in @dirfd */
	int dirfd;
	const char *name;
	bool in_dir;			/* the cwd is @dirfd */
};

static int set_xattr(void *ctx, const char *xname, u32 len)
{
	static u8 value[DAXFS_XATTR_VALUE_MAX];
	struct xattr_dest *d = ctx;
	int n, rc;

	n = daxfs_view_xattr_get(&d->ex->in->view, d->vi, (const u8 *)xname,
				 len, value, sizeof(value));
	if (n < 0) {
		ex_error(d->ex, "xattr", n);
		return 0;
	}
	/* l*xattr() take a path: the name, from its directory */
	if (d->fd < 0 && !d->in_dir) {
		if (fchdir(d->dirfd) < 0) {
			ex_error(d->ex, "fchdir", errno);
			return 1;
		}
		d->in_dir = true;
	}
	if (d->fd >= 0)
		rc = fsetxattr(d->fd, xname, value, (size_t)n, 0);
	else
		rc = lsetxattr(d->name, xname, value, (size_t)n, 0);
	if (rc < 0)
		ex_error(d->ex, xname, errno);
	return 0;
}

/* Set the xattrs of @vi on @fd, or on @name in @dirfd when @fd < 0. */
static void set_xattrs(struct extract *ex, const struct daxfs_vinode *vi,
		       int fd, int dirfd, const char *name)
{
	struct xattr_dest d = { ex, vi, fd, dirfd, name, false };
	int err;

	err = daxfs_view_xattr_names(&ex->in->view, vi, set_xattr, &d);
	if (err < 0)
		ex_error(ex, "xattrs", err);
}

static void inode_times(const struct daxfs_vinode *vi, struct timespec ts[2])
{
	const struct daxfs_attr *a = &vi->attr;

	ts[0].tv_sec = (time_t)a->atime_sec;
	ts[0].tv_nsec = a->atime_nsec < 1000000000 ? a->atime_nsec : 0;
	ts[1].tv_sec = (time_t)a->mtime_sec;
	ts[1].tv_nsec = a->mtime_nsec < 1000000000 ? a->mtime_nsec : 0;
}

/* Owner, mode, xattrs and times of an open file or directory. */
static void meta_fd(struct extract *ex, const struct daxfs_vinode *vi, int fd)
{
	const struct daxfs_attr *a = &vi->attr;
	struct timespec ts[2];

	if (ex->chown && fchown(fd, a->uid, a->gid) < 0)
		ex_error(ex, "chown", errno);
	if (fchmod(fd, a->mode & 07777) < 0)
		ex_error(ex, "chmod", errno);
	set_xattrs(ex, vi, fd, -1, NULL);
	inode_times(vi, ts);
	if (futimens(fd, ts) < 0)
		ex_error(ex, "utimens", errno);
}

/* The same for a node that cannot be opened (symlink, device, ...). */
static void meta_at(struct extract *ex, const struct daxfs_vinode *vi,
		    const char *name)
{
	const struct daxfs_attr *a = &vi->attr;
	bool lnk = (a->mode & DAXFS_S_IFMT) == DAXFS_S_IFLNK;
	struct timespec ts[2];

	if (ex->chown && fchownat(ex->curfd, name, a->uid, a->gid,
				  AT_SYMLINK_NOFOLLOW) < 0)
		ex_error(ex, "chown", errno);
	if (!lnk && fchmodat(ex->curfd, name, a->mode & 07777, 0) < 0)
		ex_error(ex, "chmod", errno);
	set_xattrs(ex, vi, -1, ex->curfd, name);
	inode_times(vi, ts);
	if (utimensat(ex->curfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		ex_error(ex, "utimens", errno);
}

static void make_file(struct extract *ex, const struct daxfs_vinode *vi,
		      const char *name)
{
	int fd, err;

	fd = openat(ex->curfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ex_error(ex, "create", errno);
		return;
	}
	err = file_runs(ex->in, vi, write_run, &fd);
	if (err)
		ex_error(ex, "write", err);
	else if (vi->attr.size > INT64_MAX ||
		 ftruncate(fd, (off_t)vi->attr.size) < 0)
		ex_error(ex, "truncate", vi->attr.size > INT64_MAX ? EFBIG :
			 errno);
	meta_fd(ex, vi, fd);
	if (close(fd) < 0)
		ex_error(ex, "close", errno);
}

static void make_symlink(struct extract *ex, const struct daxfs_vinode *vi,
			 const char *name)
{
	char target[DAXFS_SYMLINK_MAX + 1];
	int err = daxfs_view_symlink(&ex->in->view, vi, target, sizeof(target));

	if (err < 0) {
		ex_error(ex, "symlink target", err);
		return;
	}
	if (symlinkat(target, ex->curfd, name) < 0) {
		ex_error(ex, "symlink", errno);
		return;
	}
	meta_at(ex, vi, name);
}

static void make_node(struct extract *ex, const struct daxfs_vinode *vi,
		      const char *name)
{
	u32 type = vi->attr.mode & DAXFS_S_IFMT;
	dev_t dev = 0;

	if (type == DAXFS_S_IFCHR || type == DAXFS_S_IFBLK)
		dev = makedev(vi->attr.rdev_major, vi->attr.rdev_minor);
	if (mknodat(ex->curfd, name, type | 0600, dev) < 0) {
		ex_error(ex, "mknod", errno);
		return;
	}
	meta_at(ex, vi, name);
}

/*
 * Hard link @name to the first extracted name of the same inode, found
 * by walking @first (relative to the root) one component at a time.
 */
static void make_link(struct extract *ex, const char *first, const char *name)
{
	char *copy = xstrdup(first), *comp = copy, *slash;
	int dfd = ex->rootfd;

	while ((slash = strchr(comp, '/'))) {
		int nfd;

		*slash = '\0';
		nfd = openat(dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
			     O_CLOEXEC);
		if (dfd != ex->rootfd)
			close(dfd);
		if (nfd < 0) {
			ex_error(ex, "open first link", errno);
			free(copy);
			return;
		}
		dfd = nfd;
		comp = slash + 1;
	}
	if (linkat(dfd, comp, ex->curfd, name, 0) < 0)
		ex_error(ex, "link", errno);
	if (dfd != ex->rootfd)
		close(dfd);
	free(copy);
}

static int push_dir(struct extract *ex, const struct daxfs_vinode *vi,
		    const char *name)
{
	struct ino_ent *seen = ino_get(&ex->seen, vi->ino, true);
	struct frame *f;
	int fd;

	if (seen->data) {
		ex_error(ex, "directory reached twice", -EUCLEAN);
		return -1;
	}
	seen->data = ex;	/* any non-NULL mark */
	if (mkdirat(ex->curfd, name, 0700) < 0) {
		ex_error(ex, "mkdir", errno);
		return -1;
	}
	fd = openat(ex->curfd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		ex_error(ex, "open", errno);
		return -1;
	}
	if (ex->depth == ex->cap) {
		ex->cap = ex->cap ? ex->cap * 2 : 64;
		ex->stack = xrealloc(ex->stack, ex->cap * sizeof(*ex->stack));
	}
	close(ex->curfd);
	ex->curfd = fd;
	f = &ex->stack[ex->depth++];
	f->dir = *vi;
	f->pos = 0;
	f->path_len = ex->path_len;
	return 0;
}

/* Finish the directory on top of the stack and return to its parent. */
static int pop_dir(struct extract *ex)
{
	struct frame *f = &ex->stack[--ex->depth];
	int parent = -1;

	path_trunc(ex, f->path_len);
	if (ex->depth) {
		parent = openat(ex->curfd, "..",
				O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0) {
			/* Without the parent nothing more can be placed. */
			ex_error(ex, "open ..", errno);
			close(ex->curfd);
			ex->curfd = -1;
			ex->depth = 0;
			return -1;
		}
	}
	meta_fd(ex, &f->dir, ex->curfd);
	close(ex->curfd);
	ex->curfd = parent;
	if (ex->depth)
		path_trunc(ex, ex->stack[ex->depth - 1].path_len);
	return 0;
}

/* Create one directory entry; a directory is pushed, not filled. */
static void make_entry(struct extract *ex, const struct daxfs_dirent_info *de)
{
	struct daxfs_vinode vi;
	const char *name = de->name;	/* checked by the view */
	struct ino_ent *first = NULL;
	u32 type;
	int err;

	path_push(ex, name, de->name_len);
	err = daxfs_view_inode(&ex->in->view, de->ino, &vi);
	if (err) {
		ex_error(ex, "inode", err);
		goto out;
	}
	type = vi.attr.mode & DAXFS_S_IFMT;
	if (type == DAXFS_S_IFDIR) {
		if (push_dir(ex, &vi, name) == 0)
			return;	/* path stays pushed until pop_dir() */
		goto out;
	}
	if (vi.attr.nlink > 1) {
		first = ino_get(&ex->first, vi.ino, true);
		if (first->data) {
			make_link(ex, first->data, name);
			goto out;
		}
	}
	ex->files++;
	switch (type) {
	case DAXFS_S_IFREG:
		make_file(ex, &vi, name);
		break;
	case DAXFS_S_IFLNK:
		make_symlink(ex, &vi, name);
		break;
	case DAXFS_S_IFCHR:
	case DAXFS_S_IFBLK:
	case DAXFS_S_IFIFO:
	case DAXFS_S_IFSOCK:
		make_node(ex, &vi, name);
		break;
	default:
		ex_error(ex, "unknown file type", -EUCLEAN);
		first = NULL;
	}
	if (first)
		first->data = xstrdup(ex->path);
out:
	path_trunc(ex, ex->depth ? ex->stack[ex->depth - 1].path_len : 0);
}

static void walk(struct extract *ex)
{
	while (ex->depth) {
		struct frame *f = &ex->stack[ex->depth - 1];
		struct daxfs_dirent_info de;
		u64 at;
		int err = daxfs_view_readdir(&ex->in->view, &f->dir, f->pos,
					     &de, &at);

		if (err == -ENOENT || (!err && at == ~0ULL)) {
			if (pop_dir(ex) < 0)
				return;
			continue;
		}
		if (err) {
			/* the entries after this one cannot be found */
			ex_error(ex, "directory entry", err);
			if (pop_dir(ex) < 0)
				return;
			continue;
		}
		f->pos = at + 1;
		make_entry(ex, &de);
	}
}

/* Create @dir, or accept it if it exists and is empty; its fd or -1. */
static int open_target(const char *dir)
{
	struct dirent *d;
	DIR *dp;
	int fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_msg("%s: %s", dir, strerror(errno));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err_msg("%s: %s", dir, strerror(errno));
		return -1;
	}
	dp = fdopendir(dup(fd));
	if (!dp) {
		err_msg("%s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	while ((d = readdir(dp))) {
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
			err_msg("%s: directory not empty", dir);
			closedir(dp);
			close(fd);
			return -1;
		}
	}
	closedir(dp);
	return fd;
}

int cmd_extract(struct inspect *in, const char *dir)
{
	struct extract ex = { .in = in, .curfd = -1 };
	struct daxfs_vinode root;
	int err, cwd;

	if (quick_validate(in, "extract") || open_view(in))
		return EXIT_BAD;
	err = daxfs_view_inode(&in->view, in->img.root_ino, &root);
	if (err || (root.attr.mode & DAXFS_S_IFMT) != DAXFS_S_IFDIR) {
		err_msg("root inode: %s", err_name(err ? err : -EUCLEAN));
		return EXIT_BAD;
	}
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ex.rootfd = open_target(dir);
	if (ex.rootfd < 0) {
		if (cwd >= 0)
			close(cwd);
		return EXIT_BAD;
	}
	ex.curfd = dup(ex.rootfd);
	ex.chown = geteuid() == 0;
	ino_get(&ex.seen, root.ino, true)->data = &ex;
	ex.cap = 64;
	ex.stack = xmalloc(ex.cap * sizeof(*ex.stack));
	ex.stack[0] = (struct frame){ .dir = root };
	ex.depth = 1;
	walk(&ex);
	if (ex.curfd >= 0)
		close(ex.curfd);
	close(ex.rootfd);
	if (cwd >= 0) {
		if (fchdir(cwd) < 0)
			err_msg("cannot return to the working directory");
		close(cwd);
	}
	ino_set_free(&ex.first, true);
	ino_set_free(&ex.seen, false);
	free(ex.stack);
	free(ex.path);
	if (!ex.chown)
		err_msg("extract: not root, owners not restored");
	if (ex.errors) {
		err_msg("extract: %" PRIu64 " error%s", ex.errors,
			ex.errors == 1 ? "" : "s");
		return EXIT_BAD;
	}
	return EXIT_OK;
}

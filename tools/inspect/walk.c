// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * daxfs-inspect: path resolution through the view (the base image with
 * the logs of main's chain replayed, or of the branch -b names), and the
 * ls and cat commands built on it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"
#include "util.h"

#define MAX_SYMLINKS	40

/* Replace the path being walked by @target + @rest (a symlink step). */
static char *splice_link(const char *target, u32 tlen, const char *rest)
{
	size_t rlen = strlen(rest);
	char *p = xmalloc(tlen + 1 + rlen + 1);

	memcpy(p, target, tlen);
	p[tlen] = '/';
	memcpy(p + tlen + 1, rest, rlen + 1);
	return p;
}

static int path_error(const char *path, int err)
{
	err_msg("%s: %s", path, err_name(err));
	return err;
}

static bool is_dir(const struct daxfs_vinode *vi)
{
	return (vi->attr.mode & DAXFS_S_IFMT) == DAXFS_S_IFDIR;
}

/* Follow symlink @link: the rest of the walk is its target + @rest. */
static int follow(struct inspect *in, const char *path,
		  const struct daxfs_vinode *link, const char *rest,
		  struct daxfs_vinode *cur, char **buf)
{
	char target[DAXFS_SYMLINK_MAX + 1];
	int tlen = daxfs_view_symlink(&in->view, link, target, sizeof(target));
	char *next;

	if (tlen < 0)
		return path_error(path, tlen);
	next = splice_link(target, (u32)tlen, rest);
	free(*buf);
	*buf = next;
	if (tlen && target[0] == '/')
		return view_inode(in, in->img.root_ino, cur);
	return 0;
}

int resolve_path(struct inspect *in, const char *path, bool follow_last,
		 struct daxfs_vinode *out)
{
	struct daxfs_vinode cur, child;
	struct daxfs_dirent_info de;
	char *buf = NULL;
	const char *p = path;
	int links = 0, err;

	err = view_inode(in, in->img.root_ino, &cur);
	while (!err) {
		const char *q;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		q = p + strcspn(p, "/");
		len = (size_t)(q - p);
		if (len == 1 && p[0] == '.') {
			p = q;
			continue;
		}
		if (!is_dir(&cur)) {
			err = path_error(path, -ENOTDIR);
			break;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			err = view_inode(in, cur.attr.parent, &cur);
			p = q;
			continue;
		}
		err = daxfs_view_lookup(&in->view, &cur, (const u8 *)p,
					(u32)(len > UINT32_MAX ? 0 : len), &de);
		if (!err)
			err = view_inode(in, de.ino, &child);
		else
			path_error(path, err);
		if (err)
			break;
		if ((child.attr.mode & DAXFS_S_IFMT) == DAXFS_S_IFLNK &&
		    (*q || follow_last)) {
			if (++links > MAX_SYMLINKS) {
				err = path_error(path, -ELOOP);
				break;
			}
			err = follow(in, path, &child, q, &cur, &buf);
			p = buf;
			continue;
		}
		cur = child;
		p = q;
	}
	free(buf);
	if (!err)
		*out = cur;
	return err;
}

int file_runs(struct inspect *in, const struct daxfs_vinode *vi,
	      file_run_fn fn, void *ctx)
{
	u64 size = vi->attr.size;
	u64 pages = size / DAXFS_BLOCK_SIZE + !!(size % DAXFS_BLOCK_SIZE);
	u64 pg = 0;

	while (pg < pages) {
		struct daxfs_fmap m;
		const u8 *data = NULL;
		u64 n, pos, len;
		int rc = daxfs_view_map(&in->view, vi, pg, &m);

		if (rc < 0)
			return rc;
		n = m.npages;
		if (n == 0)
			return -EUCLEAN;
		if (n > pages - pg)
			n = pages - pg;
		pos = pg * DAXFS_BLOCK_SIZE;
		len = n * DAXFS_BLOCK_SIZE;
		if (len > size - pos)
			len = size - pos;
		if (!m.hole) {
			if (m.off > in->reg.size || len > in->reg.size - m.off)
				return -EUCLEAN;
			data = (const u8 *)in->reg.base + m.off;
		}
		rc = fn(ctx, pos, data, len);
		if (rc)
			return rc;
		pg += n;
	}
	return 0;
}

static int cat_run(void *ctx, u64 pos, const u8 *data, u64 len)
{
	static const u8 zeros[65536];

	(void)ctx;
	(void)pos;
	while (len) {
		size_t n = len < sizeof(zeros) ? len : sizeof(zeros);

		if (data) {
			n = len;
			if (fwrite(data, 1, n, stdout) != n)
				return -EIO;
		} else if (fwrite(zeros, 1, n, stdout) != n) {
			return -EIO;
		}
		len -= n;
	}
	return 0;
}

int cmd_cat(struct inspect *in, const char *path)
{
	struct daxfs_vinode vi;
	int err;

	if (open_view(in) || resolve_path(in, path, true, &vi))
		return EXIT_BAD;
	if (is_dir(&vi)) {
		err_msg("%s: %s", path, strerror(EISDIR));
		return EXIT_BAD;
	}
	if ((vi.attr.mode & DAXFS_S_IFMT) != DAXFS_S_IFREG) {
		err_msg("%s: not a regular file", path);
		return EXIT_BAD;
	}
	err = file_runs(in, &vi, cat_run, NULL);
	if (err == -EIO) {
		err_msg("write error on standard output");
		return EXIT_BAD;
	}
	if (err) {
		err_msg("%s: %s", path, err_name(err));
		return EXIT_BAD;
	}
	return EXIT_OK;
}

static int ls_entry(struct inspect *in, const struct daxfs_dirent_info *de)
{
	struct daxfs_vinode vi;
	int err = daxfs_view_inode(&in->view, de->ino, &vi);

	if (err) {
		printf("?????????? <inode %" PRIu64 ": %s> ", de->ino,
		       err_name(err));
		print_name(stdout, de->name, de->name_len);
		putchar('\n');
		return err;
	}
	print_inode_line(&vi);
	putchar(' ');
	print_name(stdout, de->name, de->name_len);
	print_link_target(in, &vi);
	putchar('\n');
	return 0;
}

int cmd_ls(struct inspect *in, const char *path)
{
	struct daxfs_dirent_info *ents;
	struct daxfs_vinode dir;
	int rc = EXIT_OK;
	long n;

	if (open_view(in) || resolve_path(in, path, false, &dir))
		return EXIT_BAD;
	if (!is_dir(&dir)) {
		print_inode_line(&dir);
		putchar(' ');
		print_name(stdout, path, strlen(path));
		print_link_target(in, &dir);
		putchar('\n');
		return EXIT_OK;
	}
	n = read_dir(in, &dir, &ents);
	if (n < 0) {
		err_msg("%s: %s", path, err_name((int)n));
		return EXIT_BAD;
	}
	for (long i = 0; i < n; i++)
		if (ls_entry(in, &ents[i]))
			rc = EXIT_BAD;
	free(ents);
	return rc;
}

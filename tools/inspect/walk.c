// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * daxfs-inspect: path resolution with daxfs_dir_lookup, and the ls and
 * cat commands built on it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "inspect.h"
#include "util.h"

#define MAX_SYMLINKS	40

static int read_ino(struct inspect *in, u64 ino, struct daxfs_inode_info *ii)
{
	int err = daxfs_inode_read(&in->img, ino, ii);

	if (err)
		err_msg("inode %" PRIu64 ": %s", ino, err_name(err));
	return err;
}

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

int resolve_path(struct inspect *in, const char *path, bool follow_last,
		 struct daxfs_inode_info *out)
{
	struct daxfs_inode_info cur, child;
	struct daxfs_dirent_info de;
	char *buf = NULL;
	const char *p = path;
	int links = 0, err;

	err = read_ino(in, in->img.root_ino, &cur);
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
		if ((cur.mode & DAXFS_S_IFMT) != DAXFS_S_IFDIR) {
			err = path_error(path, -ENOTDIR);
			break;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			err = read_ino(in, cur.parent, &cur);
			p = q;
			continue;
		}
		err = daxfs_dir_lookup(&in->img, &cur, (const u8 *)p,
				       (u32)(len > UINT32_MAX ? 0 : len), &de);
		if (!err)
			err = read_ino(in, de.ino, &child);
		else
			path_error(path, err);
		if (err)
			break;
		if ((child.mode & DAXFS_S_IFMT) == DAXFS_S_IFLNK &&
		    (*q || follow_last)) {
			char target[DAXFS_SYMLINK_MAX + 1];
			int tlen;
			char *next;

			if (++links > MAX_SYMLINKS) {
				err = path_error(path, -ELOOP);
				break;
			}
			tlen = daxfs_symlink_read(&in->img, &child, target,
						  sizeof(target));
			if (tlen < 0) {
				err = path_error(path, tlen);
				break;
			}
			next = splice_link(target, (u32)tlen, q);
			if (tlen && target[0] == '/')
				err = read_ino(in, in->img.root_ino, &cur);
			free(buf);
			buf = next;
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

int file_runs(struct inspect *in, const struct daxfs_inode_info *ii,
	      file_run_fn fn, void *ctx)
{
	u64 pages = ii->size / DAXFS_BLOCK_SIZE +
		    !!(ii->size % DAXFS_BLOCK_SIZE);
	u64 pg = 0;

	while (pg < pages) {
		u64 off = 0, n = 0, pos, len;
		int rc = daxfs_file_map(&in->img, ii, pg, &off, &n);
		const u8 *data = NULL;

		if (rc < 0)
			return rc;
		if (n == 0)
			return -EUCLEAN;
		if (n > pages - pg)
			n = pages - pg;
		pos = pg * DAXFS_BLOCK_SIZE;
		len = n * DAXFS_BLOCK_SIZE;
		if (len > ii->size - pos)
			len = ii->size - pos;
		if (rc == 0) {
			if (off > in->reg.size || len > in->reg.size - off)
				return -EUCLEAN;
			data = (const u8 *)in->reg.base + off;
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
	struct daxfs_inode_info ii;
	int err;

	if (resolve_path(in, path, true, &ii))
		return EXIT_BAD;
	if ((ii.mode & DAXFS_S_IFMT) == DAXFS_S_IFDIR) {
		err_msg("%s: %s", path, strerror(EISDIR));
		return EXIT_BAD;
	}
	if ((ii.mode & DAXFS_S_IFMT) != DAXFS_S_IFREG) {
		err_msg("%s: not a regular file", path);
		return EXIT_BAD;
	}
	err = file_runs(in, &ii, cat_run, NULL);
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
	struct daxfs_inode_info ii;
	int err = daxfs_inode_read(&in->img, de->ino, &ii);

	if (err) {
		printf("?????????? <inode %" PRIu64 ": %s> ", de->ino,
		       err_name(err));
		print_name(stdout, de->name, de->name_len);
		putchar('\n');
		return err;
	}
	print_inode_line(in, &ii);
	putchar(' ');
	print_name(stdout, de->name, de->name_len);
	print_link_target(in, &ii);
	putchar('\n');
	return 0;
}

int cmd_ls(struct inspect *in, const char *path)
{
	struct daxfs_inode_info dir;
	struct daxfs_dirent_info de;
	int rc = EXIT_OK;

	if (resolve_path(in, path, false, &dir))
		return EXIT_BAD;
	if ((dir.mode & DAXFS_S_IFMT) != DAXFS_S_IFDIR) {
		print_inode_line(in, &dir);
		putchar(' ');
		print_name(stdout, path, strlen(path));
		print_link_target(in, &dir);
		putchar('\n');
		return EXIT_OK;
	}
	for (u64 i = 0;; i++) {
		int err = daxfs_dir_entry(&in->img, &dir, i, &de);

		if (err == -ENOENT)
			break;
		if (err) {
			err_msg("%s: entry %" PRIu64 ": %s", path, i,
				err_name(err));
			return EXIT_BAD;
		}
		if (ls_entry(in, &de))
			rc = EXIT_BAD;
	}
	return rc;
}

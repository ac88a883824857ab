/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Walk an opened (not necessarily valid) image with every accessor:
 * read every inode, list and look up every directory entry, map every
 * page of every file and touch the first and last byte of each mapped
 * run, read every symlink target and every xattr.  Under ASan this
 * proves the accessors stay inside the region whatever it contains.
 * Work is capped so a hostile image cannot make the walk slow.
 * Returns a checksum of what was read (so nothing is optimised away).
 */
#ifndef DAXFS_WALK_H
#define DAXFS_WALK_H

#include <string.h>
#include "daxfs_core.h"

#define WALK_BUDGET	2000000UL

static __attribute__((unused)) u64 walk_image(const struct daxfs_image *img)
{
	unsigned long budget = WALK_BUDGET;
	u64 sum = 0;

	for (u64 ino = 1; ino <= img->inode_count && budget; ino++) {
		struct daxfs_inode_info in;
		u32 type;

		budget--;
		if (daxfs_inode_read(img, ino, &in))
			continue;
		type = in.mode & DAXFS_S_IFMT;
		if (type == DAXFS_S_IFDIR) {
			for (u64 i = 0; budget; i++, budget--) {
				struct daxfs_dirent_info de, hit;

				if (daxfs_dir_entry(img, &in, i, &de))
					break;
				sum += (u8)de.name[0] +
				       (u8)de.name[de.name_len - 1];
				if (!daxfs_dir_lookup(img, &in,
						      (const u8 *)de.name,
						      de.name_len, &hit))
					sum += hit.ino;
			}
		} else if (type == DAXFS_S_IFREG) {
			u64 pages = (in.size >> 12) + !!(in.size & 4095);

			for (u64 pg = 0; pg < pages && budget; budget--) {
				u64 off, n;
				int ret = daxfs_file_map(img, &in, pg, &off,
							 &n);

				if (ret < 0 || !n)
					break;
				if (ret == 0)
					sum += img->base[off] +
					       img->base[off + n * 4096 - 1];
				if (n > pages - pg)
					break;
				pg += n;
			}
		} else if (type == DAXFS_S_IFLNK) {
			char t[DAXFS_SYMLINK_MAX + 1];
			int len = daxfs_symlink_read(img, &in, t, sizeof(t));

			if (len > 0)
				sum += (u8)t[0] + (u8)t[len - 1];
		}
		for (u32 i = 0; budget; i++, budget--) {
			static u8 v[DAXFS_XATTR_VALUE_MAX];
			struct daxfs_xattr_info x, hit;

			if (daxfs_xattr_entry(img, &in, i, &x))
				break;
			sum += (u8)x.name[0] + (u8)x.name[x.name_len - 1];
			if (x.value_len &&
			    daxfs_xattr_value(img, &x, v, sizeof(v)) > 0)
				sum += v[0] + v[x.value_len - 1];
			if (!daxfs_xattr_lookup(img, &in, (const u8 *)x.name,
						x.name_len, &hit))
				sum += hit.value_len;
		}
	}
	return sum;
}

/* ---- the same through a view (base + replayed layers) ---- */

#define WALK_DIRS	512	/* directories waiting in the walk */

static int walk_xattr_name(void *ctx, const char *name, u32 len)
{
	u64 *sum = ctx;

	*sum += (u8)name[0] + (u8)name[len - 1] + len;
	return 0;
}

/* Everything of one inode of a view but its directory entries. */
static __attribute__((unused)) u64
walk_vinode(const struct daxfs_view *v, const struct daxfs_vinode *vi,
	    unsigned long *budget)
{
	static u8 val[DAXFS_XATTR_VALUE_MAX];
	u32 type = vi->attr.mode & DAXFS_S_IFMT;
	const struct daxfs_image *img = v->img;
	u64 sum = vi->attr.size + vi->blocks, out;

	if (type == DAXFS_S_IFREG) {
		u64 pages = (vi->attr.size >> 12) + !!(vi->attr.size & 4095);

		for (u64 pg = 0; pg < pages && *budget; (*budget)--) {
			struct daxfs_fmap m;

			if (daxfs_view_map(v, vi, pg, &m) || !m.npages)
				break;
			if (!m.hole)
				sum += img->base[m.off] +
				       img->base[m.off + 4095];
			if (m.npages > pages - pg)
				break;
			pg += m.npages;
		}
		if (!daxfs_view_seek(v, vi, 0, true, &out))
			sum += out;
		if (!daxfs_view_seek(v, vi, 0, false, &out))
			sum += out;
	} else if (type == DAXFS_S_IFLNK) {
		char t[DAXFS_SYMLINK_MAX + 1];
		int len = daxfs_view_symlink(v, vi, t, sizeof(t));

		if (len > 0)
			sum += (u8)t[0] + (u8)t[len - 1];
	} else if (type == DAXFS_S_IFDIR) {
		sum += daxfs_view_dir_empty(v, vi) +
		       daxfs_view_next_cookie(v, vi);
	}
	daxfs_view_xattr_names(v, vi, walk_xattr_name, &sum);
	for (int i = 0; i < 3; i++) {
		static const char *const names[] = {
			"user.comment", "user.a", "security.capability",
		};
		int n = daxfs_view_xattr_get(v, vi, (const u8 *)names[i],
					     (u32)strlen(names[i]), val,
					     sizeof(val));

		if (n > 0)
			sum += val[0] + val[n - 1];
	}
	return sum;
}

/*
 * Walk a view from the root: every directory's entries by readdir (each
 * looked up again), and everything of each inode reached; then the base
 * inode numbers and the first numbers after them.  Bounded by a budget,
 * so a view whose directories form a cycle ends too.
 */
static __attribute__((unused)) u64 walk_view(const struct daxfs_view *v)
{
	static u64 dirs[WALK_DIRS];
	unsigned long budget = WALK_BUDGET / 4;
	u64 sum = 0, ndirs = 0, first = v->img->inode_count + 1;
	struct daxfs_vinode vi;

	dirs[ndirs++] = v->img->root_ino;
	while (ndirs && budget) {
		struct daxfs_dirent_info de, hit;
		struct daxfs_vinode dir;
		u64 pos = 0, at;

		budget--;
		if (daxfs_view_inode(v, dirs[--ndirs], &dir) ||
		    (dir.attr.mode & DAXFS_S_IFMT) != DAXFS_S_IFDIR)
			continue;
		while (budget && !daxfs_view_readdir(v, &dir, pos, &de, &at)) {
			budget--;
			sum += at + (u8)de.name[0] +
			       (u8)de.name[de.name_len - 1];
			if (!daxfs_view_lookup(v, &dir, (const u8 *)de.name,
					       de.name_len, &hit))
				sum += hit.ino;
			if (!daxfs_view_inode(v, de.ino, &vi)) {
				sum += walk_vinode(v, &vi, &budget);
				if ((vi.attr.mode & DAXFS_S_IFMT) ==
				    DAXFS_S_IFDIR && ndirs < WALK_DIRS)
					dirs[ndirs++] = vi.ino;
			}
			if (at == ~0ULL)
				break;
			pos = at + 1;
		}
	}
	for (u64 ino = 1; ino < first + 64 && budget; ino++, budget--)
		if (!daxfs_view_inode(v, ino, &vi))
			sum += walk_vinode(v, &vi, &budget);
	return sum;
}

#endif /* DAXFS_WALK_H */

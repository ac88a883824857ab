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

#endif /* DAXFS_WALK_H */

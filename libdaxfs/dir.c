// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Directories at use: decode one entry with its bounds checked again,
 * and look a name up by binary search over the sorted entries.
 */
#include "daxfs_internal.h"

static int dir_check(const struct daxfs_image *img,
		     const struct daxfs_inode_info *dir)
{
	if ((dir->mode & DAXFS_S_IFMT) != DAXFS_S_IFDIR ||
	    !daxfs_index_ok(dir->data, dir->count, img->dirent_count))
		return -EUCLEAN;
	return 0;
}

/* Entry @index of the dirent table; the caller checked @index. */
static int read_dirent(const struct daxfs_image *img, u64 index,
		       struct daxfs_dirent_info *out)
{
	const struct daxfs_dirent *de = daxfs_dirent_ptr(img, index);
	u64 name_off = le64_to_cpu(READ_ONCE(de->name_off));

	out->ino = le32_to_cpu(READ_ONCE(de->ino));
	out->name_len = le16_to_cpu(READ_ONCE(de->name_len));
	out->type = READ_ONCE(de->type);
	if (!out->ino || out->ino > img->inode_count ||
	    !out->name_len || out->name_len > DAXFS_NAME_MAX ||
	    !daxfs_range_ok(name_off, out->name_len, img->strtab_size))
		return -EUCLEAN;
	out->name = daxfs_str_ptr(img, name_off);
	return 0;
}

int daxfs_dir_entry(const struct daxfs_image *img,
		    const struct daxfs_inode_info *dir, u64 index,
		    struct daxfs_dirent_info *out)
{
	int ret = dir_check(img, dir);

	if (ret)
		return ret;
	if (index >= dir->count)
		return -ENOENT;
	ret = read_dirent(img, dir->data + index, out);
	if (ret)
		return ret;
	if (!daxfs_name_valid(out->name, out->name_len))
		return -EUCLEAN;
	return 0;
}

int daxfs_dir_lookup(const struct daxfs_image *img,
		     const struct daxfs_inode_info *dir,
		     const u8 *name, u32 len, struct daxfs_dirent_info *out)
{
	u64 lo = 0, hi;
	int ret = dir_check(img, dir);

	if (ret)
		return ret;
	if (!len || len > DAXFS_NAME_MAX)
		return -ENOENT;
	hi = dir->count;
	while (lo < hi) {
		u64 mid = lo + (hi - lo) / 2;
		int cmp;

		ret = read_dirent(img, dir->data + mid, out);
		if (ret)
			return ret;
		cmp = daxfs_name_cmp(name, len, out->name, out->name_len);
		if (!cmp)
			return 0;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -ENOENT;
}

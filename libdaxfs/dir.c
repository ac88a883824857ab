// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Directories at use: copy one entry and its name out of the region and
 * check the copy, and look a name up by binary search over the sorted
 * entries.
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

static bool ft_valid(u8 type)
{
	switch (type) {
	case DAXFS_FT_FIFO:
	case DAXFS_FT_CHR:
	case DAXFS_FT_DIR:
	case DAXFS_FT_BLK:
	case DAXFS_FT_REG:
	case DAXFS_FT_LNK:
	case DAXFS_FT_SOCK:
		return true;
	}
	return false;
}

/*
 * Entry @index of the dirent table (checked by the caller): its fields
 * into @out, checked, and the string table offset of its name.
 */
static int read_dirent(const struct daxfs_image *img, u64 index,
		       struct daxfs_dirent_info *out, u64 *name_off)
{
	struct daxfs_dirent de;
	int ret = daxfs_read_raw_dirent(img, index, &de);

	if (ret)
		return ret;
	out->ino = le32_to_cpu(de.ino);
	out->name_len = le16_to_cpu(de.name_len);
	out->type = de.type;
	*name_off = le64_to_cpu(de.name_off);
	if (!out->ino || out->ino > img->inode_count || !ft_valid(out->type) ||
	    !out->name_len || out->name_len > DAXFS_NAME_MAX)
		return -EUCLEAN;
	return 0;
}

int daxfs_dir_entry(const struct daxfs_image *img,
		    const struct daxfs_inode_info *dir, u64 index,
		    struct daxfs_dirent_info *out)
{
	u64 name_off;
	int ret = dir_check(img, dir);

	if (ret)
		return ret;
	if (index >= dir->count)
		return -ENOENT;
	ret = read_dirent(img, dir->data + index, out, &name_off);
	if (ret)
		return ret;
	ret = daxfs_read_str(img, name_off, out->name_len, out->name);
	if (ret)
		return ret;
	out->name[out->name_len] = '\0';
	if (!daxfs_name_valid((const u8 *)out->name, out->name_len))
		return -EUCLEAN;
	return 0;
}

int daxfs_dir_lookup(const struct daxfs_image *img,
		     const struct daxfs_inode_info *dir,
		     const u8 *name, u32 len, struct daxfs_dirent_info *out)
{
	u64 lo = 0, hi, name_off;
	int ret = dir_check(img, dir);

	if (ret)
		return ret;
	if (!daxfs_name_valid(name, len))
		return -ENOENT;		/* no entry can have such a name */
	hi = dir->count;
	while (lo < hi) {
		u64 mid = lo + (hi - lo) / 2;
		u32 n;
		int cmp;

		ret = read_dirent(img, dir->data + mid, out, &name_off);
		if (ret)
			return ret;
		/* Enough of the name to order it against @name. */
		n = out->name_len < len ? out->name_len : len;
		ret = daxfs_read_str(img, name_off, n, out->name);
		if (ret)
			return ret;
		cmp = daxfs_name_cmp(name, len, (const u8 *)out->name,
				     out->name_len);
		if (!cmp) {
			out->name[len] = '\0';	/* == @name, a valid name */
			return 0;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -ENOENT;
}

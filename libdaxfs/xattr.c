// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Extended attributes at use: decode one of an inode's xattrs with its
 * bounds checked again, and find one by full name (binary search over
 * the inode's sorted entries).
 */
#include "daxfs_internal.h"

static int read_xattr(const struct daxfs_image *img, u64 index,
		      struct daxfs_xattr_info *out)
{
	const struct daxfs_xattr *dx = daxfs_xattr_ptr(img, index);
	u64 name_off = le64_to_cpu(READ_ONCE(dx->name_off));
	u64 value_off = le64_to_cpu(READ_ONCE(dx->value_off));

	out->name_len = READ_ONCE(dx->name_len);
	out->value_len = le32_to_cpu(READ_ONCE(dx->value_len));
	if (!out->name_len ||
	    !daxfs_range_ok(name_off, out->name_len, img->strtab_size) ||
	    out->value_len > DAXFS_XATTR_VALUE_MAX ||
	    !daxfs_range_ok(value_off, out->value_len, img->strtab_size))
		return -EUCLEAN;
	out->name = daxfs_str_ptr(img, name_off);
	out->value = daxfs_str_ptr(img, value_off);
	return 0;
}

static int xattrs_check(const struct daxfs_image *img,
			const struct daxfs_inode_info *inode)
{
	if (!daxfs_index_ok(inode->xattr_first, inode->xattr_count,
			    img->xattr_count))
		return -EUCLEAN;
	return 0;
}

int daxfs_xattr_entry(const struct daxfs_image *img,
		      const struct daxfs_inode_info *inode, u32 index,
		      struct daxfs_xattr_info *out)
{
	int ret = xattrs_check(img, inode);

	if (ret)
		return ret;
	if (index >= inode->xattr_count)
		return -ENOENT;
	return read_xattr(img, inode->xattr_first + index, out);
}

int daxfs_xattr_lookup(const struct daxfs_image *img,
		       const struct daxfs_inode_info *inode,
		       const u8 *name, u32 len, struct daxfs_xattr_info *out)
{
	u64 lo = 0, hi;
	int ret = xattrs_check(img, inode);

	if (ret)
		return ret;
	if (!len || len > DAXFS_XATTR_NAME_MAX)
		return -ENODATA;
	hi = inode->xattr_count;
	while (lo < hi) {
		u64 mid = lo + (hi - lo) / 2;
		int cmp;

		ret = read_xattr(img, inode->xattr_first + mid, out);
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
	return -ENODATA;
}

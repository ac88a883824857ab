// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Extended attributes at use: copy one of an inode's xattr entries and
 * its name out of the region and check the copy, find one by full name
 * (binary search over the inode's sorted entries), and copy a value out.
 */
#include "daxfs_internal.h"

/* Entry @index of the xattr table (checked by the caller), name not read. */
static int read_xattr(const struct daxfs_image *img, u64 index,
		      struct daxfs_xattr_info *out, u64 *name_off)
{
	struct daxfs_xattr dx;
	int ret = daxfs_read_raw_xattr(img, index, &dx);

	if (ret)
		return ret;
	*name_off = le64_to_cpu(dx.name_off);
	out->name_len = dx.name_len;
	out->value_off = le64_to_cpu(dx.value_off);
	out->value_len = le32_to_cpu(dx.value_len);
	if (!out->name_len || out->value_len > DAXFS_XATTR_VALUE_MAX ||
	    !daxfs_range_ok(out->value_off, out->value_len, img->strtab_size))
		return -EUCLEAN;
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
	u64 name_off;
	int ret = xattrs_check(img, inode);

	if (ret)
		return ret;
	if (index >= inode->xattr_count)
		return -ENOENT;
	ret = read_xattr(img, inode->xattr_first + index, out, &name_off);
	if (ret)
		return ret;
	ret = daxfs_read_str(img, name_off, out->name_len, out->name);
	if (ret)
		return ret;
	out->name[out->name_len] = '\0';
	if (!daxfs_xattr_name_valid((const u8 *)out->name, out->name_len))
		return -EUCLEAN;
	return 0;
}

int daxfs_xattr_lookup(const struct daxfs_image *img,
		       const struct daxfs_inode_info *inode,
		       const u8 *name, u32 len, struct daxfs_xattr_info *out)
{
	u64 lo = 0, hi, name_off;
	int ret = xattrs_check(img, inode);

	if (ret)
		return ret;
	if (!daxfs_xattr_name_valid(name, len))
		return -ENODATA;	/* no entry can have such a name */
	hi = inode->xattr_count;
	while (lo < hi) {
		u64 mid = lo + (hi - lo) / 2;
		u32 n;
		int cmp;

		ret = read_xattr(img, inode->xattr_first + mid, out, &name_off);
		if (ret)
			return ret;
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
	return -ENODATA;
}

int daxfs_xattr_value(const struct daxfs_image *img,
		      const struct daxfs_xattr_info *x, void *buf, u32 size)
{
	int ret;

	if (x->value_len > DAXFS_XATTR_VALUE_MAX)
		return -EUCLEAN;
	if (x->value_len > size)
		return -ERANGE;
	ret = daxfs_read_str(img, x->value_off, x->value_len, buf);
	return ret ? ret : (int)x->value_len;
}

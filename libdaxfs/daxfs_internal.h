/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Helpers private to libdaxfs: overflow-safe range arithmetic and the
 * raw pointers to table entries.  Nothing here touches region memory
 * except through the pointers it returns, which callers read with
 * READ_ONCE.
 */
#ifndef _DAXFS_INTERNAL_H
#define _DAXFS_INTERNAL_H

#include "daxfs_core.h"

#define DAXFS_NSEC_PER_SEC	1000000000U
/* Largest regular file: a loff_t, with its last page addressable. */
#define DAXFS_FILE_SIZE_MAX	((1ULL << 63) - DAXFS_BLOCK_SIZE)

/* True if [@off, @off + @len) lies inside [0, @limit), without overflow. */
static inline bool daxfs_range_ok(u64 off, u64 len, u64 limit)
{
	return off <= limit && len <= limit - off;
}

/* True if entries [@first, @first + @n) exist in a table of @count. */
static inline bool daxfs_index_ok(u64 first, u64 n, u64 count)
{
	return daxfs_range_ok(first, n, count);
}

/* @a * @b into *@res; false on overflow. */
static inline bool daxfs_mul_ok(u64 a, u64 b, u64 *res)
{
	if (a && b > ~0ULL / a)
		return false;
	*res = a * b;
	return true;
}

static inline u64 daxfs_pages(u64 bytes)
{
	return (bytes >> DAXFS_BLOCK_SHIFT) +
	       ((bytes & (DAXFS_BLOCK_SIZE - 1)) ? 1 : 0);
}

/* Pointers to entries; callers have checked the index. */
static inline const struct daxfs_inode *
daxfs_inode_ptr(const struct daxfs_image *img, u64 ino)
{
	return (const struct daxfs_inode *)(img->base + img->inode_off +
		(ino - 1) * sizeof(struct daxfs_inode));
}

static inline const struct daxfs_extent *
daxfs_extent_ptr(const struct daxfs_image *img, u64 index)
{
	return (const struct daxfs_extent *)(img->base + img->extent_off +
		index * sizeof(struct daxfs_extent));
}

/* An extent in CPU byte order, read once from the region. */
struct daxfs_ext {
	u64 pgoff;
	u64 off;
	u64 npages;
};

static inline void daxfs_read_extent(const struct daxfs_image *img,
				     u64 index, struct daxfs_ext *e)
{
	const struct daxfs_extent *de = daxfs_extent_ptr(img, index);

	e->pgoff = le64_to_cpu(READ_ONCE(de->pgoff));
	e->off = le64_to_cpu(READ_ONCE(de->off));
	e->npages = le64_to_cpu(READ_ONCE(de->npages));
}

static inline const struct daxfs_dirent *
daxfs_dirent_ptr(const struct daxfs_image *img, u64 index)
{
	return (const struct daxfs_dirent *)(img->base + img->dirent_off +
		index * sizeof(struct daxfs_dirent));
}

static inline const struct daxfs_xattr *
daxfs_xattr_ptr(const struct daxfs_image *img, u64 index)
{
	return (const struct daxfs_xattr *)(img->base + img->xattr_off +
		index * sizeof(struct daxfs_xattr));
}

static inline const u8 *daxfs_str_ptr(const struct daxfs_image *img,
				      u64 off)
{
	return img->base + img->strtab_off + off;
}

/*
 * image.c: format one problem line and pass it to @report.  @fmt is
 * plain text where "%u" takes the next value of @args in decimal and
 * "%x" in hex (0x...); nothing else is special.
 */
#define DAXFS_MSG_MAX	224
void daxfs_say(daxfs_report_fn report, void *ctx, const char *fmt,
	       const u64 *args);
#define DAXFS_SAY(report, ctx, fmt, ...) \
	daxfs_say((report), (ctx), (fmt), (const u64[]){ 0, ##__VA_ARGS__ } + 1)

/* inode.c: decode inode @ino without the per-type checks. */
int daxfs_inode_decode(const struct daxfs_image *img, u64 ino,
		       struct daxfs_inode_info *out);
/* inode.c: the per-type bounds checks daxfs_inode_read applies. */
int daxfs_inode_check(const struct daxfs_image *img,
		      const struct daxfs_inode_info *in);

#endif /* _DAXFS_INTERNAL_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Helpers private to libdaxfs: overflow-safe range arithmetic and the
 * readers that copy one table entry or string out of the region.  Each
 * reader takes an index or offset its caller has already checked
 * against the geometry; what it copies is then checked by the caller.
 */
#ifndef _DAXFS_INTERNAL_H
#define _DAXFS_INTERNAL_H

#include "daxfs_core.h"

#define DAXFS_NSEC_PER_SEC	1000000000U
/* Steps of a region-bounded loop between two daxfs_yield() calls. */
#define DAXFS_YIELD_EVERY	4096U

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

/* Are the @n bytes at @p all zero? */
static inline bool daxfs_all_zero(const void *p, size_t n)
{
	const u8 *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

static inline u64 daxfs_pages(u64 bytes)
{
	return (bytes >> DAXFS_BLOCK_SHIFT) +
	       ((bytes & (DAXFS_BLOCK_SIZE - 1)) ? 1 : 0);
}

/* Every step of a long loop: 0, or -EINTR to stop. */
static inline int daxfs_step(u64 i)
{
	if ((i & (DAXFS_YIELD_EVERY - 1)) != DAXFS_YIELD_EVERY - 1)
		return 0;
	return daxfs_yield();
}

/* Copy table entry @index (checked by the caller) of a table at @off. */
static inline int daxfs_read_entry(const struct daxfs_image *img, u64 off,
				   u64 index, void *dst, u32 esize)
{
	return daxfs_copy_region(dst, img->base + off + index * esize, esize);
}

static inline int daxfs_read_raw_inode(const struct daxfs_image *img,
				       u64 ino, struct daxfs_inode *raw)
{
	return daxfs_read_entry(img, img->inode_off, ino - 1, raw,
				sizeof(*raw));
}

/* An extent in CPU byte order, copied once from the region. */
struct daxfs_ext {
	u64 pgoff;
	u64 off;
	u64 npages;
};

static inline int daxfs_read_extent(const struct daxfs_image *img,
				    u64 index, struct daxfs_ext *e)
{
	struct daxfs_extent de;
	int ret = daxfs_read_entry(img, img->extent_off, index, &de,
				   sizeof(de));

	e->pgoff = le64_to_cpu(de.pgoff);
	e->off = le64_to_cpu(de.off);
	e->npages = le64_to_cpu(de.npages);
	return ret;
}

static inline int daxfs_read_raw_dirent(const struct daxfs_image *img,
					u64 index, struct daxfs_dirent *raw)
{
	return daxfs_read_entry(img, img->dirent_off, index, raw,
				sizeof(*raw));
}

static inline int daxfs_read_raw_xattr(const struct daxfs_image *img,
				       u64 index, struct daxfs_xattr *raw)
{
	return daxfs_read_entry(img, img->xattr_off, index, raw,
				sizeof(*raw));
}

/*
 * Copy @len string table bytes at @off to @dst: -EUCLEAN when they are
 * not inside the string table.
 */
static inline int daxfs_read_str(const struct daxfs_image *img, u64 off,
				 u32 len, void *dst)
{
	if (!daxfs_range_ok(off, len, img->strtab_size))
		return -EUCLEAN;
	return daxfs_copy_region(dst, img->base + img->strtab_off + off, len);
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

/* inode.c: decode a copied inode table entry. */
void daxfs_inode_from_raw(u64 ino, const struct daxfs_inode *raw,
			  struct daxfs_inode_info *out);
/* inode.c: decode inode @ino without the per-type checks. */
int daxfs_inode_decode(const struct daxfs_image *img, u64 ino,
		       struct daxfs_inode_info *out);
/* inode.c: the per-type bounds checks daxfs_inode_read applies. */
int daxfs_inode_check(const struct daxfs_image *img,
		      const struct daxfs_inode_info *in);
/* inode.c: an extent lies inside a file of @file_pages and the data area. */
bool daxfs_extent_ok(const struct daxfs_image *img, const struct daxfs_ext *e,
		     u64 file_pages);

/* ---- the nodes of a layer (layer.c builds them, view.c reads them) ---- */

/* A run of file pages in one layer: delta pages, or a punched hole. */
struct daxfs_lext {
	struct daxfs_tnode node;	/* by pgoff */
	u64 pgoff;
	u64 npages;
	u64 pgno;			/* DAXFS_NO_PAGE: a hole */
};

/* A name in a directory of one layer: an entry, or a whiteout. */
struct daxfs_lname {
	struct daxfs_tnode by_name;
	struct daxfs_tnode by_cookie;	/* entries only */
	u64 child;			/* 0: a whiteout */
	u64 cookie;
	u8 type;
	u16 len;
	u8 name[];			/* @len bytes, no NUL */
};

/* An xattr of one layer: a value, or a deletion. */
struct daxfs_lxattr {
	struct daxfs_tnode node;	/* by name */
	u32 value_len;
	bool deleted;
	u8 name_len;
	u8 bytes[];			/* name, then value */
};

#define DAXFS_LN_ATTR	(1U << 0)	/* @attr holds its attributes */
#define DAXFS_LN_NEW	(1U << 1)	/* made here: nothing below */
#define DAXFS_LN_FREED	(1U << 2)	/* gone: hides everything below */

/* What one layer knows of one inode. */
struct daxfs_lnode {
	struct daxfs_tnode node;	/* in layer->inodes, by number */
	u64 ino;
	u32 flags;			/* DAXFS_LN_* */
	u32 target_len;
	char *target;			/* a symlink made here */
	struct daxfs_attr attr;
	u64 trunc;			/* pages >= this hidden below */
	struct daxfs_tree exts;		/* struct daxfs_lext */
	u64 owned;			/* delta pages in @exts */
	struct daxfs_tree xattrs;	/* struct daxfs_lxattr */
	struct daxfs_tree names;	/* struct daxfs_lname, by name */
	struct daxfs_tree cookies;	/* entries, by cookie */
	u64 next_cookie;		/* above every cookie here; 0: none */
};

/* Inode numbers and readdir cookies a layer accepts. */
#define DAXFS_INO_MAX		(1ULL << 48)
#define DAXFS_COOKIE_MAX	(1ULL << 62)
/* Largest file page + 1 a layer accepts (files stay below 2^63 bytes). */
#define DAXFS_FILE_PAGES_MAX	(DAXFS_FILE_SIZE_MAX >> DAXFS_BLOCK_SHIFT)

/* layer.c: the lnode of @ino in @l, or NULL. */
struct daxfs_lnode *daxfs_lnode_find(const struct daxfs_layer *l, u64 ino);
/* layer.c: tree comparators, for view.c */
int daxfs_lext_cmp(const void *key, const struct daxfs_tnode *n);
int daxfs_lname_cmp(const void *key, const struct daxfs_tnode *n);
int daxfs_lcookie_cmp(const void *key, const struct daxfs_tnode *n);
int daxfs_lxattr_cmp(const void *key, const struct daxfs_tnode *n);
/* A name key for the name comparators. */
struct daxfs_name_key {
	const u8 *name;
	u32 len;
};

/*
 * view.c: the queries of daxfs_core.h restricted to the base and layers
 * [0, @top) of @v: what layer @top's records are applied to.
 */
int daxfs_view_inode_at(const struct daxfs_view *v, u32 top, u64 ino,
			struct daxfs_vinode *out);
int daxfs_view_lookup_at(const struct daxfs_view *v, u32 top,
			 const struct daxfs_vinode *dir, const u8 *name,
			 u32 len, struct daxfs_dirent_info *out);
u64 daxfs_view_next_cookie_at(const struct daxfs_view *v, u32 top,
			      const struct daxfs_vinode *dir);
int daxfs_view_xattr_at(const struct daxfs_view *v, u32 top,
			const struct daxfs_vinode *inode, const u8 *name,
			u32 len, void *buf, u32 size);

/* txn.c: an INODE record's fixed part. */
void daxfs_rec_inode_fill(struct daxfs_rec_inode *r, const struct daxfs_attr *a,
			  u32 flags, u32 target_len);

#endif /* _DAXFS_INTERNAL_H */

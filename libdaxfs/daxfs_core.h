/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * libdaxfs: the portable core shared verbatim by daxfs.ko and the tools.
 *
 * Every function that reads the region bounds-checks each offset, length
 * and count it uses against the geometry cached in struct daxfs_image,
 * because the region is shared memory that another kernel may change at
 * any time.  Values are read once and decoded into CPU-endian structures
 * (the *_info types) so that a check and the use that follows it see the
 * same value.  A bad value yields -EUCLEAN, never an out-of-bounds access.
 */
#ifndef _DAXFS_CORE_H
#define _DAXFS_CORE_H

#include "daxfs_compat.h"
#include "daxfs_format.h"

/* Geometry of a mapped image, decoded from a checked superblock. */
struct daxfs_image {
	const u8 *base;			/* first byte of the region */
	u64 size;			/* bytes mapped at @base */
	u64 total_size;
	u64 feat_compat;
	u64 feat_ro_compat;
	u64 feat_incompat;
	u64 branch_off;
	u32 branch_count;
	u32 root_ino;
	u64 inode_off;
	u64 inode_count;
	u64 extent_off;
	u64 extent_count;
	u64 dirent_off;
	u64 dirent_count;
	u64 xattr_off;
	u64 xattr_count;
	u64 strtab_off;
	u64 strtab_size;
	u64 meta_size;
	u64 data_off;
	u64 data_size;
	u64 delta_off;
	u64 delta_size;
};

/* A base inode, decoded. */
struct daxfs_inode_info {
	u64 ino;
	u32 mode;
	u32 nlink;
	u32 uid;
	u32 gid;
	u64 size;
	u64 data;
	u32 count;
	u32 parent;
	s64 atime_sec;
	s64 mtime_sec;
	s64 ctime_sec;
	u32 atime_nsec;
	u32 mtime_nsec;
	u32 ctime_nsec;
	u32 rdev_major;
	u32 rdev_minor;
	u64 xattr_first;
	u32 xattr_count;
};

/* A directory entry; @name points into the region (not NUL-terminated). */
struct daxfs_dirent_info {
	u64 ino;
	const u8 *name;
	u32 name_len;
	u8 type;			/* DAXFS_FT_* */
};

/* An extended attribute; @name and @value point into the region. */
struct daxfs_xattr_info {
	const u8 *name;
	u32 name_len;
	const u8 *value;
	u32 value_len;
};

/* Problem reporter: called once per problem with a one-line message. */
typedef void (*daxfs_report_fn)(void *ctx, const char *msg);

/* ---- crc.c ---- */
/* Standard CRC32C (init ~0, final xor ~0) of @len bytes. */
u32 daxfs_crc32c(const void *buf, size_t len);
/* CRC of the superblock block (DAXFS_SUPER_SIZE bytes), @crc as zero. */
u32 daxfs_super_crc(const void *super_block);
/* CRC of a branch slot: @parent (4 bytes, LE) then @name (32 bytes). */
u32 daxfs_branch_crc(const struct daxfs_branch *b);

/* ---- names.c ---- */
int daxfs_name_cmp(const u8 *a, u32 alen, const u8 *b, u32 blen);
bool daxfs_name_valid(const u8 *name, u32 len);
u8 daxfs_mode_to_ft(u32 mode);

/* ---- image.c ---- */
/*
 * Check the superblock at @base (magic, version, CRC, features, sizes,
 * that every table lies inside @size and that tables do not overlap) and
 * fill @img.  Returns 0, -EINVAL (not a DAXFS image or unsupported
 * version/features) or -EUCLEAN (damaged); @report gets one line saying
 * why.  Cheap: touches only the superblock.
 */
int daxfs_image_open(struct daxfs_image *img, const void *base, u64 size,
		     daxfs_report_fn report, void *ctx);

/* ---- validate.c ---- */
#define DAXFS_VALIDATE_DATA_CRC	(1U << 0)	/* also check data_crc */
#define DAXFS_VALIDATE_ALL	(1U << 1)	/* report every problem */
/*
 * Full check of an opened image: metadata CRC, every inode, extent,
 * dirent, xattr and string in bounds, names valid and sorted, directory
 * graph a tree rooted at root_ino, link counts, branch table and delta
 * header.  Stops at the first problem unless DAXFS_VALIDATE_ALL.
 * Returns 0 or -EUCLEAN (-ENOMEM if scratch memory cannot be had).
 */
int daxfs_validate(const struct daxfs_image *img, unsigned int flags,
		   daxfs_report_fn report, void *ctx);

/* ---- inode.c ---- */
int daxfs_inode_read(const struct daxfs_image *img, u64 ino,
		     struct daxfs_inode_info *out);
/*
 * Map file page @pgoff of a regular inode.  Returns 0 with *@off the
 * region offset and *@npages the contiguous pages from @pgoff, 1 for a
 * hole with *@npages the hole pages from @pgoff (up to the next extent or
 * end of file), or -EUCLEAN.
 */
int daxfs_file_map(const struct daxfs_image *img,
		   const struct daxfs_inode_info *inode, u64 pgoff,
		   u64 *off, u64 *npages);
int daxfs_symlink_target(const struct daxfs_image *img,
			 const struct daxfs_inode_info *inode,
			 const u8 **target, u32 *len);

/* ---- dir.c ---- */
/* Binary search for @name in directory @dir.  -ENOENT if absent. */
int daxfs_dir_lookup(const struct daxfs_image *img,
		     const struct daxfs_inode_info *dir,
		     const u8 *name, u32 len, struct daxfs_dirent_info *out);
/* Entry @index (0-based) of @dir; -ENOENT past the end. */
int daxfs_dir_entry(const struct daxfs_image *img,
		    const struct daxfs_inode_info *dir, u64 index,
		    struct daxfs_dirent_info *out);

/* ---- xattr.c ---- */
int daxfs_xattr_entry(const struct daxfs_image *img,
		      const struct daxfs_inode_info *inode, u32 index,
		      struct daxfs_xattr_info *out);
int daxfs_xattr_lookup(const struct daxfs_image *img,
		       const struct daxfs_inode_info *inode,
		       const u8 *name, u32 len, struct daxfs_xattr_info *out);

/* ---- record.c ---- */
/* A decoded log record; @payload points into the record. */
struct daxfs_rec_view {
	u16 type;
	u32 len;
	u64 seq;
	u64 ino;
	const u8 *payload;
	u32 payload_len;
};

/*
 * Encode a record of @type into @buf (capacity @cap): header, then
 * @fixed (@fixed_len bytes, the type's struct), then @tail (names,
 * values), zero padding to DAXFS_REC_ALIGN, CRC last.  Returns the record
 * length or -ENOSPC / -EINVAL.
 */
int daxfs_rec_encode(void *buf, u32 cap, u16 type, u64 seq, u64 ino,
		     const void *fixed, u32 fixed_len,
		     const void *tail, u32 tail_len);
/*
 * Decode and verify the record at @buf with @avail readable bytes: magic,
 * length, alignment, CRC, known type, and that the type's fixed part and
 * the names/values it announces fit in the record.  0 or -EUCLEAN.
 */
int daxfs_rec_decode(const void *buf, u64 avail, struct daxfs_rec_view *out);

#endif /* _DAXFS_CORE_H */

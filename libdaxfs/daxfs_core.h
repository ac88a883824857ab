/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * libdaxfs: the portable core shared verbatim by daxfs.ko and the tools.
 *
 * The region is shared memory that another kernel may change at any
 * time, so the core never hands out a pointer into it.  Every structure
 * it reads (superblock, inode, extent, dirent, xattr entry, name, link
 * target, xattr value) is first copied out of the region with
 * daxfs_copy_region(), then checked, then used: a check and the use that
 * follows it always see the same bytes, and a machine check on
 * persistent memory becomes -EIO instead of a panic.  Every offset,
 * length and count is bounds-checked against the geometry cached in
 * struct daxfs_image, which itself was decoded from one copy of the
 * superblock.  A bad value yields -EUCLEAN, never an out-of-bounds
 * access, and no loop runs longer than a count the geometry bounds
 * (long ones call daxfs_yield()).
 */
#ifndef _DAXFS_CORE_H
#define _DAXFS_CORE_H

#include "daxfs_compat.h"
#include "daxfs_format.h"

/* Geometry of a mapped image, decoded from one copy of its superblock. */
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
	u32 meta_crc;
	u32 data_crc;
	u64 data_off;
	u64 data_size;
	u64 delta_off;
	u64 delta_size;
	s64 build_time;
	u8 uuid[16];
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
	u64 blocks;			/* pages mapped (regular files) */
};

/* A directory entry with its name copied out of the region. */
struct daxfs_dirent_info {
	u64 ino;
	u32 name_len;
	u8 type;			/* DAXFS_FT_* */
	char name[DAXFS_NAME_MAX + 1];	/* NUL-terminated */
};

/*
 * An extended attribute: its name copied out of the region, its value
 * located (read it with daxfs_xattr_value()).
 */
struct daxfs_xattr_info {
	u32 name_len;
	u32 value_len;
	u64 value_off;			/* string table offset, checked */
	char name[DAXFS_XATTR_NAME_MAX + 1];	/* NUL-terminated */
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
/* An xattr name: 1..255 bytes, no NUL, a known namespace prefix. */
bool daxfs_xattr_name_valid(const u8 *name, u32 len);

/* ---- image.c ---- */
/*
 * Copy the superblock at @base once, check the copy (magic, version,
 * CRC, features, sizes, that every table lies inside @size and that
 * tables do not overlap) and decode it into @img.  Returns 0, -EINVAL
 * (not a DAXFS image or unsupported version/features), -EUCLEAN
 * (damaged), -EIO (unreadable memory) or -ENOMEM; @report gets one line
 * saying why.  Cheap: touches only the superblock.
 */
int daxfs_image_open(struct daxfs_image *img, const void *base, u64 size,
		     daxfs_report_fn report, void *ctx);
/*
 * Copy @len bytes at region offset @off into @dst: -EUCLEAN when the
 * range is not inside the image, -EIO when the memory cannot be read.
 */
int daxfs_image_read(const struct daxfs_image *img, u64 off, void *dst,
		     u64 len);

/* ---- validate.c ---- */
#define DAXFS_VALIDATE_DATA_CRC	(1U << 0)	/* also check data_crc */
#define DAXFS_VALIDATE_ALL	(1U << 1)	/* report every problem */
/*
 * Full check of an opened image: metadata CRC, every inode, extent,
 * dirent, xattr and string in bounds, names valid and sorted, directory
 * graph a tree rooted at root_ino, link counts, branch table and delta
 * header.  Stops at the first problem unless DAXFS_VALIDATE_ALL.
 * Returns 0, -EUCLEAN, -EIO, -ENOMEM (scratch memory) or -EINTR (the
 * task is being killed; the kernel build yields as it goes).
 */
int daxfs_validate(const struct daxfs_image *img, unsigned int flags,
		   daxfs_report_fn report, void *ctx);

/* ---- inode.c ---- */
/* Decode inode @ino and check the fields its type uses. */
int daxfs_inode_read(const struct daxfs_image *img, u64 ino,
		     struct daxfs_inode_info *out);
/*
 * Map file page @pgoff of a regular inode.  Returns 0 with *@off the
 * region offset and *@npages the contiguous pages from @pgoff, 1 for a
 * hole with *@npages the hole pages from @pgoff (up to the next extent or
 * end of file), -EINVAL past the end of file, or -EUCLEAN / -EIO.
 * Binary search over the extents.
 */
int daxfs_file_map(const struct daxfs_image *img,
		   const struct daxfs_inode_info *inode, u64 pgoff,
		   u64 *off, u64 *npages);
/*
 * SEEK_DATA (@data) / SEEK_HOLE: the first page at or after @pgoff that
 * holds data, or that is a hole, in *@out.  Past the last page there is
 * always a hole (*@out is then the file's page count); -ENXIO when
 * @data and no data follows.  At most one step per extent.
 */
int daxfs_file_seek(const struct daxfs_image *img,
		    const struct daxfs_inode_info *inode, u64 pgoff,
		    bool data, u64 *out);
/*
 * Copy the target of symlink @inode into @buf of @size bytes (at least
 * DAXFS_SYMLINK_MAX + 1), NUL-terminated, and check the copy.  Returns
 * the target length or -EUCLEAN / -EIO / -ERANGE.
 */
int daxfs_symlink_read(const struct daxfs_image *img,
		       const struct daxfs_inode_info *inode, char *buf,
		       u32 size);

/* ---- dir.c ---- */
/* Binary search for @name in directory @dir.  -ENOENT if absent. */
int daxfs_dir_lookup(const struct daxfs_image *img,
		     const struct daxfs_inode_info *dir,
		     const u8 *name, u32 len, struct daxfs_dirent_info *out);
/* Entry @index (0-based) of @dir, name checked; -ENOENT past the end. */
int daxfs_dir_entry(const struct daxfs_image *img,
		    const struct daxfs_inode_info *dir, u64 index,
		    struct daxfs_dirent_info *out);

/* ---- xattr.c ---- */
/* Xattr @index of @inode, name checked; -ENOENT past the last one. */
int daxfs_xattr_entry(const struct daxfs_image *img,
		      const struct daxfs_inode_info *inode, u32 index,
		      struct daxfs_xattr_info *out);
/* Binary search by full name ("user.foo"); -ENODATA if absent. */
int daxfs_xattr_lookup(const struct daxfs_image *img,
		       const struct daxfs_inode_info *inode,
		       const u8 *name, u32 len, struct daxfs_xattr_info *out);
/*
 * Copy the value of @x into @buf of @size bytes: the value length, or
 * -ERANGE (too small a buffer), -EUCLEAN, -EIO.
 */
int daxfs_xattr_value(const struct daxfs_image *img,
		      const struct daxfs_xattr_info *x, void *buf, u32 size);

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
 * @buf must be a private copy (the record is read more than once).
 */
int daxfs_rec_decode(const void *buf, u64 avail, struct daxfs_rec_view *out);

#endif /* _DAXFS_CORE_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * DAXFS on-memory format.
 *
 * One header, used verbatim by the kernel module and by the user-space
 * tools.  Every structure here lives in the memory region itself: all
 * integers are little-endian, all structures have fixed sizes that are
 * checked at compile time, and nothing depends on the host's padding.
 * docs/format.md describes every field and the invariants the validator
 * (libdaxfs/validate.c) enforces.
 *
 * Region layout (all offsets are bytes from the start of the region):
 *
 *   +----------------+ 0
 *   | superblock     | DAXFS_SUPER_SIZE (4 KiB), struct daxfs_super + zeros
 *   +----------------+ branch_off
 *   | branch table   | branch_count * struct daxfs_branch (may be empty)
 *   +----------------+ meta_off = inode_off
 *   | inode table    | inode_count * struct daxfs_inode
 *   | extent table   | extent_count * struct daxfs_extent
 *   | dirent table   | dirent_count * struct daxfs_dirent
 *   | xattr table    | xattr_count * struct daxfs_xattr
 *   | string table   | strtab_size bytes: names, link targets, xattrs
 *   +----------------+ data_off (4 KiB aligned)
 *   | file data      | data_size bytes, every extent 4 KiB aligned
 *   +----------------+ delta_off (4 KiB aligned)
 *   | delta region   | delta_size bytes (branching images only)
 *   +----------------+ total_size
 */
#ifndef _DAXFS_FORMAT_H
#define _DAXFS_FORMAT_H

#include <linux/types.h>

/* Not DAXFS_MAGIC: <linux/magic.h> has that name for the dax pseudo fs. */
#define DAXFS_IMAGE_MAGIC	0x31534658414444ULL /* "DDAXFS1" */
#define DAXFS_VERSION		2
#define DAXFS_BLOCK_SIZE	4096U
#define DAXFS_BLOCK_SHIFT	12
#define DAXFS_SUPER_SIZE	4096U
#define DAXFS_NAME_MAX		255U
#define DAXFS_SYMLINK_MAX	4095U
#define DAXFS_XATTR_NAME_MAX	255U
#define DAXFS_XATTR_VALUE_MAX	65536U
#define DAXFS_ROOT_INO		1U
#define DAXFS_SUPER_MAGIC	0xDA4F5346U /* statfs f_type */
#define DAXFS_MAX_INODES	0x7fffffffU
#define DAXFS_ID_INVALID	0xffffffffU	/* never a valid uid/gid */

/*
 * Feature flags.  An implementation refuses an image that has an
 * incompat bit it does not know, mounts read-only an image with an
 * unknown ro_compat bit, and ignores unknown compat bits.
 */
#define DAXFS_FEAT_INCOMPAT_BRANCHES	(1ULL << 0) /* branch table + delta */
#define DAXFS_FEAT_INCOMPAT_SUPP	DAXFS_FEAT_INCOMPAT_BRANCHES
#define DAXFS_FEAT_RO_COMPAT_SUPP	0ULL
#define DAXFS_FEAT_COMPAT_SUPP		0ULL

/*
 * Superblock, at offset 0.  @crc is the CRC32C (seed ~0, final xor ~0)
 * of the DAXFS_SUPER_SIZE bytes at offset 0 with @crc taken as zero.
 * All fields are written once by mkdaxfs; nothing in the superblock
 * changes after the image is made (mutable state lives in the branch
 * table and the delta region).
 */
struct daxfs_super {
	__le64	magic;			/* DAXFS_IMAGE_MAGIC */
	__le32	version;		/* DAXFS_VERSION */
	__le32	crc;			/* see above */
	__le64	feat_compat;
	__le64	feat_ro_compat;
	__le64	feat_incompat;
	__le32	block_size;		/* DAXFS_BLOCK_SIZE */
	__le32	super_size;		/* sizeof(struct daxfs_super) */
	__le64	total_size;		/* bytes of region the image spans */
	__u8	uuid[16];		/* derived from the content */
	__le32	root_ino;		/* DAXFS_ROOT_INO */
	__le32	inode_size;		/* sizeof(struct daxfs_inode) */

	__le64	branch_off;		/* struct daxfs_branch[branch_count] */
	__le32	branch_count;		/* slots; 0 without branches */
	__le32	branch_size;		/* sizeof(struct daxfs_branch) */

	__le64	inode_off;		/* start of the metadata area */
	__le64	inode_count;
	__le64	extent_off;
	__le64	extent_count;
	__le64	dirent_off;
	__le64	dirent_count;
	__le64	xattr_off;
	__le64	xattr_count;
	__le64	strtab_off;
	__le64	strtab_size;
	__le64	meta_size;		/* inode_off .. end of strtab */
	__le32	meta_crc;		/* CRC32C of the metadata area */
	__le32	data_crc;		/* CRC32C of the data area */
	__le64	data_off;
	__le64	data_size;
	__le64	delta_off;
	__le64	delta_size;		/* 0 without branches */
	__le64	build_time;		/* newest mtime in the source tree */
	__u8	reserved[24];
};

/* Inode types are the S_IFMT bits of @mode, as in struct stat. */
#define DAXFS_S_IFMT	0170000
#define DAXFS_S_IFSOCK	0140000
#define DAXFS_S_IFLNK	0120000
#define DAXFS_S_IFREG	0100000
#define DAXFS_S_IFBLK	0060000
#define DAXFS_S_IFDIR	0040000
#define DAXFS_S_IFCHR	0020000
#define DAXFS_S_IFIFO	0010000

/*
 * Base inode; inode number N is entry N - 1 of the inode table.
 *
 * @size   regular: file size in bytes; directory: number of entries;
 *         symlink: length of the target; others: 0.
 * @data   regular: index of the first extent; directory: index of the
 *         first dirent; symlink: strtab offset of the target; others: 0.
 * @count  regular: number of extents; directory: number of entries
 *         (== @size); others: 0.
 * @parent directory: inode number of the parent (root: itself);
 *         others: 0.
 * @blocks regular: pages its extents map (st_blocks / 8); others: 0.
 */
struct daxfs_inode {
	__le32	mode;
	__le32	nlink;
	__le32	uid;
	__le32	gid;
	__le64	size;
	__le64	data;
	__le32	count;
	__le32	flags;			/* none defined; must be 0 */
	__le64	atime_sec;		/* signed */
	__le64	mtime_sec;		/* signed */
	__le64	ctime_sec;		/* signed */
	__le32	atime_nsec;
	__le32	mtime_nsec;
	__le32	ctime_nsec;
	__le32	xattr_count;
	__le64	xattr_first;		/* index into the xattr table */
	__le32	rdev_major;
	__le32	rdev_minor;
	__le32	parent;
	__le32	pad;			/* must be 0 */
	__le64	blocks;
	__u8	reserved[16];
};

/*
 * A run of file pages stored in the data area.  File page @pgoff maps to
 * region offset @off; @npages pages follow contiguously.  A regular
 * file's extents are sorted by @pgoff, do not overlap and lie within the
 * file size; pages not covered are holes and read as zeros.  Bytes past
 * EOF in the last page are zero.
 */
struct daxfs_extent {
	__le64	pgoff;
	__le64	off;			/* 4 KiB aligned, inside data area */
	__le64	npages;
};

/* Directory entry types, equal to the DT_* values of readdir. */
#define DAXFS_FT_UNKNOWN	0
#define DAXFS_FT_FIFO		1
#define DAXFS_FT_CHR		2
#define DAXFS_FT_DIR		4
#define DAXFS_FT_BLK		6
#define DAXFS_FT_REG		8
#define DAXFS_FT_LNK		10
#define DAXFS_FT_SOCK		12

/*
 * A directory's entries are @count consecutive dirents sorted by name
 * (bytewise memcmp, a prefix sorting first), without duplicates, so that
 * lookup is a binary search.  Names are 1..DAXFS_NAME_MAX bytes, without
 * '/' or NUL, and never "." or "..".  @type matches the target's mode.
 */
struct daxfs_dirent {
	__le32	ino;
	__le16	name_len;
	__u8	type;
	__u8	pad;
	__le64	name_off;		/* strtab offset */
};

/*
 * Extended attribute.  An inode's xattrs are @xattr_count consecutive
 * entries sorted by full name ("user.foo"), without duplicates.
 */
struct daxfs_xattr {
	__le64	name_off;		/* strtab offset */
	__le64	value_off;		/* strtab offset */
	__le32	value_len;		/* <= DAXFS_XATTR_VALUE_MAX */
	__u8	name_len;		/* 1..DAXFS_XATTR_NAME_MAX */
	__u8	pad[3];
};

/*
 * POSIX ACLs are the xattrs "system.posix_acl_access" and
 * "system.posix_acl_default", whose values use the Linux xattr encoding:
 * a header, then entries (tag, permission bits, and for named users and
 * groups the id).
 */
#define DAXFS_ACL_VERSION	2
#define DAXFS_ACL_USER_OBJ	0x01
#define DAXFS_ACL_USER		0x02
#define DAXFS_ACL_GROUP_OBJ	0x04
#define DAXFS_ACL_GROUP		0x08
#define DAXFS_ACL_MASK		0x10
#define DAXFS_ACL_OTHER		0x20

struct daxfs_acl_header {
	__le32	version;		/* DAXFS_ACL_VERSION */
};

struct daxfs_acl_entry {
	__le16	tag;			/* DAXFS_ACL_* */
	__le16	perm;			/* rwx bits, 0..7 */
	__le32	id;			/* uid or gid; unused otherwise */
};

/*
 * Branch table.  Slot 0 is always "main".  A slot's mutable fields are
 * only ever changed with compare-and-swap or by the branch's single
 * writer (the holder of @owner), so several kernels can share a region.
 */
#define DAXFS_BRANCH_NAME_MAX	31
#define DAXFS_BRANCH_MIN_SLOTS	256
#define DAXFS_BRANCH_NONE	0xffffffffU

enum daxfs_branch_state {
	DAXFS_BRANCH_FREE	= 0,	/* slot unused */
	DAXFS_BRANCH_LIVE	= 1,
	DAXFS_BRANCH_DISCARDED	= 2,	/* aborted or lost a commit */
	DAXFS_BRANCH_MERGED	= 3,	/* its changes now belong to parent */
};

struct daxfs_branch {
	__le64	owner;			/* writer token, 0 = none (CAS) */
	__le64	generation;		/* bumped each time the slot is reused */
	__le32	state;			/* enum daxfs_branch_state */
	__le32	parent;			/* slot index; DAXFS_BRANCH_NONE: main */
	__le32	nchildren;		/* live children; >0 means frozen */
	__le32	crc;			/* CRC32C of @parent and @name */
	char	name[DAXFS_BRANCH_NAME_MAX + 1]; /* NUL padded */
	__le64	log_head;		/* delta offset of first log chunk */
	__le64	log_tail;		/* delta offset just past last record */
	__le64	log_seq;		/* sequence number of the next record */
	__le64	used_bytes;		/* delta bytes this branch holds */
	__le64	next_ino;		/* next free inode number */
	__le64	create_time;		/* seconds since the epoch */
	__u8	reserved[16];
};

/*
 * Delta region header, at delta_off.  The region after it is divided
 * into DAXFS_BLOCK_SIZE pages; @bitmap_off locates one bit per page
 * (1 = in use), set and cleared with compare-and-swap on 64-bit words.
 * Pages hold log chunks and file data written in branches.
 */
#define DAXFS_DELTA_MAGIC	0x41544c4544534658ULL /* "XFSDELTA" */

struct daxfs_delta_super {
	__le64	magic;
	__le64	size;			/* == super.delta_size */
	__le64	page_count;		/* pages managed by the bitmap */
	__le64	bitmap_off;		/* from delta_off */
	__le64	first_page;		/* from delta_off, first data page */
	__le64	free_pages;		/* hint, maintained with atomics */
	__le32	crc;			/* CRC32C of the fields above */
	__le32	pad;
	__u8	reserved[72];
};

/*
 * Log chunk: the first bytes of a delta page holding log records.  A
 * branch's log is a chain of chunks linked by @next.
 */
#define DAXFS_CHUNK_MAGIC	0x4b4e484353465844ULL /* "DXFSCHNK" */
#define DAXFS_CHUNK_SIZE	(64U * 1024)

struct daxfs_log_chunk {
	__le64	magic;
	__le64	next;			/* delta offset of next chunk, 0 = end */
	__le32	branch;			/* owning slot */
	__le32	crc;			/* CRC32C of this header */
	__le64	generation;		/* owning slot's generation */
};

/*
 * Log record.  A record is published only after its bytes (and the data
 * pages it references) are durable: the writer stores the record, flushes
 * it, then advances the branch's @log_tail past it.  @crc is the CRC32C
 * of the whole record with @crc taken as zero; @len includes the header
 * and is a multiple of 8.  A reader stops at the first record that does
 * not verify; anything after the published tail is ignored.
 */
#define DAXFS_REC_MAGIC		0x44524543U /* "CERD" */
#define DAXFS_REC_ALIGN		8U
#define DAXFS_REC_MAX		(DAXFS_CHUNK_SIZE - sizeof(struct daxfs_log_chunk))

enum daxfs_rec_type {
	DAXFS_REC_INODE		= 1,	/* struct daxfs_rec_inode */
	DAXFS_REC_DENTRY_ADD	= 2,	/* struct daxfs_rec_dentry + name */
	DAXFS_REC_DENTRY_DEL	= 3,	/* struct daxfs_rec_dentry + name */
	DAXFS_REC_WRITE		= 4,	/* struct daxfs_rec_write */
	DAXFS_REC_TRUNCATE	= 5,	/* struct daxfs_rec_truncate */
	DAXFS_REC_XATTR_SET	= 6,	/* struct daxfs_rec_xattr + name+value */
	DAXFS_REC_XATTR_DEL	= 7,	/* struct daxfs_rec_xattr + name */
	DAXFS_REC_RENAME	= 8,	/* struct daxfs_rec_rename + names */
	DAXFS_REC_TYPE_MAX	= 8,
};

struct daxfs_rec_header {
	__le32	magic;
	__le16	type;			/* enum daxfs_rec_type */
	__le16	flags;			/* none defined; must be 0 */
	__le32	len;
	__le32	crc;
	__le64	seq;
	__le64	ino;			/* inode the record changes */
};

/* Full attributes of a new or changed inode (symlink target follows). */
struct daxfs_rec_inode {
	__le32	mode;
	__le32	nlink;
	__le32	uid;
	__le32	gid;
	__le64	size;
	__le64	atime_sec;
	__le64	mtime_sec;
	__le64	ctime_sec;
	__le32	atime_nsec;
	__le32	mtime_nsec;
	__le32	ctime_nsec;
	__le32	rdev_major;
	__le32	rdev_minor;
	__le32	target_len;		/* symlink target bytes that follow */
};

struct daxfs_rec_dentry {
	__le64	child;			/* inode named */
	__le16	name_len;
	__u8	type;			/* DAXFS_FT_* */
	__u8	pad[5];
};

/* File pages [pgoff, pgoff + npages) now live at delta offset @off. */
struct daxfs_rec_write {
	__le64	pgoff;
	__le64	npages;
	__le64	off;
	__le64	size;			/* file size after the write */
};

struct daxfs_rec_truncate {
	__le64	size;
};

struct daxfs_rec_xattr {
	__le32	value_len;
	__u8	name_len;
	__u8	pad[3];
};

/* Rename in one record: header @ino is the source directory. */
struct daxfs_rec_rename {
	__le64	new_dir;
	__le64	child;			/* inode moved */
	__le64	victim;			/* inode replaced, 0 = none */
	__le32	flags;			/* RENAME_* */
	__le16	old_len;
	__le16	new_len;		/* old name then new name follow */
};

#define DAXFS_SIZE_CHECK(type, size) \
	_Static_assert(sizeof(type) == (size), "size of " #type)

DAXFS_SIZE_CHECK(struct daxfs_super, 256);
DAXFS_SIZE_CHECK(struct daxfs_inode, 128);
DAXFS_SIZE_CHECK(struct daxfs_extent, 24);
DAXFS_SIZE_CHECK(struct daxfs_dirent, 16);
DAXFS_SIZE_CHECK(struct daxfs_xattr, 24);
DAXFS_SIZE_CHECK(struct daxfs_acl_header, 4);
DAXFS_SIZE_CHECK(struct daxfs_acl_entry, 8);
DAXFS_SIZE_CHECK(struct daxfs_branch, 128);
DAXFS_SIZE_CHECK(struct daxfs_delta_super, 128);
DAXFS_SIZE_CHECK(struct daxfs_log_chunk, 32);
DAXFS_SIZE_CHECK(struct daxfs_rec_header, 32);
DAXFS_SIZE_CHECK(struct daxfs_rec_inode, 72);
DAXFS_SIZE_CHECK(struct daxfs_rec_dentry, 16);
DAXFS_SIZE_CHECK(struct daxfs_rec_write, 32);
DAXFS_SIZE_CHECK(struct daxfs_rec_truncate, 8);
DAXFS_SIZE_CHECK(struct daxfs_rec_xattr, 8);
DAXFS_SIZE_CHECK(struct daxfs_rec_rename, 32);

#endif /* _DAXFS_FORMAT_H */

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
 *   | delta region   | delta_size bytes (branching images only): header
 *   |                | and shared counters, page bitmap, group counts,
 *   |                | then pages (log chunks and file data)
 *   +----------------+ total_size
 */
#ifndef _DAXFS_FORMAT_H
#define _DAXFS_FORMAT_H

#include <linux/types.h>

/* Not DAXFS_MAGIC: <linux/magic.h> has that name for the dax pseudo fs. */
#define DAXFS_IMAGE_MAGIC	0x31534658414444ULL /* "DDAXFS1" */
#define DAXFS_VERSION		7
#define DAXFS_BLOCK_SIZE	4096U
#define DAXFS_BLOCK_SHIFT	12
/* Largest regular file: a loff_t, with its last page addressable. */
#define DAXFS_FILE_SIZE_MAX	((1ULL << 63) - DAXFS_BLOCK_SIZE)
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
/*
 * Branch table + delta region with logs: a reader must replay main's log
 * (and its branch's) to see the files as they are.
 */
#define DAXFS_FEAT_INCOMPAT_BRANCHES	(1ULL << 0)
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
 * ---- Mutable state: branch table and delta region ----
 *
 * Everything below may change while the image is in use, possibly by
 * several kernels at once.  The rules:
 *  - Words several writers may change (branch owner, bitmap words, the
 *    mount table, the shared counters) change only by compare-and-swap or
 *    atomic add on an aligned 64-bit little-endian word.
 *  - Words only a branch's writer changes (log_tail, log_head) are
 *    aligned 64-bit words written with one store, after everything they
 *    publish is durable (store-release; readers load-acquire).
 *  - Nothing that changes sits under a CRC: each CRC covers fields that
 *    are written once, before they are published.
 *  - Every value read from here is a hint until checked: readers bound
 *    every offset, count and length before use.
 */

/*
 * Branch table.  Slot 0 is always "main"; main's chain starts at slot 0
 * until main is folded (docs/branch-protocol.md), then at the fold's
 * slot: a slot without a parent, named "main" too, that slot 0's @merged
 * leads to.  A slot's mutable fields are
 * only ever changed with compare-and-swap or by the branch's single
 * writer (the holder of @owner), so several kernels can share a region.
 */
#define DAXFS_BRANCH_NAME_MAX	31
#define DAXFS_BRANCH_MIN_SLOTS	256
#define DAXFS_BRANCH_NONE	0xffffffffU

enum daxfs_branch_state {
	DAXFS_BRANCH_FREE	= 0,	/* slot unused */
	DAXFS_BRANCH_LIVE	= 1,
	DAXFS_BRANCH_DISCARDED	= 2,	/* aborted */
	DAXFS_BRANCH_CREATING	= 3,	/* being made by @owner */
};

/*
 * @merged: 0, or the slot a commit made this slot's name lead to, in its
 * low 32 bits, and that slot's generation (low 32 bits) in the high ones.
 * Slot 0 is never a merge target, so 0 means none.  Set once (CAS from
 * 0), except slot 0's: a fold moves it to the fold's slot (CAS).
 */
#define DAXFS_MERGED(slot, gen)	((__u64)(__u32)(slot) | ((__u64)(gen) << 32))
#define DAXFS_MERGED_SLOT(m)	((__u32)(m))
#define DAXFS_MERGED_GEN(m)	((__u32)((m) >> 32))

/*
 * @crc covers the fields written once when the slot is (re)used: @name,
 * @parent, @log_id, @parent_gen, @fork_lsn, @create_time, and for a
 * fold's slot @fold_of, @fold_lsn and @fold_end (see
 * daxfs_branch_crc()).  @owner, @state, @log_head, @log_tail, @merged,
 * @dead_epoch and @data_pages change afterwards and are not covered.
 * @data_pages is a hint for listings only (daxfs-branch list): the file
 * pages the slot's layer holds, stored by the writer before each tail
 * (saturating at 0xffffffff); nothing depends on it being right.  @state and @parent
 * form one 64-bit word (changed by compare-and-swap together).
 */
struct daxfs_branch {
	__le64	owner;			/* id of the writable mount, 0 = none (CAS) */
	__le64	generation;		/* bumped each time the slot is reused */
	__le32	state;			/* enum daxfs_branch_state */
	__le32	parent;			/* slot index; DAXFS_BRANCH_NONE: a root */
	__le32	crc;			/* see above */
	__le32	data_pages;		/* hint: file pages its layer holds */
	char	name[DAXFS_BRANCH_NAME_MAX + 1]; /* NUL padded */
	__le64	log_id;			/* nonzero; every chunk of the log has it */
	__le64	log_head;		/* delta page of the log's first chunk */
	__le64	log_tail;		/* LSN just past the last transaction */
	__le64	parent_gen;		/* the parent slot's generation at fork */
	__le64	fork_lsn;		/* the parent's log_tail at fork */
	__le64	create_time;		/* seconds since the epoch */
	__le64	merged;			/* DAXFS_MERGED() of a commit into it (CAS) */
	__le64	dead_epoch;		/* shared epoch when it was discarded */
	/* a fold's slot (else 0): what its log's first checkpoint restates */
	__le64	fold_of;		/* DAXFS_MERGED() of the top it folded */
	__le64	fold_lsn;		/* where that top's log ended */
	__le64	fold_end;		/* LSN just past the checkpoint */
};

/*
 * Delta region, at delta_off:
 *
 *   page 0          struct daxfs_delta_super, then struct daxfs_shared
 *   bitmap_off      one bit per delta page (1 = in use), 64-bit words
 *   groups_off      __le64 free-page count per allocation group (hints)
 *   first_page      delta page 0; pages run to delta_off + delta_size
 *
 * A "delta page number" (pgno) counts 4 KiB pages from first_page: page
 * p lives at region offset delta_off + first_page + p * 4096.  Pages hold
 * log chunks and file data written in branches.  An allocation group is
 * @group_pages consecutive pages (the bits of one bitmap page).
 */
#define DAXFS_DELTA_MAGIC	0x41544c4544534658ULL /* "XFSDELTA" */
#define DAXFS_GROUP_PAGES	32768U	/* 4096 bytes of bitmap */
#define DAXFS_MOUNT_SLOTS	64U
#define DAXFS_NO_PAGE		0xffffffffffffffffULL

/* Written once by mkdaxfs; @crc covers every field before it. */
struct daxfs_delta_super {
	__le64	magic;
	__le64	size;			/* == super.delta_size */
	__le64	page_count;		/* pages managed by the bitmap */
	__le64	bitmap_off;		/* from delta_off */
	__le64	groups_off;		/* from delta_off */
	__le64	first_page;		/* from delta_off, 4 KiB aligned */
	__le32	group_pages;		/* DAXFS_GROUP_PAGES */
	__le32	group_count;		/* ceil(page_count / group_pages) */
	__le64	first_ino;		/* first inode number not in the base */
	__le32	mount_slots;		/* DAXFS_MOUNT_SLOTS */
	__le32	crc;			/* CRC32C of the fields above */
	__u8	reserved[56];
};

/*
 * One mount using the region (in this kernel or another).  A mount
 * claims a free slot by compare-and-swap of @id from 0 to a random
 * nonzero token, bumps @heartbeat every DAXFS_HEARTBEAT_MS while it
 * lives, and clears @id at unmount.  A slot whose heartbeat has not moved
 * for DAXFS_LEASE_MS belongs to a mount that died: it may be taken over
 * (compare-and-swap of @id), and the branch it owned with it.
 */
#define DAXFS_HEARTBEAT_MS	1000U
#define DAXFS_LEASE_MS		5000U

#define DAXFS_MOUNT_RW		(1U << 0)	/* writable mount of @branch */

struct daxfs_mount_slot {
	__le64	id;			/* 0 = free (CAS) */
	__le64	heartbeat;		/* bumped by its mount */
	__le64	seen_epoch;		/* the shared epoch it has caught up with */
	__le32	branch;			/* the branch slot it shows */
	__le32	flags;			/* DAXFS_MOUNT_* */
	__le64	shown_lsn;		/* @branch's log is read up to here;
					 * 0 while it is being read */
	__le32	pinned;			/* a top an old view still reads */
	__le32	reserved;
	__le64	pinned_lsn;		/* @pinned's log read up to here */
};

/*
 * Shared counters, right after struct daxfs_delta_super in page 0.  No
 * CRC: each word changes atomically.  @next_ino is the next inode number
 * to hand out (atomic add; replay raises it past every number it finds,
 * so a lost update is harmless); @epoch is bumped by every change of the
 * branch table, so that other kernels notice.
 */
struct daxfs_shared {
	__le64	next_ino;
	__le64	epoch;
	__le64	reaps;			/* bumped by every mount-slot takeover */
	__le64	reserved[5];
	struct daxfs_mount_slot mounts[DAXFS_MOUNT_SLOTS];
};

/*
 * Logs.  A branch's log is a byte stream of records in a chain of log
 * chunks, one delta page each: a header, then DAXFS_CHUNK_PAYLOAD bytes
 * of the stream.  A position in the stream is an LSN (log sequence
 * number: a byte count that only grows); a chunk's @lsn is the LSN of its
 * first payload byte, and the next chunk's @lsn is this one's plus
 * DAXFS_CHUNK_PAYLOAD.  Records may continue from one chunk into the
 * next.  @next is written (and made durable) before the tail moves into
 * the chunk it names, and is not covered by @crc; a reader follows it only
 * while the tail is still ahead, and checks that the chunk it reaches has
 * the branch's @log_id and the expected @lsn.
 */
#define DAXFS_CHUNK_MAGIC	0x4b4e484353465844ULL /* "DXFSCHNK" */
#define DAXFS_CHUNK_HDR		64U
#define DAXFS_CHUNK_PAYLOAD	(DAXFS_BLOCK_SIZE - DAXFS_CHUNK_HDR)

struct daxfs_log_chunk {
	__le64	magic;
	__le64	log_id;			/* the owning log's id */
	__le64	lsn;			/* LSN of the first payload byte */
	__le32	crc;			/* CRC32C of @magic, @log_id, @lsn */
	__le32	pad;
	__le64	next;			/* pgno of the next chunk, DAXFS_NO_PAGE */
	__u8	reserved[24];
};

/*
 * Log record.  @crc is the CRC32C of the whole record with @crc taken as
 * zero; @len includes the header and is a multiple of DAXFS_REC_ALIGN;
 * @lsn is the record's own position in the stream.  A transaction is a
 * run of records whose last one has DAXFS_REC_TXN_END: the writer makes
 * all of it (and the data pages it maps) durable, then moves the
 * branch's log_tail past it with one store.  A reader never reads past
 * the tail, so a transaction is all there or not there at all; a record
 * before the tail that does not verify is damage, never "the end".
 */
#define DAXFS_REC_MAGIC		0x44524543U /* "CERD" */
#define DAXFS_REC_ALIGN		8U
#define DAXFS_REC_TXN_END	(1U << 0)
#define DAXFS_REC_FLAGS		DAXFS_REC_TXN_END
/* header + largest fixed part + a 255-byte name + the largest value */
#define DAXFS_REC_MAX		(72U * 1024)

enum daxfs_rec_type {
	DAXFS_REC_INODE		= 1,	/* struct daxfs_rec_inode [+ target] */
	DAXFS_REC_INODE_FREE	= 2,	/* struct daxfs_rec_free */
	DAXFS_REC_DIRENT_ADD	= 3,	/* struct daxfs_rec_dirent + name */
	DAXFS_REC_DIRENT_DEL	= 4,	/* struct daxfs_rec_dirent + name */
	DAXFS_REC_MAP		= 5,	/* struct daxfs_rec_map */
	DAXFS_REC_PUNCH		= 6,	/* struct daxfs_rec_map (pgno 0) */
	DAXFS_REC_TRUNCATE	= 7,	/* struct daxfs_rec_truncate */
	DAXFS_REC_XATTR_SET	= 8,	/* struct daxfs_rec_xattr + name + value */
	DAXFS_REC_XATTR_DEL	= 9,	/* struct daxfs_rec_xattr + name */
	DAXFS_REC_CHECKPOINT	= 10,	/* struct daxfs_rec_checkpoint */
	DAXFS_REC_PAD		= 11,	/* struct daxfs_rec_pad + zeros */
	DAXFS_REC_TYPE_MAX	= 11,
};

struct daxfs_rec_header {
	__le32	magic;
	__le16	type;			/* enum daxfs_rec_type */
	__le16	flags;			/* DAXFS_REC_* flags */
	__le32	len;
	__le32	crc;
	__le64	lsn;			/* where this record starts */
	__le64	ino;			/* the inode it changes (0: none) */
};

/*
 * Every attribute of an inode changed or created in the branch (a
 * symlink's target follows when @flags has DAXFS_RI_NEW).  An inode that
 * is not in the base and not created by an earlier record is created by
 * a record with DAXFS_RI_NEW, never otherwise.
 */
#define DAXFS_RI_NEW		(1U << 0)	/* created here */

struct daxfs_rec_inode {
	__le32	mode;
	__le32	nlink;
	__le32	uid;
	__le32	gid;
	__le32	flags;			/* DAXFS_RI_* */
	__le32	target_len;		/* symlink target bytes that follow */
	__le64	size;			/* file size; for others as in the base */
	__le64	parent;			/* directory: its parent; others 0 */
	__le64	atime_sec;
	__le64	mtime_sec;
	__le64	ctime_sec;
	__le32	atime_nsec;
	__le32	mtime_nsec;
	__le32	ctime_nsec;
	__le32	rdev_major;
	__le32	rdev_minor;
	__le32	pad;
};

/* The inode is gone: no name refers to it and no one has it open. */
struct daxfs_rec_free {
	__le64	reserved;
};

/*
 * DIRENT_ADD: header @ino is the directory; @name now refers to @child
 * (replacing what it named before).  @cookie is the entry's readdir
 * position, unique in the directory and never reused.
 * DIRENT_DEL: @name no longer exists in the directory (@child, @cookie,
 * @type are 0).
 */
struct daxfs_rec_dirent {
	__le64	child;
	__le64	cookie;
	__le16	name_len;
	__u8	type;			/* DAXFS_FT_* */
	__u8	pad[5];
};

/*
 * MAP: file pages [@pgoff, @pgoff + @npages) are now delta pages
 * [@pgno, @pgno + @npages).  PUNCH: those file pages are now holes
 * (@pgno is 0).
 */
struct daxfs_rec_map {
	__le64	pgoff;
	__le64	npages;
	__le64	pgno;
};

/* File pages from @pages on are gone (hidden in every layer below). */
struct daxfs_rec_truncate {
	__le64	pages;
};

/* XATTR_SET: @name now has the @value_len bytes that follow it. */
struct daxfs_rec_xattr {
	__le32	value_len;		/* <= DAXFS_XATTR_VALUE_MAX; 0 for DEL */
	__u8	name_len;		/* 1..DAXFS_XATTR_NAME_MAX */
	__u8	pad[3];
};

/*
 * First record of a checkpoint transaction, which restates the branch's
 * whole state: what came before it in the log is superseded, and the
 * log's head moves to the chunk the checkpoint starts (always at the
 * start of a chunk's payload).
 */
struct daxfs_rec_checkpoint {
	__le64	records;		/* records in the checkpoint after it */
};

/*
 * Filler: zeros to the end of a chunk, so that the checkpoint after it
 * starts a chunk.  Means nothing.
 */
struct daxfs_rec_pad {
	__le64	reserved;
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
DAXFS_SIZE_CHECK(struct daxfs_branch, 152);
DAXFS_SIZE_CHECK(struct daxfs_delta_super, 128);
DAXFS_SIZE_CHECK(struct daxfs_mount_slot, 56);
DAXFS_SIZE_CHECK(struct daxfs_shared, 64 + 56 * DAXFS_MOUNT_SLOTS);
DAXFS_SIZE_CHECK(struct daxfs_log_chunk, DAXFS_CHUNK_HDR);
DAXFS_SIZE_CHECK(struct daxfs_rec_header, 32);
DAXFS_SIZE_CHECK(struct daxfs_rec_inode, 88);
DAXFS_SIZE_CHECK(struct daxfs_rec_free, 8);
DAXFS_SIZE_CHECK(struct daxfs_rec_dirent, 24);
DAXFS_SIZE_CHECK(struct daxfs_rec_map, 24);
DAXFS_SIZE_CHECK(struct daxfs_rec_truncate, 8);
DAXFS_SIZE_CHECK(struct daxfs_rec_xattr, 8);
DAXFS_SIZE_CHECK(struct daxfs_rec_checkpoint, 8);
DAXFS_SIZE_CHECK(struct daxfs_rec_pad, 8);

#endif /* _DAXFS_FORMAT_H */

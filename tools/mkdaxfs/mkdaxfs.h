/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * mkdaxfs internals: the in-memory tree the scanner builds, the layout
 * computed from it, the writer that emits an image into a mapping, and
 * the output targets that provide that mapping.
 *
 * Flow: scan (source tree -> nodes) -> layout (inode numbers, string
 * table, offsets) -> target_open (a writable mapping of total_size bytes)
 * -> write (data, metadata, branch table, delta header, superblock last)
 * -> self-check -> target_commit.
 */
#ifndef _MKDAXFS_H
#define _MKDAXFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "daxfs_core.h"

struct mk_node;

/* One directory entry of a source directory. */
struct mk_dent {
	const char *name;
	u32 len;
	u64 name_off;			/* strtab offset, set by layout */
	struct mk_node *node;
};

struct mk_xattr {
	const char *name;
	u32 name_len;
	const void *value;
	u32 value_len;
	u64 name_off;			/* strtab offsets, set by layout */
	u64 value_off;
};

/* A run of file pages with data; @off is set by layout. */
struct mk_extent {
	u64 pgoff;
	u64 npages;
	u64 off;
};

/*
 * Extents that hold at least one whole 2 MiB-aligned chunk of their file
 * are placed so that chunk is 2 MiB-aligned in the region too: the
 * kernel can then map it with one PMD entry.
 */
#define MK_HUGE_SIZE	(2ULL << 20)
#define MK_HUGE_PAGES	(MK_HUGE_SIZE / DAXFS_BLOCK_SIZE)

/* One inode of the image (a hard-linked file is one node). */
struct mk_node {
	struct mk_node *up;		/* directory it was first found in */
	const char *name;		/* name it was first found under */
	u32 name_len;
	u32 ino;			/* set by layout; root is 1 */
	u32 nlink;			/* links inside the tree */
	u32 nsubdirs;
	bool data_done;			/* writer: data already copied */

	dev_t src_dev;			/* identity in the source tree */
	ino_t src_ino;
	u32 mode;
	u32 uid;
	u32 gid;
	u64 size;
	struct timespec atime;
	struct timespec mtime;
	struct timespec ctime;
	u32 rdev_major;
	u32 rdev_minor;

	/* directories */
	struct mk_dent *dents;
	u32 ndents;

	/* symlinks */
	const char *target;
	u32 target_len;
	u64 target_off;

	/* regular files: extents[first_ext .. first_ext + next) */
	u64 first_ext;
	u32 next;
	u64 data_pages;			/* pages the extents map */

	struct mk_xattr *xattrs;
	u32 nxattrs;
	u64 first_xattr;		/* set by layout */
	u64 first_dirent;		/* set by layout */
};

/* The whole source tree after the scan. */
struct mk_tree {
	const char *src;		/* -d DIR as given */
	int root_fd;
	struct mk_node *root;
	u64 nodes;			/* inodes (hard links counted once) */
	u64 ndirents;
	u64 nxattrs;
	struct mk_extent *ext;		/* all files' extents, scan order */
	u64 next;
	u64 data_pages;			/* without alignment padding */
	u64 regular_files;
	s64 newest_mtime;
};

struct mk_options {
	const char *src_dir;
	const char *out_file;
	const char *tar;
	const char *heap;
	const char *mnt;
	u64 phys_addr;
	bool phys;
	u64 size;			/* -s, 0 = just big enough */
	bool branching;
	u64 delta_size;			/* --delta-size, 0 = default */
	bool quiet;
};

/* Offsets and sizes of everything in the image. */
struct mk_layout {
	struct mk_node **by_ino;	/* by_ino[ino - 1] */
	u8 *strtab;
	u64 strtab_size;

	u64 branch_off;
	u32 branch_count;
	u64 inode_off;
	u64 extent_off;
	u64 dirent_off;
	u64 xattr_off;
	u64 strtab_off;
	u64 meta_size;
	u64 data_off;
	u64 data_size;
	u64 delta_off;
	u64 delta_size;
	u64 total_size;
	u64 needed;			/* smallest total_size that fits */
};

/* A writable mapping of the region the image is built into. */
struct mk_target {
	const struct mk_options *opt;
	u8 *map;
	u64 size;
	bool zeroed;			/* mapping reads as zeros already */
	bool blockdev;			/* -o names a block device */
	int fd;
	int buf_fd;			/* dma-buf */
	char *tmp_path;			/* file target: temp file beside it */
};

/* Delta region: default size, and the least mkdaxfs makes (256 KiB). */
#define MK_DELTA_DEFAULT	(64ULL << 20)
#define MK_DELTA_MIN		(64ULL * DAXFS_BLOCK_SIZE)

/* scan.c */
int open_noatime(int dfd, const char *name, int flags);
void scan_tree(struct mk_tree *t, const char *src);
char *node_path(const struct mk_tree *t, const struct mk_node *n,
		const char *child);

/* layout.c */
void layout_image(struct mk_layout *l, struct mk_tree *t,
		  const struct mk_options *opt);

/* write.c */
void write_image(struct mk_target *tg, const struct mk_layout *l,
		 struct mk_tree *t, const struct mk_options *opt);
void self_check(const struct mk_target *tg);

/* target.c */
void target_open(struct mk_target *tg, const struct mk_options *opt,
		 u64 size, u64 written);
void target_commit(struct mk_target *tg);
void target_abort(void);

/* progress.c */
void progress_init(bool enabled);
void progress_scan(u64 files);
void progress_write(u64 done, u64 total, u64 bytes, u64 total_bytes);
void progress_done(void);

#endif /* _MKDAXFS_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daxfs.ko private definitions.
 *
 * Locking: nothing here is changed after the mount is set up.  The
 * fs_context fields are written only by the (serialised) fs_context
 * calls; the region and image are written only by fill_super, before the
 * superblock is visible; a daxfs_inode's @info is written only while the
 * inode is I_NEW.  Everything is read without locks afterwards.  The
 * region's *contents* may change at any time (another kernel may share
 * it), so every value read from it goes through the bounds-checked core.
 */
#ifndef _DAXFS_MODULE_H
#define _DAXFS_MODULE_H

#include <linux/fs.h>
#include <linux/iosys-map.h>

#include "daxfs_core.h"
#include "daxfs_ioctl.h"
#include "kcompat.h"


/* Backing memory of one mount.  Set by fill_super, fixed afterwards. */
struct daxfs_region {
	unsigned int source;		/* DAXFS_SOURCE_*, 0 when unmapped */
	phys_addr_t phys;		/* DAXFS_SOURCE_PHYS: start address */
	u64 size;			/* bytes mapped at @base */
	void *base;			/* kernel mapping of the region */
	struct dma_buf *dmabuf;		/* DAXFS_SOURCE_DMABUF: our reference */
	struct iosys_map map;		/* DAXFS_SOURCE_DMABUF: the vmap */
};

/* Mount options, filled by parse_param (fs_context calls are serial). */
struct daxfs_opts {
	phys_addr_t phys;
	u64 size;
	bool has_phys;
	bool has_size;
	bool novalidate;
	bool force;
	struct dma_buf *dmabuf;		/* reference owned by the options */
	char branch[DAXFS_BRANCH_NAME_MAX + 1];
};

/* Per-superblock state; fixed once fill_super returns. */
struct daxfs_sb_info {
	struct daxfs_opts opts;
	struct daxfs_region region;
	struct daxfs_image img;		/* geometry from the checked super */
	bool validated;			/* full validator ran and passed */
};

/* In-memory inode: the decoded base inode, written only while I_NEW. */
struct daxfs_vnode {
	struct daxfs_inode_info info;
	struct inode vfs_inode;
};

static inline struct daxfs_vnode *DAXFS_I(struct inode *inode)
{
	return container_of(inode, struct daxfs_vnode, vfs_inode);
}

static inline struct daxfs_sb_info *DAXFS_SB(struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline const struct daxfs_image *daxfs_img(struct inode *inode)
{
	return &DAXFS_SB(inode->i_sb)->img;
}

/* region.c */
int daxfs_region_map_phys(struct daxfs_region *r, phys_addr_t phys,
			  u64 size);
int daxfs_region_map_dmabuf(struct daxfs_region *r, struct dma_buf *dmabuf);
void daxfs_region_unmap(struct daxfs_region *r);
struct dma_buf *daxfs_dmabuf_from_file(struct file *file);
void daxfs_dmabuf_put(struct dma_buf *dmabuf);
u64 daxfs_dmabuf_size(struct dma_buf *dmabuf);
unsigned long daxfs_region_pfn(const struct daxfs_region *r, u64 off);

/* inode.c */
int __init daxfs_inode_cache_init(void);
void daxfs_inode_cache_exit(void);
struct inode *daxfs_alloc_inode(struct super_block *sb);
void daxfs_free_inode(struct inode *inode);
struct inode *daxfs_iget(struct super_block *sb, u64 ino);
int daxfs_getattr(daxfs_idmap_t *idmap, const struct path *path,
		  struct kstat *stat, u32 request_mask, unsigned int flags);
extern const struct inode_operations daxfs_file_inode_operations;
extern const struct inode_operations daxfs_special_inode_operations;
extern const struct inode_operations daxfs_symlink_inode_operations;

/* dir.c */
extern const struct inode_operations daxfs_dir_inode_operations;
extern const struct file_operations daxfs_dir_operations;

/* file.c */
extern const struct file_operations daxfs_file_operations;

/* xattr.c */
extern const struct xattr_handler *daxfs_xattr_handlers[];
ssize_t daxfs_listxattr(struct dentry *dentry, char *buf, size_t size);

/* ioctl.c */
long daxfs_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* _DAXFS_MODULE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daxfs.ko private definitions.
 *
 * Locking: nothing here changes after the mount is set up, except where
 * a field says otherwise.  The fs_context fields are written only by the
 * (serialised) fs_context calls; the region and image are written only
 * by fill_super, before the superblock is visible; a daxfs_vnode's
 * fields are written only while the inode is I_NEW.  Everything is read
 * without locks afterwards.  The region's *contents* may change at any
 * time (another kernel may share it), so every value read from it goes
 * through the core, which copies, then checks, then uses.
 */
#ifndef _DAXFS_MODULE_H
#define _DAXFS_MODULE_H

#include <linux/fs.h>
#include <linux/iosys-map.h>
#include <linux/pfn_t.h>
#include <linux/rwsem.h>

#include "daxfs_core.h"
#include "daxfs_ioctl.h"
#include "kcompat.h"

struct daxfs_claim;

/*
 * Backing memory of one mount: one kernel virtual range of @size bytes.
 * Set by fill_super, fixed afterwards, except @dead.
 */
struct daxfs_region {
	unsigned int source;		/* DAXFS_SOURCE_*, 0 when unmapped */
	u64 size;			/* bytes mapped at @base */
	void *base;			/* kernel mapping of the region */
	/* PHYS and BDEV: the region is physically contiguous */
	phys_addr_t phys;		/* start address */
	unsigned long pfn;		/* its page frame */
	/* PHYS */
	struct daxfs_claim *claim;	/* our hold on the address range */
	/* DMABUF */
	struct dma_buf *dmabuf;		/* our reference */
	struct iosys_map map;		/* the vmap */
	/* BDEV */
	struct dax_device *dax_dev;
	void *dax_holder;		/* the superblock, our holder token */
	struct list_head bdev_node;	/* on daxdev.c's list, its lock */
	/*
	 * Set (once, by the DAX device's failure notification) when the
	 * device is going away; readers see it inside daxfs_region_enter().
	 * Faults test it and insert their entries under @fault_lock held
	 * for reading; the notification sets it with the lock held for
	 * writing, then zaps every user mapping.  Initialised with the
	 * superblock info, before any source is mapped.
	 */
	bool dead;
	struct rw_semaphore fault_lock;
};

/* Mount options, filled by parse_param (fs_context calls are serial). */
struct daxfs_opts {
	phys_addr_t phys;
	u64 size;
	bool has_phys;
	bool has_size;
	bool has_branch;
	bool novalidate;
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

/*
 * In-memory inode: the decoded base inode, written only while I_NEW.  A
 * symlink's target is copied into inode->i_link then too (so path walks
 * follow it without leaving RCU mode) and freed with the inode, after a
 * grace period.
 */
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

static inline struct daxfs_region *daxfs_region(struct inode *inode)
{
	return &DAXFS_SB(inode->i_sb)->region;
}

/* region.c: the mapping shared by all sources */
void daxfs_region_unmap(struct daxfs_region *r);
pfn_t daxfs_region_pfn(const struct daxfs_region *r, u64 off);
int daxfs_region_enter(struct daxfs_region *r);
void daxfs_region_exit(struct daxfs_region *r, int idx);
int daxfs_region_enter_fault(struct daxfs_region *r);
void daxfs_region_exit_fault(struct daxfs_region *r, int idx);
int daxfs_region_copy_to_iter(const struct daxfs_region *r, u64 off,
			      size_t len, struct iov_iter *to, size_t *done);

/* phys.c: physical memory (phys=) */
int daxfs_region_map_phys(struct daxfs_region *r, phys_addr_t phys,
			  u64 size, struct fs_context *fc);
void daxfs_region_unmap_phys(struct daxfs_region *r);

/* dmabuf.c: a dma-buf (fsconfig "dmabuf") */
struct dma_buf *daxfs_dmabuf_from_file(struct file *file);
void daxfs_dmabuf_put(struct dma_buf *dmabuf);
int daxfs_region_map_dmabuf(struct daxfs_region *r, struct dma_buf *dmabuf,
			    struct fs_context *fc);
void daxfs_region_unmap_dmabuf(struct daxfs_region *r);

/* daxdev.c: a DAX-capable block device (mount -t daxfs /dev/pmem0) */
int daxfs_region_map_bdev(struct daxfs_region *r, struct super_block *sb,
			  struct fs_context *fc);
void daxfs_region_unmap_bdev(struct daxfs_region *r);

/* inode.c */
int __init daxfs_inode_cache_init(void);
void daxfs_inode_cache_exit(void);
struct inode *daxfs_alloc_inode(struct super_block *sb);
void daxfs_free_inode(struct inode *inode);
struct inode *daxfs_iget(struct super_block *sb, u64 ino);
int daxfs_getattr(daxfs_idmap_t *idmap, const struct path *path,
		  struct kstat *stat, u32 request_mask, unsigned int flags);
extern const struct inode_operations daxfs_file_inode_operations;
extern const struct inode_operations daxfs_symlink_inode_operations;

/* dir.c */
extern const struct inode_operations daxfs_dir_inode_operations;
extern const struct file_operations daxfs_dir_operations;

/* file.c */
extern const struct file_operations daxfs_file_operations;

/* mmap.c */
int daxfs_mmap(struct file *file, struct vm_area_struct *vma);

/* xattr.c */
extern const struct xattr_handler *daxfs_xattr_handlers[];
ssize_t daxfs_listxattr(struct dentry *dentry, char *buf, size_t size);

/* acl.c */
struct posix_acl *daxfs_get_acl(struct inode *inode, int type, bool rcu);

/* ioctl.c */
long daxfs_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* _DAXFS_MODULE_H */

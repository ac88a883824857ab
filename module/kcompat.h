/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daxfs.ko: the kernel API differences between the kernels we build for
 * (6.1 .. 6.12), kept in this one file so the rest reads as plain code.
 */
#ifndef _DAXFS_KCOMPAT_H
#define _DAXFS_KCOMPAT_H

#include <linux/version.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/dma-buf.h>

/* 6.3: idmapped mounts pass a struct mnt_idmap. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define daxfs_idmap_t struct mnt_idmap
#else
#define daxfs_idmap_t struct user_namespace
#endif

/* 6.6: generic_fillattr() takes the request mask. */
static inline void daxfs_fillattr(daxfs_idmap_t *idmap, u32 request_mask,
				  struct inode *inode, struct kstat *stat)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	generic_fillattr(idmap, request_mask, inode, stat);
#else
	generic_fillattr(idmap, inode, stat);
#endif
}

/* 6.6: ctime accessor; 6.7: atime and mtime accessors. */
static inline void daxfs_set_times(struct inode *inode, struct timespec64 a,
				   struct timespec64 m, struct timespec64 c)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	inode_set_atime_to_ts(inode, a);
	inode_set_mtime_to_ts(inode, m);
#else
	inode->i_atime = a;
	inode->i_mtime = m;
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	inode_set_ctime_to_ts(inode, c);
#else
	inode->i_ctime = c;
#endif
}

static inline struct timespec64 daxfs_get_atime(struct inode *inode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	return inode_get_atime(inode);
#else
	return inode->i_atime;
#endif
}

static inline struct timespec64 daxfs_get_mtime(struct inode *inode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	return inode_get_mtime(inode);
#else
	return inode->i_mtime;
#endif
}

/* mtime and ctime now (a change of the inode's data or directory). */
static inline void daxfs_touch_mc(struct inode *inode)
{
	struct timespec64 now = inode_set_ctime_current(inode);

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	inode_set_mtime_to_ts(inode, now);
#else
	inode->i_mtime = now;
#endif
}

/*
 * 6.3: ->set_acl takes the dentry; before, the inode.  posix_acl_chmod()
 * follows the same change.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
typedef struct dentry daxfs_acl_target_t;
#define daxfs_acl_inode(t)	d_inode(t)
#define daxfs_acl_arg(dentry)	(dentry)
#else
typedef struct inode daxfs_acl_target_t;
#define daxfs_acl_inode(t)	(t)
#define daxfs_acl_arg(dentry)	d_inode(dentry)
#endif

/* 6.6: ->update_time no longer takes the time. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define DAXFS_UPDATE_TIME_ARGS	struct inode *inode, int flags
#else
#define DAXFS_UPDATE_TIME_ARGS	struct inode *inode, struct timespec64 *time, int flags
#endif

/* 6.3: vm_flags may only be changed through helpers. */
static inline void daxfs_vm_flags_mod(struct vm_area_struct *vma,
				      vm_flags_t set, vm_flags_t clear)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/* 6.5: generic_file_splice_read() gave way to copy_splice_read(). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define daxfs_splice_read	copy_splice_read
#else
#define daxfs_splice_read	generic_file_splice_read
#endif

/* 6.2: the plain vmap calls expect the reservation lock to be held. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define daxfs_dmabuf_vmap	dma_buf_vmap_unlocked
#define daxfs_dmabuf_vunmap	dma_buf_vunmap_unlocked
#else
#define daxfs_dmabuf_vmap	dma_buf_vmap
#define daxfs_dmabuf_vunmap	dma_buf_vunmap
#endif

/*
 * 6.2: permission checks ask ->get_inode_acl (which getxattr of
 * system.posix_acl_* then uses too); before, ->get_acl did both, with
 * xattr handlers for the two names.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define DAXFS_GET_ACL_OP(fn)	.get_inode_acl = (fn)
#define DAXFS_ACL_XATTR_HANDLERS
#else
#define DAXFS_GET_ACL_OP(fn)	.get_acl = (fn)
#define DAXFS_ACL_XATTR_HANDLERS \
	&posix_acl_access_xattr_handler, &posix_acl_default_xattr_handler,
#endif

/* 6.6: ->huge_fault takes the mapping order, not an entry size. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define daxfs_huge_fault_arg_t	unsigned int
#define DAXFS_FAULT_IS_PMD(a)	((a) == PMD_ORDER)
#else
#define daxfs_huge_fault_arg_t	enum page_entry_size
#define DAXFS_FAULT_IS_PMD(a)	((a) == PE_SIZE_PMD)
#endif

/*
 * 6.12: huge PMD entries can be "special" (no struct page behind them),
 * so the pages of a pfn mapping can be mapped 2 MiB at a time; before,
 * such an entry was taken for a THP.
 */
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
#define DAXFS_PMD_MAPPINGS	1
#else
#define DAXFS_PMD_MAPPINGS	0
#endif

#endif /* _DAXFS_KCOMPAT_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: inodes.  One struct inode per inode number (so hard links
 * share it), filled once from the core's decoded base inode; nothing of
 * it is read from the region again, so a later change there cannot make
 * a cached inode inconsistent with itself.
 */
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/kdev_t.h>
#include <linux/posix_acl.h>

#include "daxfs.h"

static struct kmem_cache *daxfs_inode_cachep;

struct inode *daxfs_alloc_inode(struct super_block *sb)
{
	struct daxfs_vnode *di;

	di = alloc_inode_sb(sb, daxfs_inode_cachep, GFP_KERNEL);
	if (!di)
		return NULL;
	memset(&di->info, 0, sizeof(di->info));
	return &di->vfs_inode;
}

/* Called after an RCU grace period: no path walk still sees i_link. */
void daxfs_free_inode(struct inode *inode)
{
	if (S_ISLNK(inode->i_mode))
		kfree(inode->i_link);
	kmem_cache_free(daxfs_inode_cachep, DAXFS_I(inode));
}

static void daxfs_inode_once(void *p)
{
	struct daxfs_vnode *di = p;

	inode_init_once(&di->vfs_inode);
}

int __init daxfs_inode_cache_init(void)
{
	daxfs_inode_cachep = kmem_cache_create("daxfs_inode_cache",
					       sizeof(struct daxfs_vnode), 0,
					       SLAB_RECLAIM_ACCOUNT |
					       SLAB_ACCOUNT,
					       daxfs_inode_once);
	return daxfs_inode_cachep ? 0 : -ENOMEM;
}

void daxfs_inode_cache_exit(void)
{
	/* Inodes are freed after an RCU grace period: wait for them. */
	rcu_barrier();
	kmem_cache_destroy(daxfs_inode_cachep);
}

int daxfs_getattr(daxfs_idmap_t *idmap, const struct path *path,
		  struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);

	daxfs_fillattr(idmap, request_mask, inode, stat);
	stat->blksize = DAXFS_BLOCK_SIZE;
	return 0;
}

/* Regular files and device, fifo and socket nodes. */
const struct inode_operations daxfs_file_inode_operations = {
	.getattr	= daxfs_getattr,
	.listxattr	= daxfs_listxattr,
	DAXFS_GET_ACL_OP(daxfs_get_acl),
};

const struct inode_operations daxfs_symlink_inode_operations = {
	.get_link	= simple_get_link,
	.getattr	= daxfs_getattr,
	.listxattr	= daxfs_listxattr,
};

/*
 * Copy a symlink's target out of the region once, at iget: the VFS
 * follows inode->i_link in RCU path walk, and the copy cannot change.
 */
static int daxfs_read_link(struct inode *inode)
{
	const struct daxfs_inode_info *info = &DAXFS_I(inode)->info;
	char *buf;
	int len;

	buf = kmalloc(info->size + 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = daxfs_symlink_read(daxfs_img(inode), info, buf, info->size + 1);
	if (len < 0) {
		kfree(buf);
		return len;
	}
	inode->i_link = buf;
	return 0;
}

static void daxfs_inode_times(struct inode *inode,
			      const struct daxfs_inode_info *info)
{
	struct timespec64 a = { info->atime_sec, info->atime_nsec };
	struct timespec64 m = { info->mtime_sec, info->mtime_nsec };
	struct timespec64 c = { info->ctime_sec, info->ctime_nsec };

	daxfs_set_times(inode, a, m, c);
}

/* Type-specific operations; -EUCLEAN for a value we cannot represent. */
static int daxfs_set_ops(struct inode *inode)
{
	struct daxfs_inode_info *info = &DAXFS_I(inode)->info;

	switch (inode->i_mode & S_IFMT) {
	case S_IFREG:
		inode->i_op = &daxfs_file_inode_operations;
		inode->i_fop = &daxfs_file_operations;
		inode->i_blocks = info->blocks << (DAXFS_BLOCK_SHIFT - 9);
		return 0;
	case S_IFDIR:
		inode->i_op = &daxfs_dir_inode_operations;
		inode->i_fop = &daxfs_dir_operations;
		inode->i_blocks = DIV_ROUND_UP((u64)info->count *
					       sizeof(struct daxfs_dirent),
					       512);
		return 0;
	case S_IFLNK:
		inode->i_op = &daxfs_symlink_inode_operations;
		return daxfs_read_link(inode);
	case S_IFCHR:
	case S_IFBLK:
		if (info->rdev_major >= (1U << (32 - MINORBITS)) ||
		    info->rdev_minor > MINORMASK)
			return -EUCLEAN;
		fallthrough;
	case S_IFIFO:
	case S_IFSOCK:
		inode->i_op = &daxfs_file_inode_operations;
		init_special_inode(inode, inode->i_mode,
				   MKDEV(info->rdev_major, info->rdev_minor));
		return 0;
	}
	return -EUCLEAN;
}

/* Attributes and operations from @info, which was just read. */
static int daxfs_init_inode(struct inode *inode)
{
	struct daxfs_inode_info *info = &DAXFS_I(inode)->info;

	/* (u32)-1 is no valid id: Linux reserves it to mean "none". */
	if (info->size > MAX_LFS_FILESIZE || info->uid == U32_MAX ||
	    info->gid == U32_MAX)
		return -EUCLEAN;
	inode->i_mode = info->mode;
	i_uid_write(inode, info->uid);
	i_gid_write(inode, info->gid);
	set_nlink(inode, info->nlink);
	inode->i_size = info->size;
	daxfs_inode_times(inode, info);
	/* No xattrs, no ACL: permission checks need not leave RCU walk. */
	if (!info->xattr_count)
		cache_no_acl(inode);
	return daxfs_set_ops(inode);
}

static int daxfs_fill_inode(struct inode *inode)
{
	struct daxfs_inode_info *info = &DAXFS_I(inode)->info;
	struct daxfs_region *r = daxfs_region(inode);
	int idx, ret;

	idx = daxfs_region_enter(r);
	if (idx < 0)
		return idx;
	ret = daxfs_inode_read(daxfs_img(inode), inode->i_ino, info);
	if (!ret)
		ret = daxfs_init_inode(inode);
	daxfs_region_exit(r, idx);
	return ret;
}

struct inode *daxfs_iget(struct super_block *sb, u64 ino)
{
	struct inode *inode;
	int ret;

	if (!ino || ino > DAXFS_MAX_INODES)
		return ERR_PTR(-EUCLEAN);
	inode = iget_locked(sb, ino);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	if (!(inode->i_state & I_NEW))
		return inode;
	ret = daxfs_fill_inode(inode);
	if (ret) {
		/* Unlinked, so the bad inode is evicted, not cached. */
		clear_nlink(inode);
		iget_failed(inode);
		return ERR_PTR(ret);
	}
	unlock_new_inode(inode);
	return inode;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: directories.  Entries are sorted by name in the region, so
 * lookup is the core's binary search, and readdir positions are entry
 * indexes: pos 0 is ".", 1 is "..", pos i + 2 is entry i, which makes
 * seekdir/telldir O(1) and stable.
 */
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "daxfs.h"

static struct dentry *daxfs_lookup(struct inode *dir, struct dentry *dentry,
				   unsigned int flags)
{
	struct daxfs_region *r = daxfs_region(dir);
	struct daxfs_dirent_info de;
	struct inode *inode;
	int idx, ret;

	if (dentry->d_name.len > DAXFS_NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	idx = daxfs_region_enter(r);
	if (idx < 0)
		return ERR_PTR(idx);
	ret = daxfs_dir_lookup(daxfs_img(dir), &DAXFS_I(dir)->info,
			       dentry->d_name.name, dentry->d_name.len, &de);
	daxfs_region_exit(r, idx);
	if (ret == -ENOENT)
		return d_splice_alias(NULL, dentry);
	if (ret)
		return ERR_PTR(ret);
	inode = daxfs_iget(dir->i_sb, de.ino);
	if (IS_ERR(inode))
		return ERR_CAST(inode);
	if (daxfs_mode_to_ft(inode->i_mode) != de.type) {
		iput(inode);
		return ERR_PTR(-EUCLEAN);
	}
	return d_splice_alias(inode, dentry);
}

static int daxfs_readdir_entries(struct inode *dir, struct dir_context *ctx)
{
	u64 count = DAXFS_I(dir)->info.count;
	struct daxfs_dirent_info de;
	int ret;

	while (ctx->pos >= 2 && ctx->pos - 2 < count) {
		ret = daxfs_dir_entry(daxfs_img(dir), &DAXFS_I(dir)->info,
				      ctx->pos - 2, &de);
		if (ret)
			return ret;
		if (!dir_emit(ctx, de.name, de.name_len, de.ino, de.type))
			return 0;
		ctx->pos++;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

static int daxfs_readdir(struct file *file, struct dir_context *ctx)
{
	struct inode *dir = file_inode(file);
	struct daxfs_region *r = daxfs_region(dir);
	int idx, ret;

	if (!dir_emit_dots(file, ctx))
		return 0;
	idx = daxfs_region_enter(r);
	if (idx < 0)
		return idx;
	ret = daxfs_readdir_entries(dir, ctx);
	daxfs_region_exit(r, idx);
	return ret;
}

const struct inode_operations daxfs_dir_inode_operations = {
	.lookup		= daxfs_lookup,
	.getattr	= daxfs_getattr,
	.listxattr	= daxfs_listxattr,
	DAXFS_GET_ACL_OP(daxfs_get_acl),
};

const struct file_operations daxfs_dir_operations = {
	.llseek		= generic_file_llseek,
	.read		= generic_read_dir,
	.iterate_shared	= daxfs_readdir,
	.fsync		= noop_fsync,
	.unlocked_ioctl	= daxfs_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: directories, read side.  A name is looked up through the
 * view: the branch's changes first (a hash-free ordered index per
 * directory), then the base's sorted entries (binary search).  Readdir
 * positions are stable across changes: base entries keep 2 + their
 * index, entries a branch added keep the cookie they got when added, so
 * telldir/seekdir work while the directory changes.
 */
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "daxfs.h"

/* The view of @sb: its branch's, or the base alone. */
static const struct daxfs_view *daxfs_sb_view(struct super_block *sb,
					      struct daxfs_view *base)
{
	struct daxfs_sb_info *sbi = DAXFS_SB(sb);

	if (sbi->delta)
		return &sbi->delta->view;
	memset(base, 0, sizeof(*base));
	base->img = &sbi->img;
	return base;
}

int daxfs_dir_peek(struct inode *dir, const struct qstr *name, u64 *ino,
		   unsigned long *vgen)
{
	struct daxfs_region *r = daxfs_region(dir);
	struct daxfs_dirent_info de;
	struct daxfs_view base;
	int idx, ret;

	idx = daxfs_region_enter(r);
	if (idx < 0)
		return idx;
	ret = daxfs_view_get(dir);
	if (!ret) {
		ret = daxfs_view_lookup(daxfs_sb_view(dir->i_sb, &base),
					&DAXFS_I(dir)->vi, name->name,
					name->len, &de);
		*vgen = DAXFS_SB(dir->i_sb)->delta ?
			DAXFS_SB(dir->i_sb)->delta->vgen : 0;
		daxfs_view_put(dir);
	}
	daxfs_region_exit(r, idx);
	*ino = ret ? 0 : de.ino;
	return ret == -ENOENT ? 0 : ret;
}

static struct dentry *daxfs_lookup(struct inode *dir, struct dentry *dentry,
				   unsigned int flags)
{
	struct daxfs_region *r = daxfs_region(dir);
	struct daxfs_dirent_info de;
	struct daxfs_view base;
	struct inode *inode;
	int idx, ret;

	if (dentry->d_name.len > DAXFS_NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	idx = daxfs_region_enter(r);
	if (idx < 0)
		return ERR_PTR(idx);
	ret = daxfs_view_get(dir);
	if (!ret) {
		ret = daxfs_view_lookup(daxfs_sb_view(dir->i_sb, &base),
					&DAXFS_I(dir)->vi, dentry->d_name.name,
					dentry->d_name.len, &de);
		/* a negative dentry is good while this view is shown */
		if (DAXFS_SB(dir->i_sb)->delta)
			dentry->d_fsdata =
				(void *)DAXFS_SB(dir->i_sb)->delta->vgen;
		daxfs_view_put(dir);
	}
	daxfs_region_exit(r, idx);
	if (ret == -ENOENT)
		return d_splice_alias(NULL, dentry);
	if (ret)
		return ERR_PTR(ret);
	inode = daxfs_iget(dir->i_sb, de.ino);
	if (IS_ERR(inode))
		return ERR_CAST(inode);
	/* the view changed between the lookup and the inode */
	if (DAXFS_I(inode)->vgen != DAXFS_I(dir)->vgen) {
		iput(inode);
		return ERR_PTR(-ESTALE);
	}
	if (daxfs_mode_to_ft(inode->i_mode) != de.type) {
		iput(inode);
		return ERR_PTR(-EUCLEAN);
	}
	return d_splice_alias(inode, dentry);
}

/* One entry at position >= ctx->pos, copied out under the view lock. */
static int daxfs_readdir_one(struct inode *dir, struct dir_context *ctx,
			     struct daxfs_dirent_info *de, u64 *at)
{
	struct daxfs_view base;
	int ret;

	ret = daxfs_view_get(dir);
	if (ret)
		return ret;
	ret = daxfs_view_readdir(daxfs_sb_view(dir->i_sb, &base),
				 &DAXFS_I(dir)->vi, ctx->pos, de, at);
	daxfs_view_put(dir);
	return ret;
}

static int daxfs_readdir_entries(struct inode *dir, struct dir_context *ctx)
{
	struct daxfs_dirent_info de;
	u64 at;
	int ret;

	for (;;) {
		ret = daxfs_readdir_one(dir, ctx, &de, &at);
		if (ret == -ENOENT)
			return 0;
		if (ret)
			return ret;
		ctx->pos = at;
		if (!dir_emit(ctx, de.name, de.name_len, de.ino, de.type))
			return 0;
		ctx->pos = at + 1;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
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

/* Readdir positions are cookies up to 2^62: any position is valid. */
static loff_t daxfs_dir_llseek(struct file *file, loff_t offset, int whence)
{
	return generic_file_llseek_size(file, offset, whence,
					(1LL << 62), (1LL << 62));
}

const struct file_operations daxfs_dir_operations = {
	.llseek		= daxfs_dir_llseek,
	.read		= generic_read_dir,
	.iterate_shared	= daxfs_readdir,
	.fsync		= noop_fsync,
	.unlocked_ioctl	= daxfs_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/* dir.c keeps lookup; namei.c the operations that change names. */
struct dentry *daxfs_lookup_op(struct inode *dir, struct dentry *dentry,
			       unsigned int flags)
{
	return daxfs_lookup(dir, dentry, flags);
}

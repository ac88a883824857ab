// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: the directory operations that change names: create, mkdir,
 * mknod, symlink, tmpfile, link, unlink, rmdir, rename (with
 * RENAME_NOREPLACE, RENAME_EXCHANGE and RENAME_WHITEOUT).
 *
 * Each is one transaction: every record it needs (a new inode, its ACLs
 * and security label, the entries added and deleted, the link counts
 * and times of every inode it touches) commits at once or not at all.
 * The VFS holds the directories' i_rwsem (and the inodes' for unlink,
 * rmdir and rename), so what the view says about those names does not
 * change between the checks here and the commit.  A failed commit puts
 * the in-memory inodes back as they were.
 */
#define pr_fmt(fmt) "daxfs: " fmt

#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/posix_acl.h>
#include <linux/namei.h>

#include "daxfs.h"

/* What an operation may change of an inode, to put back on failure. */
struct daxfs_undo {
	struct inode *inode;
	struct daxfs_attr attr;		/* the view's, before */
	unsigned int nlink;
	struct timespec64 mtime;
	struct timespec64 ctime;
};

static void daxfs_undo_save(struct daxfs_undo *u, struct inode *inode)
{
	u->inode = inode;
	if (!inode)
		return;
	u->attr = DAXFS_I(inode)->vi.attr;
	u->nlink = inode->i_nlink;
	u->mtime = daxfs_get_mtime(inode);
	u->ctime = inode_get_ctime(inode);
}

static void daxfs_undo_apply(struct daxfs_undo *u)
{
	struct inode *inode = u->inode;

	if (!inode)
		return;
	DAXFS_I(inode)->vi.attr = u->attr;
	set_nlink(inode, u->nlink);
	daxfs_set_times(inode, daxfs_get_atime(inode), u->mtime, u->ctime);
}

/* The readdir cookie a new entry of @dir gets. */
static u64 daxfs_cookie(struct inode *dir)
{
	struct daxfs_delta *d = daxfs_delta(dir);
	u64 c;

	/* a stale @dir commits nothing (the transaction's tag): any cookie */
	down_read(&d->index_lock);
	c = daxfs_view_next_cookie(&d->view, &DAXFS_I(dir)->vi);
	up_read(&d->index_lock);
	return c;
}

static int daxfs_txn_add_name(struct daxfs_txn *t, struct inode *dir,
			      const struct qstr *name, struct inode *inode,
			      u64 cookie)
{
	return daxfs_txn_dirent_add(t, dir->i_ino, name->name, name->len,
				    inode->i_ino, cookie,
				    daxfs_mode_to_ft(inode->i_mode));
}

static int daxfs_check_name(struct inode *dir, struct dentry *dentry)
{
	int ret = daxfs_may_change(dir);

	if (ret)
		return ret;
	if (dentry && dentry->d_name.len > DAXFS_NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * The records of a new inode: its attributes (and symlink target), its
 * ACLs from @dir's default ACL, its security label.
 */
static int daxfs_txn_new_inode(struct daxfs_txn *t, struct inode *inode,
			       struct inode *dir, const struct qstr *qstr,
			       const char *target)
{
	struct posix_acl *acl = NULL, *default_acl = NULL;
	struct daxfs_vnode *vn = DAXFS_I(inode);
	u32 tlen = target ? strlen(target) : 0;
	int ret;

	ret = posix_acl_create(dir, &inode->i_mode, &default_acl, &acl);
	if (ret)
		return ret;
	if (target)
		i_size_write(inode, tlen);
	daxfs_attr_from_inode(inode, &vn->vi.attr);
	t->tag = vn->vgen;	/* its directory's view */
	daxfs_txn_inode(t, inode->i_ino, &vn->vi.attr, DAXFS_RI_NEW, target,
			tlen);
	ret = daxfs_txn_acls(t, inode, acl, default_acl);
	posix_acl_release(acl);
	posix_acl_release(default_acl);
	if (!ret)
		ret = daxfs_init_security(t, inode, dir, qstr);
	return ret ? ret : t->err;
}

/*
 * Make a new inode named @dentry in @dir (no name with @tmpfile), in one
 * transaction with the entry and @dir's new times and link count.
 */
static int daxfs_make(daxfs_idmap_t *idmap, struct inode *dir,
		      struct dentry *dentry, umode_t mode, dev_t rdev,
		      const char *target, struct file *tmpfile)
{
	struct daxfs_undo undo;
	struct daxfs_txn t;
	struct inode *inode;
	char *link = NULL;
	int ret;

	ret = daxfs_check_name(dir, tmpfile ? NULL : dentry);
	if (ret)
		return ret;
	if (target) {
		if (strlen(target) > DAXFS_SYMLINK_MAX)
			return -ENAMETOOLONG;
		link = kstrdup(target, GFP_KERNEL);
		if (!link)
			return -ENOMEM;
	}
	inode = daxfs_new_inode(idmap, dir, mode, rdev);
	if (IS_ERR(inode)) {
		kfree(link);
		return PTR_ERR(inode);
	}
	if (link)
		inode->i_link = link;
	if (tmpfile)
		clear_nlink(inode);	/* logged unlinked; d_tmpfile agrees */
	daxfs_undo_save(&undo, dir);
	daxfs_txn_init(&t);
	ret = daxfs_txn_new_inode(&t, inode, dir,
				  tmpfile ? &tmpfile->f_path.dentry->d_name :
				  &dentry->d_name, target);
	if (!ret && !tmpfile) {
		daxfs_txn_add_name(&t, dir, &dentry->d_name, inode,
				   daxfs_cookie(dir));
		if (S_ISDIR(mode))
			inc_nlink(dir);
		daxfs_touch_mc(dir);
		daxfs_txn_attrs(&t, dir);
	}
	if (!ret)
		ret = daxfs_commit_txn(dir->i_sb, &t);
	daxfs_txn_release(&t);
	if (ret) {
		daxfs_undo_apply(&undo);
		clear_nlink(inode);
		discard_new_inode(inode);
		return ret;
	}
	DAXFS_I(inode)->logged = true;
	if (tmpfile) {
		set_nlink(inode, 1);	/* d_tmpfile takes it back to 0 */
		d_tmpfile(tmpfile, inode);
		unlock_new_inode(inode);
		return finish_open_simple(tmpfile, 0);
	}
	dentry->d_fsdata = (void *)DAXFS_I(dir)->vgen;	/* its view */
	d_instantiate_new(dentry, inode);
	return 0;
}

static int daxfs_create(daxfs_idmap_t *idmap, struct inode *dir,
			struct dentry *dentry, umode_t mode, bool excl)
{
	return daxfs_make(idmap, dir, dentry, mode | S_IFREG, 0, NULL, NULL);
}

static int daxfs_mkdir(daxfs_idmap_t *idmap, struct inode *dir,
		       struct dentry *dentry, umode_t mode)
{
	return daxfs_make(idmap, dir, dentry, mode | S_IFDIR, 0, NULL, NULL);
}

static int daxfs_mknod(daxfs_idmap_t *idmap, struct inode *dir,
		       struct dentry *dentry, umode_t mode, dev_t rdev)
{
	if (!S_ISCHR(mode) && !S_ISBLK(mode) && !S_ISFIFO(mode) &&
	    !S_ISSOCK(mode) && !S_ISREG(mode))
		return -EINVAL;
	return daxfs_make(idmap, dir, dentry, mode, rdev, NULL, NULL);
}

static int daxfs_symlink(daxfs_idmap_t *idmap, struct inode *dir,
			 struct dentry *dentry, const char *target)
{
	return daxfs_make(idmap, dir, dentry, S_IFLNK | 0777, 0, target,
			  NULL);
}

static int daxfs_tmpfile(daxfs_idmap_t *idmap, struct inode *dir,
			 struct file *file, umode_t mode)
{
	return daxfs_make(idmap, dir, NULL, mode, 0, NULL, file);
}

static int daxfs_link(struct dentry *old, struct inode *dir,
		      struct dentry *dentry)
{
	struct inode *inode = d_inode(old);
	struct daxfs_undo ud, ui;
	struct daxfs_txn t;
	int ret;

	ret = daxfs_check_name(dir, dentry);
	if (ret)
		return ret;
	daxfs_undo_save(&ud, dir);
	daxfs_undo_save(&ui, inode);
	daxfs_txn_init(&t);
	inc_nlink(inode);
	inode_set_ctime_current(inode);
	daxfs_txn_attrs(&t, inode);
	daxfs_txn_add_name(&t, dir, &dentry->d_name, inode, daxfs_cookie(dir));
	daxfs_touch_mc(dir);
	daxfs_txn_attrs(&t, dir);
	ret = daxfs_commit_txn(dir->i_sb, &t);
	daxfs_txn_release(&t);
	if (ret) {
		daxfs_undo_apply(&ui);
		daxfs_undo_apply(&ud);
		return ret;
	}
	ihold(inode);
	dentry->d_fsdata = (void *)DAXFS_I(dir)->vgen;	/* its view */
	d_instantiate(dentry, inode);
	return 0;
}

/* unlink and rmdir: the name goes, the inode loses a link. */
static int daxfs_remove(struct inode *dir, struct dentry *dentry, bool isdir)
{
	struct inode *inode = d_inode(dentry);
	struct daxfs_undo ud, ui;
	struct daxfs_txn t;
	int ret;

	ret = daxfs_may_change(dir);
	if (!ret)
		ret = daxfs_stale(inode);
	if (ret)
		return ret;
	daxfs_undo_save(&ud, dir);
	daxfs_undo_save(&ui, inode);
	daxfs_txn_init(&t);
	t.alloc_flags = DAXFS_ALLOC_RESERVE;
	daxfs_txn_dirent_del(&t, dir->i_ino, dentry->d_name.name,
			     dentry->d_name.len);
	inode_set_ctime_current(inode);
	if (isdir) {
		clear_nlink(inode);
		drop_nlink(dir);
	} else {
		drop_nlink(inode);
	}
	daxfs_txn_attrs(&t, inode);
	daxfs_touch_mc(dir);
	daxfs_txn_attrs(&t, dir);
	ret = daxfs_commit_txn(dir->i_sb, &t);
	daxfs_txn_release(&t);
	if (ret) {
		daxfs_undo_apply(&ui);
		daxfs_undo_apply(&ud);
	}
	return ret;
}

static int daxfs_unlink(struct inode *dir, struct dentry *dentry)
{
	return daxfs_remove(dir, dentry, false);
}

/* Does the view show entries in directory @inode?  1, 0 or -errno. */
static int daxfs_dir_empty(struct inode *inode)
{
	struct daxfs_delta *d = daxfs_delta(inode);
	int ret;

	ret = daxfs_view_get(inode);
	if (ret)
		return ret;
	ret = daxfs_view_dir_empty(&d->view, &DAXFS_I(inode)->vi);
	daxfs_view_put(inode);
	return ret;
}

static int daxfs_rmdir(struct inode *dir, struct dentry *dentry)
{
	int ret = daxfs_dir_empty(d_inode(dentry));

	if (ret < 0)
		return ret;
	if (!ret)
		return -ENOTEMPTY;
	return daxfs_remove(dir, dentry, true);
}

/* ---- rename ---- */

struct daxfs_rename {
	struct inode *odir, *ndir;
	struct dentry *odentry, *ndentry;
	struct inode *src, *victim, *whiteout;
	unsigned int flags;
	struct daxfs_undo undo[4];
};

/* A directory moving to another parent: its ".." and both link counts. */
static void daxfs_reparent(struct inode *inode, struct inode *from,
			   struct inode *to)
{
	if (!S_ISDIR(inode->i_mode) || from == to)
		return;
	DAXFS_I(inode)->vi.attr.parent = to->i_ino;
	drop_nlink(from);
	inc_nlink(to);
}

static void daxfs_rename_exchange(struct daxfs_rename *rn, struct daxfs_txn *t)
{
	u64 c1 = daxfs_cookie(rn->odir), c2 = daxfs_cookie(rn->ndir);

	/* two entries of one directory: the second cookie above the first */
	if (rn->odir == rn->ndir)
		c2 = c1 + 1;
	daxfs_txn_add_name(t, rn->odir, &rn->odentry->d_name, rn->victim, c1);
	daxfs_txn_add_name(t, rn->ndir, &rn->ndentry->d_name, rn->src, c2);
	daxfs_reparent(rn->src, rn->odir, rn->ndir);
	daxfs_reparent(rn->victim, rn->ndir, rn->odir);
	inode_set_ctime_current(rn->victim);
	daxfs_txn_attrs(t, rn->victim);
}

static void daxfs_rename_move(struct daxfs_rename *rn, struct daxfs_txn *t)
{
	u64 cookie = daxfs_cookie(rn->ndir);

	if (rn->whiteout) {
		/* the old name now names the whiteout */
		daxfs_txn_add_name(t, rn->odir, &rn->odentry->d_name,
				   rn->whiteout, daxfs_cookie(rn->odir));
		if (rn->odir == rn->ndir)
			cookie++;
	} else {
		daxfs_txn_dirent_del(t, rn->odir->i_ino,
				     rn->odentry->d_name.name,
				     rn->odentry->d_name.len);
	}
	daxfs_txn_add_name(t, rn->ndir, &rn->ndentry->d_name, rn->src, cookie);
	if (rn->victim) {
		inode_set_ctime_current(rn->victim);
		if (S_ISDIR(rn->victim->i_mode)) {
			clear_nlink(rn->victim);
			drop_nlink(rn->ndir);
		} else {
			drop_nlink(rn->victim);
		}
		daxfs_txn_attrs(t, rn->victim);
	}
	daxfs_reparent(rn->src, rn->odir, rn->ndir);
}

/* A whiteout for RENAME_WHITEOUT: a 0:0 character device, new. */
static int daxfs_rename_whiteout(daxfs_idmap_t *idmap,
				 struct daxfs_rename *rn, struct daxfs_txn *t)
{
	struct inode *w;
	int ret;

	w = daxfs_new_inode(idmap, rn->odir, S_IFCHR | WHITEOUT_MODE,
			    WHITEOUT_DEV);
	if (IS_ERR(w))
		return PTR_ERR(w);
	rn->whiteout = w;
	ret = daxfs_txn_new_inode(t, w, rn->odir, &rn->odentry->d_name, NULL);
	return ret;
}

static int daxfs_rename(daxfs_idmap_t *idmap, struct inode *odir,
			struct dentry *odentry, struct inode *ndir,
			struct dentry *ndentry, unsigned int flags)
{
	struct daxfs_rename rn = {
		.odir = odir, .ndir = ndir, .odentry = odentry,
		.ndentry = ndentry, .src = d_inode(odentry),
		.victim = d_inode(ndentry), .flags = flags,
	};
	struct daxfs_txn t;
	int ret, i;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	ret = daxfs_check_name(ndir, ndentry);
	if (ret)
		return ret;
	if (!(flags & RENAME_EXCHANGE) && rn.victim &&
	    S_ISDIR(rn.victim->i_mode)) {
		ret = daxfs_dir_empty(rn.victim);
		if (ret <= 0)
			return ret < 0 ? ret : -ENOTEMPTY;
	}
	daxfs_undo_save(&rn.undo[0], odir);
	daxfs_undo_save(&rn.undo[1], ndir != odir ? ndir : NULL);
	daxfs_undo_save(&rn.undo[2], rn.src);
	daxfs_undo_save(&rn.undo[3], rn.victim);
	daxfs_txn_init(&t);
	if (flags & RENAME_WHITEOUT) {
		ret = daxfs_rename_whiteout(idmap, &rn, &t);
		if (ret)
			goto out;
	}
	if (flags & RENAME_EXCHANGE)
		daxfs_rename_exchange(&rn, &t);
	else
		daxfs_rename_move(&rn, &t);
	inode_set_ctime_current(rn.src);
	daxfs_txn_attrs(&t, rn.src);
	daxfs_touch_mc(odir);
	daxfs_txn_attrs(&t, odir);
	if (ndir != odir) {
		daxfs_touch_mc(ndir);
		daxfs_txn_attrs(&t, ndir);
	}
	ret = daxfs_commit_txn(odir->i_sb, &t);
out:
	daxfs_txn_release(&t);
	if (ret) {
		for (i = 3; i >= 0; i--)
			daxfs_undo_apply(&rn.undo[i]);
		if (rn.whiteout) {
			clear_nlink(rn.whiteout);
			discard_new_inode(rn.whiteout);
		}
		return ret;
	}
	if (rn.whiteout) {
		/* the VFS moves @odentry away: a lookup finds the whiteout */
		DAXFS_I(rn.whiteout)->logged = true;
		unlock_new_inode(rn.whiteout);
		iput(rn.whiteout);
	}
	return 0;
}

const struct inode_operations daxfs_dir_inode_operations = {
	.lookup		= daxfs_lookup_op,
	.create		= daxfs_create,
	.link		= daxfs_link,
	.unlink		= daxfs_unlink,
	.symlink	= daxfs_symlink,
	.mkdir		= daxfs_mkdir,
	.rmdir		= daxfs_rmdir,
	.mknod		= daxfs_mknod,
	.rename		= daxfs_rename,
	.tmpfile	= daxfs_tmpfile,
	.getattr	= daxfs_getattr,
	.setattr	= daxfs_setattr,
	.listxattr	= daxfs_listxattr,
	DAXFS_GET_ACL_OP(daxfs_get_acl),
	.set_acl	= daxfs_set_acl_op,
};

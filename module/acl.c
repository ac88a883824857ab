// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: POSIX ACLs.  They are the xattrs system.posix_acl_access and
 * system.posix_acl_default, in the kernel's xattr encoding; the VFS asks
 * for them here when it checks a permission or lists them, and caches
 * what it gets.  Setting one (setfacl, chmod, a new inode inheriting its
 * directory's default ACL) is a transaction like any xattr change.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/xattr.h>

#include "daxfs.h"

/* Decode the ACL stored under @name; NULL when there is none. */
static struct posix_acl *daxfs_read_acl(struct inode *inode, const char *name)
{
	struct posix_acl *acl;
	void *value;
	int len;

	len = daxfs_xattr_raw_get(inode, name, NULL, 0);
	if (len == -ENODATA)
		return NULL;
	if (len < 0)
		return ERR_PTR(len);
	value = kvmalloc(len ? len : 1, GFP_KERNEL);
	if (!value)
		return ERR_PTR(-ENOMEM);
	len = daxfs_xattr_raw_get(inode, name, value, len ? len : 1);
	if (len == -ENODATA || len == -ERANGE) {
		/* changed under us: it is set or gone, ask again later */
		acl = len == -ENODATA ? NULL : ERR_PTR(-EAGAIN);
	} else if (len < 0) {
		acl = ERR_PTR(len);
	} else {
		acl = posix_acl_from_xattr(&init_user_ns, value, len);
		/* A value the kernel cannot parse is a damaged image. */
		if (IS_ERR(acl) && PTR_ERR(acl) != -ENOMEM)
			acl = ERR_PTR(-EUCLEAN);
	}
	kvfree(value);
	return acl;
}

static const char *daxfs_acl_name(int type)
{
	return type == ACL_TYPE_ACCESS ? XATTR_NAME_POSIX_ACL_ACCESS :
					 XATTR_NAME_POSIX_ACL_DEFAULT;
}

struct posix_acl *daxfs_get_acl(struct inode *inode, int type, bool rcu)
{
	if (rcu)
		return ERR_PTR(-ECHILD);
	if (type != ACL_TYPE_ACCESS && type != ACL_TYPE_DEFAULT)
		return ERR_PTR(-EINVAL);
	return daxfs_read_acl(inode, daxfs_acl_name(type));
}

/* The record for ACL @acl of @type (NULL: removed) in @t. */
static int daxfs_txn_acl(struct daxfs_txn *t, struct inode *inode,
			 struct posix_acl *acl, int type)
{
	size_t size;
	void *value;
	int ret;

	if (!acl)
		return daxfs_txn_xattr(t, inode, daxfs_acl_name(type), NULL, 0);
	size = posix_acl_xattr_size(acl->a_count);
	value = kmalloc(size, GFP_KERNEL);
	if (!value)
		return -ENOMEM;
	ret = posix_acl_to_xattr(&init_user_ns, acl, value, size);
	if (ret >= 0)
		ret = daxfs_txn_xattr(t, inode, daxfs_acl_name(type), value,
				      ret);
	kfree(value);
	return ret;
}

/* A new inode's ACLs (from posix_acl_create()), as records of @t. */
int daxfs_txn_acls(struct daxfs_txn *t, struct inode *inode,
		   struct posix_acl *acl, struct posix_acl *default_acl)
{
	int ret = 0;

	if (acl)
		ret = daxfs_txn_acl(t, inode, acl, ACL_TYPE_ACCESS);
	if (!ret && default_acl)
		ret = daxfs_txn_acl(t, inode, default_acl, ACL_TYPE_DEFAULT);
	if (!ret) {
		set_cached_acl(inode, ACL_TYPE_ACCESS, acl);
		set_cached_acl(inode, ACL_TYPE_DEFAULT, default_acl);
	}
	return ret;
}

int daxfs_set_acl_op(daxfs_idmap_t *idmap, daxfs_acl_target_t *target,
		     struct posix_acl *acl, int type)
{
	struct inode *inode = daxfs_acl_inode(target);
	struct daxfs_attr old = DAXFS_I(inode)->vi.attr;
	struct timespec64 ct = inode_get_ctime(inode);
	umode_t mode = inode->i_mode;
	struct daxfs_txn t;
	int have, ret;

	ret = daxfs_may_change(inode);
	if (ret)
		return ret;
	if (type == ACL_TYPE_ACCESS && acl) {
		ret = posix_acl_update_mode(idmap, inode, &mode, &acl);
		if (ret)
			return ret;
	}
	if (type == ACL_TYPE_DEFAULT && !S_ISDIR(inode->i_mode))
		return acl ? -EACCES : 0;
	daxfs_txn_init(&t);
	if (acl) {
		ret = daxfs_txn_acl(&t, inode, acl, type);
	} else {
		/* removing one that is not there: nothing to log for it */
		have = daxfs_xattr_raw_get(inode, daxfs_acl_name(type), NULL, 0);
		if (have >= 0)
			ret = daxfs_txn_acl(&t, inode, NULL, type);
		else if (have != -ENODATA)
			ret = have;
	}
	inode->i_mode = mode;
	inode_set_ctime_current(inode);
	if (!ret)
		ret = daxfs_txn_attrs(&t, inode);
	if (!ret)
		ret = daxfs_commit_txn(inode->i_sb, &t);
	daxfs_txn_release(&t);
	if (ret) {
		inode->i_mode = old.mode;
		inode_set_ctime_to_ts(inode, ct);
		DAXFS_I(inode)->vi.attr = old;
		return ret;
	}
	set_cached_acl(inode, type, acl);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: POSIX ACLs.  mkdaxfs stores them as the image's
 * system.posix_acl_access and system.posix_acl_default xattrs, in the
 * kernel's xattr encoding; the VFS asks for them here when it checks a
 * permission or lists them, and caches what it gets.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/xattr.h>

#include "daxfs.h"

/* Decode the ACL stored under @name; NULL when there is none. */
static struct posix_acl *daxfs_read_acl(struct inode *inode, const char *name)
{
	const struct daxfs_image *img = daxfs_img(inode);
	struct daxfs_region *r = daxfs_region(inode);
	struct daxfs_xattr_info x;
	struct posix_acl *acl;
	void *value = NULL;
	int idx, ret;

	idx = daxfs_region_enter(r);
	if (idx < 0)
		return ERR_PTR(idx);
	ret = daxfs_xattr_lookup(img, &DAXFS_I(inode)->info, (const u8 *)name,
				 strlen(name), &x);
	if (!ret) {
		value = kvmalloc(x.value_len ? x.value_len : 1, GFP_KERNEL);
		ret = value ? daxfs_xattr_value(img, &x, value, x.value_len) :
			      -ENOMEM;
	}
	daxfs_region_exit(r, idx);
	if (ret == -ENODATA) {
		acl = NULL;
	} else if (ret < 0) {
		acl = ERR_PTR(ret);
	} else {
		acl = posix_acl_from_xattr(&init_user_ns, value, ret);
		/* A value the kernel cannot parse is a damaged image. */
		if (IS_ERR(acl) && PTR_ERR(acl) != -ENOMEM)
			acl = ERR_PTR(-EUCLEAN);
	}
	kvfree(value);
	return acl;
}

struct posix_acl *daxfs_get_acl(struct inode *inode, int type, bool rcu)
{
	if (rcu)
		return ERR_PTR(-ECHILD);
	switch (type) {
	case ACL_TYPE_ACCESS:
		return daxfs_read_acl(inode, XATTR_NAME_POSIX_ACL_ACCESS);
	case ACL_TYPE_DEFAULT:
		return daxfs_read_acl(inode, XATTR_NAME_POSIX_ACL_DEFAULT);
	}
	return ERR_PTR(-EINVAL);
}

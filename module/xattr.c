// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: extended attributes (read side).  The image stores full
 * names ("user.foo"); one handler per namespace rebuilds the full name
 * and asks the core.  security.capability is an ordinary security.*
 * attribute, so getcap and file capabilities at exec work.  POSIX ACLs
 * (system.posix_acl_*) are served through acl.c.  Setting fails earlier
 * with EROFS (the superblock is read-only).
 */
#include <linux/fs.h>
#include <linux/xattr.h>
#include <linux/posix_acl_xattr.h>
#include <linux/capability.h>
#include <linux/sched/signal.h>

#include "daxfs.h"

static int daxfs_xattr_get(const struct xattr_handler *handler,
			   struct dentry *unused, struct inode *inode,
			   const char *name, void *buffer, size_t size)
{
	const char *prefix = xattr_prefix(handler);
	size_t plen = strlen(prefix), nlen = strlen(name);
	const struct daxfs_image *img = daxfs_img(inode);
	struct daxfs_region *r = daxfs_region(inode);
	char full[DAXFS_XATTR_NAME_MAX + 1];
	struct daxfs_xattr_info x;
	int idx, ret;

	if (plen + nlen > DAXFS_XATTR_NAME_MAX)
		return -ENODATA;
	memcpy(full, prefix, plen);
	memcpy(full + plen, name, nlen);
	idx = daxfs_region_enter(r);
	if (idx < 0)
		return idx;
	ret = daxfs_xattr_lookup(img, &DAXFS_I(inode)->info, (const u8 *)full,
				 plen + nlen, &x);
	if (!ret)
		ret = size ? daxfs_xattr_value(img, &x, buffer,
					       min_t(size_t, size, U32_MAX)) :
			     (int)x.value_len;
	daxfs_region_exit(r, idx);
	return ret;
}

static const struct xattr_handler daxfs_user_handler = {
	.prefix	= XATTR_USER_PREFIX,
	.get	= daxfs_xattr_get,
};

static const struct xattr_handler daxfs_trusted_handler = {
	.prefix	= XATTR_TRUSTED_PREFIX,
	.get	= daxfs_xattr_get,
};

static const struct xattr_handler daxfs_security_handler = {
	.prefix	= XATTR_SECURITY_PREFIX,
	.get	= daxfs_xattr_get,
};

const struct xattr_handler *daxfs_xattr_handlers[] = {
	&daxfs_user_handler,
	&daxfs_trusted_handler,
	&daxfs_security_handler,
	DAXFS_ACL_XATTR_HANDLERS
	NULL
};

static bool daxfs_has_prefix(const struct daxfs_xattr_info *x,
			     const char *prefix)
{
	size_t len = strlen(prefix);

	return x->name_len > len && !memcmp(x->name, prefix, len);
}

/* Whether the caller may see this attribute's name in a listing. */
static bool daxfs_xattr_listable(const struct daxfs_xattr_info *x)
{
	if (daxfs_has_prefix(x, XATTR_TRUSTED_PREFIX))
		return capable(CAP_SYS_ADMIN);
	if (daxfs_has_prefix(x, XATTR_SYSTEM_PREFIX))
		return !strcmp(x->name, XATTR_NAME_POSIX_ACL_ACCESS) ||
		       !strcmp(x->name, XATTR_NAME_POSIX_ACL_DEFAULT);
	return daxfs_has_prefix(x, XATTR_USER_PREFIX) ||
	       daxfs_has_prefix(x, XATTR_SECURITY_PREFIX);
}

/* Append the name of @x to a listing of @size bytes at @buf. */
static int daxfs_list_one(const struct daxfs_xattr_info *x, char *buf,
			  size_t size, size_t *total)
{
	size_t need = x->name_len + 1;

	if (*total + need > XATTR_LIST_MAX)
		return -E2BIG;
	if (buf) {
		if (*total + need > size)
			return -ERANGE;
		memcpy(buf + *total, x->name, need);	/* with its NUL */
	}
	*total += need;
	return 0;
}

static ssize_t daxfs_list(struct inode *inode, char *buf, size_t size)
{
	const struct daxfs_inode_info *info = &DAXFS_I(inode)->info;
	struct daxfs_xattr_info x;
	size_t total = 0;
	u32 i;
	int ret;

	for (i = 0; i < info->xattr_count; i++) {
		ret = daxfs_xattr_entry(daxfs_img(inode), info, i, &x);
		if (!ret && daxfs_xattr_listable(&x))
			ret = daxfs_list_one(&x, buf, size, &total);
		if (ret)
			return ret;
		if (fatal_signal_pending(current))
			return -EINTR;
		if (!(i & 1023))
			cond_resched();
	}
	return total;
}

ssize_t daxfs_listxattr(struct dentry *dentry, char *buf, size_t size)
{
	struct inode *inode = d_inode(dentry);
	struct daxfs_region *r = daxfs_region(inode);
	ssize_t ret;
	int idx;

	idx = daxfs_region_enter(r);
	if (idx < 0)
		return idx;
	ret = daxfs_list(inode, buf, size);
	daxfs_region_exit(r, idx);
	return ret;
}

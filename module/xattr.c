// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: extended attributes (read side).  The image stores full
 * names ("user.foo"); one handler per namespace rebuilds the full name
 * and asks the core.  security.capability is an ordinary security.*
 * attribute, so getcap and file capabilities at exec work.  Setting
 * fails earlier with EROFS (the superblock is read-only).
 */
#include <linux/fs.h>
#include <linux/xattr.h>
#include <linux/capability.h>

#include "daxfs.h"

static int daxfs_xattr_get(const struct xattr_handler *handler,
			   struct dentry *unused, struct inode *inode,
			   const char *name, void *buffer, size_t size)
{
	const char *prefix = xattr_prefix(handler);
	size_t plen = strlen(prefix), nlen = strlen(name);
	struct daxfs_xattr_info x;
	char full[DAXFS_XATTR_NAME_MAX + 1];
	int ret;

	if (plen + nlen > DAXFS_XATTR_NAME_MAX)
		return -ENODATA;
	memcpy(full, prefix, plen);
	memcpy(full + plen, name, nlen);
	ret = daxfs_xattr_lookup(daxfs_img(inode), &DAXFS_I(inode)->info,
				 (const u8 *)full, plen + nlen, &x);
	if (ret)
		return ret;
	if (!size)
		return x.value_len;
	if (size < x.value_len)
		return -ERANGE;
	memcpy(buffer, x.value, x.value_len);
	return x.value_len;
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
	return daxfs_has_prefix(x, XATTR_USER_PREFIX) ||
	       daxfs_has_prefix(x, XATTR_SECURITY_PREFIX);
}

ssize_t daxfs_listxattr(struct dentry *dentry, char *buf, size_t size)
{
	struct inode *inode = d_inode(dentry);
	const struct daxfs_inode_info *info = &DAXFS_I(inode)->info;
	struct daxfs_xattr_info x;
	char name[DAXFS_XATTR_NAME_MAX + 1];
	size_t total = 0;
	u32 i;
	int ret;

	for (i = 0; i < info->xattr_count; i++) {
		ret = daxfs_xattr_entry(daxfs_img(inode), info, i, &x);
		if (ret)
			return ret;
		if (x.name_len > DAXFS_XATTR_NAME_MAX)
			return -EUCLEAN;
		/* Copy first: the region may change under us. */
		memcpy(name, x.name, x.name_len);
		x.name = (const u8 *)name;
		if (memchr(name, '\0', x.name_len))
			return -EUCLEAN;
		if (!daxfs_xattr_listable(&x))
			continue;
		if (buf) {
			if (total + x.name_len + 1 > size)
				return -ERANGE;
			memcpy(buf + total, name, x.name_len);
			buf[total + x.name_len] = '\0';
		}
		total += x.name_len + 1;
	}
	return total;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: extended attributes.  The image and the log store full names
 * ("user.foo"); one handler per namespace rebuilds the full name and asks
 * the view, or logs a change (the value and the inode's new ctime in one
 * transaction).  security.capability is an ordinary security.* attribute,
 * so getcap and file capabilities at exec work.  POSIX ACLs
 * (system.posix_acl_*) are served through acl.c.
 */
#include <linux/fs.h>
#include <linux/xattr.h>
#include <linux/posix_acl_xattr.h>
#include <linux/capability.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/sched/signal.h>

#include "daxfs.h"

/* The view of @inode's filesystem (its branch's, or the base alone). */
static const struct daxfs_view *daxfs_iview(struct inode *inode,
					    struct daxfs_view *base)
{
	struct daxfs_delta *d = daxfs_delta(inode);

	if (d)
		return &d->view;
	memset(base, 0, sizeof(*base));
	base->img = daxfs_img(inode);
	return base;
}

/* "prefix" + "name" into @full; its length, or -ERANGE when too long. */
static int daxfs_full_name(char *full, const char *prefix, const char *name)
{
	size_t plen = strlen(prefix), nlen = strlen(name);

	if (plen + nlen > DAXFS_XATTR_NAME_MAX)
		return -ERANGE;
	memcpy(full, prefix, plen);
	memcpy(full + plen, name, nlen + 1);
	return plen + nlen;
}

/* The value of @full (@size 0: its length only). */
static int daxfs_getx(struct inode *inode, const char *full, int len,
		      void *buffer, size_t size)
{
	struct daxfs_region *r = daxfs_region(inode);
	struct daxfs_view base;
	int idx, ret;

	idx = daxfs_region_enter(r);
	if (idx < 0)
		return idx;
	ret = daxfs_view_get(inode);
	if (!ret) {
		ret = daxfs_view_xattr_get(daxfs_iview(inode, &base),
					   &DAXFS_I(inode)->vi,
					   (const u8 *)full, len,
					   size ? buffer : NULL,
					   min_t(size_t, size, U32_MAX));
		daxfs_view_put(inode);
	}
	daxfs_region_exit(r, idx);
	return ret;
}

static int daxfs_xattr_get(const struct xattr_handler *handler,
			   struct dentry *unused, struct inode *inode,
			   const char *name, void *buffer, size_t size)
{
	char full[DAXFS_XATTR_NAME_MAX + 1];
	int len = daxfs_full_name(full, xattr_prefix(handler), name);

	if (len < 0)
		return -ENODATA;
	return daxfs_getx(inode, full, len, buffer, size);
}

/* The record setting (@value) or removing (NULL) xattr @name. */
int daxfs_txn_xattr(struct daxfs_txn *t, struct inode *inode,
		    const char *name, const void *value, size_t size)
{
	u32 len = strlen(name);

	if (len > DAXFS_XATTR_NAME_MAX || size > DAXFS_XATTR_VALUE_MAX)
		return -ERANGE;
	if (value)
		return daxfs_txn_xattr_set(t, inode->i_ino, (const u8 *)name,
					   len, value, size);
	return daxfs_txn_xattr_del(t, inode->i_ino, (const u8 *)name, len);
}

/*
 * Set or remove xattr @full of @inode, honouring XATTR_CREATE and
 * XATTR_REPLACE; the inode's ctime goes with it.  The VFS holds the
 * inode's i_rwsem.
 */
static int daxfs_setx(struct inode *inode, const char *full,
		      const void *value, size_t size, int flags)
{
	struct timespec64 ct = inode_get_ctime(inode);
	struct daxfs_attr old = DAXFS_I(inode)->vi.attr;
	struct daxfs_txn t;
	int ret, have;

	ret = daxfs_may_change(inode);
	if (ret)
		return ret;
	if (size > DAXFS_XATTR_VALUE_MAX)
		return -E2BIG;
	have = daxfs_getx(inode, full, strlen(full), NULL, 0);
	if (have < 0 && have != -ENODATA)
		return have;
	if ((flags & XATTR_CREATE) && have >= 0)
		return -EEXIST;
	if (((flags & XATTR_REPLACE) || !value) && have == -ENODATA)
		return -ENODATA;
	daxfs_txn_init(&t);
	daxfs_txn_xattr(&t, inode, full, value, size);
	inode_set_ctime_current(inode);
	daxfs_txn_attrs(&t, inode);
	ret = daxfs_commit_txn(inode->i_sb, &t);
	daxfs_txn_release(&t);
	if (ret) {
		inode_set_ctime_to_ts(inode, ct);
		DAXFS_I(inode)->vi.attr = old;
	}
	return ret;
}

static int daxfs_xattr_set(const struct xattr_handler *handler,
			   daxfs_idmap_t *idmap, struct dentry *unused,
			   struct inode *inode, const char *name,
			   const void *value, size_t size, int flags)
{
	char full[DAXFS_XATTR_NAME_MAX + 1];

	if (daxfs_full_name(full, xattr_prefix(handler), name) < 0)
		return -ERANGE;
	return daxfs_setx(inode, full, value, size, flags);
}

static const struct xattr_handler daxfs_user_handler = {
	.prefix	= XATTR_USER_PREFIX,
	.get	= daxfs_xattr_get,
	.set	= daxfs_xattr_set,
};

static const struct xattr_handler daxfs_trusted_handler = {
	.prefix	= XATTR_TRUSTED_PREFIX,
	.get	= daxfs_xattr_get,
	.set	= daxfs_xattr_set,
};

static const struct xattr_handler daxfs_security_handler = {
	.prefix	= XATTR_SECURITY_PREFIX,
	.get	= daxfs_xattr_get,
	.set	= daxfs_xattr_set,
};

const struct xattr_handler *daxfs_xattr_handlers[] = {
	&daxfs_user_handler,
	&daxfs_trusted_handler,
	&daxfs_security_handler,
	DAXFS_ACL_XATTR_HANDLERS
	NULL
};

/* The security module's labels of a new inode, as records of @t. */
static int daxfs_initxattrs(struct inode *inode, const struct xattr *xattrs,
			    void *fs_info)
{
	char full[DAXFS_XATTR_NAME_MAX + 1];
	const struct xattr *x;
	int ret = 0;

	for (x = xattrs; x->name && !ret; x++) {
		ret = daxfs_full_name(full, XATTR_SECURITY_PREFIX, x->name);
		if (ret >= 0)
			ret = daxfs_txn_xattr(fs_info, inode, full, x->value,
					      x->value_len);
	}
	return ret;
}

int daxfs_init_security(struct daxfs_txn *t, struct inode *inode,
			struct inode *dir, const struct qstr *qstr)
{
	int ret = security_inode_init_security(inode, dir, qstr,
					       daxfs_initxattrs, t);

	return ret == -EOPNOTSUPP ? 0 : ret;
}

static bool daxfs_has_prefix(const char *name, u32 len, const char *prefix)
{
	size_t plen = strlen(prefix);

	return len > plen && !memcmp(name, prefix, plen);
}

/*
 * Whether the caller may see this attribute's name in a listing: only
 * names getxattr() would serve (no ACL on a symlink, which the VFS refuses
 * with EOPNOTSUPP, even if a damaged image has one).
 */
static bool daxfs_xattr_listable(struct inode *inode, const char *name,
				 u32 len)
{
	if (daxfs_has_prefix(name, len, XATTR_TRUSTED_PREFIX))
		return capable(CAP_SYS_ADMIN);
	if (daxfs_has_prefix(name, len, XATTR_SYSTEM_PREFIX))
		return !S_ISLNK(inode->i_mode) && IS_POSIXACL(inode) &&
		       (!strcmp(name, XATTR_NAME_POSIX_ACL_ACCESS) ||
			!strcmp(name, XATTR_NAME_POSIX_ACL_DEFAULT));
	return daxfs_has_prefix(name, len, XATTR_USER_PREFIX) ||
	       daxfs_has_prefix(name, len, XATTR_SECURITY_PREFIX);
}

struct daxfs_listing {
	struct inode *inode;
	char *buf;
	size_t size;
	size_t total;
	u64 seen;
};

/* Append one name (with its NUL) to the listing. */
static int daxfs_list_one(void *ctx, const char *name, u32 len)
{
	struct daxfs_listing *l = ctx;
	size_t need = len + 1;

	if (!(++l->seen & 1023)) {
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	if (!daxfs_xattr_listable(l->inode, name, len))
		return 0;
	if (l->total + need > XATTR_LIST_MAX)
		return -E2BIG;
	if (l->buf) {
		if (l->total + need > l->size)
			return -ERANGE;
		memcpy(l->buf + l->total, name, need);
	}
	l->total += need;
	return 0;
}

ssize_t daxfs_listxattr(struct dentry *dentry, char *buf, size_t size)
{
	struct inode *inode = d_inode(dentry);
	struct daxfs_region *r = daxfs_region(inode);
	struct daxfs_listing l = {
		.inode = inode, .buf = size ? buf : NULL, .size = size,
	};
	struct daxfs_view base;
	int idx, ret;

	idx = daxfs_region_enter(r);
	if (idx < 0)
		return idx;
	ret = daxfs_view_get(inode);
	if (!ret) {
		ret = daxfs_view_xattr_names(daxfs_iview(inode, &base),
					     &DAXFS_I(inode)->vi,
					     daxfs_list_one, &l);
		daxfs_view_put(inode);
	}
	daxfs_region_exit(r, idx);
	return ret ? ret : (ssize_t)l.total;
}

/* For acl.c: read and write the raw value of @name. */
int daxfs_xattr_raw_get(struct inode *inode, const char *name, void *buf,
			size_t size)
{
	return daxfs_getx(inode, name, strlen(name), buf, size);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: inodes.  One struct inode per inode number (so hard links
 * share it), filled once from the view (the base inode with the changes
 * of the mount's branch on top); afterwards the VFS inode is the truth
 * for this mount, and every change to it is committed to the branch's
 * log in the same breath (setattr, the write path, the namespace
 * operations), under the inode's i_rwsem, but the size and times an
 * append or a mapped store moves, which are published later (sync.c).
 */
#define pr_fmt(fmt) "daxfs: " fmt

#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/kdev_t.h>
#include <linux/posix_acl.h>
#include <linux/uidgid.h>

#include "daxfs.h"

static struct kmem_cache *daxfs_inode_cachep;

struct inode *daxfs_alloc_inode(struct super_block *sb)
{
	struct daxfs_vnode *di;

	di = alloc_inode_sb(sb, daxfs_inode_cachep, GFP_KERNEL);
	if (!di)
		return NULL;
	memset(&di->vi, 0, sizeof(di->vi));
	di->logged = false;
	di->vgen = 0;		/* set from the view when filled */
	atomic_long_set(&di->mmap_dirty, 0);
	atomic_long_set(&di->attrs_dirty, 0);
	INIT_LIST_HEAD(&di->dirty_node);
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

	mutex_init(&di->cow_lock);
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

/* The attributes of @inode, in the log's terms. */
void daxfs_attr_from_inode(struct inode *inode, struct daxfs_attr *out)
{
	struct timespec64 at = daxfs_get_atime(inode);
	struct timespec64 mt = daxfs_get_mtime(inode);
	struct timespec64 ct = inode_get_ctime(inode);
	struct daxfs_attr attr, *a = &attr;	/* @out may be the vnode's */

	memset(a, 0, sizeof(*a));
	a->mode = inode->i_mode;
	a->nlink = inode->i_nlink;
	a->uid = from_kuid(&init_user_ns, inode->i_uid);
	a->gid = from_kgid(&init_user_ns, inode->i_gid);
	a->size = S_ISLNK(inode->i_mode) || S_ISREG(inode->i_mode) ?
		  i_size_read(inode) : DAXFS_I(inode)->vi.attr.size;
	a->parent = S_ISDIR(inode->i_mode) ? DAXFS_I(inode)->vi.attr.parent : 0;
	a->atime_sec = at.tv_sec;
	a->atime_nsec = at.tv_nsec;
	a->mtime_sec = mt.tv_sec;
	a->mtime_nsec = mt.tv_nsec;
	a->ctime_sec = ct.tv_sec;
	a->ctime_nsec = ct.tv_nsec;
	if (S_ISCHR(inode->i_mode) || S_ISBLK(inode->i_mode)) {
		a->rdev_major = MAJOR(inode->i_rdev);
		a->rdev_minor = MINOR(inode->i_rdev);
	}
	*out = attr;
}

/*
 * Add @inode's attributes to @t, and note them as the ones the view
 * will have once @t is committed (every caller commits at once, under
 * the inode's lock, or evicting it).
 */
int daxfs_txn_attrs(struct daxfs_txn *t, struct inode *inode)
{
	struct daxfs_vnode *vn = DAXFS_I(inode);
	struct daxfs_attr a;

	daxfs_attr_from_inode(inode, &a);
	vn->vi.attr = a;
	/* inodes of two views in one transaction: never committed */
	t->tag = t->tag && t->tag != vn->vgen ? ULONG_MAX : vn->vgen;
	return daxfs_txn_inode(t, inode->i_ino, &a, 0, NULL, 0);
}

int daxfs_getattr(daxfs_idmap_t *idmap, const struct path *path,
		  struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);

	daxfs_fillattr(idmap, request_mask, inode, stat);
	stat->blksize = DAXFS_BLOCK_SIZE;
	return 0;
}

/*
 * Copy a symlink's target out of the view once, at iget: the VFS
 * follows inode->i_link in RCU path walk, and the copy cannot change.
 */
static int daxfs_read_link(struct inode *inode)
{
	struct daxfs_vnode *vn = DAXFS_I(inode);
	struct daxfs_delta *d = daxfs_delta(inode);
	struct daxfs_view base = { .img = daxfs_img(inode) };
	u32 size = vn->vi.attr.size + 1;
	char *buf;
	int len;

	buf = kmalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = daxfs_view_symlink(d ? &d->view : &base, &vn->vi, buf, size);
	if (len < 0) {
		kfree(buf);
		return len;
	}
	inode->i_link = buf;
	return 0;
}

static void daxfs_inode_times(struct inode *inode, const struct daxfs_attr *a)
{
	struct timespec64 at = { a->atime_sec, a->atime_nsec };
	struct timespec64 mt = { a->mtime_sec, a->mtime_nsec };
	struct timespec64 ct = { a->ctime_sec, a->ctime_nsec };

	daxfs_set_times(inode, at, mt, ct);
}

/* Pages of data the inode holds, for st_blocks (directories: entries). */
static void daxfs_set_blocks(struct inode *inode)
{
	const struct daxfs_vinode *vi = &DAXFS_I(inode)->vi;

	if (S_ISREG(inode->i_mode))
		inode->i_blocks = vi->blocks << (DAXFS_BLOCK_SHIFT - 9);
	else if (S_ISDIR(inode->i_mode) && vi->in_base)
		inode->i_blocks = DIV_ROUND_UP((u64)vi->base.count *
					       sizeof(struct daxfs_dirent),
					       512);
	else
		inode->i_blocks = 0;
}

/* Type-specific operations; -EUCLEAN for a value we cannot represent. */
static int daxfs_set_ops(struct inode *inode, u32 major, u32 minor)
{
	switch (inode->i_mode & S_IFMT) {
	case S_IFREG:
		inode->i_op = &daxfs_file_inode_operations;
		inode->i_fop = &daxfs_file_operations;
		return 0;
	case S_IFDIR:
		inode->i_op = &daxfs_dir_inode_operations;
		inode->i_fop = &daxfs_dir_operations;
		return 0;
	case S_IFLNK:
		inode->i_op = &daxfs_symlink_inode_operations;
		return 0;
	case S_IFCHR:
	case S_IFBLK:
		if (major >= (1U << (32 - MINORBITS)) || minor > MINORMASK)
			return -EUCLEAN;
		fallthrough;
	case S_IFIFO:
	case S_IFSOCK:
		inode->i_op = &daxfs_special_inode_operations;
		init_special_inode(inode, inode->i_mode, MKDEV(major, minor));
		return 0;
	}
	return -EUCLEAN;
}

/* The VFS inode from the view's, which was just read. */
static int daxfs_init_inode(struct inode *inode)
{
	const struct daxfs_vinode *vi = &DAXFS_I(inode)->vi;
	const struct daxfs_attr *a = &vi->attr;
	int ret;

	/* (u32)-1 is no valid id: Linux reserves it to mean "none". */
	if (a->size > MAX_LFS_FILESIZE || a->uid == U32_MAX ||
	    a->gid == U32_MAX)
		return -EUCLEAN;
	inode->i_mode = a->mode;
	i_uid_write(inode, a->uid);
	i_gid_write(inode, a->gid);
	set_nlink(inode, a->nlink);
	inode->i_size = S_ISREG(a->mode) || S_ISLNK(a->mode) ? a->size : 0;
	if (S_ISDIR(a->mode))
		inode->i_size = vi->in_base ? vi->base.count : 0;
	daxfs_inode_times(inode, a);
	daxfs_set_blocks(inode);
	ret = daxfs_set_ops(inode, a->rdev_major, a->rdev_minor);
	if (!ret && S_ISLNK(a->mode))
		ret = daxfs_read_link(inode);
	return ret;
}

/*
 * Fill @inode from the view (the caller holds the view lock): its vnode
 * notes which view that was.
 */
static int daxfs_load_inode(struct inode *inode, const struct daxfs_view *v)
{
	struct daxfs_vnode *vn = DAXFS_I(inode);
	struct daxfs_delta *d = daxfs_delta(inode);
	int ret;

	ret = daxfs_view_inode(v, inode->i_ino, &vn->vi);
	if (d)
		vn->vgen = d->vgen;
	if (ret == -ENOENT)
		ret = -EUCLEAN;	/* a name led to it: damage */
	if (!ret)
		ret = daxfs_init_inode(inode);
	return ret;
}

static int daxfs_fill_inode(struct inode *inode)
{
	struct daxfs_vnode *vn = DAXFS_I(inode);
	struct daxfs_region *r = daxfs_region(inode);
	struct daxfs_delta *d = daxfs_delta(inode);
	struct daxfs_view base = { .img = daxfs_img(inode) };
	int idx, ret;

	idx = daxfs_region_enter(r);
	if (idx < 0)
		return idx;
	daxfs_view_lock(inode->i_sb);
	ret = daxfs_load_inode(inode, d ? &d->view : &base);
	daxfs_view_unlock(inode->i_sb);
	daxfs_region_exit(r, idx);
	/* No xattrs anywhere, no ACL: permission checks stay in RCU walk. */
	if (!ret && !vn->vi.changed && !vn->vi.base.xattr_count)
		cache_no_acl(inode);
	vn->logged = true;
	return ret;
}

/*
 * The root after a switch of branch: the same inode, read again from the
 * new view (whose index lock the caller holds for writing).  The root
 * cannot be dropped and looked up again as other inodes are.
 */
int daxfs_reload_root(struct inode *root)
{
	forget_all_cached_acls(root);
	return daxfs_load_inode(root, &daxfs_delta(root)->view);
}

struct inode *daxfs_iget(struct super_block *sb, u64 ino)
{
	struct inode *inode;
	int ret;

	if (!ino || ino > (1ULL << 48))
		return ERR_PTR(-EUCLEAN);
again:
	inode = iget_locked(sb, ino);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	if (!(inode->i_state & I_NEW)) {
		/* filled from a view the mount no longer shows: not ours */
		if (daxfs_stale(inode) && !READ_ONCE(daxfs_delta(inode)->discarded)) {
			remove_inode_hash(inode);
			iput(inode);
			goto again;
		}
		return inode;
	}
	ret = daxfs_fill_inode(inode);
	if (ret) {
		/* Unlinked and never logged: evicted, not cached or freed. */
		DAXFS_I(inode)->logged = false;
		clear_nlink(inode);
		iget_failed(inode);
		return ERR_PTR(ret);
	}
	unlock_new_inode(inode);
	return inode;
}

/*
 * A new inode for @dir's filesystem, not yet in the log: the caller adds
 * its INODE record (with DAXFS_RI_NEW) to the transaction that names it,
 * sets vn->logged once that commits, or discards it.
 */
struct inode *daxfs_new_inode(daxfs_idmap_t *idmap, struct inode *dir,
			      umode_t mode, dev_t rdev)
{
	struct super_block *sb = dir->i_sb;
	struct daxfs_vnode *vn;
	struct inode *inode;
	int ret;

	inode = new_inode(sb);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	vn = DAXFS_I(inode);
	inode->i_ino = daxfs_ino_next(daxfs_img(dir));
	vn->vgen = DAXFS_I(dir)->vgen;
	inode_init_owner(idmap, inode, dir, mode);
	set_nlink(inode, S_ISDIR(mode) ? 2 : 1);
	daxfs_set_times(inode, current_time(inode), current_time(inode),
			current_time(inode));
	vn->vi.ino = inode->i_ino;
	vn->vi.changed = true;
	vn->vi.attr.parent = S_ISDIR(mode) ? dir->i_ino : 0;
	ret = daxfs_set_ops(inode, MAJOR(rdev), MINOR(rdev));
	if (!ret)
		ret = insert_inode_locked(inode);
	if (ret) {
		make_bad_inode(inode);
		iput(inode);
		return ERR_PTR(ret);
	}
	return inode;
}

/*
 * The last reference of an inode.  With links left, attributes an append
 * left unpublished go to the log.  With no link left, it is gone, and its
 * pages come back, in one transaction (which may use the space kept for
 * exactly this).  A read-only mount leaves it to the next writable one.
 */
void daxfs_evict_inode(struct inode *inode)
{
	struct daxfs_vnode *vn = DAXFS_I(inode);
	struct daxfs_txn t;
	int ret;

	truncate_inode_pages_final(&inode->i_data);
	if (inode->i_nlink && daxfs_delta(inode) && !daxfs_stale(inode)) {
		ret = daxfs_publish_attrs(inode);
		if (ret && ret != -EROFS)
			pr_warn_ratelimited("%s: inode %lu: cannot publish its size and times (%d); the log keeps the earlier ones\n",
					    inode->i_sb->s_id, inode->i_ino, ret);
	}
	daxfs_forget_attrs(inode);
	if (!inode->i_nlink && vn->logged && !is_bad_inode(inode) &&
	    !daxfs_may_change(inode)) {
		daxfs_txn_init(&t);
		t.alloc_flags = DAXFS_ALLOC_RESERVE;
		daxfs_txn_free(&t, inode->i_ino);
		t.tag = vn->vgen;
		ret = daxfs_commit_txn(inode->i_sb, &t);
		daxfs_txn_release(&t);
		if (ret)
			pr_warn("%s: inode %lu: cannot free it (%d); the next writable mount will\n",
				inode->i_sb->s_id, inode->i_ino, ret);
	}
	clear_inode(inode);
}

/* Everything of @iattr but the size, committed; restored on failure. */
static int daxfs_setattr_commit(daxfs_idmap_t *idmap, struct inode *inode,
				struct iattr *iattr)
{
	umode_t mode = inode->i_mode;
	kuid_t uid = inode->i_uid;
	kgid_t gid = inode->i_gid;
	struct timespec64 at = daxfs_get_atime(inode);
	struct timespec64 mt = daxfs_get_mtime(inode);
	struct timespec64 ct = inode_get_ctime(inode);
	struct daxfs_attr old = DAXFS_I(inode)->vi.attr;
	struct daxfs_txn t;
	int ret;

	setattr_copy(idmap, inode, iattr);
	daxfs_txn_init(&t);
	daxfs_txn_attrs(&t, inode);
	ret = daxfs_commit_txn(inode->i_sb, &t);
	daxfs_txn_release(&t);
	if (ret) {
		inode->i_mode = mode;
		inode->i_uid = uid;
		inode->i_gid = gid;
		daxfs_set_times(inode, at, mt, ct);
		DAXFS_I(inode)->vi.attr = old;
	}
	return ret;
}

int daxfs_setattr(daxfs_idmap_t *idmap, struct dentry *dentry,
		  struct iattr *iattr)
{
	struct inode *inode = d_inode(dentry);
	int ret;

	ret = daxfs_may_change(inode);
	if (ret)
		return ret;
	ret = setattr_prepare(idmap, dentry, iattr);
	if (ret)
		return ret;
	if ((iattr->ia_valid & ATTR_SIZE) && iattr->ia_size != inode->i_size) {
		ret = daxfs_truncate(inode, iattr->ia_size);
		if (ret)
			return ret;
		iattr->ia_valid &= ~ATTR_SIZE;
	}
	iattr->ia_valid &= ~ATTR_SIZE;
	if (!(iattr->ia_valid & ~(ATTR_FILE | ATTR_OPEN | ATTR_KILL_SUID |
				   ATTR_KILL_SGID | ATTR_KILL_PRIV)))
		return 0;
	ret = daxfs_setattr_commit(idmap, inode, iattr);
	if (!ret && (iattr->ia_valid & ATTR_MODE))
		ret = posix_acl_chmod(idmap, daxfs_acl_arg(dentry),
				      inode->i_mode);
	return ret;
}

/* Regular files. */
const struct inode_operations daxfs_file_inode_operations = {
	.getattr	= daxfs_getattr,
	.setattr	= daxfs_setattr,
	.listxattr	= daxfs_listxattr,
	DAXFS_GET_ACL_OP(daxfs_get_acl),
	.set_acl	= daxfs_set_acl_op,
};

/* Device, fifo and socket nodes. */
const struct inode_operations daxfs_special_inode_operations = {
	.getattr	= daxfs_getattr,
	.setattr	= daxfs_setattr,
	.listxattr	= daxfs_listxattr,
	DAXFS_GET_ACL_OP(daxfs_get_acl),
	.set_acl	= daxfs_set_acl_op,
};

const struct inode_operations daxfs_symlink_inode_operations = {
	.get_link	= simple_get_link,
	.getattr	= daxfs_getattr,
	.setattr	= daxfs_setattr,
	.listxattr	= daxfs_listxattr,
};

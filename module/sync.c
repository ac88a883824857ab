// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: what a change leaves for later, and the calls that finish it.
 *
 * Every change commits its transaction before its call returns, with two
 * exceptions, both of which leave the bytes where they belong and only
 * the record of them for later:
 *
 * - A write that only adds bytes past the end of file inside pages the
 *   branch already owns (a small append) stores them in place and moves
 *   i_size, mtime and ctime in memory: the inode's attributes are then
 *   newer than the log.  They are published (an INODE record) by the
 *   next transaction that names the inode, by fsync, fdatasync, syncfs
 *   and sync, by remount read-only and unmount, when the inode is
 *   evicted, and by a timer about DAXFS_ATTRS_MS later (again after a
 *   failure the timer may retry).  A crash before that shows the file as
 *   of an earlier size: a prefix of what was written, never other bytes
 *   (the tail past a published end is zeroed before the end moves over
 *   it: daxfs_zero_eof_tail).
 * - Stores through shared mappings, which on persistent memory may sit
 *   in CPU caches until fsync writes them back; they also move mtime and
 *   ctime, published the same way.
 *
 * Both are counts of changes (@attrs_dirty, @mmap_dirty in the vnode),
 * raised by a fully ordered increment after the change and cleared by a
 * compare-and-swap from the value read before the work that covers it:
 * a change made meanwhile keeps its count, and a sync that runs while
 * another is still at work does the work again rather than return early.
 * An inode whose attributes are counted is on its mount's dirty list
 * (@dirty_lock), which the timer walks.
 *
 * Attributes are published under the inode's i_rwsem, which every commit
 * of a file's size holds, so a snapshot of them is never logged after a
 * newer one (mapped stores move only the times, without it).
 *
 * Before the mount's branch freezes (a child is created from it) or
 * leaves the view (a switch), what appends left in memory must be in its
 * log, and an append racing that must be published before it or fail:
 * it must never return success and then vanish.  @quiesce, raised for
 * the time, tells appends to publish at once (write.c); the operation
 * syncs, then takes @log_lock and checks under @dirty_lock that nothing
 * is left, else syncs again.  An append that deferred after that check
 * took @dirty_lock after it, so sees @quiesce; its publish waits for
 * @log_lock and then finds the branch frozen or gone: the append fails.
 * One that deferred so late that the quiesce had ended sees what it ended
 * for (the frozen flag, or a new view generation), stored before the
 * count went down: it publishes at once too, and fails.
 */
#define pr_fmt(fmt) "daxfs: " fmt

#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

#include "daxfs.h"

/* When the timer publishes what appends left, after the first of them. */
#define DAXFS_ATTRS_MS	1000U

/* A quiesce syncs this often, this far apart, before it gives up (EBUSY). */
#define DAXFS_QUIESCE_TRIES		20
#define DAXFS_QUIESCE_BACKOFF_MS	10

static void daxfs_arm_attrs_work(struct daxfs_delta *d)
{
	queue_delayed_work(system_unbound_wq, &d->attrs_work,
			   msecs_to_jiffies(DAXFS_ATTRS_MS));
}

/* @inode's size or times changed in memory only: publish them soon. */
void daxfs_defer_attrs(struct inode *inode)
{
	struct daxfs_vnode *vn = DAXFS_I(inode);
	struct daxfs_delta *d = daxfs_delta(inode);

	atomic_long_inc_return(&vn->attrs_dirty);
	spin_lock(&d->dirty_lock);
	if (list_empty(&vn->dirty_node))
		list_add_tail(&vn->dirty_node, &d->dirty_list);
	spin_unlock(&d->dirty_lock);
	daxfs_arm_attrs_work(d);
}

/* The @n changes counted were covered: off the dirty list, unless more came. */
static void daxfs_attrs_clean(struct inode *inode, long n)
{
	struct daxfs_vnode *vn = DAXFS_I(inode);
	struct daxfs_delta *d = daxfs_delta(inode);

	if (atomic_long_cmpxchg(&vn->attrs_dirty, n, 0) != n)
		return;
	spin_lock(&d->dirty_lock);
	if (!atomic_long_read(&vn->attrs_dirty))
		list_del_init(&vn->dirty_node);
	spin_unlock(&d->dirty_lock);
}

/* Are @inode's size or times newer in memory than in the log? */
static bool daxfs_attrs_newer(struct inode *inode)
{
	const struct daxfs_attr *a = &DAXFS_I(inode)->vi.attr;
	struct timespec64 mt = daxfs_get_mtime(inode);
	struct timespec64 ct = inode_get_ctime(inode);

	return a->size != i_size_read(inode) ||
	       a->mtime_sec != mt.tv_sec || a->mtime_nsec != mt.tv_nsec ||
	       a->ctime_sec != ct.tv_sec || a->ctime_nsec != ct.tv_nsec;
}

/*
 * An append took its size back (its publish came after the freeze or the
 * switch: write.c).  Whatever was deferred before it was published
 * before that (daxfs_quiesce_lock), so when the attributes equal the
 * log's again nothing is left to publish.  Caller holds i_rwsem.
 */
void daxfs_undefer_attrs(struct inode *inode)
{
	long n = atomic_long_read(&DAXFS_I(inode)->attrs_dirty);

	if (n && !daxfs_attrs_newer(inode))
		daxfs_attrs_clean(inode, n);
}

/*
 * Commit @inode's attributes if they are newer than the log.  Caller holds
 * the inode's i_rwsem, or is evicting it.  On failure they stay counted.
 */
int daxfs_publish_attrs(struct inode *inode)
{
	struct daxfs_vnode *vn = DAXFS_I(inode);
	long n = atomic_long_read(&vn->attrs_dirty);
	struct daxfs_attr old = vn->vi.attr;
	struct daxfs_txn t;
	int ret;

	if (!n)
		return 0;
	ret = daxfs_may_change(inode);
	if (ret)
		return ret;
	smp_mb();	/* the count, then the attributes it covers */
	daxfs_txn_init(&t);
	/* it finishes calls that have returned: the reserve may serve */
	t.alloc_flags = DAXFS_ALLOC_RESERVE;
	daxfs_txn_attrs(&t, inode);
	ret = daxfs_commit_txn(inode->i_sb, &t);
	daxfs_txn_release(&t);
	if (ret) {
		vn->vi.attr = old;
		return ret;
	}
	daxfs_attrs_clean(inode, n);
	return 0;
}

/*
 * An operation that moved @inode's times (file_modified) may have found
 * nothing else to change (a hole punched in a hole): commit the times
 * now, so that it is as durable as one that did.  Caller holds i_rwsem.
 */
int daxfs_settle_attrs(struct inode *inode)
{
	struct daxfs_attr old = DAXFS_I(inode)->vi.attr;
	struct daxfs_txn t;
	int ret;

	if (!daxfs_attrs_newer(inode))
		return 0;
	daxfs_txn_init(&t);
	daxfs_txn_attrs(&t, inode);
	ret = daxfs_commit_txn(inode->i_sb, &t);
	daxfs_txn_release(&t);
	if (ret)
		DAXFS_I(inode)->vi.attr = old;
	return ret;
}

static int daxfs_publish_attrs_locked(struct inode *inode)
{
	int ret;

	if (!atomic_long_read(&DAXFS_I(inode)->attrs_dirty))
		return 0;
	inode_lock(inode);
	ret = daxfs_publish_attrs(inode);
	inode_unlock(inode);
	return ret;
}

/* The inode is going: off the dirty list (its attributes went first). */
void daxfs_forget_attrs(struct inode *inode)
{
	struct daxfs_vnode *vn = DAXFS_I(inode);
	struct daxfs_delta *d = daxfs_delta(inode);

	if (!d)
		return;
	spin_lock(&d->dirty_lock);
	list_del_init(&vn->dirty_node);
	spin_unlock(&d->dirty_lock);
}

/*
 * A store may now reach one of @inode's pages through a shared mapping:
 * fsync has data to write back (persistent memory only), and mtime and
 * ctime move, to be published later.
 */
void daxfs_mapped_store(struct inode *inode, struct file *file)
{
	if (daxfs_img(inode)->persistent)
		atomic_long_inc_return(&DAXFS_I(inode)->mmap_dirty);
	file_update_time(file);
	daxfs_defer_attrs(inode);
}

/* Write back the CPU caches over @inode's own pages. */
static int daxfs_writeback_pages(struct inode *inode)
{
	u64 pgoff = 0, pages = DIV_ROUND_UP_ULL(i_size_read(inode), PAGE_SIZE);
	struct daxfs_fmap m;
	int ret = 0;

	while (pgoff < pages && !ret) {
		ret = daxfs_map_page(inode, pgoff, &m);
		if (ret)
			break;
		if (!m.hole && m.level >= 0)
			arch_wb_cache_pmem(daxfs_page_addr(inode, m.pgno),
					   m.npages << PAGE_SHIFT);
		pgoff += max_t(u64, m.npages, 1);
		cond_resched();
	}
	pmem_wmb();
	return ret;
}

/*
 * Stores through shared mappings may still sit in CPU caches on
 * persistent memory: write back the file's own pages.
 */
static int daxfs_writeback_mapped(struct inode *inode)
{
	struct daxfs_vnode *vn = DAXFS_I(inode);
	long n = atomic_long_read(&vn->mmap_dirty);
	int ret, idx;

	if (!n)
		return 0;
	idx = daxfs_region_enter(daxfs_region(inode));
	if (idx < 0)
		return idx;
	filemap_invalidate_lock_shared(inode->i_mapping);
	/*
	 * Entries that stay writable would take later stores without a
	 * fault, and so without being counted: they go, and the next store
	 * comes back through ->pfn_mkwrite.  Stores made before this are
	 * written back below.
	 */
	if (mapping_writably_mapped(inode->i_mapping))
		unmap_mapping_range(inode->i_mapping, 0, 0, 0);
	ret = daxfs_writeback_pages(inode);
	filemap_invalidate_unlock_shared(inode->i_mapping);
	daxfs_region_exit(daxfs_region(inode), idx);
	if (!ret)
		atomic_long_cmpxchg(&vn->mmap_dirty, n, 0);
	return ret;
}

/* Everything of @inode durable: mapped stores, then its attributes. */
int daxfs_sync_inode(struct inode *inode)
{
	int ret;

	if (!daxfs_delta(inode))
		return 0;
	ret = daxfs_writeback_mapped(inode);
	if (!ret)
		ret = daxfs_publish_attrs_locked(inode);
	return ret;
}

int daxfs_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	return daxfs_sync_inode(file_inode(file));
}

static bool daxfs_needs_sync(struct inode *inode)
{
	struct daxfs_vnode *vn = DAXFS_I(inode);

	return atomic_long_read(&vn->attrs_dirty) ||
	       atomic_long_read(&vn->mmap_dirty);
}

/*
 * syncfs, sync, unmount (all with s_umount held) and remount ro: sync
 * every inode that has something left; the first error is kept.
 */
int daxfs_sync_fs(struct super_block *sb, int wait)
{
	struct inode *inode, *prev = NULL;
	int ret = 0, err;

	if (!DAXFS_SB(sb)->delta)
		return 0;
	spin_lock(&sb->s_inode_list_lock);
	list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		if (!daxfs_needs_sync(inode) || !igrab(inode))
			continue;
		spin_unlock(&sb->s_inode_list_lock);
		iput(prev);
		err = daxfs_sync_inode(inode);
		if (!ret)
			ret = err;
		prev = inode;
		cond_resched();
		spin_lock(&sb->s_inode_list_lock);
	}
	spin_unlock(&sb->s_inode_list_lock);
	iput(prev);
	return ret;
}

/*
 * Publish the attributes of every inode on the dirty list.  The list is
 * taken whole; an inode being evicted (igrab fails) publishes its own and
 * stays listed until then; one that failed goes back on the list.  The
 * first error is returned.
 */
static int daxfs_publish_dirty(struct daxfs_delta *d)
{
	struct daxfs_vnode *vn;
	struct inode *inode;
	LIST_HEAD(todo);
	int ret = 0, err;

	spin_lock(&d->dirty_lock);
	list_splice_init(&d->dirty_list, &todo);
	while (!list_empty(&todo)) {
		vn = list_first_entry(&todo, struct daxfs_vnode, dirty_node);
		list_del_init(&vn->dirty_node);
		inode = igrab(&vn->vfs_inode);
		if (!inode) {
			/*
			 * Being evicted: it publishes its own, and leaves
			 * the list then (a quiesce waits for that).
			 */
			list_add_tail(&vn->dirty_node, &d->dirty_list);
			continue;
		}
		spin_unlock(&d->dirty_lock);
		err = daxfs_publish_attrs_locked(inode);
		if (err && !ret)
			ret = err;
		spin_lock(&d->dirty_lock);
		if (atomic_long_read(&vn->attrs_dirty) &&
		    list_empty(&vn->dirty_node))
			list_add_tail(&vn->dirty_node, &d->dirty_list);
		spin_unlock(&d->dirty_lock);
		iput(inode);
		cond_resched();
		spin_lock(&d->dirty_lock);
	}
	spin_unlock(&d->dirty_lock);
	return ret;
}

/*
 * The timer.  It runs under s_umount (shared, as writeback does), so that
 * an unmount or a remount, which hold it exclusively and sync first, never
 * races it; when it cannot have it, it comes back later, and after a
 * failure that may pass (no memory, no space) too.
 */
void daxfs_attrs_work(struct work_struct *work)
{
	struct daxfs_delta *d = container_of(to_delayed_work(work),
					     struct daxfs_delta, attrs_work);
	struct super_block *sb = d->sb;
	int ret = 0;

	if (!down_read_trylock(&sb->s_umount)) {
		daxfs_arm_attrs_work(d);
		return;
	}
	if (sb->s_root && !sb_rdonly(sb))
		ret = daxfs_publish_dirty(d);
	up_read(&sb->s_umount);
	if (ret && ret != -EIO && ret != -EROFS && ret != -ESTALE)
		daxfs_arm_attrs_work(d);
}

/* Appends publish at once from now on; what they left is published. */
int daxfs_quiesce_begin(struct super_block *sb, struct daxfs_delta *d)
{
	int ret;

	atomic_inc(&d->quiesce);
	smp_mb__after_atomic();	/* seen by appends that defer from now on */
	ret = daxfs_sync_fs(sb, 1);
	if (ret)
		daxfs_quiesce_end(d);
	return ret;
}

static bool daxfs_appends_pending(struct daxfs_delta *d)
{
	bool pending;

	spin_lock(&d->dirty_lock);
	pending = !list_empty(&d->dirty_list);
	spin_unlock(&d->dirty_lock);
	return pending;
}

/*
 * After daxfs_quiesce_begin(): take @log_lock with nothing an append left
 * unpublished.  On an error, @log_lock is not held and the quiesce ended.
 */
int daxfs_quiesce_lock(struct super_block *sb, struct daxfs_delta *d)
{
	int tries, ret;

	for (tries = 0; ; tries++) {
		mutex_lock(&d->log_lock);
		if (!daxfs_appends_pending(d))
			return 0;
		mutex_unlock(&d->log_lock);
		/* an inode being evicted publishes its own: give it time */
		if (tries)
			msleep(DAXFS_QUIESCE_BACKOFF_MS);
		ret = tries < DAXFS_QUIESCE_TRIES ? daxfs_sync_fs(sb, 1) :
		      -EBUSY;
		if (ret) {
			daxfs_quiesce_end(d);
			return ret;
		}
	}
}

void daxfs_quiesce_end(struct daxfs_delta *d)
{
	/* a frozen branch or a new view is seen by appends that see this */
	smp_mb__before_atomic();
	atomic_dec(&d->quiesce);
}

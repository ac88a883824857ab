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
 *   newer than the log (@attrs_dirty).  They are published (an INODE
 *   record) by the next transaction that names the inode, by fsync,
 *   fdatasync, syncfs and sync, by remount read-only and unmount, when
 *   the inode is evicted, and by a timer within DAXFS_ATTRS_MS.  A crash
 *   before that shows the file as of an earlier size: a prefix of what
 *   was written, never other bytes (the tail past a published end is
 *   zeroed before the end moves over it: daxfs_zero_eof_tail).
 * - Stores through shared mappings (@mmap_dirty), which on persistent
 *   memory may sit in CPU caches until fsync writes them back; they also
 *   move mtime and ctime, published the same way.
 *
 * Publishing reads the attributes under the inode's i_rwsem, the lock
 * every other commit of them holds, so a snapshot can never be logged
 * after a newer one.
 */
#define pr_fmt(fmt) "daxfs: " fmt

#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

#include "daxfs.h"

/* How long an in-place append may stay unpublished without a sync. */
#define DAXFS_ATTRS_MS	1000U

/*
 * @inode's size or times changed in memory only: publish them soon.  The
 * flag is set before the timer is armed, so the timer always sees it.
 */
void daxfs_defer_attrs(struct inode *inode)
{
	struct daxfs_delta *d = daxfs_delta(inode);

	if (READ_ONCE(DAXFS_I(inode)->attrs_dirty))
		return;
	WRITE_ONCE(DAXFS_I(inode)->attrs_dirty, true);
	schedule_delayed_work(&d->attrs_work,
			      msecs_to_jiffies(DAXFS_ATTRS_MS));
}

/*
 * Commit @inode's attributes if they are newer than the log.  Caller holds
 * the inode's i_rwsem, or is evicting it.  On failure they stay marked.
 */
int daxfs_publish_attrs(struct inode *inode)
{
	struct daxfs_vnode *vn = DAXFS_I(inode);
	struct daxfs_txn t;
	int ret;

	if (!READ_ONCE(vn->attrs_dirty))
		return 0;
	ret = daxfs_writable(inode->i_sb);
	if (ret)
		return ret;
	WRITE_ONCE(vn->attrs_dirty, false);
	daxfs_txn_init(&t);
	/* it finishes calls that have returned: the reserve may serve */
	t.alloc_flags = DAXFS_ALLOC_RESERVE;
	daxfs_txn_attrs(&t, inode);
	ret = daxfs_commit_txn(inode->i_sb, &t);
	daxfs_txn_release(&t);
	if (ret)
		WRITE_ONCE(vn->attrs_dirty, true);
	return ret;
}

static int daxfs_publish_attrs_locked(struct inode *inode)
{
	int ret;

	if (!READ_ONCE(DAXFS_I(inode)->attrs_dirty))
		return 0;
	inode_lock(inode);
	ret = daxfs_publish_attrs(inode);
	inode_unlock(inode);
	return ret;
}

/*
 * Stores through shared mappings may still sit in CPU caches on
 * persistent memory: write back the file's own pages (once per round of
 * mapped writes).
 */
static int daxfs_writeback_mapped(struct inode *inode)
{
	struct daxfs_vnode *vn = DAXFS_I(inode);
	u64 pgoff = 0, pages;
	struct daxfs_fmap m;
	int ret = 0, idx;

	if (!READ_ONCE(vn->mmap_dirty) || !daxfs_img(inode)->persistent)
		return 0;
	idx = daxfs_region_enter(daxfs_region(inode));
	if (idx < 0)
		return idx;
	WRITE_ONCE(vn->mmap_dirty, false);
	filemap_invalidate_lock_shared(inode->i_mapping);
	/*
	 * Entries that stay writable would take later stores without a
	 * fault, and so without setting mmap_dirty again: they go, and the
	 * next store comes back through ->pfn_mkwrite.  Stores made before
	 * this are written back below.
	 */
	if (mapping_writably_mapped(inode->i_mapping))
		unmap_mapping_range(inode->i_mapping, 0, 0, 0);
	pages = DIV_ROUND_UP_ULL(i_size_read(inode), PAGE_SIZE);
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
	filemap_invalidate_unlock_shared(inode->i_mapping);
	pmem_wmb();
	daxfs_region_exit(daxfs_region(inode), idx);
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

static bool daxfs_needs_sync(struct inode *inode, bool attrs_only)
{
	struct daxfs_vnode *vn = DAXFS_I(inode);

	return READ_ONCE(vn->attrs_dirty) ||
	       (!attrs_only && READ_ONCE(vn->mmap_dirty));
}

/*
 * Sync every inode that has something left (only the attributes, for
 * @attrs_only); the first error is kept.
 */
static int daxfs_sync_all(struct super_block *sb, bool attrs_only)
{
	struct inode *inode, *prev = NULL;
	int ret = 0, err;

	spin_lock(&sb->s_inode_list_lock);
	list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		if (!daxfs_needs_sync(inode, attrs_only) || !igrab(inode))
			continue;
		spin_unlock(&sb->s_inode_list_lock);
		iput(prev);
		err = attrs_only ? daxfs_publish_attrs_locked(inode) :
				   daxfs_sync_inode(inode);
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

/* syncfs, sync, unmount (called with s_umount held) and remount ro. */
int daxfs_sync_fs(struct super_block *sb, int wait)
{
	if (!DAXFS_SB(sb)->delta)
		return 0;
	return daxfs_sync_all(sb, false);
}

/*
 * The timer: publish the attributes appends and mapped stores left
 * (mapped data itself is written back by fsync and syncfs).  It runs under s_umount (shared,
 * as writeback does), so that an unmount or a remount, which hold it
 * exclusively and sync first, never races it; when it cannot have it,
 * it comes back later.
 */
void daxfs_attrs_work(struct work_struct *work)
{
	struct daxfs_delta *d = container_of(to_delayed_work(work),
					     struct daxfs_delta, attrs_work);
	struct super_block *sb = d->sb;

	if (!down_read_trylock(&sb->s_umount)) {
		schedule_delayed_work(&d->attrs_work,
				      msecs_to_jiffies(DAXFS_ATTRS_MS));
		return;
	}
	if (sb->s_root && !sb_rdonly(sb))
		daxfs_sync_all(sb, true);
	up_read(&sb->s_umount);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: committing a transaction to the mount's branch, and the
 * delta pages operations take and give back.
 *
 * A commit stages the records in the log, applies them to the index and
 * publishes them (the tail store), all under the log lock, the index
 * lock held for writing across apply and publish so that no query sees
 * an index ahead of or behind the log.  Pages the transaction stopped
 * using are given back to the allocator only after the publish: until
 * then the log still names them.  Memory for the index is taken with
 * reclaim kept out of filesystems (an inode evicted by reclaim would
 * commit too, and wait for the log lock we hold).
 */
#define pr_fmt(fmt) "daxfs: " fmt

#include <linux/fs.h>
#include <linux/sched/mm.h>

#include "daxfs.h"

/* 0 when the mount can write now, else why not. */
int daxfs_writable(struct super_block *sb)
{
	struct daxfs_delta *d = DAXFS_SB(sb)->delta;

	if (!d || sb_rdonly(sb))
		return -EROFS;
	daxfs_branch_refresh(sb);
	/* a broken index, a lost mount slot, or a DAX device that has gone */
	if (READ_ONCE(d->broken) || READ_ONCE(DAXFS_SB(sb)->region.dead))
		return -EIO;
	if (READ_ONCE(d->discarded))
		return -ESTALE;
	if (READ_ONCE(d->frozen))
		return -EROFS;
	return 0;
}

/* May @inode be changed now: a writable mount, and @inode of its view? */
int daxfs_may_change(struct inode *inode)
{
	int ret = daxfs_writable(inode->i_sb);

	return ret ? ret : daxfs_stale(inode);
}

void daxfs_view_lock(struct super_block *sb)
{
	struct daxfs_delta *d = DAXFS_SB(sb)->delta;

	if (d)
		down_read(&d->index_lock);
}

void daxfs_view_unlock(struct super_block *sb)
{
	struct daxfs_delta *d = DAXFS_SB(sb)->delta;

	if (d)
		up_read(&d->index_lock);
}

/*
 * Lock the view for a query about @inode: -ESTALE (and nothing held)
 * when @inode belongs to a view this mount no longer shows.
 */
int daxfs_view_get(struct inode *inode)
{
	struct daxfs_delta *d = daxfs_delta(inode);
	int ret;

	if (!d)
		return 0;
	down_read(&d->index_lock);
	ret = daxfs_stale(inode);
	if (ret)
		up_read(&d->index_lock);
	return ret;
}

void daxfs_view_put(struct inode *inode)
{
	daxfs_view_unlock(inode->i_sb);
}

static void daxfs_break(struct super_block *sb, struct daxfs_delta *d,
			int err)
{
	WRITE_ONCE(d->broken, true);
	pr_err("%s: the index no longer matches the log (%d): every change now fails with EIO; unmount and mount again (nothing committed is lost)\n",
	       sb->s_id, err);
}

int daxfs_commit_txn(struct super_block *sb, struct daxfs_txn *t)
{
	struct daxfs_delta *d = DAXFS_SB(sb)->delta;
	unsigned int nofs;
	int ret, idx;

	if (!d)
		return -EROFS;
	if (t->err)
		return t->err;
	if (!t->nrec)
		return 0;
	/* the log is region memory: a DAX device must not leave meanwhile */
	idx = daxfs_region_enter(&DAXFS_SB(sb)->region);
	if (idx < 0)
		return idx;
	nofs = memalloc_nofs_save();
	mutex_lock(&d->log_lock);
	if (!d->writable) {
		ret = -EROFS;
		goto out;
	}
	if (READ_ONCE(d->broken) || daxfs_slot_lost(d)) {
		ret = -EIO;
		goto out;
	}
	/* built on another view (a switch came between), or frozen since */
	if (WARN_ON_ONCE(!t->tag) || t->tag != d->vgen) {
		ret = -ESTALE;
		goto out;
	}
	if (d->frozen || d->discarded) {
		ret = d->discarded ? -ESTALE : -EROFS;
		goto out;
	}
	down_write(&d->index_lock);
	ret = daxfs_commit(&d->writer, t, NULL, NULL);
	up_write(&d->index_lock);
	if (ret && d->writer.broken) {
		daxfs_break(sb, d, ret);
		ret = -EIO;
		goto out;
	}
	if (!ret && daxfs_log_should_compact(&d->writer)) {
		/* the layer changes only under the log lock, which we hold */
		int c = daxfs_log_compact(&d->writer);

		if (c && c != -ENOSPC)
			pr_warn("%s: log compaction failed (%d); the log keeps growing\n",
				sb->s_id, c);
	}
out:
	mutex_unlock(&d->log_lock);
	memalloc_nofs_restore(nofs);
	daxfs_region_exit(&DAXFS_SB(sb)->region, idx);
	return ret;
}

int daxfs_alloc_pages(struct super_block *sb, u64 want, unsigned int flags,
		      u64 *pgno, u64 *got)
{
	struct daxfs_delta *d = DAXFS_SB(sb)->delta;
	u64 cursor = *raw_cpu_ptr(d->cursor);
	int ret;

	ret = daxfs_alloc_get(&d->alloc, &cursor, want, flags, pgno, got);
	*raw_cpu_ptr(d->cursor) = cursor;
	if (ret == -EUCLEAN)
		pr_err("%s: damaged page bitmap\n", sb->s_id);
	return ret;
}

void daxfs_free_pages(struct super_block *sb, u64 pgno, u64 npages)
{
	struct daxfs_delta *d = DAXFS_SB(sb)->delta;

	if (daxfs_alloc_put(&d->alloc, pgno, npages))
		pr_err("%s: freeing delta pages %llu+%llu that were free: damaged bitmap\n",
		       sb->s_id, pgno, npages);
}

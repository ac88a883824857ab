// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: keeping main shallow (docs/branch-protocol.md).
 *
 * Every commit into main adds the committed branch's layers to main's
 * chain, and absorbed layers keep the pages newer ones shadow.  When
 * main's writer finds the chain DAXFS_FOLD_DEPTH deep and no other writer
 * and no branch using its slots, it folds it: the chain replayed afresh
 * and folded into one layer, written as one checkpoint into a new root
 * slot that says what it restates, published by one CAS of slot 0's
 * merge word (libdaxfs/fold.c).  The folded layer answers every lookup,
 * read and readdir as the chain did, so the mount swaps it in without
 * touching an inode, a dentry or a mapping: no view generation changes.
 * Read-only mounts of main follow it, and carry their inodes on too
 * (branch.c).  The pages the fold stopped using (shadowed by newer
 * layers) and slot 0's log go back once no reader shows the old chain
 * (retire.c), and reclaim frees the old slots' logs.
 *
 * Runs in a reclaim pass (its work item, or an abort's task), under
 * @log_lock: no transaction, no create and no commit of this mount runs
 * meanwhile.
 */
#define pr_fmt(fmt) "daxfs: " fmt

#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/sched/mm.h>
#include <linux/timekeeping.h>

#include "daxfs.h"

static void daxfs_fold_free(void *ctx, u64 pgno, u64 npages)
{
	daxfs_runs_add(ctx, pgno, npages);
}

/*
 * May main's chain be folded now?  Only main's writer, on main, with
 * the chain as the table has it, and no slot forked from the chain's
 * slots (no branch's view or reclaim reads them); other mounts are
 * looked at before (daxfs_fold_blocked()).  Not again at a depth a fold
 * failed at.  Caller holds @log_lock.
 */
static bool daxfs_fold_ready(struct super_block *sb, struct daxfs_delta *d,
			     const struct daxfs_btab *t)
{
	u32 top, i, k;

	if (!d->writable || d->frozen || d->discarded || d->broken ||
	    READ_ONCE(d->lost) ||
	    d->recovered || d->name_slot != 0 ||
	    d->view.depth < DAXFS_FOLD_DEPTH || d->view.depth <= d->fold_failed)
		return false;
	if (daxfs_btab_resolve(t, 0, &top) || top != d->top ||
	    t->slot[top].generation != d->top_gen)
		return false;
	for (i = 1; i < t->count; i++) {
		const struct daxfs_bslot *b = &t->slot[i];

		if (b->state == DAXFS_BRANCH_FREE)
			continue;
		for (k = 0; k + 1 < d->view.depth; k++)
			if (i == d->chain[k + 1])
				break;
		if (k + 1 < d->view.depth)
			continue;	/* a link of the chain itself */
		for (k = 0; k < d->view.depth; k++)
			if (b->parent == d->chain[k])
				return false;
	}
	return true;
}

/*
 * Must the fold wait?  Read-only mounts of main's chain do not stand in
 * the way: they follow the fold as they follow a commit, and carry on
 * (branch.c), and until none shows the old chain the pages the fold and
 * the writer let go of stay in use (retire.c).  But while another
 * writable mount shows or pins a slot of the chain (on its way
 * elsewhere), or the last fold's guard is still up, it waits.  Looked at
 * before @log_lock is taken (watching a heartbeat may sleep a second).
 */
static bool daxfs_fold_blocked(struct super_block *sb, struct daxfs_delta *d)
{
	u32 chain[DAXFS_VIEW_MAX], depth, k;

	if (daxfs_fold_pending(d))
		return true;
	down_read(&d->index_lock);
	depth = d->view.depth;
	memcpy(chain, d->chain, sizeof(chain));
	up_read(&d->index_lock);
	for (k = 0; k < depth; k++)
		if (daxfs_other_mounts(sb, d, chain[k], DAXFS_MOUNT_RW))
			return true;
	return false;
}

/* Swap the folded layer in: same answers, new slot, new writer. */
static void daxfs_fold_install(struct daxfs_delta *d, struct daxfs_fold *fo,
			       u64 gen, struct daxfs_layer **old, u32 *nold)
{
	down_write(&d->index_lock);
	*nold = d->view.depth;
	memcpy(old, d->layer, sizeof(d->layer));
	memset(d->layer, 0, sizeof(d->layer));
	memset(d->view.layer, 0, sizeof(d->view.layer));
	d->layer[0] = fo->view->layer[0];
	d->view.layer[0] = d->layer[0];
	d->view.depth = 1;
	d->chain[0] = fo->slot;
	d->chain_gen[0] = gen;
	d->upto[0] = fo->writer.tail;
	memset(d->rinfo, 0, sizeof(d->rinfo));
	daxfs_writer_info(&fo->writer, &d->rinfo[0]);
	d->top = fo->slot;
	d->top_gen = gen;
	d->replay = fo->info;
	d->writer = fo->writer;
	d->writer.view = &d->view;
	daxfs_writer_hook(d);
	up_write(&d->index_lock);
}

/*
 * Give back pages the fold stopped using, through retire.c: read-only
 * mounts may still show the old chain (daxfs_fold_guard()).
 */
static void daxfs_free_runs(struct daxfs_delta *d, u32 slot,
			    struct daxfs_runs *r)
{
	u32 i;

	for (i = 0; i < r->n; i++)
		daxfs_retire(d, slot, r->run[i][0], r->run[i][1], 0);
	kvfree(r->run);
	memset(r, 0, sizeof(*r));
}

/* What a fold works with: too big for the stack. */
struct daxfs_fold_scratch {
	struct daxfs_view v;		/* the chain, replayed afresh */
	struct daxfs_layer *built[DAXFS_VIEW_MAX]; /* its layers */
	struct daxfs_layer *old[DAXFS_VIEW_MAX];   /* the mount's, replaced */
	struct daxfs_fold fo;
};

/* Give back main's first log (slot 0's), gone with its first fold. */
static void daxfs_fold_slot0(struct super_block *sb, struct daxfs_runs *r)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;
	struct daxfs_log_span span;
	int ret = daxfs_log_span(img, 0, &span);

	if (!ret)
		ret = daxfs_log_walk_all(img, &span, daxfs_runs_chunk, r);
	if (!ret)
		ret = r->err;
	if (ret) {
		pr_warn("%s: main's first log cannot be walked (%d): its pages stay in use\n",
			sb->s_id, ret);
		kvfree(r->run);
		memset(r, 0, sizeof(*r));
	}
}

static void daxfs_fold_setup(struct super_block *sb, struct daxfs_delta *d,
			     const struct daxfs_btab *t,
			     struct daxfs_fold_scratch *fs,
			     struct daxfs_runs *shadowed)
{
	struct daxfs_fold *fo = &fs->fo;

	fs->v.img = &DAXFS_SB(sb)->img;
	fo->view = &fs->v;
	fo->alloc = &d->alloc;
	fo->cursor = &d->writer.cursor;
	fo->scratch = d->bscratch;
	fo->owner = d->mount_id;
	fo->log_id = daxfs_random64() | 1;
	fo->now = ktime_get_real_seconds();
	fo->merged = DAXFS_MERGED(t->slot[0].merged, t->slot[0].merged_gen);
	fo->top = d->top;
	fo->top_gen = d->top_gen;
	fo->tail = d->writer.tail;
	fo->fr = daxfs_fold_free;
	fo->fr_ctx = shadowed;
	fo->report = daxfs_report_line;
	fo->ctx = sb;
}

/*
 * Fold main's chain (see the top of the file): 1 when it did, 0 when it
 * is not time, or an error.  Caller holds @log_lock, allocating NOFS.
 */
static int daxfs_fold_locked(struct super_block *sb, struct daxfs_delta *d)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;
	struct daxfs_runs shadowed = { NULL, 0, 0, 0 }, slot0 = shadowed;
	struct daxfs_fold_scratch *fs;
	struct daxfs_btab t;
	u32 old_top = d->top, first = d->chain[0], depth, nbuilt, nold, i;
	ktime_t start = ktime_get();
	u64 gen;
	int ret;

	ret = daxfs_btab_load(img, d->bscratch, &t);
	if (ret || !daxfs_fold_ready(sb, d, &t))
		return ret;	/* not now */
	fs = kzalloc(sizeof(*fs), GFP_KERNEL);
	if (!fs)
		return -ENOMEM;
	daxfs_fold_setup(sb, d, &t, fs, &shadowed);
	depth = d->view.depth;
	ret = daxfs_replay_chain(&fs->v, &t, d->chain, depth, 0, &fs->fo.info,
				 daxfs_report_line, sb);
	memcpy(fs->built, fs->v.layer, sizeof(fs->built));
	nbuilt = fs->v.depth;
	/* a mount whose slot was taken writes nothing more (delta.c) */
	if (!ret && daxfs_slot_lost(d))
		ret = -EIO;
	if (!ret)
		ret = daxfs_fold_main(&fs->fo);
	for (i = ret ? 0 : 1; i < nbuilt; i++) {
		daxfs_layer_clear(fs->built[i]);
		kvfree(fs->built[i]);
	}
	if (ret) {
		/* nothing changed in the region; what went to @fr is in use */
		kvfree(shadowed.run);
		kfree(fs);
		return ret;
	}
	if (!first)
		daxfs_fold_slot0(sb, &slot0);
	gen = daxfs_word_load(img, daxfs_branch_word(img, fs->fo.slot,
				offsetof(struct daxfs_branch, generation)));
	/* before anything the fold or the new top's writer frees */
	daxfs_fold_guard(d, d->chain, depth);
	daxfs_fold_install(d, &fs->fo, gen, fs->old, &nold);
	daxfs_note_writer(d);
	daxfs_release_top(sb, d, old_top);
	for (i = 0; i < nold; i++) {
		daxfs_layer_clear(fs->old[i]);
		kvfree(fs->old[i]);
	}
	if (shadowed.err)
		pr_warn("%s: out of memory listing the pages a fold freed: they stay in use\n",
			sb->s_id);
	else
		daxfs_free_runs(d, fs->fo.slot, &shadowed);
	kvfree(shadowed.run);
	daxfs_free_runs(d, fs->fo.slot, &slot0);
	/* bench/branch.sh reads this line (dynamic debug) for the fold's cost */
	pr_debug("%s: main folded: %u layers into slot %u in %lld us\n",
		 sb->s_id, depth, fs->fo.slot,
		 ktime_us_delta(ktime_get(), start));
	kfree(fs);
	return 1;
}

void daxfs_fold_maybe(struct super_block *sb, struct daxfs_delta *d)
{
	unsigned int nofs;
	u32 depth;
	int ret, idx;

	depth = READ_ONCE(d->view.depth);
	if (depth < DAXFS_FOLD_DEPTH || depth <= READ_ONCE(d->fold_failed) ||
	    READ_ONCE(d->name_slot) || daxfs_fold_blocked(sb, d))
		return;
	idx = daxfs_region_enter(&DAXFS_SB(sb)->region);
	if (idx < 0)
		return;		/* the device is gone */
	/* under log_lock: reclaim must not come back into the filesystem */
	nofs = memalloc_nofs_save();
	mutex_lock(&d->log_lock);
	ret = daxfs_fold_locked(sb, d);
	if (ret < 0)
		d->fold_failed = d->view.depth;	/* till it grows */
	else if (ret > 0)
		d->fold_failed = 0;
	mutex_unlock(&d->log_lock);
	memalloc_nofs_restore(nofs);
	daxfs_region_exit(&DAXFS_SB(sb)->region, idx);
	if (ret < 0)
		pr_warn_ratelimited("%s: main could not be folded (%d); it stays %u layers deep\n",
				    sb->s_id, ret, depth);
	else if (ret > 0)
		daxfs_reclaim_soon(d);	/* the old slots' logs */
}

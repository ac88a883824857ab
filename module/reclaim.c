// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: giving back the space of discarded branches
 * (docs/branch-protocol.md, "Reusing pages").
 *
 * A discarded slot's pages (its log's chunks, the data pages its layer
 * maps) may still be read or mapped by mounts of it, in this kernel or in
 * another, that have not noticed yet.  Each mount stores in its mount
 * table slot the epoch it has caught up with (seen_epoch) only once its
 * view holds no discarded layer and nothing of the old view is still
 * being read (branch.c).  So a slot discarded at epoch E is reclaimed only
 * when every live mount's seen_epoch is at least E; a mount whose heartbeat
 * stopped for a lease is dead, and is reaped rather than waited for.
 *
 * Reclaiming a slot: claim it (its owner word), replay its chain to learn
 * the pages its own layer holds, collect its log's chunks, make the slot
 * FREE, then give the pages back.  A crash in between leaks pages (found
 * by daxfs-inspect check), never frees one twice.  Any writable mount
 * does it: from a work item after a commit and every few heartbeats, and
 * at once in the task of an abort, so that statfs shows the space back
 * when the abort returns.
 */
#define pr_fmt(fmt) "daxfs: " fmt

#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/sched/mm.h>

#include "daxfs.h"

/* How long to wait before looking again while mounts catch up. */
#define DAXFS_RECLAIM_RETRY_MS	500U

void daxfs_runs_add(struct daxfs_runs *r, u64 pgno, u64 n)
{
	if (r->err)
		return;
	if (r->n && r->run[r->n - 1][0] + r->run[r->n - 1][1] == pgno) {
		r->run[r->n - 1][1] += n;
		return;
	}
	if (r->n == r->cap) {
		u32 cap = r->cap ? r->cap * 2 : 64;
		u64 (*p)[2] = kvmalloc_array(cap, sizeof(*p), GFP_KERNEL);

		if (!p) {
			r->err = -ENOMEM;
			return;
		}
		if (r->n)
			memcpy(p, r->run, r->n * sizeof(*p));
		kvfree(r->run);
		r->run = p;
		r->cap = cap;
	}
	r->run[r->n][0] = pgno;
	r->run[r->n][1] = n;
	r->n++;
}

int daxfs_runs_chunk(void *ctx, u64 pgno, u64 lsn)
{
	daxfs_runs_add(ctx, pgno, 1);
	return 0;
}

static int daxfs_runs_data(void *ctx, u64 ino, u64 pgoff, u64 pgno, u64 n)
{
	daxfs_runs_add(ctx, pgno, n);
	return 0;
}

void daxfs_quiet(void *ctx, const char *msg)
{
}

void daxfs_lent_free(struct daxfs_lent *lent)
{
	kvfree(lent->runs.run);
	memset(lent, 0, sizeof(*lent));
}

/*
 * For an abort, under @log_lock, of the branch just discarded: the data
 * pages of the top's own layer, as the mount's index holds them.  A
 * writable mount's index is its top's log replayed: every commit stages,
 * applies and publishes under @log_lock, an apply that fails breaks the
 * writer, and the discarded branch takes no commit after this.  Nothing
 * is lent by a mount that was not the writer (its index may be behind
 * the log).  One walk of the layer's extents, no log read.
 */
void daxfs_lend_top(struct daxfs_delta *d, struct daxfs_lent *lent)
{
	unsigned int nofs;
	int ret;

	lockdep_assert_held(&d->log_lock);
	memset(lent, 0, sizeof(*lent));
	if (!d->top || !d->writable || d->writer.broken ||
	    READ_ONCE(d->broken) || !d->view.depth)
		return;
	/* under log_lock: reclaim must not come back into a filesystem */
	nofs = memalloc_nofs_save();
	ret = daxfs_layer_pages(d->view.layer[d->view.depth - 1],
				daxfs_runs_data, &lent->runs);
	memalloc_nofs_restore(nofs);
	if (ret || lent->runs.err) {
		daxfs_lent_free(lent);
		return;
	}
	lent->slot = d->top;
	lent->gen = d->top_gen;
}

/*
 * The pages slot @slot holds: its chunks and its own layer's data (a
 * folded slot's data pages are main's root's: its chunks only).  The
 * layer's pages come from @lent when an abort lent them for this slot,
 * else from replaying its chain.
 */
static int daxfs_collect(struct super_block *sb, const struct daxfs_btab *t,
			 u32 slot, struct daxfs_lent *lent,
			 struct daxfs_runs *runs, bool *lent_used)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;
	u32 chain[DAXFS_VIEW_MAX];
	struct daxfs_view v = { .img = img };
	struct daxfs_replay_info info;
	struct daxfs_log_span span;
	unsigned int nofs;
	int n, ret = 0;

	/* (slot 0, main, is never reclaimed: no lent list names it) */
	if (lent->slot == slot && lent->gen == t->slot[slot].generation &&
	    !daxfs_btab_folded(t, slot)) {
		*runs = lent->runs;
		memset(lent, 0, sizeof(*lent));
		*lent_used = true;
	} else if (!daxfs_btab_folded(t, slot)) {
		n = daxfs_btab_chain(t, slot, chain, DAXFS_VIEW_MAX);
		if (n < 0)
			return n;
		/* its parents as it forked from them: they may have moved on */
		nofs = memalloc_nofs_save();
		ret = daxfs_replay_chain(&v, t, chain, n, 0, &info,
					 daxfs_quiet, sb);
		memalloc_nofs_restore(nofs);
		if (!ret)
			ret = daxfs_layer_pages(v.layer[n - 1],
						daxfs_runs_data, runs);
		daxfs_view_free_layers(&v);
	}
	if (!ret)
		ret = daxfs_log_span(img, slot, &span);
	if (!ret)
		ret = daxfs_log_walk_all(img, &span, daxfs_runs_chunk, runs);
	return ret ? ret : runs->err;
}

static int daxfs_reclaim_slot(struct super_block *sb, struct daxfs_delta *d,
			      const struct daxfs_btab *t, u32 slot)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;
	struct daxfs_runs runs = { NULL, 0, 0, 0 };
	bool lent = false;
	u64 pages = 0;
	u32 i;
	int ret;

	ret = daxfs_branch_reclaim_claim(img, slot, t->slot[slot].generation,
					 d->mount_id);
	if (ret)
		return ret;
	ret = daxfs_collect(sb, t, slot, &d->lent, &runs, &lent);
	if (ret) {
		/* its pages stay marked: check names them */
		pr_warn_once("%s: discarded branch slot %u cannot be read (%d); its space is not reused\n",
			     sb->s_id, slot, ret);
		daxfs_branch_reclaim_release(img, slot, d->mount_id);
		kvfree(runs.run);
		return ret;
	}
	/* a mount whose slot was taken frees nothing (delta.c) */
	if (daxfs_slot_lost(d) || daxfs_branch_free(img, slot, d->mount_id)) {
		daxfs_branch_reclaim_release(img, slot, d->mount_id);
		kvfree(runs.run);
		return -ESTALE;
	}
	for (i = 0; i < runs.n; i++) {
		daxfs_free_pages(sb, runs.run[i][0], runs.run[i][1]);
		pages += runs.run[i][1];
	}
	kvfree(runs.run);
	pr_debug("%s: branch slot %u reclaimed: %llu pages (%s)\n", sb->s_id,
		 slot, pages, lent ? "lent by abort" : "log replayed");
	return 0;
}

/*
 * Has every live mount seen epoch @e?  Mounts found dead on the way are
 * reaped (watching a heartbeat takes up to a lease).
 */
static bool daxfs_all_seen(const struct daxfs_image *img, u64 e)
{
	bool all = true;
	u32 i;

	for (i = 0; i < DAXFS_MOUNT_SLOTS; i++) {
		u64 id = daxfs_word_load(img, daxfs_mount_word(img, i, 0));
		u64 seen = daxfs_word_load(img, daxfs_mount_word(img, i,
				offsetof(struct daxfs_mount_slot, seen_epoch)));

		if (!id || seen >= e)
			continue;
		if (daxfs_mount_alive(img, i, id) == 0)
			daxfs_reap(img, i, id);
		else
			all = false;
	}
	return all;
}

/*
 * Is no live mount @owner (0: nobody)?  A mount found dead on the way is
 * reaped (watching a heartbeat takes up to a lease).
 */
static bool daxfs_owner_gone(const struct daxfs_image *img, u64 owner)
{
	u32 m;

	if (!owner || daxfs_mount_find(img, owner, &m))
		return true;
	if (daxfs_mount_alive(img, m, owner))
		return false;
	daxfs_reap(img, m, owner);
	return true;
}

/*
 * A slot left CREATING by a creator that died: free again.  (A live
 * creator's slot is left alone: it finishes in microseconds.)
 */
static bool daxfs_drop_creating(struct super_block *sb, struct daxfs_delta *d,
				const struct daxfs_bslot *b, u32 s)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;

	if (!daxfs_owner_gone(img, b->owner) ||
	    daxfs_branch_drop_creating(img, s, b->owner, d->mount_id))
		return false;
	pr_info("%s: branch slot %u: its creator died; freed\n", sb->s_id, s);
	return true;
}

/*
 * A slot the rules discard, or a fold's slot that is not main's, still
 * claimed by a mount that died (a fold's writer that died before it let
 * the old top go, or before it published): let go of the claim, so that
 * the slot can be reclaimed (a live claim is waited for).
 */
static bool daxfs_drop_dead_claim(struct super_block *sb,
				  const struct daxfs_bslot *b, u32 s)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;

	if (!daxfs_owner_gone(img, b->owner))
		return false;
	daxfs_branch_reclaim_release(img, s, b->owner);
	pr_info("%s: branch slot %u: the claim of a mount that died let go\n",
		sb->s_id, s);
	return true;
}

/*
 * A FREE slot whose owner word a mount that died left set: cleared, or
 * no create would ever take the slot again.
 */
static bool daxfs_drop_dead_owner(struct super_block *sb,
				  const struct daxfs_bslot *b, u32 s)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;

	/* a live owner is taking it, or giving it back */
	return daxfs_owner_gone(img, b->owner) &&
	       !daxfs_branch_drop_owner(img, s, b->owner);
}

/* Is @s a slot whose claim, if its holder died, nobody would take? */
static bool daxfs_dead_claim_kind(const struct daxfs_btab *t, u32 s)
{
	const struct daxfs_bslot *b = &t->slot[s];
	int l = daxfs_btab_liveness(t, s);

	if (b->state == DAXFS_BRANCH_DISCARDED)
		return true;
	if (b->state != DAXFS_BRANCH_LIVE)
		return false;
	return (l == DAXFS_BL_DISCARDED && daxfs_btab_reclaimable(t, s)) ||
	       (l == DAXFS_BL_CREATING && b->parent == DAXFS_BRANCH_NONE);
}

/* One pass over the table: true when something still waits. */
static bool daxfs_reclaim(struct super_block *sb, struct daxfs_delta *d,
			  struct daxfs_bslot *slots)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;
	bool waiting = false, progress = true;
	struct daxfs_btab t;
	u32 s, owned = 0;

	while (progress) {
		progress = false;
		if (daxfs_btab_load(img, slots, &t))
			return false;
		for (s = 1; s < t.count; s++) {
			const struct daxfs_bslot *b = &t.slot[s];

			if (b->state == DAXFS_BRANCH_FREE && !b->owner)
				continue;
			if (daxfs_slot_lost(d))
				return false;	/* it writes nothing more */
			if (b->state == DAXFS_BRANCH_FREE) {
				if (b->owner != d->mount_id &&
				    daxfs_drop_dead_owner(sb, b, s))
					owned++;
				continue;
			}
			if (b->state == DAXFS_BRANCH_CREATING) {
				if (daxfs_drop_creating(sb, d, b, s))
					progress = true;
				continue;
			}
			if (b->owner && daxfs_dead_claim_kind(&t, s) &&
			    b->owner != d->mount_id) {
				if (daxfs_drop_dead_claim(sb, b, s))
					progress = true;
				continue;
			}
			if (!daxfs_btab_dead(&t, s))
				continue;
			if (b->state == DAXFS_BRANCH_LIVE || !b->dead_epoch) {
				/*
				 * The wait for every mount starts now, for a
				 * whole discarded chain at once: readers
				 * acknowledge a heartbeat apart.
				 */
				if (daxfs_branch_mark_dead(img, s, b->generation))
					continue;
				/* this mount's own notice, at once */
				daxfs_branch_refresh(sb);
				progress = true;
				continue;
			}
			if (!daxfs_btab_reclaimable(&t, s))
				continue;	/* its children first */
			if (!daxfs_all_seen(img, b->dead_epoch)) {
				waiting = true;
				continue;
			}
			if (!daxfs_reclaim_slot(sb, d, &t, s))
				progress = true;	/* its parent may be next */
		}
	}
	if (owned)
		pr_info("%s: %u branch slots held by mounts that died are free again\n",
			sb->s_id, owned);
	/* lent for a slot reclaimed elsewhere, or taken again since */
	if (d->lent.slot && d->lent.slot < t.count &&
	    (t.slot[d->lent.slot].state == DAXFS_BRANCH_FREE ||
	     t.slot[d->lent.slot].generation != d->lent.gen))
		daxfs_lent_free(&d->lent);
	return waiting;
}

void daxfs_reclaim_soon(struct daxfs_delta *d)
{
	queue_delayed_work(system_unbound_wq, &d->reclaim_work, 0);
}

/*
 * One pass of this mount (s_umount held): true when it should look again
 * later (mounts still to catch up, or no room for its table snapshot).
 */
static bool daxfs_reclaim_pass(struct super_block *sb, struct daxfs_delta *d)
{
	struct daxfs_region *region = &DAXFS_SB(sb)->region;
	bool again = false;
	int idx;

	mutex_lock(&d->reclaim_lock);
	if (!sb->s_root || sb_rdonly(sb) || !READ_ONCE(d->writable) ||
	    READ_ONCE(d->broken)) {
		/* another mount reclaims, replaying what was lent here */
		daxfs_lent_free(&d->lent);
		goto out;
	}
	/* kept from the first pass: only writable mounts reclaim */
	if (!d->rscratch)
		d->rscratch = kvcalloc(DAXFS_SB(sb)->img.branch_count,
				       sizeof(*d->rscratch), GFP_KERNEL);
	idx = daxfs_region_enter(region);
	if (idx < 0)
		goto out;	/* the device is gone */
	if (d->rscratch)
		again = daxfs_reclaim(sb, d, d->rscratch);
	/* main's writer keeps main shallow (discarded slots may still wait) */
	daxfs_fold_maybe(sb, d);
	daxfs_region_exit(region, idx);
	again = again || !d->rscratch;
out:
	mutex_unlock(&d->reclaim_lock);
	return again;
}

static void daxfs_reclaim_later(struct daxfs_delta *d)
{
	queue_delayed_work(system_unbound_wq, &d->reclaim_work,
			   msecs_to_jiffies(DAXFS_RECLAIM_RETRY_MS));
}

void daxfs_reclaim_work(struct work_struct *work)
{
	struct daxfs_delta *d = container_of(to_delayed_work(work),
					     struct daxfs_delta, reclaim_work);
	struct super_block *sb = d->sb;

	if (!down_read_trylock(&sb->s_umount))
		return;		/* the next heartbeat comes back */
	if (daxfs_reclaim_pass(sb, d))
		daxfs_reclaim_later(d);
	up_read(&sb->s_umount);
}

/*
 * A pass in the caller's task (an ioctl on an open file of the mount, so
 * not unmounted meanwhile): no wait for a worker to be woken.  @lent,
 * what abort lent (daxfs_lend_top()), is kept for the pass that
 * reclaims its slot, now or later, until the next abort lends another
 * or the mount stops reclaiming (its slot is then replayed).
 */
void daxfs_reclaim_now(struct daxfs_delta *d, struct daxfs_lent *lent)
{
	struct super_block *sb = d->sb;

	if (down_read_killable(&sb->s_umount)) {
		daxfs_lent_free(lent);
		daxfs_reclaim_soon(d);	/* the work does it instead */
		return;
	}
	mutex_lock(&d->reclaim_lock);
	daxfs_lent_free(&d->lent);
	d->lent = *lent;
	mutex_unlock(&d->reclaim_lock);
	if (daxfs_reclaim_pass(sb, d))
		daxfs_reclaim_later(d);
	up_read(&sb->s_umount);
}

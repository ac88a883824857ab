// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: pages a writer let go of while other mounts may still read
 * them (docs/branch-protocol.md, "Readers alongside a writer").
 *
 * Read-only mounts of a top slot may show it while another mount writes
 * it, in this kernel or another.  Each such reader shows the top's log
 * read up to some position, and says which in its mount-table slot
 * (shown_lsn; 0 while it reads the log again; and, while it replaces a
 * view, the top and position the old one still reads: pinned).  A page
 * the writer's published log stops using at position L (a file page
 * replaced or freed, a log chunk before a checkpoint) may still be read
 * or mapped by a reader that shows a position before L.  So the writer
 * gives it back at once only when no mount shows the top at a position
 * before L, and otherwise keeps it on @retired until every such reader
 * has moved past L (they follow the log every heartbeat), has gone, or
 * has stopped beating for a lease (it is reaped).
 *
 * Ordering: the writer publishes its tail, then (after a full barrier)
 * reads the mount table; a reader stores its slot's words, then (after a
 * full barrier) reads the log's head and tail.  Either the writer sees
 * the reader, or the reader reads a tail at or past L and never uses the
 * page.
 *
 * A fold of main (fold.c) may run while read-only mounts show main's
 * chain, and one may come in and install the old chain just before the
 * fold is published.  So each fold leaves its old chain here (@fold_old):
 * while any other mount shows or pins one of those slots (not reclaimed
 * since), nothing the fold or the new top's writer lets go of is given
 * back, and no other fold starts (daxfs_fold_pending()).  The folder's
 * look at the mount table comes after its publishing compare-and-swap
 * and a full barrier; the reader's check
 * that its name still leads to the top it shows comes after storing its
 * slot's words and a full barrier: one of them sees the other.
 *
 * A reader whose heartbeat stopped for a lease is reaped, and so is one
 * that is alive but has not moved on for two leases while we keep pages
 * for it (a mount that cannot follow: a recovery mount, a broken one).
 * A reaped mount may still run (a stalled kernel): after any reap of a
 * mount-table slot, by any mount in any kernel (the region counts them),
 * nothing is given back for two heartbeats, time for it to notice that
 * its slot is gone and drop its mappings (branch.c).
 *
 * Locking: @retire_lock (a spinlock) protects @retired, @retired_pages,
 * @fold_old, @fold_old_gen and @fold_nold; retiring runs under @log_lock
 * (a commit, a checkpoint, a writer being opened, a fold), draining in
 * the heartbeat and at unmount once the heartbeat stopped.  @rid, @rbeat, @rpos,
 * @rsince and @rpsince belong to draining; @reaps_seen and @hold_until
 * are updated by both, any order giving a hold at least as long.
 */
#define pr_fmt(fmt) "daxfs: " fmt

#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/jiffies.h>
#include <linux/delay.h>

#include "daxfs.h"

struct daxfs_retired {
	struct list_head node;
	u32 slot;			/* the top whose log let go of them */
	u64 lsn;			/* the position that did */
	u64 pgno;
	u64 npages;
};

static u64 daxfs_slot_word(const struct daxfs_image *img, u32 i, size_t off)
{
	return daxfs_word_load(img, daxfs_mount_word(img, i, off));
}

static u64 daxfs_slot_gen(const struct daxfs_image *img, u32 slot)
{
	return daxfs_word_load(img, daxfs_branch_word(img, slot,
				offsetof(struct daxfs_branch, generation)));
}

void daxfs_fold_guard(struct daxfs_delta *d, const u32 *chain, u32 n)
{
	const struct daxfs_image *img = &DAXFS_SB(d->sb)->img;
	u64 gen[DAXFS_VIEW_MAX];
	u32 k;

	for (k = 0; k < n; k++)
		gen[k] = daxfs_slot_gen(img, chain[k]);
	spin_lock(&d->retire_lock);
	memcpy(d->fold_old, chain, n * sizeof(*chain));
	memcpy(d->fold_old_gen, gen, n * sizeof(*gen));
	d->fold_nold = n;
	spin_unlock(&d->retire_lock);
}

/*
 * Does mount slot @i show or pin a slot of the last fold's old chain?  A
 * slot reclaimed since (its generation moved) is not that chain's any
 * more: every mount had left it.
 */
static bool daxfs_shows_folded(struct daxfs_delta *d, u32 i)
{
	const struct daxfs_image *img = &DAXFS_SB(d->sb)->img;
	u32 shown = daxfs_slot_word(img, i,
			offsetof(struct daxfs_mount_slot, branch));
	u32 pinned = daxfs_slot_word(img, i,
			offsetof(struct daxfs_mount_slot, pinned));
	u32 k;

	for (k = 0; k < d->fold_nold; k++)
		if ((d->fold_old[k] == shown || d->fold_old[k] == pinned) &&
		    daxfs_slot_gen(img, d->fold_old[k]) == d->fold_old_gen[k])
			return true;
	return false;
}

/*
 * A mount other than this one (@who) still showing or pinning the chain
 * the last fold replaced?  The guard lifts once none does.
 */
static bool daxfs_fold_guarded(struct daxfs_delta *d, u32 *who)
{
	const struct daxfs_image *img = &DAXFS_SB(d->sb)->img;
	bool found = false;
	u32 i;

	spin_lock(&d->retire_lock);
	for (i = 0; d->fold_nold && i < DAXFS_MOUNT_SLOTS && !found; i++) {
		if (i == d->mount_slot || !daxfs_slot_word(img, i, 0))
			continue;
		found = daxfs_shows_folded(d, i);
		if (found)
			*who = i;
	}
	if (!found)
		d->fold_nold = 0;
	spin_unlock(&d->retire_lock);
	return found;
}

/*
 * A mount other than this one that may still read what log @slot let go
 * of at @lsn: one showing or pinning it before @lsn, or one still showing
 * the chain the last fold replaced.
 */
static bool daxfs_blocker(struct daxfs_delta *d, u32 slot, u64 lsn, u32 *who)
{
	const struct daxfs_image *img = &DAXFS_SB(d->sb)->img;

	return daxfs_mount_reader(img, d->mount_slot, slot, lsn, who) ||
	       daxfs_fold_guarded(d, who);
}

/*
 * Is the last fold's guard still up?  A fold waits for it: one chain's
 * guard at a time (a reader of the older chain would lose it).
 */
bool daxfs_fold_pending(struct daxfs_delta *d)
{
	u32 who;

	return daxfs_fold_guarded(d, &who);
}

bool daxfs_retire_held(struct daxfs_delta *d)
{
	u64 reaps = daxfs_mount_reaps(&DAXFS_SB(d->sb)->img);
	u64 now = get_jiffies_64();

	if (reaps != READ_ONCE(d->reaps_seen)) {
		WRITE_ONCE(d->reaps_seen, reaps);
		WRITE_ONCE(d->hold_until,
			   now + msecs_to_jiffies(2 * DAXFS_HEARTBEAT_MS));
	}
	return time_before64(now, READ_ONCE(d->hold_until));
}

void daxfs_retire(void *ctx, u32 slot, u64 pgno, u64 npages, u64 lsn)
{
	struct daxfs_delta *d = ctx;
	struct daxfs_retired *r;
	u32 who;

	/* the tail just published, before the readers' words we read */
	smp_mb();
	if (!daxfs_blocker(d, slot, lsn, &who) && !daxfs_retire_held(d)) {
		daxfs_free_pages(d->sb, pgno, npages);
		return;
	}
	r = kmalloc(sizeof(*r), GFP_NOFS);
	if (!r) {
		pr_warn_ratelimited("%s: out of memory keeping %llu pages a reader may still read: they stay in use\n",
				    d->sb->s_id, npages);
		return;
	}
	r->slot = slot;
	r->lsn = lsn;
	r->pgno = pgno;
	r->npages = npages;
	spin_lock(&d->retire_lock);
	list_add_tail(&r->node, &d->retired);
	d->retired_pages += npages;
	spin_unlock(&d->retire_lock);
}

void daxfs_writer_hook(struct daxfs_delta *d)
{
	d->writer.retire = daxfs_retire;
	d->writer.retire_ctx = d;
}

/*
 * Where mount slot @i reads, folded into one word that changes when it
 * moves: the tops it shows and pins, and how far it read each (a reader
 * following commits may show another top read to the same position).
 */
static u64 daxfs_slot_pos(const struct daxfs_image *img, u32 i)
{
	static const size_t words[] = {
		offsetof(struct daxfs_mount_slot, branch),
		offsetof(struct daxfs_mount_slot, shown_lsn),
		offsetof(struct daxfs_mount_slot, pinned),
		offsetof(struct daxfs_mount_slot, pinned_lsn),
	};
	u64 pos = 0;
	u32 k;

	for (k = 0; k < ARRAY_SIZE(words); k++)
		pos = pos * 0x100000001b3ULL ^ daxfs_slot_word(img, i, words[k]);
	return pos;
}

/*
 * Is a reader still showing log @slot before @lsn?  One whose heartbeat
 * has not moved for a lease since we first waited for it is dead, and one
 * whose position has not moved for two cannot follow: its slot is reaped
 * (it shuts down if it still runs).  True meanwhile.
 */
static bool daxfs_retired_waits(struct daxfs_delta *d, u32 slot, u64 lsn)
{
	const struct daxfs_image *img = &DAXFS_SB(d->sb)->img;
	unsigned long now = jiffies;
	u64 id, beat, pos;
	u32 who;

	if (!daxfs_blocker(d, slot, lsn, &who))
		return false;
	id = daxfs_slot_word(img, who, 0);
	beat = daxfs_slot_word(img, who,
			       offsetof(struct daxfs_mount_slot, heartbeat));
	pos = daxfs_slot_pos(img, who);
	if (id != d->rid[who]) {
		d->rid[who] = id;
		d->rsince[who] = d->rpsince[who] = now;
	}
	if (beat != d->rbeat[who]) {
		d->rbeat[who] = beat;
		d->rsince[who] = now;
	}
	if (pos != d->rpos[who]) {
		d->rpos[who] = pos;
		d->rpsince[who] = now;
	}
	if (time_before(now, d->rsince[who] +
			msecs_to_jiffies(DAXFS_LEASE_MS)) &&
	    time_before(now, d->rpsince[who] +
			msecs_to_jiffies(2 * DAXFS_LEASE_MS)))
		return true;
	if (time_before(now, d->rsince[who] + msecs_to_jiffies(DAXFS_LEASE_MS)))
		pr_warn("%s: mount table slot %u: a read-only mount that has not followed the log for %u ms is cut off (it shows slot %u, pins slot %u; pages of slot %u from position %llu wait for it)\n",
			d->sb->s_id, who, 2 * DAXFS_LEASE_MS,
			(u32)daxfs_slot_word(img, who,
				offsetof(struct daxfs_mount_slot, branch)),
			(u32)daxfs_slot_word(img, who,
				offsetof(struct daxfs_mount_slot, pinned)),
			slot, lsn);
	daxfs_reap(img, who, id);	/* holds everything two heartbeats */
	return true;
}

/* Has another mount taken our slot?  Without daxfs_slot_lost()'s work. */
static bool daxfs_slot_gone(struct daxfs_delta *d)
{
	return READ_ONCE(d->lost) ||
	       daxfs_slot_word(&DAXFS_SB(d->sb)->img, d->mount_slot, 0) !=
	       d->mount_id;
}

void daxfs_retired_drain(struct daxfs_delta *d)
{
	struct daxfs_retired *r, *next;
	bool lost = daxfs_slot_gone(d);
	LIST_HEAD(todo);
	u64 done = 0;

	if (!lost && daxfs_retire_held(d))
		return;		/* a reaped mount may not have noticed yet */
	spin_lock(&d->retire_lock);
	list_splice_init(&d->retired, &todo);
	spin_unlock(&d->retire_lock);
	list_for_each_entry_safe(r, next, &todo, node) {
		/* a mount whose slot was taken gives nothing back (delta.c) */
		if (!lost && daxfs_retired_waits(d, r->slot, r->lsn))
			continue;
		if (!lost)
			daxfs_free_pages(d->sb, r->pgno, r->npages);
		done += r->npages;
		list_del(&r->node);
		kfree(r);
	}
	spin_lock(&d->retire_lock);
	list_splice(&todo, &d->retired);
	d->retired_pages -= done;
	spin_unlock(&d->retire_lock);
}

/*
 * Unmount: give the readers a lease and a little more to move past what
 * this mount retired (the heartbeat drains meanwhile).
 */
void daxfs_retired_settle(struct daxfs_delta *d)
{
	unsigned int waited;

	for (waited = 0; waited < DAXFS_LEASE_MS + 3 * DAXFS_HEARTBEAT_MS;
	     waited += 100) {
		if (!READ_ONCE(d->retired_pages))
			return;
		msleep(100);
	}
}

/*
 * Unmount, with the heartbeat and every work item stopped: a last look,
 * and what is still kept stays allocated, said once (daxfs-inspect check
 * names such pages).
 */
void daxfs_retired_forget(struct daxfs_delta *d)
{
	struct daxfs_retired *r, *next;
	int idx;

	if (list_empty(&d->retired))
		return;
	idx = daxfs_region_enter(&DAXFS_SB(d->sb)->region);
	if (idx >= 0) {
		daxfs_retired_drain(d);
		daxfs_region_exit(&DAXFS_SB(d->sb)->region, idx);
	}
	if (d->retired_pages)
		pr_warn("%s: %llu pages a reader still showed stay allocated at unmount; daxfs-inspect check names them\n",
			d->sb->s_id, d->retired_pages);
	list_for_each_entry_safe(r, next, &d->retired, node) {
		list_del(&r->node);
		kfree(r);
	}
	d->retired_pages = 0;
}

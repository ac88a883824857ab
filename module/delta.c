// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: the delta region of a branching image, from mount to unmount.
 *
 * At mount: check the delta header, take a slot in the region's mount
 * table (so other mounts, in this kernel or another, know this one is
 * there), replay main's log into the mount's index, and for a writable
 * mount claim the branch (one writer per branch, across every kernel
 * sharing the region), open its writer, free what the last writer left
 * unlinked but open, and, when no other mount uses the region, make the
 * page bitmap exact again (pages a crash left allocated but unused).
 *
 * Claims are compare-and-swap on words of the region, never locks: a
 * mount that dies (its kernel crashed, its guest was killed) leaves its
 * slot and its claim behind, and a heartbeat tells: a slot whose
 * heartbeat has not moved for DAXFS_LEASE_MS belongs to a dead mount,
 * and may be taken over.  A writable mount and a read-only one of the
 * same branch exclude each other (the reader's index would not follow
 * the writer's log): each first publishes itself (mount slot, owner
 * word), then looks for the other; compare-and-swap orders both, so at
 * least one of two racing mounts sees the other and backs off.
 *
 * -o force breaks the branch writer's claim at mount time without
 * waiting for its lease: the user vouches that it is dead (a hung kernel
 * whose heartbeat still runs, say).  A forced-out mount that still runs
 * finds its mount table slot taken at its next change or heartbeat and
 * shuts down (daxfs_slot_lost): everything fails with EIO, its inodes and
 * mappings are dropped; the forcing mount waits two heartbeats before it
 * reads the log, so that such a mount stops first.
 */
#define pr_fmt(fmt) "daxfs: " fmt

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/sched/signal.h>
#include <linux/sched/mm.h>

#include "daxfs.h"

/* A line the core reports about the region, for the superblock @ctx. */
void daxfs_report_line(void *ctx, const char *msg)
{
	struct super_block *sb = ctx;

	pr_err("%s: %s\n", sb->s_id, msg);
}

static u64 owner_word(const struct daxfs_image *img, u32 top)
{
	return daxfs_branch_word(img, top, offsetof(struct daxfs_branch, owner));
}

static u64 heartbeat(const struct daxfs_image *img, u32 slot)
{
	return daxfs_word_load(img, daxfs_mount_word(img, slot,
			offsetof(struct daxfs_mount_slot, heartbeat)));
}

static u64 slot_id(const struct daxfs_image *img, u32 slot)
{
	return daxfs_word_load(img, daxfs_mount_word(img, slot, 0));
}

/*
 * Sleep @ms, woken early only by a fatal signal (-EINTR): a handled
 * signal must not shorten a wait that decides whether a mount is dead.
 */
static int daxfs_sleep_killable(unsigned int ms)
{
	long left = msecs_to_jiffies(ms);

	while (left > 0) {
		left = schedule_timeout_killable(left);
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	return 0;
}

/*
 * Is the mount holding slot @slot with @id alive?  Watches its heartbeat
 * for up to a lease: it moves (alive), or the slot changes hands (gone),
 * or it stays still (dead).  -EINTR when we are killed meanwhile.
 */
int daxfs_mount_alive(const struct daxfs_image *img, u32 slot, u64 id)
{
	u64 beat = heartbeat(img, slot);
	unsigned int waited;

	for (waited = 0; waited < DAXFS_LEASE_MS; waited += 100) {
		if (slot_id(img, slot) != id)
			return 0;
		if (heartbeat(img, slot) != beat)
			return 1;
		if (daxfs_sleep_killable(100))
			return -EINTR;
	}
	return 0;
}

/* Clear slot @slot of a mount found dead (if nobody did meanwhile). */
void daxfs_reap(const struct daxfs_image *img, u32 slot, u64 id)
{
	if (daxfs_word_cas(img, daxfs_mount_word(img, slot, 0), id, 0) == id) {
		daxfs_mount_reaped(img);
		pr_info("mount table slot %u: its mount stopped beating, or fell behind the log it reads; freed\n",
			slot);
	}
}

/*
 * Does mount slot @slot show top slot @top, or pin it (an old view), with
 * every flag of @flags?
 */
static bool slot_shows(const struct daxfs_image *img, u32 slot, u32 top,
		       u32 flags)
{
	struct daxfs_mount_slot m;

	if (daxfs_image_read(img, daxfs_mount_word(img, slot, 0), &m,
			     sizeof(m)))
		return true;
	if ((le32_to_cpu(m.flags) & flags) != flags)
		return false;
	return le32_to_cpu(m.branch) == top || le32_to_cpu(m.pinned) == top;
}

/*
 * Another live mount in the table (not @d) showing top slot @top, or
 * still reading it from an old view (any, for DAXFS_BRANCH_NONE), with
 * every flag of @flags (DAXFS_MOUNT_RW: a writable one)?  Dead ones found
 * on the way are reaped.  1 yes, 0 no, -EINTR.
 */
int daxfs_other_mounts(struct super_block *sb, struct daxfs_delta *d, u32 top,
		       u32 flags)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;
	u32 i;
	int ret;

	for (i = 0; i < DAXFS_MOUNT_SLOTS; i++) {
		u64 id = slot_id(img, i);

		if (!id || id == d->mount_id)
			continue;
		if (top != DAXFS_BRANCH_NONE && !slot_shows(img, i, top, flags))
			continue;
		ret = daxfs_mount_alive(img, i, id);
		if (ret)
			return ret;
		daxfs_reap(img, i, id);
	}
	return 0;
}

/* A slot in the mount table; dead mounts' slots are reaped if full. */
static int daxfs_take_slot(struct super_block *sb, struct daxfs_delta *d,
			   u32 flags)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;
	int ret = daxfs_mount_claim(img, d->mount_id, DAXFS_BRANCH_NONE, flags,
				    &d->mount_slot);

	if (ret != -EBUSY)
		return ret;
	ret = daxfs_other_mounts(sb, d, DAXFS_BRANCH_NONE, 0);
	if (ret < 0)
		return ret;
	return daxfs_mount_claim(img, d->mount_id, DAXFS_BRANCH_NONE, flags,
				 &d->mount_slot);
}

/*
 * Claim top slot @top for writing: its owner word goes from 0 (or a dead
 * mount's id) to ours.  -EBUSY (with one log line saying who has it)
 * otherwise.  Read-only mounts of it do not stand in the way: what the
 * writer frees that they may still read waits for them (retire.c).
 * @view: the mount will show @top (else a parent held for a create).
 */
int daxfs_claim_top(struct super_block *sb, struct daxfs_delta *d, u32 top,
		    bool view)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;
	u64 owner;
	u32 slot;
	int ret;

	for (;;) {
		owner = daxfs_word_cas(img, owner_word(img, top), 0,
				       d->mount_id);
		if (!owner || owner == d->mount_id)
			break;
		/* held: by a live mount, or left by a dead one? */
		if (!daxfs_mount_find(img, owner, &slot)) {
			ret = daxfs_mount_alive(img, slot, owner);
			if (ret < 0)
				return ret;
			if (ret) {
				pr_err("%s: branch %s is mounted writable by another mount (in this kernel or another sharing the region)\n",
				       sb->s_id, view ? d->name : "(a parent)");
				return -EBUSY;
			}
			daxfs_reap(img, slot, owner);
		}
		if (daxfs_word_cas(img, owner_word(img, top), owner,
				   d->mount_id) == owner) {
			pr_info("%s: took branch %s over from a mount that died\n",
				sb->s_id, view ? d->name : "(a parent)");
			break;
		}
	}
	/* read-only mounts of it may stay: what it frees waits (retire.c) */
	return 0;
}

/*
 * This mount writes its top: the mount table says so, and that it needs
 * nothing of the log before its writer's tail (retire.c).
 */
void daxfs_note_writer(struct daxfs_delta *d)
{
	daxfs_note_branch(d, d->top, DAXFS_MOUNT_RW);
	if (!daxfs_slot_lost(d))
		daxfs_mount_shown(&DAXFS_SB(d->sb)->img, d->mount_slot,
				  d->writer.tail);
}

void daxfs_release_top(struct super_block *sb, struct daxfs_delta *d,
		       u32 top)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;

	daxfs_word_cas(img, owner_word(img, top), d->mount_id, 0);
}

/*
 * Has another mount taken our mount table slot (we stalled past a lease,
 * or a mount forced us out)?  Then it may hold our branch too, and this
 * mount must not write anything from now on.  Caller is inside the region.
 */
bool daxfs_slot_lost(struct daxfs_delta *d)
{
	if (slot_id(&DAXFS_SB(d->sb)->img, d->mount_slot) == d->mount_id)
		return false;
	if (!READ_ONCE(d->lost)) {
		pr_err("%s: this mount's slot in the region's mount table was taken over (it stopped beating for %u ms, or a mount used -o force); its pages may be reused now: everything in it fails with EIO, mapped pages with SIGBUS: unmount and mount again\n",
		       d->sb->s_id, DAXFS_LEASE_MS);
		WRITE_ONCE(d->broken, true);
		WRITE_ONCE(d->lost, true);
		/* the view goes: refresh_work drops inodes and mappings */
		queue_work(system_unbound_wq, &d->refresh_work);
	}
	return true;
}

static void daxfs_heartbeat(struct work_struct *work)
{
	struct daxfs_delta *d = container_of(to_delayed_work(work),
					     struct daxfs_delta, heartbeat);
	struct daxfs_sb_info *sbi = DAXFS_SB(d->sb);
	int idx;

	idx = daxfs_region_enter(&sbi->region);
	/* a mount whose slot was taken may no longer write anything */
	if (idx >= 0 && daxfs_slot_lost(d)) {
		/* its view is dropped once (the work may have been busy) */
		if (!READ_ONCE(d->discarded) || READ_ONCE(d->need_drop))
			queue_work(system_unbound_wq, &d->refresh_work);
	} else if (idx >= 0) {
		daxfs_mount_beat(&sbi->img, d->mount_slot);
		/* a branch operation or a writer elsewhere: follow it */
		if (daxfs_epoch(&sbi->img) != READ_ONCE(d->epoch) ||
		    READ_ONCE(d->need_drop) || daxfs_tail_moved(d))
			queue_work(system_unbound_wq, &d->refresh_work);
		/* discarded branches whose space may be free by now */
		if (!(++d->beats % DAXFS_RECLAIM_BEATS))
			daxfs_reclaim_soon(d);
	}
	if (idx >= 0) {
		/* pages our log let go of that readers have moved past */
		daxfs_retired_drain(d);
		daxfs_region_exit(&sbi->region, idx);
	}
	schedule_delayed_work(&d->heartbeat,
			      msecs_to_jiffies(DAXFS_HEARTBEAT_MS));
}

/* ---- recovery by a writable mount ---- */

static int daxfs_free_orphan(void *ctx, u64 ino)
{
	struct daxfs_txn *t = ctx;

	return daxfs_txn_free(t, ino);
}

/* Inodes unlinked while open when the last writer stopped: gone now. */
static int daxfs_free_orphans(struct super_block *sb, struct daxfs_delta *d)
{
	struct daxfs_txn t;
	int ret;

	daxfs_txn_init(&t);
	t.alloc_flags = DAXFS_ALLOC_RESERVE;
	/* the view may be switched meanwhile: the tag refuses the commit */
	down_read(&d->index_lock);
	t.tag = d->vgen;
	ret = daxfs_layer_orphans(d->layer[d->view.depth - 1],
				  daxfs_free_orphan, &t);
	up_read(&d->index_lock);
	if (!ret && t.nrec) {
		pr_info("%s: freeing %u inodes unlinked while open\n",
			sb->s_id, t.nrec);
		ret = daxfs_commit_txn(sb, &t);
	}
	daxfs_txn_release(&t);
	return ret;
}

struct daxfs_used {
	u64 *bits;
	u64 pages;
	u64 twice;			/* pages referenced twice */
};

static int daxfs_mark(struct daxfs_used *u, u64 pgno, u64 n)
{
	for (; n; n--, pgno++) {
		if (pgno >= u->pages)
			return -EUCLEAN;
		if (u->bits[pgno / 64] & (1ULL << (pgno % 64)))
			u->twice++;
		u->bits[pgno / 64] |= 1ULL << (pgno % 64);
	}
	return 0;
}

static int daxfs_mark_chunk(void *ctx, u64 pgno, u64 lsn)
{
	return daxfs_mark(ctx, pgno, 1);
}

static int daxfs_mark_data(void *ctx, u64 ino, u64 pgoff, u64 pgno, u64 n)
{
	return daxfs_mark(ctx, pgno, n);
}

/*
 * Only main is in the table: slot 0 and main's one layer @top (0, or
 * the slot of its last fold), every other slot free.
 */
static bool daxfs_only_main(const struct daxfs_image *img, u32 top)
{
	struct daxfs_branch b;
	u32 i;

	for (i = 1; i < img->branch_count; i++)
		if (i != top && (daxfs_branch_read(img, i, &b) ||
				 le32_to_cpu(b.state) != DAXFS_BRANCH_FREE))
			return false;
	return true;
}

/*
 * The only mount of the region, and main the only branch, one layer
 * deep: the pages in use are exactly main's log chunks and the data its
 * index maps.  Make the bitmap say so (a crash between allocating pages
 * and publishing the transaction that uses them leaves them marked, and
 * one during a fold the pages it was giving back).  Once main has been
 * folded its layer is the fold's slot, and slot 0 has no log.
 */
static int daxfs_rebuild_bitmap(struct super_block *sb, struct daxfs_delta *d)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;
	struct daxfs_used u = { .pages = img->delta.page_count };
	struct daxfs_log_span span;
	u64 leaked, lost;
	int ret;

	if (d->view.depth != 1 || !daxfs_only_main(img, d->top))
		return 0;
	u.bits = kvcalloc(DIV_ROUND_UP(u.pages, 64), sizeof(u64), GFP_KERNEL);
	if (!u.bits)
		return -ENOMEM;
	ret = daxfs_log_span(img, d->top, &span);
	if (!ret)
		ret = daxfs_log_chunks(img, &span, daxfs_mark_chunk, &u);
	if (!ret)
		ret = daxfs_layer_pages(d->layer[0], daxfs_mark_data, &u);
	if (!ret && u.twice) {
		pr_err("%s: damaged delta region: %llu pages are used twice\n",
		       sb->s_id, u.twice);
		ret = -EUCLEAN;
	}
	if (!ret)
		ret = daxfs_alloc_rebuild(&d->alloc, u.bits, &leaked, &lost);
	if (!ret && (leaked || lost))
		pr_info("%s: page bitmap repaired: %llu pages freed that nothing used, %llu marked that were in use\n",
			sb->s_id, leaked, lost);
	kvfree(u.bits);
	return ret;
}

/*
 * How many times mount and remount,rw read a branch again that moved on
 * while they read it, before they give up with -EAGAIN.
 */
#define DAXFS_MOVED_TRIES	3

/*
 * Does the top's log end at @upto, where this mount read it?  A writer
 * may have come and gone since (read-only mounts sit beside writers):
 * then -EAGAIN, with one line if @say (mount and remount read the branch
 * again and try again first); the heartbeat follows the log meanwhile.
 */
static int daxfs_log_current(struct super_block *sb, struct daxfs_delta *d,
			     u64 upto, bool say)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;

	if (daxfs_word_load(img, daxfs_branch_word(img, d->top,
			    offsetof(struct daxfs_branch, log_tail))) == upto)
		return 0;
	if (say)
		pr_warn("%s: branch %s was written elsewhere since this mount read it; try again in a moment\n",
			sb->s_id, d->name);
	return -EAGAIN;
}

/*
 * Become the writer of the mount's branch: claim its top, open the
 * writer, clean up after the last one.  Caller holds @log_lock.
 */
static int daxfs_become_writer(struct super_block *sb, struct daxfs_delta *d,
				bool say)
{
	int ret = daxfs_claim_top(sb, d, d->top, true);

	if (ret)
		return ret;
	ret = daxfs_still_top(sb, d, d->name_slot, d->top, d->top_gen, say);
	if (!ret)
		ret = daxfs_log_current(sb, d, d->replay.good_lsn, say);
	if (ret)
		goto out_release;
	daxfs_writer_hook(d);
	ret = daxfs_writer_open(&d->writer, &d->view, &d->alloc, d->top,
				&d->replay);
	if (ret) {
		pr_err("%s: cannot open the log of branch %s for writing (%d)\n",
		       sb->s_id, d->name, ret);
		goto out_release;
	}
	d->writable = true;
	daxfs_note_writer(d);
	ret = daxfs_other_mounts(sb, d, DAXFS_BRANCH_NONE, 0);
	/*
	 * Pages this mount keeps for readers are in use; a mount just reaped
	 * may only have stalled: it has two heartbeats to notice (retire.c).
	 */
	if (ret == 0 && !READ_ONCE(d->retired_pages)) {
		while (!ret && daxfs_retire_held(d))
			ret = daxfs_sleep_killable(100);
		if (!ret)
			ret = daxfs_rebuild_bitmap(sb, d);
	} else if (ret > 0) {
		ret = 0;
	}
	if (!ret)
		return 0;
	d->writable = false;
out_release:
	daxfs_release_top(sb, d, d->top);
	return ret;
}

/*
 * -o force: the writer of branch @name (in this kernel or another) is
 * declared dead.  Its mount-table slot is reaped, so that its claim
 * passes to us as a dead mount's would; if it still runs, it stops at
 * its next change or heartbeat (daxfs_slot_lost), and two heartbeats
 * pass before this mount reads the branch's log.
 */
static int daxfs_force_claim(struct super_block *sb, struct daxfs_delta *d,
			     const char *name)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;
	struct daxfs_btab t;
	u32 top, slot;
	u64 owner;

	if (daxfs_btab_load(img, d->bscratch, &t) ||
	    daxfs_btab_lookup(&t, name, strlen(name), &top))
		return 0;	/* the mount itself says what is wrong */
	owner = daxfs_word_load(img, owner_word(img, top));
	if (!owner || daxfs_mount_find(img, owner, &slot) ||
	    daxfs_word_cas(img, daxfs_mount_word(img, slot, 0), owner, 0) !=
	    owner)
		return 0;
	daxfs_mount_reaped(img);
	pr_warn("%s: force: the writer of branch %s (mount table slot %u) is declared dead without waiting for its lease\n",
		sb->s_id, name, slot);
	return daxfs_sleep_killable(2 * DAXFS_HEARTBEAT_MS);
}

/* ---- mount, unmount, remount ---- */

static struct daxfs_delta *daxfs_delta_alloc(struct super_block *sb)
{
	struct daxfs_sb_info *sbi = DAXFS_SB(sb);
	struct daxfs_delta *d = kzalloc(sizeof(*d), GFP_KERNEL);

	if (!d)
		return NULL;
	d->sb = sb;
	d->cursor = alloc_percpu(u64);
	if (!d->cursor) {
		kfree(d);
		return NULL;
	}
	init_rwsem(&d->index_lock);
	mutex_init(&d->log_lock);
	mutex_init(&d->switch_lock);
	mutex_init(&d->reclaim_lock);
	INIT_DELAYED_WORK(&d->heartbeat, daxfs_heartbeat);
	INIT_DELAYED_WORK(&d->attrs_work, daxfs_attrs_work);
	INIT_WORK(&d->refresh_work, daxfs_refresh_work);
	INIT_DELAYED_WORK(&d->reclaim_work, daxfs_reclaim_work);
	spin_lock_init(&d->dirty_lock);
	INIT_LIST_HEAD(&d->dirty_list);
	spin_lock_init(&d->retire_lock);
	INIT_LIST_HEAD(&d->retired);
	d->reaps_seen = daxfs_mount_reaps(&sbi->img);
	d->view.img = &sbi->img;
	d->vgen = 1;
	d->bscratch = kvcalloc(sbi->img.branch_count, sizeof(*d->bscratch),
			       GFP_KERNEL);
	if (!d->bscratch) {
		free_percpu(d->cursor);
		kfree(d);
		return NULL;
	}
	return d;
}

static void daxfs_delta_free(struct daxfs_delta *d)
{
	daxfs_view_close(d);
	kvfree(d->rscratch);
	daxfs_lent_free(&d->lent);
	kvfree(d->bscratch);
	free_percpu(d->cursor);
	kfree(d);
}

/*
 * Read the branch the options name and, for a writable mount, become its
 * writer.  A commit or a fold elsewhere that moved the name on while it
 * was read, or a writer that came and went between the read and the
 * claim, leaves the view behind the branch: it is read again.  Nothing
 * else has seen the view yet (no root dentry).  Caller holds @log_lock.
 */
static int daxfs_open_branch(struct super_block *sb, struct daxfs_delta *d,
			     bool rw, bool recovery)
{
	const char *name = DAXFS_SB(sb)->opts.branch;
	int ret, tries;

	for (tries = 0; ; tries++) {
		bool last = tries == DAXFS_MOVED_TRIES;

		ret = daxfs_view_open(sb, d, name, rw, recovery, last);
		if (!ret && rw)
			ret = daxfs_become_writer(sb, d, last);
		if (!ret && rw && d->frozen)
			pr_info("%s: branch %s has live children: it is frozen, and writes fail with EROFS until they are committed or aborted\n",
				sb->s_id, d->name);
		if (ret != -EAGAIN || last)
			return ret;
		pr_debug("%s: branch %s moved on while it was read; reading it again\n",
			 sb->s_id, name);
		daxfs_view_close(d);
	}
}

int daxfs_delta_mount(struct super_block *sb, struct fs_context *fc,
		      bool rw, bool recovery)
{
	struct daxfs_sb_info *sbi = DAXFS_SB(sb);
	struct daxfs_image *img = &sbi->img;
	struct daxfs_delta *d;
	int ret;

	ret = daxfs_delta_open(img, daxfs_report_line, sb);
	if (ret)
		return ret;
	img->wbase = sbi->region.base;
	img->persistent = daxfs_region_persistent(&sbi->region);
	d = daxfs_delta_alloc(sb);
	if (!d)
		return -ENOMEM;
	ret = daxfs_alloc_init(&d->alloc, img);
	if (ret)
		goto out_free;
	d->mount_id = daxfs_random64();
	ret = daxfs_take_slot(sb, d, rw ? DAXFS_MOUNT_RW : 0);
	if (ret) {
		errorfc(fc, "every slot of the region's mount table is in use by a live mount");
		goto out_free;
	}
	schedule_delayed_work(&d->heartbeat,
			      msecs_to_jiffies(DAXFS_HEARTBEAT_MS));
	sbi->delta = d;
	ret = sbi->opts.force ? daxfs_force_claim(sb, d, sbi->opts.branch) : 0;
	mutex_lock(&d->log_lock);
	if (!ret)
		ret = daxfs_open_branch(sb, d, rw, recovery);
	mutex_unlock(&d->log_lock);
	/* inodes unlinked while open when the last writer stopped */
	if (!ret && rw)
		ret = daxfs_free_orphans(sb, d);
	if (!ret)
		return 0;
	daxfs_delta_unmount(sb);
	return ret;
out_free:
	daxfs_delta_free(d);
	return ret;
}

void daxfs_delta_unmount(struct super_block *sb)
{
	struct daxfs_sb_info *sbi = DAXFS_SB(sb);
	struct daxfs_delta *d = sbi->delta;

	if (!d)
		return;
	daxfs_retired_settle(d);	/* while the heartbeat drains */
	cancel_delayed_work_sync(&d->heartbeat);
	cancel_delayed_work_sync(&d->attrs_work);
	cancel_work_sync(&d->refresh_work);
	cancel_delayed_work_sync(&d->reclaim_work);
	daxfs_retired_forget(d);	/* queues nothing */
	if (d->writable)
		daxfs_release_top(sb, d, d->top);
	daxfs_mount_release(&sbi->img, d->mount_slot, d->mount_id);
	sbi->delta = NULL;
	daxfs_delta_free(d);
}

static int daxfs_delta_remount_once(struct super_block *sb,
				    struct fs_context *fc, bool rw, bool last)
{
	struct daxfs_delta *d = DAXFS_SB(sb)->delta;
	int ret = 0;

	/* not while an old view is being dropped (branch.c) */
	mutex_lock(&d->switch_lock);
	mutex_lock(&d->log_lock);
	if (rw && !d->writable) {
		if (d->recovered || d->broken) {
			errorfc(fc, "the index of this mount is not whole (recovery or an earlier error): unmount and mount again");
			ret = -EROFS;
		} else if (READ_ONCE(d->discarded)) {
			errorfc(fc, "branch %s was discarded: switch to a live branch first",
				d->name);
			ret = -ESTALE;
		} else if (d->writer.view) {
			/*
			 * It was writable before: its writer goes on, if its
			 * name still leads to its top (not folded meanwhile)
			 * and the log still ends where it wrote it.
			 */
			ret = daxfs_claim_top(sb, d, d->top, true);
			if (!ret) {
				ret = daxfs_still_top(sb, d, d->name_slot,
						      d->top, d->top_gen,
						      last);
				if (!ret)
					ret = daxfs_log_current(sb, d,
							d->writer.tail, last);
				if (ret)
					daxfs_release_top(sb, d, d->top);
			}
			d->writable = !ret;
			if (!ret)
				daxfs_note_writer(d);
		} else {
			ret = daxfs_become_writer(sb, d, last);
			mutex_unlock(&d->log_lock);
			mutex_unlock(&d->switch_lock);
			if (!ret)
				ret = daxfs_free_orphans(sb, d);
			return ret;
		}
	} else if (!rw && d->writable) {
		/* a reader from now on: of the log as far as it wrote it */
		down_write(&d->index_lock);
		d->upto[d->view.depth - 1] = d->writer.tail;
		daxfs_writer_info(&d->writer, &d->rinfo[d->view.depth - 1]);
		d->writable = false;
		up_write(&d->index_lock);
		daxfs_note_branch(d, d->top, 0);
		if (!daxfs_slot_lost(d))
			daxfs_mount_shown(&DAXFS_SB(sb)->img, d->mount_slot,
					  d->writer.tail);
		daxfs_release_top(sb, d, d->top);
	}
	mutex_unlock(&d->log_lock);
	mutex_unlock(&d->switch_lock);
	return ret;
}

int daxfs_delta_remount(struct super_block *sb, struct fs_context *fc,
			bool rw)
{
	int ret, tries = 0;

	/* a branch discarded meanwhile is noticed before it is written */
	if (rw)
		daxfs_branch_refresh(sb);
	for (;;) {
		bool last = tries == DAXFS_MOVED_TRIES;

		ret = daxfs_delta_remount_once(sb, fc, rw, last);
		if (ret != -EAGAIN || last)
			return ret;
		tries++;
		/*
		 * The log moved on since this mount read it (a writer came
		 * and went while it was read-only, and its follow has not
		 * run yet): follow it now, then become its writer.  A race
		 * the follow loses is tried again; the next try says why
		 * the branch cannot be written, if it cannot.
		 */
		ret = daxfs_follow_now(sb);
		if (ret && ret != -EAGAIN && ret != -ESTALE && ret != -ENOENT) {
			errorfc(fc, "cannot read branch %s again (%d)",
				DAXFS_SB(sb)->delta->name, ret);
			return ret;
		}
	}
}

u64 daxfs_delta_free_pages(struct daxfs_delta *d)
{
	u64 free = daxfs_alloc_free(&d->alloc);

	return free > d->alloc.reserve ? free - d->alloc.reserve : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: the branch a mount shows, and the branch operations
 * (docs/branch-protocol.md).
 *
 * A mount shows one branch: the layers of the slots on its chain, root
 * first, each replayed from its own log; writes go to the top slot's log.
 * The table in the region says which slot a name leads to, and it changes
 * under us (other mounts, other kernels) only by compare-and-swap, each
 * change followed by a bump of the shared epoch.  A mount that sees the
 * epoch move (on a write, a lookup, or its heartbeat) looks again: its
 * branch may be gone (discarded: everything fails with ESTALE), its name
 * may lead further (a commit into it: the view follows), or its top may
 * have lost or gained children (frozen or not).
 *
 * Replacing the view (switch, abort, following a commit) bumps @vgen:
 * inodes, dentries and mappings of the old view then fail with ESTALE
 * (their pages are unmapped; a mapped load gets SIGBUS) and are never
 * answered from the new view.  The root is the one inode kept: it is
 * read again from the new view.
 */
#define pr_fmt(fmt) "daxfs: " fmt

#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/capability.h>
#include <linux/sched/mm.h>
#include <linux/timekeeping.h>
#include <linux/dcache.h>
#include <linux/namei.h>
#include <linux/pagemap.h>

#include "daxfs.h"

/* A view being built, or the one just replaced. */
struct daxfs_vset {
	struct daxfs_layer *layer[DAXFS_VIEW_MAX];
	struct daxfs_view view;		/* depth: the layers replayed */
	u32 chain[DAXFS_VIEW_MAX];
	u64 gen[DAXFS_VIEW_MAX];	/* each chain slot's generation */
	u64 upto[DAXFS_VIEW_MAX];	/* where each log is read to */
	u32 depth;			/* slots on the chain */
	u32 lent;			/* layers the view shown lends it */
	u32 top, name_slot;
	u64 top_gen, name_gen;
	struct daxfs_replay_info replay; /* the top layer's */
	/* each layer's: where its replay ended (lent ones: as it was shown) */
	struct daxfs_replay_info info[DAXFS_VIEW_MAX];
	bool frozen;
	bool damaged;			/* some log replayed up to damage */
	bool folds_shown;		/* it restates the view shown */
	/* its root, a fold's slot: what its log's first checkpoint restates */
	u64 root_gen;
	u32 fold_top;			/* DAXFS_BRANCH_NONE: no fold */
	u32 fold_gen;
	u64 fold_lsn, fold_end;
	char name[DAXFS_BRANCH_NAME_MAX + 1];
};

/*
 * Which inodes of the view shown carry on into the one replacing it.
 * @all: every one (the new view is a fold of exactly the one shown).
 * Otherwise the two views share their @common lower layers; when @same,
 * layer @common is one log in both, read to two places, and must say the
 * same of an inode; and no layer above may name it in either view.
 */
struct daxfs_carry {
	u32 common;
	bool same;
	bool all;
};

/*
 * Free the layers @vs owns: not the @lent ones, which belong to the view
 * shown (before the install as after it).
 */
static void daxfs_vset_free(struct daxfs_vset *vs)
{
	u32 i;

	for (i = 0; i < vs->view.depth; i++) {
		if (i >= vs->lent) {
			daxfs_layer_clear(vs->layer[i]);
			kvfree(vs->layer[i]);
		}
		vs->layer[i] = NULL;
		vs->view.layer[i] = NULL;
	}
	vs->view.depth = 0;
	vs->lent = 0;
}

/* The chain of top slot @top as table @t has it, each log to its end. */
static int daxfs_vset_chain(struct daxfs_vset *vs, const struct daxfs_btab *t,
			    u32 top)
{
	const struct daxfs_bslot *b;
	int n = daxfs_btab_chain(t, top, vs->chain, DAXFS_VIEW_MAX), i;

	if (n < 0)
		return n == -ESTALE ? -ENOENT : n;
	for (i = 0; i < n; i++)
		vs->gen[i] = t->slot[vs->chain[i]].generation;
	vs->top = top;
	vs->depth = n;
	daxfs_btab_limits(t, vs->chain, n, vs->upto);
	vs->top_gen = t->slot[top].generation;
	vs->frozen = daxfs_btab_frozen(t, top) == 1;
	b = &t->slot[vs->chain[0]];
	vs->root_gen = b->generation;
	vs->fold_top = b->fold_top;
	vs->fold_gen = b->fold_gen;
	vs->fold_lsn = b->fold_lsn;
	vs->fold_end = b->fold_end;
	return 0;
}

/* Does the view shown have @vs's slot @i at level @i (same generation)? */
static bool daxfs_shows_slot(const struct daxfs_delta *d,
			     const struct daxfs_vset *vs, u32 i)
{
	return i < d->view.depth && d->chain[i] == vs->chain[i] &&
	       d->chain_gen[i] == vs->gen[i];
}

/*
 * Is every slot of @vs's chain whole?  A table snapshot does not check
 * slot CRCs: the slots are checked here, once they are to be shown
 * (the ones the view shown has were checked before).  -EAGAIN when a
 * slot moved on meanwhile.  Caller holds @log_lock.
 */
static int daxfs_vset_check(struct super_block *sb,
			    const struct daxfs_delta *d,
			    const struct daxfs_vset *vs)
{
	u32 i;
	int ret;

	for (i = 0; i < vs->depth; i++) {
		if (daxfs_shows_slot(d, vs, i))
			continue;
		ret = daxfs_branch_check(&DAXFS_SB(sb)->img, vs->chain[i],
					 vs->gen[i]);
		if (ret == -ESTALE)
			return -EAGAIN;
		if (ret) {
			pr_err_ratelimited("%s: branch slot %u is damaged (%d): no branch made from it can be shown\n",
					   sb->s_id, vs->chain[i], ret);
			return ret;
		}
	}
	return 0;
}

/* An empty @vs, and a snapshot of the table in @t.  Under @log_lock. */
static int daxfs_vset_begin(struct super_block *sb, struct daxfs_delta *d,
			    struct daxfs_vset *vs, struct daxfs_btab *t)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;

	memset(vs, 0, sizeof(*vs));
	vs->view.img = img;
	return daxfs_btab_load(img, d->bscratch, t);
}

/*
 * Where branch @name stands now: the slot of its name, its top, its
 * chain.  Caller holds @log_lock (the table snapshot's room).
 */
static int daxfs_vset_resolve(struct super_block *sb, struct daxfs_delta *d,
			      const char *name, struct daxfs_vset *vs)
{
	struct daxfs_btab t;
	u32 top;
	int ret = daxfs_vset_begin(sb, d, vs, &t);

	if (ret)
		return ret;
	ret = daxfs_btab_find(&t, name, strlen(name), &vs->name_slot);
	if (!ret)
		ret = daxfs_btab_resolve(&t, vs->name_slot, &top);
	if (!ret)
		ret = daxfs_vset_chain(vs, &t, top);
	if (!ret)
		ret = daxfs_vset_check(sb, d, vs);
	if (ret)
		return ret;
	vs->name_gen = t.slot[vs->name_slot].generation;
	strscpy(vs->name, name, sizeof(vs->name));
	return 0;
}

/*
 * The chain of top slot @top (generation @gen, its low 32 bits), its
 * log read to @lsn, under the name the mount shows.  Caller holds
 * @log_lock.
 */
static int daxfs_vset_at(struct super_block *sb, struct daxfs_delta *d,
			 u32 top, u32 gen, u64 lsn, struct daxfs_vset *vs)
{
	struct daxfs_btab t;
	int ret = daxfs_vset_begin(sb, d, vs, &t);

	if (ret)
		return ret;
	if (top >= t.count || (u32)t.slot[top].generation != gen)
		return -ENOENT;		/* reclaimed, reused */
	ret = daxfs_vset_chain(vs, &t, top);
	if (!ret)
		ret = daxfs_vset_check(sb, d, vs);
	if (ret)
		return ret;
	vs->upto[vs->depth - 1] = lsn;
	vs->name_slot = d->name_slot;
	vs->name_gen = d->name_gen;
	strscpy(vs->name, d->name, sizeof(vs->name));
	return 0;
}

/*
 * daxfs_still_top() without a word: -EAGAIN if the name moved on.  With
 * @below, it may have moved on by commits, leaving @top on the chain it
 * leads to: @top then shows a state the name had (a reader follows the
 * rest next time, and is never kept from progress by a writer that
 * commits faster than it replays).
 */
static int daxfs_name_leads(struct super_block *sb, struct daxfs_delta *d,
			    u32 name_slot, u32 top, u64 gen, bool below)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;
	struct daxfs_btab t;
	u32 now;
	int ret = daxfs_btab_load(img, d->bscratch, &t);

	if (!ret)
		ret = daxfs_btab_resolve(&t, name_slot, &now);
	if (ret)
		return ret;
	if (t.slot[top].generation != gen)
		return -EAGAIN;
	return now == top || (below && daxfs_btab_on_chain(&t, now, top)) ?
	       0 : -EAGAIN;
}

/*
 * Does name slot @name_slot still lead to @top (generation @gen)?  Asked
 * after a claim or a writer check: a commit or a fold elsewhere may have
 * moved the name on between reading the table and taking its top (a
 * fold's writer lets the old top go only after publishing the fold).
 * -EAGAIN, with one line if @say (a caller that reads the branch again
 * says it only when it gives up), if it moved.  Caller holds @log_lock.
 */
int daxfs_still_top(struct super_block *sb, struct daxfs_delta *d,
		    u32 name_slot, u32 top, u64 gen, bool say)
{
	int ret = daxfs_name_leads(sb, d, name_slot, top, gen, false);

	if (ret != -EAGAIN || !say)
		return ret;
	pr_warn("%s: branch %s moved on while it was being opened (a commit or a fold elsewhere); try again\n",
		sb->s_id, d->name);
	return -EAGAIN;
}

/* Replay every log of the chain into a layer of its own. */
static int daxfs_vset_replay(struct super_block *sb, struct daxfs_vset *vs,
			     bool recovery)
{
	unsigned int flags = recovery ? DAXFS_REPLAY_RECOVER : 0;
	/* under log_lock: reclaim must not come back into the filesystem */
	unsigned int nofs = memalloc_nofs_save();
	u32 i;
	int ret = 0;

	for (i = vs->lent; i < vs->depth; i++) {
		struct daxfs_layer *l = kzalloc(sizeof(*l), GFP_KERNEL);

		if (!l) {
			ret = -ENOMEM;
			break;
		}
		daxfs_layer_init(l);
		vs->layer[i] = l;
		vs->view.layer[i] = l;
		vs->view.depth = i + 1;
		ret = daxfs_replay_upto(&vs->view, i, vs->chain[i],
					vs->upto[i], flags, &vs->replay,
					daxfs_report_line, sb);
		if (ret) {
			pr_err_ratelimited("%s: cannot replay the log of slot %u (branch %s, layer %u) (%d); mount with -o recovery,ro to read what precedes the damage\n",
					   sb->s_id, vs->chain[i], vs->name, i, ret);
			break;
		}
		vs->info[i] = vs->replay;
		if (vs->replay.damaged) {
			vs->damaged = true;
			pr_warn("%s: recovery: the log of slot %u (branch %s) is damaged at position %llu; showing the files as of the last whole transaction before it\n",
				sb->s_id, vs->chain[i], vs->name,
				vs->replay.good_lsn);
		}
	}
	memalloc_nofs_restore(nofs);
	return ret;
}

/* Where layer @i of @vs was read to: its child's fork point, or the tail. */
static u64 daxfs_vset_upto(const struct daxfs_vset *vs, u32 i)
{
	return i + 1 < vs->depth ? vs->upto[i] : vs->replay.good_lsn;
}

/*
 * Where layer @i of the view shown is read to.  The writer's top is read
 * to its tail: everything it stages, applies and publishes happens under
 * @log_lock, which the caller holds.
 */
static u64 daxfs_layer_upto(const struct daxfs_delta *d, u32 i)
{
	return i + 1 == d->view.depth && d->writable ? d->writer.tail :
						      d->upto[i];
}

/*
 * Is layer @i of the view shown the one @vs replays there: the same log
 * (slot and generation), read to the same place?
 */
static bool daxfs_shows_layer(const struct daxfs_delta *d,
			      const struct daxfs_vset *vs, u32 i)
{
	return daxfs_shows_slot(d, vs, i) &&
	       daxfs_layer_upto(d, i) == daxfs_vset_upto(vs, i);
}

/*
 * How many layers, root first, the view shown and @vs have in common:
 * the same slots, each read to the same place (a slot on the chain shown
 * is not reused meanwhile: reclaim waits for this mount's seen_epoch).
 * None when the view shown is discarded.  Caller holds @log_lock.
 */
static u32 daxfs_vset_common(const struct daxfs_delta *d,
			     const struct daxfs_vset *vs)
{
	u32 depth = d->view.depth, i;

	if (READ_ONCE(d->discarded))
		return 0;
	for (i = 0; i < depth && i < vs->view.depth; i++)
		if (!daxfs_shows_layer(d, vs, i))
			break;
	return i;
}

/*
 * How the view shown and @vs compare, for carrying inodes on: false when
 * none can (a discarded view keeps nothing).  Caller holds @log_lock.
 */
static bool daxfs_carry_kind(const struct daxfs_delta *d,
			     const struct daxfs_vset *vs, u32 common,
			     struct daxfs_carry *c)
{
	c->common = common;
	c->all = vs->folds_shown;
	/* one log in both above them, read to two places */
	c->same = common < d->view.depth && common < vs->view.depth &&
		  d->chain[common] == vs->chain[common];
	return !READ_ONCE(d->discarded) && (c->all || c->same || common);
}

/* Does @ino read the same in views @a and @b (see struct daxfs_carry)? */
static bool daxfs_ino_kept(const struct daxfs_view *a,
			   const struct daxfs_view *b,
			   const struct daxfs_carry *c, u64 ino)
{
	u32 i, from = c->common;

	if (c->all)
		return true;
	if (c->same) {
		if (!daxfs_layer_same(a->layer[from], b->layer[from], ino))
			return false;
		from++;
	}
	for (i = from; i < a->depth; i++)
		if (daxfs_layer_knows(a->layer[i], ino))
			return false;
	for (i = from; i < b->depth; i++)
		if (daxfs_layer_knows(b->layer[i], ino))
			return false;
	return true;
}

/*
 * The cached inodes of view @from that read the same in the view that
 * replaces it belong to view @to too: their open files and mappings
 * carry on.  The others stay stale.  Caller holds @index_lock for
 * writing.
 */
static void daxfs_carry_inodes(struct super_block *sb,
			       const struct daxfs_view *old,
			       const struct daxfs_view *new,
			       const struct daxfs_carry *c,
			       unsigned long from, unsigned long to)
{
	struct inode *inode;

	spin_lock(&sb->s_inode_list_lock);
	list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		struct daxfs_vnode *vn = DAXFS_I(inode);

		if (vn->vgen == from &&
		    daxfs_ino_kept(old, new, c, inode->i_ino))
			WRITE_ONCE(vn->vgen, to);
	}
	spin_unlock(&sb->s_inode_list_lock);
}

/* Swap the layers of the view shown and of @vs. */
static void daxfs_vset_swap(struct daxfs_delta *d, struct daxfs_vset *vs)
{
	u32 i;

	for (i = 0; i < DAXFS_VIEW_MAX; i++) {
		swap(d->layer[i], vs->layer[i]);
		swap(d->view.layer[i], vs->view.layer[i]);
	}
	swap(d->view.depth, vs->view.depth);
}

/*
 * Make @vs the mount's view; @vs gets the old one's layers back (to be
 * freed).  Caller holds @log_lock.  Inodes of the old view that the new one has
 * changed, added to or taken away are stale from here on; the others
 * carry on in the new view.
 */
static int daxfs_vset_install(struct super_block *sb, struct daxfs_delta *d,
			      struct daxfs_vset *vs)
{
	u32 i, common = daxfs_vset_common(d, vs);
	struct daxfs_carry c;
	bool carry = daxfs_carry_kind(d, vs, common, &c);
	unsigned long from = d->vgen;
	int ret = 0;

	down_write(&d->index_lock);
	daxfs_vset_swap(d, vs);
	memcpy(d->chain, vs->chain, sizeof(d->chain));
	memcpy(d->chain_gen, vs->gen, sizeof(d->chain_gen));
	for (i = 0; i < vs->depth; i++)
		d->upto[i] = daxfs_vset_upto(vs, i);
	memcpy(d->rinfo, vs->info, sizeof(d->rinfo));
	d->top = vs->top;
	d->top_gen = vs->top_gen;
	d->name_slot = vs->name_slot;
	d->name_gen = vs->name_gen;
	d->replay = vs->replay;
	d->frozen = vs->frozen;
	strscpy(d->name, vs->name, sizeof(d->name));
	WRITE_ONCE(d->vgen, d->vgen + 1);
	/* a mount whose slot was taken shows nothing, whatever it installs */
	WRITE_ONCE(d->discarded, READ_ONCE(d->lost));
	if (carry && !READ_ONCE(d->lost))
		daxfs_carry_inodes(sb, &vs->view, &d->view, &c, from, d->vgen);
	if (sb->s_root)
		ret = daxfs_reload_root(d_inode(sb->s_root));
	up_write(&d->index_lock);
	if (ret)
		pr_err("%s: the root of branch %s cannot be read (%d)\n",
		       sb->s_id, d->name, ret);
	return ret;
}

void daxfs_view_close(struct daxfs_delta *d)
{
	u32 i;

	for (i = 0; i < d->view.depth; i++) {
		daxfs_layer_clear(d->layer[i]);
		kvfree(d->layer[i]);
		d->layer[i] = NULL;
		d->view.layer[i] = NULL;
	}
	d->view.depth = 0;
}

/*
 * This mount's words in the region's mount table, written only while the
 * slot is still this mount's: a mount whose slot was taken over (its
 * lease ran out, or -o force) must not write into another mount's slot.
 */
void daxfs_note_branch(struct daxfs_delta *d, u32 top, u32 flags)
{
	if (!daxfs_slot_lost(d))
		daxfs_mount_update(&DAXFS_SB(d->sb)->img, d->mount_slot, top,
				   flags);
}

/* Where the view shown reads its top's log to. Caller holds @log_lock. */
static u64 daxfs_view_upto(const struct daxfs_delta *d)
{
	if (!d->view.depth)
		return 0;
	return d->writable ? d->writer.tail : d->upto[d->view.depth - 1];
}

/*
 * While a view replaces the one shown, the old top's log, as far as the
 * old view reads it, stays pinned: its writer keeps what it frees past
 * there until the old view is gone (retire.c).
 */
static void daxfs_note_pin(struct daxfs_delta *d)
{
	if (!daxfs_slot_lost(d))
		daxfs_mount_pin(&DAXFS_SB(d->sb)->img, d->mount_slot, d->top,
				daxfs_view_upto(d));
}

/*
 * Only the view shown is read now: its position, nothing pinned.  A
 * discarded view, once dropped, shows nothing: writers keep nothing for
 * it (its top may live on as another name's, written further).
 */
static void daxfs_note_view(struct daxfs_delta *d)
{
	const struct daxfs_image *img = &DAXFS_SB(d->sb)->img;

	if (daxfs_slot_lost(d))
		return;
	if (READ_ONCE(d->discarded) && !d->need_drop)
		daxfs_mount_update(img, d->mount_slot, DAXFS_BRANCH_NONE,
				   d->writable ? DAXFS_MOUNT_RW : 0);
	else if (!d->writable)
		daxfs_mount_shown(img, d->mount_slot, daxfs_view_upto(d));
	daxfs_mount_pin(img, d->mount_slot, DAXFS_BRANCH_NONE, 0);
}

/* The mount acted on @epoch, and nothing of an older view is read. */
static void daxfs_note_seen(struct daxfs_delta *d, u64 epoch)
{
	if (!daxfs_slot_lost(d))
		daxfs_mount_seen(&DAXFS_SB(d->sb)->img, d->mount_slot, epoch);
	daxfs_note_view(d);
}

static int daxfs_view_open_in(struct super_block *sb, struct daxfs_delta *d,
			      const char *name, bool rw, bool recovery,
			      bool say, struct daxfs_vset *vs)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;
	u64 epoch = daxfs_epoch(img);
	int ret;

	strscpy(d->name, name, sizeof(d->name));
	ret = daxfs_vset_resolve(sb, d, name, vs);
	if (ret == -ENOENT || ret == -EINVAL) {
		pr_err("%s: no live branch '%s' in the region\n", sb->s_id,
		       name);
		return -ENOENT;
	}
	if (ret)
		return ret;
	/* shown, nothing of it read yet, before we read its log (retire.c) */
	daxfs_mount_update(img, d->mount_slot, vs->top,
			   rw ? DAXFS_MOUNT_RW : 0);
	/* pairs with the writer's, between its log_tail and our slot */
	smp_mb();
	ret = daxfs_vset_replay(sb, vs, recovery);
	/* what was replayed is still the branch (a writer checks at its claim) */
	if (!rw && (!ret || ret == -EUCLEAN) &&
	    daxfs_still_top(sb, d, vs->name_slot, vs->top, vs->top_gen, say))
		ret = -EAGAIN;
	if (!ret)
		ret = daxfs_vset_install(sb, d, vs);
	daxfs_vset_free(vs);
	if (ret)
		return ret;
	d->recovered = vs->damaged;
	d->epoch = epoch;
	daxfs_mount_seen(img, d->mount_slot, epoch);
	if (!rw)
		daxfs_mount_shown(img, d->mount_slot,
				  d->upto[d->view.depth - 1]);
	return 0;
}

int daxfs_view_open(struct super_block *sb, struct daxfs_delta *d,
		    const char *name, bool rw, bool recovery, bool say)
{
	/* the view being built: too big for the stack; under log_lock */
	struct daxfs_vset *vs = kzalloc(sizeof(*vs), GFP_NOFS);
	int ret;

	if (!vs)
		return -ENOMEM;
	ret = daxfs_view_open_in(sb, d, name, rw, recovery, say, vs);
	kfree(vs);
	return ret;
}

/*
 * Every inode of an old view the new one did not carry over leaves
 * (daxfs_vset_install()): out of the inode hash (the next
 * lookup makes a new one from the current view), its pages out of every
 * mapping (the next fault sees it is stale: SIGBUS), nothing left for the
 * log.  Faults hold invalidate_lock, reads i_rwsem: one under way ends
 * before this returns, and no new one reads the old view's pages.  Only
 * then may the mount say it has seen the epoch (reclaim.c).
 */
static void daxfs_drop_stale(struct super_block *sb)
{
	struct inode *inode, *prev = NULL;
	struct inode *root = d_inode(sb->s_root);

	spin_lock(&sb->s_inode_list_lock);
	list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		struct daxfs_vnode *vn = DAXFS_I(inode);

		spin_lock(&inode->i_lock);
		if ((inode->i_state & (I_FREEING | I_WILL_FREE | I_NEW)) ||
		    (inode == root && !READ_ONCE(daxfs_delta(inode)->discarded)) ||
		    !daxfs_stale(inode)) {
			spin_unlock(&inode->i_lock);
			continue;
		}
		__iget(inode);
		spin_unlock(&inode->i_lock);
		spin_unlock(&sb->s_inode_list_lock);
		if (inode != root)
			remove_inode_hash(inode);
		atomic_long_set(&vn->attrs_dirty, 0);
		atomic_long_set(&vn->mmap_dirty, 0);
		daxfs_forget_attrs(inode);
		filemap_invalidate_lock(inode->i_mapping);
		unmap_mapping_range(inode->i_mapping, 0, 0, 1);
		filemap_invalidate_unlock(inode->i_mapping);
		/* a read of the old view still copying (it holds i_rwsem) */
		inode_lock(inode);
		inode_unlock(inode);
		/* its dentries nobody holds; the held ones fail revalidation */
		d_prune_aliases(inode);
		iput(prev);
		prev = inode;
		cond_resched();
		spin_lock(&sb->s_inode_list_lock);
	}
	spin_unlock(&sb->s_inode_list_lock);
	iput(prev);
	/* a discarded view keeps nothing: every dentry nobody holds goes */
	if (READ_ONCE(daxfs_delta(root)->discarded))
		shrink_dcache_sb(sb);
}

/* Is the view shown @vs's chain, each log read as far (@vs not replayed)? */
static bool daxfs_shows_chain(const struct daxfs_delta *d,
			      const struct daxfs_vset *vs)
{
	u32 i;

	if (READ_ONCE(d->discarded) || d->writable ||
	    d->view.depth != vs->depth)
		return false;
	for (i = 0; i < vs->depth; i++)
		if (d->chain[i] != vs->chain[i] || d->upto[i] != vs->upto[i])
			return false;
	return true;
}

/*
 * Can log @slot still be read as far as @lsn and no further: does it
 * start at or before @lsn (a checkpoint may have moved its head past)?
 */
static bool daxfs_log_reaches(const struct daxfs_image *img, u32 slot,
			      u64 lsn)
{
	/* under log_lock: reclaim must not come back into the filesystem */
	unsigned int nofs = memalloc_nofs_save();
	struct daxfs_log_reader r;
	struct daxfs_log_span span;
	bool ok = !daxfs_log_span(img, slot, &span) && lsn <= span.tail;

	if (ok) {
		span.tail = lsn;
		ok = !daxfs_log_reader_init(&r, img, &span);
		daxfs_log_reader_release(&r);
	}
	memalloc_nofs_restore(nofs);
	return ok;
}

/* Replay @vs and make it the view shown; @vs keeps the old layers. */
static int daxfs_vset_show(struct super_block *sb, struct daxfs_delta *d,
			   struct daxfs_vset *vs, u64 upto)
{
	int ret = daxfs_vset_replay(sb, vs, false);

	if (!ret && vs->replay.good_lsn != upto)
		ret = -ESTALE;	/* the log does not end there */
	return ret ? ret : daxfs_vset_install(sb, d, vs);
}

/*
 * A read-only mount of main moving to @vs, whose chain starts at a fold
 * of main: a slot whose log starts with one checkpoint that restates the
 * chain of slot @vs->fold_top read to @vs->fold_lsn.  When the view
 * shown is on that chain, the inodes it shows carry on, in three steps:
 * show that chain as far as the fold read it (a commit followed: what it
 * changed goes stale); then the fold's slot read to its checkpoint's end
 * (the same answers: every inode carries on); the caller then shows @vs,
 * whose root layer is that log read further (what the writer changed
 * since goes stale).  The old chain is still there: its slots are not
 * reclaimed before this mount has seen them discarded, which it says
 * only once it left them (daxfs_refresh_locked()), and the pages the
 * fold let go of stay in use while this mount shows or pins a slot of
 * it (retire.c).  0 when the fold is shown.  Caller holds @log_lock.
 */
static int daxfs_follow_fold(struct super_block *sb, struct daxfs_delta *d,
			     const struct daxfs_vset *vs)
{
	struct daxfs_vset *mid = kmalloc(sizeof(*mid), GFP_NOFS);
	u32 i;
	int ret;

	if (!mid)
		return -ENOMEM;
	ret = daxfs_vset_at(sb, d, vs->fold_top, vs->fold_gen, vs->fold_lsn,
			    mid);
	for (i = 0; !ret && i < mid->depth && mid->chain[i] != d->top; i++)
		;
	if (!ret && i == mid->depth)
		ret = -ESTALE;	/* it shows something else */
	if (!ret && !daxfs_shows_chain(d, mid))
		ret = daxfs_vset_show(sb, d, mid, vs->fold_lsn);
	daxfs_vset_free(mid);
	if (!ret && !daxfs_log_reaches(&DAXFS_SB(sb)->img, vs->chain[0],
				       vs->fold_end))
		ret = -ESTALE;	/* a checkpoint of the fold's own since */
	if (!ret)
		ret = daxfs_vset_at(sb, d, vs->chain[0], vs->root_gen,
				    vs->fold_end, mid);
	if (!ret) {
		mid->folds_shown = true;
		ret = daxfs_vset_show(sb, d, mid, vs->fold_end);
		daxfs_vset_free(mid);
	}
	kfree(mid);
	return ret;
}

/*
 * Where the replay of layer @i of the view shown ended, as a writer
 * opening its log at that place needs it: the writer's own state for a
 * writable top (its layer has moved on from its replay).  Caller holds
 * @log_lock.
 */
static void daxfs_shown_info(const struct daxfs_delta *d, u32 i,
			     struct daxfs_replay_info *info)
{
	if (i + 1 == d->view.depth && d->writable)
		daxfs_writer_info(&d->writer, info);
	else
		*info = d->rinfo[i];
}

/*
 * May layer @i of the view shown be @vs's top as it is?  The same log
 * (slot and generation), read to where its tail is now, by a replay that
 * ended there (its end is @vs's replay: where a writer opens it), with
 * no checkpoint past its head to move the head to.
 */
static bool daxfs_top_current(const struct daxfs_delta *d,
			      const struct daxfs_vset *vs, u32 i)
{
	const struct daxfs_image *img = &DAXFS_SB(d->sb)->img;
	struct daxfs_replay_info info;
	u64 tail;

	if (i + 1 != vs->depth || !daxfs_shows_slot(d, vs, i))
		return false;
	daxfs_shown_info(d, i, &info);
	tail = daxfs_word_load(img, daxfs_branch_word(img, vs->chain[i],
			       offsetof(struct daxfs_branch, log_tail)));
	return info.good_lsn == daxfs_layer_upto(d, i) &&
	       info.good_lsn == tail && info.ckpt_chunk == DAXFS_NO_PAGE;
}

/*
 * Lend @vs the layers the view shown holds of the same logs read to the
 * same places (daxfs_shows_layer(); a discarded view's too: a slot
 * reused since has another generation), so that only the layers above
 * are replayed: a switch to a new branch of the branch shown replays one
 * log, whatever the depth below, and a switch back (or an abort's) none
 * when the branch it returns to was not written since it was read
 * (daxfs_top_current()).  Never layers replayed up to damage.  The lent
 * layers change hands at the install.  Caller holds @log_lock.
 */
static void daxfs_vset_lend(struct daxfs_delta *d, struct daxfs_vset *vs)
{
	u32 i;

	if (d->recovered)
		return;
	for (i = 0; i < vs->depth; i++) {
		if (i + 1 < vs->depth ? !daxfs_shows_layer(d, vs, i) :
					!daxfs_top_current(d, vs, i))
			break;
		vs->layer[i] = d->layer[i];
		vs->view.layer[i] = d->layer[i];
		daxfs_shown_info(d, i, &vs->info[i]);
	}
	if (i && i == vs->depth)
		vs->replay = vs->info[i - 1];
	vs->lent = i;
	vs->view.depth = i;
}

/*
 * Replay @vs, the view to show.  A read-only mount moving to a fold of
 * main first shows what the fold restates (daxfs_follow_fold()): a step
 * that fails leaves a view the caller replaces anyway.  *@stepped: some
 * step was shown (the view shown is no longer the one pinned).  Caller
 * holds @log_lock.
 */
static int daxfs_vset_replay_next(struct super_block *sb,
				  struct daxfs_delta *d, struct daxfs_vset *vs,
				  bool *stepped)
{
	unsigned long vgen = d->vgen;
	int ret;

	if (!d->writable && !d->recovered &&
	    vs->fold_top != DAXFS_BRANCH_NONE && d->view.depth &&
	    d->chain[0] != vs->chain[0] && !READ_ONCE(d->discarded)) {
		ret = daxfs_follow_fold(sb, d, vs);
		if (ret)
			pr_debug("%s: following the fold of main in slot %u step by step failed (%d): the files it shows go stale\n",
				 sb->s_id, vs->chain[0], ret);
	}
	*stepped = d->vgen != vgen;
	daxfs_vset_lend(d, vs);
	if (vs->lent == vs->depth)
		pr_debug("%s: branch %s: every layer of its view is one shown already; nothing replayed\n",
			 sb->s_id, vs->name);
	return daxfs_vset_replay(sb, vs, false);
}

/*
 * Show branch @name from now on.  @sync: publish what the current branch
 * has pending first (not when it is being thrown away).  @from: when not
 * DAXFS_BRANCH_NONE, only follow @name up from slot @from: a switch made
 * since the caller looked wins, and nothing happens.  @vs: room for the
 * view being built.
 */
static int daxfs_switch_locked(struct super_block *sb, const char *name,
			       bool sync, u32 from, struct daxfs_vset *vs)
{
	struct daxfs_sb_info *sbi = DAXFS_SB(sb);
	struct daxfs_delta *d = sbi->delta;
	const struct daxfs_image *img = &sbi->img;
	u64 epoch = daxfs_epoch(img);
	struct inode *root = d_inode(sb->s_root);
	bool was_writable, claimed = false, stepped = false;
	u32 old_top;
	int ret;

	if (sync) {
		ret = daxfs_quiesce_begin(sb, d);
		if (ret)
			return ret;
	}
	/*
	 * The root is the one inode both views share: no operation in it
	 * (lookup and change under its i_rwsem) may straddle the switch.
	 */
	inode_lock(root);
	if (sync) {
		ret = daxfs_quiesce_lock(sb, d);
		if (ret) {
			inode_unlock(root);
			return ret;
		}
	} else {
		mutex_lock(&d->log_lock);
	}
	if ((from != DAXFS_BRANCH_NONE &&
	     (d->top != from || strcmp(d->name, name) ||
	      READ_ONCE(d->discarded))) ||
	    READ_ONCE(d->broken) || daxfs_slot_lost(d)) {
		/* a switch made since wins; a broken mount moves no more */
		ret = READ_ONCE(d->broken) ? -EIO : 0;
		mutex_unlock(&d->log_lock);
		if (sync)
			daxfs_quiesce_end(d);
		inode_unlock(root);
		return ret;
	}
	ret = daxfs_vset_resolve(sb, d, name, vs);
	if (ret)
		goto out;
	if (vs->top == d->top && vs->top_gen == d->top_gen &&
	    !READ_ONCE(d->discarded) && !daxfs_tail_moved(d)) {
		/* another name for what we show: nothing moves */
		down_write(&d->index_lock);
		d->name_slot = vs->name_slot;
		d->name_gen = vs->name_gen;
		strscpy(d->name, vs->name, sizeof(d->name));
		up_write(&d->index_lock);
		goto out;
	}
	was_writable = d->writable;
	daxfs_note_pin(d);
	if (was_writable) {
		ret = daxfs_claim_top(sb, d, vs->top, true);
		claimed = !ret;
	} else {
		/* shown, nothing read yet, before we read its log (retire.c) */
		daxfs_note_branch(d, vs->top, 0);
		/* pairs with the writer's, between its log_tail and our slot */
		smp_mb();
	}
	if (!ret)
		/* a follow that lost a race tries again at the next heartbeat */
		ret = from == DAXFS_BRANCH_NONE ?
		      daxfs_still_top(sb, d, vs->name_slot, vs->top, vs->top_gen,
				      true) :
		      daxfs_name_leads(sb, d, vs->name_slot, vs->top,
				       vs->top_gen, !was_writable);
	if (!ret)
		ret = daxfs_vset_replay_next(sb, d, vs, &stepped);
	/* the claim was made under an id another mount may have reaped */
	if (!ret && daxfs_slot_lost(d))
		ret = -EIO;
	if (ret && stepped)
		goto out_stepped;
	if (ret)
		goto out_release;
	daxfs_note_branch(d, vs->top, was_writable ? DAXFS_MOUNT_RW : 0);
	old_top = d->top;
	ret = daxfs_vset_install(sb, d, vs);
	if (was_writable) {
		int err;

		daxfs_writer_hook(d);
		err = daxfs_writer_open(&d->writer, &d->view, &d->alloc,
					d->top, &d->replay);

		if (err) {
			pr_err("%s: cannot open the log of branch %s for writing (%d)\n",
			       sb->s_id, d->name, err);
			d->writable = false;
			daxfs_release_top(sb, d, d->top);
			ret = ret ? ret : err;
		} else {
			daxfs_note_writer(d);
		}
		if (old_top != d->top)
			daxfs_release_top(sb, d, old_top);
	} else {
		memset(&d->writer, 0, sizeof(d->writer));
	}
	d->epoch = epoch;
	d->drops++;		/* no seen_epoch until the old view is gone */
	mutex_unlock(&d->log_lock);
	if (sync)
		daxfs_quiesce_end(d);
	inode_unlock(root);
	daxfs_vset_free(vs);
	daxfs_drop_stale(sb);
	mutex_lock(&d->log_lock);
	if (!--d->drops)
		daxfs_note_seen(d, d->epoch);
	mutex_unlock(&d->log_lock);
	return ret;
out_stepped:
	/*
	 * A reader showed a fold's steps but cannot show @vs: what the steps
	 * made stale goes as after any switch, then the view shown is what
	 * it says; no seen_epoch (a step may be on the chain the fold left),
	 * and the next heartbeat follows again.
	 */
	d->epoch = 0;
	d->drops++;
	mutex_unlock(&d->log_lock);
	if (sync)
		daxfs_quiesce_end(d);
	inode_unlock(root);
	daxfs_vset_free(vs);
	daxfs_drop_stale(sb);
	mutex_lock(&d->log_lock);
	if (!--d->drops) {
		daxfs_note_branch(d, d->top, 0);
		daxfs_note_view(d);
	}
	mutex_unlock(&d->log_lock);
	return ret;
out_release:
	if (claimed)
		daxfs_release_top(sb, d, vs->top);
	if (!was_writable)
		daxfs_note_branch(d, d->top, 0);
	daxfs_note_view(d);	/* the old view is still the one shown */
out:
	mutex_unlock(&d->log_lock);
	if (sync)
		daxfs_quiesce_end(d);
	inode_unlock(root);
	daxfs_vset_free(vs);
	return ret;
}

/*
 * One view replacement at a time, from before it pins the old top until
 * the old view is dropped: the mount table holds one pinned top.
 */
static int daxfs_switch(struct super_block *sb, const char *name, bool sync,
			u32 from)
{
	struct daxfs_delta *d = DAXFS_SB(sb)->delta;
	/* the view being built: too big for the stack */
	struct daxfs_vset *vs = kzalloc(sizeof(*vs), GFP_KERNEL);
	int ret;

	if (!vs)
		return -ENOMEM;
	mutex_lock(&d->switch_lock);
	ret = daxfs_switch_locked(sb, name, sync, from, vs);
	mutex_unlock(&d->switch_lock);
	kfree(vs);
	return ret;
}

/*
 * Look at the table again after the epoch moved.  Caller holds @log_lock.
 * Returns true when the view must be replaced (a commit made the name
 * lead further) or dropped (the branch is gone).
 */
static bool daxfs_refresh_locked(struct super_block *sb, struct daxfs_delta *d,
				 u64 epoch)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;
	struct daxfs_btab t;
	u32 top;
	bool follow;

	if (daxfs_btab_load(img, d->bscratch, &t))
		return false;
	d->epoch = epoch;
	if (READ_ONCE(d->discarded))
		return false;
	if (d->name_slot &&
	    (t.slot[d->name_slot].generation != d->name_gen ||
	     daxfs_btab_liveness(&t, d->name_slot) != DAXFS_BL_LIVE)) {
		WRITE_ONCE(d->discarded, true);
		d->need_drop = true;
		pr_info("%s: branch %s was discarded (aborted, or a rival was committed); everything in this mount fails with ESTALE until it switches to another branch\n",
			sb->s_id, d->name);
		return true;
	}
	WRITE_ONCE(d->frozen, daxfs_btab_frozen(&t, d->top) == 1);
	follow = !daxfs_btab_resolve(&t, d->name_slot, &top) && top != d->top;
	/*
	 * A commit into our name only adds layers above ours: nothing we
	 * show was discarded, we read no page that reclaim may take.  A
	 * fold leaves our chain behind: that is seen once we follow it.
	 */
	if (!d->drops && (!follow || daxfs_btab_on_chain(&t, top, d->top)))
		daxfs_note_seen(d, epoch);
	return follow;
}

int daxfs_branch_refresh(struct super_block *sb)
{
	struct daxfs_delta *d = DAXFS_SB(sb)->delta;
	u64 epoch;
	bool follow;

	if (!d)
		return 0;
	epoch = daxfs_epoch(&DAXFS_SB(sb)->img);
	if (epoch == READ_ONCE(d->epoch))
		return 0;
	mutex_lock(&d->log_lock);
	follow = epoch != d->epoch && daxfs_refresh_locked(sb, d, epoch);
	mutex_unlock(&d->log_lock);
	if (follow)
		queue_work(system_unbound_wq, &d->refresh_work);
	return 0;
}

bool daxfs_tail_moved(struct daxfs_delta *d)
{
	const struct daxfs_image *img = &DAXFS_SB(d->sb)->img;
	u32 depth = READ_ONCE(d->view.depth), top = READ_ONCE(d->top);

	if (READ_ONCE(d->writable) || d->recovered || !depth ||
	    READ_ONCE(d->discarded) || top >= img->branch_count)
		return false;
	return daxfs_word_load(img, daxfs_branch_word(img, top,
			offsetof(struct daxfs_branch, log_tail))) !=
	       READ_ONCE(d->upto[depth - 1]);
}

/*
 * Is there something for the view to follow?  Its name leads to another
 * top (a commit into it), or, in a read-only mount, a writer published
 * more of the top's log.  Caller holds @log_lock.
 */
static bool daxfs_follow_ready(struct super_block *sb, struct daxfs_delta *d)
{
	struct daxfs_btab t;
	u32 top;

	if (daxfs_tail_moved(d))
		return true;
	return !daxfs_btab_load(&DAXFS_SB(sb)->img, d->bscratch, &t) &&
	       !daxfs_btab_resolve(&t, d->name_slot, &top) && top != d->top;
}

/*
 * Catch up with the mount's own branch now, as the heartbeat's follow
 * would: for a read-only mount to become writable when the log moved on
 * since it read it (another writer came and went).  A branch found
 * discarded, or a broken mount, is not followed: the caller says why it
 * cannot be written.  Caller holds s_umount for writing (remount).
 */
int daxfs_follow_now(struct super_block *sb)
{
	struct daxfs_delta *d = DAXFS_SB(sb)->delta;
	char name[DAXFS_BRANCH_NAME_MAX + 1];
	u32 top;

	lockdep_assert_held_write(&sb->s_umount);
	daxfs_branch_refresh(sb);
	if (READ_ONCE(d->discarded) || READ_ONCE(d->broken))
		return 0;
	mutex_lock(&d->log_lock);
	strscpy(name, d->name, sizeof(name));
	top = d->top;
	mutex_unlock(&d->log_lock);
	return daxfs_switch(sb, name, false, top);
}

/*
 * Follow what the table now says: drop a discarded branch's inodes and
 * mappings, or move the view up to where the name leads after a commit.
 * Under s_umount (shared), so that unmount and remount never race it.
 */
void daxfs_refresh_work(struct work_struct *work)
{
	struct daxfs_delta *d = container_of(work, struct daxfs_delta,
					     refresh_work);
	struct super_block *sb = d->sb;
	char name[DAXFS_BRANCH_NAME_MAX + 1];
	u32 top;
	int ret;

	if (!down_read_trylock(&sb->s_umount))
		return;
	if (!sb->s_root)
		goto out;
	if (READ_ONCE(d->lost) && !READ_ONCE(d->discarded)) {
		/* its pages may be reused now: nothing of the view stays */
		mutex_lock(&d->log_lock);
		WRITE_ONCE(d->discarded, true);
		d->need_drop = true;
		mutex_unlock(&d->log_lock);
	}
	daxfs_branch_refresh(sb);
	if (READ_ONCE(d->discarded)) {
		mutex_lock(&d->switch_lock);
		mutex_lock(&d->log_lock);
		d->drops++;
		mutex_unlock(&d->log_lock);
		daxfs_drop_stale(sb);
		mutex_lock(&d->log_lock);
		d->need_drop = false;
		if (!--d->drops)
			daxfs_note_seen(d, d->epoch);
		mutex_unlock(&d->log_lock);
		mutex_unlock(&d->switch_lock);
		goto out;
	}
	if (READ_ONCE(d->broken))
		goto out;	/* it moves no more */
	mutex_lock(&d->log_lock);
	strscpy(name, d->name, sizeof(name));
	top = d->top;
	ret = daxfs_follow_ready(sb, d);
	mutex_unlock(&d->log_lock);
	if (!ret)
		goto out;
	ret = daxfs_switch(sb, name, false, top);
	if (ret && ret != -ENOENT && ret != -EAGAIN)
		pr_warn_ratelimited("%s: cannot follow branch %s past slot %u (%d)\n",
				    sb->s_id, name, top, ret);
	/*
	 * A reader that does not follow holds back the space of what it
	 * shows: it tries again at the next heartbeat.  A writable mount
	 * only after a lost race or a short memory (a claim it cannot take
	 * stays refused until the table moves again).
	 */
	if (ret && (!READ_ONCE(d->writable) || ret == -EAGAIN ||
		    ret == -ENOMEM)) {
		mutex_lock(&d->log_lock);
		d->epoch = 0;
		mutex_unlock(&d->log_lock);
	}
out:
	up_read(&sb->s_umount);
}

/* ---- ioctls ---- */

static int daxfs_ioc_name(const char *src, char *dst)
{
	size_t len = strnlen(src, DAXFS_BRANCH_NAME_MAX + 1);

	if (len > DAXFS_BRANCH_NAME_MAX || !daxfs_branch_name_ok(src, len))
		return -EINVAL;
	memcpy(dst, src, len);
	dst[len] = 0;
	return 0;
}

/* The top slot of the parent @name ("" for the mount's own branch). */
static int daxfs_parent_top(struct daxfs_delta *d, const char *name, u32 *top)
{
	struct daxfs_btab t;
	int ret;

	if (!*name) {
		*top = d->top;
		return 0;
	}
	ret = daxfs_btab_load(&DAXFS_SB(d->sb)->img, d->bscratch, &t);
	if (!ret)
		ret = daxfs_btab_lookup(&t, name, strlen(name), top);
	return ret == -EINVAL ? -ENOENT : ret;
}

static int daxfs_ioc_create(struct super_block *sb, struct daxfs_delta *d,
			    const struct daxfs_ioc_branch *arg)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;
	char name[DAXFS_BRANCH_NAME_MAX + 1], parent[DAXFS_BRANCH_NAME_MAX + 1];
	struct daxfs_bnew nb = { .owner = d->mount_id };
	bool own, held = false;
	u64 cursor;
	u32 ptop, slot = DAXFS_BRANCH_NONE;
	int ret;

	ret = daxfs_ioc_name(arg->name, name);
	if (ret)
		return ret;
	if (arg->parent[0]) {
		ret = daxfs_ioc_name(arg->parent, parent);
		if (ret)
			return ret;
	} else {
		parent[0] = 0;
	}
	/* the parent freezes: what it has pending goes to its log first */
	ret = daxfs_quiesce_begin(sb, d);
	if (!ret)
		ret = daxfs_quiesce_lock(sb, d);
	if (ret)
		return ret;
	ret = READ_ONCE(d->discarded) ? -ESTALE :
	      daxfs_parent_top(d, parent, &ptop);
	if (ret)
		goto out;
	/* its writer cannot publish while the child reads where it ends */
	own = ptop == d->top && d->writable;
	if (!own) {
		ret = daxfs_claim_top(sb, d, ptop, false);
		if (ret)
			goto out;
		held = true;
	}
	nb.name = name;
	nb.len = strlen(name);
	nb.parent = ptop;
	nb.log_id = daxfs_random64() | 1;
	nb.now = ktime_get_real_seconds();
	cursor = *raw_cpu_ptr(d->cursor);
	ret = daxfs_log_start(&d->alloc, &cursor, nb.log_id, &nb.chunk);
	if (ret)
		goto out_release;
	ret = daxfs_branch_create(img, d->bscratch, &nb, &slot);
	if (ret && slot == DAXFS_BRANCH_NONE)
		daxfs_free_pages(sb, nb.chunk, 1);
	if (!ret && ptop == d->top)
		WRITE_ONCE(d->frozen, true);
	if (!ret)
		pr_debug("%s: branch %s created (slot %u)\n", sb->s_id, name,
			 slot);
out_release:
	if (held)
		daxfs_release_top(sb, d, ptop);
out:
	mutex_unlock(&d->log_lock);
	daxfs_quiesce_end(d);
	return ret;
}

static int daxfs_ioc_commit(struct super_block *sb, struct daxfs_delta *d,
			    const struct daxfs_ioc_branch *arg)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;
	bool held = false;
	struct daxfs_btab t;
	u32 into = 0;
	int ret;

	if (arg->flags & ~DAXFS_COMMIT_PARENT)
		return -EINVAL;
	ret = daxfs_sync_fs(sb, 1);
	if (ret)
		return ret;
	mutex_lock(&d->log_lock);
	ret = daxfs_btab_load(img, d->bscratch, &t);
	if (ret)
		goto out;
	if (READ_ONCE(d->discarded) ||
	    t.slot[d->name_slot].generation != d->name_gen ||
	    (d->name_slot &&
	     daxfs_btab_liveness(&t, d->name_slot) != DAXFS_BL_LIVE)) {
		ret = -ESTALE;
		goto out;
	}
	if (daxfs_btab_frozen(&t, d->top) == 1) {
		ret = -ENOTEMPTY;
		goto out;
	}
	if (arg->flags & DAXFS_COMMIT_PARENT) {
		u32 parent = t.slot[d->name_slot].parent;

		if (!d->name_slot) {
			ret = -EINVAL;	/* main has no parent */
			goto out;
		}
		ret = daxfs_btab_name_of(&t, parent, &into);
		if (ret) {
			ret = -ESTALE;
			goto out;
		}
	}
	if (!d->writable) {
		ret = daxfs_claim_top(sb, d, d->top, false);
		if (ret)
			goto out;
		held = true;
	}
	ret = daxfs_branch_commit(img, d->bscratch, d->top, d->top_gen, into);
	if (!ret) {
		pr_info("%s: branch %s committed into %s\n", sb->s_id, d->name,
			into ? t.slot[into].name : "main");
		down_write(&d->index_lock);
		d->name_slot = into;
		d->name_gen = t.slot[into].generation;
		strscpy(d->name, into ? t.slot[into].name : "main",
			sizeof(d->name));
		up_write(&d->index_lock);
	}
	if (held)
		daxfs_release_top(sb, d, d->top);
	if (!ret)
		daxfs_reclaim_soon(d);
out:
	mutex_unlock(&d->log_lock);
	return ret;
}

static int daxfs_ioc_abort(struct super_block *sb, struct daxfs_delta *d)
{
	const struct daxfs_image *img = &DAXFS_SB(sb)->img;
	char name[DAXFS_BRANCH_NAME_MAX + 1];
	struct daxfs_lent lent = { 0 };
	bool held;
	int ret;

	mutex_lock(&d->log_lock);
	if (!d->name_slot) {
		mutex_unlock(&d->log_lock);
		return -EPERM;
	}
	strscpy(name, d->name, sizeof(name));
	/* its top's claim: no commit of it may race the abort */
	held = !d->writable && !READ_ONCE(d->discarded);
	ret = READ_ONCE(d->discarded) ? -ESTALE :
	      held ? daxfs_claim_top(sb, d, d->top, false) : 0;
	if (!ret)
		ret = daxfs_branch_abort(img, d->name_slot, d->name_gen);
	if (!ret) {
		WRITE_ONCE(d->discarded, true);
		/* what its top holds, so that reclaim need not replay it */
		daxfs_lend_top(d, &lent);
	}
	if (held)
		daxfs_release_top(sb, d, d->top);
	mutex_unlock(&d->log_lock);
	if (ret)
		return ret;
	pr_debug("%s: branch %s aborted\n", sb->s_id, name);
	ret = daxfs_switch(sb, "main", false, DAXFS_BRANCH_NONE);
	/* its space back now, unless other mounts still have to notice */
	daxfs_reclaim_now(d, &lent);
	daxfs_branch_refresh(sb);
	return ret;
}

static int daxfs_ioc_mount(struct daxfs_delta *d, void __user *argp)
{
	struct daxfs_ioc_mount m;

	memset(&m, 0, sizeof(m));
	mutex_lock(&d->log_lock);
	strscpy(m.name, d->name, sizeof(m.name));
	m.name_slot = d->name_slot;
	m.top = d->top;
	m.depth = d->view.depth;
	m.flags = (d->writable ? DAXFS_IOCM_WRITABLE : 0) |
		  (READ_ONCE(d->frozen) ? DAXFS_IOCM_FROZEN : 0) |
		  (READ_ONCE(d->discarded) ? DAXFS_IOCM_DISCARDED : 0);
	m.mount_id = d->mount_id;
	m.mount_slot = d->mount_slot;
	m.epoch = d->epoch;
	mutex_unlock(&d->log_lock);
	return copy_to_user(argp, &m, sizeof(m)) ? -EFAULT : 0;
}

long daxfs_ioc_branch(struct file *file, unsigned int cmd, void __user *argp)
{
	struct super_block *sb = file_inode(file)->i_sb;
	struct daxfs_delta *d = DAXFS_SB(sb)->delta;
	struct daxfs_ioc_branch arg;
	char name[DAXFS_BRANCH_NAME_MAX + 1];
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!d)
		return -EOPNOTSUPP;	/* an image without branches */
	daxfs_branch_refresh(sb);
	if (cmd == DAXFS_IOC_MOUNT_INFO)
		return daxfs_ioc_mount(d, argp);
	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	if (READ_ONCE(d->broken) || d->recovered)
		return -EIO;
	switch (cmd) {
	case DAXFS_IOC_BRANCH_CREATE:
		ret = daxfs_ioc_create(sb, d, &arg);
		break;
	case DAXFS_IOC_BRANCH_SWITCH:
		ret = daxfs_ioc_name(arg.name, name);
		if (!ret)
			ret = daxfs_switch(sb, name, !READ_ONCE(d->discarded),
					   DAXFS_BRANCH_NONE);
		break;
	case DAXFS_IOC_BRANCH_COMMIT:
		ret = daxfs_ioc_commit(sb, d, &arg);
		break;
	case DAXFS_IOC_BRANCH_ABORT:
		ret = daxfs_ioc_abort(sb, d);
		break;
	default:
		ret = -ENOTTY;
	}
	return ret;
}

/* ---- dentries ---- */

/*
 * A dentry found in an earlier view (lookup notes the view in d_fsdata)
 * is good if its name still leads where it did: the view that replaced
 * that one may have moved or removed the name while carrying over both
 * its directory and its inode (daxfs_vset_install()).
 */
static int daxfs_d_recheck(struct dentry *dentry, struct inode *inode)
{
	struct dentry *parent = dget_parent(dentry);
	struct name_snapshot name;
	unsigned long vgen = 0;
	u64 ino;
	int ret;

	take_dentry_name_snapshot(&name, dentry);
	ret = daxfs_dir_peek(d_inode(parent), &name.name, &ino, &vgen);
	release_dentry_name_snapshot(&name);
	dput(parent);
	if (ret || ino != (inode ? inode->i_ino : 0))
		return 0;
	WRITE_ONCE(dentry->d_fsdata, (void *)vgen);
	return 1;
}

/*
 * A dentry is good while it belongs to the view shown: a positive one
 * while its inode does, and either kind while its name leads where it
 * did when it was looked up (daxfs_d_recheck()).  A dentry something is
 * mounted on stays good across a switch or a discard: a dentry found bad is
 * invalidated, which would detach the mount (a container's /proc on
 * its rootfs, say).  d_mountpoint() holds for a mount in any namespace:
 * where nothing is mounted on it, the walk reaches the old inode, whose
 * operations fail with ESTALE (getattr shows its cached attributes)
 * until the mount goes and the dentry is looked up again.
 */
static int daxfs_d_revalidate(struct dentry *dentry, unsigned int flags)
{
	struct daxfs_delta *d = DAXFS_SB(dentry->d_sb)->delta;
	struct inode *inode = d_inode_rcu(dentry);

	if (!d)
		return 1;
	if (inode && d_mountpoint(dentry))
		return 1;
	if (READ_ONCE(d->discarded) || (inode && daxfs_stale(inode)))
		return 0;
	if (IS_ROOT(dentry) ||
	    (unsigned long)READ_ONCE(dentry->d_fsdata) == READ_ONCE(d->vgen))
		return 1;
	if (flags & LOOKUP_RCU)
		return -ECHILD;
	return daxfs_d_recheck(dentry, inode);
}

const struct dentry_operations daxfs_dentry_ops = {
	.d_revalidate	= daxfs_d_revalidate,
};

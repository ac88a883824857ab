// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Changing the branch table in the region (docs/branch-protocol.md):
 * create, commit and abort, each made of compare-and-swap steps on words
 * of the table that any kernel sharing the region may race with.  What a
 * slot's state means is decided by the rules of branch.c, over snapshots
 * these functions take; each operation's effect becomes visible in one
 * CAS, so a crash leaves it wholly done or not at all (with at most a
 * CREATING slot that the dead creator's id marks as leftover).
 *
 * Freezing is not a word: a slot is frozen while some child of it is
 * live or being made (daxfs_btab_frozen()).  Creating a child therefore
 * needs the parent's writable claim (its owner word), held by the caller
 * for the whole creation: the branch's one writer cannot publish while a
 * child reads where its log ends.
 */
#include "daxfs_internal.h"

static u64 bword(const struct daxfs_image *img, u32 slot, size_t field)
{
	return daxfs_branch_word(img, slot, field);
}

#define BW(img, slot, f) bword((img), (slot), offsetof(struct daxfs_branch, f))

static u64 epoch_word(const struct daxfs_image *img)
{
	return img->delta.shared_off + offsetof(struct daxfs_shared, epoch);
}

/* The word holding @state and @parent, as stored. */
static u64 state_word(u32 state, u32 parent)
{
	return (u64)state | ((u64)parent << 32);
}

u64 daxfs_epoch(const struct daxfs_image *img)
{
	return daxfs_word_load(img, epoch_word(img));
}

static u64 epoch_bump(const struct daxfs_image *img)
{
	return daxfs_word_add(img, epoch_word(img), 1);
}

/*
 * Slot @i into @out.  Its state word first, with an acquire load like
 * every word changed by compare-and-swap: state and parent come from one
 * load, and the fields a creator wrote before making the slot CREATING
 * or LIVE are seen.  A FREE slot is its state, owner and generation (a
 * creator takes it by them); any other is copied out of the region
 * (machine-check safe) and decoded.  Most of a table is FREE: a snapshot,
 * taken several times per branch operation, copies little.
 */
static int load_slot(const struct daxfs_image *img, u32 i,
		     struct daxfs_bslot *out)
{
	u64 sw = daxfs_word_load(img, BW(img, i, state));
	struct daxfs_branch b;
	int ret;

	if ((u32)sw == DAXFS_BRANCH_FREE) {
		memset(out, 0, sizeof(*out));
		out->owner = daxfs_word_load(img, BW(img, i, owner));
		out->generation = daxfs_word_load(img, BW(img, i, generation));
	} else {
		ret = daxfs_branch_read(img, i, &b);
		if (ret)
			return ret;
		daxfs_bslot_decode(&b, out);
	}
	out->state = (u32)sw;
	out->parent = (u32)(sw >> 32);
	return 0;
}

int daxfs_btab_load(const struct daxfs_image *img, struct daxfs_bslot *slots,
		    struct daxfs_btab *t)
{
	u32 i;
	int ret;

	for (i = 0; i < img->branch_count; i++) {
		ret = load_slot(img, i, &slots[i]);
		if (ret)
			return ret;
	}
	t->slot = slots;
	t->count = img->branch_count;
	return 0;
}

/* Another live branch named like slot @self, at a lower slot? */
static bool name_taken_below(const struct daxfs_btab *t, u32 self)
{
	u32 i;

	for (i = 1; i < self; i++)
		if (t->slot[i].state == DAXFS_BRANCH_LIVE &&
		    !strcmp(t->slot[i].name, t->slot[self].name) &&
		    daxfs_btab_liveness(t, i) == DAXFS_BL_LIVE)
			return true;
	return false;
}

/* Claim a FREE slot for @owner: CREATING, with @parent. */
static int take_slot(const struct daxfs_image *img, const struct daxfs_btab *t,
		     u32 parent, u64 owner, u32 *slot)
{
	u32 i;

	for (i = 1; i < t->count; i++) {
		u64 sw;

		if (t->slot[i].state != DAXFS_BRANCH_FREE || t->slot[i].owner)
			continue;
		if (daxfs_word_cas(img, BW(img, i, owner), 0, owner))
			continue;
		sw = daxfs_word_load(img, BW(img, i, state));
		if ((u32)sw == DAXFS_BRANCH_FREE &&
		    daxfs_word_cas(img, BW(img, i, state), sw,
				   state_word(DAXFS_BRANCH_CREATING, parent)) ==
		    sw) {
			/*
			 * Still ours?  A caller that stalled for a lease
			 * between the two may have been found dead and its
			 * owner word cleared (daxfs_branch_drop_owner()):
			 * the slot is CREATING with no owner then.  Free it
			 * again only by taking the owner word (another
			 * creator may hold it, its CREATING slot looking
			 * the same); else reclaim frees it.
			 */
			if (daxfs_word_load(img, BW(img, i, owner)) == owner) {
				*slot = i;
				return 0;
			}
			daxfs_branch_drop_creating(img, i, 0, owner);
			continue;
		}
		daxfs_word_cas(img, BW(img, i, owner), owner, 0);
	}
	return -ENOSPC;
}

/* Fill slot @i (ours, CREATING) and make it durable. */
static void fill_slot(const struct daxfs_image *img, u32 i,
		      const struct daxfs_bnew *nb, u64 parent_gen)
{
	struct daxfs_branch b;
	size_t len = nb->len;

	memset(&b, 0, sizeof(b));
	b.owner = cpu_to_le64(nb->owner);
	b.generation = cpu_to_le64(daxfs_word_load(img, BW(img, i, generation))
				   + 1);
	b.state = cpu_to_le32(DAXFS_BRANCH_CREATING);
	b.parent = cpu_to_le32(nb->parent);
	memcpy(b.name, nb->name, len);
	b.log_id = cpu_to_le64(nb->log_id);
	b.log_head = cpu_to_le64(nb->chunk);
	b.parent_gen = cpu_to_le64(parent_gen);
	/* the parent is frozen from here on: its log ends where it is */
	if (nb->parent != DAXFS_BRANCH_NONE)
		b.fork_lsn = cpu_to_le64(daxfs_word_load(img,
					BW(img, nb->parent, log_tail)));
	b.create_time = cpu_to_le64(nb->now);
	b.crc = cpu_to_le32(daxfs_branch_crc(&b));
	/* owner and state are ours already: the generation, then the rest */
	daxfs_word_store(img, BW(img, i, generation),
			 le64_to_cpu(b.generation));
	daxfs_region_write(img, BW(img, i, crc), &b.crc,
			   sizeof(b) - offsetof(struct daxfs_branch, crc));
	daxfs_persist(img, bword(img, i, 0), sizeof(b));
	daxfs_fence(img);
}

int daxfs_branch_create(const struct daxfs_image *img,
			struct daxfs_bslot *scratch, const struct daxfs_bnew *nb,
			u32 *out)
{
	struct daxfs_btab t;
	u32 top, slot;
	int ret, l;

	*out = DAXFS_BRANCH_NONE;
	if (!daxfs_branch_name_ok(nb->name, nb->len) ||
	    (nb->len == 4 && !memcmp(nb->name, "main", 4)))
		return -EINVAL;
	ret = daxfs_btab_load(img, scratch, &t);
	if (ret)
		return ret;
	ret = daxfs_btab_lookup(&t, nb->name, nb->len, &top);
	if (ret != -ENOENT)
		return ret ? ret : -EEXIST;
	if (nb->parent >= t.count || daxfs_btab_resolve(&t, nb->parent, &top) ||
	    top != nb->parent)
		return -ESTALE;
	l = daxfs_btab_liveness(&t, nb->parent);
	if (l != DAXFS_BL_LIVE && l != DAXFS_BL_ABSORBED)
		return -ESTALE;
	/* the child's chain must fit in a view */
	{
		u32 chain[DAXFS_BTAB_MAX_DEPTH];

		l = daxfs_btab_chain(&t, nb->parent, chain,
				     DAXFS_BTAB_MAX_DEPTH);
		if (l < 0)
			return l == -ESTALE ? -ESTALE : l;
		if (l >= DAXFS_BTAB_MAX_DEPTH)
			return -EMLINK;
	}
	ret = take_slot(img, &t, nb->parent, nb->owner, &slot);
	if (ret)
		return ret;
	fill_slot(img, slot, nb, t.slot[nb->parent].generation);
	*out = slot;
	/*
	 * The one step that makes it a branch.  It fails only when a
	 * reclaimer found us dead (a stall of a lease) and freed the slot:
	 * its first chunk is leaked then, as daxfs_branch_drop_creating()
	 * says, and nothing is published.
	 */
	if (daxfs_word_cas(img, BW(img, slot, state),
			   state_word(DAXFS_BRANCH_CREATING, nb->parent),
			   state_word(DAXFS_BRANCH_LIVE, nb->parent)) !=
	    state_word(DAXFS_BRANCH_CREATING, nb->parent)) {
		daxfs_word_cas(img, BW(img, slot, owner), nb->owner, 0);
		return -ESTALE;
	}
	daxfs_word_cas(img, BW(img, slot, owner), nb->owner, 0);
	epoch_bump(img);
	/* two creators of one name: both see both; the lower slot keeps it */
	ret = daxfs_btab_load(img, scratch, &t);
	if (ret)
		return ret;
	if (name_taken_below(&t, slot)) {
		daxfs_branch_abort(img, slot, t.slot[slot].generation);
		return -EEXIST;
	}
	return 0;
}

int daxfs_branch_abort(const struct daxfs_image *img, u32 slot, u64 gen)
{
	u64 sw, e;

	if (!slot || slot >= img->branch_count)
		return -EINVAL;
	if (daxfs_word_load(img, BW(img, slot, generation)) != gen)
		return -ESTALE;
	sw = daxfs_word_load(img, BW(img, slot, state));
	if ((u32)sw != DAXFS_BRANCH_LIVE)
		return -ESTALE;
	if (daxfs_word_cas(img, BW(img, slot, state), sw,
			   state_word(DAXFS_BRANCH_DISCARDED,
				      (u32)(sw >> 32))) != sw)
		return -ESTALE;
	e = epoch_bump(img);
	daxfs_word_cas(img, BW(img, slot, dead_epoch), 0, e);
	return 0;
}

int daxfs_branch_commit(const struct daxfs_image *img,
			struct daxfs_bslot *scratch, u32 top, u64 gen,
			u32 into)
{
	u32 chain[DAXFS_BTAB_MAX_DEPTH], target;
	struct daxfs_btab t;
	int n, i, ret;

	ret = daxfs_btab_load(img, scratch, &t);
	if (ret)
		return ret;
	if (top >= t.count || t.slot[top].generation != gen ||
	    daxfs_btab_liveness(&t, top) == DAXFS_BL_DISCARDED)
		return -ESTALE;
	ret = daxfs_btab_resolve(&t, into, &target);
	if (ret)
		return ret;
	if (target == top)
		return 0;		/* nothing between them */
	n = daxfs_btab_chain(&t, top, chain, DAXFS_BTAB_MAX_DEPTH);
	if (n < 0)
		return n;
	for (i = 0; i < n - 1; i++)
		if (chain[i] == target)
			break;
	if (i == n - 1)
		return -ESTALE;		/* @into moved on without us */
	if (daxfs_word_cas(img, BW(img, target, merged), 0,
			   DAXFS_MERGED(top, gen)) != 0)
		return -ESTALE;		/* a rival committed first */
	epoch_bump(img);
	return 0;
}

int daxfs_branch_mark_dead(const struct daxfs_image *img, u32 slot, u64 gen)
{
	u64 sw, e;

	if (!slot || slot >= img->branch_count ||
	    daxfs_word_load(img, BW(img, slot, generation)) != gen)
		return -ESTALE;
	sw = daxfs_word_load(img, BW(img, slot, state));
	if ((u32)sw == DAXFS_BRANCH_LIVE &&
	    daxfs_word_cas(img, BW(img, slot, state), sw,
			   state_word(DAXFS_BRANCH_DISCARDED,
				      (u32)(sw >> 32))) != sw)
		return -ESTALE;
	if ((u32)daxfs_word_load(img, BW(img, slot, state)) !=
	    DAXFS_BRANCH_DISCARDED)
		return -ESTALE;
	if (!daxfs_word_load(img, BW(img, slot, dead_epoch))) {
		e = epoch_bump(img);
		daxfs_word_cas(img, BW(img, slot, dead_epoch), 0, e);
	}
	return 0;
}

int daxfs_branch_reclaim_claim(const struct daxfs_image *img, u32 slot,
			       u64 gen, u64 owner)
{
	if (!slot || slot >= img->branch_count)
		return -EINVAL;
	if (daxfs_word_cas(img, BW(img, slot, owner), 0, owner))
		return -EBUSY;
	/* claimed: now it cannot change under us; is it still the one? */
	if (daxfs_word_load(img, BW(img, slot, generation)) != gen ||
	    (u32)daxfs_word_load(img, BW(img, slot, state)) !=
	    DAXFS_BRANCH_DISCARDED) {
		daxfs_word_cas(img, BW(img, slot, owner), owner, 0);
		return -ESTALE;
	}
	return 0;
}

void daxfs_branch_reclaim_release(const struct daxfs_image *img, u32 slot,
				  u64 owner)
{
	daxfs_word_cas(img, BW(img, slot, owner), owner, 0);
}

int daxfs_branch_drop_creating(const struct daxfs_image *img, u32 slot,
			       u64 dead, u64 owner)
{
	u64 sw;

	if (!slot || slot >= img->branch_count ||
	    daxfs_word_cas(img, BW(img, slot, owner), dead, owner) != dead)
		return -EBUSY;
	sw = daxfs_word_load(img, BW(img, slot, state));
	if ((u32)sw != DAXFS_BRANCH_CREATING ||
	    daxfs_word_cas(img, BW(img, slot, state), sw,
			   state_word(DAXFS_BRANCH_FREE, (u32)(sw >> 32))) != sw) {
		daxfs_word_cas(img, BW(img, slot, owner), owner, 0);
		return -ESTALE;
	}
	daxfs_word_cas(img, BW(img, slot, owner), owner, 0);
	epoch_bump(img);
	return 0;
}

int daxfs_branch_drop_owner(const struct daxfs_image *img, u32 slot,
			    u64 dead)
{
	if (!slot || slot >= img->branch_count || !dead)
		return -EINVAL;
	/*
	 * While @dead holds the owner word only @dead changes the state:
	 * if it still runs after all (a stalled kernel that was reaped), it
	 * may make the slot CREATING before the word is cleared.  That
	 * leaves a CREATING slot with no owner, which take_slot() frees
	 * again, or reclaim does.
	 */
	if ((u32)daxfs_word_load(img, BW(img, slot, state)) !=
	    DAXFS_BRANCH_FREE)
		return -ESTALE;
	return daxfs_word_cas(img, BW(img, slot, owner), dead, 0) == dead ?
	       0 : -EBUSY;
}

int daxfs_branch_free(const struct daxfs_image *img, u32 slot, u64 owner)
{
	u64 sw = daxfs_word_load(img, BW(img, slot, state));
	int ret = -ESTALE;

	if ((u32)sw == DAXFS_BRANCH_DISCARDED &&
	    daxfs_word_load(img, BW(img, slot, owner)) == owner &&
	    daxfs_word_cas(img, BW(img, slot, state), sw,
			   state_word(DAXFS_BRANCH_FREE, (u32)(sw >> 32))) == sw)
		ret = 0;
	daxfs_word_cas(img, BW(img, slot, owner), owner, 0);
	epoch_bump(img);
	return ret;
}

/*
 * Folding main (fold.c writes the log; docs/branch-protocol.md, "Keeping
 * main shallow").  The fold's slot is a root named "main", CREATING and
 * held by the folder while its log is written.
 */
int daxfs_branch_fold_begin(const struct daxfs_image *img,
			    struct daxfs_bslot *scratch,
			    const struct daxfs_bnew *nb, u32 *out)
{
	struct daxfs_bnew root = *nb;
	struct daxfs_btab t;
	int ret;

	*out = DAXFS_BRANCH_NONE;
	root.name = "main";
	root.len = 4;
	root.parent = DAXFS_BRANCH_NONE;
	ret = daxfs_btab_load(img, scratch, &t);
	if (!ret)
		ret = take_slot(img, &t, DAXFS_BRANCH_NONE, root.owner, out);
	if (!ret)
		fill_slot(img, *out, &root, 0);
	return ret;
}

/*
 * What the fold's log restates, written into its slot (still CREATING and
 * ours: nobody reads it yet) with the checksum that covers it: readers of
 * main that show top @top (generation @gen) read to @lsn see exactly what
 * the fold's log read to @end shows (docs/branch-protocol.md).
 */
int daxfs_branch_fold_note(const struct daxfs_image *img, u32 slot,
			   u64 owner, u32 top, u64 gen, u64 lsn, u64 end)
{
	struct daxfs_branch b;

	if (!slot || slot >= img->branch_count ||
	    daxfs_branch_read(img, slot, &b) ||
	    le32_to_cpu(b.state) != DAXFS_BRANCH_CREATING ||
	    le64_to_cpu(b.owner) != owner)
		return -ESTALE;
	b.fold_of = cpu_to_le64(DAXFS_MERGED(top, gen));
	b.fold_lsn = cpu_to_le64(lsn);
	b.fold_end = cpu_to_le64(end);
	b.crc = cpu_to_le32(daxfs_branch_crc(&b));
	daxfs_region_write(img, BW(img, slot, crc), &b.crc, sizeof(b.crc));
	daxfs_region_write(img, BW(img, slot, fold_of), &b.fold_of,
			   sizeof(b) - offsetof(struct daxfs_branch, fold_of));
	daxfs_persist(img, bword(img, slot, 0), sizeof(b));
	daxfs_fence(img);
	return 0;
}

/*
 * The fold's slot becomes LIVE (still held: the folder is main's writer),
 * then slot 0's merge word moves from @merged (where main led when the
 * folder read its chain) to it: from that CAS on, main is the fold.
 */
int daxfs_branch_fold_publish(const struct daxfs_image *img, u32 slot,
			      u64 merged)
{
	u64 gen;

	if (!slot || slot >= img->branch_count ||
	    daxfs_word_cas(img, BW(img, slot, state),
			   state_word(DAXFS_BRANCH_CREATING, DAXFS_BRANCH_NONE),
			   state_word(DAXFS_BRANCH_LIVE, DAXFS_BRANCH_NONE)) !=
	    state_word(DAXFS_BRANCH_CREATING, DAXFS_BRANCH_NONE))
		return -ESTALE;
	gen = daxfs_word_load(img, BW(img, slot, generation));
	if (daxfs_word_cas(img, BW(img, 0, merged), merged,
			   DAXFS_MERGED(slot, gen)) != merged)
		return -ESTALE;
	epoch_bump(img);
	return 0;
}

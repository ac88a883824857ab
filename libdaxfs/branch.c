// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The rules of the branch table (docs/branch-protocol.md), over a decoded
 * snapshot of it: branch names, a slot's chain down to the root, where a
 * slot's name now leads (merges followed), and whether a slot is live,
 * absorbed by a merge or discarded.  Liveness is never stored: it follows
 * from the slots' states, parents and merge words, so every kernel that
 * reads the same table reaches the same answer.
 *
 * Every walk is bounded by the slot count: a damaged table (a parent loop,
 * a merge loop, a slot out of range) gives -EUCLEAN, never a hang.
 */
#include "daxfs_internal.h"

bool daxfs_branch_name_ok(const char *name, size_t len)
{
	size_t i;

	if (!len || len > DAXFS_BRANCH_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	/* "." and ".." would read as paths wherever a name is shown */
	return !(len == 1 && name[0] == '.') &&
	       !(len == 2 && name[0] == '.' && name[1] == '.');
}

static const struct daxfs_bslot *bslot(const struct daxfs_btab *t, u32 i)
{
	return i < t->count ? &t->slot[i] : NULL;
}

/* Does @s name a slot that holds the generation it expects? */
static bool link_ok(const struct daxfs_btab *t, u32 s, u64 gen)
{
	const struct daxfs_bslot *b = bslot(t, s);

	return b && (b->state == DAXFS_BRANCH_LIVE ||
		     b->state == DAXFS_BRANCH_DISCARDED) &&
	       b->generation == gen;
}

/* The merge target of slot @b, or DAXFS_BRANCH_NONE. */
static u32 merge_target(const struct daxfs_btab *t,
			const struct daxfs_bslot *b)
{
	const struct daxfs_bslot *m;

	if (b->merged == DAXFS_BRANCH_NONE)
		return DAXFS_BRANCH_NONE;
	m = bslot(t, b->merged);
	if (!m || m->state != DAXFS_BRANCH_LIVE ||
	    (u32)m->generation != b->merged_gen)
		return DAXFS_BRANCH_NONE;
	return b->merged;
}

int daxfs_btab_chain(const struct daxfs_btab *t, u32 slot, u32 *chain,
		     u32 max)
{
	const struct daxfs_bslot *b = bslot(t, slot);
	u32 n = 0, i;

	if (!b || (b->state != DAXFS_BRANCH_LIVE &&
		   b->state != DAXFS_BRANCH_DISCARDED))
		return -EUCLEAN;
	for (;;) {
		if (n >= max || n >= t->count)
			return -EUCLEAN;	/* a loop, or too deep */
		chain[n++] = slot;
		if (b->parent == DAXFS_BRANCH_NONE)
			break;
		if (!link_ok(t, b->parent, b->parent_gen))
			return -ESTALE;		/* its parent was reused */
		slot = b->parent;
		b = bslot(t, slot);
	}
	/* root first */
	for (i = 0; i < n / 2; i++) {
		u32 x = chain[i];

		chain[i] = chain[n - 1 - i];
		chain[n - 1 - i] = x;
	}
	return (int)n;
}

int daxfs_btab_resolve(const struct daxfs_btab *t, u32 slot, u32 *top)
{
	u32 steps, next;

	if (!bslot(t, slot))
		return -EUCLEAN;
	for (steps = 0; steps <= t->count; steps++) {
		next = merge_target(t, bslot(t, slot));
		if (next == DAXFS_BRANCH_NONE) {
			*top = slot;
			return 0;
		}
		slot = next;
	}
	return -EUCLEAN;	/* a merge loop */
}

static bool in_chain(const u32 *chain, int n, u32 slot)
{
	int i;

	for (i = 0; i < n; i++)
		if (chain[i] == slot)
			return true;
	return false;
}

/* Is @slot the target of some slot's merge? */
static bool absorbed(const struct daxfs_btab *t, u32 slot)
{
	u32 i;

	for (i = 0; i < t->count; i++)
		if (t->slot[i].state == DAXFS_BRANCH_LIVE &&
		    merge_target(t, &t->slot[i]) == slot)
			return true;
	return false;
}

int daxfs_btab_main_root(const struct daxfs_btab *t, u32 *root)
{
	u32 chain[DAXFS_BTAB_MAX_DEPTH], top;
	int n = daxfs_btab_resolve(t, 0, &top);

	if (!n)
		n = daxfs_btab_chain(t, top, chain, DAXFS_BTAB_MAX_DEPTH);
	if (n < 0)
		return n;
	*root = chain[0];
	return 0;
}

/*
 * A slot whose chain does not start at main's root: a layer of main
 * before a fold (main's name leads past it now), or a fold never
 * published.  Slot 0 is main's name, whatever its layer became.
 */
static int off_main_root(const struct daxfs_btab *t, u32 slot,
			 const u32 *chain)
{
	u32 root;

	if (!slot || daxfs_btab_main_root(t, &root) || chain[0] == root)
		return -1;
	/* a fold slot whose folder still holds it: being made */
	if (chain[0] == slot && t->slot[slot].state == DAXFS_BRANCH_LIVE &&
	    t->slot[slot].owner)
		return DAXFS_BL_CREATING;
	return DAXFS_BL_DISCARDED;
}

int daxfs_btab_liveness(const struct daxfs_btab *t, u32 slot)
{
	u32 chain[DAXFS_BTAB_MAX_DEPTH], target;
	int n, i;

	if (!bslot(t, slot))
		return -EUCLEAN;
	if (t->slot[slot].state == DAXFS_BRANCH_FREE)
		return DAXFS_BL_FREE;
	if (t->slot[slot].state == DAXFS_BRANCH_CREATING)
		return DAXFS_BL_CREATING;
	/* main's top: main always exists, whatever an abort raced */
	if (!daxfs_btab_resolve(t, 0, &target) && target == slot)
		return slot ? DAXFS_BL_ABSORBED : DAXFS_BL_LIVE;
	n = daxfs_btab_chain(t, slot, chain, DAXFS_BTAB_MAX_DEPTH);
	if (n == -ESTALE)
		return DAXFS_BL_DISCARDED;
	if (n < 0)
		return n;
	i = off_main_root(t, slot, chain);
	if (i >= 0)
		return i;
	for (i = 0; i < n; i++) {
		const struct daxfs_bslot *b = bslot(t, chain[i]);

		if (b->state != DAXFS_BRANCH_LIVE)
			return DAXFS_BL_DISCARDED;	/* it or an ancestor */
		if (i == n - 1)
			break;
		/* merged into a rival of @slot: @slot lost that commit */
		target = merge_target(t, b);
		if (target != DAXFS_BRANCH_NONE && !in_chain(chain, n, target))
			return DAXFS_BL_DISCARDED;
	}
	if (t->slot[slot].state != DAXFS_BRANCH_LIVE)
		return DAXFS_BL_DISCARDED;
	return absorbed(t, slot) ? DAXFS_BL_ABSORBED : DAXFS_BL_LIVE;
}

int daxfs_btab_find(const struct daxfs_btab *t, const char *name,
		    size_t len, u32 *slot)
{
	u32 i;

	if (len == 4 && !memcmp(name, "main", 4)) {
		*slot = 0;
		return 0;
	}
	if (!daxfs_branch_name_ok(name, len))
		return -EINVAL;
	for (i = 1; i < t->count; i++) {
		const struct daxfs_bslot *b = &t->slot[i];

		if (b->state != DAXFS_BRANCH_LIVE ||
		    strnlen(b->name, sizeof(b->name)) != len ||
		    memcmp(b->name, name, len))
			continue;
		if (daxfs_btab_liveness(t, i) == DAXFS_BL_LIVE) {
			*slot = i;
			return 0;
		}
	}
	return -ENOENT;
}

int daxfs_btab_lookup(const struct daxfs_btab *t, const char *name,
		      size_t len, u32 *top)
{
	u32 slot;
	int ret = daxfs_btab_find(t, name, len, &slot);

	return ret ? ret : daxfs_btab_resolve(t, slot, top);
}

int daxfs_btab_name_of(const struct daxfs_btab *t, u32 top, u32 *slot)
{
	u32 i, r;

	for (i = 0; i < t->count; i++) {
		if (t->slot[i].state != DAXFS_BRANCH_LIVE ||
		    (i && daxfs_btab_liveness(t, i) != DAXFS_BL_LIVE))
			continue;
		if (!daxfs_btab_resolve(t, i, &r) && r == top) {
			*slot = i;
			return 0;
		}
	}
	return -ENOENT;
}

void daxfs_bslot_decode(const struct daxfs_branch *b, struct daxfs_bslot *out)
{
	u64 m = le64_to_cpu(b->merged);

	memset(out, 0, sizeof(*out));
	out->state = le32_to_cpu(b->state);
	out->parent = le32_to_cpu(b->parent);
	out->generation = le64_to_cpu(b->generation);
	out->parent_gen = le64_to_cpu(b->parent_gen);
	out->merged = m ? DAXFS_MERGED_SLOT(m) : DAXFS_BRANCH_NONE;
	out->merged_gen = m ? DAXFS_MERGED_GEN(m) : 0;
	memcpy(out->name, b->name, DAXFS_BRANCH_NAME_MAX);
	out->name[DAXFS_BRANCH_NAME_MAX] = 0;
	out->owner = le64_to_cpu(b->owner);
	out->log_id = le64_to_cpu(b->log_id);
	out->log_head = le64_to_cpu(b->log_head);
	out->log_tail = le64_to_cpu(b->log_tail);
	out->fork_lsn = le64_to_cpu(b->fork_lsn);
	out->create_time = le64_to_cpu(b->create_time);
	out->dead_epoch = le64_to_cpu(b->dead_epoch);
	m = le64_to_cpu(b->fold_of);
	out->fold_top = m ? DAXFS_MERGED_SLOT(m) : DAXFS_BRANCH_NONE;
	out->fold_gen = m ? DAXFS_MERGED_GEN(m) : 0;
	out->fold_lsn = le64_to_cpu(b->fold_lsn);
	out->fold_end = le64_to_cpu(b->fold_end);
	out->data_pages = le32_to_cpu(b->data_pages);
}

int daxfs_btab_frozen(const struct daxfs_btab *t, u32 top)
{
	u32 i;

	if (!bslot(t, top))
		return -EUCLEAN;
	for (i = 1; i < t->count; i++) {
		const struct daxfs_bslot *b = &t->slot[i];

		if (b->parent != top || b->parent_gen != t->slot[top].generation)
			continue;
		/*
		 * Until a child is reclaimed, mounts of it may still read
		 * its parent's pages: the parent stays frozen till then.
		 */
		if (b->state != DAXFS_BRANCH_FREE)
			return 1;
	}
	return 0;
}

bool daxfs_btab_on_chain(const struct daxfs_btab *t, u32 top, u32 slot)
{
	u32 chain[DAXFS_BTAB_MAX_DEPTH];
	int n = daxfs_btab_chain(t, top, chain, DAXFS_BTAB_MAX_DEPTH);

	return n > 0 && in_chain(chain, n, slot);
}

/* Is @slot on the chain of @from's top? */
static bool on_chain_of(const struct daxfs_btab *t, u32 from, u32 slot)
{
	u32 top;

	return !daxfs_btab_resolve(t, from, &top) &&
	       daxfs_btab_on_chain(t, top, slot);
}

bool daxfs_btab_needed(const struct daxfs_btab *t, u32 slot)
{
	u32 i;

	if (!bslot(t, slot))
		return false;
	if (on_chain_of(t, 0, slot))
		return true;
	for (i = 1; i < t->count; i++)
		if (t->slot[i].state == DAXFS_BRANCH_LIVE &&
		    daxfs_btab_liveness(t, i) == DAXFS_BL_LIVE &&
		    on_chain_of(t, i, slot))
			return true;
	return false;
}

bool daxfs_btab_dead(const struct daxfs_btab *t, u32 slot)
{
	const struct daxfs_bslot *b = bslot(t, slot);

	if (!slot || !b || (b->state != DAXFS_BRANCH_LIVE &&
			    b->state != DAXFS_BRANCH_DISCARDED))
		return false;
	if (b->state == DAXFS_BRANCH_LIVE &&
	    daxfs_btab_liveness(t, slot) != DAXFS_BL_DISCARDED)
		return false;
	return !daxfs_btab_needed(t, slot);
}

bool daxfs_btab_reclaimable(const struct daxfs_btab *t, u32 slot)
{
	const struct daxfs_bslot *b = bslot(t, slot);
	u32 i;

	if (!daxfs_btab_dead(t, slot))
		return false;
	/* children first: their chains run through this slot */
	for (i = 1; i < t->count; i++)
		if (t->slot[i].state != DAXFS_BRANCH_FREE &&
		    t->slot[i].parent == slot &&
		    t->slot[i].parent_gen == b->generation)
			return false;
	return true;
}

bool daxfs_btab_folded(const struct daxfs_btab *t, u32 slot)
{
	u32 chain[DAXFS_BTAB_MAX_DEPTH], root;
	int n;

	if (!bslot(t, slot) || daxfs_btab_main_root(t, &root))
		return false;
	if (!slot)
		return root != 0;
	n = daxfs_btab_chain(t, slot, chain, DAXFS_BTAB_MAX_DEPTH);
	return n > 0 && chain[0] != root;
}

void daxfs_btab_limits(const struct daxfs_btab *t, const u32 *chain, u32 n,
		       u64 *upto)
{
	u32 i;

	for (i = 0; i < n; i++)
		upto[i] = i + 1 < n ? t->slot[chain[i + 1]].fork_lsn :
				      DAXFS_NO_PAGE;
}

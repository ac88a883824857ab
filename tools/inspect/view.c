// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * daxfs-inspect: the files as a mount of main (or of the branch -b
 * names) would show them now.  A branching image's files are the base
 * image with the logs of the branch's chain replayed on top (struct
 * daxfs_view, one layer per slot, from slot 0 up to the top the name
 * leads to, each parent read only up to where its child forked, as a
 * mount replays it); a plain image's are the base alone (a view without
 * layers).  The replay only reads the region: the image's wbase stays
 * NULL, so nothing is written, not even the shared inode counter a mount
 * would raise.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"
#include "util.h"

int open_delta(struct inspect *in, daxfs_report_fn report, void *ctx)
{
	int err;

	if (in->have_delta)
		return 0;
	err = daxfs_delta_open(&in->img, report, ctx);
	in->have_delta = !err;
	return err;
}

static int load_table(struct inspect *in)
{
	if (in->bslot)
		return 0;
	in->bslot = xcalloc(in->img.branch_count, sizeof(*in->bslot));
	in->slot_layer = xcalloc(in->img.branch_count,
				 sizeof(*in->slot_layer));
	in->slot_info = xcalloc(in->img.branch_count, sizeof(*in->slot_info));
	return daxfs_btab_load(&in->img, in->bslot, &in->btab);
}

/* Where a chain's replays report to, and the sum of what they found. */
struct replay_to {
	daxfs_report_fn report;
	void *ctx;
	struct daxfs_replay_info *sum;		/* or NULL */
};

static void add_info(const struct replay_to *rt,
		     const struct daxfs_replay_info *r)
{
	if (!rt->sum)
		return;
	rt->sum->records += r->records;
	rt->sum->txns += r->txns;
	rt->sum->chunks += r->chunks;
}

/* Replay slot @slot into a new layer over @v (levels below it filled). */
static int replay_one(struct daxfs_view *v, u32 level, u32 slot, u64 upto,
		      struct daxfs_replay_info *info,
		      const struct replay_to *rt, struct daxfs_layer **out)
{
	struct daxfs_layer *l = xcalloc(1, sizeof(*l));
	int err;

	daxfs_layer_init(l);
	v->layer[level] = l;
	v->depth = level + 1;
	err = daxfs_replay_upto(v, level, slot, upto, 0, info, rt->report,
				rt->ctx);
	if (err) {
		daxfs_layer_clear(l);
		free(l);
		return err;
	}
	*out = l;
	return 0;
}

/*
 * Slot @slot's layer, its log read to @upto, over @v's first @level
 * layers.  A whole log's layer is kept in in->slot_layer (main's and
 * every live chain's are whole); a cut one (a parent as a child forked
 * from it, after it moved on) is made for the caller, *@cut.
 */
static int layer_upto(struct inspect *in, struct daxfs_view *v, u32 level,
		      u32 slot, u64 upto, const struct replay_to *rt,
		      struct daxfs_layer **out, bool *cut)
{
	struct daxfs_replay_info info;
	struct daxfs_replay_info *ip = &in->slot_info[slot];
	int err;

	*cut = upto < in->bslot[slot].log_tail;
	if (!*cut && in->slot_layer[slot]) {
		*out = in->slot_layer[slot];
		add_info(rt, ip);
		return 0;
	}
	if (*cut)
		ip = &info;
	err = replay_one(v, level, slot, upto, ip, rt, out);
	if (err)
		return err;
	if (!*cut)
		in->slot_layer[slot] = *out;
	add_info(rt, ip);
	return 0;
}

/*
 * The layers of @slot's chain into @v, root first: each parent's log
 * only up to where the next slot of the chain forked from it (the rules'
 * limits, daxfs_btab_limits()), @slot's whole.  @chain, @upto and @cut
 * (DAXFS_BTAB_MAX_DEPTH each) get the slots, the limits, and which
 * layers are cut (@v's own: free them with drop_cut()).  On an error
 * @v->depth counts the layers made before it.
 */
static int chain_layers(struct inspect *in, u32 slot,
			const struct replay_to *rt, struct daxfs_view *v,
			u32 *chain, u64 *upto, bool *cut)
{
	int n, i, err = 0;

	v->depth = 0;
	n = daxfs_btab_chain(&in->btab, slot, chain, DAXFS_BTAB_MAX_DEPTH);
	if (n < 0)
		return n;
	daxfs_btab_limits(&in->btab, chain, (u32)n, upto);
	for (i = 0; i < n && !err; i++) {
		err = layer_upto(in, v, (u32)i, chain[i], upto[i], rt,
				 &v->layer[i], &cut[i]);
		v->depth = (u32)i + (err ? 0 : 1);
	}
	return err;
}

/* Free the cut layers of @v (those the slot cache does not hold). */
static void drop_cut(struct daxfs_view *v, const bool *cut)
{
	for (u32 i = 0; i < v->depth; i++) {
		if (!cut[i])
			continue;
		daxfs_layer_clear(v->layer[i]);
		free(v->layer[i]);
		v->layer[i] = NULL;
	}
	v->depth = 0;
}

int slot_layer(struct inspect *in, u32 slot, daxfs_report_fn report,
	       void *ctx, struct daxfs_layer **out)
{
	u32 chain[DAXFS_BTAB_MAX_DEPTH];
	u64 upto[DAXFS_BTAB_MAX_DEPTH];
	bool cut[DAXFS_BTAB_MAX_DEPTH];
	struct daxfs_view v = { .img = &in->img };
	struct replay_to rt = { report, ctx, NULL };
	int err;

	err = load_table(in);
	if (err)
		return err;
	if (in->slot_layer[slot]) {
		*out = in->slot_layer[slot];
		return 0;
	}
	err = chain_layers(in, slot, &rt, &v, chain, upto, cut);
	/* the top's log is read whole: its layer is in the cache */
	if (!err)
		*out = v.layer[v.depth - 1];
	/* cut layers served only this replay */
	drop_cut(&v, cut);
	return err;
}

/* Replay the chain of top slot @top into in->view. */
static int open_chain(struct inspect *in, u32 top, daxfs_report_fn report,
		      void *ctx)
{
	struct replay_to rt = { report, ctx, &in->replay };
	int err;

	memset(&in->replay, 0, sizeof(in->replay));
	err = chain_layers(in, top, &rt, &in->view, in->chain, in->upto,
			   in->cut);
	if (err) {
		drop_cut(&in->view, in->cut);
		return err;
	}
	in->have_layer = true;
	return 0;
}

int open_main(struct inspect *in, daxfs_report_fn report, void *ctx)
{
	u32 top;
	int err;

	err = open_delta(in, report, ctx);
	if (!err)
		err = load_table(in);
	if (!err)
		err = daxfs_btab_resolve(&in->btab, 0, &top);
	return err ? err : open_chain(in, top, report, ctx);
}

/* ---- the branch -b names ---- */

const char *view_name(const struct inspect *in)
{
	return in->branch ? in->branch : "main";
}

/* Slot @slot's name, printable ('?' for other bytes), into @buf. */
static void bslot_name(const struct daxfs_bslot *b, char *buf, size_t len)
{
	snprintf(buf, len, "%s", b->name);
	for (char *p = buf; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
}

/* The name whose chain now holds slot @slot's changes, into @buf. */
static bool absorbed_by(struct inspect *in, u32 slot, char *buf,
			size_t len)
{
	u32 top, named;

	if (daxfs_btab_resolve(&in->btab, slot, &top) ||
	    daxfs_btab_name_of(&in->btab, top, &named))
		return false;
	if (!named)
		snprintf(buf, len, "main");
	else
		bslot_name(&in->bslot[named], buf, len);
	return true;
}

/* Why slot @slot is no branch to show: one line, -ENOENT. */
static int not_live(struct inspect *in, u32 slot)
{
	char name[DAXFS_BRANCH_NAME_MAX + 1], into[DAXFS_BRANCH_NAME_MAX + 1];
	const char *desc = in->reg.desc;
	int l = daxfs_btab_liveness(&in->btab, slot);

	bslot_name(&in->bslot[slot], name, sizeof(name));
	switch (l) {
	case DAXFS_BL_FREE:
		err_msg("%s: slot %u is free: no branch there", desc, slot);
		break;
	case DAXFS_BL_CREATING:
		err_msg("%s: branch %s (slot %u) is being created (or its "
			"creator died): it has no files yet", desc, name, slot);
		break;
	case DAXFS_BL_DISCARDED:
		err_msg("%s: branch %s (slot %u) is discarded: it, or a "
			"branch it was made from, was aborted or lost a "
			"commit to a rival", desc, name, slot);
		break;
	case DAXFS_BL_ABSORBED:
		if (absorbed_by(in, slot, into, sizeof(into)))
			err_msg("%s: branch %s (slot %u) is absorbed (by a "
				"commit or a fold): its changes are %s's now "
				"(-b %s)", desc, name, slot, into, into);
		else
			err_msg("%s: branch %s (slot %u) is absorbed (by a "
				"commit or a fold)", desc, name, slot);
		break;
	default:
		err_msg("%s: slot %u: %s (run check for details)", desc, slot,
			err_name(l < 0 ? l : -EUCLEAN));
		return l < 0 ? l : -EUCLEAN;
	}
	return -ENOENT;
}

/* The latest made slot named @want that is not free, or -1. */
static long last_named(struct inspect *in, const char *want)
{
	long found = -1;

	for (u32 i = 0; i < in->img.branch_count; i++) {
		const struct daxfs_bslot *b = &in->bslot[i];

		if (b->state == DAXFS_BRANCH_FREE || strcmp(b->name, want))
			continue;
		if (found < 0 || b->create_time >= in->bslot[found].create_time)
			found = i;
	}
	return found;
}

/* The slot holding live name @want; otherwise one line why not. */
static int name_slot(struct inspect *in, const char *want, u32 *slot)
{
	int err = daxfs_btab_find(&in->btab, want, strlen(want), slot);
	long s;

	if (err == -EINVAL)
		err_msg("%s: not a branch name", want);
	if (err != -ENOENT)
		return err;
	s = last_named(in, want);
	if (s < 0) {
		err_msg("%s: no branch named %s", in->reg.desc, want);
		return -ENOENT;
	}
	return not_live(in, (u32)s);
}

/* The live slot "#N" names; otherwise one line why not. */
static int number_slot(struct inspect *in, const char *want, u32 *slot)
{
	u64 n;

	if (parse_u64(want + 1, &n) || n >= in->img.branch_count) {
		err_msg("%s: no slot %s (the branch table has %u)",
			in->reg.desc, want + 1, in->img.branch_count);
		return -ENOENT;
	}
	*slot = (u32)n;
	if (daxfs_btab_liveness(&in->btab, *slot) == DAXFS_BL_LIVE)
		return 0;
	return not_live(in, *slot);
}

/* The top slot of the view's branch (main's, or -b's): 0 or said. */
static int branch_top(struct inspect *in, u32 *top)
{
	const char *want = view_name(in);
	u32 slot;
	int err;

	if (want[0] == '#')
		err = number_slot(in, want, &slot);
	else
		err = name_slot(in, want, &slot);
	if (err)
		return err;
	err = daxfs_btab_resolve(&in->btab, slot, top);
	if (err)
		err_msg("%s: branch %s: %s (run check for details)",
			in->reg.desc, want, err_name(err));
	return err;
}

int open_view(struct inspect *in)
{
	struct first_problem fp = { .seen = false };
	u32 top;
	int err;

	in->view.img = &in->img;
	in->view.depth = 0;
	if (!(in->img.feat_incompat & DAXFS_FEAT_INCOMPAT_BRANCHES)) {
		if (!in->branch)
			return 0;
		err_msg("%s: -b %s: the image has no branches (made without "
			"mkdaxfs -b)", in->reg.desc, in->branch);
		return -ENOENT;
	}
	err = open_delta(in, first_report, &fp);
	if (!err)
		err = load_table(in);
	if (!err) {
		err = branch_top(in, &top);
		if (err)
			return err;
		err = open_chain(in, top, first_report, &fp);
	}
	if (err)
		err_msg("%s: %s's logs: %s (run check for details)",
			in->reg.desc, view_name(in),
			fp.seen ? fp.msg : err_name(err));
	return err;
}

void close_view(struct inspect *in)
{
	drop_cut(&in->view, in->cut);
	for (u32 i = 0; in->slot_layer && i < in->img.branch_count; i++) {
		if (!in->slot_layer[i])
			continue;
		daxfs_layer_clear(in->slot_layer[i]);
		free(in->slot_layer[i]);
	}
	free(in->slot_layer);
	free(in->slot_info);
	free(in->bslot);
	in->slot_layer = NULL;
	in->bslot = NULL;
	in->have_layer = false;
}

int view_inode(struct inspect *in, u64 ino, struct daxfs_vinode *out)
{
	int err = daxfs_view_inode(&in->view, ino, out);

	if (err)
		err_msg("inode %" PRIu64 ": %s", ino, err_name(err));
	return err;
}

static int dirent_cmp(const void *a, const void *b)
{
	const struct daxfs_dirent_info *x = a, *y = b;

	return daxfs_name_cmp((const u8 *)x->name, x->name_len,
			      (const u8 *)y->name, y->name_len);
}

long read_dir(struct inspect *in, const struct daxfs_vinode *dir,
	      struct daxfs_dirent_info **out)
{
	struct daxfs_dirent_info *ents = NULL;
	size_t n = 0, cap = 0;
	u64 pos = 0, at;
	int err;

	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			ents = xrealloc(ents, cap * sizeof(*ents));
		}
		err = daxfs_view_readdir(&in->view, dir, pos, &ents[n], &at);
		if (err)
			break;
		n++;
		/* positions only grow: the loop ends */
		if (at == ~0ULL)
			break;
		pos = at + 1;
	}
	if (err && err != -ENOENT) {
		free(ents);
		return err;
	}
	if (n)
		qsort(ents, n, sizeof(*ents), dirent_cmp);
	*out = ents;
	return (long)n;
}

/* ---- a set of inode numbers ---- */

static int ino_cmp(const void *key, const struct daxfs_tnode *n)
{
	u64 a = *(const u64 *)key;
	u64 b = daxfs_tree_entry(n, struct ino_ent, node)->ino;

	return a < b ? -1 : a > b;
}

struct ino_ent *ino_get(struct ino_set *s, u64 ino, bool add)
{
	struct daxfs_tnode *n = daxfs_tree_find(&s->tree, &ino, ino_cmp);
	struct ino_ent *e;

	if (n || !add)
		return n ? daxfs_tree_entry(n, struct ino_ent, node) : NULL;
	e = xcalloc(1, sizeof(*e));
	e->ino = ino;
	daxfs_tree_insert(&s->tree, &e->node, &ino, ino_cmp);
	return e;
}

void ino_set_free(struct ino_set *s, bool free_data)
{
	struct daxfs_tnode *n;

	while ((n = daxfs_tree_pop(&s->tree))) {
		struct ino_ent *e = daxfs_tree_entry(n, struct ino_ent, node);

		if (free_data)
			free(e->data);
		free(e);
	}
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * daxfs-inspect: the files as a mount of main would show them now.  A
 * branching image's files are the base image with the logs of main's
 * chain replayed on top (struct daxfs_view, one layer per slot, from
 * slot 0 up to the top main leads to); a plain image's are the base
 * alone (a view without layers).  The replay only reads the region: the
 * image's wbase stays NULL, so nothing is written, not even the shared
 * inode counter a mount would raise.
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

/* Replay slot @slot into a new layer over @v (levels below it filled). */
static int replay_one(struct inspect *in, struct daxfs_view *v, u32 level,
		      u32 slot, u64 upto, struct daxfs_replay_info *info,
		      daxfs_report_fn report, void *ctx,
		      struct daxfs_layer **out)
{
	struct daxfs_layer *l = xcalloc(1, sizeof(*l));
	int err;

	(void)in;
	daxfs_layer_init(l);
	v->layer[level] = l;
	v->depth = level + 1;
	err = daxfs_replay_upto(v, level, slot, upto, 0, info, report, ctx);
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
 * every live chain's are whole); a cut one (a parent as a discarded child
 * forked from it, after it moved on) is made for the caller, *@temp.
 */
static int layer_upto(struct inspect *in, struct daxfs_view *v, u32 level,
		      u32 slot, u64 upto, daxfs_report_fn report, void *ctx,
		      struct daxfs_layer **out, bool *temp)
{
	struct daxfs_replay_info info;
	int err;

	*temp = upto < in->bslot[slot].log_tail;
	if (!*temp && in->slot_layer[slot]) {
		*out = in->slot_layer[slot];
		return 0;
	}
	err = replay_one(in, v, level, slot, upto, *temp ? &info :
			 &in->slot_info[slot], report, ctx, out);
	if (!err && !*temp)
		in->slot_layer[slot] = *out;
	return err;
}

int slot_layer(struct inspect *in, u32 slot, daxfs_report_fn report,
	       void *ctx, struct daxfs_layer **out)
{
	u32 chain[DAXFS_BTAB_MAX_DEPTH];
	u64 upto[DAXFS_BTAB_MAX_DEPTH];
	struct daxfs_view v = { .img = &in->img };
	bool temp[DAXFS_BTAB_MAX_DEPTH];
	int n, err = 0, i;

	err = load_table(in);
	if (err)
		return err;
	if (in->slot_layer[slot]) {
		*out = in->slot_layer[slot];
		return 0;
	}
	n = daxfs_btab_chain(&in->btab, slot, chain, DAXFS_BTAB_MAX_DEPTH);
	if (n < 0)
		return n;
	daxfs_btab_limits(&in->btab, chain, (u32)n, upto);
	for (i = 0; i < n && !err; i++) {
		v.depth = (u32)i;
		err = layer_upto(in, &v, (u32)i, chain[i], upto[i], report,
				 ctx, &v.layer[i], &temp[i]);
		v.depth = (u32)i + (err ? 0 : 1);
	}
	if (!err)
		*out = v.layer[n - 1];
	/* cut layers served only this replay */
	for (i = 0; i < (int)v.depth; i++)
		if (temp[i]) {
			daxfs_layer_clear(v.layer[i]);
			free(v.layer[i]);
		}
	return err;
}

int open_main(struct inspect *in, daxfs_report_fn report, void *ctx)
{
	u32 chain[DAXFS_BTAB_MAX_DEPTH], top;
	int n, err;

	err = open_delta(in, report, ctx);
	if (!err)
		err = load_table(in);
	if (!err)
		err = daxfs_btab_resolve(&in->btab, 0, &top);
	if (err)
		return err;
	n = daxfs_btab_chain(&in->btab, top, chain, DAXFS_BTAB_MAX_DEPTH);
	if (n < 0)
		return n;
	memset(&in->replay, 0, sizeof(in->replay));
	for (int i = 0; i < n; i++) {
		const struct daxfs_replay_info *r;

		err = slot_layer(in, chain[i], report, ctx, &in->view.layer[i]);
		if (err)
			return err;
		r = &in->slot_info[chain[i]];
		in->replay.records += r->records;
		in->replay.txns += r->txns;
		in->replay.chunks += r->chunks;
	}
	in->view.depth = (u32)n;
	in->have_layer = true;
	return 0;
}

int open_view(struct inspect *in)
{
	struct first_problem fp = { .seen = false };
	int err;

	in->view.img = &in->img;
	in->view.depth = 0;
	if (!(in->img.feat_incompat & DAXFS_FEAT_INCOMPAT_BRANCHES))
		return 0;
	err = open_main(in, first_report, &fp);
	if (err) {
		in->view.depth = 0;
		err_msg("%s: main's logs: %s (run check for details)",
			in->reg.desc, fp.seen ? fp.msg : err_name(err));
		return err;
	}
	return 0;
}

void close_view(struct inspect *in)
{
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
	in->view.depth = 0;
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

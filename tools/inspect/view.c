// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * daxfs-inspect: the files as a mount of main would show them now.  A
 * branching image's files are the base image with main's log replayed
 * on top (struct daxfs_view with one layer); a plain image's are the base
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

int open_view(struct inspect *in)
{
	struct first_problem fp = { .seen = false };
	int err;

	in->view.img = &in->img;
	in->view.depth = 0;
	if (!(in->img.feat_incompat & DAXFS_FEAT_INCOMPAT_BRANCHES))
		return 0;
	err = open_delta(in, first_report, &fp);
	if (err) {
		err_msg("%s: %s", in->reg.desc, fp.seen ? fp.msg :
			err_name(err));
		return err;
	}
	daxfs_layer_init(&in->layer);
	in->view.layer[0] = &in->layer;
	in->view.depth = 1;
	err = daxfs_replay(&in->view, 0, 0, 0, &in->replay, first_report, &fp);
	if (err) {
		daxfs_layer_clear(&in->layer);
		in->view.depth = 0;
		err_msg("%s: main's log: %s (run check for details)",
			in->reg.desc, fp.seen ? fp.msg : err_name(err));
		return err;
	}
	in->have_layer = true;
	return 0;
}

void close_view(struct inspect *in)
{
	if (in->have_layer)
		daxfs_layer_clear(&in->layer);
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

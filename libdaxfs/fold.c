// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A layer restated as records, and folding a layer into the one below.
 *
 * daxfs_layer_restate() calls back with ordinary records (inodes, extents
 * and holes, truncation points, xattrs, directory entries and whiteouts,
 * freed inodes) that rebuild a layer when applied to an empty one at the
 * same place in a view.  A log's checkpoint (log.c) writes them.
 *
 * Applied instead to the layer just below (the one the layer was built
 * on, unchanged since: a parent is frozen while it has children), the
 * same records make that layer answer every lookup, read and readdir as
 * the two layers did: a fold.  Each record says the final state of what
 * it names (an inode's whole attributes, a file range's pages, a name's
 * entry or its absence), so applying it over older state replaces that
 * state, and daxfs_layer_apply() gives back, through the free callback,
 * every page the lower layer stops using: the pages the upper layer had
 * shadowed.  The pages of the upper layer's extents pass to the lower
 * layer as they are; nothing is copied.  As after a checkpoint, a
 * directory's next readdir cookie may be lower (entries that came and
 * went left nothing to restate), and shadowed pages no longer count in
 * a file's blocks.
 */
#include "daxfs_internal.h"

static int restate_inode(const struct daxfs_lnode *ln, daxfs_restate_fn fn,
			 void *ctx)
{
	struct daxfs_rec_piece tail = { ln->target, ln->target_len };
	struct daxfs_rec_inode r;

	daxfs_rec_inode_fill(&r, &ln->attr,
			     (ln->flags & DAXFS_LN_NEW) ? DAXFS_RI_NEW : 0,
			     ln->target_len);
	return fn(ctx, DAXFS_REC_INODE, ln->ino, &r, sizeof(r), &tail,
		    ln->target_len ? 1 : 0);
}

/* The truncation point, then extents and holes in page order. */
static int restate_pages(const struct daxfs_lnode *ln, daxfs_restate_fn fn,
			 void *ctx)
{
	struct daxfs_tnode *n;
	int ret;

	if (ln->trunc != ~0ULL) {
		struct daxfs_rec_truncate t = { cpu_to_le64(ln->trunc) };

		ret = fn(ctx, DAXFS_REC_TRUNCATE, ln->ino, &t, sizeof(t),
			   NULL, 0);
		if (ret)
			return ret;
	}
	for (n = daxfs_tree_first(&ln->exts); n; n = daxfs_tree_next(n)) {
		const struct daxfs_lext *e =
			daxfs_tree_entry(n, struct daxfs_lext, node);
		bool hole = e->pgno == DAXFS_NO_PAGE;
		struct daxfs_rec_map m = {
			cpu_to_le64(e->pgoff), cpu_to_le64(e->npages),
			cpu_to_le64(hole ? 0 : e->pgno),
		};

		ret = fn(ctx, hole ? DAXFS_REC_PUNCH : DAXFS_REC_MAP,
			   ln->ino, &m, sizeof(m), NULL, 0);
		if (ret)
			return ret;
	}
	return 0;
}

static int restate_xattrs(const struct daxfs_lnode *ln, daxfs_restate_fn fn,
			  void *ctx)
{
	struct daxfs_tnode *n;
	int ret;

	for (n = daxfs_tree_first(&ln->xattrs); n; n = daxfs_tree_next(n)) {
		const struct daxfs_lxattr *x =
			daxfs_tree_entry(n, struct daxfs_lxattr, node);
		struct daxfs_rec_piece tail[2] = {
			{ x->bytes, x->name_len },
			{ x->bytes + x->name_len, x->value_len },
		};
		struct daxfs_rec_xattr rx;

		memset(&rx, 0, sizeof(rx));
		rx.value_len = cpu_to_le32(x->value_len);
		rx.name_len = x->name_len;
		ret = fn(ctx, x->deleted ? DAXFS_REC_XATTR_DEL :
			   DAXFS_REC_XATTR_SET, ln->ino, &rx, sizeof(rx), tail,
			   x->value_len ? 2 : 1);
		if (ret)
			return ret;
	}
	return 0;
}

/* Entries in cookie order (cookies must keep growing), then whiteouts. */
static int restate_names(const struct daxfs_lnode *ln, daxfs_restate_fn fn,
			 void *ctx)
{
	struct daxfs_tnode *n;
	int ret;

	for (n = daxfs_tree_first(&ln->cookies); n; n = daxfs_tree_next(n)) {
		const struct daxfs_lname *nm =
			daxfs_tree_entry(n, struct daxfs_lname, by_cookie);
		struct daxfs_rec_piece tail = { nm->name, nm->len };
		struct daxfs_rec_dirent d;

		memset(&d, 0, sizeof(d));
		d.child = cpu_to_le64(nm->child);
		d.cookie = cpu_to_le64(nm->cookie);
		d.name_len = cpu_to_le16(nm->len);
		d.type = nm->type;
		ret = fn(ctx, DAXFS_REC_DIRENT_ADD, ln->ino, &d,
			   sizeof(d), &tail, 1);
		if (ret)
			return ret;
	}
	for (n = daxfs_tree_first(&ln->names); n; n = daxfs_tree_next(n)) {
		const struct daxfs_lname *nm =
			daxfs_tree_entry(n, struct daxfs_lname, by_name);
		struct daxfs_rec_piece tail = { nm->name, nm->len };
		struct daxfs_rec_dirent d;

		if (nm->child)
			continue;
		memset(&d, 0, sizeof(d));
		d.name_len = cpu_to_le16(nm->len);
		ret = fn(ctx, DAXFS_REC_DIRENT_DEL, ln->ino, &d,
			   sizeof(d), &tail, 1);
		if (ret)
			return ret;
	}
	return 0;
}

static int restate_contents(const struct daxfs_lnode *ln,
			    daxfs_restate_fn fn, void *ctx)
{
	int ret = restate_pages(ln, fn, ctx);

	if (!ret)
		ret = restate_xattrs(ln, fn, ctx);
	if (!ret)
		ret = restate_names(ln, fn, ctx);
	return ret;
}

/*
 * Three passes over the inodes: attributes first (entries and changes
 * name inodes that must exist by then), then contents, then the inodes
 * the layer freed (after the whiteouts that unlinked them).
 */
int daxfs_layer_restate(const struct daxfs_layer *l, daxfs_restate_fn fn,
			void *ctx)
{
	struct daxfs_tnode *n;
	int pass, ret = 0;

	for (pass = 0; pass < 3; pass++) {
		u64 i = 0;

		for (n = daxfs_tree_first(&l->inodes); n; n = daxfs_tree_next(n)) {
			const struct daxfs_lnode *ln =
				daxfs_tree_entry(n, struct daxfs_lnode, node);
			bool freed = ln->flags & DAXFS_LN_FREED;

			if (daxfs_step(i++))
				return -EINTR;
			if (freed && (ln->flags & DAXFS_LN_NEW))
				continue;	/* came and went */
			if (pass == 0 && !freed && (ln->flags & DAXFS_LN_ATTR))
				ret = restate_inode(ln, fn, ctx);
			else if (pass == 1 && !freed)
				ret = restate_contents(ln, fn, ctx);
			else if (pass == 2 && freed) {
				struct daxfs_rec_free f = { 0 };

				ret = fn(ctx, DAXFS_REC_INODE_FREE,
					   ln->ino, &f, sizeof(f), NULL, 0);
			}
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* ---- folding ---- */

struct fold {
	struct daxfs_view *v;
	u32 level;
	u8 *buf;			/* DAXFS_REC_MAX bytes */
	daxfs_free_fn fr;
	void *ctx;
};

/* Build the record, read it back as a replay would, apply it below. */
static int fold_rec(void *ctx, u16 type, u64 ino, const void *fixed,
		    u32 flen, const struct daxfs_rec_piece *tail, u32 ntail)
{
	struct fold *f = ctx;
	struct daxfs_rec_view rec;
	int len = daxfs_rec_build(f->buf, DAXFS_REC_MAX, type, ino, fixed,
				  flen, tail, ntail);

	if (len < 0)
		return len;
	if (daxfs_rec_parse(f->buf, (u64)len, &rec))
		return -EUCLEAN;
	return daxfs_layer_apply(f->v, f->level, &rec, f->fr, f->ctx);
}

int daxfs_layer_fold(struct daxfs_view *v, u32 level,
		     const struct daxfs_layer *upper, daxfs_free_fn fr,
		     void *ctx)
{
	struct fold f = { v, level, NULL, fr, ctx };
	int ret;

	if (level >= v->depth || !v->layer[level] || v->layer[level] == upper)
		return -EINVAL;
	f.buf = daxfs_zalloc(DAXFS_REC_MAX);
	if (!f.buf)
		return -ENOMEM;
	ret = daxfs_layer_restate(upper, fold_rec, &f);
	daxfs_free(f.buf);
	return ret;
}

/* ---- folding main's chain into a new root slot ---- */

static int fold_chunk_put(void *ctx, u64 pgno, u64 lsn)
{
	(void)lsn;
	daxfs_alloc_put(ctx, pgno, 1);
	return 0;
}

/* A fold that did not happen: its slot and its log's chunks go back. */
static void fold_undo(struct daxfs_fold *f, u64 chunk)
{
	const struct daxfs_image *img = f->view->img;
	struct daxfs_log_span span;

	if (f->slot == DAXFS_BRANCH_NONE) {
		daxfs_alloc_put(f->alloc, chunk, 1);
		return;
	}
	if (!daxfs_log_span(img, f->slot, &span))
		daxfs_log_walk_all(img, &span, fold_chunk_put, f->alloc);
	daxfs_branch_drop_creating(img, f->slot, f->owner, f->owner);
	f->slot = DAXFS_BRANCH_NONE;
}

/* Open a writer on the fold's (empty) log, its view the folded layer. */
static int fold_writer(struct daxfs_fold *f)
{
	struct daxfs_layer empty;
	struct daxfs_view ev = { .img = f->view->img, .depth = 1 };
	int ret;

	daxfs_layer_init(&empty);
	ev.layer[0] = &empty;
	ret = daxfs_replay(&ev, 0, f->slot, 0, &f->info, f->report, f->ctx);
	daxfs_layer_clear(&empty);
	if (!ret)
		ret = daxfs_writer_open(&f->writer, f->view, f->alloc, f->slot,
					&f->info);
	return ret;
}

int daxfs_fold_main(struct daxfs_fold *f)
{
	const struct daxfs_image *img = f->view->img;
	struct daxfs_view *v = f->view;
	struct daxfs_bnew nb = {
		.name = "main", .len = 4, .parent = DAXFS_BRANCH_NONE,
		.owner = f->owner, .log_id = f->log_id, .now = f->now,
	};
	u32 k;
	int ret;

	f->slot = DAXFS_BRANCH_NONE;
	if (v->depth < 2 || !f->log_id)
		return -EINVAL;
	for (k = 1; k < v->depth; k++) {
		ret = daxfs_layer_fold(v, 0, v->layer[k], f->fr, f->fr_ctx);
		if (ret)
			return ret;
	}
	v->depth = 1;
	ret = daxfs_log_start(f->alloc, f->cursor, f->log_id, &nb.chunk);
	if (ret)
		return ret;
	ret = daxfs_branch_fold_begin(img, f->scratch, &nb, &f->slot);
	if (!ret)
		ret = fold_writer(f);
	/* the folded layer as one checkpoint: the fold's whole log */
	if (!ret)
		ret = daxfs_log_compact(&f->writer);
	/* readers of the old chain carry on into the fold by this */
	if (!ret)
		ret = daxfs_branch_fold_note(img, f->slot, f->owner, f->top,
					     f->top_gen, f->tail,
					     f->writer.tail);
	/* still main's writer, main's log where it was replayed to? */
	if (!ret && (daxfs_word_load(img, daxfs_branch_word(img, f->top,
			offsetof(struct daxfs_branch, owner))) != f->owner ||
		     daxfs_word_load(img, daxfs_branch_word(img, f->top,
			offsetof(struct daxfs_branch, log_tail))) != f->tail))
		ret = -ESTALE;
	if (ret) {
		fold_undo(f, nb.chunk);
		return ret;
	}
	/* what a replay of the new log finds, for a later writer_open */
	f->info.good_lsn = f->writer.tail;
	f->info.tail_chunk = f->writer.tail_chunk;
	f->info.tail_chunk_lsn = f->writer.tail_chunk_lsn;
	f->info.ckpt_chunk = DAXFS_NO_PAGE;
	f->info.ckpt_lsn = DAXFS_NO_PAGE;
	f->info.damaged = false;
	ret = daxfs_branch_fold_publish(img, f->slot, f->merged);
	if (ret) {
		/* LIVE but not main's: the rules discard it once released */
		daxfs_branch_reclaim_release(img, f->slot, f->owner);
		f->slot = DAXFS_BRANCH_NONE;
	}
	return ret;
}

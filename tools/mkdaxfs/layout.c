// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Layout: inode numbers (breadth-first from the root, in name order),
 * link counts of directories, the string table (deduplicated, filled in
 * inode order) and every offset of the image.  Nothing here depends on
 * anything but the scanned tree, so the same tree gives the same layout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkdaxfs.h"
#include "util.h"

#define ROUND_UP(x, a)	(((x) + (a) - 1) / (a) * (a))

/* ---- inode numbers ---- */

static void number_inodes(struct mk_layout *l, struct mk_tree *t)
{
	u64 next = 0, count = 1;

	l->by_ino = xcalloc(t->nodes, sizeof(*l->by_ino));
	l->by_ino[0] = t->root;
	t->root->ino = DAXFS_ROOT_INO;
	while (next < count) {
		struct mk_node *d = l->by_ino[next++];

		if (!S_ISDIR(d->mode))
			continue;
		d->nlink = 2 + d->nsubdirs;
		for (u32 i = 0; i < d->ndents; i++) {
			struct mk_node *c = d->dents[i].node;

			if (c->ino)
				continue;
			c->ino = ++count;
			l->by_ino[count - 1] = c;
		}
	}
	if (count != t->nodes)
		die("internal error: numbered %llu of %llu inodes",
		    (unsigned long long)count, (unsigned long long)t->nodes);
}

/* ---- string table with deduplication ---- */

struct str_slot {
	u64 off;
	u32 len;
	u32 used;
	u64 hash;
};

struct strtab {
	u8 *buf;
	u64 size;
	u64 cap;
	struct str_slot *slots;
	u64 nslots;
	u64 used;
};

static u64 str_hash(const void *p, u32 len)
{
	const u8 *s = p;
	u64 h = 0xcbf29ce484222325ULL;

	for (u32 i = 0; i < len; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h ^ len;
}

static struct str_slot *str_find(struct strtab *st, const void *p, u32 len,
				 u64 h)
{
	u64 i = h & (st->nslots - 1);

	while (st->slots[i].used) {
		struct str_slot *s = &st->slots[i];

		if (s->hash == h && s->len == len &&
		    !memcmp(st->buf + s->off, p, len))
			return s;
		i = (i + 1) & (st->nslots - 1);
	}
	return &st->slots[i];
}

static void str_grow(struct strtab *st)
{
	struct str_slot *old = st->slots;
	u64 old_n = st->nslots;

	st->nslots = old_n ? old_n * 2 : 4096;
	st->slots = xcalloc(st->nslots, sizeof(*st->slots));
	for (u64 i = 0; i < old_n; i++) {
		u64 j;

		if (!old[i].used)
			continue;
		j = old[i].hash & (st->nslots - 1);
		while (st->slots[j].used)
			j = (j + 1) & (st->nslots - 1);
		st->slots[j] = old[i];
	}
	free(old);
}

static u64 str_add(struct strtab *st, const void *p, u32 len)
{
	struct str_slot *s;
	u64 h;

	if (!len)
		return 0;
	if (2 * (st->used + 1) > st->nslots)
		str_grow(st);
	h = str_hash(p, len);
	s = str_find(st, p, len, h);
	if (s->used)
		return s->off;
	if (st->size + len > st->cap) {
		st->cap = (st->size + len) * 2;
		st->buf = xrealloc(st->buf, st->cap);
	}
	memcpy(st->buf + st->size, p, len);
	s->off = st->size;
	s->len = len;
	s->hash = h;
	s->used = 1;
	st->used++;
	st->size += len;
	return s->off;
}

static void build_strtab(struct mk_layout *l, struct mk_tree *t)
{
	struct strtab st = { 0 };
	u64 dirent = 0, xattr = 0;

	for (u64 i = 0; i < t->nodes; i++) {
		struct mk_node *n = l->by_ino[i];

		if (S_ISDIR(n->mode) && n->ndents) {
			n->first_dirent = dirent;
			dirent += n->ndents;
		}
		for (u32 j = 0; j < n->ndents; j++)
			n->dents[j].name_off = str_add(&st, n->dents[j].name,
						       n->dents[j].len);
		if (S_ISLNK(n->mode))
			n->target_off = str_add(&st, n->target,
						n->target_len);
		if (n->nxattrs) {
			n->first_xattr = xattr;
			xattr += n->nxattrs;
		}
		for (u32 j = 0; j < n->nxattrs; j++) {
			struct mk_xattr *x = &n->xattrs[j];

			x->name_off = str_add(&st, x->name, x->name_len);
			x->value_off = str_add(&st, x->value, x->value_len);
		}
	}
	free(st.slots);
	l->strtab = st.buf;
	l->strtab_size = st.size;
}

/* ---- offsets ---- */

static void too_small(u64 needed, u64 given)
{
	char h[32];

	die("image needs at least %llu bytes (%s) but -s gives %llu",
	    (unsigned long long)needed, human_size(needed, h, sizeof(h)),
	    (unsigned long long)given);
}

static void place_delta(struct mk_layout *l, const struct mk_options *opt)
{
	u64 end = l->data_off + l->data_size;

	l->delta_off = end;
	if (opt->delta_size)
		l->delta_size = opt->delta_size;
	else if (opt->size && opt->size > end)
		l->delta_size = opt->size - end;
	else
		l->delta_size = opt->size ? 0 : MK_DELTA_DEFAULT;
	l->needed = end + (opt->delta_size ? opt->delta_size : MK_DELTA_MIN);
	if (opt->size && opt->size < l->needed)
		too_small(l->needed, opt->size);
	l->total_size = opt->size ? opt->size : end + l->delta_size;
}

/* Does extent @e cover a whole 2 MiB-aligned chunk of its file? */
static bool holds_huge_chunk(const struct mk_extent *e)
{
	u64 first = ROUND_UP(e->pgoff, MK_HUGE_PAGES);

	return first + MK_HUGE_PAGES <= e->pgoff + e->npages;
}

/*
 * Data offsets of all extents, in scan order from @data_off; an extent
 * holding a whole aligned 2 MiB chunk of its file is moved forward so
 * that file offset and region offset agree modulo 2 MiB (the gap stays
 * zero).  Returns the size of the data area.
 */
static u64 place_extents(struct mk_tree *t, u64 data_off)
{
	u64 off = data_off;

	for (u64 i = 0; i < t->next; i++) {
		struct mk_extent *e = &t->ext[i];

		if (holds_huge_chunk(e)) {
			u64 want = (e->pgoff * DAXFS_BLOCK_SIZE) &
				   (MK_HUGE_SIZE - 1);

			off += (want - off) & (MK_HUGE_SIZE - 1);
		}
		e->off = off;
		off += e->npages * DAXFS_BLOCK_SIZE;
	}
	return off - data_off;
}

void layout_image(struct mk_layout *l, struct mk_tree *t,
		  const struct mk_options *opt)
{
	u64 off;

	memset(l, 0, sizeof(*l));
	number_inodes(l, t);
	build_strtab(l, t);

	off = DAXFS_SUPER_SIZE;
	if (opt->branching) {
		l->branch_off = off;
		l->branch_count = DAXFS_BRANCH_MIN_SLOTS;
		off += (u64)l->branch_count * sizeof(struct daxfs_branch);
	}
	l->inode_off = off;
	l->extent_off = l->inode_off + t->nodes * sizeof(struct daxfs_inode);
	l->dirent_off = l->extent_off + t->next * sizeof(struct daxfs_extent);
	l->xattr_off = l->dirent_off +
		       t->ndirents * sizeof(struct daxfs_dirent);
	l->strtab_off = l->xattr_off + t->nxattrs * sizeof(struct daxfs_xattr);
	l->meta_size = l->strtab_off + l->strtab_size - l->inode_off;
	l->data_off = ROUND_UP(l->strtab_off + l->strtab_size,
			       DAXFS_BLOCK_SIZE);
	l->data_size = place_extents(t, l->data_off);

	if (opt->branching) {
		place_delta(l, opt);
		return;
	}
	l->needed = l->data_off + l->data_size;
	if (opt->size && opt->size < l->needed)
		too_small(l->needed, opt->size);
	l->total_size = opt->size ? opt->size : l->needed;
}

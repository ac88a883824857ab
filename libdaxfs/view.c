// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Queries through a view: the base image with layers stacked on it.
 * Every query walks the layers from the top down and takes the first
 * answer: an inode's attributes from the highest layer that set them, a
 * name from the highest layer that has it (an entry, or a whiteout that
 * hides the names below), a file page from the highest layer with an
 * extent over it (data or a punched hole) unless a layer above truncated
 * the file below that page, an xattr from the highest layer that set or
 * deleted it.  A layer in which the inode was made (DAXFS_LN_NEW) ends
 * the walk: nothing below has it; a layer in which it was freed ends it
 * too: it is gone.  Below every layer is the base image, read through
 * the checked accessors of inode.c, dir.c and xattr.c.
 *
 * The *_at() forms see only the base and layers [0, top): layer.c uses
 * them to check a record against what lies below it.
 */
#include "daxfs_internal.h"

static struct daxfs_lnode *lnode_at(const struct daxfs_view *v, u32 k,
				    u64 ino)
{
	return v->layer[k] ? daxfs_lnode_find(v->layer[k], ino) : NULL;
}

static void attr_from_base(struct daxfs_attr *a,
			   const struct daxfs_inode_info *b)
{
	a->mode = b->mode;
	a->nlink = b->nlink;
	a->uid = b->uid;
	a->gid = b->gid;
	a->size = b->size;
	a->parent = b->parent;
	a->atime_sec = b->atime_sec;
	a->mtime_sec = b->mtime_sec;
	a->ctime_sec = b->ctime_sec;
	a->atime_nsec = b->atime_nsec;
	a->mtime_nsec = b->mtime_nsec;
	a->ctime_nsec = b->ctime_nsec;
	a->rdev_major = b->rdev_major;
	a->rdev_minor = b->rdev_minor;
}

/*
 * st_blocks of a file: the pages the layers own plus the base's.  A page
 * a layer copied from a lower one counts twice in that sum, so it is cut
 * to the file's size in pages, but never below what the layers own
 * themselves (pages fallocate(KEEP_SIZE) put past the end count).
 */
static u64 file_blocks(const struct daxfs_vinode *vi, u64 base, u64 owned)
{
	u64 cap = daxfs_pages(vi->attr.size);

	if (owned > cap)
		cap = owned;
	return base + owned < cap ? base + owned : cap;
}

int daxfs_view_inode_at(const struct daxfs_view *v, u32 top, u64 ino,
			struct daxfs_vinode *out)
{
	const struct daxfs_lnode *ln;
	bool have_attr = false;
	u64 blocks = 0, owned = 0;
	u32 k;
	int ret;

	memset(out, 0, sizeof(*out));
	out->ino = ino;
	for (k = top; k-- > 0;) {
		ln = lnode_at(v, k, ino);
		if (!ln)
			continue;
		if (ln->flags & DAXFS_LN_FREED)
			return -ENOENT;
		out->changed = true;
		owned += ln->owned;
		if (!have_attr && (ln->flags & DAXFS_LN_ATTR)) {
			out->attr = ln->attr;
			have_attr = true;
		}
		if (ln->flags & DAXFS_LN_NEW)
			goto done;
	}
	if (!ino || ino > v->img->inode_count)
		return -ENOENT;
	ret = daxfs_inode_read(v->img, ino, &out->base);
	if (ret)
		return ret;
	out->in_base = true;
	if (!have_attr)
		attr_from_base(&out->attr, &out->base);
	if ((out->base.mode & DAXFS_S_IFMT) == DAXFS_S_IFREG)
		blocks = out->base.blocks;
	have_attr = true;
done:
	if (!have_attr)
		return -EUCLEAN;
	if ((out->attr.mode & DAXFS_S_IFMT) == DAXFS_S_IFREG)
		out->blocks = file_blocks(out, blocks, owned);
	return 0;
}

int daxfs_view_inode(const struct daxfs_view *v, u64 ino,
		     struct daxfs_vinode *out)
{
	return daxfs_view_inode_at(v, v->depth, ino, out);
}

/* ---- directories ---- */

/* The lnodes of directory @ino in layers [0, @top), and where to stop. */
struct dir_chain {
	const struct daxfs_lnode *ln[DAXFS_VIEW_MAX];
	u32 lowest;			/* first layer to look at */
	bool base;			/* the base's entries count */
	bool freed;
};

static void dir_chain(const struct daxfs_view *v, u32 top,
		      const struct daxfs_vinode *dir, struct dir_chain *c)
{
	bool stop = false;
	u32 k;

	c->lowest = 0;
	c->base = dir->in_base;
	c->freed = false;
	for (k = top; k-- > 0;) {
		c->ln[k] = stop ? NULL : lnode_at(v, k, dir->ino);
		if (!c->ln[k])
			continue;
		if (c->ln[k]->flags & DAXFS_LN_FREED)
			c->freed = true;
		if (c->ln[k]->flags & (DAXFS_LN_NEW | DAXFS_LN_FREED)) {
			/* nothing below this layer is looked at */
			c->lowest = k;
			c->base = false;
			stop = true;
		}
	}
}

static struct daxfs_lname *name_in(const struct daxfs_lnode *ln,
				   const struct daxfs_name_key *key)
{
	struct daxfs_tnode *n;

	if (!ln)
		return NULL;
	n = daxfs_tree_find(&ln->names, key, daxfs_lname_cmp);
	return n ? daxfs_tree_entry(n, struct daxfs_lname, by_name) : NULL;
}

/* Does a layer in [@from, @top) have @key (an entry or a whiteout)? */
static bool shadowed(const struct dir_chain *c, u32 from, u32 top,
		     const struct daxfs_name_key *key)
{
	u32 k;

	for (k = from; k < top; k++)
		if (name_in(c->ln[k], key))
			return true;
	return false;
}

static void fill_dirent(struct daxfs_dirent_info *out,
			const struct daxfs_lname *nm)
{
	out->ino = nm->child;
	out->type = nm->type;
	out->name_len = nm->len;
	memcpy(out->name, nm->name, nm->len);
	out->name[nm->len] = '\0';
}

int daxfs_view_lookup_at(const struct daxfs_view *v, u32 top,
			 const struct daxfs_vinode *dir, const u8 *name,
			 u32 len, struct daxfs_dirent_info *out)
{
	struct daxfs_name_key key = { name, len };
	const struct daxfs_lnode *ln;
	struct daxfs_lname *nm;
	u32 k;

	if (!daxfs_name_valid(name, len))
		return -ENOENT;
	for (k = top; k-- > 0;) {
		ln = lnode_at(v, k, dir->ino);
		if (!ln)
			continue;
		if (ln->flags & DAXFS_LN_FREED)
			return -ENOENT;
		nm = name_in(ln, &key);
		if (nm) {
			if (!nm->child)
				return -ENOENT;
			fill_dirent(out, nm);
			return 0;
		}
		if (ln->flags & DAXFS_LN_NEW)
			return -ENOENT;
	}
	if (!dir->in_base)
		return -ENOENT;
	return daxfs_dir_lookup(v->img, &dir->base, name, len, out);
}

int daxfs_view_lookup(const struct daxfs_view *v,
		      const struct daxfs_vinode *dir, const u8 *name, u32 len,
		      struct daxfs_dirent_info *out)
{
	return daxfs_view_lookup_at(v, v->depth, dir, name, len, out);
}

/* The base entries of @dir from position @pos: 1 found, 0 none left. */
static int readdir_base(const struct daxfs_view *v, u32 top,
			const struct daxfs_vinode *dir,
			const struct dir_chain *c, u64 pos,
			struct daxfs_dirent_info *out, u64 *at)
{
	struct daxfs_name_key key;
	u64 i;
	int ret;

	for (i = pos - 2; i < dir->base.count; i++) {
		ret = daxfs_step(i);
		if (ret)
			return ret;
		ret = daxfs_dir_entry(v->img, &dir->base, i, out);
		if (ret)
			return ret;
		key.name = (const u8 *)out->name;
		key.len = out->name_len;
		if (shadowed(c, c->lowest, top, &key))
			continue;
		*at = i + 2;
		return 1;
	}
	return 0;
}

/* The layers' entries of @dir from cookie @pos, in cookie order. */
static int readdir_layers(u32 top, const struct dir_chain *c, u64 pos,
			  struct daxfs_dirent_info *out, u64 *at)
{
	u64 steps = 0;
	int ret;

	for (;;) {
		struct daxfs_lname *best = NULL;
		struct daxfs_name_key key;
		u32 k, bk = 0;

		ret = daxfs_step(steps++);
		if (ret)
			return ret;
		for (k = c->lowest; k < top; k++) {
			struct daxfs_tnode *n;
			struct daxfs_lname *nm;

			if (!c->ln[k])
				continue;
			n = daxfs_tree_ceil(&c->ln[k]->cookies, &pos,
					    daxfs_lcookie_cmp);
			if (!n)
				continue;
			nm = daxfs_tree_entry(n, struct daxfs_lname, by_cookie);
			if (!best || nm->cookie < best->cookie) {
				best = nm;
				bk = k;
			}
		}
		if (!best)
			return -ENOENT;
		key.name = best->name;
		key.len = best->len;
		if (!shadowed(c, bk + 1, top, &key)) {
			fill_dirent(out, best);
			*at = best->cookie;
			return 0;
		}
		pos = best->cookie + 1;
	}
}

static int readdir_at(const struct daxfs_view *v, u32 top,
		      const struct daxfs_vinode *dir, u64 pos,
		      struct daxfs_dirent_info *out, u64 *at)
{
	struct dir_chain c;
	u64 base_end;
	int ret;

	dir_chain(v, top, dir, &c);
	if (c.freed)
		return -ENOENT;
	base_end = 2 + (c.base ? dir->base.count : 0);
	if (pos < 2)
		pos = 2;
	if (pos < base_end) {
		ret = readdir_base(v, top, dir, &c, pos, out, at);
		if (ret)
			return ret < 0 ? ret : 0;
		pos = base_end;
	}
	return readdir_layers(top, &c, pos, out, at);
}

int daxfs_view_readdir(const struct daxfs_view *v,
		       const struct daxfs_vinode *dir, u64 pos,
		       struct daxfs_dirent_info *out, u64 *at)
{
	return readdir_at(v, v->depth, dir, pos, out, at);
}

int daxfs_view_dir_empty(const struct daxfs_view *v,
			 const struct daxfs_vinode *dir)
{
	struct daxfs_dirent_info de;
	u64 at;
	int ret = readdir_at(v, v->depth, dir, 2, &de, &at);

	if (ret == -ENOENT)
		return 1;
	return ret ? ret : 0;
}

u64 daxfs_view_next_cookie_at(const struct daxfs_view *v, u32 top,
			      const struct daxfs_vinode *dir)
{
	u64 c = 2 + (dir->in_base ? dir->base.count : 0);
	const struct daxfs_lnode *ln;
	u32 k;

	for (k = 0; k < top; k++) {
		ln = lnode_at(v, k, dir->ino);
		if (ln && ln->next_cookie > c)
			c = ln->next_cookie;
	}
	return c;
}

u64 daxfs_view_next_cookie(const struct daxfs_view *v,
			   const struct daxfs_vinode *dir)
{
	return daxfs_view_next_cookie_at(v, v->depth, dir);
}

/* ---- file pages ---- */

static void map_hole(struct daxfs_fmap *out, u64 n, int level)
{
	out->hole = true;
	out->npages = n;
	out->level = level;
	out->off = 0;
	out->pgno = DAXFS_NO_PAGE;
}

/* @pgoff in the base file (the layers above left it to the base). */
static int map_base(const struct daxfs_view *v,
		    const struct daxfs_vinode *vi, u64 pgoff, u64 bound,
		    struct daxfs_fmap *out)
{
	u64 off, n;
	int ret;

	if (!vi->in_base || pgoff >= daxfs_pages(vi->base.size)) {
		map_hole(out, bound - pgoff, -1);
		return 0;
	}
	ret = daxfs_file_map(v->img, &vi->base, pgoff, &off, &n);
	if (ret < 0)
		return ret;
	if (n > bound - pgoff)
		n = bound - pgoff;
	if (ret == 1) {
		map_hole(out, n, -1);
		return 0;
	}
	out->hole = false;
	out->off = off;
	out->npages = n;
	out->level = -1;
	out->pgno = DAXFS_NO_PAGE;
	return 0;
}

int daxfs_view_map(const struct daxfs_view *v,
		   const struct daxfs_vinode *vi, u64 pgoff,
		   struct daxfs_fmap *out)
{
	u64 pages = daxfs_pages(vi->attr.size), bound = pages;
	const struct daxfs_lnode *ln;
	struct daxfs_tnode *n;
	u32 k;

	if (pgoff >= pages)
		return -EINVAL;
	for (k = v->depth; k-- > 0;) {
		const struct daxfs_lext *e;

		ln = lnode_at(v, k, vi->ino);
		if (!ln)
			continue;
		if (ln->flags & DAXFS_LN_FREED)
			return -EUCLEAN;
		n = daxfs_tree_floor(&ln->exts, &pgoff, daxfs_lext_cmp);
		e = n ? daxfs_tree_entry(n, struct daxfs_lext, node) : NULL;
		if (e && pgoff - e->pgoff < e->npages) {
			u64 end = e->pgoff + e->npages;

			if (end > bound)
				end = bound;
			if (e->pgno == DAXFS_NO_PAGE) {
				map_hole(out, end - pgoff, (int)k);
				return 0;
			}
			out->hole = false;
			out->pgno = e->pgno + (pgoff - e->pgoff);
			out->off = daxfs_page_off(v->img, out->pgno);
			out->npages = end - pgoff;
			out->level = (int)k;
			return 0;
		}
		n = daxfs_tree_ceil(&ln->exts, &pgoff, daxfs_lext_cmp);
		if (n) {
			e = daxfs_tree_entry(n, struct daxfs_lext, node);
			if (e->pgoff < bound)
				bound = e->pgoff;
		}
		if (pgoff >= ln->trunc || (ln->flags & DAXFS_LN_NEW)) {
			map_hole(out, bound - pgoff, (int)k);
			return 0;
		}
		if (ln->trunc < bound)
			bound = ln->trunc;
	}
	return map_base(v, vi, pgoff, bound, out);
}

int daxfs_view_seek(const struct daxfs_view *v,
		    const struct daxfs_vinode *vi, u64 pgoff, bool data,
		    u64 *out)
{
	u64 pages = daxfs_pages(vi->attr.size), steps = 0;
	struct daxfs_fmap m;
	int ret;

	while (pgoff < pages) {
		ret = daxfs_step(steps++);
		if (ret)
			return ret;
		ret = daxfs_view_map(v, vi, pgoff, &m);
		if (ret)
			return ret;
		if (!m.npages)
			return -EUCLEAN;
		if (m.hole != data) {
			*out = pgoff;
			return 0;
		}
		pgoff += m.npages;
	}
	if (data)
		return -ENXIO;
	*out = pages;
	return 0;
}

int daxfs_view_symlink(const struct daxfs_view *v,
		       const struct daxfs_vinode *vi, char *buf, u32 size)
{
	const struct daxfs_lnode *ln;
	u32 k;

	for (k = v->depth; k-- > 0;) {
		ln = lnode_at(v, k, vi->ino);
		if (!ln || !(ln->flags & DAXFS_LN_NEW))
			continue;
		if (!ln->target)
			return -EUCLEAN;
		if (ln->target_len >= size)
			return -ERANGE;
		memcpy(buf, ln->target, ln->target_len + 1);
		return (int)ln->target_len;
	}
	if (!vi->in_base)
		return -EUCLEAN;
	return daxfs_symlink_read(v->img, &vi->base, buf, size);
}

/* ---- xattrs ---- */

static struct daxfs_lxattr *xattr_in(const struct daxfs_lnode *ln,
				     const struct daxfs_name_key *key)
{
	struct daxfs_tnode *n;

	if (!ln)
		return NULL;
	n = daxfs_tree_find(&ln->xattrs, key, daxfs_lxattr_cmp);
	return n ? daxfs_tree_entry(n, struct daxfs_lxattr, node) : NULL;
}

int daxfs_view_xattr_at(const struct daxfs_view *v, u32 top,
			const struct daxfs_vinode *vi, const u8 *name,
			u32 len, void *buf, u32 size)
{
	struct daxfs_name_key key = { name, len };
	const struct daxfs_lnode *ln;
	struct daxfs_xattr_info x;
	struct daxfs_lxattr *lx;
	u32 k;
	int ret;

	if (!daxfs_xattr_name_valid(name, len))
		return -ENODATA;
	for (k = top; k-- > 0;) {
		ln = lnode_at(v, k, vi->ino);
		if (!ln)
			continue;
		if (ln->flags & DAXFS_LN_FREED)
			return -ENODATA;
		lx = xattr_in(ln, &key);
		if (lx) {
			if (lx->deleted)
				return -ENODATA;
			if (!buf)
				return (int)lx->value_len;
			if (lx->value_len > size)
				return -ERANGE;
			memcpy(buf, lx->bytes + lx->name_len, lx->value_len);
			return (int)lx->value_len;
		}
		if (ln->flags & DAXFS_LN_NEW)
			return -ENODATA;
	}
	if (!vi->in_base)
		return -ENODATA;
	ret = daxfs_xattr_lookup(v->img, &vi->base, name, len, &x);
	if (ret)
		return ret;
	if (!buf)
		return (int)x.value_len;
	return daxfs_xattr_value(v->img, &x, buf, size);
}

int daxfs_view_xattr_get(const struct daxfs_view *v,
			 const struct daxfs_vinode *vi, const u8 *name,
			 u32 len, void *buf, u32 size)
{
	return daxfs_view_xattr_at(v, v->depth, vi, name, len, buf, size);
}

/* Does a layer in [@from, @top) set or delete @key? */
static bool xattr_shadowed(const struct dir_chain *c, u32 from, u32 top,
			   const struct daxfs_name_key *key)
{
	u32 k;

	for (k = from; k < top; k++)
		if (xattr_in(c->ln[k], key))
			return true;
	return false;
}

int daxfs_view_xattr_names(const struct daxfs_view *v,
			   const struct daxfs_vinode *vi, daxfs_name_fn fn,
			   void *ctx)
{
	char name[DAXFS_XATTR_NAME_MAX + 1];
	struct daxfs_name_key key;
	struct daxfs_xattr_info x;
	struct dir_chain c;
	struct daxfs_tnode *n;
	u32 k, top = v->depth;
	u64 i;
	int ret;

	dir_chain(v, top, vi, &c);	/* the same walk serves any inode */
	if (c.freed)
		return 0;
	for (k = top; k-- > c.lowest;) {
		if (!c.ln[k])
			continue;
		for (n = daxfs_tree_first(&c.ln[k]->xattrs); n;
		     n = daxfs_tree_next(n)) {
			struct daxfs_lxattr *lx =
				daxfs_tree_entry(n, struct daxfs_lxattr, node);

			key.name = lx->bytes;
			key.len = lx->name_len;
			if (lx->deleted || xattr_shadowed(&c, k + 1, top, &key))
				continue;
			memcpy(name, lx->bytes, lx->name_len);
			name[lx->name_len] = '\0';
			ret = fn(ctx, name, lx->name_len);
			if (ret)
				return ret;
		}
	}
	if (!c.base)
		return 0;
	for (i = 0; i < vi->base.xattr_count; i++) {
		ret = daxfs_step(i);
		if (!ret)
			ret = daxfs_xattr_entry(v->img, &vi->base, (u32)i, &x);
		if (ret)
			return ret;
		key.name = (const u8 *)x.name;
		key.len = x.name_len;
		if (xattr_shadowed(&c, c.lowest, top, &key))
			continue;
		ret = fn(ctx, x.name, x.name_len);
		if (ret)
			return ret;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A layer: what one branch's log changed, in memory, built by applying
 * its records one by one (daxfs_replay() at mount, daxfs_txn_apply() at
 * every commit: the same function, so the index a mount keeps is always
 * the index a replay of its log would build).
 *
 * Each inode the log touches has a struct daxfs_lnode: its attributes
 * when the log set them, its file extents (delta pages or punched
 * holes) and a truncation point hiding the layers below from that page
 * on, its xattrs (values or deletions) and, for a directory, its names
 * (entries or whiteouts hiding the names below), each entry also filed
 * under its readdir cookie.
 *
 * daxfs_layer_apply() checks a record against the view below before it
 * changes anything: records come from memory another kernel may write,
 * and one that makes no sense there (an inode that does not exist, a
 * name deleted twice, a page outside the region, a cookie reused) is
 * damage, -EUCLEAN, never a crash or a half-applied change.  Memory for
 * new nodes is taken before the first change, so -ENOMEM leaves the
 * layer as it was too.
 */
#include "daxfs_internal.h"

#define NO_TRUNC	(~0ULL)

/* ---- comparators ---- */

static int u64_cmp(u64 a, u64 b)
{
	return a < b ? -1 : a > b;
}

static int lnode_cmp(const void *key, const struct daxfs_tnode *n)
{
	return u64_cmp(*(const u64 *)key,
		       daxfs_tree_entry(n, struct daxfs_lnode, node)->ino);
}

int daxfs_lext_cmp(const void *key, const struct daxfs_tnode *n)
{
	return u64_cmp(*(const u64 *)key,
		       daxfs_tree_entry(n, struct daxfs_lext, node)->pgoff);
}

int daxfs_lname_cmp(const void *key, const struct daxfs_tnode *n)
{
	const struct daxfs_name_key *k = key;
	const struct daxfs_lname *nm =
		daxfs_tree_entry(n, struct daxfs_lname, by_name);

	return daxfs_name_cmp(k->name, k->len, nm->name, nm->len);
}

int daxfs_lcookie_cmp(const void *key, const struct daxfs_tnode *n)
{
	return u64_cmp(*(const u64 *)key,
		       daxfs_tree_entry(n, struct daxfs_lname,
					by_cookie)->cookie);
}

int daxfs_lxattr_cmp(const void *key, const struct daxfs_tnode *n)
{
	const struct daxfs_name_key *k = key;
	const struct daxfs_lxattr *x =
		daxfs_tree_entry(n, struct daxfs_lxattr, node);

	return daxfs_name_cmp(k->name, k->len, x->bytes, x->name_len);
}

struct daxfs_lnode *daxfs_lnode_find(const struct daxfs_layer *l, u64 ino)
{
	struct daxfs_tnode *n = daxfs_tree_find(&l->inodes, &ino, lnode_cmp);

	return n ? daxfs_tree_entry(n, struct daxfs_lnode, node) : NULL;
}

bool daxfs_layer_knows(const struct daxfs_layer *l, u64 ino)
{
	return daxfs_lnode_find(l, ino) != NULL;
}

static bool attr_same(const struct daxfs_attr *a, const struct daxfs_attr *b)
{
	return a->mode == b->mode && a->nlink == b->nlink &&
	       a->uid == b->uid && a->gid == b->gid && a->size == b->size &&
	       a->parent == b->parent && a->atime_sec == b->atime_sec &&
	       a->mtime_sec == b->mtime_sec && a->ctime_sec == b->ctime_sec &&
	       a->atime_nsec == b->atime_nsec &&
	       a->mtime_nsec == b->mtime_nsec &&
	       a->ctime_nsec == b->ctime_nsec &&
	       a->rdev_major == b->rdev_major && a->rdev_minor == b->rdev_minor;
}

static bool ext_same(const struct daxfs_tnode *x, const struct daxfs_tnode *y)
{
	const struct daxfs_lext *a = daxfs_tree_entry(x, struct daxfs_lext,
						      node);
	const struct daxfs_lext *b = daxfs_tree_entry(y, struct daxfs_lext,
						      node);

	return a->pgoff == b->pgoff && a->npages == b->npages &&
	       a->pgno == b->pgno;
}

static bool xattr_same(const struct daxfs_tnode *x,
		       const struct daxfs_tnode *y)
{
	const struct daxfs_lxattr *a =
		daxfs_tree_entry(x, struct daxfs_lxattr, node);
	const struct daxfs_lxattr *b =
		daxfs_tree_entry(y, struct daxfs_lxattr, node);

	return a->name_len == b->name_len && a->value_len == b->value_len &&
	       a->deleted == b->deleted &&
	       !memcmp(a->bytes, b->bytes, a->name_len + a->value_len);
}

static bool name_same(const struct daxfs_tnode *x, const struct daxfs_tnode *y)
{
	const struct daxfs_lname *a =
		daxfs_tree_entry(x, struct daxfs_lname, by_name);
	const struct daxfs_lname *b =
		daxfs_tree_entry(y, struct daxfs_lname, by_name);

	return a->child == b->child && a->cookie == b->cookie &&
	       a->type == b->type && a->len == b->len &&
	       !memcmp(a->name, b->name, a->len);
}

/* Do two trees hold equal nodes, in the same order? */
static bool tree_same(const struct daxfs_tree *a, const struct daxfs_tree *b,
		      bool (*same)(const struct daxfs_tnode *,
				   const struct daxfs_tnode *))
{
	const struct daxfs_tnode *x = daxfs_tree_first(a);
	const struct daxfs_tnode *y = daxfs_tree_first(b);

	for (; x && y; x = daxfs_tree_next(x), y = daxfs_tree_next(y))
		if (!same(x, y))
			return false;
	return !x && !y;
}

bool daxfs_layer_same(const struct daxfs_layer *a,
		      const struct daxfs_layer *b, u64 ino)
{
	const struct daxfs_lnode *x = daxfs_lnode_find(a, ino);
	const struct daxfs_lnode *y = daxfs_lnode_find(b, ino);

	if (!x || !y)
		return !x && !y;
	if (x->flags != y->flags || x->trunc != y->trunc ||
	    x->owned != y->owned || x->next_cookie != y->next_cookie ||
	    x->target_len != y->target_len ||
	    (x->target_len && memcmp(x->target, y->target, x->target_len)))
		return false;
	if ((x->flags & DAXFS_LN_ATTR) && !attr_same(&x->attr, &y->attr))
		return false;
	return tree_same(&x->exts, &y->exts, ext_same) &&
	       tree_same(&x->xattrs, &y->xattrs, xattr_same) &&
	       tree_same(&x->names, &y->names, name_same);
}

int daxfs_layer_pages(const struct daxfs_layer *l, daxfs_pages_fn fn,
		      void *ctx)
{
	struct daxfs_tnode *n, *e;
	int ret;

	for (n = daxfs_tree_first(&l->inodes); n; n = daxfs_tree_next(n)) {
		const struct daxfs_lnode *ln =
			daxfs_tree_entry(n, struct daxfs_lnode, node);

		for (e = daxfs_tree_first(&ln->exts); e; e = daxfs_tree_next(e)) {
			const struct daxfs_lext *x =
				daxfs_tree_entry(e, struct daxfs_lext, node);

			if (x->pgno == DAXFS_NO_PAGE)
				continue;
			ret = fn(ctx, ln->ino, x->pgoff, x->pgno, x->npages);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int daxfs_layer_orphans(const struct daxfs_layer *l, daxfs_ino_fn fn,
			void *ctx)
{
	struct daxfs_tnode *n;
	int ret;

	for (n = daxfs_tree_first(&l->inodes); n; n = daxfs_tree_next(n)) {
		const struct daxfs_lnode *ln =
			daxfs_tree_entry(n, struct daxfs_lnode, node);

		if ((ln->flags & (DAXFS_LN_ATTR | DAXFS_LN_FREED)) !=
		    DAXFS_LN_ATTR || ln->attr.nlink)
			continue;
		ret = fn(ctx, ln->ino);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- building and tearing down ---- */

void daxfs_layer_init(struct daxfs_layer *l)
{
	memset(l, 0, sizeof(*l));
}

static void drop_exts(struct daxfs_layer *l, struct daxfs_lnode *ln)
{
	struct daxfs_tnode *n;

	while ((n = daxfs_tree_pop(&ln->exts)))
		daxfs_mfree(daxfs_tree_entry(n, struct daxfs_lext, node));
	l->owned_pages -= ln->owned;
	ln->owned = 0;
}

static void drop_xattrs(struct daxfs_lnode *ln)
{
	struct daxfs_tnode *n;

	while ((n = daxfs_tree_pop(&ln->xattrs)))
		daxfs_mfree(daxfs_tree_entry(n, struct daxfs_lxattr, node));
}

static void drop_names(struct daxfs_layer *l, struct daxfs_lnode *ln)
{
	struct daxfs_tnode *n;

	ln->cookies.root = NULL;
	ln->cookies.count = 0;
	while ((n = daxfs_tree_pop(&ln->names))) {
		daxfs_mfree(daxfs_tree_entry(n, struct daxfs_lname, by_name));
		l->entries--;
	}
}

static void free_lnode(struct daxfs_layer *l, struct daxfs_lnode *ln)
{
	drop_exts(l, ln);
	drop_xattrs(ln);
	drop_names(l, ln);
	daxfs_mfree(ln->target);
	daxfs_mfree(ln);
}

void daxfs_layer_clear(struct daxfs_layer *l)
{
	struct daxfs_tnode *n;
	u64 i = 0;

	while ((n = daxfs_tree_pop(&l->inodes))) {
		free_lnode(l, daxfs_tree_entry(n, struct daxfs_lnode, node));
		if (!(++i & (DAXFS_YIELD_EVERY - 1)))
			daxfs_yield();
	}
	daxfs_layer_init(l);
}

static struct daxfs_lnode *new_lnode(u64 ino)
{
	struct daxfs_lnode *ln = daxfs_malloc(sizeof(*ln));

	if (!ln)
		return NULL;
	memset(ln, 0, sizeof(*ln));
	ln->ino = ino;
	ln->trunc = NO_TRUNC;
	return ln;
}

/* The lnode of @ino in @l, made (empty) when there is none. */
static struct daxfs_lnode *get_lnode(struct daxfs_layer *l, u64 ino)
{
	struct daxfs_lnode *ln = daxfs_lnode_find(l, ino);

	if (ln)
		return ln;
	ln = new_lnode(ino);
	if (ln)
		daxfs_tree_insert(&l->inodes, &ln->node, &ino, lnode_cmp);
	return ln;
}

/* ---- decoding record parts ---- */

static bool attr_ok(const struct daxfs_attr *a)
{
	if (a->atime_nsec >= DAXFS_NSEC_PER_SEC ||
	    a->mtime_nsec >= DAXFS_NSEC_PER_SEC ||
	    a->ctime_nsec >= DAXFS_NSEC_PER_SEC ||
	    a->uid == DAXFS_ID_INVALID || a->gid == DAXFS_ID_INVALID)
		return false;
	switch (a->mode & DAXFS_S_IFMT) {
	case DAXFS_S_IFREG:
		return a->size <= DAXFS_FILE_SIZE_MAX;
	case DAXFS_S_IFDIR:
		return a->parent != 0;
	case DAXFS_S_IFLNK:
		return a->size && a->size <= DAXFS_SYMLINK_MAX;
	case DAXFS_S_IFCHR:
	case DAXFS_S_IFBLK:
	case DAXFS_S_IFIFO:
	case DAXFS_S_IFSOCK:
		return !a->size;
	}
	return false;
}

static void attr_from_rec(struct daxfs_attr *a, const struct daxfs_rec_inode *r)
{
	a->mode = le32_to_cpu(r->mode);
	a->nlink = le32_to_cpu(r->nlink);
	a->uid = le32_to_cpu(r->uid);
	a->gid = le32_to_cpu(r->gid);
	a->size = le64_to_cpu(r->size);
	a->parent = le64_to_cpu(r->parent);
	a->atime_sec = (s64)le64_to_cpu(r->atime_sec);
	a->mtime_sec = (s64)le64_to_cpu(r->mtime_sec);
	a->ctime_sec = (s64)le64_to_cpu(r->ctime_sec);
	a->atime_nsec = le32_to_cpu(r->atime_nsec);
	a->mtime_nsec = le32_to_cpu(r->mtime_nsec);
	a->ctime_nsec = le32_to_cpu(r->ctime_nsec);
	a->rdev_major = le32_to_cpu(r->rdev_major);
	a->rdev_minor = le32_to_cpu(r->rdev_minor);
}

/* The inode @ino as layers [0, @level) see it; -EUCLEAN when it is not. */
static int existing(const struct daxfs_view *v, u32 level, u64 ino,
		    struct daxfs_vinode *vi)
{
	int ret = daxfs_view_inode_at(v, level, ino, vi);

	return ret == -ENOENT ? -EUCLEAN : ret;
}

/* The inode @ino as layer @level itself (after its records) sees it. */
static int existing_here(const struct daxfs_view *v, u32 level, u64 ino,
			 struct daxfs_vinode *vi)
{
	return existing(v, level + 1, ino, vi);
}

/* ---- INODE, INODE_FREE ---- */

static int apply_new_inode(struct daxfs_view *v, u32 level, u64 ino,
			   const struct daxfs_attr *a, const u8 *target,
			   u32 target_len)
{
	struct daxfs_layer *l = v->layer[level];
	struct daxfs_lnode *ln;
	u32 k;

	if (ino < v->img->delta.first_ino || ino > DAXFS_INO_MAX ||
	    (((a->mode & DAXFS_S_IFMT) == DAXFS_S_IFLNK) !=
	     (target_len != 0)) ||
	    (target_len && a->size != target_len))
		return -EUCLEAN;
	/* inode numbers are never reused: no layer may know it yet */
	for (k = 0; k <= level; k++)
		if (daxfs_lnode_find(v->layer[k], ino))
			return -EUCLEAN;
	ln = new_lnode(ino);
	if (!ln)
		return -ENOMEM;
	if (target_len) {
		ln->target = daxfs_malloc(target_len + 1);
		if (!ln->target) {
			daxfs_mfree(ln);
			return -ENOMEM;
		}
		memcpy(ln->target, target, target_len);
		ln->target[target_len] = '\0';
		ln->target_len = target_len;
	}
	ln->flags = DAXFS_LN_ATTR | DAXFS_LN_NEW;
	ln->attr = *a;
	daxfs_tree_insert(&l->inodes, &ln->node, &ino, lnode_cmp);
	if (ino > l->max_ino)
		l->max_ino = ino;
	return 0;
}

static int apply_inode(struct daxfs_view *v, u32 level,
		       const struct daxfs_rec_view *rec)
{
	struct daxfs_rec_inode ri;
	struct daxfs_vinode vi;
	struct daxfs_lnode *ln;
	struct daxfs_attr a;
	u32 target_len;
	int ret;

	memcpy(&ri, rec->payload, sizeof(ri));
	attr_from_rec(&a, &ri);
	target_len = le32_to_cpu(ri.target_len);
	if (!attr_ok(&a))
		return -EUCLEAN;
	if (le32_to_cpu(ri.flags) & DAXFS_RI_NEW)
		return apply_new_inode(v, level, rec->ino, &a,
				       rec->payload + sizeof(ri), target_len);
	if (target_len)
		return -EUCLEAN;
	ret = existing_here(v, level, rec->ino, &vi);
	if (ret)
		return ret;
	/* the type never changes; a symlink's target neither */
	if ((vi.attr.mode ^ a.mode) & DAXFS_S_IFMT ||
	    ((a.mode & DAXFS_S_IFMT) == DAXFS_S_IFLNK &&
	     a.size != vi.attr.size))
		return -EUCLEAN;
	ln = get_lnode(v->layer[level], rec->ino);
	if (!ln)
		return -ENOMEM;
	ln->attr = a;
	ln->flags |= DAXFS_LN_ATTR;
	return 0;
}

static int apply_free(struct daxfs_view *v, u32 level,
		      const struct daxfs_rec_view *rec, daxfs_free_fn fr,
		      void *ctx)
{
	struct daxfs_layer *l = v->layer[level];
	struct daxfs_lnode *ln;
	struct daxfs_vinode vi;
	struct daxfs_tnode *n;
	int ret = existing_here(v, level, rec->ino, &vi);

	if (ret)
		return ret;
	ln = get_lnode(l, rec->ino);
	if (!ln)
		return -ENOMEM;
	if (fr)
		for (n = daxfs_tree_first(&ln->exts); n; n = daxfs_tree_next(n)) {
			struct daxfs_lext *e =
				daxfs_tree_entry(n, struct daxfs_lext, node);

			if (e->pgno != DAXFS_NO_PAGE)
				fr(ctx, e->pgno, e->npages);
		}
	drop_exts(l, ln);
	drop_xattrs(ln);
	drop_names(l, ln);
	daxfs_mfree(ln->target);
	ln->target = NULL;
	ln->target_len = 0;
	ln->flags = (ln->flags & DAXFS_LN_NEW) | DAXFS_LN_FREED;
	return 0;
}

/* ---- DIRENT_ADD, DIRENT_DEL ---- */

struct dirent_parts {
	struct daxfs_rec_dirent d;
	struct daxfs_name_key key;
};

static void dirent_parts(const struct daxfs_rec_view *rec,
			 struct dirent_parts *p)
{
	memcpy(&p->d, rec->payload, sizeof(p->d));
	p->key.name = rec->payload + sizeof(p->d);
	p->key.len = le16_to_cpu(p->d.name_len);
}

/* @ino is a directory as layers [0, @top) see it. */
static int existing_dir(const struct daxfs_view *v, u32 top, u64 ino,
			struct daxfs_vinode *vi)
{
	int ret = existing(v, top, ino, vi);

	if (!ret && (vi->attr.mode & DAXFS_S_IFMT) != DAXFS_S_IFDIR)
		ret = -EUCLEAN;
	return ret;
}

static struct daxfs_lname *find_name(const struct daxfs_lnode *ln,
				     const struct daxfs_name_key *key)
{
	struct daxfs_tnode *n = daxfs_tree_find(&ln->names, key,
						daxfs_lname_cmp);

	return n ? daxfs_tree_entry(n, struct daxfs_lname, by_name) : NULL;
}

static int apply_dirent_add(struct daxfs_view *v, u32 level,
			    const struct daxfs_rec_view *rec)
{
	struct daxfs_layer *l = v->layer[level];
	struct daxfs_vinode dir, child;
	struct daxfs_lname *nm, *old;
	struct dirent_parts p;
	struct daxfs_lnode *ln;
	u64 child_ino, cookie;
	int ret;

	dirent_parts(rec, &p);
	child_ino = le64_to_cpu(p.d.child);
	cookie = le64_to_cpu(p.d.cookie);
	ret = existing_dir(v, level + 1, rec->ino, &dir);
	if (!ret)
		ret = existing_here(v, level, child_ino, &child);
	if (ret)
		return ret;
	if (daxfs_mode_to_ft(child.attr.mode) != p.d.type ||
	    cookie < daxfs_view_next_cookie_at(v, level + 1, &dir) ||
	    cookie >= DAXFS_COOKIE_MAX)
		return -EUCLEAN;
	ln = get_lnode(l, rec->ino);
	if (!ln)
		return -ENOMEM;
	nm = daxfs_malloc(sizeof(*nm) + p.key.len);
	if (!nm)
		return -ENOMEM;
	memset(nm, 0, sizeof(*nm));
	nm->child = child_ino;
	nm->cookie = cookie;
	nm->type = p.d.type;
	nm->len = (u16)p.key.len;
	memcpy(nm->name, p.key.name, p.key.len);
	old = find_name(ln, &p.key);
	if (old) {
		if (old->child)
			daxfs_tree_erase(&ln->cookies, &old->by_cookie);
		daxfs_tree_erase(&ln->names, &old->by_name);
		daxfs_mfree(old);
		l->entries--;
	}
	daxfs_tree_insert(&ln->names, &nm->by_name, &p.key, daxfs_lname_cmp);
	daxfs_tree_insert(&ln->cookies, &nm->by_cookie, &cookie,
			  daxfs_lcookie_cmp);
	l->entries++;
	ln->next_cookie = cookie + 1;
	return 0;
}

static int apply_dirent_del(struct daxfs_view *v, u32 level,
			    const struct daxfs_rec_view *rec)
{
	struct daxfs_layer *l = v->layer[level];
	struct daxfs_dirent_info de;
	struct daxfs_lname *nm, *wo;
	struct daxfs_vinode dir;
	struct dirent_parts p;
	struct daxfs_lnode *ln;
	bool below;
	int ret;

	dirent_parts(rec, &p);
	ret = existing_dir(v, level + 1, rec->ino, &dir);
	if (ret)
		return ret;
	/* the name must be there to be deleted */
	ret = daxfs_view_lookup_at(v, level + 1, &dir, p.key.name, p.key.len,
				   &de);
	if (ret)
		return ret == -ENOENT ? -EUCLEAN : ret;
	ret = daxfs_view_lookup_at(v, level, &dir, p.key.name, p.key.len, &de);
	if (ret && ret != -ENOENT)
		return ret;
	below = !ret;
	ln = get_lnode(l, rec->ino);
	if (!ln)
		return -ENOMEM;
	nm = find_name(ln, &p.key);
	if (nm) {
		/* an entry of this layer: a whiteout only if it hid one below */
		daxfs_tree_erase(&ln->cookies, &nm->by_cookie);
		if (below) {
			nm->child = 0;
			nm->cookie = 0;
			nm->type = 0;
			return 0;
		}
		daxfs_tree_erase(&ln->names, &nm->by_name);
		daxfs_mfree(nm);
		l->entries--;
		return 0;
	}
	wo = daxfs_malloc(sizeof(*wo) + p.key.len);
	if (!wo)
		return -ENOMEM;
	memset(wo, 0, sizeof(*wo));
	wo->len = (u16)p.key.len;
	memcpy(wo->name, p.key.name, p.key.len);
	daxfs_tree_insert(&ln->names, &wo->by_name, &p.key, daxfs_lname_cmp);
	l->entries++;
	return 0;
}

/* ---- MAP, PUNCH, TRUNCATE ---- */

static struct daxfs_lext *lext(struct daxfs_tnode *n)
{
	return n ? daxfs_tree_entry(n, struct daxfs_lext, node) : NULL;
}

/* The first extent of @ln ending after @pgoff, or NULL. */
static struct daxfs_lext *first_after(const struct daxfs_lnode *ln, u64 pgoff)
{
	struct daxfs_lext *e = lext(daxfs_tree_floor(&ln->exts, &pgoff,
						     daxfs_lext_cmp));

	if (e && e->pgoff + e->npages > pgoff)
		return e;
	return lext(daxfs_tree_ceil(&ln->exts, &pgoff, daxfs_lext_cmp));
}

static void give_back(struct daxfs_layer *l, struct daxfs_lnode *ln,
		      const struct daxfs_lext *e, u64 skip, u64 n,
		      daxfs_free_fn fr, void *ctx)
{
	if (e->pgno == DAXFS_NO_PAGE || !n)
		return;
	if (fr)
		fr(ctx, e->pgno + skip, n);
	ln->owned -= n;
	l->owned_pages -= n;
}

/*
 * Take file pages [@start, @end) out of @ln's extents, giving the delta
 * pages there back through @fr.  An extent that straddles both ends is
 * split, which needs @spare (used and set to NULL then).
 */
static void cut_range(struct daxfs_layer *l, struct daxfs_lnode *ln,
		      u64 start, u64 end, struct daxfs_lext **spare,
		      daxfs_free_fn fr, void *ctx)
{
	struct daxfs_lext *e = first_after(ln, start), *next;

	while (e && e->pgoff < end) {
		u64 es = e->pgoff, ee = es + e->npages;

		next = lext(daxfs_tree_next(&e->node));
		if (es < start && ee > end) {
			struct daxfs_lext *tail = *spare;

			*spare = NULL;
			give_back(l, ln, e, start - es, end - start, fr, ctx);
			tail->pgoff = end;
			tail->npages = ee - end;
			tail->pgno = e->pgno == DAXFS_NO_PAGE ? DAXFS_NO_PAGE :
				     e->pgno + (end - es);
			e->npages = start - es;
			daxfs_tree_insert(&ln->exts, &tail->node, &tail->pgoff,
					  daxfs_lext_cmp);
			return;
		}
		if (es < start) {
			give_back(l, ln, e, start - es, ee - start, fr, ctx);
			e->npages = start - es;
		} else if (ee > end) {
			give_back(l, ln, e, 0, end - es, fr, ctx);
			/* the key moves up, but stays below the next one */
			if (e->pgno != DAXFS_NO_PAGE)
				e->pgno += end - es;
			e->pgoff = end;
			e->npages = ee - end;
		} else {
			give_back(l, ln, e, 0, e->npages, fr, ctx);
			daxfs_tree_erase(&ln->exts, &e->node);
			daxfs_mfree(e);
		}
		e = next;
	}
}

/* Merge @e with its neighbours when they continue it. */
static void merge(struct daxfs_lnode *ln, struct daxfs_lext *e)
{
	struct daxfs_lext *p = lext(daxfs_tree_prev(&e->node));
	struct daxfs_lext *n = lext(daxfs_tree_next(&e->node));

	if (n && e->pgoff + e->npages == n->pgoff &&
	    (e->pgno == DAXFS_NO_PAGE ? n->pgno == DAXFS_NO_PAGE :
	     n->pgno == e->pgno + e->npages)) {
		e->npages += n->npages;
		daxfs_tree_erase(&ln->exts, &n->node);
		daxfs_mfree(n);
	}
	if (p && p->pgoff + p->npages == e->pgoff &&
	    (e->pgno == DAXFS_NO_PAGE ? p->pgno == DAXFS_NO_PAGE :
	     e->pgno == p->pgno + p->npages)) {
		p->npages += e->npages;
		daxfs_tree_erase(&ln->exts, &e->node);
		daxfs_mfree(e);
	}
}

/* @ino is a regular file as layer @level sees it; its lnode in *@out. */
static int file_lnode(struct daxfs_view *v, u32 level, u64 ino,
		      struct daxfs_lnode **out)
{
	struct daxfs_vinode vi;
	int ret = existing_here(v, level, ino, &vi);

	if (ret)
		return ret;
	if ((vi.attr.mode & DAXFS_S_IFMT) != DAXFS_S_IFREG)
		return -EUCLEAN;
	*out = get_lnode(v->layer[level], ino);
	return *out ? 0 : -ENOMEM;
}

static int apply_map(struct daxfs_view *v, u32 level,
		     const struct daxfs_rec_view *rec, daxfs_free_fn fr,
		     void *ctx)
{
	struct daxfs_layer *l = v->layer[level];
	struct daxfs_lext *e, *spare;
	struct daxfs_rec_map m;
	struct daxfs_lnode *ln;
	u64 pgoff, n, pgno;
	bool hole = rec->type == DAXFS_REC_PUNCH;
	int ret;

	memcpy(&m, rec->payload, sizeof(m));
	pgoff = le64_to_cpu(m.pgoff);
	n = le64_to_cpu(m.npages);
	pgno = hole ? DAXFS_NO_PAGE : le64_to_cpu(m.pgno);
	if (!daxfs_range_ok(pgoff, n, DAXFS_FILE_PAGES_MAX) ||
	    (!hole && !daxfs_range_ok(pgno, n, v->img->delta.page_count)))
		return -EUCLEAN;
	ret = file_lnode(v, level, rec->ino, &ln);
	if (ret)
		return ret;
	e = daxfs_malloc(sizeof(*e));
	spare = daxfs_malloc(sizeof(*spare));
	if (!e || !spare) {
		daxfs_mfree(e);
		daxfs_mfree(spare);
		return -ENOMEM;
	}
	cut_range(l, ln, pgoff, pgoff + n, &spare, fr, ctx);
	daxfs_mfree(spare);
	/* a hole over nothing but holes needs no extent */
	if (hole && (ln->flags & DAXFS_LN_NEW)) {
		daxfs_mfree(e);
		return 0;
	}
	e->pgoff = pgoff;
	e->npages = n;
	e->pgno = pgno;
	daxfs_tree_insert(&ln->exts, &e->node, &pgoff, daxfs_lext_cmp);
	if (!hole) {
		ln->owned += n;
		l->owned_pages += n;
	}
	merge(ln, e);
	return 0;
}

static int apply_truncate(struct daxfs_view *v, u32 level,
			  const struct daxfs_rec_view *rec, daxfs_free_fn fr,
			  void *ctx)
{
	struct daxfs_rec_truncate t;
	struct daxfs_lnode *ln;
	struct daxfs_lext *spare = NULL;
	u64 pages;
	int ret;

	memcpy(&t, rec->payload, sizeof(t));
	pages = le64_to_cpu(t.pages);
	if (pages > DAXFS_FILE_PAGES_MAX)
		return -EUCLEAN;
	ret = file_lnode(v, level, rec->ino, &ln);
	if (ret)
		return ret;
	/* nothing straddles the open end: no split, no spare needed */
	cut_range(v->layer[level], ln, pages, DAXFS_FILE_PAGES_MAX, &spare,
		  fr, ctx);
	if (pages < ln->trunc)
		ln->trunc = pages;
	return 0;
}

/* ---- XATTR_SET, XATTR_DEL ---- */

static struct daxfs_lxattr *find_xattr(const struct daxfs_lnode *ln,
				       const struct daxfs_name_key *key)
{
	struct daxfs_tnode *n = daxfs_tree_find(&ln->xattrs, key,
						daxfs_lxattr_cmp);

	return n ? daxfs_tree_entry(n, struct daxfs_lxattr, node) : NULL;
}

static int apply_xattr(struct daxfs_view *v, u32 level,
		       const struct daxfs_rec_view *rec)
{
	struct daxfs_lxattr *x, *old;
	struct daxfs_rec_xattr rx;
	struct daxfs_name_key key;
	struct daxfs_lnode *ln;
	struct daxfs_vinode vi;
	bool del = rec->type == DAXFS_REC_XATTR_DEL;
	u32 vlen;
	int ret;

	memcpy(&rx, rec->payload, sizeof(rx));
	vlen = le32_to_cpu(rx.value_len);
	key.name = rec->payload + sizeof(rx);
	key.len = rx.name_len;
	ret = existing_here(v, level, rec->ino, &vi);
	if (ret)
		return ret;
	if (del) {
		/* the name must be there to be deleted */
		ret = daxfs_view_xattr_at(v, level + 1, &vi, key.name, key.len,
					  NULL, 0);
		if (ret < 0)
			return ret == -ENODATA ? -EUCLEAN : ret;
		ret = daxfs_view_xattr_at(v, level, &vi, key.name, key.len,
					  NULL, 0);
		if (ret < 0 && ret != -ENODATA)
			return ret;
	}
	ln = get_lnode(v->layer[level], rec->ino);
	if (!ln)
		return -ENOMEM;
	old = find_xattr(ln, &key);
	if (del && ret == -ENODATA) {
		/* set in this layer only: it simply goes */
		daxfs_tree_erase(&ln->xattrs, &old->node);
		daxfs_mfree(old);
		return 0;
	}
	x = daxfs_malloc(sizeof(*x) + key.len + (del ? 0 : vlen));
	if (!x)
		return -ENOMEM;
	memset(x, 0, sizeof(*x));
	x->name_len = (u8)key.len;
	x->deleted = del;
	x->value_len = del ? 0 : vlen;
	memcpy(x->bytes, key.name, key.len);
	if (!del)
		memcpy(x->bytes + key.len, key.name + key.len, vlen);
	if (old) {
		daxfs_tree_erase(&ln->xattrs, &old->node);
		daxfs_mfree(old);
	}
	daxfs_tree_insert(&ln->xattrs, &x->node, &key, daxfs_lxattr_cmp);
	return 0;
}

int daxfs_layer_apply(struct daxfs_view *v, u32 level,
		      const struct daxfs_rec_view *rec, daxfs_free_fn fr,
		      void *ctx)
{
	struct daxfs_layer *l;
	int ret;

	if (level >= v->depth || !v->layer[level])
		return -EINVAL;
	l = v->layer[level];
	if (rec->type == DAXFS_REC_PAD)
		return 0;
	if (rec->type == DAXFS_REC_CHECKPOINT) {
		daxfs_layer_clear(l);
		return 0;
	}
	if (!rec->ino || rec->ino > DAXFS_INO_MAX)
		return -EUCLEAN;
	switch (rec->type) {
	case DAXFS_REC_INODE:
		ret = apply_inode(v, level, rec);
		break;
	case DAXFS_REC_INODE_FREE:
		ret = apply_free(v, level, rec, fr, ctx);
		break;
	case DAXFS_REC_DIRENT_ADD:
		ret = apply_dirent_add(v, level, rec);
		break;
	case DAXFS_REC_DIRENT_DEL:
		ret = apply_dirent_del(v, level, rec);
		break;
	case DAXFS_REC_MAP:
	case DAXFS_REC_PUNCH:
		ret = apply_map(v, level, rec, fr, ctx);
		break;
	case DAXFS_REC_TRUNCATE:
		ret = apply_truncate(v, level, rec, fr, ctx);
		break;
	case DAXFS_REC_XATTR_SET:
	case DAXFS_REC_XATTR_DEL:
		ret = apply_xattr(v, level, rec);
		break;
	default:
		return -EUCLEAN;
	}
	if (!ret)
		l->records++;
	return ret;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * An intrusive AVL tree: the ordered maps of the in-memory indexes
 * (inodes by number, file extents by page, directory entries by name and
 * by readdir cookie, xattrs by name).  The same code runs in the kernel
 * and in the tools, so it depends on nothing but the compat layer.
 *
 * Nodes carry parent links, so iteration needs no stack, and the height
 * of every subtree, so a tree of n nodes is never deeper than about
 * 1.44 log2(n): lookups, inserts and erases are O(log n) whatever the
 * order of insertion.  The caller owns the nodes' memory and serialises
 * all access to a tree.
 */
#include "daxfs_internal.h"

static int height(const struct daxfs_tnode *n)
{
	return n ? n->height : 0;
}

static void update(struct daxfs_tnode *n)
{
	int l = height(n->left), r = height(n->right);

	n->height = (l > r ? l : r) + 1;
}

/* Point whatever pointed at @old (its parent's link or the root) to @new. */
static void replace_child(struct daxfs_tree *t, struct daxfs_tnode *parent,
			  struct daxfs_tnode *old, struct daxfs_tnode *new)
{
	if (!parent)
		t->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
	if (new)
		new->parent = parent;
}

/* Rotate @n's right child up; returns the new subtree root. */
static struct daxfs_tnode *rotate_left(struct daxfs_tree *t,
				       struct daxfs_tnode *n)
{
	struct daxfs_tnode *r = n->right;

	replace_child(t, n->parent, n, r);
	n->right = r->left;
	if (r->left)
		r->left->parent = n;
	r->left = n;
	n->parent = r;
	update(n);
	update(r);
	return r;
}

static struct daxfs_tnode *rotate_right(struct daxfs_tree *t,
					struct daxfs_tnode *n)
{
	struct daxfs_tnode *l = n->left;

	replace_child(t, n->parent, n, l);
	n->left = l->right;
	if (l->right)
		l->right->parent = n;
	l->right = n;
	n->parent = l;
	update(n);
	update(l);
	return l;
}

/* Restore the balance of @n's subtree; returns its (new) root. */
static struct daxfs_tnode *balance(struct daxfs_tree *t,
				   struct daxfs_tnode *n)
{
	int bf = height(n->left) - height(n->right);

	if (bf > 1) {
		if (height(n->left->left) < height(n->left->right))
			rotate_left(t, n->left);
		return rotate_right(t, n);
	}
	if (bf < -1) {
		if (height(n->right->right) < height(n->right->left))
			rotate_right(t, n->right);
		return rotate_left(t, n);
	}
	update(n);
	return n;
}

/* Rebalance from @n up to the root. */
static void fixup(struct daxfs_tree *t, struct daxfs_tnode *n)
{
	while (n)
		n = balance(t, n)->parent;
}

struct daxfs_tnode *daxfs_tree_find(const struct daxfs_tree *t,
				    const void *key, daxfs_tcmp_fn cmp)
{
	struct daxfs_tnode *n = t->root;

	while (n) {
		int c = cmp(key, n);

		if (!c)
			return n;
		n = c < 0 ? n->left : n->right;
	}
	return NULL;
}

struct daxfs_tnode *daxfs_tree_ceil(const struct daxfs_tree *t,
				    const void *key, daxfs_tcmp_fn cmp)
{
	struct daxfs_tnode *n = t->root, *best = NULL;

	while (n) {
		int c = cmp(key, n);

		if (!c)
			return n;
		if (c < 0) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

struct daxfs_tnode *daxfs_tree_floor(const struct daxfs_tree *t,
				     const void *key, daxfs_tcmp_fn cmp)
{
	struct daxfs_tnode *n = t->root, *best = NULL;

	while (n) {
		int c = cmp(key, n);

		if (!c)
			return n;
		if (c > 0) {
			best = n;
			n = n->right;
		} else {
			n = n->left;
		}
	}
	return best;
}

struct daxfs_tnode *daxfs_tree_insert(struct daxfs_tree *t,
				      struct daxfs_tnode *node,
				      const void *key, daxfs_tcmp_fn cmp)
{
	struct daxfs_tnode **link = &t->root, *parent = NULL;

	while (*link) {
		int c = cmp(key, *link);

		if (!c)
			return *link;
		parent = *link;
		link = c < 0 ? &parent->left : &parent->right;
	}
	node->left = node->right = NULL;
	node->parent = parent;
	node->height = 1;
	*link = node;
	t->count++;
	fixup(t, parent);
	return NULL;
}

static struct daxfs_tnode *leftmost(struct daxfs_tnode *n)
{
	while (n && n->left)
		n = n->left;
	return n;
}

static struct daxfs_tnode *rightmost(struct daxfs_tnode *n)
{
	while (n && n->right)
		n = n->right;
	return n;
}

void daxfs_tree_erase(struct daxfs_tree *t, struct daxfs_tnode *n)
{
	struct daxfs_tnode *parent = n->parent, *from;

	if (!n->left || !n->right) {
		replace_child(t, parent, n, n->left ? n->left : n->right);
		from = parent;
	} else {
		/* Put @n's successor @s (no left child) where @n was. */
		struct daxfs_tnode *s = leftmost(n->right);

		if (s->parent == n) {
			from = s;
		} else {
			from = s->parent;
			from->left = s->right;
			if (s->right)
				s->right->parent = from;
			s->right = n->right;
			n->right->parent = s;
		}
		s->left = n->left;
		n->left->parent = s;
		replace_child(t, parent, n, s);
	}
	t->count--;
	fixup(t, from);
}

struct daxfs_tnode *daxfs_tree_first(const struct daxfs_tree *t)
{
	return leftmost(t->root);
}

struct daxfs_tnode *daxfs_tree_last(const struct daxfs_tree *t)
{
	return rightmost(t->root);
}

struct daxfs_tnode *daxfs_tree_next(const struct daxfs_tnode *n)
{
	if (n->right)
		return leftmost(n->right);
	while (n->parent && n->parent->right == n)
		n = n->parent;
	return n->parent;
}

struct daxfs_tnode *daxfs_tree_prev(const struct daxfs_tnode *n)
{
	if (n->left)
		return rightmost(n->left);
	while (n->parent && n->parent->left == n)
		n = n->parent;
	return n->parent;
}

/*
 * Take the nodes out one by one, leaves first, without rebalancing:
 * for tearing a whole tree down (the caller frees each node it gets).
 */
struct daxfs_tnode *daxfs_tree_pop(struct daxfs_tree *t)
{
	struct daxfs_tnode *n = t->root;

	if (!n)
		return NULL;
	for (;;) {
		if (n->left)
			n = n->left;
		else if (n->right)
			n = n->right;
		else
			break;
	}
	replace_child(t, n->parent, n, NULL);
	t->count--;
	return n;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * daxfs-inspect check: the fsck.
 *
 *  1. The base image, by the portable core's validator (every table,
 *     checksum, name, link count, the branch table and delta header).
 *  2. A branching image: main's log replayed by the core (a record that
 *     does not verify or does not fit the files is a problem, in the
 *     core's words), then the delta pages in use against the bitmap
 *     (space.c).
 *  3. The files as they are now (the view): a walk from the root that
 *     reads every inode, entry, page map, symlink and xattr, and checks
 *     what the log could get wrong and the base validator cannot see:
 *     the directory graph is still a tree, entry types match, parents
 *     and link counts agree with the entries.
 *
 * One line per problem; warnings (hints that disagree, chunks of an
 * interrupted commit) are printed too but leave the exit status 0.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"
#include "util.h"

#define TREE_SHOW_MAX	100	/* problems the tree walk prints */

struct check_ctx {
	u64 problems;
	u64 warnings;
};

static void check_report(void *ctx, const char *msg)
{
	struct check_ctx *c = ctx;

	if (!strncmp(msg, "warning: ", 9))
		c->warnings++;
	else
		c->problems++;
	printf("%s\n", msg);
}

/* ---- the files as they are now ---- */

struct tree_stats {
	u64 inodes, dirs, files, links, other, bytes;
};

/* One directory waiting to be walked, and its path. */
struct tframe {
	struct daxfs_vinode dir;
	char *path;
	size_t path_len;
};

struct tree_walk {
	struct inspect *in;
	struct check_ctx *c;
	struct ino_set seen;		/* inode -> struct tseen */
	struct tframe *stack;
	size_t depth, cap;
	char *path;
	size_t path_len, path_cap;
	u64 shown;
	bool nopath;			/* problems of no one path */
	struct tree_stats st;
};

/* What the walk learnt of an inode. */
struct tseen {
	u32 names;			/* entries naming it */
	u32 subdirs;			/* directories: entries of subdirs */
	u32 nlink;
	bool dir;
};

static void __attribute__((format(printf, 2, 3)))
tproblem(struct tree_walk *t, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	t->c->problems++;
	if (t->shown++ >= TREE_SHOW_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fputs("view: ", stdout);
	if (!t->nopath) {
		putchar('/');
		print_name(stdout, t->path, (u32)t->path_len);
		fputs(": ", stdout);
	}
	printf("%s\n", msg);
}

static void tpath_set(struct tree_walk *t, size_t len, const char *name,
		      u32 nlen)
{
	size_t need = len + 1 + nlen + 1;

	if (need > t->path_cap) {
		t->path_cap = need * 2;
		t->path = xrealloc(t->path, t->path_cap);
	}
	t->path_len = len;
	if (name) {
		if (len)
			t->path[t->path_len++] = '/';
		memcpy(t->path + t->path_len, name, nlen);
		t->path_len += nlen;
	}
	t->path[t->path_len] = '\0';
}

struct xattr_ctx {
	struct tree_walk *t;
	const struct daxfs_vinode *vi;
};

static int xattr_one(void *ctx, const char *name, u32 len)
{
	static u8 value[DAXFS_XATTR_VALUE_MAX];
	struct xattr_ctx *x = ctx;
	int n = daxfs_view_xattr_get(&x->t->in->view, x->vi, (const u8 *)name,
				     len, value, sizeof(value));

	if (n < 0)
		tproblem(x->t, "xattr %s: %s", name, err_name(n));
	return 0;
}

/* Read everything of an inode: page maps, symlink target, xattrs. */
static void check_contents(struct tree_walk *t, const struct daxfs_vinode *vi)
{
	struct xattr_ctx x = { t, vi };
	u32 type = vi->attr.mode & DAXFS_S_IFMT;
	int err;

	if (type == DAXFS_S_IFREG) {
		u64 pages = vi->attr.size / DAXFS_BLOCK_SIZE +
			    !!(vi->attr.size % DAXFS_BLOCK_SIZE), pg = 0;

		while (pg < pages) {
			struct daxfs_fmap m;

			err = daxfs_view_map(&t->in->view, vi, pg, &m);
			if (!err && !m.npages)
				err = -EUCLEAN;
			if (!err && !m.hole &&
			    (m.off > t->in->img.size ||
			     (m.npages > pages - pg ? pages - pg : m.npages) >
			     (t->in->img.size - m.off) / DAXFS_BLOCK_SIZE))
				err = -EUCLEAN;
			if (err) {
				tproblem(t, "file page %" PRIu64 ": %s", pg,
					 err_name(err));
				break;
			}
			pg += m.npages < pages - pg ? m.npages : pages - pg;
		}
	} else if (type == DAXFS_S_IFLNK) {
		char target[DAXFS_SYMLINK_MAX + 1];
		int len = daxfs_view_symlink(&t->in->view, vi, target,
					     sizeof(target));

		if (len < 0)
			tproblem(t, "symlink target: %s", err_name(len));
	}
	err = daxfs_view_xattr_names(&t->in->view, vi, xattr_one, &x);
	if (err)
		tproblem(t, "xattrs: %s", err_name(err));
}

static void count_inode(struct tree_walk *t, const struct daxfs_vinode *vi)
{
	t->st.inodes++;
	switch (vi->attr.mode & DAXFS_S_IFMT) {
	case DAXFS_S_IFDIR:
		t->st.dirs++;
		break;
	case DAXFS_S_IFREG:
		t->st.files++;
		t->st.bytes += vi->attr.size;
		break;
	case DAXFS_S_IFLNK:
		t->st.links++;
		break;
	default:
		t->st.other++;
	}
}

/* The record of @vi in the walk; new (and checked) the first time. */
static struct tseen *seen(struct tree_walk *t, const struct daxfs_vinode *vi,
			  bool *first)
{
	struct ino_ent *e = ino_get(&t->seen, vi->ino, true);
	struct tseen *s = e->data;

	*first = !s;
	if (s)
		return s;
	s = xcalloc(1, sizeof(*s));
	s->nlink = vi->attr.nlink;
	s->dir = (vi->attr.mode & DAXFS_S_IFMT) == DAXFS_S_IFDIR;
	e->data = s;
	count_inode(t, vi);
	return s;
}

static void push(struct tree_walk *t, const struct daxfs_vinode *vi)
{
	if (t->depth == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->stack = xrealloc(t->stack, t->cap * sizeof(*t->stack));
	}
	t->stack[t->depth].dir = *vi;
	t->stack[t->depth].path = xmalloc(t->path_len + 1);
	memcpy(t->stack[t->depth].path, t->path, t->path_len + 1);
	t->stack[t->depth].path_len = t->path_len;
	t->depth++;
}

/* One entry of directory @dir. */
static void check_entry(struct tree_walk *t, const struct daxfs_vinode *dir,
			struct tseen *dseen, const struct daxfs_dirent_info *de)
{
	struct daxfs_vinode vi;
	struct tseen *s;
	bool first;
	int err = daxfs_view_inode(&t->in->view, de->ino, &vi);

	if (err) {
		tproblem(t, "inode %" PRIu64 ": %s", de->ino, err_name(err));
		return;
	}
	if (daxfs_mode_to_ft(vi.attr.mode) != de->type)
		tproblem(t, "entry type %s, inode %" PRIu64 " is a %s",
			 type_name(de->type), vi.ino,
			 type_name(daxfs_mode_to_ft(vi.attr.mode)));
	s = seen(t, &vi, &first);
	s->names++;
	if (!s->dir) {
		if (first)
			check_contents(t, &vi);
		return;
	}
	dseen->subdirs++;
	if (!first) {
		tproblem(t, "directory %" PRIu64 " reached a second time (a "
			 "cycle, or a second name)", vi.ino);
		return;
	}
	if (vi.attr.parent != dir->ino)
		tproblem(t, "parent is %" PRIu64 ", but the entry is in %"
			 PRIu64, vi.attr.parent, dir->ino);
	check_contents(t, &vi);
	push(t, &vi);
}

static void walk_dir(struct tree_walk *t, const struct tframe *f)
{
	struct daxfs_dirent_info *ents;
	struct ino_ent *e = ino_get(&t->seen, f->dir.ino, false);
	long n;

	tpath_set(t, 0, f->path, (u32)f->path_len);
	n = read_dir(t->in, &f->dir, &ents);
	if (n < 0) {
		tproblem(t, "readdir: %s", err_name((int)n));
		return;
	}
	for (long i = 0; i < n; i++) {
		tpath_set(t, f->path_len, ents[i].name, ents[i].name_len);
		check_entry(t, &f->dir, e->data, &ents[i]);
	}
	free(ents);
}

/* Link counts against the names found. */
static void check_nlinks(struct tree_walk *t)
{
	struct daxfs_tnode *n;

	t->nopath = true;
	for (n = daxfs_tree_first(&t->seen.tree); n; n = daxfs_tree_next(n)) {
		struct ino_ent *e = daxfs_tree_entry(n, struct ino_ent, node);
		struct tseen *s = e->data;
		u32 want = s->dir ? 2 + s->subdirs : s->names;

		if (s->nlink != want)
			tproblem(t, "inode %" PRIu64 ": nlink %u, but %u %s",
				 e->ino, s->nlink, want, s->dir ?
				 "from its entries and subdirectories" :
				 "entries name it");
	}
}

static void check_tree(struct inspect *in, struct check_ctx *c,
		       struct tree_stats *st)
{
	struct tree_walk t = { .in = in, .c = c };
	struct daxfs_vinode root;
	bool first;
	int err;

	err = daxfs_view_inode(&in->view, in->img.root_ino, &root);
	if (err) {
		check_report(c, "view: the root inode cannot be read");
		return;
	}
	tpath_set(&t, 0, NULL, 0);
	seen(&t, &root, &first)->names = 1;
	check_contents(&t, &root);
	push(&t, &root);
	while (t.depth) {
		struct tframe f = t.stack[--t.depth];

		walk_dir(&t, &f);
		free(f.path);
	}
	check_nlinks(&t);
	if (t.shown > TREE_SHOW_MAX)
		printf("view: %" PRIu64 " more problems, not shown\n",
		       t.shown - TREE_SHOW_MAX);
	*st = t.st;
	ino_set_free(&t.seen, true);
	free(t.stack);
	free(t.path);
}

/* ---- main's log and the delta pages ---- */

struct log_stats {
	struct space_stats space;
	bool done;
};

static void check_log(struct inspect *in, struct check_ctx *c,
		      struct log_stats *ls)
{
	int err = open_main(in, check_report, c);

	if (err) {
		if (!c->problems)
			check_report(c, err_name(err));
		in->view.depth = 0;
		return;
	}
	check_space(in, &ls->space, check_report, c);
	ls->done = true;
}

/* ---- the summary ---- */

static void print_base(struct inspect *in)
{
	u64 dirs = 0, files = 0, links = 0, other = 0, bytes = 0;
	struct daxfs_inode_info ii;
	char h[32];

	for (u64 ino = 1; ino <= in->img.inode_count; ino++) {
		if (daxfs_inode_read(&in->img, ino, &ii))
			continue;
		switch (ii.mode & DAXFS_S_IFMT) {
		case DAXFS_S_IFDIR:
			dirs++;
			break;
		case DAXFS_S_IFREG:
			files++;
			bytes += ii.size;
			break;
		case DAXFS_S_IFLNK:
			links++;
			break;
		default:
			other++;
		}
	}
	printf("clean: %" PRIu64 " inodes (%" PRIu64 " directories, %" PRIu64
	       " files, %" PRIu64 " symlinks, %" PRIu64 " other), %" PRIu64
	       " extents, %" PRIu64 " xattrs, %s of file data",
	       in->img.inode_count, dirs, files, links, other,
	       in->img.extent_count, in->img.xattr_count,
	       human_size(bytes, h, sizeof(h)));
}

static void print_summary(struct inspect *in, const struct log_stats *ls,
			  const struct tree_stats *ts)
{
	const struct daxfs_replay_info *r = &in->replay;
	char h[32], h2[32];

	print_base(in);
	if (!ls->done) {
		putchar('\n');
		return;
	}
	printf(", %u branch slots, %s delta; main's logs: %" PRIu64
	       " records in %" PRIu64 " transactions, %" PRIu64 " chunk%s; "
	       "now %" PRIu64 " inodes (%" PRIu64 " directories, %" PRIu64
	       " files, %" PRIu64 " symlinks, %" PRIu64 " other), %s of file "
	       "data; delta pages: %" PRIu64 " log, %" PRIu64 " data, %"
	       PRIu64 " free of %" PRIu64 "\n", in->img.branch_count,
	       human_size(in->img.delta_size, h, sizeof(h)), r->records,
	       r->txns, r->chunks, r->chunks == 1 ? "" : "s", ts->inodes,
	       ts->dirs, ts->files, ts->links, ts->other,
	       human_size(ts->bytes, h2, sizeof(h2)), ls->space.log_pages,
	       ls->space.data_pages, ls->space.free_pages,
	       in->img.delta.page_count);
}

int cmd_check(struct inspect *in)
{
	struct check_ctx c = { 0, 0 };
	struct log_stats ls = { .done = false };
	struct tree_stats ts = { 0 };
	int err;

	err = daxfs_image_open(&in->img, in->reg.base, in->reg.size,
			       check_report, &c);
	if (err) {
		if (!c.problems)
			printf("superblock: %s\n", err_name(err));
		printf("%s: not a usable DAXFS image\n", in->reg.desc);
		return EXIT_BAD;
	}
	in->view.img = &in->img;
	err = daxfs_validate(&in->img,
			     DAXFS_VALIDATE_ALL | DAXFS_VALIDATE_DATA_CRC,
			     check_report, &c);
	if (err == -ENOMEM) {
		err_msg("check: out of memory");
		return EXIT_BAD;
	}
	if (err && !c.problems)
		check_report(&c, err_name(err));
	if (!err && (in->img.feat_incompat & DAXFS_FEAT_INCOMPAT_BRANCHES))
		check_log(in, &c, &ls);
	/* the view is the base alone, or the base and main's whole log */
	if (!err && (ls.done ||
		     !(in->img.feat_incompat & DAXFS_FEAT_INCOMPAT_BRANCHES)))
		check_tree(in, &c, &ts);
	if (c.problems) {
		printf("%s: %" PRIu64 " problem%s found\n", in->reg.desc,
		       c.problems, c.problems == 1 ? "" : "s");
		return EXIT_BAD;
	}
	print_summary(in, &ls, &ts);
	return EXIT_OK;
}

int quick_validate(struct inspect *in, const char *why)
{
	struct first_problem fp = { .seen = false };
	int err = daxfs_validate(&in->img, 0, first_report, &fp);

	if (err)
		err_msg("%s: image fails validation (%s), refusing to %s; run "
			"check for details", in->reg.desc,
			fp.seen ? fp.msg : err_name(err), why);
	return err;
}

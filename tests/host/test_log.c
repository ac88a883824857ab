// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Unit and model tests of the write side of the portable core: the AVL
 * tree, the page allocator, records and transactions, layers and views,
 * the log (stage, publish, replay, compaction) and the crash behaviour
 * of every store the writer makes.  Operations go through tests/host/
 * fsdrv.h, the same sequence of core calls the module makes.
 *
 * Prints one "PASS: log: ..." or "FAIL: log: ...: why" line per check.
 * Environment: LOG_SEED (random tests), LOG_OPS (ops per random run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "imgbuild.h"
#include "fsdrv.h"
#include "journal.h"

static u64 rng_state;

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static u64 rndn(u64 n)
{
	return n ? rnd() % n : 0;
}

/* ---- the tree ---- */

struct tnum {
	struct daxfs_tnode node;
	u64 key;
};

static int tnum_cmp(const void *key, const struct daxfs_tnode *n)
{
	u64 a = *(const u64 *)key,
	    b = daxfs_tree_entry(n, struct tnum, node)->key;

	return a < b ? -1 : a > b;
}

/* Heights and parent links right, balanced, in order; its node count. */
static int tree_ok(const struct daxfs_tnode *n, const struct daxfs_tnode *p,
		   u64 *count)
{
	int l, r;

	if (!n)
		return 0;
	if (n->parent != p)
		return -1000;
	l = tree_ok(n->left, n, count);
	r = tree_ok(n->right, n, count);
	if (l < 0 || r < 0 || l - r > 1 || r - l > 1 ||
	    n->height != (l > r ? l : r) + 1)
		return -1000;
	(*count)++;
	return n->height;
}

static void test_tree(void)
{
	enum { N = 20000 };
	static struct tnum nodes[N];
	static u8 in[N];
	struct daxfs_tree t = { 0 };
	struct daxfs_tnode *n;
	u64 count, prev, key;
	int bad = 0, i;

	for (i = 0; i < 200000 && !bad; i++) {
		u64 k = rndn(N);

		if (in[k]) {
			daxfs_tree_erase(&t, &nodes[k].node);
			in[k] = 0;
		} else {
			nodes[k].key = k;
			if (daxfs_tree_insert(&t, &nodes[k].node, &k, tnum_cmp))
				bad = 1;
			in[k] = 1;
		}
		if (!(i % 20000)) {
			count = 0;
			if (tree_ok(t.root, NULL, &count) < 0 ||
			    count != t.count)
				bad = 2;
		}
	}
	count = 0;
	if (tree_ok(t.root, NULL, &count) < 0 || count != t.count)
		bad = 3;
	prev = 0;
	count = 0;
	for (n = daxfs_tree_first(&t); n && !bad; n = daxfs_tree_next(n)) {
		key = daxfs_tree_entry(n, struct tnum, node)->key;
		if ((count && key <= prev) || !in[key])
			bad = 4;
		prev = key;
		count++;
	}
	if (count != t.count)
		bad = 5;
	for (key = 0; key < N && !bad; key += 7) {
		struct daxfs_tnode *c = daxfs_tree_ceil(&t, &key, tnum_cmp);
		struct daxfs_tnode *f = daxfs_tree_floor(&t, &key, tnum_cmp);
		u64 j;

		for (j = key; j < N && !in[j]; j++)
			;
		if ((j < N) != !!c ||
		    (c && daxfs_tree_entry(c, struct tnum, node)->key != j))
			bad = 6;
		for (j = key + 1; j-- > 0 && !in[j];)
			;
		if (f && daxfs_tree_entry(f, struct tnum, node)->key != j)
			bad = 7;
	}
	tu_result(!bad, "log: AVL tree: 200000 random inserts/erases stay balanced, ordered, findable",
		  "check %d failed", bad);
	while ((n = daxfs_tree_pop(&t)))
		;
	tu_result(!t.root && !t.count, "log: AVL tree: pop empties it", "left");
}

/* ---- images ---- */

struct img {
	u8 *map;
	u64 size;
	u32 dir, file, big, sub, link, victim;
};

/* A base tree with files, a directory and xattrs, and a delta region. */
static void make_img(struct img *m, u64 delta)
{
	static u8 bigdata[3 * 4096 + 100];
	struct ib b;

	for (u32 i = 0; i < sizeof(bigdata); i++)
		bigdata[i] = (u8)(i * 13 + 1);
	ib_init(&b);
	m->dir = ib_dir(&b, 1, "dir");
	m->sub = ib_dir(&b, m->dir, "sub");
	m->file = ib_file(&b, 1, "file", "base file contents\n", 19);
	m->big = ib_file(&b, m->dir, "big", bigdata, sizeof(bigdata));
	m->victim = ib_file(&b, m->sub, "victim", "v", 1);
	m->link = ib_symlink(&b, 1, "link", "dir/big");
	ib_xattr(&b, m->file, "user.base", "bv", 2);
	for (int i = 0; i < 40; i++) {
		char name[16];

		snprintf(name, sizeof(name), "e%02d", i);
		ib_file(&b, m->dir, name, name, 3);
	}
	ib_branching(&b, 256, delta);
	ib_build(&b);
	m->size = b.size;
	m->map = b.img;
	b.img = NULL;
	ib_free(&b);
}

static void test_alloc(void)
{
	struct img m;
	struct fsd f;
	u64 pages, got, pgno, cursor = 0, taken = 0, freed_ok = 1;
	u64 *list;
	int ret;

	make_img(&m, 2 << 20);
	ret = fsd_open(&f, m.map, m.size, true, 0);
	tu_result(!ret, "log: open an empty branching image", "%d: %s", ret,
		  tu_first(&f.rep));
	if (ret)
		return;
	pages = f.img.delta.page_count;
	tu_result(daxfs_alloc_free(&f.alloc) == pages - 1,
		  "log: alloc: every page but main's chunk is free",
		  "%llu of %llu", (unsigned long long)daxfs_alloc_free(&f.alloc),
		  (unsigned long long)pages);
	list = calloc(pages, sizeof(*list));
	while (!(ret = daxfs_alloc_get(&f.alloc, &cursor, 1 + rndn(80),
				       DAXFS_ALLOC_RESERVE, &pgno, &got))) {
		for (u64 i = 0; i < got; i++)
			list[taken++] = pgno + i;
		if (taken > pages)
			break;
	}
	tu_result(ret == -ENOSPC && taken == pages - 1 &&
		  daxfs_alloc_free(&f.alloc) == 0,
		  "log: alloc: takes every free page once, then ENOSPC",
		  "ret %d, took %llu of %llu", ret, (unsigned long long)taken,
		  (unsigned long long)pages - 1);
	for (u64 i = 0; i < taken; i++)
		for (u64 j = i + 1; j < taken && j < i + 200; j++)
			if (list[i] == list[j])
				freed_ok = 0;
	for (u64 i = 0; i < taken; i += 2)
		if (daxfs_alloc_put(&f.alloc, list[i], 1))
			freed_ok = 0;
	tu_result(freed_ok && daxfs_alloc_free(&f.alloc) == (taken + 1) / 2,
		  "log: alloc: pages given back are free again",
		  "free %llu", (unsigned long long)daxfs_alloc_free(&f.alloc));
	tu_result(daxfs_alloc_put(&f.alloc, list[0], 1) == -EUCLEAN,
		  "log: alloc: a double free is refused", "accepted");
	{
		u64 words = (pages + 63) / 64, leaked, lost;
		u64 *used = calloc(words, 8);

		used[0] = 1;	/* main's chunk only */
		ret = daxfs_alloc_rebuild(&f.alloc, used, &leaked, &lost);
		tu_result(!ret && leaked == taken - (taken + 1) / 2 && !lost &&
			  daxfs_alloc_free(&f.alloc) == pages - 1,
			  "log: alloc: rebuild from the pages in use",
			  "ret %d leaked %llu lost %llu", ret,
			  (unsigned long long)leaked, (unsigned long long)lost);
		free(used);
	}
	free(list);
	fsd_close(&f);
	free(m.map);
}

/*
 * The allocator on a 64 GiB delta region (16 Mi pages, 512 groups): the
 * region is an anonymous mapping that reserves no memory, laid out by
 * daxfs_delta_format() and opened by daxfs_delta_open(); only the bitmap
 * and the group counts are ever touched.  What is measured is work, not
 * time: the allocator yields once per 4096 steps (a word looked at or a
 * group skipped) within one call, so a call that yields looked at a
 * sixty-fourth of this bitmap or more.  No call may, until the region is
 * full: not while filling it from two cursors (as two CPUs would), not
 * when the only free pages are single pages scattered over the groups.
 */
static u64 alloc_yields;

static int count_yield(void)
{
	alloc_yields++;
	return 0;
}

static void say_nothing(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

static void test_alloc_64g(void)
{
	const u64 size = 64ULL << 30;
	struct daxfs_image img;
	struct daxfs_alloc a;
	u64 cursor[2], pages, taken = 0, twice = 0, pgno, got, k;
	u64 yields, calls = 0, lost = 0, scatter[200];
	u8 *seen;
	u8 *area;
	int ret = 0, c = 0;
	clock_t t0 = clock();

	area = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	tu_result(area != MAP_FAILED,
		  "log: alloc 64 GiB: map a 64 GiB region (MAP_NORESERVE)",
		  "mmap: %s", strerror(errno));
	if (area == MAP_FAILED)
		return;
	memset(&img, 0, sizeof(img));
	img.base = img.wbase = area;
	img.size = img.total_size = size;
	img.feat_incompat = DAXFS_FEAT_INCOMPAT_BRANCHES;
	img.delta_size = size;
	img.inode_count = 1;
	ret = daxfs_delta_format(area, size, 2, 1);
	if (!ret)
		ret = daxfs_delta_open(&img, say_nothing, NULL);
	if (!ret)
		ret = daxfs_alloc_init(&a, &img);
	pages = img.delta.page_count;
	tu_result(!ret && pages > (63ULL << 18) &&
		  daxfs_alloc_free(&a) == pages - 1,
		  "log: alloc 64 GiB: formatted and opened, every page free",
		  "ret %d, %llu pages, %llu free", ret,
		  (unsigned long long)pages,
		  (unsigned long long)daxfs_alloc_free(&a));
	if (ret)
		goto out;
	seen = calloc(pages / 8 + 1, 1);
	seen[0] = 1;		/* main's first chunk */
	daxfs_yield_hook = count_yield;
	cursor[0] = 0;
	cursor[1] = pages / 2 + 12345;
	/* fill: until ENOSPC without the reserve, then with it */
	for (int reserve = 0; reserve < 2; reserve++) {
		unsigned int flags = reserve ? DAXFS_ALLOC_RESERVE : 0;

		for (;;) {
			yields = alloc_yields;
			ret = daxfs_alloc_get(&a, &cursor[c], 1 + rndn(64), flags,
					      &pgno, &got);
			if (ret)
				break;
			calls++;
			if (alloc_yields != yields)
				lost++;	/* this call scanned too much */
			for (k = pgno; k < pgno + got; k++) {
				twice += seen[k / 8] >> (k % 8) & 1;
				seen[k / 8] |= (u8)(1 << (k % 8));
			}
			taken += got;
			c ^= 1;
		}
		if (!reserve)
			tu_result(ret == -ENOSPC &&
				  daxfs_alloc_free(&a) <= a.reserve &&
				  daxfs_alloc_free(&a) + 64 > a.reserve,
				  "log: alloc 64 GiB: ENOSPC with the reserve left",
				  "ret %d, %llu free, reserve %llu", ret,
				  (unsigned long long)daxfs_alloc_free(&a),
				  (unsigned long long)a.reserve);
	}
	tu_result(ret == -ENOSPC && taken == pages - 1 && !twice &&
		  daxfs_alloc_free(&a) == 0,
		  "log: alloc 64 GiB: two cursors take every page once",
		  "ret %d, took %llu of %llu, %llu twice", ret,
		  (unsigned long long)taken, (unsigned long long)pages - 1,
		  (unsigned long long)twice);
	tu_result(!lost,
		  "log: alloc 64 GiB: no allocation scanned the bitmap while filling it",
		  "%llu of %llu calls yielded", (unsigned long long)lost,
		  (unsigned long long)calls);
	/* single free pages in 200 random groups, found from anywhere */
	for (k = 0; k < 200; k++) {
		scatter[k] = (rndn(img.delta.group_count) *
			      (u64)img.delta.group_pages +
			      rndn(img.delta.group_pages)) % pages;
		if (!scatter[k] || daxfs_alloc_put(&a, scatter[k], 1))
			scatter[k] = 0;	/* page 0, or a repeat */
		else
			seen[scatter[k] / 8] &= (u8)~(1 << (scatter[k] % 8));
	}
	yields = alloc_yields;
	twice = taken = 0;
	for (k = 0; k < 200; k++) {
		u64 from = rnd() % pages;

		if (!scatter[k])
			continue;
		if (daxfs_alloc_get(&a, &from, 1, DAXFS_ALLOC_RESERVE, &pgno,
				    &got) || got != 1)
			break;
		twice += seen[pgno / 8] >> (pgno % 8) & 1;
		seen[pgno / 8] |= (u8)(1 << (pgno % 8));
		taken++;
	}
	for (k = 0; k < 200; k++)
		taken -= !!scatter[k];
	tu_result(!taken && !twice && daxfs_alloc_free(&a) == 0 &&
		  alloc_yields == yields,
		  "log: alloc 64 GiB: scattered free pages found from random cursors without a scan",
		  "%lld left over, %llu twice, %llu yields",
		  (long long)taken, (unsigned long long)twice,
		  (unsigned long long)(alloc_yields - yields));
	printf("log: alloc 64 GiB: %llu allocations in %.2f s of CPU\n",
	       (unsigned long long)calls,
	       (double)(clock() - t0) / CLOCKS_PER_SEC);
	daxfs_yield_hook = NULL;
	free(seen);
out:
	munmap(area, size);
}

/* ---- a dump of everything a view shows, for comparisons ---- */

struct dump {
	char *buf;
	size_t len, cap;
};

static void dprintf_(struct dump *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void dprintf_(struct dump *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(d->buf + d->len, d->cap - d->len, fmt, ap);
		va_end(ap);
		if ((size_t)n < d->cap - d->len)
			break;
		d->cap = d->cap * 2 + 4096;
		d->buf = realloc(d->buf, d->cap);
	}
	d->len += (size_t)n;
}

/* xattr names, sorted before they are printed (no order is promised) */
struct xnames {
	char names[32][256];
	u32 n;
};

static int xattr_name(void *ctx, const char *name, u32 len)
{
	struct xnames *x = ctx;

	if (x->n < 32)
		snprintf(x->names[x->n++], 256, "%.*s", (int)len, name);
	return 0;
}

static int xname_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

struct name_ent {
	char name[DAXFS_NAME_MAX + 1];
	u64 ino;
	u64 pos;
};

static int ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct name_ent *)a)->name,
		      ((const struct name_ent *)b)->name);
}

/*
 * Dump the tree under @ino: per entry its name, type, mode, nlink, size,
 * a CRC of its content (files), target (symlinks), xattrs (names sorted
 * and values), inode numbers hidden but hard links shown.  Returns 0, or
 * -1 on an inconsistency (a readdir position going backwards, a lookup
 * that disagrees with readdir).
 */
static int dump_fail(const char *path, const char *why, u64 a, u64 b)
{
	if (getenv("LOG_DEBUG"))
		fprintf(stderr, "dump: %s: %s (%llu, %llu)\n", path, why,
			(unsigned long long)a, (unsigned long long)b);
	return -1;
}

static int dump_dir(struct fsd *f, struct dump *d, u64 ino, const char *path,
		    int depth)
{
	struct daxfs_vinode dir;
	struct daxfs_dirent_info de;
	struct name_ent *ents = NULL;
	size_t n = 0, cap = 0;
	u64 pos = 2, at, last = 1;
	int ret = 0;

	if (fsd_inode(f, ino, &dir) || depth > 64)
		return dump_fail(path, "no such directory", ino, depth);
	while (!(ret = daxfs_view_readdir(&f->view, &dir, pos, &de, &at))) {
		if (at < pos || at <= last) {
			free(ents);
			return dump_fail(path, "readdir went back", at, pos);
		}
		last = at;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ents = realloc(ents, cap * sizeof(*ents));
		}
		strcpy(ents[n].name, de.name);
		ents[n].ino = de.ino;
		ents[n].pos = at;
		n++;
		pos = at + 1;
	}
	if (ret != -ENOENT) {
		free(ents);
		return dump_fail(path, "readdir failed", (u64)-ret, pos);
	}
	ret = 0;
	if (n)
		qsort(ents, n, sizeof(*ents), ent_cmp);
	for (size_t i = 0; i < n && !ret; i++) {
		struct daxfs_vinode vi;
		char sub[4096];
		u64 lk;

		if (fsd_lookup(f, ino, ents[i].name, &lk) || lk != ents[i].ino ||
		    fsd_inode(f, ents[i].ino, &vi)) {
			ret = dump_fail(ents[i].name, "lookup disagrees", lk,
					ents[i].ino);
			break;
		}
		snprintf(sub, sizeof(sub), "%s/%s", path, ents[i].name);
		dprintf_(d, "%s @%llu mode %o nlink %u size %llu uid %u", sub,
			 (unsigned long long)ents[i].pos, vi.attr.mode,
			 vi.attr.nlink, (unsigned long long)vi.attr.size,
			 vi.attr.uid);
		if ((vi.attr.mode & DAXFS_S_IFMT) == DAXFS_S_IFREG) {
			u8 *buf = malloc(vi.attr.size + 1);
			int r = fsd_read(f, vi.ino, 0, buf, vi.attr.size);

			if (r < 0 || (u64)r != vi.attr.size)
				ret = dump_fail(ents[i].name, "read", (u64)r,
						vi.attr.size);
			dprintf_(d, " crc %08x", daxfs_crc32c(buf, vi.attr.size));
			free(buf);
			if (vi.attr.nlink > 1)
				dprintf_(d, " ino %llu",
					 (unsigned long long)vi.ino);
		} else if ((vi.attr.mode & DAXFS_S_IFMT) == DAXFS_S_IFLNK) {
			char t[DAXFS_SYMLINK_MAX + 1];

			if (daxfs_view_symlink(&f->view, &vi, t, sizeof(t)) < 0)
				ret = dump_fail(ents[i].name, "symlink", 0, 0);
			dprintf_(d, " -> %s", t);
		}
		{
			static struct xnames x;

			x.n = 0;
			daxfs_view_xattr_names(&f->view, &vi, xattr_name, &x);
			qsort(x.names, x.n, sizeof(x.names[0]), xname_cmp);
			for (u32 k = 0; k < x.n; k++) {
				static u8 val[DAXFS_XATTR_VALUE_MAX];
				int vl = fsd_getxattr(f, vi.ino, x.names[k],
						      val, sizeof(val));

				dprintf_(d, " x:%s=%08x", x.names[k],
					 vl < 0 ? 0 : daxfs_crc32c(val, (u64)vl));
			}
		}
		dprintf_(d, "\n");
		if ((vi.attr.mode & DAXFS_S_IFMT) == DAXFS_S_IFDIR) {
			if (vi.attr.parent != ino)
				ret = dump_fail(ents[i].name, "parent", vi.attr.parent,
						ino);
			if (!ret)
				ret = dump_dir(f, d, vi.ino, sub, depth + 1);
		}
	}
	free(ents);
	return ret;
}

static char *dump_all(struct fsd *f)
{
	struct dump d = { 0 };

	dprintf_(&d, "/\n");
	if (dump_dir(f, &d, DAXFS_ROOT_INO, "", 0)) {
		free(d.buf);
		return NULL;
	}
	return d.buf;
}

/* Remount: replay the log into a fresh layer; the dumps must agree. */
static int remount(struct fsd *f, const char *what)
{
	char *before = dump_all(f), *after;
	u8 *map = f->map;
	u64 size = f->size;
	s64 now = f->now;
	int ret, same;

	fsd_close(f);
	ret = fsd_open(f, map, size, true, 0);
	f->now = now;
	if (ret) {
		if (what)
			tu_result(0, what, "remount failed %d: %s", ret,
				  tu_first(&f->rep));
		free(before);
		return ret;
	}
	after = dump_all(f);
	same = before && after && !strcmp(before, after);
	if (!same) {
		FILE *o = fopen("/tmp/daxfs-test-before.txt", "w");
		FILE *n = fopen("/tmp/daxfs-test-after.txt", "w");

		if (o) {
			fputs(before ? before : "(bad)\n", o);
			fclose(o);
		}
		if (n) {
			fputs(after ? after : "(bad)\n", n);
			fclose(n);
		}
	}
	if (what)
		tu_result(same, what, "the tree differs after the replay "
			  "(/tmp/daxfs-test-before.txt vs -after.txt)");
	free(before);
	free(after);
	return same ? 0 : -1;
}

/* ---- operations, one by one ---- */

static void test_ops(void)
{
	u8 buf[20000], want[20000];
	struct daxfs_vinode vi;
	u64 a, d2, l, free0;
	struct img m;
	struct fsd f;
	int ret, ok;

	make_img(&m, 8 << 20);
	if (fsd_open(&f, m.map, m.size, true, 0))
		return;
	free0 = daxfs_alloc_free(&f.alloc);
	ret = fsd_create(&f, 1, "new", DAXFS_S_IFREG | 0644, NULL, &a);
	ok = !ret && !fsd_write(&f, a, 0, "hello", 5) &&
	     fsd_read(&f, a, 0, buf, sizeof(buf)) == 5 &&
	     !memcmp(buf, "hello", 5);
	tu_result(ok, "log: create and write a new file", "ret %d", ret);
	ok = !fsd_write(&f, a, 5, " world", 6) &&
	     fsd_read(&f, a, 0, buf, sizeof(buf)) == 11 &&
	     !memcmp(buf, "hello world", 11);
	tu_result(ok, "log: append in place", "got %.11s", buf);
	ok = !fsd_write(&f, a, 6, "W", 1) &&
	     fsd_read(&f, a, 0, buf, sizeof(buf)) == 11 &&
	     !memcmp(buf, "hello World", 11);
	tu_result(ok, "log: overwrite (copy-on-write)", "got %.11s", buf);
	ok = !fsd_write(&f, a, 10000, "far", 3) &&
	     fsd_read(&f, a, 0, buf, sizeof(buf)) == 10003;
	memset(want, 0, sizeof(want));
	memcpy(want, "hello World", 11);
	memcpy(want + 10000, "far", 3);
	tu_result(ok && !memcmp(buf, want, 10003),
		  "log: a write past EOF leaves a hole of zeros", "mismatch");
	ok = !fsd_truncate(&f, a, 3) && !fsd_truncate(&f, a, 9000) &&
	     fsd_read(&f, a, 0, buf, sizeof(buf)) == 9000;
	memset(want, 0, sizeof(want));
	memcpy(want, "hel", 3);
	tu_result(ok && !memcmp(buf, want, 9000),
		  "log: shrink then extend: old bytes do not come back",
		  "mismatch");
	/* the base file: overwrite part, truncate into it, extend */
	ok = !fsd_write(&f, m.file, 5, "FILE", 4) &&
	     fsd_read(&f, m.file, 0, buf, sizeof(buf)) == 19 &&
	     !memcmp(buf, "base FILE contents\n", 19);
	tu_result(ok, "log: overwrite a base file", "got %.19s", buf);
	ok = !fsd_truncate(&f, m.big, 4096 + 10) &&
	     !fsd_truncate(&f, m.big, 3 * 4096) &&
	     fsd_read(&f, m.big, 0, buf, sizeof(buf)) == 3 * 4096;
	for (u32 i = 0; i < 3 * 4096; i++)
		want[i] = i < 4106 ? (u8)(i * 13 + 1) : 0;
	tu_result(ok && !memcmp(buf, want, 3 * 4096),
		  "log: truncate a base file into a page, extend: zeros after",
		  "mismatch");
	ok = !fsd_punch(&f, m.big, 100, 9000) &&
	     fsd_read(&f, m.big, 0, buf, sizeof(buf)) == 3 * 4096;
	memset(want + 100, 0, 9000);
	tu_result(ok && !memcmp(buf, want, 3 * 4096),
		  "log: punch a hole across pages", "mismatch");
	fsd_inode(&f, m.big, &vi);
	{
		u64 out = 0;

		ret = daxfs_view_seek(&f.view, &vi, 0, false, &out);
		tu_result(!ret && out == 1, "log: SEEK_HOLE finds the punched page",
			  "ret %d out %llu", ret, (unsigned long long)out);
		ret = daxfs_view_seek(&f.view, &vi, 1, true, &out);
		tu_result(ret == -ENXIO, "log: SEEK_DATA: no data after the hole",
			  "ret %d out %llu", ret, (unsigned long long)out);
	}
	/* names */
	ok = !fsd_create(&f, 1, "d2", DAXFS_S_IFDIR | 0755, NULL, &d2) &&
	     !fsd_rename(&f, 1, "new", d2, "moved", 0) &&
	     fsd_lookup(&f, 1, "new", &l) == -ENOENT &&
	     !fsd_lookup(&f, d2, "moved", &l) && l == a;
	tu_result(ok, "log: rename a new file into a new directory", "failed");
	ok = !fsd_rename(&f, 1, "file", d2, "was-base", 0) &&
	     fsd_lookup(&f, 1, "file", &l) == -ENOENT &&
	     !fsd_lookup(&f, d2, "was-base", &l) && l == m.file &&
	     fsd_getxattr(&f, l, "user.base", buf, sizeof(buf)) == 2;
	tu_result(ok, "log: rename a base file (whiteout + entry)", "failed");
	ok = !fsd_link(&f, m.file, m.dir, "hard") &&
	     !fsd_inode(&f, m.file, &vi) && vi.attr.nlink == 2;
	tu_result(ok, "log: hard link a base file across directories",
		  "nlink %u", vi.attr.nlink);
	ok = fsd_remove(&f, 1, "dir", true) == -ENOTEMPTY &&
	     !fsd_remove(&f, m.sub, "victim", false) &&
	     !fsd_remove(&f, m.dir, "sub", true);
	tu_result(ok, "log: rmdir refuses a full directory, takes an emptied one",
		  "failed");
	ok = !fsd_create(&f, m.dir, "e05", DAXFS_S_IFREG, NULL, &l) == 0 &&
	     !fsd_remove(&f, m.dir, "e05", false) &&
	     !fsd_create(&f, m.dir, "e05", DAXFS_S_IFLNK | 0777, "target", &l);
	tu_result(ok, "log: delete a base name and make it again", "failed");
	ok = !fsd_setxattr(&f, m.file, "user.new", "nv", 2) &&
	     !fsd_rmxattr(&f, m.file, "user.base") &&
	     fsd_getxattr(&f, m.file, "user.base", buf, 10) == -ENODATA &&
	     fsd_getxattr(&f, m.file, "user.new", buf, 10) == 2;
	tu_result(ok, "log: set and delete xattrs on a base file", "failed");
	{
		static u8 big[DAXFS_XATTR_VALUE_MAX];
		char name[DAXFS_XATTR_NAME_MAX + 1];

		memset(name, 'n', sizeof(name) - 1);
		memcpy(name, "user.", 5);
		name[DAXFS_XATTR_NAME_MAX] = 0;
		for (u32 i = 0; i < sizeof(big); i++)
			big[i] = (u8)i;
		ret = fsd_setxattr(&f, a, name, big, sizeof(big));
		memset(buf, 0, sizeof(buf));
		tu_result(!ret && fsd_getxattr(&f, a, name, NULL, 0) ==
			  (int)sizeof(big),
			  "log: the largest xattr (255-byte name, 64 KiB value) fits",
			  "ret %d", ret);
	}
	remount(&f, "log: every operation reads back the same after a replay");
	ok = !fsd_remove(&f, d2, "moved", false);
	tu_result(ok, "log: unlink the last link of a file", "failed");
	fsd_truncate(&f, m.file, 0);
	remount(&f, "log: ... and after more changes");
	{
		/* what the delta holds now: the log, and big's 2 data pages */
		u64 used = free0 - daxfs_alloc_free(&f.alloc);
		u64 log = daxfs_log_bytes(&f.w) / DAXFS_CHUNK_PAYLOAD + 2;

		tu_result(used <= log + 2,
			  "log: deleting and truncating gives pages back",
			  "%llu pages in use, the log takes %llu",
			  (unsigned long long)used, (unsigned long long)log);
	}
	fsd_close(&f);
	free(m.map);
}

/* ---- compaction ---- */

static void test_compaction(void)
{
	u8 page[4096];
	struct img m;
	struct fsd f;
	u64 a, free0, rewrites = 60000, i;
	int ret = 0;

	make_img(&m, 16 << 20);
	if (fsd_open(&f, m.map, m.size, true, 0))
		return;
	fsd_create(&f, 1, "hot", DAXFS_S_IFREG | 0644, NULL, &a);
	free0 = daxfs_alloc_free(&f.alloc);
	for (i = 0; i < rewrites && !ret; i++) {
		memset(page, (int)i, sizeof(page));
		ret = fsd_write(&f, a, 0, page, sizeof(page));
	}
	tu_result(!ret, "log: rewrite one page 60000 times", "ret %d at %llu",
		  ret, (unsigned long long)i);
	tu_result(daxfs_log_bytes(&f.w) < (10 << 20),
		  "log: compaction keeps the log small",
		  "log holds %llu bytes",
		  (unsigned long long)daxfs_log_bytes(&f.w));
	tu_result(free0 - daxfs_alloc_free(&f.alloc) < 3000,
		  "log: compaction gives the old log's pages back",
		  "%llu pages in use",
		  (unsigned long long)(free0 - daxfs_alloc_free(&f.alloc)));
	remount(&f, "log: the compacted log replays to the same tree");
	/* at most DAXFS_COMPACT_MIN of records (4 MiB, ~176 bytes each) */
	tu_result(f.info.records < 30000, "log: replay after compaction is short",
		  "%llu records", (unsigned long long)f.info.records);
	fsd_close(&f);
	free(m.map);
}

/* ---- full region ---- */

static void test_enospc(void)
{
	static u8 chunk[64 * 1024];
	struct img m;
	struct fsd f;
	u64 a, b, free1;
	int ret = 0, i;
	char name[32];

	make_img(&m, 1 << 20);
	if (fsd_open(&f, m.map, m.size, true, 0))
		return;
	memset(chunk, 'k', sizeof(chunk));
	fsd_create(&f, 1, "keep", DAXFS_S_IFREG | 0644, NULL, &a);
	fsd_write(&f, a, 0, chunk, 8192);
	fsd_create(&f, 1, "fill", DAXFS_S_IFREG | 0644, NULL, &b);
	for (i = 0; i < 1000 && !ret; i++)
		ret = fsd_write(&f, b, (u64)i * sizeof(chunk), chunk,
				sizeof(chunk));
	tu_result(ret == -ENOSPC, "log: a full region says ENOSPC", "ret %d",
		  ret);
	for (i = 0, ret = 0; i < 100000 && !ret; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		ret = fsd_create(&f, 1, name, DAXFS_S_IFREG, NULL, NULL);
	}
	tu_result(ret == -ENOSPC, "log: even metadata runs out, cleanly",
		  "ret %d", ret);
	remount(&f, "log: nothing written before ENOSPC is lost");
	free1 = daxfs_alloc_free(&f.alloc);
	ret = fsd_remove(&f, 1, "fill", false);
	tu_result(!ret && daxfs_alloc_free(&f.alloc) > free1 + 100,
		  "log: deleting on a full region works and frees space at once",
		  "ret %d free %llu -> %llu", ret, (unsigned long long)free1,
		  (unsigned long long)daxfs_alloc_free(&f.alloc));
	ret = fsd_write(&f, a, 8192, chunk, 4096);
	tu_result(!ret, "log: writing works again", "ret %d", ret);
	remount(&f, "log: the tree after ENOSPC and delete replays");
	fsd_close(&f);
	free(m.map);
}

/* ---- random operations against replays ---- */

#define NNAMES 24

static const char *pick_name(char *buf)
{
	sprintf(buf, "n%llu", (unsigned long long)rndn(NNAMES));
	return buf;
}

/* A random directory: the root, base ones, or ones made in the run. */
static u64 pick_dir(struct fsd *f, const u64 *dirs, u32 ndirs)
{
	struct daxfs_vinode vi;

	for (int tries = 0; tries < 8; tries++) {
		u64 d = dirs[rndn(ndirs)];

		if (!fsd_inode(f, d, &vi) &&
		    (vi.attr.mode & DAXFS_S_IFMT) == DAXFS_S_IFDIR)
			return d;
	}
	return DAXFS_ROOT_INO;
}

static int random_op(struct fsd *f, u64 *dirs, u32 *ndirs)
{
	static u8 data[3 * 4096 + 7];
	char n1[16], n2[16];
	u64 dir = pick_dir(f, dirs, *ndirs), ino, d2;
	u32 op = (u32)rndn(100);
	int ret;

	for (u32 i = 0; i < sizeof(data); i++)
		data[i] = (u8)rnd();
	pick_name(n1);
	if (op < 18)
		return fsd_create(f, dir, n1, DAXFS_S_IFREG | 0644, NULL, NULL);
	if (op < 24) {
		ret = fsd_create(f, dir, n1, DAXFS_S_IFDIR | 0755, NULL, &ino);
		if (!ret && *ndirs < 256)
			dirs[(*ndirs)++] = ino;
		return ret;
	}
	if (op < 27)
		return fsd_create(f, dir, n1, DAXFS_S_IFLNK | 0777, "some/target",
				  NULL);
	if (op < 35)
		return fsd_remove(f, dir, n1, false);
	if (op < 38)
		return fsd_remove(f, dir, n1, true);
	if (op < 48) {
		d2 = pick_dir(f, dirs, *ndirs);
		return fsd_rename(f, dir, n1, d2, pick_name(n2),
				  (int)rndn(3));
	}
	if (op < 52) {
		if (fsd_lookup(f, dir, n1, &ino))
			return -ENOENT;
		return fsd_link(f, ino, pick_dir(f, dirs, *ndirs),
				pick_name(n2));
	}
	if (fsd_lookup(f, dir, n1, &ino))
		return -ENOENT;
	if (op < 75)
		return fsd_write(f, ino, rndn(5 * 4096), data,
				 1 + rndn(sizeof(data) - 1));
	if (op < 82)
		return fsd_truncate(f, ino, rndn(6 * 4096));
	if (op < 87)
		return fsd_punch(f, ino, rndn(5 * 4096), rndn(3 * 4096));
	if (op < 94)
		return fsd_setxattr(f, ino, rndn(2) ? "user.a" : "user.b",
				    data, (u32)rndn(300));
	return fsd_rmxattr(f, ino, rndn(2) ? "user.a" : "user.b");
}

static int count_pages(void *ctx, u64 ino, u64 pgoff, u64 pgno, u64 npages)
{
	(void)ino;
	(void)pgoff;
	(void)pgno;
	*(u64 *)ctx += npages;
	return 0;
}

/*
 * The slot's data_pages hint against the pages its layer holds (counted
 * by walking it): 0 when they agree, else the hint.
 */
static u64 data_pages_off(struct fsd *f)
{
	const struct daxfs_layer *top = f->view.layer[f->view.depth - 1];
	struct daxfs_branch b;
	u64 held = 0;

	daxfs_layer_pages(top, count_pages, &held);
	if (daxfs_branch_read(&f->img, f->w.slot, &b))
		return ~0ULL;
	if (le32_to_cpu(b.data_pages) == held && top->owned_pages == held)
		return 0;
	return le32_to_cpu(b.data_pages) + 1;
}

static void test_random(u64 seed, u32 ops, u64 compact_min)
{
	u64 hint_off = 0;
	u64 dirs[256];
	u32 ndirs = 0;
	struct img m;
	struct fsd f;
	char what[128];
	int bad = 0;

	rng_state = seed;
	make_img(&m, 32 << 20);
	if (fsd_open(&f, m.map, m.size, true, 0))
		return;
	f.w.compact_min = compact_min;
	f.w.compact_at = compact_min;
	dirs[ndirs++] = DAXFS_ROOT_INO;
	dirs[ndirs++] = m.dir;
	dirs[ndirs++] = m.sub;
	for (u32 i = 1; i <= ops && !bad; i++) {
		int ret = random_op(&f, dirs, &ndirs);

		if (ret && ret != -ENOENT && ret != -EEXIST &&
		    ret != -ENOTEMPTY && ret != -EISDIR && ret != -ENOTDIR &&
		    ret != -EINVAL && ret != -EPERM && ret != -ENODATA) {
			tu_result(0, "log: random operations",
				  "seed %llu op %u: error %d: %s",
				  (unsigned long long)seed, i, ret,
				  tu_first(&f.rep));
			bad = 1;
		}
		if (!bad && !(i % (ops / 8))) {
			snprintf(what, sizeof(what),
				 "log: random ops (seed %llu, compaction every %llu KiB): replay after op %u",
				 (unsigned long long)seed,
				 (unsigned long long)compact_min >> 10, i);
			if (!hint_off)
				hint_off = data_pages_off(&f);
			bad = remount(&f, what) != 0;
			f.w.compact_min = compact_min;
			f.w.compact_at = f.w.tail + compact_min;
		}
	}
	if (!bad)
		tu_result(!hint_off, "log: random ops: the slot's data_pages hint is the pages its layer holds",
			  "the hint says %llu pages, the layer holds %llu",
			  (unsigned long long)hint_off - 1,
			  (unsigned long long)f.view.layer[f.view.depth - 1]->owned_pages);
	if (!bad && compact_min < (1 << 20))
		tu_result(f.w.head_lsn > 0, "log: random ops: the log was compacted",
			  "head never moved");
	if (!bad) {
		struct daxfs_image copy = f.img;

		copy.wbase = NULL;
		bad = daxfs_validate(&copy, 0, tu_collect, &f.rep) != 0;
		tu_result(!bad, "log: the base still validates after the run",
			  "%s", tu_first(&f.rep));
	}
	fsd_close(&f);
	free(m.map);
}

/* ---- folding a chain of layers into one (libdaxfs/fold.c) ---- */

/* A set of delta pages, and how many were added twice. */
struct pageset {
	u8 *bits;
	u64 n;
	u64 twice;
};

static void ps_add(struct pageset *s, u64 pgno, u64 n)
{
	for (u64 p = pgno; p < pgno + n; p++) {
		if (p >= s->n || (s->bits[p >> 3] & (1U << (p & 7)))) {
			s->twice++;
			continue;
		}
		s->bits[p >> 3] |= (u8)(1U << (p & 7));
	}
}

static void ps_freed(void *ctx, u64 pgno, u64 n)
{
	ps_add(ctx, pgno, n);
}

static int ps_held(void *ctx, u64 ino, u64 pgoff, u64 pgno, u64 n)
{
	(void)ino;
	(void)pgoff;
	ps_add(ctx, pgno, n);
	return 0;
}

static void ps_init(struct pageset *s, u64 n)
{
	s->n = n;
	s->bits = calloc(n / 8 + 1, 1);
	s->twice = 0;
}

/* A child of top slot @parent, its log started from @f's allocator. */
static int fold_child(struct fsd *f, u32 parent, u32 k)
{
	static struct daxfs_bslot scratch[256];
	char name[16];
	struct daxfs_bnew nb = {
		.name = name, .parent = parent, .owner = 0x77,
		.log_id = daxfs_random64() | 1, .now = 1,
	};
	u32 slot;
	int ret;

	snprintf(name, sizeof(name), "level%u", k);
	nb.len = (u32)strlen(name);
	ret = daxfs_log_start(&f->alloc, &f->cursor, nb.log_id, &nb.chunk);
	if (!ret)
		ret = daxfs_branch_create(&f->img, scratch, &nb, &slot);
	return ret ? ret : (int)slot;
}

/* @ops random operations on the top of chain @chain[0..@n). */
static int fold_ops(struct img *m, const u32 *chain, u32 n, u32 ops,
		    u64 *dirs, u32 *ndirs, u64 seed)
{
	struct fsd f;
	int ret = fsd_open_chain(&f, m->map, m->size, true, 0, chain, n);

	if (ret)
		return ret;
	/* some levels compact often: their logs start with a checkpoint */
	f.w.compact_min = f.w.compact_at = (n & 1) ? 8 << 10 : 4 << 20;
	for (u32 i = 0; i < ops && !ret; i++) {
		ret = random_op(&f, dirs, ndirs);
		if (ret == -ENOENT || ret == -EEXIST || ret == -ENOTEMPTY ||
		    ret == -EISDIR || ret == -ENOTDIR || ret == -EINVAL ||
		    ret == -EPERM || ret == -ENODATA)
			ret = 0;
		if (ret)
			tu_result(0, "log: fold: random operations",
				  "seed %llu level %u op %u: error %d: %s",
				  (unsigned long long)seed, n - 1, i, ret,
				  tu_first(&f.rep));
	}
	fsd_close(&f);
	return ret;
}

/*
 * Fold every layer of @f's view into the bottom one; the dump of the
 * one layer must equal @want, and its pages plus the ones the fold gave
 * back must be exactly the pages the layers held, each once.
 */
static void fold_check(struct fsd *f, const char *want, const char *what)
{
	u64 pages = f->img.delta.page_count;
	struct pageset all, kept, shadowed;
	char *got;
	int ret = 0, same;
	u32 depth = f->view.depth;

	ps_init(&all, pages);
	ps_init(&kept, pages);
	ps_init(&shadowed, pages);
	for (u32 k = 0; k < depth; k++)
		daxfs_layer_pages(f->view.layer[k], ps_held, &all);
	for (u32 k = 1; k < depth && !ret; k++)
		ret = daxfs_layer_fold(&f->view, 0, f->view.layer[k], ps_freed,
				       &shadowed);
	for (u32 k = 1; k < depth; k++)
		daxfs_layer_clear(f->view.layer[k]);
	f->view.depth = 1;
	if (ret) {
		tu_result(0, what, "fold failed: %d", ret);
		goto out;
	}
	got = dump_all(f);
	same = got && !strcmp(got, want);
	if (!same) {
		FILE *o = fopen("/tmp/daxfs-fold-stacked.txt", "w");
		FILE *n = fopen("/tmp/daxfs-fold-folded.txt", "w");

		if (o) {
			fputs(want, o);
			fclose(o);
		}
		if (n) {
			fputs(got ? got : "(bad)\n", n);
			fclose(n);
		}
	}
	tu_result(same, what, "the folded layer shows another tree "
		  "(/tmp/daxfs-fold-stacked.txt vs -folded.txt)");
	free(got);
	daxfs_layer_pages(f->view.layer[0], ps_held, &kept);
	for (u64 i = 0; i <= pages / 8; i++) {
		if ((kept.bits[i] & shadowed.bits[i]) ||
		    ((kept.bits[i] | shadowed.bits[i]) != all.bits[i])) {
			ret = -1;
			break;
		}
	}
	tu_result(!ret && !all.twice && !kept.twice && !shadowed.twice, what,
		  "pages: held by the layers but neither kept nor given back, "
		  "or both (byte %d), or counted twice (%llu %llu %llu)", ret,
		  (unsigned long long)all.twice,
		  (unsigned long long)kept.twice,
		  (unsigned long long)shadowed.twice);
out:
	free(all.bits);
	free(kept.bits);
	free(shadowed.bits);
}

/* The folded layer restated into an empty one: the same tree again. */
static void fold_restate(struct fsd *f, const char *want, const char *what)
{
	struct daxfs_layer fresh, *folded = f->view.layer[0];
	char *got;
	int ret;

	daxfs_layer_init(&fresh);
	f->view.layer[0] = &fresh;
	ret = daxfs_layer_fold(&f->view, 0, folded, NULL, NULL);
	got = ret ? NULL : dump_all(f);
	tu_result(got && !strcmp(got, want), what,
		  "restated into an empty layer: %s",
		  ret ? "failed" : "another tree");
	free(got);
	f->view.layer[0] = folded;
	daxfs_layer_clear(&fresh);
}

static void test_fold(u64 seed, u32 levels, u32 ops)
{
	u32 chain[FD_LAYERS], n = 1;
	u64 dirs[256];
	u32 ndirs = 0;
	char what[128], *want;
	struct img m;
	struct fsd f;

	rng_state = seed;
	make_img(&m, 32 << 20);
	chain[0] = 0;
	dirs[ndirs++] = DAXFS_ROOT_INO;
	dirs[ndirs++] = m.dir;
	dirs[ndirs++] = m.sub;
	for (u32 k = 0; k < levels; k++) {
		int slot;

		if (fold_ops(&m, chain, n, ops, dirs, &ndirs, seed))
			goto out;
		if (k + 1 == levels)
			break;
		if (fsd_open_chain(&f, m.map, m.size, true, 0, chain, n))
			goto out;
		slot = fold_child(&f, chain[n - 1], k + 1);
		fsd_close(&f);
		if (slot < 0) {
			tu_result(0, "log: fold: create a level", "%d", slot);
			goto out;
		}
		chain[n++] = (u32)slot;
	}
	if (fsd_open_chain(&f, m.map, m.size, false, 0, chain, n))
		goto out;
	want = dump_all(&f);
	snprintf(what, sizeof(what),
		 "log: fold: %u layers of %u random ops (seed %llu) folded into one",
		 n, ops, (unsigned long long)seed);
	if (!want) {
		tu_result(0, what, "the stacked view does not dump");
	} else {
		fold_check(&f, want, what);
		fold_restate(&f, want, what);
	}
	free(want);
	fsd_close(&f);
out:
	free(m.map);
}

/* ---- crashes: the image cut after every store the writer makes ---- */

/* Bitmap bits of every page the replayed state uses are set. */
struct marked {
	struct fsd *f;
	u64 missing;
};

static int check_marked(void *ctx, u64 pgno, u64 n)
{
	struct marked *m = ctx;

	for (u64 i = 0; i < n; i++)
		if (!daxfs_alloc_test(&m->f->alloc, pgno + i))
			m->missing++;
	return 0;
}

static int mark_data(void *ctx, u64 ino, u64 pgoff, u64 pgno, u64 n)
{
	(void)ino;
	(void)pgoff;
	return check_marked(ctx, pgno, n);
}

static int mark_chunk(void *ctx, u64 pgno, u64 lsn)
{
	(void)lsn;
	return check_marked(ctx, pgno, 1);
}

/*
 * Replay @img read-only: it must succeed, its tree must be @a or @b,
 * and every page it uses must be marked in the bitmap.  Returns 0 or a
 * message.
 */
static const char *crash_state(u8 *img, u64 size, const char *a,
			       const char *b)
{
	static char why[320];
	struct daxfs_log_span span;
	struct marked mk;
	struct fsd f;
	char *now;
	int ret;

	ret = fsd_open(&f, img, size, false, 0);
	if (ret) {
		snprintf(why, sizeof(why), "replay failed %d: %s", ret,
			 tu_first(&f.rep));
		return why;
	}
	now = dump_all(&f);
	mk.f = &f;
	mk.missing = 0;
	daxfs_layer_pages(&f.layer, mark_data, &mk);
	if (!daxfs_log_span(&f.img, 0, &span))
		daxfs_log_chunks(&f.img, &span, mark_chunk, &mk);
	fsd_close(&f);
	if (!now)
		return "the replayed tree is inconsistent";
	ret = strcmp(now, a) && (!b || strcmp(now, b));
	free(now);
	if (ret)
		return "the tree is neither the one before nor the one after the operation";
	if (mk.missing) {
		snprintf(why, sizeof(why), "%llu pages in use are not marked in the bitmap",
			 (unsigned long long)mk.missing);
		return why;
	}
	return NULL;
}

/*
 * A writable mount of the crashed image @img (a copy): the writer's own
 * recovery (chunks linked past the tail, a head left behind a
 * checkpoint) keeps the tree, and the log takes new transactions.
 */
static const char *crash_resume(const u8 *img, u64 size)
{
	u8 *copy = malloc(size);
	const char *why = NULL;
	char *before, *after;
	struct fsd f;

	memcpy(copy, img, size);
	if (fsd_open(&f, copy, size, true, 0)) {
		free(copy);
		return "a writable mount of the crashed image failed";
	}
	before = dump_all(&f);
	if (fsd_create(&f, 1, "after-crash", DAXFS_S_IFREG | 0600, NULL, NULL) ||
	    remount(&f, NULL))
		why = "the log did not take a transaction after the crash";
	fsd_remove(&f, 1, "after-crash", false);
	after = dump_all(&f);
	if (!why && (!before || !after || strcmp(before, after)))
		why = "create and remove after the crash changed the tree";
	free(before);
	free(after);
	fsd_close(&f);
	free(copy);
	return why;
}

static void test_crash(u64 seed, u32 ops)
{
	u64 dirs[256], *op_end, cuts = 0, torn = 0;
	char **dumps, what[160] = "";
	const char *bad = NULL;
	u32 ndirs = 0, k;
	struct img m;
	struct fsd f;
	u8 *img0, *cut;

	rng_state = seed;
	make_img(&m, 2 << 20);
	img0 = malloc(m.size);
	memcpy(img0, m.map, m.size);
	if (fsd_open(&f, m.map, m.size, true, 0))
		return;
	f.w.compact_min = 16 << 10;
	f.w.compact_at = f.w.tail + f.w.compact_min;
	dirs[ndirs++] = DAXFS_ROOT_INO;
	dirs[ndirs++] = m.dir;
	dirs[ndirs++] = m.sub;
	dumps = calloc(ops + 1, sizeof(*dumps));
	op_end = calloc(ops + 1, sizeof(*op_end));
	dumps[0] = dump_all(&f);
	journal.base = m.map;
	journal.size = m.size;
	journal.n = 0;
	daxfs_store_hook = record_store;
	for (k = 1; k <= ops; k++) {
		random_op(&f, dirs, &ndirs);
		op_end[k] = journal.n;
		dumps[k] = dump_all(&f);
	}
	daxfs_store_hook = NULL;
	fsd_close(&f);

	/* replay every prefix of the stores, and a torn copy of each next */
	cut = img0;
	k = 0;
	for (u64 i = 0; i <= journal.n && !bad; i++) {
		while (k < ops && op_end[k + 1] <= i)
			k++;
		bad = crash_state(cut, m.size, dumps[k],
				  k < ops ? dumps[k + 1] : NULL);
		if (!bad && !(i % 23))
			bad = crash_resume(cut, m.size);
		cuts++;
		if (bad || i == journal.n)
			break;
		if (journal.s[i].len > 8) {
			/* a torn store: some of its 8-byte words only */
			u32 part = 8 * (u32)(1 + rndn(journal.s[i].len / 8 - 1));

			memcpy(cut + journal.s[i].off, journal.s[i].bytes, part);
			bad = crash_state(cut, m.size, dumps[k],
					  k < ops ? dumps[k + 1] : NULL);
			torn++;
		}
		memcpy(cut + journal.s[i].off, journal.s[i].bytes,
		       journal.s[i].len);
		if (bad)
			snprintf(what, sizeof(what), "after %llu stores and part of the next (op %u)",
				 (unsigned long long)i, k + 1);
	}
	if (bad && !what[0])
		snprintf(what, sizeof(what), "after %llu stores (op %u)",
			 (unsigned long long)cuts - 1, k + 1);
	tu_result(!bad, "log: crash: every prefix of the writer's stores (and a torn next one) replays to the tree before or after an operation",
		  "seed %llu, %s: %s", (unsigned long long)seed, what, bad);
	printf("log: crash: %u operations, %llu stores, %llu cuts, %llu torn\n",
	       ops, (unsigned long long)journal.n, (unsigned long long)cuts,
	       (unsigned long long)torn);
	journal_reset();
	for (k = 0; k <= ops; k++)
		free(dumps[k]);
	free(dumps);
	free(op_end);
	free(img0);
	free(m.map);
}

int main(void)
{
	const char *s = getenv("LOG_SEED"), *o = getenv("LOG_OPS");
	u64 seed = s ? strtoull(s, NULL, 0) : (u64)time(NULL);
	u32 ops = o ? (u32)strtoul(o, NULL, 0) : 4000;

	rng_state = seed | 1;
	printf("log: seed %llu (LOG_SEED=%llu repeats it)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	test_tree();
	test_alloc();
	test_alloc_64g();
	test_ops();
	test_compaction();
	test_enospc();
	for (int i = 0; i < 4; i++)
		test_random(seed + (u64)i * 7919, ops,
			    i & 1 ? 4 << 20 : 8 << 10);
	for (int i = 0; i < 6; i++)
		test_fold(seed + (u64)i * 104729, 2 + (u32)i % 5, ops / 10);
	test_crash(seed, 600);
	return tu_failed ? 1 : 0;
}

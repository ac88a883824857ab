// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_btable: branches in a real region (libdaxfs/btable.c), with the
 * views of tests/host/fsdrv.h stacked on their chains: create from main
 * and from a branch, writes isolated between siblings, a child seeing its
 * parent as at creation, commit into main (rivals discarded at every
 * level, the loser's commit refused), commit into the parent, abort,
 * names (invalid, "main", taken), 255 live branches and the 256th
 * refused, threads committing rival branches at once: exactly one wins,
 * every round; and crashes: the region cut after every store a create,
 * commit or abort makes shows the branches wholly as before the
 * operation or wholly as after it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imgbuild.h"
#include "fsdrv.h"
#include "journal.h"

static u8 *g_map;
static u64 g_size;
static struct daxfs_image g_img;
static struct daxfs_alloc g_alloc;
static struct daxfs_bslot g_slots[256];
static u64 g_cursor;
static u32 g_file;		/* the base file "file" */

static void make(u32 slots)
{
	struct ib b;
	struct tu_report rep = { 0 };

	ib_init(&b);
	ib_dir(&b, 1, "dir");
	g_file = ib_file(&b, 1, "file", "base\n", 5);
	ib_branching(&b, slots, 4 << 20);
	ib_build(&b);
	free(g_map);
	g_map = b.img;
	g_size = b.size;
	b.img = NULL;
	ib_free(&b);
	if (daxfs_image_open(&g_img, g_map, g_size, tu_collect, &rep) ||
	    daxfs_delta_open(&g_img, tu_collect, &rep)) {
		fprintf(stderr, "test_btable: image: %s\n", tu_first(&rep));
		exit(2);
	}
	g_img.wbase = g_map;
	daxfs_alloc_init(&g_alloc, &g_img);
	g_cursor = 0;
}

static struct daxfs_btab table(void)
{
	struct daxfs_btab t;

	daxfs_btab_load(&g_img, g_slots, &t);
	return t;
}

/* Create @name under the top slot @parent: its slot, or -errno. */
static int create(const char *name, u32 parent)
{
	struct daxfs_bnew nb = {
		.name = name, .len = (u32)strlen(name), .parent = parent,
		.owner = 0x1234, .log_id = daxfs_random64() | 1, .now = 1,
	};
	u32 slot;
	int ret = daxfs_log_start(&g_alloc, &g_cursor, nb.log_id, &nb.chunk);

	if (ret)
		return ret;
	ret = daxfs_branch_create(&g_img, g_slots, &nb, &slot);
	if (ret && slot == DAXFS_BRANCH_NONE) {
		daxfs_alloc_put(&g_alloc, nb.chunk, 1);
		return ret;
	}
	return ret ? ret : (int)slot;
}

/* The top slot @name leads to, or -errno. */
static int top_of(const char *name)
{
	struct daxfs_btab t = table();
	u32 top;
	int ret = daxfs_btab_lookup(&t, name, strlen(name), &top);

	return ret ? ret : (int)top;
}

/* Open the view of top slot @top (rw or not). */
static int open_top(struct fsd *f, u32 top, bool rw)
{
	struct daxfs_btab t = table();
	u32 chain[DAXFS_BTAB_MAX_DEPTH];
	int n = daxfs_btab_chain(&t, top, chain, DAXFS_BTAB_MAX_DEPTH);

	if (n < 0)
		return n;
	return fsd_open_chain(f, g_map, g_size, rw, 0, chain, (u32)n);
}

static int open_name(struct fsd *f, const char *name, bool rw)
{
	int top = top_of(name);

	return top < 0 ? top : open_top(f, (u32)top, rw);
}

/* "file" as branch @name shows it ("-" when it has no such file). */
static const char *file_in(const char *name, const char *path)
{
	static char buf[64];
	struct fsd f;
	u64 ino;
	int n;

	if (open_name(&f, name, false))
		return "(no view)";
	if (fsd_lookup(&f, 1, path, &ino)) {
		fsd_close(&f);
		return "-";
	}
	n = fsd_read(&f, ino, 0, buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = 0;
	fsd_close(&f);
	return buf;
}

/* Write @text as "file" (whole) and create @extra in branch @name. */
static int change(const char *name, const char *text, const char *extra)
{
	struct fsd f;
	u64 ino;
	int ret = open_name(&f, name, true);

	if (ret)
		return ret;
	ret = fsd_lookup(&f, 1, "file", &ino);
	if (!ret)
		ret = fsd_truncate(&f, ino, 0);
	if (!ret)
		ret = fsd_write(&f, ino, 0, text, strlen(text));
	if (!ret && extra)
		ret = fsd_create(&f, 1, extra, DAXFS_S_IFREG | 0644, NULL,
				 NULL);
	fsd_close(&f);
	return ret;
}

static void expect_file(const char *name, const char *path,
			const char *want, const char *what)
{
	const char *got = file_in(name, path);

	tu_result(!strcmp(got, want), what, "%s: %s is \"%s\", want \"%s\"",
		  name, path, got, want);
}

static int liveness(int slot)
{
	struct daxfs_btab t = table();

	return daxfs_btab_liveness(&t, (u32)slot);
}

static void test_story(void)
{
	int a, b, a1, c, e0, x, y, p;
	struct daxfs_btab t;

	make(256);
	tu_result(!change("main", "main 1\n", NULL),
		  "btable: main written before any branch", "failed");
	a = create("a", 0);
	b = create("b", 0);
	tu_result(a > 0 && b > 0 && a != b,
		  "btable: create a and b from main", "%d %d", a, b);
	t = table();
	tu_result(daxfs_btab_frozen(&t, 0) == 1 &&
		  daxfs_btab_frozen(&t, (u32)a) == 0,
		  "btable: main is frozen by its children, a is not",
		  "wrong");
	tu_result(g_slots[a].fork_lsn == g_slots[0].log_tail &&
		  g_slots[a].fork_lsn > 0,
		  "btable: a forked where main's log ends", "fork %llu tail %llu",
		  (unsigned long long)g_slots[a].fork_lsn,
		  (unsigned long long)g_slots[0].log_tail);
	tu_result(!change("a", "in a\n", "only-a") &&
		  !change("b", "in b\n", "only-b"),
		  "btable: write in a and b", "failed");
	expect_file("a", "file", "in a\n", "btable: a sees its own write");
	expect_file("b", "file", "in b\n", "btable: b sees its own write");
	expect_file("main", "file", "main 1\n",
		    "btable: main does not see its children's writes");
	expect_file("a", "only-b", "-", "btable: a does not see b's file");
	expect_file("b", "only-a", "-", "btable: b does not see a's file");

	a1 = create("a1", (u32)a);
	tu_result(a1 > 0, "btable: create a1 from a", "%d", a1);
	expect_file("a1", "file", "in a\n",
		    "btable: a1 sees a as it was at creation");
	tu_result(!change("a1", "in a1\n", "only-a1"),
		  "btable: write in a1", "failed");
	expect_file("a", "file", "in a\n", "btable: a does not see a1's write");
	expect_file("a1", "only-a", "", "btable: a1 sees a's file");

	/* commit a1 into main: a, b and every other name but main go */
	e0 = (int)daxfs_epoch(&g_img);
	t = table();
	tu_result(!daxfs_branch_commit(&g_img, g_slots, (u32)a1,
				       g_slots[a1].generation, 0),
		  "btable: commit a1 into main", "refused");
	tu_result(top_of("main") == a1 && top_of("a") == -ENOENT &&
		  top_of("b") == -ENOENT && top_of("a1") == -ENOENT,
		  "btable: main leads to a1's top; a, b, a1 are no names now",
		  "main %d a %d b %d a1 %d", top_of("main"), top_of("a"),
		  top_of("b"), top_of("a1"));
	tu_result((int)daxfs_epoch(&g_img) > e0,
		  "btable: the commit moved the epoch", "no");
	expect_file("main", "file", "in a1\n", "btable: main shows a1's file");
	expect_file("main", "only-a", "", "btable: main shows a's file");
	expect_file("main", "only-a1", "", "btable: main shows a1's new file");
	expect_file("main", "only-b", "-", "btable: main has none of b's");
	tu_result(liveness(b) == DAXFS_BL_DISCARDED,
		  "btable: b lost: discarded", "%d", liveness(b));
	t = table();
	tu_result(daxfs_branch_commit(&g_img, g_slots, (u32)b,
				      g_slots[b].generation, 0) == -ESTALE,
		  "btable: the loser's commit is refused (ESTALE)", "accepted");
	tu_result(!change("main", "main 2\n", NULL),
		  "btable: main is writable again (its top is a1's log)",
		  "failed");
	expect_file("main", "file", "main 2\n", "btable: main's new write");
	t = table();
	tu_result(daxfs_btab_needed(&t, (u32)a) &&
		  !daxfs_btab_needed(&t, (u32)b),
		  "btable: a's log is needed by main, b's by nobody", "wrong");

	/* abort */
	c = create("c", (u32)a1);
	tu_result(c > 0, "btable: create c from main", "%d", c);
	tu_result(!change("c", "in c\n", NULL), "btable: write in c", "failed");
	t = table();
	tu_result(!daxfs_branch_abort(&g_img, (u32)c, g_slots[c].generation),
		  "btable: abort c", "refused");
	tu_result(top_of("c") == -ENOENT && liveness(c) == DAXFS_BL_DISCARDED,
		  "btable: c is gone", "%d", top_of("c"));
	t = table();
	tu_result(g_slots[c].dead_epoch == daxfs_epoch(&g_img) &&
		  daxfs_btab_frozen(&t, (u32)a1) == 1 &&
		  daxfs_btab_reclaimable(&t, (u32)c),
		  "btable: c's discard epoch is noted; main stays frozen until c is reclaimed",
		  "dead_epoch %llu", (unsigned long long)g_slots[c].dead_epoch);
	tu_result(!daxfs_branch_reclaim_claim(&g_img, (u32)c,
					      g_slots[c].generation, 77) &&
		  daxfs_branch_reclaim_claim(&g_img, (u32)c,
					     g_slots[c].generation, 78) ==
		  -EBUSY,
		  "btable: one reclaimer claims c", "wrong");
	/* a peer takes 77's claim over (77 found dead): 77 frees nothing */
	daxfs_word_cas(&g_img, daxfs_branch_word(&g_img, (u32)c,
			offsetof(struct daxfs_branch, owner)), 77, 79);
	tu_result(daxfs_branch_free(&g_img, (u32)c, 77) == -ESTALE &&
		  table().slot[c].state == DAXFS_BRANCH_DISCARDED,
		  "btable: a reclaimer whose claim was taken over does not free the slot",
		  "it did");
	tu_result(!daxfs_branch_free(&g_img, (u32)c, 79) &&
		  daxfs_branch_free(&g_img, (u32)c, 77) == -ESTALE,
		  "btable: the claim's holder frees it, once", "wrong");
	t = table();
	tu_result(g_slots[c].state == DAXFS_BRANCH_FREE && !g_slots[c].owner &&
		  daxfs_btab_frozen(&t, (u32)a1) == 0,
		  "btable: c reclaimed: its slot is free, main is not frozen",
		  "state %u", g_slots[c].state);
	expect_file("main", "file", "main 2\n", "btable: main as before c");
	tu_result(daxfs_branch_abort(&g_img, (u32)c, 1) ==
		  -ESTALE, "btable: a second abort is ESTALE", "accepted");

	/* names */
	tu_result(create("main", (u32)a1) == -EINVAL &&
		  create("a/b", (u32)a1) == -EINVAL &&
		  create("", (u32)a1) == -EINVAL,
		  "btable: \"main\", \"a/b\" and \"\" are refused", "accepted");
	x = create("x", (u32)a1);
	tu_result(create("x", (u32)a1) == -EEXIST,
		  "btable: a taken name is EEXIST", "accepted");
	tu_result(create("c", (u32)a1) > 0,
		  "btable: an aborted branch's name is free again", "refused");
	tu_result(create("y", (u32)b) == -ESTALE,
		  "btable: a discarded parent is ESTALE", "accepted");

	/* commit --parent: x's children p1, p2; p1 into x */
	p = create("p1", (u32)x);
	y = create("p2", (u32)x);
	tu_result(!change("p1", "in p1\n", NULL) &&
		  !change("p2", "in p2\n", NULL), "btable: write p1, p2",
		  "failed");
	t = table();
	tu_result(!daxfs_branch_commit(&g_img, g_slots, (u32)p,
				       g_slots[p].generation, (u32)x),
		  "btable: commit p1 into its parent x", "refused");
	expect_file("x", "file", "in p1\n", "btable: x now shows p1's file");
	t = table();
	tu_result(top_of("x") == p && liveness(y) == DAXFS_BL_DISCARDED &&
		  daxfs_btab_frozen(&t, (u32)p) == 0 && top_of("main") == a1,
		  "btable: x leads to p1, p2 is discarded, x is writable, main unchanged",
		  "x %d p2 %d", top_of("x"), liveness(y));
	expect_file("main", "file", "main 2\n",
		    "btable: main does not see x's commit");
}

static void test_many(void)
{
	int n = 0, ret;
	char name[32];

	make(256);
	for (;;) {
		snprintf(name, sizeof(name), "b%d", n);
		ret = create(name, 0);
		if (ret < 0)
			break;
		n++;
	}
	tu_result(n == 255 && ret == -ENOSPC,
		  "btable: 255 live branches; the 256th: ENOSPC", "%d, %d", n,
		  ret);
	tu_result(top_of("b0") > 0 && top_of("b254") > 0,
		  "btable: the first and the last are found", "not found");

	/* 63 levels under main fit; a child of the 64th is refused */
	make(256);
	{
		int parent = 0, depth = 1, r = 0;

		while (depth < DAXFS_BTAB_MAX_DEPTH) {
			snprintf(name, sizeof(name), "d%d", depth);
			r = create(name, (u32)parent);
			if (r < 0)
				break;
			parent = r;
			depth++;
		}
		r = r < 0 ? r : create("toodeep", (u32)parent);
		tu_result(depth == DAXFS_BTAB_MAX_DEPTH && r == -EMLINK,
			  "btable: a chain of 64 slots fits, a 65th level is EMLINK",
			  "depth %d, then %d", depth, r);
	}
}

/*
 * A slot's CRC is checked before its branch is shown
 * (daxfs_branch_check()): a flipped name byte is damage, a slot at
 * another generation is not.
 */
static void test_slot_check(void)
{
	struct daxfs_btab t;
	int s, ok, bad, moved;
	u8 *name;

	make(16);
	s = create("checked", 0);
	if (s < 0) {
		tu_result(false, "btable: slot check", "create: %d", s);
		return;
	}
	t = table();
	ok = daxfs_branch_check(&g_img, (u32)s, t.slot[s].generation);
	moved = daxfs_branch_check(&g_img, (u32)s, t.slot[s].generation + 1);
	name = g_map + daxfs_branch_word(&g_img, (u32)s,
					 offsetof(struct daxfs_branch, name));
	name[0] ^= 0x20;
	bad = daxfs_branch_check(&g_img, (u32)s, t.slot[s].generation);
	name[0] ^= 0x20;
	tu_result(ok == 0 && moved == -ESTALE && bad == -EUCLEAN,
		  "btable: slot check: whole 0, another generation ESTALE, a flipped name byte EUCLEAN",
		  "%d, %d, %d", ok, moved, bad);
	/* a snapshot decodes FREE slots from their words alone */
	tu_result(t.slot[s].state == DAXFS_BRANCH_LIVE && t.slot[s].parent == 0 &&
		  !strcmp(t.slot[s].name, "checked") &&
		  t.slot[s + 1].state == DAXFS_BRANCH_FREE &&
		  t.slot[s + 1].name[0] == 0,
		  "btable: a snapshot: the live slot decoded, the free one empty",
		  "state %u parent %u name %s; next state %u",
		  t.slot[s].state, t.slot[s].parent, t.slot[s].name,
		  t.slot[s + 1].state);
}

/*
 * A FREE slot whose owner word a dead mount left set is never taken,
 * until daxfs_branch_drop_owner() clears the word.
 */
static void test_dead_owner(void)
{
	const u64 dead = 0xdead5;
	u64 off;
	int s, full, wrong, live, dropped, again;

	make(3);	/* main and two more */
	s = create("kept", 0);
	if (s < 0) {
		tu_result(false, "btable: dead owner", "create: %d", s);
		return;
	}
	off = daxfs_branch_word(&g_img, (u32)(3 - s),
				offsetof(struct daxfs_branch, owner));
	*(u64 *)(g_map + off) = dead;
	full = create("next", 0);
	wrong = daxfs_branch_drop_owner(&g_img, (u32)(3 - s), dead + 1);
	live = daxfs_branch_drop_owner(&g_img, (u32)s, dead);
	dropped = daxfs_branch_drop_owner(&g_img, (u32)(3 - s), dead);
	again = create("next", 0);
	tu_result(full == -ENOSPC && wrong == -EBUSY && live == -ESTALE &&
		  dropped == 0 && again == 3 - s,
		  "btable: a free slot a dead mount held: not taken, then cleared (not another's word, not a live slot's) and taken",
		  "create %d, wrong id %d, live slot %d, drop %d, create %d",
		  full, wrong, live, dropped, again);

	/*
	 * A creator found dead while it still ran made the slot CREATING
	 * after its owner word was cleared: a CREATING slot with no owner,
	 * freed by taking the word from 0.
	 */
	make(3);
	off = daxfs_branch_word(&g_img, 1, offsetof(struct daxfs_branch, state));
	*(u64 *)(g_map + off) = DAXFS_BRANCH_CREATING;	/* parent 0 */
	s = create("only", 0);
	dropped = daxfs_branch_drop_creating(&g_img, 1, 0, 0x99);
	again = create("next", 0);
	full = create("third", 0);
	tu_result(s == 2 && dropped == 0 && again == 1 && full == -ENOSPC,
		  "btable: a creating slot with no owner: freed by taking its owner word from 0, then taken",
		  "create %d, drop %d, create %d, create %d", s, dropped,
		  again, full);
}

/* Rival commits from threads: exactly one wins each round. */
struct rival {
	u32 slot;
	u64 gen;
	int ret;
	pthread_barrier_t *go;
};

static void *commit_thread(void *arg)
{
	struct rival *r = arg;
	struct daxfs_bslot *scratch = calloc(256, sizeof(*scratch));

	pthread_barrier_wait(r->go);
	r->ret = daxfs_branch_commit(&g_img, scratch, r->slot, r->gen, 0);
	free(scratch);
	return NULL;
}

static void test_race(void)
{
	int bad = 0, rounds = 200, wins[2] = { 0, 0 };
	pthread_barrier_t go;

	make(256);
	pthread_barrier_init(&go, NULL, 2);
	for (int r = 0; r < rounds && !bad; r++) {
		struct rival v[2];
		pthread_t th[2];
		char name[32];
		int main_top = top_of("main"), s[2];

		for (int i = 0; i < 2; i++) {
			snprintf(name, sizeof(name), "r%d-%d", r, i);
			s[i] = create(name, (u32)main_top);
			if (s[i] < 0) {
				bad = 1;
				break;
			}
			v[i] = (struct rival){ (u32)s[i],
					       g_slots[s[i]].generation, 0,
					       &go };
		}
		if (bad)
			break;
		table();
		v[0].gen = g_slots[s[0]].generation;
		v[1].gen = g_slots[s[1]].generation;
		for (int i = 0; i < 2; i++)
			pthread_create(&th[i], NULL, commit_thread, &v[i]);
		for (int i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		if (!v[0].ret == !v[1].ret || (v[0].ret && v[0].ret != -ESTALE) ||
		    (v[1].ret && v[1].ret != -ESTALE))
			bad = 2;
		else if (top_of("main") != s[v[0].ret ? 1 : 0])
			bad = 3;
		else
			wins[v[0].ret ? 1 : 0]++;
		/* the loser is discarded */
		if (!bad && liveness(s[v[0].ret ? 0 : 1]) != DAXFS_BL_DISCARDED)
			bad = 4;
		/* free the loser's slot by hand: reclaim is not built yet */
		if (!bad) {
			u32 lo = (u32)s[v[0].ret ? 0 : 1];

			daxfs_word_store(&g_img, daxfs_branch_word(&g_img, lo,
				offsetof(struct daxfs_branch, state)), 0);
		}
		if (r == 60)	/* keep main's chain short */
			break;
	}
	pthread_barrier_destroy(&go);
	tu_result(!bad, "btable: two threads commit rivals at once: exactly one wins, main leads to it",
		  "failure kind %d (wins %d/%d)", bad, wins[0], wins[1]);
}

/* ---- crashes in the middle of create, commit and abort ---- */

#define CR_STEPS 16
#define CR_EXTRA (CR_STEPS + 1)	/* files x1..x15 the writes may create */

/* Open the globals on region @map (a cut copy, or the real one). */
static int use_region(u8 *map)
{
	struct tu_report rep = { 0 };

	g_map = map;
	if (daxfs_image_open(&g_img, map, g_size, tu_collect, &rep) ||
	    daxfs_delta_open(&g_img, tu_collect, &rep))
		return -EUCLEAN;
	g_img.wbase = map;
	daxfs_alloc_init(&g_alloc, &g_img);
	return 0;
}

/* The slot that holds live name @name (not where it leads), or 0. */
static u32 name_slot(const char *name)
{
	struct daxfs_btab t = table();

	for (u32 i = 1; i < t.count; i++)
		if (g_slots[i].state == DAXFS_BRANCH_LIVE &&
		    !strcmp(g_slots[i].name, name) &&
		    daxfs_btab_liveness(&t, i) == DAXFS_BL_LIVE)
			return i;
	return 0;
}

/*
 * What every live name shows: "name<parent>:file,xK...;" in slot order,
 * each name's "file" and which of x1.. it has.  Malloc'd.
 */
static char *branch_state(void)
{
	struct daxfs_bslot slots[256];
	struct daxfs_btab t;
	size_t cap = 1 << 14, n = 0;
	char *out = malloc(cap);

	out[0] = 0;
	if (daxfs_btab_load(&g_img, slots, &t)) {
		snprintf(out, cap, "(no table)");
		return out;
	}
	for (u32 i = 0; i < t.count && n < cap - 512; i++) {
		const char *pn = "-";
		u32 p;

		if (slots[i].state != DAXFS_BRANCH_LIVE ||
		    (i && daxfs_btab_liveness(&t, i) != DAXFS_BL_LIVE))
			continue;
		if (i && !daxfs_btab_name_of(&t, slots[i].parent, &p))
			pn = slots[p].name;
		n += (size_t)snprintf(out + n, cap - n, "%s<%s>:%s",
				      slots[i].name, pn,
				      file_in(slots[i].name, "file"));
		for (int k = 1; k < CR_EXTRA; k++) {
			char x[16];

			snprintf(x, sizeof(x), "x%d", k);
			if (strcmp(file_in(slots[i].name, x), "-"))
				n += (size_t)snprintf(out + n, cap - n, ",%s",
						      x);
		}
		n += (size_t)snprintf(out + n, cap - n, ";");
	}
	return out;
}

static int commit_name(const char *name, u32 into)
{
	int top = top_of(name);

	if (top < 0)
		return top;
	table();
	return daxfs_branch_commit(&g_img, g_slots, (u32)top,
				   g_slots[top].generation, into);
}

static int abort_name(const char *name)
{
	u32 s = name_slot(name);

	return daxfs_branch_abort(&g_img, s, g_slots[s].generation);
}

static int host_reclaim(void);
static int host_fold(void);

/* Step @k of the crash story: a branch operation (*@bop), or a write. */
static int crash_step(int k, bool *bop)
{
	char x[16];

	snprintf(x, sizeof(x), "x%d", k);
	*bop = true;
	switch (k) {
	case 1: return create("a", 0) < 0;
	case 2: return create("b", 0) < 0;
	case 4: return create("a1", name_slot("a")) < 0;
	case 6: return create("a2", name_slot("a")) < 0;
	case 7: return commit_name("a1", name_slot("a"));	/* --parent */
	case 8: return abort_name("b");
	case 9: return create("c", (u32)top_of("a")) < 0;
	case 11: return commit_name("c", 0);		/* into main */
	case 12: return create("d", (u32)top_of("main")) < 0;
	case 13: return create("e", name_slot("d")) < 0;
	case 15: return abort_name("d");		/* and its child e */
	case 16: host_reclaim();		/* d and e go, then */
		return host_fold();		/* main is folded */
	}
	*bop = false;
	switch (k) {
	case 3: return change("a", "in a\n", x);
	case 5: return change("a1", "in a1\n", x);
	case 10: return change("c", "in c\n", x);
	case 14: return change("e", "in e\n", x);
	}
	return -1;
}

static void test_crash(void)
{
	char *dumps[CR_STEPS + 1], what[160] = "";
	u64 op_start[CR_STEPS + 1], op_end[CR_STEPS + 1], cuts = 0, torn = 0;
	bool bop[CR_STEPS + 1];
	const char *bad = NULL;
	u8 *real, *img0, *cut;
	int k, nd, failed = 0;

	make(256);
	real = g_map;
	img0 = malloc(g_size);
	cut = malloc(g_size);
	memcpy(img0, real, g_size);
	dumps[0] = branch_state();
	journal.base = real;
	journal.size = g_size;
	journal.n = 0;
	for (k = 1; k <= CR_STEPS && !failed; k++) {
		op_start[k] = journal.n;
		daxfs_store_hook = record_store;
		failed = crash_step(k, &bop[k]) ? k : 0;
		daxfs_store_hook = NULL;
		op_end[k] = journal.n;
		dumps[k] = branch_state();
	}
	nd = k;
	tu_result(!failed, "btable: crash story: every step runs", "step %d",
		  failed);
	if (failed)
		goto out;

	/* the region after every store of every branch operation */
	memcpy(cut, img0, g_size);
	for (k = 1; k <= CR_STEPS && !bad; k++) {
		for (u64 i = op_start[k]; i < op_end[k] && !bad; i++) {
			struct store *st = &journal.s[i];
			char *now;

			if (bop[k] && st->len > 8) {
				/* torn: only some of its 8-byte words */
				u8 *keep = malloc(st->len);

				memcpy(keep, cut + st->off, st->len);
				memcpy(cut + st->off, st->bytes,
				       8 * (1 + (i % (st->len / 8))));
				use_region(cut);
				now = branch_state();
				if (strcmp(now, dumps[k - 1]) &&
				    strcmp(now, dumps[k]))
					bad = "a torn store";
				free(now);
				memcpy(cut + st->off, keep, st->len);
				free(keep);
				torn++;
			}
			memcpy(cut + st->off, st->bytes, st->len);
			if (!bop[k] || bad)
				continue;
			if (use_region(cut)) {
				bad = "the region does not open";
				break;
			}
			now = branch_state();
			cuts++;
			if (strcmp(now, dumps[k - 1]) && strcmp(now, dumps[k])) {
				bad = "neither before nor after";
				snprintf(what, sizeof(what), "step %d, store %llu of %llu: %.60s",
					 k, (unsigned long long)(i - op_start[k] + 1),
					 (unsigned long long)(op_end[k] - op_start[k]),
					 now);
			}
			free(now);
		}
	}
	use_region(real);
	tu_result(!bad, "btable: crash: the region cut after every store of a create, commit (into main and into the parent), abort, reclaim or fold, and with each longer store torn, shows every branch wholly as before the operation or wholly as after it",
		  "%s %s", bad, what);
	printf("btable: crash: %d steps, %llu stores, %llu cuts in branch operations, %llu torn\n",
	       CR_STEPS, (unsigned long long)journal.n,
	       (unsigned long long)cuts, (unsigned long long)torn);
	/* the end state is the story's */
	tu_result(!strcmp(dumps[CR_STEPS], "main<->:in c\n,x3,x5,x10;"),
		  "btable: crash story: main ends with c's tree (a, a1's commit into a, c)",
		  "%s", dumps[CR_STEPS]);
out:
	journal_reset();
	for (int j = 0; j < nd; j++)
		free(dumps[j]);
	free(img0);
	free(cut);
}

/* ---- folding main (docs/branch-protocol.md, "Keeping main shallow") ---- */

#define FOLD_AT 6		/* fold when main's chain is this deep */

static u64 (*g_runs)[2];
static u32 g_nruns;

static void run_add(void *ctx, u64 pgno, u64 n)
{
	(void)ctx;
	g_runs = realloc(g_runs, (g_nruns + 1) * sizeof(*g_runs));
	g_runs[g_nruns][0] = pgno;
	g_runs[g_nruns][1] = n;
	g_nruns++;
}

static int chunk_add(void *ctx, u64 pgno, u64 lsn)
{
	(void)lsn;
	run_add(ctx, pgno, 1);
	return 0;
}

static int data_add(void *ctx, u64 ino, u64 pgoff, u64 pgno, u64 n)
{
	(void)ino;
	(void)pgoff;
	run_add(ctx, pgno, n);
	return 0;
}

static void runs_free(void)
{
	for (u32 i = 0; i < g_nruns; i++)
		daxfs_alloc_put(&g_alloc, g_runs[i][0], g_runs[i][1]);
	free(g_runs);
	g_runs = NULL;
	g_nruns = 0;
}

/*
 * What module/reclaim.c does, with no other mount to wait for: every
 * reclaimable slot goes, children first; a folded one gives back only
 * its log's chunks.  Returns the slots freed.
 */
static int host_reclaim(void)
{
	int freed = 0;
	bool progress = true;

	while (progress) {
		struct daxfs_btab t = table();

		progress = false;
		for (u32 s = 1; s < t.count; s++) {
			struct daxfs_log_span span;
			bool folded;
			struct fsd f;

			if (!daxfs_btab_reclaimable(&t, s))
				continue;
			folded = daxfs_btab_folded(&t, s);
			if (daxfs_branch_mark_dead(&g_img, s, g_slots[s].generation) ||
			    daxfs_branch_reclaim_claim(&g_img, s,
						       g_slots[s].generation, 0x99))
				continue;
			if (!folded && !open_top(&f, s, false)) {
				daxfs_layer_pages(f.view.layer[f.view.depth - 1],
						  data_add, NULL);
				fsd_close(&f);
			}
			if (!daxfs_log_span(&g_img, s, &span))
				daxfs_log_walk_all(&g_img, &span, chunk_add, NULL);
			daxfs_branch_free(&g_img, s, 0x99);
			runs_free();
			freed++;
			progress = true;
			break;		/* the table changed: look again */
		}
	}
	return freed;
}

static int main_depth(void)
{
	struct daxfs_btab t = table();
	u32 chain[DAXFS_BTAB_MAX_DEPTH], top;

	if (daxfs_btab_resolve(&t, 0, &top))
		return -1;
	return daxfs_btab_chain(&t, top, chain, DAXFS_BTAB_MAX_DEPTH);
}

/* Folds whose slot did not name the top and position it folded. */
static int g_fold_unnamed;

/* Fold main as the module's reclaim work does (module/fold.c). */
static int host_fold(void)
{
	struct daxfs_btab t = table();
	struct daxfs_layer *keep[FD_LAYERS];
	struct daxfs_fold fo;
	struct fsd f;
	u32 top, depth, root;
	int ret;

	if (daxfs_btab_resolve(&t, 0, &top) || open_top(&f, top, true))
		return -EIO;
	depth = f.view.depth;
	daxfs_btab_main_root(&t, &root);
	memcpy(keep, f.view.layer, sizeof(keep));
	memset(&fo, 0, sizeof(fo));
	fo.view = &f.view;
	fo.alloc = &f.alloc;
	fo.cursor = &f.cursor;
	fo.scratch = g_slots;
	fo.owner = 0x4242;
	fo.log_id = daxfs_random64() | 1;
	fo.now = 2;
	fo.merged = DAXFS_MERGED(t.slot[0].merged, t.slot[0].merged_gen);
	/* the folder is main's writer: it holds main's top */
	daxfs_word_cas(&g_img, daxfs_branch_word(&g_img, top,
			offsetof(struct daxfs_branch, owner)), 0, 0x4242);
	fo.top = top;
	fo.top_gen = t.slot[top].generation;
	fo.tail = daxfs_word_load(&g_img, daxfs_branch_word(&g_img, top,
			offsetof(struct daxfs_branch, log_tail)));
	fo.fr = run_add;
	fo.report = tu_collect;
	fo.ctx = &f.rep;
	ret = daxfs_fold_main(&fo);
	daxfs_word_cas(&g_img, daxfs_branch_word(&g_img, top,
			offsetof(struct daxfs_branch, owner)), 0x4242, 0);
	if (ret && getenv("BTABLE_DEBUG"))
		fprintf(stderr, "fold: %d: %s\n", ret, tu_first(&f.rep));
	for (u32 k = 1; k < depth; k++)
		daxfs_layer_clear(keep[k]);
	fsd_close(&f);
	if (ret) {
		free(g_runs);
		g_runs = NULL;
		g_nruns = 0;
		return ret;
	}
	/* the shadowed pages, and main's first log when it was slot 0's */
	if (root == 0) {
		struct daxfs_log_span span;

		if (!daxfs_log_span(&g_img, 0, &span))
			daxfs_log_walk_all(&g_img, &span, chunk_add, NULL);
	}
	runs_free();
	/* the fold's slot names what it restates: readers carry on by it */
	{
		struct daxfs_btab n = table();
		const struct daxfs_bslot *b = &n.slot[fo.slot];
		struct daxfs_branch raw;

		if (b->fold_top != top || b->fold_gen != (u32)fo.top_gen ||
		    b->fold_lsn != fo.tail || b->fold_end != fo.writer.tail ||
		    daxfs_branch_read(&g_img, fo.slot, &raw) ||
		    le32_to_cpu(raw.crc) != daxfs_branch_crc(&raw))
			g_fold_unnamed++;
	}
	/* the folder was main's writer: it keeps the fold's claim only */
	daxfs_branch_reclaim_release(&g_img, fo.slot, 0x4242);
	return 0;
}

/*
 * 80 rounds of two siblings forked from main, the winner committed
 * (more commits than a chain may have layers), main folded whenever its
 * chain reaches FOLD_AT: main shows every winner's change and no loser's,
 * its chain stays short, the space comes back, the image checks clean.
 */
static void test_fold(void)
{
	char text[32], fa[16], fb[16];
	u64 free_after_first = 0, free_now;
	int folds = 0, ret = 0, round, maxdepth = 0;
	const char *img_path = getenv("BTABLE_IMAGE");

	make(256);
	for (round = 0; round < 80 && !ret; round++) {
		int top = top_of("main"), d;

		snprintf(text, sizeof(text), "a%d", round);
		snprintf(fa, sizeof(fa), "fa%d", round);
		snprintf(fb, sizeof(fb), "fb%d", round);
		ret = create("a", (u32)top);
		if (ret >= 0)
			ret = create("b", (u32)top);
		if (ret >= 0)
			ret = change("a", text, fa);
		if (!ret)
			ret = change("b", "b", fb);
		if (!ret)
			ret = commit_name("a", 0);
		if (ret)
			break;
		host_reclaim();
		d = main_depth();
		if (d > maxdepth)
			maxdepth = d;
		if (d >= FOLD_AT) {
			ret = host_fold();
			if (ret)
				break;
			folds++;
			host_reclaim();
			if (folds == 1)
				free_after_first = daxfs_alloc_free(&g_alloc);
		}
	}
	tu_result(!ret, "btable: fold: 80 rounds of create, change, commit, fold",
		  "round %d: %d", round, ret);
	tu_result(maxdepth <= FOLD_AT && folds >= 80 / FOLD_AT, "btable: fold: main's chain stays short",
		  "deepest %d, %d folds", maxdepth, folds);
	tu_result(folds && !g_fold_unnamed,
		  "btable: fold: each fold's slot names the top it folded and where its log ended",
		  "%d of %d folds do not", g_fold_unnamed, folds);
	expect_file("main", "file", "a79", "btable: fold: main shows the last winner");
	{
		int missing = 0, extra = 0;

		for (int i = 0; i < 80; i++) {
			snprintf(fa, sizeof(fa), "fa%d", i);
			snprintf(fb, sizeof(fb), "fb%d", i);
			missing += !strcmp(file_in("main", fa), "-");
			extra += !!strcmp(file_in("main", fb), "-");
		}
		tu_result(!missing && !extra, "btable: fold: every winner's file and no loser's",
			  "%d missing, %d extra", missing, extra);
	}
	/* fold once more so the count compares like with like */
	while (main_depth() > 1 && !host_fold())
		host_reclaim();
	free_now = daxfs_alloc_free(&g_alloc);
	tu_result(main_depth() == 1 && free_now + 16 >= free_after_first,
		  "btable: fold: the space of shadowed pages and folded logs comes back",
		  "depth %d, free pages %llu after the first fold, %llu now",
		  main_depth(), (unsigned long long)free_after_first,
		  (unsigned long long)free_now);
	if (img_path) {
		FILE *o = fopen(img_path, "w");

		if (o) {
			fwrite(g_map, 1, g_size, o);
			fclose(o);
		}
	}
}

int main(void)
{
	test_story();
	test_many();
	test_slot_check();
	test_dead_owner();
	test_race();
	test_crash();
	test_fold();
	free(g_map);
	return tu_failed ? 1 : 0;
}

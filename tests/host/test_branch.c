// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_branch: the branch table's rules (libdaxfs/branch.c) on tables
 * built by hand, one per story of docs/branch-protocol.md: creation,
 * nesting, a commit into main with rivals at every level, a commit into
 * the parent, an abort, reused slots, and damaged tables (loops).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

#define NONE DAXFS_BRANCH_NONE

static struct daxfs_bslot s[16];
static struct daxfs_btab t = { s, 16 };

static void reset(void)
{
	memset(s, 0, sizeof(s));
	for (int i = 0; i < 16; i++) {
		s[i].parent = NONE;
		s[i].merged = NONE;
		s[i].generation = 1;
	}
	s[0].state = DAXFS_BRANCH_LIVE;
	strcpy(s[0].name, "main");
}

/* slot @i: branch @name, child of @parent */
static void mk(u32 i, const char *name, u32 parent)
{
	s[i].state = DAXFS_BRANCH_LIVE;
	s[i].parent = parent;
	s[i].parent_gen = s[parent].generation;
	snprintf(s[i].name, sizeof(s[i].name), "%s", name);
}

/* @from's name now leads to @top (a commit: the merge word) */
static void merge(u32 from, u32 top)
{
	s[from].merged = top;
	s[from].merged_gen = s[top].generation;
}

static const char *lv(int v)
{
	switch (v) {
	case DAXFS_BL_FREE: return "free";
	case DAXFS_BL_LIVE: return "live";
	case DAXFS_BL_ABSORBED: return "absorbed";
	case DAXFS_BL_DISCARDED: return "discarded";
	default: return "error";
	}
}

/* "name=top" for each name, or "name=-" when it leads nowhere */
static void states(char *buf, size_t len, const char *names)
{
	char copy[256], *tok, *save;
	size_t n = 0;

	snprintf(copy, sizeof(copy), "%s", names);
	buf[0] = 0;
	for (tok = strtok_r(copy, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		u32 top;
		int r = daxfs_btab_lookup(&t, tok, strlen(tok), &top);

		if (r)
			n += snprintf(buf + n, len - n, "%s%s=-", n ? " " : "",
				      tok);
		else
			n += snprintf(buf + n, len - n, "%s%s=%u",
				      n ? " " : "", tok, top);
	}
}

static void expect(const char *what, const char *names, const char *want)
{
	char got[256];

	states(got, sizeof(got), names);
	tu_result(!strcmp(got, want), what, "got \"%s\", want \"%s\"", got,
		  want);
}

static void expect_live(const char *what, const char *want)
{
	char got[256];
	size_t n = 0;

	for (u32 i = 0; i < 8; i++)
		n += snprintf(got + n, sizeof(got) - n, "%s%s", i ? " " : "",
			      lv(daxfs_btab_liveness(&t, i)));
	tu_result(!strcmp(got, want), what, "got \"%s\", want \"%s\"", got,
		  want);
}

static void test_names(void)
{
	static const char *const good[] = { "a", "x-1", "v1.2_rc", "..a",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcde" };
	static const char *const bad[] = { "", ".", "..", "a/b", "a b",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", "é", "a\n" };
	int ok = 1;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok &= daxfs_branch_name_ok(good[i], strlen(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok &= !daxfs_branch_name_ok(bad[i], strlen(bad[i]));
	tu_result(ok, "branch: names: 1-31 of [A-Za-z0-9._-], not . or ..",
		  "a name was judged wrongly");
}

int main(void)
{
	u32 chain[DAXFS_BTAB_MAX_DEPTH];
	int n;

	test_names();

	/* main with children a, b; a has a1, a1 has a2 */
	reset();
	mk(1, "a", 0);
	mk(2, "b", 0);
	mk(3, "a1", 1);
	mk(4, "a2", 3);
	n = daxfs_btab_chain(&t, 4, chain, DAXFS_BTAB_MAX_DEPTH);
	tu_result(n == 4 && chain[0] == 0 && chain[1] == 1 && chain[2] == 3 &&
		  chain[3] == 4, "branch: a chain runs from the root up",
		  "n %d", n);
	expect("branch: names lead to their own slots", "main a b a1 a2 zz",
	       "main=0 a=1 b=2 a1=3 a2=4 zz=-");
	expect_live("branch: all live before any commit",
		    "live live live live live free free free");

	/* commit a2 into main: one merge word on main's top */
	merge(0, 4);
	expect("branch: after a2's commit, main leads to a2; every other name is gone",
	       "main a b a1 a2", "main=4 a=- b=- a1=- a2=-");
	expect_live("branch: after a2's commit: a2 absorbed, the rest discarded",
		    "live discarded discarded discarded absorbed free free free");

	/* a new branch on the new main, then a second commit */
	mk(5, "c", 4);
	expect("branch: a branch forked from the committed main is live",
	       "main c", "main=4 c=5");
	merge(4, 5);
	expect("branch: a second commit: main follows two merges",
	       "main c", "main=5 c=-");

	/* commit --parent: x, y children of p; y merges into p */
	reset();
	mk(1, "p", 0);
	mk(2, "x", 1);
	mk(3, "y", 1);
	mk(4, "y1", 3);
	mk(5, "x1", 2);
	merge(1, 3);
	expect("branch: commit --parent: p leads to y; x and its child are gone; main stays",
	       "main p x y x1 y1", "main=0 p=3 x=- y=- x1=- y1=4");

	/* abort: a discarded slot takes its descendants with it */
	reset();
	mk(1, "a", 0);
	mk(2, "a1", 1);
	mk(3, "b", 0);
	s[1].state = DAXFS_BRANCH_DISCARDED;
	expect("branch: abort of a: a and a1 gone, b stays", "a a1 b main",
	       "a=- a1=- b=3 main=0");

	/* a slot reused under a child: the child is an orphan */
	reset();
	mk(1, "a", 0);
	mk(2, "a1", 1);
	s[1].generation = 2;	/* freed and taken again */
	strcpy(s[1].name, "other");
	expect("branch: a child of a reused slot is discarded", "a1 other",
	       "a1=- other=1");
	/* a merge word naming a reused slot counts for nothing */
	merge(0, 2);
	s[2].generation = 9;
	expect("branch: a merge into a reused slot leads nowhere new", "main",
	       "main=0");

	/* damaged tables: loops end with EUCLEAN */
	reset();
	mk(1, "a", 2);
	mk(2, "b", 1);
	s[1].parent_gen = s[2].generation;
	tu_result(daxfs_btab_chain(&t, 1, chain, DAXFS_BTAB_MAX_DEPTH) ==
		  -EUCLEAN && daxfs_btab_liveness(&t, 1) == -EUCLEAN,
		  "branch: a parent loop is damage, not a hang", "accepted");
	reset();
	mk(1, "a", 0);
	merge(0, 1);
	merge(1, 0);
	{
		u32 top;

		tu_result(daxfs_btab_resolve(&t, 0, &top) == -EUCLEAN,
			  "branch: a merge loop is damage, not a hang",
			  "accepted");
	}
	reset();
	s[1].state = DAXFS_BRANCH_LIVE;
	s[1].parent = 99;
	tu_result(daxfs_btab_liveness(&t, 1) == DAXFS_BL_DISCARDED,
		  "branch: a parent out of range: the slot is discarded",
		  "%d", daxfs_btab_liveness(&t, 1));

	/* nesting 64 deep fits, 65 does not */
	{
		static struct daxfs_bslot deep[70];
		struct daxfs_btab d = { deep, 70 };
		u32 c[DAXFS_BTAB_MAX_DEPTH];

		memset(deep, 0, sizeof(deep));
		for (u32 i = 0; i < 70; i++) {
			deep[i].state = DAXFS_BRANCH_LIVE;
			deep[i].generation = 1;
			deep[i].parent = i ? i - 1 : NONE;
			deep[i].parent_gen = 1;
			deep[i].merged = NONE;
			snprintf(deep[i].name, sizeof(deep[i].name), "l%u", i);
		}
		tu_result(daxfs_btab_chain(&d, 63, c, DAXFS_BTAB_MAX_DEPTH) == 64 &&
			  daxfs_btab_chain(&d, 64, c, DAXFS_BTAB_MAX_DEPTH) ==
			  -EUCLEAN,
			  "branch: 64 levels fit in a chain, 65 are refused",
			  "wrong depth limit");
	}
	return tu_failed ? 1 : 0;
}

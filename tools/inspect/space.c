// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * daxfs-inspect check: the delta pages in use against the bitmap.
 *
 * The pages in use are every chunk of every branch slot's log
 * (daxfs_log_chunks) and every data page each slot's replayed layer holds
 * (daxfs_layer_pages); a page met twice is in double use.  Against the bitmap: a page marked
 * but not in use is leaked, a page in use but not marked can be handed
 * out again (the worst case).  The group free counts are hints, so a
 * count that disagrees with its bitmap is only a warning.  Chunks an
 * interrupted commit linked past the tail are not leaked (the next
 * writable mount frees them): they are counted apart, with a warning.
 *
 * Messages name the users of a page; to keep memory small, the first
 * pass only marks a bitmap and a second pass, run when something is
 * wrong, finds who uses the pages worth naming.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"
#include "util.h"

#define SHOW_MAX	20	/* lines per kind of problem */

enum user_kind { U_NONE, U_CHUNK, U_STALE, U_DATA };

/* Who uses a page: a chunk at an LSN, or a file page of an inode. */
struct user {
	enum user_kind kind;
	u64 a, b;
	u32 slot;			/* the branch slot it belongs to */
};

/* A page worth naming the users of. */
struct named {
	u64 pgno;
	struct user first, second;
};

struct space {
	struct inspect *in;
	daxfs_report_fn report;
	void *ctx;
	u64 pages, words;
	u64 *used;			/* bitmap of the pages in use */
	u64 *bitmap;			/* the region's bitmap, copied */
	bool naming;			/* second pass: fill @named */
	struct named named[2 * SHOW_MAX];
	u32 nnamed;
	u64 dups;
	u64 last, last_lsn;		/* the chunk holding the tail */
	u64 unread;			/* slots whose layer was not read */
	u32 slot;			/* the slot being collected */
	struct space_stats *st;
	u64 problems;
};

static void __attribute__((format(printf, 2, 3)))
say(struct space *s, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!strncmp(msg, "warning: ", 9))
		s->st->warnings++;
	else
		s->problems++;
	s->report(s->ctx, msg);
}

static void user_string(const struct user *u, char *buf, size_t len)
{
	switch (u->kind) {
	case U_CHUNK:
		snprintf(buf, len, "branch slot %u's log chunk at lsn %" PRIu64,
			 u->slot, u->a);
		break;
	case U_STALE:
		snprintf(buf, len, "branch slot %u: an unpublished log chunk "
			 "(lsn %" PRIu64 ")", u->slot, u->a);
		break;
	case U_DATA:
		snprintf(buf, len, "branch slot %u: inode %" PRIu64
			 " file page %" PRIu64, u->slot, u->a, u->b);
		break;
	default:
		snprintf(buf, len, "nothing found");
	}
}

static bool test_bit(const u64 *map, u64 p)
{
	return map[p / 64] >> (p % 64) & 1;
}

static struct named *find_named(struct space *s, u64 pgno)
{
	for (u32 i = 0; i < s->nnamed; i++)
		if (s->named[i].pgno == pgno)
			return &s->named[i];
	return NULL;
}

/* Page @pgno is used by @u. */
static void use(struct space *s, u64 pgno, const struct user *u)
{
	struct named *nm;

	if (s->naming) {
		nm = find_named(s, pgno);
		if (nm && nm->first.kind == U_NONE)
			nm->first = *u;
		return;
	}
	if (!test_bit(s->used, pgno)) {
		s->used[pgno / 64] |= 1ULL << (pgno % 64);
		return;
	}
	s->dups++;
	if (s->nnamed < SHOW_MAX && !find_named(s, pgno)) {
		nm = &s->named[s->nnamed++];
		nm->pgno = pgno;
		nm->second = *u;
	}
}

static int chunk_used(void *ctx, u64 pgno, u64 lsn)
{
	struct space *s = ctx;
	struct user u = { U_CHUNK, lsn, 0, s->slot };

	if (!s->naming)
		s->st->log_pages++;
	s->last = pgno;
	s->last_lsn = lsn;
	use(s, pgno, &u);
	return 0;
}

static int data_used(void *ctx, u64 ino, u64 pgoff, u64 pgno, u64 npages)
{
	struct space *s = ctx;

	if (!s->naming)
		s->st->data_pages += npages;
	for (u64 i = 0; i < npages; i++) {
		struct user u = { U_DATA, ino, pgoff + i, s->slot };

		use(s, pgno + i, &u);
	}
	return 0;
}

/* Is chunk @pgno of log @log_id at @lsn? */
static bool is_chunk(struct space *s, u64 pgno, u64 log_id, u64 lsn,
		     u64 *next)
{
	struct daxfs_image *img = &s->in->img;
	struct daxfs_log_chunk c;

	if (pgno >= s->pages ||
	    daxfs_image_read(img, daxfs_page_off(img, pgno), &c, sizeof(c)))
		return false;
	*next = le64_to_cpu(c.next);
	return le64_to_cpu(c.magic) == DAXFS_CHUNK_MAGIC &&
	       le32_to_cpu(c.crc) == daxfs_crc32c(&c,
				offsetof(struct daxfs_log_chunk, crc)) &&
	       le64_to_cpu(c.log_id) == log_id && le64_to_cpu(c.lsn) == lsn;
}

/*
 * Chunks linked past the tail by a commit that never published: the
 * chain from the tail's chunk while it holds this log's chunks at the
 * LSNs that follow (and, the first time, pages not met yet).
 */
static void stale_chunks(struct space *s, const struct daxfs_log_span *span)
{
	u64 next, lsn = s->last_lsn, pgno, n = 0;
	u64 max = s->naming ? s->st->stale_pages : s->pages;

	if (!is_chunk(s, s->last, span->log_id, lsn, &next))
		return;
	for (pgno = next; n < max; n++, pgno = next) {
		struct user u = { U_STALE, lsn + DAXFS_CHUNK_PAYLOAD, 0,
				   s->slot };

		lsn += DAXFS_CHUNK_PAYLOAD;
		if (pgno == DAXFS_NO_PAGE ||
		    !is_chunk(s, pgno, span->log_id, lsn, &next) ||
		    (!s->naming && test_bit(s->used, pgno)))
			break;
		if (!s->naming)
			s->st->stale_pages++;
		use(s, pgno, &u);
	}
}

/*
 * Every page a branch slot uses: its log's chunks (and those an
 * interrupted commit linked past its tail), and the data pages its layer
 * holds.  A slot whose chain is broken (a parent slot was reused) cannot
 * be replayed: its data pages are not counted (s->unread).
 */
static int collect_slot(struct space *s, u32 slot)
{
	struct daxfs_image *img = &s->in->img;
	struct daxfs_log_span span;
	struct daxfs_layer *l;
	int err;

	s->slot = slot;
	/* main's first layer, folded since: the folder gave its log back */
	if (!slot && daxfs_btab_folded(&s->in->btab, 0))
		return 0;
	err = daxfs_log_span(img, slot, &span);
	if (!err)
		err = daxfs_log_chunks(img, &span, chunk_used, s);
	if (err)
		return err;
	stale_chunks(s, &span);
	/* folded into main's root: its data pages are the root's now */
	if (daxfs_btab_folded(&s->in->btab, slot))
		return 0;
	if (daxfs_btab_needed(&s->in->btab, slot) ||
	    daxfs_btab_liveness(&s->in->btab, slot) == DAXFS_BL_LIVE) {
		err = slot_layer(s->in, slot, s->report, s->ctx, &l);
	} else {
		/* discarded, waiting for reclaim: it may not replay any more */
		struct first_problem fp = { .seen = false };

		err = slot_layer(s->in, slot, first_report, &fp, &l);
		if (err) {
			say(s, "warning: discarded branch slot %u: its files cannot be read (%s); its data pages are not counted",
			    slot, fp.seen ? fp.msg : err_name(err));
			s->unread++;
			return 0;
		}
	}
	if (err == -ESTALE) {
		s->unread++;
		return 0;
	}
	return err ? err : daxfs_layer_pages(l, data_used, s);
}

/* Every page the branch slots use, into s->used (or s->named). */
static int collect(struct space *s)
{
	int err = 0;

	for (u32 i = 0; i < s->in->img.branch_count && !err; i++) {
		u32 st = s->in->bslot[i].state;

		if (st == DAXFS_BRANCH_LIVE || st == DAXFS_BRANCH_DISCARDED)
			err = collect_slot(s, i);
	}
	return err;
}

/* Bits of word @w that stand for no page. */
static u64 beyond_end(const struct space *s, u64 w)
{
	u64 first = w * 64;

	return first + 64 <= s->pages ? 0 : ~0ULL << (s->pages - first);
}

/* Runs of pages set in @map: one line each, then a count of the rest. */
static void report_runs(struct space *s, const u64 *map, const char *what)
{
	u64 p = 0, lines = 0, rest = 0;

	while (p < s->pages) {
		u64 start;

		if (!test_bit(map, p)) {
			p++;
			continue;
		}
		for (start = p; p < s->pages && test_bit(map, p); p++)
			;
		if (lines++ >= SHOW_MAX) {
			rest += p - start;
			continue;
		}
		if (p - start == 1)
			say(s, "delta: page %" PRIu64 " %s", start, what);
		else
			say(s, "delta: pages %" PRIu64 "-%" PRIu64 " (%" PRIu64
			    ") %s", start, p - 1, p - start, what);
	}
	if (rest)
		say(s, "delta: %" PRIu64 " more pages %s", rest, what);
}

/* The pages marked but unused, and used but not marked. */
static int compare_bitmap(struct space *s, u64 *leaked, u64 *lost)
{
	u64 nleaked = 0;

	for (u64 w = 0; w < s->words; w++) {
		u64 have = le64_to_cpu(s->bitmap[w]), beyond = beyond_end(s, w);

		if ((have & beyond) != beyond)
			say(s, "delta: bitmap word %" PRIu64 ": the bits past "
			    "the last page are not all set", w);
		leaked[w] = have & ~s->used[w] & ~beyond;
		lost[w] = s->used[w] & ~have & ~beyond;
		nleaked += (u64)__builtin_popcountll(leaked[w]);
	}
	if (!nleaked)
		return 0;
	if (s->unread) {
		say(s, "warning: delta: %" PRIu64 " pages are marked in use "
		    "but no branch uses them (the data of %" PRIu64 " slots "
		    "under a reused parent is not read)", nleaked, s->unread);
		return 0;
	}
	report_runs(s, leaked, "marked in use, but nothing uses it (leaked)");
	return 0;
}

/* Name the users of the double and lost pages (a second pass). */
static void name_users(struct space *s, const u64 *lost)
{
	u32 dups = s->nnamed;
	char a[96], b[96];

	for (u64 p = 0; p < s->pages && s->nnamed < 2 * SHOW_MAX; p++)
		if (test_bit(lost, p))
			s->named[s->nnamed++].pgno = p;
	if (!s->nnamed)
		return;
	s->naming = true;
	collect(s);
	for (u32 i = 0; i < s->nnamed; i++) {
		struct named *nm = &s->named[i];

		user_string(&nm->first, a, sizeof(a));
		user_string(&nm->second, b, sizeof(b));
		if (i < dups)
			say(s, "delta: page %" PRIu64 " used twice: by %s and "
			    "by %s", nm->pgno, a, b);
		else
			say(s, "delta: page %" PRIu64 " used by %s but not "
			    "marked in use", nm->pgno, a);
	}
	if (s->dups > dups)
		say(s, "delta: %" PRIu64 " more uses of pages already in use",
		    s->dups - dups);
}

static void check_groups(struct space *s)
{
	const struct daxfs_image *img = &s->in->img;
	u64 wpg = img->delta.group_pages / 64;

	for (u64 g = 0; g < img->delta.group_count; g++) {
		u64 count = daxfs_word_load(img, img->delta.groups_off + g * 8);
		u64 free = 0;

		for (u64 w = g * wpg; w < (g + 1) * wpg && w < s->words; w++)
			free += (u64)__builtin_popcountll(
				~le64_to_cpu(s->bitmap[w]) & ~beyond_end(s, w));
		if (count != free)
			say(s, "warning: delta: group %" PRIu64 " counts %"
			    PRIu64 " free pages, its bitmap has %" PRIu64
			    " (the counts are hints)", g, count, free);
	}
}

int check_space(struct inspect *in, struct space_stats *st,
		daxfs_report_fn report, void *ctx)
{
	struct space s = {
		.in = in, .report = report, .ctx = ctx, .st = st,
		.pages = in->img.delta.page_count,
	};
	struct daxfs_alloc a;
	u64 *leaked, *lost;
	int err;

	memset(st, 0, sizeof(*st));
	s.words = (s.pages + 63) / 64;
	s.used = xcalloc(s.words, 8);
	s.bitmap = xcalloc(s.words, 8);
	leaked = xcalloc(s.words, 8);
	lost = xcalloc(s.words, 8);
	err = daxfs_image_read(&in->img, in->img.delta.bitmap_off, s.bitmap,
			       s.words * 8);
	if (!err)
		err = collect(&s);
	if (!err) {
		compare_bitmap(&s, leaked, lost);
		name_users(&s, lost);
		check_groups(&s);
		if (st->stale_pages)
			say(&s, "warning: %" PRIu64 " log chunk%s "
			    "linked past the tail by a commit that was never "
			    "published (the next writable mount frees them)",
			    st->stale_pages, st->stale_pages == 1 ? "" : "s");
		if (!daxfs_alloc_init(&a, &in->img))
			st->free_pages = daxfs_alloc_free(&a);
	} else {
		say(&s, "delta: cannot account for the pages in use: %s",
		    err_name(err));
	}
	free(s.used);
	free(s.bitmap);
	free(leaked);
	free(lost);
	return s.problems ? -EUCLEAN : 0;
}

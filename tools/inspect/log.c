// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * daxfs-inspect branches / log: the branch table, and one branch's log
 * read record by record with the core's reader (daxfs_log_next), which
 * checks every chunk and record the way a mount's replay does.  What is
 * printed is what a replay would see; where the reader stops on damage,
 * the listing stops too and the reader's one-line reason goes to
 * standard error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"
#include "util.h"

static const char *const state_names[] = {
	[DAXFS_BRANCH_FREE] = "free",
	[DAXFS_BRANCH_LIVE] = "live",
	[DAXFS_BRANCH_DISCARDED] = "discarded",
	[DAXFS_BRANCH_CREATING] = "creating",
};

static const char *const liveness_names[] = {
	[DAXFS_BL_FREE] = "free",
	[DAXFS_BL_LIVE] = "live",
	[DAXFS_BL_ABSORBED] = "absorbed",
	[DAXFS_BL_DISCARDED] = "discarded",
	[DAXFS_BL_CREATING] = "creating",
};

static const char *const rec_names[] = {
	[DAXFS_REC_INODE] = "inode",
	[DAXFS_REC_INODE_FREE] = "inode-free",
	[DAXFS_REC_DIRENT_ADD] = "dirent-add",
	[DAXFS_REC_DIRENT_DEL] = "dirent-del",
	[DAXFS_REC_MAP] = "map",
	[DAXFS_REC_PUNCH] = "punch",
	[DAXFS_REC_TRUNCATE] = "truncate",
	[DAXFS_REC_XATTR_SET] = "xattr-set",
	[DAXFS_REC_XATTR_DEL] = "xattr-del",
	[DAXFS_REC_CHECKPOINT] = "checkpoint",
	[DAXFS_REC_PAD] = "pad",
};

const char *rec_type_name(u16 type)
{
	if (type < sizeof(rec_names) / sizeof(rec_names[0]) && rec_names[type])
		return rec_names[type];
	return "?";
}

static bool has_branches(struct inspect *in)
{
	if (in->img.feat_incompat & DAXFS_FEAT_INCOMPAT_BRANCHES)
		return true;
	printf("no branches (image built without -b)\n");
	return false;
}

static const char *state_name(u32 state)
{
	if (state < sizeof(state_names) / sizeof(state_names[0]))
		return state_names[state];
	return "invalid";
}

static void slot_name(const struct daxfs_branch *b, char *buf)
{
	memcpy(buf, b->name, DAXFS_BRANCH_NAME_MAX);
	buf[DAXFS_BRANCH_NAME_MAX] = '\0';
	for (char *p = buf; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
}

/* What the rules make of slot @i: live, absorbed, discarded, ... */
static const char *liveness_name(const struct daxfs_btab *t, u32 i)
{
	int l = daxfs_btab_liveness(t, i);

	if (l >= 0 && l < (int)(sizeof(liveness_names) /
				sizeof(liveness_names[0])))
		return liveness_names[l];
	return "damaged";
}

static void print_slot(u32 i, const struct daxfs_branch *b,
		       const struct daxfs_btab *t)
{
	char name[DAXFS_BRANCH_NAME_MAX + 1], parent[16], merged[16];
	char when[48];
	bool crc_ok = le32_to_cpu(b->crc) == daxfs_branch_crc(b);
	u64 m = le64_to_cpu(b->merged);

	slot_name(b, name);
	if (le32_to_cpu(b->parent) == DAXFS_BRANCH_NONE)
		snprintf(parent, sizeof(parent), "-");
	else
		snprintf(parent, sizeof(parent), "%u", le32_to_cpu(b->parent));
	if (m)
		snprintf(merged, sizeof(merged), "%u", DAXFS_MERGED_SLOT(m));
	else
		snprintf(merged, sizeof(merged), "-");
	time_string((s64)le64_to_cpu(b->create_time), 0, when, sizeof(when));
	printf("%4u %-16s %6s %-9s %-9s %6s %4" PRIu64 " %#10" PRIx64
	       " %8" PRIu64 " %10" PRIu64 " %10" PRIu64 " %4" PRIu64
	       " %.19s %s",
	       i, name, parent, state_name(le32_to_cpu(b->state)),
	       liveness_name(t, i), merged, le64_to_cpu(b->generation),
	       le64_to_cpu(b->log_id), le64_to_cpu(b->log_head),
	       le64_to_cpu(b->log_tail), le64_to_cpu(b->fork_lsn),
	       le64_to_cpu(b->parent_gen), when, crc_ok ? "ok" : "BAD");
	if (b->owner)
		printf(" owner 0x%" PRIx64, le64_to_cpu(b->owner));
	if (b->fold_of)
		printf(" folds %u", DAXFS_MERGED_SLOT(le64_to_cpu(b->fold_of)));
	putchar('\n');
}

int cmd_branches(struct inspect *in)
{
	struct daxfs_bslot *slots;
	struct daxfs_branch b;
	struct daxfs_btab t;
	u32 shown = 0;

	if (!has_branches(in))
		return EXIT_OK;
	slots = calloc(in->img.branch_count, sizeof(*slots));
	if (!slots) {
		err_msg("out of memory");
		return EXIT_BAD;
	}
	if (daxfs_btab_load(&in->img, slots, &t)) {
		err_msg("the branch table lies outside the region");
		free(slots);
		return EXIT_BAD;
	}
	printf("%4s %-16s %6s %-9s %-9s %6s %4s %10s %8s %10s %10s %4s %-19s %s\n",
	       "slot", "name", "parent", "state", "as", "merged", "gen",
	       "log_id", "log_head", "log_tail", "fork_lsn", "pgen",
	       "created (UTC)", "crc");
	for (u32 i = 0; i < in->img.branch_count; i++) {
		if (daxfs_branch_read(&in->img, i, &b))
			break;
		if (le32_to_cpu(b.state) == DAXFS_BRANCH_FREE)
			continue;
		print_slot(i, &b, &t);
		shown++;
	}
	printf("%u of %u slots in use\n", shown, in->img.branch_count);
	free(slots);
	return EXIT_OK;
}

/* Find a non-free slot called @want (or numbered "#N"); -1 if none. */
static long find_slot(struct inspect *in, const char *want,
		      struct daxfs_branch *out)
{
	char name[DAXFS_BRANCH_NAME_MAX + 1];
	struct daxfs_branch b;
	long found = -1;
	u64 n;

	if (want[0] == '#' && !parse_u64(want + 1, &n) &&
	    n < in->img.branch_count &&
	    !daxfs_branch_read(&in->img, (u32)n, out))
		return (long)n;
	/* main: the first slot of its chain (slot 0, or its last fold) */
	if (!strcmp(want, "main")) {
		struct daxfs_bslot *slots = calloc(in->img.branch_count,
						   sizeof(*slots));
		struct daxfs_btab t;
		u32 root = 0;

		if (slots && !daxfs_btab_load(&in->img, slots, &t))
			daxfs_btab_main_root(&t, &root);
		free(slots);
		return daxfs_branch_read(&in->img, root, out) ? -1 :
		       (long)root;
	}
	for (u32 i = 0; i < in->img.branch_count; i++) {
		if (daxfs_branch_read(&in->img, i, &b) ||
		    le32_to_cpu(b.state) == DAXFS_BRANCH_FREE)
			continue;
		memcpy(name, b.name, DAXFS_BRANCH_NAME_MAX);
		name[DAXFS_BRANCH_NAME_MAX] = '\0';
		if (strcmp(name, want))
			continue;
		/* A live slot wins over a discarded one of the same name. */
		if (found < 0 || le32_to_cpu(b.state) == DAXFS_BRANCH_LIVE) {
			found = i;
			*out = b;
		}
	}
	return found;
}

/* ---- printing records ---- */

static void print_bytes(const u8 *p, u32 len)
{
	putchar('"');
	print_name(stdout, p, len);
	putchar('"');
}

/* A value: its length, and the first bytes when they are text. */
static void print_value(const u8 *p, u32 len)
{
	u32 show = len < 32 ? len : 32;

	printf(" (%u bytes", len);
	for (u32 i = 0; i < show; i++)
		if (p[i] < 0x20 || p[i] >= 0x7f)
			show = 0;
	if (show) {
		printf(": ");
		print_bytes(p, show);
		if (show < len)
			printf("...");
	}
	putchar(')');
}

static void print_inode_rec(const struct daxfs_rec_view *v)
{
	struct daxfs_rec_inode r;
	char mode[11], when[48];
	u32 m, tlen;

	memcpy(&r, v->payload, sizeof(r));
	m = le32_to_cpu(r.mode);
	tlen = le32_to_cpu(r.target_len);
	mode_string(m, mode);
	time_string((s64)le64_to_cpu(r.mtime_sec), le32_to_cpu(r.mtime_nsec),
		    when, sizeof(when));
	printf("%s%s nlink %u uid %u gid %u size %" PRIu64,
	       le32_to_cpu(r.flags) & DAXFS_RI_NEW ? "new " : "", mode,
	       le32_to_cpu(r.nlink), le32_to_cpu(r.uid), le32_to_cpu(r.gid),
	       le64_to_cpu(r.size));
	if ((m & DAXFS_S_IFMT) == DAXFS_S_IFDIR)
		printf(" parent %" PRIu64, le64_to_cpu(r.parent));
	if ((m & DAXFS_S_IFMT) == DAXFS_S_IFCHR ||
	    (m & DAXFS_S_IFMT) == DAXFS_S_IFBLK)
		printf(" rdev %u:%u", le32_to_cpu(r.rdev_major),
		       le32_to_cpu(r.rdev_minor));
	printf(" mtime %s", when);
	if (tlen) {
		printf(" -> ");
		print_bytes(v->payload + sizeof(r), tlen);
	}
}

static void print_dirent_rec(const struct daxfs_rec_view *v)
{
	struct daxfs_rec_dirent r;

	memcpy(&r, v->payload, sizeof(r));
	print_bytes(v->payload + sizeof(r), le16_to_cpu(r.name_len));
	if (v->type == DAXFS_REC_DIRENT_ADD)
		printf(" -> %" PRIu64 " (%s) cookie %" PRIu64,
		       le64_to_cpu(r.child), type_name(r.type),
		       le64_to_cpu(r.cookie));
}

static void print_map_rec(const struct daxfs_rec_view *v)
{
	struct daxfs_rec_map r;
	u64 pgoff, n;

	memcpy(&r, v->payload, sizeof(r));
	pgoff = le64_to_cpu(r.pgoff);
	n = le64_to_cpu(r.npages);
	printf("file page%s %" PRIu64, n == 1 ? "" : "s", pgoff);
	if (n > 1)
		printf("-%" PRIu64, pgoff + n - 1);
	if (v->type == DAXFS_REC_PUNCH) {
		printf(" hole");
		return;
	}
	printf(" -> delta page %" PRIu64, le64_to_cpu(r.pgno));
	if (n > 1)
		printf("-%" PRIu64, le64_to_cpu(r.pgno) + n - 1);
}

static void print_xattr_rec(const struct daxfs_rec_view *v)
{
	struct daxfs_rec_xattr r;

	memcpy(&r, v->payload, sizeof(r));
	print_bytes(v->payload + sizeof(r), r.name_len);
	if (v->type == DAXFS_REC_XATTR_SET)
		print_value(v->payload + sizeof(r) + r.name_len,
			    le32_to_cpu(r.value_len));
}

/* The fields of a decoded (so well formed) record. */
static void print_payload(const struct daxfs_rec_view *v)
{
	struct daxfs_rec_truncate t;
	struct daxfs_rec_checkpoint c;

	switch (v->type) {
	case DAXFS_REC_INODE:
		print_inode_rec(v);
		break;
	case DAXFS_REC_DIRENT_ADD:
	case DAXFS_REC_DIRENT_DEL:
		print_dirent_rec(v);
		break;
	case DAXFS_REC_MAP:
	case DAXFS_REC_PUNCH:
		print_map_rec(v);
		break;
	case DAXFS_REC_TRUNCATE:
		memcpy(&t, v->payload, sizeof(t));
		printf("from file page %" PRIu64, le64_to_cpu(t.pages));
		break;
	case DAXFS_REC_XATTR_SET:
	case DAXFS_REC_XATTR_DEL:
		print_xattr_rec(v);
		break;
	case DAXFS_REC_CHECKPOINT:
		memcpy(&c, v->payload, sizeof(c));
		printf("restates the branch in %" PRIu64 " records",
		       le64_to_cpu(c.records));
		break;
	case DAXFS_REC_PAD:
		printf("%u bytes of filler", v->len);
		break;
	}
}

/* ---- walking a log ---- */

/* The chunks of a log, as daxfs_log_chunks() finds them. */
struct chunk_list {
	u64 *pgno, *lsn;
	u64 n, cap;
};

static int add_chunk(void *ctx, u64 pgno, u64 lsn)
{
	struct chunk_list *c = ctx;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->pgno = xrealloc(c->pgno, c->cap * sizeof(u64));
		c->lsn = xrealloc(c->lsn, c->cap * sizeof(u64));
	}
	c->pgno[c->n] = pgno;
	c->lsn[c->n] = lsn;
	c->n++;
	return 0;
}

struct log_walk {
	struct inspect *in;
	struct chunk_list chunks;
	u64 shown;			/* chunk lines printed */
	u64 records, txns;
	struct first_problem fp;
};

/* Chunk lines for every chunk starting before @end (a record's end). */
static void chunk_lines(struct log_walk *w, u64 start, u64 end)
{
	while (w->shown < w->chunks.n && w->chunks.lsn[w->shown] < end) {
		u64 lsn = w->chunks.lsn[w->shown];

		printf("chunk %" PRIu64 " at delta page %" PRIu64 ", lsn %"
		       PRIu64, w->shown, w->chunks.pgno[w->shown], lsn);
		if (lsn > start)
			printf(" (the record at lsn %" PRIu64 " continues "
			       "here)", start);
		putchar('\n');
		w->shown++;
	}
}

static void print_record(struct log_walk *w, const struct daxfs_rec_view *v)
{
	chunk_lines(w, v->lsn, v->lsn + v->len);
	printf("  %10" PRIu64 " %-10s %8" PRIu64, v->lsn,
	       rec_type_name(v->type), v->ino);
	if (v->type != DAXFS_REC_INODE_FREE)
		printf("  ");
	print_payload(v);
	if (v->flags & DAXFS_REC_TXN_END)
		printf("  [txn end]");
	putchar('\n');
}

/*
 * The link of the chunk holding the tail: DAXFS_NO_PAGE, or chunks an
 * interrupted commit linked (the next writable mount frees them).
 */
static void print_tail_link(struct log_walk *w)
{
	struct daxfs_image *img = &w->in->img;
	u64 pgno, next;

	if (!w->chunks.n)
		return;
	pgno = w->chunks.pgno[w->chunks.n - 1];
	next = daxfs_word_load(img, daxfs_page_off(img, pgno) +
			       offsetof(struct daxfs_log_chunk, next));
	if (next != DAXFS_NO_PAGE)
		printf("the last chunk links to delta page %" PRIu64 " past "
		       "the tail: a commit that was never published (the "
		       "next writable mount frees it)\n", next);
}

static int walk_log(struct inspect *in, const struct daxfs_log_span *span,
		    struct log_walk *w)
{
	struct daxfs_log_reader r;
	struct daxfs_rec_view v;
	int err, cerr;

	/* the chunk list may stop early on damage: the reader says why */
	cerr = daxfs_log_chunks(&in->img, span, add_chunk, &w->chunks);
	err = daxfs_log_reader_init(&r, &in->img, span);
	if (err) {
		daxfs_log_reader_release(&r);
		snprintf(w->fp.msg, sizeof(w->fp.msg), "log: bad head chunk "
			 "(delta page %" PRIu64 ") or tail (lsn %" PRIu64 "): "
			 "%s", span->head, span->tail, err_name(err));
		w->fp.seen = true;
		return err;
	}
	while ((err = daxfs_log_next(&r, &v, first_report, &w->fp)) > 0) {
		print_record(w, &v);
		w->records++;
		if (v.flags & DAXFS_REC_TXN_END)
			w->txns++;
	}
	daxfs_log_reader_release(&r);
	if (!err && cerr) {
		snprintf(w->fp.msg, sizeof(w->fp.msg), "log: the chunk chain "
			 "breaks after delta page %" PRIu64 ": %s",
			 w->chunks.n ? w->chunks.pgno[w->chunks.n - 1] :
			 span->head, err_name(cerr));
		w->fp.seen = true;
		err = cerr;
	}
	if (err)
		return err;
	chunk_lines(w, span->tail, span->tail + 1);
	printf("tail at lsn %" PRIu64 "; %" PRIu64 " records in %" PRIu64
	       " transactions, %" PRIu64 " chunk%s\n", span->tail, w->records,
	       w->txns, w->chunks.n, w->chunks.n == 1 ? "" : "s");
	print_tail_link(w);
	return 0;
}

/* The header line of `log`: where the log is, from the slot. */
static void print_log_head(long slot, const struct daxfs_branch *b)
{
	char name[DAXFS_BRANCH_NAME_MAX + 1];

	slot_name(b, name);
	printf("branch %s (slot %ld, %s, generation %" PRIu64 "): log id %#"
	       PRIx64 ", head at delta page %" PRIu64 ", tail at lsn %" PRIu64
	       "\n", name, slot, state_name(le32_to_cpu(b->state)),
	       le64_to_cpu(b->generation), le64_to_cpu(b->log_id),
	       le64_to_cpu(b->log_head), le64_to_cpu(b->log_tail));
}

/*
 * Slot 0 once main was folded: it only carries main's name; its log went
 * back to the free pages with the first fold.  Says so, and returns true.
 */
static bool folded_away(struct inspect *in, u32 slot)
{
	struct daxfs_bslot *slots;
	struct daxfs_btab t;
	bool folded = false;
	u32 root = 0;

	if (slot)
		return false;
	slots = calloc(in->img.branch_count, sizeof(*slots));
	if (slots && !daxfs_btab_load(&in->img, slots, &t) &&
	    daxfs_btab_folded(&t, 0)) {
		daxfs_btab_main_root(&t, &root);
		printf("(no log: main was folded; its records are in slot %u's log, `log main`)\n",
		       root);
		folded = true;
	}
	free(slots);
	return folded;
}

int cmd_log(struct inspect *in, const char *branch)
{
	struct first_problem fp = { .seen = false };
	struct log_walk w = { .in = in };
	struct daxfs_log_span span;
	struct daxfs_branch b;
	long slot;
	int err;

	if (!has_branches(in))
		return EXIT_OK;
	slot = find_slot(in, branch, &b);
	if (slot < 0) {
		err_msg("%s: no such branch", branch);
		return EXIT_BAD;
	}
	if (open_delta(in, first_report, &fp)) {
		err_msg("%s: %s", in->reg.desc, fp.msg);
		return EXIT_BAD;
	}
	print_log_head(slot, &b);
	if (le32_to_cpu(b.state) != DAXFS_BRANCH_LIVE) {
		err_msg("branch %s (slot %ld) is %s: only live branches have "
			"a log", branch, slot,
			state_name(le32_to_cpu(b.state)));
		return EXIT_BAD;
	}
	if (folded_away(in, (u32)slot))
		return EXIT_OK;
	err = daxfs_log_span(&in->img, (u32)slot, &span);
	if (!err)
		err = walk_log(in, &span, &w);
	else
		snprintf(w.fp.msg, sizeof(w.fp.msg), "branch slot %ld: bad log "
			 "head or id: %s", slot, err_name(err));
	free(w.chunks.pgno);
	free(w.chunks.lsn);
	if (err) {
		err_msg("%s: %s", in->reg.desc, w.fp.seen || w.fp.msg[0] ?
			w.fp.msg : err_name(err));
		return EXIT_BAD;
	}
	return EXIT_OK;
}

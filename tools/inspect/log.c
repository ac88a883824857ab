// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * daxfs-inspect branches / log: the branch table and the walk of one
 * branch's log, chunk by chunk, every offset checked against the delta
 * region before it is read.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"
#include "util.h"

static const char *const state_names[] = {
	[DAXFS_BRANCH_FREE] = "free",
	[DAXFS_BRANCH_LIVE] = "live",
	[DAXFS_BRANCH_DISCARDED] = "discarded",
	[DAXFS_BRANCH_MERGED] = "merged",
};

static const char *const rec_names[] = {
	[DAXFS_REC_INODE] = "inode",
	[DAXFS_REC_DENTRY_ADD] = "dentry-add",
	[DAXFS_REC_DENTRY_DEL] = "dentry-del",
	[DAXFS_REC_WRITE] = "write",
	[DAXFS_REC_TRUNCATE] = "truncate",
	[DAXFS_REC_XATTR_SET] = "xattr-set",
	[DAXFS_REC_XATTR_DEL] = "xattr-del",
	[DAXFS_REC_RENAME] = "rename",
};

static bool has_branches(struct inspect *in)
{
	if (in->img.feat_incompat & DAXFS_FEAT_INCOMPAT_BRANCHES)
		return true;
	printf("no branches (image built without -b)\n");
	return false;
}

/* Copy slot @i of the branch table; false if it lies outside the region. */
static bool read_slot(struct inspect *in, u32 i, struct daxfs_branch *b)
{
	u64 off = in->img.branch_off + (u64)i * sizeof(*b);

	if (i >= in->img.branch_count || off > in->reg.size ||
	    in->reg.size - off < sizeof(*b))
		return false;
	memcpy(b, (const u8 *)in->reg.base + off, sizeof(*b));
	return true;
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

int cmd_branches(struct inspect *in)
{
	char name[DAXFS_BRANCH_NAME_MAX + 1], parent[16], h[32];
	struct daxfs_branch b;
	u32 shown = 0;

	if (!has_branches(in))
		return EXIT_OK;
	printf("%4s %-20s %6s %-9s %10s %10s %10s %8s %s\n", "slot", "name",
	       "parent", "state", "used", "log_head", "log_tail", "next_seq",
	       "owner");
	for (u32 i = 0; i < in->img.branch_count; i++) {
		if (!read_slot(in, i, &b)) {
			err_msg("branch slot %u: outside the region", i);
			return EXIT_BAD;
		}
		if (le32_to_cpu(b.state) == DAXFS_BRANCH_FREE)
			continue;
		slot_name(&b, name);
		if (le32_to_cpu(b.parent) == DAXFS_BRANCH_NONE)
			snprintf(parent, sizeof(parent), "-");
		else
			snprintf(parent, sizeof(parent), "%u",
				 le32_to_cpu(b.parent));
		printf("%4u %-20s %6s %-9s %10s 0x%08" PRIx64 " 0x%08" PRIx64
		       " %8" PRIu64 " 0x%" PRIx64 "\n", i, name, parent,
		       state_name(le32_to_cpu(b.state)),
		       human_size(le64_to_cpu(b.used_bytes), h, sizeof(h)),
		       le64_to_cpu(b.log_head), le64_to_cpu(b.log_tail),
		       le64_to_cpu(b.log_seq), le64_to_cpu(b.owner));
		shown++;
	}
	printf("%u of %u slots in use\n", shown, in->img.branch_count);
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
	    n < in->img.branch_count && read_slot(in, (u32)n, out))
		return (long)n;
	for (u32 i = 0; i < in->img.branch_count; i++) {
		if (!read_slot(in, i, &b) ||
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

/* The delta region as far as it is mapped. */
struct delta {
	const u8 *base;
	u64 size;
};

static bool delta_fits(const struct delta *d, u64 off, u64 len)
{
	return off <= d->size && len <= d->size - off;
}

static void print_bytes(const u8 *p, u32 len)
{
	putchar('"');
	print_name(stdout, p, len);
	putchar('"');
}

static void print_inode_rec(const u8 *p, u32 len)
{
	struct daxfs_rec_inode r;
	char mode[11];

	if (len < sizeof(r))
		return;
	memcpy(&r, p, sizeof(r));
	mode_string(le32_to_cpu(r.mode), mode);
	printf(" %s nlink %u uid %u gid %u size %" PRIu64,
	       mode, le32_to_cpu(r.nlink), le32_to_cpu(r.uid),
	       le32_to_cpu(r.gid), le64_to_cpu(r.size));
	if (le32_to_cpu(r.target_len) &&
	    le32_to_cpu(r.target_len) <= len - sizeof(r)) {
		printf(" -> ");
		print_bytes(p + sizeof(r), le32_to_cpu(r.target_len));
	}
}

static void print_payload(const struct daxfs_rec_view *v)
{
	const u8 *p = v->payload;
	u32 len = v->payload_len;

	switch (v->type) {
	case DAXFS_REC_INODE:
		print_inode_rec(p, len);
		break;
	case DAXFS_REC_DENTRY_ADD:
	case DAXFS_REC_DENTRY_DEL: {
		struct daxfs_rec_dentry r;

		if (len < sizeof(r))
			break;
		memcpy(&r, p, sizeof(r));
		printf(" child %" PRIu64 " type %u ", le64_to_cpu(r.child),
		       r.type);
		if (le16_to_cpu(r.name_len) <= len - sizeof(r))
			print_bytes(p + sizeof(r), le16_to_cpu(r.name_len));
		break;
	}
	case DAXFS_REC_WRITE: {
		struct daxfs_rec_write r;

		if (len < sizeof(r))
			break;
		memcpy(&r, p, sizeof(r));
		printf(" pages %" PRIu64 "+%" PRIu64 " at +0x%" PRIx64
		       " size %" PRIu64, le64_to_cpu(r.pgoff),
		       le64_to_cpu(r.npages), le64_to_cpu(r.off),
		       le64_to_cpu(r.size));
		break;
	}
	case DAXFS_REC_TRUNCATE: {
		struct daxfs_rec_truncate r;

		if (len < sizeof(r))
			break;
		memcpy(&r, p, sizeof(r));
		printf(" size %" PRIu64, le64_to_cpu(r.size));
		break;
	}
	case DAXFS_REC_XATTR_SET:
	case DAXFS_REC_XATTR_DEL: {
		struct daxfs_rec_xattr r;

		if (len < sizeof(r))
			break;
		memcpy(&r, p, sizeof(r));
		putchar(' ');
		if (r.name_len <= len - sizeof(r))
			print_bytes(p + sizeof(r), r.name_len);
		if (v->type == DAXFS_REC_XATTR_SET)
			printf(" (%u value bytes)", le32_to_cpu(r.value_len));
		break;
	}
	case DAXFS_REC_RENAME: {
		struct daxfs_rec_rename r;
		u32 ol, nl;

		if (len < sizeof(r))
			break;
		memcpy(&r, p, sizeof(r));
		ol = le16_to_cpu(r.old_len);
		nl = le16_to_cpu(r.new_len);
		printf(" child %" PRIu64 " to dir %" PRIu64 " victim %" PRIu64
		       " flags 0x%x ", le64_to_cpu(r.child),
		       le64_to_cpu(r.new_dir), le64_to_cpu(r.victim),
		       le32_to_cpu(r.flags));
		if ((u64)ol + nl <= len - sizeof(r)) {
			print_bytes(p + sizeof(r), ol);
			printf(" -> ");
			print_bytes(p + sizeof(r) + ol, nl);
		}
		break;
	}
	}
}

/*
 * State of one log walk.  `log` prints every record and its problems on
 * stdout; `check` walks quietly and hands problems to its reporter.
 */
struct walk {
	u64 records;
	u64 problems;
	u64 next_seq;
	bool have_seq;
	bool quiet;
	daxfs_report_fn report;
	void *ctx;
	const char *branch;
};

static void __attribute__((format(printf, 2, 3)))
problem(struct walk *w, const char *fmt, ...)
{
	char msg[256], line[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->problems++;
	if (!w->quiet) {
		printf("%s\n", msg);
		return;
	}
	snprintf(line, sizeof(line), "branch %s: log: %s", w->branch, msg);
	w->report(w->ctx, line);
}

/* Check the chunk header at @off; one problem and false if it is bad. */
static bool chunk_ok(struct walk *w, const struct delta *d, u64 off,
		     u32 slot, u64 gen, struct daxfs_log_chunk *c)
{
	struct daxfs_log_chunk tmp;

	if (off % DAXFS_BLOCK_SIZE || !delta_fits(d, off, DAXFS_CHUNK_SIZE)) {
		problem(w, "chunk at +0x%" PRIx64 ": outside the delta region or "
		       "misaligned", off);
		return false;
	}
	memcpy(c, d->base + off, sizeof(*c));
	tmp = *c;
	tmp.crc = 0;
	if (le64_to_cpu(c->magic) != DAXFS_CHUNK_MAGIC) {
		problem(w, "chunk at +0x%" PRIx64 ": bad magic", off);
		return false;
	}
	if (daxfs_crc32c(&tmp, sizeof(tmp)) != le32_to_cpu(c->crc)) {
		problem(w, "chunk at +0x%" PRIx64 ": bad crc", off);
		return false;
	}
	if (le32_to_cpu(c->branch) != slot ||
	    le64_to_cpu(c->generation) != gen) {
		problem(w, "chunk at +0x%" PRIx64 ": belongs to slot %u "
		       "generation %" PRIu64, off,
		       le32_to_cpu(c->branch), le64_to_cpu(c->generation));
		return false;
	}
	return true;
}

/*
 * The region may change under us (shared memory): decode a private copy
 * of the record, whose length is read once from its header.
 */
static u8 rec_buf[DAXFS_REC_MAX];

static long copy_record(const u8 *src, u64 avail)
{
	struct daxfs_rec_header h;
	u32 len;

	memcpy(&h, src, sizeof(h));
	len = le32_to_cpu(h.len);
	if (len < sizeof(h) || len > avail || len > DAXFS_REC_MAX)
		return -EUCLEAN;
	memcpy(rec_buf, src, len);
	return len;
}

/*
 * Print the records of the chunk at @off up to @end (delta offsets).
 * Returns 1 at a clean end of chunk, 0 at the published tail, -1 on a
 * damaged record.
 */
static int walk_chunk(const struct delta *d, u64 off, u64 end, bool last,
		      struct walk *w)
{
	u64 pos = off + sizeof(struct daxfs_log_chunk);
	struct daxfs_rec_view v;

	while (pos < end) {
		long rlen;
		u32 magic;

		if (end - pos < sizeof(struct daxfs_rec_header)) {
			if (!last)
				return 1;
			problem(w, "record at +0x%" PRIx64 ": cut short by "
				"the tail", pos);
			return -1;
		}
		memcpy(&magic, d->base + pos, sizeof(magic));
		if (!last && le32_to_cpu(magic) == 0)
			return 1;	/* padding up to the chunk end */
		rlen = copy_record(d->base + pos, end - pos);
		if (rlen < 0 || daxfs_rec_decode(rec_buf, (u64)rlen, &v) < 0 ||
		    v.len < sizeof(struct daxfs_rec_header) ||
		    v.len > end - pos) {
			problem(w, "record at +0x%" PRIx64 ": does not "
				"verify", pos);
			return -1;
		}
		if (w->have_seq && v.seq != w->next_seq)
			problem(w, "record at +0x%" PRIx64 ": sequence %"
				PRIu64 ", expected %" PRIu64, pos, v.seq,
				w->next_seq);
		w->records++;
		w->next_seq = v.seq + 1;
		w->have_seq = true;
		pos += v.len;
		if (w->quiet)
			continue;
		printf("+0x%08" PRIx64 " seq %-8" PRIu64 " %-10s ino %-8"
		       PRIu64 " len %u", pos - v.len, v.seq,
		       v.type <= DAXFS_REC_TYPE_MAX && rec_names[v.type] ?
		       rec_names[v.type] : "?", v.ino, v.len);
		print_payload(&v);
		putchar('\n');
	}
	return last ? 0 : 1;
}

static int walk_log(struct inspect *in, u32 slot, const struct daxfs_branch *b,
		    struct walk *w)
{
	struct delta d = { 0 };
	u64 head = le64_to_cpu(b->log_head), tail = le64_to_cpu(b->log_tail);
	u64 gen = le64_to_cpu(b->generation), chunks = 0;
	u64 off = head;
	u8 *seen;

	if (in->img.delta_off < in->reg.size) {
		d.base = (const u8 *)in->reg.base + in->img.delta_off;
		d.size = in->reg.size - in->img.delta_off;
		if (d.size > in->img.delta_size)
			d.size = in->img.delta_size;
	}
	if (!head) {
		if (!w->quiet)
			printf("log empty\n");
		return 0;
	}
	/* One bit per delta page: a chunk reached twice is a cycle. */
	seen = xcalloc(d.size / DAXFS_BLOCK_SIZE / 8 + 1, 1);
	while (off) {
		struct daxfs_log_chunk c;
		bool last = tail >= off && tail <= off + DAXFS_CHUNK_SIZE;
		u64 pg = off / DAXFS_BLOCK_SIZE;
		int r;

		if (!chunk_ok(w, &d, off, slot, gen, &c))
			break;
		if (seen[pg / 8] & (1U << (pg % 8))) {
			problem(w, "chunk at +0x%" PRIx64 ": reached twice "
				"(the chain has a cycle)", off);
			break;
		}
		seen[pg / 8] |= 1U << (pg % 8);
		chunks++;
		r = walk_chunk(&d, off, last ? tail : off + DAXFS_CHUNK_SIZE,
			       last, w);
		if (r <= 0)
			break;
		off = le64_to_cpu(c.next);
		if (!off)
			problem(w, "chain ends before the tail +0x%" PRIx64,
				tail);
	}
	free(seen);
	if (!w->quiet && !w->problems)
		printf("%" PRIu64 " records in %" PRIu64 " chunk%s\n",
		       w->records, chunks, chunks == 1 ? "" : "s");
	return w->problems ? -EUCLEAN : 0;
}

int check_logs(struct inspect *in, daxfs_report_fn report, void *ctx)
{
	char name[DAXFS_BRANCH_NAME_MAX + 1];
	struct daxfs_branch b;
	int err = 0;

	if (!(in->img.feat_incompat & DAXFS_FEAT_INCOMPAT_BRANCHES))
		return 0;
	for (u32 i = 0; i < in->img.branch_count; i++) {
		struct walk w = {
			.quiet = true, .report = report, .ctx = ctx,
			.branch = name,
		};

		if (!read_slot(in, i, &b) ||
		    le32_to_cpu(b.state) != DAXFS_BRANCH_LIVE)
			continue;
		slot_name(&b, name);
		if (walk_log(in, i, &b, &w))
			err = -EUCLEAN;
	}
	return err;
}

int cmd_log(struct inspect *in, const char *branch)
{
	char name[DAXFS_BRANCH_NAME_MAX + 1];
	struct walk w = { .quiet = false };
	struct daxfs_branch b;
	long slot;

	if (!has_branches(in))
		return EXIT_OK;
	slot = find_slot(in, branch, &b);
	if (slot < 0) {
		err_msg("%s: no such branch", branch);
		return EXIT_BAD;
	}
	slot_name(&b, name);
	printf("branch %s (slot %ld, %s, generation %" PRIu64 "): log head "
	       "+0x%" PRIx64 ", tail +0x%" PRIx64 "\n", name, slot,
	       state_name(le32_to_cpu(b.state)), le64_to_cpu(b.generation),
	       le64_to_cpu(b.log_head), le64_to_cpu(b.log_tail));
	return walk_log(in, (u32)slot, &b, &w) ? EXIT_BAD : EXIT_OK;
}

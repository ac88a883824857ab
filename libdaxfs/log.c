// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A branch's log: reading it (record by record, from the head chunk to
 * the tail), replaying it into a layer, and writing it (staging a
 * transaction at the tail, publishing it with one store of the tail,
 * compacting the log into a checkpoint).
 *
 * The log is a byte stream cut into chunks, one delta page each (see
 * daxfs_format.h).  A reader copies each chunk header and each record
 * out of the region before checking it, never reads past the tail it
 * loaded, and checks that every chunk it reaches belongs to this log at
 * the expected LSN and every record sits at the LSN it says, so a stale
 * or damaged link, a torn record or a record left over from another log
 * is damage (-EUCLEAN), never something to act on.  Its work is bounded
 * by the distance from head to tail, which is bounded by the region.
 *
 * The writer is the only one who changes the log, and changes it in
 * this order: records and data durable first, the tail store last.  A
 * crash before that store loses the transaction whole; one after it
 * keeps it whole.  Chunks linked for a transaction that never got
 * published are found and freed by the next writer (daxfs_writer_open).
 */
#include "daxfs_internal.h"

/* Compact when the log exceeds this plus twice the last checkpoint. */
#define DAXFS_COMPACT_MIN	(4ULL << 20)

static u64 chunk_off(const struct daxfs_image *img, u64 pgno)
{
	return daxfs_page_off(img, pgno);
}

static u32 chunk_crc(const struct daxfs_log_chunk *c)
{
	return daxfs_crc32c(c, offsetof(struct daxfs_log_chunk, crc));
}

/*
 * Copy chunk @pgno's header and check that it is a chunk of log @log_id
 * at @lsn (any LSN when @lsn is DAXFS_NO_PAGE); *@lsn_out, *@next.
 */
static int read_chunk(const struct daxfs_image *img, u64 pgno, u64 log_id,
		      u64 lsn, u64 *lsn_out, u64 *next)
{
	struct daxfs_log_chunk c;
	int ret;

	if (pgno >= img->delta.page_count)
		return -EUCLEAN;
	ret = daxfs_image_read(img, chunk_off(img, pgno), &c, sizeof(c));
	if (ret)
		return ret;
	if (le64_to_cpu(c.magic) != DAXFS_CHUNK_MAGIC ||
	    le32_to_cpu(c.crc) != chunk_crc(&c) ||
	    le64_to_cpu(c.log_id) != log_id ||
	    (lsn != DAXFS_NO_PAGE && le64_to_cpu(c.lsn) != lsn) ||
	    le64_to_cpu(c.lsn) % DAXFS_CHUNK_PAYLOAD)
		return -EUCLEAN;
	*lsn_out = le64_to_cpu(c.lsn);
	/* the link may be changing: one atomic load */
	*next = daxfs_word_load(img, chunk_off(img, pgno) +
				offsetof(struct daxfs_log_chunk, next));
	return 0;
}

int daxfs_log_span(const struct daxfs_image *img, u32 slot,
		   struct daxfs_log_span *out)
{
	struct daxfs_branch b;
	int ret;

	if (!img->delta.page_count)
		return -EINVAL;
	ret = daxfs_branch_read(img, slot, &b);
	if (ret)
		return ret;
	/*
	 * A discarded slot's log is still read (fsck, reclaim), main's is
	 * never discarded; a slot being made is read by its maker (a fold
	 * writes its log before it publishes it).
	 */
	switch (le32_to_cpu(b.state)) {
	case DAXFS_BRANCH_LIVE:
	case DAXFS_BRANCH_CREATING:
		break;
	case DAXFS_BRANCH_DISCARDED:
		if (!slot)
			return -EUCLEAN;
		break;
	default:
		return -EUCLEAN;
	}
	if (!b.log_id)
		return -EUCLEAN;
	out->slot = slot;
	out->log_id = le64_to_cpu(b.log_id);
	/* head before tail: a head that moved is still behind the tail */
	out->head = daxfs_word_load(img, daxfs_branch_word(img, slot,
			offsetof(struct daxfs_branch, log_head)));
	out->tail = daxfs_word_load(img, daxfs_branch_word(img, slot,
			offsetof(struct daxfs_branch, log_tail)));
	if (out->head >= img->delta.page_count)
		return -EUCLEAN;
	return 0;
}

int daxfs_log_chunks(const struct daxfs_image *img,
		     const struct daxfs_log_span *span, daxfs_chunk_fn fn,
		     void *ctx)
{
	u64 pgno = span->head, lsn, next, n = 0;
	int ret;

	ret = read_chunk(img, pgno, span->log_id, DAXFS_NO_PAGE, &lsn, &next);
	if (ret)
		return ret;
	if (span->tail < lsn)
		return -EUCLEAN;
	for (;;) {
		ret = fn(ctx, pgno, lsn);
		if (ret)
			return ret;
		/* the tail is in this chunk (or ends it): the log ends here */
		if (span->tail <= lsn + DAXFS_CHUNK_PAYLOAD)
			return 0;
		if (++n >= img->delta.page_count)
			return -EUCLEAN;
		ret = daxfs_step(n);
		if (ret)
			return ret;
		pgno = next;
		ret = read_chunk(img, pgno, span->log_id,
				 lsn + DAXFS_CHUNK_PAYLOAD, &lsn, &next);
		if (ret)
			return ret;
	}
}

int daxfs_log_reader_init(struct daxfs_log_reader *r,
			  const struct daxfs_image *img,
			  const struct daxfs_log_span *span)
{
	u64 max;
	int ret;

	memset(r, 0, sizeof(r[0]));
	r->img = img;
	r->span = *span;
	ret = read_chunk(img, span->head, span->log_id, DAXFS_NO_PAGE,
			 &r->chunk_lsn, &r->next);
	if (ret)
		return ret;
	/* the tail lies in the log, and the log fits in the region */
	if (!daxfs_mul_ok(img->delta.page_count, DAXFS_CHUNK_PAYLOAD, &max) ||
	    span->tail < r->chunk_lsn || span->tail - r->chunk_lsn > max ||
	    span->tail % DAXFS_REC_ALIGN)
		return -EUCLEAN;
	r->chunk = span->head;
	r->lsn = r->chunk_lsn;
	r->chunks = 1;
	r->buf = daxfs_zalloc(DAXFS_REC_SMALL);
	r->cap = DAXFS_REC_SMALL;
	return r->buf ? 0 : -ENOMEM;
}

/*
 * Room for a record of @len bytes (at most DAXFS_REC_MAX), its header
 * (already read) kept.  A reader is made for every layer of every view
 * replayed: it starts small and grows to the largest record it meets.
 */
static int reader_room(struct daxfs_log_reader *r, u32 len)
{
	u32 cap = (len + 4095U) & ~4095U;
	u8 *buf;

	if (len <= r->cap)
		return 0;
	buf = daxfs_zalloc(cap);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, r->buf, sizeof(struct daxfs_rec_header));
	daxfs_free(r->buf);
	r->buf = buf;
	r->cap = cap;
	return 0;
}

void daxfs_log_reader_release(struct daxfs_log_reader *r)
{
	daxfs_free(r->buf);
	r->buf = NULL;
}

/* Move to the chunk after the current one (its payload is used up). */
static int next_chunk(struct daxfs_log_reader *r)
{
	u64 lsn = r->chunk_lsn + DAXFS_CHUNK_PAYLOAD, next;
	int ret;

	if (r->chunks >= r->img->delta.page_count)
		return -EUCLEAN;
	ret = daxfs_step(r->chunks);
	if (ret)
		return ret;
	ret = read_chunk(r->img, r->next, r->span.log_id, lsn, &lsn, &next);
	if (ret)
		return ret;
	r->chunk = r->next;
	r->chunk_lsn = lsn;
	r->next = next;
	r->chunks++;
	return 0;
}

/* Copy the @len stream bytes at r->lsn + @at into @dst, moving along. */
static int gather(struct daxfs_log_reader *r, u64 at, u8 *dst, u32 len)
{
	u64 lsn = r->lsn + at;
	int ret;

	while (len) {
		u64 in = lsn - r->chunk_lsn, n;

		if (in == DAXFS_CHUNK_PAYLOAD) {
			ret = next_chunk(r);
			if (ret)
				return ret;
			continue;
		}
		n = DAXFS_CHUNK_PAYLOAD - in;
		if (n > len)
			n = len;
		ret = daxfs_image_read(r->img, chunk_off(r->img, r->chunk) +
				       DAXFS_CHUNK_HDR + in, dst, n);
		if (ret)
			return ret;
		dst += n;
		lsn += n;
		len -= (u32)n;
	}
	return 0;
}

static int damage(daxfs_report_fn report, void *ctx, const char *what,
		  u64 slot, u64 lsn)
{
	static const char where[] = " (branch %u, log position %u)";
	char fmt[128];
	u32 n = 0, i;

	while (*what && n < sizeof(fmt) - sizeof(where))
		fmt[n++] = *what++;
	for (i = 0; i < sizeof(where); i++)
		fmt[n++] = where[i];
	DAXFS_SAY(report, ctx, fmt, slot, lsn);
	return -EUCLEAN;
}

int daxfs_log_next(struct daxfs_log_reader *r, struct daxfs_rec_view *rec,
		   daxfs_report_fn report, void *ctx)
{
	const u32 hlen = sizeof(struct daxfs_rec_header);
	struct daxfs_rec_header h;
	u64 left = r->span.tail - r->lsn;
	u32 len;
	int ret;

	if (!left) {
		if (r->in_txn)
			return damage(report, ctx, "log: a transaction is cut at the tail",
				      r->span.slot, r->lsn);
		return 0;
	}
	if (left < hlen)
		return damage(report, ctx, "log: a record is cut at the tail",
			      r->span.slot, r->lsn);
	ret = gather(r, 0, r->buf, hlen);
	if (ret)
		goto bad;
	memcpy(&h, r->buf, hlen);
	len = le32_to_cpu(h.len);
	if (len < hlen || len > DAXFS_REC_MAX || len > left)
		return damage(report, ctx, "log: bad record length",
			      r->span.slot, r->lsn);
	ret = reader_room(r, len);
	if (ret)
		return ret;
	ret = gather(r, hlen, r->buf + hlen, len - hlen);
	if (ret)
		goto bad;
	if (daxfs_rec_decode(r->buf, len, rec) || rec->lsn != r->lsn)
		return damage(report, ctx, "log: damaged record",
			      r->span.slot, r->lsn);
	r->in_txn = !(rec->flags & DAXFS_REC_TXN_END);
	r->lsn += len;
	return 1;
bad:
	if (ret == -EUCLEAN)
		return damage(report, ctx, "log: damaged chunk or chunk link",
			      r->span.slot, r->lsn);
	if (ret == -EIO)
		DAXFS_SAY(report, ctx, "log: memory error (branch %u, log position %u)",
			  r->span.slot, r->lsn);
	return ret;
}

/* ---- replay ---- */

struct replay {
	struct daxfs_view *v;
	u32 level;
	unsigned int flags;
	struct daxfs_replay_info *info;
	struct daxfs_txn pending;	/* the open transaction (recovery) */
	u64 first_lsn;			/* LSN of the head's first record */
	u64 txn_start;			/* LSN where the open txn began */
	daxfs_report_fn report;
	void *ctx;
};

static int apply_one(struct replay *rp, const struct daxfs_rec_view *rec)
{
	int ret = daxfs_layer_apply(rp->v, rp->level, rec, NULL, NULL);

	if (ret == -EUCLEAN)
		DAXFS_SAY(rp->report, rp->ctx, "log: the record at position %u (type %u, inode %u) does not fit the files it changes",
			  rec->lsn, rec->type, rec->ino);
	return ret;
}

/* Apply the transaction held back in recovery mode. */
static int apply_pending(struct replay *rp)
{
	struct daxfs_rec_view rec;
	u32 pos = 0;
	int ret;

	while ((ret = daxfs_txn_next(&rp->pending, &pos, &rec)) > 0) {
		ret = apply_one(rp, &rec);
		if (ret)
			return ret;
	}
	rp->pending.len = 0;
	rp->pending.nrec = 0;
	return ret;
}

/* Keep a copy of @rec until its transaction ends (recovery mode). */
static int hold(struct replay *rp, const struct daxfs_log_reader *r,
		const struct daxfs_rec_view *rec)
{
	struct daxfs_txn *t = &rp->pending;

	if (t->cap - t->len < rec->len) {
		u32 cap = t->cap;
		u8 *buf;

		while (cap - t->len < rec->len)
			cap *= 2;
		buf = daxfs_zalloc(cap);
		if (!buf)
			return -ENOMEM;
		if (t->len)
			memcpy(buf, t->buf, t->len);
		if (t->buf != t->small)
			daxfs_free(t->buf);
		t->buf = buf;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, r->buf, rec->len);
	t->len += rec->len;
	t->nrec++;
	return 0;
}

/* Note where checkpoints and transactions are. */
static int track(struct replay *rp, const struct daxfs_log_reader *r,
		 const struct daxfs_rec_view *rec)
{
	struct daxfs_replay_info *info = rp->info;

	/* a checkpoint's transaction may open with filler */
	if (rec->type == DAXFS_REC_PAD && rec->lsn == rp->txn_start)
		rp->txn_start = rec->lsn + rec->len;
	if (rec->type == DAXFS_REC_CHECKPOINT) {
		/* a checkpoint starts a transaction and a chunk */
		if (rec->lsn != rp->txn_start || rec->lsn != r->chunk_lsn)
			return damage(rp->report, rp->ctx,
				      "log: misplaced checkpoint",
				      r->span.slot, rec->lsn);
		if (rec->lsn != rp->first_lsn) {
			info->ckpt_chunk = r->chunk;
			info->ckpt_lsn = rec->lsn;
		}
	}
	info->records++;
	return 0;
}

static int replay_loop(struct replay *rp, struct daxfs_log_reader *r)
{
	struct daxfs_rec_view rec;
	int ret;

	rp->txn_start = r->lsn;
	while ((ret = daxfs_log_next(r, &rec, rp->report, rp->ctx)) > 0) {
		ret = track(rp, r, &rec);
		if (ret)
			return ret;
		if (rp->flags & DAXFS_REPLAY_RECOVER)
			ret = hold(rp, r, &rec);
		else
			ret = apply_one(rp, &rec);
		if (!ret && (rec.flags & DAXFS_REC_TXN_END)) {
			if (rp->flags & DAXFS_REPLAY_RECOVER)
				ret = apply_pending(rp);
			rp->info->txns++;
			rp->info->good_lsn = r->lsn;
			rp->txn_start = r->lsn;
		}
		if (ret)
			return ret;
	}
	return ret;
}

int daxfs_replay_upto(struct daxfs_view *v, u32 level, u32 slot, u64 upto,
		      unsigned int flags,
		 struct daxfs_replay_info *info, daxfs_report_fn report,
		 void *ctx)
{
	struct daxfs_log_reader r;
	struct daxfs_log_span span;
	struct replay rp = {
		.v = v, .level = level, .flags = flags, .info = info,
		.report = report, .ctx = ctx,
	};
	int ret;

	memset(info, 0, sizeof(*info));
	info->ckpt_chunk = info->ckpt_lsn = DAXFS_NO_PAGE;
	if (level >= v->depth || !v->layer[level])
		return -EINVAL;
	ret = daxfs_log_span(v->img, slot, &span);
	if (ret) {
		DAXFS_SAY(report, ctx, "branch %u: bad branch slot or log head",
			  slot);
		return ret;
	}
	/* a parent as its child forked from it (where its tail was then) */
	if (upto < span.tail)
		span.tail = upto;
	ret = daxfs_log_reader_init(&r, v->img, &span);
	if (ret) {
		if (ret == -EUCLEAN)
			DAXFS_SAY(report, ctx, "branch %u: bad log head chunk or tail",
				  slot);
		daxfs_log_reader_release(&r);
		return ret;
	}
	rp.first_lsn = r.lsn;
	info->good_lsn = r.lsn;
	daxfs_txn_init(&rp.pending);
	ret = replay_loop(&rp, &r);
	if (ret == -EUCLEAN && (flags & DAXFS_REPLAY_RECOVER)) {
		info->damaged = true;
		ret = 0;
	}
	info->chunks = r.chunks;
	info->tail_chunk = r.chunk;
	info->tail_chunk_lsn = r.chunk_lsn;
	if (!ret && v->img->wbase && v->layer[level]->max_ino)
		daxfs_ino_seen(v->img, v->layer[level]->max_ino);
	daxfs_txn_release(&rp.pending);
	daxfs_log_reader_release(&r);
	return ret;
}

int daxfs_replay_chain(struct daxfs_view *v, const struct daxfs_btab *t,
		       const u32 *chain, u32 n, unsigned int flags,
		       struct daxfs_replay_info *info, daxfs_report_fn report,
		       void *ctx)
{
	u64 upto[DAXFS_VIEW_MAX];
	u32 i;
	int ret = 0;

	v->depth = 0;
	if (!n || n > DAXFS_VIEW_MAX)
		return -EINVAL;
	daxfs_btab_limits(t, chain, n, upto);
	for (i = 0; i < n && !ret; i++) {
		struct daxfs_layer *l = daxfs_zalloc(sizeof(*l));

		if (!l)
			return -ENOMEM;
		daxfs_layer_init(l);
		v->layer[i] = l;
		v->depth = i + 1;
		ret = daxfs_replay_upto(v, i, chain[i], upto[i], flags, info,
					report, ctx);
	}
	return ret;
}

void daxfs_view_free_layers(struct daxfs_view *v)
{
	u32 i;

	for (i = 0; i < v->depth; i++) {
		daxfs_layer_clear(v->layer[i]);
		daxfs_free(v->layer[i]);
		v->layer[i] = NULL;
	}
	v->depth = 0;
}

int daxfs_replay(struct daxfs_view *v, u32 level, u32 slot, unsigned int flags,
		 struct daxfs_replay_info *info, daxfs_report_fn report,
		 void *ctx)
{
	return daxfs_replay_upto(v, level, slot, DAXFS_NO_PAGE, flags, info,
				 report, ctx);
}

/* ---- the writer ---- */

static u64 slot_word(const struct daxfs_writer *w, size_t field)
{
	return daxfs_branch_word(w->view->img, w->slot, field);
}

/* The listing hint: the file pages the branch's layer holds now. */
static void publish_data_pages(const struct daxfs_writer *w)
{
	u64 n = w->view->layer[w->view->depth - 1]->owned_pages;

	daxfs_hint32_store(w->view->img,
			   slot_word(w, offsetof(struct daxfs_branch,
						 data_pages)),
			   n > 0xffffffffULL ? 0xffffffffU : (u32)n);
}

static u64 next_word(const struct daxfs_image *img, u64 pgno)
{
	return chunk_off(img, pgno) + offsetof(struct daxfs_log_chunk, next);
}

/* Pages the published log no longer uses: to the retire hook, if any. */
static void retire_pages(struct daxfs_writer *w, u64 pgno, u64 npages)
{
	if (w->retire)
		w->retire(w->retire_ctx, w->slot, pgno, npages, w->tail);
	else
		daxfs_alloc_put(w->alloc, pgno, npages);
}

/*
 * Free the chain of up to @max chunks from @pgno that belong to us:
 * @published when the log's readers may have read them (chunks before a
 * checkpoint the head moved past), not when they were never published.
 */
static void free_chain(struct daxfs_writer *w, u64 pgno, u64 lsn, u64 max,
		       u64 stop, bool published)
{
	const struct daxfs_image *img = w->view->img;
	u64 next, got;

	while (max-- && pgno != DAXFS_NO_PAGE && pgno != stop) {
		if (read_chunk(img, pgno, w->log_id, lsn, &got, &next))
			return;	/* not ours: leave it */
		if (published)
			retire_pages(w, pgno, 1);
		else
			daxfs_alloc_put(w->alloc, pgno, 1);
		pgno = next;
		lsn += DAXFS_CHUNK_PAYLOAD;
	}
}

int daxfs_writer_open(struct daxfs_writer *w, struct daxfs_view *v,
		      struct daxfs_alloc *alloc, u32 slot,
		      const struct daxfs_replay_info *info)
{
	const struct daxfs_image *img = v->img;
	daxfs_retire_fn retire = w->retire;	/* the caller's, kept */
	void *retire_ctx = w->retire_ctx;
	struct daxfs_log_span span;
	u64 next, lsn;
	int ret;

	memset(w, 0, sizeof(*w));
	w->retire = retire;
	w->retire_ctx = retire_ctx;
	if (!img->wbase || !v->depth)
		return -EROFS;
	ret = daxfs_log_span(img, slot, &span);
	if (ret)
		return ret;
	w->view = v;
	w->alloc = alloc;
	w->slot = slot;
	w->log_id = span.log_id;
	w->head = span.head;
	ret = read_chunk(img, span.head, span.log_id, DAXFS_NO_PAGE,
			 &w->head_lsn, &next);
	if (ret)
		return ret;
	w->tail = w->pos = info->good_lsn;
	w->chunk = w->tail_chunk = info->tail_chunk;
	w->chunk_lsn = w->tail_chunk_lsn = info->tail_chunk_lsn;
	w->cursor = info->tail_chunk;
	/* chunks linked past the tail by a commit that never published */
	ret = read_chunk(img, w->chunk, w->log_id, w->chunk_lsn, &lsn, &next);
	if (ret)
		return ret;
	if (next != DAXFS_NO_PAGE) {
		daxfs_word_store(img, next_word(img, w->chunk), DAXFS_NO_PAGE);
		daxfs_fence(img);
		free_chain(w, next, w->chunk_lsn + DAXFS_CHUNK_PAYLOAD,
			   img->delta.page_count, DAXFS_NO_PAGE, false);
	}
	/* a checkpoint the head did not move to yet */
	if (info->ckpt_chunk != DAXFS_NO_PAGE) {
		u64 old = w->head, old_lsn = w->head_lsn;

		daxfs_word_store(img, slot_word(w, offsetof(struct daxfs_branch,
							     log_head)),
				 info->ckpt_chunk);
		daxfs_fence(img);
		w->head = info->ckpt_chunk;
		w->head_lsn = info->ckpt_lsn;
		free_chain(w, old, old_lsn, img->delta.page_count, w->head,
			   true);
	}
	w->ckpt_bytes = w->tail - w->head_lsn;
	w->compact_min = DAXFS_COMPACT_MIN;
	w->compact_at = w->tail + w->compact_min + w->ckpt_bytes;
	/* a crash may have left it behind the log */
	publish_data_pages(w);
	return 0;
}

/* Write an empty chunk of log @log_id at @lsn into page @pgno, durable. */
static void write_chunk(const struct daxfs_image *img, u64 pgno, u64 log_id,
			u64 lsn)
{
	struct daxfs_log_chunk c;

	memset(&c, 0, sizeof(c));
	c.magic = cpu_to_le64(DAXFS_CHUNK_MAGIC);
	c.log_id = cpu_to_le64(log_id);
	c.lsn = cpu_to_le64(lsn);
	c.crc = cpu_to_le32(chunk_crc(&c));
	c.next = cpu_to_le64(DAXFS_NO_PAGE);
	daxfs_region_write(img, chunk_off(img, pgno), &c, sizeof(c));
	daxfs_persist(img, chunk_off(img, pgno), sizeof(c));
	daxfs_fence(img);
}

int daxfs_log_start(struct daxfs_alloc *a, u64 *cursor, u64 log_id,
		    u64 *pgno)
{
	u64 got;
	int ret;

	if (!log_id)
		return -EINVAL;
	ret = daxfs_alloc_get(a, cursor, 1, 0, pgno, &got);
	if (!ret)
		write_chunk(a->img, *pgno, log_id, 0);
	return ret;
}

int daxfs_log_walk_all(const struct daxfs_image *img,
		       const struct daxfs_log_span *span, daxfs_chunk_fn fn,
		       void *ctx)
{
	u64 pgno = span->head, lsn, next, n;
	int ret;

	for (n = 0; n < img->delta.page_count; n++) {
		ret = read_chunk(img, pgno, span->log_id, DAXFS_NO_PAGE, &lsn,
				 &next);
		if (ret)
			return n ? 0 : ret;	/* the chain ends where it is not ours */
		ret = fn(ctx, pgno, lsn);
		if (ret)
			return ret;
		if (next == DAXFS_NO_PAGE)
			return 0;
		pgno = next;
	}
	return -EUCLEAN;
}

/* Link a fresh chunk after the current one; the stream moves into it. */
static int new_chunk(struct daxfs_writer *w, unsigned int flags)
{
	const struct daxfs_image *img = w->view->img;
	u64 pgno, got;
	int ret;

	ret = daxfs_alloc_get(w->alloc, &w->cursor, 1, flags, &pgno, &got);
	if (ret)
		return ret;
	write_chunk(img, pgno, w->log_id, w->chunk_lsn + DAXFS_CHUNK_PAYLOAD);
	daxfs_word_store(img, next_word(img, w->chunk), pgno);
	w->chunk = pgno;
	w->chunk_lsn += DAXFS_CHUNK_PAYLOAD;
	w->nstaged++;
	return 0;
}

/* Write @len bytes at the staging position. */
static int append(struct daxfs_writer *w, const u8 *src, u32 len,
		  unsigned int flags)
{
	const struct daxfs_image *img = w->view->img;
	int ret;

	while (len) {
		u64 in = w->pos - w->chunk_lsn, off, n;

		if (in == DAXFS_CHUNK_PAYLOAD) {
			ret = new_chunk(w, flags);
			if (ret)
				return ret;
			continue;
		}
		n = DAXFS_CHUNK_PAYLOAD - in;
		if (n > len)
			n = len;
		off = chunk_off(img, w->chunk) + DAXFS_CHUNK_HDR + in;
		daxfs_region_write(img, off, src, n);
		daxfs_persist(img, off, n);
		src += n;
		w->pos += n;
		len -= (u32)n;
	}
	return 0;
}

void daxfs_log_unstage(struct daxfs_writer *w)
{
	const struct daxfs_image *img = w->view->img;
	u64 first;

	if (w->nstaged) {
		first = daxfs_word_load(img, next_word(img, w->tail_chunk));
		daxfs_word_store(img, next_word(img, w->tail_chunk),
				 DAXFS_NO_PAGE);
		daxfs_fence(img);
		free_chain(w, first, w->tail_chunk_lsn + DAXFS_CHUNK_PAYLOAD,
			   w->nstaged, DAXFS_NO_PAGE, false);
	}
	w->pos = w->tail;
	w->chunk = w->tail_chunk;
	w->chunk_lsn = w->tail_chunk_lsn;
	w->nstaged = 0;
}

/* Seal the record at @rec for position w->pos and append it. */
static int append_rec(struct daxfs_writer *w, u8 *rec, u16 flags,
		      unsigned int alloc_flags)
{
	struct daxfs_rec_header h;

	memcpy(&h, rec, sizeof(h));
	daxfs_rec_seal(rec, w->pos, flags);
	return append(w, rec, le32_to_cpu(h.len), alloc_flags);
}

int daxfs_log_stage(struct daxfs_writer *w, struct daxfs_txn *t)
{
	u32 pos = 0;
	int ret;

	if (w->broken)
		return -EIO;
	if (t->err)
		return t->err;
	if (w->pos != w->tail)
		return -EBUSY;
	while (pos < t->len) {
		struct daxfs_rec_header h;
		u32 len;

		memcpy(&h, t->buf + pos, sizeof(h));
		len = le32_to_cpu(h.len);
		ret = append_rec(w, t->buf + pos,
				 pos + len == t->len ? DAXFS_REC_TXN_END : 0,
				 t->alloc_flags);
		if (ret) {
			daxfs_log_unstage(w);
			return ret;
		}
		pos += len;
	}
	return 0;
}

/* Pages the applied records stopped using: given back after publish. */
struct freed {
	struct daxfs_writer *w;
	u64 *list;			/* pgno, npages pairs */
	u32 n, cap;
	bool lost;			/* could not remember them all */
};

static void remember(void *ctx, u64 pgno, u64 npages)
{
	struct freed *f = ctx;

	if (f->n == f->cap) {
		u32 cap = f->cap ? f->cap * 2 : 32;
		u64 *list = daxfs_zalloc((size_t)cap * 2 * sizeof(u64));

		if (!list) {
			f->lost = true;	/* leaked until a rebuild */
			return;
		}
		if (f->n)
			memcpy(list, f->list, (size_t)f->n * 2 * sizeof(u64));
		daxfs_free(f->list);
		f->list = list;
		f->cap = cap;
	}
	f->list[2 * f->n] = pgno;
	f->list[2 * f->n + 1] = npages;
	f->n++;
}

int daxfs_txn_apply(struct daxfs_writer *w, const struct daxfs_txn *t,
		    daxfs_free_fn fr, void *ctx)
{
	struct daxfs_rec_view rec;
	u32 pos = 0;
	int ret;

	while ((ret = daxfs_txn_next(t, &pos, &rec)) > 0) {
		ret = daxfs_layer_apply(w->view, w->view->depth - 1, &rec, fr,
					ctx);
		if (ret)
			break;
	}
	if (ret) {
		/* the layer may be half changed: no more commits */
		w->broken = true;
		daxfs_log_unstage(w);
	}
	return ret;
}

void daxfs_log_publish(struct daxfs_writer *w)
{
	const struct daxfs_image *img = w->view->img;

	publish_data_pages(w);
	daxfs_fence(img);
	daxfs_word_store(img, slot_word(w, offsetof(struct daxfs_branch,
						     log_tail)), w->pos);
	daxfs_fence(img);
	w->tail = w->pos;
	w->tail_chunk = w->chunk;
	w->tail_chunk_lsn = w->chunk_lsn;
	w->nstaged = 0;
}

void daxfs_writer_info(const struct daxfs_writer *w,
		       struct daxfs_replay_info *info)
{
	memset(info, 0, sizeof(*info));
	info->good_lsn = w->tail;
	info->tail_chunk = w->tail_chunk;
	info->tail_chunk_lsn = w->tail_chunk_lsn;
	info->ckpt_chunk = DAXFS_NO_PAGE;
	info->ckpt_lsn = DAXFS_NO_PAGE;
}

int daxfs_commit(struct daxfs_writer *w, struct daxfs_txn *t,
		 daxfs_free_fn fr, void *ctx)
{
	struct freed f = { .w = w };
	u32 i;
	int ret;

	ret = daxfs_log_stage(w, t);
	if (ret)
		return ret;
	ret = daxfs_txn_apply(w, t, remember, &f);
	if (!ret) {
		daxfs_log_publish(w);
		for (i = 0; i < f.n; i++) {
			if (fr)
				fr(ctx, f.list[2 * i], f.list[2 * i + 1]);
			else
				retire_pages(w, f.list[2 * i],
					     f.list[2 * i + 1]);
		}
	}
	daxfs_free(f.list);
	return ret;
}

u64 daxfs_log_bytes(const struct daxfs_writer *w)
{
	return w->tail - w->head_lsn;
}

bool daxfs_log_should_compact(const struct daxfs_writer *w)
{
	return !w->broken && w->tail >= w->compact_at;
}

/* ---- compaction: the checkpoint ---- */

/*
 * Records are written one behind, so that the last one can carry
 * TXN_END: @prev holds the record waiting to be written.
 */
struct ckpt {
	struct daxfs_writer *w;
	u8 *prev;
	u8 *cur;
	bool have_prev;
	u64 count;			/* records after the CHECKPOINT */
	bool counting;			/* first pass: only count */
	int err;
};

static int ck_emit(struct ckpt *c, u16 type, u64 ino, const void *fixed,
		   u32 flen, const struct daxfs_rec_piece *tail, u32 ntail)
{
	u8 *t;
	int ret;

	if (c->err)
		return c->err;
	if (type != DAXFS_REC_CHECKPOINT)
		c->count++;
	if (c->counting)
		return 0;
	ret = daxfs_rec_build(c->cur, DAXFS_REC_MAX, type, ino, fixed,
			      flen, tail, ntail);
	if (ret < 0)
		return c->err = ret;
	if (c->have_prev) {
		ret = append_rec(c->w, c->prev, 0, 0);
		if (ret)
			return c->err = ret;
	}
	t = c->prev;
	c->prev = c->cur;
	c->cur = t;
	c->have_prev = true;
	return 0;
}

/* daxfs_layer_restate()'s callback: one record of the checkpoint. */
static int ck_rec(void *ctx, u16 type, u64 ino, const void *fixed, u32 flen,
		  const struct daxfs_rec_piece *tail, u32 ntail)
{
	return ck_emit(ctx, type, ino, fixed, flen, tail, ntail);
}

/* Fill the current chunk with a PAD record (or two chunks' worth). */
static int pad_to_chunk(struct daxfs_writer *w, u8 *buf)
{
	const u32 hlen = sizeof(struct daxfs_rec_header);
	u64 room = w->chunk_lsn + DAXFS_CHUNK_PAYLOAD - w->pos;
	struct daxfs_rec_header h;

	if (w->pos == w->chunk_lsn || !room)
		return 0;
	if (room < hlen + sizeof(struct daxfs_rec_pad))
		room += DAXFS_CHUNK_PAYLOAD;	/* too small: pad one more */
	memset(buf, 0, room);
	memset(&h, 0, sizeof(h));
	h.magic = cpu_to_le32(DAXFS_REC_MAGIC);
	h.type = cpu_to_le16(DAXFS_REC_PAD);
	h.len = cpu_to_le32((u32)room);
	memcpy(buf, &h, sizeof(h));
	return append_rec(w, buf, 0, 0);
}

int daxfs_log_compact(struct daxfs_writer *w)
{
	const struct daxfs_image *img = w->view->img;
	struct daxfs_layer *l = w->view->layer[w->view->depth - 1];
	struct daxfs_rec_checkpoint cp;
	struct ckpt c = { .w = w, .counting = true };
	u64 old = w->head, old_lsn = w->head_lsn, ck_chunk, ck_lsn;
	int ret;

	if (w->broken)
		return -EIO;
	if (w->pos != w->tail)
		return -EBUSY;
	ret = daxfs_layer_restate(l, ck_rec, &c);
	if (ret)
		return ret;
	cp.records = cpu_to_le64(c.count);
	c.counting = false;
	c.count = 0;
	c.prev = daxfs_zalloc(DAXFS_REC_MAX);
	c.cur = daxfs_zalloc(DAXFS_REC_MAX);
	if (!c.prev || !c.cur) {
		ret = -ENOMEM;
		goto out;
	}
	ret = pad_to_chunk(w, c.prev);
	if (!ret && w->pos == w->chunk_lsn + DAXFS_CHUNK_PAYLOAD)
		ret = new_chunk(w, 0);
	if (ret)
		goto fail;
	ck_chunk = w->chunk;
	ck_lsn = w->pos;
	ck_emit(&c, DAXFS_REC_CHECKPOINT, 0, &cp, sizeof(cp), NULL, 0);
	ret = daxfs_layer_restate(l, ck_rec, &c);
	if (!ret && c.have_prev)
		ret = append_rec(w, c.prev, DAXFS_REC_TXN_END, 0);
	if (ret)
		goto fail;
	daxfs_log_publish(w);
	/* the checkpoint is the log now: the head moves to it */
	daxfs_word_store(img, slot_word(w, offsetof(struct daxfs_branch,
						     log_head)), ck_chunk);
	daxfs_fence(img);
	w->head = ck_chunk;
	w->head_lsn = ck_lsn;
	free_chain(w, old, old_lsn, img->delta.page_count, ck_chunk, true);
	w->ckpt_bytes = w->tail - ck_lsn;
	w->compact_at = w->tail + w->compact_min + 2 * w->ckpt_bytes;
	goto out;
fail:
	daxfs_log_unstage(w);
	/* try again only after as much again has been logged */
	w->compact_at = w->tail + w->compact_min;
out:
	daxfs_free(c.prev);
	daxfs_free(c.cur);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * logimg: a small branching image whose main has a log written by the
 * core's writer (through tests/host/fsdrv.h: creates, writes with holes,
 * punches, a base file overwritten and truncated, xattrs set and deleted,
 * renames, a hard link, unlinks, a compaction into a checkpoint, then
 * more creates), and the helpers that damage its delta region where it
 * matters: log stream bytes by LSN, record headers, chunk headers, and
 * the checksums to make right again afterwards.  Shared by the hostile
 * tests (tests/host/test_hostile.c) and the replay fuzzer
 * (tests/fuzz/fuzz_replay.c).  One user per program: the state is global.
 */
#ifndef DAXFS_LOGIMG_H
#define DAXFS_LOGIMG_H

#include <stdio.h>
#include <stdlib.h>
#include "imgbuild.h"
#include "fsdrv.h"
#include "walk.h"

#define LG_FN static __attribute__((unused))

/* The base tree's inodes, numbered in creation order. */
enum {
	LG_ROOT = 1, LG_A, LG_SUB, LG_HELLO, LG_BIG, LG_SPARSE, LG_SYM,
	LG_NULL, LG_FIFO,
};

static struct {
	u8 *img;
	u64 size;
	u64 chunk[64], chunk_lsn[64];	/* main's chunks, head first */
	u32 nchunks;
	u64 rec[1024];			/* LSNs of its records */
	u32 nrec;
	u64 tail;
	u64 data_pgno;			/* a data page of a file */
	struct daxfs_image di;		/* geometry of the pristine image */
} lg;

LG_FN void die_setup(const char *what, int ret, struct tu_report *r)
{
	fprintf(stderr, "logimg: the sample: %s: %d: %s\n", what, ret,
		tu_first(r));
	exit(2);
}

LG_FN int lg_chunk(void *ctx, u64 pgno, u64 lsn)
{
	(void)ctx;
	if (lg.nchunks < 64) {
		lg.chunk[lg.nchunks] = pgno;
		lg.chunk_lsn[lg.nchunks] = lsn;
		lg.nchunks++;
	}
	return 0;
}

/* Operations through fsdrv.h: every record type, several chunks. */
LG_FN void lg_ops(struct fsd *f)
{
	static u8 data[9000];
	u64 d, a, b, l;
	char name[16];
	int ret = 0;

	for (u32 i = 0; i < sizeof(data); i++)
		data[i] = (u8)(i * 5 + 1);
	ret |= fsd_create(f, 1, "newdir", DAXFS_S_IFDIR | 0755, NULL, &d);
	ret |= fsd_create(f, d, "a", DAXFS_S_IFREG | 0644, NULL, &a);
	ret |= fsd_write(f, a, 0, data, sizeof(data));
	ret |= fsd_write(f, a, 20000, "end", 3);
	ret |= fsd_punch(f, a, 4096, 4096);
	ret |= fsd_create(f, 1, "sl", DAXFS_S_IFLNK | 0777, "newdir/a", &l);
	ret |= fsd_write(f, LG_HELLO, 0, "HELLO", 5);
	ret |= fsd_truncate(f, LG_BIG, 5000);
	ret |= fsd_setxattr(f, a, "user.a", "xattr value", 11);
	ret |= fsd_setxattr(f, LG_HELLO, "user.comment", "changed", 7);
	ret |= fsd_rmxattr(f, LG_HELLO, "trusted.t");
	ret |= fsd_rename(f, 1, "sym", d, "sym-moved", 0);
	ret |= fsd_link(f, a, 1, "a-link");
	ret |= fsd_remove(f, LG_ROOT, "fifo", false);
	if (ret)
		die_setup("operations", ret, &f->rep);
	/* a checkpoint (with filler before it), then more */
	ret = daxfs_log_compact(&f->w);
	if (ret)
		die_setup("compaction", ret, &f->rep);
	for (int i = 0; i < 30 && !ret; i++) {
		snprintf(name, sizeof(name), "f%02d", i);
		ret = fsd_create(f, d, name, DAXFS_S_IFREG | 0600, NULL, &b);
		if (!ret)
			ret = fsd_write(f, b, 0, name, (u64)strlen(name));
	}
	ret |= fsd_remove(f, d, "f03", false);
	ret |= fsd_rename(f, d, "f04", 1, "f04-moved", 0);
	if (ret)
		die_setup("more operations", ret, &f->rep);
}

LG_FN void make_log_sample(void)
{
	static const struct ib_ext sp[] = { { 0, 1, 'A' }, { 3, 3, 'B' } };
	static u8 big[3 * 4096];
	struct daxfs_log_reader r;
	struct daxfs_log_span span;
	struct daxfs_rec_view rec;
	struct daxfs_vinode vi;
	struct daxfs_fmap m;
	struct fsd f;
	struct ib b;
	u64 a;
	int ret;

	memset(big, 'b', sizeof(big));
	ib_init(&b);
	ib_dir(&b, LG_ROOT, "a");
	ib_dir(&b, LG_A, "sub");
	ib_file(&b, LG_ROOT, "hello", "hello, world\n", 13);
	ib_file(&b, LG_ROOT, "big", big, sizeof(big));
	ib_sparse(&b, LG_ROOT, "sparse", 6 * 4096 - 100, sp, 2);
	ib_symlink(&b, LG_ROOT, "sym", "target/path");
	ib_special(&b, LG_ROOT, "null", DAXFS_S_IFCHR | 0666, 1, 3);
	ib_special(&b, LG_ROOT, "fifo", DAXFS_S_IFIFO | 0644, 0, 0);
	ib_xattr(&b, LG_HELLO, "user.comment", "hi", 2);
	ib_xattr(&b, LG_HELLO, "trusted.t", "tt", 2);
	ib_branching(&b, 16, 320 * 1024);
	ib_build(&b);
	lg.size = b.size;
	lg.img = b.img;
	b.img = NULL;
	ib_free(&b);
	ret = fsd_open(&f, lg.img, lg.size, true, 0);
	if (ret)
		die_setup("open", ret, &f.rep);
	lg_ops(&f);
	lg.di = f.img;
	lg.di.wbase = NULL;
	if (fsd_lookup(&f, 1, "a-link", &a) || fsd_inode(&f, a, &vi) ||
	    daxfs_view_map(&f.view, &vi, 0, &m) || m.hole)
		die_setup("a data page", -ENOENT, &f.rep);
	lg.data_pgno = m.pgno;
	fsd_close(&f);
	ret = daxfs_log_span(&lg.di, 0, &span);
	if (!ret)
		ret = daxfs_log_chunks(&lg.di, &span, lg_chunk, NULL);
	if (!ret)
		ret = daxfs_log_reader_init(&r, &lg.di, &span);
	if (ret)
		die_setup("log", ret, &f.rep);
	lg.tail = span.tail;
	while (daxfs_log_next(&r, &rec, NULL, NULL) > 0)
		if (lg.nrec < 1024)
			lg.rec[lg.nrec++] = rec.lsn;
	daxfs_log_reader_release(&r);
	if (lg.nchunks < 3 || lg.nrec < 100)
		die_setup("the log is too small", (int)lg.nchunks, &f.rep);
}

LG_FN u8 *lg_copy(void)
{
	u8 *img = aligned_alloc(4096, lg.size);

	if (!img)
		exit(2);
	memcpy(img, lg.img, lg.size);
	return img;
}

/* The byte at log position @lsn, in the image @img (chunks as made). */
LG_FN u8 *lg_at(u8 *img, u64 lsn)
{
	for (u32 i = 0; i < lg.nchunks; i++)
		if (lsn >= lg.chunk_lsn[i] &&
		    lsn - lg.chunk_lsn[i] < DAXFS_CHUNK_PAYLOAD)
			return img + daxfs_page_off(&lg.di, lg.chunk[i]) +
			       DAXFS_CHUNK_HDR + (lsn - lg.chunk_lsn[i]);
	return NULL;
}

LG_FN void lg_get(u8 *img, u64 lsn, void *buf, u32 len)
{
	for (u32 i = 0; i < len; i++) {
		u8 *p = lg_at(img, lsn + i);

		((u8 *)buf)[i] = p ? *p : 0;
	}
}

LG_FN void lg_put(u8 *img, u64 lsn, const void *buf, u32 len)
{
	for (u32 i = 0; i < len; i++) {
		u8 *p = lg_at(img, lsn + i);

		if (p)
			*p = ((const u8 *)buf)[i];
	}
}

LG_FN struct daxfs_log_chunk *lg_chunk_hdr(u8 *img, u32 i)
{
	return (struct daxfs_log_chunk *)(img +
		daxfs_page_off(&lg.di, lg.chunk[i]));
}

LG_FN void lg_fix_chunk(u8 *img, u32 i)
{
	struct daxfs_log_chunk *c = lg_chunk_hdr(img, i);

	c->crc = htole32(daxfs_crc32c(c, offsetof(struct daxfs_log_chunk,
						  crc)));
}

/*
 * Seal the records again where their headers still make sense, with
 * what their headers now say (so changed fields survive, CRCs match).
 */
LG_FN void lg_reseal(u8 *img)
{
	static u8 buf[DAXFS_REC_MAX];
	u64 lsn = lg.chunk_lsn[0];

	while (lsn + sizeof(struct daxfs_rec_header) <= lg.tail) {
		struct daxfs_rec_header h;
		u32 len;

		lg_get(img, lsn, &h, sizeof(h));
		len = le32toh(h.len);
		if (len < sizeof(h) || len % 8 || len > lg.tail - lsn)
			break;
		lg_get(img, lsn, buf, len);
		daxfs_rec_seal(buf, le64toh(h.lsn), le16toh(h.flags));
		lg_put(img, lsn, buf, len);
		lsn += len;
	}
}

/* The record at index @i: its header, for changing one field. */
LG_FN struct daxfs_rec_header lg_rec_hdr(u8 *img, u32 i)
{
	struct daxfs_rec_header h;

	lg_get(img, lg.rec[i], &h, sizeof(h));
	return h;
}

LG_FN void lg_set_rec_hdr(u8 *img, u32 i, const struct daxfs_rec_header *h,
			   bool reseal)
{
	static u8 buf[DAXFS_REC_MAX];
	u32 len = le32toh(h->len);

	lg_put(img, lg.rec[i], h, sizeof(*h));
	if (!reseal || len < sizeof(*h) || len > DAXFS_REC_MAX)
		return;
	lg_get(img, lg.rec[i], buf, len);
	daxfs_rec_seal(buf, le64toh(h->lsn), le16toh(h->flags));
	lg_put(img, lg.rec[i], buf, len);
}

/* Make every checksum right again (records, chunks, header, main's slot). */
LG_FN void lg_fix_all(u8 *img)
{
	lg_reseal(img);
	for (u32 c = 0; c < lg.nchunks; c++)
		lg_fix_chunk(img, c);
	ib_fix_delta(img);
	ib_fix_branch(img, 0);
}

struct lg_result {
	int open;			/* daxfs_image_open + daxfs_delta_open */
	int replay;
	bool damaged;			/* recovery stopped at damage */
};

/* Open, replay (strict, then recovering) and walk @img. */
LG_FN struct lg_result lg_run(u8 *img, struct tu_report *r)
{
	struct lg_result res = { 0, 0, false };
	struct daxfs_replay_info info;
	struct daxfs_layer layer;
	struct daxfs_view v = { 0 };
	struct daxfs_image di;

	tu_reset(r);
	res.open = daxfs_image_open(&di, img, lg.size, tu_collect, r);
	if (!res.open)
		res.open = daxfs_delta_open(&di, tu_collect, r);
	if (res.open)
		return res;
	daxfs_layer_init(&layer);
	v.img = &di;
	v.layer[0] = &layer;
	v.depth = 1;
	res.replay = daxfs_replay(&v, 0, 0, 0, &info, tu_collect, r);
	if (!res.replay)
		walk_view(&v);
	daxfs_layer_clear(&layer);
	if (daxfs_replay(&v, 0, 0, DAXFS_REPLAY_RECOVER, &info, NULL,
			 NULL) == 0) {
		res.damaged = info.damaged;
		walk_view(&v);
	}
	daxfs_layer_clear(&layer);
	return res;
}


#endif /* DAXFS_LOGIMG_H */

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for the log replay: a valid branching image whose
 * main has a log written by the core's writer (tests/host/logimg.h,
 * built once through tests/host/fsdrv.h operations) is damaged as the
 * input says, then opened, replayed and walked as a mount would:
 * daxfs_image_open + daxfs_delta_open, daxfs_replay (strict, or
 * recovering), a walk of the view from the root (every entry, inode,
 * page map, symlink, xattr), and on request a writable open with a few
 * operations.  ASan/UBSan turn any stray access into a crash; the
 * replay's result must be 0, -EUCLEAN or -EIO, with a message for the
 * errors.
 *
 * Input: byte 0 is a set of flags, then 6-byte edits:
 *   flags bit 0  seal every record again after the edits (its CRC right
 *                again, so the edit reaches the layer's checks)
 *         bit 1  fix the chunk headers' CRCs
 *         bit 2  fix the delta header's and main's slot's CRCs
 *         bit 3  replay in recovery mode (DAXFS_REPLAY_RECOVER)
 *         bit 4  then open it writable and run a few operations
 *   edit         u32 where (little-endian), u8 op, u8 value
 * An edit's @where picks a target in what matters (main's branch slot,
 * the delta header page, the bitmap and group counts, the pages of the
 * log and the file data), or, for the record and chunk ops, a record or
 * a chunk by number.  Ops (op % 8):
 *   0 xor the byte with @value (1 if 0)    1 set the byte to @value
 *   2 add @value - 128 to the 64-bit word  3 set the word to a value
 *                                            from a table (@value)
 *   4 set the 32-bit word from the table   5 set byte @value % 48 of
 *                                            record @where (header and
 *                                            fixed part) to @where >> 16
 *   6 set word @value % 8 of chunk @where's header from the table
 *   7 set main's log_head / log_tail / log_id / state (@value % 4) from
 *     the table (@where selects the entry)
 *
 * Build: make fuzz.  Run: tests/fuzz/run.sh SECONDS (both targets), or
 * see docs/fuzzing.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../host/logimg.h"

#define F_RESEAL	(1U << 0)
#define F_CHUNKS	(1U << 1)
#define F_HEADERS	(1U << 2)
#define F_RECOVER	(1U << 3)
#define F_WRITE		(1U << 4)

static const u64 vals[] = {
	0, 1, 2, 7, 8, 24, 32, 64, 4032, 4064, 4096, 65536, 0x7fffffff,
	0xffffffff, 1ULL << 32, 1ULL << 40, 1ULL << 48, 1ULL << 62, ~0ULL,
	~0ULL - 7, DAXFS_NO_PAGE - 1, DAXFS_ROOT_INO, LG_HELLO, LG_BIG,
	DAXFS_REC_MAGIC, DAXFS_CHUNK_MAGIC,
};

#define NVALS	(sizeof(vals) / sizeof(vals[0]))

/* The ranges an edit's @where walks through. */
struct area {
	u64 off, len;
};

static struct area areas[4];
static u64 area_total;
static u8 *img;

static void setup(void)
{
	const struct daxfs_image *d;

	make_log_sample();
	d = &lg.di;
	areas[0] = (struct area){ d->branch_off, sizeof(struct daxfs_branch) };
	areas[1] = (struct area){ d->delta_off, DAXFS_BLOCK_SIZE };
	areas[2] = (struct area){ d->delta.bitmap_off,
				  d->delta.pages_off - d->delta.bitmap_off };
	/* the log's chunks and the data pages come first in the delta */
	areas[3] = (struct area){ d->delta.pages_off, 64 * DAXFS_BLOCK_SIZE };
	if (areas[3].off + areas[3].len > lg.size)
		areas[3].len = lg.size - areas[3].off;
	for (int i = 0; i < 4; i++)
		area_total += areas[i].len;
	img = lg_copy();
}

/* The image offset of target byte @where. */
static u64 target(u32 where)
{
	u64 w = where % area_total;

	for (int i = 0; i < 4; i++) {
		if (w < areas[i].len)
			return areas[i].off + w;
		w -= areas[i].len;
	}
	return areas[0].off;
}

static void put(u64 off, u64 v, u32 width)
{
	__le64 le = htole64(v);

	if (off + width <= lg.size)
		memcpy(img + off, &le, width);
}

static u64 get64(u64 off)
{
	__le64 le = 0;

	if (off + 8 <= lg.size)
		memcpy(&le, img + off, 8);
	return le64toh(le);
}

static void edit(u32 where, u8 op, u8 value)
{
	static const size_t slot_fields[] = {
		offsetof(struct daxfs_branch, log_head),
		offsetof(struct daxfs_branch, log_tail),
		offsetof(struct daxfs_branch, log_id),
		offsetof(struct daxfs_branch, state),
	};
	u64 off = target(where);

	switch (op % 8) {
	case 0:
		img[off] ^= value ? value : 1;
		break;
	case 1:
		img[off] = value;
		break;
	case 2:
		off &= ~7ULL;
		put(off, get64(off) + (u64)((s64)value - 128), 8);
		break;
	case 3:
		put(off & ~7ULL, vals[value % NVALS], 8);
		break;
	case 4:
		put(off & ~3ULL, vals[value % NVALS], 4);
		break;
	case 5: {
		u8 *p = lg_at(img, lg.rec[where % lg.nrec] + value % 48);

		if (p)
			*p = (u8)(where >> 16);
		break;
	}
	case 6:
		put(daxfs_page_off(&lg.di, lg.chunk[where % lg.nchunks]) +
		    (value % 8) * 8, vals[(where >> 8) % NVALS], 8);
		break;
	default:
		put(lg.di.branch_off + slot_fields[value % 4],
		    vals[where % NVALS], value % 4 == 3 ? 4 : 8);
	}
}

static void fix(unsigned int flags)
{
	if (flags & F_RESEAL)
		lg_reseal(img);
	if (flags & F_CHUNKS)
		for (u32 c = 0; c < lg.nchunks; c++)
			lg_fix_chunk(img, c);
	if (flags & F_HEADERS) {
		ib_fix_delta(img);
		ib_fix_branch(img, 0);
	}
}

static void messages(void *ctx, const char *msg)
{
	size_t *n = ctx;

	*n += strlen(msg) + 1;	/* a valid string, counted */
}

static void run(unsigned int flags)
{
	struct daxfs_replay_info info;
	struct daxfs_layer layer;
	struct daxfs_view v;
	struct daxfs_image di;
	size_t said = 0;
	int ret;

	if (daxfs_image_open(&di, img, lg.size, messages, &said) ||
	    daxfs_delta_open(&di, messages, &said))
		return;
	memset(&v, 0, sizeof(v));
	daxfs_layer_init(&layer);
	v.img = &di;
	v.layer[0] = &layer;
	v.depth = 1;
	said = 0;
	ret = daxfs_replay(&v, 0, 0, flags & F_RECOVER ? DAXFS_REPLAY_RECOVER :
			   0, &info, messages, &said);
	if (ret && ret != -EUCLEAN && ret != -EIO)
		abort();	/* damage must be -EUCLEAN */
	if (ret && !said)
		abort();	/* ... with a message */
	if (!ret)
		walk_view(&v);
	daxfs_layer_clear(&layer);
}

/* A writable mount of the damaged image: a few operations. */
static void run_write(unsigned int flags)
{
	struct fsd f;
	u64 ino;

	if (fsd_open(&f, img, lg.size, true, flags & F_RECOVER ?
		     DAXFS_REPLAY_RECOVER : 0))
		return;
	if (!fsd_create(&f, 1, "w", DAXFS_S_IFREG | 0644, NULL, &ino)) {
		fsd_write(&f, ino, 5000, "written", 7);
		fsd_setxattr(&f, ino, "user.w", "x", 1);
		fsd_rename(&f, 1, "w", 1, "w2", 0);
	}
	fsd_remove(&f, 1, "hello", false);
	fsd_truncate(&f, LG_BIG, 100);
	walk_view(&f.view);
	fsd_close(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int flags;

	if (!img)
		setup();
	if (!size)
		return 0;
	memcpy(img, lg.img, lg.size);
	flags = data[0];
	for (size_t i = 1; i + 6 <= size; i += 6) {
		u32 where;

		memcpy(&where, data + i, 4);
		edit(le32toh(where), data[i + 4], data[i + 5]);
	}
	fix(flags);
	run(flags);
	if (flags & F_WRITE)
		run_write(flags);
	return 0;
}

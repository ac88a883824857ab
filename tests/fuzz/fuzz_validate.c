// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for the portable core: the input is an image region.
 * Each input goes through daxfs_image_open, daxfs_validate (first-stop
 * and report-all) and a full accessor walk (every inode, lookup of every
 * name, every page mapped and touched, every symlink and xattr), and
 * through daxfs_rec_decode as a log record.  An image with branches also
 * goes through daxfs_delta_open and the replay of main's log (strict,
 * then recovering), each replayed view walked from the root
 * (tests/fuzz/fuzz_replay.c aims at the log itself).
 *
 * Checksums stop random mutations early, so each input is also run a
 * second time with every checksum it carries recomputed (superblock,
 * metadata, data, delta header, branch slots): that copy reaches the
 * deeper checks.  Build: make fuzz.  Run: tests/fuzz/run.sh SECONDS, or
 * see docs/fuzzing.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "daxfs_core.h"
#include "../host/walk.h"

static void ignore(void *ctx, const char *msg)
{
	size_t *n = ctx;

	*n += strlen(msg);	/* the message must be a valid string */
}

static int in_range(u64 off, u64 len, u64 size)
{
	return off <= size && len <= size - off;
}

/* Recompute every checksum the geometry lets us find. */
static void fix_crcs(u8 *p, size_t size)
{
	struct daxfs_super *s = (struct daxfs_super *)p;
	u64 off, len;
	u32 n;

	if (size < DAXFS_SUPER_SIZE)
		return;
	off = le64toh(s->inode_off);
	len = le64toh(s->meta_size);
	if (in_range(off, len, size))
		s->meta_crc = htole32(daxfs_crc32c(p + off, len));
	off = le64toh(s->data_off);
	len = le64toh(s->data_size);
	if (in_range(off, len, size))
		s->data_crc = htole32(daxfs_crc32c(p + off, len));
	off = le64toh(s->delta_off);
	if (in_range(off, sizeof(struct daxfs_delta_super), size) &&
	    !(off & 7)) {
		struct daxfs_delta_super *d = (void *)(p + off);

		d->crc = htole32(daxfs_crc32c(d,
				offsetof(struct daxfs_delta_super, crc)));
	}
	off = le64toh(s->branch_off);
	n = le32toh(s->branch_count);
	for (u32 i = 0; i < n && i < 64 && !(off & 7); i++) {
		struct daxfs_branch *b;

		if (!in_range(off + (u64)i * sizeof(*b), sizeof(*b), size))
			break;
		b = (void *)(p + off + (u64)i * sizeof(*b));
		b->crc = htole32(daxfs_branch_crc(b));
	}
	s->crc = htole32(daxfs_super_crc(p));
}

/* Main's log replayed into a view (read-only), and the view walked. */
static void run_replay(struct daxfs_image *img, size_t *n)
{
	struct daxfs_replay_info info;
	struct daxfs_layer layer;
	struct daxfs_view v;

	if (daxfs_delta_open(img, ignore, n))
		return;
	memset(&v, 0, sizeof(v));
	daxfs_layer_init(&layer);
	v.img = img;
	v.layer[0] = &layer;
	v.depth = 1;
	if (!daxfs_replay(&v, 0, 0, 0, &info, ignore, n))
		walk_view(&v);
	daxfs_layer_clear(&layer);
	if (!daxfs_replay(&v, 0, 0, DAXFS_REPLAY_RECOVER, &info, ignore, n))
		walk_view(&v);
	daxfs_layer_clear(&layer);
}

static void run_image(const u8 *p, size_t size)
{
	struct daxfs_image img;
	size_t n = 0;

	if (daxfs_image_open(&img, p, size, ignore, &n))
		return;
	daxfs_validate(&img, 0, ignore, &n);
	daxfs_validate(&img, DAXFS_VALIDATE_ALL | DAXFS_VALIDATE_DATA_CRC,
		       ignore, &n);
	walk_image(&img);
	if (img.feat_incompat & DAXFS_FEAT_INCOMPAT_BRANCHES)
		run_replay(&img, &n);
}

static void run_record(const u8 *p, size_t size)
{
	struct daxfs_rec_view v;
	volatile u8 sink = 0;

	if (daxfs_rec_decode(p, size, &v))
		return;
	if (v.payload_len)
		sink ^= v.payload[0] ^ v.payload[v.payload_len - 1];
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 *p = malloc(size ? size : 1);	/* 16-byte aligned copy */

	if (!p)
		return 0;
	memcpy(p, data, size);
	run_record(p, size);
	run_image(p, size);
	fix_crcs(p, size);
	run_image(p, size);
	free(p);
	return 0;
}

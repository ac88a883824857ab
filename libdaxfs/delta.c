// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The delta region's geometry, and the words of the region that change
 * while it is in use: stores that are made durable, shared 64-bit words
 * changed by compare-and-swap (inode numbers, the mount table, branch
 * owners), branch slots copied out for reading.
 *
 * Every store into the region goes through daxfs_region_write() or a
 * shared-word helper here, so that persistent memory gets its cache
 * write-backs and the host tests can record every store (the crash
 * tests cut the image after each one).
 */
#include "daxfs_internal.h"

/* One checked copy of the delta header into @img->delta. */
static int delta_geometry(struct daxfs_image *img,
			  const struct daxfs_delta_super *ds,
			  daxfs_report_fn report, void *ctx)
{
	u64 size = le64_to_cpu(ds->size);
	u64 pages = le64_to_cpu(ds->page_count);
	u64 bitmap = le64_to_cpu(ds->bitmap_off);
	u64 groups = le64_to_cpu(ds->groups_off);
	u64 first = le64_to_cpu(ds->first_page);
	u32 gpages = le32_to_cpu(ds->group_pages);
	u32 gcount = le32_to_cpu(ds->group_count);
	u64 bitmap_bytes, groups_bytes, pages_bytes;

	if (size != img->delta_size || gpages != DAXFS_GROUP_PAGES ||
	    le32_to_cpu(ds->mount_slots) != DAXFS_MOUNT_SLOTS ||
	    !daxfs_all_zero(ds->reserved, sizeof(ds->reserved))) {
		DAXFS_SAY(report, ctx, "delta region: header does not match this format (size %u, group %u)",
			  size, gpages);
		return -EUCLEAN;
	}
	bitmap_bytes = ((pages + 63) / 64) * 8;
	groups_bytes = (u64)gcount * sizeof(__le64);
	if (!pages || gcount != (pages + gpages - 1) / gpages ||
	    !daxfs_mul_ok(pages, DAXFS_BLOCK_SIZE, &pages_bytes) ||
	    bitmap != DAXFS_BLOCK_SIZE || (first & (DAXFS_BLOCK_SIZE - 1)) ||
	    !daxfs_range_ok(bitmap, bitmap_bytes, groups) ||
	    (groups & 7) || !daxfs_range_ok(groups, groups_bytes, first) ||
	    !daxfs_range_ok(first, pages_bytes, size)) {
		DAXFS_SAY(report, ctx, "delta region: bad geometry (%u pages from %u, bitmap at %u, groups at %u)",
			  pages, first, bitmap, groups);
		return -EUCLEAN;
	}
	img->delta.page_count = pages;
	img->delta.bitmap_off = img->delta_off + bitmap;
	img->delta.groups_off = img->delta_off + groups;
	img->delta.pages_off = img->delta_off + first;
	img->delta.shared_off = img->delta_off + sizeof(*ds);
	img->delta.group_pages = gpages;
	img->delta.group_count = gcount;
	img->delta.first_ino = le64_to_cpu(ds->first_ino);
	if (img->delta.first_ino != img->inode_count + 1) {
		DAXFS_SAY(report, ctx, "delta region: first_ino %u is not inode_count + 1",
			  img->delta.first_ino);
		return -EUCLEAN;
	}
	return 0;
}

int daxfs_delta_open(struct daxfs_image *img, daxfs_report_fn report,
		     void *ctx)
{
	struct daxfs_delta_super ds;
	int ret;

	memset(&img->delta, 0, sizeof(img->delta));
	if (!(img->feat_incompat & DAXFS_FEAT_INCOMPAT_BRANCHES) ||
	    img->delta_size < DAXFS_BLOCK_SIZE) {
		DAXFS_SAY(report, ctx, "image has no delta region");
		return -EUCLEAN;
	}
	ret = daxfs_image_read(img, img->delta_off, &ds, sizeof(ds));
	if (ret) {
		DAXFS_SAY(report, ctx, "delta region: cannot read its header");
		return ret;
	}
	if (le64_to_cpu(ds.magic) != DAXFS_DELTA_MAGIC) {
		DAXFS_SAY(report, ctx, "delta region: bad magic");
		return -EUCLEAN;
	}
	if (le32_to_cpu(ds.crc) !=
	    daxfs_crc32c(&ds, offsetof(struct daxfs_delta_super, crc))) {
		DAXFS_SAY(report, ctx, "delta region: bad header checksum");
		return -EUCLEAN;
	}
	ret = delta_geometry(img, &ds, report, ctx);
	if (ret)
		memset(&img->delta, 0, sizeof(img->delta));
	return ret;
}

int daxfs_branch_read(const struct daxfs_image *img, u32 i,
		      struct daxfs_branch *out)
{
	if (i >= img->branch_count)
		return -EUCLEAN;
	return daxfs_image_read(img, daxfs_branch_word(img, i, 0), out,
				sizeof(*out));
}

int daxfs_branch_check(const struct daxfs_image *img, u32 i, u64 gen)
{
	u64 off = daxfs_branch_word(img, i,
				    offsetof(struct daxfs_branch, generation));
	struct daxfs_branch b;
	int ret;

	if (daxfs_word_load(img, off) != gen)
		return -ESTALE;
	ret = daxfs_branch_read(img, i, &b);
	if (ret)
		return ret;
	/* a slot reused meanwhile is half old, half new: not damage */
	daxfs_load_fence();
	if (daxfs_word_load(img, off) != gen)
		return -ESTALE;
	return le32_to_cpu(b.crc) == daxfs_branch_crc(&b) ? 0 : -EUCLEAN;
}

/* A shared word's address; the offsets come from checked geometry. */
static void *word(const struct daxfs_image *img, u64 off)
{
	return (void *)(img->wbase ? img->wbase + off :
			(u8 *)(unsigned long)(img->base + off));
}

u64 daxfs_word_load(const struct daxfs_image *img, u64 off)
{
	return daxfs_load64_acquire(img->base + off);
}

u64 daxfs_word_cas(const struct daxfs_image *img, u64 off, u64 old, u64 new)
{
	u64 prev = daxfs_cas64(word(img, off), old, new);

	if (prev == old)
		daxfs_persist(img, off, sizeof(u64));
	return prev;
}

void daxfs_word_store(const struct daxfs_image *img, u64 off, u64 v)
{
	daxfs_store64_release(word(img, off), v);
	daxfs_persist(img, off, sizeof(u64));
}

void daxfs_hint32_store(const struct daxfs_image *img, u64 off, u32 v)
{
	daxfs_store32(word(img, off), v);
	daxfs_persist(img, off, sizeof(u32));
}

u64 daxfs_word_add(const struct daxfs_image *img, u64 off, s64 delta)
{
	u64 old = daxfs_word_load(img, off), seen;

	for (;;) {
		seen = daxfs_word_cas(img, off, old, old + (u64)delta);
		if (seen == old)
			return old + (u64)delta;
		old = seen;
	}
}

void daxfs_region_write(const struct daxfs_image *img, u64 off,
			const void *src, u64 len)
{
	daxfs_region_copy_in(word(img, off), src, len, img->persistent);
}

void daxfs_region_zero(const struct daxfs_image *img, u64 off, u64 len)
{
	static const u8 zeros[256];

	while (len) {
		u64 n = len < sizeof(zeros) ? len : sizeof(zeros);

		daxfs_region_write(img, off, zeros, n);
		off += n;
		len -= n;
	}
}

void daxfs_persist(const struct daxfs_image *img, u64 off, u64 len)
{
	daxfs_region_flush(word(img, off), len, img->persistent);
}

void daxfs_fence(const struct daxfs_image *img)
{
	daxfs_region_fence(img->persistent);
}

static u64 next_ino_off(const struct daxfs_image *img)
{
	return img->delta.shared_off + offsetof(struct daxfs_shared, next_ino);
}

u64 daxfs_ino_next(const struct daxfs_image *img)
{
	u64 off = next_ino_off(img), cur, seen;

	cur = daxfs_word_load(img, off);
	for (;;) {
		/* never below the first number after the base */
		u64 ino = cur < img->delta.first_ino ? img->delta.first_ino : cur;

		seen = daxfs_word_cas(img, off, cur, ino + 1);
		if (seen == cur)
			return ino;
		cur = seen;
	}
}

void daxfs_ino_seen(const struct daxfs_image *img, u64 ino)
{
	u64 off = next_ino_off(img), cur = daxfs_word_load(img, off), seen;

	while (cur <= ino) {
		seen = daxfs_word_cas(img, off, cur, ino + 1);
		if (seen == cur)
			return;
		cur = seen;
	}
}

/* ---- the mount table ---- */

#define MOUNT_WORD(f)	offsetof(struct daxfs_mount_slot, f)

/* Two 32-bit fields of one aligned word, as one 64-bit store. */
static void mount_pair(const struct daxfs_image *img, u32 slot, size_t off,
		       u32 lo, u32 hi)
{
	daxfs_word_store(img, daxfs_mount_word(img, slot, off),
			 lo | (u64)hi << 32);
}

/*
 * Show top @branch: nothing of its log is read yet (shown_lsn 0) before
 * the branch word says which log, so that its writer never pairs our
 * branch with where we were in another log.
 */
static void mount_fill(const struct daxfs_image *img, u32 slot, u32 branch,
		       u32 flags)
{
	daxfs_word_store(img, daxfs_mount_word(img, slot,
						 MOUNT_WORD(shown_lsn)), 0);
	daxfs_fence(img);
	mount_pair(img, slot, MOUNT_WORD(branch), branch, flags);
	daxfs_fence(img);
}

/* A slot just taken: no old view pinned. */
static void mount_init(const struct daxfs_image *img, u32 slot, u32 branch,
		       u32 flags)
{
	mount_pair(img, slot, MOUNT_WORD(pinned), DAXFS_BRANCH_NONE, 0);
	mount_fill(img, slot, branch, flags);
}

int daxfs_mount_claim(const struct daxfs_image *img, u64 id, u32 branch,
		      u32 flags, u32 *slot)
{
	u32 i;

	for (i = 0; i < DAXFS_MOUNT_SLOTS; i++) {
		u64 off = daxfs_mount_word(img, i, 0);

		if (daxfs_word_load(img, off))
			continue;
		if (daxfs_word_cas(img, off, 0, id) == 0) {
			mount_init(img, i, branch, flags);
			*slot = i;
			return 0;
		}
	}
	return -EBUSY;
}

int daxfs_mount_take(const struct daxfs_image *img, u32 slot, u64 old_id,
		     u64 id, u32 branch, u32 flags)
{
	if (slot >= DAXFS_MOUNT_SLOTS || !old_id ||
	    daxfs_word_cas(img, daxfs_mount_word(img, slot, 0), old_id, id) !=
	    old_id)
		return -EBUSY;
	daxfs_mount_reaped(img);
	mount_init(img, slot, branch, flags);
	return 0;
}

static u64 reaps_off(const struct daxfs_image *img)
{
	return img->delta.shared_off + offsetof(struct daxfs_shared, reaps);
}

void daxfs_mount_reaped(const struct daxfs_image *img)
{
	daxfs_word_add(img, reaps_off(img), 1);
}

u64 daxfs_mount_reaps(const struct daxfs_image *img)
{
	return daxfs_word_load(img, reaps_off(img));
}

void daxfs_mount_update(const struct daxfs_image *img, u32 slot, u32 branch,
			u32 flags)
{
	mount_fill(img, slot, branch, flags);
}

void daxfs_mount_shown(const struct daxfs_image *img, u32 slot, u64 lsn)
{
	daxfs_word_store(img, daxfs_mount_word(img, slot,
						 MOUNT_WORD(shown_lsn)), lsn);
}

void daxfs_mount_pin(const struct daxfs_image *img, u32 slot, u32 top,
		     u64 lsn)
{
	if (top != DAXFS_BRANCH_NONE) {
		daxfs_word_store(img, daxfs_mount_word(img, slot,
				 MOUNT_WORD(pinned_lsn)), lsn);
		daxfs_fence(img);
	}
	mount_pair(img, slot, MOUNT_WORD(pinned), top, 0);
	daxfs_fence(img);
}

/* Does the slot @i show, or pin, log @top at a position before @lsn? */
static bool mount_reads_before(const struct daxfs_image *img, u32 i, u32 top,
			       u64 lsn)
{
	u64 w = daxfs_word_load(img, daxfs_mount_word(img, i,
							MOUNT_WORD(branch)));

	if ((u32)w == top &&
	    daxfs_word_load(img, daxfs_mount_word(img, i,
			    MOUNT_WORD(shown_lsn))) < lsn)
		return true;
	w = daxfs_word_load(img, daxfs_mount_word(img, i, MOUNT_WORD(pinned)));
	return (u32)w == top &&
	       daxfs_word_load(img, daxfs_mount_word(img, i,
			       MOUNT_WORD(pinned_lsn))) < lsn;
}

int daxfs_mount_reader(const struct daxfs_image *img, u32 self, u32 top,
		       u64 lsn, u32 *who)
{
	u32 i;

	for (i = 0; i < DAXFS_MOUNT_SLOTS; i++) {
		if (i == self ||
		    !daxfs_word_load(img, daxfs_mount_word(img, i, 0)))
			continue;
		if (mount_reads_before(img, i, top, lsn)) {
			*who = i;
			return 1;
		}
	}
	return 0;
}

void daxfs_mount_seen(const struct daxfs_image *img, u32 slot, u64 epoch)
{
	daxfs_word_store(img, daxfs_mount_word(img, slot,
			 offsetof(struct daxfs_mount_slot, seen_epoch)), epoch);
}

void daxfs_mount_beat(const struct daxfs_image *img, u32 slot)
{
	daxfs_word_add(img, daxfs_mount_word(img, slot,
			offsetof(struct daxfs_mount_slot, heartbeat)), 1);
}

void daxfs_mount_release(const struct daxfs_image *img, u32 slot, u64 id)
{
	daxfs_word_cas(img, daxfs_mount_word(img, slot, 0), id, 0);
}

int daxfs_mount_find(const struct daxfs_image *img, u64 id, u32 *slot)
{
	u32 i;

	if (!id)
		return -ENOENT;
	for (i = 0; i < DAXFS_MOUNT_SLOTS; i++) {
		if (daxfs_word_load(img, daxfs_mount_word(img, i, 0)) == id) {
			*slot = i;
			return 0;
		}
	}
	return -ENOENT;
}

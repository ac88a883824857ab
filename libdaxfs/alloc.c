// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The delta page allocator.  The bitmap in the region is the truth: one
 * bit per delta page, 1 = in use, in 64-bit little-endian words changed
 * only by compare-and-swap, so any number of mounts in any number of
 * kernels can take and give pages at once.  The bits past the last page
 * in the last word are always 1.  Each allocation group (the pages of
 * one 4 KiB bitmap page) has a free-page count next to the bitmap,
 * changed by atomic add after the bits: only a hint (a crash between the
 * two leaves it off), used to skip full groups and for statfs, and made
 * exact again by daxfs_alloc_rebuild().
 *
 * A search starts at the caller's cursor and takes the first free bits
 * it meets (up to one word's worth in a row), so allocations from one
 * CPU come out contiguous and different CPUs, starting elsewhere, rarely
 * meet on a word.  It visits each word at most twice (once trusting the
 * group counts, once not), so it is bounded by the bitmap's size even
 * when every page is taken.
 */
#include "daxfs_internal.h"

static u64 bit_off(const struct daxfs_alloc *a, u64 w)
{
	return a->img->delta.bitmap_off + w * sizeof(u64);
}

static u64 group_off(const struct daxfs_alloc *a, u64 g)
{
	return a->img->delta.groups_off + g * sizeof(u64);
}

static u64 words_per_group(const struct daxfs_alloc *a)
{
	return a->img->delta.group_pages / 64;
}

/* Pages of group @g that exist (the last group may be short). */
static u64 group_size(const struct daxfs_alloc *a, u64 g)
{
	u64 first = g * a->img->delta.group_pages;
	u64 left = a->img->delta.page_count - first;

	return left < a->img->delta.group_pages ? left :
		a->img->delta.group_pages;
}

/* Bits of word @w that stand for no page (always 1). */
static u64 beyond_end(const struct daxfs_alloc *a, u64 w)
{
	u64 first = w * 64, pages = a->img->delta.page_count;

	if (first + 64 <= pages)
		return 0;
	return ~0ULL << (pages - first);
}

int daxfs_alloc_init(struct daxfs_alloc *a, const struct daxfs_image *img)
{
	u64 pages = img->delta.page_count;

	memset(a, 0, sizeof(*a));
	if (!pages)
		return -EINVAL;
	a->img = img;
	a->words = (pages + 63) / 64;
	/* room to log deletions on a full region: 1/256, 16 to 8192 pages */
	a->reserve = pages / 256;
	if (a->reserve < 16)
		a->reserve = 16;
	if (a->reserve > 8192)
		a->reserve = 8192;
	if (a->reserve > pages / 4)
		a->reserve = pages / 4;
	return 0;
}

static void group_add(struct daxfs_alloc *a, u64 w, s64 n)
{
	daxfs_word_add(a->img, group_off(a, w / words_per_group(a)), n);
}

/* Free bits from bit @b of @free up, at most @want. */
static u64 run_from(u64 free, u32 b, u64 want)
{
	u64 n = 0;

	while (b + n < 64 && n < want && (free >> (b + n) & 1))
		n++;
	return n;
}

/*
 * Take free bits of word @w: 1 with *@pgno, *@got; 0 when the word is
 * full; -EUCLEAN when it claims to have a free page past the end.
 */
static int take_word(struct daxfs_alloc *a, u64 w, u64 want, u64 *pgno,
		     u64 *got)
{
	u64 off = bit_off(a, w), v = daxfs_word_load(a->img, off);

	for (;;) {
		u64 free = ~v, n, mask, seen;
		u32 b;

		if (!free)
			return 0;
		if (free & beyond_end(a, w))
			return -EUCLEAN;
		b = (u32)daxfs_ffs64(free);
		n = run_from(free, b, want);
		mask = (n == 64 ? ~0ULL : ((1ULL << n) - 1)) << b;
		seen = daxfs_word_cas(a->img, off, v, v | mask);
		if (seen == v) {
			daxfs_fence(a->img);
			group_add(a, w, -(s64)n);
			*pgno = w * 64 + b;
			*got = n;
			return 1;
		}
		v = seen;	/* somebody else changed it: look again */
	}
}

/*
 * Is more than the reserve free?  The group counts are summed from the
 * cursor's group on, and the sum stops as soon as it says so: one or two
 * loads on a region that is not nearly full, all of them only near the
 * end.
 */
static bool above_reserve(const struct daxfs_alloc *a, u64 cursor)
{
	u64 n = a->img->delta.group_count, i, sum = 0;
	u64 g = (cursor % a->img->delta.page_count) / a->img->delta.group_pages;

	for (i = 0; i < n; i++, g = (g + 1) % n) {
		u64 v = daxfs_word_load(a->img, group_off(a, g));
		u64 max = group_size(a, g);

		sum += v < max ? v : max;
		if (sum > a->reserve)
			return true;
	}
	return false;
}

int daxfs_alloc_get(struct daxfs_alloc *a, u64 *cursor, u64 want,
		    unsigned int flags, u64 *pgno, u64 *got)
{
	u64 wpg = words_per_group(a), pass, i, w, steps = 0;
	int ret;

	if (!want)
		return -EINVAL;
	if (!(flags & DAXFS_ALLOC_RESERVE) && !above_reserve(a, *cursor))
		return -ENOSPC;
	for (pass = 0; pass < 2; pass++) {
		w = (*cursor / 64) % a->words;
		for (i = 0; i < a->words; i++, w = (w + 1) % a->words) {
			/* a step: one word looked at, or one group skipped */
			ret = daxfs_step(steps++);
			if (ret)
				return ret;
			/* first pass: skip groups the counts call full */
			if (!pass && !(w % wpg) && !daxfs_word_load(a->img,
					group_off(a, w / wpg))) {
				u64 skip = wpg - 1;

				if (skip > a->words - 1 - i)
					skip = a->words - 1 - i;
				i += skip;
				w = (w + skip) % a->words;
				continue;
			}
			ret = take_word(a, w, want, pgno, got);
			if (ret < 0)
				return ret;
			if (ret) {
				*cursor = *pgno + *got;
				return 0;
			}
		}
	}
	return -ENOSPC;
}

int daxfs_alloc_put(struct daxfs_alloc *a, u64 pgno, u64 n)
{
	u64 pages = a->img->delta.page_count;

	if (!n || pgno >= pages || n > pages - pgno)
		return -EUCLEAN;
	while (n) {
		u64 w = pgno / 64, b = pgno % 64;
		u64 k = n < 64 - b ? n : 64 - b;
		u64 mask = (k == 64 ? ~0ULL : ((1ULL << k) - 1)) << b;
		u64 off = bit_off(a, w), v = daxfs_word_load(a->img, off), seen;

		for (;;) {
			if ((v & mask) != mask)
				return -EUCLEAN;	/* not in use: double free */
			seen = daxfs_word_cas(a->img, off, v, v & ~mask);
			if (seen == v)
				break;
			v = seen;
		}
		group_add(a, w, (s64)k);
		pgno += k;
		n -= k;
	}
	return 0;
}

u64 daxfs_alloc_free(const struct daxfs_alloc *a)
{
	u64 g, sum = 0;

	for (g = 0; g < a->img->delta.group_count; g++) {
		u64 v = daxfs_word_load(a->img, group_off(a, g));
		u64 max = group_size(a, g);

		sum += v < max ? v : max;
	}
	return sum;
}

bool daxfs_alloc_test(const struct daxfs_alloc *a, u64 pgno)
{
	if (pgno >= a->img->delta.page_count)
		return true;
	return daxfs_word_load(a->img, bit_off(a, pgno / 64)) >>
	       (pgno % 64) & 1;
}

int daxfs_alloc_rebuild(struct daxfs_alloc *a, const u64 *used,
			u64 *leaked, u64 *lost)
{
	u64 wpg = words_per_group(a), w, g, nfree = 0;
	int ret;

	*leaked = *lost = 0;
	for (w = 0; w < a->words; w++) {
		u64 want = used[w] | beyond_end(a, w);
		u64 have = daxfs_word_load(a->img, bit_off(a, w));

		ret = daxfs_step(w);
		if (ret)
			return ret;
		*leaked += daxfs_popcount64(have & ~want);
		*lost += daxfs_popcount64(want & ~have);
		if (have != want)
			daxfs_word_store(a->img, bit_off(a, w), want);
		nfree += 64 - daxfs_popcount64(want);
		if (w % wpg == wpg - 1 || w == a->words - 1) {
			g = w / wpg;
			daxfs_word_store(a->img, group_off(a, g), nfree);
			nfree = 0;
		}
	}
	daxfs_fence(a->img);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Making the mutable part of an image: the delta region's layout and
 * first contents, and main's branch slot.  mkdaxfs and the test image
 * builder use this, so every image starts out the way the readers and
 * the writer of delta.c, alloc.c and log.c expect.
 */
#include "daxfs_internal.h"

#define ROUND(v, a)	(((v) + (a) - 1) / (a) * (a))

void daxfs_delta_layout(u64 size, struct daxfs_delta_layout *d)
{
	u64 pages = size / DAXFS_BLOCK_SIZE, fit;

	/* the page count and its bitmap's size depend on each other */
	for (;;) {
		u64 groups = ROUND(pages, DAXFS_GROUP_PAGES) / DAXFS_GROUP_PAGES;

		d->bitmap_off = DAXFS_BLOCK_SIZE;
		d->groups_off = ROUND(d->bitmap_off + ROUND(pages, 64) / 8, 8);
		d->first_page = ROUND(d->groups_off + groups * 8,
				      DAXFS_BLOCK_SIZE);
		fit = size > d->first_page ?
		      (size - d->first_page) / DAXFS_BLOCK_SIZE : 0;
		if (fit >= pages)
			break;
		pages = fit;
	}
	d->page_count = pages;
	d->group_count = (u32)(ROUND(pages, DAXFS_GROUP_PAGES) /
			       DAXFS_GROUP_PAGES);
}

static void put64(u8 *p, u64 v)
{
	__le64 le = cpu_to_le64(v);

	memcpy(p, &le, sizeof(le));
}

int daxfs_delta_format(void *area, u64 size, u64 first_ino, u64 log_id)
{
	struct daxfs_delta_layout d;
	struct daxfs_delta_super ds;
	struct daxfs_log_chunk c;
	u8 *delta = area;
	u64 g, last;

	daxfs_delta_layout(size, &d);
	if (!d.page_count || !log_id)
		return -EINVAL;
	memset(delta, 0, d.first_page + DAXFS_BLOCK_SIZE);
	memset(&ds, 0, sizeof(ds));
	ds.magic = cpu_to_le64(DAXFS_DELTA_MAGIC);
	ds.size = cpu_to_le64(size);
	ds.page_count = cpu_to_le64(d.page_count);
	ds.bitmap_off = cpu_to_le64(d.bitmap_off);
	ds.groups_off = cpu_to_le64(d.groups_off);
	ds.first_page = cpu_to_le64(d.first_page);
	ds.group_pages = cpu_to_le32(DAXFS_GROUP_PAGES);
	ds.group_count = cpu_to_le32(d.group_count);
	ds.first_ino = cpu_to_le64(first_ino);
	ds.mount_slots = cpu_to_le32(DAXFS_MOUNT_SLOTS);
	ds.crc = cpu_to_le32(daxfs_crc32c(&ds,
				offsetof(struct daxfs_delta_super, crc)));
	memcpy(delta, &ds, sizeof(ds));
	put64(delta + sizeof(ds) + offsetof(struct daxfs_shared, next_ino),
	      first_ino);

	/* page 0 holds main's first chunk; bits past the last page stay 1 */
	delta[d.bitmap_off] = 1;
	last = d.page_count % 64;
	if (last)
		put64(delta + d.bitmap_off + (d.page_count / 64) * 8,
		      ~0ULL << last);
	for (g = 0; g < d.group_count; g++) {
		u64 n = d.page_count - g * DAXFS_GROUP_PAGES;

		if (n > DAXFS_GROUP_PAGES)
			n = DAXFS_GROUP_PAGES;
		put64(delta + d.groups_off + g * 8, g ? n : n - 1);
	}

	memset(&c, 0, sizeof(c));
	c.magic = cpu_to_le64(DAXFS_CHUNK_MAGIC);
	c.log_id = cpu_to_le64(log_id);
	c.lsn = 0;
	c.crc = cpu_to_le32(daxfs_crc32c(&c,
				offsetof(struct daxfs_log_chunk, crc)));
	c.next = cpu_to_le64(DAXFS_NO_PAGE);
	memcpy(delta + d.first_page, &c, sizeof(c));
	return 0;
}

void daxfs_main_slot(struct daxfs_branch *b, u64 log_id, u64 create_time)
{
	memset(b, 0, sizeof(*b));
	b->state = cpu_to_le32(DAXFS_BRANCH_LIVE);
	b->parent = cpu_to_le32(DAXFS_BRANCH_NONE);
	memcpy(b->name, "main", 4);
	b->log_id = cpu_to_le64(log_id);
	b->log_head = 0;
	b->log_tail = 0;
	b->create_time = cpu_to_le64(create_time);
	b->crc = cpu_to_le32(daxfs_branch_crc(b));
}

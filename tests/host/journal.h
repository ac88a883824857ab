// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * journal.h: every store the core makes into a test's region, recorded
 * through daxfs_store_hook (libdaxfs/daxfs_compat.h), so that a crash
 * test can rebuild the image as it was after any prefix of them.  Set
 * journal.base and journal.size to the region, journal.n to 0, and
 * daxfs_store_hook to record_store; stores outside the region are not
 * recorded.  Header-only, for the host tests.
 */
#ifndef DAXFS_TEST_JOURNAL_H
#define DAXFS_TEST_JOURNAL_H

#include <stdlib.h>
#include <string.h>
#include "daxfs_core.h"

struct store {
	u64 off;
	u32 len;
	u8 *bytes;
};

static struct {
	struct store *s;
	u64 n, cap;
	const u8 *base;
	u64 size;
} journal;

static __attribute__((unused)) void record_store(void *dst, const void *src,
						 size_t len)
{
	u64 off = (u64)((const u8 *)dst - journal.base);
	struct store *st;

	if (off >= journal.size)
		return;
	if (journal.n == journal.cap) {
		journal.cap = journal.cap ? journal.cap * 2 : 4096;
		journal.s = realloc(journal.s, journal.cap * sizeof(*st));
	}
	st = &journal.s[journal.n++];
	st->off = off;
	st->len = (u32)len;
	st->bytes = malloc(len);
	memcpy(st->bytes, src, len);
}

/* Forget every recorded store. */
static inline void journal_reset(void)
{
	for (u64 i = 0; i < journal.n; i++)
		free(journal.s[i].bytes);
	journal.n = 0;
}

#endif

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * User-space half of daxfs_compat.h: the raw CRC32C primitive that the
 * kernel build takes from lib/crc32c (slicing-by-8 over a table built
 * once at first use, the reflected Castagnoli polynomial 0x82F63B78), the
 * hooks tests put behind daxfs_yield() and the region stores, and the
 * random tokens.
 */
#include <stdio.h>

#include "daxfs_compat.h"

int (*daxfs_yield_hook)(void);
void (*daxfs_store_hook)(void *dst, const void *src, size_t len);

u64 daxfs_random64(void)
{
	static u64 state;
	u64 v;

	if (!state) {
		FILE *f = fopen("/dev/urandom", "rb");

		if (!f || fread(&state, sizeof(state), 1, f) != 1)
			state = 0x9e3779b97f4a7c15ULL;
		if (f)
			fclose(f);
		state |= 1;
	}
	do {
		/* xorshift64*: not for secrets, only distinct tokens */
		state ^= state >> 12;
		state ^= state << 25;
		state ^= state >> 27;
		v = state * 0x2545f4914f6cdd1dULL;
	} while (!v);
	return v;
}

static u32 crc_table[8][256];

static void crc_table_init(void)
{
	for (u32 i = 0; i < 256; i++) {
		u32 c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78U & (0U - (c & 1)));
		crc_table[0][i] = c;
	}
	for (u32 i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^
					  crc_table[0][crc_table[t - 1][i] & 0xff];
}

u32 daxfs_crc32c_raw(u32 crc, const void *buf, size_t len)
{
	static int ready;
	const u8 *p = buf;

	if (!ready) {
		crc_table_init();
		ready = 1;
	}
	while (len >= 8) {
		u64 v;

		memcpy(&v, p, 8);
		v = le64toh(v) ^ crc;
		crc = crc_table[7][v & 0xff] ^ crc_table[6][(v >> 8) & 0xff] ^
		      crc_table[5][(v >> 16) & 0xff] ^
		      crc_table[4][(v >> 24) & 0xff] ^
		      crc_table[3][(v >> 32) & 0xff] ^
		      crc_table[2][(v >> 40) & 0xff] ^
		      crc_table[1][(v >> 48) & 0xff] ^ crc_table[0][v >> 56];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
	return crc;
}

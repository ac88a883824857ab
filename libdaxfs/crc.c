// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Checksums of the format: every CRC in a DAXFS image is a standard
 * CRC32C (Castagnoli), initial value ~0 and final xor ~0.
 */
#include "daxfs_core.h"

u32 daxfs_crc32c(const void *buf, size_t len)
{
	return ~daxfs_crc32c_raw(~0U, buf, len);
}

u32 daxfs_super_crc(const void *super_block)
{
	static const u8 zero[sizeof(__le32)];
	const size_t at = offsetof(struct daxfs_super, crc);
	const u8 *p = super_block;
	u32 crc = ~0U;

	crc = daxfs_crc32c_raw(crc, p, at);
	crc = daxfs_crc32c_raw(crc, zero, sizeof(zero));
	crc = daxfs_crc32c_raw(crc, p + at + sizeof(zero),
			       DAXFS_SUPER_SIZE - at - sizeof(zero));
	return ~crc;
}

/* CRC of a branch slot's identity: @parent (4 bytes) then @name (32). */
u32 daxfs_branch_crc(const struct daxfs_branch *b)
{
	u32 crc = ~0U;

	crc = daxfs_crc32c_raw(crc, &b->parent, sizeof(b->parent));
	crc = daxfs_crc32c_raw(crc, b->name, sizeof(b->name));
	crc = daxfs_crc32c_raw(crc, &b->log_id, sizeof(b->log_id));
	crc = daxfs_crc32c_raw(crc, &b->parent_gen, sizeof(b->parent_gen));
	crc = daxfs_crc32c_raw(crc, &b->fork_lsn, sizeof(b->fork_lsn));
	crc = daxfs_crc32c_raw(crc, &b->create_time, sizeof(b->create_time));
	crc = daxfs_crc32c_raw(crc, &b->fold_of, sizeof(b->fold_of));
	crc = daxfs_crc32c_raw(crc, &b->fold_lsn, sizeof(b->fold_lsn));
	crc = daxfs_crc32c_raw(crc, &b->fold_end, sizeof(b->fold_end));
	return ~crc;
}

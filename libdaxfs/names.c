// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Names: the one ordering used for sorted directories and xattr lists,
 * the rules directory entry and xattr names obey, and the mode to
 * d_type map.
 */
#include "daxfs_core.h"

/* Bytewise order; when one name is a prefix of the other it sorts first. */
int daxfs_name_cmp(const u8 *a, u32 alen, const u8 *b, u32 blen)
{
	u32 n = alen < blen ? alen : blen;
	int r = n ? memcmp(a, b, n) : 0;

	if (r)
		return r < 0 ? -1 : 1;
	if (alen == blen)
		return 0;
	return alen < blen ? -1 : 1;
}

bool daxfs_name_valid(const u8 *name, u32 len)
{
	if (len == 0 || len > DAXFS_NAME_MAX)
		return false;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return false;
	return !memchr(name, '/', len) && !memchr(name, '\0', len);
}

u8 daxfs_mode_to_ft(u32 mode)
{
	switch (mode & DAXFS_S_IFMT) {
	case DAXFS_S_IFREG:
		return DAXFS_FT_REG;
	case DAXFS_S_IFDIR:
		return DAXFS_FT_DIR;
	case DAXFS_S_IFLNK:
		return DAXFS_FT_LNK;
	case DAXFS_S_IFCHR:
		return DAXFS_FT_CHR;
	case DAXFS_S_IFBLK:
		return DAXFS_FT_BLK;
	case DAXFS_S_IFIFO:
		return DAXFS_FT_FIFO;
	case DAXFS_S_IFSOCK:
		return DAXFS_FT_SOCK;
	default:
		return DAXFS_FT_UNKNOWN;
	}
}

bool daxfs_xattr_name_valid(const u8 *name, u32 len)
{
	static const struct {
		const char *s;
		u32 len;
	} prefixes[] = {
#define PFX(p) { p, sizeof(p) - 1 }
		PFX("user."), PFX("trusted."), PFX("security."),
		PFX("system."),
#undef PFX
	};
	size_t i;

	if (!len || len > DAXFS_XATTR_NAME_MAX || memchr(name, '\0', len))
		return false;
	for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
		if (len > prefixes[i].len &&
		    !memcmp(name, prefixes[i].s, prefixes[i].len))
			return true;
	}
	return false;
}

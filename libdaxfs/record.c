// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Log records: encode one into a buffer, seal it (its log position and
 * flags, then the CRC), and decode and verify one read back from a log.
 * A record is the header, the fixed part of its type, then the names or
 * values the fixed part announces, then zero padding to DAXFS_REC_ALIGN;
 * its CRC covers all of it with the crc field as zero.
 *
 * Decode verifies: at least a header's bytes available; magic; known
 * flags; a known type; len a multiple of DAXFS_REC_ALIGN, at least
 * header plus the type's fixed part, within @avail and DAXFS_REC_MAX;
 * the CRC; that the lengths the fixed part announces fit inside len; and
 * that the names in it are valid names (a directory entry's name by
 * daxfs_name_valid, an xattr's by daxfs_xattr_name_valid), values and
 * targets within their limits, padding and reserved fields zero.  So
 * every record a reader acts on is well formed in itself; whether it
 * makes sense where it is (the inode exists, ...) is for the layer to
 * check.  Fields are read with memcpy, so @buf needs no alignment.
 */
#include "daxfs_internal.h"

u32 daxfs_rec_fixed_size(u16 type)
{
	switch (type) {
	case DAXFS_REC_INODE:
		return sizeof(struct daxfs_rec_inode);
	case DAXFS_REC_INODE_FREE:
		return sizeof(struct daxfs_rec_free);
	case DAXFS_REC_DIRENT_ADD:
	case DAXFS_REC_DIRENT_DEL:
		return sizeof(struct daxfs_rec_dirent);
	case DAXFS_REC_MAP:
	case DAXFS_REC_PUNCH:
		return sizeof(struct daxfs_rec_map);
	case DAXFS_REC_TRUNCATE:
		return sizeof(struct daxfs_rec_truncate);
	case DAXFS_REC_XATTR_SET:
	case DAXFS_REC_XATTR_DEL:
		return sizeof(struct daxfs_rec_xattr);
	case DAXFS_REC_CHECKPOINT:
		return sizeof(struct daxfs_rec_checkpoint);
	case DAXFS_REC_PAD:
		return sizeof(struct daxfs_rec_pad);
	default:
		return 0;
	}
}

static u32 rec_crc(const u8 *p, u32 len)
{
	static const u8 zero[sizeof(__le32)];
	const u32 at = offsetof(struct daxfs_rec_header, crc);
	u32 crc = ~0U;

	crc = daxfs_crc32c_raw(crc, p, at);
	crc = daxfs_crc32c_raw(crc, zero, sizeof(zero));
	crc = daxfs_crc32c_raw(crc, p + at + sizeof(zero),
			       len - at - sizeof(zero));
	return ~crc;
}

static bool zero_bytes(const u8 *p, u32 n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/*
 * Check the fixed part at @fixed and the @tail_len bytes after it: the
 * lengths it announces fit in them, names and values are valid.  The
 * bytes announced, or -1.
 */
static s64 check_parts(u16 type, const u8 *fixed, const u8 *tail,
		       u32 tail_len)
{
	union {
		struct daxfs_rec_inode in;
		struct daxfs_rec_free fr;
		struct daxfs_rec_dirent de;
		struct daxfs_rec_map mp;
		struct daxfs_rec_xattr xa;
	} f;
	u64 need = 0;
	u32 a;

	memcpy(&f, fixed, daxfs_rec_fixed_size(type));
	switch (type) {
	case DAXFS_REC_INODE:
		a = le32_to_cpu(f.in.target_len);
		if (f.in.pad || a > DAXFS_SYMLINK_MAX ||
		    (le32_to_cpu(f.in.flags) & ~DAXFS_RI_NEW))
			return -1;
		need = a;
		if (need <= tail_len && memchr(tail, '\0', a))
			return -1;
		break;
	case DAXFS_REC_INODE_FREE:
		if (f.fr.reserved)
			return -1;
		break;
	case DAXFS_REC_DIRENT_ADD:
	case DAXFS_REC_DIRENT_DEL:
		a = le16_to_cpu(f.de.name_len);
		if (!zero_bytes(f.de.pad, sizeof(f.de.pad)) || !a ||
		    a > DAXFS_NAME_MAX)
			return -1;
		if (type == DAXFS_REC_DIRENT_DEL &&
		    (f.de.child || f.de.cookie || f.de.type))
			return -1;
		need = a;
		if (need <= tail_len && !daxfs_name_valid(tail, a))
			return -1;
		break;
	case DAXFS_REC_MAP:
	case DAXFS_REC_PUNCH:
		if (!f.mp.npages || (type == DAXFS_REC_PUNCH && f.mp.pgno))
			return -1;
		break;
	case DAXFS_REC_XATTR_SET:
	case DAXFS_REC_XATTR_DEL:
		a = le32_to_cpu(f.xa.value_len);
		if (!zero_bytes(f.xa.pad, sizeof(f.xa.pad)) ||
		    a > DAXFS_XATTR_VALUE_MAX ||
		    (type == DAXFS_REC_XATTR_DEL && a))
			return -1;
		need = (u64)f.xa.name_len + a;
		if (need <= tail_len &&
		    !daxfs_xattr_name_valid(tail, f.xa.name_len))
			return -1;
		break;
	case DAXFS_REC_PAD:
		/* any length of zeros */
		if (f.fr.reserved || !daxfs_all_zero(tail, tail_len))
			return -1;
		need = tail_len;
		break;
	}
	if (need > tail_len)
		return -1;
	return (s64)need;
}

static u64 padded(u64 len)
{
	return (len + DAXFS_REC_ALIGN - 1) & ~(u64)(DAXFS_REC_ALIGN - 1);
}

/* Decode; the CRC is checked unless @trusted (a record we just built). */
static int rec_decode(const void *buf, u64 avail, struct daxfs_rec_view *out,
		      bool trusted)
{
	const u32 hlen = sizeof(struct daxfs_rec_header);
	struct daxfs_rec_header h;
	const u8 *p = buf;
	u32 len, fixed;
	u16 type, flags;
	s64 need;

	if (avail < hlen)
		return -EUCLEAN;
	memcpy(&h, p, hlen);
	type = le16_to_cpu(h.type);
	flags = le16_to_cpu(h.flags);
	len = le32_to_cpu(h.len);
	fixed = daxfs_rec_fixed_size(type);
	if (le32_to_cpu(h.magic) != DAXFS_REC_MAGIC ||
	    (flags & ~DAXFS_REC_FLAGS) || !fixed)
		return -EUCLEAN;
	if (len % DAXFS_REC_ALIGN || len < hlen + fixed || len > avail ||
	    len > DAXFS_REC_MAX)
		return -EUCLEAN;
	if (!trusted && rec_crc(p, len) != le32_to_cpu(h.crc))
		return -EUCLEAN;
	need = check_parts(type, p + hlen, p + hlen + fixed, len - hlen - fixed);
	if (need < 0 || padded(hlen + fixed + need) != len ||
	    !zero_bytes(p + hlen + fixed + need, len - hlen - fixed - (u32)need))
		return -EUCLEAN;
	out->type = type;
	out->flags = flags;
	out->len = len;
	out->lsn = le64_to_cpu(h.lsn);
	out->ino = le64_to_cpu(h.ino);
	out->payload = p + hlen;
	out->payload_len = len - hlen;
	return 0;
}

int daxfs_rec_decode(const void *buf, u64 avail, struct daxfs_rec_view *out)
{
	return rec_decode(buf, avail, out, false);
}

int daxfs_rec_parse(const void *buf, u64 avail, struct daxfs_rec_view *out)
{
	return rec_decode(buf, avail, out, true);
}

void daxfs_rec_seal(void *rec, u64 lsn, u16 flags)
{
	struct daxfs_rec_header h;
	u8 *p = rec;

	memcpy(&h, p, sizeof(h));
	h.lsn = cpu_to_le64(lsn);
	h.flags = cpu_to_le16(flags);
	h.crc = 0;
	memcpy(p, &h, sizeof(h));
	h.crc = cpu_to_le32(rec_crc(p, le32_to_cpu(h.len)));
	memcpy(p + offsetof(struct daxfs_rec_header, crc), &h.crc,
	       sizeof(h.crc));
}

/* Encode as daxfs_rec_encode(), the CRC computed only when @seal. */
static int rec_encode(void *buf, u32 cap, u16 type, u16 flags, u64 lsn,
		      u64 ino, const void *fixed, u32 fixed_len,
		      const struct daxfs_rec_piece *tail, u32 ntail, bool seal)
{
	const u32 hlen = sizeof(struct daxfs_rec_header);
	struct daxfs_rec_header h;
	u64 tail_len = 0, len, at;
	u8 *p = buf;
	u32 i;

	for (i = 0; i < ntail; i++) {
		if (tail[i].len && !tail[i].p)
			return -EINVAL;
		tail_len += tail[i].len;
	}
	if (!daxfs_rec_fixed_size(type) ||
	    fixed_len != daxfs_rec_fixed_size(type) ||
	    (flags & ~DAXFS_REC_FLAGS) || tail_len > DAXFS_REC_MAX)
		return -EINVAL;
	len = padded(hlen + fixed_len + tail_len);
	if (len > DAXFS_REC_MAX)
		return -EINVAL;
	if (len > cap)
		return -ENOSPC;
	memset(&h, 0, sizeof(h));
	h.magic = cpu_to_le32(DAXFS_REC_MAGIC);
	h.type = cpu_to_le16(type);
	h.len = cpu_to_le32((u32)len);
	h.ino = cpu_to_le64(ino);
	memcpy(p, &h, hlen);
	memcpy(p + hlen, fixed, fixed_len);
	at = hlen + fixed_len;
	for (i = 0; i < ntail; i++) {
		if (tail[i].len)
			memcpy(p + at, tail[i].p, tail[i].len);
		at += tail[i].len;
	}
	memset(p + at, 0, len - at);
	if (check_parts(type, p + hlen, p + hlen + fixed_len, (u32)tail_len) !=
	    (s64)tail_len)
		return -EINVAL;
	if (seal)
		daxfs_rec_seal(p, lsn, flags);
	else
		memcpy(p + offsetof(struct daxfs_rec_header, flags),
		       &(__le16){ cpu_to_le16(flags) }, sizeof(__le16));
	return (int)len;
}

int daxfs_rec_encode(void *buf, u32 cap, u16 type, u16 flags, u64 lsn,
		     u64 ino, const void *fixed, u32 fixed_len,
		     const struct daxfs_rec_piece *tail, u32 ntail)
{
	return rec_encode(buf, cap, type, flags, lsn, ino, fixed, fixed_len,
			  tail, ntail, true);
}

int daxfs_rec_build(void *buf, u32 cap, u16 type, u64 ino, const void *fixed,
		    u32 fixed_len, const struct daxfs_rec_piece *tail,
		    u32 ntail)
{
	return rec_encode(buf, cap, type, 0, 0, ino, fixed, fixed_len, tail,
			  ntail, false);
}

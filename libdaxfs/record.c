// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Log records: encode one into a buffer, and decode and verify one read
 * back from a log chunk.  A record is the header, the fixed part of its
 * type, then the names or values the fixed part announces, then zero
 * padding to DAXFS_REC_ALIGN; its CRC covers all of it with the crc
 * field as zero.
 *
 * Decode verifies: at least a header's bytes available; magic; flags 0;
 * a known type; len a multiple of DAXFS_REC_ALIGN, at least header plus
 * the type's fixed part, within @avail and DAXFS_REC_MAX; the CRC; and
 * that the lengths the fixed part announces (target_len, name_len,
 * value_len, old_len + new_len) fit inside len.  Encode insists that
 * the tail is exactly the announced length.  Names are 1..255 bytes,
 * xattr values at most DAXFS_XATTR_VALUE_MAX, symlink targets at most
 * DAXFS_SYMLINK_MAX.  Fields are read with memcpy, so @buf needs no
 * alignment.  Decode reads the record's bytes more than once: a caller
 * whose record may change under it copies the record first.
 */
#include "daxfs_internal.h"

static u32 fixed_size(u16 type)
{
	switch (type) {
	case DAXFS_REC_INODE:
		return sizeof(struct daxfs_rec_inode);
	case DAXFS_REC_DENTRY_ADD:
	case DAXFS_REC_DENTRY_DEL:
		return sizeof(struct daxfs_rec_dentry);
	case DAXFS_REC_WRITE:
		return sizeof(struct daxfs_rec_write);
	case DAXFS_REC_TRUNCATE:
		return sizeof(struct daxfs_rec_truncate);
	case DAXFS_REC_XATTR_SET:
	case DAXFS_REC_XATTR_DEL:
		return sizeof(struct daxfs_rec_xattr);
	case DAXFS_REC_RENAME:
		return sizeof(struct daxfs_rec_rename);
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

static bool name_len_ok(u32 len)
{
	return len && len <= DAXFS_NAME_MAX;
}

/*
 * Bytes of names/values the fixed part at @fixed announces, or -1 when
 * a length is invalid in itself.
 */
static s64 announced(u16 type, const u8 *fixed)
{
	union {
		struct daxfs_rec_inode in;
		struct daxfs_rec_dentry de;
		struct daxfs_rec_xattr xa;
		struct daxfs_rec_rename rn;
	} f;
	u32 a, b;

	memcpy(&f, fixed, fixed_size(type));
	switch (type) {
	case DAXFS_REC_INODE:
		a = le32_to_cpu(f.in.target_len);
		return a <= DAXFS_SYMLINK_MAX ? (s64)a : -1;
	case DAXFS_REC_DENTRY_ADD:
	case DAXFS_REC_DENTRY_DEL:
		a = le16_to_cpu(f.de.name_len);
		return name_len_ok(a) ? (s64)a : -1;
	case DAXFS_REC_XATTR_SET:
	case DAXFS_REC_XATTR_DEL:
		a = le32_to_cpu(f.xa.value_len);
		if (!f.xa.name_len || a > DAXFS_XATTR_VALUE_MAX)
			return -1;
		return (s64)a + f.xa.name_len;
	case DAXFS_REC_RENAME:
		a = le16_to_cpu(f.rn.old_len);
		b = le16_to_cpu(f.rn.new_len);
		if (!name_len_ok(a) || !name_len_ok(b))
			return -1;
		return (s64)a + b;
	default:
		return 0;
	}
}

int daxfs_rec_decode(const void *buf, u64 avail, struct daxfs_rec_view *out)
{
	const u32 hlen = sizeof(struct daxfs_rec_header);
	struct daxfs_rec_header h;
	const u8 *p = buf;
	u32 len, fixed;
	s64 need;
	u16 type;

	if (avail < hlen)
		return -EUCLEAN;
	memcpy(&h, p, hlen);
	type = le16_to_cpu(h.type);
	len = le32_to_cpu(h.len);
	fixed = fixed_size(type);
	if (le32_to_cpu(h.magic) != DAXFS_REC_MAGIC || h.flags || !fixed)
		return -EUCLEAN;
	if (len % DAXFS_REC_ALIGN || len < hlen + fixed || len > avail ||
	    len > DAXFS_REC_MAX)
		return -EUCLEAN;
	if (rec_crc(p, len) != le32_to_cpu(h.crc))
		return -EUCLEAN;
	need = announced(type, p + hlen);
	if (need < 0 || need > len - hlen - fixed)
		return -EUCLEAN;
	out->type = type;
	out->len = len;
	out->seq = le64_to_cpu(h.seq);
	out->ino = le64_to_cpu(h.ino);
	out->payload = p + hlen;
	out->payload_len = len - hlen;
	return 0;
}

int daxfs_rec_encode(void *buf, u32 cap, u16 type, u64 seq, u64 ino,
		     const void *fixed, u32 fixed_len,
		     const void *tail, u32 tail_len)
{
	const u32 hlen = sizeof(struct daxfs_rec_header);
	struct daxfs_rec_header h;
	struct daxfs_rec_view view;
	u8 *p = buf;
	u64 len;

	if (!fixed_size(type) || fixed_len != fixed_size(type) ||
	    (tail_len && !tail) || announced(type, fixed) != tail_len)
		return -EINVAL;
	len = (u64)hlen + fixed_len + tail_len;
	len = (len + DAXFS_REC_ALIGN - 1) & ~(u64)(DAXFS_REC_ALIGN - 1);
	if (len > DAXFS_REC_MAX)
		return -EINVAL;
	if (len > cap)
		return -ENOSPC;
	memset(&h, 0, sizeof(h));
	h.magic = cpu_to_le32(DAXFS_REC_MAGIC);
	h.type = cpu_to_le16(type);
	h.len = cpu_to_le32((u32)len);
	h.seq = cpu_to_le64(seq);
	h.ino = cpu_to_le64(ino);
	memcpy(p, &h, hlen);
	memcpy(p + hlen, fixed, fixed_len);
	if (tail_len)
		memcpy(p + hlen + fixed_len, tail, tail_len);
	memset(p + hlen + fixed_len + tail_len, 0,
	       len - hlen - fixed_len - tail_len);
	h.crc = cpu_to_le32(rec_crc(p, (u32)len));
	memcpy(p + offsetof(struct daxfs_rec_header, crc), &h.crc,
	       sizeof(h.crc));
	if (daxfs_rec_decode(p, len, &view))
		return -EINVAL;
	return (int)len;
}

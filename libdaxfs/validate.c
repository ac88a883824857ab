// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Full image validation, run at every mount and by `daxfs-inspect check`.
 *
 * daxfs_image_open() (image.c) has already checked the superblock and
 * the geometry: every table lies inside the image, 8-byte aligned, the
 * areas do not overlap, data/delta are 4 KiB aligned.  This file checks
 * everything else, in time O(n log n) in the image size (linear except
 * the sort of live branch names) and with scratch memory of about 20
 * bytes per inode plus one bit per extent, dirent, xattr and data page.
 * Nothing recurses: the tree check walks parent links iteratively.
 *
 * Like every reader in the core it works on copies: each inode, entry,
 * name and target is copied out of the region once and the copy is
 * checked; the inodes' types are kept from the first pass, so later
 * passes cannot be fooled by a type that changed in between.  Checksums
 * are computed over copies too (a chunk at a time).  A memory error is
 * -EIO; the kernel build yields every few thousand steps and stops with
 * -EINTR when the mounting task is killed.
 *
 * Invariants checked (each failure is one report line naming the object):
 *
 * Checksums
 *   C1 meta_crc == CRC32C of [inode_off, inode_off + meta_size).
 *   C2 with DAXFS_VALIDATE_DATA_CRC: data_crc == CRC32C of the data area.
 *
 * Inodes (every entry of the inode table, inode N at index N - 1)
 *   I1 the type is regular, directory, symlink, char/block device, fifo
 *      or socket, and mode has no bits beyond S_IFMT | 07777.
 *   I2 flags == 0, pad == 0; reserved bytes are zero.
 *   I3 atime/mtime/ctime nsec < 10^9; uid and gid are not 0xffffffff
 *      (Linux's "no id", which no file can be owned by).
 *   I4 fields that do not apply to the type are 0: rdev except devices,
 *      parent except directories, count except regular files and
 *      directories, size and data for devices, fifos and sockets.
 *   I5 directory: size == count, its dirents lie inside the dirent
 *      table, parent in 1..inode_count.
 *   I6 symlink: target length 1..DAXFS_SYMLINK_MAX, inside the string
 *      table, without a NUL byte.
 *   I7 xattr_first .. + xattr_count inside the xattr table.
 *
 * Extents (of every regular file)
 *   E1 the file's extents lie inside the extent table; no extent entry
 *      belongs to two inodes.
 *   E2 npages >= 1; off 4 KiB aligned; the run lies inside the data area
 *      (no overflow).
 *   E3 sorted by pgoff, not overlapping, and not beyond the last page of
 *      the file (pgoff + npages <= pages of size).
 *   E4 no data page is mapped by two extents (of one file or of two):
 *      files never share data in the base image.
 *   E5 size <= 2^63 - 4096 (a loff_t whose last page is addressable).
 *   E6 with DAXFS_VALIDATE_DATA_CRC: the bytes after the end of file in
 *      the last page, when an extent maps it, are zero (mmap shows them).
 *   E7 blocks == the pages the extents map; 0 for other types.
 *
 * Directory entries (of every directory)
 *   D1 no dirent entry belongs to two directories.
 *   D2 ino in 1..inode_count; pad == 0.
 *   D3 the name lies in the string table, is 1..255 bytes, has no '/'
 *      or NUL and is not "." or "..".
 *   D4 names strictly increasing in daxfs_name_cmp() order (sorted, no
 *      duplicates).
 *   D5 type == the DAXFS_FT_* of the target's mode.
 *
 * Tree and link counts
 *   T1 the root (root_ino) is a directory whose parent field is itself,
 *      and no entry names it.
 *   T2 every other directory is named by exactly one entry (not two:
 *      no directory hard links), in the directory its parent field
 *      names; a directory no entry names is unreachable.
 *   T3 following parents from any directory reaches the root (no cycle).
 *   T4 every non-directory is named by at least one entry (no orphans)
 *      and its nlink equals the number of entries naming it.
 *   T5 a directory's nlink is 2 + the number of its subdirectories.
 *
 * Extended attributes (of every inode)
 *   X1 no xattr entry belongs to two inodes (an inode's xattr range is
 *      its own; identical strings may still be shared in the string
 *      table).
 *   X2 name 1..255 bytes inside the string table, without NUL, starting
 *      with "user.", "trusted.", "security." or "system." followed by at
 *      least one byte; pad == 0.
 *   X3 value_len <= DAXFS_XATTR_VALUE_MAX, value inside the string table.
 *   X4 names strictly increasing (sorted, no duplicates).
 *   X5 a POSIX ACL (system.posix_acl_access or _default) is a header of
 *      DAXFS_ACL_VERSION then whole entries with a known tag and
 *      permission bits 0..7 (what the kernel can decode).
 *
 * Branch table (DAXFS_FEAT_INCOMPAT_BRANCHES only; image_open checked
 * that without the feature branch_count and delta_size are 0)
 *   B1 state is FREE, LIVE, DISCARDED or CREATING; FREE and CREATING
 *      slots are not checked further (a creator fills a CREATING slot).
 *   B2 slot 0 is LIVE, named "main", with parent DAXFS_BRANCH_NONE.
 *   B3 name 1..31 bytes of [A-Za-z0-9._-], then NUL bytes to the end.
 *   B4 crc == daxfs_branch_crc() of the slot.
 *   B5 parent (other than slot 0) is another slot in range; a merge word
 *      names a slot in range other than slot 0; the chain of every live
 *      slot and where its name leads are found by the rules of branch.c
 *      without a loop.  (A live slot under a discarded or reused parent
 *      is discarded by those rules, not damage; two live slots with one
 *      name, which a crash during two creates may leave, are not damage
 *      either: the lower slot has the name.)
 *   B7 a live slot has a nonzero log_id.
 *   B8 only a root other than slot 0 (a fold's slot) has fold_of, and it
 *      names another slot in range, not slot 0.
 *   The mutable fields (owner, log_head, log_tail, merged, dead_epoch) change
 *   under concurrent writers and are not checked here: a replay checks
 *   the log they lead to.
 *
 * Delta region header (DAXFS_FEAT_INCOMPAT_BRANCHES only): the checks
 * of daxfs_delta_open() (delta.c)
 *   H1 magic == DAXFS_DELTA_MAGIC; crc == CRC32C of the fields before it.
 *   H2 size == delta_size, group_pages == DAXFS_GROUP_PAGES,
 *      mount_slots == DAXFS_MOUNT_SLOTS, reserved bytes zero.
 *   H3 bitmap_off == 4096 (after the header page), the bitmap
 *      (page_count bits in 64-bit words) ends before groups_off, the
 *      group counts (8 bytes each, group_count of them) end before
 *      first_page, first_page is 4 KiB aligned and page_count pages
 *      from it end inside the region.
 *   H4 first_ino == inode_count + 1.
 */
#include "daxfs_internal.h"

#define MAX_PROBLEMS		1000
#define SCRATCH_MAX		(1ULL << 30)
#define BUF_SIZE		(64U * 1024)	/* CRC chunks, targets, tails */
#define MARK_GOOD		0xffffffffU
#define MARK_BAD		0xfffffffeU

/* A name copied out of the region, for the sort-order checks. */
struct vname {
	bool ok;		/* usable for comparisons */
	u32 len;
	u8 name[DAXFS_NAME_MAX + 1];
};

struct vstate {
	const struct daxfs_image *img;
	unsigned int flags;
	daxfs_report_fn report;
	void *ctx;
	u32 problems;
	bool stop;
	int fatal;		/* -EIO, -EINTR: stop, return this */
	u64 steps;		/* for daxfs_step() */
	u32 *mode;		/* per inode: mode as first decoded */
	u32 *refs;		/* per inode: entries naming it */
	u32 *dparent;		/* per directory: the directory naming it */
	u32 *subdirs;		/* per directory: subdirectory entries */
	u32 *mark;		/* per inode: tree walk state */
	u64 *own_ext;		/* bit per extent entry: claimed */
	u64 *own_dirent;	/* bit per dirent entry: claimed */
	u64 *own_xattr;		/* bit per xattr entry: claimed */
	u64 *data_map;		/* bit per data page: mapped */
	u8 *buf;		/* BUF_SIZE bytes of scratch */
	struct vname names[2];	/* previous and current sorted name */
};

/* Report one problem; true when validation must stop. */
static bool bad(struct vstate *v, const char *fmt, const u64 *args)
{
	if (v->stop)
		return true;
	v->problems++;
	if (v->problems > MAX_PROBLEMS) {
		DAXFS_SAY(v->report, v->ctx, "too many problems; stopping");
		v->stop = true;
		return true;
	}
	daxfs_say(v->report, v->ctx, fmt, args);
	if (!(v->flags & DAXFS_VALIDATE_ALL))
		v->stop = true;
	return v->stop;
}

#define BAD(v, fmt, ...) \
	bad((v), (fmt), (const u64[]){ 0, ##__VA_ARGS__ } + 1)

/* A read that failed, or a yield that said stop: the end of the check. */
static int fatal(struct vstate *v, int err)
{
	if (!v->fatal) {
		v->fatal = err;
		if (err == -EINTR)
			DAXFS_SAY(v->report, v->ctx, "validation interrupted");
		else
			DAXFS_SAY(v->report, v->ctx, "memory error while reading the image");
	}
	v->stop = true;
	return err;
}

/* One step of a loop over the image; nonzero to stop. */
static int tick(struct vstate *v)
{
	int ret = daxfs_step(v->steps++);

	return ret ? fatal(v, ret) : 0;
}

static void *scratch(u64 n, u64 size)
{
	u64 bytes;

	if (!daxfs_mul_ok(n, size, &bytes) || bytes > SCRATCH_MAX)
		return NULL;
	return daxfs_zalloc(bytes ? bytes : 1);
}

static u64 *bitmap(u64 bits)
{
	return scratch(bits / 64 + 1, sizeof(u64));
}

/* Set bit @i; returns its old value. */
static bool test_and_set(u64 *map, u64 i)
{
	u64 m = 1ULL << (i & 63);
	bool old = map[i >> 6] & m;

	map[i >> 6] |= m;
	return old;
}

static bool is_dir(const struct vstate *v, u64 ino)
{
	return (v->mode[ino] & DAXFS_S_IFMT) == DAXFS_S_IFDIR;
}

static bool all_zero(const u8 *p, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* Decode inode @ino (in range); nonzero to stop. */
static int decode(struct vstate *v, u64 ino, struct daxfs_inode_info *in)
{
	int ret = daxfs_inode_decode(v->img, ino, in);

	return ret ? fatal(v, ret) : 0;
}

/* ---- checksums ---- */

/* CRC32C of region bytes [@off, @off + @len), a chunk at a time. */
static int region_crc(struct vstate *v, u64 off, u64 len, u32 *out)
{
	u32 crc = ~0U;
	int ret;

	while (len) {
		u32 n = len < BUF_SIZE ? (u32)len : BUF_SIZE;

		ret = daxfs_image_read(v->img, off, v->buf, n);
		if (ret)
			return fatal(v, ret == -EUCLEAN ? -EIO : ret);
		crc = daxfs_crc32c_raw(crc, v->buf, n);
		off += n;
		len -= n;
		ret = tick(v);
		if (ret)
			return ret;
	}
	*out = ~crc;
	return 0;
}

static int check_crcs(struct vstate *v)
{
	const struct daxfs_image *img = v->img;
	u32 got;
	int ret;

	ret = region_crc(v, img->inode_off, img->meta_size, &got);
	if (ret)
		return ret;
	if (img->meta_crc != got &&
	    BAD(v, "metadata: checksum mismatch (stored %x, computed %x)",
		img->meta_crc, got))
		return -EUCLEAN;
	if (!(v->flags & DAXFS_VALIDATE_DATA_CRC))
		return 0;
	ret = region_crc(v, img->data_off, img->data_size, &got);
	if (ret)
		return ret;
	if (img->data_crc != got &&
	    BAD(v, "data area: checksum mismatch (stored %x, computed %x)",
		img->data_crc, got))
		return -EUCLEAN;
	return 0;
}

/* ---- extents ---- */

static int claim_pages(struct vstate *v, u64 ino, u64 i,
		       const struct daxfs_ext *e)
{
	u64 first = (e->off - v->img->data_off) >> DAXFS_BLOCK_SHIFT;
	u64 p;

	for (p = 0; p < e->npages; p++) {
		if (test_and_set(v->data_map, first + p)) {
			if (BAD(v, "inode %u: extent %u overlaps data of another extent",
				ino, i))
				return -EUCLEAN;
			break;
		}
	}
	return 0;
}

/*
 * E2, E3 for extent @i (index in the file) of inode @ino; *@good is set
 * when the extent lies inside the file and the data area.
 */
static int check_extent(struct vstate *v, u64 ino, u64 i,
			const struct daxfs_ext *e, u64 file_pages, u64 *next,
			bool *good)
{
	const struct daxfs_image *img = v->img;
	u64 bytes;

	if (!e->npages)
		return BAD(v, "inode %u: extent %u has no pages", ino, i) ?
		       -EUCLEAN : 0;
	if (e->off & (DAXFS_BLOCK_SIZE - 1))
		return BAD(v, "inode %u: extent %u offset %x not 4 KiB aligned",
			   ino, i, e->off) ? -EUCLEAN : 0;
	if (e->off < img->data_off ||
	    !daxfs_mul_ok(e->npages, DAXFS_BLOCK_SIZE, &bytes) ||
	    !daxfs_range_ok(e->off - img->data_off, bytes, img->data_size))
		return BAD(v, "inode %u: extent %u beyond end of data area",
			   ino, i) ? -EUCLEAN : 0;
	if (e->pgoff < *next)
		return BAD(v, "inode %u: extent %u unsorted or overlapping",
			   ino, i) ? -EUCLEAN : 0;
	if (!daxfs_range_ok(e->pgoff, e->npages, file_pages))
		return BAD(v, "inode %u: extent %u beyond the file size",
			   ino, i) ? -EUCLEAN : 0;
	*next = e->pgoff + e->npages;
	*good = true;		/* inside the file and the data area */
	return claim_pages(v, ino, i, e);
}

/* E6: extent @e maps the file's last page; its tail must be zero. */
static int check_eof_tail(struct vstate *v, const struct daxfs_inode_info *in,
			  const struct daxfs_ext *e)
{
	u64 last = daxfs_pages(in->size) - 1;
	u32 used = in->size & (DAXFS_BLOCK_SIZE - 1);
	u64 page;
	int ret;

	if (!used || last < e->pgoff || last - e->pgoff >= e->npages)
		return 0;
	page = e->off + ((last - e->pgoff) << DAXFS_BLOCK_SHIFT);
	ret = daxfs_image_read(v->img, page + used, v->buf,
			       DAXFS_BLOCK_SIZE - used);
	if (ret)
		return fatal(v, ret == -EUCLEAN ? -EIO : ret);
	if (!all_zero(v->buf, DAXFS_BLOCK_SIZE - used) &&
	    BAD(v, "inode %u: bytes after end of file not zero", in->ino))
		return -EUCLEAN;
	return 0;
}

static int check_extents(struct vstate *v, const struct daxfs_inode_info *in)
{
	u64 file_pages = daxfs_pages(in->size);
	u64 next = 0, mapped = 0, i;
	struct daxfs_ext e;
	bool good;
	int ret;

	if (in->size > DAXFS_FILE_SIZE_MAX)
		return BAD(v, "inode %u: file size %u too large", in->ino,
			   in->size) ? -EUCLEAN : 0;

	if (!daxfs_index_ok(in->data, in->count, v->img->extent_count))
		return BAD(v, "inode %u: extents %u..+%u outside the extent table",
			   in->ino, in->data, in->count) ? -EUCLEAN : 0;
	for (i = 0; i < in->count && !v->stop; i++) {
		if (test_and_set(v->own_ext, in->data + i))
			return BAD(v, "inode %u: extent %u shared with another inode",
				   in->ino, i) ? -EUCLEAN : 0;
		ret = daxfs_read_extent(v->img, in->data + i, &e);
		if (!ret)
			ret = tick(v);
		if (ret)
			return fatal(v, ret);
		good = false;
		ret = check_extent(v, in->ino, i, &e, file_pages, &next,
				   &good);
		if (ret)
			return ret;
		if (good)
			mapped += e.npages;
		if (i + 1 == in->count && good &&
		    (v->flags & DAXFS_VALIDATE_DATA_CRC)) {
			ret = check_eof_tail(v, in, &e);
			if (ret)
				return ret;
		}
	}
	if (!v->stop && in->blocks != mapped &&
	    BAD(v, "inode %u: blocks %u but the extents map %u pages",
		in->ino, in->blocks, mapped))
		return -EUCLEAN;
	return 0;
}

/* ---- extended attributes ---- */

static bool is_acl_name(const struct vname *nm)
{
	static const char access[] = "system.posix_acl_access";
	static const char dflt[] = "system.posix_acl_default";

	return (nm->len == sizeof(access) - 1 &&
		!memcmp(nm->name, access, nm->len)) ||
	       (nm->len == sizeof(dflt) - 1 &&
		!memcmp(nm->name, dflt, nm->len));
}

static bool acl_tag_ok(u16 tag)
{
	switch (tag) {
	case DAXFS_ACL_USER_OBJ:
	case DAXFS_ACL_USER:
	case DAXFS_ACL_GROUP_OBJ:
	case DAXFS_ACL_GROUP:
	case DAXFS_ACL_MASK:
	case DAXFS_ACL_OTHER:
		return true;
	}
	return false;
}

/* X5 for an ACL value of @len bytes at string table offset @off. */
static int check_acl(struct vstate *v, u64 ino, u64 i, u64 off, u32 len)
{
	const u32 hlen = sizeof(struct daxfs_acl_header);
	const u32 elen = sizeof(struct daxfs_acl_entry);
	struct daxfs_acl_header h;
	struct daxfs_acl_entry e;
	u32 at;
	int ret;

	if (len < hlen || (len - hlen) % elen)
		return BAD(v, "inode %u: xattr %u: ACL of %u bytes is not whole entries",
			   ino, i, len) ? -EUCLEAN : 0;
	ret = daxfs_read_str(v->img, off, len, v->buf);
	if (ret)
		return fatal(v, ret);
	memcpy(&h, v->buf, hlen);
	if (le32_to_cpu(h.version) != DAXFS_ACL_VERSION)
		return BAD(v, "inode %u: xattr %u: ACL version %u unknown", ino,
			   i, le32_to_cpu(h.version)) ? -EUCLEAN : 0;
	for (at = hlen; at < len; at += elen) {
		memcpy(&e, v->buf + at, elen);
		if (!acl_tag_ok(le16_to_cpu(e.tag)) || le16_to_cpu(e.perm) > 7)
			return BAD(v, "inode %u: xattr %u: ACL entry %u has tag %x, permissions %x",
				   ino, i, (at - hlen) / elen,
				   le16_to_cpu(e.tag), le16_to_cpu(e.perm)) ?
			       -EUCLEAN : 0;
	}
	return 0;
}

/* X2, X3 for xattr entry @index; sets @nm when the name is usable. */
static int check_xattr(struct vstate *v, u64 ino, u64 i, u64 index,
		       struct vname *nm)
{
	const struct daxfs_image *img = v->img;
	struct daxfs_xattr dx;
	u64 name_off, value_off;
	u32 value_len, name_len;
	int ret;

	nm->ok = false;
	ret = daxfs_read_raw_xattr(img, index, &dx);
	if (ret)
		return fatal(v, ret);
	name_off = le64_to_cpu(dx.name_off);
	value_off = le64_to_cpu(dx.value_off);
	value_len = le32_to_cpu(dx.value_len);
	name_len = dx.name_len;
	if (!name_len || !daxfs_range_ok(name_off, name_len, img->strtab_size))
		return BAD(v, "inode %u: xattr %u name outside the string table",
			   ino, i) ? -EUCLEAN : 0;
	ret = daxfs_read_str(img, name_off, name_len, nm->name);
	if (ret)
		return fatal(v, ret);
	nm->len = name_len;
	nm->ok = daxfs_xattr_name_valid(nm->name, name_len);
	if (!nm->ok &&
	    BAD(v, "inode %u: xattr %u name has no known prefix or contains NUL",
		ino, i))
		return -EUCLEAN;
	if (value_len > DAXFS_XATTR_VALUE_MAX &&
	    BAD(v, "inode %u: xattr %u value length %u too large",
		ino, i, value_len))
		return -EUCLEAN;
	if (!daxfs_range_ok(value_off, value_len, img->strtab_size) &&
	    BAD(v, "inode %u: xattr %u value outside the string table",
		ino, i))
		return -EUCLEAN;
	if (!all_zero(dx.pad, sizeof(dx.pad)) &&
	    BAD(v, "inode %u: xattr %u padding not zero", ino, i))
		return -EUCLEAN;
	if (nm->ok && is_acl_name(nm) && value_len <= DAXFS_XATTR_VALUE_MAX &&
	    daxfs_range_ok(value_off, value_len, img->strtab_size))
		return check_acl(v, ino, i, value_off, value_len);
	return 0;
}

/* X4/D4: the name in names[cur] sorts strictly after names[!cur]. */
static int check_order(struct vstate *v, int cur, const char *unsorted,
		       const char *dup, u64 owner, u64 i)
{
	const struct vname *a = &v->names[!cur], *b = &v->names[cur];
	int cmp;

	if (!a->ok || !b->ok)
		return 0;
	cmp = daxfs_name_cmp(a->name, a->len, b->name, b->len);
	if (cmp >= 0 && BAD(v, cmp ? unsorted : dup, owner, i))
		return -EUCLEAN;
	return 0;
}

static int check_xattrs(struct vstate *v, const struct daxfs_inode_info *in)
{
	int cur = 0, ret;
	u64 i;

	if (!daxfs_index_ok(in->xattr_first, in->xattr_count,
			    v->img->xattr_count))
		return BAD(v, "inode %u: xattrs %u..+%u outside the xattr table",
			   in->ino, in->xattr_first, in->xattr_count) ?
		       -EUCLEAN : 0;
	v->names[1].ok = false;
	for (i = 0; i < in->xattr_count && !v->stop; i++, cur = !cur) {
		if (test_and_set(v->own_xattr, in->xattr_first + i))
			return BAD(v, "inode %u: xattr %u shared with another inode",
				   in->ino, i) ? -EUCLEAN : 0;
		ret = check_xattr(v, in->ino, i, in->xattr_first + i,
				  &v->names[cur]);
		if (!ret)
			ret = check_order(v, cur,
					  "inode %u: xattr %u not sorted by name",
					  "inode %u: xattr %u duplicate name",
					  in->ino, i);
		if (!ret)
			ret = tick(v);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- inodes ---- */

/* I4: the fields @in's type does not use are zero. */
static int check_unused(struct vstate *v, const struct daxfs_inode_info *in)
{
	u32 type = in->mode & DAXFS_S_IFMT;
	bool dev = type == DAXFS_S_IFCHR || type == DAXFS_S_IFBLK;

	if (!dev && (in->rdev_major || in->rdev_minor) &&
	    BAD(v, "inode %u: device number on a non-device", in->ino))
		return -EUCLEAN;
	if (type != DAXFS_S_IFDIR && in->parent &&
	    BAD(v, "inode %u: parent %u on a non-directory", in->ino,
		in->parent))
		return -EUCLEAN;
	if (type != DAXFS_S_IFDIR && type != DAXFS_S_IFREG && in->count &&
	    BAD(v, "inode %u: count %u on a type without extents or entries",
		in->ino, in->count))
		return -EUCLEAN;
	if (type != DAXFS_S_IFREG && in->blocks &&
	    BAD(v, "inode %u: blocks %u on a type without extents", in->ino,
		in->blocks))
		return -EUCLEAN;
	if (type != DAXFS_S_IFDIR && type != DAXFS_S_IFREG &&
	    type != DAXFS_S_IFLNK && (in->size || in->data) &&
	    BAD(v, "inode %u: size %u or data %u on a device, fifo or socket",
		in->ino, in->size, in->data))
		return -EUCLEAN;
	return 0;
}

static int check_symlink(struct vstate *v, const struct daxfs_inode_info *in)
{
	int ret;

	if (!in->size || in->size > DAXFS_SYMLINK_MAX)
		return BAD(v, "inode %u: symlink target length %u invalid",
			   in->ino, in->size) ? -EUCLEAN : 0;
	if (!daxfs_range_ok(in->data, in->size, v->img->strtab_size))
		return BAD(v, "inode %u: symlink target outside the string table",
			   in->ino) ? -EUCLEAN : 0;
	ret = daxfs_symlink_read(v->img, in, (char *)v->buf, BUF_SIZE);
	if (ret == -EUCLEAN)
		return BAD(v, "inode %u: symlink target contains NUL",
			   in->ino) ? -EUCLEAN : 0;
	return ret < 0 ? fatal(v, ret) : 0;
}

static int check_dir_fields(struct vstate *v,
			    const struct daxfs_inode_info *in)
{
	if (in->size != in->count &&
	    BAD(v, "inode %u: directory size %u != count %u", in->ino,
		in->size, in->count))
		return -EUCLEAN;
	if (!daxfs_index_ok(in->data, in->count, v->img->dirent_count) &&
	    BAD(v, "inode %u: entries %u..+%u outside the dirent table",
		in->ino, in->data, in->count))
		return -EUCLEAN;
	if ((!in->parent || in->parent > v->img->inode_count) &&
	    BAD(v, "inode %u: directory parent %u out of range", in->ino,
		in->parent))
		return -EUCLEAN;
	return 0;
}

/* I1-I3: type, mode bits, flags, padding, reserved, timestamps. */
static int check_inode_head(struct vstate *v, const struct daxfs_inode *di,
			    const struct daxfs_inode_info *in)
{
	if (daxfs_mode_to_ft(in->mode) == DAXFS_FT_UNKNOWN)
		return BAD(v, "inode %u: unknown type (mode %x)", in->ino,
			   in->mode) ? -EUCLEAN : 1;
	if ((in->mode & ~0177777U) &&
	    BAD(v, "inode %u: mode %x has unknown bits", in->ino, in->mode))
		return -EUCLEAN;
	if (di->flags &&
	    BAD(v, "inode %u: flags %x not zero", in->ino,
		le32_to_cpu(di->flags)))
		return -EUCLEAN;
	if ((di->pad || !all_zero(di->reserved, sizeof(di->reserved))) &&
	    BAD(v, "inode %u: reserved bytes not zero", in->ino))
		return -EUCLEAN;
	if ((in->atime_nsec >= DAXFS_NSEC_PER_SEC ||
	     in->mtime_nsec >= DAXFS_NSEC_PER_SEC ||
	     in->ctime_nsec >= DAXFS_NSEC_PER_SEC) &&
	    BAD(v, "inode %u: nanoseconds out of range", in->ino))
		return -EUCLEAN;
	if ((in->uid == DAXFS_ID_INVALID || in->gid == DAXFS_ID_INVALID) &&
	    BAD(v, "inode %u: uid/gid 4294967295 is not a valid id", in->ino))
		return -EUCLEAN;
	return 0;
}

static int check_inode(struct vstate *v, u64 ino)
{
	struct daxfs_inode_info in;
	struct daxfs_inode di;
	int ret;

	/* One copy, so the raw fields and the decoded ones agree. */
	ret = daxfs_read_raw_inode(v->img, ino, &di);
	if (ret)
		return fatal(v, ret);
	daxfs_inode_from_raw(ino, &di, &in);
	v->mode[ino] = in.mode;
	ret = check_inode_head(v, &di, &in);
	if (ret)
		return ret < 0 ? ret : 0;
	ret = check_unused(v, &in);
	if (ret)
		return ret;
	switch (in.mode & DAXFS_S_IFMT) {
	case DAXFS_S_IFREG:
		ret = check_extents(v, &in);
		break;
	case DAXFS_S_IFDIR:
		ret = check_dir_fields(v, &in);
		break;
	case DAXFS_S_IFLNK:
		ret = check_symlink(v, &in);
		break;
	}
	if (ret)
		return ret;
	return check_xattrs(v, &in);
}

/* ---- directory entries ---- */

/* D3: name rules for a name of 1..255 bytes, one message per rule. */
static int check_name(struct vstate *v, u64 dir, u64 i, const u8 *name,
		      u32 len)
{
	const char *why = NULL;

	if (memchr(name, '/', len))
		why = "directory %u: entry %u name contains '/'";
	else if (memchr(name, '\0', len))
		why = "directory %u: entry %u name contains NUL";
	else if (!daxfs_name_valid(name, len))
		why = "directory %u: entry %u name is . or ..";
	if (why && BAD(v, why, dir, i))
		return -EUCLEAN;
	return why ? 1 : 0;
}

/* D5 and the counters for T1-T5: entry @i of @dir names @ino. */
static int count_link(struct vstate *v, u64 dir, u64 i, u64 ino, u8 type)
{
	const struct daxfs_image *img = v->img;
	u32 mode = v->mode[ino];

	if (type != daxfs_mode_to_ft(mode) &&
	    BAD(v, "directory %u: entry %u type %u does not match inode %u",
		dir, i, type, ino))
		return -EUCLEAN;
	if (v->refs[ino] != ~0U)
		v->refs[ino]++;
	if ((mode & DAXFS_S_IFMT) != DAXFS_S_IFDIR)
		return 0;
	if (v->subdirs[dir] != ~0U)
		v->subdirs[dir]++;
	if (ino == img->root_ino)
		return BAD(v, "directory %u: entry %u names the root directory",
			   dir, i) ? -EUCLEAN : 0;
	if (v->dparent[ino])
		return BAD(v, "inode %u: directory has two parents (%u and %u)",
			   ino, v->dparent[ino], dir) ? -EUCLEAN : 0;
	v->dparent[ino] = (u32)dir;
	return 0;
}

static int check_dirent(struct vstate *v, u64 dir, u64 i, u64 index,
			struct vname *nm)
{
	const struct daxfs_image *img = v->img;
	struct daxfs_dirent de;
	u64 ino, off;
	u32 len;
	int ret;

	nm->ok = false;
	ret = daxfs_read_raw_dirent(img, index, &de);
	if (ret)
		return fatal(v, ret);
	ino = le32_to_cpu(de.ino);
	len = le16_to_cpu(de.name_len);
	off = le64_to_cpu(de.name_off);
	if (de.pad &&
	    BAD(v, "directory %u: entry %u padding not zero", dir, i))
		return -EUCLEAN;
	if (!len || len > DAXFS_NAME_MAX) {
		if (BAD(v, "directory %u: entry %u name length %u invalid",
			dir, i, len))
			return -EUCLEAN;
	} else if (!daxfs_range_ok(off, len, img->strtab_size)) {
		if (BAD(v, "directory %u: entry %u name outside the string table",
			dir, i))
			return -EUCLEAN;
	} else {
		ret = daxfs_read_str(img, off, len, nm->name);
		if (ret)
			return fatal(v, ret);
		ret = check_name(v, dir, i, nm->name, len);
		if (ret < 0)
			return ret;
		nm->ok = !ret;
		nm->len = len;
	}
	if (!ino || ino > img->inode_count)
		return BAD(v, "directory %u: entry %u inode %u out of range",
			   dir, i, ino) ? -EUCLEAN : 0;
	return count_link(v, dir, i, ino, de.type);
}

static int check_dir_entries(struct vstate *v, u64 dir)
{
	struct daxfs_inode_info in;
	int cur = 0, ret;
	u64 i;

	ret = decode(v, dir, &in);
	if (ret)
		return ret;
	if (!daxfs_index_ok(in.data, in.count, v->img->dirent_count))
		return 0;	/* reported by check_dir_fields */
	v->names[1].ok = false;
	for (i = 0; i < in.count && !v->stop; i++, cur = !cur) {
		if (test_and_set(v->own_dirent, in.data + i))
			return BAD(v, "directory %u: entry %u shared with another directory",
				   dir, i) ? -EUCLEAN : 0;
		ret = check_dirent(v, dir, i, in.data + i, &v->names[cur]);
		if (!ret)
			ret = check_order(v, cur,
					  "directory %u: entry %u names not sorted",
					  "directory %u: entry %u duplicate name",
					  dir, i);
		if (!ret)
			ret = tick(v);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- tree shape and link counts ---- */

/*
 * T3: walk up from directory @d through dparent until the root, a
 * directory already decided, or one already on this walk (a cycle);
 * then mark the walked path with the outcome.  Each directory is
 * walked once overall, so the whole check is linear.
 */
static int walk_up(struct vstate *v, u32 d)
{
	u32 root = v->img->root_ino;
	u32 cur = d, result;
	int ret = 0;

	while (cur != root && !v->mark[cur] && v->dparent[cur]) {
		v->mark[cur] = d;
		cur = v->dparent[cur];
	}
	if (cur == root || v->mark[cur] == MARK_GOOD) {
		result = MARK_GOOD;
	} else {
		result = MARK_BAD;
		if (v->mark[cur] == d &&
		    BAD(v, "inode %u: directory cycle (not reachable from the root)",
			cur))
			ret = -EUCLEAN;
	}
	for (cur = d; cur != root && v->mark[cur] == d;
	     cur = v->dparent[cur])
		v->mark[cur] = result;
	return ret;
}

static int check_links(struct vstate *v, u64 ino)
{
	struct daxfs_inode_info in;
	u32 type = v->mode[ino] & DAXFS_S_IFMT;
	int ret;

	if (daxfs_mode_to_ft(v->mode[ino]) == DAXFS_FT_UNKNOWN)
		return 0;	/* reported by check_inode */
	ret = decode(v, ino, &in);
	if (ret)
		return ret;
	if (type != DAXFS_S_IFDIR) {
		if (!v->refs[ino])
			return BAD(v, "inode %u: orphan (no entry names it)",
				   ino) ? -EUCLEAN : 0;
		if (in.nlink != v->refs[ino])
			return BAD(v, "inode %u: nlink %u but %u entries name it",
				   ino, in.nlink, v->refs[ino]) ? -EUCLEAN : 0;
		return 0;
	}
	if ((u64)in.nlink != 2ULL + v->subdirs[ino] &&
	    BAD(v, "inode %u: directory nlink %u, expected %u", ino, in.nlink,
		2ULL + v->subdirs[ino]))
		return -EUCLEAN;
	if (ino == v->img->root_ino)
		return 0;
	if (!v->dparent[ino])
		return BAD(v, "inode %u: directory unreachable (no entry names it)",
			   ino) ? -EUCLEAN : 0;
	if (in.parent != v->dparent[ino] &&
	    BAD(v, "inode %u: parent field %u but named in directory %u",
		ino, in.parent, v->dparent[ino]))
		return -EUCLEAN;
	if (!v->mark[ino])
		return walk_up(v, (u32)ino);
	return 0;
}

static int check_root(struct vstate *v)
{
	struct daxfs_inode_info root;
	int ret = decode(v, v->img->root_ino, &root);

	if (ret)
		return ret;
	if ((v->mode[root.ino] & DAXFS_S_IFMT) != DAXFS_S_IFDIR)
		return BAD(v, "inode %u: root is not a directory",
			   root.ino) ? -EUCLEAN : 1;
	if (root.parent != root.ino &&
	    BAD(v, "inode %u: root directory parent %u is not itself",
		root.ino, root.parent))
		return -EUCLEAN;
	v->mark[root.ino] = MARK_GOOD;
	return 0;
}

static int check_tree(struct vstate *v)
{
	const struct daxfs_image *img = v->img;
	u64 ino;
	int ret;

	for (ino = 1; ino <= img->inode_count && !v->stop; ino++) {
		ret = check_inode(v, ino);
		if (!ret)
			ret = tick(v);
		if (ret)
			return ret;
	}
	for (ino = 1; ino <= img->inode_count && !v->stop; ino++) {
		if (!is_dir(v, ino))
			continue;
		ret = check_dir_entries(v, ino);
		if (!ret)
			ret = tick(v);
		if (ret)
			return ret;
	}
	if (v->stop)
		return 0;
	ret = check_root(v);
	if (ret)
		return ret < 0 ? ret : 0;
	for (ino = 1; ino <= img->inode_count && !v->stop; ino++) {
		ret = check_links(v, ino);
		if (!ret)
			ret = tick(v);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- branch table and delta header ---- */

/* B3 */
static bool branch_name_ok(const struct daxfs_branch *b)
{
	u32 len = 0;

	while (len < sizeof(b->name) && b->name[len])
		len++;
	return daxfs_branch_name_ok(b->name, len) &&
	       all_zero((const u8 *)b->name + len, sizeof(b->name) - len);
}

/* The branch table, copied once; its slots are checked as copied. */
struct btab {
	const struct daxfs_branch *slot;
	u32 count;
};

static u32 bstate(const struct btab *t, u32 i)
{
	return le32_to_cpu(t->slot[i].state);
}

/* B1-B5 (without the chain part), B7 and B8 for slot @i. */
static int check_branch(struct vstate *v, const struct btab *t, u32 i)
{
	const struct daxfs_branch *b = &t->slot[i];
	u32 state = bstate(t, i);
	u32 parent = le32_to_cpu(b->parent);
	u64 merged = le64_to_cpu(b->merged);
	u64 fold_of = le64_to_cpu(b->fold_of);

	if (state > DAXFS_BRANCH_CREATING)
		return BAD(v, "branch %u: unknown state %u", i, state) ?
		       -EUCLEAN : 0;
	if (i == 0 && (state != DAXFS_BRANCH_LIVE ||
		       parent != DAXFS_BRANCH_NONE ||
		       memcmp(b->name, "main", 5)))
		return BAD(v, "branch 0: not a live \"main\" without parent") ?
		       -EUCLEAN : 0;
	if (state == DAXFS_BRANCH_FREE || state == DAXFS_BRANCH_CREATING)
		return 0;
	if (!branch_name_ok(b) && BAD(v, "branch %u: invalid name", i))
		return -EUCLEAN;
	if (le32_to_cpu(b->crc) != daxfs_branch_crc(b) &&
	    BAD(v, "branch %u: bad checksum", i))
		return -EUCLEAN;
	if (state == DAXFS_BRANCH_LIVE && !b->log_id &&
	    BAD(v, "branch %u: live branch without a log id", i))
		return -EUCLEAN;
	if (merged && (!DAXFS_MERGED_SLOT(merged) ||
		       DAXFS_MERGED_SLOT(merged) >= t->count) &&
	    BAD(v, "branch %u: merged into slot %u, out of range", i,
		DAXFS_MERGED_SLOT(merged)))
		return -EUCLEAN;
	/* only a fold's slot names a top it folded: never itself, never 0 */
	if (fold_of && (i == 0 || parent != DAXFS_BRANCH_NONE ||
			!DAXFS_MERGED_SLOT(fold_of) ||
			DAXFS_MERGED_SLOT(fold_of) >= t->count ||
			DAXFS_MERGED_SLOT(fold_of) == i) &&
	    BAD(v, "branch %u: names slot %u as the top it folded, but is no fold of it",
		i, DAXFS_MERGED_SLOT(fold_of)))
		return -EUCLEAN;
	if (i == 0)
		return 0;
	/* a root other than slot 0: a fold of main, named "main" too */
	if (parent == DAXFS_BRANCH_NONE)
		return memcmp(b->name, "main", 5) &&
		       BAD(v, "branch %u: a root not named \"main\"", i) ?
		       -EUCLEAN : 0;
	if (parent >= t->count || parent == i)
		return BAD(v, "branch %u: parent %u out of range", i, parent) ?
		       -EUCLEAN : 0;
	return 0;
}

/* B5: chains and merges of the live slots, by the rules of branch.c. */
static int check_branch_chains(struct vstate *v, const struct btab *t)
{
	struct daxfs_bslot *d = scratch(t->count, sizeof(*d));
	struct daxfs_btab bt = { .slot = d, .count = t->count };
	u32 i, top;
	int ret = 0, l;

	if (!d)
		return -ENOMEM;
	for (i = 0; i < t->count; i++)
		daxfs_bslot_decode(&t->slot[i], &d[i]);
	for (i = 0; i < t->count && !v->stop; i++) {
		if (d[i].state != DAXFS_BRANCH_LIVE)
			continue;
		l = daxfs_btab_liveness(&bt, i);
		if (l >= 0 && !daxfs_btab_resolve(&bt, i, &top))
			continue;
		if (BAD(v, "branch %u: its parents or merges loop", i)) {
			ret = -EUCLEAN;
			break;
		}
	}
	daxfs_free(d);
	return ret;
}

static int check_branch_table(struct vstate *v, const struct btab *t)
{
	u32 i;
	int ret;

	for (i = 0; i < t->count && !v->stop; i++) {
		ret = check_branch(v, t, i);
		if (ret)
			return ret;
	}
	return check_branch_chains(v, t);
}

static int check_branches(struct vstate *v)
{
	const struct daxfs_image *img = v->img;
	struct daxfs_branch *copy;
	struct btab t;
	u64 bytes = (u64)img->branch_count * sizeof(*copy);
	int ret;

	copy = scratch(img->branch_count, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	ret = daxfs_image_read(img, img->branch_off, copy, bytes);
	if (ret) {
		ret = fatal(v, ret == -EUCLEAN ? -EIO : ret);
	} else {
		t.slot = copy;
		t.count = img->branch_count;
		ret = check_branch_table(v, &t);
	}
	daxfs_free(copy);
	return ret;
}

/* H1-H5: the delta header, by the same checks a mount makes. */
static int check_delta(struct vstate *v)
{
	struct daxfs_image copy = *v->img;
	int ret = daxfs_delta_open(&copy, v->report, v->ctx);

	if (ret == -EUCLEAN) {
		v->problems++;
		if (!(v->flags & DAXFS_VALIDATE_ALL))
			v->stop = true;
		return v->stop ? -EUCLEAN : 0;
	}
	return ret ? fatal(v, ret) : 0;
}

/* ---- entry point ---- */

static void free_state(struct vstate *v)
{
	daxfs_free(v->mode);
	daxfs_free(v->refs);
	daxfs_free(v->dparent);
	daxfs_free(v->subdirs);
	daxfs_free(v->mark);
	daxfs_free(v->own_ext);
	daxfs_free(v->own_dirent);
	daxfs_free(v->own_xattr);
	daxfs_free(v->data_map);
	daxfs_free(v->buf);
}

static int alloc_state(struct vstate *v)
{
	const struct daxfs_image *img = v->img;
	u64 n = img->inode_count + 1;

	v->mode = scratch(n, sizeof(u32));
	v->refs = scratch(n, sizeof(u32));
	v->dparent = scratch(n, sizeof(u32));
	v->subdirs = scratch(n, sizeof(u32));
	v->mark = scratch(n, sizeof(u32));
	v->own_ext = bitmap(img->extent_count);
	v->own_dirent = bitmap(img->dirent_count);
	v->own_xattr = bitmap(img->xattr_count);
	v->data_map = bitmap(img->data_size >> DAXFS_BLOCK_SHIFT);
	v->buf = scratch(BUF_SIZE, 1);
	if (!v->mode || !v->refs || !v->dparent || !v->subdirs || !v->mark ||
	    !v->own_ext || !v->own_dirent || !v->own_xattr || !v->data_map ||
	    !v->buf)
		return -ENOMEM;
	return 0;
}

int daxfs_validate(const struct daxfs_image *img, unsigned int flags,
		   daxfs_report_fn report, void *ctx)
{
	struct vstate *v;
	int ret;

	if (!img->base)
		return -EINVAL;
	v = daxfs_zalloc(sizeof(*v));
	if (!v) {
		DAXFS_SAY(report, ctx, "not enough memory to validate the image");
		return -ENOMEM;
	}
	v->img = img;
	v->flags = flags;
	v->report = report;
	v->ctx = ctx;
	ret = alloc_state(v);
	if (ret)
		goto out;
	ret = check_crcs(v);
	if (!ret && (img->feat_incompat & DAXFS_FEAT_INCOMPAT_BRANCHES)) {
		ret = check_branches(v);
		if (!ret)
			ret = check_delta(v);
	}
	if (!ret)
		ret = check_tree(v);
	if (v->fatal)
		ret = v->fatal;
	else if (ret != -ENOMEM && v->problems)
		ret = -EUCLEAN;
out:
	if (ret == -ENOMEM)
		DAXFS_SAY(report, ctx, "not enough memory to validate the image");
	free_state(v);
	daxfs_free(v);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Inodes at use: decode one inode from a copy of its table entry,
 * bounds-check the fields its type uses, map file pages through its
 * extents (binary search), find data and holes for SEEK_DATA/SEEK_HOLE,
 * and copy out a symlink's target.  Every value is checked again here
 * even on a validated image: the region may have changed since.
 */
#include "daxfs_internal.h"

void daxfs_inode_from_raw(u64 ino, const struct daxfs_inode *raw,
			  struct daxfs_inode_info *out)
{
	const struct daxfs_inode di = *raw;

	out->ino = ino;
	out->mode = le32_to_cpu(di.mode);
	out->nlink = le32_to_cpu(di.nlink);
	out->uid = le32_to_cpu(di.uid);
	out->gid = le32_to_cpu(di.gid);
	out->size = le64_to_cpu(di.size);
	out->data = le64_to_cpu(di.data);
	out->count = le32_to_cpu(di.count);
	out->parent = le32_to_cpu(di.parent);
	out->atime_sec = (s64)le64_to_cpu(di.atime_sec);
	out->mtime_sec = (s64)le64_to_cpu(di.mtime_sec);
	out->ctime_sec = (s64)le64_to_cpu(di.ctime_sec);
	out->atime_nsec = le32_to_cpu(di.atime_nsec);
	out->mtime_nsec = le32_to_cpu(di.mtime_nsec);
	out->ctime_nsec = le32_to_cpu(di.ctime_nsec);
	out->rdev_major = le32_to_cpu(di.rdev_major);
	out->rdev_minor = le32_to_cpu(di.rdev_minor);
	out->xattr_first = le64_to_cpu(di.xattr_first);
	out->xattr_count = le32_to_cpu(di.xattr_count);
	out->blocks = le64_to_cpu(di.blocks);
}

int daxfs_inode_decode(const struct daxfs_image *img, u64 ino,
		       struct daxfs_inode_info *out)
{
	struct daxfs_inode di;
	int ret;

	if (!ino || ino > img->inode_count)
		return -EUCLEAN;
	ret = daxfs_read_raw_inode(img, ino, &di);
	if (ret)
		return ret;
	daxfs_inode_from_raw(ino, &di, out);
	return 0;
}

int daxfs_inode_check(const struct daxfs_image *img,
		      const struct daxfs_inode_info *in)
{
	if (in->atime_nsec >= DAXFS_NSEC_PER_SEC ||
	    in->mtime_nsec >= DAXFS_NSEC_PER_SEC ||
	    in->ctime_nsec >= DAXFS_NSEC_PER_SEC)
		return -EUCLEAN;
	if (!daxfs_index_ok(in->xattr_first, in->xattr_count,
			    img->xattr_count))
		return -EUCLEAN;
	switch (in->mode & DAXFS_S_IFMT) {
	case DAXFS_S_IFREG:
		if (in->size > DAXFS_FILE_SIZE_MAX ||
		    in->blocks > daxfs_pages(in->size) ||
		    !daxfs_index_ok(in->data, in->count, img->extent_count))
			return -EUCLEAN;
		break;
	case DAXFS_S_IFDIR:
		if (in->size != in->count ||
		    !daxfs_index_ok(in->data, in->count, img->dirent_count) ||
		    !in->parent || in->parent > img->inode_count)
			return -EUCLEAN;
		break;
	case DAXFS_S_IFLNK:
		if (!in->size || in->size > DAXFS_SYMLINK_MAX ||
		    !daxfs_range_ok(in->data, in->size, img->strtab_size))
			return -EUCLEAN;
		break;
	case DAXFS_S_IFCHR:
	case DAXFS_S_IFBLK:
	case DAXFS_S_IFIFO:
	case DAXFS_S_IFSOCK:
		if (in->size)
			return -EUCLEAN;
		break;
	default:
		return -EUCLEAN;
	}
	return 0;
}

int daxfs_inode_read(const struct daxfs_image *img, u64 ino,
		     struct daxfs_inode_info *out)
{
	int ret = daxfs_inode_decode(img, ino, out);

	if (!ret)
		ret = daxfs_inode_check(img, out);
	return ret;
}

bool daxfs_extent_ok(const struct daxfs_image *img, const struct daxfs_ext *e,
		     u64 file_pages)
{
	u64 bytes;

	if (!e->npages || (e->off & (DAXFS_BLOCK_SIZE - 1)))
		return false;
	if (!daxfs_range_ok(e->pgoff, e->npages, file_pages))
		return false;
	if (e->off < img->data_off || !daxfs_mul_ok(e->npages,
						   DAXFS_BLOCK_SIZE, &bytes))
		return false;
	return daxfs_range_ok(e->off - img->data_off, bytes, img->data_size);
}

static int file_check(const struct daxfs_image *img,
		      const struct daxfs_inode_info *inode)
{
	if ((inode->mode & DAXFS_S_IFMT) != DAXFS_S_IFREG ||
	    inode->size > DAXFS_FILE_SIZE_MAX ||
	    !daxfs_index_ok(inode->data, inode->count, img->extent_count))
		return -EUCLEAN;
	return 0;
}

/* Extent @i (< inode->count) of a checked file, itself checked. */
static int file_extent(const struct daxfs_image *img,
		       const struct daxfs_inode_info *inode, u64 i,
		       struct daxfs_ext *e)
{
	int ret = daxfs_read_extent(img, inode->data + i, e);

	if (ret)
		return ret;
	if (!daxfs_extent_ok(img, e, daxfs_pages(inode->size)))
		return -EUCLEAN;
	return 0;
}

/*
 * The number of extents whose pgoff is <= @pgoff, i.e. one past the
 * index of the last extent starting at or before @pgoff, and that extent
 * in @last (when there is one).  The probes only steer the search: the
 * caller checks what it finds.
 */
static int extents_before(const struct daxfs_image *img,
			  const struct daxfs_inode_info *inode, u64 pgoff,
			  u64 *pos, struct daxfs_ext *last)
{
	u64 lo = 0, hi = inode->count;	/* search [lo, hi) */
	struct daxfs_ext e;
	int ret;

	while (lo < hi) {
		u64 mid = lo + (hi - lo) / 2;

		ret = daxfs_read_extent(img, inode->data + mid, &e);
		if (ret)
			return ret;
		if (e.pgoff <= pgoff) {
			lo = mid + 1;
			*last = e;	/* extent lo - 1 */
		} else {
			hi = mid;
		}
	}
	*pos = lo;
	return 0;
}

/*
 * Where page @pgoff falls: *@idx is the index of the extent covering
 * it (*@covered true, @e that extent) or of the first extent after it
 * (inode->count when none; @e that extent otherwise).
 */
static int find_extent(const struct daxfs_image *img,
		       const struct daxfs_inode_info *inode, u64 pgoff,
		       u64 *idx, struct daxfs_ext *e, bool *covered)
{
	u64 pos;
	int ret = extents_before(img, inode, pgoff, &pos, e);

	if (ret)
		return ret;
	*covered = false;
	if (pos) {
		if (!daxfs_extent_ok(img, e, daxfs_pages(inode->size)) ||
		    e->pgoff > pgoff)
			return -EUCLEAN;
		if (pgoff - e->pgoff < e->npages) {
			*idx = pos - 1;
			*covered = true;
			return 0;
		}
	}
	*idx = pos;
	if (pos < inode->count) {
		ret = file_extent(img, inode, pos, e);
		if (ret)
			return ret;
		if (e->pgoff <= pgoff)
			return -EUCLEAN;
	}
	return 0;
}

int daxfs_file_map(const struct daxfs_image *img,
		   const struct daxfs_inode_info *inode, u64 pgoff,
		   u64 *off, u64 *npages)
{
	u64 file_pages = daxfs_pages(inode->size);
	struct daxfs_ext e;
	bool covered;
	u64 idx;
	int ret = file_check(img, inode);

	if (ret)
		return ret;
	if (pgoff >= file_pages)
		return -EINVAL;
	ret = find_extent(img, inode, pgoff, &idx, &e, &covered);
	if (ret)
		return ret;
	if (covered) {
		*off = e.off + ((pgoff - e.pgoff) << DAXFS_BLOCK_SHIFT);
		*npages = e.npages - (pgoff - e.pgoff);
		return 0;
	}
	/* A hole: up to the next extent or the end of the file. */
	*npages = (idx < inode->count ? e.pgoff : file_pages) - pgoff;
	*off = 0;
	return 1;
}

/* The end of the run of back-to-back extents from @idx (which is @e). */
static int data_run_end(const struct daxfs_image *img,
			const struct daxfs_inode_info *inode, u64 idx,
			const struct daxfs_ext *e, u64 *end)
{
	u64 i, next = e->pgoff + e->npages;
	struct daxfs_ext f;
	int ret;

	for (i = idx + 1; i < inode->count; i++) {
		ret = daxfs_step(i - idx);
		if (ret)
			return ret;
		ret = file_extent(img, inode, i, &f);
		if (ret)
			return ret;
		if (f.pgoff < next)
			return -EUCLEAN;	/* unsorted or overlapping */
		if (f.pgoff > next)
			break;
		next += f.npages;
	}
	*end = next;
	return 0;
}

int daxfs_file_seek(const struct daxfs_image *img,
		    const struct daxfs_inode_info *inode, u64 pgoff,
		    bool data, u64 *out)
{
	u64 file_pages = daxfs_pages(inode->size);
	struct daxfs_ext e;
	bool covered;
	u64 idx;
	int ret = file_check(img, inode);

	if (ret)
		return ret;
	if (pgoff >= file_pages) {
		if (data)
			return -ENXIO;
		*out = file_pages;
		return 0;
	}
	ret = find_extent(img, inode, pgoff, &idx, &e, &covered);
	if (ret)
		return ret;
	if (data) {
		if (covered)
			*out = pgoff;
		else if (idx < inode->count)
			*out = e.pgoff;
		else
			return -ENXIO;
		return 0;
	}
	if (!covered) {
		*out = pgoff;
		return 0;
	}
	return data_run_end(img, inode, idx, &e, out);
}

int daxfs_symlink_read(const struct daxfs_image *img,
		       const struct daxfs_inode_info *inode, char *buf,
		       u32 size)
{
	u32 len = (u32)inode->size;
	int ret;

	if ((inode->mode & DAXFS_S_IFMT) != DAXFS_S_IFLNK || !inode->size ||
	    inode->size > DAXFS_SYMLINK_MAX)
		return -EUCLEAN;
	if (len >= size)
		return -ERANGE;
	ret = daxfs_read_str(img, inode->data, len, buf);
	if (ret)
		return ret;
	buf[len] = '\0';
	if (memchr(buf, '\0', len))
		return -EUCLEAN;
	return (int)len;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Inodes at use: decode one inode from the region, bounds-check the
 * fields its type uses, map file pages through its extents (binary
 * search) and find a symlink's target.  Every value is checked again
 * here even on a validated image: the region may have changed since.
 */
#include "daxfs_internal.h"

int daxfs_inode_decode(const struct daxfs_image *img, u64 ino,
		       struct daxfs_inode_info *out)
{
	const struct daxfs_inode *di;

	if (!ino || ino > img->inode_count)
		return -EUCLEAN;
	di = daxfs_inode_ptr(img, ino);
	out->ino = ino;
	out->mode = le32_to_cpu(READ_ONCE(di->mode));
	out->nlink = le32_to_cpu(READ_ONCE(di->nlink));
	out->uid = le32_to_cpu(READ_ONCE(di->uid));
	out->gid = le32_to_cpu(READ_ONCE(di->gid));
	out->size = le64_to_cpu(READ_ONCE(di->size));
	out->data = le64_to_cpu(READ_ONCE(di->data));
	out->count = le32_to_cpu(READ_ONCE(di->count));
	out->parent = le32_to_cpu(READ_ONCE(di->parent));
	out->atime_sec = (s64)le64_to_cpu(READ_ONCE(di->atime_sec));
	out->mtime_sec = (s64)le64_to_cpu(READ_ONCE(di->mtime_sec));
	out->ctime_sec = (s64)le64_to_cpu(READ_ONCE(di->ctime_sec));
	out->atime_nsec = le32_to_cpu(READ_ONCE(di->atime_nsec));
	out->mtime_nsec = le32_to_cpu(READ_ONCE(di->mtime_nsec));
	out->ctime_nsec = le32_to_cpu(READ_ONCE(di->ctime_nsec));
	out->rdev_major = le32_to_cpu(READ_ONCE(di->rdev_major));
	out->rdev_minor = le32_to_cpu(READ_ONCE(di->rdev_minor));
	out->xattr_first = le64_to_cpu(READ_ONCE(di->xattr_first));
	out->xattr_count = le32_to_cpu(READ_ONCE(di->xattr_count));
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

static bool extent_ok(const struct daxfs_image *img, const struct daxfs_ext *e,
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

int daxfs_file_map(const struct daxfs_image *img,
		   const struct daxfs_inode_info *inode, u64 pgoff,
		   u64 *off, u64 *npages)
{
	u64 file_pages = daxfs_pages(inode->size);
	u64 lo = 0, hi = inode->count;	/* search [lo, hi) */
	struct daxfs_ext e;

	if ((inode->mode & DAXFS_S_IFMT) != DAXFS_S_IFREG ||
	    !daxfs_index_ok(inode->data, inode->count, img->extent_count))
		return -EUCLEAN;
	if (pgoff >= file_pages)
		return -EINVAL;
	/* Find the last extent with e.pgoff <= pgoff. */
	while (lo < hi) {
		u64 mid = lo + (hi - lo) / 2;

		daxfs_read_extent(img, inode->data + mid, &e);
		if (e.pgoff <= pgoff)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo) {
		daxfs_read_extent(img, inode->data + lo - 1, &e);
		if (!extent_ok(img, &e, file_pages) || e.pgoff > pgoff)
			return -EUCLEAN;
		if (pgoff - e.pgoff < e.npages) {
			*off = e.off + ((pgoff - e.pgoff) << DAXFS_BLOCK_SHIFT);
			*npages = e.npages - (pgoff - e.pgoff);
			return 0;
		}
	}
	/* A hole: up to the next extent or the end of the file. */
	*npages = file_pages - pgoff;
	if (lo < inode->count) {
		daxfs_read_extent(img, inode->data + lo, &e);
		if (!extent_ok(img, &e, file_pages) || e.pgoff <= pgoff)
			return -EUCLEAN;
		*npages = e.pgoff - pgoff;
	}
	*off = 0;
	return 1;
}

int daxfs_symlink_target(const struct daxfs_image *img,
			 const struct daxfs_inode_info *inode,
			 const u8 **target, u32 *len)
{
	if ((inode->mode & DAXFS_S_IFMT) != DAXFS_S_IFLNK || !inode->size ||
	    inode->size > DAXFS_SYMLINK_MAX ||
	    !daxfs_range_ok(inode->data, inode->size, img->strtab_size))
		return -EUCLEAN;
	*target = daxfs_str_ptr(img, inode->data);
	*len = (u32)inode->size;
	return 0;
}

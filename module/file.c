// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: regular files, read side.  read() copies straight from the
 * region into the caller's buffer (machine-check safe: a poisoned line
 * is EIO) and never touches the page cache; writes are in write.c, mmap
 * in mmap.c.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/uio.h>
#include <linux/sched/signal.h>
#include <linux/splice.h>

#include "daxfs.h"

/* Largest copy between two checks for rescheduling and signals. */
#define DAXFS_READ_CHUNK	(1U << 20)

/*
 * Where file page @pgoff is: through the view for a branching image (the
 * index lock held across the query only), the base's extents otherwise.
 * Returns 0 (data at m->off, m->npages from there) or 1 (a hole of
 * m->npages), or -errno.
 */
static int daxfs_read_map(struct inode *inode, u64 pgoff, loff_t size,
			  struct daxfs_fmap *m)
{
	struct daxfs_delta *d = daxfs_delta(inode);
	struct daxfs_vinode *vi = &DAXFS_I(inode)->vi;
	int ret;

	if (!d) {
		ret = daxfs_file_map(daxfs_img(inode), &vi->base, pgoff,
				     &m->off, &m->npages);
		m->hole = ret == 1;
		return ret;
	}
	ret = daxfs_view_get(inode);
	if (ret)
		return ret;
	{
		struct daxfs_vinode cur = *vi;

		cur.attr.size = size;
		ret = daxfs_view_map(&d->view, &cur, pgoff, m);
	}
	daxfs_view_put(inode);
	return ret ? ret : m->hole;
}

/*
 * Copy up to @len bytes at file offset @pos to @to.  Returns the bytes
 * copied (0 only when @len is 0), or -EFAULT, -EIO, -EUCLEAN.
 */
static ssize_t daxfs_read_chunk(struct inode *inode, loff_t pos, size_t len,
				loff_t size, struct iov_iter *to)
{
	const struct daxfs_image *img = daxfs_img(inode);
	u64 inpage = pos & (DAXFS_BLOCK_SIZE - 1);
	struct daxfs_fmap m;
	u64 off, npages, avail;
	size_t done;
	int ret;

	ret = daxfs_read_map(inode, pos >> DAXFS_BLOCK_SHIFT, size, &m);
	if (ret < 0)
		return ret;
	npages = m.npages;
	if (!npages)
		return -EUCLEAN;
	npages = min_t(u64, npages, DAXFS_READ_CHUNK >> DAXFS_BLOCK_SHIFT);
	avail = (npages << DAXFS_BLOCK_SHIFT) - inpage;
	len = min_t(u64, len, avail);
	if (ret == 1) {
		done = iov_iter_zero(len, to);
		return done ? done : -EFAULT;
	}
	off = m.off + inpage;
	if (off > img->size || len > img->size - off)
		return -EUCLEAN;
	ret = daxfs_region_copy_to_iter(daxfs_region(inode), off, len, to,
					&done);
	return done ? done : ret;
}

static ssize_t daxfs_read(struct inode *inode, loff_t pos, struct iov_iter *to,
			  loff_t *end)
{
	loff_t size = i_size_read(inode);
	ssize_t done = 0, n;

	while (iov_iter_count(to) && pos < size) {
		n = daxfs_read_chunk(inode, pos,
				     min_t(u64, iov_iter_count(to), size - pos),
				     size, to);
		if (n <= 0) {
			if (!done)
				done = n;
			break;
		}
		pos += n;
		done += n;
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
	*end = pos;
	return done;
}

/*
 * read(): the inode's i_rwsem held shared on a writable image, so that a
 * write, truncate or hole punch (which hold it exclusively) cannot give
 * back a page this read is copying from.
 */
static ssize_t daxfs_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct daxfs_region *r = daxfs_region(inode);
	bool locked = daxfs_delta(inode);
	ssize_t done;
	loff_t end;
	int idx;

	if (iocb->ki_pos < 0)
		return -EINVAL;
	if (locked)
		inode_lock_shared(inode);
	idx = daxfs_region_enter(r);
	if (idx < 0) {
		done = idx;
		goto out;
	}
	done = daxfs_read(inode, iocb->ki_pos, to, &end);
	daxfs_region_exit(r, idx);
	if (done > 0)
		iocb->ki_pos = end;
out:
	if (locked)
		inode_unlock_shared(inode);
	if (done >= 0)
		file_accessed(iocb->ki_filp);
	return done;
}

/* SEEK_DATA and SEEK_HOLE from the page map. */
static loff_t daxfs_seek_hole_data(struct file *file, loff_t offset,
				   int whence)
{
	struct inode *inode = file_inode(file);
	struct daxfs_region *r = daxfs_region(inode);
	struct daxfs_delta *d = daxfs_delta(inode);
	struct daxfs_vinode vi;
	u64 size, pgoff;
	loff_t pos;
	int idx, ret;

	if (d)
		inode_lock_shared(inode);
	size = i_size_read(inode);
	ret = -ENXIO;
	if (offset < 0 || offset >= size)
		goto out;
	idx = daxfs_region_enter(r);
	ret = idx;
	if (idx < 0)
		goto out;
	if (d) {
		ret = daxfs_view_get(inode);
		if (!ret) {
			vi = DAXFS_I(inode)->vi;
			vi.attr.size = size;
			ret = daxfs_view_seek(&d->view, &vi,
					      offset >> DAXFS_BLOCK_SHIFT,
					      whence == SEEK_DATA, &pgoff);
			daxfs_view_put(inode);
		}
	} else {
		ret = daxfs_file_seek(daxfs_img(inode), &DAXFS_I(inode)->vi.base,
				      offset >> DAXFS_BLOCK_SHIFT,
				      whence == SEEK_DATA, &pgoff);
	}
	daxfs_region_exit(r, idx);
out:
	if (d)
		inode_unlock_shared(inode);
	if (ret)
		return ret;
	pos = max_t(u64, offset, pgoff << DAXFS_BLOCK_SHIFT);
	pos = min_t(u64, pos, size);	/* the implicit hole at EOF */
	return vfs_setpos(file, pos, inode->i_sb->s_maxbytes);
}

/*
 * O_DIRECT asks to bypass the page cache, which reads here never use:
 * accept it, as the kernel's DAX filesystems do.
 */
static int daxfs_open(struct inode *inode, struct file *file)
{
	file->f_mode |= FMODE_CAN_ODIRECT;
	return generic_file_open(inode, file);
}

static loff_t daxfs_llseek(struct file *file, loff_t offset, int whence)
{
	if (whence == SEEK_DATA || whence == SEEK_HOLE)
		return daxfs_seek_hole_data(file, offset, whence);
	return generic_file_llseek(file, offset, whence);
}

const struct file_operations daxfs_file_operations = {
	.llseek		= daxfs_llseek,
	.read_iter	= daxfs_read_iter,
	.write_iter	= daxfs_write_iter,
	.mmap		= daxfs_mmap,
	.get_unmapped_area = thp_get_unmapped_area,
	.open		= daxfs_open,
	.fsync		= daxfs_fsync,
	.fallocate	= daxfs_fallocate,
	.splice_read	= daxfs_splice_read,
	.splice_write	= iter_file_splice_write,
	.unlocked_ioctl	= daxfs_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

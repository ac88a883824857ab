// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: regular files.  read() copies straight from the region into
 * the caller's buffer (machine-check safe: a poisoned line is EIO) and
 * never touches the page cache; mmap is in mmap.c.
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
 * Copy up to @len bytes at file offset @pos to @to.  Returns the bytes
 * copied (0 only when @len is 0), or -EFAULT, -EIO, -EUCLEAN.
 */
static ssize_t daxfs_read_chunk(struct inode *inode, loff_t pos, size_t len,
				struct iov_iter *to)
{
	const struct daxfs_image *img = daxfs_img(inode);
	u64 inpage = pos & (DAXFS_BLOCK_SIZE - 1);
	u64 off, npages, avail;
	size_t done;
	int ret;

	ret = daxfs_file_map(img, &DAXFS_I(inode)->info,
			     pos >> DAXFS_BLOCK_SHIFT, &off, &npages);
	if (ret < 0)
		return ret;
	if (!npages)
		return -EUCLEAN;
	npages = min_t(u64, npages, DAXFS_READ_CHUNK >> DAXFS_BLOCK_SHIFT);
	avail = (npages << DAXFS_BLOCK_SHIFT) - inpage;
	len = min_t(u64, len, avail);
	if (ret == 1) {
		done = iov_iter_zero(len, to);
		return done ? done : -EFAULT;
	}
	off += inpage;
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
				     to);
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

static ssize_t daxfs_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct daxfs_region *r = daxfs_region(inode);
	ssize_t done;
	loff_t end;
	int idx;

	if (iocb->ki_pos < 0)
		return -EINVAL;
	idx = daxfs_region_enter(r);
	if (idx < 0)
		return idx;
	done = daxfs_read(inode, iocb->ki_pos, to, &end);
	daxfs_region_exit(r, idx);
	if (done > 0)
		iocb->ki_pos = end;
	return done;
}

/* SEEK_DATA and SEEK_HOLE from the extent map (daxfs_file_seek). */
static loff_t daxfs_seek_hole_data(struct file *file, loff_t offset,
				   int whence)
{
	struct inode *inode = file_inode(file);
	struct daxfs_region *r = daxfs_region(inode);
	u64 size = i_size_read(inode);
	u64 pgoff;
	loff_t pos;
	int idx, ret;

	if (offset < 0 || offset >= size)
		return -ENXIO;
	idx = daxfs_region_enter(r);
	if (idx < 0)
		return idx;
	ret = daxfs_file_seek(daxfs_img(inode), &DAXFS_I(inode)->info,
			      offset >> DAXFS_BLOCK_SHIFT, whence == SEEK_DATA,
			      &pgoff);
	daxfs_region_exit(r, idx);
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
	.mmap		= daxfs_mmap,
	.get_unmapped_area = thp_get_unmapped_area,
	.open		= daxfs_open,
	.fsync		= noop_fsync,
	.splice_read	= daxfs_splice_read,
	.unlocked_ioctl	= daxfs_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

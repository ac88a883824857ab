// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: regular files.  read() copies straight from the region and
 * mmap() maps region pages straight into the process; no page cache.
 *
 * mmap: the VMA is VM_MIXEDMAP and the fault handler inserts the page
 * frame behind the file page (region pages need not have a struct page,
 * e.g. a guest's NVDIMM range without a pmem driver).  Such ptes are
 * "special", so a write to a present page of a MAP_PRIVATE mapping makes
 * do_wp_page() copy it from the user address into a new anonymous page;
 * a first-touch write fault (do_cow_fault) wants a struct page to copy
 * from, which we give it as a temporary copy of the region page.  Only
 * the written page is ever copied.  Writable shared mappings are refused.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/uio.h>
#include <linux/highmem.h>
#include <linux/pfn_t.h>
#include <linux/sched/signal.h>
#include <linux/splice.h>

#include "daxfs.h"

/* Largest copy between two checks for rescheduling and signals. */
#define DAXFS_READ_CHUNK	(1U << 20)

/*
 * Copy up to @len bytes at file offset @pos to @to.  Returns bytes
 * copied (0 if @to faulted at once) or -EUCLEAN for a bad mapping.
 */
static ssize_t daxfs_read_chunk(struct inode *inode, loff_t pos, size_t len,
				struct iov_iter *to)
{
	const struct daxfs_image *img = daxfs_img(inode);
	u64 inpage = pos & (DAXFS_BLOCK_SIZE - 1);
	u64 off, npages, avail;
	int ret;

	ret = daxfs_file_map(img, &DAXFS_I(inode)->info,
			     pos >> DAXFS_BLOCK_SHIFT, &off, &npages);
	if (ret < 0)
		return ret;
	if (!npages)
		return -EUCLEAN;
	if (npages > (U64_MAX >> DAXFS_BLOCK_SHIFT))
		npages = U64_MAX >> DAXFS_BLOCK_SHIFT;
	avail = (npages << DAXFS_BLOCK_SHIFT) - inpage;
	if (len > avail)
		len = avail;
	if (ret == 1)
		return iov_iter_zero(len, to);
	off += inpage;
	if (off > img->size || len > img->size - off)
		return -EUCLEAN;
	return copy_to_iter(img->base + off, len, to);
}

static ssize_t daxfs_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	loff_t size = i_size_read(inode);
	loff_t pos = iocb->ki_pos;
	ssize_t done = 0, n;
	size_t len;

	if (pos < 0)
		return -EINVAL;
	while (iov_iter_count(to) && pos < size) {
		len = min_t(u64, iov_iter_count(to), size - pos);
		len = min_t(size_t, len, DAXFS_READ_CHUNK);
		n = daxfs_read_chunk(inode, pos, len, to);
		if (n <= 0) {
			if (!done)
				done = n ? n : -EFAULT;
			break;
		}
		pos += n;
		done += n;
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
	if (done > 0)
		iocb->ki_pos = pos;
	return done;
}

/*
 * A first write to a page of a private mapping: hand do_cow_fault() a
 * temporary page holding the data, which it copies and then releases.
 */
static vm_fault_t daxfs_fault_copy(struct vm_fault *vmf,
				   const struct daxfs_image *img, u64 off,
				   bool hole)
{
	struct page *page;
	void *dst;

	page = alloc_page(GFP_HIGHUSER);
	if (!page)
		return VM_FAULT_OOM;
	dst = kmap_local_page(page);
	if (hole)
		memset(dst, 0, PAGE_SIZE);
	else
		memcpy(dst, img->base + off, PAGE_SIZE);
	kunmap_local(dst);
	vmf->page = page;
	return 0;
}

static vm_fault_t daxfs_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct inode *inode = file_inode(vma->vm_file);
	struct daxfs_sb_info *sbi = DAXFS_SB(inode->i_sb);
	const struct daxfs_image *img = &sbi->img;
	u64 pages = DIV_ROUND_UP((u64)i_size_read(inode), PAGE_SIZE);
	u64 off, npages;
	unsigned long pfn;
	int ret;

	if (vmf->pgoff >= pages)
		return VM_FAULT_SIGBUS;
	ret = daxfs_file_map(img, &DAXFS_I(inode)->info, vmf->pgoff, &off,
			     &npages);
	if (ret < 0)
		return VM_FAULT_SIGBUS;
	if (!ret && (off > img->size || img->size - off < PAGE_SIZE))
		return VM_FAULT_SIGBUS;
	if (vmf->cow_page)
		return daxfs_fault_copy(vmf, img, off, ret == 1);
	if (ret == 1)
		pfn = my_zero_pfn(vmf->address);
	else
		pfn = daxfs_region_pfn(&sbi->region, off);
	return vmf_insert_mixed(vma, vmf->address, pfn_to_pfn_t(pfn));
}

/*
 * ptrace() and /proc/PID/mem (a debugger reading the text of a program
 * run from the mount) reach a mapping through get_user_pages(), which
 * cannot follow the special ptes of region pages; for those it falls
 * back to ->access, which reads the file page from the region.  Writes
 * are refused: a forced write to a private mapping copies the page into
 * the process first and never comes here.
 */
static int daxfs_vma_access(struct vm_area_struct *vma, unsigned long addr,
			    void *buf, int len, int write)
{
	struct inode *inode = file_inode(vma->vm_file);
	const struct daxfs_image *img = daxfs_img(inode);
	u64 pos = ((u64)vma->vm_pgoff << PAGE_SHIFT) + (addr - vma->vm_start);
	u64 size = i_size_read(inode);
	u64 inpage = pos & (PAGE_SIZE - 1);
	u64 off, npages;
	int ret;

	if (write || len <= 0 || pos >= size)
		return 0;
	len = min_t(u64, len, PAGE_SIZE - inpage);
	ret = daxfs_file_map(img, &DAXFS_I(inode)->info, pos >> PAGE_SHIFT,
			     &off, &npages);
	if (ret < 0)
		return 0;
	if (ret == 1) {
		memset(buf, 0, len);
		return len;
	}
	off += inpage;
	if (off > img->size || img->size - off < len)
		return 0;
	memcpy(buf, img->base + off, len);
	return len;
}

static const struct vm_operations_struct daxfs_vm_ops = {
	.fault		= daxfs_fault,
	.access		= daxfs_vma_access,
};

static int daxfs_mmap(struct file *file, struct vm_area_struct *vma)
{
	vm_flags_t clear = 0;

	if (vma->vm_flags & VM_SHARED) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		clear = VM_MAYWRITE;
	}
	file_accessed(file);
	daxfs_vm_flags_mod(vma, VM_MIXEDMAP, clear);
	vma->vm_ops = &daxfs_vm_ops;
	return 0;
}

/*
 * SEEK_DATA and SEEK_HOLE from the extent map: data is what extents
 * cover, holes are the gaps between them and the tail past the last one.
 * Each step moves past one extent or one hole, so the walk is bounded by
 * the file's extent count.
 */
static loff_t daxfs_seek_hole_data(struct file *file, loff_t offset,
				   int whence)
{
	struct inode *inode = file_inode(file);
	const struct daxfs_image *img = daxfs_img(inode);
	u64 size = i_size_read(inode);
	u64 pages = DIV_ROUND_UP_ULL(size, DAXFS_BLOCK_SIZE);
	u64 pgoff, off, npages;
	loff_t pos;
	int ret;

	if (offset < 0 || offset >= size)
		return -ENXIO;
	for (pgoff = offset >> DAXFS_BLOCK_SHIFT; pgoff < pages;
	     pgoff += npages) {
		ret = daxfs_file_map(img, &DAXFS_I(inode)->info, pgoff, &off,
				     &npages);
		if (ret < 0)
			return ret;
		if (!npages || npages > pages - pgoff)
			return -EUCLEAN;
		if ((ret == 0) == (whence == SEEK_DATA))
			break;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	if (pgoff >= pages) {
		if (whence == SEEK_DATA)
			return -ENXIO;
		pos = size;	/* the implicit hole at the end of the file */
	} else {
		pos = max_t(u64, offset, pgoff << DAXFS_BLOCK_SHIFT);
		pos = min_t(u64, pos, size);
	}
	return vfs_setpos(file, pos, inode->i_sb->s_maxbytes);
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
	.open		= generic_file_open,
	.fsync		= noop_fsync,
	.splice_read	= daxfs_splice_read,
	.unlocked_ioctl	= daxfs_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

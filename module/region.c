// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: the backing memory of a mount, whatever its source.
 *
 * A region is physical memory (phys=, phys.c), a dma-buf (dmabuf.c) or
 * a DAX block device (daxdev.c).  Each gives one kernel virtual range;
 * this file holds what the rest of the module needs from any of them:
 * the page frame behind an offset (for mmap), the section that guards
 * reads against a DAX device going away, and the machine-check-safe copy
 * of file data to user buffers.
 */
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/uio.h>
#include <linux/dax.h>
#include <linux/libnvdimm.h>

#include "daxfs.h"

void daxfs_region_unmap(struct daxfs_region *r)
{
	switch (r->source) {
	case DAXFS_SOURCE_PHYS:
		daxfs_region_unmap_phys(r);
		break;
	case DAXFS_SOURCE_DMABUF:
		daxfs_region_unmap_dmabuf(r);
		break;
	case DAXFS_SOURCE_BDEV:
		daxfs_region_unmap_bdev(r);
		break;
	}
	r->source = 0;
	r->base = NULL;
	r->size = 0;
}

/*
 * Page frame of region offset @off (page aligned, inside the region).
 * Inserted as a "special" entry: region pages need not have a struct
 * page, and where they do, they are not ours to reference-count.
 */
pfn_t daxfs_region_pfn(const struct daxfs_region *r, u64 off)
{
	void *addr = (u8 *)r->base + off;

	if (r->source != DAXFS_SOURCE_DMABUF)
		return pfn_to_pfn_t(r->pfn + (off >> PAGE_SHIFT));
	if (is_vmalloc_addr(addr))
		return pfn_to_pfn_t(vmalloc_to_pfn(addr));
	return pfn_to_pfn_t(PHYS_PFN(virt_to_phys(addr)));
}

/*
 * Every access to region memory happens between daxfs_region_enter()
 * and daxfs_region_exit().  For a DAX device this is the DAX read lock:
 * when the device goes away, its failure notification sets @dead first
 * (and zaps the mappings processes have of it, see daxdev.c), and the
 * device then waits for every such section to end before the memory is
 * unmapped, so a reader either sees @dead (and fails with -EIO) or
 * finishes while the memory is still there.  Physical memory
 * and dma-bufs stay mapped for the life of the mount.
 */
int daxfs_region_enter(struct daxfs_region *r)
{
	int idx;

	if (r->source != DAXFS_SOURCE_BDEV)
		return 0;
	idx = dax_read_lock();
	if (READ_ONCE(r->dead)) {
		dax_read_unlock(idx);
		return -EIO;
	}
	return idx;
}

void daxfs_region_exit(struct daxfs_region *r, int idx)
{
	if (r->source == DAXFS_SOURCE_BDEV)
		dax_read_unlock(idx);
}

/*
 * The same for a fault, which also puts region pages into a process:
 * the device's departure must not slip between the test of @dead and
 * the insertion, or the entry would outlive the zap that follows it.
 */
int daxfs_region_enter_fault(struct daxfs_region *r)
{
	int idx;

	if (r->source != DAXFS_SOURCE_BDEV)
		return 0;
	down_read(&r->fault_lock);
	idx = daxfs_region_enter(r);
	if (idx < 0)
		up_read(&r->fault_lock);
	return idx;
}

void daxfs_region_exit_fault(struct daxfs_region *r, int idx)
{
	if (r->source != DAXFS_SOURCE_BDEV)
		return;
	daxfs_region_exit(r, idx);
	up_read(&r->fault_lock);
}

/*
 * Copy @len bytes at region offset @off (inside the region) to @to.
 * *@done gets the bytes copied.  Returns 0, -EFAULT when the user
 * buffer faulted first, or -EIO when the region memory could not be
 * read (a machine check on persistent memory).
 */
int daxfs_region_copy_to_iter(const struct daxfs_region *r, u64 off,
			      size_t len, struct iov_iter *to, size_t *done)
{
	const u8 *src = (const u8 *)r->base + off;
	u8 probe;

	*done = _copy_mc_to_iter(src, len, to);
	if (*done == len)
		return 0;
	/* Short: a bad source line, or a bad user buffer? */
	if (copy_mc_to_kernel(&probe, src + *done, 1))
		return -EIO;
	return -EFAULT;
}

/*
 * Copy @len bytes from @from into the region at @off (inside it), made
 * durable on persistent memory (non-temporal stores, written back).
 * Returns the bytes copied: short when the caller's buffer faulted.
 */
size_t daxfs_region_copy_from_iter(const struct daxfs_region *r, u64 off,
				   size_t len, struct iov_iter *from)
{
	void *dst = (u8 *)r->base + off;

	if (r->persistent)
		return _copy_from_iter_flushcache(dst, len, from);
	return copy_from_iter(dst, len, from);
}

bool daxfs_region_persistent(const struct daxfs_region *r)
{
	return r->persistent;
}

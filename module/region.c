// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: the backing memory of a mount.
 *
 * A region is either physical memory (phys=, mapped write-back with
 * memremap) or a dma-buf (fsconfig FSCONFIG_SET_FD "dmabuf", mapped with
 * dma_buf_vmap).  Both give one kernel virtual range; mmap needs the
 * page frame behind each offset, which region_pfn provides for both.
 */
#define pr_fmt(fmt) "daxfs: " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/dma-buf.h>
#include <linux/magic.h>
#include <linux/module.h>

#include "daxfs.h"

MODULE_IMPORT_NS(DMA_BUF);

int daxfs_region_map_phys(struct daxfs_region *r, phys_addr_t phys, u64 size)
{
	void *base;

	if (phys + size < phys)
		return -EINVAL;
	base = memremap(phys, size, MEMREMAP_WB);
	if (!base)
		return -ENOMEM;
	r->source = DAXFS_SOURCE_PHYS;
	r->phys = phys;
	r->size = size;
	r->base = base;
	return 0;
}

/*
 * Take a reference to the dma-buf behind @file.  Every dma-buf file lives
 * on the dma-buf pseudo filesystem (magic DMA_BUF_MAGIC) and points back
 * at its dma_buf, which is how dma_buf_get() recognises one too.
 */
struct dma_buf *daxfs_dmabuf_from_file(struct file *file)
{
	struct dma_buf *dmabuf;

	if (!file || file_inode(file)->i_sb->s_magic != DMA_BUF_MAGIC)
		return ERR_PTR(-EINVAL);
	dmabuf = file->private_data;
	if (!dmabuf || dmabuf->file != file)
		return ERR_PTR(-EINVAL);
	get_dma_buf(dmabuf);
	return dmabuf;
}

void daxfs_dmabuf_put(struct dma_buf *dmabuf)
{
	if (dmabuf)
		dma_buf_put(dmabuf);
}

u64 daxfs_dmabuf_size(struct dma_buf *dmabuf)
{
	return dmabuf->size;
}

/* Map @dmabuf; on success the region owns the caller's reference. */
int daxfs_region_map_dmabuf(struct daxfs_region *r, struct dma_buf *dmabuf)
{
	struct iosys_map map;
	int ret;

	iosys_map_clear(&map);
	ret = daxfs_dmabuf_vmap(dmabuf, &map);
	if (ret)
		return ret;
	if (map.is_iomem || !map.vaddr) {
		/* I/O memory cannot be read with plain loads; refuse it. */
		daxfs_dmabuf_vunmap(dmabuf, &map);
		return -EOPNOTSUPP;
	}
	r->source = DAXFS_SOURCE_DMABUF;
	r->dmabuf = dmabuf;
	r->map = map;
	r->base = map.vaddr;
	r->size = dmabuf->size;
	return 0;
}

void daxfs_region_unmap(struct daxfs_region *r)
{
	switch (r->source) {
	case DAXFS_SOURCE_PHYS:
		memunmap(r->base);
		break;
	case DAXFS_SOURCE_DMABUF:
		daxfs_dmabuf_vunmap(r->dmabuf, &r->map);
		dma_buf_put(r->dmabuf);
		r->dmabuf = NULL;
		break;
	}
	r->source = 0;
	r->base = NULL;
	r->size = 0;
}

/* Page frame of region offset @off (page aligned, inside the region). */
unsigned long daxfs_region_pfn(const struct daxfs_region *r, u64 off)
{
	void *addr = (u8 *)r->base + off;

	if (r->source == DAXFS_SOURCE_PHYS)
		return PHYS_PFN(r->phys + off);
	if (is_vmalloc_addr(addr))
		return vmalloc_to_pfn(addr);
	return PHYS_PFN(virt_to_phys(addr));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: a region in a dma-buf (fsconfig FSCONFIG_SET_FD "dmabuf").
 * The mount holds a reference to the buffer and its kernel mapping
 * (dma_buf_vmap) for its whole life and drops both at unmount.
 */
#include <linux/dma-buf.h>
#include <linux/magic.h>
#include <linux/module.h>
#include <linux/fs_context.h>

#include "daxfs.h"

MODULE_IMPORT_NS(DMA_BUF);

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

/* Map @dmabuf; on success the region owns the caller's reference. */
int daxfs_region_map_dmabuf(struct daxfs_region *r, struct dma_buf *dmabuf,
			    struct fs_context *fc)
{
	struct iosys_map map;
	int ret;

	iosys_map_clear(&map);
	ret = daxfs_dmabuf_vmap(dmabuf, &map);
	if (ret)
		return invalfc(fc, "dmabuf: cannot map it (%d)", ret);
	if (map.is_iomem || !map.vaddr) {
		/* I/O memory cannot be read with plain loads; refuse it. */
		daxfs_dmabuf_vunmap(dmabuf, &map);
		return invalfc(fc, "dmabuf: the buffer is I/O memory");
	}
	r->source = DAXFS_SOURCE_DMABUF;
	r->dmabuf = dmabuf;
	r->map = map;
	r->base = map.vaddr;
	r->size = dmabuf->size;
	return 0;
}

void daxfs_region_unmap_dmabuf(struct daxfs_region *r)
{
	daxfs_dmabuf_vunmap(r->dmabuf, &r->map);
	dma_buf_put(r->dmabuf);
	r->dmabuf = NULL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs_test_heap: a test-only dma-buf exporter for the DAXFS VM tests.
 *
 * Debian's 6.1 kernel is built without CONFIG_DMABUF_HEAPS, so there is
 * no /dev/dma_heap/system to allocate a dma-buf from.  This module offers
 * the same allocation ABI (DMA_HEAP_IOCTL_ALLOC, struct
 * dma_heap_allocation_data) on a misc device, /dev/daxfs_test_heap, and
 * exports buffers made of ordinary pages.  The buffers can be mapped by
 * user space (to fill them), vmap()ed by an importer (daxfs maps the
 * image this way) and mapped for DMA through an sg_table.
 *
 * Not for production: any user who can open the device can allocate
 * kernel memory, so the device node is root-only.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <uapi/linux/dma-heap.h>

/* Largest buffer one allocation may ask for. */
#define TEST_HEAP_MAX_BYTES	(2ULL << 30)

struct test_heap_buf {
	struct page **pages;
	pgoff_t npages;
	void *vaddr;			/* kernel mapping while vmapped */
	unsigned int vmap_count;
	struct mutex lock;		/* protects vaddr and vmap_count */
};

static void test_heap_free_pages(struct test_heap_buf *buf, pgoff_t n)
{
	while (n--)
		__free_page(buf->pages[n]);
	kvfree(buf->pages);
}

static struct sg_table *test_heap_map(struct dma_buf_attachment *attach,
				      enum dma_data_direction dir)
{
	struct test_heap_buf *buf = attach->dmabuf->priv;
	struct sg_table *sgt;
	int ret;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table_from_pages(sgt, buf->pages, buf->npages, 0,
					(size_t)buf->npages << PAGE_SHIFT,
					GFP_KERNEL);
	if (ret)
		goto err_free;
	ret = dma_map_sgtable(attach->dev, sgt, dir, 0);
	if (ret)
		goto err_table;
	return sgt;

err_table:
	sg_free_table(sgt);
err_free:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void test_heap_unmap(struct dma_buf_attachment *attach,
			    struct sg_table *sgt,
			    enum dma_data_direction dir)
{
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	sg_free_table(sgt);
	kfree(sgt);
}

static int test_heap_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct test_heap_buf *buf = dmabuf->priv;

	return vm_map_pages(vma, buf->pages, buf->npages);
}

static int test_heap_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct test_heap_buf *buf = dmabuf->priv;
	int ret = 0;

	mutex_lock(&buf->lock);
	if (!buf->vmap_count) {
		buf->vaddr = vmap(buf->pages, buf->npages, VM_MAP,
				  PAGE_KERNEL);
		if (!buf->vaddr)
			ret = -ENOMEM;
	}
	if (!ret) {
		buf->vmap_count++;
		iosys_map_set_vaddr(map, buf->vaddr);
	}
	mutex_unlock(&buf->lock);
	return ret;
}

static void test_heap_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct test_heap_buf *buf = dmabuf->priv;

	mutex_lock(&buf->lock);
	if (!WARN_ON(!buf->vmap_count) && !--buf->vmap_count) {
		vunmap(buf->vaddr);
		buf->vaddr = NULL;
	}
	mutex_unlock(&buf->lock);
	iosys_map_clear(map);
}

static void test_heap_buf_free(struct test_heap_buf *buf)
{
	test_heap_free_pages(buf, buf->npages);
	mutex_destroy(&buf->lock);
	kfree(buf);
}

static void test_heap_release(struct dma_buf *dmabuf)
{
	struct test_heap_buf *buf = dmabuf->priv;

	WARN_ON(buf->vmap_count);
	test_heap_buf_free(buf);
}

static const struct dma_buf_ops test_heap_ops = {
	.map_dma_buf = test_heap_map,
	.unmap_dma_buf = test_heap_unmap,
	.mmap = test_heap_mmap,
	.vmap = test_heap_vmap,
	.vunmap = test_heap_vunmap,
	.release = test_heap_release,
};

static struct test_heap_buf *test_heap_buf_alloc(pgoff_t npages)
{
	struct test_heap_buf *buf;
	pgoff_t i;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return NULL;
	buf->pages = kvmalloc_array(npages, sizeof(*buf->pages), GFP_KERNEL);
	if (!buf->pages)
		goto err_buf;
	for (i = 0; i < npages; i++) {
		buf->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO |
					   __GFP_NOWARN);
		if (!buf->pages[i])
			goto err_pages;
		if (fatal_signal_pending(current)) {
			i++;
			goto err_pages;
		}
	}
	buf->npages = npages;
	mutex_init(&buf->lock);
	return buf;

err_pages:
	test_heap_free_pages(buf, i);
err_buf:
	kfree(buf);
	return NULL;
}

static int test_heap_allocate(u64 len, u32 fd_flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct test_heap_buf *buf;
	struct dma_buf *dmabuf;
	int fd;

	buf = test_heap_buf_alloc(len >> PAGE_SHIFT);
	if (!buf)
		return -ENOMEM;
	exp_info.ops = &test_heap_ops;
	exp_info.size = len;
	exp_info.flags = fd_flags;
	exp_info.priv = buf;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		test_heap_buf_free(buf);
		return PTR_ERR(dmabuf);
	}
	fd = dma_buf_fd(dmabuf, fd_flags);
	if (fd < 0)
		dma_buf_put(dmabuf);	/* frees through test_heap_release */
	return fd;
}

static long test_heap_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct dma_heap_allocation_data data;
	void __user *uarg = (void __user *)arg;
	int fd;

	if (cmd != DMA_HEAP_IOCTL_ALLOC)
		return -ENOTTY;
	if (copy_from_user(&data, uarg, sizeof(data)))
		return -EFAULT;
	if (data.fd || data.heap_flags ||
	    (data.fd_flags & ~(u32)(O_ACCMODE | O_CLOEXEC)))
		return -EINVAL;
	if (!data.len || data.len > TEST_HEAP_MAX_BYTES)
		return -EINVAL;
	data.len = PAGE_ALIGN(data.len);

	fd = test_heap_allocate(data.len, data.fd_flags);
	if (fd < 0)
		return fd;
	data.fd = fd;
	if (copy_to_user(uarg, &data, sizeof(data))) {
		/* The fd is installed; user space may already use it. */
		return -EFAULT;
	}
	return 0;
}

static const struct file_operations test_heap_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = test_heap_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice test_heap_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "daxfs_test_heap",
	.fops = &test_heap_fops,
	.mode = 0600,
};

module_misc_device(test_heap_dev);

MODULE_DESCRIPTION("DAXFS tests: dma-heap style dma-buf exporter");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);

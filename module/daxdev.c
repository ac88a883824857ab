// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: a region on a DAX-capable block device, such as a pmem
 * namespace in fsdax mode (mount -t daxfs /dev/pmem0 /mnt).
 *
 * The VFS opens the device (get_tree_bdev); the whole device is then
 * mapped once through the kernel's DAX API (dax_direct_access), so reads
 * and mmap are the same loads and page frames as for phys=.  The mount
 * holds the DAX device for its life, as its holder: when the device is
 * about to go away its failure notification marks the region dead, so
 * every reader then gets -EIO (see daxfs_region_enter()), and takes the
 * region's pages out of every process mapping them (a later touch is
 * SIGBUS).
 *
 * The DAX core calls the notification inside its read-side section and
 * does not wait for one in flight when the holder lets go (fs_put_dax),
 * so the notification never trusts its holder pointer by itself: it
 * acts only on a region it finds in daxfs_bdev_regions, under
 * daxfs_bdev_lock, and unmount takes the region off that list (under the
 * same lock) before it lets go of the device.  A region is on the list
 * from before it becomes the device's holder, so no notification is
 * missed while the mount is being set up.
 */
#define pr_fmt(fmt) "daxfs: " fmt

#include <linux/blkdev.h>
#include <linux/dax.h>
#include <linux/fs_context.h>
#include <linux/mm.h>

#include "daxfs.h"

/* Regions of mounted DAX devices; the lock also serialises notifications. */
static LIST_HEAD(daxfs_bdev_regions);
static DEFINE_MUTEX(daxfs_bdev_lock);

/* The whole device is going away (or, on 6.1, a failure of all of it). */
static bool whole_device(u64 offset, u64 len)
{
	return offset == 0 && len == U64_MAX;
}

/* Take every region page out of every process that has it mapped. */
static void daxfs_zap_mappings(struct super_block *sb)
{
	struct inode *inode, *prev = NULL;

	spin_lock(&sb->s_inode_list_lock);
	list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		if (!S_ISREG(inode->i_mode) || !igrab(inode))
			continue;
		spin_unlock(&sb->s_inode_list_lock);
		iput(prev);
		unmap_mapping_range(inode->i_mapping, 0, 0, 1);
		prev = inode;
		cond_resched();
		spin_lock(&sb->s_inode_list_lock);
	}
	spin_unlock(&sb->s_inode_list_lock);
	iput(prev);
}

/* The region of @sb if it is a mounted DAX device's; daxfs_bdev_lock held. */
static struct daxfs_region *daxfs_bdev_region(struct super_block *sb)
{
	struct daxfs_region *r;

	list_for_each_entry(r, &daxfs_bdev_regions, bdev_node)
		if (r->dax_holder == sb)
			return r;
	return NULL;
}

static int daxfs_notify_failure(struct dax_device *dax_dev, u64 offset,
				u64 len, int mf_flags)
{
	struct super_block *sb = dax_holder(dax_dev);
	struct daxfs_region *r;

	/*
	 * Poison in part of the device: reads of it are already -EIO
	 * (machine-check-safe copies), and a process touching a mapped
	 * poisoned page gets SIGBUS from the machine check.  The generic
	 * handling cannot find the processes either (our pages have no
	 * ->mapping), so there is nothing more to do.
	 */
	if (!sb || !whole_device(offset, len))
		return -EOPNOTSUPP;
	mutex_lock(&daxfs_bdev_lock);
	r = daxfs_bdev_region(sb);
	if (!r) {
		/* unmounted meanwhile */
		mutex_unlock(&daxfs_bdev_lock);
		return -EOPNOTSUPP;
	}
	down_write(&r->fault_lock);
	WRITE_ONCE(r->dead, true);
	up_write(&r->fault_lock);
	/*
	 * s_umount held for writing means an unmount (which has no mapping
	 * left to zap, and waits for our lock in put_super) or a remount:
	 * never wait for it here.
	 */
	if (down_read_trylock(&sb->s_umount)) {
		daxfs_zap_mappings(sb);
		up_read(&sb->s_umount);
	}
	mutex_unlock(&daxfs_bdev_lock);
	pr_warn("%pg: the DAX device is going away; its files now give EIO\n",
		sb->s_bdev);
	return 0;
}

static const struct dax_holder_operations daxfs_dax_holder_ops = {
	.notify_failure	= daxfs_notify_failure,
};

static void daxfs_bdev_unlist(struct daxfs_region *r)
{
	mutex_lock(&daxfs_bdev_lock);
	list_del_init(&r->bdev_node);
	mutex_unlock(&daxfs_bdev_lock);
}

int daxfs_region_map_bdev(struct daxfs_region *r, struct super_block *sb,
			  struct fs_context *fc)
{
	struct block_device *bdev = sb->s_bdev;
	struct dax_device *dax_dev;
	u64 start, pages = bdev_nr_bytes(bdev) >> PAGE_SHIFT;
	void *kaddr;
	pfn_t pfn;
	long avail;
	int id, ret;

	r->dax_holder = sb;
	mutex_lock(&daxfs_bdev_lock);
	list_add(&r->bdev_node, &daxfs_bdev_regions);
	mutex_unlock(&daxfs_bdev_lock);
	dax_dev = fs_dax_get_by_bdev(bdev, &start, sb, &daxfs_dax_holder_ops);
	if (!dax_dev) {
		errorfc(fc, "%pg: not a DAX-capable block device (or already in use through DAX)",
			bdev);
		ret = -EINVAL;
		goto out_unlist;
	}
	id = dax_read_lock();
	avail = dax_direct_access(dax_dev, PHYS_PFN(start), pages, DAX_ACCESS,
				  &kaddr, &pfn);
	dax_read_unlock(id);
	if (avail <= 0 || READ_ONCE(r->dead)) {
		errorfc(fc, "%pg: DAX access failed (%ld)", bdev, avail);
		ret = avail < 0 ? (int)avail : -EIO;
		goto out_put;
	}
	if (avail < pages)
		warnfc(fc, "%pg: only the first %ld of %llu pages are directly addressable",
		       bdev, avail, pages);
	r->source = DAXFS_SOURCE_BDEV;
	r->persistent = true;	/* a DAX block device is persistent memory */
	r->dax_dev = dax_dev;
	r->base = kaddr;
	r->size = (u64)avail << PAGE_SHIFT;
	r->pfn = pfn_t_to_pfn(pfn);
	r->phys = PFN_PHYS(r->pfn);
	return 0;

out_put:
	daxfs_bdev_unlist(r);
	fs_put_dax(dax_dev, sb);
	return ret;
out_unlist:
	daxfs_bdev_unlist(r);
	return ret;
}

void daxfs_region_unmap_bdev(struct daxfs_region *r)
{
	daxfs_bdev_unlist(r);
	fs_put_dax(r->dax_dev, r->dax_holder);
	r->dax_dev = NULL;
}

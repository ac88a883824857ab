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
 * SIGBUS).  The DAX core does not wait for a notification in flight
 * when the holder lets go (fs_put_dax), so one racing with unmount may
 * find no holder: it then does nothing.
 */
#define pr_fmt(fmt) "daxfs: " fmt

#include <linux/blkdev.h>
#include <linux/dax.h>
#include <linux/fs_context.h>
#include <linux/mm.h>

#include "daxfs.h"

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
	r = &DAXFS_SB(sb)->region;
	down_write(&r->fault_lock);
	WRITE_ONCE(r->dead, true);
	up_write(&r->fault_lock);
	daxfs_zap_mappings(sb);
	pr_warn("%pg: the DAX device is going away; its files now give EIO\n",
		sb->s_bdev);
	return 0;
}

static const struct dax_holder_operations daxfs_dax_holder_ops = {
	.notify_failure	= daxfs_notify_failure,
};

int daxfs_region_map_bdev(struct daxfs_region *r, struct super_block *sb,
			  struct fs_context *fc)
{
	struct block_device *bdev = sb->s_bdev;
	struct dax_device *dax_dev;
	u64 start, pages = bdev_nr_bytes(bdev) >> PAGE_SHIFT;
	void *kaddr;
	pfn_t pfn;
	long avail;
	int id;

	dax_dev = fs_dax_get_by_bdev(bdev, &start, sb, &daxfs_dax_holder_ops);
	if (!dax_dev) {
		errorfc(fc, "%pg: not a DAX-capable block device (or already in use through DAX)",
			bdev);
		return -EINVAL;
	}
	id = dax_read_lock();
	avail = dax_direct_access(dax_dev, PHYS_PFN(start), pages, DAX_ACCESS,
				  &kaddr, &pfn);
	dax_read_unlock(id);
	if (avail <= 0) {
		fs_put_dax(dax_dev, sb);
		errorfc(fc, "%pg: DAX access failed (%ld)", bdev, avail);
		return avail ? (int)avail : -EIO;
	}
	if (avail < pages)
		warnfc(fc, "%pg: only the first %ld of %llu pages are directly addressable",
		       bdev, avail, pages);
	init_rwsem(&r->fault_lock);
	r->source = DAXFS_SOURCE_BDEV;
	r->dax_dev = dax_dev;
	r->dax_holder = sb;
	r->base = kaddr;
	r->size = (u64)avail << PAGE_SHIFT;
	r->pfn = pfn_t_to_pfn(pfn);
	r->phys = PFN_PHYS(r->pfn);
	return 0;
}

void daxfs_region_unmap_bdev(struct daxfs_region *r)
{
	fs_put_dax(r->dax_dev, r->dax_holder);
	r->dax_dev = NULL;
}

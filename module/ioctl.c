// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: ioctls (include/daxfs_ioctl.h), used by daxfs-inspect -m and
 * daxfs-branch (the branch operations are in branch.c).  They expose the
 * raw region or change the branch table, so every command needs
 * CAP_SYS_ADMIN.
 */
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/capability.h>
#include <linux/sched/signal.h>
#include <linux/uio.h>

#include "daxfs.h"

/* Largest copy between two checks for rescheduling and signals. */
#define DAXFS_IOC_CHUNK		(1U << 20)

static long daxfs_ioc_info(struct daxfs_sb_info *sbi, void __user *argp)
{
	struct daxfs_ioc_info info;

	memset(&info, 0, sizeof(info));
	info.region_size = sbi->region.size;
	info.image_size = sbi->img.total_size;
	info.source = sbi->region.source;
	if (sbi->validated)
		info.flags |= DAXFS_INFO_VALIDATED;
	if (sbi->region.source != DAXFS_SOURCE_DMABUF)
		info.phys_addr = sbi->region.phys;
	if (copy_to_user(argp, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long daxfs_ioc_copy(struct daxfs_region *r, u64 off, u64 len,
			   struct iov_iter *to)
{
	u64 done = 0;
	size_t n;
	int ret;

	while (done < len) {
		ret = daxfs_region_copy_to_iter(r, off + done,
						min_t(u64, len - done,
						      DAXFS_IOC_CHUNK),
						to, &n);
		done += n;
		if (ret)
			return done ? done : ret;
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
	return done;
}

static long daxfs_ioc_read(struct daxfs_sb_info *sbi, void __user *argp)
{
	struct daxfs_region *r = &sbi->region;
	struct daxfs_ioc_read rd;
	struct iov_iter to;
	long ret;
	u64 len;
	int idx;

	if (copy_from_user(&rd, argp, sizeof(rd)))
		return -EFAULT;
	if (rd.offset >= r->size)
		return 0;
	len = min(rd.len, r->size - rd.offset);
	/* ioctl(2) returns an int: short copies are allowed. */
	len = min_t(u64, len, MAX_RW_COUNT);
	iov_iter_ubuf(&to, ITER_DEST, u64_to_user_ptr(rd.buf), len);
	idx = daxfs_region_enter(r);
	if (idx < 0)
		return idx;
	ret = daxfs_ioc_copy(r, rd.offset, len, &to);
	daxfs_region_exit(r, idx);
	return ret;
}

long daxfs_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct daxfs_sb_info *sbi = DAXFS_SB(file_inode(file)->i_sb);
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case DAXFS_IOC_INFO:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		return daxfs_ioc_info(sbi, argp);
	case DAXFS_IOC_READ_REGION:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		return daxfs_ioc_read(sbi, argp);
	case DAXFS_IOC_BRANCH_CREATE:
	case DAXFS_IOC_BRANCH_SWITCH:
	case DAXFS_IOC_BRANCH_COMMIT:
	case DAXFS_IOC_BRANCH_ABORT:
	case DAXFS_IOC_MOUNT_INFO:
		return daxfs_ioc_branch(file, cmd, argp);
	}
	return -ENOTTY;
}

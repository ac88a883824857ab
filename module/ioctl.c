// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: ioctls (include/daxfs_ioctl.h), used by daxfs-inspect -m.
 * They expose the raw region, so every command needs CAP_SYS_ADMIN.
 */
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/capability.h>
#include <linux/sched/signal.h>

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
	if (sbi->region.source == DAXFS_SOURCE_PHYS)
		info.phys_addr = sbi->region.phys;
	if (copy_to_user(argp, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long daxfs_ioc_read(struct daxfs_sb_info *sbi, void __user *argp)
{
	const u8 *base = sbi->region.base;
	u64 size = sbi->region.size;
	struct daxfs_ioc_read rd;
	u64 done = 0, len, n;
	u8 __user *dst;

	if (copy_from_user(&rd, argp, sizeof(rd)))
		return -EFAULT;
	if (rd.offset >= size)
		return 0;
	len = min(rd.len, size - rd.offset);
	/* ioctl(2) returns an int: short copies are allowed. */
	len = min_t(u64, len, MAX_RW_COUNT);
	dst = u64_to_user_ptr(rd.buf);
	while (done < len) {
		n = min_t(u64, len - done, DAXFS_IOC_CHUNK);
		if (copy_to_user(dst + done, base + rd.offset + done, n))
			return done ? done : -EFAULT;
		done += n;
		if (fatal_signal_pending(current))
			return done;
		cond_resched();
	}
	return done;
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
	}
	return -ENOTTY;
}

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * DAXFS ioctl ABI, issued on any file or directory of a DAXFS mount.
 * Every command needs CAP_SYS_ADMIN.
 */
#ifndef _DAXFS_IOCTL_H
#define _DAXFS_IOCTL_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define DAXFS_IOC_MAGIC		0xDA

/* Facts about the mount and its region. */
struct daxfs_ioc_info {
	__u64	region_size;		/* bytes mapped */
	__u64	image_size;		/* superblock total_size */
	__u32	source;			/* DAXFS_SOURCE_* */
	__u32	flags;			/* DAXFS_INFO_* */
	__u64	phys_addr;		/* DAXFS_SOURCE_PHYS, _BDEV */
	__u8	reserved[32];
};

#define DAXFS_SOURCE_PHYS	1
#define DAXFS_SOURCE_DMABUF	2
#define DAXFS_SOURCE_BDEV	3	/* a DAX block device (pmem) */
#define DAXFS_INFO_VALIDATED	(1U << 0)

/*
 * Copy @len bytes of the region at @offset to @buf (daxfs-inspect -m).
 * Short copies past the end; returns the number of bytes copied.
 */
struct daxfs_ioc_read {
	__u64	offset;
	__u64	len;
	__u64	buf;			/* user pointer */
};

#define DAXFS_IOC_INFO		_IOR(DAXFS_IOC_MAGIC, 1, struct daxfs_ioc_info)
#define DAXFS_IOC_READ_REGION	_IOW(DAXFS_IOC_MAGIC, 2, struct daxfs_ioc_read)

#endif /* _DAXFS_IOCTL_H */

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

/*
 * Branch operations on the mount's branch (docs/branch-protocol.md).
 * @name: the branch to create or switch to; @parent: create's parent
 * ("" for the mount's branch); @flags: DAXFS_COMMIT_PARENT for commit.
 * Names are NUL-terminated.  Errors: EINVAL (bad name, flags), ENOENT
 * (no such branch), EEXIST (name taken), ENOSPC (no free slot, or no
 * space for a log), EBUSY (the branch is mounted writable elsewhere),
 * ENOTEMPTY (commit, abort of a branch with live children), EPERM
 * (aborting main), ESTALE (the mount's branch was discarded), EROFS,
 * EMLINK (create: the parent is 64 levels deep already).
 */
struct daxfs_ioc_branch {
	char	name[32];
	char	parent[32];
	__u32	flags;
	__u32	reserved0;
	__u8	reserved[56];
};

#define DAXFS_COMMIT_PARENT	(1U << 0)	/* merge one level only */

/* What the mount shows. */
struct daxfs_ioc_mount {
	char	name[32];		/* its branch */
	__u32	name_slot;		/* the slot holding the name */
	__u32	top;			/* the slot its writes go to */
	__u32	depth;			/* layers of its view */
	__u32	flags;			/* DAXFS_IOCM_* below */
	__u64	mount_id;		/* its id in the region's mount table */
	__u32	mount_slot;
	__u32	reserved0;
	__u64	epoch;			/* the shared epoch it has acted on */
	__u8	reserved[32];
};

#define DAXFS_IOCM_WRITABLE	(1U << 0)	/* holds the branch for writing */
#define DAXFS_IOCM_FROZEN	(1U << 1)	/* the branch has live children */
#define DAXFS_IOCM_DISCARDED	(1U << 2)	/* the branch is gone */

#define DAXFS_IOC_INFO		_IOR(DAXFS_IOC_MAGIC, 1, struct daxfs_ioc_info)
#define DAXFS_IOC_READ_REGION	_IOW(DAXFS_IOC_MAGIC, 2, struct daxfs_ioc_read)
#define DAXFS_IOC_BRANCH_CREATE	_IOW(DAXFS_IOC_MAGIC, 3, struct daxfs_ioc_branch)
#define DAXFS_IOC_BRANCH_SWITCH	_IOW(DAXFS_IOC_MAGIC, 4, struct daxfs_ioc_branch)
#define DAXFS_IOC_BRANCH_COMMIT	_IOW(DAXFS_IOC_MAGIC, 5, struct daxfs_ioc_branch)
#define DAXFS_IOC_BRANCH_ABORT	_IOW(DAXFS_IOC_MAGIC, 6, struct daxfs_ioc_branch)
#define DAXFS_IOC_MOUNT_INFO	_IOR(DAXFS_IOC_MAGIC, 7, struct daxfs_ioc_mount)

#endif /* _DAXFS_IOCTL_H */

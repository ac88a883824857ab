/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The only difference between the portable core built into daxfs.ko and
 * the same core built into the user-space tools: basic types, byte-order
 * helpers, allocation, the CRC32C primitive, the copy that every read of
 * region memory goes through, and the point where long loops yield.
 */
#ifndef _DAXFS_COMPAT_H
#define _DAXFS_COMPAT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/crc32c.h>
#include <linux/uaccess.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#define daxfs_zalloc(n)		kvzalloc((n), GFP_KERNEL)
#define daxfs_free(p)		kvfree(p)

/*
 * Copy @len bytes of region memory to @dst.  Persistent memory can
 * return a machine check for a poisoned line: copy_mc_to_kernel() turns
 * that into a short copy (plain memcpy where the architecture has no
 * such recovery), which the core reports as -EIO.
 */
static inline int daxfs_copy_region(void *dst, const void *src, size_t len)
{
	return copy_mc_to_kernel(dst, src, len) ? -EIO : 0;
}

/*
 * Called every few thousand steps of a loop whose length comes from the
 * region: give up the CPU when asked, and stop (-EINTR) when the task
 * is being killed.
 */
static inline int daxfs_yield(void)
{
	cond_resched();
	return fatal_signal_pending(current) ? -EINTR : 0;
}

/* Raw CRC32C: no pre- or post-inversion. */
static inline u32 daxfs_crc32c_raw(u32 crc, const void *buf, size_t len)
{
	return crc32c(crc, buf, len);
}

#else /* user space */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <stdlib.h>
#include <endian.h>
#include <linux/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#define le16_to_cpu(x)		le16toh(x)
#define le32_to_cpu(x)		le32toh(x)
#define le64_to_cpu(x)		le64toh(x)
#define cpu_to_le16(x)		htole16(x)
#define cpu_to_le32(x)		htole32(x)
#define cpu_to_le64(x)		htole64(x)

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#ifndef EUCLEAN
#define EUCLEAN			117
#endif

#define daxfs_zalloc(n)		calloc(1, (n))
#define daxfs_free(p)		free(p)

/* User space maps image files and /dev/mem: a plain copy. */
static inline int daxfs_copy_region(void *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
	return 0;
}

/*
 * The kernel build yields here; in user space nothing needs to, but the
 * tests hook in to count the calls and to make a long loop stop.
 */
extern int (*daxfs_yield_hook)(void);

static inline int daxfs_yield(void)
{
	return daxfs_yield_hook ? daxfs_yield_hook() : 0;
}

/* Raw CRC32C: no pre- or post-inversion (libdaxfs/crc32c.c). */
u32 daxfs_crc32c_raw(u32 crc, const void *buf, size_t len);

#endif /* __KERNEL__ */

#endif /* _DAXFS_COMPAT_H */

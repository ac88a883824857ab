/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The only difference between the portable core built into daxfs.ko and
 * the same core built into the user-space tools: basic types, byte-order
 * helpers, allocation, the CRC32C primitive, the copy that every read of
 * region memory goes through, the point where long loops yield, and the
 * stores, flushes and atomic operations on shared words of the region.
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
#include <linux/random.h>
#include <linux/libnvdimm.h>
#include <linux/atomic.h>
#include <linux/bitops.h>

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

/* Bits set in @v; the lowest set bit of nonzero @v. */
#define daxfs_popcount64(v)	hweight64(v)
#define daxfs_ffs64(v)		__ffs64(v)

/* Small allocations (index nodes); NULL on failure. */
#define daxfs_malloc(n)		kmalloc((n), GFP_KERNEL | __GFP_NOWARN)
#define daxfs_mfree(p)		kfree(p)

/*
 * Stores into the region.  @persistent says that the region is persistent
 * memory, whose stores must be written back from the CPU caches (and
 * fenced) before anything that depends on them is published; on RAM and
 * dma-bufs, stores are visible to every CPU at once and nothing more is
 * needed.
 */
static inline void daxfs_region_copy_in(void *dst, const void *src,
					size_t len, bool persistent)
{
	if (persistent)
		memcpy_flushcache(dst, src, len);
	else
		memcpy(dst, src, len);
}

static inline void daxfs_region_flush(void *addr, size_t len, bool persistent)
{
	if (persistent)
		arch_wb_cache_pmem(addr, len);
}

static inline void daxfs_region_fence(bool persistent)
{
	/*
	 * Orders the stores before it (data, records, bitmap bits) before
	 * the release store of a log tail that publishes them; on
	 * persistent memory it also waits for their cache write-backs.
	 */
	if (persistent)
		pmem_wmb();
	else
		smp_wmb();
}

/*
 * Shared 64-bit little-endian words (8-byte aligned): compare-and-swap,
 * a load with acquire and a store with release semantics.  Values are in
 * CPU byte order.
 */
static inline u64 daxfs_cas64(void *p, u64 old, u64 new)
{
	return le64_to_cpu((__force __le64)cmpxchg((u64 *)p,
			(__force u64)cpu_to_le64(old),
			(__force u64)cpu_to_le64(new)));
}

static inline u64 daxfs_load64_acquire(const void *p)
{
	/* pairs with the writer's daxfs_store64_release() */
	return le64_to_cpu((__force __le64)smp_load_acquire((const u64 *)p));
}

static inline void daxfs_load_fence(void)
{
	/* the loads before it happen before the loads after it */
	smp_rmb();
}

static inline void daxfs_store64_release(void *p, u64 v)
{
	/* publishes every store before it to daxfs_load64_acquire() */
	smp_store_release((u64 *)p, (__force u64)cpu_to_le64(v));
}

static inline void daxfs_store32(void *p, u32 v)
{
	WRITE_ONCE(*(u32 *)p, (__force u32)cpu_to_le32(v));
}

/* A random nonzero 64-bit token (mount ids, log ids). */
static inline u64 daxfs_random64(void)
{
	u64 v;

	do {
		v = get_random_u64();
	} while (!v);
	return v;
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
#ifndef __aligned
#define __aligned(n)		__attribute__((aligned(n)))
#endif

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

#define daxfs_malloc(n)		malloc(n)
#define daxfs_mfree(p)		free(p)

#define daxfs_popcount64(v)	((u64)__builtin_popcountll(v))
#define daxfs_ffs64(v)		((u32)__builtin_ctzll(v))

/*
 * Stores into the region.  Tests hook every one (daxfs_store_hook sees
 * each store before it happens: the crash tests record them and replay
 * prefixes); user space needs no cache flushes: an image file is made
 * durable by the tool's own msync/fsync.
 */
extern void (*daxfs_store_hook)(void *dst, const void *src, size_t len);

static inline void daxfs_region_copy_in(void *dst, const void *src,
					size_t len, bool persistent)
{
	(void)persistent;
	if (daxfs_store_hook)
		daxfs_store_hook(dst, src, len);
	memcpy(dst, src, len);
}

static inline void daxfs_region_flush(void *addr, size_t len, bool persistent)
{
	(void)addr;
	(void)len;
	(void)persistent;
}

static inline void daxfs_region_fence(bool persistent)
{
	(void)persistent;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline u64 daxfs_cas64(void *p, u64 old, u64 new)
{
	u64 o = htole64(old), n = htole64(new);

	if (daxfs_store_hook) {
		u64 cur = __atomic_load_n((u64 *)p, __ATOMIC_SEQ_CST);

		if (cur == o)
			daxfs_store_hook(p, &n, sizeof(n));
	}
	__atomic_compare_exchange_n((u64 *)p, &o, n, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	return le64toh(o);
}

static inline u64 daxfs_load64_acquire(const void *p)
{
	return le64toh(__atomic_load_n((const u64 *)p, __ATOMIC_ACQUIRE));
}

static inline void daxfs_load_fence(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

static inline void daxfs_store64_release(void *p, u64 v)
{
	u64 le = htole64(v);

	if (daxfs_store_hook)
		daxfs_store_hook(p, &le, sizeof(le));
	__atomic_store_n((u64 *)p, le, __ATOMIC_RELEASE);
}

static inline void daxfs_store32(void *p, u32 v)
{
	u32 le = htole32(v);

	if (daxfs_store_hook)
		daxfs_store_hook(p, &le, sizeof(le));
	__atomic_store_n((u32 *)p, le, __ATOMIC_RELAXED);
}

/* A random nonzero 64-bit token (libdaxfs/compat_user.c). */
u64 daxfs_random64(void);

#endif /* __KERNEL__ */

#endif /* _DAXFS_COMPAT_H */

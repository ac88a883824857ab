// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: a region of physical memory (phys=ADDR,size=SIZE).
 *
 * A mount exposes the range to every user who can read the files in it,
 * so what may be mounted is what /dev/mem would let root map, and less:
 *   - nothing while the kernel is locked down (LOCKDOWN_DEV_MEM);
 *   - never System RAM, not even in part: that is the kernel's own
 *     memory (and memremap() of a range straddling it warns);
 *   - never a range another driver has claimed (a pmem namespace, a
 *     device's registers): the range is claimed for daxfs with
 *     request_mem_region() for as long as a mount uses it, which also
 *     keeps /dev/mem and other drivers away from it (IO_STRICT_DEVMEM).
 * Mounts of one range (or of a range inside one already claimed) share
 * the claim; a partly overlapping range is refused like any other.
 */
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/security.h>
#include <linux/fs_context.h>

#include "daxfs.h"

/* A physical range claimed for the daxfs mounts inside it. */
struct daxfs_claim {
	struct list_head node;		/* in daxfs_claims */
	struct resource *res;		/* from request_mem_region() */
	unsigned int users;		/* mounts inside @res */
};

/* All claims; the list and every claim's @users under daxfs_claims_lock. */
static LIST_HEAD(daxfs_claims);
static DEFINE_MUTEX(daxfs_claims_lock);

static struct daxfs_claim *claim_find(phys_addr_t start, phys_addr_t last)
{
	struct daxfs_claim *c;

	list_for_each_entry(c, &daxfs_claims, node)
		if (c->res->start <= start && last <= c->res->end)
			return c;
	return NULL;
}

static struct daxfs_claim *claim_get(phys_addr_t phys, u64 size)
{
	struct daxfs_claim *c;

	mutex_lock(&daxfs_claims_lock);
	c = claim_find(phys, phys + size - 1);
	if (c) {
		c->users++;
		goto out;
	}
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c) {
		c = ERR_PTR(-ENOMEM);
		goto out;
	}
	c->res = request_mem_region(phys, size, "daxfs");
	if (!c->res) {
		kfree(c);
		c = ERR_PTR(-EBUSY);
		goto out;
	}
	c->users = 1;
	list_add(&c->node, &daxfs_claims);
out:
	mutex_unlock(&daxfs_claims_lock);
	return c;
}

static void claim_put(struct daxfs_claim *c)
{
	mutex_lock(&daxfs_claims_lock);
	if (--c->users) {
		c = NULL;
	} else {
		list_del(&c->node);
		release_mem_region(c->res->start, resource_size(c->res));
	}
	mutex_unlock(&daxfs_claims_lock);
	kfree(c);
}

/* The checks that do not need the claim: lockdown and System RAM. */
static int phys_allowed(phys_addr_t phys, u64 size, struct fs_context *fc)
{
	int ret = security_locked_down(LOCKDOWN_DEV_MEM);

	if (ret) {
		errorfc(fc, "phys=%pa: refused, the kernel is locked down",
			&phys);
		return ret;
	}
	if (region_intersects(phys, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		errorfc(fc, "phys=%pa size=%llu: refused, the range is (or overlaps) System RAM",
			&phys, size);
		return -EINVAL;
	}
	return 0;
}

int daxfs_region_map_phys(struct daxfs_region *r, phys_addr_t phys,
			  u64 size, struct fs_context *fc)
{
	struct daxfs_claim *claim;
	void *base;
	int ret;

	ret = phys_allowed(phys, size, fc);
	if (ret)
		return ret;
	claim = claim_get(phys, size);
	if (IS_ERR(claim)) {
		ret = PTR_ERR(claim);
		if (ret == -EBUSY)
			errorfc(fc, "phys=%pa size=%llu: refused, the range is in use by a driver or by another mount of an overlapping range (see /proc/iomem)",
				&phys, size);
		return ret;
	}
	/* Again, now that memory hotplug cannot add RAM there. */
	ret = phys_allowed(phys, size, fc);
	if (ret) {
		claim_put(claim);
		return ret;
	}
	base = memremap(phys, size, MEMREMAP_WB);
	if (!base) {
		claim_put(claim);
		errorfc(fc, "phys=%pa size=%llu: cannot map the range", &phys,
			size);
		return -ENOMEM;
	}
	r->source = DAXFS_SOURCE_PHYS;
	/* persistent memory (an NVDIMM, PMEM, CXL pmem) needs write-backs */
	r->persistent = region_intersects(phys, size, IORESOURCE_MEM,
					  IORES_DESC_PERSISTENT_MEMORY) !=
			REGION_DISJOINT;
	r->phys = phys;
	r->pfn = PHYS_PFN(phys);
	r->size = size;
	r->base = base;
	r->claim = claim;
	return 0;
}

void daxfs_region_unmap_phys(struct daxfs_region *r)
{
	memunmap(r->base);
	claim_put(r->claim);
	r->claim = NULL;
}

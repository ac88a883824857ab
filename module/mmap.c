// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: mmap of regular files.  Faults map region pages straight
 * into the process; nothing goes through the page cache.
 *
 * Every entry is "special": region pages need not have a struct page (a
 * guest's NVDIMM range without a pmem driver), and where they have one it
 * is not ours to reference-count.  Shared mappings are VM_PFNMAP, private
 * ones VM_MIXEDMAP (see daxfs_mmap).  A read
 * fault maps the page and its neighbours in the same extent (fault-
 * around, DAXFS_FAULT_AROUND pages, naturally aligned); in a shared
 * mapping, on kernels with special huge entries (6.12), a 2 MiB-aligned,
 * physically contiguous chunk of a file is mapped with one PMD entry
 * (mkdaxfs aligns such chunks, and get_unmapped_area aligns the
 * mapping).
 *
 * MAP_PRIVATE: a write to a present page makes do_wp_page() copy it from
 * the user address into a new anonymous page; a first-touch write fault
 * (do_cow_fault) wants a struct page to copy from, which we give it as a
 * temporary copy of the region page.  Only the written page is copied.
 *
 * MAP_SHARED writable (a writable branch): a page is mapped writable
 * only once it is a delta page of the mount's own branch; a write to any
 * other page (the base's, a frozen branch's, a hole) first moves that
 * page into the branch (a copy, committed, under invalidate_lock held
 * exclusively so that no fault maps the old page again), then maps the
 * copy, which ->pfn_mkwrite checks the entry points to: the
 * stores of every process and every read() meet in that one page.  Read
 * faults map pages read-only, so the first store to each comes back
 * through ->pfn_mkwrite.  A write() that moves a page takes it out of
 * every mapping first (write.c), so no process keeps storing to a page
 * that has left the file.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/pfn_t.h>
#include <linux/pagemap.h>

#include "daxfs.h"

/* Pages a read fault maps at once, the kernel's default fault-around. */
#define DAXFS_FAULT_AROUND	16

static u64 daxfs_file_pages(struct inode *inode)
{
	return DIV_ROUND_UP_ULL((u64)i_size_read(inode), PAGE_SIZE);
}

/*
 * Map file page @pgoff: 0 (data at *@off, *@n pages from it), 1 (a hole
 * of *@n pages), or -errno.  *@own: a delta page of the mount's branch.
 */
static int daxfs_fault_map(struct inode *inode, u64 pgoff, u64 *off, u64 *n,
			   bool *own)
{
	struct daxfs_fmap m;
	int ret;

	*own = false;
	if (!daxfs_delta(inode))
		return daxfs_file_map(daxfs_img(inode), &DAXFS_I(inode)->vi.base,
				      pgoff, off, n);
	ret = daxfs_map_page(inode, pgoff, &m);
	if (ret)
		return ret;
	*off = m.off;
	*n = m.npages;
	*own = !m.hole &&
	       m.level == (int)daxfs_delta(inode)->view.depth - 1;
	return m.hole;
}

/*
 * A store is coming to file page @pgoff of a shared mapping: make it a
 * delta page of the branch (a copy of what it holds, committed), and
 * take the old page out of every mapping.  *@off: where it is now.
 */
static vm_fault_t daxfs_fault_own(struct vm_fault *vmf, u64 *off)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct daxfs_vnode *vn = DAXFS_I(inode);
	struct daxfs_txn t;
	u64 n, pgno, got;
	bool own;
	int ret;

	if (daxfs_may_change(inode))
		return VM_FAULT_SIGBUS;
	mutex_lock(&vn->cow_lock);
	ret = daxfs_fault_map(inode, vmf->pgoff, off, &n, &own);
	if (ret < 0 || own)
		goto out;
	ret = daxfs_alloc_pages(inode->i_sb, 1, 0, &pgno, &got);
	if (ret)
		goto out;
	ret = daxfs_fill_page(inode, vmf->pgoff, pgno, 0, PAGE_SIZE,
			      i_size_read(inode));
	if (!ret) {
		daxfs_txn_init(&t);
		daxfs_txn_map(&t, inode->i_ino, vmf->pgoff, 1, pgno);
		t.tag = vn->vgen;
		ret = daxfs_commit_txn(inode->i_sb, &t);
		daxfs_txn_release(&t);
	}
	if (ret)
		daxfs_free_pages(inode->i_sb, pgno, 1);
	if (!ret) {
		*off = daxfs_page_off(daxfs_img(inode), pgno);
		unmap_mapping_range(inode->i_mapping, vmf->pgoff << PAGE_SHIFT,
				    PAGE_SIZE, 0);
		inode->i_blocks += PAGE_SIZE >> 9;
	}
out:
	mutex_unlock(&vn->cow_lock);
	if (ret == -ENOMEM)
		return VM_FAULT_OOM;
	if (ret < 0)
		return VM_FAULT_SIGBUS;	/* ENOSPC too: no page to write to */
	daxfs_mapped_store(inode, vmf->vma->vm_file);
	return 0;
}

/*
 * A first write to a page of a private mapping: hand do_cow_fault() a
 * temporary page holding the data, which it copies and then releases.
 */
static vm_fault_t daxfs_fault_copy(struct vm_fault *vmf,
				   const struct daxfs_region *r, u64 off,
				   bool hole)
{
	struct page *page;
	unsigned long left = 0;
	void *dst;

	page = alloc_page(GFP_HIGHUSER);
	if (!page)
		return VM_FAULT_OOM;
	dst = kmap_local_page(page);
	if (hole)
		memset(dst, 0, PAGE_SIZE);
	else
		left = copy_mc_to_kernel(dst, (u8 *)r->base + off, PAGE_SIZE);
	kunmap_local(dst);
	if (left) {
		__free_page(page);
		return VM_FAULT_SIGBUS;
	}
	vmf->page = page;
	return 0;
}

/*
 * Map the run of @n file pages from @pgoff, which daxfs_file_map() found
 * at region offset @off (a hole when @hole), at @addr onwards.
 */
static vm_fault_t daxfs_insert_run(struct vm_fault *vmf, unsigned long addr,
				   u64 off, u64 n, bool hole)
{
	struct daxfs_region *r = daxfs_region(file_inode(vmf->vma->vm_file));
	vm_fault_t ret = VM_FAULT_NOPAGE;
	u64 i;

	for (i = 0; i < n && ret == VM_FAULT_NOPAGE; i++, addr += PAGE_SIZE) {
		pfn_t pfn = hole ? pfn_to_pfn_t(my_zero_pfn(addr)) :
			    daxfs_region_pfn(r, off + (i << PAGE_SHIFT));

		if (vmf->vma->vm_flags & VM_PFNMAP)
			ret = vmf_insert_pfn(vmf->vma, addr, pfn_t_to_pfn(pfn));
		else
			ret = vmf_insert_mixed(vmf->vma, addr, pfn);
	}
	return ret;
}

/*
 * Fault-around: map the not yet mapped pages of the aligned window of
 * DAXFS_FAULT_AROUND pages around the fault, inside the VMA, the page
 * table and the file.  Best effort: a page that cannot be mapped now is
 * left to its own fault.
 */
static void daxfs_map_around(struct vm_fault *vmf, u64 file_pages)
{
	struct vm_area_struct *vma = vmf->vma;
	struct inode *inode = file_inode(vma->vm_file);
	unsigned long win = DAXFS_FAULT_AROUND * PAGE_SIZE;
	unsigned long addr = max(vmf->address & ~(win - 1), vma->vm_start);
	/* an aligned window never crosses a page table */
	unsigned long end = min(ALIGN(vmf->address + 1, win), vma->vm_end);
	u64 pgoff = vmf->pgoff - ((vmf->address - addr) >> PAGE_SHIFT);
	u64 off, n;
	bool own;
	int ret;

	while (addr < end && pgoff < file_pages) {
		ret = daxfs_fault_map(inode, pgoff, &off, &n, &own);
		if (ret < 0)
			return;
		n = min_t(u64, n, (end - addr) >> PAGE_SHIFT);
		if (daxfs_insert_run(vmf, addr, off, n, ret == 1) !=
		    VM_FAULT_NOPAGE)
			return;
		addr += n << PAGE_SHIFT;
		pgoff += n;
	}
}

/*
 * Move file page vmf->pgoff into the branch for a store, under
 * invalidate_lock held exclusively: no fault may map the old page between
 * the lookup of another one and the unmap that follows the commit.
 * VM_FAULT_NOPAGE: the store faults again and maps the branch's page.
 */
static vm_fault_t daxfs_cow_fault(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	vm_fault_t ret = VM_FAULT_SIGBUS;
	u64 off;

	filemap_invalidate_lock(inode->i_mapping);
	if (vmf->pgoff < daxfs_file_pages(inode)) {
		ret = daxfs_fault_own(vmf, &off);
		if (!ret)
			ret = VM_FAULT_NOPAGE;
	}
	filemap_invalidate_unlock(inode->i_mapping);
	return ret;
}

/*
 * A store to a shared mapping of a writable mount: a page of the branch's
 * own is mapped writable; any other is moved into the branch first.
 */
static vm_fault_t daxfs_write_fault(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct daxfs_region *r = daxfs_region(inode);
	vm_fault_t ret = VM_FAULT_SIGBUS;
	u64 off, n;
	bool own = false;
	int hole = -1;

	/* a frozen branch's pages are its children's too */
	if (daxfs_may_change(inode))
		return VM_FAULT_SIGBUS;
	filemap_invalidate_lock_shared(inode->i_mapping);
	if (vmf->pgoff < daxfs_file_pages(inode))
		hole = daxfs_fault_map(inode, vmf->pgoff, &off, &n, &own);
	if (hole >= 0 && own) {
		daxfs_mapped_store(inode, vmf->vma->vm_file);
		ret = vmf_insert_pfn_prot(vmf->vma, vmf->address,
					  pfn_t_to_pfn(daxfs_region_pfn(r, off)),
					  vm_get_page_prot(vmf->vma->vm_flags));
	}
	filemap_invalidate_unlock_shared(inode->i_mapping);
	if (hole < 0)
		return VM_FAULT_SIGBUS;
	if (own)
		return ret;
	return daxfs_cow_fault(vmf);
}

static vm_fault_t daxfs_do_fault(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct daxfs_region *r = daxfs_region(inode);
	u64 pages = daxfs_file_pages(inode);
	const struct daxfs_image *img = daxfs_img(inode);
	vm_fault_t ret;
	u64 off, n;
	bool own;
	int hole;

	if (vmf->pgoff >= pages)
		return VM_FAULT_SIGBUS;
	hole = daxfs_fault_map(inode, vmf->pgoff, &off, &n, &own);
	if (hole < 0)
		return VM_FAULT_SIGBUS;
	if (!hole && (off > img->size || img->size - off < PAGE_SIZE))
		return VM_FAULT_SIGBUS;
	if (vmf->cow_page)
		return daxfs_fault_copy(vmf, r, off, hole);
	ret = daxfs_insert_run(vmf, vmf->address, off, 1, hole);
	if (ret == VM_FAULT_NOPAGE)
		daxfs_map_around(vmf, pages);
	return ret;
}

/*
 * Faults hold invalidate_lock shared: the page map does not change under
 * them (write, truncate and hole punch hold it exclusively, and so does a
 * store that moves a page into the branch).  Stores to shared mappings
 * take it themselves (daxfs_write_fault).
 */
static vm_fault_t daxfs_fault(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct daxfs_region *r = daxfs_region(inode);
	bool locked = daxfs_delta(inode);
	vm_fault_t ret;
	int idx;

	idx = daxfs_region_enter_fault(r);
	if (idx < 0)
		return VM_FAULT_SIGBUS;
	if ((vmf->flags & FAULT_FLAG_WRITE) &&
	    (vmf->vma->vm_flags & VM_SHARED)) {
		ret = locked ? daxfs_write_fault(vmf) : VM_FAULT_SIGBUS;
		daxfs_region_exit_fault(r, idx);
		return ret;
	}
	if (locked)
		filemap_invalidate_lock_shared(inode->i_mapping);
	ret = daxfs_do_fault(vmf);
	if (locked)
		filemap_invalidate_unlock_shared(inode->i_mapping);
	daxfs_region_exit_fault(r, idx);
	return ret;
}

/*
 * The first store to a page mapped read-only in a shared mapping.  A page
 * of the branch's own just becomes writable; any other is first moved
 * into the branch, and the fault is retried to map the copy.
 */
static vm_fault_t daxfs_pfn_mkwrite(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct daxfs_region *r = daxfs_region(inode);
	vm_fault_t ret = VM_FAULT_SIGBUS;
	u64 off, n;
	bool own = false;
	int idx, hole = -1;

	if (daxfs_may_change(inode))
		return VM_FAULT_SIGBUS;
	idx = daxfs_region_enter_fault(r);
	if (idx < 0)
		return VM_FAULT_SIGBUS;
	filemap_invalidate_lock_shared(inode->i_mapping);
	if (vmf->pgoff < daxfs_file_pages(inode))
		hole = daxfs_fault_map(inode, vmf->pgoff, &off, &n, &own);
	if (hole >= 0 && own) {
		/*
		 * Only the entry of the branch's page may become writable:
		 * one that still maps another page (the one it had before
		 * the branch took it) goes, and the store faults again.
		 */
		if (pte_pfn(vmf->orig_pte) ==
		    pfn_t_to_pfn(daxfs_region_pfn(r, off))) {
			daxfs_mapped_store(inode, vmf->vma->vm_file);
			ret = 0;
		} else {
			unmap_mapping_range(inode->i_mapping,
					    (loff_t)vmf->pgoff << PAGE_SHIFT,
					    PAGE_SIZE, 0);
			ret = VM_FAULT_NOPAGE;
		}
	}
	filemap_invalidate_unlock_shared(inode->i_mapping);
	if (hole >= 0 && !own)
		ret = daxfs_cow_fault(vmf);	/* unmapped it: again */
	daxfs_region_exit_fault(r, idx);
	return ret;
}

/*
 * Fault-around happens in ->fault, which may sleep (a page table may
 * have to be allocated for the neighbours); ->map_pages runs under RCU.
 * It exists so that faults under the per-VMA lock reach ->fault instead
 * of being retried under mmap_lock (vmf_can_call_fault()).
 */
static vm_fault_t daxfs_map_pages(struct vm_fault *vmf, pgoff_t start,
				  pgoff_t end)
{
	return 0;
}

#if DAXFS_PMD_MAPPINGS
/*
 * Map the 2 MiB around a read fault with one PMD entry when the file has
 * those 512 pages in one extent, 2 MiB-aligned in physical memory, and
 * the mapping puts them at a 2 MiB-aligned address.
 */
static vm_fault_t daxfs_do_pmd_fault(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct daxfs_region *r = daxfs_region(inode);
	unsigned long addr = vmf->address & PMD_MASK;
	u64 pgoff = vmf->pgoff - ((vmf->address - addr) >> PAGE_SHIFT);
	u64 off, n;
	pfn_t pfn;

	if (addr < vmf->vma->vm_start || addr + PMD_SIZE > vmf->vma->vm_end ||
	    pgoff & (PTRS_PER_PMD - 1) ||
	    pgoff + PTRS_PER_PMD > daxfs_file_pages(inode))
		return VM_FAULT_FALLBACK;
	bool own;

	if (daxfs_fault_map(inode, pgoff, &off, &n, &own) || n < PTRS_PER_PMD ||
	    off > r->size || r->size - off < PMD_SIZE)
		return VM_FAULT_FALLBACK;
	pfn = daxfs_region_pfn(r, off);
	if (pfn_t_to_pfn(pfn) & (PTRS_PER_PMD - 1))
		return VM_FAULT_FALLBACK;
	return vmf_insert_pfn_pmd(vmf, pfn, false);
}

static vm_fault_t daxfs_huge_fault(struct vm_fault *vmf,
				   daxfs_huge_fault_arg_t size)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct daxfs_region *r = daxfs_region(inode);
	vm_fault_t ret;
	int idx;

	/*
	 * Read-only shared mappings (VM_PFNMAP, see daxfs_mmap) of
	 * contiguous sources: a writable one takes pages one by one.
	 */
	if (!DAXFS_FAULT_IS_PMD(size) || !(vmf->vma->vm_flags & VM_PFNMAP) ||
	    (vmf->vma->vm_flags & VM_WRITE) ||
	    r->source == DAXFS_SOURCE_DMABUF)
		return VM_FAULT_FALLBACK;
	idx = daxfs_region_enter_fault(r);
	if (idx < 0)
		return VM_FAULT_SIGBUS;
	if (daxfs_delta(inode))
		filemap_invalidate_lock_shared(inode->i_mapping);
	ret = daxfs_do_pmd_fault(vmf);
	if (daxfs_delta(inode))
		filemap_invalidate_unlock_shared(inode->i_mapping);
	daxfs_region_exit_fault(r, idx);
	return ret;
}
#endif

/*
 * ptrace() and /proc/PID/mem (a debugger reading the text of a program
 * run from the mount) reach a mapping through get_user_pages(), which
 * cannot follow the special entries of region pages (and does not enter
 * pfn mappings at all); it then falls back to ->access, which reads the
 * file page from the region.  Writes are refused: a forced write to
 * a private mapping copies the page into the process first and never
 * comes here.
 */
static int daxfs_do_access(struct vm_area_struct *vma, unsigned long addr,
			   void *buf, int len)
{
	struct inode *inode = file_inode(vma->vm_file);
	const struct daxfs_region *r = daxfs_region(inode);
	u64 pos = ((u64)vma->vm_pgoff << PAGE_SHIFT) + (addr - vma->vm_start);
	u64 inpage = pos & (PAGE_SIZE - 1);
	u64 off, npages;
	bool own;
	int ret;

	if (pos >= i_size_read(inode))
		return 0;
	len = min_t(u64, len, PAGE_SIZE - inpage);
	ret = daxfs_fault_map(inode, pos >> PAGE_SHIFT, &off, &npages, &own);
	if (ret < 0)
		return 0;
	if (ret == 1) {
		memset(buf, 0, len);
		return len;
	}
	off += inpage;
	if (off > r->size || r->size - off < len)
		return 0;
	if (copy_mc_to_kernel(buf, (u8 *)r->base + off, len))
		return 0;
	return len;
}

static int daxfs_vma_access(struct vm_area_struct *vma, unsigned long addr,
			    void *buf, int len, int write)
{
	struct daxfs_region *r = daxfs_region(file_inode(vma->vm_file));
	int idx, ret;

	if (write || len <= 0)
		return 0;
	idx = daxfs_region_enter(r);
	if (idx < 0)
		return 0;
	/* the page may not be freed and reused while it is copied */
	filemap_invalidate_lock_shared(vma->vm_file->f_mapping);
	ret = daxfs_do_access(vma, addr, buf, len);
	filemap_invalidate_unlock_shared(vma->vm_file->f_mapping);
	daxfs_region_exit(r, idx);
	return ret;
}

static const struct vm_operations_struct daxfs_vm_ops = {
	.fault		= daxfs_fault,
	.map_pages	= daxfs_map_pages,
	.pfn_mkwrite	= daxfs_pfn_mkwrite,
#if DAXFS_PMD_MAPPINGS
	.huge_fault	= daxfs_huge_fault,
#endif
	.access		= daxfs_vma_access,
};

/*
 * Shared mappings are VM_PFNMAP | VM_IO: get_user_pages() and the page
 * table walkers (pagemap, clear_refs, MADV_COLD) leave such a VMA alone,
 * which they must, since its entries have no struct page behind them;
 * ptrace and /proc/PID/mem use ->access.  Only these get 2 MiB entries
 * (6.12, see daxfs_huge_fault; the THP sysfs policy does not apply to
 * huge pfn mappings).  A file open read-only gives a MAP_SHARED mapping
 * without VM_SHARED and VM_MAYWRITE, so it is no COW mapping.  Private
 * mappings are VM_MIXEDMAP with 4 KiB special entries: COW needs that,
 * and a debugger's forced write (a breakpoint) then copies its page.
 */
int daxfs_mmap(struct file *file, struct vm_area_struct *vma)
{
	vm_flags_t set = VM_MIXEDMAP;

	if (vma->vm_flags & VM_MAYSHARE)
		set = VM_PFNMAP | VM_IO;
	file_accessed(file);
	daxfs_vm_flags_mod(vma, set, 0);
	vma->vm_ops = &daxfs_vm_ops;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: changing file data: write(), truncate, fallocate (fsync and
 * what it finishes: sync.c).
 *
 * File data written in a branch lives in delta pages, page-aligned, so
 * reads and mmap of it are direct loads like the base's.  Bytes a reader
 * may already see are never overwritten in place: a write to them goes
 * to a new page (holding the rest of the old page's bytes around it),
 * and the transaction that maps the new page in also gives the old one
 * back (copy-on-write, one page at a time).  Bytes past the end of the
 * file in a page this branch owns are nobody's: an append writes them in
 * place, with no copy, and its new size is published later (sync.c).
 *
 * Order within one chunk of a write (the inode's i_rwsem held):
 *  1. take the new pages, and copy the caller's bytes into them (and
 *     the appended bytes into owned pages past EOF): nothing of this is
 *     visible yet, and the copy may fault on a mapping of this very file;
 *  2. under invalidate_lock: take the pages being replaced out of every
 *     process's mappings, copy the bytes around the write from them into
 *     the new pages, commit (the new pages mapped in, size and times),
 *     or, when no page is new, only move size and times (sync.c);
 *  3. the replaced pages are given back by the commit, after publishing.
 * A fault maps pages under invalidate_lock held shared, so it sees either
 * the old map or the new one, never a page given back.
 */
#define pr_fmt(fmt) "daxfs: " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/uio.h>
#include <linux/falloc.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>

#include "daxfs.h"

/* Pages one write() transaction covers at most. */
#define DAXFS_WRITE_PAGES	256U

/* Where file page @pgoff is now (hole past EOF); index lock taken here. */
int daxfs_map_page(struct inode *inode, u64 pgoff, struct daxfs_fmap *m)
{
	struct daxfs_delta *d = daxfs_delta(inode);
	struct daxfs_vnode *vn = DAXFS_I(inode);
	struct daxfs_vinode vi;
	int ret;

	ret = daxfs_view_get(inode);
	if (ret)
		return ret;
	vi = vn->vi;
	vi.attr.size = i_size_read(inode);
	ret = daxfs_view_map(&d->view, &vi, pgoff, m);
	daxfs_view_put(inode);
	if (ret == -EINVAL) {
		memset(m, 0, sizeof(*m));
		m->hole = true;
		m->npages = 1;
		m->level = -1;
		ret = 0;
	}
	return ret;
}

/* Is file page @pgoff a delta page this branch owns (m filled)? */
int daxfs_own_page(struct inode *inode, u64 pgoff, struct daxfs_fmap *m)
{
	int ret = daxfs_map_page(inode, pgoff, m);

	if (ret)
		return ret;
	return !m->hole && m->level == (int)daxfs_delta(inode)->view.depth - 1;
}

/* Write back what was stored at @addr (persistent memory only). */
static void daxfs_flush(struct inode *inode, void *addr, size_t len)
{
	if (daxfs_img(inode)->persistent)
		arch_wb_cache_pmem(addr, len);
}

/*
 * Copy bytes [@from, @to) of file page @pgoff as it is now (zeros past
 * the old end @old_size, in holes and past EOF) into delta page @pgno.
 */
int daxfs_fill_page(struct inode *inode, u64 pgoff, u64 pgno, u32 from,
		    u32 to, loff_t old_size)
{
	u8 *dst = daxfs_page_addr(inode, pgno);
	u64 start = pgoff << PAGE_SHIFT;
	struct daxfs_fmap m;
	u32 valid;
	int ret;

	if (from >= to)
		return 0;
	valid = start >= old_size ? 0 : min_t(u64, PAGE_SIZE, old_size - start);
	m.hole = true;
	if (from < valid) {
		ret = daxfs_map_page(inode, pgoff, &m);
		if (ret)
			return ret;
	}
	if (m.hole) {
		memset(dst + from, 0, to - from);
	} else {
		u32 n = min(to, valid) - from;

		if (copy_mc_to_kernel(dst + from, (u8 *)daxfs_region(inode)->base +
				      m.off + from, n))
			return -EIO;
		memset(dst + from + n, 0, to - from - n);
	}
	daxfs_flush(inode, dst + from, to - from);
	return 0;
}

/*
 * Pages of one chunk of a write, per file page: the delta page it gets,
 * and whether that is a new one (else the page it has, written in place).
 * Small writes keep the arrays inline.
 */
#define DAXFS_WPAGES_INLINE	4

struct daxfs_wpages {
	u64 *pgno;
	bool *fresh;
	u32 n;
	u64 pgno_inline[DAXFS_WPAGES_INLINE];
	bool fresh_inline[DAXFS_WPAGES_INLINE];
};

static int daxfs_wpages_init(struct daxfs_wpages *w, u32 n)
{
	w->n = 0;
	if (n <= DAXFS_WPAGES_INLINE) {
		w->pgno = w->pgno_inline;
		w->fresh = w->fresh_inline;
		return 0;
	}
	w->pgno = kmalloc_array(n, sizeof(*w->pgno), GFP_KERNEL);
	w->fresh = kmalloc_array(n, sizeof(*w->fresh), GFP_KERNEL);
	if (w->pgno && w->fresh)
		return 0;
	kfree(w->pgno);
	kfree(w->fresh);
	return -ENOMEM;
}

static void daxfs_wpages_release(struct daxfs_wpages *w)
{
	if (w->pgno != w->pgno_inline) {
		kfree(w->pgno);
		kfree(w->fresh);
	}
}

static void daxfs_wpages_free(struct super_block *sb, struct daxfs_wpages *w)
{
	u32 i;

	for (i = 0; i < w->n; i++)
		if (w->fresh[i])
			daxfs_free_pages(sb, w->pgno[i], 1);
	w->n = 0;
}

/* Take new pages for the @n file pages from @first that need one. */
static int daxfs_wpages_take(struct inode *inode, struct daxfs_wpages *w,
			     u32 n)
{
	u64 pgno = 0, got = 0;
	u32 i;
	int ret;

	for (i = 0; i < n; i++) {
		if (!w->fresh[i])
			continue;
		if (!got) {
			u32 want = 0, j;

			for (j = i; j < n; j++)
				want += w->fresh[j];
			ret = daxfs_alloc_pages(inode->i_sb, want, 0, &pgno,
						&got);
			if (ret) {
				/* give back the ones taken so far */
				w->n = i;
				daxfs_wpages_free(inode->i_sb, w);
				return ret;
			}
		}
		w->pgno[i] = pgno++;
		got--;
	}
	w->n = n;
	return 0;
}

/* MAP records for the runs of new pages. */
static void daxfs_txn_wpages(struct daxfs_txn *t, struct inode *inode,
			     u64 first, const struct daxfs_wpages *w)
{
	u32 i = 0, j;

	while (i < w->n) {
		if (!w->fresh[i]) {
			i++;
			continue;
		}
		for (j = i + 1; j < w->n && w->fresh[j] &&
		     w->pgno[j] == w->pgno[j - 1] + 1; j++)
			;
		daxfs_txn_map(t, inode->i_ino, first + i, j - i, w->pgno[i]);
		i = j;
	}
}

static size_t daxfs_copy_in(struct inode *inode, u64 pgno, u32 in, size_t n,
			    struct iov_iter *from)
{
	return daxfs_region_copy_from_iter(daxfs_region(inode),
					   daxfs_page_off(daxfs_img(inode), pgno) +
					   in, n, from);
}

/* Refresh st_blocks from the view after a change of the file's pages. */
static void daxfs_refresh_blocks(struct inode *inode)
{
	struct daxfs_delta *d = daxfs_delta(inode);
	struct daxfs_vnode *vn = DAXFS_I(inode);
	struct daxfs_vinode vi;

	if (daxfs_view_get(inode))
		return;
	if (!daxfs_view_inode(&d->view, inode->i_ino, &vi))
		vn->vi.blocks = vi.blocks;
	daxfs_view_put(inode);
	inode->i_blocks = vn->vi.blocks << (PAGE_SHIFT - 9);
}

/*
 * Commit a change of @inode's pages in @w (from file page @first) with
 * its attributes, replaced pages unmapped first; put size and times back
 * and the new pages back on failure.
 */
static int daxfs_commit_pages(struct inode *inode, u64 first,
			      struct daxfs_wpages *w, struct daxfs_txn *t,
			      loff_t old_size)
{
	struct daxfs_attr old = DAXFS_I(inode)->vi.attr;
	struct timespec64 mt = daxfs_get_mtime(inode);
	struct timespec64 ct = inode_get_ctime(inode);
	bool pages_changed;
	int ret;

	if (w)
		daxfs_txn_wpages(t, inode, first, w);
	daxfs_touch_mc(inode);
	daxfs_txn_attrs(t, inode);
	pages_changed = t->nrec > 1;	/* more than the INODE record */
	ret = daxfs_commit_txn(inode->i_sb, t);
	if (ret) {
		if (w)
			daxfs_wpages_free(inode->i_sb, w);
		i_size_write(inode, old_size);
		DAXFS_I(inode)->vi.attr = old;
		daxfs_set_times(inode, daxfs_get_atime(inode), mt, ct);
		return ret;
	}
	if (pages_changed)
		daxfs_refresh_blocks(inode);
	return 0;
}

/*
 * A write that only stored bytes past the end of file, in pages the branch
 * owns: nothing a reader could see has changed, no page has moved, and no
 * record is needed but the new size and times.  Those are published later
 * (sync.c), so that an append costs a copy and no transaction.
 */
static int daxfs_grow_in_place(struct inode *inode, loff_t old, loff_t end)
{
	struct daxfs_delta *d = daxfs_delta(inode);
	struct timespec64 mt = daxfs_get_mtime(inode);
	struct timespec64 ct = inode_get_ctime(inode);
	int ret;

	/* the bytes' write-backs complete before anyone publishes them */
	if (daxfs_img(inode)->persistent)
		pmem_wmb();
	i_size_write(inode, end);
	daxfs_touch_mc(inode);
	daxfs_defer_attrs(inode);
	/*
	 * The branch about to freeze or leave the view: publish now (sync.c).
	 * Pairs with the barrier after daxfs_quiesce_begin()'s increment.
	 * A quiesce that ended while the bytes were stored froze the branch
	 * or replaced the view before it ended: publish now too, and fail.
	 */
	smp_mb();
	if (!atomic_read(&d->quiesce)) {
		smp_rmb();	/* pairs with daxfs_quiesce_end() */
		if (!READ_ONCE(d->frozen) && !daxfs_stale(inode))
			return 0;
	}
	ret = daxfs_publish_attrs(inode);
	if (ret) {
		/* too late: the write fails, as one after the freeze does */
		i_size_write(inode, old);
		daxfs_set_times(inode, daxfs_get_atime(inode), mt, ct);
		daxfs_undefer_attrs(inode);
	}
	return ret;
}

/* Pages a chunk of a write at @pos of @len bytes covers. */
static u32 daxfs_chunk_pages(loff_t pos, size_t len)
{
	u64 first = pos >> PAGE_SHIFT;

	return min_t(u64, ((pos + len - 1) >> PAGE_SHIFT) - first + 1,
		     DAXFS_WRITE_PAGES);
}

/* Plan the @n pages of a chunk: which go in place, which are new. */
static int daxfs_plan(struct inode *inode, loff_t pos, loff_t old,
		      struct daxfs_wpages *w, u32 n)
{
	u64 first = pos >> PAGE_SHIFT;
	struct daxfs_fmap m;
	u32 i;
	int own;

	for (i = 0; i < n; i++) {
		u64 start = (first + i) << PAGE_SHIFT;

		w->fresh[i] = true;
		/* only bytes past the old end, in a page of our own */
		if (max_t(u64, pos, start) < old)
			continue;
		own = daxfs_own_page(inode, first + i, &m);
		if (own < 0)
			return own;
		if (own) {
			w->fresh[i] = false;
			w->pgno[i] = m.pgno;
		}
	}
	return 0;
}

/*
 * Step 1: the caller's bytes into the chunk's pages (new ones, or owned
 * ones past EOF, whose gap from the old end is zeroed first).  Returns
 * the bytes copied (short on a fault in the caller's buffer).
 */
static size_t daxfs_fill_chunk(struct inode *inode, loff_t pos, size_t len,
			       loff_t old, struct daxfs_wpages *w,
			       struct iov_iter *from)
{
	u64 first = pos >> PAGE_SHIFT;
	size_t done = 0;
	u32 i;

	for (i = 0; i < w->n && done < len; i++) {
		u64 start = (first + i) << PAGE_SHIFT;
		u32 in = max_t(u64, pos + done, start) - start;
		size_t n = min_t(size_t, PAGE_SIZE - in, len - done), got;

		if (!w->fresh[i] && start < old && old < start + in) {
			u8 *p = daxfs_page_addr(inode, w->pgno[i]);

			memset(p + (old - start), 0, in - (old - start));
			daxfs_flush(inode, p + (old - start),
				    in - (old - start));
		}
		got = daxfs_copy_in(inode, w->pgno[i], in, n, from);
		done += got;
		if (got < n)
			break;
	}
	return done;
}

/* Step 2's copy: the bytes around the written range in each new page. */
static int daxfs_fill_around(struct inode *inode, loff_t pos, size_t done,
			     loff_t old, struct daxfs_wpages *w)
{
	u64 first = pos >> PAGE_SHIFT;
	loff_t end = pos + done;
	u32 i;
	int ret;

	for (i = 0; i < w->n; i++) {
		u64 start = (first + i) << PAGE_SHIFT;
		u32 head = pos > start ? pos - start : 0;
		u32 tail = end < start + PAGE_SIZE ? end - start : PAGE_SIZE;

		if (!w->fresh[i])
			continue;
		ret = daxfs_fill_page(inode, first + i, w->pgno[i], 0, head,
				      old);
		if (!ret)
			ret = daxfs_fill_page(inode, first + i, w->pgno[i],
					      tail, PAGE_SIZE, old);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The size is about to grow past the page of the end of file: bytes past
 * the end in that page (stored through a mapping, or left by a write
 * whose commit failed) must read as zeros once they are inside the file.
 * Only a page of the branch's own can hold any (pages below it are never
 * written; mkdaxfs zero-fills tails), and nobody may read them yet: they
 * are zeroed in place.
 */
static int daxfs_zero_eof_tail(struct inode *inode)
{
	loff_t old = i_size_read(inode);
	u32 in = old & ~PAGE_MASK;
	struct daxfs_fmap m;
	u8 *p;
	int own;

	if (!in)
		return 0;
	own = daxfs_own_page(inode, old >> PAGE_SHIFT, &m);
	if (own <= 0)
		return own;
	p = daxfs_page_addr(inode, m.pgno);
	memset(p + in, 0, PAGE_SIZE - in);
	daxfs_flush(inode, p + in, PAGE_SIZE - in);
	return 0;
}

/* The bytes from @pos to the end of its page. */
static size_t daxfs_page_rest(loff_t pos)
{
	return PAGE_SIZE - offset_in_page(pos);
}

/* One chunk of a write; returns the bytes written or an error. */
static ssize_t daxfs_write_chunk(struct inode *inode, loff_t pos, size_t len,
				 struct iov_iter *from)
{
	struct address_space *mapping = inode->i_mapping;
	u64 first = pos >> PAGE_SHIFT;
	loff_t old = i_size_read(inode);
	u32 n = daxfs_chunk_pages(pos, len), used, i;
	struct daxfs_wpages w;
	bool fresh = false;
	struct daxfs_txn t;
	size_t done;
	int ret;

	ret = daxfs_wpages_init(&w, n);
	if (ret)
		return ret;
	ret = daxfs_plan(inode, pos, old, &w, n);
	if (!ret)
		ret = daxfs_wpages_take(inode, &w, n);
	if (ret)
		goto out;
	len = min_t(size_t, len, ((first + n) << PAGE_SHIFT) - pos);
	done = daxfs_fill_chunk(inode, pos, len, old, &w, from);
	if (!done) {
		daxfs_wpages_free(inode->i_sb, &w);
		ret = -EFAULT;
		goto out;
	}
	/* pages past what was copied are not used */
	used = ((pos + done - 1) >> PAGE_SHIFT) - first + 1;
	while (w.n > used)
		if (w.fresh[--w.n])
			daxfs_free_pages(inode->i_sb, w.pgno[w.n], 1);
	for (i = 0; i < w.n; i++)
		fresh |= w.fresh[i];

	filemap_invalidate_lock(mapping);
	/*
	 * Pages written in place stay where they are: nothing to unmap.
	 * Private copies made by MAP_PRIVATE stores stay (even_cows 0).
	 */
	if (fresh)
		unmap_mapping_range(mapping, first << PAGE_SHIFT,
				    (u64)used << PAGE_SHIFT, 0);
	ret = daxfs_fill_around(inode, pos, done, old, &w);
	if (!ret && !fresh) {
		/* bytes past EOF in pages of our own: publish the size later */
		ret = daxfs_grow_in_place(inode, old, pos + done);
	} else if (!ret) {
		daxfs_txn_init(&t);
		if (pos + done > old)
			i_size_write(inode, pos + done);
		ret = daxfs_commit_pages(inode, first, &w, &t, old);
		daxfs_txn_release(&t);
	} else {
		daxfs_wpages_free(inode->i_sb, &w);
	}
	filemap_invalidate_unlock(mapping);
	/* nothing of this chunk was written: its bytes may be tried again */
	if (ret)
		iov_iter_revert(from, done);
out:
	daxfs_wpages_release(&w);
	return ret ? ret : (ssize_t)done;
}

ssize_t daxfs_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct daxfs_region *r = daxfs_region(inode);
	size_t len, max = SIZE_MAX;
	ssize_t ret, done = 0;
	int idx;

	ret = daxfs_may_change(inode);
	if (ret)
		return ret;
	inode_lock(inode);
	ret = generic_write_checks(iocb, from);
	if (ret <= 0)
		goto out;
	ret = file_remove_privs(iocb->ki_filp);
	if (ret)
		goto out;
	idx = daxfs_region_enter(r);
	if (idx < 0) {
		ret = idx;
		goto out;
	}
	if (iocb->ki_pos > i_size_read(inode)) {
		ret = daxfs_zero_eof_tail(inode);
		if (ret) {
			daxfs_region_exit(r, idx);
			goto out;
		}
	}
	while (iov_iter_count(from)) {
		len = min(iov_iter_count(from), max);
		ret = daxfs_write_chunk(inode, iocb->ki_pos, len, from);
		/*
		 * A full region: write what fits, a short write, as a disk
		 * filesystem does (smaller chunks down to one page).
		 */
		if (ret == -ENOSPC && len > daxfs_page_rest(iocb->ki_pos)) {
			len = min_t(size_t, len, DAXFS_WRITE_PAGES * PAGE_SIZE -
				    offset_in_page(iocb->ki_pos));
			max = max(len / 2, daxfs_page_rest(iocb->ki_pos));
			continue;
		}
		if (ret <= 0)
			break;
		iocb->ki_pos += ret;
		done += ret;
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
	daxfs_region_exit(r, idx);
	if (done)
		ret = done;
out:
	inode_unlock(inode);
	if (ret > 0)
		ret = generic_write_sync(iocb, ret);
	return ret;
}

/* ---- truncate ---- */

/*
 * The page holding a new end of file (shrink to @size, or grow from an
 * old end @size): no byte past @size may read as anything but zero.  A
 * page of our own is zeroed in place (nobody may read those bytes), any
 * other gets a copy.  Adds the MAP record; *@pgno is the new page.
 */
static int daxfs_cut_page(struct inode *inode, loff_t size, loff_t old,
			  struct daxfs_txn *t, u64 *pgno)
{
	u64 pgoff = size >> PAGE_SHIFT, got;
	u32 in = size & ~PAGE_MASK;
	struct daxfs_fmap m;
	int own, ret;

	*pgno = DAXFS_NO_PAGE;
	if (!in)
		return 0;
	own = daxfs_own_page(inode, pgoff, &m);
	if (own < 0)
		return own;
	if (m.hole)
		return 0;
	if (own && size >= old) {
		u8 *p = daxfs_page_addr(inode, m.pgno);

		memset(p + in, 0, PAGE_SIZE - in);
		daxfs_flush(inode, p + in, PAGE_SIZE - in);
		return 0;
	}
	/* the reserve only for a copy that frees the page it replaces */
	ret = daxfs_alloc_pages(inode->i_sb, 1, own ? DAXFS_ALLOC_RESERVE : 0,
				pgno, &got);
	if (ret)
		return ret;
	ret = daxfs_fill_page(inode, pgoff, *pgno, 0, PAGE_SIZE,
			      min(size, old));
	if (ret) {
		daxfs_free_pages(inode->i_sb, *pgno, 1);
		*pgno = DAXFS_NO_PAGE;
		return ret;
	}
	daxfs_txn_map(t, inode->i_ino, pgoff, 1, *pgno);
	return 0;
}

int daxfs_truncate(struct inode *inode, loff_t size)
{
	struct address_space *mapping = inode->i_mapping;
	struct daxfs_region *r = daxfs_region(inode);
	loff_t old = i_size_read(inode);
	struct daxfs_txn t;
	u64 pgno;
	int ret, idx;

	ret = inode_newsize_ok(inode, size);
	if (ret)
		return ret;
	idx = daxfs_region_enter(r);
	if (idx < 0)
		return idx;
	filemap_invalidate_lock(mapping);
	/*
	 * Pages past the new end leave every mapping, private copies too
	 * (a load there is SIGBUS); the page holding the end may move (its
	 * tail is zeroed in a copy): it leaves the shared mappings.
	 */
	if (size < old)
		unmap_mapping_range(mapping, round_up(size, PAGE_SIZE), 0, 1);
	unmap_mapping_range(mapping, round_down(min(size, old), PAGE_SIZE),
			    PAGE_SIZE, 0);
	daxfs_txn_init(&t);
	if (size < old)
		t.alloc_flags = DAXFS_ALLOC_RESERVE;
	ret = daxfs_cut_page(inode, min(size, old), old, &t, &pgno);
	if (!ret && size < old)
		daxfs_txn_truncate(&t, inode->i_ino,
				   DIV_ROUND_UP_ULL(size, PAGE_SIZE));
	if (!ret) {
		i_size_write(inode, size);
		ret = daxfs_commit_pages(inode, 0, NULL, &t, old);
		if (ret && pgno != DAXFS_NO_PAGE)
			daxfs_free_pages(inode->i_sb, pgno, 1);
	}
	daxfs_txn_release(&t);
	filemap_invalidate_unlock(mapping);
	daxfs_region_exit(r, idx);
	return ret;
}

/* ---- fallocate ---- */

/*
 * Pages [@first, @first + @n) become fresh zeroed delta pages: all of
 * them (@replace, for ZERO_RANGE) or only the holes (allocation).
 */
static int daxfs_alloc_range(struct inode *inode, u64 first, u64 n,
			     bool replace, loff_t new_size)
{
	loff_t end, old = i_size_read(inode);
	struct daxfs_wpages w;
	struct daxfs_fmap m;
	struct daxfs_txn t;
	u32 i, k;
	int ret;

	ret = daxfs_wpages_init(&w, min_t(u64, n, DAXFS_WRITE_PAGES));
	if (ret)
		return ret;
	while (n && !ret) {
		k = min_t(u64, n, DAXFS_WRITE_PAGES);
		for (i = 0; i < k && !ret; i++) {
			ret = daxfs_map_page(inode, first + i, &m);
			w.fresh[i] = replace || m.hole;
		}
		if (!ret)
			ret = daxfs_wpages_take(inode, &w, k);
		for (i = 0; i < k && !ret; i++)
			if (w.fresh[i]) {
				memset(daxfs_page_addr(inode, w.pgno[i]), 0,
				       PAGE_SIZE);
				daxfs_flush(inode, daxfs_page_addr(inode, w.pgno[i]),
					    PAGE_SIZE);
			}
		if (ret)
			break;
		daxfs_txn_init(&t);
		/* the size grows with each batch, never below what it was */
		end = min_t(loff_t, new_size, (first + k) << PAGE_SHIFT);
		if (end > i_size_read(inode))
			i_size_write(inode, end);
		ret = daxfs_commit_pages(inode, first, &w, &t, old);
		daxfs_txn_release(&t);
		old = i_size_read(inode);
		first += k;
		n -= k;
		cond_resched();
	}
	daxfs_wpages_release(&w);
	return ret;
}

/* Zero bytes [@from, @to) of file page @pgoff with a copy of the page. */
static int daxfs_zero_partial(struct inode *inode, u64 pgoff, u32 from,
			      u32 to)
{
	loff_t size = i_size_read(inode);
	struct daxfs_fmap m;
	struct daxfs_txn t;
	u64 pgno, got;
	int own, ret;

	own = daxfs_own_page(inode, pgoff, &m);
	if (own < 0 || m.hole)
		return own < 0 ? own : 0;
	/* the reserve only for a copy that frees the page it replaces */
	ret = daxfs_alloc_pages(inode->i_sb, 1, own ? DAXFS_ALLOC_RESERVE : 0,
				&pgno, &got);
	if (ret)
		return ret;
	ret = daxfs_fill_page(inode, pgoff, pgno, 0, PAGE_SIZE, size);
	if (!ret) {
		u8 *p = daxfs_page_addr(inode, pgno);

		memset(p + from, 0, to - from);
		daxfs_flush(inode, p + from, to - from);
		daxfs_txn_init(&t);
		daxfs_txn_map(&t, inode->i_ino, pgoff, 1, pgno);
		ret = daxfs_commit_pages(inode, pgoff, NULL, &t, size);
		daxfs_txn_release(&t);
	}
	if (ret)
		daxfs_free_pages(inode->i_sb, pgno, 1);
	return ret;
}

/* PUNCH_HOLE: whole pages become holes, partial ones are zeroed. */
static int daxfs_punch(struct inode *inode, loff_t off, loff_t len)
{
	loff_t size = i_size_read(inode), end = min(off + len, size);
	u64 first = DIV_ROUND_UP_ULL(off, PAGE_SIZE), last = end >> PAGE_SHIFT;
	struct daxfs_txn t;
	int ret = 0;

	if (off >= end)
		return 0;
	if ((off & ~PAGE_MASK) && (off >> PAGE_SHIFT) < first)
		ret = daxfs_zero_partial(inode, off >> PAGE_SHIFT,
					 off & ~PAGE_MASK,
					 min_t(loff_t, PAGE_SIZE,
					       end - round_down(off, PAGE_SIZE)));
	if (!ret && (end & ~PAGE_MASK) && last >= first &&
	    (last << PAGE_SHIFT) >= off)
		ret = daxfs_zero_partial(inode, last, 0, end & ~PAGE_MASK);
	if (!ret && first < last) {
		daxfs_txn_init(&t);
		t.alloc_flags = DAXFS_ALLOC_RESERVE;
		daxfs_txn_punch(&t, inode->i_ino, first, last - first);
		ret = daxfs_commit_pages(inode, first, NULL, &t, size);
		daxfs_txn_release(&t);
	}
	return ret;
}

long daxfs_fallocate(struct file *file, int mode, loff_t off, loff_t len)
{
	struct inode *inode = file_inode(file);
	struct address_space *mapping = inode->i_mapping;
	loff_t end = off + len;
	int ret, idx;

	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE |
		     FALLOC_FL_ZERO_RANGE))
		return -EOPNOTSUPP;
	if (!S_ISREG(inode->i_mode))
		return -ENODEV;
	ret = daxfs_may_change(inode);
	if (ret)
		return ret;
	inode_lock(inode);
	ret = file_modified(file);
	if (ret)
		goto out;
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > i_size_read(inode)) {
		ret = inode_newsize_ok(inode, end);
		if (ret)
			goto out;
	}
	idx = daxfs_region_enter(daxfs_region(inode));
	if (idx < 0) {
		ret = idx;
		goto out;
	}
	filemap_invalidate_lock(mapping);
	/* pages that change leave the shared mappings; private copies stay */
	unmap_mapping_range(mapping, round_down(off, PAGE_SIZE),
			    round_up(len, PAGE_SIZE) + PAGE_SIZE, 0);
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		ret = daxfs_punch(inode, off, len);
	} else {
		loff_t size = (mode & FALLOC_FL_KEEP_SIZE) ? 0 : end;
		u64 first = off >> PAGE_SHIFT;
		u64 last = DIV_ROUND_UP_ULL(end, PAGE_SIZE);

		if (size > i_size_read(inode))
			ret = daxfs_zero_eof_tail(inode);
		if (!ret && (mode & FALLOC_FL_ZERO_RANGE)) {
			/* partial pages zeroed in a copy, whole ones new */
			ret = daxfs_punch(inode, off, len);
			first = DIV_ROUND_UP_ULL(off, PAGE_SIZE);
			last = end >> PAGE_SHIFT;
		}
		if (!ret && last > first)
			ret = daxfs_alloc_range(inode, first, last - first,
						false, size);
		if (!ret && size > i_size_read(inode)) {
			loff_t old = i_size_read(inode);
			struct daxfs_txn t;

			daxfs_txn_init(&t);
			i_size_write(inode, size);
			ret = daxfs_commit_pages(inode, 0, NULL, &t, old);
			daxfs_txn_release(&t);
		}
	}
	if (!ret)
		ret = daxfs_settle_attrs(inode);
	filemap_invalidate_unlock(mapping);
	daxfs_region_exit(daxfs_region(inode), idx);
out:
	inode_unlock(inode);
	return ret;
}


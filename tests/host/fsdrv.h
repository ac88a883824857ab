/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * fsdrv: a small user-space filesystem driver over the portable core,
 * for the host tests.  It does what daxfs.ko does with the core (replay
 * at "mount", transactions for every operation, delta pages for data,
 * copy-on-write of published bytes, in-place appends past EOF), without
 * the VFS: operations take inode numbers and names.  It is test code:
 * errors are returned as -errno, permissions are not checked, and every
 * store into the image goes through the core (so the crash tests can
 * record them).
 */
#ifndef DAXFS_FSDRV_H
#define DAXFS_FSDRV_H

#include <stdlib.h>
#include <string.h>
#include "daxfs_core.h"
#include "testutil.h"

#define FD_FN static __attribute__((unused))
#define FD_PAGE 4096ULL

#define FD_LAYERS 16

/*
 * A "mount" of one branch: its chain of slots (root first), one layer
 * each; the writer writes the top slot's log.  @layer is the root's
 * (main's) layer, @upper the others.
 */
struct fsd {
	u8 *map;
	u64 size;
	struct daxfs_image img;
	struct daxfs_alloc alloc;
	struct daxfs_layer layer;
	struct daxfs_layer upper[FD_LAYERS - 1];
	struct daxfs_view view;
	struct daxfs_writer w;
	struct daxfs_replay_info info;
	u64 cursor;
	unsigned int alloc_flags;	/* for the operation under way */
	bool rw;
	s64 now;
	struct tu_report rep;
};

FD_FN void fsd_close(struct fsd *f)
{
	for (u32 i = 0; i < f->view.depth; i++)
		daxfs_layer_clear(f->view.layer[i]);
	f->view.depth = 0;
}

/* Open the branch whose chain is @slots[0..n) (slot 0 first). */
FD_FN int fsd_open_chain(struct fsd *f, u8 *map, u64 size, bool rw,
			 unsigned int replay_flags, const u32 *slots, u32 n)
{
	int ret;

	memset(f, 0, sizeof(*f));
	f->map = map;
	f->size = size;
	f->now = 1700000000;
	if (!n || n > FD_LAYERS)
		return -EINVAL;
	ret = daxfs_image_open(&f->img, map, size, tu_collect, &f->rep);
	if (!ret)
		ret = daxfs_delta_open(&f->img, tu_collect, &f->rep);
	if (ret)
		return ret;
	f->img.wbase = rw ? map : NULL;	/* read-only: no store at all */
	ret = daxfs_alloc_init(&f->alloc, &f->img);
	if (ret)
		return ret;
	f->view.img = &f->img;
	for (u32 i = 0; i < n && !ret; i++) {
		struct daxfs_layer *l = i ? &f->upper[i - 1] : &f->layer;

		daxfs_layer_init(l);
		f->view.layer[i] = l;
		f->view.depth = i + 1;
		ret = daxfs_replay(&f->view, i, slots[i], replay_flags,
				   &f->info, tu_collect, &f->rep);
	}
	if (!ret && rw)
		ret = daxfs_writer_open(&f->w, &f->view, &f->alloc,
					slots[n - 1], &f->info);
	if (ret) {
		fsd_close(f);
		return ret;
	}
	f->rw = rw;
	return 0;
}

FD_FN int fsd_open(struct fsd *f, u8 *map, u64 size, bool rw,
		   unsigned int replay_flags)
{
	static const u32 main_only = 0;

	return fsd_open_chain(f, map, size, rw, replay_flags, &main_only, 1);
}

FD_FN int fsd_inode(struct fsd *f, u64 ino, struct daxfs_vinode *vi)
{
	return daxfs_view_inode(&f->view, ino, vi);
}

FD_FN void fsd_touch(struct fsd *f, struct daxfs_attr *a, bool m, bool c)
{
	f->now++;
	if (m) {
		a->mtime_sec = f->now;
		a->mtime_nsec = 1000;
	}
	if (c) {
		a->ctime_sec = f->now;
		a->ctime_nsec = 2000;
	}
}

/* Commit @t (and compact when the log says so); frees @t. */
FD_FN int fsd_commit(struct fsd *f, struct daxfs_txn *t)
{
	int ret;

	if (!f->rw) {
		daxfs_txn_release(t);
		return -EROFS;
	}
	ret = daxfs_commit(&f->w, t, NULL, NULL);
	daxfs_txn_release(t);
	if (!ret && daxfs_log_should_compact(&f->w)) {
		int c = daxfs_log_compact(&f->w);

		if (c && c != -ENOSPC)
			ret = c;
	}
	return ret;
}

FD_FN int fsd_lookup(struct fsd *f, u64 dir, const char *name, u64 *ino)
{
	struct daxfs_dirent_info de;
	struct daxfs_vinode d;
	int ret = fsd_inode(f, dir, &d);

	if (ret)
		return ret;
	if ((d.attr.mode & DAXFS_S_IFMT) != DAXFS_S_IFDIR)
		return -ENOTDIR;
	ret = daxfs_view_lookup(&f->view, &d, (const u8 *)name,
				(u32)strlen(name), &de);
	if (!ret)
		*ino = de.ino;
	return ret;
}

/* Create @name in @dir: a file, directory, symlink (@target) or node. */
FD_FN int fsd_create(struct fsd *f, u64 dir, const char *name, u32 mode,
		     const char *target, u64 *out)
{
	u32 len = (u32)strlen(name), tlen = target ? (u32)strlen(target) : 0;
	struct daxfs_vinode d;
	struct daxfs_attr a;
	struct daxfs_txn t;
	bool isdir = (mode & DAXFS_S_IFMT) == DAXFS_S_IFDIR;
	u64 ino, dummy;
	int ret;

	if (!daxfs_name_valid((const u8 *)name, len))
		return -EINVAL;
	ret = fsd_inode(f, dir, &d);
	if (ret)
		return ret;
	if ((d.attr.mode & DAXFS_S_IFMT) != DAXFS_S_IFDIR)
		return -ENOTDIR;
	if (!fsd_lookup(f, dir, name, &dummy))
		return -EEXIST;
	ino = daxfs_ino_next(&f->img);
	memset(&a, 0, sizeof(a));
	a.mode = mode;
	a.nlink = isdir ? 2 : 1;
	a.size = tlen;
	a.parent = isdir ? dir : 0;
	fsd_touch(f, &a, true, true);
	a.atime_sec = a.mtime_sec;
	daxfs_txn_init(&t);
	daxfs_txn_inode(&t, ino, &a, DAXFS_RI_NEW, target, tlen);
	daxfs_txn_dirent_add(&t, dir, (const u8 *)name, len, ino,
			     daxfs_view_next_cookie(&f->view, &d),
			     daxfs_mode_to_ft(mode));
	if (isdir)
		d.attr.nlink++;
	fsd_touch(f, &d.attr, true, true);
	daxfs_txn_inode(&t, dir, &d.attr, 0, NULL, 0);
	ret = fsd_commit(f, &t);
	if (!ret && out)
		*out = ino;
	return ret;
}

FD_FN int fsd_link(struct fsd *f, u64 ino, u64 dir, const char *name)
{
	struct daxfs_vinode d, c;
	struct daxfs_txn t;
	u64 dummy;
	int ret;

	if (fsd_inode(f, dir, &d) || fsd_inode(f, ino, &c))
		return -ENOENT;
	if ((c.attr.mode & DAXFS_S_IFMT) == DAXFS_S_IFDIR)
		return -EPERM;
	if (!fsd_lookup(f, dir, name, &dummy))
		return -EEXIST;
	daxfs_txn_init(&t);
	c.attr.nlink++;
	fsd_touch(f, &c.attr, false, true);
	daxfs_txn_inode(&t, ino, &c.attr, 0, NULL, 0);
	daxfs_txn_dirent_add(&t, dir, (const u8 *)name, (u32)strlen(name),
			     ino, daxfs_view_next_cookie(&f->view, &d),
			     daxfs_mode_to_ft(c.attr.mode));
	fsd_touch(f, &d.attr, true, true);
	daxfs_txn_inode(&t, dir, &d.attr, 0, NULL, 0);
	ret = fsd_commit(f, &t);
	return ret;
}

/* Drop one link of @c (in @t): the inode goes with its last link. */
FD_FN void fsd_drop_link(struct fsd *f, struct daxfs_txn *t,
			 struct daxfs_vinode *c)
{
	bool isdir = (c->attr.mode & DAXFS_S_IFMT) == DAXFS_S_IFDIR;

	if (isdir || c->attr.nlink <= 1) {
		daxfs_txn_free(t, c->ino);
		return;
	}
	c->attr.nlink--;
	fsd_touch(f, &c->attr, false, true);
	daxfs_txn_inode(t, c->ino, &c->attr, 0, NULL, 0);
}

FD_FN int fsd_remove(struct fsd *f, u64 dir, const char *name, bool rmdir)
{
	struct daxfs_vinode d, c;
	struct daxfs_txn t;
	u64 ino;
	int ret = fsd_lookup(f, dir, name, &ino);

	if (ret)
		return ret;
	fsd_inode(f, dir, &d);
	ret = fsd_inode(f, ino, &c);
	if (ret)
		return ret;
	if (((c.attr.mode & DAXFS_S_IFMT) == DAXFS_S_IFDIR) != rmdir)
		return rmdir ? -ENOTDIR : -EISDIR;
	if (rmdir && daxfs_view_dir_empty(&f->view, &c) != 1)
		return -ENOTEMPTY;
	daxfs_txn_init(&t);
	t.alloc_flags = DAXFS_ALLOC_RESERVE;
	daxfs_txn_dirent_del(&t, dir, (const u8 *)name, (u32)strlen(name));
	fsd_drop_link(f, &t, &c);
	if (rmdir)
		d.attr.nlink--;
	fsd_touch(f, &d.attr, true, true);
	daxfs_txn_inode(&t, dir, &d.attr, 0, NULL, 0);
	return fsd_commit(f, &t);
}

/* Is @anc @ino or one of its ancestors (directories only)? */
FD_FN bool fsd_is_ancestor(struct fsd *f, u64 anc, u64 ino)
{
	struct daxfs_vinode vi;
	int depth = 0;

	while (depth++ < 10000) {
		if (ino == anc)
			return true;
		if (ino == DAXFS_ROOT_INO || fsd_inode(f, ino, &vi))
			return false;
		ino = vi.attr.parent;
	}
	return true;
}

#define FSD_NOREPLACE	1
#define FSD_EXCHANGE	2

FD_FN int fsd_rename(struct fsd *f, u64 odir, const char *oname, u64 ndir,
		     const char *nname, int flags)
{
	u32 olen = (u32)strlen(oname), nlen = (u32)strlen(nname);
	struct daxfs_vinode od, nd, c, v;
	bool cdir, vdir, have_v;
	struct daxfs_txn t;
	u64 ino, vino;
	int ret;

	ret = fsd_lookup(f, odir, oname, &ino);
	if (ret)
		return ret;
	if (fsd_inode(f, odir, &od) || fsd_inode(f, ndir, &nd) ||
	    fsd_inode(f, ino, &c))
		return -ENOENT;
	if ((nd.attr.mode & DAXFS_S_IFMT) != DAXFS_S_IFDIR)
		return -ENOTDIR;
	if (!daxfs_name_valid((const u8 *)nname, nlen))
		return -EINVAL;
	have_v = !fsd_lookup(f, ndir, nname, &vino);
	if (have_v && vino == ino)
		return 0;
	if ((flags & FSD_NOREPLACE) && have_v)
		return -EEXIST;
	if ((flags & FSD_EXCHANGE) && !have_v)
		return -ENOENT;
	cdir = (c.attr.mode & DAXFS_S_IFMT) == DAXFS_S_IFDIR;
	if (cdir && fsd_is_ancestor(f, ino, ndir))
		return -EINVAL;
	vdir = false;
	if (have_v) {
		fsd_inode(f, vino, &v);
		vdir = (v.attr.mode & DAXFS_S_IFMT) == DAXFS_S_IFDIR;
		if (flags & FSD_EXCHANGE) {
			if (vdir && fsd_is_ancestor(f, vino, odir))
				return -EINVAL;
		} else {
			if (cdir != vdir)
				return cdir ? -ENOTDIR : -EISDIR;
			if (vdir && daxfs_view_dir_empty(&f->view, &v) != 1)
				return -ENOTEMPTY;
		}
	}
	daxfs_txn_init(&t);
	if (flags & FSD_EXCHANGE) {
		daxfs_txn_dirent_add(&t, odir, (const u8 *)oname, olen, vino,
				     daxfs_view_next_cookie(&f->view, &od),
				     daxfs_mode_to_ft(v.attr.mode));
		/* the second entry's cookie must be above the first's */
		daxfs_txn_dirent_add(&t, ndir, (const u8 *)nname, nlen, ino,
				     daxfs_view_next_cookie(&f->view, &nd) +
				     (odir == ndir),
				     daxfs_mode_to_ft(c.attr.mode));
		if (cdir != vdir && odir != ndir) {
			od.attr.nlink += vdir ? 1 : -1;
			nd.attr.nlink += cdir ? 1 : -1;
		}
		if (vdir) {
			v.attr.parent = odir;
		}
		fsd_touch(f, &v.attr, false, true);
		daxfs_txn_inode(&t, vino, &v.attr, 0, NULL, 0);
	} else {
		daxfs_txn_dirent_del(&t, odir, (const u8 *)oname, olen);
		daxfs_txn_dirent_add(&t, ndir, (const u8 *)nname, nlen, ino,
				     daxfs_view_next_cookie(&f->view, &nd),
				     daxfs_mode_to_ft(c.attr.mode));
		if (have_v) {
			fsd_drop_link(f, &t, &v);
			if (vdir)
				nd.attr.nlink--;
		}
		if (cdir && odir != ndir) {
			od.attr.nlink--;
			nd.attr.nlink++;
		}
	}
	if (cdir)
		c.attr.parent = ndir;
	fsd_touch(f, &c.attr, false, true);
	daxfs_txn_inode(&t, ino, &c.attr, 0, NULL, 0);
	fsd_touch(f, &od.attr, true, true);
	if (odir == ndir) {
		daxfs_txn_inode(&t, odir, &od.attr, 0, NULL, 0);
	} else {
		daxfs_txn_inode(&t, odir, &od.attr, 0, NULL, 0);
		fsd_touch(f, &nd.attr, true, true);
		daxfs_txn_inode(&t, ndir, &nd.attr, 0, NULL, 0);
	}
	return fsd_commit(f, &t);
}

/* ---- file data ---- */

FD_FN int fsd_read(struct fsd *f, u64 ino, u64 off, void *buf, u64 len)
{
	struct daxfs_vinode vi;
	u8 *p = buf;
	u64 done = 0;
	int ret = fsd_inode(f, ino, &vi);

	if (ret)
		return ret;
	if (off >= vi.attr.size)
		return 0;
	if (len > vi.attr.size - off)
		len = vi.attr.size - off;
	while (done < len) {
		u64 pos = off + done, in = pos % FD_PAGE, n;
		struct daxfs_fmap m;

		ret = daxfs_view_map(&f->view, &vi, pos / FD_PAGE, &m);
		if (ret)
			return ret;
		n = m.npages * FD_PAGE - in;
		if (n > len - done)
			n = len - done;
		if (m.hole)
			memset(p + done, 0, n);
		else
			memcpy(p + done, f->map + m.off + in, n);
		done += n;
	}
	return (int)done;
}

/*
 * A new delta page for file page @pgoff of @vi holding the page's
 * current bytes up to @keep (zeros after), or zeros when @keep is 0.
 */
FD_FN int fsd_cow_page(struct fsd *f, struct daxfs_vinode *vi, u64 pgoff,
		       u64 keep, u64 *pgno)
{
	u8 page[FD_PAGE];
	u64 got;
	int ret = daxfs_alloc_get(&f->alloc, &f->cursor, 1, f->alloc_flags,
				  pgno, &got);

	if (ret)
		return ret;
	memset(page, 0, sizeof(page));
	if (keep) {
		struct daxfs_fmap m;

		if (!daxfs_view_map(&f->view, vi, pgoff, &m) && !m.hole)
			memcpy(page, f->map + m.off, keep);
	}
	daxfs_region_write(&f->img, daxfs_page_off(&f->img, *pgno), page,
			   FD_PAGE);
	return 0;
}

FD_FN int fsd_write(struct fsd *f, u64 ino, u64 off, const void *buf,
		    u64 len)
{
	const u8 *src = buf;
	struct daxfs_vinode vi;
	struct daxfs_txn t;
	u64 done = 0, old;
	int ret = fsd_inode(f, ino, &vi);

	if (ret)
		return ret;
	if ((vi.attr.mode & DAXFS_S_IFMT) != DAXFS_S_IFREG)
		return -EISDIR;
	if (!len)
		return 0;
	old = vi.attr.size;
	daxfs_txn_init(&t);
	while (done < len) {
		u64 pos = off + done, pgoff = pos / FD_PAGE, in = pos % FD_PAGE;
		u64 n = FD_PAGE - in, pgno, page_start = pgoff * FD_PAGE;
		struct daxfs_fmap m;

		if (n > len - done)
			n = len - done;
		/* the page this file has now, if it is inside the file */
		if (page_start < old &&
		    !daxfs_view_map(&f->view, &vi, pgoff, &m) && !m.hole &&
		    m.level == (int)f->view.depth - 1 && pos >= old) {
			/* bytes past EOF of our own page: in place */
			pgno = m.pgno;
			/* what lay between EOF and here reads as zeros */
			daxfs_region_zero(&f->img, m.off + old % FD_PAGE,
					  in - old % FD_PAGE);
		} else {
			u64 keep = page_start < old ? old - page_start : 0;

			if (keep > FD_PAGE)
				keep = FD_PAGE;
			ret = fsd_cow_page(f, &vi, pgoff, keep, &pgno);
			if (ret)
				goto fail;
			daxfs_txn_map(&t, ino, pgoff, 1, pgno);
		}
		daxfs_region_write(&f->img, daxfs_page_off(&f->img, pgno) + in,
				   src + done, n);
		done += n;
	}
	if (off + len > vi.attr.size)
		vi.attr.size = off + len;
	fsd_touch(f, &vi.attr, true, true);
	daxfs_txn_inode(&t, ino, &vi.attr, 0, NULL, 0);
	return fsd_commit(f, &t);
fail:
	/* give back the pages mapped by the failed transaction */
	{
		struct daxfs_rec_view rec;
		u32 p = 0;

		while (daxfs_txn_next(&t, &p, &rec) > 0) {
			struct daxfs_rec_map mr;

			if (rec.type != DAXFS_REC_MAP)
				continue;
			memcpy(&mr, rec.payload, sizeof(mr));
			daxfs_alloc_put(&f->alloc, le64_to_cpu(mr.pgno),
					le64_to_cpu(mr.npages));
		}
	}
	daxfs_txn_release(&t);
	return ret;
}

FD_FN int fsd_truncate(struct fsd *f, u64 ino, u64 size)
{
	struct daxfs_vinode vi;
	struct daxfs_txn t;
	u64 pages = (size + FD_PAGE - 1) / FD_PAGE;
	int ret = fsd_inode(f, ino, &vi);

	if (ret)
		return ret;
	if ((vi.attr.mode & DAXFS_S_IFMT) != DAXFS_S_IFREG)
		return -EISDIR;
	daxfs_txn_init(&t);
	if (size < vi.attr.size) {
		daxfs_txn_truncate(&t, ino, pages);
		/* the partial last page keeps no old bytes past EOF */
		if (size % FD_PAGE) {
			struct daxfs_fmap m;
			u64 pgno;

			if (!daxfs_view_map(&f->view, &vi, size / FD_PAGE, &m) &&
			    !m.hole) {
				ret = fsd_cow_page(f, &vi, size / FD_PAGE,
						   size % FD_PAGE, &pgno);
				if (ret) {
					daxfs_txn_release(&t);
					return ret;
				}
				daxfs_txn_map(&t, ino, size / FD_PAGE, 1, pgno);
			}
		}
	} else if (size > vi.attr.size && vi.attr.size % FD_PAGE) {
		/* growing: the bytes past the old EOF must read as zeros */
		struct daxfs_fmap m;
		u64 pgoff = vi.attr.size / FD_PAGE, pgno;

		if (!daxfs_view_map(&f->view, &vi, pgoff, &m) && !m.hole) {
			ret = fsd_cow_page(f, &vi, pgoff,
					   vi.attr.size % FD_PAGE, &pgno);
			if (ret) {
				daxfs_txn_release(&t);
				return ret;
			}
			daxfs_txn_map(&t, ino, pgoff, 1, pgno);
		}
	}
	vi.attr.size = size;
	fsd_touch(f, &vi.attr, true, true);
	daxfs_txn_inode(&t, ino, &vi.attr, 0, NULL, 0);
	return fsd_commit(f, &t);
}

/* Zero [off, off + len) inside the file: whole pages become holes. */
FD_FN int fsd_punch(struct fsd *f, u64 ino, u64 off, u64 len)
{
	struct daxfs_vinode vi;
	struct daxfs_txn t;
	u64 end, first, last;
	int ret = fsd_inode(f, ino, &vi);

	if (ret)
		return ret;
	if (off >= vi.attr.size || !len)
		return 0;
	end = off + len < vi.attr.size ? off + len : vi.attr.size;
	first = (off + FD_PAGE - 1) / FD_PAGE;
	last = end / FD_PAGE;
	daxfs_txn_init(&t);
	if (first < last)
		daxfs_txn_punch(&t, ino, first, last - first);
	/* partial pages at either end: rewritten with zeros there */
	for (u64 pg = off / FD_PAGE; pg <= (end - 1) / FD_PAGE; pg++) {
		u64 ps = pg * FD_PAGE, zs, ze, pgno;
		struct daxfs_fmap m;
		u8 page[FD_PAGE];

		if (pg >= first && pg < last)
			continue;
		zs = off > ps ? off - ps : 0;
		ze = end < ps + FD_PAGE ? end - ps : FD_PAGE;
		if (daxfs_view_map(&f->view, &vi, pg, &m) || m.hole)
			continue;
		memcpy(page, f->map + m.off, FD_PAGE);
		memset(page + zs, 0, ze - zs);
		ret = fsd_cow_page(f, &vi, pg, 0, &pgno);
		if (ret) {
			daxfs_txn_release(&t);
			return ret;
		}
		daxfs_region_write(&f->img, daxfs_page_off(&f->img, pgno), page,
				   FD_PAGE);
		daxfs_txn_map(&t, ino, pg, 1, pgno);
	}
	fsd_touch(f, &vi.attr, true, true);
	daxfs_txn_inode(&t, ino, &vi.attr, 0, NULL, 0);
	return fsd_commit(f, &t);
}

/* ---- xattrs ---- */

FD_FN int fsd_setxattr(struct fsd *f, u64 ino, const char *name,
		       const void *value, u32 len)
{
	struct daxfs_vinode vi;
	struct daxfs_txn t;
	int ret = fsd_inode(f, ino, &vi);

	if (ret)
		return ret;
	daxfs_txn_init(&t);
	daxfs_txn_xattr_set(&t, ino, (const u8 *)name, (u32)strlen(name),
			    value, len);
	fsd_touch(f, &vi.attr, false, true);
	daxfs_txn_inode(&t, ino, &vi.attr, 0, NULL, 0);
	return fsd_commit(f, &t);
}

FD_FN int fsd_getxattr(struct fsd *f, u64 ino, const char *name, void *buf,
		       u32 size)
{
	struct daxfs_vinode vi;
	int ret = fsd_inode(f, ino, &vi);

	if (ret)
		return ret;
	return daxfs_view_xattr_get(&f->view, &vi, (const u8 *)name,
				    (u32)strlen(name), buf, size);
}

FD_FN int fsd_rmxattr(struct fsd *f, u64 ino, const char *name)
{
	struct daxfs_vinode vi;
	struct daxfs_txn t;
	int ret = fsd_inode(f, ino, &vi);

	if (ret)
		return ret;
	ret = daxfs_view_xattr_get(&f->view, &vi, (const u8 *)name,
				   (u32)strlen(name), NULL, 0);
	if (ret < 0)
		return ret;
	daxfs_txn_init(&t);
	daxfs_txn_xattr_del(&t, ino, (const u8 *)name, (u32)strlen(name));
	fsd_touch(f, &vi.attr, false, true);
	daxfs_txn_inode(&t, ino, &vi.attr, 0, NULL, 0);
	return fsd_commit(f, &t);
}

#endif /* DAXFS_FSDRV_H */

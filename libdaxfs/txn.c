// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Building a transaction: the records of one operation, encoded in
 * memory one after the other.  Their LSNs, the TXN_END flag of the last
 * one and their CRCs are set when daxfs_log_stage() writes them into the
 * log.  An error while adding (no memory, a record that would not be
 * valid) sticks in @err: the caller adds every record and checks once,
 * and a commit refuses a transaction with an error, so an operation is
 * never logged in part.
 */
#include "daxfs_internal.h"

void daxfs_txn_init(struct daxfs_txn *t)
{
	t->buf = t->small;
	t->cap = sizeof(t->small);
	t->len = 0;
	t->nrec = 0;
	t->err = 0;
	t->alloc_flags = 0;
	t->tag = 0;
}

void daxfs_txn_release(struct daxfs_txn *t)
{
	if (t->buf != t->small)
		daxfs_free(t->buf);
	daxfs_txn_init(t);
}

static int grow(struct daxfs_txn *t, u32 need)
{
	u32 cap = t->cap;
	u8 *buf;

	while (cap - t->len < need) {
		if (cap > (1U << 30))
			return -ENOMEM;
		cap *= 2;
	}
	buf = daxfs_zalloc(cap);
	if (!buf)
		return -ENOMEM;
	if (t->len)
		memcpy(buf, t->buf, t->len);
	if (t->buf != t->small)
		daxfs_free(t->buf);
	t->buf = buf;
	t->cap = cap;
	return 0;
}

static int add(struct daxfs_txn *t, u16 type, u64 ino, const void *fixed,
	       u32 fixed_len, const struct daxfs_rec_piece *tail, u32 ntail)
{
	u64 need = sizeof(struct daxfs_rec_header) + fixed_len +
		   DAXFS_REC_ALIGN;
	int ret;
	u32 i;

	if (t->err)
		return t->err;
	for (i = 0; i < ntail; i++)
		need += tail[i].len;
	if (need > DAXFS_REC_MAX + DAXFS_REC_ALIGN) {
		t->err = -EINVAL;
		return t->err;
	}
	if (t->cap - t->len < need) {
		ret = grow(t, (u32)need);
		if (ret) {
			t->err = ret;
			return ret;
		}
	}
	ret = daxfs_rec_build(t->buf + t->len, t->cap - t->len, type, ino,
			      fixed, fixed_len, tail, ntail);
	if (ret < 0) {
		t->err = ret;
		return ret;
	}
	t->len += (u32)ret;
	t->nrec++;
	return 0;
}

void daxfs_rec_inode_fill(struct daxfs_rec_inode *r, const struct daxfs_attr *a,
			  u32 flags, u32 target_len)
{
	memset(r, 0, sizeof(*r));
	r->mode = cpu_to_le32(a->mode);
	r->nlink = cpu_to_le32(a->nlink);
	r->uid = cpu_to_le32(a->uid);
	r->gid = cpu_to_le32(a->gid);
	r->flags = cpu_to_le32(flags);
	r->target_len = cpu_to_le32(target_len);
	r->size = cpu_to_le64(a->size);
	r->parent = cpu_to_le64(a->parent);
	r->atime_sec = cpu_to_le64((u64)a->atime_sec);
	r->mtime_sec = cpu_to_le64((u64)a->mtime_sec);
	r->ctime_sec = cpu_to_le64((u64)a->ctime_sec);
	r->atime_nsec = cpu_to_le32(a->atime_nsec);
	r->mtime_nsec = cpu_to_le32(a->mtime_nsec);
	r->ctime_nsec = cpu_to_le32(a->ctime_nsec);
	r->rdev_major = cpu_to_le32(a->rdev_major);
	r->rdev_minor = cpu_to_le32(a->rdev_minor);
}

int daxfs_txn_inode(struct daxfs_txn *t, u64 ino, const struct daxfs_attr *a,
		    u32 flags, const char *target, u32 target_len)
{
	struct daxfs_rec_piece tail = { target, target_len };
	struct daxfs_rec_inode r;

	daxfs_rec_inode_fill(&r, a, flags, target_len);
	return add(t, DAXFS_REC_INODE, ino, &r, sizeof(r), &tail,
		   target_len ? 1 : 0);
}

int daxfs_txn_free(struct daxfs_txn *t, u64 ino)
{
	struct daxfs_rec_free r;

	memset(&r, 0, sizeof(r));
	return add(t, DAXFS_REC_INODE_FREE, ino, &r, sizeof(r), NULL, 0);
}

static int dirent(struct daxfs_txn *t, u16 type, u64 dir, const u8 *name,
		  u32 len, u64 child, u64 cookie, u8 ft)
{
	struct daxfs_rec_piece tail = { name, len };
	struct daxfs_rec_dirent r;

	memset(&r, 0, sizeof(r));
	r.child = cpu_to_le64(child);
	r.cookie = cpu_to_le64(cookie);
	r.name_len = cpu_to_le16((u16)len);
	r.type = ft;
	if (len > DAXFS_NAME_MAX) {
		t->err = t->err ? t->err : -EINVAL;
		return t->err;
	}
	return add(t, type, dir, &r, sizeof(r), &tail, 1);
}

int daxfs_txn_dirent_add(struct daxfs_txn *t, u64 dir, const u8 *name,
			 u32 len, u64 child, u64 cookie, u8 type)
{
	return dirent(t, DAXFS_REC_DIRENT_ADD, dir, name, len, child, cookie,
		      type);
}

int daxfs_txn_dirent_del(struct daxfs_txn *t, u64 dir, const u8 *name,
			 u32 len)
{
	return dirent(t, DAXFS_REC_DIRENT_DEL, dir, name, len, 0, 0, 0);
}

static int map(struct daxfs_txn *t, u16 type, u64 ino, u64 pgoff,
	       u64 npages, u64 pgno)
{
	struct daxfs_rec_map r;

	r.pgoff = cpu_to_le64(pgoff);
	r.npages = cpu_to_le64(npages);
	r.pgno = cpu_to_le64(pgno);
	return add(t, type, ino, &r, sizeof(r), NULL, 0);
}

int daxfs_txn_map(struct daxfs_txn *t, u64 ino, u64 pgoff, u64 npages,
		  u64 pgno)
{
	return map(t, DAXFS_REC_MAP, ino, pgoff, npages, pgno);
}

int daxfs_txn_punch(struct daxfs_txn *t, u64 ino, u64 pgoff, u64 npages)
{
	return map(t, DAXFS_REC_PUNCH, ino, pgoff, npages, 0);
}

int daxfs_txn_truncate(struct daxfs_txn *t, u64 ino, u64 pages)
{
	struct daxfs_rec_truncate r;

	r.pages = cpu_to_le64(pages);
	return add(t, DAXFS_REC_TRUNCATE, ino, &r, sizeof(r), NULL, 0);
}

static int xattr(struct daxfs_txn *t, u16 type, u64 ino, const u8 *name,
		 u32 len, const void *value, u32 value_len)
{
	struct daxfs_rec_piece tail[2] = { { name, len },
					   { value, value_len } };
	struct daxfs_rec_xattr r;

	memset(&r, 0, sizeof(r));
	if (len > DAXFS_XATTR_NAME_MAX) {
		t->err = t->err ? t->err : -EINVAL;
		return t->err;
	}
	r.value_len = cpu_to_le32(value_len);
	r.name_len = (u8)len;
	return add(t, type, ino, &r, sizeof(r), tail, value_len ? 2 : 1);
}

int daxfs_txn_xattr_set(struct daxfs_txn *t, u64 ino, const u8 *name,
			u32 len, const void *value, u32 value_len)
{
	return xattr(t, DAXFS_REC_XATTR_SET, ino, name, len, value, value_len);
}

int daxfs_txn_xattr_del(struct daxfs_txn *t, u64 ino, const u8 *name,
			u32 len)
{
	return xattr(t, DAXFS_REC_XATTR_DEL, ino, name, len, NULL, 0);
}

int daxfs_txn_next(const struct daxfs_txn *t, u32 *pos,
		   struct daxfs_rec_view *rec)
{
	int ret;

	if (*pos >= t->len)
		return 0;
	ret = daxfs_rec_parse(t->buf + *pos, t->len - *pos, rec);
	if (ret)
		return ret;
	*pos += rec->len;
	return 1;
}

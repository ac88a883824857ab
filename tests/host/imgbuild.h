/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A tiny in-memory DAXFS image builder for the core's tests and the fuzz
 * seed generator.  It is deliberately independent of mkdaxfs: tests
 * describe a tree with ib_* calls, ib_build() lays it out exactly as
 * include/daxfs_format.h says, and the helpers below locate fields so a
 * test can corrupt one and (optionally) fix the checksums again.
 *
 * Inode numbers are assigned in creation order (the root is 1).  Link
 * counts, parents, entry and xattr order, checksums are computed by
 * ib_build(); a test that wants them wrong corrupts the built image.
 */
#ifndef DAXFS_IMGBUILD_H
#define DAXFS_IMGBUILD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "daxfs_core.h"

#define IB_FN static __attribute__((unused))

struct ib_ent {
	char *name;
	u32 len;
	u32 ino;
};

struct ib_xattr {
	char *name;
	u8 *value;
	u32 value_len;
};

struct ib_ext {
	u64 pgoff;
	u64 npages;
	u8 fill;		/* page contents: fill byte (0: data below) */
};

struct ib_inode {
	u32 mode, uid, gid, rdev_major, rdev_minor;
	s64 mtime;
	u32 mtime_nsec;
	u64 size;
	u8 *data;		/* regular, contiguous: size bytes */
	struct ib_ext *ext;	/* regular, explicit extents */
	u32 next;
	char *target;		/* symlink */
	struct ib_ent *ents;	/* directory */
	u32 nents;
	struct ib_xattr *xa;
	u32 nxa;
	u32 parent;
};

struct ib_branch {
	char name[32];
	u32 parent, state;
};

struct ib {
	struct ib_inode *in;
	u32 nin;
	int branches;
	u64 delta_size;
	u32 branch_slots;
	struct ib_branch br[16];
	u32 nbr;
	/* result */
	u8 *img;
	u64 size;
};

static inline void *ib_zalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p) {
		fprintf(stderr, "imgbuild: out of memory\n");
		exit(2);
	}
	return p;
}

static inline void *ib_grow(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "imgbuild: out of memory\n");
		exit(2);
	}
	return p;
}

IB_FN u32 ib_new_inode(struct ib *b, u32 mode)
{
	struct ib_inode *in;

	if (!(b->nin & (b->nin - 1)) || !b->nin)	/* 0, 1, 2, 4, ... */
		b->in = ib_grow(b->in, (b->nin ? b->nin * 2 : 1) *
				sizeof(*b->in));
	in = &b->in[b->nin];
	memset(in, 0, sizeof(*in));
	in->mode = mode;
	in->uid = 1000 + b->nin % 3;
	in->gid = 100;
	in->mtime = 1700000000 + b->nin;
	in->mtime_nsec = (b->nin * 7919U) % 1000000000U;
	return ++b->nin;
}

IB_FN void ib_init(struct ib *b)
{
	memset(b, 0, sizeof(*b));
	ib_new_inode(b, DAXFS_S_IFDIR | 0755);
	b->in[0].parent = 1;
}

IB_FN void ib_add_entry(struct ib *b, u32 dir, const char *name, u32 len,
			u32 ino)
{
	struct ib_inode *d = &b->in[dir - 1];
	struct ib_ent *e;

	if (!(d->nents & (d->nents - 1)))	/* 0, 1, 2, 4, ... */
		d->ents = ib_grow(d->ents, (d->nents ? d->nents * 2 : 1) *
				  sizeof(*d->ents));
	e = &d->ents[d->nents++];
	e->name = ib_zalloc(len + 1);
	memcpy(e->name, name, len);
	e->len = len;
	e->ino = ino;
}

IB_FN u32 ib_dir(struct ib *b, u32 parent, const char *name)
{
	u32 ino = ib_new_inode(b, DAXFS_S_IFDIR | 0755);

	b->in[ino - 1].parent = parent;
	ib_add_entry(b, parent, name, (u32)strlen(name), ino);
	return ino;
}

IB_FN u32 ib_file(struct ib *b, u32 parent, const char *name,
		  const void *data, u64 size)
{
	u32 ino = ib_new_inode(b, DAXFS_S_IFREG | 0644);
	struct ib_inode *in = &b->in[ino - 1];

	in->size = size;
	in->data = ib_zalloc(size);
	if (size)
		memcpy(in->data, data, size);
	ib_add_entry(b, parent, name, (u32)strlen(name), ino);
	return ino;
}

/* A file of @size bytes made of explicit extents (holes between). */
IB_FN u32 ib_sparse(struct ib *b, u32 parent, const char *name, u64 size,
		    const struct ib_ext *ext, u32 n)
{
	u32 ino = ib_new_inode(b, DAXFS_S_IFREG | 0600);
	struct ib_inode *in = &b->in[ino - 1];

	in->size = size;
	in->ext = ib_zalloc(n * sizeof(*ext));
	memcpy(in->ext, ext, n * sizeof(*ext));
	in->next = n;
	ib_add_entry(b, parent, name, (u32)strlen(name), ino);
	return ino;
}

IB_FN u32 ib_symlink(struct ib *b, u32 parent, const char *name,
		     const char *target)
{
	u32 ino = ib_new_inode(b, DAXFS_S_IFLNK | 0777);
	struct ib_inode *in = &b->in[ino - 1];

	in->target = strdup(target);
	in->size = strlen(target);
	ib_add_entry(b, parent, name, (u32)strlen(name), ino);
	return ino;
}

IB_FN u32 ib_special(struct ib *b, u32 parent, const char *name, u32 mode,
		     u32 major, u32 minor)
{
	u32 ino = ib_new_inode(b, mode);

	b->in[ino - 1].rdev_major = major;
	b->in[ino - 1].rdev_minor = minor;
	ib_add_entry(b, parent, name, (u32)strlen(name), ino);
	return ino;
}

IB_FN void ib_link(struct ib *b, u32 parent, const char *name, u32 ino)
{
	ib_add_entry(b, parent, name, (u32)strlen(name), ino);
}

IB_FN void ib_xattr(struct ib *b, u32 ino, const char *name,
		    const void *value, u32 len)
{
	struct ib_inode *in = &b->in[ino - 1];
	struct ib_xattr *x;

	in->xa = ib_grow(in->xa, (in->nxa + 1) * sizeof(*in->xa));
	x = &in->xa[in->nxa++];
	x->name = strdup(name);
	x->value = ib_zalloc(len);
	memcpy(x->value, value, len);
	x->value_len = len;
}

/* Turn on branches: @slots table entries, a delta region of @delta. */
IB_FN void ib_branching(struct ib *b, u32 slots, u64 delta)
{
	b->branches = 1;
	b->branch_slots = slots;
	b->delta_size = delta;
	b->nbr = 1;
	strcpy(b->br[0].name, "main");
	b->br[0].parent = DAXFS_BRANCH_NONE;
	b->br[0].state = DAXFS_BRANCH_LIVE;
}

IB_FN u32 ib_branch(struct ib *b, const char *name, u32 parent, u32 state)
{
	struct ib_branch *br = &b->br[b->nbr];

	memset(br, 0, sizeof(*br));
	strncpy(br->name, name, sizeof(br->name) - 1);
	br->parent = parent;
	br->state = state;
	return b->nbr++;
}

/* ---- layout ---- */

static int ib_ent_cmp(const void *a, const void *b)
{
	const struct ib_ent *x = a, *y = b;

	return daxfs_name_cmp((const u8 *)x->name, x->len,
			      (const u8 *)y->name, y->len);
}

static int ib_xa_cmp(const void *a, const void *b)
{
	const struct ib_xattr *x = a, *y = b;

	return daxfs_name_cmp((const u8 *)x->name, (u32)strlen(x->name),
			      (const u8 *)y->name, (u32)strlen(y->name));
}

static inline u64 ib_align(u64 v, u64 a)
{
	return (v + a - 1) / a * a;
}

static inline struct daxfs_super *ib_super(u8 *img)
{
	return (struct daxfs_super *)img;
}

IB_FN u8 *ib_at(u8 *img, u64 off)
{
	return img + off;
}

#define IB_SB(img, f)	le64toh(ib_super(img)->f)

IB_FN struct daxfs_inode *ib_inode(u8 *img, u32 ino)
{
	return (struct daxfs_inode *)(img + IB_SB(img, inode_off)) + ino - 1;
}

IB_FN struct daxfs_extent *ib_extent(u8 *img, u64 i)
{
	return (struct daxfs_extent *)(img + IB_SB(img, extent_off)) + i;
}

IB_FN struct daxfs_dirent *ib_dirent(u8 *img, u64 i)
{
	return (struct daxfs_dirent *)(img + IB_SB(img, dirent_off)) + i;
}

IB_FN struct daxfs_xattr *ib_xattr_at(u8 *img, u64 i)
{
	return (struct daxfs_xattr *)(img + IB_SB(img, xattr_off)) + i;
}

IB_FN u8 *ib_str(u8 *img, u64 off)
{
	return img + IB_SB(img, strtab_off) + off;
}

IB_FN struct daxfs_branch *ib_branch_at(u8 *img, u32 slot)
{
	return (struct daxfs_branch *)(img + IB_SB(img, branch_off)) + slot;
}

IB_FN struct daxfs_delta_super *ib_delta(u8 *img)
{
	return (struct daxfs_delta_super *)(img + IB_SB(img, delta_off));
}

/* Recompute the checksums a corruption broke. */
IB_FN void ib_fix_meta(u8 *img)
{
	struct daxfs_super *s = ib_super(img);

	s->meta_crc = htole32(daxfs_crc32c(img + le64toh(s->inode_off),
					   le64toh(s->meta_size)));
	s->data_crc = htole32(daxfs_crc32c(img + le64toh(s->data_off),
					   le64toh(s->data_size)));
}

IB_FN void ib_fix_super(u8 *img)
{
	ib_super(img)->crc = htole32(daxfs_super_crc(img));
}

IB_FN void ib_fix_delta(u8 *img)
{
	struct daxfs_delta_super *d = ib_delta(img);

	d->crc = htole32(daxfs_crc32c(d, offsetof(struct daxfs_delta_super,
						  crc)));
}

IB_FN void ib_fix_branch(u8 *img, u32 slot)
{
	struct daxfs_branch *br = ib_branch_at(img, slot);

	br->crc = htole32(daxfs_branch_crc(br));
}

IB_FN void ib_fix_all(u8 *img)
{
	ib_fix_meta(img);
	ib_fix_super(img);
}

struct ib_pos {
	u64 str, ext, ent, xa, page;
};

static u64 ib_strput(u8 *img, u64 strtab_off, u64 *pos, const void *s,
		     u64 len)
{
	u64 at = *pos;

	memcpy(img + strtab_off + at, s, len);
	*pos += len;
	return at;
}

static void ib_put_data(struct ib *b, struct ib_inode *in,
			struct daxfs_inode *di, struct daxfs_super *s,
			struct ib_pos *p)
{
	u8 *img = b->img;
	u64 data_off = le64toh(s->data_off);

	di->data = htole64(p->ext);
	if (in->ext) {
		for (u32 i = 0; i < in->next; i++) {
			struct daxfs_extent *e = ib_extent(img, p->ext++);
			u64 off = data_off + p->page * DAXFS_BLOCK_SIZE;
			u64 bytes = in->ext[i].npages * DAXFS_BLOCK_SIZE;
			u64 end = (in->ext[i].pgoff + in->ext[i].npages) *
				  DAXFS_BLOCK_SIZE;

			e->pgoff = htole64(in->ext[i].pgoff);
			e->npages = htole64(in->ext[i].npages);
			e->off = htole64(off);
			memset(img + off, in->ext[i].fill, bytes);
			if (end > in->size)	/* zero past EOF */
				memset(img + off + bytes - (end - in->size), 0,
				       end - in->size);
			p->page += in->ext[i].npages;
			di->blocks = htole64(le64toh(di->blocks) +
					     in->ext[i].npages);
		}
		di->count = htole32(in->next);
	} else if (in->size) {
		struct daxfs_extent *e = ib_extent(img, p->ext++);
		u64 off = data_off + p->page * DAXFS_BLOCK_SIZE;

		e->pgoff = 0;
		e->npages = htole64(ib_align(in->size, 4096) / 4096);
		e->off = htole64(off);
		memcpy(img + off, in->data, in->size);
		p->page += ib_align(in->size, 4096) / 4096;
		di->blocks = e->npages;
		di->count = htole32(1);
	}
}

static void ib_put_inode(struct ib *b, u32 ino, const u32 *nlink,
			 struct ib_pos *p)
{
	struct daxfs_super *s = ib_super(b->img);
	u64 strtab_off = le64toh(s->strtab_off);
	struct ib_inode *in = &b->in[ino - 1];
	struct daxfs_inode *di = ib_inode(b->img, ino);

	di->mode = htole32(in->mode);
	di->nlink = htole32(nlink[ino]);
	di->uid = htole32(in->uid);
	di->gid = htole32(in->gid);
	di->mtime_sec = htole64((u64)in->mtime);
	di->mtime_nsec = htole32(in->mtime_nsec);
	di->ctime_sec = htole64((u64)in->mtime);
	di->atime_sec = htole64((u64)in->mtime);
	switch (in->mode & DAXFS_S_IFMT) {
	case DAXFS_S_IFREG:
		di->size = htole64(in->size);
		ib_put_data(b, in, di, s, p);
		break;
	case DAXFS_S_IFDIR:
		if (in->nents)
			qsort(in->ents, in->nents, sizeof(*in->ents),
			      ib_ent_cmp);
		di->size = htole64(in->nents);
		di->count = htole32(in->nents);
		di->data = htole64(p->ent);
		di->parent = htole32(in->parent);
		for (u32 i = 0; i < in->nents; i++) {
			struct daxfs_dirent *de = ib_dirent(b->img, p->ent++);
			u32 t = b->in[in->ents[i].ino - 1].mode;

			de->ino = htole32(in->ents[i].ino);
			de->name_len = htole16((u16)in->ents[i].len);
			de->type = daxfs_mode_to_ft(t);
			de->name_off = htole64(ib_strput(b->img, strtab_off,
				&p->str, in->ents[i].name, in->ents[i].len));
		}
		break;
	case DAXFS_S_IFLNK:
		di->size = htole64(in->size);
		di->data = htole64(ib_strput(b->img, strtab_off, &p->str,
					     in->target, in->size));
		break;
	default:
		di->rdev_major = htole32(in->rdev_major);
		di->rdev_minor = htole32(in->rdev_minor);
	}
	if (in->nxa)
		qsort(in->xa, in->nxa, sizeof(*in->xa), ib_xa_cmp);
	di->xattr_first = htole64(p->xa);
	di->xattr_count = htole32(in->nxa);
	for (u32 i = 0; i < in->nxa; i++) {
		struct daxfs_xattr *x = ib_xattr_at(b->img, p->xa++);
		u32 nl = (u32)strlen(in->xa[i].name);

		x->name_len = (u8)nl;
		x->name_off = htole64(ib_strput(b->img, strtab_off, &p->str,
						in->xa[i].name, nl));
		x->value_len = htole32(in->xa[i].value_len);
		x->value_off = htole64(ib_strput(b->img, strtab_off, &p->str,
						 in->xa[i].value,
						 in->xa[i].value_len));
	}
}

/*
 * Slot 0 is main with an empty log (delta page 0); other slots get their
 * name, parent, state and a log id of their own (and an empty log:
 * ib_put_logs()).
 */
static void ib_put_branches(struct ib *b, u64 log_id)
{
	for (u32 i = 0; i < b->nbr; i++) {
		struct daxfs_branch *br = ib_branch_at(b->img, i);

		if (!i) {
			daxfs_main_slot(br, log_id, 1700000000);
			continue;
		}
		br->state = htole32(b->br[i].state);
		br->parent = htole32(b->br[i].parent);
		memcpy(br->name, b->br[i].name, sizeof(br->name));
		br->log_id = htole64(log_id + i);
		ib_fix_branch(b->img, i);
	}
}

static void ib_put_delta(struct ib *b, u64 log_id)
{
	if (daxfs_delta_format(ib_delta(b->img), b->delta_size, b->nin + 1,
			       log_id)) {
		fprintf(stderr, "imgbuild: delta region of %llu bytes\n",
			(unsigned long long)b->delta_size);
		exit(2);
	}
}

/*
 * Every live or discarded slot but main gets an empty log of its own: a
 * chunk at delta page @i (main's is page 0), marked in use.
 */
static void ib_put_logs(struct ib *b, u64 log_id)
{
	struct daxfs_delta_super *d = ib_delta(b->img);
	u8 *delta = (u8 *)d;

	for (u32 i = 1; i < b->nbr; i++) {
		struct daxfs_branch *br = ib_branch_at(b->img, i);
		struct daxfs_log_chunk c;
		u64 *word, *group;

		if (b->br[i].state != DAXFS_BRANCH_LIVE &&
		    b->br[i].state != DAXFS_BRANCH_DISCARDED)
			continue;
		memset(&c, 0, sizeof(c));
		c.magic = htole64(DAXFS_CHUNK_MAGIC);
		c.log_id = htole64(log_id + i);
		c.crc = htole32(daxfs_crc32c(&c, offsetof(struct daxfs_log_chunk,
							 crc)));
		c.next = htole64(DAXFS_NO_PAGE);
		memcpy(delta + le64toh(d->first_page) + (u64)i * 4096, &c,
		       sizeof(c));
		word = (u64 *)(delta + le64toh(d->bitmap_off));
		*word = htole64(le64toh(*word) | (1ULL << i));
		group = (u64 *)(delta + le64toh(d->groups_off));
		*group = htole64(le64toh(*group) - 1);
		br->log_head = htole64(i);
	}
}

/* Lay the tree out into b->img (b->size bytes). */
IB_FN void ib_build(struct ib *b)
{
	u64 next = 0, nent = 0, nxa = 0, str = 0, pages = 0;
	u32 *nlink = ib_zalloc((b->nin + 1) * sizeof(u32));
	u64 off, branch_bytes, data_off, delta_off;
	struct daxfs_super *s;
	struct ib_pos p = { 0, 0, 0, 0, 0 };

	for (u32 i = 0; i < b->nin; i++) {
		struct ib_inode *in = &b->in[i];

		if ((in->mode & DAXFS_S_IFMT) == DAXFS_S_IFDIR)
			nlink[i + 1] += 2;
		for (u32 j = 0; j < in->nents; j++) {
			u32 c = in->ents[j].ino;

			str += in->ents[j].len;
			if ((b->in[c - 1].mode & DAXFS_S_IFMT) ==
			    DAXFS_S_IFDIR)
				nlink[i + 1]++;
			else
				nlink[c]++;
		}
		nent += in->nents;
		nxa += in->nxa;
		for (u32 j = 0; j < in->nxa; j++)
			str += strlen(in->xa[j].name) + in->xa[j].value_len;
		if (in->target)
			str += in->size;
		if (in->ext) {
			next += in->next;
			for (u32 j = 0; j < in->next; j++)
				pages += in->ext[j].npages;
		} else if (in->size && (in->mode & DAXFS_S_IFMT) ==
			   DAXFS_S_IFREG) {
			next++;
			pages += ib_align(in->size, 4096) / 4096;
		}
	}
	branch_bytes = b->branches ? (u64)b->branch_slots *
				     sizeof(struct daxfs_branch) : 0;
	off = DAXFS_SUPER_SIZE + branch_bytes;
	data_off = ib_align(off + b->nin * sizeof(struct daxfs_inode) +
			    next * sizeof(struct daxfs_extent) +
			    nent * sizeof(struct daxfs_dirent) +
			    nxa * sizeof(struct daxfs_xattr) + str, 4096);
	delta_off = data_off + pages * 4096;
	b->size = delta_off + (b->branches ? b->delta_size : 0);
	b->img = ib_zalloc(b->size);
	s = ib_super(b->img);
	s->magic = htole64(DAXFS_IMAGE_MAGIC);
	s->version = htole32(DAXFS_VERSION);
	s->block_size = htole32(DAXFS_BLOCK_SIZE);
	s->super_size = htole32(sizeof(*s));
	s->total_size = htole64(b->size);
	s->root_ino = htole32(DAXFS_ROOT_INO);
	s->inode_size = htole32(sizeof(struct daxfs_inode));
	s->branch_size = htole32(sizeof(struct daxfs_branch));
	s->branch_off = htole64(DAXFS_SUPER_SIZE);
	s->branch_count = htole32(b->branches ? b->branch_slots : 0);
	s->inode_off = htole64(off);
	s->inode_count = htole64(b->nin);
	off += b->nin * sizeof(struct daxfs_inode);
	s->extent_off = htole64(off);
	s->extent_count = htole64(next);
	off += next * sizeof(struct daxfs_extent);
	s->dirent_off = htole64(off);
	s->dirent_count = htole64(nent);
	off += nent * sizeof(struct daxfs_dirent);
	s->xattr_off = htole64(off);
	s->xattr_count = htole64(nxa);
	off += nxa * sizeof(struct daxfs_xattr);
	s->strtab_off = htole64(off);
	s->strtab_size = htole64(str);
	s->meta_size = htole64(off + str - le64toh(s->inode_off));
	s->data_off = htole64(data_off);
	s->data_size = htole64(pages * 4096);
	if (b->branches) {
		s->feat_incompat = htole64(DAXFS_FEAT_INCOMPAT_BRANCHES);
		s->delta_off = htole64(delta_off);
		s->delta_size = htole64(b->delta_size);
	}
	for (u32 ino = 1; ino <= b->nin; ino++)
		ib_put_inode(b, ino, nlink, &p);
	if (b->branches) {
		ib_put_branches(b, 0x10c1d);
		ib_put_delta(b, 0x10c1d);
		ib_put_logs(b, 0x10c1d);
	}
	ib_fix_all(b->img);
	free(nlink);
}

IB_FN void ib_free(struct ib *b)
{
	for (u32 i = 0; i < b->nin; i++) {
		struct ib_inode *in = &b->in[i];

		free(in->data);
		free(in->ext);
		free(in->target);
		for (u32 j = 0; j < in->nents; j++)
			free(in->ents[j].name);
		free(in->ents);
		for (u32 j = 0; j < in->nxa; j++) {
			free(in->xa[j].name);
			free(in->xa[j].value);
		}
		free(in->xa);
	}
	free(b->in);
	free(b->img);
	memset(b, 0, sizeof(*b));
}

#endif /* DAXFS_IMGBUILD_H */

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Emit an image into the target's mapping: file data first (streamed
 * through a bounce buffer, so the data CRC is computed on the way and
 * the mapping is only ever written), then the metadata area built in
 * memory, the branch table and delta header, and the superblock last.
 * Every byte of [0, total_size) is either written here or already zero.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mkdaxfs.h"
#include "util.h"

#define COPY_BUF	(1U << 20)

struct writer {
	const struct mk_layout *l;
	struct mk_tree *t;
	u8 *map;
	u8 *buf;
	u32 data_crc;			/* raw, running */
	u64 data_at;			/* region offset the CRC has reached */
	u64 files_done;
	u64 bytes_done;
};

/* ---- file data ---- */

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static void __attribute__((noreturn))
changed(struct writer *w, const struct mk_node *n)
{
	die("%s: file changed while being read", node_path(w->t, n, NULL));
}

static void check_unchanged(struct writer *w, const struct mk_node *n,
			    int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		die_errno("%s", node_path(w->t, n, NULL));
	if (!S_ISREG(st.st_mode) || st.st_ino != n->src_ino ||
	    st.st_dev != n->src_dev || (u64)st.st_size != n->size ||
	    !same_time(&st.st_mtim, &n->mtime))
		changed(w, n);
}

/* The CRC of the zero padding before an aligned extent (layout.c). */
static void crc_gap(struct writer *w, u64 upto)
{
	while (w->data_at < upto) {
		u64 n = upto - w->data_at;

		if (n > COPY_BUF)
			n = COPY_BUF;
		memset(w->buf, 0, n);
		w->data_crc = daxfs_crc32c_raw(w->data_crc, w->buf, n);
		w->data_at += n;
	}
}

/* Copy one extent: file bytes to the page boundary, zeros after EOF. */
static void copy_extent(struct writer *w, const struct mk_node *n, int fd,
			const struct mk_extent *e)
{
	u64 pos = e->pgoff * DAXFS_BLOCK_SIZE;
	u64 left = e->npages * DAXFS_BLOCK_SIZE;
	u8 *dst = w->map + e->off;

	crc_gap(w, e->off);
	w->data_at = e->off + left;

	while (left) {
		u64 chunk = left < COPY_BUF ? left : COPY_BUF;
		u64 want = pos < n->size ? n->size - pos : 0;
		u64 got = 0;

		if (want > chunk)
			want = chunk;
		while (got < want) {
			ssize_t r = pread(fd, w->buf + got, want - got,
					  pos + got);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				die_errno("%s", node_path(w->t, n, NULL));
			if (r == 0)
				changed(w, n);
			got += r;
		}
		memset(w->buf + want, 0, chunk - want);
		w->data_crc = daxfs_crc32c_raw(w->data_crc, w->buf, chunk);
		memcpy(dst, w->buf, chunk);
		dst += chunk;
		pos += chunk;
		left -= chunk;
		w->bytes_done += chunk;
		progress_write(w->files_done, w->t->regular_files,
			       w->bytes_done, w->l->data_size);
	}
}

static void copy_file(struct writer *w, struct mk_node *n, int dfd)
{
	int fd;

	if (n->next) {
		fd = open_noatime(dfd, n->name, O_RDONLY | O_NOFOLLOW |
				  O_NONBLOCK);
		if (fd < 0)
			die_errno("%s", node_path(w->t, n, NULL));
		for (u32 i = 0; i < n->next; i++)
			copy_extent(w, n, fd, &w->t->ext[n->first_ext + i]);
		check_unchanged(w, n, fd);
		close(fd);
	}
	w->files_done++;
	progress_write(w->files_done, w->t->regular_files, w->bytes_done,
		       w->l->data_size);
}

/* Same order as the scan: a directory's files, then its subdirectories. */
static void copy_dir(struct writer *w, struct mk_node *dir, int dfd)
{
	for (u32 i = 0; i < dir->ndents; i++) {
		struct mk_dent *de = &dir->dents[i];
		struct mk_node *n = de->node;

		if (S_ISREG(n->mode) && n->up == dir && n->name == de->name)
			copy_file(w, n, dfd);
	}
	for (u32 i = 0; i < dir->ndents; i++) {
		struct mk_node *n = dir->dents[i].node;
		int fd;

		if (!S_ISDIR(n->mode) || n->up != dir || !n->ndents)
			continue;
		fd = open_noatime(dfd, n->name,
				  O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		if (fd < 0)
			die_errno("%s", node_path(w->t, n, NULL));
		copy_dir(w, n, fd);
		close(fd);
	}
}

/* ---- metadata area ---- */

static void put_times(struct daxfs_inode *di, const struct mk_node *n)
{
	di->atime_sec = cpu_to_le64((u64)n->atime.tv_sec);
	di->mtime_sec = cpu_to_le64((u64)n->mtime.tv_sec);
	di->ctime_sec = cpu_to_le64((u64)n->ctime.tv_sec);
	di->atime_nsec = cpu_to_le32((u32)n->atime.tv_nsec);
	di->mtime_nsec = cpu_to_le32((u32)n->mtime.tv_nsec);
	di->ctime_nsec = cpu_to_le32((u32)n->ctime.tv_nsec);
}

static void put_inode(struct daxfs_inode *di, const struct mk_node *n)
{
	di->mode = cpu_to_le32(n->mode);
	di->nlink = cpu_to_le32(n->nlink);
	di->uid = cpu_to_le32(n->uid);
	di->gid = cpu_to_le32(n->gid);
	put_times(di, n);
	switch (n->mode & S_IFMT) {
	case S_IFREG:
		di->size = cpu_to_le64(n->size);
		di->data = cpu_to_le64(n->next ? n->first_ext : 0);
		di->count = cpu_to_le32(n->next);
		di->blocks = cpu_to_le64(n->data_pages);
		break;
	case S_IFDIR:
		di->size = cpu_to_le64(n->ndents);
		di->data = cpu_to_le64(n->first_dirent);
		di->count = cpu_to_le32(n->ndents);
		di->parent = cpu_to_le32(n->up ? n->up->ino : n->ino);
		break;
	case S_IFLNK:
		di->size = cpu_to_le64(n->target_len);
		di->data = cpu_to_le64(n->target_off);
		break;
	case S_IFCHR:
	case S_IFBLK:
		di->rdev_major = cpu_to_le32(n->rdev_major);
		di->rdev_minor = cpu_to_le32(n->rdev_minor);
		break;
	}
	di->xattr_count = cpu_to_le32(n->nxattrs);
	di->xattr_first = cpu_to_le64(n->first_xattr);
}

static void put_tables(u8 *meta, const struct mk_layout *l,
		       const struct mk_tree *t)
{
	struct daxfs_inode *di = (void *)meta;
	struct daxfs_extent *de = (void *)(meta + l->extent_off - l->inode_off);
	struct daxfs_dirent *dd = (void *)(meta + l->dirent_off - l->inode_off);
	struct daxfs_xattr *dx = (void *)(meta + l->xattr_off - l->inode_off);

	for (u64 i = 0; i < t->next; i++) {
		de[i].pgoff = cpu_to_le64(t->ext[i].pgoff);
		de[i].off = cpu_to_le64(t->ext[i].off);
		de[i].npages = cpu_to_le64(t->ext[i].npages);
	}
	for (u64 i = 0; i < t->nodes; i++) {
		const struct mk_node *n = l->by_ino[i];

		put_inode(di++, n);
		for (u32 j = 0; j < n->ndents; j++, dd++) {
			const struct mk_dent *e = &n->dents[j];

			dd->ino = cpu_to_le32(e->node->ino);
			dd->name_len = cpu_to_le16(e->len);
			dd->type = daxfs_mode_to_ft(e->node->mode);
			dd->name_off = cpu_to_le64(e->name_off);
		}
		for (u32 j = 0; j < n->nxattrs; j++, dx++) {
			const struct mk_xattr *x = &n->xattrs[j];

			dx->name_off = cpu_to_le64(x->name_off);
			dx->value_off = cpu_to_le64(x->value_off);
			dx->value_len = cpu_to_le32(x->value_len);
			dx->name_len = x->name_len;
		}
	}
	if (l->strtab_size)
		memcpy(meta + l->strtab_off - l->inode_off, l->strtab,
		       l->strtab_size);
}

static u32 write_meta(struct writer *w)
{
	const struct mk_layout *l = w->l;
	u8 *meta = xcalloc(1, l->meta_size);
	u32 crc;

	put_tables(meta, l, w->t);
	crc = daxfs_crc32c(meta, l->meta_size);
	memcpy(w->map + l->inode_off, meta, l->meta_size);
	free(meta);
	return crc;
}

/* ---- branch table and delta region ---- */

/* The log's id: nonzero, and a function of the content (same tree, same image). */
static u64 make_log_id(u32 meta_crc, u32 data_crc)
{
	u64 id = ((u64)meta_crc << 32 | data_crc) ^ 0x6c6f672d6d61696eULL;

	return id ? id : 1;
}

/* Slot 0, "main", and the delta region with main's empty log. */
static void write_delta(struct writer *w, u64 create_time, u64 log_id)
{
	const struct mk_layout *l = w->l;
	struct daxfs_branch b;

	daxfs_main_slot(&b, log_id, create_time);
	memcpy(w->map + l->branch_off, &b, sizeof(b));
	if (daxfs_delta_format(w->map + l->delta_off, l->delta_size,
			       w->t->nodes + 1, log_id))
		die("internal error: delta region of %llu bytes",
		    (unsigned long long)l->delta_size);
}

/* ---- superblock ---- */

/* 16 bytes from the content: four CRCs of a summary, different seeds. */
static void make_uuid(u8 *uuid, const struct daxfs_super *s)
{
	__le64 sum[9] = {
		s->meta_crc, s->data_crc, s->total_size, s->inode_count,
		s->data_size, s->delta_size, s->build_time, s->feat_incompat,
		s->strtab_size,
	};

	for (u32 i = 0; i < 4; i++) {
		u32 seed = ~(0x9e3779b9U * (i + 1));
		__le32 v = cpu_to_le32(~daxfs_crc32c_raw(seed, sum,
							 sizeof(sum)));

		memcpy(uuid + 4 * i, &v, 4);
	}
	uuid[6] = (uuid[6] & 0x0f) | 0x80;	/* RFC 9562 version 8 */
	uuid[8] = (uuid[8] & 0x3f) | 0x80;
}

static void write_super(struct writer *w, u32 meta_crc, u32 data_crc,
			u64 build_time, bool branching)
{
	const struct mk_layout *l = w->l;
	static u8 block[DAXFS_SUPER_SIZE];
	struct daxfs_super *s = (void *)block;

	memset(block, 0, sizeof(block));
	s->magic = cpu_to_le64(DAXFS_IMAGE_MAGIC);
	s->version = cpu_to_le32(DAXFS_VERSION);
	s->feat_incompat = cpu_to_le64(branching ?
				       DAXFS_FEAT_INCOMPAT_BRANCHES : 0);
	s->block_size = cpu_to_le32(DAXFS_BLOCK_SIZE);
	s->super_size = cpu_to_le32(sizeof(*s));
	s->total_size = cpu_to_le64(l->total_size);
	s->root_ino = cpu_to_le32(DAXFS_ROOT_INO);
	s->inode_size = cpu_to_le32(sizeof(struct daxfs_inode));
	s->branch_off = cpu_to_le64(l->branch_off);
	s->branch_count = cpu_to_le32(l->branch_count);
	s->branch_size = cpu_to_le32(sizeof(struct daxfs_branch));
	s->inode_off = cpu_to_le64(l->inode_off);
	s->inode_count = cpu_to_le64(w->t->nodes);
	s->extent_off = cpu_to_le64(l->extent_off);
	s->extent_count = cpu_to_le64(w->t->next);
	s->dirent_off = cpu_to_le64(l->dirent_off);
	s->dirent_count = cpu_to_le64(w->t->ndirents);
	s->xattr_off = cpu_to_le64(l->xattr_off);
	s->xattr_count = cpu_to_le64(w->t->nxattrs);
	s->strtab_off = cpu_to_le64(l->strtab_off);
	s->strtab_size = cpu_to_le64(l->strtab_size);
	s->meta_size = cpu_to_le64(l->meta_size);
	s->meta_crc = cpu_to_le32(meta_crc);
	s->data_crc = cpu_to_le32(data_crc);
	s->data_off = cpu_to_le64(l->data_off);
	s->data_size = cpu_to_le64(l->data_size);
	s->delta_off = cpu_to_le64(l->delta_off);
	s->delta_size = cpu_to_le64(l->delta_size);
	s->build_time = cpu_to_le64(build_time);
	make_uuid(s->uuid, s);
	s->crc = cpu_to_le32(daxfs_super_crc(block));
	memcpy(w->map, block, sizeof(block));
}

void write_image(struct mk_target *tg, const struct mk_layout *l,
		 struct mk_tree *t, const struct mk_options *opt)
{
	struct writer w = {
		.l = l, .t = t, .map = tg->map, .data_crc = ~0U,
		.data_at = l->data_off,
	};
	u64 build_time = (u64)t->newest_mtime;
	u32 meta_crc;

	if (!tg->zeroed)
		memset(tg->map, 0, l->total_size);
	w.buf = xmalloc(COPY_BUF);
	copy_dir(&w, t->root, t->root_fd);
	crc_gap(&w, l->data_off + l->data_size);
	free(w.buf);
	progress_done();
	meta_crc = write_meta(&w);
	if (opt->branching) {
		u64 log_id = make_log_id(meta_crc, ~w.data_crc);

		write_delta(&w, build_time, log_id);
	}
	write_super(&w, meta_crc, ~w.data_crc, build_time, opt->branching);
}

/* ---- self-check ---- */

static void report(void *ctx, const char *msg)
{
	(void)ctx;
	err_msg("self-check: %s", msg);
}

void self_check(const struct mk_target *tg)
{
	struct daxfs_image img;

	if (daxfs_image_open(&img, tg->map, tg->size, report, NULL) ||
	    daxfs_validate(&img, DAXFS_VALIDATE_DATA_CRC, report, NULL))
		die("internal error: the image just built is not valid");
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * daxfs-inspect: the superblock, the delta header and mount table, the
 * inodes as the files are now, ls -l style lines.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "inspect.h"
#include "util.h"

const char *err_name(int err)
{
	if (err < 0)
		err = -err;
	if (err == EUCLEAN)
		return "damaged image (EUCLEAN)";
	return strerror(err);
}

void mode_string(u32 mode, char *buf)
{
	static const char types[] = "?pc?d?b?-?l?s???";
	static const char rwx[] = "rwxrwxrwx";

	buf[0] = types[(mode >> 12) & 0xf];
	for (int i = 0; i < 9; i++)
		buf[1 + i] = (mode & (0400 >> i)) ? rwx[i] : '-';
	if (mode & 04000)
		buf[3] = (mode & 0100) ? 's' : 'S';
	if (mode & 02000)
		buf[6] = (mode & 0010) ? 's' : 'S';
	if (mode & 01000)
		buf[9] = (mode & 0001) ? 't' : 'T';
	buf[10] = '\0';
}

void time_string(s64 sec, u32 nsec, char *buf, size_t len)
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "@%" PRId64 ".%09u", sec, nsec);
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%09u",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, nsec);
}

void print_name(FILE *f, const void *bytes, u32 len)
{
	const u8 *name = bytes;

	for (u32 i = 0; i < len; i++) {
		if (name[i] < 0x20 || name[i] >= 0x7f || name[i] == '\\')
			fprintf(f, "\\%03o", name[i]);
		else
			fputc(name[i], f);
	}
}

const char *type_name(u8 ft)
{
	switch (ft) {
	case DAXFS_FT_FIFO:
		return "fifo";
	case DAXFS_FT_CHR:
		return "chr";
	case DAXFS_FT_DIR:
		return "dir";
	case DAXFS_FT_BLK:
		return "blk";
	case DAXFS_FT_REG:
		return "file";
	case DAXFS_FT_LNK:
		return "symlink";
	case DAXFS_FT_SOCK:
		return "sock";
	}
	return "?";
}

void print_inode_line(const struct daxfs_vinode *vi)
{
	const struct daxfs_attr *a = &vi->attr;
	char mode[11], when[48], size[32];
	u32 type = a->mode & DAXFS_S_IFMT;

	mode_string(a->mode, mode);
	time_string(a->mtime_sec, a->mtime_nsec, when, sizeof(when));
	if (type == DAXFS_S_IFCHR || type == DAXFS_S_IFBLK)
		snprintf(size, sizeof(size), "%u, %u", a->rdev_major,
			 a->rdev_minor);
	else
		snprintf(size, sizeof(size), "%" PRIu64, a->size);
	printf("%s %3u %5u %5u %10s %s", mode, a->nlink, a->uid, a->gid,
	       size, when);
}

void print_link_target(struct inspect *in, const struct daxfs_vinode *vi)
{
	char target[DAXFS_SYMLINK_MAX + 1];
	int len;

	if ((vi->attr.mode & DAXFS_S_IFMT) != DAXFS_S_IFLNK)
		return;
	len = daxfs_view_symlink(&in->view, vi, target, sizeof(target));
	if (len < 0) {
		printf(" -> <%s>", err_name(len));
		return;
	}
	fputs(" -> ", stdout);
	print_name(stdout, target, (u32)len);
}

/* One line of `inodes`: 0, or 1 when the inode could not be read. */
static int inode_row(struct inspect *in, u64 ino)
{
	struct daxfs_vinode vi;
	int err = daxfs_view_inode(&in->view, ino, &vi);

	if (err == -ENOENT) {
		printf("%10" PRIu64 " (deleted)\n", ino);
		return 0;
	}
	if (err) {
		printf("%10" PRIu64 " <%s>\n", ino, err_name(err));
		return 1;
	}
	printf("%10" PRIu64 " ", ino);
	print_inode_line(&vi);
	print_link_target(in, &vi);
	putchar('\n');
	return 0;
}

/*
 * The inodes log @slot made up to LSN @upto (where the view stops reading
 * it): every INODE record with DAXFS_RI_NEW (the log has been replayed,
 * so it reads).
 */
static int log_new_inodes(struct inspect *in, u32 slot, u64 upto,
			  struct ino_set *set)
{
	struct daxfs_log_reader r;
	struct daxfs_log_span span;
	struct daxfs_rec_view rec;
	int err;

	err = daxfs_log_span(&in->img, slot, &span);
	if (err)
		return err;
	if (upto < span.tail)
		span.tail = upto;
	err = daxfs_log_reader_init(&r, &in->img, &span);
	if (err)
		return err;
	while ((err = daxfs_log_next(&r, &rec, NULL, NULL)) > 0) {
		struct daxfs_rec_inode ri;

		if (rec.type != DAXFS_REC_INODE)
			continue;
		memcpy(&ri, rec.payload, sizeof(ri));
		if (le32_to_cpu(ri.flags) & DAXFS_RI_NEW)
			ino_get(set, rec.ino, true);
	}
	daxfs_log_reader_release(&r);
	return err;
}

/* The inodes the logs of the view's chain made (freed ones included). */
static int new_inodes(struct inspect *in, struct ino_set *set)
{
	int err = 0;

	for (u32 i = 0; i < in->view.depth && !err; i++)
		err = log_new_inodes(in, in->chain[i], in->upto[i], set);
	return err;
}

int cmd_inodes(struct inspect *in)
{
	struct ino_set made = { { NULL, 0 } };
	struct daxfs_tnode *n;
	int rc = EXIT_OK, err;

	if (open_view(in))
		return EXIT_BAD;
	printf("%10s %-10s %3s %5s %5s %10s %s\n", "ino", "mode", "lnk",
	       "uid", "gid", "size", "mtime (UTC)");
	for (u64 ino = 1; ino <= in->img.inode_count; ino++)
		if (inode_row(in, ino))
			rc = EXIT_BAD;
	if (!in->have_layer)
		return rc;
	err = new_inodes(in, &made);
	if (err) {
		err_msg("%s's logs: %s", view_name(in), err_name(err));
		rc = EXIT_BAD;
	}
	for (n = daxfs_tree_first(&made.tree); n; n = daxfs_tree_next(n)) {
		u64 ino = daxfs_tree_entry(n, struct ino_ent, node)->ino;
		struct daxfs_vinode vi;

		/* made and freed again: not there any more */
		if (daxfs_view_inode(&in->view, ino, &vi) == -ENOENT)
			continue;
		if (inode_row(in, ino))
			rc = EXIT_BAD;
	}
	ino_set_free(&made, false);
	return rc;
}

static void print_features(const char *what, u64 v, u64 known)
{
	printf("%-16s 0x%016" PRIx64, what, v);
	if (v & DAXFS_FEAT_INCOMPAT_BRANCHES & known)
		printf(" branches");
	if (v & ~known)
		printf(" unknown(0x%" PRIx64 ")", v & ~known);
	if (!v)
		printf(" (none)");
	putchar('\n');
}

static void print_range(const char *what, u64 off, u64 count, u64 bytes)
{
	char h[32];

	printf("%-16s offset 0x%" PRIx64 ", %" PRIu64 " entries, %s\n", what,
	       off, count, human_size(bytes, h, sizeof(h)));
}

/* The delta header as stored (whether or not it checks out). */
static void print_delta_header(const struct daxfs_delta_super *ds)
{
	u32 crc = daxfs_crc32c(ds, offsetof(struct daxfs_delta_super, crc));
	char h[32];

	printf("delta magic      0x%016" PRIx64 " (%s)\n",
	       le64_to_cpu(ds->magic),
	       le64_to_cpu(ds->magic) == DAXFS_DELTA_MAGIC ? "ok" : "BAD");
	printf("delta crc        0x%08x (%s)\n", le32_to_cpu(ds->crc),
	       crc == le32_to_cpu(ds->crc) ? "ok" : "BAD");
	printf("delta size       %" PRIu64 " (%s)\n", le64_to_cpu(ds->size),
	       human_size(le64_to_cpu(ds->size), h, sizeof(h)));
	printf("delta pages      %" PRIu64 " of 4 KiB from +0x%" PRIx64 "\n",
	       le64_to_cpu(ds->page_count), le64_to_cpu(ds->first_page));
	printf("bitmap           at +0x%" PRIx64 ", %" PRIu64 " words\n",
	       le64_to_cpu(ds->bitmap_off),
	       (le64_to_cpu(ds->page_count) + 63) / 64);
	printf("groups           %u of %u pages, free counts at +0x%" PRIx64
	       "\n", le32_to_cpu(ds->group_count),
	       le32_to_cpu(ds->group_pages), le64_to_cpu(ds->groups_off));
	printf("first_ino        %" PRIu64 "\n", le64_to_cpu(ds->first_ino));
	printf("mount_slots      %u\n", le32_to_cpu(ds->mount_slots));
}

static u64 shared_word(struct inspect *in, size_t field)
{
	return daxfs_word_load(&in->img, in->img.delta.shared_off + field);
}

/* The mount table's used slots. */
static void print_mounts(struct inspect *in)
{
	u32 used = 0;

	for (u32 i = 0; i < DAXFS_MOUNT_SLOTS; i++) {
		struct daxfs_mount_slot m;

		if (daxfs_image_read(&in->img, daxfs_mount_word(&in->img, i, 0),
				     &m, sizeof(m)) || !m.id)
			continue;
		printf("mount slot %-5u id 0x%016" PRIx64 ", heartbeat %" PRIu64
		       ", seen epoch %" PRIu64 ", branch %u%s", i,
		       le64_to_cpu(m.id), le64_to_cpu(m.heartbeat),
		       le64_to_cpu(m.seen_epoch), le32_to_cpu(m.branch),
		       le32_to_cpu(m.flags) & DAXFS_MOUNT_RW ?
		       ", writable" : "");
		if (le32_to_cpu(m.flags) & ~DAXFS_MOUNT_RW)
			printf(", flags 0x%x", le32_to_cpu(m.flags));
		if (!(le32_to_cpu(m.flags) & DAXFS_MOUNT_RW))
			printf(", its log read to %" PRIu64,
			       le64_to_cpu(m.shown_lsn));
		if (le32_to_cpu(m.pinned) != DAXFS_BRANCH_NONE)
			printf(", pins branch %u up to %" PRIu64,
			       le32_to_cpu(m.pinned),
			       le64_to_cpu(m.pinned_lsn));
		putchar('\n');
		used++;
	}
	printf("mounts           %u of %u slots in use%s\n", used,
	       DAXFS_MOUNT_SLOTS, used ? "" : " (none mounted, or a clean "
	       "unmount)");
}

static void print_delta(struct inspect *in)
{
	struct first_problem fp = { .seen = false };
	struct daxfs_delta_super ds;
	struct daxfs_alloc a;
	int err;

	if (!in->img.delta_size)
		return;
	if (daxfs_image_read(&in->img, in->img.delta_off, &ds, sizeof(ds))) {
		printf("delta header     <outside the mapped region>\n");
		return;
	}
	print_delta_header(&ds);
	err = open_delta(in, first_report, &fp);
	if (err) {
		printf("delta region     <%s>\n", fp.seen ? fp.msg :
		       err_name(err));
		return;
	}
	if (!daxfs_alloc_init(&a, &in->img))
		printf("free pages       %" PRIu64 " of %" PRIu64 " (group "
		       "counts)\n", daxfs_alloc_free(&a),
		       in->img.delta.page_count);
	printf("next_ino         %" PRIu64 "\n",
	       shared_word(in, offsetof(struct daxfs_shared, next_ino)));
	printf("epoch            %" PRIu64 "\n",
	       shared_word(in, offsetof(struct daxfs_shared, epoch)));
	print_mounts(in);
}

int cmd_super(struct inspect *in)
{
	const struct daxfs_image *img = &in->img;
	struct daxfs_super sb;
	char h[32], when[48];
	u32 crc;

	memcpy(&sb, in->reg.base, sizeof(sb));
	crc = daxfs_super_crc(in->reg.base);
	printf("source           %s (%s)\n", in->reg.desc,
	       human_size(in->reg.size, h, sizeof(h)));
	printf("magic            0x%016" PRIx64 " (DDAXFS1)\n",
	       le64_to_cpu(sb.magic));
	printf("version          %u\n", le32_to_cpu(sb.version));
	printf("crc              0x%08x (%s)\n", le32_to_cpu(sb.crc),
	       crc == le32_to_cpu(sb.crc) ? "ok" : "BAD");
	print_features("feat_compat", img->feat_compat,
		       DAXFS_FEAT_COMPAT_SUPP);
	print_features("feat_ro_compat", img->feat_ro_compat,
		       DAXFS_FEAT_RO_COMPAT_SUPP);
	print_features("feat_incompat", img->feat_incompat,
		       DAXFS_FEAT_INCOMPAT_SUPP);
	printf("block_size       %u\n", le32_to_cpu(sb.block_size));
	printf("super_size       %u\n", le32_to_cpu(sb.super_size));
	printf("total_size       %" PRIu64 " (%s)\n", img->total_size,
	       human_size(img->total_size, h, sizeof(h)));
	printf("uuid             ");
	for (int i = 0; i < 16; i++)
		printf("%02x%s", sb.uuid[i],
		       i == 3 || i == 5 || i == 7 || i == 9 ? "-" : "");
	putchar('\n');
	printf("root_ino         %u\n", img->root_ino);
	printf("inode_size       %u\n", le32_to_cpu(sb.inode_size));
	printf("branch table     offset 0x%" PRIx64 ", %u slots of %u "
	       "bytes\n", img->branch_off, img->branch_count,
	       le32_to_cpu(sb.branch_size));
	print_range("inodes", img->inode_off, img->inode_count,
		    img->inode_count * sizeof(struct daxfs_inode));
	print_range("extents", img->extent_off, img->extent_count,
		    img->extent_count * sizeof(struct daxfs_extent));
	print_range("dirents", img->dirent_off, img->dirent_count,
		    img->dirent_count * sizeof(struct daxfs_dirent));
	print_range("xattrs", img->xattr_off, img->xattr_count,
		    img->xattr_count * sizeof(struct daxfs_xattr));
	printf("strtab           offset 0x%" PRIx64 ", %s\n", img->strtab_off,
	       human_size(img->strtab_size, h, sizeof(h)));
	printf("meta_size        %" PRIu64 "\n", img->meta_size);
	printf("meta_crc         0x%08x\n", le32_to_cpu(sb.meta_crc));
	printf("data             offset 0x%" PRIx64 ", %" PRIu64 " bytes "
	       "(%s)\n", img->data_off, img->data_size,
	       human_size(img->data_size, h, sizeof(h)));
	printf("data_crc         0x%08x\n", le32_to_cpu(sb.data_crc));
	printf("delta            offset 0x%" PRIx64 ", %" PRIu64 " bytes "
	       "(%s)\n", img->delta_off, img->delta_size,
	       human_size(img->delta_size, h, sizeof(h)));
	time_string((s64)le64_to_cpu(sb.build_time), 0, when, sizeof(when));
	printf("build_time       %" PRId64 " (%.19s UTC)\n",
	       (s64)le64_to_cpu(sb.build_time), when);
	print_delta(in);
	return EXIT_OK;
}

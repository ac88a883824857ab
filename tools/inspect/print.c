// SPDX-License-Identifier: GPL-2.0 OR MIT
/* daxfs-inspect: the superblock, the inode table, ls -l style lines. */
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

void print_inode_line(struct inspect *in, const struct daxfs_inode_info *ii)
{
	char mode[11], when[48], size[32];
	u32 type = ii->mode & DAXFS_S_IFMT;

	(void)in;
	mode_string(ii->mode, mode);
	time_string(ii->mtime_sec, ii->mtime_nsec, when, sizeof(when));
	if (type == DAXFS_S_IFCHR || type == DAXFS_S_IFBLK)
		snprintf(size, sizeof(size), "%u, %u", ii->rdev_major,
			 ii->rdev_minor);
	else
		snprintf(size, sizeof(size), "%" PRIu64, ii->size);
	printf("%s %3u %5u %5u %10s %s", mode, ii->nlink, ii->uid, ii->gid,
	       size, when);
}

void print_link_target(struct inspect *in, const struct daxfs_inode_info *ii)
{
	char target[DAXFS_SYMLINK_MAX + 1];
	int len;

	if ((ii->mode & DAXFS_S_IFMT) != DAXFS_S_IFLNK)
		return;
	len = daxfs_symlink_read(&in->img, ii, target, sizeof(target));
	if (len < 0) {
		printf(" -> <%s>", err_name(len));
		return;
	}
	fputs(" -> ", stdout);
	print_name(stdout, target, (u32)len);
}

int cmd_inodes(struct inspect *in)
{
	struct daxfs_inode_info ii;
	int rc = EXIT_OK;

	printf("%10s %-10s %3s %5s %5s %10s %s\n", "ino", "mode", "lnk",
	       "uid", "gid", "size", "mtime (UTC)");
	for (u64 ino = 1; ino <= in->img.inode_count; ino++) {
		int err = daxfs_inode_read(&in->img, ino, &ii);

		if (err) {
			printf("%10" PRIu64 " <%s>\n", ino, err_name(err));
			rc = EXIT_BAD;
			continue;
		}
		printf("%10" PRIu64 " ", ino);
		print_inode_line(in, &ii);
		print_link_target(in, &ii);
		putchar('\n');
	}
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

static void print_delta(struct inspect *in)
{
	struct daxfs_delta_super ds;
	u64 off = in->img.delta_off;

	if (!in->img.delta_size)
		return;
	if (off > in->reg.size || in->reg.size - off < sizeof(ds)) {
		printf("delta header     <outside the mapped region>\n");
		return;
	}
	memcpy(&ds, (const u8 *)in->reg.base + off, sizeof(ds));
	printf("delta magic      0x%016" PRIx64 "%s\n",
	       le64_to_cpu(ds.magic),
	       le64_to_cpu(ds.magic) == DAXFS_DELTA_MAGIC ? " (ok)" :
	       " (BAD)");
	printf("delta pages      %" PRIu64 " (%" PRIu64 " free), bitmap at "
	       "+0x%" PRIx64 ", first page at +0x%" PRIx64 "\n",
	       le64_to_cpu(ds.page_count), le64_to_cpu(ds.free_pages),
	       le64_to_cpu(ds.bitmap_off), le64_to_cpu(ds.first_page));
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

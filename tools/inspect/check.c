// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * daxfs-inspect check: the fsck.  Everything is decided by the portable
 * core's validator; this file reports what it finds and sums up a clean
 * image.
 */
#include <inttypes.h>
#include <stdio.h>

#include "inspect.h"
#include "util.h"

struct check_ctx {
	u64 problems;
};

static void check_report(void *ctx, const char *msg)
{
	struct check_ctx *c = ctx;

	c->problems++;
	printf("%s\n", msg);
}

static void print_summary(struct inspect *in)
{
	u64 dirs = 0, files = 0, links = 0, other = 0, bytes = 0;
	struct daxfs_inode_info ii;
	char h[32];

	for (u64 ino = 1; ino <= in->img.inode_count; ino++) {
		if (daxfs_inode_read(&in->img, ino, &ii))
			continue;
		switch (ii.mode & DAXFS_S_IFMT) {
		case DAXFS_S_IFDIR:
			dirs++;
			break;
		case DAXFS_S_IFREG:
			files++;
			bytes += ii.size;
			break;
		case DAXFS_S_IFLNK:
			links++;
			break;
		default:
			other++;
		}
	}
	printf("clean: %" PRIu64 " inodes (%" PRIu64 " directories, %" PRIu64
	       " files, %" PRIu64 " symlinks, %" PRIu64 " other), %" PRIu64
	       " extents, %" PRIu64 " xattrs, %s of file data",
	       in->img.inode_count, dirs, files, links, other,
	       in->img.extent_count, in->img.xattr_count,
	       human_size(bytes, h, sizeof(h)));
	if (in->img.feat_incompat & DAXFS_FEAT_INCOMPAT_BRANCHES)
		printf(", %u branch slots, %s delta",
		       in->img.branch_count,
		       human_size(in->img.delta_size, h, sizeof(h)));
	putchar('\n');
}

int cmd_check(struct inspect *in)
{
	struct check_ctx c = { 0 };
	int err;

	err = daxfs_image_open(&in->img, in->reg.base, in->reg.size,
			       check_report, &c);
	if (err) {
		if (!c.problems)
			printf("superblock: %s\n", err_name(err));
		printf("%s: not a usable DAXFS image\n", in->reg.desc);
		return EXIT_BAD;
	}
	err = daxfs_validate(&in->img,
			     DAXFS_VALIDATE_ALL | DAXFS_VALIDATE_DATA_CRC,
			     check_report, &c);
	if (err == -ENOMEM) {
		err_msg("check: out of memory");
		return EXIT_BAD;
	}
	if (err && !c.problems)
		check_report(&c, err_name(err));
	if (!err && check_logs(in, check_report, &c) && !c.problems)
		check_report(&c, "branch logs damaged");
	if (c.problems) {
		printf("%s: %" PRIu64 " problem%s found\n", in->reg.desc,
		       c.problems, c.problems == 1 ? "" : "s");
		return EXIT_BAD;
	}
	print_summary(in);
	return EXIT_OK;
}

struct first_problem {
	char msg[256];
	bool seen;
};

static void first_report(void *ctx, const char *msg)
{
	struct first_problem *fp = ctx;

	if (!fp->seen)
		snprintf(fp->msg, sizeof(fp->msg), "%s", msg);
	fp->seen = true;
}

int quick_validate(struct inspect *in, const char *why)
{
	struct first_problem fp = { .seen = false };
	int err = daxfs_validate(&in->img, 0, first_report, &fp);

	if (err)
		err_msg("%s: image fails validation (%s), refusing to %s; run "
			"check for details", in->reg.desc,
			fp.seen ? fp.msg : err_name(err), why);
	return err;
}

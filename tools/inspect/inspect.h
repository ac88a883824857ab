/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* daxfs-inspect: what the command files share. */
#ifndef _DAXFS_INSPECT_H
#define _DAXFS_INSPECT_H

#include <stdio.h>

#include "daxfs_core.h"
#include "region.h"

/* Exit statuses. */
#define EXIT_OK		0
#define EXIT_BAD	1	/* an error, or a damaged image */
#define EXIT_USAGE	2

struct inspect {
	struct region reg;
	struct daxfs_image img;
};

/* main.c */
void inspect_report(void *ctx, const char *msg);

/* print.c: super, inodes, and the ls -l style helpers */
int cmd_super(struct inspect *in);
int cmd_inodes(struct inspect *in);
/* "drwxr-xr-x" style mode string into @buf (11 bytes). */
void mode_string(u32 mode, char *buf);
/* "2026-01-02 03:04:05.123456789" (UTC) into @buf (40 bytes). */
void time_string(s64 sec, u32 nsec, char *buf, size_t len);
/* Write @len name bytes to @f, non-printable bytes and '\' as \ooo. */
void print_name(FILE *f, const void *name, u32 len);
/* One ls -l style line for @ino (no newline, no name). */
void print_inode_line(struct inspect *in, const struct daxfs_inode_info *ii);
/* " -> target" for a symlink, nothing otherwise. */
void print_link_target(struct inspect *in, const struct daxfs_inode_info *ii);
const char *err_name(int err);

/* walk.c: path resolution, ls, cat */
/*
 * Resolve @path from the root.  Symlinks in intermediate components are
 * followed inside the image (absolute targets start at the image root);
 * the last one only when @follow_last.  0 or a negative errno (with a
 * message already printed).
 */
int resolve_path(struct inspect *in, const char *path, bool follow_last,
		 struct daxfs_inode_info *out);
/*
 * Call @fn for each run of a regular file in order: @data points at the
 * region bytes, or is NULL for a hole (zeros).  Stops at the first
 * non-zero return of @fn and returns it; negative errno on a bad map.
 */
typedef int (*file_run_fn)(void *ctx, u64 pos, const u8 *data, u64 len);
int file_runs(struct inspect *in, const struct daxfs_inode_info *ii,
	      file_run_fn fn, void *ctx);
int cmd_ls(struct inspect *in, const char *path);
int cmd_cat(struct inspect *in, const char *path);

/* extract.c */
int cmd_extract(struct inspect *in, const char *dir);

/* check.c */
int cmd_check(struct inspect *in);
/* Run the full validator quietly; 0 if the image is sound. */
int quick_validate(struct inspect *in, const char *why);

/* log.c */
int cmd_branches(struct inspect *in);
int cmd_log(struct inspect *in, const char *branch);
/* Walk the log of every live branch; each problem goes to @report. */
int check_logs(struct inspect *in, daxfs_report_fn report, void *ctx);

#endif /* _DAXFS_INSPECT_H */

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

/*
 * The image, and the files as they are now: the base with the layers of
 * a branch's chain (branching images: every slot from slot 0 up to the
 * top the branch's name leads to, each log replayed into its own layer,
 * a parent's only up to where the next slot forked from it), or the
 * base alone (@view has no layer).  The branch is main, or @branch (-b).
 * Whole layers are replayed once per slot and kept in @slot_layer (check
 * replays every slot's); a cut one belongs to @view alone (@cut).  The
 * region is only read: img.wbase stays NULL.
 */
struct inspect {
	struct region reg;
	struct daxfs_image img;
	struct daxfs_view view;
	const char *branch;		/* -b NAME or #SLOT; NULL: main */
	u32 chain[DAXFS_BTAB_MAX_DEPTH];	/* @view's slots, root first */
	u64 upto[DAXFS_BTAB_MAX_DEPTH];		/* each log read up to */
	bool cut[DAXFS_BTAB_MAX_DEPTH];		/* layer[i] is @view's */
	struct daxfs_layer **slot_layer;	/* by slot; NULL: not replayed */
	struct daxfs_replay_info *slot_info;	/* by slot: its replay */
	struct daxfs_bslot *bslot;		/* the branch table, decoded */
	struct daxfs_btab btab;
	struct daxfs_replay_info replay;	/* summed over the view */
	bool have_delta;		/* daxfs_delta_open() succeeded */
	bool have_layer;		/* @view holds a chain (@chain) */
};

/* The first line a core function reports, for a one-line message. */
struct first_problem {
	char msg[256];
	bool seen;
};

/* main.c */
void inspect_report(void *ctx, const char *msg);
/* A daxfs_report_fn keeping the first line in a struct first_problem. */
void first_report(void *ctx, const char *msg);

/* view.c: the current view, and inode numbers seen in walks */
/*
 * Set up in->view: for a branching image open the delta region and
 * replay the chain of main, or of in->branch (a damaged log is an error:
 * one line, "run check"; so is a branch that is no live name, and -b on
 * an image without branches).  0 or a negative errno (message printed).
 */
int open_view(struct inspect *in);
/* The name of the branch the view shows: "main" or in->branch. */
const char *view_name(const struct inspect *in);
void close_view(struct inspect *in);
/*
 * The layer of slot @slot (its log replayed over its chain's layers),
 * replayed once: 0, -ESTALE (its chain is broken: a parent was reused),
 * or an error reported to @report.
 */
int slot_layer(struct inspect *in, u32 slot, daxfs_report_fn report,
	       void *ctx, struct daxfs_layer **out);
/* Open main's chain into in->view, reporting to @report. */
int open_main(struct inspect *in, daxfs_report_fn report, void *ctx);
/* Open the delta region only (super, branches, log): 0 or errno. */
int open_delta(struct inspect *in, daxfs_report_fn report, void *ctx);
/* The inode @ino of the view, with a message on failure. */
int view_inode(struct inspect *in, u64 ino, struct daxfs_vinode *out);
/*
 * The entries of directory @dir through the view, sorted by name (as
 * ls(1) shows them): *@out (free it) and the count, or a negative errno.
 */
long read_dir(struct inspect *in, const struct daxfs_vinode *dir,
	      struct daxfs_dirent_info **out);

/* A set of inode numbers (any u64), with a pointer per inode. */
struct ino_ent {
	struct daxfs_tnode node;
	u64 ino;
	void *data;
};

struct ino_set {
	struct daxfs_tree tree;
};

/* The entry of @ino; added (data NULL) when @add, else NULL if absent. */
struct ino_ent *ino_get(struct ino_set *s, u64 ino, bool add);
/* Free the entries, and with @free_data their data. */
void ino_set_free(struct ino_set *s, bool free_data);

/* print.c: super, inodes, and the ls -l style helpers */
int cmd_super(struct inspect *in);
int cmd_inodes(struct inspect *in);
/* "drwxr-xr-x" style mode string into @buf (11 bytes). */
void mode_string(u32 mode, char *buf);
/* "2026-01-02 03:04:05.123456789" (UTC) into @buf (40 bytes). */
void time_string(s64 sec, u32 nsec, char *buf, size_t len);
/* Write @len name bytes to @f, non-printable bytes and '\' as \ooo. */
void print_name(FILE *f, const void *name, u32 len);
/* One ls -l style line for an inode (no newline, no name). */
void print_inode_line(const struct daxfs_vinode *vi);
/* " -> target" for a symlink, nothing otherwise. */
void print_link_target(struct inspect *in, const struct daxfs_vinode *vi);
const char *err_name(int err);
const char *type_name(u8 ft);

/* walk.c: path resolution, ls, cat */
/*
 * Resolve @path from the root of the view.  Symlinks in intermediate
 * components are followed inside the image (absolute targets start at
 * the image root); the last one only when @follow_last.  0 or a
 * negative errno (with a message already printed).
 */
int resolve_path(struct inspect *in, const char *path, bool follow_last,
		 struct daxfs_vinode *out);
/*
 * Call @fn for each run of a regular file in order: @data points at the
 * region bytes, or is NULL for a hole (zeros).  Stops at the first
 * non-zero return of @fn and returns it; negative errno on a bad map.
 */
typedef int (*file_run_fn)(void *ctx, u64 pos, const u8 *data, u64 len);
int file_runs(struct inspect *in, const struct daxfs_vinode *vi,
	      file_run_fn fn, void *ctx);
int cmd_ls(struct inspect *in, const char *path);
int cmd_cat(struct inspect *in, const char *path);

/* extract.c */
int cmd_extract(struct inspect *in, const char *dir);

/* check.c */
int cmd_check(struct inspect *in);
/* Run the full validator quietly; 0 if the image is sound. */
int quick_validate(struct inspect *in, const char *why);

/* space.c: the delta pages in use against the bitmap (for check) */
struct space_stats {
	u64 log_pages;			/* chunks of main's log */
	u64 data_pages;			/* data pages main's layer holds */
	u64 stale_pages;		/* chunks linked past the tail */
	u64 free_pages;			/* from the group counts */
	u64 warnings;
};
/*
 * Compare the bitmap and group counts with the pages main's log and
 * layer use: problems and warnings ("warning: ...") go to @report.
 * Needs the delta region open and main's log replayed.
 */
int check_space(struct inspect *in, struct space_stats *st,
		daxfs_report_fn report, void *ctx);

/* log.c */
int cmd_branches(struct inspect *in);
int cmd_log(struct inspect *in, const char *branch);
/* A record type's name ("dirent-add"), "?" for an unknown one. */
const char *rec_type_name(u16 type);

#endif /* _DAXFS_INSPECT_H */

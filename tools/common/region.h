/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Read-only access to a DAXFS region for the tools: an image file
 * (mmap), physical memory (/dev/mem) or a mounted DAXFS (a private copy
 * read through DAXFS_IOC_READ_REGION).
 */
#ifndef _DAXFS_TOOLS_REGION_H
#define _DAXFS_TOOLS_REGION_H

#include <stdint.h>
#include <stddef.h>

enum region_kind {
	REGION_NONE = 0,
	REGION_FILE,
	REGION_PHYS,
	REGION_MOUNT,
};

struct region {
	enum region_kind kind;
	const void *base;		/* first byte, read-only */
	uint64_t size;			/* bytes readable at @base */
	void *map;			/* what region_close() unmaps */
	size_t map_len;
	const char *desc;		/* for messages: path or address */
	char desc_buf[64];
};

/*
 * Each opener prints one line (via err_msg) and returns -1 on failure,
 * 0 on success.  region_close() releases whatever was opened.
 */
int region_open_file(struct region *r, const char *path);
int region_open_phys(struct region *r, uint64_t addr, uint64_t size);
int region_open_mount(struct region *r, const char *mnt);
void region_close(struct region *r);

#endif /* _DAXFS_TOOLS_REGION_H */

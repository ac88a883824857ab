// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Open a DAXFS region read-only, from an image file, from physical
 * memory through /dev/mem, or from a mounted DAXFS through its ioctls.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/fs.h>

#include "daxfs_ioctl.h"
#include "region.h"
#include "util.h"

/* Bytes asked of DAXFS_IOC_READ_REGION per call. */
#define REGION_READ_CHUNK	(16ULL << 20)

static void region_init(struct region *r, enum region_kind kind,
			const char *desc)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->desc = desc;
}

int region_open_file(struct region *r, const char *path)
{
	struct stat st;
	void *p;
	int fd;

	region_init(r, REGION_FILE, path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_msg("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		err_msg("%s: %s", path, strerror(errno));
		goto out_close;
	}
	if (S_ISDIR(st.st_mode)) {
		err_msg("%s: is a directory (use -m MNT for a mount)", path);
		goto out_close;
	}
	if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &r->size) < 0) {
		err_msg("%s: cannot get device size: %s", path,
			strerror(errno));
		goto out_close;
	} else if (!S_ISBLK(st.st_mode)) {
		if (!S_ISREG(st.st_mode)) {
			err_msg("%s: not a regular file or block device",
				path);
			goto out_close;
		}
		r->size = (uint64_t)st.st_size;
	}
	if (r->size == 0) {
		err_msg("%s: empty file, not a DAXFS image", path);
		goto out_close;
	}
	if (r->size > SIZE_MAX) {
		err_msg("%s: too large to map", path);
		goto out_close;
	}
	p = mmap(NULL, r->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		err_msg("%s: mmap: %s", path, strerror(errno));
		goto out_close;
	}
	close(fd);
	r->map = p;
	r->map_len = r->size;
	r->base = p;
	return 0;

out_close:
	close(fd);
	r->kind = REGION_NONE;
	return -1;
}

int region_open_phys(struct region *r, uint64_t addr, uint64_t size)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p;
	int fd;

	region_init(r, REGION_PHYS, NULL);
	snprintf(r->desc_buf, sizeof(r->desc_buf), "phys 0x%" PRIx64, addr);
	r->desc = r->desc_buf;
	if (size == 0 || size > SIZE_MAX || addr + size < addr) {
		err_msg("%s: bad size 0x%" PRIx64, r->desc, size);
		goto fail;
	}
	if (pg > 0 && addr % (uint64_t)pg) {
		err_msg("%s: address not aligned to the page size (%ld)",
			r->desc, pg);
		goto fail;
	}
	fd = open("/dev/mem", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_msg("/dev/mem: %s%s", strerror(errno),
			errno == EACCES || errno == EPERM ?
			" (needs root)" : "");
		goto fail;
	}
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, (off_t)addr);
	close(fd);
	if (p == MAP_FAILED) {
		err_msg("%s: mmap of /dev/mem (size 0x%" PRIx64 "): %s",
			r->desc, size, strerror(errno));
		goto fail;
	}
	r->map = p;
	r->map_len = size;
	r->base = p;
	r->size = size;
	return 0;

fail:
	r->kind = REGION_NONE;
	return -1;
}

/* Copy the region of the mount behind @fd into @buf, chunk by chunk. */
static int region_read_mount(struct region *r, int fd, uint8_t *buf,
			     uint64_t len)
{
	uint64_t done = 0;

	while (done < len) {
		struct daxfs_ioc_read rd = {
			.offset = done,
			.len = len - done < REGION_READ_CHUNK ?
			       len - done : REGION_READ_CHUNK,
			.buf = (uintptr_t)(buf + done),
		};
		long n = ioctl(fd, DAXFS_IOC_READ_REGION, &rd);

		if (n < 0) {
			err_msg("%s: DAXFS_IOC_READ_REGION at 0x%" PRIx64
				": %s", r->desc, done, strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		done += (uint64_t)n;
	}
	r->size = done;
	return 0;
}

int region_open_mount(struct region *r, const char *mnt)
{
	struct daxfs_ioc_info info;
	uint64_t len;
	void *p;
	int fd;

	region_init(r, REGION_MOUNT, mnt);
	fd = open(mnt, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_msg("%s: %s", mnt, strerror(errno));
		goto fail;
	}
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, DAXFS_IOC_INFO, &info) < 0) {
		if (errno == ENOTTY || errno == EINVAL || errno == ENOTSUP)
			err_msg("%s: not a DAXFS mount", mnt);
		else
			err_msg("%s: DAXFS_IOC_INFO: %s%s", mnt,
				strerror(errno), errno == EPERM ?
				" (needs CAP_SYS_ADMIN)" : "");
		goto out_close;
	}
	len = info.region_size;
	if (len == 0 || len > SIZE_MAX) {
		err_msg("%s: mount reports a region of %" PRIu64 " bytes",
			mnt, len);
		goto out_close;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		err_msg("%s: cannot allocate %" PRIu64 " bytes: %s", mnt,
			len, strerror(errno));
		goto out_close;
	}
	r->map = p;
	r->map_len = len;
	if (region_read_mount(r, fd, p, len) < 0)
		goto out_unmap;
	if (r->size == 0) {
		err_msg("%s: the mount returned no region bytes", mnt);
		goto out_unmap;
	}
	close(fd);
	mprotect(p, len, PROT_READ);
	r->base = p;
	return 0;

out_unmap:
	munmap(r->map, r->map_len);
	r->map = NULL;
out_close:
	close(fd);
fail:
	r->kind = REGION_NONE;
	return -1;
}

void region_close(struct region *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	memset(r, 0, sizeof(*r));
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * dxmount: mount a DAXFS image for the guest tests.
 *
 *   dxmount opts MNT OPTIONS            mount(2) -t daxfs -o OPTIONS none MNT
 *   dxmount vgem IMAGE MNT [OPTS]       IMAGE copied into a vgem dma-buf
 *   dxmount heap DEV IMAGE MNT [OPTS]   IMAGE copied into a dma-buf that the
 *                                       dma-heap DEV allocates
 *   dxmount fd FILE MNT                 pass FILE's fd as "dmabuf" (must fail)
 *   dxmount phys IMAGE ADDR LEN MNT [OPTS]
 *                                       IMAGE copied to physical ADDR (via
 *                                       /dev/mem, the rest of LEN zeroed),
 *                                       then mount -o phys=ADDR,size=LEN
 *   dxmount cycles N MNT OPTIONS        N times: mount(2), read everything
 *                                       (read, mmap, readlink, xattrs),
 *                                       unmount; any error fails
 *
 * Kernel log lines that appear while the mount is attempted are copied to
 * stderr as "dxmount: kmsg: LINE" (read from /dev/kmsg), so that a test
 * can count them without running dmesg.
 *
 * The dma-buf forms use the new mount API: fsopen("daxfs"),
 * fsconfig(FSCONFIG_SET_FD, "dmabuf"), then each OPTS item as a flag or
 * key=value string, FSCONFIG_CMD_CREATE, fsmount, move_mount.  The mount
 * holds the dma-buf; this program exits and the mount stays.
 *
 * Exit status: 0 mounted; 2 the filesystem refused the mount (the errno
 * name is printed on stdout, the kernel's fs_context messages on stderr);
 * 1 anything else.
 */
#include <dirent.h>
#include <ftw.h>
#include <sys/ioctl.h>
#include <sys/xattr.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/mount.h>
#include "common.h"

/* The DRM uapi pieces used here (stable ABI, see include/uapi/drm). */
struct dx_drm_version {
	int version_major;
	int version_minor;
	int version_patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};

struct dx_drm_create_dumb {
	uint32_t height;
	uint32_t width;
	uint32_t bpp;
	uint32_t flags;
	uint32_t handle;
	uint32_t pitch;
	uint64_t size;
};

struct dx_drm_prime_handle {
	uint32_t handle;
	uint32_t flags;
	int32_t fd;
};

#define DX_DRM_IOCTL_VERSION	_IOWR('d', 0x00, struct dx_drm_version)
#define DX_DRM_IOCTL_PRIME_HANDLE_TO_FD \
				_IOWR('d', 0x2d, struct dx_drm_prime_handle)
#define DX_DRM_IOCTL_MODE_CREATE_DUMB \
				_IOWR('d', 0xb2, struct dx_drm_create_dumb)
#define DX_DRM_CLOEXEC		O_CLOEXEC
#define DX_DRM_RDWR		O_RDWR

#define PAGE			4096UL

static size_t page_round(size_t n)
{
	return (n + PAGE - 1) & ~(PAGE - 1);
}

static int kmsg_fd = -1;

/* Start watching the kernel log: later records are new. */
static void kmsg_open(void)
{
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
}

/* Copy the kernel log records since kmsg_open() to stderr. */
static void kmsg_dump(void)
{
	char rec[2048];
	ssize_t n;

	if (kmsg_fd < 0)
		return;
	for (;;) {
		char *msg;

		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: skip */
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		msg[strcspn(msg, "\n")] = 0;
		fprintf(stderr, "%s: kmsg: %s\n", helper_name, msg);
	}
}

/* Report a refused mount: errno name on stdout, exit 2. */
static void __attribute__((noreturn)) refused(const char *what, int e)
{
	kmsg_dump();
	fprintf(stderr, "%s: %s: %s\n", helper_name, what, strerror(e));
	printf("%s\n", strerrorname_np(e) ? strerrorname_np(e) : "EUNKNOWN");
	exit(2);
}

static int mount_opts(const char *mnt, const char *opts)
{
	if (syscall(SYS_mount, "none", mnt, "daxfs", 0UL, opts) < 0)
		refused("mount", errno);
	kmsg_dump();
	return 0;
}

static int mount_phys(const char *image, const char *addr, const char *len,
		      const char *mnt, const char *extra)
{
	uint64_t a = parse_num(addr), l = parse_num(len);
	char opts[512];
	size_t n;
	char *img = read_file(image, &n), *p;
	int fd = open("/dev/mem", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die_errno("/dev/mem");
	if (n > l || a % PAGE || l % PAGE || !l)
		die("%s: %zu bytes, region %s+%s unusable", image, n, addr,
		    len);
	p = mmap(NULL, l, PROT_READ | PROT_WRITE, MAP_SHARED, fd, a);
	if (p == MAP_FAILED)
		die_errno("mmap /dev/mem at %s", addr);
	memcpy(p, img, n);
	memset(p + n, 0, l - n);
	munmap(p, l);
	close(fd);
	free(img);
	snprintf(opts, sizeof(opts), "phys=%s,size=%s%s%s", addr, len,
		 extra && *extra ? "," : "", extra ? extra : "");
	return mount_opts(mnt, opts);
}

/* ---- cycles: read everything under a mount, in-process ---- */
static int walk_errors;

static int read_one(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	static char buf[1 << 16];
	char list[4096];
	ssize_t n, i;

	(void)ftw;
	if (type == FTW_NS || type == FTW_DNR) {
		walk_errors++;
		return 0;
	}
	if (S_ISREG(st->st_mode)) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		volatile char sum = 0;

		if (fd < 0) {
			walk_errors++;
			return 0;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		if (n < 0)
			walk_errors++;
		if (st->st_size) {
			char *m = mmap(NULL, st->st_size, PROT_READ,
				       MAP_SHARED, fd, 0);

			if (m == MAP_FAILED) {
				walk_errors++;
			} else {
				for (i = 0; i < st->st_size; i += PAGE)
					sum += m[i];
				munmap(m, st->st_size);
			}
		}
		close(fd);
	} else if (S_ISLNK(st->st_mode)) {
		if (readlink(path, buf, sizeof(buf)) < 0)
			walk_errors++;
	}
	n = llistxattr(path, list, sizeof(list));
	if (n < 0)
		walk_errors++;
	for (i = 0; i < n; i += strlen(list + i) + 1)
		if (lgetxattr(path, list + i, buf, sizeof(buf)) < 0)
			walk_errors++;
	return 0;
}

static int cycles(long count, const char *mnt, const char *opts)
{
	long i;

	for (i = 0; i < count; i++) {
		if (syscall(SYS_mount, "none", mnt, "daxfs", 0UL, opts) < 0)
			die_errno("cycle %ld: mount", i);
		walk_errors = 0;
		if (nftw(mnt, read_one, 16, FTW_PHYS) < 0 || walk_errors)
			die("cycle %ld: %d errors reading the mount", i,
			    walk_errors ? walk_errors : 1);
		if (syscall(SYS_umount2, mnt, 0) < 0)
			die_errno("cycle %ld: umount", i);
	}
	return 0;
}

/* Find the vgem DRM device among /dev/dri/card*. */
static int open_vgem(void)
{
	char path[64], name[64];
	int i;

	for (i = 0; i < 64; i++) {
		struct dx_drm_version v = { 0 };
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (ioctl(fd, DX_DRM_IOCTL_VERSION, &v) == 0 &&
		    strcmp(name, "vgem") == 0)
			return fd;
		close(fd);
	}
	die("no vgem device in /dev/dri (modprobe vgem?)");
}

static int vgem_dmabuf(size_t size)
{
	struct dx_drm_create_dumb cd = { 0 };
	struct dx_drm_prime_handle ph = { 0 };
	int drm = open_vgem();

	cd.width = PAGE;
	cd.bpp = 8;
	cd.height = size / PAGE;
	if (ioctl(drm, DX_DRM_IOCTL_MODE_CREATE_DUMB, &cd) < 0)
		die_errno("vgem: create dumb buffer of %zu bytes", size);
	ph.handle = cd.handle;
	ph.flags = DX_DRM_CLOEXEC | DX_DRM_RDWR;
	if (ioctl(drm, DX_DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph) < 0)
		die_errno("vgem: export dma-buf");
	close(drm);	/* the dma-buf keeps the object */
	return ph.fd;
}

static int heap_dmabuf(const char *dev, size_t size)
{
	struct dma_heap_allocation_data a = { 0 };
	int heap = open(dev, O_RDONLY | O_CLOEXEC);

	if (heap < 0)
		die_errno("%s", dev);
	a.len = size;
	a.fd_flags = O_RDWR | O_CLOEXEC;
	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a) < 0)
		die_errno("%s: allocate %zu bytes", dev, size);
	close(heap);
	return a.fd;
}

/* Copy @len bytes of @img into the dma-buf @fd (mapped, with CPU sync). */
static void fill_dmabuf(int fd, size_t size, const void *img, size_t len)
{
	struct dma_buf_sync sync = { 0 };
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		die_errno("mmap dma-buf");
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
	if (ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) < 0)
		die_errno("DMA_BUF_IOCTL_SYNC start");
	memcpy(p, img, len);
	memset((char *)p + len, 0, size - len);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	if (ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) < 0)
		die_errno("DMA_BUF_IOCTL_SYNC end");
	if (memcmp(p, img, len) != 0)
		die("dma-buf does not read back what was written");
	munmap(p, size);
}

/* Print the kernel's messages queued on a filesystem context fd. */
static void fs_log(int fsfd)
{
	char buf[512];
	ssize_t n;

	while ((n = read(fsfd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = 0;
		fprintf(stderr, "%s: kernel: %s\n", helper_name, buf);
	}
}

static void fs_option(int fsfd, char *item)
{
	char *eq = strchr(item, '=');
	long r;

	if (eq) {
		*eq = 0;
		r = syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, item,
			    eq + 1, 0);
	} else {
		r = syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_FLAG, item,
			    NULL, 0);
	}
	if (r < 0) {
		int e = errno;

		fs_log(fsfd);
		refused("fsconfig option", e);
	}
}

static void mount_fd(int bufd, const char *mnt, const char *opts)
{
	int fsfd, mfd;
	char *copy, *item, *save = NULL;

	fsfd = syscall(SYS_fsopen, "daxfs", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		die_errno("fsopen daxfs (module loaded?)");
	if (syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_FD, "dmabuf", NULL,
		    bufd) < 0) {
		int e = errno;

		fs_log(fsfd);
		refused("fsconfig dmabuf", e);
	}
	copy = strdup(opts ? opts : "");
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save))
		fs_option(fsfd, item);
	free(copy);
	if (syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL,
		    0) < 0) {
		int e = errno;

		fs_log(fsfd);
		refused("fsconfig create", e);
	}
	kmsg_dump();
	fs_log(fsfd);
	mfd = syscall(SYS_fsmount, fsfd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0)
		die_errno("fsmount");
	if (syscall(SYS_move_mount, mfd, "", AT_FDCWD, mnt,
		    MOVE_MOUNT_F_EMPTY_PATH) < 0)
		die_errno("move_mount to %s", mnt);
	close(mfd);
	close(fsfd);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: dxmount opts MNT OPTIONS\n"
		"       dxmount vgem IMAGE MNT [OPTS]\n"
		"       dxmount heap DEV IMAGE MNT [OPTS]\n"
		"       dxmount fd FILE MNT\n"
		"       dxmount phys IMAGE ADDR LEN MNT [OPTS]\n"
		"       dxmount cycles N MNT OPTIONS\n");
	exit(1);
}

int main(int argc, char **argv)
{
	size_t len, size;
	void *img;
	int fd;

	helper_name = "dxmount";
	if (argc < 2)
		usage();
	kmsg_open();
	if (!strcmp(argv[1], "opts") && argc == 4)
		return mount_opts(argv[2], argv[3]);
	if (!strcmp(argv[1], "phys") && (argc == 6 || argc == 7))
		return mount_phys(argv[2], argv[3], argv[4], argv[5],
				  argc == 7 ? argv[6] : NULL);
	if (!strcmp(argv[1], "cycles") && argc == 5)
		return cycles((long)parse_num(argv[2]), argv[3], argv[4]);
	if (!strcmp(argv[1], "fd") && argc == 4) {
		fd = open(argv[2], O_RDWR | O_CLOEXEC);
		if (fd < 0)
			die_errno("%s", argv[2]);
		mount_fd(fd, argv[3], NULL);
		return 0;
	}
	if (!strcmp(argv[1], "vgem") && (argc == 4 || argc == 5)) {
		img = read_file(argv[2], &len);
		size = page_round(len);
		fd = vgem_dmabuf(size);
		fill_dmabuf(fd, size, img, len);
		mount_fd(fd, argv[3], argc == 5 ? argv[4] : NULL);
		return 0;
	}
	if (!strcmp(argv[1], "heap") && (argc == 5 || argc == 6)) {
		img = read_file(argv[3], &len);
		size = page_round(len);
		fd = heap_dmabuf(argv[2], size);
		fill_dmabuf(fd, size, img, len);
		mount_fd(fd, argv[4], argc == 6 ? argv[5] : NULL);
		return 0;
	}
	usage();
}

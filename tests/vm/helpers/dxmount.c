// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * dxmount: mount a DAXFS image for the guest tests.
 *
 *   dxmount opts MNT OPTIONS            mount(2) -t daxfs -o OPTIONS none MNT
 *   dxmount vgem IMAGE MNT [OPTS]       IMAGE copied into a vgem dma-buf
 *   dxmount heap DEV IMAGE MNT [OPTS]   IMAGE copied into a dma-buf that the
 *                                       dma-heap DEV allocates
 *   dxmount fd FILE MNT                 pass FILE's fd as "dmabuf" (must fail)
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
#include <sys/ioctl.h>
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

/* Report a refused mount: errno name on stdout, exit 2. */
static void __attribute__((noreturn)) refused(const char *what, int e)
{
	fprintf(stderr, "%s: %s: %s\n", helper_name, what, strerror(e));
	printf("%s\n", strerrorname_np(e) ? strerrorname_np(e) : "EUNKNOWN");
	exit(2);
}

static int mount_opts(const char *mnt, const char *opts)
{
	if (syscall(SYS_mount, "none", mnt, "daxfs", 0UL, opts) < 0)
		refused("mount", errno);
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
		"       dxmount fd FILE MNT\n");
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
	if (!strcmp(argv[1], "opts") && argc == 4)
		return mount_opts(argv[2], argv[3]);
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

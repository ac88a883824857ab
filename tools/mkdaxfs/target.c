// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Output targets.  Each one provides a writable mapping of the whole
 * region; the writer fills it the same way for all of them.
 *
 *   -o FILE   a temporary file beside FILE, mmap'ed; renamed over FILE
 *             once the image is complete and checked, unlinked on any
 *             failure or signal, so no partial image is ever left.
 *             A block device (e.g. /dev/pmem0) is written in place.
 *   -p ADDR   physical memory through /dev/mem (O_SYNC, MAP_SHARED).
 *   -H HEAP   a dma-buf allocated from a dma-heap, filled, then mounted
 *             at -m MNT with the new mount API (fsconfig "dmabuf").
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#include "mkdaxfs.h"
#include "util.h"

/* The temporary file to remove if we stop early (signal-safe copy). */
static char abort_path[4096];

void target_abort(void)
{
	if (abort_path[0])
		unlink(abort_path);
	abort_path[0] = '\0';
}

static void on_signal(int sig)
{
	if (abort_path[0])
		unlink(abort_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void map_fd(struct mk_target *tg, int fd, u64 off, const char *what)
{
	void *p = mmap(NULL, tg->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, (off_t)off);

	if (p == MAP_FAILED)
		die_errno("%s: mmap %llu bytes", what,
			  (unsigned long long)tg->size);
	tg->map = p;
}

/* ---- -o FILE ---- */

/* -o on a block device: write it in place through a shared mapping. */
static void open_blockdev(struct mk_target *tg)
{
	const char *out = tg->opt->out_file;
	char h[32];
	u64 bytes;

	tg->fd = open(out, O_RDWR | O_CLOEXEC | O_EXCL);
	if (tg->fd < 0)
		die_errno("%s", out);
	if (ioctl(tg->fd, BLKGETSIZE64, &bytes) < 0)
		die_errno("%s", out);
	if (bytes < tg->size)
		die("%s: image needs %llu bytes (%s) but the device has %llu",
		    out, (unsigned long long)tg->size,
		    human_size(tg->size, h, sizeof(h)),
		    (unsigned long long)bytes);
	map_fd(tg, tg->fd, 0, out);
	tg->blockdev = true;
}

static void open_file(struct mk_target *tg, u64 written)
{
	const char *out = tg->opt->out_file;
	struct stat st;
	mode_t mask;
	int fd, r;

	if (stat(out, &st) == 0 && S_ISBLK(st.st_mode)) {
		open_blockdev(tg);
		return;
	}
	if (stat(out, &st) == 0 && !S_ISREG(st.st_mode))
		die("%s: not a regular file or block device", out);
	if (strlen(out) + 8 >= sizeof(abort_path))
		die("%s: %s", out, strerror(ENAMETOOLONG));
	tg->tmp_path = xmalloc(strlen(out) + 8);
	sprintf(tg->tmp_path, "%s.XXXXXX", out);
	catch_signals();
	fd = mkostemp(tg->tmp_path, O_CLOEXEC);
	if (fd < 0)
		die_errno("%s", out);
	strcpy(abort_path, tg->tmp_path);
	tg->fd = fd;
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0 || ftruncate(fd, tg->size) < 0)
		die_errno("%s", out);
	/* reserve the blocks now: ENOSPC here, not SIGBUS in the mapping */
	r = posix_fallocate(fd, 0, written);
	if (r && r != EOPNOTSUPP && r != EINVAL)
		die("%s: %s", out, strerror(r));
	map_fd(tg, fd, 0, out);
	tg->zeroed = true;
}

static void commit_file(struct mk_target *tg)
{
	const char *out = tg->opt->out_file;

	if (tg->blockdev) {
		if (msync(tg->map, tg->size, MS_SYNC) < 0 ||
		    munmap(tg->map, tg->size) < 0 || fsync(tg->fd) < 0 ||
		    close(tg->fd) < 0)
			die_errno("%s", out);
		return;
	}

	if (munmap(tg->map, tg->size) < 0 || fsync(tg->fd) < 0)
		die_errno("%s", out);
	if (close(tg->fd) < 0)
		die_errno("%s", out);
	if (rename(tg->tmp_path, out) < 0)
		die_errno("%s", out);
	abort_path[0] = '\0';
}

/* ---- -p ADDR: /dev/mem ---- */

static void open_phys(struct mk_target *tg)
{
	char what[64];

	tg->fd = open("/dev/mem", O_RDWR | O_SYNC | O_CLOEXEC);
	if (tg->fd < 0)
		die_errno("/dev/mem");
	snprintf(what, sizeof(what), "/dev/mem at 0x%llx",
		 (unsigned long long)tg->opt->phys_addr);
	map_fd(tg, tg->fd, tg->opt->phys_addr, what);
}

static void commit_phys(struct mk_target *tg)
{
	/* /dev/mem mappings may refuse msync (EINVAL): stores are enough */
	if (msync(tg->map, tg->size, MS_SYNC) < 0 && errno != EINVAL)
		die_errno("/dev/mem: msync");
	munmap(tg->map, tg->size);
	close(tg->fd);
}

/* ---- -H HEAP -m MNT: dma-buf, then mount ---- */

static void buf_sync(struct mk_target *tg, __u64 flags)
{
	struct dma_buf_sync s = { .flags = flags | DMA_BUF_SYNC_RW };

	while (ioctl(tg->buf_fd, DMA_BUF_IOCTL_SYNC, &s) < 0) {
		if (errno != EINTR && errno != EAGAIN)
			die_errno("%s: DMA_BUF_IOCTL_SYNC", tg->opt->heap);
	}
}

static void open_heap(struct mk_target *tg)
{
	struct dma_heap_allocation_data a = {
		.len = tg->size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};

	tg->fd = open(tg->opt->heap, O_RDWR | O_CLOEXEC);
	if (tg->fd < 0)
		die_errno("%s", tg->opt->heap);
	if (ioctl(tg->fd, DMA_HEAP_IOCTL_ALLOC, &a) < 0)
		die_errno("%s: allocate %llu bytes", tg->opt->heap,
			  (unsigned long long)tg->size);
	tg->buf_fd = a.fd;
	map_fd(tg, tg->buf_fd, 0, tg->opt->heap);
	buf_sync(tg, DMA_BUF_SYNC_START);
}

/* Print what the kernel logged on a filesystem context, if anything. */
static void fs_log(int fsfd)
{
	char buf[512];
	ssize_t n;

	while ((n = read(fsfd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (n > 2 && buf[1] == ' ')
			err_msg("daxfs: %s", buf + 2);
	}
}

static void mount_buf(struct mk_target *tg)
{
	const char *mnt = tg->opt->mnt;
	int fsfd, mfd;

	fsfd = syscall(SYS_fsopen, "daxfs", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		die_errno("%s: fsopen daxfs (is daxfs.ko loaded?)", mnt);
	if (syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_FD, "dmabuf", NULL,
		    tg->buf_fd) < 0 ||
	    syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL,
		    0) < 0) {
		int e = errno;

		fs_log(fsfd);
		errno = e;
		die_errno("%s: mount", mnt);
	}
	mfd = syscall(SYS_fsmount, fsfd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0)
		die_errno("%s: fsmount", mnt);
	if (syscall(SYS_move_mount, mfd, "", AT_FDCWD, mnt,
		    MOVE_MOUNT_F_EMPTY_PATH) < 0)
		die_errno("%s: move_mount", mnt);
	close(mfd);
	close(fsfd);
}

static void commit_heap(struct mk_target *tg)
{
	buf_sync(tg, DMA_BUF_SYNC_END);
	munmap(tg->map, tg->size);
	mount_buf(tg);
	close(tg->buf_fd);
	close(tg->fd);
}

/* ---- dispatch ---- */

void target_open(struct mk_target *tg, const struct mk_options *opt,
		 u64 size, u64 written)
{
	memset(tg, 0, sizeof(*tg));
	tg->opt = opt;
	tg->size = size;
	tg->fd = tg->buf_fd = -1;
	if (opt->out_file)
		open_file(tg, written);
	else if (opt->phys)
		open_phys(tg);
	else
		open_heap(tg);
}

void target_commit(struct mk_target *tg)
{
	if (tg->opt->out_file)
		commit_file(tg);
	else if (tg->opt->phys)
		commit_phys(tg);
	else
		commit_heap(tg);
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mkbranch: branches with changes of their own in an image file, made on
 * the host through the core: the branch table by libdaxfs/btable.c, the
 * changes by the writer of tests/host/fsdrv.h (what daxfs-branch and
 * daxfs.ko do with a mounted region), so that tests/host/inspect.sh can
 * look at them with `daxfs-inspect -b`.
 *
 *   mkbranch IMAGE OP...
 *
 * IMAGE is made by `mkdaxfs -b`.  The OPs run in order:
 *   create NAME PARENT        a child of branch PARENT's top; prints
 *                             "NAME SLOT"
 *   put BRANCH PATH TEXT      file PATH (its directory exists) made, or
 *                             rewritten, with TEXT; EROFS while BRANCH is
 *                             frozen (it has children), as a mount does
 *   force-put BRANCH PATH TEXT  the same ignoring the freeze, as no
 *                             kernel does: BRANCH's log moves on past
 *                             where its children forked, which their
 *                             views must not show
 *   rm BRANCH PATH            unlink PATH
 *   commit BRANCH INTO        the name INTO (main, or BRANCH's parent)
 *                             leads to BRANCH's top from now on
 *   abort BRANCH              BRANCH and every branch below it discarded
 *
 * Exit 0, or 1 with a message.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "fsdrv.h"

static u8 *g_map;
static u64 g_size;
static struct daxfs_image g_img;
static struct daxfs_alloc g_alloc;
static struct daxfs_bslot *g_slots;
static u64 g_cursor;
static u64 g_now = 1700000000;
static struct fsd F;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkbranch: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void check(int ret, const char *what, const char *arg)
{
	if (ret < 0)
		die("%s %s: %s (%s)", what, arg, strerror(-ret),
		    tu_first(&F.rep));
}

static struct daxfs_btab table(void)
{
	struct daxfs_btab t;

	check(daxfs_btab_load(&g_img, g_slots, &t), "load", "the table");
	return t;
}

/* The slot holding live name @name (0: main), not resolved. */
static u32 slot_of(const char *name)
{
	struct daxfs_btab t = table();
	u32 slot;

	check(daxfs_btab_find(&t, name, strlen(name), &slot), "branch", name);
	return slot;
}

/* The top slot branch @name leads to. */
static u32 top_of(const char *name)
{
	struct daxfs_btab t = table();
	u32 top;

	check(daxfs_btab_resolve(&t, slot_of(name), &top), "resolve", name);
	return top;
}

/* Open branch @name's chain into F, writable (its top's log). */
static void open_branch(const char *name, bool ignore_freeze)
{
	u32 chain[DAXFS_BTAB_MAX_DEPTH], top = top_of(name);
	struct daxfs_btab t = table();
	int n;

	if (!ignore_freeze && daxfs_btab_frozen(&t, top) == 1)
		check(-EROFS, "write", name);
	n = daxfs_btab_chain(&t, top, chain, DAXFS_BTAB_MAX_DEPTH);
	check(n, "chain of", name);
	check(fsd_open_chain(&F, g_map, g_size, true, 0, chain, (u32)n),
	      "open", name);
}

/* Split "/a/b/c" into the inode of "/a/b" and "c" (in @name). */
static u64 parent_of(const char *path, char *name, size_t len)
{
	char buf[1024], *slash, *p, *save = NULL;
	u64 ino = DAXFS_ROOT_INO;

	snprintf(buf, sizeof(buf), "%s", path + (path[0] == '/'));
	slash = strrchr(buf, '/');
	if (!slash) {
		snprintf(name, len, "%s", buf);
		return ino;
	}
	*slash = '\0';
	snprintf(name, len, "%s", slash + 1);
	for (p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save))
		check(fsd_lookup(&F, ino, p, &ino), "lookup", path);
	return ino;
}

static void op_create(const char *name, const char *parent)
{
	struct daxfs_bnew nb = {
		.name = name, .len = (u32)strlen(name),
		.parent = top_of(parent), .owner = 0x6d6b6272,
		.log_id = daxfs_random64() | 1, .now = g_now++,
	};
	u32 slot;
	int ret;

	check(daxfs_log_start(&g_alloc, &g_cursor, nb.log_id, &nb.chunk),
	      "log for", name);
	ret = daxfs_branch_create(&g_img, g_slots, &nb, &slot);
	check(ret, "create", name);
	printf("%s %u\n", name, slot);
}

static void op_put(const char *branch, const char *path, const char *text,
		   bool ignore_freeze)
{
	char name[256];
	u64 dir, ino;

	open_branch(branch, ignore_freeze);
	dir = parent_of(path, name, sizeof(name));
	if (fsd_lookup(&F, dir, name, &ino)) {
		check(fsd_create(&F, dir, name, DAXFS_S_IFREG | 0644, NULL,
				 &ino), "create", path);
	} else {
		check(fsd_truncate(&F, ino, 0), "truncate", path);
	}
	check(fsd_write(&F, ino, 0, text, strlen(text)), "write", path);
	fsd_close(&F);
}

static void op_rm(const char *branch, const char *path)
{
	char name[256];
	u64 dir;

	open_branch(branch, false);
	dir = parent_of(path, name, sizeof(name));
	check(fsd_remove(&F, dir, name, false), "rm", path);
	fsd_close(&F);
}

static void op_commit(const char *branch, const char *into)
{
	u32 top = top_of(branch), to = slot_of(into);

	table();
	check(daxfs_branch_commit(&g_img, g_slots, top,
				  g_slots[top].generation, to),
	      "commit", branch);
}

static void op_abort(const char *branch)
{
	u32 slot = slot_of(branch);

	table();
	check(daxfs_branch_abort(&g_img, slot, g_slots[slot].generation),
	      "abort", branch);
}

/* Run the OP at @argv; the number of words it took. */
static int run_op(int argc, char **argv)
{
	const char *op = argv[0];

	if (!strcmp(op, "create") && argc >= 3)
		op_create(argv[1], argv[2]);
	else if (!strcmp(op, "put") && argc >= 4)
		op_put(argv[1], argv[2], argv[3], false);
	else if (!strcmp(op, "force-put") && argc >= 4)
		op_put(argv[1], argv[2], argv[3], true);
	else if (!strcmp(op, "rm") && argc >= 3)
		op_rm(argv[1], argv[2]);
	else if (!strcmp(op, "commit") && argc >= 3)
		op_commit(argv[1], argv[2]);
	else if (!strcmp(op, "abort") && argc >= 2)
		op_abort(argv[1]);
	else
		die("bad or short operation '%s'", op);
	if (!strcmp(op, "abort"))
		return 2;
	return !strcmp(op, "put") || !strcmp(op, "force-put") ? 4 : 3;
}

static void open_image(const char *path, int *fd)
{
	struct tu_report rep = { 0 };
	struct stat st;

	*fd = open(path, O_RDWR);
	if (*fd < 0 || fstat(*fd, &st) < 0)
		die("%s: %m", path);
	g_size = (u64)st.st_size;
	g_map = mmap(NULL, (size_t)g_size, PROT_READ | PROT_WRITE,
		     MAP_SHARED, *fd, 0);
	if (g_map == MAP_FAILED)
		die("%s: mmap: %m", path);
	if (daxfs_image_open(&g_img, g_map, g_size, tu_collect, &rep) ||
	    daxfs_delta_open(&g_img, tu_collect, &rep))
		die("%s: %s", path, tu_first(&rep));
	g_img.wbase = g_map;
	check(daxfs_alloc_init(&g_alloc, &g_img), "allocator of", path);
	g_slots = calloc(g_img.branch_count, sizeof(*g_slots));
	if (!g_slots)
		die("out of memory");
}

int main(int argc, char **argv)
{
	int fd, i;

	if (argc < 3)
		die("usage: mkbranch IMAGE OP... (see tests/host/mkbranch.c)");
	open_image(argv[1], &fd);
	for (i = 2; i < argc; )
		i += run_op(argc - i, argv + i);
	if (msync(g_map, (size_t)g_size, MS_SYNC) < 0)
		die("%s: msync: %m", argv[1]);
	munmap(g_map, (size_t)g_size);
	free(g_slots);
	close(fd);
	return 0;
}

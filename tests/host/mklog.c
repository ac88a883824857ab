// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mklog: give main a log in a branching image, written by the core's
 * writer through tests/host/fsdrv.h (what daxfs.ko does at every
 * operation), then damage it on request, so that tests/host/inspect.sh
 * can test `daxfs-inspect log`, the current view (ls, cat, extract) and
 * `check`.
 *
 *   mklog IMAGE DAMAGE [MIRROR]
 *
 * IMAGE is made by `mkdaxfs -b` from tests/host/inspect.sh's tree (the
 * scenario uses its names: hello, random, empty_file, sub/page, ...).
 * The scenario: directories, files and symlinks made, files written (a
 * hole, pages punched), a base file overwritten and truncated, renames
 * across directories, a hard link, unlinks, xattrs set and deleted, and
 * enough creates for a log of several chunks.  With MIRROR (a copy of
 * the source tree) every operation is also done there, and its
 * metadata set to what the image got, so that an extract of the image
 * must equal MIRROR (treecmp).
 *
 * DAMAGE, done after the scenario (one line "what N" on stdout says
 * where, for the test to look for in the messages):
 *   none      nothing
 *   badrec    one byte of a record in the middle of the log flipped
 *             ("badrec LSN")
 *   badlink   the first chunk's link to the next one broken ("badlink P")
 *   torn      the last record's TXN_END cleared, its CRC made right again:
 *             the last transaction is cut at the tail ("torn TAIL")
 *   leak      a page taken from the bitmap that nothing uses ("leak P")
 *   double    a file page mapped onto a page another file uses
 *             ("double P")
 *   unmarked  a page in use given back to the bitmap ("unmarked P")
 *   groups    group 0's free count off by 3 (only a hint: "groups 3")
 *   stale     a transaction staged past the tail but never published,
 *             as a crash in a commit leaves it ("stale N" chunks)
 *   cycle     a well-formed transaction that names the root again in
 *             /new: replay accepts it, the tree is no tree ("cycle /new")
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
#include <sys/xattr.h>

#include "fsdrv.h"

static struct fsd F;
static int mirror = -1;		/* directory fd of MIRROR, or -1 */

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mklog: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void check(int ret, const char *what, const char *path)
{
	if (ret < 0)
		die("%s %s: %s (%s)", what, path, strerror(-ret),
		    tu_first(&F.rep));
}

static void mcheck(int ret, const char *what, const char *path)
{
	if (ret < 0)
		die("mirror: %s %s: %m", what, path);
}

/* Split "/a/b/c" into the inode of "/a/b" and "c". */
static u64 parent_of(const char *path, char *name)
{
	char buf[1024], *slash, *p, *save = NULL;
	u64 ino = DAXFS_ROOT_INO;

	snprintf(buf, sizeof(buf), "%s", path + (path[0] == '/'));
	slash = strrchr(buf, '/');
	if (!slash) {
		strcpy(name, buf);
		return ino;
	}
	*slash = '\0';
	strcpy(name, slash + 1);
	for (p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save))
		check(fsd_lookup(&F, ino, p, &ino), "lookup", path);
	return ino;
}

static u64 ino_of(const char *path)
{
	char name[256];
	u64 dir = parent_of(path, name), ino;

	check(fsd_lookup(&F, dir, name, &ino), "lookup", path);
	return ino;
}

/* The mirror's path for @path (relative to its directory fd). */
static const char *mpath(const char *path)
{
	return path + (path[0] == '/');
}

static void op_mkdir(const char *path)
{
	char name[256];
	u64 dir = parent_of(path, name);

	check(fsd_create(&F, dir, name, DAXFS_S_IFDIR | 0755, NULL, NULL),
	      "mkdir", path);
	if (mirror >= 0)
		mcheck(mkdirat(mirror, mpath(path), 0755), "mkdir", path);
}

static void op_write(const char *path, u64 off, const void *buf, u64 len)
{
	int fd;

	check(fsd_write(&F, ino_of(path), off, buf, len), "write", path);
	if (mirror < 0)
		return;
	fd = openat(mirror, mpath(path), O_WRONLY);
	mcheck(fd, "open", path);
	mcheck(pwrite(fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -1,
	       "write", path);
	close(fd);
}

static void op_create(const char *path, const char *contents)
{
	char name[256];
	u64 dir = parent_of(path, name);

	check(fsd_create(&F, dir, name, DAXFS_S_IFREG | 0644, NULL, NULL),
	      "create", path);
	if (mirror >= 0) {
		int fd = openat(mirror, mpath(path), O_CREAT | O_EXCL |
				O_WRONLY, 0644);

		mcheck(fd, "create", path);
		close(fd);
	}
	if (contents)
		op_write(path, 0, contents, strlen(contents));
}

static void op_symlink(const char *path, const char *target)
{
	char name[256];
	u64 dir = parent_of(path, name);

	check(fsd_create(&F, dir, name, DAXFS_S_IFLNK | 0777, target, NULL),
	      "symlink", path);
	if (mirror >= 0)
		mcheck(symlinkat(target, mirror, mpath(path)), "symlink", path);
}

static void op_link(const char *old, const char *path)
{
	char name[256];
	u64 dir = parent_of(path, name);

	check(fsd_link(&F, ino_of(old), dir, name), "link", path);
	if (mirror >= 0)
		mcheck(linkat(mirror, mpath(old), mirror, mpath(path), 0),
		       "link", path);
}

static void op_remove(const char *path, bool dir)
{
	char name[256];
	u64 parent = parent_of(path, name);

	check(fsd_remove(&F, parent, name, dir), "remove", path);
	if (mirror >= 0)
		mcheck(unlinkat(mirror, mpath(path), dir ? AT_REMOVEDIR : 0),
		       "remove", path);
}

static void op_rename(const char *from, const char *to)
{
	char oname[256], nname[256];
	u64 odir = parent_of(from, oname), ndir = parent_of(to, nname);

	check(fsd_rename(&F, odir, oname, ndir, nname, 0), "rename", from);
	if (mirror >= 0)
		mcheck(renameat(mirror, mpath(from), mirror, mpath(to)),
		       "rename", from);
}

static void op_truncate(const char *path, u64 size)
{
	check(fsd_truncate(&F, ino_of(path), size), "truncate", path);
	if (mirror < 0)
		return;
	{
		int fd = openat(mirror, mpath(path), O_WRONLY);

		mcheck(fd, "open", path);
		mcheck(ftruncate(fd, (off_t)size), "truncate", path);
		close(fd);
	}
}

static void op_punch(const char *path, u64 off, u64 len)
{
	int fd;

	check(fsd_punch(&F, ino_of(path), off, len), "punch", path);
	if (mirror < 0)
		return;
	fd = openat(mirror, mpath(path), O_WRONLY);
	mcheck(fd, "open", path);
	mcheck(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			 (off_t)off, (off_t)len), "punch", path);
	close(fd);
}

static void op_setxattr(const char *path, const char *name, const char *val)
{
	char proc[1100];

	check(fsd_setxattr(&F, ino_of(path), name, val, (u32)strlen(val)),
	      "setxattr", path);
	if (mirror < 0)
		return;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", mirror,
		 mpath(path));
	mcheck(lsetxattr(proc, name, val, strlen(val), 0), "setxattr", path);
}

static void op_rmxattr(const char *path, const char *name)
{
	char proc[1100];

	check(fsd_rmxattr(&F, ino_of(path), name), "rmxattr", path);
	if (mirror < 0)
		return;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", mirror,
		 mpath(path));
	mcheck(lremovexattr(proc, name), "rmxattr", path);
}

/* The operations, in an order that exercises every record type. */
static void scenario(void)
{
	static u8 big[10000];
	char path[64], text[64];

	for (u32 i = 0; i < sizeof(big); i++)
		big[i] = (u8)(i * 7 + i / 251);
	op_mkdir("/new");
	op_create("/new/file", "new file contents\n");
	op_create("/new/big", NULL);
	op_write("/new/big", 0, big, sizeof(big));
	op_write("/new/big", 30000, "tail", 4);
	op_punch("/new/big", 4096, 4096);
	op_write("/hello", 0, "HELLO", 5);
	op_rename("/sub/page", "/new/page-moved");
	op_remove("/empty_file", false);
	op_symlink("/new/link", "file");
	op_link("/new/file", "/file-link");
	op_setxattr("/new/file", "user.mklog", "v1");
	op_setxattr("/hello", "user.tmp", "gone soon");
	op_setxattr("/sub/deeper/file", "user.base", "b");
	op_rmxattr("/hello", "user.tmp");
	op_truncate("/random", 10000);
	op_mkdir("/many");
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "/many/f%02d", i);
		snprintf(text, sizeof(text), "file %d\n", i);
		op_create(path, text);
	}
	op_remove("/many/f05", false);
	op_rename("/many/f06", "/new/f06");
	op_remove("/sub/deeper/file", false);
	op_remove("/sub/deeper", true);
}

/* ---- the mirror's metadata: what the image says ---- */

static void sync_one(const char *path, const struct daxfs_vinode *vi)
{
	const struct daxfs_attr *a = &vi->attr;
	bool lnk = (a->mode & DAXFS_S_IFMT) == DAXFS_S_IFLNK;
	struct timespec ts[2] = {
		{ a->atime_sec, a->atime_nsec },
		{ a->mtime_sec, a->mtime_nsec },
	};
	const char *p = *path ? path : ".";

	if (!geteuid())
		mcheck(fchownat(mirror, p, a->uid, a->gid,
				AT_SYMLINK_NOFOLLOW), "chown", p);
	if (!lnk)
		mcheck(fchmodat(mirror, p, a->mode & 07777, 0), "chmod", p);
	mcheck(utimensat(mirror, p, ts, AT_SYMLINK_NOFOLLOW), "utimens", p);
}

static void sync_tree(const char *path, u64 ino, int depth)
{
	struct daxfs_dirent_info de;
	struct daxfs_vinode vi;
	u64 pos = 0, at;
	char sub[1024];

	check(fsd_inode(&F, ino, &vi), "inode", path);
	if ((vi.attr.mode & DAXFS_S_IFMT) == DAXFS_S_IFDIR && depth < 32) {
		while (!daxfs_view_readdir(&F.view, &vi, pos, &de, &at)) {
			snprintf(sub, sizeof(sub), "%s%s%s", path,
				 *path ? "/" : "", de.name);
			sync_tree(sub, de.ino, depth + 1);
			pos = at + 1;
		}
	}
	sync_one(path, &vi);
}

/* ---- damage ---- */

struct chunks {
	u64 pgno[4096], lsn[4096];
	u32 n;
};

static int note_chunk(void *ctx, u64 pgno, u64 lsn)
{
	struct chunks *c = ctx;

	if (c->n < 4096) {
		c->pgno[c->n] = pgno;
		c->lsn[c->n] = lsn;
		c->n++;
	}
	return 0;
}

static struct chunks C;

/* The region offset of log stream byte @lsn. */
static u64 stream_off(u64 lsn)
{
	for (u32 i = 0; i < C.n; i++)
		if (lsn >= C.lsn[i] && lsn - C.lsn[i] < DAXFS_CHUNK_PAYLOAD)
			return daxfs_page_off(&F.img, C.pgno[i]) +
			       DAXFS_CHUNK_HDR + (lsn - C.lsn[i]);
	die("lsn %llu is in no chunk", (unsigned long long)lsn);
}

static void stream_copy(u64 lsn, u8 *buf, u32 len, bool out)
{
	for (u32 i = 0; i < len; i++) {
		u8 *p = F.map + stream_off(lsn + i);

		if (out)
			*p = buf[i];
		else
			buf[i] = *p;
	}
}

/* Every record of main's log: the one at @index (-1: the last). */
static void find_record(long index, u64 *lsn, u32 *len, u64 *count)
{
	struct daxfs_log_reader r;
	struct daxfs_log_span span;
	struct daxfs_rec_view rec;
	long i = 0;

	check(daxfs_log_span(&F.img, 0, &span), "log span", "main");
	check(daxfs_log_reader_init(&r, &F.img, &span), "log", "main");
	while (daxfs_log_next(&r, &rec, NULL, NULL) > 0) {
		if (index < 0 || i == index) {
			*lsn = rec.lsn;
			*len = rec.len;
		}
		i++;
	}
	daxfs_log_reader_release(&r);
	*count = (u64)i;
}

static void list_chunks(void)
{
	struct daxfs_log_span span;

	check(daxfs_log_span(&F.img, 0, &span), "log span", "main");
	C.n = 0;
	check(daxfs_log_chunks(&F.img, &span, note_chunk, &C), "chunks",
	      "main");
}

/* The delta page holding page @pgoff of @path (mapped in the log). */
static u64 data_page(const char *path, u64 pgoff)
{
	struct daxfs_vinode vi;
	struct daxfs_fmap m;

	check(fsd_inode(&F, ino_of(path), &vi), "inode", path);
	check(daxfs_view_map(&F.view, &vi, pgoff, &m), "map", path);
	if (m.hole || m.level < 0)
		die("%s: page %llu is not in the log", path,
		    (unsigned long long)pgoff);
	return m.pgno;
}

static void damage_badrec(void)
{
	u64 lsn, count;
	u32 len;

	find_record(-1, &lsn, &len, &count);
	find_record((long)count / 2, &lsn, &len, &count);
	F.map[stream_off(lsn + 40)] ^= 0x5a;
	printf("badrec %llu\n", (unsigned long long)lsn);
}

static void damage_badlink(void)
{
	u64 target = data_page("/new/file", 0);
	__le64 v = cpu_to_le64(target);

	if (C.n < 2)
		die("the log has only %u chunk", C.n);
	memcpy(F.map + daxfs_page_off(&F.img, C.pgno[0]) +
	       offsetof(struct daxfs_log_chunk, next), &v, sizeof(v));
	printf("badlink %llu\n", (unsigned long long)C.pgno[0]);
}

static void damage_torn(void)
{
	u8 buf[DAXFS_REC_MAX];
	u64 lsn, count;
	u32 len;

	find_record(-1, &lsn, &len, &count);
	stream_copy(lsn, buf, len, false);
	daxfs_rec_seal(buf, lsn, 0);
	stream_copy(lsn, buf, len, true);
	printf("torn %llu\n", (unsigned long long)(lsn + len));
}

static void damage_leak(void)
{
	u64 pgno, got, cursor = 0;

	check(daxfs_alloc_get(&F.alloc, &cursor, 1, 0, &pgno, &got), "alloc",
	      "a page");
	printf("leak %llu\n", (unsigned long long)pgno);
}

static void damage_double(void)
{
	u64 pgno = data_page("/new/big", 0);
	struct daxfs_txn t;

	daxfs_txn_init(&t);
	daxfs_txn_map(&t, ino_of("/new/file"), 0, 1, pgno);
	check(fsd_commit(&F, &t), "map", "/new/file");
	printf("double %llu\n", (unsigned long long)pgno);
}

static void damage_unmarked(void)
{
	u64 pgno = data_page("/new/big", 0);

	check(daxfs_alloc_put(&F.alloc, pgno, 1), "free", "a page");
	printf("unmarked %llu\n", (unsigned long long)pgno);
}

static void damage_groups(void)
{
	daxfs_word_add(&F.img, F.img.delta.groups_off, 3);
	printf("groups 3\n");
}

static void damage_stale(void)
{
	static char value[3 * 4096];
	struct daxfs_txn t;

	memset(value, 'v', sizeof(value));
	daxfs_txn_init(&t);
	daxfs_txn_xattr_set(&t, ino_of("/new/file"), (const u8 *)"user.big",
			    8, value, sizeof(value));
	check(daxfs_log_stage(&F.w, &t), "stage", "a transaction");
	daxfs_txn_release(&t);
	printf("stale %llu\n", (unsigned long long)F.w.nstaged);
}

static void damage_cycle(void)
{
	u64 dir = ino_of("/new");
	struct daxfs_vinode d;
	struct daxfs_txn t;

	check(fsd_inode(&F, dir, &d), "inode", "/new");
	daxfs_txn_init(&t);
	daxfs_txn_dirent_add(&t, dir, (const u8 *)"up", 2, DAXFS_ROOT_INO,
			     daxfs_view_next_cookie(&F.view, &d), DAXFS_FT_DIR);
	check(fsd_commit(&F, &t), "dirent", "/new/up");
	printf("cycle /new\n");
}

static const struct {
	const char *name;
	void (*fn)(void);
} damages[] = {
	{ "badrec", damage_badrec },
	{ "badlink", damage_badlink },
	{ "torn", damage_torn },
	{ "leak", damage_leak },
	{ "double", damage_double },
	{ "unmarked", damage_unmarked },
	{ "groups", damage_groups },
	{ "stale", damage_stale },
	{ "cycle", damage_cycle },
};

#define NDAMAGES	((int)(sizeof(damages) / sizeof(damages[0])))

int main(int argc, char **argv)
{
	struct stat st;
	u8 *map;
	int fd, ret, i = -1;

	if (argc != 3 && argc != 4)
		die("usage: mklog IMAGE none|badrec|badlink|torn|leak|double|"
		    "unmarked|groups|stale|cycle [MIRROR]");
	if (strcmp(argv[2], "none"))
		for (i = 0; i < NDAMAGES; i++)
			if (!strcmp(argv[2], damages[i].name))
				break;
	if (i == NDAMAGES)
		die("unknown damage '%s'", argv[2]);
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || fstat(fd, &st) < 0)
		die("%s: %m", argv[1]);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("%s: mmap: %m", argv[1]);
	if (argc == 4) {
		mirror = open(argv[3], O_RDONLY | O_DIRECTORY);
		if (mirror < 0)
			die("%s: %m", argv[3]);
	}
	ret = fsd_open(&F, map, (u64)st.st_size, true, 0);
	if (ret)
		die("%s: cannot open: %s (%s)", argv[1], strerror(-ret),
		    tu_first(&F.rep));
	scenario();
	if (mirror >= 0)
		sync_tree("", DAXFS_ROOT_INO, 0);
	list_chunks();
	if (i >= 0)
		damages[i].fn();
	fsd_close(&F);
	if (msync(map, (size_t)st.st_size, MS_SYNC) < 0)
		die("%s: msync: %m", argv[1]);
	munmap(map, (size_t)st.st_size);
	close(fd);
	return 0;
}

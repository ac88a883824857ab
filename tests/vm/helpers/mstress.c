// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mstress: concurrent metadata stress, checked against an exact model.
 *
 *   mstress [-p WORKERS] [-d DIRS] [-n OPS] [-s SEED] [-x OPLIST]
 *           [-S MODEL] [-N] [-q] -r ROOT
 *   mstress -V MODEL [-N] [-q] -r ROOT
 *
 * ROOT must be empty or absent.  The parent makes DIRS shared
 * directories (default 8), ROOT/d00 ..., and forks WORKERS processes
 * (default 4) that each run OPS operations (default 2000) at the same
 * time in those directories.  Worker W only ever names entries "wW-N",
 * so what exists at the end follows from its own operations alone,
 * whatever the interleaving: each worker keeps a model (names, types,
 * which names are hard links of one inode, file contents, symlink
 * targets, the directories it made and what is in them) and predicts
 * the result of every call, errors included.  The shared directories
 * see every worker's changes at once.
 *
 * Operations (names for -x):
 *   create     O_CREAT|O_EXCL a file and write a known content (an
 *              existing name: EEXIST)
 *   mkdir      a directory, in a shared one or one of its own
 *   rename     rename(2) within and across directories: to a new name,
 *              over its own file, symlink or empty directory, over a
 *              hard link of the same inode (nothing happens); the errors
 *              ENOTDIR, EISDIR, ENOTEMPTY, EINVAL (into itself)
 *   noreplace  renameat2 RENAME_NOREPLACE (EEXIST over a name)
 *   exchange   renameat2 RENAME_EXCHANGE (of any two types; ENOENT
 *              without a target)
 *   link       a hard link, across directories (EEXIST; EPERM for a
 *              directory)
 *   symlink    short and long (up to 4095 bytes) targets
 *   unlink     (EISDIR for a directory)
 *   rmdir      (ENOTEMPTY, ENOTDIR)
 *   rewrite    O_TRUNC and write a new content through one of the names
 *   check      lstat one of its names (type, inode, link count), read
 *              the content or target, list its directory exactly
 *   scan       readdir a shared directory while the others change it:
 *              each of its own names there exactly once, no others
 *
 * After every call the names it touched are looked up again (type,
 * inode number, link count).  At the end the parent walks ROOT and
 * compares it with the union of the models: every name present with the
 * right type, content, target and link count, hard links sharing an
 * inode and nothing else sharing one, directory link counts 2 + the
 * subdirectories (-N: not checked), readdir's d_type, and no other name.
 *
 *   -S MODEL   after a good run, save the model (text) to MODEL
 *   -V MODEL   only compare ROOT with a saved model, e.g. after a remount
 *   -q         no summary line
 *
 * One summary line on success; on a mismatch a precise message (and the
 * worker's last operations) on stderr, exit status 1.
 */
#include <dirent.h>
#include <signal.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "common.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE	(1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE		(1 << 1)
#endif

#define MAX_WORKERS	64
#define MAX_DIRS	100
#define MAX_ENTS	1024	/* entry slots per worker */
#define LIVE_CAP	200	/* live entries per worker */
#define MAX_DEPTH	6	/* of a worker's own directories */
#define NAME_LEN	24
#define CONTENT_MAX	6000
#define TARGET_MAX	4095
#define SLOT_SIZE	(4UL << 20)	/* per worker: counts, model */
#define SLOT_HEAD	((NR_MOPS + 1) * sizeof(unsigned long))
#define SLOT_TEXT	(SLOT_SIZE - SLOT_HEAD)
#define HIST		8
#define MAX_REPORT	20

enum mop {
	M_CREATE, M_MKDIR, M_RENAME, M_NOREPLACE, M_EXCHANGE, M_LINK,
	M_SYMLINK, M_UNLINK, M_RMDIR, M_REWRITE, M_CHECK, M_SCAN, NR_MOPS
};

static const struct {
	const char *name;
	unsigned int weight;
} mops[NR_MOPS] = {
	[M_CREATE]	= { "create",		14 },
	[M_MKDIR]	= { "mkdir",		6 },
	[M_RENAME]	= { "rename",		16 },
	[M_NOREPLACE]	= { "noreplace",	5 },
	[M_EXCHANGE]	= { "exchange",		6 },
	[M_LINK]	= { "link",		9 },
	[M_SYMLINK]	= { "symlink",		7 },
	[M_UNLINK]	= { "unlink",		12 },
	[M_RMDIR]	= { "rmdir",		6 },
	[M_REWRITE]	= { "rewrite",		5 },
	[M_CHECK]	= { "check",		6 },
	[M_SCAN]	= { "scan",		4 },
};

enum type { T_FILE = 1, T_DIR = 2, T_LINK = 4, T_ANY = 7 };

static struct {
	int workers, dirs, quiet, no_dirlink;
	uint64_t ops, seed;
	unsigned int off;	/* disabled ops, 1 << op */
	const char *root, *save, *verify;
} opt = { .workers = 4, .dirs = 8, .ops = 2000 };

/* ---- shared bits -------------------------------------------------------- */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The content of a file with content id @id; returns its length. */
static size_t content(uint32_t id, char *buf)
{
	uint64_t h = mix64(id + 0x51ed27ULL);
	size_t len, i, n;

	if (h % 10 == 0)
		len = 0;
	else if (h % 16 == 1)
		len = 4000 + (h >> 8) % (CONTENT_MAX - 4000);
	else
		len = (h >> 8) % 1200;
	n = snprintf(buf, CONTENT_MAX, "mstress content %u\n", id);
	for (i = n; i < len; i++) {
		h = mix64(h + i);
		buf[i] = 'a' + h % 26;
	}
	return len;
}

/* The symlink target with target id @id (no blanks, never empty). */
static size_t target(uint32_t id, char *buf)
{
	uint64_t h = mix64(id + 0x7a9e3ULL);
	size_t len, i, n;

	len = h % 12 == 0 ? 1000 + (h >> 8) % (TARGET_MAX - 1000)
			  : 1 + (h >> 8) % 200;
	n = snprintf(buf, TARGET_MAX + 1, "t%u", id);
	for (i = n; i < len; i++) {
		h = mix64(h + i);
		buf[i] = h % 9 == 0 ? '/' : h % 9 == 1 ? '.' : 'a' + h % 26;
	}
	buf[len] = '\0';
	return len;
}

static const char *type_name(int t)
{
	return t == T_FILE ? "file" : t == T_DIR ? "directory" :
	       t == T_LINK ? "symlink" : "other";
}

static int mode_type(mode_t m)
{
	return S_ISREG(m) ? T_FILE : S_ISDIR(m) ? T_DIR :
	       S_ISLNK(m) ? T_LINK : 0;
}

static const char *ename(int e)
{
	const char *s = e ? strerrorname_np(e) : "success";

	return s ? s : "?";
}

/* ---- a worker's model --------------------------------------------------- */

struct obj {			/* an inode */
	int live, type;
	int nlink;		/* files, symlinks: names of it */
	int dent;		/* directories: the entry naming it */
	uint32_t id;		/* for the model's keys */
	uint32_t data;		/* content or target id */
	ino_t ino;
};

struct ent {			/* a name */
	int live;
	int parent;		/* >= 0: own directory's obj; < 0: d(-1-n) */
	int obj;
	char name[NAME_LEN];
};

static int me;
static int rootfd = -1;
static struct ent ents[MAX_ENTS];
static struct obj objs[MAX_ENTS];
static int nlive;
static unsigned int name_seq, obj_seq, data_seq;
static uint64_t rng, opno;
static char hist[HIST][600];
static char *slot;		/* this worker's piece of the shared map */
static unsigned long *slot_counts;

static uint64_t rnd(void)
{
	rng += 0x9e3779b97f4a7c15ULL;
	return mix64(rng);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
bad(const char *fmt, ...)
{
	va_list ap;
	uint64_t i;

	fprintf(stderr, "mstress: worker %d op %llu: %s: ", me,
		(unsigned long long)opno, hist[opno % HIST]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nmstress: worker %d's last operations:\n", me);
	for (i = opno > HIST ? opno - HIST + 1 : 1; i <= opno; i++)
		fprintf(stderr, "mstress:   %llu %s\n", (unsigned long long)i,
			hist[i % HIST]);
	exit(1);
}

static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(hist[opno % HIST], sizeof(hist[0]), fmt, ap);
	va_end(ap);
}

static char *dir_path(int parent, char *buf, size_t n);

static char *ent_path(int parent, const char *name, char *buf, size_t n)
{
	size_t l;

	dir_path(parent, buf, n);
	l = strlen(buf);
	snprintf(buf + l, n - l, "/%s", name);
	return buf;
}

static char *dir_path(int parent, char *buf, size_t n)
{
	const struct ent *e;

	if (parent < 0) {
		snprintf(buf, n, "d%02d", -1 - parent);
		return buf;
	}
	e = &ents[objs[parent].dent];
	return ent_path(e->parent, e->name, buf, n);
}

static char *path_of(int e, char *buf)
{
	return ent_path(ents[e].parent, ents[e].name, buf, PATH_MAX);
}

static int type_of(int e)
{
	return objs[ents[e].obj].type;
}

/* Depth of directory @parent: a shared directory is 1. */
static int depth(int parent)
{
	return parent < 0 ? 1 : 1 + depth(ents[objs[parent].dent].parent);
}

/* Levels of directories from obj @o down (0 for a non-directory). */
static int height(int o)
{
	int e, h = 0, x;

	if (objs[o].type != T_DIR)
		return 0;
	for (e = 0; e < MAX_ENTS; e++)
		if (ents[e].live && ents[e].parent == o &&
		    (x = height(ents[e].obj)) > h)
			h = x;
	return 1 + h;
}

/* Is directory obj @o directory @parent or one of its ancestors? */
static int contains(int o, int parent)
{
	while (parent >= 0) {
		if (parent == o)
			return 1;
		parent = ents[objs[parent].dent].parent;
	}
	return 0;
}

static int children(int parent, int type_mask)
{
	int e, n = 0;

	for (e = 0; e < MAX_ENTS; e++)
		if (ents[e].live && ents[e].parent == parent &&
		    (type_of(e) & type_mask))
			n++;
	return n;
}

static int find(int parent, const char *name)
{
	int e;

	for (e = 0; e < MAX_ENTS; e++)
		if (ents[e].live && ents[e].parent == parent &&
		    !strcmp(ents[e].name, name))
			return e;
	return -1;
}

/* A random live entry whose type is in @mask; -1 if none. */
static int pick_ent(int mask)
{
	int e, n = 0, pick = -1;

	for (e = 0; e < MAX_ENTS; e++)
		if (ents[e].live && (type_of(e) & mask) && !below(++n))
			pick = e;
	return pick;
}

/* A directory for a new name: mostly a shared one. */
static int pick_dir(void)
{
	int e;

	if (rnd() % 10 < 7 || (e = pick_ent(T_DIR)) < 0 ||
	    depth(ents[e].obj) >= MAX_DEPTH)
		return -1 - (int)below(opt.dirs);
	return ents[e].obj;
}

static void new_name(char *name)
{
	snprintf(name, NAME_LEN, "w%d-%u", me, name_seq++);
}

static int new_obj(int type, uint32_t data)
{
	int o;

	for (o = 0; o < MAX_ENTS && objs[o].live; o++)
		;
	if (o == MAX_ENTS)
		bad("model: out of object slots");
	memset(&objs[o], 0, sizeof(objs[o]));
	objs[o].live = 1;
	objs[o].type = type;
	objs[o].id = obj_seq++;
	objs[o].data = data;
	return o;
}

static int new_ent(int parent, const char *name, int o)
{
	int e;

	for (e = 0; e < MAX_ENTS && ents[e].live; e++)
		;
	if (e == MAX_ENTS)
		bad("model: out of entry slots");
	ents[e].live = 1;
	ents[e].parent = parent;
	ents[e].obj = o;
	snprintf(ents[e].name, NAME_LEN, "%s", name);
	objs[o].nlink++;
	if (objs[o].type == T_DIR)
		objs[o].dent = e;
	nlive++;
	return e;
}

static void drop_ent(int e)
{
	struct obj *o = &objs[ents[e].obj];

	ents[e].live = 0;
	nlive--;
	if (--o->nlink == 0 || o->type == T_DIR)
		o->live = 0;
}

static uint32_t new_data(void)
{
	return (uint32_t)me << 22 | data_seq++;
}

/* ---- a worker's checks -------------------------------------------------- */

/* A call's result against the model's: @want 0 is success. */
static void outcome(const char *call, int ret, int want, int alt)
{
	int e = ret < 0 ? errno : 0;

	if (e == want || (alt && e == alt)) {
		if (e)		/* failed as predicted */
			slot_counts[NR_MOPS]++;
		return;
	}
	if (alt)
		bad("%s: got %s, want %s or %s", call, ename(e), ename(want),
		    ename(alt));
	bad("%s: got %s, want %s", call, ename(e), ename(want));
}

static void check_gone(const char *path)
{
	struct stat st;

	if (!fstatat(rootfd, path, &st, AT_SYMLINK_NOFOLLOW))
		bad("%s still exists (inode %llu)", path,
		    (unsigned long long)st.st_ino);
	if (errno != ENOENT)
		bad("lstat %s: %s, want ENOENT", path, ename(errno));
}

/* Entry @e: type, inode and link count as the model says. */
static void check_ent(int e)
{
	struct obj *o = &objs[ents[e].obj];
	char path[PATH_MAX];
	struct stat st;
	nlink_t want;

	path_of(e, path);
	if (fstatat(rootfd, path, &st, AT_SYMLINK_NOFOLLOW))
		bad("lstat %s: %s", path, ename(errno));
	if (mode_type(st.st_mode) != o->type)
		bad("%s is a %s, want a %s", path,
		    type_name(mode_type(st.st_mode)), type_name(o->type));
	if (st.st_ino != o->ino)
		bad("%s is inode %llu, want %llu", path,
		    (unsigned long long)st.st_ino,
		    (unsigned long long)o->ino);
	if (o->type == T_DIR && opt.no_dirlink)
		return;
	want = o->type == T_DIR ? 2 + children(ents[e].obj, T_DIR) : o->nlink;
	if (st.st_nlink != want)
		bad("%s has %llu links, want %llu", path,
		    (unsigned long long)st.st_nlink, (unsigned long long)want);
}

static ino_t ino_of(const char *path)
{
	struct stat st;

	if (fstatat(rootfd, path, &st, AT_SYMLINK_NOFOLLOW))
		bad("lstat %s: %s", path, ename(errno));
	return st.st_ino;
}

static void check_content(int e)
{
	static char want[CONTENT_MAX], got[CONTENT_MAX + 1];
	size_t len = content(objs[ents[e].obj].data, want), done = 0;
	char path[PATH_MAX];
	ssize_t n;
	int fd = openat(rootfd, path_of(e, path),
			O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		bad("open %s: %s", path, ename(errno));
	while ((n = read(fd, got + done, sizeof(got) - done)) > 0)
		done += n;
	if (n < 0)
		bad("read %s: %s", path, ename(errno));
	close(fd);
	if (done != len || memcmp(got, want, len))
		bad("%s: content differs (%zu bytes, want %zu of content %u)",
		    path, done, len, objs[ents[e].obj].data);
}

static void check_target(int e)
{
	static char want[TARGET_MAX + 1], got[TARGET_MAX + 2];
	char path[PATH_MAX];
	size_t len = target(objs[ents[e].obj].data, want);
	ssize_t n = readlinkat(rootfd, path_of(e, path), got, sizeof(got));

	if (n < 0)
		bad("readlink %s: %s", path, ename(errno));
	if ((size_t)n != len || memcmp(got, want, len))
		bad("%s: target differs (%zd bytes, want %zu of target %u)",
		    path, n, len, objs[ents[e].obj].data);
}

/*
 * readdir directory @parent: each of our names there exactly once (with
 * the right d_type), none that is not; others' names (in a shared
 * directory) are ignored.  In our own directory there are no others.
 */
static void check_listing(int parent)
{
	static off_t where[MAX_ENTS];	/* d_off each name came with */
	char path[PATH_MAX], prefix[16];
	int fd, e, seen[MAX_ENTS] = { 0 };
	struct dirent *d;
	DIR *dir;

	dir_path(parent, path, sizeof(path));
	snprintf(prefix, sizeof(prefix), "w%d-", me);
	fd = openat(rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd)))
		bad("opendir %s: %s", path, ename(errno));
	while ((errno = 0, d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (strncmp(d->d_name, prefix, strlen(prefix))) {
			if (parent >= 0)
				bad("readdir %s: unexpected name %s", path,
				    d->d_name);
			continue;
		}
		e = find(parent, d->d_name);
		if (e < 0)
			bad("readdir %s: %s should not exist", path,
			    d->d_name);
		if (seen[e]++)
			bad("readdir %s: %s returned twice (d_off %lld, then "
			    "%lld; inode %llu)", path, d->d_name,
			    (long long)where[e], (long long)d->d_off,
			    (unsigned long long)d->d_ino);
		where[e] = d->d_off;
		if (d->d_type != DT_UNKNOWN &&
		    d->d_type != (type_of(e) == T_FILE ? DT_REG :
				  type_of(e) == T_DIR ? DT_DIR : DT_LNK))
			bad("readdir %s: %s has d_type %d, want a %s", path,
			    d->d_name, d->d_type, type_name(type_of(e)));
	}
	if (errno)
		bad("readdir %s: %s", path, ename(errno));
	closedir(dir);
	for (e = 0; e < MAX_ENTS; e++)
		if (ents[e].live && ents[e].parent == parent && !seen[e])
			bad("readdir %s: %s is missing", path, ents[e].name);
}

/* ---- a worker's operations ---------------------------------------------- */

static void write_content(int fd, uint32_t data, const char *path)
{
	static char buf[CONTENT_MAX];
	size_t len = content(data, buf), done = 0;

	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);

		if (n <= 0)
			bad("write %s: %s", path, ename(errno));
		done += n;
	}
}

/*
 * A name for an op to make: one of ours that exists (@existing times in
 * 16, to see the call fail or replace it), else a new one.  Returns the
 * entry, or -1 for a new name.
 */
static int pick_target(unsigned int existing, int *parent, char *name)
{
	int e = -1;

	if (below(16) < existing)
		e = pick_ent(T_ANY);
	if (e >= 0) {
		*parent = ents[e].parent;
		snprintf(name, NAME_LEN, "%s", ents[e].name);
		return e;
	}
	*parent = pick_dir();
	new_name(name);
	return -1;
}

static void op_create(void)
{
	char path[PATH_MAX], name[NAME_LEN];
	int parent, e = pick_target(1, &parent, name), fd, o;
	uint32_t data = new_data();
	struct stat st;

	ent_path(parent, name, path, sizeof(path));
	note("create %s (content %u)", path, data);
	fd = openat(rootfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0644);
	if (e >= 0) {
		outcome("open O_CREAT|O_EXCL", fd, EEXIST, 0);
		check_ent(e);
		return;
	}
	outcome("open O_CREAT|O_EXCL", fd, 0, 0);
	write_content(fd, data, path);
	if (fstat(fd, &st) || close(fd))
		bad("fstat/close %s: %s", path, ename(errno));
	o = new_obj(T_FILE, data);
	objs[o].ino = st.st_ino;
	check_ent(new_ent(parent, name, o));
}

static void op_mkdir(void)
{
	char path[PATH_MAX], name[NAME_LEN];
	int parent, e = pick_target(1, &parent, name), o;

	if (e < 0 && depth(parent) >= MAX_DEPTH)
		parent = -1 - (int)below(opt.dirs);
	ent_path(parent, name, path, sizeof(path));
	note("mkdir %s", path);
	if (e >= 0) {
		outcome("mkdir", mkdirat(rootfd, path, 0755), EEXIST, 0);
		check_ent(e);
		return;
	}
	outcome("mkdir", mkdirat(rootfd, path, 0755), 0, 0);
	o = new_obj(T_DIR, 0);
	objs[o].ino = ino_of(path);
	check_ent(new_ent(parent, name, o));
}

static void op_symlink(void)
{
	static char tgt[TARGET_MAX + 1];
	char path[PATH_MAX], name[NAME_LEN];
	int parent, e = pick_target(1, &parent, name), o;
	uint32_t data = new_data();

	target(data, tgt);
	ent_path(parent, name, path, sizeof(path));
	note("symlink %s (target %u, %zu bytes)", path, data, strlen(tgt));
	if (e >= 0) {
		outcome("symlink", symlinkat(tgt, rootfd, path), EEXIST, 0);
		check_ent(e);
		return;
	}
	outcome("symlink", symlinkat(tgt, rootfd, path), 0, 0);
	o = new_obj(T_LINK, data);
	objs[o].ino = ino_of(path);
	e = new_ent(parent, name, o);
	check_ent(e);
	check_target(e);
}

static void op_link(void)
{
	char spath[PATH_MAX], path[PATH_MAX], name[NAME_LEN];
	int src = pick_ent(rnd() % 16 ? T_FILE | T_LINK : T_ANY);
	int parent, e, ret;

	if (src < 0)
		return op_create();
	e = pick_target(2, &parent, name);
	path_of(src, spath);
	ent_path(parent, name, path, sizeof(path));
	note("link %s -> %s", spath, path);
	ret = linkat(rootfd, spath, rootfd, path, 0);
	if (e >= 0) {			/* the name is looked up first */
		outcome("link", ret, EEXIST, 0);
	} else if (type_of(src) == T_DIR) {
		outcome("link", ret, EPERM, 0);
	} else {
		outcome("link", ret, 0, 0);
		e = new_ent(parent, name, ents[src].obj);
	}
	if (e >= 0)
		check_ent(e);
	check_ent(src);
}

static void op_unlink(void)
{
	char path[PATH_MAX];
	int e = pick_ent(rnd() % 16 ? T_FILE | T_LINK : T_ANY), ret;
	struct ent old;

	if (e < 0)
		return op_create();
	path_of(e, path);
	note("unlink %s (a %s)", path, type_name(type_of(e)));
	ret = unlinkat(rootfd, path, 0);
	if (type_of(e) == T_DIR) {
		outcome("unlink", ret, EISDIR, 0);
		check_ent(e);
		return;
	}
	outcome("unlink", ret, 0, 0);
	old = ents[e];
	drop_ent(e);
	check_gone(path);
	if (objs[old.obj].live)		/* another name of it */
		for (e = 0; e < MAX_ENTS; e++)
			if (ents[e].live && ents[e].obj == old.obj)
				check_ent(e);
}

static void op_rmdir(void)
{
	char path[PATH_MAX];
	int e = pick_ent(T_DIR), i, ret;

	/* rather an empty one, so that directories do go */
	for (i = 0; i < 3 && e >= 0 && children(ents[e].obj, T_ANY) &&
	     rnd() % 4; i++)
		e = pick_ent(T_DIR);
	if (rnd() % 10 == 0 || e < 0)	/* or not a directory: ENOTDIR */
		e = pick_ent(T_ANY);
	if (e < 0)
		return op_create();
	path_of(e, path);
	note("rmdir %s (a %s)", path, type_name(type_of(e)));
	ret = unlinkat(rootfd, path, AT_REMOVEDIR);
	if (type_of(e) != T_DIR) {
		outcome("rmdir", ret, ENOTDIR, 0);
	} else if (children(ents[e].obj, T_ANY)) {
		outcome("rmdir", ret, ENOTEMPTY, EEXIST);
	} else {
		outcome("rmdir", ret, 0, 0);
		drop_ent(e);
		check_gone(path);
		return;
	}
	check_ent(e);
}

static void op_rewrite(void)
{
	char path[PATH_MAX];
	int e = pick_ent(T_FILE), fd, i;
	uint32_t data = new_data();

	if (e < 0)
		return op_create();
	path_of(e, path);
	note("rewrite %s (content %u -> %u)", path, objs[ents[e].obj].data,
	     data);
	fd = openat(rootfd, path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		bad("open O_TRUNC: %s", ename(errno));
	write_content(fd, data, path);
	if (close(fd))
		bad("close: %s", ename(errno));
	objs[ents[e].obj].data = data;
	for (i = 0; i < MAX_ENTS; i++)	/* through every name of it */
		if (ents[i].live && ents[i].obj == ents[e].obj) {
			check_ent(i);
			check_content(i);
		}
}

/*
 * The result of a rename of @src to (@dparent, @dname), which names
 * entry @dst (-1: nothing), as the VFS decides it, in its order.
 * Returns the errno (0: success); *alt gets a second acceptable one.
 */
static int rename_result(int src, int dst, int dparent, unsigned int flags,
			 int *alt)
{
	int sdir = type_of(src) == T_DIR;

	*alt = 0;
	if ((flags & RENAME_NOREPLACE) && dst >= 0)
		return EEXIST;
	if ((flags & RENAME_EXCHANGE) && dst < 0)
		return ENOENT;
	if (sdir && contains(ents[src].obj, dparent))
		return EINVAL;		/* into itself */
	if (dst >= 0 && type_of(dst) == T_DIR &&
	    contains(ents[dst].obj, ents[src].parent)) {
		if (flags & RENAME_EXCHANGE)
			return EINVAL;
		*alt = EEXIST;
		return ENOTEMPTY;	/* over an ancestor */
	}
	if (dst >= 0 && ents[dst].obj == ents[src].obj)
		return 0;		/* same inode: nothing happens */
	if ((flags & RENAME_EXCHANGE) || dst < 0)
		return 0;
	if (sdir && type_of(dst) != T_DIR)
		return ENOTDIR;
	if (!sdir && type_of(dst) == T_DIR)
		return EISDIR;
	if (sdir && children(ents[dst].obj, T_ANY)) {
		*alt = EEXIST;
		return ENOTEMPTY;
	}
	return 0;
}

/* Would moving entry @e's tree under @parent go too deep? */
static int too_deep(int e, int parent)
{
	return type_of(e) == T_DIR && !contains(ents[e].obj, parent) &&
	       depth(parent) + height(ents[e].obj) > MAX_DEPTH;
}

static void rename_model(int src, int dst, int dparent, const char *dname,
			 unsigned int flags)
{
	struct ent tmp;

	if (dst >= 0 && ents[dst].obj == ents[src].obj)
		return;
	if (flags & RENAME_EXCHANGE) {
		tmp = ents[src];
		ents[src].parent = ents[dst].parent;
		memcpy(ents[src].name, ents[dst].name, NAME_LEN);
		ents[dst].parent = tmp.parent;
		memcpy(ents[dst].name, tmp.name, NAME_LEN);
		return;
	}
	if (dst >= 0)
		drop_ent(dst);
	ents[src].parent = dparent;
	snprintf(ents[src].name, NAME_LEN, "%s", dname);
}

static void op_rename(unsigned int flags)
{
	static const char *const fname[] = { "", " NOREPLACE", " EXCHANGE" };
	char spath[PATH_MAX], dpath[PATH_MAX], dname[NAME_LEN];
	int src = pick_ent(T_ANY), dst, dparent, want, alt, ret, tries = 0;
	int sobj, dobj;

	if (src < 0)
		return op_create();
	do {
		dst = pick_target(flags & RENAME_EXCHANGE ? 15 : 8, &dparent,
				  dname);
	} while ((too_deep(src, dparent) ||
		  (dst >= 0 && too_deep(dst, ents[src].parent))) &&
		 ++tries < 20);
	if (tries == 20) {
		note("rename: skipped (every target would be too deep)");
		return;
	}
	want = rename_result(src, dst, dparent, flags, &alt);
	path_of(src, spath);
	ent_path(dparent, dname, dpath, sizeof(dpath));
	note("rename%s %s (a %s) -> %s (%s%s)", fname[flags], spath,
	     type_name(type_of(src)), dpath, dst >= 0 ? "a " : "new",
	     dst >= 0 ? type_name(type_of(dst)) : "");
	if (flags)
		ret = syscall(SYS_renameat2, rootfd, spath, rootfd, dpath,
			      flags);
	else
		ret = renameat(rootfd, spath, rootfd, dpath);
	outcome(flags ? "renameat2" : "rename", ret, want, alt);
	sobj = ents[src].obj;
	dobj = dst >= 0 ? ents[dst].obj : -1;
	if (!want)
		rename_model(src, dst, dparent, dname, flags);
	if (!want && dobj != sobj && !(flags & RENAME_EXCHANGE))
		check_gone(spath);
	check_ent(src);
	if (dst >= 0 && ents[dst].live)
		check_ent(dst);
	if (!want && dst >= 0 && dobj != sobj && !(flags & RENAME_EXCHANGE) &&
	    objs[dobj].live) {	/* the replaced inode's other names */
		for (dst = 0; dst < MAX_ENTS; dst++)
			if (ents[dst].live && ents[dst].obj == dobj)
				check_ent(dst);
	}
}

static void op_check(void)
{
	char path[PATH_MAX];
	int e = pick_ent(T_ANY);

	if (e < 0)
		return op_create();
	note("check %s (a %s)", path_of(e, path), type_name(type_of(e)));
	check_ent(e);
	if (type_of(e) == T_FILE)
		check_content(e);
	else if (type_of(e) == T_LINK)
		check_target(e);
	else
		check_listing(ents[e].obj);
}

static void op_scan(void)
{
	int d = below(opt.dirs);

	note("scan d%02d", d);
	check_listing(-1 - d);
}

static enum mop pick_op(void)
{
	unsigned int total = 0, r, k;

	for (k = 0; k < NR_MOPS; k++)
		if (!(opt.off & (1U << k)))
			total += mops[k].weight;
	r = below(total);
	for (k = 0; k < NR_MOPS; k++) {
		if (opt.off & (1U << k))
			continue;
		if (r < mops[k].weight)
			break;
		r -= mops[k].weight;
	}
	return k;
}

static void run_op(enum mop op)
{
	int grows = op == M_CREATE || op == M_MKDIR || op == M_LINK ||
		    op == M_SYMLINK;

	if (grows && nlive >= LIVE_CAP)	/* keep the population bounded */
		op = opt.off & (1U << M_UNLINK) ? M_RMDIR : M_UNLINK;
	slot_counts[op]++;
	switch (op) {
	case M_CREATE: op_create(); break;
	case M_MKDIR: op_mkdir(); break;
	case M_RENAME: op_rename(0); break;
	case M_NOREPLACE: op_rename(RENAME_NOREPLACE); break;
	case M_EXCHANGE: op_rename(RENAME_EXCHANGE); break;
	case M_LINK: op_link(); break;
	case M_SYMLINK: op_symlink(); break;
	case M_UNLINK: op_unlink(); break;
	case M_RMDIR: op_rmdir(); break;
	case M_REWRITE: op_rewrite(); break;
	case M_CHECK: op_check(); break;
	case M_SCAN: op_scan(); break;
	case NR_MOPS: break;
	}
}

/* The worker's model as text lines, into its slot of the shared map. */
static void dump_model(void)
{
	size_t used = 0;
	char path[PATH_MAX];
	int e, n;

	for (e = 0; e < MAX_ENTS; e++) {
		struct obj *o = &objs[ents[e].obj];

		if (!ents[e].live)
			continue;
		path_of(e, path);
		if (o->type == T_DIR)
			n = snprintf(slot + used, SLOT_TEXT - used, "D %s\n",
				     path);
		else
			n = snprintf(slot + used, SLOT_TEXT - used,
				     "%c %s w%d.%u %u\n",
				     o->type == T_FILE ? 'F' : 'L', path, me,
				     o->id, o->data);
		if (n < 0 || (size_t)n >= SLOT_TEXT - used)
			bad("model: more than %zu bytes of text", SLOT_TEXT);
		used += n;
	}
}

static void worker(int w, char *map)
{
	me = w;
	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* not without the parent */
	slot_counts = (unsigned long *)(map + w * SLOT_SIZE);
	slot = map + w * SLOT_SIZE + SLOT_HEAD;
	rng = mix64(opt.seed ^ mix64(w + 1));
	rootfd = open(opt.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		bad("open %s: %s", opt.root, ename(errno));
	for (opno = 1; opno <= opt.ops; opno++)
		run_op(pick_op());
	opno--;
	dump_model();
	exit(0);
}

/* ---- the expected tree and its check ------------------------------------ */

struct xent {
	char *path;
	int type;
	char *key;		/* files, symlinks: the inode */
	uint32_t data;
	nlink_t nlink;		/* expected */
	int seen;
	ino_t ino;
};

static struct xent *xs;
static size_t nx, capx;
static long nbad;

static void xadd(const char *path, int type, const char *key, uint32_t data)
{
	struct xent *x;

	if (nx == capx) {
		capx = capx ? 2 * capx : 1024;
		xs = realloc(xs, capx * sizeof(*xs));
		if (!xs)
			die("out of memory");
	}
	x = &xs[nx++];
	memset(x, 0, sizeof(*x));
	x->path = strdup(path);
	x->key = strdup(key ? key : path);
	x->type = type;
	x->data = data;
	if (!x->path || !x->key)
		die("out of memory");
}

/* One model line: "F PATH KEY DATA", "L PATH KEY DATA" or "D PATH". */
static int parse_line(const char *line)
{
	char t, path[PATH_MAX], key[64];
	unsigned int data;

	if (sscanf(line, "D %4095s", path) == 1) {
		xadd(path, T_DIR, NULL, 0);
		return 0;
	}
	if (sscanf(line, "%c %4095s %63s %u", &t, path, key, &data) == 4 &&
	    (t == 'F' || t == 'L')) {
		xadd(path, t == 'F' ? T_FILE : T_LINK, key, data);
		return 0;
	}
	return -1;
}

static void __attribute__((format(printf, 1, 2))) vbad(const char *fmt, ...)
{
	va_list ap;

	if (++nbad > MAX_REPORT)
		return;
	fprintf(stderr, "mstress: verify: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct xent *)a)->path,
		      ((const struct xent *)b)->path);
}

static struct xent *xfind(const char *path)
{
	struct xent k = { .path = (char *)path };

	return bsearch(&k, xs, nx, sizeof(*xs), by_path);
}

static int by_key(const void *a, const void *b)
{
	const struct xent *x = *(struct xent *const *)a;
	const struct xent *y = *(struct xent *const *)b;

	return strcmp(x->key, y->key);
}

static int by_ino(const void *a, const void *b)
{
	const struct xent *x = *(struct xent *const *)a;
	const struct xent *y = *(struct xent *const *)b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* Sort, refuse duplicates, and work out every expected link count. */
static void prepare(void)
{
	struct xent **v = xmalloc(nx * sizeof(*v));
	size_t i, j;

	qsort(xs, nx, sizeof(*xs), by_path);
	for (i = 0; i < nx; i++) {
		if (i && !strcmp(xs[i].path, xs[i - 1].path))
			die("model: %s twice", xs[i].path);
		xs[i].nlink = xs[i].type == T_DIR ? 2 : 0;
	}
	for (i = 0; i < nx; i++) {
		char parent[PATH_MAX], *slash;
		struct xent *p;

		if (xs[i].type != T_DIR || !*xs[i].path)
			continue;
		snprintf(parent, sizeof(parent), "%s", xs[i].path);
		slash = strrchr(parent, '/');
		*(slash ? slash : parent) = '\0';
		p = xfind(parent);
		if (!p || p->type != T_DIR)
			die("model: %s has no parent directory", xs[i].path);
		p->nlink++;
	}
	for (i = 0; i < nx; i++)
		v[i] = &xs[i];
	qsort(v, nx, sizeof(*v), by_key);
	for (i = 0; i < nx; i = j) {
		for (j = i; j < nx && !strcmp(v[j]->key, v[i]->key); j++)
			;
		if (v[i]->type != T_DIR)
			for (size_t k = i; k < j; k++)
				v[k]->nlink = j - i;
	}
	free(v);
}

static void check_file(int rfd, struct xent *x)
{
	static char want[CONTENT_MAX], got[CONTENT_MAX + 1];
	size_t len = content(x->data, want), done = 0;
	ssize_t n;
	int fd = openat(rfd, x->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		vbad("open %s: %s", x->path, ename(errno));
		return;
	}
	while ((n = read(fd, got + done, sizeof(got) - done)) > 0)
		done += n;
	if (n < 0)
		vbad("read %s: %s", x->path, ename(errno));
	else if (done != len || memcmp(got, want, len))
		vbad("%s: content differs (%zu bytes, want %zu of content %u)",
		     x->path, done, len, x->data);
	close(fd);
}

static void check_link(int rfd, struct xent *x)
{
	static char want[TARGET_MAX + 1], got[TARGET_MAX + 2];
	size_t len = target(x->data, want);
	ssize_t n = readlinkat(rfd, x->path, got, sizeof(got));

	if (n < 0)
		vbad("readlink %s: %s", x->path, ename(errno));
	else if ((size_t)n != len || memcmp(got, want, len))
		vbad("%s: target differs (%zd bytes, want %zu of target %u)",
		     x->path, n, len, x->data);
}

/* One name found in the tree: compare it with the model. */
static void check_found(int rfd, const char *path, int d_type, int *is_dir)
{
	struct xent *x = xfind(path);
	struct stat st;
	int t;

	*is_dir = 0;
	if (fstatat(rfd, path, &st, AT_SYMLINK_NOFOLLOW)) {
		vbad("lstat %s: %s", path, ename(errno));
		return;
	}
	t = mode_type(st.st_mode);
	*is_dir = t == T_DIR;
	if (d_type != DT_UNKNOWN && d_type != (t == T_FILE ? DT_REG :
	    t == T_DIR ? DT_DIR : t == T_LINK ? DT_LNK : -1))
		vbad("%s: d_type %d does not match its mode 0%o", path,
		     d_type, st.st_mode);
	if (!x) {
		vbad("unexpected %s %s", type_name(t), path);
		return;
	}
	if (x->seen++) {
		vbad("readdir returned %s twice", path);
		return;
	}
	x->ino = st.st_ino;
	if (t != x->type) {
		vbad("%s is a %s, want a %s", path, type_name(t),
		     type_name(x->type));
		return;
	}
	if (st.st_nlink != x->nlink && !(t == T_DIR && opt.no_dirlink))
		vbad("%s has %llu links, want %llu", path,
		     (unsigned long long)st.st_nlink,
		     (unsigned long long)x->nlink);
	if (t == T_FILE)
		check_file(rfd, x);
	else if (t == T_LINK)
		check_link(rfd, x);
}

static void walk(int rfd, const char *rel)
{
	char path[PATH_MAX];
	struct dirent *d;
	int fd, is_dir;
	DIR *dir;

	fd = openat(rfd, *rel ? rel : ".",
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		vbad("opendir %s: %s", *rel ? rel : ".", ename(errno));
		return;
	}
	while ((errno = 0, d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "",
			 d->d_name);
		check_found(rfd, path, d->d_type, &is_dir);
		if (is_dir)
			walk(rfd, path);
	}
	if (errno)
		vbad("readdir %s: %s", *rel ? rel : ".", ename(errno));
	closedir(dir);
}

/* Hard links share an inode; nothing else does. */
static void check_inodes(void)
{
	struct xent **v = xmalloc(nx * sizeof(*v));
	size_t i, n = 0;

	for (i = 0; i < nx; i++)
		if (xs[i].seen && xs[i].type != T_DIR && *xs[i].path)
			v[n++] = &xs[i];
	qsort(v, n, sizeof(*v), by_key);
	for (i = 1; i < n; i++)
		if (!strcmp(v[i]->key, v[i - 1]->key) &&
		    v[i]->ino != v[i - 1]->ino)
			vbad("%s and %s are hard links, but inodes %llu and "
			     "%llu", v[i - 1]->path, v[i]->path,
			     (unsigned long long)v[i - 1]->ino,
			     (unsigned long long)v[i]->ino);
	n = 0;
	for (i = 0; i < nx; i++)
		if (xs[i].seen || !*xs[i].path)
			v[n++] = &xs[i];
	qsort(v, n, sizeof(*v), by_ino);
	for (i = 1; i < n; i++)
		if (v[i]->ino == v[i - 1]->ino &&
		    strcmp(v[i]->key, v[i - 1]->key))
			vbad("%s and %s share inode %llu, but are not hard "
			     "links", v[i - 1]->path, v[i]->path,
			     (unsigned long long)v[i]->ino);
	free(v);
}

/* Compare the tree under ROOT with xs[]; returns the number of faults. */
static long check_tree(int ndirs)
{
	char name[32];
	struct stat st;
	size_t i;
	int rfd = open(opt.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (rfd < 0)
		die_errno("%s", opt.root);
	xadd("", T_DIR, NULL, 0);
	for (int d = 0; d < ndirs; d++) {
		snprintf(name, sizeof(name), "d%02d", d);
		xadd(name, T_DIR, NULL, 0);
	}
	prepare();
	if (fstat(rfd, &st))
		die_errno("%s", opt.root);
	xs[0].seen = 1;		/* "" sorts first: the root */
	xs[0].ino = st.st_ino;
	if (st.st_nlink != xs[0].nlink && !opt.no_dirlink)
		vbad("%s has %llu links, want %llu", opt.root,
		     (unsigned long long)st.st_nlink,
		     (unsigned long long)xs[0].nlink);
	walk(rfd, "");
	for (i = 0; i < nx; i++)
		if (!xs[i].seen)
			vbad("missing %s %s", type_name(xs[i].type),
			     xs[i].path);
	check_inodes();
	close(rfd);
	if (nbad > MAX_REPORT)
		fprintf(stderr, "mstress: verify: ... and %ld more\n",
			nbad - MAX_REPORT);
	return nbad;
}

/* ---- the parent --------------------------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void make_root(void)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;
	int i;

	if (mkdir(opt.root, 0755) && errno != EEXIST)
		die_errno("mkdir %s", opt.root);
	dir = opendir(opt.root);
	if (!dir)
		die_errno("%s", opt.root);
	while ((d = readdir(dir)))
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			die("%s is not empty (%s)", opt.root, d->d_name);
	closedir(dir);
	for (i = 0; i < opt.dirs; i++) {
		snprintf(path, sizeof(path), "%s/d%02d", opt.root, i);
		if (mkdir(path, 0755))
			die_errno("mkdir %s", path);
	}
}

/* Wait for every worker; on the first failure stop the others. */
static int reap(pid_t *pids)
{
	int left = opt.workers, failed = 0, status, i;
	pid_t pid;

	while (left) {
		pid = wait(&status);
		if (pid < 0)
			die_errno("wait");
		for (i = 0; i < opt.workers && pids[i] != pid; i++)
			;
		if (i == opt.workers)
			continue;
		pids[i] = 0;
		left--;
		if (WIFEXITED(status) && !WEXITSTATUS(status))
			continue;
		if (!failed && WIFSIGNALED(status))
			fprintf(stderr, "mstress: worker %d killed by signal "
				"%d\n", i, WTERMSIG(status));
		if (!failed++)
			for (int j = 0; j < opt.workers; j++)
				if (pids[j])
					kill(pids[j], SIGKILL);
	}
	return failed;
}

static void save_model(const char *path, const char *map)
{
	char *tmp;
	FILE *m;
	int w;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		die("out of memory");
	m = fopen(tmp, "w");
	if (!m)
		die_errno("%s", tmp);
	fprintf(m, "mstress-model 1\nseed %llu workers %d ops %llu\n"
		"dirs %d\n", (unsigned long long)opt.seed, opt.workers,
		(unsigned long long)opt.ops, opt.dirs);
	for (w = 0; w < opt.workers; w++)
		fputs(map + w * SLOT_SIZE + SLOT_HEAD,
		      m);
	fprintf(m, "end\n");
	if (fflush(m) || fsync(fileno(m)) || fclose(m))
		die_errno("write %s", tmp);
	if (rename(tmp, path))
		die_errno("rename %s", tmp);
	free(tmp);
}

static void summary(const char *what, double secs)
{
	size_t i, n[8] = { 0 }, links = 0;

	for (i = 1; i < nx; i++) {
		n[xs[i].type]++;
		if (xs[i].type != T_DIR && xs[i].nlink > 1)
			links++;
	}
	printf("mstress: %s: %zu names ok (%zu files, %zu symlinks, %zu "
	       "directories, %zu hard-linked names) in %.2f s\n", what,
	       nx - 1, n[T_FILE], n[T_LINK], n[T_DIR], links, secs);
}

static int run(void)
{
	size_t len = (size_t)opt.workers * SLOT_SIZE;
	unsigned long counts[NR_MOPS + 1] = { 0 };
	pid_t pids[MAX_WORKERS];
	double t0 = now(), secs;
	char *map, *line, *save;
	int w, k;

	make_root();
	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		die_errno("mmap %zu bytes", len);
	fflush(stdout);
	for (w = 0; w < opt.workers; w++) {
		pids[w] = fork();
		if (pids[w] < 0)
			die_errno("fork");
		if (!pids[w])
			worker(w, map);
	}
	if (reap(pids)) {
		fprintf(stderr, "mstress: FAILED (seed %llu)\n",
			(unsigned long long)opt.seed);
		return 1;
	}
	secs = now() - t0;
	for (w = 0; w < opt.workers; w++) {
		char *text = map + w * SLOT_SIZE;

		for (k = 0; k <= NR_MOPS; k++)
			counts[k] += ((unsigned long *)text)[k];
		text = strdup(text + SLOT_HEAD);
		if (!text)
			die("out of memory");
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			if (parse_line(line))
				die("worker %d: bad model line '%s'", w, line);
		free(text);
	}
	if (check_tree(opt.dirs)) {
		fprintf(stderr, "mstress: FAILED: the tree differs from the "
			"model (seed %llu)\n", (unsigned long long)opt.seed);
		return 1;
	}
	if (opt.save)
		save_model(opt.save, map);
	if (!opt.quiet) {
		char what[512];
		int n = snprintf(what, sizeof(what), "%d workers x %llu ops "
				 "in %d dirs, seed %llu, %.0f ops/s (",
				 opt.workers, (unsigned long long)opt.ops,
				 opt.dirs, (unsigned long long)opt.seed,
				 opt.workers * opt.ops / secs);

		for (k = 0; k < NR_MOPS && n < (int)sizeof(what); k++)
			n += snprintf(what + n, sizeof(what) - n, "%s%s %lu",
				      k ? ", " : "", mops[k].name, counts[k]);
		if (n < (int)sizeof(what))
			snprintf(what + n, sizeof(what) - n, "; %lu failed as "
				 "predicted)", counts[NR_MOPS]);
		summary(what, now() - t0);
	}
	munmap(map, len);
	return 0;
}

static int verify_only(void)
{
	unsigned long long seed, ops;
	char line[PATH_MAX + 128];
	double t0 = now();
	int workers, dirs, end = 0;
	FILE *m = fopen(opt.verify, "r");

	if (!m)
		die_errno("%s", opt.verify);
	if (fscanf(m, "mstress-model 1 seed %llu workers %d ops %llu dirs %d ",
		   &seed, &workers, &ops, &dirs) != 4 || dirs < 1 ||
	    dirs > MAX_DIRS)
		die("%s: not an mstress model", opt.verify);
	while (fgets(line, sizeof(line), m)) {
		if (!strcmp(line, "end\n")) {
			end = 1;
			break;
		}
		if (parse_line(line))
			die("%s: bad line '%s'", opt.verify, line);
	}
	fclose(m);
	if (!end)
		die("%s: truncated (no end line)", opt.verify);
	if (check_tree(dirs)) {
		fprintf(stderr, "mstress: FAILED: %s differs from %s\n",
			opt.root, opt.verify);
		return 1;
	}
	if (!opt.quiet) {
		snprintf(line, sizeof(line), "verified %s against %s (seed "
			 "%llu)", opt.root, opt.verify, seed);
		summary(line, now() - t0);
	}
	return 0;
}

static void disable(const char *list)
{
	char *s = strdup(list), *name, *save = NULL;
	int k;

	if (!s)
		die("out of memory");
	for (name = strtok_r(s, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < NR_MOPS; k++)
			if (!strcmp(name, mops[k].name))
				break;
		if (k == NR_MOPS)
			die("-x: unknown operation '%s'", name);
		opt.off |= 1U << k;
	}
	free(s);
	if ((opt.off & (1U << M_UNLINK)) && (opt.off & (1U << M_RMDIR)))
		die("-x: unlink or rmdir must stay (they keep the population "
		    "bounded)");
}

static void usage(void)
{
	int k;

	fprintf(stderr,
		"usage: mstress [-p WORKERS] [-d DIRS] [-n OPS] [-s SEED] "
		"[-x OPLIST]\n"
		"               [-S MODEL] [-N] [-q] -r ROOT\n"
		"       mstress -V MODEL [-N] [-q] -r ROOT\n"
		"operations (for -x, comma-separated):");
	for (k = 0; k < NR_MOPS; k++)
		fprintf(stderr, " %s", mops[k].name);
	fputc('\n', stderr);
	exit(1);
}

int main(int argc, char **argv)
{
	int c, seeded = 0;

	helper_name = "mstress";
	while ((c = getopt(argc, argv, "p:d:n:s:x:S:V:r:Nq")) != -1) {
		switch (c) {
		case 'p': opt.workers = parse_num(optarg); break;
		case 'd': opt.dirs = parse_num(optarg); break;
		case 'n': opt.ops = parse_num(optarg); break;
		case 's': opt.seed = parse_num(optarg); seeded = 1; break;
		case 'x': disable(optarg); break;
		case 'S': opt.save = optarg; break;
		case 'V': opt.verify = optarg; break;
		case 'r': opt.root = optarg; break;
		case 'N': opt.no_dirlink = 1; break;
		case 'q': opt.quiet = 1; break;
		default: usage();
		}
	}
	if (optind != argc || !opt.root)
		usage();
	if (opt.verify)
		return verify_only();
	if (opt.workers < 1 || opt.workers > MAX_WORKERS)
		die("-p: 1 to %d workers", MAX_WORKERS);
	if (opt.dirs < 1 || opt.dirs > MAX_DIRS)
		die("-d: 1 to %d directories", MAX_DIRS);
	if (!seeded)
		opt.seed = (uint64_t)time(NULL) * 1000003 ^ getpid();
	return run();
}

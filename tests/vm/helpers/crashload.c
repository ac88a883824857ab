// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * crashload: the workload and the checker of the crash test
 * (tests/vm/crash.sh drives it from the host, tests/vm/crash-guest.sh
 * runs it in each guest).
 *
 *   crashload base DIR SEED COUNT
 *   crashload run ROOT SEED CYCLE NBASE CLAIMS STARTED [MAXSEC]
 *   crashload verify ROOT SEED CYCLE NBASE CLAIMS
 *   crashload check ROOT SEED CYCLE NBASE SHARE
 *   crashload manifest DIR
 *   crashload plan SEED CYCLE NBASE UPTO PATH
 *
 * base: makes DIR/base/b1 ... bCOUNT, the files of the base image (on
 * the host, before mkdaxfs), 3000..23000 bytes each.
 *
 * run: cycle CYCLE's workload on the filesystem mounted at ROOT.  It
 * makes ROOT/cC/d0..d3, opens CLAIMS (O_APPEND), creates STARTED, and
 * then does operations until it is killed (or MAXSEC seconds, default
 * 300, have passed: exit 3).  After each operation returns it appends
 * one line "N DESCRIPTION" to CLAIMS and fdatasyncs it: operation N is
 * done and, the filesystem says, durable.  The operations are a pure
 * function of SEED, CYCLE, NBASE and the operation number, so the
 * checker can replay them without the filesystem.
 *
 * Operations (each on names cC/dD/fS, D < 4, S < 10, or on base/bC):
 *   adopt     (always op 1 while base/bC exists) rename base/bC to
 *             cC/d0/f0: the file's pages stay in the base image until
 *             written (copy-on-write of base pages)
 *   create    open(O_CREAT|O_EXCL), empty
 *   write     pwrite at a random offset (also past EOF: a hole), 1 byte
 *             to 1.5 MiB (so some writes span several transactions)
 *   append    write through O_APPEND
 *   trunc     truncate(2) or ftruncate down or up
 *   punch     fallocate PUNCH_HOLE|KEEP_SIZE
 *   zero      fallocate ZERO_RANGE, with or without KEEP_SIZE
 *   falloc    fallocate 0 or KEEP_SIZE
 *   mmapw     memcpy into a MAP_SHARED mapping, msync(MS_SYNC), munmap
 *   rename    rename to a free name or over a file or symlink (or an
 *             empty directory, for a directory)
 *   exchange  renameat2(RENAME_EXCHANGE) of any two names
 *   link      a hard link
 *   unlink    a file or a symlink
 *   symlink   a target of 1..300 bytes
 *   mkdir, rmdir   empty directories
 *   setxattr, rmxattr   user.a and user.b, 1..2000 bytes
 *   chmod     one of 0400 0600 0644 0755
 *   fsync     fsync or fdatasync of a file, or fsync of a directory; its
 *             claim names the file's size and content hash
 *   hold, hwrite, release   open a file and keep it open across ops,
 *             write through that descriptor, close it; unlinking its
 *             last name while it is held leaves an orphan the next
 *             writable mount must free
 *   tmplink   O_TMPFILE, write its content, linkat it to a free name
 * File data is a function of (SEED, CYCLE, op number, file offset), so
 * a byte found where it should not be names the op that wrote it.  The
 * files of a cycle hold at most 8 MiB together, 3 MiB each.
 * CRASHLOAD_STOP=N:K (for testing the checker): when op N is a write of
 * more than K transactions, it writes the bytes of its first K only and
 * the run exits 9, as if a crash had stopped it there.
 *
 * verify: replays the claims in CLAIMS (each line must be the one the
 * replay makes: the workload and the checker agree), giving the model A
 * after the last claimed op L, and B after op L+1, the op the crash may
 * have interrupted (or that returned but was not yet claimed).  The
 * tree under ROOT/cC (and base/bC) must equal A, or else B -- where op
 * L+1's target file may show, by op kind:
 *   write, append, hwrite spanning more than 256 pages: A's bytes with a
 *     prefix of the write applied that ends where one of the module's
 *     write transactions ends (module/write.c: DAXFS_WRITE_PAGES, 256
 *     pages, counted from the write's first page); smaller ones: A or B
 *   punch, zero, falloc: each page either A's or B's; the size A's, B's
 *     or between (the extension reads as zeros)
 *   mmapw: each byte A's or B's (stores to a mapping are not atomic)
 *   every other op: all of A or all of B (names, types, inode sharing,
 *     link counts, modes, sizes, contents, symlink targets, xattrs)
 * A file may also show a size it had earlier, with A's (or B's) bytes up
 * to it, when every write since that size only added bytes past the end
 * inside the page of the end of file: the module stores those in place
 * and publishes the new size later (module/sync.c), at the latest when
 * the file is fsynced, or changed otherwise (struct obj: @lz).
 * Prints "result: ..." (what the crash interrupted and what was found)
 * and exits 0, or prints the differences (expected and found bytes,
 * which op wrote the found ones) and exits 1.
 *
 * check: all that guest CYCLE checks in the mounted ROOT, in one program
 * (under TCG each program started costs much): verify of cycle CYCLE-1
 * against SHARE/claims-(CYCLE-1), whose manifest it then saves as
 * SHARE/settled-(CYCLE-1).manifest; cycle CYCLE-2's files against the
 * manifest saved by the guest before; the base files no cycle took yet
 * (b(CYCLE) and up) against SHARE/base.manifest; and nothing in the root
 * but base, c(CYCLE-2) and c(CYCLE-1).  Lines "crash-note: ..." and
 * "FAIL: crash: ..."; exit 1 on a failure.
 *
 * manifest: one line per entry under DIR, sorted, depth first: path,
 * type, mode, owner, size, link count, mtime (ns), xattrs with value
 * hashes, content hash or symlink target (a later name of a hard-linked
 * file names the first).
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdbool.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/xattr.h>
#include <linux/falloc.h>
#include "common.h"

#define NDIR		4
#define NSLOT		10
#define BASE_D		NDIR		/* the base/bC name: e[BASE_D][0] */
#define MAXOBJ		(NDIR * NSLOT + 4)
#define MAXFILE		(3ULL << 20)
#define BUDGET		(8ULL << 20)
#define PG		4096ULL
/* module/write.c: DAXFS_WRITE_PAGES, the pages of one write transaction */
#define TXN_PAGES	256ULL
#define MAXDIFF		12

static uint64_t g_seed;
static uint32_t g_cycle, g_nbase;
static int g_root = -1;

/* ---- deterministic content ---- */

static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The key of the data op @no of cycle @cycle writes (op 0: base file). */
static uint64_t opkey(uint32_t cycle, uint32_t no)
{
	return mix64(g_seed ^ mix64(((uint64_t)cycle << 32) | no));
}

static uint64_t gen_word(uint64_t key, uint64_t widx)
{
	return mix64(key ^ (widx * 0xd1b54a32d192ed03ULL));
}

/* Bytes [off, off + len) of the data made with @key. */
static void gen(uint8_t *dst, uint64_t key, uint64_t off, uint64_t len)
{
	while (len) {
		uint64_t w = gen_word(key, off >> 3);
		unsigned int in = off & 7, n = 8 - in;

		if (n > len)
			n = len;
		memcpy(dst, (uint8_t *)&w + in, n);
		dst += n;
		off += n;
		len -= n;
	}
}

static uint64_t base_size(uint32_t k)
{
	return 3000 + mix64(g_seed ^ 0xba5e0000ULL ^ k) % 20000;
}

static uint64_t fnv(const uint8_t *p, uint64_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

/* A symlink target of @len bytes made by op @no. */
static void gen_target(char *buf, uint32_t no, unsigned int len)
{
	static const char cs[] = "abcdefghijklmnopqrstuvwxyz0123456789._-/";
	uint8_t raw[512];
	unsigned int i;

	gen(raw, opkey(g_cycle, no) ^ 0x5e5e, 0, len);
	for (i = 0; i < len; i++)
		buf[i] = cs[raw[i] % (sizeof(cs) - 1)];
	buf[len] = 0;
}

/* ---- the random choices ---- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r, uint64_t n)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return n ? mix64(r->s) % n : 0;
}

/* ---- the model ---- */

enum etype { E_NONE, E_FILE, E_LINK, E_DIR };
static const char *const tname[] = { "nothing", "a file", "a symlink",
				     "a directory" };

struct ent {
	uint8_t type;
	int16_t obj;		/* E_FILE */
	uint32_t tno;		/* E_LINK: the op that made the target */
	uint16_t tlen;
};

struct xat {
	uint32_t no;		/* the op that set it; 0: none */
	uint16_t len;
};

/*
 * @lz: the sizes the file may still show instead of @size, with @d's
 * bytes up to there: its size before each write since its attributes were
 * last surely published that may have been an in-place append, whose new
 * size the module publishes later (module/sync.c: at fsync, at the next
 * change of the file, or on a timer).
 */
struct obj {
	bool used, held;
	uint8_t *d;
	uint64_t size, cap;
	uint32_t mode;
	int nlink;
	struct xat x[2];
	uint64_t *lz;
	uint32_t nlz;
};

struct model {
	struct ent e[NDIR + 1][NSLOT];
	struct obj o[MAXOBJ];
	int held;		/* obj, or -1 */
	uint64_t total;		/* sum of the sizes */
};

static void obj_reserve(struct obj *o, uint64_t size)
{
	if (size <= o->cap)
		return;
	o->cap = size + (size >> 2) + 4096;
	if (o->cap > MAXFILE + PG)
		o->cap = MAXFILE + PG;
	if (o->cap < size)
		o->cap = size;
	o->d = realloc(o->d, o->cap);
	if (!o->d)
		die("out of memory");
}

/* Size @o to @size: bytes past the old end read as zero. */
static void obj_resize(struct model *m, struct obj *o, uint64_t size)
{
	obj_reserve(o, size);
	if (size > o->size)
		memset(o->d + o->size, 0, size - o->size);
	m->total = m->total - o->size + size;
	o->size = size;
}

static int obj_new(struct model *m)
{
	int i;

	for (i = 0; i < MAXOBJ; i++)
		if (!m->o[i].used) {
			struct obj *o = &m->o[i];

			free(o->d);
			free(o->lz);
			memset(o, 0, sizeof(*o));
			o->used = true;
			o->mode = 0644;
			return i;
		}
	die("model: out of objects");
}

static void obj_put(struct model *m, int i)
{
	struct obj *o = &m->o[i];

	if (o->nlink > 0 || o->held)
		return;
	m->total -= o->size;
	free(o->d);
	free(o->lz);
	memset(o, 0, sizeof(*o));
}

static void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	m->held = -1;
	if (g_cycle <= g_nbase) {
		int i = obj_new(m);
		struct obj *o = &m->o[i];

		obj_resize(m, o, base_size(g_cycle));
		gen(o->d, opkey(g_cycle, 0), 0, o->size);
		o->nlink = 1;
		m->e[BASE_D][0] = (struct ent){ .type = E_FILE, .obj = i };
	}
}

static void model_clone(struct model *dst, const struct model *src)
{
	int i;

	*dst = *src;
	for (i = 0; i < MAXOBJ; i++) {
		struct obj *o = &dst->o[i];

		if (!o->used)
			continue;
		o->d = xmalloc(o->cap ? o->cap : 1);
		memcpy(o->d, src->o[i].d, o->size);
		o->lz = xmalloc((o->nlz ? o->nlz : 1) * sizeof(*o->lz));
		memcpy(o->lz, src->o[i].lz, o->nlz * sizeof(*o->lz));
	}
}

static void model_free(struct model *m)
{
	int i;

	for (i = 0; i < MAXOBJ; i++) {
		free(m->o[i].d);
		free(m->o[i].lz);
	}
	memset(m, 0, sizeof(*m));
}

static void ent_path(char *buf, size_t len, int d, int s)
{
	if (d == BASE_D)
		snprintf(buf, len, "base/b%u", g_cycle);
	else
		snprintf(buf, len, "c%u/d%d/f%d", g_cycle, d, s);
}

static int subdirs(const struct model *m, int d)
{
	int s, n = 0;

	for (s = 0; s < NSLOT; s++)
		n += m->e[d][s].type == E_DIR;
	return n;
}

/* ---- operations ---- */

enum opkind {
	OP_ADOPT, OP_CREATE, OP_WRITE, OP_APPEND, OP_TRUNC, OP_PUNCH,
	OP_ZERO, OP_FALLOC, OP_MMAPW, OP_RENAME, OP_EXCHANGE, OP_LINK,
	OP_UNLINK, OP_SYMLINK, OP_MKDIR, OP_RMDIR, OP_SETX, OP_RMX,
	OP_CHMOD, OP_FSYNC, OP_HOLD, OP_HWRITE, OP_RELEASE, OP_TMPLINK,
	OP_NKINDS
};

static const struct {
	const char *name;
	unsigned int weight;
} kinds[OP_NKINDS] = {
	[OP_ADOPT] = { "adopt", 0 },	[OP_CREATE] = { "create", 8 },
	[OP_WRITE] = { "write", 22 },	[OP_APPEND] = { "append", 10 },
	[OP_TRUNC] = { "trunc", 6 },	[OP_PUNCH] = { "punch", 4 },
	[OP_ZERO] = { "zero", 3 },	[OP_FALLOC] = { "falloc", 3 },
	[OP_MMAPW] = { "mmapw", 5 },	[OP_RENAME] = { "rename", 8 },
	[OP_EXCHANGE] = { "exchange", 3 }, [OP_LINK] = { "link", 4 },
	[OP_UNLINK] = { "unlink", 6 },	[OP_SYMLINK] = { "symlink", 4 },
	[OP_MKDIR] = { "mkdir", 2 },	[OP_RMDIR] = { "rmdir", 2 },
	[OP_SETX] = { "setxattr", 4 },	[OP_RMX] = { "rmxattr", 2 },
	[OP_CHMOD] = { "chmod", 2 },	[OP_FSYNC] = { "fsync", 6 },
	[OP_HOLD] = { "hold", 2 },	[OP_HWRITE] = { "hwrite", 4 },
	[OP_RELEASE] = { "release", 2 }, [OP_TMPLINK] = { "tmplink", 3 },
};

/* How much of an interrupted op may show (see the top comment). */
enum opclass { C_ATOMIC, C_CHUNKS, C_PAGES, C_BYTES };

struct op {
	enum opkind kind;
	uint32_t no;
	int d1, s1, d2, s2;
	int obj;		/* the file whose data it changes, or -1 */
	uint64_t off, len;
	int flag;
	enum opclass cls;
	char desc[200];
};

static const uint32_t modes[4] = { 0400, 0600, 0644, 0755 };

/* A random name of one of the @types (bit mask of 1 << E_*). */
static bool pick_name(const struct model *m, struct rng *r, unsigned int types,
		      int *d, int *s)
{
	int n = 0, k, i, j;

	for (i = 0; i < NDIR; i++)
		for (j = 0; j < NSLOT; j++)
			n += !!(types & (1U << m->e[i][j].type));
	if (!n)
		return false;
	k = rnd(r, n);
	for (i = 0; i < NDIR; i++)
		for (j = 0; j < NSLOT; j++)
			if ((types & (1U << m->e[i][j].type)) && !k--) {
				*d = i;
				*s = j;
				return true;
			}
	return false;
}

#define T_FILE	(1U << E_FILE)
#define T_LINK	(1U << E_LINK)
#define T_DIR	(1U << E_DIR)
#define T_FREE	(1U << E_NONE)
#define T_ANY	(T_FILE | T_LINK | T_DIR)

static uint64_t pick_len(struct rng *r)
{
	switch (rnd(r, 20)) {
	case 0 ... 7:
		return 1 + rnd(r, 200);
	case 8 ... 13:
		return 1 + rnd(r, 12288);
	case 14 ... 17:
		return 1 + rnd(r, 256 << 10);
	default:
		return 1 + rnd(r, 1536 << 10);
	}
}

static uint64_t pick_off(struct rng *r, uint64_t size)
{
	switch (rnd(r, 4)) {
	case 0:
	case 1:
		return rnd(r, size + 1);
	case 2:
		return rnd(r, size / PG + 1) * PG;
	default:
		return size + rnd(r, 256 << 10);
	}
}

/*
 * Fit a change of @o's bytes to [@off, @off + *@len) within the limits
 * (a file's size, the cycle's budget): shortens *@len; false when nothing
 * is left.
 */
static bool fit(const struct model *m, const struct obj *o, uint64_t off,
		uint64_t *len)
{
	uint64_t end, room;

	if (off >= MAXFILE)
		return false;
	if (off + *len > MAXFILE)
		*len = MAXFILE - off;
	end = off + *len;
	if (end > o->size) {
		room = BUDGET > m->total ? BUDGET - m->total : 0;
		if (end - o->size > room) {
			if (o->size + room <= off)
				return false;
			*len = o->size + room - off;
		}
	}
	return *len > 0;
}

static void set_write(struct op *op)
{
	uint64_t first = op->off / PG, last = (op->off + op->len - 1) / PG;

	op->cls = last - first + 1 > TXN_PAGES ? C_CHUNKS : C_ATOMIC;
}

/* Choose op @no for model @m (a pure function of the model and @r). */
static void choose(const struct model *m, struct rng *r, uint32_t no,
		   struct op *op)
{
	unsigned int total = 0, k, w;
	char p1[64], p2[64];
	const struct obj *o;

	for (k = 0; k < OP_NKINDS; k++)
		total += kinds[k].weight;
	memset(op, 0, sizeof(*op));
	op->no = no;
	op->obj = -1;
	op->cls = C_ATOMIC;
	if (no == 1 && m->e[BASE_D][0].type == E_FILE) {
		op->kind = OP_ADOPT;
		op->d1 = BASE_D;
		op->s1 = 0;
		op->d2 = 0;
		op->s2 = 0;
		goto describe;
	}
	for (;;) {
		w = rnd(r, total);
		for (k = 0; w >= kinds[k].weight; k++)
			w -= kinds[k].weight;
		op->kind = k;
		switch (op->kind) {
		case OP_ADOPT:
			continue;
		case OP_CREATE:
		case OP_SYMLINK:
		case OP_MKDIR:
			if (!pick_name(m, r, T_FREE, &op->d1, &op->s1))
				continue;
			if (op->kind == OP_SYMLINK)
				op->len = 1 + rnd(r, 300);
			break;
		case OP_TMPLINK:
			if (!pick_name(m, r, T_FREE, &op->d1, &op->s1))
				continue;
			op->len = pick_len(r);
			if (op->len > (512 << 10))
				op->len = 1 + op->len % (512 << 10);
			if (m->total + op->len > BUDGET)
				continue;
			break;
		case OP_WRITE:
		case OP_APPEND:
		case OP_MMAPW:
			if (!pick_name(m, r, T_FILE, &op->d1, &op->s1))
				continue;
			op->obj = m->e[op->d1][op->s1].obj;
			o = &m->o[op->obj];
			op->len = pick_len(r);
			if (op->kind == OP_WRITE) {
				op->off = pick_off(r, o->size);
			} else if (op->kind == OP_APPEND) {
				op->off = o->size;
			} else {
				/* inside EOF, at most 64 KiB */
				if (!o->size)
					continue;
				op->off = rnd(r, o->size);
				op->len = 1 + op->len % (64 << 10);
				if (op->off + op->len > o->size)
					op->len = o->size - op->off;
				op->cls = C_BYTES;
				break;
			}
			if (!fit(m, o, op->off, &op->len))
				continue;
			set_write(op);
			break;
		case OP_HWRITE:
			if (m->held < 0)
				continue;
			op->obj = m->held;
			o = &m->o[op->obj];
			op->len = 1 + pick_len(r) % (64 << 10);
			op->off = rnd(r, 2) ? o->size : pick_off(r, o->size);
			if (!fit(m, o, op->off, &op->len))
				continue;
			set_write(op);
			break;
		case OP_TRUNC:
			if (!pick_name(m, r, T_FILE, &op->d1, &op->s1))
				continue;
			op->obj = m->e[op->d1][op->s1].obj;
			o = &m->o[op->obj];
			op->flag = rnd(r, 2);	/* ftruncate */
			switch (rnd(r, 4)) {
			case 0:
				op->off = rnd(r, o->size + 1);
				break;
			case 1:
				op->off = rnd(r, o->size / PG + 1) * PG;
				break;
			default:
				op->off = o->size + rnd(r, 300 << 10);
				break;
			}
			if (op->off > o->size) {
				uint64_t grow = op->off - o->size;

				if (!fit(m, o, o->size, &grow))
					continue;
				op->off = o->size + grow;
			}
			break;
		case OP_PUNCH:
		case OP_ZERO:
		case OP_FALLOC:
			if (!pick_name(m, r, T_FILE, &op->d1, &op->s1))
				continue;
			op->obj = m->e[op->d1][op->s1].obj;
			o = &m->o[op->obj];
			op->off = rnd(r, 2) ? rnd(r, o->size + 1) :
					      rnd(r, o->size / PG + 1) * PG;
			op->len = 1 + rnd(r, rnd(r, 2) ? 20000 : 250 * PG);
			/* at most 256 pages: one allocation transaction */
			while ((op->off + op->len - 1) / PG - op->off / PG + 1 >
			       TXN_PAGES - 2)
				op->len /= 2;
			op->flag = op->kind == OP_PUNCH ? 1 : rnd(r, 2);
			if (!op->flag && !fit(m, o, op->off, &op->len))
				continue;
			/* pages past EOF (KEEP_SIZE): at most 64 KiB */
			if (op->flag && op->off + op->len > o->size + (64 << 10)) {
				if (op->off >= o->size + (64 << 10))
					continue;
				op->len = o->size + (64 << 10) - op->off;
			}
			op->cls = C_PAGES;
			break;
		case OP_RENAME:
			if (!pick_name(m, r, T_ANY, &op->d1, &op->s1))
				continue;
			if (m->e[op->d1][op->s1].type == E_DIR) {
				if (!pick_name(m, r, T_FREE | T_DIR, &op->d2,
					       &op->s2))
					continue;
			} else if (!pick_name(m, r, T_FREE | T_FILE | T_LINK,
					      &op->d2, &op->s2)) {
				continue;
			}
			if (op->d1 == op->d2 && op->s1 == op->s2)
				continue;
			break;
		case OP_EXCHANGE:
			if (!pick_name(m, r, T_ANY, &op->d1, &op->s1) ||
			    !pick_name(m, r, T_ANY, &op->d2, &op->s2) ||
			    (op->d1 == op->d2 && op->s1 == op->s2))
				continue;
			break;
		case OP_LINK:
			if (!pick_name(m, r, T_FILE, &op->d1, &op->s1) ||
			    !pick_name(m, r, T_FREE, &op->d2, &op->s2))
				continue;
			break;
		case OP_UNLINK:
			if (!pick_name(m, r, T_FILE | T_LINK, &op->d1, &op->s1))
				continue;
			break;
		case OP_RMDIR:
			if (!pick_name(m, r, T_DIR, &op->d1, &op->s1))
				continue;
			break;
		case OP_SETX:
		case OP_RMX:
		case OP_CHMOD:
		case OP_FSYNC:
		case OP_HOLD:
			if (!pick_name(m, r, T_FILE, &op->d1, &op->s1))
				continue;
			op->obj = m->e[op->d1][op->s1].obj;
			o = &m->o[op->obj];
			if (op->kind == OP_SETX) {
				op->flag = rnd(r, 2);
				op->len = 1 + rnd(r, rnd(r, 4) ? 200 : 2000);
			} else if (op->kind == OP_RMX) {
				op->flag = rnd(r, 2);
				if (!o->x[op->flag].no)
					continue;
			} else if (op->kind == OP_CHMOD) {
				op->flag = modes[rnd(r, 4)];
			} else if (op->kind == OP_FSYNC) {
				/* 0 fsync, 1 fdatasync, 2 its directory */
				op->flag = rnd(r, 3);
			} else if (m->held >= 0) {
				continue;
			}
			break;
		case OP_RELEASE:
			if (m->held < 0)
				continue;
			op->obj = m->held;
			break;
		case OP_NKINDS:
			continue;
		}
		break;
	}
describe:
	ent_path(p1, sizeof(p1), op->d1, op->s1);
	ent_path(p2, sizeof(p2), op->d2, op->s2);
	switch (op->kind) {
	case OP_ADOPT:
	case OP_RENAME:
	case OP_EXCHANGE:
	case OP_LINK:
		snprintf(op->desc, sizeof(op->desc), "%s %s %s",
			 kinds[op->kind].name, p1, p2);
		break;
	case OP_WRITE:
	case OP_APPEND:
	case OP_MMAPW:
	case OP_PUNCH:
		snprintf(op->desc, sizeof(op->desc), "%s %s off=%" PRIu64
			 " len=%" PRIu64, kinds[op->kind].name, p1, op->off,
			 op->len);
		break;
	case OP_ZERO:
	case OP_FALLOC:
		snprintf(op->desc, sizeof(op->desc), "%s %s off=%" PRIu64
			 " len=%" PRIu64 "%s", kinds[op->kind].name, p1,
			 op->off, op->len, op->flag ? " keep_size" : "");
		break;
	case OP_HWRITE:
		snprintf(op->desc, sizeof(op->desc), "hwrite #%d off=%" PRIu64
			 " len=%" PRIu64, op->obj, op->off, op->len);
		break;
	case OP_TRUNC:
		snprintf(op->desc, sizeof(op->desc), "%s %s size=%" PRIu64,
			 op->flag ? "ftruncate" : "truncate", p1, op->off);
		break;
	case OP_SYMLINK:
	case OP_TMPLINK:
		snprintf(op->desc, sizeof(op->desc), "%s %s len=%" PRIu64,
			 kinds[op->kind].name, p1, op->len);
		break;
	case OP_SETX:
		snprintf(op->desc, sizeof(op->desc), "setxattr %s user.%c len=%"
			 PRIu64, p1, 'a' + op->flag, op->len);
		break;
	case OP_RMX:
		snprintf(op->desc, sizeof(op->desc), "rmxattr %s user.%c", p1,
			 'a' + op->flag);
		break;
	case OP_CHMOD:
		snprintf(op->desc, sizeof(op->desc), "chmod %s %04o", p1,
			 op->flag);
		break;
	case OP_FSYNC:
		/* a file's size and hash are added when it is applied */
		if (op->flag == 2)
			snprintf(op->desc, sizeof(op->desc), "fsync c%u/d%d",
				 g_cycle, op->d1);
		else
			snprintf(op->desc, sizeof(op->desc), "%s %s",
				 op->flag ? "fdatasync" : "fsync", p1);
		break;
	case OP_HOLD:
		snprintf(op->desc, sizeof(op->desc), "hold %s #%d", p1, op->obj);
		break;
	case OP_RELEASE:
		snprintf(op->desc, sizeof(op->desc), "release #%d", op->obj);
		break;
	default:
		snprintf(op->desc, sizeof(op->desc), "%s %s",
			 kinds[op->kind].name, p1);
		break;
	}
}

static void drop_name(struct model *m, int d, int s)
{
	struct ent *e = &m->e[d][s];

	if (e->type == E_FILE) {
		m->o[e->obj].nlink--;
		obj_put(m, e->obj);
	}
	memset(e, 0, sizeof(*e));
}

/* Bytes [off, off + len) of @o become op @no's data (growing @o). */
static void apply_data(struct model *m, struct obj *o, uint32_t no,
		       uint64_t off, uint64_t len)
{
	if (off + len > o->size)
		obj_resize(m, o, off + len);
	gen(o->d + off, opkey(g_cycle, no), off, len);
}

/*
 * May @op be a write the module keeps in place, its new size published
 * later (module/write.c: daxfs_grow_in_place)?  Bytes only past the end
 * of @o, inside the page that holds its end.  (Whether that page is the
 * branch's own the checker does not know: it allows it either way.)
 */
static bool maybe_lazy(const struct op *op, const struct obj *o)
{
	if (op->kind != OP_WRITE && op->kind != OP_APPEND &&
	    op->kind != OP_HWRITE)
		return false;
	return op->off >= o->size && o->size % PG &&
	       (op->off + op->len - 1) / PG == o->size / PG;
}

/* Does @op surely commit @o's attributes, publishing any later size? */
static bool publishes(const struct op *op)
{
	switch (op->kind) {
	case OP_WRITE: case OP_APPEND: case OP_HWRITE: case OP_TRUNC:
	case OP_PUNCH: case OP_ZERO: case OP_FALLOC: case OP_MMAPW:
	case OP_CHMOD: case OP_SETX: case OP_RMX:
		return true;
	case OP_FSYNC:
		return op->flag != 2;	/* not its directory's */
	default:
		return false;
	}
}

/* Before @op changes @o: what size @o may still show afterwards. */
static void lazy_note(const struct op *op, struct obj *o)
{
	if (maybe_lazy(op, o)) {
		o->lz = realloc(o->lz, (o->nlz + 1) * sizeof(*o->lz));
		if (!o->lz)
			die("out of memory");
		o->lz[o->nlz++] = o->size;
	} else if (publishes(op)) {
		o->nlz = 0;
	}
}

static void apply(struct model *m, struct op *op)
{
	struct ent *e1 = &m->e[op->d1][op->s1], *e2 = &m->e[op->d2][op->s2];
	struct obj *o = op->obj >= 0 ? &m->o[op->obj] : NULL;
	uint64_t end;
	int i;

	if (o)
		lazy_note(op, o);
	switch (op->kind) {
	case OP_ADOPT:
	case OP_RENAME:
		if (e2->type == E_FILE && e1->type == E_FILE &&
		    e2->obj == e1->obj)
			break;		/* two names of one inode: nothing */
		drop_name(m, op->d2, op->s2);
		*e2 = *e1;
		memset(e1, 0, sizeof(*e1));
		break;
	case OP_EXCHANGE: {
		struct ent t = *e1;

		*e1 = *e2;
		*e2 = t;
		break;
	}
	case OP_CREATE:
	case OP_TMPLINK:
		i = obj_new(m);
		m->o[i].nlink = 1;
		*e1 = (struct ent){ .type = E_FILE, .obj = i };
		if (op->kind == OP_TMPLINK)
			apply_data(m, &m->o[i], op->no, 0, op->len);
		break;
	case OP_WRITE:
	case OP_APPEND:
	case OP_MMAPW:
	case OP_HWRITE:
		apply_data(m, o, op->no, op->off, op->len);
		break;
	case OP_TRUNC:
		obj_resize(m, o, op->off);
		break;
	case OP_PUNCH:
	case OP_ZERO:
	case OP_FALLOC:
		end = op->off + op->len;
		if (!op->flag && end > o->size)
			obj_resize(m, o, end);
		if (op->kind != OP_FALLOC && op->off < o->size)
			memset(o->d + op->off, 0,
			       (end < o->size ? end : o->size) - op->off);
		break;
	case OP_LINK:
		*e2 = *e1;
		m->o[e1->obj].nlink++;
		break;
	case OP_UNLINK:
	case OP_RMDIR:
		drop_name(m, op->d1, op->s1);
		break;
	case OP_SYMLINK:
		*e1 = (struct ent){ .type = E_LINK, .tno = op->no,
				    .tlen = op->len };
		break;
	case OP_MKDIR:
		*e1 = (struct ent){ .type = E_DIR };
		break;
	case OP_SETX:
		o->x[op->flag] = (struct xat){ .no = op->no, .len = op->len };
		break;
	case OP_RMX:
		o->x[op->flag] = (struct xat){ 0 };
		break;
	case OP_CHMOD:
		o->mode = op->flag;
		break;
	case OP_FSYNC: {
		size_t n = strlen(op->desc);

		if (op->flag != 2)
			snprintf(op->desc + n, sizeof(op->desc) - n,
				 " size=%" PRIu64 " fnv=%016" PRIx64, o->size,
				 fnv(o->d, o->size));
		break;
	}
	case OP_HOLD:
		o->held = true;
		m->held = op->obj;
		break;
	case OP_RELEASE:
		o->held = false;
		m->held = -1;
		obj_put(m, op->obj);
		break;
	case OP_NKINDS:
		break;
	}
}

/* ---- run: the workload ---- */

static int g_heldfd = -1;
/* CRASHLOAD_STOP=N:K (the checker's own test): op N, when it is a write
 * of several transactions, writes only its first K and the run stops */
static uint32_t g_stop_no, g_stop_k;

static void __attribute__((noreturn)) opfail(const struct op *op,
					    const char *call)
{
	int e = errno;

	fprintf(stderr, "crashload: cycle %u op %u (%s): %s: %s (%s)\n",
		g_cycle, op->no, op->desc, call, strerror(e),
		strerrorname_np(e) ? strerrorname_np(e) : "?");
	exit(1);
}

static void write_all(const struct op *op, int fd, const uint8_t *buf,
		      uint64_t len, uint64_t off, bool append)
{
	while (len) {
		ssize_t n = append ? write(fd, buf, len) :
				     pwrite(fd, buf, len, off);

		if (n < 0)
			opfail(op, append ? "write" : "pwrite");
		if (n == 0) {
			errno = EIO;
			opfail(op, "write returned 0");
		}
		if ((uint64_t)n != len) {
			fprintf(stderr, "crashload: cycle %u op %u (%s): "
				"short write: %zd of %" PRIu64 " bytes\n",
				g_cycle, op->no, op->desc, n, len);
			exit(1);
		}
		buf += n;
		off += n;
		len -= n;
	}
}

static uint8_t *databuf(uint32_t no, uint64_t off, uint64_t len)
{
	uint8_t *b = xmalloc(len);

	gen(b, opkey(g_cycle, no), off, len);
	return b;
}

static int xopen(const struct op *op, const char *path, int flags)
{
	int fd = openat(g_root, path, flags | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		opfail(op, "open");
	return fd;
}

static void xclose(const struct op *op, int fd)
{
	if (close(fd))
		opfail(op, "close");
}

static void exec_op(const struct model *m, const struct op *op)
{
	char p1[64], p2[64], dir[32], tgt[512];
	uint8_t *b;
	int fd, ret;
	void *map;

	ent_path(p1, sizeof(p1), op->d1, op->s1);
	ent_path(p2, sizeof(p2), op->d2, op->s2);
	switch (op->kind) {
	case OP_ADOPT:
	case OP_RENAME:
		if (renameat(g_root, p1, g_root, p2))
			opfail(op, "rename");
		break;
	case OP_EXCHANGE:
		if (renameat2(g_root, p1, g_root, p2, RENAME_EXCHANGE))
			opfail(op, "renameat2(RENAME_EXCHANGE)");
		break;
	case OP_CREATE:
		fd = xopen(op, p1, O_CREAT | O_EXCL | O_WRONLY);
		xclose(op, fd);
		break;
	case OP_TMPLINK:
		snprintf(dir, sizeof(dir), "c%u/d%d", g_cycle, op->d1);
		fd = openat(g_root, dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
		if (fd < 0)
			opfail(op, "open(O_TMPFILE)");
		b = databuf(op->no, 0, op->len);
		write_all(op, fd, b, op->len, 0, false);
		free(b);
		if (linkat(fd, "", g_root, p1, AT_EMPTY_PATH))
			opfail(op, "linkat(AT_EMPTY_PATH)");
		xclose(op, fd);
		break;
	case OP_WRITE:
	case OP_APPEND:
		fd = xopen(op, p1, O_WRONLY |
			   (op->kind == OP_APPEND ? O_APPEND : 0));
		b = databuf(op->no, op->off, op->len);
		if (op->no == g_stop_no && op->cls == C_CHUNKS && g_stop_k &&
		    (op->off / PG + g_stop_k * TXN_PAGES) * PG <
		    op->off + op->len) {
			/* a crash after @g_stop_k of its transactions */
			uint64_t end = (op->off / PG + g_stop_k * TXN_PAGES) * PG;

			write_all(op, fd, b, end - op->off, op->off, false);
			printf("crashload: stopped op %u after %u transactions\n",
			       op->no, g_stop_k);
			exit(9);
		}
		write_all(op, fd, b, op->len, op->off,
			  op->kind == OP_APPEND);
		free(b);
		xclose(op, fd);
		break;
	case OP_HWRITE:
		b = databuf(op->no, op->off, op->len);
		write_all(op, g_heldfd, b, op->len, op->off, false);
		free(b);
		break;
	case OP_MMAPW: {
		uint64_t moff = op->off & ~(PG - 1);
		uint64_t mlen = op->off + op->len - moff;

		fd = xopen(op, p1, O_RDWR);
		map = mmap(NULL, mlen, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   moff);
		if (map == MAP_FAILED)
			opfail(op, "mmap");
		b = databuf(op->no, op->off, op->len);
		memcpy((uint8_t *)map + (op->off - moff), b, op->len);
		free(b);
		if (msync(map, mlen, MS_SYNC))
			opfail(op, "msync");
		if (munmap(map, mlen))
			opfail(op, "munmap");
		xclose(op, fd);
		break;
	}
	case OP_TRUNC:
		if (op->flag) {
			fd = xopen(op, p1, O_WRONLY);
			if (ftruncate(fd, op->off))
				opfail(op, "ftruncate");
			xclose(op, fd);
		} else {
			/* truncate(2) has no *at form: through /proc */
			char pp[128];

			snprintf(pp, sizeof(pp), "/proc/self/fd/%d/%s", g_root,
				 p1);
			if (truncate(pp, op->off))
				opfail(op, "truncate");
		}
		break;
	case OP_PUNCH:
	case OP_ZERO:
	case OP_FALLOC: {
		int mode = op->kind == OP_PUNCH ? FALLOC_FL_PUNCH_HOLE :
			   op->kind == OP_ZERO ? FALLOC_FL_ZERO_RANGE : 0;

		if (op->flag)
			mode |= FALLOC_FL_KEEP_SIZE;
		fd = xopen(op, p1, O_WRONLY);
		if (fallocate(fd, mode, op->off, op->len))
			opfail(op, "fallocate");
		xclose(op, fd);
		break;
	}
	case OP_LINK:
		if (linkat(g_root, p1, g_root, p2, 0))
			opfail(op, "link");
		break;
	case OP_UNLINK:
		if (unlinkat(g_root, p1, 0))
			opfail(op, "unlink");
		break;
	case OP_RMDIR:
		if (unlinkat(g_root, p1, AT_REMOVEDIR))
			opfail(op, "rmdir");
		break;
	case OP_SYMLINK:
		gen_target(tgt, op->no, op->len);
		if (symlinkat(tgt, g_root, p1))
			opfail(op, "symlink");
		break;
	case OP_MKDIR:
		if (mkdirat(g_root, p1, 0755))
			opfail(op, "mkdir");
		break;
	case OP_SETX:
	case OP_RMX: {
		char name[8] = "user.a";

		name[5] += op->flag;
		fd = xopen(op, p1, O_RDONLY);
		if (op->kind == OP_SETX) {
			b = xmalloc(op->len);
			gen(b, opkey(g_cycle, op->no) ^ 0x3a77, 0, op->len);
			ret = fsetxattr(fd, name, b, op->len, 0);
			free(b);
			if (ret)
				opfail(op, "fsetxattr");
		} else if (fremovexattr(fd, name)) {
			opfail(op, "fremovexattr");
		}
		xclose(op, fd);
		break;
	}
	case OP_CHMOD:
		if (fchmodat(g_root, p1, op->flag, 0))
			opfail(op, "chmod");
		break;
	case OP_FSYNC:
		if (op->flag == 2) {
			snprintf(dir, sizeof(dir), "c%u/d%d", g_cycle, op->d1);
			fd = openat(g_root, dir, O_RDONLY | O_DIRECTORY |
				    O_CLOEXEC);
			if (fd < 0)
				opfail(op, "open(dir)");
		} else {
			fd = xopen(op, p1, O_RDONLY);
		}
		if (op->flag == 1 ? fdatasync(fd) : fsync(fd))
			opfail(op, "fsync");
		xclose(op, fd);
		break;
	case OP_HOLD:
		g_heldfd = xopen(op, p1, O_RDWR);
		break;
	case OP_RELEASE:
		xclose(op, g_heldfd);
		g_heldfd = -1;
		break;
	case OP_NKINDS:
		break;
	}
	(void)m;
}

static void cycle_rng(struct rng *r)
{
	r->s = mix64(g_seed ^ 0xc7c1e000ULL ^ ((uint64_t)g_cycle << 20));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_run(const char *claims, const char *started, unsigned maxsec)
{
	struct model m;
	struct rng r;
	struct op op;
	char path[64], line[256];
	double t0;
	uint32_t no;
	int cfd, fd, d, n;

	snprintf(path, sizeof(path), "c%u", g_cycle);
	if (mkdirat(g_root, path, 0755))
		die_errno("mkdir %s", path);
	for (d = 0; d < NDIR; d++) {
		snprintf(path, sizeof(path), "c%u/d%d", g_cycle, d);
		if (mkdirat(g_root, path, 0755))
			die_errno("mkdir %s", path);
	}
	cfd = open(claims, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		   0644);
	if (cfd < 0 || fsync(cfd))
		die_errno("%s", claims);
	fd = open(started, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || fsync(fd) || close(fd))
		die_errno("%s", started);
	if (getenv("CRASHLOAD_STOP") &&
	    sscanf(getenv("CRASHLOAD_STOP"), "%u:%u", &g_stop_no, &g_stop_k) != 2)
		die("CRASHLOAD_STOP: want N:K");
	model_init(&m);
	cycle_rng(&r);
	t0 = now();
	for (no = 1;; no++) {
		choose(&m, &r, no, &op);
		exec_op(&m, &op);
		apply(&m, &op);
		n = snprintf(line, sizeof(line), "%u %s\n", no, op.desc);
		if (write(cfd, line, n) != n || fdatasync(cfd))
			die_errno("%s: claim of op %u", claims, no);
		if ((no & 63) == 0 && now() - t0 > maxsec) {
			printf("crashload: cycle %u: not killed after %u s "
			       "(%u ops)\n", g_cycle, maxsec, no);
			return 3;
		}
	}
}

/* ---- verify: what is there ---- */

struct aent {
	uint8_t type;
	ino_t ino;
	nlink_t nlink;
	uint32_t mode;
	uint64_t size;
	uint8_t *data;
	char *target;
	bool hasx[2];
	uint8_t *x[2];
	size_t xlen[2];
};

struct actual {
	struct aent e[NDIR + 1][NSLOT];
	nlink_t dnlink[NDIR];
	char msg[MAXDIFF][300];	/* problems of the scan itself */
	int nmsg;
};

static void __attribute__((format(printf, 2, 3)))
note(struct actual *a, const char *fmt, ...)
{
	va_list ap;

	if (a->nmsg < MAXDIFF) {
		va_start(ap, fmt);
		vsnprintf(a->msg[a->nmsg], sizeof(a->msg[0]), fmt, ap);
		va_end(ap);
	}
	a->nmsg++;
}

static void scan_file(struct actual *a, struct aent *e, const char *path)
{
	int fd = openat(g_root, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	uint64_t got = 0;
	char extra;
	int k;

	if (fd < 0) {
		note(a, "%s: open: %s", path, strerror(errno));
		return;
	}
	if (e->size > MAXFILE + PG) {
		note(a, "%s: size %" PRIu64 " is over any the workload makes",
		     path, e->size);
		e->size = MAXFILE + PG;
	}
	e->data = xmalloc(e->size);
	while (got < e->size) {
		ssize_t n = pread(fd, e->data + got, e->size - got, got);

		if (n < 0) {
			note(a, "%s: read at %" PRIu64 ": %s", path, got,
			     strerror(errno));
			break;
		}
		if (n == 0) {
			note(a, "%s: read ends at %" PRIu64 " before its size"
			     " %" PRIu64, path, got, e->size);
			break;
		}
		got += n;
	}
	if (got == e->size && pread(fd, &extra, 1, got) != 0)
		note(a, "%s: reads past its size %" PRIu64, path, e->size);
	for (k = 0; k < 2; k++) {
		char name[8] = "user.a";
		ssize_t n;

		name[5] += k;
		n = fgetxattr(fd, name, NULL, 0);
		if (n < 0) {
			if (errno != ENODATA)
				note(a, "%s: getxattr %s: %s", path, name,
				     strerror(errno));
			continue;
		}
		e->hasx[k] = true;
		e->x[k] = xmalloc(n);
		n = fgetxattr(fd, name, e->x[k], n);
		if (n < 0)
			note(a, "%s: getxattr %s: %s", path, name,
			     strerror(errno));
		e->xlen[k] = n < 0 ? 0 : n;
	}
	{
		char list[256];
		ssize_t n = flistxattr(fd, list, sizeof(list));
		ssize_t i;

		if (n < 0)
			note(a, "%s: listxattr: %s", path, strerror(errno));
		for (i = 0; n > 0 && i < n; i += strlen(list + i) + 1)
			if (strcmp(list + i, "user.a") &&
			    strcmp(list + i, "user.b"))
				note(a, "%s: unexpected xattr %s", path,
				     list + i);
	}
	close(fd);
}

/* Is directory @path empty? */
static void scan_dir_empty(struct actual *a, const char *path)
{
	int fd = openat(g_root, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *dp;

	if (fd < 0 || !(dp = fdopendir(fd))) {
		note(a, "%s: opendir: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dp)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			note(a, "%s: holds %s, should be empty", path,
			     de->d_name);
	closedir(dp);
}

static void scan_ent(struct actual *a, int d, int s)
{
	struct aent *e = &a->e[d][s];
	char path[64];
	struct stat st;

	ent_path(path, sizeof(path), d, s);
	if (fstatat(g_root, path, &st, AT_SYMLINK_NOFOLLOW)) {
		if (errno != ENOENT)
			note(a, "%s: lstat: %s", path, strerror(errno));
		return;
	}
	e->ino = st.st_ino;
	e->nlink = st.st_nlink;
	e->mode = st.st_mode & 07777;
	e->size = st.st_size;
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		e->type = E_FILE;
		scan_file(a, e, path);
		break;
	case S_IFLNK: {
		char buf[4200];
		ssize_t n = readlinkat(g_root, path, buf, sizeof(buf) - 1);

		e->type = E_LINK;
		if (n < 0) {
			note(a, "%s: readlink: %s", path, strerror(errno));
			n = 0;
		}
		buf[n] = 0;
		e->target = strdup(buf);
		break;
	}
	case S_IFDIR:
		e->type = E_DIR;
		scan_dir_empty(a, path);
		if (st.st_nlink != 2)
			note(a, "%s: an empty directory with %ju links", path,
			     (uintmax_t)st.st_nlink);
		break;
	default:
		e->type = E_NONE;
		note(a, "%s: unexpected file type %o", path,
		     st.st_mode & S_IFMT);
		break;
	}
}

/* Names in @path other than @want (NULL-terminated) are noted. */
static void scan_names(struct actual *a, const char *path, bool (*ok)(const char *))
{
	int fd = openat(g_root, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *dp;

	if (fd < 0 || !(dp = fdopendir(fd))) {
		note(a, "%s: opendir: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dp)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    !ok(de->d_name))
			note(a, "%s: unexpected entry %s", path, de->d_name);
	closedir(dp);
}

static bool ok_cdir(const char *n)
{
	return strlen(n) == 2 && n[0] == 'd' && n[1] >= '0' &&
	       n[1] < '0' + NDIR;
}

static bool ok_slot(const char *n)
{
	return strlen(n) == 2 && n[0] == 'f' && n[1] >= '0' &&
	       n[1] < '0' + NSLOT;
}

static void scan(struct actual *a)
{
	char path[64];
	struct stat st;
	int d, s;

	memset(a, 0, sizeof(*a));
	snprintf(path, sizeof(path), "c%u", g_cycle);
	scan_names(a, path, ok_cdir);
	for (d = 0; d < NDIR; d++) {
		snprintf(path, sizeof(path), "c%u/d%d", g_cycle, d);
		if (fstatat(g_root, path, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode)) {
			note(a, "%s: missing (made before the workload started)",
			     path);
			continue;
		}
		a->dnlink[d] = st.st_nlink;
		scan_names(a, path, ok_slot);
		for (s = 0; s < NSLOT; s++)
			scan_ent(a, d, s);
	}
	if (g_cycle <= g_nbase)
		scan_ent(a, BASE_D, 0);
}

static void actual_free(struct actual *a)
{
	int d, s, k;

	for (d = 0; d <= NDIR; d++)
		for (s = 0; s < NSLOT; s++) {
			free(a->e[d][s].data);
			free(a->e[d][s].target);
			for (k = 0; k < 2; k++)
				free(a->e[d][s].x[k]);
		}
}

/* ---- verify: against a model ---- */

struct diffs {
	char msg[MAXDIFF][400];
	int n;
	char how[200];		/* how the tolerant comparison matched */
	int lazy;		/* files found at an earlier size (@lz) */
};

static void __attribute__((format(printf, 2, 3)))
diff(struct diffs *df, const char *fmt, ...)
{
	va_list ap;

	if (df->n < MAXDIFF) {
		va_start(ap, fmt);
		vsnprintf(df->msg[df->n], sizeof(df->msg[0]), fmt, ap);
		va_end(ap);
	}
	df->n++;
}

static uint32_t g_lastop;	/* ops 1..g_lastop may have written data */
/* what verify's lines start with (check makes them the guest's) */
static char g_okp[64] = "result: ", g_failp[64] = "FAIL: ";

/* Who wrote the 8 bytes at @off (aligned) that read @found? */
static void who_wrote(char *buf, size_t len, uint64_t off,
		      const uint8_t *found)
{
	uint64_t w;
	uint32_t no, k;

	memcpy(&w, found, 8);
	if (!w) {
		snprintf(buf, len, "zeros");
		return;
	}
	for (no = 1; no <= g_lastop + 1; no++)
		if (gen_word(opkey(g_cycle, no), off >> 3) == w) {
			snprintf(buf, len, "op %u's data for this offset", no);
			return;
		}
	for (k = 1; k <= g_nbase; k++)
		if (gen_word(opkey(k, 0), off >> 3) == w) {
			snprintf(buf, len, "base/b%u's data for this offset", k);
			return;
		}
	snprintf(buf, len, "no op's data for this offset");
}

static void hex(char *buf, const uint8_t *p, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		sprintf(buf + 2 * i, "%02x", p[i]);
	buf[2 * n] = 0;
}

/* Describe where @got and @want (both @n bytes) first differ. */
/*
 * Describe where @got and @want (@n bytes from file offset @at) first
 * differ, and whose data the found bytes are.
 */
static void content_diff(struct diffs *df, const char *path, const char *what,
			 const uint8_t *got, const uint8_t *want, uint64_t n,
			 uint64_t at)
{
	uint64_t i, j, end, a8;
	char g[40], w[40], who[80];

	for (i = 0; i < n && got[i] == want[i]; i++)
		;
	for (end = i, j = i; j < n; j++)
		if (got[j] != want[j])
			end = j + 1;
	a8 = ((at + i + 7) & ~7ULL) - at;
	if (a8 + 8 <= n)
		who_wrote(who, sizeof(who), at + a8, got + a8);
	else
		snprintf(who, sizeof(who), "?");
	hex(g, got + i, n - i < 16 ? n - i : 16);
	hex(w, want + i, n - i < 16 ? n - i : 16);
	diff(df, "%s: content differs from %s at %" PRIu64 " (the last "
	     "differing byte is at %" PRIu64 "): found %s, expected %s; the "
	     "found bytes at %" PRIu64 " are %s", path, what, at + i,
	     at + end - 1, g, w, at + a8, who);
}

/* Compare @e's content with @want exactly; 0 when equal. */
static int exact(struct diffs *df, const char *path, const struct aent *e,
		 const uint8_t *want, uint64_t size, const char *what)
{
	if (e->size != size) {
		diff(df, "%s: size %" PRIu64 ", expected %" PRIu64 " (%s)",
		     path, e->size, size, what);
		return 1;
	}
	if (e->data && memcmp(e->data, want, size)) {
		content_diff(df, path, what, e->data, want, size, 0);
		return 1;
	}
	return 0;
}

/*
 * Compare @e with @o: its content, or a prefix of it as long as one of
 * the sizes it may still show (struct obj: @lz).  0 when one matches.
 */
static int lazy_exact(struct diffs *df, const char *path,
		      const struct aent *e, const struct obj *o,
		      const char *what)
{
	uint32_t i;

	if (e->size != o->size)
		for (i = 0; i < o->nlz; i++)
			if (e->size == o->lz[i] &&
			    (!e->data || !memcmp(e->data, o->d, e->size))) {
				df->lazy++;
				return 0;
			}
	return exact(df, path, e, o->d, o->size, what);
}

/* Is @s one of the sizes @o may still show? */
static bool lazy_size(const struct obj *o, uint64_t s)
{
	uint32_t i;

	for (i = 0; i < o->nlz; i++)
		if (o->lz[i] == s)
			return true;
	return false;
}

/*
 * The target file of the interrupted op @op: A's version @oa, B's @ob.
 * 0 when @e is one of the states the op may leave (@how says which).
 */
static int tolerant(struct diffs *df, const char *path, const struct aent *e,
		    const struct op *op, const struct obj *oa,
		    const struct obj *ob)
{
	uint64_t k, nch, first, s, p, i;
	uint8_t *c;
	int bad = 0;

	switch (op->cls) {
	case C_ATOMIC:
		if (!lazy_exact(df, path, e, ob, "B"))
			snprintf(df->how, sizeof(df->how), "%s",
				 e->size == ob->size ? "complete" :
				 "complete, its size not yet published");
		return df->n;
	case C_CHUNKS:
		first = op->off / PG;
		nch = ((op->off + op->len - 1) / PG - first) / TXN_PAGES + 1;
		c = xmalloc(ob->size + 1);
		for (k = 0; k <= nch; k++) {
			uint64_t end = k == nch ? op->off + op->len :
				       (first + k * TXN_PAGES) * PG;
			uint64_t sz = oa->size;

			memcpy(c, oa->d, oa->size);
			if (k && end > sz) {	/* k == 0: A as it was */
				memset(c + sz, 0, end - sz);
				sz = end;
			}
			if (k)
				gen(c + op->off, opkey(g_cycle, op->no),
				    op->off, end - op->off);
			if (e->size == sz && !memcmp(e->data, c, sz)) {
				snprintf(df->how, sizeof(df->how),
					 k == nch ? "complete" :
					 "partial: %" PRIu64 " of its %" PRIu64
					 " write transactions", k, nch);
				free(c);
				return 0;
			}
		}
		free(c);
		if (!lazy_exact(df, path, e, ob, "B")) {
			snprintf(df->how, sizeof(df->how),
				 "an earlier size, not yet published");
			return 0;
		}
		diff(df, "%s: matches no prefix of op %u's %" PRIu64
		     " write transactions", path, op->no, nch);
		return df->n;
	case C_PAGES:
	case C_BYTES:
		break;
	}
	s = e->size;
	if (lazy_size(oa, s)) {
		/* mapped stores before msync, or nothing committed yet */
	} else if (op->cls == C_BYTES ? s != oa->size :
	    s < (oa->size < ob->size ? oa->size : ob->size) ||
	    s > (oa->size > ob->size ? oa->size : ob->size)) {
		diff(df, "%s: size %" PRIu64 ", expected %" PRIu64 " (A) or %s%"
		     PRIu64 " (B)", path, s, oa->size,
		     op->cls == C_PAGES ? "up to " : "", ob->size);
		return df->n;
	}
	/* A zero-extended to s, against B */
	for (p = 0; p < s && !bad; p += (op->cls == C_BYTES ? 1 : PG)) {
		uint64_t n = op->cls == C_BYTES ? 1 : (s - p < PG ? s - p : PG);
		bool isa = true, isb = true;

		for (i = p; i < p + n; i++) {
			uint8_t av = i < oa->size ? oa->d[i] : 0;
			uint8_t bv = i < ob->size ? ob->d[i] : 0;

			isa &= e->data[i] == av;
			isb &= e->data[i] == bv;
		}
		if (!isa && !isb) {
			uint8_t *want = xmalloc(s);
			uint64_t m = s < ob->size ? s : ob->size;

			memset(want, 0, s);
			memcpy(want, ob->d, m);
			diff(df, "%s: %s at %" PRIu64 " is neither A's nor B's",
			     path, op->cls == C_BYTES ? "the byte" : "the page",
			     p);
			content_diff(df, path, "B", e->data + p, want + p, n,
				     p);
			free(want);
			bad = 1;
		}
	}
	if (!bad)
		snprintf(df->how, sizeof(df->how), "%s",
			 s == ob->size && !memcmp(e->data, ob->d, s) ?
			 "complete" : s == oa->size &&
			 !memcmp(e->data, oa->d, s) ? "absent" : "partial");
	return df->n;
}

/*
 * Compare what is there with model @m; with @op (B), op's target file
 * is compared tolerantly against @a's version and @m's.
 */
static int compare(const struct actual *ac, const struct model *m,
		   const struct op *op, const struct model *a,
		   struct diffs *df)
{
	ino_t oino[MAXOBJ] = { 0 };
	int d, s, k, nd = NDIR;
	char path[64], tgt[512];

	memset(df, 0, sizeof(*df));
	for (d = 0; d < NDIR; d++)
		if (ac->dnlink[d] && ac->dnlink[d] != (nlink_t)(2 + subdirs(m, d)))
			diff(df, "c%u/d%d: %ju links, expected %d", g_cycle, d,
			     (uintmax_t)ac->dnlink[d], 2 + subdirs(m, d));
	if (g_cycle <= g_nbase)
		nd = NDIR + 1;
	for (d = 0; d < nd; d++)
		for (s = 0; s < (d == BASE_D ? 1 : NSLOT); s++) {
			const struct ent *me = &m->e[d][s];
			const struct aent *e = &ac->e[d][s];
			const struct obj *o;

			ent_path(path, sizeof(path), d, s);
			if (me->type != e->type) {
				diff(df, "%s: is %s, expected %s", path,
				     tname[e->type], tname[me->type]);
				continue;
			}
			if (me->type == E_LINK) {
				gen_target(tgt, me->tno, me->tlen);
				if (strcmp(tgt, e->target))
					diff(df, "%s: symlink target \"%.40s...\" (%zu bytes), expected \"%.40s...\" (%u bytes, op %u's)",
					     path, e->target,
					     strlen(e->target), tgt, me->tlen,
					     me->tno);
				continue;
			}
			if (me->type != E_FILE)
				continue;
			o = &m->o[me->obj];
			if (oino[me->obj] && oino[me->obj] != e->ino)
				diff(df, "%s: inode %ju, expected the same as the other names of object #%d (%ju)",
				     path, (uintmax_t)e->ino, me->obj,
				     (uintmax_t)oino[me->obj]);
			oino[me->obj] = e->ino;
			if (e->nlink != (nlink_t)o->nlink)
				diff(df, "%s: %ju links, expected %d", path,
				     (uintmax_t)e->nlink, o->nlink);
			if (e->mode != o->mode)
				diff(df, "%s: mode %04o, expected %04o", path,
				     e->mode, o->mode);
			for (k = 0; k < 2; k++) {
				uint8_t *xv;

				if (e->hasx[k] != !!o->x[k].no) {
					diff(df, "%s: user.%c %s, expected %s",
					     path, 'a' + k,
					     e->hasx[k] ? "set" : "missing",
					     o->x[k].no ? "set" : "none");
					continue;
				}
				if (!e->hasx[k])
					continue;
				xv = xmalloc(o->x[k].len);
				gen(xv, opkey(g_cycle, o->x[k].no) ^ 0x3a77, 0,
				    o->x[k].len);
				if (e->xlen[k] != o->x[k].len ||
				    memcmp(e->x[k], xv, o->x[k].len))
					diff(df, "%s: user.%c is not op %u's value (%zu bytes, expected %u)",
					     path, 'a' + k, o->x[k].no,
					     e->xlen[k], o->x[k].len);
				free(xv);
			}
			if (op && op->obj == me->obj)
				tolerant(df, path, e, op, &a->o[me->obj], o);
			else
				lazy_exact(df, path, e, o,
				      op ? "B" : "A");
		}
	/* distinct objects, distinct inodes */
	for (d = 0; d < MAXOBJ; d++)
		for (s = d + 1; s < MAXOBJ; s++)
			if (oino[d] && oino[d] == oino[s])
				diff(df, "objects #%d and #%d share inode %ju",
				     d, s, (uintmax_t)oino[d]);
	return df->n;
}

/* ", N files at an earlier size", when appends were not yet published */
static const char *unpublished(const struct diffs *df)
{
	static char buf[80];

	buf[0] = 0;
	if (df->lazy)
		snprintf(buf, sizeof(buf),
			 " (%d file%s at a size not yet published)", df->lazy,
			 df->lazy > 1 ? "s" : "");
	return buf;
}

static int cmd_verify(const char *claims)
{
	struct model a, b;
	struct actual ac;
	struct diffs da, db;
	struct rng r;
	struct op op;
	size_t len, pos = 0;
	char *buf = read_file(claims, &len), *nl;
	uint32_t no = 0;
	int i, ret = 0;

	model_init(&a);
	cycle_rng(&r);
	/* replay every complete claim line */
	while (pos < len && (nl = memchr(buf + pos, '\n', len - pos))) {
		char *line = buf + pos, *sp;

		*nl = 0;
		pos = nl + 1 - buf;
		no++;
		choose(&a, &r, no, &op);
		apply(&a, &op);
		sp = strchr(line, ' ');
		if (!sp || strtoul(line, NULL, 10) != no ||
		    strcmp(sp + 1, op.desc)) {
			printf("%sclaims line %u is \"%s\"; the replay makes \"%u %s\" (the workload and the checker disagree)\n",
			       g_failp, no, line, no, op.desc);
			return 1;
		}
	}
	if (pos < len)
		printf("crashload: cycle %u: the claims end in a partial line (%zu bytes), ignored\n",
		       g_cycle, len - pos);
	g_lastop = no;
	/* op no + 1: the one the crash may have hit */
	choose(&a, &r, no + 1, &op);
	model_clone(&b, &a);
	apply(&b, &op);
	scan(&ac);
	if (ac.nmsg) {
		printf("%scycle %u: the tree after the crash (%u ops claimed):\n",
		       g_failp, g_cycle, no);
		for (i = 0; i < ac.nmsg && i < MAXDIFF; i++)
			printf("  %s\n", ac.msg[i]);
		ret = 1;
	}
	if (!compare(&ac, &a, NULL, NULL, &da)) {
		printf("%scycle %u: %u ops claimed; op %u (%s): absent%s\n",
		       g_okp, g_cycle, no, no + 1, op.desc, unpublished(&da));
	} else if (!compare(&ac, &b, &op, &a, &db)) {
		printf("%scycle %u: %u ops claimed; op %u (%s): %s%s\n",
		       g_okp, g_cycle, no, no + 1, op.desc,
		       db.how[0] ? db.how : "complete", unpublished(&db));
	} else {
		printf("%scycle %u: after %u claimed ops the files match neither the state after op %u (A) nor one op %u (%s) may leave (B)\n",
		       g_failp, g_cycle, no, no, no + 1, op.desc);
		printf("  against A (%d differences):\n", da.n);
		for (i = 0; i < da.n && i < MAXDIFF; i++)
			printf("    %s\n", da.msg[i]);
		printf("  against B (%d differences):\n", db.n);
		for (i = 0; i < db.n && i < MAXDIFF; i++)
			printf("    %s\n", db.msg[i]);
		ret = 1;
	}
	actual_free(&ac);
	model_free(&a);
	model_free(&b);
	free(buf);
	return ret;
}


/* ---- manifests: a tree's every kept property, as text ---- */

/*
 * One line per entry, sorted by name, depth first: PATH TYPE MODE
 * UID:GID SIZE NLINK MTIME XATTRS EXTRA (tab separated); directories
 * have no size; XATTRS is name=hash,...; EXTRA the content hash of a
 * file (or "=FIRSTPATH" for a later name of a hard-linked inode), the
 * target of a symlink.  Paths are ours ([a-z0-9/]): no escaping.
 */
struct mf {
	char *buf;
	size_t len, cap;
	struct {
		dev_t dev;
		ino_t ino;
		char *path;
	} *seen;
	size_t nseen, capseen;
	int err;
};

static void __attribute__((format(printf, 2, 3)))
mf_add(struct mf *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(m->buf + m->len, m->cap - m->len, fmt, ap);
		va_end(ap);
		if ((size_t)n < m->cap - m->len)
			break;
		m->cap = m->cap * 2 + n + 4096;
		m->buf = realloc(m->buf, m->cap);
		if (!m->buf)
			die("out of memory");
	}
	m->len += n;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void mf_walk(struct mf *m, int dfd, const char *prefix)
{
	char **names = NULL, path[4200], proc[64], list[4096], tgt[4200];
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *dp;
	int fd = dup(dfd);

	if (fd < 0 || !(dp = fdopendir(fd))) {
		mf_add(m, "%s\tERROR opendir %s\n", prefix, strerror(errno));
		m->err = 1;
		return;
	}
	while ((de = readdir(dp))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				die("out of memory");
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		struct stat st;
		ssize_t xl, k;

		snprintf(path, sizeof(path), "%s%s%s", prefix,
			 *prefix ? "/" : "", names[i]);
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW)) {
			mf_add(m, "%s\tERROR lstat %s\n", path, strerror(errno));
			m->err = 1;
			continue;
		}
		mf_add(m, "%s\t%c\t%04o\t%u:%u\t", path,
		       S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' :
		       S_ISLNK(st.st_mode) ? 'l' : '?', st.st_mode & 07777,
		       st.st_uid, st.st_gid);
		if (S_ISDIR(st.st_mode))
			mf_add(m, "-");
		else
			mf_add(m, "%jd", (intmax_t)st.st_size);
		mf_add(m, "\t%ju\t%jd.%09ld\t", (uintmax_t)st.st_nlink,
		       (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d/", dfd);
		snprintf(tgt, sizeof(tgt), "%s%s", proc, names[i]);
		xl = llistxattr(tgt, list, sizeof(list));
		if (xl < 0) {
			mf_add(m, "ERROR listxattr %s", strerror(errno));
			m->err = 1;
			xl = 0;
		}
		/* sorted: the list is short, a selection is enough */
		{
			char *xs[64];
			int nx = 0, a;

			for (k = 0; k < xl && nx < 64; k += strlen(list + k) + 1)
				xs[nx++] = list + k;
			qsort(xs, nx, sizeof(*xs), cmp_names);
			for (a = 0; a < nx; a++) {
				uint8_t v[65536];
				ssize_t vl = lgetxattr(tgt, xs[a], v, sizeof(v));

				mf_add(m, "%s%s=%016" PRIx64, a ? "," : "",
				       xs[a], vl < 0 ? 0 : fnv(v, vl));
			}
			if (!nx)
				mf_add(m, "-");
		}
		mf_add(m, "\t");
		if (S_ISREG(st.st_mode)) {
			size_t j;
			int ffd;

			for (j = 0; j < m->nseen; j++)
				if (m->seen[j].dev == st.st_dev &&
				    m->seen[j].ino == st.st_ino)
					break;
			if (j < m->nseen) {
				mf_add(m, "=%s\n", m->seen[j].path);
				continue;
			}
			if (st.st_nlink > 1) {
				if (m->nseen == m->capseen) {
					m->capseen = m->capseen * 2 + 16;
					m->seen = realloc(m->seen, m->capseen *
							  sizeof(*m->seen));
					if (!m->seen)
						die("out of memory");
				}
				m->seen[m->nseen].dev = st.st_dev;
				m->seen[m->nseen].ino = st.st_ino;
				m->seen[m->nseen++].path = strdup(path);
			}
			ffd = openat(dfd, names[i], O_RDONLY | O_NOFOLLOW |
				     O_CLOEXEC);
			if (ffd < 0) {
				mf_add(m, "ERROR open %s\n", strerror(errno));
				m->err = 1;
				continue;
			}
			{
				uint64_t h = 0xcbf29ce484222325ULL;
				uint8_t b[65536];
				ssize_t r;

				while ((r = read(ffd, b, sizeof(b))) > 0)
					for (k = 0; k < r; k++)
						h = (h ^ b[k]) *
						    0x100000001b3ULL;
				if (r < 0) {
					mf_add(m, "ERROR read %s\n",
					       strerror(errno));
					m->err = 1;
				} else {
					mf_add(m, "%016" PRIx64 "\n", h);
				}
			}
			close(ffd);
		} else if (S_ISLNK(st.st_mode)) {
			ssize_t tl = readlinkat(dfd, names[i], tgt,
						sizeof(tgt) - 1);

			tgt[tl < 0 ? 0 : tl] = 0;
			mf_add(m, "%s\n", tgt);
		} else {
			mf_add(m, "-\n");
		}
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dfd, names[i], O_RDONLY | O_DIRECTORY |
					 O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0) {
				mf_add(m, "%s\tERROR open %s\n", path,
				       strerror(errno));
				m->err = 1;
				continue;
			}
			mf_walk(m, sub, path);
			close(sub);
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The manifest of @dir (relative to @at); NUL-terminated, malloc'd. */
static char *manifest(int at, const char *dir)
{
	struct mf m = { 0 };
	size_t i;
	int fd = openat(at, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	mf_add(&m, "%s", "");
	if (fd < 0)
		mf_add(&m, ".\tERROR open %s\n", strerror(errno));
	else
		mf_walk(&m, fd, "");
	if (fd >= 0)
		close(fd);
	for (i = 0; i < m.nseen; i++)
		free(m.seen[i].path);
	free(m.seen);
	return m.buf;
}

/* Lines of @a not in @b and of @b not in @a (both sorted alike). */
static void line_diff(const char *a, const char *b, const char *an,
		      const char *bn)
{
	int shown = 0;

	while ((*a || *b) && shown < 10) {
		const char *ae = strchr(a, '\n'), *be = strchr(b, '\n');
		size_t al = ae ? (size_t)(ae - a) : strlen(a);
		size_t bl = be ? (size_t)(be - b) : strlen(b);
		int c;

		if (al == bl && !memcmp(a, b, al)) {
			a += al + !!ae;
			b += bl + !!be;
			continue;
		}
		/* order by path (the first field) */
		c = !*a ? 1 : !*b ? -1 : strncmp(a, b, al < bl ? al : bl);
		if (c <= 0 && *a) {
			printf("    %s: %.*s\n", an, (int)al, a);
			a += al + !!ae;
			shown++;
		}
		if (c >= 0 && *b) {
			printf("    %s: %.*s\n", bn, (int)bl, b);
			b += bl + !!be;
			shown++;
		}
	}
}

static int write_text(const char *path, const char *text)
{
	char tmp[4300];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fflush(f) || fsync(fileno(f)) ||
	    fclose(f) || rename(tmp, path))
		return -1;
	return 0;
}

/* Drop the lines of base manifest @t for base files b1..b@upto. */
static char *base_after(const char *t, uint32_t upto)
{
	char *out = xmalloc(strlen(t) + 1), *o = out;

	while (*t) {
		const char *e = strchr(t, '\n');
		size_t l = e ? (size_t)(e - t + 1) : strlen(t);

		if (t[0] != 'b' || strtoul(t + 1, NULL, 10) > upto) {
			memcpy(o, t, l);
			o += l;
		}
		t += l;
	}
	*o = 0;
	return out;
}


/*
 * check: what guest C checks after the crash of cycle C-1 (see
 * tests/vm/crash-guest.sh): cycle C-1's files against its claims (their
 * manifest saved as SHARE/settled-(C-1).manifest), cycle C-2's against
 * the manifest cycle C-1 saved, the base files no cycle took yet against
 * the host's SHARE/base.manifest, and nothing else in the root.
 */
static int cmd_check(const char *share)
{
	uint32_t c = g_cycle, p = c - 1;
	char path[4200], *cur, *want, *a, *b;
	size_t len;
	int ret = 0;
	double t0;

	if (p >= 1) {
		t0 = now();
		snprintf(g_okp, sizeof(g_okp), "crash-note: cycle %u: ", c);
		snprintf(g_failp, sizeof(g_failp), "FAIL: crash: cycle %u: ", c);
		g_cycle = p;
		snprintf(path, sizeof(path), "%s/claims-%u", share, p);
		ret |= cmd_verify(path);
		g_cycle = c;
		printf("crash-note: cycle %u: checked cycle %u's files against its claims in %.0f ms\n",
		       c, p, (now() - t0) * 1000);
		snprintf(path, sizeof(path), "c%u", p);
		cur = manifest(g_root, path);
		snprintf(path, sizeof(path), "%s/settled-%u.manifest", share, p);
		if (write_text(path, cur))
			die_errno("%s", path);
		free(cur);
	}
	if (p >= 2) {
		snprintf(path, sizeof(path), "c%u", p - 1);
		cur = manifest(g_root, path);
		snprintf(path, sizeof(path), "%s/settled-%u.manifest", share,
			 p - 1);
		want = read_file(path, &len);
		want = realloc(want, len + 1);
		want[len] = 0;
		if (strcmp(cur, want)) {
			printf("FAIL: crash: cycle %u: cycle %u's files changed since cycle %u checked them (a crash or the recovery after it touched them):\n",
			       c, p - 1, p);
			line_diff(want, cur, "then", "now ");
			ret = 1;
		} else {
			printf("crash-note: cycle %u: cycle %u's files unchanged\n",
			       c, p - 1);
		}
		free(cur);
		free(want);
	}
	/* the base files no cycle took: b(C) and up */
	cur = manifest(g_root, "base");
	snprintf(path, sizeof(path), "%s/base.manifest", share);
	want = read_file(path, &len);
	want = realloc(want, len + 1);
	want[len] = 0;
	a = base_after(want, p);
	b = base_after(cur, p);
	if (strcmp(a, b)) {
		printf("FAIL: crash: cycle %u: the base files no cycle took differ from what mkdaxfs wrote:\n",
		       c);
		line_diff(a, b, "mkdaxfs", "now    ");
		ret = 1;
	}
	free(a);
	free(b);
	free(cur);
	free(want);
	/* the root: base, c(C-2), c(C-1) */
	{
		struct dirent *de;
		int fd = dup(g_root);
		DIR *dp = fd < 0 ? NULL : fdopendir(fd);

		if (!dp)
			die_errno("opendir /");
		rewinddir(dp);
		while ((de = readdir(dp))) {
			char *e;
			unsigned long k;

			if (!strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, "..") ||
			    !strcmp(de->d_name, "base"))
				continue;
			k = de->d_name[0] == 'c' ?
			    strtoul(de->d_name + 1, &e, 10) : 0;
			if (de->d_name[0] == 'c' && !*e && k >= 1 &&
			    k + 2 >= c && k < c)
				continue;
			printf("FAIL: crash: cycle %u: the root holds %s\n", c,
			       de->d_name);
			ret = 1;
		}
		closedir(dp);
	}
	return ret;
}

/* ---- base ---- */

static int cmd_base(const char *dir, uint32_t count)
{
	char path[4200];
	uint32_t k;

	snprintf(path, sizeof(path), "%s/base", dir);
	if (mkdir(path, 0755) && errno != EEXIST)
		die_errno("mkdir %s", path);
	for (k = 1; k <= count; k++) {
		uint64_t n = base_size(k);
		uint8_t *b = xmalloc(n);
		int fd;

		gen(b, opkey(k, 0), 0, n);
		snprintf(path, sizeof(path), "%s/base/b%u", dir, k);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, b, n) != (ssize_t)n || close(fd))
			die_errno("%s", path);
		if (chmod(path, 0644))
			die_errno("chmod %s", path);
		free(b);
	}
	return 0;
}

/*
 * plan: replay ops 1..@upto (no filesystem needed) and print each op that
 * changes the file named @path after op @upto, with that file's size
 * before and after it and the sizes it may still show (@lz): what a
 * failed verify needs to be understood.
 */
static int cmd_plan(uint32_t upto, const char *path)
{
	struct model m;
	struct rng r;
	struct op op;
	uint32_t no;
	int d, s, target = -1;

	if (sscanf(path, "c%*u/d%d/f%d", &d, &s) != 2 || d < 0 || d >= NDIR ||
	    s < 0 || s >= NSLOT)
		die("%s: not a name cC/dD/fS", path);
	for (int pass = 0; pass < 2; pass++) {
		model_init(&m);
		cycle_rng(&r);
		for (no = 1; no <= upto; no++) {
			struct obj *o;
			uint64_t before;

			choose(&m, &r, no, &op);
			o = op.obj >= 0 ? &m.o[op.obj] : NULL;
			before = o ? o->size : 0;
			apply(&m, &op);
			if (pass && o && op.obj == target)
				printf("%u %s: size %" PRIu64 " -> %" PRIu64
				       ", may show %u earlier sizes\n", no,
				       op.desc, before, o->size, o->nlz);
		}
		if (m.e[d][s].type != E_FILE)
			die("%s is not a file after op %u", path, upto);
		target = m.e[d][s].obj;
		model_free(&m);
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: crashload base DIR SEED COUNT\n"
		"       crashload run ROOT SEED CYCLE NBASE CLAIMS STARTED [MAXSEC]\n"
		"       crashload verify ROOT SEED CYCLE NBASE CLAIMS\n"
		"       crashload check ROOT SEED CYCLE NBASE SHARE\n"
		"       crashload manifest DIR\n"
		"       crashload plan SEED CYCLE NBASE UPTO PATH\n");
	exit(2);
}

int main(int argc, char **argv)
{
	helper_name = "crashload";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "base")) {
		g_seed = parse_num(argv[3]);
		return cmd_base(argv[2], parse_num(argv[4]));
	}
	if (argc == 3 && !strcmp(argv[1], "manifest")) {
		char *t = manifest(AT_FDCWD, argv[2]);

		fputs(t, stdout);
		free(t);
		return 0;
	}
	if (argc == 7 && !strcmp(argv[1], "plan")) {
		g_seed = parse_num(argv[2]);
		g_cycle = parse_num(argv[3]);
		g_nbase = parse_num(argv[4]);
		if (!g_cycle)
			die("CYCLE counts from 1");
		return cmd_plan(parse_num(argv[5]), argv[6]);
	}
	if (argc < 7)
		usage();
	g_root = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (g_root < 0)
		die_errno("%s", argv[2]);
	g_seed = parse_num(argv[3]);
	g_cycle = parse_num(argv[4]);
	g_nbase = parse_num(argv[5]);
	if (!g_cycle)
		die("CYCLE counts from 1");
	if (!strcmp(argv[1], "run") && (argc == 8 || argc == 9))
		return cmd_run(argv[6], argv[7],
			       argc == 9 ? parse_num(argv[8]) : 300);
	if (!strcmp(argv[1], "verify") && argc == 7)
		return cmd_verify(argv[6]);
	if (!strcmp(argv[1], "check") && argc == 7)
		return cmd_check(argv[6]);
	usage();
}

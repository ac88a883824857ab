// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fsx: randomized file data integrity test.
 *
 *   fsx [-s SEED] [-n OPS] [-f FILES] [-l MAXLEN] [-o MAXOP] [-c EVERY]
 *       [-x OPLIST] [-S MODEL] [-q] [-D] DIR
 *   fsx -V MODEL [-q] DIR
 *
 * Works on FILES files (default 4), DIR/fsx.0 ... DIR/fsx.N-1, created
 * empty, and keeps a model of each one's bytes and size in memory.  Each
 * of OPS random operations (default 10000) is checked right away: the
 * file's size (fstat), the range it touched and one more random range
 * (read back with pread or through a mapping) must equal the model; every
 * EVERY ops (default 1000) and at the end every file is compared whole.
 *
 * Operations (names for -x; "fallocate" names the five fallocate kinds,
 * "mmap" both mapping kinds):
 *   read        pread of a random range, also past EOF (short read)
 *   mapread     read through a shared mapping; bytes past EOF in the
 *               last page must read as zero
 *   write       pwrite at a random offset, also far past EOF (a hole)
 *   append      write through a second descriptor opened O_APPEND
 *   mapwrite    memcpy into a MAP_SHARED mapping inside EOF, then
 *               msync(MS_SYNC), msync(MS_ASYNC) or nothing, and munmap
 *   trunc       ftruncate (sometimes truncate(2), or open(O_TRUNC) to
 *               0) up or down: a shrink then an extension reads zeros
 *   punch       fallocate PUNCH_HOLE|KEEP_SIZE
 *   zero        fallocate ZERO_RANGE (may extend the size)
 *   zerokeep    fallocate ZERO_RANGE|KEEP_SIZE
 *   falloc      fallocate mode 0 (may extend the size)
 *   fallockeep  fallocate KEEP_SIZE (also past EOF)
 *   sync        fsync or fdatasync
 *   copy        copy_file_range between two of the files (or within one
 *               file, to a range that does not overlap)
 *   seek        SEEK_DATA/SEEK_HOLE: what they call a hole must be zero
 *               in the model
 *   reopen      close both descriptors and open the file again
 *
 * Any failed call fails the test, EOPNOTSUPP included: an operation the
 * filesystem does not support must be disabled with -x.
 *
 *   -s SEED    random seed (default from the clock); printed first as
 *              "fsx: seed N"
 *   -l MAXLEN  largest file size (default 4M); -o MAXOP largest single
 *              operation (default 128K)
 *   -S MODEL   at the end, fsync every file and save the model to MODEL:
 *              each file's size and a hash of each 4 KiB of it
 *   -V MODEL   only verify: compare DIR's files (read and mapped) with a
 *              model saved by -S, e.g. after a remount
 *   -q         print nothing but the seed and errors; -D print each
 *              operation before it runs
 *
 * On a mismatch it prints the op number, file, offset, expected and
 * found bytes (and which op wrote the found bytes, if any did), the last
 * 20 operations and how to run it again; exit status 1.
 */
#include <setjmp.h>
#include <signal.h>
#include <time.h>
#include <sys/mman.h>
#include <linux/falloc.h>
#include "common.h"

#define HIST		32	/* ops remembered */
#define HIST_SHOW	20	/* ops shown on a failure */
#define MODEL_PAGE	4096U	/* granularity of -S hashes and "who" */
#define RAND_CHECK	65536U	/* longest random extra check */
#define MAX_FILES	64

enum op_kind {
	OP_READ, OP_MAPREAD, OP_WRITE, OP_APPEND, OP_MAPWRITE, OP_TRUNC,
	OP_PUNCH, OP_ZERO, OP_ZEROKEEP, OP_FALLOC, OP_FALLOCKEEP, OP_SYNC,
	OP_COPY, OP_SEEK, OP_REOPEN, NR_OPS
};

static const struct {
	const char *name;
	unsigned int weight;
} kinds[NR_OPS] = {
	[OP_READ]	= { "read",		10 },
	[OP_MAPREAD]	= { "mapread",		6 },
	[OP_WRITE]	= { "write",		20 },
	[OP_APPEND]	= { "append",		6 },
	[OP_MAPWRITE]	= { "mapwrite",		8 },
	[OP_TRUNC]	= { "trunc",		6 },
	[OP_PUNCH]	= { "punch",		5 },
	[OP_ZERO]	= { "zero",		3 },
	[OP_ZEROKEEP]	= { "zerokeep",		3 },
	[OP_FALLOC]	= { "falloc",		3 },
	[OP_FALLOCKEEP]	= { "fallockeep",	2 },
	[OP_SYNC]	= { "sync",		2 },
	[OP_COPY]	= { "copy",		5 },
	[OP_SEEK]	= { "seek",		3 },
	[OP_REOPEN]	= { "reopen",		1 },
};

struct file {
	char *path;
	int fd, afd;		/* O_RDWR, and O_WRONLY|O_APPEND */
	uint64_t size;
	unsigned char *model;	/* opt.maxlen bytes, zero from size on */
	uint64_t *who;		/* per MODEL_PAGE: op that last set it */
};

struct op {
	uint64_t no;
	enum op_kind kind;
	int file, src;		/* src: copy's source file */
	uint64_t off, len, src_off;
	uint64_t old_size, new_size;
	uint64_t done;		/* copy: bytes copied */
	const char *how;	/* the variant, for the log */
	uint64_t chk_off, chk_len;	/* range to read back afterwards */
};

static struct {
	uint64_t seed, nops, maxlen, maxop, every;
	int nfiles, quiet, debug;
	unsigned int off;	/* disabled kinds, 1 << kind */
	const char *dir, *save, *verify;
} opt = {
	.nops = 10000, .maxlen = 4 << 20, .maxop = 128 << 10,
	.every = 1000, .nfiles = 4,
};

static struct file files[MAX_FILES];
static struct op hist[HIST];
static uint64_t cur;		/* number of the op running */
static uint64_t rng;
static size_t pagesz;
static unsigned char *rbuf, *wbuf;	/* scratch, maxlen + 2 pages */
static int cmd_argc, seeded;
static char **cmd_argv;
static uint64_t counts[NR_OPS];

/* ---- randomness and data ------------------------------------------------ */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(void)
{
	rng += 0x9e3779b97f4a7c15ULL;
	return mix64(rng);
}

/* 0 ... n-1 (0 when n is 0) */
static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * The data op @op writes at file offset @pos is a function of both, so
 * that bytes found in the wrong place tell which op wrote them.
 */
static uint64_t pat_word(uint64_t op, uint64_t pos)
{
	return mix64(op * 0xd6e8feb86659fd93ULL ^ (pos >> 3));
}

static void pattern(unsigned char *buf, uint64_t op, uint64_t off,
		    uint64_t len)
{
	uint64_t i = 0;

	while (i < len) {
		uint64_t pos = off + i, w = pat_word(op, pos);
		unsigned int b;

		for (b = pos & 7; b < 8 && i < len; b++, i++)
			buf[i] = w >> (b * 8);
	}
}

static uint32_t page_hash(const unsigned char *p, size_t n)
{
	uint64_t h = 0x84222325cbf29ce4ULL ^ n;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h = mix64(h ^ w);
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h = mix64(h);
	return h ^ (h >> 32);
}

/* ---- reporting ---------------------------------------------------------- */

static struct op *hist_op(uint64_t no)
{
	struct op *o = &hist[no % HIST];

	return no && o->no == no ? o : NULL;
}

static void fmt_op(char *s, size_t n, const struct op *o)
{
	const char *k = kinds[o->kind].name;
	unsigned long long off = o->off, len = o->len;

	switch (o->kind) {
	case OP_COPY:
		snprintf(s, n, "#%-7llu %-10s f%d 0x%llx -> f%d 0x%llx "
			 "len 0x%llx (copied 0x%llx) size 0x%llx -> 0x%llx",
			 (unsigned long long)o->no, k, o->src,
			 (unsigned long long)o->src_off, o->file, off, len,
			 (unsigned long long)o->done,
			 (unsigned long long)o->old_size,
			 (unsigned long long)o->new_size);
		break;
	case OP_TRUNC:
	case OP_SYNC:
	case OP_REOPEN:
		snprintf(s, n, "#%-7llu %-10s f%d size 0x%llx -> 0x%llx %s",
			 (unsigned long long)o->no, k, o->file,
			 (unsigned long long)o->old_size,
			 (unsigned long long)o->new_size, o->how ? o->how : "");
		break;
	default:
		snprintf(s, n, "#%-7llu %-10s f%d 0x%llx len 0x%llx "
			 "size 0x%llx -> 0x%llx %s",
			 (unsigned long long)o->no, k, o->file, off, len,
			 (unsigned long long)o->old_size,
			 (unsigned long long)o->new_size, o->how ? o->how : "");
		break;
	}
}

static void show_history(void)
{
	uint64_t first = cur > HIST_SHOW ? cur - HIST_SHOW + 1 : 1, no;
	char line[256];

	fprintf(stderr, "fsx: last operations (newest last):\n");
	for (no = first; no <= cur; no++) {
		struct op *o = hist_op(no);

		if (!o)
			continue;
		fmt_op(line, sizeof(line), o);
		fprintf(stderr, "fsx:   %s\n", line);
	}
}

static void __attribute__((noreturn)) give_up(void)
{
	int i;

	if (cur)
		show_history();
	if (opt.verify)
		fprintf(stderr, "fsx: run again with: %s", cmd_argv[0]);
	else
		fprintf(stderr, "fsx: seed %llu; run again with: %s",
			(unsigned long long)opt.seed, cmd_argv[0]);
	if (!seeded && !opt.verify)
		fprintf(stderr, " -s %llu", (unsigned long long)opt.seed);
	for (i = 1; i < cmd_argc; i++)
		fprintf(stderr, " %s", cmd_argv[i]);
	fputc('\n', stderr);
	exit(1);
}

/* "fsx: op N: message[: errno]", the history, exit 1. */
static void __attribute__((noreturn, format(printf, 2, 3)))
failure(int with_errno, const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	fflush(stdout);
	if (cur)
		fprintf(stderr, "fsx: op %llu: ", (unsigned long long)cur);
	else
		fprintf(stderr, "fsx: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (with_errno)
		fprintf(stderr, ": %s (%s)", strerror(e),
			strerrorname_np(e) ? strerrorname_np(e) : "?");
	fputc('\n', stderr);
	if (with_errno && e == EOPNOTSUPP && cur)
		fprintf(stderr, "fsx: the filesystem must support this "
			"operation; to test without it, disable it with "
			"-x %s\n", kinds[hist[cur % HIST].kind].name);
	give_up();
}

#define fail(...)	failure(0, __VA_ARGS__)
#define fail_errno(...)	failure(1, __VA_ARGS__)

static void dump_bytes(const char *label, const unsigned char *p,
		       uint64_t base, size_t n)
{
	size_t i;

	fprintf(stderr, "fsx:   %-8s 0x%08llx:", label,
		(unsigned long long)base);
	for (i = 0; i < n; i++)
		fprintf(stderr, " %02x", p[i]);
	fputc('\n', stderr);
}

/* "^^" under each byte that differs */
static void mark_diff(const unsigned char *a, const unsigned char *b,
		      size_t n)
{
	size_t i;

	while (n && a[n - 1] == b[n - 1])
		n--;
	fprintf(stderr, "fsx:   %-8s %10s", "", "");
	for (i = 0; i < n; i++)
		fprintf(stderr, " %s", a[i] != b[i] ? "^^" : "  ");
	fputc('\n', stderr);
}

/* Which op's data would put the bytes @got at @pos?  0: none. */
static uint64_t whose_data(const unsigned char *got, uint64_t pos, size_t n)
{
	uint64_t q = (pos + 7) & ~7ULL, no;
	size_t k, skip, i;

	if (q + 8 <= pos + n) {	/* a whole word */
		skip = q - pos;
		k = 8;
	} else {		/* the rest of the first word */
		q = pos;
		skip = 0;
		k = min64(n, 8 - (pos & 7));
		if (k < 4)
			return 0;
	}
	for (no = cur; no >= 1; no--) {
		uint64_t w = pat_word(no, q);

		for (i = 0; i < k; i++) {
			unsigned int b = (q + i) & 7;

			if (got[skip + i] != (unsigned char)(w >> (b * 8)))
				break;
		}
		if (i == k)
			return no;
	}
	return 0;
}

static int all_zero(const unsigned char *p, size_t n)
{
	return !n || (!p[0] && !memcmp(p, p + 1, n - 1));
}

static void __attribute__((noreturn))
mismatch(const struct file *f, uint64_t off, const unsigned char *got,
	 uint64_t n, const char *how)
{
	const unsigned char *want = f->model + off;
	uint64_t first = 0, last = 0, diff = 0, i, start, len, by;

	for (i = 0; i < n; i++) {
		if (want[i] == got[i])
			continue;
		if (!diff++)
			first = i;
		last = i;
	}
	fflush(stdout);
	fprintf(stderr, "fsx: op %llu: %s: %s: data mismatch at offset "
		"0x%llx: %llu bytes differ between 0x%llx and 0x%llx "
		"(size 0x%llx)\n", (unsigned long long)cur, f->path, how,
		(unsigned long long)(off + first), (unsigned long long)diff,
		(unsigned long long)(off + first),
		(unsigned long long)(off + last), (unsigned long long)f->size);
	start = first & ~15ULL;
	len = min64(32, n - start);
	dump_bytes("expected", want + start, off + start, len);
	dump_bytes("got", got + start, off + start, len);
	mark_diff(want + start, got + start, len);
	fprintf(stderr, "fsx:   op %llu last changed this 4 KiB of the "
		"model\n",
		(unsigned long long)f->who[(off + first) / MODEL_PAGE]);
	len = min64(64, last - first + 1);	/* what differs */
	by = whose_data(got + first, off + first, len);
	if (by)
		fprintf(stderr, "fsx:   the bytes found are the data op %llu "
			"wrote at this offset\n", (unsigned long long)by);
	else if (all_zero(got + first, len))
		fprintf(stderr, "fsx:   the bytes found are zeros\n");
	else
		fprintf(stderr, "fsx:   the bytes found are no op's data for "
			"this offset\n");
	give_up();
}

/* ---- file access -------------------------------------------------------- */

static sigjmp_buf bus_jmp;
static volatile sig_atomic_t in_map;

static void on_sigbus(int sig)
{
	if (!in_map) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(bus_jmp, 1);
}

/* memcpy to or from a mapping; -1 on a SIGBUS. */
static int map_copy(void *dst, const void *src, size_t n)
{
	if (sigsetjmp(bus_jmp, 1)) {
		in_map = 0;
		return -1;
	}
	in_map = 1;
	memcpy(dst, src, n);
	in_map = 0;
	return 0;
}

static uint64_t pread_full(struct file *f, unsigned char *buf, uint64_t len,
			   uint64_t off)
{
	uint64_t done = 0;

	while (done < len) {
		ssize_t n = pread(f->fd, buf + done, len - done, off + done);

		if (n < 0)
			fail_errno("%s: pread 0x%llx len 0x%llx", f->path,
				   (unsigned long long)(off + done),
				   (unsigned long long)(len - done));
		if (!n)
			break;
		done += n;
	}
	return done;
}

static void pwrite_full(struct file *f, const unsigned char *buf,
			uint64_t len, uint64_t off)
{
	uint64_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(f->fd, buf + done, len - done, off + done);

		if (n < 0)
			fail_errno("%s: pwrite 0x%llx len 0x%llx", f->path,
				   (unsigned long long)(off + done),
				   (unsigned long long)(len - done));
		if (!n)
			fail("%s: pwrite 0x%llx wrote nothing", f->path,
			     (unsigned long long)(off + done));
		done += n;
	}
}

static void open_file(struct file *f, int flags)
{
	f->fd = open(f->path, O_RDWR | O_CLOEXEC | flags, 0644);
	if (f->fd < 0)
		fail_errno("open %s", f->path);
	f->afd = open(f->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (f->afd < 0)
		fail_errno("open %s O_APPEND", f->path);
}

static void close_file(struct file *f)
{
	if (close(f->fd))
		fail_errno("close %s", f->path);
	if (close(f->afd))
		fail_errno("close %s (O_APPEND)", f->path);
	f->fd = f->afd = -1;
}

/* ---- checks ------------------------------------------------------------- */

static void check_size(struct file *f)
{
	struct stat st;

	if (fstat(f->fd, &st))
		fail_errno("fstat %s", f->path);
	if ((uint64_t)st.st_size != f->size)
		fail("%s: size 0x%llx, expected 0x%llx", f->path,
		     (unsigned long long)st.st_size,
		     (unsigned long long)f->size);
}

static void compare(const struct file *f, uint64_t off,
		    const unsigned char *got, uint64_t n, const char *how)
{
	if (n && memcmp(f->model + off, got, n))
		mismatch(f, off, got, n, how);
}

/* pread [off, off + len) and compare; past EOF the read must be short. */
static void check_read(struct file *f, uint64_t off, uint64_t len,
		       const char *how)
{
	uint64_t want, n;

	len = min64(len, opt.maxlen + pagesz);
	want = off < f->size ? min64(len, f->size - off) : 0;
	n = pread_full(f, rbuf, len, off);
	if (n != want) {
		compare(f, off, rbuf, min64(n, want), how);
		fail("%s: %s: pread 0x%llx len 0x%llx returned 0x%llx bytes, "
		     "expected 0x%llx (size 0x%llx)", f->path, how,
		     (unsigned long long)off, (unsigned long long)len,
		     (unsigned long long)n, (unsigned long long)want,
		     (unsigned long long)f->size);
	}
	compare(f, off, rbuf, n, how);
}

/*
 * Map the pages holding [off, off + len) inside EOF, read them and
 * compare; the bytes past EOF in the last page must be zeros.
 */
static void check_map(struct file *f, uint64_t off, uint64_t len,
		      const char *how)
{
	uint64_t end, pg, mend, i;
	unsigned char *p;

	if (off >= f->size || !len)
		return;
	end = min64(off + len, f->size);
	pg = off & ~(uint64_t)(pagesz - 1);
	mend = (end + pagesz - 1) & ~(uint64_t)(pagesz - 1);
	p = mmap(NULL, mend - pg, PROT_READ, MAP_SHARED, f->fd, pg);
	if (p == MAP_FAILED)
		fail_errno("%s: mmap 0x%llx len 0x%llx", f->path,
			   (unsigned long long)pg,
			   (unsigned long long)(mend - pg));
	if (map_copy(rbuf, p, mend - pg))
		fail("%s: %s: SIGBUS reading the mapping of 0x%llx len 0x%llx "
		     "(size 0x%llx)", f->path, how, (unsigned long long)pg,
		     (unsigned long long)(mend - pg),
		     (unsigned long long)f->size);
	compare(f, pg, rbuf, end - pg, how);
	if (end == f->size)
		for (i = end; i < mend; i++)
			if (rbuf[i - pg])
				fail("%s: %s: byte 0x%llx past EOF (0x%llx) "
				     "in the last mapped page is 0x%02x, not 0",
				     f->path, how, (unsigned long long)i,
				     (unsigned long long)f->size,
				     rbuf[i - pg]);
	if (munmap(p, mend - pg))
		fail_errno("munmap");
}

static void check_all(int mapped, const char *how)
{
	int i;

	for (i = 0; i < opt.nfiles; i++) {
		check_size(&files[i]);
		check_read(&files[i], 0, opt.maxlen + pagesz, how);
		if (mapped)
			check_map(&files[i], 0, files[i].size, how);
	}
}

/* ---- the model ---------------------------------------------------------- */

static void mark(struct file *f, uint64_t off, uint64_t len)
{
	uint64_t p;

	for (p = off / MODEL_PAGE; len && p <= (off + len - 1) / MODEL_PAGE;
	     p++)
		f->who[p] = cur;
}

static void model_write(struct file *f, uint64_t off, const unsigned char *b,
			uint64_t len)
{
	memcpy(f->model + off, b, len);
	mark(f, off, len);
	f->size = max64(f->size, off + len);
}

/* Zero [off, off + len) as far as it is inside EOF. */
static void model_zero(struct file *f, uint64_t off, uint64_t len)
{
	uint64_t end = min64(off + len, f->size);

	if (off >= end)
		return;
	memset(f->model + off, 0, end - off);
	mark(f, off, end - off);
}

static void model_resize(struct file *f, uint64_t size)
{
	if (size < f->size) {
		memset(f->model + size, 0, f->size - size);
		mark(f, size, f->size - size);
	}
	f->size = size;
}

/* ---- choosing ----------------------------------------------------------- */

/* A length of 1 ... max: mostly small or page-sized, some up to -o. */
static uint64_t pick_len(uint64_t max)
{
	uint64_t len;

	switch (rnd() % 8) {
	case 0:
	case 1:
		len = 1 + below(64);
		break;
	case 2:
		len = pagesz * (1 + below(4));
		break;
	case 3:
		len = 1 + below(2 * pagesz);
		break;
	default:
		len = 1 + below(opt.maxop);
		break;
	}
	return max ? min64(len, max) : 0;
}

/*
 * An offset for @len bytes that may go past EOF: mostly inside the file,
 * sometimes at EOF, page-aligned, or anywhere up to MAXLEN (a hole).
 */
static uint64_t pick_off(const struct file *f, uint64_t len)
{
	uint64_t lim = opt.maxlen - len, off;

	switch (rnd() % 16) {
	case 0:
	case 1:
		off = f->size + below(opt.maxlen - f->size + 1);
		break;
	case 2:
		off = f->size;
		break;
	case 3:
	case 4:
		off = below(f->size + 1) & ~(uint64_t)(pagesz - 1);
		break;
	default:
		off = below(f->size + 1);
		break;
	}
	return off > lim ? below(lim + 1) : off;
}

static enum op_kind pick_kind(void)
{
	unsigned int total = 0, r, k;

	for (k = 0; k < NR_OPS; k++)
		if (!(opt.off & (1U << k)))
			total += kinds[k].weight;
	r = below(total);
	for (k = 0; k < NR_OPS; k++) {
		if (opt.off & (1U << k))
			continue;
		if (r < kinds[k].weight)
			break;
		r -= kinds[k].weight;
	}
	return k;
}

static void log_op(const struct op *o)
{
	char line[256];

	if (!opt.debug)
		return;
	fmt_op(line, sizeof(line), o);
	printf("fsx: %s\n", line);
	fflush(stdout);
}

/* ---- operations --------------------------------------------------------- */

static void op_read(struct op *o, struct file *f)
{
	o->off = pick_off(f, 1);
	o->len = pick_len(opt.maxlen);
	log_op(o);
	if (o->kind == OP_READ)
		check_read(f, o->off, o->len, "read");
	else
		check_map(f, o->off, o->len, "mapped read");
}

static void op_write(struct op *o, struct file *f)
{
	o->len = pick_len(opt.maxlen);
	o->off = pick_off(f, o->len);
	o->new_size = max64(f->size, o->off + o->len);
	log_op(o);
	pattern(wbuf, cur, o->off, o->len);
	pwrite_full(f, wbuf, o->len, o->off);
	model_write(f, o->off, wbuf, o->len);
}

static void op_append(struct op *o, struct file *f)
{
	uint64_t done = 0;
	off_t pos;

	o->off = f->size;
	o->len = pick_len(opt.maxlen - f->size);
	o->new_size = f->size + o->len;
	if (!o->len)
		o->how = "(skipped: file at MAXLEN)";
	log_op(o);
	if (!o->len)
		return;
	pattern(wbuf, cur, o->off, o->len);
	while (done < o->len) {
		ssize_t n = write(f->afd, wbuf + done, o->len - done);

		if (n <= 0)
			fail_errno("%s: O_APPEND write len 0x%llx", f->path,
				   (unsigned long long)(o->len - done));
		done += n;
	}
	pos = lseek(f->afd, 0, SEEK_CUR);
	if (pos < 0)
		fail_errno("%s: lseek SEEK_CUR", f->path);
	if ((uint64_t)pos != o->off + o->len)
		fail("%s: after an O_APPEND write of 0x%llx at 0x%llx the "
		     "offset is 0x%llx", f->path, (unsigned long long)o->len,
		     (unsigned long long)o->off, (unsigned long long)pos);
	model_write(f, o->off, wbuf, o->len);
}

static void op_mapwrite(struct op *o, struct file *f)
{
	static const char *const how[] = { "", "msync MS_SYNC",
					   "msync MS_ASYNC" };
	uint64_t pg, mlen;
	unsigned int sync = rnd() % 3;
	unsigned char *p;

	o->how = how[sync];
	if (!f->size) {
		o->how = "(skipped: empty file)";
		log_op(o);
		return;
	}
	o->off = below(f->size);
	if (!(rnd() % 4))
		o->off &= ~(uint64_t)(pagesz - 1);
	o->len = pick_len(f->size - o->off);
	log_op(o);
	pg = o->off & ~(uint64_t)(pagesz - 1);
	mlen = o->off + o->len - pg;
	p = mmap(NULL, mlen, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, pg);
	if (p == MAP_FAILED)
		fail_errno("%s: mmap PROT_WRITE MAP_SHARED 0x%llx len 0x%llx",
			   f->path, (unsigned long long)pg,
			   (unsigned long long)mlen);
	pattern(wbuf, cur, o->off, o->len);
	if (map_copy(p + (o->off - pg), wbuf, o->len))
		fail("%s: SIGBUS writing the mapping at 0x%llx len 0x%llx "
		     "(size 0x%llx)", f->path, (unsigned long long)o->off,
		     (unsigned long long)o->len, (unsigned long long)f->size);
	if (sync && msync(p, mlen, sync == 1 ? MS_SYNC : MS_ASYNC))
		fail_errno("%s: %s", f->path, o->how);
	if (munmap(p, mlen))
		fail_errno("munmap");
	model_write(f, o->off, wbuf, o->len);
}

static uint64_t pick_size(const struct file *f)
{
	uint64_t size;

	switch (rnd() % 6) {
	case 0:
		return below(opt.maxlen + 1);
	case 1:
		return below(f->size + 1);
	case 2:
		return below(opt.maxlen / pagesz + 1) * pagesz;
	case 3:
		return rnd() % 4 ? f->size / 2 : 0;
	default:	/* within two pages of the current size */
		size = f->size + below(4 * pagesz);
		size = size >= 2 * pagesz ? size - 2 * pagesz : 0;
		return min64(size, opt.maxlen);
	}
}

static void op_trunc(struct op *o, struct file *f)
{
	int how = rnd() % 8, fd;

	o->new_size = pick_size(f);
	o->how = "ftruncate";
	if (how == 0)
		o->how = "truncate(2)";
	if (how == 1 && !o->new_size)
		o->how = "open(O_TRUNC)";
	log_op(o);
	if (how == 1 && !o->new_size) {
		fd = open(f->path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd < 0 || close(fd))
			fail_errno("%s: open O_TRUNC", f->path);
	} else if (how == 0) {
		if (truncate(f->path, o->new_size))
			fail_errno("truncate %s 0x%llx", f->path,
				   (unsigned long long)o->new_size);
	} else if (ftruncate(f->fd, o->new_size)) {
		fail_errno("%s: ftruncate 0x%llx", f->path,
			   (unsigned long long)o->new_size);
	}
	model_resize(f, o->new_size);
	/* the bytes between the old and the new EOF */
	o->chk_off = min64(o->old_size, o->new_size);
	o->chk_len = max64(o->old_size, o->new_size) - o->chk_off;
}

static void op_falloc(struct op *o, struct file *f)
{
	static const int modes[NR_OPS] = {
		[OP_PUNCH] = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		[OP_ZERO] = FALLOC_FL_ZERO_RANGE,
		[OP_ZEROKEEP] = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
		[OP_FALLOC] = 0,
		[OP_FALLOCKEEP] = FALLOC_FL_KEEP_SIZE,
	};
	int mode = modes[o->kind];

	o->len = pick_len(opt.maxlen);
	if (!(rnd() % 4))
		o->len = min64(opt.maxlen, o->len * 4);
	o->off = pick_off(f, o->len);
	if (!(mode & FALLOC_FL_KEEP_SIZE))
		o->new_size = max64(f->size, o->off + o->len);
	log_op(o);
	if (fallocate(f->fd, mode, o->off, o->len))
		fail_errno("%s: fallocate %s 0x%llx len 0x%llx", f->path,
			   kinds[o->kind].name, (unsigned long long)o->off,
			   (unsigned long long)o->len);
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))
		model_zero(f, o->off, o->len);
	f->size = o->new_size;
}

/*
 * Copy until @want bytes are copied.  Asking for all of o->len again
 * after a short copy within one file could copy bytes the copy itself
 * just put past the old EOF; so ask for the whole length once only when
 * nothing is to be copied, to see that the call copies nothing.
 */
static void copy_range(struct op *o, struct file *src, struct file *dst,
		       uint64_t want)
{
	loff_t in = o->src_off, out = o->off;

	do {
		ssize_t n = copy_file_range(src->fd, &in, dst->fd, &out,
					    want ? want - o->done : o->len, 0);

		if (n < 0)
			fail_errno("copy_file_range %s 0x%llx -> %s 0x%llx "
				   "len 0x%llx", src->path,
				   (unsigned long long)in, dst->path,
				   (unsigned long long)out,
				   (unsigned long long)(o->len - o->done));
		if (!n)
			break;
		o->done += n;
	} while (o->done < want);
}

static void op_copy(struct op *o, struct file *dst)
{
	struct file *src;
	uint64_t want;
	int tries = 0;

	do {
		o->src = below(opt.nfiles);
		src = &files[o->src];
		o->len = pick_len(opt.maxlen);
		o->src_off = rnd() % 8 ? below(src->size + 1) :
			     below(opt.maxlen - o->len + 1);
		o->off = pick_off(dst, o->len);
	} while (src == dst && o->src_off < o->off + o->len &&
		 o->off < o->src_off + o->len && ++tries < 100);
	if (tries == 100) {
		o->how = "(skipped: no room for a copy within the file)";
		log_op(o);
		return;
	}
	want = o->src_off < src->size ? min64(o->len, src->size - o->src_off)
				      : 0;
	o->new_size = want ? max64(dst->size, o->off + want) : dst->size;
	log_op(o);
	copy_range(o, src, dst, want);
	if (o->done != want)
		fail("copy_file_range %s 0x%llx -> %s 0x%llx len 0x%llx "
		     "copied 0x%llx bytes, expected 0x%llx (source size "
		     "0x%llx)", src->path, (unsigned long long)o->src_off,
		     dst->path, (unsigned long long)o->off,
		     (unsigned long long)o->len, (unsigned long long)o->done,
		     (unsigned long long)want, (unsigned long long)src->size);
	if (!want)
		return;
	memmove(dst->model + o->off, src->model + o->src_off, want);
	mark(dst, o->off, want);
	dst->size = o->new_size;
	o->chk_off = o->off;
	o->chk_len = want;
}

/* The first nonzero byte of the model in [from, to), or @to. */
static uint64_t model_data(const struct file *f, uint64_t from, uint64_t to)
{
	while (from < to && !f->model[from])
		from++;
	return from;
}

static off_t seek(struct file *f, uint64_t pos, int whence)
{
	off_t r = lseek(f->fd, pos, whence);

	if (r < 0 && errno == ENXIO)
		return -1;
	if (r < 0)
		fail_errno("%s: lseek 0x%llx %s", f->path,
			   (unsigned long long)pos,
			   whence == SEEK_DATA ? "SEEK_DATA" : "SEEK_HOLE");
	return r;
}

/* A hole SEEK_* reports at [from, to) must be zeros in the model. */
static void check_hole(struct file *f, uint64_t from, uint64_t to,
		       const char *what)
{
	uint64_t d = model_data(f, from, to);

	if (d < to)
		fail("%s: %s: 0x%llx-0x%llx is a hole, but byte 0x%llx is "
		     "0x%02x", f->path, what, (unsigned long long)from,
		     (unsigned long long)to, (unsigned long long)d,
		     f->model[d]);
}

static void op_seek(struct op *o, struct file *f)
{
	off_t data, hole, next;

	o->off = below(f->size + 1);
	log_op(o);
	data = seek(f, o->off, SEEK_DATA);
	if (o->off >= f->size) {
		if (data >= 0 || seek(f, o->off, SEEK_HOLE) >= 0)
			fail("%s: lseek SEEK_DATA/SEEK_HOLE at EOF 0x%llx "
			     "did not fail with ENXIO", f->path,
			     (unsigned long long)o->off);
		return;
	}
	if (data < 0)
		data = f->size;
	if ((uint64_t)data < o->off || (uint64_t)data > f->size)
		fail("%s: SEEK_DATA from 0x%llx gave 0x%llx (size 0x%llx)",
		     f->path, (unsigned long long)o->off,
		     (unsigned long long)data, (unsigned long long)f->size);
	check_hole(f, o->off, data, "SEEK_DATA");
	if ((uint64_t)data == f->size)
		return;
	hole = seek(f, data, SEEK_HOLE);
	if (hole <= data || (uint64_t)hole > f->size)
		fail("%s: SEEK_HOLE from data at 0x%llx gave 0x%llx (size "
		     "0x%llx)", f->path, (unsigned long long)data,
		     (long long)hole, (unsigned long long)f->size);
	if ((uint64_t)hole == f->size)
		return;
	next = seek(f, hole, SEEK_DATA);
	if (next < 0)
		next = f->size;
	if (next <= hole || (uint64_t)next > f->size)
		fail("%s: SEEK_DATA from the hole at 0x%llx gave 0x%llx",
		     f->path, (unsigned long long)hole, (long long)next);
	check_hole(f, hole, next, "SEEK_HOLE");
}

static void op_sync(struct op *o, struct file *f)
{
	int data = rnd() & 1;

	o->how = data ? "fdatasync" : "fsync";
	log_op(o);
	if (data ? fdatasync(f->fd) : fsync(f->fd))
		fail_errno("%s: %s", f->path, o->how);
}

static void op_reopen(struct op *o, struct file *f)
{
	log_op(o);
	close_file(f);
	open_file(f, 0);
	o->chk_len = opt.maxlen + pagesz;
}

/* ---- the run ------------------------------------------------------------ */

static void run_op(struct op *o)
{
	struct file *f = &files[o->file];

	o->old_size = o->new_size = f->size;
	switch (o->kind) {
	case OP_READ:
	case OP_MAPREAD:
		op_read(o, f);
		return;
	case OP_WRITE:
		op_write(o, f);
		break;
	case OP_APPEND:
		op_append(o, f);
		break;
	case OP_MAPWRITE:
		op_mapwrite(o, f);
		break;
	case OP_TRUNC:
		op_trunc(o, f);
		return;
	case OP_PUNCH:
	case OP_ZERO:
	case OP_ZEROKEEP:
	case OP_FALLOC:
	case OP_FALLOCKEEP:
		op_falloc(o, f);
		break;
	case OP_SYNC:
		op_sync(o, f);
		return;
	case OP_COPY:
		op_copy(o, f);
		return;
	case OP_SEEK:
		op_seek(o, f);
		return;
	case OP_REOPEN:
		op_reopen(o, f);
		return;
	case NR_OPS:
		break;
	}
	o->chk_off = o->off;
	o->chk_len = o->len;
}

/* After op @o: the size, the range it touched and one random range. */
static void after_op(struct op *o)
{
	struct file *f = &files[o->file];
	uint64_t lo, len;

	check_size(f);
	if (o->chk_len) {
		lo = o->chk_off > pagesz ? o->chk_off - pagesz : 0;
		len = min64(o->chk_off + o->chk_len + pagesz - lo,
			    opt.maxlen + pagesz);
		check_read(f, lo, len, "read back after the op");
	}
	f = &files[below(opt.nfiles)];
	lo = below(f->size + pagesz);
	len = 1 + below(RAND_CHECK);
	if (rnd() % 8)	/* mappings are slow to tear down: fewer */
		check_read(f, lo, len, "random read check");
	else
		check_map(f, lo, len, "random mapped check");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void setup_files(void)
{
	uint64_t pages = opt.maxlen / MODEL_PAGE + 1;
	int i;

	for (i = 0; i < opt.nfiles; i++) {
		struct file *f = &files[i];

		if (asprintf(&f->path, "%s/fsx.%d", opt.dir, i) < 0)
			die("out of memory");
		f->model = calloc(1, opt.maxlen + 1);
		f->who = calloc(pages, sizeof(*f->who));
		if (!f->model || !f->who)
			die("out of memory (-l %llu)",
			    (unsigned long long)opt.maxlen);
		if (!opt.verify)
			open_file(f, O_CREAT | O_TRUNC);
	}
	rbuf = xmalloc(opt.maxlen + 2 * pagesz);
	wbuf = xmalloc(opt.maxlen + 2 * pagesz);
}

static void save_model(const char *path)
{
	char *tmp;
	FILE *m;
	int i;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		die("out of memory");
	m = fopen(tmp, "w");
	if (!m)
		die_errno("%s", tmp);
	fprintf(m, "fsx-model 1\nseed %llu ops %llu maxlen %llu\nfiles %d\n",
		(unsigned long long)opt.seed, (unsigned long long)opt.nops,
		(unsigned long long)opt.maxlen, opt.nfiles);
	for (i = 0; i < opt.nfiles; i++) {
		struct file *f = &files[i];
		uint64_t p, pages = (f->size + MODEL_PAGE - 1) / MODEL_PAGE;

		fprintf(m, "file %d size %llu pages %llu\n", i,
			(unsigned long long)f->size,
			(unsigned long long)pages);
		for (p = 0; p < pages; p++) {
			uint64_t at = p * MODEL_PAGE;

			fprintf(m, "%08x%c", page_hash(f->model + at,
				min64(MODEL_PAGE, f->size - at)),
				p % 8 == 7 || p + 1 == pages ? '\n' : ' ');
		}
	}
	fprintf(m, "end\n");
	if (fflush(m) || fsync(fileno(m)) || fclose(m))
		die_errno("write %s", tmp);
	if (rename(tmp, path))
		die_errno("rename %s", tmp);
	free(tmp);
}

static int run(void)
{
	double t0 = now(), secs;
	uint64_t no;
	int i, k;

	setup_files();
	for (no = 1; no <= opt.nops; no++) {
		struct op *o = &hist[no % HIST];

		cur = no;
		memset(o, 0, sizeof(*o));
		o->no = no;
		o->kind = pick_kind();
		o->file = below(opt.nfiles);
		counts[o->kind]++;
		run_op(o);
		after_op(o);
		if (no % opt.every == 0)
			check_all(no / opt.every % 4 == 0, "full compare");
	}
	check_all(1, "final compare");
	for (i = 0; i < opt.nfiles; i++) {
		close_file(&files[i]);
		open_file(&files[i], 0);
	}
	check_all(1, "final compare after reopening");
	if (opt.save) {
		for (i = 0; i < opt.nfiles; i++)
			if (fsync(files[i].fd))
				fail_errno("fsync %s", files[i].path);
		save_model(opt.save);
	}
	secs = now() - t0;
	if (!opt.quiet) {
		printf("fsx: %llu ops on %d files in %.2f s (%.0f ops/s):",
		       (unsigned long long)opt.nops, opt.nfiles, secs,
		       secs > 0 ? opt.nops / secs : 0.0);
		for (k = 0; k < NR_OPS; k++)
			if (counts[k])
				printf(" %s %llu", kinds[k].name,
				       (unsigned long long)counts[k]);
		printf("\n");
	}
	for (i = 0; i < opt.nfiles; i++)
		close_file(&files[i]);
	return 0;
}

/* ---- -V ----------------------------------------------------------------- */

static void verify_pages(const char *path, const unsigned char *buf,
			 uint64_t size, const uint32_t *want, const char *how,
			 int *bad)
{
	uint64_t p, pages = (size + MODEL_PAGE - 1) / MODEL_PAGE;

	for (p = 0; p < pages; p++) {
		uint64_t n = min64(MODEL_PAGE, size - p * MODEL_PAGE);
		uint32_t h = page_hash(buf + p * MODEL_PAGE, n);

		if (h == want[p])
			continue;
		if (++*bad <= 10)
			fprintf(stderr, "fsx: verify: %s: %s: bytes 0x%llx-"
				"0x%llx differ from the model (hash %08x, "
				"want %08x%s)\n", path, how,
				(unsigned long long)(p * MODEL_PAGE),
				(unsigned long long)(p * MODEL_PAGE + n - 1),
				h, want[p], all_zero(buf + p * MODEL_PAGE, n) ?
				"; they are all zero" : "");
	}
}

static void verify_file(struct file *f, const uint32_t *want, int *bad)
{
	struct stat st;
	uint64_t n;

	f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0 || fstat(f->fd, &st))
		die_errno("verify: %s", f->path);
	if ((uint64_t)st.st_size != f->size) {
		fprintf(stderr, "fsx: verify: %s: size %llu, want %llu\n",
			f->path, (unsigned long long)st.st_size,
			(unsigned long long)f->size);
		++*bad;
		close(f->fd);
		return;
	}
	n = pread_full(f, rbuf, f->size + pagesz, 0);
	if (n != f->size) {
		fprintf(stderr, "fsx: verify: %s: read %llu bytes, want %llu\n",
			f->path, (unsigned long long)n,
			(unsigned long long)f->size);
		++*bad;
	}
	verify_pages(f->path, rbuf, min64(n, f->size), want, "read", bad);
	if (f->size) {
		uint64_t mlen = (f->size + pagesz - 1) &
				~(uint64_t)(pagesz - 1);
		unsigned char *p = mmap(NULL, mlen, PROT_READ, MAP_SHARED,
					f->fd, 0);

		if (p == MAP_FAILED)
			die_errno("verify: mmap %s", f->path);
		if (map_copy(rbuf, p, mlen))
			die("verify: %s: SIGBUS reading the mapping", f->path);
		munmap(p, mlen);
		verify_pages(f->path, rbuf, f->size, want, "mapped", bad);
		if (!all_zero(rbuf + f->size, mlen - f->size)) {
			fprintf(stderr, "fsx: verify: %s: bytes past EOF in "
				"the last mapped page are not zero\n", f->path);
			++*bad;
		}
	}
	close(f->fd);
}

static int verify(void)
{
	unsigned long long seed, ops, maxlen, size, pages, p;
	uint32_t *want;
	int i, n, bad = 0;
	FILE *m = fopen(opt.verify, "r");

	if (!m)
		die_errno("%s", opt.verify);
	if (fscanf(m, "fsx-model 1 seed %llu ops %llu maxlen %llu files %d",
		   &seed, &ops, &maxlen, &n) != 4 || n < 1 || n > MAX_FILES ||
	    !maxlen)
		die("%s: not an fsx model", opt.verify);
	opt.nfiles = n;
	opt.maxlen = maxlen;
	setup_files();
	for (i = 0; i < n; i++) {
		int idx;

		if (fscanf(m, " file %d size %llu pages %llu", &idx, &size,
			   &pages) != 3 || idx != i || size > maxlen ||
		    pages != (size + MODEL_PAGE - 1) / MODEL_PAGE)
			die("%s: bad entry for file %d", opt.verify, i);
		want = xmalloc((pages + 1) * sizeof(*want));
		for (p = 0; p < pages; p++)
			if (fscanf(m, "%8x", &want[p]) != 1)
				die("%s: file %d: short hash list", opt.verify,
				    i);
		files[i].size = size;
		verify_file(&files[i], want, &bad);
		free(want);
	}
	fclose(m);
	if (bad) {
		fprintf(stderr, "fsx: verify: %d mismatches against %s "
			"(seed %llu, %llu ops)\n", bad, opt.verify, seed, ops);
		return 1;
	}
	if (!opt.quiet)
		printf("fsx: verified %d files against %s (seed %llu, "
		       "%llu ops)\n", n, opt.verify, seed, ops);
	return 0;
}

/* ---- options ------------------------------------------------------------ */

static void disable(const char *list)
{
	char *s = strdup(list), *name, *save = NULL;
	int k;

	if (!s)
		die("out of memory");
	for (name = strtok_r(s, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		if (!strcmp(name, "fallocate")) {
			opt.off |= 1U << OP_PUNCH | 1U << OP_ZERO |
				   1U << OP_ZEROKEEP | 1U << OP_FALLOC |
				   1U << OP_FALLOCKEEP;
			continue;
		}
		if (!strcmp(name, "mmap")) {
			opt.off |= 1U << OP_MAPREAD | 1U << OP_MAPWRITE;
			continue;
		}
		for (k = 0; k < NR_OPS; k++)
			if (!strcmp(name, kinds[k].name))
				break;
		if (k == NR_OPS)
			die("-x: unknown operation '%s'", name);
		opt.off |= 1U << k;
	}
	free(s);
	if (opt.off == (1U << NR_OPS) - 1)
		die("-x: every operation is disabled");
}

static void usage(void)
{
	int k;

	fprintf(stderr,
		"usage: fsx [-s SEED] [-n OPS] [-f FILES] [-l MAXLEN] "
		"[-o MAXOP] [-c EVERY]\n"
		"           [-x OPLIST] [-S MODEL] [-q] [-D] DIR\n"
		"       fsx -V MODEL [-q] DIR\n"
		"operations (for -x, comma-separated; also fallocate, mmap):");
	for (k = 0; k < NR_OPS; k++)
		fprintf(stderr, " %s", kinds[k].name);
	fputc('\n', stderr);
	exit(1);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	int c;

	helper_name = "fsx";
	cmd_argc = argc;
	cmd_argv = argv;
	while ((c = getopt(argc, argv, "s:n:f:l:o:c:x:S:V:qD")) != -1) {
		switch (c) {
		case 's': opt.seed = parse_num(optarg); seeded = 1; break;
		case 'n': opt.nops = parse_num(optarg); break;
		case 'f': opt.nfiles = parse_num(optarg); break;
		case 'l': opt.maxlen = parse_num(optarg); break;
		case 'o': opt.maxop = parse_num(optarg); break;
		case 'c': opt.every = parse_num(optarg); break;
		case 'x': disable(optarg); break;
		case 'S': opt.save = optarg; break;
		case 'V': opt.verify = optarg; break;
		case 'q': opt.quiet = 1; break;
		case 'D': opt.debug = 1; break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	opt.dir = argv[optind];
	if (opt.nfiles < 1 || opt.nfiles > MAX_FILES)
		die("-f: 1 to %d files", MAX_FILES);
	if (opt.maxlen < 1 || opt.maxlen > (1ULL << 32))
		die("-l: 1 byte to 4 GiB");
	if (opt.maxop < 1 || !opt.every)
		die("-o and -c must be at least 1");
	pagesz = sysconf(_SC_PAGESIZE);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	if (opt.verify)
		return verify();
	if (!seeded)
		opt.seed = (uint64_t)time(NULL) * 1000003 ^ getpid();
	rng = mix64(opt.seed);
	printf("fsx: seed %llu\n", (unsigned long long)opt.seed);
	fflush(stdout);
	return run();
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * flipper: change a DAXFS image in physical memory continuously, while
 * another kernel has it mounted (tests/vm/livecorrupt.sh, writer guest).
 *
 *   flipper [-s SEED] [-t SECONDS] [-x STOPFILE] [-l LOGFILE] PRISTINE ADDR
 *
 * The region at physical ADDR (mapped shared through /dev/mem, so every
 * store reaches the other guest at once) must hold exactly the image file
 * PRISTINE when flipper starts.  For SECONDS (default 60), or until
 * STOPFILE exists, it runs cycles of 100 to 1000 2 ms ticks; each cycle
 * has its own rate (0 to 2000 changes a second) and each change is one of
 *   any      a random byte anywhere in the image XORed with a random value
 *   meta     one bit of the superblock, branch table or metadata area
 *   inode, extent, dirent, xattr, super, delta, branch, chunk
 *            one field of a random entry of that table (or of the
 *            superblock, the delta header, main's branch slot, main's
 *            first log chunk header) set to a hostile value: a bit
 *            flipped, +-1, 0, all ones, random, small, next to the
 *            table's bound, or another entry's value
 *   bitmap   one 64-bit word of the delta page bitmap or of the group
 *            free counts: a bit flipped, 0 or all ones
 *   strtab   a string byte made '/', NUL, '.', random or +-1 (names stop
 *            being valid or sorted)
 *   page     one 4 KiB page of the image put back as it was
 * and ends with a restore: the whole image (then a quiet 50-500 ms, so the
 * readers also see a valid image), or one table.  The sequence of changes
 * depends only on SEED.  At the end the whole image is put back and
 * checked, and one summary line is printed; LOGFILE gets the last 4096
 * changes (time, kind, offset, width, old and new value) for a report.
 * Exit status 0, or 1 with a message.
 */
#include <stddef.h>
#include <time.h>
#include <endian.h>
#include <sys/mman.h>
#include "common.h"
#include "daxfs_format.h"

#define PAGE		4096UL
#define TICK_NS		2000000L
#define STOP_CHECK_MS	100
#define LOG_LEN		4096

enum kind {
	K_ANY, K_META, K_INODE, K_EXTENT, K_DIRENT, K_XATTR, K_SUPER,
	K_DELTA, K_BRANCH, K_CHUNK, K_BITMAP, K_STRTAB, K_PAGE, K_NKINDS
};

static const char *const kind_name[K_NKINDS] = {
	"any", "meta", "inode", "extent", "dirent", "xattr", "super",
	"delta", "branch", "chunk", "bitmap", "strtab", "page",
};

/* Relative weights of the change kinds (K_PAGE: a page restore). */
static const int kind_weight[K_NKINDS] = {
	10, 12, 20, 14, 20, 8, 2, 2, 2, 2, 2, 10, 4,
};

/* What a field's values are bounded by, for "next to the bound" values. */
enum bound { B_NONE, B_INODES, B_EXTENTS, B_DIRENTS, B_XATTRS, B_STRTAB,
	     B_DATA_END, B_PAGES, B_IMAGE };

struct field {
	const char *name;
	unsigned int off, width;
	enum bound bound;
	int weight;
};

#define FLD(type, m, b, w) { #m, offsetof(struct type, m), \
			     sizeof(((struct type *)0)->m), b, w }

static const struct field inode_fields[] = {
	FLD(daxfs_inode, mode, B_NONE, 4),
	FLD(daxfs_inode, nlink, B_NONE, 1),
	FLD(daxfs_inode, uid, B_NONE, 1),
	FLD(daxfs_inode, gid, B_NONE, 1),
	FLD(daxfs_inode, size, B_NONE, 6),
	FLD(daxfs_inode, data, B_EXTENTS, 6),
	FLD(daxfs_inode, count, B_DIRENTS, 6),
	FLD(daxfs_inode, flags, B_NONE, 1),
	FLD(daxfs_inode, mtime_sec, B_NONE, 1),
	FLD(daxfs_inode, mtime_nsec, B_NONE, 1),
	FLD(daxfs_inode, xattr_count, B_XATTRS, 4),
	FLD(daxfs_inode, xattr_first, B_XATTRS, 4),
	FLD(daxfs_inode, rdev_major, B_NONE, 1),
	FLD(daxfs_inode, rdev_minor, B_NONE, 1),
	FLD(daxfs_inode, parent, B_INODES, 2),
	FLD(daxfs_inode, blocks, B_NONE, 2),
};

static const struct field extent_fields[] = {
	FLD(daxfs_extent, pgoff, B_NONE, 3),
	FLD(daxfs_extent, off, B_DATA_END, 3),
	FLD(daxfs_extent, npages, B_NONE, 3),
};

static const struct field dirent_fields[] = {
	FLD(daxfs_dirent, ino, B_INODES, 4),
	FLD(daxfs_dirent, name_len, B_NONE, 3),
	FLD(daxfs_dirent, type, B_NONE, 2),
	FLD(daxfs_dirent, name_off, B_STRTAB, 3),
};

static const struct field xattr_fields[] = {
	FLD(daxfs_xattr, name_off, B_STRTAB, 2),
	FLD(daxfs_xattr, value_off, B_STRTAB, 2),
	FLD(daxfs_xattr, value_len, B_NONE, 2),
	FLD(daxfs_xattr, name_len, B_NONE, 2),
};

static const struct field super_fields[] = {
	FLD(daxfs_super, magic, B_NONE, 1),
	FLD(daxfs_super, crc, B_NONE, 1),
	FLD(daxfs_super, feat_incompat, B_NONE, 1),
	FLD(daxfs_super, total_size, B_IMAGE, 1),
	FLD(daxfs_super, root_ino, B_INODES, 1),
	FLD(daxfs_super, inode_count, B_INODES, 1),
	FLD(daxfs_super, extent_off, B_IMAGE, 1),
	FLD(daxfs_super, dirent_count, B_DIRENTS, 1),
	FLD(daxfs_super, strtab_size, B_STRTAB, 1),
	FLD(daxfs_super, meta_crc, B_NONE, 1),
	FLD(daxfs_super, data_off, B_IMAGE, 1),
	FLD(daxfs_super, delta_off, B_IMAGE, 1),
};

static const struct field delta_fields[] = {
	FLD(daxfs_delta_super, magic, B_NONE, 1),
	FLD(daxfs_delta_super, size, B_IMAGE, 1),
	FLD(daxfs_delta_super, page_count, B_PAGES, 2),
	FLD(daxfs_delta_super, bitmap_off, B_NONE, 1),
	FLD(daxfs_delta_super, groups_off, B_NONE, 1),
	FLD(daxfs_delta_super, first_page, B_NONE, 1),
	FLD(daxfs_delta_super, group_count, B_NONE, 1),
	FLD(daxfs_delta_super, first_ino, B_INODES, 1),
	FLD(daxfs_delta_super, crc, B_NONE, 1),
};

/* Main's slot: what a reader of its log loads. */
static const struct field branch_fields[] = {
	FLD(daxfs_branch, state, B_NONE, 1),
	FLD(daxfs_branch, crc, B_NONE, 1),
	FLD(daxfs_branch, log_id, B_NONE, 1),
	FLD(daxfs_branch, log_head, B_PAGES, 3),
	FLD(daxfs_branch, log_tail, B_NONE, 3),
	FLD(daxfs_branch, owner, B_NONE, 1),
};

/* Main's first log chunk (delta page 0 as mkdaxfs makes it). */
static const struct field chunk_fields[] = {
	FLD(daxfs_log_chunk, magic, B_NONE, 1),
	FLD(daxfs_log_chunk, log_id, B_NONE, 1),
	FLD(daxfs_log_chunk, lsn, B_NONE, 1),
	FLD(daxfs_log_chunk, crc, B_NONE, 1),
	FLD(daxfs_log_chunk, next, B_PAGES, 3),
};

#define NF(a) (sizeof(a) / sizeof((a)[0]))

/* A table of the image: where it is, how many entries of what size. */
struct table {
	uint64_t off, count, esize;
	const struct field *fields;
	size_t nfields;
};

struct event {
	uint32_t ms;
	uint8_t kind, width;
	uint64_t off, old, new;
};

static struct {
	volatile uint8_t *region;
	const uint8_t *img;
	size_t len;			/* image bytes (a page multiple) */
	uint64_t meta_end;		/* end of the metadata area */
	uint64_t bound[B_IMAGE + 1];
	struct table tab[K_NKINDS];	/* by kind, for the field kinds */
	uint64_t strtab_off, strtab_size;
	uint64_t bitmap_off, bitmap_len;	/* bitmap and group counts */
	/*
	 * The delta region's mount table: every mount of the image (a
	 * read-only one too) keeps its slot and heartbeat there, so it is
	 * live state, not image content: never changed, put back or
	 * compared.
	 */
	uint64_t live_off, live_len;
	uint64_t rng;
	long long t0;
	long counts[K_NKINDS];
	long full_restores, table_restores;
	uint8_t *dirty;			/* per page: changed since restored */
	struct event log[LOG_LEN];
	unsigned long nlog;
} F;

/* ---- small tools -------------------------------------------------------- */

static uint64_t rnd64(void)
{
	uint64_t z = (F.rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd64() % n : 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sleep_ns(long ns)
{
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };

	nanosleep(&ts, NULL);
}

static uint64_t width_mask(unsigned int width)
{
	return width >= 8 ? ~0ULL : (1ULL << (8 * width)) - 1;
}

/* Little-endian load and store of @width bytes at region offset @off. */
static uint64_t load(uint64_t off, unsigned int width)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < width; i++)
		v |= (uint64_t)F.region[off + i] << (8 * i);
	return v;
}

static void store(uint64_t off, unsigned int width, uint64_t v)
{
	volatile uint8_t *p = F.region + off;

	/* one store when aligned, as a writer in another kernel would */
	if (width == 8 && !(off & 7))
		*(volatile uint64_t *)p = htole64(v);
	else if (width == 4 && !(off & 3))
		*(volatile uint32_t *)p = htole32((uint32_t)v);
	else if (width == 2 && !(off & 1))
		*(volatile uint16_t *)p = htole16((uint16_t)v);
	else
		for (unsigned int i = 0; i < width; i++)
			p[i] = (uint8_t)(v >> (8 * i));
}

static void record(enum kind k, uint64_t off, unsigned int width,
		   uint64_t old, uint64_t new)
{
	struct event *e = &F.log[F.nlog++ % LOG_LEN];

	e->ms = (uint32_t)(now_ms() - F.t0);
	e->kind = (uint8_t)k;
	e->width = (uint8_t)width;
	e->off = off;
	e->old = old;
	e->new = new;
	F.counts[k]++;
}

static int is_live(uint64_t off, uint64_t len)
{
	return off < F.live_off + F.live_len && F.live_off < off + len;
}

static void change(enum kind k, uint64_t off, unsigned int width,
		   uint64_t new)
{
	uint64_t old;

	if (off + width > F.len || is_live(off, width))
		return;
	old = load(off, width);
	new &= width_mask(width);
	store(off, width, new);
	F.dirty[off / PAGE] = F.dirty[(off + width - 1) / PAGE] = 1;
	record(k, off, width, old, new);
}

/* Put [@off, @off + @len) back as in the pristine image. */
static void put_back(uint64_t off, uint64_t len)
{
	uint64_t i;

	if (off >= F.len)
		return;
	if (len > F.len - off)
		len = F.len - off;
	for (i = 0; i < len; i++)
		if (!is_live(off + i, 1))
			F.region[off + i] = F.img[off + i];
}

/* Every changed page back; afterwards the image is pristine again. */
static void put_back_all(void)
{
	size_t p;

	for (p = 0; p < F.len / PAGE; p++) {
		if (!F.dirty[p])
			continue;
		put_back(p * PAGE, PAGE);
		F.dirty[p] = 0;
	}
}

/* ---- the changes -------------------------------------------------------- */

static const struct field *pick_field(const struct field *f, size_t n)
{
	int total = 0, r;
	size_t i;

	for (i = 0; i < n; i++)
		total += f[i].weight;
	r = (int)below(total);
	for (i = 0; i < n; i++) {
		r -= f[i].weight;
		if (r < 0)
			return &f[i];
	}
	return &f[n - 1];
}

/* A hostile value for @f of entry @index of @t, whose value is @v. */
static uint64_t hostile_value(const struct table *t, const struct field *f,
			      uint64_t v)
{
	uint64_t b = F.bound[f->bound];

	switch (below(10)) {
	case 0: case 1: case 2:
		return v ^ (1ULL << below(8 * f->width));
	case 3:
		return v + 1;
	case 4:
		return v - 1;
	case 5:
		return below(2) ? 0 : ~0ULL;
	case 6:
		return rnd64();
	case 7:
		return below(4096);
	case 8:
		if (f->bound != B_NONE)
			return b - 1 + below(3);
		return v ^ (1ULL << below(8 * f->width));
	default:	/* another entry's value of the same field */
		return load(t->off + below(t->count) * t->esize + f->off,
			    f->width);
	}
}

static void change_field(enum kind k)
{
	const struct table *t = &F.tab[k];
	const struct field *f;
	uint64_t off;

	if (!t->count)
		return;
	f = pick_field(t->fields, t->nfields);
	off = t->off + below(t->count) * t->esize + f->off;
	change(k, off, f->width, hostile_value(t, f, load(off, f->width)));
}

static void change_strtab(void)
{
	static const uint8_t bytes[] = { '/', 0, '.' };
	uint64_t off;
	uint8_t v;

	if (!F.strtab_size)
		return;
	off = F.strtab_off + below(F.strtab_size);
	v = F.region[off];
	switch (below(4)) {
	case 0: v = bytes[below(sizeof(bytes))]; break;
	case 1: v = (uint8_t)rnd64(); break;
	case 2: v++; break;
	default: v--; break;
	}
	change(K_STRTAB, off, 1, v);
}

/* A bitmap or group count word: a bit flipped, 0 or all ones. */
static void change_bitmap(void)
{
	uint64_t off, v;

	if (!F.bitmap_len)
		return;
	off = F.bitmap_off + below(F.bitmap_len / 8) * 8;
	v = load(off, 8);
	switch (below(3)) {
	case 0: v ^= 1ULL << below(64); break;
	case 1: v = 0; break;
	default: v = ~0ULL; break;
	}
	change(K_BITMAP, off, 8, v);
}

static void change_one(void)
{
	int total = 0, r, k;

	for (k = 0; k < K_NKINDS; k++)
		total += kind_weight[k];
	r = (int)below(total);
	for (k = 0; k < K_NKINDS - 1 && r >= kind_weight[k]; k++)
		r -= kind_weight[k];
	switch (k) {
	case K_ANY: {
		uint64_t off = below(F.len);

		change(K_ANY, off, 1, load(off, 1) ^ (1 + below(255)));
		break;
	}
	case K_META: {
		uint64_t off = below(F.meta_end);

		change(K_META, off, 1, load(off, 1) ^ (1U << below(8)));
		break;
	}
	case K_STRTAB:
		change_strtab();
		break;
	case K_BITMAP:
		change_bitmap();
		break;
	case K_PAGE: {
		uint64_t off = below(F.len / PAGE) * PAGE;

		put_back(off, PAGE);
		record(K_PAGE, off, 0, 0, 0);
		break;
	}
	default:
		change_field((enum kind)k);
		break;
	}
}

/* End of a cycle: the whole image back (returns 1), or one table. */
static int restore(void)
{
	static const enum kind tables[] = { K_INODE, K_EXTENT, K_DIRENT,
					    K_XATTR };

	if (below(2)) {
		put_back_all();
		F.full_restores++;
		return 1;
	}
	if (below(6) == 0) {
		/* the delta region's header page, branch table and bitmap */
		put_back(F.tab[K_DELTA].off, PAGE);
		put_back(F.tab[K_BRANCH].off, PAGE);
		put_back(F.tab[K_CHUNK].off, PAGE);
		put_back(F.bitmap_off, F.bitmap_len);
	} else if (below(5) == 0) {
		put_back(F.strtab_off, F.strtab_size);
	} else {
		const struct table *t = &F.tab[tables[below(4)]];

		put_back(t->off, t->count * t->esize);
	}
	put_back(0, DAXFS_SUPER_SIZE);
	F.table_restores++;
	return 0;
}

/* ---- setup -------------------------------------------------------------------- */

static void table(enum kind k, uint64_t off, uint64_t count, uint64_t esize,
		  const struct field *fields, size_t nfields)
{
	struct table *t = &F.tab[k];

	t->off = off;
	t->count = count;
	t->esize = esize;
	t->fields = fields;
	t->nfields = nfields;
	if (count > F.len / esize || off > F.len - count * esize)
		die("pristine image: table %s outside the image",
		    kind_name[k]);
}

/*
 * The delta region of a branching image: its header, main's slot, the
 * first chunk of main's log (delta page 0, as mkdaxfs makes it), the
 * bitmap and group counts (up to the first page).
 */
static void delta_geometry(const struct daxfs_super *s, uint64_t delta_off)
{
	const struct daxfs_delta_super *d =
		(const struct daxfs_delta_super *)(F.img + delta_off);
	uint64_t first = le64toh(d->first_page);
	uint64_t bitmap = le64toh(d->bitmap_off);

	table(K_DELTA, delta_off, 1, sizeof(struct daxfs_delta_super),
	      delta_fields, NF(delta_fields));
	F.live_off = delta_off + sizeof(struct daxfs_delta_super) +
		     offsetof(struct daxfs_shared, mounts);
	F.live_len = sizeof(((struct daxfs_shared *)0)->mounts);
	if (le32toh(s->branch_count))
		table(K_BRANCH, le64toh(s->branch_off), 1,
		      sizeof(struct daxfs_branch), branch_fields,
		      NF(branch_fields));
	if (first < le64toh(s->delta_size) &&
	    first + PAGE <= F.len - delta_off)
		table(K_CHUNK, delta_off + first, 1,
		      sizeof(struct daxfs_log_chunk), chunk_fields,
		      NF(chunk_fields));
	if (bitmap < first && first <= F.len - delta_off) {
		F.bitmap_off = delta_off + bitmap;
		F.bitmap_len = (first - bitmap) / 8 * 8;
	}
}

/* Geometry from the pristine image's superblock (made by mkdaxfs). */
static void geometry(void)
{
	const struct daxfs_super *s = (const struct daxfs_super *)F.img;
	uint64_t delta_off = le64toh(s->delta_off);

	if (F.len < DAXFS_SUPER_SIZE || le64toh(s->magic) != DAXFS_IMAGE_MAGIC)
		die("pristine image: not a daxfs image");
	table(K_INODE, le64toh(s->inode_off), le64toh(s->inode_count),
	      sizeof(struct daxfs_inode), inode_fields, NF(inode_fields));
	table(K_EXTENT, le64toh(s->extent_off), le64toh(s->extent_count),
	      sizeof(struct daxfs_extent), extent_fields, NF(extent_fields));
	table(K_DIRENT, le64toh(s->dirent_off), le64toh(s->dirent_count),
	      sizeof(struct daxfs_dirent), dirent_fields, NF(dirent_fields));
	table(K_XATTR, le64toh(s->xattr_off), le64toh(s->xattr_count),
	      sizeof(struct daxfs_xattr), xattr_fields, NF(xattr_fields));
	table(K_SUPER, 0, 1, DAXFS_SUPER_SIZE, super_fields, NF(super_fields));
	if (le64toh(s->delta_size) >= sizeof(struct daxfs_delta_super))
		delta_geometry(s, delta_off);
	F.strtab_off = le64toh(s->strtab_off);
	F.strtab_size = le64toh(s->strtab_size);
	F.meta_end = le64toh(s->inode_off) + le64toh(s->meta_size);
	if (F.meta_end > F.len || F.strtab_off + F.strtab_size > F.len)
		die("pristine image: metadata outside the image");
	F.bound[B_INODES] = le64toh(s->inode_count);
	F.bound[B_EXTENTS] = le64toh(s->extent_count);
	F.bound[B_DIRENTS] = le64toh(s->dirent_count);
	F.bound[B_XATTRS] = le64toh(s->xattr_count);
	F.bound[B_STRTAB] = F.strtab_size;
	F.bound[B_DATA_END] = le64toh(s->data_off) + le64toh(s->data_size);
	F.bound[B_PAGES] = F.tab[K_DELTA].count ? le64toh(((const struct
		daxfs_delta_super *)(F.img + delta_off))->page_count) : 0;
	F.bound[B_IMAGE] = F.len;
}

static void map_region(uint64_t addr)
{
	void *p;
	int fd = open("/dev/mem", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die_errno("/dev/mem");
	p = mmap(NULL, F.len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, addr);
	if (p == MAP_FAILED)
		die_errno("mmap /dev/mem at 0x%llx, %zu bytes",
			  (unsigned long long)addr, F.len);
	close(fd);
	F.region = p;
}

static int region_is_pristine(void)
{
	size_t i;

	for (i = 0; i < F.len; i++)
		if (F.region[i] != F.img[i] && !is_live(i, 1))
			return 0;
	return 1;
}

static void write_log(const char *path)
{
	unsigned long i = F.nlog > LOG_LEN ? F.nlog - LOG_LEN : 0;
	FILE *f = fopen(path, "w");

	if (!f)
		die_errno("%s", path);
	for (; i < F.nlog; i++) {
		const struct event *e = &F.log[i % LOG_LEN];

		fprintf(f, "%u.%03u %s off=0x%llx", e->ms / 1000, e->ms % 1000,
			kind_name[e->kind], (unsigned long long)e->off);
		if (e->width)
			fprintf(f, " w=%u 0x%llx -> 0x%llx", e->width,
				(unsigned long long)e->old,
				(unsigned long long)e->new);
		fputc('\n', f);
	}
	if (fclose(f))
		die_errno("%s", path);
}

/* ---- main ---------------------------------------------------------------------- */

static int stop_requested(const char *stop, long long deadline)
{
	return now_ms() >= deadline || (stop && access(stop, F_OK) == 0);
}

/*
 * Cycles until the deadline or the stop file; returns the changes made.
 * A cycle is 100-1000 ticks at one rate (changes per second, counted in
 * ticks, so that the sequence depends on the seed alone).
 */
static long run(long long deadline, const char *stop)
{
	static const long rates[] = { 0, 5, 20, 100, 500, 2000 };
	long long next_check = 0;
	long total = 0;

	while (!stop_requested(stop, deadline)) {
		long rate = rates[below(NF(rates))], acc = 0;
		long ticks = 100 + (long)below(900), t;

		for (t = 0; t < ticks; t++) {
			for (acc += rate * (TICK_NS / 1000000); acc >= 1000;
			     acc -= 1000, total++)
				change_one();
			sleep_ns(TICK_NS);
			if (now_ms() >= next_check) {
				if (stop_requested(stop, deadline))
					return total;
				next_check = now_ms() + STOP_CHECK_MS;
			}
		}
		if (restore() && below(2))
			sleep_ns((long)(50 + below(450)) * 1000000L);
	}
	return total;
}

int main(int argc, char **argv)
{
	const char *stop = NULL, *logfile = NULL;
	uint64_t seed = 1, secs = 60, addr;
	long total;
	size_t n;
	int opt, k;

	helper_name = "flipper";
	while ((opt = getopt(argc, argv, "s:t:x:l:")) != -1) {
		switch (opt) {
		case 's': seed = parse_num(optarg); break;
		case 't': secs = parse_num(optarg); break;
		case 'x': stop = optarg; break;
		case 'l': logfile = optarg; break;
		default: goto usage;
		}
	}
	if (optind != argc - 2)
		goto usage;
	F.img = read_file(argv[optind], &n);
	addr = parse_num(argv[optind + 1]);
	if (addr % PAGE)
		die("ADDR must be 4 KiB aligned");
	F.len = (n + PAGE - 1) / PAGE * PAGE;
	if (F.len != n)
		die("%s: %zu bytes, not a 4 KiB multiple", argv[optind], n);
	geometry();
	F.dirty = xmalloc(F.len / PAGE);
	memset(F.dirty, 0, F.len / PAGE);
	map_region(addr);
	if (!region_is_pristine())
		die("the region at 0x%llx does not hold %s",
		    (unsigned long long)addr, argv[optind]);
	F.rng = seed;
	F.t0 = now_ms();
	run(F.t0 + (long long)secs * 1000, stop);
	put_back_all();
	if (!region_is_pristine())
		die("the region does not read back the pristine image");
	if (logfile)
		write_log(logfile);
	for (total = 0, k = 0; k < K_PAGE; k++)
		total += F.counts[k];
	printf("flipper: seed %llu, %.1f s: %ld flips (",
	       (unsigned long long)seed, (now_ms() - F.t0) / 1000.0, total);
	for (k = 0; k < K_PAGE; k++)
		printf("%s%s %ld", k ? ", " : "", kind_name[k], F.counts[k]);
	printf("), %ld page, %ld table and %ld full restores; image "
	       "restored\n", F.counts[K_PAGE], F.table_restores,
	       F.full_restores);
	return 0;
usage:
	fprintf(stderr, "usage: flipper [-s SEED] [-t SECONDS] [-x STOPFILE] "
		"[-l LOGFILE] PRISTINE ADDR\n");
	return 1;
}

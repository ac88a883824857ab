// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * corrupt: make a hostile variant of a DAXFS image for the mount tests.
 *
 *   corrupt IN OUT SEED [KIND]
 *
 * KIND (default: chosen by SEED) is one of
 *   flip     random byte flips in the superblock or metadata area
 *   super    a superblock field set to a hostile value
 *   inode    an inode field set to a hostile value
 *   extent   an extent field set to a hostile value
 *   dirent   a dirent field set to a hostile value
 *   xattr    an xattr field set to a hostile value
 *   name     a name made invalid ('/', NUL, ".", "..", empty)
 *   order    two entries of a directory swapped or duplicated
 *   cycle    a directory entry pointing back up the tree, or a second
 *            parent for a directory
 *   badcrc   a metadata flip with the CRCs left stale
 *
 * Except for badcrc (and half of the superblock flips), the superblock
 * and metadata CRCs are recomputed afterwards so that the checks behind
 * them run.  One line on stdout says what was done.
 */
#include <stddef.h>
#include "common.h"
#include "daxfs_core.h"

struct field {
	const char *name;
	size_t off;
	int width;
};

#define F(type, member) { #member, offsetof(struct type, member), \
			  (int)sizeof(((struct type *)0)->member) }

static const struct field super_fields[] = {
	F(daxfs_super, magic), F(daxfs_super, version),
	F(daxfs_super, feat_compat), F(daxfs_super, feat_ro_compat),
	F(daxfs_super, feat_incompat), F(daxfs_super, block_size),
	F(daxfs_super, super_size), F(daxfs_super, total_size),
	F(daxfs_super, root_ino), F(daxfs_super, inode_size),
	F(daxfs_super, branch_off), F(daxfs_super, branch_count),
	F(daxfs_super, branch_size), F(daxfs_super, inode_off),
	F(daxfs_super, inode_count), F(daxfs_super, extent_off),
	F(daxfs_super, extent_count), F(daxfs_super, dirent_off),
	F(daxfs_super, dirent_count), F(daxfs_super, xattr_off),
	F(daxfs_super, xattr_count), F(daxfs_super, strtab_off),
	F(daxfs_super, strtab_size), F(daxfs_super, meta_size),
	F(daxfs_super, data_off), F(daxfs_super, data_size),
	F(daxfs_super, delta_off), F(daxfs_super, delta_size),
};

static const struct field inode_fields[] = {
	F(daxfs_inode, mode), F(daxfs_inode, nlink), F(daxfs_inode, uid),
	F(daxfs_inode, size), F(daxfs_inode, data), F(daxfs_inode, count),
	F(daxfs_inode, flags), F(daxfs_inode, mtime_nsec),
	F(daxfs_inode, xattr_count), F(daxfs_inode, xattr_first),
	F(daxfs_inode, parent), F(daxfs_inode, mtime_sec),
};

static const struct field extent_fields[] = {
	F(daxfs_extent, pgoff), F(daxfs_extent, off),
	F(daxfs_extent, npages),
};

static const struct field dirent_fields[] = {
	F(daxfs_dirent, ino), F(daxfs_dirent, name_len),
	F(daxfs_dirent, type), F(daxfs_dirent, name_off),
};

static const struct field xattr_fields[] = {
	F(daxfs_xattr, name_off), F(daxfs_xattr, value_off),
	F(daxfs_xattr, value_len), F(daxfs_xattr, name_len),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static u8 *img;
static size_t img_len;
static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static uint64_t get(size_t off, int w)
{
	uint64_t v = 0;

	memcpy(&v, img + off, w);	/* little-endian host */
	return le64toh(v);
}

static void put(size_t off, int w, uint64_t v)
{
	v = htole64(v);
	memcpy(img + off, &v, w);
}

static const struct daxfs_super *sb(void)
{
	return (const struct daxfs_super *)img;
}

#define SB(member) le64toh(0 + sb()->member)
#define SB32(member) le32toh(0 + sb()->member)

/* A value chosen to hurt: bounds, just past bounds, all ones, random. */
static uint64_t hostile(uint64_t old, int w)
{
	uint64_t max = w == 8 ? ~0ULL : (1ULL << (8 * w)) - 1;
	uint64_t cand[] = {
		0, 1, max, max - 1, max / 2 + 1, old + 1, old - 1,
		old + 4096, old * 2 + 1, img_len, img_len - 1, img_len + 1,
		SB(total_size), SB(strtab_size), SB(inode_count),
		SB(inode_count) + 1, SB(dirent_count), SB(extent_count),
		SB(data_off) + SB(data_size), SB(meta_size), rnd(),
	};
	uint64_t v;

	do
		v = cand[below(N(cand))] & max;
	while (v == old);
	return v;
}

static void fix_crcs(void)
{
	struct daxfs_super *s = (struct daxfs_super *)img;
	uint64_t moff = SB(inode_off), msize = SB(meta_size);

	if (moff < img_len && msize <= img_len - moff)
		s->meta_crc = htole32(daxfs_crc32c(img + moff, msize));
	s->crc = htole32(daxfs_super_crc(img));
}

static void set_field(const char *table, uint64_t base, size_t index,
		      const struct field *f)
{
	size_t at = base + f->off;
	uint64_t old, v;

	if (at + f->width > img_len)
		die("%s[%zu] lies outside the image", table, index);
	old = get(at, f->width);
	v = hostile(old, f->width);
	put(at, f->width, v);
	printf("%s[%zu].%s: %#llx -> %#llx\n", table, index, f->name,
	       (unsigned long long)old, (unsigned long long)v);
}

static void table_field(const char *table, uint64_t off, uint64_t count,
			size_t size, const struct field *f, size_t nf)
{
	size_t i;

	if (!count)
		die("image has no %s entries to corrupt", table);
	i = below(count);
	set_field(table, off + i * size, i, &f[below(nf)]);
}

static void flip(int in_super)
{
	uint64_t base = in_super ? 0 : SB(inode_off);
	uint64_t len = in_super ? sizeof(struct daxfs_super) : SB(meta_size);
	int n = 1 + below(8), i;

	for (i = 0; i < n; i++) {
		uint64_t at = base + below(len);
		u8 bit = 1u << below(8);

		img[at] ^= bit;
		printf("%sbyte %#llx bit %#x", i ? ", " : "flip ",
		       (unsigned long long)at, bit);
	}
	putchar('\n');
}

/* Index of a random directory inode with at least @min entries, or -1. */
static long pick_dir(u32 min)
{
	uint64_t n = SB(inode_count), i, start = below(n);

	for (i = 0; i < n; i++) {
		const struct daxfs_inode *in = (const void *)(img +
			SB(inode_off) + ((start + i) % n) * sizeof(*in));

		if ((le32toh(in->mode) & DAXFS_S_IFMT) == DAXFS_S_IFDIR &&
		    le32toh(in->count) >= min)
			return (start + i) % n;
	}
	return -1;
}

static struct daxfs_inode *inode_at(long idx)
{
	return (struct daxfs_inode *)(img + SB(inode_off) +
				      idx * sizeof(struct daxfs_inode));
}

static struct daxfs_dirent *dirent_at(uint64_t idx)
{
	return (struct daxfs_dirent *)(img + SB(dirent_off) +
				       idx * sizeof(struct daxfs_dirent));
}

static void bad_name(void)
{
	static const char *const kinds[] = { "slash", "nul", "dot", "dotdot",
					     "empty" };
	struct daxfs_dirent *d;
	uint64_t i;
	u32 len;
	u8 *name;
	int k;

	if (!SB(dirent_count))
		die("no dirents");
	i = below(SB(dirent_count));
	d = dirent_at(i);
	len = le16toh(d->name_len);
	if (!len || SB(strtab_off) + le64toh(d->name_off) + len > img_len)
		die("dirent[%llu]: name outside the image",
		    (unsigned long long)i);
	name = img + SB(strtab_off) + le64toh(d->name_off);
	k = below(N(kinds));
	switch (k) {
	case 0: name[below(len)] = '/'; break;
	case 1: name[below(len)] = 0; break;
	case 2: name[0] = '.'; d->name_len = htole16(1); break;
	case 3: if (len < 2) {
			name[0] = '.';
			d->name_len = htole16(1);
		} else {
			name[0] = name[1] = '.';
			d->name_len = htole16(2);
		}
		break;
	default: d->name_len = 0; break;
	}
	printf("dirent[%llu] name made invalid (%s)\n",
	       (unsigned long long)i, kinds[k]);
}

static void bad_order(void)
{
	long di = pick_dir(2);
	struct daxfs_inode *dir;
	struct daxfs_dirent tmp, *a;
	uint64_t first, i;

	if (di < 0)
		die("no directory with two entries");
	dir = inode_at(di);
	first = le64toh(dir->data);
	i = first + below(le32toh(dir->count) - 1);
	a = dirent_at(i);
	if (below(2)) {
		tmp = a[0];
		a[0] = a[1];
		a[1] = tmp;
		printf("dir ino %ld: dirents %llu and %llu swapped\n", di + 1,
		       (unsigned long long)i, (unsigned long long)i + 1);
	} else {
		a[1] = a[0];
		printf("dir ino %ld: dirent %llu duplicated\n", di + 1,
		       (unsigned long long)i);
	}
}

/* Make an entry of a directory point at that directory or an ancestor,
 * or at some other directory (which then has two parents). */
static void bad_cycle(void)
{
	long di = pick_dir(1);
	struct daxfs_inode *dir;
	struct daxfs_dirent *d;
	uint64_t i, target;
	int as_dir;

	if (di < 0)
		die("no directory with entries");
	dir = inode_at(di);
	i = le64toh(dir->data) + below(le32toh(dir->count));
	d = dirent_at(i);
	switch (below(3)) {
	case 0:
		target = di + 1;		/* itself */
		break;
	case 1:
		target = le32toh(dir->parent);	/* its parent */
		break;
	default: {
		long other = pick_dir(0);	/* any directory */

		target = other < 0 ? DAXFS_ROOT_INO : (uint64_t)other + 1;
		break;
	}
	}
	as_dir = below(2);
	printf("dir ino %ld: dirent %llu ino %u -> %llu (%s)\n", di + 1,
	       (unsigned long long)i, le32toh(d->ino),
	       (unsigned long long)target, as_dir ? "type dir" : "type kept");
	d->ino = htole32((u32)target);
	if (as_dir)
		d->type = DAXFS_FT_DIR;
}

static const char *const kinds[] = {
	"flip", "super", "inode", "extent", "dirent", "xattr", "name",
	"order", "cycle", "badcrc",
};

/* Corrupt the image in memory by @seed (kind -1: chosen by the seed). */
static void corrupt_one(uint64_t seed, int kind)
{
	int fix = 1;

	rng = seed * 0x9e3779b97f4a7c15ULL + 0x1234567;
	rnd();
	if (kind < 0)
		kind = seed % N(kinds);
	printf("seed %llu %s: ", (unsigned long long)seed, kinds[kind]);
	switch (kind) {
	case 0:
		fix = below(2);
		flip(below(3) == 0);
		break;
	case 1:
		table_field("super", 0, 1, 0, super_fields, N(super_fields));
		break;
	case 2:
		table_field("inode", SB(inode_off), SB(inode_count),
			    sizeof(struct daxfs_inode), inode_fields,
			    N(inode_fields));
		break;
	case 3:
		table_field("extent", SB(extent_off), SB(extent_count),
			    sizeof(struct daxfs_extent), extent_fields,
			    N(extent_fields));
		break;
	case 4:
		table_field("dirent", SB(dirent_off), SB(dirent_count),
			    sizeof(struct daxfs_dirent), dirent_fields,
			    N(dirent_fields));
		break;
	case 5:
		table_field("xattr", SB(xattr_off), SB(xattr_count),
			    sizeof(struct daxfs_xattr), xattr_fields,
			    N(xattr_fields));
		break;
	case 6:
		bad_name();
		break;
	case 7:
		bad_order();
		break;
	case 8:
		bad_cycle();
		break;
	default:
		fix = 0;
		flip(0);
		break;
	}
	if (fix)
		fix_crcs();
	fflush(stdout);
}

static void write_img(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, img, img_len) != (ssize_t)img_len ||
	    close(fd))
		die_errno("write %s", path);
}

static int kind_by_name(const char *name)
{
	int k;

	for (k = 0; k < (int)N(kinds); k++)
		if (!strcmp(name, kinds[k]))
			return k;
	die("unknown kind '%s'", name);
}

static void load(const char *path)
{
	img = read_file(path, &img_len);
	if (img_len < DAXFS_SUPER_SIZE || SB(magic) != DAXFS_IMAGE_MAGIC)
		die("%s: not a DAXFS image", path);
}

int main(int argc, char **argv)
{
	helper_name = "corrupt";
	if (argc == 6 && !strcmp(argv[1], "-n")) {
		/* corrupt -n COUNT IN OUTDIR FIRSTSEED: OUTDIR/SEED.img */
		uint64_t count = parse_num(argv[2]), first = parse_num(argv[5]);
		u8 *pristine;
		uint64_t i;

		load(argv[3]);
		pristine = xmalloc(img_len);
		memcpy(pristine, img, img_len);
		for (i = 0; i < count; i++) {
			char path[4096];

			memcpy(img, pristine, img_len);
			corrupt_one(first + i, -1);
			snprintf(path, sizeof(path), "%s/%llu.img", argv[4],
				 (unsigned long long)(first + i));
			write_img(path);
		}
		return 0;
	}
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: corrupt IN OUT SEED [KIND]\n"
			"       corrupt -n COUNT IN OUTDIR FIRSTSEED\n");
		return 1;
	}
	load(argv[1]);
	corrupt_one(parse_num(argv[3]), argc == 5 ? kind_by_name(argv[4]) : -1);
	write_img(argv[2]);
	return 0;
}

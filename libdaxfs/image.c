// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Opening an image: copy the superblock block out of the region once,
 * check the copy and the geometry it announces, then cache that geometry
 * in struct daxfs_image.  Nothing is read from the region's superblock
 * again afterwards, so a writer changing it later cannot make a checked
 * value differ from a used one.  libdaxfs/validate.c checks the rest.
 *
 * Checks, in order (the first failure is reported and returned):
 *   - the region holds a superblock and starts 8-byte aligned  -EINVAL
 *   - the superblock block can be read                         -EIO
 *   - magic, version                                           -EINVAL
 *   - superblock CRC (whole 4 KiB block, crc field as zero)    -EUCLEAN
 *   - unknown incompat feature bits                            -EINVAL
 *   - super_size, block_size, inode_size, branch_size equal
 *     the sizes of this format                                 -EINVAL
 *   - reserved bytes and the rest of the superblock block zero -EUCLEAN
 *   - total_size: at least the superblock, a 4 KiB multiple,
 *     not beyond the mapped region                             -EUCLEAN
 *   - root_ino == DAXFS_ROOT_INO, 1 <= inode_count <= 2^31-1   -EUCLEAN
 *   - every table (branch, inode, extent, dirent, xattr) and
 *     the string table inside total_size without overflow,
 *     tables 8-byte aligned                                    -EUCLEAN
 *   - the metadata area [inode_off, inode_off + meta_size)
 *     holds all five metadata tables and ends at the end of
 *     the string table                                         -EUCLEAN
 *   - data_off and delta_off 4 KiB aligned, data_size a
 *     4 KiB multiple                                           -EUCLEAN
 *   - no two of superblock, branch table, each metadata table,
 *     data area and delta region overlap                       -EUCLEAN
 *   - without DAXFS_FEAT_INCOMPAT_BRANCHES: branch_count and
 *     delta_size are 0; with it: branch_count >= 1 and the
 *     delta region is large enough for its header              -EUCLEAN
 */
#include "daxfs_internal.h"

void daxfs_say(daxfs_report_fn report, void *ctx, const char *fmt,
	       const u64 *args)
{
	static const char hex[] = "0123456789abcdef";
	char buf[DAXFS_MSG_MAX];
	u32 n = 0;

	if (!report)
		return;
	while (*fmt && n < sizeof(buf) - 1) {
		char digits[20];
		int nd = 0;
		u64 v;

		if (fmt[0] != '%' || (fmt[1] != 'u' && fmt[1] != 'x')) {
			buf[n++] = *fmt++;
			continue;
		}
		v = *args++;
		if (fmt[1] == 'u') {
			do {
				digits[nd++] = '0' + (char)(v % 10);
				v /= 10;
			} while (v);
		} else {
			do {
				digits[nd++] = hex[v & 15];
				v >>= 4;
			} while (v);
			digits[nd++] = 'x';
			digits[nd++] = '0';
		}
		while (nd && n < sizeof(buf) - 1)
			buf[n++] = digits[--nd];
		fmt += 2;
	}
	buf[n] = '\0';
	report(ctx, buf);
}

/* A named byte range of the region, for the overlap checks. */
struct daxfs_area {
	const char *name;
	u64 off;
	u64 len;
};

enum {
	AREA_SUPER, AREA_BRANCH, AREA_INODE, AREA_EXTENT, AREA_DIRENT,
	AREA_XATTR, AREA_STRTAB, AREA_DATA, AREA_DELTA, AREA_COUNT
};

static void decode_super(struct daxfs_image *img, const struct daxfs_super *s)
{
	img->total_size = le64_to_cpu(s->total_size);
	img->feat_compat = le64_to_cpu(s->feat_compat);
	img->feat_ro_compat = le64_to_cpu(s->feat_ro_compat);
	img->feat_incompat = le64_to_cpu(s->feat_incompat);
	img->branch_off = le64_to_cpu(s->branch_off);
	img->branch_count = le32_to_cpu(s->branch_count);
	img->root_ino = le32_to_cpu(s->root_ino);
	img->inode_off = le64_to_cpu(s->inode_off);
	img->inode_count = le64_to_cpu(s->inode_count);
	img->extent_off = le64_to_cpu(s->extent_off);
	img->extent_count = le64_to_cpu(s->extent_count);
	img->dirent_off = le64_to_cpu(s->dirent_off);
	img->dirent_count = le64_to_cpu(s->dirent_count);
	img->xattr_off = le64_to_cpu(s->xattr_off);
	img->xattr_count = le64_to_cpu(s->xattr_count);
	img->strtab_off = le64_to_cpu(s->strtab_off);
	img->strtab_size = le64_to_cpu(s->strtab_size);
	img->meta_size = le64_to_cpu(s->meta_size);
	img->data_off = le64_to_cpu(s->data_off);
	img->data_size = le64_to_cpu(s->data_size);
	img->delta_off = le64_to_cpu(s->delta_off);
	img->delta_size = le64_to_cpu(s->delta_size);
	img->meta_crc = le32_to_cpu(s->meta_crc);
	img->data_crc = le32_to_cpu(s->data_crc);
	img->build_time = (s64)le64_to_cpu(s->build_time);
	memcpy(img->uuid, s->uuid, sizeof(img->uuid));
}

/* Magic, version, CRC, features and structure sizes: -EINVAL/-EUCLEAN. */
static int check_identity(const struct daxfs_super *s,
			  daxfs_report_fn report, void *ctx)
{
	u64 incompat;

	if (le64_to_cpu(s->magic) != DAXFS_IMAGE_MAGIC) {
		DAXFS_SAY(report, ctx, "superblock: bad magic (not a daxfs image)");
		return -EINVAL;
	}
	if (le32_to_cpu(s->version) != DAXFS_VERSION) {
		DAXFS_SAY(report, ctx, "superblock: unsupported version %u",
			  le32_to_cpu(s->version));
		return -EINVAL;
	}
	if (le32_to_cpu(s->crc) != daxfs_super_crc(s)) {
		DAXFS_SAY(report, ctx, "superblock: bad checksum");
		return -EUCLEAN;
	}
	incompat = le64_to_cpu(s->feat_incompat);
	if (incompat & ~DAXFS_FEAT_INCOMPAT_SUPP) {
		DAXFS_SAY(report, ctx, "superblock: unsupported feature (incompat %x)",
			  incompat & ~DAXFS_FEAT_INCOMPAT_SUPP);
		return -EINVAL;
	}
	if (le32_to_cpu(s->super_size) != sizeof(*s) ||
	    le32_to_cpu(s->block_size) != DAXFS_BLOCK_SIZE ||
	    le32_to_cpu(s->inode_size) !=
	    sizeof(struct daxfs_inode) ||
	    le32_to_cpu(s->branch_size) !=
	    sizeof(struct daxfs_branch)) {
		DAXFS_SAY(report, ctx, "superblock: unsupported structure sizes (super %u, block %u, inode %u, branch %u)",
			  le32_to_cpu(s->super_size),
			  le32_to_cpu(s->block_size),
			  le32_to_cpu(s->inode_size),
			  le32_to_cpu(s->branch_size));
		return -EINVAL;
	}
	return 0;
}

/* Reserved bytes and the tail of the superblock block are zero. */
static int check_zero_tail(const u8 *base, daxfs_report_fn report, void *ctx)
{
	u64 i;

	for (i = offsetof(struct daxfs_super, reserved); i < DAXFS_SUPER_SIZE;
	     i++) {
		if (base[i]) {
			DAXFS_SAY(report, ctx, "superblock: reserved byte %u is not zero",
				  i);
			return -EUCLEAN;
		}
	}
	return 0;
}

/* @a then @b into @buf of @size bytes, truncated, NUL-terminated. */
static void join(char *buf, u32 size, const char *a, const char *b)
{
	u32 n = 0;

	while (*a && n < size - 1)
		buf[n++] = *a++;
	while (*b && n < size - 1)
		buf[n++] = *b++;
	buf[n] = '\0';
}

/* A table of @count entries of @esize bytes at @off: inside the image. */
static int check_table(const struct daxfs_image *img, const char *name,
		       u64 off, u64 count, u64 esize, struct daxfs_area *area,
		       daxfs_report_fn report, void *ctx)
{
	char what[96];
	u64 len;

	area->name = NULL;
	if (!daxfs_mul_ok(count, esize, &len) ||
	    !daxfs_range_ok(off, len, img->total_size)) {
		join(what, sizeof(what), name,
		     " (%u entries at %u) outside the image");
		DAXFS_SAY(report, ctx, what, count, off);
		return -EUCLEAN;
	}
	if (esize > 1 && (off & 7)) {
		join(what, sizeof(what), name, " offset %u not 8-byte aligned");
		DAXFS_SAY(report, ctx, what, off);
		return -EUCLEAN;
	}
	area->off = off;
	area->len = len;
	return 0;
}

static int check_tables(const struct daxfs_image *img,
			struct daxfs_area *a, daxfs_report_fn report,
			void *ctx)
{
	static const struct {
		const char *name;
		int area;
		size_t off_at;
		size_t count_at;
		u64 esize;
	} tab[] = {
#define T(n, a, f, c, s) { n, a, offsetof(struct daxfs_image, f), \
			   offsetof(struct daxfs_image, c), s }
		T("inode table", AREA_INODE, inode_off, inode_count,
		  sizeof(struct daxfs_inode)),
		T("extent table", AREA_EXTENT, extent_off, extent_count,
		  sizeof(struct daxfs_extent)),
		T("dirent table", AREA_DIRENT, dirent_off, dirent_count,
		  sizeof(struct daxfs_dirent)),
		T("xattr table", AREA_XATTR, xattr_off, xattr_count,
		  sizeof(struct daxfs_xattr)),
		T("string table", AREA_STRTAB, strtab_off, strtab_size, 1),
#undef T
	};
	const u8 *g = (const u8 *)img;
	u64 meta_end;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(tab); i++) {
		u64 off = *(const u64 *)(g + tab[i].off_at);
		u64 count = *(const u64 *)(g + tab[i].count_at);

		ret = check_table(img, tab[i].name, off, count, tab[i].esize,
				  &a[tab[i].area], report, ctx);
		if (ret)
			return ret;
		a[tab[i].area].name = tab[i].name;
	}
	if (!daxfs_range_ok(img->inode_off, img->meta_size, img->total_size)) {
		DAXFS_SAY(report, ctx, "superblock: metadata area (%u bytes at %u) outside the image",
			  img->meta_size, img->inode_off);
		return -EUCLEAN;
	}
	meta_end = img->inode_off + img->meta_size;
	for (i = AREA_INODE; i <= AREA_STRTAB; i++) {
		if (a[i].off < img->inode_off ||
		    a[i].off + a[i].len > meta_end) {
			DAXFS_SAY(report, ctx, "superblock: meta_size %u does not cover the tables",
				  img->meta_size);
			return -EUCLEAN;
		}
	}
	if (a[AREA_STRTAB].off + a[AREA_STRTAB].len != meta_end) {
		DAXFS_SAY(report, ctx, "superblock: meta_size %u does not end at the end of the string table",
			  img->meta_size);
		return -EUCLEAN;
	}
	return 0;
}

static int check_areas(const struct daxfs_image *img, struct daxfs_area *a,
		       daxfs_report_fn report, void *ctx)
{
	bool branches = img->feat_incompat & DAXFS_FEAT_INCOMPAT_BRANCHES;
	int i, j, ret;

	a[AREA_SUPER].name = "superblock";
	a[AREA_SUPER].off = 0;
	a[AREA_SUPER].len = DAXFS_SUPER_SIZE;
	ret = check_table(img, "branch table", img->branch_off,
			  img->branch_count, sizeof(struct daxfs_branch),
			  &a[AREA_BRANCH], report, ctx);
	if (ret)
		return ret;
	a[AREA_BRANCH].name = "branch table";
	if ((img->data_off | img->data_size) & (DAXFS_BLOCK_SIZE - 1) ||
	    !daxfs_range_ok(img->data_off, img->data_size, img->total_size)) {
		DAXFS_SAY(report, ctx, "superblock: data area (%u bytes at %u) misaligned or outside the image",
			  img->data_size, img->data_off);
		return -EUCLEAN;
	}
	a[AREA_DATA].name = "data area";
	a[AREA_DATA].off = img->data_off;
	a[AREA_DATA].len = img->data_size;
	a[AREA_DELTA].name = NULL;
	if (!branches) {
		if (img->branch_count || img->delta_size) {
			DAXFS_SAY(report, ctx, "superblock: branch table or delta region without the branches feature");
			return -EUCLEAN;
		}
	} else {
		if (!img->branch_count) {
			DAXFS_SAY(report, ctx, "superblock: branches feature without a branch table");
			return -EUCLEAN;
		}
		if ((img->delta_off | img->delta_size) &
		    (DAXFS_BLOCK_SIZE - 1) ||
		    img->delta_size < DAXFS_BLOCK_SIZE ||
		    !daxfs_range_ok(img->delta_off, img->delta_size,
				    img->total_size)) {
			DAXFS_SAY(report, ctx, "superblock: delta region (%u bytes at %u) misaligned, too small or outside the image",
				  img->delta_size, img->delta_off);
			return -EUCLEAN;
		}
		a[AREA_DELTA].name = "delta region";
		a[AREA_DELTA].off = img->delta_off;
		a[AREA_DELTA].len = img->delta_size;
	}
	for (i = 0; i < AREA_COUNT; i++) {
		if (!a[i].name || !a[i].len)
			continue;
		for (j = i + 1; j < AREA_COUNT; j++) {
			if (!a[j].name || !a[j].len)
				continue;
			if (a[i].off < a[j].off + a[j].len &&
			    a[j].off < a[i].off + a[i].len) {
				DAXFS_SAY(report, ctx, "superblock: areas overlap (offsets %u and %u)",
					  a[i].off, a[j].off);
				return -EUCLEAN;
			}
		}
	}
	return 0;
}

/* Everything image_open checks, on the copy @blk of the superblock. */
static int check_super(struct daxfs_image *img, const u8 *blk, u64 size,
		       daxfs_report_fn report, void *ctx)
{
	const struct daxfs_super *s = (const void *)blk;
	struct daxfs_area areas[AREA_COUNT];
	int ret;

	ret = check_identity(s, report, ctx);
	if (ret)
		return ret;
	ret = check_zero_tail(blk, report, ctx);
	if (ret)
		return ret;
	img->size = size;
	decode_super(img, s);
	if (img->total_size < DAXFS_SUPER_SIZE ||
	    (img->total_size & (DAXFS_BLOCK_SIZE - 1))) {
		DAXFS_SAY(report, ctx, "superblock: bad total_size %u",
			  img->total_size);
		return -EUCLEAN;
	}
	if (img->total_size > size) {
		DAXFS_SAY(report, ctx, "image needs %u bytes but the region has only %u",
			  img->total_size, size);
		return -EUCLEAN;
	}
	if (img->root_ino != DAXFS_ROOT_INO || !img->inode_count ||
	    img->inode_count > DAXFS_MAX_INODES) {
		DAXFS_SAY(report, ctx, "superblock: bad root_ino %u or inode_count %u",
			  img->root_ino, img->inode_count);
		return -EUCLEAN;
	}
	ret = check_tables(img, areas, report, ctx);
	if (!ret)
		ret = check_areas(img, areas, report, ctx);
	return ret;
}

int daxfs_image_open(struct daxfs_image *img, const void *base, u64 size,
		     daxfs_report_fn report, void *ctx)
{
	u8 *blk;
	int ret;

	memset(img, 0, sizeof(*img));
	if (!base || ((unsigned long)base & 7)) {
		DAXFS_SAY(report, ctx, "region is not 8-byte aligned");
		return -EINVAL;
	}
	if (size < DAXFS_SUPER_SIZE) {
		DAXFS_SAY(report, ctx, "region of %u bytes is too small for a daxfs superblock",
			  size);
		return -EINVAL;
	}
	blk = daxfs_zalloc(DAXFS_SUPER_SIZE);
	if (!blk) {
		DAXFS_SAY(report, ctx, "not enough memory to read the superblock");
		return -ENOMEM;
	}
	ret = daxfs_copy_region(blk, base, DAXFS_SUPER_SIZE);
	if (ret)
		DAXFS_SAY(report, ctx, "superblock: memory error while reading it");
	else
		ret = check_super(img, blk, size, report, ctx);
	daxfs_free(blk);
	if (ret) {
		memset(img, 0, sizeof(*img));
		return ret;
	}
	img->base = base;
	return 0;
}

int daxfs_image_read(const struct daxfs_image *img, u64 off, void *dst,
		     u64 len)
{
	if (!daxfs_range_ok(off, len, img->total_size))
		return -EUCLEAN;
	return daxfs_copy_region(dst, img->base + off, len);
}

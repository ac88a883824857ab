// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Unit tests of the portable core (libdaxfs) on images made by the
 * in-test builder: open, validate, every accessor, records.
 * Prints one "PASS: core: ..." or "FAIL: core: ...: why" line per check.
 */
#include <stdlib.h>
#include <time.h>
#include "imgbuild.h"
#include "testutil.h"

static struct tu_report rep;

static int open_img(struct daxfs_image *img, struct ib *b)
{
	tu_reset(&rep);
	return daxfs_image_open(img, b->img, b->size, tu_collect, &rep);
}

static int open_validate(struct daxfs_image *img, struct ib *b,
			 unsigned int flags)
{
	int ret = open_img(img, b);

	if (ret)
		return ret;
	return daxfs_validate(img, flags, tu_collect, &rep);
}

/* ---- the sample tree ---- */

struct sample {
	u32 dir_a, hello, page, odd, sparse, link, fifo, sock, chr, blk;
	u32 longname, binname, sub;
	u8 odd_data[5000];
	u8 page_data[4096];
	char name255[256];
};

static void make_sample(struct ib *b, struct sample *s, int branches)
{
	static const struct ib_ext sp[] = {
		{ 0, 1, 'A' }, { 3, 3, 'B' },
	};
	u32 cap = 0x2000;

	ib_init(b);
	for (int i = 0; i < 5000; i++)
		s->odd_data[i] = (u8)(i * 31 + 7);
	for (int i = 0; i < 4096; i++)
		s->page_data[i] = (u8)(i ^ 0x5a);
	memset(s->name255, 'n', 255);
	s->name255[255] = 0;
	s->dir_a = ib_dir(b, 1, "a");
	s->sub = ib_dir(b, s->dir_a, "sub");
	ib_file(b, 1, "empty", "", 0);
	s->hello = ib_file(b, 1, "hello", "hello, world\n", 13);
	s->page = ib_file(b, s->dir_a, "page", s->page_data, 4096);
	s->odd = ib_file(b, s->sub, "odd", s->odd_data, 5000);
	s->sparse = ib_sparse(b, 1, "sparse", 6 * 4096 - 100, sp, 2);
	ib_link(b, s->dir_a, "hello-link", s->hello);
	ib_link(b, s->sub, "hello-link2", s->hello);
	s->link = ib_symlink(b, 1, "sym", "../some/where");
	s->fifo = ib_special(b, 1, "fifo", DAXFS_S_IFIFO | 0600, 0, 0);
	s->sock = ib_special(b, 1, "sock", DAXFS_S_IFSOCK | 0600, 0, 0);
	s->chr = ib_special(b, 1, "null", DAXFS_S_IFCHR | 0666, 1, 3);
	s->blk = ib_special(b, 1, "loop0", DAXFS_S_IFBLK | 0660, 7, 0);
	s->longname = ib_file(b, 1, s->name255, "x", 1);
	s->binname = ib_file(b, 1, "\xff\xfe\x01", "y", 1);
	ib_xattr(b, s->hello, "user.comment", "hi", 2);
	ib_xattr(b, s->hello, "security.capability", &cap, 4);
	ib_xattr(b, s->hello, "trusted.empty", "", 0);
	ib_xattr(b, s->dir_a, "user.dir", "d", 1);
	if (branches) {
		u32 c;

		ib_branching(b, 256, 1 << 20);
		c = ib_branch(b, "child-1", 0, DAXFS_BRANCH_LIVE);
		ib_branch(b, "grand.child_2", c, DAXFS_BRANCH_LIVE);
		ib_branch(b, "child-1", 0, DAXFS_BRANCH_DISCARDED);
		ib_branch(b, "creating", 0, DAXFS_BRANCH_CREATING);
	}
	ib_build(b);
}

/* Read a whole regular file through daxfs_file_map into @out. */
static int read_file(const struct daxfs_image *img, u64 ino, u8 *out,
		     u64 cap, u64 *size)
{
	struct daxfs_inode_info in;
	u64 pg = 0, pages;
	int ret = daxfs_inode_read(img, ino, &in);

	if (ret)
		return ret;
	if (in.size > cap)
		return -EFBIG;
	pages = (in.size + 4095) / 4096;
	while (pg < pages) {
		u64 off, n;

		ret = daxfs_file_map(img, &in, pg, &off, &n);
		if (ret < 0)
			return ret;
		if (!n || n > pages - pg)
			return -EIO;
		for (u64 i = 0; i < n; i++) {
			u64 len = in.size - (pg + i) * 4096;

			if (len > 4096)
				len = 4096;
			if (ret == 1)
				memset(out + (pg + i) * 4096, 0, len);
			else
				memcpy(out + (pg + i) * 4096,
				       img->base + off + i * 4096, len);
		}
		pg += n;
	}
	*size = in.size;
	return 0;
}

static int lookup(const struct daxfs_image *img, u64 dir, const char *name,
		  struct daxfs_dirent_info *de)
{
	struct daxfs_inode_info d;
	int ret = daxfs_inode_read(img, dir, &d);

	if (ret)
		return ret;
	return daxfs_dir_lookup(img, &d, (const u8 *)name,
				(u32)strlen(name), de);
}

static void test_sample_valid(void)
{
	struct daxfs_image img;
	struct sample s;
	struct ib b;
	int ret;

	make_sample(&b, &s, 0);
	ret = open_validate(&img, &b,
			    DAXFS_VALIDATE_ALL | DAXFS_VALIDATE_DATA_CRC);
	tu_result(ret == 0 && rep.n == 0, "core: sample image validates",
		  "ret %d, %d lines, first: %s", ret, rep.n, tu_first(&rep));
	ib_free(&b);

	make_sample(&b, &s, 1);
	ret = open_validate(&img, &b,
			    DAXFS_VALIDATE_ALL | DAXFS_VALIDATE_DATA_CRC);
	tu_result(ret == 0 && rep.n == 0,
		  "core: sample image with branches validates",
		  "ret %d, %d lines, first: %s", ret, rep.n, tu_first(&rep));
	tu_result(img.branch_count == 256 && img.delta_size == 1 << 20,
		  "core: branch geometry decoded", "count %u delta %llu",
		  img.branch_count, (unsigned long long)img.delta_size);
	ib_free(&b);
}

static void test_inodes(void)
{
	struct daxfs_inode_info in;
	struct daxfs_image img;
	struct sample s;
	struct ib b;
	int ok;

	make_sample(&b, &s, 0);
	open_img(&img, &b);
	ok = !daxfs_inode_read(&img, 1, &in) &&
	     (in.mode & DAXFS_S_IFMT) == DAXFS_S_IFDIR && in.parent == 1 &&
	     in.nlink == 3 && in.size == 11;
	tu_result(ok, "core: root inode", "mode %o nlink %u size %llu",
		  in.mode, in.nlink, (unsigned long long)in.size);
	ok = !daxfs_inode_read(&img, s.hello, &in) && in.nlink == 3 &&
	     in.size == 13 && in.uid == b.in[s.hello - 1].uid &&
	     in.mtime_nsec == b.in[s.hello - 1].mtime_nsec &&
	     in.mtime_sec == b.in[s.hello - 1].mtime && in.xattr_count == 3;
	tu_result(ok, "core: file inode fields (hard link count, times)",
		  "nlink %u size %llu", in.nlink,
		  (unsigned long long)in.size);
	ok = !daxfs_inode_read(&img, s.chr, &in) && in.rdev_major == 1 &&
	     in.rdev_minor == 3 && (in.mode & DAXFS_S_IFMT) == DAXFS_S_IFCHR;
	tu_result(ok, "core: char device rdev", "%u:%u", in.rdev_major,
		  in.rdev_minor);
	ok = !daxfs_inode_read(&img, s.blk, &in) && in.rdev_major == 7 &&
	     !daxfs_inode_read(&img, s.fifo, &in) &&
	     !daxfs_inode_read(&img, s.sock, &in);
	tu_result(ok, "core: block device, fifo, socket inodes", "read failed");
	tu_result(daxfs_inode_read(&img, 0, &in) == -EUCLEAN &&
		  daxfs_inode_read(&img, b.nin + 1, &in) == -EUCLEAN,
		  "core: inode numbers 0 and count+1 refused", "accepted");
	ok = !daxfs_inode_read(&img, s.sub, &in) && in.parent == s.dir_a &&
	     in.nlink == 2;
	tu_result(ok, "core: subdirectory parent and nlink", "parent %u",
		  in.parent);
	ib_free(&b);
}

static void test_dirs(void)
{
	struct daxfs_dirent_info de;
	struct daxfs_inode_info root;
	struct daxfs_image img;
	struct sample s;
	struct ib b;
	u8 prev[256];
	u32 prev_len = 0;
	int ok = 1, ret;
	u64 i;

	make_sample(&b, &s, 0);
	open_img(&img, &b);
	daxfs_inode_read(&img, 1, &root);
	for (i = 0; i < root.count; i++) {
		struct daxfs_dirent_info hit;

		ret = daxfs_dir_entry(&img, &root, i, &de);
		if (ret) {
			ok = 0;
			break;
		}
		if (i && daxfs_name_cmp(prev, prev_len, (const u8 *)de.name,
					de.name_len) >= 0)
			ok = 0;
		if (de.name[de.name_len] != '\0')
			ok = 0;
		memcpy(prev, de.name, de.name_len);
		prev_len = de.name_len;
		if (daxfs_dir_lookup(&img, &root, (const u8 *)de.name,
				     de.name_len, &hit) || hit.ino != de.ino ||
		    strcmp(hit.name, de.name))
			ok = 0;
	}
	tu_result(ok && i == 11, "core: readdir sorted, every entry found by lookup",
		  "entry %llu", (unsigned long long)i);
	tu_result(daxfs_dir_entry(&img, &root, root.count, &de) == -ENOENT,
		  "core: dir_entry past the end is ENOENT", "wrong");
	ok = lookup(&img, 1, "hello", &de) == 0 && de.ino == s.hello &&
	     de.type == DAXFS_FT_REG && lookup(&img, 1, "sym", &de) == 0 &&
	     de.type == DAXFS_FT_LNK && lookup(&img, 1, "a", &de) == 0 &&
	     de.type == DAXFS_FT_DIR && lookup(&img, 1, "null", &de) == 0 &&
	     de.type == DAXFS_FT_CHR && lookup(&img, 1, "fifo", &de) == 0 &&
	     de.type == DAXFS_FT_FIFO && lookup(&img, 1, s.name255, &de) == 0 &&
	     de.ino == s.longname && lookup(&img, 1, "\xff\xfe\x01", &de) == 0 &&
	     de.ino == s.binname;
	tu_result(ok, "core: lookup by name (types, 255-byte, non-UTF-8)",
		  "lookup failed");
	ok = lookup(&img, 1, "hell", &de) == -ENOENT &&
	     lookup(&img, 1, "hello2", &de) == -ENOENT &&
	     lookup(&img, 1, "", &de) == -ENOENT &&
	     lookup(&img, 1, ".", &de) == -ENOENT &&
	     lookup(&img, 1, "a/sub", &de) == -ENOENT &&
	     lookup(&img, 1, "zzz", &de) == -ENOENT &&
	     lookup(&img, 1, "\x01", &de) == -ENOENT;
	tu_result(ok, "core: lookup of absent names is ENOENT", "found");
	ok = lookup(&img, s.sub, "hello-link2", &de) == 0 &&
	     de.ino == s.hello;
	tu_result(ok, "core: hard link in a subdirectory", "not found");
	ok = lookup(&img, s.hello, "x", &de) == -EUCLEAN;
	tu_result(ok, "core: lookup in a non-directory is refused", "accepted");
	ib_free(&b);
}

static void test_files(void)
{
	static u8 buf[8 * 4096];
	struct daxfs_inode_info in;
	struct daxfs_image img;
	struct sample s;
	struct ib b;
	u64 size, off, n;
	int ok;

	make_sample(&b, &s, 0);
	open_img(&img, &b);
	ok = !read_file(&img, s.hello, buf, sizeof(buf), &size) &&
	     size == 13 && !memcmp(buf, "hello, world\n", 13);
	tu_result(ok, "core: small file content", "mismatch");
	ok = !read_file(&img, s.page, buf, sizeof(buf), &size) &&
	     size == 4096 && !memcmp(buf, s.page_data, 4096);
	tu_result(ok, "core: page-sized file content", "mismatch");
	ok = !read_file(&img, s.odd, buf, sizeof(buf), &size) &&
	     size == 5000 && !memcmp(buf, s.odd_data, 5000);
	tu_result(ok, "core: odd-sized file content", "mismatch");
	ok = !read_file(&img, s.odd - 0, buf, sizeof(buf), &size);
	daxfs_inode_read(&img, s.sparse, &in);
	ok = daxfs_file_map(&img, &in, 0, &off, &n) == 0 && n == 1 &&
	     img.base[off] == 'A' &&
	     daxfs_file_map(&img, &in, 1, &off, &n) == 1 && n == 2 &&
	     daxfs_file_map(&img, &in, 2, &off, &n) == 1 && n == 1 &&
	     daxfs_file_map(&img, &in, 4, &off, &n) == 0 && n == 2 &&
	     img.base[off] == 'B' &&
	     daxfs_file_map(&img, &in, 6, &off, &n) == -EINVAL;
	tu_result(ok, "core: sparse file map (extents, holes, EOF)",
		  "wrong map");
	{
		u64 at[8];

		ok = !daxfs_file_seek(&img, &in, 0, true, &at[0]) &&
		     !daxfs_file_seek(&img, &in, 0, false, &at[1]) &&
		     !daxfs_file_seek(&img, &in, 1, true, &at[2]) &&
		     !daxfs_file_seek(&img, &in, 2, false, &at[3]) &&
		     !daxfs_file_seek(&img, &in, 4, false, &at[4]) &&
		     !daxfs_file_seek(&img, &in, 5, true, &at[5]) &&
		     daxfs_file_seek(&img, &in, 6, true, &at[6]) == -ENXIO &&
		     !daxfs_file_seek(&img, &in, 9, false, &at[7]);
		ok = ok && at[0] == 0 && at[1] == 1 && at[2] == 3 &&
		     at[3] == 2 && at[4] == 6 && at[5] == 5 && at[7] == 6;
		tu_result(ok, "core: SEEK_DATA/SEEK_HOLE over extents and holes",
			  "data 0->%llu hole 0->%llu data 1->%llu hole 4->%llu",
			  (unsigned long long)at[0], (unsigned long long)at[1],
			  (unsigned long long)at[2], (unsigned long long)at[4]);
		ok = in.blocks == 4;
		tu_result(ok, "core: blocks counts mapped pages of a sparse file",
			  "blocks %llu", (unsigned long long)in.blocks);
	}
	ok = !read_file(&img, s.sparse, buf, sizeof(buf), &size) &&
	     size == 6 * 4096 - 100 && buf[0] == 'A' && buf[4095] == 'A' &&
	     buf[4096] == 0 && buf[3 * 4096 - 1] == 0 &&
	     buf[3 * 4096] == 'B' && buf[size - 1] == 'B';
	tu_result(ok, "core: sparse file reads holes as zeros", "mismatch");
	daxfs_inode_read(&img, s.hello - 1, &in);	/* "empty" */
	ok = in.size == 0 &&
	     daxfs_file_map(&img, &in, 0, &off, &n) == -EINVAL;
	tu_result(ok, "core: empty file has no pages", "mapped");
	daxfs_inode_read(&img, s.link, &in);
	ok = daxfs_file_map(&img, &in, 0, &off, &n) == -EUCLEAN;
	tu_result(ok, "core: file_map on a symlink refused", "accepted");
	ib_free(&b);
}

static void test_symlinks_xattrs(void)
{
	struct daxfs_xattr_info x;
	struct daxfs_inode_info in;
	struct daxfs_image img;
	struct sample s;
	struct ib b;
	char t[DAXFS_SYMLINK_MAX + 1];
	u8 v[16];
	u32 cap = 0x2000;
	int ok;

	make_sample(&b, &s, 0);
	open_img(&img, &b);
	daxfs_inode_read(&img, s.link, &in);
	ok = daxfs_symlink_read(&img, &in, t, sizeof(t)) == 13 &&
	     !strcmp(t, "../some/where");
	tu_result(ok, "core: symlink target copied out, NUL-terminated",
		  "wrong");
	ok = daxfs_symlink_read(&img, &in, t, 13) == -ERANGE;
	tu_result(ok, "core: symlink target into too small a buffer is ERANGE",
		  "accepted");
	daxfs_inode_read(&img, s.hello, &in);
	ok = daxfs_symlink_read(&img, &in, t, sizeof(t)) == -EUCLEAN;
	tu_result(ok, "core: symlink_read on a file refused", "accepted");
	ok = !daxfs_xattr_lookup(&img, &in, (const u8 *)"security.capability",
				 19, &x) && x.value_len == 4 &&
	     !strcmp(x.name, "security.capability") &&
	     daxfs_xattr_value(&img, &x, v, sizeof(v)) == 4 &&
	     !memcmp(v, &cap, 4) &&
	     daxfs_xattr_value(&img, &x, v, 3) == -ERANGE &&
	     !daxfs_xattr_lookup(&img, &in, (const u8 *)"user.comment", 12,
				 &x) && x.value_len == 2 &&
	     daxfs_xattr_value(&img, &x, v, sizeof(v)) == 2 &&
	     !memcmp(v, "hi", 2) &&
	     !daxfs_xattr_lookup(&img, &in, (const u8 *)"trusted.empty", 13,
				 &x) && x.value_len == 0 &&
	     daxfs_xattr_value(&img, &x, v, 0) == 0;
	tu_result(ok, "core: xattr lookup, values copied out", "wrong");
	ok = daxfs_xattr_lookup(&img, &in, (const u8 *)"user.none", 9, &x) ==
	     -ENODATA &&
	     daxfs_xattr_lookup(&img, &in, (const u8 *)"", 0, &x) == -ENODATA;
	tu_result(ok, "core: absent xattr is ENODATA", "found");
	ok = !daxfs_xattr_entry(&img, &in, 0, &x) && x.name_len == 19 &&
	     !strcmp(x.name, "security.capability") &&
	     !daxfs_xattr_entry(&img, &in, 1, &x) && x.name_len == 13 &&
	     !daxfs_xattr_entry(&img, &in, 2, &x) && x.name_len == 12 &&
	     !strcmp(x.name, "user.comment") &&
	     daxfs_xattr_entry(&img, &in, 3, &x) == -ENOENT;
	tu_result(ok, "core: xattr list in name order", "wrong");
	ib_free(&b);
}

/* The region changes after validation: accessors must not trust it. */
static void test_changed_region(void)
{
	struct daxfs_dirent_info de;
	struct daxfs_inode_info in, root;
	struct daxfs_xattr_info x;
	struct daxfs_image img;
	struct sample s;
	struct ib b;
	u64 off, n;
	char t[DAXFS_SYMLINK_MAX + 1];
	int ok;

	make_sample(&b, &s, 0);
	open_validate(&img, &b, 0);
	daxfs_inode_read(&img, 1, &root);
	for (u64 i = 0; i < b.in[0].nents; i++)
		ib_dirent(b.img, le64toh(ib_inode(b.img, 1)->data) + i)
			->name_off = htole64(~0ULL - 3);
	ok = daxfs_dir_lookup(&img, &root, (const u8 *)"hello", 5, &de) ==
	     -EUCLEAN && daxfs_dir_entry(&img, &root, 0, &de) == -EUCLEAN;
	tu_result(ok, "core: dirent name offset changed after mount",
		  "not refused");
	daxfs_inode_read(&img, s.odd, &in);
	ib_extent(b.img, in.data)->off = htole64(b.size - 4096);
	ok = daxfs_file_map(&img, &in, 0, &off, &n) == -EUCLEAN;
	ib_extent(b.img, in.data)->off = htole64(le64toh(
		ib_super(b.img)->data_off) + 1);
	ok = ok && daxfs_file_map(&img, &in, 0, &off, &n) == -EUCLEAN;
	ib_extent(b.img, in.data)->npages = htole64(~0ULL);
	ok = ok && daxfs_file_map(&img, &in, 0, &off, &n) == -EUCLEAN;
	tu_result(ok, "core: extent changed after mount", "not refused");
	ib_inode(b.img, s.link)->size = htole64(1ULL << 40);
	ok = daxfs_inode_read(&img, s.link, &in) == -EUCLEAN;
	in.size = 1ULL << 40;
	ok = ok && daxfs_symlink_read(&img, &in, t, sizeof(t)) == -EUCLEAN;
	tu_result(ok, "core: symlink size changed after mount", "not refused");
	ib_inode(b.img, s.link)->size = htole64(13);
	daxfs_inode_read(&img, s.link, &in);
	memcpy(t, "x", 2);
	b.img[le64toh(ib_super(b.img)->strtab_off) + in.data + 4] = 0;
	ok = daxfs_symlink_read(&img, &in, t, sizeof(t)) == -EUCLEAN;
	tu_result(ok, "core: NUL written into a symlink target after mount",
		  "not refused");

	daxfs_inode_read(&img, s.hello, &in);
	b.img[le64toh(ib_super(b.img)->strtab_off) +
	      le64toh(ib_xattr_at(b.img, in.xattr_first)->name_off)] = 'X';
	ok = daxfs_xattr_entry(&img, &in, 0, &x) == -EUCLEAN;
	tu_result(ok, "core: xattr name prefix changed after mount",
		  "not refused");
	ib_xattr_at(b.img, in.xattr_first)->value_len = htole32(1 << 30);
	ok = daxfs_xattr_entry(&img, &in, 0, &x) == -EUCLEAN;
	in.xattr_count = ~0U;
	ok = ok && daxfs_xattr_entry(&img, &in, 0, &x) == -EUCLEAN &&
	     daxfs_xattr_lookup(&img, &in, (const u8 *)"user.a", 6, &x) ==
	     -EUCLEAN;
	tu_result(ok, "core: xattr changed after mount", "not refused");
	ib_inode(b.img, s.dir_a)->count = htole32(~0U);
	ok = daxfs_inode_read(&img, s.dir_a, &in) == -EUCLEAN;
	ib_inode(b.img, s.dir_a)->mode = htole32(0170000);
	ok = ok && daxfs_inode_read(&img, s.dir_a, &in) == -EUCLEAN;
	tu_result(ok, "core: inode changed after mount", "not refused");
	ib_free(&b);
}

/*
 * Checks the core makes on its copies: what it copied is what it checked
 * and what it returns, however the region changes afterwards.
 */
static void test_copied_checks(void)
{
	struct daxfs_dirent_info de;
	struct daxfs_inode_info root;
	struct daxfs_image img;
	struct daxfs_super *sb;
	struct sample s;
	struct ib b;
	u64 e0, soff;
	u8 buf[16];
	int ok;

	make_sample(&b, &s, 0);
	open_validate(&img, &b, 0);
	daxfs_inode_read(&img, 1, &root);
	e0 = le64toh(ib_inode(b.img, 1)->data);
	soff = le64toh(ib_super(b.img)->strtab_off);
	ok = !daxfs_dir_entry(&img, &root, 0, &de);
	b.img[soff + le64toh(ib_dirent(b.img, e0)->name_off)] = '/';
	ok = ok && daxfs_dir_entry(&img, &root, 0, &de) == -EUCLEAN;
	tu_result(ok, "core: '/' written into an entry name after mount",
		  "not refused");
	ib_dirent(b.img, e0 + 1)->type = 3;
	ok = daxfs_dir_entry(&img, &root, 1, &de) == -EUCLEAN;
	tu_result(ok, "core: unknown entry type written after mount",
		  "not refused");
	/* The geometry came from one copy of the superblock. */
	sb = ib_super(b.img);
	sb->inode_count = htole64(~0ULL);
	sb->strtab_size = 0;
	ok = img.inode_count == b.nin && img.strtab_size &&
	     !daxfs_inode_read(&img, s.hello, &root) &&
	     daxfs_inode_read(&img, b.nin + 1, &root) == -EUCLEAN;
	tu_result(ok, "core: superblock changes after open do not move the geometry",
		  "inode_count %llu", (unsigned long long)img.inode_count);
	ok = daxfs_image_read(&img, img.total_size - 8, buf, 8) == 0 &&
	     daxfs_image_read(&img, img.total_size - 8, buf, 9) == -EUCLEAN &&
	     daxfs_image_read(&img, ~0ULL, buf, 2) == -EUCLEAN;
	tu_result(ok, "core: image_read stays inside the image", "not refused");
	ib_free(&b);
}

/* X5: stored POSIX ACLs must be what the kernel can decode. */
static void test_acl_values(void)
{
	static const struct {
		const char *what;
		u32 version, len;
		u16 tag, perm;
		const char *why;
	} cases[] = {
		{ "a well-formed ACL", 2, 4 + 4 * 8, 0x20, 4, NULL },
		{ "core: an unknown ACL version refused", 3, 4 + 4 * 8, 0x20, 4,
		  "version" },
		{ "core: an unknown ACL tag refused", 2, 4 + 4 * 8, 0x40, 4,
		  "tag" },
		{ "core: ACL permission bits past rwx refused", 2, 4 + 4 * 8,
		  0x20, 8, "tag" },
		{ "core: a partial ACL entry refused", 2, 4 + 4 * 8 - 3, 0x20, 4,
		  "whole" },
	};

	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct daxfs_acl_entry e[4] = {
			{ htole16(DAXFS_ACL_USER_OBJ), htole16(7), 0 },
			{ htole16(DAXFS_ACL_USER), htole16(5), htole32(1234) },
			{ htole16(DAXFS_ACL_GROUP_OBJ), htole16(5), 0 },
			{ htole16(cases[c].tag), htole16(cases[c].perm), 0 },
		};
		u8 value[4 + sizeof(e)];
		struct daxfs_image img;
		struct ib b;
		u32 f;
		int ret;

		memcpy(value, &(__le32){ htole32(cases[c].version) }, 4);
		memcpy(value + 4, e, sizeof(e));
		ib_init(&b);
		f = ib_file(&b, 1, "f", "x", 1);
		ib_xattr(&b, f, "system.posix_acl_access", value, cases[c].len);
		ib_build(&b);
		ret = open_validate(&img, &b, 0);
		if (!cases[c].why)
			tu_result(!ret, "core: a well-formed ACL validates",
				  "ret %d: %s", ret, tu_first(&rep));
		else
			tu_result(ret == -EUCLEAN && tu_has(&rep, "ACL") &&
				  tu_has(&rep, cases[c].why),
				  cases[c].what, "ret %d: %s", ret,
				  tu_first(&rep));
		ib_free(&b);
	}
}

/* A 20,000-entry directory: lookup of every name. */
static void test_big_dir(void)
{
	struct daxfs_dirent_info de;
	struct daxfs_image img;
	struct ib b;
	char name[32];
	int ok = 1, ret;

	ib_init(&b);
	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "f%07d", (i * 7919) % 20000);
		ib_special(&b, 1, name, DAXFS_S_IFIFO | 0644, 0, 0);
	}
	ib_build(&b);
	ret = open_validate(&img, &b, 0);
	tu_result(!ret, "core: 20000-entry directory validates", "%s",
		  tu_first(&rep));
	for (int i = 0; i < 20000 && ok; i++) {
		snprintf(name, sizeof(name), "f%07d", i);
		if (lookup(&img, 1, name, &de))
			ok = 0;
	}
	tu_result(ok, "core: 20000-entry directory lookups", "missing");
	ib_free(&b);
}

/* Deep and wide: 150 levels plus 100,000 directories; no recursion. */
static long yields, stop_after;

static int yield_hook(void)
{
	yields++;
	return stop_after && yields >= stop_after ? -EINTR : 0;
}

/* SEEK_HOLE over 10,000 back-to-back extents: bounded, yields, stops. */
static void test_seek_yields(void)
{
	static struct ib_ext ext[10000];
	struct daxfs_inode_info in;
	struct daxfs_image img;
	struct ib b;
	u64 at = 0;
	u32 f;
	int ret;

	for (u32 i = 0; i < 10000; i++)
		ext[i] = (struct ib_ext){ i, 1, (u8)(i | 1) };
	ib_init(&b);
	f = ib_sparse(&b, 1, "runs", 10000 * 4096ULL, ext, 10000);
	ib_build(&b);
	open_validate(&img, &b, 0);
	daxfs_inode_read(&img, f, &in);
	yields = stop_after = 0;
	daxfs_yield_hook = yield_hook;
	ret = daxfs_file_seek(&img, &in, 0, false, &at);
	tu_result(!ret && at == 10000 && yields >= 2,
		  "core: SEEK_HOLE across 10000 extents yields and finds EOF",
		  "ret %d at %llu, %ld yields", ret, (unsigned long long)at,
		  yields);
	yields = 0;
	stop_after = 1;
	ret = daxfs_file_seek(&img, &in, 0, false, &at);
	tu_result(ret == -EINTR, "core: a yield that says stop ends SEEK_HOLE",
		  "ret %d", ret);
	daxfs_yield_hook = NULL;
	ib_free(&b);
}

/* The validator yields as it goes over a big image, and can be stopped. */
static void test_yields(const struct daxfs_image *img)
{
	int ret;

	yields = stop_after = 0;
	daxfs_yield_hook = yield_hook;
	ret = daxfs_validate(img, 0, tu_collect, &rep);
	tu_result(!ret && yields >= 100000 / 4096,
		  "core: the validator yields while it checks 100150 inodes",
		  "ret %d, %ld yields", ret, yields);
	yields = 0;
	stop_after = 3;
	tu_reset(&rep);
	ret = daxfs_validate(img, 0, tu_collect, &rep);
	tu_result(ret == -EINTR && yields == 3 && tu_has(&rep, "interrupted"),
		  "core: a yield that says stop ends validation (-EINTR)",
		  "ret %d after %ld yields: %s", ret, yields, tu_first(&rep));
	daxfs_yield_hook = NULL;
}

static void test_deep_tree(void)
{
	struct daxfs_dirent_info de;
	struct daxfs_image img;
	struct ib b;
	u32 d = 1, deepest;
	char name[32];
	int ret, ok = 1;

	ib_init(&b);
	for (int i = 0; i < 150; i++)
		d = ib_dir(&b, d, "deeper");
	deepest = d;
	for (int i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "w%d", i);
		if (i < 1000)
			ib_dir(&b, 1, name);
		else
			ib_dir(&b, 152 + (u32)(i % 1000), name);
	}
	ib_build(&b);
	ret = open_validate(&img, &b, DAXFS_VALIDATE_ALL);
	tu_result(!ret && !rep.n,
		  "core: 150-level, 100000-directory tree validates",
		  "ret %d: %s", ret, tu_first(&rep));
	d = 1;
	for (int i = 0; i < 150 && ok; i++) {
		if (lookup(&img, d, "deeper", &de))
			ok = 0;
		d = (u32)de.ino;
	}
	tu_result(ok && d == deepest, "core: walk down 150 levels", "stopped");
	test_yields(&img);
	ib_free(&b);
}

/* ---- records ---- */

#define PIECES(...)	((const struct daxfs_rec_piece[]){ __VA_ARGS__ })
#define NPIECES(...)	(sizeof(PIECES(__VA_ARGS__)) / sizeof(struct daxfs_rec_piece))
#define REC(type, fixed, ...) \
	rec_roundtrip(type, &(fixed), sizeof(fixed), PIECES(__VA_ARGS__), \
		      NPIECES(__VA_ARGS__))

static u8 rec_buf[1024] __attribute__((aligned(8)));

/* Encode, decode, compare: 0, or which step failed. */
static int rec_roundtrip(u16 type, const void *fixed, u32 flen,
			 const struct daxfs_rec_piece *tail, u32 ntail)
{
	struct daxfs_rec_view v;
	u32 tlen = 0;
	int len;

	len = daxfs_rec_encode(rec_buf, sizeof(rec_buf), type,
			       DAXFS_REC_TXN_END, 4096 + 8, 7, fixed, flen,
			       tail, ntail);
	if (len < 0 || len % DAXFS_REC_ALIGN)
		return -1;
	if (daxfs_rec_decode(rec_buf, (u64)len, &v))
		return -2;
	for (u32 i = 0; i < ntail; i++)
		tlen += tail[i].len;
	if (v.type != type || v.flags != DAXFS_REC_TXN_END ||
	    v.lsn != 4096 + 8 || v.ino != 7 || v.len != (u32)len ||
	    v.payload_len != (u32)len - sizeof(struct daxfs_rec_header) ||
	    v.payload_len < flen + tlen || memcmp(v.payload, fixed, flen))
		return -3;
	for (u32 i = 0, at = flen; i < ntail; at += tail[i++].len)
		if (tail[i].len && memcmp(v.payload + at, tail[i].p, tail[i].len))
			return -4;
	return 0;
}

/* Sample fixed parts, one per record type. */
static struct daxfs_rec_inode r_inode;
static struct daxfs_rec_free r_free;
static struct daxfs_rec_dirent r_add, r_del;
static struct daxfs_rec_map r_map, r_punch;
static struct daxfs_rec_truncate r_trunc;
static struct daxfs_rec_xattr r_xset, r_xdel;
static struct daxfs_rec_checkpoint r_ckpt;
static struct daxfs_rec_pad r_pad;

static void rec_samples(void)
{
	r_inode.mode = htole32(0120777);
	r_inode.nlink = htole32(1);
	r_inode.flags = htole32(DAXFS_RI_NEW);
	r_inode.target_len = htole32(5);
	r_inode.size = htole64(5);
	r_add.child = htole64(9);
	r_add.cookie = htole64(40);
	r_add.name_len = htole16(4);
	r_add.type = DAXFS_FT_REG;
	r_del.name_len = htole16(4);
	r_map.pgoff = htole64(1);
	r_map.npages = htole64(2);
	r_map.pgno = htole64(17);
	r_punch = r_map;
	r_punch.pgno = 0;
	r_trunc.pages = htole64(3);
	r_xset.value_len = htole32(3);
	r_xset.name_len = 6;
	r_xdel.name_len = 6;
	r_ckpt.records = htole64(12);
}

static void test_record_types(void)
{
	static const u8 zeros[40];
	int ok;

	rec_samples();
	ok = !REC(DAXFS_REC_INODE, r_inode, { "t/a/r", 5 }) &&
	     !REC(DAXFS_REC_INODE_FREE, r_free, { NULL, 0 }) &&
	     !REC(DAXFS_REC_DIRENT_ADD, r_add, { "name", 4 }) &&
	     !REC(DAXFS_REC_DIRENT_DEL, r_del, { "na", 2 }, { "me", 2 }) &&
	     !REC(DAXFS_REC_MAP, r_map, { NULL, 0 }) &&
	     !REC(DAXFS_REC_PUNCH, r_punch, { NULL, 0 }) &&
	     !REC(DAXFS_REC_TRUNCATE, r_trunc, { NULL, 0 }) &&
	     !REC(DAXFS_REC_XATTR_SET, r_xset, { "user.a", 6 }, { "XYZ", 3 }) &&
	     !REC(DAXFS_REC_XATTR_DEL, r_xdel, { "user.a", 6 }) &&
	     !REC(DAXFS_REC_CHECKPOINT, r_ckpt, { NULL, 0 }) &&
	     !REC(DAXFS_REC_PAD, r_pad, { zeros, sizeof(zeros) });
	tu_result(ok, "core: record encode/decode round trip, every type",
		  "failed");
	for (u16 t = 1; t <= DAXFS_REC_TYPE_MAX; t++)
		if (!daxfs_rec_fixed_size(t))
			ok = 0;
	tu_result(ok && !daxfs_rec_fixed_size(0) &&
		  !daxfs_rec_fixed_size(DAXFS_REC_TYPE_MAX + 1) &&
		  daxfs_rec_fixed_size(DAXFS_REC_INODE) ==
		  sizeof(struct daxfs_rec_inode),
		  "core: record fixed part sizes", "wrong");
}

/* Encodings the encoder must refuse. */
static void test_record_encode_refuses(void)
{
	struct daxfs_rec_piece name = { "name", 4 }, abc = { "abc", 3 };
	struct daxfs_rec_piece nul = { "t\0r", 3 }, none = { NULL, 4 };
	struct daxfs_rec_piece bad_ns = { "other.", 6 };
	struct daxfs_rec_dirent d = r_del;
	struct daxfs_rec_inode in = r_inode;
	struct daxfs_rec_map m = r_punch;
	struct daxfs_rec_xattr x = r_xdel;
	u8 *b = rec_buf;
	u32 cap = sizeof(rec_buf);
	int ok;

	ok = daxfs_rec_encode(b, 40, DAXFS_REC_MAP, 0, 0, 1, &r_map,
			      sizeof(r_map), NULL, 0) == -ENOSPC;
	ok = ok && daxfs_rec_encode(b, cap, 0, 0, 0, 1, &r_map, sizeof(r_map),
				    NULL, 0) == -EINVAL;
	ok = ok && daxfs_rec_encode(b, cap, DAXFS_REC_TYPE_MAX + 1, 0, 0, 1,
				    &r_map, sizeof(r_map), NULL, 0) == -EINVAL;
	ok = ok && daxfs_rec_encode(b, cap, DAXFS_REC_MAP, 0, 0, 1, &r_map, 8,
				    NULL, 0) == -EINVAL;
	ok = ok && daxfs_rec_encode(b, cap, DAXFS_REC_MAP, 2, 0, 1, &r_map,
				    sizeof(r_map), NULL, 0) == -EINVAL;
	tu_result(ok, "core: record encode refuses bad type, size, flags, room",
		  "accepted");
	ok = daxfs_rec_encode(b, cap, DAXFS_REC_DIRENT_ADD, 0, 0, 1, &r_add,
			      sizeof(r_add), &abc, 1) == -EINVAL &&
	     daxfs_rec_encode(b, cap, DAXFS_REC_DIRENT_ADD, 0, 0, 1, &r_add,
			      sizeof(r_add), &none, 1) == -EINVAL;
	d.child = htole64(3);
	ok = ok && daxfs_rec_encode(b, cap, DAXFS_REC_DIRENT_DEL, 0, 0, 1, &d,
				    sizeof(d), &name, 1) == -EINVAL;
	m.pgno = htole64(5);
	ok = ok && daxfs_rec_encode(b, cap, DAXFS_REC_PUNCH, 0, 0, 1, &m,
				    sizeof(m), NULL, 0) == -EINVAL;
	m = r_map;
	m.npages = 0;
	ok = ok && daxfs_rec_encode(b, cap, DAXFS_REC_MAP, 0, 0, 1, &m,
				    sizeof(m), NULL, 0) == -EINVAL;
	ok = ok && daxfs_rec_encode(b, cap, DAXFS_REC_XATTR_DEL, 0, 0, 1, &x,
				    sizeof(x), &bad_ns, 1) == -EINVAL;
	x.value_len = htole32(1);
	ok = ok && daxfs_rec_encode(b, cap, DAXFS_REC_XATTR_DEL, 0, 0, 1, &x,
				    sizeof(x), &bad_ns, 1) == -EINVAL;
	in.target_len = htole32(3);
	ok = ok && daxfs_rec_encode(b, cap, DAXFS_REC_INODE, 0, 0, 1, &in,
				    sizeof(in), &nul, 1) == -EINVAL;
	in.flags = htole32(2);
	ok = ok && daxfs_rec_encode(b, cap, DAXFS_REC_INODE, 0, 0, 1, &in,
				    sizeof(in), &abc, 1) == -EINVAL;
	tu_result(ok, "core: record encode refuses parts that do not match",
		  "accepted");
}

/* A good DIRENT_ADD "name" record (64 bytes) in rec_buf; its length. */
static int good_dirent(void)
{
	struct daxfs_rec_piece name = { "name", 4 };

	return daxfs_rec_encode(rec_buf, sizeof(rec_buf), DAXFS_REC_DIRENT_ADD,
				0, 8, 2, &r_add, sizeof(r_add), &name, 1);
}

static void test_record_decode(void)
{
	static const struct {
		const char *what;
		u32 at, size;
		u64 value;
	} bad[] = {
		{ "magic", 0, 4, 0x12345678 },
		{ "type 0", 4, 2, 0 },
		{ "type past the last", 4, 2, DAXFS_REC_TYPE_MAX + 1 },
		{ "flags", 6, 2, 2 },
		{ "len unaligned", 8, 4, 60 },
		{ "len < header", 8, 4, 24 },
		{ "len < header + fixed", 8, 4, 48 },
		{ "len huge", 8, 4, 0x10000000 },
		{ "crc", 12, 4, 0 },
		{ "lsn (crc)", 16, 8, 99 },
		{ "ino (crc)", 24, 8, 3 },
		{ "name byte (crc)", 58, 1, 'X' },
		{ "padding byte (crc)", 62, 1, 1 },
	};
	struct daxfs_rec_view v;
	u8 good[64];
	int len = good_dirent(), ok;

	ok = len == 64 && !daxfs_rec_decode(rec_buf, (u64)len, &v) &&
	     v.lsn == 8 && v.flags == 0 &&
	     daxfs_rec_decode(rec_buf, (u64)len - 8, &v) == -EUCLEAN &&
	     daxfs_rec_decode(rec_buf, 31, &v) == -EUCLEAN &&
	     daxfs_rec_decode(rec_buf + 8, (u64)len, &v) == -EUCLEAN;
	tu_result(ok, "core: record decode needs the whole record",
		  "len %d", len);
	daxfs_rec_seal(rec_buf, 123456, DAXFS_REC_TXN_END);
	ok = !daxfs_rec_decode(rec_buf, 64, &v) && v.lsn == 123456 &&
	     v.flags == DAXFS_REC_TXN_END;
	tu_result(ok, "core: record seal sets LSN, flags and CRC", "lsn %llu",
		  (unsigned long long)v.lsn);
	memcpy(good, rec_buf, sizeof(good));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[96];
		u64 le = htole64(bad[i].value);

		memcpy(rec_buf, good, sizeof(good));
		memcpy(rec_buf + bad[i].at, &le, bad[i].size);
		snprintf(name, sizeof(name), "core: record decode refuses bad %s",
			 bad[i].what);
		tu_result(daxfs_rec_decode(rec_buf, sizeof(good), &v) == -EUCLEAN,
			  name, "accepted");
	}
}

/*
 * Records whose CRC is right (re-sealed) but whose fixed part announces
 * something wrong: decode refuses each.
 */
static void reseal_refused(const char *what, u32 at, const void *val,
			   u32 size)
{
	struct daxfs_rec_view v;
	char name[128];

	memcpy(rec_buf + at, val, size);
	daxfs_rec_seal(rec_buf, 0, 0);
	snprintf(name, sizeof(name), "core: record decode refuses %s", what);
	tu_result(daxfs_rec_decode(rec_buf, sizeof(rec_buf), &v) == -EUCLEAN,
		  name, "accepted");
}

static void test_record_parts(void)
{
	const u32 h = sizeof(struct daxfs_rec_header);
	struct daxfs_rec_piece xp[2] = { { "user.a", 6 }, { "XYZ", 3 } };
	struct daxfs_rec_piece tp = { "t/a/r", 5 };
	static const u8 zeros[24];
	struct daxfs_rec_piece zp = { zeros, sizeof(zeros) };
	__le16 l16;
	__le32 l32;
	__le64 l64;
	u8 b;

	good_dirent();
	l16 = htole16(300);
	reseal_refused("a name longer than DAXFS_NAME_MAX", h + 16, &l16, 2);
	good_dirent();
	l16 = htole16(12);
	reseal_refused("a name past the record's end", h + 16, &l16, 2);
	good_dirent();
	b = '/';
	reseal_refused("a '/' in an entry name", h + 24, &b, 1);
	good_dirent();
	b = 1;
	reseal_refused("a dirent's pad not zero", h + 19, &b, 1);
	good_dirent();
	b = 1;
	reseal_refused("padding after the name not zero", 62, &b, 1);
	good_dirent();
	l16 = htole16(DAXFS_REC_DIRENT_DEL);
	reseal_refused("DIRENT_DEL with a child", 4, &l16, 2);

	daxfs_rec_encode(rec_buf, sizeof(rec_buf), DAXFS_REC_XATTR_SET, 0, 0, 1,
			 &r_xset, sizeof(r_xset), xp, 2);
	l32 = htole32(100);
	reseal_refused("an xattr value past the record's end", h, &l32, 4);
	daxfs_rec_encode(rec_buf, sizeof(rec_buf), DAXFS_REC_XATTR_SET, 0, 0, 1,
			 &r_xset, sizeof(r_xset), xp, 2);
	l32 = htole32(DAXFS_XATTR_VALUE_MAX + 1);
	reseal_refused("an xattr value over DAXFS_XATTR_VALUE_MAX", h, &l32, 4);
	daxfs_rec_encode(rec_buf, sizeof(rec_buf), DAXFS_REC_XATTR_SET, 0, 0, 1,
			 &r_xset, sizeof(r_xset), xp, 2);
	b = 0;
	reseal_refused("an xattr name of 0 bytes", h + 4, &b, 1);
	daxfs_rec_encode(rec_buf, sizeof(rec_buf), DAXFS_REC_XATTR_SET, 0, 0, 1,
			 &r_xset, sizeof(r_xset), xp, 2);
	b = 'x';
	reseal_refused("an xattr name without a known namespace", h + 8, &b, 1);

	daxfs_rec_encode(rec_buf, sizeof(rec_buf), DAXFS_REC_INODE, 0, 0, 1,
			 &r_inode, sizeof(r_inode), &tp, 1);
	l32 = htole32(4000);
	reseal_refused("an inode target past the record's end", h + 20, &l32,
		       4);
	daxfs_rec_encode(rec_buf, sizeof(rec_buf), DAXFS_REC_INODE, 0, 0, 1,
			 &r_inode, sizeof(r_inode), &tp, 1);
	l32 = htole32(4);
	reseal_refused("unknown inode record flags", h + 16, &l32, 4);
	daxfs_rec_encode(rec_buf, sizeof(rec_buf), DAXFS_REC_INODE, 0, 0, 1,
			 &r_inode, sizeof(r_inode), &tp, 1);
	b = 0;
	reseal_refused("a NUL in a symlink target", h + 88 + 2, &b, 1);

	daxfs_rec_encode(rec_buf, sizeof(rec_buf), DAXFS_REC_MAP, 0, 0, 1,
			 &r_map, sizeof(r_map), NULL, 0);
	l64 = 0;
	reseal_refused("a MAP of 0 pages", h + 8, &l64, 8);
	daxfs_rec_encode(rec_buf, sizeof(rec_buf), DAXFS_REC_PUNCH, 0, 0, 1,
			 &r_punch, sizeof(r_punch), NULL, 0);
	l64 = htole64(3);
	reseal_refused("a PUNCH with a page number", h + 16, &l64, 8);
	daxfs_rec_encode(rec_buf, sizeof(rec_buf), DAXFS_REC_INODE_FREE, 0, 0,
			 1, &r_free, sizeof(r_free), NULL, 0);
	l64 = htole64(1);
	reseal_refused("an INODE_FREE's reserved field set", h, &l64, 8);
	daxfs_rec_encode(rec_buf, sizeof(rec_buf), DAXFS_REC_PAD, 0, 0, 0,
			 &r_pad, sizeof(r_pad), &zp, 1);
	b = 7;
	reseal_refused("a PAD record that is not zeros", h + 8 + 5, &b, 1);
}

static void test_records(void)
{
	test_record_types();
	test_record_encode_refuses();
	test_record_decode();
	test_record_parts();
}

int main(void)
{
	test_sample_valid();
	test_inodes();
	test_dirs();
	test_files();
	test_symlinks_xattrs();
	test_changed_region();
	test_copied_checks();
	test_seek_yields();
	test_acl_values();
	test_big_dir();
	test_deep_tree();
	test_records();
	return tu_failed ? 1 : 0;
}

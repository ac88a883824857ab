// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mkdaxfs_probe: a small, independent reader used by tests/host/mkdaxfs.sh
 * to assert what mkdaxfs wrote.  Reads an image file through libdaxfs.
 *
 *   mkdaxfs_probe IMG           one line per path, depth first, sorted:
 *                               PATH ino= mode= nlink= uid= gid= size=
 *                               mtime=S.N rdev=M:m ext=PGOFF+N,...
 *                               target=... xattr=NAME=HEX,...
 *   mkdaxfs_probe IMG super     superblock, branch slot 0, delta header,
 *                               main's log (empty after mkdaxfs)
 *   mkdaxfs_probe IMG cat PATH  file content (holes as zeros)
 *
 * Exit 0, or 1 with a message on a bad image.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daxfs_core.h"

static struct daxfs_image img;

static void fail(const char *what)
{
	fprintf(stderr, "mkdaxfs_probe: %s\n", what);
	exit(1);
}

static void report(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "mkdaxfs_probe: %s\n", msg);
}

static void put_bytes(const void *bytes, u32 len)
{
	const u8 *p = bytes;

	for (u32 i = 0; i < len; i++) {
		if (p[i] > ' ' && p[i] < 0x7f && p[i] != '\\')
			putchar(p[i]);
		else
			printf("\\x%02x", p[i]);
	}
}

static void print_inode(const char *path, u64 ino)
{
	struct daxfs_inode_info in;
	struct daxfs_xattr_info x;

	if (daxfs_inode_read(&img, ino, &in))
		fail("bad inode");
	printf("%s ino=%llu mode=0%o nlink=%u uid=%u gid=%u size=%llu "
	       "mtime=%lld.%09u atime=%lld.%09u rdev=%u:%u", path,
	       (unsigned long long)ino, in.mode, in.nlink, in.uid, in.gid,
	       (unsigned long long)in.size, (long long)in.mtime_sec,
	       in.mtime_nsec, (long long)in.atime_sec, in.atime_nsec,
	       in.rdev_major, in.rdev_minor);
	if ((in.mode & DAXFS_S_IFMT) == DAXFS_S_IFREG) {
		u64 pg = 0, off, n;

		printf(" ext=");
		while (pg * DAXFS_BLOCK_SIZE < in.size) {
			int r = daxfs_file_map(&img, &in, pg, &off, &n);

			if (r < 0 || !n)
				fail("bad extent");
			if (r == 0)
				printf("%llu+%llu,", (unsigned long long)pg,
				       (unsigned long long)n);
			pg += n;
		}
	}
	if ((in.mode & DAXFS_S_IFMT) == DAXFS_S_IFLNK) {
		char t[DAXFS_SYMLINK_MAX + 1];
		int len = daxfs_symlink_read(&img, &in, t, sizeof(t));

		if (len < 0)
			fail("bad symlink");
		printf(" target=");
		put_bytes(t, (u32)len);
	}
	printf(" xattr=");
	for (u32 i = 0; i < in.xattr_count; i++) {
		static u8 value[DAXFS_XATTR_VALUE_MAX];

		if (daxfs_xattr_entry(&img, &in, i, &x) ||
		    daxfs_xattr_value(&img, &x, value, sizeof(value)) < 0)
			fail("bad xattr");
		put_bytes(x.name, x.name_len);
		putchar('=');
		for (u32 j = 0; j < x.value_len; j++)
			printf("%02x", value[j]);
		putchar(',');
	}
	putchar('\n');
}

static void walk(const char *path, u64 ino)
{
	struct daxfs_inode_info dir;
	struct daxfs_dirent_info de;

	print_inode(path, ino);
	if (daxfs_inode_read(&img, ino, &dir))
		fail("bad inode");
	if ((dir.mode & DAXFS_S_IFMT) != DAXFS_S_IFDIR)
		return;
	for (u64 i = 0; daxfs_dir_entry(&img, &dir, i, &de) == 0; i++) {
		size_t len = strlen(path) + 4 * de.name_len + 2;
		char *child = malloc(len), *p;

		if (!child)
			fail("out of memory");
		p = child + sprintf(child, "%s/", path);
		for (u32 j = 0; j < de.name_len; j++) {
			u8 c = de.name[j];

			if (c > ' ' && c < 0x7f && c != '\\')
				*p++ = c;
			else
				p += sprintf(p, "\\x%02x", c);
		}
		*p = '\0';
		walk(child, de.ino);
		free(child);
	}
}

static void cat(const char *path)
{
	struct daxfs_inode_info in;
	struct daxfs_dirent_info de;
	char *copy = strdup(path), *save = NULL, *name;
	u64 ino = DAXFS_ROOT_INO, pg = 0, off, n;

	for (name = strtok_r(copy, "/", &save); name;
	     name = strtok_r(NULL, "/", &save)) {
		if (daxfs_inode_read(&img, ino, &in) ||
		    daxfs_dir_lookup(&img, &in, (const u8 *)name,
				     strlen(name), &de))
			fail("no such file");
		ino = de.ino;
	}
	if (daxfs_inode_read(&img, ino, &in))
		fail("bad inode");
	while (pg * DAXFS_BLOCK_SIZE < in.size) {
		int r = daxfs_file_map(&img, &in, pg, &off, &n);
		u64 start = pg * DAXFS_BLOCK_SIZE;
		u64 len = n * DAXFS_BLOCK_SIZE;

		if (r < 0 || !n)
			fail("bad extent");
		if (len > in.size - start)
			len = in.size - start;
		for (u64 i = 0; i < len; i++)
			putchar(r == 0 ? img.base[off + i] : 0);
		pg += n;
	}
	free(copy);
}

static void delta(void);

static void super(void)
{
	const struct daxfs_super *s = (const void *)img.base;

	printf("total_size=%llu\n", (unsigned long long)img.total_size);
	printf("feat_incompat=%llu\n", (unsigned long long)img.feat_incompat);
	printf("inode_count=%llu\n", (unsigned long long)img.inode_count);
	printf("data_size=%llu\n", (unsigned long long)img.data_size);
	printf("branch_count=%u\n", img.branch_count);
	printf("delta_off=%llu\n", (unsigned long long)img.delta_off);
	printf("delta_size=%llu\n", (unsigned long long)img.delta_size);
	printf("build_time=%llu\n",
	       (unsigned long long)le64_to_cpu(s->build_time));
	if (img.branch_count) {
		const struct daxfs_branch *b =
			(const void *)(img.base + img.branch_off);

		printf("branch0=%.32s state=%u parent=%x log_id_set=%d "
		       "log_head=%llu log_tail=%llu crc_ok=%d\n", b->name,
		       le32_to_cpu(b->state), le32_to_cpu(b->parent),
		       b->log_id != 0,
		       (unsigned long long)le64_to_cpu(b->log_head),
		       (unsigned long long)le64_to_cpu(b->log_tail),
		       le32_to_cpu(b->crc) == daxfs_branch_crc(b));
		printf("branch1_state=%u\n", le32_to_cpu(b[1].state));
	}
	if (img.delta_size)
		delta();
}

/* The delta header as daxfs_delta_open() decodes it, and main's log. */
static void delta(void)
{
	const struct daxfs_delta_super *d =
		(const void *)(img.base + img.delta_off);
	struct daxfs_log_reader r;
	struct daxfs_log_span span;
	struct daxfs_rec_view rec;
	struct daxfs_alloc a;
	u64 next_ino;
	int ret;

	printf("delta_magic_ok=%d\n",
	       le64_to_cpu(d->magic) == DAXFS_DELTA_MAGIC);
	if (daxfs_delta_open(&img, report, NULL) ||
	    daxfs_alloc_init(&a, &img))
		fail("bad delta region");
	next_ino = daxfs_word_load(&img, img.delta.shared_off +
				   offsetof(struct daxfs_shared, next_ino));
	printf("delta page_count=%llu free_pages=%llu first_page=%llu "
	       "groups=%u first_ino=%llu next_ino=%llu\n",
	       (unsigned long long)img.delta.page_count,
	       (unsigned long long)daxfs_alloc_free(&a),
	       (unsigned long long)le64_to_cpu(d->first_page),
	       img.delta.group_count,
	       (unsigned long long)img.delta.first_ino,
	       (unsigned long long)next_ino);
	if (daxfs_log_span(&img, 0, &span) ||
	    daxfs_log_reader_init(&r, &img, &span))
		fail("bad main log");
	ret = daxfs_log_next(&r, &rec, report, NULL);
	daxfs_log_reader_release(&r);
	printf("main_log head=%llu tail=%llu records=%s\n",
	       (unsigned long long)span.head, (unsigned long long)span.tail,
	       ret == 0 ? "none" : ret > 0 ? "some" : "damaged");
}

int main(int argc, char **argv)
{
	struct stat st;
	void *base;
	int fd;

	if (argc < 2)
		fail("usage: mkdaxfs_probe IMG [super | cat PATH]");
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0)
		fail("cannot open image");
	base = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		fail("cannot map image");
	if (daxfs_image_open(&img, base, st.st_size, report, NULL))
		fail("not a valid image");
	if (argc == 2)
		walk(".", DAXFS_ROOT_INO);
	else if (!strcmp(argv[2], "super"))
		super();
	else if (!strcmp(argv[2], "cat") && argc == 4)
		cat(argv[3]);
	else
		fail("unknown command");
	return 0;
}

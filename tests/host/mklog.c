// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mklog: write a hand-made log for branch "main" into a branching image
 * (mkdaxfs -b), so that `daxfs-inspect log` can be tested before a
 * kernel writer exists.  Two chained chunks, one record of every type.
 *
 *   mklog IMAGE good	 valid log
 *   mklog IMAGE badrec	 the fifth record's name damaged (bad crc)
 *   mklog IMAGE cycle	 the second chunk links back to the first and the
 *			 tail lies nowhere in the chain
 *
 * The chunk header's crc is CRC32C of the 32-byte header with crc as 0.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "daxfs_core.h"

static u8 *base;
static u64 delta;		/* region offset of the delta region */

static void die2(const char *msg)
{
	fprintf(stderr, "mklog: %s\n", msg);
	exit(2);
}

static void put_chunk(u64 off, u64 next, u64 gen)
{
	struct daxfs_log_chunk c = {
		.magic = cpu_to_le64(DAXFS_CHUNK_MAGIC),
		.next = cpu_to_le64(next),
		.branch = 0,
		.generation = cpu_to_le64(gen),
	};

	memset(base + delta + off, 0, DAXFS_CHUNK_SIZE);
	c.crc = cpu_to_le32(daxfs_crc32c(&c, sizeof(c)));
	memcpy(base + delta + off, &c, sizeof(c));
}

static u64 put_rec(u64 pos, u16 type, u64 seq, u64 ino, const void *fixed,
		   u32 flen, const void *tail, u32 tlen)
{
	int n = daxfs_rec_encode(base + delta + pos, DAXFS_REC_MAX, type, seq,
				 ino, fixed, flen, tail, tlen);

	if (n < 0)
		die2("daxfs_rec_encode failed");
	return pos + (u64)n;
}

int main(int argc, char **argv)
{
	struct daxfs_delta_super ds;
	struct daxfs_image img;
	struct daxfs_branch *b;
	struct stat st;
	u64 c1, c2, pos, gen;
	int fd;

	if (argc != 3)
		die2("usage: mklog IMAGE good|badrec|cycle");
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || fstat(fd, &st) < 0)
		die2("cannot open image");
	base = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
	if (base == MAP_FAILED)
		die2("mmap failed");
	if (daxfs_image_open(&img, base, st.st_size, NULL, NULL) ||
	    !img.branch_count || !img.delta_size)
		die2("not a branching image");
	delta = img.delta_off;
	memcpy(&ds, base + delta, sizeof(ds));
	c1 = (le64_to_cpu(ds.first_page) + DAXFS_CHUNK_SIZE - 1) &
	     ~(u64)(DAXFS_CHUNK_SIZE - 1);
	c2 = c1 + DAXFS_CHUNK_SIZE;
	if (c2 + DAXFS_CHUNK_SIZE > img.delta_size)
		die2("delta region too small");
	b = (struct daxfs_branch *)(base + img.branch_off);
	gen = le64_to_cpu(b->generation);

	struct daxfs_rec_inode ri = {
		.mode = cpu_to_le32(DAXFS_S_IFLNK | 0777),
		.nlink = cpu_to_le32(1), .size = cpu_to_le64(6),
		.target_len = cpu_to_le32(6),
	};
	struct daxfs_rec_dentry rd = {
		.child = cpu_to_le64(100), .name_len = cpu_to_le16(5),
		.type = DAXFS_FT_LNK,
	};
	struct daxfs_rec_write rw = {
		.pgoff = cpu_to_le64(3), .npages = cpu_to_le64(2),
		.off = cpu_to_le64(c2 + DAXFS_CHUNK_SIZE),
		.size = cpu_to_le64(20000),
	};
	struct daxfs_rec_truncate rt = { .size = cpu_to_le64(4096) };
	struct daxfs_rec_xattr rx = {
		.value_len = cpu_to_le32(3), .name_len = 8,
	};
	struct daxfs_rec_rename rr = {
		.new_dir = cpu_to_le64(1), .child = cpu_to_le64(100),
		.old_len = cpu_to_le16(5), .new_len = cpu_to_le16(5),
	};

	put_chunk(c1, c2, gen);
	pos = c1 + sizeof(struct daxfs_log_chunk);
	pos = put_rec(pos, DAXFS_REC_INODE, 1, 100, &ri, sizeof(ri),
		      "target", 6);
	pos = put_rec(pos, DAXFS_REC_DENTRY_ADD, 2, 1, &rd, sizeof(rd),
		      "hello", 5);
	pos = put_rec(pos, DAXFS_REC_WRITE, 3, 100, &rw, sizeof(rw), NULL, 0);
	pos = put_rec(pos, DAXFS_REC_TRUNCATE, 4, 100, &rt, sizeof(rt),
		      NULL, 0);
	put_chunk(c2, strcmp(argv[2], "cycle") ? 0 : c1, gen);
	pos = c2 + sizeof(struct daxfs_log_chunk);
	pos = put_rec(pos, DAXFS_REC_XATTR_SET, 5, 100, &rx, sizeof(rx),
		      "user.foobar", 11);
	if (!strcmp(argv[2], "badrec"))
		base[delta + c2 + sizeof(struct daxfs_log_chunk) + 40] ^= 0x55;
	rx.value_len = 0;
	pos = put_rec(pos, DAXFS_REC_XATTR_DEL, 6, 100, &rx, sizeof(rx),
		      "user.foo", 8);
	pos = put_rec(pos, DAXFS_REC_RENAME, 7, 1, &rr, sizeof(rr),
		      "helloworld", 10);
	pos = put_rec(pos, DAXFS_REC_DENTRY_DEL, 8, 1, &rd, sizeof(rd),
		      "world", 5);
	b->log_head = cpu_to_le64(c1);
	b->log_tail = cpu_to_le64(strcmp(argv[2], "cycle") ? pos :
				  img.delta_size - 8);
	b->log_seq = cpu_to_le64(9);
	if (msync(base, st.st_size, MS_SYNC) < 0)
		die2("msync failed");
	return 0;
}

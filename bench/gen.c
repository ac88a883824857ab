// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * gen: the benchmark's data, made on the host (bench/mkdata.sh), the same
 * bytes and names on every machine for the same arguments.
 *
 *   gen big FILE SIZE SEED          SIZE bytes of pseudo-random data
 *   gen src DIR FILES DIRS SEED     FILES source-like text files spread over
 *                                   DIRS directories (256 B to 16 KiB)
 *   gen tree DIR TOP SUB FILES      TOP x SUB directories of FILES empty
 *                                   files each (the cold-stat tree)
 *   gen flat DIR N                  one directory of N empty files (lookups)
 *
 * Names follow bench.h, which the timed loops (bx.c) use to find them.
 */
#include "bench.h"

#define CHUNK	(1U << 20)

static void write_all(int fd, const void *buf, size_t n, const char *path)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			die_errno("write %s", path);
		}
		p += w;
		n -= (size_t)w;
	}
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die_errno("mkdir %s", path);
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || close(fd) < 0)
		die_errno("%s", path);
}

static int gen_big(const char *path, uint64_t size, uint64_t seed)
{
	uint64_t *buf = xmalloc(CHUNK), done = 0, st = seed;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		die_errno("%s", path);
	while (done < size) {
		size_t n = size - done < CHUNK ? (size_t)(size - done) : CHUNK;

		for (size_t i = 0; i < CHUNK / 8; i++)
			buf[i] = rnd(&st);
		write_all(fd, buf, n, path);
		done += n;
	}
	if (close(fd) < 0)
		die_errno("close %s", path);
	free(buf);
	return 0;
}

static const char *const words[] = {
	"int", "static", "const", "struct", "return", "if", "else", "for",
	"while", "unsigned", "long", "char", "void", "size_t", "buf", "len",
	"offset", "inode", "dentry", "page", "err", "flags", "count", "index",
	"node", "entry", "lock", "next", "prev", "data", "value", "key",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

/* One line of C-looking text into p (at most 120 bytes); its length. */
static size_t src_line(char *p, uint64_t *st)
{
	uint64_t r = rnd(st);
	int depth = (int)(r % 4), n;

	switch ((r >> 8) % 5) {
	case 0:
		n = sprintf(p, "%*s%s %s_%u = %s(%s, %u);\n", depth * 8, "",
			    words[(r >> 16) % NWORDS], words[(r >> 24) % NWORDS],
			    (unsigned)(r >> 32) % 100, words[(r >> 40) % NWORDS],
			    words[(r >> 48) % NWORDS], (unsigned)(r >> 56));
		break;
	case 1:
		n = sprintf(p, "%*sif (%s->%s & 0x%x)\n", depth * 8, "",
			    words[(r >> 16) % NWORDS], words[(r >> 24) % NWORDS],
			    (unsigned)(r >> 32) & 0xfff);
		break;
	case 2:
		n = sprintf(p, "%*s/* %s the %s of %s */\n", depth * 8, "",
			    words[(r >> 16) % NWORDS], words[(r >> 24) % NWORDS],
			    words[(r >> 32) % NWORDS]);
		break;
	case 3:
		n = sprintf(p, "%*sreturn %s_%s(%s);\n", depth * 8, "",
			    words[(r >> 16) % NWORDS], words[(r >> 24) % NWORDS],
			    words[(r >> 32) % NWORDS]);
		break;
	default:
		n = sprintf(p, "}\n\nstatic int %s_%u(struct %s *%s)\n{\n",
			    words[(r >> 16) % NWORDS], (unsigned)(r >> 32) % 1000,
			    words[(r >> 24) % NWORDS], words[(r >> 40) % NWORDS]);
		break;
	}
	return (size_t)n;
}

static int gen_src(const char *top, unsigned files, unsigned dirs,
		   uint64_t seed)
{
	char path[4096], rel[64];
	char *text = xmalloc(16384 + 256);
	uint64_t st = seed;

	make_dir(top);
	for (unsigned d = 0; d < dirs; d++) {
		snprintf(path, sizeof(path), "%s/d%03u", top, d);
		make_dir(path);
	}
	for (unsigned i = 0; i < files; i++) {
		/* sizes spread over 256 B .. 16 KiB, most of them small */
		uint64_t r = rnd(&st);
		size_t want = (256U << (r % 6)) + (size_t)((r >> 8) % (256U << (r % 6)));
		size_t len = 0;
		int fd;

		len += (size_t)sprintf(text, "// file %u\n#include \"d%03u.h\"\n\n",
				       i, i % dirs);
		while (len < want)
			len += src_line(text + len, &st);
		if (len > want)
			len = want;
		text[len - 1] = '\n';
		src_path(rel, sizeof(rel), i, dirs);
		snprintf(path, sizeof(path), "%s/%s", top, rel);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			die_errno("%s", path);
		write_all(fd, text, len, path);
		if (close(fd) < 0)
			die_errno("close %s", path);
	}
	free(text);
	return 0;
}

static int gen_tree(const char *top, unsigned na, unsigned nb, unsigned nf)
{
	char path[4096], rel[64];

	make_dir(top);
	for (unsigned a = 0; a < na; a++) {
		snprintf(path, sizeof(path), "%s/a%02u", top, a);
		make_dir(path);
		for (unsigned b = 0; b < nb; b++) {
			snprintf(path, sizeof(path), "%s/a%02u/b%03u", top, a, b);
			make_dir(path);
			for (unsigned f = 0; f < nf; f++) {
				tree_path(rel, sizeof(rel), a, b, f);
				snprintf(path, sizeof(path), "%s/%s", top, rel);
				touch(path);
			}
		}
	}
	return 0;
}

static int gen_flat(const char *top, unsigned n)
{
	char path[4096], name[64];

	make_dir(top);
	for (unsigned i = 0; i < n; i++) {
		flat_name(name, sizeof(name), i);
		snprintf(path, sizeof(path), "%s/%s", top, name);
		touch(path);
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: gen big FILE SIZE SEED | src DIR FILES DIRS SEED |\n"
		"           tree DIR TOP SUB FILES | flat DIR N\n");
	exit(2);
}

int main(int argc, char **argv)
{
	prog = "gen";
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "big") && argc == 5)
		return gen_big(argv[2], num(argv[3]), num(argv[4]));
	if (!strcmp(argv[1], "src") && argc == 6)
		return gen_src(argv[2], (unsigned)num(argv[3]),
			       (unsigned)num(argv[4]), num(argv[5]));
	if (!strcmp(argv[1], "tree") && argc == 6)
		return gen_tree(argv[2], (unsigned)num(argv[3]),
				(unsigned)num(argv[4]), (unsigned)num(argv[5]));
	if (!strcmp(argv[1], "flat") && argc == 4)
		return gen_flat(argv[2], (unsigned)num(argv[3]));
	usage();
}

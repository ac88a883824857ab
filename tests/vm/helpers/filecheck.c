// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * filecheck: deterministic file content and the ways of reading it.
 *
 *   filecheck gen FILE SIZE SEED   write SIZE bytes of pseudo-random data
 *   filecheck sum FILE read|mmap   print a 64-bit checksum of FILE, reading
 *                                  it with read() or through a mapping
 *   filecheck private FILE         MAP_PRIVATE write test: writing one byte
 *                                  of a private mapping copies that page
 *                                  only, and the file stays unchanged
 *   filecheck procmem FILE         /proc/self/mem (the ptrace path, as a
 *                                  debugger reads a program's text) reads
 *                                  a private and a shared mapping of FILE
 *                                  as read() does, before and after the
 *                                  pages are touched; a forced write
 *                                  through it to the read-only private
 *                                  mapping copies that page only
 *   filecheck seekmap FILE [OFF]   the data ranges lseek(SEEK_DATA /
 *                                  SEEK_HOLE) reports from OFF on, one
 *                                  "START-END" per line, then "end"
 *   filecheck hugemem FILE         /proc/self/mem on 4 MiB mappings of
 *                                  FILE (2 MiB-aligned: where PMD entries
 *                                  go): a shared one reads as read() does
 *                                  at 0 and past 2 MiB, also after the
 *                                  page table walkers (pagemap,
 *                                  clear_refs, MADV_COLD, MADV_PAGEOUT)
 *                                  went over it, and so does a private
 *                                  one, where a forced write copies that
 *                                  page only
 *   filecheck holdmap FILE         map FILE (shared), touch every page,
 *                                  print "mapped", wait for a line on
 *                                  stdin, then touch the first page again
 *                                  and print "sigbus", "read" (the bytes
 *                                  it had, up to EOF) or "changed"
 *   filecheck faults FILE          map FILE read-only (shared), read one
 *                                  byte of every page in order and print
 *                                  "PAGES FAULTS": the minor faults that
 *                                  took, which shows how much each fault
 *                                  maps (fault-around, PMD entries); the
 *                                  bytes are checked against read()
 *
 * Exit status 0 on success; on a failed check one line on stderr, exit 1.
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <setjmp.h>
#include <signal.h>
#include "common.h"

#define CHUNK	(1UL << 20)
#define PAGE	4096UL

struct sum {
	uint64_t h;
};

static void sum_bytes(struct sum *s, const unsigned char *p, size_t n)
{
	uint64_t h = s->h;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	s->h = h;
}

static int gen(const char *path, uint64_t size, uint64_t seed)
{
	uint64_t *buf = xmalloc(CHUNK), x = seed * 0x9e3779b97f4a7c15ULL + 1;
	uint64_t done = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		die_errno("%s", path);
	while (done < size) {
		size_t n = size - done < CHUNK ? size - done : CHUNK, i;

		for (i = 0; i < CHUNK / 8; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = x;
		}
		if (write(fd, buf, n) != (ssize_t)n)
			die_errno("write %s", path);
		done += n;
	}
	if (close(fd))
		die_errno("close %s", path);
	free(buf);
	return 0;
}

static int sum_read(const char *path)
{
	struct sum s = { 0xcbf29ce484222325ULL };
	unsigned char *buf = xmalloc(CHUNK);
	uint64_t total = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die_errno("%s", path);
	while ((n = read(fd, buf, CHUNK)) > 0) {
		sum_bytes(&s, buf, n);
		total += n;
	}
	if (n < 0)
		die_errno("read %s", path);
	close(fd);
	printf("%016llx %llu\n", (unsigned long long)s.h,
	       (unsigned long long)total);
	return 0;
}

static int sum_mmap(const char *path)
{
	struct sum s = { 0xcbf29ce484222325ULL };
	struct stat st;
	unsigned char *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0)
		die_errno("%s", path);
	if (st.st_size) {
		p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die_errno("mmap %s", path);
		sum_bytes(&s, p, st.st_size);
		munmap(p, st.st_size);
	}
	close(fd);
	printf("%016llx %llu\n", (unsigned long long)s.h,
	       (unsigned long long)st.st_size);
	return 0;
}

/* "Anonymous:" of the mapping that starts at @addr, in kB; -1 if absent. */
static long smaps_anon_kb(void *addr)
{
	char line[256], perms[8];
	unsigned long start, end;
	int in_vma = 0;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		die_errno("/proc/self/smaps");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) == 3)
			in_vma = start == (unsigned long)addr;
		else if (in_vma &&
			 sscanf(line, "Anonymous: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static int private_write(const char *path)
{
	unsigned char orig[3 * PAGE], *p, *q;
	long anon;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die_errno("%s", path);
	if (pread(fd, orig, sizeof(orig), 0) != (ssize_t)sizeof(orig))
		die("%s: need a file of at least 3 pages", path);
	p = mmap(NULL, sizeof(orig), PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 fd, 0);
	if (p == MAP_FAILED)
		die_errno("mmap MAP_PRIVATE %s", path);
	if (memcmp(p, orig, sizeof(orig)))
		die("private mapping differs from read() before any write");
	p[PAGE + 10] ^= 0xff;
	if (memcmp(p, orig, PAGE) || memcmp(p + 2 * PAGE, orig + 2 * PAGE,
					     PAGE))
		die("private write changed another page of the mapping");
	if (memcmp(p + PAGE, orig + PAGE, 10) ||
	    memcmp(p + PAGE + 11, orig + PAGE + 11, PAGE - 11) ||
	    p[PAGE + 10] != (orig[PAGE + 10] ^ 0xff))
		die("private write did not land as written");
	anon = smaps_anon_kb(p);
	if (anon != 4)
		die("private write made %ld kB anonymous, want 4 (one page)",
		    anon);
	q = mmap(NULL, sizeof(orig), PROT_READ, MAP_SHARED, fd, 0);
	if (q == MAP_FAILED)
		die_errno("mmap MAP_SHARED %s", path);
	if (memcmp(q, orig, sizeof(orig)))
		die("another mapping sees the private write");
	memset(orig + PAGE, 0, PAGE);
	if (pread(fd, orig + PAGE, PAGE, PAGE) != (ssize_t)PAGE ||
	    memcmp(orig + PAGE, q + PAGE, PAGE))
		die("read() after the private write differs from the file");
	munmap(q, sizeof(orig));
	munmap(p, sizeof(orig));
	close(fd);
	return 0;
}

/* Read LEN bytes of this process at ADDR through /proc/self/mem. */
static void mem_read(int memfd, const void *addr, void *buf, size_t len,
		     const char *what)
{
	ssize_t n = pread(memfd, buf, len, (off_t)(uintptr_t)addr);

	if (n < 0)
		die_errno("/proc/self/mem read of the %s mapping", what);
	if ((size_t)n != len)
		die("/proc/self/mem read of the %s mapping: %zd of %zu bytes",
		    what, n, len);
}

static int procmem(const char *path)
{
	unsigned char orig[3 * PAGE], got[3 * PAGE], *p, *q;
	unsigned char x;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int memfd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);

	if (fd < 0 || memfd < 0)
		die_errno("open %s", fd < 0 ? path : "/proc/self/mem");
	if (pread(fd, orig, sizeof(orig), 0) != (ssize_t)sizeof(orig))
		die("%s: need a file of at least 3 pages", path);
	p = mmap(NULL, sizeof(orig), PROT_READ, MAP_PRIVATE, fd, 0);
	q = mmap(NULL, sizeof(orig), PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || q == MAP_FAILED)
		die_errno("mmap %s", path);
	/* not touched yet: the pages are faulted in on the way */
	mem_read(memfd, p, got, sizeof(got), "private");
	if (memcmp(got, orig, sizeof(orig)))
		die("/proc/self/mem read of the private mapping differs");
	mem_read(memfd, q, got, sizeof(got), "shared");
	if (memcmp(got, orig, sizeof(orig)))
		die("/proc/self/mem read of the shared mapping differs");
	/* touched: present region pages */
	if (memcmp(p, orig, sizeof(orig)) || memcmp(q, orig, sizeof(orig)))
		die("mapping differs from read()");
	mem_read(memfd, p + 5, got, 2 * PAGE, "private (unaligned)");
	if (memcmp(got, orig + 5, 2 * PAGE))
		die("unaligned /proc/self/mem read differs");
	/* a debugger's breakpoint: a forced write to read-only text */
	x = orig[PAGE + 7] ^ 0xcc;
	if (pwrite(memfd, &x, 1, (off_t)(uintptr_t)(p + PAGE + 7)) != 1)
		die_errno("/proc/self/mem write to the private mapping");
	if (p[PAGE + 7] != x || memcmp(p, orig, PAGE + 7) ||
	    memcmp(p + PAGE + 8, orig + PAGE + 8, 2 * PAGE - 8))
		die("forced write did not land as written, alone");
	if (memcmp(q, orig, sizeof(orig)))
		die("forced write to the private mapping reached the shared one");
	if (pread(fd, got, sizeof(got), 0) != (ssize_t)sizeof(got) ||
	    memcmp(got, orig, sizeof(orig)))
		die("forced write to the private mapping changed the file");
	munmap(p, sizeof(orig));
	munmap(q, sizeof(orig));
	close(memfd);
	close(fd);
	return 0;
}

static int seekmap(const char *path, off_t from)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t data, hole = from;

	if (fd < 0)
		die_errno("open %s", path);
	for (;;) {
		data = lseek(fd, hole, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break;
		if (data < 0)
			die_errno("lseek SEEK_DATA %lld", (long long)hole);
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			die_errno("lseek SEEK_HOLE %lld", (long long)data);
		if (hole <= data)
			die("SEEK_HOLE from %lld gave %lld", (long long)data,
			    (long long)hole);
		printf("%lld-%lld\n", (long long)data, (long long)hole);
	}
	printf("end\n");
	close(fd);
	return 0;
}

/* Compare @len bytes of mapping @p at @off with the file, via /proc/self/mem. */
static void mem_check(int memfd, int fd, const unsigned char *p, off_t off,
		      size_t len, const char *what)
{
	unsigned char *want = xmalloc(len), *got = xmalloc(len);

	if (pread(fd, want, len, off) != (ssize_t)len)
		die_errno("pread at %lld", (long long)off);
	mem_read(memfd, p + off, got, len, what);
	if (memcmp(want, got, len))
		die("/proc/self/mem read of the %s mapping at %lld differs", what,
		    (long long)off);
	free(want);
	free(got);
}

/*
 * The kernel's page table walkers over a mapping: /proc/self/pagemap,
 * /proc/self/clear_refs, MADV_COLD and MADV_PAGEOUT.  They must leave
 * region pages (which may have no struct page) alone.
 */
static void page_walks(const void *p, size_t len)
{
	uint64_t ent[16];
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die_errno("open /proc/self/pagemap");
	for (size_t off = 0; off < len; off += sizeof(ent) / 8 * PAGE)
		if (pread(fd, ent, sizeof(ent),
			  (off_t)(((uintptr_t)p + off) / PAGE * 8)) < 0)
			die_errno("pread /proc/self/pagemap");
	close(fd);
	fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1", 1) != 1)
		die_errno("/proc/self/clear_refs");
	close(fd);
	if (madvise((void *)p, len, MADV_COLD) && errno != EINVAL)
		die_errno("madvise MADV_COLD");
	if (madvise((void *)p, len, MADV_PAGEOUT) && errno != EINVAL)
		die_errno("madvise MADV_PAGEOUT");
}

static int hugemem(const char *path)
{
	const size_t len = 4UL << 20, huge = 2UL << 20;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int memfd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	unsigned char *q, *p, x, orig[2];

	if (fd < 0 || memfd < 0)
		die_errno("open %s", fd < 0 ? path : "/proc/self/mem");
	if (lseek(fd, 0, SEEK_END) < (off_t)len)
		die("%s: need a file of at least 4 MiB", path);
	q = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED || q == MAP_FAILED)
		die_errno("mmap %s", path);
	mem_check(memfd, fd, q, 0, PAGE, "shared");	/* not touched yet */
	(void)*(volatile unsigned char *)(q + huge);	/* a PMD entry, maybe */
	mem_check(memfd, fd, q, huge + 5, 2 * PAGE, "shared");
	page_walks(q, len);
	mem_check(memfd, fd, q, huge + 5, 2 * PAGE, "shared");
	(void)*(volatile unsigned char *)p;
	(void)*(volatile unsigned char *)(p + huge);
	page_walks(p, len);
	mem_check(memfd, fd, p, huge + 5, 2 * PAGE, "private");
	orig[0] = p[huge + 7];
	orig[1] = p[huge + PAGE];
	x = orig[0] ^ 0xcc;
	if (pwrite(memfd, &x, 1, (off_t)(uintptr_t)(p + huge + 7)) != 1)
		die_errno("/proc/self/mem write to the private mapping");
	if (p[huge + 7] != x || p[huge + PAGE] != orig[1] || q[huge + 7] != orig[0])
		die("forced write past 2 MiB did not land alone in its page");
	munmap(p, len);
	munmap(q, len);
	close(memfd);
	close(fd);
	return 0;
}

static sigjmp_buf holdmap_jmp;

static void holdmap_bus(int sig)
{
	(void)sig;
	siglongjmp(holdmap_jmp, 1);
}

static int holdmap(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	volatile unsigned char *p;
	unsigned char first[PAGE];
	char line[16];
	size_t n;
	off_t size;

	if (fd < 0)
		die_errno("open %s", path);
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0)
		die("%s: empty", path);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die_errno("mmap %s", path);
	for (off_t i = 0; i < size; i += PAGE)
		(void)p[i];
	n = size < (off_t)PAGE ? (size_t)size : PAGE;
	for (size_t i = 0; i < n; i++)
		first[i] = p[i];
	printf("mapped\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		die("no go-ahead on stdin");
	signal(SIGBUS, holdmap_bus);
	if (sigsetjmp(holdmap_jmp, 1)) {
		printf("sigbus\n");
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] != first[i]) {
			printf("changed\n");
			return 0;
		}
	}
	printf("read\n");
	return 0;
}

static int faults(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct rusage r0, r1;
	unsigned char *p, *buf = xmalloc(PAGE);
	off_t size;
	size_t pages, i;

	if (fd < 0)
		die_errno("open %s", path);
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0)
		die("%s: empty", path);
	pages = (size_t)((size + PAGE - 1) / PAGE);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die_errno("mmap %s", path);
	getrusage(RUSAGE_SELF, &r0);
	for (i = 0; i < pages; i++)
		*(volatile unsigned char *)(p + i * PAGE);
	getrusage(RUSAGE_SELF, &r1);
	for (i = 0; i < pages; i++) {
		if (pread(fd, buf, 1, (off_t)(i * PAGE)) != 1)
			die_errno("pread %s", path);
		if (buf[0] != p[i * PAGE])
			die("%s: page %zu differs between mmap and read()",
			    path, i);
	}
	printf("%zu %ld\n", pages, r1.ru_minflt - r0.ru_minflt);
	munmap(p, size);
	free(buf);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	helper_name = "filecheck";
	if (argc == 5 && !strcmp(argv[1], "gen"))
		return gen(argv[2], parse_num(argv[3]), parse_num(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "sum") && !strcmp(argv[3], "read"))
		return sum_read(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "sum") && !strcmp(argv[3], "mmap"))
		return sum_mmap(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "private"))
		return private_write(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "procmem"))
		return procmem(argv[2]);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "seekmap"))
		return seekmap(argv[2], argc == 4 ? (off_t)parse_num(argv[3]) : 0);
	if (argc == 3 && !strcmp(argv[1], "faults"))
		return faults(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "hugemem"))
		return hugemem(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "holdmap"))
		return holdmap(argv[2]);
	fprintf(stderr, "usage: filecheck gen FILE SIZE SEED\n"
		"       filecheck sum FILE read|mmap\n"
		"       filecheck private FILE\n"
		"       filecheck procmem FILE\n"
		"       filecheck seekmap FILE [OFF]\n"
		"       filecheck faults FILE\n"
		"       filecheck hugemem FILE\n"
		"       filecheck holdmap FILE\n");
	return 1;
}

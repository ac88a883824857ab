// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * physcopy: move bytes between files and physical memory via /dev/mem.
 *
 *   physcopy put IMAGE ADDR LEN   write IMAGE at ADDR, zero the rest of LEN
 *   physcopy get ADDR LEN OUT     copy LEN bytes at ADDR into file OUT
 *   physcopy poke ADDR OFF HEX..  write bytes at ADDR+OFF (a live change)
 *
 * /dev/mem is mmap()ed, not read or written: read()/write() of /dev/mem
 * stop at the end of RAM, and a test region (an emulated NVDIMM) lies
 * above it.
 */
#include <sys/mman.h>
#include "common.h"

static void *map_phys(uint64_t addr, size_t len)
{
	void *p;
	int fd = open("/dev/mem", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die_errno("/dev/mem");
	if (addr % 4096 || len % 4096 || !len)
		die("address and length must be non-zero multiples of 4096");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, addr);
	if (p == MAP_FAILED)
		die_errno("mmap /dev/mem at 0x%llx, %zu bytes",
			  (unsigned long long)addr, len);
	close(fd);
	return p;
}

static int put(const char *image, uint64_t addr, size_t len)
{
	size_t n;
	char *img = read_file(image, &n);
	char *p;

	if (n > len)
		die("%s: %zu bytes do not fit in %zu", image, n, len);
	p = map_phys(addr, len);
	memcpy(p, img, n);
	memset(p + n, 0, len - n);
	if (memcmp(p, img, n))
		die("region does not read back what was written");
	munmap(p, len);
	free(img);
	return 0;
}

static int get(uint64_t addr, size_t len, const char *out)
{
	char *p = map_phys(addr, len);
	size_t done = 0;
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		die_errno("%s", out);
	while (done < len) {
		ssize_t w = write(fd, p + done, len - done);

		if (w < 0)
			die_errno("write %s", out);
		done += w;
	}
	if (close(fd))
		die_errno("close %s", out);
	munmap(p, len);
	return 0;
}

static int poke(uint64_t addr, uint64_t off, int n, char **hex)
{
	size_t len = ((off + n) + 4095) & ~4095ULL;
	volatile unsigned char *p = map_phys(addr, len);
	int i;

	for (i = 0; i < n; i++)
		p[off + i] = (unsigned char)strtoul(hex[i], NULL, 16);
	munmap((void *)p, len);
	return 0;
}

int main(int argc, char **argv)
{
	helper_name = "physcopy";
	if (argc == 5 && !strcmp(argv[1], "put"))
		return put(argv[2], parse_num(argv[3]), parse_num(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "get"))
		return get(parse_num(argv[2]), parse_num(argv[3]), argv[4]);
	if (argc >= 5 && !strcmp(argv[1], "poke"))
		return poke(parse_num(argv[2]), parse_num(argv[3]), argc - 4,
			    argv + 4);
	fprintf(stderr, "usage: physcopy put IMAGE ADDR LEN\n"
		"       physcopy get ADDR LEN OUT\n"
		"       physcopy poke ADDR OFF HEXBYTE...\n");
	return 1;
}

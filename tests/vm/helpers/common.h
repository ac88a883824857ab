/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Tiny shared bits of the guest test helpers: error exits, reading files. */
#ifndef DAXFS_VM_HELPERS_COMMON_H
#define DAXFS_VM_HELPERS_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *helper_name = "helper";

/* "prog: message[: strerror]" on stderr, then exit(code). */
static inline void __attribute__((noreturn, format(printf, 3, 4)))
hfail(int code, int with_errno, const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	fprintf(stderr, "%s: ", helper_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (with_errno)
		fprintf(stderr, ": %s (%s)", strerror(e),
			strerrorname_np(e) ? strerrorname_np(e) : "?");
	fputc('\n', stderr);
	exit(code);
}

#define die(...)	hfail(1, 0, __VA_ARGS__)
#define die_errno(...)	hfail(1, 1, __VA_ARGS__)

static inline void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

/* Parse decimal or 0x hex with an optional K/M/G suffix. */
static inline uint64_t parse_num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		die("bad number '%s'", s);
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end)
		die("bad number '%s'", s);
	return v;
}

/* Read a whole file into memory; *len gets its size. */
static inline void *read_file(const char *path, size_t *len)
{
	struct stat st;
	size_t done = 0;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0)
		die_errno("%s", path);
	buf = xmalloc(st.st_size);
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, st.st_size - done);

		if (n < 0)
			die_errno("read %s", path);
		if (n == 0)
			break;
		done += n;
	}
	close(fd);
	*len = done;
	return buf;
}

#endif

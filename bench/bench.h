/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Shared by the benchmark's data generator (gen.c, host) and its timed
 * loops (bx.c, guest): the random generator, the clock, and the naming
 * schemes of the generated trees.  Both sides compute every path from the
 * scheme, so the timed loops never readdir (which would warm the very
 * dentries a cold run is meant to find cold).
 */
#ifndef DAXFS_BENCH_H
#define DAXFS_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "bench";

static inline void __attribute__((noreturn, format(printf, 2, 3)))
bfail(int with_errno, const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (with_errno)
		fprintf(stderr, ": %s", strerror(e));
	fputc('\n', stderr);
	exit(1);
}
#define die(...)	bfail(0, __VA_ARGS__)
#define die_errno(...)	bfail(1, __VA_ARGS__)

static inline void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

/* Decimal or 0x hex, with an optional K/M/G suffix. */
static inline uint64_t num(const char *s)
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
	}
	if (*end)
		die("bad number '%s'", s);
	return v;
}

/* splitmix64: small, fast, and the same sequence on every machine. */
static inline uint64_t rnd(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t hash64(uint64_t x)
{
	return rnd(&x);
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * The trees (relative to their own top directory):
 *   src/dDDD/fNNNNN.c    source-like files; file n is in directory n % dirs
 *   tree/aAA/bBBB/fFFF   the stat tree: top x sub x files empty files
 *   flat/<name(i)>       the lookup directory: names of varying length whose
 *                        sorted order is unrelated to i
 */
static inline void src_path(char *buf, size_t len, unsigned n, unsigned dirs)
{
	snprintf(buf, len, "d%03u/f%05u.c", n % dirs, n);
}

static inline void tree_path(char *buf, size_t len, unsigned a, unsigned b,
			     unsigned f)
{
	snprintf(buf, len, "a%02u/b%03u/f%03u", a, b, f);
}

static inline void flat_name(char *buf, size_t len, unsigned i)
{
	uint64_t h = hash64(i + 0x5eedULL);

	/* 17 to 32 characters; the hex prefix scrambles the sorted order */
	snprintf(buf, len, "%06llx-%.*s_%u", (unsigned long long)(h >> 40),
		 (int)(4 + h % 12), "entrynamefilexyz", i);
}

#endif

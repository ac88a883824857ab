/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Small helpers shared by the DAXFS tools: errors, memory, sizes. */
#ifndef _DAXFS_TOOLS_UTIL_H
#define _DAXFS_TOOLS_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Set by each tool's main() before anything else; used in messages. */
extern const char *prog_name;

/*
 * Called (when set) before any message is printed, e.g. to erase a
 * progress line on the terminal first.
 */
extern void (*msg_hook)(void);

/* Print "prog: message" (and strerror(errno) for the *_errno forms). */
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...);
void __attribute__((noreturn, format(printf, 1, 2)))
die_errno(const char *fmt, ...);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/*
 * Parse a size: decimal or 0x hex, with an optional K, M, G or T suffix
 * (powers of 1024, either case, optional trailing "iB"/"B").  Returns 0,
 * or -1 on an empty, malformed or overflowing value.
 */
int parse_size(const char *s, uint64_t *out);

/* Parse an address: decimal or 0x hex, no suffix. 0 or -1. */
int parse_u64(const char *s, uint64_t *out);

/* Format @bytes as "123.4 MiB" into @buf. */
const char *human_size(uint64_t bytes, char *buf, size_t len);

#endif /* _DAXFS_TOOLS_UTIL_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Result lines and report capture shared by the core's test programs. */
#ifndef DAXFS_TESTUTIL_H
#define DAXFS_TESTUTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "daxfs_core.h"

#define TU_FN static __attribute__((unused))
#define TU_LINES 64

struct tu_report {
	int n;			/* lines reported (all, even past TU_LINES) */
	char line[TU_LINES][256];
};

static int tu_failed;

TU_FN void tu_collect(void *ctx, const char *msg)
{
	struct tu_report *r = ctx;

	if (r->n < TU_LINES)
		snprintf(r->line[r->n], sizeof(r->line[0]), "%s", msg);
	r->n++;
}

TU_FN void tu_reset(struct tu_report *r)
{
	r->n = 0;
}

/* True if a reported line contains @needle. */
TU_FN int tu_has(const struct tu_report *r, const char *needle)
{
	for (int i = 0; i < r->n && i < TU_LINES; i++)
		if (strstr(r->line[i], needle))
			return 1;
	return 0;
}

TU_FN const char *tu_first(const struct tu_report *r)
{
	return r->n ? r->line[0] : "(no report)";
}

TU_FN void tu_result(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS: %s\n", name);
		return;
	}
	tu_failed++;
	printf("FAIL: %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#endif /* DAXFS_TESTUTIL_H */

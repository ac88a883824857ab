// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Progress on a terminal: a counter while scanning, then a bar while
 * copying file data, at most ten updates a second, and nothing for builds
 * that finish within the first half second.  The line is erased at the
 * end.  Silent unless stderr is a terminal (and -q is not given).
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "mkdaxfs.h"
#include "util.h"

#define BAR_WIDTH	30
#define FIRST_NS	500000000LL	/* quiet for the first half second */
#define EVERY_NS	100000000LL	/* then at most 10 updates/s */

static bool enabled;
static bool shown;
static long long start_ns, last_ns;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void progress_init(bool on)
{
	enabled = on && isatty(STDERR_FILENO);
	start_ns = last_ns = now_ns();
}

/* True when an update is due now. */
static bool due(void)
{
	long long t;

	if (!enabled)
		return false;
	t = now_ns();
	if (t - start_ns < FIRST_NS || t - last_ns < EVERY_NS)
		return false;
	last_ns = t;
	shown = true;
	return true;
}

void progress_scan(u64 files)
{
	if (files % 64 || !due())
		return;
	fprintf(stderr, "\r\033[Kscanning: %llu files",
		(unsigned long long)files);
}

/* Percent of the data bytes copied (of the files when there is none). */
void progress_write(u64 done, u64 total, u64 bytes, u64 total_bytes)
{
	char bar[BAR_WIDTH + 1], h[32];
	unsigned int pct, fill, i;

	if (!due())
		return;
	if (total_bytes)
		pct = (unsigned int)(bytes * 100 / total_bytes);
	else
		pct = total ? (unsigned int)(done * 100 / total) : 100;
	if (pct > 100)
		pct = 100;
	fill = pct * BAR_WIDTH / 100;
	for (i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : ' ';
	bar[BAR_WIDTH] = '\0';
	fprintf(stderr, "\r\033[K[%s] %3u%% %llu/%llu files %s", bar, pct,
		(unsigned long long)done, (unsigned long long)total,
		human_size(bytes, h, sizeof(h)));
}

void progress_done(void)
{
	if (shown)
		fprintf(stderr, "\r\033[K");
	shown = false;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mkdaxfs: build a DAXFS image from a directory tree.  This file parses
 * and checks the options and runs the stages (scan, layout, write,
 * self-check, commit); see mkdaxfs.h for the flow.
 *
 * Exit status: 0 success, 1 runtime error, 2 bad usage.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "mkdaxfs.h"
#include "util.h"

#define MAX_SIZE	(1ULL << 60)	/* keeps every offset sum in range */

enum {
	OPT_DELTA = 256,
	OPT_TAR,
};

static const char usage_text[] =
"Usage: mkdaxfs -d DIR -o FILE [-s SIZE] [-b [--delta-size SIZE]] [-q]\n"
"       mkdaxfs -d DIR -p ADDR -s SIZE [-b [--delta-size SIZE]] [-q]\n"
"       mkdaxfs -d DIR -H /dev/dma_heap/NAME -s SIZE -m MNT [-b ...] [-q]\n"
"Build a DAXFS image from the directory tree DIR.\n"
"\n"
"Source:\n"
"  -d, --directory DIR     copy the tree at DIR (all file types, hard\n"
"                          links, xattrs, nanosecond times)\n"
"      --tar FILE|-        read a tar archive (not available yet)\n"
"Target (exactly one):\n"
"  -o, --output FILE       write the image to FILE (replaced atomically)\n"
"                          or into the block device FILE\n"
"  -p, --phys ADDR         write into physical memory at ADDR via /dev/mem\n"
"  -H, --heap DEV          allocate a dma-buf from the dma-heap DEV, fill\n"
"                          it and mount it at -m MNT\n"
"  -m, --mount MNT         mount point for -H\n"
"Layout:\n"
"  -s, --size SIZE         region size (K, M, G, T suffixes; a multiple of\n"
"                          4 KiB); default: just big enough\n"
"  -b, --branching         add a branch table and a delta region so the\n"
"                          image can be mounted writable in branches\n"
"      --delta-size SIZE   delta region size with -b (default: the rest\n"
"                          of -s, or 64M without -s)\n"
"Other:\n"
"  -q, --quiet             no progress bar, no summary\n"
"  -h, --help              show this help and exit\n"
"\n"
"The same tree always gives the same bytes.  Exit status: 0 on success,\n"
"1 on error, 2 on bad usage.  See mkdaxfs(8).\n";

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog_name);
	exit(2);
}

static u64 size_arg(const char *opt, const char *arg, u64 min)
{
	u64 v;

	if (parse_size(arg, &v) < 0 || !v)
		usage_error("%s: invalid size '%s'", opt, arg);
	if (v > MAX_SIZE)
		usage_error("%s: %s is too large (at most 1 EiB)", opt, arg);
	if (v % DAXFS_BLOCK_SIZE)
		usage_error("%s: %s is not a multiple of 4 KiB", opt, arg);
	if (v < min)
		usage_error("%s: %s is too small (at least %llu KiB)", opt,
			    arg, (unsigned long long)(min >> 10));
	return v;
}

static const struct option long_opts[] = {
	{ "directory",	required_argument, NULL, 'd' },
	{ "output",	required_argument, NULL, 'o' },
	{ "size",	required_argument, NULL, 's' },
	{ "branching",	no_argument,	   NULL, 'b' },
	{ "delta-size",	required_argument, NULL, OPT_DELTA },
	{ "quiet",	no_argument,	   NULL, 'q' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ "tar",	required_argument, NULL, OPT_TAR },
	{ "phys",	required_argument, NULL, 'p' },
	{ "heap",	required_argument, NULL, 'H' },
	{ "mount",	required_argument, NULL, 'm' },
	{ NULL, 0, NULL, 0 },
};

static void parse_one(struct mk_options *o, int c, const char *arg,
		      const char *argv_opt)
{
	switch (c) {
	case 'd':
		o->src_dir = arg;
		break;
	case 'o':
		o->out_file = arg;
		break;
	case 's':
		o->size = size_arg("-s", arg, DAXFS_BLOCK_SIZE);
		break;
	case 'b':
		o->branching = true;
		break;
	case OPT_DELTA:
		o->delta_size = size_arg("--delta-size", arg, MK_DELTA_MIN);
		break;
	case 'q':
		o->quiet = true;
		break;
	case 'h':
		fputs(usage_text, stdout);
		exit(0);
	case OPT_TAR:
		o->tar = arg;
		break;
	case 'p':
		if (parse_u64(arg, &o->phys_addr) < 0)
			usage_error("-p: invalid address '%s'", arg);
		if (o->phys_addr % DAXFS_BLOCK_SIZE)
			usage_error("-p: address %s is not 4 KiB aligned", arg);
		o->phys = true;
		break;
	case 'H':
		o->heap = arg;
		break;
	case 'm':
		o->mnt = arg;
		break;
	case ':':
		usage_error("option '%s' needs an argument", argv_opt);
	default:
		usage_error("unknown option '%s'", argv_opt);
	}
}

static void check_options(const struct mk_options *o)
{
	int targets = !!o->out_file + o->phys + !!o->heap;

	if (!o->src_dir && !o->tar)
		usage_error("no source: give -d DIR");
	if (o->src_dir && o->tar)
		usage_error("-d and --tar cannot be combined");
	if (targets == 0)
		usage_error("no target: give -o FILE, -p ADDR or -H HEAP");
	if (targets > 1)
		usage_error("-o, -p and -H cannot be combined");
	if (o->phys && !o->size)
		usage_error("-p needs -s SIZE");
	if (o->heap && (!o->size || !o->mnt))
		usage_error("-H needs -s SIZE and -m MNT");
	if (o->mnt && !o->heap)
		usage_error("-m is only used with -H");
	if (o->delta_size && !o->branching)
		usage_error("--delta-size needs -b");
}

static void parse_args(struct mk_options *o, int argc, char **argv)
{
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:o:s:bqhp:H:m:", long_opts,
				NULL)) != -1) {
		char shortopt[3] = { '-', (char)optopt, '\0' };
		const char *name = optopt > 0 && optopt < 128 ?
				   shortopt : argv[optind - 1];

		parse_one(o, c, optarg, name);
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	check_options(o);
}

static void raise_fd_limit(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

static void summary(const struct mk_options *o, const struct mk_tree *t,
		    const struct mk_layout *l)
{
	char where[64], d[32], s[32], dl[32];

	if (o->out_file)
		snprintf(where, sizeof(where), "%s", o->out_file);
	else if (o->phys)
		snprintf(where, sizeof(where), "0x%llx",
			 (unsigned long long)o->phys_addr);
	else
		snprintf(where, sizeof(where), "%s", o->mnt);
	printf("%s: %llu inodes, %s of file data, %s image", where,
	       (unsigned long long)t->nodes,
	       human_size(l->data_size, d, sizeof(d)),
	       human_size(l->total_size, s, sizeof(s)));
	if (o->branching)
		printf(", %s delta region", human_size(l->delta_size, dl,
						       sizeof(dl)));
	printf("\n");
}

int main(int argc, char **argv)
{
	/* static: still reachable after main returns (no leak reports) */
	static struct mk_options opt;
	static struct mk_tree tree;
	static struct mk_layout lay;
	static struct mk_target tg;
	u64 written;

	prog_name = "mkdaxfs";
	msg_hook = progress_done;
	parse_args(&opt, argc, argv);
	if (opt.tar)
		die("--tar: not available yet");
	atexit(target_abort);
	raise_fd_limit();
	progress_init(!opt.quiet);

	scan_tree(&tree, opt.src_dir);
	progress_done();
	layout_image(&lay, &tree, &opt);
	written = lay.data_off + lay.data_size;
	if (opt.branching) {
		struct daxfs_delta_layout d;

		daxfs_delta_layout(lay.delta_size, &d);
		written = lay.delta_off + d.first_page + DAXFS_BLOCK_SIZE;
	}
	target_open(&tg, &opt, lay.total_size, written);
	write_image(&tg, &lay, &tree, &opt);
	self_check(&tg);
	target_commit(&tg);
	if (!opt.quiet)
		summary(&opt, &tree, &lay);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * daxfs-inspect: print, check and unpack a DAXFS image held in a file,
 * in physical memory or behind a mount.  This file is the command line.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "inspect.h"
#include "util.h"

static const char usage_text[] =
"Usage: daxfs-inspect [-b BRANCH] [IMAGE | -m MNT | -p ADDR -s SIZE]\n"
"                     COMMAND [ARG]\n"
"\n"
"Where the image is:\n"
"  IMAGE            an image file (or block device), mapped read-only\n"
"  -m, --mount MNT  a mounted DAXFS (copied out with DAXFS_IOC_READ_REGION)\n"
"  -p, --phys ADDR  physical memory at ADDR through /dev/mem, with\n"
"  -s, --size SIZE  the region size (K/M/G suffixes)\n"
"\n"
"Commands:\n"
"  super            print the superblock, delta header and mount table\n"
"  inodes           one line per inode, as the files are now\n"
"  ls PATH          list a directory (or one entry) like ls -l\n"
"  cat PATH         write a file to stdout (symlinks followed in the image)\n"
"  extract DIR      recreate the tree with all metadata in DIR (new or empty)\n"
"  check            full consistency check (fsck); exit 1 on a bad image\n"
"  branches         list the branch table\n"
"  log BRANCH       print the records of a branch's log (name or #SLOT)\n"
"\n"
"The files of a branching image are shown as they are now: the base\n"
"image with main's log replayed on it, or with -b a branch's logs.\n"
"\n"
"  -b, --branch BRANCH\n"
"                   inodes, ls, cat and extract show BRANCH (a name, or\n"
"                   #SLOT) instead of main: the base with the logs of its\n"
"                   chain, each parent's up to where its child forked;\n"
"                   an error (1) when it is no live branch (unknown,\n"
"                   discarded, absorbed by a commit) or the image has no\n"
"                   branches; a usage error (2) with another command\n"
"  -h, --help       this text\n"
"\n"
"Exit status: 0 success, 1 error or damaged image, 2 usage error.\n";

struct command {
	const char *name;
	int nargs;
	int (*fn0)(struct inspect *in);
	int (*fn1)(struct inspect *in, const char *arg);
	const char *argname;
	bool branch_view;		/* shows files: -b applies */
};

static const struct command commands[] = {
	{ "super", 0, cmd_super, NULL, NULL, false },
	{ "inodes", 0, cmd_inodes, NULL, NULL, true },
	{ "ls", 1, NULL, cmd_ls, "PATH", true },
	{ "cat", 1, NULL, cmd_cat, "PATH", true },
	{ "extract", 1, NULL, cmd_extract, "DIR", true },
	{ "check", 0, cmd_check, NULL, NULL, false },
	{ "branches", 0, cmd_branches, NULL, NULL, false },
	{ "log", 1, NULL, cmd_log, "BRANCH", false },
};

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try --help)\n");
	exit(EXIT_USAGE);
}

/* Reporter for daxfs_image_open() outside of `check`. */
void inspect_report(void *ctx, const char *msg)
{
	struct inspect *in = ctx;

	err_msg("%s: %s", in->reg.desc, msg);
}

void first_report(void *ctx, const char *msg)
{
	struct first_problem *fp = ctx;

	if (!fp->seen)
		snprintf(fp->msg, sizeof(fp->msg), "%s", msg);
	fp->seen = true;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* -b's argument: a branch name ("main" too) or "#SLOT" (decimal or hex). */
static bool branch_arg_ok(const char *arg)
{
	uint64_t n;

	if (arg[0] == '#')
		return !parse_u64(arg + 1, &n);
	return daxfs_branch_name_ok(arg, strlen(arg));
}

/* The command @cmd, given -b @branch: a usage error if it does not fit. */
static void check_branch_arg(const struct command *cmd, const char *branch)
{
	if (!branch)
		return;
	if (!cmd->branch_view)
		usage_error("-b applies to inodes, ls, cat and extract, not to "
			    "%s%s", cmd->name, strcmp(cmd->name, "log") ? "" :
			    " (give the branch as its argument)");
	if (!branch_arg_ok(branch))
		usage_error("-b %s: neither a branch name (1-%d of A-Z a-z 0-9 "
			    ". _ -) nor #SLOT", branch, DAXFS_BRANCH_NAME_MAX);
}

static int open_region(struct inspect *in, const char *image,
		       const char *mnt, const char *phys, const char *size)
{
	uint64_t addr, len;

	if (mnt)
		return region_open_mount(&in->reg, mnt);
	if (phys) {
		if (parse_u64(phys, &addr) < 0)
			usage_error("bad address '%s'", phys);
		if (parse_size(size, &len) < 0 || len == 0)
			usage_error("bad size '%s'", size);
		return region_open_phys(&in->reg, addr, len);
	}
	return region_open_file(&in->reg, image);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "branch", required_argument, NULL, 'b' },
		{ "mount", required_argument, NULL, 'm' },
		{ "phys", required_argument, NULL, 'p' },
		{ "size", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mnt = NULL, *phys = NULL, *size = NULL, *image = NULL;
	const char *branch = NULL;
	const struct command *cmd;
	struct inspect in;
	int c, rc;

	prog_name = "daxfs-inspect";
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:b:m:p:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			branch = optarg;
			break;
		case 'm':
			mnt = optarg;
			break;
		case 'p':
			phys = optarg;
			break;
		case 's':
			size = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case ':':
			usage_error("option %s needs an argument",
				    argv[optind - 1]);
		default:
			usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (mnt && phys)
		usage_error("-m and -p exclude each other");
	if (!!phys != !!size)
		usage_error("-p ADDR and -s SIZE go together");
	if (!mnt && !phys) {
		if (optind >= argc)
			usage_error("no image given");
		image = argv[optind++];
	}
	if (optind >= argc)
		usage_error("no command given");
	cmd = find_command(argv[optind]);
	if (!cmd)
		usage_error("unknown command '%s'", argv[optind]);
	optind++;
	if (argc - optind < cmd->nargs)
		usage_error("%s needs %s", cmd->name, cmd->argname);
	if (argc - optind > cmd->nargs)
		usage_error("too many arguments for %s", cmd->name);
	check_branch_arg(cmd, branch);

	memset(&in, 0, sizeof(in));
	in.branch = branch;
	if (open_region(&in, image, mnt, phys, size) < 0)
		return EXIT_BAD;
	if (cmd->fn0 == cmd_check) {
		rc = cmd_check(&in);
	} else if (daxfs_image_open(&in.img, in.reg.base, in.reg.size,
				    inspect_report, &in) < 0) {
		rc = EXIT_BAD;
	} else {
		rc = cmd->nargs ? cmd->fn1(&in, argv[optind]) : cmd->fn0(&in);
	}
	close_view(&in);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		err_msg("write error on standard output");
		rc = EXIT_BAD;
	}
	region_close(&in.reg);
	return rc;
}

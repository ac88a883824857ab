// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * daxfs-branch: create, switch, list, commit and abort the branches of a
 * mounted DAXFS (the ioctls of include/daxfs_ioctl.h; the branch table
 * is read through DAXFS_IOC_READ_REGION and judged by the core's rules,
 * libdaxfs/branch.c, the same code the module runs).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "daxfs_core.h"
#include "daxfs_ioctl.h"
#include "util.h"

#define EXIT_USAGE	2

static const char usage_text[] =
"usage: daxfs-branch COMMAND [options]\n"
"\n"
"  create NAME [-p PARENT] [-m MNT]   make branch NAME, a child of PARENT\n"
"                                     (default: the mount's branch)\n"
"  switch NAME [-m MNT]               show branch NAME in the mount\n"
"  list [-m MNT] [--json]             the branch tree; '*' marks the\n"
"                                     mount's branch\n"
"  commit [--parent] [-m MNT]         make the mount's branch main (or,\n"
"                                     with --parent, its parent); every\n"
"                                     rival branch is discarded\n"
"  abort [-m MNT]                     discard the mount's branch and its\n"
"                                     descendants; the mount shows main\n"
"\n"
"MNT is a DAXFS mount point; without -m, the DAXFS mount holding the\n"
"current directory, or the only DAXFS mount there is.  Every command\n"
"needs CAP_SYS_ADMIN.  Branch names: 1-31 characters of A-Z a-z 0-9 . _ -\n";

static void __attribute__((noreturn)) usage(const char *why)
{
	if (why)
		fprintf(stderr, "daxfs-branch: %s\n\n", why);
	fputs(usage_text, why ? stderr : stdout);
	exit(why ? EXIT_USAGE : 0);
}

/* ---- finding the mount ---- */

/* The DAXFS mount points, from /proc/self/mounts. */
static int daxfs_mounts(char ***out)
{
	FILE *f = fopen("/proc/self/mounts", "r");
	char line[4096], dev[1024], dir[2048], type[64];
	char **v = NULL;
	int n = 0;

	if (!f)
		die_errno("/proc/self/mounts");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%1023s %2047s %63s", dev, dir, type) != 3 ||
		    strcmp(type, "daxfs"))
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = xstrdup(dir);	/* octal escapes: not for our tests */
	}
	fclose(f);
	*out = v;
	return n;
}

static const char *find_mount(const char *given)
{
	struct stat cwd, st;
	char **v;
	int n = daxfs_mounts(&v), i;

	if (given)
		return given;
	if (!n)
		die("no DAXFS is mounted (mount one, or say where with -m)");
	if (!stat(".", &cwd))
		for (i = 0; i < n; i++)
			if (!stat(v[i], &st) && st.st_dev == cwd.st_dev)
				return v[i];
	if (n == 1)
		return v[0];
	fprintf(stderr, "daxfs-branch: %d DAXFS mounts:", n);
	for (i = 0; i < n; i++)
		fprintf(stderr, " %s", v[i]);
	fprintf(stderr, "\ndaxfs-branch: say which with -m MNT (or run it from inside one)\n");
	exit(1);
}

static int open_mount(const char *mnt)
{
	int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		die_errno("%s", mnt);
	return fd;
}

static void mount_info(int fd, const char *mnt, struct daxfs_ioc_mount *m)
{
	memset(m, 0, sizeof(*m));
	if (ioctl(fd, DAXFS_IOC_MOUNT_INFO, m) == 0)
		return;
	if (errno == EPERM)
		die("%s: branch operations need CAP_SYS_ADMIN (run as root)",
		    mnt);
	if (errno == EOPNOTSUPP)
		die("%s: this image has no branches (it was made without mkdaxfs -b)",
		    mnt);
	if (errno == ENOTTY)
		die("%s: not a DAXFS mount", mnt);
	die_errno("%s: DAXFS_IOC_MOUNT_INFO", mnt);
}

/* ---- the table, read from the mount ---- */

struct table {
	uint8_t *buf;			/* the region's size, mostly untouched */
	uint64_t size;
	struct daxfs_image img;
	struct daxfs_bslot *slot;
	struct daxfs_btab t;
	struct daxfs_mount_slot mounts[DAXFS_MOUNT_SLOTS];
	uint64_t *log_live;		/* per slot: bytes its log holds now */
};

static void read_at(int fd, const char *mnt, uint8_t *buf, uint64_t off,
		    uint64_t len)
{
	while (len) {
		struct daxfs_ioc_read rd = {
			.offset = off, .len = len, .buf = (uintptr_t)(buf + off),
		};
		long n = ioctl(fd, DAXFS_IOC_READ_REGION, &rd);

		if (n <= 0)
			die("%s: cannot read the region at %" PRIu64 ": %s",
			    mnt, off, n ? strerror(errno) : "end of region");
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
}

static void say_nothing(void *ctx, const char *msg)
{
	fprintf(stderr, "daxfs-branch: %s: %s\n", (const char *)ctx, msg);
}

/*
 * The bytes slot @i's log holds now: its tail less the LSN of its first
 * chunk (a checkpoint moves the head on).  The tail when the head chunk
 * cannot be read as the log's.
 */
static uint64_t live_log(int fd, const char *mnt, struct table *tb,
			 uint32_t i)
{
	const struct daxfs_bslot *b = &tb->slot[i];
	struct daxfs_log_chunk c;
	uint64_t off, lsn;

	if (b->log_head >= tb->img.delta.page_count)
		return b->log_tail;
	off = daxfs_page_off(&tb->img, b->log_head);
	if (off + sizeof(c) > tb->size)
		return b->log_tail;
	read_at(fd, mnt, tb->buf, off, sizeof(c));
	memcpy(&c, tb->buf + off, sizeof(c));
	lsn = le64_to_cpu(c.lsn);
	if (le64_to_cpu(c.magic) != DAXFS_CHUNK_MAGIC ||
	    le64_to_cpu(c.log_id) != b->log_id || lsn > b->log_tail)
		return b->log_tail;
	return b->log_tail - lsn;
}

/* The superblock, the branch table and the mount table, nothing more. */
static void load_table(int fd, const char *mnt, struct table *tb)
{
	struct daxfs_ioc_info info;
	const struct daxfs_super *s;

	memset(tb, 0, sizeof(*tb));
	if (ioctl(fd, DAXFS_IOC_INFO, &info))
		die_errno("%s: DAXFS_IOC_INFO", mnt);
	tb->size = info.region_size;
	tb->buf = mmap(NULL, tb->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (tb->buf == MAP_FAILED)
		die_errno("%s: cannot map %" PRIu64 " bytes", mnt, tb->size);
	read_at(fd, mnt, tb->buf, 0, sizeof(struct daxfs_super));
	s = (const struct daxfs_super *)tb->buf;
	if (le64_to_cpu(s->branch_off) + (uint64_t)le32_to_cpu(s->branch_count) *
	    sizeof(struct daxfs_branch) > tb->size ||
	    le64_to_cpu(s->delta_off) + 4096 > tb->size)
		die("%s: the superblock places the branch table outside the region",
		    mnt);
	read_at(fd, mnt, tb->buf, le64_to_cpu(s->branch_off),
		(uint64_t)le32_to_cpu(s->branch_count) *
		sizeof(struct daxfs_branch));
	read_at(fd, mnt, tb->buf, le64_to_cpu(s->delta_off), 4096);
	if (daxfs_image_open(&tb->img, tb->buf, tb->size, say_nothing,
			     (void *)mnt) ||
	    daxfs_delta_open(&tb->img, say_nothing, (void *)mnt))
		die("%s: cannot read the region's headers", mnt);
	tb->slot = xcalloc(tb->img.branch_count, sizeof(*tb->slot));
	if (daxfs_btab_load(&tb->img, tb->slot, &tb->t))
		die("%s: cannot read the branch table", mnt);
	memcpy(tb->mounts, tb->buf + tb->img.delta.shared_off +
	       offsetof(struct daxfs_shared, mounts), sizeof(tb->mounts));
	tb->log_live = xcalloc(tb->img.branch_count, sizeof(*tb->log_live));
	for (uint32_t i = 0; i < tb->img.branch_count; i++)
		if (tb->slot[i].state == DAXFS_BRANCH_LIVE)
			tb->log_live[i] = live_log(fd, mnt, tb, i);
}

/* Slots whose name is live (main included), in slot order. */
static bool named(const struct table *tb, uint32_t i)
{
	return tb->slot[i].state == DAXFS_BRANCH_LIVE &&
	       (!i || daxfs_btab_liveness(&tb->t, i) == DAXFS_BL_LIVE);
}

static uint32_t top_of(const struct table *tb, uint32_t i)
{
	uint32_t top = i;

	daxfs_btab_resolve(&tb->t, i, &top);
	return top;
}

/* The named slot of @i's parent branch, or DAXFS_BRANCH_NONE. */
static uint32_t parent_name(const struct table *tb, uint32_t i)
{
	uint32_t p;

	if (!i || daxfs_btab_name_of(&tb->t, tb->slot[i].parent, &p))
		return DAXFS_BRANCH_NONE;
	return p;
}

static int live_children(const struct table *tb, uint32_t i)
{
	int n = 0;

	for (uint32_t c = 1; c < tb->img.branch_count; c++)
		if (named(tb, c) && parent_name(tb, c) == i)
			n++;
	return n;
}

static int mounts_of(const struct table *tb, uint32_t top)
{
	int n = 0;

	for (uint32_t m = 0; m < DAXFS_MOUNT_SLOTS; m++)
		if (tb->mounts[m].id &&
		    le32_to_cpu(tb->mounts[m].branch) == top)
			n++;
	return n;
}

/*
 * What the layers @i's name owns beyond its parent's view hold in the
 * delta region: the bytes of their logs (@log) and their file pages
 * (@data, from each slot's hint).
 */
static void own_bytes(const struct table *tb, uint32_t i, uint64_t *log,
		      uint64_t *data)
{
	uint32_t chain[DAXFS_BTAB_MAX_DEPTH], pchain[DAXFS_BTAB_MAX_DEPTH];
	uint32_t p = parent_name(tb, i);
	int n = daxfs_btab_chain(&tb->t, top_of(tb, i), chain,
				 DAXFS_BTAB_MAX_DEPTH);
	int pn = p == DAXFS_BRANCH_NONE ? 0 :
		 daxfs_btab_chain(&tb->t, top_of(tb, p), pchain,
				  DAXFS_BTAB_MAX_DEPTH);

	*log = 0;
	*data = 0;
	for (int k = pn > 0 ? pn : 0; k < n; k++) {
		*log += tb->log_live[chain[k]];
		*data += (uint64_t)tb->slot[chain[k]].data_pages *
			 DAXFS_BLOCK_SIZE;
	}
}

static const char *state_of(const struct table *tb, uint32_t i)
{
	return live_children(tb, i) ? "frozen" : "writable";
}

static void print_tree(const struct table *tb, uint32_t i, int depth,
		       uint32_t mine)
{
	char when[32], size[32], lsize[32];
	time_t t = (time_t)tb->slot[i].create_time;
	uint64_t log, data;
	struct tm tm;

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	else
		snprintf(when, sizeof(when), "-");
	own_bytes(tb, i, &log, &data);
	human_size(data, size, sizeof(size));
	human_size(log, lsize, sizeof(lsize));
	printf("%c %*s%-*s %-8s %9s %9s %6d  %s\n", i == mine ? '*' : ' ',
	       depth * 2, "", 32 - depth * 2, tb->slot[i].name,
	       state_of(tb, i), size, lsize, mounts_of(tb, top_of(tb, i)),
	       when);
	for (uint32_t c = 1; c < tb->img.branch_count; c++)
		if (named(tb, c) && parent_name(tb, c) == i)
			print_tree(tb, c, depth + 1, mine);
}

static void print_json(const struct table *tb, uint32_t mine)
{
	bool first = true;

	printf("[");
	for (uint32_t i = 0; i < tb->img.branch_count; i++) {
		uint64_t log, data;
		uint32_t p;

		if (!named(tb, i))
			continue;
		own_bytes(tb, i, &log, &data);
		p = parent_name(tb, i);
		printf("%s\n  {\"name\": \"%s\", \"parent\": ", first ? "" : ",",
		       tb->slot[i].name);
		if (p == DAXFS_BRANCH_NONE)
			printf("null");
		else
			printf("\"%s\"", tb->slot[p].name);
		printf(", \"slot\": %u, \"top\": %u, \"state\": \"%s\", \"children\": %d, \"data_bytes\": %" PRIu64
		       ", \"log_bytes\": %" PRIu64 ", \"mounts\": %d, \"current\": %s, \"created\": %" PRIu64 "}",
		       i, top_of(tb, i), state_of(tb, i), live_children(tb, i),
		       data, log, mounts_of(tb, top_of(tb, i)),
		       i == mine ? "true" : "false", tb->slot[i].create_time);
		first = false;
	}
	printf("\n]\n");
}

static int cmd_list(const char *mnt, bool json)
{
	int fd = open_mount(mnt);
	struct daxfs_ioc_mount m;
	struct table tb;

	mount_info(fd, mnt, &m);
	load_table(fd, mnt, &tb);
	close(fd);
	if (m.flags & DAXFS_IOCM_DISCARDED)
		fprintf(stderr, "daxfs-branch: %s: this mount's branch '%s' was discarded (aborted, or a rival branch was committed); everything in it fails with ESTALE: switch to a live branch\n",
			mnt, m.name);
	if (json) {
		print_json(&tb, m.flags & DAXFS_IOCM_DISCARDED ?
			   DAXFS_BRANCH_NONE : m.name_slot);
		return 0;
	}
	printf("  %-32s %-8s %9s %9s %6s  %s\n", "branch", "state", "data",
	       "log", "mounts", "created (UTC)");
	print_tree(&tb, 0, 0, m.flags & DAXFS_IOCM_DISCARDED ?
		   DAXFS_BRANCH_NONE : m.name_slot);
	return 0;
}

/* ---- operations ---- */

static void check_name(const char *what, const char *name)
{
	if (!daxfs_branch_name_ok(name, strlen(name)))
		die("'%s' is not a valid %s name: 1-31 characters of A-Z a-z 0-9 . _ - (not . or ..)",
		    name, what);
}

static void op_failed(const char *mnt, int fd, const char *op,
		      const char *name, const struct daxfs_ioc_branch *arg,
		      int err)
{
	const char *parent = arg->parent[0] ? arg->parent :
			     "(the mount's branch)";

	struct daxfs_ioc_mount m;
	struct table tb;

	switch (err) {
	case EPERM:
		if (!strcmp(op, "abort") && geteuid() == 0)
			die("aborting main is refused: main always exists");
		die("%s: branch operations need CAP_SYS_ADMIN (run as root)",
		    mnt);
	case EEXIST:
		die("a branch named '%s' exists already", name);
	case ENOENT:
		if (!strcmp(op, "create"))
			die("no live branch '%s' to be the parent", parent);
		die("no live branch '%s'", name);
	case EINVAL:
		if (!strcmp(op, "commit"))
			die("main has no parent to commit into");
		die("'%s' is not a valid branch name", name);
	case ENOSPC:
		die("cannot create '%s': every branch slot is in use, or the region has no page left for its log",
		    name);
	case EBUSY:
		die("branch '%s' is mounted writable by another mount (in this kernel or another sharing the region)%s",
		    !strcmp(op, "create") ? parent : name,
		    !strcmp(op, "create") ?
		    ": create its children from that mount" : "");
	case ESTALE:
		die("%s: this mount's branch was discarded (aborted, or a rival branch was committed); switch to a live branch",
		    mnt);
	case ENOTEMPTY:
		mount_info(fd, mnt, &m);
		load_table(fd, mnt, &tb);
		die("branch '%s' has %d live children: commit or abort them first",
		    m.name, live_children(&tb, m.name_slot));
	case EROFS:
		die("%s: the branch is read-only here", mnt);
	case EUCLEAN:
		die("%s: the table slot of branch '%s', or of one it was made from, is damaged: it cannot be shown (the kernel log names the slot; daxfs-inspect check reports it)",
		    mnt, name);
	case EMLINK:
		die("cannot create '%s': its parent is %d levels deep already (main counts every commit as a level until levels are folded)",
		    name, DAXFS_BTAB_MAX_DEPTH);
	}
	die("%s: %s: %s", mnt, op, strerror(err));
}

static int do_ioctl(const char *mnt, unsigned long cmd, const char *op,
		    struct daxfs_ioc_branch *arg, const char *name)
{
	int fd = open_mount(mnt);
	struct daxfs_ioc_mount m;

	mount_info(fd, mnt, &m);	/* not DAXFS, no branches: said here */
	if (ioctl(fd, cmd, arg))
		op_failed(mnt, fd, op, name, arg, errno);
	mount_info(fd, mnt, &m);
	close(fd);
	if (!strcmp(op, "create"))
		printf("created branch '%s'\n", name);
	else if (!strcmp(op, "switch"))
		printf("%s now shows branch '%s'\n", mnt, m.name);
	else if (!strcmp(op, "commit"))
		printf("committed: %s now shows '%s'\n", mnt, m.name);
	else
		printf("aborted: %s now shows '%s'\n", mnt, m.name);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "parent", no_argument, NULL, 'P' },
		{ "mount", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mnt = NULL, *parent = NULL, *cmd, *name = NULL;
	struct daxfs_ioc_branch arg;
	bool json = false, into_parent = false;
	int c;

	prog_name = "daxfs-branch";
	if (argc < 2)
		usage("no command");
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "help"))
		usage(NULL);
	optind = 2;
	while ((c = getopt_long(argc, argv, "hm:p:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(NULL);
		case 'm':
			mnt = optarg;
			break;
		case 'p':
			parent = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'P':
			into_parent = true;
			break;
		default:
			usage("bad option");
		}
	}
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc)
		usage("too many arguments");
	memset(&arg, 0, sizeof(arg));
	if (!strcmp(cmd, "create") || !strcmp(cmd, "switch")) {
		if (!name)
			usage("which branch?");
		check_name("branch", name);
		strcpy(arg.name, name);
	} else if (name) {
		usage("this command takes no branch name: it acts on the mount's branch");
	}
	if (parent && strcmp(cmd, "create"))
		usage("-p is for create");
	if ((json && strcmp(cmd, "list")) || (into_parent && strcmp(cmd, "commit")))
		usage("--json is for list, --parent for commit");
	if (parent) {
		check_name("parent", parent);
		strcpy(arg.parent, parent);
	}
	mnt = find_mount(mnt);
	if (!strcmp(cmd, "list"))
		return cmd_list(mnt, json);
	if (!strcmp(cmd, "create"))
		return do_ioctl(mnt, DAXFS_IOC_BRANCH_CREATE, cmd, &arg, name);
	if (!strcmp(cmd, "switch"))
		return do_ioctl(mnt, DAXFS_IOC_BRANCH_SWITCH, cmd, &arg, name);
	if (!strcmp(cmd, "commit")) {
		arg.flags = into_parent ? DAXFS_COMMIT_PARENT : 0;
		return do_ioctl(mnt, DAXFS_IOC_BRANCH_COMMIT, cmd, &arg, "");
	}
	if (!strcmp(cmd, "abort"))
		return do_ioctl(mnt, DAXFS_IOC_BRANCH_ABORT, cmd, &arg, "");
	usage("unknown command");
}

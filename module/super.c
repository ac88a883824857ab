// SPDX-License-Identifier: GPL-2.0
/*
 * daxfs.ko: module init/exit, the filesystem type, mount options and the
 * superblock (fill, statfs, show_options, remount, kill).
 *
 * Where the region comes from:
 *   mount -t daxfs -o phys=ADDR,size=SIZE none MNT   physical memory
 *   mount -t daxfs /dev/pmem0 MNT                     a DAX block device
 *   fsconfig(FSCONFIG_SET_FD, "dmabuf", fd)           a dma-buf
 * With phys= or dmabuf the source name is only a label.
 */
#define pr_fmt(fmt) "daxfs: " fmt

#include <linux/module.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/seq_file.h>
#include <linux/statfs.h>
#include <linux/slab.h>
#include <linux/dma-buf.h>

#include "daxfs.h"

enum daxfs_param {
	Opt_phys,
	Opt_size,
	Opt_branch,
	Opt_novalidate,
	Opt_recovery,
	Opt_force,
};

static const struct fs_parameter_spec daxfs_param_specs[] = {
	fsparam_string("phys", Opt_phys),
	fsparam_string("size", Opt_size),
	fsparam_string("branch", Opt_branch),
	fsparam_flag("novalidate", Opt_novalidate),
	fsparam_flag("recovery", Opt_recovery),
	fsparam_flag("force", Opt_force),
	{}
};

static struct daxfs_opts *fc_opts(struct fs_context *fc)
{
	return &((struct daxfs_sb_info *)fc->s_fs_info)->opts;
}

/* Decimal or 0x hex; with @suffix, an optional K, M or G multiplier. */
static int daxfs_parse_num(const char *s, bool suffix, u64 *out)
{
	unsigned int shift = 0;
	char buf[32];
	size_t len = strlen(s);
	u64 v;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len + 1);
	if (suffix) {
		switch (buf[len - 1]) {
		case 'k': case 'K':
			shift = 10;
			break;
		case 'm': case 'M':
			shift = 20;
			break;
		case 'g': case 'G':
			shift = 30;
			break;
		}
		if (shift)
			buf[--len] = '\0';
	}
	/* decimal, or hex after 0x: never octal for a leading 0 */
	if (!len || kstrtoull(buf, strncasecmp(buf, "0x", 2) ? 10 : 16, &v))
		return -EINVAL;
	if (shift && v > (U64_MAX >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

static int daxfs_parse_dmabuf(struct fs_context *fc,
			      struct fs_parameter *param)
{
	struct daxfs_opts *o = fc_opts(fc);
	struct dma_buf *dmabuf;

	if (param->type != fs_value_is_file)
		return invalfc(fc, "dmabuf takes a file descriptor (FSCONFIG_SET_FD)");
	if (o->dmabuf)
		return invalfc(fc, "dmabuf given twice");
	dmabuf = daxfs_dmabuf_from_file(param->file);
	if (IS_ERR(dmabuf))
		return invalfc(fc, "dmabuf: file descriptor is not a dma-buf");
	o->dmabuf = dmabuf;
	return 0;
}

static int daxfs_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct daxfs_opts *o = fc_opts(fc);
	struct fs_parse_result result;
	u64 v;
	int opt;

	if (!strcmp(param->key, "dmabuf"))
		return daxfs_parse_dmabuf(fc, param);
	opt = fs_parse(fc, daxfs_param_specs, param, &result);
	if (opt < 0)
		return opt;

	switch (opt) {
	case Opt_phys:
		if (daxfs_parse_num(param->string, false, &v))
			return invalfc(fc, "phys: bad address '%s'",
				       param->string);
		if (v & (DAXFS_BLOCK_SIZE - 1))
			return invalfc(fc, "phys: 0x%llx is not 4 KiB aligned",
				       v);
		o->phys = v;
		o->has_phys = true;
		break;
	case Opt_size:
		if (daxfs_parse_num(param->string, true, &v))
			return invalfc(fc, "size: bad size '%s'", param->string);
		if (!v)
			return invalfc(fc, "size: must not be zero");
		o->size = v;
		o->has_size = true;
		break;
	case Opt_branch:
		if (!daxfs_branch_name_ok(param->string,
					  strlen(param->string)))
			return invalfc(fc, "branch: bad name '%s'",
				       param->string);
		strscpy(o->branch, param->string, sizeof(o->branch));
		o->has_branch = true;
		break;
	case Opt_novalidate:
		o->novalidate = true;
		break;
	case Opt_recovery:
		o->recovery = true;
		break;
	case Opt_force:
		o->force = true;
		break;
	}
	return 0;
}

/* Check the option set as a whole before anything is mapped. */
static int daxfs_check_opts(struct fs_context *fc, const struct daxfs_opts *o)
{
	if (o->dmabuf && (o->has_phys || o->has_size))
		return invalfc(fc, "give either phys=/size= or dmabuf, not both");
	if (o->has_size && !o->has_phys)
		return invalfc(fc, "size= needs phys=");
	if (o->has_phys && !o->has_size)
		return invalfc(fc, "phys= needs size=");
	if (!o->dmabuf && !o->has_phys &&
	    (!fc->source || !strcmp(fc->source, "none")))
		return invalfc(fc, "no region: give a DAX block device, phys= and size=, or dmabuf");
	if (o->has_phys && o->phys + o->size - 1 < o->phys)
		return invalfc(fc, "phys + size overflows");
	return 0;
}

static int daxfs_map(struct super_block *sb, struct fs_context *fc)
{
	struct daxfs_sb_info *sbi = DAXFS_SB(sb);
	struct daxfs_opts *o = &sbi->opts;
	int ret;

	if (sb->s_bdev)
		return daxfs_region_map_bdev(&sbi->region, sb, fc);
	if (!o->dmabuf)
		return daxfs_region_map_phys(&sbi->region, o->phys, o->size,
					     fc);
	ret = daxfs_region_map_dmabuf(&sbi->region, o->dmabuf, fc);
	if (!ret)
		o->dmabuf = NULL;	/* the region owns the reference now */
	return ret;
}

/* Reports only the first problem, as one kernel log line. */
struct daxfs_report {
	struct super_block *sb;
	bool done;
};

static void daxfs_report_once(void *ctx, const char *msg)
{
	struct daxfs_report *r = ctx;
	const struct daxfs_region *region = &DAXFS_SB(r->sb)->region;

	if (r->done)
		return;
	r->done = true;
	switch (region->source) {
	case DAXFS_SOURCE_PHYS:
		pr_err("phys=%pa: bad image: %s\n", &region->phys, msg);
		break;
	case DAXFS_SOURCE_BDEV:
		pr_err("%pg: bad image: %s\n", r->sb->s_bdev, msg);
		break;
	default:
		pr_err("dmabuf: bad image: %s\n", msg);
	}
}

static int daxfs_open_image(struct super_block *sb, struct daxfs_report *rep)
{
	struct daxfs_sb_info *sbi = DAXFS_SB(sb);
	int idx, ret;

	idx = daxfs_region_enter(&sbi->region);
	if (idx < 0)
		return idx;
	ret = daxfs_image_open(&sbi->img, sbi->region.base, sbi->region.size,
			       daxfs_report_once, rep);
	if (!ret && !sbi->opts.novalidate) {
		ret = daxfs_validate(&sbi->img, 0, daxfs_report_once, rep);
		sbi->validated = !ret;
	}
	daxfs_region_exit(&sbi->region, idx);
	if (ret)
		daxfs_report_once(rep, "cannot open the image");
	return ret;
}

static const struct super_operations daxfs_super_ops;

static int daxfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct daxfs_sb_info *sbi = DAXFS_SB(sb);
	struct daxfs_report rep = { .sb = sb };
	struct inode *root;
	int ret;

	ret = daxfs_map(sb, fc);
	if (ret)
		return ret;
	/* the name kernel messages give the mount */
	if (sbi->region.source == DAXFS_SOURCE_PHYS)
		snprintf(sb->s_id, sizeof(sb->s_id), "phys=0x%llx",
			 (u64)sbi->region.phys);
	else if (sbi->region.source == DAXFS_SOURCE_DMABUF)
		strscpy(sb->s_id, "dmabuf", sizeof(sb->s_id));
	ret = daxfs_open_image(sb, &rep);
	if (ret)
		return ret;

	sb->s_magic = DAXFS_SUPER_MAGIC;
	sb->s_op = &daxfs_super_ops;
	sb->s_xattr = daxfs_xattr_handlers;
	sb->s_flags |= SB_NOSEC | SB_POSIXACL;
	sb->s_blocksize = DAXFS_BLOCK_SIZE;
	sb->s_blocksize_bits = DAXFS_BLOCK_SHIFT;
	sb->s_maxbytes = min_t(u64, MAX_LFS_FILESIZE, DAXFS_FILE_SIZE_MAX);
	/* link(), mkdir() and a directory's rename are checked by the VFS */
	sb->s_max_links = DAXFS_LINK_MAX;
	sb->s_time_gran = 1;
	sb->s_time_min = S64_MIN;
	sb->s_time_max = S64_MAX;
	BUILD_BUG_ON(sizeof(sb->s_uuid) != sizeof(sbi->img.uuid));
	memcpy(&sb->s_uuid, sbi->img.uuid, sizeof(sb->s_uuid));

	if (sbi->img.feat_incompat & DAXFS_FEAT_INCOMPAT_BRANCHES) {
		bool rw = !(fc->sb_flags & SB_RDONLY) && !sbi->opts.recovery;

		ret = daxfs_delta_mount(sb, fc, rw, sbi->opts.recovery);
		if (ret)
			return ret;
		if (!rw)
			sb->s_flags |= SB_RDONLY;
	} else {
		if (strcmp(sbi->opts.branch, "main")) {
			errorfc(fc, "branch '%s': this image has no branches but main (it was made without mkdaxfs -b)",
				sbi->opts.branch);
			return -ENOENT;
		}
		/* no delta region: nothing could be written */
		sb->s_flags |= SB_RDONLY;
	}

	if (sbi->delta)
		sb->s_d_op = &daxfs_dentry_ops;
	root = daxfs_iget(sb, sbi->img.root_ino);
	if (IS_ERR(root)) {
		daxfs_report_once(&rep, "cannot read the root inode");
		return PTR_ERR(root);
	}
	if (!S_ISDIR(root->i_mode)) {
		daxfs_report_once(&rep, "root inode is not a directory");
		iput(root);
		return -EUCLEAN;
	}
	sb->s_root = d_make_root(root);
	if (!sb->s_root)
		return -ENOMEM;
	return 0;
}

static int daxfs_get_tree(struct fs_context *fc)
{
	struct daxfs_opts *o = fc_opts(fc);
	int ret;

	ret = daxfs_check_opts(fc, o);
	if (ret)
		return ret;
	if (o->dmabuf || o->has_phys)
		return get_tree_nodev(fc, daxfs_fill_super);
	return get_tree_bdev(fc, daxfs_fill_super);
}

/*
 * Remount: the region, its size and the branch are fixed for the life of
 * a mount.  Options naming them again (as mount -o remount passes what
 * /proc/mounts shows) are accepted when unchanged and refused otherwise.
 */
/* Is @name the branch the mount shows now? */
static bool daxfs_shows_branch(struct daxfs_sb_info *sbi, const char *name)
{
	bool same;

	if (!sbi->delta)
		return false;
	down_read(&sbi->delta->index_lock);
	same = !strcmp(sbi->delta->name, name);
	up_read(&sbi->delta->index_lock);
	return same;
}

static int daxfs_reconfigure(struct fs_context *fc)
{
	struct super_block *sb = fc->root->d_sb;
	struct daxfs_sb_info *sbi = DAXFS_SB(sb);
	const struct daxfs_region *r = &sbi->region;
	const struct daxfs_opts *o = fc_opts(fc);
	bool want_rw;

	if (o->dmabuf)
		return invalfc(fc, "dmabuf cannot be changed by remount");
	if ((o->has_phys && (r->source != DAXFS_SOURCE_PHYS ||
			     o->phys != r->phys)) ||
	    (o->has_size && (r->source != DAXFS_SOURCE_PHYS ||
			     o->size != r->size)))
		return invalfc(fc, "phys= and size= cannot be changed by remount");
	if (o->has_branch && strcmp(o->branch, sbi->opts.branch) &&
	    !daxfs_shows_branch(sbi, o->branch))
		return invalfc(fc, "branch= cannot be changed by remount (daxfs-branch switch changes it)");
	if (o->novalidate && !sbi->opts.novalidate)
		return invalfc(fc, "novalidate: the image was validated at mount; it cannot be undone by remount");
	if (o->recovery != sbi->opts.recovery && o->recovery)
		return invalfc(fc, "recovery is a mount option, not a remount one");
	if (o->force)
		return invalfc(fc, "force is a mount option, not a remount one");
	/* fspick() reconfigures with an empty mask: no change asked */
	if (!(fc->sb_flags_mask & SB_RDONLY))
		return 0;
	want_rw = !(fc->sb_flags & SB_RDONLY);
	if (want_rw == !sb_rdonly(sb))
		return 0;
	if (!sbi->delta) {
		if (!want_rw)
			return 0;
		errorfc(fc, "this image has no delta region (made without mkdaxfs -b): it stays read-only");
		return -EROFS;
	}
	if (want_rw && sbi->opts.recovery) {
		errorfc(fc, "a recovery mount stays read-only");
		return -EROFS;
	}
	/*
	 * What appends left unpublished goes to the log while it can.  A
	 * mount that can no longer write (EIO: a broken index, a departed
	 * device) or a forced remount goes read-only anyway.
	 */
	if (!want_rw) {
		int ret = daxfs_sync_fs(sb, 1);

		if (ret && ret != -EIO && !(fc->sb_flags & SB_FORCE)) {
			errorfc(fc, "cannot publish the last changes (%d): staying writable", ret);
			return ret;
		}
		if (ret)
			warnfc(fc, "the last changes could not be published (%d)", ret);
	}
	return daxfs_delta_remount(sb, fc, want_rw);
}

static void daxfs_free_sbi(struct daxfs_sb_info *sbi)
{
	if (!sbi)
		return;
	daxfs_region_unmap(&sbi->region);
	daxfs_dmabuf_put(sbi->opts.dmabuf);
	kfree(sbi);
}

static void daxfs_free_fc(struct fs_context *fc)
{
	daxfs_free_sbi(fc->s_fs_info);
}

static const struct fs_context_operations daxfs_context_ops = {
	.parse_param	= daxfs_parse_param,
	.get_tree	= daxfs_get_tree,
	.reconfigure	= daxfs_reconfigure,
	.free		= daxfs_free_fc,
};

static int daxfs_init_fs_context(struct fs_context *fc)
{
	struct daxfs_sb_info *sbi;

	sbi = kzalloc(sizeof(*sbi), GFP_KERNEL);
	if (!sbi)
		return -ENOMEM;
	strscpy(sbi->opts.branch, "main", sizeof(sbi->opts.branch));
	init_rwsem(&sbi->region.fault_lock);
	INIT_LIST_HEAD(&sbi->region.bdev_node);
	fc->s_fs_info = sbi;
	fc->ops = &daxfs_context_ops;
	return 0;
}

/*
 * statfs: blocks are the image's pages, free ones the delta pages not in
 * use (available: less the reserve kept for deletions), files the inode
 * numbers used so far.
 */
static int daxfs_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct super_block *sb = dentry->d_sb;
	struct daxfs_sb_info *sbi = DAXFS_SB(sb);
	struct daxfs_delta *d = sbi->delta;
	u64 id = 0;
	int idx;

	memcpy(&id, &sb->s_uuid, sizeof(id));
	buf->f_type = DAXFS_SUPER_MAGIC;
	buf->f_bsize = DAXFS_BLOCK_SIZE;
	buf->f_frsize = DAXFS_BLOCK_SIZE;
	buf->f_blocks = sbi->img.total_size >> DAXFS_BLOCK_SHIFT;
	buf->f_files = sbi->img.inode_count;
	buf->f_namelen = DAXFS_NAME_MAX;
	buf->f_fsid = u64_to_fsid(id);
	if (!d)
		return 0;
	idx = daxfs_region_enter(&sbi->region);
	if (idx < 0)
		return idx;
	buf->f_bfree = daxfs_alloc_free(&d->alloc);
	buf->f_bavail = daxfs_delta_free_pages(d);
	buf->f_files = daxfs_word_load(&sbi->img, sbi->img.delta.shared_off +
				       offsetof(struct daxfs_shared, next_ino));
	buf->f_ffree = (1ULL << 48) - buf->f_files;
	daxfs_region_exit(&sbi->region, idx);
	return 0;
}

static void daxfs_show_size(struct seq_file *m, u64 v)
{
	static const char units[] = "KMG";
	int i;

	for (i = 2; i >= 0; i--) {
		unsigned int shift = 10 * (i + 1);

		if (v && !(v & ((1ULL << shift) - 1))) {
			seq_printf(m, "%llu%c", v >> shift, units[i]);
			return;
		}
	}
	seq_printf(m, "%llu", v);
}

/*
 * What /proc/mounts shows is what mount -o remount can be given back:
 * phys= and size= for physical memory (a block device or a dma-buf is
 * the mount's source, not an option), the branch, novalidate.
 */
static int daxfs_show_options(struct seq_file *m, struct dentry *root)
{
	struct daxfs_sb_info *sbi = DAXFS_SB(root->d_sb);
	const struct daxfs_region *r = &sbi->region;

	if (r->source == DAXFS_SOURCE_PHYS) {
		seq_printf(m, ",phys=0x%llx,size=", (u64)r->phys);
		daxfs_show_size(m, r->size);
	}
	seq_puts(m, ",branch=");
	if (sbi->delta) {
		/* the branch shown now: a switch or commit may have moved it */
		down_read(&sbi->delta->index_lock);
		seq_escape(m, sbi->delta->name, ", \t\n\\");
		up_read(&sbi->delta->index_lock);
	} else {
		seq_escape(m, sbi->opts.branch, ", \t\n\\");
	}
	if (sbi->opts.novalidate)
		seq_puts(m, ",novalidate");
	if (sbi->opts.recovery)
		seq_puts(m, ",recovery");
	return 0;
}

/*
 * The delta state and the region go with the last inode, before the
 * block device does.
 */
static void daxfs_put_super(struct super_block *sb)
{
	daxfs_delta_unmount(sb);
	daxfs_region_unmap(&DAXFS_SB(sb)->region);
}

static const struct super_operations daxfs_super_ops = {
	.alloc_inode	= daxfs_alloc_inode,
	.free_inode	= daxfs_free_inode,
	.evict_inode	= daxfs_evict_inode,
	.sync_fs	= daxfs_sync_fs,
	.put_super	= daxfs_put_super,
	.statfs		= daxfs_statfs,
	.show_options	= daxfs_show_options,
};

static void daxfs_kill_sb(struct super_block *sb)
{
	struct daxfs_sb_info *sbi = sb->s_fs_info;

	/*
	 * A failed fill_super: put_super does not run, and the DAX device
	 * must go before the block device.
	 */
	if (!sb->s_root && sbi) {
		daxfs_delta_unmount(sb);
		daxfs_region_unmap(&sbi->region);
	}
	if (sb->s_bdev)
		kill_block_super(sb);
	else
		kill_anon_super(sb);
	daxfs_free_sbi(sbi);
}

static struct file_system_type daxfs_fs_type = {
	.owner			= THIS_MODULE,
	.name			= "daxfs",
	.init_fs_context	= daxfs_init_fs_context,
	.parameters		= daxfs_param_specs,
	.kill_sb		= daxfs_kill_sb,
};
MODULE_ALIAS_FS("daxfs");

static int __init daxfs_init(void)
{
	int ret;

	BUILD_BUG_ON(PAGE_SIZE != DAXFS_BLOCK_SIZE);
	ret = daxfs_inode_cache_init();
	if (ret)
		return ret;
	ret = register_filesystem(&daxfs_fs_type);
	if (ret)
		daxfs_inode_cache_exit();
	return ret;
}

static void __exit daxfs_exit(void)
{
	unregister_filesystem(&daxfs_fs_type);
	daxfs_inode_cache_exit();
}

module_init(daxfs_init);
module_exit(daxfs_exit);

MODULE_DESCRIPTION("DAXFS: a filesystem living in a memory region");
MODULE_LICENSE("GPL");

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daxfs.ko private definitions.
 *
 * Locking: nothing here changes after the mount is set up, except where
 * a field says otherwise (the delta region's state: struct daxfs_delta).  The fs_context fields are written only by the
 * (serialised) fs_context calls; the region and image are written only
 * by fill_super, before the superblock is visible; a daxfs_vnode's
 * fields are written only while the inode is I_NEW.  Everything is read
 * without locks afterwards.  The region's *contents* may change at any
 * time (another kernel may share it), so every value read from it goes
 * through the core, which copies, then checks, then uses.
 */
#ifndef _DAXFS_MODULE_H
#define _DAXFS_MODULE_H

#include <linux/fs.h>
#include <linux/iosys-map.h>
#include <linux/pfn_t.h>
#include <linux/rwsem.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/percpu.h>

#include "daxfs_core.h"
#include "daxfs_ioctl.h"
#include "kcompat.h"

struct daxfs_claim;

/*
 * Backing memory of one mount: one kernel virtual range of @size bytes.
 * Set by fill_super, fixed afterwards, except @dead.
 */
struct daxfs_region {
	unsigned int source;		/* DAXFS_SOURCE_*, 0 when unmapped */
	bool persistent;		/* stores must be written back (pmem) */
	u64 size;			/* bytes mapped at @base */
	void *base;			/* kernel mapping of the region */
	/* PHYS and BDEV: the region is physically contiguous */
	phys_addr_t phys;		/* start address */
	unsigned long pfn;		/* its page frame */
	/* PHYS */
	struct daxfs_claim *claim;	/* our hold on the address range */
	/* DMABUF */
	struct dma_buf *dmabuf;		/* our reference */
	struct iosys_map map;		/* the vmap */
	/* BDEV */
	struct dax_device *dax_dev;
	void *dax_holder;		/* the superblock, our holder token */
	struct list_head bdev_node;	/* on daxdev.c's list, its lock */
	/*
	 * Set (once, by the DAX device's failure notification) when the
	 * device is going away; readers see it inside daxfs_region_enter().
	 * Faults test it and insert their entries under @fault_lock held
	 * for reading; the notification sets it with the lock held for
	 * writing, then zaps every user mapping.  Initialised with the
	 * superblock info, before any source is mapped.
	 */
	bool dead;
	struct rw_semaphore fault_lock;
};

/* Mount options, filled by parse_param (fs_context calls are serial). */
struct daxfs_opts {
	phys_addr_t phys;
	u64 size;
	bool has_phys;
	bool has_size;
	bool has_branch;
	bool novalidate;
	bool recovery;			/* read-only, up to a damaged log */
	bool force;			/* break the branch writer's claim (mount only) */
	struct dma_buf *dmabuf;		/* reference owned by the options */
	char branch[DAXFS_BRANCH_NAME_MAX + 1];
};

/* Page runs to give back, collected before they may be (reclaim.c). */
struct daxfs_runs {
	u64 (*run)[2];
	u32 n, cap;
	int err;
};

/*
 * The pages of a top an abort discarded, slot @slot of generation @gen,
 * as its writer's index held them (reclaim.c): reclaim need not replay
 * its log to learn them.  @slot 0 (main, never reclaimed): nothing lent.
 */
struct daxfs_lent {
	u32 slot;
	u64 gen;
	struct daxfs_runs runs;
};

/*
 * The delta region of a branching image, as this mount uses it: the view
 * of its branch (the layers of the branch's chain, root first, one per
 * slot, the top one the branch's own) and, when the mount is writable,
 * the writer of the top slot's log.
 *
 * Locking:
 *  - @index_lock protects @layer, @view, @chain, @upto, @vgen and @name,
 *    and each cached inode's vnode->vgen (moved by a switch): every
 *    query through the view holds it for reading, every change (a
 *    commit's apply, a replay, a switch) for writing.  Nothing sleeps on
 *    user memory while holding it.
 *  - @switch_lock serialises replacing the view (switch, follow, abort,
 *    the drop of a discarded view, remount), from before the old top is
 *    pinned until its inodes are dropped; taken after s_umount, before
 *    inode locks and @log_lock.
 *  - @log_lock serialises commits (stage, apply, publish, free, compact)
 *    and branch operations (create, switch, commit, abort, refresh).
 *    Taken before @index_lock; inode locks (i_rwsem, invalidate_lock)
 *    are taken before either.
 *  - @writer, @writable, @frozen, @top, @top_gen, @name_slot, @name_gen,
 *    @epoch, @drops, @need_drop and @bscratch change only under @log_lock
 *    (remount holds it); @top and @vgen also under @index_lock, so
 *    either lock reads them.  So do @layer, @view, @chain, @chain_gen,
 *    @upto and @rinfo (a switch reads them under @log_lock alone, to
 *    lend layers to the next view).
 *  - @reclaim_lock makes one reclaim pass at a time (the work item, or
 *    an abort at once) and protects @rscratch and @lent; taken after
 *    s_umount, before @log_lock (a pass may fold main).
 *  - @discarded changes under @log_lock (set when the branch is found
 *    gone or the slot lost, cleared by a switch), read with
 *    READ_ONCE.  @broken and @lost are set once, without a lock, read
 *    with READ_ONCE; @lost (daxfs_slot_lost()) also sets @broken.
 *  - @alloc is lock-free (compare-and-swap in the region); @cursor is a
 *    per-CPU hint.
 *  - @mount_id and @mount_slot are fixed while mounted; @heartbeat runs
 *    from mount to unmount.
 */
struct daxfs_delta {
	struct super_block *sb;
	struct daxfs_alloc alloc;
	struct daxfs_layer *layer[DAXFS_VIEW_MAX]; /* one per chain slot */
	struct daxfs_view view;		/* base + @layer */
	u32 chain[DAXFS_VIEW_MAX];	/* the slots of the view, root first */
	u64 chain_gen[DAXFS_VIEW_MAX];	/* their generations */
	u64 upto[DAXFS_VIEW_MAX];	/* where each one's log was read to */
	/* where each one's replay ended (a writer's top: see @writer) */
	struct daxfs_replay_info rinfo[DAXFS_VIEW_MAX];
	u32 top;			/* chain[depth - 1]: the writable log */
	u64 top_gen;
	u32 name_slot;			/* the slot of the branch's name */
	u64 name_gen;
	char name[DAXFS_BRANCH_NAME_MAX + 1];
	unsigned long vgen;		/* bumped when the view is replaced */
	u64 epoch;			/* the shared epoch last acted on */
	struct daxfs_bslot *bscratch;	/* a table snapshot's room */
	/* reclaim's snapshots, under @reclaim_lock (allocated at its first pass) */
	struct daxfs_bslot *rscratch;
	struct daxfs_lent lent;		/* an aborted top's pages, for reclaim */
	struct mutex reclaim_lock;
	struct rw_semaphore index_lock;
	struct mutex log_lock;
	struct mutex switch_lock;	/* one view replacement at a time */
	struct daxfs_writer writer;
	struct daxfs_replay_info replay;
	bool writable;			/* holds the branch, @writer is open */
	bool frozen;			/* the top has children: EROFS */
	bool discarded;			/* the branch is gone: ESTALE */
	bool need_drop;			/* discarded, its inodes not dropped yet */
	unsigned int drops;		/* old views being dropped: no seen_epoch */
	bool broken;			/* the index failed: everything is EIO */
	bool lost;			/* the mount table slot was taken over */
	bool recovered;			/* mounted read-only up to damage */
	u64 __percpu *cursor;		/* data page allocation hint */
	u64 mount_id;
	u32 mount_slot;
	struct delayed_work heartbeat;
	struct delayed_work attrs_work;	/* publishes deferred attributes */
	struct work_struct refresh_work; /* follows commits made elsewhere */
	struct delayed_work reclaim_work; /* frees discarded branches */
	unsigned int beats;		/* heartbeats, for the reclaim scan */
	spinlock_t dirty_lock;		/* protects @dirty_list */
	struct list_head dirty_list;	/* vnodes with attrs_dirty */
	atomic_t quiesce;		/* appends publish at once (sync.c) */
	u32 fold_failed;		/* depth a fold last failed at (fold.c) */
	/* pages readers may still read (retire.c, which says the rules) */
	spinlock_t retire_lock;
	struct list_head retired;
	u64 retired_pages;
	u32 fold_old[DAXFS_VIEW_MAX];	/* a fold's old chain, while shown */
	u64 fold_old_gen[DAXFS_VIEW_MAX]; /* (each slot's generation then) */
	u32 fold_nold;
	u64 reaps_seen;			/* the region's reap count, and */
	u64 hold_until;			/* nothing given back before (jiffies) */
	u64 rid[DAXFS_MOUNT_SLOTS];	/* readers waited for: their ids, */
	u64 rbeat[DAXFS_MOUNT_SLOTS];	/* heartbeats, since when, */
	u64 rpos[DAXFS_MOUNT_SLOTS];	/* positions, since when */
	unsigned long rsince[DAXFS_MOUNT_SLOTS];
	unsigned long rpsince[DAXFS_MOUNT_SLOTS];
};

/* Per-superblock state; fixed once fill_super returns, except @delta. */
struct daxfs_sb_info {
	struct daxfs_opts opts;
	struct daxfs_region region;
	struct daxfs_image img;		/* geometry from the checked super */
	bool validated;			/* full validator ran and passed */
	struct daxfs_delta *delta;	/* branching images only */
};

/*
 * In-memory inode: the inode as the view showed it at iget (@vi: its
 * base part never changes; the attributes are kept equal to the VFS
 * inode's by every commit, under the inode's lock).  A symlink's target
 * is copied into inode->i_link then too (so path walks follow it without
 * leaving RCU mode) and freed with the inode, after a grace period.
 * @logged: the inode exists in the log or the base (a new inode that
 * failed to commit does not, and leaves nothing to free at eviction).
 */
struct daxfs_vnode {
	struct daxfs_vinode vi;
	bool logged;
	unsigned long vgen;		/* its view (filled from, or carried to) */
	atomic_long_t mmap_dirty;	/* stores to write back (sync.c) */
	atomic_long_t attrs_dirty;	/* changes not in the log (sync.c) */
	struct list_head dirty_node;	/* on delta->dirty_list (sync.c) */
	struct mutex cow_lock;		/* faults moving a page to the delta */
	struct inode vfs_inode;
};

static inline struct daxfs_vnode *DAXFS_I(struct inode *inode)
{
	return container_of(inode, struct daxfs_vnode, vfs_inode);
}

static inline struct daxfs_sb_info *DAXFS_SB(struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline const struct daxfs_image *daxfs_img(struct inode *inode)
{
	return &DAXFS_SB(inode->i_sb)->img;
}

static inline struct daxfs_region *daxfs_region(struct inode *inode)
{
	return &DAXFS_SB(inode->i_sb)->region;
}

static inline struct daxfs_delta *daxfs_delta(struct inode *inode)
{
	return DAXFS_SB(inode->i_sb)->delta;
}

/*
 * Is @inode from a view this mount no longer shows (it switched branch,
 * or its branch was discarded)?  Then nothing may read or change it
 * through the current view: -ESTALE.  A mount whose mount table slot was
 * taken over shows nothing any more: -EIO.  Stable under either of the
 * delta's locks; a hint without them.
 */
static inline int daxfs_stale(struct inode *inode)
{
	struct daxfs_delta *d = daxfs_delta(inode);

	if (!d)
		return 0;
	if (READ_ONCE(d->lost))
		return -EIO;
	if (READ_ONCE(d->discarded) ||
	    DAXFS_I(inode)->vgen != READ_ONCE(d->vgen))
		return -ESTALE;
	return 0;
}

/* Where delta page @pgno of @inode's region is mapped in the kernel. */
static inline void *daxfs_page_addr(struct inode *inode, u64 pgno)
{
	return (u8 *)daxfs_region(inode)->base +
	       daxfs_page_off(daxfs_img(inode), pgno);
}

/* region.c: the mapping shared by all sources */
void daxfs_region_unmap(struct daxfs_region *r);
pfn_t daxfs_region_pfn(const struct daxfs_region *r, u64 off);
int daxfs_region_enter(struct daxfs_region *r);
void daxfs_region_exit(struct daxfs_region *r, int idx);
int daxfs_region_enter_fault(struct daxfs_region *r);
void daxfs_region_exit_fault(struct daxfs_region *r, int idx);
int daxfs_region_copy_to_iter(const struct daxfs_region *r, u64 off,
			      size_t len, struct iov_iter *to, size_t *done);
size_t daxfs_region_copy_from_iter(const struct daxfs_region *r, u64 off,
				   size_t len, struct iov_iter *from);
bool daxfs_region_persistent(const struct daxfs_region *r);

/* phys.c: physical memory (phys=) */
int daxfs_region_map_phys(struct daxfs_region *r, phys_addr_t phys,
			  u64 size, struct fs_context *fc);
void daxfs_region_unmap_phys(struct daxfs_region *r);

/* dmabuf.c: a dma-buf (fsconfig "dmabuf") */
struct dma_buf *daxfs_dmabuf_from_file(struct file *file);
void daxfs_dmabuf_put(struct dma_buf *dmabuf);
int daxfs_region_map_dmabuf(struct daxfs_region *r, struct dma_buf *dmabuf,
			    struct fs_context *fc);
void daxfs_region_unmap_dmabuf(struct daxfs_region *r);

/* daxdev.c: a DAX-capable block device (mount -t daxfs /dev/pmem0) */
int daxfs_region_map_bdev(struct daxfs_region *r, struct super_block *sb,
			  struct fs_context *fc);
void daxfs_region_unmap_bdev(struct daxfs_region *r);

/* delta.c: the delta region of a mount (replay, claims, recovery) */
void daxfs_report_line(void *ctx, const char *msg);
int daxfs_delta_mount(struct super_block *sb, struct fs_context *fc,
		      bool rw, bool recovery);
void daxfs_delta_unmount(struct super_block *sb);
int daxfs_delta_remount(struct super_block *sb, struct fs_context *fc,
			bool rw);
u64 daxfs_delta_free_pages(struct daxfs_delta *d);
/* Does @name_slot still lead to @top?  -EAGAIN if not (branch.c). */
int daxfs_still_top(struct super_block *sb, struct daxfs_delta *d,
		    u32 name_slot, u32 top, u64 gen, bool say);
/* Another live mount showing top slot @top?  1, 0, -EINTR (delta.c). */
int daxfs_other_mounts(struct super_block *sb, struct daxfs_delta *d, u32 top,
		       u32 flags);
int daxfs_claim_top(struct super_block *sb, struct daxfs_delta *d, u32 top,
		    bool view);
void daxfs_release_top(struct super_block *sb, struct daxfs_delta *d,
		       u32 top);
int daxfs_mount_alive(const struct daxfs_image *img, u32 slot, u64 id);
bool daxfs_slot_lost(struct daxfs_delta *d);
void daxfs_note_branch(struct daxfs_delta *d, u32 top, u32 flags);
void daxfs_note_writer(struct daxfs_delta *d);
void daxfs_reap(const struct daxfs_image *img, u32 slot, u64 id);

void daxfs_runs_add(struct daxfs_runs *r, u64 pgno, u64 n);
int daxfs_runs_chunk(void *ctx, u64 pgno, u64 lsn);
void daxfs_quiet(void *ctx, const char *msg);

/* retire.c: pages readers may still read, given back once they cannot */
void daxfs_retire(void *ctx, u32 slot, u64 pgno, u64 npages, u64 lsn);
void daxfs_writer_hook(struct daxfs_delta *d);
void daxfs_retired_drain(struct daxfs_delta *d);
void daxfs_retired_settle(struct daxfs_delta *d);
void daxfs_retired_forget(struct daxfs_delta *d);
bool daxfs_retire_held(struct daxfs_delta *d);
void daxfs_fold_guard(struct daxfs_delta *d, const u32 *chain, u32 n);
bool daxfs_fold_pending(struct daxfs_delta *d);

/* fold.c: main folded into one layer when its chain is this deep */
#define DAXFS_FOLD_DEPTH	8
void daxfs_fold_maybe(struct super_block *sb, struct daxfs_delta *d);

/* reclaim.c: the space of discarded branches (looked at every few beats) */
#define DAXFS_RECLAIM_BEATS	5
void daxfs_reclaim_work(struct work_struct *work);
void daxfs_reclaim_soon(struct daxfs_delta *d);
void daxfs_reclaim_now(struct daxfs_delta *d, struct daxfs_lent *lent);
void daxfs_lend_top(struct daxfs_delta *d, struct daxfs_lent *lent);
void daxfs_lent_free(struct daxfs_lent *lent);

/* branch.c: the branch a mount shows, and the branch operations */
int daxfs_follow_now(struct super_block *sb);
int daxfs_view_open(struct super_block *sb, struct daxfs_delta *d,
		    const char *name, bool rw, bool recovery, bool say);
void daxfs_view_close(struct daxfs_delta *d);
int daxfs_branch_refresh(struct super_block *sb);
/*
 * Has a writer published more of the top's log than this read-only
 * mount shows?  A hint without @log_lock (the heartbeat asks).
 */
bool daxfs_tail_moved(struct daxfs_delta *d);
void daxfs_refresh_work(struct work_struct *work);
long daxfs_ioc_branch(struct file *file, unsigned int cmd,
		      void __user *argp);
extern const struct dentry_operations daxfs_dentry_ops;

/* txn.c: committing a transaction */
int daxfs_commit_txn(struct super_block *sb, struct daxfs_txn *t);
int daxfs_alloc_pages(struct super_block *sb, u64 want, unsigned int flags,
		      u64 *pgno, u64 *got);
void daxfs_free_pages(struct super_block *sb, u64 pgno, u64 npages);
void daxfs_view_lock(struct super_block *sb);
void daxfs_view_unlock(struct super_block *sb);
int daxfs_writable(struct super_block *sb);
int daxfs_may_change(struct inode *inode);
int daxfs_view_get(struct inode *inode);
void daxfs_view_put(struct inode *inode);

/* inode.c */
int __init daxfs_inode_cache_init(void);
void daxfs_inode_cache_exit(void);
struct inode *daxfs_alloc_inode(struct super_block *sb);
void daxfs_free_inode(struct inode *inode);
void daxfs_evict_inode(struct inode *inode);
struct inode *daxfs_iget(struct super_block *sb, u64 ino);
int daxfs_reload_root(struct inode *root);
struct inode *daxfs_new_inode(daxfs_idmap_t *idmap, struct inode *dir,
			      umode_t mode, dev_t rdev);
void daxfs_attr_from_inode(struct inode *inode, struct daxfs_attr *a);
int daxfs_txn_attrs(struct daxfs_txn *t, struct inode *inode);
int daxfs_getattr(daxfs_idmap_t *idmap, const struct path *path,
		  struct kstat *stat, u32 request_mask, unsigned int flags);
int daxfs_setattr(daxfs_idmap_t *idmap, struct dentry *dentry,
		  struct iattr *attr);
extern const struct inode_operations daxfs_file_inode_operations;
extern const struct inode_operations daxfs_special_inode_operations;
extern const struct inode_operations daxfs_symlink_inode_operations;

/* dir.c, namei.c */
/*
 * Where @name leads in directory @dir, in the view shown now: the inode
 * number (0: no such entry) and that view's generation.  -ESTALE when
 * @dir is not of that view.
 */
int daxfs_dir_peek(struct inode *dir, const struct qstr *name, u64 *ino,
		   unsigned long *vgen);
#define DAXFS_LINK_MAX	(1U << 31)
struct dentry *daxfs_lookup_op(struct inode *dir, struct dentry *dentry,
			       unsigned int flags);
extern const struct inode_operations daxfs_dir_inode_operations;
extern const struct file_operations daxfs_dir_operations;
int daxfs_dir_query(struct inode *dir, struct daxfs_vinode *vi);

/* file.c, write.c */
extern const struct file_operations daxfs_file_operations;
ssize_t daxfs_write_iter(struct kiocb *iocb, struct iov_iter *from);
int daxfs_truncate(struct inode *inode, loff_t size);
long daxfs_fallocate(struct file *file, int mode, loff_t off, loff_t len);
int daxfs_map_page(struct inode *inode, u64 pgoff, struct daxfs_fmap *m);
int daxfs_own_page(struct inode *inode, u64 pgoff, struct daxfs_fmap *m);
int daxfs_fill_page(struct inode *inode, u64 pgoff, u64 pgno, u32 from,
		    u32 to, loff_t old_size);

/* sync.c: what changes leave for later */
void daxfs_defer_attrs(struct inode *inode);
int daxfs_publish_attrs(struct inode *inode);
void daxfs_undefer_attrs(struct inode *inode);
int daxfs_settle_attrs(struct inode *inode);
void daxfs_forget_attrs(struct inode *inode);
void daxfs_mapped_store(struct inode *inode, struct file *file);
int daxfs_sync_inode(struct inode *inode);
int daxfs_fsync(struct file *file, loff_t start, loff_t end, int datasync);
int daxfs_sync_fs(struct super_block *sb, int wait);
int daxfs_quiesce_begin(struct super_block *sb, struct daxfs_delta *d);
int daxfs_quiesce_lock(struct super_block *sb, struct daxfs_delta *d);
void daxfs_quiesce_end(struct daxfs_delta *d);
void daxfs_attrs_work(struct work_struct *work);

/* mmap.c */
int daxfs_mmap(struct file *file, struct vm_area_struct *vma);

/* xattr.c */
extern const struct xattr_handler *daxfs_xattr_handlers[];
ssize_t daxfs_listxattr(struct dentry *dentry, char *buf, size_t size);
int daxfs_txn_xattr(struct daxfs_txn *t, struct inode *inode,
		    const char *name, const void *value, size_t size);
int daxfs_init_security(struct daxfs_txn *t, struct inode *inode,
			struct inode *dir, const struct qstr *qstr);
int daxfs_xattr_raw_get(struct inode *inode, const char *name, void *buf,
			size_t size);

/* acl.c */
struct posix_acl *daxfs_get_acl(struct inode *inode, int type, bool rcu);
int daxfs_set_acl_op(daxfs_idmap_t *idmap, daxfs_acl_target_t *target,
		     struct posix_acl *acl, int type);
int daxfs_txn_acls(struct daxfs_txn *t, struct inode *inode,
		   struct posix_acl *acl, struct posix_acl *default_acl);

/* ioctl.c */
long daxfs_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* _DAXFS_MODULE_H */

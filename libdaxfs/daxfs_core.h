/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * libdaxfs: the portable core shared verbatim by daxfs.ko and the tools.
 *
 * The region is shared memory that another kernel may change at any
 * time, so the core never hands out a pointer into it.  Every structure
 * it reads (superblock, inode, extent, dirent, xattr entry, name, link
 * target, xattr value) is first copied out of the region with
 * daxfs_copy_region(), then checked, then used: a check and the use that
 * follows it always see the same bytes, and a machine check on
 * persistent memory becomes -EIO instead of a panic.  Every offset,
 * length and count is bounds-checked against the geometry cached in
 * struct daxfs_image, which itself was decoded from one copy of the
 * superblock.  A bad value yields -EUCLEAN, never an out-of-bounds
 * access, and no loop runs longer than a count the geometry bounds
 * (long ones call daxfs_yield()).
 */
#ifndef _DAXFS_CORE_H
#define _DAXFS_CORE_H

#include "daxfs_compat.h"
#include "daxfs_format.h"

/* Geometry of a mapped image, decoded from one copy of its superblock. */
struct daxfs_image {
	const u8 *base;			/* first byte of the region */
	u64 size;			/* bytes mapped at @base */
	u64 total_size;
	u64 feat_compat;
	u64 feat_ro_compat;
	u64 feat_incompat;
	u64 branch_off;
	u32 branch_count;
	u32 root_ino;
	u64 inode_off;
	u64 inode_count;
	u64 extent_off;
	u64 extent_count;
	u64 dirent_off;
	u64 dirent_count;
	u64 xattr_off;
	u64 xattr_count;
	u64 strtab_off;
	u64 strtab_size;
	u64 meta_size;
	u32 meta_crc;
	u32 data_crc;
	u64 data_off;
	u64 data_size;
	u64 delta_off;
	u64 delta_size;
	s64 build_time;
	u8 uuid[16];
	/*
	 * The delta region, decoded by daxfs_delta_open() from one checked
	 * copy of its header (all offsets from the start of the region).
	 * Zero without branches.
	 */
	struct {
		u64 page_count;		/* delta pages */
		u64 bitmap_off;
		u64 groups_off;
		u64 pages_off;		/* where delta page 0 starts */
		u64 shared_off;		/* struct daxfs_shared */
		u32 group_pages;
		u32 group_count;
		u64 first_ino;		/* first inode number after the base */
	} delta;
	/*
	 * Writable access to the region (the same memory as @base), or NULL
	 * when this user only reads.  @persistent: stores must be written
	 * back from the CPU caches before what depends on them is published.
	 */
	u8 *wbase;
	bool persistent;
};

/* A base inode, decoded. */
struct daxfs_inode_info {
	u64 ino;
	u32 mode;
	u32 nlink;
	u32 uid;
	u32 gid;
	u64 size;
	u64 data;
	u32 count;
	u32 parent;
	s64 atime_sec;
	s64 mtime_sec;
	s64 ctime_sec;
	u32 atime_nsec;
	u32 mtime_nsec;
	u32 ctime_nsec;
	u32 rdev_major;
	u32 rdev_minor;
	u64 xattr_first;
	u32 xattr_count;
	u64 blocks;			/* pages mapped (regular files) */
};

/* A directory entry with its name copied out of the region. */
struct daxfs_dirent_info {
	u64 ino;
	u32 name_len;
	u8 type;			/* DAXFS_FT_* */
	char name[DAXFS_NAME_MAX + 1];	/* NUL-terminated */
};

/*
 * An extended attribute: its name copied out of the region, its value
 * located (read it with daxfs_xattr_value()).
 */
struct daxfs_xattr_info {
	u32 name_len;
	u32 value_len;
	u64 value_off;			/* string table offset, checked */
	char name[DAXFS_XATTR_NAME_MAX + 1];	/* NUL-terminated */
};

/* Problem reporter: called once per problem with a one-line message. */
typedef void (*daxfs_report_fn)(void *ctx, const char *msg);

/* ---- crc.c ---- */
/* Standard CRC32C (init ~0, final xor ~0) of @len bytes. */
u32 daxfs_crc32c(const void *buf, size_t len);
/* CRC of the superblock block (DAXFS_SUPER_SIZE bytes), @crc as zero. */
u32 daxfs_super_crc(const void *super_block);
/*
 * CRC of a branch slot's fields written once: @parent, @name, @log_id,
 * @parent_gen, @fork_lsn, @create_time, in that order, as stored.
 */
u32 daxfs_branch_crc(const struct daxfs_branch *b);

/* ---- names.c ---- */
int daxfs_name_cmp(const u8 *a, u32 alen, const u8 *b, u32 blen);
bool daxfs_name_valid(const u8 *name, u32 len);
u8 daxfs_mode_to_ft(u32 mode);
/* An xattr name: 1..255 bytes, no NUL, a known namespace prefix. */
bool daxfs_xattr_name_valid(const u8 *name, u32 len);

/* ---- image.c ---- */
/*
 * Copy the superblock at @base once, check the copy (magic, version,
 * CRC, features, sizes, that every table lies inside @size and that
 * tables do not overlap) and decode it into @img.  Returns 0, -EINVAL
 * (not a DAXFS image or unsupported version/features), -EUCLEAN
 * (damaged), -EIO (unreadable memory) or -ENOMEM; @report gets one line
 * saying why.  Cheap: touches only the superblock.
 */
int daxfs_image_open(struct daxfs_image *img, const void *base, u64 size,
		     daxfs_report_fn report, void *ctx);
/*
 * Copy @len bytes at region offset @off into @dst: -EUCLEAN when the
 * range is not inside the image, -EIO when the memory cannot be read.
 */
int daxfs_image_read(const struct daxfs_image *img, u64 off, void *dst,
		     u64 len);

/* ---- validate.c ---- */
#define DAXFS_VALIDATE_DATA_CRC	(1U << 0)	/* also check data_crc */
#define DAXFS_VALIDATE_ALL	(1U << 1)	/* report every problem */
/*
 * Full check of an opened image: metadata CRC, every inode, extent,
 * dirent, xattr and string in bounds, names valid and sorted, directory
 * graph a tree rooted at root_ino, link counts, branch table and delta
 * header.  Stops at the first problem unless DAXFS_VALIDATE_ALL.
 * Returns 0, -EUCLEAN, -EIO, -ENOMEM (scratch memory) or -EINTR (the
 * task is being killed; the kernel build yields as it goes).
 */
int daxfs_validate(const struct daxfs_image *img, unsigned int flags,
		   daxfs_report_fn report, void *ctx);

/* ---- inode.c ---- */
/* Decode inode @ino and check the fields its type uses. */
int daxfs_inode_read(const struct daxfs_image *img, u64 ino,
		     struct daxfs_inode_info *out);
/*
 * Map file page @pgoff of a regular inode.  Returns 0 with *@off the
 * region offset and *@npages the contiguous pages from @pgoff, 1 for a
 * hole with *@npages the hole pages from @pgoff (up to the next extent or
 * end of file), -EINVAL past the end of file, or -EUCLEAN / -EIO.
 * Binary search over the extents.
 */
int daxfs_file_map(const struct daxfs_image *img,
		   const struct daxfs_inode_info *inode, u64 pgoff,
		   u64 *off, u64 *npages);
/*
 * SEEK_DATA (@data) / SEEK_HOLE: the first page at or after @pgoff that
 * holds data, or that is a hole, in *@out.  Past the last page there is
 * always a hole (*@out is then the file's page count); -ENXIO when
 * @data and no data follows.  At most one step per extent.
 */
int daxfs_file_seek(const struct daxfs_image *img,
		    const struct daxfs_inode_info *inode, u64 pgoff,
		    bool data, u64 *out);
/*
 * Copy the target of symlink @inode into @buf of @size bytes (at least
 * DAXFS_SYMLINK_MAX + 1), NUL-terminated, and check the copy.  Returns
 * the target length or -EUCLEAN / -EIO / -ERANGE.
 */
int daxfs_symlink_read(const struct daxfs_image *img,
		       const struct daxfs_inode_info *inode, char *buf,
		       u32 size);

/* ---- dir.c ---- */
/* Binary search for @name in directory @dir.  -ENOENT if absent. */
int daxfs_dir_lookup(const struct daxfs_image *img,
		     const struct daxfs_inode_info *dir,
		     const u8 *name, u32 len, struct daxfs_dirent_info *out);
/* Entry @index (0-based) of @dir, name checked; -ENOENT past the end. */
int daxfs_dir_entry(const struct daxfs_image *img,
		    const struct daxfs_inode_info *dir, u64 index,
		    struct daxfs_dirent_info *out);

/* ---- xattr.c ---- */
/* Xattr @index of @inode, name checked; -ENOENT past the last one. */
int daxfs_xattr_entry(const struct daxfs_image *img,
		      const struct daxfs_inode_info *inode, u32 index,
		      struct daxfs_xattr_info *out);
/* Binary search by full name ("user.foo"); -ENODATA if absent. */
int daxfs_xattr_lookup(const struct daxfs_image *img,
		       const struct daxfs_inode_info *inode,
		       const u8 *name, u32 len, struct daxfs_xattr_info *out);
/*
 * Copy the value of @x into @buf of @size bytes: the value length, or
 * -ERANGE (too small a buffer), -EUCLEAN, -EIO.
 */
int daxfs_xattr_value(const struct daxfs_image *img,
		      const struct daxfs_xattr_info *x, void *buf, u32 size);

/* ---- tree.c: intrusive AVL tree (the in-memory indexes) ---- */
struct daxfs_tnode {
	struct daxfs_tnode *left, *right, *parent;
	int height;
};

struct daxfs_tree {
	struct daxfs_tnode *root;
	u64 count;
};

/* <0, 0, >0 as @key orders before, equal to, after @node. */
typedef int (*daxfs_tcmp_fn)(const void *key, const struct daxfs_tnode *node);

struct daxfs_tnode *daxfs_tree_find(const struct daxfs_tree *t,
				    const void *key, daxfs_tcmp_fn cmp);
/* The first node >= @key / the last node <= @key, or NULL. */
struct daxfs_tnode *daxfs_tree_ceil(const struct daxfs_tree *t,
				    const void *key, daxfs_tcmp_fn cmp);
struct daxfs_tnode *daxfs_tree_floor(const struct daxfs_tree *t,
				     const void *key, daxfs_tcmp_fn cmp);
/* Insert @node under @key; returns the node already there, or NULL. */
struct daxfs_tnode *daxfs_tree_insert(struct daxfs_tree *t,
				      struct daxfs_tnode *node,
				      const void *key, daxfs_tcmp_fn cmp);
void daxfs_tree_erase(struct daxfs_tree *t, struct daxfs_tnode *n);
struct daxfs_tnode *daxfs_tree_first(const struct daxfs_tree *t);
struct daxfs_tnode *daxfs_tree_last(const struct daxfs_tree *t);
struct daxfs_tnode *daxfs_tree_next(const struct daxfs_tnode *n);
struct daxfs_tnode *daxfs_tree_prev(const struct daxfs_tnode *n);
/* Remove any node (leaves first), for tearing a tree down; NULL if empty. */
struct daxfs_tnode *daxfs_tree_pop(struct daxfs_tree *t);

#define daxfs_tree_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* ---- record.c: log records ---- */
/* A decoded log record; @payload points into the record's bytes. */
struct daxfs_rec_view {
	u16 type;
	u16 flags;
	u32 len;
	u64 lsn;
	u64 ino;
	const u8 *payload;		/* the type's fixed part, then the tail */
	u32 payload_len;
};

/*
 * Encode a record of @type into @buf (capacity @cap): header (with @lsn
 * and @flags), then @fixed (@fixed_len bytes, the type's struct), then
 * the @ntail pieces of @tail (names, values) back to back, zero padding
 * to DAXFS_REC_ALIGN, CRC last.  Returns the record length or -ENOSPC
 * (@cap too small) / -EINVAL (not a valid record).
 */
struct daxfs_rec_piece {
	const void *p;
	u32 len;
};
int daxfs_rec_encode(void *buf, u32 cap, u16 type, u16 flags, u64 lsn,
		     u64 ino, const void *fixed, u32 fixed_len,
		     const struct daxfs_rec_piece *tail, u32 ntail);
/*
 * As daxfs_rec_encode(), for a record that is sealed later (its LSN and
 * CRC set by daxfs_rec_seal() when it goes into a log): no CRC now.
 */
int daxfs_rec_build(void *buf, u32 cap, u16 type, u64 ino, const void *fixed,
		    u32 fixed_len, const struct daxfs_rec_piece *tail,
		    u32 ntail);
/* Set @lsn and @flags of an encoded record and compute its CRC again. */
void daxfs_rec_seal(void *rec, u64 lsn, u16 flags);
/*
 * Decode and verify the record at @buf with @avail readable bytes: magic,
 * length, alignment, CRC, known type and flags, and that the names and
 * values the fixed part announces fit in the record and are valid
 * (names: daxfs_name_valid / daxfs_xattr_name_valid; lengths in range).
 * 0 or -EUCLEAN.  @buf must be a private copy.
 */
int daxfs_rec_decode(const void *buf, u64 avail, struct daxfs_rec_view *out);
/*
 * daxfs_rec_decode() without the CRC: for records this code just built
 * in its own memory (a transaction being applied).
 */
int daxfs_rec_parse(const void *buf, u64 avail, struct daxfs_rec_view *out);
/* The fixed part's size for @type, 0 for an unknown type. */
u32 daxfs_rec_fixed_size(u16 type);

/* ---- format.c: making the delta region and main's slot ---- */
struct daxfs_delta_layout {
	u64 bitmap_off;			/* from the start of the delta region */
	u64 groups_off;
	u64 first_page;
	u64 page_count;
	u32 group_count;
};

/* Where the areas of a delta region of @size bytes go. */
void daxfs_delta_layout(u64 size, struct daxfs_delta_layout *d);
/*
 * Write a fresh delta region of @size bytes at @area (a plain buffer or
 * mapping, not yet in use): header, shared counters (the next inode
 * @first_ino), bitmap, group counts, and main's first log chunk (delta
 * page 0, log @log_id).  Writes the first first_page + 4 KiB bytes;
 * the pages after need no particular contents.  -EINVAL when @size
 * holds no page or @log_id is 0.
 */
int daxfs_delta_format(void *area, u64 size, u64 first_ino, u64 log_id);
/* Slot 0: a live "main" whose log is that chunk, empty. */
void daxfs_main_slot(struct daxfs_branch *b, u64 log_id, u64 create_time);

/* ---- delta.c: the delta region's geometry and shared words ---- */
/*
 * Copy the delta region's header once, check it (magic, CRC, geometry
 * inside delta_size, areas in order, page size) and decode it into
 * @img->delta.  -EUCLEAN / -EIO with one line to @report.
 */
int daxfs_delta_open(struct daxfs_image *img, daxfs_report_fn report,
		     void *ctx);
/* Region offset of delta page @pgno (< page_count). */
static inline u64 daxfs_page_off(const struct daxfs_image *img, u64 pgno)
{
	return img->delta.pages_off + (pgno << DAXFS_BLOCK_SHIFT);
}
/* Branch slot @i, copied out of the region (i < branch_count). */
int daxfs_branch_read(const struct daxfs_image *img, u32 i,
		      struct daxfs_branch *out);
/*
 * Is slot @i, at generation @gen, whole (its CRC right)?  0, -EUCLEAN
 * when it is not, -ESTALE when the slot is at another generation now.
 */
int daxfs_branch_check(const struct daxfs_image *img, u32 i, u64 gen);
/* Region offset of slot @i's field at @field_off. */
static inline u64 daxfs_branch_word(const struct daxfs_image *img, u32 i,
				    size_t field_off)
{
	return img->branch_off + (u64)i * sizeof(struct daxfs_branch) +
	       field_off;
}
/* Region offset of mount slot @i's field at @field_off. */
static inline u64 daxfs_mount_word(const struct daxfs_image *img, u32 i,
				   size_t field_off)
{
	return img->delta.shared_off +
	       offsetof(struct daxfs_shared, mounts) +
	       (u64)i * sizeof(struct daxfs_mount_slot) + field_off;
}
/* Shared words by region offset (8-byte aligned, inside the image). */
u64 daxfs_word_load(const struct daxfs_image *img, u64 off);
u64 daxfs_word_cas(const struct daxfs_image *img, u64 off, u64 old, u64 new);
void daxfs_word_store(const struct daxfs_image *img, u64 off, u64 v);
/* A 32-bit hint (4-byte aligned): one store, no ordering. */
void daxfs_hint32_store(const struct daxfs_image *img, u64 off, u32 v);
/* Atomic add; returns the new value. */
u64 daxfs_word_add(const struct daxfs_image *img, u64 off, s64 delta);
/*
 * Store @len bytes at region offset @off and (on persistent memory)
 * write them back from the CPU caches; daxfs_fence() orders them.
 */
void daxfs_region_write(const struct daxfs_image *img, u64 off,
			const void *src, u64 len);
void daxfs_region_zero(const struct daxfs_image *img, u64 off, u64 len);
void daxfs_persist(const struct daxfs_image *img, u64 off, u64 len);
void daxfs_fence(const struct daxfs_image *img);
/* A new inode number from the shared counter. */
u64 daxfs_ino_next(const struct daxfs_image *img);
/* Raise the shared counter above @ino (replay found it in use). */
void daxfs_ino_seen(const struct daxfs_image *img, u64 ino);

/*
 * Mounts using the region (struct daxfs_mount_slot).  Claiming takes a
 * free slot; a slot whose heartbeat stopped for a lease must be found
 * dead by the caller (it alone can wait) and taken with
 * daxfs_mount_take().  -EBUSY when every slot is in use.
 */
int daxfs_mount_claim(const struct daxfs_image *img, u64 id, u32 branch,
		      u32 flags, u32 *slot);
int daxfs_mount_take(const struct daxfs_image *img, u32 slot, u64 old_id,
		     u64 id, u32 branch, u32 flags);
/* Our slot @slot now shows top slot @branch, with @flags. */
void daxfs_mount_update(const struct daxfs_image *img, u32 slot, u32 branch,
			u32 flags);
/*
 * A read-only mount's view: it shows its top's log read up to @lsn;
 * while a new view is built, it pins the top and position the old one
 * still reads (DAXFS_BRANCH_NONE: nothing pinned).
 */
void daxfs_mount_shown(const struct daxfs_image *img, u32 slot, u64 lsn);
void daxfs_mount_pin(const struct daxfs_image *img, u32 slot, u32 top,
		     u64 lsn);
/*
 * Is a mount other than slot @self (alive or not: the caller judges)
 * showing or pinning top slot @top's log read to a position before @lsn,
 * so that it may still read a page the transaction ending at @lsn gave
 * up?  1 (its slot in *@who) or 0.
 */
int daxfs_mount_reader(const struct daxfs_image *img, u32 self, u32 top,
		       u64 lsn, u32 *who);
/*
 * A slot was taken from a mount found dead (which may only have
 * stalled): the shared count every such takeover bumps, and its value.
 */
void daxfs_mount_reaped(const struct daxfs_image *img);
u64 daxfs_mount_reaps(const struct daxfs_image *img);
/* Our slot @slot has acted on the shared epoch @epoch. */
void daxfs_mount_seen(const struct daxfs_image *img, u32 slot, u64 epoch);
void daxfs_mount_beat(const struct daxfs_image *img, u32 slot);
void daxfs_mount_release(const struct daxfs_image *img, u32 slot, u64 id);
/* The slot holding @id, or -ENOENT. */
int daxfs_mount_find(const struct daxfs_image *img, u64 id, u32 *slot);

/* ---- alloc.c: delta page allocator ---- */
/*
 * One bit per delta page in the region (1 = in use), changed only by
 * compare-and-swap of 64-bit words, so mounts in several kernels can
 * allocate at once; a free-page count per allocation group (a hint)
 * lets a search skip full groups.  A search starts at the caller's
 * cursor (per CPU in the kernel) and takes the first free bits it finds,
 * so no allocation scans the whole bitmap and no two CPUs fight over one
 * word or counter unless the region is nearly full.
 */
struct daxfs_alloc {
	const struct daxfs_image *img;
	u64 words;			/* bitmap words */
	u64 reserve;			/* pages only DAXFS_ALLOC_RESERVE may take */
};

/*
 * Allocations that may dip into the reserve: those of transactions that
 * free space (unlink, truncate, ...), which must work on a full region.
 */
#define DAXFS_ALLOC_RESERVE	(1U << 0)

int daxfs_alloc_init(struct daxfs_alloc *a, const struct daxfs_image *img);
/*
 * Take up to @want (>= 1) free pages in a row, starting the search at
 * *@cursor (a page number; updated past what was taken).  *@pgno and
 * *@got say what was taken.  The bitmap word is durable before this
 * returns.  -ENOSPC when no page is free, or when only the reserve is
 * left and @flags lacks DAXFS_ALLOC_RESERVE; -EUCLEAN when the bitmap
 * is damaged (a word claims pages past the end of the region).
 */
int daxfs_alloc_get(struct daxfs_alloc *a, u64 *cursor, u64 want,
		    unsigned int flags, u64 *pgno, u64 *got);
/*
 * Give @n pages from @pgno back.  -EUCLEAN (and nothing changed for the
 * offending word) when one was not in use: a double free.
 */
int daxfs_alloc_put(struct daxfs_alloc *a, u64 pgno, u64 n);
/* Free pages, from the group counts (a hint; exact when quiescent). */
u64 daxfs_alloc_free(const struct daxfs_alloc *a);
/* Is page @pgno marked in use? */
bool daxfs_alloc_test(const struct daxfs_alloc *a, u64 pgno);
/*
 * Make the region's bitmap and group counts exactly @used (a bitmap of
 * page_count bits in memory, 1 = in use): for recovery by the only
 * mount of the region.  *@leaked / *@lost get the pages that were marked
 * but not in use, and in use but not marked.
 */
int daxfs_alloc_rebuild(struct daxfs_alloc *a, const u64 *used,
			u64 *leaked, u64 *lost);

/* ---- layer.c: one branch's changes, in memory ---- */
/* Effective attributes of an inode. */
struct daxfs_attr {
	u32 mode;
	u32 nlink;
	u32 uid;
	u32 gid;
	u64 size;
	u64 parent;			/* directories: the parent's number */
	s64 atime_sec;
	s64 mtime_sec;
	s64 ctime_sec;
	u32 atime_nsec;
	u32 mtime_nsec;
	u32 ctime_nsec;
	u32 rdev_major;
	u32 rdev_minor;
};

/*
 * A layer: the state of one branch's log, as replayed (and kept current
 * by every commit).  A view stacks layers on the base image: main's at
 * the bottom, then each descendant's down to the branch the view shows.
 * Each layer holds only what its own log changed: attributes, extents
 * of file pages (delta pages or punched holes), a truncation point that
 * hides the layers below, xattrs (set or deleted), and directory
 * entries (added or deleted: a whiteout).  The nodes are private to
 * layer.c and view.c.
 */
struct daxfs_lnode;

struct daxfs_layer {
	struct daxfs_tree inodes;	/* struct daxfs_lnode by number */
	u64 max_ino;			/* highest inode number created */
	u64 records;			/* records applied since the checkpoint */
	u64 owned_pages;		/* data pages its extents hold */
	u64 entries;			/* directory entries it holds */
};

void daxfs_layer_init(struct daxfs_layer *l);
/*
 * Call @fn with every run of delta pages the layer's extents hold (file
 * data), in inode then page order; stops at, and returns, the first
 * nonzero value @fn returns.  For fsck: which pages are in use.
 */
typedef int (*daxfs_pages_fn)(void *ctx, u64 ino, u64 pgoff, u64 pgno,
			      u64 npages);
int daxfs_layer_pages(const struct daxfs_layer *l, daxfs_pages_fn fn,
		      void *ctx);
/*
 * Call @fn with the number of every inode the layer left with no link
 * and not freed (open when the log ended: gone now); stops at, and
 * returns, the first nonzero value @fn returns.
 */
typedef int (*daxfs_ino_fn)(void *ctx, u64 ino);
int daxfs_layer_orphans(const struct daxfs_layer *l, daxfs_ino_fn fn,
			void *ctx);
/*
 * Does the layer say anything of inode @ino: its attributes, data,
 * xattrs, entries (when a directory), or that it was freed?  When no
 * layer above a view's shared lower layers does, @ino reads the same in
 * both views.
 */
bool daxfs_layer_knows(const struct daxfs_layer *l, u64 ino);
/* Do @a and @b (say, one log replayed to two places) say the same of @ino? */
bool daxfs_layer_same(const struct daxfs_layer *a,
		      const struct daxfs_layer *b, u64 ino);
/* Free every node (the delta pages are not touched). */
void daxfs_layer_clear(struct daxfs_layer *l);

#define DAXFS_VIEW_MAX	64		/* layers in a view: nesting depth */

/*
 * What a mount sees: the base image, then @depth layers, the last one on
 * top.  Queries go from the top down: the first layer that knows the
 * answer wins.  A view holds pointers only; the layers' owner keeps them
 * alive.  All queries and changes of one view are serialised by the
 * caller (the module: a read/write semaphore per mount).
 */
struct daxfs_view {
	const struct daxfs_image *img;
	struct daxfs_layer *layer[DAXFS_VIEW_MAX];
	u32 depth;
};

/* Called with the pages a change stops using (the writer frees them). */
typedef void (*daxfs_free_fn)(void *ctx, u64 pgno, u64 npages);
/* Pages log @slot let go of at position @lsn (struct daxfs_writer). */
typedef void (*daxfs_retire_fn)(void *ctx, u32 slot, u64 pgno, u64 npages,
				u64 lsn);

/*
 * Apply one verified record to layer @level of @v (the layers below it
 * and the base are what it changes).  Checks that the record makes sense
 * there (the inode exists and has the right type, a deleted name exists,
 * a new inode is new, cookies grow, page numbers are inside the delta
 * region, ...) before changing anything: -EUCLEAN if not, -ENOMEM.
 * Pages the record stops using in this layer go to @fr (may be NULL).
 * A CHECKPOINT record empties the layer.
 */
int daxfs_layer_apply(struct daxfs_view *v, u32 level,
		      const struct daxfs_rec_view *rec, daxfs_free_fn fr,
		      void *ctx);

/* ---- fold.c: a layer restated as records; folding layers ---- */
/* Called with each record; a nonzero return stops the walk with it. */
typedef int (*daxfs_restate_fn)(void *ctx, u16 type, u64 ino,
				const void *fixed, u32 flen,
				const struct daxfs_rec_piece *tail, u32 ntail);
/*
 * Call @fn with records that rebuild @l when applied to an empty layer
 * at its place: attributes first, then file pages, xattrs and names,
 * then freed inodes.  What a checkpoint writes.
 */
int daxfs_layer_restate(const struct daxfs_layer *l, daxfs_restate_fn fn,
			void *ctx);
/*
 * Fold @upper into layer @level of @v: afterwards the base and layers
 * [0, @level] answer every query as they did with @upper on top.
 * @upper must have been built on exactly that view (the layer of a child
 * of @level's slot, forked where @level's log ends).  The pages @level
 * stops using (those @upper hid or freed) go to @fr; @upper's pages now
 * belong to @level too; @upper itself is not changed (clear it).  On an
 * error (-ENOMEM, -EUCLEAN, -EINTR) layer @level is half folded: throw
 * it away.
 */
int daxfs_layer_fold(struct daxfs_view *v, u32 level,
		     const struct daxfs_layer *upper, daxfs_free_fn fr,
		     void *ctx);

/* ---- view.c: queries through the layers ---- */
/* An inode as a view sees it. */
struct daxfs_vinode {
	u64 ino;
	struct daxfs_attr attr;		/* effective attributes */
	bool in_base;			/* @base is the base inode */
	bool changed;			/* some layer changed it */
	struct daxfs_inode_info base;
	u64 blocks;			/* pages with data (st_blocks / 8) */
};

/* The inode @ino: -ENOENT when it does not exist (never made, or freed). */
int daxfs_view_inode(const struct daxfs_view *v, u64 ino,
		     struct daxfs_vinode *out);
/* Look @name up in directory @dir: -ENOENT when absent. */
int daxfs_view_lookup(const struct daxfs_view *v,
		      const struct daxfs_vinode *dir, const u8 *name, u32 len,
		      struct daxfs_dirent_info *out);
/*
 * Readdir: the first entry of @dir at position >= @pos (positions 0 and
 * 1 are "." and ".."; base entries have 2 + their index; entries added
 * in a layer have their cookie), in *@out, its position in *@at.
 * -ENOENT past the last.  Positions never change while an entry exists.
 */
int daxfs_view_readdir(const struct daxfs_view *v,
		       const struct daxfs_vinode *dir, u64 pos,
		       struct daxfs_dirent_info *out, u64 *at);
/* 1 when @dir has no entries, 0 when it has, or an error. */
int daxfs_view_dir_empty(const struct daxfs_view *v,
			 const struct daxfs_vinode *dir);
/* The cookie a new entry of @dir gets (above every one used). */
u64 daxfs_view_next_cookie(const struct daxfs_view *v,
			   const struct daxfs_vinode *dir);

/* Where a file page is. */
struct daxfs_fmap {
	u64 off;			/* region offset of the page (data) */
	u64 npages;			/* pages from there on, same kind */
	u64 pgno;			/* delta page, when @level >= 0 */
	int level;			/* layer owning it; -1: the base */
	bool hole;			/* reads as zeros (@off, @pgno unused) */
};
/*
 * Map file page @pgoff of @inode (whose size @inode->attr.size bounds
 * it): -EINVAL past the end of the file, -EUCLEAN / -EIO.
 */
int daxfs_view_map(const struct daxfs_view *v,
		   const struct daxfs_vinode *inode, u64 pgoff,
		   struct daxfs_fmap *out);
/* SEEK_DATA / SEEK_HOLE in pages, as daxfs_file_seek(). */
int daxfs_view_seek(const struct daxfs_view *v,
		    const struct daxfs_vinode *inode, u64 pgoff, bool data,
		    u64 *out);
/* A symlink's target into @buf (NUL-terminated): its length or error. */
int daxfs_view_symlink(const struct daxfs_view *v,
		       const struct daxfs_vinode *inode, char *buf, u32 size);
/* The value of xattr @name: its length, -ENODATA, -ERANGE (@size short). */
int daxfs_view_xattr_get(const struct daxfs_view *v,
			 const struct daxfs_vinode *inode, const u8 *name,
			 u32 len, void *buf, u32 size);
/*
 * Call @fn with the full name of each of @inode's xattrs (any order, each
 * once); stops at, and returns, the first nonzero value @fn returns.
 */
typedef int (*daxfs_name_fn)(void *ctx, const char *name, u32 len);
int daxfs_view_xattr_names(const struct daxfs_view *v,
			   const struct daxfs_vinode *inode, daxfs_name_fn fn,
			   void *ctx);

/* ---- txn.c: a transaction being built ---- */
/*
 * The records of one operation, encoded in memory (their LSNs and CRCs
 * are set when they are written to the log).  Adding records never fails
 * partially: an error sticks (@err) and the commit refuses the lot.
 */
#define DAXFS_TXN_INLINE	512	/* most transactions fit here */

struct daxfs_txn {
	u8 *buf;			/* @small, or a larger buffer */
	u32 len;
	u32 cap;
	u32 nrec;
	int err;
	unsigned int alloc_flags;	/* DAXFS_ALLOC_RESERVE: frees space */
	unsigned long tag;		/* the caller's (the module: the view) */
	u8 small[DAXFS_TXN_INLINE] __aligned(8);
};

void daxfs_txn_init(struct daxfs_txn *t);
void daxfs_txn_release(struct daxfs_txn *t);
/*
 * Every attribute of @ino; @flags DAXFS_RI_NEW for a new inode (with
 * its symlink @target, or NULL).
 */
int daxfs_txn_inode(struct daxfs_txn *t, u64 ino, const struct daxfs_attr *a,
		    u32 flags, const char *target, u32 target_len);
int daxfs_txn_free(struct daxfs_txn *t, u64 ino);
int daxfs_txn_dirent_add(struct daxfs_txn *t, u64 dir, const u8 *name,
			 u32 len, u64 child, u64 cookie, u8 type);
int daxfs_txn_dirent_del(struct daxfs_txn *t, u64 dir, const u8 *name,
			 u32 len);
int daxfs_txn_map(struct daxfs_txn *t, u64 ino, u64 pgoff, u64 npages,
		  u64 pgno);
int daxfs_txn_punch(struct daxfs_txn *t, u64 ino, u64 pgoff, u64 npages);
int daxfs_txn_truncate(struct daxfs_txn *t, u64 ino, u64 pages);
int daxfs_txn_xattr_set(struct daxfs_txn *t, u64 ino, const u8 *name,
			u32 len, const void *value, u32 value_len);
int daxfs_txn_xattr_del(struct daxfs_txn *t, u64 ino, const u8 *name,
			u32 len);
/* Walk the records of @t: *@pos starts at 0; 1 while there is one. */
int daxfs_txn_next(const struct daxfs_txn *t, u32 *pos,
		   struct daxfs_rec_view *rec);

/* ---- log.c: reading, replaying and writing a branch's log ---- */
/* A log's extent, from a checked copy of its branch slot. */
struct daxfs_log_span {
	u32 slot;
	u64 log_id;
	u64 head;			/* pgno of the first chunk */
	u64 tail;			/* LSN past the last transaction */
};

int daxfs_log_span(const struct daxfs_image *img, u32 slot,
		   struct daxfs_log_span *out);
/*
 * Call @fn with the page of every chunk of the log, from the head to the
 * chunk holding the tail (checking each as a reader does); stops at, and
 * returns, the first nonzero value @fn returns.  -EUCLEAN when the chain
 * is damaged.
 */
typedef int (*daxfs_chunk_fn)(void *ctx, u64 pgno, u64 lsn);
int daxfs_log_chunks(const struct daxfs_image *img,
		     const struct daxfs_log_span *span, daxfs_chunk_fn fn,
		     void *ctx);

/*
 * A new, empty log @log_id: its first chunk (LSN 0) in a page taken from
 * @a at *@cursor, durable, in *@pgno.
 */
int daxfs_log_start(struct daxfs_alloc *a, u64 *cursor, u64 log_id,
		    u64 *pgno);
/*
 * Call @fn with every chunk of the log @span describes, following the
 * links from its head while they lead to chunks of that log, past the
 * tail too (a discarded branch's log, which nobody writes any more: what
 * to free).
 */
int daxfs_log_walk_all(const struct daxfs_image *img,
		       const struct daxfs_log_span *span, daxfs_chunk_fn fn,
		       void *ctx);

/*
 * Reading a log from its head to its tail, record by record: each chunk
 * header and each record is copied out of the region, then checked (the
 * chunk's id and LSN, the record's CRC, that its LSN is where it was
 * read, that a transaction ends exactly at the tail).  The reader's buffer
 * starts at DAXFS_REC_SMALL bytes (most records are smaller) and grows,
 * in 4 KiB steps, to the largest record met, at most DAXFS_REC_MAX.
 */
struct daxfs_log_reader {
	const struct daxfs_image *img;
	struct daxfs_log_span span;
	u64 lsn;			/* next record */
	u64 chunk;			/* pgno of the chunk holding @lsn */
	u64 chunk_lsn;			/* its first payload LSN */
	u64 next;			/* its next link */
	u64 chunks;			/* chunks visited */
	bool in_txn;			/* inside a transaction */
	u8 *buf;			/* @cap bytes: the record being read */
	u32 cap;
};

#define DAXFS_REC_SMALL		1024U

int daxfs_log_reader_init(struct daxfs_log_reader *r,
			  const struct daxfs_image *img,
			  const struct daxfs_log_span *span);
void daxfs_log_reader_release(struct daxfs_log_reader *r);
/*
 * The next record in @rec (its bytes stay valid until the next call):
 * 1, 0 at the tail, -EUCLEAN (damage: one line to @report), -EIO, -EINTR,
 * -ENOMEM.
 */
int daxfs_log_next(struct daxfs_log_reader *r, struct daxfs_rec_view *rec,
		   daxfs_report_fn report, void *ctx);

/* What a replay found. */
struct daxfs_replay_info {
	u64 records;
	u64 txns;
	u64 chunks;
	u64 tail_chunk;			/* pgno of the chunk holding the tail */
	u64 tail_chunk_lsn;
	u64 good_lsn;			/* end of the last whole transaction */
	u64 ckpt_chunk;			/* a checkpoint's chunk past the head, */
	u64 ckpt_lsn;			/* or DAXFS_NO_PAGE */
	bool damaged;			/* stopped early (recovery only) */
};

#define DAXFS_REPLAY_RECOVER	(1U << 0)	/* keep what precedes damage */

/*
 * Replay the log of branch slot @slot into layer @level of @v (which
 * must be empty): every record verified and applied, whole transactions
 * only.  With DAXFS_REPLAY_RECOVER, damage ends the replay after the
 * last whole transaction (info->damaged) instead of failing it.
 * Raises the shared inode counter past every number found.  -EUCLEAN
 * with one line to @report, -EIO, -ENOMEM, -EINTR.
 */
int daxfs_replay(struct daxfs_view *v, u32 level, u32 slot, unsigned int flags,
		 struct daxfs_replay_info *info, daxfs_report_fn report,
		 void *ctx);
/*
 * The same, up to LSN @upto at most (a transaction boundary): a parent's
 * log as a child forked from it (its fork_lsn).  -EUCLEAN when the log no
 * longer reaches back there (compacted since).
 */
int daxfs_replay_upto(struct daxfs_view *v, u32 level, u32 slot, u64 upto,
		      unsigned int flags, struct daxfs_replay_info *info,
		      daxfs_report_fn report, void *ctx);
struct daxfs_btab;
/*
 * A branch's chain (@n slots, root first) into @v, one new layer each
 * (daxfs_zalloc'd; @v->depth counts those made, even on an error): each
 * parent's log up to where the next slot forked from it.  Free the
 * layers with daxfs_view_free_layers().
 */
int daxfs_replay_chain(struct daxfs_view *v, const struct daxfs_btab *t,
		       const u32 *chain, u32 n, unsigned int flags,
		       struct daxfs_replay_info *info, daxfs_report_fn report,
		       void *ctx);
void daxfs_view_free_layers(struct daxfs_view *v);

/*
 * Writing a branch's log (its single writer: the mount holding the
 * branch).  A commit stages the transaction's records at the tail
 * (allocating and linking chunks as it goes; nothing is visible yet),
 * applies them to the top layer, then publishes: one store of the new
 * tail.  The caller serialises commits and holds its index lock across
 * apply and publish.
 */
struct daxfs_writer {
	struct daxfs_view *view;	/* its top layer is the branch's */
	struct daxfs_alloc *alloc;
	u64 cursor;			/* allocation cursor for chunks */
	u32 slot;
	u64 log_id;
	u64 head;			/* pgno of the first chunk */
	u64 head_lsn;
	u64 tail;			/* published LSN */
	u64 pos;			/* staged up to here */
	u64 chunk;			/* pgno of the chunk holding @pos */
	u64 chunk_lsn;
	u64 tail_chunk;			/* pgno of the chunk holding @tail */
	u64 tail_chunk_lsn;
	u64 nstaged;			/* chunks the staged txn linked */
	u64 compact_at;			/* compact when the tail passes this */
	u64 compact_min;		/* log bytes always allowed (4 MiB) */
	u64 ckpt_bytes;			/* size of the last checkpoint */
	bool broken;			/* an apply failed: refuse commits */
	/*
	 * Pages the published log stopped using (replaced or freed file
	 * pages, log chunks before a checkpoint) go here when set, with the
	 * log position that let go of them, instead of straight back to
	 * the allocator: a reader of the log may still use them.
	 */
	daxfs_retire_fn retire;
	void *retire_ctx;
};

/*
 * Set the writer up after daxfs_replay() of the same slot into the top
 * layer of @v (@w's retire hook, set or NULL, is kept; the rest of @w is
 * set here): positions it at the tail, unlinks and frees any chunks
 * linked past the tail by an interrupted commit, and moves the head to
 * a checkpoint replay found past it (freeing the chunks before it).
 */
int daxfs_writer_open(struct daxfs_writer *w, struct daxfs_view *v,
		      struct daxfs_alloc *alloc, u32 slot,
		      const struct daxfs_replay_info *info);
/* Stage @t at the tail: -ENOSPC (nothing staged), -EINVAL (@t->err...). */
int daxfs_log_stage(struct daxfs_writer *w, struct daxfs_txn *t);
/* Forget what daxfs_log_stage() staged (its chunks are freed). */
void daxfs_log_unstage(struct daxfs_writer *w);
/*
 * Apply @t to the top layer (after staging it); -EUCLEAN is a bug and
 * breaks the writer (the staged txn is dropped).
 */
int daxfs_txn_apply(struct daxfs_writer *w, const struct daxfs_txn *t,
		    daxfs_free_fn fr, void *ctx);
/* Make the staged transaction durable and visible. */
void daxfs_log_publish(struct daxfs_writer *w);
/*
 * What a replay of @w's log up to its tail would find (@info for
 * daxfs_writer_open()): the tail and its chunk; no checkpoint past the
 * head (the writer moves the head to each one it writes).
 */
void daxfs_writer_info(const struct daxfs_writer *w,
		       struct daxfs_replay_info *info);
/* All of the above in order (for single-threaded users). */
int daxfs_commit(struct daxfs_writer *w, struct daxfs_txn *t,
		 daxfs_free_fn fr, void *ctx);
/* The log has grown past its compaction point. */
bool daxfs_log_should_compact(const struct daxfs_writer *w);
/*
 * Rewrite the log as one checkpoint transaction restating the top
 * layer, move the head to it and free the chunks before it.  Needs the
 * layer stable (the caller's index lock, held for reading at least).
 * -ENOSPC leaves the log as it was.
 */
int daxfs_log_compact(struct daxfs_writer *w);
/* Bytes between head and tail. */
u64 daxfs_log_bytes(const struct daxfs_writer *w);

/*
 * Folding main's chain into one new root slot (docs/branch-protocol.md,
 * "Keeping main shallow").  The caller is main's writer, holds its log
 * lock, and has checked that nothing but main uses the chain's slots.
 */
struct daxfs_fold {
	/* in */
	struct daxfs_view *view;	/* main's chain replayed afresh: its
					 * layers are folded into layer 0,
					 * and the depth set to 1 */
	struct daxfs_alloc *alloc;
	u64 *cursor;
	struct daxfs_bslot *scratch;	/* room for a table snapshot */
	u64 owner;			/* the folding mount's id */
	u64 log_id;			/* the new log's id, nonzero */
	u64 now;
	u64 merged;			/* slot 0's merge word the chain was
					 * read with */
	u32 top;			/* main's top: still ours, its log */
	u64 top_gen;			/* its generation */
	u64 tail;			/* still ending here, at the publish */
	daxfs_free_fn fr;		/* pages the fold stops using: free */
	void *fr_ctx;			/* them only if the fold succeeds */
	daxfs_report_fn report;
	void *ctx;
	/* out */
	u32 slot;			/* main's new root (and top) */
	struct daxfs_writer writer;	/* on its log, over @view */
	struct daxfs_replay_info info;
};
/*
 * Fold: layers into one, a new slot's log holding it as one checkpoint,
 * then the CAS that makes main that slot.  On success the caller frees
 * what went to @fr, releases the old top's claim and keeps the new
 * slot's (held already); the old slots are left to reclaim (their logs'
 * chunks only) and slot 0's log is the caller's to give back.  On an
 * error nothing changed in the region (-ENOSPC, -ENOMEM, -EUCLEAN,
 * -ESTALE: main moved on) but @view, which is half folded.
 */
int daxfs_fold_main(struct daxfs_fold *f);

/*
 * ---- The branch table's rules (branch.c, docs/branch-protocol.md) ----
 *
 * Over a decoded snapshot of the table.  @merged/@merged_gen: the slot
 * this one's name now leads to (a commit into it), DAXFS_BRANCH_NONE for
 * none; a link (parent, merge) counts only while the slot it names still
 * has the generation it expects.
 */
#define DAXFS_BTAB_MAX_DEPTH	64	/* nesting, root slot included */

struct daxfs_bslot {
	u32 state;			/* enum daxfs_branch_state */
	u32 parent;			/* slot, or DAXFS_BRANCH_NONE (root) */
	u64 generation;
	u64 parent_gen;
	u32 merged;			/* slot, or DAXFS_BRANCH_NONE */
	u32 merged_gen;			/* its generation's low 32 bits */
	char name[DAXFS_BRANCH_NAME_MAX + 1];
	/* for listing and reclaiming; the rules do not use them */
	u64 owner;
	u64 log_id;
	u64 log_head;
	u64 log_tail;
	u64 fork_lsn;
	u64 create_time;
	u64 dead_epoch;
	u32 fold_top;			/* a fold's slot: the top it folded */
	u32 fold_gen;			/* that top's generation, low 32 bits */
	u64 fold_lsn;			/* where that top's log ended */
	u64 fold_end;			/* where the fold's checkpoint ends */
	u32 data_pages;			/* a hint (see struct daxfs_branch) */
};

struct daxfs_btab {
	const struct daxfs_bslot *slot;
	u32 count;
};

enum daxfs_bliveness {
	DAXFS_BL_FREE,			/* an unused slot */
	DAXFS_BL_LIVE,			/* a branch, under its own name */
	DAXFS_BL_ABSORBED,		/* live, but another name leads to it */
	DAXFS_BL_DISCARDED,		/* aborted, lost a commit, or orphaned */
	DAXFS_BL_CREATING,		/* being made (or its maker died) */
};

/* 1-31 characters of [A-Za-z0-9._-], not "." or "..". */
bool daxfs_branch_name_ok(const char *name, size_t len);
/*
 * The slots from the root up to @slot into @chain (at most @max): their
 * number; -ESTALE when a parent slot was reused, -EUCLEAN for a damaged
 * table (a loop, a slot out of range, deeper than @max).
 */
int daxfs_btab_chain(const struct daxfs_btab *t, u32 slot, u32 *chain,
		     u32 max);
/* Follow merges from @slot to the top it stands for now. */
int daxfs_btab_resolve(const struct daxfs_btab *t, u32 slot, u32 *top);
/* enum daxfs_bliveness of @slot, or -EUCLEAN. */
int daxfs_btab_liveness(const struct daxfs_btab *t, u32 slot);
/*
 * The first slot of main's chain: 0, or the slot of main's last fold
 * (docs/branch-protocol.md, "Keeping main shallow").
 */
int daxfs_btab_main_root(const struct daxfs_btab *t, u32 *root);
/*
 * Was @slot's layer folded into main's root (or is it a fold never
 * published)?  Its data pages are then not its own: reclaim and check
 * count only its log's chunks.  Slot 0, folded, has no log at all (the
 * folder gave its chunks back).
 */
bool daxfs_btab_folded(const struct daxfs_btab *t, u32 slot);
/*
 * The top slot branch @name stands for ("main": slot 0's): -ENOENT when
 * no live branch has the name, -EINVAL for a name that is not valid.
 */
int daxfs_btab_lookup(const struct daxfs_btab *t, const char *name,
		      size_t len, u32 *top);
/* The slot holding name @name (0 for "main"), not resolved; as above. */
int daxfs_btab_find(const struct daxfs_btab *t, const char *name,
		    size_t len, u32 *slot);
/* The slot whose name leads to @top now, or -ENOENT (no name does). */
int daxfs_btab_name_of(const struct daxfs_btab *t, u32 top, u32 *slot);
/*
 * Decode slot @b (a copy out of the region) into @out.  Its CRC is not
 * checked here: a table snapshot is taken several times per branch
 * operation.  Mount checks the slots live then (validate.c, B4), a mount
 * each slot of a chain it is about to show (daxfs_branch_check()), and
 * check every slot.
 */
void daxfs_bslot_decode(const struct daxfs_branch *b, struct daxfs_bslot *out);
/*
 * Is @top (a slot a name resolves to) frozen: has it a child slot that is
 * not free (live, being made, or discarded but not reclaimed yet: mounts
 * of it may still read the parent's pages)?  1 yes, 0 no.
 */
int daxfs_btab_frozen(const struct daxfs_btab *t, u32 top);
/* Is @slot on the chain of top slot @top? */
bool daxfs_btab_on_chain(const struct daxfs_btab *t, u32 top, u32 slot);
/*
 * Is @slot on the chain some live name (main included) stands for now?
 * Such a slot's log is in use, whatever its own liveness.
 */
bool daxfs_btab_needed(const struct daxfs_btab *t, u32 slot);
/*
 * Is slot @slot gone for good: discarded (aborted, or by the rules) and
 * on no live name's chain?  Its discard may be published (DISCARDED, a
 * dead_epoch) while slots below it are still there.
 */
bool daxfs_btab_dead(const struct daxfs_btab *t, u32 slot);
/*
 * May slot @slot's space be given back (once every mount has seen its
 * discard): dead, and no slot below it any more (children go first).
 */
bool daxfs_btab_reclaimable(const struct daxfs_btab *t, u32 slot);
/*
 * Where to stop replaying each slot of @chain (@n slots, root first): a
 * parent's log as the next slot forked from it (its fork_lsn; for a live
 * chain that is where the frozen parent ends anyway), the top's whole.
 */
void daxfs_btab_limits(const struct daxfs_btab *t, const u32 *chain, u32 n,
		       u64 *upto);

/* ---- btable.c: changing the branch table in the region ---- */
/* The shared epoch: bumped after every change of the table. */
u64 daxfs_epoch(const struct daxfs_image *img);
/*
 * A snapshot of the table into @slots (branch_count of them), as @t.
 * Words other kernels change may move right after: every decision made
 * on a snapshot is confirmed by a compare-and-swap.
 */
int daxfs_btab_load(const struct daxfs_image *img, struct daxfs_bslot *slots,
		    struct daxfs_btab *t);

/* A branch to create. */
struct daxfs_bnew {
	const char *name;
	u32 len;
	u32 parent;			/* the top slot it forks from */
	u64 owner;			/* the creating mount's id */
	u64 log_id;			/* its log's id, nonzero */
	u64 chunk;			/* its log's first chunk, written */
	u64 now;			/* seconds since the epoch */
};

/*
 * Create branch @nb in a free slot (*@out).  The caller holds the
 * parent's writable claim.  -EINVAL (bad name), -EEXIST (a live branch
 * has it), -ESTALE (the parent is not a live top), -ENOSPC (no free slot),
 * -EMLINK (the parent's chain is DAXFS_BTAB_MAX_DEPTH slots already).
 * *@out is DAXFS_BRANCH_NONE when no slot was taken: the caller frees
 * @nb->chunk then (else the slot's log holds it, discarded when a racing
 * creator of the same name won; or leaked, -ESTALE, when the caller
 * stalled for a lease, was found dead and its slot freed under it).
 * @scratch: branch_count slots.
 */
int daxfs_branch_create(const struct daxfs_image *img,
			struct daxfs_bslot *scratch,
			const struct daxfs_bnew *nb, u32 *out);
/*
 * Folding main: claim a FREE slot for the fold (a root named "main",
 * CREATING, held by @nb->owner, its log starting at @nb->chunk) in *@out;
 * then, its log written, note in it what the log restates (the top
 * @top, generation @gen, read to @lsn, is what the log read to @end
 * shows); then make it LIVE and move slot 0's merge word from @merged to
 * it (-ESTALE if either changed: main moved on).
 */
int daxfs_branch_fold_begin(const struct daxfs_image *img,
			    struct daxfs_bslot *scratch,
			    const struct daxfs_bnew *nb, u32 *out);
int daxfs_branch_fold_note(const struct daxfs_image *img, u32 slot,
			   u64 owner, u32 top, u64 gen, u64 lsn, u64 end);
int daxfs_branch_fold_publish(const struct daxfs_image *img, u32 slot,
			      u64 merged);
/*
 * Discard the branch named by slot @slot (generation @gen) and so every
 * branch below it: -ESTALE if it is not live (any more).
 */
int daxfs_branch_abort(const struct daxfs_image *img, u32 slot, u64 gen);
/*
 * Reclaiming a discarded slot (a writable mount, when every mount has
 * seen its discard: seen_epoch >= dead_epoch).  mark_dead: a slot the
 * rules discard gets the DISCARDED state and a dead_epoch (the wait
 * starts).  reclaim_claim: CAS its owner from 0 to @owner (-EBUSY: a mount
 * still holds it).  branch_free: after the caller collected its pages,
 * the slot is FREE again (the caller then gives the pages back: a crash
 * between leaks them, never frees them twice).  It returns -ESTALE when
 * the caller's claim was taken over (a peer found it dead) or the slot
 * moved on: the pages are not the caller's to give back then.  Only one
 * CAS of the state from DISCARDED to FREE succeeds, so only one reclaimer
 * frees them.
 */
int daxfs_branch_mark_dead(const struct daxfs_image *img, u32 slot, u64 gen);
int daxfs_branch_reclaim_claim(const struct daxfs_image *img, u32 slot,
			       u64 gen, u64 owner);
int daxfs_branch_free(const struct daxfs_image *img, u32 slot, u64 owner);
/* Give a reclaim claim back without freeing (it could not be read). */
void daxfs_branch_reclaim_release(const struct daxfs_image *img, u32 slot,
				  u64 owner);
/*
 * A CREATING slot whose creator @dead died (0: a creator that was found
 * dead while it still ran, below): take it over (CAS of its owner from
 * @dead to @owner) and make it FREE.  Its first chunk, if it got one, is
 * leaked (check names it).
 */
int daxfs_branch_drop_creating(const struct daxfs_image *img, u32 slot,
			       u64 dead, u64 owner);
/*
 * A FREE slot whose owner word a mount @dead left set (it died between the
 * two compare-and-swaps of taking the slot, or of giving it back): clear
 * the word, so that the slot can be taken again.  -EINVAL for slot 0,
 * one out of range or a zero @dead, -ESTALE when the slot is not FREE,
 * -EBUSY when the word is not @dead's.  The caller found @dead dead.
 */
int daxfs_branch_drop_owner(const struct daxfs_image *img, u32 slot,
			    u64 dead);
/*
 * Make the name of slot @into (0: main) lead to @top (generation @gen),
 * a descendant of what it leads to now: one compare-and-swap of that
 * top's merged word.  -ESTALE when @top is discarded, or @into's top is
 * no longer on its chain, or a rival won.  The caller holds @top's
 * writable claim and @top has no live child.
 */
int daxfs_branch_commit(const struct daxfs_image *img,
			struct daxfs_bslot *scratch, u32 top, u64 gen,
			u32 into);

#endif /* _DAXFS_CORE_H */

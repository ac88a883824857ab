#!/bin/bash
# Leaks: 100 mount/read/unmount cycles from physical memory (and 30 from
# vgem dma-bufs), then rmmod.  The module must unload, and afterwards
#  - no region mapping is left: /proc/vmallocinfo lines of the region's
#    address, memremap, daxfs or a dma-buf vmap are back to the count
#    before (exact);
#  - no dma-buf is left: /sys/kernel/debug/dma_buf/bufinfo lists as many
#    buffers as before (exact);
#  - slab, measured before rmmod: the cycles run in two halves, and after
#    each, once caches are dropped and every cache shrunk, no cache may
#    hold 15 or more active objects more than before that half in both
#    halves (not counting objects the guest's 9p root holds, which come
#    and go with the host files it opens; see slab_traces in
#    lib/common.sh).  A leak of one object per cycle grows a cache by
#    >= 50 (phys) or >= 15 (dma-buf) in each half; something else in the
#    guest that grabs a batch of objects once shows in one half only,
#    and is named (with its allocation sites) but not failed.
#    SUnreclaim must grow by less than 400 kB over all the cycles.  The
#    counts are exact only with SLUB debugging on (run.sh boots the guest
#    with slub_debug=FZPU: no per-CPU slabs); without it the line is 300.
#    A cache over the line is measured again every second or so for up
#    to 20 s, so objects on their way out through RCU (files, dentries,
#    kfree_rcu batches, which drain every 5 s on 6.1) do not count.  A
#    leaked superblock would also pin the module (rmmod fails), and a
#    leaked inode of the module's own cache makes kmem_cache_destroy
#    complain ("Objects remaining"), which the kernel log check catches.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/leakcheck.sh"

need "$MKDAXFS" "$H/dxmount" "$H/filecheck" "$H/walk"
CYCLES=${LEAK_CYCLES:-100}
DMABUF_CYCLES=${LEAK_DMABUF_CYCLES:-30}
need_phys $((8 << 20))
modprobe vgem 2>/dev/null

SRC=$W/src
MNT=$W/mnt
mkdir -p "$SRC/d" "$MNT"
"$H/filecheck" gen "$SRC/f1" 200000 1
echo hi >"$SRC/d/f2"
ln -s f1 "$SRC/link"
setfattr -n trusted.k -v v "$SRC/f1"	# tmpfs on 6.1: no user.*
IMG=$W/img
"$MKDAXFS" -q -d "$SRC" -o "$IMG" || { fail "leaks: mkdaxfs"; exit 1; }
"$MKDAXFS" -q -d "$SRC" -p "$PHYS" -s "$PHYS_SIZE" ||
	{ fail "leaks: mkdaxfs -p"; exit 1; }
OPTS="phys=$PHYS,size=$PHYS_SIZE"

one_cycle() {	# one_cycle phys|vgem
	if [ "$1" = vgem ]; then
		"$H/dxmount" vgem "$IMG" "$MNT" >/dev/null || return 1
	else
		mount -t daxfs -o "$OPTS" none "$MNT" || return 1
	fi
	# read(), mmap, stat, readlink, xattrs of everything, no error
	"$H/walk" -a NONE "$MNT" >/dev/null
	local rc=$?
	umount "$MNT" || return 1
	return $rc
}

# warm up: first mounts create caches and fill lookup caches
daxfs_unload || { fail "leaks: module busy before the test"; exit 1; }
snapshot "$W/before"
daxfs_load
dmesg_mark
for i in 1 2 3; do one_cycle phys; one_cycle vgem; done >/dev/null 2>&1
snapshot "$W/warm"

# the cycles run in two equal halves, each measured on its own: a leak
# grows a cache in both (by one object or more per cycle), while a one-off
# event elsewhere in the guest (a cache refill, a lazily freed batch) shows
# in at most one of them.  Each half: the phys cycles in one process (an
# exec costs a lot under TCG), then the dma-buf cycles.
half_cycles() {	# half_cycles N_PHYS N_DMABUF
	local i failed=0
	if ! "$H/dxmount" cycles "$1" "$MNT" "$OPTS" 2>"$W/err"; then
		fail "leaks: phys cycles: $(tail -n 1 "$W/err")"
		mounted_at "$MNT" && umount "$MNT"
		phys_bad=1
	fi
	for ((i = 1; i <= $2; i++)); do
		one_cycle vgem || failed=$((failed + 1))
	done
	dmabuf_failed=$((dmabuf_failed + failed))
}

phys_bad=0 dmabuf_failed=0
half_cycles $((CYCLES / 2)) $((DMABUF_CYCLES / 2))
measure_half "$W/warm" "$W/mid"
grown1=$GROWN
half_cycles $((CYCLES - CYCLES / 2)) $((DMABUF_CYCLES - DMABUF_CYCLES / 2))
measure_half "$W/mid" "$W/after"
grown2=$GROWN
[ "$phys_bad" = 0 ] && pass "leaks: $CYCLES phys mount/read/umount cycles"
[ "$dmabuf_failed" -eq 0 ] &&
	pass "leaks: $DMABUF_CYCLES dma-buf mount/read/umount cycles" ||
	fail "leaks: $dmabuf_failed of $DMABUF_CYCLES dma-buf cycles failed"

if daxfs_unload 2>"$W/err"; then
	pass "leaks: rmmod after the cycles"
else
	fail "leaks: rmmod: $(head -n 1 "$W/err")"
fi
snapshot "$W/gone"

leak_verdicts leaks "vmalloc dmabuf"
dmesg_clean "leaks: kernel log clean"
daxfs_load

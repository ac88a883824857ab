#!/bin/bash
# Leaks: 200 mount/read/unmount cycles from physical memory (and 20 from
# vgem dma-bufs), then rmmod.  The module must unload, and afterwards
#  - no region mapping is left: /proc/vmallocinfo lines of the region's
#    address, memremap, daxfs or a dma-buf vmap are back to the count
#    before (exact);
#  - no dma-buf is left: /sys/kernel/debug/dma_buf/bufinfo lists as many
#    buffers as before (exact);
#  - slab, measured before rmmod: after dropping caches and shrinking
#    every cache, no cache has 15 or more active objects more than after
#    the warm-up (not counting objects the guest's 9p root holds, which
#    come and go with the host files it opens; see slab_foreign), and
#    SUnreclaim grew by less than 400 kB.  The counts are
#    exact only with SLUB debugging on (run.sh boots the guest with
#    slub_debug=FZPU: no per-CPU slabs); without it the line is 300.  A
#    cache over the line is measured again, up to three times 5 s later,
#    so objects on their way out through RCU (files, dentries, kfree_rcu
#    batches, which drain every 5 s on 6.1) do not count.  A leak of one
#    object per cycle shows as >= 200 objects (phys) or >= 20 (dma-buf).
#    A leaked superblock would also pin the module (rmmod fails), and a
#    leaked inode of the module's own cache makes kmem_cache_destroy
#    complain ("Objects remaining"), which the kernel log check catches.
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" "$H/dxmount" "$H/filecheck" "$H/walk"
CYCLES=${LEAK_CYCLES:-200}
DMABUF_CYCLES=${LEAK_DMABUF_CYCLES:-20}
# With SLUB debugging on (tests/vm/run.sh boots slub_debug=FZPU) no cache
# keeps per-CPU slabs, so /proc/slabinfo counts are exact and the line
# can be tight; without it every CPU's current slab counts as fully used
# and the counts move in whole slabs (up to ~250 objects for small caches).
if [ "$(cat /sys/kernel/slab/kmalloc-32/store_user 2>/dev/null)" = 1 ]; then
	SLAB_TOL=15 SLAB_MODE="exact counts, slub_debug"
else
	SLAB_TOL=300 SLAB_MODE="slab-granular counts, no slub_debug"
fi
SUNRECL_TOL_KB=400
need_phys $((8 << 20))
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
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

settle() {
	local s
	drop_caches
	for s in /sys/kernel/slab/*/shrink; do echo 1 >"$s" 2>/dev/null; done
	sleep 1
}
# snapshot FILE: slab active objects per cache, SUnreclaim, mappings,
# dma-bufs.
snapshot() {
	settle
	awk 'NR > 2 { print "slab", $1, $2 }' /proc/slabinfo >"$1"
	slab_foreign | sed 's/^/foreign /' >>"$1"
	echo "sunreclaim x $(mem_kb SUnreclaim)" >>"$1"
	echo "vmalloc x $(grep -cE "$VMAP_RE" /proc/vmallocinfo)" >>"$1"
	echo "dmabuf x $(awk '/^Total/ { print $2 }' \
		/sys/kernel/debug/dma_buf/bufinfo 2>/dev/null)" >>"$1"
}
# kernel mappings of the region (any caller: a leaked one may point into
# the unloaded module) and of dma-bufs (vgem's shmem vmap, the test heap)
VMAP_RE="phys=0x0*${PHYS#0x}|memremap|daxfs|shmem_vmap|heap_vmap"
value() { awk -v k="$2" -v n="$3" '$1 == k && $2 == n { print $3 }' "$1"; }

# warm up: first mounts create caches and fill lookup caches
daxfs_unload || { fail "leaks: module busy before the test"; exit 1; }
snapshot "$W/before"
daxfs_load
dmesg_mark
for i in 1 2 3; do one_cycle phys; one_cycle vgem; done >/dev/null 2>&1
snapshot "$W/warm"

# the phys cycles in one process (an exec costs a lot under TCG)
if "$H/dxmount" cycles "$CYCLES" "$MNT" "$OPTS" 2>"$W/err"; then
	pass "leaks: $CYCLES phys mount/read/umount cycles"
else
	fail "leaks: phys cycles: $(tail -n 1 "$W/err")"
	mounted_at "$MNT" && umount "$MNT"
fi
failed=0
for ((i = 1; i <= DMABUF_CYCLES; i++)); do
	one_cycle vgem || { failed=$((failed + 1)); }
done
[ "$failed" -eq 0 ] && pass "leaks: $DMABUF_CYCLES dma-buf mount/read/umount cycles" ||
	fail "leaks: $failed of $DMABUF_CYCLES dma-buf cycles failed"
snapshot "$W/after"

# the cycles themselves must not grow any cache (compare warm vs after,
# before rmmod: unloading frees module memory lazily, which shows as
# vmap_area objects for a while)
grown_since_warm() {	# grown_since_warm SNAPSHOT
	awk '
	FNR == NR { if ($1 == "slab") w[$2] = $3
		    if ($1 == "foreign") wf[$2] = $3; next }
	$1 == "foreign" { f[$2] = $3 - wf[$2]; next }
	$1 == "slab" && ($2 in w) { d[$2] = $3 - w[$2] }
	END { for (c in d) if (d[c] - f[c] >= tol)
		printf "%s +%d ", c, d[c] - f[c] }' tol=$SLAB_TOL \
	"$W/warm" "$1"
}
grown=$(grown_since_warm "$W/after")
# objects freed through RCU (files, dentries, radix tree nodes, kfree_rcu
# batches that drain every 5 s) may still be on their way out: a leak is
# what is still there after three more rounds of settling
for round in 1 2 3; do
	[ -z "$grown" ] && break
	echo "leaks: after the cycles: $grown; settling again" >&2
	sleep 5
	snapshot "$W/after"
	grown=$(grown_since_warm "$W/after")
done

if daxfs_unload 2>"$W/err"; then
	pass "leaks: rmmod after the cycles"
else
	fail "leaks: rmmod: $(head -n 1 "$W/err")"
fi
snapshot "$W/gone"

for k in vmalloc dmabuf; do
	b=$(value "$W/before" "$k" x) a=$(value "$W/gone" "$k" x)
	if [ "$a" = "$b" ]; then
		pass "leaks: $k mappings back to $b"
	else
		fail "leaks: $k: $b before, $a after rmmod"
		[ "$k" = vmalloc ] && grep -E "$VMAP_RE" /proc/vmallocinfo | head -n 5 >&2
	fi
done
if [ -z "$grown" ]; then
	pass "leaks: no slab cache grew by $SLAB_TOL+ objects over the cycles ($SLAB_MODE)"
else
	fail "leaks: slab caches grew: $grown"
fi
b=$(value "$W/warm" sunreclaim x) a=$(value "$W/after" sunreclaim x)
if [ $((a - b)) -lt "$SUNRECL_TOL_KB" ]; then
	pass "leaks: SUnreclaim $b -> $a kB (< $SUNRECL_TOL_KB kB growth)"
else
	fail "leaks: SUnreclaim grew $b -> $a kB"
fi
# the module's own caches are gone with it
left=$(awk '$1 == "slab" && $2 ~ /daxfs/ { print $2 }' "$W/gone" | tr '\n' ' ')
if [ -z "$left" ]; then
	pass "leaks: no daxfs slab cache left after rmmod"
else
	fail "leaks: slab caches left after rmmod: $left"
fi
dmesg_clean "leaks: kernel log clean"
daxfs_load

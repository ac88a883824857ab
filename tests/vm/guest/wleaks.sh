#!/bin/bash
# Leaks of the write path: mount a branching image writable, run a mixed
# write workload, unmount, many times (build/vm-helpers/wtool cycles:
# mkdir, create and write, rename, hard and symbolic links,
# RENAME_EXCHANGE, xattrs set and removed, truncate down and up, O_APPEND,
# fallocate punch, zero and allocate, a store through a shared mapping
# and msync, copy-on-write of a base file and back, a file unlinked while
# open, an O_TMPFILE, a fifo, then everything removed again), then rmmod.
# The same rules as leaks.sh (exact slab counts with slub_debug, two
# halves, the 9p root's objects not counted, RCU given time): no slab
# cache grew by 15 or more objects in both halves, SUnreclaim grew by
# less than 400 kB, no mapping of the region is left in vmallocinfo, the
# module unloads and leaves no cache.  Also no mount found an inode left
# unlinked while open or had to repair the page bitmap (pages the
# workload took and did not give back), and the base file is intact.
#
# Knobs: WLEAK_CYCLES (40: 20 per half, so that a leak of one object per
# cycle passes the line of 15 in each half).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/leakcheck.sh"

need "$MKDAXFS" "$H/wtool"
CYCLES=${WLEAK_CYCLES:-40}
SIZE=$((32 << 20))
need_phys $SIZE

SRC=$W/src
MNT=$W/mnt
WT=$H/wtool
mkdir -p "$SRC" "$MNT"
"$WT" pwrite "$SRC/base" 0 8192 1 >/dev/null
if ! "$MKDAXFS" -q -b -d "$SRC" -p "$PHYS" -s "$SIZE"; then
	fail "wleaks: mkdaxfs -b -p"
	exit 1
fi
OPTS="phys=$PHYS,size=$SIZE"

daxfs_unload || { fail "wleaks: module busy before the test"; exit 1; }
snapshot "$W/before"
daxfs_load
dmesg_mark
bad=0
cycles() {	# cycles N
	if ! "$WT" cycles "$1" "$MNT" "$OPTS" base 2>"$W/err"; then
		fail "wleaks: write cycles: $(tail -n 1 "$W/err")"
		mounted_at "$MNT" && umount "$MNT"
		bad=1
	fi
}
cycles 3	# warm up: caches made, lookup caches filled
snapshot "$W/warm"
cycles $((CYCLES / 2))
measure_half "$W/warm" "$W/mid"
grown1=$GROWN
cycles $((CYCLES - CYCLES / 2))
measure_half "$W/mid" "$W/after"
grown2=$GROWN
[ "$bad" = 0 ] && pass "wleaks: $CYCLES writable mount/write/umount cycles"

if daxfs_unload 2>"$W/err"; then
	pass "wleaks: rmmod after the cycles"
else
	fail "wleaks: rmmod: $(head -n 1 "$W/err")"
fi
snapshot "$W/gone"
leak_verdicts wleaks vmalloc

daxfs_load
if mount -t daxfs -o "$OPTS" none "$MNT"; then
	r=$("$WT" check "$MNT/base" 0 8192 1)
	[ -e "$MNT/wl" ] && r+=" wl-left"
	if [ "$r" = ok ]; then
		pass "wleaks: the base file is intact and the workload left nothing"
	else
		fail "wleaks: after the cycles: $r"
	fi
	umount "$MNT"
else
	fail "wleaks: mount after the cycles"
fi
r=$(dmesg_new | grep -E 'unlinked while open|page bitmap repaired' | head -n 2)
if [ -z "$r" ]; then
	pass "wleaks: no mount found orphans or lost pages"
else
	fail "wleaks: $r"
fi
dmesg_clean "wleaks: kernel log clean"

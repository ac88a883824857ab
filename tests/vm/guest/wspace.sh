#!/bin/bash
# Space on a writable mount: the delta region fills up, gives ENOSPC,
# and comes back at once when files go.
#  - statfs: f_blocks is the region, f_bfree the free delta pages,
#    f_bavail what a write may take (less the reserve kept so that
#    deletions work on a full region); df works;
#  - writing until a write fails gives ENOSPC (not EIO, no hang), the
#    files written before and the base files are intact, a store through
#    a shared mapping that needs a new page gets SIGBUS, fallocate gets
#    ENOSPC, deleting works on the full region, and the freed pages are
#    free at once (statfs, and a new file of that size fits);
#  - a page rewritten 30,000 times (each a copy-on-write and a
#    transaction in the log, 5 MiB of log in all) leaves the delta use
#    within 4 MiB of the live data: replaced pages are given back, and the
#    log is compacted (after 4 MiB) and its old chunks given back;
#    the mount after it takes under 10 s;
# and everything again after unmount and mount (the index is rebuilt
# from the log), with no repair of the page bitmap needed at mount (a
# repair means pages were lost or doubly used).
#
# Knobs: WSPACE_REWRITES (30000).
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" "$H/wtool"
SIZE=$((40 << 20))
need_phys $SIZE
REWRITES=${WSPACE_REWRITES:-30000}
daxfs_load
dmesg_mark

SRC=$W/src
MNT=$W/mnt
M=$MNT
WT=$H/wtool
OPTS="phys=$PHYS,size=$SIZE"
mkdir -p "$SRC" "$MNT"
"$WT" pwrite "$SRC/base" 0 $((64 << 10)) 1 >/dev/null
"$WT" pwrite "$SRC/base2" 0 $((64 << 10)) 11 >/dev/null
if ! "$MKDAXFS" -q -b -d "$SRC" -p "$PHYS" -s "$SIZE"; then
	fail "wspace: mkdaxfs -b -p"
	exit 1
fi
mount_rw() {	# mount_rw WHY: mounts, sets MOUNT_MS
	local t0=${EPOCHREALTIME/./}
	if ! mount -t daxfs -o "$OPTS" none "$MNT" 2>"$W/err"; then
		fail "wspace: mount ($1): $(head -n 1 "$W/err") $(dmesg | tail -n 2 | tr '\n' ' ')"
		exit 1
	fi
	MOUNT_MS=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
}
remount() { umount "$MNT" || fail "wspace: umount ($1)"; mount_rw "$1"; }
is() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
sfs() { read -r BS BLOCKS BFREE BAVAIL _ <<<"$("$WT" statfs "$M")"; }

mount_rw "first"
sfs
is "wspace: statfs: f_bsize and f_blocks (the region)" "$BS $BLOCKS" "4096 $((SIZE / 4096))"
free0=$BFREE avail0=$BAVAIL
if [ "$BAVAIL" -lt "$BFREE" ] && [ "$BFREE" -gt $(((SIZE - (2 << 20)) / 4096)) ]; then
	pass "wspace: statfs: $BFREE pages free, $BAVAIL available (a reserve of $((BFREE - BAVAIL)))"
else
	fail "wspace: statfs: $BFREE free, $BAVAIL available of $BLOCKS"
fi
expect "wspace: df" df "$M"

# --- fill ---------------------------------------------------------------------
"$WT" pwrite "$M/early" 0 $((1 << 20)) 2 >/dev/null
"$WT" pwrite "$M/base" 5000 100 3 >/dev/null	# a copy-on-write of a base page
sfs
before_fill=$BFREE
r=$("$WT" fill "$M/fill" 4 1M)
read -r filled err <<<"$r"
if [ "$err" = ENOSPC ] && [ "$filled" -gt $((30 << 20)) ]; then
	pass "wspace: writing 1 MiB at a time until full: ENOSPC after $((filled >> 20)) MiB"
else
	fail "wspace: writing until full: $r"
fi
sfs
if [ "$BAVAIL" = 0 ]; then
	pass "wspace: when a write fails with ENOSPC nothing is available (statfs)"
else
	fail "wspace: a 1 MiB write failed with ENOSPC while statfs shows $BAVAIL pages available: a write larger than the free space must write what fits (a short write)"
	# fill the rest a page at a time, for the checks below
	r=$("$WT" fill "$M/fill2" 5 4K)
	read -r filled2 err <<<"$r"
	[ "$err" = ENOSPC ] || fail "wspace: writing the rest a page at a time: $r"
	sfs
	is "wspace: after writing the rest a page at a time, nothing is available" "$BAVAIL" 0
fi
full_free=$BFREE
# (the create itself may be refused: it needs log space too)
r=$("$WT" pwrite "$M/more" 0 8192 5 2>&1)
case "$r" in *"No space left on device (ENOSPC)"*) r=ENOSPC ;; esac
is "wspace: a write to a new file on the full region is ENOSPC" "$r" ENOSPC
is "wspace: a write replacing a base page on the full region is ENOSPC" \
	"$("$WT" pwrite "$M/base2" 20000 10 6)" ENOSPC
is "wspace: a store through a shared mapping needing a new page: SIGBUS" \
	"$("$WT" mapwrite "$M/base2" 40000)" SIGBUS
r=$(fallocate -l 1M "$M/fa" 2>&1)
case "$r" in
*"No space left"*) pass "wspace: fallocate on the full region is ENOSPC" ;;
*) fail "wspace: fallocate on the full region: '$r'" ;;
esac
v_early() {
	is "wspace: the files written before are intact ($1)" \
		"$("$WT" check "$M/early" 0 $((1 << 20)) 2) $("$WT" check "$M/base" 5000 100 3) $("$WT" check "$M/base" 0 5000 1) $("$WT" check "$M/base" 5100 $(((64 << 10) - 5100)) 1)" \
		"ok ok ok ok"
}
v_fill() {
	is "wspace: the filled file holds what was written ($1)" \
		"$("$WT" check "$M/fill" 0 "$filled" 4) $(stat -c %s "$M/fill")" "ok $filled"
	[ -z "${filled2:-}" ] ||
		is "wspace: the second filled file ($1)" \
			"$("$WT" check "$M/fill2" 0 "$filled2" 5)" ok
}
v_early "on the full region"
v_fill "on the full region"
remount "full"
v_early "full, after remount"
v_fill "full, after remount"
sfs
is "wspace: statfs of the full region after remount" "$BAVAIL $BFREE" "0 $full_free"

# --- delete: the space is back at once ----------------------------------------
rm -f "$M/fill" "$M/fill2" "$M/fa" "$M/more"
if [ -e "$M/fill" ]; then
	fail "wspace: rm on the full region failed"
else
	pass "wspace: rm works on the full region"
fi
sfs
# the freed pages are back; the log's records of the deletion and of
# the refused calls may keep a few
if [ "$BFREE" -ge $((before_fill - 64)) ] && [ "$BAVAIL" -gt 0 ]; then
	pass "wspace: deleting gave the space back at once ($full_free -> $BFREE free pages; $before_fill before the fill)"
else
	fail "wspace: after deleting: $BFREE free pages, $BAVAIL available; $before_fill before the fill"
fi
free_after_rm=$BFREE
half=$(( (BAVAIL - 256) * 4096 ))
is "wspace: a file of the freed size fits again" \
	"$("$WT" pwrite "$M/again" 0 "$half" 7)" "$half"
is "wspace: and reads back" "$("$WT" check "$M/again" 0 "$half" 7)" ok
remount "after delete and write"
v_early "after delete, write and remount"
is "wspace: the file written after the delete, after remount" \
	"$("$WT" check "$M/again" 0 "$half" 7)" ok
rm "$M/again"
sfs
if [ "$BFREE" -ge $((free_after_rm - 64)) ]; then
	pass "wspace: statfs after remount and delete: $BFREE free pages"
else
	fail "wspace: statfs after remount and delete: $BFREE free pages, was $free_after_rm"
fi

# --- one page rewritten many times -------------------------------------------
sfs
used0=$((BLOCKS - BFREE))
secs=$("$WT" rewrite "$M/rw" "$REWRITES" 100)
is "wspace: the rewritten page holds the last write" \
	"$("$WT" check "$M/rw" 0 4096 $((100 + REWRITES - 1)))" ok
sfs
used1=$((BLOCKS - BFREE))
grew=$(( (used1 - used0) * 4 ))
# each rewrite logs about 180 bytes: 30,000 of them pass the 4 MiB of
# log after which the log is compacted
if [ "$grew" -le 4096 ]; then
	pass "wspace: $REWRITES rewrites of one page (${secs} s) left the delta use within 4 MiB (grew $grew KiB)"
else
	fail "wspace: $REWRITES rewrites of one page (${secs} s): the delta use grew by $grew KiB (replaced pages or old log records not given back)"
fi
remount "after the rewrites"
if [ "$MOUNT_MS" -lt 10000 ]; then
	pass "wspace: the mount after $REWRITES rewrites took $MOUNT_MS ms"
else
	fail "wspace: the mount after $REWRITES rewrites took $MOUNT_MS ms (10 s allowed)"
fi
is "wspace: the rewritten page after remount" \
	"$("$WT" check "$M/rw" 0 4096 $((100 + REWRITES - 1)))" ok
sfs
is "wspace: statfs after remount equals statfs before" \
	"$((BLOCKS - BFREE))" "$used1"
v_early "at the end"
expect "wspace: df" df "$M"
expect "wspace: umount" umount "$MNT"
if dmesg_new | grep -q 'page bitmap repaired'; then
	fail "wspace: a mount had to repair the page bitmap: $(dmesg_new | grep 'page bitmap repaired' | head -n 1)"
else
	pass "wspace: no mount had to repair the page bitmap"
fi
dmesg_clean "wspace: kernel log clean"

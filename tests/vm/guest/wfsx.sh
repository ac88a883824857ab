#!/bin/bash
# fsx (tests/vm/helpers/fsx.c) on a writable mount: random reads, writes
# (also far past EOF), O_APPEND writes, stores through shared mappings,
# truncates up and down, every fallocate mode, copy_file_range,
# SEEK_DATA/SEEK_HOLE, fsync, checked against fsx's model of every byte
# after every operation.  Several seeds and shapes, each in its own
# directory with its model saved (-S); then the mount is unmounted and
# mounted again (the index is rebuilt from the log) and every directory
# is verified against its model (-V), read and mapped.  A second round
# writes on the remounted file system (the writer reopened after replay)
# and is verified after one more remount, along with the first.
#
# Knobs: WFSX_OPS (ops per run, default 2500).
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" "$H/fsx"
SIZE=$((256 << 20))
need_phys $SIZE
OPS=${WFSX_OPS:-2500}
daxfs_load
dmesg_mark

SRC=$W/src
MNT=$W/mnt
OPTS="phys=$PHYS,size=$SIZE"
mkdir -p "$SRC" "$MNT"
echo base >"$SRC/base"
if ! "$MKDAXFS" -q -b -d "$SRC" -p "$PHYS" -s "$SIZE"; then
	fail "wfsx: mkdaxfs -b -p"
	exit 1
fi
remount() {	# remount WHY
	mounted_at "$MNT" && umount "$MNT"
	if ! mount -t daxfs -o "$OPTS" none "$MNT" 2>"$W/err"; then
		fail "wfsx: mount ($1): $(head -n 1 "$W/err") $(dmesg | tail -n 2 | tr '\n' ' ')"
		exit 1
	fi
}
remount "first"

# run NAME FSX-ARGS...: one fsx run in $MNT/NAME, model saved in $W/NAME
DONE=()
run() {
	local name=$1 t0=$SECONDS
	shift
	mkdir "$MNT/$name"
	if "$H/fsx" -q "$@" -S "$W/$name.model" "$MNT/$name" >"$W/out" 2>&1; then
		pass "wfsx: $name: fsx $* ($((SECONDS - t0)) s)"
		DONE+=("$name")
	else
		fail "wfsx: $name: fsx $*: $(grep -v ': seed ' "$W/out" | head -n 1)"
		sed 's/^/    | /' "$W/out" | tail -n 30
		dmesg_new | grep daxfs | tail -n 5 | sed 's/^/    | dmesg: /'
	fi
}
# verify WHEN: every saved model against its directory
verify() {
	local name bad=0
	for name in "${DONE[@]}"; do
		if ! "$H/fsx" -q -V "$W/$name.model" "$MNT/$name" >"$W/out" 2>&1
		then
			fail "wfsx: $name: -V $1: $(grep -v ': seed ' "$W/out" | head -n 1)"
			bad=1
		fi
	done
	[ "$bad" = 0 ] && pass "wfsx: ${#DONE[@]} runs equal their models $1"
}

# the shapes: default (4 files up to 4 MiB, ops up to 128 KiB); small
# files where every op hits the same few pages (copy-on-write of pages
# just written, mappings of pages being replaced); one big file; mapped
# writes and reads only (with truncates and punches under them)
run s1 -s 1 -n "$OPS"
run s2 -s 2 -n "$OPS" -f 2 -l 64K -o 16K
run s3 -s 3 -n "$((OPS / 2))" -f 1 -l 16M -o 1M
run s4 -s 4 -n "$OPS" -x read,write,append,copy,zero,zerokeep,falloc,fallockeep,seek,sync
verify "right after the runs"
remount "after the runs"
verify "after unmount and mount"
# writing again on the remounted file system
run s5 -s 5 -n "$OPS"
run s6 -s 6 -n "$OPS" -f 3 -l 256K -o 32K
remount "after the second round"
verify "after a second remount (both rounds)"
if umount "$MNT"; then pass "wfsx: umount"; else fail "wfsx: umount"; fi
dmesg_clean "wfsx: kernel log clean"

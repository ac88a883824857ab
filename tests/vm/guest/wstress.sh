#!/bin/bash
# mstress (tests/vm/helpers/mstress.c) on a writable mount: 4 processes
# at once in the same 8 directories, each creating, linking, renaming
# (over files, empty directories, RENAME_NOREPLACE, RENAME_EXCHANGE),
# symlinking, unlinking, removing directories and rewriting files, every
# call's result and names checked against the worker's own model, and
# readdir of the shared directories while the others change them.  At
# the end the whole tree (types, contents, targets, link counts, hard
# links, directory link counts, d_type) equals the models; saved (-S),
# the tree is verified again (-V) after unmount and mount (the index is
# rebuilt from the log).  A second run then works on the remounted file
# system next to the first tree, and both are verified after another
# remount.  Inside a base directory too: a tree made by mkdaxfs holds
# the root.
#
# Knobs: WSTRESS_OPS (ops per worker, default 1500).
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" "$H/mstress"
SIZE=$((128 << 20))
need_phys $SIZE
OPS=${WSTRESS_OPS:-1500}
daxfs_load
dmesg_mark

SRC=$W/src
MNT=$W/mnt
OPTS="phys=$PHYS,size=$SIZE"
mkdir -p "$SRC/base/deeper" "$MNT"
echo base >"$SRC/base/deeper/file"
if ! "$MKDAXFS" -q -b -d "$SRC" -p "$PHYS" -s "$SIZE"; then
	fail "wstress: mkdaxfs -b -p"
	exit 1
fi
remount() {	# remount WHY
	mounted_at "$MNT" && umount "$MNT"
	if ! mount -t daxfs -o "$OPTS" none "$MNT" 2>"$W/err"; then
		fail "wstress: mount ($1): $(head -n 1 "$W/err") $(dmesg | tail -n 2 | tr '\n' ' ')"
		exit 1
	fi
}
DONE=()
run() {	# run NAME ROOT MSTRESS-ARGS...
	local name=$1 root=$2 t0=$SECONDS
	shift 2
	if "$H/mstress" "$@" -r "$root" -S "$W/$name.model" >"$W/out" 2>&1
	then
		pass "wstress: $name: mstress $* ($(tail -n 1 "$W/out" | cut -c1-80); $((SECONDS - t0)) s)"
		DONE+=("$name:$root")
	else
		fail "wstress: $name: mstress $*: $(head -n 1 "$W/out")"
		sed 's/^/    | /' "$W/out" | tail -n 25
		dmesg_new | grep daxfs | tail -n 5 | sed 's/^/    | dmesg: /'
	fi
}
verify() {	# verify WHEN
	local d name root bad=0
	for d in "${DONE[@]}"; do
		name=${d%%:*} root=${d#*:}
		if ! "$H/mstress" -q -V "$W/$name.model" -r "$root" >"$W/out" 2>&1
		then
			fail "wstress: $name: -V $1: $(head -n 1 "$W/out")"
			sed 's/^/    | /' "$W/out" | tail -n 10
			bad=1
		fi
	done
	[ "$bad" = 0 ] && pass "wstress: ${#DONE[@]} trees equal their models $1"
}

remount "first"
run m1 "$MNT/m1" -p 4 -d 8 -n "$OPS" -s 1
run m2 "$MNT/base/deeper/m2" -p 2 -d 3 -n "$((OPS / 2))" -s 2
verify "right after the runs"
remount "after the runs"
verify "after unmount and mount"
# the base directory's own file is still there
[ "$(cat "$MNT/base/deeper/file" 2>&1)" = base ] &&
	pass "wstress: a base file next to the trees is intact" ||
	fail "wstress: the base file next to the trees: $(cat "$MNT/base/deeper/file" 2>&1)"
run m3 "$MNT/m3" -p 4 -d 4 -n "$OPS" -s 3
remount "after the second run"
verify "after a second remount"
if umount "$MNT"; then pass "wstress: umount"; else fail "wstress: umount"; fi
dmesg_clean "wstress: kernel log clean"

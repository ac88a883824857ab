#!/bin/bash
# The guest half of bench/branch-ab.sh: prints "ab REPEAT TREE OP MEDIAN MIN".
set -u
: "${BBR:?}" "${TREES:?}" "${KOS:?}" "${REPS:?}" "${DAXFS_PHYS:?}" "${DAXFS_PHYS_SIZE:?}"
read -r -a trees <<<"$TREES"
read -r -a kos <<<"$KOS"
for dep in $(modinfo -F depends "${kos[0]}" | tr , ' '); do
	modprobe "$dep"
done
W=$(mktemp -d)
mount -t tmpfs -o size=256M tmpfs "$W"
M=$W/m
mkdir -p "$M" "$W/src"
head -c $((1 << 20)) /dev/zero >"$W/src/base.bin"
for rep in $(seq 1 "$REPS"); do
	for i in "${!trees[@]}"; do
		t=${trees[$i]}
		insmod "${kos[$i]}" || { echo "FAIL: insmod ${kos[$i]}"; exit 1; }
		"$t/build/mkdaxfs" -q -b -d "$W/src" -p "$DAXFS_PHYS" \
			-s "$DAXFS_PHYS_SIZE" || { echo "FAIL: mkdaxfs of $t"; exit 1; }
		mount -t daxfs -o "phys=$DAXFS_PHYS,size=$DAXFS_PHYS_SIZE" none "$M" ||
			{ echo "FAIL: mount with $t"; exit 1; }
		"$BBR" daxfs "$M" 10 1 | while read -r op med min; do
			echo "ab $rep $t $op $med $min"
		done
		umount "$M" && rmmod daxfs || { echo "FAIL: unload $t"; exit 1; }
	done
done

#!/bin/bash
# The guest half of bench/branch.sh: prints "bbr BASE KB FS OP MEDIAN MIN".
set -u
: "${BBR:?}" "${MKDAXFS:?}" "${BR:?}" "${DAXFS_PHYS:?}" "${DAXFS_PHYS_SIZE:?}"
for dep in $(modinfo -F depends "$DAXFS_KO" | tr , ' '); do
	modprobe "$dep"
done
insmod "$DAXFS_KO" || { echo "FAIL: insmod"; exit 1; }
W=$(mktemp -d)
mount -t tmpfs -o size=3G tmpfs "$W"
M=$W/m
mkdir -p "$M"
OPTS="phys=$DAXFS_PHYS,size=$DAXFS_PHYS_SIZE"
emit() {	# emit BASE KB FS < "OP MEDIAN MIN" lines
	while read -r op med min; do
		echo "bbr $1 $2 $3 $op $med $min"
	done
}
for base in 1 1024; do
	rm -rf "$W/src" && mkdir -p "$W/src"
	head -c $((base << 20)) /dev/zero >"$W/src/base.bin"
	for kb in 1 1024 102400; do
		rounds=10
		[ "$kb" -ge 102400 ] && rounds=3
		"$MKDAXFS" -q -b -d "$W/src" -p "$DAXFS_PHYS" -s "$DAXFS_PHYS_SIZE" ||
			{ echo "FAIL: mkdaxfs base ${base}M"; exit 1; }
		mount -t daxfs -o "$OPTS" none "$M" || { echo "FAIL: mount"; exit 1; }
		"$BBR" daxfs "$M" "$rounds" "$kb" | emit "${base}M" "${kb}K" daxfs
		umount "$M"
		rm -rf "$W/ovl" && mkdir -p "$W/ovl/lower"
		cp -a "$W/src/." "$W/ovl/lower/"
		"$BBR" overlay "$W/ovl/lower" "$W/ovl" "$rounds" "$kb" |
			emit "${base}M" "${kb}K" overlay
		rm -rf "$W/ovl"
	done
done
# lookups and reads 8 levels deep vs main: 1,000 files in 20 directories
rm -rf "$W/src" && mkdir -p "$W/src"
for d in $(seq 1 20); do
	mkdir "$W/src/d$d"
	for f in $(seq 1 50); do
		head -c $((f * 97)) /dev/zero >"$W/src/d$d/f$f"
	done
done
"$MKDAXFS" -q -b -d "$W/src" -p "$DAXFS_PHYS" -s "$DAXFS_PHYS_SIZE" || exit 1
mount -t daxfs -o "$OPTS" none "$M" || exit 1
prev=main
for l in 1 2 3 4 5 6 7 8; do
	"$BR" create "l$l" -p "$prev" -m "$M" >/dev/null || exit 1
	"$BR" switch "l$l" -m "$M" >/dev/null || exit 1
	echo "$l" >"$M/d$l/f$l"
	prev=l$l
done
"$BR" switch main -m "$M" >/dev/null
"$BBR" walk "$M" 9 | emit walk - main
"$BR" switch l8 -m "$M" >/dev/null
"$BBR" walk "$M" 9 | emit walk - depth8
umount "$M"

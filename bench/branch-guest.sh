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
# the fold: commits into main, each adding FILES source-like files (256 B
# to 16 KiB, bench/gen.c), until main's writer folds its layers into one
# (module/fold.c, in the background; its dynamic-debug line gives the
# time).  Prints "bbr fold FILES daxfs fold US LAYERS".
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
echo 'module daxfs +p' >/sys/kernel/debug/dynamic_debug/control ||
	echo "FAIL: dynamic debug for daxfs"
rm -rf "$W/src" && mkdir -p "$W/src" && echo base >"$W/src/base"
for files in 100 1000 4000; do
	"$MKDAXFS" -q -b -d "$W/src" -p "$DAXFS_PHYS" -s "$DAXFS_PHYS_SIZE" || exit 1
	mount -t daxfs -o "$OPTS" none "$M" || exit 1
	dmesg -C
	line=
	for k in $(seq 1 12); do
		"$BR" create "c$k" -m "$M" >/dev/null &&
			"$BR" switch "c$k" -m "$M" >/dev/null &&
			"$GEN" src "$M/c$k" "$files" 10 "$k" &&
			"$BR" commit -m "$M" >/dev/null || { echo "FAIL: fold round $k"; break; }
		[ "$k" -lt 7 ] && continue	# main is 8 layers deep after 7
		for i in $(seq 1 40); do
			line=$(dmesg | grep -o 'main folded: .*' | head -n 1)
			[ -n "$line" ] && break 2
			sleep 0.25
		done
	done
	set -- $line	# main folded: N layers into slot S in T us
	if [ -n "$line" ]; then
		echo "bbr fold $files daxfs fold $9 $3"
	else
		echo "FAIL: main was not folded after 12 commits of $files files"
	fi
	umount "$M"
done

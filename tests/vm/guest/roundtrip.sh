#!/bin/bash
# Round trip in the guest: the generated tree (tests/host/gentree.sh) ->
# mkdaxfs -> mounted from physical memory (phys=), from a vgem dma-buf
# (fsconfig "dmabuf") and from dma-heap buffers (mkdaxfs -H) -> treecmp
# against the source in every property, getcap, daxfs-inspect check on
# the region and on the mounts.
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" "$INSPECT" "$H/treecmp" "$H/dxmount" "$GENTREE"
daxfs_load
dmesg_mark

SRC=$W/src
MNT=$W/mnt
mkdir -p "$MNT"
if ! bash "$GENTREE" "$SRC" "$H/treecmp" >"$W/gentree.log" 2>&1; then
	fail "roundtrip: gentree: $(tail -n 1 "$W/gentree.log")"
	exit 1
fi
IMG=$W/rt.img
expect "roundtrip: mkdaxfs image" "$MKDAXFS" -q -d "$SRC" -o "$IMG"
IMG_SIZE=$(stat -c %s "$IMG")
need_phys "$IMG_SIZE"

caps() {	# caps ROOT: the file capabilities under ROOT, paths relative
	(cd "$1" && getcap -r . 2>/dev/null | sort)
}
caps "$SRC" >"$W/caps.src"

# check_mount NAME: compare the tree mounted at $MNT with the source.
check_mount() {
	local name=$1
	"$H/treecmp" -p "$name" "$SRC" "$MNT"
	caps "$MNT" >"$W/caps.mnt"
	if [ ! -s "$W/caps.src" ]; then
		fail "$name: getcap: the source tree has no file capabilities"
	elif cmp -s "$W/caps.src" "$W/caps.mnt"; then
		pass "$name: getcap"
	else
		fail "$name: getcap: $(diff "$W/caps.src" "$W/caps.mnt" | head -n 3 | tr '\n' ' ')"
	fi
	expect "$name: daxfs-inspect -m check" "$INSPECT" -m "$MNT" check
}

# --- physical memory --------------------------------------------------------
if "$MKDAXFS" -q -d "$SRC" -p "$PHYS" -s "$PHYS_SIZE" 2>"$W/err"; then
	pass "roundtrip: mkdaxfs -p"
	expect "roundtrip: daxfs-inspect -p check" \
		"$INSPECT" -p "$PHYS" -s "$PHYS_SIZE" check
	if mount -t daxfs -o "phys=$PHYS,size=$PHYS_SIZE" none "$MNT" \
			2>"$W/err"; then
		pass "roundtrip: mount phys="
		check_mount "roundtrip-phys"
		opts=$(awk -v d="$MNT" '$2 == d { print $4 }' /proc/mounts)
		if [[ "$opts" == *phys=* && "$opts" == *size=* ]]; then
			pass "roundtrip: /proc/mounts shows phys= and size="
		else
			fail "roundtrip: /proc/mounts options: '$opts'"
		fi
		expect "roundtrip: umount phys" umount "$MNT"
	else
		fail "roundtrip: mount phys=: $(head -n 1 "$W/err")"
	fi
else
	fail "roundtrip: mkdaxfs -p: $(head -n 1 "$W/err")"
fi

# --- vgem dma-buf -----------------------------------------------------------
if modprobe vgem 2>"$W/err"; then
	if "$H/dxmount" vgem "$IMG" "$MNT" >"$W/out" 2>"$W/err"; then
		pass "roundtrip: mount vgem dma-buf"
		check_mount "roundtrip-vgem"
		expect "roundtrip: umount vgem" umount "$MNT"
	else
		fail "roundtrip: mount vgem dma-buf: $(tail -n 1 "$W/err")"
	fi
else
	fail "roundtrip: modprobe vgem: $(head -n 1 "$W/err")"
fi

# --- dma-heaps: mkdaxfs -H ----------------------------------------------------
HEAPKO=$DAXFS_TOP/build/vm-heapmod/$KVER/daxfs_test_heap.ko
if [ ! -f "$HEAPKO" ] && [ -d "/lib/modules/$KVER/build" ]; then
	# not prebuilt on the host: build it here (slow under TCG)
	make -s -C "$DAXFS_TOP/tests/vm/heapmod" \
		KDIR="/lib/modules/$KVER/build" OUT="$W/heapmod" \
		>"$W/heapmod.log" 2>&1 && HEAPKO=$W/heapmod/daxfs_test_heap.ko
fi
heaps=()
if [ -f "$HEAPKO" ] && insmod "$HEAPKO" 2>"$W/err"; then
	heaps+=(/dev/daxfs_test_heap)
elif [ ! -e /dev/dma_heap/system ]; then
	fail "roundtrip: test heap module: $HEAPKO: $(head -n 1 "$W/err" 2>/dev/null)"
fi
[ -e /dev/dma_heap/system ] && heaps+=(/dev/dma_heap/system)
HEAP_SIZE=$(round_up $((IMG_SIZE + (1 << 20))) $((1 << 20)))
for dev in "${heaps[@]}"; do
	name=roundtrip-heap-$(basename "$dev")
	if "$MKDAXFS" -q -d "$SRC" -H "$dev" -s "$HEAP_SIZE" -m "$MNT" \
			2>"$W/err" && mounted_at "$MNT"; then
		pass "$name: mkdaxfs -H -m"
		check_mount "$name"
		expect "$name: umount" umount "$MNT"
	else
		fail "$name: mkdaxfs -H $dev -m: $(head -n 1 "$W/err")"
		mounted_at "$MNT" && umount "$MNT"
	fi
	# the same heap through the helper: isolates heap from mkdaxfs
	if "$H/dxmount" heap "$dev" "$IMG" "$MNT" >"$W/out" 2>"$W/err"; then
		expect "$name: dxmount heap + daxfs-inspect -m check" \
			"$INSPECT" -m "$MNT" check
		umount "$MNT"
	else
		fail "$name: dxmount heap: $(tail -n 1 "$W/err")"
	fi
done
if [[ " ${heaps[*]} " == *" /dev/daxfs_test_heap "* ]]; then
	# its buffers hold a module reference: unloading proves that the
	# unmounts dropped their dma-bufs
	expect "roundtrip: test heap unloads (dma-bufs released)" \
		rmmod daxfs_test_heap
fi

dmesg_clean "roundtrip: kernel log clean"

#!/bin/bash
# Round trip in the guest.  The generated tree (tests/gentree.sh) is
# made on the host by `make -C tests/vm/helpers` as build/vm-helpers/
# rt-tree with its image rt.img, its manifest rt.manifest and getcap
# list rt.caps (generating it under TCG, or reading it over 9p, takes many
# minutes).  The image is mounted from physical memory (phys=), from a
# vgem dma-buf (fsconfig "dmabuf") and from dma-heap buffers, and each
# mount must match the manifest in every property (name, type, mode,
# owner, size, content, nlink, hard links, symlink target, rdev, ns
# mtime, xattrs), getcap, and daxfs-inspect -m check; daxfs-inspect -p
# checks the region.  mkdaxfs -H -m runs end to end on every heap with a
# tree made here, compared by treecmp.
. "$(dirname "$0")/lib/common.sh"

IMG=$H/rt.img
need "$MKDAXFS" "$INSPECT" "$H/treecmp" "$H/dxmount" "$H/physcopy" \
	"$H/manifest" "$IMG" "$H/rt.manifest" "$H/rt.caps"
daxfs_load
dmesg_mark

MNT=$W/mnt	# phys=, kept mounted as the reference
DMNT=$W/dmnt	# dma-buf mounts
mkdir -p "$MNT" "$DMNT"
IMG_SIZE=$(stat -c %s "$IMG")
need_phys "$IMG_SIZE"

# check_tree NAME DIR: DIR against the source's manifest (every name,
# type, mode, owner, size, content, nlink, hard link, symlink target,
# rdev, ns mtime, xattr), getcap, daxfs-inspect -m check.
check_tree() {
	local name=$1 dir=$2
	if ! "$H/manifest" "$dir" >"$W/manifest" 2>"$W/err"; then
		fail "$name: walking the mount: $(head -n 1 "$W/err")"
	elif cmp -s "$H/rt.manifest" "$W/manifest"; then
		pass "$name: equal to the source in every property ($(wc -l <"$W/manifest") entries)"
	else
		fail "$name: differs from the source: $(diff "$H/rt.manifest" "$W/manifest" | grep '^[<>]' | head -n 2 | cut -c1-200 | tr '\n' ' ')"
	fi
	(cd "$dir" && getcap -r . 2>/dev/null | LC_ALL=C sort) >"$W/caps"
	if [ ! -s "$H/rt.caps" ]; then
		fail "$name: getcap: the source tree has no file capabilities"
	elif cmp -s "$H/rt.caps" "$W/caps"; then
		pass "$name: getcap"
	else
		fail "$name: getcap: $(diff "$H/rt.caps" "$W/caps" | head -n 3 | tr '\n' ' ')"
	fi
	expect "$name: daxfs-inspect -m check" "$INSPECT" -m "$dir" check
}

# --- physical memory --------------------------------------------------------
LEN=$(round_up "$IMG_SIZE" 4096)
if ! "$H/physcopy" put "$IMG" "$PHYS" "$LEN"; then
	fail "roundtrip: image into the NVDIMM region"
	exit 1
fi
expect "roundtrip: daxfs-inspect -p check" "$INSPECT" -p "$PHYS" -s "$LEN" check
if ! mount -t daxfs -o "phys=$PHYS,size=$LEN" none "$MNT" 2>"$W/err"; then
	fail "roundtrip: mount phys=: $(head -n 1 "$W/err")"
	exit 1
fi
pass "roundtrip: mount phys="
check_tree "roundtrip-phys" "$MNT"
opts=$(awk -v d="$MNT" '$2 == d { print $4 }' /proc/mounts)
if [[ "$opts" == *phys=* && "$opts" == *size=* ]]; then
	pass "roundtrip: /proc/mounts shows phys= and size="
else
	fail "roundtrip: /proc/mounts options: '$opts'"
fi

# --- vgem dma-buf -----------------------------------------------------------
if modprobe vgem 2>"$W/err"; then
	if "$H/dxmount" vgem "$IMG" "$DMNT" >"$W/out" 2>"$W/err"; then
		pass "roundtrip: mount vgem dma-buf"
		check_tree "roundtrip-vgem" "$DMNT"
		expect "roundtrip: umount vgem" umount "$DMNT"
	else
		fail "roundtrip: mount vgem dma-buf: $(tail -n 1 "$W/err")"
	fi
else
	fail "roundtrip: modprobe vgem: $(head -n 1 "$W/err")"
fi

# --- dma-heaps ----------------------------------------------------------------
# The round-trip image in a buffer of each heap (the test heap's
# /dev/daxfs_test_heap everywhere, /dev/dma_heap/system where the kernel
# has it), and mkdaxfs -H -m end to end on each with a tree made here.
HEAPKO=$DAXFS_TOP/build/vm-heapmod/$KVER/daxfs_test_heap.ko
heaps=()
if [ -f "$HEAPKO" ] && insmod "$HEAPKO" 2>"$W/err"; then
	heaps+=(/dev/daxfs_test_heap)
else
	fail "roundtrip: test heap module $HEAPKO: $(head -n 1 "$W/err" 2>/dev/null) (make -C tests/vm/heapmod KDIR=/lib/modules/$KVER/build)"
fi
[ -e /dev/dma_heap/system ] && heaps+=(/dev/dma_heap/system)

HSRC=$W/hsrc
mkdir -p "$HSRC/dir/sub"
"$H/filecheck" gen "$HSRC/big" 3000000 9
echo small >"$HSRC/dir/small"
ln "$HSRC/dir/small" "$HSRC/dir/sub/hard"
ln -s ../big "$HSRC/dir/link"
mkfifo "$HSRC/dir/fifo"
mknod "$HSRC/dir/null" c 1 3
setfattr -n trusted.k -v v "$HSRC/dir/small"
setcap cap_net_raw+ep "$HSRC/big"
chown -h 123:456 "$HSRC/dir/link"
touch -d '2001-02-03 04:05:06.123456789' "$HSRC/dir/sub"

for dev in "${heaps[@]}"; do
	name=roundtrip-heap-$(basename "$dev")
	if "$H/dxmount" heap "$dev" "$IMG" "$DMNT" >"$W/out" 2>"$W/err"; then
		pass "$name: round-trip image in a dma-buf from $dev"
		check_tree "$name" "$DMNT"
		expect "$name: umount" umount "$DMNT"
	else
		fail "$name: dxmount heap: $(tail -n 1 "$W/err")"
	fi
	if "$MKDAXFS" -q -d "$HSRC" -H "$dev" -s 8M -m "$DMNT" 2>"$W/err" &&
	   mounted_at "$DMNT"; then
		pass "$name: mkdaxfs -H $dev -s 8M -m"
		"$H/treecmp" -p "$name-mkdaxfs" "$HSRC" "$DMNT"
		expect "$name: umount mkdaxfs -H mount" umount "$DMNT"
	else
		fail "$name: mkdaxfs -H $dev -m: $(head -n 1 "$W/err")"
		mounted_at "$DMNT" && umount "$DMNT"
	fi
done
if [[ " ${heaps[*]} " == *" /dev/daxfs_test_heap "* ]]; then
	# its buffers hold a module reference: unloading proves that the
	# unmounts dropped their dma-bufs
	expect "roundtrip: test heap unloads (dma-bufs released)" \
		rmmod daxfs_test_heap
fi
expect "roundtrip: umount phys" umount "$MNT"
dmesg_clean "roundtrip: kernel log clean"

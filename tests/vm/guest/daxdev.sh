#!/bin/bash
# A DAX block device as the region: an fsdax pmem namespace made with
# ndctl on the --pmem NVDIMM.  mkdaxfs -o /dev/pmemN writes the image,
# daxfs-inspect checks it, mount -t daxfs /dev/pmemN mounts it; the mount
# reads the tree exactly, read() and mmap do not fill the page cache,
# each mmap fault maps many pages, a second mount shares the device, and
# mkdaxfs cannot overwrite a mounted device.  When the device goes away
# under a mount (its driver unbound), reads fail with EIO and the mount
# still unmounts.  A block device without DAX (a loop device) is refused
# with a clear message.
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" "$INSPECT" "$H/filecheck" "$H/treecmp" /usr/bin/ndctl
daxfs_load
dmesg_mark

SRC=$W/src
MNT=$W/mnt
M2=$W/m2
mkdir -p "$SRC/dir/sub" "$MNT" "$M2"
"$H/filecheck" gen "$SRC/big" 32M 21
"$H/filecheck" gen "$SRC/dir/odd" 12345 22
echo hello >"$SRC/dir/sub/hello"
ln -s ../big "$SRC/dir/link"
ln "$SRC/dir/odd" "$SRC/dir/odd.hard"
setfattr -n trusted.t -v pmem "$SRC/dir/odd"

if ! DEV=$(make_fsdax); then
	fail "daxdev: setup: no fsdax namespace (ndctl create-namespace)"
	release_pmem
	exit 1
fi
pass "daxdev: fsdax namespace $DEV ($(cat "/sys/block/${DEV#/dev/}/size") sectors, dax=$(cat "/sys/block/${DEV#/dev/}/queue/dax"))"

expect "daxdev: mkdaxfs -o $DEV" "$MKDAXFS" -q -d "$SRC" -o "$DEV"
expect "daxdev: daxfs-inspect $DEV check" "$INSPECT" "$DEV" check
if ! mount -t daxfs "$DEV" "$MNT" 2>"$W/err"; then
	fail "daxdev: mount -t daxfs $DEV: $(tail -n 1 "$W/err")"
	release_pmem
	exit 1
fi
src=$(awk -v d="$MNT" '$2 == d { print $1 }' /proc/mounts)
[ "$src" = "$DEV" ] && pass "daxdev: mounted, /proc/mounts names $DEV" ||
	fail "daxdev: /proc/mounts source '$src'"
"$H/treecmp" -p daxdev-tree "$SRC" "$MNT"

drop_caches
before=$(mem_kb Cached)
want=$("$H/filecheck" sum "$SRC/big" read)
s1=$("$H/filecheck" sum "$MNT/big" read)
s2=$("$H/filecheck" sum "$MNT/big" mmap)
after=$(mem_kb Cached)
if [ "$s1" = "$want" ] && [ "$s2" = "$want" ]; then
	pass "daxdev: 32 MiB file reads back with read() and mmap"
else
	fail "daxdev: content differs ($want / $s1 / $s2)"
fi
grew=$((after - before))
[ "$grew" -lt 8192 ] && pass "daxdev: page cache grew by $grew kB reading 64 MiB" ||
	fail "daxdev: page cache grew by $grew kB (not zero-copy)"
read -r pages faults <<<"$("$H/filecheck" faults "$MNT/big")"
if [ -n "$faults" ] && [ "$faults" -le $((pages / 16 + 16)) ]; then
	pass "daxdev: mmap of $pages pages took $faults faults"
else
	fail "daxdev: mmap of $pages pages took ${faults:-?} faults (want <= $((pages / 16 + 16)))"
fi

if mount -t daxfs "$DEV" "$M2" 2>"$W/err" && cmp -s "$MNT/dir/odd" "$M2/dir/odd"
then
	pass "daxdev: a second mount of the device"
	umount "$M2"
else
	fail "daxdev: second mount: $(tail -n 1 "$W/err")"
fi
if "$MKDAXFS" -q -d "$SRC/dir" -o "$DEV" 2>"$W/err"; then
	fail "daxdev: mkdaxfs overwrote a mounted device"
else
	pass "daxdev: mkdaxfs refuses a mounted device ($(tail -n 1 "$W/err" | cut -c1-60))"
fi
cmp -s "$SRC/big" "$MNT/big" && pass "daxdev: the mount is intact afterwards" ||
	fail "daxdev: the mount changed"
expect "daxdev: unmount" umount "$MNT"

# --- the device goes away under a mount -------------------------------------
bdev=${DEV#/dev/}
devdir=$(readlink -f "/sys/block/$bdev/device")	# the nd pfn/namespace device
drv=$(readlink -f "$devdir/driver" 2>/dev/null)
if mount -t daxfs "$DEV" "$MNT" 2>"$W/err" && [ -n "$drv" ]; then
	dmesg_mark
	# a process with the big file mapped and touched, waiting
	mkfifo "$W/go"
	"$H/filecheck" holdmap "$MNT/big" <"$W/go" >"$W/hold" 2>&1 &
	holder=$!
	exec 9>"$W/go"
	for ((i = 0; i < 300; i++)); do	# up to 60 s
		grep -q mapped "$W/hold" && break
		sleep 0.2
	done
	echo "${devdir##*/}" >"$drv/unbind"
	echo go >&9
	exec 9>&-
	wait "$holder"
	if grep -q sigbus "$W/hold"; then
		pass "daxdev: a mapping made before the device went away gives SIGBUS"
	else
		fail "daxdev: mapping after the device went away: $(tr '\n' ' ' <"$W/hold")"
	fi
	if [ -e "/sys/block/$bdev" ]; then
		fail "daxdev: setup: unbinding ${devdir##*/} left $bdev"
	elif out=$(cat "$MNT/dir/sub/hello" 2>&1); then
		fail "daxdev: read after the device went away succeeded: $out"
	elif [[ "$out" == *"Input/output error"* ]]; then
		pass "daxdev: the device went away under the mount: reads give EIO ($(dmesg_new | grep -m1 'going away' | sed 's/^\[[^]]*\] //'))"
	else
		fail "daxdev: read after the device went away: $out, want EIO"
	fi
	ls "$MNT/dir" >/dev/null 2>&1	# cached dentries: no crash either way
	expect "daxdev: unmount after the device went away" umount "$MNT"
	echo "${devdir##*/}" >"$drv/bind" 2>/dev/null
else
	fail "daxdev: setup: remount for the unbind test: $(tail -n 1 "$W/err") (driver '$drv')"
fi

# --- a block device without DAX ---------------------------------------------
truncate -s 16M "$W/loop.img"
modprobe loop 2>/dev/null
if LOOP=$(losetup -f --show "$W/loop.img" 2>"$W/err"); then
	"$MKDAXFS" -q -d "$SRC/dir" -o "$LOOP"
	dmesg_mark
	if mount -t daxfs "$LOOP" "$MNT" 2>"$W/err"; then
		fail "daxdev: mounted a block device without DAX"
		umount "$MNT"
	elif dmesg_new | grep -q "not a DAX-capable block device"; then
		pass "daxdev: a block device without DAX is refused ($(dmesg_new | grep -m1 DAX | sed 's/^\[[^]]*\] //'))"
	else
		fail "daxdev: loop mount refused without the message: $(tail -n 1 "$W/err")"
	fi
	losetup -d "$LOOP"
else
	fail "daxdev: setup: losetup: $(tail -n 1 "$W/err")"
fi
if mount -t daxfs "$W/no-such-device" "$MNT" 2>/dev/null; then
	fail "daxdev: mounted a missing device"
	umount "$MNT"
else
	pass "daxdev: a missing device is an error"
fi

release_pmem && pass "daxdev: pmem driver unloaded, no namespace claims left" ||
	fail "daxdev: namespaces still claim memory: $(grep namespace /proc/iomem | tr '\n' ' ')"
dmesg_clean "daxdev: kernel log clean"

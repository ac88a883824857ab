#!/bin/bash
# Sharing: two mounts of one region at once read the same data, neither
# copies it (Cached does not grow), and unmounting one leaves the other
# working.  The multikernel case (two guests on one image file) is run
# from the host by tests/vm/multikernel.sh with lib/mk_peer.sh.
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" "$H/filecheck" "$H/treecmp"
need_phys $((32 << 20))
daxfs_load
dmesg_mark

SRC=$W/src
M1=$W/m1
M2=$W/m2
mkdir -p "$SRC/dir/sub" "$M1" "$M2"
"$H/filecheck" gen "$SRC/big" 16M 7
"$H/filecheck" gen "$SRC/dir/odd" 12345 8
echo hello >"$SRC/dir/sub/hello"
ln -s ../big "$SRC/dir/link"
ln "$SRC/dir/odd" "$SRC/dir/odd.hard"
want=$("$H/filecheck" sum "$SRC/big" read)

expect "sharing: mkdaxfs -p" "$MKDAXFS" -q -d "$SRC" -p "$PHYS" -s "$PHYS_SIZE"
opts="phys=$PHYS,size=$PHYS_SIZE"
if ! mount -t daxfs -o "$opts" none "$M1" ||
   ! mount -t daxfs -o "$opts" none "$M2"; then
	fail "sharing: two mounts of one region"
	exit 1
fi
if mounted_at "$M1" && mounted_at "$M2"; then
	pass "sharing: two mounts of one region at once"
else
	fail "sharing: both mounts not in /proc/mounts"
fi
"$H/treecmp" -p sharing-m1-vs-source "$SRC" "$M1"
"$H/treecmp" -p sharing-m1-vs-m2 "$M1" "$M2"

drop_caches
before=$(mem_kb Cached)
s1=$("$H/filecheck" sum "$M1/big" read)
s2=$("$H/filecheck" sum "$M2/big" mmap)
s3=$("$H/filecheck" sum "$M1/big" mmap)
s4=$("$H/filecheck" sum "$M2/big" read)
after=$(mem_kb Cached)
if [ "$s1" = "$want" ] && [ "$s2" = "$want" ] && [ "$s3" = "$want" ] &&
   [ "$s4" = "$want" ]; then
	pass "sharing: both mounts read the same data (read and mmap)"
else
	fail "sharing: data differ: want $want, got $s1 / $s2 / $s3 / $s4"
fi
if [ $((after - before)) -lt 8192 ]; then
	pass "sharing: reading both mounts grew Cached by $((after - before)) kB (one copy)"
else
	fail "sharing: reading both mounts grew Cached by $((after - before)) kB"
fi

# a mapping through one mount survives the other's unmount
exec 9<"$M2/big"
expect "sharing: umount the first mount" umount "$M1"
s5=$("$H/filecheck" sum "$M2/big" mmap)
if [ "$s5" = "$want" ]; then
	pass "sharing: second mount still reads after the first is gone"
else
	fail "sharing: second mount after umount of the first: $s5"
fi
exec 9<&-
expect "sharing: umount the second mount" umount "$M2"
dmesg_clean "sharing: kernel log clean"

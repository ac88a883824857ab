#!/bin/bash
# The read side, odds and ends: readdir d_type and stable offsets over a
# big directory, st_blocks/st_blksize, statfs, /proc/mounts options,
# EROFS for every write, permission checks, exec and chroot from the
# mount, MAP_PRIVATE copy-on-write of one page, and bad mount options.
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" "$H/dirseek" "$H/filecheck" "$H/dxmount" /bin/busybox
need_phys $((16 << 20))
daxfs_load
dmesg_mark
START_MARK=$DMESG_MARK

SRC=$W/src
MNT=$W/mnt
BIG=3000
mkdir -p "$SRC/big" "$SRC/bin" "$MNT"
"$H/dirseek" --make "$SRC/big" "$BIG"
mknod "$SRC/big/zz_chr" c 1 5
mknod "$SRC/big/zz_blk" b 7 1
"$H/filecheck" gen "$SRC/pages" 16384 5
truncate -s 1M "$SRC/sparse"
printf 'x%.0s' $(seq 1 100) | dd of="$SRC/sparse" bs=4096 seek=100 conv=notrunc 2>/dev/null
echo secret >"$SRC/secret"
chmod 600 "$SRC/secret"
echo open >"$SRC/public"
chmod 644 "$SRC/public"
cp /bin/busybox "$SRC/bin/busybox"
ln -s busybox "$SRC/bin/sh"
ln -s busybox "$SRC/bin/echo"

expect "readside: mkdaxfs -p" "$MKDAXFS" -q -d "$SRC" -p "$PHYS" -s "$PHYS_SIZE"
if ! mount -t daxfs -o "phys=$PHYS,size=$PHYS_SIZE" none "$MNT" 2>"$W/err"; then
	fail "readside: mount: $(head -n 1 "$W/err")"
	exit 1
fi

# --- readdir ----------------------------------------------------------------------
expect "readside: readdir d_type, telldir/seekdir, stable d_off over $((BIG + 2)) entries" \
	"$H/dirseek" "$MNT/big" $((BIG + 2))

# --- stat -------------------------------------------------------------------------
st() { stat -c "$1" "$2"; }
ok=1
for f in pages big secret bin/busybox; do
	[ "$(st %o "$MNT/$f")" = 4096 ] || { ok=0; fail "readside: st_blksize of $f is $(st %o "$MNT/$f")"; }
done
[ $ok = 1 ] && pass "readside: st_blksize 4096"
b=$(st %b "$MNT/pages")
[ "$b" = 32 ] && pass "readside: st_blocks of a 4-page file is 32" ||
	fail "readside: st_blocks of a 4-page file is $b, want 32"
b=$(st %b "$MNT/sparse")
[ "$b" = 8 ] && pass "readside: st_blocks of a sparse file counts its one page" ||
	fail "readside: st_blocks of a 1 MiB file with one data page is $b, want 8"
if [ "$(st %s "$MNT/sparse")" = 1048576 ] && cmp -s "$SRC/sparse" "$MNT/sparse"; then
	pass "readside: sparse file reads back (holes are zeros)"
else
	fail "readside: sparse file content or size differs"
fi
# SEEK_DATA / SEEK_HOLE follow the extents (cp --sparse, tar -S use them)
seekmap_is() {	# seekmap_is FILE OFF WANT...
	local f=$1 off=$2 got
	shift 2
	got=$("$H/filecheck" seekmap "$MNT/$f" "$off" 2>&1 | tr '\n' ' ')
	want="${*:+$* }end "
	[ "$got" = "$want" ] && return 0
	fail "readside: seekmap of $f from $off: got '$got', want '$want'"
	return 1
}
seekmap_is sparse 0 409600-413696 &&
seekmap_is sparse 409700 409700-413696 &&
seekmap_is sparse 413696 &&
seekmap_is sparse 2000000 &&
seekmap_is pages 0 0-16384 &&
seekmap_is secret 0 0-7 &&
seekmap_is secret 3 3-7 &&
	pass "readside: SEEK_DATA/SEEK_HOLE follow the extents"

# --- statfs -----------------------------------------------------------------------
# (no process substitution: the guest has no /dev/fd)
read -r bs blocks bfree <<<"$(stat -f -c '%S %b %f' "$MNT")"
total=$((bs * blocks))
if [ "$bs" = 4096 ] && [ "$total" -gt 0 ] && [ "$total" -le "$PHYS_SIZE" ] &&
   [ "$bfree" = 0 ]; then
	pass "readside: statfs (bsize 4096, $total bytes, none free without a delta region)"
else
	fail "readside: statfs: bsize $bs blocks $blocks free $bfree (region $PHYS_SIZE)"
fi
expect "readside: df" df "$MNT"

# --- /proc/mounts -------------------------------------------------------------------
opts=$(awk -v d="$MNT" '$2 == d { print $3, $4 }' /proc/mounts)
phys_dec=$((PHYS))
if [[ "$opts" == daxfs\ * ]] &&
   [[ "$opts" == *phys=$PHYS* || "$opts" == *phys=$phys_dec* ]] &&
   [[ "$opts" == *size=* ]]; then
	pass "readside: /proc/mounts shows daxfs phys= size="
else
	fail "readside: /proc/mounts: '$opts'"
fi

# --- every write fails with EROFS -------------------------------------------------------
erofs() {	# erofs WHAT CMD...: CMD must fail with "Read-only file system"
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		fail "readside: $what succeeded on a read-only image"
	elif [[ "$out" == *"Read-only file system"* ]]; then
		pass "readside: $what fails with EROFS"
	else
		fail "readside: $what: '$out', want EROFS"
	fi
}
erofs "touch new" touch "$MNT/newfile"
erofs "touch existing" touch "$MNT/public"
erofs "mkdir" mkdir "$MNT/newdir"
erofs "echo >" bash -c "echo x >'$MNT/public'"
erofs "echo >>" bash -c "echo x >>'$MNT/public'"
erofs "rm" rm -f "$MNT/public"
erofs "rmdir" rmdir "$MNT/big/d0"
erofs "mv" mv "$MNT/public" "$MNT/public2"
erofs "ln" ln "$MNT/public" "$MNT/public3"
erofs "ln -s" ln -s x "$MNT/newlink"
erofs "mknod" mknod "$MNT/newfifo" p
erofs "chmod" chmod 600 "$MNT/public"
erofs "chown" chown 1:1 "$MNT/public"
erofs "truncate" truncate -s 0 "$MNT/public"
erofs "setfattr" setfattr -n user.x -v 1 "$MNT/public"
[ "$(cat "$MNT/public")" = open ] && pass "readside: file unchanged after the write attempts" ||
	fail "readside: file changed by the write attempts"

# --- permissions from mode/uid/gid ---------------------------------------------------
chmod 755 "$W"	# let nobody reach the mount point
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
if out=$(as_nobody cat "$MNT/secret" 2>&1); then
	fail "readside: nobody read a 0600 root file"
elif [[ "$out" == *"Permission denied"* ]]; then
	pass "readside: mode 0600 keeps other users out"
else
	fail "readside: reading a 0600 file as nobody: '$out'"
fi
[ "$(as_nobody cat "$MNT/public" 2>&1)" = open ] &&
	pass "readside: mode 0644 lets other users read" ||
	fail "readside: nobody cannot read a 0644 file"

# --- exec and chroot ------------------------------------------------------------------
[ "$("$MNT/bin/busybox" echo from-daxfs 2>&1)" = from-daxfs ] &&
	pass "readside: exec a binary from the mount" ||
	fail "readside: exec from the mount failed"
[ "$(chroot "$MNT" /bin/sh -c 'echo chrooted' 2>&1)" = chrooted ] &&
	pass "readside: chroot into the mount and run /bin/sh" ||
	fail "readside: chroot MNT /bin/sh failed"

# --- MAP_PRIVATE ------------------------------------------------------------------------
want=$("$H/filecheck" sum "$SRC/pages" read)
if out=$("$H/filecheck" private "$MNT/pages" 2>&1); then
	pass "readside: MAP_PRIVATE write copies only that page"
else
	fail "readside: MAP_PRIVATE: $out"
fi
[ "$("$H/filecheck" sum "$MNT/pages" mmap)" = "$want" ] &&
	pass "readside: file unchanged after a private write" ||
	fail "readside: file changed after a private write"
# the ptrace path (how gdb reads and patches a program run from the mount)
if out=$("$H/filecheck" procmem "$MNT/pages" 2>&1); then
	pass "readside: /proc/self/mem reads mappings, a forced write copies one page"
else
	fail "readside: /proc/self/mem: $out"
fi
umount "$MNT"

# --- bad mount options ----------------------------------------------------------------
badopt() {	# badopt WHAT OPTIONS: mount must fail with EINVAL
	local what=$1 got
	got=$("$H/dxmount" opts "$MNT" "$2" 2>"$W/err")
	case $? in
	2) if [ "$got" = EINVAL ]; then pass "readside: bad option ($what) rejected"
	   else fail "readside: bad option ($what): $got, want EINVAL"; fi ;;
	0) fail "readside: bad option ($what) accepted"; umount "$MNT" ;;
	*) fail "readside: bad option ($what): $(tail -n 1 "$W/err")" ;;
	esac
}
badopt "no size" "phys=$PHYS"
badopt "no phys" "size=$PHYS_SIZE"
badopt "phys not a number" "phys=banana,size=$PHYS_SIZE"
badopt "size not a number" "phys=$PHYS,size=12Q"
badopt "size zero" "phys=$PHYS,size=0"
badopt "phys not page aligned" "phys=$((PHYS + 1)),size=$PHYS_SIZE"
badopt "unknown option" "phys=$PHYS,size=$PHYS_SIZE,frobnicate"
dmesg_mark
if mount -t daxfs -o "phys=$PHYS,size=$PHYS_SIZE,bogus=1" none "$MNT" 2>"$W/err"; then
	fail "readside: mount(8) with a bad option succeeded"
	umount "$MNT"
elif [ -n "$(dmesg_new | grep daxfs)" ] || [ -s "$W/err" ]; then
	pass "readside: bad option gives an error message ($(dmesg_new | grep daxfs | head -n 1))"
else
	fail "readside: bad option: no message at all"
fi
got=$("$H/dxmount" fd /etc/hostname "$MNT" 2>"$W/err")
case $? in
2) pass "readside: fsconfig dmabuf with a non-dma-buf fd refused ($got)" ;;
0) fail "readside: a regular file accepted as dmabuf"; umount "$MNT" ;;
*) fail "readside: dmabuf with a non-dma-buf fd: $(tail -n 1 "$W/err")" ;;
esac
if mount -t daxfs -o "phys=$PHYS,size=$PHYS_SIZE,novalidate" none "$MNT"; then
	opts=$(awk -v d="$MNT" '$2 == d { print $4 }' /proc/mounts)
	[[ "$opts" == *novalidate* ]] && pass "readside: /proc/mounts shows novalidate" ||
		fail "readside: novalidate not in /proc/mounts: $opts"
	umount "$MNT"
else
	fail "readside: mount with novalidate"
fi
DMESG_MARK=$START_MARK
dmesg_clean "readside: kernel log clean"

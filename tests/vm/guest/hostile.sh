#!/bin/bash
# Hostile images: 200 mutated variants of a small image (random byte
# flips and field-aware corruptions with the CRCs fixed up, see
# helpers/corrupt.c), mounted from physical memory or a vgem dma-buf.
# Each mount either fails cleanly (EUCLEAN or EINVAL and one kernel log
# line) or succeeds, survives a full walk (find + cat + mmap + stat +
# getfattr) with no error but EUCLEAN/EIO, and, when the tools accept the
# image, reads exactly what daxfs-inspect extracts from it.  Then
# `novalidate` mounts exercise the use-time checks.  The kernel log stays free of oops/BUG/WARN and the
# module unloads at the end.
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" "$INSPECT" "$H/corrupt" "$H/dxmount" \
	"$H/walk" "$H/treecmp" "$H/filecheck"
COUNT=${HOSTILE_COUNT:-200}
NOVALIDATE=${HOSTILE_NOVALIDATE:-20}
MAXSHOW=15
daxfs_load
modprobe vgem 2>/dev/null
dmesg_mark
START_MARK=$DMESG_MARK

# --- a small tree with every kind of entry --------------------------------
SRC=$W/src
MNT=$W/mnt
mkdir -p "$SRC/a/b/c" "$SRC/d/e" "$SRC/many" "$MNT"
echo "small file" >"$SRC/a/small"
"$H/filecheck" gen "$SRC/a/b/pages" 12288 1
"$H/filecheck" gen "$SRC/a/b/c/odd" 10001 2
truncate -s 1M "$SRC/d/sparse"
"$H/filecheck" gen "$W/page" 4096 3
dd if="$W/page" of="$SRC/d/sparse" bs=4096 seek=128 conv=notrunc 2>/dev/null
for i in $(seq 1 30); do echo "$i" >"$SRC/many/f$i"; done
ln -s ../a/small "$SRC/d/rel"
ln -s /nonexistent/target "$SRC/d/dangling"
ln -s "$(printf 'x%.0s' $(seq 1 300))" "$SRC/d/longlink"
ln "$SRC/a/small" "$SRC/d/e/hard"
mkfifo "$SRC/d/fifo"
mknod "$SRC/d/null" c 1 3
mknod "$SRC/d/loop" b 7 0
"$H/treecmp" --mksock "$SRC/d/sock" 2>/dev/null
setfattr -n trusted.color -v blue "$SRC/a/small"	# no user.* on 6.1 tmpfs
setfattr -n trusted.t -v 12345 "$SRC/a/b"
setcap cap_net_raw+ep "$SRC/a/b/pages" 2>/dev/null
chown 1000:1000 "$SRC/a/b/c/odd"
chmod 4755 "$SRC/a/b/pages"
BASE=$W/base.img
if ! "$MKDAXFS" -q -d "$SRC" -o "$BASE" 2>"$W/err"; then
	fail "hostile: mkdaxfs: $(head -n 1 "$W/err")"
	exit 1
fi
expect "hostile: base image passes check" "$INSPECT" "$BASE" check
LEN=$(round_up $(( $(stat -c %s "$BASE") + 65536 )) 65536)
need_phys "$LEN"

nbad=0
bad() {	# bad CATEGORY MESSAGE
	nbad=$((nbad + 1))
	eval "bad_$1=\$((\${bad_$1:-0} + 1))"
	[ "$nbad" -le "$MAXSHOW" ] && fail "hostile-$1: $2"
}

# mount_img IMG VIA [EXTRA]: mount IMG at $MNT by phys or vgem; sets
# $merr (errno name when refused) and $nlog (kernel log lines about it);
# returns dxmount's status.
mount_img() {
	local img=$1 via=$2 extra=${3:-} rc l
	if [ "$via" = vgem ]; then
		merr=$("$H/dxmount" vgem "$img" "$MNT" "$extra" 2>"$W/merr")
	else
		merr=$("$H/dxmount" phys "$img" "$PHYS" "$LEN" "$MNT" "$extra" \
			2>"$W/merr")
	fi
	rc=$?
	nlog=0	# counted with builtins: no dmesg | grep per image
	while IFS= read -r l; do
		[[ "$l" == "dxmount: kmsg: "*daxfs* ||
		   "$l" == "dxmount: kernel: "* ]] && nlog=$((nlog + 1))
	done <"$W/merr"
	return $rc
}

# walk_mnt CATEGORY WHAT ALLOWED: a full walk; it must end, and with no
# error but the allowed ones.
walk_mnt() {
	if ! timeout 120 "$H/walk" -a "$3" "$MNT" >"$W/wout" 2>"$W/werr"
	then
		bad "$1" "$2: walk: $(head -n 1 "$W/werr") $(tail -n 1 "$W/wout")"
		return 1
	fi
}

umount_mnt() {	# umount_mnt WHAT
	if ! umount "$MNT" 2>"$W/uerr"; then
		bad umount "$1: umount: $(head -n 1 "$W/uerr")"
		umount -l "$MNT" 2>/dev/null
	fi
}

# --- 200 mutated images, validation on ----------------------------------------
refused=0 mounted=0 compared=0
mkdir -p "$W/imgs"
"$H/corrupt" -n "$COUNT" "$BASE" "$W/imgs" 1 >"$W/descs" ||
	{ fail "hostile: corrupt"; exit 1; }
mapfile -t descs <"$W/descs"
t_imgs=$SECONDS
for seed in $(seq 1 "$COUNT"); do
	desc=${descs[$((seed - 1))]}
	[ $((seed % 25)) -eq 0 ] &&
		echo "hostile: $seed images in $((SECONDS - t_imgs))s"
	via=phys
	[ $((seed % 4)) -eq 0 ] && via=vgem
	mount_img "$W/imgs/$seed.img" "$via"
	rc=$?
	what="$desc [$via]"
	[ -n "${DAXFS_VERBOSE:-}" ] && echo "hostile: $what"
	if [ "$rc" -eq 2 ]; then
		refused=$((refused + 1))
		case "$merr" in
		EUCLEAN|EINVAL) ;;
		*) bad refuse "$what: refused with $merr, want EUCLEAN/EINVAL" ;;
		esac
		# through fsopen() the fs_context log may repeat the line
		max=1
		[ "$via" = vgem ] && max=2
		[ "$nlog" -ge 1 ] && [ "$nlog" -le "$max" ] ||
			bad refuse "$what: $nlog kernel log lines, want one"
		continue
	elif [ "$rc" -ne 0 ]; then
		bad setup "$what: $(tail -n 1 "$W/merr")"
		continue
	fi
	mounted=$((mounted + 1))
	walk_mnt walk "$what" EUCLEAN,EIO
	# an image the tools accept must read back exactly as they see it
	if "$INSPECT" "$W/imgs/$seed.img" check >/dev/null 2>&1; then
		rm -rf "$W/x"
		if "$INSPECT" "$W/imgs/$seed.img" extract "$W/x" >/dev/null 2>&1
		then
			compared=$((compared + 1))
			"$H/treecmp" --content-cap $((16 << 20)) "$W/x" "$MNT" \
				>"$W/tc" 2>&1 ||
				bad reads "$what: mount differs from extract: $(head -n 1 "$W/tc")"
		fi
	fi
	umount_mnt "$what"
done
rm -rf "$W/imgs"
for c in refuse walk reads umount setup; do
	v=bad_$c
	[ "${!v:-0}" -eq 0 ] && pass "hostile-$c: $COUNT images ($refused refused, $mounted mounted, $compared compared with extract)"
done

# --- novalidate: the use-time checks alone --------------------------------------
kinds=(inode extent dirent xattr name order cycle flip)
nv_mounted=0
for i in $(seq 1 "$NOVALIDATE"); do
	seed=$((1000 + i))
	kind=${kinds[$((i % ${#kinds[@]}))]}
	desc=$("$H/corrupt" "$BASE" "$W/m.img" "$seed" "$kind") || continue
	mount_img "$W/m.img" phys novalidate
	rc=$?
	[ "$rc" -eq 2 ] && continue	# the superblock check still runs
	[ "$rc" -ne 0 ] && { bad setup "$desc: $(tail -n 1 "$W/merr")"; continue; }
	nv_mounted=$((nv_mounted + 1))
	walk_mnt novalidate "$desc [novalidate]" \
		EUCLEAN,EIO,ENOENT,ELOOP,ESTALE,ENODATA
	umount_mnt "$desc [novalidate]"
done
[ "${bad_novalidate:-0}" -eq 0 ] &&
	pass "hostile-novalidate: $NOVALIDATE images ($nv_mounted mounted and walked)"

# Images that change under a live mount: tests/vm/livecorrupt.sh, from a
# second guest (this guest cannot write a mounted range: the mount claims
# it, and the kernel then keeps /dev/mem away from it).

[ "$nbad" -gt "$MAXSHOW" ] &&
	fail "hostile: $((nbad - MAXSHOW)) more failures not shown"
DMESG_MARK=$START_MARK
dmesg_clean "hostile: kernel log has no oops/BUG/WARNING"
expect "hostile: module unloads" daxfs_unload

#!/bin/bash
# Lockdown (LOCKDOWN_DEV_MEM): once the kernel is locked down, phys=
# mounts are refused (EPERM, one log line), while dma-buf mounts still
# work.  Lockdown cannot be lifted, so this runs last in the guest.
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" "$H/dxmount"
need_phys $((16 << 20))
daxfs_load
modprobe vgem 2>/dev/null
dmesg_mark
START_MARK=$DMESG_MARK
LOCK=/sys/kernel/security/lockdown

SRC=$W/src
MNT=$W/mnt
mkdir -p "$SRC" "$MNT"
echo "locked" >"$SRC/hello"
"$MKDAXFS" -q -d "$SRC" -p "$PHYS" -s 8M ||
	{ fail "lockdown: setup: mkdaxfs -p"; exit 1; }
"$MKDAXFS" -q -d "$SRC" -o "$W/img" -s 8M ||
	{ fail "lockdown: setup: mkdaxfs -o"; exit 1; }
if [ ! -w "$LOCK" ]; then
	fail "lockdown: setup: no $LOCK (securityfs, lockdown LSM)"
	exit 1
fi
expect "lockdown: phys= mounts before lockdown" \
	"$H/dxmount" opts "$MNT" "phys=$PHYS,size=8M" && umount "$MNT"
echo integrity >"$LOCK"
if grep -q '\[integrity\]' "$LOCK"; then
	pass "lockdown: kernel locked down ($(cat "$LOCK"))"
else
	fail "lockdown: could not lock down: $(cat "$LOCK")"
	exit 1
fi
dmesg_mark
got=$("$H/dxmount" opts "$MNT" "phys=$PHYS,size=8M" 2>"$W/err")
rc=$?
if [ "$rc" = 0 ]; then
	fail "lockdown: phys= mounted under lockdown"
	umount "$MNT"
elif [ "$rc" = 2 ] && [ "$got" = EPERM ] &&
     dmesg_new | grep -q "locked down"; then
	pass "lockdown: phys= refused under lockdown ($(dmesg_new | grep -m1 'locked down' | sed 's/^\[[^]]*\] //'))"
else
	fail "lockdown: phys= under lockdown: $got, $(tail -n 1 "$W/err")"
fi
if "$H/dxmount" vgem "$W/img" "$MNT" >/dev/null 2>"$W/err" &&
   [ "$(cat "$MNT/hello")" = locked ]; then
	pass "lockdown: a dma-buf still mounts under lockdown"
	umount "$MNT"
else
	fail "lockdown: dma-buf mount under lockdown: $(tail -n 1 "$W/err")"
fi
DMESG_MARK=$START_MARK
dmesg_clean "lockdown: kernel log clean"

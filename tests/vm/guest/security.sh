#!/bin/bash
# What a phys= mount may expose, and the options around it:
#   - System RAM, wholly or in part, is refused (EINVAL, one log line,
#     and no WARN from memremap);
#   - a range a driver has claimed (a pmem namespace) is refused (EBUSY);
#     once the driver lets go, the NVDIMM mounts, the mount claims the
#     range (/proc/iomem says daxfs), the driver cannot take it back, and
#     /dev/mem cannot reach it while it is mounted;
#   - mounts of a range inside a claimed one share the claim; a partly
#     overlapping range is refused; the claim goes with the last mount;
#   - statfs counts the image, not the region;
#   - remount accepts the options /proc/mounts shows and refuses changes;
#     force does not make System RAM mountable; a dma-buf mount shows no
#     bare "dmabuf" option and remounts.
# Lockdown is tested last, in zz_lockdown.sh (it cannot be undone).
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" "$INSPECT" "$H/dxmount" "$H/filecheck"
need_phys $((64 << 20))
daxfs_load
modprobe vgem 2>/dev/null
dmesg_mark
START_MARK=$DMESG_MARK
MB=$((1 << 20))

SRC=$W/src
MNT=$W/mnt
M2=$W/m2
mkdir -p "$SRC/d" "$MNT" "$M2"
"$H/filecheck" gen "$SRC/data" 100000 3
echo hello >"$SRC/d/hello"

# refused OPTIONS WANT_ERRNO LOGWORD WHAT: the mount must fail with
# WANT_ERRNO and say LOGWORD in the kernel log.
refused() {
	local opts=$1 want=$2 word=$3 what=$4 got
	dmesg_mark
	got=$("$H/dxmount" opts "$MNT" "$opts" 2>"$W/err")
	case $? in
	0) fail "security: $what: mounted"; umount "$MNT"; return ;;
	2) ;;
	*) fail "security: $what: $(tail -n 1 "$W/err")"; return ;;
	esac
	if [ "$got" != "$want" ]; then
		fail "security: $what: $got, want $want"
	elif ! grep -q "$word" "$W/err" && ! dmesg_new | grep -q "$word"; then
		fail "security: $what: no '$word' in the log: $(tail -n 2 "$W/err" | tr '\n' ' ')"
	else
		pass "security: $what refused ($want)"
	fi
}

# --- System RAM -----------------------------------------------------------
ram=$(awk -F'[- ]' '/ : System RAM$/ { print $1, $2 }' /proc/iomem |
	tail -n 1)
read -r ram_lo ram_hi <<<"$ram"
if [ -z "$ram_hi" ]; then
	fail "security: setup: no System RAM in /proc/iomem"
else
	lo=$(( (0x$ram_lo + 0xfff) & ~0xfff ))
	refused "phys=$(printf 0x%x "$lo"),size=1M" EINVAL "System RAM" \
		"phys= over System RAM"
	# the last page of RAM and the page after it
	edge=$(( (0x$ram_hi + 1) - 4096 ))
	refused "phys=$(printf 0x%x "$edge"),size=8K" EINVAL "System RAM" \
		"phys= straddling the end of System RAM"
	# force takes branch claims from other mounts, never System RAM
	refused "phys=$(printf 0x%x "$lo"),size=1M,force" EINVAL "System RAM" \
		"phys= over System RAM with -o force"
fi

# --- a range claimed by a driver -------------------------------------------
expect "security: mkdaxfs -p (image of 4 MiB)" \
	"$MKDAXFS" -q -d "$SRC" -p "$PHYS" -s 4M
if ! modprobe -a nfit nd_pmem; then
	fail "security: setup: modprobe nfit nd_pmem"
fi
for ((i = 0; i < 25; i++)); do	# up to 5 s
	grep -q namespace0.0 /proc/iomem && break
	sleep 0.2
done
if grep -q namespace0.0 /proc/iomem; then
	refused "phys=$PHYS,size=16M" EBUSY "in use" \
		"phys= over a range the pmem driver claimed"
else
	fail "security: setup: the pmem driver did not claim the NVDIMM"
fi
ndctl disable-namespace namespace0.0 >/dev/null 2>&1
if mount -t daxfs -o "phys=$PHYS,size=16M" none "$MNT" 2>"$W/err"; then
	pass "security: the NVDIMM mounts once the driver lets go (nfit loaded)"
else
	fail "security: mount after disable-namespace: $(tail -n 1 "$W/err")"
fi
if awk -v a="${PHYS#0x}" 'index($0, a) && / : daxfs$/ { f = 1 }
			  END { exit !f }' /proc/iomem; then
	pass "security: /proc/iomem shows the range claimed by daxfs"
else
	fail "security: no daxfs claim in /proc/iomem: $(grep -i -A2 persistent /proc/iomem | tr '\n' ' ')"
fi
if ndctl enable-namespace namespace0.0 >/dev/null 2>&1 &&
   grep -q namespace0.0 /proc/iomem; then
	fail "security: the pmem driver took a range daxfs has mounted"
else
	pass "security: the pmem driver cannot claim a mounted range"
fi
if "$INSPECT" -p "$PHYS" -s 4M check >/dev/null 2>&1; then
	fail "security: /dev/mem reached a mounted range"
else
	pass "security: /dev/mem cannot map a mounted range"
fi
read -r blocks <<<"$(stat -f -c %b "$MNT")"
[ "$blocks" = $((4 * MB / 4096)) ] &&
	pass "security: statfs f_blocks is the 4 MiB image, not the 16 MiB region" ||
	fail "security: statfs f_blocks $blocks, want $((4 * MB / 4096))"

# --- shared and overlapping claims -----------------------------------------
if mount -t daxfs -o "phys=$PHYS,size=8M" none "$M2" 2>"$W/err"; then
	pass "security: a range inside a mounted one shares its claim"
else
	fail "security: inner range: $(tail -n 1 "$W/err")"
fi
refused "phys=$(printf 0x%x $((PHYS + 8 * MB))),size=16M" EBUSY "in use" \
	"a range overlapping a mounted one"
umount "$MNT"
if grep -q " : daxfs$" /proc/iomem && cmp -s "$SRC/d/hello" "$M2/d/hello"
then
	pass "security: the claim stays while a mount still uses it"
else
	fail "security: claim or data gone after the first unmount"
fi
umount "$M2"
if grep -q " : daxfs$" /proc/iomem; then
	fail "security: claim left behind after the last unmount"
else
	pass "security: the claim goes with the last mount"
fi
if "$INSPECT" -p "$PHYS" -s 4M check >/dev/null 2>&1; then
	pass "security: /dev/mem reaches the range again after unmount"
else
	fail "security: daxfs-inspect -p after unmount failed"
fi
modprobe -r nd_pmem 2>/dev/null

# --- remount, options -----------------------------------------------------
opts="phys=$PHYS,size=16M"
if ! mount -t daxfs -o "$opts" none "$MNT" 2>"$W/err"; then
	fail "security: mount for the remount checks: $(tail -n 1 "$W/err")"
else
	shown=$(awk -v d="$MNT" '$2 == d { print $4 }' /proc/mounts)
	if mount -o remount,ro "$MNT" 2>"$W/err"; then
		pass "security: mount -o remount,ro with the shown options ($shown)"
	else
		fail "security: remount,ro: $(tail -n 1 "$W/err")"
	fi
	for change in "phys=$(printf 0x%x $((PHYS + 4096)))" size=8M \
		      branch=other novalidate force rw; do
		if mount -o "remount,$change" "$MNT" 2>"$W/err"; then
			fail "security: remount,$change accepted"
		else
			pass "security: remount,$change refused ($(tail -n 1 "$W/err" | cut -c1-70))"
		fi
	done
	[ "$(awk -v d="$MNT" '$2 == d { print $4 }' /proc/mounts)" = "$shown" ] &&
		cmp -s "$SRC/data" "$MNT/data" &&
		pass "security: the mount is unchanged after the refused remounts" ||
		fail "security: mount changed by a refused remount"
	umount "$MNT"
fi

"$MKDAXFS" -q -d "$SRC" -o "$W/img" -s 4M
if "$H/dxmount" vgem "$W/img" "$MNT" >/dev/null 2>"$W/err"; then
	line=$(awk -v d="$MNT" '$2 == d' /proc/mounts)
	case ",$(echo "$line" | awk '{ print $4 }')," in
	*,dmabuf,*) fail "security: dma-buf mount shows a bare dmabuf option: $line" ;;
	*) pass "security: dma-buf mount options can be given back ($line)" ;;
	esac
	if mount -o remount,ro "$MNT" 2>"$W/err"; then
		pass "security: mount -o remount,ro of a dma-buf mount"
	else
		fail "security: remount of a dma-buf mount: $(tail -n 1 "$W/err")"
	fi
	umount "$MNT"
else
	fail "security: vgem mount: $(tail -n 1 "$W/err")"
fi

DMESG_MARK=$START_MARK
dmesg_clean "security: kernel log has no WARN (memremap of mixed ranges)"

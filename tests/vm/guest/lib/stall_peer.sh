#!/bin/bash
# One guest of tests/vm/stall.sh, on an NVDIMM the two guests share.
#   PEER=a: makes branch cl, mounts it writable, writes f, maps it, says
#     ready; the host then stops this guest's QEMU (SIGSTOP) until b has
#     taken cl over, and continues it.  Then everything in the mount must
#     fail with EIO, the mapping must give SIGBUS, and one dmesg line
#     must say the mount table slot was taken over.
#   PEER=b: mounts cl writable (it waits out a's lease: a is stopped,
#     its heartbeat does not move), writes f, says so, stays mounted
#     while a checks.
# They meet through files in $VM_SHARE.
. "$(dirname "$0")/common.sh"

: "${PEER:?}"
S=$VM_SHARE
BR=$DAXFS_TOP/build/daxfs-branch
need "$BR" "$H/filecheck"
[ -n "$PHYS" ] || { fail "stall-$PEER: no NVDIMM"; exit 1; }
daxfs_load
dmesg_mark
OPTS="phys=$PHYS,size=$PHYS_SIZE"
M=$W/m
mkdir -p "$M"

if [ "$PEER" = b ]; then
	wait_for "$S/a-ready" || { fail "stall-b: a never got ready"; exit 1; }
	if mount -t daxfs -o "$OPTS,branch=cl" none "$M"; then
		pass "stall-b: the stalled mount's branch mounted writable once its lease ran out"
		echo two >"$M/f" && sync -f "$M"
		is "stall-b: it writes the branch" "$(cat "$M/f")" two
	else
		fail "stall-b: mount -o branch=cl next to a stalled writer"
	fi
	: >"$S/b-took"
	wait_for "$S/a-done" || fail "stall-b: a never finished"
	umount "$M"
	dmesg_clean "stall-b: kernel log clean"
	exit 0
fi

mount -t daxfs -o "$OPTS" none "$M" && "$BR" create cl -m "$M" >/dev/null &&
	umount "$M" && mount -t daxfs -o "$OPTS,branch=cl" none "$M" &&
	echo one >"$M/f" && sync -f "$M" || { fail "stall-a: setup"; exit 1; }
coproc HOLD { "$H/filecheck" holdmap "$M/f"; }
read -r -t 60 line <&"${HOLD[0]}"
[ "$line" = mapped ] || fail "stall-a: holdmap: $line"
: >"$S/a-ready"
# stopped here by the host until b has the branch
wait_for "$S/b-took" || fail "stall-a: b never took the branch"
# the next heartbeat (every second) finds the slot taken
has "stall-a: after the stall, reads of the mount fail with EIO (never b's data)" \
	"$(read_until_eio "$M/f")" "Input/output error"
sleep 1		# the mappings go right after (refresh work)
echo go >&"${HOLD[1]}"
read -r -t 60 line <&"${HOLD[0]}"
is "stall-a: its mapping gets SIGBUS" "$line" sigbus
has "stall-a: its writes fail with EIO" "$(echo x 2>&1 >"$M/g")" \
	"Input/output error"
is "stall-a: one kernel log line says its slot was taken over" \
	"$(dmesg | grep -c "mount table was taken over")" 1
umount "$M" && pass "stall-a: it unmounts" || fail "stall-a: umount"
: >"$S/a-done"
dmesg_clean "stall-a: kernel log clean"

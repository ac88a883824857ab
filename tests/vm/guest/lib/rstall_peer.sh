#!/bin/bash
# One guest of the reader scenario of tests/vm/stall.sh, on an NVDIMM
# the two guests share.
#   PEER=b (the reader): mounts main read-only beside a's writable mount,
#     maps pg and opens keep, says ready; the host stops this guest's
#     QEMU (SIGSTOP) for a few seconds, less than a lease, while a
#     rewrites pg and fills the region.  Once continued, its mapping of pg
#     must read the old bytes or give SIGBUS (never a's fill), then the
#     mount follows a's log: pg's new bytes, keep still open.
#   PEER=a (the writer): mounts main writable, writes pg and keep, waits
#     for b, and, while b is stopped, rewrites pg in place and fills the
#     region: the replaced pages must stay allocated (b, stopped, still
#     shows them); once b moved on they must come back.
# They meet through files in $VM_SHARE.
. "$(dirname "$0")/common.sh"

: "${PEER:?}"
S=$VM_SHARE
need "$H/filecheck" "$H/wtool"
[ -n "$PHYS" ] || { fail "rstall-$PEER: no NVDIMM"; exit 1; }
daxfs_load
dmesg_mark
OPTS="phys=$PHYS,size=$PHYS_SIZE"
M=$W/m
mkdir -p "$M"
PG=$((1 << 20))

avail() { stat -f -c %a "$M"; }

if [ "$PEER" = a ]; then
	mount -t daxfs -o "$OPTS" none "$M" &&
		"$H/filecheck" gen "$M/pg" "$PG" 1 && echo keep >"$M/keep" &&
		sync -f "$M" || { fail "rstall-a: setup"; exit 1; }
	: >"$S/a-ready"
	wait_for "$S/go" || { fail "rstall-a: the host never stopped b"; exit 1; }
	free0=$(avail)
	"$H/wtool" pwrite "$M/pg" 0 "$PG" 2 >/dev/null
	free1=$(avail)
	"$H/filecheck" gen "$M/fill" $(((free1 - 16) * 4096)) 3 2>/dev/null
	is "rstall-a: pages it replaced stay allocated while the stopped reader shows them" \
		"$((free0 - free1 >= PG / 4096))" 1
	: >"$S/a-done"
	wait_for "$S/b-done" || fail "rstall-a: b never finished"
	rm -f "$M/fill"
	for i in $(seq 1 80); do
		[ "$(avail)" -ge $((free0 - 16)) ] && break
		sleep 0.25
	done
	is "rstall-a: they come back once the reader (another kernel) moved on" \
		"$(($(avail) >= free0 - 16))" 1
	umount "$M" || fail "rstall-a: umount"
	: >"$S/a-gone"
	dmesg_clean "rstall-a: kernel log clean"
	exit 0
fi

wait_for "$S/a-ready" || { fail "rstall-b: a never got ready"; exit 1; }
mount -t daxfs -o "$OPTS,ro" none "$M" ||
	{ fail "rstall-b: mount main read-only beside its writer"; exit 1; }
pass "rstall-b: main mounted read-only beside its writer in another kernel"
exec 7<"$M/keep"
coproc HOLD { "$H/filecheck" holdmap "$M/pg"; }
read -r -t 60 line <&"${HOLD[0]}"
[ "$line" = mapped ] || fail "rstall-b: holdmap: $line"
: >"$S/b-ready"
# stopped here by the host while a rewrites pg and fills the region
wait_for "$S/a-done" || fail "rstall-b: a never rewrote pg"
echo go >&"${HOLD[1]}"
read -r -t 60 line <&"${HOLD[0]}"
case "$line" in
read|sigbus) pass "rstall-b: its mapping of the rewritten file after the stall: $line (never the writer's fill)" ;;
*) fail "rstall-b: its mapping of the rewritten file after the stall: '$line'" ;;
esac
"$H/wtool" pwrite "$W/pg.new" 0 "$PG" 2 >/dev/null	# a's new bytes
for i in $(seq 1 40); do
	cmp -s "$M/pg" "$W/pg.new" && break
	sleep 0.25
done
is "rstall-b: then it follows the writer's log" \
	"$(cmp "$M/pg" "$W/pg.new" 2>&1 && echo same)" same
is "rstall-b: a file the writer did not touch stayed open" "$(cat <&7)" keep
exec 7<&-
: >"$S/b-done"
wait_for "$S/a-gone" || fail "rstall-b: a never unmounted"
umount "$M" || fail "rstall-b: umount"
dmesg_clean "rstall-b: kernel log clean"

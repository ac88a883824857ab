#!/bin/bash
# One guest of the multikernel test (started twice, at the same time, by
# tests/vm/multikernel.sh on one NVDIMM backing file and one $VM_SHARE).
# It mounts the image, waits until the other guest has mounted it too,
# checksums every file while both are mounted, publishes the list in
# $VM_SHARE/$PEER.sum, and unmounts only after the other has finished.
#   PEER   this guest's name; OTHER   the other one's
. "$(dirname "$0")/common.sh"

: "${PEER:?}" "${OTHER:?}"
S=$VM_SHARE
need "$H/filecheck"
[ -n "$PHYS" ] || { fail "multikernel-$PEER: no NVDIMM"; exit 1; }
daxfs_load
dmesg_mark

# wait_for FILE: the other guest's progress; a hang guard, not a timing
# assertion (both guests boot under TCG at their own pace).
wait_for() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ -e "$1" ] && return 0
		[ -e "$S/$OTHER.failed" ] && return 1
		sleep 0.5
	done
	return 1
}
peer_fail() {
	fail "multikernel-$PEER: $*"
	: >"$S/$PEER.failed"
	exit 1
}

MNT=$W/mnt
mkdir -p "$MNT"
mount -t daxfs -o "phys=$PHYS,size=$PHYS_SIZE,ro" none "$MNT" ||
	peer_fail "mount phys=$PHYS"
pass "multikernel-$PEER: mounted the shared image"
: >"$S/$PEER.mounted"
wait_for "$S/$OTHER.mounted" || peer_fail "the other guest never mounted"
(cd "$MNT" && find . -type f | sort | while read -r f; do
	echo "$f $("$H/filecheck" sum "$f" mmap)"
done) >"$S/$PEER.sum.tmp" || peer_fail "reading the files"
mv "$S/$PEER.sum.tmp" "$S/$PEER.sum"
wait_for "$S/$OTHER.sum" || peer_fail "the other guest never read"
: >"$S/$PEER.done"
if cmp -s "$S/$PEER.sum" "$S/$OTHER.sum" && [ -s "$S/$PEER.sum" ]; then
	pass "multikernel-$PEER: both guests read the same data"
else
	fail "multikernel-$PEER: the guests read different data"
fi
wait_for "$S/$OTHER.done" || peer_fail "the other guest did not finish"
expect "multikernel-$PEER: umount" umount "$MNT"
dmesg_clean "multikernel-$PEER: kernel log clean"

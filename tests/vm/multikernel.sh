#!/bin/bash
# multikernel.sh: two guests map one image file (an NVDIMM backed by the
# same host file, share=on) and mount it at the same time; both must read
# the data the host put there.  Runs on the host; tests/vm/run.sh calls it.
#
#   tests/vm/multikernel.sh [--kernel VERSION] [--timeout SEC]
#
# Each guest runs tests/vm/guest/lib/mk_peer.sh; they meet through files
# in one --share directory.  Prints PASS:/FAIL: lines; exit 0 when all
# passed.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib.sh"
kernel=${VM_KERNEL:-6.1}
timeout=400
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	*) echo "usage: multikernel.sh [--kernel VERSION] [--timeout SEC]" >&2
	   exit 2 ;;
	esac
done
H=$TOP/build/vm-helpers
for f in "$TOP/build/mkdaxfs" "$H/filecheck" "$TOP/tests/vm/vm.sh"; do
	[ -e "$f" ] || { fail "multikernel: setup: $f missing"; exit 1; }
done

D=$(mktemp -d "${TMPDIR:-/tmp}/daxfs-mk.XXXXXX")
trap 'rm -rf "$D"' EXIT
mkdir -p "$D/src/dir" "$D/share"
"$H/filecheck" gen "$D/src/big" 8M 11
"$H/filecheck" gen "$D/src/dir/small" 5000 12
echo "shared by two kernels" >"$D/src/dir/note"
if ! "$TOP/build/mkdaxfs" -q -d "$D/src" -o "$D/nv.img" 2>"$D/err"; then
	fail "multikernel: mkdaxfs: $(head -n 1 "$D/err")"
	exit 1
fi
(cd "$D/src" && find . -type f | sort | while read -r f; do
	echo "$f $("$H/filecheck" sum "$f" read)"
done) >"$D/host.sum"

peer() {	# peer NAME OTHER
	"$TOP/tests/vm/vm.sh" --kernel "$kernel" --smp 1 --mem 1G \
		--timeout "$timeout" --nvdimm "$D/nv.img" --share "$D/share" \
		--env "PEER=$1" --env "OTHER=$2" --result "$D/$1.result" \
		"$TOP/tests/vm/guest/lib/mk_peer.sh" >"$D/$1.log" 2>&1
}
peer a b &
pa=$!
peer b a &
pb=$!
wait "$pa"
ra=$?
wait "$pb"
rb=$?
for p in a b; do
	grep -E '^(PASS|FAIL): ' "$D/$p.log"
done
for p in a b; do
	r=$([ $p = a ] && echo $ra || echo $rb)
	if [ "$r" -ne 0 ]; then
		fail "multikernel: guest $p: vm.sh exit $r ($(cat "$D/$p.result" 2>/dev/null))"
		grep -vE '^(PASS|FAIL): ' "$D/$p.log" | tail -n 30 >&2
	fi
	if [ -f "$D/share/$p.sum" ] && cmp -s "$D/host.sum" "$D/share/$p.sum"
	then
		pass "multikernel: guest $p read what the host wrote"
	else
		fail "multikernel: guest $p: checksums differ from the host's"
	fi
done

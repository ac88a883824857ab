#!/bin/bash
# mkbranch.sh: two guests share one branching image (an NVDIMM backed by
# the same host file, share=on).  Each round, each guest mounts a branch
# of its own, writes its own tree into it, maps one of its files, and
# both commit at the same moment: exactly one commit wins, the other gets
# ESTALE, the loser's mapping never shows the winner's bytes, a fresh
# mount of main shows exactly the winner's tree, and daxfs-inspect check
# is clean; and a read-only mount of main kept in one guest through every
# round follows each commit without remounting.  Runs on the host;
# tests/vm/run.sh calls it.
#
#   tests/vm/mkbranch.sh [--kernel VERSION] [--rounds N] [--timeout SEC]
#
# The guests run tests/vm/guest/lib/mkb_peer.sh and meet through files in
# one --share directory.  Prints PASS:/FAIL: lines; exit 0 when all passed.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib.sh"
kernel=${VM_KERNEL:-6.1}
rounds=${MKB_ROUNDS:-4}
timeout=600
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	*) echo "usage: mkbranch.sh [--kernel VERSION] [--rounds N] [--timeout SEC]" >&2
	   exit 2 ;;
	esac
done
for f in "$TOP/build/mkdaxfs" "$TOP/build/daxfs-branch" "$TOP/tests/vm/vm.sh"; do
	[ -e "$f" ] || { fail "mkbranch: setup: $f missing"; exit 1; }
done

D=$(mktemp -d "${TMPDIR:-/tmp}/daxfs-mkb.XXXXXX")
trap 'rm -rf "$D"' EXIT
mkdir -p "$D/src/etc" "$D/share"
echo base >"$D/src/etc/conf"
echo readme >"$D/src/README"
echo kept >"$D/src/keep"
if ! "$TOP/build/mkdaxfs" -q -b -d "$D/src" -o "$D/nv.img" -s 64M 2>"$D/err"; then
	fail "mkbranch: mkdaxfs -b: $(head -n 1 "$D/err")"
	exit 1
fi
peer() {	# peer NAME OTHER
	"$TOP/tests/vm/vm.sh" --kernel "$kernel" --smp 1 --mem 1G \
		--timeout "$timeout" --nvdimm "$D/nv.img" --share "$D/share" \
		--env "PEER=$1" --env "OTHER=$2" --env "ROUNDS=$rounds" \
		--result "$D/$1.result" \
		"$TOP/tests/vm/guest/lib/mkb_peer.sh" >"$D/$1.log" 2>&1
}
start=$SECONDS
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
		fail "mkbranch: guest $p: vm.sh exit $r ($(cat "$D/$p.result" 2>/dev/null))"
		grep -vE '^(PASS|FAIL): ' "$D/$p.log" | tail -n 30 >&2
	fi
done
wins=$(cat "$D"/share/winner-* 2>/dev/null | sort | uniq -c | tr '\n' ' ')
if [ "$(ls "$D"/share/winner-* 2>/dev/null | wc -l)" -eq "$rounds" ]; then
	pass "mkbranch: $rounds rounds of two kernels committing at once, one winner each (wins: $wins) ($((SECONDS - start)) s)"
else
	fail "mkbranch: only $(ls "$D"/share/winner-* 2>/dev/null | wc -l) of $rounds rounds decided"
fi

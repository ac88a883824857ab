#!/bin/bash
# stall.sh: a writable mount whose kernel stalls past its lease.  Two
# guests share one branching image (an NVDIMM backed by the same host
# file, share=on).  Guest a mounts a branch writable and maps a file;
# the host stops a's QEMU (SIGSTOP), so its heartbeat stops; guest b
# mounts the branch writable once a's 5 s lease ran out and writes it;
# the host continues a: a's mount must then fail everything with EIO
# and its mapping with SIGBUS, never show b's data.  Then the reader
# scenario, on a fresh image: guest b has main mounted read-only beside
# guest a's writable mount and a file mapped; the host stops b's QEMU
# (for less than a lease) while a rewrites that file and fills the
# region: a must keep the replaced pages allocated (b still shows them),
# b's mapping must never show a's fill, and once b runs again it follows
# a's log and a gets the pages back.  Runs on the host; tests/vm/run.sh
# calls it.
#
#   tests/vm/stall.sh [--kernel VERSION]
#
# The guests run tests/vm/guest/lib/stall_peer.sh, then
# tests/vm/guest/lib/rstall_peer.sh.  Prints PASS:/FAIL: lines; exit 0
# when all passed.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib.sh"
kernel=${VM_KERNEL:-6.1}
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	*) echo "usage: stall.sh [--kernel VERSION]" >&2; exit 2 ;;
	esac
done
for f in "$TOP/build/mkdaxfs" "$TOP/build/daxfs-branch" "$TOP/tests/vm/vm.sh"; do
	[ -e "$f" ] || { fail "stall: setup: $f missing"; exit 1; }
done

D=$(mktemp -d "${TMPDIR:-/tmp}/daxfs-stall.XXXXXX")
qpid=
trap '[ -n "$qpid" ] && kill -CONT "$qpid" 2>/dev/null; rm -rf "$D"' EXIT
mkdir -p "$D/src" "$D/share" "$D/run-a" "$D/run-b"
echo base >"$D/src/README"
if ! "$TOP/build/mkdaxfs" -q -b -d "$D/src" -o "$D/nv.img" -s 64M 2>"$D/err"; then
	fail "stall: mkdaxfs -b: $(head -n 1 "$D/err")"
	exit 1
fi
peer() {	# peer NAME
	TMPDIR=$D/run-$1 "$TOP/tests/vm/vm.sh" --kernel "$kernel" --smp 1 \
		--mem 1G --timeout 300 --nvdimm "$D/nv.img" --share "$D/share" \
		--env "PEER=$1" --result "$D/$1.result" \
		"$TOP/tests/vm/guest/lib/stall_peer.sh" >"$D/$1.log" 2>&1
}
waitfile() {	# FILE PID: a hang guard, not a timing assertion
	local i
	for ((i = 0; i < 1200; i++)); do
		[ -e "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1	# that guest ended
		sleep 0.25
	done
	return 1
}
start=$SECONDS
peer a &
pa=$!
if waitfile "$D/share/a-ready" "$pa"; then
	qpid=$(cat "$D"/run-a/daxfs-vm.*/qemu.pid 2>/dev/null)
	if [ -n "$qpid" ] && kill -STOP "$qpid"; then
		peer b &
		pb=$!
		waitfile "$D/share/b-took" "$pb" ||
			fail "stall: b never took the branch"
		kill -CONT "$qpid"
		qpid=
		wait "$pb"
		rb=$?
	else
		fail "stall: cannot stop guest a's QEMU (pid '$qpid')"
		rb=1
	fi
else
	fail "stall: guest a never got ready"
	rb=0
fi
wait "$pa"
ra=$?
for p in a b; do
	[ -f "$D/$p.log" ] && grep -E '^(PASS|FAIL): ' "$D/$p.log"
done
for p in a b; do
	r=$([ $p = a ] && echo $ra || echo $rb)
	if [ "$r" -ne 0 ]; then
		fail "stall: guest $p: vm.sh exit $r ($(cat "$D/$p.result" 2>/dev/null))"
		grep -vE '^(PASS|FAIL): ' "$D/$p.log" 2>/dev/null | tail -n 20 >&2
	fi
done

# ---- the reader scenario ----
R=$D/r
mkdir -p "$R/src" "$R/share" "$R/run-a" "$R/run-b"
echo base >"$R/src/README"
if ! "$TOP/build/mkdaxfs" -q -b -d "$R/src" -o "$R/nv.img" -s 24M 2>"$D/err"; then
	fail "stall: reader: mkdaxfs -b: $(head -n 1 "$D/err")"
	exit 1
fi
rpeer() {	# rpeer NAME
	TMPDIR=$R/run-$1 "$TOP/tests/vm/vm.sh" --kernel "$kernel" --smp 1 \
		--mem 1G --timeout 300 --nvdimm "$R/nv.img" --share "$R/share" \
		--env "PEER=$1" --result "$R/$1.result" \
		"$TOP/tests/vm/guest/lib/rstall_peer.sh" >"$R/$1.log" 2>&1
}
rpeer a &
pa=$!
pb=
if waitfile "$R/share/a-ready" "$pa"; then
	rpeer b &
	pb=$!
	if waitfile "$R/share/b-ready" "$pb"; then
		qpid=$(cat "$R"/run-b/daxfs-vm.*/qemu.pid 2>/dev/null)
		if [ -n "$qpid" ] && kill -STOP "$qpid"; then
			: >"$R/share/go"
			waitfile "$R/share/a-done" "$pa" ||
				fail "stall: reader: a never rewrote the file"
			kill -CONT "$qpid"
			qpid=
		else
			fail "stall: reader: cannot stop guest b's QEMU (pid '$qpid')"
		fi
	else
		fail "stall: reader: guest b never got ready"
	fi
else
	fail "stall: reader: guest a never got ready"
fi
wait "$pa"
rra=$?
rrb=0
if [ -n "$pb" ]; then
	wait "$pb"
	rrb=$?
fi
for p in a b; do
	[ -f "$R/$p.log" ] && grep -E '^(PASS|FAIL): ' "$R/$p.log"
done
for p in a b; do
	r=$([ $p = a ] && echo $rra || echo $rrb)
	if [ "$r" -ne 0 ]; then
		fail "stall: reader: guest $p: vm.sh exit $r ($(cat "$R/$p.result" 2>/dev/null))"
		grep -vE '^(PASS|FAIL): ' "$R/$p.log" 2>/dev/null | tail -n 20 >&2
	fi
done
echo "stall: took $((SECONDS - start)) s"
[ "$ra" -eq 0 ] && [ "$rb" -eq 0 ] && [ "$rra" -eq 0 ] && [ "$rrb" -eq 0 ]

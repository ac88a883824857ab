#!/bin/bash
# run.sh: the kernel tests, in QEMU guests (tests/check.sh runs this).
#
#   bash tests/vm/run.sh [GUEST_SCRIPT...]
#
# Installs what it needs (tests/deps.sh vm), builds the tools, the guest
# helpers, and for each guest kernel daxfs.ko and the test dma-heap module
# (each kernel's daxfs.ko in its own copy of the sources under
# build/kmod/<kver>/, so the builds never clash and the tree stays clean).
# Then, per kernel, one guest boots and runs every tests/vm/guest/*.sh (or
# the scripts given) through tests/vm/suite.sh, tests/vm/multikernel.sh
# boots two guests on one image, tests/vm/livecorrupt.sh boots two
# where one changes the image under the other's mounts, and
# tests/vm/crash.sh kills guests while they write a writable mount and
# checks what each crash left.  PASS:/FAIL: lines
# pass through, tagged with the kernel ("PASS: [6.12] readside: ...").  A
# guest oops, BUG, WARNING, crash or timeout adds a FAIL line (vm.sh shows
# the dmesg).
#
# Environment: VM_KERNELS (default "6.1 6.12"), VM_SUITE_TIMEOUT (seconds
# for one kernel's guest scripts, default 1800), SUITE_SCRIPT_TIMEOUT (one
# script, default 600), VM_NVDIMM_SIZE (default 512M), VM_MULTIKERNEL=0 to
# skip the two-guest tests (multikernel.sh, mkbranch.sh, whose rounds
# MKB_ROUNDS sets, and stall.sh), VM_LIVECORRUPT=0 to skip the live-corruption
# test (LIVECORRUPT_SECONDS: how long its writer flips, default 60;
# LIVECORRUPT_SEED), VM_CRASH=0 to skip the crash test (CRASH_KILLS:
# kills per kernel, default 6 (check-long: 100); CRASH_SEED; CRASH_CHAINS), VM_SLUB_DEBUG
# (kernel argument for the suite guest and the live-corruption reader,
# default slub_debug=FZPU; empty for none).  Variables named DAXFS_*
# reach the guest scripts (DAXFS_VERBOSE=1: hostile.sh names each image as
# it goes), and so do HOSTILE_COUNT and BRANCH_LOOPS.  VM_HOST_PID
# (tests/check.sh): a process to wait for after the first guest suite,
# before the tests that keep both cores busy.
# Exit status: 0 when nothing failed.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
. tests/lib.sh

kernels=${VM_KERNELS:-6.1 6.12}
suite_to=${VM_SUITE_TIMEOUT:-1800}
nv_size=${VM_NVDIMM_SIZE:-512M}
VM=$TOP/tests/vm/vm.sh
# SLUB debugging in the suite guest: sanity checks, red zones and poisoning
# turn a module's out-of-bounds or use-after-free slab access into a
# "BUG <cache>" report the kernel log check fails on, and user tracking
# makes slab counts exact for guest/leaks.sh.
slub_debug=${VM_SLUB_DEBUG-slub_debug=FZPU}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/daxfs-vmrun.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
LOG=$TMP/log
: >"$LOG"

say() { echo "$*" | tee -a "$LOG"; }
# first_error LOGFILE: the first compiler/make error line, shortened
first_error() {
	grep -m1 -E 'error|Error|No such|not found' "$1" | cut -c1-160
}

t0=$SECONDS
if ! bash tests/deps.sh vm >"$TMP/deps.log" 2>&1; then
	cat "$TMP/deps.log" >&2
	say "FAIL: vm: tests/deps.sh vm: $(tail -n1 "$TMP/deps.log")"
	exit 1
fi
if ! make --no-print-directory tools >"$TMP/tools.log" 2>&1; then
	cat "$TMP/tools.log" >&2
	say "FAIL: vm: make tools: $(first_error "$TMP/tools.log")"
fi
if [ -f tests/vm/helpers/Makefile ] &&
   ! make --no-print-directory -C tests/vm/helpers >"$TMP/helpers.log" 2>&1
then
	cat "$TMP/helpers.log" >&2
	say "FAIL: vm: guest helpers: $(first_error "$TMP/helpers.log")"
fi

# build_heapmod KVER: the test dma-heap module (tests/vm/heapmod)
build_heapmod() {
	[ -f tests/vm/heapmod/Makefile ] || return 0
	make --no-print-directory -C tests/vm/heapmod \
		KDIR="/lib/modules/$1/build" >"$TMP/heapmod-$1.log" 2>&1
}

# tag K: prefix PASS:/FAIL: lines with [K], keep the rest, log the result
tag() {
	sed -u -E "s/^(PASS|FAIL): /\\1: [$1] /" | tee -a "$LOG"
}

# outcome K RESULTFILE RC WHAT: a FAIL line for a guest that went wrong
outcome() {
	local k=$1 res rc=$3 what=$4
	res=$(cat "$2" 2>/dev/null)
	case "$res" in
	"ok "*) ;;
	"kernel "*) say "FAIL: [$k] $what: guest kernel log shows" \
			"Oops/BUG/WARNING (dmesg above)" ;;
	timeout) say "FAIL: [$k] $what: timed out" ;;
	crash) say "FAIL: [$k] $what: guest crashed (console log above)" ;;
	*) say "FAIL: [$k] $what: vm.sh failed (exit $rc)" ;;
	esac
}

# wait_host: tests/check.sh runs the host tests alongside the first
# guest suite (mostly one core busy) and gives their process as
# VM_HOST_PID; the tests after the suite keep both cores busy, and wait
# for it to end.
host_running() {	# (a zombie has ended)
	local l
	read -r l 2>/dev/null <"/proc/$VM_HOST_PID/stat" || return 1
	l=${l##*) }
	[ "${l%% *}" != Z ]
}
wait_host() {
	local t=$SECONDS
	[ -n "${VM_HOST_PID:-}" ] || return 0
	if host_running; then
		echo "== waiting for the host tests (tests/check.sh runs them alongside)"
		while host_running; do
			sleep 1
		done
		echo "== waited $((SECONDS - t))s for the host tests"
	fi
	VM_HOST_PID=
}

for k in $kernels; do
	kver=$("$VM" --kernel "$k" --print-kver 2>&1) || {
		say "FAIL: [$k] vm: $kver"
		continue
	}
	kstart=$SECONDS
	echo "== kernel $kver"
	if ! ko=$(bash tests/vm/kmod.sh "$kver" 2>"$TMP/kmod.err"); then
		say "FAIL: [$k] vm: daxfs.ko does not build:" \
		    "$(cat "$TMP/kmod.err")"
		continue
	fi
	if ! build_heapmod "$kver"; then
		cat "$TMP/heapmod-$kver.log" >&2
		say "FAIL: [$k] vm: test heap module does not build:" \
		    "$(first_error "$TMP/heapmod-$kver.log")"
	fi
	export DAXFS_TOP=$TOP DAXFS_KO=$ko
	rm -f "$TMP/nv.img" "$TMP/pm.img"
	"$VM" --kernel "$kver" --nvdimm "$TMP/nv.img:$nv_size" \
		--pmem "$TMP/pm.img:258M" \
		--timeout "$suite_to" --result "$TMP/result" \
		${slub_debug:+--append "$slub_debug"} \
		--env "SUITE_SCRIPT_TIMEOUT=${SUITE_SCRIPT_TIMEOUT:-600}" \
		${HOSTILE_COUNT:+--env "HOSTILE_COUNT=$HOSTILE_COUNT"} \
		${BRANCH_LOOPS:+--env "BRANCH_LOOPS=$BRANCH_LOOPS"} \
		tests/vm/suite.sh "$@" 2>&1 | tag "$k"
	outcome "$k" "$TMP/result" "${PIPESTATUS[0]}" "vm suite"
	rm -f "$TMP/nv.img" "$TMP/pm.img" "$TMP/result"
	echo "== kernel $kver: guest suite took $((SECONDS - kstart))s"
	wait_host
	if [ -f tests/vm/multikernel.sh ] && [ "${VM_MULTIKERNEL:-1}" != 0 ] &&
	   [ $# -eq 0 ]; then
		mstart=$SECONDS
		bash tests/vm/multikernel.sh --kernel "$kver" 2>&1 | tag "$k"
		rc=${PIPESTATUS[0]}
		[ "$rc" -ne 0 ] && ! grep -q "^FAIL: \[$k\] multikernel" "$LOG" &&
			say "FAIL: [$k] multikernel: exited $rc"
		echo "== kernel $kver: multikernel took $((SECONDS - mstart))s"
		mstart=$SECONDS
		bash tests/vm/mkbranch.sh --kernel "$kver" 2>&1 | tag "$k"
		rc=${PIPESTATUS[0]}
		[ "$rc" -ne 0 ] && ! grep -q "^FAIL: \[$k\] mkbranch" "$LOG" &&
			say "FAIL: [$k] mkbranch: exited $rc"
		echo "== kernel $kver: mkbranch took $((SECONDS - mstart))s"
		mstart=$SECONDS
		bash tests/vm/stall.sh --kernel "$kver" 2>&1 | tag "$k"
		rc=${PIPESTATUS[0]}
		[ "$rc" -ne 0 ] && ! grep -q "^FAIL: \[$k\] stall" "$LOG" &&
			say "FAIL: [$k] stall: exited $rc"
		echo "== kernel $kver: stall took $((SECONDS - mstart))s"
	fi
	if [ -f tests/vm/livecorrupt.sh ] && [ "${VM_LIVECORRUPT:-1}" != 0 ] &&
	   [ $# -eq 0 ]; then
		lstart=$SECONDS
		bash tests/vm/livecorrupt.sh --kernel "$kver" 2>&1 | tag "$k"
		rc=${PIPESTATUS[0]}
		[ "$rc" -ne 0 ] && ! grep -q "^FAIL: \[$k\] livecorrupt" "$LOG" &&
			say "FAIL: [$k] livecorrupt: exited $rc"
		echo "== kernel $kver: livecorrupt took $((SECONDS - lstart))s"
	fi
	if [ -f tests/vm/crash.sh ] && [ "${VM_CRASH:-1}" != 0 ] &&
	   [ $# -eq 0 ]; then
		cstart=$SECONDS
		bash tests/vm/crash.sh --kernel "$kver" \
			--kills "${CRASH_KILLS:-6}" 2>&1 | tag "$k"
		rc=${PIPESTATUS[0]}
		[ "$rc" -ne 0 ] && ! grep -q "^FAIL: \[$k\] crash" "$LOG" &&
			say "FAIL: [$k] crash: exited $rc"
		echo "== kernel $kver: crash took $((SECONDS - cstart))s"
		cstart=$SECONDS
		bash tests/vm/crash.sh --kernel "$kver" --workload branches \
			--kills "${BCRASH_KILLS:-4}" 2>&1 | tag "$k"
		rc=${PIPESTATUS[0]}
		[ "$rc" -ne 0 ] && ! grep -q "^FAIL: \[$k\] crash: branches" "$LOG" &&
			say "FAIL: [$k] crash: branches: exited $rc"
		echo "== kernel $kver: branch crash took $((SECONDS - cstart))s"
	fi
done

passed=$(grep -c '^PASS: ' "$LOG")
failed=$(grep -c '^FAIL: ' "$LOG")
echo "== vm tests: $passed passed, $failed failed in $((SECONDS - t0))s"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

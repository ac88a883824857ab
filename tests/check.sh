#!/bin/bash
# make check: host tests under ASan/UBSan, a short fuzz run, then the
# kernel tests in a VM.  Ends with "N passed, N failed".
#
# The host tests and the VM tests run side by side: the host tests keep
# one core busy, and the first kernel's guest suite (tests/vm/run.sh)
# mostly one of the two (its scripts run one process at a time), so
# together they take little more than the VM tests alone.  The host
# tests' output is printed after the VM tests', and run.sh waits for them
# to end before its two-guest and crash tests (VM_HOST_PID), which keep
# both cores busy.  CHECK_SERIAL=1 runs one after the other, as before;
# CHECK_VM=0 runs the host part only (tests/fresh-root.sh uses it).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
LOG=$(mktemp)
HOST=$(mktemp -d)
trap 'rm -rf "$LOG" "$HOST"' EXIT

bash tests/deps.sh host || exit 1

run() {	# run a test step, keep its PASS/FAIL lines
	echo "== $*"
	"$@" 2>&1 | tee -a "$LOG"
	local rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: step '$*' exited $rc" | tee -a "$LOG"
	fi
}
host_steps() {
	local t
	run make --no-print-directory san
	run make --no-print-directory fuzz
	for t in tests/host/*.sh; do
		run bash "$t"
	done
	run bash tests/fuzz/run.sh 30
}

run make --no-print-directory tools
if [ "${CHECK_VM:-1}" = 0 ] || [ ! -f tests/vm/run.sh ]; then
	host_steps
elif [ "${CHECK_SERIAL:-0}" = 1 ]; then
	host_steps
	run bash tests/vm/run.sh
else
	echo "== the host tests run alongside the VM tests; their output follows the VM tests'"
	hstart=$SECONDS
	( LOG=$HOST/log; host_steps; echo "$((SECONDS - hstart))" >"$HOST/done" ) \
		>"$HOST/out" 2>&1 &
	hpid=$!
	VM_HOST_PID=$hpid run bash tests/vm/run.sh
	wait "$hpid"
	echo "== host tests (they ran alongside the VM tests, and took" \
	     "$(cat "$HOST/done" 2>/dev/null || echo ?)s)"
	cat "$HOST/out"
	cat "$HOST/log" >>"$LOG" 2>/dev/null
fi

passed=$(grep -c '^PASS: ' "$LOG")
failed=$(grep -c '^FAIL: ' "$LOG")
echo
grep '^FAIL: ' "$LOG"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

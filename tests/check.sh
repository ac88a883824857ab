#!/bin/bash
# make check: host tests under ASan/UBSan, a short fuzz run, then the
# kernel tests in a VM.  Ends with "N passed, N failed".
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

bash tests/deps.sh host || exit 1

run() {	# run a test step, keep its PASS/FAIL lines
	echo "== $*"
	"$@" 2>&1 | tee -a "$LOG"
	local rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: step '$*' exited $rc" | tee -a "$LOG"
	fi
}

run make --no-print-directory tools
run make --no-print-directory san
run make --no-print-directory fuzz
for t in tests/host/*.sh; do
	run bash "$t"
done
run bash tests/fuzz/run.sh 30
# CHECK_VM=0: the host part only (tests/fresh-root.sh uses it)
if [ "${CHECK_VM:-1}" != 0 ] && [ -f tests/vm/run.sh ]; then
	run bash tests/vm/run.sh
fi

passed=$(grep -c '^PASS: ' "$LOG")
failed=$(grep -c '^FAIL: ' "$LOG")
echo
grep '^FAIL: ' "$LOG"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

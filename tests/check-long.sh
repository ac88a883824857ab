#!/bin/bash
# make check-long: the soaks that do not fit in make check, each run on
# both guest kernels:
#   - the fuzzers for FUZZ_SECONDS (default 1800, split between the two
#     targets) instead of 30;
#   - hostile.sh with HOSTILE_COUNT (default 2000) mutated images;
#   - livecorrupt.sh with LIVECORRUPT_SECONDS (default 900) of flips,
#     LIVECORRUPT_ROUNDS times (default 3), each with a fresh seed;
#   - crash.sh with CRASH_LONG_KILLS (default 100) kills instead of 10,
#     and its branch workload with BCRASH_LONG_KILLS (default 30) instead
#     of 6;
#   - the branch test with BRANCH_LONG_LOOPS (default 100000) rounds of
#     create + write + abort instead of 10000, and mkbranch.sh (two kernels
#     committing at once) with MKB_LONG_ROUNDS (default 40) rounds.
# Ends with one line "N passed, N failed"; exits non-zero on a failure.
# It takes a few hours on a 2-core machine.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

run() {	# run STEP...: keep its PASS/FAIL lines, fail the step on exit != 0
	echo "== $*"
	"$@" 2>&1 | tee -a "$LOG"
	local rc=${PIPESTATUS[0]}
	[ "$rc" -eq 0 ] || echo "FAIL: step '$*' exited $rc" | tee -a "$LOG"
}

bash tests/deps.sh vm || exit 1
run make --no-print-directory tools fuzz
run make --no-print-directory -C tests/vm/helpers
run bash tests/fuzz/run.sh "${FUZZ_SECONDS:-1800}"
for k in ${VM_KERNELS:-6.1 6.12}; do
	HOSTILE_COUNT=${HOSTILE_COUNT:-2000} SUITE_SCRIPT_TIMEOUT=7200 \
		VM_SUITE_TIMEOUT=7500 VM_KERNELS=$k \
		run bash tests/vm/run.sh tests/vm/guest/hostile.sh
	kver=$(bash tests/vm/vm.sh --kernel "$k" --print-kver) || continue
	ko=$(bash tests/vm/kmod.sh "$kver") || continue
	for r in $(seq 1 "${LIVECORRUPT_ROUNDS:-3}"); do
		DAXFS_KO=$ko run bash tests/vm/livecorrupt.sh --kernel "$kver" \
			--seconds "${LIVECORRUPT_SECONDS:-900}" \
			--timeout $(( ${LIVECORRUPT_SECONDS:-900} + 900 ))
	done
	DAXFS_KO=$ko run bash tests/vm/crash.sh --kernel "$kver" \
		--kills "${CRASH_LONG_KILLS:-100}"
	DAXFS_KO=$ko run bash tests/vm/crash.sh --kernel "$kver" \
		--workload branches --kills "${BCRASH_LONG_KILLS:-30}"
	BRANCH_LOOPS=${BRANCH_LONG_LOOPS:-100000} SUITE_SCRIPT_TIMEOUT=7200 \
		VM_SUITE_TIMEOUT=7500 VM_KERNELS=$k \
		run bash tests/vm/run.sh tests/vm/guest/branch.sh
	DAXFS_KO=$ko run bash tests/vm/mkbranch.sh --kernel "$kver" \
		--rounds "${MKB_LONG_ROUNDS:-40}" --timeout 3600
done

passed=$(grep -c '^PASS: ' "$LOG")
failed=$(grep -c '^FAIL: ' "$LOG")
echo
grep '^FAIL: ' "$LOG"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

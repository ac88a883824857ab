#!/bin/bash
# suite.sh: runs inside the guest (tests/vm/run.sh boots it with vm.sh).
# Runs each tests/vm/guest/*.sh (or the scripts given) in turn under bash,
# passing its PASS:/FAIL: lines through.  A script that exits non-zero
# without reporting a failure, or that runs past SUITE_SCRIPT_TIMEOUT
# seconds (default 400; run.sh passes 600), gets a FAIL line of its own.
# Exit status: 0 when no script failed.
set -u
TOP=${DAXFS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
limit=${SUITE_SCRIPT_TIMEOUT:-400}
scripts=("$@")
if [ ${#scripts[@]} -eq 0 ]; then
	scripts=("$TOP"/tests/vm/guest/*.sh)
fi
[ -e "${scripts[0]}" ] || { echo "FAIL: vm suite: no guest scripts"; exit 1; }

# stuck_tasks: what the processes left over from a timed-out script are
# doing in the kernel (their state, wait channel and kernel stack).
stuck_tasks() {
	local p st
	for p in /proc/[0-9]*; do
		st=$(awk '{print $3}' "$p/stat" 2>/dev/null) || continue
		case "$st" in R|D) ;; *) continue ;; esac
		[ "${p#/proc/}" = $$ ] || [ "${p#/proc/}" = "$BASHPID" ] && continue
		echo "stuck: pid ${p#/proc/} state $st:" \
			"$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null | cut -c1-120)"
		sed 's/^/stuck:   /' "$p/stack" 2>/dev/null
	done
	dmesg | tail -n 20 | sed 's/^/stuck: dmesg: /'
}

log=$(mktemp /tmp/suite.XXXXXX)
trap 'rm -f "$log"' EXIT
bad=0
for s in "${scripts[@]}"; do
	name=$(basename "$s" .sh)
	echo "== guest: $name ($(uname -r))"
	start=$SECONDS
	timeout -k 10 "$limit" bash "$s" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	echo "== guest: $name: exit $rc, $((SECONDS - start))s"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "FAIL: $name: timed out after ${limit}s"
		stuck_tasks
		bad=1
	elif [ "$rc" != 0 ]; then
		bad=1
		grep -q '^FAIL: ' "$log" ||
			echo "FAIL: $name: exited $rc without a FAIL line"
	elif ! grep -q '^PASS: ' "$log"; then
		echo "FAIL: $name: reported nothing"
		bad=1
	fi
done
exit "$bad"

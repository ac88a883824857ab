# Shared helpers for DAXFS test scripts (sourced).  Every test reports
# each result as one line, "PASS: name" or "FAIL: name: reason";
# tests/check.sh counts those lines.

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; }

# expect NAME CMD...: run CMD, PASS if it exits 0.
expect() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name: exit $?"; fi
}

# expect_fail NAME CMD...: run CMD, PASS if it exits non-zero.
expect_fail() {
	local name=$1
	shift
	if "$@"; then fail "$name: unexpectedly succeeded"; else pass "$name"; fi
}

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SAN=${SAN:-$TOP/build/san}

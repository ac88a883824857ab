#!/bin/bash
# The branch table's rules in the portable core (tests/host/test_branch.c:
# names, chains, merges, liveness, damaged tables), sanitized build.
set -u
. "$(dirname "$0")/../lib.sh"

T=$SAN/tests/test_branch
if [ ! -x "$T" ]; then
	fail "branch: $T not built (make san)"
	exit 0
fi
"$T"
rc=$?
# 0: all passed, 1: some FAIL lines printed; anything else is a crash.
if [ "$rc" -gt 1 ]; then
	fail "branch: test_branch crashed (exit $rc)"
fi
exit 0

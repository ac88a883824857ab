#!/bin/bash
# Unit tests of the portable core (libdaxfs), sanitized build (make san).
set -u
. "$(dirname "$0")/../lib.sh"

T=$SAN/tests/test_core
if [ ! -x "$T" ]; then
	fail "core: $T not built (make san)"
	exit 0
fi
"$T"
rc=$?
# 0: all passed, 1: some FAIL lines printed; anything else is a crash.
if [ "$rc" -gt 1 ]; then
	fail "core: test_core crashed (exit $rc)"
fi
exit 0

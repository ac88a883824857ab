#!/bin/bash
# Tests of the write side of the portable core (tests/host/test_log.c:
# tree, allocator, records, layers and views, the log and its replay,
# compaction, a full region, random operations), sanitized build (make
# san).  LOG_SEED and LOG_OPS pass through to test_log.
set -u
. "$(dirname "$0")/../lib.sh"

T=$SAN/tests/test_log
if [ ! -x "$T" ]; then
	fail "log: $T not built (make san)"
	exit 0
fi
"$T"
rc=$?
# 0: all passed, 1: some FAIL lines printed; anything else is a crash.
if [ "$rc" -gt 1 ]; then
	fail "log: test_log crashed (exit $rc)"
fi
exit 0

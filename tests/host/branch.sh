#!/bin/bash
# Branches in the portable core, sanitized build: the table's rules
# (tests/host/test_branch.c: names, chains, merges, liveness, damaged
# tables) and the table changed in a region with views stacked on the
# chains (tests/host/test_btable.c: create, isolation, commit into main
# and into the parent, abort, 255 branches, racing commits).
set -u
. "$(dirname "$0")/../lib.sh"

for name in test_branch test_btable; do
	T=$SAN/tests/$name
	if [ ! -x "$T" ]; then
		fail "branch: $T not built (make san)"
		continue
	fi
	"$T"
	rc=$?
	# 0: all passed, 1: some FAIL lines printed; anything else is a crash.
	if [ "$rc" -gt 1 ]; then
		fail "branch: $name crashed (exit $rc)"
	fi
done
exit 0

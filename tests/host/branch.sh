#!/bin/bash
# Branches in the portable core, sanitized build: the table's rules
# (tests/host/test_branch.c: names, chains, merges, liveness, damaged
# tables) and the table changed in a region with views stacked on the
# chains (tests/host/test_btable.c: create, isolation, commit into main
# and into the parent, abort, 255 branches, racing commits).
set -u
. "$(dirname "$0")/../lib.sh"

TMPDIR_FOLD=$(mktemp -d)
trap 'rm -rf "$TMPDIR_FOLD"' EXIT

for name in test_branch test_btable; do
	T=$SAN/tests/$name
	if [ ! -x "$T" ]; then
		fail "branch: $T not built (make san)"
		continue
	fi
	BTABLE_IMAGE=$TMPDIR_FOLD/fold.img "$T"
	rc=$?
	# 0: all passed, 1: some FAIL lines printed; anything else is a crash.
	if [ "$rc" -gt 1 ]; then
		fail "branch: $name crashed (exit $rc)"
	fi
done

# test_btable leaves the region of its fold story (80 commits, main
# folded along the way): the offline checker must find it clean
if [ -f "$TMPDIR_FOLD/fold.img" ]; then
	if out=$("$SAN/daxfs-inspect" "$TMPDIR_FOLD/fold.img" check 2>&1); then
		pass "branch: daxfs-inspect check of the folded region is clean"
	else
		fail "branch: daxfs-inspect check of the folded region: $out"
	fi
else
	fail "branch: test_btable left no region of its fold story"
fi
exit 0

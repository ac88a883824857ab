#!/bin/bash
# Branches in the portable core, sanitized build: the table's rules
# (tests/host/test_branch.c: names, chains, merges, liveness, damaged
# tables) and the table changed in a region with views stacked on the
# chains (tests/host/test_btable.c: create, isolation, commit into main
# and into the parent, abort, 255 branches, racing commits, folds).  The
# region test_btable's fold story leaves is then read by daxfs-inspect:
# check finds it clean, inodes and -b main show main's chain from its
# fold's root slot.
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
	# the files of main after folds: its chain starts at the fold's
	# root slot (slot 0's log was given back), with and without -b
	INS=$SAN/daxfs-inspect
	F=$TMPDIR_FOLD/fold.img
	X=$TMPDIR_FOLD/x
	if "$INS" "$F" inodes >"$TMPDIR_FOLD/inodes" 2>&1 &&
	   "$INS" "$F" extract "$X" >/dev/null 2>&1; then
		got=$(grep -vc -e '^ *ino ' -e '(deleted)$' "$TMPDIR_FOLD/inodes")
		want=$(find "$X" -printf '%i\n' | sort -u | wc -l)
		[ "$got" -eq "$want" ] &&
			pass "branch: inspect inodes of the folded main: its $got inodes" ||
			fail "branch: inspect inodes of the folded main: $got, want $want"
	else
		fail "branch: inspect inodes/extract of the folded main: $(head -n 2 "$TMPDIR_FOLD/inodes")"
	fi
	a=$("$INS" "$F" ls / 2>&1)
	b=$("$INS" -b main "$F" ls / 2>&1)
	[ -n "$a" ] && [ "$a" = "$b" ] &&
		pass "branch: inspect -b main of the folded region is main's view" ||
		fail "branch: inspect -b main of the folded region differs"
	# slot 0 only names main once folded: its log went back
	if out=$("$INS" "$F" log '#0' 2>&1) &&
	   grep -q "^(no log: main was folded; its records are in slot [0-9]*'s log" <<<"$out" &&
	   out2=$("$INS" "$F" log main 2>&1) && grep -q checkpoint <<<"$out2"; then
		pass "branch: inspect log #0 of the folded main says where its records went; log main has the fold's checkpoint"
	else
		fail "branch: inspect log #0 / log main of the folded region: $out ${out2:-}"
	fi
else
	fail "branch: test_btable left no region of its fold story"
fi
exit 0

#!/bin/bash
# Round trip: tree -> mkdaxfs -> daxfs-inspect check -> extract -> treecmp,
# for the generated tree (every file type and property, gentree.sh), a
# branching image of it, /usr/include, /etc and a 100,000-file tree; then
# reproducibility (same tree twice, and the extracted copy, give the same
# bytes).  Needs root.  Uses the sanitized tools, except for the 100k tree.
. "$(dirname "$0")/../lib.sh"

MK=$SAN/mkdaxfs
INS=$SAN/daxfs-inspect
TC=$SAN/tests/treecmp
FAST=${FAST:-$TOP/build}
FAST_MK=$FAST/mkdaxfs
FAST_INS=$FAST/daxfs-inspect

for b in "$MK" "$INS" "$TC" "$FAST_MK" "$FAST_INS"; do
	if [ ! -x "$b" ]; then
		fail "roundtrip: $b missing (run make tools san)"
		exit 0
	fi
done
if [ "$(id -u)" -ne 0 ]; then
	fail "roundtrip: needs root (owners, devices, trusted.* xattrs)"
	exit 0
fi

T=$(mktemp -d /tmp/daxfs-rt.XXXXXX)
trap 'rm -rf "$T"' EXIT

# first_lines FILE: the first lines of a log, indented, as evidence.
first_lines() { head -n 5 "$1" | cut -c1-300 | sed 's/^/    /'; }

# roundtrip NAME SRC MKDAXFS INSPECT [MKDAXFS OPTIONS] [-- TREECMP OPTIONS]
# Leaves the image in $T/NAME.img and the copy in $T/NAME.out.
roundtrip() {
	local name=$1 src=$2 mk=$3 ins=$4
	shift 4
	local mkopts=() tcopts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do mkopts+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	tcopts=("$@")
	local img=$T/$name.img out=$T/$name.out log=$T/$name.log

	if ! "$mk" -q "${mkopts[@]}" -d "$src" -o "$img" >"$log" 2>&1; then
		fail "$name: mkdaxfs failed: $(head -n 1 "$log")"
		return 1
	fi
	if "$ins" "$img" check >"$log" 2>&1 && grep -q '^clean: ' "$log"; then
		pass "$name: check: $(grep '^clean: ' "$log" | cut -c1-120)"
	else
		fail "$name: check: $(head -n 1 "$log")"
		first_lines "$log"
	fi
	if ! "$ins" "$img" extract "$out" >"$log" 2>&1; then
		fail "$name: extract: $(head -n 1 "$log" | cut -c1-300)"
		first_lines "$log"
	else
		pass "$name: extract"
	fi
	"$TC" -p "$name" "${tcopts[@]}" "$src" "$out"
}

# --- the generated tree ------------------------------------------------------
if bash "$TOP/tests/host/gentree.sh" "$T/src" "$TC" >"$T/gen.log" 2>&1; then
	pass "gentree: generated $(find "$T/src" | wc -l) names"
else
	fail "gentree: $(tail -n 1 "$T/gen.log")"
fi
roundtrip gen "$T/src" "$MK" "$INS" -- --blocks

# --- reproducibility ---------------------------------------------------------
# The same tree twice gives the same bytes, and so does the extracted copy
# (in another directory, made by daxfs-inspect extract, which restores
# atime and mtime; ctime cannot be restored and must not matter).
if "$MK" -q -d "$T/src" -o "$T/again.img" >"$T/again.log" 2>&1 &&
   cmp -s "$T/gen.img" "$T/again.img"; then
	pass "repro: same tree built twice is byte-identical"
else
	fail "repro: same tree built twice differs: $(cmp "$T/gen.img" "$T/again.img" 2>&1 | head -n 1)"
fi
if "$MK" -q -d "$T/gen.out" -o "$T/copy.img" >"$T/copy.log" 2>&1 &&
   cmp -s "$T/gen.img" "$T/copy.img"; then
	pass "repro: extracted copy rebuilds to the identical image"
else
	fail "repro: extracted copy gives another image: $(cmp "$T/gen.img" "$T/copy.img" 2>&1 | head -n 1)"
fi
rm -rf "$T/again.img" "$T/copy.img" "$T/gen.out"

# --- the same tree in a branching image --------------------------------------
roundtrip branching "$T/src" "$MK" "$INS" -b --delta-size 16M -- --blocks
if "$INS" "$T/branching.img" branches >"$T/br.log" 2>&1 &&
   grep -qE '^ +0 main +- +live' "$T/br.log"; then
	pass "branching: branch table lists main"
else
	fail "branching: branches: $(head -n 2 "$T/br.log" | tr '\n' ' ')"
fi
rm -rf "$T/branching.img" "$T/branching.out" "$T/gen.img" "$T/src"

# --- real trees ------------------------------------------------------------------
for d in /usr/include /etc; do
	n=tree$(echo "$d" | tr / _)
	if [ -d "$d" ]; then
		roundtrip "$n" "$d" "$MK" "$INS"
		rm -rf "$T/$n.img" "$T/$n.out"
	else
		fail "$n: $d does not exist"
	fi
done

# --- 100,000 files (unsanitized tools: ASan makes this slow) ------------------
if "$TC" --populate "$T/many" 100000 2000 >"$T/many.log" 2>&1; then
	roundtrip many100k "$T/many" "$FAST_MK" "$FAST_INS"
else
	fail "many100k: populate: $(head -n 1 "$T/many.log")"
fi
exit 0

#!/bin/bash
# Self-test of the write-path test programs, fsx and mstress
# (tests/vm/helpers/fsx.c, mstress.c), on a filesystem that can already
# write (tmpfs, ext4): they pass there, their models survive a save and
# a verify, and they catch what they exist to catch -- bytes changed
# behind fsx's back (during a run and between -S and -V), a fallocate
# mode the filesystem lacks (a failure, not a skip), and in the tree
# mstress checks an extra name, a missing one, a changed content, a hard
# link turned into a copy, a name changed while the workers run.
#
#   bash tests/vm/write/selftest.sh [DIR]
#
# DIR: where to work (default /tmp).  The script makes its own directory
# in DIR and removes it at the end; after a failure it is kept, and
# named.  Builds nothing: needs build/vm-helpers/fsx and mstress (make -C
# tests/vm/helpers) and util-linux's fallocate, with which it probes the
# fallocate modes DIR's filesystem has; fsx runs without the others
# (tmpfs has no ZERO_RANGE).
#
# On tmpfs mstress runs without its readdir check ("scan"): there a
# readdir racing RENAME_EXCHANGE in the same directory was seen to return
# an unchanged name twice (same d_off and inode; Linux 6.18), which ext4
# never does.
#
# Knobs: FSX_SEEDS (5) runs of FSX_OPS (20000) ops, MSTRESS_SEEDS (3)
# runs of MSTRESS_OPS (5000) ops per worker, SEED (1) the first seed,
# FSX_X the fsx -x list (when set, instead of the probe), MSTRESS_X the
# mstress -x list (when set, instead of the tmpfs rule).
. "$(dirname "$0")/../../lib.sh"

H=${H:-$TOP/build/vm-helpers}
FSX=$H/fsx
MSTRESS=$H/mstress
FSX_SEEDS=${FSX_SEEDS:-5}
FSX_OPS=${FSX_OPS:-20000}
MSTRESS_SEEDS=${MSTRESS_SEEDS:-3}
MSTRESS_OPS=${MSTRESS_OPS:-5000}
SEED=${SEED:-1}
T="write-selftest"

for f in "$FSX" "$MSTRESS"; do
	if [ ! -x "$f" ]; then
		fail "$T: setup: $f missing (make -C tests/vm/helpers)"
		exit 1
	fi
done
W=$(mktemp -d "${1:-/tmp}/daxfs-selftest.XXXXXX") || {
	fail "$T: setup: cannot make a directory in ${1:-/tmp}"
	exit 1
}
FAILED=0
trap 'if [ "$FAILED" = 0 ]; then rm -rf "$W"; else
	echo "$T: the failed runs are kept in $W"; fi' EXIT

bad() { FAILED=1; fail "$@"; }

# show: the last run's output, indented (not counted as a result)
show() { tail -n 40 "$W/out" | sed 's/^/    | /'; }

# ok NAME CMD...: PASS when CMD exits 0, else FAIL with its output
ok() {
	local name=$1
	shift
	if "$@" >"$W/out" 2>&1; then
		pass "$T: $name"
	else
		bad "$T: $name: exit $?: $(grep -m 1 -v ': seed ' "$W/out")"
		show
	fi
}

# caught NAME PATTERN CMD...: PASS when CMD fails with PATTERN in its output
caught() {
	local name=$1 pat=$2
	shift 2
	if "$@" >"$W/out" 2>&1; then
		bad "$T: $name: not noticed (exit 0)"
	elif grep -q -- "$pat" "$W/out"; then
		pass "$T: $name ($(grep -m 1 -- "$pat" "$W/out" | cut -c1-100))"
	else
		bad "$T: $name: failed, but without '$pat'"
		show
	fi
}

# put_byte FILE OFFSET VALUE: overwrite one byte in place
put_byte() {
	printf '%b' "\\$(printf %03o "$3")" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# ---- which fallocate modes the filesystem has ---------------------------

probe() {	# probe KIND FALLOCATE-OPTIONS...
	local kind=$1
	shift
	head -c 16384 /dev/zero >"$W/probe"
	if ! fallocate "$@" -o 4096 -l 4096 "$W/probe" 2>"$W/out"; then
		if grep -q 'supported' "$W/out"; then	# not, un
			LACKS="$LACKS${LACKS:+,}$kind"
		else
			bad "$T: setup: fallocate $* failed: $(cat "$W/out")"
		fi
	fi
}

LACKS=
if [ -z "${FSX_X+set}" ]; then
	if ! command -v fallocate >/dev/null; then
		fail "$T: setup: util-linux fallocate missing"
		exit 1
	fi
	probe punch -p
	probe zero -z
	probe zerokeep -z -n
	probe falloc
	probe fallockeep -n
	FSX_X=$LACKS
	fstype=$(stat -f -c %T "$W")
	echo "$T: $W is on $fstype${LACKS:+; it lacks fallocate $LACKS}"
fi
X=()
[ -n "$FSX_X" ] && X=(-x "$FSX_X")
if [ -z "${MSTRESS_X+set}" ]; then
	MSTRESS_X=
	if [ "$(stat -f -c %T "$W")" = tmpfs ]; then
		MSTRESS_X=scan
		echo "$T: tmpfs: mstress runs with -x scan (see the header)"
	fi
fi
MX=()
[ -n "$MSTRESS_X" ] && MX=(-x "$MSTRESS_X")

# ---- fsx ----------------------------------------------------------------

fsx_seeds() {
	local s last=$((SEED + FSX_SEEDS - 1)) bad_seeds='' t0 t1
	t0=$(date +%s.%N)
	for s in $(seq "$SEED" "$last"); do
		mkdir "$W/fsx.$s"
		if "$FSX" -q -s "$s" -n "$FSX_OPS" "${X[@]}" "$W/fsx.$s" \
			>"$W/out" 2>&1; then
			rm -rf "$W/fsx.$s"
		else
			bad "$T: fsx seed $s: $(grep -m 1 -v ': seed ' \
				"$W/out")"
			show
			bad_seeds="$bad_seeds $s"
		fi
	done
	t1=$(date +%s.%N)
	[ -n "$bad_seeds" ] && return
	pass "$T: fsx, seeds $SEED-$last, $FSX_OPS ops each ($(
		echo "$t0 $t1" | awk -v n=$((FSX_SEEDS * FSX_OPS)) \
			'{ printf "%.0f ops/s", n / ($2 - $1) }'))"
}
fsx_seeds

mkdir "$W/f1" "$W/fsmall" "$W/fbig"
ok "fsx, one file (copies within it)" \
	"$FSX" -q -s "$SEED" -n 20000 -f 1 "${X[@]}" "$W/f1"
ok "fsx, 64 KiB files, 8 KiB ops, 8 files" \
	"$FSX" -q -s "$SEED" -n 20000 -f 8 -l 64K -o 8K -c 100 "${X[@]}" \
	"$W/fsmall"
ok "fsx, 32 MiB files, 1 MiB ops" \
	"$FSX" -q -s "$SEED" -n 2000 -l 32M -o 1M "${X[@]}" "$W/fbig"
rm -rf "$W/f1" "$W/fsmall" "$W/fbig"

# save, verify, and a verify that sees a changed byte and a changed size
mkdir "$W/fsave"
ok "fsx -S saves the model" \
	"$FSX" -q -s "$SEED" -n 5000 -S "$W/fsx.model" "${X[@]}" "$W/fsave"
ok "fsx -V: the files equal the saved model" \
	"$FSX" -V "$W/fsx.model" "$W/fsave"
f=$W/fsave/fsx.0
size=$(stat -c %s "$f")
if [ "$size" -gt 0 ]; then
	at=$((size / 2))
	old=$(od -An -tu1 -j "$at" -N 1 "$f" | tr -d ' ')
	new=$((old ^ 0x5a))
	put_byte "$f" "$at" "$new"
	caught "fsx -V notices one changed byte" "differ from the model" \
		"$FSX" -V "$W/fsx.model" "$W/fsave"
	put_byte "$f" "$at" "$old"
fi
truncate -s +1 "$f"
caught "fsx -V notices a changed size" "size $((size + 1)), want $size" \
	"$FSX" -V "$W/fsx.model" "$W/fsave"
truncate -s "$size" "$f"
ok "fsx -V passes again once the file is restored" \
	"$FSX" -V "$W/fsx.model" "$W/fsave"

# an unsupported operation is a failure, not a skip
for kind in ${LACKS//,/ }; do
	mkdir -p "$W/fnot"
	keep=$(echo ",$LACKS," | sed "s/,$kind,/,/; s/^,//; s/,$//")
	caught "fsx fails when fallocate $kind is not supported and not -x" \
		"EOPNOTSUPP" "$FSX" -q -s "$SEED" -n 5000 \
		${keep:+-x "$keep"} "$W/fnot"
	rm -rf "$W/fnot"
done

# bytes changed behind fsx's back while it runs (what fsx says then)
CHANGED='data mismatch|: size 0x[0-9a-f]+, expected'
CHANGED="$CHANGED|returned 0x[0-9a-f]+ bytes|past EOF"
mkdir "$W/flive"
"$FSX" -q -s "$SEED" -n 100000000 "${X[@]}" "$W/flive" >"$W/live.out" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
	kill -0 "$pid" 2>/dev/null || break
	for f in "$W"/flive/fsx.*; do
		size=$(stat -c %s "$f" 2>/dev/null) || continue
		[ "${size:-0}" -gt 0 ] || continue
		put_byte "$f" $(( (RANDOM * 32768 + RANDOM) % size )) 165
	done
	sleep 0.05
done
if kill -0 "$pid" 2>/dev/null; then
	kill "$pid"
	wait "$pid"
	bad "$T: fsx did not notice bytes changed behind its back in 30 s"
else
	wait "$pid"
	rc=$?
	cp "$W/live.out" "$W/out"
	if [ "$rc" = 1 ] && grep -q -E "$CHANGED" "$W/out"; then
		pass "$T: fsx notices bytes changed behind its back ($(
			grep -m 1 -E "$CHANGED" "$W/out" | cut -c1-100))"
	else
		bad "$T: fsx with bytes changed behind its back: exit $rc"
		show
	fi
fi
rm -rf "$W/flive"

# ---- mstress ------------------------------------------------------------

for s in $(seq "$SEED" $((SEED + MSTRESS_SEEDS - 1))); do
	ok "mstress seed $s, 4 workers x $MSTRESS_OPS ops" \
		"$MSTRESS" -s "$s" -n "$MSTRESS_OPS" "${MX[@]}" -r "$W/ms.$s"
	[ "$FAILED" = 0 ] && rm -rf "$W/ms.$s"
done
ok "mstress, 16 workers in 2 directories" \
	"$MSTRESS" -s "$SEED" -p 16 -d 2 -n "$MSTRESS_OPS" "${MX[@]}" \
		-r "$W/ms.crowd"
rm -rf "$W/ms.crowd"

R=$W/msave
M=$W/mstress.model
ok "mstress -S saves the model" \
	"$MSTRESS" -q -s "$SEED" -n "$MSTRESS_OPS" "${MX[@]}" -S "$M" \
		-r "$R"
ok "mstress -V: the tree equals the saved model" "$MSTRESS" -V "$M" -r "$R"

file=$(awk '$1 == "F" { print $2; exit }' "$M")
hard=$(awk '$1 == "F" && seen[$3]++ { print $2; exit }' "$M")
touch "$R/d00/extra"
caught "mstress -V notices an extra name" "unexpected file d00/extra" \
	"$MSTRESS" -V "$M" -r "$R"
rm "$R/d00/extra"
mv "$R/$file" "$W/moved"
caught "mstress -V notices a missing name" "missing file $file" \
	"$MSTRESS" -V "$M" -r "$R"
mv "$W/moved" "$R/$file"
echo x >>"$R/$file"
caught "mstress -V notices a changed content" "$file: content differs" \
	"$MSTRESS" -V "$M" -r "$R"
truncate -s -2 "$R/$file"
if [ -n "$hard" ]; then
	cp -p "$R/$hard" "$W/copy"
	mv "$W/copy" "$R/$hard"
	caught "mstress -V notices a hard link turned into a copy" \
		"are hard links, but inodes" "$MSTRESS" -V "$M" -r "$R"
else
	bad "$T: no hard link in the mstress model to test with"
fi
rm -rf "$R"
"$MSTRESS" -q -s "$SEED" -n "$MSTRESS_OPS" "${MX[@]}" -r "$R" >/dev/null 2>&1
# the same seed makes the same tree, whatever the interleaving
ok "mstress -V passes on a new run of the same seed" "$MSTRESS" -V "$M" -r "$R"
rm -rf "$R"

# a name of worker 0 made while the workers run
"$MSTRESS" -q -s "$SEED" -n 20000 "${MX[@]}" -r "$R" >"$W/live.out" 2>&1 &
pid=$!
for _ in $(seq 1 500); do
	[ -d "$R/d00" ] && break
	sleep 0.01
done
touch "$R/d00/w0-99999999"
wait "$pid"
rc=$?
cp "$W/live.out" "$W/out"
if [ "$rc" = 1 ] && grep -q 'w0-99999999' "$W/out"; then
	pass "$T: mstress notices a name of its own made behind its back ($(
		grep -m 1 'w0-99999999' "$W/out" | cut -c1-100))"
else
	bad "$T: mstress with a name made behind its back: exit $rc"
	show
fi
rm -rf "$R"

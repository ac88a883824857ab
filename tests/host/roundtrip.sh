#!/bin/bash
# Round trip: tree -> mkdaxfs -> daxfs-inspect check -> extract -> treecmp,
# for the generated tree (every file type and property, gentree.sh), a
# branching image of it, /usr/include, /etc and a 100,000-file tree (also
# built on a terminal: the progress display); then
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
# Trees go to a private tmpfs: creating and removing 100,000 files on a
# disk can take minutes.  The generated tree needs user.* xattrs, which
# tmpfs has only since Linux 6.6; without them it stays on $T.
BIG=$T/tmpfs
mkdir "$BIG"
if ! mount -t tmpfs -o size=4G,mode=0700 daxfs-rt "$BIG" 2>/dev/null; then
	BIG=$T
fi
trap 'mountpoint -q "$T/tmpfs" && umount "$T/tmpfs"; rm -rf "$T"' EXIT
GEN=$T
touch "$BIG/xattr-probe"
if setfattr -n user.probe -v 1 "$BIG/xattr-probe" 2>/dev/null; then
	GEN=$BIG
fi
rm -f "$BIG/xattr-probe"

# first_lines FILE: the first lines of a log, indented, as evidence.
first_lines() { head -n 5 "$1" | cut -c1-300 | sed 's/^/    /'; }

# roundtrip NAME SRC MKDAXFS INSPECT [MKDAXFS OPTIONS] [-- TREECMP OPTIONS]
# Leaves the image in $DEST/NAME.img and the copy in $DEST/NAME.out.
roundtrip() {
	local name=$1 src=$2 mk=$3 ins=$4
	shift 4
	local mkopts=() tcopts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do mkopts+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	tcopts=("$@")
	local img=$DEST/$name.img out=$DEST/$name.out log=$T/$name.log

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
	[ -n "$NOCMP" ] || "$TC" -p "$name" "${tcopts[@]}" "$src" "$out"
}
NOCMP=

# explain_diff A B: where two images first differ past the superblock
# (whose crc, uuid and meta_crc follow any other difference).
explain_diff() {
	local at ioff icnt rel
	at=$(cmp -l -i 4096 "$1" "$2" 2>/dev/null | head -n 1 | awk '{ print $1 - 1 + 4096 }')
	[ -n "$at" ] || { cmp "$1" "$2" 2>&1 | head -n 1; return; }
	ioff=$(( $(od -An -tu8 -j 96 -N 8 "$1") ))
	icnt=$(( $(od -An -tu8 -j 104 -N 8 "$1") ))
	rel=$((at - ioff))
	if [ "$rel" -ge 0 ] && [ "$rel" -lt $((icnt * 128)) ]; then
		local f=$((rel % 128)) name=other
		case $f in
		4[0-7]|6[4-7]) name=atime ;; 4[89]|5[0-5]|6[89]|7[01]) name=mtime ;;
		5[6-9]|6[0-3]|7[2-5]) name=ctime ;; [0-3]) name=mode ;;
		esac
		echo "first at byte $at: inode $((rel / 128 + 1)), field offset $f ($name)"
	else
		echo "first at byte $at (outside the inode table)"
	fi
}

# --- the generated tree ------------------------------------------------------
DEST=$GEN
if bash "$TOP/tests/gentree.sh" "$GEN/src" "$TC" >"$T/gen.log" 2>&1; then
	pass "gentree: generated $(find "$GEN/src" | wc -l) names"
else
	fail "gentree: $(tail -n 1 "$T/gen.log")"
fi
NOCMP=1 roundtrip gen "$GEN/src" "$MK" "$INS"

# --- reproducibility ---------------------------------------------------------
# The same tree twice gives the same bytes, and so does the extracted copy
# (in another directory, made by daxfs-inspect extract, which restores
# atime and mtime; ctime cannot be restored and must not matter).  Done
# before treecmp reads the trees: reading a symlink updates its atime.
if "$MK" -q -d "$GEN/src" -o "$GEN/again.img" >"$T/again.log" 2>&1 &&
   cmp -s "$GEN/gen.img" "$GEN/again.img"; then
	pass "repro: same tree built twice is byte-identical"
else
	fail "repro: same tree built twice differs: $(explain_diff "$GEN/gen.img" "$GEN/again.img")"
fi
# mkdaxfs records each inode's ctime, which no copy can restore, and the
# kernel updates a symlink's atime when mkdaxfs reads it whenever its
# ctime is newer (relatime), which extracting always makes it.  So the
# copy's image must equal the original except for inode atime and ctime
# fields (and the superblock checksums and uuid that follow from them).
only_times_differ() {
	local ioff icnt
	ioff=$(( $(od -An -tu8 -j 96 -N 8 "$1") ))
	icnt=$(( $(od -An -tu8 -j 104 -N 8 "$1") ))
	[ "$(stat -c %s "$1")" = "$(stat -c %s "$2")" ] || return 1
	cmp -l "$1" "$2" | awk -v io="$ioff" -v ie="$((ioff + icnt * 128))" '
		{ o = $1 - 1
		  if (o < 4096) next
		  f = (o - io) % 128
		  if (o >= io && o < ie && ((f >= 40 && f < 48) ||
		      (f >= 56 && f < 68) || (f >= 72 && f < 76)))
			next
		  printf "byte %d differs\n", o; bad = 1; exit }
		END { exit bad }'
}
if "$MK" -q -d "$GEN/gen.out" -o "$GEN/copy.img" >"$T/copy.log" 2>&1 &&
   only_times_differ "$GEN/gen.img" "$GEN/copy.img" >"$T/copy.diff"; then
	pass "repro: extracted copy rebuilds to the same image (but atime/ctime)"
else
	fail "repro: extracted copy gives another image: $(head -n 1 "$T/copy.diff")$(head -n 1 "$T/copy.log")"
fi
rm -f "$GEN/again.img" "$GEN/copy.img"
"$TC" -p gen --blocks "$GEN/src" "$GEN/gen.out"
rm -rf "$GEN/gen.out"

# --- the same tree in a branching image --------------------------------------
roundtrip branching "$GEN/src" "$MK" "$INS" -b --delta-size 16M -- --blocks
if "$INS" "$GEN/branching.img" branches >"$T/br.log" 2>&1 &&
   grep -qE '^ +0 main +- +live' "$T/br.log"; then
	pass "branching: branch table lists main"
else
	fail "branching: branches: $(head -n 2 "$T/br.log" | tr '\n' ' ')"
fi
rm -rf "$GEN/branching.img" "$GEN/branching.out" "$GEN/gen.img" "$GEN/src"

# --- real trees ------------------------------------------------------------------
DEST=$BIG
for d in /usr/include /etc; do
	n=tree$(echo "$d" | tr / _)
	if [ -d "$d" ]; then
		roundtrip "$n" "$d" "$MK" "$INS"
		rm -rf "$DEST/$n.img" "$DEST/$n.out"
	else
		fail "$n: $d does not exist"
	fi
done

# --- 100,000 files (unsanitized tools: ASan makes this slow) ------------------
if "$TC" --populate "$BIG/many" 100000 2000 >"$T/many.log" 2>&1; then
	roundtrip many100k "$BIG/many" "$FAST_MK" "$FAST_INS"
else
	fail "many100k: populate: $(head -n 1 "$T/many.log")"
fi

# --- progress: on a terminal (script(1) gives mkdaxfs one), a build of the
# 100k tree (seconds; the first half second is quiet) shows the file
# counter or the bar and erases its line at the end; off a terminal it
# prints nothing; the image is the same either way.
if [ -d "$BIG/many" ]; then
	"$FAST_MK" -d "$BIG/many" -o "$T/quiet.img" >/dev/null 2>"$T/quiet.err"
	script -qec "$FAST_MK -d '$BIG/many' -o '$T/tty.img'" /dev/null \
		>"$T/tty.out" 2>&1 </dev/null
	if [ -s "$T/quiet.err" ]; then
		fail "progress: off a terminal mkdaxfs printed: $(head -c 100 "$T/quiet.err")"
	elif ! grep -aqE 'scanning: [0-9]+ files|\[[# ]{30}\] +[0-9]+%' "$T/tty.out"; then
		fail "progress: nothing shown on a terminal: $(head -c 100 "$T/tty.out" | cat -v)"
	elif tty=$(tr '\033\r\n' 'ERN' <"$T/tty.out") &&
	     last=${tty##*RE[K} && [[ "$last" == *%* || "$last" != *inodes* ]]
	then
		# after the last erase only the summary line may follow
		fail "progress: the bar is not erased at the end: $(tail -c 80 "$T/tty.out" | cat -v)"
	elif ! cmp -s "$T/quiet.img" "$T/tty.img"; then
		fail "progress: the image built on a terminal differs"
	else
		pass "progress: shown on a terminal and erased, silent otherwise"
	fi
	rm -f "$T/quiet.img" "$T/tty.img"
fi
exit 0

#!/bin/bash
# One guest of the two-kernel branch test (tests/vm/mkbranch.sh starts it
# twice, at once, on one NVDIMM backing file and one $VM_SHARE).  Per
# round r (1..ROUNDS):
#   a: mounts main (read-only), creates branches a<r> and b<r>, unmounts;
#   both: mount their own branch writable, write their own tree (and keep
#     one of its files mapped), then commit at the same moment;
#   exactly one commit succeeds, the other fails with ESTALE (the guests
#     compare notes); the loser's mapping gives SIGBUS or its own bytes,
#     never the winner's;
#   both unmount; a mounts main afresh: it must show exactly the tree the
#     winner wrote (a manifest: names, modes, sizes, times, contents), and
#     daxfs-inspect check of the region is clean.
#   b also keeps a read-only mount of main from round 1 to the end: each
#     round it must follow the commit (made in either kernel) without
#     remounting, once the winner unmounted, and show exactly the winner's
#     tree; a file no round changed stays open and mapped throughout.
# Then a mounts main writable and commits FOLD_ROUNDS (9) branches of its
# own into it, one after another: main's chain grows past 8 and a folds
# it, with b's reader beside it in the other kernel; b's reader must
# follow to exactly a's last tree, its kept file still open and mapped.
#   PEER   this guest's name (a or b); OTHER   the other one's
. "$(dirname "$0")/common.sh"

: "${PEER:?}" "${OTHER:?}" "${ROUNDS:?}"
S=$VM_SHARE
BR=$DAXFS_TOP/build/daxfs-branch
CL=$H/crashload
need "$BR" "$CL" "$H/filecheck" "$INSPECT"
[ -n "$PHYS" ] || { fail "mkbranch-$PEER: no NVDIMM"; exit 1; }
daxfs_load
dmesg_mark
OPTS="phys=$PHYS,size=$PHYS_SIZE"
M=$W/m
mkdir -p "$M"

wait_for() {	# a hang guard, not a timing assertion
	local i
	for ((i = 0; i < 1200; i++)); do
		[ -e "$1" ] && return 0
		[ -e "$S/$OTHER.failed" ] && return 1
		sleep 0.25
	done
	return 1
}
peer_fail() {
	fail "mkbranch-$PEER: $*"
	: >"$S/$PEER.failed"
	umount "$M" 2>/dev/null
	exit 1
}

# b's reader of main: mounted once a made round 1's branches (a create
# holds main's top for a moment, and a reader needs it unwritten)
R=$W/r
reader_start() {
	mkdir -p "$R"
	mount -t daxfs -o "$OPTS,ro" none "$R" || peer_fail "mount main read-only"
	exec 9<"$R/keep"
	mkfifo "$W/keep.in"
	"$H/filecheck" holdmap "$R/keep" <"$W/keep.in" >"$W/keep.out" &
	KEEP_PID=$!
	exec 6>"$W/keep.in"
	local i
	for ((i = 0; i < 240; i++)); do
		grep -q mapped "$W/keep.out" && return 0
		sleep 0.25
	done
	peer_fail "holdmap $R/keep: $(cat "$W/keep.out")"
}
reader_follows() {	# reader_follows ROUND WINNER [WHAT]
	local i what=${3:-"round $1: a read-only mount of main kept since round 1 followed the commit"}
	for ((i = 0; i < 80; i++)); do
		"$CL" manifest "$R" >"$W/r-$1" 2>/dev/null &&
			cmp -s "$W/r-$1" "$S/tree-$1-$2" && break
		sleep 0.25
	done
	if cmp -s "$W/r-$1" "$S/tree-$1-$2"; then
		pass "mkbranch-b: $what: exactly the winner's ($2) tree"
	else
		fail "mkbranch-b: $what: the reader of main does not show the winner's ($2) tree: $(diff "$W/r-$1" "$S/tree-$1-$2" 2>&1 | head -n 4 | tr '\n' '|')"
	fi
}
# the slot main's chain starts at: 0 until main is folded
main_root() {
	"$INSPECT" -m "$M" log main 2>/dev/null |
		sed -n '1s/^branch main (slot \([0-9]*\),.*/\1/p'
}
# a: FOLD_ROUNDS commits into main from a writable mount of it, then
# wait for main's writer to fold the chain
fold_rounds() {
	local i root=0
	mount -t daxfs -o "$OPTS" none "$M" || peer_fail "fold: mount main writable"
	for ((i = 1; i <= ${FOLD_ROUNDS:-9}; i++)); do
		"$BR" create "f$i" -m "$M" >/dev/null &&
			"$BR" switch "f$i" -m "$M" >/dev/null &&
			echo "$i" >"$M/fold-$i" && echo "fold $i" >"$M/etc/conf" &&
			"$BR" commit -m "$M" >/dev/null ||
			peer_fail "fold round $i: create, write, commit"
	done
	for ((i = 0; i < 40; i++)); do
		root=$(main_root)
		[ -n "$root" ] && [ "$root" != 0 ] && break
		sleep 0.25
	done
	if [ -n "$root" ] && [ "$root" != 0 ]; then
		pass "mkbranch-a: ${FOLD_ROUNDS:-9} more commits into main: main folded (its chain starts at slot $root) while a reader of main in the other kernel showed it"
	else
		fail "mkbranch-a: main not folded after ${FOLD_ROUNDS:-9} more commits (a reader of main in the other kernel beside it)"
	fi
	sync -f "$M"
	"$CL" manifest "$M" >"$S/tree-fold-a" || peer_fail "fold: manifest"
	umount "$M" || peer_fail "fold: umount main"
	out=$("$INSPECT" -p "$PHYS" -s "$PHYS_SIZE" check 2>&1) &&
		pass "mkbranch-a: after the folds: daxfs-inspect check clean" ||
		fail "mkbranch-a: after the folds: check: $(echo "$out" | grep -v '^ok' | head -n 3 | tr '\n' ' ')"
	: >"$S/folded"
}
reader_end() {
	is "mkbranch-b: a file no round changed stayed open in the reader" \
		"$(cat <&9 2>&1)" kept
	echo go >&6
	wait "$KEEP_PID"
	is "mkbranch-b: and stayed mapped" "$(tail -n 1 "$W/keep.out")" read
	exec 9<&- 6>&-
	umount "$R" || fail "mkbranch-b: umount the reader"
}

for r in $(seq 1 "$ROUNDS"); do
	if [ "$PEER" = a ]; then
		mount -t daxfs -o "$OPTS,ro" none "$M" || peer_fail "round $r: mount main"
		"$BR" create "a$r" -m "$M" >/dev/null &&
			"$BR" create "b$r" -m "$M" >/dev/null ||
			peer_fail "round $r: create a$r, b$r"
		umount "$M"
		: >"$S/created-$r"
	fi
	wait_for "$S/created-$r" || peer_fail "round $r: the branches never came"
	[ "$PEER/$r" = b/1 ] && reader_start
	mount -t daxfs -o "$OPTS,branch=$PEER$r" none "$M" ||
		peer_fail "round $r: mount -o branch=$PEER$r"
	# its own tree: a new directory, a changed file, a removed one
	mkdir -p "$M/by-$PEER/r$r" &&
		"$H/filecheck" gen "$M/by-$PEER/r$r/data" 300000 "$r$([ "$PEER" = a ] && echo 1 || echo 2)" &&
		echo "$PEER $r" >"$M/etc/conf" && rm -f "$M/README" &&
		echo "$PEER" >"$M/mapped" || peer_fail "round $r: writes"
	sync -f "$M"
	"$CL" manifest "$M" >"$S/tree-$r-$PEER" || peer_fail "round $r: manifest"
	coproc HOLD { "$H/filecheck" holdmap "$M/mapped"; }
	read -r -t 60 line <&"${HOLD[0]}"
	[ "$line" = mapped ] || peer_fail "round $r: holdmap: $line"
	: >"$S/ready-$r-$PEER"
	wait_for "$S/ready-$r-$OTHER" || peer_fail "round $r: the other never got ready"
	out=$("$BR" commit -m "$M" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		echo won >"$S/res-$r-$PEER"
		echo "$PEER" >"$S/winner-$r"
	elif echo "$out" | grep -q "discarded"; then
		echo lost >"$S/res-$r-$PEER"
	else
		echo "other: $out" >"$S/res-$r-$PEER"
	fi
	wait_for "$S/res-$r-$OTHER" || peer_fail "round $r: the other never committed"
	mine=$(cat "$S/res-$r-$PEER")
	theirs=$(cat "$S/res-$r-$OTHER")
	case "$mine/$theirs" in
	won/lost|lost/won)
		pass "mkbranch-$PEER: round $r: one commit won, the other got ESTALE (this guest: $mine)" ;;
	*)	fail "mkbranch-$PEER: round $r: commits: this guest '$mine', the other '$theirs'" ;;
	esac
	if [ "$mine" = lost ]; then
		# the mapping: SIGBUS once the mount noticed, never the winner's
		sleep 2
		echo go >&"${HOLD[1]}"
		read -r -t 60 line <&"${HOLD[0]}"
		case "$line" in
		sigbus|read) pass "mkbranch-$PEER: round $r: the loser's mapping after the loss: $line (not the winner's bytes)" ;;
		*) fail "mkbranch-$PEER: round $r: the loser's mapping: '$line'" ;;
		esac
		out=$(cat "$M/mapped" 2>&1)
		case "$out" in
		*"Stale file handle"*) pass "mkbranch-$PEER: round $r: the loser's files are ESTALE" ;;
		*) fail "mkbranch-$PEER: round $r: the loser's file reads: $out" ;;
		esac
	else
		echo go >&"${HOLD[1]}"
		read -r -t 60 line <&"${HOLD[0]}"
	fi
	wait "$HOLD_PID" 2>/dev/null
	umount "$M" || peer_fail "round $r: umount"
	: >"$S/done-$r-$PEER"
	wait_for "$S/done-$r-$OTHER" || peer_fail "round $r: the other never unmounted"
	if [ "$PEER" = a ]; then
		w=$(cat "$S/winner-$r" 2>/dev/null)
		mount -t daxfs -o "$OPTS,ro" none "$M" || peer_fail "round $r: mount main to check"
		"$CL" manifest "$M" >"$W/main-$r"
		umount "$M"
		if [ -n "$w" ] && cmp -s "$W/main-$r" "$S/tree-$r-$w"; then
			pass "mkbranch-a: round $r: a fresh mount of main shows exactly the winner's ($w) tree"
		else
			fail "mkbranch-a: round $r: main is not the winner's ($w) tree: $(diff "$W/main-$r" "$S/tree-$r-$w" 2>&1 | head -n 4 | tr '\n' '|')"
		fi
		out=$("$INSPECT" -p "$PHYS" -s "$PHYS_SIZE" check 2>&1) &&
			pass "mkbranch-a: round $r: daxfs-inspect check clean" ||
			fail "mkbranch-a: round $r: check: $(echo "$out" | grep -v '^ok' | head -n 3 | tr '\n' ' ')"
		: >"$S/verified-$r"
	fi
	wait_for "$S/verified-$r" || peer_fail "round $r: never verified"
	[ "$PEER" = b ] && reader_follows "$r" "$(cat "$S/winner-$r")"
done
[ "$PEER" = a ] && fold_rounds
if [ "$PEER" = b ]; then
	wait_for "$S/folded" || peer_fail "the fold rounds never ended"
	reader_follows fold a "the same reader followed a's commits and folds of main"
	reader_end
fi
dmesg_clean "mkbranch-$PEER: kernel log clean"

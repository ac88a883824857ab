#!/bin/bash
# Keeping main shallow (docs/branch-protocol.md): each commit into main
# adds a layer to main's chain; main's writer folds the chain into one
# new slot when it is 8 deep.  Here:
#  - 66 rounds of create, rewrite a 256 KiB file and add one, commit
#    (more commits than a chain may have layers: without folding, the
#    64th create would fail with EMLINK);
#  - main shows every round's file and the last content, before and
#    after remount; the table holds a handful of slots, not 100;
#  - the rewritten file's old pages come back: the space used stays
#    within a few MiB of what the rounds leave;
#  - a file held open before the folds keeps reading the same bytes
#    (a fold changes no answer: no inode goes stale);
#  - main's chain starts at a fold's slot; daxfs-inspect check is clean;
#  - all along, a read-only mount of main follows every commit and fold
#    without remounting (readers do not stop main from folding), and a
#    file it holds open and mapped, which no round changes, keeps reading
#    the same bytes: it never goes stale; one that round 7 (whose commit
#    makes main 8 deep: the fold follows at once) rewrites goes stale:
#    ESTALE, and SIGBUS through its mapping.
. "$(dirname "$0")/lib/common.sh"

BR=${DAXFS_BRANCH:-$DAXFS_TOP/build/daxfs-branch}
need "$MKDAXFS" "$INSPECT" "$BR" "$H/filecheck"
SIZE=$((64 << 20))
need_phys $SIZE
daxfs_load
dmesg_mark

SRC=$W/src
M=$W/m
OPTS="phys=$PHYS,size=$SIZE"
ROUNDS=${FOLD_ROUNDS:-66}
mkdir -p "$SRC" "$M"
echo base >"$SRC/base"
if ! "$MKDAXFS" -q -b -d "$SRC" -p "$PHYS" -s "$SIZE"; then
	fail "fold: mkdaxfs -b -p"
	exit 1
fi
if ! mount -t daxfs -o "$OPTS" none "$M"; then
	fail "fold: mount"
	exit 1
fi
br() { "$BR" "$@" -m "$M" 2>&1; }
used_kb() { df -k --output=used "$M" | tail -n 1 | tr -d ' '; }
# slots of the table in use (the header and the count line aside)
slots_used() {
	"$INSPECT" -m "$M" branches | awk '/slots in use/ { print $1 }'
}
# the slot main's chain starts at: 0 until main is folded
main_root() {
	"$INSPECT" -m "$M" log main 2>/dev/null |
		sed -n '1s/^branch main (slot \([0-9]*\),.*/\1/p'
}

# missing_rounds DIR: how many of DIR's round files lack their round's
# line (each read with builtins: a cat per file took 0.1 s under TCG)
missing_rounds() {
	local missing=0 i l
	for ((i = 1; i <= ROUNDS; i++)); do
		l=()
		mapfile -t l 2>/dev/null <"$1/round$i"
		[ "${l[*]}" = "$i" ] || missing=$((missing + 1))
	done
	echo "$missing"
}

head -c 65536 /dev/urandom >"$M/held"
sum_held=$(md5sum <"$M/held")
head -c 8192 /dev/urandom >"$M/chg"
used0=$(used_kb)
R=$W/r
mkdir -p "$R"
if mount -t daxfs -o "$OPTS,ro" none "$R"; then
	exec 8<"$R/held"
	coproc HOLD { "$H/filecheck" holdmap "$R/held"; }
	read -r -t 60 line <&"${HOLD[0]}"
	[ "$line" = mapped ] || fail "fold: holdmap of the reader's held: $line"
	exec 5<"$R/chg"
	mkfifo "$W/chg.in"
	"$H/filecheck" holdmap "$R/chg" <"$W/chg.in" >"$W/chg.out" &
	CHG_PID=$!
	exec 6>"$W/chg.in"
	for t in $(seq 1 120); do
		grep -q mapped "$W/chg.out" && break
		sleep 0.25
	done
	grep -q mapped "$W/chg.out" ||
		fail "fold: holdmap of the reader's chg: $(cat "$W/chg.out")"
else
	fail "fold: read-only mount of main beside its writer"
fi
bad=
for i in $(seq 1 "$ROUNDS"); do
	if ! out=$(br create "r$i" && br switch "r$i"); then
		bad="round $i: $out"
		break
	fi
	# rewritten whole (O_TRUNC), other bytes each round; filecheck gen
	# computes them (256 KiB from /dev/urandom took 0.3 s under TCG)
	"$H/filecheck" gen "$M/big" $((256 << 10)) "$i"
	echo "$i" >"$M/round$i"
	echo "$i" >"$M/last"
	# round 7's commit makes main 8 deep: a file opened in the branch
	# stays open across the commit (which changes no view) and the fold
	[ "$i" = 7 ] && exec 7<"$M/held" && echo changed >"$M/chg"
	if ! out=$(br commit); then
		bad="round $i: commit: $out"
		break
	fi
	if [ "$i" = 7 ]; then
		for t in $(seq 1 20); do
			[ "$(main_root)" != 0 ] && break
			sleep 0.5
		done
		if [ "$(main_root)" = 0 ]; then
			fail "fold: no fold 10 s after the commit that made main 8 deep"
		elif [ "$(md5sum <&7)" = "$sum_held" ]; then
			pass "fold: a file opened before the fold reads the same bytes after it"
		else
			fail "fold: a file opened before the fold reads other bytes after it"
		fi
		exec 7<&-
	fi
done
if [ -z "$bad" ]; then
	pass "fold: $ROUNDS rounds of create, write, commit"
else
	fail "fold: $bad"
fi

# give the reclaim work its few seconds, then look
for t in $(seq 1 20); do
	n=$(slots_used)
	[ "${n:-99}" -le 12 ] && break
	sleep 0.5
done
if [ "${n:-99}" -le 12 ]; then
	pass "fold: the branch table holds $n slots after $ROUNDS commits"
else
	fail "fold: $n slots in use after $ROUNDS commits: main not folded, or its old slots not reclaimed"
fi
root=$(main_root)
if [ -n "$root" ] && [ "$root" != 0 ]; then
	pass "fold: main's chain starts at slot $root, a fold's"
else
	fail "fold: main's chain starts at slot '$root' after $ROUNDS commits"
fi

# the reader: it followed every commit and fold, and what it holds open
# and mapped (no round changed it) carried on through all of them
for t in $(seq 1 40); do
	[ "$(cat "$R/last" 2>/dev/null)" = "$ROUNDS" ] && break
	sleep 0.25
done
missing=$(missing_rounds "$R")
if [ "$missing" = 0 ] && [ "$(cat "$R/last" 2>&1)" = "$ROUNDS" ] &&
   cmp -s "$R/big" "$M/big"; then
	pass "fold: a read-only mount of main follows $ROUNDS commits and the folds"
else
	fail "fold: the reader of main: $missing round files missing, last '$(cat "$R/last" 2>&1)', big $(cmp "$R/big" "$M/big" 2>&1 || true)"
	# what the kernel said of it (cut off, reaped, a failed follow)
	dmesg | grep -E 'daxfs|mount table slot' | grep -vE 'branch .* (created|committed|aborted)' |
		tail -n 12 | sed 's/^/  kernel: /'
fi
is "fold: a file the reader held open through the folds reads the same bytes" \
	"$(md5sum <&8 2>&1)" "$sum_held"
exec 8<&-
echo go >&"${HOLD[1]}"
read -r -t 60 line <&"${HOLD[0]}"
is "fold: the reader's mapping of it still reads the same bytes" "$line" read
wait "$HOLD_PID" 2>/dev/null
has "fold: a file the reader held open that a round rewrote is ESTALE" \
	"$(cat <&5 2>&1)" "Stale file handle"
echo go >&6
wait "$CHG_PID" 2>/dev/null
is "fold: and its mapping gets SIGBUS (never the new bytes)" \
	"$(tail -n 1 "$W/chg.out")" sigbus
exec 5<&- 6>&-
umount "$R" || fail "fold: unmount the reader"
used1=$(used_kb)
# what the rounds leave: one 256 KiB file, $ROUNDS small ones, the logs
if [ $((used1 - used0)) -lt 8192 ]; then
	pass "fold: space used grew by $((used1 - used0)) KiB over $ROUNDS rewrites of 256 KiB"
else
	fail "fold: space used grew by $((used1 - used0)) KiB over $ROUNDS rewrites of 256 KiB (shadowed pages kept?)"
fi

check_tree() {	# WHAT
	local missing
	missing=$(missing_rounds "$M")
	if [ "$missing" = 0 ] && [ "$(cat "$M/last")" = "$ROUNDS" ] &&
	   [ "$(stat -c %s "$M/big")" = $((256 << 10)) ] &&
	   [ "$(md5sum <"$M/held")" = "$sum_held" ]; then
		pass "fold: main shows every round's change $1"
	else
		fail "fold: main $1: $missing round files missing, last '$(cat "$M/last")'"
	fi
}
check_tree "(mounted)"
umount "$M"
out=$("$INSPECT" -p "$PHYS" -s "$SIZE" check 2>&1) &&
	pass "fold: daxfs-inspect check after $ROUNDS commits and the folds" ||
	fail "fold: daxfs-inspect check: $(echo "$out" | grep -v '^ok' | head -n 3 | tr '\n' ' ')"
if mount -t daxfs -o "$OPTS" none "$M"; then
	check_tree "(after unmount and mount)"
	out=$(br create after && br switch after && echo a >"$M/a" && br commit)
	if [ "$(cat "$M/a" 2>/dev/null)" = a ]; then
		pass "fold: a branch of the folded main commits"
	else
		fail "fold: a branch of the folded main: $out"
	fi
	umount "$M"
else
	fail "fold: mount after the folds"
fi
dmesg_clean "fold: kernel log clean"

#!/bin/bash
# Branches in one kernel, through daxfs-branch (the README's walkthrough,
# command by command, each step's state checked):
#  - three sibling branches of main each change app.conf; siblings never
#    see each other's changes; main is frozen while they live (EROFS);
#  - a file held open and a shared mapping of a branch fail (ESTALE,
#    SIGBUS) once the mount shows another branch;
#  - the winner is committed: main shows exactly its tree, the rivals are
#    gone, and so it stays after unmount and mount;
#  - abort: the branch is gone, the mount shows main, and its space comes
#    back; create + write + abort 10,000 times (BRANCH_LOOPS; more than the
#    255 slots; the same ioctls from one process) loses neither slots
#    nor space;
#  - commit --parent merges one level, discarding only the siblings;
#  - 8 levels of nesting, with writes, deletes and renames at each level
#    shadowing the levels above: every level's view, also after remount;
#  - a branch survives unmount and is mounted with -o branch=NAME;
#  - a read-only mount of main follows a commit, dropping only what the
#    commit changed (an untouched file stays open and mapped), and then
#    what main's writer writes; a page the writer replaces is not handed
#    out again while the reader's mapping may read it;
#  - appends racing a create are in the branch and the child, or fail;
#  - one writable mount per branch; -o force takes it from a live one,
#    whose changes then fail with EIO;
#  - a switch keeps no layer of a slot that was reclaimed and reused,
#    even with its log as long as the old one;
#  - free slots whose owner word a mount that died left set (it died
#    between the two compare-and-swaps of taking one) are taken again
#    once reclaim clears the word; a slot damaged (under its CRC) is
#    refused when it is to be shown, and check names it;
#  - names, errors and CAP_SYS_ADMIN as daxfs-branch reports them.
. "$(dirname "$0")/lib/common.sh"

BR=${DAXFS_BRANCH:-$DAXFS_TOP/build/daxfs-branch}
need "$MKDAXFS" "$INSPECT" "$BR" "$H/filecheck" "$H/wtool"
SIZE=$((64 << 20))
need_phys $SIZE
daxfs_load
dmesg_mark

SRC=$W/src
M=$W/m
OPTS="phys=$PHYS,size=$SIZE"
mkdir -p "$SRC/dir/sub" "$M"
echo v0 >"$SRC/app.conf"
echo keep >"$SRC/dir/sub/file"
echo base >"$SRC/base"
if ! "$MKDAXFS" -q -b -d "$SRC" -p "$PHYS" -s "$SIZE"; then
	fail "branch: mkdaxfs -b -p"
	exit 1
fi
br() { "$BR" "$@" -m "$M" 2>&1; }
# the names daxfs-branch list shows, in tree order, '*' before the mount's
names() { br list | awk 'NR > 1 { if ($1 == "*") print "*" $2; else print $1 }' | tr '\n' ' '; }
cont() { cat "$M/$1" 2>&1; }
if ! mount -t daxfs -o "$OPTS" none "$M"; then
	fail "branch: mount"
	exit 1
fi

# ---- the walkthrough: three tries, one winner ----
is "branch: a fresh image has main only, shown by the mount" "$(names)" "*main "
for t in try1 try2 try3; do
	out=$(br create "$t")
	is "branch: create $t" "$out" "created branch '$t'"
done
is "branch: list shows main's three children" "$(names)" "*main try1 try2 try3 "
has "branch: main is frozen while it has children" "$(br list)" '^\* main +frozen'
out=$(echo x 2>&1 >"$M/app.conf")
has "branch: a write to frozen main fails with EROFS" "$out" "Read-only file system"
is "branch: main unchanged" "$(cont app.conf)" v0

is "branch: switch try1" "$(br switch try1)" "$M now shows branch 'try1'"
echo v1 >"$M/app.conf" && echo one >"$M/only1" && mkdir "$M/d1"
is "branch: try1 sees its changes" "$(cont app.conf) $(cont only1)" "v1 one"
is "branch: the mount's branch is marked" "$(names)" "main *try1 try2 try3 "
br switch try2 >/dev/null
is "branch: try2 does not see try1's changes" \
	"$(cont app.conf) $(echo $(ls "$M"))" "v0 app.conf base dir"
echo v2 >"$M/app.conf" && rm "$M/dir/sub/file" && echo two >"$M/only2"
br switch try3 >/dev/null
is "branch: try3 sees neither sibling" "$(cont app.conf) $(ls "$M/dir/sub" | wc -l)" "v0 1"
echo v3 >"$M/app.conf"
# an open file and a mapping of try3, then the mount moves on
exec 9<"$M/app.conf"
coproc HOLD { "$H/filecheck" holdmap "$M/dir/sub/file"; }
read -r -t 60 line <&"${HOLD[0]}"
is "branch: a file of try3 is mapped" "$line" mapped
br switch try2 >/dev/null
out=$(cat <&9 2>&1)
has "branch: a file opened in try3 reads ESTALE after the switch" "$out" "Stale file handle"
exec 9<&-
echo go >&"${HOLD[1]}"
read -r -t 60 line <&"${HOLD[0]}"
is "branch: a mapping of try3 gets SIGBUS after the switch" "$line" sigbus
wait "$HOLD_PID" 2>/dev/null
# try2's test passes: commit it
grep -q v2 "$M/app.conf" && out=$(br commit)
is "branch: commit try2" "$out" "committed: $M now shows 'main'"
is "branch: after the commit only main is left" "$(names)" "*main "
is "branch: main shows the winner's tree" \
	"$(cont app.conf) $(cont only2) $(ls "$M/dir/sub" | wc -l) $(echo $(ls "$M"))" \
	"v2 two 0 app.conf base dir only2"
out=$(br switch try1)
has "branch: a rival is gone" "$out" "no live branch 'try1'"
echo v2b >"$M/app.conf"
is "branch: main is writable after the commit" "$(cont app.conf)" v2b
umount "$M"
out=$("$INSPECT" -p "$PHYS" -s "$SIZE" check 2>&1) &&
	pass "branch: daxfs-inspect check after the commit" ||
	fail "branch: daxfs-inspect check after the commit: $(echo "$out" | grep -v '^ok' | head -n 3 | tr '\n' ' ')"
mount -t daxfs -o "$OPTS" none "$M" || fail "branch: mount after the commit"
is "branch: the commit survives unmount and mount" \
	"$(cont app.conf) $(cont only2) $(names)" "v2b two *main "

# ---- abort ----
br create x >/dev/null && br switch x >/dev/null
echo xx >"$M/app.conf" && echo x >"$M/onlyx"
out=$(br abort)
is "branch: abort x" "$out" "aborted: $M now shows 'main'"
is "branch: x is gone, main as before" \
	"$(names) $(cont app.conf) $(ls "$M" | grep -c onlyx)" "*main  v2b 0"
out=$(br abort)
has "branch: aborting main is refused" "$out" "aborting main is refused"

# ---- space comes back: abort, and create + write + abort many times ----
# statfs counts free delta pages; reclaim (module/reclaim.c) gives a
# discarded branch's pages back within a few seconds
free_pages() { stat -f -c %f "$M"; }
settle() {	# wait until the free count reaches $1 (up to 20 s): the count
	local i
	for i in $(seq 1 40); do
		[ "$(free_pages)" -ge "$1" ] && break
		sleep 0.5
	done
	free_pages
}
before=$(free_pages)
br create big >/dev/null && br switch big >/dev/null
head -c $((4 << 20)) /dev/urandom >"$M/bigfile"
during=$(free_pages)
# list's data column: the file pages big's layer holds (4 MiB of them)
sync -f "$M"
line=$(br list --json | grep '"name": "big"')
db=$(sed -n 's/.*"data_bytes": \([0-9]*\).*/\1/p' <<<"$line")
if [ -n "$db" ] && [ "$db" -ge $((4 << 20)) ] &&
   [ "$db" -le $(((4 << 20) + (64 << 10))) ]; then
	pass "branch: list shows the 4 MiB big wrote as its data ($db bytes)"
else
	fail "branch: list's data for big after writing 4 MiB: '$db' in $line"
fi
: >"$M/bigfile" && sync -f "$M"
line=$(br list --json | grep '"name": "big"')
db=$(sed -n 's/.*"data_bytes": \([0-9]*\).*/\1/p' <<<"$line")
if [ -n "$db" ] && [ "$db" -lt $((64 << 10)) ]; then
	pass "branch: list's data for big drops when the file is truncated ($db bytes)"
else
	fail "branch: list's data for big after truncating: '$db' in $line"
fi
br abort >/dev/null
after=$(settle "$before")
if [ "$during" -lt $((before - 1000)) ] && [ "$after" -ge "$before" ]; then
	pass "branch: abort gives the space back (free pages $before, $during with 4 MiB written, $after after)"
else
	fail "branch: space after abort: free pages $before before, $during with 4 MiB written, $after after"
fi
# the rounds make the ioctls of daxfs-branch create, switch and abort
# from one process (wtool branchloop): three daxfs-branch runs a round
# took most of this test's time under TCG
LOOPS=${BRANCH_LOOPS:-10000}
bad=
if ! out=$("$H/wtool" branchloop "$M" "$LOOPS" 2>&1) || [ "$out" != ok ]; then
	bad=${out#wtool: }
	bad=${bad:-wtool branchloop failed, saying nothing}
fi
after=$(settle "$before")
if [ -z "$bad" ] && [ "$after" -ge "$before" ] && [ "$(names)" = "*main " ]; then
	pass "branch: create + write + abort $LOOPS times: slots and space reused (free pages $before, then $after)"
else
	fail "branch: create + write + abort $LOOPS times: ${bad:-free pages $before, then $after; branches: $(names)}"
fi

# ---- abort gives back every kind of change, counted exactly ----
# An aborting writer lends its index's pages to reclaim instead of
# replaying the branch's log (module/reclaim.c); a branch with children
# is replayed.  Either way the free count comes back to exactly what it
# was: overwrites, a truncate, a store through a shared mapping of a
# base file (moved into the branch), a delete and a rename.  Reclaim's
# debug line says which way each slot's pages were learned.
stable_free() {	# the free count once two looks 1 s apart agree
	local a b i
	a=$(free_pages)
	for i in $(seq 1 20); do
		sleep 1
		b=$(free_pages)
		[ "$a" = "$b" ] && break
		a=$b
	done
	echo "$a"
}
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
DDC=/sys/kernel/debug/dynamic_debug/control
[ -w "$DDC" ] && echo 'module daxfs +p' >"$DDC"
changes() {	# changes DIR TAG: a bit of everything, in the mount's branch
	head -c $((3 << 20)) /dev/urandom >"$M/$1/f1" &&
	dd if=/dev/urandom of="$M/$1/f1" bs=64k seek=8 count=16 \
		conv=notrunc status=none &&
	head -c $((2 << 20)) /dev/urandom >"$M/$1/f2" &&
	truncate -s 100000 "$M/$1/f2" &&
	python3 -c 'import mmap, sys
f = open(sys.argv[1], "r+b")
m = mmap.mmap(f.fileno(), 0)
m[0:1] = b"B"
m.flush()' "$M/base" &&
	mv "$M/$1/f1" "$M/$1/g1" && rm "$M/$1/f2"
}
mkdir -p "$M/ab" && sync -f "$M"
before=$(stable_free)
dmesg_clean "branch: kernel log clean before the exact abort counts"
dmesg_mark
br create ab >/dev/null && br switch ab >/dev/null
if changes ab && [ "$(head -c 1 "$M/base")" = B ]; then
	out=$(br abort)
	after=$(settle "$before")
	[ "$after" -gt "$before" ] || after=$(stable_free)
	lent=$(dmesg_new | grep -c 'reclaimed: .* (lent by abort)')
	kept=$(dmesg_new | grep -c 'branch main: every layer .* nothing replayed')
	is "branch: abort of a writer's branch gives back exactly what it took (free pages $before, then $after; lent $lent; main not replayed: $kept)" \
		"$out $after $(head -c 1 "$M/base") $([ -w "$DDC" ] && echo "$lent $kept")" \
		"aborted: $M now shows 'main' $before b $([ -w "$DDC" ] && echo "1 1")"
	# main's writer goes on from the layer it had before the branch
	echo "main after the abort" >"$M/ab/mainfile"
else
	fail "branch: changes in ab: $(ls -l "$M/ab" 2>&1 | tr '\n' ' ')"
	br abort >/dev/null
fi
before=$(stable_free)
dmesg_mark
br create ab >/dev/null && br switch ab >/dev/null && changes ab &&
	br create ab.c >/dev/null && br switch ab.c >/dev/null &&
	changes ab && br create ab.c.d >/dev/null &&
	br switch ab >/dev/null
out=$(br abort)
after=$(settle "$before")
[ "$after" -gt "$before" ] || after=$(stable_free)
replayed=$(dmesg_new | grep -c 'reclaimed: .* (log replayed)')
is "branch: abort of a branch with two levels below gives back exactly what they took (free pages $before, then $after; replayed $replayed)" \
	"$out $after $(names) $([ -w "$DDC" ] && [ "$replayed" -ge 2 ] && echo y)" \
	"aborted: $M now shows 'main' $before *main  $([ -w "$DDC" ] && echo y)"
[ -w "$DDC" ] && echo 'module daxfs -p' >"$DDC"
if dmesg_new | grep -q 'that were free'; then
	fail "branch: an abort freed pages twice: $(dmesg_new | grep 'that were free' | head -n 2 | tr '\n' ' ')"
fi
umount "$M" && mount -t daxfs -o "$OPTS" none "$M"
is "branch: what main's writer wrote after the abort, after unmount and mount" \
	"$(cat "$M/ab/mainfile" 2>&1)" "main after the abort"
rm -rf "$M/ab"
dmesg_clean "branch: kernel log clean after the exact abort counts"
dmesg_mark

# ---- commit --parent: one level ----
br create p >/dev/null && br switch p >/dev/null && echo p >"$M/pf"
br create c1 >/dev/null && br create c2 >/dev/null
out=$(echo no 2>&1 >"$M/pf")
has "branch: p is frozen by its children" "$out" "Read-only file system"
br switch c2 >/dev/null && echo c2 >"$M/c2f"
br switch c1 >/dev/null && echo c1 >"$M/pf"
out=$(br commit --parent)
is "branch: commit --parent" "$out" "committed: $M now shows 'p'"
is "branch: p has c1's change; c2 is gone; main still has its own" \
	"$(names) $(cont pf) $(ls "$M" | grep -c c2f)" "main *p  c1 0"
echo p2 >"$M/pf" && is "branch: p is writable again" "$(cont pf)" p2
br switch main >/dev/null
is "branch: main does not see p" "$(ls "$M" | grep -c pf)" 0

br switch p >/dev/null && br abort >/dev/null
is "branch: p aborted: main alone again" "$(names)" "*main "

# ---- a mount on a directory of the mount survives a switch ----
mkdir "$M/mnt" && br create sub1 >/dev/null
if mount -t tmpfs none "$M/mnt" && echo inside >"$M/mnt/x"; then
	br switch sub1 >/dev/null
	is "branch: a tmpfs mounted on a directory is still there after a switch" \
		"$(cat "$M/mnt/x" 2>&1) $(findmnt -n -o FSTYPE "$M/mnt")" "inside tmpfs"
	br switch main >/dev/null
	is "branch: and after switching back" "$(cat "$M/mnt/x" 2>&1)" inside
	umount "$M/mnt"
else
	fail "branch: mount a tmpfs on $M/mnt"
fi
br switch sub1 >/dev/null && br abort >/dev/null && rmdir "$M/mnt"
is "branch: sub1 aborted, the directory gone" "$(names) $(ls -d "$M/mnt" 2>&1 | grep -c 'No such')" "*main  1"

# ---- 8 levels of nesting ----
# level i: f says i, only_i is new, only_(i-1) is deleted, keep_(i-1) is
# renamed keep_i; so each level shadows the one above it
br switch main >/dev/null
echo 0 >"$M/f" && echo 0 >"$M/only_0" && echo k >"$M/keep_0"
prev=main
for i in 1 2 3 4 5 6 7 8; do
	br create "l$i" -p "$prev" >/dev/null && br switch "l$i" >/dev/null ||
		fail "branch: create and switch to l$i"
	echo "$i" >"$M/f" && echo "$i" >"$M/only_$i" &&
		rm "$M/only_$((i - 1))" && mv "$M/keep_$((i - 1))" "$M/keep_$i" ||
		fail "branch: changes at level $i"
	prev=l$i
done
view() {	# what the mount shows of the level files
	echo "$(cont f) $(cd "$M" && ls only_* keep_* | tr '\n' ' ')"
}
levels_ok() {
	local i bad=
	for i in 1 2 3 4 5 6 7 8; do
		br switch "l$i" >/dev/null
		[ "$(view)" = "$i keep_$i only_$i " ] || bad="$bad l$i:[$(view)]"
	done
	br switch main >/dev/null
	[ "$(view)" = "0 keep_0 only_0 " ] || bad="$bad main:[$(view)]"
	echo "${bad:-ok}"
}
is "branch: 8 levels, each view exactly its own" "$(levels_ok)" ok
umount "$M"
mount -t daxfs -o "$OPTS" none "$M" || fail "branch: mount after nesting"
is "branch: 8 levels after unmount and mount" "$(levels_ok)" ok
umount "$M"
if mount -t daxfs -o "$OPTS,branch=l5" none "$M"; then
	is "branch: mount -o branch=l5" "$(view) $(grep -o 'branch=[^, ]*' /proc/mounts | tail -n 1)" \
		"5 keep_5 only_5  branch=l5"
	out=$(echo x 2>&1 >"$M/f")
	has "branch: l5 is frozen (it has a child)" "$out" "Read-only file system"
	umount "$M"
else
	fail "branch: mount -o branch=l5: $(dmesg | tail -n 5 | tr '\n' '|')"
fi
out=$(mount -t daxfs -o "$OPTS,branch=nosuch" none "$M" 2>&1)
[ $? -ne 0 ] && pass "branch: mount -o branch=nosuch fails" ||
	{ fail "branch: mount -o branch=nosuch succeeded"; umount "$M"; }
mount -t daxfs -o "$OPTS" none "$M" || fail "branch: mount main"

# ---- names and errors ----
has "branch: an invalid name" "$(br create 'a/b')" "not a valid branch name"
has "branch: a taken name" "$(br create l1)" "exists already"
has "branch: a missing parent" "$(br create q -p nosuch)" "no live branch 'nosuch' to be the parent"
has "branch: commit with live children" "$(br switch l7 >/dev/null; br commit)" \
	"branch 'l7' has 1 live children"
br switch main >/dev/null
has "branch: needs CAP_SYS_ADMIN" \
	"$(setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin "$BR" list -m "$M" 2>&1)" \
	"CAP_SYS_ADMIN"
has "branch: --help" "$("$BR" --help)" "usage: daxfs-branch"
json=$(br list --json)
has "branch: list --json" "$json" '"name": "l1", "parent": "main"'

# ---- appends racing a create: every append that returned is kept ----
# small appends into pages the branch owns publish their size later
# (module/sync.c); a create that freezes the branch meanwhile must find
# them in the log, and an append after the freeze must fail (EROFS)
br create race >/dev/null && br switch race >/dev/null
bad=
for r in 1 2 3 4 5 6; do
	"$H/wtool" fill "$M/race.dat" "$r" 100 >"$W/fill.out" 2>&1 &
	fp=$!
	sleep "0.$r"
	if ! br create "rc$r" >/dev/null; then
		bad="round $r: create rc$r failed"
		kill "$fp" 2>/dev/null
		break
	fi
	wait "$fp"
	read -r bytes err <"$W/fill.out"
	size=$(stat -c %s "$M/race.dat")
	got=$("$H/wtool" check "$M/race.dat" 0 "$bytes" "$r")
	if ! out=$(br switch "rc$r"); then
		bad="round $r: switch rc$r: $out"
		break
	fi
	csize=$(stat -c %s "$M/race.dat")
	cgot=$("$H/wtool" check "$M/race.dat" 0 "$bytes" "$r")
	if [ "$err" != EROFS ] || [ "$bytes" -le 0 ] 2>/dev/null ||
	   [ "$size/$got/$csize/$cgot" != "$bytes/ok/$bytes/ok" ]; then
		bad="round $r: appends returned $bytes bytes then $err; race has $size ($got), rc$r has $csize ($cgot)"
		break
	fi
	out=$(br abort) && out=$(br switch race) ||
		{ bad="round $r: abort rc$r, switch race: $out"; break; }
done
if [ -z "$bad" ]; then
	pass "branch: appends racing a create: all that returned are in the branch and its child, the next one EROFS (6 rounds, last $bytes bytes)"
else
	fail "branch: appends racing a create: $bad"
fi
br switch main >/dev/null

# ---- a read-only mount of main follows a commit made elsewhere ----
# It drops exactly what the commit changed: a file open or mapped there
# that the commit did not touch carries on; a changed one is ESTALE; names
# the commit moved, removed or added (cached, even as absent) are right.
br switch l1 >/dev/null && br abort >/dev/null
br switch race >/dev/null && br abort >/dev/null
mkdir -p "$M/fd/in" && echo i >"$M/fd/in/x"
for f in fu fc fm fr; do echo "$f" >"$M/$f"; done
br create fol >/dev/null && br switch fol >/dev/null
R=$W/r
mkdir -p "$R"
if mount -t daxfs -o "$OPTS,ro" none "$R"; then
	exec 7<"$R/fu" 8<"$R/fc"
	coproc HOLD { "$H/filecheck" holdmap "$R/fu"; }
	read -r -t 60 line <&"${HOLD[0]}"
	[ "$line" = mapped ] || fail "branch: holdmap of main's fu: $line"
	is "branch: the reader sees main as it was" \
		"$(cat "$R/fc" "$R/fm" "$R/fr" "$R/fn" 2>&1 | sed 's/.*: //' | tr '\n' ' ')" \
		"fc fm fr No such file or directory "
	echo c2 >"$M/fc" && mv "$M/fm" "$M/fm2" && rm "$M/fr" && echo n >"$M/fn"
	is "branch: commit fol (a reader of main alongside)" "$(br commit)" \
		"committed: $M now shows 'main'"
	for i in $(seq 1 40); do
		[ "$(cat "$R/fc" 2>&1)" = c2 ] && break
		sleep 0.25
	done
	is "branch: the reader follows the commit without remounting" \
		"$(cat "$R/fc" "$R/fm2" "$R/fn" "$R/fd/in/x" 2>&1 | tr '\n' ' ')" \
		"c2 fm n i "
	is "branch: names the commit removed are gone from the reader" \
		"$(cat "$R/fm" "$R/fr" 2>&1 | sed 's/.*: //' | tr '\n' ' ')" \
		"No such file or directory No such file or directory "
	is "branch: a file the commit did not change stays open in the reader" \
		"$(cat <&7 2>&1)" fu
	has "branch: a file the commit changed is ESTALE in the reader" \
		"$(cat <&8 2>&1)" "Stale file handle"
	exec 8<&-
	echo go >&"${HOLD[1]}"
	read -r -t 60 line <&"${HOLD[0]}"
	is "branch: a mapping of a file the commit did not change still reads" \
		"$line" read
	wait "$HOLD_PID" 2>/dev/null

	# ---- and then what main's writer (the committer) writes ----
	# A page the writer replaces stays what it was for the reader's
	# mapping (until the reader follows: then SIGBUS), even when the
	# writer fills the region right after: it is not handed out again
	# while the reader may read it; it comes back once the reader
	# moved past it.
	"$H/filecheck" gen "$M/pg" $((4 << 20)) 77 && sync -f "$M"
	for i in $(seq 1 40); do
		cmp -s "$R/pg" "$M/pg" && break
		sleep 0.25
	done
	is "branch: the reader follows a write to main" \
		"$(cmp "$R/pg" "$M/pg" 2>&1 && echo same)" same
	coproc HOLD { "$H/filecheck" holdmap "$R/pg"; }
	read -r -t 60 line <&"${HOLD[0]}"
	[ "$line" = mapped ] || fail "branch: holdmap of main's pg: $line"
	free0=$(stat -f -c %a "$M")
	# rewritten in place: 256 pages a transaction, each replacing them
	"$H/wtool" pwrite "$M/pg" 0 $((4 << 20)) 78 >/dev/null
	free1=$(stat -f -c %a "$M")
	"$H/filecheck" gen "$M/fill" $(((free1 - 16) * 4096)) 79 2>/dev/null
	echo go >&"${HOLD[1]}"
	read -r -t 60 line <&"${HOLD[0]}"
	wait "$HOLD_PID" 2>/dev/null
	# the reader follows each second: at least the last transaction's
	# pages are still kept back right after the write
	is "branch: pages the writer replaced are kept while the reader shows them" \
		"$((free0 - free1 >= 200))" 1
	case "$line" in
	read|sigbus) pass "branch: the reader's mapping of a replaced file: $line, never other bytes" ;;
	*) fail "branch: the reader's mapping of a replaced file: '$line'" ;;
	esac
	rm -f "$M/fill"
	for i in $(seq 1 40); do
		cmp -s "$R/pg" "$M/pg" && [ "$(stat -f -c %a "$M")" -ge $((free0 - 16)) ] && break
		sleep 0.25
	done
	is "branch: the reader follows the rewrite" \
		"$(cmp "$R/pg" "$M/pg" 2>&1 && echo same)" same
	is "branch: the replaced pages come back once the reader moved on" \
		"$(($(stat -f -c %a "$M") >= free0 - 16))" 1
	is "branch: an untouched file stayed open in the reader throughout" \
		"$(cat "/proc/self/fd/7" 2>&1; cat <&7 2>&1)" fu
	exec 7<&-
	umount "$R"
	rm -f "$M/pg"
else
	fail "branch: mount main read-only beside a branch's writer"
fi

# ---- one writer per branch, and -o force ----
M2=$W/m2 M3=$W/m3
mkdir -p "$M2" "$M3"
br create cl >/dev/null
if mount -t daxfs -o "$OPTS,branch=cl" none "$M2"; then
	echo one >"$M2/f" && sync -f "$M2"
	has "branch: a second writable mount of a branch is refused" \
		"$(mount -t daxfs -o "$OPTS,branch=cl" none "$M3" 2>&1; echo "rc=$?")" \
		"busy.*rc=[1-9]|rc=32"
	# a mapping of the writer about to be forced out
	coproc HOLD { "$H/filecheck" holdmap "$M2/f"; }
	read -r -t 60 line <&"${HOLD[0]}"
	[ "$line" = mapped ] || fail "branch: holdmap of a file in cl: $line"
	if mount -t daxfs -o "$OPTS,branch=cl,force" none "$M3"; then
		pass "branch: -o force takes a branch from a live writer"
		has "branch: the forced-out mount's changes fail with EIO" \
			"$(echo two 2>&1 >"$M2/f")" "Input/output error"
		# its pages may be reused by the new writer: it reads nothing
		# more (EIO) once it noticed (a heartbeat, or that change)
		has "branch: the forced-out mount's reads fail with EIO" \
			"$(read_until_eio "$M2/f")" "Input/output error"
		sleep 1		# its mappings go right after (refresh work)
		echo go >&"${HOLD[1]}"
		read -r -t 60 line <&"${HOLD[0]}"
		is "branch: the forced-out mount's mapping gets SIGBUS" "$line" sigbus
		wait "$HOLD_PID" 2>/dev/null
		echo three >"$M3/f" 2>&1 && is "branch: the forcing mount writes" \
			"$(cat "$M3/f")" three
		has "branch: the kernel log names the forced claim" \
			"$(dmesg | tail -n 20)" "force: the writer of branch cl"
		umount "$M3"
	else
		fail "branch: mount -o branch=cl,force alongside a live writer"
		echo go >&"${HOLD[1]}"
	fi
	umount "$M2"
else
	fail "branch: mount -o branch=cl"
fi

# ---- a switch lends no layer of a slot reclaimed and reused since ----
# A switch keeps the layers the view shown holds of the same log read to
# the same place (module/branch.c, daxfs_vset_lend()).  M2 shows rb over
# ra (read-only: a writer's claim would hold rb's slot); both are aborted
# and reclaimed, and rc takes ra's slot again, its
# log written to the same length: another log all the same.
slot_of() {	# slot generation fork_lsn of live branch $1
	"$INSPECT" -m "$M" branches |
		awk -v n="$1" '$2 == n && $5 == "live" { print $1, $7, $11 }'
}
br switch main >/dev/null
br create ra >/dev/null && br switch ra >/dev/null && echo 1 >"$M/rx" &&
	br create rb >/dev/null
read -r sa ga _ <<<"$(slot_of ra)"
read -r _ _ fb <<<"$(slot_of rb)"
if mount -t daxfs -o "$OPTS,branch=rb,ro" none "$M2"; then
	cat "$M2/rx" >/dev/null
	br abort >/dev/null
	for i in $(seq 1 40); do	# until reclaim frees ra's slot
		"$INSPECT" -m "$M" branches |
			awk -v s="$sa" '$1 == s && $4 == "free" { f = 1 } END { exit !f }' &&
			break
		sleep 0.5
	done
	br create rc >/dev/null && br switch rc >/dev/null &&
		echo 2 >"$M/ry" && br create rd >/dev/null
	read -r sc gc _ <<<"$(slot_of rc)"
	read -r _ _ fd <<<"$(slot_of rd)"
	if [ -n "$sa" ] && [ "$sa/$fb" = "$sc/$fd" ] && [ "$ga" != "$gc" ]; then
		out=$("$BR" switch rd -m "$M2" 2>&1)
		is "branch: a mount of a discarded branch switches to one over its reused slot" \
			"$out" "$M2 now shows branch 'rd'"
		is "branch: ... and shows the new log, not the old one read as far" \
			"$(cat "$M2/ry" "$M2/rx" 2>&1 | sed 's/.*: //' | tr '\n' ' ')" \
			"2 No such file or directory "
	else
		fail "branch: reused slot: ra was slot $sa (generation $ga, rb forked at $fb), rc is slot $sc (generation $gc, rd forked at $fd)"
	fi
	umount "$M2"
	br abort >/dev/null
else
	fail "branch: mount -o branch=rb,ro"
fi
umount "$M"
out=$("$INSPECT" -p "$PHYS" -s "$SIZE" check 2>&1) &&
	pass "branch: daxfs-inspect check at the end" ||
	fail "branch: daxfs-inspect check at the end: $(echo "$out" | grep -v '^ok' | head -n 3 | tr '\n' ' ')"

# ---- free slots a dead mount held; a damaged slot ----
# A creator that dies between taking a slot's owner word and its state
# leaves a FREE slot with an owner: every slot of a fresh table so, as
# mount ids no mount has; the writable mount's reclaim clears them.
# (/dev/mem is written only while nothing is mounted: a mount claims
# the range.)
dmesg_clean "branch: kernel log clean before the dead owners"
dmesg_mark
poke() {	# poke WHAT: python3 reads the rest from stdin; argv: the table
	python3 - "$PHYS" "$toff" "$nslots" "$ssize" "${@:2}" ||
		{ fail "branch: $1: /dev/mem"; return 1; }
}
read -r toff nslots ssize <<<"$("$MKDAXFS" -q -b -d "$SRC" -p "$PHYS" -s "$SIZE" &&
	"$INSPECT" -p "$PHYS" -s "$SIZE" super |
	awk '/^branch table/ { sub(",", "", $4); print $4, $5, $8 }')"
if [ -z "$ssize" ] || [ "$nslots" -lt 8 ]; then
	fail "branch: mkdaxfs -b -p and the table's place for the dead owners: '$toff $nslots $ssize'"
elif poke "dead owners" <<'PY' && mount -t daxfs -o "$OPTS" none "$M"; then
import mmap, os, struct, sys
phys, toff, n, size = (int(a, 0) for a in sys.argv[1:5])
fd = os.open("/dev/mem", os.O_RDWR | os.O_SYNC)
m = mmap.mmap(fd, toff + n * size, mmap.MAP_SHARED, offset=phys)
for i in range(1, n):   # the owner word leads each slot
    m[toff + i * size:toff + i * size + 8] = struct.pack("<Q", 0x7e57dead00 + i)
m.close()
PY
	for i in $(seq 1 60); do	# reclaim runs every few heartbeats
		out=$(br create orphan1) && break
		sleep 0.5
	done
	is "branch: a free slot a dead mount held is taken again" \
		"$out" "created branch 'orphan1'"
	# the rest from one process (255 daxfs-branch runs take minutes
	# under TCG), then one more than the table holds
	is "branch: ... and so are all of them, then ENOSPC" \
		"$("$H/wtool" creates "$M" orphan 2 "$nslots")" \
		"created $((nslots - 2)), then orphan$nslots: ENOSPC"
	is "branch: the kernel says so" \
		"$(dmesg_new | sed -n 's/.*daxfs: .*: \([0-9]*\) branch slots held by mounts that died are free again/\1/p' |
			awk '{ s += $1 } END { print s + 0 }')" $((nslots - 1))
	read -r so _ <<<"$(slot_of orphan2)"
	umount "$M"
	# a byte of orphan2's creation time (under the slot's CRC) changed
	# while unmounted: the mount's validation refuses the region; a
	# mount without it shows main, and a switch to the slot is refused
	if [ -n "$so" ] && poke "damaged slot" "$so" <<'PY'; then
import mmap, os, sys
phys, toff, n, size, s = (int(a, 0) for a in sys.argv[1:6])
fd = os.open("/dev/mem", os.O_RDWR | os.O_SYNC)
m = mmap.mmap(fd, toff + n * size, mmap.MAP_SHARED, offset=phys)
m[toff + s * size + 104] ^= 1   # create_time's low byte
m.close()
PY
		has "branch: a mount refuses a table with a damaged slot" \
			"$(mount -t daxfs -o "$OPTS" none "$M" 2>&1; echo "rc=$?")" \
			"Structure needs cleaning"
		has "branch: ... and says which" \
			"$(dmesg_new | grep "branch $so: bad checksum")" "bad checksum"
		mounted_at "$M" && umount "$M"
	fi
	if [ -n "$so" ] && mount -t daxfs -o "$OPTS,novalidate" none "$M"; then
		out=$(br switch orphan2)
		has "branch: a switch to a branch whose slot is damaged is refused" \
			"$out rc=$?" "orphan2.*is damaged.* rc=1$"
		has "branch: ... and the kernel names the slot" \
			"$(dmesg_new | grep "branch slot $so is damaged")" \
			"damaged \\(-117\\)"
		is "branch: ... and the mount still shows main (frozen: the orphans are its children)" \
			"$(names | cut -c1-6) $(cat "$M/base") $(echo w 2>&1 >"$M/w" | sed 's/.*: //')" \
			"*main  base Read-only file system"
		umount "$M"
		out=$("$INSPECT" -p "$PHYS" -s "$SIZE" check 2>&1)
		rc=$?
		has "branch: daxfs-inspect check names the damaged slot" \
			"$(echo "$out" | grep -x "branch $so: bad checksum") rc=$rc" \
			"^branch $so: bad checksum rc=1$"
	else
		fail "branch: damage slot '$so' and mount -o novalidate"
	fi
else
	fail "branch: mount with free slots a dead mount held"
fi
dmesg_clean "branch: kernel log clean"

#!/bin/bash
# daxfs-inspect command line: every command, its errors and exit codes,
# path resolution, and damaged images (one line per problem, no crash).
# A branching image gets a log from the core's writer (tests/host/mklog.c,
# the same operations done on a mirror of the source tree): log decodes
# it, ls/cat/inodes/extract show the current view (the extract must equal
# the mirror), check replays it; then each damage mklog can make is named
# by log and check with a non-zero exit.  Branches with changes of their
# own (tests/host/mkbranch.c: a child of main, its child, a sibling, then
# a commit and an abort) are shown with -b: each its own files, a child
# its parent's as at the fork, main none of theirs; every refusal (no
# such branch, discarded, absorbed, no branches, a command -b does not
# apply to) with its exit status and message.
. "$(dirname "$0")/../lib.sh"

MK=$SAN/mkdaxfs
INS=$SAN/daxfs-inspect
TC=$SAN/tests/treecmp
for b in "$MK" "$INS" "$TC"; do
	if [ ! -x "$b" ]; then
		fail "inspect: $b missing (run make san)"
		exit 0
	fi
done

T=$(mktemp -d /tmp/daxfs-insp.XXXXXX)
trap 'rm -rf "$T"' EXIT
OUT=$T/out
ERR=$T/err

# run CMD...: run with stdout to $OUT, stderr to $ERR; sets RC.
run() { "$@" >"$OUT" 2>"$ERR"; RC=$?; }
# one_err: stderr is exactly one line starting with "daxfs-inspect: ".
one_err() { [ "$(wc -l <"$ERR")" -eq 1 ] && grep -q '^daxfs-inspect: ' "$ERR"; }
# expect_rc NAME WANT CMD...: exit status WANT (and one stderr line if != 0)
expect_rc() {
	local name=$1 want=$2
	shift 2
	run "$@"
	if [ "$RC" -ne "$want" ]; then
		fail "$name: exit $RC, want $want: $(head -c 200 "$ERR")"
	elif [ "$want" -ne 0 ] && ! one_err; then
		fail "$name: want one error line, got: $(head -c 300 "$ERR")"
	else
		pass "$name"
	fi
}

# --- a small tree with one of everything ------------------------------------------
S=$T/src
mkdir -p "$S/sub/deeper" "$S/empty"
printf 'hello\n' >"$S/hello"
head -c 5000000 /dev/urandom >"$S/random"
: >"$S/empty_file"
head -c 4096 /dev/urandom >"$S/sub/page"
printf 'deep\n' >"$S/sub/deeper/file"
head -c 3000 /dev/urandom >"$S/sparse"
truncate -s 2000000 "$S/sparse"
dd if=/dev/urandom of="$S/sparse" bs=4096 seek=200 count=2 conv=notrunc status=none
truncate -s 3000000 "$S/sparse"
ln "$S/hello" "$S/sub/hello_link"
ln -s hello "$S/rel"
ln -s /sub/deeper "$S/abs_dir"
ln -s nowhere "$S/dangling"
ln -s loop2 "$S/loop1"
ln -s loop1 "$S/loop2"
ln -s sub "$S/sub_link"
echo odd >"$S/$(printf 'x\377y')"
mkfifo "$S/fifo"
if [ "$(id -u)" -eq 0 ]; then
	mknod "$S/null" c 1 3
fi
chmod 4755 "$S/hello"
touch -d '2020-01-02 03:04:05.123456789' "$S/hello"
IMG=$T/img
if ! "$MK" -q -d "$S" -o "$IMG" >"$OUT" 2>&1; then
	fail "inspect: mkdaxfs: $(head -n 1 "$OUT")"
	exit 0
fi

# --- usage --------------------------------------------------------------------
run "$INS" --help
if [ "$RC" -eq 0 ] && grep -q '^Usage: daxfs-inspect' "$OUT" &&
   for c in super inodes ls cat extract check branches log; do
	grep -qE "^  $c( |$)" "$OUT" || exit 1
   done; then
	pass "usage: --help lists every command, exit 0"
else
	fail "usage: --help (exit $RC)"
fi
expect_rc "usage: no arguments" 2 "$INS"
expect_rc "usage: no command" 2 "$INS" "$IMG"
expect_rc "usage: unknown command" 2 "$INS" "$IMG" frobnicate
expect_rc "usage: ls without PATH" 2 "$INS" "$IMG" ls
expect_rc "usage: too many arguments" 2 "$INS" "$IMG" super extra
expect_rc "usage: -p without -s" 2 "$INS" -p 0x100000000 super
expect_rc "usage: -m with -p" 2 "$INS" -m /mnt -p 0 -s 4K super
expect_rc "usage: bad size" 2 "$INS" -p 0x1000 -s 12Q super
expect_rc "usage: bad address" 2 "$INS" -p zz -s 4K super
expect_rc "usage: unknown option" 2 "$INS" --bogus "$IMG" super
expect_rc "usage: unknown short option" 2 "$INS" -x "$IMG" super
expect_rc "usage: -m without its argument" 2 "$INS" -m

# --- opening ---------------------------------------------------------------------
expect_rc "open: missing file" 1 "$INS" "$T/nonexistent" super
grep -q 'No such file' "$ERR" || fail "open: missing file: message: $(cat "$ERR")"
: >"$T/empty.img"
expect_rc "open: empty file" 1 "$INS" "$T/empty.img" super
head -c 65536 /dev/urandom >"$T/garbage.img"
expect_rc "open: not a DAXFS image" 1 "$INS" "$T/garbage.img" inodes
expect_rc "open: a directory" 1 "$INS" "$T" super
expect_rc "open: -m on a non-DAXFS directory" 1 "$INS" -m "$T" super
expect_rc "open: -p of memory without an image" 1 "$INS" -p 0 -s 4096 super

# --- super / inodes ------------------------------------------------------------------
run "$INS" "$IMG" super
if [ "$RC" -eq 0 ] && grep -qE '^crc +0x[0-9a-f]{8} \(ok\)' "$OUT" &&
   grep -qE '^uuid +[0-9a-f]{8}-' "$OUT" && grep -q '^inodes ' "$OUT" &&
   grep -q '^feat_incompat .*(none)' "$OUT" && grep -q '^data_crc ' "$OUT"; then
	pass "super: fields, crc ok"
else
	fail "super: $(head -c 300 "$OUT")"
fi
want=$(find "$S" -printf '%i\n' | sort -u | wc -l)
run "$INS" "$IMG" inodes
got=$(($(wc -l <"$OUT") - 1))
if [ "$RC" -eq 0 ] && [ "$got" -eq "$want" ]; then
	pass "inodes: one line per inode ($got)"
else
	fail "inodes: $got lines, want $want (exit $RC)"
fi
if grep -qE ' -rwsr-xr-x +2 +[0-9]+ +[0-9]+ +6 2020-01-02 03:04:05\.123456789' "$OUT"; then
	pass "inodes: ls -l mode, nlink, size, ns mtime"
else
	fail "inodes: no line for hello: $(head -n 3 "$OUT")"
fi

# --- ls ---------------------------------------------------------------------------------
run "$INS" "$IMG" ls /
want=$(cd "$S" && ls -A | LC_ALL=C sort | grep -v "$(printf 'x\377y')" | tr '\n' ' ')
got=$(awk '{ print ($0 ~ / -> /) ? $(NF-2) : $NF }' "$OUT" | grep -v '^x\\377y$' | tr '\n' ' ')
if [ "$RC" -eq 0 ] && [ "$want" = "$got" ]; then
	pass "ls: root entries in sorted order"
else
	fail "ls: got '$got' want '$want'"
fi
if grep -q 'x\\377y$' "$OUT"; then
	pass "ls: non-printable name bytes escaped"
else
	fail "ls: escaped name missing"
fi
if grep -q ' rel -> hello$' "$OUT" && grep -q '^prw' "$OUT"; then
	pass "ls: symlink target and fifo type"
else
	fail "ls: symlink/fifo lines"
fi
run "$INS" "$IMG" ls sub
[ "$RC" -eq 0 ] && [ "$(wc -l <"$OUT")" -eq 3 ] &&
	pass "ls: relative path, subdirectory" || fail "ls sub: $(cat "$OUT")"
run "$INS" "$IMG" ls /sub_link/deeper/../deeper/./file
[ "$RC" -eq 0 ] && [ "$(wc -l <"$OUT")" -eq 1 ] && grep -q ' 5 .*file$' "$OUT" &&
	pass "ls: symlink in the middle, . and .." || fail "ls via link: $(cat "$OUT" "$ERR")"
run "$INS" "$IMG" ls /rel
grep -q '^lrwxrwxrwx .* -> hello$' "$OUT" && pass "ls: last symlink not followed" ||
	fail "ls /rel: $(cat "$OUT")"
run "$INS" "$IMG" ls /..
[ "$RC" -eq 0 ] && [ "$(wc -l <"$OUT")" -gt 5 ] && pass "ls: /.. is the root" ||
	fail "ls /..: exit $RC"
expect_rc "ls: missing entry" 1 "$INS" "$IMG" ls /sub/nothing
grep -q 'No such file' "$ERR" || fail "ls: missing: message $(cat "$ERR")"
expect_rc "ls: file as a directory" 1 "$INS" "$IMG" ls /hello/x
expect_rc "ls: symlink loop" 1 "$INS" "$IMG" ls /loop1/x
grep -q 'symbolic links' "$ERR" || fail "ls: loop: message $(cat "$ERR")"

# --- cat ----------------------------------------------------------------------------------
for f in hello random empty_file sub/page sparse sub/deeper/file; do
	run "$INS" "$IMG" cat "$f"
	if [ "$RC" -eq 0 ] && cmp -s "$OUT" "$S/$f"; then
		pass "cat: $f"
	else
		fail "cat: $f differs (exit $RC) $(cmp "$OUT" "$S/$f" 2>&1)"
	fi
done
run "$INS" "$IMG" cat rel
cmp -s "$OUT" "$S/hello" && pass "cat: follows a relative symlink" || fail "cat rel"
run "$INS" "$IMG" cat abs_dir/file
cmp -s "$OUT" "$S/sub/deeper/file" && pass "cat: absolute symlink resolved in the image" ||
	fail "cat abs_dir/file: $(cat "$ERR")"
expect_rc "cat: dangling symlink" 1 "$INS" "$IMG" cat dangling
expect_rc "cat: directory" 1 "$INS" "$IMG" cat sub
grep -q 'Is a directory' "$ERR" || fail "cat sub: message $(cat "$ERR")"
expect_rc "cat: fifo" 1 "$INS" "$IMG" cat fifo
expect_rc "cat: symlink loop" 1 "$INS" "$IMG" cat loop1
if [ -w /dev/full ]; then
	"$INS" "$IMG" cat random >/dev/full 2>"$ERR"
	rc=$?
	[ "$rc" -eq 1 ] && grep -q 'write error' "$ERR" &&
		pass "cat: write error reported" || fail "cat >/dev/full: exit $rc $(cat "$ERR")"
fi

# --- check ------------------------------------------------------------------------------------
run "$INS" "$IMG" check
[ "$RC" -eq 0 ] && [ "$(wc -l <"$OUT")" -eq 1 ] && grep -q '^clean: ' "$OUT" &&
	pass "check: clean image, one summary line" || fail "check: $(cat "$OUT")"

inodes_off=$(( $(od -An -tu8 -j 96 -N 8 "$IMG") ))
data_off=$(( $(od -An -tu8 -j 192 -N 8 "$IMG") ))
# corrupt FILE OFFSET: overwrite one byte with its complement.
corrupt() {
	local b
	b=$(od -An -tu1 -j "$2" -N 1 "$1")
	printf "\\$(printf '%03o' $(( 255 - b )))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
cp "$IMG" "$T/bad_meta.img"
corrupt "$T/bad_meta.img" $((inodes_off + 5))
run "$INS" "$T/bad_meta.img" check
[ "$RC" -eq 1 ] && grep -q 'problem' "$OUT" && [ "$(wc -l <"$OUT")" -ge 2 ] &&
	pass "check: damaged inode table: problems listed, exit 1" ||
	fail "check bad meta: exit $RC: $(head -n 3 "$OUT")"
cp "$IMG" "$T/bad_data.img"
corrupt "$T/bad_data.img" $((data_off + 100))
run "$INS" "$T/bad_data.img" check
[ "$RC" -eq 1 ] && pass "check: damaged file data, exit 1" ||
	fail "check bad data: exit $RC: $(head -n 3 "$OUT")"
run "$INS" "$T/bad_data.img" ls /
[ "$RC" -eq 0 ] && pass "ls: still works when only data is damaged" ||
	fail "ls on bad data: exit $RC"
cp "$IMG" "$T/bad_super.img"
corrupt "$T/bad_super.img" 0
run "$INS" "$T/bad_super.img" check
[ "$RC" -eq 1 ] && [ -s "$OUT" ] && pass "check: bad magic, exit 1" ||
	fail "check bad super: exit $RC"
head -c 8192 "$IMG" >"$T/short.img"
run "$INS" "$T/short.img" check
[ "$RC" -eq 1 ] && pass "check: truncated image, exit 1" || fail "check short: exit $RC"
expect_rc "extract: refuses a damaged image" 1 "$INS" "$T/bad_meta.img" extract "$T/never"
[ -e "$T/never" ] && fail "extract: created a directory for a damaged image"

# --- extract ---------------------------------------------------------------------------------
mkdir "$T/full" && touch "$T/full/x"
expect_rc "extract: non-empty directory refused" 1 "$INS" "$IMG" extract "$T/full"
expect_rc "extract: missing parent" 1 "$INS" "$IMG" extract "$T/no/such/dir"
mkdir "$T/emptydir"
expect_rc "extract: into an existing empty directory" 0 "$INS" "$IMG" extract "$T/emptydir"
"$TC" "$S" "$T/emptydir" >"$T/tc.log" 2>&1 && pass "extract: tree equals the source" ||
	fail "extract: treecmp: $(head -n 3 "$T/tc.log")"

# --- branches and log ---------------------------------------------------------------------
run "$INS" "$IMG" branches
[ "$RC" -eq 0 ] && grep -qx 'no branches (image built without -b)' "$OUT" &&
	pass "branches: non-branching image" || fail "branches: $(cat "$OUT" "$ERR")"
run "$INS" "$IMG" log main
[ "$RC" -eq 0 ] && grep -qx 'no branches (image built without -b)' "$OUT" &&
	pass "log: non-branching image" || fail "log: $(cat "$OUT" "$ERR")"
BR=$T/br.img
if ! "$MK" -q -b --delta-size 4M -d "$S" -o "$BR" >"$T/mk.log" 2>&1; then
	fail "branches: mkdaxfs -b: $(head -n 1 "$T/mk.log")"
	BR=
fi
if [ -n "$BR" ]; then
	run "$INS" "$BR" branches
	[ "$RC" -eq 0 ] && grep -qE '^ +0 main +- +live +live +- +0 +0x[0-9a-f]+ +0 +0 +0 +0 .* ok$' "$OUT" &&
		grep -q '^1 of 256 slots in use' "$OUT" &&
		pass "branches: main listed with its slot fields" ||
		fail "branches -b: $(cat "$OUT" "$ERR")"
	run "$INS" "$BR" log main
	[ "$RC" -eq 0 ] && grep -q '^chunk 0 at delta page 0, lsn 0$' "$OUT" &&
		grep -qx 'tail at lsn 0; 0 records in 0 transactions, 1 chunk' "$OUT" &&
		pass "log: main's empty log" || fail "log main: $(cat "$OUT" "$ERR")"
	expect_rc "log: unknown branch" 1 "$INS" "$BR" log nosuch
	run "$INS" "$BR" super
	grep -q '^feat_incompat .* branches' "$OUT" && grep -q '^delta magic .*(ok)' "$OUT" &&
		grep -q '^delta crc .*(ok)' "$OUT" &&
		grep -qE '^delta pages +1022 of 4 KiB from \+0x2000$' "$OUT" &&
		grep -qE '^free pages +1021 of 1022 ' "$OUT" &&
		grep -qE '^first_ino +[0-9]+$' "$OUT" &&
		grep -qE '^mounts +0 of 64 slots in use' "$OUT" &&
		pass "super: branching features, v3 delta header, free pages, mounts" ||
		fail "super -b: $(grep -E 'feat_incompat|delta|free|mounts' "$OUT")"
	run "$INS" "$BR" check
	[ "$RC" -eq 0 ] && [ "$(wc -l <"$OUT")" -eq 1 ] &&
		grep -q "main's logs: 0 records in 0 transactions, 1 chunk" "$OUT" &&
		pass "check: branching image clean" || fail "check -b: $(head -n 3 "$OUT")"
fi

# --- a log written by the core's writer (tests/host/mklog.c) ---------------------------------
ML=$SAN/tests/mklog
if [ -n "$BR" ] && [ ! -x "$ML" ]; then
	fail "log: $ML missing (run make san)"
	BR=
fi
if [ -n "$BR" ]; then
	M=$T/mirror
	cp -a "$S" "$M"
	LI=$T/log.img
	cp "$BR" "$LI"
	if ! "$ML" "$LI" none "$M" >"$T/ml.out" 2>&1; then
		fail "log: mklog: $(head -n 2 "$T/ml.out")"
		BR=
	fi
fi
if [ -n "$BR" ]; then
	run "$INS" "$LI" log main
	types=$(awk '$1 ~ /^[0-9]+$/ { print $2 }' "$OUT" | sort -u | tr '\n' ' ')
	if [ "$RC" -eq 0 ] &&
	   [ "$types" = "dirent-add dirent-del inode inode-free map punch truncate xattr-del xattr-set " ] &&
	   [ "$(grep -c '^chunk [0-9]* at delta page [0-9]*, lsn [0-9]*' "$OUT")" -ge 3 ] &&
	   grep -q 'continues here' "$OUT" && grep -q '\[txn end\]$' "$OUT" &&
	   grep -qE '^tail at lsn [0-9]+; [0-9]+ records in [0-9]+ transactions, [0-9]+ chunks$' "$OUT" &&
	   grep -q ' dirent-add .* "page-moved" -> [0-9]* (file) cookie ' "$OUT" &&
	   grep -q ' xattr-set .* "user.mklog" (2 bytes: "v1")' "$OUT" &&
	   grep -q ' map .* file page 0 -> delta page ' "$OUT" &&
	   grep -q ' inode .* new lrwxrwxrwx .* -> "file"' "$OUT"; then
		pass "log: the writer's log decoded: every record type, chunks, transactions"
	else
		fail "log: exit $RC, types '$types': $(tail -n 2 "$OUT") $(head -c 200 "$ERR")"
	fi
	records=$(sed -n 's/^tail at lsn [0-9]*; \([0-9]*\) records.*/\1/p' "$OUT")
	run "$INS" "$LI" log '#0'
	[ "$RC" -eq 0 ] && grep -q "; $records records in" "$OUT" &&
		pass "log: branch by slot number" || fail "log #0: exit $RC"

	# the files as they are now: base + main's log
	run "$INS" "$LI" ls /
	if [ "$RC" -eq 0 ] && grep -q ' new$' "$OUT" && grep -q ' many$' "$OUT" &&
	   grep -q ' file-link$' "$OUT" && ! grep -q ' empty_file$' "$OUT"; then
		pass "ls: shows the current view (made, kept, deleted names)"
	else
		fail "ls current view: $(cat "$OUT" "$ERR")"
	fi
	run "$INS" "$LI" ls /new
	[ "$RC" -eq 0 ] && grep -q ' page-moved$' "$OUT" && grep -q ' link -> file$' "$OUT" &&
		grep -qE '^-rw-r--r-- +2 .* 18 .* file$' "$OUT" &&
		pass "ls: a directory made in the log" || fail "ls /new: $(cat "$OUT" "$ERR")"
	ok=1
	for f in hello new/file new/big new/page-moved random many/f00 file-link new/f06 \
		 sub/hello_link sparse; do
		run "$INS" "$LI" cat "$f"
		if [ "$RC" -ne 0 ] || ! cmp -s "$OUT" "$M/$f"; then
			ok=0
			fail "cat current view: $f differs (exit $RC) $(head -c 200 "$ERR")"
		fi
	done
	[ $ok = 1 ] && pass "cat: files as the log left them (overwritten, truncated, holes, moved)"
	expect_rc "cat: a file the log deleted" 1 "$INS" "$LI" cat empty_file
	run "$INS" "$LI" cat new/link
	cmp -s "$OUT" "$M/new/file" && pass "cat: follows a symlink made in the log" ||
		fail "cat new/link: $(cat "$ERR")"
	run "$INS" "$LI" inodes
	want=$(find "$M" -printf '%i\n' | sort -u | wc -l)
	got=$(grep -vc -e '^ *ino ' -e '(deleted)$' "$OUT")
	[ "$RC" -eq 0 ] && [ "$got" -eq "$want" ] && [ "$(grep -c '(deleted)$' "$OUT")" -eq 3 ] &&
		pass "inodes: the current inodes ($got), deleted base ones marked" ||
		fail "inodes: $got live lines, want $want (exit $RC)"
	mkdir "$T/lx"
	expect_rc "extract: the current view" 0 "$INS" "$LI" extract "$T/lx"
	"$TC" "$M" "$T/lx" >"$T/tc.log" 2>&1 && pass "extract: the current view equals the mirror tree" ||
		fail "extract current view: treecmp: $(head -n 3 "$T/tc.log")"
	run "$INS" "$LI" check
	[ "$RC" -eq 0 ] && [ "$(wc -l <"$OUT")" -eq 1 ] &&
		grep -q "^clean: .*; main's logs: $records records in " "$OUT" &&
		pass "check: the writer's log replays, the bitmap agrees" ||
		fail "check log.img: exit $RC: $(head -n 3 "$OUT")"

	# damaged logs: each damage detected, named, a non-zero exit
	# damaged NAME: a copy of br.img with the scenario and damage NAME;
	# sets WHERE to the number mklog printed.
	damaged() {
		cp "$BR" "$T/d_$1.img"
		WHERE=$("$ML" "$T/d_$1.img" "$1" 2>"$ERR" | sed -n "s/^$1 //p")
		[ -n "$WHERE" ] || fail "mklog $1: $(cat "$ERR")"
		DI=$T/d_$1.img
	}
	# bad_log NAME NEEDLE: log and check exit 1 naming NEEDLE, ls refuses.
	bad_log() {
		run "$INS" "$DI" log main
		if [ "$RC" -eq 1 ] && one_err && grep -qF -- "$2" "$ERR" &&
		   [ "$(grep -c '^ *[0-9]\+ [a-z]' "$OUT")" -gt 0 ]; then
			pass "log: $1: records up to the damage, then one line: $2"
		else
			fail "log $1: exit $RC, want 1 and \"$2\": $(cat "$ERR")"
		fi
		run "$INS" "$DI" check
		[ "$RC" -eq 1 ] && grep -qF -- "$2" "$OUT" && grep -q 'problem' "$OUT" &&
			pass "check: $1 reported" || fail "check $1: exit $RC: $(head -n 2 "$OUT")"
		expect_rc "ls: $1: refused with one line" 1 "$INS" "$DI" ls /
	}
	# bad_space NAME NEEDLE: log fine, check exit 1 naming NEEDLE.
	bad_space() {
		run "$INS" "$DI" log main
		[ "$RC" -eq 0 ] || fail "log $1: exit $RC: $(cat "$ERR")"
		run "$INS" "$DI" check
		[ "$RC" -eq 1 ] && grep -qF -- "$2" "$OUT" &&
			pass "check: $1: \"$2\", exit 1" ||
			fail "check $1: exit $RC, want \"$2\": $(head -n 3 "$OUT")"
	}
	damaged badrec
	bad_log "a record byte flipped" "log: damaged record (branch 0, log position $WHERE)"
	damaged badlink
	bad_log "a chunk link broken" "log: damaged chunk or chunk link (branch 0"
	damaged torn
	bad_log "a torn transaction at the tail" "log: a transaction is cut at the tail (branch 0, log position $WHERE)"
	damaged leak
	bad_space "a leaked page" "delta: page $WHERE marked in use, but nothing uses it (leaked)"
	damaged double
	bad_space "a page used twice" "delta: page $WHERE used twice: by branch slot 0: inode"
	damaged unmarked
	bad_space "a page in use, not marked" "delta: page $WHERE used by branch slot 0: inode"
	damaged groups
	run "$INS" "$DI" check
	[ "$RC" -eq 0 ] && grep -q '^warning: delta: group 0 counts .* (the counts are hints)' "$OUT" &&
		grep -q '^clean: ' "$OUT" &&
		pass "check: a wrong group count is a warning, exit 0" ||
		fail "check groups: exit $RC: $(head -n 2 "$OUT")"
	damaged stale
	run "$INS" "$DI" check
	[ "$RC" -eq 0 ] && grep -q "^warning: $WHERE log chunks linked past the tail" "$OUT" &&
		pass "check: chunks of an unpublished commit are a warning, not leaks" ||
		fail "check stale: exit $RC: $(head -n 3 "$OUT")"
	run "$INS" "$DI" log main
	[ "$RC" -eq 0 ] && grep -q 'links to delta page [0-9]* past the tail' "$OUT" &&
		pass "log: notes chunks linked past the tail" || fail "log stale: exit $RC"
	# well-formed records that make the tree no tree: replay takes them
	damaged cycle
	run "$INS" "$DI" check
	[ "$RC" -eq 1 ] && grep -q '^view: /new/up: directory 1 reached a second time' "$OUT" &&
		pass "check: a directory cycle made by the log" ||
		fail "check cycle: exit $RC: $(head -n 3 "$OUT")"
	timeout 60 "$INS" "$DI" extract "$T/cx" >"$OUT" 2>"$ERR"
	rc=$?
	[ "$rc" -eq 1 ] && grep -q 'new/up: directory reached twice' "$ERR" &&
		pass "extract: stops at a directory cycle, exit 1" ||
		fail "extract cycle: exit $rc: $(head -n 2 "$ERR")"
fi

# --- -b BRANCH: the files as a branch shows them (tests/host/mkbranch.c) -------------
# Branches made on the host by the core (the table by btable.c, changes
# by fsdrv's writer): a, a child of main, adds, deletes and changes files;
# a1, a child of a, has changes of its own; b is a's sibling.  After a1
# forked, a's log is written on past the fork (force-put, as no kernel
# does): a1 must see a only as it was at the fork.
MB=$SAN/tests/mkbranch
if [ ! -x "$MB" ]; then
	fail "inspect -b: $MB missing (run make san)"
	MB=
fi
S3=$T/bsrc
mkdir -p "$S3/d"
printf 'base\n' >"$S3/hello"
printf 'gone\n' >"$S3/gone"
printf 'keep\n' >"$S3/keep"
printf 'deep\n' >"$S3/d/deep"
BI=$T/branches.img
if [ -n "$MB" ] && ! "$MK" -q -b --delta-size 4M -d "$S3" -o "$BI" >"$T/mk.log" 2>&1; then
	fail "inspect -b: mkdaxfs -b: $(head -n 1 "$T/mk.log")"
	MB=
fi
if [ -n "$MB" ] && ! "$MB" "$BI" \
	put main /mainfile 'in main' \
	create a main \
	put a /hello 'in a' rm a /gone put a /d/added 'added in a' \
	create a1 a \
	put a1 /hello 'in a1' rm a1 /keep put a1 /a1file 'in a1' \
	create b main \
	put b /hello 'in b' \
	force-put a /late 'a, after a1 forked' >"$T/mb.out" 2>&1; then
	fail "inspect -b: mkbranch: $(head -n 2 "$T/mb.out")"
	MB=
fi
# mirror DIR FILE=TEXT...: the tree a view must extract to
mirror() {
	local d=$1 kv
	shift
	mkdir -p "$d/d"
	printf 'deep\n' >"$d/d/deep"
	for kv in "$@"; do
		printf '%s' "${kv#*=}" >"$d/${kv%%=*}"
	done
}
# same_view NAME OPTS MIRROR: extract and inodes of the view match MIRROR
same_view() {
	local name=$1 opts=$2 m=$3 want got
	rm -rf "$T/bx"
	# shellcheck disable=SC2086
	run "$INS" $opts "$BI" extract "$T/bx"
	if [ "$RC" -eq 0 ] && diff -r "$m" "$T/bx" >"$T/diff.out" 2>&1; then
		pass "inspect -b: $name: extract gives the branch's tree"
	else
		fail "inspect -b: $name: extract (exit $RC): $(head -n 3 "$T/diff.out" "$ERR")"
	fi
	want=$(find "$m" | wc -l)
	# shellcheck disable=SC2086
	run "$INS" $opts "$BI" inodes
	got=$(grep -vc -e '^ *ino ' -e '(deleted)$' "$OUT")
	[ "$RC" -eq 0 ] && [ "$got" -eq "$want" ] &&
		pass "inspect -b: $name: inodes lists the branch's $got inodes" ||
		fail "inspect -b: $name: inodes: $got live, want $want (exit $RC)"
}
# cat_is NAME WANT ARGS...: cat prints exactly WANT, exit 0
cat_is() {
	local name=$1 want=$2
	shift 2
	run "$INS" "$@"
	[ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = "$want" ] &&
		pass "inspect -b: $name" ||
		fail "inspect -b: $name: exit $RC, got '$(head -c 80 "$OUT")' want '$want' $(head -c 200 "$ERR")"
}
# has_entries NAME "YES..." "NO..." ARGS...: ls lists every YES, no NO
has_entries() {
	local name=$1 yes=$2 no=$3 e ok=1
	shift 3
	run "$INS" "$@"
	[ "$RC" -eq 0 ] || ok=0
	for e in $yes; do grep -q " $e\$" "$OUT" || ok=0; done
	for e in $no; do grep -q " $e\$" "$OUT" && ok=0; done
	[ $ok = 1 ] && pass "inspect -b: $name" ||
		fail "inspect -b: $name: exit $RC: $(tr '\n' '|' <"$OUT") $(head -c 200 "$ERR")"
}
if [ -n "$MB" ]; then
	slot_a1=$(sed -n 's/^a1 //p' "$T/mb.out")
	# the branch's own changes, and main without -b
	cat_is "a: a file changed in the branch" "in a" -b a "$BI" cat hello
	cat_is "a: a file added in the branch" "added in a" -b a "$BI" cat d/added
	has_entries "a: a file deleted in the branch is not listed" \
		"hello keep mainfile late" "gone" -b a "$BI" ls /
	expect_rc "inspect -b: a: cat of the deleted file fails" 1 "$INS" -b a "$BI" cat gone
	cat_is "main: without -b the changed file is the base's" "base" "$BI" cat hello
	has_entries "main: without -b the deleted file is there, the branches' are not" \
		"gone hello keep mainfile" "late a1file" "$BI" ls /
	has_entries "main: without -b no file added in a" "deep" "added" "$BI" ls /d
	expect_rc "inspect -b: main: a's added file is not main's" 1 "$INS" "$BI" cat d/added
	run "$INS" "$BI" ls /
	cp "$OUT" "$T/main.ls"
	run "$INS" -b main "$BI" ls /
	[ "$RC" -eq 0 ] && cmp -s "$OUT" "$T/main.ls" &&
		pass "inspect -b: -b main is the view without -b" ||
		fail "inspect -b: -b main differs from no -b (exit $RC)"
	# a sibling sees none of a's changes
	cat_is "b: a sibling's own change" "in b" --branch b "$BI" cat hello
	has_entries "b: none of its sibling's changes" "gone keep mainfile" \
		"late a1file" -b b "$BI" ls /
	# a child: its parent's changes as at the fork, then its own
	cat_is "a1: the parent's added file, as at the fork" "added in a" \
		-b a1 "$BI" cat d/added
	cat_is "a1: its own change over the parent's" "in a1" -b a1 "$BI" cat hello
	has_entries "a1: the parent's delete and its own; not what the parent wrote after the fork" \
		"a1file hello mainfile" "gone keep late" -b a1 "$BI" ls /
	has_entries "a: not its child's changes" "keep late" "a1file" -b a "$BI" ls /
	run "$INS" -b a1 "$BI" ls /
	cp "$OUT" "$T/a1.ls"
	run "$INS" -b "#$slot_a1" "$BI" ls /
	[ -n "$slot_a1" ] && [ "$RC" -eq 0 ] && cmp -s "$OUT" "$T/a1.ls" &&
		pass "inspect -b: #SLOT names the same branch as its name" ||
		fail "inspect -b: -b #$slot_a1 (exit $RC): $(head -c 200 "$ERR")"
	mirror "$T/m_main" gone=$'gone\n' hello=$'base\n' keep=$'keep\n' mainfile='in main'
	mirror "$T/m_a" hello='in a' keep=$'keep\n' mainfile='in main' d/added='added in a' \
		late='a, after a1 forked'
	mirror "$T/m_a1" hello='in a1' mainfile='in main' d/added='added in a' a1file='in a1'
	same_view main "" "$T/m_main"
	same_view a "-b a" "$T/m_a"
	same_view a1 "-b a1" "$T/m_a1"

	run "$INS" --help
	[ "$RC" -eq 0 ] && grep -q '^  -b, --branch BRANCH$' "$OUT" &&
		grep -q '^Usage: daxfs-inspect \[-b BRANCH\]' "$OUT" &&
		pass "inspect -b: --help lists -b" || fail "inspect -b: --help: no -b"

	# errors: one line, exit 1 (the image) or 2 (the command line)
	expect_rc "inspect -b: unknown branch" 1 "$INS" -b nosuch "$BI" ls /
	grep -q 'no branch named nosuch' "$ERR" || fail "inspect -b: unknown: message $(cat "$ERR")"
	expect_rc "inspect -b: a free slot" 1 "$INS" -b '#200' "$BI" ls /
	grep -q 'slot 200 is free' "$ERR" || fail "inspect -b: free slot: message $(cat "$ERR")"
	expect_rc "inspect -b: a slot past the table" 1 "$INS" -b '#256' "$BI" cat hello
	grep -q 'no slot 256' "$ERR" || fail "inspect -b: #256: message $(cat "$ERR")"
	expect_rc "inspect -b: on an image without branches" 1 "$INS" -b main "$IMG" ls /
	grep -q 'has no branches' "$ERR" || fail "inspect -b: plain image: message $(cat "$ERR")"
	expect_rc "inspect -b: a missing file in the branch" 1 "$INS" -b a1 "$BI" cat keep
	for c in super check branches "log a"; do
		# shellcheck disable=SC2086
		expect_rc "inspect -b: refused with $c" 2 "$INS" -b a "$BI" $c
		grep -q -- "-b applies to inodes, ls, cat and extract, not to ${c% *}" "$ERR" ||
			fail "inspect -b: with $c: message $(cat "$ERR")"
	done
	expect_rc "inspect -b: not a branch name" 2 "$INS" -b 'a/b' "$BI" ls /
	expect_rc "inspect -b: #SLOT not a number" 2 "$INS" -b '#x' "$BI" ls /
	expect_rc "inspect -b: without its argument" 2 "$INS" -b

	# a1 committed into main: a and b discarded, a1 absorbed into main
	cp "$BI" "$T/committed.img"
	if "$MB" "$T/committed.img" commit a1 main >"$T/mb.out" 2>&1; then
		for br in a b; do
			expect_rc "inspect -b: commit: $br is discarded" 1 \
				"$INS" -b $br "$T/committed.img" ls /
			grep -q "branch $br (slot [0-9]*) is discarded" "$ERR" ||
				fail "inspect -b: discarded $br: message $(cat "$ERR")"
		done
		expect_rc "inspect -b: commit: a1 is absorbed" 1 "$INS" -b a1 "$T/committed.img" cat hello
		grep -qF "branch a1 (slot $slot_a1) is absorbed (by a commit or a fold): its changes are main's now (-b main)" "$ERR" ||
			fail "inspect -b: absorbed: message $(cat "$ERR")"
		expect_rc "inspect -b: commit: a1 by its slot is absorbed too" 1 \
			"$INS" -b "#$slot_a1" "$T/committed.img" cat hello
		run "$INS" "$T/committed.img" ls /
		[ "$RC" -eq 0 ] && cmp -s "$OUT" "$T/a1.ls" &&
			pass "inspect -b: commit: main now shows a1's view (a cut at the fork)" ||
			fail "inspect -b: commit: main: $(tr '\n' '|' <"$OUT")"
	else
		fail "inspect -b: mkbranch commit: $(head -n 2 "$T/mb.out")"
	fi
	# a aborted: its child a1 goes with it, b stays
	cp "$BI" "$T/aborted.img"
	if "$MB" "$T/aborted.img" abort a >"$T/mb.out" 2>&1; then
		expect_rc "inspect -b: abort: a is discarded" 1 "$INS" -b a "$T/aborted.img" ls /
		expect_rc "inspect -b: abort: a's child is discarded" 1 "$INS" -b a1 "$T/aborted.img" ls /
		grep -q 'branch a1 (slot [0-9]*) is discarded' "$ERR" ||
			fail "inspect -b: abort: a1 message $(cat "$ERR")"
		cat_is "abort: the sibling is still there" "in b" -b b "$T/aborted.img" cat hello
	else
		fail "inspect -b: mkbranch abort: $(head -n 2 "$T/mb.out")"
	fi
fi

# --- hostile images: random damage never crashes any command --------------------------------
meta_end=$((data_off < 65536 ? data_off : 65536))
crashes=0 checked=0
for i in $(seq 1 40); do
	cp "$IMG" "$T/fuzz.img"
	for k in 1 2 3; do
		corrupt "$T/fuzz.img" $(( inodes_off + (RANDOM * 32768 + RANDOM) % (meta_end - inodes_off) ))
	done
	rm -rf "$T/fx"
	for cmd in "check" "super" "inodes" "ls /" "ls /sub" "cat /random" \
		   "extract $T/fx" "branches"; do
		# A damaged size can make /random a valid sparse file of
		# exabytes, which cat rightly spends forever writing out:
		# only cat may run into the time limit.
		# shellcheck disable=SC2086
		timeout 60 "$INS" "$T/fuzz.img" $cmd >/dev/null 2>"$ERR"
		rc=$?
		checked=$((checked + 1))
		[ "$rc" = 124 ] && [ "$cmd" = "cat /random" ] && rc=0
		if [ "$rc" -gt 2 ] || grep -qE 'Sanitizer|runtime error' "$ERR"; then
			crashes=$((crashes + 1))
			cp "$T/fuzz.img" "/tmp/daxfs-inspect-crash.$i.img"
			echo "    crash: $cmd exit $rc, image kept in /tmp/daxfs-inspect-crash.$i.img"
			head -n 3 "$ERR" | sed 's/^/    /'
		fi
	done
done
[ "$crashes" -eq 0 ] && pass "hostile: $checked runs on damaged images, no crash" ||
	fail "hostile: $crashes of $checked runs crashed"

# The same for the delta region of an image with a log: the delta header,
# bitmap, group counts, main's chunks and records, and main's slot.
if [ -n "$BR" ]; then
	delta_off=$(( $(od -An -tu8 -j 208 -N 8 "$LI") ))
	branch_off=$(( $(od -An -tu8 -j 80 -N 8 "$LI") ))
	span=$(( 64 * 4096 ))
	crashes=0 checked=0
	for i in $(seq 1 30); do
		cp "$LI" "$T/fuzz.img"
		for k in 1 2 3; do
			r=$(( (RANDOM * 32768 + RANDOM) % (span + 128) ))
			if [ "$r" -ge "$span" ]; then
				corrupt "$T/fuzz.img" $(( branch_off + r - span ))
			else
				corrupt "$T/fuzz.img" $(( delta_off + r ))
			fi
		done
		rm -rf "$T/fx"
		for cmd in "check" "super" "branches" "log main" "inodes" "ls /" \
			   "ls /new" "cat /new/big" "extract $T/fx"; do
			# shellcheck disable=SC2086
			timeout 60 "$INS" "$T/fuzz.img" $cmd >/dev/null 2>"$ERR"
			rc=$?
			checked=$((checked + 1))
			if [ "$rc" -gt 2 ] || grep -qE 'Sanitizer|runtime error' "$ERR"; then
				crashes=$((crashes + 1))
				cp "$T/fuzz.img" "/tmp/daxfs-inspect-crash.log$i.img"
				echo "    crash: $cmd exit $rc, image kept in /tmp/daxfs-inspect-crash.log$i.img"
				head -n 3 "$ERR" | sed 's/^/    /'
			fi
		done
	done
	[ "$crashes" -eq 0 ] && pass "hostile: $checked runs on images with a damaged delta region, no crash" ||
		fail "hostile: delta region: $crashes of $checked runs crashed"
fi

# The same for -b: the branch table's used slots and the branches' logs.
if [ -n "$MB" ]; then
	delta_off=$(( $(od -An -tu8 -j 208 -N 8 "$BI") ))
	branch_off=$(( $(od -An -tu8 -j 80 -N 8 "$BI") ))
	span=$(( 24 * 4096 ))
	crashes=0 checked=0
	for i in $(seq 1 15); do
		cp "$BI" "$T/fuzz.img"
		for k in 1 2; do
			r=$(( (RANDOM * 32768 + RANDOM) % (span + 512) ))
			if [ "$r" -ge "$span" ]; then
				corrupt "$T/fuzz.img" $(( branch_off + r - span ))
			else
				corrupt "$T/fuzz.img" $(( delta_off + r ))
			fi
		done
		rm -rf "$T/fx"
		for cmd in "-b a1 ls /" "-b a inodes" "-b #2 cat hello" "-b b cat d/deep" \
			   "-b a1 extract $T/fx" "-b nosuch ls /"; do
			# shellcheck disable=SC2086
			timeout 60 "$INS" ${cmd%% *} $(echo "$cmd" | cut -d' ' -f2) \
				"$T/fuzz.img" $(echo "$cmd" | cut -d' ' -f3-) >/dev/null 2>"$ERR"
			rc=$?
			checked=$((checked + 1))
			if [ "$rc" -gt 2 ] || grep -qE 'Sanitizer|runtime error' "$ERR"; then
				crashes=$((crashes + 1))
				cp "$T/fuzz.img" "/tmp/daxfs-inspect-crash.br$i.img"
				echo "    crash: $cmd exit $rc, image kept in /tmp/daxfs-inspect-crash.br$i.img"
				head -n 3 "$ERR" | sed 's/^/    /'
			fi
		done
	done
	[ "$crashes" -eq 0 ] && pass "hostile: $checked runs of -b on images with a damaged branch table or logs, no crash" ||
		fail "hostile: -b: $crashes of $checked runs crashed"
fi
exit 0

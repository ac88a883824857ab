#!/bin/bash
# daxfs-inspect command line: every command, its errors and exit codes,
# path resolution, and damaged images (one line per problem, no crash).
# A branching image gets a log from the core's writer (tests/host/mklog.c,
# the same operations done on a mirror of the source tree): log decodes
# it, ls/cat/inodes/extract show the current view (the extract must equal
# the mirror), check replays it; then each damage mklog can make is named
# by log and check with a non-zero exit.
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
	bad_space "a page used twice" "delta: page $WHERE used twice: by inode"
	damaged unmarked
	bad_space "a page in use, not marked" "delta: page $WHERE used by inode"
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
exit 0

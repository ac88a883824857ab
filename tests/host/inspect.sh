#!/bin/bash
# daxfs-inspect command line: every command, its errors and exit codes,
# path resolution, and damaged images (one line per problem, no crash).
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
if "$MK" -q -b --delta-size 4M -d "$S" -o "$T/br.img" >"$T/mk.log" 2>&1; then
	run "$INS" "$T/br.img" branches
	[ "$RC" -eq 0 ] && grep -qE '^ +0 main +- +live' "$OUT" &&
		grep -q '^1 of [0-9]* slots in use' "$OUT" &&
		pass "branches: main listed" || fail "branches -b: $(cat "$OUT" "$ERR")"
	run "$INS" "$T/br.img" log main
	[ "$RC" -eq 0 ] && grep -q 'log empty' "$OUT" &&
		pass "log: main's empty log" || fail "log main: $(cat "$OUT" "$ERR")"
	expect_rc "log: unknown branch" 1 "$INS" "$T/br.img" log nosuch
	run "$INS" "$T/br.img" super
	grep -q '^feat_incompat .* branches' "$OUT" && grep -q '^delta magic .*(ok)' "$OUT" &&
		pass "super: branching features and delta header" ||
		fail "super -b: $(grep -E 'feat_incompat|delta' "$OUT")"
	run "$INS" "$T/br.img" check
	[ "$RC" -eq 0 ] && pass "check: branching image clean" || fail "check -b: $(head -n 3 "$OUT")"
	# A hand-made log (tests/host/mklog.c): two chunks, every record type.
	ML=$SAN/tests/mklog
	for m in good badrec cycle; do
		cp "$T/br.img" "$T/log_$m.img"
		"$ML" "$T/log_$m.img" "$m" || fail "log: mklog $m failed"
	done
	run "$INS" "$T/log_good.img" log main
	types=$(awk '$2 == "seq" { print $4 }' "$OUT" | tr '\n' ' ')
	if [ "$RC" -eq 0 ] && [ "$types" = "inode dentry-add write truncate xattr-set xattr-del rename dentry-del " ] &&
	   grep -q '^8 records in 2 chunks$' "$OUT" &&
	   grep -q 'rename .* "hello" -> "world"$' "$OUT" &&
	   grep -q 'xattr-set .* "user.foo" (3 value bytes)$' "$OUT"; then
		pass "log: two chained chunks, every record type decoded"
	else
		fail "log good: exit $RC, types '$types'"
	fi
	run "$INS" "$T/log_badrec.img" log main
	[ "$RC" -eq 1 ] && [ "$(grep -c ' seq ' "$OUT")" -eq 4 ] &&
		grep -q 'record at +0x[0-9a-f]*: does not verify' "$OUT" &&
		pass "log: stops at a record that does not verify, exit 1" ||
		fail "log badrec: exit $RC: $(tail -n 1 "$OUT")"
	run "$INS" "$T/log_cycle.img" log main
	[ "$RC" -eq 1 ] && grep -q 'reached twice' "$OUT" &&
		[ "$(grep -c ' seq ' "$OUT")" -eq 8 ] &&
		pass "log: chunk cycle detected, exit 1" ||
		fail "log cycle: exit $RC: $(tail -n 1 "$OUT")"
	run "$INS" "$T/log_good.img" check
	[ "$RC" -eq 0 ] && pass "check: walks a valid branch log" ||
		fail "check log_good: exit $RC: $(head -n 2 "$OUT")"
	run "$INS" "$T/log_badrec.img" check
	[ "$RC" -eq 1 ] && grep -q '^branch main: log: record at .*does not verify' "$OUT" &&
		pass "check: reports a damaged log record" ||
		fail "check log_badrec: exit $RC: $(head -n 2 "$OUT")"
	run "$INS" "$T/log_good.img" log '#0'
	[ "$RC" -eq 0 ] && grep -q '^8 records' "$OUT" &&
		pass "log: branch by slot number" || fail "log #0: exit $RC"
else
	fail "branches: mkdaxfs -b: $(head -n 1 "$T/mk.log")"
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
exit 0

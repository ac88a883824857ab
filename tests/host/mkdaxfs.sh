#!/bin/bash
# mkdaxfs command line: every option, every error case, exit codes, no
# partial output on failure, and what ends up in the image (checked with
# tests/host/mkdaxfs_probe.c, an independent reader built on libdaxfs).
# Runs the sanitized build (make san).  Needs root (devices, owners,
# trusted.* xattrs, setpriv to nobody for the permission tests).
set -u
. "$(dirname "$0")/../lib.sh"

MK=$SAN/mkdaxfs
PROBE=$SAN/tests/mkdaxfs_probe
for b in "$MK" "$PROBE"; do
	if [ ! -x "$b" ]; then
		fail "mkdaxfs: $b not built (make san)"
		exit 0
	fi
done

W=$(mktemp -d /tmp/mkdaxfs-test.XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 755 "$W"

# mk ARGS...: run mkdaxfs; sets RC, OUT (stdout), ERR (stderr).
mk() {
	"$MK" "$@" >"$W/out" 2>"$W/err"
	RC=$?
	OUT=$(cat "$W/out")
	ERR=$(cat "$W/err")
}

# t NAME COND...: PASS if the shell condition holds, else FAIL with
# the last command's exit code and stderr.
t() {
	local name=$1
	shift
	if eval "$@"; then
		pass "mkdaxfs: $name"
	else
		fail "mkdaxfs: $name: [$*] rc=$RC err='$ERR'"
	fi
}

# nothing_left DIR: no image and no temporary file left in DIR
nothing_left() {
	[ -z "$(ls -A "$1")" ]
}

# ---- a small tree with every file type ----
S=$W/src
mkdir -p "$S/a/b" "$S/empty"
printf 'hello\n' >"$S/f"
ln "$S/f" "$S/a/hl"
ln "$S/f" "$S/a/b/hl2"
ln -s ../f "$S/a/ln"
mkfifo "$S/fifo"
mknod "$S/chr" c 1 3
mknod "$S/blk" b 8 1
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$S/sock" 2>/dev/null
head -c 10000 /dev/urandom >"$S/a/b/rand"
head -c 4096 /dev/urandom >"$S/page"
truncate -s 10M "$S/sparse"
printf 'A' | dd of="$S/sparse" bs=1 seek=0 conv=notrunc 2>/dev/null
printf 'B' | dd of="$S/sparse" bs=1 seek=$((5 * 1024 * 1024 + 7)) \
	conv=notrunc 2>/dev/null
truncate -s 1M "$S/holes"
chmod 4755 "$S/page"
chown 1234:5678 "$S/a/b/rand"
touch -d '2001-02-03 04:05:06.123456789' "$S/a/b/rand"
setfattr -n user.zeta -v z "$S/f"
setfattr -n user.alpha -v a "$S/f"
setfattr -n trusted.t -v tv "$S/f"
setfattr -n security.capability \
	-v 0x0100000200100000000000000000000000000000 "$S/page"
setfattr -h -n trusted.l -v lv "$S/a/ln"
setfattr -n user.d -v dv "$S/a"

# Reading directories (find) may set their atime once (relatime): do it
# now, before the first build, so that all builds see the same tree.
NINO=$(find "$S" -printf '%i\n' | sort -u | wc -l)
NEWEST=$(find "$S" -printf "%T@\n" | cut -d. -f1 | sort -n | tail -1)

# ---- --help and usage errors (exit 2) ----
mk --help
t "--help exits 0" '[ $RC -eq 0 ]'
t "--help prints usage on stdout" '[[ $OUT == Usage:\ mkdaxfs* ]] && [ -z "$ERR" ]'
mk -h
t "-h exits 0" '[ $RC -eq 0 ] && [[ $OUT == Usage:* ]]'

usage_case() {	# usage_case NAME EXPECTED-TEXT ARGS...
	local name=$1 want=$2
	shift 2
	mkdir -p "$W/u"
	mk "$@"
	t "usage: $name: exit 2" '[ $RC -eq 2 ]'
	t "usage: $name: message" '[[ $ERR == *"$want"* ]] &&
		[[ $ERR == *"Try '"'"'mkdaxfs --help'"'"'."* ]] &&
		[ "$(wc -l <"$W/err")" -eq 2 ]'
	t "usage: $name: no output" 'nothing_left "$W/u"'
	rm -rf "$W/u"
}
usage_case "no arguments" "no source"
usage_case "no target" "no target" -d "$S"
usage_case "unknown short option" "unknown option '-z'" -d "$S" -o "$W/u/x" -z
usage_case "unknown long option" "unknown option '--bogus'" \
	-d "$S" -o "$W/u/x" --bogus
usage_case "missing argument" "needs an argument" -d "$S" -o
usage_case "missing long argument" "'--delta-size' needs an argument" \
	-d "$S" -o "$W/u/x" -b --delta-size
usage_case "bad size" "invalid size 'abc'" -d "$S" -o "$W/u/x" -s abc
usage_case "negative size" "invalid size" -d "$S" -o "$W/u/x" -s -4096
usage_case "zero size" "invalid size" -d "$S" -o "$W/u/x" -s 0
usage_case "unaligned size" "not a multiple of 4 KiB" \
	-d "$S" -o "$W/u/x" -s 10000
usage_case "size overflow" "invalid size" -d "$S" -o "$W/u/x" -s 99999999999T
usage_case "size too large" "too large" -d "$S" -o "$W/u/x" -s 2000000T
usage_case "--delta-size without -b" "--delta-size needs -b" \
	-d "$S" -o "$W/u/x" --delta-size 1M
usage_case "--delta-size too small" "too small" \
	-d "$S" -o "$W/u/x" -b --delta-size 4K
usage_case "-o and -p" "cannot be combined" -d "$S" -o "$W/u/x" \
	-p 0x100000000 -s 1M
usage_case "-p without -s" "-p needs -s" -d "$S" -p 0x100000000
usage_case "-p bad address" "invalid address" -d "$S" -p zz -s 1M
usage_case "-p unaligned" "not 4 KiB aligned" -d "$S" -p 0x1001 -s 1M
usage_case "-H without -m" "-H needs -s SIZE and -m MNT" \
	-d "$S" -H /dev/dma_heap/system -s 1M
usage_case "-m without -H" "-m is only used with -H" \
	-d "$S" -o "$W/u/x" -m /mnt
usage_case "-d and --tar" "cannot be combined" -d "$S" --tar - -o "$W/u/x"
usage_case "extra argument" "unexpected argument 'extra'" \
	-d "$S" -o "$W/u/x" extra

# ---- options parsed but not available yet (exit 1) ----
mkdir -p "$W/u"
mk --tar - -o "$W/u/x"
t "--tar: not available yet" '[ $RC -eq 1 ] &&
	[ "$ERR" = "mkdaxfs: --tar: not available yet" ] && nothing_left "$W/u"'

# ---- a plain build ----
mkdir -p "$W/o"
mk -d "$S" -o "$W/o/img"
t "build exits 0" '[ $RC -eq 0 ]'
t "build: stderr empty when not a terminal" '[ -z "$ERR" ]'
t "build: summary on stdout" '[[ $OUT == "$W/o/img: $NINO inodes, "* ]]'
t "build: only the image in the output directory" \
	'[ "$(ls -A "$W/o")" = img ]'
t "build: size is a 4 KiB multiple" '[ $(( $(stat -c %s "$W/o/img") % 4096 )) -eq 0 ]'
mk -q -d "$S" -o "$W/o/q.img"
t "-q: silent" '[ $RC -eq 0 ] && [ -z "$OUT$ERR" ]'
if command -v script >/dev/null; then
	script -qec "'$MK' -q -d '$S' -o '$W/o/tty.img'" /dev/null \
		>"$W/tty" 2>&1
	RC=$?
	ERR=$(cat "$W/tty")
	t "-q: nothing on a terminal either" '[ $RC -eq 0 ] && [ ! -s "$W/tty" ]'
	rm -f "$W/o/tty.img"
fi
t "image mode follows umask" '[ "$(stat -c %a "$W/o/q.img")" = \
	"$(touch "$W/o/m"; stat -c %a "$W/o/m")" ]'
rm -f "$W/o/m"

"$PROBE" "$W/o/img" >"$W/probe" 2>"$W/probe.err"
RC=$?
ERR=$(cat "$W/probe.err")
t "image opens with libdaxfs" '[ $RC -eq 0 ]'
line() { awk -v p="$1" '$1 == p' "$W/probe"; }
field() { line "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2-; }
t "root is inode 1" '[ "$(field . ino)" = 1 ]'
t "inodes numbered breadth-first in name order" \
	'[ "$(field ./a ino)" = 2 ] && [ "$(field ./blk ino)" = 3 ] &&
	 [ "$(field ./a/b ino)" -gt "$(field ./sparse ino)" ]'
t "root nlink is 2 + subdirectories" '[ "$(field . nlink)" = 4 ]'
t "hard links share one inode" '[ "$(field ./f ino)" = "$(field ./a/hl ino)" ] &&
	[ "$(field ./f ino)" = "$(field ./a/b/hl2 ino)" ]'
t "hard link nlink counts links in the tree" '[ "$(field ./f nlink)" = 3 ]'
t "symlink target" '[ "$(field ./a/ln target)" = ../f ]'
t "char device rdev" '[ "$(field ./chr rdev)" = 1:3 ] &&
	[ "$(field ./chr mode)" = 020644 ]'
t "block device rdev" '[ "$(field ./blk rdev)" = 8:1 ]'
t "fifo" '[ "$(field ./fifo mode)" = 010644 ]'
if [ -S "$S/sock" ]; then
	t "socket" '[ "$(( $(field ./sock mode) & 0170000 ))" = $((0140000)) ]'
fi
t "setuid mode kept" '[ "$(field ./page mode)" = 0104755 ]'
t "owner kept" '[ "$(field ./a/b/rand uid)" = 1234 ] &&
	[ "$(field ./a/b/rand gid)" = 5678 ]'
t "nanosecond mtime" '[ "$(field ./a/b/rand mtime)" = \
	"$(stat -c %.9Y "$S/a/b/rand")" ]'
t "xattrs sorted by full name, all namespaces" \
	'[ "$(field ./f xattr)" = "trusted.t=7476,user.alpha=61,user.zeta=7a," ]'
t "security.capability kept" \
	'[[ "$(field ./page xattr)" == security.capability=01000002* ]]'
t "xattr on a symlink" '[ "$(field ./a/ln xattr)" = "trusted.l=6c76," ]'
t "xattr on a directory" '[ "$(field ./a xattr)" = "user.d=6476," ]'
t "non-sparse file is one extent" '[ "$(field ./a/b/rand ext)" = "0+3," ]'
t "sparse file keeps only pages with data" \
	'[ "$(field ./sparse ext)" = "0+1,1280+1," ]'
t "fully sparse file has no extents" '[ "$(field ./holes ext)" = "" ] &&
	[ "$(field ./holes size)" = 1048576 ]'
t "building does not change source atimes" \
	'[ "$(field ./a/b/rand atime)" = "$(stat -c %.9X "$S/a/b/rand")" ]'
"$PROBE" "$W/o/img" super >"$W/super"
t "build_time is the newest mtime" \
	'grep -qx "build_time=$NEWEST" "$W/super"'
t "no branches by default" 'grep -qx feat_incompat=0 "$W/super" &&
	grep -qx branch_count=0 "$W/super" && grep -qx delta_size=0 "$W/super"'

# ---- reproducibility ----
mk -q -d "$S" -o "$W/o/again"
t "same tree twice gives identical bytes" 'cmp -s "$W/o/img" "$W/o/again"'
mk -q -d "$S/" -o "$W/o/again2"
t "trailing slash on -d gives identical bytes" \
	'cmp -s "$W/o/img" "$W/o/again2"'
rm -f "$W/o/again" "$W/o/again2"

# ---- -s SIZE ----
need=$(stat -c %s "$W/o/img")
mk -q -d "$S" -o "$W/o/exact" -s "$need"
t "-s exactly the needed size" '[ $RC -eq 0 ] &&
	[ "$(stat -c %s "$W/o/exact")" = "$need" ] &&
	cmp -s "$W/o/exact" "$W/o/img"'
mk -q -d "$S" -o "$W/o/big" -s 2M
t "-s with a suffix" '[ $RC -eq 0 ] &&
	[ "$(stat -c %s "$W/o/big")" = 2097152 ]'
"$PROBE" "$W/o/big" super >"$W/super"
t "-s sets total_size" 'grep -qx total_size=2097152 "$W/super"'
mkdir -p "$W/small"
mk -d "$S" -o "$W/small/img" -s $((need - 4096))
t "-s too small: exit 1" '[ $RC -eq 1 ]'
t "-s too small: says how much is needed" '[ "$ERR" = "mkdaxfs: image needs at least $need bytes ($(( need / 1024 )).0 KiB) but -s gives $((need - 4096))" ]'
t "-s too small: no output, no temporary file" 'nothing_left "$W/small"'
printf 'old' >"$W/small/img"
mk -d "$S" -o "$W/small/img" -s 4K
t "failed build leaves an existing output untouched" \
	'[ $RC -eq 1 ] && [ "$(cat "$W/small/img")" = old ] &&
	 [ "$(ls -A "$W/small")" = img ]'
mk -q -d "$S" -o "$W/small/img"
t "successful build replaces an existing output" \
	'[ $RC -eq 0 ] && cmp -s "$W/small/img" "$W/o/img"'

# ---- -b / --delta-size ----
mk -q -d "$S" -o "$W/o/br" -b
"$PROBE" "$W/o/br" super >"$W/super"
t "-b: builds" '[ $RC -eq 0 ]'
t "-b: branches feature" 'grep -qx feat_incompat=1 "$W/super"'
t "-b: 256 branch slots" 'grep -qx branch_count=256 "$W/super"'
t "-b: slot 0 is a live main" \
	'grep -qx "branch0=main state=1 parent=ffffffff log_id_set=1 log_head=0 log_tail=0 crc_ok=1" "$W/super"'
t "-b: other slots free" 'grep -qx branch1_state=0 "$W/super"'
t "-b: default delta 64 MiB" 'grep -qx delta_size=67108864 "$W/super"'
t "-b: delta header" 'grep -qx delta_magic_ok=1 "$W/super" &&
	grep -qx "delta page_count=16382 free_pages=16381 first_page=8192 groups=1 first_ino=$((NINO + 1)) next_ino=$((NINO + 1))" "$W/super"'
t "-b: the log of main is empty" 'grep -qx "main_log head=0 tail=0 records=none" "$W/super"'
mk -q --branching -d "$S" -o "$W/o/br2" -s 4M
"$PROBE" "$W/o/br2" super >"$W/super"
t "-b -s: delta is the rest of -s" '[ $RC -eq 0 ] &&
	grep -qx total_size=4194304 "$W/super" &&
	[ $(( $(grep ^delta_off= "$W/super" | cut -d= -f2) +
	      $(grep ^delta_size= "$W/super" | cut -d= -f2) )) -eq 4194304 ]'
mk -q -b -d "$S" -o "$W/o/br3" --delta-size 1M
"$PROBE" "$W/o/br3" super >"$W/super"
t "--delta-size" '[ $RC -eq 0 ] && grep -qx delta_size=1048576 "$W/super"'
mk -q -b -d "$S" -o "$W/o/br4" -s 4M --delta-size 256K
"$PROBE" "$W/o/br4" super >"$W/super"
t "-s with --delta-size" '[ $RC -eq 0 ] &&
	grep -qx delta_size=262144 "$W/super" &&
	grep -qx total_size=4194304 "$W/super"'
mkdir -p "$W/small2"
mk -b -d "$S" -o "$W/small2/img" -s 2M --delta-size 2M
t "-b: -s too small for --delta-size" '[ $RC -eq 1 ] &&
	[[ $ERR == "mkdaxfs: image needs at least "*" but -s gives 2097152" ]] &&
	nothing_left "$W/small2"'
mk -q -b -d "$S" -o "$W/o/br5"
t "-b: reproducible" 'cmp -s "$W/o/br" "$W/o/br5"'

# ---- runtime errors (exit 1, one line, nothing left) ----
mkdir -p "$W/e"
mk -d "$W/nonexistent" -o "$W/e/img"
t "missing source" '[ $RC -eq 1 ] &&
	[ "$ERR" = "mkdaxfs: $W/nonexistent: No such file or directory" ] &&
	nothing_left "$W/e"'
mk -d "$S/f" -o "$W/e/img"
t "source not a directory" '[ $RC -eq 1 ] &&
	[ "$ERR" = "mkdaxfs: $S/f: Not a directory" ] && nothing_left "$W/e"'
mk -d "$S" -o "$W/nodir/img"
t "output directory missing" '[ $RC -eq 1 ] && [[ $ERR == "mkdaxfs: $W/nodir/img: "* ]]'
mkdir -p "$W/e/isdir"
mk -d "$S" -o "$W/e/isdir"
t "output is a directory" '[ $RC -eq 1 ] &&
	[ "$ERR" = "mkdaxfs: $W/e/isdir: not a regular file or block device" ] &&
	[ "$(ls -A "$W/e")" = isdir ] && [ -z "$(ls -A "$W/e/isdir")" ]'
rmdir "$W/e/isdir"
mk -d "$S" -p 0x100000000 -s 1M
if [ -e /dev/mem ]; then
	t "-p fails cleanly without a region" '[ $RC -eq 1 ] &&
		[[ $ERR == "mkdaxfs: /dev/mem"* ]]'
else
	t "-p without /dev/mem" '[ $RC -eq 1 ] &&
		[ "$ERR" = "mkdaxfs: /dev/mem: No such file or directory" ]'
fi
mk -d "$S" -H "$W/no-heap" -s 1M -m "$W/e"
t "-H with a missing heap" '[ $RC -eq 1 ] &&
	[ "$ERR" = "mkdaxfs: $W/no-heap: No such file or directory" ]'
mk -d "$S" -H "$S/f" -s 1M -m "$W/e"
t "-H on something that is not a heap" '[ $RC -eq 1 ] &&
	[[ $ERR == "mkdaxfs: $S/f: allocate 1048576 bytes: "* ]]'

# -o on a block device (a loop device, where the host allows one).
truncate -s 8M "$W/loopback"
if LOOP=$(losetup -f --show "$W/loopback" 2>/dev/null) && [ -b "$LOOP" ]; then
	mk -q -d "$S" -o "$LOOP"
	t "-o block device: written in place" '[ $RC -eq 0 ] &&
		cmp -s -n "$(stat -c %s "$W/o/img")" "$LOOP" "$W/o/img"'
	mk -d "$S" -o "$LOOP" -s 16M
	t "-o block device too small" '[ $RC -eq 1 ] &&
		[ "$ERR" = "mkdaxfs: $LOOP: image needs 16777216 bytes (16.0 MiB) but the device has 8388608" ]'
	losetup -d "$LOOP"
fi
rm -f "$W/loopback"

# A file whose size differs from what stat said (sysfs: 4096 bytes
# announced, fewer read).
T=/sys/kernel/mm/transparent_hugepage
if [ -r $T/enabled ]; then
	mk -d $T -o "$W/e/img"
	t "file that changes while read" '[ $RC -eq 1 ] &&
		[[ $ERR == "mkdaxfs: $T/"*": file changed while being read" ]] &&
		nothing_left "$W/e"'
fi

# Permission errors, as nobody (root reads everything).
P=$W/perm
mkdir -p "$P/src/sub" "$P/out"
echo secret >"$P/src/sub/file"
chmod -R a+rX "$P/src"
chmod 000 "$P/src/sub/file"
chmod 777 "$P/out"
nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$MK" "$@" \
		>"$W/out" 2>"$W/err"
	RC=$?
	ERR=$(cat "$W/err")
}
nobody -d "$P/src" -o "$P/out/img"
t "unreadable file" '[ $RC -eq 1 ] &&
	[ "$ERR" = "mkdaxfs: $P/src/sub/file: Permission denied" ] &&
	nothing_left "$P/out"'
chmod 644 "$P/src/sub/file"
chmod 000 "$P/src/sub"
nobody -d "$P/src" -o "$P/out/img"
t "unreadable directory" '[ $RC -eq 1 ] &&
	[ "$ERR" = "mkdaxfs: $P/src/sub: Permission denied" ] &&
	nothing_left "$P/out"'
chmod 755 "$P/src/sub"
chmod 555 "$P/out"
nobody -d "$P/src" -o "$P/out/img"
t "unwritable output directory" '[ $RC -eq 1 ] &&
	[ "$ERR" = "mkdaxfs: $P/out/img: Permission denied" ] &&
	nothing_left "$P/out"'
chmod 777 "$P/out"
nobody -q -d "$P/src" -o "$P/out/img"
t "builds as an unprivileged user" '[ $RC -eq 0 ] &&
	"$PROBE" "$P/out/img" cat sub/file | grep -qx secret'

# ---- a larger generated tree: validator self-check, reproducibility ----
if [ -f "$TOP/tests/gentree.sh" ]; then
	G=$W/gen
	if bash "$TOP/tests/gentree.sh" "$G" "$SAN/tests/treecmp" \
		>/dev/null 2>&1; then
		mk -q -d "$G" -o "$W/o/gen1"
		t "generated round-trip tree builds (self-check passes)" \
			'[ $RC -eq 0 ]'
		mk -q -d "$G" -o "$W/o/gen2"
		t "generated tree: identical bytes twice" \
			'cmp -s "$W/o/gen1" "$W/o/gen2"'
		rm -rf "$G" "$W/o/gen1" "$W/o/gen2"
	else
		fail "mkdaxfs: gentree.sh failed"
	fi
fi
# ---- file contents (reading the source changes atimes: do it last) ----
for f in f a/b/rand page sparse holes; do
	"$PROBE" "$W/o/img" cat "$f" >"$W/cat" 2>/dev/null
	t "content of $f" 'cmp -s "$W/cat" "$S/$f"'
done
exit 0

#!/bin/bash
# When the log learns what an append did.  A write that only adds bytes
# past the end of file, inside a page the branch owns, stores them in
# place and publishes the new size later (module/sync.c).  What the log
# says is read through daxfs-inspect -m (a copy of the region, replayed
# offline, as the next mount after a crash would see it):
#  - fdatasync, fsync, syncfs, an O_SYNC write, remount,ro, unmount and
#    the timer (about a second, with no call at all) each publish it;
#  - the bytes read back whole after each, and after unmount and mount;
#  - a write that needs a new page, a truncate, a chmod or a fallocate
#    that changes no page publish what appends left before it;
#  - a store through a shared mapping moves mtime, which is kept across
#    unmount and mount;
#  - daxfs-inspect check is clean afterwards.
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" "$INSPECT" "$H/wtool"
SIZE=$((32 << 20))
need_phys $SIZE
daxfs_load
dmesg_mark

SRC=$W/src
M=$W/m
WT=$H/wtool
OPTS="phys=$PHYS,size=$SIZE"
mkdir -p "$SRC" "$M"
echo base >"$SRC/base"
if ! "$MKDAXFS" -q -b -d "$SRC" -p "$PHYS" -s "$SIZE"; then
	fail "wsync: mkdaxfs -b -p"
	exit 1
fi
is() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
if ! mount -t daxfs -o "$OPTS" none "$M"; then
	fail "wsync: mount"
	exit 1
fi
# the size the log gives PATH (relative to the mount)
logged() {
	"$INSPECT" -m "$M" ls "/$1" 2>&1 | awk 'NR == 1 { print $5 }'
}
# the year of PATH's mtime in the log
logged_day() {
	"$INSPECT" -m "$M" ls "/$1" 2>&1 | awk 'NR == 1 { print substr($6, 1, 4) }'
}
# letters N L: $LETTERS becomes N bytes of letter L (builtins only: under
# TCG a head | tr pair per append took most of this test's time)
letters() { printf -v LETTERS '%*s' "$1" ''; LETTERS=${LETTERS// /$2}; }
# append N bytes of letter L to PATH with one write(2), no sync (bash's
# printf writes its output at once, and N is far below a page)
app() {
	letters "$2" "$3"
	printf '%s' "$LETTERS" >>"$M/$1"
}
# the same bytes appended to the expected copy, $W/f.want
app_want() {
	letters "$1" "$2"
	printf '%s' "$LETTERS" >>"$W/f.want"
}
# PATH holds WANT (a file in $W) byte for byte, in the mount and offline
whole() {
	local off
	if ! cmp -s "$M/$1" "$W/$2"; then
		echo "mount: $(cmp "$M/$1" "$W/$2" 2>&1 | head -n 1)"
		return
	fi
	off=$("$INSPECT" -m "$M" cat "/$1" 2>&1 | cmp - "$W/$2" 2>&1 | head -n 1)
	echo "${off:-ok}"
}

"$WT" pwrite "$M/f" 0 5000 3 >/dev/null
cp "$M/f" "$W/f.want"
is "wsync: a new file's write is in the log when write() returns" "$(logged f)" 5000

# one append at a time, each published by one call
step() {	# step WHAT SIZE-AFTER LETTER CMD...
	local what=$1 want=$2 l=$3
	shift 3
	app f 100 "$l"
	app_want 100 "$l"
	"$@"
	is "wsync: an append, then $what: the log has the size" "$(logged f)" "$want"
	is "wsync: an append, then $what: the bytes" "$(whole f f.want)" ok
}
step "fdatasync" 5100 a sync -d "$M/f"
step "fsync" 5200 b sync "$M/f"
step "syncfs" 5300 c sync -f "$M"
step "sync" 5400 d sync
step "nothing for 3 seconds (the timer)" 5500 e sleep 3
step "remount,ro" 5600 g mount -o remount,ro "$M"
mount -o remount,rw "$M" || fail "wsync: remount,rw"
# O_SYNC: published before write() returns
head -c 100 /dev/zero | tr '\0' Q |
	dd of="$M/f" oflag=append,sync conv=notrunc status=none
app_want 100 Q
is "wsync: an O_SYNC append is in the log when write() returns" "$(logged f)" 5700

# what appends left goes with the next change of the file
app f 50 r
app_want 50 r
chmod 600 "$M/f"
is "wsync: chmod after an append: the log has the appended size" "$(logged f)" 5750
app f 50 s
"$WT" pwrite "$M/f" 8192 10 4 >/dev/null
app_want 50 s
truncate -s 8202 "$W/f.want"
"$WT" pwrite "$W/f.want" 8192 10 4 >/dev/null
is "wsync: a write into a new page after an append: the log has it all" \
	"$(logged f) $(whole f f.want)" "8202 ok"
app f 20 t
truncate -s 6000 "$M/f"
is "wsync: truncate after an append" "$(logged f) $(stat -c %s "$M/f")" "6000 6000"
truncate -s 6000 "$W/f.want"
# a hole punched in a hole changes no page, only the times: it still
# commits them at once (with what appends left); so does a fallocate
# KEEP_SIZE over pages the file has
"$WT" pwrite "$M/g" 20480 100 5 >/dev/null
touch -d @1000000000 "$M/g"
fallocate -p -o 0 -l 1000 "$M/g"
is "wsync: a hole punched in a hole: the log has its mtime" \
	"$(logged_day g) $(date -u +%Y -d @"$(stat -c %Y "$M/g")")" \
	"$(date -u +%Y) $(date -u +%Y)"
app g 50 v
fallocate -p -o 0 -l 1000 "$M/g"
is "wsync: a hole punched in a hole after an append" "$(logged g)" 20630
app g 50 w
fallocate -n -o 20480 -l 100 "$M/g"
is "wsync: fallocate KEEP_SIZE over the file's pages after an append" \
	"$(logged g)" 20680

# many appends in a row, then unmount: the last size is there
for ((i = 0; i < 40; i++)); do
	app f 37 u
	app_want 37 u
done
umount "$M"
if mount -t daxfs -o "$OPTS" none "$M"; then
	is "wsync: 40 appends, unmount, mount: size and bytes" \
		"$(stat -c %s "$M/f") $(whole f f.want)" "$((6000 + 40 * 37)) ok"
else
	fail "wsync: mount after the appends"
fi

# a store through a shared mapping moves mtime, kept across a remount
touch -d @1000000000 "$M/f"
is "wsync: a store through a shared mapping" "$("$WT" mapwrite "$M/f" 100)" ok
mt=$(stat -c %Y "$M/f")
if [ "$mt" -gt 1000000000 ]; then
	pass "wsync: the store moved mtime"
else
	fail "wsync: mtime after a store through a shared mapping: $mt"
fi
umount "$M"
if mount -t daxfs -o "$OPTS" none "$M"; then
	is "wsync: mtime of the mapped store after unmount and mount" \
		"$(stat -c %Y "$M/f")" "$mt"
	umount "$M"
else
	fail "wsync: mount after the mapped store"
fi
out=$("$INSPECT" -p "$PHYS" -s "$SIZE" check 2>&1) &&
	pass "wsync: daxfs-inspect check" ||
	fail "wsync: daxfs-inspect check: $(echo "$out" | grep -v '^ok' | head -n 3 | tr '\n' ' ')"
dmesg_clean "wsync: kernel log clean"

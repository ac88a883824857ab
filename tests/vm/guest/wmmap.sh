#!/bin/bash
# mmap on a writable mount (tests/vm/helpers/wtool.c does the mapping):
#  - MAP_SHARED stores land in the file: read() sees them at once, and
#    so does every other mapping, in this process and in another one;
#    stores by the other process are seen here; a write() that replaces
#    mapped pages (a whole page, part of a page written through the
#    mapping, part of a base page) is seen by every mapping at once;
#    msync (sync and async), fsync and fdatasync; stores into pages
#    added by growing the file;
#  - MAP_PRIVATE stores stay private (a mapped page, and a first-touch
#    store), a later write() leaves the private copies alone and shows in
#    the other pages (never the page it replaced);
#  - truncate under shared and private mappings: SIGBUS past EOF (loads
#    and stores), zeros after EOF in the last page, zeros and not the old
#    bytes after extending again;
#  - a read-only mapping of untouched base data maps the region itself:
#    every page of a 32 MiB base file at its physical address in the
#    base part of the region, contiguous (/proc/self/pagemap of a private
#    mapping), a shared one is a pfn mapping (smaps VmFlags pf), costs at
#    most one fault per 16 pages and leaves Cached alone; after a write()
#    to one page only that page moves (to the delta region), and the
#    data stays where it was across unmount and mount;
# and every file's content again after unmount and mount.
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" "$H/wtool" "$H/filecheck" "$INSPECT"
SIZE=$((96 << 20))
need_phys $SIZE
daxfs_load
dmesg_mark

SRC=$W/src
MNT=$W/mnt
M=$MNT
WT=$H/wtool
OPTS="phys=$PHYS,size=$SIZE"
BIGMB=32
mkdir -p "$SRC" "$MNT"
"$WT" pwrite "$SRC/shared" 0 $((16 * 4096)) 1 >/dev/null
"$WT" pwrite "$SRC/private" 0 $((16 * 4096)) 2 >/dev/null
head -c $((3 * 4096)) /dev/zero | tr '\0' '\377' >"$SRC/trunc"
"$H/filecheck" gen "$SRC/big" "${BIGMB}M" 3
cp "$SRC/big" "$W/big.want"
if ! "$MKDAXFS" -q -b -d "$SRC" -p "$PHYS" -s "$SIZE"; then
	fail "wmmap: mkdaxfs -b -p"
	exit 1
fi
# where the base ends and the delta region starts
doff=$("$INSPECT" -p "$PHYS" -s "$SIZE" super 2>&1 |
	awk '$1 == "delta" && $2 == "offset" { sub(/,/, "", $3); print $3 }')
[ -n "$doff" ] || { fail "wmmap: daxfs-inspect super: no delta offset"; exit 1; }
BASE_END=$((PHYS + doff)) REGION_END=$((PHYS + SIZE))
mount_rw() {
	if ! mount -t daxfs -o "$OPTS" none "$MNT" 2>"$W/err"; then
		fail "wmmap: mount ($1): $(head -n 1 "$W/err") $(dmesg | tail -n 2 | tr '\n' ' ')"
		exit 1
	fi
}
is() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
mount_rw first

# --- shared and private mappings ------------------------------------------
is "wmmap: MAP_SHARED stores seen by read() and every mapping, in two processes; write() over mapped pages; msync/fsync; growing" \
	"$("$WT" mapshare "$M/shared" "$W/shared.want" 2>&1)" ok
is "wmmap: MAP_PRIVATE stores stay private; write() after them" \
	"$("$WT" mapprivate "$M/private" "$W/private.want" 2>&1)" ok
is "wmmap: truncate under mappings: SIGBUS past EOF, zeros after EOF, zeros after extending" \
	"$("$WT" sigbus "$M/trunc" 2>&1)" ok
# what the truncated file must hold: 4196 bytes of 0xff, zeros, 0x77 at 8201
{ head -c 4196 /dev/zero | tr '\0' '\377'; head -c 4005 /dev/zero
  printf '\167'; head -c 4086 /dev/zero; } >"$W/trunc.want"
v_content() {
	local f bad=
	for f in shared private trunc; do
		cmp -s "$M/$f" "$W/$f.want" || bad+="$f: $(cmp "$M/$f" "$W/$f.want" 2>&1) "
	done
	if [ -z "$bad" ]; then
		pass "wmmap: the mapped files hold what was stored ($1)"
	else
		fail "wmmap: mapped files ($1): $bad"
	fi
}
v_content "at once"

# --- zero copy of base data on the writable mount --------------------------
# pfn_check WHEN: every page of big at its base address, contiguous; sets
# PFNS to the list ("PAGE ADDRESS" lines)
pfn_check() {
	local i a first= n=0 bad=
	PFNS=$("$WT" pfns "$M/big" 2>&1)
	while read -r i a; do
		n=$((n + 1))
		if [ "$a" = - ]; then
			bad="page $i not mapped"
			break
		fi
		[ -n "$first" ] || first=$a
		if [ $((a)) -ne $((first + i * 4096)) ] ||
		   [ $((a)) -lt $((PHYS)) ] || [ $((a)) -ge "$BASE_END" ]; then
			bad="page $i at $a"
			break
		fi
	done <<<"$PFNS"
	if [ "$n" = $((BIGMB * 256)) ] && [ -z "$bad" ]; then
		pass "wmmap: a private read-only mapping of a $BIGMB MiB base file maps the region's base pages, contiguous from $first ($1)"
	else
		fail "wmmap: pagemap of the base file ($1): $n pages, base part of the region $(printf 0x%x "$PHYS")-$(printf 0x%x "$BASE_END"): ${bad:-$(echo "$PFNS" | head -n 2 | tr '\n' ' ')}"
	fi
}
pfn_check "at once"
pfns_before=$PFNS
flags=$("$WT" smaps "$M/big" 2>&1 | awk '$1 == "VmFlags:"')
case " $flags " in
*" pf "*) pass "wmmap: a shared read-only mapping is a pfn mapping ($flags)" ;;
*) fail "wmmap: a shared read-only mapping: $flags, want pf" ;;
esac
read -r pages faults <<<"$("$H/filecheck" faults "$M/big")"
if [ -n "$faults" ] && [ "$faults" -le $((pages / 16 + 16)) ]; then
	pass "wmmap: mapping $pages pages of base data took $faults faults"
else
	fail "wmmap: mapping $pages pages of base data took ${faults:-?} faults, want at most $((pages / 16 + 16))"
fi
drop_caches
before=$(mem_kb Cached)
sum=$("$H/filecheck" sum "$M/big" mmap)
after=$(mem_kb Cached)
want=$("$H/filecheck" sum "$W/big.want" read)
if [ "$sum" = "$want" ] && [ $((after - before)) -lt 4096 ]; then
	pass "wmmap: reading $BIGMB MiB of base data through a mapping grew Cached by $((after - before)) kB"
else
	fail "wmmap: mapped read of base data: sum $sum (want $want), Cached grew by $((after - before)) kB"
fi

# one page written: only that one moves, to the delta region
"$WT" pwrite "$M/big" $((4096 + 10)) 100 9 >/dev/null
"$WT" pwrite "$W/big.want" $((4096 + 10)) 100 9 >/dev/null
out=$("$WT" pfns "$M/big" 2>&1)
mapfile -t A <<<"$pfns_before"
mapfile -t B <<<"$out"
moved=0 where=
for ((i = 0; i < ${#A[@]} || i < ${#B[@]}; i++)); do
	[ "${A[i]:-}" = "${B[i]:-}" ] && continue
	moved=$((moved + 1))
	a=${B[i]#* }
	if [ "${B[i]%% *}" != 1 ] || [ "$a" = - ] || [ $((a)) -lt "$BASE_END" ] ||
	   [ $((a)) -ge "$REGION_END" ]; then
		where+=" (${A[i]:-} -> ${B[i]:-})"
	fi
done
moved+=$where
is "wmmap: a write() to one page of a base file moves only that page, into the delta region" \
	"$moved" 1
v_big() {
	is "wmmap: the base file with one page written ($1)" \
		"$(cmp "$M/big" "$W/big.want" 2>&1)" ""
}
v_big "at once"
PFNS_AFTER=$out

# --- again after unmount and mount ---------------------------------------------
umount "$MNT" || fail "wmmap: umount"
mount_rw "after the mappings"
v_content "after remount"
v_big "after remount"
out=$("$WT" pfns "$M/big" 2>&1)
if [ "$out" = "$PFNS_AFTER" ]; then
	pass "wmmap: every page of the file is at the same address after remount"
else
	echo "$PFNS_AFTER" >"$W/pfns.1"
	fail "wmmap: pages moved across the remount: $(echo "$out" | diff "$W/pfns.1" - | grep '^[<>]' | head -n 4 | tr '\n' ' ')"
fi
expect "wmmap: umount" umount "$MNT"
dmesg_clean "wmmap: kernel log clean"

#!/bin/bash
# Zero copy: a 256 MiB file in an image in physical memory, read with
# read() and through mmap.  The content must match the source, and
# "Cached" in /proc/meminfo must grow by less than 8 MiB around each
# read: the data is never copied into the page cache.  Then how much one
# mmap fault maps: at least the 16 pages of fault-around everywhere, and
# a whole 2 MiB PMD entry on kernels that have special huge entries
# (6.12: mkdaxfs aligns the file's 2 MiB chunks in the region).
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" "$H/filecheck"
SIZE_MB=${ZEROCOPY_MB:-256}
LIMIT_KB=$((8 * 1024))
need_phys $(( (SIZE_MB + 8) << 20 ))
daxfs_load
dmesg_mark

SRC=$W/src
MNT=$W/mnt
mkdir -p "$SRC" "$MNT"
"$H/filecheck" gen "$SRC/big" "${SIZE_MB}M" 42 || { fail "zerocopy: gen"; exit 1; }
want=$("$H/filecheck" sum "$SRC/big" read)
expect "zerocopy: mkdaxfs -p" "$MKDAXFS" -q -d "$SRC" -p "$PHYS" -s "$PHYS_SIZE"
# the source stays in tmpfs (Shmem, part of Cached) but does not change
# while we measure; only the growth around each read counts.
mount -t daxfs -o "phys=$PHYS,size=$PHYS_SIZE" none "$MNT" ||
	{ fail "zerocopy: mount"; exit 1; }

for how in read mmap; do
	drop_caches
	before=$(mem_kb Cached)
	got=$("$H/filecheck" sum "$MNT/big" "$how")
	after=$(mem_kb Cached)
	if [ "$got" = "$want" ]; then
		pass "zerocopy: $how content ($want)"
	else
		fail "zerocopy: $how content: got '$got', want '$want'"
	fi
	grew=$((after - before))
	if [ "$grew" -lt "$LIMIT_KB" ]; then
		pass "zerocopy: $how of ${SIZE_MB} MiB grew Cached by $grew kB (< $LIMIT_KB)"
	else
		fail "zerocopy: $how of ${SIZE_MB} MiB grew Cached by $grew kB (limit $LIMIT_KB)"
	fi
done
read -r pages faults <<<"$("$H/filecheck" faults "$MNT/big")"
case "$KVER" in
6.1.*)	most=$((pages / 16 + 16)) what="fault-around" ;;
*)	most=$((pages / 512 + 16)) what="2 MiB PMD entries" ;;
esac
if [ -n "$faults" ] && [ "$faults" -le "$most" ]; then
	pass "zerocopy: mmap of $pages pages took $faults faults ($what; at most $most)"
else
	fail "zerocopy: mmap of $pages pages took ${faults:-?} faults, want at most $most ($what)"
fi
# get_user_pages and ->access on those huge mappings (/proc/self/mem)
if out=$("$H/filecheck" hugemem "$MNT/big" 2>&1); then
	pass "zerocopy: /proc/self/mem on 2 MiB-mapped data, a forced write past 2 MiB"
else
	fail "zerocopy: hugemem: $out"
fi
expect "zerocopy: umount" umount "$MNT"
dmesg_clean "zerocopy: kernel log clean"

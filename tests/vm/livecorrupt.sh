#!/bin/bash
# livecorrupt.sh: an image that another kernel changes under a live mount.
# Runs on the host; tests/vm/run.sh calls it for each kernel.
#
#   tests/vm/livecorrupt.sh [--kernel VERSION] [--seconds N] [--seed N]
#                           [--timeout SEC] [--keep]
#
# Two guests share one NVDIMM backing file (share=on), as in
# multikernel.sh.  The reader guest (tests/vm/guest/lib/lc_reader.sh,
# 2 vCPUs, slub_debug) mounts the image twice (validated and novalidate)
# and, while the writer guest (lc_writer.sh, 1 vCPU) flips bytes of the
# region through /dev/mem for N seconds (helpers/flipper.c: random bytes
# anywhere, superblock included, and hostile values in inode, extent,
# dirent, xattr and string table fields, with restores of pages, tables
# and the whole image in between), walks both mounts over and over:
# lstat, readdir, telldir/seekdir, readlink, listxattr/getxattr (POSIX
# ACLs too), read, mmap (private and shared, PMD-sized), sendfile,
# /proc/self/mem, SEEK_DATA/SEEK_HOLE, lookups of every known path with and
# without following symlinks, statfs; dentries and inodes are dropped
# every second so lookups go back to the region; a third mount point is
# mounted and unmounted in a loop, so that mount-time validation also
# races the writer.  Every failed call's errno is tallied; any errno off
# the allow-list (lc_reader.sh says why each is there), a call stuck for
# 10 s, a walk pass stuck for 120 s, a guest Oops/BUG/WARNING, an umount
# or rmmod that fails, a leaked inode or a grown slab cache is a FAIL.
# When the writer has put the image back, dentries and inodes are dropped
# and both mounts must read the original tree exactly.
#
# --seconds (default $LIVECORRUPT_SECONDS or 60) is the time the writer
# flips; a soak can give more.  --seed (default $LIVECORRUPT_SEED or the
# time) fixes the flip sequence; it is printed, and when something fails
# the writer's last changes are shown (--keep keeps its log of the last
# 4096 and all the guests' output).  Prints PASS:/FAIL: lines;
# exit 0 when all passed.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib.sh"
kernel=${VM_KERNEL:-6.1}
seconds=${LIVECORRUPT_SECONDS:-60}
seed=${LIVECORRUPT_SEED:-$(date +%s)}
timeout=
keep=0
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	*) echo "usage: livecorrupt.sh [--kernel VERSION] [--seconds N]" \
		"[--seed N] [--timeout SEC] [--keep]" >&2
	   exit 2 ;;
	esac
done
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] ||
	{ fail "livecorrupt: setup: --seconds $seconds"; exit 1; }
[[ "$seed" =~ ^[0-9]+$ ]] || { fail "livecorrupt: setup: --seed $seed"; exit 1; }
# boot, the pristine walks, the final checks and rmmod take ~1-2 minutes
# under TCG; the guests stop their script after this, vm.sh kills later
timeout=${timeout:-$((seconds + 420))}
VM=$TOP/tests/vm/vm.sh
H=$TOP/build/vm-helpers
for f in "$TOP/build/mkdaxfs" "$H/flipper" "$H/walk" "$H/manifest" \
	 "$H/dirseek" "$H/dxmount" "$H/filecheck" "$H/treecmp" "$VM"; do
	[ -e "$f" ] || { fail "livecorrupt: setup: $f missing"; exit 1; }
done
[ "$(id -u)" = 0 ] || { fail "livecorrupt: setup: needs root (devices, owners, trusted.* xattrs)"; exit 1; }
kver=$("$VM" --kernel "$kernel" --print-kver 2>&1) ||
	{ fail "livecorrupt: setup: $kver"; exit 1; }
# the module: run.sh exports the one it built for this kernel
ko=${DAXFS_KO:-}
case "$ko" in
*/"$kver"/daxfs.ko) [ -f "$ko" ] || ko= ;;
*) ko= ;;
esac
if [ -z "$ko" ] && ! ko=$(bash "$TOP/tests/vm/kmod.sh" "$kver" 2>&1); then
	fail "livecorrupt: setup: $ko"
	exit 1
fi
export DAXFS_TOP=$TOP DAXFS_KO=$ko

D=$(mktemp -d "${TMPDIR:-/tmp}/daxfs-lc.XXXXXX")
if [ "$keep" = 1 ]; then
	trap 'echo "livecorrupt: files kept in $D" >&2' EXIT
else
	trap 'rm -rf "$D"' EXIT
fi
S=$D/share
mkdir -p "$S"

# --- a small tree with every kind of entry ---------------------------------
make_tree() {
	local s=$1 i long
	mkdir -p "$s/a/b/c/d/e" "$s/files" "$s/links" "$s/special" "$s/big"
	printf 'hello, daxfs\n' >"$s/files/tiny"
	: >"$s/files/empty"
	"$H/filecheck" gen "$s/files/page" 4096 1
	"$H/filecheck" gen "$s/files/odd" 10001 2
	"$H/filecheck" gen "$s/files/mib" 1048576 3
	"$H/filecheck" gen "$s/files/big" $((8 << 20)) 4
	# sparse: a page, a hole, a page, a hole to 3 MiB
	"$H/filecheck" gen "$D/page" 4096 5
	dd if="$D/page" of="$s/files/sparse" bs=4096 count=1 status=none
	dd if="$D/page" of="$s/files/sparse" bs=4096 seek=300 count=1 \
		conv=notrunc status=none
	truncate -s $((3 << 20)) "$s/files/sparse"
	truncate -s $((10 << 20)) "$s/files/hole"
	"$H/filecheck" gen "$s/files/tail" 5000 6
	truncate -s 100000 "$s/files/tail"
	echo deep >"$s/a/b/c/d/e/deep"
	"$H/filecheck" gen "$s/a/b/c/mid" 20000 7
	# symlinks: short, long (1 KiB and 4000 bytes, both resolving),
	# dangling, absolute, to a directory, a loop
	ln -s ../files/tiny "$s/links/short"
	long=$(printf './%.0s' $(seq 1 500))
	ln -s "../files/${long}tiny" "$s/links/long1k"
	long=$(printf './%.0s' $(seq 1 1990))
	ln -s "../files/${long}tiny" "$s/links/long4k"
	ln -s /nonexistent/target "$s/links/dangling"
	ln -s /files/page "$s/links/absolute"
	ln -s ../a/b "$s/links/dir"
	ln -s loop2 "$s/links/loop1"
	ln -s loop1 "$s/links/loop2"
	# hard links
	ln "$s/files/tiny" "$s/a/hard1"
	ln "$s/files/tiny" "$s/links/hard2"
	# special files
	mkfifo "$s/special/fifo"
	mknod "$s/special/null" c 1 3
	mknod "$s/special/loop" b 7 0
	"$H/treecmp" --mksock "$s/special/sock"
	# xattrs: user., trusted., security.capability, several on one inode
	setfattr -n user.color -v blue "$s/files/tiny"
	for i in a b c d; do
		setfattr -n "user.$i" -v "value $i" "$s/files/page"
	done
	setfattr -n trusted.t -v 12345 "$s/a/b"
	setfattr -n user.big -v "$(printf 'v%.0s' $(seq 1 3000))" "$s/a"
	setfattr -h -n trusted.link -v yes "$s/links/short"
	setfattr -n trusted.dev -v null "$s/special/null"
	setcap cap_net_raw+ep "$s/files/odd"
	chown 1000:1000 "$s/files/odd"
	chmod 4755 "$s/files/page"
	# POSIX ACLs, on inodes root does not own, so that its permission
	# checks read them (a directory on the path of every lookup below it)
	"$H/filecheck" gen "$s/files/acl" 3000 8
	chown 2000:2000 "$s/files/acl" "$s/a/b"
	setfacl -m u:1000:r--,g:1000:r--,m::r--,o::--- "$s/files/acl"
	setfacl -m u:1000:r-x,o::r-x "$s/a/b"
	setfacl -d -m u:1000:rwx,g::r-x "$s/a/b"
	# a big directory: 2000 entries of mixed types
	"$H/dirseek" --make "$s/big" 2000
}
if ! make_tree "$D/src" 2>"$D/err"; then
	fail "livecorrupt: setup: building the tree: $(head -n 1 "$D/err")"
	exit 1
fi
if ! "$TOP/build/mkdaxfs" -q -d "$D/src" -o "$D/nv.img" -s 16M -b \
	--delta-size 1M 2>"$D/err"; then
	fail "livecorrupt: setup: mkdaxfs: $(head -n 1 "$D/err")"
	exit 1
fi
cp "$D/nv.img" "$S/pristine.img"
"$H/manifest" "$D/src" >"$S/host.manifest"
(cd "$D/src" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort) \
	>"$S/paths"
# what a walk of the pristine tree reports (the errors: following the
# dangling symlinks and the loop), for the reader's first walk
"$H/walk" -S -D -X -T -p "$S/paths" -a ENOENT@follow,ELOOP@follow "$D/src" |
	grep -v '^tally: ops' >"$S/pristine.walk"

echo "livecorrupt: $kver: $seconds s of flips, seed $seed" \
     "(LIVECORRUPT_SEED=$seed repeats the flip sequence)"
slub=${VM_SLUB_DEBUG-slub_debug=FZPU}
guest() {	# guest NAME SMP MEM SCRIPT
	"$VM" --kernel "$kver" --smp "$2" --mem "$3" --timeout "$timeout" \
		--nvdimm "$D/nv.img" --share "$S" \
		${slub:+--append "$slub"} \
		--env "LC_SECONDS=$seconds" --env "LC_SEED=$seed" \
		--result "$D/$1.result" \
		"$TOP/tests/vm/guest/lib/$4" >"$D/$1.log" 2>&1
}
guest reader 2 1536M lc_reader.sh &
pr=$!
guest writer 1 512M lc_writer.sh &
pw=$!
wait "$pr"
rr=$?
: >"$S/stop"	# a writer still flipping stops now
wait "$pw"
rw=$?

for g in writer reader; do
	grep -E '^(PASS|FAIL): ' "$D/$g.log"
done
bad=0
for g in writer reader; do
	r=$([ $g = reader ] && echo "$rr" || echo "$rw")
	res=$(cat "$D/$g.result" 2>/dev/null)
	case "$res" in
	"ok 0") continue ;;
	"kernel "*) why="guest kernel log shows Oops/BUG/WARNING" ;;
	timeout) why="timed out" ;;
	crash) why="guest crashed" ;;
	*) why="vm.sh exit $r (${res:-no result})" ;;
	esac
	bad=1
	fail "livecorrupt: $g guest: $why"
	grep -vE '^(PASS|FAIL): ' "$D/$g.log" | tail -n 60 >&2
done
if grep -q '^FAIL: ' "$D/reader.log" "$D/writer.log"; then
	bad=1
fi
if [ "$bad" = 0 ] && [ -f "$S/reader.summary" ] &&
   [ -f "$S/writer.summary" ]; then
	pass "livecorrupt: $(cat "$S/writer.summary"); $(cat "$S/reader.summary"); no oops/WARN; umount+rmmod clean"
	exit 0
fi
[ "$bad" = 0 ] && fail "livecorrupt: a guest left no summary"
if [ -s "$S/flips.log" ]; then
	echo "livecorrupt: the writer's last changes (seconds since it" \
	     "started, kind, region offset, width, old -> new):" >&2
	tail -n 40 "$S/flips.log" >&2
fi
echo "livecorrupt: seed $seed; LIVECORRUPT_SEED=$seed bash tests/vm/livecorrupt.sh --kernel $kver repeats the flip sequence" >&2
exit 1

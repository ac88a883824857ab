#!/bin/bash
# The reader guest of tests/vm/livecorrupt.sh.  It walks the pristine
# image once (no error allowed, it must equal the host's tree), mounts it
# twice - validated and novalidate - and, while the writer guest changes
# the region (from reader.mounted until writer.done), keeps busy:
#   walker A   full walks (lstat, readdir, readlink, listxattr/getxattr,
#              read, mmap, SEEK_DATA/SEEK_HOLE, sendfile, writes to a
#              private mapping, /proc/self/mem) of the two mounts in turn
#   walker B   the same with telldir/seekdir in every directory, lookups
#              of every known path (with and without following symlinks)
#              and statfs
#   mounter    mounts a third instance (validated and novalidate in turn),
#              walks a small subtree of it and unmounts it, so that
#              mount-time validation races the writer too; a refusal must
#              be EUCLEAN or EINVAL
#   dropper    drops dentries and inodes every second, so that lookups and
#              inode reads go back to the region instead of the caches
# Each walk pass runs under `timeout 120` and its own watchdog (one call
# stuck for 10 s is a hang).  When the writer has put the image back the
# loops stop (each must end within 200 s), dentries and inodes are
# dropped and both mounts must read the host's tree exactly; then both
# unmount, no daxfs inode is left and no kmalloc object allocated with a
# daxfs.ko frame on its stack is left (slab counts and SLUB's allocation
# traces are exact with slub_debug, which livecorrupt.sh boots this guest
# with; without it, the check is coarse),
# the module unloads and the kernel log is clean.
#
# The errnos a reader may see while the image changes, and why.  Anything
# else (EFAULT, ENOMEM, EINVAL, EBADF, EACCES, EPERM, ERANGE, EXDEV, ...) is
# a module bug: the module must turn every bad value into EUCLEAN.
#   EUCLEAN  the module's verdict on a value that fails its checks: any call
#   EIO      a SIGBUS on a mapped page (the fault handler refuses a page
#            whose extent is no longer valid; walk counts it as EIO), or an
#            I/O-style error the module may use for bad content: any call
#   ENOENT   a name looked up in a directory whose entries, names or order
#            changed is simply not found (binary search over a no longer
#            sorted table), or a symlink's changed target does not exist:
#            only calls that resolve a name
#   ENOTDIR  a path component (or a changed symlink target's component)
#            now names an entry that is not a directory: name calls only
#   ELOOP    a changed entry points at a directory already in the dcache
#            as an ancestor (d_splice_alias refuses the loop), at a
#            symlink where O_NOFOLLOW or RESOLVE_NO_SYMLINKS forbid one,
#            or symlinks now form a loop: name calls only
#   ESTALE   a changed entry points at a directory already in the dcache
#            under another parent and the VFS cannot move that alias
#            (__d_unalias): name calls only
#   ENODATA  an xattr listed a moment ago is gone from the changed list:
#            getxattr only
#   ENAMETOOLONG  a changed symlink target has a component longer than 255
#            bytes: only the lookups that follow symlinks
# A mount attempted while the image changes may be refused with EUCLEAN
# (damaged) or EINVAL (no longer looks like a daxfs image: magic, version,
# structure sizes, or larger than the region).
. "$(dirname "$0")/common.sh"

S=$VM_SHARE
SECS=${LC_SECONDS:-60}
ALLOW=EUCLEAN,EIO,ENOENT@name,ENOTDIR@name,ELOOP@name,ESTALE@name
ALLOW=$ALLOW,ENODATA@getxattr,ENAMETOOLONG@follow
PASS_TIMEOUT=120	# one walk pass
CALL_TIMEOUT=10		# one call (walk's watchdog)
STOP_GRACE=200		# loops must end this long after writer.done
# reads capped at 1 MiB (a changed size may make every file a huge hole),
# mappings at 4 MiB (2 MiB-aligned chunks of files/big map with one PMD
# entry on 6.12)
WALK=("$H/walk" -S -T -W "$CALL_TIMEOUT" -R 1M -M 4M)

need "$H/walk" "$H/dxmount" "$H/manifest" "$S/paths" "$S/host.manifest" \
	"$S/pristine.walk"
note() { echo "livecorrupt-reader: [${SECONDS}s] $*"; }
reader_fail() {
	fail "livecorrupt-reader: $*"
	: >"$S/reader.failed"
	exit 1
}
[ -n "$PHYS" ] || reader_fail "no NVDIMM"
daxfs_load
dmesg_mark
OPTS="ro,phys=$PHYS,size=$PHYS_SIZE"
M1=$W/valid M2=$W/noval M3=$W/cycle
mkdir -p "$M1" "$M2" "$M3"

# --- slab bookkeeping --------------------------------------------------------
if [ "$(cat /sys/kernel/slab/kmalloc-32/store_user 2>/dev/null)" = 1 ]; then
	SLAB_TOL=100 EXACT=1 DAXFS_TOL=10
else
	SLAB_TOL=400 EXACT=0
fi
settle() {
	local s
	drop_caches
	for s in /sys/kernel/slab/*/shrink; do echo 1 >"$s"; done 2>/dev/null
	sleep 1
}
slab_snapshot() {
	settle
	awk 'NR > 2 { print $1, $2 }' /proc/slabinfo >"$1"
	# "foreign:CACHE N", "daxfs:CACHE N" and the sites (common.sh)
	slab_traces "$1.callers" : >>"$1"
}
# grown_sites SNAP1 SNAP2: the allocation sites holding 10 or more
# objects more in SNAP2, largest first (to name a leak)
grown_sites() {
	awk -F '\t' 'FNR == NR { a[$1 "\t" $3] = $2; next }
		{ d = $2 - a[$1 "\t" $3]; if (d >= 10) printf "%+d %s %s\n", d, $1, $3 }' \
		"$1.callers" "$2.callers" | sort -rn | head -n 5
}
# kmalloc caches holding DAXFS_TOL or more objects allocated by daxfs.ko
# (a frame of it on the allocation stack) than at $1.  Growth elsewhere
# (the 9p root's fids, kernel caches that refill lazily) is no verdict on
# the module: its allocation sites are printed below for a look.
slab_grown() {
	if [ "$EXACT" = 1 ]; then
		awk -v tol="$DAXFS_TOL" 'FNR == NR { b[$1] = $2; next }
			$1 ~ /^daxfs:/ && ($1 in b) { d[substr($1, 7)] = $2 - b[$1] }
			END { for (c in d) if (d[c] >= tol)
				printf "%s +%d ", c, d[c] }' "$1" "$2"
		return
	fi
	# no allocation traces: whole kmalloc caches, less the 9p root's
	awk -v tol="$SLAB_TOL" 'FNR == NR { b[$1] = $2; next }
		$1 ~ /^foreign:/ { f[substr($1, 9)] = $2 - b[$1]; next }
		$1 ~ /kmalloc/ && ($1 in b) { d[$1] = $2 - b[$1] }
		END { for (c in d) if (d[c] - f[c] >= tol)
			printf "%s +%d ", c, d[c] - f[c] }' "$1" "$2"
}
inode_objs() { awk '$1 == "daxfs_inode_cache" { print $2 }' /proc/slabinfo; }

# --- the pristine image, once ----------------------------------------------------
mount -t daxfs -o "$OPTS" none "$M1" || reader_fail "mount $OPTS"
t=$SECONDS
# on the pristine image the only errors are those of following dangling
# and looping symlinks, exactly as the host's walk of its tree saw them
if ! "$H/walk" -S -D -X -T -p "$S/paths" -a ENOENT@follow,ELOOP@follow \
	"$M1" >"$W/p.out" 2>"$W/p.err"; then
	reader_fail "walk of the pristine image: $(head -n 2 "$W/p.err" | tr '\n' ' ')"
fi
grep -v '^tally: ops' "$W/p.out" | cmp -s - "$S/pristine.walk" ||
	reader_fail "walk of the pristine image: $(tail -n 1 "$W/p.out")," \
		"on the host: $(tail -n 1 "$S/pristine.walk")"
pristine_secs=$((SECONDS - t))
"$H/manifest" "$M1" >"$W/m.manifest" 2>&1
cmp -s "$W/m.manifest" "$S/host.manifest" ||
	reader_fail "the pristine mount differs from the host's tree:" \
		"$(diff "$S/host.manifest" "$W/m.manifest" | head -n 3 | tr '\n' ' ')"
umount "$M1" || reader_fail "umount after the pristine walk"
pass "livecorrupt-reader: the pristine image reads as the host's tree" \
     "(one walk pass: ${pristine_secs}s)"

slab_snapshot "$W/slab.before"
mount -t daxfs -o "$OPTS" none "$M1" || reader_fail "mount $OPTS"
mount -t daxfs -o "$OPTS,novalidate" none "$M2" ||
	reader_fail "mount $OPTS,novalidate"
: >"$S/reader.mounted"
note "mounted twice; readers start"

# --- the loops ------------------------------------------------------------------
# one_pass NAME MNT ARGS...: one walk pass; tallies to $W/NAME.tally,
# anything wrong to $W/NAME.bad
one_pass() {
	local name=$1 m=$2 rc
	shift 2
	timeout -k 5 "$PASS_TIMEOUT" "${WALK[@]}" "$@" -a "$ALLOW" "$m" \
		>"$W/$name.out" 2>"$W/$name.err"
	rc=$?
	cat "$W/$name.out" >>"$W/$name.tally"
	[ "$rc" = 0 ] && return 0
	{
		case "$rc" in
		124|137) echo "BAD: $name: walk of $m did not finish in ${PASS_TIMEOUT}s" ;;
		1) echo "BAD: $name: walk of $m: unexpected errors" ;;
		*) echo "BAD: $name: walk of $m: exit $rc" ;;
		esac
		head -n 20 "$W/$name.err"
	} >>"$W/$name.bad"
}
walker() {	# walker NAME FIRST SECOND ARGS...: passes until $W/stop
	local name=$1 a=$2 b=$3 n=0
	shift 3
	while [ ! -e "$W/stop" ]; do
		if [ $((n % 2)) = 0 ]; then one_pass "$name" "$a" "$@"
		else one_pass "$name" "$b" "$@"; fi
		n=$((n + 1))
	done
	echo "passes $n" >>"$W/$name.tally"
}
mounter() {
	local n=0 opts e rc
	while [ ! -e "$W/stop" ]; do
		opts=$OPTS
		[ $((n % 2)) = 1 ] && opts=$OPTS,novalidate
		n=$((n + 1))
		e=$(timeout -k 5 60 "$H/dxmount" opts "$M3" "$opts" 2>/dev/null)
		rc=$?
		case "$rc" in
		0) ;;
		2) case "$e" in
		   EUCLEAN|EINVAL) echo "refused $e" >>"$W/mount.tally" ;;
		   *) echo "BAD: mount -o $opts refused with $e, want EUCLEAN or EINVAL" \
			>>"$W/mount.bad" ;;
		   esac
		   continue ;;
		*) echo "BAD: mount -o $opts: dxmount exit $rc" >>"$W/mount.bad"
		   mounted_at "$M3" || continue ;;
		esac
		echo "mounted" >>"$W/mount.tally"
		# a small subtree, so that mounts come often
		one_pass mount "$M3/a"
		if ! timeout -k 5 60 umount "$M3" 2>"$W/umount.err"; then
			echo "BAD: umount $M3: $(head -n 1 "$W/umount.err")" >>"$W/mount.bad"
			umount -l "$M3" 2>/dev/null
		fi
	done
}
dropper() {
	local n=0
	while [ ! -e "$W/stop" ]; do
		echo 2 >/proc/sys/vm/drop_caches
		n=$((n + 1))
		sleep 1
	done
	echo "drops $n" >"$W/drop.tally"
}
walker A "$M1" "$M2" -X &
pids=($!)
walker B "$M2" "$M1" -D -p "$S/paths" &
pids+=($!)
mounter &
pids+=($!)
dropper &
pids+=($!)

# the writer flips for SECS seconds once it has seen reader.mounted
deadline=$((SECONDS + SECS + 300))
while [ ! -e "$S/writer.done" ] && [ ! -e "$S/writer.failed" ] &&
      [ "$SECONDS" -lt "$deadline" ]; do
	sleep 1
done
: >"$W/stop"
note "the writer is done; stopping the readers"
[ -e "$S/writer.done" ] || {
	[ -e "$S/writer.failed" ] && why="the writer failed" ||
		why="the writer did not finish in $((SECS + 300))s"
}
end=$((SECONDS + STOP_GRACE))
for p in "${pids[@]}"; do
	while kill -0 "$p" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do
		sleep 1
	done
done
alive=0
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
if [ "$alive" = 1 ]; then
	# what the stuck readers are doing in the kernel
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = walk ] ||
		[ "$(cat "$p/comm" 2>/dev/null)" = umount ] ||
		[ "$(cat "$p/comm" 2>/dev/null)" = dxmount ] || continue
		echo "stuck: pid ${p#/proc/} $(awk '{print $3}' "$p/stat"):" \
			"$(tr '\0' ' ' <"$p/cmdline" | cut -c1-100)"
		sed 's/^/stuck:   /' "$p/stack" 2>/dev/null
	done
	reader_fail "readers still running ${STOP_GRACE}s after the writer" \
		"finished (a hang): $(cat "$W"/*.err 2>/dev/null | grep -m 2 HANG | tr '\n' ' ')"
fi
[ -n "${why:-}" ] && reader_fail "$why"
note "the readers stopped"

# --- what the loops saw ---------------------------------------------------------------
cat "$W"/*.tally >"$W/all.tally" 2>/dev/null
nbad=$(cat "$W"/*.bad 2>/dev/null | grep -c '^BAD: ')
if [ "$nbad" -gt 0 ]; then
	fail "livecorrupt-reader: $nbad failed passes or mounts:" \
	     "$(cat "$W"/*.bad | head -n 4 | sed 's/^BAD: //' | tr '\n' ' ' | cut -c1-400)"
	echo "livecorrupt-reader: what went wrong (first 60 lines):"
	cat "$W"/*.bad | head -n 60
fi
# "N x, M y" from "COUNT NAME" lines, largest first
count_list() { sort -nr | awk '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1 }'; }
sum_of() { awk -v k="$1" -v f="$2" '$1 == k { n += $f } END { print n + 0 }' "$W/all.tally"; }
errs=$(awk '$1 == "tally:" && $2 ~ /^E[A-Z0-9]*$/ { n[$2] += $3 }
	END { for (e in n) print n[e], e }' "$W/all.tally" | count_list)
refs=$(awk '$1 == "refused" { n[$2]++ } END { for (e in n) print n[e], e }' \
	"$W/all.tally" | count_list)
nref=$(grep -c '^refused ' "$W/all.tally")
nmnt=$(( $(grep -c '^mounted$' "$W/all.tally") + nref ))
summary="readers did $(awk '$1 == "tally:" && $2 == "ops" { n += $3 } END { print n + 0 }' "$W/all.tally") ops"
summary="$summary in $(grep -c "^walked " "$W/all.tally") walk passes ($(sum_of walked 2) entries),"
summary="$summary errors: ${errs:-none}; $nmnt mounts during the flips"
summary="$summary ($nref refused${refs:+: $refs}); $(sum_of drops 2) cache drops"
echo "livecorrupt-reader: $summary"
nerr=$(awk '$1 == "tally:" && $2 ~ /^E[A-Z0-9]*$/ { n += $3 } END { print n + 0 }' "$W/all.tally")
# which calls gave which errors, for the log
awk '$1 == "tally:" && $2 ~ /@/ { n[$2] += $3 }
	END { for (k in n) printf "%s %d\n", k, n[k] }' "$W/all.tally" |
	sort -k2,2nr | tr '\n' ' ' | sed 's/^/livecorrupt-reader: errors by call: /; s/ $/\n/'

if [ "$nerr" -eq 0 ]; then
	fail "livecorrupt-reader: the readers saw no error at all: the writer's changes did not reach them"
	nbad=$((nbad + 1))
fi

# --- the image is pristine again --------------------------------------------------------
drop_caches
for m in "$M1" "$M2"; do
	"$H/manifest" "$m" >"$W/m.manifest" 2>&1
	if cmp -s "$W/m.manifest" "$S/host.manifest"; then
		pass "livecorrupt-reader: after the restore, $(basename "$m") reads the host's tree"
	else
		fail "livecorrupt-reader: after the restore, $(basename "$m") differs from the host's tree:" \
			"$(diff "$S/host.manifest" "$W/m.manifest" | head -n 3 | tr '\n' ' ')"
		nbad=$((nbad + 1))
	fi
done
for m in "$M1" "$M2"; do
	if ! umount "$m" 2>"$W/umount.err"; then
		fail "livecorrupt-reader: umount $(basename "$m"): $(head -n 1 "$W/umount.err")"
		nbad=$((nbad + 1))
	fi
done
if awk '$3 == "daxfs" { f = 1 } END { exit !f }' /proc/mounts; then
	fail "livecorrupt-reader: a daxfs mount is left: $(awk '$3 == "daxfs"' /proc/mounts | head -n 1)"
	nbad=$((nbad + 1))
fi

# --- nothing leaked -------------------------------------------------------------------------
# RCU-freed objects (files, dentries, kfree_rcu batches) may still be on
# their way out: a snapshot a second (each settles for 1 s), up to 20 s
leak=
t0=$SECONDS
while :; do
	slab_snapshot "$W/slab.after"
	leak=$(slab_grown "$W/slab.before" "$W/slab.after")
	if [ "$EXACT" = 1 ] && [ "$(inode_objs)" != 0 ]; then
		leak="$leak daxfs_inode_cache $(inode_objs) objects"
	fi
	[ -z "$leak" ] || [ $((SECONDS - t0)) -ge 20 ] && break
done
if [ -n "$leak" ]; then
	fail "livecorrupt-reader: objects daxfs allocated are left after umount: $leak"
	nbad=$((nbad + 1))
fi
grown_sites "$W/slab.before" "$W/slab.after" |
	sed 's/^/livecorrupt-reader: allocation sites holding more objects: /'
awk 'FNR == NR { b[$1] = $2; next }
	$1 ~ /^kmalloc/ && ($1 in b) { print $2 - b[$1], $1 }' \
	"$W/slab.before" "$W/slab.after" | sort -nr | head -n 3 |
	awk '{ printf "%s%s %+d", (NR > 1 ? ", " : ""), $2, $1 }
	     END { printf " (limit +%d)\n", tol }' tol="$SLAB_TOL" |
	sed 's/^/livecorrupt-reader: kmalloc caches that grew most since before the flips: /'
if rmmod daxfs 2>"$W/rmmod.err"; then
	pass "livecorrupt-reader: rmmod daxfs"
else
	fail "livecorrupt-reader: rmmod daxfs: $(head -n 1 "$W/rmmod.err")"
	nbad=$((nbad + 1))
fi
dmesg_clean "livecorrupt-reader: kernel log clean" || nbad=$((nbad + 1))
if [ "$nbad" = 0 ]; then
	pass "livecorrupt-reader: $summary"
	echo "$summary" >"$S/reader.summary"
	exit 0
fi
: >"$S/reader.failed"
exit 1

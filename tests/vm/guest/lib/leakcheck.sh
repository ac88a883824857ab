# Slab, vmalloc and dma-buf accounting for the leak tests (guest/leaks.sh,
# guest/wleaks.sh; sourced after common.sh).  How exact the counts are,
# and why the cycles run in two halves: leaks.sh's header.
# With SLUB debugging on (tests/vm/run.sh boots slub_debug=FZPU) no cache
# keeps per-CPU slabs, so /proc/slabinfo counts are exact and the line
# can be tight; without it every CPU's current slab counts as fully used
# and the counts move in whole slabs (up to ~250 objects for small caches).
if [ "$(cat /sys/kernel/slab/kmalloc-32/store_user 2>/dev/null)" = 1 ]; then
	SLAB_TOL=15 SLAB_MODE="exact counts, slub_debug"
else
	SLAB_TOL=300 SLAB_MODE="slab-granular counts, no slub_debug"
fi
SLAB_TOL=${DAXFS_LEAK_SLAB_TOL:-$SLAB_TOL}
SUNRECL_TOL_KB=400
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug

settle() {
	local s
	drop_caches
	for s in /sys/kernel/slab/*/shrink; do echo 1 >"$s" 2>/dev/null; done
	sleep 1
}
# snapshot FILE: slab active objects per cache, SUnreclaim, mappings,
# dma-bufs (one awk), then the allocation traces (slab_traces, one more:
# a process costs about 0.2 s under TCG).
snapshot() {
	local bi=/sys/kernel/debug/dma_buf/bufinfo
	settle
	[ -r "$bi" ] || bi=/dev/null
	awk -v re="$VMAP_RE" '
	FILENAME == "/proc/slabinfo" { if (FNR > 2) print "slab", $1, $2; next }
	FILENAME == "/proc/meminfo" { if ($1 == "SUnreclaim:") su = $2; next }
	FILENAME == "/proc/vmallocinfo" { if ($0 ~ re) nv++; next }
	/^Total/ { db = $2 }
	END { print "sunreclaim x " su; print "vmalloc x " nv + 0
	      print "dmabuf x " db }' \
		/proc/slabinfo /proc/meminfo /proc/vmallocinfo "$bi" >"$1"
	slab_traces "$1.callers" >>"$1"
}
# grown_callers SNAP1 SNAP2 CACHE: the allocation sites of CACHE that hold
# 10 or more objects more in SNAP2 than in SNAP1, largest first
grown_callers() {
	awk -F '\t' -v c="$3" '
	$1 != c { next }
	FNR == NR { a[$3] = $2; next }
	{ d = $2 - a[$3]; if (d >= 10) printf "%+d %s\n", d, $3 }' \
		"$1.callers" "$2.callers" | sort -rn | head -n 5
}
# kernel mappings of the region (any caller: a leaked one may point into
# the unloaded module) and of dma-bufs (vgem's shmem vmap, the test heap)
VMAP_RE="phys=0x0*${PHYS#0x}|memremap|daxfs|shmem_vmap|heap_vmap"
value() { awk -v k="$2" -v n="$3" '$1 == k && $2 == n { print $3 }' "$1"; }

# grown SNAP1 SNAP2: "CACHE +N " for each cache that holds SLAB_TOL or
# more objects more in SNAP2 (not counting the 9p root's objects).
# vmap_area is left out: vfree() (of kernel stacks too, so of every
# process a snapshot runs) frees its address range lazily, and the count
# climbs by hundreds until the next purge whatever daxfs does; the exact
# vmallocinfo check below covers the region's mappings instead.
grown() {
	awk '
	FNR == NR { if ($1 == "slab") w[$2] = $3
		    if ($1 == "foreign") wf[$2] = $3; next }
	$1 == "foreign" { f[$2] = $3 - wf[$2]; next }
	$1 == "slab" && ($2 in w) && $2 != "vmap_area" { d[$2] = $3 - w[$2] }
	END { for (c in d) if (d[c] - f[c] >= tol)
		printf "%s +%d ", c, d[c] - f[c] }' tol=$SLAB_TOL "$1" "$2"
}
# measure_half FROM TO: snapshot TO; GROWN is what grew since FROM.
# Objects freed through RCU (files, dentries, radix tree nodes, kfree_rcu
# batches that drain every 5 s) may still be on their way out: what grew
# is what is still there after settling again and again for up to 20 s
# (a snapshot a second, so that the wait ends as soon as they are gone).
# (Not a $(command substitution): the subshell's own memory would count.)
measure_half() {
	local c t0
	snapshot "$2"
	GROWN=$(grown "$1" "$2")
	t0=$SECONDS
	[ -z "$GROWN" ] && return
	echo "$T: ${2##*/}: $GROWN; settling again for up to 20 s" >&2
	for c in $(echo "$GROWN" | grep -o 'kmalloc-[^ ]*'); do
		grown_callers "$1" "$2" "$c" | sed "s/^/$T:   $c: /" >&2
	done
	while [ -n "$GROWN" ] && [ $((SECONDS - t0)) -lt 20 ]; do
		snapshot "$2"	# settles: caches dropped and shrunk, 1 s
		GROWN=$(grown "$1" "$2")
	done
	echo "$T: ${2##*/}: after $((SECONDS - t0)) s: ${GROWN:-nothing grown}" >&2
}
# the caches named in both "CACHE +N" lists
in_both() {
	local c out=
	for c in $(echo "$1" | grep -o '[^ ]* +' | tr -d ' +'); do
		echo "$2" | grep -q "\(^\| \)$c +" && out+="$c "
	done
	echo "$out"
}

# leak_verdicts NAME KINDS: after rmmod (snapshots $W/before, $W/warm,
# $W/after, $W/gone; $grown1, $grown2 from the two halves) the checks
# leaks.sh and wleaks.sh share: the mappings of each of KINDS (vmalloc,
# dmabuf) back to where they were, no slab cache grown in both halves
# (the holders of every grown kmalloc cache named), SUnreclaim, and no
# daxfs cache left.
leak_verdicts() {
	local name=$1 k a b c left leaked

	for k in $2; do
		b=$(value "$W/before" "$k" x) a=$(value "$W/gone" "$k" x)
		if [ "$a" = "$b" ]; then
			pass "$name: $k mappings back to $b"
		else
			fail "$name: $k: $b before, $a after rmmod"
			[ "$k" = vmalloc ] &&
				grep -E "$VMAP_RE" /proc/vmallocinfo | head -n 5 >&2
		fi
	done
	leaked=$(in_both "$grown1" "$grown2")
	if [ -z "$leaked" ]; then
		pass "$name: no slab cache grew by $SLAB_TOL+ objects in both halves of the cycles ($SLAB_MODE)"
	else
		fail "$name: slab caches grew in both halves: first: $grown1; second: $grown2"
	fi
	for c in $(echo "$grown1 $grown2" | grep -o 'kmalloc-[^ ]*' | sort -u); do
		grown_callers "$W/warm" "$W/after" "$c" | sed "s/^/$name: $c: /" >&2
	done
	b=$(value "$W/warm" sunreclaim x) a=$(value "$W/after" sunreclaim x)
	if [ $((a - b)) -lt "$SUNRECL_TOL_KB" ]; then
		pass "$name: SUnreclaim $b -> $a kB (< $SUNRECL_TOL_KB kB growth)"
	else
		fail "$name: SUnreclaim grew $b -> $a kB"
	fi
	# the module's own caches are gone with it
	left=$(awk '$1 == "slab" && $2 ~ /daxfs/ { print $2 }' "$W/gone" |
		tr '\n' ' ')
	if [ -z "$left" ]; then
		pass "$name: no daxfs slab cache left after rmmod"
	else
		fail "$name: slab caches left after rmmod: $left"
	fi
}

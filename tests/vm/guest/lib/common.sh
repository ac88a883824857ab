# Shared setup for the guest tests (sourced by tests/vm/guest/*.sh).
#
# Runs inside the VM that tests/vm/vm.sh boots.  Uses from the environment:
#   DAXFS_TOP       repository root (default: derived from this file)
#   DAXFS_KO        the module to test (default: $DAXFS_TOP/daxfs.ko)
#   DAXFS_PHYS, DAXFS_PHYS_SIZE   the NVDIMM region vm.sh provides
#   KVER, VM_SHARE  as set by vm.sh
# Gives: pass/fail/expect (tests/lib.sh), helper paths, a scratch
# directory $W in the guest's tmpfs (removed on exit, mounts under it
# unmounted), module load/unload, and dmesg bookkeeping.

GUEST_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DAXFS_TOP=${DAXFS_TOP:-$(cd "$GUEST_LIB/../../../.." && pwd)}
. "$DAXFS_TOP/tests/lib.sh"

H=$DAXFS_TOP/build/vm-helpers
MKDAXFS=${DAXFS_MKDAXFS:-$DAXFS_TOP/build/mkdaxfs}
INSPECT=${DAXFS_INSPECT:-$DAXFS_TOP/build/daxfs-inspect}
GENTREE=$DAXFS_TOP/tests/gentree.sh
DAXFS_KO=${DAXFS_KO:-$DAXFS_TOP/daxfs.ko}
PHYS=${DAXFS_PHYS:-}
PHYS_SIZE=${DAXFS_PHYS_SIZE:-0}
KVER=${KVER:-$(uname -r)}
T=${TEST_NAME:-$(basename "$0" .sh)}

W=$(mktemp -d /tmp/daxfs-"$T".XXXXXX)

cleanup_mounts() {
	local m
	# innermost first
	for m in $(awk -v w="$W" 'index($2, w) == 1 { print $2 }' \
			/proc/mounts | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
}
common_exit() {
	cleanup_mounts
	rm -rf "$W"
}
trap common_exit EXIT

# need_tools: fail (one line) and exit when a build output is missing.
need() {
	local f
	for f in "$@"; do
		if [ ! -x "$f" ] && [ ! -f "$f" ]; then
			fail "$T: setup: $f missing (make tools module; make -C tests/vm/helpers)"
			exit 1
		fi
	done
}

daxfs_loaded() { grep -qw daxfs /proc/filesystems; }

daxfs_load() {
	daxfs_loaded && return 0
	need "$DAXFS_KO"
	local d
	# insmod does not load dependencies (libcrc32c)
	for d in $(modinfo -F depends "$DAXFS_KO" 2>/dev/null | tr , ' '); do
		modprobe "$d"
	done
	insmod "$DAXFS_KO" || { fail "$T: insmod $DAXFS_KO"; exit 1; }
}

# daxfs_unload: 0 when the module is gone afterwards.
daxfs_unload() {
	grep -q '^daxfs ' /proc/modules || return 0
	rmmod daxfs
}

need_phys() {	# need_phys BYTES: the NVDIMM region must hold BYTES
	if [ -z "$PHYS" ]; then
		fail "$T: setup: no NVDIMM region (vm.sh --nvdimm FILE:SIZE)"
		exit 1
	fi
	if [ "$PHYS_SIZE" -lt "$1" ]; then
		fail "$T: setup: NVDIMM region is $PHYS_SIZE bytes, need $1"
		exit 1
	fi
}

# dmesg bookkeeping: dmesg_mark remembers where the log is; dmesg_new
# prints what was logged since.
DMESG_MARK=0
# is WHAT GOT WANT / has WHAT OUTPUT PATTERN: one PASS or FAIL line
is() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
has() {
	if printf '%s\n' "$2" | grep -qE -- "$3"; then pass "$1"; else
		fail "$1: no /$3/ in: $(printf '%s' "$2" | tr '\n' '|')"; fi
}

# read_until_eio FILE: what reading FILE says, once it says EIO (a mount
# that lost its slot shuts down at its next heartbeat); at most 10 s
read_until_eio() {
	local i out
	for ((i = 0; i < 40; i++)); do
		out=$(cat "$1" 2>&1)
		case "$out" in *"Input/output error"*) break ;; esac
		sleep 0.25
	done
	printf '%s\n' "$out"
}

# wait_for FILE: until FILE exists (another guest's word), up to 5 min;
# a hang guard, not a timing assertion
wait_for() {
	local i
	for ((i = 0; i < 1200; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.25
	done
	return 1
}

dmesg_mark() { DMESG_MARK=$(dmesg | wc -l); }
dmesg_new() { dmesg | tail -n +$((DMESG_MARK + 1)); }
DMESG_BAD='Oops|BUG:|WARNING:|general protection|Call Trace|UBSAN|KASAN|RIP:|refcount_t|Objects remaining'
# dmesg_clean NAME: PASS when nothing bad was logged since the mark.
dmesg_clean() {
	local bad
	bad=$(dmesg_new | grep -E "$DMESG_BAD" | head -n 3)
	if [ -n "$bad" ]; then
		fail "$1: kernel log: $(echo "$bad" | tr '\n' ' ')"
		return 1
	fi
	pass "$1"
}

# round_up N ALIGN
round_up() { echo $(( ($1 + $2 - 1) / $2 * $2 )); }

# mounted_at DIR: is a daxfs mounted exactly at DIR?
mounted_at() { awk -v d="$1" '$2 == d && $3 == "daxfs" { f = 1 } END { exit !f }' /proc/mounts; }

# mem_kb FIELD: a /proc/meminfo value in kB.
mem_kb() { awk -v f="$1:" '$1 == f { print $2 }' /proc/meminfo; }

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# make_fsdax: turn the first --pmem NVDIMM (vm.sh) into a fresh fsdax
# namespace and print its block device (/dev/pmemN).  Loads nfit and
# nd_pmem, which also give every plain NVDIMM a raw namespace that claims
# its range: undo with release_pmem before mounting those by phys=.
make_fsdax() {
	local r=region${VM_NVDIMMS:-0} n=nmem${VM_NVDIMMS:-0} dev i
	[ "${VM_PMEMS:-0}" -ge 1 ] || return 1
	modprobe -a nfit nd_pmem || return 1
	for ((i = 0; i < 50; i++)); do	# up to 10 s
		[ -e "/sys/bus/nd/devices/$r" ] && break
		sleep 0.2
	done
	ndctl disable-region "$r" >/dev/null 2>&1 &&
		ndctl init-labels -f "$n" >/dev/null 2>&1 &&
		ndctl enable-region "$r" >/dev/null 2>&1 || return 1
	dev=$(ndctl create-namespace -r "$r" -m fsdax 2>/dev/null |
		sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p')
	[ -n "$dev" ] && [ -b "/dev/$dev" ] && echo "/dev/$dev"
}

# release_pmem: unload the pmem driver, so no namespace claims an NVDIMM.
release_pmem() {
	modprobe -r nd_pmem 2>/dev/null
	! grep -q ' : namespace' /proc/iomem
}

# slab_traces CALLERS [SEP]: one pass over SLUB's allocation traces of
# every kmalloc cache (slub_debug=U, debugfs), in one process: under TCG
# each process started costs about 0.2 s, and an awk per cache made a
# leak snapshot take 20 s.  Prints, for each cache,
#  - "foreign CACHE N": the objects the guest's own root filesystem (9p,
#    overlay) holds: traces whose caller is in one of those modules (6.1
#    names the module) or whose stack passes through them (6.12 prints
#    the stack, without module names).  Their number moves with the host
#    files the guest happens to open, not with anything daxfs does, so
#    the leak checks subtract it;
#  - "daxfs CACHE N": the objects with a frame of daxfs.ko on their
#    allocation stack;
# ("foreign" SEP "CACHE N" with SEP given), and writes to CALLERS
# "CACHE<tab>N<tab>CALL CHAIN" for each allocation site that holds
# objects of a cache: the allocating function and the next frames of its
# stack, offsets dropped (to name the holder when a leak check finds a
# cache grew).  Nothing without slub_debug.
slab_traces() {
	local f=(/sys/kernel/debug/slab/kmalloc-*/alloc_traces)
	if [ ! -r "${f[0]}" ]; then
		: >"$1"
		return 0
	fi
	awk -v out="$1" -v sep="${2:- }" '
	function flush() {
		if (cnt == "") return
		if (foreign) nf[c] += cnt
		if (dax) nd[c] += cnt
		n[c "\t" key] += cnt
		cnt = ""
	}
	function cache(f) { sub(/\/alloc_traces$/, "", f); sub(/.*\//, "", f)
		return f }
	BEGIN { for (i = 1; i < ARGC; i++) caches[cache(ARGV[i])] = 1 }
	FNR == 1 { flush(); c = cache(FILENAME) }
	/^ *[0-9]+ / { flush(); cnt = $1; key = $2; depth = 0
		foreign = / \[(9pnet|9p|9pnet_virtio|overlay)\]/ ||
			  $2 ~ /^(p9_|v9fs_|ovl_)/
		dax = / \[daxfs\]/ || $2 ~ /^daxfs_/
		next }
	cnt == "" { next }
	$1 ~ /^(p9_|v9fs_|ovl_)/ { foreign = 1 }
	/ \[daxfs\]/ || $1 ~ /^daxfs_/ { dax = 1 }
	depth < 6 && NF >= 1 && $1 !~ /^(age|pid|cpus)=/ {
		fr = $1; sub(/\+0x.*/, "", fr); key = key " < " fr; depth++ }
	END {
		flush()
		printf "" >out
		for (c in caches) {
			print "foreign" sep c, nf[c] + 0
			print "daxfs" sep c, nd[c] + 0
		}
		for (k in n) {
			split(k, p, "\t")
			printf "%s\t%d\t%s\n", p[1], n[k], p[2] >out
		}
		close(out)
	}' "${f[@]}"
}

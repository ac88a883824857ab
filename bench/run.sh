#!/bin/bash
# bench/run.sh: DAXFS against its peers, in one QEMU guest (`make bench`).
#
#   bash bench/run.sh [--compare OLD.json]
#
# Builds the tools, daxfs.ko for the guest kernel and the helpers, makes the
# data on the host (bench/mkdata.sh, kept between runs), boots one guest
# (tests/vm/vm.sh) with the images in NVDIMMs, runs bench/guest.sh there,
# then prints the tables (bench/report.py) and writes every raw number to
# bench/results/DATE-KERNEL.json.  With --compare OLD.json it also prints
# new/old for every cell.  See bench/README.md.
#
# Environment:
#   BENCH_KERNEL   guest kernel, 6.12 (default) or 6.1
#   BENCH_RUNS     rounds (default 5; 2 with BENCH_QUICK)
#   BENCH_QUICK=1  small data and 2 rounds, for development
#   BENCH_FS       the columns to run, default "daxfs-phys daxfs-pmem
#                  erofs-dax erofs-pagecache tmpfs"; also "overlay"
#   BENCH_OVERLAY=1  add the overlay column (EROFS page-cache lower, tmpfs
#                  upper) to the read workloads: about 5 more minutes
#   BENCH_WRITE=0  leave out the write workloads (default 1: run them)
#   BENCH_READ=0   leave out the read workloads and the memory test
#   BENCH_WFS      the write columns, default "daxfs-rw tmpfs overlay"
#   BENCH_RW_MB    daxfs-rw's NVDIMM in MiB (a multiple of 16; default
#                  1536, quick 768): mkdaxfs -b makes the rest of it, after
#                  an empty base, the delta region
#   BENCH_TIMEOUT  seconds the guest script may take (default 3000, quick
#                  1200; 1500 and 600 more with the write workloads)
#   BENCH_MEM      guest RAM (default 4G: the memory test holds 8 copies)
#   BENCH_HUGE=0   back the NVDIMMs by files in $TMPDIR instead of a
#                  huge-page tmpfs (see nv_backing)
#   BENCH_DAXFS_TREE  take mkdaxfs and daxfs.ko from this checkout instead
#                  of this one (e.g. a `git worktree` of an older commit, to
#                  compare; or a clean HEAD while the tree is mid-edit)
set -u
BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$BENCH")
cd "$TOP" || exit 2
PROG=bench
die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }

compare=
while [ $# -gt 0 ]; do
	case "$1" in
	--compare) compare=${2:?--compare needs a file}; shift 2 ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
[ -z "$compare" ] || [ -r "$compare" ] || die "--compare $compare: cannot read it"

# --- the shape of the run -----------------------------------------------------
# exported: mkdata.sh reads the shape, and vm.sh passes them to the guest
set_shape() {
	if [ "${BENCH_QUICK:-0}" = 1 ]; then
		export BENCH_BIG_MB=64 BENCH_SRC_FILES=2000 BENCH_SRC_DIRS=40 \
			BENCH_TREE_A=10 BENCH_TREE_B=10 BENCH_TREE_F=100 \
			BENCH_FLAT_N=10000 BENCH_PREAD_N=5000 BENCH_LOOKUP_N=5000 \
			BENCH_STARTUP_N=3
		export BENCH_TAR_FILES=8000 BENCH_WSEQ_MB=64 BENCH_APPEND_N=20000 \
			BENCH_OVERWRITE_N=5000 BENCH_CHURN_N=5000 \
			BENCH_REWRITE_N=20000 BENCH_RW_MB=${BENCH_RW_MB:-768}
		runs=${BENCH_RUNS:-2}
		timeout=1200 wtimeout=600
	else
		export BENCH_BIG_MB=256 BENCH_SRC_FILES=20000 BENCH_SRC_DIRS=400 \
			BENCH_TREE_A=10 BENCH_TREE_B=100 BENCH_TREE_F=100 \
			BENCH_FLAT_N=100000 BENCH_PREAD_N=10000 \
			BENCH_LOOKUP_N=10000 BENCH_STARTUP_N=3
		export BENCH_TAR_FILES=25000 BENCH_WSEQ_MB=256 \
			BENCH_APPEND_N=100000 BENCH_OVERWRITE_N=10000 \
			BENCH_CHURN_N=20000 BENCH_REWRITE_N=100000 \
			BENCH_RW_MB=${BENCH_RW_MB:-1536}
		runs=${BENCH_RUNS:-5}
		timeout=3000 wtimeout=1500
	fi
	export BENCH_MOUNTS=8 BENCH_APPEND_LEN=100 BENCH_OVERWRITE_MB=64
	export BENCH_WRITE=${BENCH_WRITE:-1} BENCH_READ=${BENCH_READ:-1}
	[ "$BENCH_WRITE" = 1 ] || [ "$BENCH_READ" = 1 ] ||
		die "BENCH_READ=0 and BENCH_WRITE=0: nothing to run"
	[ "$BENCH_WRITE" = 1 ] && timeout=$((timeout + wtimeout))
	timeout=${BENCH_TIMEOUT:-$timeout}
	[ $((BENCH_RW_MB % 16)) = 0 ] && [ "$BENCH_RW_MB" -ge 16 ] ||
		die "BENCH_RW_MB=$BENCH_RW_MB: a multiple of 16 wanted"
	wfslist=${BENCH_WFS:-daxfs-rw tmpfs overlay}
	fslist=${BENCH_FS:-daxfs-phys daxfs-pmem erofs-dax erofs-pagecache tmpfs}
	[ "${BENCH_OVERLAY:-0}" = 1 ] && [[ " $fslist " != *" overlay "* ]] &&
		fslist+=" overlay"
	kernel=${BENCH_KERNEL:-6.12}
	mem=${BENCH_MEM:-4G}
}

# --- what it needs ------------------------------------------------------------
# tests/deps.sh owns the package lists; its "bench" mode (python3,
# erofs-utils, ndctl) may not exist yet, then "vm" gives at least QEMU and
# the kernels.  What is still missing afterwards only costs columns.
ensure_deps() {
	local c missing=()
	bash tests/deps.sh bench >"$WORK/deps.log" 2>&1 ||
		say "tests/deps.sh bench failed: $(tail -n1 "$WORK/deps.log")"
	command -v qemu-system-x86_64 >/dev/null && [ -x /bin/busybox ] ||
		bash tests/deps.sh vm >>"$WORK/deps.log" 2>&1 ||
		die "tests/deps.sh vm failed: $(tail -n1 "$WORK/deps.log")"
	command -v python3 >/dev/null || die "python3 missing (apt-get install python3)"
	for c in mkfs.erofs ndctl; do
		command -v "$c" >/dev/null || missing+=("$c")
	done
	[ ${#missing[@]} -eq 0 ] ||
		say "missing ${missing[*]} (apt-get install erofs-utils ndctl):" \
		    "those columns will be n/a"
}

build() {
	local dtop=${BENCH_DAXFS_TREE:-$TOP}
	# broken DAXFS tools or module cost the DAXFS columns, not the run
	make --no-print-directory -C "$dtop" tools >"$WORK/tools.log" 2>&1 ||
		say "make tools failed in $dtop: $(grep -m1 -E 'error|Error' \
			"$WORK/tools.log" | cut -c1-160)"
	make --no-print-directory -C bench >"$WORK/helpers.log" 2>&1 ||
		{ cat "$WORK/helpers.log" >&2; die "bench helpers do not build"; }
	kver=$(bash tests/vm/vm.sh --kernel "$kernel" --print-kver) ||
		die "no guest kernel $kernel (bash tests/deps.sh vm)"
	daxfs_na= ko_na=
	if ! ko=$(bash "$dtop/tests/vm/kmod.sh" "$kver" 2>"$WORK/kmod.err"); then
		daxfs_na="daxfs.ko does not build: $(head -n1 "$WORK/kmod.err" | cut -c1-200)"
		say "$daxfs_na"
		ko_na=$daxfs_na	# daxfs-rw needs the module, not the image
		ko=/nonexistent/daxfs.ko
	fi
}

M16=$((16 << 20))
up16() { echo $(( ($1 + M16 - 1) / M16 * M16 )); }
# ns_size BYTES: an fsdax namespace that holds BYTES: it keeps its struct
# pages on the device (1/64 of it) and a 2 MiB-aligned info block, and
# comes in the region's 16 MiB steps
ns_size() { up16 $(( $1 + $1 / 64 + (6 << 20) )); }
# nv_backing: NV, the host directory for the NVDIMMs' backing files.  QEMU
# backs guest RAM with transparent huge pages (it madvises them), so
# that the copies tmpfs reads from go through 2 MiB host pages; a file on
# the host's disk filesystem would back the NVDIMMs with 4 KiB pages, and
# every DAX column would pay host TLB misses that real persistent memory
# (mapped with huge pages in the kernel's direct map) does not: measured,
# that alone made sequential reads ~1.4x slower.  So the backing files
# live in a tmpfs mounted huge=always (BENCH_HUGE=0: in $WORK, as before).
nv_backing() {
	NV=$WORK
	[ "${BENCH_HUGE:-1}" = 1 ] || return 0
	mkdir -p "$WORK/nv"
	if mount -t tmpfs -o huge=always,size=8G,mode=0700 daxfs-bench "$WORK/nv"
	then
		NV=$WORK/nv
	else
		say "cannot mount a huge-page tmpfs: NVDIMMs backed by 4 KiB pages"
	fi
}

run_guest() {
	local data=$BENCH/../build/bench/data-$( [ "${BENCH_QUICK:-0}" = 1 ] && echo quick || echo full)
	local erofs_na= envs=() v nsd nse rwdev
	bash "$BENCH/mkdata.sh" "$data" || die "cannot make the data"
	. "$data/info"
	# the guest gets copies: a guest bug cannot spoil the kept images
	nv_backing
	if [ -f "$data/daxfs.img" ]; then
		cp "$data/daxfs.img" "$NV/daxfs.nv" || die "cannot copy the image"
	else
		daxfs_na="no DAXFS image: $(cat "$data/daxfs.why" 2>/dev/null)"
		say "$daxfs_na"
		BENCH_DAXFS_BYTES=$M16	# an empty device keeps the layout
	fi
	if [ -f "$data/erofs.img" ]; then
		cp "$data/erofs.img" "$NV/erofs.nv" || die "cannot copy the image"
	else
		erofs_na="no EROFS image (mkfs.erofs missing)"
		BENCH_EROFS_BYTES=$M16	# an empty device keeps the layout
	fi
	for v in BENCH_BIG_MB BENCH_SRC_FILES BENCH_SRC_DIRS BENCH_TREE_A \
		 BENCH_TREE_B BENCH_TREE_F BENCH_FLAT_N BENCH_PREAD_N \
		 BENCH_LOOKUP_N BENCH_STARTUP_N BENCH_MOUNTS BENCH_DAXFS_BYTES \
		 BENCH_EROFS_BYTES BENCH_BIG_SUM BENCH_READ BENCH_WRITE \
		 BENCH_WSEQ_MB BENCH_APPEND_N BENCH_APPEND_LEN BENCH_OVERWRITE_MB \
		 BENCH_OVERWRITE_N BENCH_CHURN_N BENCH_REWRITE_N; do
		envs+=(--env "$v=${!v}")
	done
	# the write side: the untar archive (copied into guest RAM there),
	# and daxfs-rw's NVDIMM: an empty file the guest formats (mkdaxfs -b
	# -p); vm.sh makes it the size asked, sparse
	rwdev=()
	if [ "$BENCH_WRITE" = 1 ]; then
		envs+=(--env "BENCH_WFS=$wfslist" --env "BENCH_TARBALL=$data/untar.tar"
		       --env "BENCH_TAR_ENTRIES=${BENCH_TAR_ENTRIES:-0}"
		       --env "BENCH_TAR_BYTES=${BENCH_TAR_BYTES:-0}"
		       --env "BENCH_TAR_FROM=${BENCH_TAR_FROM:-none}"
		       --env "MKDAXFS=${BENCH_DAXFS_TREE:-$TOP}/build/mkdaxfs")
		rm -f "$NV/daxfs-rw.nv"
		: >"$NV/daxfs-rw.nv" || die "cannot create $NV/daxfs-rw.nv"
		rwdev=(--nvdimm "$NV/daxfs-rw.nv:${BENCH_RW_MB}M")
	fi
	envs+=(--env "BENCH_RUNS=$runs" --env "BENCH_BIN=$TOP/build/bench/bin"
	       --env "BENCH_TREE=$data/tree" --env "DAXFS_KO=$ko"
	       --env "BENCH_EROFS_NA=$erofs_na" --env "BENCH_DAXFS_NA=$daxfs_na"
	       --env "BENCH_DAXFS_KO_NA=$ko_na")
	envs+=(--env "BENCH_FS=$fslist")
	mkdir -p "$WORK/share"
	say "guest $kver, ${mem} RAM, $runs rounds (log: $log)"
	# All device sizes are multiples of 16 MiB, so that the --pmem region
	# after the plain ones starts where ndctl wants it; its 2 MiB extra
	# hold the label area.
	nsd=$(ns_size "$BENCH_DAXFS_BYTES") nse=$(ns_size "$BENCH_EROFS_BYTES")
	envs+=(--env "BENCH_NS_DAXFS=$nsd" --env "BENCH_NS_EROFS=$nse")
	bash tests/vm/vm.sh --kernel "$kver" --mem "$mem" --smp 2 \
		--timeout "$timeout" --share "$WORK/share" --result "$WORK/result" \
		--nvdimm "$NV/daxfs.nv:$(up16 "$BENCH_DAXFS_BYTES")" \
		--nvdimm "$NV/erofs.nv:$(up16 "$BENCH_EROFS_BYTES")" \
		"${rwdev[@]}" --pmem "$NV/pmem.nv:$(( nsd + nse + (2 << 20) ))" \
		"${envs[@]}" "$BENCH/guest.sh" 2>&1 | tee "$log"
	say "guest: $(cat "$WORK/result" 2>/dev/null || echo "no result")"
}

main() {
	local t0=$SECONDS stamp json
	set_shape
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/daxfs-bench.XXXXXX") || die "mktemp failed"
	trap 'mountpoint -q "$WORK/nv" && umount "$WORK/nv"; rm -rf "$WORK"' EXIT
	mkdir -p "$BENCH/results"
	log=$WORK/guest.log
	ensure_deps
	build
	run_guest
	[ -s "$WORK/share/results.txt" ] || die "the guest wrote no results (log above)"
	stamp=$(date -u +%Y%m%d-%H%M%S)
	json=$BENCH/results/$stamp-${kver}$( [ "${BENCH_QUICK:-0}" = 1 ] && echo -quick).json
	cp "$log" "${json%.json}.log"
	python3 "$BENCH/report.py" "$WORK/share/results.txt" --json "$json" \
		--quick "${BENCH_QUICK:-0}" ${compare:+--compare "$compare"} ||
		die "report failed"
	say "raw numbers: $json (guest log beside it); took $((SECONDS - t0))s"
}
main

#!/bin/bash
# bench/guest.sh: the benchmark inside the guest (bench/run.sh boots it).
#
# The guest has (from vm.sh): plain NVDIMM 0 = the DAXFS image, plain
# NVDIMM 1 = the EROFS image (both written by the host into the backing
# files), and one --pmem NVDIMM with a label area that becomes two fsdax
# namespaces here, /dev/pmemN for DAXFS and /dev/pmemN.1 for EROFS, each
# filled from its plain NVDIMM (through that one's raw namespace).  Every
# filesystem gets the same tree (bench/mkdata.sh); the tmpfs column is a
# copy made here from one of the read-only mounts.
#
# The write workloads (BENCH_WRITE=1) run on the writable columns: tmpfs
# (the same mount), overlay (upper and work on tmpfs over the EROFS lower,
# as a container runtime stacks an image) and daxfs-rw: plain NVDIMM 2,
# formatted here with `mkdaxfs -b -p` (an empty base and a delta region of
# the rest) and mounted `-o rw,phys=,size=`; the column is n/a, with the
# kernel's word or the errno, until that mount is writable.  It is made
# again at the start of every round, so that each round has the whole
# delta region.  Every write cell starts in a new empty directory and
# removes it after.
#
# Writes results to $VM_SHARE/results.txt, one record a line:
#   meta KEY VALUE...            facts about the run
#   fs NAME ok|na DETAIL...      whether each filesystem could be set up
#   val ROW FS ROUND VALUE       one measurement (bx's unit: ns; bytes
#                                for space-*, kB for mem-*)
#   err WORKLOAD FS ROUND MSG    a measurement that failed
# bench/report.py turns that into the table and the JSON file.
#
# Environment (from run.sh): BENCH_BIN (bx), BENCH_RUNS, BENCH_FS (the
# columns to set up), the data's shape BENCH_BIG_MB, BENCH_SRC_FILES,
# BENCH_SRC_DIRS, BENCH_TREE_A/_B/_F, BENCH_FLAT_N, the loop counts
# BENCH_PREAD_N, BENCH_LOOKUP_N, BENCH_STARTUP_N, BENCH_MOUNTS (memory
# test), the image sizes BENCH_DAXFS_BYTES, BENCH_EROFS_BYTES and their
# fsdax namespaces' BENCH_NS_DAXFS, BENCH_NS_EROFS, the expected
# BENCH_BIG_SUM, BENCH_TREE (the tree on the host, over 9p: the last
# resort for the tmpfs copy), DAXFS_KO.  BENCH_READ=0 / BENCH_WRITE=0 leave
# out the read or the write workloads; the write side: BENCH_WFS (its
# columns), BENCH_TARBALL (the untar archive on the host) and its
# BENCH_TAR_ENTRIES, BENCH_TAR_BYTES, BENCH_TAR_FROM, the sizes and counts
# BENCH_WSEQ_MB, BENCH_APPEND_N, BENCH_APPEND_LEN, BENCH_OVERWRITE_MB,
# BENCH_OVERWRITE_N, BENCH_CHURN_N, BENCH_REWRITE_N, and MKDAXFS (the
# mkdaxfs that formats daxfs-rw's NVDIMM).
set -u
. "$(dirname "$0")/tree.sh"
BX=$BENCH_BIN/bx
OUT=$VM_SHARE/results.txt
RUNS=${BENCH_RUNS:-5}
READ=${BENCH_READ:-1}
WRITE=${BENCH_WRITE:-1}
# the read columns and the write columns; ALLFS: both, each once
FSLIST=() WFSLIST=()
[ "$READ" = 1 ] &&
	FSLIST=(${BENCH_FS:-daxfs-phys daxfs-pmem erofs-dax erofs-pagecache tmpfs})
[ "$WRITE" = 1 ] && WFSLIST=(${BENCH_WFS:-daxfs-rw tmpfs overlay})
ALLFS=($(printf '%s\n' "${FSLIST[@]}" "${WFSLIST[@]}" | awk 'NF && !s[$0]++'))
W=$(mktemp -d /tmp/bench.XXXXXX)
declare -A MNT NA
: >"$OUT"

T0=$SECONDS
log() { echo "bench: [$((SECONDS - T0))s] $*" >&2; }
out() { echo "$*" >>"$OUT"; }
# na FS REASON: FS cannot be measured; its column says why
na() {
	NA[$1]=$2
	out "fs $1 na $2"
	log "$1: n/a ($2)"
}
is_ok() { [ -z "${NA[$1]:-}" ] && [ -n "${MNT[$1]:-}" ]; }
# reads FS / writes FS: FS is a read / a write column
reads() { [[ " ${FSLIST[*]} " == *" $1 "* ]]; }
writes() { [[ " ${WFSLIST[*]} " == *" $1 "* ]]; }
# oneline: the first line of stdin, for reasons in the table
oneline() { head -n1 | tr -s '\t ' ' ' | cut -c1-150; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
mem_kb() { awk -v f="$1:" '$1 == f { print $2 }' /proc/meminfo; }

cleanup() {
	local m
	for m in $(awk -v w="$W" 'index($2, w) == 1 { print $2 }' \
			/proc/mounts | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	losetup -D 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

# --- modules ------------------------------------------------------------------
load_modules() {
	local d m
	for d in $(modinfo -F depends "$DAXFS_KO" 2>/dev/null | tr , ' '); do
		modprobe "$d"
	done
	# KO_BROKEN: no module (every DAXFS column n/a); DAXFS_BROKEN: no
	# module or no image (the read columns n/a; daxfs-rw makes its own)
	if [ -n "${BENCH_DAXFS_KO_NA:-}" ]; then
		KO_BROKEN=$BENCH_DAXFS_KO_NA
	elif ! grep -qw daxfs /proc/filesystems &&
	   ! insmod "$DAXFS_KO" 2>"$W/insmod.err"; then
		KO_BROKEN="insmod: $(oneline <"$W/insmod.err")"
	fi
	DAXFS_BROKEN=${KO_BROKEN:-${BENCH_DAXFS_NA:-}}
	for m in nfit nd_pmem erofs loop overlay; do
		modprobe "$m" 2>/dev/null || log "modprobe $m failed"
	done
	udevadm settle 2>/dev/null
	sleep 1		# the nd bus probes its regions asynchronously
}
DAXFS_BROKEN= KO_BROKEN=

# --- NVDIMM regions -----------------------------------------------------------
# Region numbers do not follow the order of the devices, so each is found
# by its physical start address.
ND=/sys/bus/nd/devices
region_at() {	# region_at ADDR -> regionN
	local r want=$(($1))
	for r in "$ND"/region*; do
		[ -r "$r/resource" ] || continue
		[ $(($(cat "$r/resource"))) = "$want" ] && { echo "${r##*/}"; return 0; }
	done
	return 1
}
# labelled_regions: the regions of the --pmem devices, lowest address first
labelled_regions() {
	local r plain0 plain1 plain2=none
	plain0=$(region_at "$VM_NVDIMM0_ADDR")
	plain1=$(region_at "$VM_NVDIMM1_ADDR")
	# the third plain one (daxfs-rw's), when the write workloads run
	[ -n "${VM_NVDIMM2_ADDR:-}" ] && plain2=$(region_at "$VM_NVDIMM2_ADDR")
	for r in "$ND"/region*; do
		[ -r "$r/resource" ] || continue
		case "${r##*/}" in "$plain0"|"$plain1"|"$plain2") continue ;; esac
		printf '%d %s\n' "$(cat "$r/resource")" "${r##*/}"
	done | sort -n | awk '{ print $2 }'
}
# raw_dev REGION: the block device of the region's (raw) namespace
raw_dev() {
	local b
	b=$(ls "$ND/$1"/namespace*/block 2>/dev/null | head -n1)
	[ -n "$b" ] && echo "/dev/$b"
}
# init_labels REGION: a label area, so the region can hold namespaces
init_labels() {
	local r=$1 nmem
	nmem=$(cut -d, -f1 "$ND/$r/mapping0")
	{ ndctl disable-region "$r" && ndctl init-labels -f "$nmem" &&
	  ndctl enable-region "$r"; } >"$W/ndctl.log" 2>&1 || {
		echo "ndctl init-labels $nmem failed: $(grep -v keys "$W/ndctl.log" | oneline)"
		return 1
	}
}
# make_fsdax REGION BYTES: an fsdax namespace of BYTES (a multiple of the
# region's 16 MiB alignment); prints /dev/pmemN
make_fsdax() {
	local js
	js=$(ndctl create-namespace -r "$1" -m fsdax -s "$2" 2>"$W/ndctl.err") || {
		echo "ndctl create-namespace -m fsdax -s $2 failed: $(grep -v keys "$W/ndctl.err" | oneline)"
		return 1
	}
	echo "/dev/$(echo "$js" | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p')"
}
dev_bytes() { echo $(( $(cat "/sys/block/${1#/dev/}/size") * 512 )); }
# fill DEV SRC BYTES: the first BYTES of block device SRC onto DEV
fill() {
	local dev=$1 src=$2 bytes=$3
	log "copying $bytes bytes from $src to $dev"
	[ "$(dev_bytes "$dev")" -ge "$bytes" ] || {
		echo "$dev holds $(dev_bytes "$dev") bytes, the image $bytes"
		return 1
	}
	dd if="$src" of="$dev" bs=4M count="$bytes" iflag=count_bytes,direct \
		oflag=direct status=none 2>&1 | oneline
	[ "${PIPESTATUS[0]}" = 0 ]
}

RAW_DAX= RAW_EROFS= PD= PE=
# Both fsdax namespaces share the one --pmem device: namespaces start at
# multiples of 16 MiB there, which two devices in a row would not give.
setup_nvdimms() {
	local r regions
	r=$(region_at "$VM_NVDIMM0_ADDR") && RAW_DAX=$(raw_dev "$r")
	r=$(region_at "$VM_NVDIMM1_ADDR") && RAW_EROFS=$(raw_dev "$r")
	regions=($(labelled_regions))
	log "raw: daxfs image $RAW_DAX, erofs image $RAW_EROFS; pmem region ${regions[*]}"
	if ! reads daxfs-pmem && ! reads erofs-dax; then
		PD_ERR="not needed" PE_ERR="not needed"
	elif [ ${#regions[@]} -lt 1 ]; then
		PD_ERR="no labelled NVDIMM region (nfit/nd_pmem?)"
		PE_ERR=$PD_ERR
	elif log "labels and fsdax namespaces on ${regions[0]}, images copied in" &&
	     ! PD_ERR=$(init_labels "${regions[0]}"); then
		PE_ERR=$PD_ERR
	else
		if PD=$(make_fsdax "${regions[0]}" "$BENCH_NS_DAXFS"); then
			PD_ERR=$(fill "$PD" "$RAW_DAX" "$BENCH_DAXFS_BYTES") || PD=
		else
			PD_ERR=$PD PD=
		fi
		if PE=$(make_fsdax "${regions[0]}" "$BENCH_NS_EROFS"); then
			PE_ERR=$(fill "$PE" "$RAW_EROFS" "$BENCH_EROFS_BYTES") || PE=
		else
			PE_ERR=$PE PE=
		fi
	fi
	log "fsdax: daxfs on ${PD:-none}, erofs on ${PE:-none}"
	# the raw namespace claims the DAXFS image's range; phys= wants it free
	free_raw "$VM_NVDIMM0_ADDR"
}
# free_raw ADDR: disable the raw namespace of the plain NVDIMM at ADDR, so
# that phys= (and mkdaxfs -p, through /dev/mem) may claim its range
free_raw() {
	local r
	r=$(ls -d "$ND/$(region_at "$1")"/namespace*.0 2>/dev/null | head -n1)
	[ -n "$r" ] && ndctl disable-namespace "${r##*/}" >/dev/null 2>&1
}
PD_ERR= PE_ERR=

# --- mounts -------------------------------------------------------------------
# try_mount FS MNT MOUNT-ARGS...: mount, or n/a with mount's message and
# the kernel's last word on it
try_mount() {
	local fs=$1 mnt=$2 msg k n
	shift 2
	mkdir -p "$mnt"
	n=$(dmesg | wc -l)
	if msg=$(mount "$@" "$mnt" 2>&1); then
		MNT[$fs]=$mnt
		return 0
	fi
	# the kernel's reason is the useful one; mount's is generic
	k=$(dmesg | tail -n +$((n + 1)) | grep -iE 'daxfs|erofs|overlay|dax' |
		tail -n1 | sed 's/^\[[^]]*\] *//')
	[ -n "$k" ] || k=$(echo "$msg" | oneline | sed "s|^mount: $mnt: ||")
	na "$fs" "mount failed: $k"
	return 1
}

mount_daxfs_phys() {
	[ -n "$DAXFS_BROKEN" ] && { na daxfs-phys "$DAXFS_BROKEN"; return; }
	try_mount daxfs-phys "$W/m/daxfs-phys" -t daxfs \
		-o "phys=$VM_NVDIMM0_ADDR,size=$VM_NVDIMM0_SIZE" none
}
mount_daxfs_pmem() {
	[ -n "$DAXFS_BROKEN" ] && { na daxfs-pmem "$DAXFS_BROKEN"; return; }
	[ -n "$PD" ] || { na daxfs-pmem "no fsdax device: $PD_ERR"; return; }
	try_mount daxfs-pmem "$W/m/daxfs-pmem" -t daxfs "$PD"
}
mount_erofs_dax() {
	[ -n "${BENCH_EROFS_NA:-}" ] && { na erofs-dax "$BENCH_EROFS_NA"; return; }
	[ -n "$PE" ] || { na erofs-dax "no fsdax device: $PE_ERR"; return; }
	try_mount erofs-dax "$W/m/erofs-dax" -t erofs -o ro,dax=always "$PE" ||
		return
	# an EROFS that quietly fell back to the page cache is not this column
	grep -q " ${MNT[erofs-dax]} erofs .*dax=always" /proc/mounts ||
		na erofs-dax "mounted without dax=always: $(grep " ${MNT[erofs-dax]} " /proc/mounts | oneline)"
}
mount_erofs_pagecache() {
	[ -n "${BENCH_EROFS_NA:-}" ] && { na erofs-pagecache "$BENCH_EROFS_NA"; return; }
	[ -n "$RAW_EROFS" ] || { na erofs-pagecache "no raw NVDIMM for the EROFS image"; return; }
	try_mount erofs-pagecache "$W/m/erofs-pagecache" -t erofs -o ro "$RAW_EROFS"
}
# The tmpfs column: the generated parts made here by the same generator as
# the images' (bench/tree.sh), in the background while the NVDIMMs are set
# up (the guest has two vCPUs); then the python tree copied from the first
# read-only mount that works (over 9p from the host as a last resort).
GEN_PID=
start_tmpfs() {
	try_mount tmpfs "$W/m/tmpfs" -t tmpfs -o size=90% tmpfs || return
	# a write column only: an empty tmpfs is all it needs
	reads tmpfs || return 0
	log "tmpfs: generating the tree (in the background)"
	gen_tree "$BENCH_BIN/gen" "${MNT[tmpfs]}" 2>"$W/gen.err" &
	GEN_PID=$!
}
finish_tmpfs() {
	local src= f
	[ -n "$GEN_PID" ] || return 0
	if ! wait "$GEN_PID"; then
		na tmpfs "generating the tree failed: $(oneline <"$W/gen.err")"
		return
	fi
	for f in daxfs-phys erofs-pagecache erofs-dax daxfs-pmem; do
		is_ok "$f" && { src=${MNT[$f]}; break; }
	done
	[ -n "$src" ] || src=$BENCH_TREE
	log "tmpfs: tree generated; copying python3 from $src"
	cp -a "$src/py" "${MNT[tmpfs]}/py" 2>"$W/cp.err" ||
		na tmpfs "copying $src/py failed: $(oneline <"$W/cp.err")"
}
mount_overlay() {
	is_ok erofs-pagecache || { na overlay "needs the erofs-pagecache mount"; return; }
	mkdir -p "$W/ovl"
	mount -t tmpfs tmpfs "$W/ovl" && mkdir -p "$W/ovl/u" "$W/ovl/w" ||
		{ na overlay "no tmpfs for the upper layer"; return; }
	try_mount overlay "$W/m/overlay" -t overlay \
		-o "lowerdir=${MNT[erofs-pagecache]},upperdir=$W/ovl/u,workdir=$W/ovl/w" ovl
}

# daxfs-rw: its own plain NVDIMM (2), formatted here by mkdaxfs -b -p
# through /dev/mem: a branching image of an empty directory whose delta
# region is the rest of the device, mounted read-write by physical address
RW_MNT=$W/m/daxfs-rw
format_rw() {	# prints why it failed
	mkdir -p "$W/empty"
	"$MKDAXFS" -q -b -d "$W/empty" -p "$VM_NVDIMM2_ADDR" \
		-s "$VM_NVDIMM2_SIZE" >"$W/mkrw.err" 2>&1 || {
		echo "mkdaxfs -b -p $VM_NVDIMM2_ADDR -s $VM_NVDIMM2_SIZE failed: $(oneline <"$W/mkrw.err")"
		return 1
	}
}
# rw_writable: the mount at RW_MNT is read-write and takes a new file;
# prints why not (the errno of the create, the kernel's last word)
rw_writable() {
	local opts msg n k
	opts=$(awk -v m="$RW_MNT" '$2 == m { print $4 }' /proc/mounts)
	n=$(dmesg | wc -l)
	# only a create: "e.g. creating a file", nothing else asked of it
	if ! msg=$( { : >"$RW_MNT/.bench-rw-probe"; } 2>&1 ); then
		msg="mounted ${opts%%,*} (options $opts); creating a file: ${msg##*: }"
		k=$(dmesg | tail -n +$((n + 1)) | grep -i daxfs | tail -n1 |
			sed 's/^\[[^]]*\] *//')
		echo "$msg${k:+; kernel: $k}"
		return 1
	fi
	rm -f "$RW_MNT/.bench-rw-probe"
	case ",$opts," in
	*,rw,*) ;;
	*) echo "took a file but /proc/mounts says '$opts'"; return 1 ;;
	esac
}
mount_daxfs_rw() {
	local why
	[ -n "$KO_BROKEN" ] && { na daxfs-rw "$KO_BROKEN"; return; }
	[ -n "${VM_NVDIMM2_ADDR:-}" ] || { na daxfs-rw "no NVDIMM for it"; return; }
	[ -x "${MKDAXFS:-}" ] || { na daxfs-rw "no mkdaxfs (${MKDAXFS:-unset})"; return; }
	free_raw "$VM_NVDIMM2_ADDR"
	log "daxfs-rw: mkdaxfs -b -p on NVDIMM 2 ($((VM_NVDIMM2_SIZE >> 20)) MiB)"
	why=$(format_rw) || { na daxfs-rw "$why"; return; }
	try_mount daxfs-rw "$RW_MNT" -t daxfs \
		-o "rw,phys=$VM_NVDIMM2_ADDR,size=$VM_NVDIMM2_SIZE" none || return
	if ! why=$(rw_writable); then
		na daxfs-rw "not writable: $why"
		umount "$RW_MNT" 2>/dev/null
	fi
}
# remake_rw: unmount daxfs-rw, format its NVDIMM again and mount it again
# (the start of each round after the first); prints why it failed
remake_rw() {
	local msg
	msg=$(umount "$RW_MNT" 2>&1) || { echo "umount: $(echo "$msg" | oneline)"; return 1; }
	format_rw || return 1
	msg=$(mount -t daxfs -o "rw,phys=$VM_NVDIMM2_ADDR,size=$VM_NVDIMM2_SIZE" \
		none "$RW_MNT" 2>&1) ||
		{ echo "mount again: $(echo "$msg" | oneline)"; return 1; }
	rw_writable
}

# check_content FS: the big file's hash must be the host's, or the column
# is not comparable
check_content() {
	local fs=$1 s
	is_ok "$fs" || return 0
	s=$("$BX" sum "${MNT[$fs]}/big.bin" 2>&1)
	if [ "$s" != "$BENCH_BIG_SUM" ]; then
		na "$fs" "big.bin reads wrong: $(echo "$s" | oneline), want $BENCH_BIG_SUM"
		return
	fi
	fs_ok "$fs"
}
fs_ok() {
	out "fs $1 ok $(awk -v m="${MNT[$1]}" '$2 == m { print $1, $3, $4 }' /proc/mounts)"
}

# --- workloads ----------------------------------------------------------------
# Each wl_NAME MNT prints "COLD WARM" (bx -2): NAME-cold is measured right
# after dropping caches, NAME-warm is the better of the two passes after it.  The rows about the
# big file drop only its pages (bx -f, fadvise DONTNEED): cheap, and all
# they need; the tree rows drop everything (bx -d: sync, drop_caches 3),
# dentries and inodes included.  tmpfs has nothing to drop.
BIG=big.bin
wl_seq() { "$BX" -f -2 seqread "$1/$BIG"; }
# the warm pass repeats the cold pass's offsets: the pages it touched
wl_pread() { "$BX" -f -2 pread "$1/$BIG" "$BENCH_PREAD_N" 1; }
wl_mmap() { "$BX" -f -2 mmapread "$1/$BIG" "$BENCH_PREAD_N" 2; }
wl_fault() { "$BX" -f -2 fault "$1/$BIG"; }
wl_stat() {
	"$BX" -d -2 stattree "$1/tree" "$BENCH_TREE_A" "$BENCH_TREE_B" "$BENCH_TREE_F"
}
wl_lookup() { "$BX" -d -2 lookup "$1/flat" "$BENCH_FLAT_N" "$BENCH_LOOKUP_N" 3; }
wl_src() { "$BX" -d -2 readsrc "$1/src" "$BENCH_SRC_FILES" "$BENCH_SRC_DIRS"; }
# cold: the first start after the drop; warm: the median of the next few
wl_startup() {
	local a b py=(/usr/bin/python3 -c pass)
	a=$("$BX" -d startup "$1/py" 1 "${py[@]}") &&
		b=$("$BX" startup "$1/py" "$BENCH_STARTUP_N" "${py[@]}") || return 1
	echo "$a $b"
}
WORKLOADS=(seq pread mmap fault stat lookup src startup)

# run_cell WORKLOAD FS ROUND
run_cell() {
	local w=$1 fs=$2 r=$3 res cold warm
	if res=$("wl_$w" "${MNT[$fs]}" 2>"$W/cell.err") &&
	   read -r cold warm <<<"$res" && [ -n "$warm" ]; then
		out "val $w-cold $fs $r $cold"
		out "val $w-warm $fs $r $warm"
	else
		out "err $w $fs $r $(oneline <"$W/cell.err")"
		log "round $r: $w on $fs failed: $(oneline <"$W/cell.err")"
	fi
}

# --- write workloads ----------------------------------------------------------
# Each wl_NAME DIR runs in DIR, a new empty directory on the column's
# filesystem, and prints one value per row of WROWS[NAME] (bx's units: ns,
# space in bytes).  One pass per round: a write changes what the next pass
# would find.
TARBALL= TAR_ERR=
# the archive goes into guest RAM once, so that the 9p root's speed is
# never part of an untar
setup_tarball() {
	local mb=$(( (${BENCH_TAR_BYTES:-0} >> 20) + 16 ))
	if [ ! -r "${BENCH_TARBALL:-}" ]; then
		TAR_ERR="no untar archive (${BENCH_TARBALL:-none}): see bench/mkdata.sh"
		return
	fi
	mkdir -p "$W/tar"
	mount -t tmpfs -o "size=${mb}m" tmpfs "$W/tar" &&
		cp "$BENCH_TARBALL" "$W/tar/untar.tar" 2>"$W/tar.err" ||
		{ TAR_ERR="copying the archive to tmpfs failed: $(oneline <"$W/tar.err")"; return; }
	TARBALL=$W/tar/untar.tar
	log "untar archive in tmpfs: $BENCH_TAR_ENTRIES entries, $((BENCH_TAR_BYTES >> 20)) MiB ($BENCH_TAR_FROM)"
}
# untar: tar -xf (a fork and exec, the same in every column) reading the
# archive on stdin; rm-tree: bx removes the tree it made (and DIR)
wl_untar() {
	local a b
	[ -n "$TARBALL" ] || { echo "$TAR_ERR" >&2; return 1; }
	a=$("$BX" exec "$1" "$TARBALL" "$TAR" -xf -) &&
		b=$("$BX" rmtree "${1%/*}" "${1##*/}") || return 1
	echo "$a $b"
}
wl_wseq() { "$BX" wseq "$1" "${BENCH_WSEQ_MB}M" 0; }
wl_wseq-fsync() { "$BX" wseq "$1" "${BENCH_WSEQ_MB}M" 1; }
wl_append() { "$BX" append "$1" "$BENCH_APPEND_N" "$BENCH_APPEND_LEN"; }
wl_overwrite() {
	"$BX" overwrite "$1" "${BENCH_OVERWRITE_MB}M" "$BENCH_OVERWRITE_N" 4
}
wl_churn() { "$BX" churn "$1" "$BENCH_CHURN_N" 100; }
wl_rewrite() { "$BX" rewrite "$1" "$BENCH_REWRITE_N"; }
WWORKLOADS=(untar wseq wseq-fsync append overwrite churn rewrite)
declare -A WROWS=([untar]="untar rm-tree" [wseq]=wseq [wseq-fsync]=wseq-fsync
	[append]=append [overwrite]=overwrite [churn]=churn
	[rewrite]="rewrite space-rewrite")
TAR=$(command -v tar)

# used_bytes DIR: the space its filesystem uses, (f_blocks - f_bfree) *
# f_bsize of statfs, as bx rewrite computes it
used_bytes() { stat -f -c '%b %f %s' "$1" | awk '{ print ($1 - $2) * $3 }'; }

# run_wcell WORKLOAD FS ROUND
run_wcell() {
	local w=$1 fs=$2 r=$3 d=${MNT[$2]}/bench-$1 res rows i
	local -a vals
	rows=(${WROWS[$w]})
	rm -rf "$d"
	sync
	if mkdir "$d" 2>"$W/cell.err" &&
	   res=$("wl_$w" "$d" 2>"$W/cell.err") &&
	   read -ra vals <<<"$res" && [ ${#vals[@]} = ${#rows[@]} ]; then
		for i in "${!rows[@]}"; do
			out "val ${rows[i]} $fs $r ${vals[i]}"
		done
	else
		[ -s "$W/cell.err" ] || echo "printed '$res'" >"$W/cell.err"
		out "err $w $fs $r $(oneline <"$W/cell.err")"
		log "round $r: $w on $fs failed: $(oneline <"$W/cell.err")"
	fi
	rm -rf "$d"
}

# write_round ROUND: every write workload on every write column, then
# space-kept: what the column's filesystem uses more than before the round
# although every cell removed what it wrote.  The time each workload took
# goes to WTIMES.
WTIMES=
write_round() {
	local r=$1 w fs t1 why
	local -A used
	WTIMES=
	if [ "$r" -gt 0 ] && writes daxfs-rw && is_ok daxfs-rw; then
		t1=$SECONDS
		if why=$(remake_rw); then
			log "daxfs-rw made again in $((SECONDS - t1))s"
		else
			# the rounds before stand; this one and the rest are errors
			for w in "${WWORKLOADS[@]}"; do
				out "err $w daxfs-rw $r making it again failed: $why"
			done
			log "round $((r + 1)): daxfs-rw: making it again failed: $why"
			NA[daxfs-rw]=$why
		fi
	fi
	for fs in $(rotated "$r" "${WFSLIST[@]}"); do
		used[$fs]=$(used_bytes "${MNT[$fs]}")
	done
	for w in "${WWORKLOADS[@]}"; do
		t1=$SECONDS
		for fs in $(rotated "$r" "${WFSLIST[@]}"); do
			run_wcell "$w" "$fs" "$r"
		done
		WTIMES+=" $w $((SECONDS - t1))s"
	done
	for fs in $(rotated "$r" "${WFSLIST[@]}"); do
		out "val space-kept $fs $r $(( $(used_bytes "${MNT[$fs]}") - used[$fs] ))"
	done
}

# rotated ROUND COLUMN...: the columns that work, the list rotated by ROUND
# places, so that no filesystem always runs first (right after another's
# cold drop)
rotated() {
	local r=$1 i fs cols
	shift
	cols=("$@")
	for ((i = 0; i < $#; i++)); do
		fs=${cols[(i + r) % $#]}
		is_ok "$fs" && echo "$fs"
	done
}

run_rounds() {
	local r w fs t0 t1 times
	for ((r = 0; r < RUNS; r++)); do
		t0=$SECONDS times=
		for w in "${WORKLOADS[@]}"; do
			[ "$READ" = 1 ] || break
			t1=$SECONDS
			for fs in $(rotated "$r" "${FSLIST[@]}"); do
				run_cell "$w" "$fs" "$r"
			done
			times+=" $w $((SECONDS - t1))s"
		done
		if [ "$WRITE" = 1 ]; then
			write_round "$r"
			times+=$WTIMES
		fi
		log "round $((r + 1))/$RUNS took $((SECONDS - t0))s:$times"
	done
}

# --- memory: BENCH_MOUNTS mounts of one image, the big file read in each -----
# mem_mounts FS DIR: make the mounts (or, for tmpfs, copies) under DIR,
# numbered 0.., each with big.bin at its top
mem_mounts() {
	local fs=$1 d=$2 i loopdev
	for ((i = 0; i < BENCH_MOUNTS; i++)); do
		mkdir -p "$d/$i"
		case "$fs" in
		daxfs-phys) mount -t daxfs -o "phys=$VM_NVDIMM0_ADDR,size=$VM_NVDIMM0_SIZE" none "$d/$i" ;;
		daxfs-pmem) mount -t daxfs "$PD" "$d/$i" ;;
		# one device: the mounts share one superblock (as bind mounts do)
		erofs-dax) mount -t erofs -o ro,dax=always "$PE" "$d/$i" ;;
		# a loop device each (direct I/O, so the loop itself caches
		# nothing): 8 separately attached copies of one image
		# (bigger read-ahead: fewer, larger I/Os through the loop)
		erofs-pagecache)
			loopdev=$(losetup -r --direct-io=on -f --show "$RAW_EROFS") &&
				echo 4096 >"/sys/block/${loopdev#/dev/}/queue/read_ahead_kb" &&
				mount -t erofs -o ro "$loopdev" "$d/$i" ;;
		tmpfs) mount -t tmpfs tmpfs "$d/$i" &&
			cp "${MNT[tmpfs]}/$BIG" "$d/$i/$BIG" ;;
		# one lower layer (the erofs-pagecache mount), its own upper each
		overlay) mkdir -p "$d/u$i" "$d/w$i" && mount -t overlay -o \
			"lowerdir=${MNT[erofs-pagecache]},upperdir=$d/u$i,workdir=$d/w$i" \
			ovl "$d/$i" ;;
		esac || return 1
	done
}
mem_test() {
	local fs=$1 d=$W/mem/$1 i c0 s0 a0 c1 s1 a1 m pids
	mkdir -p "$d"
	# the upper directories of the overlays must not be on the overlay root
	[ "$fs" = overlay ] && mount -t tmpfs tmpfs "$d"
	drop_caches
	c0=$(mem_kb Cached) s0=$(mem_kb Shmem) a0=$(mem_kb MemAvailable)
	if ! mem_mounts "$fs" "$d" 2>"$W/mem.err"; then
		out "err mem $fs 0 $(oneline <"$W/mem.err")"
	else
		# read all at once: the guest has two vCPUs, and it is not timed
		pids=()
		for ((i = 0; i < BENCH_MOUNTS; i++)); do
			"$BX" seqread "$d/$i/$BIG" >/dev/null 2>"$W/mem$i.err" &
			pids+=($!)
		done
		for ((i = 0; i < BENCH_MOUNTS; i++)); do
			wait "${pids[i]}" ||
				out "err mem $fs 0 $(oneline <"$W/mem$i.err")"
		done
		c1=$(mem_kb Cached) s1=$(mem_kb Shmem) a1=$(mem_kb MemAvailable)
		# kB deltas; MemAvailable as what the mounts took from it
		out "val mem-cached $fs 0 $((c1 - c0))"
		out "val mem-shmem $fs 0 $((s1 - s0))"
		out "val mem-avail $fs 0 $((a0 - a1))"
		log "memory $fs: Cached grew $((c1 - c0)) kB, Shmem $((s1 - s0)) kB; MemAvailable fell $((a0 - a1)) kB"
	fi
	for m in $(awk -v w="$d/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do
		umount "$m" || umount -l "$m"
	done
	[ "$fs" = overlay ] && umount "$d"
	losetup -D 2>/dev/null
	rm -rf "$d"
	drop_caches
}

# --- main ---------------------------------------------------------------------
main() {
	local fs t0=$SECONDS
	out "meta kernel $(uname -r)"
	out "meta date $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	out "meta cpus $(nproc)"
	out "meta memtotal_kb $(mem_kb MemTotal)"
	[ "$READ" = 1 ] &&
	out "meta shape big=${BENCH_BIG_MB}MiB src=$BENCH_SRC_FILES/${BENCH_SRC_DIRS}dirs" \
	    "tree=$((BENCH_TREE_A * BENCH_TREE_B * BENCH_TREE_F)) flat=$BENCH_FLAT_N" \
	    "pread=$BENCH_PREAD_N lookup=$BENCH_LOOKUP_N startup=$BENCH_STARTUP_N" \
	    "mounts=$BENCH_MOUNTS"
	[ "$WRITE" = 1 ] &&
	out "meta wshape untar=${BENCH_TAR_ENTRIES:-0}entries/$((${BENCH_TAR_BYTES:-0} >> 20))MiB" \
	    "wseq=${BENCH_WSEQ_MB}MiB append=$BENCH_APPEND_N*${BENCH_APPEND_LEN}B" \
	    "overwrite=$BENCH_OVERWRITE_N/${BENCH_OVERWRITE_MB}MiB churn=$BENCH_CHURN_N" \
	    "rewrite=$BENCH_REWRITE_N rw=$((${VM_NVDIMM2_SIZE:-0} >> 20))MiB"
	[ "$WRITE" = 1 ] && out "meta untar_from ${BENCH_TAR_FROM:-none}"
	out "meta read_columns ${FSLIST[*]}"
	out "meta write_columns ${WFSLIST[*]}"
	[[ " ${ALLFS[*]} " == *" tmpfs "* ]] && start_tmpfs
	load_modules
	setup_nvdimms
	for fs in "${ALLFS[@]}"; do
		case "$fs" in
		daxfs-phys) mount_daxfs_phys ;;
		daxfs-pmem) mount_daxfs_pmem ;;
		erofs-dax) mount_erofs_dax ;;
		erofs-pagecache) mount_erofs_pagecache ;;
		daxfs-rw) if writes daxfs-rw; then mount_daxfs_rw
			  else na daxfs-rw "a write column (BENCH_WFS), not a read one"; fi ;;
		tmpfs) ;;	# started above, finished below
		overlay) ;;	# after erofs-pagecache
		*) na "$fs" "unknown filesystem" ;;
		esac
	done
	# the overlay's lower layer, even where it is no column of its own
	[[ " ${ALLFS[*]} " == *" overlay "* ]] && [ -z "${MNT[erofs-pagecache]:-}" ] &&
		[ -z "${NA[erofs-pagecache]:-}" ] && mount_erofs_pagecache
	finish_tmpfs
	[[ " ${ALLFS[*]} " == *" overlay "* ]] && mount_overlay
	log "checking big.bin on each mount"
	for fs in "${FSLIST[@]}"; do
		check_content "$fs"
	done
	for fs in "${WFSLIST[@]}"; do
		reads "$fs" || ! is_ok "$fs" || fs_ok "$fs"
	done
	[ "$WRITE" = 1 ] && setup_tarball
	out "meta setup_s $((SECONDS - t0))"
	log "setup took $((SECONDS - t0))s; columns:" \
	    "${FSLIST[*]:+read: $(rotated 0 "${FSLIST[@]}" | paste -sd' ')}" \
	    "${WFSLIST[*]:+write: $(rotated 0 "${WFSLIST[@]}" | paste -sd' ')}"
	[ -n "$(rotated 0 "${ALLFS[@]}")" ] || { log "no filesystem could be set up"; return 1; }

	t0=$SECONDS
	run_rounds
	out "meta rounds_s $((SECONDS - t0))"
	t0=$SECONDS
	for fs in $(rotated 0 "${FSLIST[@]}"); do
		mem_test "$fs"
	done
	out "meta mem_s $((SECONDS - t0))"
	out "meta done 1"
}
main

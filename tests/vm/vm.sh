#!/bin/bash
# vm.sh: run a script inside a QEMU guest booted with a Debian kernel.
#
#   tests/vm/vm.sh [options] SCRIPT [ARGS...]
#
#   --kernel 6.1|6.12|VERSION  guest kernel (default $VM_KERNEL or 6.1); a
#                          short form picks the newest installed match
#   --nvdimm FILE[:SIZE]   add an NVDIMM backed by FILE (share=on, so guest
#                          stores reach the file); SIZE takes K/M/G and
#                          defaults to the file size; both are rounded up to
#                          2 MiB; a shorter FILE is grown (sparse) to that
#                          size, a longer one refused.  Repeatable.
#   --pmem FILE[:SIZE]     the same with a 128 KiB label area, so that in the
#                          guest `ndctl create-namespace -m fsdax` can make
#                          a /dev/pmemN of it (needs modprobe nfit nd_pmem).
#                          Placed after every --nvdimm.  Repeatable.
#   --mem SIZE             guest RAM (default 2G)
#   --smp N                vCPUs (default 2)
#   --timeout SEC          stop SCRIPT after SEC seconds (default 300), then
#                          save dmesg (with blocked tasks); a guest still
#                          alive $VM_BOOT_SLACK (120) seconds later is killed
#   --append ARGS          extra kernel command line
#   --share DIR            host directory to mount writable as $VM_SHARE
#                          (default: a fresh per-run directory).  Two vm.sh
#                          runs given the same --share DIR and --nvdimm FILE
#                          can coordinate through files in DIR: this is how
#                          to run two guests on one image (multikernel).
#   --env NAME=VALUE       set a variable for SCRIPT (repeatable); host
#                          variables named DAXFS_* are passed on as well
#   --result FILE          write the outcome for callers: "ok RC",
#                          "kernel RC" (bad dmesg), "timeout" or "crash"
#   --keep                 keep the per-run directory (console log, dmesg)
#   --print-kver           print the kernel version --kernel resolves to
#
# The guest kernel is the ELF inside /boot/vmlinuz-KVER, unpacked once into
# build/vm/ and booted through its PVH entry (VM_PVH=0: the bzImage, which
# decompresses itself at every boot; seconds under TCG).
# The guest mounts the host root read-only over 9p with a tmpfs overlay on
# top and chroots into it, so every host path (the repository, build
# outputs, host tools) is visible at the same path; writes land in guest
# RAM.  SCRIPT runs there under bash in the current directory, its output
# streams to this terminal, and its exit status becomes vm.sh's.  After it
# ends the guest's dmesg is checked for oopses, BUG, WARNING, UBSAN, KASAN;
# any hit fails the run (exit 1 unless SCRIPT failed) and prints the log.
# Timeout: exit 124.  Guest died (panic, oops=panic) before finishing: 125.
# A guest that dies while booting, before SCRIPT starts, is booted again
# (at most VM_BOOT_RETRIES times, default 2), saying so on stderr.
#
# SCRIPT sees: KVER (guest uname -r), VM_SHARE (writable host directory),
# VM_NVDIMMS (count), VM_NVDIMM<i>_ADDR / _SIZE / _FILE for each NVDIMM in
# order (ADDR in hex, SIZE in bytes), and DAXFS_PHYS / DAXFS_PHYS_SIZE for
# the first one; VM_PMEMS (count of --pmem devices) and VM_PMEM<i>_FILE.
# NVDIMMs start at guest physical 0x100000000 (RAM <= 3G), each 2 MiB-
# aligned after the previous; --pmem devices come after all of them.  The nfit driver is NOT loaded:
# /dev/mem can map the range only while no driver claims it; `modprobe
# nfit` works (module autoloading runs the host's modprobe in the chroot).
set -u
PROG=vm.sh
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VMDIR=$TOP/build/vm

die() { echo "$PROG: $*" >&2; exit 2; }

kernel=${VM_KERNEL:-6.1}
mem=2G
smp=2
timeout=300
append=
share=
result=
keep=0
print_kver=0
nvdimms=()
pmems=()
envs=()
ARGS=("$@")	# for booting again after a crash during boot
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=${2:?"$1 needs a value"}; shift 2 ;;
	--nvdimm) nvdimms+=("${2:?"$1 needs a value"}"); shift 2 ;;
	--pmem) pmems+=("${2:?"$1 needs a value"}"); shift 2 ;;
	--mem) mem=${2:?"$1 needs a value"}; shift 2 ;;
	--smp) smp=${2:?"$1 needs a value"}; shift 2 ;;
	--timeout) timeout=${2:?"$1 needs a value"}; shift 2 ;;
	--append) append="$append ${2:?"$1 needs a value"}"; shift 2 ;;
	--share) share=${2:?"$1 needs a value"}; shift 2 ;;
	--env) envs+=("${2:?"$1 needs a value"}"); shift 2 ;;
	--result) result=${2:?"$1 needs a value"}; shift 2 ;;
	--keep) keep=1; shift ;;
	--print-kver) print_kver=1; shift ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || [ "$print_kver" = 1 ] || die "usage: vm.sh [options] SCRIPT [ARGS...] (see --help)"
if [ "$print_kver" = 0 ]; then
	script=$(realpath -e "$1" 2>/dev/null) || die "$1: no such script"
	shift
fi
[[ "$timeout" =~ ^[0-9]+$ ]] || die "--timeout: not a number: $timeout"
[[ "$smp" =~ ^[0-9]+$ ]] || die "--smp: not a number: $smp"

# to_bytes SIZE: 123, 4K, 16M, 2G -> bytes
to_bytes() {
	local n=${1%[KkMmGg]} m=1
	case "$1" in
	*[Kk]) m=1024 ;;
	*[Mm]) m=$((1024 * 1024)) ;;
	*[Gg]) m=$((1024 * 1024 * 1024)) ;;
	esac
	[[ "$n" =~ ^[0-9]+$ ]] || return 1
	echo $((n * m))
}

# --- guest kernel ---------------------------------------------------------
pick_kernel() {
	local v=$1 k
	if [ -e "/boot/vmlinuz-$v" ]; then
		echo "$v"
		return
	fi
	for k in /boot/vmlinuz-"$v".*-amd64; do
		[ -e "$k" ] && echo "${k#/boot/vmlinuz-}"
	done | sort -V | tail -n1
}
KVER=$(pick_kernel "$kernel")
[ -n "$KVER" ] || die "no installed kernel matches '$kernel'" \
	"(bash tests/deps.sh vm installs 6.1 and 6.12)"
if [ "$print_kver" = 1 ]; then
	echo "$KVER"
	exit 0
fi
VMLINUZ=/boot/vmlinuz-$KVER
MODDIR=/lib/modules/$KVER
[ -r "$VMLINUZ" ] || die "$VMLINUZ: not readable"
[ -r "$MODDIR/modules.dep" ] || die "$MODDIR/modules.dep: missing"
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 missing (bash tests/deps.sh vm)"
[ -x /bin/busybox ] || die "/bin/busybox missing (bash tests/deps.sh vm)"

# --- initramfs (cached per kernel under build/vm) --------------------------
BOOT_MODS="virtio_pci 9pnet_virtio 9p overlay"

# mod_path NAME: modules.dep path of module NAME ('-' and '_' are equal)
mod_path() {
	local n=${1//-/_}
	awk -F: -v n="$n" '{
		b = $1; sub(/.*\//, "", b); sub(/\.ko(\.[a-z]+)?$/, "", b)
		gsub(/-/, "_", b)
		if (b == n) { print $1; exit }
	}' "$MODDIR/modules.dep"
}

# mod_order NAME...: module paths in load order (dependencies first)
declare -A seen
mod_order() {
	local m p d
	for m in "$@"; do
		p=$(mod_path "$m")
		if [ -z "$p" ]; then
			grep -q "/${m//_/[_-]}\.ko" "$MODDIR/modules.builtin" ||
				die "module $m: not found for $KVER"
			continue
		fi
		[ -n "${seen[$p]:-}" ] && continue
		seen[$p]=1
		for d in $(grep "^$p:" "$MODDIR/modules.dep" | cut -d: -f2-); do
			d=${d##*/}
			mod_order "${d%%.ko*}"
		done
		echo "$p"
	done
}

write_init() {
	cat <<'EOF'
#!/bin/busybox sh
# Guest init: load 9p and overlay, build the chroot, run /vmrun/cmd.sh.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
stty -F /dev/ttyS0 -onlcr 2>/dev/null
out() { echo "vm-init: $*" >/dev/ttyS0; }
bail() {
	out "$*"
	echo "setup: $*" >/vmrun/setup-failed 2>/dev/null
	poweroff -f
}
for m in $(cat /modules.list); do
	insmod "/lib/modules/$m" || out "insmod $m failed"
done
O=trans=virtio,version=9p2000.L,msize=262144
mkdir -p /host /vmrun /upper /newroot
mount -t 9p -o "$O" vmrun /vmrun || bail "cannot mount the run share"
. /vmrun/paths
mount -t 9p -o "$O,ro,cache=$HOSTCACHE" hostroot /host ||
	bail "cannot mount the host root"
mount -t tmpfs -o mode=755 upper /upper
mkdir -p /upper/u /upper/w
mount -t overlay -o lowerdir=/host,upperdir=/upper/u,workdir=/upper/w \
	ovl /newroot || bail "cannot mount the overlay"
R=/newroot
mount -t proc proc $R/proc
mount -t sysfs sys $R/sys
mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs shm $R/dev/shm
chmod 1777 $R/tmp
mount -t tmpfs run $R/run
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
mount -t securityfs securityfs $R/sys/kernel/security 2>/dev/null
mkdir -p "$R$RUN" && mount --bind /vmrun "$R$RUN" ||
	bail "cannot bind the run share"
if [ -n "$SHARE" ]; then
	mkdir -p "$R$SHARE"
	mount -t 9p -o "$O" vmshare "$R$SHARE" ||
		bail "cannot mount the shared directory"
fi
echo /sbin/modprobe-host >/proc/sys/kernel/modprobe
: >/vmrun/started
if [ "$GTIMEOUT" -gt 0 ]; then
	timeout "$GTIMEOUT" chroot $R /bin/bash "$RUN/cmd.sh" \
		</dev/null >/dev/ttyS0 2>&1
	rc=$?
	# busybox timeout exits 143 when its TERM stops the script
	if [ $rc = 143 ] && [ ! -e /vmrun/script-rc ]; then
		out "SCRIPT timed out after ${GTIMEOUT}s; blocked tasks:"
		echo w >/proc/sysrq-trigger
		rc=timeout
	fi
else
	chroot $R /bin/bash "$RUN/cmd.sh" </dev/null >/dev/ttyS0 2>&1
	rc=$?
fi
echo $rc >/vmrun/rc.tmp
dmesg >/vmrun/dmesg
mv /vmrun/rc.tmp /vmrun/rc
sync
poweroff -f
EOF
}

build_initramfs() {
	local out=$VMDIR/initramfs-$KVER.cpio key paths p root
	mkdir -p "$VMDIR"
	key=$( { sha256sum "${BASH_SOURCE[0]}"
		 stat -c '%n %s %Y' /bin/busybox "$MODDIR/modules.dep"; } |
		sha256sum | cut -c1-32)
	if [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
		echo "$out"
		return
	fi
	paths=$(mod_order $BOOT_MODS) || exit 2
	root=$(mktemp -d "$VMDIR/initramfs.XXXXXX")
	mkdir -p "$root"/{bin,sbin,proc,sys,dev,lib/modules,etc}
	cp /bin/busybox "$root/bin/busybox"
	: >"$root/modules.list"
	for p in $paths; do
		local base=${p##*/}
		case "$p" in
		*.ko.xz) xz -dc "$MODDIR/$p" >"$root/lib/modules/${base%.xz}" ;;
		*.ko.zst) zstd -qdc "$MODDIR/$p" \
			>"$root/lib/modules/${base%.zst}" ;;
		*.ko.gz) gzip -dc "$MODDIR/$p" >"$root/lib/modules/${base%.gz}" ;;
		*) cp "$MODDIR/$p" "$root/lib/modules/$base" ;;
		esac || die "cannot unpack $p"
		echo "${base%.ko*}.ko" >>"$root/modules.list"
	done
	write_init >"$root/init"
	printf '#!/bin/busybox sh\nexec /bin/chroot /newroot /sbin/modprobe "$@"\n' \
		>"$root/sbin/modprobe-host"
	chmod 755 "$root/init" "$root/sbin/modprobe-host"
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$out.$$" ||
		die "cannot build the initramfs"
	rm -rf "$root"
	mv "$out.$$" "$out"
	echo "$key" >"$out.key"
	echo "$out"
}
INITRD=$(build_initramfs) || exit 2

# --- kernel image (cached per kernel under build/vm) ----------------------
# A bzImage decompresses itself at every boot, and under TCG that costs
# seconds (about 8 s for 6.1's xz, 1 s for 6.12's zstd) before the kernel
# prints a line: more than the rest of the boot.  So the ELF kernel inside
# it is unpacked once and booted directly through its PVH entry
# (CONFIG_PVH; QEMU loads it as it is): the same kernel, started at its
# link address (no KASLR).  When no PVH kernel can be unpacked, or with
# VM_PVH=0, the bzImage boots as before.
# is_pvh FILE: an ELF image with the PVH entry note (Xen, type 0x12)
is_pvh() {
	[ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ] &&
		LC_ALL=C grep -qUaP \
		'\x04\x00\x00\x00[\x04\x08]\x00\x00\x00\x12\x00\x00\x00Xen\x00' "$1"
}
build_pvh_kernel() {
	local out=$VMDIR/vmlinux-$KVER key spec off
	key=$(stat -c '%n %s %Y' "$VMLINUZ")
	if [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
		echo "$out"
		return 0
	fi
	# the payload: the first offset of a known magic that unpacks to it
	for spec in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
		command -v "${spec%%:*}" >/dev/null || continue
		for off in $(LC_ALL=C grep -obUaP "${spec#*:}" "$VMLINUZ" |
			     cut -d: -f1 | head -n 4); do
			tail -c +$((off + 1)) "$VMLINUZ" |
				"${spec%%:*}" -dc >"$out.$$" 2>/dev/null
			is_pvh "$out.$$" || continue
			mv "$out.$$" "$out" && echo "$key" >"$out.key.$$" &&
				mv "$out.key.$$" "$out.key" || break 2
			echo "$out"
			return 0
		done
	done
	rm -f "$out.$$" "$out.key.$$"
	return 1
}
KIMAGE=$VMLINUZ
if [ "${VM_PVH:-1}" != 0 ]; then
	KIMAGE=$(build_pvh_kernel) || {
		echo "$PROG: no PVH kernel in $VMLINUZ: booting the bzImage" >&2
		KIMAGE=$VMLINUZ
	}
fi

# --- per-run directory ------------------------------------------------------
RUN=$(mktemp -d "${TMPDIR:-/tmp}/daxfs-vm.XXXXXX") || die "mktemp failed"
QPID=
TPID=
cleanup() {
	if [ -n "$QPID" ]; then
		kill "$QPID" 2>/dev/null
		wait "$QPID" 2>/dev/null
	fi
	if [ -n "$TPID" ]; then
		kill "$TPID" 2>/dev/null
	fi
	if [ "$keep" = 1 ]; then
		echo "$PROG: run files kept in $RUN" >&2
	else
		rm -rf "$RUN"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "$share" ]; then
	mkdir -p "$share" && share=$(realpath "$share") ||
		die "--share $share: cannot create"
	VM_SHARE=$share
else
	VM_SHARE=$RUN/share
	mkdir -p "$VM_SHARE"
fi
# The guest stops SCRIPT itself after --timeout seconds, so that it can
# still save its dmesg (with the blocked tasks) for the report; the host
# kills the guest only if it is still there BOOT_SLACK seconds later (boot
# under TCG on a busy host can take a while; a hung kernel ends here).
BOOT_SLACK=${VM_BOOT_SLACK:-120}
# 9p cache mode of the host root: "loose" (the default) is about a third
# faster under TCG but may serve stale data for host files changed after
# the guest first looked at them; VM_9P_CACHE=none sees such edits.
hostcache=${VM_9P_CACHE:-loose}
case "$hostcache" in none|loose|mmap|fscache) ;;
*) die "VM_9P_CACHE: none, loose, mmap or fscache, not $hostcache" ;; esac
printf 'RUN=%q\nSHARE=%q\nGTIMEOUT=%d\nHOSTCACHE=%s\n' "$RUN" "$share" \
	"$timeout" "$hostcache" >"$RUN/paths"

# --- NVDIMMs ----------------------------------------------------------------
ALIGN=$((2 * 1024 * 1024))
mem_b=$(to_bytes "$mem") || die "--mem: bad size $mem"
if [ "$mem_b" -le $((3 << 30)) ]; then
	addr=$((4 << 30))
else	# RAM above 3 GiB moves to 4 GiB; device memory follows, 1G-aligned
	addr=$(( ((4 << 30) + mem_b - (3 << 30) + (1 << 30) - 1) >> 30 << 30 ))
fi
qnv=()
nv_env=()
i=0
npmem=0
specs=()
for spec in "${nvdimms[@]}"; do specs+=("plain:$spec"); done
for spec in "${pmems[@]}"; do specs+=("label:$spec"); done
for spec in "${specs[@]}"; do
	kind=${spec%%:*}
	spec=${spec#*:}
	file=${spec%%:*}
	size=
	[ "$file" != "$spec" ] && size=${spec#*:}
	if [ -n "$size" ]; then
		size=$(to_bytes "$size") || die "--nvdimm $spec: bad size"
	else
		[ -f "$file" ] || die "--nvdimm $file: no such file (give :SIZE)"
		size=$(stat -c %s "$file")
	fi
	[ "$size" -gt 0 ] || die "--nvdimm $spec: empty"
	size=$(( (size + ALIGN - 1) / ALIGN * ALIGN ))
	# QEMU wants the file exactly that size: grow it (sparse) if shorter
	have=0
	[ -e "$file" ] && have=$(stat -c %s "$file")
	[ "$have" -le "$size" ] ||
		die "--nvdimm $spec: $file is larger ($have bytes) than $size"
	if [ "$have" -lt "$size" ] || [ ! -e "$file" ]; then
		truncate -s "$size" "$file" ||
			die "--nvdimm $file: cannot create or grow it"
	fi
	file=$(realpath "$file")
	# align=2M: QEMU maps the file at a 2 MiB-aligned address, so that
	# the host can back it with huge pages where the file has them (a
	# huge-page tmpfs, bench/run.sh), as it does guest RAM
	qnv+=(-object "memory-backend-file,id=nv$i,share=on,mem-path=$file,size=$size,align=2M")
	if [ "$kind" = label ]; then
		qnv+=(-device "nvdimm,id=nvdimm$i,memdev=nv$i,label-size=128K")
		nv_env+=("VM_PMEM${npmem}_FILE=$file")
		npmem=$((npmem + 1))
		i=$((i + 1))
		continue
	fi
	qnv+=(-device "nvdimm,id=nvdimm$i,memdev=nv$i")
	nv_env+=("VM_NVDIMM${i}_ADDR=$(printf '0x%x' "$addr")"
		 "VM_NVDIMM${i}_SIZE=$size" "VM_NVDIMM${i}_FILE=$file")
	if [ "$i" = 0 ]; then
		nv_env+=("DAXFS_PHYS=$(printf '0x%x' "$addr")"
			 "DAXFS_PHYS_SIZE=$size")
	fi
	addr=$((addr + size))
	i=$((i + 1))
done
nv_env+=("VM_NVDIMMS=$((i - npmem))" "VM_PMEMS=$npmem")
machine=(-machine pc,nvdimm=on -m "$mem")
[ "$i" -gt 0 ] && machine=(-machine pc,nvdimm=on -m "$mem,slots=4,maxmem=64G")

# --- the command the guest runs --------------------------------------------
{
	echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	echo 'export HOME=/root TERM=dumb LANG=C.UTF-8 KVER=$(uname -r)'
	printf 'export VM_SHARE=%q\n' "$VM_SHARE"
	for v in "${nv_env[@]}"; do printf 'export %q\n' "$v"; done
	while IFS= read -r v; do
		printf 'export %q\n' "$v=${!v}"
	done < <(compgen -e | grep '^DAXFS_' || true)
	for v in "${envs[@]}"; do
		[[ "$v" == [A-Za-z_]*=* ]] || die "--env $v: want NAME=VALUE"
		printf 'export %q\n' "$v"
	done
	printf 'cd %q 2>/dev/null || cd /\n' "$PWD"
	printf 'bash %q' "$script"
	for a in "$@"; do printf ' %q' "$a"; done
	echo
	echo 'rc=$?'
	printf 'echo $rc >%q/script-rc\n' "$RUN"
	echo 'exit $rc'
} >"$RUN/cmd.sh"

# --- boot ---------------------------------------------------------------------
qemu=(qemu-system-x86_64 -nodefaults -no-user-config -display none
      -accel tcg,thread=multi -cpu max -smp "$smp" "${machine[@]}"
      -kernel "$KIMAGE" -initrd "$INITRD"
      -append "console=ttyS1 loglevel=5 panic=-1 oops=panic mitigations=off rdinit=/init$append"
      -chardev stdio,id=out,signal=off -serial chardev:out
      -serial "file:$RUN/console.log"
      -virtfs "local,path=/,mount_tag=hostroot,readonly=on,security_model=none,multidevs=remap"
      -virtfs "local,path=$RUN,mount_tag=vmrun,security_model=none"
      -no-reboot -pidfile "$RUN/qemu.pid"
      "${qnv[@]}")
[ -n "$share" ] &&
	qemu+=(-virtfs "local,path=$share,mount_tag=vmshare,security_model=none")

report() { [ -z "$result" ] || echo "$*" >"$result"; }

"${qemu[@]}" </dev/null &
QPID=$!
# the watchdog: on TERM it stops its sleep and leaves quietly
(
	trap 'kill "$sp" 2>/dev/null; exit 0' TERM
	sleep $((timeout + BOOT_SLACK)) &
	sp=$!
	wait "$sp" || exit 0
	: >"$RUN/timed-out"
	kill "$QPID" 2>/dev/null
) &
TPID=$!
wait "$QPID"
qrc=$?
QPID=
kill "$TPID" 2>/dev/null
wait "$TPID" 2>/dev/null
TPID=

show_log() {	# show_log FILE TITLE
	echo "---- $2 ----" >&2
	if [ -s "$1" ]; then tail -n "${3:-200}" "$1" >&2
	else echo "(empty)" >&2; fi
	echo "---- end ----" >&2
}
if [ -e "$RUN/timed-out" ]; then
	echo "$PROG: guest did not finish within ${timeout}s + ${BOOT_SLACK}s" \
		"($KVER): killed" >&2
	show_log "$RUN/console.log" "guest console (kernel log)"
	report timeout
	exit 124
fi
if [ -e "$RUN/setup-failed" ]; then
	echo "$PROG: guest $(cat "$RUN/setup-failed")" >&2
	show_log "$RUN/console.log" "guest console (kernel log)"
	report crash
	exit 125
fi
if [ ! -f "$RUN/rc" ] && [ "$qrc" -ne 0 ] && [ ! -s "$RUN/console.log" ]; then
	echo "$PROG: qemu failed to start (exit $qrc; its message is above)" >&2
	report crash
	exit 125
fi
if [ ! -f "$RUN/rc" ]; then
	echo "$PROG: guest died before SCRIPT finished ($KVER, qemu exit $qrc)" >&2
	show_log "$RUN/console.log" "guest console (kernel log)"
	# Died while booting, before SCRIPT (or any module of ours) ran: seen
	# rarely under multi-threaded TCG ("Oops: int3" while the kernel
	# patches its own text).  Boot again, at most VM_BOOT_RETRIES times.
	retries=${VM_BOOT_RETRIES:-2}
	if [ ! -e "$RUN/started" ] && [ "$retries" -gt 0 ]; then
		echo "$PROG: the guest died while booting, before SCRIPT" \
			"started: booting again ($retries more tries)" >&2
		cleanup
		trap - EXIT
		VM_BOOT_RETRIES=$((retries - 1)) exec bash "$0" "${ARGS[@]}"
	fi
	report crash
	exit 125
fi
rc=$(cat "$RUN/rc")
if [ "$rc" = timeout ]; then
	echo "$PROG: SCRIPT timed out after ${timeout}s ($KVER)" >&2
	show_log "$RUN/dmesg" "guest dmesg" 300
	report timeout
	exit 124
fi
BAD='Oops|BUG:|WARNING:|general protection|Call Trace|UBSAN|KASAN'
if grep -Eq "$BAD" "$RUN/dmesg" "$RUN/console.log"; then
	echo "$PROG: guest kernel log shows a problem ($KVER):" >&2
	grep -Eh "$BAD" "$RUN/dmesg" | head -n 5 | sed 's/^/  /' >&2
	first=$(grep -En "$BAD" "$RUN/dmesg" | head -n1 | cut -d: -f1)
	echo "---- guest dmesg (from 40 lines before the first hit) ----" >&2
	tail -n +$(( ${first:-1} > 40 ? ${first:-1} - 40 : 1 )) "$RUN/dmesg" |
		head -n 600 >&2
	echo "---- end ----" >&2
	report "kernel $rc"
	[ "$rc" -eq 0 ] && exit 1
	exit "$rc"
fi
report "ok $rc"
exit "$rc"

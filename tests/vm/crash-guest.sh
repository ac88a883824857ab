#!/bin/bash
# crash-guest.sh: one cycle of the crash test, in a guest.  The host
# (tests/vm/crash.sh) boots a guest per cycle on one NVDIMM image file
# and kills QEMU (SIGKILL) while this script's workload runs; the next
# cycle's guest checks what the crash left.  Not in tests/vm/guest/: the
# suite must not run it on its own.
#
# Environment (from crash.sh): CRASH_CYCLE (this cycle C, from 1),
# CRASH_SEED, CRASH_NBASE (base files base/b1..bN in the image),
# CRASH_FINAL=1 (check only, no workload), and VM_SHARE, the host
# directory the cycles share: claims-C (what cycle C's workload
# claimed), settled-C.manifest (cycle C's files as cycle C+1 found
# them), base.manifest (the host's base files), started-C (the workload
# runs: the host may kill from now on).
#
# Cycle C:
#  1. insmod, mount the image writable: the mount takes the branch over
#     from the dead mount (it waits out its lease), frees the pages the
#     crash left allocated and the inodes it left unlinked but open; its
#     log must not say the log was damaged (recovery), nor that pages in
#     use were not marked.
#  2. crashload check: cycle C-1's files against the replay of its
#     claims (every claimed op is there, the interrupted one whole or
#     not at all: tests/vm/helpers/crashload.c says what that means per
#     op); their manifest is saved for the next cycle.  Cycle C-2's files
#     exactly as cycle C-1 found them (names, types, modes, owners,
#     sizes, link counts, mtimes, xattrs, contents); the base files no
#     cycle took yet as mkdaxfs wrote them; nothing else in the root.
#  3. umount; daxfs-inspect check of the region through /dev/mem must be
#     clean (no leaked page, no warning): recovery left nothing behind.
#  4. mount again, remove cycle C-2's files, and run the workload
#     (crashload run) until the host kills the guest.
# Prints "crash-note: ..." lines (what was found, times) and FAIL: lines;
# crash.sh makes one PASS line of a cycle with no FAIL.  Under TCG every
# program started costs a fraction of a second, so this script starts
# few: the checks are one crashload, the log is read with bash.
# shellcheck disable=SC2034 # common.sh names its scratch directory after it
TEST_NAME=crash
. "$(dirname "$0")/guest/lib/common.sh"

C=${CRASH_CYCLE:?}
SEED=${CRASH_SEED:?}
NBASE=${CRASH_NBASE:?}
FINAL=${CRASH_FINAL:-0}
S=${VM_SHARE:?}
P=$((C - 1))
CL=$H/crashload
FAILED=0
MNT=$W/mnt
OPTS="phys=$PHYS,size=$PHYS_SIZE"

# ms: $MS becomes the time in ms (no process started)
ms() { MS=${EPOCHREALTIME/./}; MS=$((MS / 1000)); }
ms
T0=$MS
note() { ms; echo "crash-note: cycle $C: $* [at +$((MS - T0)) ms]"; }
bad() { fail "crash: cycle $C: $*"; FAILED=1; }
# dmesg_since N FILE: the kernel log after its first N lines into FILE;
# N_LINES its line count
dmesg_since() {
	local i=0 line
	: >"$2"
	dmesg >"$W/dmesg.all"
	while IFS= read -r line; do
		i=$((i + 1))
		[ "$i" -gt "$1" ] && echo "$line" >>"$2"
	done <"$W/dmesg.all"
	N_LINES=$i
}

read -r up _ </proc/uptime
note "the script starts $up s after boot"
[ -n "$PHYS" ] || { bad "no NVDIMM (vm.sh --nvdimm)"; exit 1; }
[ -x "$CL" ] && [ -x "$INSPECT" ] ||
	{ bad "setup: $CL or $INSPECT missing"; exit 1; }
# daxfs needs libcrc32c (insmod does not load dependencies)
modprobe libcrc32c 2>/dev/null
insmod "$DAXFS_KO" || daxfs_load
dmesg_since 0 "$W/boot.dmesg"
mark=$N_LINES
mkdir "$MNT"

# --- 1. the mount after the crash ------------------------------------------
ms; t0=$MS
if ! mount -t daxfs -o "$OPTS" none "$MNT" 2>"$W/mount.err"; then
	bad "mount after the crash failed: $(<"$W/mount.err")"
	dmesg_since "$mark" "$W/mount.dmesg"
	while IFS= read -r l; do echo "    dmesg: $l"; done <"$W/mount.dmesg"
	exit 1
fi
ms; t1=$MS
dmesg_since "$mark" "$W/mount.dmesg"
mark=$N_LINES
said=
while IFS= read -r l; do
	case "$l" in
	*"daxfs: loading"*|*"module verification"*|*"taints kernel"*) continue ;;
	*daxfs:*) said="$said; ${l#*daxfs: }" ;;
	*) continue ;;
	esac
	case "$l" in
	*[Rr]ecovery*|*damaged*|*cannot*|*failed*)
		bad "the mount reported damage (it must not need recovery): $l" ;;
	*"page bitmap repaired"*", 0 marked that were in use"*) ;;
	*"page bitmap repaired"*)
		bad "the bitmap did not mark pages in use at the crash (the allocator could hand them out twice): $l" ;;
	esac
done <"$W/mount.dmesg"
note "mount took $((t1 - t0)) ms; it said: ${said#; }"
rw=0
while read -r _ mp type mopts _; do
	[ "$mp" = "$MNT" ] && [ "$type" = daxfs ] && [[ "$mopts" == rw,* ]] && rw=1
done </proc/mounts
[ "$rw" = 1 ] || bad "mounted, but not writable"

# --- 2. what the crash left -------------------------------------------------
"$CL" check "$MNT" "$SEED" "$C" "$NBASE" "$S" >"$W/check.out" 2>&1
rc=$?
while IFS= read -r l; do
	case "$l" in
	"FAIL: "*) FAILED=1; echo "$l" ;;
	"crash-note: "*) echo "$l" ;;
	*) echo "    $l" ;;
	esac
done <"$W/check.out"
if [ "$rc" != 0 ] && [ "$FAILED" = 0 ]; then
	bad "crashload check exited $rc"
fi
if [ "$FAILED" = 1 ] && [ "$P" -ge 1 ]; then
	echo "    the last claims of cycle $P:"
	mapfile -t cl <"$S/claims-$P"
	for ((i = ${#cl[@]} > 5 ? ${#cl[@]} - 5 : 0; i < ${#cl[@]}; i++)); do
		echo "      ${cl[i]}"
	done
fi

# --- 3. the region after recovery -------------------------------------------
if ! umount "$MNT"; then
	bad "umount failed"
	exit 1
fi
ms; t0=$MS
"$INSPECT" -p "$PHYS" -s "$PHYS_SIZE" check >"$W/inspect.out" 2>&1
rc=$?
ms; t1=$MS
clean='' warn='' lines=()
while IFS= read -r l; do
	case "$l" in
	"clean: "*) clean=$l ;;
	"warning: "*) warn=1; lines+=("$l") ;;
	*) lines+=("$l") ;;
	esac
done <"$W/inspect.out"
if [ "$rc" = 0 ] && [ -n "$clean" ] && [ -z "$warn" ]; then
	note "daxfs-inspect check clean in $((t1 - t0)) ms: main's log${clean#*main\'s log}"
else
	case "${lines[*]}" in
	*[Uu]nknown*|*[Uu]nsupported*|*"not supported"*|*version*)
		bad "daxfs-inspect check cannot read this region (is tools/inspect updated for the log format?): exit $rc" ;;
	*) bad "daxfs-inspect check of the region after the recovery (exit $rc):" ;;
	esac
	for ((i = 0; i < ${#lines[@]} && i < 30; i++)); do
		echo "    ${lines[i]}"
	done
fi

# --- 4. the next workload -----------------------------------------------------
ms; t0=$MS
if ! mount -t daxfs -o "$OPTS" none "$MNT" 2>"$W/mount.err"; then
	bad "mount after a clean umount failed: $(<"$W/mount.err")"
	exit 1
fi
ms; t1=$MS
note "mount after the umount took $((t1 - t0)) ms"
if [ "$P" -ge 2 ]; then
	rm -rf "$MNT/c$((P - 1))" || bad "rm -rf c$((P - 1)) failed"
fi
dmesg_since "$mark" "$W/more.dmesg"
while IFS= read -r l; do
	[[ "$l" =~ $DMESG_BAD ]] && bad "the kernel log: $l"
done <"$W/more.dmesg"
if [ "$FINAL" = 1 ] || [ "$FAILED" = 1 ]; then
	umount "$MNT" || bad "the last umount failed"
	rmmod daxfs || bad "rmmod daxfs failed"
	exit "$FAILED"
fi
note "workload starts"
"$CL" run "$MNT" "$SEED" "$C" "$NBASE" "$S/claims-$C" "$S/started-$C" 300 \
	>"$W/run.out" 2>&1
rc=$?
while IFS= read -r l; do echo "    $l"; done <"$W/run.out"
if [ "$rc" = 3 ]; then
	bad "the workload ran 300 s and nobody killed the guest"
else
	bad "the workload failed (exit $rc; above)"
fi
dmesg_since "$mark" "$W/more.dmesg"
while IFS= read -r l; do echo "    dmesg: $l"; done <"$W/more.dmesg"
exit 1

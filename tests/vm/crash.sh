#!/bin/bash
# crash.sh: kill a guest while it writes a writable DAXFS mount, over and
# over, and check after each crash that every operation that returned is
# there, the one the crash interrupted is all or nothing, and the region
# checks clean.  Runs on the host; tests/vm/run.sh calls it per kernel.
#
#   tests/vm/crash.sh [--kernel VERSION] [--kills N] [--chains N]
#                     [--seed N] [--delay MIN-MAX] [--timeout SEC] [--keep]
#
# A chain: one image (mkdaxfs -b, 64 MiB, with base files base/b1 ...)
# backs an NVDIMM (vm.sh --nvdimm: share=on, so every store the guest
# makes is in the file the moment it makes it, and killing QEMU loses
# none: what the test checks is the order and atomicity of the stores,
# not cache flushes).  Cycle C boots a guest that runs
# tests/vm/crash-guest.sh: it mounts the image, checks what the crash of
# cycle C-1 left (against the claims C-1's workload made through the
# --share directory), umounts, runs daxfs-inspect check on the region,
# mounts again and starts cycle C's workload (crashload run, in
# tests/vm/helpers/crashload.c), which says so in the share directory;
# the host then waits a random 2-10 s (--delay, seconds) and kills QEMU
# with SIGKILL.  After each kill the host also runs daxfs-inspect check
# on the image as the crash left it: the only problems it may find are
# pages marked in use that nothing uses (the next mount frees them).  K
# kills take K+1 guests: the last one only checks.
#
# --kills (default $CRASH_KILLS or 10) are shared among --chains
# (default $CRASH_CHAINS or 2) independent chains that run at the same
# time, each with its own image and one vCPU: a cycle is mostly boot and
# the wait for the dead mount's lease, so two chains do twice the kills
# in about the same time on two cores.  --seed (default $CRASH_SEED or
# the time) fixes the workloads and the kill delays (chain J uses SEED+J;
# the moment a kill lands within the workload still varies with timing).
# On a failure the chain stops; the run's directory is kept and named,
# with the image as the failing cycle's guest found it (chainJ/
# crashed-C.img), the share directory (claims-*), the guests' logs and
# consoles, and the command that checks that image again.  --keep keeps
# the directory always.
# --workload branches (default $CRASH_WORKLOAD or files) runs
# tests/vm/bcrash-guest.sh instead: each cycle's workload is a random
# walk of branch creates, writes, commits (also --parent) and aborts;
# the next cycle mounts writable the branch the killed mount showed (its
# claim must pass over once the lease ran out), and every live branch,
# its parent and its files must be exactly as before the interrupted
# operation or exactly as after it.
# Prints a PASS: line per cycle (what the crash hit, what was found) and
# one per chain, or FAIL: lines; exit 0 when all passed.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib.sh"
kernel=${VM_KERNEL:-6.1}
kills=${CRASH_KILLS:-10}
chains=${CRASH_CHAINS:-2}
seed=${CRASH_SEED:-$(date +%s)}
delay=2-10
timeout=600
keep=0
workload=${CRASH_WORKLOAD:-files}
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--kills) kills=$2; shift 2 ;;
	--chains) chains=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--delay) delay=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	--workload) workload=$2; shift 2 ;;
	*) echo "usage: crash.sh [--kernel VERSION] [--kills N] [--chains N]" \
		"[--seed N] [--delay MIN-MAX] [--timeout SEC] [--keep]" \
		"[--workload files|branches]" >&2
	   exit 2 ;;
	esac
done
case "$workload" in
files) GUEST=$TOP/tests/vm/crash-guest.sh WTAG=crash ;;
branches) GUEST=$TOP/tests/vm/bcrash-guest.sh WTAG="crash: branches" ;;
*) fail "crash: setup: --workload $workload (files or branches)"; exit 1 ;;
esac
[[ "$kills" =~ ^[0-9]+$ ]] && [ "$kills" -gt 0 ] ||
	{ fail "crash: setup: --kills $kills"; exit 1; }
[[ "$chains" =~ ^[0-9]+$ ]] && [ "$chains" -gt 0 ] ||
	{ fail "crash: setup: --chains $chains"; exit 1; }
[ "$chains" -le "$kills" ] || chains=$kills
[[ "$seed" =~ ^[0-9]+$ ]] || { fail "crash: setup: --seed $seed"; exit 1; }
[[ "$delay" =~ ^([0-9]+)-([0-9]+)$ ]] &&
	[ "${BASH_REMATCH[1]}" -le "${BASH_REMATCH[2]}" ] ||
	{ fail "crash: setup: --delay $delay (want MIN-MAX seconds)"; exit 1; }
dmin=$((BASH_REMATCH[1] * 1000))
dspan=$(( (BASH_REMATCH[2] - BASH_REMATCH[1]) * 1000 + 1 ))
VM=$TOP/tests/vm/vm.sh
H=$TOP/build/vm-helpers
INSPECT=$TOP/build/daxfs-inspect
for f in "$TOP/build/mkdaxfs" "$INSPECT" "$H/crashload" "$VM" "$GUEST"; do
	[ -e "$f" ] || { fail "crash: setup: $f missing"; exit 1; }
done
[ "$(id -u)" = 0 ] || { fail "crash: setup: needs root (/dev/mem in the guest)"; exit 1; }
kver=$("$VM" --kernel "$kernel" --print-kver 2>&1) ||
	{ fail "crash: setup: $kver"; exit 1; }
ko=${DAXFS_KO:-}
case "$ko" in
*/"$kver"/daxfs.ko) [ -f "$ko" ] || ko= ;;
*) ko= ;;
esac
if [ -z "$ko" ] && ! ko=$(bash "$TOP/tests/vm/kmod.sh" "$kver" 2>&1); then
	fail "crash: setup: $ko"
	exit 1
fi
export DAXFS_TOP=$TOP DAXFS_KO=$ko
smp=$(( chains > 1 ? 1 : 2 ))

D=$(mktemp -d "${TMPDIR:-/tmp}/daxfs-crash.XXXXXX")
PIDS=()
finish() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	if ls "$D"/FAILED "$D"/chain*/FAILED >/dev/null 2>&1 ||
	   [ "$keep" = 1 ]; then
		echo "crash: files kept in $D" >&2
	else
		rm -rf "$D"
	fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ms since the epoch
now_ms() { date +%s%3N; }

BAD='Oops|BUG:|WARNING:|general protection|Call Trace|UBSAN|KASAN'

# chain J KILLS: one image, KILLS kills and a last check (a subshell)
chain() {
	local j=$1 nk=$2 cs=$(( seed + $1 )) C=$D/chain$1 c final log res
	local S=$D/chain$1/share vpid qpid why found mt leaks tc ts tk te
	local nbase=$(( $2 + 1 )) n_abs=0 n_com=0 n_par=0 killed=0 n_lease=0
	local kinds=
	local t0 tag
	trap '[ -n "${vpid:-}" ] && kill "$vpid" 2>/dev/null; exit 143' TERM
	t0=$(now_ms)
	mkdir -p "$S" "$C/src"
	if ! "$H/crashload" base "$C/src" "$cs" "$nbase" 2>"$C/err" ||
	   ! "$TOP/build/mkdaxfs" -q -d "$C/src" -o "$C/nv.img" -s 64M -b \
		2>>"$C/err"; then
		fail "crash: chain $j: setup: making the image: $(head -n 1 "$C/err")"
		: >"$C/FAILED"
		return 1
	fi
	"$H/crashload" manifest "$C/src/base" >"$S/base.manifest"

	# delay_ms C: the kill delay of cycle C, a function of the seed
	delay_ms() {
		local x=$(( cs * 6364136223846793005 + $1 * 1442695040888963407 ))
		x=$(( (x ^ (x >> 29)) * 2685821657736338717 ))
		echo $(( dmin + ((x >> 33) & 0x7fffffff) % dspan ))
	}
	# qemu_pid C: cycle C's QEMU, once running (vm.sh's per-run
	# directory is under run-C: TMPDIR)
	qemu_pid() {
		local f p
		for f in "$C/run-$1"/daxfs-vm.*/qemu.pid; do
			[ -f "$f" ] || continue
			p=$(cat "$f" 2>/dev/null)
			[ -n "$p" ] && kill -0 "$p" 2>/dev/null &&
				{ echo "$p"; return 0; }
		done
		return 1
	}
	# host_check C: the image as the crash left it may only have leaks
	host_check() {
		local out=$C/hostcheck-$1.out
		"$INSPECT" "$C/nv.img" check >"$out" 2>&1 && return 0
		grep -q '^clean: ' "$out" && return 0
		grep -v -E '\(leaked\)$|^warning: |: [0-9]+ problems? found$' \
			"$out" | grep -q . && return 1
		grep -c '(leaked)$' "$out" >"$C/hostcheck-$1.leaks"
		return 0
	}

	for ((c = 1; c <= nk + 1; c++)); do
		tag="$WTAG: [chain $j cycle $c]"
		final=0
		[ "$c" = $((nk + 1)) ] && final=1
		log=$C/guest-$c.log
		mkdir -p "$C/run-$c"
		cp --sparse=always "$C/nv.img" "$C/crashed-$c.img"
		rm -f "$C/crashed-$((c - 2)).img"
		tc=$(now_ms)
		TMPDIR=$C/run-$c "$VM" --kernel "$kver" --smp "$smp" --mem 1G \
			--timeout "$timeout" --nvdimm "$C/nv.img" --share "$S" \
			--keep --env "CRASH_CYCLE=$c" --env "CRASH_SEED=$cs" \
			--env "CRASH_NBASE=$nbase" --env "CRASH_FINAL=$final" \
			--result "$C/result-$c" "$GUEST" \
			>"$log" 2>&1 &
		vpid=$!
		why=
		ts=0 tk=0
		if [ "$final" = 0 ]; then
			# wait for the workload, then kill
			while [ ! -e "$S/started-$c" ] &&
			      kill -0 "$vpid" 2>/dev/null; do
				sleep 0.1
			done
			if [ -e "$S/started-$c" ]; then
				ts=$(now_ms)
				d=$(delay_ms "$c")
				sleep "$((d / 1000)).$(printf %03d $((d % 1000)))"
				if qpid=$(qemu_pid "$c"); then
					kill -9 "$qpid"
					tk=$(now_ms)
					killed=$((killed + 1))
				else
					why="the guest ended before the kill"
				fi
			else
				why="the workload never started"
			fi
		fi
		wait "$vpid"
		vrc=$?
		te=$(now_ms)
		res=$(cat "$C/result-$c" 2>/dev/null)
		cons=$(ls "$C/run-$c"/daxfs-vm.*/console.log 2>/dev/null | tail -n1)
		grep -E '^FAIL: ' "$log" | sed "s/^FAIL: [a-z]*: cycle [0-9]*:/FAIL: $tag/"
		grep -q '^FAIL: ' "$log" && why=${why:-"(above)"}
		if [ "$final" = 1 ] && [ "$res" != "ok 0" ]; then
			why=${why:-"the last guest: vm.sh exit $vrc (${res:-no result})"}
		fi
		if [ -n "$cons" ] && grep -Eq "$BAD" "$cons"; then
			why="the guest kernel log shows Oops/BUG/WARNING (below)${why:+; $why}"
		fi
		if [ "$final" = 0 ] && [ -z "$why" ] && ! host_check "$c"; then
			why="daxfs-inspect check of the image as the crash left it finds more than leaked pages: $(grep -v -E '\(leaked\)$|^warning: ' "$C/hostcheck-$c.out" | head -n 3 | tr '\n' ' ')"
		fi
		if [ -n "$why" ]; then
			: >"$C/FAILED"
			[ "$why" = "(above)" ] || fail "$tag: $why"
			{
				echo "---- $tag: the guest's output ----"
				tail -n 80 "$log"
				if [ -n "$cons" ] && grep -Eq "$BAD" "$cons"; then
					echo "---- $tag: the guest's console ----"
					grep -E -B5 -A40 "$BAD" "$cons" | head -n 80
				fi
				echo "---- end ----"
				echo "crash: chain $j failed at cycle $c (seed $cs; CRASH_SEED=$seed for the run)."
				echo "crash: $C/crashed-$c.img is the image as cycle $c's guest found it; to check it again:"
				echo "  cp $C/crashed-$c.img $C/nv.img; DAXFS_KO=$ko $VM --kernel $kver --nvdimm $C/nv.img --share $S --env CRASH_CYCLE=$c --env CRASH_SEED=$cs --env CRASH_NBASE=$nbase --env CRASH_FINAL=1 $GUEST"
			} >&2
			return 1
		fi
		found=$(sed -n 's/^crash-note: cycle [0-9]*: cycle [0-9]*: \(.* ops claimed; op [-0-9]* (.*): [a-z].*\)$/\1/p' "$log" | head -n1)
		[[ "$found" =~ \(([a-z]+)[^\)]*\):\ ([a-z]+) ]] &&
			kinds="$kinds ${BASH_REMATCH[1]}:${BASH_REMATCH[2]}"
		case "$found" in
		*"): absent"*) n_abs=$((n_abs + 1)) ;;
		*"): complete"*) n_com=$((n_com + 1)) ;;
		*"): partial"*) n_par=$((n_par + 1)) ;;
		esac
		grep -q '^crash-note: cycle [0-9]*: lease: ' "$log" &&
			n_lease=$((n_lease + 1))
		mt=$(sed -n 's/^crash-note: cycle [0-9]*: mount took \([0-9]*\) ms.*/\1/p' "$log")
		bt=$(sed -n 's/^crash-note: cycle [0-9]*: the script starts \([0-9]*\)\.[0-9]* s after boot.*/\1/p' "$log")
		leaks=$(cat "$C/hostcheck-$c.leaks" 2>/dev/null)
		msg="$tag boot ${bt:-?} s;"
		[ "$c" -gt 1 ] &&
			msg="$msg after the crash: ${found:-?}; mount ${mt:-?} ms; check clean;"
		[ "$final" = 0 ] &&
			msg="$msg killed $((tk - ts)) ms into the workload, $(grep -c . "$S/claims-$c" 2>/dev/null) ops claimed${leaks:+, $leaks runs of leaked pages}"
		pass "$msg ($(( (te - tc) / 1000 )) s)"
		rm -rf "$C/run-$c"
	done
	if [ "$workload" = files ]; then
		pass "crash: $kver: chain $j (seed $cs): $killed kills: after each, every claimed op was there and the interrupted one whole or absent ($n_abs absent, $n_com complete, $n_par partial at a transaction boundary), older files unchanged, daxfs-inspect check clean after recovery ($(( ($(now_ms) - t0) / 1000 )) s)"
		return 0
	fi
	# nearly every kill lands while the mount holds its branch's claim
	if [ "$killed" -ge 2 ] && [ "$n_lease" = 0 ]; then
		fail "$WTAG: $kver: chain $j (seed $cs): $killed kills, and no next mount took a dead mount's branch claim over"
		: >"$C/FAILED"
		return 1
	fi
	pass "$WTAG: $kver: chain $j (seed $cs): $killed kills: after each, the branch tree and every branch's files exactly as before the interrupted operation ($n_abs) or as after it ($n_com), the killed mount's branch mounted writable again ($n_lease after waiting out the dead claim's lease), daxfs-inspect check clean; in flight:$(tr ' ' '\n' <<<"$kinds" | sort | uniq -c | awk 'NF == 2 { printf " %s %s", $1, $2 }') ($(( ($(now_ms) - t0) / 1000 )) s)"
}

# The checker's self-test, on the host (any filesystem with fallocate's
# modes): the replay must accept a write a crash stopped between two of
# its transactions, and refuse a changed byte.  It costs a few seconds
# and keeps a broken checker from passing everything.
selftest() {
	local T=$D/selftest n f out
	mkdir -p "$T/root"
	"$H/crashload" base "$T/root" 7 2 &&
		"$H/crashload" run "$T/root" 7 1 2 "$T/claims" "$T/started" 3 \
		>"$T/out" 2>&1
	if [ $? != 3 ]; then
		echo "crash: checker self-test skipped: the workload does not run on $D's filesystem: $(tail -n 1 "$T/out")"
		return 0
	fi
	# the first write of more than one transaction (256 pages)
	n=$(awk '$2 == "write" || $2 == "append" { split($4, o, "=")
		split($5, l, "=")
		if (int((o[2] % 4096 + l[2] + 4095) / 4096) > 256) { print $1; exit } }' \
		"$T/claims")
	if [ -z "$n" ]; then
		echo "crash: checker self-test skipped: no write of several transactions in $(grep -c . "$T/claims") ops"
		return 0
	fi
	rm -rf "$T/root" "$T/claims"
	mkdir -p "$T/root"
	"$H/crashload" base "$T/root" 7 2
	CRASHLOAD_STOP=$n:1 "$H/crashload" run "$T/root" 7 1 2 "$T/claims" \
		"$T/started" 60 >"$T/out" 2>&1
	out=$("$H/crashload" verify "$T/root" 7 1 2 "$T/claims" 2>&1)
	if [ $? != 0 ] || [[ "$out" != *"): partial: 1 of "* ]]; then
		fail "crash: the checker refuses a write stopped after its first transaction (op $n): $out"
		return 1
	fi
	f=$(find "$T/root/c1" -type f -size +8k | head -n 1)
	printf XXXXXXXX | dd of="$f" bs=1 seek=4000 conv=notrunc status=none
	out=$("$H/crashload" verify "$T/root" 7 1 2 "$T/claims" 2>&1)
	if [ $? = 0 ] || [[ "$out" != *"content differs"* ]]; then
		fail "crash: the checker does not see 8 bytes changed in ${f#"$T/root/"}: $out"
		return 1
	fi
	pass "crash: the checker accepts a write stopped between its transactions (op $n of the self-test) and refuses 8 changed bytes"
	rm -rf "$T"
}
if [ "$workload" = files ] && ! selftest; then
	: >"$D/FAILED"
	exit 1
fi

echo "$WTAG: $kver: $kills kills in $chains chains, seed $seed" \
     "(CRASH_SEED=$seed repeats the workloads and kill delays) in $D"
t_start=$(now_ms)
for ((j = 0; j < chains; j++)); do
	n=$(( kills / chains + (j < kills % chains ? 1 : 0) ))
	chain "$j" "$n" &
	PIDS+=($!)
done
rc=0
for p in "${PIDS[@]}"; do
	wait "$p" || rc=1
done
PIDS=()
echo "$WTAG: $kver: $kills kills took $(( ($(now_ms) - t_start) / 1000 )) s"
exit "$rc"

#!/bin/bash
# bcrash-guest.sh: one cycle of the branch crash test, in a guest.  The
# host (tests/vm/crash.sh --workload branches) boots a guest per cycle on
# one NVDIMM image file and kills QEMU (SIGKILL) while this script's
# workload runs branch operations; the next cycle's guest checks what the
# crash left.  Not in tests/vm/guest/: the suite must not run it alone.
#
# Environment (from crash.sh): CRASH_CYCLE (this cycle C, from 1),
# CRASH_SEED, CRASH_FINAL=1 (check only, no workload), and VM_SHARE, the
# host directory the cycles share: claims-C (what cycle C's workload
# did: "begin K OP ARGS" before op K, "done K" after it returned, "on B"
# when the mount shows branch B), resolved-C (how the next cycle found
# cycle C's interrupted op: before or after), started-C (the workload
# runs: the host may kill from now on).
#
# The workload is a random walk (seeded) over the branch operations on
# one writable mount: create NAME -p PARENT, a file written or removed
# in a leaf (the mount switches there first), commit, commit --parent
# and abort.  The model (below) replays every cycle's claims: for each
# live branch its parent and its view (the names of the root's files
# with their contents, and of base/'s files).
#
# Cycle C:
#  1. insmod; mount, writable, the branch the killed mount showed: a
#     claim the dead kernel held must pass to this one once its lease
#     ran out (the kernel log says "took branch ... over").
#  2. the state: every live branch (daxfs-branch list --json), its parent
#     and its view (the mount switches to each) must be exactly the
#     model's before the interrupted op or exactly after it: a create,
#     commit or abort is all or nothing.
#  3. umount; daxfs-inspect check of the region through /dev/mem clean.
#  4. mount main and run the workload until the host kills the guest.
# Prints "crash-note: ..." lines and FAIL: lines; crash.sh makes one PASS
# line of a cycle with no FAIL.
# shellcheck disable=SC2034 # common.sh names its scratch directory after it
TEST_NAME=bcrash
. "$(dirname "$0")/guest/lib/common.sh"

C=${CRASH_CYCLE:?}
SEED=${CRASH_SEED:?}
FINAL=${CRASH_FINAL:-0}
S=${VM_SHARE:?}
P=$((C - 1))
BR=$DAXFS_TOP/build/daxfs-branch
FAILED=0
M=$W/mnt
OPTS="phys=$PHYS,size=$PHYS_SIZE"
export LC_ALL=C

ms() { MS=${EPOCHREALTIME/./}; MS=$((MS / 1000)); }
ms
T0=$MS
note() { ms; echo "crash-note: cycle $C: $* [at +$((MS - T0)) ms]"; }
bad() { fail "crash: cycle $C: $*"; FAILED=1; }

read -r up _ </proc/uptime
note "the script starts $up s after boot"
[ -n "$PHYS" ] || { bad "no NVDIMM (vm.sh --nvdimm)"; exit 1; }
[ -x "$BR" ] && [ -x "$INSPECT" ] || { bad "setup: $BR or $INSPECT missing"; exit 1; }

# ---- the model ----------------------------------------------------------------
# PAR[b]: b's parent ("" for main); VIEW[b]: b's view, sorted tokens
# "name=content" (root files) and "base/bK" (base files, by name)
declare -A PAR VIEW
model_init() {
	local f v=()
	PAR=([main]="") VIEW=()
	for f in "$1"/base/*; do
		[ -e "$f" ] && v+=("base/${f##*/}")
	done
	VIEW[main]=$(printf '%s\n' "${v[@]}" | sort | tr '\n' ' ')
}
view_set() {	# view_set B NAME [CONTENT]: NAME=CONTENT in B's view (or gone)
	local t keep=()
	for t in ${VIEW[$1]}; do
		[ "${t%%=*}" = "$2" ] || keep+=("$t")
	done
	[ $# -ge 3 ] && keep+=("$2=$3")
	VIEW[$1]=$( ((${#keep[@]})) && printf '%s\n' "${keep[@]}" | sort | tr '\n' ' ')
}
drop_tree() {	# drop_tree B: B and its descendants are gone
	local c
	for c in "${!PAR[@]}"; do
		[ "${PAR[$c]}" = "$1" ] && drop_tree "$c"
	done
	unset "PAR[$1]" "VIEW[$1]"
}
apply() {	# apply OP ARGS
	local p c v
	case "$1" in
	create) PAR[$2]=$3; VIEW[$2]=${VIEW[$3]} ;;
	write) view_set "$2" "$3" "$4" ;;
	rm) view_set "$2" "$3" ;;
	commit)
		v=${VIEW[$2]}
		PAR=([main]="") VIEW=([main]="$v") ;;
	commitp)
		p=${PAR[$2]}
		VIEW[$p]=${VIEW[$2]}
		for c in "${!PAR[@]}"; do
			[ "${PAR[$c]}" = "$p" ] && drop_tree "$c"
		done ;;
	abort) drop_tree "$2" ;;
	esac
}
state() {	# the model as text, one line per live branch
	local b
	for b in $(printf '%s\n' "${!PAR[@]}" | sort); do
		echo "$b ${PAR[$b]:--}: ${VIEW[$b]}"
	done
}
children() {	# children B: how many live children B has
	local c n=0
	for c in "${!PAR[@]}"; do
		[ "${PAR[$c]}" = "$1" ] && n=$((n + 1))
	done
	echo "$n"
}
depth() {	# nesting of B below main
	local b=$1 n=0
	while [ "$b" != main ]; do b=${PAR[$b]}; n=$((n + 1)); done
	echo "$n"
}

# replay N: the claims of cycles 1..N, each interrupted op as the next
# cycle found it (resolved-C); cycle N's is left in PENDING (op PENDK),
# and ON is the branch the mount showed when N was killed
PENDING='' PENDK='' ON=main
replay() {
	local c w k op res
	for ((c = 1; c <= $1; c++)); do
		PENDING=
		[ -f "$S/claims-$c" ] || continue
		while read -r w k op; do
			case "$w" in
			begin) PENDING=$op PENDK=$k ;;
			done) [ -n "$PENDING" ] && apply $PENDING; PENDING= ;;
			refused) PENDING= ;;
			on) ON=$k ;;
			esac
		done <"$S/claims-$c"
		if [ "$c" -lt "$1" ] && [ -n "$PENDING" ]; then
			res=$(cat "$S/resolved-$c" 2>/dev/null)
			[ "$res" = after ] && apply $PENDING
			PENDING=
		fi
	done
}

# ---- the region as a mount shows it --------------------------------------------
# observe: the live branches and their views, through the mount at $M
observe() {
	local line re name parent b f v
	re='"name": "([^"]*)", "parent": (null|"([^"]*)")'
	declare -A OPAR=()
	"$BR" list --json -m "$M" >"$W/list.json" 2>&1
	while IFS= read -r line; do
		[[ "$line" =~ $re ]] || continue
		OPAR[${BASH_REMATCH[1]}]=${BASH_REMATCH[3]}
	done <"$W/list.json"
	for b in $(printf '%s\n' "${!OPAR[@]}" | sort); do
		if ! "$BR" switch "$b" -m "$M" >/dev/null 2>"$W/sw.err"; then
			echo "$b ${OPAR[$b]:--}: (switch failed: $(<"$W/sw.err"))"
			continue
		fi
		v=()
		for f in "$M"/* "$M"/base/*; do
			[ -f "$f" ] || continue
			case "$f" in
			"$M"/base/*) v+=("base/${f##*/}") ;;
			*) v+=("${f##*/}=$(<"$f")") ;;
			esac
		done
		echo "$b ${OPAR[$b]:--}: $( ((${#v[@]})) && printf '%s\n' "${v[@]}" | sort | tr '\n' ' ')"
	done
}

modprobe libcrc32c 2>/dev/null
insmod "$DAXFS_KO" || daxfs_load
dmesg_mark
mkdir -p "$M"

if [ "$C" = 1 ]; then
	mount -t daxfs -o "$OPTS" none "$M" || { bad "the first mount failed"; exit 1; }
	for f in "$M"/base/*; do echo "${f##*/}"; done >"$S/model-base"
	umount "$M"
fi
# the base files, as cycle 1 found them
mkdir -p "$W/base0/base"
while read -r f; do : >"$W/base0/base/$f"; done <"$S/model-base"
model_init "$W/base0"
replay "$P"

# --- 1. the killed mount's branch, writable ----------------------------------------
if [ "$C" -gt 1 ]; then
	ms; t0=$MS
	if mount -t daxfs -o "$OPTS,branch=$ON" none "$M" 2>"$W/mount.err"; then
		ms
		note "mount took $((MS - t0)) ms"
		how="mounted writable in $((MS - t0)) ms"
		dmesg | grep -q "took branch $ON over from a mount that died" &&
			how="$how, taken over from the dead mount (lease)" &&
			note "lease: took $ON over"
	elif dmesg | tail -n 5 | grep -q "no live branch '$ON'"; then
		how="gone (the interrupted op discarded it)"
		mount -t daxfs -o "$OPTS" none "$M" ||
			{ bad "mount of main failed"; exit 1; }
	else
		bad "mount -o branch=$ON (the killed mount's branch) failed: $(<"$W/mount.err"); $(dmesg | tail -n 3 | tr '\n' ' ')"
		exit 1
	fi
	note "the killed mount showed '$ON': $how"

	# --- 2. the state: wholly before or wholly after ----------------------------
	observe >"$W/seen"
	state >"$W/before"
	res=idle
	if [ -n "$PENDING" ]; then
		apply $PENDING
		state >"$W/after"
		res=neither
		cmp -s "$W/seen" "$W/before" && res=before
		cmp -s "$W/seen" "$W/after" && res=after
	elif ! cmp -s "$W/seen" "$W/before"; then
		res=neither
	fi
	ops=$(grep -c '^done ' "$S/claims-$P" 2>/dev/null)
	case "$res" in
	before) what=absent ;;
	after) what=complete ;;
	idle) what="none in flight" ;;
	*) what=wrong ;;
	esac
	[ -n "$PENDING" ] || PENDK=-
	note "cycle $P: ${ops:-0} ops claimed; op $PENDK (${PENDING:-none}): $what ($(grep -c . "$W/seen") live branches)"
	if [ "$res" = neither ]; then
		bad "the branches after the crash are neither the state before the interrupted op (${PENDING:-none}) nor after it"
		echo "    seen:"; sed 's/^/      /' "$W/seen"
		echo "    before:"; sed 's/^/      /' "$W/before"
		[ -n "$PENDING" ] && { echo "    after:"; sed 's/^/      /' "$W/after"; }
	fi
	echo "$res" >"$S/resolved-$P"
	umount "$M" || { bad "umount failed"; exit 1; }
	# the model from now on: as found (replay reads resolved-P)
	model_init "$W/base0"
	replay "$C"

	# --- 3. the region ------------------------------------------------------------
	if out=$("$INSPECT" -p "$PHYS" -s "$PHYS_SIZE" check 2>&1) &&
	   ! grep -q '^warning: ' <<<"$out"; then
		note "daxfs-inspect check clean"
	else
		bad "daxfs-inspect check after the crash: $(grep -v '^ok' <<<"$out" | head -n 5 | tr '\n' ' ')"
	fi
fi
dmesg_clean "bcrash: cycle $C: kernel log clean" >"$W/dmesg.res"
grep -q '^FAIL' "$W/dmesg.res" && { cat "$W/dmesg.res"; FAILED=1; }
if [ "$FINAL" = 1 ] || [ "$FAILED" = 1 ]; then
	rmmod daxfs 2>/dev/null
	exit "$FAILED"
fi

# --- 4. the workload ------------------------------------------------------------------
mount -t daxfs -o "$OPTS" none "$M" || { bad "mount for the workload failed"; exit 1; }
CL=$S/claims-$C
: >"$CL"
RANDOM=$(( (SEED * 7919 + C) % 32768 ))
on=main
go() {	# go B: the mount shows B
	[ "$on" = "$1" ] && return 0
	"$BR" switch "$1" -m "$M" >/dev/null || return 1
	on=$1
	echo "on $1" >>"$CL"
}
pick() {	# pick WORDS...: one of them
	local a=("$@")
	echo "${a[RANDOM % ${#a[@]}]}"
}
note "workload starts"
: >"$S/started-$C"
for ((i = 1; i < 100000; i++)); do
	live=() leaves=()
	for b in "${!PAR[@]}"; do
		live+=("$b")
		[ "$(children "$b")" = 0 ] && leaves+=("$b")
	done
	others=()
	for b in "${live[@]}"; do [ "$b" != main ] && others+=("$b"); done
	n=${#others[@]}
	r=$((RANDOM % 100))
	if [ "$n" -lt 2 ] || { [ "$r" -lt 30 ] && [ "$n" -lt 8 ]; }; then
		op=create
	elif [ "$r" -lt 60 ]; then op='write'
	elif [ "$r" -lt 70 ]; then op='rm'
	elif [ "$r" -lt 76 ]; then op=commit	# each adds a level to main
	elif [ "$r" -lt 82 ]; then op=commitp
	else op=abort
	fi
	name=n${C}_$i
	case "$op" in
	create)
		parent=$(pick "${live[@]}")
		[ "$(depth "$parent")" -ge 4 ] && parent=main
		args="$name $parent" ;;
	write) args="$(pick "${leaves[@]}") w${C}_$i $C.$i" ;;
	rm)
		b=$(pick "${leaves[@]}")
		read -r -a toks <<<"${VIEW[$b]}"
		if [ "${#toks[@]}" = 0 ]; then
			op=write args="$b w${C}_$i $C.$i"
		else
			args="$b $(pick "${toks[@]%%=*}")"
		fi ;;
	commit|commitp)
		cand=()
		for b in "${leaves[@]}"; do [ "$b" != main ] && cand+=("$b"); done
		[ "${#cand[@]}" = 0 ] && { op=create args="$name main"; }
		[ "$op" != create ] && args=$(pick "${cand[@]}") ;;
	abort) args=$(pick "${others[@]}") ;;
	esac
	set -- $args
	# the mount moves first (not an op of the model)
	case "$op" in
	create) ;;
	*) go "$1" || { bad "switch $1: failed"; break; } ;;
	esac
	echo "begin $i $op $args" >>"$CL"
	case "$op" in
	create) out=$("$BR" create "$1" -p "$2" -m "$M" 2>&1) ;;
	write) out=$( { echo "$3" >"$M/$2" && sync "$M/$2"; } 2>&1) ;;
	rm) out=$( { rm "$M/$2" && sync -f "$M"; } 2>&1) ;;
	commit) out=$("$BR" commit -m "$M" 2>&1) && on=main ;;
	commitp) out=$("$BR" commit --parent -m "$M" 2>&1) && on=${PAR[$1]} ;;
	abort) out=$("$BR" abort -m "$M" 2>&1) && on=main ;;
	esac
	rc=$?
	if [ "$rc" != 0 ] && [ "$op" = create ] && [[ "$out" == *"levels deep"* ]]; then
		# the depth limit (main grows a level per commit): not a change
		echo "refused $i depth" >>"$CL"
		note "create refused at the depth limit: $out"
		continue
	fi
	if [ "$rc" != 0 ]; then
		bad "op $i ($op $args) failed: $out"
		break
	fi
	echo "done $i" >>"$CL"
	apply $op $args
	case "$op" in commit|commitp|abort) echo "on $on" >>"$CL" ;; esac
done
bad "the workload stopped and nobody killed the guest"
exit 1

#!/bin/bash
# fresh-root.sh: prove that the README's Quick start works on a fresh
# Debian 12.  Not part of make check (it takes 20-40 minutes and
# downloads about a gigabyte of packages).
#
#   bash tests/fresh-root.sh [--dir DIR] [--mirror URI] [--remove]
#
# As root: debootstraps Debian 12 (bookworm, variant minbase: only what
# every Debian has) into DIR (default build/fresh-root; an old one there
# is removed first), from the mirror this machine's apt uses (derived
# from its sources by tests/deps.sh, or --mirror).  Mounts /proc, /sys,
# /dev, /dev/pts, a tmpfs /tmp and /dev/shm in it, puts a `git clone` of
# this repository (committed files only) at /root/daxfs, and runs there,
# in the chroot, what the README tells a newcomer:
#   1. apt-get install make git     (the only packages installed by hand)
#   2. make demo
#   3. the host part of make check: CHECK_VM=0 make check when
#      tests/check.sh knows that knob, else its host steps one by one
#      (tests/deps.sh host; make tools san fuzz; tests/host/*.sh;
#      tests/fuzz/run.sh 30)
#   4. DEMO_KERNEL=6.12 make demo: not in the README, but the VM tests of
#      make check need the bookworm-backports kernel and its headers too,
#      and this shows they install and build daxfs.ko in a few minutes
# Everything else, the kernels and headers in the chroot's own /boot and
# /lib/modules included, must come from the project's own scripts.  QEMU
# runs in the chroot with TCG.  Prints one PASS:/FAIL: line per step;
# exit 0 when all passed.  Logs: DIR.logs/ (kept).  The mounts are
# undone on exit, failure or interrupt; DIR is kept for a look unless
# --remove.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
PROG=fresh-root.sh
R=$TOP/build/fresh-root
mirror=
remove=0

usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "$PROG: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--dir) R=${2:?"$1 needs a value"}; shift 2 ;;
	--mirror) mirror=${2:?"$1 needs a value"}; shift 2 ;;
	--remove) remove=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, mounts, chroot)"
R=$(realpath -m "$R")
[ "$R" != / ] || die "--dir / would be the host's own root"
LOGS=$R.logs
SUITE=bookworm
CLONE=/root/daxfs

# --- mounts and cleanup ----------------------------------------------------
# mounts_under: mount points at or below $R, innermost first
mounts_under() {
	awk -v r="$R" '$5 == r || index($5, r "/") == 1 { print $5 }' \
		/proc/self/mountinfo | sort -r
}

# stop_chroot_procs: end what runs with its root in $R (started by this
# script: the demo's QEMU, a hung test), so that the mounts can go
stop_chroot_procs() {
	local sig p pids
	for sig in TERM KILL; do
		pids=()
		for p in /proc/[0-9]*; do
			[ "$(readlink "$p/root" 2>/dev/null)" = "$R" ] &&
				pids+=("${p#/proc/}")
		done
		[ ${#pids[@]} -gt 0 ] || return 0
		kill -"$sig" "${pids[@]}" 2>/dev/null
		sleep 2
	done
}

umount_all() {
	local m
	stop_chroot_procs
	for m in $(mounts_under); do
		umount "$m" 2>/dev/null || umount -l "$m" ||
			echo "$PROG: cannot unmount $m" >&2
	done
}

cleanup() {
	if [ -n "$STEP_PID" ]; then	# interrupted: end the step's group
		kill -TERM -- "-$STEP_PID" 2>/dev/null
		sleep 2
	fi
	umount_all
	if [ "$remove" = 1 ] && [ -z "$(mounts_under)" ]; then
		rm -rf --one-file-system "$R"
	fi
}

# mount_all: what a booted machine has and a chroot lacks.  /dev and /sys
# are the host's, read-only, so that nothing in the chroot (nor an rm -rf
# of DIR) can remove a host device node.
mount_all() {
	mount -t proc proc "$R/proc" &&
	mount --bind /sys "$R/sys" && mount -o remount,bind,ro "$R/sys" &&
	mount --bind /dev "$R/dev" && mount -o remount,bind,ro "$R/dev" &&
	mount --bind /dev/pts "$R/dev/pts" &&
	mount -t tmpfs -o mode=1777 shm "$R/dev/shm" &&
	mount -t tmpfs -o mode=1777 tmp "$R/tmp"
}

# --- steps -------------------------------------------------------------------
failed=0
# step NAME CMD...: run CMD with output in $LOGS/NAME.log (and on the
# terminal), then one PASS:/FAIL: line with the time it took.  CMD runs
# as a background job in a process group of its own (set -m) and is
# waited for: bash runs a signal's trap only once the foreground command
# ends, but interrupts a wait, so an interrupt stops a step at once
# (cleanup ends the group) instead of after its apt-get or QEMU.
STEP_PID=
step() {
	local name=$1 t0=$SECONDS rc took
	shift
	echo "== $name"
	set -m
	( "$@" 2>&1 | tee "$LOGS/$name.log"; exit "${PIPESTATUS[0]}" ) &
	STEP_PID=$!
	set +m
	wait "$STEP_PID"
	rc=$?
	STEP_PID=
	took="$(( (SECONDS - t0) / 60 ))m$(( (SECONDS - t0) % 60 ))s"
	if [ "$rc" -eq 0 ]; then
		echo "PASS: fresh-root: $name ($took)"
	else
		[ "$rc" -eq 124 ] && took="$took, timed out"
		echo "FAIL: fresh-root: $name: exit $rc ($took; log:" \
		     "$LOGS/$name.log)"
		failed=$((failed + 1))
	fi
	return "$rc"
}

# in_root SECONDS CMD: run the shell command CMD in the chroot, in the
# clone, as a root login would (a clean environment, nothing of this
# shell's); stop it after SECONDS
in_root() {
	timeout -k 30 "$1" chroot "$R" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
		LANG=C.UTF-8 SHELL=/bin/bash USER=root LOGNAME=root \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c "cd $CLONE && $2" </dev/null
}

# host_check: the host part of make check (no VM tests); every test line
# must be a PASS
host_check() {
	if grep -q CHECK_VM "$R$CLONE/tests/check.sh"; then
		in_root 3600 'CHECK_VM=0 make check'
		return
	fi
	# check.sh's own host steps, until it has a knob for stopping there
	# shellcheck disable=SC2016	# expanded in the chroot
	in_root 3600 'bash tests/deps.sh host || exit 1
		for s in tools san fuzz; do
			make --no-print-directory $s ||
				echo "FAIL: step make $s"
		done
		for t in tests/host/*.sh; do
			echo "== $t"
			bash "$t" || echo "FAIL: step $t exited $?"
		done
		bash tests/fuzz/run.sh 30 || echo "FAIL: step fuzz exited $?"'
}

# verdict LOG: the FAIL lines of a test log; 0 when none and some PASS
verdict() {
	local p f
	p=$(grep -c '^PASS: ' "$1")
	f=$(grep -c '^FAIL: ' "$1")
	echo "== $p passed, $f failed"
	grep '^FAIL: ' "$1"
	[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
}

# --- main ------------------------------------------------------------------------
t_all=$SECONDS
[ -z "$(mounts_under)" ] || die "$R has mounts (another run?): $(mounts_under | tr '\n' ' ')"
rm -rf --one-file-system "$R" "$LOGS" || die "cannot remove the old $R"
mkdir -p "$R" "$LOGS" || die "cannot create $R"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash "$TOP/tests/deps.sh" fresh-root || die "tests/deps.sh fresh-root failed"
if [ -z "$mirror" ]; then
	# shellcheck source=tests/deps.sh
	mirror=$(. "$TOP/tests/deps.sh"; debian_mirror) ||
		die "cannot tell this machine's Debian mirror from its apt" \
		    "sources; give --mirror URI"
fi
echo "$PROG: Debian $SUITE (minbase) from $mirror into $R"

if ! step debootstrap timeout 1800 debootstrap --variant=minbase "$SUITE" "$R" \
	"$mirror"; then
	exit 1
fi
# The chroot's network setup is the host's; no daemon that a package
# would start may outlive the run (a chroot has no init to stop it).
cp -L /etc/resolv.conf "$R/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod 755 "$R/usr/sbin/policy-rc.d"
mount_all || die "cannot mount /proc, /sys, /dev, /tmp in $R"
if ! step clone git clone -q --no-hardlinks "$TOP" "$R$CLONE"; then
	exit 1
fi
echo "$PROG: $(git -C "$R$CLONE" log --oneline -1)"

# 1. what the README has the newcomer install by hand
step readme-install in_root 1200 \
	'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq make git >/dev/null' ||
	exit 1
# 2. make demo
step make-demo in_root 3600 'make demo'
# 3. make check, host part
if step host-check host_check; then
	verdict "$LOGS/host-check.log" || {
		echo "FAIL: fresh-root: host-check: test failures (above)"
		failed=$((failed + 1))
	}
fi
# 4. the second guest kernel (make check's VM tests use both)
step make-demo-6.12 in_root 3600 'DEMO_KERNEL=6.12 make demo'
echo "== fresh-root: $failed step(s) failed in $(( (SECONDS - t_all) / 60 ))m"
[ "$failed" -eq 0 ]

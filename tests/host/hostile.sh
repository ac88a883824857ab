#!/bin/bash
# Hostile images: the validator and the accessors against corrupted
# images (tests/host/test_hostile.c, sanitized build), random corruption
# of real mkdaxfs images, and daxfs-inspect check on corrupted images.
set -u
. "$(dirname "$0")/../lib.sh"

T=$SAN/tests/test_hostile
MK=$SAN/mkdaxfs
INSPECT=$SAN/daxfs-inspect
if [ ! -x "$T" ]; then
	fail "hostile: $T not built (make san)"
	exit 0
fi
W=$(mktemp -d /tmp/daxfs-hostile.XXXXXX)
trap 'rm -rf "$W"' EXIT

# crashed RC WHAT: exit codes above 1 mean a crash (ASan/UBSan abort).
crashed() {
	if [ "$1" -gt 1 ]; then fail "hostile: $2 crashed (exit $1)"; fi
}

# The built-in cases and random corruption of the built-in image.
"$T"
crashed $? "test_hostile"

# A small real tree through mkdaxfs, plain and with branches.
if [ ! -x "$MK" ]; then
	fail "hostile: $MK not built (make san)"
else
	S=$W/src
	mkdir -p "$S/d/e"
	echo hello >"$S/f"
	ln "$S/f" "$S/d/hardlink"
	ln -s f "$S/sym"
	ln -s /nowhere/at/all "$S/d/dangling"
	mkfifo "$S/fifo"
	head -c 10000 /dev/urandom >"$S/d/e/random"
	head -c 4096 /dev/urandom >"$S/page"
	truncate -s 100000 "$S/sparse"
	mknod "$S/null" c 1 3 2>/dev/null || true
	setfattr -n user.comment -v hi "$S/f" 2>/dev/null || true
	for i in $(seq 1 50); do : >"$S/d/e/n$i"; done
	for kind in plain branching; do
		img=$W/$kind.img
		args=()
		[ "$kind" = branching ] && args=(-b --delta-size 1M)
		if ! "$MK" -d "$S" -o "$img" "${args[@]}" >/dev/null 2>"$W/err"; then
			fail "hostile: mkdaxfs ($kind): $(head -1 "$W/err")"
			continue
		fi
		"$T" --image "$img" 3000 | grep -e 'mkdaxfs' -e '^FAIL'
		crashed "${PIPESTATUS[0]}" "test_hostile --image ($kind)"
	done
fi

# daxfs-inspect check: clean on the good image, one line per problem and
# a non-zero exit on each corrupted one.
if [ ! -x "$INSPECT" ]; then
	fail "hostile: $INSPECT not built (make san)"
	exit 0
fi
mkdir -p "$W/imgs"
if ! "$T" --write "$W/imgs"; then
	fail "hostile: test_hostile --write failed"
	exit 0
fi
for g in good good-log; do
	if out=$("$INSPECT" "$W/imgs/$g.img" check 2>&1); then
		pass "hostile: inspect check passes $g.img"
	else
		fail "hostile: inspect check on $g.img: $(head -1 <<<"$out")"
	fi
done
needles=("cycle" "two parents" "'/'" "not sorted" \
	 "beyond end of data area" "nlink 1 but 2" "checksum" "loop" \
	 "log: damaged record" "(leaked)")
for i in "${!needles[@]}"; do
	out=$("$INSPECT" "$W/imgs/bad-$i.img" check 2>&1)
	rc=$?
	n=${needles[$i]}
	if [ "$rc" -eq 0 ]; then
		fail "hostile: inspect check bad-$i ($n): exit 0"
	elif [ "$rc" -gt 125 ]; then
		fail "hostile: inspect check bad-$i ($n): crashed ($rc)"
	elif ! grep -qF -- "$n" <<<"$out"; then
		fail "hostile: inspect check bad-$i: no \"$n\" in: $(head -1 <<<"$out")"
	else
		pass "hostile: inspect check reports \"$n\""
	fi
done
exit 0

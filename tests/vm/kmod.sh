#!/bin/bash
# kmod.sh KVER: build daxfs.ko for kernel KVER (/lib/modules/KVER/build) in
# its own copy of the sources, build/kmod/KVER/, so that builds for several
# kernels never clash and the source tree stays clean.  Objects in the
# copy are kept between runs (kbuild rebuilds what changed).  Prints the
# path of daxfs.ko; on failure one line "kmod.sh: KVER: why" on stderr
# (the full log is build/kmod/KVER/build.log) and exit 1.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
kver=${1:?usage: kmod.sh KVER}
kdir=${KDIR:-/lib/modules/$kver/build}
d=$TOP/build/kmod/$kver
err() { echo "kmod.sh: $kver: $*" >&2; exit 1; }

[ -e "$kdir/Makefile" ] || err "no kernel build tree at $kdir"
ls "$TOP"/module/*.c >/dev/null 2>&1 || err "no module sources (module/*.c)"
mkdir -p "$d" || err "cannot create $d"
cp -p "$TOP/Kbuild" "$d/Kbuild" || err "cannot copy Kbuild"
for sub in include libdaxfs module; do
	# sources only: objects already in the copy are protected from --delete
	rsync -a --delete --include='*.c' --include='*.h' --exclude='*' \
		"$TOP/$sub/" "$d/$sub/" || err "cannot copy $sub/"
done
if ! make -C "$kdir" M="$d" modules >"$d/build.log" 2>&1; then
	err "build failed: $(grep -m1 -E 'error|Error' "$d/build.log" |
		cut -c1-160) (log: $d/build.log)"
fi
[ -f "$d/daxfs.ko" ] || err "no daxfs.ko produced"
echo "$d/daxfs.ko"

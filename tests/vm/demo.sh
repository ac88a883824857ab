#!/bin/bash
# demo.sh (make demo): build a DAXFS image of a small real tree, boot a VM
# with the image as its physical memory (an NVDIMM), mount it with phys=
# and look around.  DEMO_KERNEL picks the guest kernel (default 6.1).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
kernel=${DEMO_KERNEL:-6.1}
D=$TOP/build/demo

step() { printf '\n\033[1m>>> %s\033[0m\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

step "Installing what the demo needs (qemu, guest kernels, busybox)"
bash tests/deps.sh vm || die "tests/deps.sh vm failed"

step "Building mkdaxfs, daxfs-inspect and daxfs-branch"
make --no-print-directory tools >/dev/null || die "make tools failed"

kver=$(bash tests/vm/vm.sh --kernel "$kernel" --print-kver) ||
	die "no guest kernel '$kernel'"
step "Building daxfs.ko for the guest kernel $kver"
ko=$(bash tests/vm/kmod.sh "$kver") || exit 1
echo "$ko"

step "Making a source tree: /usr/share/doc/bash, a capability, an xattr," \
     "a symlink and a 64 MiB file"
rm -rf "$D"
mkdir -p "$D/tree" || die "cannot create $D"
cp -a /usr/share/doc/bash "$D/tree/doc" || die "cannot copy /usr/share/doc/bash"
cp /bin/true "$D/tree/ping-like"
setcap cap_net_raw+ep "$D/tree/ping-like" 2>/dev/null ||
	echo "(setcap not available; no capability in the demo)"
echo "hello from a DAXFS image" >"$D/tree/hello.txt"
touch -d '2024-02-29 12:34:56.123456789' "$D/tree/hello.txt"
setfattr -n user.demo -v "stored in the image" "$D/tree/hello.txt" 2>/dev/null
ln -s doc/README "$D/tree/readme-link"
head -c 64M /dev/urandom >"$D/tree/big.bin" || die "cannot make big.bin"
(cd "$D/tree" && sha256sum big.bin >"$D/big.sha256")
du -sh "$D/tree" | sed 's/\t.*/ in the tree/'

step "mkdaxfs -d $D/tree -o $D/demo.img -b"
# An NVDIMM is a multiple of 2 MiB: size the image to match, with 32 MiB
# of delta region for the changes the demo makes (-b).
build/mkdaxfs -q -d "$D/tree" -o "$D/demo.img" || die "mkdaxfs failed"
sz=$(stat -c %s "$D/demo.img")
sz=$(( (sz + (34 << 20) - 1) / (2 << 20) * (2 << 20) ))
build/mkdaxfs -d "$D/tree" -o "$D/demo.img" -s "$sz" -b ||
	die "mkdaxfs -s $sz -b failed"
ls -l "$D/demo.img"
build/daxfs-inspect "$D/demo.img" check 2>/dev/null && echo "image checks out"

step "Booting a $kver guest (QEMU, TCG) with demo.img as an NVDIMM"
DAXFS_KO=$ko bash tests/vm/vm.sh --kernel "$kver" --timeout 300 \
	--nvdimm "$D/demo.img" --env "DEMO_SUM=$D/big.sha256" \
	--env "DAXFS_BRANCH=$PWD/build/daxfs-branch" \
	tests/vm/demo-guest.sh
rc=$?
if [ "$rc" -eq 0 ]; then
	step "Back on the host: the guest's changes are in the image file"
	echo "# daxfs-inspect demo.img ls /"
	build/daxfs-inspect "$D/demo.img" ls / || rc=1
	echo "# daxfs-inspect demo.img cat /notes.txt"
	build/daxfs-inspect "$D/demo.img" cat /notes.txt || rc=1
	echo "# daxfs-inspect demo.img log main | tail"
	build/daxfs-inspect "$D/demo.img" log main | tail -n 8
	build/daxfs-inspect "$D/demo.img" check >/dev/null 2>&1 &&
		echo "daxfs-inspect check: clean" ||
		{ echo "demo: daxfs-inspect check found problems" >&2; rc=1; }
fi
if [ "$rc" -eq 0 ]; then
	step "Demo finished: every step worked"
else
	echo "demo: failed (exit $rc)" >&2
fi
exit "$rc"

#!/bin/bash
# Install what the build and the tests need, when missing.
#   deps.sh host   compiler, clang (fuzzer), attr/libcap tools
#   deps.sh vm     also qemu, a guest kernel and its headers, busybox
set -eu
want=(gcc make clang attr libcap2-bin fakeroot)
if [ "${1:-host}" = vm ]; then
	want+=(qemu-system-x86 linux-image-amd64 linux-headers-amd64
	       busybox-static cpio kmod xz-utils)
fi
missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: need root to install ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null

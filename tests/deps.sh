#!/bin/bash
# Install what the build and the tests need, when missing.
#   deps.sh host   compiler, clang (fuzzer), attr/libcap tools
#   deps.sh vm     also qemu, busybox and two guest kernels with headers:
#                  Debian 12's 6.1 (linux-image-amd64) and 6.12 from
#                  bookworm-backports (the suite is added when missing)
set -eu
want=(gcc make clang attr libcap2-bin fakeroot)
if [ "${1:-host}" = vm ]; then
	want+=(qemu-system-x86 linux-image-amd64 linux-headers-amd64
	       busybox-static cpio kmod xz-utils)
fi

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: need root to install $*" >&2
		exit 1
	fi
}

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	need_root "${missing[*]}"
	apt-get update -qq
	apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ "${1:-host}" = vm ] || exit 0

# --- 6.12 guest kernel from bookworm-backports ---------------------------
have_612() {
	local d
	for d in /lib/modules/6.12*-amd64; do
		[ -e "$d/build/Makefile" ] && [ -e "/boot/vmlinuz-${d##*/}" ] &&
			return 0
	done
	return 1
}
have_612 && exit 0

SRC_DIR=/etc/apt/sources.list.d
# Add the suite by copying the Debian entry with only Suites: changed.
add_backports() {
	grep -rqsw 'bookworm-backports' /etc/apt/sources.list "$SRC_DIR" &&
		return 0
	[ -f "$SRC_DIR/debian.sources" ] || {
		echo "deps.sh: no $SRC_DIR/debian.sources to derive" \
		     "bookworm-backports from" >&2
		exit 1
	}
	awk 'BEGIN { RS = ""; ORS = "\n" }
	     /(^|\n)Suites:([^\n]* )?bookworm( |\n|$)/ && !done {
		n = split($0, l, "\n")
		for (i = 1; i <= n; i++) {
			if (l[i] ~ /^Suites:/)
				l[i] = "Suites: bookworm-backports"
			print l[i]
		}
		done = 1
	     }' "$SRC_DIR/debian.sources" >"$SRC_DIR/daxfs-backports.sources"
	if ! grep -q '^Suites: bookworm-backports' \
	     "$SRC_DIR/daxfs-backports.sources"; then
		rm -f "$SRC_DIR/daxfs-backports.sources"
		echo "deps.sh: no bookworm entry in debian.sources" >&2
		exit 1
	fi
	apt-get update -qq
}

need_root "the 6.12 kernel from bookworm-backports"
add_backports
# The backports metapackages name the versioned image and headers; install
# those (not the metapackages, and without -t, which would also move the
# 6.1 metapackages and linux-libc-dev to backports) so the rest stays put.
bpo_dep() {	# bpo_dep META -> versioned package the backports META needs
	local v
	v=$(apt-cache madison "$1" | awk -F'|' '$3 ~ /backports/ {
		gsub(/ /, "", $2); print $2; exit }')
	[ -n "$v" ] || return 1
	apt-cache show "$1=$v" | sed -n 's/^Depends: \([^ ,]*\).*/\1/p' |
		head -n1
}
img=$(bpo_dep linux-image-amd64) || img=
hdr=$(bpo_dep linux-headers-amd64) || hdr=
if [ -z "$img" ] || [ -z "$hdr" ]; then
	apt-get update -qq
	img=$(bpo_dep linux-image-amd64) || img=
	hdr=$(bpo_dep linux-headers-amd64) || hdr=
fi
case "$img" in
linux-image-6.12*) ;;
*)	echo "deps.sh: no 6.12 kernel found in bookworm-backports" >&2
	exit 1 ;;
esac
echo "installing: $img $hdr (bookworm-backports)"
apt-get install -y -qq "$img" "$hdr" >/dev/null
have_612 || { echo "deps.sh: $img installed but not usable" >&2; exit 1; }

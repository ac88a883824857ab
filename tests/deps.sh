#!/bin/bash
# Install what the build and the tests need, when missing.  Quiet when
# nothing is.  docs/fresh-machine.md has the package list by mode.
#   deps.sh host        build + host tests: compilers, clang (fuzzer),
#                       attr/libcap tools, python3 (a test makes a socket)
#   deps.sh vm          also the VM tests and make demo: qemu, busybox,
#                       rsync, ndctl, erofs-utils and two guest kernels
#                       with headers: Debian 12's 6.1 (linux-image-amd64)
#                       and 6.12 from bookworm-backports (the suite is
#                       added when missing, see add_backports)
#   deps.sh bench       vm plus what bench/ needs
#   deps.sh fresh-root  what tests/fresh-root.sh runs on the host
#   deps.sh backports-entry   only add the bookworm-backports entry
#
# Every program a project script calls must be installed here, unless its
# package is Essential or comes with debootstrap's minbase variant
# (Priority: required): a fresh Debian 12 has nothing else.
#
# Environment, for tests/host/deps.sh: DEPS_APT_ETC (default /etc/apt)
# and DEPS_APT_LISTS (default /var/lib/apt/lists).
#
# The file can be sourced (tests/fresh-root.sh, tests/host/deps.sh) to
# use its functions; it does nothing then.
set -u

APT_ETC=${DEPS_APT_ETC:-/etc/apt}
APT_LISTS=${DEPS_APT_LISTS:-/var/lib/apt/lists}
SRC_DIR=$APT_ETC/sources.list.d
BPO=bookworm-backports
OUR_ENTRY=daxfs-backports	# .sources or .list, after the template's form

die() { echo "deps.sh: $*" >&2; exit 1; }

# packages MODE: what MODE needs (program -> package table:
# docs/fresh-machine.md)
packages() {
	case "$1" in
	host)
		# cc and ASan/UBSan (gcc), make, the fuzzer (clang); setfattr,
		# getfattr (attr); setcap, getcap (libcap2-bin); python3
		# (tests/host/mkdaxfs.sh binds a unix socket with it)
		echo gcc make clang attr libcap2-bin fakeroot python3 ;;
	vm)
		packages host
		# qemu-system-x86_64; guest kernels and the headers daxfs.ko
		# is built against; /bin/busybox for the initramfs; cpio packs
		# it; modinfo/modprobe/insmod/rmmod (kmod); xz and zstd unpack
		# compressed modules (6.12's are .ko.xz); rsync (kmod.sh);
		# ndctl and mkfs.erofs (guest tests); setfacl, getfacl
		# (guest/acl.sh); git (guest/wprograms.sh); fuser (psmisc,
		# guest/wops.sh names what holds a mount)
		echo qemu-system-x86 linux-image-amd64 linux-headers-amd64 \
		     busybox-static cpio kmod xz-utils zstd rsync ndctl \
		     erofs-utils acl git psmisc ;;
	bench)
		packages vm
		# report.py, mkfs.erofs; udevadm settle (bench/guest.sh)
		echo python3 erofs-utils udev ;;
	fresh-root)
		# tests/fresh-root.sh: debootstrap the root, git clone into it
		echo debootstrap git ;;
	*)	die "unknown mode '$1' (host, vm, bench, fresh-root," \
		    "backports-entry)" ;;
	esac
}

need_root() {
	[ "$(id -u)" -eq 0 ] || die "need root to install $*"
}

# install_missing PKG...: apt-get install those not installed yet
install_missing() {
	local p missing=()
	declare -A seen=()
	for p in "$@"; do
		[ -n "${seen[$p]:-}" ] && continue
		seen[$p]=1
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	echo "installing: ${missing[*]}"
	need_root "${missing[*]}"
	apt-get update -qq || die "apt-get update failed"
	apt-get install -y -qq "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
}

# --- apt sources ------------------------------------------------------------
# A Debian 12 keeps its Debian entry either in deb822 form
# (sources.list.d/*.sources, cloud images) or as one-line entries
# (sources.list or sources.list.d/*.list: the installer's and
# debootstrap's default).  The bookworm-backports entry is a copy of the
# bookworm one with only the suite changed, in the same form, so that the
# mirror, options and keyring are the ones this machine already uses.

# source_files: the files apt reads, the usual places first
source_files() {
	local f
	for f in "$SRC_DIR/debian.sources" "$APT_ETC/sources.list" \
		 "$SRC_DIR"/*.sources "$SRC_DIR"/*.list; do
		[ -f "$f" ] && echo "$f"
	done | awk '!seen[$0]++'	# debian.sources comes twice
}

# entries SUITE FILE: one line per active binary ("deb") entry of FILE
# that names SUITE exactly (bookworm-security and bookworm-updates are
# other suites): "INDEX URI COMPONENTS...", INDEX being the stanza number
# of a deb822 file, the line number of a one-line file.
entries() {
	case "$2" in
	*.sources) awk -v want="$1" '
		BEGIN { RS = ""; FS = "\n" }
		{
			delete f; key = ""
			for (i = 1; i <= NF; i++) {
				l = $i
				if (l ~ /^#/) continue
				if (l ~ /^[ \t]/) {	# continuation line
					if (key != "") f[key] = f[key] " " l
					continue
				}
				key = tolower(l); sub(/:.*/, "", key)
				v = l; sub(/^[^:]*:[ \t]*/, "", v)
				f[key] = v
			}
			if (tolower(f["enabled"]) == "no") next
			if (!has(f["types"], "deb") || !has(f["suites"], want))
				next
			split(f["uris"], u, /[ \t]+/)
			print NR, u[1], f["components"]
		}
		function has(list, w,   n, a, i) {
			n = split(list, a, /[ \t]+/)
			for (i = 1; i <= n; i++) if (a[i] == w) return 1
			return 0
		}' "$2" ;;
	*) awk -v want="$1" '
		{ sub(/#.*/, "") }
		$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) {	# [ options ]
				while (i <= NF && $i !~ /\]$/) i++
				i++
			}
			if ($(i + 1) != want) next
			comps = ""
			for (j = i + 2; j <= NF; j++) comps = comps " " $j
			print NR, $i comps
		}' "$2" ;;
	esac
}

# origin_of URI: "debian" when apt's lists say that URI's bookworm suite
# comes from Debian, "other" when they name another origin, "unknown"
# when there is no list for it (apt-get update not run yet).
origin_of() {
	local p=${1#*://} rel
	p=${p#*@}
	p=${p%/}
	for rel in "$APT_LISTS/${p//\//_}_dists_bookworm_InRelease" \
		   "$APT_LISTS/${p//\//_}_dists_bookworm_Release"; do
		[ -f "$rel" ] || continue
		if grep -q '^Origin: Debian$' "$rel"; then
			echo debian
		else
			echo other
		fi
		return
	done
	echo unknown
}

# debian_entry: "FILE INDEX URI" of the Debian bookworm entry to copy:
# the first one apt's lists confirm is Debian's, else the first one of
# unknown origin with a main component (a third-party repository that
# also calls its suite "bookworm" is never confirmed, rarely has main).
debian_entry() {
	local f idx uri comps o guess=
	while read -r f; do
		while read -r idx uri comps; do
			o=$(origin_of "$uri")
			if [ "$o" = debian ]; then
				echo "$f $idx $uri"
				return 0
			fi
			[ "$o" = unknown ] && [ -z "$guess" ] &&
				[[ " $comps " == *" main "* ]] &&
				guess="$f $idx $uri"
		done < <(entries bookworm "$f")
	done < <(source_files)
	[ -n "$guess" ] || return 1
	echo "$guess"
}

# debian_mirror: the URI of the Debian archive this machine uses
debian_mirror() {
	local e
	e=$(debian_entry) || return 1
	echo "${e##* }"
}

have_backports() {
	local f
	while read -r f; do
		[ -n "$(entries "$BPO" "$f")" ] && return 0
	done < <(source_files)
	return 1
}

# copy_entry FILE INDEX: that entry with its suite set to bookworm-backports
copy_entry() {
	case "$1" in
	*.sources) awk -v n="$2" -v s="$BPO" '
		BEGIN { RS = ""; FS = "\n" }
		NR == n {
			skip = 0
			for (i = 1; i <= NF; i++) {
				l = $i
				if (skip && l ~ /^[ \t]/) continue
				skip = 0
				if (tolower(l) ~ /^suites:/) {
					l = "Suites: " s
					skip = 1	# drop its continuation lines
				}
				print l
			}
		}' "$1" ;;
	*) awk -v n="$2" -v s="$BPO" '
		NR == n {
			sub(/#.*/, "")
			i = 2
			if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			$(i + 1) = s
			print
		}' "$1" ;;
	esac
}

# add_backports: write sources.list.d/daxfs-backports.{sources,list} from
# the Debian bookworm entry unless some entry has the suite already.
# Returns 0 when it wrote one, 1 when there was one already.
add_backports() {
	local e f idx ext out
	have_backports && return 1
	e=$(debian_entry) ||
		die "no Debian 'bookworm' entry in $APT_ETC/sources.list or" \
		    "$SRC_DIR/*.sources / *.list to derive $BPO from"
	read -r f idx _ <<<"$e"
	ext=list
	[[ "$f" == *.sources ]] && ext=sources
	out=$SRC_DIR/$OUR_ENTRY.$ext
	mkdir -p "$SRC_DIR" || die "cannot create $SRC_DIR"
	if ! { echo "# $BPO for the DAXFS 6.12 guest kernel (tests/deps.sh),"
	       echo "# copied from ${f#"$APT_ETC"/} with only the suite changed"
	       copy_entry "$f" "$idx"; } >"$out.tmp" ||
	   ! mv "$out.tmp" "$out"; then
		rm -f "$out.tmp"
		die "cannot write $out"
	fi
	have_backports || { rm -f "$out"; die "wrote $out but apt would not see it"; }
	echo "added $BPO: $out"
}

# --- 6.12 guest kernel from bookworm-backports -------------------------------
have_612() {
	local d
	for d in /lib/modules/6.12*-amd64; do
		[ -e "$d/build/Makefile" ] && [ -e "/boot/vmlinuz-${d##*/}" ] &&
			return 0
	done
	return 1
}

# bpo_dep META: the versioned package the backports META depends on
bpo_dep() {
	local v
	v=$(apt-cache madison "$1" | awk -F'|' '$3 ~ /backports/ {
		gsub(/ /, "", $2); print $2; exit }')
	[ -n "$v" ] || return 1
	apt-cache show "$1=$v" | sed -n 's/^Depends: \([^ ,]*\).*/\1/p' |
		head -n1
}

install_612() {
	local img hdr
	have_612 && return 0
	need_root "the 6.12 kernel from $BPO"
	if add_backports; then
		apt-get update -qq || die "apt-get update failed"
	fi
	# The backports metapackages name the versioned image and headers;
	# install those (not the metapackages, and without -t, which would
	# also move the 6.1 metapackages and linux-libc-dev to backports) so
	# the rest stays put.
	img=$(bpo_dep linux-image-amd64) || img=
	hdr=$(bpo_dep linux-headers-amd64) || hdr=
	if [ -z "$img" ] || [ -z "$hdr" ]; then	# lists older than the entry
		apt-get update -qq || die "apt-get update failed"
		img=$(bpo_dep linux-image-amd64) || img=
		hdr=$(bpo_dep linux-headers-amd64) || hdr=
	fi
	case "$img" in
	linux-image-6.12*) ;;
	*)	die "no 6.12 kernel found in $BPO" ;;
	esac
	echo "installing: $img $hdr ($BPO)"
	apt-get install -y -qq "$img" "$hdr" >/dev/null ||
		die "apt-get install $img $hdr failed"
	have_612 || die "$img installed but not usable"
}

main() {
	local mode=${1:-host} pkgs
	export DEBIAN_FRONTEND=noninteractive
	if [ "$mode" = backports-entry ]; then
		add_backports || true
		return 0
	fi
	pkgs=$(packages "$mode") || exit 1
	# shellcheck disable=SC2086	# one package name per word
	install_missing $pkgs
	case "$mode" in
	vm|bench) install_612 ;;
	esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi

#!/bin/bash
# mkdata.sh OUTDIR: the benchmark's tree and its two images, on the host.
#
#   OUTDIR/tree/big.bin     BENCH_BIG_MB MiB of pseudo-random bytes
#   OUTDIR/tree/src/        BENCH_SRC_FILES source-like files, BENCH_SRC_DIRS dirs
#   OUTDIR/tree/tree/       BENCH_TREE_A x _B directories of _F empty files
#   OUTDIR/tree/flat/       one directory of BENCH_FLAT_N empty files
#   OUTDIR/tree/py/         python3, its libraries and stdlib (mkpytree.sh)
#   OUTDIR/daxfs.img        mkdaxfs image, its size a multiple of 16 MiB (the
#                           NVDIMM size it will be mounted with)
#   OUTDIR/erofs.img        mkfs.erofs image of the same tree
#   OUTDIR/daxfs.why        why there is no daxfs.img (mkdaxfs missing or
#                           failing: the DAXFS columns become n/a)
#   OUTDIR/untar.tar        the untar workload's archive (uncompressed):
#                           Debian kernel header trees from /usr/src (the
#                           *-common ones, newest first, then the arch
#                           ones) until BENCH_TAR_FILES entries are reached
#                           (full: 2 common + 1 arch tree, ~26,000 files);
#                           without them the generated src/ tree
#   OUTDIR/info             shell assignments: image sizes, big.bin's hash,
#                           the archive's entries, size and sources
#
# Generating 240,000 files and two images takes a minute, so the results
# are kept: the tree is made again only when the generator or the shape
# changed, an image only when its tool (build/mkdaxfs, mkfs.erofs) changed.
set -u
BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$BENCH")
out=${1:?usage: mkdata.sh OUTDIR}
BIN=$TOP/build/bench/bin
# the DAXFS under test: this tree, or another checkout (BENCH_DAXFS_TREE)
MKDAXFS=${BENCH_DAXFS_TREE:-$TOP}/build/mkdaxfs
die() { echo "mkdata.sh: $*" >&2; exit 1; }
. "$BENCH/tree.sh"
say() { echo "mkdata.sh: $*" >&2; }

shape="big=$BENCH_BIG_MB src=$BENCH_SRC_FILES/$BENCH_SRC_DIRS"
shape+=" tree=$BENCH_TREE_A/$BENCH_TREE_B/$BENCH_TREE_F flat=$BENCH_FLAT_N"
# what the tree depends on: the generator, its naming scheme, the python
# tree script and the host's python, the shape
tree_key=$( { cat "$BENCH/gen.c" "$BENCH/bench.h" "$BENCH/mkpytree.sh"
	      cat "$BENCH/tree.sh"; echo "$shape"; stat -c '%n %s %Y' "$(readlink -f /usr/bin/python3)"; } |
	   sha256sum | cut -c1-16)
daxfs_key=$( { echo "$tree_key"; sha256sum <"$MKDAXFS" 2>&1; } | sha256sum | cut -c1-16)
erofs_key=$( { echo "$tree_key"; mkfs.erofs --version 2>&1 | head -n1; } |
	    sha256sum | cut -c1-16)
mkdir -p "$out" || die "cannot create $out"

make_tree() {
	local t=$out/tree
	[ "$(cat "$out/tree.key" 2>/dev/null)" = "$tree_key" ] && return 0
	say "generating the tree ($shape)"
	rm -rf "$t" "$out/tree.key" "$out/daxfs.key" "$out/erofs.key"
	mkdir -p "$t"
	gen_tree "$BIN/gen" "$t" || die "gen failed"
	bash "$BENCH/mkpytree.sh" "$t/py" || die "python tree failed"
	echo "$tree_key" >"$out/tree.key"
}

# the DAXFS image, just big enough and then rounded up to 16 MiB: it is the
# NVDIMM (mkdaxfs -s equal to the region it is mounted as), and the fsdax
# region after the NVDIMMs must start 16 MiB-aligned for ndctl
make_daxfs() {
	local img=$out/daxfs.img size
	[ "$(cat "$out/daxfs.key" 2>/dev/null)" = "$daxfs_key" ] && return 0
	rm -f "$img" "$out/daxfs.key" "$out/daxfs.why"
	# no image only costs the DAXFS columns (run.sh says why in them)
	if [ ! -x "$MKDAXFS" ]; then
		echo "no $MKDAXFS" >"$out/daxfs.why"
		return 0
	fi
	say "building the DAXFS image"
	if ! "$MKDAXFS" -q -d "$out/tree" -o "$img" 2>"$out/mkdaxfs.log"; then
		echo "mkdaxfs failed: $(tail -n1 "$out/mkdaxfs.log")" >"$out/daxfs.why"
		rm -f "$img"
		return 0
	fi
	size=$(stat -c %s "$img")
	size=$(( (size + (16 << 20) - 1) / (16 << 20) * (16 << 20) ))
	if [ "$size" != "$(stat -c %s "$img")" ] &&
	   ! "$MKDAXFS" -q -d "$out/tree" -o "$img" -s "$size" 2>"$out/mkdaxfs.log"; then
		echo "mkdaxfs -s $size failed: $(tail -n1 "$out/mkdaxfs.log")" >"$out/daxfs.why"
		rm -f "$img"
		return 0
	fi
	echo "$daxfs_key" >"$out/daxfs.key"
}

make_erofs() {
	local img=$out/erofs.img
	[ "$(cat "$out/erofs.key" 2>/dev/null)" = "$erofs_key" ] && return 0
	if ! command -v mkfs.erofs >/dev/null; then
		say "mkfs.erofs missing (erofs-utils): no EROFS image"
		rm -f "$img"
		return 0
	fi
	say "building the EROFS image"
	rm -f "$img" "$out/erofs.key"
	# uncompressed, 4 KiB blocks (the default): what dax=always needs
	mkfs.erofs --quiet "$img" "$out/tree" >"$out/erofs.log" 2>&1 ||
		die "mkfs.erofs failed: $(tail -n1 "$out/erofs.log")"
	echo "$erofs_key" >"$out/erofs.key"
}

# the header trees tests/deps.sh installs, in the order they are taken:
# the -common ones (the bulk of the headers), newest first, then the
# arch-specific ones (mostly include/config/: thousands of tiny files)
header_trees() {
	local d
	for d in /usr/src/linux-headers-*-common; do
		[ -d "$d" ] && echo "$d"
	done | sort -rV
	for d in /usr/src/linux-headers-*; do
		[ -d "$d" ] && [[ "$d" != *-common ]] && echo "$d"
	done | sort -rV
}

# The untar workload's archive: real source-like files (the kernel's
# headers) rather than generated ones.  Whole trees are taken until their
# entries (files, links, directories) reach BENCH_TAR_FILES.
make_tarball() {
	local tar=$out/untar.tar d n=0 dirs=() key from=()
	for d in $(header_trees); do
		[ "$n" -ge "$BENCH_TAR_FILES" ] && break
		dirs+=("$d")
		n=$((n + $(find "$d" | wc -l)))
	done
	if [ ${#dirs[@]} -eq 0 ]; then
		say "no /usr/src/linux-headers-*: the untar archive is the generated src/"
		dirs=("$out/tree/src")
	fi
	key=$( { echo "$BENCH_TAR_FILES"; tar --version | head -n1
		 find "${dirs[@]}" -printf '%p %s %T@\n' | sort; } |
	       sha256sum | cut -c1-16)
	[ "$(cat "$out/untar.key" 2>/dev/null)" = "$key" ] && [ -f "$tar" ] &&
		return 0
	rm -f "$tar" "$out/untar.key"
	say "building the untar archive from ${dirs[*]}"
	# members named by the trees' own names; owner and order fixed, so the
	# same trees give the same archive
	for d in "${dirs[@]}"; do from+=(-C "$(dirname "$d")" "$(basename "$d")"); done
	tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner \
		-cf "$tar.tmp" "${from[@]}" 2>"$out/tar.log" ||
		die "tar of ${dirs[*]} failed: $(tail -n1 "$out/tar.log")"
	mv "$tar.tmp" "$tar"
	{
		echo "BENCH_TAR_ENTRIES=$(tar -tf "$tar" | wc -l)"
		echo "BENCH_TAR_BYTES=$(stat -c %s "$tar")"
		echo "BENCH_TAR_FROM='$(for d in "${dirs[@]}"; do basename "$d"; done | paste -sd,)'"
	} >"$out/untar.info"
	echo "$key" >"$out/untar.key"
}

make_tree
make_daxfs
make_erofs
[ "${BENCH_WRITE:-1}" = 1 ] && make_tarball
{
	[ -f "$out/untar.info" ] && [ "${BENCH_WRITE:-1}" = 1 ] &&
		cat "$out/untar.info"
	[ -f "$out/daxfs.img" ] &&
		echo "BENCH_DAXFS_BYTES=$(stat -c %s "$out/daxfs.img")"
	[ -f "$out/erofs.img" ] &&
		echo "BENCH_EROFS_BYTES=$(stat -c %s "$out/erofs.img")"
	echo "BENCH_BIG_SUM=$("$BIN/bx" sum "$out/tree/big.bin")"
} >"$out/info" || die "cannot write $out/info"

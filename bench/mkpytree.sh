#!/bin/bash
# mkpytree.sh DEST: a tree in which `chroot DEST /usr/bin/python3 -c pass`
# runs, made from the host's own files: the interpreter, the shared
# libraries ldd names (and the dynamic loader), Debian's python3.X standard
# library with its compiled __pycache__ (so start-up loads .pyc files as a
# real system does) and /etc/python3.X.  Exit 1 with a message when the
# host has no /usr/bin/python3 or the result does not start.
set -u
dest=${1:?usage: mkpytree.sh DEST}
die() { echo "mkpytree.sh: $*" >&2; exit 1; }

py=$(readlink -f /usr/bin/python3) || die "no /usr/bin/python3"
[ -x "$py" ] || die "no /usr/bin/python3"
ver=${py##*/}		# python3.11
lib=/usr/lib/$ver
[ -d "$lib" ] || die "no $lib"

# copy_path P: copy P (file, symlink or directory) to the same place under
# dest, keeping symlinks as they are, and what a symlink points at
copy_path() {
	local p=$1
	mkdir -p "$dest$(dirname "$p")"
	cp -a "$p" "$dest$p" || die "cannot copy $p"
	if [ -L "$p" ]; then
		local t
		t=$(readlink -f "$p")
		[ -e "$dest$t" ] || copy_path "$t"
	fi
}

rm -rf "$dest"
mkdir -p "$dest"
# the merged-/usr symlinks first (/lib -> usr/lib, ...), so that every path
# ldd prints resolves inside the tree as it does on the host
for l in /bin /sbin /lib /lib64; do
	[ -L "$l" ] || continue
	cp -a "$l" "$dest$l"
	mkdir -p "$dest$(readlink -f "$l")"	# no dangling link for mkdir -p
done
copy_path /usr/bin/python3
copy_path "$py"
# the libraries the interpreter and its lib-dynload extensions load
for f in "$py" "$lib"/lib-dynload/*.so; do
	ldd "$f" 2>/dev/null | awk '/=> \// { print $3 } /^\t\// { print $1 }'
done | sort -u | while read -r so; do
	copy_path "$so"
done
# the standard library, without the parts start-up and ordinary programs
# never load and that only make the tree bigger
tar -C / -cf - --exclude="$ver/test" --exclude="$ver/idlelib" \
	--exclude="$ver/tkinter" --exclude="$ver/turtledemo" \
	--exclude="$ver/ensurepip" --exclude="$ver/lib2to3" \
	"${lib#/}" | tar -C "$dest" -xf - || die "cannot copy $lib"
[ -d "/etc/$ver" ] && copy_path "/etc/$ver"
mkdir -p "$dest/tmp" "$dest/dev" "$dest/proc"
chroot "$dest" /usr/bin/python3 -c pass ||
	die "chroot $dest /usr/bin/python3 -c pass fails"

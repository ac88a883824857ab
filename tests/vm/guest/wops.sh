#!/bin/bash
# The write path, one POSIX operation at a time, on a writable mount of a
# branching image (mkdaxfs -b): every change is a transaction in main's
# log.  Each result is checked twice: right away, and after the mount is
# unmounted and mounted again (the index is rebuilt from the log, so a
# change that only lived in the dentry or inode cache shows).  Then the
# whole tree (manifest: names, types, modes, owners, sizes, link counts,
# nanosecond mtimes, rdev, xattrs, content) and every inode number must
# be the same after the remount, the base part of the region must be
# byte for byte what mkdaxfs wrote, and daxfs-inspect check must accept
# the region.
#
# Operations: create, unlink (new and base files), mkdir, rmdir
# (ENOTEMPTY), rename (over a file, across directories, of directories,
# of base files, RENAME_NOREPLACE, RENAME_EXCHANGE of a file and a
# directory, RENAME_WHITEOUT), hard links (of base files, across
# directories), symlinks (short, 4095 bytes), mknod (char, block, fifo,
# socket), truncate down then up (the old bytes must not come back),
# partial overwrites of base files, holes, SEEK_DATA/SEEK_HOLE, chmod,
# chown, utimensat with nanoseconds (and before 1970), xattrs (user.,
# trusted., security.; XATTR_CREATE/XATTR_REPLACE errors; a 255-byte
# name with a 64 KiB value; removal), POSIX ACLs and default-ACL
# inheritance (getfacl equals tmpfs'), O_APPEND, O_TMPFILE (+ linkat,
# O_EXCL), fallocate (allocate, KEEP_SIZE, PUNCH_HOLE, ZERO_RANGE),
# fsync/fdatasync/syncfs, copy_file_range, RLIMIT_FSIZE (EFBIG and
# SIGXFSZ), s_maxbytes, ENAMETOOLONG.  Errors: EROFS on a ro mount and
# on an image made without -b (also for remount rw), EBUSY for a second
# writable mount of the region.
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" "$H/wtool" "$H/filecheck" "$H/manifest" "$H/physcopy" \
	"$H/dxmount" "$H/treecmp" /usr/bin/setfacl /usr/bin/getfacl
SIZE=$((64 << 20))
need_phys $SIZE
daxfs_load
dmesg_mark
umask 022

SRC=$W/src
REF=$W/ref	# what each data file must hold (tmpfs), changed alongside
MNT=$W/mnt
M=$MNT
OPTS="phys=$PHYS,size=$SIZE"
WT=$H/wtool
mkdir -p "$SRC" "$MNT" "$W/acl"

# --- the base tree ---------------------------------------------------------
mkdir -p "$SRC/dir" "$SRC/rmdirme" "$SRC/notempty" "$SRC/exdir/sub" \
	"$SRC/mvdir/in"
"$WT" pwrite "$SRC/f1" 0 $((3 * 4096 + 500)) 1 >/dev/null
"$WT" pwrite "$SRC/cow" 0 $((4 * 4096)) 5 >/dev/null
"$WT" pwrite "$SRC/trunc" 0 $((3 * 4096)) 3 >/dev/null
"$WT" pwrite "$SRC/punch" 0 $((5 * 4096)) 4 >/dev/null
"$WT" pwrite "$SRC/zero" 0 $((5 * 4096)) 6 >/dev/null
"$WT" pwrite "$SRC/crsrc" 0 $((6 * 4096 + 77)) 8 >/dev/null
echo base2 >"$SRC/f2"
echo g >"$SRC/dir/g"
echo hl >"$SRC/hl1"
ln "$SRC/hl1" "$SRC/hl2"
ln -s f1 "$SRC/sym"
echo u >"$SRC/unlinkme"
echo x >"$SRC/notempty/x"
echo rb >"$SRC/renbase"
echo ob >"$SRC/overbase"
echo ex >"$SRC/exfile"
echo in >"$SRC/exdir/sub/inner"
echo mv >"$SRC/mvdir/in/file"
echo c >"$SRC/chm"
echo x >"$SRC/xa"
setfattr -n trusted.base -v 1 "$SRC/xa"
cp -a "$SRC" "$REF"

if ! "$MKDAXFS" -q -b -d "$SRC" -p "$PHYS" -s "$SIZE"; then
	fail "wops: mkdaxfs -b -p"
	exit 1
fi
# the region as mkdaxfs left it: the base part must never change
"$H/physcopy" get "$PHYS" "$SIZE" "$W/orig.img" ||
	{ fail "wops: setup: physcopy"; exit 1; }

mount_rw() {
	if ! mount -t daxfs -o "$OPTS" none "$MNT" 2>"$W/err"; then
		fail "wops: mount${1:+ ($1)}: $(head -n 1 "$W/err") $(dmesg | tail -n 2 | tr '\n' ' ')"
		exit 1
	fi
}
mount_rw
if ! grep -q " $MNT daxfs rw[, ]" /proc/mounts; then
	fail "wops: the image made with -b mounts read-only: $(grep " $MNT " /proc/mounts)"
	exit 1
fi
pass "wops: a -b image mounts writable"

# is NAME GOT WANT
is() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
# LATER: check functions, run now and again after each remount; each
# takes the phase ("at once", "after remount") for its PASS/FAIL names.
LATER=()
later() { LATER+=("$1"); snap; "$1" "at once"; }
recheck() { local f; snap; for f in "${LATER[@]}"; do "$f" "$1"; done; }
# snap: stat every path under the mount with one stat(1), for st.  (A
# process costs 0.1-0.5 s under TCG; forks and execs are most of the time
# this test takes.)  The check functions run right after a snap.
declare -A SC
shopt -s globstar nullglob dotglob
snap() {
	local p rest out dirs=("$M"/**/)
	out=$(stat -c '%n|%F|%a|%u|%g|%h|%i|%s|%b|%t|%T|%.9X|%.9Y' \
		"$M" "$M"/** "${dirs[@]/%/..}" 2>/dev/null)
	SC=()
	while IFS='|' read -r p rest; do SC[$p]=$rest; done <<<"$out"
}
# st FORMAT FILE...: stat -c FORMAT of each FILE, on one line, from the
# snapshot (%F %a %u %g %h %i %s %b %t %T %.9X %.9Y), else from stat(1)
st() {
	local fmt=$1 p o out= F a u g h i s b t T X Y
	shift
	for p; do
		if [ -z "${SC[$p]+x}" ]; then
			o=$(stat -c "$fmt" "$p" 2>&1)
		else
			IFS='|' read -r F a u g h i s b t T X Y <<<"${SC[$p]}"
			o=${fmt//%F/$F}; o=${o//%a/$a}; o=${o//%u/$u}
			o=${o//%g/$g}; o=${o//%h/$h}; o=${o//%i/$i}
			o=${o//%s/$s}; o=${o//%b/$b}; o=${o//%t/$t}
			o=${o//%T/$T}; o=${o//%.9X/$X}; o=${o//%.9Y/$Y}
		fi
		out+="$o "
	done
	echo "${out% }"
}
# listed DIR NAME...: those of the NAMEs readdir lists in DIR (no exec)
listed() {
	local d=$1 f x out=
	shift
	for f in "$d"/*; do
		for x; do [ "${f##*/}" = "$x" ] && out+="$x "; done
	done
	echo "$out"
}
subdirs() { local a=("$1"/*/); echo $((2 + ${#a[@]})); }	# link count
ents() { local a=("$1"/*); echo ${#a[@]}; }	# entries of DIR
sm() {	# sm FILE [OFF]: the data ranges SEEK_DATA/SEEK_HOLE give, one line
	local o
	o=$("$H/filecheck" seekmap "$@" 2>&1)
	echo "${o//$'\n'/ }"
}
l1() { local l; read -r l <"$1"; echo "$l"; }	# the first line of FILE
# c FILE: its content (no exec), or "-" when it cannot be read
c() { local v; v=$(<"$1") 2>/dev/null && echo "$v" || echo -; }
# same_data PHASE NAME...: mount files equal their ref copies (size, bytes)
same_data() {
	local r
	shift
	r=$("$WT" same "$M" "$REF" "$@" 2>&1)
	[ "$r" = ok ] && return 0
	echo "${r//$'\n'/; }"
	return 1
}
# ref_zero FILE OFF LEN: zeros in the ref copy
ref_zero() {
	dd if=/dev/zero of="$REF/$1" bs=64K seek="$2" count="$3" \
		oflag=seek_bytes iflag=count_bytes conv=notrunc status=none
}
# both_write FILE OFF LEN SEED: a pwrite on the mount and in the ref copy
both_write() {
	local a b
	a=$("$WT" pwrite "$M/$1" "$2" "$3" "$4")
	b=$("$WT" pwrite "$REF/$1" "$2" "$3" "$4")
	[ "$a" = "$3" ] && [ "$b" = "$3" ] && return 0
	fail "wops: pwrite $1 $2+$3: $a (ref: $b)"
}

# --- create, unlink -----------------------------------------------------------
echo new >"$M/new1"
echo gone >"$M/new2"
rm "$M/new2"
rm "$M/unlinkme"
v_create() {
	is "wops: create: content, mode, owner, links ($1)" \
		"$(c "$M/new1") $(st '%a %u:%g %h %F' "$M/new1")" \
		"new 644 0:0 1 regular file"
	is "wops: unlink of a new file and of a base file ($1)" \
		"$(listed "$M" new2 unlinkme new1)$("$WT" try unlink "$M/unlinkme")" \
		"new1 ENOENT"
}
later v_create

# --- mkdir, rmdir ---------------------------------------------------------------
mkdir "$M/md1" "$M/md1/md2" "$M/rmnew"
rmdir "$M/rmnew" "$M/rmdirme"
v_dirs() {
	is "wops: mkdir: type, mode, link counts of the new and the parent ($1)" \
		"$(st '%F %a %h' "$M/md1") $(st '%F %h' "$M/md1/md2")" "directory 755 3 directory 2"
	is "wops: rmdir of a new and of a base directory ($1)" \
		"$([ -e "$M/rmnew" ] || [ -e "$M/rmdirme" ] && echo present)$("$WT" try rmdir "$M/rmdirme")" \
		"ENOENT"
	is "wops: rmdir of a non-empty base directory is ENOTEMPTY ($1)" \
		"$("$WT" try rmdir "$M/notempty") $(c "$M/notempty/x")" "ENOTEMPTY x"
	is "wops: rmdir of a non-empty new directory is ENOTEMPTY ($1)" \
		"$("$WT" try rmdir "$M/md1")" "ENOTEMPTY"
}
later v_dirs
v_rootlinks() {
	is "wops: the root's link count follows mkdir/rmdir ($1)" \
		"$(st %h "$M")" "$(subdirs "$M")"
}

# --- rename ------------------------------------------------------------------------
mkdir -p "$M/d1/d2"
echo over >"$M/ovsrc"
ino_ovsrc=$(stat -c %i "$M/ovsrc")
mv "$M/ovsrc" "$M/overbase"			# a new file over a base file
echo across >"$M/across"
mv "$M/across" "$M/d1/d2/across"		# across directories
mv "$M/renbase" "$M/dir/renbase2"		# a base file, across directories
echo n3 >"$M/new3"
mv "$M/f2" "$M/new3"				# a base file over a new one
mv "$M/mvdir" "$M/d1/mvdir2"			# a base directory into a new one
mv "$M/d1/d2" "$M/dir/d2moved"			# a new directory into a base one
v_rename() {
	is "wops: rename over a base file: content, inode ($1)" \
		"$(c "$M/overbase") $(st %i "$M/overbase") $([ -e "$M/ovsrc" ] && echo src-left)" \
		"over $ino_ovsrc "
	is "wops: rename across directories ($1)" \
		"$([ -e "$M/d1/d2" ] && echo left) $(c "$M/dir/d2moved/across")" \
		" across"
	is "wops: rename of a base file across directories ($1)" \
		"$(l1 "$M/dir/renbase2") $(listed "$M" renbase)$(listed "$M/dir" renbase2)" "rb renbase2 "
	is "wops: rename of a base file over a new one ($1)" \
		"$(c "$M/new3") $(listed "$M" f2 new3)" "base2 new3 "
	is "wops: rename of a base directory with contents into a new one ($1)" \
		"$(c "$M/d1/mvdir2/in/file") $(st %h "$M/d1/mvdir2") $(st %i "$M/d1/mvdir2/..") $(st %i "$M/d1")" \
		"mv 3 $(st %i "$M/d1") $(st %i "$M/d1")"
	is "wops: rename of directories: link counts of the old and new parents ($1)" \
		"$(st %h "$M/d1") $(st %h "$M/dir") $(st %i "$M/dir/d2moved/..")" \
		"3 3 $(st %i "$M/dir")"
}
later v_rename
later v_rootlinks

# RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT
echo nr >"$M/nr"
r1=$("$WT" rename noreplace "$M/nr" "$M/f1")
r2=$("$WT" rename noreplace "$M/nr" "$M/nr2")
is "wops: RENAME_NOREPLACE: EEXIST over a name, ok to a new one" "$r1 $r2" "EEXIST ok"
mkdir "$M/exnew"
echo nf >"$M/exnew/nfile"
ino_exfile=$(stat -c %i "$M/exfile") ino_exdir=$(stat -c %i "$M/exdir")
r1=$("$WT" rename exchange "$M/exfile" "$M/md1/md2")
r2=$("$WT" rename exchange "$M/md1/md2" "$M/exnew")
r1+=" $("$WT" rename exchange "$M/exdir" "$M/exnew")"
# now: exdir is a file (the old exfile); exnew is the old exdir (base);
# exfile is the old md1/md2 (empty); md1/md2 is the old exnew (new)
r2+=" $("$WT" rename exchange "$M/exfile" "$M/md1/md2")"
# and back: exfile is the old exnew, md1/md2 the old md2
is "wops: RENAME_EXCHANGE of files and directories across directories" "$r1 $r2" "ok ok ok ok"
r1=$("$WT" rename exchange "$M/nope" "$M/nr2")
is "wops: RENAME_EXCHANGE without a source is ENOENT" "$r1" "ENOENT"
echo wo >"$M/wosrc"
r1=$("$WT" rename whiteout "$M/wosrc" "$M/wodst")
r2=$("$WT" rename whiteout "$M/dir/g" "$M/gmoved")
is "wops: RENAME_WHITEOUT of a new and of a base file" "$r1 $r2" "ok ok"
v_rename2() {
	is "wops: RENAME_NOREPLACE left both names as they were ($1)" \
		"$(c "$M/nr2") $(head -c 0 "$M/f1")$([ -e "$M/nr" ] && echo nr-left)" "nr "
	is "wops: RENAME_EXCHANGE: types, inodes, contents ($1)" \
		"$(st '%F %i' "$M/exdir") $(c "$M/exdir") $(st '%F %i' "$M/exnew") $(c "$M/exnew/sub/inner") $(c "$M/exfile/nfile") $(ents "$M/md1/md2")" \
		"regular file $ino_exfile ex directory $ino_exdir in nf 0"
	is "wops: RENAME_EXCHANGE: '..' and link counts of the exchanged directories ($1)" \
		"$(st %i "$M/exnew/..") $(st %i "$M/exfile/..") $(st %i "$M/md1/md2/..") $(st %h "$M/exnew" "$M/exfile" "$M/md1")" \
		"$(st %i "$M") $(st %i "$M") $(st %i "$M/md1") 3 2 3"
	is "wops: RENAME_WHITEOUT: a 0:0 character device at the old names ($1)" \
		"$(st '%F %t:%T %a' "$M/wosrc") $(st '%F %t:%T' "$M/dir/g") $(c "$M/wodst") $(c "$M/gmoved")" \
		"character special file 0:0 0 character special file 0:0 wo g"
}
later v_rename2

# --- hard links, symlinks -----------------------------------------------------------
ln "$M/f1" "$M/d1/f1link"			# a base file, across directories
ln "$M/hl1" "$M/hl3"				# a base file already linked
echo nl >"$M/newlink"
ln "$M/newlink" "$M/dir/newlink2"
ln "$M/newlink" "$M/newlink3"
rm "$M/newlink3"
rm "$M/hl2"
ln -s f1 "$M/sym2"
long=$(head -c 4095 /dev/zero | tr '\0' 'L')
ln -s "$long" "$M/symlong"
ln -s "d1/f1link" "$M/symrel"
v_links() {
	is "wops: a hard link of a base file across directories ($1)" \
		"$(st '%h %i' "$M/d1/f1link") $(cmp "$M/d1/f1link" "$REF/f1" && echo same)" \
		"2 $(st %i "$M/f1") same"
	is "wops: link and unlink of base hard links ($1)" \
		"$(st '%h %i' "$M/hl1") $(st '%h %i' "$M/hl3") $([ -e "$M/hl2" ] && echo hl2)" \
		"2 $(st %i "$M/hl1") 2 $(st %i "$M/hl1") "
	is "wops: hard links of a new file ($1)" \
		"$(st '%h %i' "$M/dir/newlink2") $(c "$M/dir/newlink2")" \
		"2 $(st %i "$M/newlink") nl"
	is "wops: symlinks: short, 4095 bytes, followed ($1)" \
		"$(readlink "$M/sym2") $(readlink "$M/symlong" | wc -c) $(st '%s %F' "$M/symlong") $(cmp "$M/symrel" "$REF/f1" && echo same)" \
		"f1 4096 4095 symbolic link same"
}
later v_links

# --- special files ---------------------------------------------------------------------
mknod "$M/chr" c 1 3
mknod "$M/blk" b 7 12
mkfifo -m 600 "$M/fifo"
(cd "$M" && "$H/treecmp" --mksock sock)
v_special() {
	is "wops: mknod: char, block, fifo, socket ($1)" \
		"$(st '%F %t:%T|' "$M/chr" "$M/blk") $(st '%F %a' "$M/fifo" "$M/sock")" \
		"character special file 1:3| block special file 7:c| fifo 600 socket 755"
	is "wops: a character device made on the mount works ($1)" \
		"$(head -c 5 "$M/chr" | wc -c)" "0"
}
later v_special

# --- file data: truncate, partial overwrites, holes ---------------------------------
truncate -s 1000 "$M/trunc"; truncate -s 1000 "$REF/trunc"
truncate -s 10000 "$M/trunc"; truncate -s 10000 "$REF/trunc"
both_write cow 4000 200 20		# straddles pages 0 and 1
both_write cow $((3 * 4096 + 5)) 10 21
both_write cow $((4 * 4096 - 1)) 3 22	# extends by 2
both_write f1 $((3 * 4096 + 400)) 300 23	# the partial last page, extends
echo -n new >"$REF/hole"
"$WT" pwrite "$REF/hole" $((1 << 20)) 4096 24 >/dev/null
echo -n new >"$M/hole"
"$WT" pwrite "$M/hole" $((1 << 20)) 4096 24 >/dev/null
"$WT" pwrite "$M/hole2" $((300 << 20)) 1 25 >/dev/null	# past the region size
"$WT" pwrite "$REF/hole2" $((300 << 20)) 1 25 >/dev/null
DATA="f1 cow trunc hole hole2"
v_data() {
	local bad
	if bad=$(same_data "$1" $DATA); then
		pass "wops: truncate down then up, partial overwrites of base files, holes: data ($1)"
	else
		fail "wops: data ($1): $bad"
	fi
	is "wops: truncate down then up: the old bytes do not come back ($1)" \
		"$("$WT" zeros "$M/trunc" 1000 9000)" ok
	is "wops: SEEK_DATA/SEEK_HOLE of a new file with a hole ($1)" \
		"$(sm "$M/hole")" \
		"0-4096 1048576-1052672 end"
	is "wops: st_blocks of a file with a 1 MiB hole ($1)" "$(st %b "$M/hole")" 16
	is "wops: a 300 MiB sparse file on a 64 MiB region ($1)" \
		"$(st '%s %b' "$M/hole2") $(sm "$M/hole2" $((299 << 20)))" \
		"$(((300 << 20) + 1)) 8 314572800-314572801 end"
}
later v_data

# --- attributes -------------------------------------------------------------------
chmod 4750 "$M/chm"
chown 1234:5678 "$M/chm"
"$WT" utimens "$M/chm" 1234567890 123456789 1500000000 987654321 >/dev/null
echo t >"$M/times"	# never read: reading may update atime
chown 42:43 "$M/times"
mkdir "$M/sticky"
chmod 1777 "$M/sticky"
"$WT" utimens "$M/times" -1 5 -86400 999999999 >/dev/null
ln -s times "$M/tsym"
# a symlink's atime: in the future, so that following it (relatime) leaves
# it alone
tfuture=$(($(date +%s) + 100000))
"$WT" utimens "$M/tsym" "$tfuture" 8 9 10 >/dev/null
v_attrs() {
	is "wops: chmod, chown, utimensat (ns) of a base file ($1)" \
		"$(st '%a %u:%g %.9X %.9Y' "$M/chm")" \
		"750 1234:5678 1234567890.123456789 1500000000.987654321"
	is "wops: chown of a new file, times before 1970 ($1)" \
		"$(st '%a %u:%g %.9X %.9Y' "$M/times")" \
		"644 42:43 -0.999999995 -86399.000000001"
	is "wops: sticky directory, times of a symlink ($1)" \
		"$(st %a "$M/sticky") $(st '%.9X %.9Y' "$M/tsym")" \
		"1777 $tfuture.000000008 9.000000010"
}
later v_attrs
# chown clears setuid: what the kernel did on tmpfs too
cp -a "$REF/chm" "$W/chm.tmpfs" && chmod 4750 "$W/chm.tmpfs" &&
	chown 1234:5678 "$W/chm.tmpfs"
r=$(stat -c %a "$M/chm" "$W/chm.tmpfs")
is "wops: chown clears setuid, as on tmpfs" "${r//$'\n'/ }" "750 750"

# --- xattrs -----------------------------------------------------------------------
XN="user.$(head -c 250 /dev/zero | tr '\0' 'n')"	# 255 bytes
x=()
x+=("$("$WT" setx "$M/new1" user.a 5 1 create)")
x+=("$("$WT" setx "$M/new1" user.a 5 2 create)")	# EEXIST
x+=("$("$WT" setx "$M/new1" user.b 5 2 replace)")	# ENODATA
x+=("$("$WT" setx "$M/new1" user.a 7 3 replace)")
x+=("$("$WT" setx "$M/new1" trusted.t 100 4 any)")
x+=("$("$WT" setx "$M/new1" security.s 10 5 any)")
x+=("$("$WT" setx "$M/new1" "$XN" 65536 6 create)")
x+=("$("$WT" setx "$M/new1" "${XN}x" 1 6 create)")	# ERANGE
x+=("$("$WT" setx "$M/new1" user.big 65537 6 create)")	# E2BIG
x+=("$("$WT" setx "$M/xa" trusted.base 3000 7 replace)")	# a base file
x+=("$("$WT" setx "$M/xa" user.added 1 8 create)")
x+=("$("$WT" setx "$M/f1" user.gone 10 9 create)")
setfattr -x user.gone "$M/f1"
setfattr -n user.tmp -v 1 "$M/xa" && setfattr -x user.tmp "$M/xa"
x+=("$("$WT" setx "$M/fifo" user.nope 1 1 create)")	# EPERM: not on a fifo
x+=("$("$WT" setx "$M/fifo" trusted.yes 1 1 create)")
is "wops: setxattr results (XATTR_CREATE EEXIST, XATTR_REPLACE ENODATA, 256-byte name ERANGE, 64 KiB+1 E2BIG, user. on a fifo EPERM)" \
	"${x[*]}" "ok EEXIST ENODATA ok ok ok ok ERANGE E2BIG ok ok ok EPERM ok"
lsx() {	# lsx FILE...: "FILE: NAME..." each, sorted, the long name shortened
	local o
	o=$(getfattr -m - --absolute-names "$@" 2>&1 | awk '
		/^# file: / { f = $3; sub(/.*\//, "", f); next }
		NF { sub(/^user\.nnnnn*$/, "user.N255"); print f ":", $0 }' |
		LC_ALL=C sort)
	echo "${o//$'\n'/ }"
}
v_xattr() {
	is "wops: xattr values: replaced, trusted., security., 255-byte name with 64 KiB ($1)" \
		"$("$WT" getx "$M/new1" user.a 7 3) $("$WT" getx "$M/new1" trusted.t 100 4) $("$WT" getx "$M/new1" security.s 10 5) $("$WT" getx "$M/new1" "$XN" 65536 6)" \
		"ok ok ok ok"
	is "wops: xattrs of a base file: replaced, added, removed ($1)" \
		"$("$WT" getx "$M/xa" trusted.base 3000 7) $("$WT" getx "$M/xa" user.added 1 8) $("$WT" getx "$M/f1" user.gone 10 9) $("$WT" getx "$M/xa" user.tmp 1 1)" \
		"ok ok ENODATA ENODATA"
	is "wops: listxattr ($1)" "$(lsx "$M/new1" "$M/xa" "$M/fifo")" \
		"fifo: trusted.yes new1: security.s new1: trusted.t new1: user.N255 new1: user.a xa: trusted.base xa: user.added"
}
later v_xattr

# --- POSIX ACLs and their inheritance -----------------------------------------------------
acl_setup() {	# acl_setup DIR: the same steps on the mount and on tmpfs
	mkdir "$1/acld"
	setfacl -m u:1234:rwx,g:99:r-x "$1/acld"
	setfacl -d -m u:1234:rwx,u:77:r--,g::r-x,o::--- "$1/acld"
	echo f >"$1/acld/file"
	mkdir "$1/acld/sub"
	mkdir -m 700 "$1/acld/sub700"
	mknod "$1/acld/fifo" p
	echo y >"$1/aclf"
	setfacl -m u:55:rw-,m::r-- "$1/aclf"
	setfacl -b "$1/acld/sub700"
}
mkdir -p "$W/acl"
mount -t tmpfs -o mode=755 acl "$W/acl" || fail "wops: setup: tmpfs for the ACL reference"
acl_setup "$W/acl"
acl_setup "$M"
acls() {	# acls DIR: getfacl of the ACL test paths
	(cd "$1" && getfacl -p acld acld/file acld/sub acld/sub700 acld/fifo aclf 2>&1)
}
acls "$W/acl" >"$W/acl.want"
umount "$W/acl"
v_acl() {
	if acls "$M" | cmp -s - "$W/acl.want"; then
		pass "wops: ACLs and default-ACL inheritance on create/mkdir/mknod equal tmpfs' ($1)"
	else
		fail "wops: ACLs differ from tmpfs' ($1): $(acls "$M" | diff - "$W/acl.want" | grep '^[<>]' | head -n 4 | tr '\n' ' ')"
	fi
}
later v_acl

# --- O_APPEND, O_TMPFILE -----------------------------------------------------------------
is "wops: O_APPEND: write, after lseek(0), pwrite(0) all append (new file)" \
	"$("$WT" append "$M/app" 2>&1)" ok
is "wops: O_APPEND on a base file" "$("$WT" append "$M/dir/renbase2" 2>&1)" ok
printf 'ABC' >>"$REF/app"
r1=$("$WT" tmpfile "$M/d1" 10000 30 "$M/d1/tmplinked" 2>&1)
r2=$("$WT" tmpfile "$M" 5000 31 2>&1)
r3=$("$WT" tmpfile-excl "$M" "$M/tmpexcl" 2>&1)
is "wops: O_TMPFILE (link count 0, not listed), linkat, O_EXCL refuses linkat" \
	"${r1%% *} ${r2%% *} $r3" "ok ok ENOENT"
v_tmpfile() {
	is "wops: the linked O_TMPFILE, the other left nothing ($1)" \
		"$("$WT" check "$M/d1/tmplinked" 0 10000 30) $(st '%h %a' "$M/d1/tmplinked") $([ -e "$M/tmpexcl" ] && echo excl)" \
		"ok 1 640 "
	is "wops: O_APPEND data ($1)" \
		"$(c "$M/app") $(tail -c 3 "$M/dir/renbase2")" "ABC ABC"
}
later v_tmpfile

# --- fallocate ------------------------------------------------------------------------
fallocate -l 20000 "$M/fa"				# allocate: size grows
: >"$M/fakeep"
fallocate -n -o 0 -l 40960 "$M/fakeep"			# KEEP_SIZE on an empty file
echo data >"$M/fakeep2"; fallocate -n -o 4096 -l 8192 "$M/fakeep2"
fallocate -p -o 4096 -l 8192 "$M/punch"			# whole pages of a base file
ref_zero punch 4096 8192
fallocate -p -o 17000 -l 100 "$M/punch"			# inside a page
ref_zero punch 17000 100
fallocate -z -o 1000 -l 10000 "$M/zero"			# unaligned zero range
ref_zero zero 1000 10000
fallocate -z -n -o $((5 * 4096 - 10)) -l 5000 "$M/zero"	# KEEP_SIZE past EOF
ref_zero zero $((5 * 4096 - 10)) 10
fallocate -z -o $((5 * 4096)) -l 3000 "$M/zero"		# extends
ref_zero zero $((5 * 4096)) 3000
v_falloc() {
	local bad
	is "wops: fallocate: size and zeros; KEEP_SIZE keeps it ($1)" \
		"$(st %s "$M/fa") $("$WT" zeros "$M/fa" 0 20000) $(st %s "$M/fakeep") $(st %s "$M/fakeep2") $(c "$M/fakeep2")" \
		"20000 ok 0 5 data"
	is "wops: fallocate allocates: st_blocks ($1)" \
		"$(st %b "$M/fa") $(st %b "$M/fakeep")" "40 80"
	if bad=$(same_data "$1" punch zero); then
		pass "wops: PUNCH_HOLE and ZERO_RANGE of base files ($1)"
	else
		fail "wops: PUNCH_HOLE/ZERO_RANGE data ($1): $bad"
	fi
	is "wops: a punched hole shows in SEEK_HOLE ($1)" \
		"$(sm "$M/punch")" \
		"0-4096 12288-20480 end"
}
later v_falloc

# --- sync, copy_file_range ------------------------------------------------------------------
expect "wops: fsync" sync "$M/f1"
expect "wops: fdatasync" sync -d "$M/cow"
expect "wops: syncfs" sync -f "$M"
expect "wops: fsync of a directory" sync "$M/d1"
r1=$("$WT" copy "$M/crsrc" 100 "$M/crdst" 5000 $((5 * 4096)))
"$WT" copy "$REF/crsrc" 100 "$REF/crdst" 5000 $((5 * 4096)) >/dev/null
r2=$("$WT" copy "$M/crsrc" 0 "$M/crsrc" $((6 * 4096 + 77)) 9000)	# within, growing
"$WT" copy "$REF/crsrc" 0 "$REF/crsrc" $((6 * 4096 + 77)) 9000 >/dev/null
r3=$("$WT" copy "$M/crsrc" $((100 << 20)) "$M/crdst" 0 100)		# past EOF
is "wops: copy_file_range: from a base file, within one file, past EOF" \
	"$r1 $r2 $r3" "$((5 * 4096)) 9000 0"
v_copy() {
	local bad
	if bad=$(same_data "$1" crsrc crdst); then
		pass "wops: copy_file_range data ($1)"
	else
		fail "wops: copy_file_range data ($1): $bad"
	fi
}
later v_copy

# --- limits ------------------------------------------------------------------------------
r=$("$WT" fsize "$M/fsz" 2>&1 | tr '\n' ' ')
is "wops: RLIMIT_FSIZE: short write, EFBIG with SIGXFSZ ignored, SIGXFSZ otherwise" \
	"$r" "write 10000 EFBIG pwrite EFBIG ftruncate EFBIG fallocate EFBIG shrink ok killed XFSZ "
n255=$(head -c 255 /dev/zero | tr '\0' 'a')
r1=$("$WT" try creat "$M/${n255}b")
r2=$("$WT" try creat "$M/$n255")
r3=$("$WT" try mkdir "$M/d1/${n255}c")
r4=$("$WT" rename none "$M/$n255" "$M/${n255}d")
is "wops: ENAMETOOLONG for 256-byte names (create, mkdir, rename), 255 is fine" \
	"$r1 $r2 $r3 $r4" "ENAMETOOLONG ok ENAMETOOLONG ENAMETOOLONG"
v_limits() {
	is "wops: after RLIMIT_FSIZE: 5000 bytes ($1)" \
		"$(st %s "$M/fsz") $("$WT" check "$M/fsz" 0 5000 7)" "5000 ok"
	is "wops: a 255-byte name ($1)" "$(st %s "$M/$n255")" 0
}
later v_limits

# --- the largest file (last: the mount must still take changes after it) ---
r=$("$WT" maxbytes "$M/maxf" 2>&1)
maxb=$(echo "$r" | awk '$1 == "max" { print $2 }')
want="max (the largest size ftruncate takes) write 1 size ..."
if [ -n "$maxb" ]; then
	e=EFBIG
	[ "$maxb" = 9223372036854775807 ] && e=EINVAL	# pos + count overflows
	want="max $maxb write 1 size $maxb read 1 y at-max $e data $(((maxb - 1) / 4096 * 4096)) hole 0 ftruncate(-1) EINVAL"
fi
is "wops: s_maxbytes: ftruncate to it, a write just below it, one at it, SEEK_DATA/SEEK_HOLE" "$r" "$want"
if [ "${maxb:-0}" -ge $((1 << 44)) ]; then
	pass "wops: files can be 16 TiB and more ($maxb bytes)"
else
	fail "wops: the largest file is ${maxb:-?} bytes, want 16 TiB or more"
fi
is "wops: the mount still takes changes after the largest file" \
	"$("$WT" try creat "$M/aftermax") $("$WT" try unlink "$M/aftermax")" "ok ok"
v_maxf() {
	[ -n "$maxb" ] || return 0
	is "wops: the largest file ($1)" \
		"$(st '%s %b' "$M/maxf") $(tail -c 1 "$M/maxf")" "$maxb 8 y"
}
later v_maxf

# --- remount: everything again ----------------------------------------------------------------
"$H/manifest" "$M" >"$W/manifest.1" 2>&1
(cd "$M" && find . -printf '%i %p\n' | LC_ALL=C sort -k2) >"$W/inodes.1"
df_before=$(stat -f -c '%b %f %a' "$M")
if ! umount "$MNT"; then
	fail "wops: umount: $(fuser -vm "$MNT" 2>&1 | tail -n 2 | tr '\n' ' ')"
	exit 1
fi
mount_rw "after the operations"
recheck "after remount"
"$H/manifest" "$M" >"$W/manifest.2" 2>&1
(cd "$M" && find . -printf '%i %p\n' | LC_ALL=C sort -k2) >"$W/inodes.2"
if cmp -s "$W/manifest.1" "$W/manifest.2" && [ -s "$W/manifest.1" ]; then
	pass "wops: the whole tree (manifest of $(wc -l <"$W/manifest.1") entries) is the same after remount"
else
	fail "wops: the tree changed across the remount: $(diff "$W/manifest.1" "$W/manifest.2" | grep '^[<>]' | head -n 4 | cut -c1-200 | tr '\n' ' ')"
fi
if cmp -s "$W/inodes.1" "$W/inodes.2"; then
	pass "wops: inode numbers are the same after remount"
else
	fail "wops: inode numbers changed across the remount: $(diff "$W/inodes.1" "$W/inodes.2" | grep '^[<>]' | head -n 4 | tr '\n' ' ')"
fi
is "wops: statfs is the same after remount" "$(stat -f -c '%b %f %a' "$M")" "$df_before"

# --- errors: EBUSY, EROFS -------------------------------------------------------------------------
mkdir -p "$W/m2"
r=$("$H/dxmount" opts "$W/m2" "$OPTS" 2>/dev/null)
case $? in
2) is "wops: a second writable mount of the region is EBUSY" "$r" EBUSY ;;
0) fail "wops: a second writable mount of the region succeeded"; umount "$W/m2" ;;
*) fail "wops: second mount: dxmount failed" ;;
esac
umount "$MNT"
if mount -t daxfs -o "ro,$OPTS" none "$MNT"; then
	r=$("$WT" try creat "$M/rofile") r2=$("$WT" try openw "$M/f1")
	r3=$("$WT" try mkdir "$M/rodir") r4=$("$WT" try setx "$M/f1")
	r5=$("$WT" try trunc "$M/cow" 0) r6=$("$WT" try unlink "$M/f1")
	is "wops: ro mount: create, open for writing, mkdir, setxattr, truncate, unlink are EROFS" \
		"$r $r2 $r3 $r4 $r5 $r6" "EROFS EROFS EROFS EROFS EROFS EROFS"
	is "wops: ro mount shows the writes" "$(c "$M/new1") $("$WT" check "$M/fsz" 0 5000 7)" "new ok"
	umount "$MNT"
else
	fail "wops: mount -o ro"
fi

# the base part of the region is what mkdaxfs wrote; the whole region checks
"$H/physcopy" get "$PHYS" "$SIZE" "$W/now.img"
sup=$("$INSPECT" "$W/orig.img" super 2>&1)
ioff=$(echo "$sup" | awk '$1 == "inodes" && $2 == "offset" { sub(/,/, "", $3); print $3 }')
doff=$(echo "$sup" | awk '$1 == "delta" && $2 == "offset" { sub(/,/, "", $3); print $3 }')
if [ -z "$ioff" ] || [ -z "$doff" ]; then
	fail "wops: daxfs-inspect super does not name the inode table and delta offsets: $(echo "$sup" | head -n 2 | tr '\n' ' ')"
elif cmp -s -n 4096 "$W/orig.img" "$W/now.img" &&
     cmp -s -i "$((ioff)):$((ioff))" -n $((doff - ioff)) "$W/orig.img" "$W/now.img"; then
	pass "wops: the base image (superblock, metadata, data: $((doff / 1024)) KiB) is byte for byte what mkdaxfs wrote"
else
	fail "wops: the base image changed: $(cmp -n "$doff" "$W/orig.img" "$W/now.img" 2>&1 | head -n 1)"
fi
if out=$(timeout 120 "$INSPECT" "$W/now.img" check 2>&1); then
	pass "wops: daxfs-inspect check of the region after the writes"
else
	fail "wops: daxfs-inspect check: $(echo "$out" | grep -v '^ok' | head -n 3 | tr '\n' ' ')"
fi
rm -f "$W/now.img" "$W/orig.img"

# an image without a delta region stays read-only
mkdir -p "$W/plain"
echo p >"$W/plain/p"
"$MKDAXFS" -q -d "$W/plain" -p "$PHYS" -s $((4 << 20)) ||
	fail "wops: mkdaxfs without -b"
if mount -t daxfs -o "phys=$PHYS,size=$((4 << 20))" none "$MNT"; then
	is "wops: an image made without -b mounts read-only" \
		"$(awk -v d="$MNT" '$2 == d { split($4, o, ","); print o[1] }' /proc/mounts)" ro
	is "wops: an image made without -b: writes are EROFS" \
		"$("$WT" try creat "$M/x") $("$WT" try openw "$M/p")" "EROFS EROFS"
	if mount -o remount,rw "$MNT" 2>/dev/null; then
		fail "wops: remount,rw of an image without -b succeeded"
	else
		pass "wops: remount,rw of an image made without -b is refused"
	fi
	umount "$MNT"
else
	fail "wops: mount of an image made without -b"
fi
dmesg_clean "wops: kernel log clean"

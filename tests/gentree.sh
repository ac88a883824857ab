#!/bin/bash
# gentree.sh DIR [TREECMP]: generate the DAXFS round-trip tree in DIR (which
# must not exist).  Needs root (owners, devices, trusted.* xattrs), setfattr
# (attr) and setcap (libcap2-bin); TREECMP (tests/host/treecmp.c) makes the
# socket node.  Content is random, so two runs give different trees.
#
# What is in it: every file type (regular, directory, symlink, hard link,
# char/block device, fifo, socket); 255-byte and non-UTF-8 names; a
# 20,000-entry directory; a 125-level path longer than PATH_MAX; empty,
# 1-byte, page-sized, odd-sized and 40 MiB files; sparse files; setuid,
# setgid, sticky and 0000 modes; several owners; nanosecond, pre-1970 and
# far-future mtimes; hard links in one and across directories (one 125
# levels down); relative, absolute, dangling, 1000- and 4095-byte symlinks;
# user., trusted. and security.capability xattrs.
set -eu
DEST=$1
TREECMP=${2:-}
if [ -e "$DEST" ]; then
	echo "gentree.sh: $DEST exists" >&2
	exit 1
fi
mkdir -p "$DEST"
cd "$DEST"

rnd() { head -c "$2" /dev/urandom >"$1"; }
ts() { touch -h -d "$1" "${@:2}"; }

# --- regular files of many sizes -------------------------------------------
mkdir files
rnd files/one 1
: >files/empty
rnd files/page 4096
rnd files/page_plus_one 4097
rnd files/odd 12345
rnd files/odd_big 1000003
rnd files/forty_mib $((40 << 20))
printf 'hello, daxfs\n' >files/text
head -c 8192 /dev/zero >files/zeros_written	# written zeros, not a hole

# Sparse: data, hole in the middle, data, hole at the end.
rnd files/sparse.tmp 8192
dd if=files/sparse.tmp of=files/sparse bs=4096 count=1 status=none
dd if=files/sparse.tmp of=files/sparse bs=4096 skip=1 seek=300 count=1 \
	conv=notrunc status=none
truncate -s $((3 << 20)) files/sparse
rm files/sparse.tmp
truncate -s $((10 << 20)) files/all_hole
rnd files/odd_tail_hole 5000
truncate -s 100000 files/odd_tail_hole

# --- names -------------------------------------------------------------------
mkdir names
long=$(printf '%0255d' 0 | tr 0 n)
echo 255 >"names/$long"
mkdir "names/d${long:1}"
echo utf8 >"names/$(printf 'caf\xc3\xa9 \xe2\x98\x83')"
echo latin1 >"names/$(printf 'bad\xff\xfe\x80name')"
echo ctrl >"names/$(printf 'tab\there\nnewline')"
echo dash >"names/-leading dash"
echo bs >'names/back\slash'
echo dots >names/...
echo dot >names/.hidden
ln -s "$long" "names/link_to_${long:0:200}"

# --- a 20,000-entry directory ------------------------------------------------
mkdir big
(cd big && seq -f 'entry%05g' 0 19999 | xargs touch -d '2021-05-06 07:08:09.987654321')
echo content >big/entry12345

# --- a path deeper than PATH_MAX (125 levels of 40-byte names) ---------------
echo "shared by the top and the bottom" >zz_deep_hardlink_top
ln zz_deep_hardlink_top deep_hardlink_tmp
mkdir deep
(
	cd deep
	mv ../deep_hardlink_tmp .
	for i in $(seq -w 1 125); do
		n="level${i}_abcdefghijklmnopqrstuvwxyz0123456"
		mkdir "$n"
		cd "$n"
		mv ../deep_hardlink_tmp .
	done
	mv deep_hardlink_tmp bottom_hardlink
	echo bottom >bottom_file
	ln -s ../../../.. up_link
	mkfifo bottom_fifo
	touch -d '2019-12-31 23:59:59.999999999' bottom_file
	setfattr -n user.deep -v bottom bottom_file
)

# --- modes and owners -------------------------------------------------------
mkdir modes
printf '#!/bin/sh\n' >modes/setuid && chmod 4755 modes/setuid
printf '#!/bin/sh\n' >modes/setgid && chmod 2755 modes/setgid
printf '#!/bin/sh\n' >modes/setuid_noexec && chmod 4644 modes/setuid_noexec
echo none >modes/zero && chmod 0000 modes/zero
mkdir modes/sticky && chmod 1777 modes/sticky
mkdir modes/setgid_dir && chmod 2775 modes/setgid_dir
echo in >modes/setgid_dir/inside
mkdir modes/closed_dir && echo secret >modes/closed_dir/f
chmod 0000 modes/closed_dir
mkdir modes/ro_dir && echo ro >modes/ro_dir/f && chmod 0555 modes/ro_dir
mkdir modes/empty_dir
echo 1000 >modes/user1000 && chown 1000:1000 modes/user1000
echo nobody >modes/nobody && chown 65534:65534 modes/nobody
echo mixed >modes/mixed && chown 12345:54321 modes/mixed
echo big >modes/bigid && chown 4000000000:3000000000 modes/bigid
printf '#!/bin/sh\n' >modes/owned_setuid
chown 1000:100 modes/owned_setuid && chmod 6755 modes/owned_setuid
mkdir modes/owned_dir && chown 2000:2000 modes/owned_dir
ln -s zero modes/owned_link && chown -h 3000:3000 modes/owned_link

# --- links --------------------------------------------------------------------
mkdir links links/other
echo "three names" >links/a
ln links/a links/b
ln links/a links/other/c
echo "two names" >links/other/d
ln links/other/d links/e
ln -s ../files/text links/rel_link
ln -s /etc/passwd links/abs_link
ln -s does/not/exist links/dangling
ln -s other links/dir_link
ln -s "$(printf '%01000d' 0 | tr 0 x)" links/long_1000
ln -s "$(printf 'a/%.0s' $(seq 2047))b" links/long_4095
ln links/rel_link links/rel_link_hard
mkfifo links/fifo && ln links/fifo links/fifo_hard

# --- special files ---------------------------------------------------------------
mkdir dev
mkfifo dev/fifo
mknod dev/null c 1 3
mknod dev/loop0 b 7 0
mknod dev/bigdev c 300 70000
mknod dev/bigblk b 4095 1048575
if [ -n "$TREECMP" ]; then
	(cd dev && "$TREECMP" --mksock socket)
else
	python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("dev/socket")'
fi
chmod 0620 dev/null && chown 0:5 dev/null

# --- xattrs -------------------------------------------------------------------
mkdir xattr
echo x >xattr/user
setfattr -n user.one -v first xattr/user
setfattr -n user.two -v 0x00ff00ff xattr/user
setfattr -n user.empty xattr/user
setfattr -n "user.$(printf '%0200d' 0)" -v long xattr/user
setfattr -n user.big -v "0x$(head -c 2000 /dev/urandom | od -An -v -tx1 | tr -d ' \n')" xattr/user
echo t >xattr/trusted
setfattr -n trusted.overlay.opaque -v y xattr/trusted
printf '\177ELF' >xattr/cap
chown 1000:1000 xattr/cap
setcap cap_net_raw,cap_net_bind_service+ep xattr/cap
setfattr -n user.dir -v on-a-dir xattr
mknod xattr/fifo p
setfattr -n trusted.fifo -v on-a-fifo xattr/fifo
ln -s user xattr/link
setfattr -h -n trusted.link -v on-a-symlink xattr/link
ln xattr/user xattr/user_hard
setfattr -n user.root -v on-the-root .

# --- times (last, so that nothing changes them afterwards) -----------------------
ts '2020-01-02 03:04:05.123456789' files/text
ts '1960-06-15 12:00:00.5' files/one
ts '2200-01-01 00:00:00.000000001' files/odd
ts '2001-09-09 01:46:40.000000000' links/abs_link
ts '2010-10-10 10:10:10.101010101' links/dangling
ts '2015-05-05 05:05:05.555555555' dev/null dev/fifo
ts '2022-02-22 22:22:22.222222222' modes/empty_dir modes/sticky
ts '2023-03-03 03:03:03.333333333' big
ts '2024-04-04 04:04:04.444444444' .

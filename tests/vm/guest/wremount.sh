#!/bin/bash
# Remounting a writable mount, and who may mount a region at once:
#  - remount,ro keeps every change (content, names, attributes, xattrs)
#    and refuses writes (EROFS); remount,rw takes writes again; several
#    rounds, each checked, then everything after unmount and mount;
#  - remount,ro is refused (EBUSY) while a file is open for writing;
#  - one writer per region: a second writable mount is EBUSY; read-only
#    mounts may sit beside the writer, and follow what it writes without
#    remounting; a read-only mount beside another may remount rw;
#  - the recovery option mounts read-only (even without ro) and shows
#    the files, remount,rw of it is refused, a remount may not add it,
#    and a normal writable mount works afterwards;
#  - a writable mount made while another writer writes and unmounts
#    reads the branch again and mounts, showing all the other wrote;
#  - remount may not change phys= or size=.
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" "$H/wtool" "$H/dxmount" "$H/manifest"
SIZE=$((32 << 20))
need_phys $SIZE
daxfs_load
dmesg_mark

SRC=$W/src
A=$W/a
B=$W/b
WT=$H/wtool
OPTS="phys=$PHYS,size=$SIZE"
mkdir -p "$SRC/dir" "$A" "$B"
echo base >"$SRC/dir/base"
if ! "$MKDAXFS" -q -b -d "$SRC" -p "$PHYS" -s "$SIZE"; then
	fail "wremount: mkdaxfs -b -p"
	exit 1
fi
is() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
opt1() { awk -v d="$1" '$2 == d { split($4, o, ","); print o[1] }' /proc/mounts; }
has_opt() { awk -v d="$1" -v o="$2" '$2 == d { n = split($4, a, ","); for (i = 1; i <= n; i++) if (a[i] == o) f = 1 } END { exit !f }' /proc/mounts; }
# try_mount DIR OPTIONS: "ok" (mounted) or the errno name
try_mount() {
	local r
	r=$("$H/dxmount" opts "$1" "$2" 2>/dev/null)
	case $? in
	0) echo ok ;;
	2) echo "$r" ;;
	*) echo "dxmount-failed" ;;
	esac
}
remount() {	# remount DIR ro|rw: "ok" or the error
	mount -o "remount,$2" "$1" 2>&1 && echo ok
}

if ! mount -t daxfs -o "$OPTS" none "$A"; then
	fail "wremount: mount"
	exit 1
fi
# one round of changes per step; the manifest is what must stay
round() {	# round N
	mkdir "$A/r$1"
	"$WT" pwrite "$A/r$1/f" 0 $((3000 + $1 * 5000)) "$1" >/dev/null
	ln -s f "$A/r$1/s"
	setfattr -n user.r -v "$1" "$A/r$1/f"
	chmod 600 "$A/r$1/f"
	echo "round $1" >>"$A/dir/base"
	[ "$1" -gt 1 ] && mv "$A/r$(($1 - 1))/s" "$A/r$1/s-prev"
	[ "$1" -gt 1 ] && rm "$A/r$(($1 - 1))/f"
	"$H/manifest" "$A" >"$W/want"
}
same() {	# same WHAT: the manifest of A is what the last round left
	"$H/manifest" "$A" >"$W/got" 2>&1
	if cmp -s "$W/got" "$W/want"; then
		pass "wremount: $1: every file as it was"
	else
		fail "wremount: $1: $(diff "$W/want" "$W/got" | grep '^[<>]' | head -n 3 | tr '\n' ' ')"
	fi
}
for n in 1 2 3; do
	round "$n"
	is "wremount: round $n: remount,ro" "$(remount "$A" ro) $(opt1 "$A")" "ok ro"
	same "round $n, read-only"
	is "wremount: round $n: writes on the read-only remount are EROFS" \
		"$("$WT" try creat "$A/x") $("$WT" try openw "$A/dir/base") $("$WT" try unlink "$A/dir/base")" \
		"EROFS EROFS EROFS"
	is "wremount: round $n: remount,rw" "$(remount "$A" rw) $(opt1 "$A")" "ok rw"
	same "round $n, writable again"
done
exec 3>>"$A/dir/base"
r=$(remount "$A" ro)
case "$r" in
*busy*) pass "wremount: remount,ro with a file open for writing is EBUSY" ;;
ok) fail "wremount: remount,ro with a file open for writing succeeded"
    remount "$A" rw >/dev/null ;;
*) fail "wremount: remount,ro with a file open for writing: $r" ;;
esac
echo "while open" >&3
exec 3>&-
"$H/manifest" "$A" >"$W/want"
umount "$A"
if mount -t daxfs -o "$OPTS" none "$A"; then
	same "after the rounds, unmount and mount"
else
	fail "wremount: mount after the rounds"
fi

# --- one writer per region, readers beside it ------------------------------------
is "wremount: a second writable mount next to the writer is EBUSY" \
	"$(try_mount "$B" "$OPTS")" EBUSY
is "wremount: a read-only mount next to the writer" "$(try_mount "$B" "ro,$OPTS")" ok
is "wremount: it reads what the writer wrote" \
	"$("$H/manifest" "$B" | cmp -s - "$W/want" && echo same)" same
# the reader follows the writer's log (every heartbeat): a new round
round 4
for i in $(seq 1 40); do
	"$H/manifest" "$B" 2>/dev/null | cmp -s - "$W/want" && break
	sleep 0.25
done
is "wremount: the reader follows the writer without remounting" \
	"$("$H/manifest" "$B" | cmp -s - "$W/want" && echo same)" same
umount "$B"
is "wremount: the writer remounted ro" "$(remount "$A" ro)" ok
is "wremount: a second read-only mount next to it" "$(try_mount "$B" "ro,$OPTS")" ok
is "wremount: remount,rw next to a read-only mount" "$(remount "$A" rw) $(opt1 "$A")" "ok rw"
is "wremount: a second writable mount is still EBUSY" \
	"$(umount "$B"; try_mount "$B" "$OPTS")" EBUSY
is "wremount: both mounts read the same" \
	"$(try_mount "$B" "ro,$OPTS" >/dev/null; "$H/manifest" "$B" | cmp -s - "$W/want" && echo same)" same
umount "$B"
echo "after" >"$A/after"
"$H/manifest" "$A" >"$W/want"

# --- remount,rw after another writer came and went -------------------------------
is "wremount: the writer remounted ro again" "$(remount "$A" ro)" ok
if mount -t daxfs -o "$OPTS" none "$B"; then
	pass "wremount: another mount writes while the first is read-only"
	echo "from b" >"$B/fromb"
	mv "$B/r4" "$B/r4b"
	has "wremount: remount,rw while the other writes is refused" \
		"$(remount "$A" rw)" "busy"
	"$H/manifest" "$B" >"$W/want"
	umount "$B"
	is "wremount: remount,rw once the other writer went" \
		"$(remount "$A" rw) $(opt1 "$A")" "ok rw"
	same "what the other writer wrote, after remount,rw"
	echo again >>"$A/fromb"
	is "wremount: and it writes on after it" \
		"$(tr '\n' ' ' <"$A/fromb")" "from b again "
	# remount,rw right after the other writer's last write and unmount,
	# before the heartbeat followed it: the remount follows first
	got=
	for k in 1 2 3 4; do
		remount "$A" ro >/dev/null
		mount -t daxfs -o "$OPTS" none "$B" && echo "$k" >>"$B/fromb" &&
			umount "$B" && got="$got $(remount "$A" rw)"
	done
	is "wremount: remount,rw at once after another writer's unmount, 4 times" \
		"$got $(tr '\n' ' ' <"$A/fromb")" \
		" ok ok ok ok from b again 1 2 3 4 "
	# the same for a mount that was never writable (it becomes the
	# writer from scratch), then for the first again
	C=$W/c
	mkdir -p "$C"
	remount "$A" ro >/dev/null
	if mount -t daxfs -o "ro,$OPTS" none "$C"; then
		mount -t daxfs -o "$OPTS" none "$B" && echo 5 >>"$B/fromb" &&
			umount "$B"
		got="$(remount "$C" rw) $(tr '\n' ' ' <"$C/fromb")"
		umount "$C"
		got="$got/$(remount "$A" rw) $(tr '\n' ' ' <"$A/fromb")"
		is "wremount: ... and for a mount never writable before" "$got" \
			"ok from b again 1 2 3 4 5 /ok from b again 1 2 3 4 5 "
	else
		fail "wremount: a read-only mount beside a read-only one"
		remount "$A" rw >/dev/null
	fi
else
	fail "wremount: a writable mount next to a read-only one"
fi

# --- a writable mount made while another writer writes and leaves ---------------
# A mount reads the branch's log, then claims the branch: a writer that
# wrote more and unmounted in between leaves the read behind the log, and
# the mount reads it again rather than fail with EAGAIN.  B creates
# files (a record each) without a pause for a while, then unmounts; A
# tries a writable mount all along (EBUSY while B holds the branch); a
# log of some thousands of records makes each read take a while.
umount "$A"
DDC=/sys/kernel/debug/dynamic_debug/control
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
[ -w "$DDC" ] && echo 'module daxfs +p' >"$DDC"
dmesg_clean "wremount: kernel log clean before the mount race"
dmesg_mark
mkfiles() {	# mkfiles DIR SECONDS|COUNT: files 0, 1, ... made; prints how many
	python3 - "$@" <<'PY'
import os, sys, time
d, arg = sys.argv[1], sys.argv[2]
os.makedirs(d, exist_ok=True)
n, end = 0, time.time() + float(arg[:-1]) if arg.endswith('s') else None
while (end is None and n < int(arg)) or (end is not None and time.time() < end):
    open(os.path.join(d, str(n)), 'w').close()
    n += 1
print(n)
PY
}
got= counts=
if mount -t daxfs -o "$OPTS" none "$B" && mkfiles "$B/long" 3000 >/dev/null &&
   umount "$B"; then
	for k in 1 2 3; do
		( mount -t daxfs -o "$OPTS" none "$B" && : >"$W/up$k" &&
		  mkfiles "$B/race$k" 2s >"$W/made$k" && umount "$B" ) &
		for i in $(seq 1 600); do
			[ -e "$W/up$k" ] && break
			sleep 0.1
		done
		r=EBUSY
		for i in $(seq 1 200); do
			r=$(try_mount "$A" "$OPTS")
			[ "$r" = EBUSY ] || break
		done
		wait
		got="$got $r"
		if [ "$r" = ok ]; then
			counts="$counts $(cat "$W/made$k")/$(ls "$A/race$k" | wc -l)"
			umount "$A"
		fi
	done
	[ -w "$DDC" ] && echo 'module daxfs -p' >"$DDC"
	again=$(dmesg_new | grep -c 'moved on while it was read; reading it again')
	ok=y
	for c in $counts; do [ "${c%/*}" = "${c#*/}" ] || ok=n; done
	is "wremount: a writable mount while another writer writes and leaves, 3 times ($again reads again; files made/seen:$counts)" \
		"$got $ok" " ok ok ok y"
else
	fail "wremount: a writer making 3000 files"
fi
mount -t daxfs -o "$OPTS" none "$A" || fail "wremount: mount after the mount race"
rm -rf "$A/long" "$A"/race*
"$H/manifest" "$A" >"$W/want"

# --- remount may not change the region -----------------------------------------
r=$(mount -o "remount,phys=$((PHYS + 4096)),size=$SIZE" "$A" 2>&1 && echo ok)
[ "$r" = ok ] && fail "wremount: remount with another phys= succeeded" ||
	pass "wremount: remount with another phys= is refused"
r=$(mount -o "remount,phys=$PHYS,size=$((SIZE / 2))" "$A" 2>&1 && echo ok)
[ "$r" = ok ] && fail "wremount: remount with another size= succeeded" ||
	pass "wremount: remount with another size= is refused"
r=$(mount -o "remount,recovery" "$A" 2>&1 && echo ok)
[ "$r" = ok ] && fail "wremount: remount adding recovery succeeded" ||
	pass "wremount: remount may not add recovery"
is "wremount: still writable after the refused remounts" \
	"$(opt1 "$A") $("$WT" try creat "$A/after2")" "rw ok"
rm "$A/after2"
"$H/manifest" "$A" >"$W/want"	# the root's times moved
umount "$A"

# --- recovery ---------------------------------------------------------------
if mount -t daxfs -o "$OPTS,recovery" none "$A" 2>"$W/err"; then
	is "wremount: -o recovery mounts read-only" "$(opt1 "$A")" ro
	has_opt "$A" recovery && pass "wremount: /proc/mounts shows recovery" ||
		fail "wremount: /proc/mounts does not show recovery"
	same "a recovery mount"
	is "wremount: writes on a recovery mount are EROFS" \
		"$("$WT" try creat "$A/x") $("$WT" try openw "$A/after")" "EROFS EROFS"
	r=$(remount "$A" rw)
	[ "$r" = ok ] && fail "wremount: remount,rw of a recovery mount succeeded" ||
		pass "wremount: remount,rw of a recovery mount is refused"
	umount "$A"
else
	fail "wremount: mount -o recovery: $(head -n 1 "$W/err")"
fi
if mount -t daxfs -o "$OPTS" none "$A"; then
	same "a writable mount after the recovery mount"
	is "wremount: and it writes" "$("$WT" try creat "$A/x")" ok
	umount "$A"
else
	fail "wremount: writable mount after recovery"
fi
dmesg_clean "wremount: kernel log clean"

#!/bin/bash
# POSIX ACLs: mkdaxfs copies system.posix_acl_access/_default, and the
# mount enforces and lists them exactly as the source tree did:
#   - a named-user entry that denies what the "other" bits would grant;
#   - a mask that limits a named user's rwx to r-- (read yes, exec no);
#   - a directory a named user may traverse but not list;
#   - default ACLs on a directory;
# and getfacl -R of the mount equals getfacl -R of the source.
. "$(dirname "$0")/lib/common.sh"

need "$MKDAXFS" /usr/bin/setfacl /usr/bin/getfacl
need_phys $((16 << 20))
daxfs_load
dmesg_mark

SRC=$W/src
MNT=$W/mnt
mkdir -p "$SRC" "$MNT"
chmod 755 "$W"
# tmpfs keeps ACLs on both kernels
mount -t tmpfs -o mode=755 src "$SRC" || { fail "acl: setup: tmpfs"; exit 1; }

echo secret >"$SRC/deny"
chmod 644 "$SRC/deny"
setfacl -m u:1234:--- "$SRC/deny"
cp /bin/true "$SRC/masked"
chmod 755 "$SRC/masked"
setfacl -m u:5678:rwx "$SRC/masked"
setfacl -m m::r-- "$SRC/masked"
mkdir "$SRC/dir"
echo inside >"$SRC/dir/file"
chmod 755 "$SRC/dir"
chmod 644 "$SRC/dir/file"
setfacl -m u:1234:--x "$SRC/dir"
setfacl -d -m u:1234:r-x,g::r-x,o::--- "$SRC/dir"
echo plain >"$SRC/plain"

expect "acl: mkdaxfs -p" "$MKDAXFS" -q -d "$SRC" -p "$PHYS" -s "$PHYS_SIZE"
if ! mount -t daxfs -o "phys=$PHYS,size=$PHYS_SIZE" none "$MNT" 2>"$W/err"
then
	fail "acl: mount: $(head -n 1 "$W/err")"
	exit 1
fi

# as UID CMD...: run CMD as UID.  setpriv keeps its capabilities up to
# its own execve (which CAP_DAC_OVERRIDE would then let through), so a
# shell without them runs the command.
as() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --clear-groups \
		/bin/sh -c 'exec "$@"' sh "$@"
}
# allowed WHAT UID CMD... / denied WHAT UID CMD...
allowed() {
	local what=$1
	shift
	if as "$@" >/dev/null 2>"$W/err"; then pass "acl: $what"
	else fail "acl: $what: $(head -n 1 "$W/err")"; fi
}
denied() {
	local what=$1
	shift
	if as "$@" >/dev/null 2>"$W/err"; then
		fail "acl: $what: allowed"
	elif grep -q "Permission denied" "$W/err"; then
		pass "acl: $what"
	else
		fail "acl: $what: $(head -n 1 "$W/err"), want Permission denied"
	fi
}

for top in "$SRC" "$MNT"; do
	where=source
	[ "$top" = "$MNT" ] && where=daxfs
	denied "named user denied although 'other' may read ($where)" \
		1234 cat "$top/deny"
	allowed "another user reads through 'other' ($where)" 9999 cat "$top/deny"
	allowed "masked named user may read ($where)" 5678 cat "$top/masked"
	denied "mask r-- takes exec from a named user's rwx ($where)" \
		5678 "$top/masked"
	allowed "'other' may still exec ($where)" 9999 "$top/masked"
	denied "named user --x cannot list the directory ($where)" \
		1234 ls "$top/dir"
	allowed "named user --x can traverse it ($where)" 1234 cat "$top/dir/file"
done

acls() {	# acls DIR: getfacl of every path under DIR, in name order
	(cd "$1" && find . | LC_ALL=C sort | xargs -d '\n' getfacl -p 2>/dev/null)
}
acls "$SRC" >"$W/src.acl"
acls "$MNT" >"$W/mnt.acl"
if [ -s "$W/src.acl" ] && cmp -s "$W/src.acl" "$W/mnt.acl"; then
	pass "acl: getfacl -R of the mount equals the source's ($(grep -c '^user:[0-9]' "$W/mnt.acl") named-user entries)"
else
	fail "acl: getfacl differs: $(diff "$W/src.acl" "$W/mnt.acl" | head -n 4 | tr '\n' ' ')"
fi
if getfacl -p "$MNT/dir" 2>/dev/null | grep -q '^default:user:1234:r-x'; then
	pass "acl: the default ACL of a directory is listed"
else
	fail "acl: no default ACL on dir: $(getfacl -d -p "$MNT/dir" 2>&1 | tr '\n' ' ')"
fi
if getfattr -m - -d "$MNT/plain" 2>/dev/null | grep -q posix_acl; then
	fail "acl: a file without ACLs lists one"
else
	pass "acl: a file without ACLs lists none"
fi
umount "$MNT"
umount "$SRC"
dmesg_clean "acl: kernel log clean"

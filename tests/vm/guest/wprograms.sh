#!/bin/bash
# Real programs on a writable mount, each result checked right away and
# again after unmount and mount (the index is rebuilt from the log):
#  - tar: Debian kernel header trees (about 27,000 files, 130 MB;
#    archived on the host with nanosecond times, build/vm-helpers/
#    headers.tar, as reading them over 9p under TCG takes minutes)
#    untarred onto the mount equal the host trees in every property
#    manifest prints (names,
#    types, modes, owners, sizes, link counts, mtimes, symlink targets,
#    content);
#  - git: init, add and commit a tree, change, rename and delete files,
#    commit, gc (packs and prunes), fsck --full --strict; after the
#    remount fsck, history and a clean status;
#  - sqlite (Python's sqlite3) in WAL mode, whose index is a shared
#    mapping of the -shm file: transactions from two connections, the
#    process killed with the last ones still in the WAL; after the
#    remount PRAGMA integrity_check and the rows;
#  - make: a small C program built with make and gcc on the mount and run
#    from it; after the remount it runs, make finds it up to date, and a
#    touched source rebuilds only what depends on it.
. "$(dirname "$0")/lib/common.sh"

PY=/usr/bin/python3
need "$MKDAXFS" "$H/manifest" "$H/headers.tar" "$H/headers.manifest" \
	"$H/headers.name" /usr/bin/git "$PY" /usr/bin/make /usr/bin/gcc
SIZE=$((448 << 20))
need_phys $SIZE
daxfs_load
dmesg_mark

SRC=$W/src
MNT=$W/mnt
M=$MNT
OPTS="phys=$PHYS,size=$SIZE"
mkdir -p "$SRC/seed" "$MNT"
echo base >"$SRC/seed/readme"
if ! "$MKDAXFS" -q -b -d "$SRC" -p "$PHYS" -s "$SIZE"; then
	fail "wprograms: mkdaxfs -b -p"
	exit 1
fi
mount_rw() {
	if ! mount -t daxfs -o "$OPTS" none "$MNT" 2>"$W/err"; then
		fail "wprograms: mount ($1): $(head -n 1 "$W/err") $(dmesg | tail -n 2 | tr '\n' ' ')"
		exit 1
	fi
}
is() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
LATER=()
later() { LATER+=("$1"); "$1" "at once"; }
mount_rw first

# --- tar ------------------------------------------------------------------
mapfile -t HDR <"$H/headers.name"
mkdir "$M/hdr"
t0=$SECONDS
if tar -C "$M/hdr" -xf "$H/headers.tar" 2>"$W/err"; then
	pass "wprograms: tar -x of ${HDR[*]} ($(grep -vc '^== ' "$H/headers.manifest") entries, $((SECONDS - t0)) s)"
else
	fail "wprograms: tar -x: $(head -n 2 "$W/err" | tr '\n' ' ')"
fi
v_tar() {
	local t
	for t in "${HDR[@]}"; do
		echo "== $t"
		"$H/manifest" "$M/hdr/$t" 2>&1
	done >"$W/hdr.manifest"
	if cmp -s "$W/hdr.manifest" "$H/headers.manifest"; then
		pass "wprograms: the untarred tree equals the host's (manifest) ($1)"
	else
		fail "wprograms: the untarred tree differs from the host's ($1): $(diff "$H/headers.manifest" "$W/hdr.manifest" | grep '^[<>]' | head -n 4 | cut -c1-160 | tr '\n' ' ')"
	fi
}
later v_tar

# --- git --------------------------------------------------------------------
G() { git -C "$M/repo" -c user.name=daxfs -c user.email=daxfs@test \
	-c gc.auto=0 -c core.fsync=all "$@"; }
gitrun() {	# gitrun WHAT GIT-ARGS...
	local what=$1
	shift
	if G "$@" >"$W/git.out" 2>&1; then
		return 0
	fi
	fail "wprograms: git $what: $(tail -n 3 "$W/git.out" | tr '\n' ' ')"
	return 1
}
mkdir "$M/repo"
cp -r "$M/hdr/$HDR/include/linux/sched" "$M/hdr/$HDR/include/uapi/linux/netfilter" "$M/repo/"
git init -q "$M/repo" &&
gitrun add add -A &&
gitrun commit commit -q -m one &&
{ echo change >>"$M/repo/sched/signal.h"
  G mv sched/task.h sched/task-moved.h
  G rm -q sched/user.h
  echo new >"$M/repo/new-file"; } &&
gitrun "add 2" add -A &&
gitrun "commit 2" commit -q -m two &&
gitrun "tag" tag v1 &&
gitrun gc gc -q --prune=now &&
pass "wprograms: git init, add, commit, mv, rm, commit, tag, gc"
v_git() {
	local n st
	if G fsck --full --strict --no-progress >"$W/git.out" 2>&1; then
		pass "wprograms: git fsck --full --strict ($1)"
	else
		fail "wprograms: git fsck ($1): $(head -n 3 "$W/git.out" | tr '\n' ' ')"
	fi
	n=$(G rev-list --count HEAD 2>&1)
	st=$(G status --porcelain 2>&1 | head -n 3 | tr '\n' ' ')
	is "wprograms: git history, packed objects, clean status ($1)" \
		"$n $(G describe --tags 2>&1) $(ls "$M/repo/.git/objects/pack" | grep -c '\.pack$') [$st] $(G show HEAD:new-file 2>&1)" \
		"2 v1 1 [] new"
}
later v_git

# --- sqlite in WAL mode -------------------------------------------------------
cat >"$W/db.py" <<'EOF'
import os, sqlite3, sys
path, mode = sys.argv[1], sys.argv[2]
if mode == "write":
    a = sqlite3.connect(path, isolation_level=None)
    assert a.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    a.execute("PRAGMA wal_autocheckpoint=0")
    a.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB, s TEXT)")
    b = sqlite3.connect(path, isolation_level=None)
    for i in range(60):
        c = a if i % 2 else b
        c.execute("BEGIN")
        for j in range(50):
            k = i * 50 + j
            c.execute("INSERT INTO t VALUES (?, ?, ?)",
                      (k, os.urandom(200 + k % 300), "row %d" % k))
        c.execute("COMMIT")
        if i == 30:
            a.execute("PRAGMA wal_checkpoint(PASSIVE)")
        # the other connection reads through the shared WAL index
        o = b if c is a else a
        assert o.execute("SELECT count(*) FROM t").fetchone()[0] == k + 1
    a.execute("DELETE FROM t WHERE k % 7 = 0")
    # the last transactions stay in the WAL: no close, no checkpoint
    print(os.path.getsize(path + "-wal") > 0)
    sys.stdout.flush()
    os._exit(0)
c = sqlite3.connect(path)
print(c.execute("PRAGMA integrity_check").fetchone()[0],
      c.execute("SELECT count(*), sum(k), sum(length(v)) FROM t").fetchone(),
      c.execute("SELECT s FROM t WHERE k = 2999").fetchone()[0])
EOF
mkdir "$M/db"
r=$("$PY" "$W/db.py" "$M/db/test.db" write 2>&1)
is "wprograms: sqlite WAL: 60 transactions from two connections, killed with the WAL full" "$r" True
# rows: 3000 minus every 7th; sum of k; blob lengths 200 + k % 300
want=$(awk 'BEGIN { for (k = 0; k < 3000; k++) if (k % 7) { n++; s += k; l += 200 + k % 300 }
	printf "ok (%d, %d, %d) row 2999", n, s, l }')
v_db() {
	is "wprograms: sqlite integrity_check and rows ($1)" \
		"$("$PY" "$W/db.py" "$M/db/test.db" check 2>&1)" "$want"
}
later v_db

# --- make and gcc -----------------------------------------------------------------
mkdir "$M/proj"
cat >"$M/proj/util.h" <<'EOF'
int twice(int x);
EOF
cat >"$M/proj/util.c" <<'EOF'
#include "util.h"
int twice(int x) { return 2 * x; }
EOF
cat >"$M/proj/main.c" <<'EOF'
#include <stdio.h>
#include "util.h"
int main(void) { printf("daxfs %d\n", twice(21)); return 0; }
EOF
printf 'prog: main.o util.o\n\tgcc -o $@ main.o util.o\n%%.o: %%.c util.h\n\tgcc -O1 -c $<\n' \
	>"$M/proj/Makefile"
if make -s -C "$M/proj" >"$W/make.out" 2>&1; then
	pass "wprograms: make builds a C program on the mount"
else
	fail "wprograms: make: $(tail -n 3 "$W/make.out" | tr '\n' ' ')"
fi
v_make() {
	is "wprograms: the program runs from the mount, make finds it up to date ($1)" \
		"$("$M/proj/prog" 2>&1) $(make -q -C "$M/proj" >/dev/null 2>&1; echo $?)" \
		"daxfs 42 0"
}
later v_make

# --- again after unmount and mount ----------------------------------------------
umount "$MNT" || fail "wprograms: umount"
mount_rw "after the programs"
for f in "${LATER[@]}"; do "$f" "after remount"; done
sleep 1.1	# a newer mtime than the object's, whatever the clock
touch "$M/proj/util.c"
out=$(make -C "$M/proj" 2>&1 | grep -c '^gcc')
is "wprograms: after touching util.c make recompiles it and links, nothing else" \
	"$out $("$M/proj/prog")" "2 daxfs 42"
expect "wprograms: umount" umount "$MNT"
dmesg_clean "wprograms: kernel log clean"

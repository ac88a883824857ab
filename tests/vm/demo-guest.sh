#!/bin/bash
# The guest half of `make demo` (tests/vm/demo.sh boots it with vm.sh):
# load daxfs.ko, mount the NVDIMM that holds demo.img by phys=, show it.
set -u
MNT=/mnt/daxfs
step() { printf '\n\033[1m>>> %s\033[0m\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }
# run CMD...: show the command, run it, stop the demo if it fails
run() {
	echo "# $*"
	"$@" || die "'$*' failed (exit $?)"
}
cached_kb() { awk '$1 == "Cached:" { print $2 }' /proc/meminfo; }

step "Inside the guest: $(uname -sr); the NVDIMM is at physical" \
     "$DAXFS_PHYS, $((DAXFS_PHYS_SIZE >> 20)) MiB"

step "Loading daxfs.ko"
for dep in $(modinfo -F depends "$DAXFS_KO" | tr , ' '); do
	run modprobe "$dep"
done
run insmod "$DAXFS_KO"
grep -w daxfs /proc/filesystems

step "Mounting it: the image is used in place, straight from memory"
mkdir -p "$MNT"
run mount -t daxfs -o "phys=$DAXFS_PHYS,size=$DAXFS_PHYS_SIZE" none "$MNT"

step "ls -l"
run ls -l "$MNT" "$MNT/doc"

step "cat hello.txt"
run cat "$MNT/hello.txt"

step "stat: nanosecond times, real block counts"
run stat "$MNT/hello.txt"

step "readlink"
run readlink "$MNT/readme-link"

step "Extended attributes and file capabilities"
if command -v getfattr >/dev/null; then
	run getfattr -d "$MNT/hello.txt"
else
	echo "(getfattr not installed)"
fi
if command -v getcap >/dev/null; then
	run getcap "$MNT/ping-like"
else
	echo "(getcap not installed)"
fi

step "df and /proc/mounts"
run df -h "$MNT"
grep " $MNT " /proc/mounts || die "not in /proc/mounts"

step "Reading the 64 MiB big.bin: the page cache must not grow"
sync
echo 3 >/proc/sys/vm/drop_caches
before=$(cached_kb)
echo "Cached before: $before kB"
echo "# cd $MNT && sha256sum -c big.sha256"
(cd "$MNT" && sha256sum -c "$DEMO_SUM") || die "big.bin reads back wrong"
after=$(cached_kb)
echo "Cached after:  $after kB (grew by $((after - before)) kB;" \
     "a page-cache filesystem would grow by 65536 kB)"
[ $((after - before)) -lt 8192 ] || die "the page cache grew"

step "Writing: the base stays as it was, changes go to main's log"
run sh -c "echo 'written in the guest' > $MNT/notes.txt"
run sh -c "echo 'one more line' >> $MNT/hello.txt"
run mv "$MNT/doc" "$MNT/documents"
run ln -s notes.txt "$MNT/notes-link"
run dd if=/dev/urandom of="$MNT/random.bin" bs=1M count=4 status=none
sum=$(sha256sum <"$MNT/random.bin")
run ls -l "$MNT"
run df -h "$MNT"

step "Unmount and mount again: the changes are replayed from the log"
run umount "$MNT"
run mount -t daxfs -o "phys=$DAXFS_PHYS,size=$DAXFS_PHYS_SIZE" none "$MNT"
run cat "$MNT/notes.txt" "$MNT/hello.txt"
run ls -l "$MNT"
[ "$(sha256sum <"$MNT/random.bin")" = "$sum" ] ||
	die "random.bin reads back wrong after the remount"
echo "random.bin: the same 4 MiB as before the remount"
run rm "$MNT/random.bin"
run df -h "$MNT"

step "Branches: three tries at a config, the one whose test passes wins"
BR=$DAXFS_BRANCH
run sh -c "echo 'workers=1' > $MNT/app.conf"
for n in 2 4 8; do
	run "$BR" create "try-$n" -m "$MNT"
done
run "$BR" list -m "$MNT"
echo "# main has children now: it is frozen"
if err=$( (echo x >"$MNT/app.conf") 2>&1 ); then
	die "a write to frozen main succeeded"
fi
echo "echo x > $MNT/app.conf: refused (${err##*: })"
for n in 2 4 8; do
	run "$BR" switch "try-$n" -m "$MNT"
	run sh -c "echo 'workers=$n' > $MNT/app.conf"
	run sh -c "seq 1 $n > $MNT/try-$n.log"
	run ls "$MNT"
done
# the "test" each try must pass: this service wants exactly 4 workers
winner=
for n in 2 4 8; do
	run "$BR" switch "try-$n" -m "$MNT"
	w=$(sed -n 's/^workers=//p' "$MNT/app.conf")
	echo "try-$n: workers=$w $([ "$w" = 4 ] && echo '-> test passes' || echo '-> test fails')"
	[ "$w" = 4 ] && winner=try-$n
done
run "$BR" switch "$winner" -m "$MNT"
run "$BR" commit -m "$MNT"
run "$BR" list -m "$MNT"
run cat "$MNT/app.conf"
run ls "$MNT"
echo "# main now holds the winner's changes; the other tries are gone:"
"$BR" switch try-2 -m "$MNT" 2>&1 || true

step "A read-only mount refuses writes"
run mount -o remount,ro "$MNT"
if err=$( (echo x >"$MNT/new") 2>&1 ); then
	die "a write succeeded"
fi
echo "echo x > $MNT/new: refused (${err##*: }), as it should be"

step "Unmounting and unloading"
run umount "$MNT"
run rmmod daxfs

#!/bin/bash
# The writer guest of tests/vm/livecorrupt.sh: it does not load daxfs; it
# maps the shared NVDIMM range through /dev/mem and, once the reader
# guest has mounted the image, changes it for LC_SECONDS with seed
# LC_SEED (helpers/flipper.c), then puts the pristine image back.
#
# Meeting files in $VM_SHARE: waits for reader.mounted (gives up at
# reader.failed or stop); writes writer.done when the image is pristine
# again (writer.failed instead if it could not run), writer.summary
# (flipper's line) and flips.log (the last changes).
. "$(dirname "$0")/common.sh"

S=$VM_SHARE
SECS=${LC_SECONDS:-60}
SEED=${LC_SEED:-1}
need "$H/flipper" "$S/pristine.img"
writer_fail() {
	fail "livecorrupt-writer: $*"
	: >"$S/writer.failed"
	exit 1
}
[ -n "$PHYS" ] || writer_fail "no NVDIMM"
dmesg_mark

# the reader boots, loads the module and walks the pristine image first;
# this bounds the wait, it is not a timing assertion
for ((i = 0; i < 1200; i++)); do
	[ -e "$S/reader.mounted" ] && break
	[ -e "$S/reader.failed" ] &&
		writer_fail "the reader failed before mounting"
	[ -e "$S/stop" ] &&
		writer_fail "the reader guest ended before mounting"
	sleep 0.5
done
[ -e "$S/reader.mounted" ] || writer_fail "the reader never mounted"

echo "livecorrupt-writer: [${SECONDS}s] the reader has mounted; flipping for ${SECS}s, seed $SEED"
if ! "$H/flipper" -s "$SEED" -t "$SECS" -x "$S/stop" -l "$S/flips.log" \
	"$S/pristine.img" "$PHYS" >"$W/out" 2>"$W/err"; then
	writer_fail "flipper: $(head -n 1 "$W/err")"
fi
# for the host's summary line: "75.0 s of flips (N flips, seed S)"
sed -E 's/^flipper: seed ([0-9]+), ([0-9.]+) s: ([0-9]+) flips.*/\2 s of flips (\3 flips, seed \1)/' \
	"$W/out" >"$S/writer.summary.tmp" &&
	mv "$S/writer.summary.tmp" "$S/writer.summary"
: >"$S/writer.done"
pass "livecorrupt-writer: $(cat "$W/out")"
dmesg_clean "livecorrupt-writer: kernel log clean"

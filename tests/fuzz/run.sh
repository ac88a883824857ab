#!/bin/bash
# run.sh [SECONDS]: a short libFuzzer run of both targets (make fuzz),
# SECONDS in all (default 30), half each:
#  - build/fuzz/fuzz_validate over a seed corpus generated now: the images
#    of tests/host/test_hostile --seeds and, when built, mkdaxfs images of
#    a small tree;
#  - build/fuzz/fuzz_replay (edits of an image with a log) over a few
#    hand-made edit lists.
# Prints PASS:/FAIL: lines.  docs/fuzzing.md: longer runs.
set -u
. "$(dirname "$0")/../lib.sh"
SECS=${1:-30}
cd "$TOP"

SEEDGEN=$SAN/tests/test_hostile
OUT=build/fuzz
ART=$OUT/artifacts
for b in "$OUT/fuzz_validate" "$OUT/fuzz_replay" "$SEEDGEN"; do
	if [ ! -x "$b" ]; then
		fail "fuzz: $b not built (make fuzz san)"
		exit 0
	fi
done
mkdir -p "$ART"

# fuzz TARGET SECS CORPUS WORK: one run; a PASS or FAIL line.
fuzz() {
	local target=$1 secs=$2 corpus=$3 work=$4 log rc runs
	log=$OUT/last-run-$target.log
	mkdir -p "$work"
	"$OUT/$target" -max_total_time="$secs" -max_len=400000 -timeout=20 \
		-rss_limit_mb=4096 -artifact_prefix="$ART/" -print_final_stats=1 \
		"$work" "$corpus" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$rc" -eq 0 ] && grep -q '^Done' "$log"; then
		pass "fuzz: ${secs}s libFuzzer run of $target, no crash (${runs:-?} runs)"
	else
		fail "fuzz: $target: libFuzzer exit $rc: $(grep -m1 -e 'ERROR' -e 'runtime error' -e 'Test unit written' "$log")"
		tail -30 "$log"
	fi
}

# Seeds of fuzz_validate: whole images (regenerated each run).
CORPUS=$OUT/corpus
rm -rf "$CORPUS"
mkdir -p "$CORPUS"
if ! "$SEEDGEN" --seeds "$CORPUS"; then
	fail "fuzz: seed generation failed"
	exit 0
fi
for mk in build/mkdaxfs "$SAN/mkdaxfs"; do
	[ -x "$mk" ] || continue
	T=$(mktemp -d /tmp/daxfs-fuzz.XXXXXX)
	mkdir -p "$T/src/d"
	echo hi >"$T/src/f"
	ln "$T/src/f" "$T/src/d/link"
	ln -s f "$T/src/s"
	mkfifo "$T/src/p"
	head -c 5000 /dev/zero | tr '\0' x >"$T/src/d/x"
	"$mk" -d "$T/src" -o "$CORPUS/mkdaxfs" >/dev/null 2>&1
	"$mk" -d "$T/src" -o "$CORPUS/mkdaxfs-b" -b --delta-size 64K \
		>/dev/null 2>&1
	rm -rf "$T"
	break
done

# Seeds of fuzz_replay: a flags byte, then 6-byte edits (where:le32, op,
# value); see tests/fuzz/fuzz_replay.c.
RCORPUS=$OUT/corpus-replay
rm -rf "$RCORPUS"
mkdir -p "$RCORPUS"
printf '\000' >"$RCORPUS/none"
printf '\010' >"$RCORPUS/recover"
printf '\020' >"$RCORPUS/write"
printf '\001\060\000\000\000\005\034' >"$RCORPUS/record-ino"
printf '\007\031\000\000\000\005\004' >"$RCORPUS/record-type"
printf '\006\001\001\000\000\006\005' >"$RCORPUS/chunk-next"
printf '\004\002\000\000\000\007\001' >"$RCORPUS/slot-tail"
printf '\033\100\020\000\000\000\377\200\000\001\000\003\011' >"$RCORPUS/mixed"
pass "fuzz: $(ls "$CORPUS" | wc -l) image seeds, $(ls "$RCORPUS" | wc -l) edit seeds generated"

HALF=$(( SECS / 2 ))
[ "$HALF" -ge 1 ] || HALF=1
fuzz fuzz_validate $(( SECS - HALF > 0 ? SECS - HALF : 1 )) "$CORPUS" "$OUT/corpus-work"
fuzz fuzz_replay "$HALF" "$RCORPUS" "$OUT/corpus-replay-work"
exit 0

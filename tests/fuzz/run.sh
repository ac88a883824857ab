#!/bin/bash
# run.sh [SECONDS]: a short libFuzzer run of build/fuzz/fuzz_validate
# (make fuzz) over a seed corpus generated now: the images of
# tests/host/test_hostile --seeds and, when built, mkdaxfs images of a
# small tree.  Prints PASS:/FAIL: lines.  docs/fuzzing.md: longer runs.
set -u
. "$(dirname "$0")/../lib.sh"
SECS=${1:-30}
cd "$TOP"

FUZZ=build/fuzz/fuzz_validate
SEEDGEN=$SAN/tests/test_hostile
OUT=build/fuzz
CORPUS=$OUT/corpus		# seeds (regenerated each run)
WORK=$OUT/corpus-work		# what the fuzzer finds (kept between runs)
ART=$OUT/artifacts
for b in "$FUZZ" "$SEEDGEN"; do
	if [ ! -x "$b" ]; then
		fail "fuzz: $b not built (make fuzz san)"
		exit 0
	fi
done
rm -rf "$CORPUS"
mkdir -p "$CORPUS" "$WORK" "$ART"
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
pass "fuzz: $(ls "$CORPUS" | wc -l) seeds generated"

LOG=$OUT/last-run.log
"$FUZZ" -max_total_time="$SECS" -max_len=400000 -timeout=20 \
	-rss_limit_mb=4096 -artifact_prefix="$ART/" -print_final_stats=1 \
	"$WORK" "$CORPUS" >"$LOG" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$LOG")
if [ "$rc" -eq 0 ] && grep -q '^Done' "$LOG"; then
	pass "fuzz: ${SECS}s libFuzzer run of the validator, no crash (${runs:-?} runs)"
else
	fail "fuzz: libFuzzer exit $rc: $(grep -m1 -e 'ERROR' -e 'runtime error' -e 'Test unit written' "$LOG")"
	tail -30 "$LOG"
fi
exit 0

#!/bin/bash
# bench/branch-ab.sh: the branch operations of two or more revisions,
# timed side by side in one QEMU guest (docs: bench/README.md, "A/B").
#
#   bash bench/branch-ab.sh REV REV... [-- REPEATS]      (BENCH_KERNEL=6.1)
#
# REV: a git revision, or "." for the working tree as it is.  Each is
# checked out into build/ab/NAME (tools and daxfs.ko built there); then
# one guest loads each revision's module in turn, REPEATS times (default
# 4), and times create, switch, commit and abort of a branch of main with
# 1 KiB written in it (bench/bbr.c, 10 rounds, base image of 1 MiB).
# Interleaving the revisions in one guest makes a difference of a few
# percent visible, where two separate runs under TCG differ by more.
# Prints, per revision, the median of the repeats' medians in µs.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
revs=() reps=4
while [ $# -gt 0 ]; do
	case $1 in
	--) reps=${2:?usage: branch-ab.sh REV REV... [-- REPEATS]}; shift 2 ;;
	-h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) revs+=("$1"); shift ;;
	esac
done
[ ${#revs[@]} -ge 1 ] || { echo "usage: branch-ab.sh REV REV... [-- REPEATS]" >&2; exit 2; }
case $reps in ''|*[!0-9]*|0) echo "branch-ab: REPEATS must be a positive number" >&2; exit 2 ;; esac
kernel=${BENCH_KERNEL:-6.12}
bash tests/deps.sh vm >/dev/null || { echo "branch-ab: tests/deps.sh vm failed" >&2; exit 1; }
make --no-print-directory -s -C bench || exit 1
kver=$(bash tests/vm/vm.sh --kernel "$kernel" --print-kver) || exit 1
trees=() kos=()
for rev in "${revs[@]}"; do
	if [ "$rev" = . ]; then
		name=worktree
	else
		sha=$(git rev-parse --short "$rev^{commit}" 2>/dev/null) ||
			{ echo "branch-ab: no revision $rev" >&2; exit 2; }
		name=$sha
	fi
	d=$TOP/build/ab/$name
	rm -rf "$d" && mkdir -p "$d" || exit 1
	if [ "$rev" = . ]; then
		git ls-files -z | xargs -0 tar cf - | tar xf - -C "$d" || exit 1
	else
		git archive "$sha" | tar xf - -C "$d" || exit 1
	fi
	make --no-print-directory -s -C "$d" tools >/dev/null ||
		{ echo "branch-ab: $rev: tools do not build" >&2; exit 1; }
	ko=$(bash "$d/tests/vm/kmod.sh" "$kver") || exit 1
	trees+=("$d") kos+=("$ko")
done
D=$(mktemp -d "${TMPDIR:-/tmp}/daxfs-bab.XXXXXX")
trap 'rm -rf "$D"' EXIT
DAXFS_KO=${kos[0]} bash tests/vm/vm.sh --kernel "$kver" --mem 2G --smp 2 \
	--timeout 1800 --nvdimm "$D/nv.img:256M" \
	--env "BBR=$TOP/build/bench/bin/bbr" --env "TREES=${trees[*]}" \
	--env "KOS=${kos[*]}" --env "REPS=$reps" \
	bench/branch-ab-guest.sh >"$D/log" 2>&1
grep -E '^(ab|FAIL)' "$D/log" >"$D/out"
grep -q '^FAIL' "$D/out" && { grep '^FAIL' "$D/out" >&2; exit 1; }
grep -q '^ab' "$D/out" || { echo "branch-ab: the guest printed nothing (log: kept in $D.log)" >&2; cp "$D/log" "$D.log"; exit 1; }
python3 - "$D/out" <<'PY'
import sys, collections, statistics
r = collections.OrderedDict()
for line in open(sys.argv[1]):
    # ab REPEAT TREE OP MEDIAN_NS MIN_NS
    p = line.split()
    r.setdefault(p[2], collections.OrderedDict()).setdefault(p[3], []).append(int(p[4]) / 1000.0)
print('%-12s %8s %8s %8s %8s   (µs, median of the repeats)' % ('revision', 'create', 'switch', 'commit', 'abort'))
for tree, ops in r.items():
    print('%-12s %s' % (tree.rsplit('/', 1)[-1], ' '.join('%8.0f' % statistics.median(ops[o]) for o in ('create', 'switch', 'commit', 'abort'))))
PY

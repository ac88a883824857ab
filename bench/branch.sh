#!/bin/bash
# bench/branch.sh: the branch operations, timed in one QEMU guest, beside
# overlayfs doing the same jobs (docs: bench/README.md, "Branches").
#
#   bash bench/branch.sh            (BENCH_KERNEL=6.1 for the 6.1 guest)
#
# For a base image of 1 MiB and of 1 GiB, and for 1 KiB, 1 MiB and 100
# MiB changed in each branch: DAXFS create, switch, commit, abort
# (median of several rounds, each a fresh branch of main), and an overlay
# (tmpfs upper over a tmpfs lower holding the same base): mount
# ("create"), copying the upper into the lower ("commit": what keeping
# the result costs), unmount and rm -rf of the upper ("abort").  Then a
# walk (stat and read every file of a 1,000-file tree) on main and in a
# branch 8 levels deep; and the fold of main's layers (commits of 100,
# 1,000 and 4,000 new files each until main's writer folds them; the
# time the module logs).  Prints a table; the raw lines go to
# bench/results/branch-DATE-KERNEL.txt.  Asserts nothing about time.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
kernel=${BENCH_KERNEL:-6.12}
bash tests/deps.sh vm >/dev/null || { echo "branch bench: tests/deps.sh vm failed" >&2; exit 1; }
make --no-print-directory -s tools || exit 1
make --no-print-directory -s -C bench || exit 1
kver=$(bash tests/vm/vm.sh --kernel "$kernel" --print-kver) || exit 1
ko=$(bash tests/vm/kmod.sh "$kver") || exit 1
D=$(mktemp -d "${TMPDIR:-/tmp}/daxfs-bbr.XXXXXX")
trap 'rm -rf "$D"' EXIT
mkdir -p bench/results
out=bench/results/branch-$(date -u +%Y%m%d-%H%M%S)-$kver.txt
DAXFS_KO=$ko bash tests/vm/vm.sh --kernel "$kver" --mem 4G --smp 2 \
	--timeout 3000 --nvdimm "$D/nv.img:2048M" \
	--env "BBR=$TOP/build/bench/bin/bbr" \
	--env "MKDAXFS=$TOP/build/mkdaxfs" --env "BR=$TOP/build/daxfs-branch" \
	--env "GEN=$TOP/build/bench/bin/gen" \
	bench/branch-guest.sh 2>&1 | tee "$D/log" | grep -E '^(bbr|FAIL)' >"$out"
echo "raw: $out"
python3 - "$out" <<'PY'
import sys, collections
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    p = line.split()
    if p[0] != 'bbr':
        print(line.strip()); continue
    # bbr BASE KB FS OP MEDIAN MIN
    key = (p[1], p[2])
    rows.setdefault(key, {})[(p[3], p[4])] = int(p[5])
def us(v): return '%.0f' % (v / 1000.0) if v is not None else '-'
print('%-8s %-8s | %8s %8s %8s %8s | %10s %10s %10s' % (
    'base', 'changed', 'create', 'switch', 'commit', 'abort',
    'ovl-create', 'ovl-commit', 'ovl-abort'))
print('(microseconds, median)')
for (base, kb), r in rows.items():
    if base in ('walk', 'fold'):
        continue
    d = lambda op: r.get(('daxfs', op))
    o = lambda op: r.get(('overlay', op))
    print('%-8s %-8s | %8s %8s %8s %8s | %10s %10s %10s' % (
        base, kb, us(d('create')), us(d('switch')), us(d('commit')),
        us(d('abort')), us(o('create')), us(o('commit')), us(o('abort'))))
w = rows.get(('walk', '-'), {})
if w:
    m, b = w.get(('main', 'walk')), w.get(('depth8', 'walk'))
    if m and b:
        print('walk of 1000 files: main %.1f ms, 8 levels deep %.1f ms (ratio %.2f)' % (m / 1e6, b / 1e6, b / m))
for line in open(sys.argv[1]):
    p = line.split()
    if p[:2] == ['bbr', 'fold']:
        # bbr fold FILES daxfs fold MICROSECONDS LAYERS
        print('fold of main: %s layers, %s new files in each, %.1f ms' % (
            p[6], p[2], int(p[5]) / 1000.0))
PY

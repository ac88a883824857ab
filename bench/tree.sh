# bench/tree.sh (sourced): the benchmark tree's generated parts, made the
# same way on the host (mkdata.sh, for the images) and in the guest (the
# tmpfs column: generating there is several times faster under TCG than
# copying 240,000 files out of another mount).  Same arguments, same
# names and bytes (bench.h, gen.c).
#
# gen_tree GEN DIR: big.bin, src/, tree/, flat/ under DIR (which exists),
# shaped by BENCH_BIG_MB, BENCH_SRC_FILES, BENCH_SRC_DIRS, BENCH_TREE_A/B/F,
# BENCH_FLAT_N.  Returns non-zero when gen fails (it says why).
gen_tree() {
	local gen=$1 d=$2
	"$gen" big "$d/big.bin" "${BENCH_BIG_MB}M" 42 &&
	"$gen" src "$d/src" "$BENCH_SRC_FILES" "$BENCH_SRC_DIRS" 7 &&
	"$gen" tree "$d/tree" "$BENCH_TREE_A" "$BENCH_TREE_B" "$BENCH_TREE_F" &&
	"$gen" flat "$d/flat" "$BENCH_FLAT_N"
}

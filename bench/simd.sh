#!/usr/bin/env bash
# SIMD builds against scalar builds on the xdperf engine (`make bench` runs it; no root).
#
# Every program of $REPO/../shared/bench-wasm (but startup.c) and of bench/simd/ (loops that
# compilers vectorize: Internet checksum, saxpy, XOR masking) is built three ways into
# build/bench/simd/: natively (gcc -O2 -ffp-contract=off, the checksum reference), to
# wasm32-wasi with clang -O3 (scalar) and with clang -O3 -msimd128 (SIMD). Both wasm builds
# run RUNS times under `build/xdperf wasm run`; the table gives the median whole-process wall
# time of each, the ratio SIMD/scalar (below 1: the SIMD build is faster) and the number of
# SIMD instructions in the SIMD build (0: the compiler vectorized nothing, the builds are the
# same program). A checksum that differs from the native one is an error (exit 1).
#
# Environment: RUNS (default 5), BENCH_DIV (divide the work, see bench.h), XDPERF (the binary).
set -euo pipefail
export LC_ALL=C

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$REPO/../shared/bench-wasm"
OUT="$REPO/build/bench/simd"
XDPERF="${XDPERF:-$REPO/build/xdperf}"
RUNS="${RUNS:-5}"
DIV="${BENCH_DIV:-1}"

die() { echo "bench/simd.sh: $*" >&2; exit 1; }
[ -d "$SRC" ] || die "benchmark sources not found: $SRC is missing (expected shared/bench-wasm beside the repository)"
[ -x "$XDPERF" ] || die "$XDPERF is not built (run make)"
command -v clang >/dev/null || die "clang is not installed (needed for wasm32-wasi)"
command -v wasm-objdump >/dev/null || die "wasm-objdump (wabt) is not installed"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
mkdir -p "$OUT"

# median_ms CMD...: median wall time of $RUNS runs in ms (stdout of the last run in $OUT/last)
median_ms() {
  local times=() t0 t1
  for ((r = 0; r < RUNS; r++)); do
    t0=${EPOCHREALTIME/[.,]/}
    "$@" >"$OUT/last" 2>"$OUT/last.err" || { echo "bench/simd.sh: '$*' failed:" >&2; head -5 "$OUT/last.err" >&2; return 1; }
    t1=${EPOCHREALTIME/[.,]/}
    times+=("$((t1 - t0))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END {
    m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f\n", m / 1000 }'
}

srcs=()
for c in "$SRC"/*.c "$REPO"/bench/simd/*.c; do
  [ "$(basename "$c")" = startup.c ] || srcs+=("$c")
done
rows=() bad=0
for c in "${srcs[@]}"; do
  n="$(basename "$c" .c)"
  echo "bench/simd.sh: building and running $n" >&2
  gcc -O2 -ffp-contract=off -DBENCH_DIV="$DIV" -I"$SRC" -o "$OUT/$n" "$c" -lm || die "native build of $n failed"
  clang --target=wasm32-wasi -O3 -DBENCH_DIV="$DIV" -I"$SRC" -o "$OUT/$n.scalar.wasm" "$c" || die "scalar build of $n failed"
  clang --target=wasm32-wasi -O3 -msimd128 -DBENCH_DIV="$DIV" -I"$SRC" -o "$OUT/$n.simd.wasm" "$c" || die "SIMD build of $n failed"
  nsimd=$(wasm-objdump -d "$OUT/$n.simd.wasm" | grep -cE '\| +(v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)\.' || true)
  want="$("$OUT/$n")"
  s=$(median_ms "$XDPERF" wasm run "$OUT/$n.scalar.wasm") || exit 1
  [ "$(cat "$OUT/last")" = "$want" ] || { echo "bench/simd.sh: CHECKSUM MISMATCH for $n (scalar): native [$want] engine [$(cat "$OUT/last")]" >&2; bad=1; }
  v=$(median_ms "$XDPERF" wasm run "$OUT/$n.simd.wasm") || exit 1
  [ "$(cat "$OUT/last")" = "$want" ] || { echo "bench/simd.sh: CHECKSUM MISMATCH for $n (SIMD): native [$want] engine [$(cat "$OUT/last")]" >&2; bad=1; }
  rows+=("$n $s $v $(awk -v a="$v" -v b="$s" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 0.1) }') $nsimd")
done

echo
echo "SIMD (clang -O3 -msimd128) against scalar (clang -O3) builds on the engine (median of $RUNS runs, BENCH_DIV=$DIV)"
printf '%-10s %12s %12s %12s %14s\n' program "scalar ms" "SIMD ms" "SIMD/scalar" "SIMD instrs"
for r in "${rows[@]}"; do
  read -r n s v q k <<<"$r"
  printf '%-10s %12s %12s %11sx %14s\n' "$n" "$s" "$v" "$q" "$k"
done
echo
echo "Markdown:"
echo
echo "| program | scalar ms | SIMD ms | SIMD/scalar | SIMD instructions in the build |"
echo "|---|---:|---:|---:|---:|"
for r in "${rows[@]}"; do
  read -r n s v q k <<<"$r"
  echo "| $n | $s | $v | ${q}× | $k |"
done
exit $bad

#!/usr/bin/env bash
# xdperf engine benchmark (`make bench` runs it after building build/xdperf).
#
# 1. Builds every $REPO/../shared/bench-wasm/*.c natively (gcc -O2 -ffp-contract=off) and to
#    wasm32-wasi (clang -O2) into build/bench/, runs each RUNS times natively and under
#    `build/xdperf wasm run`, takes the median whole-process wall time, checks that both print
#    the same checksum line (a mismatch is an error: exit 1), and prints engine/native ratios
#    with their geometric mean. Targets: geometric mean <= 9x, no program > 14x (startup.c,
#    which measures fixed costs, is shown but left out of both, as the suite's README says).
# 2. Load time: builds bench/load_time.c against build/libxdperf.a and measures decode +
#    validate + translate of a ~100 KB module generated here (target < 2 ms per load).
#    Then bench/simd.sh (no root): SIMD builds (clang -O3 -msimd128) against scalar builds,
#    and with ENGINE_BASE=COMMIT set, bench/engine_vs.sh: the engine against its build at COMMIT.
# The results are printed as a plain table and as Markdown for docs/benchmarks.md.
# 3. Hot-load registry (no root): bench/hotload.sh, see its header (calls/s of a wasm echo module
#    vs a native handler, swap latency, memory per version; prints its own tables).
# 4. UDP responder (no root): bench/responder.sh, see its header (datagrams/s of `xdperf serve`
#    with the echo module vs builtin:echo, 1 and 2 workers, and during continuous version swaps).
# 5. Transmit rates (root only, else skipped with a message): bench/tx.sh, see its header; then
#    bench/tx_dry.sh: the XDP transmit program's own cost per frame (runs without live frames),
#    and what its field step, trailer and frame record each cost (bench/tx_ablate.h).
#    Then bench/profile.sh (root only): multi-stream runs (xdperf run) against a single-set run.
# 6. Server receive rate (root only, else skipped with a message): bench/server.sh, see its
#    header (what `xdperf --server` counts on a veth pair from an XDP generator, with and
#    without --stamp checking, next to the generator's own rate; plus a paced no-loss check),
#    then bench/rx_cost.sh: each receive step's cost per packet on one core, without a sender,
#    and the stamped path's ablation (bench/rx_ablate.h).
#
# Environment: RUNS (default 5), BENCH_DIV (divide the work, see bench.h), BENCH_ONLY (space
# separated program names; the word "hotload" selects part 3, so BENCH_ONLY=hotload runs only
# the hot-load benchmark; a BENCH_ONLY without it skips part 3; likewise "responder" for part 4
# "server" for part 6 and "simd" for bench/simd.sh),
# BENCH_STRICT=1 (also exit 1 when a target is missed), HOTLOAD_BENCH_MS / HOTLOAD_ROUNDS /
# HOTLOAD_SWAPS (bench/hotload.sh), RESPONDER_SECONDS / RESPONDER_RUNS / RESPONDER_FLOWS /
# RESPONDER_WINDOW / RESPONDER_SWAP_MS (bench/responder.sh), SERVER_BENCH_SECONDS /
# SERVER_BENCH_THREADS / SERVER_BENCH_SIZES / SERVER_BENCH_RATE / SERVER_BENCH_GEN_MODE (bench/server.sh),
# BENCH_TIMEOUT (seconds per run; default none, to keep
# `timeout` out of the measured time), LOAD_ITERS (default 200), XDPERF (the binary).
set -euo pipefail
export LC_ALL=C

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$REPO/../shared/bench-wasm"
OUT="$REPO/build/bench"
XDPERF="${XDPERF:-$REPO/build/xdperf}"
LIB="$REPO/build/libxdperf.a"
RUNS="${RUNS:-5}"
DIV="${BENCH_DIV:-1}"
TMO="${BENCH_TIMEOUT:-}"
LOAD_ITERS="${LOAD_ITERS:-200}"
GEO_TARGET=9
MAX_TARGET=14
LOAD_TARGET_MS=2

die() { echo "bench: $*" >&2; exit 1; }

# server_part: part 6 (bench/server.sh: namespaces and XDP; bench/rx_cost.sh: each receive
# step's cost per packet; root only)
server_part() {
  if [ "$(id -u)" = 0 ]; then
    echo "bench: server receive-rate benchmark (bench/server.sh)" >&2
    "$REPO/bench/server.sh" || return 1
    echo "bench: receive-side cost per packet (bench/rx_cost.sh)" >&2
    "$REPO/bench/rx_cost.sh"
  else
    echo "bench: skipping the server receive-rate benchmark (bench/server.sh): it needs root (network namespaces, XDP)"
  fi
}

# BENCH_ONLY: "hotload" selects the hot-load part, "responder" the UDP responder part, "server"
# the server receive-rate part; the other words are program names.
run_hotload=1 run_responder=1 run_server=1 run_simd=1 only=""
if [ -n "${BENCH_ONLY:-}" ]; then
  run_hotload=0 run_responder=0 run_server=0 run_simd=0
  for w in $BENCH_ONLY; do
    case "$w" in
      hotload) run_hotload=1 ;;
      simd) run_simd=1 ;;
      responder) run_responder=1 ;;
      server) run_server=1 ;;
      *) only+=" $w" ;;
    esac
  done
  if [ -z "$only" ]; then
    [ $run_simd = 0 ] || "$REPO/bench/simd.sh"
    [ $run_hotload = 0 ] || "$REPO/bench/hotload.sh"
    if [ $run_server = 0 ]; then
      [ $run_responder = 0 ] || exec "$REPO/bench/responder.sh"
      exit 0
    fi
    [ $run_responder = 0 ] || "$REPO/bench/responder.sh"
    server_part || exit 1
    exit 0
  fi
  BENCH_ONLY="$only"
fi

[ -d "$SRC" ] || die "benchmark sources not found: $SRC is missing (expected shared/bench-wasm beside the repository)"
compgen -G "$SRC/*.c" >/dev/null || die "no benchmark programs (*.c) in $SRC"
[ -x "$XDPERF" ] || die "$XDPERF is not built (run make)"
[ -f "$LIB" ] || die "$LIB is not built (run make)"
command -v gcc >/dev/null || die "gcc is not installed"
command -v clang >/dev/null || die "clang is not installed (needed for wasm32-wasi)"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
mkdir -p "$OUT"

# Wall clock in microseconds: bash 5's $EPOCHREALTIME (no fork inside the measured
# interval), else date(1).
fast_clock=0; [ -n "${EPOCHREALTIME:-}" ] && fast_clock=1
wrap=(); [ -n "$TMO" ] && wrap=(timeout "$TMO")

# time_runs OUTFILE CMD...: runs CMD $RUNS times; prints the median wall time in ms; the
# stdout of the last run goes to OUTFILE. Fails when a run fails.
time_runs() {
  local outfile=$1; shift
  local times=() t0 t1 rc
  for ((r = 0; r < RUNS; r++)); do
    set +e
    if [ $fast_clock = 1 ]; then t0=${EPOCHREALTIME/[.,]/}; else t0=$(( $(date +%s%N) / 1000 )); fi
    "${wrap[@]}" "$@" >"$outfile" 2>"$outfile.err"
    rc=$?
    if [ $fast_clock = 1 ]; then t1=${EPOCHREALTIME/[.,]/}; else t1=$(( $(date +%s%N) / 1000 )); fi
    set -e
    if [ $rc -ne 0 ]; then
      echo "bench: '$*' failed (exit $rc):" >&2
      head -5 "$outfile.err" >&2
      return 1
    fi
    times+=("$((t1 - t0))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END {
    m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f\n", m / 1000 }'
}

# ---- build --------------------------------------------------------------------------------------
progs=()
for c in "$SRC"/*.c; do
  name="$(basename "$c" .c)"
  if [ -n "${BENCH_ONLY:-}" ] && [[ " $BENCH_ONLY " != *" $name "* ]]; then continue; fi
  progs+=("$name")
  echo "bench: building $name (native, wasm32-wasi)" >&2
  gcc -O2 -ffp-contract=off -DBENCH_DIV="$DIV" -I"$SRC" -o "$OUT/$name" "$c" -lm \
    || die "native build of $name failed"
  clang --target=wasm32-wasi -O2 -DBENCH_DIV="$DIV" -I"$SRC" -o "$OUT/$name.wasm" "$c" \
    || die "wasm32-wasi build of $name failed (needs wasi-libc and libclang-rt-14-dev-wasm32)"
done
[ ${#progs[@]} -gt 0 ] || die "no programs selected"

# ---- run ----------------------------------------------------------------------------------------
declare -A nat eng ratio
mismatch=0
for name in "${progs[@]}"; do
  echo "bench: running $name ($RUNS runs each)" >&2
  nat[$name]=$(time_runs "$OUT/$name.native.out" "$OUT/$name") || die "native $name failed"
  eng[$name]=$(time_runs "$OUT/$name.engine.out" "$XDPERF" wasm run "$OUT/$name.wasm") \
    || die "engine run of $name failed"
  a="$(cat "$OUT/$name.native.out")" b="$(cat "$OUT/$name.engine.out")"
  if [ "$a" != "$b" ] || [ -z "$a" ]; then
    echo "bench: CHECKSUM MISMATCH for $name: native [$a] engine [$b]" >&2
    mismatch=1
  fi
  ratio[$name]=$(awk -v e="${eng[$name]}" -v n="${nat[$name]}" 'BEGIN { printf "%.2f", e / (n > 0 ? n : 0.1) }')
done

# ---- load time ----------------------------------------------------------------------------------
echo "bench: load-time micro-benchmark" >&2
gen="$OUT/loadgen.c"
awk 'BEGIN {
  print "/* generated by bench/run.sh: many small functions, for the load-time benchmark */"
  print "#include <stdint.h>"
  print "static volatile uint32_t seed = 1;"
  for (i = 0; i < 295; i++) {
    printf "__attribute__((export_name(\"f%d\"))) uint32_t f%d(uint32_t a, uint32_t b) {\n", i, i
    printf "  uint32_t x = a ^ seed, y = b + %d; uint64_t z = (uint64_t)a * %du;\n", i, 2654435761 + i
    printf "  for (uint32_t k = 0; k < (b & 15u); k++) {\n"
    printf "    x = (x << %d) | (x >> %d); y += x * %du; z ^= (z >> 7) + y;\n", (i % 29) + 1, 31 - (i % 29), i * 7 + 3
    printf "    if ((x & %du) == 0) y -= a; else if (y > %du) x ^= y; else z += x;\n", (i % 13) + 1, i * 1000
    printf "  }\n"
    printf "  switch ((a + b) & 7u) { case 0: x += %d; break; case 1: y ^= %d; break; case 2: z *= 3; break;\n", i, i * 3
    printf "    case 3: x = y / (a | 1u); break; case 4: y = (uint32_t)(z %% (b | 1u)); break; default: x -= y; }\n"
    printf "  double d = (double)x * 0.5 + (double)y / %d.0;\n", i + 2
    printf "  return x + y + (uint32_t)z + (uint32_t)d;\n}\n"
  }
}' >"$gen"
clang --target=wasm32-wasi -O2 -nostdlib -Wl,--no-entry -Wl,--strip-all -o "$OUT/load100k.wasm" "$gen" \
  || die "cannot build the load-time module"
gcc -O2 -std=gnu11 -D_GNU_SOURCE -I"$REPO/include" -o "$OUT/load_time" "$REPO/bench/load_time.c" \
  "$LIB" -ljansson -lsodium -lyaml -lm -lpthread || die "cannot build bench/load_time"
load_line="$("$OUT/load_time" "$OUT/load100k.wasm" "$LOAD_ITERS")" || die "load_time failed"
echo "$load_line" >&2
load_kb=$(awk -v s="$(stat -c %s "$OUT/load100k.wasm")" 'BEGIN { printf "%.0f", s / 1024 }')
load_ms=$(sed -n 's/.*mean=\([0-9.]*\) ms.*/\1/p' <<<"$load_line")
[ -n "$load_ms" ] || die "cannot parse load_time output: $load_line"

# ---- report -------------------------------------------------------------------------------------
geo=$(for n in "${progs[@]}"; do [ "$n" = startup ] || echo "${ratio[$n]}"; done |
  awk '{ s += log($1); k++ } END { if (k) printf "%.2f", exp(s / k); else print "n/a" }')
worst=$(for n in "${progs[@]}"; do [ "$n" = startup ] || echo "${ratio[$n]} $n"; done | sort -gr | head -1)
worst_r=${worst%% *}
geo_ok=$(awk -v g="$geo" -v t=$GEO_TARGET 'BEGIN { print (g != "n/a" && g <= t) ? "met" : "MISSED" }')
max_ok=$(awk -v w="${worst_r:-0}" -v t=$MAX_TARGET 'BEGIN { print (w <= t) ? "met" : "MISSED" }')
load_ok=$(awk -v l="$load_ms" -v t=$LOAD_TARGET_MS 'BEGIN { print (l < t) ? "met" : "MISSED" }')
mark() { awk -v r="$1" -v t=$MAX_TARGET -v s="$2" 'BEGIN { if (s == "startup") print "(fixed cost, not in targets)"; else print (r <= t) ? "" : "> " t "x" }'; }

echo
echo "xdperf engine vs native (median of $RUNS runs, whole-process wall time, BENCH_DIV=$DIV)"
printf '%-10s %12s %12s %10s  %s\n' program "native ms" "engine ms" ratio ""
for n in "${progs[@]}"; do
  printf '%-10s %12s %12s %9sx  %s\n' "$n" "${nat[$n]}" "${eng[$n]}" "${ratio[$n]}" "$(mark "${ratio[$n]}" "$n")"
done
printf '%-10s %12s %12s %9sx  target <= %sx: %s\n' "geo mean" "" "" "$geo" $GEO_TARGET "$geo_ok"
printf '%-10s %12s %12s %9sx  target <= %sx: %s (%s)\n' "worst" "" "" "$worst_r" $MAX_TARGET "$max_ok" "${worst#* }"
printf 'load time: %s ms per load of a %s KB module (target < %s ms: %s)\n' "$load_ms" "$load_kb" $LOAD_TARGET_MS "$load_ok"

echo
echo "Markdown:"
echo
echo "| program | native ms | engine ms | engine/native |"
echo "|---|---:|---:|---:|"
for n in "${progs[@]}"; do
  note=""; [ "$n" = startup ] && note=" (fixed cost, not in targets)"
  echo "| $n$note | ${nat[$n]} | ${eng[$n]} | ${ratio[$n]}× |"
done
echo "| **geometric mean** (target ≤ ${GEO_TARGET}×: $geo_ok) | | | **${geo}×** |"
echo "| worst: ${worst#* } (target ≤ ${MAX_TARGET}×: $max_ok) | | | ${worst_r}× |"
echo
echo "Load (decode + validate + translate) of a ${load_kb} KB module: **${load_ms} ms** (target < ${LOAD_TARGET_MS} ms: $load_ok)."
echo "Median of $RUNS whole-process runs each, \`BENCH_DIV=$DIV\`, $(uname -m), $(date -u +%Y-%m-%d)."

# ---- SIMD builds against scalar builds (bench/simd.sh; no root) ------------------------------
simd_failed=0
if [ $run_simd = 1 ]; then
  echo
  "$REPO/bench/simd.sh" || simd_failed=1
fi

# ---- the engine against itself at ENGINE_BASE (bench/engine_vs.sh; no root) -------------------
vs_failed=0
if [ -n "${ENGINE_BASE:-}" ]; then
  echo
  "$REPO/bench/engine_vs.sh" "$ENGINE_BASE" || vs_failed=1
fi

# ---- hot-load registry (bench/hotload.sh: builds and runs bench/hotload.c; no root) ------------
hotload_failed=0
if [ $run_hotload = 1 ]; then
  echo
  BENCH_STRICT=0 "$REPO/bench/hotload.sh" | tee "$OUT/hotload.out" || hotload_failed=1
fi
hotload_missed=0
if [ $run_hotload = 1 ] && [ $hotload_failed = 0 ] && grep -q 'MISSED' "$OUT/hotload.out"; then
  hotload_missed=1
fi

# ---- UDP responder (bench/responder.sh: builds and runs bench/udp_load.c; no root) ------------
responder_failed=0
if [ $run_responder = 1 ]; then
  echo
  "$REPO/bench/responder.sh" || responder_failed=1
fi

# ---- transmit rates (bench/tx.sh: namespaces and XDP, so root only) ----------------------------
tx_failed=0
echo
if [ "$(id -u)" = 0 ]; then
  echo "bench: transmit-rate benchmark (bench/tx.sh)" >&2
  "$REPO/bench/tx.sh" || tx_failed=1
  echo
  echo "bench: the XDP transmit program's own cost per frame (bench/tx_dry.sh)" >&2
  "$REPO/bench/tx_dry.sh" || tx_failed=1
else
  echo "bench: skipping the transmit-rate benchmark (bench/tx.sh): it needs root (network namespaces, XDP)"
fi
# multi-stream (profile) runs against a single-set run (bench/profile.sh, root only)
if [ "$(id -u)" = 0 ] && [ -z "${BENCH_ONLY:-}" ]; then
  echo
  echo "bench: profile transmit benchmark (bench/profile.sh)" >&2
  "$REPO/bench/profile.sh" || tx_failed=1
fi

# ---- server receive rate (bench/server.sh: namespaces and XDP, so root only) -------------------
server_failed=0
if [ $run_server = 1 ]; then
  echo
  server_part || server_failed=1
fi

if [ $mismatch -ne 0 ]; then
  echo "bench: checksum mismatch between native and engine (see above)" >&2
  exit 1
fi
if [ $simd_failed -ne 0 ]; then
  echo "bench: the SIMD benchmark failed (see above)" >&2
  exit 1
fi
if [ $vs_failed -ne 0 ]; then
  echo "bench: the engine comparison with $ENGINE_BASE failed (see above)" >&2
  exit 1
fi
if [ $hotload_failed -ne 0 ]; then
  echo "bench: the hot-load benchmark failed (see above)" >&2
  exit 1
fi
if [ $responder_failed -ne 0 ]; then
  echo "bench: the UDP responder benchmark failed or lost replies (see above)" >&2
  exit 1
fi
if [ $tx_failed -ne 0 ]; then
  echo "bench: the transmit-rate benchmark could not run (see above)" >&2
  exit 1
fi
if [ $server_failed -ne 0 ]; then
  echo "bench: the server receive-rate benchmark failed or lost frames in its paced run (see above)" >&2
  exit 1
fi
if [ "${BENCH_STRICT:-0}" = 1 ] && { [ "$geo_ok" != met ] || [ "$max_ok" != met ] || [ "$load_ok" != met ] || [ $hotload_missed = 1 ]; }; then
  echo "bench: a target was missed (BENCH_STRICT=1)" >&2
  exit 1
fi
exit 0

#!/usr/bin/env bash
# The engine against itself at another commit (no root): how much faster (or slower) the
# interpreter got, in one run on one machine, so the load of the day cancels out.
#
# Usage: bench/engine_vs.sh [BASE]   (BASE: a commit, tag or branch; default $ENGINE_BASE, else
#                                     HEAD~1)
# Builds BASE's build/xdperf in a temporary git worktree (build/bench/vs/base, removed after),
# builds every $REPO/../shared/bench-wasm/*.c but startup.c to wasm32-wasi (clang -O2, as
# bench/run.sh) and runs each RUNS times under both binaries, alternating base and current so
# neither gets the quieter moments. Time is the process's CPU time (user + system, from
# getrusage): on a loaded machine it moves far less than wall time. Prints per
# program the median CPU seconds of each and current/base (below 1: the current engine is
# faster), the geometric mean, and the targets of issue 23 with PASS or MISS: geometric mean
# <= 0.90 and packets <= 0.80. Both binaries must print the same checksum (else exit 1).
#
# Environment: RUNS (default 5), BENCH_DIV (divide the work, see bench.h), ENGINE_BASE,
# BENCH_STRICT=1 (exit 1 when a target is missed).
set -euo pipefail
export LC_ALL=C

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$REPO/../shared/bench-wasm"
OUT="$REPO/build/bench/vs"
CUR="$REPO/build/xdperf"
RUNS="${RUNS:-5}"
DIV="${BENCH_DIV:-1}"
BASE="${1:-${ENGINE_BASE:-HEAD~1}}"
GEO_TARGET=0.90
PACKETS_TARGET=0.80

die() { echo "bench/engine_vs.sh: $*" >&2; exit 1; }
[ -d "$SRC" ] || die "benchmark sources not found: $SRC is missing (expected shared/bench-wasm beside the repository)"
[ -x "$CUR" ] || die "$CUR is not built (run make)"
command -v python3 >/dev/null || die "python3 is not installed (it times the runs)"
command -v clang >/dev/null || die "clang is not installed (needed for wasm32-wasi)"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
rev=$(git -C "$REPO" rev-parse --verify --quiet "$BASE^{commit}") || die "'$BASE' is not a commit of $REPO"
mkdir -p "$OUT"

# ---- the base binary ---------------------------------------------------------------------------
WT="$OUT/base"
cleanup() { git -C "$REPO" worktree remove --force "$WT" >/dev/null 2>&1 || rm -rf "$WT"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup
git -C "$REPO" worktree add --detach "$WT" "$rev" >/dev/null 2>&1 || die "git worktree add $WT $rev failed"
echo "bench/engine_vs.sh: building the engine at $(git -C "$REPO" log -1 --format='%h %s' "$rev" | cut -c1-70)" >&2
make -C "$WT" -j2 build/xdperf >"$OUT/base-build.log" 2>&1 || { tail -n 5 "$OUT/base-build.log" >&2; die "building $rev failed (log: $OUT/base-build.log)"; }
BASEBIN="$OUT/xdperf-base"
cp "$WT/build/xdperf" "$BASEBIN"

# ---- programs ------------------------------------------------------------------------------------
progs=()
for c in "$SRC"/*.c; do
  n="$(basename "$c" .c)"
  [ "$n" = startup ] && continue
  clang --target=wasm32-wasi -O2 -DBENCH_DIV="$DIV" -I"$SRC" -o "$OUT/$n.wasm" "$c" || die "wasm32-wasi build of $n failed"
  progs+=("$n")
done

# cpu_s BIN WASM: CPU seconds (user + system, getrusage of the child: microseconds, where GNU
# time prints hundredths) of one run; its stdout goes to $OUT/last
cpu_s() {
  python3 - "$1" "$2" "$OUT/last" "$OUT/last.err" <<'PY' ||
import resource, subprocess, sys
with open(sys.argv[3], "wb") as o, open(sys.argv[4], "wb") as e:
    rc = subprocess.call([sys.argv[1], "wasm", "run", sys.argv[2]], stdout=o, stderr=e)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.4f" % (r.ru_utime + r.ru_stime))
sys.exit(rc)
PY
    { echo "bench/engine_vs.sh: '$1 wasm run $2' failed:" >&2; head -n 5 "$OUT/last.err" >&2; return 1; }
}
median() { sort -n | awk '{ a[NR] = $1 } END { printf "%.4f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

rows=() bad=0
for n in "${progs[@]}"; do
  echo "bench/engine_vs.sh: running $n ($RUNS runs each, alternating)" >&2
  b=() c=()
  for ((r = 0; r < RUNS; r++)); do
    b+=("$(cpu_s "$BASEBIN" "$OUT/$n.wasm")") || exit 1
    want=$(cat "$OUT/last")
    c+=("$(cpu_s "$CUR" "$OUT/$n.wasm")") || exit 1
    [ "$(cat "$OUT/last")" = "$want" ] || { echo "bench/engine_vs.sh: CHECKSUM MISMATCH for $n: base [$want] current [$(cat "$OUT/last")]" >&2; bad=1; }
  done
  mb=$(printf '%s\n' "${b[@]}" | median) mc=$(printf '%s\n' "${c[@]}" | median)
  rows+=("$n $mb $mc $(awk -v c="$mc" -v b="$mb" 'BEGIN { printf "%.2f", c / (b > 0 ? b : 0.001) }')")
done

geo=$(printf '%s\n' "${rows[@]}" | awk '{ s += log($4); k++ } END { printf "%.2f", exp(s / k) }')
pk=$(printf '%s\n' "${rows[@]}" | awk '$1 == "packets" { print $4 }')
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "PASS" : "MISS" }'; }

echo
echo "Engine at $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src include 2>/dev/null || echo '+changes') against $(git -C "$REPO" rev-parse --short "$rev") (median CPU s of $RUNS alternating runs, BENCH_DIV=$DIV)"
printf '%-10s %10s %10s %14s\n' program "base s" "current s" "current/base"
for r in "${rows[@]}"; do
  read -r n b c q <<<"$r"
  printf '%-10s %10s %10s %13sx\n' "$n" "$b" "$c" "$q"
done
printf '%-10s %10s %10s %13sx\n' "geo mean" "" "" "$geo"
echo
echo "targets: geometric mean <= ${GEO_TARGET}x: ${geo}x $(verdict "$geo" "$GEO_TARGET"); packets <= ${PACKETS_TARGET}x: ${pk:-?}x $(verdict "${pk:-9}" "$PACKETS_TARGET")"
echo
echo "Markdown:"
echo
echo "| program | base CPU s | current CPU s | current/base |"
echo "|---|---:|---:|---:|"
for r in "${rows[@]}"; do
  read -r n b c q <<<"$r"
  echo "| $n | $b | $c | ${q}× |"
done
echo "| geometric mean | | | ${geo}× |"
[ $bad = 0 ] || exit 1
if [ "${BENCH_STRICT:-0}" = 1 ] && { [ "$(verdict "$geo" "$GEO_TARGET")" = MISS ] || [ "$(verdict "${pk:-9}" "$PACKETS_TARGET")" = MISS ]; }; then
  exit 1
fi
exit 0

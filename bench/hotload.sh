#!/usr/bin/env bash
# Hot-load registry benchmark (no root needed): builds bench/hotload.c against build/libxdperf.a
# into build/bench/hotload and runs it: calls/s of the echo module vs a native echo handler vs
# the bare loader call, swap latency (promote -> first call on the new version) and memory per
# loaded version. Prints a plain table and Markdown for docs/benchmarks.md. bench/run.sh calls it after
# the load-time benchmark; `BENCH_ONLY=hotload make bench` (or this script alone) runs only it.
#
# Targets: echo module <= 3x native ns/call at 16 and 64 B; median swap latency < 1 ms. A miss
# prints MISSED and exits 0, or 1 with BENCH_STRICT=1; a wrong answer or error always exits 1.
# Environment: HOTLOAD_BENCH_MS (timed run per round, default 500), HOTLOAD_ROUNDS (default 5),
# HOTLOAD_SWAPS (default 50), BENCH_STRICT.
set -euo pipefail
export LC_ALL=C

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$REPO/build/bench"
LIB="$REPO/build/libxdperf.a"
PLUGINS="$REPO/build/plugins"

die() { echo "bench/hotload: $*" >&2; exit 1; }

[ -f "$LIB" ] || die "$LIB is not built (run make)"
for m in echo example_protocol; do
  [ -f "$PLUGINS/$m.wasm" ] || die "$PLUGINS/$m.wasm is not built (run make)"
done
command -v gcc >/dev/null || die "gcc is not installed"
command -v wat2wasm >/dev/null || die "wat2wasm is not installed (wabt; needed for the swap modules)"
mkdir -p "$OUT"

echo "bench: hot-load registry benchmark (bench/hotload.c)" >&2
gcc -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$REPO/include" -o "$OUT/hotload" \
  "$REPO/bench/hotload.c" "$LIB" -ljansson -lsodium -lyaml -lbpf -lm -lpthread \
  || die "cannot build bench/hotload"
rc=0
"$OUT/hotload" "$PLUGINS" "$OUT" || rc=$?
case $rc in
  0) exit 0 ;;
  3) if [ "${BENCH_STRICT:-0}" = 1 ]; then
       echo "bench/hotload: a target was missed (BENCH_STRICT=1)" >&2
       exit 1
     fi
     exit 0 ;;
  *) die "the hot-load benchmark failed (exit $rc)" ;;
esac

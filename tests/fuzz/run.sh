#!/usr/bin/env bash
# Fuzzes the WebAssembly engine with libFuzzer (`make fuzz` calls it; so does the test case
# tests/cases/engine_fuzz_brief.sh for one minute).
#
# Usage: tests/fuzz/run.sh [SECONDS]        (default 600)
#
#  1. builds tests/fuzz/fuzz_engine.c + src/wasm/*.c with clang
#     (-fsanitize=fuzzer,address,undefined; interp.c at -O0, the rest at -O1) into
#     build/fuzz/fuzz_engine, when a source changed;
#  2. prepares the seed corpus build/fuzz/corpus once (kept and reused afterwards): the module
#     binaries of $SHARED/wasm-spec/core/*.wast converted with wast2json — every valid `module`
#     and a sample of the malformed/invalid/unlinkable ones — deduplicated by content;
#  3. replays tests/fuzz/regressions/*.wasm (earlier findings) one by one; if one fails it is
#     reported and the script exits 1 without fuzzing (unless FUZZ_KEEP_GOING=1);
#  4. runs libFuzzer for SECONDS on build/fuzz/corpus (new inputs are added there) with
#     -max_len=65536 -timeout=10 -rss_limit_mb=2048. Crash, leak, timeout and OOM
#     reproducers go to build/fuzz/artifacts/.
#
# Exit status: 0 = no finding; 1 = a crash/leak/timeout/OOM (the reproducer path is printed;
# reproduce with `build/fuzz/fuzz_engine PATH`); 2 = cannot build or prepare.
# Environment: FUZZ_CC (default clang-14, else clang), FUZZ_JOBS (parallel fuzzing processes,
# default 1), FUZZ_VERBOSE=1 (stream libFuzzer's output), FUZZ_KEEP_GOING=1 (fuzz even when a
# regression reproducer fails; the exit status is still 1), SHARED (default $REPO/../shared).
set -uo pipefail
export LC_ALL=C

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SHARED="${SHARED:-$(cd "$REPO/.." && pwd)/shared}"
secs="${1:-600}"
case "$secs" in ''|*[!0-9]*) echo "usage: tests/fuzz/run.sh [SECONDS]" >&2; exit 2 ;; esac
[ "$secs" -ge 1 ] || secs=1

OUT="$REPO/build/fuzz"
BIN="$OUT/fuzz_engine"
CORPUS="$OUT/corpus"
ARTIFACTS="$OUT/artifacts"
REGRESSIONS="$REPO/tests/fuzz/regressions"
mkdir -p "$OUT" "$ARTIFACTS" "$REGRESSIONS" || exit 2

# ---- 1. build ------------------------------------------------------------------------------
cc="${FUZZ_CC:-}"
if [ -z "$cc" ]; then
  for c in clang-14 clang; do command -v "$c" >/dev/null && { cc="$c"; break; }; done
fi
[ -n "$cc" ] || { echo "fuzz: clang is not installed (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }

srcs=("$REPO"/src/wasm/*.c "$REPO/tests/fuzz/fuzz_engine.c")
deps=("${srcs[@]}" "$REPO"/src/wasm/*.h "$REPO"/include/xdperf/*.h "${BASH_SOURCE[0]}")
need_build=0
[ -x "$BIN" ] || need_build=1
if [ $need_build -eq 0 ]; then
  for f in "${deps[@]}"; do
    [ "$f" -nt "$BIN" ] && { need_build=1; break; }
  done
fi
if [ $need_build -eq 1 ]; then
  echo "fuzz: building $BIN with $cc"
  # -fno-sanitize-recover: a UBSan report aborts, so libFuzzer records it as a crash.
  # interp.c is built at -O0: its interpreter is one function of about a thousand handlers
  # (computed goto), which clang 14 takes tens of minutes to optimize with the sanitizers on;
  # at -O0 it takes seconds, and every access is still instrumented.
  flags=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
         -fno-omit-frame-pointer -g -std=gnu11 -D_GNU_SOURCE -ffp-contract=off
         -fno-strict-aliasing -Wall -Wextra -Wno-unused-parameter -I"$REPO/include" -I"$REPO/src")
  rest=()
  for f in "${srcs[@]}"; do [ "$(basename "$f")" = interp.c ] || rest+=("$f"); done
  if ! "$cc" "${flags[@]}" -O0 -c "$REPO/src/wasm/interp.c" -o "$OUT/interp.o" ||
     ! "$cc" "${flags[@]}" -O1 "${rest[@]}" "$OUT/interp.o" -o "$BIN.tmp" -lm -lpthread; then
    echo "fuzz: build failed (is libclang-rt-14-dev installed?)" >&2
    rm -f "$BIN.tmp"
    exit 2
  fi
  mv -f "$BIN.tmp" "$BIN"
fi

# ---- 2. seed corpus ------------------------------------------------------------------------
# Adds FILE to directory DIR under its content hash (which deduplicates).
add_seed() {
  local h
  h="$(sha1sum "$1" | cut -d' ' -f1)" || return
  [ -e "$2/$h" ] || cp "$1" "$2/$h"
}

if [ -z "$(ls -A "$CORPUS" 2>/dev/null)" ]; then
  command -v wast2json >/dev/null || { echo "fuzz: wast2json (wabt) is not installed" >&2; exit 2; }
  ls "$SHARED"/wasm-spec/core/*.wast >/dev/null 2>&1 \
    || { echo "fuzz: no spec tests in $SHARED/wasm-spec/core" >&2; exit 2; }
  echo "fuzz: preparing the seed corpus from $SHARED/wasm-spec/core"
  work="$(mktemp -d "$OUT/seed-work.XXXXXX")" || exit 2
  stage="$work/corpus"
  mkdir -p "$stage"
  nvalid=0 nother=0 k=0
  for w in "$SHARED"/wasm-spec/core/*.wast; do
    name="$(basename "$w" .wast)"
    d="$work/$name"
    mkdir -p "$d"
    if ! wast2json "$w" -o "$d/$name.json" >/dev/null 2>&1; then
      echo "fuzz: warning: wast2json failed on $w (skipped)" >&2
      continue
    fi
    # wast2json writes one command per line: {"type": "module", ..., "filename": "x.3.wasm"}
    while IFS= read -r line; do
      file="$(sed -n 's/.*"filename": "\([^"]*\.wasm\)".*/\1/p' <<<"$line")"
      [ -n "$file" ] && [ -f "$d/$file" ] || continue
      case "$line" in
        *'"type": "module"'*)
          add_seed "$d/$file" "$stage"; nvalid=$((nvalid + 1)) ;;
        *)  # assert_malformed / assert_invalid / assert_unlinkable / ...: every third one
          k=$((k + 1))
          if [ $((k % 3)) -eq 0 ]; then add_seed "$d/$file" "$stage"; nother=$((nother + 1)); fi ;;
      esac
    done < <(grep '"filename": "[^"]*\.wasm"' "$d/$name.json")
  done
  n="$(ls "$stage" | wc -l)"
  if [ "$n" -eq 0 ]; then
    echo "fuzz: no seeds were produced" >&2
    rm -rf "$work"
    exit 2
  fi
  mkdir -p "$CORPUS"
  mv -f "$stage"/* "$CORPUS"/ 2>/dev/null || cp -n "$stage"/* "$CORPUS"/
  rm -rf "$work"
  echo "fuzz: $n distinct seeds ($nvalid valid modules and $nother others before deduplication)"
fi

# ---- 3. replay the regression reproducers -------------------------------------------------
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
regression_failed=0
mapfile -t regs < <(find "$REGRESSIONS" -type f -name '*.wasm' | sort)
if [ ${#regs[@]} -gt 0 ]; then
  rlog="$OUT/regressions.log"
  for r in "${regs[@]}"; do
    if ! (cd "$OUT" && "$BIN" -timeout=10 -rss_limit_mb=2048 -error_exitcode=1 -timeout_exitcode=1 \
          "$r") >"$rlog" 2>&1; then
      echo "fuzz: REGRESSION: $r fails:"
      grep -E '^==[0-9]+==ERROR|SUMMARY:|runtime error:|timeout after' "$rlog" | head -n 5 | sed 's/^/    /'
      regression_failed=1
    fi
  done
  if [ $regression_failed -eq 1 ]; then
    echo "fuzz: reproduce with: $BIN FILE"
    if [ "${FUZZ_KEEP_GOING:-0}" != 1 ]; then
      echo "fuzz: not fuzzing while a regression reproducer fails (FUZZ_KEEP_GOING=1 fuzzes anyway)"
      exit 1
    fi
  else
    echo "fuzz: ${#regs[@]} regression reproducers pass"
  fi
fi

# ---- 4. fuzz -------------------------------------------------------------------------------
jobs="${FUZZ_JOBS:-1}"
log="$OUT/last-run.log"
marker="$OUT/.run-start"
: >"$marker"
sleep 1 # artifacts written by this run are newer than the marker
args=(-max_len=65536 -timeout=10 -rss_limit_mb=2048 -max_total_time="$secs"
      -artifact_prefix="$ARTIFACTS/" -print_final_stats=1 -error_exitcode=1 -timeout_exitcode=1)
if [ "$jobs" -gt 1 ] 2>/dev/null; then
  args+=(-fork="$jobs" -ignore_crashes=0 -ignore_timeouts=0 -ignore_ooms=0)
fi
echo "fuzz: running for ${secs}s (corpus $(ls "$CORPUS" | wc -l) inputs; log $log)"
if [ "${FUZZ_VERBOSE:-0}" = 1 ]; then
  (cd "$OUT" && "$BIN" "${args[@]}" "$CORPUS") 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
else
  (cd "$OUT" && "$BIN" "${args[@]}" "$CORPUS") >"$log" 2>&1
  rc=$?
fi

stats="$(grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added)' "$log" | tr '\n' ' ')"
# fork mode (FUZZ_JOBS > 1) prints no final stats: use its last progress line
[ -n "$stats" ] || stats="$(grep -E '^#[0-9]+: cov' "$log" | tail -n 1)"
found=()
while IFS= read -r a; do found+=("$a"); done < <(find "$ARTIFACTS" -type f -newer "$marker" | sort)
written="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)"
if [ $rc -eq 0 ] && [ ${#found[@]} -eq 0 ]; then
  echo "fuzz: no findings in ${secs}s. $stats"
  exit $regression_failed
fi
echo "fuzz: FINDING (libFuzzer exit $rc). $stats"
grep -E '^==[0-9]+==ERROR|SUMMARY:|runtime error:|ALARM: working on the last Unit|out-of-memory|deadly signal' "$log" | head -n 10
[ -n "$written" ] && echo "fuzz: reproducer: $written"
for a in "${found[@]}"; do
  [ "$a" = "$written" ] || echo "fuzz: reproducer: $a"
done
echo "fuzz: reproduce with: $BIN REPRODUCER   (full log: $log)"
echo "fuzz: keep it as a regression seed: cp REPRODUCER tests/fuzz/regressions/NAME.wasm"
exit 1

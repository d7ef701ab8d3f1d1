# Shared by tests/cases/spectest_core.sh and tests/update-spectest-ratchet.sh (source it).
# Converts $SHARED/wasm-spec/core/*.wast with wast2json into a cache under build/ and runs
# `$XDPERF_ASAN wasm spectest --verbose` on each file (one process per file, in parallel).
#
# spectest_core_run RESULTS_DIR
#   Leaves RESULTS_DIR/NAME.out / NAME.err (runner output) and writes RESULTS_DIR/summary
#   with one line per file: "NAME.json PASSED FAILED SKIPPED STATUS", STATUS = ok or
#   crash:<why> (sanitizer report, signal, timeout, missing summary line). Prints the totals
#   line of the run (also left in RESULTS_DIR/totals). Returns non-zero only on setup errors (no spec tests, no wast2json,
#   no binary).

: "${REPO:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${SHARED:=$(cd "$REPO/.." && pwd)/shared}"
: "${XDPERF:=$REPO/build/xdperf}"
: "${XDPERF_ASAN:=$REPO/build/asan/xdperf}"
SPECTEST_CORE_DIR="$SHARED/wasm-spec/core"
SPECTEST_CACHE="$REPO/build/spectest-cache/core"
: "${SPECTEST_RATCHET:=$REPO/tests/spectest-core.expected}"
: "${SPECTEST_JOBS:=$( n=$(nproc 2>/dev/null || echo 2); [ "$n" -gt 4 ] && n=4; [ "$n" -lt 2 ] && n=2; echo "$n")}"
: "${SPECTEST_TIMEOUT:=180}"

spectest_core_convert() {
  if [ ! -d "$SPECTEST_CORE_DIR" ]; then
    echo "error: the WebAssembly spec tests are missing: $SPECTEST_CORE_DIR does not exist." >&2
    echo "       They are required (expected at \$SHARED/wasm-spec, SHARED=$SHARED)." >&2
    return 1
  fi
  if ! command -v wast2json >/dev/null 2>&1; then
    echo "error: wast2json (wabt) is not installed; run 'scripts/deps.sh test'" >&2
    return 1
  fi
  mkdir -p "$SPECTEST_CACHE" || return 1
  local w name n=0
  for w in "$SPECTEST_CORE_DIR"/*.wast; do
    [ -e "$w" ] || { echo "error: no .wast files in $SPECTEST_CORE_DIR" >&2; return 1; }
    name="$(basename "$w" .wast)"
    # The stamp is written only after a complete conversion (a half-written cache entry is
    # redone); a newer .wast is reconverted too.
    if [ -f "$SPECTEST_CACHE/$name.ok" ] && [ ! "$w" -nt "$SPECTEST_CACHE/$name.ok" ]; then
      continue
    fi
    rm -f "$SPECTEST_CACHE/$name".*
    if ! wast2json "$w" -o "$SPECTEST_CACHE/$name.json" >"$SPECTEST_CACHE/$name.convert.log" 2>&1; then
      echo "error: wast2json failed on $w:" >&2
      cat "$SPECTEST_CACHE/$name.convert.log" >&2
      return 1
    fi
    touch "$SPECTEST_CACHE/$name.ok"
    n=$((n + 1))
  done
  [ $n -gt 0 ] && echo "converted $n .wast files into $SPECTEST_CACHE"
  return 0
}

# Runs one converted file; called through xargs.
_spectest_core_one() {
  local json="$1" res="$2" name
  name="$(basename "$json")"
  ( cd "$res" && exec timeout -k 10 "$SPECTEST_TIMEOUT" "$XDPERF_ASAN" wasm spectest --verbose "$json" ) \
    >"$res/$name.out" 2>"$res/$name.err"
  echo $? >"$res/$name.rc"
}

spectest_core_run() {
  local res="$1"
  spectest_core_convert || return 1
  if [ ! -x "$XDPERF_ASAN" ]; then
    echo "error: $XDPERF_ASAN is missing (make asan)" >&2
    return 1
  fi
  mkdir -p "$res" || return 1
  # Memory errors, leaks and undefined behaviour must show up: own exit codes, no recovery.
  export ASAN_OPTIONS="detect_leaks=1:exitcode=66:abort_on_error=0:${ASAN_OPTIONS:-}"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=67:${UBSAN_OPTIONS:-}"
  export LSAN_OPTIONS="exitcode=66:${LSAN_OPTIONS:-}"
  export XDPERF_ASAN SPECTEST_TIMEOUT
  export -f _spectest_core_one
  local w jsons=()
  for w in "$SPECTEST_CORE_DIR"/*.wast; do
    jsons+=("$SPECTEST_CACHE/$(basename "$w" .wast).json")
  done
  printf '%s\n' "${jsons[@]}" |
    xargs -P "$SPECTEST_JOBS" -I{} bash -c '_spectest_core_one "$1" "$2"' _ {} "$res"

  local j name rc line p f s status tp=0 tf=0 ts=0 ncrash=0
  : >"$res/summary"
  for j in "${jsons[@]}"; do
    name="$(basename "$j")"
    rc="$(cat "$res/$name.rc" 2>/dev/null || echo missing)"
    line="$(grep -E "^.*${name//./\\.}: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$" "$res/$name.out" 2>/dev/null | tail -n 1)"
    p=0 f=0 s=0
    if [ -n "$line" ]; then
      read -r p f s < <(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/' <<<"$line")
    fi
    status=ok
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer' "$res/$name.err" 2>/dev/null; then
      status="crash:sanitizer"
    elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
      status="crash:timeout"
    elif [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
      status="crash:exit-$rc"
    elif [ -z "$line" ]; then
      status="crash:no-summary"
    fi
    [ "$status" != ok ] && ncrash=$((ncrash + 1))
    echo "$name $p $f $s $status" >>"$res/summary"
    tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
  done
  echo "spectest core (${#jsons[@]} files, $ncrash crashed): $tp passed, $tf failed, $ts skipped" | tee "$res/totals"
  return 0
}

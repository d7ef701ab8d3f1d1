# WebAssembly spec test suites against the engine (source it): shared by
# tests/cases/spectest_{core,proposals,simd}.sh and tests/update-spectest-ratchet.sh.
#
# A suite is a list of .wast files from $SHARED/wasm-spec, each with a ratchet key, the flags
# wast2json needs for it and the engine features `xdperf wasm spectest --features` turns on:
#   core       core/*.wast                        keys NAME.json, no flags, default features
#   proposals  proposals/FOLDER/*.wast, every FOLDER but simd/ (and never the not-wabt-1.0.32/
#              subfolders, which Debian's wast2json cannot convert)
#                                                 keys FOLDER/NAME.json, the folder's flags
#   simd       simd/*.wast and proposals/simd/*.wast (the proposals/simd version where both
#              exist) plus proposals/multi-memory/simd_memory-multi.wast (SIMD on a second
#              memory)                            keys NAME.json
# Flags per folder: ../shared/wasm-spec/README.md, section "Post-2.0 features".
#
# spectest_suite_run SUITE RESULTS_DIR
#   Converts the files (cached in build/spectest-cache/SUITE/, redone when the .wast is newer
#   or its flags changed), runs `$XDPERF_ASAN wasm spectest --verbose` on each (one process
#   per file, in parallel), leaves RESULTS_DIR/FILE.out / .err and writes RESULTS_DIR/summary
#   with one line per file: "KEY PASSED FAILED SKIPPED STATUS", STATUS = ok or crash:<why>
#   (sanitizer report, signal, timeout, missing summary line). Prints the totals (also left in
#   RESULTS_DIR/totals). Returns non-zero only on setup errors (no spec tests, no wast2json,
#   no binary, an unknown proposals folder).
# spectest_suite_check SUITE RESULTS_DIR RATCHET
#   Compares a run with its ratchet ("KEY PASSED" lines): non-zero on a regression or crash.

: "${REPO:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${SHARED:=$(cd "$REPO/.." && pwd)/shared}"
: "${XDPERF:=$REPO/build/xdperf}"
: "${XDPERF_ASAN:=$REPO/build/asan/xdperf}"
SPECTEST_DATA="$SHARED/wasm-spec"
SPECTEST_CACHE_ROOT="$REPO/build/spectest-cache"
: "${SPECTEST_JOBS:=$( n=$(nproc 2>/dev/null || echo 2); [ "$n" -gt 4 ] && n=4; [ "$n" -lt 2 ] && n=2; echo "$n")}"
: "${SPECTEST_TIMEOUT:=180}"

# The ratchet file of a suite.
spectest_suite_ratchet() {
  echo "$REPO/tests/spectest-$1.expected"
}

# wast2json flags and engine features of a proposals folder: "WAST2JSON_FLAGS|FEATURES".
# Features the engine does not implement are left out (their modules are refused anyway).
_spectest_folder_flags() {
  case "$1" in
    tail-call)         echo "--enable-tail-call|tail-call" ;;
    extended-const)    echo "--enable-extended-const|extended-const" ;;
    multi-memory)      echo "--enable-multi-memory|multi-memory" ;;
    memory64)          echo "--enable-memory64|memory64" ;;
    exceptions-legacy) echo "--enable-exceptions --enable-tail-call|exceptions,tail-call" ;;
    exceptions)        echo "--enable-exceptions|exceptions" ;;
    threads)           echo "--enable-threads|threads" ;;
    relaxed-simd)      echo "--enable-relaxed-simd|" ;;
    *) return 1 ;;
  esac
}

# Prints the suite's files, one "KEY<TAB>WAST<TAB>WAST2JSON_FLAGS<TAB>FEATURES" line each.
spectest_suite_list() {
  local suite="$1" w d folder ff name
  case "$suite" in
    core)
      for w in "$SPECTEST_DATA"/core/*.wast; do
        [ -e "$w" ] || continue
        printf '%s\t%s\t\t\n' "$(basename "$w" .wast).json" "$w"
      done
      ;;
    proposals)
      for d in "$SPECTEST_DATA"/proposals/*/; do
        folder="$(basename "$d")"
        [ "$folder" = simd ] && continue
        compgen -G "$d*.wast" >/dev/null || continue  # only not-wabt-1.0.32/ inside
        if ! ff="$(_spectest_folder_flags "$folder")"; then
          echo "error: no wast2json flags known for $d (add them to _spectest_folder_flags)" >&2
          return 1
        fi
        for w in "$d"*.wast; do
          name="$(basename "$w" .wast)"
          [ "$folder/$name" = multi-memory/simd_memory-multi ] && continue  # in the simd suite
          printf '%s\t%s\t%s\t%s\n' "$folder/$name.json" "$w" "${ff%%|*}" "${ff#*|}"
        done
      done
      ;;
    simd)
      for w in "$SPECTEST_DATA"/simd/*.wast "$SPECTEST_DATA"/proposals/simd/*.wast; do
        [ -e "$w" ] || continue
        name="$(basename "$w" .wast)"
        case "$w" in
          "$SPECTEST_DATA"/simd/*) [ -e "$SPECTEST_DATA/proposals/simd/$name.wast" ] && continue ;;
        esac
        printf '%s\t%s\t\t\n' "$name.json" "$w"
      done
      w="$SPECTEST_DATA/proposals/multi-memory/simd_memory-multi.wast"
      [ -e "$w" ] && printf '%s\t%s\t%s\t%s\n' "simd_memory-multi.json" "$w" "--enable-multi-memory" "multi-memory"
      ;;
    *)
      echo "error: unknown spec test suite '$suite' (core, proposals, simd)" >&2
      return 1
      ;;
  esac
}

# Converts one file into the cache unless it is there already. The stamp (NAME.ok, holding
# the flags) is written only after a complete conversion.
_spectest_convert_one() {
  local cache="$1" key="$2" wast="$3" flags="$4"
  local json="$cache/$key" base
  base="${json%.json}"
  mkdir -p "$(dirname "$json")" || return 1
  if [ -f "$base.ok" ] && [ ! "$wast" -nt "$base.ok" ] && [ "$(cat "$base.ok")" = "flags:$flags" ]; then
    return 0
  fi
  rm -f "$base".*
  # shellcheck disable=SC2086 # flags are words
  if ! wast2json $flags "$wast" -o "$json" >"$base.convert.log" 2>&1; then
    echo "error: wast2json $flags failed on $wast:" >&2
    cat "$base.convert.log" >&2
    return 1
  fi
  echo "flags:$flags" >"$base.ok"
  return 2
}

# Runs one converted file; called through xargs with "KEY<TAB>FEATURES" and the results dir.
_spectest_run_one() {
  local entry="$1" res="$2" key feat out
  key="${entry%%$'\t'*}" feat="${entry#*$'\t'}"
  out="$res/${key//\//__}"
  local args=(wasm spectest --verbose)
  [ -n "$feat" ] && args+=(--features "$feat")
  ( cd "$res" && exec timeout -k 10 "$SPECTEST_TIMEOUT" "$XDPERF_ASAN" "${args[@]}" "$SPECTEST_CACHE/$key" ) \
    >"$out.out" 2>"$out.err"
  echo $? >"$out.rc"
}

spectest_suite_run() {
  local suite="$1" res="$2" list
  if [ ! -d "$SPECTEST_DATA/core" ]; then
    echo "error: the WebAssembly spec tests are missing: $SPECTEST_DATA/core does not exist." >&2
    echo "       They are required (expected at \$SHARED/wasm-spec, SHARED=$SHARED)." >&2
    return 1
  fi
  if ! command -v wast2json >/dev/null 2>&1; then
    echo "error: wast2json (wabt) is not installed; run 'scripts/deps.sh test'" >&2
    return 1
  fi
  if [ ! -x "$XDPERF_ASAN" ]; then
    echo "error: $XDPERF_ASAN is missing (make asan)" >&2
    return 1
  fi
  list="$(spectest_suite_list "$suite")" || return 1
  if [ -z "$list" ]; then
    echo "error: no .wast files for suite $suite under $SPECTEST_DATA" >&2
    return 1
  fi
  SPECTEST_CACHE="$SPECTEST_CACHE_ROOT/$suite"
  mkdir -p "$SPECTEST_CACHE" "$res" || return 1
  local key wast flags feat n=0 rc keys=() feats=()
  while IFS=$'\t' read -r key wast flags feat; do
    _spectest_convert_one "$SPECTEST_CACHE" "$key" "$wast" "$flags"
    rc=$?
    [ $rc = 1 ] && return 1
    [ $rc = 2 ] && n=$((n + 1))
    keys+=("$key")
    feats+=("$key"$'\t'"$feat")
  done <<<"$list"
  [ $n -gt 0 ] && echo "converted $n .wast files into $SPECTEST_CACHE"

  # Memory errors, leaks and undefined behaviour must show up: own exit codes, no recovery.
  export ASAN_OPTIONS="detect_leaks=1:exitcode=66:abort_on_error=0:${ASAN_OPTIONS:-}"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=67:${UBSAN_OPTIONS:-}"
  export LSAN_OPTIONS="exitcode=66:${LSAN_OPTIONS:-}"
  export XDPERF_ASAN SPECTEST_TIMEOUT SPECTEST_CACHE
  export -f _spectest_run_one
  printf '%s\n' "${feats[@]}" |
    xargs -d '\n' -P "$SPECTEST_JOBS" -I{} bash -c '_spectest_run_one "$1" "$2"' _ {} "$res"

  local name out rc line p f s status tp=0 tf=0 ts=0 ncrash=0
  : >"$res/summary"
  for key in "${keys[@]}"; do
    name="$(basename "$key")"
    out="$res/${key//\//__}"
    rc="$(cat "$out.rc" 2>/dev/null || echo missing)"
    line="$(grep -E "^.*/${name//./\\.}: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$" "$out.out" 2>/dev/null | tail -n 1)"
    p=0 f=0 s=0
    if [ -n "$line" ]; then
      read -r p f s < <(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/' <<<"$line")
    fi
    status=ok
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer' "$out.err" 2>/dev/null; then
      status="crash:sanitizer"
    elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
      status="crash:timeout"
    elif [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
      status="crash:exit-$rc"
    elif [ -z "$line" ]; then
      status="crash:no-summary"
    fi
    [ "$status" != ok ] && ncrash=$((ncrash + 1))
    echo "$key $p $f $s $status" >>"$res/summary"
    tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
  done
  echo "spectest $suite (${#keys[@]} files, $ncrash crashed): $tp passed, $tf failed, $ts skipped" | tee "$res/totals"
  return 0
}

spectest_suite_check() {
  local suite="$1" res="$2" ratchet="$3"
  if [ ! -f "$ratchet" ]; then
    echo "FAILED: ratchet file $ratchet is missing (create it with tests/update-spectest-ratchet.sh $suite)"
    return 1
  fi
  local -A got_p got_status seen
  local key p f s status want rest have out bad=0 better=0
  while read -r key p f s status; do
    got_p[$key]=$p got_status[$key]=$status
  done <"$res/summary"
  while read -r key want rest; do
    case "$key" in ''|'#'*) continue ;; esac
    seen[$key]=1
    if [ -z "${got_p[$key]+x}" ]; then
      echo "REGRESSION $key: in the ratchet file but not run (no such .wast in $SPECTEST_DATA?)"
      bad=$((bad + 1))
      continue
    fi
    have=${got_p[$key]}
    out="$res/${key//\//__}"
    if [ "${got_status[$key]}" != ok ]; then
      echo "CRASH $key: ${got_status[$key]#crash:} (passed $have before it, expected $want)"
      sed -n '1,40p' "$out.err" | sed 's/^/    /'
      bad=$((bad + 1))
    elif [ "$have" -lt "$want" ]; then
      echo "REGRESSION $key: $have passed, the ratchet expects $want; first failures:"
      grep -E '^  ' "$out.out" | head -n 15
      bad=$((bad + 1))
    elif [ "$have" -gt "$want" ]; then
      echo "IMPROVED $key: $have passed, the ratchet says $want"
      better=$((better + 1))
    fi
  done <"$ratchet"
  for key in "${!got_p[@]}"; do
    if [ -z "${seen[$key]+x}" ]; then
      echo "NEW $key: ${got_p[$key]} passed, not in the ratchet file"
      better=$((better + 1))
      [ "${got_status[$key]}" != ok ] && { echo "CRASH $key: ${got_status[$key]#crash:}"; bad=$((bad + 1)); }
    fi
  done
  [ $better -gt 0 ] && echo "note: $better file(s) pass more than the ratchet records; raise it: tests/update-spectest-ratchet.sh $suite (then commit $(basename "$ratchet"))"
  cat "$res/totals"
  if [ $bad -gt 0 ]; then
    echo "FAILED: $bad file(s) regressed or crashed"
    return 1
  fi
  echo "OK: no regressions against $(basename "$ratchet")"
  return 0
}

# The whole test case of a suite (tests/cases/spectest_SUITE.sh).
spectest_suite_case() {
  local suite="$1" res="${TMPDIR:-/tmp}/spectest-$1"
  spectest_suite_run "$suite" "$res" || { echo "FAILED: spectest $suite could not run"; return 1; }
  spectest_suite_check "$suite" "$res" "$(spectest_suite_ratchet "$suite")"
}

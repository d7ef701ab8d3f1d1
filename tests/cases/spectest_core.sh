#!/usr/bin/env bash
# WebAssembly 2.0 core spec tests under the ASan/UBSan build, against a ratchet.
#
# Converts $SHARED/wasm-spec/core/*.wast (cached in build/spectest-cache/core), runs
# `$XDPERF_ASAN wasm spectest` on every file and compares each file's pass count with
# tests/spectest-core.expected ("NAME.json PASSED" lines). Fails when a file passes fewer
# commands than recorded (regression), when a run crashes (sanitizer report, signal, timeout)
# or when the spec tests are absent. Files passing more than recorded are listed: raise the
# ratchet with tests/update-spectest-ratchet.sh.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/spectest_core.sh"

res="${TMPDIR:-/tmp}/spectest-core"
spectest_core_run "$res" || { echo "FAILED: spectest core could not run"; exit 1; }

if [ ! -f "$SPECTEST_RATCHET" ]; then
  echo "FAILED: ratchet file $SPECTEST_RATCHET is missing (create it with tests/update-spectest-ratchet.sh)"
  exit 1
fi

declare -A got_p got_f got_status
while read -r name p f s status; do
  got_p[$name]=$p got_f[$name]=$f got_status[$name]=$status
done <"$res/summary"

bad=0 better=0
declare -A seen
while read -r name want rest; do
  case "$name" in ''|'#'*) continue ;; esac
  seen[$name]=1
  if [ -z "${got_p[$name]+x}" ]; then
    echo "REGRESSION $name: in the ratchet file but not run (no such .wast in $SPECTEST_CORE_DIR?)"
    bad=$((bad + 1))
    continue
  fi
  have=${got_p[$name]}
  if [ "${got_status[$name]}" != ok ]; then
    echo "CRASH $name: ${got_status[$name]#crash:} (passed $have before it, expected $want)"
    sed -n '1,40p' "$res/$name.err" | sed 's/^/    /'
    bad=$((bad + 1))
  elif [ "$have" -lt "$want" ]; then
    echo "REGRESSION $name: $have passed, the ratchet expects $want; first failures:"
    grep -E '^  ' "$res/$name.out" | head -n 15
    bad=$((bad + 1))
  elif [ "$have" -gt "$want" ]; then
    echo "IMPROVED $name: $have passed, the ratchet says $want"
    better=$((better + 1))
  fi
done <"$SPECTEST_RATCHET"
for name in "${!got_p[@]}"; do
  if [ -z "${seen[$name]+x}" ]; then
    echo "NEW $name: ${got_p[$name]} passed, not in the ratchet file"
    better=$((better + 1))
    [ "${got_status[$name]}" != ok ] && { echo "CRASH $name: ${got_status[$name]#crash:}"; bad=$((bad + 1)); }
  fi
done

[ $better -gt 0 ] && echo "note: $better file(s) pass more than the ratchet records; raise it: tests/update-spectest-ratchet.sh (then commit tests/spectest-core.expected)"
cat "$res/totals"
if [ $bad -gt 0 ]; then
  echo "FAILED: $bad file(s) regressed or crashed"
  exit 1
fi
echo "OK: no regressions against $(basename "$SPECTEST_RATCHET")"
exit 0

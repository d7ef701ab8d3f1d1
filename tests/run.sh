#!/usr/bin/env bash
# xdperf test runner (`make test` calls it after building build/xdperf and build/asan/xdperf).
#
# Runs every tests/cases/*.sh, each as a self-contained bash script in its own fresh temp dir,
# started in a stable (C-locale) order. Those that use network namespaces or root run alone;
# the others first, XDPERF_TEST_JOBS (default: the CPUs, at most 4) at once. Exit
# status of a case: 0 = pass, 77 = skip (the last line of its output is the reason), anything
# else = fail. The last line printed is always
#   N passed, M failed[, K skipped]
# which is what CI reads. Exits 1 if any case failed.
#
# Usage: tests/run.sh [-v] [NAME...]   NAME = case name (file name without .sh) or a glob;
#                                      -v prints the full output of every case.
# Environment given to each case (and, as root, XDPERF_TEST_XDP_LIVE: see tests/lib/xdp_live.sh):
#   XDPERF       absolute path of build/xdperf
#   XDPERF_ASAN  absolute path of build/asan/xdperf (ASan/UBSan build)
#   REPO         repository root
#   SHARED       $REPO/../shared (shared data such as the wasm spec tests)
#   TMPDIR       a fresh, empty per-case temp dir (removed afterwards unless the case failed
#                and XDPERF_KEEP_TMP=1)
# A case running longer than XDPERF_TEST_TIMEOUT seconds (default 1800) is killed and fails.
# XDPERF_TEST_JOBS=1 runs every case alone, in sorted order.
set -uo pipefail
export LC_ALL=C

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
verbose=0
filters=()
for a in "$@"; do
  case "$a" in
    -v|--verbose) verbose=1 ;;
    -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) filters+=("$a") ;;
  esac
done

export XDPERF="$REPO/build/xdperf"
export XDPERF_ASAN="$REPO/build/asan/xdperf"
export REPO
export SHARED="$(cd "$REPO/.." && pwd)/shared"
for b in "$XDPERF" "$XDPERF_ASAN"; do
  [ -x "$b" ] || echo "warning: $b is missing (run 'make all asan' first)" >&2
done

# Whether the kernel lets xdperf send XDP live frames: probed once here for every case
# (tests/lib/xdp_live.sh); the cases read the answer from the environment.
if [ "$(id -u)" = 0 ] && [ -z "${XDPERF_TEST_XDP_LIVE:-}" ] && [ -x "$XDPERF" ] && ip netns list >/dev/null 2>&1; then
  # shellcheck source=tests/lib/xdp_live.sh
  . "$REPO/tests/lib/xdp_live.sh"
  if ans="$(xdp_live_probe)"; then
    export XDPERF_TEST_XDP_LIVE="${ans%% *}"
    [ "$XDPERF_TEST_XDP_LIVE" = 0 ] && export XDPERF_TEST_XDP_LIVE_WHY="${ans#0 }"
    [ "$XDPERF_TEST_XDP_LIVE" = 1 ] && echo "XDP live frames: sent by this kernel" ||
      echo "XDP live frames: refused by this kernel ($XDPERF_TEST_XDP_LIVE_WHY); the cases run their XDP sends over AF_PACKET"
  fi
fi

base_tmp="${TMPDIR:-/tmp}"
case_timeout="${XDPERF_TEST_TIMEOUT:-1800}"
cases=()
while IFS= read -r f; do
  name="$(basename "$f" .sh)"
  if [ ${#filters[@]} -gt 0 ]; then
    keep=0
    for p in "${filters[@]}"; do
      # shellcheck disable=SC2053
      [[ "$name" == $p ]] && keep=1
    done
    [ $keep -eq 1 ] || continue
  fi
  cases+=("$f")
done < <(find "$REPO/tests/cases" -maxdepth 1 -type f -name '*.sh' | sort)

# Cases that use network namespaces or root (rates and timing on the shared CPUs, fixed
# interface names, the dpkg lock) run alone: nothing runs beside them. The others run up to
# XDPERF_TEST_JOBS at once (default: the number of CPUs, at most 4), before the serial ones.
# Results are printed as cases finish.
ncpu="$(nproc 2>/dev/null || echo 1)"
[ "$ncpu" -gt 4 ] && ncpu=4
jobs="${XDPERF_TEST_JOBS:-$ncpu}"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "XDPERF_TEST_JOBS must be a positive integer" >&2; exit 2; }
res="$(mktemp -d "$base_tmp/xdperf-test-results.XXXXXX")"
trap 'rm -rf "$res"' EXIT

# one case, in the background: its output in $res/I.log, "RC SECONDS TMPDIR" in $res/I.rc
run_case() { # I FILE
  local i=$1 f=$2 name tmp start rc
  name="$(basename "$f" .sh)"
  tmp="$(mktemp -d "$base_tmp/xdperf-test-$name.XXXXXX")"
  start=$SECONDS
  (cd "$REPO" && TMPDIR="$tmp" exec timeout -k 10 "$case_timeout" bash "$f") >"$res/$i.log" 2>&1 </dev/null
  rc=$?
  [ $rc -eq 124 ] && echo "(timed out after ${case_timeout}s)" >>"$res/$i.log"
  echo "$rc $((SECONDS - start)) $tmp" >"$res/$i.rc.tmp" && mv "$res/$i.rc.tmp" "$res/$i.rc"
}

pass=0 fail=0 skip=0
report() { # I
  local i=$1 name rc secs tmp log reason
  name="$(basename "${cases[$i]}" .sh)"
  read -r rc secs tmp <"$res/$i.rc"
  log="$res/$i.log"
  if [ "$rc" -eq 0 ]; then
    echo "PASS $name (${secs}s)"
    [ $verbose -eq 1 ] && sed 's/^/    /' "$log"
    pass=$((pass + 1))
  elif [ "$rc" -eq 77 ]; then
    reason="$(grep -v '^[[:space:]]*$' "$log" | tail -n 1)"
    echo "SKIP $name: ${reason:-no reason given}"
    skip=$((skip + 1))
  else
    echo "FAIL $name (exit $rc, ${secs}s)"
    if [ $verbose -eq 1 ]; then
      sed 's/^/    /' "$log"
    else
      # the failed checks first (they may lie before the tail), then the tail
      grep -E '^[[:space:]]*(FAIL|FAILED|not ok)\b' "$log" | head -n 20 | sed 's/^/    failed check: /'
      tail -n 30 "$log" | sed 's/^/    /'
    fi
    fail=$((fail + 1))
  fi
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ "${XDPERF_KEEP_TMP:-0}" = 1 ]; then
    echo "    (temp dir kept: $tmp)"
  else
    rm -rf "$tmp"
  fi
}

serial=()
for f in "${cases[@]}"; do
  if grep -qE 'netns|id -u|dpkg|apt-get' "$f"; then serial+=(1); else serial+=(0); fi
done
# the order cases start in: sorted; with jobs > 1 the other cases first, then the serial ones
pending=()
if [ "$jobs" -gt 1 ]; then
  for i in "${!cases[@]}"; do [ "${serial[$i]}" = 0 ] && pending+=("$i"); done
  for i in "${!cases[@]}"; do [ "${serial[$i]}" = 1 ] && pending+=("$i"); done
else
  pending=("${!cases[@]}")
fi
running=()
serial_busy=0
while [ ${#pending[@]} -gt 0 ] || [ ${#running[@]} -gt 0 ]; do
  # start the next case while it may: a serial case only when nothing runs, another case
  # while no serial case runs and fewer than $jobs do
  while [ ${#pending[@]} -gt 0 ] && [ $serial_busy = 0 ] && [ ${#running[@]} -lt "$jobs" ]; do
    i=${pending[0]}
    [ "${serial[$i]}" = 1 ] && [ ${#running[@]} -gt 0 ] && break
    pending=("${pending[@]:1}")
    [ "${serial[$i]}" = 1 ] && serial_busy=1
    run_case "$i" "${cases[$i]}" &
    running+=("$i")
  done
  wait -n 2>/dev/null || true
  still=()
  for i in "${running[@]}"; do
    if [ -f "$res/$i.rc" ]; then
      report "$i"
      [ "${serial[$i]}" = 1 ] && serial_busy=0
    else
      still+=("$i")
    fi
  done
  running=("${still[@]}")
done
wait

summary="$pass passed, $fail failed"
[ $skip -gt 0 ] && summary="$summary, $skip skipped"
echo "$summary"
[ $fail -eq 0 ]

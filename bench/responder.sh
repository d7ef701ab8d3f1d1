#!/usr/bin/env bash
# UDP responder benchmark (no root needed): builds bench/udp_load.c into build/bench/udp_load and
# measures the datagrams/s `xdperf serve` answers on loopback (64-byte payloads; udp_load keeps
# RESPONDER_FLOWS connected flows with RESPONDER_WINDOW requests outstanding each, matches every
# reply by its sequence number, never retransmits, and counts as lost what is still outstanding
# after a drain wait), for workers 1 and 2 x handler echo.wasm (the wasm module) and builtin:echo
# (the native C echo handler, same responder). Each cell is the median of RESPONDER_RUNS client
# runs (RESPONDER_SECONDS measured after a 1 s warm-up; min-max shown too); for a worker count both
# handlers' servers run side by side and the client runs alternate between them, so a change in
# the background load hits both alike. The wasm/native column is the ratio of the medians.
# Then the same with echo.wasm while a background loop swaps versions continuously: every
# RESPONDER_SWAP_MS it uploads a new version sK of echo (the echo.wasm bytes with a custom section
# appended, alternating between two such files), tests it at 50 %, promotes it and unloads
# s(K-2), all through `xdperf ctl`. Those rows give the rate, the swaps done and the lost
# replies, which must be 0 (anything else is reported as LOSS and, like any error, exits 1).
# Each swap run alternates with a control run ("echo.wasm + ctl"): the same loop but running
# `ctl get echo` 3 times per round (no change), since each ctl process costs CPU too (~10 ms): the
# swap row over the control row is the cost of the swaps themselves.
#
# CPUs (printed with the table): with 2+ CPUs the server runs under `taskset -c 0` for 1 worker
# and `taskset -c 0,1` for 2 workers (its threads are not pinned individually), the client (one
# thread) and the swap loop's ctl processes run on CPU 1; so with 2 workers on a 2-CPU machine
# one worker shares CPU 1 with the client. With 1 CPU everything shares CPU 0. udp_load also
# reports, over its measured interval, its own CPU use, the server's (/proc/PID/stat) and the
# machine's busy time (/proc/stat): the table shows them in CPUs (srv, cli, other = busy time of
# everything else, e.g. ksoftirqd or other jobs perturbing the numbers).
# bench/run.sh calls it after the hot-load benchmark; `BENCH_ONLY=responder make bench` (or this
# script alone) runs only it.
#
# Environment: RESPONDER_SECONDS (default 3), RESPONDER_RUNS (default 3), RESPONDER_FLOWS
# (default 64), RESPONDER_WINDOW (default 16), RESPONDER_SWAP_MS (default 100), XDPERF (the
# binary; copying it elsewhere first keeps a concurrent rebuild from disturbing the run).
set -euo pipefail
export LC_ALL=C

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$REPO/build/bench"
XDPERF="${XDPERF:-$REPO/build/xdperf}"
ECHO_WASM="$REPO/build/protocols/echo.wasm"
SECS="${RESPONDER_SECONDS:-3}"
RUNS="${RESPONDER_RUNS:-3}"
FLOWS="${RESPONDER_FLOWS:-64}"
WINDOW="${RESPONDER_WINDOW:-16}"
SWAP_MS="${RESPONDER_SWAP_MS:-100}"
SIZE=64
WORK="$OUT/responder"

die() { echo "bench/responder: $*" >&2; exit 1; }
log() { echo "bench/responder: $*" >&2; }

[ -x "$XDPERF" ] || die "$XDPERF is not built (run make)"
[ -f "$ECHO_WASM" ] || die "$ECHO_WASM is not built (run make)"
command -v gcc >/dev/null || die "gcc is not installed"
command -v taskset >/dev/null || die "taskset is not installed (util-linux)"
for v in SECS RUNS FLOWS WINDOW SWAP_MS; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
done
mkdir -p "$WORK"

log "building bench/udp_load.c"
gcc -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$OUT/udp_load" "$REPO/bench/udp_load.c" -lpthread \
  || die "cannot build bench/udp_load"

# Two echo modules with different bytes: echo.wasm plus a custom section "xdperf-bench" (ignored).
mk_variant() {
  local name=xdperf-bench payload=$1
  { cat "$ECHO_WASM"
    printf "\\x00\\x$(printf %02x $((1 + ${#name} + ${#payload})))\\x$(printf %02x ${#name})%s%s" "$name" "$payload"
  } >"$2"
}
mk_variant variant-a "$WORK/echo_a.wasm"
mk_variant variant-b "$WORK/echo_b.wasm"

# ---- CPU plan -----------------------------------------------------------------------------------
ncpu=$(nproc)
if [ "$ncpu" -ge 2 ]; then
  srv_cpus() { [ "$1" = 1 ] && echo 0 || echo 0,1; }
  CLIENT_CPU=1
  cpu_note="server: taskset -c 0 (1 worker) / -c 0,1 (2 workers); client (1 thread) and swap loop: CPU 1"
else
  srv_cpus() { echo 0; }
  CLIENT_CPU=""
  cpu_note="1 CPU: server, client and swap loop all share CPU 0"
fi

# ---- server control -----------------------------------------------------------------------------
SRV_PID="" SWAP_PID="" CLIENT_PID="" ALL_PIDS=()
cleanup() {
  local p
  set +e
  [ -n "$CLIENT_PID" ] && kill "$CLIENT_PID" 2>/dev/null && wait "$CLIENT_PID" 2>/dev/null
  [ -n "$SWAP_PID" ] && kill "$SWAP_PID" 2>/dev/null && wait "$SWAP_PID" 2>/dev/null
  for p in "${ALL_PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  SWAP_PID="" CLIENT_PID="" ALL_PIDS=()
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server HANDLER WORKERS TAG: sets SRV_PID, PORT, ADMIN; logs in $WORK/TAG.{out,err}
start_server() {
  local handler=$1 workers=$2 tag=$3 i
  : >"$WORK/$tag.err"
  taskset -c "$(srv_cpus "$workers")" "$XDPERF" serve --listen udp://127.0.0.1:0 \
    --protocol "echo=$handler@s0" --workers "$workers" --admin 127.0.0.1:0 --interval 0 \
    >"$WORK/$tag.out" 2>"$WORK/$tag.err" &
  SRV_PID=$!
  ALL_PIDS+=("$SRV_PID")
  PORT="" ADMIN=""
  for ((i = 0; i < 100; i++)); do
    PORT=$(sed -n 's|.*listening on udp://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$WORK/$tag.err" | head -1)
    ADMIN=$(sed -n 's|.*admin API on http://\(127\.0\.0\.1:[0-9]*\).*|\1|p' "$WORK/$tag.err" | head -1)
    [ -n "$PORT" ] && [ -n "$ADMIN" ] && return 0
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.05
  done
  head -5 "$WORK/$tag.err" >&2
  die "the server ($handler, $workers workers) did not start"
}

# stop_server TAG: stops SRV_PID and checks its summary (requests = replies, 0 failed, 0 send errors).
stop_server() {
  local tag=$1
  kill "$SRV_PID" 2>/dev/null || true
  wait "$SRV_PID" 2>/dev/null || true
  SRV_PID=""
  local s
  s=$(grep -h 'requests,' "$WORK/$tag.out" "$WORK/$tag.err" | tail -1)
  SRV_SUMMARY="${s#*echo: }"
  if ! awk '{ if ($1 != $3 || $7 != 0 || $9 != 0) exit 1 }' <<<"$SRV_SUMMARY"; then
    log "server $tag reported: $SRV_SUMMARY"
    SRV_BAD=1
  fi
}

# client: one udp_load run (exec: only ever run in the background by run_client); prints its line.
client() {
  local pin=()
  [ -n "$CLIENT_CPU" ] && pin=(--cpu "$CLIENT_CPU")
  exec "$OUT/udp_load" --target "127.0.0.1:$PORT" --flows "$FLOWS" --window "$WINDOW" --size $SIZE \
    --duration "$SECS" --warmup 1 --drain-ms 500 --watch-pid "$SRV_PID" "${pin[@]}"
}
# run_client: client in the background (so that a signal is handled at once); sets line.
run_client() {
  local rc=0
  client >"$WORK/client.out" &
  CLIENT_PID=$!
  wait "$CLIENT_PID" || rc=$?
  CLIENT_PID=""
  line=$(<"$WORK/client.out")
  return $rc
}
field() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<<"$2"; }
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# swap_loop ADMIN STARTK STATEFILE MODE: every SWAP_MS ms upload sK (--test 50), promote it, unload
# s(K-2) (MODE swap), or run `ctl get echo` 3 times (MODE ctl: the control, no change); writes
# "rounds failures ctl_cpu_seconds last_k wall_ms" to STATEFILE when stopped (SIGTERM).
swap_loop() {
  local admin=$1 k=$2 state=$3 mode=$4 swaps=0 fails=0 start_us period_us=$((SWAP_MS * 1000)) next now f
  local ctl=("$XDPERF" ctl --admin "$admin" --timeout 2000)
  finish() {
    local t0=$start_us t1=${EPOCHREALTIME/[.,]/}
    times >"$state.times" # 2nd line: the children's user and system time, e.g. "0m1.2s 0m0.8s"
    echo "$swaps $fails $(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } } END { printf "%.2f", s }' "$state.times") $k $(((t1 - t0) / 1000))" >"$state"
    exit 0
  }
  trap finish TERM
  [ -z "$CLIENT_CPU" ] || taskset -pc "$CLIENT_CPU" "$BASHPID" >/dev/null
  start_us=${EPOCHREALTIME/[.,]/}
  next=$start_us
  while :; do
    if [ "$mode" = ctl ]; then
      if "${ctl[@]}" get echo >/dev/null && "${ctl[@]}" get echo >/dev/null && "${ctl[@]}" get echo >/dev/null
      then swaps=$((swaps + 1)); else fails=$((fails + 1)); fi
    else
    k=$((k + 1))
    f="$WORK/echo_a.wasm"; [ $((k % 2)) = 0 ] && f="$WORK/echo_b.wasm"
    if "${ctl[@]}" upload echo "s$k" "$f" --test 50 >/dev/null &&
       "${ctl[@]}" promote echo "s$k" >/dev/null &&
       { [ $k -lt 2 ] || "${ctl[@]}" unload echo "s$((k - 2))" >/dev/null; }; then
      swaps=$((swaps + 1))
    else
      fails=$((fails + 1))
    fi
    fi
    next=$((next + period_us))
    now=${EPOCHREALTIME/[.,]/}
    if [ "$now" -lt "$next" ]; then
      sleep "$(awk -v d=$((next - now)) 'BEGIN { printf "%.6f", d / 1e6 }')" & wait $!
    else
      next=$now
    fi
  done
}

# ---- runs ---------------------------------------------------------------------------------------
# Per configuration KEY, the values of its runs are collected as space separated lists in A_*[KEY].
declare -A rate lo hi lost errs srvc clic othc swaps swapsps swapfail swapcpu
declare -A A_rate A_srv A_cli A_oth A_sw A_swr A_l A_e A_sf A_sc
SRV_BAD=0 any_loss=0 any_err=0
# account KEY RUN LINE [SWAPS FAILS CTLCPU WALLMS]: one client run (and swap loop) into KEY's lists.
account() {
  local key=$1 run=$2 line=$3 n=${4:-} fails=${5:-0} cpu=${6:-0} wall=${7:-1} ctl_cores=0 extra=""
  if [ -n "$n" ]; then
    ctl_cores=$(awk -v c="$cpu" -v w="$wall" 'BEGIN { printf "%.2f", c * 1000 / w }')
    extra="; loop: ${n} rounds in ${wall} ms, failed=$fails, ctl CPU ${cpu}s (${ctl_cores} CPUs)"
    A_sw[$key]+=" $n"
    A_swr[$key]+=" $(awk -v n="$n" -v w="$wall" 'BEGIN { printf "%.1f", n * 1000 / w }')"
    A_sf[$key]=$((${A_sf[$key]:-0} + fails))
    A_sc[$key]=$(awk -v a="${A_sc[$key]:-0}" -v b="$cpu" 'BEGIN { print a + b }')
  fi
  log "$key run $run: $line$extra"
  A_rate[$key]+=" $(field rate "$line")"
  A_srv[$key]+=" $(field srv_cpu "$line")"
  A_cli[$key]+=" $(field cpu "$line")"
  A_oth[$key]+=" $(awk -v b="$(field busy_cpu "$line")" -v s="$(field srv_cpu "$line")" -v c="$(field cpu "$line")" \
    -v k="$ctl_cores" 'BEGIN { o = b - s - c - k; printf "%.2f", (o < 0 ? 0 : o) }')"
  A_l[$key]=$((${A_l[$key]:-0} + $(field lost "$line")))
  A_e[$key]=$((${A_e[$key]:-0} + $(field unmatched "$line") + $(field errors "$line")))
}
finish_cfg() {
  local key=$1 v
  read -ra v <<<"${A_rate[$key]}"
  rate[$key]=$(median "${v[@]}")
  lo[$key]=$(printf '%s\n' "${v[@]}" | sort -n | head -1)
  hi[$key]=$(printf '%s\n' "${v[@]}" | sort -n | tail -1)
  read -ra v <<<"${A_srv[$key]}"; srvc[$key]=$(median "${v[@]}")
  read -ra v <<<"${A_cli[$key]}"; clic[$key]=$(median "${v[@]}")
  read -ra v <<<"${A_oth[$key]}"; othc[$key]=$(median "${v[@]}")
  lost[$key]=${A_l[$key]} errs[$key]=${A_e[$key]}
  if [ -n "${A_sw[$key]:-}" ]; then
    read -ra v <<<"${A_sw[$key]}"; swaps[$key]=$(median "${v[@]}")
    read -ra v <<<"${A_swr[$key]}"; swapsps[$key]=$(median "${v[@]}")
    swapfail[$key]=${A_sf[$key]} swapcpu[$key]=${A_sc[$key]}
    [ "${A_sf[$key]}" = 0 ] || any_err=1
  fi
  [ "${lost[$key]}" = 0 ] || any_loss=1
  [ "${errs[$key]}" = 0 ] || any_err=1
}

handlers=("$ECHO_WASM" builtin:echo)
hname() { [ "$1" = builtin:echo ] && echo builtin:echo || echo echo.wasm; }
log "$cpu_note; $RUNS runs x ${SECS}s (+1 s warm-up, 0.5 s drain), $FLOWS flows x window $WINDOW, $SIZE-byte payloads"
load_start=$(uptime | sed 's/.*load average: //')
log "load average at the start: $load_start"
t_start=${EPOCHREALTIME/[.,]/}

# Both handlers' servers run side by side (the idle one costs nothing) and the client runs
# alternate between them, so that a change in the background load hits both alike.
declare -A spid sport
for w in 1 2; do
  for h in "${handlers[@]}"; do
    start_server "$h" "$w" "w${w}_$(hname "$h")"
    spid[$h]=$SRV_PID sport[$h]=$PORT
  done
  for ((r = 1; r <= RUNS; r++)); do
    for h in "${handlers[@]}"; do
      SRV_PID=${spid[$h]} PORT=${sport[$h]}
      run_client || die "udp_load failed against $w/$(hname "$h"): $line"
      account "$w/$(hname "$h")" $r "$line"
    done
  done
  for h in "${handlers[@]}"; do
    SRV_PID=${spid[$h]}
    stop_server "w${w}_$(hname "$h")"
    finish_cfg "$w/$(hname "$h")"
  done
done

# Swaps, alternating run by run with a control: the same loop running as many ctl processes
# (3 x `ctl get echo` per round, no change), to tell the cost of the swaps from that of the ctl
# processes competing for the CPUs.
for w in 1 2; do
  tag="w${w}_swaps" k=0
  start_server "$ECHO_WASM" "$w" "$tag"
  for ((r = 1; r <= RUNS; r++)); do
    for mode in swap ctl; do
      state="$WORK/$tag.state"; rm -f "$state"
      swap_loop "$ADMIN" "$k" "$state" $mode &
      SWAP_PID=$!
      run_client || die "udp_load failed against $w/$mode: $line"
      kill "$SWAP_PID"; wait "$SWAP_PID" 2>/dev/null || true; SWAP_PID=""
      read -r n fails cpu kk wall <"$state" || die "the swap loop left no state"
      [ $mode = ctl ] || k=$kk
      account "$w/$mode" $r "$line" "$n" "$fails" "$cpu" "$wall"
    done
  done
  stop_server "$tag"
  finish_cfg "$w/swap"
  finish_cfg "$w/ctl"
done
t_end=${EPOCHREALTIME/[.,]/}

# ---- report -------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
row() { # workers label key ratio notes
  local k=$3 n=$5
  [ "${errs[$k]}" = 0 ] || n="$n unmatched/errors: ${errs[$k]}"
  [ "${lost[$k]}" = 0 ] || n="LOSS $n"
  awk -v o="${othc[$k]}" 'BEGIN { exit !(o > 0.25) }' && n="PERTURBED (other load) $n" && perturbed=1
  printf '%-7s %-18s %11.0f %17s %11s %5s %6.2f %6.2f %6.2f  %s\n' "$1" "$2" "${rate[$k]}" "${lo[$k]}-${hi[$k]}" "$4" \
    "${lost[$k]}" "${srvc[$k]}" "${clic[$k]}" "${othc[$k]}" "$n"
}
echo
echo "xdperf serve UDP responder on loopback, $SIZE-byte payloads: median of $RUNS runs x ${SECS} s (after 1 s warm-up)"
echo "client: bench/udp_load, 1 thread, $FLOWS flows x window $WINDOW outstanding, no retransmission;"
echo "the two handlers' servers run side by side and the client alternates between them run by run"
echo "CPUs ($ncpu): $cpu_note"
echo "CPU columns (median, in CPUs, over the measured interval): srv = the server process, cli = the client,"
echo "other = the rest of the machine's busy time minus the swap loop's ctl processes (ksoftirqd, other jobs)"
printf '%-7s %-18s %11s %17s %11s %5s %6s %6s %6s  %s\n' workers handler "datagrams/s" "min-max" "wasm/native" lost srv cli other notes
for w in 1 2; do
  row "$w" echo.wasm "$w/echo.wasm" "$(ratio "${rate[$w/echo.wasm]}" "${rate[$w/builtin:echo]}")" ""
  row "$w" builtin:echo "$w/builtin:echo" "" ""
done
for w in 1 2; do
  k="$w/swap"
  row "$w" "echo.wasm + swaps" "$k" "$(ratio "${rate[$k]}" "${rate[$w/builtin:echo]}")" \
    "swaps/run ${swaps[$k]} (${swapsps[$k]}/s), failed ${swapfail[$k]}, ctl CPU ${swapcpu[$k]} s; $(ratio "${rate[$k]}" "${rate[$w/echo.wasm]}")x steady echo.wasm"
  k="$w/ctl"
  row "$w" "echo.wasm + ctl" "$k" "$(ratio "${rate[$k]}" "${rate[$w/builtin:echo]}")" \
    "control: 3 x ctl get per round, ${swapsps[$k]} rounds/s, failed ${swapfail[$k]}, ctl CPU ${swapcpu[$k]} s; swaps vs control $(ratio "${rate[$w/swap]}" "${rate[$k]}")x"
done
echo "2 workers vs 1: echo.wasm $(ratio "${rate[2/echo.wasm]}" "${rate[1/echo.wasm]}")x, builtin:echo $(ratio "${rate[2/builtin:echo]}" "${rate[1/builtin:echo]}")x"
[ "${perturbed:-0}" = 0 ] || echo "PERTURBED: other jobs used > 0.25 CPUs during a row's runs (median): its numbers are not reliable"
echo "lost = requests still unanswered 0.5 s after the client stopped sending (summed over the runs; must be 0)"
echo "total time $(awk -v d=$((t_end - t_start)) 'BEGIN { printf "%.1f", d / 1e6 }') s; load average at the start: $load_start, at the end: $(uptime | sed 's/.*load average: //')"

if [ $any_loss = 1 ] || [ $any_err = 1 ] || [ $SRV_BAD = 1 ]; then
  echo "bench/responder: LOSS OR ERRORS: lost or unmatched replies, failed swaps or a server summary with failures (see above)" >&2
  exit 1
fi
exit 0

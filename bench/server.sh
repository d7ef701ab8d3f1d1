#!/usr/bin/env bash
# Server receive-rate benchmark (bench/run.sh runs it as the "server" part; needs root).
#
# On a veth pair between two namespaces created here (generator xdpsv<PID>a:veth0, server
# xdpsv<PID>b:veth1, one queue per CPU on both ends) an `xdperf --server -d veth1 --port 9000
# --json -t SECONDS` (XDP mode) counts what `xdperf -d veth0 -c 0 -t SECONDS-1 --json -q`
# (XDP mode, as fast as it can, started once the server printed "xdperf: server on") sends,
# without stamps and with --stamp on both sides (the server then analyses every stamped frame
# in user space: loss, reordering, latency), for 64 B (stamps: 70 B, the smallest UDP frame
# with room for the 28-byte trailer) and 512 B frames, with 1 and 2 generator threads.
#
# Per configuration: the generator's own rate (its JSON pps), the server's received rate (the
# median of its per-second stderr lines `<t>s  <pps> rx/s ...` over the full seconds while the
# generator ran: the first second with traffic and those after the generator exited are left
# out), their ratio, received/sent packets over the whole run, and with --stamp the server's
# stamped count, ring_full (stamped frames user space could not keep up with: counted, not
# analysed) and lost. Then a sanity run paced at SERVER_BENCH_RATE pps with --stamp: every
# sent frame must be received and analysed (lost 0, ring_full 0, received = sent), else exit 1.
# Prints a plain table and the same as Markdown (also written to build/bench/server.md). The
# namespaces are always removed. Other load on the machine shows up directly in the figures.
#
# Environment: SERVER_BENCH_SECONDS (server run time, default 5, at least 3; the generator
# runs one second less), SERVER_BENCH_THREADS (generator thread counts, default "1 2"),
# SERVER_BENCH_SIZES (default "64 512"), SERVER_BENCH_RATE (paced run, default 200000),
# SERVER_BENCH_GEN_MODE (the generator's --mode: xdp, the default, or afpacket; where the
# kernel refuses XDP live frames, the default falls back to afpacket and the title says so:
# the server then sees a slower sender, but its counts and stamp analysis are checked the
# same way), XDPERF (the binary).
set -uo pipefail
export LC_ALL=C

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$REPO/build/bench"
XDPERF="${XDPERF:-$REPO/build/xdperf}"
D="${SERVER_BENCH_SECONDS:-5}"
read -ra THREADS <<<"${SERVER_BENCH_THREADS:-1 2}"
read -ra SIZES <<<"${SERVER_BENCH_SIZES:-64 512}"
RATE="${SERVER_BENCH_RATE:-200000}"
PORT=9000
NS_A="xdpsv$$a"
NS_B="xdpsv$$b"

die() { echo "bench/server: $*" >&2; exit 1; }
log() { echo "bench/server: $*" >&2; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, XDP)"
[[ "$D" =~ ^[0-9]+$ ]] && [ "$D" -ge 3 ] || die "SERVER_BENCH_SECONDS must be an integer >= 3"
[[ "$RATE" =~ ^[1-9][0-9]*$ ]] || die "SERVER_BENCH_RATE must be a positive integer"
[ -x "$XDPERF" ] || die "$XDPERF is not built (run make)"
for c in ip python3 timeout; do command -v $c >/dev/null || die "$c is not installed"; done
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash 5 (\$EPOCHREALTIME)"
mkdir -p "$OUT"
TMP="$(mktemp -d)"

SRV_PID=
cleanup() {
  [ -n "$SRV_PID" ] && kill -INT "$SRV_PID" 2>/dev/null
  local j
  for j in $(jobs -p); do kill "$j" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$NS_A" 2>/dev/null
  ip netns del "$NS_B" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- namespaces (as tests/lib/netns.sh: one queue per CPU, no IPv6 chatter) -----------------
ip netns add "$NS_A" && ip netns add "$NS_B" || die "cannot create network namespaces"
for ns in "$NS_A" "$NS_B"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
done
Q=$(nproc)
ip -n "$NS_A" link add veth0 address 02:00:00:00:00:01 numtxqueues "$Q" numrxqueues "$Q" type veth \
  peer name veth1 address 02:00:00:00:00:02 numtxqueues "$Q" numrxqueues "$Q" netns "$NS_B" \
  || die "cannot create the veth pair"
ip -n "$NS_A" link set veth0 up
ip -n "$NS_B" link set veth1 up

# ---- templates: UDP to port 9000; 70 B is the smallest frame a stamp fits in ---------------
tsize() { if [ "$2" = 1 ] && [ "$1" -lt 70 ]; then echo 70; else echo "$1"; fi; }
for size in "${SIZES[@]}"; do
  for st in 0 1; do
    s=$(tsize "$size" $st)
    [ -f "$TMP/t$s.json" ] && continue
    python3 "$REPO/tests/lib/mktmpl.py" --frame udp4 --len "$s" --dport $PORT >"$TMP/t$s.json" \
      || die "cannot write the $s B template"
  done
done

# ---- the generator's mode: XDP unless this kernel refuses live frames --------------------
GEN_MODE="${SERVER_BENCH_GEN_MODE:-}"
GEN_NOTE=
case "$GEN_MODE" in
  xdp|afpacket) ;;
  "")
    GEN_MODE=xdp
    if ! ip netns exec "$NS_A" "$XDPERF" -d veth0 --mode xdp --templates "$TMP/t$(tsize "${SIZES[0]}" 0).json" \
        -c 1 -q --stall-timeout 1 >/dev/null 2>"$TMP/probe.err"; then
      grep -q "does not let this process send XDP live frames" "$TMP/probe.err" ||
        die "the XDP generator failed: $(head -1 "$TMP/probe.err")"
      GEN_MODE=afpacket
      GEN_NOTE="; this kernel refuses XDP live frames, so the generator sends over AF_PACKET"
      log "$(head -1 "$TMP/probe.err"): the generator sends over AF_PACKET"
    fi ;;
  *) die "SERVER_BENCH_GEN_MODE must be xdp or afpacket" ;;
esac

now() { echo "${EPOCHREALTIME/[.,]/.}"; }

# run_one KEY SIZE STAMP THREADS [RATE]: one server + generator run; sets R[KEY,field]
declare -A R
run_one() {
  local key=$1 size=$2 stamp=$3 thr=$4 rate=${5:-}
  local fs; fs=$(tsize "$size" "$stamp")
  local sflag=(); [ "$stamp" = 1 ] && sflag=(--stamp)
  local rflag=(); [ -n "$rate" ] && rflag=(-r "$rate")
  local srv_out="$TMP/srv.out" srv_err="$TMP/srv.err" gen_out="$TMP/gen.out" gen_err="$TMP/gen.err"
  rm -f "$srv_out" "$srv_err" "$TMP/srv.rc"
  # the server; its stderr lines get the wall-clock time they arrived at
  (
    sh -c 'echo $$ > "$0"; exec "$@"' "$TMP/srv.pid" ip netns exec "$NS_B" timeout -s INT $((D + 20)) \
      "$XDPERF" --server -d veth1 --mode xdp --port $PORT "${sflag[@]}" --json -t "$D" \
      >"$srv_out" 2> >(while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done >"$srv_err")
    echo $? >"$TMP/srv.rc"
  ) &
  local _
  for _ in $(seq 200); do
    grep -q "xdperf: server on" "$srv_err" 2>/dev/null && break
    [ -e "$TMP/srv.rc" ] && break
    sleep 0.05
  done
  SRV_PID=$(cat "$TMP/srv.pid" 2>/dev/null)
  if ! grep -q "xdperf: server on" "$srv_err" 2>/dev/null; then
    log "$key: the server did not start: $(cut -d' ' -f2- "$srv_err" 2>/dev/null | head -3 | tr '\n' ' ')"
    wait; SRV_PID=; R[$key,fail]=1; return 1
  fi
  local t0 t1 rc
  t0=$(now)
  ip netns exec "$NS_A" timeout -s INT $((D + 20)) "$XDPERF" -d veth0 --mode "$GEN_MODE" \
    --templates "$TMP/t$fs.json" -c 0 -t $((D - 1)) "${rflag[@]}" "${sflag[@]}" -l "$thr" -q --json \
    >"$gen_out" 2>"$gen_err"; rc=$?
  t1=$(now)
  wait; SRV_PID=
  local src; src=$(cat "$TMP/srv.rc" 2>/dev/null)
  if [ "$rc" != 0 ] || [ "$src" != 0 ]; then
    log "$key: generator exit $rc, server exit ${src:-?}: $(head -3 "$gen_err" | tr '\n' ' ') $(cut -d' ' -f2- "$srv_err" | grep -v 'rx/s\|server on' | head -3 | tr '\n' ' ')"
    R[$key,fail]=1; return 1
  fi
  local line
  line=$(python3 - "$gen_out" "$srv_out" "$srv_err" "$t0" "$t1" <<'EOF'
import json, statistics, sys
g = json.loads(open(sys.argv[1]).readline())
s = json.loads(open(sys.argv[2]).readline())
t0, t1 = float(sys.argv[4]), float(sys.argv[5])
# per-second lines "<arrival> <t>s  <pps> rx/s  ..." : a line covers the second before its
# arrival; full seconds: after the first second with traffic, over before the generator exited
secs, seen = [], False
for l in open(sys.argv[3]):
    f = l.split()
    if len(f) < 4 or f[3] != "rx/s" or not f[1].endswith("s"):
        continue
    ts, pps = float(f[0]), float(f[2])
    if pps <= 0:
        continue
    if not seen:          # the second traffic started in
        seen = True
        continue
    if ts - 1 >= t0 and ts <= t1 - 0.05:
        secs.append(pps)
med = statistics.median(secs) if secs else s["packets"] / max(g["duration_s"], 1e-9)
tot = s.get("total", {})
print("%.0f %d %.0f %d %d %d %d %d %d %d %s" % (
    g["pps"], g["packets"], med, len(secs), s["packets"], s.get("stamped", 0), s.get("ring_full", 0),
    tot.get("lost", 0), s.get("unstamped", 0), g.get("errors", 0), "median" if secs else "average"))
EOF
) || { log "$key: cannot parse the outputs"; R[$key,fail]=1; return 1; }
  local gpps gpk rpps nsec rpk stamped rfull lost unst gerr how
  read -r gpps gpk rpps nsec rpk stamped rfull lost unst gerr how <<<"$line"
  R[$key,size]=$fs R[$key,thr]=$thr R[$key,gpps]=$gpps R[$key,gpk]=$gpk R[$key,rpps]=$rpps
  R[$key,nsec]=$nsec R[$key,rpk]=$rpk R[$key,stamped]=$stamped R[$key,rfull]=$rfull
  R[$key,lost]=$lost R[$key,unst]=$unst
  R[$key,rate_ratio]=$(awk -v a="$rpps" -v b="$gpps" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }')
  R[$key,pk_ratio]=$(awk -v a="$rpk" -v b="$gpk" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }')
  [ "$how" = median ] || log "$key: no full second with traffic, the rate is packets / generator duration"
  log "$(printf '%-14s %4s B %s thr: sent %s pps (%s), received %s pps (%s of %s s), %s packets%s' \
    "$key" "$fs" "$thr" "$gpps" "$gpk" "$rpps" "$how" "$nsec" "$rpk" \
    "$([ "$stamp" = 1 ] && echo ", stamped $stamped, ring_full $rfull, lost $lost, unstamped $unst")$([ "$gerr" != 0 ] && echo ", generator errors $gerr")")"
}

# ---- the runs -----------------------------------------------------------------------------------
KEYS=()
for size in "${SIZES[@]}"; do
  for thr in "${THREADS[@]}"; do
    for stamp in 0 1; do
      key="$([ $stamp = 1 ] && echo stamp || echo plain),$size,$thr"
      KEYS+=("$key")
      run_one "$key" "$size" "$stamp" "$thr"
    done
  done
done
san="paced"
run_one "$san" "${SIZES[0]}" 1 1 "$RATE"
sanity_ok=0
if [ -z "${R[$san,fail]:-}" ] && [ "${R[$san,lost]}" = 0 ] && [ "${R[$san,rfull]}" = 0 ] &&
   [ "${R[$san,rpk]}" = "${R[$san,gpk]}" ] && [ "${R[$san,stamped]}" = "${R[$san,gpk]}" ]; then
  sanity_ok=1
fi

# ---- report -------------------------------------------------------------------------------------
v() { if [ -n "${R[$1,fail]:-}" ]; then echo fail; else echo "${R[$1,$2]:-n/a}"; fi; }
st() { case "$1" in stamp*|paced) v "$1" "$2" ;; *) echo "-" ;; esac; }
mpps() { local x; x=$(v "$1" "$2"); [[ "$x" =~ ^[0-9]+$ ]] && awk -v x="$x" 'BEGIN { printf "%.3f", x / 1e6 }' || echo "$x"; }
label() { case "$1" in plain*) echo "no stamp" ;; stamp*) echo "--stamp" ;; paced) echo "--stamp, -r $RATE" ;; esac; }
size_of() { local s; s=$(v "$1" size); [ "$s" = fail ] && s=$(echo "$1" | cut -d, -f2); echo "$s"; }
thr_of() { case "$1" in paced) echo 1 ;; *) echo "$1" | cut -d, -f3 ;; esac; }

gen_name=XDP; [ "$GEN_MODE" = afpacket ] && gen_name=AF_PACKET
hdr="Server receive rate on a veth pair (XDP server on veth1, $gen_name generator on veth0$GEN_NOTE), $D s server"
hdr+=" / $((D - 1)) s generator per run ($(uname -m), $(nproc) CPUs, kernel $(uname -r), $(date -u +%Y-%m-%d))"
echo
echo "$hdr"
printf '%-20s %6s %4s %10s %10s %5s %8s %8s %10s %10s %6s\n' config "frame" thr "sent Mpps" "rcvd Mpps" secs \
  "rx/tx" "pkts" stamped ring_full lost
for k in "${KEYS[@]}" "$san"; do
  printf '%-20s %6s %4s %10s %10s %5s %8s %8s %10s %10s %6s\n' "$(label "$k")" "$(size_of "$k")" "$(thr_of "$k")" \
    "$(mpps "$k" gpps)" "$(mpps "$k" rpps)" "$(v "$k" nsec)" "$(v "$k" rate_ratio)" "$(v "$k" pk_ratio)" \
    "$(st "$k" stamped)" "$(st "$k" rfull)" "$(st "$k" lost)"
done
echo "rx/tx: received rate / sent rate; pkts: received / sent packets over the whole run;"
echo "secs: full seconds in the received median. Stamped rows at 64 B use 70 B frames (room for the trailer)."
if [ $sanity_ok = 1 ]; then
  echo "paced sanity run ($RATE pps, --stamp): all $(v $san gpk) frames received and analysed, lost 0: ok"
else
  echo "paced sanity run ($RATE pps, --stamp): FAILED (sent $(v $san gpk), received $(v $san rpk), stamped $(st $san stamped), ring_full $(st $san rfull), lost $(st $san lost))"
fi

{
  echo
  echo "Markdown:"
  echo
  echo "$hdr:"
  echo
  echo "| config | frame B | gen threads | sent Mpps (generator) | received Mpps (server, median/s) | received/sent rate | received/sent packets | stamped | ring_full | lost |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for k in "${KEYS[@]}" "$san"; do
    echo "| $(label "$k") | $(size_of "$k") | $(thr_of "$k") | $(mpps "$k" gpps) | $(mpps "$k" rpps) | $(v "$k" rate_ratio) | $(v "$k" pk_ratio) | $(st "$k" stamped) | $(st "$k" rfull) | $(st "$k" lost) |"
  done
  echo
  echo "- received: the median of the server's per-second counts over the full seconds the generator sent in"
  echo "- --stamp rows at 64 B use 70 B frames: the smallest UDP frame with room for the 28-byte trailer"
  echo "- ring_full: stamped frames counted by XDP but not analysed (user space fell behind)"
  if [ $sanity_ok = 1 ]; then
    echo "- paced sanity run ($RATE pps, --stamp): all frames received and analysed, lost 0"
  else
    echo "- paced sanity run ($RATE pps, --stamp): **FAILED**"
  fi
} | tee "$OUT/server.md"

fails=0
for k in "${KEYS[@]}"; do [ -n "${R[$k,fail]:-}" ] && fails=1; done
[ $fails = 0 ] || { log "a run failed (see above)"; exit 1; }
[ $sanity_ok = 1 ] || { log "the paced sanity run lost or skipped frames"; exit 1; }
exit 0

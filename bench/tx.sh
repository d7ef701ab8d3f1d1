#!/usr/bin/env bash
# Transmit-rate benchmark (`make bench` runs it after bench/run.sh; needs root).
#
# Sends Ethernet/IPv4/UDP frames of 64 and 1500 bytes with 1 and 2 sender threads on a veth
# pair between two namespaces created here (sender xdpfb<PID>tx:veth0, receiver
# xdpfb<PID>rx:veth1, two queues per end: one per CPU) and counts what arrives on veth1 with
# `xdperf count` (XDP, drops the frames). Senders: the bare BPF_PROG_RUN XDP_TX ceiling
# (bench/xdp_ceiling.c), xdperf in XDP mode with 1 and 1024 templates, xdperf in AF_PACKET
# mode, xdp-trafficgen and trafgen. Then, 64-byte frames only, the field engine and the
# template set features: xdperf with the flows plugin set to exactly 2 modifiers (source
# address and source port ranges, so an IPv4 and a UDP checksum update per packet) in XDP and
# AF_PACKET mode, an IMIX 7:4:1 (--imix simple: 64, 576 and 1500 bytes) from the one
# template, the one template sent while a loop swaps the templates file between two
# one-template sets and sends SIGHUP every 100 ms (hot swaps), and 70-byte frames with and
# without --stamp in both modes. Where the kernel refuses XDP live frames, the XDP rows and the
# ceiling are n/a, saying so. Prints a Markdown table of
# receiver-counted Mpps and the ratios the project tracks (IMIX also in Gbps, the hot swap row
# with its swap count; issue 23's targets with PASS or MISS), and writes the same to build/bench/tx.md. A sender that fails gets
# "fail" in its cells; the namespaces are always removed.
#
# Environment: BENCH_SECONDS (sender run time, default 2), BENCH_ROUNDS (rounds over all the
# senders, default 3; each cell is the median), BENCH_THREADS (sender thread counts, default
# "1 2"; on a bigger machine e.g. "1 2 4 8": the table gets a column per count and a scaling
# list per row), XDPERF (the binary), TX_ONLY (an
# extended regular expression: only the rows whose sender name matches run), TRAFGEN_OPTS,
# XDPERF_BASE (another xdperf binary, e.g. of an earlier commit: `git worktree add /tmp/base
# REV && make -C /tmp/base build/xdperf`; adds its "xdp, 1 template" and "1024 templates"
# rows, measured right after this build's in every round, and the new/base ratios).
set -uo pipefail
export LC_ALL=C

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$REPO/build/bench"
XDPERF="${XDPERF:-$REPO/build/xdperf}"
D="${BENCH_SECONDS:-2}"
ROUNDS="${BENCH_ROUNDS:-3}"
NS_TX="xdpfb$$tx"
NS_RX="xdpfb$$rx"
SIZES=(64 1500)
read -ra THREADS <<<"${BENCH_THREADS:-1 2}"
MAXTHR=1
for t in "${THREADS[@]}"; do
  [[ "$t" =~ ^[1-9][0-9]*$ ]] || { echo "bench/tx: BENCH_THREADS must list positive integers" >&2; exit 1; }
  [ "$t" -gt $MAXTHR ] && MAXTHR=$t
done

die() { echo "bench/tx: $*" >&2; exit 1; }
log() { echo "bench/tx: $*" >&2; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, XDP)"
[[ "$D" =~ ^[1-9][0-9]*$ ]] || die "BENCH_SECONDS must be a positive integer"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer"
[ -x "$XDPERF" ] || die "$XDPERF is not built (run make)"
for c in ip python3 clang gcc timeout; do command -v $c >/dev/null || die "$c is not installed"; done
mkdir -p "$OUT"
TMP="$(mktemp -d)"

COUNT_PID=
cleanup() {
  [ -n "$COUNT_PID" ] && kill -INT "$COUNT_PID" 2>/dev/null
  local j
  for j in $(jobs -p); do kill "$j" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$NS_TX" 2>/dev/null
  ip netns del "$NS_RX" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- namespaces ---------------------------------------------------------------------------------
ip netns add "$NS_TX" && ip netns add "$NS_RX" || die "cannot create network namespaces"
for ns in "$NS_TX" "$NS_RX"; do   # no IPv6 chatter (router solicitations, MLD) on the pair
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
done
# one queue per CPU (at least one per thread) at each end: veth picks the peer's receive ring by
# the sending CPU (XDP) or the skb's queue (AF_PACKET), so with one queue two sender threads
# overflow a single ring
Q=$(nproc); [ $MAXTHR -gt "$Q" ] && Q=$MAXTHR
ip -n "$NS_TX" link add veth0 address 02:00:00:00:00:01 numtxqueues $Q numrxqueues $Q type veth \
  peer name veth1 address 02:00:00:00:00:02 numtxqueues $Q numrxqueues $Q netns "$NS_RX" \
  || die "cannot create the veth pair"
ip -n "$NS_TX" link set lo up      # xdp_ceiling parks its program on the sender's lo
ip -n "$NS_TX" link set veth0 up
ip -n "$NS_RX" link set veth1 up

# ---- frames -------------------------------------------------------------------------------------
# For each size (and 70, the smallest frame with room for a stamp trailer, for the stamp rows):
# $TMP/tpl1-SIZE.json (1 template), $TMP/tpl1024-SIZE.json (UDP source ports 1000..2023) in the xdperf plugin response format, $TMP/tpl1b-SIZE.json (1 template, source
# port 1001: the other set of the hot swaps) and $TMP/trafgen-SIZE.cfg (the first frame).
python3 - "$TMP" "${SIZES[@]}" 70 <<'EOF' || die "frame generation failed"
import json, struct, sys

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def frame(size, sport):
    src, dst = bytes([10, 201, 0, 1]), bytes([10, 201, 0, 2])
    payload = bytes(i & 0xff for i in range(size - 14 - 20 - 8))
    ulen = 8 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0x4000, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", sport, 9, ulen, 0) + payload
    uc = csum(src + dst + struct.pack("!BBH", 0, 17, ulen) + udp) or 0xffff
    udp = udp[:6] + struct.pack("!H", uc) + udp[8:]
    eth = bytes.fromhex("020000000002" "020000000001" "0800")
    f = eth + ip + udp
    assert len(f) == size
    return f

tmp = sys.argv[1]
for size in map(int, sys.argv[2:]):
    for n in (1, 1024):
        tpl = [{"template": {"base_packet": {"data": frame(size, 1000 + i).hex(), "type": "hex"}}}
               for i in range(n)]
        json.dump(tpl, open("%s/tpl%d-%d.json" % (tmp, n, size), "w"))
    json.dump([{"template": {"base_packet": {"data": frame(size, 1001).hex(), "type": "hex"}}}],
              open("%s/tpl1b-%d.json" % (tmp, size), "w"))
    with open("%s/trafgen-%d.cfg" % (tmp, size), "w") as c:
        c.write("{\n" + ",\n".join(", ".join("0x%02x" % x for x in frame(size, 1000)[i:i + 16])
                                  for i in range(0, size, 16)) + "\n}\n")
EOF

# The flows plugin's configuration for the "2 modifiers + checksums" rows: a 64-byte frame
# (22 payload bytes) like the others, source address and source port ranges (one modifier
# each), destination fixed (no modifier); the plugin always keeps the IPv4 and UDP checksums.
cat >"$TMP/flows2.json" <<'EOF'
{"src_ip": "10.201.1.1-10.201.255.254", "dst_ip": "10.201.0.2", "src_port": "1024-65535",
 "dst_port": 9, "payload_size": 22, "src_mac": "02:00:00:00:00:01", "dst_mac": "02:00:00:00:00:02"}
EOF

# $TMP/hotswap.sh SECONDS SET_A SET_B CUR CMD...: runs CMD (an xdperf that sends --templates
# CUR for SECONDS) in the background and, every 100 ms while it sends, moves the other set
# into CUR and sends it SIGHUP (a reload and swap of its templates); passes on CMD's output
# and exit status. SIGHUP would end xdperf before it has set up its reloader (which blocks
# SIGHUP), so the loop starts once /proc shows SIGHUP blocked, and it stops 200 ms before the
# run's end: xdperf unblocks SIGHUP again before printing its summary.
cat >"$TMP/hotswap.sh" <<'EOF'
#!/usr/bin/env bash
secs=$1 a=$2 b=$3 cur=$4; shift 4
cp "$a" "$cur" || exit 1
"$@" &
pid=$!
(   # guard against a run that hangs
  trap 'kill $s 2>/dev/null; exit 0' TERM
  sleep $((secs + 20)) & s=$!
  wait $s && kill -INT $pid 2>/dev/null
) &
guard=$!
while kill -0 $pid 2>/dev/null; do
  blk=$(sed -n 's/^SigBlk:[[:space:]]*//p' /proc/$pid/status 2>/dev/null)
  [ -n "$blk" ] && (( 0x$blk & 1 )) && break
  sleep 0.01
done
t0=${EPOCHREALTIME/[.,]/}
end=$((t0 + secs * 1000000 - 200000))
n=0
while kill -0 $pid 2>/dev/null; do
  n=$((n + 1))
  wait_us=$((t0 + n * 100000 - ${EPOCHREALTIME/[.,]/}))   # on a 100 ms grid from t0
  [ $wait_us -gt 0 ] && sleep "$(printf '0.%06d' $wait_us)"
  [ ${EPOCHREALTIME/[.,]/} -lt $end ] || break
  if [ $((n % 2)) = 1 ]; then cp "$b" "$cur.new"; else cp "$a" "$cur.new"; fi
  mv -f "$cur.new" "$cur"
  kill -HUP $pid 2>/dev/null
done
wait $pid; rc=$?
kill $guard 2>/dev/null
exit $rc
EOF
chmod +x "$TMP/hotswap.sh"

# ---- the ceiling program ------------------------------------------------------------------------
CEILING=
if clang -O2 -g -target bpf -I/usr/include/"$(gcc -dumpmachine)" -c "$REPO/bench/ceiling.bpf.c" \
     -o "$OUT/ceiling.bpf.o" 2>"$TMP/ceiling.build" &&
   gcc -O2 -Wall -Wextra -Werror "$REPO/bench/xdp_ceiling.c" -lbpf -lpthread -o "$OUT/xdp_ceiling" \
     2>>"$TMP/ceiling.build"; then
  CEILING="$OUT/xdp_ceiling"
else
  log "cannot build the ceiling sender: $(head -3 "$TMP/ceiling.build" | tr '\n' ' ')"
fi

# ---- measuring ----------------------------------------------------------------------------------
# Each run: attach the counter on veth1, run the sender for D seconds, detach the counter (so
# every frame the sender got out is counted), rate = received packets / D'. D' is the sender's
# own transmit time where it reports one (xdperf's JSON duration_s, which leaves out its
# start-up); for the other senders it is the wall time of the sender process, an upper bound
# of their sending time, so their rates are if anything a little low (their start-up and exit
# take a few ms, under 1% of D). A window inside the run (sender first, counter later) is not
# possible here: until XDP is attached on veth1, veth refuses the XDP senders' frames.
# Reading the counter's map in the middle of a run would depend on xdperf's internals.

count_start() {   # attaches `xdperf count` on veth1; returns once it counts (at most 10 s)
  rm -f "$TMP/count.out" "$TMP/count.err"
  ip netns exec "$NS_RX" "$XDPERF" count -d veth1 >"$TMP/count.out" 2>"$TMP/count.err" &
  COUNT_PID=$!
  for _ in $(seq 100); do
    grep -q "counting on" "$TMP/count.err" 2>/dev/null && return 0
    kill -0 "$COUNT_PID" 2>/dev/null || break
    sleep 0.1
  done
  log "xdperf count did not start: $(head -2 "$TMP/count.err" | tr '\n' ' ')"
  kill -INT "$COUNT_PID" 2>/dev/null; wait "$COUNT_PID" 2>/dev/null; COUNT_PID=
  return 1
}

count_stop() {    # SIGINT to the counter; sets RX to the packets it counted (not in $(...): it waits)
  kill -INT "$COUNT_PID" 2>/dev/null
  wait "$COUNT_PID"; local rc=$?
  COUNT_PID=
  local n b
  n="$(sed -n 's/^packets \([0-9]*\) bytes [0-9]*$/\1/p' "$TMP/count.out")"
  b="$(sed -n 's/^packets [0-9]* bytes \([0-9]*\)$/\1/p' "$TMP/count.out")"
  if [ $rc != 0 ] || [ -z "$n" ]; then
    log "xdperf count failed (exit $rc): $(head -2 "$TMP/count.err" | tr '\n' ' ')"
    return 1
  fi
  RX=$n RXB=${b:-0}
}

now_us() { echo "${EPOCHREALTIME/[.,]/}"; }

declare -A CELL          # CELL[row,size,threads] = Mpps, "fail" or "n/a"
declare -A NOTE          # NOTE[row] = why a row is n/a
declare -A VALS          # VALS[row,size,threads] = the Mpps of each round
declare -A GVALS GCELL   # the same in Gbps (received frame bytes, FCS excluded)
declare -A SWVALS SWCELL # xdperf's template swaps in each round, and their median

median() {   # the median of the numbers in $1 (space separated)
  tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ a[NR] = $1 }
    END { print (NR % 2) ? a[(NR + 1) / 2] : sprintf("%.2f", (a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}

# measure ROW SIZE THREADS KIND CMD...: runs CMD in the sender namespace between count_start
# and count_stop and stores the receiver-counted Mpps in CELL. KIND: "xdperf" (reads its JSON
# summary from stdout: duration_s, and reports its errors) or "wall" (D' = process wall time;
# exit status 124 from `timeout -s INT` counts as success).
measure() {
  local row=$1 size=$2 thr=$3 kind=$4; shift 4
  local key="$row,$size,$thr" out="$TMP/sender.out" err="$TMP/sender.err"
  if [ -n "${TX_ONLY:-}" ] && ! [[ "$row" =~ $TX_ONLY ]]; then CELL[$key]=skipped; return 1; fi
  [ -n "${NOTE[$row]:-}" ] && return 1   # known not to run here
  [ -n "${VALS[$key]:-}" ] || CELL[$key]=fail
  count_start || return 1
  local t0 t1 rc
  t0=$(now_us)
  ip netns exec "$NS_TX" "$@" >"$out" 2>"$err"; rc=$?
  t1=$(now_us)
  count_stop || return 1
  local rx=$RX rxb=$RXB
  local secs sent="" extra="" swaps=""
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", (b - a) / 1e6 }')
  if [ "$kind" = xdperf ]; then
    local j
    j="$(python3 -c 'import json,sys
o = json.loads(sys.stdin.readline())
print(o["duration_s"], o["packets"], o["errors"], o.get("mode", ""), o.get("swaps", 0),
      o.get("error", "") or "-")' <"$out" 2>/dev/null)"
    if [ $rc != 0 ] && grep -q "does not let this process send XDP live frames" "$err"; then
      # every XDP sender (and the ceiling, the same BPF_PROG_RUN) is refused alike: say so once
      log "XDP live frames are refused by this kernel: the XDP rows are n/a ($(head -1 "$err"))"
      local r
      for r in "${ROWS[@]}"; do
        [[ "$r" = ceiling || "$r" == "xdperf xdp,"* ]] &&
          NOTE[$r]="this kernel refuses XDP live frames (BPF_PROG_RUN: EPERM)"
      done
      return 1
    fi
    if [ $rc != 0 ] || [ -z "$j" ]; then
      log "$row $size B $thr thr: xdperf failed (exit $rc): $(head -3 "$err" | tr '\n' ' ')"
      return 1
    fi
    local errs mode emsg
    read -r secs sent errs mode swaps emsg <<<"$j"
    extra=" mode $mode, errors $errs"
    [ "$swaps" != 0 ] && extra+=", $swaps template swaps"
    [ "$emsg" != - ] && extra+=", error: $emsg"
  elif [ $rc != 0 ] && [ $rc != 124 ]; then
    log "$row $size B $thr thr: failed (exit $rc): $(grep -v '^$' "$err" | head -3 | tr '\n' ' ')"
    return 1
  fi
  # xdp_ceiling prints its own rate (frames handed to the kernel per second)
  [ "$row" = ceiling ] && extra=" its own count: $(head -1 "$out") pps"
  [ -n "$sent" ] || sent=$(cat "$out" "$err" | sed -n 's/^[[:space:]]*\([0-9]*\) packets outgoing.*/\1/p' | tail -1)
  if [ "$rx" = 0 ]; then
    log "$row $size B $thr thr: nothing arrived on veth1"
    [ -n "${VALS[$key]:-}" ] || CELL[$key]=fail
    return 1
  fi
  local v
  v=$(awk -v n="$rx" -v s="$secs" 'BEGIN { printf "%.2f", n / s / 1e6 }')
  VALS[$key]+="$v "
  # the cell is the median over the rounds so far (rounds interleave the senders)
  CELL[$key]=$(median "${VALS[$key]}")
  GVALS[$key]+="$(awk -v n="$rxb" -v s="$secs" 'BEGIN { printf "%.2f", n * 8 / s / 1e9 }') "
  GCELL[$key]=$(median "${GVALS[$key]}")
  if [ -n "$swaps" ]; then SWVALS[$key]+="$swaps "; SWCELL[$key]=$(median "${SWVALS[$key]}"); fi
  if [ -n "$sent" ]; then
    [ "$sent" != "$rx" ] && extra=" NOT RECEIVED $((sent - rx));$extra"
    extra=" sent $sent;$extra"
  fi
  log "$(printf '%-28s %4s B %s thr: %s Mpps  (received %s in %.3f s;%s)' \
    "$row" "$size" "$thr" "${CELL[$key]}" "$rx" "$secs" "$extra")"
}

# ---- the senders --------------------------------------------------------------------------------
ROWS=("ceiling" "xdperf xdp, 1 template" "xdperf xdp, 1024 templates"
      "xdperf xdp, 2 modifiers + checksums" "xdperf xdp, IMIX 7:4:1" "xdperf xdp, hot swaps every 100 ms"
      "xdperf xdp, 70 B" "xdperf xdp, 70 B, --stamp"
      "xdperf afpacket, 1 template" "xdperf afpacket, 2 modifiers + checksums"
      "xdperf afpacket, 70 B" "xdperf afpacket, 70 B, --stamp"
      "xdp-trafficgen" "trafgen")
if [ -n "${XDPERF_BASE:-}" ]; then
  [ -x "$XDPERF_BASE" ] || die "XDPERF_BASE=$XDPERF_BASE is not an executable"
  ROWS=("${ROWS[0]}" "${ROWS[1]}" "${ROWS[1]} (base)" "${ROWS[2]}" "${ROWS[2]} (base)" "${ROWS[@]:3}")
fi
NEW_SIZE=64        # the size the field engine and template set rows are measured at
TMO=$((D + 20))    # guard against a sender that does not stop by itself

# xdp-trafficgen 1.3.1 sends fixed 64-byte UDP frames (no size option) and stops on SIGINT.
XTG_SIZE=64
xtg_ok=1
if ! command -v xdp-trafficgen >/dev/null; then
  xtg_ok=0; NOTE[xdp-trafficgen]="xdp-trafficgen is not installed (package xdp-tools)"
fi

# trafgen options: its default TX_RING (mmap) path with the qdisc bypass is its fastest path
# ("-t 0" switches to sendto(2): about the same with 1 process, no gain from 2; "-q", the qdisc
# path, is slower and can fail with "Flushing TX_RING failed"); a larger ring (-S 8MiB, 64MiB)
# changed nothing. -H (its workers run SCHED_FIFO, priority 99; the kernel's RT throttling
# still leaves 5% to others) about doubles its rate on this veth pair, so it is used, although
# xdperf runs at normal priority. --no-sock-mem and --notouch-irq keep it from retuning the host's socket memory
# sysctls and IRQ affinities (long forms: 0.6.8's getopt string lacks -A), --no-cpu-stats
# drops its CPU statistics. TRAFGEN_OPTS overrides all of them (for trying others).
read -ra TRAFGEN_OPTS <<<"${TRAFGEN_OPTS:--H --no-sock-mem --notouch-irq --no-cpu-stats}"

for round in $(seq "$ROUNDS"); do
log "==== round $round of $ROUNDS"
for size in "${SIZES[@]}"; do
  for thr in "${THREADS[@]}"; do
    log "---- $size B, $thr thread(s), $D s per sender"
    if [ -n "$CEILING" ]; then
      measure ceiling "$size" "$thr" wall \
        timeout -s INT $TMO "$CEILING" "$OUT/ceiling.bpf.o" veth0 "$size" "$thr" "$D"
    fi
    for n in 1 1024; do
      row="xdperf xdp, $n template"; [ $n = 1 ] || row+=s
      # with a base build: this build and the base in turn, the base first every other round
      for who in this base; do
        [ -n "${XDPERF_BASE:-}" ] && [ $((round % 2)) = 0 ] && who=$([ $who = this ] && echo base || echo this)
        if [ $who = this ]; then
          measure "$row" "$size" "$thr" xdperf timeout -s INT $TMO "$XDPERF" --templates "$TMP/tpl$n-$size.json" \
            -d veth0 --mode xdp -c 0 -t "$D" -l "$thr" --json -q
        elif [ -n "${XDPERF_BASE:-}" ]; then
          measure "$row (base)" "$size" "$thr" xdperf timeout -s INT $TMO "$XDPERF_BASE" \
            --templates "$TMP/tpl$n-$size.json" -d veth0 --mode xdp -c 0 -t "$D" -l "$thr" --json -q
        fi
      done
    done
    if [ "$size" = $NEW_SIZE ]; then
      measure "xdperf xdp, 2 modifiers + checksums" "$size" "$thr" xdperf timeout -s INT $TMO \
        "$XDPERF" -p flows --cfg "$TMP/flows2.json" -d veth0 --mode xdp -c 0 -t "$D" -l "$thr" --json -q
      measure "xdperf xdp, IMIX 7:4:1" "$size" "$thr" xdperf timeout -s INT $TMO "$XDPERF" \
        --templates "$TMP/tpl1-$size.json" --imix simple -d veth0 --mode xdp -c 0 -t "$D" -l "$thr" \
        --json -q
      measure "xdperf xdp, hot swaps every 100 ms" "$size" "$thr" xdperf "$TMP/hotswap.sh" "$D" \
        "$TMP/tpl1-$size.json" "$TMP/tpl1b-$size.json" "$TMP/swap.json" "$XDPERF" \
        --templates "$TMP/swap.json" -d veth0 --mode xdp -c 0 -t "$D" -l "$thr" --json -q
      # stamps: 70-byte frames (the trailer needs 28 payload bytes), with and without --stamp
      for st in "" --stamp; do
        for m in xdp afpacket; do
          measure "xdperf $m, 70 B${st:+, $st}" "$size" "$thr" xdperf timeout -s INT $TMO "$XDPERF" \
            --templates "$TMP/tpl1-70.json" $st -d veth0 --mode $m -c 0 -t "$D" -l "$thr" --json -q
        done
      done
    fi
    measure "xdperf afpacket, 1 template" "$size" "$thr" xdperf timeout -s INT $TMO "$XDPERF" \
      --templates "$TMP/tpl1-$size.json" -d veth0 --mode afpacket -c 0 -t "$D" -l "$thr" --json -q
    if [ "$size" = $NEW_SIZE ]; then
      measure "xdperf afpacket, 2 modifiers + checksums" "$size" "$thr" xdperf timeout -s INT $TMO \
        "$XDPERF" -p flows --cfg "$TMP/flows2.json" -d veth0 --mode afpacket -c 0 -t "$D" -l "$thr" \
        --json -q
    fi
    if [ $xtg_ok = 1 ] && [ "$size" = $XTG_SIZE ]; then
      measure xdp-trafficgen "$size" "$thr" wall timeout -s INT "$D" xdp-trafficgen udp -t "$thr" \
        -m 02:00:00:00:00:02 -M 02:00:00:00:00:01 -A 10.201.0.1 -a 10.201.0.2 -P 1000 -p 9 veth0
      if [ "${CELL[xdp-trafficgen,$size,$thr]}" = fail ]; then
        # a loader failure is the same for every run: give the row one reason and stop trying
        # its last line, plus libbpf's first "failed to find" (the missing kernel object)
        reason="$(grep -v '^ *$' "$TMP/sender.err" | tail -1 | sed 's/^ *//')"
        lib="$(grep -m1 'failed to find' "$TMP/sender.err" | sed 's/^ *//')"
        [ -n "$lib" ] && reason+=" ($lib)"
        if ! grep -q "packets outgoing\|pkts" "$TMP/sender.err"; then
          xtg_ok=0; NOTE[xdp-trafficgen]="xdp-trafficgen: ${reason:-failed without a message}"
          log "xdp-trafficgen row n/a: ${NOTE[xdp-trafficgen]}"
        fi
      fi
    elif [ $xtg_ok = 1 ]; then
      CELL[xdp-trafficgen,$size,$thr]="n/a"
    fi
    if command -v trafgen >/dev/null; then
      measure trafgen "$size" "$thr" wall timeout -s INT "$D" trafgen --dev veth0 \
        --conf "$TMP/trafgen-$size.cfg" --cpus "$thr" "${TRAFGEN_OPTS[@]}"
    fi
  done
done
done
command -v trafgen >/dev/null || NOTE[trafgen]="trafgen is not installed (package netsniff-ng)"
[ -n "$CEILING" ] || NOTE[ceiling]="bench/xdp_ceiling did not build"

# ---- report -------------------------------------------------------------------------------------
cell() {   # a row with a NOTE did not run at all: n/a
  if [ -n "${NOTE[$1]:-}" ]; then echo "n/a"; else echo "${CELL[$1,$2,$3]:-n/a}"; fi
}
ratio() {   # ratio ROW_A ROW_B THREADS: A/B at 64 B, or n/a
  local a b; a=$(cell "$1" 64 "$3"); b=$(cell "$2" 64 "$3")
  if [[ "$a" =~ ^[0-9.]+$ && "$b" =~ ^[0-9.]+$ ]] && awk -v b="$b" 'BEGIN { exit !(b > 0) }'; then
    awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }'
  else
    echo "n/a"
  fi
}
target_line() {   # target_line LABEL ROW_A ROW_B TARGET: A/B at 64 B against A/B >= TARGET
  local why="" r out="- $1 (64 B column; issue 23's target >= $4):"
  for r in "$2" "$3"; do [ -n "${NOTE[$r]:-}" ] && why="${NOTE[$r]}"; done
  if [ -n "$why" ]; then echo "$out not measured here: $why"; return; fi
  local thr v
  for thr in "${THREADS[@]}"; do
    v=$(ratio "$2" "$3" "$thr")
    if [ "$v" = n/a ]; then out+=" $thr thr n/a;"
    else out+=" $thr thr $v $(awk -v v="$v" -v t="$4" 'BEGIN { print (v >= t) ? "PASS" : "MISS" }');"
    fi
  done
  echo "${out%;}"
}
ratio_line() {   # ratio_line LABEL ROW_A ROW_B
  local why="" r
  for r in "$2" "$3"; do [ -n "${NOTE[$r]:-}" ] && why="${NOTE[$r]}"; done
  if [ -n "$why" ]; then
    echo "- $1 (64 B): n/a: $why"
  else
    local out="- $1 (64 B):" thr
    for thr in "${THREADS[@]}"; do out+=" $thr thr $(ratio "$2" "$3" "$thr"),"; done
    echo "${out%,}"
  fi
}

{
  echo "Transmit rate on a veth pair, receiver-counted (XDP drop on the peer), Mpps, $D s per run"
  echo "($(uname -m), $(nproc) CPUs, kernel $(uname -r), $(date -u +%Y-%m-%d)):"
  echo
  hdr="| sender" sep="|---"
  for size in "${SIZES[@]}"; do for thr in "${THREADS[@]}"; do
    hdr+=" | $size B, $thr thr"; sep+="|---:"
  done; done
  echo "$hdr |"
  echo "$sep|"
  for row in "${ROWS[@]}"; do
    line="| $row"
    for size in "${SIZES[@]}"; do for thr in "${THREADS[@]}"; do
      line+=" | $(cell "$row" "$size" "$thr")"
    done; done
    echo "$line |"
  done
  echo
  ratio_line "xdp 1 template / ceiling" "xdperf xdp, 1 template" ceiling
  if [ -n "${XDPERF_BASE:-}" ]; then
    ratio_line "xdp 1 template, this build / base" "xdperf xdp, 1 template" "xdperf xdp, 1 template (base)"
    ratio_line "xdp 1024 templates, this build / base" "xdperf xdp, 1024 templates" \
      "xdperf xdp, 1024 templates (base)"
  fi
  ratio_line "xdp 1024 templates / xdp-trafficgen" "xdperf xdp, 1024 templates" xdp-trafficgen
  target_line "xdp 1024 templates / xdp 1 template" "xdperf xdp, 1024 templates" \
    "xdperf xdp, 1 template" 0.97
  target_line "xdp stamped / unstamped (70 B frames)" "xdperf xdp, 70 B, --stamp" "xdperf xdp, 70 B" 0.90
  target_line "afpacket stamped / unstamped (70 B frames)" "xdperf afpacket, 70 B, --stamp" \
    "xdperf afpacket, 70 B" 0.90
  ratio_line "afpacket / trafgen" "xdperf afpacket, 1 template" trafgen
  target_line "xdp 2 modifiers + checksums / xdp 1 template" \
    "xdperf xdp, 2 modifiers + checksums" "xdperf xdp, 1 template" 0.90
  ratio_line "afpacket 2 modifiers + checksums / afpacket 1 template" \
    "xdperf afpacket, 2 modifiers + checksums" "xdperf afpacket, 1 template"
  imix="xdperf xdp, IMIX 7:4:1"
  line="- IMIX 7:4:1 (64, 576, 1500 B; average 354.3 B), in Gbps of frame bytes:"
  for thr in "${THREADS[@]}"; do line+=" $thr thr ${GCELL[$imix,64,$thr]:-n/a},"; done
  echo "${line%,}"
  ratio_line "IMIX / xdp-trafficgen" "$imix" xdp-trafficgen
  ratio_line "IMIX / ceiling, in packets" "$imix" ceiling
  target_line "IMIX / xdp 1 template, in packets" "$imix" "xdperf xdp, 1 template" 0.90
  hs="xdperf xdp, hot swaps every 100 ms"
  line="- hot swaps: template swaps per run (median):"
  for thr in "${THREADS[@]}"; do line+=" $thr thr ${SWCELL[$hs,64,$thr]:-n/a},"; done
  echo "${line%,}"
  # scaling: each row's rate with N threads over its rate with the fewest, and the cost per
  # frame on one core (the fewest threads' CPU count / rate)
  t0=${THREADS[0]}
  if [ ${#THREADS[@]} -gt 1 ]; then
    echo "- scaling at 64 B (rate with N threads / rate with $t0; ns per frame per sender core with $t0):"
    for row in "${ROWS[@]}"; do
      b=$(cell "$row" 64 "$t0")
      [[ "$b" =~ ^[0-9.]+$ ]] || continue
      line="  - $row: $(awk -v r="$b" -v t="$t0" 'BEGIN { printf "%.0f ns", t * 1e3 / r }')"
      for thr in "${THREADS[@]:1}"; do
        a=$(cell "$row" 64 "$thr")
        [[ "$a" =~ ^[0-9.]+$ ]] && line+=", $thr thr $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2fx", a / b }')"
      done
      echo "$line"
    done
  fi
  ratio_line "hot swaps / xdp 1 template" "$hs" "xdperf xdp, 1 template"
  echo "- the 2 modifiers, IMIX, hot swap and 70 B rows are measured in the 64 B columns only" \
    "(IMIX: its mixed sizes; 70 B: 70-byte frames, the smallest a stamp trailer fits in)"
  [ -n "${NOTE[xdperf xdp, 1 template]:-}" ] &&
    echo "- the XDP rows and the ceiling: n/a: ${NOTE[xdperf xdp, 1 template]}"
  for row in ceiling trafgen; do   # (xdp-trafficgen's reason is in its ratio line)
    [ -n "${NOTE[$row]:-}" ] && [ "${NOTE[$row]}" != "${NOTE[xdperf xdp, 1 template]:-}" ] &&
      echo "- $row: n/a: ${NOTE[$row]}"
  done
  [ -z "${NOTE[xdp-trafficgen]:-}" ] && echo "- xdp-trafficgen 1500 B: n/a (1.3.1 has no frame size option)"
} | tee "$OUT/tx.md"
exit 0

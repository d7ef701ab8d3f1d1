#!/usr/bin/env bash
# Multi-stream (profile) transmit benchmark (`make bench` runs it after bench/tx.sh; needs root).
#
# What a profile costs against a single-set run of the same frames: on a veth pair between two
# namespaces created here (one queue per end), 64-byte UDP frames, 1 sender thread, in XDP
# and AF_PACKET mode, the receiver (`xdperf count`, XDP) counts what arrives from:
#   single      xdperf --templates T -c N            (the generator, one set)
#   1 stream    xdperf run: one unpaced stream of N
#   3 streams   xdperf run: three unpaced streams of N/3 (their frames interleaved per call)
#   3 + paced   xdperf run: one unpaced stream of N and two streams of 1000 pps running
#               alongside (calls then last about 0.5 ms, so the paced frames are not held up)
# Rate = received / the sender's own sending time (its JSON seconds); each cell is the median
# of BENCH_ROUNDS rounds (default 3). Prints a Markdown table with each row's ratio to
# "single" and writes it to build/bench/profile.md.
#
# Environment: BENCH_PACKETS (N, default 3000000), BENCH_ROUNDS, XDPERF (the binary).
set -uo pipefail
export LC_ALL=C
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$REPO/build/bench"
XDPERF="${XDPERF:-$REPO/build/xdperf}"
N="${BENCH_PACKETS:-3000000}"
ROUNDS="${BENCH_ROUNDS:-3}"
NS_TX="xdpfp$$tx"
NS_RX="xdpfp$$rx"
die() { echo "bench/profile: $*" >&2; exit 1; }
log() { echo "bench/profile: $*" >&2; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, XDP)"
[ -x "$XDPERF" ] || die "$XDPERF is not built (run make)"
mkdir -p "$OUT"
TMP="$(mktemp -d)"
COUNT_PID=
cleanup() {
	[ -n "$COUNT_PID" ] && kill -INT "$COUNT_PID" 2>/dev/null
	wait 2>/dev/null
	ip netns del "$NS_TX" 2>/dev/null
	ip netns del "$NS_RX" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS_TX" && ip netns add "$NS_RX" || die "cannot create network namespaces"
for ns in "$NS_TX" "$NS_RX"; do   # no IPv6 chatter (router solicitations, MLD) on the pair
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null
done
ip -n "$NS_TX" link add veth0 address 02:00:00:00:00:01 type veth peer name veth1 \
	address 02:00:00:00:00:02 netns "$NS_RX" || die "cannot create the veth pair"
ip -n "$NS_TX" link set lo up
ip -n "$NS_TX" link set veth0 up
ip -n "$NS_RX" link set veth1 up
python3 "$REPO/tests/lib/mktmpl.py" --frame udp4 --len 64 --dport 9 >"$TMP/t.json" ||
	die "cannot make the template"
third=$((N / 3))
cat >"$TMP/one.yaml" <<EOF
streams: [{name: a, templates: t.json, count: $N}]
EOF
cat >"$TMP/three.yaml" <<EOF
streams:
  - {name: a, templates: t.json, count: $third}
  - {name: b, templates: t.json, count: $third}
  - {name: c, templates: t.json, count: $((N - 2 * third))}
EOF
cat >"$TMP/paced.yaml" <<EOF
streams:
  - {name: bulk, templates: t.json, count: $N}
  - {name: p1, templates: t.json, rate: 1000, count: 2000}
  - {name: p2, templates: t.json, rate: 1000, count: 2000}
EOF

count_start() {
	rm -f "$TMP/count.out" "$TMP/count.err"
	ip netns exec "$NS_RX" "$XDPERF" count -d veth1 >"$TMP/count.out" 2>"$TMP/count.err" &
	COUNT_PID=$!
	for _ in $(seq 100); do
		grep -q "counting on" "$TMP/count.err" 2>/dev/null && return 0
		sleep 0.1
	done
	die "xdperf count did not start: $(cat "$TMP/count.err")"
}
count_stop() {
	kill -INT "$COUNT_PID" 2>/dev/null
	wait "$COUNT_PID"
	COUNT_PID=
	RX=$(sed -n 's/^packets \([0-9]*\) bytes.*/\1/p' "$TMP/count.out")
}

declare -A VALS
ROWS=("single" "1 stream" "3 streams" "3 + paced")
# measure ROW MODE CMD...: the sender's JSON gives its sending time (duration_s or seconds) and,
# for "3 + paced", the bulk stream's own time (its first to last frame): that row's rate is the
# unpaced stream's alone, the paced frames (2 x 1000/s) left out of the count
measure() {
	local row=$1 mode=$2; shift 2
	count_start
	(cd "$TMP" && ip netns exec "$NS_TX" "$@" --mode "$mode" -q --json) >"$TMP/s.json" 2>"$TMP/s.err"
	local rc=$?
	count_stop
	local v
	v=$(python3 - "$TMP/s.json" "$RX" "$row" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rx, row = int(sys.argv[2]), sys.argv[3]
if row == "3 + paced":
    s = d["streams"][0]
    secs = s["last_s"] - s["first_s"]
    rx = s["sent"]          # the receiver counted these and the paced ones; rate the bulk's
else:
    secs = d.get("duration_s", d.get("seconds"))
print(f"{rx / secs / 1e6:.2f}")
PY
) || { log "$row $mode: failed (exit $rc): $(head -2 "$TMP/s.err")"; return; }
	VALS[$row,$mode]+="$v "
	log "$(printf '%-10s %-9s %s Mpps (received %s)' "$row" "$mode" "$v" "$RX")"
}
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

for round in $(seq "$ROUNDS"); do
	for mode in xdp afpacket; do
		measure "single" $mode "$XDPERF" --templates t.json -d veth0 -c "$N"
		measure "1 stream" $mode "$XDPERF" run one.yaml -d veth0
		measure "3 streams" $mode "$XDPERF" run three.yaml -d veth0
		measure "3 + paced" $mode "$XDPERF" run paced.yaml -d veth0
	done
done

{
	echo "| 64 B, 1 thread | xdp Mpps | ratio | afpacket Mpps | ratio |"
	echo "|---|---|---|---|---|"
	for row in "${ROWS[@]}"; do
		line="| $row"
		for mode in xdp afpacket; do
			m=$(median "${VALS[$row,$mode]:-}")
			b=$(median "${VALS[single,$mode]:-}")
			r=$(awk -v a="$m" -v b="$b" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else print "-" }')
			line+=" | ${m:-fail} | $r"
		done
		echo "$line |"
	done
} | tee "$OUT/profile.md"

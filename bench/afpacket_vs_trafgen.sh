#!/usr/bin/env bash
# AF_PACKET backend vs trafgen (netsniff-ng) on a veth pair in two private namespaces:
# 64-byte frames, 1 and 2 sender threads, steady-state rate measured at the receiver
# (`xdperf count`, XDP drop on the peer) over SECS seconds after a 1 s warm-up, best of ROUNDS
# rounds (the senders alternate, so a busy machine hurts them alike). Needs root.
# Not part of `make bench` (yet). Environment: SECS (default 3), ROUNDS (default 5); XDPERF_AFPACKET=mmsg|ring picks
# the backend's send path per run.
set -euo pipefail
export LC_ALL=C
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export XDPERF="${XDPERF:-$REPO/build/xdperf}"
SECS="${SECS:-3}"
ROUNDS="${ROUNDS:-5}"
TMPDIR="$(mktemp -d)"
# shellcheck source=../tests/lib/netns.sh
. "$REPO/tests/lib/netns.sh"
netns_need_root
command -v trafgen >/dev/null || { echo "trafgen (netsniff-ng) is not installed"; exit 1; }
gcc -std=gnu11 -D_GNU_SOURCE -O2 -Iinclude -Isrc -I"$REPO/src" -I"$REPO/include" \
	"$REPO"/src/util/err.c "$REPO"/src/datapath/afpacket*.c "$REPO"/tests/unit/afpacket_test.c \
	-lpthread -o "$TMPDIR/afpacket_test"
NETNS_QUEUES=2 netns_pair_setup # a queue per sender thread
trap 'netns_cleanup; rm -rf "$TMPDIR"' EXIT

# CPU ticks (user + system) used so far by process $1, its threads and its children
ticks() {
	local t=0 p f
	for p in "$1" $(pgrep -P "$1" || true); do
		for f in /proc/"$p"/task/*/stat; do
			[ -r "$f" ] || continue
			# fields after the "(comm)": state is 3, utime 14, stime 15
			set -- $(sed 's/.*) //' "$f" 2>/dev/null)
			[ $# -ge 13 ] && t=$((t + ${12} + ${13}))
		done
	done
	echo "$t"
}

# rate SENDER-COMMAND...: starts the sender in ns A, counts SECS seconds at the receiver;
# prints "PPS PPS_PER_SENDER_CPU_SECOND"
rate() {
	ip netns exec "$NS_A" "$@" >"$TMPDIR/sender.out" 2>&1 &
	local pid=$!
	sleep 1
	local t0 t1 hz
	hz=$(getconf CLK_TCK)
	t0=$(ticks "$pid")
	rx_count_start "$NS_B" "$IF_B" --duration "$SECS" >/dev/null
	while [ ! -s "$RX_COUNT_OUT.rc" ]; do sleep 0.05; done
	t1=$(ticks "$pid")
	local r
	r="$(rx_count_stop)"
	pkill -INT -P "$pid" 2>/dev/null || true # trafgen's forked senders
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	local n=${r%% *}
	echo "$((n / SECS)) $((t1 > t0 ? n * hz / (t1 - t0) : 0))"
}

frame='{ 0x02,0,0,0,0,0x02, 0x02,0,0,0,0,0x01, 0x88,0xb5, fill(0x11, 50) }'
max() { [ "$1" -gt "$2" ] && echo "$1" || echo "$2"; }
for t in 1 2; do
	ba=0 br=0 bt=0
	for i in $(seq "$ROUNDS"); do
		a=$(XDPERF_AFPACKET=mmsg rate "$TMPDIR/afpacket_test" veth0 1000000000000 "$t" --bench)
		r=$(XDPERF_AFPACKET=ring rate "$TMPDIR/afpacket_test" veth0 1000000000000 "$t" --bench)
		b=$(rate trafgen --no-sock-mem -Q -C -P "$t" -o veth0 "$frame")
		echo "threads $t round $i: sendmmsg $a, tx ring $r, trafgen $b (pps, pps per sender CPU-s)"
		ba=$(max "${a% *}" "$ba") br=$(max "${r% *}" "$br") bt=$(max "${b% *}" "$bt")
	done
	echo "threads $t best of $ROUNDS: sendmmsg $ba pps, tx ring $br pps, trafgen $bt pps;" \
		"sendmmsg/trafgen $(echo "scale=2; $ba / $bt" | bc), ring/trafgen $(echo "scale=2; $br / $bt" | bc)"
done

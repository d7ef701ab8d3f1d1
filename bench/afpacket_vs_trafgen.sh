#!/usr/bin/env bash
# AF_PACKET backend vs trafgen (netsniff-ng) on a veth pair in two private namespaces:
# 64-byte frames, 1 and 2 sender threads, steady-state rate measured at the receiver
# (`xdperf count`, XDP drop on the peer) over SECS seconds after a 1 s warm-up. Needs root.
# Not part of `make bench` (yet). Environment: SECS (default 5), ROUNDS (default 3).
set -euo pipefail
export LC_ALL=C
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export XDPERF="${XDPERF:-$REPO/build/xdperf}"
SECS="${SECS:-5}"
ROUNDS="${ROUNDS:-3}"
TMPDIR="$(mktemp -d)"
# shellcheck source=../tests/lib/netns.sh
. "$REPO/tests/lib/netns.sh"
netns_need_root
command -v trafgen >/dev/null || { echo "trafgen (netsniff-ng) is not installed"; exit 1; }
gcc -std=gnu11 -D_GNU_SOURCE -O2 -Iinclude -Isrc -I"$REPO/src" -I"$REPO/include" \
	"$REPO"/src/util/err.c "$REPO"/src/datapath/afpacket.c "$REPO"/tests/unit/afpacket_test.c \
	-lpthread -o "$TMPDIR/afpacket_test"
netns_pair_setup
trap 'netns_cleanup; rm -rf "$TMPDIR"' EXIT

# rate SENDER-COMMAND...: starts the sender in ns A, counts SECS seconds at the receiver
rate() {
	ip netns exec "$NS_A" "$@" >"$TMPDIR/sender.out" 2>&1 &
	local pid=$!
	sleep 1
	rx_count_start "$NS_B" "$IF_B" --duration "$SECS" >/dev/null
	while [ ! -s "$RX_COUNT_OUT.rc" ]; do sleep 0.1; done
	local r
	r="$(rx_count_stop)"
	pkill -INT -P "$pid" 2>/dev/null || true # trafgen's forked senders
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	echo $(( ${r%% *} / SECS ))
}

frame='{ 0x02,0,0,0,0,0x02, 0x02,0,0,0,0,0x01, 0x88,0xb5, fill(0x11, 50) }'
for t in 1 2; do
	for i in $(seq "$ROUNDS"); do
		a=$(rate "$TMPDIR/afpacket_test" veth0 1000000000000 "$t" --bench)
		b=$(rate trafgen --no-sock-mem -Q -C -P "$t" -o veth0 "$frame")
		echo "threads $t round $i: afpacket $a pps, trafgen $b pps, ratio $(echo "scale=2; $a / $b" | bc)"
	done
done

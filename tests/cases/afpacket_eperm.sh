#!/usr/bin/env bash
# The AF_PACKET backend without CAP_NET_RAW: opening fails with -EPERM and one line saying so
# (run under capsh --drop=cap_net_raw inside a private namespace). Then, on both send paths
# (sendmmsg and the TX ring), its field engine (ports in order, checksums valid, captured on
# the peer) and hot swap (each set's frames exactly, in order, none mixed).
set -uo pipefail
cd "$REPO"
. tests/lib/netns.sh
netns_need_root
command -v capsh >/dev/null || { echo "capsh (libcap2-bin) is not installed"; exit 77; }
gcc -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -Iinclude -Isrc \
	-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	src/util/err.c src/packet/field.c src/packet/decode.c src/packet/layers.c src/packet/stamp.c \
	src/datapath/afpacket*.c src/datapath/frames.c src/datapath/link.c src/datapath/stall.c tests/unit/afpacket_test.c -lpthread \
	-o "$TMPDIR/afpacket_test" || { echo "FAIL: cannot build tests/unit/afpacket_test.c"; exit 1; }
set -e
netns_pair_setup
set +e
fail=0
out="$(ip netns exec "$NS_A" "$TMPDIR/afpacket_test" "$IF_A" --open 2>&1)"
[ "$out" = "open ok" ] || { echo "FAIL: with CAP_NET_RAW: $out"; fail=1; }
out="$(ip netns exec "$NS_A" capsh --drop=cap_net_raw -- -c "'$TMPDIR/afpacket_test' $IF_A --open" 2>&1)"
want="open failed (-1): afpacket: cannot open a packet socket on $IF_A: Operation not permitted (needs CAP_NET_RAW)"
[ "$out" = "$want" ] || { echo "FAIL: without CAP_NET_RAW: '$out', want '$want'"; fail=1; }
for mode in mmsg ring; do
	out="$(XDPERF_AFPACKET=$mode ip netns exec "$NS_A" "$TMPDIR/afpacket_test" "$IF_A" --fe "$NS_B" "$IF_B" 2>&1)"
	[ "$out" = "25 1500" ] || { echo "FAIL: $mode: field engine: $out"; fail=1; }
	out="$(XDPERF_AFPACKET=$mode ip netns exec "$NS_A" "$TMPDIR/afpacket_test" "$IF_A" --fe "$NS_B" "$IF_B" 20000 2>&1)"
	[ "$out" = "20000 1200000" ] || { echo "FAIL: $mode: field engine, 20000 frames: $(echo "$out" | head -5)"; fail=1; }
	# 100 x 60 + (67 x 98 + 33 x 150) + 50 x 1514 + 51 x 60 + (25 x 60 + 25 x 80)
	out="$(XDPERF_AFPACKET=$mode ip netns exec "$NS_A" "$TMPDIR/afpacket_test" "$IF_A" --swap "$NS_B" "$IF_B" 2>&1)"
	[ "$out" = "351 99776" ] || { echo "FAIL: $mode: swap: $out"; fail=1; }
done
exit $fail

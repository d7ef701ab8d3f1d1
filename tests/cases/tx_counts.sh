#!/usr/bin/env bash
# Device runs on a veth pair, on each backend this kernel sends with (XDP and AF_PACKET; only
# AF_PACKET where the kernel refuses XDP live frames, tests/lib/xdp_live.sh): exactly N frames
# and the exact byte total arrive (counted by an XDP program on the receiving end) for N = 1,
# 2047 and 1000001 with two sender threads, and the JSON summary says the same, its "mode" the
# backend asked for. Three templates of different lengths, so the byte total also checks the
# rotation of each thread. Then (either way) simpleudp straight onto the device in auto mode,
# a packet_count sum past 2^64 - 1 refused with nothing sent, no XDP program left on lo.
set -euo pipefail
. "$REPO/tests/lib/netns.sh"
. "$REPO/tests/lib/xdp_live.sh"
netns_need_root
netns_pair_setup
xdp_live_init
python3 "$REPO/tests/lib/mkframes.py" --lens 64,300,1514 > "$TMPDIR/t3.json"
lens=(64 300 1514)

# bytes sent by one thread that sends q frames rotating from template 0
thread_bytes() {
	local q=$1 full=$(( $1 / 3 )) rest=$(( $1 % 3 )) b i
	b=$(( full * (64 + 300 + 1514) ))
	for ((i = 0; i < rest; i++)); do b=$(( b + lens[i] )); done
	echo $b
}

fail=0
for mode in $TX_MODES; do
	for n in 1 2047 1000001; do
		rx_count_start "$NS_B" "$IF_B"
		json=$(ip netns exec "$NS_A" "$XDPERF" --templates "$TMPDIR/t3.json" -d "$IF_A" --mode $mode \
			-c $n -l 2 --json -q 2>"$TMPDIR/err") || { cat "$TMPDIR/err"; fail=1; }
		read -r pk by < <(rx_count_stop)
		q0=$(( (n + 1) / 2 )) q1=$(( n / 2 ))
		want_b=$(( $(thread_bytes $q0) + $(thread_bytes $q1) ))
		jp=$(jq -r .packets <<<"$json") jb=$(jq -r .bytes <<<"$json")
		je=$(jq -r .errors <<<"$json") jm=$(jq -r .mode <<<"$json")
		echo "$mode n=$n: received $pk packets $by bytes; summary $jp packets $jb bytes $je errors mode $jm (want $n / $want_b)"
		if [ "$pk" != "$n" ] || [ "$by" != "$want_b" ] || [ "$jp" != "$n" ] || [ "$jb" != "$want_b" ] ||
		   [ "$je" != 0 ] || [ "$jm" != "$mode" ]; then
			echo "FAIL: $mode n=$n"
			cat "$TMPDIR/err"
			fail=1
		fi
	done
done
# A generator plugin straight onto the device (ASan/UBSan build): simpleudp's 1066-byte frames,
# with the device's MAC as the source address.
rx_count_start "$NS_B" "$IF_B" --pass
ip netns exec "$NS_B" tcpdump -n -e -i "$IF_B" -c 1 -w "$TMPDIR/one.pcap" udp 2>"$TMPDIR/tcpdump.err" &
tp=$!
wait_line "$TMPDIR/tcpdump.err" "listening on" $tp 10 || { echo "FAIL: tcpdump did not start"; fail=1; }
json=$(ip netns exec "$NS_A" "$XDPERF_ASAN" -p simpleudp -d "$IF_A" -c 1000 -l 2 --json -q 2>"$TMPDIR/err") || { cat "$TMPDIR/err"; fail=1; }
for _ in $(seq 100); do kill -0 $tp 2>/dev/null || break; sleep 0.1; done # it stops at its frame
kill $tp 2>/dev/null || true
wait $tp || true
read -r pk by < <(rx_count_stop)
src=$(tcpdump -n -e -r "$TMPDIR/one.pcap" 2>/dev/null | awk '{print $2}')
echo "plugin simpleudp: received $pk packets $by bytes, source MAC $src; summary $(jq -c '{plugin,packets,bytes,mode}' <<<"$json")"
[ "$pk" = 1000 ] && [ "$by" = 1066000 ] && [ "$src" = "$MAC_A" ] && [ "$(jq -r .plugin <<<"$json")" = simpleudp ] ||
	{ echo "FAIL: plugin run"; fail=1; }

# packet_count values whose sum passes 2^64 - 1 ((2^63 - 1) x 2 + 3): one line, exit 1, nothing sent
python3 - "$TMPDIR/big.json" <<'PY'
import json, sys
f = "02000000000202000000000108004500001c000000004011000000000000000000000000000000000000"
t = lambda n: {"template": {"base_packet": {"data": f, "type": "hex"}}, "metadata": {"packet_count": n}}
json.dump([t(2**63 - 1), t(2**63 - 1), t(3)], open(sys.argv[1], "w"))
PY
rx_count_start "$NS_B" "$IF_B"
rc=0
ip netns exec "$NS_A" "$XDPERF" --templates "$TMPDIR/big.json" -d "$IF_A" -q >/dev/null 2>"$TMPDIR/err" || rc=$?
sleep 0.2
read -r pk _ < <(rx_count_stop)
echo "packet_count sum past 2^64 - 1: exit $rc, received $pk, stderr: $(cat "$TMPDIR/err")"
[ $rc = 1 ] && [ "$pk" = 0 ] && [ "$(wc -l <"$TMPDIR/err")" = 1 ] &&
	grep -q "packet_count values add up to more than 18446744073709551615 packets (template 2 overflows the sum)" "$TMPDIR/err" ||
	{ echo "FAIL: packet_count overflow on a device run"; fail=1; }

# The XDP program parked on the sender namespace's loopback is gone after the runs.
if ip -n "$NS_A" link show lo | grep -q xdp; then
	echo "FAIL: an XDP program is still attached to lo"
	fail=1
fi
exit $fail

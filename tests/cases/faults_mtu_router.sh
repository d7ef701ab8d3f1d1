#!/usr/bin/env bash
# Fault injection, an MTU mismatch behind a router (tests/lib/netns3.sh: A:veth0 -> R:r0, R:r1 ->
# B:veth1): the generator in A cannot see it (veth0 and its peer r0 have MTU 1500), so its IMIX
# (--imix 128:7,576:4,1500:1, 12000 frames, --stamp, don't-fragment set) goes out whole and the
# 1500-byte template never reaches the server in B (`xdperf --server --port 9000 --stamp
# --control`). Two places, each with --mode xdp and afpacket (one in text, one in --json; where
# the kernel refuses XDP live frames, tests/lib/xdp_live.sh, the XDP runs go over AF_PACKET with
# the same checks, the summary naming the mode used):
#  - router: the R-B link lowered to MTU 1000 (r1 and veth1: lowering only r1 would make B's
#    full-size TCP segments of the control connection vanish on their way into r1); R drops the
#    big frames (ICMP "fragmentation needed", R's Ip FragFails counter);
#  - server: only the server's veth1 lowered to 1000: R forwards the big frames, and the veth
#    drops them on their way into veth1 (r1's tx_dropped).
# Each run: exit 0 in bounded time (the report wait ends 0.5 s after the last arrival instead
# of waiting 10 s for frames that never come); per template, sent packets and bytes = a tshark
# count on R's r0 (frames by length), the server's received = a tshark count of R's r1 egress
# (router case) and the frames R dropped (FragFails) or the veth dropped (tx_dropped) = the
# 1500-byte template's lost = its sent (100%), the others lost 0; lost_vs_sent = that count;
# the server lists 2 streams. The text summary's template and stamps lines carry the same
# numbers.
set -uo pipefail
cd "$REPO"
. tests/lib/netns.sh
. tests/lib/netns3.sh
. tests/lib/xdp_live.sh
. tests/lib/faults.sh
faults_setup router tcpdump tshark jq python3
xdp_live_init
netns3_r_accept_xdp || { echo "FAIL: R cannot take XDP frames on r0"; exit 1; }

# one 128-byte IPv4/UDP frame A -> B:9000 through R (destination MAC = r0), don't fragment
python3 - "$MAC3_R0" "$MAC3_A" "$IP3_A" "$IP3_B" >"$T/t.json" <<'EOF'
import json, sys
sys.path.insert(0, "tests/lib")
from mktmpl import udp4_between
dmac, smac, sip, dip = sys.argv[1:5]
frame = udp4_between(dmac, smac, sip, dip, 128, 4000, 9000, df=True)
t = {"base_packet": {"data": frame.hex(), "type": "hex"},
     "checksums": [{"layer": "ipv4", "auto_update": True}, {"layer": "udp", "auto_update": True}]}
print(json.dumps([{"template": t, "metadata": {"packet_count": 0}}]))
EOF

ip netns exec "$NS3_B" "$XDPERF" --server -d "$IF3_B" --port 9000 --stamp --control "$IP3_B:7000" -q \
	>"$T/srv.out" 2>"$T/srv.err" &
SRV_PID=$!
wait_line "$T/srv.err" "control on" "$SRV_PID" 15 || { echo "FAIL: no server: $(cat "$T/srv.err")"; exit 1; }

fragfails() { ip netns exec "$NS3_R" awk '/^Ip:/ { n++; if (n == 1) for (i = 1; i <= NF; i++) k[i] = $i;
	else for (i = 1; i <= NF; i++) if (k[i] == "FragFails") print $i }' /proc/net/snmp; }
txdrop() { ip netns exec "$NS3_R" cat "/sys/class/net/$IF3_R1/statistics/tx_dropped"; }
LENS=(128 576 1500)

# CASE: where the MTU is lowered  backend  output
while read -r where mode out; do
	[ "$mode" = xdp ] && mode=$TX_MODE # AF_PACKET where XDP live frames are refused
	what="$where MTU 1000, $mode, $out"
	if [ "$where" = router ]; then
		ip -n "$NS3_R" link set "$IF3_R1" mtu 1000 && ip -n "$NS3_B" link set "$IF3_B" mtu 1000
	else
		ip -n "$NS3_R" link set "$IF3_R1" mtu 1500 && ip -n "$NS3_B" link set "$IF3_B" mtu 1000
	fi
	tcap_start "$T/r0.pcap" "$NS3_R" "$IF3_R0" in udp dst port 9000 || continue
	tcap_start "$T/r1.pcap" "$NS3_R" "$IF3_R1" out udp dst port 9000 || continue
	ff0=$(fragfails) td0=$(txdrop)
	json=()
	[ "$out" = json ] && json=(--json)
	t0=$(now)
	gen_bg gen "$NS3_A" --templates "$T/t.json" -d "$IF3_A" --imix 128:7,576:4,1500:1 -c 12000 \
		-r 20000 --mode "$mode" --stamp --server-addr "$IP3_B:7000" -q "${json[@]}"
	gen_wait 30
	timing "$what: start -> exit (the report wait ends on quiet)" "$(elapsed "$t0" "$GEN_END")" 8
	tcap_stop "$T/r0.pcap" "$T/r1.pcap"
	ff=$(($(fragfails) - ff0)) td=$(($(txdrop) - td0))
	eq "$what: exit status" "$GEN_RC" 0
	cap_intact "$T/r0.pcap"
	cap_intact "$T/r1.pcap"
	declare -A sent=() fwd=()
	while read -r len n; do sent[$len]=$n; done < <(cap_by "$T/r0.pcap" frame.len)
	while read -r len n; do fwd[$len]=$n; done < <(cap_by "$T/r1.pcap" frame.len)
	echo "  R: r0 took $(cap_by "$T/r0.pcap" frame.len | tr ' \n' ': ')r1 sent on" \
		"$(cap_by "$T/r1.pcap" frame.len | tr ' \n' ': ')FragFails +$ff, r1 tx_dropped +$td (length:frames)"
	eq "$what: lengths R got from A" "$(cap_by "$T/r0.pcap" frame.len | awk '{ printf "%s ", $1 }')" "128 576 1500 "
	big=${sent[1500]:-0}
	eq "$what: 1500-byte frames R got" "$big" 1000
	if [ "$where" = router ]; then
		eq "$what: frames R dropped for the MTU (FragFails) = the 1500-byte frames" "$ff" "$big"
		eq "$what: 1500-byte frames R forwarded" "${fwd[1500]:-0}" 0
		eq "$what: r1 tx_dropped" "$td" 0
	else
		eq "$what: 1500-byte frames R forwarded" "${fwd[1500]:-0}" "$big"
		eq "$what: frames the veth dropped on the way into veth1 (r1 tx_dropped)" "$td" "$big"
		eq "$what: FragFails" "$ff" 0
	fi
	if [ "$out" = json ]; then
		f="$T/gen.out"
		eq "$what: stderr" "$(cat "$T/gen.err")" ""
		for i in 0 1 2; do
			len=${LENS[$i]} n=${sent[${LENS[$i]}]:-0}
			# received: what R forwarded of that length, except what the veth dropped
			rcv=${fwd[$len]:-0}
			[ "$where" = server ] && [ "$len" = 1500 ] && rcv=$((rcv - td))
			eq "$what: template $i packets = r0's $len-byte frames" \
				"$(jf "$f" ".streams[] | select(.template == $i) | .packets")" "$n"
			eq "$what: template $i bytes" "$(jf "$f" ".streams[] | select(.template == $i) | .bytes")" $((n * len))
			eq "$what: template $i received = R's $len-byte frames that reached veth1" \
				"$(jf "$f" ".streams[] | select(.template == $i) | .received")" "$rcv"
			eq "$what: template $i lost" "$(jf "$f" ".streams[] | select(.template == $i) | .lost")" $((n - rcv))
		done
		eq "$what: packets" "$(jf "$f" .packets)" $((sent[128] + sent[576] + sent[1500]))
		eq "$what: bytes" "$(jf "$f" .bytes)" $((sent[128] * 128 + sent[576] * 576 + sent[1500] * 1500))
		eq "$what: server lost_vs_sent = the 1500-byte frames" "$(jf "$f" .server.lost_vs_sent)" "$big"
		eq "$what: server streams" "$(jf "$f" '.server.streams | length')" 2
		eq "$what: server received" "$(jf "$f" .server.total.unique)" $((sent[128] + sent[576]))
		eq "$what: server_error" "$(jf "$f" .server_error)" null
	else
		f="$T/gen.err"
		for i in 0 1 2; do
			len=${LENS[$i]} n=${sent[${LENS[$i]}]:-0}
			rcv=${fwd[$len]:-0}
			[ "$where" = server ] && [ "$len" = 1500 ] && rcv=$((rcv - td))
			pct=$(awk -v l=$((n - rcv)) -v n="$n" 'BEGIN { printf "%.3f", 100 * l / n }')
			one_line "$what: template $i line" "$f" \
				"^xdperf:   template $i: $n packets \($((n * len)) bytes\); server received $rcv, lost $((n - rcv)) \($pct%\)$"
		done
		tot=$((sent[128] + sent[576] + sent[1500])) got=$((sent[128] + sent[576]))
		one_line "$what: sent line" "$f" \
			"^xdperf: sent $tot packets \($((sent[128] * 128 + sent[576] * 576 + sent[1500] * 1500)) bytes\) on $IF3_A \($mode, 1 thread, run [0-9a-f]{8}\) in "
		pct=$(awk -v l="$big" -v n="$tot" 'BEGIN { printf "%.3f", 100 * l / n }')
		one_line "$what: stamps line" "$f" \
			"^  stamps: $got received \($got distinct\) of $tot sent, $big lost \($pct%\), 0 duplicated, 0 reordered; 0 frames without a stamp; 2 streams$"
		one_line "$what: server line" "$f" \
			"^xdperf: server $IF3_B \(xdp, UDP port 9000\): received $got packets \($((sent[128] * 128 + sent[576] * 576)) bytes\) in "
		no_line "$what: no failure line" "$f" "no report from the server|failed|cannot"
	fi
	unset sent fwd
done <<EOF
router xdp text
router afpacket json
server xdp json
server afpacket text
EOF

kill -INT "$SRV_PID" 2>/dev/null
wait "$SRV_PID" || no "the server exited $?: $(tail -n 3 "$T/srv.err")"
times_report
[ $fail = 0 ] && echo "faults_mtu_router: all checks passed"
exit $fail

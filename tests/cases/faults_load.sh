#!/usr/bin/env bash
# Fault injection, the sender's own trouble, on a private veth pair (NS_A:veth0 -> NS_B:veth1),
# --mode xdp and afpacket (tests/lib/faults.sh); where the kernel refuses XDP live frames
# (tests/lib/xdp_live.sh) every run goes over AF_PACKET, with the same checks (a reload row
# then the same as another runs once):
#  1. a CPU hog (a busy loop pinned with taskset) on the CPU of sender thread 0, for runs of -t 2
#     (unpaced, and paced at 50000 pps): the run still ends on time (first frames -> exit within
#     5 s, duration_s <= 2.05), exit 0, and packets / bytes = the receiver's XDP counter exactly;
#     the hog is always killed.
#  2. a plugin reload that fails mid-run (SIGHUP after breaking what it reads): the templates file
#     (invalid JSON), the plugin config (invalid JSON; a value out of the range the plugin
#     declares), the plugin file (truncated wasm), a new template too long for the peer's MTU.
#     Each: the lines naming the cause and exactly one "... still sending the previous
#     templates", then a good reload (new frame length) "reloaded ... (swap 1)"; the run goes on
#     (no gap over 0.5 s in the capture), exit 0, swaps 1; packets, bytes = the receiver's XDP
#     counter and the capture; the capture holds the old length, then from one point on only
#     the new one.
# Some runs use the ASan/UBSan build.
set -uo pipefail
cd "$REPO"
. tests/lib/netns.sh
. tests/lib/xdp_live.sh
. tests/lib/capture.sh
. tests/lib/faults.sh
[ -f build/plugins/simpleudp.wasm ] || { echo "FAIL: build/plugins/simpleudp.wasm is missing (make)"; exit 1; }
faults_setup pair tcpdump tshark jq python3 taskset
xdp_live_init
bin_for() { [ "$1" = asan ] && echo "$XDPERF_ASAN" || echo "$XDPERF"; }

# ---- 1. a CPU hog on the sender's CPU ------------------------------------------------------------
CPU0=$(first_cpu)
echo "== 1. a busy loop on CPU $CPU0 (sender thread 0's)"
mk_templates "$T/t.json" 64 200
for mode in $TX_MODES; do
	for rate in 0 50000; do
		what="$mode, $([ $rate = 0 ] && echo unpaced || echo "$rate pps"), CPU $CPU0 hogged"
		rx_count_start "$NS_B" "$IF_B" || { no "$what: no counter"; continue; }
		args=()
		[ $rate != 0 ] && args=(-r $rate)
		rx0=$(rx_packets "$NS_B" "$IF_B")
		hog_start "$CPU0"
		gen_bg hog "$NS_A" --templates "$T/t.json" -d "$IF_A" -c 0 -t 2 --mode $mode -q --json "${args[@]}"
		wait_traffic "$NS_B" "$IF_B" "$rx0" 100
		gen_wait 30
		hog_stop
		timing "$what: first frames -> exit (-t 2)" "$(elapsed "$TRAFFIC_T" "$GEN_END")" 5
		read -r pk by < <(rx_count_stop)
		eq "$what: exit status" "$GEN_RC" 0
		eq "$what: stderr" "$(cat "$T/hog.err")" ""
		eq "$what: packets = the receiver's XDP counter" "$(jf "$T/hog.out" .packets)" "$pk"
		eq "$what: bytes = the receiver's XDP counter" "$(jf "$T/hog.out" .bytes)" "$by"
		within "$what: duration_s" "$(jf "$T/hog.out" .duration_s)" 1.5 2.05
		[ $rate != 0 ] && within "$what: packets (at most the rate's)" "$pk" 1 $((2 * rate + 1))
		echo "  $what: $(jf "$T/hog.out" '{packets, duration_s, pps} | tostring')"
	done
done

# ---- 2. a reload that fails mid-run ----------------------------------------------------------------
echo "== 2. reloads (SIGHUP) that fail while sending, then one that works"
cp build/plugins/simpleudp.wasm "$T/p.wasm"
cfg() { # PAYLOAD_SIZE: the plugin's config (frames of 42 + PAYLOAD_SIZE bytes to veth1's MAC)
	printf '{"dst_mac":"02:00:00:00:00:02","src_ip":"10.201.0.1","dst_ip":"10.9.9.9","payload_size":%s}\n' "$1"
}
re_keep='^xdperf: reload \(SIGHUP\) failed; still sending the previous templates$'
# CASE: what breaks  backend  build  the line naming the cause (regex)
declare -A RAN=()
while read -r kind mode build cause; do
	# the XDP rows go over AF_PACKET where XDP live frames are refused (a row already in the
	# table runs once)
	[ "$mode" = xdp ] && mode=$TX_MODE
	[ -n "${RAN["$kind $mode $build"]:-}" ] && continue
	RAN["$kind $mode $build"]=1
	what="reload failing ($kind), $mode$([ "$build" = asan ] && echo ", ASan build")"
	cp build/plugins/simpleudp.wasm "$T/p.wasm"
	cfg 100 >"$T/cfg.json"
	mk_templates "$T/tpl.json" 142
	src=(-p "$T/p.wasm" --cfg "$T/cfg.json")
	[ "$kind" = templates ] && src=(--templates "$T/tpl.json")
	cap_start "$T/rl.pcap" || { no "$what: no capture"; continue; }
	rx0=$(rx_packets "$NS_B" "$IF_B")
	FAULTS_BIN=$(bin_for "$build") gen_bg rl "$NS_A" "${src[@]}" -d "$IF_A" -c 0 -t 2.5 -r 20000 \
		--mode "$mode" --json
	wait_traffic "$NS_B" "$IF_B" "$rx0" 2000
	sleep 0.3
	case $kind in
	templates) echo '[{"template":' >"$T/tpl.json" ;;
	config) echo '{"payload_size":' >"$T/cfg.json" ;;
	value) cfg 99999 >"$T/cfg.json" ;;
	plugin) head -c 1000 build/plugins/simpleudp.wasm >"$T/p.wasm" ;;
	mtu) ip -n "$NS_B" link set "$IF_B" mtu 1000 && cfg 1400 >"$T/cfg.json" ;;
	esac
	kill -HUP "$GEN_PID"
	wait_line "$T/rl.err" "still sending the previous templates" "$GEN_PID" 10 ||
		no "$what: no 'still sending the previous templates' line"
	sleep 0.3
	cp build/plugins/simpleudp.wasm "$T/p.wasm"
	cfg 200 >"$T/cfg.json"
	mk_templates "$T/tpl.json" 242
	kill -HUP "$GEN_PID"
	gen_wait 20
	cap_stop
	[ "$kind" = mtu ] && ip -n "$NS_B" link set "$IF_B" mtu 1500
	eq "$what: exit status" "$GEN_RC" 0
	one_line "$what: the cause" "$T/rl.err" "$cause"
	# a failure of the swap itself (the MTU check) says both in one line
	[ "$kind" = mtu ] || one_line "$what: still sending the previous templates" "$T/rl.err" "$re_keep"
	eq "$what: lines saying the previous templates stay" "$(grep -c "still sending the previous templates" "$T/rl.err")" 1
	one_line "$what: the good reload" "$T/rl.err" "^xdperf: reloaded .* \(SIGHUP\): 1 template now sent \(swap 1\)$"
	eq "$what: swaps" "$(jf "$T/rl.out" .swaps)" 1
	eq "$what: packets = the receiver's XDP counter" "$(jf "$T/rl.out" .packets)" "$CAP_RX"
	cap_intact "$T/rl.pcap"
	tshark -r "$T/rl.pcap" -Y udp -T fields -e frame.len -e frame.time_epoch 2>/dev/null >"$T/rl.lens"
	read -r n142 n242 other switches gap < <(awk '
		{ c[$1]++; if (NR > 1 && $1 != last) sw++; if (NR > 1 && $2 - t > g) g = $2 - t; last = $1; t = $2 }
		END { printf "%d %d %d %d %.3f\n", c[142], c[242], NR - c[142] - c[242], sw, g }' "$T/rl.lens")
	echo "  $what: capture: $n142 frames of 142 bytes, then $n242 of 242 ($other others), longest gap $gap s"
	eq "$what: packets = the capture's" "$(jf "$T/rl.out" .packets)" $((n142 + n242 + other))
	eq "$what: bytes = the capture's" "$(jf "$T/rl.out" .bytes)" $((n142 * 142 + n242 * 242))
	eq "$what: frames of other lengths" "$other" 0
	eq "$what: length changes in the capture (old, then new)" "$switches" 1
	[ "$n142" -gt 2000 ] && [ "$n242" -gt 1000 ] || no "$what: too few frames before ($n142) or after ($n242) the swap"
	within "$what: longest gap between frames (s)" "$gap" 0 0.5
done <<EOF
templates xdp release ^xdperf: --templates .*/tpl\.json: .*invalid JSON
config afpacket release ^xdperf: plugin configuration .*/cfg\.json: invalid JSON
value xdp asan ^xdperf: plugin p: config key "payload_size": 99999 is above the maximum 9174$
plugin afpacket asan ^xdperf: plugin p: invalid module: 
mtu xdp release ^xdperf: reload \(SIGHUP\) of p: template 0: 1442 bytes do not fit the MTU of $IF_B, the veth peer of $IF_A \(1000: frames up to 1014 bytes\); lower the frame size or raise the peer's MTU; still sending the previous templates$
mtu afpacket release ^xdperf: reload \(SIGHUP\) of p: template 0: 1442 bytes do not fit the MTU of $IF_B, the veth peer of $IF_A \(1000: frames up to 1014 bytes\); lower the frame size or raise the peer's MTU; still sending the previous templates$
EOF

times_report
[ $fail = 0 ] && echo "faults_load: all checks passed"
exit $fail

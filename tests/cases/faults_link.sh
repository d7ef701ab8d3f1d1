#!/usr/bin/env bash
# Fault injection, the link under a running generator, on a private veth pair (NS_A:veth0 ->
# NS_B:veth1), --mode xdp and afpacket (afpacket only where the kernel refuses XDP live frames,
# tests/lib/xdp_live.sh: the XDP-only checks below are then not run), 2 paced sender threads,
# --json (numbers) with the notices and errors on stderr (tests/lib/faults.sh; receiver:
# `xdperf count --pass` and tcpdump on veth1):
#  1. the peer veth1 down for 1 s, then up (--stall-timeout 3): one "veth0 has no carrier: its
#     peer veth1 is down; waiting up to 3.0 s for it (--stall-timeout)" line, one "veth0 has its
#     carrier again after X s; sending again" (X and carrier_wait_s between 0.5 and 2.5), the run
#     goes on to its --duration (frames in its last second), exit 0; with XDP, packets = the
#     frames veth1's receive rings took (veth0's tx_queue_N_xdp_xmit, ethtool -S: the kernel's
#     own count) and "refused" = veth0's tx_dropped (the frames the veth refused while its peer
#     was down, each sent again); packets - the receiver's XDP counter = what veth1's rings
#     still held when it went down (the kernel drops it uncounted; 0 unless its NAPI poll was
#     late, at most the rings, 2 x 256), and per template (packets, bytes) - the capture is
#     that plus the frames the XDP program passed to the stack at the instant veth1 went down
#     (at most a NAPI poll, 64 per queue). With AF_PACKET, packets = veth0's tx_packets and
#     "refused" = its tx_dropped (each frame veth0 took is forwarded, or dropped while its peer
#     is down, which sendmsg reports as ENOBUFS and xdperf sends again); the receiver's count
#     and the capture as with XDP.
#  2. the peer down for good (--stall-timeout 1.5): the run ends within 4.5 s of the fault, exit
#     1, the notice once and one line naming the cause ("... accepted none of the frames sent to
#     it for 1.5 s (--stall-timeout): veth0 has no carrier: its peer veth1 is down" from the
#     sender, or "...: veth0 has no carrier: its peer veth1 is down for 1.5 s (--stall-timeout)"
#     from the runner's carrier watch, whichever notices first), the --json "error" is that line;
#     numbers as in 1 (AF_PACKET: packets, refused = veth0's tx_packets, tx_dropped too).
#  3. the veth deleted mid-run (unpaced): exit 1 within 3 s, one line "xdp: veth0 no longer
#     exists" / "afpacket: veth0 no longer exists". Frames queued in the peer's receive rings when it vanishes are lost by nature:
#     sent >= counted, and the difference <= 2 rings x 256 frames.
#  4. the receiver's XDP program detached mid-run (its `xdperf count` stopped): XDP frames are
#     refused from then on, the run ends within 4.5 s (--stall-timeout 1.5), exit 1, one line
#     "xdp: veth0 accepted none of the frames sent to it for 1.5 s (--stall-timeout): veth1, the
#     peer of veth0, has no XDP program (...)"; sent = the capture on veth1 (frames passed to the
#     stack), up to what the peer's rings held at the detach (<= 512). AF_PACKET's frames do not
#     need the program: the run goes on to its end, exit 0, sent = the capture (same bound).
# One run of each section uses the ASan/UBSan build (stderr must stay as described).
set -uo pipefail
cd "$REPO"
. tests/lib/netns.sh
. tests/lib/xdp_live.sh
. tests/lib/capture.sh
. tests/lib/faults.sh
faults_setup pair tcpdump tshark jq python3 ethtool
xdp_live_init
xdp_only "the XDP runs (packets = veth0's xdp_xmit, refused = its tx_dropped; the run's end when the peer loses its XDP program)" || true
mk_templates "$T/t.json" 64 200
RINGS=$((2 * 256)) # frames the peer's receive rings (2 queues) may hold when it goes away
POLL=$((2 * 64))   # frames passed to the stack in the NAPI polls (2 queues) as the device goes down
peer() { ip -n "$NS_B" link set "$IF_B" "$1"; }
txdrop() { ip netns exec "$NS_A" cat "/sys/class/net/$IF_A/statistics/tx_dropped"; }
txpk() { ip netns exec "$NS_A" cat "/sys/class/net/$IF_A/statistics/tx_packets"; }
# XDP frames veth0 put into its peer's receive rings, all queues (the kernel's count)
xmit() { ip netns exec "$NS_A" ethtool -S "$IF_A" | awk '$1 ~ /^tx_queue_[0-9]+_xdp_xmit:$/ { s += $2 } END { print s + 0 }'; }
# the receiver's count against what was sent: exact when veth1's rings were empty as it went
# down (the usual case), else short by what they held (dropped by the kernel, uncounted)
vs_receiver() { # WHAT JSON
	local p
	p=$(jf "$2" .packets)
	within "$1: packets - the receiver's XDP counter (left in veth1's rings as it went down)" \
		$((p - CAP_RX)) 0 $RINGS
	if [ $mode = xdp ]; then
		eq "$1: packets = the frames veth1's rings took (veth0's xdp_xmit)" "$p" $(($(xmit) - x0))
	else # each frame veth0 took is forwarded (tx_packets) or dropped (tx_dropped, ENOBUFS)
		eq "$1: packets = veth0's tx_packets" "$p" $(($(txpk) - tp0))
		eq "$1: refused = veth0's tx_dropped" "$(jf "$2" .refused)" $(($(txdrop) - d0))
	fi
}
notice_re="^xdperf: $IF_A has no carrier: its peer $IF_B is down; waiting up to"
bin_for() { [ "$1" = asan ] && echo "$XDPERF_ASAN" || echo "$XDPERF"; }
# the capture of the last cap_start, stopped without the counter (already stopped)
cap_only_stop() { sleep 0.3; kill -INT "$CAP_PID" 2>/dev/null; wait "$CAP_PID" 2>/dev/null; }

for mode in $TX_MODES; do
	build=release
	[ $mode = afpacket ] && build=asan
	# ---- 1. down and up again -------------------------------------------------------------
	what="$mode: peer down 1 s, then up"
	[ $build = asan ] && what="$what (ASan build)"
	echo "== 1. $what"
	cap_start "$T/up_$mode.pcap" || no "$what: no capture"
	d0=$(txdrop) tp0=$(txpk) rx0=$(rx_packets "$NS_B" "$IF_B") x0=$(xmit)
	FAULTS_BIN=$(bin_for $build) gen_bg up "$NS_A" --templates "$T/t.json" -d "$IF_A" -c 0 -t 3.5 \
		-r 4000 -l 2 --mode $mode --stall-timeout 3 -q --json
	wait_traffic "$NS_B" "$IF_B" "$rx0" 400
	sleep 0.5
	peer down
	sleep 1
	peer up
	gen_wait 20
	timing "$what: first frames -> exit (-t 3.5)" "$(elapsed "$TRAFFIC_T" "$GEN_END")" 6.5
	cap_stop
	eq "$what: exit status" "$GEN_RC" 0
	one_line "$what: carrier lost" "$T/up.err" "${notice_re} 3\.0 s for it \(--stall-timeout\)$"
	one_line "$what: carrier back" "$T/up.err" "^xdperf: $IF_A has its carrier again after [0-9.]+ s; sending again$"
	eq "$what: stderr lines" "$(wc -l <"$T/up.err")" 2
	within "$what: carrier wait in the line (s)" \
		"$(sed -n 's/.*carrier again after \([0-9.]*\) s.*/\1/p' "$T/up.err")" 0.5 2.5
	within "$what: carrier_wait_s" "$(jf "$T/up.out" .carrier_wait_s)" 0.5 2.5
	eq "$what: stopped / error" "$(jf "$T/up.out" '[.stopped, .error] | tostring')" '[false,null]'
	vs_receiver "$what" "$T/up.out"
	cap_intact "$T/up_$mode.pcap"
	echo "  $what: $(jf "$T/up.out" '{packets, refused, carrier_wait_s, duration_s} | tostring')," \
		"counter $CAP_RX, captured $(cap_count "$T/up_$mode.pcap")"
	streams_vs_capture "$what" "$T/up.out" "$T/up_$mode.pcap" 2 $((RINGS + POLL))
	late=$(tshark -r "$T/up_$mode.pcap" -Y udp -T fields -e frame.time_epoch 2>/dev/null |
		awk 'NR == 1 { t0 = $1 } $1 > t0 + 2.6 { n++ } END { print n + 0 }')
	[ "${late:-0}" -gt 1000 ] && ok "$what: $late frames in the run's last second" ||
		no "$what: only '$late' frames in the run's last second (sending did not resume)"
	[ $mode = xdp ] && eq "$what: refused = veth0's tx_dropped" "$(jf "$T/up.out" .refused)" $(($(txdrop) - d0))

	# ---- 2. down for good -----------------------------------------------------------------
	what="$mode: peer down for good"
	echo "== 2. $what"
	cap_start "$T/down_$mode.pcap" || no "$what: no capture"
	d0=$(txdrop) tp0=$(txpk) rx0=$(rx_packets "$NS_B" "$IF_B") x0=$(xmit)
	gen_bg down "$NS_A" --templates "$T/t.json" -d "$IF_A" -c 0 -r 4000 -l 2 --mode $mode \
		--stall-timeout 1.5 -q --json
	wait_traffic "$NS_B" "$IF_B" "$rx0" 400
	sleep 0.5
	peer down
	t0=$(now)
	gen_wait 20
	timing "$what: link down -> exit" "$(elapsed "$t0" "$GEN_END")" 4.5
	peer up
	cap_stop
	eq "$what: exit status" "$GEN_RC" 1
	one_line "$what: carrier lost" "$T/down.err" "${notice_re} 1\.5 s for it \(--stall-timeout\)$"
	one_line "$what: the cause" "$T/down.err" \
		"^xdperf: $mode: $IF_A (accepted none of the frames sent to it for 1\.5 s \(--stall-timeout\): $IF_A has no carrier: its peer $IF_B is down|has no carrier: its peer $IF_B is down for 1\.5 s \(--stall-timeout\))$"
	eq "$what: stderr lines" "$(wc -l <"$T/down.err")" 2
	eq "$what: --json error = the line" "xdperf: $(jf "$T/down.out" .error)" "$(tail -n 1 "$T/down.err")"
	vs_receiver "$what" "$T/down.out"
	cap_intact "$T/down_$mode.pcap"
	streams_vs_capture "$what" "$T/down.out" "$T/down_$mode.pcap" 2 $((RINGS + POLL))

	# ---- 4. the receiver's XDP program detached ---------------------------------------------
	what="$mode: receiver's XDP program detached"
	echo "== 4. $what"
	cap_start "$T/detach_$mode.pcap" || no "$what: no capture"
	rx0=$(rx_packets "$NS_B" "$IF_B")
	gen_bg detach "$NS_A" --templates "$T/t.json" -d "$IF_A" -c 0 -t 3 -r 20000 -l 2 --mode $mode \
		--stall-timeout 1.5 -q --json
	wait_traffic "$NS_B" "$IF_B" "$rx0" 2000
	sleep 0.5
	read -r counted _ < <(rx_count_stop)
	t0=$(now)
	gen_wait 20
	cap_only_stop
	cap_intact "$T/detach_$mode.pcap"
	sent=$(jf "$T/detach.out" .packets)
	got=$(cap_count "$T/detach_$mode.pcap" udp)
	echo "  $what: sent $sent, captured $got, counted $counted before the detach"
	within "$what: sent - captured (frames in the peer's rings at the detach)" $((sent - got)) 0 $RINGS
	within "$what: counted before the detach" "$counted" 1000 "$got"
	if [ $mode = xdp ]; then
		timing "$what: detach -> exit" "$(elapsed "$t0" "$GEN_END")" 4.5
		eq "$what: exit status" "$GEN_RC" 1
		only_line "$what: the cause" "$T/detach.err" \
			"xdperf: xdp: $IF_A accepted none of the frames sent to it for 1.5 s (--stall-timeout): $IF_B, the peer of $IF_A, has no XDP program (a veth takes XDP frames only when its peer has one, or GRO on)"
	else
		timing "$what: first frames -> exit (-t 3)" "$(elapsed "$TRAFFIC_T" "$GEN_END")" 6
		eq "$what: exit status" "$GEN_RC" 0
		eq "$what: stderr" "$(cat "$T/detach.err")" ""
		within "$what: duration_s" "$(jf "$T/detach.out" .duration_s)" 2.9 3.1
	fi

	# ---- 3. the veth deleted ----------------------------------------------------------------
	what="$mode: veth deleted"
	echo "== 3. $what"
	rx_count_start "$NS_B" "$IF_B" || no "$what: no counter"
	rx0=$(rx_packets "$NS_B" "$IF_B")
	gen_bg del "$NS_A" --templates "$T/t.json" -d "$IF_A" -c 0 -l 2 --mode $mode -q --json
	wait_traffic "$NS_B" "$IF_B" "$rx0" 10000
	sleep 0.5
	ip -n "$NS_B" link del "$IF_B"
	t0=$(now)
	gen_wait 20
	timing "$what: deletion -> exit" "$(elapsed "$t0" "$GEN_END")" 3
	read -r counted cbytes < <(rx_count_stop)
	eq "$what: exit status" "$GEN_RC" 1
	if [ $mode = xdp ]; then
		one_line "$what: the cause" "$T/del.err" "^xdperf: xdp: $IF_A no longer exists( \(it was removed during the run\))?$"
	else
		one_line "$what: the cause" "$T/del.err" "^xdperf: afpacket: $IF_A no longer exists( \(it was removed during the run\))?$"
	fi
	eq "$what: stderr lines" "$(wc -l <"$T/del.err")" 1
	eq "$what: --json error = the line" "xdperf: $(jf "$T/del.out" .error)" "$(cat "$T/del.err")"
	sent=$(jf "$T/del.out" .packets)
	echo "  $what: sent $sent, the receiver counted $counted"
	within "$what: sent - counted (frames in the peer's rings when it vanished)" $((sent - counted)) 0 $RINGS
	within "$what: bytes sent - counted" $(($(jf "$T/del.out" .bytes) - cbytes)) 0 $((RINGS * 200))
	[ "${sent:-0}" -gt 10000 ] 2>/dev/null || no "$what: hardly anything sent ($sent)"
	veth_relink || no "cannot recreate the veth pair"
done

times_report
[ $fail = 0 ] && echo "faults_link: all checks passed"
exit $fail

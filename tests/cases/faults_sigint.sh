#!/usr/bin/env bash
# Fault injection, SIGINT / SIGTERM in the phases where the generator waits on something (a
# private veth pair NS_A:veth0 -> NS_B:veth1, tests/lib/faults.sh; the stop signal while reaching
# the server and in the report wait: faults_server.sh). Each prints the time from the signal to
# the exit, bounded by 2 s.
#  1. during a stall (--stall-timeout 30, so only the signal can end it): the XDP sender whose
#     peer lost its XDP program (the receiver's `xdperf count` stopped), release and ASan builds:
#     exit 0, "stopped": true, no error and nothing on stderr (-q); packets and per-template
#     figures = the capture up to what the peer's rings held at the detach. (An MTU lowered
#     mid-run no longer stalls: the run ends at once, faults_mtu.sh; AF_PACKET's stall is in
#     rx_count.sh.)
#     Only where the kernel lets xdperf send XDP live frames (tests/lib/xdp_live.sh); else a
#     "not run here" line.
#  2. during the carrier hold (the peer veth1 down, --stall-timeout 30), SIGINT (XDP, or
#     AF_PACKET where XDP live frames are refused) and SIGTERM (AF_PACKET): exit 0, "stopped":
#     true, only the "has no carrier ... waiting up to 30.0 s" line on stderr, carrier_wait_s
#     > 0, packets = the receiver's XDP counter, the capture within a NAPI poll of it (frames
#     passed to the stack as veth1 went down).
#  3. while writing -o FILE.pcap (100 000 000 frames asked for): SIGINT once the temporary file
#     has 4 MB; SIGTERM into a FIFO read slowly (the writer blocked in write()): exit 0, one line
#     "xdperf: wrote N packets (B bytes) from 2 templates of F to OUT (stopped by SIGINT: N of
#     100000000)"; the file (or what the FIFO's reader got) holds exactly N whole frames, B bytes
#     (capinfos, tshark per template: N/2 each, the templates alternate), no temporary file left.
# Some runs use the ASan/UBSan build (their stderr must stay as described).
set -uo pipefail
cd "$REPO"
. tests/lib/netns.sh
. tests/lib/xdp_live.sh
. tests/lib/capture.sh
. tests/lib/faults.sh
faults_setup pair tcpdump tshark capinfos jq python3
xdp_live_init
RINGS=$((2 * 256))
POLL=$((2 * 64))
txdrop() { ip netns exec "$NS_A" cat "/sys/class/net/$IF_A/statistics/tx_dropped"; }
bin_for() { [ "$1" = asan ] && echo "$XDPERF_ASAN" || echo "$XDPERF"; }
mk_templates "$T/t.json" 64 1514 200
# signal SIG: sends it to the generator, waits (bounded), records the time
signal() { # WHAT SIG
	kill -"$2" "$GEN_PID"
	local t0
	t0=$(now)
	gen_wait 15
	timing "$1: SIG$2 -> exit" "$(elapsed "$t0" "$GEN_END")" 2
}
stopped_clean() { # WHAT
	eq "$1: exit status" "$GEN_RC" 0
	eq "$1: stopped, error" "$(jf "$T/g.out" '[.stopped, .error] | tostring')" '[true,null]'
}

# ---- 1. during a stall ----------------------------------------------------------------------------
echo "== 1. a stop signal during a stall (--stall-timeout 30)"
# (XDP only: AF_PACKET's frames do not need the peer's XDP program; its stall, the carrier
# hold, is section 2)
# CASE: why it stalls  backend  build
xdp_only "a stop signal in the stall of an XDP sender whose peer has no XDP program" &&
while read -r why mode build; do
	what="SIGINT in a stall ($why), $mode$([ "$build" = asan ] && echo ", ASan build")"
	cap_start "$T/st.pcap" || { no "$what: no capture"; continue; }
	rx0=$(rx_packets "$NS_B" "$IF_B") d0=$(txdrop)
	FAULTS_BIN=$(bin_for "$build") gen_bg g "$NS_A" --templates "$T/t.json" -d "$IF_A" -c 0 -r 20000 \
		-l 2 --mode "$mode" --stall-timeout 30 -q --json
	wait_traffic "$NS_B" "$IF_B" "$rx0" 2000
	sleep 0.3
	counted=
	if [ "$why" = mtu ]; then
		ip -n "$NS_B" link set "$IF_B" mtu 1000
	else
		read -r counted _ < <(rx_count_stop)
	fi
	sleep 1 # refused from now on: 1 s into the stall
	signal "$what" INT
	if [ "$why" = mtu ]; then
		cap_stop
		ip -n "$NS_B" link set "$IF_B" mtu 1500
	else
		sleep 0.3
		kill -INT "$CAP_PID"
		wait "$CAP_PID"
	fi
	stopped_clean "$what"
	eq "$what: stderr" "$(cat "$T/g.err")" ""
	# the stall seen: XDP counts the refusals; AF_PACKET retries frames the veth dropped
	# (ENOBUFS), which its tx_dropped counts
	ref=$(jf "$T/g.out" .refused)
	[ "$mode" = afpacket ] && ref=$(($(txdrop) - d0))
	[ "${ref:-0}" -gt 0 ] 2>/dev/null && ok "$what: $ref frames refused (the stall)" ||
		no "$what: '$ref' frames refused: no stall seen"
	cap_intact "$T/st.pcap"
	if [ "$why" = mtu ]; then
		eq "$what: packets = the receiver's XDP counter" "$(jf "$T/g.out" .packets)" "$CAP_RX"
		streams_vs_capture "$what" "$T/g.out" "$T/st.pcap" 3
	else
		sent=$(jf "$T/g.out" .packets)
		echo "  $what: sent $sent, captured $(cap_count "$T/st.pcap"), counted $counted before the detach"
		streams_vs_capture "$what" "$T/g.out" "$T/st.pcap" 3 $RINGS
	fi
done <<EOF
no-xdp-program xdp release
no-xdp-program xdp asan
EOF

# ---- 2. during the carrier hold -------------------------------------------------------------------
echo "== 2. a stop signal while the carrier is lost (--stall-timeout 30)"
# CASE: signal  backend  build
while read -r sig mode build; do
	[ "$mode" = xdp ] && mode=$TX_MODE # AF_PACKET where XDP live frames are refused
	what="SIG$sig in the carrier hold, $mode$([ "$build" = asan ] && echo ", ASan build")"
	cap_start "$T/ho.pcap" || { no "$what: no capture"; continue; }
	rx0=$(rx_packets "$NS_B" "$IF_B")
	# 2000 pps per queue: the peer's ring is drained at every send call (see faults_link.sh)
	FAULTS_BIN=$(bin_for "$build") gen_bg g "$NS_A" --templates "$T/t.json" -d "$IF_A" -c 0 -r 4000 \
		-l 2 --mode "$mode" --stall-timeout 30 -q --json
	wait_traffic "$NS_B" "$IF_B" "$rx0" 400
	sleep 0.3
	ip -n "$NS_B" link set "$IF_B" down
	wait_line "$T/g.err" "has no carrier" "$GEN_PID" 10 || no "$what: no carrier notice"
	sleep 0.5
	signal "$what" "$sig"
	ip -n "$NS_B" link set "$IF_B" up
	cap_stop
	stopped_clean "$what"
	only_line "$what: stderr" "$T/g.err" \
		"xdperf: $IF_A has no carrier: its peer $IF_B is down; waiting up to 30.0 s for it (--stall-timeout)"
	within "$what: carrier_wait_s" "$(jf "$T/g.out" .carrier_wait_s)" 0.3 5
	eq "$what: packets = the receiver's XDP counter" "$(jf "$T/g.out" .packets)" "$CAP_RX"
	cap_intact "$T/ho.pcap"
	streams_vs_capture "$what" "$T/g.out" "$T/ho.pcap" 3 $POLL
done <<EOF
INT xdp release
TERM afpacket asan
EOF

# ---- 3. while writing a pcap file ------------------------------------------------------------------
echo "== 3. a stop signal while writing -o FILE.pcap"
mk_templates "$T/p.json" 1000 1000
M=100000000
check_pcap() { # WHAT PCAP SIG: the line vs the file's contents
	local what=$1 f=$2 sig=$3 n b
	n=$(sed -n 's/^xdperf: wrote \([0-9]*\) packets.*/\1/p' "$T/w.err")
	b=$(sed -n 's/^xdperf: wrote [0-9]* packets (\([0-9]*\) bytes).*/\1/p' "$T/w.err")
	only_line "$what: the one line" "$T/w.err" \
		"xdperf: wrote $n packets ($b bytes) from 2 templates of $T/p.json to $4 (stopped by SIG$sig: $n of $M)"
	eq "$what: exit status" "$GEN_RC" 0
	eq "$what: packets in the file (capinfos)" "$(capinfos -M -c -T -r "$f" | cut -f2)" "$n"
	eq "$what: bytes in the file (capinfos)" "$(capinfos -M -d -T -r "$f" | cut -f2)" "$b"
	eq "$what: file size (whole records)" "$(stat -c %s "$f")" $((24 + 16 * n + b))
	eq "$what: template 0 frames" "$(cap_count "$f" "udp.srcport == 1000")" $(((n + 1) / 2))
	eq "$what: template 1 frames" "$(cap_count "$f" "udp.srcport == 1001")" $((n / 2))
	[ "${n:-0}" -gt 1000 ] || no "$what: only '$n' packets written"
	echo "  $what: $n packets, $b bytes"
}
# a regular file: the signal once the temporary file has 4 MB
what="SIGINT writing a pcap file (ASan build)"
FAULTS_BIN=$XDPERF_ASAN gen_bg w "$NS_A" --templates "$T/p.json" -o "$T/out.pcap" -c $M
for i in $(seq 600); do
	s=$(stat -c %s "$T"/out.pcap.tmp-* 2>/dev/null | head -n 1)
	[ "${s:-0}" -ge 4000000 ] && break
	kill -0 "$GEN_PID" 2>/dev/null || break
	sleep 0.01
done
signal "$what" INT
check_pcap "$what" "$T/out.pcap" INT "$T/out.pcap"
eq "$what: temporary files left" "$(ls "$T" | grep -c 'out\.pcap\.tmp')" 0
# a FIFO read slowly: the writer is blocked in write() when the signal comes
what="SIGTERM writing into a slowly read FIFO"
mkfifo "$T/fifo.pcap"
python3 -c '
import sys, time
src, dst = open(sys.argv[1], "rb"), open(sys.argv[2], "wb")
while True:
    b = src.read(65536)
    if not b:
        break
    dst.write(b)
    time.sleep(0.01)' "$T/fifo.pcap" "$T/got.pcap" &
READER=$!
gen_bg w "$NS_A" --templates "$T/p.json" -o "$T/fifo.pcap" -c $M
for i in $(seq 600); do
	[ "$(stat -c %s "$T/got.pcap" 2>/dev/null || echo 0)" -ge 1000000 ] && break
	sleep 0.02
done
signal "$what" TERM
wait "$READER"
check_pcap "$what" "$T/got.pcap" TERM "$T/fifo.pcap"

times_report
[ $fail = 0 ] && echo "faults_sigint: all checks passed"
exit $fail

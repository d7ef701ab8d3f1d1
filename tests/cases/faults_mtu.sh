#!/usr/bin/env bash
# Fault injection, MTU mismatches on a private veth pair (NS_A:veth0 -> NS_B:veth1), XDP and
# AF_PACKET (tests/lib/faults.sh; the receiver is `xdperf count --pass` + tcpdump on veth1).
# Where the kernel refuses XDP live frames (tests/lib/xdp_live.sh), 2.-4. send over AF_PACKET
# only (an XDP row of 3./4. runs as AF_PACKET, once if that row is already in the table); 1.
# still runs --mode xdp: the template is refused before anything is sent, on every kernel.
#  1. before sending: a template longer than veth0's MTU allows (1000: frames up to 1014 bytes),
#     or than its veth peer veth1's: exit 1, stderr exactly the one line naming the template, its
#     length, the MTU and the device, nothing on stdout (--json too), nothing arrives (the
#     receiver's XDP counter stays 0); --mode xdp, afpacket and the default (no fallback line).
#     A VLAN-tagged template may be 4 bytes longer: 1019 bytes do not fit, "with its VLAN tag".
#  2. exact fit: MTU 1000 on both ends, templates of 1014 (untagged), 1018 (tagged) and 64 bytes
#     go out; sent = the receiver's XDP counter = the capture, per template (tshark by UDP source
#     port) and in bytes.
#  3. the peer's MTU lowered mid-run below a template (1514 bytes, MTU 1000): the run ends at
#     once (within 4.5 s of the change; the runner looks at the device every 100 ms, and the AF_PACKET
#     ring, whose frames carry a virtio-net header, would not be refused by the kernel), exit 1,
#     one line "xdperf: xdp: the MTU changed during the run: template 1: 1514 bytes do not fit the
#     MTU of veth1, the veth peer of veth0 (1000: frames up to 1014 bytes); ...", errors 0; the
#     summary's packets, bytes and per-template figures = the counter and the capture.
#  4. veth0's own MTU lowered mid-run: the same, naming veth0's MTU; AF_PACKET's sendmmsg path
#     (XDPERF_AFPACKET=mmsg) may also fail first on the kernel's own check, "afpacket: template 1
#     (1514 bytes) is longer than the MTU of veth0 allows", errors 1; numbers as in 3.
# Some runs use the ASan/UBSan build: stderr must still be the one line (no sanitizer report).
set -uo pipefail
cd "$REPO"
. tests/lib/netns.sh
. tests/lib/xdp_live.sh
. tests/lib/capture.sh
. tests/lib/faults.sh
faults_setup pair tcpdump tshark jq python3
xdp_live_init
mtu() { ip -n "$NS_A" link set "$IF_A" mtu "$1" && ip -n "$NS_B" link set "$IF_B" mtu "$2"; }
BOUND=4.5 # --stall-timeout 1.5 + 3 s

# ---- 1. before sending ------------------------------------------------------------------------
echo "== 1. templates that do not fit: nothing sent"
mk_templates "$T/big.json" 64 1015 200
mk_templates "$T/vlan.json" 64 vlan:1019
own="xdperf: -d $IF_A: template 1: 1015 bytes do not fit the MTU of $IF_A (1000: frames up to 1014 bytes); lower the frame size or raise the MTU"
peer="xdperf: -d $IF_A: template 1: 1015 bytes do not fit the MTU of $IF_B, the veth peer of $IF_A (1000: frames up to 1014 bytes); lower the frame size or raise the peer's MTU"
vlan="xdperf: -d $IF_A: template 1: 1019 bytes do not fit the MTU of $IF_A (1000: frames up to 1018 bytes with its VLAN tag); lower the frame size or raise the MTU"
# CASE: name  MTU of veth0  MTU of veth1  templates  expected line
while read -r name m0 m1 file want; do
	mtu "$m0" "$m1"
	rx_count_start "$NS_B" "$IF_B" || { no "$name MTU: no counter"; continue; }
	for mode in xdp afpacket default json; do
		args=(--mode "$mode")
		[ "$mode" = default ] && args=()
		[ "$mode" = json ] && args=(--json)
		what="$name MTU, ${mode}"
		t0=$(now)
		# the --json run with the ASan/UBSan build: no sanitizer report on this error path
		FAULTS_BIN=$([ "$mode" = json ] && echo "$XDPERF_ASAN" || echo "$XDPERF") \
			gen_bg pre "$NS_A" --templates "$T/$file" -d "$IF_A" -c 1000 -q "${args[@]}"
		gen_wait 20
		timing "$what: start -> exit (nothing sent)" "$(elapsed "$t0" "$GEN_END")" 10
		eq "$what: exit status" "$GEN_RC" 1
		only_line "$what: the one line" "$T/pre.err" "${!want}"
		eq "$what: stdout" "$(cat "$T/pre.out")" ""
	done
	read -r pk _ < <(rx_count_stop)
	eq "$name MTU: frames that arrived (4 runs)" "$pk" 0
done <<EOF
own 1000 1500 big.json own
peer 1500 1000 big.json peer
vlan 1000 1000 vlan.json vlan
EOF

# ---- 2. exact fit -----------------------------------------------------------------------------
echo "== 2. frames of exactly the MTU's size (MTU 1000 both ends: 1014 untagged, 1018 tagged)"
mk_templates "$T/fit.json" 1014 vlan:1018 64
mtu 1000 1000
for mode in $TX_MODES; do
	what="exact fit, $mode"
	cap_send "$T/fit_$mode.pcap" -- --templates "$T/fit.json" -c 3000 -r 20000 --mode "$mode" -q --json
	cp "$T/send.out" "$T/fit_$mode.json"
	eq "$what: exit status" "$SEND_RC" 0
	eq "$what: stderr" "$(cat "$T/send.err")" ""
	eq "$what: packets" "$(jf "$T/fit_$mode.json" .packets)" 3000
	eq "$what: bytes" "$(jf "$T/fit_$mode.json" .bytes)" $((1000 * (1014 + 1018 + 64)))
	eq "$what: receiver's XDP counter" "$CAP_RX" 3000
	cap_intact "$T/fit_$mode.pcap"
	streams_vs_capture "$what" "$T/fit_$mode.json" "$T/fit_$mode.pcap" 3
	eq "$what: tagged frames in the capture (VLAN 5)" "$(cap_count "$T/fit_$mode.pcap" "vlan.id == 5")" 1000
done

# ---- 3./4. an MTU lowered mid-run ---------------------------------------------------------------
echo "== 3./4. an MTU lowered below a template (1514 bytes -> MTU 1000) while sending"
mk_templates "$T/mid.json" 64 1514 200
re_changed() { # BACKEND DEVICE-PHRASE RAISE-WHAT
	echo "^xdperf: $1: the MTU changed during the run: template 1: 1514 bytes do not fit the MTU of $2 \(1000: frames up to 1014 bytes\); lower the frame size or raise $3$"
}
# CASE: which MTU is lowered  backend  XDPERF_AFPACKET  expected line (regex)  build (asan: the
# ASan/UBSan build, whose reports would be more lines on stderr)
declare -A RAN=()
while read -r side mode path want build; do
	# the XDP rows go over AF_PACKET where XDP live frames are refused (a row already in the
	# table runs once)
	[ "$mode" = xdp ] && mode=$TX_MODE
	[ -n "${RAN["$side $mode $path $want $build"]:-}" ] && continue
	RAN["$side $mode $path $want $build"]=1
	mtu 1500 1500
	[ "$path" = - ] && path=
	what="$side MTU lowered mid-run, $mode${path:+ ($path)}$([ "$build" = asan ] && echo ", ASan build")"
	tmpl=mid n=3 which=1
	case $want in
	changed-peer) re=$(re_changed "$mode" "$IF_B, the veth peer of $IF_A" "the peer's MTU") ;;
	changed-own) re=$(re_changed "$mode" "$IF_A" "the MTU") ;;
	either) re="($(re_changed "$mode" "$IF_A" "the MTU"))|(^xdperf: afpacket: template 1 \(1514 bytes\) is longer than the MTU of $IF_A allows$)" ;;
	esac
	cap_start "$T/mid.pcap" || { no "$what: no capture"; continue; }
	bin=$XDPERF
	[ "$build" = asan ] && bin=$XDPERF_ASAN
	rx0=$(rx_packets "$NS_B" "$IF_B")
	XDPERF_AFPACKET=$path FAULTS_BIN=$bin gen_bg mid "$NS_A" --templates "$T/$tmpl.json" -d "$IF_A" -c 0 -r 20000 \
		--mode "$mode" --stall-timeout 1.5 -q --json
	wait_traffic "$NS_B" "$IF_B" "$rx0" 2000
	sleep 0.5
	if [ "$side" = peer ]; then mtu 1500 1000; else mtu 1000 1500; fi
	t0=$(now)
	gen_wait 20
	timing "$what: MTU change -> exit" "$(elapsed "$t0" "$GEN_END")" $BOUND
	cap_stop
	eq "$what: exit status" "$GEN_RC" 1
	one_line "$what: the line naming the cause" "$T/mid.err" "$re"
	eq "$what: stderr lines (the cause only)" "$(wc -l <"$T/mid.err")" 1
	eq "$what: the summary's error = that line" "xdperf: $(jf "$T/mid.out" .error)" "$(cat "$T/mid.err")"
	# a frame the kernel refused for good (EMSGSIZE) is an error; an MTU change seen is not
	eq "$what: errors" "$(jf "$T/mid.out" .errors)" "$(grep -q "MTU changed" "$T/mid.err" && echo 0 || echo 1)"
	eq "$what: packets = the receiver's XDP counter" "$(jf "$T/mid.out" .packets)" "$CAP_RX"
	cap_intact "$T/mid.pcap"
	streams_vs_capture "$what" "$T/mid.out" "$T/mid.pcap" "$n"
	[ "$(jf "$T/mid.out" .packets)" -gt 1000 ] 2>/dev/null || no "$what: hardly anything sent before the change"
done <<EOF
peer xdp - changed-peer release
peer afpacket - changed-peer release
peer afpacket mmsg changed-peer asan
own xdp - changed-own asan
own afpacket mmsg either release
own afpacket - changed-own release
EOF
mtu 1500 1500

times_report
[ $fail = 0 ] && echo "faults_mtu: all checks passed"
exit $fail

#!/usr/bin/env bash
# The srv6 generator plugin (plugins/srv6.c) written to pcap with the ASan/UBSan build, each
# pcap checked by tests/lib/plugin_srv6_check.py, which rebuilds every frame independently
# from the config (Go xdperf keys and defaults) and compares it byte for byte, and compares
# every field tshark decodes (outer Ethernet, IPv6 traffic class/flow label/lengths/addresses,
# the SRH's next header/length/type 4/segments left/last entry/flags/tag/reversed segment list,
# outer destination = Segment List[Segments Left], inner Ethernet, inner IPv4 or IPv6, UDP)
# and that tshark finds every inner IPv4 header and UDP checksum Good; and the frame count of
# each imix size (the count split by weight):
#  - the default config (l3vpn_ipv4, 1 segment, 256/768/1400 bytes 7:2:1), 100 packets;
#  - l3vpn_ipv4, 3 segments, traffic class, flow label 1048570..1048575 and SRH tag
#    65533..65535 walking and wrapping, inner ports and source address walking (one wrapping at
#    65535), a size below the minimum skipped with a WARN line, weights 1:(5):3, 101 packets;
#  - "L2VPN_ETH" (case-insensitive), explicit dst_ip, inner MACs, a fixed tag (start = end),
#    weights [0, 2] (0 counts as 1, a missing one as 1), the minimum size (no payload) and
#    2048 bytes, 41 packets;
#  - ipv6 mode, 5 segments, the whole flow-label range with traffic class 255, the inner source
#    address's last hextet walking from fffe (wrapping) and the source port, 50 packets;
#  - 122 segments (the most a 2048-byte l3vpn_ipv4 frame holds), 7 packets;
#  - plugin run: ipv6 mode with sizes 300/400 1:1 gives 2 templates of packet_count 5, tags srv6, ipv6;
#  - no WARN line from the default is_arp_resolve (true) on pcap output, where there is no device;
#  - 26 bad configs: exit 1 and one ERROR line naming the key (the plugin's, or xdperf's
#    refusal of what the declared configuration rules out).
set -uo pipefail
T="$TMPDIR"
X="${XDPERF_ASAN:-$XDPERF}"
P="$REPO/build/plugins/srv6.wasm"
C="$REPO/tests/lib/plugin_srv6_check.py"
command -v tshark >/dev/null || { echo "tshark is not installed"; exit 77; }
[ -f "$P" ] || { echo "FAILED: $P is not built"; exit 1; }
fail=0
bad() { echo "FAILED: $*"; fail=1; }

run() { # NAME COUNT JSON
	local n=$1 c=$2
	printf '%s\n' "$3" >"$T/$n.json"
	if ! "$X" --plugin "$P" --plugin-config "$T/$n.json" -o "$T/$n.pcap" -c "$c" 2>"$T/$n.err"; then
		bad "$n: exit $?: $(tail -n 3 "$T/$n.err")"
		return
	fi
	python3 "$C" "$T/$n.json" "$T/$n.pcap" "$c" >"$T/$n.chk" || bad "$n: $(grep -m 5 FAIL "$T/$n.chk")"
	echo "$n: $(tail -n 1 "$T/$n.chk")"
}

run default 100 '{}'
grep -q 'WARN\|ERROR' "$T/default.err" && bad "default: unexpected log lines: $(cat "$T/default.err")"

run l3vpn 101 '{"mode":"l3vpn_ipv4",
 "segments":["2001:db8:100::1","2001:db8:200::2","2001:db8:300::3"],
 "src_ip":"2001:db8::99","traffic_class":184,"flow_label_start":1048570,"flow_label_end":1048575,
 "srh_tag_start":65533,"srh_tag_end":65535,"inner_src_ip":"10.0.0.254","inner_dst_ip":"10.9.8.7",
 "inner_src_port":65534,"inner_dst_port":60000,"vary_inner_src_port":true,
 "vary_inner_dst_port":true,"vary_inner_ip":true,"imix_sizes":[200,50,1000],
 "imix_weights":[1,5,3],"dst_mac":"02:aa:bb:cc:dd:ee","src_mac":"02:11:22:33:44:55",
 "is_arp_resolve":false}'
grep -q 'WARN: srv6: imix_sizes: skipping 50, below the smallest l3vpn_ipv4 frame with 3 segment(s) (138 bytes)' "$T/l3vpn.err" ||
	bad "l3vpn: no WARN line for the skipped size: $(cat "$T/l3vpn.err")"

run l2vpn 41 '{"mode":"L2VPN_ETH","segments":["2001:db8:a::1","2001:db8:b::2"],
 "dst_ip":"2001:db8:ffff::9","inner_src_mac":"a2:00:00:00:00:01","inner_dst_mac":"a2:00:00:00:00:02",
 "inner_src_ip":"172.16.1.1","inner_dst_ip":"172.16.2.2","inner_src_port":7,"inner_dst_port":9,
 "srh_tag_start":4660,"srh_tag_end":4660,"flow_label_start":3,"flow_label_end":6,
 "vary_inner_dst_port":true,"imix_sizes":[136,2048,500],"imix_weights":[0,2]}'

run ipv6 50 '{"mode":"ipv6","segments":["fc00:1::1","fc00:2::2","fc00:3::3","fc00:4::4","fc00:5::5"],
 "traffic_class":255,"flow_label_start":0,"flow_label_end":1048575,"inner_src_ip6":"fd00::fffe",
 "inner_dst_ip6":"fd00:1:2:3:4:5:6:7","inner_src_port":40000,"vary_inner_ip":true,
 "vary_inner_src_port":true,"srh_tag_start":1,"srh_tag_end":2,"imix_sizes":[190,1500],
 "imix_weights":[3,1]}'

segs=$(python3 -c 'import json; print(json.dumps(["2001:db8:%x::1" % i for i in range(1, 123)]))')
run many 7 "{\"segments\":$segs,\"imix_sizes\":[2042,2048],\"vary_inner_src_port\":true}"

# plugin run: the templates it answers with
printf '{"mode":"ipv6","imix_sizes":[300,400],"imix_weights":[1,1]}' >"$T/init.json"
"$X" plugin run "$P" --cfg "$T/init.json" --count 10 >"$T/init.out" 2>&1 || bad "plugin run: exit $?"
grep -q '^plugin srv6: 2 templates' "$T/init.out" && grep -q 'packet_count 5 .*tags \[srv6, ipv6\]' "$T/init.out" ||
	bad "plugin run: $(head -n 4 "$T/init.out")"

# bad configs: exit 1, one ERROR line naming the key
nbad=0
badcfg() { # KEY JSON
	local k=$1
	nbad=$((nbad + 1))
	printf '%s\n' "$2" >"$T/bad.json"
	"$X" --plugin "$P" --plugin-config "$T/bad.json" -o "$T/bad.pcap" -c 1 2>"$T/bad.err"
	local rc=$?
	local lines
	# the plugin's ERROR line, or xdperf's refusal of a value the plugin's declared
	# configuration (XDP_PLUGIN_CONFIG) rules out, before the plugin runs
	lines=$(grep -E 'ERROR|^xdperf: plugin srv6: config key ' "$T/bad.err" |
		grep -c -F -e "srv6: $k:" -e "config field \"$k\"" -e "config key \"$k\":")
	[ $rc = 1 ] && [ "$lines" = 1 ] || bad "config $2: exit $rc, $lines ERROR lines naming $k: $(cat "$T/bad.err")"
	[ -e "$T/bad.pcap" ] && bad "config $2: left a pcap behind"
}
badcfg mode '{"mode":"l3vpn"}'
badcfg mode '{"mode":7}'
badcfg segments '{"segments":[]}'
badcfg segments '{"segments":"2001:db8::1"}'
badcfg 'segments[0]' '{"segments":["10.0.0.1"]}'
badcfg 'segments[1]' '{"segments":["2001:db8::1","::ffff:10.0.0.1"]}'
badcfg segments "{\"segments\":$(python3 -c 'import json; print(json.dumps(["2001:db8::%x" % i for i in range(1, 129)]))')}"
badcfg src_ip '{"src_ip":"10.0.0.1"}'
badcfg dst_ip '{"dst_ip":"2001:db8::zz"}'
badcfg dst_mac '{"dst_mac":"nope"}'
badcfg traffic_class '{"traffic_class":256}'
badcfg flow_label_start '{"flow_label_start":1048576,"flow_label_end":1048576}'
badcfg flow_label_end '{"flow_label_start":5,"flow_label_end":4}'
badcfg srh_tag_end '{"srh_tag_start":10,"srh_tag_end":9}'
badcfg srh_tag_end '{"srh_tag_end":65536}'
badcfg inner_src_port '{"inner_src_port":65536}'
badcfg inner_src_ip '{"inner_src_ip":"300.1.1.1"}'
badcfg inner_dst_ip6 '{"mode":"ipv6","inner_dst_ip6":"fd00::g"}'
badcfg inner_src_mac '{"mode":"l2vpn_eth","inner_src_mac":"zz"}'
badcfg vary_inner_ip '{"vary_inner_ip":"yes"}'
badcfg is_arp_resolve '{"is_arp_resolve":3}'
badcfg imix_sizes '{"imix_sizes":[]}'
badcfg imix_sizes '{"imix_sizes":[60,105]}'
badcfg imix_sizes '{"imix_sizes":[200,9217]}'
badcfg 'imix_sizes[0]' '{"imix_sizes":["x"]}'
badcfg imix_weights '{"imix_weights":[1,-1]}'
echo "$nbad bad configs checked"

exit $fail

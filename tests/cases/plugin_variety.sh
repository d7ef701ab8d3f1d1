#!/usr/bin/env bash
# The variety plugin (plugins/variety.c, the Go xdperf's test_e2e_variety), run by the ASan/UBSan
# build into pcaps and decoded with tshark by tests/lib/plugin_variety_check.py:
#  - the default config ({}; 1605 packets, --src-mac 02:aa:bb:cc:dd:ee): all 15 kinds (16
#    templates, tcp = SYN + PSH/ACK), 100 frames each and the remainder 5 to ipv4_udp, sent in
#    rotation (the first 16 frames one of each, in order); in every frame every header field the
#    plugin writes (eth.dst/src/type, vlan.id and 802.1ad id, IPv4 TOS/len/id/flags/TTL/proto/
#    addresses, IPv6 tclass/flow/plen/next header/hop limit/addresses, UDP/TCP ports/lengths,
#    TCP seq/ack/flags/window, ICMP and ICMPv6 type/code/id/seq, ARP all fields, EAPOL version/
#    type/len, LLDP chassis/port/TTL, the MPLS stack, the SRH next header/type/segments left/last
#    entry/segment list, the VPN kinds' inner Ethernet) and the k-th value of every walk (TTL, TOS,
#    source ports, ipv4_udp source address / dst MAC / payload bytes, hop limit, IPv6 source, VLAN
#    ids, ICMP ids and seqs, TCP seq, raw payload, ARP sender address, EAPOL/LLDP source MAC),
#    payload and padding bytes; every IPv4 header, UDP, TCP, ICMP and ICMPv6 checksum valid,
#    the inner ones of l2vpn, l3vpn, l2vpn_srv6 and l3vpn_srv6 included;
#  - a config setting every key (addresses, MAC, ports, is_arp_resolve, payload_size, protocols
#    in mixed case with a repeat and an unknown name, weights with 0, VLAN ranges that wrap and a
#    constant outer id; 2203 packets): the same checks with those values, the shares by weight
#    (ipv4_udp 4 = 400 + the remainder 3, tcp 3 per template, eapol left out), one WARN line for
#    the unknown name, and `plugin run --json` giving the templates in protocols order with
#    those packet counts (count 0: the weights);
#  - protocols [] / ["All", "bogus"] give all 15 kinds;
#  - bad values of every kind of key: exit 1 and one ERROR line naming the key (the plugin's,
#    or xdperf's refusal of what the declared configuration rules out).
set -uo pipefail
T="$TMPDIR"
X="${XDPERF_ASAN:-$XDPERF}"
P="$REPO/build/plugins/variety.wasm"
C="$REPO/tests/lib/plugin_variety_check.py"
command -v tshark >/dev/null || { echo "tshark is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }
if [ ! -f "$P" ] || [ "$REPO/plugins/variety.c" -nt "$P" ]; then
	make -s -C "$REPO" build/plugins/variety.wasm >"$T/make.log" 2>&1 ||
		{ cat "$T/make.log"; echo "FAILED: cannot build $P"; exit 1; }
fi
fail=0
bad() { echo "FAILED: $*"; fail=1; }

run() { # NAME CFG COUNT [xdperf args...]
	local n=$1 cfg=$2 count=$3
	shift 3
	"$X" --plugin "$P" --plugin-config "$cfg" -o "$T/$n.pcap" -c "$count" "$@" 2>"$T/$n.err" ||
		{ bad "$n: exit $?: $(tail -n 3 "$T/$n.err")"; return 1; }
}
check() { # NAME CFG COUNT SRC_MAC
	if python3 "$C" check "$T/$1.pcap" "$2" "$3" "$4" >"$T/$1.chk" 2>&1; then
		echo "$1: $(cat "$T/$1.chk")"
	else
		bad "$1: $(head -n 12 "$T/$1.chk")"
	fi
}

# ---- defaults ----
echo '{}' >"$T/def.json"
run def "$T/def.json" 1605 --src-mac 02:aa:bb:cc:dd:ee && check def "$T/def.json" 1605 02:aa:bb:cc:dd:ee
grep -q "WARN\|ERROR" "$T/def.err" && bad "def: unexpected log lines: $(grep 'WARN\|ERROR' "$T/def.err")"

# ---- every key ----
cat >"$T/all.json" <<'EOF'
{"src_ip": "10.1.2.3", "dst_ip": "10.9.8.7", "src_ipv6": "fd00:1::10", "dst_ipv6": "fd00:2::20",
 "dst_mac": "02:11:22:33:44:55", "is_arp_resolve": true, "src_port": 4321, "dst_port": 9999,
 "payload_size": 64,
 "protocols": ["IPv4_UDP", "vlan", "QinQ", "tcp", "lldp", "bogus", "arp", "ipv4_udp", "l2vpn",
               "l3vpn", "l2vpn_srv6", "L3VPN_SRv6", "icmpv4", "icmpv6", "ipv6_udp", "raw", "eapol"],
 "weights": {"ipv4_udp": 2, "tcp": 3, "vlan": 1, "eapol": 0},
 "vlan_id": "100-102", "qinq_outer_vlan_id": 4094, "qinq_inner_vlan_id": "7-9"}
EOF
if run all "$T/all.json" 2203; then
	check all "$T/all.json" 2203 00:00:00:00:00:00
	[ "$(grep -c 'WARN: variety: protocols: unknown protocol "bogus" skipped' "$T/all.err")" = 1 ] ||
		bad "all: no single WARN line for the unknown protocol: $(grep -v '^xdperf: wrote' "$T/all.err")"
fi
for n in 2203 0; do
	"$X" plugin run "$P" --cfg "$T/all.json" --count $n --json >"$T/meta$n.json" 2>"$T/meta$n.err" ||
		bad "plugin run --count $n: exit $?"
	python3 "$C" meta "$T/meta$n.json" "$T/all.json" $n >"$T/meta$n.chk" 2>&1 &&
		echo "plugin run --count $n: $(cat "$T/meta$n.chk")" || bad "plugin run --count $n: $(head -n 5 "$T/meta$n.chk")"
done
# is_arp_resolve false changes nothing without a device
sed 's/"is_arp_resolve": true/"is_arp_resolve": false/' "$T/all.json" >"$T/noarp.json"
run noarp "$T/noarp.json" 2203 &&
	python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import pcapread as p
sys.exit([b for _, b in p.frames(sys.argv[2])] != [b for _, b in p.frames(sys.argv[3])])' \
		"$REPO/tests/lib" "$T/all.pcap" "$T/noarp.pcap" || bad "is_arp_resolve false: other frames"

# ---- "all" and the empty list ----
echo '{"protocols": ["All", "bogus"], "dst_port": 53}' >"$T/every.json"
run every "$T/every.json" 160 && check every "$T/every.json" 160 00:00:00:00:00:00
echo '{"protocols": []}' >"$T/empty.json"
run empty "$T/empty.json" 32 && check empty "$T/empty.json" 32 00:00:00:00:00:00

# ---- bad values: exit 1, one ERROR line naming the key ----
while IFS='|' read -r key cfg; do
	[ -n "$key" ] || continue
	printf '%s\n' "$cfg" >"$T/bad.json"
	"$X" --plugin "$P" --plugin-config "$T/bad.json" -o "$T/bad.pcap" -c 10 2>"$T/bad.err"
	rc=$?
	# the plugin's ERROR line, or xdperf's refusal of a value the plugin's declared
	# configuration (XDP_PLUGIN_CONFIG) rules out, before the plugin runs
	n=$(grep -E -c "ERROR: .*$key|^xdperf: plugin variety: config key \"$key\"" "$T/bad.err")
	if [ $rc != 1 ] || [ "$n" != 1 ] || [ -e "$T/bad.pcap" ]; then
		bad "$cfg: exit $rc, $n ERROR lines naming $key (want 1 and 1, no pcap): $(head -n 3 "$T/bad.err")"
	fi
done <<'EOF'
protocols|{"protocols": "tcp"}
protocols|{"protocols": [1]}
protocols|{"protocols": ["bogus", "mpls"]}
protocols|{"protocols": ["eapol"], "weights": {"eapol": 0}}
weights|{"weights": {"ospf": 1}}
weights|{"weights": {"tcp": -1}}
weights|{"weights": {"tcp": 1000001}}
weights|{"weights": [1]}
vlan_id|{"vlan_id": "5000"}
vlan_id|{"vlan_id": "10-5"}
qinq_outer_vlan_id|{"qinq_outer_vlan_id": 4096}
qinq_inner_vlan_id|{"qinq_inner_vlan_id": "x"}
src_ip|{"src_ip": "1.2.3"}
dst_ip|{"dst_ip": "1.2.3.256"}
src_ipv6|{"src_ipv6": "2001:db8::g"}
dst_ipv6|{"dst_ipv6": "10.0.0.1"}
dst_mac|{"dst_mac": "02:00:00:00:00"}
src_port|{"src_port": 70000}
dst_port|{"dst_port": -1}
is_arp_resolve|{"is_arp_resolve": "yes"}
payload_size|{"payload_size": "big"}
EOF

[ $fail = 0 ] && echo "variety: every kind, field, walk, checksum and share as documented"
exit $fail

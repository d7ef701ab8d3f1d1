#!/usr/bin/env bash
# The vxlan generator plugin (plugins/vxlan.c), written to pcap by the ASan/UBSan build and
# checked by tests/lib/plugin_vxlan_check.py, which rebuilds every expected frame byte by byte
# from the configuration (the Go plugin's keys and defaults) and decodes the pcap with tshark:
#  - the default config ({}: outer 10.0.0.1 -> 10.0.0.2, UDP 0 -> 4789, VNI 100, inner
#    02:00:00:00:01:01 -> :02, 192.168.0.1:1024 -> 192.168.0.2:5060, IMIX 128/768/1400 at 7:2:1)
#    and configs setting every key: an 802.1Q tag (vlan_id, vlan_pcp), VNI sweeps that wrap
#    (100..103), carry across bytes (254..258) and reach the 24-bit top (16777214..16777215),
#    sweeps of the outer and inner source ports and the inner source IP (wrapping at 65535 /
#    255.255.255.255, carrying across octets), inner_udp_checksum on and off, inner_mode ip /
#    IP / l2only (the inner sweeps then ignored), another dst_port (decoded as VXLAN), the MACs,
#    is_arp_resolve with no device (dst_mac kept, no warning), imix sizes below the minimum
#    skipped with a warning, missing and zero weights: every frame equals the expected bytes, each
#    template gets its exact share of the count, and tshark shows every field as configured, the
#    VXLAN I flag, VNI and reserved fields, every IPv4 header checksum (outer and inner) valid,
#    the outer UDP checksum absent (0) and the inner one valid or absent as configured;
#  - plugin run --json: each template's metadata.imix lists every size with its weight;
#  - bad configs (VNI past 24 bits, vni_end < vni_start, unknown inner_mode, empty / non-integer
#    / all-too-small imix_sizes, negative weight, VLAN id 4095, PCP 8, port 70000, bad MAC, bad
#    address, a size over 2048) give an ERROR line naming the key (the plugin's, or xdperf's
#    refusal of what the declared configuration rules out), exit 1 and no pcap.
set -uo pipefail
T="$TMPDIR"
X="${XDPERF_ASAN:-$XDPERF}"
P="$REPO/build/plugins/vxlan.wasm"
C="$REPO/tests/lib/plugin_vxlan_check.py"
command -v tshark >/dev/null || { echo "tshark is not installed"; exit 77; }
[ -f "$P" ] || { echo "FAILED: $P is not built"; exit 1; }
fail=0
bad() { echo "FAILED: $*"; fail=1; }

# run NAME COUNT [SRC_MAC]: config $T/NAME.json -> $T/NAME.pcap, checked
run() {
	local n=$1 c=$2 mac=${3:-00:00:00:00:00:00} args=()
	[ $# -ge 3 ] && args=(--src-mac "$mac")
	if ! "$X" --plugin "$P" --plugin-config "$T/$n.json" -o "$T/$n.pcap" -c "$c" "${args[@]}" 2>"$T/$n.err"; then
		bad "$n: exit $?: $(tail -n 3 "$T/$n.err")"
		return
	fi
	out=$(python3 "$C" "$T/$n.json" "$T/$n.pcap" "$c" "$mac") || { bad "$n: $out"; return; }
	echo "$n: $out"
}

echo '{}' >"$T/default.json"
run default 100
grep -q 'WARN\|ERROR' "$T/default.err" && bad "default: unexpected warning: $(grep -m1 'WARN\|ERROR' "$T/default.err")"

cat >"$T/sweep.json" <<'EOF'
{"src_ip": "172.16.1.2", "dst_ip": "172.16.9.8", "dst_mac": "0a:0b:0c:0d:0e:0f",
 "is_arp_resolve": true, "src_port": 65534, "dst_port": 4789, "vlan_id": 10, "vlan_pcp": 5,
 "vni_start": 100, "vni_end": 103, "inner_dst_mac": "12:34:56:78:9a:bc",
 "inner_src_mac": "de:ad:be:ef:00:01", "inner_mode": "ip", "inner_udp_checksum": true,
 "inner_src_ip": "255.255.255.253", "inner_dst_ip": "10.20.30.40", "inner_src_port": 65533,
 "inner_dst_port": 7777, "vary_inner_port": true, "vary_inner_ip": true, "vary_outer_port": true,
 "imix_sizes": [96, 50, 300, 1514], "imix_weights": [3, 9, 0]}
EOF
run sweep 101 02:aa:bb:cc:dd:ee
grep -q 'WARN: vxlan: imix_sizes: skipping 50' "$T/sweep.err" || bad "sweep: no warning for the skipped size 50"
grep -q 'is_arp_resolve' "$T/sweep.err" && bad "sweep: is_arp_resolve warned without a device"

cat >"$T/carry.json" <<'EOF'
{"vni_start": 254, "vni_end": 258, "vary_inner_ip": true, "inner_src_ip": "10.0.0.250",
 "vary_inner_port": true, "vary_outer_port": true, "inner_udp_checksum": false, "dst_port": 8472,
 "inner_mode": "IP", "imix_sizes": [92, 93], "imix_weights": [1, 1], "is_arp_resolve": false}
EOF
run carry 40 02:00:00:00:00:07

cat >"$T/l2only.json" <<'EOF'
{"inner_mode": "l2only", "vlan_id": 4094, "vlan_pcp": 7, "vni_start": 16777214, "vni_end": 16777215,
 "vary_outer_port": true, "src_port": 49152, "vary_inner_port": true, "vary_inner_ip": true,
 "inner_udp_checksum": true, "imix_sizes": [67, 68, 200], "imix_weights": [5, 2, 1]}
EOF
run l2only 30 02:00:00:00:00:08
grep -q 'skipping 67' "$T/l2only.err" || bad "l2only: no warning for the skipped size 67"

cat >"$T/l2min.json" <<'EOF'
{"inner_mode": "l2only", "vni_start": 0, "vni_end": 2, "imix_sizes": [64]}
EOF
run l2min 7

# metadata.imix on every template: all sizes with their weights
"$X" plugin run "$P" --cfg "$T/sweep.json" --count 10 --json >"$T/resp.json" 2>"$T/resp.err" || bad "plugin run --json: exit $?"
python3 - "$T/resp.json" <<'EOF' || bad "metadata.imix is not what the config says"
import json, sys
r = json.load(open(sys.argv[1]))
want = [{"size": 96, "weight": 3, "template": 0}, {"size": 300, "weight": 1, "template": 1},
        {"size": 1514, "weight": 1, "template": 2}]
assert len(r) == 3, len(r)
for t in r:
    assert t["metadata"]["imix"]["patterns"] == want, t["metadata"]["imix"]
assert [t["metadata"]["packet_count"] for t in r] == [6, 2, 2], [t["metadata"]["packet_count"] for t in r]
assert [t["template"]["base_packet"]["length"] for t in r] == [96, 300, 1514]
EOF

# bad configs: KEY JSON
i=0
while IFS=$'\t' read -r key cfg; do
	i=$((i + 1))
	printf '%s\n' "$cfg" >"$T/bad$i.json"
	"$X" --plugin "$P" --plugin-config "$T/bad$i.json" -o "$T/bad$i.pcap" -c 10 2>"$T/bad$i.err"
	rc=$?
	[ $rc = 1 ] || bad "$cfg: exit $rc, want 1"
	# the plugin's ERROR line, or xdperf's refusal of a value the plugin's declared
	# configuration (XDP_PLUGIN_CONFIG) rules out, before the plugin runs
	grep -m1 -E 'ERROR|^xdperf: plugin vxlan: config key ' "$T/bad$i.err" | grep -q "$key" ||
		bad "$cfg: no ERROR line naming $key: $(head -n 2 "$T/bad$i.err")"
	[ -e "$T/bad$i.pcap" ] && bad "$cfg: a pcap was written"
done <<'EOF'
vni_start	{"vni_start": 16777216, "vni_end": 16777216}
vni_end	{"vni_end": 16777216}
vni_end	{"vni_start": 200, "vni_end": 199}
vni_end	{"vni_start": 500}
inner_mode	{"inner_mode": "l3"}
imix_sizes	{"imix_sizes": []}
imix_sizes	{"imix_sizes": [128, "x"]}
imix_sizes	{"imix_sizes": 128}
imix_sizes	{"imix_sizes": [91, 60]}
imix_sizes	{"imix_sizes": [128, 9217]}
imix_weights	{"imix_weights": [1, -2]}
vlan_id	{"vlan_id": 4095}
vlan_pcp	{"vlan_pcp": 8}
src_port	{"src_port": 70000}
inner_src_port	{"inner_src_port": -1}
inner_dst_mac	{"inner_dst_mac": "02:00:00:00:01"}
dst_mac	{"dst_mac": "zz:00:00:00:00:00"}
inner_src_ip	{"inner_src_ip": "192.168.0"}
dst_ip	{"dst_ip": "10.0.0.256"}
vary_inner_ip	{"vary_inner_ip": "yes"}
EOF
echo "bad configs: $i checked"

[ $fail = 0 ] && echo "plugin_vxlan: all checks passed"
exit $fail

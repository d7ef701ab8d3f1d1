#!/usr/bin/env bash
# The gtpv1u generator plugin (GTPv1-U G-PDU), written to pcap by the ASan/UBSan build and
# checked by tests/lib/plugin_gtpv1u_check.py against its own model of the rules:
#  - five configs: every default (5G PSC, DL, QFI 9, inner UDP without checksum, IMIX 128/768/
#    1400 at 7:2:1); every outer key set, a TEID walk across 2^32-1, a QFI walk with RQI, the
#    sequence flag, an inner UDP checksum kept right while the inner source port walks past
#    65535, imix sizes with a too-small one (skipped with a WARN line), a weight of 0 and a
#    missing weight; inner ICMP with an uplink PSC (RQI ignored), the smallest frame and a
#    2048-byte one; the 4G header (no PSC, no sequence number: QFI keys ignored) and the
#    12-byte header with only the sequence number;
#  - in each pcap: every frame byte for byte as the model, the sizes interleaved by weight
#    (each run of W frames holds w of each size), each template walking its own TEID / QFI /
#    port sequence and wrapping; tshark's dissection of every field (outer and inner addresses,
#    ports, lengths, TTL, flags, GTP flags/type/length/TEID/sequence number, PSC PDU type/RQI/
#    QFI, ICMP type/id/seq, payload length) equal to the model, no malformed frame, and every
#    checksum tshark verifies good: outer and inner IPv4 headers, outer UDP, inner UDP (when
#    computed; 0 = absent otherwise) and inner ICMP;
#  - plugin run shows the templates' modifiers and positioned checksums, and the count split by
#    weight as the host splits an IMIX (largest remainder, the earliest first on a tie);
#  - bad values (ranges, end < start, unknown words, empty / too large / all-unusable imix
#    sizes, negative weights, bad addresses, wrong types) each give exit 1, no pcap, and
#    exactly one ERROR line naming the key (or xdperf's one line refusing a value the
#    plugin's declared configuration rules out).
set -uo pipefail
T="$TMPDIR"
X="${XDPERF_ASAN:-$XDPERF}"
P="$REPO/build/plugins/gtpv1u.wasm"
C="$REPO/tests/lib/plugin_gtpv1u_check.py"
command -v tshark >/dev/null || { echo "tshark is not installed"; exit 77; }
[ -f "$P" ] || { echo "FAILED: $P is missing (make build/plugins/gtpv1u.wasm)"; exit 1; }
fail=0
bad() { echo "FAILED: $*"; fail=1; }

run() { # NAME COUNT CONFIG-JSON
	local n=$1 c=$2
	printf '%s' "$3" >"$T/$n.json"
	if ! "$X" --plugin "$P" --plugin-config "$T/$n.json" -o "$T/$n.pcap" -c "$c" 2>"$T/$n.err"; then
		bad "$n: exit $?: $(tail -n 3 "$T/$n.err")"
		return 1
	fi
	if python3 "$C" "$T/$n.pcap" "$T/$n.json" "$c" >"$T/$n.chk"; then
		echo "$n: $(cat "$T/$n.chk")"
	else
		bad "$n: $(head -n 8 "$T/$n.chk")"
	fi
}

run default 40 '{}'
run full 45 '{"src_ip":"172.16.1.10","dst_ip":"172.16.2.20","dst_mac":"02:00:00:00:00:02",
 "src_mac":"02:00:00:00:00:01","src_port":40000,"is_arp_resolve":true,
 "teid_start":4294967290,"teid_end":4294967295,"enable_psc":true,"enable_seq":true,
 "pdu_type":"DL","rqi":true,"qfi_start":3,"qfi_end":7,"inner_proto":"udp",
 "inner_udp_checksum":true,"inner_src_ip":"10.45.0.7","inner_dst_ip":"10.200.3.4",
 "inner_src_port":65530,"inner_dst_port":4000,"vary_inner_port":true,
 "imix_sizes":[100,60,300,500],"imix_weights":[2,5,0]}'
grep -q 'WARN: gtpv1u: imix_sizes: skipping 60, below the smallest GTP-U frame of this config (86 bytes)' "$T/full.err" ||
	bad "full: no WARN line for the 60-byte size: $(cat "$T/full.err")"
run icmp_ul 32 '{"inner_proto":"ICMP","pdu_type":"UL","rqi":true,"qfi_start":0,"qfi_end":2,
 "teid_start":100,"teid_end":102,"inner_udp_checksum":true,"vary_inner_port":true,
 "is_arp_resolve":false,"imix_sizes":[86,2048,85],"imix_weights":[1,3,1]}'
run nopsc 24 '{"enable_psc":false,"teid_start":0,"teid_end":4,"qfi_start":50,"qfi_end":1,
 "pdu_type":"","inner_proto":"","src_port":0,"inner_src_port":65535,"vary_inner_port":true,
 "inner_udp_checksum":true,"imix_sizes":[78,1000,77],"imix_weights":[1,2]}'
run seqonly 10 '{"enable_psc":false,"enable_seq":true,"inner_src_port":30000,"inner_dst_port":9999,
 "imix_sizes":[82,600],"imix_weights":[3,2]}'

# the response itself: modifiers and positioned checksums per template
"$X" plugin run "$P" --cfg "$T/full.json" --count 30 >"$T/run.out" 2>&1 || bad "plugin run: exit $?"
# sizes 100 (weight 2), 300 (weight 0: counts as 1), 500 (no weight: 1); 60 is too small
[ "$(grep -c 'modifiers 3  checksums 4' "$T/run.out")" = 3 ] ||
	bad "plugin run: want 3 templates with 3 modifiers and 4 checksums: $(grep metadata "$T/run.out")"
[ "$(grep -o 'packet_count [0-9]*' "$T/run.out" | tr '\n' ' ')" = "packet_count 15 packet_count 8 packet_count 7 " ] ||
	bad "plugin run: packet counts $(grep -o 'packet_count [0-9]*' "$T/run.out" | tr '\n' ' '), want 15, 8, 7 (30 over weights 2:1:1: 15, 7.5, 7.5, one more to the largest remainders, the earliest first)"
printf '{"imix_weights":[1,1,1]}' >"$T/w.json"
"$X" plugin run "$P" --cfg "$T/w.json" --count 11 >"$T/w.out" 2>&1 || bad "plugin run 1:1:1: exit $?"
[ "$(grep -o 'packet_count [0-9]*' "$T/w.out" | tr '\n' ' ')" = "packet_count 4 packet_count 4 packet_count 3 " ] ||
	bad "plugin run 1:1:1 of 11: $(grep -o 'packet_count [0-9]*' "$T/w.out" | tr '\n' ' '), want 4 4 3"

# bad configurations: exit 1, no pcap, one ERROR line naming the key
nbad=0
refuse() { # KEY CONFIG-JSON
	local k=$1
	nbad=$((nbad + 1))
	printf '%s' "$2" >"$T/bad$nbad.json"
	"$X" --plugin "$P" --plugin-config "$T/bad$nbad.json" -o "$T/bad$nbad.pcap" -c 5 2>"$T/bad$nbad.err"
	local rc=$?
	[ $rc = 1 ] || bad "$2: exit $rc, want 1"
	[ ! -e "$T/bad$nbad.pcap" ] || bad "$2: a pcap was written"
	local n
	# the plugin's ERROR line, or xdperf's own refusal of a value its declared configuration
	# (XDP_PLUGIN_CONFIG) rules out, before the plugin runs
	local re='ERROR|^xdperf: plugin gtpv1u: config key '
	n=$(grep -E "$re" "$T/bad$nbad.err" | grep -c -- "$k")
	[ "$n" = 1 ] && grep -m1 -E "$re" "$T/bad$nbad.err" | grep -q -- "$k" ||
		bad "$2: want one (the first) ERROR line naming $k: $(cat "$T/bad$nbad.err")"
}
refuse 'gtpv1u: teid_end: must be >= teid_start' '{"teid_start":5,"teid_end":4}'
refuse 'config key "teid_end": 4294967296 is above the maximum 4294967295' '{"teid_end":4294967296}'
refuse 'config key "qfi_start": 64 is above the maximum 63' '{"qfi_start":64,"qfi_end":64}'
refuse 'gtpv1u: qfi_end: must be >= qfi_start' '{"qfi_start":5,"qfi_end":4}'
refuse 'config key "src_port": 70000 is above the maximum 65535' '{"src_port":70000}'
refuse 'config key "inner_dst_port": 65536 is above the maximum 65535' '{"inner_dst_port":65536}'
refuse 'gtpv1u: pdu_type: "sideways"' '{"pdu_type":"sideways"}'
refuse 'gtpv1u: inner_proto: "tcp"' '{"inner_proto":"tcp"}'
refuse 'gtpv1u: imix_sizes: must not be empty' '{"imix_sizes":[]}'
refuse 'gtpv1u: imix_sizes: no size left' '{"imix_sizes":[50,85]}'
refuse 'gtpv1u: imix_sizes: no size left' '{"imix_sizes":[20,30],"imix_weights":[0,0]}'
refuse 'gtpv1u: imix_sizes: 9217 is above 9216' '{"imix_sizes":[128,9217]}'
refuse 'config key "imix_sizes": expected an array' '{"imix_sizes":"128"}'
refuse 'gtpv1u: imix_weights: -1 is outside' '{"imix_weights":[1,-1,1]}'
refuse 'src_ip' '{"src_ip":"10.0.0.300"}'
refuse 'inner_dst_ip' '{"inner_dst_ip":"fd00::1"}'
refuse 'dst_mac' '{"dst_mac":"zz:00:00:00:00:00"}'
refuse 'enable_psc' '{"enable_psc":"yes"}'
echo "$nbad bad configs refused"
exit $fail

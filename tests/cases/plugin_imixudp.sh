#!/usr/bin/env bash
# The imixudp generator plugin (plugins/imixudp.c, the Go xdperf's imixudp), written to pcap by
# the ASan/UBSan build and decoded with tshark:
#  - the default config for 1, 7, 100, 997, 1000 and 5000 packets, a config setting every key
#    (addresses, MACs, ports, payload_size 30, imix_ratio [5,3,2]) for 10, 1003 and 3000, a
#    payload_size (2000) longer than every frame, and imix_ratio [7,0,0] (a weight 0 counts
#    as 1) for 301: the frame lengths and their exact counts (each variant's share
#    floor(count * w / W), the remainder to the large one, spread evenly over its lengths
#    64..84 / 500..600 / 1500), every header field and payload byte, the walks (short: the
#    j-th frame of length 64 + t has source port 1024 + (t + j) mod 101, wrapping past 1124 at
#    5000 packets; mid: port 2000 + t; large: source 192.168.1.1.. .254 and again, src_port),
#    each checked by tests/lib/plugin_imixudp_check.py against its own reading of the rules and
#    against tshark's decoding, and every IPv4 header and UDP checksum valid for tshark;
#  - count 0 (a run until --duration): the response's metadata.imix weights, sent through
#    --templates for whole send cycles, give the variants exactly 60:34:6 and equal lengths;
#  - the templates (plugin run): 123 for the default config, tags and the checksums kept;
#  - is_arp_resolve: no device = dst_mac silently; a device it cannot resolve on (root: a veth
#    pair in two namespaces) = one WARN line and dst_mac kept; false = no resolution;
#  - bad values of every key: one ERROR line naming the key (the plugin's, or xdperf's refusal
#    of what its declared configuration rules out), exit 1, no pcap.
set -uo pipefail
T="$TMPDIR"
X="${XDPERF_ASAN:-$XDPERF}"
[ -x "$X" ] || X="$XDPERF"
P="$REPO/build/plugins/imixudp.wasm"
C="$REPO/tests/lib/plugin_imixudp_check.py"
command -v tshark >/dev/null || { echo "tshark is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }
[ -f "$P" ] || { echo "FAILED: $P is missing (make build/plugins/imixudp.wasm)"; exit 1; }
fail=0
bad() { echo "FAILED: $*"; fail=1; }
FIELDS=(frame.len eth.dst eth.src ip.version ip.hdr_len ip.dsfield ip.len ip.id ip.flags
	ip.frag_offset ip.ttl ip.proto ip.src ip.dst ip.checksum.status udp.srcport udp.dstport
	udp.length udp.checksum.status)
decode() { # PCAP OUT.tsv
	local a=() f
	for f in "${FIELDS[@]}"; do a+=(-e "$f"); done
	tshark -r "$1" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -T fields \
		-E separator=/t -E occurrence=f "${a[@]}" >"$2" 2>/dev/null
}
checkpcap() { # NAME PCAP CFG COUNT [--weights]
	local name=$1 pcap=$2 cfg=$3 n=$4
	shift 4
	decode "$pcap" "$T/d.tsv" || { bad "$name: tshark failed"; return; }
	if python3 "$C" check "$pcap" "$T/d.tsv" "$cfg" "$n" "$@" >"$T/chk"; then
		echo "$name: $(cat "$T/chk")"
	else
		bad "$name: $(head -n 5 "$T/chk")"
	fi
}
run() { # NAME CFG COUNT
	local name=$1 cfg=$2 n=$3
	"$X" --plugin "$P" --plugin-config "$cfg" -o "$T/$name.pcap" -c "$n" 2>"$T/$name.err" ||
		{ bad "$name: exit $?: $(tail -n 2 "$T/$name.err")"; return; }
	grep -q "wrote $n packets" "$T/$name.err" || bad "$name: $(tail -n 1 "$T/$name.err")"
	grep -E '^\[plugin imixudp\] (ERROR|WARN)' "$T/$name.err" | grep -v 'response needs' |
		grep -q . && bad "$name: unexpected plugin lines: $(grep '^\[plugin' "$T/$name.err")"
	checkpcap "$name $n" "$T/$name.pcap" "$cfg" "$n"
}

echo '{}' >"$T/default.json"
for n in 1 7 100 997 1000 5000; do
	run "default$n" "$T/default.json" $n
done

cat >"$T/all.json" <<'EOF'
{"src_ip": "10.1.2.3", "dst_ip": "172.16.9.8", "dst_mac": "02:11:22:33:44:55",
 "src_mac": "02:aa:bb:cc:dd:ee", "is_arp_resolve": false, "src_port": 40000, "dst_port": 53,
 "payload_size": 30, "imix_ratio": [5, 3, 2]}
EOF
for n in 10 1003 3000; do
	run "all$n" "$T/all.json" $n
done
printf '{"payload_size": 2000, "src_port": 0, "dst_port": 65535}' >"$T/big.json"
run big "$T/big.json" 500
printf '{"imix_ratio": [7, 0, 0]}' >"$T/zero.json"
run zero "$T/zero.json" 301

# count 0: the shares come from metadata.imix weights (one send cycle is exact)
"$X" plugin run "$P" --count 0 --json >"$T/r0.json" 2>"$T/r0.err" || bad "plugin run --count 0: exit $?"
python3 - "$T/r0.json" >"$T/r0.chk" <<'PY' || bad "count 0 response: $(cat "$T/r0.chk")"
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r) == 123, len(r)
pats = r[0]["metadata"]["imix"]["patterns"]
assert all(t["metadata"]["imix"] == r[0]["metadata"]["imix"] for t in r)
assert all(t["metadata"]["packet_count"] == 0 for t in r)
want = [{"size": 64 + i, "weight": 60 * 101, "template": i} for i in range(21)] + \
       [{"size": 500 + i, "weight": 34 * 21, "template": 21 + i} for i in range(101)] + \
       [{"size": 1500, "weight": 6 * 2121, "template": 122}]
assert pats == want, pats[:3]
PY
cyc=$(python3 "$C" cycle "$T/default.json")
[ "$cyc" = 35350 ] || bad "send cycle $cyc, want 35350"
"$X" --templates "$T/r0.json" -o "$T/w.pcap" -c "$cyc" 2>"$T/w.err" || bad "--templates (count 0 response): exit $?: $(tail -n 1 "$T/w.err")"
checkpcap "count 0 weights, $cyc" "$T/w.pcap" "$T/default.json" "$cyc" --weights

# the templates
"$X" plugin run "$P" --count 1000 --json >"$T/r.json" 2>/dev/null || bad "plugin run: exit $?"
python3 - "$T/r.json" >"$T/r.chk" <<'PY' || bad "templates: $(cat "$T/r.chk")"
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r) == 123, len(r)
tags = [t["metadata"]["tags"] for t in r]
assert tags == [["imixudp", "imix-short"]] * 21 + [["imixudp", "imix-mid"]] * 101 + [["imixudp", "imix-large"]], tags
for t in r:
    cs = sorted(c["layer"] for c in t["template"]["checksums"])
    assert cs == ["ipv4", "udp"], cs
    assert "imix" not in t["metadata"]
assert sum(t["metadata"]["packet_count"] for t in r) == 1000
mods = [t["template"]["modifiers"] for t in r]
assert all(len(m) == 1 for m in mods[:21]) and all(m == [] for m in mods[21:122]) and len(mods[122]) == 1, mods
PY

# is_arp_resolve (default true): with no device (pcap output) dst_mac is used, silently (the
# default runs above). On a device (root: a veth pair in two namespaces, lib/netns.sh) where
# dst_ip (192.168.1.2) has no neighbour: one WARN line, dst_mac kept; false asks nothing.
# (device_name is a request key the host adds on a device run, not a configuration key: the
# plugin's declared configuration refuses it, so a device run is the way to get there.)
if [ "$(id -u)" = 0 ] && ip netns list >/dev/null 2>&1; then
	. "$REPO/tests/lib/netns.sh"
	. "$REPO/tests/lib/capture.sh"
	netns_pair_setup
	printf '{"dst_mac": "02:00:00:00:00:09", "src_mac": "02:00:00:00:00:01"}' >"$T/arp.json"
	XDPERF_BIN=$X cap_send "$T/arp.all.pcap" -- --plugin "$P" --plugin-config "$T/arp.json" \
		--mode afpacket -c 50
	tshark -r "$T/arp.all.pcap" -F pcap -Y udp -w "$T/arp.pcap" 2>/dev/null # not the resolver's ARP
	[ "$SEND_RC" = 0 ] || bad "arp: exit $SEND_RC: $(tail -n 2 "$T/send.err")"
	[ "$(grep -c 'WARN: imixudp: is_arp_resolve: no MAC for 192.168.1.2 on the run.s device; keeping dst_mac' "$T/send.err")" = 1 ] ||
		bad "is_arp_resolve: want one WARN line: $(cat "$T/send.err")"
	checkpcap "is_arp_resolve (unresolved, $IF_A) 50" "$T/arp.pcap" "$T/arp.json" 50
	printf '{"dst_mac": "02:00:00:00:00:09", "src_mac": "02:00:00:00:00:01", "is_arp_resolve": false}' >"$T/noarp.json"
	XDPERF_BIN=$X cap_send "$T/noarp.all.pcap" -- --plugin "$P" --plugin-config "$T/noarp.json" \
		--mode afpacket -c 50
	tshark -r "$T/noarp.all.pcap" -F pcap -Y udp -w "$T/noarp.pcap" 2>/dev/null # the UDP frames
	[ "$SEND_RC" = 0 ] || bad "noarp: exit $SEND_RC: $(tail -n 2 "$T/send.err")"
	grep -q 'is_arp_resolve' "$T/send.err" && bad "noarp: $(grep is_arp_resolve "$T/send.err")"
	checkpcap "is_arp_resolve false ($IF_A) 50" "$T/noarp.pcap" "$T/noarp.json" 50
else
	echo "is_arp_resolve on a device: not checked (needs root and ip netns)"
fi

# bad configs: one ERROR line naming the key (the plugin's, or xdperf's refusal of what the
# declared configuration rules out), exit 1, nothing written
err_case() { # KEY JSON
	local key=$1 rc=0
	printf '%s' "$2" >"$T/e.json"
	"$X" --plugin "$P" --plugin-config "$T/e.json" -o "$T/e.pcap" -c 10 >/dev/null 2>"$T/e.err" || rc=$?
	[ $rc = 1 ] || bad "$2: exit $rc, want 1"
	local lines
	# the plugin's ERROR line, or xdperf's refusal of a value the plugin's declared
	# configuration (XDP_PLUGIN_CONFIG) rules out, before the plugin runs
	lines=$(grep -E '^\[plugin imixudp\] ERROR|^xdperf: plugin imixudp: config key ' "$T/e.err" |
		grep -v 'generate failed')
	[ "$(printf '%s\n' "$lines" | grep -c .)" = 1 ] && printf '%s' "$lines" | grep -qF "$key" ||
		bad "$2: want one ERROR line naming $key: $(cat "$T/e.err")"
	[ -e "$T/e.pcap" ] && bad "$2: a pcap was written"
	rm -f "$T/e.pcap"
	echo "bad config $2: $lines"
}
err_case imix_ratio '{"imix_ratio": [60, 40]}'
err_case imix_ratio '{"imix_ratio": [1, 2, 3, 4]}'
err_case imix_ratio '{"imix_ratio": "60,34,6"}'
err_case 'imix_ratio[0]' '{"imix_ratio": [-1, 2, 3]}'
err_case 'imix_ratio[2]' '{"imix_ratio": [1, 2, 4294967296]}'
err_case 'imix_ratio[1]' '{"imix_ratio": [1, 2.5, 3]}'
err_case src_port '{"src_port": 65536}'
err_case dst_port '{"dst_port": -1}'
err_case payload_size '{"payload_size": 65508}'
err_case src_ip '{"src_ip": "10.0.0.256"}'
err_case dst_ip '{"dst_ip": "example"}'
err_case dst_mac '{"dst_mac": "02:00:00:00:00"}'
err_case src_mac '{"src_mac": "zz:00:00:00:00:00"}'
err_case is_arp_resolve '{"is_arp_resolve": "yes"}'

[ $fail = 0 ] && echo "plugin_imixudp: all checks passed"
exit $fail

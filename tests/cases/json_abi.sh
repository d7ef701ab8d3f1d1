#!/usr/bin/env bash
# The Go xdperf 0.11 plugin ABI and its response object, written to pcap (the ASan/UBSan
# build), checked against the rules as tests/lib/json_abi.py computes them independently:
#  - a plugin answering through its buffers and one answering through the goshim imports
#    (tests/lib/json_abi.py wat) get {"plugin_config": base64 of the configuration} at init,
#    the configuration + count + device_mac_addr at process and {} at cleanup;
#  - four variants (a sequential and a mixed field and a constant one; a length walk 100..103
#    with a sequential address; IPv6 + SRH with a 6-byte MAC walk and a 1-byte field passing
#    255; GTP-U with nested checksums) give exactly the frames of the rules, in order, with
#    each variant's share floor(count * w / W) (weight 0 counting as 1), for 100 and 101
#    packets; tshark finds every IP/UDP checksum valid, the inner ones of GTP-U included;
#  - pattern mixed: shares by weight;
#  - init answering success false, process returning -3, a bad template_type, a byte_size of 3
#    and a field past the frame each give one line naming it and exit 1; 17 variants: the 17th
#    dropped with a warning;
#  - the plugin guide's array form with checksums given by position: GTP-U whose inner source
#    walks 254 addresses, inner IPv4/UDP and outer UDP checksums all valid per tshark;
#  - a split needing a send cycle over 65536 frames (1000001 packets) gets a warning; 1000000 none;
#  - plugin inspect names the ABI.
set -uo pipefail
T="$TMPDIR"
X="${XDPERF_ASAN:-$XDPERF}"
J="$REPO/tests/lib/json_abi.py"
command -v wat2wasm >/dev/null || { echo "wat2wasm (wabt) is not installed"; exit 77; }
command -v tshark >/dev/null || { echo "tshark is not installed"; exit 77; }
fail=0
bad() { echo "FAILED: $*"; fail=1; }

python3 "$J" resp "$T/seq.json" && python3 "$J" resp "$T/mixed.json" --pattern mixed || exit 1
mk() { # NAME RESP [wat args...]
	local n=$1 r=$2
	shift 2
	python3 "$J" wat "$r" "$T/$n.wat" "$@" && wat2wasm "$T/$n.wat" -o "$T/$n.wasm" ||
		{ echo "FAILED: cannot build the $n plugin"; exit 1; }
}
mk buf "$T/seq.json"
mk shim "$T/seq.json" --goshim
mk mixed "$T/mixed.json"
printf '{"flows": 7, "name": "x"}' >"$T/cfg.json"

for p in buf shim; do
	for n in 100 101; do
		"$X" --plugin "$T/$p.wasm" --plugin-config "$T/cfg.json" -o "$T/$p$n.pcap" -c $n 2>"$T/$p$n.err" ||
			bad "$p $n: exit $?: $(tail -n 2 "$T/$p$n.err")"
		python3 "$J" check "$T/$p$n.pcap" "$T/seq.json" $n >"$T/chk" || bad "$p $n: frames differ from the rules: $(grep FAIL "$T/chk" | head -n 3)"
		echo "$p $n: $(tr '\n' ' ' <"$T/chk")"
		badck=$(tshark -r "$T/$p$n.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
			-Y 'ip.checksum.status == 0 || udp.checksum.status == 0' -T fields -e frame.number 2>/dev/null | wc -l)
		good=$(tshark -r "$T/$p$n.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
			-Y 'udp.checksum.status == 1' -T fields -e frame.number 2>/dev/null | wc -l)
		[ "$badck" = 0 ] && [ "$good" = $n ] || bad "$p $n: tshark: $badck frames with a bad checksum, $good with a valid UDP one (want 0 and $n)"
	done
	# what the plugin got (it logs each input)
	init=$(sed -n 's/.*INFO: \({"plugin_config".*\)/\1/p' "$T/${p}100.err" | head -n 1)
	cfg=$(python3 -c 'import json,sys,base64; print(base64.b64decode(json.loads(sys.argv[1])["plugin_config"]).decode())' "$init" 2>/dev/null)
	[ "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]) == json.load(open(sys.argv[2])))' "$cfg" "$T/cfg.json")" = True ] ||
		bad "$p: init got $init, not the configuration in base64"
	grep -q 'INFO: {"flows":7,"name":"x","count":100,"device_mac_addr":"AAAAAAAA"}' "$T/${p}100.err" ||
		bad "$p: process request: $(grep -m1 '"count"' "$T/${p}100.err")"
	grep -q 'INFO: {}$' "$T/${p}100.err" || bad "$p: cleanup got no {}"
done

"$X" --plugin "$T/mixed.wasm" -o "$T/mixed.pcap" -c 500 2>"$T/mixed.err" || bad "mixed: exit $?"
python3 "$J" check "$T/mixed.pcap" "$T/mixed.json" 500 --any-order >"$T/chk" || bad "mixed: $(grep FAIL "$T/chk" | head -n 3)"
echo "mixed: $(tr '\n' ' ' <"$T/chk")"

# errors: one line naming the problem, exit 1
err_case() { # NAME WANT-TEXT wasm
	local name=$1 want=$2 w=$3 rc=0
	"$X" --plugin "$w" -o "$T/e.pcap" -c 10 >/dev/null 2>"$T/e.err" || rc=$?
	[ $rc = 1 ] || bad "$name: exit $rc, want 1"
	grep -v '^\[plugin' "$T/e.err" | grep -qF "$want" || bad "$name: no line with '$want': $(cat "$T/e.err")"
	[ "$(grep -vc '^\[plugin' "$T/e.err")" = 1 ] || bad "$name: more than one line: $(cat "$T/e.err")"
	[ -s "$T/e.pcap" ] && bad "$name: a pcap was written"
	rm -f "$T/e.pcap"
}
mk initfail "$T/seq.json" --init-answer '{"success":false,"error":"no such mode"}'
err_case "init success false" "plugin_init answered success false: no such mode" "$T/initfail.wasm"
mk initjunk "$T/seq.json" --init-answer 'ok'
err_case "init junk" 'plugin_init answered invalid JSON, not {"success": true}' "$T/initjunk.wasm"
mk code "$T/seq.json" --process-code -3
err_case "process -3" "plugin_process failed with error code -3" "$T/code.wasm"
python3 - "$T/seq.json" "$T" <<'PY'
import json, sys, copy
r = json.load(open(sys.argv[1])); t = sys.argv[2]
a = copy.deepcopy(r); a["template_type"] = "fancy"; json.dump(a, open(t + "/type.json", "w"))
b = copy.deepcopy(r); b["variable_packet_template"]["variants"][0]["variable_params"][0]["byte_size"] = 3
json.dump(b, open(t + "/size.json", "w"))
c = copy.deepcopy(r); c["variable_packet_template"]["variants"][0]["variable_params"][0]["byte_start"] = 99
json.dump(c, open(t + "/past.json", "w"))
d = copy.deepcopy(r); v = d["variable_packet_template"]["variants"]
d["variable_packet_template"]["variants"] = [copy.deepcopy(v[0]) for _ in range(17)]
json.dump(d, open(t + "/many.json", "w"))
PY
mk type "$T/type.json"
err_case "template_type" 'template_type: "fancy" (raw or variable)' "$T/type.wasm"
mk size "$T/size.json"
err_case "byte_size 3" "variants[0].variable_params[0].byte_size: 3 (1, 2, 4, 6 or 8)" "$T/size.wasm"
mk past "$T/past.json"
err_case "past the frame" "variants[0].variable_params[0]: bytes 99..100 are past the end of the 100-byte frame" "$T/past.wasm"
mk many "$T/many.json"
"$X" --plugin "$T/many.wasm" -o "$T/many.pcap" -c 32 2>"$T/many.err" || bad "17 variants: exit $?"
grep -q "warning: plugin many: variants past the first 16 dropped (17 given)" "$T/many.err" ||
	bad "17 variants: no warning: $(grep -v '^\[plugin' "$T/many.err")"
[ "$(python3 "$REPO/tests/lib/pcapread.py" "$T/many.pcap")" = 32 ] || bad "17 variants: not 32 frames"

# the array form with positioned checksums: GTP-U whose inner source address walks, the inner
# IPv4 and UDP and the outer UDP checksum (which covers them) given by position
python3 - "$T/gtp.json" <<'PY'
import base64, json, sys
sys.path.insert(0, __import__("os").environ["REPO"] + "/tests/lib")
import json_abi
f = json_abi.frames_of_variants()[3]
t = {"template": {"base_packet": {"data": base64.b64encode(f).decode(), "length": len(f)},
     "modifiers": [{"target": {"offset": 62, "length": 4}, "operation": "increment",
                    "params": {"min": 0xC0A80001, "max": 0xC0A800FE}}],
     "checksums": [{"layer": "ipv4", "auto_update": True},
                   {"checksum_offset": 60, "header_start": 50, "header_len": 0, "ip_header_offset": 50},
                   {"checksum_offset": 76, "header_start": 70, "header_len": 0, "ip_header_offset": 50},
                   {"checksum_offset": 40, "header_start": 34, "header_len": 0, "ip_header_offset": 14}]}}
json.dump([t], open(sys.argv[1], "w"))
PY
"$X" --templates "$T/gtp.json" -o "$T/gtp.pcap" -c 300 2>"$T/gtp.err" || bad "array form, positioned checksums: exit $?: $(cat "$T/gtp.err")"
read -r nfr nbad nsrc < <(tshark -r "$T/gtp.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
	-T fields -E separator=';' -e ip.checksum.status -e udp.checksum.status -e ip.src 2>/dev/null |
	awk -F';' '{ n++; if ($1 != "1,1" || $2 != "1,1") b++; split($3, a, ","); s[a[2]] = 1 }
		 END { k = 0; for (x in s) k++; print n, b + 0, k }')
[ "$nfr" = 300 ] && [ "$nbad" = 0 ] && [ "$nsrc" = 254 ] ||
	bad "array form, positioned checksums: $nfr frames, $nbad with a bad checksum, $nsrc inner sources (want 300, 0, 254)"
echo "array form with positioned checksums: $nfr GTP-U frames, $nbad bad checksums, $nsrc inner sources"

# a split that needs a longer send cycle than the schedule holds is said, not hidden
"$X" plugin run "$T/buf.wasm" --count 1000001 >/dev/null 2>"$T/split.err" || bad "plugin run 1000001: exit $?"
grep -q "warning: plugin buf: the exact split of 1000001 packets over the variants needs a send cycle of 1000001 frames" "$T/split.err" ||
	bad "no warning about the inexact split: $(grep -v '^\[plugin' "$T/split.err")"
"$X" plugin run "$T/buf.wasm" --count 1000000 >/dev/null 2>"$T/split.err" || bad "plugin run 1000000: exit $?"
grep -q "warning" "$T/split.err" && bad "a warning for a split that fits: $(grep warning "$T/split.err")"

"$X" plugin inspect "$T/shim.wasm" >"$T/i.txt" 2>&1
grep -q "generator plugin ABI: OK (the Go xdperf 0.11 form" "$T/i.txt" || bad "inspect: $(tail -n 1 "$T/i.txt")"
grep -q "not provided" "$T/i.txt" && bad "inspect: goshim imports reported as not provided"

[ $fail = 0 ] && echo "json ABI: buffers and goshim, variable templates, errors: all as the rules say"
exit $fail

#!/usr/bin/env bash
# Declared plugin configuration (docs/plugin-config.md): the library's schema reading and
# checking and the SDK's check inside the plugin (tests/unit/plugin_config_test.c, ASan/UBSan);
# the CLI refusing a mistyped or mistyped-value key with one line before anything is sent (JSON
# and YAML configurations, xdperf -p and plugin run); xdperf plugin list (text and JSON, search
# order) and plugin inspect showing the declaration; -p NAME of a protocol module.
set -euo pipefail
cd "$REPO"
T=$TMPDIR
fail=0
bad() { echo "FAIL: $*"; fail=1; }
W=build/plugins/ipv6udp.wasm
[ -f "$W" ] || { echo "FAILED: $W missing (make plugins)"; exit 1; }

# shellcheck source=tests/lib/asan_build.sh
. "$REPO/tests/lib/asan_build.sh"
asan_build "$T/plugin_config_test" "$REPO/tests/unit/plugin_config_test.c"
ASAN_OPTIONS=detect_leaks=1 "$T/plugin_config_test" "$W" || bad "plugin_config_test"

# refused before anything is written: exit 1, one line naming the key, no output file
refuse() { # WANT FILE-CONTENT EXT [ARGS...]
	local want=$1 content=$2 ext=$3; shift 3
	printf '%s\n' "$content" >"$T/cfg.$ext"
	rm -f "$T/out.pcap"
	local rc=0
	"$XDPERF_ASAN" "$@" --cfg "$T/cfg.$ext" 2>"$T/err" >"$T/out" || rc=$?
	if [ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -qF -- "$want" "$T/err" && [ ! -e "$T/out.pcap" ]; then
		echo "ok refused: $(cat "$T/err")"
	else
		bad "$* with $content: exit $rc, stderr: $(cat "$T/err"), want: $want"
	fi
}
G=(-p ipv6udp -o "$T/out.pcap" -c 5)
refuse 'xdperf: plugin ipv6udp: config key "vlan_id" is unknown (did you mean "vlan"?)' '{"vlan_id":42}' json "${G[@]}"
refuse 'config key "vlan_id" is unknown (did you mean "vlan"?)' 'vlan_id: 42' yaml "${G[@]}"
refuse 'config key "vlan": expected an integer, got a string "x"' '{"vlan":"x"}' json "${G[@]}"
refuse 'config key "vlan": 4096 is above the maximum 4095' 'vlan: 4096' yaml "${G[@]}"
refuse 'config key "dst_ip": "10.0.0.2" is not an IPv6 address' '{"dst_ip":"10.0.0.2"}' json "${G[@]}"
refuse 'config key "vlan_id" is unknown (did you mean "vlan"?)' '{"vlan_id":42}' json plugin run ipv6udp
# a good one is taken and acts: the VLAN tag is on the frames
printf '{"vlan":42}\n' >"$T/good.json"
"$XDPERF" -p ipv6udp --cfg "$T/good.json" -o "$T/good.pcap" -c 3 2>"$T/err" || bad "a good config: $(cat "$T/err")"
n=$(tshark -r "$T/good.pcap" -Y 'vlan.id == 42 && udp' 2>/dev/null | wc -l)
[ "$n" = 3 ] && echo "ok {\"vlan\":42}: 3 tagged frames" || bad "{\"vlan\":42} gave $n tagged frames"

# plugin list: every generator plugin of the build tree, none of the protocol modules
"$XDPERF_ASAN" plugin list >"$T/list" 2>"$T/err" || bad "plugin list failed: $(cat "$T/err")"
grep -q '^ipv6udp  *guide  one IPv6/UDP template' "$T/list" && grep -q 'keys: src_ip dst_ip src_port' "$T/list" &&
	echo "ok plugin list shows ipv6udp's ABI, description and keys" || bad "plugin list: $(head -n 20 "$T/list")"
for p in build/plugins/*.wasm; do
	grep -q "^$(basename "$p" .wasm) " "$T/list" || bad "plugin list lacks $p"
done
grep -q '^echo ' "$T/list" && bad "plugin list shows a protocol module"
"$XDPERF_ASAN" plugin list --json >"$T/list.json" || bad "plugin list --json"
python3 - "$T/list.json" <<'PY' || bad "plugin list --json contents"
import json, sys, os
l = json.load(open(sys.argv[1]))
names = [e["name"] for e in l]
assert names == sorted(names), names
want = sorted(f[:-5] for f in os.listdir("build/plugins") if f.endswith(".wasm"))
assert names == want, (names, want)
e = {e["name"]: e for e in l}["ipv6udp"]
assert e["abi"] == "guide" and e["description"].startswith("one IPv6/UDP"), e
assert e["config"]["vlan"] == {"type": "integer", "min": 0, "max": 4095,
                               "description": "802.1Q VLAN ID (absent: untagged)"}, e["config"]["vlan"]
assert e["config"]["*"] is False
print("ok plugin list --json:", len(l), "plugins, ipv6udp's keys as declared")
PY
# -P DIR first: a plugin there hides the build tree's of the same name; a non-plugin is named
mkdir -p "$T/pp"
cp build/plugins/ipv6udp.wasm "$T/pp/simpleudp.wasm"
printf 'junk' >"$T/pp/junk.wasm"
"$XDPERF_ASAN" plugin list -P "$T/pp" >"$T/list2"
grep -A3 '^simpleudp ' "$T/list2" | grep -q "$T/pp/simpleudp.wasm" && [ "$(grep -c '^simpleudp ' "$T/list2")" = 1 ] &&
	echo "ok -P DIR comes first, once" || bad "-P order: $(grep -A3 '^simpleudp' "$T/list2")"
grep -q '^junk  *-  *not a plugin: ' "$T/list2" && echo "ok a broken module is listed as not a plugin" ||
	bad "junk: $(grep junk "$T/list2")"
"$XDPERF_ASAN" plugin list --bogus 2>"$T/err" && bad "plugin list --bogus ran"
grep -q "unknown option '--bogus'" "$T/err" || bad "plugin list --bogus: $(cat "$T/err")"

# plugin inspect: the declaration as a table
"$XDPERF_ASAN" plugin inspect ipv6udp >"$T/insp" || bad "plugin inspect ipv6udp"
grep -q '^configuration (declared; other keys are refused):' "$T/insp" &&
	grep -Eq '^  vlan +integer 0\.\.4095 +- +802\.1Q VLAN ID' "$T/insp" &&
	grep -Eq '^  hop_limit +integer 1\.\.255 +64 ' "$T/insp" &&
	echo "ok plugin inspect shows the configuration" || bad "plugin inspect: $(grep -A12 configuration "$T/insp")"

# -p NAME of a protocol module: said so, nothing run
"$XDPERF" -p echo -o "$T/e.pcap" -c 1 2>"$T/err" && bad "-p echo ran"
grep -q "'echo' is a protocol module (.*build/protocols/echo.wasm), not a generator plugin" "$T/err" &&
	echo "ok -p echo: $(cat "$T/err")" || bad "-p echo: $(cat "$T/err")"
"$XDPERF" -p build/protocols/echo.wasm -o "$T/e.pcap" -c 1 2>"$T/err" && bad "-p echo.wasm ran"
grep -q "a protocol module (it exports handle), not a generator plugin" "$T/err" || bad "-p echo.wasm: $(cat "$T/err")"

[ "$fail" = 0 ] && echo "plugin_config: all checks passed"
exit "$fail"

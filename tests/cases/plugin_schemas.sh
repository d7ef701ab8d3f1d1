#!/usr/bin/env bash
# Every generator plugin of the build (build/plugins/*.wasm but the verify_* verifiers, which
# have an ABI of their own; the Rust and AssemblyScript ones of make plugins-extra too) declares its configuration (XDP_PLUGIN_CONFIG, sdk/xdperf_plugin.h),
# and the declaration matches its code (tests/lib/plugin_schemas.py):
#  - its "xdperf.config" custom section holds a one-line "description", "keys" with a "type" and
#    a "description" each, and "*": false (no other keys taken);
#  - the declared keys are exactly the keys plugins/NAME.c reads: string literals given as a key
#    to xdp_req_* / xdp_json_get_* / xdp_json_find or to a function taking the request (the
#    plugin's own wrappers, the SDK's xdp_req_imix), plus those the SDK helpers it calls read,
#    without the keys the host adds to every request (count, device_mac_addr, device_name);
#    a key missing on either side is named;
#  - a configuration setting every key that declares a default to that default gives the same
#    frames as no configuration (-o FILE.pcap, 300 packets; both the host's check and the SDK's
#    own one at plugin_init accept it);
#  - a misspelled key (the first declared one with its last letter doubled) is refused with one
#    line: config key "..." is unknown (did you mean "..."?), exit 1, no pcap.
set -uo pipefail
cd "$REPO"
T=$TMPDIR
X=$XDPERF
S=tests/lib/plugin_schemas.py
fail=0
bad() { echo "FAILED: $*"; fail=1; }
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }

n=0
for w in build/plugins/*.wasm; do
	name=$(basename "$w" .wasm)
	case "$name" in verify_*) continue ;; esac
	n=$((n + 1))
	src=plugins/$name.c
	# a Rust or AssemblyScript plugin (make plugins-extra): every check but the C key reader's
	for s in plugins/rust/$name.rs plugins/as/$name.ts; do [ -f "$s" ] && src=$s; done
	[ -f "$src" ] || { bad "$name: no $src for $w"; continue; }

	# the declaration's shape
	if ! python3 "$S" schema "$w" >"$T/$name.schema.json"; then
		bad "$name: $(cat "$T/$name.schema.json")"
		continue
	fi
	python3 - "$T/$name.schema.json" "$name" <<'PY' || bad "$name: its declaration's shape"
import json, sys
s, name = json.load(open(sys.argv[1])), sys.argv[2]
d = s.get("description")
assert isinstance(d, str) and d and "\n" not in d, f"{name}: description {d!r}"
keys = s["keys"]
assert keys.get("*") is False, f'{name}: "*" is {keys.get("*")!r}, want false'
for k, v in keys.items():
    if k == "*":
        continue
    assert isinstance(v.get("type"), str) and v["type"], f"{name}: {k} has no type"
    assert isinstance(v.get("description"), str) and v["description"], f"{name}: {k} has no description"
PY

	# the declared keys = the keys its code reads
	if [ "${src##*.}" != c ]; then
		echo "ok $name: its keys are not read from $src (C sources only)"
	elif python3 "$S" check "$w" "$src" sdk >"$T/$name.check"; then
		echo "ok $name: $(cat "$T/$name.check")"
	else
		while IFS= read -r l; do bad "$name: $l"; done <"$T/$name.check"
	fi

	# every default spelled out = no configuration
	python3 "$S" defaults "$w" >"$T/$name.defaults.json"
	if "$X" -p "$w" -o "$T/$name.none.pcap" -c 300 2>"$T/$name.none.err" &&
		"$X" -p "$w" --plugin-config "$T/$name.defaults.json" -o "$T/$name.def.pcap" -c 300 2>"$T/$name.def.err"; then
		if python3 "$S" frames "$T/$name.none.pcap" "$T/$name.def.pcap" >"$T/$name.cmp"; then
			echo "ok $name: its defaults ($(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/$name.defaults.json") keys) give the frames of no configuration: $(cat "$T/$name.cmp")"
		else
			bad "$name: its declared defaults ($(cat "$T/$name.defaults.json")) change the frames: $(cat "$T/$name.cmp")"
		fi
	else
		bad "$name: a run failed: $(tail -n 2 "$T/$name.none.err" "$T/$name.def.err" 2>/dev/null)"
	fi

	# a misspelled key: one line naming it and the declared key meant
	key=$(python3 -c 'import json,sys; print(next(k for k in json.load(open(sys.argv[1]))["keys"] if k != "*"))' "$T/$name.schema.json")
	typo=$key${key: -1}
	printf '{"%s": 1}\n' "$typo" >"$T/$name.typo.json"
	rm -f "$T/$name.typo.pcap"
	rc=0
	"$X" -p "$w" --plugin-config "$T/$name.typo.json" -o "$T/$name.typo.pcap" -c 3 2>"$T/$name.typo.err" || rc=$?
	want="xdperf: plugin $name: config key \"$typo\" is unknown (did you mean \"$key\"?)"
	if [ $rc = 1 ] && [ "$(cat "$T/$name.typo.err")" = "$want" ] && [ ! -e "$T/$name.typo.pcap" ]; then
		echo "ok $name: $want"
	else
		bad "$name: {\"$typo\": 1}: exit $rc, no pcap: $([ -e "$T/$name.typo.pcap" ] && echo no || echo yes), stderr: $(cat "$T/$name.typo.err"), want: $want"
	fi
done
[ "$n" -ge 11 ] || bad "only $n generator plugins in build/plugins (make plugins)"
[ $fail = 0 ] && echo "plugin_schemas: $n plugins declare exactly the keys they read"
exit $fail

#!/usr/bin/env bash
# `xdperf run PROFILE` refuses what a user can get wrong in a profile (no root needed): each
# error is one line naming the stream and the key (with a suggestion for a misspelt key),
# and the command exits 2 (1 for a source that fails: a plugin's config, a frame too short
# to carry a stamp), before anything is sent.
set -uo pipefail
cd "$REPO"
T="$TMPDIR"
fail=0
no() { echo "FAIL: $*"; fail=1; }
python3 tests/lib/mktmpl.py --frame udp4 --len 100 --dport 9000 >"$T/u.json"
python3 tests/lib/mktmpl.py --frame udp4 --len 60 --dport 9000 >"$T/short.json"

# expect NAME EXIT REGEX -- profile text on stdin; runs `xdperf run` on it (-d lo)
expect() {
	local name=$1 want=$2 re=$3
	cat >"$T/$name.yaml"
	(cd "$T" && "$XDPERF" run "$name.yaml" -d lo -q) >"$T/$name.out" 2>"$T/$name.err"
	local rc=$?
	[ "$rc" = "$want" ] || no "$name: exit $rc, want $want: $(cat "$T/$name.err")"
	[ "$(wc -l <"$T/$name.err")" = 1 ] ||
		no "$name: not one line: $(cat "$T/$name.err")"
	grep -Eq -- "$re" "$T/$name.err" || no "$name: message '$(cat "$T/$name.err")' !~ /$re/"
}

expect key_typo 2 'stream video: unknown key "rat" \(did you mean "rate"\?\)' <<'EOF'
streams:
  - {name: voice, templates: u.json, rate: 10}
  - {name: video, templates: u.json, rat: 10}
EOF
expect run_key_typo 2 'profile: unknown key "thread" \(did you mean "threads"\?\)' <<'EOF'
thread: 2
streams: [{name: a, templates: u.json}]
EOF
expect two_paces 2 'stream a: "rate" and "gap" both set the pace' <<'EOF'
streams: [{name: a, templates: u.json, rate: 10, gap: 1ms}]
EOF
expect share_alone 2 'stream a: "share" needs the profile.s "rate"' <<'EOF'
streams: [{name: a, templates: u.json, share: 0.5}]
EOF
expect share_range 2 'stream a: "share" must be a fraction' <<'EOF'
rate: 1000
streams: [{name: a, templates: u.json, share: 1.5}]
EOF
expect no_source 2 'stream a: give one source' <<'EOF'
streams: [{name: a, rate: 10}]
EOF
expect two_sources 2 'stream a: give one source.*not several' <<'EOF'
streams: [{name: a, templates: u.json, plugin: simpleudp}]
EOF
expect bad_time 2 'stream a: "start" must be a time' <<'EOF'
streams: [{name: a, templates: u.json, start: 5 parsecs}]
EOF
expect bad_rate 2 'stream a: "rate" must be packets per second' <<'EOF'
streams: [{name: a, templates: u.json, rate: -3}]
EOF
expect bad_bitrate 2 'stream a: "bitrate" must be bits per second' <<'EOF'
streams: [{name: a, templates: u.json, bitrate: 10X}]
EOF
expect bad_count 2 'stream a: "count" must be a whole number' <<'EOF'
streams: [{name: a, templates: u.json, count: 1.5}]
EOF
expect burst_alone 2 'stream a: "burst" needs a pace' <<'EOF'
streams: [{name: a, templates: u.json, burst: 8}]
EOF
expect burst_keys 2 'stream a: burst: unknown key "evry" \(did you mean "every"\?\)' <<'EOF'
streams: [{name: a, templates: u.json, burst: {packets: 8, evry: 1ms}}]
EOF
expect dup_names 2 'stream a: the name is used twice \(streams 1 and 2\)' <<'EOF'
streams: [{name: a, templates: u.json}, {name: a, templates: u.json}]
EOF
expect unnamed 2 'stream stream2: unknown key "rte"' <<'EOF'
streams: [{templates: u.json}, {templates: u.json, rte: 5}]
EOF
expect no_streams 2 'profile: "streams" must be a list of at least one stream' <<'EOF'
device: lo
EOF
expect bad_mode 2 'profile: "mode" must be xdp or afpacket' <<'EOF'
mode: dpdk
streams: [{name: a, templates: u.json}]
EOF
expect yaml 2 'profile .*yaml: invalid YAML at line [0-9]' <<'EOF'
streams:
  - {name: a, templates: u.json
EOF
expect config_key 2 'stream a: "config" is for a plugin source' <<'EOF'
streams: [{name: a, templates: u.json, config: {x: 1}}]
EOF
expect after_unknown 2 'stream b: "after": no stream is named "x"' <<'EOF'
streams: [{name: a, templates: u.json, rate: 10, count: 5}, {name: b, templates: u.json, after: x}]
EOF
expect after_later 2 'stream a: "after": stream b comes later in the list' <<'EOF'
streams: [{name: a, templates: u.json, after: b}, {name: b, templates: u.json, rate: 10, count: 5}]
EOF
expect after_endless 2 'stream b: "after": stream a has no end known in advance' <<'EOF'
streams: [{name: a, templates: u.json, count: 5}, {name: b, templates: u.json, after: a}]
EOF
# a short frame in a stamped stream: the transmit check names the stream and its frame
expect stamp_short 1 'stream b: frame 0: cannot carry a stamp' <<'EOF'
streams: [{name: a, templates: u.json, stamp: true}, {name: b, templates: short.json, stamp: true}]
EOF

# a plugin's configuration error: the plugin's own line, then where it came from
cat >"$T/cfg.yaml" <<'EOF'
streams: [{name: web, plugin: simpleudp, config: {dst_portt: 80}}]
EOF
(cd "$T" && "$XDPERF" run cfg.yaml -d lo -q) >/dev/null 2>"$T/cfg.err"
rc=$?
[ $rc = 1 ] || no "plugin config: exit $rc: $(cat "$T/cfg.err")"
grep -q 'dst_portt' "$T/cfg.err" || no "plugin config: the key is not named: $(cat "$T/cfg.err")"
grep -q '(in stream web of cfg.yaml)' "$T/cfg.err" || no "plugin config: the stream is not named"

# command line
"$XDPERF" run >/dev/null 2>"$T/e1"; rc=$?
[ $rc = 2 ] && grep -q 'give a profile' "$T/e1" || no "no profile: exit $rc $(cat "$T/e1")"
"$XDPERF" run "$T/missing.yaml" -d lo >/dev/null 2>"$T/e2"; rc=$?
[ $rc = 2 ] && grep -q "cannot read profile .*missing.yaml" "$T/e2" || no "missing file: $rc $(cat "$T/e2")"
printf 'streams: [{name: a, templates: u.json}]\n' >"$T/nodev.yaml"
(cd "$T" && "$XDPERF" run nodev.yaml) >/dev/null 2>"$T/e3"; rc=$?
[ $rc = 2 ] && grep -q 'give a device' "$T/e3" || no "no device: $rc $(cat "$T/e3")"
"$XDPERF" run "$T/nodev.yaml" -d lo --paralelism 2 >/dev/null 2>"$T/e4"; rc=$?
[ $rc = 2 ] && grep -q "did you mean '--parallelism'" "$T/e4" || no "option typo: $rc $(cat "$T/e4")"
"$XDPERF" run --help >"$T/h1" 2>&1; grep -q -- '--server-addr' "$T/h1" || no "run --help"
"$XDPERF" help run >"$T/h2" 2>&1; grep -q 'PROFILE' "$T/h2" || no "help run"

# SIGINT while a stream's plugin is starting (its plugin_process loops): one line saying so,
# exit 130 within 2 s (the plugin is interrupted; it would run out of fuel only after seconds)
wat2wasm tests/plugins/infinite_loop.wat -o "$T/loop.wasm"
printf 'streams:\n  - name: hang\n    plugin: %s\n' "$T/loop.wasm" >"$T/stop.yaml"
"$XDPERF" run "$T/stop.yaml" -d lo -q >"$T/stop.out" 2>"$T/stop.err" &
pid=$!
sleep 2 # well inside plugin_process (its fuel lasts about 9 s, more under ASan)
t0=$(date +%s%N)
kill -INT "$pid"
wait "$pid"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$rc" = 130 ] || no "SIGINT while a plugin starts: exit $rc, want 130: $(cat "$T/stop.err")"
[ "$ms" -lt 2000 ] || no "SIGINT while a plugin starts: took $ms ms to exit"
[ "$(cat "$T/stop.err")" = "xdperf: stopped by SIGINT while stream hang's plugin was starting; nothing sent" ] ||
	no "SIGINT while a plugin starts: stderr was [$(cat "$T/stop.err")]"
[ -s "$T/stop.out" ] && no "SIGINT while a plugin starts: stdout [$(cat "$T/stop.out")]"

[ $fail = 0 ] && echo "profile errors: all refused with one line"
exit $fail

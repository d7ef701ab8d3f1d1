#!/usr/bin/env bash
# xdperf plugin inspect / run: module reflection and ABI check (good plugin, missing export, WASI
# command, unknown import), templates decoded layer by layer with checksum validation (simpleudp,
# tcpsyn, ipv6udp), --json, user errors; plus the decoder unit test (tests/unit/decode_test.c,
# ASan/UBSan) on hand-made frames including deliberately corrupted checksums.
set -uo pipefail
cd "$REPO"
X="$XDPERF_ASAN"
fail=0
no() { echo "FAIL: $*"; fail=1; }
has() { grep -qF -- "$2" "$1" || no "expected '$2' in $(basename "$1"): $(cat "$1")"; }

# decoder unit test
if gcc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE -Iinclude -Isrc -O1 -g \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	src/packet/decode.c tests/unit/decode_test.c -o "$TMPDIR/decode_test"; then
	"$TMPDIR/decode_test" > "$TMPDIR/unit.txt" 2>&1 || no "decode_test: $(cat "$TMPDIR/unit.txt")"
else
	no "cannot build tests/unit/decode_test.c"
fi

# inspect: a real plugin
"$X" plugin inspect build/plugins/simpleudp.wasm > "$TMPDIR/i.txt" 2>&1 || no "inspect simpleudp: exit $?: $(cat "$TMPDIR/i.txt")"
has "$TMPDIR/i.txt" "generator plugin ABI: OK"
has "$TMPDIR/i.txt" "env.host_log  func (i32, i32, i32) -> ()"
has "$TMPDIR/i.txt" "plugin_process  func (i32, i32, i32, i32) -> (i32)"
has "$TMPDIR/i.txt" "memory  memory initial"
grep -q "^memory: initial [0-9]* pages" "$TMPDIR/i.txt" || no "no memory line: $(cat "$TMPDIR/i.txt")"
"$X" plugin inspect simpleudp > "$TMPDIR/i2.txt" 2>&1 || no "inspect by name: $(cat "$TMPDIR/i2.txt")"

inspect_bad() { # file expected-text
	"$X" plugin inspect "$1" > "$TMPDIR/b.txt" 2>&1
	local rc=$?
	[ "$rc" = 1 ] || no "inspect $1: exit $rc, expected 1: $(cat "$TMPDIR/b.txt")"
	has "$TMPDIR/b.txt" "$2"
	grep -q "ABI: OK" "$TMPDIR/b.txt" && no "inspect $1 says OK"
}
for w in missing_process command unknown_import wrong_signature; do
	wat2wasm "tests/plugins/$w.wat" -o "$TMPDIR/$w.wasm" || no "wat2wasm $w"
done
inspect_bad "$TMPDIR/missing_process.wasm" "missing export plugin_process(i32, i32, i32, i32) -> (i32)"
inspect_bad "$TMPDIR/command.wasm" "WASI command (it exports _start)"
inspect_bad "$TMPDIR/unknown_import.wasm" "import env.nope (func (i32) -> ()) is not provided by the host"
inspect_bad "$TMPDIR/wrong_signature.wasm" "the plugin ABI needs"
printf 'not wasm' > "$TMPDIR/junk.wasm"
"$X" plugin inspect "$TMPDIR/junk.wasm" > "$TMPDIR/j.txt" 2>&1 && no "inspect junk: exit 0"
grep -q "junk.wasm: " "$TMPDIR/j.txt" || no "inspect junk: $(cat "$TMPDIR/j.txt")"

# run: decoded templates
"$X" plugin run simpleudp > "$TMPDIR/s.txt" 2>&1 || no "run simpleudp: $(cat "$TMPDIR/s.txt")"
has "$TMPDIR/s.txt" "192.168.1.1 -> 192.168.1.2"
has "$TMPDIR/s.txt" "1234 -> 5678"
grep -q "IPv4 .*checksum 0x[0-9a-f]* valid" "$TMPDIR/s.txt" || no "simpleudp IPv4 checksum: $(cat "$TMPDIR/s.txt")"
grep -q "UDP .*checksum 0x[0-9a-f]* valid" "$TMPDIR/s.txt" || no "simpleudp UDP checksum: $(cat "$TMPDIR/s.txt")"
has "$TMPDIR/s.txt" "Payload   1024 bytes"
has "$TMPDIR/s.txt" "packet_count 1"
grep -q INVALID "$TMPDIR/s.txt" && no "simpleudp: INVALID checksum"

"$X" plugin run tcpsyn > "$TMPDIR/t.txt" 2>&1 || no "run tcpsyn: $(cat "$TMPDIR/t.txt")"
grep -q "TCP .*flags SYN .*checksum 0x[0-9a-f]* valid" "$TMPDIR/t.txt" || no "tcpsyn: $(cat "$TMPDIR/t.txt")"

"$X" plugin run ipv6udp > "$TMPDIR/v.txt" 2>&1 || no "run ipv6udp: $(cat "$TMPDIR/v.txt")"
has "$TMPDIR/v.txt" "IPv6 "
grep -q "UDP .*checksum 0x[0-9a-f]* valid" "$TMPDIR/v.txt" || no "ipv6udp UDP checksum: $(cat "$TMPDIR/v.txt")"

printf '{"src_ports":"1000-1003","flows":4}' > "$TMPDIR/flows.json"
"$X" plugin run udpflows --cfg "$TMPDIR/flows.json" --count 8 > "$TMPDIR/f.txt" 2>&1 || no "run udpflows: $(cat "$TMPDIR/f.txt")"
[ "$(grep -c '^template ' "$TMPDIR/f.txt")" = 4 ] || no "udpflows: expected 4 templates: $(cat "$TMPDIR/f.txt")"
has "$TMPDIR/f.txt" '"count":8'

"$X" plugin run simpleudp --json > "$TMPDIR/s.json" 2>"$TMPDIR/s.err" || no "run --json: $(cat "$TMPDIR/s.err")"
python3 -m json.tool "$TMPDIR/s.json" > /dev/null || no "--json output is not JSON: $(head -c 300 "$TMPDIR/s.json")"

# user errors
err() { # expected-status expected-text args...
	local want=$1 text=$2; shift 2
	"$X" "$@" >"$TMPDIR/e.out" 2>"$TMPDIR/e.err"
	local got=$?
	[ "$got" = "$want" ] || no "xdperf $*: exit $got, expected $want ($(cat "$TMPDIR/e.err"))"
	grep -qF -- "$text" "$TMPDIR/e.err" || no "xdperf $*: expected message '$text', got '$(cat "$TMPDIR/e.err")'"
}
err 2 "unknown subcommand 'frob'" plugin frob simpleudp
err 2 "usage: xdperf plugin" plugin
err 2 "no plugin given" plugin run
err 2 "no plugin given" plugin inspect
err 1 "cannot read /nonexistent.wasm" plugin inspect /nonexistent.wasm
err 1 "plugin 'nosuch' not found" plugin run nosuch
err 1 "cannot read plugin /nonexistent.wasm" plugin run /nonexistent.wasm
err 2 '--count: "x": expected a whole number with optional k/M/G suffix' plugin run simpleudp --count x
err 2 "unknown option '--bogus'" plugin run simpleudp --bogus
err 2 "only applies to plugin run" plugin inspect simpleudp --json
err 1 "cannot read plugin configuration /nonexistent.json" plugin run simpleudp --cfg /nonexistent.json
# a -P/--plugin-path that is no directory is an error in one line, not silently skipped
err1() { # the same, and stderr is that one line
	err "$@"
	[ "$(wc -l <"$TMPDIR/e.err")" = 1 ] || no "xdperf ${*:3}: expected one line, got: $(cat "$TMPDIR/e.err")"
}
err1 2 "xdperf plugin list: --plugin-path '/nonexistent': No such file or directory" plugin list -P /nonexistent
err1 2 "xdperf plugin inspect: --plugin-path '/etc/passwd': not a directory" plugin inspect simpleudp -P /etc/passwd
err1 2 "xdperf plugin run: --plugin-path '/nonexistent': No such file or directory" plugin run simpleudp --plugin-path /nonexistent
err1 2 "xdperf: --plugin-path '/nonexistent': No such file or directory" -p simpleudp -P /nonexistent -o "$TMPDIR/p.pcap"
err1 2 "xdperf: --plugin-path '': empty" -p simpleudp -P "" -o "$TMPDIR/p.pcap"
printf 'device: lo\nplugin_path: /nonexistent\nstreams:\n  - name: a\n    plugin: simpleudp\n' >"$TMPDIR/pp.yaml"
err1 2 "xdperf run: --plugin-path '/nonexistent': No such file or directory" run "$TMPDIR/pp.yaml" -P /nonexistent
err1 2 "xdperf run: plugin_path '/nonexistent' in $TMPDIR/pp.yaml: No such file or directory" run "$TMPDIR/pp.yaml"
"$X" plugin list -P "$TMPDIR" >/dev/null 2>"$TMPDIR/e.err" || no "plugin list -P DIR (a directory): $(cat "$TMPDIR/e.err")"
# a plugin_cleanup that traps fails the command in one line, before anything is written
wat2wasm tests/plugins/cleanup_trap.wat -o "$TMPDIR/cleanup_trap.wasm"
err1 1 "xdperf: plugin cleanup_trap: trap in plugin_cleanup: unreachable" plugin run "$TMPDIR/cleanup_trap.wasm"
[ -s "$TMPDIR/e.out" ] && no "plugin run printed templates although plugin_cleanup trapped: $(head -2 "$TMPDIR/e.out")"
rm -f "$TMPDIR/ct.pcap"
err1 1 "xdperf: plugin cleanup_trap: trap in plugin_cleanup: unreachable" -p "$TMPDIR/cleanup_trap.wasm" -o "$TMPDIR/ct.pcap"
[ -e "$TMPDIR/ct.pcap" ] && no "a pcap was written although plugin_cleanup trapped"
wat2wasm tests/plugins/trap.wat -o "$TMPDIR/trap.wasm"
err 1 "trap in plugin_process" plugin run "$TMPDIR/trap.wasm"
exit $fail

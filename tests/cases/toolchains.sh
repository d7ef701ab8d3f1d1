#!/usr/bin/env bash
# Generator plugins and protocol modules in Rust and AssemblyScript (make plugins-extra, which
# make test builds: plugins/rust, plugins/as, protocols/rust, protocols/as with sdk/rust and
# sdk/assemblyscript; docs/plugin-languages.md), on both binaries where it matters:
#  - they pass `plugin inspect` / `protocol check` (asc's default runtime and Rust's std load);
#  - udp_rs and udp_as write the frames simpleudp (C) writes, with no configuration and with one
#    setting every key (-o FILE.pcap); with flows 5 the UDP source port walks 4000..4004 packet
#    by packet and tshark finds every IPv4 and UDP checksum valid; a misspelled key is refused
#    with one line (their declared configuration);
#  - echo_rs and echo_as answer, under `xdperf protocol call`, a text and a binary message (all
#    256 byte values) byte for byte, 300 times without an error; under `xdperf serve` (UDP)
#    datagrams of 1, 100 and 1400 bytes come back, a panic/throw datagram gets none, with one log
#    line, and the next datagram is answered;
#  - a Rust panic (tests/plugins/rust_faults.rs) and an AssemblyScript throw
#    (tests/plugins/as_faults.ts) in plugin_process: exit 1 and exactly one stderr line, the trap
#    naming the message and its source line; in a protocol module: one line, fault trap;
#  - the memory cap: those plugins allocating a MiB at a time stop at --plugin-memory-pages
#    (64 pages: under 4 MiB held; 512: more than 16) with one error line saying the cap refused
#    to grow the plugin's memory and how to raise it, and no pcap; --plugin-memory-pages 0 is
#    refused (exit 2, one line).
set -uo pipefail
. "$REPO/tests/lib/serve.sh"
cd "$REPO" || exit 1
need_tools python3 tshark
make -s plugins plugins-extra >"$T/make.log" 2>&1 || { cat "$T/make.log"; echo "FAILED: make plugins plugins-extra"; exit 1; }
P=build/plugins
PM=build/protocols
ok() { echo "ok $*"; }

# the test plugins: built as the Makefile builds plugins/rust and plugins/as
RUSTC=/usr/bin/rustc
target=wasm32-wasi
grep -qx wasm32-wasip1 <<<"$($RUSTC --print target-list)" && target=wasm32-wasip1
$RUSTC --edition 2021 --target $target --crate-type cdylib -O -C strip=debuginfo -C link-arg=--export=malloc \
	-C link-arg=--export=free -o "$T/rust_faults.wasm" tests/plugins/rust_faults.rs ||
	{ echo "FAILED: rustc tests/plugins/rust_faults.rs"; exit 1; }
sdk/assemblyscript/node_modules/.bin/asc tests/plugins/as_faults.ts -o "$T/as_faults.wasm" --optimize ||
	{ echo "FAILED: asc tests/plugins/as_faults.ts"; exit 1; }

# ---- loading ----------------------------------------------------------------------------------
for p in udp_rs udp_as; do
	"$XDPERF_ASAN" plugin inspect $P/$p.wasm >"$T/inspect" 2>&1 && grep -q "generator plugin ABI: OK" "$T/inspect" &&
		ok "$p: plugin inspect: ABI OK" || bad "$p: plugin inspect: $(tail -n 3 "$T/inspect")"
done
for m in echo_rs echo_as; do
	"$XDPERF_ASAN" protocol check $PM/$m.wasm >"$T/check" 2>&1 && grep -q "$m.wasm: OK, protocol module" "$T/check" &&
		ok "$m: protocol check OK" || bad "$m: protocol check: $(cat "$T/check")"
done

# ---- the generator plugins' frames --------------------------------------------------------------
same_frames() { # A.pcap B.pcap: the same frames in the same order
	python3 - "$1" "$2" <<'PY'
import sys
sys.path.insert(0, "tests/lib")
import pcapread
a, b = ([f for _, f in pcapread.frames(p)] for p in sys.argv[1:3])
print(f"{len(a)} and {len(b)} frames, {'the same' if a == b else 'DIFFERENT'}")
sys.exit(0 if a == b and a else 1)
PY
}
printf '{}' >"$T/none.json"
printf '%s' '{"src_ip":"10.1.2.3","dst_ip":"10.9.8.7","src_port":4000,"dst_port":53,"payload_size":100,
 "src_mac":"02:00:00:00:00:01","dst_mac":"02:00:00:00:00:09"}' >"$T/all.json"
for c in none all; do
	"$XDPERF" -p $P/simpleudp.wasm --cfg "$T/$c.json" -o "$T/c-$c.pcap" -c 50 2>/dev/null || bad "simpleudp $c: failed"
	for p in udp_rs udp_as; do
		for bin in "$XDPERF" "$XDPERF_ASAN"; do
			rm -f "$T/$p-$c.pcap"
			"$bin" -p $P/$p.wasm --cfg "$T/$c.json" -o "$T/$p-$c.pcap" -c 50 2>"$T/err" ||
				{ bad "$p $c ($bin): $(cat "$T/err")"; continue; }
			r=$(same_frames "$T/c-$c.pcap" "$T/$p-$c.pcap") && ok "$p, config $c ($(basename "$(dirname "$bin")")): $r as simpleudp's" ||
				bad "$p, config $c ($bin): $r as simpleudp's"
		done
	done
done
printf '%s' '{"src_ip":"10.1.2.3","dst_ip":"10.9.8.7","src_port":4000,"dst_port":53,"payload_size":100,"flows":5}' >"$T/flows.json"
for p in udp_rs udp_as; do
	"$XDPERF" -p $P/$p.wasm --cfg "$T/flows.json" -o "$T/$p-flows.pcap" -c 12 2>"$T/err" || { bad "$p flows: $(cat "$T/err")"; continue; }
	got=$(tshark -r "$T/$p-flows.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-T fields -e udp.srcport -e ip.checksum.status -e udp.checksum.status 2>/dev/null | tr '\t\n' ', ')
	want="4000,1,1 4001,1,1 4002,1,1 4003,1,1 4004,1,1 4000,1,1 4001,1,1 4002,1,1 4003,1,1 4004,1,1 4000,1,1 4001,1,1 "
	[ "$got" = "$want" ] && ok "$p flows 5: source ports 4000..4004 in turn, every checksum valid (tshark)" ||
		bad "$p flows 5: tshark (port, ip ok, udp ok) $got"
	printf '{"flow": 5}' >"$T/typo.json"
	"$XDPERF" -p $P/$p.wasm --cfg "$T/typo.json" -o "$T/typo.pcap" -c 1 2>"$T/err"
	rc=$?
	[ $rc = 1 ] && [ "$(cat "$T/err")" = "xdperf: plugin $p: config key \"flow\" is unknown (did you mean \"flows\"?)" ] &&
		ok "$p: a misspelled key is refused" || bad "$p typo: exit $rc: $(cat "$T/err")"
done

# ---- the protocol modules ---------------------------------------------------------------------
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 3)' >"$T/binary.in"
for m in echo_rs echo_as; do
	"$XDPERF_ASAN" protocol call $PM/$m.wasm --input "héllo, $m" >"$T/out" 2>"$T/err" && [ "$(cat "$T/out")" = "héllo, $m" ] &&
		ok "$m: answers a text" || bad "$m text: $(cat "$T/out" "$T/err")"
	"$XDPERF_ASAN" protocol call $PM/$m.wasm --input-file "$T/binary.in" --count 300 --stats >"$T/out" 2>"$T/err" &&
		cmp -s "$T/binary.in" "$T/out" && grep -q "calls 300, errors 0, memory faults 0" "$T/err" &&
		ok "$m: answers 768 binary bytes byte for byte, 300 calls, no error" || bad "$m binary: $(cat "$T/err")"
done
one_line() { # NAME WANT_RC PATTERN FILE RC: exactly one line (the trust warning aside) matching
	local lines
	lines=$(grep -v "no trust directory configured" "$4")
	if [ "$5" = "$2" ] && [ "$(printf '%s\n' "$lines" | wc -l)" = 1 ] && printf '%s\n' "$lines" | grep -qE "$3"; then
		ok "$1: exit $5, one line: $lines"
	else
		bad "$1: exit $5 (want $2), want one line matching $3: $(cat "$4")"
	fi
}
"$XDPERF_ASAN" protocol call $PM/echo_rs.wasm --input "panic please" >"$T/out" 2>"$T/err"
one_line "echo_rs panic" 1 "^xdperf protocol call: message 1: protocol echo_rs@local: trap in handle: abort: panicked: echo_rs was asked to panic \(12 bytes\) at protocols/rust/echo_rs.rs:[0-9]+:[0-9]+ \(fault: trap\)$" "$T/err" $?
"$XDPERF_ASAN" protocol call $PM/echo_as.wasm --input "throw please" >"$T/out" 2>"$T/err"
one_line "echo_as throw" 1 "^xdperf protocol call: message 1: protocol echo_as@local: trap in handle: abort: echo_as was asked to throw \(12 bytes\) at protocols/as/echo_as.ts:[0-9]+:[0-9]+ \(fault: trap\)$" "$T/err" $?

serve_start serve "$XDPERF_ASAN" --workers 1 --interval 0 --protocol rs=$PM/echo_rs.wasm@1 \
	--protocol as=$PM/echo_as.wasm@1 --listen udp://127.0.0.1:0/rs --listen udp://127.0.0.1:0/as
serve_wait serve udp:rs udp:as
python3 - "$(serve_port serve udp rs)" "$(serve_port serve udp as)" <<'PY' || bad "serve: the UDP exchanges"
import socket, sys
ok = True
for port, fault in ((int(sys.argv[1]), b"panic now"), (int(sys.argv[2]), b"throw now")):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    for n in (1, 100, 1400):
        msg = bytes((i * 7 + n) % 256 for i in range(n))
        s.sendto(msg, ("127.0.0.1", port))
        got = s.recv(65535)
        ok &= got == msg
    s.sendto(fault, ("127.0.0.1", port))
    s.settimeout(0.5)
    try:
        s.recv(65535)
        ok = False
        print(f"port {port}: an answer to {fault!r}")
    except socket.timeout:
        pass
    s.settimeout(5)
    s.sendto(b"after", ("127.0.0.1", port))
    after = s.recv(65535)
    ok &= after == b"after"
    print(f"port {port}: 1, 100 and 1400 bytes echoed, {fault.decode()!r} unanswered, then {after!r}")
sys.exit(0 if ok else 1)
PY
serve_stop serve
n_rs=$(grep -c "panicked: echo_rs was asked to panic (9 bytes) at protocols/rust/echo_rs.rs" "$T/serve.err")
n_as=$(grep -c "abort: echo_as was asked to throw (9 bytes) at protocols/as/echo_as.ts" "$T/serve.err")
n_panic=$(grep -ci "panic" "$T/serve.err")
[ "$SERVE_RC" = 0 ] && [ "$n_rs" = 1 ] && [ "$n_as" = 1 ] && [ "$n_panic" = 1 ] &&
	ok "serve: one log line each for the panic and the throw, exit 0 on SIGTERM" ||
	bad "serve: exit '$SERVE_RC', panic lines $n_rs/$n_panic, throw lines $n_as: $(cat "$T/serve.err")"
serve_sanitizer_check serve

# ---- a panic, a throw and the memory cap in generator plugins -----------------------------------
printf '{"fault": "panic"}' >"$T/panic.json"
printf '{"fault": "abort"}' >"$T/abort.json"
printf '{"fault": "hog"}' >"$T/hog.json"
for bin in "$XDPERF" "$XDPERF_ASAN"; do
	"$bin" -p "$T/rust_faults.wasm" --cfg "$T/panic.json" -o "$T/x.pcap" 2>"$T/err"
	one_line "Rust panic ($bin)" 1 "^xdperf: plugin rust_faults: trap in plugin_process: abort: panicked: index 5 is past the 3 flows at tests/plugins/rust_faults.rs:[0-9]+:[0-9]+$" "$T/err" $?
	"$bin" plugin run "$T/as_faults.wasm" --cfg "$T/abort.json" >/dev/null 2>"$T/err"
	one_line "AssemblyScript throw ($bin)" 1 "^xdperf: plugin as_faults: trap in plugin_process: abort: no template for [0-9]+ request bytes at tests/plugins/as_faults.ts:[0-9]+:[0-9]+$" "$T/err" $?
done
cap_line() { # PLUGIN PAGES TEXT: the error line of a call stopped by the cap
	echo "^xdperf: plugin $1: plugin_process trapped \(unreachable[^)]*\) after the plugin memory cap \($2 pages = $3\) refused to grow its memory; raise it with --plugin-memory-pages N$"
}
for p in rust_faults as_faults; do
	for bin in "$XDPERF" "$XDPERF_ASAN"; do
		rm -f "$T/x.pcap"
		"$bin" -p "$T/$p.wasm" --cfg "$T/hog.json" --plugin-memory-pages 64 -o "$T/x.pcap" 2>"$T/err"
		rc=$?
		grep -v "memory allocation of [0-9]* bytes failed" "$T/err" >"$T/err2" # Rust's own line
		one_line "$p at 64 pages ($bin)" 1 "$(cap_line $p 64 "4 MiB")" "$T/err2" $rc
		[ -e "$T/x.pcap" ] && bad "$p at 64 pages: a pcap was written"
	done
done
# the cap is the flag's: the Rust plugin logs each MiB it holds
for pages in 64 512; do
	"$XDPERF" plugin run "$T/rust_faults.wasm" --cfg "$T/hog.json" --plugin-memory-pages $pages --log-level debug \
		>/dev/null 2>"$T/err"
	held=$(grep -c "DEBUG: holding [0-9]* MiB" "$T/err")
	if { [ $pages = 64 ] && [ "$held" -lt 4 ]; } || { [ $pages = 512 ] && [ "$held" -gt 16 ] && [ "$held" -lt 32 ]; }; then
		ok "rust_faults with $pages pages held $held MiB before the cap stopped it"
	else
		bad "rust_faults with $pages pages held $held MiB: $(tail -n 2 "$T/err")"
	fi
	grep -qE "$(cap_line rust_faults $pages "$((pages / 16)) MiB")" "$T/err" || bad "$pages pages: $(tail -n 1 "$T/err")"
done
"$XDPERF" -p "$T/rust_faults.wasm" --plugin-memory-pages 0 -o "$T/x.pcap" 2>"$T/err"
one_line "--plugin-memory-pages 0" 2 "^xdperf: --plugin-memory-pages: expected a number of 64 KiB pages from 1 to 65536, got '0'$" "$T/err" $?
"$XDPERF" plugin run "$T/rust_faults.wasm" --plugin-memory-pages 65537 2>"$T/err" >/dev/null
one_line "plugin run --plugin-memory-pages 65537" 2 "^xdperf plugin run: --plugin-memory-pages: expected .* got '65537'$" "$T/err" $?

[ $fail = 0 ] && echo "toolchains: Rust and AssemblyScript plugins and modules build, load, send simpleudp's frames, echo, fail in one line and stop at the memory cap"
exit $fail

#!/usr/bin/env bash
# xdperf --plugin ... --output FILE.pcap: exact packets (checked with tcpdump, which verifies the
# IPv4 and UDP checksums) and one clear message + non-zero exit for every user error; a stop
# while the output is a pipe nobody reads ends within 2 s (generator and replay).
set -uo pipefail
cd "$REPO"
X="$XDPERF_ASAN"
fail=0
no() { echo "FAIL: $*"; fail=1; }

# 1000 simpleudp frames: 192.168.1.1:1234 -> 192.168.1.2:5678, 1024-byte payload, valid checksums
"$X" --plugin simpleudp --output "$TMPDIR/s.pcap" --count 1000 2>"$TMPDIR/s.err" || no "simpleudp run: $(cat "$TMPDIR/s.err")"
grep -q "wrote 1000 packets (1066000 bytes) from 1 template of plugin simpleudp" "$TMPDIR/s.err" || no "summary: $(cat "$TMPDIR/s.err")"
tcpdump -nn -vv -r "$TMPDIR/s.pcap" 2>/dev/null > "$TMPDIR/s.txt"
n=$(grep -c '192.168.1.1.1234 > 192.168.1.2.5678: \[udp sum ok\] UDP, length 1024' "$TMPDIR/s.txt")
[ "$n" = 1000 ] || no "expected 1000 valid simpleudp frames, tcpdump shows $n"
grep -q 'bad cksum' "$TMPDIR/s.txt" && no "an IPv4 header checksum is bad"
# tshark's dissectors agree: addresses, ports, 1024-byte payload, both checksums good (status 1)
tshark -r "$TMPDIR/s.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -T fields \
	-e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e data.len -e ip.checksum.status \
	-e udp.checksum.status 2>/dev/null | sort | uniq -c | sed 's/^ *//' > "$TMPDIR/ts.txt"
[ "$(cat "$TMPDIR/ts.txt")" = "$(printf '1000 192.168.1.1\t1234\t192.168.1.2\t5678\t1024\t1\t1')" ] \
	|| no "tshark decodes: $(cat "$TMPDIR/ts.txt")"
# payload byte i = i % 256 (frame offset 42 onwards)
tcpdump -nn -xx -c 1 -r "$TMPDIR/s.pcap" 2>/dev/null | grep -q '0x0020:  0102 04d2 162e 0408 .... 0001 0203 0405' \
	|| no "payload of the first frame: $(tcpdump -nn -xx -c 1 -r "$TMPDIR/s.pcap" 2>/dev/null | sed -n 4p)"

# several templates: packets cycle through them in order (udpflows, 4 flows)
printf '{"src_ports":"1000-1003","flows":4}' > "$TMPDIR/flows.json"
"$X" -p udpflows --plugin-config "$TMPDIR/flows.json" -o "$TMPDIR/f.pcap" -c 10 2>"$TMPDIR/f.err" || no "udpflows run: $(cat "$TMPDIR/f.err")"
ports=$(tcpdump -nn -r "$TMPDIR/f.pcap" 2>/dev/null | sed -E 's/.* [0-9.]+\.([0-9]+) > .*/\1/' | tr '\n' ' ')
[ "$ports" = "1000 1001 1002 1003 1000 1001 1002 1003 1000 1001 " ] || no "udpflows rotation: source ports $ports"

# a plugin given by path, and the default count (sum of the templates' packet_count)
"$X" -p build/plugins/imix.wasm -o "$TMPDIR/i.pcap" --cfg /dev/null 2>"$TMPDIR/i.err" && no "an empty config file must be rejected"
printf '{"dst_port":5678}' > "$TMPDIR/imix.json"
"$X" -p build/plugins/imix.wasm -o "$TMPDIR/i.pcap" -c 12 --cfg "$TMPDIR/imix.json" 2>"$TMPDIR/i.err" || no "imix by path: $(cat "$TMPDIR/i.err")"
[ "$(tcpdump -nn -r "$TMPDIR/i.pcap" 2>/dev/null | wc -l)" = 12 ] || no "imix: expected 12 frames"
# its templates' packet_count (7:4:1) sets the mix and the order interleaves them evenly
lens=$(tshark -r "$TMPDIR/i.pcap" -T fields -e frame.len 2>/dev/null | tr '\n' ' ')
[ "$lens" = "64 576 64 64 576 64 1500 576 64 64 576 64 " ] || no "imix order: $lens"

# user errors: exit status and one message naming the problem; no output file left behind
err() { # expected-status expected-text args...
	local want=$1 text=$2; shift 2
	"$X" "$@" >"$TMPDIR/e.out" 2>"$TMPDIR/e.err"
	local got=$?
	[ "$got" = "$want" ] || no "xdperf $*: exit $got, expected $want ($(cat "$TMPDIR/e.err"))"
	grep -qF -- "$text" "$TMPDIR/e.err" || no "xdperf $*: expected message '$text', got '$(cat "$TMPDIR/e.err")'"
	[ "$(wc -l < "$TMPDIR/e.err")" -le 2 ] || no "xdperf $*: more than one message: $(cat "$TMPDIR/e.err")"
}
err 2 "no plugin given" -o "$TMPDIR/z.pcap"
err 2 "say where the packets go" -p simpleudp
err 1 "no network interface 'nosuchdev9'" -p simpleudp -d nosuchdev9
err 2 "-o and -d exclude each other" -p simpleudp -d lo -o "$TMPDIR/z.pcap"
err 2 "apply to -d (device) runs, not to -o FILE.pcap" -p simpleudp -o "$TMPDIR/z.pcap" -t 3
err 2 "--rate and --bitrate exclude each other" -p simpleudp -d lo -r 5 --bitrate 1M
err 2 'xdperf: --bitrate: "10X": expected bits per second with optional k/M/G/T suffix' -p simpleudp -d lo --bitrate 10X
err 1 "--templates /nonexistent.json: No such file or directory" --templates /nonexistent.json -o "$TMPDIR/z.pcap"
err 2 'xdperf: --count: "ten": expected a whole number with optional k/M/G suffix' -p simpleudp -o "$TMPDIR/z.pcap" -c ten
err 2 "unknown option '--bogus'" -p simpleudp -o "$TMPDIR/z.pcap" --bogus
err 2 "--log-level: 'loud' is not one of" -p simpleudp -o "$TMPDIR/z.pcap" --log-level loud
err 1 "plugin 'nosuch' not found: no nosuch.wasm in" -p nosuch -o "$TMPDIR/z.pcap" -c 1
err 1 "cannot read plugin /nonexistent.wasm: No such file or directory" -p /nonexistent.wasm -o "$TMPDIR/z.pcap" -c 1
printf '{"src_ip": ' > "$TMPDIR/bad.json"
err 1 "plugin configuration $TMPDIR/bad.json: invalid JSON at line" -p simpleudp --cfg "$TMPDIR/bad.json" -o "$TMPDIR/z.pcap"
err 1 "cannot read plugin configuration /nonexistent.json" -p simpleudp --cfg /nonexistent.json -o "$TMPDIR/z.pcap"
wat2wasm tests/plugins/trap.wat -o "$TMPDIR/trap.wasm"
err 1 "plugin trap: trap in plugin_process: unreachable" -p "$TMPDIR/trap.wasm" -o "$TMPDIR/z.pcap" -c 1
err 1 "cannot create /nonexistent-dir/x.pcap: No such file or directory" -p simpleudp -o /nonexistent-dir/x.pcap -c 1
# packet_count values whose sum passes 2^64 - 1: refused, never wrapped round ((2^63 - 1) x 2 + 3
# used to send 1 packet; the device case is in tx_counts)
python3 - "$TMPDIR" <<'PY'
import json, sys
f = "ffffffffffff02000000000108004500001c000000004011000000000000000000000000000000000000"
t = lambda n: {"template": {"base_packet": {"data": f, "type": "hex"}}, "metadata": {"packet_count": n}}
json.dump([t(2**63 - 1), t(2**63 - 1), t(3)], open(sys.argv[1] + "/big.json", "w"))
PY
err 1 "the templates' packet_count values add up to more than 18446744073709551615 packets (template 2 overflows the sum)" \
	--templates "$TMPDIR/big.json" -o "$TMPDIR/z.pcap"
"$X" --templates "$TMPDIR/big.json" -o "$TMPDIR/c.pcap" -c 3 2>"$TMPDIR/c.err" &&
	grep -q "wrote 3 packets" "$TMPDIR/c.err" || no "--count 3 with huge packet_count values: $(cat "$TMPDIR/c.err")"
err 1 "the templates' packet_count values add up to more than" --templates "$TMPDIR/big.json" -o "$TMPDIR/z.pcap"
[ -e "$TMPDIR/z.pcap" ] && no "a failed run left $TMPDIR/z.pcap behind"

# a stop while the output is a pipe nobody reads (the write blocked on it): one line, exit
# 128 + the signal within 2 s (the writer gives up on a reader idle for a quarter second), for the generator
# and for a replay into the pipe
"$X" --plugin simpleudp -o "$TMPDIR/r.pcap" -c 20000 2>/dev/null || no "making $TMPDIR/r.pcap"
for sig in INT TERM; do
	for how in "--plugin simpleudp --output /dev/stdout -c 0" "--pcap $TMPDIR/r.pcap -o /dev/stdout --loop 1000"; do
		# shellcheck disable=SC2086
		python3 - "$sig" "$X" $how >"$TMPDIR/pipe.out" 2>&1 <<'PY'
import os, signal, subprocess, sys, time
r, w = os.pipe()  # nobody reads r
p = subprocess.Popen(sys.argv[2:], stdout=w, stderr=subprocess.PIPE)
os.close(w)
time.sleep(2)  # the pipe is full long before: the writer is blocked
t0 = time.monotonic()
p.send_signal(getattr(signal, "SIG" + sys.argv[1]))
try:
    _, err = p.communicate(timeout=20)
except subprocess.TimeoutExpired:
    p.kill()
    print("hang")
    sys.exit(0)
print("rc %d %.3f" % (p.returncode, time.monotonic() - t0))
sys.stdout.write(err.decode())
PY
		want=130; [ "$sig" = TERM ] && want=143
		read -r _ rc secs <<<"$(head -1 "$TMPDIR/pipe.out")"
		if [ "$rc" = "$want" ] && awk -v s="$secs" 'BEGIN { exit !(s < 2) }' &&
			grep -q '^xdperf: stopped while writing to /dev/stdout, whose reader took nothing more: the output ends early$' "$TMPDIR/pipe.out"; then
			:
		else
			no "SIG$sig, $how into a full pipe: $(cat "$TMPDIR/pipe.out")"
		fi
	done
done
exit $fail

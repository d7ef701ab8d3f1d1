#!/usr/bin/env bash
# --json-stream (docs/json-stream.md) of the generator, --server, count and serve: stdout holds
# only JSON objects, one per line ({"event":"interval"|"end","data":{...}}, checked by
# tests/lib/jsonstream.py: exactly one end object, last; numbers without exponents or binary
# noise; each interval's total = the sum of the intervals so far; the end object's count = that
# sum), and:
#  - pcap output (ASan build, no root): --rate 1k -c 5000 -> end packets = 5000 = the frames in
#    the file; into a FIFO with -c 0 (a notice on stderr) until SIGINT after 2 interval objects:
#    the end object comes, stopped, its packets = the frames the reader got; -c 0 into a regular
#    file and --json with --json-stream are refused (exit 2, one line);
#  - serve (ASan build, no root): 200 UDP requests to builtin:echo, SIGINT -> end requests = 200
#    = replies = the intervals' sum; the rate lines are on stderr; serve --json prints one object;
#  - root, veth pair in namespaces: `count --json-stream` receives a 3 s generator run (--rate
#    2000 -t 3 --json-stream: at least 3 interval objects) and its end object's packets = what
#    the generator's end object sent; `--server --port 9000 --json-stream` receives -c 5000: its
#    end object's packets = 5000; a generator with -c 0 stopped by SIGINT after 2 interval
#    objects still prints its end object (stopped); --rate 0.5 -c 2 takes at least 1.5 s (frame
#    1 is due 2 s after frame 0; no upper bound: a loaded machine may be slower).
set -uo pipefail
cd "$REPO" || exit 1
X="$XDPERF_ASAN"
T="$TMPDIR"
JS="$REPO/tests/lib/jsonstream.py"
fail=0
no() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }
frames() { python3 "$REPO/tests/lib/pcapread.py" "$1"; }
# wait_events FILE N PID SECONDS: 0 once FILE holds N interval objects, 1 when PID exits first
# or SECONDS pass
wait_events() {
	local i
	for ((i = 0; i < $4 * 20; i++)); do
		[ "$(grep -c '"event":"interval"' "$1" 2>/dev/null)" -ge "$2" ] && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
python3 tests/lib/mktmpl.py --frame udp4 --len 100 --dport 9000 >"$T/t.json"

# ---- pcap output ------------------------------------------------------------------------------
"$X" --templates "$T/t.json" -o "$T/a.pcap" --rate 1k -c 5000 --json-stream >"$T/a.out" 2>"$T/a.err" ||
	no "pcap --json-stream: exit $?: $(cat "$T/a.err")"
if r=$(python3 "$JS" "$T/a.out" packets bytes); then
	read -r n sum end <<<"$r"
	got=$(frames "$T/a.pcap")
	[ "$end" = 5000 ] && [ "$got" = 5000 ] && ok "pcap: $n interval object(s), end packets $end = $got frames in the file" ||
		no "pcap: end packets $end, file $got frames, want 5000"
else
	no "pcap stream: $r"
fi
[ -s "$T/a.err" ] && no "pcap --json-stream: stderr not empty: $(cat "$T/a.err")"

# into a FIFO until SIGINT: the reader counts whole records
mkfifo "$T/fifo"
python3 - "$T/fifo" >"$T/reader.out" <<'PY' &
import struct, sys
f = open(sys.argv[1], "rb", buffering=1 << 16)
f.read(24)
n = 0
while True:
    r = f.read(16)
    if len(r) < 16:
        break
    d = f.read(struct.unpack("<IIII", r)[2])
    n += 1
print(n)
PY
reader=$!
"$X" --templates "$T/t.json" -o "$T/fifo" --rate 1k -c 0 --json-stream >"$T/f.out" 2>"$T/f.err" &
gen=$!
if wait_events "$T/f.out" 2 $gen 60; then
	kill -INT $gen
	wait $gen; rc=$?
	wait $reader
	[ $rc = 0 ] || no "FIFO -c 0: exit $rc after SIGINT: $(cat "$T/f.err")"
	grep -q '^xdperf: -c 0: writing to .*fifo until stopped (Ctrl-C)' "$T/f.err" ||
		no "FIFO -c 0: no notice line: $(cat "$T/f.err")"
	if r=$(python3 "$JS" "$T/f.out" packets bytes); then
		read -r n sum end <<<"$r"
		got=$(cat "$T/reader.out")
		stopped=$(tail -n 1 "$T/f.out" | jq -r .data.stopped)
		[ "$n" -ge 2 ] && [ "$end" = "$got" ] && [ "$stopped" = true ] &&
			ok "FIFO -c 0 + SIGINT: $n interval objects, end packets $end = $got frames read, stopped" ||
			no "FIFO -c 0 + SIGINT: $n intervals, end packets $end, reader $got, stopped $stopped"
	else
		no "FIFO stream: $r"
	fi
else
	no "FIFO -c 0: no 2 interval objects: $(cat "$T/f.err")"
	kill -KILL $gen 2>/dev/null
	kill $reader 2>/dev/null
	wait
fi

# refusals: one line, exit 2
refused() { # TEXT ARGS...
	local text=$1 rc
	shift
	"$X" "$@" >"$T/r.out" 2>"$T/r.err"
	rc=$?
	if [ $rc = 2 ] && grep -qF -- "$text" "$T/r.err" && [ "$(wc -l <"$T/r.err")" = 1 ] && [ ! -s "$T/r.out" ]; then
		ok "refused: $(cat "$T/r.err")"
	else
		no "xdperf $*: exit $rc, want 2 and one line with '$text': $(cat "$T/r.err")"
	fi
}
refused "xdperf: -c 0 (no limit) with -o $T/b.pcap: a pcap file is written as fast as the disk takes it" \
	--templates "$T/t.json" -o "$T/b.pcap" -c 0
[ -e "$T/b.pcap" ] && no "-c 0 into a file: the file was created"
refused "xdperf: --json and --json-stream exclude each other" --templates "$T/t.json" -o "$T/b.pcap" -c 1 --json --json-stream
refused "xdperf count: --json and --json-stream exclude each other" count -d lo --json --json-stream
refused "xdperf: --json and --json-stream exclude each other" --server -d lo --json --json-stream
refused "xdperf serve: --json and --json-stream exclude each other" serve --listen udp://127.0.0.1:0 \
	--protocol e=builtin:echo@1 --json --json-stream

# ---- serve --------------------------------------------------------------------------------------
. "$REPO/tests/lib/serve.sh"
serve_start srv "$X" --listen udp://127.0.0.1:0 --protocol echo=builtin:echo@1 --json-stream
serve_wait srv udp
port=$(serve_port srv udp)
python3 - "$port" <<'PY' || no "serve: the echo replies did not all come"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
for i in range(200):
    m = b"m%d" % i
    s.sendto(m, ("127.0.0.1", int(sys.argv[1])))
    assert s.recv(100) == m
PY
wait_events "$T/srv.out" 1 "${SERVE_PID[srv]}" 10 || no "serve: no interval object"
for _ in $(seq 100); do # until an interval counted all 200 (then the rate line is on stderr too)
	[ "$(tail -n 1 "$T/srv.out" | jq -r .data.total.requests 2>/dev/null)" = 200 ] && break
	sleep 0.1
done
kill -INT "${SERVE_PID[srv]}"
wait "${SERVE_PID[srv]}"; rc=$?
[ $rc = 0 ] || no "serve --json-stream: exit $rc after SIGINT"
if r=$(python3 "$JS" "$T/srv.out" requests replies failed); then
	read -r n sum end <<<"$r"
	rep=$(tail -n 1 "$T/srv.out" | jq -r '.data.replies')
	lst=$(tail -n 1 "$T/srv.out" | jq -r '.data.listeners[0] | "\(.url) \(.transport) \(.requests)"')
	[ "$end" = 200 ] && [ "$rep" = 200 ] && [ "$lst" = "udp://127.0.0.1:$port udp 200" ] &&
		ok "serve: $n interval object(s), end requests $end = replies $rep; listener $lst" ||
		no "serve: end requests $end replies $rep listener '$lst', want 200"
else
	no "serve stream: $r"
fi
grep -Eq "udp://127\.0\.0\.1:$port +echo +[0-9]+ req/s" "$T/srv.err" &&
	ok "serve: the rate lines are on stderr" || no "serve: no rate line on stderr: $(cat "$T/srv.err")"
serve_sanitizer_check srv
serve_start sj "$X" --listen udp://127.0.0.1:0 --protocol echo=builtin:echo@1 --json
serve_wait sj udp
kill -TERM "${SERVE_PID[sj]}"
wait "${SERVE_PID[sj]}"
if [ "$(wc -l <"$T/sj.out")" = 1 ] && jq -e '.requests == 0 and (.listeners | length) == 1 and (.duration_s | type) == "number"' "$T/sj.out" >/dev/null; then
	ok "serve --json: $(cat "$T/sj.out")"
else
	no "serve --json: $(cat "$T/sj.out")"
fi

# ---- devices (root) ---------------------------------------------------------------------------
if [ "$(id -u)" != 0 ] || ! ip netns add "xdpf$$probe" 2>/dev/null; then
	[ $fail = 0 ] || exit 1
	echo "the device parts need root and ip netns"
	exit 77
fi
ip netns del "xdpf$$probe"
. "$REPO/tests/lib/netns.sh"
netns_pair_setup

# count --json-stream receives a 3 s generator run
rx_count_start "$NS_B" "$IF_B" --json-stream || no "count did not start"
ip netns exec "$NS_A" "$XDPERF" --templates "$T/t.json" -d "$IF_A" --rate 2000 -c 0 -t 3 --json-stream -q \
	>"$T/g.out" 2>"$T/g.err" || no "generator -t 3: exit $?: $(cat "$T/g.err")"
if r=$(python3 "$JS" "$T/g.out" packets bytes); then
	read -r n sum sent <<<"$r"
	[ "$n" -ge 3 ] && ok "generator -t 3: $n interval objects, end packets $sent = their sum" ||
		no "generator -t 3: $n interval objects, want at least 3"
else
	no "generator stream: $r"; sent=-1
fi
for _ in $(seq 100); do # the last frames may still be on their way
	[ "$(tail -n 1 "$RX_COUNT_OUT" | jq -r .data.total.packets 2>/dev/null)" = "$sent" ] && break
	sleep 0.1
done
rx_count_stop >/dev/null
if r=$(python3 "$JS" "$RX_COUNT_OUT" packets bytes); then
	read -r n sum got <<<"$r"
	[ "$got" = "$sent" ] && [ "$n" -ge 2 ] && ok "count: $n interval objects, end packets $got = sent $sent" ||
		no "count: $n intervals, end packets $got, sent $sent"
else
	no "count stream: $r"
fi

# --server --json-stream receives -c 5000
ip netns exec "$NS_B" "$XDPERF" --server -d "$IF_B" --port 9000 --json-stream -q >"$T/s.out" 2>"$T/s.err" &
srv=$!
wait_line "$T/s.err" '^xdperf: server on' $srv 15 || no "server did not start: $(cat "$T/s.err")"
ip netns exec "$NS_A" "$XDPERF" --templates "$T/t.json" -d "$IF_A" --rate 5k -c 5k -q 2>"$T/g2.err" ||
	no "generator -c 5k: $(cat "$T/g2.err")"
for _ in $(seq 100); do
	[ "$(tail -n 1 "$T/s.out" | jq -r .data.total.packets 2>/dev/null)" = 5000 ] && break
	sleep 0.1
done
kill -INT $srv
wait $srv || no "server: exit $? after SIGINT"
if r=$(python3 "$JS" "$T/s.out" packets bytes); then
	read -r n sum got <<<"$r"
	[ "$got" = 5000 ] && ok "server: $n interval objects, end packets $got = 5000 sent" ||
		no "server: end packets $got, want 5000"
else
	no "server stream: $r"
fi

# a generator stopped by SIGINT still ends its stream (ASan build)
ip netns exec "$NS_A" "$X" --templates "$T/t.json" -d "$IF_A" --rate 1k -c 0 --json-stream >"$T/k.out" 2>"$T/k.err" &
gen=$!
if wait_events "$T/k.out" 2 $gen 30; then
	kill -INT $gen
	wait $gen; rc=$?
	stopped=$(tail -n 1 "$T/k.out" | jq -r .data.stopped)
	if r=$(python3 "$JS" "$T/k.out" packets bytes); then
		read -r n sum end <<<"$r"
		[ $rc = 0 ] && [ "$stopped" = true ] && [ "$end" -gt 0 ] &&
			ok "generator SIGINT: exit 0, $n interval objects, end packets $end, stopped" ||
			no "generator SIGINT: exit $rc, stopped $stopped, end packets $end"
	else
		no "generator SIGINT stream: $r"
	fi
	grep -Eq '^[0-9]+s +[0-9]+ xmit/s' "$T/k.err" || no "generator: no per-second line on stderr: $(cat "$T/k.err")"
else
	no "generator -c 0: no 2 interval objects: $(cat "$T/k.err")"
	kill -KILL $gen 2>/dev/null
fi

# --rate 0.5 -c 2: frame 1 goes 2 s after frame 0
t0=$(date +%s.%N)
ip netns exec "$NS_A" "$XDPERF" --templates "$T/t.json" -d "$IF_A" --rate 0.5 -c 2 --json -q >"$T/h.json" 2>"$T/h.err" ||
	no "--rate 0.5 -c 2: $(cat "$T/h.err")"
t1=$(date +%s.%N)
if python3 -c "import sys; sys.exit(0 if $t1 - $t0 >= 1.5 else 1)" &&
   jq -e '.packets == 2 and .rate_target_pps == 0.5' "$T/h.json" >/dev/null; then
	ok "--rate 0.5 -c 2: 2 packets in $(python3 -c "print(round($t1 - $t0, 2))") s"
else
	no "--rate 0.5 -c 2: $(python3 -c "print(round($t1 - $t0, 2))") s, summary $(cat "$T/h.json")"
fi
exit $fail

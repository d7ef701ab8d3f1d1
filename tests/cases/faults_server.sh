#!/usr/bin/env bash
# Fault injection around the server's control connection (--server-addr), on a private veth pair
# (generator in NS_A on veth0, `xdperf --server -d veth1 --stamp --control 10.201.0.2:7000` in
# NS_B), --mode xdp and afpacket (tests/lib/faults.sh); where the kernel refuses XDP live frames
# (tests/lib/xdp_live.sh) the XDP rows send over AF_PACKET with the same checks (the summary's
# mode follows; the server still counts with its XDP program):
#  1. SIGINT / SIGTERM while connecting to a server nobody answers for (10.201.0.9, a static
#     neighbour with a MAC nobody has: the SYN goes nowhere), sent once the SYN is seen on veth1:
#     exit 130 / 143 within 2 s, stderr exactly "xdperf: stopped by SIGINT while reaching the
#     server at 10.201.0.9:7000; nothing sent", nothing on stdout (--json too), no UDP frame on
#     veth1 (tcpdump).
#  2. SIGINT during the wait for the report after the run: the server never has everything (one
#     template goes to UDP 9001, which it does not count) and never goes quiet (a datagram to its
#     port every 20 ms from elsewhere), so the generator would wait 10 s; SIGINT, sent once the
#     run's last frame arrived (tcpdump -c), ends it within 2 s (the measured time is printed;
#     the wait is cut to 0.4 s). The summary's packets and per-template figures = the server's
#     own count of template 0 (its --json report at its end) and tcpdump's of template 1. The
#     wait is cut, not the report: the server answers at once, so the summary still has it
#     (template 0 received 2000, lost 0; template 1 received 0, lost 2000), no "no report" line,
#     exit 0.
#  3. the server killed mid-run (SIGKILL; and SIGTERM, its clean exit): within 3 s the
#     generator prints "xdperf: the server at 10.201.0.2:7000 closed the control connection;
#     stopping the run" (once), its summary ("stopped"), "xdperf: no report from the server: it
#     closed the control connection during the run" (text; --json: "server_error"), exit 1.
#     Numbers: sent vs a capture of what the server passed on (it runs without --port, so every
#     frame reaches tcpdump): the frames in veth1's rings when the server's XDP program went away
#     are lost by nature, so 0 <= sent - captured <= 512, per template likewise.
#  4. hostile control clients (ASan build): a second client is told "busy" at once (< 1 s); a
#     client that connects and says nothing is closed after 5 s (seen within [3, 8] s); 20
#     reconnects right after a close are never told "busy"; a client that floods commands and
#     reads nothing is dropped when 16 MiB of answers pile up, and the next client is served;
#     the first client's command arriving in two pieces a second apart is answered (a partial
#     line with nothing queued to send once made UBSan stop the server); SIGINT then ends the server within 3 s (no wait on a client: it used to wait 5 s per
#     unsent answer), exit 0.
# One run of each section uses the ASan/UBSan build (its stderr must stay as described).
set -uo pipefail
cd "$REPO"
. tests/lib/netns.sh
. tests/lib/xdp_live.sh
. tests/lib/faults.sh
faults_setup pair tcpdump tshark jq python3
xdp_live_init
RINGS=$((2 * 256))
SRV=10.201.0.2:7000
bin_for() { [ "$1" = asan ] && echo "$XDPERF_ASAN" || echo "$XDPERF"; }
SRV_PID=
srv_kill() { kill -KILL "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null; }
srv_start() { # NAME [options]
	local name=$1
	shift
	ip netns exec "$NS_B" "$XDPERF" --server -d "$IF_B" --stamp --control "$SRV" -q "$@" \
		>"$T/$name.out" 2>"$T/$name.err" &
	SRV_PID=$!
	wait_line "$T/$name.err" "control on" "$SRV_PID" 15 && return 0
	no "server $name did not start: $(cat "$T/$name.err")"
	return 1
}

# ---- 1. SIGINT / SIGTERM while reaching the server --------------------------------------------
echo "== 1. a stop signal while connecting to a server that never answers"
mk_templates "$T/t.json" 128 200
ip -n "$NS_A" neigh replace 10.201.0.9 lladdr 02:00:00:00:00:99 dev "$IF_A" nud permanent
# CASE: signal  exit status  backend  build  output
while read -r sig want mode build out; do
	[ "$mode" = xdp ] && mode=$TX_MODE # AF_PACKET where XDP live frames are refused
	what="SIG$sig while connecting, $mode, $out$([ "$build" = asan ] && echo ", ASan build")"
	tcap_start "$T/conn.pcap" "$NS_B" "$IF_B" in udp || continue
	json=()
	[ "$out" = json ] && json=(--json)
	rx0=$(rx_packets "$NS_B" "$IF_B")
	FAULTS_BIN=$(bin_for "$build") gen_bg conn "$NS_A" --templates "$T/t.json" -d "$IF_A" -c 1000 \
		--mode "$mode" --stamp --server-addr 10.201.0.9:7000 -q "${json[@]}"
	wait_traffic "$NS_B" "$IF_B" "$rx0" 1 # the SYN
	sleep 0.2
	kill -"$sig" "$GEN_PID"
	t0=$(now)
	gen_wait 10
	timing "$what: SIG$sig -> exit" "$(elapsed "$t0" "$GEN_END")" 2
	tcap_stop "$T/conn.pcap"
	eq "$what: exit status" "$GEN_RC" "$want"
	only_line "$what: the one line" "$T/conn.err" \
		"xdperf: stopped by SIG$sig while reaching the server at 10.201.0.9:7000; nothing sent"
	eq "$what: stdout" "$(cat "$T/conn.out")" ""
	eq "$what: UDP frames on $IF_B" "$(cap_count "$T/conn.pcap")" 0
done <<EOF
INT 130 xdp release json
TERM 143 afpacket asan text
EOF

# ---- 2. SIGINT during the report wait -----------------------------------------------------------
echo "== 2. SIGINT while waiting for the server's report (it never has all, never goes quiet)"
mk_templates "$T/r.json" 128:1000:9000 200:1001:9001
ip netns exec "$NS_A" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    s.sendto(b"x" * 100, ("10.201.0.2", 9000))
    time.sleep(0.02)' &
OTHER_PID=$!
# CASE: backend  build  output
while read -r mode build out; do
	[ "$mode" = xdp ] && mode=$TX_MODE # AF_PACKET where XDP live frames are refused
	what="SIGINT in the report wait, $mode, $out$([ "$build" = asan ] && echo ", ASan build")"
	srv_start "srv_$mode" --port 9000 --json || continue
	# tcpdump -c: exits once every frame of template 1 (UDP 9001, passed to the stack) arrived
	ip netns exec "$NS_B" tcpdump -n --immediate-mode -Q in -B 65536 -s 128 -i "$IF_B" -c 2000 -w "$T/p9001.pcap" \
		udp dst port 9001 2>"$T/p9001.pcap.err" &
	CPID=$!
	wait_line "$T/p9001.pcap.err" "listening on" "$CPID" 10 || no "$what: no capture"
	json=()
	[ "$out" = json ] && json=(--json)
	t_start=$(now)
	FAULTS_BIN=$(bin_for "$build") gen_bg rw "$NS_A" --templates "$T/r.json" -d "$IF_A" -c 4000 \
		-r 20000 --mode "$mode" --stamp --server-addr "$SRV" -q "${json[@]}"
	for i in $(seq 600); do kill -0 "$CPID" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$CPID" 2>/dev/null && { no "$what: template 1 did not arrive in 30 s"; kill -INT "$CPID"; }
	wait "$CPID"
	sleep 0.5 # in the wait (0.2 s of sending; it would last up to 10 s)
	kill -0 "$GEN_PID" 2>/dev/null || no "$what: the generator no longer waits ($(since "$t_start") s after its start)"
	kill -INT "$GEN_PID"
	t0=$(now)
	gen_wait 15
	timing "$what: SIGINT -> exit" "$(elapsed "$t0" "$GEN_END")" 2
	kill -INT "$SRV_PID"
	wait "$SRV_PID" || no "$what: the server exited $?"
	run=$(jf "$T/srv_$mode.out" '.runs[-1].run')
	t0rcv=$(jf "$T/srv_$mode.out" "[.streams[] | select(.run == $run and .template == 0) | .unique] | add // 0")
	t1cap=$(cap_count "$T/p9001.pcap")
	cap_intact "$T/p9001.pcap"
	echo "  $what: exit $GEN_RC; the server got $t0rcv of template 0 (run $run), tcpdump $t1cap of template 1"
	sed 's/^/    | /' "$T/rw.err"
	eq "$what: template 0 (UDP 9000) at the server" "$t0rcv" 2000
	eq "$what: template 1 (UDP 9001) in the capture" "$t1cap" 2000
	if [ "$out" = json ]; then
		eq "$what: packets" "$(jf "$T/rw.out" .packets)" $((t0rcv + t1cap))
		eq "$what: bytes" "$(jf "$T/rw.out" .bytes)" $((t0rcv * 128 + t1cap * 200))
		eq "$what: template 0 packets" "$(jf "$T/rw.out" '.streams[] | select(.template == 0) | .packets')" "$t0rcv"
		eq "$what: template 1 packets" "$(jf "$T/rw.out" '.streams[] | select(.template == 1) | .packets')" "$t1cap"
		eq "$what: run_id = the server's run" "$(jf "$T/rw.out" .run_id)" "$run"
	else
		one_line "$what: sent line" "$T/rw.err" \
			"^xdperf: sent $((t0rcv + t1cap)) packets \($((t0rcv * 128 + t1cap * 200)) bytes\) on $IF_A \($mode, 1 thread, run $(printf %08x "$run")\) in "
		one_line "$what: template 0 line" "$T/rw.err" "^xdperf:   template 0: $t0rcv packets \($((t0rcv * 128)) bytes\)"
		one_line "$what: template 1 line" "$T/rw.err" "^xdperf:   template 1: $t1cap packets \($((t1cap * 200)) bytes\)"
	fi
	no_line "$what: no control connection loss" "$T/rw.err" "closed the control connection"
	eq "$what: exit status (the user stopped the wait)" "$GEN_RC" 0
	no_line "$what: no 'no report' line" "$T/rw.err" "no report from the server"
	if [ "$out" = json ]; then
		eq "$what: server_error" "$(jf "$T/rw.out" .server_error)" null
		eq "$what: template 0 received" "$(jf "$T/rw.out" '.streams[] | select(.template == 0) | .received')" "$t0rcv"
		eq "$what: template 1 lost" "$(jf "$T/rw.out" '.streams[] | select(.template == 1) | .lost')" "$t1cap"
		eq "$what: lost_vs_sent" "$(jf "$T/rw.out" .server.lost_vs_sent)" "$t1cap"
	else
		one_line "$what: template 0 with the server's figures" "$T/rw.err" \
			"^xdperf:   template 0: $t0rcv packets \($((t0rcv * 128)) bytes\); server received $t0rcv, lost 0 \(0\.000%\)$"
		one_line "$what: template 1 with the server's figures" "$T/rw.err" \
			"^xdperf:   template 1: $t1cap packets \($((t1cap * 200)) bytes\); server received 0, lost $t1cap \(100\.000%\)$"
		one_line "$what: the server's line" "$T/rw.err" "^xdperf: server $IF_B \(xdp, UDP port 9000\): received "
	fi
done <<EOF
xdp release text
afpacket asan json
EOF
kill "$OTHER_PID" 2>/dev/null
wait "$OTHER_PID" 2>/dev/null

# ---- 3. the server killed mid-run ---------------------------------------------------------------
echo "== 3. the server killed mid-run"
mk_templates "$T/k.json" 128:1000:9000 200:1001:9000
lost_line="xdperf: the server at $SRV closed the control connection; stopping the run"
# CASE: signal to the server  backend  build  output
while read -r sig mode build out; do
	[ "$mode" = xdp ] && mode=$TX_MODE # AF_PACKET where XDP live frames are refused
	what="server SIG$sig mid-run, $mode, $out$([ "$build" = asan ] && echo ", ASan build")"
	# no --port: the server counts every frame and passes it on, to tcpdump
	srv_start "srvk_$mode$sig" || continue
	tcap_start "$T/k.pcap" "$NS_B" "$IF_B" in udp dst port 9000 || { srv_kill; continue; }
	json=()
	[ "$out" = json ] && json=(--json)
	rx0=$(rx_packets "$NS_B" "$IF_B")
	FAULTS_BIN=$(bin_for "$build") gen_bg k "$NS_A" --templates "$T/k.json" -d "$IF_A" -c 0 \
		-r 20000 --mode "$mode" --stamp --server-addr "$SRV" -q "${json[@]}"
	wait_traffic "$NS_B" "$IF_B" "$rx0" 2000
	sleep 0.5
	kill -"$sig" "$SRV_PID"
	t0=$(now)
	wait "$SRV_PID" 2>/dev/null # (at once: bash reports a killed job it reaps later)
	gen_wait 15
	timing "$what: server's end -> exit" "$(elapsed "$t0" "$GEN_END")" 3
	tcap_stop "$T/k.pcap"
	cap_intact "$T/k.pcap"
	eq "$what: exit status" "$GEN_RC" 1
	one_line "$what: the cause" "$T/k.err" "^$lost_line$"
	got=$(cap_count "$T/k.pcap")
	if [ "$out" = json ]; then
		eq "$what: stderr lines" "$(wc -l <"$T/k.err")" 1
		eq "$what: stopped" "$(jf "$T/k.out" .stopped)" true
		eq "$what: server_error" "$(jf "$T/k.out" .server_error)" "it closed the control connection during the run"
		eq "$what: no server report" "$(jf "$T/k.out" 'has("server")')" false
		sent=$(jf "$T/k.out" .packets)
		streams_vs_capture "$what" "$T/k.out" "$T/k.pcap" 2 $RINGS
	else
		one_line "$what: no report" "$T/k.err" \
			"^xdperf: no report from the server: it closed the control connection during the run$"
		one_line "$what: sent line (stopped)" "$T/k.err" "^xdperf: sent [0-9]+ packets .* \(stopped\)$"
		sent=$(sed -n 's/^xdperf: sent \([0-9]*\) packets.*/\1/p' "$T/k.err")
		for i in 0 1; do
			n=$(sed -n "s/^xdperf:   template $i: \([0-9]*\) packets.*/\1/p" "$T/k.err")
			c=$(cap_count "$T/k.pcap" "udp.srcport == $((1000 + i))")
			within "$what: template $i: printed - captured" $((n - c)) 0 $RINGS
		done
		# (the paced run's rate and pacing lines aside)
		eq "$what: stderr lines (cause, sent, 2 templates, no report)" \
			"$(grep -Evc '^xdperf: (rate per second over|pacing: )' "$T/k.err")" 5
	fi
	echo "  $what: sent $sent, captured $got"
	within "$what: sent - captured (frames in veth1's rings when the server's program went away)" \
		$((sent - got)) 0 $RINGS
	[ "${sent:-0}" -gt 1000 ] 2>/dev/null || no "$what: hardly anything sent ($sent)"
done <<EOF
KILL xdp release text
KILL afpacket release json
TERM xdp asan json
EOF

# ---- 4. hostile control clients ---------------------------------------------------------------
echo "== 4. control clients that do not read, stay silent, or reconnect at once (ASan build)"
ip netns exec "$NS_B" "$XDPERF_ASAN" --server -d "$IF_B" --stamp --control "$SRV" -q >"$T/h.out" 2>"$T/h.err" &
SRV_PID=$!
if wait_line "$T/h.err" "control on" "$SRV_PID" 15; then
	ip netns exec "$NS_A" python3 - "${SRV%:*}" "${SRV#*:}" >"$T/h.py" 2>&1 <<'PY' &
import socket, sys, time
host, port = sys.argv[1], int(sys.argv[2])
def conn():
    s = socket.create_connection((host, port), timeout=5)
    return s
def line(s):
    b = b""
    while not b.endswith(b"\n"):
        d = s.recv(4096)
        if not d: return b
        b += d
    return b
# the server's first client: a command that arrives in two pieces, the first without its
# newline while nothing is queued to send yet
p = conn(); p.sendall(b'{"cmd":'); time.sleep(1.0); p.sendall(b'"hello"}\n'); r = line(p); p.close()
print("partial_line", r.decode().strip()[:40])
# a silent client: a second one is told "busy" at once; the silent one is closed within ~5 s
a = conn()
time.sleep(0.3)
b = conn(); t0 = time.time(); r = line(b); dt = time.time() - t0
print("busy_answer", r.decode().strip(), "%.2f" % dt)
b.close()
t0 = time.time()
a.settimeout(10)
try: d = a.recv(10)
except Exception as e: d = b"?"
print("silent_closed", repr(d), "%.1f" % (time.time() - t0))
a.close()
# a client that closes, and another that connects right after: not "busy"
for i in range(20):
    c = conn(); c.sendall(b'{"cmd":"hello"}\n'); r = line(c); c.close()
    d = conn(); d.sendall(b'{"cmd":"hello"}\n'); r2 = line(d); d.close()
    if b'"ok":true' not in r2:
        print("reconnect_busy", i, r2.decode().strip()); break
else:
    print("reconnect_ok 20")
# a client that queues commands and never reads
q = conn()
q.settimeout(5)
sent, how, end = 0, "still open after 60 s", time.time() + 60
try:
    while time.time() < end:
        q.sendall(b'{"cmd":"stats"}\n' * 50); sent += 50
except (ConnectionResetError, BrokenPipeError) as e:
    how = "dropped by the server"
except Exception as e:
    how = "send failed: %r" % e
print("flood_sent", sent, how)
# the server dropped it (its unread answers passed the cap): a new generator is served
n = conn(); n.sendall(b'{"cmd":"hello"}\n'); r = line(n); n.close()
print("after_flood", r.decode().strip()[:40])
print("flood_holding")
sys.stdout.flush()
time.sleep(30)
PY
	PY_PID=$!
	for _ in $(seq 900); do grep -q flood_holding "$T/h.py" && break; sleep 0.1; done
	cat "$T/h.py"
	grep -q '^busy_answer {"ok":false,"error":"busy: another generator is connected"}' "$T/h.py" &&
		awk -v d="$(grep '^busy_answer' "$T/h.py" | awk '{ print $NF }')" 'BEGIN { exit !(d < 1) }' &&
		ok "a second client is told busy at once" || no "busy answer: $(grep busy_answer "$T/h.py")"
	sc=$(grep '^silent_closed' "$T/h.py" | awk '{ print $NF }')
	grep -q "^silent_closed b'' " "$T/h.py" && within "a silent client closed after (s)" "$sc" 3 8 ||
		no "silent client: $(grep silent_closed "$T/h.py")"
	grep -q '^reconnect_ok 20' "$T/h.py" && ok "20 reconnects right after a close: none told busy" ||
		no "reconnect: $(grep reconnect "$T/h.py")"
	grep -q '^flood_holding' "$T/h.py" || no "the flooding client did not get going"
	grep -q '^after_flood {"ok":true' "$T/h.py" && ok "a client that floods commands and reads nothing is dropped; the next one is served" ||
		no "after the flood: $(grep after_flood "$T/h.py")"
	grep -q '^partial_line {"ok":true' "$T/h.py" && ok "a command sent in two pieces a second apart is answered" ||
		no "a command in two pieces: $(grep partial_line "$T/h.py"; grep -m3 -e 'runtime error' -e Sanitizer "$T/h.err")"
	t0=$(now)
	kill -INT "$SRV_PID"
	for _ in $(seq 100); do kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.02; done
	timing "SIGINT to the server after a client flooded commands unread -> exit" "$(since "$t0")" 3
	kill -KILL "$SRV_PID" 2>/dev/null
	wait "$SRV_PID"
	rc=$?
	eq "server exit status after SIGINT" "$rc" 0
	no_line "no sanitizer report" "$T/h.err" "ERROR: (Address|Leak|Undefined)Sanitizer|runtime error"
	kill "$PY_PID" 2>/dev/null
	wait "$PY_PID" 2>/dev/null
else
	no "server for section 4 did not start: $(cat "$T/h.err")"
fi

times_report
[ $fail = 0 ] && echo "faults_server: all checks passed"
exit $fail

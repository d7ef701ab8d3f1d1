#!/usr/bin/env bash
# Server mode (`xdperf --server`, include/xdperf/server.h, src/cli/server_cmd.c) on a private
# veth pair: the generator sends from NS_A:veth0, the server receives on NS_B:veth1.
# The server's mode (xdp: its XDP program counts; afpacket: a packet socket) is the receiving
# side's and runs everywhere. The generator sends to an xdp server with XDP where the kernel lets
# xdperf send live frames (tests/lib/xdp_live.sh), else with AF_PACKET (the counts checked are
# the server's, the same on either), and to an afpacket server with AF_PACKET; runs without
# --mode use the default (auto: the same choice).
#  1. exact counts: 20000 frames of 200 bytes to UDP 9000 (50000 pps, 1 and 2 sender threads),
#     server in xdp and afpacket mode with --port 9000 --json: packets = 20000, bytes = 4000000
#  2. port filter: 500 frames to UDP 9001, a TCP exchange and UDP datagrams through the stack
#     while the server (xdp, --port 9000) runs: packets = the port-9000 frames exactly, the rest
#     is "passed", and the host stays reachable (TCP line answered, datagrams received)
#  3. no --port: every frame counted (xdp and afpacket), exact
#  4. per-second lines (-t 3.5, a 1-second paced send, ASan build): format, last total = N,
#     the text summary names the device, mode and packet count
#  5. errors: exit status and one line on stderr naming the thing (no device, no privileges,
#     control port in use, bad flags, generator --server-addr to a closed port)
#  6. verifier plugin (build/plugins/verify_udp.wasm): valid frames are valid (sampled = valid),
#     a dst_port config makes them invalid naming the port (ASan build), an unpaced burst with
#     --sample 1: every sampled frame gets a verdict, the rest is sample_full (xdp, afpacket);
#     a missing plugin or config file
#  7. rates over the active interval (first to last counted frame): 20 frames at 100 pps after
#     2.5 s of idling (xdp, afpacket): first_s >= 2.5, first_s <= last_s <= wait_s and
#     active_s <= wait_s exactly, pps within 40..200 and over 5x the whole-wait rate, pps and bps
#     equal (packets - 1) and (bytes - first_bytes) * 8 over active_s; one frame: "no rate"
#     (text, ASan build) and null rates (JSON); no frame: null rates; a generator's reset between
#     two per-second lines: the line after it says "(reset ... s ago)" and its rate is not
#     inflated (at most about the frames since the reset per second), the generator's report
#     of the server has the active interval
#  8. every ASan run: no sanitizer report on stderr
# The servers of 1-3 and 6 also listen on a control port: before a server is stopped, its report
# is polled there (at most 10 s) until every frame sent is counted and every sample has its
# verdict, as frames and samples may still be on the way when the generator returns.
set -uo pipefail
cd "$REPO"
. tests/lib/netns.sh
. tests/lib/xdp_live.sh
netns_need_root
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }
command -v jq >/dev/null || { echo "jq is not installed"; exit 77; }
set -e
netns_pair_setup
set +e
xdp_live_init
fail=0
no() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }
T="$TMPDIR"
N=20000
LEN=200
python3 tests/lib/mktmpl.py --frame udp4 --len $LEN --dport 9000 >"$T/p9000.json"
python3 tests/lib/mktmpl.py --frame udp4 --len $LEN --dport 9001 >"$T/p9001.json"

# ---- helpers ----------------------------------------------------------------------------------
SRV_PID= SRV_F= SRV_RC= nsrv=0
# srv_start BIN ARGS...: `BIN --server -d veth1 ARGS` in NS_B in the background; returns once its
# stderr has the "xdperf: server on" line (0), or it exited / did not start within 15 s (1).
# stdout in $SRV_F.out, stderr in $SRV_F.err.
srv_start() {
	local bin=$1
	shift
	nsrv=$((nsrv + 1))
	SRV_F="$T/srv$nsrv"
	ip netns exec "$NS_B" "$bin" --server -d "$IF_B" "$@" >"$SRV_F.out" 2>"$SRV_F.err" &
	SRV_PID=$!
	wait_line "$SRV_F.err" '^xdperf: server on' "$SRV_PID" 15 && return 0
	echo "server $* did not start: $(cat "$SRV_F.err")"
	kill -KILL "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=
	return 1
}
# srv_stop: SIGINT (unless it is ending by itself with -t), waits; exit status in SRV_RC
srv_stop() {
	[ "${1:-}" = --wait ] || kill -INT "$SRV_PID" 2>/dev/null
	wait "$SRV_PID"
	SRV_RC=$?
	SRV_PID=
	[ "$SRV_RC" = 0 ] || no "server exited $SRV_RC: $(tail -n 3 "$SRV_F.err")"
}
# srv_settle WHAT 'EXPR': polls the report of the server started with --control $CTL until
# EXPR holds (Python over the report r and its verifier object v), at most 10 s
CTL=10.201.0.2:7100
srv_settle() {
	ip netns exec "$NS_B" python3 - "$CTL" "$2" <<'EOF' || no "$1: the server's report did not reach ($2) within 10 s"
import json, socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
end = time.monotonic() + 10
while True:
    try:
        with socket.create_connection((host, int(port)), timeout=2) as c:
            c.sendall(b'{"cmd":"report"}\n')
            r = json.loads(c.makefile().readline())["report"]
        v = r.get("verifier", {})
        if eval(sys.argv[2]):
            sys.exit(0)
    except (OSError, ValueError, KeyError):
        pass
    if time.monotonic() > end:
        sys.exit(1)
    time.sleep(0.05)
EOF
}
VERDICTS="v['valid'] + v['invalid'] + v['failed'] == r['sampled']"
# asan_clean WHAT FILE: no sanitizer report in FILE
asan_clean() {
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$2"; then
		no "$1: sanitizer report: $(grep -E -m 3 'ERROR: |runtime error:' "$2")"
	else
		ok "$1: no sanitizer report (ASan/UBSan build)"
	fi
}
# gmode SERVER-MODE: the generator's --mode for a server in that mode (xdp: $TX_MODE)
gmode() { if [ "$1" = xdp ]; then echo "$TX_MODE"; else echo "$1"; fi; }
# gname SERVER-MODE: ", sent with MODE" when the generator's mode differs from the server's
gname() { [ "$(gmode "$1")" = "$1" ] || echo ", sent with $(gmode "$1")"; }
# send ARGS...: the generator in NS_A on veth0 (-q), stdout/stderr in $T/send.out/.err
send() {
	ip netns exec "$NS_A" "$XDPERF" -d "$IF_A" -q "$@" >"$T/send.out" 2>"$T/send.err"
	local rc=$?
	[ $rc = 0 ] || no "generator $* exited $rc: $(tail -n 3 "$T/send.err")"
	return $rc
}
# j FIELD: a field of the server's --json output (jq path without the leading dot)
j() { jq -r ".$1" "$SRV_F.out" 2>/dev/null; }
# eq WHAT GOT WANT
eq() { if [ "$2" = "$3" ]; then ok "$1 = $3"; else no "$1 = '$2', want '$3'"; fi; }
ge() { if [ -n "$2" ] && [ "$2" -ge "$3" ] 2>/dev/null; then ok "$1 = $2 (>= $3)"; else no "$1 = '$2', want >= $3"; fi; }
# one_line WHAT FILE TEXT...: FILE has exactly one line and it contains every TEXT
one_line() {
	local what=$1 f=$2 t
	shift 2
	local n
	n=$(wc -l <"$f")
	[ "$n" = 1 ] || { no "$what: $n lines on stderr, want 1: $(cat "$f")"; return; }
	for t in "$@"; do
		grep -qiF -- "$t" "$f" || { no "$what: message '$(cat "$f")' lacks '$t'"; return; }
	done
	ok "$what: '$(cat "$f")'"
}

# ---- 1. exact counts --------------------------------------------------------------------------
echo "== 1. exact counts: $N frames of $LEN bytes to UDP 9000 at 50000 pps"
for mode in xdp afpacket; do
	for th in 1 2; do
		what="$mode server, $th sender thread(s)$(gname "$mode")"
		srv_start "$XDPERF" --mode "$mode" --port 9000 --json -q --control $CTL || { no "$what: no server"; continue; }
		send --templates "$T/p9000.json" -c $N -r 50000 -l $th --mode "$(gmode "$mode")"
		srv_settle "$what" "r['packets'] >= $N"
		srv_stop
		eq "$what: mode" "$(j mode)" "$mode"
		eq "$what: port" "$(j port)" 9000
		eq "$what: packets" "$(j packets)" $N
		eq "$what: bytes" "$(j bytes)" $((N * LEN))
	done
done

# ---- 2. port filter, host reachable -----------------------------------------------------------
echo "== 2. --port 9000 with other traffic: 500 frames to UDP 9001, TCP and UDP through the stack"
cat >"$T/tcp_srv.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.201.0.2", 8080)); s.listen(1); s.settimeout(15)
print("listening", flush=True)
c, _ = s.accept(); c.settimeout(10)
line = c.makefile().readline()
c.sendall(("pong " + line).encode()); c.close()
EOF
cat >"$T/tcp_cli.py" <<'EOF'
import socket
c = socket.create_connection(("10.201.0.2", 8080), timeout=5)
c.sendall(b"ping\n")
print(c.makefile().readline().strip())
EOF
cat >"$T/udp_srv.py" <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.201.0.2", 8081)); s.settimeout(5)
print("listening", flush=True)
n = 0
try:
    while n < 5:
        s.recv(2048); n += 1
except socket.timeout:
    pass
print(n)
EOF
if srv_start "$XDPERF" --mode xdp --port 9000 --json -q --control $CTL; then
	ip netns exec "$NS_B" python3 "$T/tcp_srv.py" >"$T/tcp_srv.out" 2>&1 &
	tcp_pid=$!
	ip netns exec "$NS_B" python3 "$T/udp_srv.py" >"$T/udp_srv.out" 2>&1 &
	udp_pid=$!
	for i in $(seq 50); do
		[ "$(grep -c listening "$T/tcp_srv.out" "$T/udp_srv.out" | grep -c ':1$')" = 2 ] && break
		sleep 0.1
	done
	# the generator runs while the stack traffic goes through
	ip netns exec "$NS_A" "$XDPERF" -d "$IF_A" -q --templates "$T/p9000.json" -c $N -r 50000 -l 2 \
		>"$T/gen.out" 2>"$T/gen.err" &
	gen_pid=$!
	reply="$(ip netns exec "$NS_A" timeout 10 python3 "$T/tcp_cli.py" 2>&1)"
	ip netns exec "$NS_A" timeout 10 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5): s.sendto(b"datagram %d" % i, ("10.201.0.2", 8081))'
	wait "$gen_pid" || no "generator (port 9000) failed: $(tail -n 3 "$T/gen.err")"
	send --templates "$T/p9001.json" -c 500 -r 50000
	wait "$tcp_pid"
	wait "$udp_pid"
	srv_settle "port filter" "r['packets'] >= $N and r['passed'] >= 509"
	srv_stop
	eq "TCP exchange through the stack while the server runs" "$reply" "pong ping"
	eq "UDP datagrams received by a socket while the server runs" "$(tail -n 1 "$T/udp_srv.out")" 5
	eq "packets (only UDP 9000)" "$(j packets)" $N
	eq "bytes (only UDP 9000)" "$(j bytes)" $((N * LEN))
	# 500 frames to 9001 + 5 datagrams + at least SYN, ACK, data, FIN from the TCP client
	ge "passed (9001 frames, datagrams, TCP segments)" "$(j passed)" 509
else
	no "port filter: no server"
fi

# ---- 3. no --port: every frame counted ----------------------------------------------------
echo "== 3. no --port: every frame counted ($N to 9000 + 500 to 9001)"
for mode in xdp afpacket; do
	srv_start "$XDPERF" --mode "$mode" --json -q --control $CTL || { no "$mode without --port: no server"; continue; }
	send --templates "$T/p9000.json" -c $N -r 50000 -l 2 --mode "$(gmode "$mode")"
	send --templates "$T/p9001.json" -c 500 -r 50000 --mode "$(gmode "$mode")"
	srv_settle "$mode without --port" "r['packets'] >= $((N + 500))"
	srv_stop
	eq "$mode without --port: port" "$(j port)" 0
	eq "$mode without --port: packets" "$(j packets)" $((N + 500))
	eq "$mode without --port: bytes" "$(j bytes)" $(((N + 500) * LEN))
done

# ---- 4. per-second lines and the text summary (ASan build) ------------------------------------
# (1 s of sending: the server's 3.5 s include the generator's start-up, slow on a loaded machine)
echo "== 4. per-second lines: -t 3.5, 2000 frames paced over 1 s (ASan build)"
if srv_start "$XDPERF_ASAN" --mode xdp --port 9000 -t 3.5; then
	t0=$SECONDS
	send --templates "$T/p9000.json" -c 2000 -r 2000
	srv_stop --wait
	[ $((SECONDS - t0)) -le 8 ] || no "-t 3.5 took $((SECONDS - t0)) s"
	f="$SRV_F.err"
	lines="$(grep -E '^[0-9]+s  ' "$f")"
	nl=$(printf '%s\n' "$lines" | grep -c .)
	bad=$(printf '%s\n' "$lines" | grep -cvE '^[0-9]+s  [0-9]+ rx/s  [0-9.]+ Mbps  total [0-9]+$')
	eq "per-second lines in 3.5 s" "$nl" 3
	eq "per-second lines not in the format '<t>s  <pps> rx/s  <Mbps> Mbps  total <n>'" "$bad" 0
	eq "last per-second total" "$(printf '%s\n' "$lines" | tail -n 1 | sed 's/.*total //')" 2000
	eq "per-second seconds" "$(printf '%s\n' "$lines" | sed 's/s .*//' | tr '\n' ' ')" "1 2 3 "
	summary="$(grep -v -E '^[0-9]+s  |^xdperf: server on' "$f")"
	for w in "$IF_B" xdp "received 2000 packets" "s between the first and last frame: " "(counting for "; do
		if grep -qF -- "$w" <<<"$summary"; then ok "summary mentions '$w'"; else no "summary '$summary' lacks '$w'"; fi
	done
	[ -s "$SRV_F.out" ] && no "text mode printed on stdout: $(cat "$SRV_F.out")"
	asan_clean "per-second run" "$f"
else
	no "per-second lines: no server"
fi

# ---- 5. errors --------------------------------------------------------------------------------
echo "== 5. errors"
# err WANT_RC WHAT CMD...: runs CMD (stdout/stderr in $T/e.*), checks the exit status
err() {
	local want=$1 what=$2
	shift 2
	"$@" >"$T/e.out" 2>"$T/e.err"
	local rc=$?
	eq "$what: exit status" "$rc" "$want"
	[ -s "$T/e.out" ] && no "$what: printed on stdout: $(cat "$T/e.out")"
}
err 1 "no such device" ip netns exec "$NS_B" "$XDPERF" --server -d nosuch0 -t 1
one_line "no such device" "$T/e.err" nosuch0
err 1 "no such device (afpacket)" ip netns exec "$NS_B" "$XDPERF" --server -d nosuch0 --mode afpacket -t 1
one_line "no such device (afpacket)" "$T/e.err" nosuch0
# no privileges: an unprivileged user, and root without the capabilities
err 1 "unprivileged user (setpriv)" ip netns exec "$NS_B" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$XDPERF" --server -d "$IF_B" -t 1
one_line "unprivileged user (setpriv)" "$T/e.err" "$IF_B" "Operation not permitted" "needs root" CAP_BPF
err 1 "unprivileged user (setpriv), afpacket" ip netns exec "$NS_B" setpriv --reuid=65534 --regid=65534 \
	--clear-groups "$XDPERF" --server -d "$IF_B" --mode afpacket -t 1
one_line "unprivileged user (setpriv), afpacket" "$T/e.err" "$IF_B" "Operation not permitted" CAP_NET_RAW
if command -v capsh >/dev/null; then
	drop=--drop=cap_net_admin,cap_bpf,cap_sys_admin,cap_net_raw
	err 1 "root without capabilities (capsh), afpacket" ip netns exec "$NS_B" capsh "$drop" -- -c \
		"'$XDPERF' --server -d $IF_B --mode afpacket -t 1"
	one_line "root without capabilities (capsh), afpacket" "$T/e.err" "$IF_B" "Operation not permitted" CAP_NET_RAW
	# root with CAP_BPF/CAP_NET_ADMIN dropped is refused for lack of privileges, and the message
	# must say so (not blame the BPF verifier)
	err 1 "root without capabilities (capsh), xdp" ip netns exec "$NS_B" capsh "$drop" -- -c \
		"'$XDPERF' --server -d $IF_B --mode xdp -t 1"
	one_line "root without capabilities (capsh), xdp" "$T/e.err" "$IF_B" "Operation not permitted" CAP_BPF
else
	echo "note: capsh is not installed, root-without-capabilities checks skipped"
fi
# control port in use
ip netns exec "$NS_B" python3 -c '
import socket, time
s = socket.socket(); s.bind(("10.201.0.2", 7000)); s.listen(1)
print("listening", flush=True); time.sleep(8)' >"$T/busy.out" 2>&1 &
busy_pid=$!
for i in $(seq 50); do grep -q listening "$T/busy.out" && break; sleep 0.1; done
err 1 "control port in use" ip netns exec "$NS_B" "$XDPERF" --server -d "$IF_B" --control 10.201.0.2:7000 -t 1
one_line "control port in use" "$T/e.err" "10.201.0.2:7000" "already in use"
kill "$busy_pid" 2>/dev/null
wait "$busy_pid" 2>/dev/null
# bad flags: exit 2, one line naming the option
err 2 "--port 0" "$XDPERF" --server -d "$IF_B" --port 0
one_line "--port 0" "$T/e.err" "--port" "'0'"
err 2 "--port 70000" "$XDPERF" --server -d "$IF_B" --port 70000
one_line "--port 70000" "$T/e.err" "--port" "'70000'"
err 2 "--sample 0" "$XDPERF" --server -d "$IF_B" --verifier x.wasm --sample 0
one_line "--sample 0" "$T/e.err" "--sample" "'0'"
err 2 "--sample 99999999999" "$XDPERF" --server -d "$IF_B" --verifier x.wasm --sample 99999999999
one_line "--sample 99999999999" "$T/e.err" "--sample" "'99999999999'"
err 2 "--mode foo" "$XDPERF" --server -d "$IF_B" --mode foo
one_line "--mode foo" "$T/e.err" "--mode" "'foo'"
err 2 "no -d" "$XDPERF" --server --port 9000
one_line "no -d" "$T/e.err" "device" "-d"
err 2 "--sample without --verifier" "$XDPERF" --server -d "$IF_B" --sample 10
one_line "--sample without --verifier" "$T/e.err" "--sample" "--verifier"
# generator --server-addr to a closed port: nothing sent. The receiver is a server without
# --control counting UDP 9000 (its XDP program also lets the TCP SYN through, answered by RST).
if srv_start "$XDPERF" --mode xdp --port 9000 --json -q; then
	err 1 "generator --server-addr to a closed port" ip netns exec "$NS_A" "$XDPERF" -d "$IF_A" -q \
		--templates "$T/p9000.json" -c 100 --server-addr 10.201.0.2:7001
	one_line "generator --server-addr to a closed port" "$T/e.err" "cannot reach" "10.201.0.2:7001"
	sleep 0.3
	srv_stop
	eq "frames to UDP 9000 after a failed --server-addr" "$(j packets)" 0
	eq "no frame: pps null, first_s, last_s and active_s 0" \
		"$(jq -r '.pps == null and .first_s == 0 and .last_s == 0 and .active_s == 0' "$SRV_F.out")" true
	# the only frame that arrived: the connection attempt (TCP SYN, 74 bytes)
	eq "other frames after a failed --server-addr (the TCP SYN)" "$(j passed)" 1
else
	no "--server-addr: no receiver"
fi

# ---- 6. verifier plugin -----------------------------------------------------------------------
echo "== 6. verifier: build/plugins/verify_udp.wasm --sample 10, 2000 valid frames"
W="$REPO/build/plugins/verify_udp.wasm"
if [ ! -f "$W" ]; then
	no "$W is missing (make)"
else
	# valid frames, paced (200 samples/s: the verifier keeps up, nothing is skipped)
	if srv_start "$XDPERF" --mode xdp --port 9000 --verifier "$W" --sample 10 --json -q --control $CTL; then
		send --templates "$T/p9000.json" -c 2000 -r 2000
		srv_settle "verifier" "r['packets'] >= 2000 and $VERDICTS"
		srv_stop
		eq "verifier: packets" "$(j packets)" 2000
		eq "verifier: report has a verifier object" "$(jq -r 'has("verifier")' "$SRV_F.out")" true
		valid=$(j verifier.valid) sampled=$(j sampled) full=$(j sample_full)
		ge "verifier: valid" "$valid" 1
		# every 10th frame per CPU: 200 at most, one fewer per CPU that saw frames at least
		ge "verifier: sampled + sample_full" "$((${sampled:-0} + ${full:-0}))" $((200 - $(nproc)))
		eq "verifier: invalid" "$(j verifier.invalid)" 0
		eq "verifier: failed" "$(j verifier.failed)" 0
		eq "verifier: sampled = valid" "$sampled" "$valid"
	else
		no "verifier: no server"
	fi
	# dst_port 53 (ASan build, fewer samples: it verifies slower): every sample invalid, the
	# first error names the destination port
	echo '{"dst_port": 53}' >"$T/vcfg.json"
	if srv_start "$XDPERF_ASAN" --mode xdp --port 9000 --verifier "$W" --verifier-config "$T/vcfg.json" \
		--sample 50 --json -q --control $CTL; then
		send --templates "$T/p9000.json" -c 2000 -r 2000
		srv_settle "verifier dst_port 53" "r['packets'] >= 2000 and $VERDICTS"
		srv_stop
		ge "verifier dst_port 53: invalid" "$(j verifier.invalid)" 1
		eq "verifier dst_port 53: valid" "$(j verifier.valid)" 0
		eq "verifier dst_port 53: failed" "$(j verifier.failed)" 0
		eq "verifier dst_port 53: sampled = invalid" "$(j sampled)" "$(j verifier.invalid)"
		fe="$(j verifier.first_error)"
		if grep -qi "destination port 9000" <<<"$fe" && grep -q 53 <<<"$fe"; then
			ok "verifier dst_port 53: first_error '$fe'"
		else
			no "verifier dst_port 53: first_error '$fe' does not name destination port 9000 / 53"
		fi
		asan_clean "verifier run" "$SRV_F.err"
	else
		no "verifier dst_port: no server"
	fi
	# an unpaced burst with --sample 1 outruns the verifier: every counted frame is either
	# sampled or skipped (sample_full), and every sampled frame gets a verdict
	for mode in xdp afpacket; do
		what="verifier burst ($mode, --sample 1, 20000 frames unpaced$(gname "$mode"))"
		srv_start "$XDPERF" --mode "$mode" --port 9000 --verifier "$W" --sample 1 --json -q --control $CTL ||
			{ no "$what: no server"; continue; }
		send --templates "$T/p9000.json" -c $N --mode "$(gmode "$mode")"
		# every frame counted (or, afpacket, dropped by its socket: ring_full) and every sample
		# verified
		srv_settle "$what" "r['packets'] + (r['ring_full'] if r['mode'] == 'afpacket' else 0) >= $N and \
r['sampled'] + r['sample_full'] == r['packets'] and $VERDICTS"
		srv_stop
		p=$(j packets) sampled=$(j sampled) full=$(j sample_full)
		verdicts=$(($(j verifier.valid) + $(j verifier.invalid) + $(j verifier.failed)))
		ge "$what: packets" "$p" 1
		ge "$what: sample_full (the verifier fell behind)" "$full" 1
		eq "$what: sampled + sample_full = packets" "$((sampled + full))" "$p"
		eq "$what: verdicts (valid + invalid + failed) = sampled" "$verdicts" "$sampled"
	done
	err 1 "missing verifier file" ip netns exec "$NS_B" "$XDPERF" --server -d "$IF_B" \
		--verifier "$T/nosuch.wasm" -t 1
	one_line "missing verifier file" "$T/e.err" "$T/nosuch.wasm"
	err 1 "missing verifier config" ip netns exec "$NS_B" "$XDPERF" --server -d "$IF_B" \
		--verifier "$W" --verifier-config "$T/nosuch.json" -t 1
	one_line "missing verifier config" "$T/e.err" "$T/nosuch.json"
	printf '{"dst_port": ' >"$T/badcfg.json" # cut short: named by xdperf, not by the plugin
	err 1 "verifier config not JSON" ip netns exec "$NS_B" "$XDPERF" --server -d "$IF_B" \
		--verifier "$W" --verifier-config "$T/badcfg.json" -t 1
	one_line "verifier config not JSON" "$T/e.err" "$T/badcfg.json: invalid JSON"
fi

# ---- 7. rates over the active interval ---------------------------------------------------------
echo "== 7. active interval: 20 frames at 100 pps after 2.5 s idle; one frame; a reset between lines"
# jt EXPR: a jq test on the server's --json summary ("true" or what it is)
jt() { jq -r "$1" "$SRV_F.out" 2>/dev/null; }
for mode in xdp afpacket; do
	what="$mode server, 20 frames at 100 pps after 2.5 s idle$(gname "$mode")"
	srv_start "$XDPERF" --mode "$mode" --port 9000 --json -q || { no "$what: no server"; continue; }
	sleep 2.5
	send --templates "$T/p9000.json" -c 20 -r 100 --mode "$(gmode "$mode")"
	sleep 0.5 # the last frames reach the counters
	srv_stop
	eq "$what: packets" "$(j packets)" 20
	eq "$what: first_bytes" "$(j first_bytes)" $LEN
	# exact orderings: the idle time before the first frame, the active interval inside the wait
	eq "$what: first_s >= 2.5 (idle before it), first_s <= last_s <= wait_s, active_s <= wait_s" \
		"$(jt '.first_s >= 2.5 and .first_s <= .last_s and .last_s <= .wait_s and .active_s <= .wait_s')" true
	# pps is (packets - 1) / active_s: 100 when paced exactly; the whole wait would give < 8
	eq "$what: pps ($(j pps), wait_s $(j wait_s), active_s $(j active_s)) within 40..200, not diluted" \
		"$(jt '.pps >= 40 and .pps <= 200 and .pps > 5 * .packets / .wait_s')" true
	# (JSON rates have 6 significant digits and times microseconds: docs/json-stream.md)
	eq "$what: pps * active_s = packets - 1, bps * active_s = (bytes - first_bytes) * 8 (to 1e-5)" \
		"$(jt '((.pps * .active_s / 19 - 1) | fabs) < 1e-5 and ((.bps * .active_s / ((.bytes - .first_bytes) * 8) - 1) | fabs) < 1e-5')" true
done
# one frame: no rate (text summary, ASan build; and null in JSON)
if srv_start "$XDPERF_ASAN" --mode xdp --port 9000 -q; then
	send --templates "$T/p9000.json" -c 1
	sleep 0.5
	srv_stop
	sum="$(grep '^xdperf: server ' "$SRV_F.err" | tail -n 1)"
	if grep -q 'received 1 packet (200 bytes), one frame (.* s after counting started): no rate (counting for' <<<"$sum"; then
		ok "one frame: '$sum'"
	else
		no "one frame: summary '$sum'"
	fi
	asan_clean "one-frame run" "$SRV_F.err"
else
	no "one frame: no server"
fi
if srv_start "$XDPERF" --mode xdp --port 9000 --json -q; then
	send --templates "$T/p9000.json" -c 1
	sleep 0.5
	srv_stop
	eq "one frame (JSON): pps and bps null, active_s 0, first_s = last_s > 0" \
		"$(jt '.packets == 1 and .pps == null and .bps == null and .active_s == 0 and .first_s == .last_s and .first_s > 0')" true
else
	no "one frame (JSON): no server"
fi
# a reset by a generator between two per-second lines: the line after it counts what arrived
# between the lines over the time between them (before, the frames since the reset over the
# fraction of a second since it: many times the frames that arrived)
if srv_start "$XDPERF" --mode xdp --port 9000 --control 10.201.0.2:7000; then
	wait_line "$SRV_F.err" '^2s ' "$SRV_PID" 15 || no "reset line: no per-second line '2s'"
	sleep 0.7 # the reset then falls late in a second: a short time before the next line
	ip netns exec "$NS_A" "$XDPERF" -d "$IF_A" -q --templates "$T/p9000.json" -c 20 -r 100 \
		--server-addr 10.201.0.2:7000 >"$T/gen.out" 2>"$T/gen.err" ||
		no "generator with --server-addr exited $?: $(tail -n 3 "$T/gen.err")"
	t_last=$(grep -cE '^[0-9]+s  ' "$SRV_F.err")
	wait_line "$SRV_F.err" "^$((t_last + 1))s " "$SRV_PID" 15 # one more line after the run
	srv_stop
	rl="$(grep -m 1 -E '^[0-9]+s  .*  \(reset [0-9.]+ s ago\)$' "$SRV_F.err")"
	if [ -z "$rl" ]; then
		no "no per-second line says '(reset ... s ago)': $(grep -E '^[0-9]+s  ' "$SRV_F.err" | tr '\n' '|')"
	else
		pps=$(awk '{print $2}' <<<"$rl") tot=$(sed 's/.*total \([0-9]*\).*/\1/' <<<"$rl")
		# every frame it counts arrived after the reset, within the ~1 s since the line before
		if [ "$tot" -le 20 ] && [ "$pps" -le $((2 * tot + 1)) ]; then
			ok "the line after the reset: '$rl' ($pps rx/s for $tot frames since the reset)"
		else
			no "the line after the reset is inflated: '$rl' ($pps rx/s for $tot frames)"
		fi
	fi
	# "server veth1 (...): received 20 packets (4000 bytes) in A s between the first and last
	# frame: P pps, M Mbps (counting for W s); ..."
	gl="$(grep -m 1 '^xdperf: server ' "$T/gen.err")"
	gs=$(sed -n 's/.*received 20 packets (4000 bytes) in \([0-9.]*\) s between the first and last frame: \([0-9]*\) pps, [0-9.]* Mbps (counting for \([0-9.]*\) s).*/\1 \2 \3/p' <<<"$gl")
	if [ -n "$gs" ] && awk '{ exit !($2 >= 40 && $2 <= 200 && $1 <= $3) }' <<<"$gs"; then
		ok "the generator's summary of the server: active interval, pps within 40..200: '$gl'"
	else
		no "the generator's summary of the server: '$gl'"
	fi
else
	no "reset line: no server"
fi

[ $fail = 0 ] && echo "server_count: all checks passed"
exit $fail

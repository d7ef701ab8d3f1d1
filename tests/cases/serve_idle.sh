#!/usr/bin/env bash
# `xdperf serve --idle-timeout`: TCP connections without a byte received or sent for the timeout
# are closed with a log line; busy ones are not. On the ASan/UBSan build, two servers:
#   idle:  tcp://127.0.0.1:0/echo -> uppercase.wasm@1, --idle-timeout 2, --max-message 70000
#   never: the same with --idle-timeout 0 (never)
# Checks (times from the client's side are bounded by events the server's last activity
# cannot precede: the client sending the last byte the server read, per the byte count in the
# server's log line; "no sooner than 2 s" allows 20 ms, a few ticks of the server's coarse clock):
#  - a connection that got its answer and then stays silent is closed by the server (EOF) no
#    sooner than 2 s after its last byte and within 8 s, with exactly one log line
#    "...connection from ADDR:PORT closed: idle for N.N s (the limit, --idle-timeout) after 9
#    bytes received and 9 sent", N.N from 2.0 to 3.5 (the limit, looked for every 0.5 s);
#  - a connection that sends a message every 0.5 s for 5 s (over twice the timeout) stays open
#    and every message is answered;
#  - a client that sends without reading (60 000-byte messages; the server stops reading it at
#    4 MiB of unsent answers, so sending stalls) is closed (reset) no sooner than 2 s after the
#    server's last read from it (the client's send of the last byte the log line says it
#    received) and within 8 s of its sending stalling, idle for 2.0 to 3.5 s per the log line,
#    which says how many bytes of answers (>= 4 MiB) it did not read;
#  - on the --idle-timeout 0 server, a connection silent for 4 s still answers; the listening
#    lines say "idle timeout 2 s" and "no idle timeout";
#  - counters: `xdperf ctl --json listeners` idle_closed = 2 on the idle server, 0 on the other;
#    /metrics has xdperf_listener_idle_closed_total ... 2; the SIGTERM summary says "2 idle";
#  - --idle-timeout abc / -1 exit 2 with one line naming --idle-timeout;
#  - SIGTERM -> exit 0, no sanitizer report.
set -uo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/../lib/serve.sh"
X="$XDPERF_ASAN"
C="$XDPERF"
cd "$REPO" || exit 1
need_tools python3 curl
need_built "$X" "$C" build/protocols/uppercase.wasm

for v in abc -1; do
  out=$("$C" serve --listen tcp://127.0.0.1:0 --protocol echo=build/protocols/uppercase.wasm@1 --idle-timeout "$v" 2>&1)
  rc=$?
  if [ $rc -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && [[ "$out" == *"--idle-timeout"*"'$v'"* ]]; then
    echo "ok --idle-timeout $v -> exit 2: $out"
  else
    bad "--idle-timeout $v: exit $rc, output: $out"
  fi
done

serve_start idle "$X" --listen tcp://127.0.0.1:0/echo --protocol echo=build/protocols/uppercase.wasm@1 \
  --idle-timeout 2 --max-message 70000 --admin 127.0.0.1:0 --interval 0
serve_wait idle tcp:echo admin
IDLE_PORT=$(serve_port idle tcp echo); IDLE_ADMIN=$ADMIN
serve_start never "$X" --listen tcp://127.0.0.1:0/echo --protocol echo=build/protocols/uppercase.wasm@1 \
  --idle-timeout 0 --admin 127.0.0.1:0 --interval 0
serve_wait never tcp:echo admin
NEVER_PORT=$(serve_port never tcp echo); NEVER_ADMIN=$ADMIN
echo "ok servers up: idle port $IDLE_PORT (admin $IDLE_ADMIN), never port $NEVER_PORT (admin $NEVER_ADMIN)"
for spec in "idle:idle timeout 2 s" "never:no idle timeout"; do
  n=${spec%%:*} want=${spec#*:}
  if grep -q "^\[serve\] INFO: listening on tcp://.* for protocol echo (1 worker, $want)$" "$T/$n.err"; then
    echo "ok $n server: '$want' in its listening line"
  else
    bad "$n server: no '$want' in: $(grep listening "$T/$n.err")"
  fi
done

cat >"$T/idle_client.py" <<'PYEOF'
import bisect, re, select, socket, sys, time, threading
from frames import ok, fail, check, expect, frame, recv_msg, status

IP, NP, ERRF = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
# The server closes a connection idle for >= 2000 ms by CLOCK_MONOTONIC_COARSE, which lags the
# precise clock by up to a tick (4 ms at HZ 250) at each reading: 2 s less 20 ms is the soonest.
SOONEST = 1.98
# The line of an idle close: groups idle seconds, bytes received, bytes sent, the rest.
IDLE_RX = (r"^\[serve\] INFO: tcp://127\.0\.0\.1:%d: connection from 127\.0\.0\.1:%d closed: idle for "
           r"([0-9]+\.[0-9]) s \(the limit, --idle-timeout\) after ([0-9]+) bytes received and ([0-9]+) sent(.*)$")

def conn(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s

def closed_at(s, wait):
    """time.monotonic() when the server closed s (EOF or reset) within `wait` s, else None."""
    end = time.monotonic() + wait
    try:
        while time.monotonic() < end:
            s.settimeout(max(0.01, end - time.monotonic()))
            if s.recv(1 << 20) == b"":
                return time.monotonic()
    except (ConnectionResetError, BrokenPipeError):
        return time.monotonic()
    except socket.timeout:
        pass
    return None

def log_lines(rx):
    with open(ERRF, errors="replace") as f:
        return [l.rstrip("\n") for l in f if re.search(rx, l)]

def idle_lines(cport):
    """The idle-close lines for client port cport. The server logs before it closes, so they
    are there when the client sees the close; polled a while all the same."""
    rx = IDLE_RX % (IP, cport)
    end = time.monotonic() + 5.0
    while True:
        lines = log_lines(rx)
        if lines or time.monotonic() > end:
            return [re.search(rx, l) for l in lines]
        time.sleep(0.05)

def idle_figure(what, m):
    idle = float(m.group(1))
    expect(2.0 <= idle <= 3.5, "%s: the server's idle figure %.1f s is 2.0 to 3.5 s" % (what, idle))

def silent():
    s = conn(IP)
    cport = s.getsockname()[1]
    # The server's last byte (its answer) comes after the client sends "hello" and before the
    # answer arrives: the close is timed from the first (no sooner) and the second (within).
    sent = time.monotonic()
    s.sendall(frame(b"hello"))
    if recv_msg(s) != b"HELLO":
        return fail("silent: wrong answer")
    last = time.monotonic()
    t = closed_at(s, 8.0)
    s.close()
    if t is None:
        return fail("silent: connection still open 8 s after its last byte")
    expect(t - sent >= SOONEST, "silent connection closed %.2f s after its last byte (timeout 2 s; %.2f s "
           "after it sent its message)" % (t - last, t - sent))
    ms = idle_lines(cport)
    if len(ms) != 1:
        return fail("silent: want one idle log line for it, got %r" % [m.group(0) for m in ms])
    m = ms[0]
    expect(m.group(2, 3, 4) == ("9", "9", ""), "one idle log line for it: %s" % m.group(0))
    idle_figure("silent", m)

def busy():
    s = conn(IP)
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < 5.0:
        m = b"tick %d" % n
        s.sendall(frame(m))
        if recv_msg(s) != m.upper():
            return fail("busy: wrong answer to message %d" % n)
        n += 1
        time.sleep(0.5)
    s.sendall(frame(b"last"))
    expect(recv_msg(s) == b"LAST", "busy connection (a message every 0.5 s for 5 s, %d messages) still open and answered" % n)
    s.close()

def not_reading():
    s = conn(IP)
    cport = s.getsockname()[1]
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    # a small send buffer: what the client sends reaches the server's socket at once, so the
    # time it sent the server's last byte read is nearer the time the server read it
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    s.setblocking(False)
    msg = frame(b"x" * 60000)
    sent, buf = 0, b""
    calls = []  # (bytes sent before the call, when the call began) of each send that sent some
    last = time.monotonic()
    p = select.poll()
    p.register(s, select.POLLOUT)
    # Send and never read, until the server closes the connection (a reset: it closes with
    # input unread). It stops reading at 4 MiB of unsent answers, so sending stalls first.
    closed = None
    while time.monotonic() - last < 8.0:
        if not buf:
            buf = msg
        try:
            began = time.monotonic()
            k = s.send(buf)
            calls.append((sent, began))
            sent += k
            buf = buf[k:]
            last = time.monotonic()
            continue
        except BlockingIOError:
            pass
        except (ConnectionResetError, BrokenPipeError):
            closed = time.monotonic()
            break
        ev = p.poll(50)
        if ev and ev[0][1] & (select.POLLERR | select.POLLHUP):
            closed = time.monotonic()
            break
    s.close()
    if closed is None:
        return fail("not reading: still open 8 s after sending stalled (%d bytes sent)" % sent)
    ms = idle_lines(cport)
    if len(ms) != 1:
        return fail("not reading: want one idle log line for it, got %r" % [m.group(0) for m in ms])
    m = ms[0]
    got, rest = int(m.group(2)), m.group(4)
    um = re.fullmatch(r", with ([0-9]+) bytes of answers it did not read", rest)
    if not um or not 0 < got <= sent:
        return fail("not reading: log line %r (%d bytes sent)" % (m.group(0), sent))
    # The server read byte `got` last; the client's send of it began before that read. (When its
    # sending stalled is no measure: the kernel buffers take bytes long after the server stops
    # reading.)
    read_last = calls[bisect.bisect_left(calls, (got, float("-inf"))) - 1][1]
    expect(closed - read_last >= SOONEST, "a client that does not read: closed %.2f s after it sent the last "
           "byte the server read (byte %d of %d; its sending stalled %.2f s before the close)"
           % (closed - read_last, got, sent, closed - last))
    idle_figure("not reading", m)
    expect(int(um.group(1)) >= 4 << 20, "not-reading connection closed when idle, log: %s" % m.group(0))

def never():
    s = conn(NP)
    s.sendall(frame(b"a"))
    if recv_msg(s) != b"A":
        return fail("never: wrong answer")
    time.sleep(4.0)
    s.sendall(frame(b"b"))
    expect(recv_msg(s) == b"B", "--idle-timeout 0: a connection silent for 4 s still answers")
    s.close()

# The silent, busy and never cases wait side by side (each in its own thread).
ths = [threading.Thread(target=check, args=(n, f)) for n, f in
       (("silent", silent), ("busy", busy), ("never", never))]
for t in ths:
    t.start()
for t in ths:
    t.join()
check("not reading", not_reading)
sys.exit(status())
PYEOF

PYTHONPATH="$REPO/tests/lib" PYTHONDONTWRITEBYTECODE=1 timeout 120 python3 "$T/idle_client.py" \
  "$IDLE_PORT" "$NEVER_PORT" "$T/idle.err" || fail=1

idle_closed() { # ADMIN -> the echo listener's idle_closed
  "$C" ctl --admin "$1" --json listeners | python3 -c 'import json,sys; print(json.load(sys.stdin)["listeners"][0]["idle_closed"])'
}
v=$(idle_closed "$IDLE_ADMIN"); w=$(idle_closed "$NEVER_ADMIN")
if [ "$v" = 2 ] && [ "$w" = 0 ]; then echo "ok ctl listeners: idle_closed 2 (idle server), 0 (never)"
else bad "ctl listeners: idle_closed '$v' (want 2), '$w' on the never server (want 0)"; fi
m=$(curl -s "http://$IDLE_ADMIN/metrics" | grep '^xdperf_listener_idle_closed_total{')
if [[ "$m" == *'protocol="echo"} 2' ]]; then echo "ok metrics: $m"; else bad "metrics: '$m'"; fi

for n in idle never; do
  serve_stop $n 10
  if [ "$SERVE_RC" != 0 ]; then bad "$n: exit status '$SERVE_RC' after SIGTERM"; fi
  serve_sanitizer_check $n
done
if grep -q "connections (0 closed for framing, 2 idle, 0 refused)" "$T/idle.out"; then
  echo "ok summary: $(grep -o '[0-9]* connections (.*)' "$T/idle.out")"
else
  bad "summary without '2 idle': $(cat "$T/idle.out")"
fi
if [ $fail -ne 0 ]; then
  echo "--- idle server stderr (tail):"; tail -n 20 "$T/idle.err"
  exit 1
fi
echo "serve_idle: all checks passed"

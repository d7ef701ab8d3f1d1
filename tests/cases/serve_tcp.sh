#!/usr/bin/env bash
# `xdperf serve` TCP framing (u32 big-endian length + bytes, answers framed the same way, in
# order), on the ASan/UBSan build: one server with
#   tcp://127.0.0.1:0/echo  -> build/protocols/uppercase.wasm@1
#   tcp://127.0.0.1:0/trap  -> tests/protocols/trap_on.wat@1 (traps on messages starting "trap")
#   --max-message 1000 --max-connections 8 --workers 2 --admin 127.0.0.1:0
# Checks:
#  - partial reads: a message sent one byte per send() (5 ms apart, so the 4-byte header is split
#    too) is answered exactly once and correctly; also header split 1+3 and body in 3 pieces;
#  - several messages (incl. an empty one and a 1000-byte one) in one send() are all answered in
#    order; an empty message gets an empty (length 0) answer; a 1000-byte message (the limit) is
#    answered; 200 pipelined messages in one sendall get 200 answers in order;
#  - oversize: a length of 1001 and one of 0xFFFFFFFF each make the server close that connection
#    (recv -> EOF or reset) and log exactly one line "...connection from ADDR:PORT sent a message
#    length of N bytes, over the 1000-byte limit; closing it"; a connection opened before keeps
#    working before and after both;
#  - a client that sends 5 messages then shutdown(SHUT_WR) gets all 5 answers, then a clean EOF;
#  - trap listener: a normal message is echoed; a "trap..." message closes that connection with
#    one "connection from ADDR:PORT closed: ..." log line; a new connection then works;
#  - --max-connections 8 (over all listeners): with 8 connections open (each answers), a 9th is
#    closed by the server within 3 s with one "...refused: 8 connections open (the limit)" line;
#    after closing one of the 8, a new connection works;
#  - `xdperf ctl --json listeners`: echo listener framing_errors >= 2 and refused >= 1, trap
#    listener failed >= 1;
#  - SIGTERM -> exit status 0; no "AddressSanitizer"/"runtime error" in the server's stderr.
set -uo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/../lib/serve.sh"
X="$XDPERF_ASAN"
C="$XDPERF"
cd "$REPO" || exit 1
need_tools wat2wasm python3
need_built "$X" "$C" build/protocols/uppercase.wasm
wat2wasm tests/protocols/trap_on.wat -o "$T/trap_on.wasm" || { echo "FAILED: wat2wasm trap_on.wat"; exit 1; }

serve_start serve "$X" --listen tcp://127.0.0.1:0/echo --listen tcp://127.0.0.1:0/trap \
  --protocol echo=build/protocols/uppercase.wasm@1 --protocol trap="$T/trap_on.wasm"@1 \
  --max-message 1000 --max-connections 8 --workers 2 --admin 127.0.0.1:0 --interval 0
serve_wait serve tcp:echo tcp:trap admin
EP=$(serve_port serve tcp echo); TP=$(serve_port serve tcp trap)
echo "ok server up: echo tcp port $EP, trap tcp port $TP, admin $ADMIN"

cat >"$T/client.py" <<'PYEOF'
import json, re, socket, struct, subprocess, sys, time
from frames import ok, fail, check, frame, recv_msg, status

EP, TP, ERRF, CTL, ADMIN = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]

def conn(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s

def nothing_more(s, wait=0.3):
    """True when nothing else arrives within `wait` seconds (and the connection is open)."""
    s.settimeout(wait)
    try:
        d = s.recv(1)
        return False
    except socket.timeout:
        return True
    finally:
        s.settimeout(5)

def closed_by_server(s, wait=3.0):
    """'eof' / 'reset' when the server closes within `wait` s (any data before is skipped), else None."""
    s.settimeout(wait)
    end = time.time() + wait
    try:
        while time.time() < end:
            if s.recv(65536) == b"":
                return "eof"
        return None
    except (ConnectionResetError, BrokenPipeError):
        return "reset"
    except socket.timeout:
        return None

def roundtrip(s, msg):
    s.sendall(frame(msg))
    return recv_msg(s)

def log_lines(rx):
    with open(ERRF, errors="replace") as f:
        return [l for l in f.read().splitlines() if re.search(rx, l)]

def wait_log(rx, want=1, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        got = log_lines(rx)
        if len(got) >= want:
            time.sleep(0.2)          # a late duplicate would show up now
            return log_lines(rx)
        time.sleep(0.05)
    return log_lines(rx)

def listeners():
    out = subprocess.run([CTL, "ctl", "--admin", ADMIN, "--json", "listeners"], capture_output=True,
                         text=True, timeout=10)
    if out.returncode != 0:
        raise RuntimeError("ctl listeners: exit %d: %s" % (out.returncode, out.stderr.strip()))
    return {l["protocol"]: l for l in json.loads(out.stdout)["listeners"]}

def open_total():
    return sum(l["open_connections"] for l in listeners().values())

def wait_open(n, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        if open_total() == n:
            return True
        time.sleep(0.05)
    return False

U = lambda b: b.upper()   # uppercase.wasm maps a-z to A-Z only, like bytes.upper()

# ---- partial reads ----------------------------------------------------------------------------
def partial():
    s = conn(EP)
    msg = b"hello, partial world 123"
    for b in frame(msg):
        s.send(bytes([b]))
        time.sleep(0.005)
    got = recv_msg(s)
    if got != U(msg):
        return fail("byte-at-a-time: got %r, want %r" % (got, U(msg)))
    if not nothing_more(s):
        return fail("byte-at-a-time: more than one answer")
    ok("byte-at-a-time message (%d sends, header split into 4) answered once: %r" % (len(msg) + 4, got))
    data = frame(b"split header and body")
    for part in (data[:1], data[1:4], data[4:9], data[9:15], data[15:]):
        s.send(part)
        time.sleep(0.05)
    got = recv_msg(s)
    if got != b"SPLIT HEADER AND BODY" or not nothing_more(s):
        return fail("header 1+3, body in 3 pieces: got %r" % got)
    ok("header split 1+3 and body in 3 sends answered once")
    s.close()
check("partial reads", partial)

# ---- several messages in one send; empty; 1000 bytes; 200 pipelined ---------------------------
def batched():
    s = conn(EP)
    big = bytes((i * 7) % 256 for i in range(1000))
    msgs = [b"first", b"", b"second message", big, b"z"]
    s.send(b"".join(frame(m) for m in msgs))   # one send(), one segment on loopback
    got = [recv_msg(s) for _ in msgs]
    want = [U(m) for m in msgs]
    if got != want:
        return fail("5 messages in one send: got %r" % [g[:20] for g in got])
    if not nothing_more(s):
        return fail("5 messages in one send: extra data after the 5 answers")
    ok("5 messages in one send() answered in order (empty -> length-0 answer, 1000-byte message -> 1000 bytes)")
    if roundtrip(s, b"") != b"":
        return fail("empty message alone: non-empty answer")
    ok("an empty message alone -> length-0 answer")
    msgs = [("msg-%03d-" % i).encode() + b"abc" * (i % 40) for i in range(200)]
    s.sendall(b"".join(frame(m) for m in msgs))
    got = [recv_msg(s) for _ in msgs]
    bad = [i for i in range(200) if got[i] != U(msgs[i])]
    if bad:
        return fail("200 pipelined: %d wrong answers, first at %d: %r" % (len(bad), bad[0], got[bad[0]][:40]))
    if not nothing_more(s):
        return fail("200 pipelined: extra data after 200 answers")
    ok("200 pipelined messages in one sendall -> 200 answers in order")
    s.close()
check("batched", batched)

# ---- oversize lengths ---------------------------------------------------------------------------
def oversize():
    keep = conn(EP)
    if roundtrip(keep, b"before") != b"BEFORE":
        return fail("oversize: keeper connection does not work before")
    for n in (1001, 0xFFFFFFFF):
        b = conn(EP)
        cport = b.getsockname()[1]
        b.sendall(struct.pack(">I", n))
        how = closed_by_server(b)
        b.close()
        if how is None:
            fail("oversize %d: connection not closed by the server within 3 s" % n)
            continue
        rx = (r"\[serve\] WARN: tcp://127\.0\.0\.1:%d: connection from 127\.0\.0\.1:%d sent a message length "
              r"of %d bytes, over the 1000-byte limit; closing it$" % (EP, cport, n))
        lines = wait_log(rx)
        if len(lines) != 1:
            fail("oversize %d: want 1 log line matching %r, got %d" % (n, rx, len(lines)))
            continue
        got = roundtrip(keep, b"still here %d" % n)
        if got != (b"STILL HERE %d" % n):
            fail("oversize %d: keeper connection broken afterwards: %r" % (n, got))
            continue
        ok("length %d -> connection closed (%s), log: %s; other connection still works" % (n, how, lines[0]))
    # Messages before the bad length, in the same segment, are still answered before the close.
    b = conn(EP)
    b.sendall(frame(b"abc") + frame(b"def") + struct.pack(">I", 5000))
    try:
        got = [recv_msg(b), recv_msg(b)]
    except Exception as e:
        got = [repr(e)]
    how = closed_by_server(b)
    b.close()
    if got != [b"ABC", b"DEF"] or how is None:
        fail("oversize after 2 messages in one segment: answers %r, closed %r" % (got, how))
    else:
        ok("2 messages + an oversize length in one segment -> both answered, then closed (%s)" % how)
    wait_log(r"over the 1000-byte limit", want=3)
    keep.close()
check("oversize", oversize)

# ---- shutdown(SHUT_WR) --------------------------------------------------------------------------
def half_close():
    s = conn(EP)
    msgs = [b"a%d" % i * (i + 1) for i in range(5)]
    s.sendall(b"".join(frame(m) for m in msgs))
    s.shutdown(socket.SHUT_WR)
    got = [recv_msg(s) for _ in msgs]
    if got != [U(m) for m in msgs]:
        return fail("shutdown(SHUT_WR): answers %r" % got)
    s.settimeout(3)
    try:
        tail = s.recv(1)
    except socket.timeout:
        return fail("shutdown(SHUT_WR): no EOF within 3 s after the answers")
    if tail != b"":
        return fail("shutdown(SHUT_WR): extra data %r" % tail)
    ok("5 messages then shutdown(SHUT_WR) -> 5 answers, then EOF")
    s.close()
check("half close", half_close)

# ---- trapping module ----------------------------------------------------------------------------
def trapping():
    s = conn(TP)
    if roundtrip(s, b"hello trap module") != b"hello trap module":
        return fail("trap listener: normal message not echoed")
    cport = s.getsockname()[1]
    s.sendall(frame(b"trap now"))
    how = closed_by_server(s)
    s.close()
    if how is None:
        return fail("trap: connection not closed within 3 s after a trapping message")
    rx = r"\[serve\] WARN: tcp://127\.0\.0\.1:%d: connection from 127\.0\.0\.1:%d closed: .+" % (TP, cport)
    lines = wait_log(rx)
    if len(lines) != 1:
        return fail("trap: want 1 log line matching %r, got %r" % (rx, lines))
    ok("trapping message -> connection closed (%s), log: %s" % (how, lines[0]))
    s = conn(TP)
    if roundtrip(s, b"after the trap") != b"after the trap" or roundtrip(s, b"tra") != b"tra":
        return fail("trap: a new connection does not work")
    s.close()
    ok("trap: a new connection works afterwards")
check("trap", trapping)

# ---- max connections ----------------------------------------------------------------------------
def max_conns():
    if not wait_open(0):
        return fail("max-connections: earlier connections still open on the server: %d" % open_total())
    cs = []
    for i in range(8):
        s = conn(EP if i % 2 == 0 else TP)
        if roundtrip(s, b"conn %d" % i) != (b"CONN %d" % i if i % 2 == 0 else b"conn %d" % i):
            return fail("max-connections: connection %d does not work" % (i + 1))
        cs.append(s)
    ok("8 connections open, each answers")
    ninth = conn(EP)
    cport = ninth.getsockname()[1]
    try:
        ninth.sendall(frame(b"ninth"))
    except OSError:
        pass
    how = closed_by_server(ninth)
    ninth.close()
    if how is None:
        return fail("max-connections: the 9th connection was not closed within 3 s")
    rx = (r"\[serve\] WARN: tcp://127\.0\.0\.1:%d: connection from 127\.0\.0\.1:%d refused: "
          r"8 connections open \(the limit\)$" % (EP, cport))
    lines = wait_log(rx)
    if len(lines) != 1:
        return fail("max-connections: want 1 log line matching %r, got %r" % (rx, lines))
    ok("9th connection closed by the server (%s), log: %s" % (how, lines[0]))
    for i, s in enumerate(cs):   # the 8 still work (even ones: uppercase, odd ones: trap_on echo)
        if roundtrip(s, b"x") != (b"X" if i % 2 == 0 else b"x"):
            return fail("max-connections: one of the 8 broke after the refusal")
    cs.pop().close()
    if not wait_open(7):
        return fail("max-connections: server still counts %d open after closing one" % open_total())
    s = conn(EP)
    if roundtrip(s, b"replacement") != b"REPLACEMENT":
        return fail("max-connections: new connection after closing one does not work")
    ok("after closing one of the 8, a new connection works")
    for c in cs + [s]:
        c.close()
check("max connections", max_conns)

# ---- counters -----------------------------------------------------------------------------------
def counters():
    ls = listeners()
    e, t = ls["echo"], ls["trap"]
    if e["framing_errors"] < 2 or e["refused"] < 1 or t["failed"] < 1:
        return fail("ctl listeners: echo framing_errors=%d refused=%d, trap failed=%d"
                    % (e["framing_errors"], e["refused"], t["failed"]))
    ok("ctl listeners: echo framing_errors=%d refused=%d requests=%d; trap failed=%d"
       % (e["framing_errors"], e["refused"], e["requests"], t["failed"]))
check("counters", counters)

sys.exit(status())
PYEOF

PYTHONPATH="$REPO/tests/lib" PYTHONDONTWRITEBYTECODE=1 timeout 120 python3 "$T/client.py" "$EP" "$TP" "$T/serve.err" "$C" "$ADMIN" || fail=1

serve_stop serve 10
if [ -z "$SERVE_RC" ]; then bad "server still running 10 s after SIGTERM"
elif [ "$SERVE_RC" -eq 0 ]; then echo "ok SIGTERM -> exit 0"
else bad "exit status $SERVE_RC after SIGTERM"; fi
serve_sanitizer_check serve
if [ $fail -ne 0 ]; then
  echo "--- server stderr (tail):"; tail -n 30 "$T/serve.err"
  exit 1
fi
echo "serve_tcp: all checks passed"

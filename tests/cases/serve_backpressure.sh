#!/usr/bin/env bash
# `xdperf serve` TCP memory under clients that do not keep up (release build, so that the
# server's resident memory is not blurred by the sanitizer's quarantine):
#  - answers larger than requests: kv (build/protocols/kv.wasm, shared) holds a 1000-byte value;
#    a client pipelines 40 000 "GET k" messages (11 bytes each, 40 MB of answers) and reads
#    nothing for 2 s: the server's RSS grows by less than 16 MiB (it stops answering at 4 MiB of
#    unsent output; measured 4 MiB), then the client reads all 40 000 answers, each the value;
#  - a slow but steady reader: 800 pipelined 64 KiB messages (52 MB) to uppercase while the client
#    reads 64 KiB every 4 ms: every answer arrives, in order, and the server's RSS grows by less
#    than 24 MiB (the unsent output is moved to the front of its buffer; when it was only ever
#    appended to, this grew by 43 MiB);
#  - the same 40 000 GETs drained in large reads after 0.5 s, 8 rounds: every answer arrives (a
#    flush that emptied the output while answers were held back used to leave them waiting);
#  - both connections stay usable afterwards (one more round trip each).
set -uo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/../lib/serve.sh"
X="$XDPERF"
cd "$REPO" || exit 1
need_tools python3
[ -x "$X" ] || { echo "FAILED: $X missing (make all)"; exit 1; }

serve_start serve "$X" --listen tcp://127.0.0.1:0/kv --listen tcp://127.0.0.1:0/up \
  --protocol kv=build/protocols/kv.wasm@1 --protocol up=build/protocols/uppercase.wasm@1 --shared kv \
  --interval 0
SPID=${SERVE_PID[serve]}
serve_wait serve tcp:kv tcp:up
KP=$(serve_port serve tcp kv); UP=$(serve_port serve tcp up)

PYTHONPATH="$REPO/tests/lib" PYTHONDONTWRITEBYTECODE=1 python3 - "$KP" "$UP" "$SPID" <<'PYEOF'
import socket, sys, threading, time
from frames import frame, recv_msg, status, expect as check
KP, UP, PID = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def rss():
    for l in open("/proc/%s/status" % PID):
        if l.startswith("VmRSS:"):
            return int(l.split()[1]) * 1024

# 1. answers larger than requests, nobody reading
s = socket.create_connection(("127.0.0.1", KP)); s.settimeout(30)
val = b"v" * 1000
s.sendall(frame(b"SET k " + val)); check(recv_msg(s) == b"OK", "kv: SET of a 1000-byte value")
base = rss()
N = 40000
t = threading.Thread(target=lambda: s.sendall(frame(b"GET k") * N)); t.start()
time.sleep(2)
grown = rss() - base
check(grown < 16 << 20, "kv: %d pipelined GETs, not read for 2 s: server RSS grew %.1f MiB (< 16)" % (N, grown / 2**20))
bad = 0
for i in range(N):
    if recv_msg(s) != b"VALUE " + val: bad += 1
t.join()
check(bad == 0, "kv: all %d answers read afterwards, %d wrong" % (N, bad))
s.sendall(frame(b"COUNT")); check(recv_msg(s) == b"1", "kv: connection still usable")
s.close()

# 1b. the same, drained in large reads after 0.5 s, 8 times: a flush that sends all the pending
# output at once while answers are still held back (the pause) must not leave them waiting for
# an event that never comes (it did, in about 1 round in 10)
for r in range(8):
    s = socket.create_connection(("127.0.0.1", KP)); s.settimeout(10)
    s.sendall(frame(b"GET k") * N)
    time.sleep(0.5)
    want, got = N * len(frame(b"VALUE " + val)), 0
    try:
        while got < want:
            d = s.recv(1 << 22)
            if not d: break
            got += len(d)
    except TimeoutError:
        pass
    s.close()
    if got != want: break
check(got == want, "kv: %d pipelined GETs drained in large reads, round %d of 8: %d of %d bytes of answers" % (N, r + 1, got, want))

# 2. a slow, steady reader
s = socket.create_connection(("127.0.0.1", UP)); s.settimeout(30)
base = rss()
N = 800
msg = bytes((97 + i % 26) for i in range(65536))
t = threading.Thread(target=lambda: s.sendall(frame(msg) * N)); t.start()
want = frame(msg.upper()) * N
got = bytearray(); peak = 0
while len(got) < len(want):
    d = s.recv(65536)
    if not d: break
    got += d
    time.sleep(0.004)
    if len(got) % (1 << 20) < 65536: peak = max(peak, rss() - base)
t.join()
peak = max(peak, rss() - base)
check(bytes(got) == want, "uppercase: %d pipelined 64 KiB messages read slowly: all answers, in order (%d of %d bytes)" % (N, len(got), len(want)))
check(peak < 24 << 20, "uppercase: server RSS grew at most %.1f MiB (< 24) while the reader lagged" % (peak / 2**20))
s.sendall(frame(b"again")); check(recv_msg(s) == b"AGAIN", "uppercase: connection still usable")
s.close()
sys.exit(status())
PYEOF
rc=$?
serve_stop serve 60
[ "$SERVE_RC" = 0 ] || { echo "FAILED: server exit status ${SERVE_RC:-(still running after 60 s)}"; rc=1; }
[ $rc -eq 0 ] && echo "serve_backpressure: all checks passed"
exit $rc

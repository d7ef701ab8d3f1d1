#!/usr/bin/env bash
# The admin API against clients that hold connections by trickling their request headers
# (slowloris), ASan build of `xdperf serve --admin` with a token:
#  - 70 connections from 127.0.0.2, each sending one header byte every 0.5 s: the per-address
#    limit (16) keeps the rest out, and an authorised curl from 127.0.0.1 gets 200 at once
#    (within 2 s; it used to wait 40 s);
#  - the 16 the server took are closed about 10 s after they connected (the header deadline, not
#    reset by their bytes): seen closed between 8 and 14 s after connecting;
#  - then 16 from each of 127.0.0.3..127.0.0.6 (64: the connection table full but for its
#    reserve): the oldest still in their headers are closed to keep room, and curl still gets
#    200 at once;
#  - the server stays healthy and logs no sanitizer report.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/serve.sh"
cd "$REPO" || exit 1
need_tools curl python3
need_built "$XDPERF_ASAN" build/protocols/echo.wasm
echo "slow-token" >"$T/token"
serve_start s "$XDPERF_ASAN" --listen udp://127.0.0.1:0/echo --protocol echo=build/protocols/echo.wasm@1 \
  --admin 127.0.0.1:0 --admin-token-file "$T/token" --interval 0
serve_wait s admin udp
PORT=${ADMIN#*:}

python3 - "$PORT" >"$T/loris.out" 2>&1 <<'PY' &
import socket, sys, time, select
port = int(sys.argv[1])
conns = []   # (socket, connected at, closed at)
def opening(src, n):
    for _ in range(n):
        s = socket.socket()
        s.bind((src, 0))
        s.setblocking(False)
        try: s.connect(("127.0.0.1", port))
        except BlockingIOError: pass
        conns.append([s, time.time(), None, src])
opening("127.0.0.2", 70)
print("phase1", flush=True)
t_end = time.time() + 15
phase2 = False
req = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 1000
while time.time() < t_end:
    for c in conns:
        s, t0, closed = c[0], c[1], c[2]
        if closed: continue
        i = int((time.time() - t0) * 2)
        try:
            s.send(req[i:i + 1])
        except (BlockingIOError, OSError):
            pass
        try:
            r, _, _ = select.select([s], [], [], 0)
            if r and s.recv(100) == b"": c[2] = time.time()
        except OSError:
            c[2] = time.time()
    if not phase2 and time.time() - conns[0][1] > 11.5:
        for src in ("127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"):
            opening(src, 16)
        phase2 = True
        print("phase2", flush=True)
    time.sleep(0.5)
first = [c for c in conns if c[3] == "127.0.0.2"]
# those the server took (not refused at once by the per-address limit) and closed later
taken = [c for c in first if c[2] and c[2] - c[1] > 1]
ages = sorted(c[2] - c[1] for c in taken)
print("closed_after", len(taken), "%.1f" % ages[0] if ages else "-", "%.1f" % ages[-1] if ages else "-", flush=True)
print("done", flush=True)
PY
PY_PID=$!
pids+=($PY_PID)
wait_for() { for _ in $(seq 100); do grep -q "^$1" "$T/loris.out" && return 0; sleep 0.1; done; return 1; }
curl_ok() { # WHAT: an authorised request from 127.0.0.1 answered 200 within 2 s
  local t0 st dt
  t0=$(date +%s.%N)
  st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "Authorization: Bearer slow-token" "http://$ADMIN/v1/protocols")
  dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  [ "$st" = 200 ] && awk -v d="$dt" 'BEGIN { exit !(d < 2) }' && echo "ok $1: 200 in $dt s" || bad "$1: HTTP $st in $dt s"
}
wait_for phase1 || bad "the trickling clients did not start"
sleep 1
curl_ok "70 trickling connections from 127.0.0.2, curl from 127.0.0.1"
for _ in $(seq 150); do grep -q "^phase2" "$T/loris.out" && break; sleep 0.1; done
grep -q "^phase2" "$T/loris.out" || bad "the second wave did not start"
sleep 1
curl_ok "64 more from 127.0.0.3-6, curl from 127.0.0.1"
wait "$PY_PID"
cat "$T/loris.out"
read -r _ n lo hi < <(grep '^closed_after' "$T/loris.out")
if [ "${n:-0}" -ge 1 ] 2>/dev/null && awk -v a="$lo" -v b="$hi" 'BEGIN { exit !(a >= 8 && b <= 14) }'; then
  echo "ok $n trickling connections the server took were closed $lo..$hi s after connecting (deadline 10 s)"
else
  bad "trickling connections: '$(grep closed_after "$T/loris.out")'"
fi
curl_ok "after the trickle"
serve_healthy s
serve_stop s 10
[ "$SERVE_RC" = 0 ] || bad "exit status '$SERVE_RC' after SIGTERM"
serve_sanitizer_check s
[ $fail = 0 ] && echo "admin_slowloris: all checks passed"
exit $fail

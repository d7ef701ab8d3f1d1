#!/usr/bin/env bash
# `xdperf serve` (ASan/UBSan build) with the real protocol modules, UDP, and its start-up errors.
# One server, --workers 2 --shared kv, protocols kv, kvlocal (kv.wasm again, not shared), dns,
# echo (echo.wasm); listeners tcp+udp for kv, tcp for kvlocal, udp for dns and echo, and
# udp://[::1]:0/echo when ::1 is configured. Checks:
#  - kv over TCP (shared): SET on one connection -> OK; GET on 10 other connections (different
#    flows, so spread over both workers) -> "VALUE v" on all; COUNT -> 1; DEL -> DELETED; GET on
#    3 more connections -> NOT_FOUND; COUNT -> 0. The same over UDP (10 sockets = 10 flows).
#    Shared means one instance for the process: a key SET over TCP is seen over UDP.
#  - control (shows the flows really reach both workers): kvlocal (per-worker state), SET on one
#    connection, GET on 20 others -> at least one NOT_FOUND and at least one VALUE.
#  - dns over UDP with dig: a.example.test -> 192.0.2.1, h42.example.test -> 198.51.100.42,
#    nosuch.example.test -> status NXDOMAIN, www.example.com -> status REFUSED.
#  - UDP echo: datagrams of every size 1..1472 and one of 65507 bytes come back byte-exact (one
#    answer each); an empty datagram gets no answer (recv times out after 0.5 s) and the socket
#    still works after it; the IPv6 listener udp://[::1]:PORT echoes too (skipped with a note
#    only when ::1 cannot be bound).
#  - SIGTERM -> exit 0; no sanitizer report in stderr.
#  - start-up errors, each: exit status != 0, no "listening on" line, and exactly one
#    "xdperf serve: ..." stderr line naming the thing: port in use (a second serve on the running
#    server's TCP kv port, and on its UDP dns port; the first server still answers afterwards), --listen http://x, --protocol without @VERSION, a
#    missing module file, a file that is not wasm, --listen without /ID with two protocols
#    loaded, --workers 0.
set -uo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/../lib/serve.sh"
X="$XDPERF_ASAN"
cd "$REPO" || exit 1
need_tools python3 "dig (bind9-dnsutils)"
[ -x "$X" ] || { echo "FAILED: $X missing (make asan)"; exit 1; }
P=build/plugins
PM=build/protocols
for m in kv dns echo; do
  [ -f $PM/$m.wasm ] || { echo "FAILED: $PM/$m.wasm missing (make plugins)"; exit 1; }
done

v6=1
python3 -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0))' 2>/dev/null || v6=0
V6ARGS=()
[ $v6 -eq 1 ] && V6ARGS=(--listen "udp://[::1]:0/echo")

V6WANT=()
[ $v6 -eq 1 ] && V6WANT=('udp:echo@\[::1\]')
serve_start serve "$X" --workers 2 --shared kv --interval 0 \
  --protocol kv=$PM/kv.wasm@1 --protocol kvlocal=$PM/kv.wasm@1 --protocol dns=$PM/dns.wasm@1 \
  --protocol echo=$PM/echo.wasm@1 \
  --listen tcp://127.0.0.1:0/kv --listen udp://127.0.0.1:0/kv --listen tcp://127.0.0.1:0/kvlocal \
  --listen udp://127.0.0.1:0/dns --listen udp://127.0.0.1:0/echo "${V6ARGS[@]}"
serve_wait serve tcp:kv udp:kv tcp:kvlocal udp:dns udp:echo "${V6WANT[@]}"
KT=$(serve_port serve tcp kv); KU=$(serve_port serve udp kv); LT=$(serve_port serve tcp kvlocal)
DU=$(serve_port serve udp dns); EU=$(serve_port serve udp echo); E6=$(serve_port serve udp echo '\[::1\]')
echo "ok server up: kv tcp $KT udp $KU, kvlocal tcp $LT, dns udp $DU, echo udp $EU${E6:+, echo udp [::1]:$E6}"

cat >"$T/client.py" <<'PYEOF'
import socket, sys, time
from frames import ok, fail, check, frame, recv_msg, status

KT, KU, LT, EU = (int(a) for a in sys.argv[1:5])
E6 = int(sys.argv[5]) if sys.argv[5] else 0

class Tcp:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
    def ask(self, msg):
        self.s.sendall(frame(msg))
        return recv_msg(self.s)
    def close(self): self.s.close()

class Udp:
    def __init__(self, port, fam=socket.AF_INET, host="127.0.0.1"):
        self.s = socket.socket(fam, socket.SOCK_DGRAM)
        self.s.settimeout(3)
        self.s.connect((host, port))
    def ask(self, msg):
        self.s.send(msg)
        return self.s.recv(70000)
    def close(self): self.s.close()

def kv_shared(kind, cls, port, key):
    setter = cls(port)
    r = setter.ask(b"SET %s value of %s" % (key, key))
    if r != b"OK":
        return fail("kv %s: SET -> %r" % (kind, r))
    others = [cls(port) for _ in range(10)]
    got = [o.ask(b"GET " + key) for o in others]
    want = b"VALUE value of " + key
    if any(g != want for g in got):
        return fail("kv %s: GET on 10 other flows -> %r (want all %r)" % (kind, got, want))
    ok("kv %s: SET on one flow, GET on 10 other flows all -> %r" % (kind, want))
    r = others[3].ask(b"COUNT")
    if r != b"1":
        return fail("kv %s: COUNT -> %r, want b'1'" % (kind, r))
    r = others[7].ask(b"DEL " + key)
    if r != b"DELETED":
        return fail("kv %s: DEL -> %r" % (kind, r))
    more = [cls(port) for _ in range(3)]
    got = [o.ask(b"GET " + key) for o in more]
    if any(g != b"NOT_FOUND" for g in got):
        return fail("kv %s: GET after DEL -> %r" % (kind, got))
    r = setter.ask(b"COUNT")
    if r != b"0":
        return fail("kv %s: COUNT after DEL -> %r" % (kind, r))
    ok("kv %s: COUNT -> 1, DEL -> DELETED, then GET on 3 new flows -> NOT_FOUND, COUNT -> 0" % kind)
    for c in [setter] + others + more:
        c.close()

check("kv tcp", lambda: kv_shared("tcp", Tcp, KT, b"tkey"))
check("kv udp", lambda: kv_shared("udp", Udp, KU, b"ukey"))

def kv_cross():
    t, u = Tcp(KT), Udp(KU)
    if t.ask(b"SET cross 42") != b"OK" or u.ask(b"GET cross") != b"VALUE 42" or u.ask(b"DEL cross") != b"DELETED":
        return fail("kv shared: a key SET over TCP is not seen over UDP")
    ok("kv shared: a key SET over TCP is read and deleted over UDP")
    t.close(); u.close()
check("kv cross", kv_cross)

def kv_local():
    setter = Tcp(LT)
    if setter.ask(b"SET lk here") != b"OK":
        return fail("kvlocal: SET failed")
    cs = [Tcp(LT) for _ in range(20)]
    got = [c.ask(b"GET lk") for c in cs]
    found, missing = got.count(b"VALUE here"), got.count(b"NOT_FOUND")
    if found + missing != 20 or not found or not missing:
        return fail("kvlocal (per-worker state): 20 GETs -> %d VALUE, %d NOT_FOUND (want both > 0): %r"
                    % (found, missing, got))
    ok("control: kvlocal (not shared) 20 GETs -> %d VALUE, %d NOT_FOUND: flows do reach both workers"
       % (found, missing))
    for c in [setter] + cs:
        c.close()
check("kv local", kv_local)

def udp_echo(port, fam, host, label, sizes):
    u = Udp(port, fam, host)
    bad = []
    for n in sizes:
        msg = bytes((i * 31 + n) % 256 for i in range(n))
        got = u.ask(msg)
        if got != msg:
            bad.append((n, len(got)))
    if bad:
        return fail("udp echo %s: %d sizes wrong, first (size, got len): %r" % (label, len(bad), bad[:5]))
    u.s.settimeout(0.5)
    u.s.send(b"")
    try:
        r = u.s.recv(70000)
        return fail("udp echo %s: empty datagram answered with %d bytes" % (label, len(r)))
    except socket.timeout:
        pass
    u.s.settimeout(3)
    if u.ask(b"after empty") != b"after empty":
        return fail("udp echo %s: no answer after the empty datagram" % label)
    desc = "%d..%d" % (sizes[0], sizes[-2]) if len(sizes) > 10 else ", ".join(map(str, sizes[:-1]))
    ok("udp echo %s: %d datagrams (sizes %s and %d) byte-exact; empty datagram -> no answer (0.5 s timeout)"
       % (label, len(sizes), desc, sizes[-1]))
    u.close()

check("udp echo", lambda: udp_echo(EU, socket.AF_INET, "127.0.0.1", "127.0.0.1", list(range(1, 1473)) + [65507]))
if E6:
    check("udp echo v6", lambda: udp_echo(E6, socket.AF_INET6, "::1", "[::1]", [1, 5, 100, 1232, 1452, 9000, 65507]))
sys.exit(status())
PYEOF

PYTHONPATH="$REPO/tests/lib" PYTHONDONTWRITEBYTECODE=1 timeout 120 python3 "$T/client.py" "$KT" "$KU" "$LT" "$EU" "$E6" || fail=1
[ $v6 -eq 0 ] && echo "note: ::1 is not configured here; the IPv6 listener check was skipped"

# dns with dig
dq() { dig @127.0.0.1 -p "$DU" "$@" +tries=1 +time=2; }
a=$(dq a.example.test +short); h=$(dq h42.example.test +short)
[ "$a" = 192.0.2.1 ] && echo "ok dig a.example.test -> $a" || { echo "FAILED: dig a.example.test +short -> '$a'"; fail=1; }
[ "$h" = 198.51.100.42 ] && echo "ok dig h42.example.test -> $h" || { echo "FAILED: dig h42.example.test +short -> '$h'"; fail=1; }
for q in nosuch.example.test:NXDOMAIN www.example.com:REFUSED; do
  out=$(dq "${q%%:*}")
  if grep -q "status: ${q#*:}," <<<"$out"; then echo "ok dig ${q%%:*} -> status ${q#*:}"
  else echo "FAILED: dig ${q%%:*}: want status ${q#*:}:"; echo "$out" | sed 's/^/  /'; fail=1; fi
done

# ---- start-up errors ----------------------------------------------------------------------------
# expect_error NAME ERE-FOR-THE-LINE serve-args...
expect_error() {
  local name="$1" re="$2"; shift 2
  timeout 20 "$X" serve --interval 0 --duration 3 "$@" >"$T/e.out" 2>"$T/e.err"
  local rc=$?
  local lines; lines=$(grep -c '^xdperf serve: ' "$T/e.err")
  if [ $rc -eq 0 ] || [ $rc -eq 124 ] || [ "$lines" -ne 1 ] || ! grep -Eq "^xdperf serve: .*$re" "$T/e.err" ||
     grep -q 'listening on' "$T/e.err" || grep -Eq 'AddressSanitizer|runtime error' "$T/e.err"; then
    echo "FAILED: $name: exit $rc, want != 0 and one 'xdperf serve:' line matching /$re/:"
    sed 's/^/  /' "$T/e.err" | tail -n 10; fail=1
  else
    echo "ok $name -> exit $rc: $(grep '^xdperf serve: ' "$T/e.err")"
  fi
}
E=$PM/echo.wasm@1
# port in use: a second serve on the running server's TCP (kv) and UDP (dns) ports
expect_error "tcp port in use" "tcp://127\.0\.0\.1:$KT: address already in use" \
  --listen tcp://127.0.0.1:$KT --protocol echo=$E
expect_error "udp port in use" "udp://127\.0\.0\.1:$DU: address already in use" \
  --listen udp://127.0.0.1:$DU --protocol echo=$E --workers 2
a=$(dq a.example.test +short)
[ "$a" = 192.0.2.1 ] && echo "ok the first server still answers (dig a.example.test -> $a)" ||
  { echo "FAILED: the first server no longer answers after the port-in-use attempts: '$a'"; fail=1; }

serve_stop serve 10
if [ -z "$SERVE_RC" ]; then bad "server still running 10 s after SIGTERM"
elif [ "$SERVE_RC" -eq 0 ]; then echo "ok SIGTERM -> exit 0"
else bad "exit status $SERVE_RC after SIGTERM"; fi
serve_sanitizer_check serve
[ $fail -ne 0 ] && { echo "--- server stderr (tail):"; tail -n 20 "$T/serve.err"; }

E=$PM/echo.wasm@1
echo junk >"$T/notwasm.wasm"

# a listen address or the protocol it names is checked before any module loads: the whole of
# stderr is that one line (exit 2)
expect_one() {
  expect_error "$@"
  [ "$(wc -l <"$T/e.err")" = 1 ] || { echo "FAILED: $1: more than one line on stderr:"; sed 's/^/  /' "$T/e.err"; fail=1; }
}
expect_one "bad listen URL" "listen address 'http:.*want udp://ADDR:PORT or tcp://ADDR:PORT" \
  --listen http://x --protocol echo=$E
expect_one "listen port out of range" "listen address 'udp://127.0.0.1:99999': port '99999'" \
  --listen udp://127.0.0.1:99999 --protocol echo=$E
expect_one "listen for a protocol not given" "--listen udp://127.0.0.1:0/nosuch: no --protocol nosuch=" \
  --listen udp://127.0.0.1:0/nosuch --protocol echo=$E
expect_error "missing @VERSION" "--protocol 'echo=$PM/echo\.wasm': add @VERSION" \
  --listen udp://127.0.0.1:0 --protocol echo=$PM/echo.wasm
expect_error "missing module file" "$T/missing\.wasm: No such file" \
  --listen udp://127.0.0.1:0 --protocol echo="$T/missing.wasm"@1
expect_error "module that is not wasm" "echo@1: invalid module" \
  --listen udp://127.0.0.1:0 --protocol echo="$T/notwasm.wasm"@1
expect_error "--listen without /ID, two protocols" "--listen udp://127\.0\.0\.1:0: several protocols are loaded.*/ID" \
  --listen udp://127.0.0.1:0 --protocol echo=$E --protocol kv=$PM/kv.wasm@1
expect_error "--workers 0" "--workers: .*'0'" \
  --listen udp://127.0.0.1:0 --protocol echo=$E --workers 0

[ $fail -eq 0 ] || exit 1
echo "serve_modules: all checks passed"

#!/usr/bin/env bash
# The example protocol modules protocols/kv.c and protocols/dns.c (build/plugins/*.wasm).
# kv, through tests/unit/protocol_kv_harness.c (one instance across messages, public hot-load
# API): SET/GET/DEL/COUNT sequences, overwrite, values with spaces and empty values,
# NOT_FOUND, every ERR reason, keys of exactly 64 and values of exactly 1024 bytes,
# one "\n" / "\r\n" stripped, 4096 keys then "ERR full" (an overwrite still works, a delete
# makes room), delete half then every other key still found, refill, empty and refill again;
# 4096 values of 1024 bytes; no fault on random bytes; the kv_keys metric after every SET/DEL;
# `xdperf protocol call` answers one command with no trailing newline.
# dns, queries built and answers decoded with python3 (struct), through `xdperf protocol
# call`: ID, QR/AA/RD/RA/opcode flags, counts, echoed question and the A record bytes
# (pointer 0xC00C, TTL 60) for a/b/apex/h0/h7/h255, an uppercase name, ANY; NODATA for AAAA;
# NXDOMAIN (unknown, h256, h07, deeper names); REFUSED (outside the zone, class CH); NOTIMP
# with and without a parsable question; FORMERR (QDCOUNT 0/2, truncated, compression pointer,
# label of 64, name over 255 bytes); no reply for < 12 bytes and for QR=1; an EDNS query
# answered without OPT (ARCOUNT 0); no input traps (every truncation of a query and random
# bytes); the dns_queries_total metric counts queries in one instance (harness).
set -uo pipefail

REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="${TMPDIR:-/tmp}"
cd "$REPO"
. tests/lib/harness.sh
X="${XDPERF:-$REPO/build/xdperf}"
command -v clang >/dev/null || { echo "clang is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }
build_plugins
[ -x "$X" ] || { echo "FAILED: $X missing (make all)"; exit 1; }
H="$T/protocol_kv_harness"
build_harness tests/unit/protocol_kv_harness.c "$H"
PM=build/protocols
fail=0

expect() { # name want-output harness-args...
  local name="$1" want="$2"; shift 2
  local got
  got=$("$H" "$@" 2>"$T/h.err")
  local rc=$?
  if [ $rc -ne 0 ] || [ "$got" != "$want" ]; then
    echo "FAILED: $name (exit $rc):"; diff <(echo "$want") <(echo "$got") | sed 's/^/  /'
    sed 's/^/  /' "$T/h.err" | tail -n 5; fail=1
  else
    echo "ok $name"
  fi
}

# ---- kv --------------------------------------------------------------------------------------
K=$PM/kv.wasm
expect "kv: set/get/del/count" $'0\nOK\nOK\nVALUE 1\nVALUE two\n2\nDELETED\nNOT_FOUND\nNOT_FOUND\n1\nVALUE two' \
  $K COUNT "SET a 1" "SET b two" "GET a" "GET b" COUNT "DEL a" "GET a" "DEL a" COUNT "GET b"
expect "kv: overwrite keeps one key" $'OK\nOK\nVALUE second\n1\nOK\nVALUE a much longer third value\n1' \
  $K "SET k first" "SET k second" "GET k" COUNT "SET k a much longer third value" "GET k" COUNT
expect "kv: values with spaces, empty value, binary-safe keys" \
  $'OK\nVALUE hello  big world \nOK\nVALUE \nOK\nVALUE x:y\nNOT_FOUND\nNOT_FOUND' \
  $K "SET greeting hello  big world " "GET greeting" "SET empty " "GET empty" $'SET k\xff\x01 x:y' \
  $'GET k\xff\x01' "GET K" "GET gr"
expect "kv: trailing newline and CRLF ignored" $'OK\nVALUE v w\nVALUE v w\n1\nDELETED\n0\nNOT_FOUND' \
  $K $'SET k v w\r\n' $'GET k\n' $'GET k\r\n' $'COUNT\n' $'DEL k\r\n' $'COUNT\r\n' $'GET k\n'
expect "kv: only one trailing newline stripped" $'OK\nVALUE v\n\nNOT_FOUND\nOK\nVALUE v\r' \
  $K $'SET k v\n\n' $'GET k' $'GET k\r' $'SET k v\r\r\n' $'GET k'
k64=$(printf 'k%.0s' $(seq 64)); v1024=$(head -c 1024 /dev/zero | tr '\0' v)
expect "kv: limits (key 64, value 1024 bytes)" \
  $"OK"$'\n'"VALUE $v1024"$'\nERR key too long\nERR key too long\nERR key too long\nERR value too long\n1' \
  $K "SET $k64 $v1024" "GET $k64" "SET ${k64}x v" "GET ${k64}x" "DEL ${k64}x" "SET k ${v1024}x" COUNT
expect "kv: errors" $'ERR empty command\nERR empty command\nERR unknown command\nERR unknown command\nERR unknown command\nERR unknown command\nERR missing key\nERR missing key\nERR missing key\nERR empty key\nERR empty key\nERR empty key\nERR missing value\nERR too many arguments\nERR too many arguments\nERR too many arguments\nERR unknown command\n0' \
  $K "" $'\r\n' "FOO" "set a b" "GETX a" " GET a" "SET" "GET" "DEL" "GET " "SET  v" "DEL " "SET k" \
  "GET a b" "DEL a b" "COUNT x" "COUNTX" COUNT
expect "kv: 4096 keys, then full" $'repeat 4096: 4096 matched\n4096\nERR full\nERR full\nOK\nVALUE new\n4096\nDELETED\nOK\nVALUE 1\n4096\nrepeat 4096: 4094 matched\nfirst mismatch at 5: got \'VALUE new\', want \'VALUE v5\'\nNOT_FOUND' \
  $K --repeat 4096 "SET key%d v%d" OK COUNT "SET one-more x" "SET one-more x" "SET key5 new" "GET key5" \
  COUNT "DEL key7" "SET one-more 1" "GET one-more" COUNT --repeat 4096 "GET key%d" "VALUE v%d" "GET key7"
expect "kv: delete half, the rest still found, refill, empty" \
  $'repeat 2048: 2048 matched\nrepeat 2048: 2048 matched\nrepeat 2048: 2048 matched\n2048\nrepeat 2048: 2048 matched\nrepeat 2048: 2048 matched\nrepeat 2048: 2048 matched\n4096\nERR full\nrepeat 2048: 2048 matched\nrepeat 2048: 2048 matched\nrepeat 2048: 2048 matched\nrepeat 2048: 2048 matched\n0\nrepeat 4096: 4096 matched\n4096' \
  $K --repeat 2048 "SET a%d va%d" OK --repeat 2048 "SET b%d vb%d" OK --repeat 2048 "DEL a%d" DELETED COUNT \
  --repeat 2048 "GET b%d" "VALUE vb%d" --repeat 2048 "GET a%d" NOT_FOUND --repeat 2048 "SET c%d vc%d" OK \
  COUNT "SET x y" --repeat 2048 "GET b%d" "VALUE vb%d" --repeat 2048 "GET c%d" "VALUE vc%d" \
  --repeat 2048 "DEL b%d" DELETED --repeat 2048 "DEL c%d" DELETED COUNT --repeat 4096 "SET d%d %d" OK COUNT
expect "kv: 4096 values of 1024 bytes fit, overwritten twice" \
  $'repeat 4096: 4096 matched\nrepeat 4096: 4096 matched\nrepeat 4096: 4096 matched\n4096' \
  $K --repeat 4096 "SET k%d $v1024" OK --repeat 4096 "SET k%d ${v1024:10}" OK \
  --repeat 4096 "GET k%d" "VALUE ${v1024:10}" COUNT
# random bytes (NUL included) never fail a call
python3 - >"$T/kv.args" <<'PYEOF'
import random
r = random.Random(7)
for _ in range(300):
    body = bytes(r.choice(b"SETGDLCOUN \r\n\0\xffk") for _ in range(r.randint(0, 80)))
    print("--hex\n" + (r.choice([b"", b"SET ", b"GET ", b"DEL ", b"COUNT"]) + body).hex())
PYEOF
mapfile -t args <"$T/kv.args"
"$H" $K "${args[@]}" COUNT >"$T/kv.fuzz" 2>"$T/h.err"; rc=$?
[ $rc -eq 0 ] && [ "$(wc -l <"$T/kv.fuzz")" -eq 301 ] && ! grep -q FAULT "$T/kv.fuzz" &&
  echo "ok kv: no fault on 300 random messages" ||
  { echo "FAILED: kv: random messages: exit $rc"; grep -m3 FAULT "$T/kv.fuzz"; fail=1; }
expect "kv: kv_keys metric after every SET/DEL" \
  $'metric kv_keys 1\nOK\nmetric kv_keys 2\nOK\nmetric kv_keys 2\nOK\nVALUE 3\n2\nmetric kv_keys 1\nDELETED\nmetric kv_keys 1\nNOT_FOUND' \
  $K -m "SET a 1" "SET b 2" "SET a 3" "GET a" COUNT "DEL b" "DEL b"
"$X" protocol call $K --input "SET a 1" >"$T/kv.out" 2>"$T/kv.err"; rc=$?
[ $rc -eq 0 ] && [ "$(od -An -c "$T/kv.out" | tr -s ' ')" = " O K" ] && echo "ok kv: protocol call answers OK, no newline" ||
  { echo "FAILED: kv: protocol call: exit $rc, answer '$(cat "$T/kv.out")'"; cat "$T/kv.err"; fail=1; }

# ---- dns -------------------------------------------------------------------------------------
cat >"$T/dns_test.py" <<'PYEOF'
import os, random, struct, subprocess, sys

X, WASM, H, T = sys.argv[1:5]
fails = 0

def ok(name):
    print("ok dns: " + name)

def bad(name, why):
    global fails
    fails += 1
    print("FAILED: dns: %s: %s" % (name, why))

def qname(name):
    out = b""
    for l in name.split(".") if name else []:
        out += bytes([len(l)]) + l.encode()
    return out + b"\0"

def query(name, qtype=1, qclass=1, qid=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0, extra=b""):
    return struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar) + qname(name) + \
        struct.pack(">HH", qtype, qclass) + extra

def call(msg):
    p = os.path.join(T, "q.bin")
    with open(p, "wb") as f:
        f.write(msg)
    r = subprocess.run([X, "protocol", "call", WASM, "--input-file", p], capture_output=True)
    if r.returncode != 0:
        raise RuntimeError("exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace").strip()))
    return r.stdout

def decode(ans):
    if len(ans) < 12:
        raise RuntimeError("answer of %d bytes" % len(ans))
    qid, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", ans[:12])
    return dict(id=qid, qr=flags >> 15, opcode=(flags >> 11) & 15, aa=(flags >> 10) & 1,
                tc=(flags >> 9) & 1, rd=(flags >> 8) & 1, ra=(flags >> 7) & 1, z=(flags >> 4) & 7,
                rcode=flags & 15, qd=qd, an=an, ns=ns, ar=ar)

def check(name, msg, rcode, aa=1, rd=1, opcode=0, echo=True, addr=None, qid=0x1234):
    """Sends msg; wants the header fields, the question echoed (msg[12:qend]) and addr."""
    try:
        ans = call(msg)
        h = decode(ans)
    except RuntimeError as e:
        return bad(name, e)
    want = dict(id=qid, qr=1, opcode=opcode, aa=aa, tc=0, rd=rd, ra=0, z=0, rcode=rcode,
                qd=1 if echo else 0, an=1 if addr else 0, ns=0, ar=0)
    if h != want:
        return bad(name, "header %s, want %s" % (h, want))
    body = ans[12:]
    if echo:
        end = msg.index(b"\0", 12) + 5
        q = msg[12:end]
        if body[:len(q)] != q:
            return bad(name, "question not echoed: %s" % body[:len(q)].hex())
        body = body[len(q):]
    if addr:
        rr = struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + bytes(int(x) for x in addr.split("."))
        if body != rr:
            return bad(name, "answer record %s, want %s" % (body.hex(), rr.hex()))
    elif body:
        return bad(name, "unexpected bytes after the header/question: %s" % body.hex())
    ok(name)

def no_reply(name, msg):
    try:
        ans = call(msg)
    except RuntimeError as e:
        return bad(name, e)
    if ans:
        return bad(name, "answer of %d bytes, want none" % len(ans))
    ok(name)

# answers
check("a.example.test A -> 192.0.2.1", query("a.example.test"), 0, addr="192.0.2.1")
check("b.example.test A -> 192.0.2.2", query("b.example.test"), 0, addr="192.0.2.2")
check("example.test A -> 192.0.2.10", query("example.test"), 0, addr="192.0.2.10")
check("h7.example.test -> 198.51.100.7, RD=0 copied", query("h7.example.test", flags=0, qid=0xbeef),
      0, rd=0, addr="198.51.100.7", qid=0xbeef)
check("h0 -> 198.51.100.0", query("h0.example.test"), 0, addr="198.51.100.0")
check("h255 -> 198.51.100.255", query("h255.example.test", qid=0), 0, addr="198.51.100.255", qid=0)
check("uppercase A.EXAMPLE.TEST, echoed as sent", query("A.EXAMPLE.TEST"), 0, addr="192.0.2.1")
check("mixed case H42.Example.Test", query("H42.Example.Test"), 0, addr="198.51.100.42")
check("QTYPE ANY -> the A record", query("a.example.test", qtype=255), 0, addr="192.0.2.1")
# NODATA, NXDOMAIN, REFUSED
check("AAAA a.example.test -> NODATA", query("a.example.test", qtype=28), 0)
check("MX example.test -> NODATA", query("example.test", qtype=15), 0)
check("unknown name -> NXDOMAIN", query("nope.example.test"), 3)
check("h256 -> NXDOMAIN", query("h256.example.test"), 3)
check("h07 -> NXDOMAIN", query("h07.example.test"), 3)
check("x.a.example.test -> NXDOMAIN", query("x.a.example.test"), 3)
check("AAAA of an unknown name -> NXDOMAIN", query("zz.example.test", qtype=28), 3)
check("www.example.com -> REFUSED", query("www.example.com"), 5, aa=0)
check("test -> REFUSED", query("test"), 5, aa=0)
check("root -> REFUSED", query(""), 5, aa=0)
check("a.example.test.evil -> REFUSED", query("a.example.test.evil"), 5, aa=0)
check("class CH -> REFUSED", query("a.example.test", qclass=3), 5, aa=0)
# NOTIMP
check("opcode 2 (STATUS) -> NOTIMP, question echoed", query("a.example.test", flags=0x1100), 4,
      aa=0, opcode=2)
check("opcode 4 (NOTIFY), no question -> NOTIMP, header only",
      struct.pack(">HHHHHH", 0x1234, 0x2100, 0, 0, 0, 0), 4, aa=0, opcode=4, echo=False)
check("opcode 5 (UPDATE), truncated -> NOTIMP, header only", query("a.example.test", flags=0x2900)[:20],
      4, aa=0, opcode=5, echo=False)
# FORMERR
check("QDCOUNT 2 -> FORMERR", query("a.example.test", qd=2), 1, aa=0, echo=False)
check("QDCOUNT 0 -> FORMERR", query("a.example.test", qd=0), 1, aa=0, echo=False)
check("header only -> FORMERR", query("a.example.test")[:12], 1, aa=0, echo=False)
check("truncated name -> FORMERR", query("a.example.test")[:20], 1, aa=0, echo=False)
check("no QTYPE/QCLASS -> FORMERR", query("a.example.test")[:-3], 1, aa=0, echo=False)
check("compression pointer -> FORMERR",
      struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x01a\xc0\x0c\x00\x01\x00\x01", 1, aa=0, echo=False)
check("label of 64 -> FORMERR",
      struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x40" + b"x" * 64 + qname("example.test") +
      b"\x00\x01\x00\x01", 1, aa=0, echo=False)
check("label of 63 -> NXDOMAIN", query("x" * 63 + ".example.test"), 3)
check("name over 255 bytes -> FORMERR", query(".".join(["x" * 60] * 4) + ".example.test"), 1, aa=0,
      echo=False)
# no reply
no_reply("11 bytes -> no reply", query("a.example.test")[:11])
no_reply("empty message -> no reply", b"")
no_reply("QR=1 (a response) -> no reply", query("a.example.test", flags=0x8100))
# EDNS
opt = b"\x00" + struct.pack(">HHIH", 41, 1232, 0, 0)
check("EDNS OPT ignored, ARCOUNT 0", query("a.example.test", ar=1, extra=opt), 0, addr="192.0.2.1")

# never traps: every truncation of a query, bit flips, random bytes
base = query("h12.example.test", ar=1, extra=opt)
msgs = [base[:n] for n in range(len(base))]
rng = random.Random(1)
for i in range(150):
    m = bytearray(base)
    for _ in range(rng.randint(1, 4)):
        m[rng.randrange(len(m))] ^= 1 << rng.randrange(8)
    msgs.append(bytes(m))
for i in range(100):
    msgs.append(bytes(rng.randrange(256) for _ in range(rng.randint(0, 80))))
    # random bytes after a valid header with QR=0 and QDCOUNT 1
    msgs.append(b"\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00" +
                bytes(rng.randrange(256) for _ in range(rng.randint(0, 300))))
errs = []
for m in msgs:
    try:
        ans = call(m)
    except RuntimeError as e:
        errs.append("%s: %s" % (m.hex(), e))
        continue
    if ans and (len(ans) < 12 or ans[:2] != m[:2] or not ans[2] & 0x80):
        errs.append("%s: bad answer %s" % (m.hex(), ans.hex()))
if errs:
    bad("no trap on %d malformed messages" % len(msgs), "%d failed, first %s" % (len(errs), errs[0]))
else:
    ok("no trap, well-formed header in every answer, %d malformed messages" % len(msgs))

# the metric counts the queries of one instance (the harness keeps one instance)
r = subprocess.run([H, WASM, "-m", "--hex", query("a.example.test").hex(), "--hex", "00",
                    "--hex", query("nope.example.test").hex()], capture_output=True)
got = r.stdout.decode().split("\n")
want = ["metric dns_queries_total 1", call(query("a.example.test")).hex(), "-",
        "metric dns_queries_total 2", call(query("nope.example.test")).hex(), ""]
if r.returncode or got != want:
    bad("dns_queries_total metric", "got %s, want %s %s" % (got, want, r.stderr.decode()[-300:]))
else:
    ok("dns_queries_total metric 1, 2 over three messages (one without reply)")
sys.exit(1 if fails else 0)
PYEOF
python3 "$T/dns_test.py" "$X" "$PM/dns.wasm" "$H" "$T" || fail=1

[ $fail -eq 0 ] || exit 1
echo "protocol_modules: all checks passed"

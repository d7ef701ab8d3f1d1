#!/usr/bin/env python3
"""UDP clients of the example modules for tests/cases/module_metrics.sh, each flow its own socket
(its own source port, so SO_REUSEPORT spreads the flows over the server's workers).

  modclient.py dns PORT N    N queries for a.example.test, each from a new socket; prints how
                             many were answered with 192.0.2.1 (exit 1 unless all N were)
  modclient.py kv PORT PFX   16 kv flows on PORT (more, one at a time, until two groups of flows
                             see different stores: two workers): flow k sets PFX.k, every flow
                             asks for PFX.0; the flows that find it share flow 0's worker (group
                             A), the others (group B) another one; group A's first flow sets 2
                             more keys (3 if the two groups would then hold the same number).
                             Prints "A B countA countB flowsA flowsB": the keys each group set
                             (what each worker holds), the COUNT answers of a flow of each group
                             and the flows in each group. Exit 1
                             when a command gets no or a wrong answer, or no second group appears
                             within 200 flows.
  modclient.py kvset PORT PFX N   N flows, flow k sets PFX.k; prints how many answered OK
"""
import socket
import struct
import sys

TIMEOUT = 5.0


def flow():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    return s


def ask(s, port, msg):
    s.sendto(msg, ("127.0.0.1", port))
    try:
        return s.recv(65535)
    except socket.timeout:
        return None


def dns_query(qid):
    q = b"".join(bytes([len(p)]) + p for p in (b"a", b"example", b"test")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack(">HH", 1, 1)


def dns(port, n):
    answered = 0
    for i in range(n):
        s = flow()
        r = ask(s, port, dns_query(i & 0xffff))
        s.close()
        if r is not None and len(r) >= 4 and r[:2] == struct.pack(">H", i & 0xffff) and r[-4:] == bytes([192, 0, 2, 1]):
            answered += 1
    print(answered)
    return 0 if answered == n else 1


def need(s, port, msg, want):
    r = ask(s, port, msg)
    if r != want:
        sys.stderr.write("modclient: %r got %r, want %r\n" % (msg, r, want))
        sys.exit(1)


def kv(port, pfx):
    flows, groups = [], {"A": [], "B": []}

    def add():
        s = flow()
        need(s, port, b"SET %s.%d x" % (pfx, len(flows)), b"OK")
        flows.append(s)

    def classify(j):
        r = ask(flows[j], port, b"GET %s.0" % pfx)
        if r not in (b"VALUE x", b"NOT_FOUND"):
            sys.stderr.write("modclient: GET %s.0 got %r\n" % (pfx, r))
            sys.exit(1)
        groups["A" if r == b"VALUE x" else "B"].append(j)

    for _ in range(16):
        add()
    for j in range(len(flows)):
        classify(j)
    while not groups["B"] and len(flows) < 200:
        add()
        classify(len(flows) - 1)
    if not groups["B"]:
        sys.stderr.write("modclient: all %d flows reached one worker\n" % len(flows))
        return 1
    a, b = len(groups["A"]), len(groups["B"])
    first = flows[groups["A"][0]]
    extra = 2 if a + 2 != b else 3
    for e in range(extra):
        need(first, port, b"SET %s.extra%d y" % (pfx, e), b"OK")
    a += extra
    ca = ask(first, port, b"COUNT")
    cb = ask(flows[groups["B"][0]], port, b"COUNT")
    print(a, b, (ca or b"-").decode(), (cb or b"-").decode(), len(groups["A"]), len(groups["B"]))
    return 0


def kvset(port, pfx, n):
    ok = 0
    for k in range(n):
        s = flow()
        if ask(s, port, b"SET %s.%d x" % (pfx, k)) == b"OK":
            ok += 1
        s.close()
    print(ok)
    return 0 if ok == n else 1


if __name__ == "__main__":
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "dns":
        sys.exit(dns(port, int(sys.argv[3])))
    if cmd == "kv":
        sys.exit(kv(port, sys.argv[3].encode()))
    if cmd == "kvset":
        sys.exit(kvset(port, sys.argv[3].encode(), int(sys.argv[4])))
    sys.exit(2)

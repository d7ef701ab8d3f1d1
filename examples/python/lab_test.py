#!/usr/bin/env python3
"""A complete scripted test with the xdperf Python API, the way a test engineer writes one.

As root, it builds its own lab and tears it down:
  1. a network namespace holding a veth pair lab0 <-> lab1 (10.203.0.1, 10.203.0.2);
  2. a stamped stream: the simpleudp plugin's template sent on lab0 to a server counting on
     lab1; asserts the run sent exactly COUNT frames, and per stream that nothing was lost,
     duplicated or reordered and every frame's latency was measured (p99 under a bound);
  3. a protocol module swapped under load: `xdperf serve` answers UDP with the echo module
     while a thread keeps asking; version 2 (uppercase) is loaded as a canary taking half the
     traffic, promoted, then rolled back, through the admin API; asserts no request failed and
     both versions answered.
Prints one "ok ..." line per check and "PASS" at the end; exit 0, else the failed assertion.

    sudo python3 examples/python/lab_test.py          (from the repository, after make)

Environment: XDPERF_BUILD (default: ../../build next to this file) holds xdperf,
plugins/simpleudp.wasm and protocols/{echo,uppercase}.wasm; LAB_COUNT (default 20000).
"""
import os
import re
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("XDPERF_BUILD", os.path.join(HERE, os.pardir, os.pardir, "build"))
sys.path.insert(0, os.path.join(HERE, os.pardir, os.pardir, "python"))  # run from the tree

import xdperf  # noqa: E402

COUNT = int(os.environ.get("LAB_COUNT", "20000"))
PORT = 9000
TOKEN = "lab-token"


def ok(msg):
    print("ok " + msg, flush=True)


def sh(*args):
    subprocess.run(args, check=True)


def mac(dev):
    with open("/sys/class/net/%s/address" % dev) as f:
        return f.read().strip()


def stamped_stream():
    """Step 2: a stamped stream against a server; per-stream loss and latency."""
    cfg = {"src_ip": "10.203.0.1", "dst_ip": "10.203.0.2", "dst_port": PORT,
           "payload_size": 64, "dst_mac": mac("lab1")}
    with xdperf.Plugin.load(os.path.join(BUILD, "plugins", "simpleudp.wasm"), cfg) as p:
        frames = p.templates(mac=bytes.fromhex(mac("lab0").replace(":", "")), device="lab0")
    with xdperf.Server("lab1", port=PORT, stamp=True) as srv:
        with xdperf.Tx("lab0", frames, count=COUNT, rate_pps=50000, stamp=True,
                       notice=lambda m: print("  notice: " + m)) as tx:
            r = tx.run()
        assert r.total.packets == COUNT and r.total.errors == 0, r.total
        ok("sent %d stamped frames (%s, %.2f s)" % (r.total.packets, r.mode, r.total.seconds))
        deadline = time.time() + 10
        while srv.stats().stamped < COUNT and time.time() < deadline:
            time.sleep(0.05)
        rep = srv.report()
    assert len(rep.streams) == len(frames), rep.streams
    for s in rep.streams:
        assert s.run == r.run_id, (s.run, r.run_id)
        assert (s.lost, s.duplicated, s.reordered) == (0, 0, 0), s
        assert s.received == COUNT // len(frames) and s.latency.count == s.received, s
        assert 0 < s.latency.p99_ns < 50_000_000, s.latency  # under 50 ms, even on a loaded host
        ok("stream %d: %d received, 0 lost/duplicated/reordered, latency p50 %.1f us p99 %.1f us"
           % (s.stream, s.received, s.latency.p50_ns / 1e3, s.latency.p99_ns / 1e3))
    assert rep.lost_against(COUNT) == 0
    ok("the server's count equals the sent count: %d" % rep.total.unique)


def swap_under_load(tmp):
    """Step 3: a protocol module swapped under load, no request failing."""
    tok = os.path.join(tmp, "token")
    with open(tok, "w") as f:
        f.write(TOKEN + "\n")
    err_path = os.path.join(tmp, "serve.err")
    err = open(err_path, "w+")
    serve = subprocess.Popen([os.path.join(BUILD, "xdperf"), "serve",
                              "--listen", "udp://10.203.0.2:0/echo",
                              "--protocol", "echo=%s@1" % os.path.join(BUILD, "protocols", "echo.wasm"),
                              "--admin", "127.0.0.1:0", "--admin-token-file", tok, "--interval", "0"],
                             stdout=subprocess.DEVNULL, stderr=err)
    try:
        admin = port = None
        for _ in range(200):
            text = open(err_path).read()
            a = re.search(r"admin API on https?://([0-9.]+:[0-9]+)", text)
            u = re.search(r"listening on udp://10\.203\.0\.2:([0-9]+) for protocol echo", text)
            if a and u:
                admin, port = a.group(1), int(u.group(1))
                break
            assert serve.poll() is None, "xdperf serve exited: " + text
            time.sleep(0.05)
        assert admin, "xdperf serve did not start: " + open(err_path).read()
        adm = xdperf.Admin(admin, token=TOKEN)
        upper = open(os.path.join(BUILD, "protocols", "uppercase.wasm"), "rb").read()
        stop = threading.Event()
        answers, failures = [], []

        def load():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("10.203.0.1", 0))
            s.settimeout(2)
            i = 0
            while not stop.is_set():
                msg = b"request %d" % i
                try:
                    s.sendto(msg, ("10.203.0.2", port))
                    answers.append((msg, s.recvfrom(65536)[0]))
                except OSError as e:
                    failures.append((msg, e))
                i += 1

        t = threading.Thread(target=load)
        t.start()
        time.sleep(0.3)
        adm.upload("echo", "2", upper, test=50)  # a canary: half the traffic
        time.sleep(0.5)
        adm.promote("echo", "2")
        time.sleep(0.5)
        adm.rollback("echo")
        time.sleep(0.3)
        stop.set()
        t.join()
        assert not failures, failures[:3]
        assert all(a in (m, m.upper()) for m, a in answers), "a wrong answer"
        upper_n = sum(a == m.upper() for m, a in answers)
        assert 0 < upper_n < len(answers), (upper_n, len(answers))
        ok("%d requests during canary, promote and rollback: 0 failed, %d answered by version 2"
           % (len(answers), upper_n))
        assert adm.get("echo", "1")["state"] == "active"
        ok("after the rollback version 1 is active again")
    finally:
        serve.terminate()
        serve.wait(timeout=10)


def inside(tmp):
    stamped_stream()
    swap_under_load(tmp)
    print("PASS", flush=True)


def main():
    if os.environ.get("LAB_INSIDE"):
        inside(os.environ["LAB_TMP"])
        return 0
    if os.geteuid() != 0:
        print("lab_test.py: needs root (network namespaces, XDP)", file=sys.stderr)
        return 2
    ns = "xdperf-lab-%d" % os.getpid()
    tmp = "/tmp/" + ns
    os.makedirs(tmp, exist_ok=True)
    sh("ip", "netns", "add", ns)
    try:
        sh("ip", "-n", ns, "link", "add", "lab0", "type", "veth", "peer", "name", "lab1")
        sh("ip", "-n", ns, "addr", "add", "10.203.0.1/24", "dev", "lab0")
        sh("ip", "-n", ns, "addr", "add", "10.203.0.2/24", "dev", "lab1")
        for dev in ("lo", "lab0", "lab1"):
            sh("ip", "-n", ns, "link", "set", dev, "up")
        ok("namespace %s with the veth pair lab0 <-> lab1" % ns)
        env = dict(os.environ, LAB_INSIDE="1", LAB_TMP=tmp)
        return subprocess.call(["ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__)],
                               env=env)
    finally:
        subprocess.call(["ip", "netns", "del", ns])
        subprocess.call(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())

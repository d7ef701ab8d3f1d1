"""The admin API client against a real `xdperf serve` (no root: loopback only): every call,
HTTP errors as AdminError, and a module swapped under load with no failed request."""
import os
import re
import socket
import subprocess
import threading
import time

import pytest

import xdperf

TOKEN = "py-s3cret"


@pytest.fixture
def serve(build, tmp_path):
    tok = tmp_path / "token"
    tok.write_text(TOKEN + "\n")
    err = open(tmp_path / "serve.err", "w+")
    p = subprocess.Popen([os.path.join(build, "xdperf"), "serve",
                          "--listen", "udp://127.0.0.1:0/echo",
                          "--protocol", "echo=%s@1" % os.path.join(build, "protocols", "echo.wasm"),
                          "--admin", "127.0.0.1:0", "--interval", "0",
                          "--admin-token-file", str(tok)],
                         stdout=subprocess.DEVNULL, stderr=err)
    admin = udp = None
    for _ in range(200):
        text = (tmp_path / "serve.err").read_text()
        m = re.search(r"admin API on https?://([0-9.]+:[0-9]+)", text)
        u = re.search(r"listening on udp://127\.0\.0\.1:([0-9]+) for protocol echo", text)
        if m and u:
            admin, udp = m.group(1), int(u.group(1))
            break
        if p.poll() is not None:
            break
        time.sleep(0.05)
    if not admin:
        p.kill()
        pytest.fail("xdperf serve did not start: " + (tmp_path / "serve.err").read_text())
    yield admin, udp
    p.terminate()
    p.wait(timeout=10)


def ask(sock, port, payload):
    sock.sendto(payload, ("127.0.0.1", port))
    return sock.recvfrom(65536)[0]


def test_admin_calls_and_errors(serve, build):
    addr, _udp = serve
    adm = xdperf.Admin(addr, token=TOKEN)
    assert adm.health() == {"ok": True}
    lst = adm.list()
    assert "echo" in str(lst)
    v1 = adm.get("echo", "1")
    assert v1["state"] == "active"
    with pytest.raises(xdperf.AdminError) as e:
        xdperf.Admin(addr, token="wrong").list()
    assert e.value.status == 401 and e.value.message.startswith("HTTP 401: ")
    with pytest.raises(xdperf.AdminError) as e:
        adm.get("nope")
    assert e.value.status == 404 and e.value.body["status"] == 404
    with pytest.raises(xdperf.AdminError) as e:
        adm.upload("echo", "9", b"not wasm")
    assert e.value.status == 400
    assert "xdperf" in adm.metrics() and adm.metric_values()
    assert adm.listeners()
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.Admin("127.0.0.1:1").health()
    assert e.value.errno == 111


def test_swap_under_load_no_failures(serve, build):
    addr, udp = serve
    adm = xdperf.Admin(addr, token=TOKEN)
    upper = open(os.path.join(build, "protocols", "uppercase.wasm"), "rb").read()
    stop = threading.Event()
    answers = []
    failures = []

    def load():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        i = 0
        while not stop.is_set():
            msg = b"hello %d" % i
            try:
                answers.append((msg, ask(s, udp, msg)))
            except OSError as e:
                failures.append((msg, e))
            i += 1

    t = threading.Thread(target=load)
    t.start()
    time.sleep(0.2)
    adm.upload("echo", "2", upper, test=50)
    assert adm.get("echo", "2")["state"] == "testing"
    time.sleep(0.3)
    adm.promote("echo", "2")
    time.sleep(0.3)
    adm.rollback("echo")
    time.sleep(0.3)
    stop.set()
    t.join()
    assert not failures and len(answers) > 100
    assert all(a in (m, m.upper()) for m, a in answers)
    kinds = [a == m.upper() for m, a in answers]
    assert any(kinds) and not all(kinds)
    assert adm.get("echo", "1")["state"] == "active"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    assert ask(s, udp, b"abc") == b"abc"
    adm.unload("echo", "2")
    with pytest.raises(xdperf.AdminError) as e:
        adm.get("echo", "2")
    assert e.value.status == 404

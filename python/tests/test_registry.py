"""The protocol registry in-process: load, canary by flow, promote, roll back, unload, faults,
policy, and versions swapped while threads call it (no failed call)."""
import errno
import os
import threading
import time

import pytest

import xdperf


@pytest.fixture
def mods(build):
    d = os.path.join(build, "protocols")
    return os.path.join(d, "echo.wasm"), open(os.path.join(d, "uppercase.wasm"), "rb").read()


def test_lifecycle_and_canary(mods):
    echo, upper = mods
    lines = []
    with xdperf.Registry(log=lambda n, lvl, m: lines.append((n, m))) as reg:
        reg.load("p", "1", echo)
        (v,) = reg.list("p")
        assert (v.id, v.version, v.state, v.calls) == ("p", "1", "inactive", 0)
        assert len(v.sha256) == 64 and v.module_bytes > 0
        with pytest.raises(xdperf.ProtocolError) as e:
            reg.route("p", b"x")  # nothing active yet
        assert e.value.errno == errno.ENOENT and e.value.fault == "route"
        reg.start_testing("p", "1")
        reg.promote("p", "1")
        assert reg.route("p", b"abc") == (b"abc", "1")
        reg.load("p", "2", upper)
        assert reg.execute("p", "2", b"abc") == b"ABC"
        reg.start_testing("p", "2")
        reg.set_traffic("p", "2", 30)
        got = {}
        for i in range(2000):
            key = b"flow-%d" % i
            ans, ver = reg.route("p", b"abc", key=key)
            assert ans == (b"ABC" if ver == "2" else b"abc")
            got[key] = ver
            assert reg.route("p", b"abc", key=key)[1] == ver  # a flow stays on its version
        share = sum(v == "2" for v in got.values()) / len(got)
        assert 0.25 < share < 0.35, share
        info = {v.version: v for v in reg.list("p")}
        assert info["2"].state == "testing" and info["2"].traffic == 30
        # plus the first route (on 1) and the execute (on 2)
        assert info["1"].calls + info["2"].calls == 4000 + 2
        reg.promote("p", "2")
        assert reg.route("p", b"x") == (b"X", "2")
        reg.rollback("p")
        assert reg.route("p", b"x") == (b"x", "1")
        with pytest.raises(xdperf.XdperfError) as e:
            reg.unload("p", "1")  # the active one
        assert e.value.errno == errno.EBUSY and e.value.message
        with pytest.raises(xdperf.XdperfError) as e:
            reg.load("p", "1", echo)
        assert e.value.errno == errno.EEXIST
    assert any(n == "hotload" and "testing -> active" in m for n, m in lines)


def test_policy_fault(mods):
    echo, _ = mods
    with xdperf.Registry(log=lambda *a: None) as reg:
        reg.load("f", "1", echo, policy={"fuel": 50})
        reg.start_testing("f", "1")
        reg.promote("f", "1")
        with pytest.raises(xdperf.ProtocolError) as e:
            reg.route("f", b"a" * 1000)
        assert e.value.fault == "fuel" and e.value.version == "1" and e.value.errno == errno.EINVAL
        (v,) = reg.list("f")
        assert v.errors == 1 and v.fuel == 1
        with pytest.raises(ValueError):
            reg.load("f", "2", echo, policy={"no_such_field": 1})
        with pytest.raises(xdperf.XdperfError) as e:
            reg.load("f", "3", b"\0asm\x01\0\0\0")
        assert e.value.errno == errno.EINVAL and e.value.message


def test_swap_while_threads_call(mods):
    echo, upper = mods
    with xdperf.Registry(log=lambda *a: None) as reg:
        reg.load("s", "1", echo)
        reg.start_testing("s", "1")
        reg.promote("s", "1")
        stop = threading.Event()
        counts = [[0, 0] for _ in range(3)]  # per thread: right answers, failures

        def caller(n):
            i = 0
            while not stop.is_set():
                msg = b"m%d-%d" % (n, i)
                try:
                    ans, ver = reg.route("s", msg, key=msg)
                    counts[n][ans != (msg.upper() if ver == "2" else msg)] += 1
                except xdperf.XdperfError:
                    counts[n][1] += 1
                i += 1

        ts = [threading.Thread(target=caller, args=(n,)) for n in range(3)]
        for t in ts:
            t.start()
        rounds = 0
        end = time.time() + 20
        # swap until every thread has made calls across several rounds (threads may start late)
        while (rounds < 5 or min(c[0] for c in counts) < 100) and time.time() < end:
            reg.load("s", "2", upper, replace=True)
            reg.start_testing("s", "2")
            reg.set_traffic("s", "2", 50)
            reg.promote("s", "2")
            time.sleep(0.01)
            reg.rollback("s")
            reg.unload("s", "2")
            rounds += 1
        stop.set()
        for t in ts:
            t.join()
        assert all(bad == 0 for _, bad in counts) and min(ok for ok, _ in counts) >= 100, counts
        assert rounds >= 5

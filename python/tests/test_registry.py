"""The protocol registry in-process: load, canary by flow, promote, roll back, unload, faults,
policy, and versions swapped while threads call it (no failed call)."""
import errno
import os
import threading
import time

import pytest

import xdperf
from wat import wat


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


def test_native_version_lifecycle_and_faults(mods):
    echo, _ = mods
    seen = []

    def upper(msg):
        seen.append(msg)
        if msg == b"boom":
            raise ValueError("no boom here")
        if msg == b"nope":
            raise xdperf.XdperfError(errno.EPROTO, "refused")
        return msg.upper() * 2

    with xdperf.Registry() as reg:
        reg.load_native("up", "1", upper)
        reg.load("up", "2", echo)
        assert reg.execute("up", "1", b"ab") == b"ABAB"
        reg.start_testing("up", "1")
        reg.promote("up", "1")
        assert reg.route("up", b"hello") == (b"HELLOHELLO", "1")
        assert reg.route("up", b"") == (b"", "1")
        with pytest.raises(xdperf.ProtocolError) as e:
            reg.route("up", b"boom")
        # (a failed message is EINVAL, whatever the handler's errno: the registry's rule)
        assert e.value.fault == "native" and e.value.errno == errno.EINVAL
        assert "no boom here" in e.value.message and e.value.version == "1"
        with pytest.raises(xdperf.ProtocolError) as e:
            reg.route("up", b"nope")
        assert e.value.fault == "native" and "refused" in e.value.message
        # a module version beside it: promote, then roll back to the native one
        reg.start_testing("up", "2")
        reg.promote("up", "2")
        assert reg.route("up", b"x") == (b"x", "2")
        reg.rollback("up")
        assert reg.route("up", b"y") == (b"YY", "1")
        (v1,) = [v for v in reg.list("up") if v.version == "1"]
        assert v1.native and v1.calls == 6 and v1.errors == 2 and v1.sha256 == ""
        with pytest.raises(xdperf.XdperfError) as e:
            reg.load_native("up", "1", upper)
        assert e.value.errno == errno.EEXIST
    assert seen == [b"ab", b"hello", b"", b"boom", b"nope", b"y"]


METRIC_WAT = r'''
(module
  (import "env" "host_report_metric" (func $m (param i32 i32 f64 i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "msg_len")
  (global $heap (mut i32) (i32.const 1024))
  (func (export "alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (local.get $p) (i32.and (i32.add (local.get $n) (i32.const 15)) (i32.const -16))))
    (local.get $p))
  (func (export "free") (param i32))
  (func (export "handle") (param $p i32) (param $n i32) (result i32 i32)
    (call $m (i32.const 0) (i32.const 7) (f64.convert_i32_u (local.get $n)) (i64.const 1700000000123456789))
    (local.get $p) (local.get $n)))
'''


def test_metric_callback():
    module = wat(METRIC_WAT)
    got = []
    lock = threading.Lock()

    def metric(name, m, value, ts, worker, instance):
        with lock:
            got.append((name, m, value, ts, worker, instance))

    with xdperf.Registry(metric=metric) as reg:
        reg.load("met", "1.0", module)
        reg.start_testing("met", "1.0")
        reg.promote("met", "1.0")
        for msg in (b"a", b"bcd", b"efghij"):
            assert reg.route("met", msg) == (msg, "1.0")
        t = threading.Thread(target=lambda: reg.route("met", b"xy"))
        t.start()
        t.join()
        with lock:
            vals = [(n, m, v, ts) for n, m, v, ts, _w, _i in got if m is not None]
            sources = {(w, i) for _n, m, _v, _ts, w, i in got if m is not None}
        assert vals == [("met@1.0", "msg_len", float(n), 1700000000123456789)
                        for n in (1, 3, 6, 2)]
        # two threads, two workers, an instance each (serial numbers from 1)
        assert len({w for w, _ in sources}) == 2 and all(i >= 1 for _, i in sources)
    # freeing the registry ends the instances: each says so once (metric None)
    ends = [(w, i) for _n, m, _v, _ts, w, i in got if m is None]
    assert sorted(ends) == sorted(sources)

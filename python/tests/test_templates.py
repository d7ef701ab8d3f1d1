"""Template sets from JSON (xdperf.templates, include/xdperf/templates.h): a plugin's answer
and template files become Frames with the answer's modifiers, checksums, rates and IMIX
weights; errors name the template and field. The last test sends a plugin's frames on the veth
pair of tests/cases/python_api.sh (root) and reads the modified field back off the wire."""
import base64
import json
import os
import subprocess

import pytest

import xdperf
from pcap import read_frames

FRAME = bytes.fromhex("020000000002020000000001080045000024000000004011000000000000000000000000"
                      "000000000000000000000000")  # 48 bytes: Ethernet + IPv4 + UDP + 6


def tmpl(data=FRAME, **meta):
    t = {"template": {"base_packet": {"data": base64.b64encode(data).decode()}}}
    if meta:
        t["metadata"] = meta
    return t


def quiet(*_a):
    pass


def test_plugin_frames_carry_the_answers_modifiers(build):
    cfg = {"src_ip": "10.201.0.1", "dst_ip": "10.201.0.2"}
    with xdperf.Plugin.load(os.path.join(build, "plugins", "flows.wasm"), cfg, log=quiet) as p:
        answer = p.process(count=100)
        ts = p.frames(count=100)
    assert isinstance(ts, xdperf.Templates) and len(ts) == len(answer) == 1
    (f,) = ts
    want = base64.b64decode(answer[0]["template"]["base_packet"]["data"])
    assert f.data == want[:answer[0]["template"]["base_packet"].get("length", len(want))]
    # the answer's one modifier, read independently from its JSON: udp.src_port, increment
    (m_json,) = answer[0]["template"]["modifiers"]
    (m,) = f.mods
    assert (m.offset, m.len, m.op) == (14 + 20, 2, m_json["operation"]["type"])
    assert (m.min, m.max, m.step) == (m_json["params"]["min"], m_json["params"]["max"],
                                      m_json["params"]["step"])
    assert f.csums == xdperf.tx.CSUM_IPV4 | xdperf.tx.CSUM_UDP
    assert ts.warnings == []
    # the base frames alone, as before
    with xdperf.Plugin.load(os.path.join(build, "plugins", "flows.wasm"), cfg, log=quiet) as p:
        assert p.templates(count=100) == [f.data]


def test_tunnel_checksums_by_position(build):
    with xdperf.Plugin.load(os.path.join(build, "plugins", "vxlan.wasm"), log=quiet) as p:
        ts = p.frames(count=10)
    for f in ts:
        # the outer IPv4 header checksum at 24 over bytes 14..34, and the inner one likewise
        offs = [(s.off, s.start, s.len) for s in f.specs]
        assert (24, 14, 20) in offs and any(o > 34 for o, _, _ in offs)


def test_file_errors_name_the_template_and_field(tmp_path):
    bad = tmp_path / "bad.json"
    t = [tmpl(), {"template": {"base_packet": {"data": "!!notbase64"}}}]
    bad.write_text(json.dumps(t))
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.templates.load(bad)
    assert e.value.errno == 22
    assert str(bad) in e.value.message and "template 1: base_packet.data" in e.value.message
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.templates.load(tmp_path / "missing.json")
    assert e.value.errno == 2 and "missing.json" in e.value.message
    m = tmpl()
    m["template"]["modifiers"] = [{"target": {"offset": 34, "length": 2},
                                   "operation": {"type": "increment"},
                                   "params": {"min": 0, "max": 70000, "step": 1}}]
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.templates.from_json([m])
    assert e.value.errno == 22 and "template 0: modifiers[0]" in e.value.message
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.templates.from_json("[", count=1)
    assert e.value.errno == 22


def test_imix_weights_rates_and_warnings():
    ts = xdperf.templates.from_json([tmpl()], imix="64:7,570:4,1518:1")
    assert [len(f.data) for f in ts] == [64, 570, 1518]
    assert [f.weight for f in ts] == [7, 4, 1]
    # each size is the same frame grown: its headers kept, IPv4 and UDP lengths fitted
    assert all(f.data[:16] == FRAME[:16] and f.data[26:34] == FRAME[26:34] for f in ts)
    assert [int.from_bytes(f.data[16:18], "big") for f in ts] == [50, 556, 1504]
    assert [int.from_bytes(f.data[38:40], "big") for f in ts] == [30, 536, 1484]
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.templates.from_json([tmpl()], imix="64:0")
    assert e.value.errno == 22
    # rate_pps on one of two frames: kept as given, and said in a warning
    ts = xdperf.templates.from_json([tmpl(rate_pps=100), tmpl()])
    assert [f.rate_pps for f in ts] == [100, 0]
    assert len(ts.warnings) == 1 and "1 of 2 templates set metadata.rate_pps" in ts.warnings[0]
    # every frame with a rate: no warning, rates kept
    ts = xdperf.templates.from_json(json.dumps([tmpl(rate_pps=100), tmpl(rate_pps=300)]))
    assert [f.rate_pps for f in ts] == [100, 300] and ts.warnings == []


TX_DEV = os.environ.get("XDPERF_TEST_TX_DEV")
RX_DEV = os.environ.get("XDPERF_TEST_RX_DEV")


@pytest.mark.skipif(not (TX_DEV and RX_DEV),
                    reason="needs the veth pair of tests/cases/python_api.sh (root)")
def test_plugin_frames_on_the_wire(build, tmp_path):
    # the flows plugin's own modifier walks the UDP source port from 1024: exactly that
    # arrives, with valid IPv4 headers
    n = 40
    cap = tmp_path / "flows.pcap"
    td = subprocess.Popen(["tcpdump", "-i", RX_DEV, "-n", "-U", "-c", str(n), "-w", str(cap),
                           "udp"], stderr=subprocess.PIPE, text=True)
    try:
        assert "listening on" in td.stderr.readline()
        cfg = {"src_ip": "10.201.0.1", "dst_ip": "10.201.0.2"}
        with xdperf.Plugin.load(os.path.join(build, "plugins", "flows.wasm"), cfg,
                                log=quiet) as p:
            ts = p.frames(count=n, device=TX_DEV)
        with xdperf.Tx(TX_DEV, ts, count=n, rate_pps=5000, mode="afpacket") as tx:
            assert tx.run().total.packets == n
        td.wait(timeout=10)
    finally:
        if td.poll() is None:
            td.kill()
            td.wait()
    got = read_frames(cap)
    assert [int.from_bytes(g[34:36], "big") for g in got] == [1024 + i for i in range(n)]
    for g in got:
        s = sum(int.from_bytes(g[i:i + 2], "big") for i in range(14, 34, 2))
        while s > 0xFFFF:
            s = (s & 0xFFFF) + (s >> 16)
        assert s == 0xFFFF

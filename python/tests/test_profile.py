"""Run profiles from Python (xdperf.profile, include/xdperf/profile.h): the library reads and
checks the file (the code `xdperf run` uses), paces are worked out (share, gap, burst, after),
config files are read, errors name the stream and key; each stream's frames come from its
plugin, template file or capture. As root (the veth pair of tests/cases/python_api.sh) a
profile runs and each stream's count is checked on the wire (tcpdump, by UDP port) and by the
server."""
import json
import os
import struct
import subprocess

import pytest

import xdperf
from pcap import read_frames

TX_DEV = os.environ.get("XDPERF_TEST_TX_DEV")
RX_DEV = os.environ.get("XDPERF_TEST_RX_DEV")


def udp_frame(dport, plen=18):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + plen, 0, 0, 64, 17, 0,
                     bytes([10, 201, 0, 1]), bytes([10, 201, 0, 2]))
    s = sum(struct.unpack("!10H", ip))
    s = (s & 0xFFFF) + (s >> 16)
    ip = ip[:10] + struct.pack("!H", ~s & 0xFFFF) + ip[12:]
    udp = struct.pack("!HHHH", 4000, dport, 8 + plen, 0) + bytes(plen)
    return bytes.fromhex("020000000002" "020000000001" "0800") + ip + udp


def write_templates(path, frames):
    path.write_text(json.dumps([{"template": {"base_packet": {"data": f.hex(), "type": "hex"}}}
                                for f in frames]))


def write_pcap(path, frames):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", 1, i, len(f), len(f)) + f
    path.write_bytes(out)


def quiet(*_a):
    pass


def test_paces_worked_out_and_config_files_read(tmp_path):
    (tmp_path / "cfg.yaml").write_text("dst_port: 9100\npayload_size: 30\n")
    write_templates(tmp_path / "t.json", [udp_frame(9101)])
    p = tmp_path / "p.yaml"
    p.write_text("""
rate: 2000
threads: 2
duration: 3s
cpus: "0"
streams:
  - {name: a, plugin: simpleudp, config_file: %s, share: 0.25, count: 100}
  - {name: b, templates: %s, gap: 5ms, count: 40, after: a, start: 0.25s, stamp: true}
  - {name: c, templates: %s, burst: {packets: 10, every: 10ms}, imix: simple}
  - {name: d, templates: %s, bitrate: 1.5M, duration: 500ms}
""" % (tmp_path / "cfg.yaml", tmp_path / "t.json", tmp_path / "t.json", tmp_path / "t.json"))
    prof = xdperf.profile.load(p)
    assert (prof.rate, prof.threads, prof.duration, prof.cpus) == (2000, 2, 3, "0")
    assert prof.device is None and prof.mode is None
    a, b, c, d = prof.streams
    assert (a.name, a.plugin, a.rate, a.count) == ("a", "simpleudp", 500, 100)
    assert a.config == {"dst_port": 9100, "payload_size": 30}
    # b starts when a ends (100 frames at 500/s) plus its own 0.25 s; gap 5 ms = 200/s
    assert b.rate == pytest.approx(200) and b.start == pytest.approx(0.45)
    assert b.stamp and not a.stamp and b.config is None
    assert (c.burst, c.rate, c.imix) == (10, pytest.approx(1000), "simple")
    assert (d.bitrate, d.duration, d.rate) == (1500000, 0.5, 0)


def test_errors_name_the_stream_and_key(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("streams:\n  - {name: video, templates: t.json, rat: 10}\n")
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.profile.load(p)
    assert e.value.errno == 22 and "stream video" in e.value.message and "rate" in e.value.message
    p.write_text("streams:\n  - {name: v, plugin: simpleudp, config_file: %s}\n"
                 % (tmp_path / "nope.yaml"))
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.profile.load(p)
    assert e.value.errno == 2 and "stream v" in e.value.message and "nope.yaml" in e.value.message
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.profile.load(tmp_path / "missing.yaml")
    assert "missing.yaml" in e.value.message


def test_stream_frames_from_each_source(tmp_path, build):
    write_templates(tmp_path / "t.json", [udp_frame(9101)])
    caps = [udp_frame(9200 + i, 10 + i) for i in range(5)]
    write_pcap(tmp_path / "c.pcap", caps)
    p = tmp_path / "p.yaml"
    p.write_text("""
streams:
  - {name: plug, plugin: simpleudp, config: {dst_port: 9300, payload_size: 20}, count: 10}
  - {name: tmpl, templates: %s, imix: "64:3,128:1"}
  - {name: cap, pcap: %s}
""" % (tmp_path / "t.json", tmp_path / "c.pcap"))
    prof = xdperf.profile.load(p)
    (f,) = prof.frames("plug", mac=bytes.fromhex("020000000001"), log=quiet)
    assert len(f.data) == 14 + 20 + 8 + 20 and f.data[36:38] == (9300).to_bytes(2, "big")
    assert f.data[6:12] == bytes.fromhex("020000000001")
    t = prof.frames(1)
    assert [(len(x.data), x.weight) for x in t] == [(64, 3), (128, 1)]
    assert [x.data for x in prof.frames("cap")] == caps
    # the plugin by name: found in the checkout's build/plugins; an unknown one says where
    assert xdperf.profile.find_plugin("simpleudp") == os.path.join(build, "plugins",
                                                                    "simpleudp.wasm")
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.profile.find_plugin("nosuchplugin", str(tmp_path))
    assert e.value.errno == 2 and str(tmp_path) in e.value.message
    # a protocol module's name: said so, as the command says it
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.profile.find_plugin("dns", str(tmp_path))
    assert e.value.errno == 2 and "is a protocol module" in e.value.message
    # the order the command looks in: the given path first, then next to the library
    dirs = xdperf.profile.plugin_dirs(str(tmp_path))
    assert dirs[0] == str(tmp_path) and os.path.join(build, "plugins") in dirs
    with open(os.path.join(build, "plugins", "simpleudp.wasm"), "rb") as f:
        (tmp_path / "simpleudp.wasm").write_bytes(f.read())
    assert xdperf.profile.find_plugin("simpleudp", str(tmp_path)) == str(tmp_path / "simpleudp.wasm")
    # a capture with a cut frame: named, with its number
    raw = (tmp_path / "c.pcap").read_bytes()
    cut = bytearray(raw[:24 + 16 + len(caps[0])])
    struct.pack_into("<I", cut, 24 + 8, len(caps[0]) - 4)  # incl_len < orig_len
    (tmp_path / "cut.pcap").write_bytes(bytes(cut[:24 + 16 + len(caps[0]) - 4]))
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.templates.from_pcap(tmp_path / "cut.pcap")
    assert "cut.pcap" in e.value.message and "frame 1" in e.value.message
    with pytest.raises(KeyError):
        prof.frames("nosuchstream")


def test_cpus_spec():
    allowed = sorted(os.sched_getaffinity(0))
    assert xdperf.profile.resolve_cpus(str(allowed[0])) == [allowed[0]]
    assert sorted(xdperf.profile.resolve_cpus("auto")) == allowed
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.profile.resolve_cpus("0-x")
    assert e.value.errno == 22 and e.value.message


@pytest.mark.skipif(not (TX_DEV and RX_DEV),
                    reason="needs the veth pair of tests/cases/python_api.sh (root)")
def test_profile_run_on_the_wire(tmp_path):
    write_templates(tmp_path / "t.json", [udp_frame(9401), udp_frame(9402)])
    p = tmp_path / "p.yaml"
    p.write_text("""
device: %s
mode: afpacket
streams:
  - {name: plug, plugin: simpleudp, config: {dst_port: 9400, payload_size: 64}, rate: 2000, count: 300, stamp: true}
  - {name: tmpl, templates: %s, burst: {packets: 5, every: 10ms}, count: 200, start: 0.1}
""" % (TX_DEV, tmp_path / "t.json"))
    prof = xdperf.profile.load(p)
    cap = tmp_path / "run.pcap"
    td = subprocess.Popen(["tcpdump", "-i", RX_DEV, "-n", "-U", "-c", "500", "-w", str(cap),
                           "udp"], stderr=subprocess.PIPE, text=True)
    try:
        assert "listening on" in td.stderr.readline()
        with xdperf.Server(RX_DEV, port=9400, stamp=True, mode="afpacket") as srv:
            with prof.tx(log=quiet) as tx:
                r = tx.run()
                ss = tx.stream_stats()
            assert r.total.packets == 500 and r.mode == "afpacket"
            assert [s.packets for s in ss] == [300, 200]
            assert ss[1].first_s >= 0.1
            td.wait(timeout=10)
            st = srv.stats()
            assert st.stamped == 300
    finally:
        if td.poll() is None:
            td.kill()
            td.wait()
    ports = [int.from_bytes(f[36:38], "big") for f in read_frames(cap)]
    assert (ports.count(9400), ports.count(9401), ports.count(9402)) == (300, 100, 100)

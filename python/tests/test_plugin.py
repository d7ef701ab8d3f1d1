"""Generator plugins: templates equal the frames `xdperf -p NAME -o FILE.pcap -c N` writes."""
import collections
import errno
import os
import subprocess

import pytest

import xdperf
from pcap import read_frames


def cli_pcap(build, tmp_path, plugin, count, config=None):
    out = tmp_path / (plugin + ".pcap")
    cmd = [os.path.join(build, "xdperf"), "-p", plugin, "-o", str(out), "-c", str(count)]
    if config:
        cfg = tmp_path / (plugin + ".json")
        cfg.write_text(config)
        cmd += ["--plugin-config", str(cfg)]
    subprocess.run(cmd, check=True, capture_output=True, cwd=tmp_path)
    return read_frames(out)


def test_simpleudp_templates_equal_pcap(build, tmp_path):
    cfg = '{"dst_port": 9000, "payload_size": 100, "dst_ip": "10.9.8.7"}'
    with xdperf.Plugin.load(os.path.join(build, "plugins", "simpleudp.wasm"), cfg) as p:
        assert p.name == "simpleudp"
        assert "dst_port" in p.schema["keys"]
        t = p.templates(count=5)
    assert len(t) == 1 and len(t[0]) == 14 + 20 + 8 + 100
    frames = cli_pcap(build, tmp_path, "simpleudp", 5, cfg)
    assert frames == [t[0]] * 5
    assert t[0][30:34] == bytes([10, 9, 8, 7]) and t[0][36:38] == (9000).to_bytes(2, "big")


def test_imix_templates_equal_pcap(build, tmp_path):
    with xdperf.Plugin.load(os.path.join(build, "plugins", "imix.wasm")) as p:
        resp = p.process(count=12)
        t = p.templates(count=12)
    assert [len(x) for x in t] == [64, 576, 1500]
    want = collections.Counter()
    for i, item in enumerate(resp):
        want[t[i]] += item["metadata"]["packet_count"]
    frames = cli_pcap(build, tmp_path, "imix", 12)
    assert collections.Counter(frames) == want and sum(want.values()) == 12


def test_plugin_from_bytes_and_config_error(build):
    data = open(os.path.join(build, "plugins", "simpleudp.wasm"), "rb").read()
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.Plugin.load(data, {"dst_prot": 1}, name="su")
    assert e.value.errno == errno.EINVAL
    assert e.value.message.startswith("plugin su: config key")
    assert "dst_port" in e.value.message  # "did you mean"
    with xdperf.Plugin.load(data, {"payload_size": 10}, name="su") as p:
        assert len(p.templates()[0]) == 52


def test_log_callback(build):
    lines = []
    with xdperf.Plugin.load(os.path.join(build, "plugins", "simpleudp.wasm"),
                            {"is_arp_resolve": True}, log_level=0,
                            log=lambda name, lvl, msg: lines.append((name, lvl, msg))) as p:
        p.templates(1)
    # no device: dst_ip cannot be resolved, which the plugin says at WARN
    assert any(n == "simpleudp" and lvl == 2 for n, lvl, _ in lines), lines

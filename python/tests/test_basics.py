"""Version, library lookup and errors carrying errno + the library's message."""
import errno
import os
import re
import subprocess

import pytest

import xdperf


def test_version_matches_version_file(repo):
    with open(os.path.join(repo, "VERSION")) as f:
        want = f.read().strip()
    assert xdperf.version() == want
    assert xdperf.version_full().startswith(want)


def test_version_equals_cli(repo, build):
    out = subprocess.run([os.path.join(build, "xdperf"), "--version"], capture_output=True,
                         text=True).stdout
    assert xdperf.version() in out


def test_xdperf_lib_env(build, tmp_path):
    # a fresh interpreter with XDPERF_LIB pointing at the .so loads exactly that file
    so = os.path.realpath(os.path.join(build, "libxdperf.so"))
    code = "import xdperf; print(xdperf.lib_path()); print(xdperf.version())"
    env = dict(os.environ, XDPERF_LIB=so, PYTHONPATH=os.path.dirname(os.path.dirname(xdperf.__file__)))
    out = subprocess.run([os.sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split("\n")
    assert out[0] == so and out[1] == xdperf.version()
    env["XDPERF_LIB"] = str(tmp_path / "nope.so")
    r = subprocess.run([os.sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert r.returncode != 0 and "libxdperf not found" in r.stderr and "nope.so" in r.stderr


def test_error_carries_errno_and_message():
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.Module.load(b"\0asm\x01\0\0\0\x05")
    assert e.value.errno == errno.EINVAL
    assert e.value.message == "malformed at byte 0x9: unexpected end"
    assert "EINVAL" in str(e.value)


def test_missing_device_is_enodev():
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.Tx("xdpfnodev0", [bytes(60)], count=1)
    assert e.value.errno == errno.ENODEV
    assert "xdpfnodev0" in e.value.message


def test_plugin_missing_file(tmp_path):
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.Plugin.load(tmp_path / "missing.wasm")
    assert e.value.errno == errno.ENOENT
    assert "missing" in e.value.message


def test_frames_from_objects_with_bytes():
    # anything bytes() converts is a frame (a scapy packet is one): the data handed to the
    # library is its bytes
    class Pkt:
        def __bytes__(self):
            return bytes(range(60))

    arr, n, _keep = xdperf.tx._frames([Pkt(), xdperf.Frame(Pkt(), weight=3)])
    assert n == 2
    for i in range(2):
        assert arr[i].len == 60
        assert bytes(arr[i].data[:60]) == bytes(range(60))
    assert arr[1].weight == 3


def test_parse_report_error():
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.server.parse_report("{\"nope\": 1}")
    assert e.value.errno == errno.EINVAL and e.value.message

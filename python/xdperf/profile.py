"""Run profiles (include/xdperf/profile.h): the YAML or JSON files of ``xdperf run``
(docs/profiles.md), read and checked by the library, turned into a multi-stream
:class:`~xdperf.Tx`: each stream's frames from its plugin, template file or capture, its pace,
count, duration, start, bursts and stamps.

    prof = xdperf.profile.load("voice-video.yaml")
    with prof.tx("veth0", mode="afpacket") as tx:
        result = tx.run()
    for st, s in zip(prof.streams, tx.stream_stats()):
        print(st.name, s.packets)
"""
from __future__ import annotations

import ctypes
import dataclasses
import json
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from . import _lib
from ._lib import lib
from .errors import XdperfError, check
from .plugin import Plugin
from .templates import Templates, from_pcap, load as load_templates
from .tx import Stream, Tx

_CPUS_MAX = 1024


@dataclasses.dataclass
class ProfileStream:
    """One stream as the library read it: one source (plugin with config, templates or pcap),
    imix, and its pace worked out (rate in frames/s after share, gap and burst; bitrate in
    bits/s), count, duration, start (seconds after the run's start, after "after"), burst and
    stamp."""
    name: str
    plugin: Optional[str] = None
    templates: Optional[str] = None
    pcap: Optional[str] = None
    config: Optional[Dict[str, Any]] = None
    config_file: Optional[str] = None
    imix: Optional[str] = None
    rate: float = 0.0
    bitrate: int = 0
    count: int = 0
    duration: float = 0.0
    start: float = 0.0
    burst: int = 1
    stamp: bool = False


@dataclasses.dataclass
class Profile:
    """A checked profile: the run's settings (None / 0 = not given) and its streams."""
    path: str
    streams: List[ProfileStream]
    device: Optional[str] = None
    server: Optional[str] = None
    mode: Optional[str] = None
    cpus: Optional[str] = None
    plugin_path: Optional[str] = None
    threads: int = 0
    duration: float = 0.0
    rate: float = 0.0

    def frames(self, stream: Union[int, str, ProfileStream], *, device: Optional[str] = None,
               mac: Optional[bytes] = None, plugin_path: Optional[str] = None,
               log: Optional[Callable[[str, int, str], None]] = None) -> Templates:
        """A stream's frames, as ``xdperf run`` makes them: the plugin (found as
        :func:`find_plugin` does, given its config, count, the MAC and device) answered, or
        the template file read, with the stream's imix; or the capture's frames. mac: the
        source MAC the plugin gets (default: device's own, else zero)."""
        st = self._stream(stream)
        dev = device or self.device
        if st.pcap:
            return from_pcap(st.pcap)
        if st.templates:
            return load_templates(st.templates, count=st.count, imix=st.imix)
        assert st.plugin is not None
        if mac is None:
            mac = device_mac(dev) if dev else b"\0" * 6
        path = find_plugin(st.plugin, plugin_path or self.plugin_path)
        with Plugin.load(path, st.config or {}, device=dev, log=log) as p:
            return p.frames(count=st.count, mac=mac, device=dev, imix=st.imix)

    def tx(self, device: Optional[str] = None, *, mode: Optional[str] = None,
           parallelism: Optional[int] = None, cpus: Union[None, str, Sequence[int]] = None,
           duration: Optional[float] = None, plugin_path: Optional[str] = None,
           mac: Optional[bytes] = None, stall_timeout: float = 0.0, run_id: int = 0,
           notice: Optional[Callable[[str], None]] = None,
           log: Optional[Callable[[str, int, str], None]] = None) -> Tx:
        """The run ``xdperf run`` would make of this profile, as a multi-stream
        :class:`~xdperf.Tx` (not started: call run()). Arguments override the profile's
        settings as the command's options do; the mode defaults to "auto" (XDP, else
        AF_PACKET). cpus: a list, or a spec as ``--cpus`` takes it ("0-3", "local",
        "node:0"). Raises XdperfError naming the stream whose source fails."""
        dev = device or self.device
        if not dev:
            raise XdperfError(22, "profile %s: no device (give one, or \"device\" in the "
                              "profile)" % self.path)
        streams = []
        for st in self.streams:
            try:
                fr = self.frames(st, device=dev, mac=mac, plugin_path=plugin_path, log=log)
            except XdperfError as e:
                raise XdperfError(e.errno, "%s (in stream %s of %s)" % (e.message, st.name,
                                                                       self.path)) from None
            streams.append(Stream(frames=fr, name=st.name, rate=st.rate, bitrate=st.bitrate,
                                  count=st.count, duration=st.duration, start=st.start,
                                  burst=st.burst, stamp=st.stamp))
        threads = parallelism or self.threads or 1
        spec = cpus if cpus is not None else self.cpus
        cpu_list = resolve_cpus(spec, dev) if isinstance(spec, str) else spec
        if cpu_list is not None and len(cpu_list) < threads:
            raise XdperfError(22, "%d threads but cpus %s gives %d CPUs" % (threads, spec,
                                                                             len(cpu_list)))
        return Tx(dev, [], streams=streams, mode=mode or self.mode or "auto",
                  parallelism=threads,
                  cpus=list(cpu_list)[:threads] if cpu_list is not None else None,
                  duration=duration if duration is not None else self.duration,
                  stall_timeout=stall_timeout, run_id=run_id, notice=notice)

    def _stream(self, s: Union[int, str, ProfileStream]) -> ProfileStream:
        if isinstance(s, ProfileStream):
            return s
        if isinstance(s, int):
            return self.streams[s]
        for st in self.streams:
            if st.name == s:
                return st
        raise KeyError("profile %s has no stream %r" % (self.path, s))


def load(path: Union[str, "os.PathLike[str]"]) -> Profile:
    """Reads and checks a profile (YAML or JSON), its streams' config files too. Raises
    XdperfError (EINVAL) with the library's line naming the stream and key at fault."""
    out = ctypes.c_void_p()
    err = _lib.errbuf()
    check(lib().xdperf_profile_load(os.fsencode(path), ctypes.byref(out), err, len(err)), err)
    try:
        doc = json.loads(lib().xdperf_profile_json(out))
    finally:
        lib().xdperf_profile_free(out)
    streams = [ProfileStream(**s) for s in doc.pop("streams")]
    return Profile(path=os.fspath(path), streams=streams, **doc)


def plugin_dirs(plugin_path: Optional[str] = None, kind: str = "plugins") -> List[str]:
    """Where :func:`find_plugin` looks, in the order the command looks (``xdperf --plugin``):
    plugin_path; the installed package's data directory (``make install``'s DATADIR/KIND);
    next to the library (its ../share/xdperf/KIND, its KIND/); the checkout's build/KIND when
    the package is used from one. KIND is "plugins" or "protocols" (the modules of serve)."""
    dirs = [plugin_path] if plugin_path else []
    try:
        from . import _installed  # type: ignore[attr-defined]
        dirs.append(os.path.join(getattr(_installed, "DATADIR", ""), kind))
    except ImportError:
        pass
    libdir = os.path.dirname(_lib.lib_path())
    dirs += [os.path.normpath(os.path.join(libdir, os.pardir, "share", "xdperf", kind)),
             os.path.join(libdir, kind)]
    here = os.path.dirname(os.path.abspath(__file__))
    checkout = os.path.normpath(os.path.join(here, os.pardir, os.pardir, "build", kind))
    if checkout not in dirs:
        dirs.append(checkout)
    return dirs


def _first(dirs: List[str], name: str) -> Optional[str]:
    for d in dirs:
        p = os.path.join(d, name + ".wasm")
        if os.path.isfile(p):
            return p
    return None


def find_plugin(name: str, plugin_path: Optional[str] = None) -> str:
    """A plugin's file: NAME as given when it has a '/' or ends in .wasm, else the first
    DIR/NAME.wasm of :func:`plugin_dirs`. Raises XdperfError (ENOENT) listing where it
    looked, or saying that NAME is a protocol module, as the command does."""
    if "/" in name or name.endswith(".wasm"):
        return name
    dirs = plugin_dirs(plugin_path)
    found = _first(dirs, name)
    if found:
        return found
    proto = _first(plugin_dirs(None, "protocols"), name)
    if proto:
        raise XdperfError(2, "'%s' is a protocol module (%s), not a generator plugin: it runs "
                          "under xdperf serve --protocol ID=FILE.wasm@VERSION" % (name, proto))
    raise XdperfError(2, "plugin '%s' not found: no %s.wasm in %s" % (name, name,
                                                                      ", ".join(dirs)))


def device_mac(device: str) -> bytes:
    """A device's MAC address (sysfs), as the plugins get it by default."""
    try:
        with open("/sys/class/net/%s/address" % device) as f:
            return bytes.fromhex(f.read().strip().replace(":", ""))
    except OSError as e:
        raise XdperfError(19, "%s: no such device (%s)" % (device, e.strerror)) from None


def resolve_cpus(spec: Optional[str], device: Optional[str] = None) -> List[int]:
    """The CPUs of a ``--cpus`` spec (xdperf_tx_cpus): "auto" (the device's NUMA node's
    first), "local", "node:N", or a list "0-3,8"; only those this process may run on."""
    arr = (ctypes.c_int * _CPUS_MAX)()
    n = ctypes.c_uint()
    err = _lib.errbuf()
    check(lib().xdperf_tx_cpus(spec.encode() if spec else None,
                               device.encode() if device else None, arr, _CPUS_MAX,
                               ctypes.byref(n), err, len(err)), err)
    return list(arr[:n.value])

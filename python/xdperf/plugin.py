"""Generator plugins (include/xdperf/plugin.h): load a plugin, configure it, get its templates.

    with Plugin.load("build/plugins/simpleudp.wasm", config={"dst_port": 9000}) as p:
        frames = p.templates(count=1000)      # [bytes, ...] Ethernet frames

The request the plugin gets is the one the xdperf CLI sends: the configuration object plus
"count", "device_mac_addr" (base64 of 6 bytes) and, with a device, "device_name".
"""
from __future__ import annotations

import base64
import ctypes
import json
import os
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Union

from . import _lib
from ._lib import lib, xdperf_plugin_opts
from .errors import XdperfError, check
from ._handle import Closable

if TYPE_CHECKING:
    from .templates import Templates

LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR = 0, 1, 2, 3

Config = Union[None, str, bytes, Dict[str, Any]]


def _cfg_text(config: Config) -> bytes:
    if config is None:
        return b"{}"
    if isinstance(config, dict):
        return json.dumps(config, separators=(",", ":")).encode()
    if isinstance(config, str):
        return config.encode()
    return bytes(config)


def _frame(packet: Dict[str, Any]) -> bytes:
    data = base64.b64decode(packet["data"])
    n = int(packet.get("length", 0) or 0)
    return data[:n] if n else data


def response_templates(resp: Any) -> List[bytes]:
    """The template frames (base packets) of a plugin response: the array form
    ([{"template": {"base_packet": ...}}, ...]) or the Go xdperf 0.11 object form ("raw":
    raw_packet_template; "variable": each variant's base_packet). Field modifiers and
    variable parameters are not applied: these are the frames as the plugin gave them
    (:meth:`Plugin.frames` gives them with their modifiers, as xdperf sends them)."""
    if isinstance(resp, list):
        return [_frame(t["template"]["base_packet"]) for t in resp]
    if isinstance(resp, dict):
        if resp.get("template_type") == "raw":
            return [_frame(p) for p in resp.get("raw_packet_template", [])]
        if resp.get("template_type") == "variable":
            v = resp.get("variable_packet_template", {})
            return [_frame(x["base_packet"]) for x in v.get("variants", [])]
    raise ValueError("not a plugin template response")


class Plugin(Closable):
    """A loaded generator plugin (struct xdperf_plugin)."""

    def __init__(self, handle: int, opts: xdperf_plugin_opts, keep: list) -> None:
        self._h: Optional[int] = handle
        self._opts = opts
        self._keep = keep  # callbacks and strings the C side holds
        self._config: bytes = b"{}"

    @classmethod
    def load(cls, wasm: Union[str, "os.PathLike[str]", bytes], config: Config = None, *,
             name: Optional[str] = None, device: Optional[str] = None, fuel: int = 0,
             max_memory_pages: int = 0, log_level: int = LOG_INFO,
             log=None, skip_config_check: bool = False) -> "Plugin":
        """Loads a plugin from a path or bytes and, unless config is False, calls its
        plugin_init with config (a dict, JSON text or None = {}).

        log: callable(plugin_name, level, message) receiving its log lines (default: the
        library prints them on stderr). Raises XdperfError with the library's message."""
        keep: list = []
        o = xdperf_plugin_opts(sz=ctypes.sizeof(xdperf_plugin_opts), fuel=fuel,
                               max_memory_pages=max_memory_pages, log_level=log_level,
                               skip_config_check=skip_config_check)
        if name:
            o.name = name.encode()
        if device:
            o.device = device.encode()
        if log is not None:
            def _log(_ctx, plugin, level, msg, n):  # type: ignore[no-untyped-def]
                log(plugin.decode(), level, ctypes.string_at(msg, n).decode("utf-8", "replace"))
            cb = _lib.LOG_FN(_log)
            keep.append(cb)
            o.log = cb
        out = ctypes.c_void_p()
        err = _lib.errbuf()
        if isinstance(wasm, (bytes, bytearray)):
            data = bytes(wasm)
            rc = lib().xdperf_plugin_load_bytes(data, len(data), ctypes.byref(o),
                                                ctypes.byref(out), err, len(err))
        else:
            rc = lib().xdperf_plugin_load(os.fspath(wasm).encode(), ctypes.byref(o),
                                          ctypes.byref(out), err, len(err))
        check(rc, err)
        p = cls(out.value or 0, o, keep)
        if config is not False:
            try:
                p.init(config)
            except BaseException:
                p.close()
                raise
        return p

    def _handle(self) -> int:
        if not self._h:
            raise ValueError("plugin is closed")
        return self._h

    @property
    def name(self) -> str:
        return lib().xdperf_plugin_name(self._handle()).decode()

    @property
    def schema(self) -> Optional[Dict[str, Any]]:
        """The plugin's declared configuration (its xdperf.config section), or None."""
        s = lib().xdperf_plugin_schema(self._handle())
        return json.loads(s) if s else None

    def init(self, config: Config = None) -> None:
        """plugin_init with the configuration (checked against the schema first)."""
        text = _cfg_text(config)
        err = _lib.errbuf()
        check(lib().xdperf_plugin_init(self._handle(), text, len(text), err, len(err)), err)
        self._config = text

    def process_raw(self, request: Union[str, bytes]) -> bytes:
        """plugin_process with a request text; returns the response text."""
        req = request.encode() if isinstance(request, str) else bytes(request)
        out = ctypes.c_void_p()
        n = ctypes.c_size_t()
        err = _lib.errbuf()
        check(lib().xdperf_plugin_process(self._handle(), req, len(req), ctypes.byref(out),
                                          ctypes.byref(n), err, len(err)), err)
        try:
            return ctypes.string_at(out.value or 0, n.value) if n.value else b""
        finally:
            _lib.free(out.value)

    def request(self, count: int = 0, mac: bytes = b"\0" * 6,
                device: Optional[str] = None) -> Dict[str, Any]:
        """The request the CLI would send: the configuration given to init plus count,
        device_mac_addr and (with a device) device_name."""
        req = json.loads(self._config or b"{}")
        if len(mac) != 6:
            raise ValueError("mac must be 6 bytes")
        req["count"] = count
        req["device_mac_addr"] = base64.b64encode(bytes(mac)).decode()
        if device:
            req["device_name"] = device
        return req

    def process(self, count: int = 0, mac: bytes = b"\0" * 6,
                device: Optional[str] = None) -> Any:
        """plugin_process with :meth:`request`'s request; the response, parsed JSON."""
        return json.loads(self.process_raw(json.dumps(self.request(count, mac, device))))

    def templates(self, count: int = 0, mac: bytes = b"\0" * 6,
                  device: Optional[str] = None) -> List[bytes]:
        """The plugin's template frames for a run of `count` packets (see
        :func:`response_templates`). The default MAC is zero, as for pcap output."""
        return response_templates(self.process(count, mac, device))

    def frames(self, count: int = 0, mac: bytes = b"\0" * 6, device: Optional[str] = None,
               imix: Optional[str] = None) -> "Templates":
        """The plugin's answer for a run of `count` packets as the frames xdperf would send:
        :class:`~xdperf.tx.Frame` objects with the answer's field modifiers, checksums, rates
        and IMIX weights (:func:`xdperf.templates.from_json`), ready for :class:`~xdperf.Tx`.
        imix: an IMIX spec for every template, as ``xdperf --imix``."""
        from .templates import from_json
        return from_json(self.process_raw(json.dumps(self.request(count, mac, device))),
                         count=count, imix=imix)

    def close(self) -> None:
        """plugin_cleanup (if exported) and free."""
        if self._h:
            lib().xdperf_plugin_free(self._h)
            self._h = None



"""Server mode (include/xdperf/server.h): count and measure what arrives on a device.

    with xdperf.Server("veth1", port=9000, stamp=True, mode="afpacket") as srv:
        ...                                   # a generator sends
        print(srv.stats().packets)
        rep = srv.report()                    # per-stream loss and latency
        for s in rep.streams:
            print(s.stream, s.lost, s.latency.p99_ns)

Counting needs CAP_NET_RAW (AF_PACKET) or root (XDP).
"""
from __future__ import annotations

import ctypes
import dataclasses
import json
import os
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from . import _lib
from ._conv import plain
from ._lib import lib, xdperf_server_opts, xdperf_server_stats, xdperf_server_report
from .errors import XdperfError, check
from ._handle import Closable

MODES = {"auto": 0, "xdp": 1, "afpacket": 2}
REFLECT_ADDRS = 1
REFLECT_PORTS = 2


@dataclasses.dataclass
class ServerStats:
    """struct xdperf_server_stats (same names), plus pps/bps from xdperf_server_rates
    (None when not defined: fewer than two frames)."""
    packets: int = 0
    bytes: int = 0
    passed: int = 0
    stamped: int = 0
    unstamped: int = 0
    ring_full: int = 0
    sampled: int = 0
    sample_full: int = 0
    distinct: int = 0
    reflected: int = 0
    not_reflected: int = 0
    reflect_failed: int = 0
    seconds: float = 0.0
    first_s: float = 0.0
    last_s: float = 0.0
    active_s: float = 0.0
    first_bytes: int = 0
    pps: Optional[float] = None
    bps: Optional[float] = None


@dataclasses.dataclass
class Latency:
    """struct xdperf_latency; hist is [(le_ns, count), ...] (non-empty buckets)."""
    count: int = 0
    negative: int = 0
    min_ns: int = 0
    p50_ns: int = 0
    p99_ns: int = 0
    p999_ns: int = 0
    max_ns: int = 0
    avg_ns: float = 0.0
    hist: List[Tuple[int, int]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class StreamReport:
    """struct xdperf_stream_report: one stream (sender thread << 16 | template) of a run."""
    stream: int = 0
    received: int = 0
    unique: int = 0
    lost: int = 0
    duplicated: int = 0
    reordered: int = 0
    first_seq: int = 0
    last_seq: int = 0
    latency: Latency = dataclasses.field(default_factory=Latency)
    run: int = 0


@dataclasses.dataclass
class RunReport:
    """struct xdperf_run_report: one generator run's streams summed."""
    run: int = 0
    nstreams: int = 0
    received: int = 0
    unique: int = 0
    lost: int = 0
    duplicated: int = 0
    reordered: int = 0


@dataclasses.dataclass
class ServerReport:
    """struct xdperf_server_report (same names; streams and runs as lists)."""
    device: str = ""
    mode: str = ""
    port: int = 0
    stamp: bool = False
    reflect: int = 0
    stats: ServerStats = dataclasses.field(default_factory=ServerStats)
    total: StreamReport = dataclasses.field(default_factory=StreamReport)
    streams: List[StreamReport] = dataclasses.field(default_factory=list)
    streams_over_limit: int = 0
    verifier: bool = False
    valid: int = 0
    invalid: int = 0
    verifier_failed: int = 0
    first_error: str = ""
    runs: List[RunReport] = dataclasses.field(default_factory=list)
    #: xdperf_server_report_lost on the C report (kept until this object goes).
    _lost: Optional[Callable[[int], int]] = dataclasses.field(default=None, repr=False,
                                                               compare=False)

    def lost_against(self, sent: int) -> int:
        """Frames lost against `sent` (xdperf_server_report_lost): includes losses after the
        last arrival, unlike total.lost."""
        assert self._lost is not None
        return self._lost(sent)


def parse_report(text: Union[str, bytes]) -> "ServerReport":
    """A report from its JSON text (xdperf_server_report_parse), as report_json_text() gives
    it. XdperfError EINVAL with the library's message when it is not such a report."""
    data = text.encode() if isinstance(text, str) else bytes(text)
    p = ctypes.POINTER(xdperf_server_report)()
    err = _lib.errbuf()
    check(lib().xdperf_server_report_parse(data, ctypes.byref(p), err, len(err)), err)
    return _report(p)


def _stats(st: xdperf_server_stats) -> ServerStats:
    pps, bps = ctypes.c_double(), ctypes.c_double()
    ok = lib().xdperf_server_rates(ctypes.byref(st), ctypes.byref(pps), ctypes.byref(bps))
    return plain(st, ServerStats, pps=pps.value if ok else None, bps=bps.value if ok else None)


def _stream(s: _lib.xdperf_stream_report) -> StreamReport:
    lat = s.latency
    hist = [(lat.hist[i].le_ns, lat.hist[i].count) for i in range(lat.nhist)]
    return plain(s, StreamReport, latency=plain(lat, Latency, hist=hist))


class _CReport:
    """Owns a struct xdperf_server_report * (freed with it)."""

    def __init__(self, p: Any) -> None:
        self.p = p

    def lost(self, sent: int) -> int:
        return lib().xdperf_server_report_lost(self.p, sent)

    def __del__(self) -> None:
        try:
            lib().xdperf_server_report_free(self.p)
        except Exception:
            pass


def _report(p: Any) -> ServerReport:
    """A ServerReport from a struct xdperf_server_report *, which it then owns."""
    owner = _CReport(p)
    r = p.contents
    streams = [_stream(r.streams[i]) for i in range(r.nstreams)]
    runs = [plain(r.runs[i], RunReport) for i in range(r.nruns)]
    rep = plain(r, ServerReport, stats=_stats(r.stats), total=_stream(r.total),
                streams=streams, runs=runs)
    rep._lost = owner.lost
    return rep


class Server(Closable):
    """A server on `device` (struct xdperf_server): counting starts at once.

    port: count only UDP to this destination port (0 = every frame); stamp: analyse
    measurement trailers (per-stream loss, duplicates, reordering, latency); mode: "auto",
    "xdp" or "afpacket"; control: "HOST:PORT" for generators (xdperf --server-addr);
    reflect: REFLECT_ADDRS / REFLECT_PORTS bits; verifier: a verifier plugin (FILE.wasm) given
    every sample_every-th counted frame (0 = 1000) with verifier_config (dict or JSON text),
    its verdicts in the report (valid, invalid, first_error). Raises XdperfError (ENODEV,
    EPERM, EINVAL for a bad verifier, ...)."""

    def __init__(self, device: str, *, port: int = 0, stamp: bool = False,
                 mode: Union[str, int] = "auto", control: Optional[str] = None,
                 reflect: int = 0, notice: Optional[Callable[[str], None]] = None,
                 verifier: Optional[str] = None, verifier_config: Union[None, str, Dict[str, Any]] = None,
                 sample_every: int = 0, log_level: int = 1) -> None:
        self._h: Optional[int] = None
        self.notices: List[str] = []
        self._user_notice = notice
        self._notice_cb = _lib.NOTICE_FN(self._on_notice)
        m = MODES[mode] if isinstance(mode, str) else int(mode)
        o = xdperf_server_opts(sz=ctypes.sizeof(xdperf_server_opts), mode=m, port=port,
                               stamp=stamp, reflect=reflect, notice=self._notice_cb)
        if control:
            o.control = control.encode()
        if verifier:
            self._verifier = os.fspath(verifier).encode()
            o.verifier = self._verifier
            cfg = verifier_config
            if isinstance(cfg, dict):
                cfg = json.dumps(cfg)
            if cfg is not None:
                self._verifier_cfg = cfg.encode()
                o.verifier_config = self._verifier_cfg
            o.sample_every = sample_every
            o.log_level = log_level
        self._opts = o
        out = ctypes.c_void_p()
        err = _lib.errbuf()
        check(lib().xdperf_server_open(device.encode(), ctypes.byref(o), ctypes.byref(out),
                                       err, len(err)), err)
        self._h = out.value

    def _on_notice(self, _ctx, msg) -> None:  # type: ignore[no-untyped-def]
        text = msg.decode("utf-8", "replace")
        self.notices.append(text)
        if self._user_notice is not None:
            try:
                self._user_notice(text)
            except Exception:
                pass

    def _handle(self) -> int:
        if not self._h:
            raise ValueError("server is closed")
        return self._h

    @property
    def mode(self) -> str:
        """"xdp" or "afpacket"."""
        return lib().xdperf_server_mode_name(self._handle()).decode()

    def stats(self) -> ServerStats:
        """Counters since the last reset (or open)."""
        st = xdperf_server_stats()
        check(lib().xdperf_server_stats(self._handle(), ctypes.byref(st)))
        return _stats(st)

    def stats_since_open(self) -> ServerStats:
        """The counters since open, which resets do not touch (seconds since open; distinct
        and the active interval are 0)."""
        st = xdperf_server_stats()
        check(lib().xdperf_server_stats_since_open(self._handle(), ctypes.byref(st)))
        return _stats(st)

    def reset(self) -> None:
        """Zeroes counters and stream state."""
        lib().xdperf_server_reset(self._handle())

    def _with_report(self, fn: Callable[[Any], Any]) -> Any:
        p = ctypes.POINTER(xdperf_server_report)()
        check(lib().xdperf_server_report(self._handle(), ctypes.byref(p)))
        try:
            return fn(p)
        finally:
            lib().xdperf_server_report_free(p)

    def report(self) -> ServerReport:
        """A snapshot of everything since the last reset."""
        p = ctypes.POINTER(xdperf_server_report)()
        check(lib().xdperf_server_report(self._handle(), ctypes.byref(p)))
        return _report(p)

    def lost(self, sent: int) -> int:
        """Frames lost against `sent` (what the generator sent), from a fresh report:
        sent - (distinct stamped frames + ring_full), at least 0."""
        return self._with_report(lambda p: lib().xdperf_server_report_lost(p, sent))

    def report_json_text(self) -> str:
        """The report as the library's JSON text (xdperf_server_report_json)."""
        p = ctypes.POINTER(xdperf_server_report)()
        check(lib().xdperf_server_report(self._handle(), ctypes.byref(p)))
        owner = _CReport(p)
        s = lib().xdperf_server_report_json(owner.p)
        if not s:
            raise XdperfError(12, "out of memory")
        try:
            return ctypes.string_at(s).decode()
        finally:
            _lib.free(s)

    def report_json(self) -> Dict[str, Any]:
        """The report as the library's JSON (xdperf_server_report_json), parsed."""
        def conv(p: Any) -> Any:
            s = lib().xdperf_server_report_json(p)
            if not s:
                raise XdperfError(12, "out of memory")
            try:
                return json.loads(ctypes.string_at(s))
            finally:
                _lib.free(s)
        return self._with_report(conv)

    def close(self) -> None:
        """Detaches and stops counting."""
        if self._h:
            lib().xdperf_server_close(self._h)
            self._h = None




class ServerControl(Closable):
    """The generator's side of a server's control connection (xdperf_server_ctl_*): connects
    to "HOST:PORT" (a Server opened with control=, or `xdperf --server --control`) and says
    hello. timeout_ms: connecting and each answer (0 = 5000). Raises XdperfError naming the
    address (ECONNREFUSED, ETIMEDOUT, ...)."""

    def __init__(self, addr: str, *, timeout_ms: int = 0) -> None:
        self._h: Optional[int] = None
        self._stop = ctypes.c_int(0)
        o = _lib.xdperf_server_ctl_opts(sz=ctypes.sizeof(_lib.xdperf_server_ctl_opts),
                                        timeout_ms=timeout_ms,
                                        stop=ctypes.pointer(self._stop))
        self._opts = o
        out = ctypes.c_void_p()
        err = _lib.errbuf()
        check(lib().xdperf_server_ctl_open(addr.encode(), ctypes.byref(o), ctypes.byref(out),
                                           err, len(err)), err)
        self._h = out.value

    def _handle(self) -> int:
        if not self._h:
            raise ValueError("control connection is closed")
        return self._h

    def info(self) -> Tuple[str, int, bool]:
        """The server's hello: (mode, port, stamp)."""
        mode = ctypes.create_string_buffer(32)
        port, stamp = ctypes.c_uint16(), ctypes.c_bool()
        lib().xdperf_server_ctl_info(self._handle(), mode, len(mode), ctypes.byref(port),
                                     ctypes.byref(stamp))
        return mode.value.decode(), port.value, stamp.value

    def reset(self) -> None:
        """Zeroes the server's counters and stream state."""
        err = _lib.errbuf()
        check(lib().xdperf_server_ctl_reset(self._handle(), err, len(err)), err)

    def stats(self) -> ServerStats:
        """The server's counters since its last reset."""
        st = xdperf_server_stats()
        err = _lib.errbuf()
        check(lib().xdperf_server_ctl_stats(self._handle(), ctypes.byref(st), err, len(err)), err)
        return _stats(st)

    def report(self, expect: int = 0, quiet_ms: int = 500, max_ms: int = 10000) -> ServerReport:
        """Waits until the server's distinct stamped frames (without stamps: counted frames)
        reach `expect` or its counts stop changing for quiet_ms (at most max_ms), then fetches
        its report. Ctrl-C ends the wait within about half a second (KeyboardInterrupt)."""
        p = ctypes.POINTER(xdperf_server_report)()
        err = _lib.errbuf()
        box: List[int] = []
        done = threading.Event()

        def work() -> None:
            try:
                box.append(lib().xdperf_server_ctl_report(self._handle(), expect, quiet_ms,
                                                          max_ms, ctypes.byref(p), err,
                                                          len(err)))
            finally:
                done.set()

        t = threading.Thread(target=work, name="xdperf-ctl", daemon=True)
        t.start()
        interrupted = False
        while not done.is_set():
            try:
                done.wait(0.1)
            except KeyboardInterrupt:
                interrupted = True
                self._stop.value = 1
        t.join()
        rc = box[0] if box else -5
        if rc == 0:
            rep = _report(p)
        if interrupted:
            raise KeyboardInterrupt
        check(rc, err)
        return rep

    def close(self) -> None:
        if self._h:
            lib().xdperf_server_ctl_close(self._h)
            self._h = None



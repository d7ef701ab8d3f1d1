"""Transmit runs (include/xdperf/tx.h): send frames on a device with exact counts and rates.

    tx = xdperf.Tx("veth0", [frame], count=1000, rate_pps=10000, mode="afpacket")
    result = tx.run(progress=lambda total, interval: print(total.packets))
    print(result.total.packets, result.mode)

The run blocks in the library on a worker thread; the calling thread waits, so Ctrl-C
(KeyboardInterrupt) stops the run (xdperf_tx_stop) and raises :class:`RunInterrupted`, whose
``result`` is the summary of what was sent. Sending needs CAP_NET_RAW (AF_PACKET) or root
(XDP).
"""
from __future__ import annotations

import ctypes
import dataclasses
import queue
import threading
from typing import Callable, Iterator, List, Optional, Sequence, Union

from . import _lib
from ._conv import plain
from ._lib import lib, xdperf_tx_frame, xdperf_tx_opts, xdperf_tx_result
from .errors import XdperfError, check
from ._handle import Closable

MODES = {"auto": 0, "xdp": 1, "afpacket": 2}
FRAME_MAX = 9216


FIELD_OPS = {"increment": 0, "decrement": 1, "random": 2, "range": 3}
FIELD_MODS_MAX = 8
CSUM_IPV4, CSUM_UDP, CSUM_TCP, CSUM_ICMP, CSUM_ICMPV6 = 1, 2, 4, 8, 16


@dataclasses.dataclass
class FieldMod:
    """A field-engine modifier (struct xdperf_field_mod, include/xdperf/field.h): a field of
    `len` bytes (1, 2, 4, 8) at `offset` gets a new value for every packet. op: "increment",
    "decrement", "random" or "range"; values min, min+step, ... <= max (min = max = 0: the
    field's whole range); start: the first value (increment/decrement), None = the default."""
    offset: int
    len: int
    op: Union[str, int] = "increment"
    min: int = 0
    max: int = 0
    step: int = 0
    start: Optional[int] = None
    seed: int = 0
    little_endian: bool = False
    name: Optional[str] = None
    skip: int = 0
    stride: int = 0
    truncate: bool = False


@dataclasses.dataclass
class CsumSpec:
    """A checksum given by position (struct xdperf_csum_spec, include/xdperf/field.h), e.g. a
    tunnel's inner UDP checksum: the 16-bit field at `off` covers bytes start..start+len; with
    alen 4 or 16, a pseudo-header of the addresses at src and dst and protocol proto; nonzero:
    0 is sent as 0xffff (UDP)."""
    off: int
    start: int
    len: int
    src: int = 0
    dst: int = 0
    alen: int = 0
    proto: int = 0
    nonzero: bool = False


@dataclasses.dataclass
class Frame:
    """A template frame (struct xdperf_tx_frame): Ethernet header to payload, no FCS. data may
    be anything bytes() takes (a scapy packet too). mods: field modifiers (at most 8); csums:
    CSUM_* flags of the checksums to keep right as fields change."""
    data: bytes
    rate_pps: int = 0   # this frame's own rate; 0 = none
    weight: int = 0     # its share when every frame has a weight; 0 = none
    mods: Sequence[FieldMod] = ()
    csums: int = 0
    specs: Sequence[CsumSpec] = ()  # checksums by position (a plugin's tunnels give these)


@dataclasses.dataclass
class Stream:
    """One stream of a multi-stream run (struct xdperf_tx_stream_opts): its own frames, pace
    (rate in frames per second, fractions allowed, or bitrate; neither = as fast as possible),
    count, duration, start (seconds after the run's start), bursts and stamps."""
    frames: Sequence[Union[bytes, Frame]]
    name: Optional[str] = None
    rate: float = 0.0
    bitrate: int = 0
    count: int = 0
    duration: float = 0.0
    start: float = 0.0
    burst: int = 0
    stamp: bool = False


@dataclasses.dataclass
class StreamStats:
    """struct xdperf_tx_sstats: what one stream of a multi-stream run has sent."""
    packets: int = 0
    bytes: int = 0
    refused: int = 0
    first_s: float = 0.0
    last_s: float = 0.0
    rate: float = 0.0


def _frames(frames: Sequence[Union[bytes, Frame]]) -> tuple:
    """A ctypes array of xdperf_tx_frame and the buffers it points into (keep both alive)."""
    fr = [f if isinstance(f, Frame) else Frame(bytes(f)) for f in frames]  # type: ignore[arg-type]
    keep: list = []
    arr = (xdperf_tx_frame * max(1, len(fr)))()
    for i, f in enumerate(fr):
        data = bytes(f.data)
        if len(data) > FRAME_MAX:
            raise XdperfError(22, "frame %d: %d bytes, more than %d" % (i, len(data), FRAME_MAX))
        buf = ctypes.create_string_buffer(data, len(data))
        keep.append(buf)
        arr[i].data = ctypes.cast(buf, ctypes.POINTER(ctypes.c_uint8))
        arr[i].len = len(data)
        arr[i].rate_pps = f.rate_pps
        arr[i].weight = f.weight
        arr[i].csums = f.csums
        if f.mods:
            mods = (_lib.xdperf_field_mod * len(f.mods))()
            for j, m in enumerate(f.mods):
                c = mods[j]
                c.offset, c.len, c.little_endian = m.offset, m.len, m.little_endian
                c.op = FIELD_OPS[m.op] if isinstance(m.op, str) else int(m.op)
                c.min, c.max, c.step, c.seed = m.min, m.max, m.step, m.seed
                c.has_start = m.start is not None
                c.start = m.start or 0
                c.skip, c.stride, c.truncate = m.skip, m.stride, m.truncate
                if m.name:
                    nm = m.name.encode()
                    keep.append(nm)
                    c.name = nm
            keep.append(mods)
            arr[i].mods = mods
            arr[i].nmods = len(f.mods)
        if f.specs:
            specs = (_lib.xdperf_csum_spec * len(f.specs))()
            for j, cs in enumerate(f.specs):
                d = specs[j]
                d.off, d.start, d.len, d.src, d.dst = cs.off, cs.start, cs.len, cs.src, cs.dst
                d.alen, d.proto, d.nonzero = cs.alen, cs.proto, cs.nonzero
            keep.append(specs)
            arr[i].specs = specs
            arr[i].nspecs = len(f.specs)
    return arr, len(fr), keep


_OP_NAMES = {v: k for k, v in FIELD_OPS.items()}


def _frame_from_c(c: "_lib.xdperf_tx_frame") -> Frame:
    """A Python copy of a C frame (what a template set holds): data, pace, modifiers, checksums."""
    mods = []
    for j in range(c.nmods):
        m = c.mods[j]
        mods.append(FieldMod(offset=m.offset, len=m.len, op=_OP_NAMES.get(m.op, m.op),
                             min=m.min, max=m.max, step=m.step,
                             start=m.start if m.has_start else None, seed=m.seed,
                             little_endian=bool(m.little_endian),
                             name=m.name.decode() if m.name else None, skip=m.skip,
                             stride=m.stride, truncate=bool(m.truncate)))
    specs = [CsumSpec(off=d.off, start=d.start, len=d.len, src=d.src, dst=d.dst, alen=d.alen,
                      proto=d.proto, nonzero=bool(d.nonzero))
             for d in (c.specs[j] for j in range(c.nspecs))]
    return Frame(data=ctypes.string_at(c.data, c.len), rate_pps=c.rate_pps, weight=c.weight,
                 mods=mods, csums=c.csums, specs=specs)


@dataclasses.dataclass
class TxStats:
    """struct xdperf_tx_stats: counters of a run so far (or of one progress interval)."""
    packets: int = 0
    bytes: int = 0
    errors: int = 0
    refused: int = 0
    seconds: float = 0.0


@dataclasses.dataclass
class TxStream:
    """struct xdperf_tx_stream: what one sender thread sent of one template."""
    thread: int = 0
    tmpl: int = 0
    stream: int = 0
    packets: int = 0
    bytes: int = 0
    refused: int = 0


@dataclasses.dataclass
class TxResult:
    """struct xdperf_tx_result (same names), plus the run's streams (xdperf_tx_streams), its
    rates from xdperf_tx_rates (None when not defined) and the notices it gave."""
    mode: str = ""
    total: TxStats = dataclasses.field(default_factory=TxStats)
    threads: int = 0
    stopped: bool = False
    resident: bool = False
    rate_pps: float = 0.0
    run_id: int = 0
    held_s: float = 0.0
    first_bytes: int = 0
    rate_secs: int = 0
    rate_mean: float = 0.0
    rate_stddev: float = 0.0
    rate_cv: float = 0.0
    rate_min: float = 0.0
    rate_max: float = 0.0
    sched_frames: int = 0
    sched_p50_us: float = 0.0
    sched_p99_us: float = 0.0
    sched_max_us: float = 0.0
    streams: List[TxStream] = dataclasses.field(default_factory=list)
    pps: Optional[float] = None
    bps: Optional[float] = None
    notices: List[str] = dataclasses.field(default_factory=list)


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run; ``result`` holds its summary (result.stopped is True)."""

    def __init__(self, result: TxResult) -> None:
        super().__init__("run interrupted: %d packets sent" % result.total.packets)
        self.result = result


class TxRunError(XdperfError):
    """xdperf_tx_run failed part-way; ``result`` says what was sent."""

    def __init__(self, err: int, message: str, result: TxResult) -> None:
        super().__init__(err, message)
        self.result = result


Progress = Callable[[TxStats, TxStats], None]


class Tx(Closable):
    """A transmit run on `device` (struct xdperf_tx). One run per object.

    frames: bytes objects or :class:`Frame` (1..2048, 14..9216 bytes each).
    count: frames in all (0 = no limit: duration or stop()); duration: seconds (0 = none);
    rate_pps / rate (float, fractions allowed) / bitrate: the pace (none = as fast as
    possible); mode: "auto" (XDP, else AF_PACKET with a notice), "xdp" or "afpacket";
    parallelism: sender threads; stamp: measurement trailers for a server; notice:
    callable(text) for AUTO's fallback reason (also kept in result.notices).
    streams: a multi-stream run instead (xdperf_tx_new_streams; frames then empty, count,
    rate, rate_pps, bitrate and stamp left 0: each :class:`Stream` has its own; duration ends
    the whole run); TxResult.streams then has the templates' figures and stream_stats() each
    stream's.
    Raises XdperfError (ENODEV, ENETDOWN, EINVAL) with the library's message."""

    def __init__(self, device: str, frames: Sequence[Union[bytes, Frame]], *, count: int = 0,
                 duration: float = 0.0, rate_pps: int = 0, rate: float = 0.0,
                 bitrate: int = 0, mode: Union[str, int] = "auto", parallelism: int = 1,
                 cpus: Optional[Sequence[int]] = None, batch: int = 0, stamp: bool = False,
                 stall_timeout: float = 0.0, run_id: int = 0,
                 notice: Optional[Callable[[str], None]] = None,
                 streams: Optional[Sequence[Stream]] = None) -> None:
        self._h: Optional[int] = None
        self._notices: List[str] = []
        self._user_notice = notice
        self._progress: Optional[Progress] = None
        self._cb_error: Optional[BaseException] = None
        self._nstreams = 0
        if streams is None:
            arr, nframes, self._keep = _frames(frames)
            self._frames = arr
        else:
            if frames:
                raise ValueError("give frames or streams, not both")
            self._keep = []
            sarr = (_lib.xdperf_tx_stream_opts * max(1, len(streams)))()
            for i, st in enumerate(streams):
                fa, fn, keep = _frames(st.frames)
                self._keep += [fa, keep]
                c = sarr[i]
                c.sz = ctypes.sizeof(_lib.xdperf_tx_stream_opts)
                if st.name:
                    nm = st.name.encode()
                    self._keep.append(nm)
                    c.name = nm
                c.frames, c.nframes = fa, fn
                c.rate, c.bitrate, c.count, c.duration = st.rate, st.bitrate, st.count, st.duration
                c.start, c.burst, c.stamp = st.start, st.burst, st.stamp
            self._streams_arr = sarr
            self._nstreams = len(streams)
        m = MODES[mode] if isinstance(mode, str) else int(mode)
        o = xdperf_tx_opts(sz=ctypes.sizeof(xdperf_tx_opts), mode=m, parallelism=parallelism,
                           count=count, duration=duration, rate_pps=rate_pps, bitrate=bitrate,
                           batch=batch, stamp=stamp, stall_timeout=stall_timeout,
                           run_id=run_id, rate=rate)
        if cpus is not None:
            self._cpus = (ctypes.c_int * len(cpus))(*cpus)
            o.cpus = self._cpus
        self._progress_cb = _lib.PROGRESS_FN(self._on_progress)
        self._notice_cb = _lib.NOTICE_FN(self._on_notice)
        o.progress = self._progress_cb
        o.notice = self._notice_cb
        self._opts = o
        out = ctypes.c_void_p()
        err = _lib.errbuf()
        if streams is None:
            rc = lib().xdperf_tx_new(device.encode(), arr, nframes, ctypes.byref(o),
                                     ctypes.byref(out), err, len(err))
        else:
            rc = lib().xdperf_tx_new_streams(device.encode(), self._streams_arr, self._nstreams,
                                             ctypes.byref(o), ctypes.byref(out), err, len(err))
        check(rc, err)
        self._h = out.value
        self._ran = False
        self.result: Optional[TxResult] = None

    def _on_progress(self, _ctx, total, interval) -> None:  # type: ignore[no-untyped-def]
        if self._progress is None or self._cb_error is not None:
            return
        try:
            self._progress(plain(total.contents, TxStats), plain(interval.contents, TxStats))
        except BaseException as e:  # stop the run; re-raised by run()
            self._cb_error = e
            self.stop()

    def _on_notice(self, _ctx, msg) -> None:  # type: ignore[no-untyped-def]
        text = msg.decode("utf-8", "replace")
        self._notices.append(text)
        if self._user_notice is not None:
            try:
                self._user_notice(text)
            except Exception:
                pass

    def stop(self) -> None:
        """Asks the running run() to stop soon (from any thread)."""
        if self._h:
            lib().xdperf_tx_stop(self._h)

    def swap(self, frames: Sequence[Union[bytes, Frame]]) -> None:
        """Hot swap (xdperf_tx_swap): replaces the frames being sent while run() runs in
        another thread (or before it starts), without stopping the senders; returns once no
        sender sends the old set. Call it from another thread than run()'s (e.g. a
        threading.Timer), not from the progress callback. Raises XdperfError (EINVAL for bad
        frames, EBUSY after the run ended)."""
        arr, n, keep = _frames(frames)
        err = _lib.errbuf()
        check(lib().xdperf_tx_swap(self._h, arr, n, err, len(err)), err)
        self._keep_swapped = keep

    def stream_stats(self) -> List[StreamStats]:
        """Per stream of a multi-stream run (xdperf_tx_stream_stats), during it (e.g. from
        the progress callback) or after it. XdperfError EAGAIN before sending starts."""
        out = (_lib.xdperf_tx_sstats * max(1, self._nstreams))()
        check(lib().xdperf_tx_stream_stats(self._h, out, self._nstreams))
        return [plain(out[i], StreamStats) for i in range(self._nstreams)]

    @property
    def swaps(self) -> int:
        """Swaps done so far."""
        return lib().xdperf_tx_swaps(self._h) if self._h else 0

    def run(self, progress: Optional[Progress] = None) -> TxResult:
        """Runs to the end (count sent, duration over, or stop()) and returns the result.

        progress: callable(total, interval) with :class:`TxStats`, about once a second, from
        the run's thread; an exception in it stops the run and is re-raised here.
        Raises RunInterrupted on Ctrl-C (with .result) and TxRunError (an XdperfError, with
        .result) when the run fails, e.g. EPERM without privileges."""
        if not self._h:
            raise ValueError("Tx is closed")
        if self._ran:
            raise ValueError("one run per Tx")
        self._ran = True
        self._progress = progress
        res = xdperf_tx_result()
        err = _lib.errbuf()
        box: List[int] = []

        done = threading.Event()

        def work() -> None:
            try:
                box.append(lib().xdperf_tx_run(self._h, ctypes.byref(res), err, len(err)))
            finally:
                done.set()

        t = threading.Thread(target=work, name="xdperf-tx", daemon=True)
        t.start()
        interrupted = False
        # Wait on an Event, not on join(): a KeyboardInterrupt inside Thread.join() can leave
        # is_alive() false while the thread still runs (CPython before 3.13).
        while not done.is_set():
            try:
                done.wait(0.1)
            except KeyboardInterrupt:
                interrupted = True
                self.stop()
        t.join()
        result = self._result(res)
        self.result = result
        if interrupted:
            raise RunInterrupted(result)
        if self._cb_error is not None:
            raise self._cb_error
        rc = box[0] if box else -5
        if rc < 0:
            raise TxRunError(rc, err.value.decode("utf-8", "replace"), result)
        return result

    def iter_progress(self) -> Iterator[TxStats]:
        """Runs, yielding the running totals about once a second; afterwards the result is in
        ``self.result`` (errors raise as from run())."""
        q: "queue.Queue[object]" = queue.Queue()
        done = object()
        box: List[BaseException] = []

        def work() -> None:
            try:
                self.run(progress=lambda total, _iv: q.put(total))
            except BaseException as e:
                box.append(e)
            q.put(done)

        t = threading.Thread(target=work, name="xdperf-tx-iter", daemon=True)
        t.start()
        try:
            while True:
                item = q.get()
                if item is done:
                    break
                yield item  # type: ignore[misc]
        except BaseException:
            self.stop()
            t.join()
            raise
        t.join()
        if box:
            raise box[0]

    def _result(self, res: xdperf_tx_result) -> TxResult:
        streams: List[TxStream] = []
        ptr = ctypes.POINTER(_lib.xdperf_tx_stream)()
        n = ctypes.c_size_t()
        if lib().xdperf_tx_streams(self._h, ctypes.byref(ptr), ctypes.byref(n)) == 0:
            streams = [plain(ptr[i], TxStream) for i in range(n.value)]
            _lib.free(ctypes.cast(ptr, ctypes.c_void_p).value)
        pps, bps = ctypes.c_double(), ctypes.c_double()
        ok = lib().xdperf_tx_rates(ctypes.byref(res), ctypes.byref(pps), ctypes.byref(bps))
        return plain(res, TxResult, total=plain(res.total, TxStats), streams=streams,
                     pps=pps.value if ok else None, bps=bps.value if ok else None,
                     notices=list(self._notices),
                     mode=(res.mode or b"").decode())

    def close(self) -> None:
        """Frees the handle (after run() returned)."""
        if self._h:
            lib().xdperf_tx_free(self._h)
            self._h = None



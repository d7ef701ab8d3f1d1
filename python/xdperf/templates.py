"""Template sets (include/xdperf/templates.h): a generator plugin's answer, a template file
(`xdperf --templates`) or a capture's frames, parsed by the library into :class:`~xdperf.tx.Frame`
objects with everything the answer carries: field modifiers, checksums (by flag and by
position), rate_pps, IMIX weights. These are the frames the xdperf CLI sends for the same
answer, so a run from Python behaves as ``xdperf --templates FILE`` does.

    ts = xdperf.templates.load("t.json", count=1000)
    xdperf.Tx("veth0", ts, count=1000).run()
    for w in ts.warnings: print(w)
"""
from __future__ import annotations

import ctypes
import json
import os
from typing import Any, List, Optional, Union

from . import _lib
from ._lib import lib, xdperf_templates_opts
from .errors import check
from .tx import Frame, _frame_from_c


class Templates(List[Frame]):
    """A list of :class:`~xdperf.tx.Frame` (send order) with the warnings parsing gave
    (variants past the 0.11 form's limits, templates no IMIX pattern refers to, a modified
    field whose checksum nothing updates, rates on only some frames)."""
    warnings: List[str]

    def __init__(self, frames: List[Frame], warnings: List[str]) -> None:
        super().__init__(frames)
        self.warnings = warnings


def _opts(count: int, imix: Optional[str], keep: list) -> xdperf_templates_opts:
    o = xdperf_templates_opts(sz=ctypes.sizeof(xdperf_templates_opts), count=count)
    if imix:
        b = imix.encode()
        keep.append(b)
        o.imix = b
    return o


def _take(h: ctypes.c_void_p) -> Templates:
    try:
        n = lib().xdperf_templates_n(h)
        arr = lib().xdperf_templates_frames(h)
        frames = [_frame_from_c(arr[i]) for i in range(n)]
        w = (lib().xdperf_templates_warnings(h) or b"").decode()
        return Templates(frames, w.split("\n") if w else [])
    finally:
        lib().xdperf_templates_free(h)


def from_json(answer: Union[str, bytes, Any], *, count: int = 0,
              imix: Optional[str] = None) -> Templates:
    """Parses a plugin answer: JSON text, or the parsed object (a list or the 0.11 object).
    count: the run's packet count (the 0.11 variant shares and packet_count splits); imix: an
    IMIX spec for every template ("simple", "64:7,570:4,1518:1"), None = each template's
    metadata.imix. Raises XdperfError (EINVAL) naming the template and field at fault."""
    if isinstance(answer, (str, bytes)):
        text = answer.encode() if isinstance(answer, str) else bytes(answer)
    else:
        text = json.dumps(answer).encode()
    keep: list = []
    o = _opts(count, imix, keep)
    out = ctypes.c_void_p()
    err = _lib.errbuf()
    check(lib().xdperf_templates_from_json(text, len(text), ctypes.byref(o), ctypes.byref(out),
                                           err, len(err)), err)
    return _take(out)


def load(path: Union[str, "os.PathLike[str]"], *, count: int = 0,
         imix: Optional[str] = None) -> Templates:
    """Reads a template file (the plugin answer format; at most 64 MiB) as :func:`from_json`
    does. Raises XdperfError with the file named (ENOENT, EACCES, EINVAL...)."""
    keep: list = []
    o = _opts(count, imix, keep)
    out = ctypes.c_void_p()
    err = _lib.errbuf()
    check(lib().xdperf_templates_from_file(os.fsencode(path), ctypes.byref(o), ctypes.byref(out),
                                           err, len(err)), err)
    return _take(out)


def from_pcap(path: Union[str, "os.PathLike[str]"]) -> Templates:
    """A capture's frames (pcap or pcapng, Ethernet; at most 2048, none cut short) in capture
    order, as a profile's pcap stream sends them (its own pace, not the capture's timing).
    Raises XdperfError naming the file (and the frame at fault)."""
    out = ctypes.c_void_p()
    err = _lib.errbuf()
    check(lib().xdperf_templates_from_pcap(os.fsencode(path), None, ctypes.byref(out), err,
                                           len(err)), err)
    return _take(out)

"""The protocol registry in-process (include/xdperf/hotload.h, docs/protocol-modules.md):
load versions of a protocol module, canary them, promote, roll back, unload, and call them.

    reg = xdperf.Registry()
    reg.load("echo", "1", "build/protocols/echo.wasm")
    reg.start_testing("echo", "1")
    reg.promote("echo", "1")
    answer, version = reg.route("echo", b"hello")

Versions start inactive; start_testing() (optionally set_traffic(percent)) makes a canary,
promote() makes it the active one, rollback() brings the previous active back. Calls are
made on a worker handle per calling thread (created on first use, freed with the registry).
"""
from __future__ import annotations

import ctypes
import dataclasses
import os
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from . import _lib
from ._conv import plain
from ._lib import lib
from .errors import XdperfError, check
from ._handle import Closable

STATES = ("inactive", "testing", "active", "deprecating", "deprecated")
WORKER_SHARED, WORKER_NONE = -1, -2

#: callable(name, metric, value, ts_ns, worker, instance): a module's host_report_metric value
#: ("ID@VERSION" as name, timestamp in ns since the epoch; worker: the worker handle number,
#: or WORKER_SHARED); metric None (value 0, ts_ns 0) says instance `instance` is being freed.
MetricCallback = Callable[[str, Optional[str], float, int, int, int], None]
#: callable(message bytes) -> answer bytes: a native version (load_native)
NativeHandler = Callable[[bytes], bytes]


class ProtocolError(XdperfError):
    """A message failed (xdperf_registry_route/execute): fault is the kind ("trap", "fuel",
    "memory", "output", "input", "abi", "native", "route", "interrupted"), version the version
    that was tried ("" when none)."""

    def __init__(self, err: int, message: str, fault: str, version: str) -> None:
        super().__init__(err, message)
        self.fault = fault
        self.version = version


@dataclasses.dataclass
class VersionInfo:
    """struct xdperf_version_info (same names; state as its name)."""
    id: str = ""
    version: str = ""
    state: str = ""
    traffic: float = 0.0
    native: bool = False
    packed_abi: bool = False
    key_id: str = ""
    sha256: str = ""
    calls: int = 0
    errors: int = 0
    traps: int = 0
    fuel: int = 0
    memory_cap: int = 0
    bad_output: int = 0
    p50_ns: int = 0
    p99_ns: int = 0
    memory_bytes: int = 0
    instances: int = 0
    idle_ms: int = 0
    module_bytes: int = 0
    load_us: int = 0


def _policy(p: Optional[Dict[str, Any]]) -> _lib.xdperf_proto_policy:
    pol = _lib.xdperf_proto_policy(sz=ctypes.sizeof(_lib.xdperf_proto_policy))
    for k, v in (p or {}).items():
        if k == "sz" or k not in dict(pol._fields_):
            raise ValueError("unknown policy field %r" % k)
        setattr(pol, k, v.encode() if isinstance(v, str) else v)
    return pol


class Registry(Closable):
    """A protocol registry (struct xdperf_registry).

    trust_dir: require signatures by keys in it (None = accept unsigned, with a warning);
    policy: defaults for every protocol, a dict of struct xdperf_proto_policy fields
    (max_memory_pages, fuel, max_input, max_output, allowed_imports, ...);
    maintain_interval_ms: > 0 runs housekeeping in a background thread;
    log: callable(name, level, message) for the registry's and modules' lines (None: stderr);
    metric: a :data:`MetricCallback` for the values modules report (env.host_report_metric)
    and the ends of their instances. Both may be called from any thread that calls a
    module; an exception they raise is dropped."""

    def __init__(self, *, trust_dir: Optional[str] = None,
                 policy: Optional[Dict[str, Any]] = None, max_workers: int = 0,
                 maintain_interval_ms: int = 0, max_protocols: int = 0, max_versions: int = 0,
                 log: Optional[Callable[[str, int, str], None]] = None,
                 metric: Optional[MetricCallback] = None) -> None:
        self._h: Optional[int] = None
        self._natives: Dict[Tuple[str, str], Any] = {}
        o = _lib.xdperf_registry_opts(sz=ctypes.sizeof(_lib.xdperf_registry_opts),
                                      policy=_policy(policy), max_workers=max_workers,
                                      maintain_interval_ms=maintain_interval_ms,
                                      max_protocols=max_protocols, max_versions=max_versions)
        if trust_dir:
            o.trust_dir = os.fspath(trust_dir).encode()
        if log is not None:
            def _log(_ctx, name, level, msg, n):  # type: ignore[no-untyped-def]
                try:
                    log(name.decode(), level, ctypes.string_at(msg, n).decode("utf-8", "replace"))
                except Exception:
                    pass
            self._log_cb = _lib.LOG_FN(_log)
            o.log = self._log_cb
        if metric is not None:
            def _metric(_ctx, name, m, value, ts, src):  # type: ignore[no-untyped-def]
                try:
                    metric(name.decode(), m.decode() if m is not None else None, value, ts,
                           src[0].worker if src else WORKER_NONE,
                           src[0].instance if src else 0)
                except Exception:
                    pass
            self._metric_cb = _lib.SOURCED_METRIC_FN(_metric)
            o.metric = self._metric_cb
        out = ctypes.c_void_p()
        err = _lib.errbuf()
        check(lib().xdperf_registry_new(ctypes.byref(o), ctypes.byref(out), err, len(err)), err)
        self._h = out.value
        self._workers: Dict[int, int] = {}
        self._wlock = threading.Lock()

    def _handle(self) -> int:
        if not self._h:
            raise ValueError("registry is closed")
        return self._h

    def _call(self, fn: str, *args: Any) -> None:
        err = _lib.errbuf()
        check(getattr(lib(), fn)(self._handle(), *args, err, len(err)), err)

    def set_policy(self, protocol: str, policy: Dict[str, Any]) -> None:
        """Protocol-level policy for versions of `protocol` loaded afterwards."""
        pol = _policy(policy)
        self._call("xdperf_registry_set_policy", protocol.encode(), ctypes.byref(pol))

    def load(self, protocol: str, version: str, wasm: Union[bytes, str, "os.PathLike[str]"], *,
             signature: Optional[str] = None, policy: Optional[Dict[str, Any]] = None,
             replace: bool = False) -> None:
        """Loads a module (bytes, or a path: its PATH.sig is read when it exists) as version
        `version` of `protocol`, state inactive. Raises XdperfError: EEXIST (that version
        exists; replace=True replaces a non-active one), EINVAL (bad module, import not
        allowed), trust errors, ENOSPC."""
        o = _lib.xdperf_load_opts(sz=ctypes.sizeof(_lib.xdperf_load_opts), replace=replace)
        if signature is not None:
            sig = signature.encode()
            o.sig, o.siglen = sig, len(sig)
        if policy is not None:
            pol = _policy(policy)
            o.policy = ctypes.pointer(pol)
        if isinstance(wasm, (bytes, bytearray)):
            data = bytes(wasm)
            self._call("xdperf_registry_load", protocol.encode(), version.encode(), data,
                       len(data), ctypes.byref(o))
        else:
            self._call("xdperf_registry_load_file", protocol.encode(), version.encode(),
                       os.fspath(wasm).encode(), ctypes.byref(o))

    def load_native(self, protocol: str, version: str, handler: NativeHandler) -> None:
        """Registers a Python callable as version `version` of `protocol` (state inactive):
        handler(message) returns the answer (bytes). It goes through the same lifecycle as a
        module (canary, promote, rollback; counted in list()). An exception it raises fails
        that message: ProtocolError with fault "native" and the exception's text (EINVAL, as
        every failed message). For comparing a module with a reference, or a protocol without a module."""
        def _native(_ctx, data, n, out, err, errlen):  # type: ignore[no-untyped-def]
            try:
                ans = bytes(handler(ctypes.string_at(data, n) if n else b""))
                o = out[0]
                if len(ans) > o.cap:
                    p = _lib.realloc(o.data, len(ans))
                    if not p:
                        return -12
                    o.data, o.cap = p, len(ans)
                if ans:
                    ctypes.memmove(o.data, ans, len(ans))
                o.len = len(ans)
                return 0
            except Exception as e:  # the message fails; the host goes on
                rc = -e.errno if isinstance(e, XdperfError) and e.errno else -5
                msg = ("%s: %s" % (type(e).__name__, e)).encode("utf-8", "replace")
                if errlen:
                    msg = msg[:errlen - 1] + b"\0"
                    ctypes.memmove(err, msg, len(msg))
                return rc
        cb = _lib.NATIVE_FN(_native)
        self._call("xdperf_registry_load_native", protocol.encode(), version.encode(), cb, None)
        self._natives[(protocol, version)] = cb  # the registry calls it while the version lives

    def start_testing(self, protocol: str, version: str) -> None:
        """inactive -> testing (no traffic until set_traffic)."""
        self._call("xdperf_registry_start_testing", protocol.encode(), version.encode())

    def set_traffic(self, protocol: str, version: str, percent: float) -> None:
        """A testing version's share of the flows, 0..100 (100 promotes)."""
        self._call("xdperf_registry_set_traffic", protocol.encode(), version.encode(),
                   float(percent))

    def promote(self, protocol: str, version: str) -> None:
        self._call("xdperf_registry_promote", protocol.encode(), version.encode())

    def deprecate(self, protocol: str, version: str) -> None:
        self._call("xdperf_registry_deprecate", protocol.encode(), version.encode())

    def rollback(self, protocol: str) -> None:
        """The previous active version becomes active again."""
        self._call("xdperf_registry_rollback", protocol.encode())

    def unload(self, protocol: str, version: str) -> None:
        self._call("xdperf_registry_unload", protocol.encode(), version.encode())

    def maintain(self) -> int:
        """Housekeeping: the number of versions that changed state or were unloaded."""
        return check(lib().xdperf_registry_maintain(self._handle()))

    def list(self, protocol: Optional[str] = None) -> List[VersionInfo]:
        """Every version of `protocol` (None = all), in protocol then load order."""
        ptr = ctypes.POINTER(_lib.xdperf_version_info)()
        n = ctypes.c_size_t()
        check(lib().xdperf_registry_list(self._handle(), protocol.encode() if protocol else None,
                                         ctypes.byref(ptr), ctypes.byref(n)))
        try:
            return [plain(ptr[i], VersionInfo, state=STATES[ptr[i].state]
                          if ptr[i].state < len(STATES) else str(ptr[i].state))
                    for i in range(n.value)]
        finally:
            _lib.free(ctypes.cast(ptr, ctypes.c_void_p).value)

    def _worker(self) -> int:
        tid = threading.get_ident()
        with self._wlock:
            w = self._workers.get(tid)
            if w is None:
                out = ctypes.c_void_p()
                err = _lib.errbuf()
                check(lib().xdperf_worker_new(self._handle(), ctypes.byref(out), err, len(err)),
                      err)
                w = self._workers[tid] = out.value or 0
            return w

    def _answer(self, rc: int, buf: _lib.xdperf_proto_buf, info: _lib.xdperf_call_info,
                err: Any) -> Tuple[bytes, str]:
        try:
            version = info.version.decode()
            if rc < 0:
                fault = lib().xdperf_proto_fault_str(info.fault).decode()
                raise ProtocolError(rc, err.value.decode("utf-8", "replace"), fault, version)
            return ctypes.string_at(buf.data, buf.len) if buf.len else b"", version
        finally:
            if buf.data:
                _lib.free(buf.data)

    def route(self, protocol: str, message: bytes, key: Optional[bytes] = None) -> Tuple[bytes, str]:
        """Routes one message of flow `key` (None = spread evenly) to the version the traffic
        split gives it: (answer, version that answered). Raises ProtocolError."""
        buf, info, err = _lib.xdperf_proto_buf(), _lib.xdperf_call_info(), _lib.errbuf()
        rc = lib().xdperf_registry_route(self._handle(), self._worker(), protocol.encode(),
                                         key, len(key or b""), bytes(message), len(message),
                                         ctypes.byref(buf), ctypes.byref(info), err, len(err))
        return self._answer(rc, buf, info, err)

    def execute(self, protocol: str, version: str, message: bytes) -> bytes:
        """Runs one message on the given version (inactive, testing or active)."""
        buf, info, err = _lib.xdperf_proto_buf(), _lib.xdperf_call_info(), _lib.errbuf()
        rc = lib().xdperf_registry_execute(self._handle(), self._worker(), protocol.encode(),
                                           version.encode(), bytes(message), len(message),
                                           ctypes.byref(buf), ctypes.byref(info), err, len(err))
        return self._answer(rc, buf, info, err)[0]

    def close(self) -> None:
        """Frees the workers and the registry (no call may be running)."""
        if self._h:
            for w in self._workers.values():
                lib().xdperf_worker_free(w)
            self._workers.clear()
            lib().xdperf_registry_free(self._h)
            self._h = None



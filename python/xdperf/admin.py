"""The admin HTTP API of a running `xdperf serve` (include/xdperf/admin.h's client,
docs/protocol-modules.md): list, upload, test (canary), traffic, promote, deprecate, rollback,
unload, listeners, metrics.

    adm = xdperf.Admin("127.0.0.1:9901", token="...")
    adm.upload("echo", "2", open("echo.wasm", "rb").read(), test=10)   # canary at 10 %
    adm.promote("echo", "2")

Every call is one request through xdperf_admin_request (HTTPS when addr starts with
https://). An HTTP error status raises :class:`AdminError` with the server's "error" text; no
answer at all raises XdperfError (ECONNREFUSED, ETIMEDOUT, ...).
"""
from __future__ import annotations

import ctypes
import json
from typing import Any, Dict, List, Optional, Tuple, Union
from urllib.parse import quote

from . import _lib
from ._lib import lib
from .errors import XdperfError, check


class AdminError(XdperfError):
    """The admin server answered with an error status. Attributes: status (HTTP), message
    (its "error" text), body (the parsed answer); errno is EIO."""

    def __init__(self, status: int, message: str, body: Any) -> None:
        self.status = status
        self.body = body
        super().__init__(5, "HTTP %d: %s" % (status, message))


def _p(s: str) -> str:
    return quote(str(s), safe="")


class Admin:
    """A client of one admin server ("HOST:PORT", "http://HOST:PORT" or "https://...").
    token: the bearer token (None = none); timeout_ms: each whole request (0 = 10 s)."""

    def __init__(self, addr: str, *, token: Optional[str] = None, timeout_ms: int = 0) -> None:
        self.addr = addr
        self.token = token
        self.timeout_ms = timeout_ms

    def request(self, method: str, path: str, body: Union[None, bytes, Dict[str, Any]] = None,
                *, content_type: Optional[str] = None,
                header: Optional[str] = None) -> Tuple[int, str, bytes]:
        """One request: (HTTP status, content type, body bytes), whatever the status."""
        if isinstance(body, dict):
            data: Optional[bytes] = json.dumps(body).encode()
            content_type = content_type or "application/json"
        else:
            data = body
        reply = _lib.xdperf_admin_reply()
        err = _lib.errbuf()
        rc = lib().xdperf_admin_request(
            self.addr.encode(), method.encode(), path.encode(), data, len(data or b""),
            content_type.encode() if content_type else None, header.encode() if header else None,
            self.token.encode() if self.token else None, self.timeout_ms, ctypes.byref(reply),
            err, len(err))
        check(rc, err)
        try:
            out = ctypes.string_at(reply.body, reply.len) if reply.body else b""
            ct = ctypes.string_at(reply.content_type).decode() if reply.content_type else ""
            return reply.status, ct, out
        finally:
            lib().xdperf_admin_reply_free(ctypes.byref(reply))

    def _json(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        status, _ct, out = self.request(method, path, body, **kw)
        try:
            doc = json.loads(out) if out else None
        except ValueError:
            doc = out.decode("utf-8", "replace")
        if status >= 400 or status == 0:
            msg = doc.get("error", "") if isinstance(doc, dict) else str(doc)
            raise AdminError(status, msg, doc)
        return doc

    def health(self) -> Any:
        """GET /healthz ({"ok": true})."""
        return self._json("GET", "/healthz")

    def list(self) -> Any:
        """GET /v1/protocols: every protocol with its versions."""
        return self._json("GET", "/v1/protocols")

    def get(self, protocol: str, version: Optional[str] = None) -> Any:
        """One protocol, or one version with its stats."""
        path = "/v1/protocols/" + _p(protocol)
        if version is not None:
            path += "/versions/" + _p(version)
        return self._json("GET", path)

    def upload(self, protocol: str, version: str, wasm: bytes, *,
               signature: Optional[str] = None, test: Optional[float] = None) -> Any:
        """PUT the module (inactive, or testing at `test` percent of the traffic).
        signature: the .sig file's line, for a server with a trust directory."""
        hdr = "X-Xdperf-Signature: " + signature.strip() if signature else None
        doc = self._json("PUT", "/v1/protocols/%s/versions/%s" % (_p(protocol), _p(version)),
                         bytes(wasm), content_type="application/wasm", header=hdr)
        if test is not None:
            doc = self.test(protocol, version, test)
        return doc

    def test(self, protocol: str, version: str, traffic: Optional[float] = None) -> Any:
        """Starts testing a version (a canary), with `traffic` percent of the flows."""
        body = {"traffic": traffic} if traffic is not None else None
        return self._json("POST", "/v1/protocols/%s/versions/%s/test" % (_p(protocol), _p(version)),
                          body)

    def traffic(self, protocol: str, version: str, percent: float) -> Any:
        """Sets a testing version's share, 0..100 (100 promotes)."""
        return self._json("POST", "/v1/protocols/%s/versions/%s/traffic" % (_p(protocol), _p(version)),
                          {"traffic": percent})

    def promote(self, protocol: str, version: str) -> Any:
        return self._json("POST", "/v1/protocols/%s/versions/%s/promote" % (_p(protocol), _p(version)))

    def deprecate(self, protocol: str, version: str) -> Any:
        return self._json("POST", "/v1/protocols/%s/versions/%s/deprecate" % (_p(protocol), _p(version)))

    def rollback(self, protocol: str) -> Any:
        """The previous active version becomes active again."""
        return self._json("POST", "/v1/protocols/%s/rollback" % _p(protocol))

    def unload(self, protocol: str, version: Optional[str] = None) -> Any:
        """Unloads a version, or the whole protocol."""
        path = "/v1/protocols/" + _p(protocol)
        if version is not None:
            path += "/versions/" + _p(version)
        return self._json("DELETE", path)

    def listeners(self) -> Any:
        """GET /v1/listeners: the responder's listeners and counters."""
        return self._json("GET", "/v1/listeners")

    def metrics(self) -> str:
        """GET /metrics: Prometheus text."""
        status, _ct, out = self.request("GET", "/metrics")
        if status >= 400 or status == 0:
            raise AdminError(status, out.decode("utf-8", "replace"), None)
        return out.decode()

    def metric_values(self) -> Dict[str, float]:
        """/metrics parsed: {"name{labels}": value} for every sample line."""
        out: Dict[str, float] = {}
        for line in self.metrics().splitlines():
            if line and not line.startswith("#"):
                key, _, val = line.rpartition(" ")
                try:
                    out[key] = float(val)
                except ValueError:
                    pass
        return out

"""xdperf: Python API over libxdperf (the xdperf traffic generator's library).

    import xdperf
    print(xdperf.version())

Modules: :mod:`xdperf.wasm` (the WebAssembly engine), :mod:`xdperf.plugin` (generator
plugins and their templates), :mod:`xdperf.templates` (plugin answers, template files and
captures as frames with their modifiers), :mod:`xdperf.profile` (``xdperf run`` profiles), :mod:`xdperf.tx` (transmit runs), :mod:`xdperf.server` (server
mode), :mod:`xdperf.admin` (the admin API of a running `xdperf serve`),
:mod:`xdperf.registry` (the protocol registry in-process). The library is
found through XDPERF_LIB (a path), else the repository's build/ when the package is used
from a checkout, else the one `make install` put in LIBDIR, else the system's
libxdperf.so.MAJOR.
"""
from __future__ import annotations

from ._lib import lib, lib_path
from .errors import WasmTrap, XdperfError
from .wasm import Global, Instance, Memory, Module, Table
from .plugin import Plugin
from . import profile, templates
from .templates import Templates
from .tx import CsumSpec, Frame, FieldMod, Stream, StreamStats, Tx, TxResult, TxStats, TxStream, RunInterrupted
from .admin import Admin, AdminError
from .registry import ProtocolError, Registry, VersionInfo
from .server import Server, ServerControl, ServerStats, ServerReport

__all__ = ["Admin", "AdminError", "Registry", "ProtocolError", "VersionInfo", "version", "version_full", "lib_path", "XdperfError", "WasmTrap", "Module",
           "Instance", "Memory", "Global", "Table", "Plugin", "Templates", "templates", "profile", "CsumSpec", "Frame", "FieldMod", "Stream", "StreamStats", "Tx", "TxResult", "TxStats", "TxStream", "RunInterrupted",
           "Server", "ServerControl", "ServerStats", "ServerReport"]


def version() -> str:
    """The library's release ("0.1.0"), as xdperf_version() gives it."""
    return lib().xdperf_version().decode()


def version_full() -> str:
    """The release with its git position when built from a checkout ("0.1.0 (git 556f62c)")."""
    return lib().xdperf_version_full().decode()

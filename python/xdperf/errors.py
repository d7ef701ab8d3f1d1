"""Exceptions raised by the xdperf package."""
from __future__ import annotations

import errno as _errno
import os


class XdperfError(Exception):
    """A libxdperf call failed.

    Attributes:
        errno: the positive errno value (the C function returned -errno).
        message: the library's one-line message (its error buffer), or strerror when the call
            gives none.
    """

    def __init__(self, err: int, message: str = "") -> None:
        self.errno = abs(err)
        self.message = message or (os.strerror(self.errno) if self.errno else "error")
        name = "XWASM_ETRAP" if self.errno == 4096 else _errno.errorcode.get(self.errno, str(self.errno))
        super().__init__("%s [%s]" % (self.message, name))


class WasmTrap(XdperfError):
    """Guest code trapped (XWASM_ETRAP).

    Attributes:
        kind: the trap kind (enum xwasm_trap_kind; TRAP_* constants in xdperf.wasm).
        kind_name: its spec wording ("integer divide by zero", ...).
        func_name: the function that trapped.
        exit_code: for a WASI proc_exit trap.
    The errno is XWASM_ETRAP (4096); message is the engine's full trap message.
    """

    def __init__(self, message: str, kind: int, kind_name: str, func_name: str,
                 exit_code: int = 0) -> None:
        self.kind = kind
        self.kind_name = kind_name
        self.func_name = func_name
        self.exit_code = exit_code
        super().__init__(4096, message)


def check(rc: int, err=None) -> int:
    """Raises XdperfError for a negative return code, with the error buffer's text."""
    if rc < 0:
        msg = err.value.decode("utf-8", "replace") if err is not None else ""
        raise XdperfError(rc, msg)
    return rc

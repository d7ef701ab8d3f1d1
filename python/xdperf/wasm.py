"""The xdperf WebAssembly engine (include/xdperf/wasm.h): load, instantiate, call.

    m = Module.load(open("add.wasm", "rb").read())
    inst = m.instantiate(fuel=1_000_000)
    assert inst.call("add", 2, 3) == [5]

Values: Python ints for i32/i64 (wrapped to the type's width; results come back signed),
floats for f32/f64. A trap raises :class:`xdperf.WasmTrap` with the engine's message.
Function imports are Python callables (:class:`Func`); other imports are not supported yet.
"""
from __future__ import annotations

import ctypes
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _lib
from ._lib import lib, xwasm_val, xwasm_trap, xwasm_load_opts, xwasm_instance_opts
from .errors import WasmTrap, XdperfError, check
from ._handle import Closable

I32, I64, F32, F64, V128, FUNCREF, EXTERNREF = 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F
TYPE_NAMES = {I32: "i32", I64: "i64", F32: "f32", F64: "f64", V128: "v128",
              FUNCREF: "funcref", EXTERNREF: "externref"}
XWASM_ETRAP = 4096

FEATURE_EXTENDED_CONST = 1 << 0
FEATURE_TAIL_CALL = 1 << 1
FEATURE_MULTI_MEMORY = 1 << 2
FEATURE_MEMORY64 = 1 << 5
FEATURES_EXPLICIT = 1 << 31
FEATURES_DEFAULT = FEATURE_EXTENDED_CONST | FEATURE_TAIL_CALL | FEATURE_MEMORY64
FEATURES_ALL = FEATURES_DEFAULT | FEATURE_MULTI_MEMORY
FEATURES_NONE = FEATURES_EXPLICIT

TRAP_UNREACHABLE, TRAP_MEMORY_OOB, TRAP_DIV_ZERO, TRAP_INT_OVERFLOW = 1, 2, 3, 4
TRAP_INVALID_CONV, TRAP_INDIRECT_TYPE, TRAP_UNDEFINED_ELEM, TRAP_UNINIT_ELEM = 5, 6, 7, 8
TRAP_TABLE_OOB, TRAP_STACK_EXHAUSTED, TRAP_FUEL_EXHAUSTED, TRAP_HOST = 9, 10, 11, 12
TRAP_EXIT, TRAP_OOM, TRAP_INTERRUPTED = 13, 14, 15

Number = Union[int, float]
_EXTERN_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global"}


def _types(ptr, n: int) -> Tuple[str, ...]:
    return tuple(TYPE_NAMES.get(ptr[i], "?") for i in range(n))


HOST_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
                           ctypes.POINTER(xwasm_val), ctypes.POINTER(xwasm_val))
_TYPE_CODES = {v: k for k, v in TYPE_NAMES.items()}


class Caller:
    """The calling instance inside a host function: its memory 0."""

    def __init__(self, handle: int) -> None:
        self._h = handle

    def _mem(self) -> int:
        m = lib().xwasm_instance_memory0(self._h)
        if not m:
            raise XdperfError(2, "the calling instance has no memory")
        return m

    def read_memory(self, offset: int, length: int) -> bytes:
        buf = ctypes.create_string_buffer(length)
        check(lib().xwasm_memory_read(self._mem(), offset, buf, length))
        return buf.raw

    def write_memory(self, offset: int, data: bytes) -> None:
        check(lib().xwasm_memory_write(self._mem(), offset, bytes(data), len(data)))


class Func:
    """A host function to import: fn(*args) returning None, a value or a sequence of values
    (one per result). params / results: type names ("i32", "i64", "f32", "f64").
    with_caller: fn(caller, *args), caller a :class:`Caller` (memory access). An exception in
    fn traps the guest (TRAP_HOST) with the exception's text."""

    def __init__(self, fn: Any, params: Sequence[str] = (), results: Sequence[str] = (),
                 *, with_caller: bool = False) -> None:
        self.fn = fn
        self.params = [_TYPE_CODES[p] for p in params]
        self.results = [_TYPE_CODES[r] for r in results]
        self.with_caller = with_caller

    def _trampoline(self) -> Any:
        def tramp(caller, _user, args, results):  # type: ignore[no-untyped-def]
            try:
                vals = [_from_val(args[i]) for i in range(len(self.params))]
                out = self.fn(Caller(caller), *vals) if self.with_caller else self.fn(*vals)
                if out is None:
                    out = []
                elif not isinstance(out, (list, tuple)):
                    out = [out]
                if len(out) != len(self.results):
                    raise TypeError("host function returned %d values, its type has %d"
                                    % (len(out), len(self.results)))
                for i, t in enumerate(self.results):
                    results[i] = _to_val(out[i], t)
                return 0
            except BaseException as e:  # a trap in the guest, never an unwinding through C
                lib().xwasm_instance_set_trap(ctypes.c_void_p(caller), TRAP_HOST, b"%s",
                                              ("%s: %s" % (type(e).__name__, e)).encode())
                return TRAP_HOST
        return HOST_FN(tramp)


Imports = Dict[str, Dict[str, Func]]


class Module(Closable):
    """A decoded, validated and translated module (xwasm_module). Immutable; instantiate it
    any number of times. Freed when garbage collected or by :meth:`close`."""

    def __init__(self, handle: int, name: str) -> None:
        self._h: Optional[int] = handle
        self.name = name

    @classmethod
    def load(cls, wasm: Union[bytes, bytearray, str, "os.PathLike[str]"], *, name: Optional[str] = None,
             features: int = 0, max_bytes: int = 0) -> "Module":
        """Loads a module from its bytes, or from a file when given a path (str or PathLike).

        features: XWASM_FEATURE_* bits (FEATURE_* here); 0 = FEATURES_DEFAULT.
        Raises XdperfError: EINVAL (malformed/invalid, the message names the byte offset),
        ENOTSUP (a feature not enabled), EFBIG (over max_bytes), ENOMEM."""
        if isinstance(wasm, (str, os.PathLike)):
            path = os.fspath(wasm)
            with open(path, "rb") as f:
                data = f.read()
            name = name or os.path.basename(path)
        else:
            data = bytes(wasm)
        name = name or "module"
        o = xwasm_load_opts(sz=ctypes.sizeof(xwasm_load_opts), name=name.encode(),
                            max_bytes=max_bytes, features=features)
        out = ctypes.c_void_p()
        err = _lib.errbuf()
        check(lib().xwasm_module_load(data, len(data), ctypes.byref(o), ctypes.byref(out), err,
                                      len(err)), err)
        return cls(out.value or 0, name)

    def _handle(self) -> int:
        if not self._h:
            raise ValueError("module is closed")
        return self._h

    def exports(self) -> List[Tuple[str, str]]:
        """(name, kind) of every export; kind is "func", "table", "memory" or "global"."""
        h = self._handle()
        out = []
        for i in range(lib().xwasm_module_num_exports(h)):
            info = _lib.xwasm_import_info()
            check(lib().xwasm_module_export(h, i, ctypes.byref(info)))
            out.append((info.name.decode(), _EXTERN_KINDS.get(info.kind, "?")))
        return out

    def imports(self) -> List[Tuple[str, str, str]]:
        """(module, name, kind) of every import."""
        h = self._handle()
        out = []
        for i in range(lib().xwasm_module_num_imports(h)):
            info = _lib.xwasm_import_info()
            check(lib().xwasm_module_import(h, i, ctypes.byref(info)))
            out.append((info.module.decode(), info.name.decode(),
                        _EXTERN_KINDS.get(info.kind, "?")))
        return out

    def instantiate(self, *, imports: Optional[Imports] = None, fuel: int = 0,
                    max_memory_pages: int = 0, max_call_depth: int = 0, stack_slots: int = 0,
                    max_bytes: int = 0) -> "Instance":
        """A new instance. imports: {"module": {"name": Func(...)}} host functions for the
        module's function imports (other kinds of imports are not supported yet). fuel is the
        instruction budget per call (0 = unlimited). A trapping start function raises
        WasmTrap; an unknown or mistyped import XdperfError (ENOENT, EINVAL)."""
        linker = None
        keep: list = []
        if imports:
            linker = lib().xwasm_linker_new()
            if not linker:
                raise XdperfError(12, "out of memory")
            for modname, funcs in imports.items():
                for fname, f in funcs.items():
                    cb = f._trampoline()
                    keep.append(cb)
                    pa = (ctypes.c_uint8 * max(1, len(f.params)))(*f.params)
                    ra = (ctypes.c_uint8 * max(1, len(f.results)))(*f.results)
                    rc = lib().xwasm_linker_define_func(linker, modname.encode(), fname.encode(),
                                                        pa, len(f.params), ra, len(f.results),
                                                        ctypes.cast(cb, ctypes.c_void_p), None)
                    if rc < 0:
                        lib().xwasm_linker_free(linker)
                        raise XdperfError(rc, "defining %s.%s" % (modname, fname))
        o = xwasm_instance_opts(sz=ctypes.sizeof(xwasm_instance_opts), fuel=fuel,
                                max_memory_pages=max_memory_pages, max_call_depth=max_call_depth,
                                stack_slots=stack_slots, max_bytes=max_bytes)
        out = ctypes.c_void_p()
        trap = xwasm_trap()
        err = _lib.errbuf()
        rc = lib().xwasm_instance_new(self._handle(), linker, ctypes.byref(o), ctypes.byref(out),
                                      ctypes.byref(trap), err, len(err))
        if rc < 0 or rc == XWASM_ETRAP:
            if linker:
                lib().xwasm_linker_free(linker)
            if rc == XWASM_ETRAP:
                raise _trap(trap)
            check(rc, err)
        inst = Instance(out.value or 0, self)
        inst._linker, inst._keep = linker, keep
        return inst

    def close(self) -> None:
        """Frees the module (after its instances: they keep it alive until then)."""
        if self._h:
            lib().xwasm_module_free(self._h)
            self._h = None



def _trap(t: xwasm_trap) -> WasmTrap:
    kind_name = lib().xwasm_trap_kind_str(t.kind).decode()
    return WasmTrap(t.message.decode("utf-8", "replace"), t.kind, kind_name,
                    t.func_name.decode("utf-8", "replace"), t.exit_code)


def _to_val(v: Number, typ: int) -> xwasm_val:
    x = xwasm_val()
    x.type = typ
    if typ == I32:
        if not isinstance(v, int):
            raise TypeError("i32 argument must be an int, not %r" % (v,))
        x.of.i32 = ctypes.c_int32(v & 0xFFFFFFFF).value
    elif typ == I64:
        if not isinstance(v, int):
            raise TypeError("i64 argument must be an int, not %r" % (v,))
        x.of.i64 = ctypes.c_int64(v & 0xFFFFFFFFFFFFFFFF).value
    elif typ == F32:
        x.of.f32 = float(v)
    elif typ == F64:
        x.of.f64 = float(v)
    else:
        raise TypeError("parameters of type %s are not supported" % TYPE_NAMES.get(typ, "?"))
    return x


def _from_val(x: xwasm_val) -> Number:
    if x.type == I32:
        return x.of.i32
    if x.type == I64:
        return x.of.i64
    if x.type == F32:
        return x.of.f32
    if x.type == F64:
        return x.of.f64
    if x.type == V128:
        return int.from_bytes(bytes(x.of.v128), "little")
    return x.of.ref or 0


class Instance(Closable):
    """One running copy of a module (xwasm_instance). One thread at a time."""

    def __init__(self, handle: int, module: Module) -> None:
        self._h: Optional[int] = handle
        self.module = module  # keeps the module alive
        self._linker: Optional[int] = None  # and the host functions it imports
        self._keep: list = []

    def _handle(self) -> int:
        if not self._h:
            raise ValueError("instance is closed")
        return self._h

    def _func(self, name: str) -> int:
        f = lib().xwasm_instance_func(self._handle(), name.encode())
        if not f:
            raise XdperfError(2, "no exported function %r" % name)  # ENOENT
        return f

    def func_type(self, name: str) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
        """(params, results) of exported function `name`, as type names ("i32", ...)."""
        f = self._func(name)
        p, r = ctypes.POINTER(ctypes.c_uint8)(), ctypes.POINTER(ctypes.c_uint8)()
        np_, nr = ctypes.c_uint32(), ctypes.c_uint32()
        lib().xwasm_func_type(f, ctypes.byref(p), ctypes.byref(np_), ctypes.byref(r),
                              ctypes.byref(nr))
        return _types(p, np_.value), _types(r, nr.value)

    def call(self, name: str, *args: Number) -> List[Number]:
        """Calls exported function `name` with args converted to its parameter types; returns
        its results as a list. Raises WasmTrap on a trap (the instance stays usable),
        TypeError/XdperfError(EINVAL) on wrong arguments."""
        f = self._func(name)
        p, r = ctypes.POINTER(ctypes.c_uint8)(), ctypes.POINTER(ctypes.c_uint8)()
        np_, nr = ctypes.c_uint32(), ctypes.c_uint32()
        lib().xwasm_func_type(f, ctypes.byref(p), ctypes.byref(np_), ctypes.byref(r),
                              ctypes.byref(nr))
        if len(args) != np_.value:
            raise TypeError("%s takes %d arguments, %d given" % (name, np_.value, len(args)))
        argv = (xwasm_val * max(1, len(args)))()
        for i, a in enumerate(args):
            argv[i] = _to_val(a, p[i])
        res = (xwasm_val * max(1, nr.value))()
        trap = xwasm_trap()
        rc = lib().xwasm_call(self._handle(), f, argv, len(args), res, nr.value,
                              ctypes.byref(trap))
        if rc == XWASM_ETRAP:
            raise _trap(trap)
        if rc < 0:
            raise XdperfError(rc, trap.message.decode("utf-8", "replace"))
        return [_from_val(res[i]) for i in range(nr.value)]

    def set_fuel(self, fuel: int) -> None:
        """Instruction budget per call from now on (0 = unlimited)."""
        lib().xwasm_instance_set_fuel(self._handle(), fuel)

    @property
    def fuel_used(self) -> int:
        """Fuel the last call consumed."""
        return lib().xwasm_instance_fuel_used(self._handle())

    def _mem(self) -> int:
        m = lib().xwasm_instance_memory0(self._handle())
        if not m:
            raise XdperfError(2, "instance has no memory")
        return m

    def memory_size(self) -> int:
        """Bytes of memory 0."""
        return lib().xwasm_memory_size(self._mem())

    def read_memory(self, offset: int, length: int) -> bytes:
        """length bytes of memory 0 at offset (XdperfError EFAULT when out of bounds)."""
        buf = ctypes.create_string_buffer(length)
        check(lib().xwasm_memory_read(self._mem(), offset, buf, length))
        return buf.raw

    def write_memory(self, offset: int, data: bytes) -> None:
        """Writes data into memory 0 at offset (XdperfError EFAULT when out of bounds)."""
        check(lib().xwasm_memory_write(self._mem(), offset, bytes(data), len(data)))

    def close(self) -> None:
        if self._h:
            lib().xwasm_instance_free(self._h)
            self._h = None
        if self._linker:
            lib().xwasm_linker_free(self._linker)
            self._linker = None


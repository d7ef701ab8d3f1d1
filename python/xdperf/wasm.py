"""The xdperf WebAssembly engine (include/xdperf/wasm.h): load, instantiate, call.

    m = Module.load(open("add.wasm", "rb").read())
    inst = m.instantiate(fuel=1_000_000)
    assert inst.call("add", 2, 3) == [5]

Values: Python ints for i32/i64 (wrapped to the type's width; results come back signed),
floats for f32/f64. A trap raises :class:`xdperf.WasmTrap` with the engine's message.

Imports: ``instantiate(imports={"env": {"name": extern, ...}, "lib": other_instance})``, where
an extern is a host function (:class:`Func`), or a :class:`Memory`, :class:`Global` or
:class:`Table` made here or taken from another instance's exports
(:meth:`Instance.memory`, :meth:`Instance.global_`, :meth:`Instance.table`); an
:class:`Instance` as a whole module entry makes every export of it importable.

Lifetimes: an instance keeps alive everything it imported (a Memory dropped by its creator
while an instance still uses it stays until that instance goes), a Module its instances'
code, and a funcref Table the instances that imported it (their functions may be in it).
``close()`` ends the Python object at once and frees the engine's object as soon as nothing
that is still open needs it.
"""
from __future__ import annotations

import ctypes
import errno
import os
import weakref
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _lib
from ._lib import lib, xwasm_val, xwasm_trap, xwasm_load_opts, xwasm_instance_opts
from .errors import WasmTrap, XdperfError, check
from ._handle import Closable

I32, I64, F32, F64, V128, FUNCREF, EXTERNREF = 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F
TYPE_NAMES = {I32: "i32", I64: "i64", F32: "f32", F64: "f64", V128: "v128",
              FUNCREF: "funcref", EXTERNREF: "externref"}
XWASM_ETRAP = 4096

# enum xwasm_feature and the XWASM_FEATURES_* macros (python/tests/test_wasm.py checks them
# against include/xdperf/wasm.h)
FEATURE_EXTENDED_CONST = 1 << 0
FEATURE_TAIL_CALL = 1 << 1
FEATURE_MULTI_MEMORY = 1 << 2
FEATURE_EXCEPTIONS = 1 << 3
FEATURE_THREADS = 1 << 4
FEATURE_MEMORY64 = 1 << 5
FEATURES_EXPLICIT = 1 << 31
FEATURES_DEFAULT = (FEATURE_EXTENDED_CONST | FEATURE_TAIL_CALL | FEATURE_MEMORY64
                    | FEATURE_EXCEPTIONS | FEATURE_THREADS)
FEATURES_ALL = FEATURES_DEFAULT | FEATURE_MULTI_MEMORY
FEATURES_NONE = FEATURES_EXPLICIT

# enum xwasm_trap_kind
TRAP_UNREACHABLE, TRAP_MEMORY_OOB, TRAP_DIV_ZERO, TRAP_INT_OVERFLOW = 1, 2, 3, 4
TRAP_INVALID_CONV, TRAP_INDIRECT_TYPE, TRAP_UNDEFINED_ELEM, TRAP_UNINIT_ELEM = 5, 6, 7, 8
TRAP_TABLE_OOB, TRAP_STACK_EXHAUSTED, TRAP_FUEL_EXHAUSTED, TRAP_HOST = 9, 10, 11, 12
TRAP_EXIT, TRAP_OOM, TRAP_INTERRUPTED, TRAP_EXCEPTION = 13, 14, 15, 16
TRAP_NULL_EXNREF, TRAP_UNALIGNED_ATOMIC, TRAP_EXPECTED_SHARED, TRAP_WAIT_FOREVER = 17, 18, 19, 20

Number = Union[int, float]
_EXTERN_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
_UINT32_MAX = 0xFFFFFFFF
_MAX_PAGES = 65536          # XW_MAX_PAGES: 4 GiB of 64 KiB pages
_MAX_TABLE = 10_000_000     # XW_MAX_TABLE: the engine's cap on table sizes


def _types(ptr, n: int) -> Tuple[str, ...]:
    return tuple(TYPE_NAMES.get(ptr[i], "?") for i in range(n))


HOST_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
                           ctypes.POINTER(xwasm_val), ctypes.POINTER(xwasm_val))
_TYPE_CODES = {v: k for k, v in TYPE_NAMES.items()}


def _typecode(t: Union[str, int], allowed: Sequence[int], what: str) -> int:
    """The type code of a name ("i32") or code (I32) among `allowed`; XdperfError EINVAL if not."""
    code = _TYPE_CODES.get(t) if isinstance(t, str) else t
    if code is None or code not in allowed:
        raise XdperfError(errno.EINVAL, "%s %r is not one of %s" % (
            what, t, ", ".join(TYPE_NAMES[a] for a in allowed)))
    return code


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


# ---- lifetimes ------------------------------------------------------------------------------
#
# Every object owning an engine object (module, instance, host-created memory, global, table)
# is a node: _deps are the nodes its engine object uses (strong references, so Python keeps
# them too), _needed_by the nodes using it (weak), _users how many of those are not freed yet.
# close() marks a node closed (its methods refuse from then on). A closed instance or extern
# is freed once no open node needs it, directly or through closed ones: it goes with all the
# closed ones needing it (a funcref table and the instances that put functions in it need
# each other). A module is freed once closed and no instance of it is left: freeing an
# instance reads its module.

class _Native(Closable):
    _h: Optional[int]
    _closed: bool

    def _init_native(self, handle: int) -> None:
        self._h = handle
        self._closed = False
        self._deps: List[_Native] = []
        self._needed_by: "weakref.WeakSet[_Native]" = weakref.WeakSet()
        self._users = 0
        self._keep: List[Any] = []  # Python objects the engine object calls (host functions)

    def _free_native(self) -> None:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    @property
    def closed(self) -> bool:
        """True once close() was called (the engine's object may live on while needed)."""
        return self._closed

    def close(self) -> None:
        """Closes the object; the engine's object is freed now, or when the last open object
        that uses it closes."""
        if "_closed" not in self.__dict__ or self._closed:
            return
        self._closed = True
        _sweep(self)


def _depend(user: _Native, used: _Native) -> None:
    """user's engine object uses used's: used is freed after user."""
    if user is used:
        return
    user._deps.append(used)
    used._needed_by.add(user)
    used._users += 1


def _sweep(node: _Native) -> None:
    if not node._h:
        return
    if isinstance(node, Module):
        if node._closed and node._users <= 0:
            node._free_native()
        return
    group: Dict[int, _Native] = {id(node): node}
    todo = [node]
    while todo:
        for u in list(todo.pop()._needed_by):
            if not u._closed:
                return  # still needed by an open object
            if id(u) not in group:
                group[id(u)] = u
                todo.append(u)
    for n in group.values():
        n._free_native()
    later = []
    for n in group.values():
        for d in n._deps:
            d._needed_by.discard(n)
            d._users -= 1
            if d._closed and d._h and id(d) not in group:
                later.append(d)
        n._deps = []
    for d in later:
        _sweep(d)


class _Extern(_Native):
    """A memory, global or table: made here (owned, freed by close) or an instance's export
    (borrowed: keeps that instance alive; close() only ends the wrapper)."""

    _what = "extern"

    def _init_extern(self, handle: int, owner: Optional["Instance"]) -> None:
        self._init_native(handle)
        self._owner = owner

    @classmethod
    def _borrow(cls, handle: int, owner: "Instance") -> Any:
        obj = cls.__new__(cls)
        obj._init_extern(handle, owner)
        return obj

    def _ptr(self) -> int:
        if self._closed or not self._h:
            raise ValueError("%s is closed" % self._what)
        if self._owner is not None and self._owner._closed:
            raise ValueError("the instance this %s belongs to is closed" % self._what)
        return self._h

    def _root(self) -> _Native:
        """The node whose engine object holds this one."""
        return self._owner if self._owner is not None else self

    def _free_native(self) -> None:
        h, self._h = self._h, None
        if h and self._owner is None:
            self._free_handle(h)

    def _free_handle(self, h: int) -> None:  # pragma: no cover - every subclass defines it
        raise NotImplementedError


def _limit_error(what: str, detail: str) -> XdperfError:
    return XdperfError(errno.EINVAL, "%s: %s" % (what, detail))


class Memory(_Extern):
    """A linear memory (xwasm_memory) of 64 KiB pages.

    ``Memory(min_pages, max_pages=None, shared=False)`` makes one to import
    (``imports={"env": {"mem": memory}}``); :meth:`Instance.memory` gives an instance's
    exported memory. A shared memory (threads) needs max_pages; modules importing a shared
    memory need a shared one and the others an unshared one. Bad limits raise XdperfError
    EINVAL, accesses outside the memory EFAULT."""

    _what = "memory"

    def __init__(self, min_pages: int, max_pages: Optional[int] = None, *,
                 shared: bool = False) -> None:
        what = "memory limits (min %d, max %s%s)" % (min_pages, max_pages,
                                                     ", shared" if shared else "")
        if not 0 <= min_pages <= _MAX_PAGES:
            raise _limit_error(what, "min_pages must be 0..%d" % _MAX_PAGES)
        if max_pages is not None and not min_pages <= max_pages <= _MAX_PAGES:
            raise _limit_error(what, "max_pages must be min_pages..%d" % _MAX_PAGES)
        if shared and max_pages is None:
            raise _limit_error(what, "a shared memory needs max_pages")
        o = _lib.xwasm_memory_opts(sz=ctypes.sizeof(_lib.xwasm_memory_opts), shared=shared)
        out = ctypes.c_void_p()
        rc = lib().xwasm_memory_create(min_pages, _UINT32_MAX if max_pages is None else max_pages,
                                       ctypes.byref(o), ctypes.byref(out))
        if rc < 0:
            raise _limit_error(what, os.strerror(-rc)) if rc == -errno.EINVAL else XdperfError(rc)
        self._init_extern(out.value or 0, None)

    def _free_handle(self, h: int) -> None:
        lib().xwasm_memory_free(h)

    @property
    def size(self) -> int:
        """Bytes."""
        return lib().xwasm_memory_size(self._ptr())

    @property
    def pages(self) -> int:
        """64 KiB pages."""
        return lib().xwasm_memory_pages(self._ptr())

    def read(self, offset: int, length: int) -> bytes:
        """length bytes at offset (XdperfError EFAULT when outside the memory)."""
        p = self._ptr()
        if offset < 0 or length < 0:
            raise XdperfError(errno.EFAULT, "memory read at %d, %d bytes" % (offset, length))
        buf = ctypes.create_string_buffer(length)
        rc = lib().xwasm_memory_read(p, offset, buf, length)
        if rc < 0:
            raise XdperfError(rc, "memory read at %d, %d bytes: outside the memory's %d bytes"
                              % (offset, length, lib().xwasm_memory_size(p)))
        return buf.raw

    def write(self, offset: int, data: Union[bytes, bytearray, memoryview]) -> None:
        """Writes data at offset (XdperfError EFAULT when outside the memory)."""
        p = self._ptr()
        b = bytes(data)
        if offset < 0:
            raise XdperfError(errno.EFAULT, "memory write at %d, %d bytes" % (offset, len(b)))
        rc = lib().xwasm_memory_write(p, offset, b, len(b))
        if rc < 0:
            raise XdperfError(rc, "memory write at %d, %d bytes: outside the memory's %d bytes"
                              % (offset, len(b), lib().xwasm_memory_size(p)))

    def grow(self, delta: int) -> int:
        """Grows by delta pages: the old page count, or -1 when the maximum (or an instance's
        cap) refuses. As memory.grow in the guest."""
        p = self._ptr()
        if delta < 0:
            raise XdperfError(errno.EINVAL, "memory grow by %d pages" % delta)
        if delta > _UINT32_MAX:
            return -1
        return lib().xwasm_memory_grow(p, delta)


class Global(_Extern):
    """A global variable (xwasm_global) of type "i32", "i64", "f32" or "f64" (or I32 ...).

    ``Global("i32", 5, mutable=True)`` makes one to import; :meth:`Instance.global_` gives an
    instance's exported global. ``value`` reads and sets it: setting an immutable global raises
    XdperfError EPERM, a value of the wrong kind TypeError."""

    _what = "global"

    def __init__(self, type: Union[str, int], value: Number, *, mutable: bool = False) -> None:
        code = _typecode(type, (I32, I64, F32, F64), "global type")
        h = lib().xwasm_global_new(_byvalue(_to_val(value, code, "global value")), bool(mutable))
        if not h:
            raise XdperfError(errno.ENOMEM, "out of memory")
        self._init_extern(h, None)

    def _free_handle(self, h: int) -> None:
        lib().xwasm_global_free(h)

    @property
    def type(self) -> str:
        """Its value type's name ("i32", ...)."""
        return TYPE_NAMES.get(lib().xwasm_global_type(self._ptr()), "?")

    @property
    def mutable(self) -> bool:
        return bool(lib().xwasm_global_mutable(self._ptr()))

    @property
    def value(self) -> Number:
        return _from_val(_from_byvalue(lib().xwasm_global_get(self._ptr())))

    @value.setter
    def value(self, v: Number) -> None:
        p = self._ptr()
        code = lib().xwasm_global_type(p)
        rc = lib().xwasm_global_set(p, _byvalue(_to_val(v, code, "global value")))
        if rc == -errno.EPERM:
            raise XdperfError(rc, "global is immutable")
        if rc < 0:
            raise XdperfError(rc, "setting a %s global" % TYPE_NAMES.get(code, "?"))


class Table(_Extern):
    """A table of references (xwasm_table), elemtype "funcref" or "externref".

    ``Table("funcref", min=4, max=None)`` makes one to import; :meth:`Instance.table` gives an
    instance's exported table. ``get(i)`` is the reference in entry i as an int (0 = null;
    a funcref is the engine's function pointer), XdperfError ERANGE past the end. A funcref
    table keeps alive the instances that imported it: their functions may be in it."""

    _what = "table"

    def __init__(self, elemtype: Union[str, int] = "funcref", min: int = 0,
                 max: Optional[int] = None) -> None:
        code = _typecode(elemtype, (FUNCREF, EXTERNREF), "table element type")
        what = "table limits (min %d, max %s)" % (min, max)
        if not 0 <= min <= _MAX_TABLE:
            raise _limit_error(what, "min must be 0..%d" % _MAX_TABLE)
        if max is not None and not min <= max < _UINT32_MAX:
            raise _limit_error(what, "max must be min..%d" % (_UINT32_MAX - 1))
        h = lib().xwasm_table_new(code, min, _UINT32_MAX if max is None else max)
        if not h:
            raise XdperfError(errno.ENOMEM, "out of memory")
        self._init_extern(h, None)
        self._funcref = code == FUNCREF

    def _free_handle(self, h: int) -> None:
        lib().xwasm_table_free(h)

    @property
    def size(self) -> int:
        """Entries."""
        return lib().xwasm_table_size(self._ptr())

    def get(self, index: int) -> int:
        """The reference in entry index (0 = null); XdperfError ERANGE past the end."""
        p = self._ptr()
        out = xwasm_val()
        rc = lib().xwasm_table_get(p, index, ctypes.byref(out)) if 0 <= index <= _UINT32_MAX \
            else -errno.ERANGE
        if rc < 0:
            raise XdperfError(rc, "table entry %d: the table has %d" % (
                index, lib().xwasm_table_size(p)))
        return out.of.ref or 0


Extern = Union[Func, Memory, Global, Table]
Imports = Mapping[str, Union[Mapping[str, Extern], "Instance"]]


class Module(_Native):
    """A decoded, validated and translated module (xwasm_module). Immutable; instantiate it
    any number of times. Freed when garbage collected or by :meth:`close`."""

    def __init__(self, handle: int, name: str) -> None:
        self._init_native(handle)
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
        if self._closed or not self._h:
            raise ValueError("module is closed")
        return self._h

    def _free_native(self) -> None:
        h, self._h = self._h, None
        if h:
            lib().xwasm_module_free(h)

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
        """A new instance. imports: {"module": {"name": extern}} where an extern is a
        :class:`Func`, :class:`Memory`, :class:`Global` or :class:`Table` (made here or an
        instance's export), or {"module": instance}: every export of that :class:`Instance`.
        The instance keeps its imports alive. fuel is the instruction budget per call
        (0 = unlimited). A trapping start function (or segment initialisation) raises
        WasmTrap; an unknown or mistyped import XdperfError (ENOENT, EINVAL) naming
        module.name; an import value of another kind TypeError."""
        mod = self._handle()
        keep: List[Any] = []          # host function callbacks
        deps: List[_Native] = []      # what the instance's engine object will use
        tables: List[_Native] = []    # holders of funcref tables it imports
        linker: Optional[int] = None
        if imports:
            linker = lib().xwasm_linker_new()
            if not linker:
                raise XdperfError(errno.ENOMEM, "out of memory")
        try:
            table_mods = {m for m, _, k in self.imports() if k == "table"} if imports else set()
            for modname, entry in (imports or {}).items():
                if isinstance(entry, Instance):
                    rc = lib().xwasm_linker_define_instance(linker, modname.encode(),
                                                            entry._handle())
                    if rc < 0:
                        raise XdperfError(rc, "defining %s (an instance)" % modname)
                    deps.append(entry)
                    if modname in table_mods:
                        tables.append(entry)
                    continue
                if not isinstance(entry, Mapping):
                    raise TypeError("imports[%r] must be a mapping of names to externs or an "
                                    "Instance, not %s" % (modname, type(entry).__name__))
                for name, ext in entry.items():
                    rc = self._define(linker, modname, name, ext, keep, deps, tables)
                    if rc < 0:
                        raise XdperfError(rc, "defining %s.%s" % (modname, name))
            o = xwasm_instance_opts(sz=ctypes.sizeof(xwasm_instance_opts), fuel=fuel,
                                    max_memory_pages=max_memory_pages,
                                    max_call_depth=max_call_depth, stack_slots=stack_slots,
                                    max_bytes=max_bytes)
            out = ctypes.c_void_p()
            trap = xwasm_trap()
            err = _lib.errbuf()
            rc = lib().xwasm_instance_new(mod, linker, ctypes.byref(o), ctypes.byref(out),
                                          ctypes.byref(trap), err, len(err))
        finally:
            if linker:  # instantiation copied what it needed
                lib().xwasm_linker_free(linker)
        if rc == XWASM_ETRAP:
            # The engine keeps a failed instance whose functions already went into an imported
            # table (they stay callable): that table's holder keeps what the instance uses.
            for t in tables:
                _depend(t, self)
                for d in deps:
                    _depend(t, d)
                t._keep.extend(keep)
            raise _trap(trap)
        check(rc, err)
        inst = Instance(out.value or 0, self)
        inst._keep = keep
        for d in deps:
            _depend(inst, d)
        for t in tables:  # the table may receive this instance's functions
            _depend(t, inst)
        return inst

    @staticmethod
    def _define(linker: Optional[int], modname: str, name: str, ext: Any, keep: List[Any],
                deps: List[_Native], tables: List[_Native]) -> int:
        m, n = modname.encode(), name.encode()
        if isinstance(ext, Func):
            cb = ext._trampoline()
            keep.append(cb)
            pa = (ctypes.c_uint8 * max(1, len(ext.params)))(*ext.params)
            ra = (ctypes.c_uint8 * max(1, len(ext.results)))(*ext.results)
            return lib().xwasm_linker_define_func(linker, m, n, pa, len(ext.params), ra,
                                                  len(ext.results),
                                                  ctypes.cast(cb, ctypes.c_void_p), None)
        if isinstance(ext, Memory):
            rc = lib().xwasm_linker_define_memory(linker, m, n, ext._ptr())
        elif isinstance(ext, Global):
            rc = lib().xwasm_linker_define_global(linker, m, n, ext._ptr())
        elif isinstance(ext, Table):
            rc = lib().xwasm_linker_define_table(linker, m, n, ext._ptr())
            if getattr(ext, "_funcref", True):  # an instance's table: its type is not known here
                tables.append(ext._root())
        else:
            raise TypeError("import %s.%s must be a Func, Memory, Global or Table, not %s"
                            % (modname, name, type(ext).__name__))
        deps.append(ext._root())
        return rc


def _trap(t: xwasm_trap) -> WasmTrap:
    kind_name = lib().xwasm_trap_kind_str(t.kind).decode()
    return WasmTrap(t.message.decode("utf-8", "replace"), t.kind, kind_name,
                    t.func_name.decode("utf-8", "replace"), t.exit_code)


def _to_val(v: Number, typ: int, what: str = "argument") -> xwasm_val:
    x = xwasm_val()
    x.type = typ
    if typ == I32:
        if not isinstance(v, int):
            raise TypeError("i32 %s must be an int, not %r" % (what, v))
        x.of.i32 = ctypes.c_int32(v & 0xFFFFFFFF).value
    elif typ == I64:
        if not isinstance(v, int):
            raise TypeError("i64 %s must be an int, not %r" % (what, v))
        x.of.i64 = ctypes.c_int64(v & 0xFFFFFFFFFFFFFFFF).value
    elif typ in (F32, F64):
        if not isinstance(v, (int, float)):
            raise TypeError("%s %s must be a float, not %r" % (TYPE_NAMES[typ], what, v))
        if typ == F32:
            x.of.f32 = float(v)
        else:
            x.of.f64 = float(v)
    else:
        raise TypeError("%ss of type %s are not supported" % (what, TYPE_NAMES.get(typ, "?")))
    return x


def _byvalue(x: xwasm_val) -> Any:
    """x as the by-value twin the prototypes taking an xwasm_val by value use."""
    return _lib._xwasm_val_byvalue.from_buffer_copy(x)


def _from_byvalue(v: Any) -> xwasm_val:
    return xwasm_val.from_buffer_copy(v)


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


class Instance(_Native):
    """One running copy of a module (xwasm_instance). One thread at a time. Its exports:
    :meth:`call` for functions, :meth:`memory`, :meth:`global_` and :meth:`table` for the
    others (to use from Python or to import into another instance)."""

    def __init__(self, handle: int, module: Module) -> None:
        self._init_native(handle)
        self.module = module  # keeps the module alive
        _depend(self, module)

    def _handle(self) -> int:
        if self._closed or not self._h:
            raise ValueError("instance is closed")
        return self._h

    def _free_native(self) -> None:
        h, self._h = self._h, None
        if h:
            lib().xwasm_instance_free(h)

    def _func(self, name: str) -> int:
        f = lib().xwasm_instance_func(self._handle(), name.encode())
        if not f:
            raise XdperfError(2, "no exported function %r" % name)  # ENOENT
        return f

    def memory(self, name: str) -> Memory:
        """Exported memory `name` (defined here or imported), XdperfError ENOENT if none. The
        wrapper keeps this instance alive; its close() does not free the memory."""
        p = lib().xwasm_instance_memory(self._handle(), name.encode())
        if not p:
            raise XdperfError(errno.ENOENT, "no exported memory %r" % name)
        m: Memory = Memory._borrow(p, self)
        return m

    def global_(self, name: str) -> Global:
        """Exported global `name` (``global`` is a Python keyword, hence the underscore, as
        PEP 8 has it), XdperfError ENOENT if none. Keeps this instance alive."""
        p = lib().xwasm_instance_global(self._handle(), name.encode())
        if not p:
            raise XdperfError(errno.ENOENT, "no exported global %r" % name)
        g: Global = Global._borrow(p, self)
        return g

    def table(self, name: str) -> Table:
        """Exported table `name`, XdperfError ENOENT if none. Keeps this instance alive."""
        p = lib().xwasm_instance_table(self._handle(), name.encode())
        if not p:
            raise XdperfError(errno.ENOENT, "no exported table %r" % name)
        t: Table = Table._borrow(p, self)
        return t

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

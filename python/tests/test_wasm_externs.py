"""Memories, globals and tables made in Python or exported by instances, imported into wasm
modules (xdperf.wasm.Memory / Global / Table, instantiate(imports=...), Instance.memory /
global_ / table), instances linked to instances, and who keeps whom alive."""
import ctypes
import errno
import gc
import struct

import pytest

import xdperf
from xdperf import _lib, wasm
from xdperf.wasm import Global, Memory, Table
from wat import wat


MEM_WAT = r"""
(module
  (import "env" "mem" (memory $m 1))
  (export "mem" (memory $m))
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "size") (result i32) memory.size))
"""

GLOBAL_WAT = r"""
(module
  (import "env" "counter" (global $c (mut i32)))
  (import "env" "big" (global $b (mut i64)))
  (import "env" "ratio" (global $r (mut f64)))
  (import "env" "small" (global $s (mut f32)))
  (import "env" "k" (global $k i32))
  (func (export "get") (result i32) global.get $c)
  (func (export "bump") (param i32) global.get $c local.get 0 i32.add global.set $c)
  (func (export "big") (result i64) global.get $b)
  (func (export "set_big") (param i64) local.get 0 global.set $b)
  (func (export "ratio2") (result f64) global.get $r f64.const 2 f64.mul)
  (func (export "set_ratio") (param f64) local.get 0 global.set $r)
  (func (export "halve_small") global.get $s f32.const 0.5 f32.mul global.set $s)
  (func (export "k") (result i32) global.get $k))
"""

CONST_GLOBAL_WAT = r"""
(module
  (import "env" "k" (global $k i32))
  (func (export "k") (result i32) global.get $k))
"""

SHARED_WAT = r"""
(module
  (import "env" "mem" (memory 1 2 shared))
  (func (export "add") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.atomic.rmw.add))
"""

TABLE_WAT = r"""
(module
  (import "env" "tab" (table $t 4 funcref))
  (type $r (func (result i32)))
  (func $ten (result i32) i32.const 10)
  (func $twenty (result i32) i32.const 20)
  (func $thirty (result i32) i32.const 30)
  (elem (table $t) (i32.const 0) func $ten $twenty)
  (elem declare func $thirty)
  (func (export "put") (param i32) local.get 0 ref.func $thirty table.set $t)
  (func (export "call") (param i32) (result i32) local.get 0 call_indirect $t (type $r)))
"""

CALLER_WAT = r"""
(module
  (import "env" "tab" (table $t 1 funcref))
  (type $r (func (result i32)))
  (func (export "call") (param i32) (result i32) local.get 0 call_indirect $t (type $r)))
"""

LIB_WAT = r"""
(module
  (memory (export "mem") 1)
  (global $n (export "counter") (mut i32) (i32.const 0))
  (table (export "tab") 2 funcref)
  (func $inc (export "inc") (param i32) (result i32)
    global.get $n local.get 0 i32.add global.set $n
    i32.const 0 global.get $n i32.store
    global.get $n))
"""

USER_WAT = r"""
(module
  (import "lib" "mem" (memory 1))
  (import "lib" "inc" (func $inc (param i32) (result i32)))
  (import "lib" "counter" (global $c (mut i32)))
  (func (export "run") (result i32)
    i32.const 5 call $inc drop
    i32.const 100 i32.const 0 i32.load i32.store
    global.get $c))
"""

POKE_WAT = r"""
(module
  (import "env" "mem" (memory 1))
  (import "env" "counter" (global $c (mut i32)))
  (func (export "poke") (param i32)
    local.get 0 global.get $c i32.store
    global.get $c i32.const 1000 i32.add global.set $c))
"""


def frees(monkeypatch, name):
    """The handles lib().<name> is called with from now on (the real function still runs).
    Objects earlier tests left for the garbage collector are freed first: freed later, one
    could free an address a new object of this test then gets, which would count twice."""
    gc.collect()
    real = getattr(_lib.lib(), name)
    calls = []

    def recording(h):
        calls.append(h)
        real(h)
    monkeypatch.setattr(_lib.lib(), name, recording)
    return calls


def test_byvalue_twin_matches_xwasm_val():
    # the global prototypes pass xwasm_val by value through a union-free twin: same ABI size
    assert ctypes.sizeof(_lib._xwasm_val_byvalue) == ctypes.sizeof(_lib.xwasm_val) == 24
    assert ctypes.alignment(_lib._xwasm_val_byvalue) == ctypes.alignment(_lib.xwasm_val)


def test_memory_from_python():
    m = Memory(1, 3)
    assert (m.pages, m.size) == (1, 65536)
    m.write(65532, b"\x01\x02\x03\x04")
    assert m.read(65532, 4) == b"\x01\x02\x03\x04"
    assert m.read(0, 8) == bytes(8)
    for bad in (lambda: m.read(65533, 4), lambda: m.write(65535, b"ab"), lambda: m.read(-1, 1)):
        with pytest.raises(xdperf.XdperfError) as e:
            bad()
        assert e.value.errno == errno.EFAULT
    assert m.grow(2) == 1 and m.pages == 3 and m.size == 3 * 65536
    assert m.read(3 * 65536 - 1, 1) == b"\0"
    assert m.grow(1) == -1 and m.pages == 3          # beyond max_pages
    assert m.grow(0) == 3
    for args, kw in (((2, 1), {}), ((65537,), {}), ((-1,), {}), ((1,), {"shared": True}),
                     ((1, 70000), {})):
        with pytest.raises(xdperf.XdperfError) as e:
            Memory(*args, **kw)
        assert e.value.errno == errno.EINVAL, (args, kw)
    m.close()
    assert m.closed
    with pytest.raises(ValueError):
        m.read(0, 1)
    assert Memory(0).size == 0


def test_guest_and_python_share_an_imported_memory():
    m = xdperf.Module.load(wat(MEM_WAT))
    assert m.imports() == [("env", "mem", "memory")]
    mem = Memory(1, 4)
    inst = m.instantiate(imports={"env": {"mem": mem}})
    inst.call("store", 64, 0x11223344)                   # guest writes, Python reads
    assert mem.read(64, 4) == struct.pack("<I", 0x11223344)
    mem.write(128, struct.pack("<i", -7))                # Python writes, guest reads
    assert inst.call("load", 128) == [-7]
    assert inst.read_memory(64, 4) == mem.read(64, 4)    # the instance's memory 0 is it
    assert inst.call("grow", 2) == [1]                   # memory.grow in the guest ...
    assert mem.pages == 3 and mem.size == 3 * 65536      # ... seen by Python
    mem.write(3 * 65536 - 4, struct.pack("<i", 99))
    assert inst.call("load", 3 * 65536 - 4) == [99]
    assert mem.grow(1) == 3                              # and the other way
    assert inst.call("size") == [4]
    assert inst.call("grow", 1) == [-1]                  # the memory's own maximum
    # the re-exported memory is the same one
    again = inst.memory("mem")
    assert again.read(64, 4) == mem.read(64, 4) and again.pages == 4
    with pytest.raises(xdperf.XdperfError) as e:
        inst.memory("nope")
    assert e.value.errno == errno.ENOENT
    # a second instance importing the same memory sees the first one's writes
    other = m.instantiate(imports={"env": {"mem": mem}})
    assert other.call("load", 64) == [0x11223344]


def test_memory_import_mismatches():
    m = xdperf.Module.load(wat(MEM_WAT))
    with pytest.raises(xdperf.XdperfError) as e:
        m.instantiate()
    assert e.value.errno == errno.ENOENT and "env.mem" in e.value.message
    with pytest.raises(xdperf.XdperfError) as e:
        m.instantiate(imports={"env": {"mem": Memory(0)}})   # below the declared minimum
    assert e.value.errno == errno.EINVAL and "incompatible import type" in e.value.message
    assert "env.mem" in e.value.message
    with pytest.raises(xdperf.XdperfError) as e:                # a global where a memory goes
        m.instantiate(imports={"env": {"mem": Global("i32", 1)}})
    assert e.value.errno == errno.EINVAL and "env.mem" in e.value.message
    with pytest.raises(TypeError) as te:
        m.instantiate(imports={"env": {"mem": b"not an extern"}})
    assert "env.mem" in str(te.value)
    with pytest.raises(TypeError):
        m.instantiate(imports={"env": 5})  # type: ignore[dict-item]


def test_mutable_globals_shared_by_both_sides():
    m = xdperf.Module.load(wat(GLOBAL_WAT))
    counter = Global("i32", 7, mutable=True)
    big = Global(wasm.I64, 1 << 40, mutable=True)
    ratio = Global("f64", 1.25, mutable=True)
    small = Global("f32", 3.0, mutable=True)
    k = Global("i32", -3)
    assert (counter.type, counter.mutable, counter.value) == ("i32", True, 7)
    assert (big.type, ratio.type, small.type, k.type, k.mutable) == ("i64", "f64", "f32", "i32",
                                                                      False)
    inst = m.instantiate(imports={"env": {"counter": counter, "big": big, "ratio": ratio,
                                          "small": small, "k": k}})
    assert inst.call("get") == [7]
    inst.call("bump", 5)                       # the guest writes, Python reads
    assert counter.value == 12
    counter.value = 100                        # Python writes, the guest reads
    assert inst.call("get") == [100]
    counter.value = 0xFFFFFFFF                 # wrapped to i32 as arguments are
    assert counter.value == -1 and inst.call("get") == [-1]
    assert inst.call("big") == [1 << 40]
    inst.call("set_big", -(1 << 50))
    assert big.value == -(1 << 50)
    assert inst.call("ratio2") == [2.5]
    ratio.value = 4.5
    assert inst.call("ratio2") == [9.0]
    inst.call("set_ratio", -0.125)
    assert ratio.value == -0.125
    inst.call("halve_small")
    assert small.value == 1.5
    assert inst.call("k") == [-3]
    with pytest.raises(TypeError):
        counter.value = 1.5                    # not an int for an i32
    with pytest.raises(TypeError):
        ratio.value = "x"                      # type: ignore[assignment]
    assert counter.value == -1 and ratio.value == -0.125


def test_immutable_global_refuses_set():
    k = Global("i32", 42)
    with pytest.raises(xdperf.XdperfError) as e:
        k.value = 1
    assert e.value.errno == errno.EPERM
    assert k.value == 42
    m = xdperf.Module.load(wat(CONST_GLOBAL_WAT))
    assert m.instantiate(imports={"env": {"k": k}}).call("k") == [42]
    # mutability and type are part of a global import's type
    for g in (Global("i32", 42, mutable=True), Global("i64", 42)):
        with pytest.raises(xdperf.XdperfError) as e:
            m.instantiate(imports={"env": {"k": g}})
        assert e.value.errno == errno.EINVAL and "env.k" in e.value.message
    with pytest.raises(xdperf.XdperfError) as e:
        Global("v128", 0)
    assert e.value.errno == errno.EINVAL
    with pytest.raises(xdperf.XdperfError):
        Global("nope", 0)
    with pytest.raises(TypeError):
        Global("i64", 2.5)


def test_shared_memory():
    code = wat(SHARED_WAT, "--enable-threads")
    with pytest.raises(xdperf.XdperfError):  # the threads feature is what allows it
        xdperf.Module.load(code, features=wasm.FEATURES_DEFAULT & ~wasm.FEATURE_THREADS)
    m = xdperf.Module.load(code)
    shared = Memory(1, 2, shared=True)
    inst = m.instantiate(imports={"env": {"mem": shared}})
    shared.write(8, struct.pack("<i", 40))
    assert inst.call("add", 8, 2) == [40]          # atomic add returns the old value
    assert shared.read(8, 4) == struct.pack("<i", 42)
    # sharedness must match both ways
    with pytest.raises(xdperf.XdperfError) as e:
        m.instantiate(imports={"env": {"mem": Memory(1, 2)}})
    assert e.value.errno == errno.EINVAL and "env.mem" in e.value.message
    assert "shared" in e.value.message
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.Module.load(wat(MEM_WAT)).instantiate(imports={"env": {"mem": shared}})
    assert e.value.errno == errno.EINVAL and "env.mem" in e.value.message


def test_table_filled_by_the_guest(monkeypatch):
    inst_freed = frees(monkeypatch, "xwasm_instance_free")
    t = Table("funcref", 4)
    assert t.size == 4 and [t.get(i) for i in range(4)] == [0, 0, 0, 0]
    with pytest.raises(xdperf.XdperfError) as e:
        t.get(4)
    assert e.value.errno == errno.ERANGE
    del e  # its traceback holds t
    m = xdperf.Module.load(wat(TABLE_WAT))
    a = m.instantiate(imports={"env": {"tab": t}})
    assert t.get(0) != 0 and t.get(1) != 0 and t.get(0) != t.get(1)   # the elem segment
    assert t.get(2) == 0 and t.get(3) == 0
    a.call("put", 3)                                                     # table.set
    assert t.get(3) != 0 and t.get(2) == 0
    assert [a.call("call", i) for i in (0, 1, 3)] == [[10], [20], [30]]
    with pytest.raises(xdperf.WasmTrap) as te:
        a.call("call", 2)
    assert te.value.kind == wasm.TRAP_UNINIT_ELEM
    del te  # its traceback holds a
    ha = a._h
    # another module calls the first one's functions through the same table
    b = xdperf.Module.load(wat(CALLER_WAT)).instantiate(imports={"env": {"tab": t}})
    assert b.call("call", 1) == [20]
    # the table keeps the instance whose functions it holds: dropping it is safe
    del a
    gc.collect()
    assert ha not in inst_freed
    assert b.call("call", 0) == [10] and b.call("call", 3) == [30]
    hb = b._h
    del b, t
    gc.collect()
    assert inst_freed.count(ha) == 1 and inst_freed.count(hb) == 1
    # limits and types
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.Module.load(wat(TABLE_WAT)).instantiate(imports={"env": {"tab": Table(min=2)}})
    assert e.value.errno == errno.EINVAL and "env.tab" in e.value.message
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.Module.load(wat(TABLE_WAT)).instantiate(
            imports={"env": {"tab": Table("externref", 4)}})
    assert e.value.errno == errno.EINVAL
    for args in (("funcref", 3, 2), ("i32", 1), ("funcref", -1)):
        with pytest.raises(xdperf.XdperfError) as e:
            Table(*args)
        assert e.value.errno == errno.EINVAL, args
    assert Table("externref", 2, 8).size == 2


def test_instances_linked():
    lib_inst = xdperf.Module.load(wat(LIB_WAT)).instantiate()
    user_mod = xdperf.Module.load(wat(USER_WAT))
    user = user_mod.instantiate(imports={"lib": lib_inst})   # every export of lib_inst
    assert user.call("run") == [5]
    assert user.call("run") == [10]
    counter = lib_inst.global_("counter")
    assert (counter.value, counter.type, counter.mutable) == (10, "i32", True)
    assert lib_inst.call("inc", 1) == [11]
    counter.value = 40                                      # seen by both instances
    assert user.call("run") == [45]
    mem = lib_inst.memory("mem")
    assert mem.read(0, 4) == struct.pack("<i", 45)           # written by lib's inc
    assert mem.read(100, 4) == struct.pack("<i", 45)         # written by user into lib's memory
    assert user.read_memory(100, 4) == mem.read(100, 4)
    tab = lib_inst.table("tab")
    assert tab.size == 2 and tab.get(0) == 0
    # exports taken one by one, under other names
    poke = xdperf.Module.load(wat(POKE_WAT)).instantiate(
        imports={"env": {"mem": mem, "counter": counter}})
    poke.call("poke", 200)
    assert mem.read(200, 4) == struct.pack("<i", 45) and counter.value == 1045
    assert lib_inst.call("inc", 0) == [1045]
    # what an instance does not export stays unknown, naming the import
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.Module.load(wat('(module (import "lib" "nope" (func)))')).instantiate(
            imports={"lib": lib_inst})
    assert e.value.errno == errno.ENOENT and "lib.nope" in e.value.message
    with pytest.raises(xdperf.XdperfError) as e:   # an export of another kind
        xdperf.Module.load(wat('(module (import "lib" "mem" (func)))')).instantiate(
            imports={"lib": lib_inst})
    assert e.value.errno == errno.EINVAL and "lib.mem" in e.value.message
    for what in (lib_inst.global_, lib_inst.table):
        with pytest.raises(xdperf.XdperfError) as e:
            what("mem")                            # there, but not of that kind
        assert e.value.errno == errno.ENOENT
    # the importing instances keep lib_inst: dropping every Python name of it is safe
    del lib_inst, mem, counter, tab
    gc.collect()
    assert user.call("run") == [1050]
    poke.call("poke", 300)
    assert user.read_memory(300, 4) == struct.pack("<i", 1050)


def test_dropped_memory_stays_while_used(monkeypatch):
    freed = frees(monkeypatch, "xwasm_memory_free")
    m = xdperf.Module.load(wat(MEM_WAT))
    mem = Memory(1)
    h = mem._h
    inst = m.instantiate(imports={"env": {"mem": mem}})
    mem.write(16, struct.pack("<i", 1234))
    del mem
    gc.collect()
    assert h not in freed
    # the instance still uses it: no crash, the data is there, and it still grows
    assert inst.call("load", 16) == [1234]
    inst.call("store", 20, 77)
    assert inst.call("grow", 1) == [1] and inst.call("load", 20) == [77]
    assert inst.memory("mem").read(16, 4) == struct.pack("<i", 1234)
    del inst
    gc.collect()
    assert freed.count(h) == 1                     # freed with its last user


def test_close_frees(monkeypatch):
    mem_freed = frees(monkeypatch, "xwasm_memory_free")
    inst_freed = frees(monkeypatch, "xwasm_instance_free")
    mod_freed = frees(monkeypatch, "xwasm_module_free")
    glob_freed = frees(monkeypatch, "xwasm_global_free")
    tab_freed = frees(monkeypatch, "xwasm_table_free")
    # unused externs are freed by close(), once
    for obj, freed in ((Memory(1), mem_freed), (Global("i64", 3), glob_freed),
                       (Table("funcref", 1), tab_freed)):
        h = obj._h
        obj.close()
        obj.close()
        assert freed.count(h) == 1
    # malloc may give the next objects the addresses just freed: count from here on
    for freed in (mem_freed, glob_freed, tab_freed):
        freed.clear()
    # used: close() ends the Python object, the engine's waits for the instance
    m = xdperf.Module.load(wat(MEM_WAT))
    mem = Memory(1)
    hm, hmod = mem._h, m._h
    inst = m.instantiate(imports={"env": {"mem": mem}})
    hi = inst._h
    mem.close()
    m.close()
    with pytest.raises(ValueError):
        mem.read(0, 1)
    with pytest.raises(ValueError):
        m.instantiate(imports={"env": {"mem": Memory(1)}})
    assert hm not in mem_freed and hmod not in mod_freed
    inst.call("store", 0, 5)
    assert inst.call("load", 0) == [5]
    # a borrowed export: close() ends the wrapper only
    view = inst.memory("mem")
    view.close()
    assert hm not in mem_freed and inst.call("load", 0) == [5]
    view2 = inst.memory("mem")
    inst.close()
    assert inst_freed.count(hi) == 1 and mem_freed.count(hm) == 1 and mod_freed.count(hmod) == 1
    with pytest.raises(ValueError):
        inst.call("load", 0)
    with pytest.raises(ValueError):
        view2.read(0, 1)                            # its instance is closed
    # a closed extern cannot be imported
    g = Global("i32", 1)
    g.close()
    with pytest.raises(ValueError):
        xdperf.Module.load(wat(CONST_GLOBAL_WAT)).instantiate(imports={"env": {"k": g}})


def test_linked_instance_closed_first(monkeypatch):
    inst_freed = frees(monkeypatch, "xwasm_instance_free")
    lib_inst = xdperf.Module.load(wat(LIB_WAT)).instantiate()
    hl = lib_inst._h
    user = xdperf.Module.load(wat(USER_WAT)).instantiate(imports={"lib": lib_inst})
    lib_inst.close()
    assert hl not in inst_freed                     # user still calls into it
    assert user.call("run") == [5]
    user.close()
    assert inst_freed.count(hl) == 1

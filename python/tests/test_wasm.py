"""The WebAssembly engine through xdperf.Module / Instance: load, call, traps, fuel."""
import errno
import os
import re
import shutil
import struct
import subprocess

import pytest

import xdperf
from wat import wat
from xdperf import wasm

WAT = r"""
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "hello")
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "add64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add)
  (func (export "mulf") (param f64 f32) (result f64) local.get 0 local.get 1 f64.promote_f32 f64.mul)
  (func (export "pair") (result i32 i64) i32.const -1 i64.const 0x123456789)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func $boom (export "boom") unreachable)
  (func (export "spin") (param i32) (result i32)
    (local i32)
    (block (loop
      local.get 1 i32.const 1 i32.add local.set 1
      local.get 1 local.get 0 i32.lt_u br_if 0))
    local.get 1)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load))
"""


@pytest.fixture(scope="module")
def module_bytes():
    return wat(WAT)


def test_load_and_call(module_bytes):
    m = xdperf.Module.load(module_bytes, name="t")
    assert ("add", "func") in m.exports() and ("memory", "memory") in m.exports()
    assert m.imports() == []
    inst = m.instantiate()
    assert inst.call("add", 2, 3) == [5]
    assert inst.call("add", 0x7FFFFFFF, 1) == [-0x80000000]  # i32 wraps
    assert inst.call("add64", 1 << 40, 5) == [(1 << 40) + 5]
    assert inst.call("mulf", 1.5, 2.0) == [3.0]
    assert inst.call("pair") == [-1, 0x123456789]
    assert inst.func_type("mulf") == (("f64", "f32"), ("f64",))
    assert inst.read_memory(16, 5) == b"hello"
    inst.write_memory(100, struct.pack("<i", 4242))
    assert inst.call("load", 100) == [4242]
    assert inst.memory_size() == 65536


def test_load_from_path(module_bytes, tmp_path):
    p = tmp_path / "m.wasm"
    p.write_bytes(module_bytes)
    m = xdperf.Module.load(p)
    assert m.name == "m.wasm"
    assert m.instantiate().call("add", 40, 2) == [42]


def test_traps(module_bytes):
    inst = xdperf.Module.load(module_bytes).instantiate()
    with pytest.raises(xdperf.WasmTrap) as e:
        inst.call("div", 1, 0)
    assert e.value.kind == wasm.TRAP_DIV_ZERO
    assert e.value.kind_name == "integer divide by zero"
    assert e.value.message.startswith("integer divide by zero")
    assert e.value.errno == wasm.XWASM_ETRAP
    assert isinstance(e.value, xdperf.XdperfError)
    with pytest.raises(xdperf.WasmTrap) as e:
        inst.call("boom")
    assert e.value.kind == wasm.TRAP_UNREACHABLE and "unreachable" in e.value.message
    assert e.value.func_name == "boom"
    with pytest.raises(xdperf.WasmTrap) as e:
        inst.call("load", 65535)
    assert e.value.kind == wasm.TRAP_MEMORY_OOB
    # the instance stays usable after a trap
    assert inst.call("div", 7, 2) == [3]


def test_fuel(module_bytes):
    inst = xdperf.Module.load(module_bytes).instantiate(fuel=10_000)
    assert inst.call("spin", 10) == [10]
    used_small = inst.fuel_used
    assert 0 < used_small < 10_000
    with pytest.raises(xdperf.WasmTrap) as e:
        inst.call("spin", 1_000_000)
    assert e.value.kind == wasm.TRAP_FUEL_EXHAUSTED and "fuel" in e.value.message
    inst.set_fuel(0)  # unlimited
    assert inst.call("spin", 1_000_000) == [1_000_000]
    assert inst.fuel_used > 1_000_000


def test_bad_arguments(module_bytes):
    inst = xdperf.Module.load(module_bytes).instantiate()
    with pytest.raises(TypeError):
        inst.call("add", 1)
    with pytest.raises(TypeError):
        inst.call("add", 1.5, 2)
    with pytest.raises(xdperf.XdperfError) as e:
        inst.call("nope")
    assert e.value.errno == errno.ENOENT


def test_features_refused():
    # a module with a second memory: invalid in 2.0 unless multi-memory is enabled
    if not shutil.which("wat2wasm"):
        pytest.skip("wat2wasm (wabt) is not installed")
    src = "(module (memory 1) (memory 1))"
    r = subprocess.run(["wat2wasm", "--enable-multi-memory", "-", "-o", "/dev/stdout"],
                       input=src.encode(), capture_output=True)
    if r.returncode:
        pytest.skip("wat2wasm cannot encode multi-memory")
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.Module.load(r.stdout)
    assert e.value.errno == errno.EINVAL and "multiple memories" in e.value.message
    m = xdperf.Module.load(r.stdout, features=wasm.FEATURES_ALL)
    m.instantiate()


IMPORTS_WAT = r"""
(module
  (import "env" "add3" (func $add3 (param i32 i32 i32) (result i32)))
  (import "env" "log" (func $log (param i32 i32)))
  (import "env" "fail" (func $fail (param i64) (result f64)))
  (memory (export "memory") 1)
  (data (i32.const 8) "hi there")
  (func (export "run") (param i32) (result i32) local.get 0 i32.const 2 i32.const 3 call $add3)
  (func (export "say") i32.const 8 i32.const 8 call $log)
  (func (export "bad") (param i64) (result f64) local.get 0 call $fail))
"""


def test_host_functions(tmp_path):
    (tmp_path / "i.wasm").write_bytes(wat(IMPORTS_WAT))
    m = xdperf.Module.load(tmp_path / "i.wasm")  # from a path
    assert ("env", "add3", "func") in m.imports()
    said = []

    def fail(x):
        raise ValueError("no %d" % x)

    env = {"add3": wasm.Func(lambda a, b, c: a + b + c, ["i32"] * 3, ["i32"]),
           "log": wasm.Func(lambda c, p, n: said.append(c.read_memory(p, n)), ["i32", "i32"],
                            with_caller=True),
           "fail": wasm.Func(fail, ["i64"], ["f64"])}
    inst = m.instantiate(imports={"env": env})
    assert inst.call("run", 10) == [15]
    inst.call("say")
    assert said == [b"hi there"]
    with pytest.raises(xdperf.WasmTrap) as e:
        inst.call("bad", 7)
    assert e.value.kind == wasm.TRAP_HOST and "ValueError: no 7" in e.value.message
    assert inst.call("run", -5) == [0]  # usable after the host trap
    with pytest.raises(xdperf.XdperfError) as e:
        m.instantiate()
    assert e.value.errno == errno.ENOENT and "env.add3" in e.value.message
    env["add3"] = wasm.Func(lambda a: a, ["i32"], ["i32"])
    with pytest.raises(xdperf.XdperfError) as e:
        m.instantiate(imports={"env": env})
    assert e.value.errno == errno.EINVAL and "incompatible import type" in e.value.message


def test_constants_match_header(repo, tmp_path):
    """FEATURE_* / FEATURES_* and TRAP_* are the values include/xdperf/wasm.h gives."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler")
    names = {
        "FEATURE_EXTENDED_CONST": "XWASM_FEATURE_EXTENDED_CONST",
        "FEATURE_TAIL_CALL": "XWASM_FEATURE_TAIL_CALL",
        "FEATURE_MULTI_MEMORY": "XWASM_FEATURE_MULTI_MEMORY",
        "FEATURE_EXCEPTIONS": "XWASM_FEATURE_EXCEPTIONS",
        "FEATURE_THREADS": "XWASM_FEATURE_THREADS",
        "FEATURE_MEMORY64": "XWASM_FEATURE_MEMORY64",
        "FEATURES_EXPLICIT": "XWASM_FEATURES_EXPLICIT",
        "FEATURES_DEFAULT": "XWASM_FEATURES_DEFAULT",
        "FEATURES_ALL": "XWASM_FEATURES_ALL",
        "FEATURES_NONE": "XWASM_FEATURES_NONE",
        "XWASM_ETRAP": "XWASM_ETRAP",
    }
    for py in [n for n in dir(wasm) if n.startswith("TRAP_")]:
        names[py] = "XWASM_" + py
    # every enumerator of the header's feature and trap enums has its Python constant
    with open(os.path.join(repo, "include", "xdperf", "wasm.h")) as f:
        header = f.read()
    enumerators = re.findall(r"^\s*(XWASM_(?:FEATURE|TRAP)_[A-Z0-9_]+)\s*=?", header, re.M)
    assert len(enumerators) > 25
    for c in enumerators:
        if c != "XWASM_TRAP_NONE":
            assert c in names.values(), "%s has no constant in xdperf.wasm" % c
    src = tmp_path / "consts.c"
    src.write_text("#include <stdio.h>\n#include \"xdperf/wasm.h\"\nint main(void) {\n"
                   + "".join('printf("%%llu\\n", (unsigned long long)(%s));\n' % c
                             for c in names.values())
                   + "return 0;\n}\n")
    exe = tmp_path / "consts"
    subprocess.run([cc, "-std=gnu11", "-Wall", "-Werror", "-I", os.path.join(repo, "include"),
                    "-o", str(exe), str(src)], check=True)
    got = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()
    assert len(got) == len(names) > 30
    bad = ["%s = %d, wasm.h %s" % (py, getattr(wasm, py), g)
           for (py, c), g in zip(names.items(), got) if int(g) != getattr(wasm, py)]
    assert not bad, "\n".join(bad)

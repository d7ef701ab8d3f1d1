#!/usr/bin/env python3
"""Writes hostile protocol modules (binary WebAssembly) for the resource-cap tests.

Each is a valid module with the protocol ABI (memory, alloc, free, handle), so that whatever
refuses it is the cap under test, not the ABI check:

  tables N ELEMS OUT      N tables of ELEMS funcref entries each; handle fills the next table
                          (call k fills table k mod N) with null references
  table_grow STEP OUT     one table, no maximum; handle grows it by STEP entries and fills
                          them, trapping (unreachable) when table.grow returns -1
  wide_branches N OUT     N functions, each a block with 1000 i32 results left by 400 br_if
                          (and nops, 20 KB a function): small to send, about 4 MB of code each
                          once every branch's 1000 values are translated
  empty_funcs BYTES OUT   empty functions () -> () until the module is about BYTES long
  slow_validate N OUT     N functions of 800 KB each, a block with 1000 i32 results whose
                          unreachable code holds 1000 br_if (each checking 1000 values) padded
                          with nops to just under the engine's validation budget: slow to load
                          (about a second for 60), for interrupting a load
"""
import sys


def leb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def vec(items):
    return leb(len(items)) + b"".join(items)


def section(sid, body):
    return bytes([sid]) + leb(len(body)) + body


def name(s):
    return leb(len(s)) + s.encode()


I32, FUNCREF = 0x7F, 0x70


def functype(params, results):
    return b"\x60" + vec([bytes([t]) for t in params]) + vec([bytes([t]) for t in results])


def body(code, locals_=b"\x00"):
    b = locals_ + code + b"\x0b"
    return leb(len(b)) + b


def i32c(v):
    return b"\x41" + sleb(v)


# Types every module starts with: 0 alloc (i32)->i32, 1 free (i32)->(), 2 handle (i32,i32)->(i32,i32)
ABI_TYPES = [functype([I32], [I32]), functype([I32], []), functype([I32, I32], [I32, I32])]
ALLOC = body(i32c(1024))            # one buffer at 1024 (messages here are small)
FREE = body(b"")


def module(types, handle, extra_types=(), extra_codes=(), tables=(), globals_=()):
    """types: more types after the ABI's three; handle: the handle body; extra_types and
    extra_codes: more functions (type index, body) after alloc, free and handle."""
    out = b"\x00asm\x01\x00\x00\x00"
    out += section(1, vec(ABI_TYPES + list(types)))
    out += section(3, vec([leb(0), leb(1), leb(2)] + [leb(t) for t in extra_types]))
    if tables:
        out += section(4, vec([bytes([FUNCREF]) + b"\x00" + leb(n) for n in tables]))
    out += section(5, vec([b"\x00" + leb(1)]))
    if globals_:
        out += section(6, vec(list(globals_)))
    exports = [name("memory") + b"\x02" + leb(0), name("alloc") + b"\x00" + leb(0),
               name("free") + b"\x00" + leb(1), name("handle") + b"\x00" + leb(2)]
    out += section(7, vec(exports))
    out += section(10, vec([ALLOC, FREE, handle] + list(extra_codes)))
    return out


def echo_tail():
    return b"\x20\x00\x20\x01"   # local.get 0, local.get 1: answer with the message


def tables(n, elems):
    # global 0: the call counter; handle: k = g mod n; g++; table.fill k (0, null, elems)
    # written as a chain of `if (k == t) table.fill t` for each table t
    g = b"\x7f\x01" + i32c(0) + b"\x0b"
    code = b"\x23\x00" + i32c(n) + b"\x70"          # global.get 0; i32.const n; i32.rem_u
    code += b"\x21\x02"                              # local.set 2 (k)
    code += b"\x23\x00" + i32c(1) + b"\x6a\x24\x00"  # global 0 += 1
    for t in range(n):
        code += b"\x20\x02" + i32c(t) + b"\x46" + b"\x04\x40"          # if (k == t)
        code += i32c(0) + b"\xd0\x70" + i32c(elems) + b"\xfc\x11" + leb(t)  # table.fill t
        code += b"\x0b"
    code += echo_tail()
    return module([], body(code, b"\x01\x01\x7f"), tables=[elems] * n, globals_=[g])


def table_grow(step):
    # r = table.grow 0 (null, step); if r == -1: unreachable; table.fill 0 (r, null, step)
    code = b"\xd0\x70" + i32c(step) + b"\xfc\x0f\x00" + b"\x21\x02"
    code += b"\x20\x02" + i32c(-1) + b"\x46\x04\x40\x00\x0b"
    code += b"\x20\x02\xd0\x70" + i32c(step) + b"\xfc\x11\x00"
    code += echo_tail()
    return module([], body(code, b"\x01\x01\x7f"), tables=[0])


def wide_branches(nfuncs):
    results = 1000
    wide = functype([], [I32] * results)            # type 3
    code = b"\x02\x03"                               # block (type 3)
    code += i32c(0) * results
    code += (i32c(1) + b"\x0d\x00") * 400            # i32.const 1; br_if 0 (carries 1000 values)
    code += b"\x0b" + b"\x1a" * results              # end; drop them all
    # nops (free to translate) pad the body so the engine's per-function bound (64 words per
    # byte of body) does not stop it: only a cap on the whole module does
    code += b"\x01" * (20 * results - len(code))
    return module([wide, functype([], [])], body(echo_tail()), [4] * nfuncs, [body(code)] * nfuncs)


def empty_funcs(size):
    # each function costs 1 byte in the function section and 3 in the code section
    n = max(1, size // 4)
    return module([functype([], [])], body(echo_tail()), [3] * n, [body(b"")] * n)


def slow_validate(nfuncs):
    results = 1000
    wide = functype([], [I32] * results)              # type 3
    code = b"\x02\x03" + b"\x00"                      # block (type 3); unreachable
    code += (i32c(1) + b"\x0d\x00" + b"\x01" * 800) * 1000
    code += b"\x0b" + b"\x1a" * results
    return module([wide, functype([], [])], body(echo_tail()), [4] * nfuncs, [body(code)] * nfuncs)


def main():
    kind, args, out = sys.argv[1], sys.argv[2:-1], sys.argv[-1]
    if kind == "tables":
        data = tables(int(args[0]), int(args[1]))
    elif kind == "table_grow":
        data = table_grow(int(args[0]))
    elif kind == "wide_branches":
        data = wide_branches(int(args[0]))
    elif kind == "empty_funcs":
        data = empty_funcs(int(args[0]))
    elif kind == "slow_validate":
        data = slow_validate(int(args[0]))
    else:
        sys.exit("hostile_gen.py: unknown kind " + kind)
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()

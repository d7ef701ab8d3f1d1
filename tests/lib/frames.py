"""TCP length-prefix framing (u32 big-endian length + bytes) and ok/FAILED reporting for the
`xdperf serve` test cases' python clients (put tests/lib on sys.path / PYTHONPATH and
`from frames import *`; `python3 -m frames MSG...` frames its arguments to stdout).
  frame(b)            the framed bytes
  recv_exact(s, n)    exactly n bytes from socket s (EOFError on an early EOF)
  recv_msg(s)         one framed message from s
  ok(m) / fail(m)     print "ok m" / "FAILED: m" (fail counts into `fails`)
  check(name, fn)     runs fn(); an exception is a fail naming it
  expect(cond, msg)   ok(msg) when cond, else fail(msg)
  status()            the exit status: 1 after any fail, else 0
"""
import struct
import sys

fails = 0


def ok(m):
    print("ok " + m, flush=True)


def fail(m):
    global fails
    fails += 1
    print("FAILED: " + m, flush=True)


def check(name, fn):
    try:
        fn()
    except Exception as e:
        fail("%s: %s: %r" % (name, type(e).__name__, e))


def expect(cond, msg):
    if cond:
        ok(msg)
    else:
        fail(msg)


def status():
    return 1 if fails else 0


def frame(b):
    return struct.pack(">I", len(b)) + b


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        d = s.recv(min(1 << 20, n - len(buf)))
        if not d:
            raise EOFError("EOF after %d of %d bytes" % (len(buf), n))
        buf += d
    return bytes(buf)


def recv_msg(s):
    (n,) = struct.unpack(">I", recv_exact(s, 4))
    return recv_exact(s, n)


if __name__ == "__main__":
    sys.stdout.buffer.write(b"".join(frame(a.encode()) for a in sys.argv[1:]))

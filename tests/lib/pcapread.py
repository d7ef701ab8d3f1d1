"""Minimal pcap reader for the tests (import with sys.path.insert(0, "$REPO/tests/lib")).
frames(path) -> list of (timestamp_s, bytes); handles micro- and nanosecond pcap files;
trailer(f, end) reads an xdperf stamp trailer (version 2, or 1);
complete(path) -> the number of whole frames in a file still being written (a record cut short
at the end is not counted); `python3 pcapread.py FILE` prints it."""
import struct
import sys


def frames(path):
    data = open(path, "rb").read()
    if len(data) < 24:
        return []
    magic = struct.unpack_from("<I", data)[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    else:
        e = ">"
        magic = struct.unpack_from(">I", data)[0]
    div = 1e9 if magic == 0xA1B23C4D else 1e6
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack_from(e + "IIII", data, off)
        out.append((sec + frac / div, data[off + 16: off + 16 + incl]))
        off += 16 + incl
    return out


def be(b, off, n):
    return int.from_bytes(b[off:off + n], "big")


STAMP_MAGIC, STAMP_LEN = 0x58445052, 28        # "XDPR": magic run stream seq tx_ns
STAMP_MAGIC_V1, STAMP_LEN_V1 = 0x58445053, 24  # "XDPS": magic stream seq tx_ns (no run)


def trailer(f, end):
    """The xdperf stamp trailer ending at f[end] (the end of the UDP payload):
    (version, run, stream, seq, tx_ns), version 1 with run 0; None when there is none."""
    if end >= STAMP_LEN and be(f, end - 28, 4) == STAMP_MAGIC:
        return 2, be(f, end - 24, 4), be(f, end - 20, 4), be(f, end - 16, 8), be(f, end - 8, 8)
    if end >= STAMP_LEN_V1 and be(f, end - 24, 4) == STAMP_MAGIC_V1:
        return 1, 0, be(f, end - 20, 4), be(f, end - 16, 8), be(f, end - 8, 8)
    return None


def complete(path):
    try:
        data = open(path, "rb").read()
    except FileNotFoundError:
        return 0
    if len(data) < 24:
        return 0
    e = "<" if struct.unpack_from("<I", data)[0] in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    n, off = 0, 24
    while off + 16 <= len(data):
        off += 16 + struct.unpack_from(e + "I", data, off + 8)[0]
        if off > len(data):
            break
        n += 1
    return n


if __name__ == "__main__":
    print(complete(sys.argv[1]))

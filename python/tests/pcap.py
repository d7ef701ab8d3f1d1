"""A small pcap reader for the tests (classic pcap, either byte order, us or ns)."""
import struct
from typing import List


def read_frames(path) -> List[bytes]:
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise ValueError("not a pcap file")
    off, out = 24, []
    while off + 16 <= len(data):
        _s, _us, incl, _orig = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        out.append(data[off:off + incl])
        off += incl
    if off != len(data):
        raise ValueError("truncated pcap file")
    return out

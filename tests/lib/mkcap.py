"""Test captures for capture replay (tests/cases/pcap_replay.sh, bench/replay_1g.sh).

  mkcap.py OUT.pcap N [--gap-us G] [--jitter] [--ns] [--lens L1,L2,...] [--oversize K:LEN,...]
           [--dst-mac MAC] [--vary] [--be]

writes N Ethernet frames (classic pcap, microsecond or --ns nanosecond timestamps, --be
big-endian): UDP over IPv4 (10.0.0.1 -> 10.201.0.2, ports 1000+i%50 -> 53), every third over
IPv6 (2001:db8::1 -> 2001:db8::2) and every fifth TCP, with valid checksums, lengths cycling
through --lens (default 60,200,1000,1514), payload bytes derived from the frame index (every
frame differs: byte-for-byte comparisons find reordering), frame i at i * G us (+ a seeded
jitter of up to G/2 with --jitter); --oversize K:LEN makes frame K LEN bytes long."""
import argparse
import random
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(i, length, dst_mac):
    v6 = i % 3 == 2
    tcp = i % 5 == 4
    eth = dst_mac + bytes.fromhex("020000000001") + (b"\x86\xdd" if v6 else b"\x08\x00")
    l4h = 20 if tcp else 8
    iph = 40 if v6 else 20
    plen = max(0, length - 14 - iph - l4h)
    payload = bytes((i * 7 + k) & 0xFF for k in range(plen))
    sport, dport = 1000 + i % 50, 53
    proto = 6 if tcp else 17
    if tcp:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, i, 0, 0x50, 0x18, 8192, 0, 0) + payload
    else:
        l4 = struct.pack("!HHHH", sport, dport, 8 + plen, 0) + payload
    if v6:
        src, dst = bytes.fromhex("20010db8" + "00" * 11 + "01"), bytes.fromhex("20010db8" + "00" * 11 + "02")
        pseudo = src + dst + struct.pack("!IxxxB", len(l4), proto)
        ip = struct.pack("!IHBB", 0x60000000, len(l4), proto, 64) + src + dst
    else:
        src, dst = bytes([10, 0, 0, 1]), bytes([10, 201, 0, 2])
        pseudo = src + dst + struct.pack("!xBH", proto, len(l4))
        ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(l4), i & 0xFFFF, 0, 64, proto, 0) + src + dst
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    c = csum(pseudo + l4)
    if not tcp and c == 0:
        c = 0xFFFF
    off = 16 if tcp else 6
    l4 = l4[:off] + struct.pack("!H", c) + l4[off + 2:]
    return eth + ip + l4


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("n", type=int)
    ap.add_argument("--gap-us", type=float, default=1000)
    ap.add_argument("--jitter", action="store_true")
    ap.add_argument("--ns", action="store_true")
    ap.add_argument("--be", action="store_true")
    ap.add_argument("--lens", default="60,200,1000,1514")
    ap.add_argument("--oversize", default="")
    ap.add_argument("--dst-mac", default="02:00:00:00:00:02")
    a = ap.parse_args()
    lens = [int(x) for x in a.lens.split(",")]
    over = dict((int(k), int(v)) for k, v in (p.split(":") for p in a.oversize.split(",") if p))
    mac = bytes.fromhex(a.dst_mac.replace(":", ""))
    e = ">" if a.be else "<"
    rnd = random.Random(7)
    base = 1700000000 * 10**9
    with open(a.out, "wb") as f:
        f.write(struct.pack(e + "IHHiIII", 0xA1B23C4D if a.ns else 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        out = []
        for i in range(a.n):
            t = base + int(i * a.gap_us * 1000)
            if a.jitter and i:
                t += int(rnd.uniform(0, a.gap_us / 2) * 1000)
            fr = frame(i, over.get(i, lens[i % len(lens)]), mac)
            frac = t % 10**9 if a.ns else (t % 10**9) // 1000
            out.append(struct.pack(e + "IIII", t // 10**9, frac, len(fr), len(fr)) + fr)
            if len(out) >= 4096:
                f.write(b"".join(out))
                out = []
        f.write(b"".join(out))


if __name__ == "__main__":
    sys.exit(main())

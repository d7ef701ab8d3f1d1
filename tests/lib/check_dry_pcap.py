"""Checks the frames an XDPERF_XDP_DRY_OUT pcap holds (each the last frame of one dry
BPF_PROG_RUN call of the XDP transmit program, stamped with CLOCK_TAI after the call) for
tests/cases/tx_xdp_dry.sh: IPv4 header and UDP checksums valid, a version 2 trailer with the
run identity given, stream 0, sequence numbers rising, the UDP source port 1000 + sequence mod
1000 (the template's increment modifier; with "fixed": 1000 always), send times rising, after
START_TAI_NS and not after the capture time (1 us slack: the pcap keeps microseconds).
Usage: check_dry_pcap.py FILE RUN_ID START_TAI_NS MIN_FRAMES [fixed]   (prints FAIL lines; exit 1)"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mktmpl import csum  # noqa: E402  (the Internet checksum: 0 over a correct header)


def frames(path):
    d = open(path, "rb").read()
    magic = struct.unpack("<I", d[:4])[0]
    ns = magic == 0xa1b23c4d
    off = 24
    while off + 16 <= len(d):
        sec, frac, incl, _ = struct.unpack("<IIII", d[off:off + 16])
        yield sec * 10**9 + (frac if ns else frac * 1000), d[off + 16:off + 16 + incl]
        off += 16 + incl


def main():
    path, run_id, start, min_frames = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    fixed = sys.argv[5:] == ["fixed"]
    fails, n, last_seq, last_tx = [], 0, -1, 0
    for ts, f in frames(path):
        n += 1
        ip, udp = f[14:34], f[34:]
        ulen = struct.unpack("!H", udp[4:6])[0]
        udp = udp[:ulen]
        if csum(ip) != 0:
            fails.append("frame %d: IPv4 header checksum wrong" % n)
        pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, ulen)
        if csum(pseudo + udp) != 0:
            fails.append("frame %d: UDP checksum wrong" % n)
        t = udp[-28:]
        magic, run, stream, seq, tx = struct.unpack("!IIIQQ", t)
        if magic != 0x58445052 or run != run_id or stream != 0:
            fails.append("frame %d: trailer magic %#x run %d stream %d (want XDPR %d 0)" % (n, magic, run, run_id, stream))
        if seq <= last_seq:
            fails.append("frame %d: sequence %d after %d" % (n, seq, last_seq))
        sport = struct.unpack("!H", udp[0:2])[0]
        want = 1000 if fixed else 1000 + seq % 1000
        if sport != want:
            fails.append("frame %d: source port %d for sequence %d (want %d)" % (n, sport, seq, want))
        if tx < last_tx or tx < start or tx > ts + 1000:
            fails.append("frame %d: send time %d (previous %d, run start %d, captured %d)" % (n, tx, last_tx, start, ts))
        last_seq, last_tx = seq, tx
    if n < min_frames:
        fails.append("%d frames captured, want at least %d" % (n, min_frames))
    for l in fails[:10]:
        print("FAIL: %s: %s" % (path, l))
    print("%s: %d frames checked, %d problems" % (path, n, len(fails)))
    return 1 if fails else 0


sys.exit(main())

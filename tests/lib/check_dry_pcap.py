"""Checks the frames an XDPERF_XDP_DRY_OUT pcap holds (each the last frame of one dry
BPF_PROG_RUN call of the XDP transmit program, stamped with CLOCK_TAI after the call) for
tests/cases/tx_xdp_dry.sh: IPv4 header and UDP checksums valid, a version 2 trailer with the
run identity given, stream 0, sequence numbers rising, the UDP source port 1000 + sequence mod
1000 (the template's increment modifier; with "fixed": 1000 always; with "random": from 1000 to
1999, and not the same in every frame), send times rising (by the
same 1 ms tolerance as below), after
START_TAI_NS and not more than 1 ms after the capture time (the block clock of
src/bpf/xdperf_stamp_clock.h extrapolates up to 15 frames from a read with the fastest gap of
the call, so under load a stamp may run microseconds ahead; a wrong clock or offset is seconds
off).
With ref=REF.pcap (the set's frames as `xdperf --output` writes them, unstamped; a set whose
templates have different lengths, template t the t-th shortest, as --imix makes them): each
frame equals REF's frame of its length outside the trailer and the UDP checksum, carries its
template's stream, the sequence numbers rise per stream, and every length shows up.
Usage: check_dry_pcap.py FILE RUN_ID START_TAI_NS MIN_FRAMES [fixed|random] [ref=REF.pcap]
(prints FAIL lines; exit 1)"""
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


def masked(f):
    """f with its UDP checksum and its 28-byte trailer zeroed (IPv4, no options, no VLAN)."""
    b = bytearray(f)
    b[40:42] = b"\0\0"
    b[-28:] = bytes(28)
    return bytes(b)


def main():
    path, run_id, start, min_frames = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    opts = sys.argv[5:]
    fixed = "fixed" in opts
    rand = "random" in opts
    ports = set()
    refs = {}  # frame length -> (frame with trailer and UDP checksum zeroed, stream)
    for o in opts:
        if o.startswith("ref="):
            for _, r in frames(o[4:]):
                refs[len(r)] = masked(r)
            refs = {l: (refs[l], i) for i, l in enumerate(sorted(refs))}
            if not refs:
                print("FAIL: %s holds no frame" % o[4:])
                return 1
    fails, n, last_tx, last_seq = [], 0, 0, {}
    lengths = {}
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
        want_stream = 0
        if refs:
            lengths[len(f)] = lengths.get(len(f), 0) + 1
            if len(f) not in refs:
                fails.append("frame %d: %d bytes, no template that long" % (n, len(f)))
            elif masked(f) != refs[len(f)][0]:
                fails.append("frame %d: %d bytes, differs from its template outside the trailer" % (n, len(f)))
            else:
                want_stream = refs[len(f)][1]
        if magic != 0x58445052 or run != run_id or stream != want_stream:
            fails.append("frame %d: trailer magic %#x run %d stream %d (want XDPR %d %d)" % (n, magic, run, stream, run_id, want_stream))
        if seq <= last_seq.get(stream, -1):
            fails.append("frame %d: sequence %d after %d" % (n, seq, last_seq[stream]))
        sport = struct.unpack("!H", udp[0:2])[0]
        ports.add(sport)
        want = 1000 if fixed else 1000 + seq % 1000
        if rand and not 1000 <= sport <= 1999:
            fails.append("frame %d: source port %d (want 1000-1999)" % (n, sport))
        elif not rand and sport != want:
            fails.append("frame %d: source port %d for sequence %d (want %d)" % (n, sport, seq, want))
        if tx + 1000000 < last_tx or tx < start or tx > ts + 1000000:
            fails.append("frame %d: send time %d (previous %d, run start %d, captured %d)" % (n, tx, last_tx, start, ts))
        last_seq[stream], last_tx = seq, tx
    if rand and n > 1 and len(ports) < 2:
        fails.append("random: every frame has source port %s" % sorted(ports))
    if refs and len(lengths) < len(refs):
        fails.append("frames of %d lengths captured (%s), want all %d" % (len(lengths), sorted(lengths), len(refs)))
    if n < min_frames:
        fails.append("%d frames captured, want at least %d" % (n, min_frames))
    for l in fails[:10]:
        print("FAIL: %s: %s" % (path, l))
    print("%s: %d frames checked, %d problems" % (path, n, len(fails)))
    return 1 if fails else 0


sys.exit(main())

"""The imixudp plugin's frames against its rules, computed here independently (for
tests/cases/plugin_imixudp.sh).

  plugin_imixudp_check.py check PCAP TSHARK.tsv CONFIG.json COUNT [--weights]
        every frame of PCAP (and tshark's decoding of it, TSHARK.tsv: the fields FIELDS below,
        tab-separated, one line per frame, ip/udp checksum checks on) against CONFIG:
          - the frame lengths and their counts: the variants' shares floor(COUNT * w / W)
            (remainder to the large variant; a weight 0 counts as 1), each spread evenly over
            the variant's lengths in order (64..84, 500..600, 1500; the first lengths get the
            remainder); with --weights (the plugin asked for count 0, the shares come from its
            metadata.imix weights w * 2121 / lengths) COUNT must be a whole number of send
            cycles and each length gets its weight's share of it exactly
          - every header field (MACs, IPv4 version/IHL/TOS/length/id/flags/TTL/protocol,
            addresses, UDP ports and length) and the payload bytes (i % 256 below
            payload_size, then zeros)
          - the walks: the j-th frame of length 64 + t has source port 1024 + (t + 21 j) mod 101
            (the Go plugin's k-th short packet has port 1024 + k mod 101, k = t + 21 j);
            of length 500 + t, port 2000 + t; the j-th 1500-byte frame source address
            192.168.1.(1 + j mod 254) and port src_port
          - the IPv4 header and UDP checksums, recomputed here, and tshark's verdict on both
            (status 1 = good) and its decoding of every field above
  plugin_imixudp_check.py cycle CONFIG.json
        the frames in one send cycle of the --weights case (the sum of the per-length weights
        over their common divisor)
Exit 0 when everything matches; one line per problem otherwise (at most 20)."""
import collections
import functools
import json
import math
import struct
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import pcapread  # noqa: E402

FIELDS = ["frame.len", "eth.dst", "eth.src", "ip.version", "ip.hdr_len", "ip.dsfield", "ip.len",
          "ip.id", "ip.flags", "ip.frag_offset", "ip.ttl", "ip.proto", "ip.src", "ip.dst",
          "ip.checksum.status", "udp.srcport", "udp.dstport", "udp.length", "udp.checksum.status"]
VARIANTS = [(64, 84), (500, 600), (1500, 1500)]
LCM = 21 * 101


def config(path):
    c = json.load(open(path))
    return {
        "src_ip": c.get("src_ip", "192.168.1.1"),
        "dst_ip": c.get("dst_ip", "192.168.1.2"),
        "dst_mac": c.get("dst_mac", "ff:ff:ff:ff:ff:ff").lower(),
        "src_mac": c.get("src_mac", "00:00:00:00:00:00").lower(),
        "src_port": c.get("src_port", 1234),
        "dst_port": c.get("dst_port", 5678),
        "payload_size": c.get("payload_size", 1024),
        "w": [max(1, x) for x in c.get("imix_ratio", [60, 34, 6])],
    }


def lengths(v):
    lo, hi = VARIANTS[v]
    return list(range(lo, hi + 1))


def expected_counts(c, count, weights):
    """{frame length: packets}"""
    out = {}
    if weights:
        tw = {}
        for v in range(3):
            for L in lengths(v):
                tw[L] = c["w"][v] * (LCM // len(lengths(v)))
        g = functools.reduce(math.gcd, tw.values())
        cycle = sum(x // g for x in tw.values())
        if count % cycle:
            raise SystemExit(f"FAIL: count {count} is not a whole number of {cycle}-frame cycles")
        return {L: x // g * (count // cycle) for L, x in tw.items()}
    W = sum(c["w"])
    share = [count * c["w"][0] // W, count * c["w"][1] // W]
    share.append(count - share[0] - share[1])
    for v in range(3):
        ls = lengths(v)
        m = len(ls)
        for t, L in enumerate(ls):
            n = share[v] // m + (1 if t < share[v] % m else 0)
            if n:
                out[L] = n
    return out


def csum(b, init=0):
    if len(b) % 2:
        b += b"\0"
    s = init + sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def expected_frame(c, L, j):
    """The j-th frame of length L: its bytes (checksums filled) and (src ip, src port)."""
    if L <= 84:
        sip, sport = c["src_ip"], 1024 + (L - 64 + 21 * j) % 101
    elif L <= 600:
        sip, sport = c["src_ip"], 2000 + (L - 500)
    else:
        sip, sport = "192.168.1.%d" % (1 + j % 254), c["src_port"]
    n = L - 42
    pl = bytes((i % 256) if i < c["payload_size"] else 0 for i in range(n))
    udp = bytearray(struct.pack("!HHHH", sport, c["dst_port"], 8 + n, 0) + pl)
    ph = csum(ip4(sip) + ip4(c["dst_ip"])) + 17 + len(udp)
    u = 0xFFFF ^ csum(bytes(udp), ph)
    struct.pack_into("!H", udp, 6, u or 0xFFFF)
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                               ip4(sip), ip4(c["dst_ip"])))
    struct.pack_into("!H", ip, 10, 0xFFFF ^ csum(bytes(ip)))
    f = mac(c["dst_mac"]) + mac(c["src_mac"]) + b"\x08\x00" + bytes(ip) + bytes(udp)
    return f, sip, sport


def check(pcap, tsv, cfg, count, weights):
    c = config(cfg)
    probs = []
    frames = [f for _, f in pcapread.frames(pcap)]
    rows = [ln.rstrip("\n").split("\t") for ln in open(tsv) if ln.strip()]
    if len(frames) != count:
        probs.append(f"{len(frames)} frames, want {count}")
    if len(rows) != len(frames):
        probs.append(f"tshark decoded {len(rows)} frames of {len(frames)}")
    want = expected_counts(c, count, weights)
    got = collections.Counter(len(f) for f in frames)
    if dict(got) != want:
        bad = sorted(L for L in set(got) | set(want) if got.get(L, 0) != want.get(L, 0))
        probs.append("frame lengths: " + ", ".join(f"{L}: {got.get(L, 0)} (want {want.get(L, 0)})"
                                                   for L in bad[:8]))
    per = collections.Counter()
    for i, f in enumerate(frames):
        L = len(f)
        j = per[L]
        per[L] += 1
        exp, sip, sport = expected_frame(c, L, j)
        if f != exp:
            k = next((k for k in range(min(len(f), len(exp))) if f[k] != exp[k]), min(len(f), len(exp)))
            probs.append(f"frame {i + 1} ({L} bytes, #{j} of its length): differs from the rules "
                         f"at byte {k} (got {f[k:k + 4].hex()}, want {exp[k:k + 4].hex()})")
        if i < len(rows):
            r = dict(zip(FIELDS, rows[i]))
            w = {"frame.len": str(L), "eth.dst": c["dst_mac"], "eth.src": c["src_mac"],
                 "ip.version": "4", "ip.hdr_len": "20", "ip.dsfield": "0x00", "ip.len": str(L - 14),
                 "ip.id": "0x0000", "ip.flags": "0x00", "ip.frag_offset": "0", "ip.ttl": "64",
                 "ip.proto": "17", "ip.src": sip, "ip.dst": c["dst_ip"], "ip.checksum.status": "1",
                 "udp.srcport": str(sport), "udp.dstport": str(c["dst_port"]),
                 "udp.length": str(L - 34), "udp.checksum.status": "1"}
            d = [f"{k} {r.get(k)!r} (want {v!r})" for k, v in w.items() if r.get(k) != v]
            if d:
                probs.append(f"frame {i + 1}: tshark: " + "; ".join(d))
        if len(probs) > 20:
            break
    for p in probs[:20]:
        print("FAIL:", p)
    if probs:
        return 1
    short = sum(n for L, n in got.items() if L <= 84)
    mid = sum(n for L, n in got.items() if 500 <= L <= 600)
    print(f"ok: {len(frames)} frames: {short} short, {mid} mid, {got.get(1500, 0)} large "
          f"over {len(got)} lengths; every field, walk and checksum as configured")
    return 0


def main():
    if sys.argv[1] == "check":
        return check(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), "--weights" in sys.argv)
    if sys.argv[1] == "cycle":
        c = config(sys.argv[2])
        tw = [c["w"][v] * (LCM // len(lengths(v))) for v in range(3) for _ in lengths(v)]
        g = functools.reduce(math.gcd, tw)
        print(sum(x // g for x in tw))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())

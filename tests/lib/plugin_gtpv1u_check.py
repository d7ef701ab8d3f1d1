"""Checks a pcap written by the gtpv1u plugin against the plugin's rules, computed here
independently (used by tests/cases/plugin_gtpv1u.sh):

    plugin_gtpv1u_check.py PCAP CFG.json COUNT

CFG.json is the plugin configuration ({} = every default). The rules (the Go xdperf's gtpv1u):
  Ethernet | IPv4 | UDP (dst 2152) | GTP-U (flags 0x30 | E 0x04 | S 0x02, type 0xff, length,
  TEID; with E or S: seq 0, N-PDU 0, next type 0x85 (E) or 0; with E: PDU Session Container
  01, PDU type << 4, RQI (DL only) << 6 | QFI, 00) | inner IPv4 | UDP (checksum 0 unless
  inner_udp_checksum) or ICMP echo request (id 0x1234, seq 1) | payload byte i = i % 256;
  both IPv4 headers: TTL 64, id 0, no flags. One template per usable imix size (>= the
  smallest frame; weights by position, missing = 1, 0 counting as 1), sent interleaved by weight
  (each run of W = sum of weights frames holds w of each size); every template walks its own
  TEID / QFI / inner source port sequence, start..end then start again.
Every frame must equal the model byte for byte; then tshark dissects every frame and each field
(addresses, ports, lengths, GTP flags, TEID, sequence number, PSC PDU type / RQI / QFI, inner
IPv4 / UDP / ICMP, payload length) must have the model's value, and every checksum tshark checks
(outer and inner IPv4 headers, outer UDP, inner UDP when present, ICMP) must be good.
Prints one summary line; FAIL lines and exit 1 on a mismatch."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapread  # noqa: E402

DEFAULTS = {
    "src_ip": "10.0.0.1", "dst_ip": "10.0.0.2", "dst_mac": "ff:ff:ff:ff:ff:ff",
    "src_mac": "00:00:00:00:00:00",  # pcap output: the device MAC is all zero
    "src_port": 2152, "teid_start": 1, "teid_end": 1, "enable_psc": True, "enable_seq": False,
    "pdu_type": "dl", "rqi": False, "qfi_start": 9, "qfi_end": 9, "inner_proto": "udp",
    "inner_udp_checksum": False, "inner_src_ip": "192.168.0.1", "inner_dst_ip": "192.168.0.2",
    "inner_src_port": 1024, "inner_dst_port": 5060, "vary_inner_port": False,
    "imix_sizes": [128, 768, 1400], "imix_weights": [7, 2, 1],
}

fails = []


def fail(msg):
    if len(fails) < 20:
        print("FAIL:", msg)
    fails.append(msg)


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_csum(src, dst, seg):
    c = csum(src + dst + bytes([0, 17]) + len(seg).to_bytes(2, "big") + seg)
    return c or 0xFFFF


def ipv4(src, dst, proto, total):
    h = bytearray([0x45, 0]) + total.to_bytes(2, "big") + bytes([0, 0, 0, 0, 64, proto, 0, 0])
    h += src + dst
    h[10:12] = csum(bytes(h)).to_bytes(2, "big")
    return bytes(h)


class Model:
    def __init__(self, cfg):
        c = dict(DEFAULTS)
        c.update(cfg)
        self.c = c
        self.psc, self.seq = c["enable_psc"], c["enable_seq"]
        self.ul = c["pdu_type"].lower() == "ul"
        self.icmp = c["inner_proto"].lower() == "icmp"
        self.gtp_len = 8 + (4 if self.psc or self.seq else 0) + (4 if self.psc else 0)
        self.min_len = 42 + self.gtp_len + 28
        w = c["imix_weights"]
        self.sizes, self.weights = [], []
        for i, s in enumerate(c["imix_sizes"]):
            wt = (w[i] if i < len(w) else 1) or 1  # weight 0 counts as 1
            if s >= self.min_len:
                self.sizes.append(s)
                self.weights.append(wt)

    def walk(self, lo, hi, j):
        return lo + j % (hi - lo + 1) if hi > lo else lo

    def values(self, j):
        """TEID, QFI and inner source port of the j-th frame of a template."""
        c = self.c
        teid = self.walk(c["teid_start"], c["teid_end"], j)
        qfi = self.walk(c["qfi_start"], c["qfi_end"], j) if self.psc else None
        sp = c["inner_src_port"]
        if c["vary_inner_port"] and not self.icmp:
            sp = self.walk(sp, 65535, j)
        return teid, qfi, sp

    def frame(self, size, j):
        c = self.c
        teid, qfi, sp = self.values(j)
        inner_total = size - 42 - self.gtp_len
        l4len = inner_total - 20
        payload = bytes(i % 256 for i in range(l4len - 8))
        isrc, idst = ip4(c["inner_src_ip"]), ip4(c["inner_dst_ip"])
        if self.icmp:
            l4 = bytearray([8, 0, 0, 0, 0x12, 0x34, 0, 1]) + payload
            l4[2:4] = csum(bytes(l4)).to_bytes(2, "big")
            inner = ipv4(isrc, idst, 1, inner_total) + bytes(l4)
        else:
            l4 = bytearray(sp.to_bytes(2, "big") + c["inner_dst_port"].to_bytes(2, "big") +
                           l4len.to_bytes(2, "big") + b"\0\0") + payload
            if c["inner_udp_checksum"]:
                l4[6:8] = udp_csum(isrc, idst, bytes(l4)).to_bytes(2, "big")
            inner = ipv4(isrc, idst, 17, inner_total) + bytes(l4)
        flags = 0x30 | (0x04 if self.psc else 0) | (0x02 if self.seq else 0)
        gtp = bytes([flags, 0xFF]) + (size - 42 - 8).to_bytes(2, "big") + teid.to_bytes(4, "big")
        if self.psc or self.seq:
            gtp += bytes([0, 0, 0, 0x85 if self.psc else 0])
        if self.psc:
            rqi = 0x40 if c["rqi"] and not self.ul else 0
            gtp += bytes([1, 0x10 if self.ul else 0, rqi | qfi, 0])
        src, dst = ip4(c["src_ip"]), ip4(c["dst_ip"])
        udp = bytearray(c["src_port"].to_bytes(2, "big") + (2152).to_bytes(2, "big") +
                        (size - 34).to_bytes(2, "big") + b"\0\0") + gtp + inner
        udp[6:8] = udp_csum(src, dst, bytes(udp)).to_bytes(2, "big")
        eth = mac(c["dst_mac"]) + mac(c["src_mac"]) + b"\x08\x00"
        return eth + ipv4(src, dst, 17, size - 14) + bytes(udp)

    def fields(self, size, j):
        """What tshark should show (aggregated occurrences joined with ',')."""
        c = self.c
        teid, qfi, sp = self.values(j)
        inner_total = size - 42 - self.gtp_len
        f = {
            "frame.len": str(size), "eth.src": c["src_mac"], "eth.dst": c["dst_mac"],
            "ip.src": c["src_ip"] + "," + c["inner_src_ip"],
            "ip.dst": c["dst_ip"] + "," + c["inner_dst_ip"],
            "ip.len": "%d,%d" % (size - 14, inner_total), "ip.ttl": "64,64",
            "ip.id": "0x0000,0x0000", "ip.flags": "0x00,0x00",
            "ip.proto": "17," + ("1" if self.icmp else "17"), "ip.checksum.status": "1,1",
            "gtp.flags.version": "1", "gtp.flags.payload": "1",
            "gtp.flags.e": "1" if self.psc else "0", "gtp.flags.s": "1" if self.seq else "0",
            "gtp.flags.pn": "0", "gtp.message": "0xff", "gtp.length": str(size - 50),
            "gtp.teid": "0x%08x" % teid,
            "gtp.seq_number": "0x0000" if self.seq else None,
            "gtp.ext_hdr.pdu_ses_con.pdu_type": ("1" if self.ul else "0") if self.psc else "",
            "gtp.ext_hdr.pdu_ses_cont.rqi":
                ("1" if c["rqi"] else "0") if self.psc and not self.ul else "",
            "gtp.ext_hdr.pdu_ses_con.qos_flow_id": str(qfi) if self.psc else "",
            "gtp.ext_hdr.length": "1" if self.psc else "",
            "data.len": str(inner_total - 28) if inner_total > 28 else "",
        }
        if self.icmp:
            f.update({"udp.srcport": str(c["src_port"]), "udp.dstport": "2152",
                      "udp.length": str(size - 34), "udp.checksum.status": "1",
                      "icmp.type": "8", "icmp.code": "0", "icmp.ident": "4660", "icmp.seq": "1",
                      "icmp.checksum.status": "1"})
        else:
            f.update({"udp.srcport": "%d,%d" % (c["src_port"], sp),
                      "udp.dstport": "2152,%d" % c["inner_dst_port"],
                      "udp.length": "%d,%d" % (size - 34, inner_total - 20),
                      "udp.checksum.status": "1," + ("1" if c["inner_udp_checksum"] else "3"),
                      "icmp.type": ""})
        return f


def main():
    pcap, cfgp, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    m = Model(json.load(open(cfgp)))
    frames = [f for _, f in pcapread.frames(pcap)]
    if len(frames) != count:
        fail("%d frames, want %d" % (len(frames), count))
    W = sum(m.weights)
    # shares: every whole cycle of W frames holds w of each size
    for k in range(0, len(frames) - W + 1, W):
        got = [len(f) for f in frames[k:k + W]]
        for s, w in zip(m.sizes, m.weights):
            if got.count(s) != w:
                fail("frames %d..%d: %d of %d bytes, want %d (sizes %s)" % (
                    k + 1, k + W, got.count(s), s, w, got))
                break
    seen = {s: 0 for s in m.sizes}
    want_fields = []
    for i, f in enumerate(frames):
        if len(f) not in seen:
            fail("frame %d: %d bytes, not one of the sizes %s" % (i + 1, len(f), m.sizes))
            want_fields.append(None)
            continue
        j = seen[len(f)]
        seen[len(f)] += 1
        exp = m.frame(len(f), j)
        if f != exp:
            d = next(k for k in range(len(f)) if f[k] != exp[k])
            fail("frame %d (%d bytes, #%d of its size): differs from the model at byte %d: "
                 "%s vs %s" % (i + 1, len(f), j, d, f[d:d + 8].hex(), exp[d:d + 8].hex()))
        want_fields.append(m.fields(len(f), j))
    if count % W == 0 and seen != {s: count // W * w for s, w in zip(m.sizes, m.weights)}:
        fail("per-size counts %s, want count * w / W of each" % seen)

    keys = list(m.fields(m.sizes[0], 0).keys())
    for k in ("icmp.type", "icmp.code", "icmp.ident", "icmp.seq", "icmp.checksum.status"):
        if k not in keys:
            keys.append(k)
    cmd = ["tshark", "-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
           "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"]
    for k in keys:
        cmd += ["-e", k]
    cmd += ["-e", "_ws.malformed"]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()
    if len(out) != len(frames):
        fail("tshark dissected %d frames, want %d" % (len(out), len(frames)))
    checked = 0
    for i, line in enumerate(out[:len(frames)]):
        vals = line.split("|")
        got = dict(zip(keys, vals))
        want = want_fields[i]
        if want is None:
            continue
        if vals[len(keys)]:
            fail("frame %d: tshark finds it malformed" % (i + 1))
        for k, v in want.items():
            if v is None:
                continue
            if got.get(k, "") != v:
                fail("frame %d: %s = %r, want %r" % (i + 1, k, got.get(k, ""), v))
            checked += 1
    if fails:
        print("%d mismatches" % len(fails))
        return 1
    print("ok: %d frames, sizes %s, %d tshark field values and every checksum as the model" % (
        len(frames), dict(seen), checked))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Checks the variety plugin's output against its documented behaviour (plugins/variety.c,
docs/plugins/variety.md), restated here independently of the plugin:

  plugin_variety_check.py check PCAP CFG.json COUNT SRC_MAC   frames decoded with tshark
  plugin_variety_check.py meta RESP.json CFG.json COUNT          `plugin run --json` response

check: every frame is classified by its decoded headers into a kind (and for tcp SYN or PSH+ACK);
the number of frames of each template must be its share of COUNT (count * w / W, the remainder
to the first template); the k-th frame of a template must carry exactly the configured (or
default) addresses, ports, identifiers and the k-th value of every walk; every checksum tshark
can verify (IPv4 headers, UDP, TCP, ICMP, ICMPv6; the inner ones of the VPN kinds) must be
valid and present. Payload bytes are read from the pcap itself (tests/lib/pcapread.py).
Prints one summary line per kind; "FAIL: ..." lines (at most 40) and exit 1 on a mismatch."""
import ipaddress
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapread  # noqa: E402

KINDS = ["ipv4_udp", "ipv6_udp", "vlan", "qinq", "icmpv4", "icmpv6", "tcp", "raw", "arp",
         "eapol", "lldp", "l2vpn", "l3vpn", "l2vpn_srv6", "l3vpn_srv6"]
LENGTH = {"ipv4_udp": 64, "ipv6_udp": 78, "vlan": 68, "qinq": 72, "icmpv4": 64, "icmpv6": 78,
          "tcp/syn": 64, "tcp/psh_ack": 64, "raw": 64, "arp": 64, "eapol": 64, "lldp": 64,
          "l2vpn": 80, "l3vpn": 66, "l2vpn_srv6": 150, "l3vpn_srv6": 136}

FIELDS = """frame.number frame.len frame.protocols eth.dst eth.src eth.type
ip.hdr_len ip.dsfield ip.len ip.id ip.flags ip.frag_offset ip.ttl ip.proto ip.src ip.dst
ip.checksum.status udp.srcport udp.dstport udp.length udp.checksum.status
ipv6.version ipv6.tclass ipv6.flow ipv6.plen ipv6.nxt ipv6.hlim ipv6.src ipv6.dst
ipv6.routing.nxt ipv6.routing.len ipv6.routing.type ipv6.routing.segleft
ipv6.routing.srh.last_entry ipv6.routing.srh.flags ipv6.routing.srh.tag ipv6.routing.srh.addr
vlan.id vlan.priority vlan.dei vlan.etype ieee8021ad.id ieee8021ad.priority ieee8021ad.dei
icmp.type icmp.code icmp.ident icmp.seq icmp.checksum.status
icmpv6.type icmpv6.code icmpv6.echo.identifier icmpv6.echo.sequence_number icmpv6.checksum.status
tcp.srcport tcp.dstport tcp.seq_raw tcp.ack_raw tcp.flags tcp.hdr_len tcp.window_size_value
tcp.urgent_pointer tcp.len tcp.checksum.status
arp.hw.type arp.proto.type arp.hw.size arp.proto.size arp.opcode arp.src.hw_mac arp.src.proto_ipv4
arp.dst.hw_mac arp.dst.proto_ipv4 eapol.version eapol.type eapol.len
lldp.chassis.subtype lldp.chassis.id.mac lldp.port.subtype lldp.port.id lldp.time_to_live
mpls.label mpls.exp mpls.bottom mpls.ttl""".split()

fails = []


def fail(msg):
    fails.append(msg)


def mac(b):
    return ":".join("%02x" % x for x in b)


def parse_mac(s):
    return bytes(int(x, 16) for x in s.replace("-", ":").split(":"))


def ip4(s):
    return int(ipaddress.IPv4Address(s))


def ip6(s):
    return int(ipaddress.IPv6Address(s))


def num(s):
    return int(s, 0)


def vlan_range(cfg, key):
    v = cfg.get(key, "1-4094")
    if isinstance(v, int):
        return v, v
    a, _, b = v.partition("-")
    return int(a), int(b or a)


# ---- the model: templates, shares, defaults ----------------------------------------------------

def model(cfg, count):
    protos = cfg.get("protocols") or []
    times = {}
    order = []
    if not protos or any(p.lower() == "all" for p in protos):
        order, times = list(KINDS), {k: 1 for k in KINDS}
    else:
        for p in protos:
            k = p.lower()
            if k not in KINDS:
                continue
            if k not in times:
                order.append(k)
                times[k] = 0
            times[k] += 1
    weights = cfg.get("weights", {})
    tmpl = []  # (name, weight)
    for k in order:
        w = times[k] * weights.get(k, 1)
        if w == 0:
            continue
        if k == "tcp":
            tmpl += [("tcp/syn", w), ("tcp/psh_ack", w)]
        else:
            tmpl.append((k, w))
    W = sum(w for _, w in tmpl)
    shares = [count * w // W for _, w in tmpl] if count else [w for _, w in tmpl]
    if count:
        shares[0] += count - sum(shares)
    return [(n, w, s) for (n, w), s in zip(tmpl, shares)]


def settings(cfg, src_mac):
    return {
        "src_mac": parse_mac(src_mac),
        "dst_mac": parse_mac(cfg.get("dst_mac", "ff:ff:ff:ff:ff:ff")),
        "src4": cfg.get("src_ip", "192.168.1.1"), "dst4": cfg.get("dst_ip", "192.168.1.2"),
        "src6": cfg.get("src_ipv6", "2001:db8::1"), "dst6": cfg.get("dst_ipv6", "2001:db8::2"),
        "sport": int(cfg.get("src_port", 1234)), "dport": int(cfg.get("dst_port", 5678)),
        "vlan": vlan_range(cfg, "vlan_id"), "outer": vlan_range(cfg, "qinq_outer_vlan_id"),
        "inner": vlan_range(cfg, "qinq_inner_vlan_id"),
    }


# ---- tshark ----------------------------------------------------------------------------------

def tshark(pcap, dport, extra):
    cmd = ["tshark", "-r", pcap, "-n", "-d", "udp.port==%d,data" % dport,
           "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
           "-o", "tcp.check_checksum:TRUE", "-o", "tcp.analyze_sequence_numbers:FALSE",
           "-T", "fields", "-E", "aggregator=|", "-E", "occurrence=a"] + extra
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                         check=True).stdout
    rows = []
    for line in out.splitlines():
        vals = line.split("\t")
        vals += [""] * (len(FIELDS) - len(vals))
        rows.append({f: (v.split("|") if v else []) for f, v in zip(FIELDS, vals)})
    return rows


def one(r, f, i=0):
    v = r[f]
    return v[i] if len(v) > i else None


def classify(r):
    et = num(one(r, "eth.type") or "0")
    if et == 0x0800:
        p = one(r, "ip.proto")
        if p == "17":
            return "ipv4_udp"
        if p == "1":
            return "icmpv4"
        if p == "6":
            return {0x002: "tcp/syn", 0x018: "tcp/psh_ack"}.get(num(one(r, "tcp.flags") or "0"), "tcp/?")
    if et == 0x86DD:
        n = one(r, "ipv6.nxt")
        if n == "17":
            return "ipv6_udp"
        if n == "58":
            return "icmpv6"
        if n == "43":
            return {"143": "l2vpn_srv6", "4": "l3vpn_srv6"}.get(one(r, "ipv6.routing.nxt"), "srv6/?")
    if et == 0x8847:
        return "l3vpn" if ":ip:" in one(r, "frame.protocols") + ":" else "l2vpn"
    return {0x8100: "vlan", 0x88A8: "qinq", 0x9000: "raw", 0x0806: "arp", 0x888E: "eapol",
            0x88CC: "lldp"}.get(et, "unknown 0x%04x" % et)


# ---- per-frame checks --------------------------------------------------------------------------

class Frame:
    def __init__(self, name, k, r, raw):
        self.name, self.k, self.r, self.raw = name, k, r, raw

    def eq(self, field, want, conv=str, idx=0):
        got = one(self.r, field, idx)
        try:
            ok = got is not None and conv(got) == want
        except ValueError:
            ok = False
        if not ok:
            shown = {ip4: lambda v: ipaddress.IPv4Address(v), ip6: lambda v: ipaddress.IPv6Address(v),
                     num: hex}.get(conv, lambda v: v)(want)
            fail("%s #%d (frame %s): %s[%d] = %s, want %s" % (self.name, self.k, one(self.r, "frame.number"),
                                                             field, idx, got, shown))

    def all_eq(self, field, want, n):
        got = self.r[field]
        if got != [want] * n:
            fail("%s #%d (frame %s): %s = %s, want %d x %s" % (self.name, self.k, one(self.r, "frame.number"),
                                                              field, "|".join(got) or "(none)", n, want))


def check_ip4(f, s, proto, total, idx=0, ttl=64, tos=0, src=None):
    f.eq("ip.hdr_len", 20, int, idx)
    f.eq("ip.dsfield", tos, num, idx)
    f.eq("ip.len", total, int, idx)
    f.eq("ip.id", 0, num, idx)
    f.eq("ip.flags", 0, num, idx)
    f.eq("ip.frag_offset", 0, int, idx)
    f.eq("ip.ttl", ttl, int, idx)
    f.eq("ip.proto", proto, int, idx)
    f.eq("ip.src", ip4(src or s["src4"]), ip4, idx)
    f.eq("ip.dst", ip4(s["dst4"]), ip4, idx)


def check_udp(f, s, length):
    f.eq("udp.srcport", 1024 + f.k % 64512, int)
    f.eq("udp.dstport", s["dport"], int)
    f.eq("udp.length", length, int)
    f.all_eq("udp.checksum.status", "1", 1)


def check_payload(f, off, n, mod=None):
    want = bytearray(i % 256 for i in range(n))
    if mod:
        moff, mlen, val = mod
        want[moff:moff + mlen] = val.to_bytes(mlen, "big")
    got = f.raw[off:off + n]
    if got != want:
        fail("%s #%d: payload at %d = %s, want %s" % (f.name, f.k, off, got.hex(), want.hex()))


def check_pad(f, off):
    if any(f.raw[off:]):
        fail("%s #%d: padding from byte %d is not zero: %s" % (f.name, f.k, off, f.raw[off:].hex()))


def check_frame(f, s):
    n, k, r = f.name, f.k, f.r
    f.eq("frame.len", LENGTH[n], int)
    # Ethernet
    dst = s["dst_mac"]
    if n == "ipv4_udp":
        dst = bytes([0, 0x11, 0x22, 0x33, 0x44, 0x55 + k % 171])
    elif n == "arp":
        dst = b"\xff" * 6
    elif n == "lldp":
        dst = bytes([0x01, 0x80, 0xC2, 0, 0, 0x0E])
    src = s["src_mac"]
    if n in ("eapol", "lldp"):
        src = src[:4] + (k % 65536).to_bytes(2, "big")
    f.eq("eth.dst", mac(dst))
    f.eq("eth.src", mac(src))
    et = {"ipv4_udp": 0x0800, "icmpv4": 0x0800, "tcp/syn": 0x0800, "tcp/psh_ack": 0x0800,
          "ipv6_udp": 0x86DD, "icmpv6": 0x86DD, "l2vpn_srv6": 0x86DD, "l3vpn_srv6": 0x86DD,
          "vlan": 0x8100, "qinq": 0x88A8, "raw": 0x9000, "arp": 0x0806, "eapol": 0x888E,
          "lldp": 0x88CC, "l2vpn": 0x8847, "l3vpn": 0x8847}[n]
    f.eq("eth.type", et, num)

    if n == "ipv4_udp":
        check_ip4(f, s, 17, 50, ttl=64 + k % 65, tos=k % 64, src="192.168.1.%d" % (1 + k % 254))
        f.all_eq("ip.checksum.status", "1", 1)
        check_udp(f, s, 30)
        check_payload(f, 42, 22, (1, 8, 1 + k % 255))
    elif n == "ipv6_udp":
        f.eq("ipv6.version", 6, int)
        f.eq("ipv6.tclass", 0, num)
        f.eq("ipv6.flow", 0, num)
        f.eq("ipv6.plen", 24, int)
        f.eq("ipv6.hlim", 32 + k % 97, int)
        f.eq("ipv6.src", (ip6(s["src6"]) >> 64 << 64) | (1 + k % 255), ip6)
        f.eq("ipv6.dst", ip6(s["dst6"]), ip6)
        check_udp(f, s, 24)
        check_payload(f, 62, 16)
    elif n in ("vlan", "qinq"):
        def walk(rg):
            return rg[0] + k % (rg[1] - rg[0] + 1)
        if n == "vlan":
            f.eq("vlan.id", walk(s["vlan"]), int)
            f.eq("vlan.priority", 0, int)
            f.eq("vlan.dei", 0, int)
            ipo = 18
        else:
            f.eq("ieee8021ad.id", walk(s["outer"]), int)
            f.eq("ieee8021ad.priority", 0, int)
            f.eq("ieee8021ad.dei", 0, int)
            f.eq("vlan.id", walk(s["inner"]), int)
            f.eq("vlan.priority", 0, int)
            f.eq("vlan.dei", 0, int)
            ipo = 22
        f.eq("vlan.etype", 0x0800, num)
        check_ip4(f, s, 17, 50)
        f.all_eq("ip.checksum.status", "1", 1)
        check_udp(f, s, 30)
        check_payload(f, ipo + 28, 22)
    elif n == "icmpv4":
        check_ip4(f, s, 1, 50)
        f.all_eq("ip.checksum.status", "1", 1)
        f.eq("icmp.type", 8, int)
        f.eq("icmp.code", 0, int)
        f.eq("icmp.ident", 1 + k % 65535, num)
        f.eq("icmp.seq", 1 + k % 65535, num)
        f.all_eq("icmp.checksum.status", "1", 1)
        check_payload(f, 42, 22)
    elif n == "icmpv6":
        f.eq("ipv6.plen", 24, int)
        f.eq("ipv6.nxt", 58, int)
        f.eq("ipv6.hlim", 64, int)
        f.eq("ipv6.tclass", 0, num)
        f.eq("ipv6.flow", 0, num)
        f.eq("ipv6.src", ip6(s["src6"]), ip6)
        f.eq("ipv6.dst", ip6(s["dst6"]), ip6)
        f.eq("icmpv6.type", 128, int)
        f.eq("icmpv6.code", 0, int)
        f.eq("icmpv6.echo.identifier", 1 + k % 65535, num)
        f.eq("icmpv6.echo.sequence_number", 1 + k % 65535, num)
        f.all_eq("icmpv6.checksum.status", "1", 1)
        check_payload(f, 62, 16)
    elif n.startswith("tcp/"):
        syn = n == "tcp/syn"
        check_ip4(f, s, 6, 40 if syn else 50)
        f.all_eq("ip.checksum.status", "1", 1)
        f.eq("tcp.srcport", 1024 + k % 64512, int)
        f.eq("tcp.dstport", s["dport"], int)
        f.eq("tcp.seq_raw", 1 + k % 0xFFFFFFFF, int)
        f.eq("tcp.ack_raw", 0, int)
        f.eq("tcp.flags", 0x002 if syn else 0x018, num)
        f.eq("tcp.hdr_len", 20, int)
        f.eq("tcp.window_size_value", 65535, int)
        f.eq("tcp.urgent_pointer", 0, int)
        f.eq("tcp.len", 0 if syn else 10, int)
        f.all_eq("tcp.checksum.status", "1", 1)
        if syn:
            check_pad(f, 54)
        else:
            check_payload(f, 54, 10)
    elif n == "raw":
        check_payload(f, 14, 46, (0, 4, k % 2**32))
        check_pad(f, 60)
    elif n == "arp":
        f.eq("arp.hw.type", 1, int)
        f.eq("arp.proto.type", 0x0800, num)
        f.eq("arp.hw.size", 6, int)
        f.eq("arp.proto.size", 4, int)
        f.eq("arp.opcode", 1, int)
        f.eq("arp.src.hw_mac", mac(s["src_mac"]))
        f.eq("arp.src.proto_ipv4", 0x0A000001 + k % (0x0AFFFFFE - 0x0A000001 + 1), ip4)
        f.eq("arp.dst.hw_mac", mac(bytes(6)))
        f.eq("arp.dst.proto_ipv4", ip4(s["dst4"]), ip4)
        check_pad(f, 42)
    elif n == "eapol":
        f.eq("eapol.version", 2, int)
        f.eq("eapol.type", 1, int)
        f.eq("eapol.len", 0, int)
        check_pad(f, 18)
    elif n == "lldp":
        f.eq("lldp.chassis.subtype", 4, int)
        f.eq("lldp.chassis.id.mac", mac(s["src_mac"]))
        f.eq("lldp.port.subtype", 7, int)
        f.eq("lldp.port.id", "port1")
        f.eq("lldp.time_to_live", 120, int)
        check_pad(f, 35)
    elif n in ("l2vpn", "l3vpn"):
        if r["mpls.label"] != ["1000", "2000"] or r["mpls.exp"] != ["0", "0"] or \
                r["mpls.bottom"] != ["0", "1"] or r["mpls.ttl"] != ["64", "64"]:
            fail("%s #%d: MPLS stack label %s tc %s bottom %s ttl %s, want 1000/2000 0/0 0/1 64/64" %
                 (n, k, r["mpls.label"], r["mpls.exp"], r["mpls.bottom"], r["mpls.ttl"]))
        ipo = 22
        if n == "l2vpn":
            f.eq("eth.dst", "a2:00:00:00:00:02", str, 1)
            f.eq("eth.src", "a2:00:00:00:00:01", str, 1)
            f.eq("eth.type", 0x0800, num, 1)
            ipo = 36
        check_ip4(f, s, 17, LENGTH[n] - ipo)
        f.all_eq("ip.checksum.status", "1", 1)
        check_udp(f, s, LENGTH[n] - ipo - 20)
        check_payload(f, ipo + 28, LENGTH[n] - ipo - 28)
    elif n in ("l2vpn_srv6", "l3vpn_srv6"):
        f.eq("ipv6.version", 6, int)
        f.eq("ipv6.plen", LENGTH[n] - 54, int)
        f.eq("ipv6.nxt", 43, int)
        f.eq("ipv6.hlim", 64, int)
        f.eq("ipv6.tclass", 0, num)
        f.eq("ipv6.flow", 0, num)
        f.eq("ipv6.src", ip6(s["src6"]), ip6)
        f.eq("ipv6.dst", ip6(s["dst6"]), ip6)
        f.eq("ipv6.routing.nxt", 143 if n == "l2vpn_srv6" else 4, int)
        f.eq("ipv6.routing.len", 4, int)
        f.eq("ipv6.routing.type", 4, int)
        f.eq("ipv6.routing.segleft", 1, int)
        f.eq("ipv6.routing.srh.last_entry", 1, int)
        f.eq("ipv6.routing.srh.flags", 0, num)
        f.eq("ipv6.routing.srh.tag", 0, lambda x: int(x, 16))
        segs = [ip6(a) for a in r["ipv6.routing.srh.addr"]]
        if segs != [ip6("2001:db8:2::1"), ip6("2001:db8:1::1")]:
            fail("%s #%d: SRH segments %s, want 2001:db8:2::1, 2001:db8:1::1" % (n, k, r["ipv6.routing.srh.addr"]))
        ipo = 94
        if n == "l2vpn_srv6":
            f.eq("eth.dst", "a2:00:00:00:00:02", str, 1)
            f.eq("eth.src", "a2:00:00:00:00:01", str, 1)
            f.eq("eth.type", 0x0800, num, 1)
            ipo = 108
        check_ip4(f, s, 17, LENGTH[n] - ipo)
        f.all_eq("ip.checksum.status", "1", 1)
        check_udp(f, s, LENGTH[n] - ipo - 20)
        check_payload(f, ipo + 28, LENGTH[n] - ipo - 28)


def cmd_check(pcap, cfg_path, count, src_mac):
    cfg = json.load(open(cfg_path))
    s = settings(cfg, src_mac)
    tm = model(cfg, count)
    raw = [b for _, b in pcapread.frames(pcap)]
    rows = tshark(pcap, s["dport"], [])
    # the l2vpn frames again with the bottom label's payload as Ethernet (no control word)
    rows_l2 = tshark(pcap, s["dport"], ["-d", "mpls.label==2000,pwethnocw"])
    if len(rows) != count or len(raw) != count or len(rows_l2) != count:
        fail("%d frames in the pcap (%d decoded), want %d" % (len(raw), len(rows), count))
    seen = {}
    for i, r in enumerate(rows[:len(raw)]):
        n = classify(r)
        if n == "l2vpn":
            r = rows_l2[i]
        if n not in LENGTH:
            fail("frame %d: not a variety kind: %s (%s)" % (i + 1, n, one(r, "frame.protocols")))
            continue
        k = seen.get(n, 0)
        seen[n] = k + 1
        check_frame(Frame(n, k, r, raw[i]), s)
    want = {n: c for n, _, c in tm}
    for n in sorted(set(want) | set(seen)):
        if seen.get(n, 0) != want.get(n, 0):
            fail("%s: %d frames, want %d" % (n, seen.get(n, 0), want.get(n, 0)))
    kinds = {}
    for n, c in seen.items():
        kinds[n.split("/")[0]] = kinds.get(n.split("/")[0], 0) + c
    print("kinds: " + " ".join("%s=%d" % (n, kinds[n]) for n in KINDS if n in kinds))
    # equal shares: plain rotation in template order, so the first frames are one of each
    if count >= len(tm) and len(set(c for _, _, c in tm)) == 1:
        first = [classify(r) for r in rows[:len(tm)]]
        if first != [n for n, _, _ in tm]:
            fail("first %d frames are %s, want one of each template in order %s" %
                 (len(tm), first, [n for n, _, _ in tm]))


def cmd_meta(resp_path, cfg_path, count):
    cfg = json.load(open(cfg_path))
    tm = model(cfg, count)
    resp = json.load(open(resp_path))
    got = [("/".join(t["metadata"]["tags"][1:]), t["metadata"]["packet_count"]) for t in resp]
    want = [(n, c) for n, _, c in tm]
    if got != want:
        fail("templates (tags, packet_count) %s, want %s" % (got, want))
    for t in resp:
        if t["metadata"]["tags"][0] != "variety":
            fail("template tags %s do not start with variety" % t["metadata"]["tags"])
    print("templates: " + " ".join("%s=%d" % g for g in got))


def main():
    a = sys.argv[1:]
    if a and a[0] == "check" and len(a) == 5:
        cmd_check(a[1], a[2], int(a[3]), a[4])
    elif a and a[0] == "meta" and len(a) == 4:
        cmd_meta(a[1], a[2], int(a[3]))
    else:
        sys.exit(__doc__)
    for m in fails[:40]:
        print("FAIL: " + m)
    if len(fails) > 40:
        print("FAIL: ... and %d more" % (len(fails) - 40))
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()

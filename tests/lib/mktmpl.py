#!/usr/bin/env python3
"""Writes a one-template --templates file with field-engine modifiers for the tests.

  mktmpl.py [--frame udp4|tcp4|udp6] [--len N] [--sport P] [--dport P]
            [--mod 'FIELD|OP[|MIN|MAX[|KEY=VAL,...]]']... [--csum ipv4,udp|none] [--count N]

Frames go from 02:00:00:00:00:01 to 02:00:00:00:00:02; IPv4 10.201.0.1 -> 10.9.9.9 (not the
receiver's address: the receiving stack drops them without answering), IPv6
fd00::1 -> fd00::9; payload byte i = i % 256; every checksum valid in the base frame.
--mod adds a modifier (or give a whole modifier JSON object): FIELD is layer.field (udp.src_port), OP increment|decrement|random|range,
MIN/MAX as JSON values (numbers, or strings such as dotted IPv4), KEY=VAL sets further params
(step, start, seed, endian). --csum lists the checksums with auto_update (default: all the
frame's; "none" = no checksums array; "ipv4:off" = an entry without auto_update).
Also usable as a module: frame(kind, length, sport, dport) returns the bytes;
udp4_between(dmac, smac, sip, dip, length, sport, dport, df) a frame between given hosts."""
import argparse
import json
import struct


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(kind="udp4", length=64, sport=1000, dport=5000):
    eth = bytes.fromhex("020000000002" "020000000001")
    if kind in ("udp4", "tcp4"):
        proto = 17 if kind == "udp4" else 6
        ip_len = length - 14
        src, dst = bytes([10, 201, 0, 1]), bytes([10, 9, 9, 9])
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, 0x1234, 0, 64, proto, 0,
                                   src, dst))
        struct.pack_into("!H", ip, 10, csum(bytes(ip)))
        l4_len = ip_len - 20
        pseudo = src + dst + struct.pack("!BBH", 0, proto, l4_len)
        eth += b"\x08\x00"
        net = bytes(ip)
    else:
        proto = 17
        l4_len = length - 14 - 40
        src = bytes.fromhex("fd000000000000000000000000000001")
        dst = bytes.fromhex("fd000000000000000000000000000009")
        net = struct.pack("!IHBB16s16s", 0x60000000, l4_len, proto, 64, src, dst)
        pseudo = src + dst + struct.pack("!IxxxB", l4_len, proto)
        eth += b"\x86\xdd"
    if proto == 17:
        payload = bytes(i % 256 for i in range(l4_len - 8))
        l4 = bytearray(struct.pack("!HHHH", sport, dport, l4_len, 0) + payload)
        c = csum(pseudo + bytes(l4)) or 0xFFFF
        struct.pack_into("!H", l4, 6, c)
    else:
        payload = bytes(i % 256 for i in range(l4_len - 20))
        l4 = bytearray(struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 0x50, 0x02, 65535, 0, 0)
                       + payload)
        struct.pack_into("!H", l4, 16, csum(pseudo + bytes(l4)))
    return eth + net + bytes(l4)


def udp4_between(dmac, smac, sip, dip, length=128, sport=4000, dport=9000, df=False):
    """An IPv4/UDP frame between given MACs ("02:..") and dotted addresses, payload byte
    i = i % 256, both checksums valid; df sets Don't Fragment."""
    src, dst = (bytes(int(x) for x in a.split(".")) for a in (sip, dip))
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, length - 14, 0x1234,
                               0x4000 if df else 0, 64, 17, 0, src, dst))
    struct.pack_into("!H", ip, 10, csum(bytes(ip)))
    l4_len = length - 14 - 20
    l4 = bytearray(struct.pack("!HHHH", sport, dport, l4_len, 0) + bytes(i % 256 for i in range(l4_len - 8)))
    struct.pack_into("!H", l4, 6, csum(src + dst + struct.pack("!BBH", 0, 17, l4_len) + bytes(l4)) or 0xFFFF)
    return bytes.fromhex(dmac.replace(":", "") + smac.replace(":", "")) + b"\x08\x00" + bytes(ip) + bytes(l4)


def parse_mod(spec):
    if spec.startswith("{"):
        return json.loads(spec)
    parts = spec.split("|", 4)
    layer, field = parts[0].split(".", 1)
    m = {"target": {"layer": layer, "field": field}, "operation": parts[1], "params": {}}
    if len(parts) >= 4:
        m["params"]["min"] = json.loads(parts[2])
        m["params"]["max"] = json.loads(parts[3])
    if len(parts) == 5 and parts[4]:
        for kv in parts[4].split(","):
            k, v = kv.split("=", 1)
            try:
                m["params"][k] = json.loads(v)
            except ValueError:
                m["params"][k] = v
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frame", default="udp4", choices=["udp4", "tcp4", "udp6"])
    ap.add_argument("--len", type=int, default=64)
    ap.add_argument("--sport", type=int, default=1000)
    ap.add_argument("--dport", type=int, default=5000)
    ap.add_argument("--mod", action="append", default=[])
    ap.add_argument("--csum", default="")
    ap.add_argument("--count", type=int, default=0)
    a = ap.parse_args()
    t = {"base_packet": {"data": frame(a.frame, a.len, a.sport, a.dport).hex(), "type": "hex"},
         "modifiers": [parse_mod(s) for s in a.mod]}
    if a.csum != "none":
        names = a.csum.split(",") if a.csum else (["ipv4"] if a.frame != "udp6" else []) + \
            ["udp" if a.frame != "tcp4" else "tcp"]
        t["checksums"] = []
        for n in names:
            layer, _, off = n.partition(":")
            t["checksums"].append({"layer": layer, "auto_update": off != "off"})
    print(json.dumps([{"template": t, "metadata": {"packet_count": a.count}}]))


if __name__ == "__main__":
    main()

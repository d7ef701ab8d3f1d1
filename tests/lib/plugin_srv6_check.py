"""Checks a pcap written by the srv6 plugin against its configuration, independently of the
plugin: python3 plugin_srv6_check.py CFG.json PCAP COUNT

- applies the Go xdperf srv6 plugin's defaults to CFG.json (the same keys);
- splits COUNT over the valid imix_sizes by weight (largest remainder, earliest first) and
  checks the number of frames of each size;
- rebuilds every frame here (Ethernet | IPv6 NH 43 | SRH type 4 with the segment list reversed,
  Segments Left = Last Entry = n - 1 | inner IPv4/UDP, Ethernet/IPv4/UDP or IPv6/UDP | payload
  byte i = i % 256, every checksum computed here) with its walking fields at their value for
  the j-th frame of its size (flow label, SRH tag, inner ports, inner source address: start +
  j modulo the range) and compares it byte for byte;
- decodes the pcap with tshark (-T fields, checksum validation on) and compares every decoded
  field with the expectation: outer MACs, IPv6 version/traffic class/flow label/payload
  length/next header/hop limit/addresses, SRH next header/length/type/segments left/last
  entry/flags/tag/addresses, outer destination = Segment List[Segments Left], inner Ethernet
  MACs, inner IPv4 or IPv6 header fields and UDP ports/length, and that tshark finds every inner
  IPv4 header checksum and UDP checksum "Good".
Prints one summary line; lines starting with FAIL for each problem (at most 20); exit 1 on any."""
import json
import subprocess
import sys
import os
import ipaddress

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapread  # noqa: E402

DEF = {
    "mode": "l3vpn_ipv4", "segments": ["2001:db8:100::1"], "src_ip": "2001:db8::1", "dst_ip": "",
    "dst_mac": "ff:ff:ff:ff:ff:ff", "src_mac": "00:00:00:00:00:00", "traffic_class": 0,
    "flow_label_start": 0, "flow_label_end": 0, "srh_tag_start": 0, "srh_tag_end": 0,
    "inner_src_mac": "02:00:00:00:01:01", "inner_dst_mac": "02:00:00:00:01:02",
    "inner_src_ip": "192.168.0.1", "inner_dst_ip": "192.168.0.2",
    "inner_src_ip6": "fd00::1", "inner_dst_ip6": "fd00::2",
    "inner_src_port": 1024, "inner_dst_port": 5060,
    "vary_inner_src_port": False, "vary_inner_dst_port": False, "vary_inner_ip": False,
    "imix_sizes": [256, 768, 1400], "imix_weights": [7, 2, 1],
}
NH = {"l3vpn_ipv4": 4, "l2vpn_eth": 143, "ipv6": 41}
INNER = {"l3vpn_ipv4": 28, "l2vpn_eth": 42, "ipv6": 48}

problems = []


def fail(msg):
    problems.append(msg)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip6(s):
    return ipaddress.IPv6Address(s).packed


def ip4(s):
    return ipaddress.IPv4Address(s).packed


def split(count, w):
    W = sum(w)
    out = [count * x // W for x in w]
    rem = [count * x % W for x in w]
    while sum(out) < count:
        b = max(range(len(w)), key=lambda i: (rem[i], -i))
        out[b] += 1
        rem[b] = -1
    return out


def main():
    cfg_path, pcap, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    c = dict(DEF)
    c.update(json.load(open(cfg_path)))
    mode = c["mode"].lower()
    segs = c["segments"]
    n = len(segs)
    dst = c["dst_ip"] or segs[0]
    minlen = 14 + 40 + 8 + 16 * n + INNER[mode]
    sizes, weights = [], []
    for i, s in enumerate(c["imix_sizes"]):
        if s < minlen:
            continue
        w = c["imix_weights"][i] if i < len(c["imix_weights"]) else 1
        sizes.append(s)
        weights.append(w if w > 0 else 1)
    assert len(set(sizes)) == len(sizes), "the check needs distinct sizes"
    shares = dict(zip(sizes, split(count, weights)))
    v4 = mode != "ipv6"
    in_src = ip4(c["inner_src_ip"]) if v4 else ip6(c["inner_src_ip6"])
    in_dst = ip4(c["inner_dst_ip"]) if v4 else ip6(c["inner_dst_ip6"])

    def walk(lo, hi, j):
        return lo + j % (hi - lo + 1)

    def values(j):
        """The varying fields of the j-th frame of a size."""
        v = {
            "flow": walk(c["flow_label_start"], c["flow_label_end"], j),
            "tag": walk(c["srh_tag_start"], c["srh_tag_end"], j),
            "sport": walk(c["inner_src_port"], 65535, j) if c["vary_inner_src_port"] else c["inner_src_port"],
            "dport": walk(c["inner_dst_port"], 65535, j) if c["vary_inner_dst_port"] else c["inner_dst_port"],
        }
        src = bytearray(in_src)
        if c["vary_inner_ip"]:
            if v4:
                src = bytearray(walk(int.from_bytes(in_src, "big"), 0xFFFFFFFF, j).to_bytes(4, "big"))
            else:
                src[14:16] = walk(int.from_bytes(in_src[14:], "big"), 0xFFFF, j).to_bytes(2, "big")
        v["src"] = bytes(src)
        return v

    def build(size, v):
        plen = size - minlen
        payload = bytes(i % 256 for i in range(plen))
        udp_len = 8 + plen
        udp = bytearray(v["sport"].to_bytes(2, "big") + v["dport"].to_bytes(2, "big") +
                        udp_len.to_bytes(2, "big") + b"\0\0" + payload)
        if v4:
            pseudo = v["src"] + in_dst + bytes([0, 17]) + udp_len.to_bytes(2, "big")
        else:
            pseudo = v["src"] + in_dst + udp_len.to_bytes(4, "big") + bytes([0, 0, 0, 17])
        ck = csum(pseudo + bytes(udp)) or 0xFFFF
        udp[6:8] = ck.to_bytes(2, "big")
        if v4:
            ih = bytearray(bytes([0x45, 0]) + (20 + udp_len).to_bytes(2, "big") + bytes([0, 0, 0, 0, 64, 17, 0, 0]) +
                           v["src"] + in_dst)
            ih[10:12] = csum(bytes(ih)).to_bytes(2, "big")
        else:
            ih = bytes([0x60, 0, 0, 0]) + udp_len.to_bytes(2, "big") + bytes([17, 64]) + v["src"] + in_dst
        inner = bytes(ih) + bytes(udp)
        if mode == "l2vpn_eth":
            inner = mac(c["inner_dst_mac"]) + mac(c["inner_src_mac"]) + b"\x08\x00" + inner
        srh = bytes([NH[mode], 2 * n, 4, n - 1, n - 1, 0]) + v["tag"].to_bytes(2, "big")
        for s in reversed(segs):
            srh += ip6(s)
        word = 6 << 28 | c["traffic_class"] << 20 | v["flow"]
        outer = word.to_bytes(4, "big") + (len(srh) + len(inner)).to_bytes(2, "big") + bytes([43, 64]) + \
            ip6(c["src_ip"]) + ip6(dst)
        return mac(c["dst_mac"]) + mac(c["src_mac"]) + b"\x86\xdd" + outer + srh + inner

    frames = [f for _, f in pcapread.frames(pcap)]
    if len(frames) != count:
        fail(f"{len(frames)} frames, want {count}")
    fields = ["frame.len", "eth.dst", "eth.src", "ipv6.version", "ipv6.tclass", "ipv6.flow", "ipv6.plen",
              "ipv6.nxt", "ipv6.hlim", "ipv6.src", "ipv6.dst", "ipv6.routing.nxt", "ipv6.routing.len",
              "ipv6.routing.type", "ipv6.routing.segleft", "ipv6.routing.srh.last_entry",
              "ipv6.routing.srh.flags", "ipv6.routing.srh.tag", "ipv6.routing.srh.addr",
              "ip.version", "ip.hdr_len", "ip.len", "ip.id", "ip.flags", "ip.ttl", "ip.proto", "ip.src",
              "ip.dst", "ip.checksum.status", "udp.srcport", "udp.dstport", "udp.length",
              "udp.checksum.status"]
    cmd = ["tshark", "-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
           "--disable-protocol", "sip", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|",
           "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()
    if len(out) != len(frames):
        fail(f"tshark decoded {len(out)} frames, the pcap holds {len(frames)}")

    seen = {s: 0 for s in sizes}
    good_ck = 0
    for i, f in enumerate(frames):
        if len(f) not in seen:
            fail(f"frame {i}: length {len(f)} is none of {sizes}")
            continue
        j = seen[len(f)]
        seen[len(f)] += 1
        v = values(j)
        want = build(len(f), v)
        if f != want:
            at = next((k for k in range(min(len(f), len(want))) if f[k] != want[k]), min(len(f), len(want)))
            fail(f"frame {i} ({len(f)} bytes, #{j} of its size): differs from the expected frame at byte {at}: "
                 f"{f[at:at + 8].hex()} != {want[at:at + 8].hex()}")
        if i >= len(out):
            continue
        t = dict(zip(fields, out[i].split("\t")))

        def chk(name, got, exp):
            if got != exp:
                fail(f"frame {i}: tshark {name} = {got!r}, want {exp!r}")
        macs = t["eth.dst"].split("|"), t["eth.src"].split("|")
        chk("eth.dst", macs[0][0], c["dst_mac"].lower())
        chk("eth.src", macs[1][0], c["src_mac"].lower())
        if mode == "l2vpn_eth":
            chk("inner eth.dst", macs[0][1:], [c["inner_dst_mac"].lower()])
            chk("inner eth.src", macs[1][1:], [c["inner_src_mac"].lower()])
        else:
            chk("eth layers", len(macs[0]), 1)
        chk("frame.len", int(t["frame.len"]), len(f))
        v6 = lambda s: str(ipaddress.IPv6Address(s))  # noqa: E731
        srcs, dsts = t["ipv6.src"].split("|"), t["ipv6.dst"].split("|")
        chk("ipv6.version", t["ipv6.version"].split("|")[0], "6")
        chk("ipv6.tclass", int(t["ipv6.tclass"].split("|")[0], 16), c["traffic_class"])
        chk("ipv6.flow", int(t["ipv6.flow"].split("|")[0], 16), v["flow"])
        chk("ipv6.plen", int(t["ipv6.plen"].split("|")[0]), len(f) - 54)
        chk("ipv6.nxt", t["ipv6.nxt"].split("|")[0], "43")
        chk("ipv6.hlim", t["ipv6.hlim"].split("|")[0], "64")
        chk("ipv6.src", srcs[0], v6(c["src_ip"]))
        chk("ipv6.dst", dsts[0], v6(dst))
        chk("ipv6.routing.nxt", t["ipv6.routing.nxt"], str(NH[mode]))
        chk("ipv6.routing.len", t["ipv6.routing.len"], str(2 * n))
        chk("ipv6.routing.type", t["ipv6.routing.type"], "4")
        chk("ipv6.routing.segleft", t["ipv6.routing.segleft"], str(n - 1))
        chk("ipv6.routing.srh.last_entry", t["ipv6.routing.srh.last_entry"], str(n - 1))
        chk("ipv6.routing.srh.flags", int(t["ipv6.routing.srh.flags"], 16), 0)
        chk("ipv6.routing.srh.tag", int(t["ipv6.routing.srh.tag"], 16), v["tag"])
        lst = t["ipv6.routing.srh.addr"].split("|")
        chk("ipv6.routing.srh.addr", lst, [v6(s) for s in reversed(segs)])
        if not c["dst_ip"]:  # the active segment: Segment List[Segments Left]
            chk("outer dst vs Segment List[Segments Left]", dsts[0], lst[int(t["ipv6.routing.segleft"])])
        if v4:
            chk("ip.version (IPv6 and IPv4 both set it)", t["ip.version"], "6|4")
            chk("ip.hdr_len", t["ip.hdr_len"], "20")
            chk("ip.len", int(t["ip.len"]), len(f) - minlen + 28)
            chk("ip.id", int(t["ip.id"], 16), 0)
            chk("ip.flags", int(t["ip.flags"], 16), 0)
            chk("ip.ttl", t["ip.ttl"], "64")
            chk("ip.proto", t["ip.proto"], "17")
            chk("ip.src", t["ip.src"], str(ipaddress.IPv4Address(v["src"])))
            chk("ip.dst", t["ip.dst"], c["inner_dst_ip"])
            chk("ip.checksum.status", t["ip.checksum.status"], "1")
        else:
            chk("inner ipv6 layers", len(srcs), 2)
            if len(srcs) == 2:
                chk("inner ipv6.version", t["ipv6.version"].split("|")[1], "6")
                chk("inner ipv6.tclass", int(t["ipv6.tclass"].split("|")[1], 16), 0)
                chk("inner ipv6.flow", int(t["ipv6.flow"].split("|")[1], 16), 0)
                chk("inner ipv6.plen", int(t["ipv6.plen"].split("|")[1]), len(f) - minlen + 8)
                chk("inner ipv6.nxt", t["ipv6.nxt"].split("|")[1], "17")
                chk("inner ipv6.hlim", t["ipv6.hlim"].split("|")[1], "64")
                chk("inner ipv6.src", srcs[1], str(ipaddress.IPv6Address(v["src"])))
                chk("inner ipv6.dst", dsts[1], v6(c["inner_dst_ip6"]))
            chk("ip layers", t["ip.src"], "")
        chk("udp.srcport", int(t["udp.srcport"] or -1), v["sport"])
        chk("udp.dstport", int(t["udp.dstport"] or -1), v["dport"])
        chk("udp.length", int(t["udp.length"] or -1), len(f) - minlen + 8)
        chk("udp.checksum.status", t["udp.checksum.status"], "1")
        if t["udp.checksum.status"] == "1" and (not v4 or t["ip.checksum.status"] == "1"):
            good_ck += 1
    for s in sizes:
        if seen[s] != shares[s]:
            fail(f"{seen[s]} frames of {s} bytes, want {shares[s]} (weights {weights} over sizes {sizes})")
    for p in problems[:20]:
        print("FAIL", p)
    print(f"{mode}: {len(frames)} frames, sizes {dict(seen)} (want {shares}), {n} segment(s), "
          f"{good_ck} with every checksum valid, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

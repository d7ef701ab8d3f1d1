"""Checks a pcap written by the vxlan plugin against its configuration (tests/cases/plugin_vxlan.sh).

    python3 plugin_vxlan_check.py CFG.json FILE.pcap COUNT SRC_MAC

The configuration's keys are read with the Go xdperf vxlan plugin's defaults (restated here,
independently of plugins/vxlan.c). From them this script builds every expected frame byte by byte
(its own headers and checksums) and compares the pcap with them exactly, frame by frame:
  - templates: one per imix_sizes entry at least the minimum frame length, with its weight
    (missing 1, 0 counting as 1); frames are told apart by length (the test's sizes differ);
    the k-th frame of a template carries the k-th value of every sweep (sequential, back to the
    start after the end): VNI vni_start..vni_end, outer source port src_port..65535, inner source
    port inner_src_port..65535, inner source IP inner_src_ip..255.255.255.255;
  - shares: each template's frame count is floor(COUNT * w / W) plus one for the largest
    remainders (earliest first), in all exactly COUNT frames;
then decodes the pcap with tshark (VXLAN on the configured dst_port and on the outer source ports
used, as tshark tries the lower port first; checksums verified) and
checks the decoded fields: outer and inner Ethernet, the 802.1Q tag, outer and inner IPv4 (every
header field), outer and inner UDP, the VXLAN flags (I set), VNI and reserved fields, and that
tshark finds every IPv4 header checksum valid, the outer UDP checksum absent (0) and the inner
one valid (inner_udp_checksum) or absent. Prints a summary line; exits 1 listing the first
problems."""
import json
import subprocess
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
import pcapread  # noqa: E402

DEFAULTS = {
    "src_ip": "10.0.0.1", "dst_ip": "10.0.0.2", "dst_mac": "ff:ff:ff:ff:ff:ff",
    "is_arp_resolve": True, "src_port": 0, "dst_port": 4789, "vlan_id": 0, "vlan_pcp": 0,
    "vni_start": 100, "vni_end": 100, "inner_dst_mac": "02:00:00:00:01:02",
    "inner_src_mac": "02:00:00:00:01:01", "inner_mode": "ip", "inner_udp_checksum": False,
    "inner_src_ip": "192.168.0.1", "inner_dst_ip": "192.168.0.2", "inner_src_port": 1024,
    "inner_dst_port": 5060, "vary_inner_port": False, "vary_inner_ip": False,
    "vary_outer_port": False, "imix_sizes": [128, 768, 1400], "imix_weights": [7, 2, 1],
}


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def ip4s(v):
    return ".".join(str(v >> s & 255) for s in (24, 16, 8, 0))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, total):
    h = bytearray(b"\x45\x00" + total.to_bytes(2, "big") + b"\0\0\0\0" + b"\x40\x11\0\0" + src + dst)
    h[10:12] = csum(bytes(h)).to_bytes(2, "big")
    return bytes(h)


def sweep(start, end, k):
    return start + k % (end - start + 1)


def main():
    cfg_path, pcap, count, src_mac = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    c = dict(DEFAULTS)
    c.update({k: v for k, v in json.load(open(cfg_path)).items() if v is not None})
    l2only = str(c["inner_mode"]).lower() == "l2only"
    vlan = c["vlan_id"]
    l2 = 18 if vlan else 14
    oip, oudp, vx = l2, l2 + 20, l2 + 28
    ieth, iip, iudp = vx + 8, vx + 22, vx + 42
    pay = iip if l2only else iudp + 8
    minlen = pay

    # templates and their shares
    tm = []
    for i, size in enumerate(c["imix_sizes"]):
        if size < minlen:
            continue
        w = c["imix_weights"][i] if i < len(c["imix_weights"]) else 1
        tm.append([size, w or 1])
    W = sum(w for _, w in tm)
    share = [count * w // W for _, w in tm]
    rem = [count * w % W for _, w in tm]
    for _ in range(count - sum(share)):
        b = max(range(len(tm)), key=lambda i: (rem[i], -i))
        share[b] += 1
        rem[b] = 0
    by_size = {s: i for i, (s, _) in enumerate(tm)}
    if len(by_size) != len(tm):
        sys.exit("test bug: template sizes must differ")

    def expect(size, k):
        vni = sweep(c["vni_start"], c["vni_end"], k)
        osport = sweep(c["src_port"], 65535, k) if c["vary_outer_port"] else c["src_port"]
        f = bytearray()
        f += mac(c["dst_mac"]) + mac(src_mac)
        if vlan:
            f += b"\x81\x00" + (c["vlan_pcp"] << 13 | vlan).to_bytes(2, "big")
        f += b"\x08\x00"
        f += ipv4(ip4(c["src_ip"]), ip4(c["dst_ip"]), size - oip)
        f += osport.to_bytes(2, "big") + c["dst_port"].to_bytes(2, "big") + (size - oudp).to_bytes(2, "big") + b"\0\0"
        f += b"\x08\0\0\0" + vni.to_bytes(3, "big") + b"\0"
        f += mac(c["inner_dst_mac"]) + mac(c["inner_src_mac"]) + (b"\0\0" if l2only else b"\x08\x00")
        info = {"vni": vni, "osport": osport}
        if not l2only:
            isrc = int.from_bytes(ip4(c["inner_src_ip"]), "big")
            isrc = sweep(isrc, 0xFFFFFFFF, k) if c["vary_inner_ip"] else isrc
            isport = sweep(c["inner_src_port"], 65535, k) if c["vary_inner_port"] else c["inner_src_port"]
            src, dst = isrc.to_bytes(4, "big"), ip4(c["inner_dst_ip"])
            f += ipv4(src, dst, size - iip)
            udp = bytearray(isport.to_bytes(2, "big") + c["inner_dst_port"].to_bytes(2, "big") +
                            (size - iudp).to_bytes(2, "big") + b"\0\0" + bytes(i % 256 for i in range(size - pay)))
            if c["inner_udp_checksum"]:
                ck = csum(src + dst + b"\0\x11" + len(udp).to_bytes(2, "big") + bytes(udp)) or 0xFFFF
                udp[6:8] = ck.to_bytes(2, "big")
            f += udp
            info.update(isrc=ip4s(isrc), isport=isport)
        else:
            f += bytes(i % 256 for i in range(size - pay))
        assert len(f) == size, (len(f), size)
        return bytes(f), info

    probs = []
    frames = [f for _, f in pcapread.frames(pcap)]
    if len(frames) != count:
        probs.append(f"{len(frames)} frames, want {count}")
    seen = [0] * len(tm)
    infos = []
    for n, f in enumerate(frames):
        t = by_size.get(len(f))
        if t is None:
            probs.append(f"frame {n}: {len(f)} bytes, no template has that size")
            infos.append(None)
            continue
        want, info = expect(len(f), seen[t])
        seen[t] += 1
        infos.append((t, info))
        if f != want:
            d = next(i for i in range(len(f)) if f[i] != want[i])
            probs.append(f"frame {n} (template {t}, #{seen[t] - 1}): byte {d} is {f[d]:#04x}, want {want[d]:#04x}")
    if seen != share:
        probs.append(f"frames per template {seen}, want {share} (sizes {[s for s, _ in tm]})")

    # tshark's view
    fields = ["frame.len", "eth.dst", "eth.src", "eth.type", "vlan.id", "vlan.priority", "vlan.etype",
              "ip.version", "ip.hdr_len", "ip.dsfield", "ip.len", "ip.id", "ip.flags", "ip.frag_offset",
              "ip.ttl", "ip.proto", "ip.src", "ip.dst", "ip.checksum.status",
              "udp.srcport", "udp.dstport", "udp.length", "udp.checksum", "udp.checksum.status",
              "vxlan.flags", "vxlan.flag_i", "vxlan.gbp", "vxlan.vni", "vxlan.reserved8"]
    cmd = ["tshark", "-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
           "-d", f"udp.port=={c['dst_port']},vxlan", "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    # tshark tries the lower UDP port's dissector first: pin the outer source ports used to VXLAN
    # too (unless an inner UDP header uses that port: it would be decoded as VXLAN then)
    inner = {i[1].get("isport") for i in infos if i} | {c["inner_dst_port"]}
    for p in sorted({i[1]["osport"] for i in infos if i} - inner - {c["dst_port"]}):
        cmd += ["-d", f"udp.port=={p},vxlan"]
    for x in fields:
        cmd += ["-e", x]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()
    if len(out) != len(frames):
        probs.append(f"tshark printed {len(out)} lines for {len(frames)} frames")
    hexn = lambda v: ",".join(str(int(x, 0)) for x in v.split(","))  # noqa: E731
    for n, line in enumerate(out[:len(infos)]):
        if infos[n] is None:
            continue
        t, info = infos[n]
        size = tm[t][0]
        got = dict(zip(fields, line.split("\t")))
        for k in ("ip.dsfield", "ip.id", "ip.flags", "udp.checksum", "vxlan.flags", "eth.type", "vlan.etype"):
            if got.get(k):
                got[k] = hexn(got[k])
        got["vxlan.flag_i"] = {"True": "1", "False": "0"}.get(got.get("vxlan.flag_i"), got.get("vxlan.flag_i"))
        two = lambda a, b: f"{a},{b}"  # noqa: E731
        w = {
            "frame.len": str(size),
            "eth.dst": two(c["dst_mac"].lower(), c["inner_dst_mac"].lower()),
            "eth.src": two(src_mac.lower(), c["inner_src_mac"].lower()),
            "eth.type": two(0x8100 if vlan else 0x0800, 0 if l2only else 0x0800),
            "vlan.id": str(vlan) if vlan else "", "vlan.priority": str(c["vlan_pcp"]) if vlan else "",
            "vlan.etype": str(0x0800) if vlan else "",
            "vxlan.flags": str(0x0800), "vxlan.flag_i": "1", "vxlan.gbp": "0",
            "vxlan.vni": str(info["vni"]), "vxlan.reserved8": "0",
        }
        if l2only:
            w.update({"ip.version": "4", "ip.hdr_len": "20", "ip.dsfield": "0", "ip.len": str(size - oip),
                      "ip.id": "0", "ip.flags": "0", "ip.frag_offset": "0", "ip.ttl": "64", "ip.proto": "17",
                      "ip.src": c["src_ip"], "ip.dst": c["dst_ip"], "ip.checksum.status": "1",
                      "udp.srcport": str(info["osport"]), "udp.dstport": str(c["dst_port"]),
                      "udp.length": str(size - oudp), "udp.checksum": "0", "udp.checksum.status": "3"})
        else:
            iudp_ck = "1" if c["inner_udp_checksum"] else "3"
            w.update({"ip.version": "4,4", "ip.hdr_len": "20,20", "ip.dsfield": "0,0",
                      "ip.len": two(size - oip, size - iip), "ip.id": "0,0", "ip.flags": "0,0",
                      "ip.frag_offset": "0,0", "ip.ttl": "64,64", "ip.proto": "17,17",
                      "ip.src": two(c["src_ip"], info["isrc"]), "ip.dst": two(c["dst_ip"], c["inner_dst_ip"]),
                      "ip.checksum.status": "1,1",
                      "udp.srcport": two(info["osport"], info["isport"]),
                      "udp.dstport": two(c["dst_port"], c["inner_dst_port"]),
                      "udp.length": two(size - oudp, size - iudp),
                      "udp.checksum.status": two(3, iudp_ck)})
            if not c["inner_udp_checksum"]:
                w["udp.checksum"] = "0,0"
        for k, v in w.items():
            if got.get(k, "") != v:
                probs.append(f"frame {n}: tshark {k} = {got.get(k, '')!r}, want {v!r}")
    if probs:
        print("FAIL: " + "\n      ".join(probs[:12]) + (f"\n      ... {len(probs)} problems" if len(probs) > 12 else ""))
        sys.exit(1)
    sweeps = {k: sorted({i[1][k] for i in infos if i}) for k in ("vni", "osport")}
    print(f"ok: {len(frames)} frames, per template {seen} (sizes {[s for s, _ in tm]}), "
          f"VNIs {sweeps['vni'][:6]}{'...' if len(sweeps['vni']) > 6 else ''}, "
          f"outer sports {sweeps['osport'][:4]}{'...' if len(sweeps['osport']) > 4 else ''}")


if __name__ == "__main__":
    main()

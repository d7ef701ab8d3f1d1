"""The Go xdperf 0.11 plugin ABI and its response object, for tests/cases/json_abi.sh.

  json_abi.py resp OUT.json [--pattern sequential|mixed]
        a variable response with four variants (IPv4/UDP with a sequential and a mixed field;
        IPv4/UDP whose length varies 100..103 with a sequential address; IPv6/UDP with an SRH
        whose final segment is the pseudo-header's destination, a 6-byte MAC walk and a 1-byte
        field whose values pass 255 (truncated); GTP-U over IPv4/UDP with inner IPv4/UDP and
        four nested checksum specs), each told apart by its outer UDP destination port
  json_abi.py wat RESP.json OUT.wat [--goshim] [--init-answer TEXT] [--process-code N]
        a plugin of the 0.11 ABI answering RESP (through its buffers, or with --goshim through
        the goshim imports); it logs each input it gets (host_log) so the test can read them
  json_abi.py check PCAP RESP.json COUNT [--any-order]
        the frames of PCAP against the rules of the issue, computed here independently:
        variant shares floor(COUNT * w / W) (remainder to the last), each variant's frames in
        rule order (sequential fields and lengths), mixed fields in range, every checksum spec
        recomputed in order; --any-order compares each variant's frames as a multiset.
Exit 0 when everything matches; a line per problem otherwise."""
import base64
import json
import struct
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import pcapread  # noqa: E402

U64MAX = 18446744073709551615


def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def csum(b, init=0):
    if len(b) % 2:
        b = b + b"\0"
    s = init + sum(struct.unpack("!%dH" % (len(b) // 2), b))
    return fold(s)


def eth(dst, src, etype):
    return bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(src.replace(":", "")) + struct.pack("!H", etype)


def ipv4(src, dst, proto, payload, ident=1):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0, 64, proto, 0,
                    bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    return h + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def v6addr(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed


def frames_of_variants():
    M1, M2 = "02:00:00:00:00:02", "02:00:00:00:00:01"
    pl = bytes(range(58))
    v0 = eth(M1, M2, 0x0800) + ipv4("10.0.0.1", "10.0.0.2", 17, udp(1000, 2000, pl))
    v1 = eth(M1, M2, 0x0800) + ipv4("10.0.0.1", "10.0.0.9", 17, udp(1000, 2001, pl))
    # IPv6 + SRH (2 segments, Segments Left 1) + UDP
    segs = [v6addr("fc00::2"), v6addr("fc00::99")]  # Segment List[0] is the final segment
    u6 = udp(3000, 2002, bytes(range(40)))
    srh = struct.pack("!BBBBBBH", 17, 2 * len(segs), 4, 1, 1, 0, 0) + b"".join(segs)
    ip6 = struct.pack("!IHBB", 0x60000000, len(srh) + len(u6), 43, 64) + v6addr("fc00::1") + segs[1]
    v2 = eth(M1, M2, 0x86DD) + ip6 + srh + u6
    # GTP-U: outer IPv4/UDP 2152, GTP header (8 bytes), inner IPv4/UDP
    inner = ipv4("192.168.0.1", "192.168.1.1", 17, udp(5000, 6000, bytes(range(30))))
    gtp = struct.pack("!BBHI", 0x30, 0xFF, len(inner), 0x1234) + inner
    v3 = eth(M1, M2, 0x0800) + ipv4("10.0.0.1", "10.0.0.3", 17, udp(2152, 2152, gtp))
    return [v0, v1, v2, v3]


def ck(off, start, length, ip):
    return {"checksum_offset": off, "header_start": start, "header_len": length, "ip_header_offset": ip}


def param(off, size, start, end, pattern):
    return {"byte_start": off, "byte_size": size, "byte_range": {"start": start, "end": end},
            "pattern_type": pattern}


def make_resp(pattern):
    f = frames_of_variants()
    b64 = lambda b: {"data": base64.b64encode(b).decode(), "length": len(b)}  # noqa: E731
    v0 = {"base_packet": b64(f[0]), "weight": 1,
          "variable_params": [
              param(34, 2, 1000, 1004, "sequential"),
              param(18, 2, 100, 199, "mixed"),
              param(22, 1, 33, 99, "")],
          "checksums": [ck(24, 14, 20, 14), ck(40, 34, 0, 14)]}
    v1 = {"base_packet": b64(f[1]), "weight": 2,
          "variable_params": [
              param(U64MAX, 0, 100, 103, "sequential"),
              param(30, 4, 0x0A00000A, 0x0A000013, "sequential")],
          "checksums": [ck(24, 14, 20, 14), ck(40, 34, 0, 14)]}
    # IPv6: UDP at 14 + 40 + 40 (SRH of 2 segments) = 94
    v2 = {"base_packet": b64(f[2]), "weight": 0,
          "variable_params": [
              param(6, 6, 0x020000000100, 0x020000000105, "sequential"),
              param(21, 1, 250, 260, "sequential"),
              param(94, 2, 3000, 3002, "sequential")],
          "checksums": [ck(100, 94, 0, 14)]}
    # GTP-U: outer IP 14, outer UDP 34, GTP 42, inner IP 50, inner UDP 70
    v3 = {"base_packet": b64(f[3]), "weight": 1,
          "variable_params": [
              param(62, 4, 0xC0A80001, 0xC0A80007, "sequential"),
              param(46, 4, 0x1234, 0x1236, "sequential")],
          "checksums": [ck(24, 14, 20, 14), ck(60, 50, 20, 50), ck(76, 70, 0, 50), ck(40, 34, 0, 14)]}
    return {"template_type": "variable",
            "variable_packet_template": {"pattern": pattern, "variants": [v0, v1, v2, v3]}}


# ---- the rules, independently ---------------------------------------------------------------


def l3_offset(f):
    off, et = 14, struct.unpack_from("!H", f, 12)[0]
    for _ in range(2):
        if et in (0x8100, 0x88A8):
            et = struct.unpack_from("!H", f, off + 2)[0]
            off += 4
    return off, et


def resize(f, n):
    g = bytearray(f[:n] + bytes(max(0, n - len(f))))
    l3, et = l3_offset(g)
    if et == 0x0800:
        struct.pack_into("!H", g, l3 + 2, n - l3)
        ihl = (g[l3] & 15) * 4
        if g[l3 + 9] == 17:
            struct.pack_into("!H", g, l3 + ihl + 4, n - l3 - ihl)
    elif et == 0x86DD:
        struct.pack_into("!H", g, l3 + 4, n - l3 - 40)
    return g


def apply_spec(g, c):
    off, hs, hl, ip = c["checksum_offset"], c["header_start"], c["header_len"], c["ip_header_offset"]
    ver = g[ip] >> 4
    if ver == 4:
        end = ip + struct.unpack_from("!H", g, ip + 2)[0]
        proto = g[ip + 9]
        src, dst, alen = ip + 12, ip + 16, 4
        if off == ip + 10:
            hl = hl or (g[ip] & 15) * 4
            struct.pack_into("!H", g, off, 0)
            struct.pack_into("!H", g, off, 0xFFFF ^ csum(bytes(g[hs:hs + hl])))
            return
    else:
        end = ip + 40 + struct.unpack_from("!H", g, ip + 4)[0]
        proto, p = g[ip + 6], ip + 40
        src, dst, alen = ip + 8, ip + 24, 16
        while p < hs and proto in (0, 43, 60):
            if proto == 43 and g[p + 2] == 4 and g[p + 3] > 0:
                dst = p + 8
            proto, p = g[p], p + (g[p + 1] + 1) * 8
    hl = hl or end - hs
    struct.pack_into("!H", g, off, 0)
    pseudo = 0 if proto == 1 else csum(bytes(g[src:src + alen]) + bytes(g[dst:dst + alen])) + hl + proto
    v = 0xFFFF ^ csum(bytes(g[hs:hs + hl]), pseudo)
    if v == 0 and proto == 17:
        v = 0xFFFF
    struct.pack_into("!H", g, off, v)


def variant_port(v):
    f = base64.b64decode(v["base_packet"]["data"])[: v["base_packet"]["length"]]
    l3, et = l3_offset(f)
    if et == 0x0800:
        return struct.unpack_from("!H", f, l3 + (f[l3] & 15) * 4 + 2)[0]
    return struct.unpack_from("!H", f, 94 + 2)[0]  # the IPv6 variant's UDP (after its SRH)


def port_of(frame):
    l3, et = l3_offset(frame)
    if et == 0x0800:
        return struct.unpack_from("!H", frame, l3 + (frame[l3] & 15) * 4 + 2)[0]
    if et == 0x86DD and len(frame) >= 98:
        return struct.unpack_from("!H", frame, 96)[0]
    return None


def expected(v, j, actual):
    """Frame j of variant v by the rules; mixed fields take their value from `actual` (after
    checking the range). Returns (frame, problems)."""
    base = base64.b64decode(v["base_packet"]["data"])[: v["base_packet"]["length"]]
    probs = []
    lens = [p for p in v.get("variable_params") or [] if p["byte_start"] == U64MAX]
    g = bytearray(base)
    if lens:
        r = lens[0]["byte_range"]
        m = r["end"] - r["start"] + 1
        g = resize(base, r["start"] + j % m)
    for p in v.get("variable_params") or []:
        if p["byte_start"] == U64MAX:
            continue
        s, e, off, size = p["byte_range"]["start"], p["byte_range"]["end"], p["byte_start"], p["byte_size"]
        pat = p.get("pattern_type") or ""
        if pat == "sequential":
            val = s + j % (e - s + 1)
        elif pat == "mixed":
            val = int.from_bytes(actual[off:off + size], "big") if len(actual) >= off + size else -1
            if not any(x % (1 << (8 * size)) == val for x in (range(s, e + 1) if e - s < 1 << 20 else [val])):
                probs.append(f"mixed field at {off} is {val}, outside {s}..{e}")
        else:
            val = s
        g[off:off + size] = (val % (1 << (8 * size))).to_bytes(size, "big")
    for c in v.get("checksums") or []:
        apply_spec(g, c)
    return bytes(g), probs


def blank(v, f):
    g = bytearray(f)
    for p in v.get("variable_params") or []:
        if p["byte_start"] != U64MAX and (p.get("pattern_type") or "") == "mixed":
            g[p["byte_start"]:p["byte_start"] + p["byte_size"]] = bytes(p["byte_size"])
    for c in v.get("checksums") or []:
        g[c["checksum_offset"]:c["checksum_offset"] + 2] = b"\0\0"
    return bytes(g)


def check(pcap, resp_path, count, any_order):
    resp = json.load(open(resp_path))
    vs = resp["variable_packet_template"]["variants"]
    pattern = resp["variable_packet_template"].get("pattern", "sequential")
    w = [v.get("weight") or 1 for v in vs]
    W = sum(w)
    if pattern == "mixed":
        shares = None
    else:
        shares = [count * x // W for x in w[:-1]]
        shares.append(count - sum(shares))
    got = [f for _, f in pcapread.frames(pcap)]
    ports = [variant_port(v) for v in vs]
    per = {i: [] for i in range(len(vs))}
    bad = 0
    for f in got:
        p = port_of(f)
        if p in ports:
            per[ports.index(p)].append(f)
        else:
            bad += 1
    probs = []
    if len(got) != count:
        probs.append(f"{len(got)} frames, want {count}")
    if bad:
        probs.append(f"{bad} frames of no variant")
    for i, v in enumerate(vs):
        fr = per[i]
        if shares is not None and len(fr) != shares[i]:
            probs.append(f"variant {i}: {len(fr)} frames, want floor({count} * {w[i]} / {W}) = {shares[i]}")
        if shares is None:
            lo, hi = count * w[i] / W * 0.9 - 2, count * w[i] / W * 1.1 + 2
            if not lo <= len(fr) <= hi:
                probs.append(f"variant {i}: {len(fr)} frames, want about {count * w[i] / W:.0f} (weight {w[i]} of {W})")
        want = []
        for j, f in enumerate(fr):
            e, pr = expected(v, j, f)
            probs += [f"variant {i} frame {j}: {x}" for x in pr[:1]]
            want.append(e)
        if any_order:
            # frame j is not rule frame j: compare with the mixed fields and the checksum fields
            # blanked (their values were taken from frame j; tshark checks the checksums)
            fr_sorted, want_sorted = sorted(blank(v, f) for f in fr), sorted(blank(v, f) for f in want)
            if fr_sorted != want_sorted:
                missing = len([x for x in want_sorted if x not in fr_sorted])
                probs.append(f"variant {i}: {missing} of {len(fr)} frames differ from the rules' (any order)")
        else:
            for j, (a, b) in enumerate(zip(fr, want)):
                if a != b:
                    diff = [k for k in range(max(len(a), len(b))) if k >= len(a) or k >= len(b) or a[k] != b[k]]
                    probs.append(f"variant {i} frame {j}: {len(a)} bytes, want {len(b)}; differs at bytes {diff[:8]}")
                    break
        print(f"variant {i}: {len(fr)} frames checked")
    for p in probs:
        print("FAIL: " + p)
    return 0 if not probs else 1


# ---- the plugin ---------------------------------------------------------------------------------


def wat_bytes(b):
    return "".join("\\%02x" % x for x in b)


def make_wat(resp_text, goshim, init_answer, process_code):
    ok = b'{"success":true}'
    init = init_answer.encode() if init_answer is not None else ok
    resp = resp_text.encode()
    R, I, K = 65536, 1024, 2048   # where the answers sit
    gs = "github.com/takehaya/xdperf/pkg/plugin/goshim"
    imports = ['(import "env" "host_log" (func $log (param i32 i32 i32)))']
    if goshim:
        for kind in ("Init", "Process", "Cleanup"):
            imports.append(f'(import "{gs}" "pluginGenerator{kind}Request" (func $req{kind} (param i32 i32) (result i32)))')
            imports.append(f'(import "{gs}" "pluginGenerator{kind}Response" (func $resp{kind} (param i32 i32)))')
        imports.append(f'(import "{gs}" "getShutdownRequested" (func $shutdown (result i32)))')

    def body(kind, answer_at, answer_len, code):
        if goshim:
            # fetch the request into a 2048-byte buffer at 8192 (the length is all we log
            # beyond it), log it, hand over the answer, return 1
            return f"""
    (local $n i32)
    (local.set $n (call $req{kind} (i32.const 8192) (i32.const 2048)))
    (if (i32.gt_u (local.get $n) (i32.const 2048))
      (then (drop (call $req{kind} (i32.const 16384) (local.get $n)))
            (call $log (i32.const 1) (i32.const 16384) (local.get $n)))
      (else (call $log (i32.const 1) (i32.const 8192) (local.get $n))))
    (call $resp{kind} (i32.const {answer_at}) (i32.const {answer_len}))
    (i32.const {1 if code is None else code})"""
        return f"""
    (call $log (i32.const 1) (local.get 0) (local.get 1))
    (if (i32.lt_u (local.get 3) (i32.const {answer_len})) (then (return (i32.const -4))))
    (memory.copy (local.get 2) (i32.const {answer_at}) (i32.const {answer_len}))
    (i32.const {answer_len if code is None else code})"""

    return f"""(module
  {chr(10).join(imports)}
  (memory (export "memory") 4)
  (global $heap (mut i32) (i32.const {R + len(resp) + 64}))
  (data (i32.const {I}) "{wat_bytes(init)}")
  (data (i32.const {K}) "{wat_bytes(ok)}")
  (data (i32.const {R}) "{wat_bytes(resp)}")
  (func (export "malloc") (param $n i32) (result i32)
    (local $p i32) (local $need i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.const 15)) (i32.const -16)))
    (global.set $heap (i32.add (local.get $p) (local.get $n)))
    (local.set $need (i32.sub (i32.shr_u (i32.add (global.get $heap) (i32.const 65535)) (i32.const 16))
                              (memory.size)))
    (if (i32.gt_s (local.get $need) (i32.const 0))
      (then (if (i32.lt_s (memory.grow (local.get $need)) (i32.const 0)) (then (return (i32.const 0))))))
    (local.get $p))
  (func (export "free") (param $p i32)
    ;; a stack: the host frees the output, then the input
    (if (i32.and (i32.ne (local.get $p) (i32.const 0)) (i32.lt_u (local.get $p) (global.get $heap)))
      (then (global.set $heap (local.get $p)))))
  (func (export "plugin_init") (param i32 i32 i32 i32) (result i32){body("Init", I, len(init), None)})
  (func (export "plugin_process") (param i32 i32 i32 i32) (result i32){body("Process", R, len(resp), process_code)})
  (func (export "plugin_cleanup") (param i32 i32 i32 i32) (result i32){body("Cleanup", K, len(ok), None)})
)
"""


def main():
    cmd = sys.argv[1]
    if cmd == "resp":
        pattern = "sequential"
        if "--pattern" in sys.argv:
            pattern = sys.argv[sys.argv.index("--pattern") + 1]
        json.dump(make_resp(pattern), open(sys.argv[2], "w"))
        return 0
    if cmd == "wat":
        a = sys.argv
        init = a[a.index("--init-answer") + 1] if "--init-answer" in a else None
        code = int(a[a.index("--process-code") + 1]) if "--process-code" in a else None
        text = open(a[2]).read()
        open(a[3], "w").write(make_wat(text, "--goshim" in a, init, code))
        return 0
    if cmd == "check":
        return check(sys.argv[2], sys.argv[3], int(sys.argv[4]), "--any-order" in sys.argv)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes a template file (the generator plugin response format) for the transmit tests:
one Ethernet/IPv4/UDP frame per entry of --lens, from 02:00:00:00:00:01 / 10.201.0.1 to
02:00:00:00:00:02 / 10.201.0.2, UDP source port --port + index, valid IPv4 checksum, payload
byte i = i % 256. --rates gives each template a metadata.rate_pps; --copies repeats the list
with further source ports (distinct templates of the same lengths)."""
import argparse
import json
import struct


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(length, sport):
    eth = bytes.fromhex("020000000002" "020000000001") + b"\x08\x00"
    ip_len = length - 14
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, 0, 0, 64, 17, 0,
                               bytes([10, 201, 0, 1]), bytes([10, 201, 0, 2])))
    struct.pack_into("!H", ip, 10, csum(bytes(ip)))
    udp_len = ip_len - 20
    payload = bytes(i % 256 for i in range(udp_len - 8))
    udp = struct.pack("!HHHH", sport, 5000, udp_len, 0) + payload
    return eth + bytes(ip) + udp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lens", default="64")
    ap.add_argument("--port", type=int, default=1000)
    ap.add_argument("--rates", default="")
    ap.add_argument("--copies", type=int, default=1)
    a = ap.parse_args()
    lens = [int(x) for x in a.lens.split(",")] * a.copies
    rates = [int(x) for x in a.rates.split(",")] if a.rates else []
    out = []
    for i, n in enumerate(lens):
        t = {"template": {"base_packet": {"data": frame(n, a.port + i).hex(), "type": "hex"}}}
        if rates:
            t["metadata"] = {"rate_pps": rates[i % len(rates)]}
        out.append(t)
    print(json.dumps(out))


main()

#!/usr/bin/env bash
# The reflector (`xdperf --server --reflect [ports]`) and the generator's --rx-device, on a veth
# pair: NS_B's server on veth1 sends back what comes to UDP port 5678, NS_A's generator sends
# from veth0 and counts what comes back on veth0 (tcpdump captures it there too).
#  - XDP, --reflect ports: every frame sent comes back (the generator's round trip = sent =
#    the server's packets = reflected, none failed: exact XDP counters), and every frame
#    captured is one of the frames sent (the same run written with -o) turned around: MACs,
#    IPv4 addresses and UDP ports swapped, everything else (checksums included, valid per
#    tshark) the same;
#  - XDP, --reflect (addresses only): ports kept;
#  - AF_PACKET server, --reflect ports: the same, every frame accounted for;
#  - IPv6/UDP in an 802.1Q VLAN (ipv6udp), XDP: addresses and ports swapped through the tag;
#  - a datagram to another port still reaches NS_B's stack through the reflecting server;
#  - the summaries: the server's "reflected" line, the generator's "round trip" line, --json.
set -uo pipefail
. "$REPO/tests/lib/netns.sh"
. "$REPO/tests/lib/capture.sh"
netns_need_root
command -v tshark >/dev/null || { echo "tshark is not installed"; exit 77; }
netns_pair_setup
T="$TMPDIR"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
N=20000
# NS_B's stack: a socket on 5678 (so that the frames the AF_PACKET server leaves to the stack
# draw no ICMP errors) and one on 7777 that writes what it gets to other.txt
ip netns exec "$NS_B" python3 - "$T/other.txt" <<'PY' &
import select, socket, sys, time
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("0.0.0.0", 5678))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("0.0.0.0", 7777))
end = time.time() + 120
while time.time() < end:
    r, _, _ = select.select([a, b], [], [], 0.2)
    for s in r:
        d = s.recv(4096)
        if s is b:
            open(sys.argv[1], "ab").write(d + b"\n")
PY
printf '{"dst_mac":"%s","src_ip":"10.201.0.1","dst_ip":"10.201.0.2","src_port":1234,"dst_port":5678,"payload_size":100}' \
	"$MAC_B" >"$T/c.json"
printf '{"dst_mac":"%s","vlan":100,"src_port":1234,"dst_port":5678,"payload_size":100}' "$MAC_B" >"$T/v6.json"
PLUGIN=simpleudp CFG="$T/c.json"
sent_pcap() { "$XDPERF" -p "$PLUGIN" --cfg "$CFG" --src-mac "$MAC_A" -o "$T/sent.pcap" -c $N 2>/dev/null ||
	{ echo "FAIL: pcap run"; exit 1; }; }

# one case: server mode, reflect argument, generator args
run() { # WHAT SRVMODE REFLECT [GEN ARGS...]
	local what=$1 mode=$2 refl=$3
	shift 3
	rm -f "$T/srv.json" "$T/gen.json" "$T/back.pcap"
	sent_pcap
	# shellcheck disable=SC2086
	ip netns exec "$NS_B" "$XDPERF" --server -d "$IF_B" --mode "$mode" --port 5678 $refl --duration 30 \
		--json >"$T/srv.json" 2>"$T/srv.err" &
	local sp=$!
	for _ in $(seq 100); do grep -q "server on" "$T/srv.err" 2>/dev/null && break; sleep 0.05; done
	ip netns exec "$NS_A" tcpdump -n --immediate-mode -U -Q in -B 65536 -i "$IF_A" -w "$T/back.pcap" "udp or (vlan and udp)" \
		2>"$T/td.err" &
	local tp=$!
	for _ in $(seq 100); do grep -q "listening on" "$T/td.err" 2>/dev/null && break; sleep 0.05; done
	ip netns exec "$NS_A" "${XDPERF_BIN:-$XDPERF}" -p "$PLUGIN" --cfg "$CFG" -d "$IF_A" -c $N \
		--rx-device "$IF_A" --json "$@" >"$T/gen.json" 2>"$T/gen.err" || bad "$what: generator exit $?: $(tail -n 2 "$T/gen.err")"
	# a datagram to another port: not for the reflector, so it reaches NS_B's stack
	ip netns exec "$NS_A" python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"hello", ("10.201.0.2", 7777))'
	for _ in $(seq 100); do grep -q hello "$T/other.txt" 2>/dev/null && break; sleep 0.05; done
	grep -q hello "$T/other.txt" 2>/dev/null || bad "$what: a datagram to port 7777 did not get through the reflecting server"
	rm -f "$T/other.txt"
	pcap_wait "$T/back.pcap" $N 10 || true
	kill -INT "$tp" 2>/dev/null; wait "$tp" 2>/dev/null
	kill -INT "$sp" 2>/dev/null; wait "$sp" 2>/dev/null
	python3 - "$T" "$what" "$refl" "$N" "$MAC_A" "$MAC_B" <<'PY' || fail=1
import json, sys, collections
t, what, refl, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.insert(0, __import__("os").environ["REPO"] + "/tests/lib")
import pcapread
ok = True
def no(msg):
    global ok
    ok = False
    print(f"FAIL: {what}: {msg}")
g = json.load(open(t + "/gen.json"))
s = json.load(open(t + "/srv.json"))
rx = g.get("rx", {})
if g["packets"] != n: no(f"sent {g['packets']}, want {n}")
if rx.get("packets") != n: no(f"round trip {rx.get('packets')} back, want {n}")
if s["packets"] != n or s.get("reflected") != n: no(f"server counted {s['packets']}, reflected {s.get('reflected')}, want {n}")
if s.get("reflect_failed", 0) != 0: no(f"reflect_failed {s.get('reflect_failed')}")
if s.get("reflect") != ("ports" if "ports" in refl else "addresses"): no(f"server report says reflect {s.get('reflect')}")
def turn(f, ports):
    f = bytearray(f)
    f[0:6], f[6:12] = f[6:12], f[0:6]
    l3, et = 14, f[12] << 8 | f[13]
    if et == 0x8100:
        l3, et = 18, f[16] << 8 | f[17]
    if et == 0x0800:
        f[l3 + 12:l3 + 16], f[l3 + 16:l3 + 20] = f[l3 + 16:l3 + 20], f[l3 + 12:l3 + 16]
        l4 = l3 + (f[l3] & 15) * 4
    else:
        f[l3 + 8:l3 + 24], f[l3 + 24:l3 + 40] = f[l3 + 24:l3 + 40], f[l3 + 8:l3 + 24]
        l4 = l3 + 40
    if ports:
        f[l4:l4 + 2], f[l4 + 2:l4 + 4] = f[l4 + 2:l4 + 4], f[l4:l4 + 2]
    return bytes(f)
sent = [f for _, f in pcapread.frames(t + "/sent.pcap")]
back = [f for _, f in pcapread.frames(t + "/back.pcap")]
want = collections.Counter(turn(f, "ports" in refl) for f in sent)
got = collections.Counter(back)
# tcpdump may miss frames under load (the counters above are exact): every frame it did
# capture must be one of the sent frames turned around, none more often than sent
if not back: no("nothing captured coming back")
miss = sum((got - want).values())
if miss: no(f"{miss} of the captured frames are not the sent frames turned around")
print(f"{what}: sent {g['packets']}, server {s['packets']} reflected {s.get('reflected')}, "
      f"back {rx.get('packets')}, captured {len(back)}, {miss} differing" + ("" if ok else "  FAIL"))
sys.exit(0 if ok else 1)
PY
	local badck
	badck=$(tshark -r "$T/back.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -T fields \
		-e ip.checksum.status -e udp.checksum.status 2>/dev/null |
		awk -F'\t' '{ for (i = 1; i <= NF; i++) if ($i != "" && $i != "1") { b++; break } } END { print b + 0 }')
	[ "$badck" = 0 ] || bad "$what: $badck frames came back with a checksum tshark does not find good"
}

run "xdp, --reflect ports" xdp "--reflect ports" -r 200000
run "xdp, --reflect" xdp "--reflect"
run "afpacket, --reflect ports" afpacket "--reflect ports" -r 50000
PLUGIN=ipv6udp CFG="$T/v6.json"
run "xdp, --reflect ports, IPv6 in a VLAN" xdp "--reflect ports" -r 200000
PLUGIN=simpleudp CFG="$T/c.json"

# the text summaries
ip netns exec "$NS_B" "$XDPERF" --server -d "$IF_B" --port 5678 --reflect --duration 30 -q 2>"$T/srvtxt.err" &
sp=$!
for _ in $(seq 100); do grep -q "server on" "$T/srvtxt.err" 2>/dev/null && break; sleep 0.05; done
ip netns exec "$NS_A" "$XDPERF" -p simpleudp --cfg "$T/c.json" -d "$IF_A" -c 1000 --rx-device "$IF_A" -q 2>"$T/txt.err" ||
	bad "text run: exit $?"
kill -INT $sp; wait $sp 2>/dev/null
grep -q "^xdperf: round trip: 1000 of 1000 packets came back on $IF_A (142000 bytes, 100.000%)$" "$T/txt.err" ||
	bad "round trip line: $(grep 'round trip' "$T/txt.err")"
grep -q "reflected 1000 (addresses swapped), 0 of them the device could not send back; 0 counted frames not IP" "$T/srvtxt.err" ||
	bad "server summary: $(grep reflected "$T/srvtxt.err")"
[ $fail = 0 ] && echo "reflector: every frame back, turned around exactly; round trip counted"
exit $fail

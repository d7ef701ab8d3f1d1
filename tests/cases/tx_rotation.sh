#!/usr/bin/env bash
# The order of the frames on the wire, captured with tcpdump in the receiving namespace: plain
# rotation through the templates (both backends, and with 1024 templates that differ only in
# a few bytes, which the XDP program patches in place), and the weighted interleaving when the
# templates carry metadata.rate_pps (3:1 -> 0 0 1 0 per cycle, at their total rate). Where this
# kernel refuses XDP live frames (tests/lib/xdp_live.sh) the XDP runs (the rotation, the 1024
# templates in order and byte for byte, the weighted order) go over AF_PACKET.
set -euo pipefail
. "$REPO/tests/lib/netns.sh"
. "$REPO/tests/lib/xdp_live.sh"
netns_need_root
netns_pair_setup
xdp_live_init
fail=0

# capture N frames on the receiver while running the sender; prints the UDP source ports
capture_ports() { # N sender-args...
	local n=$1
	shift
	rx_count_start "$NS_B" "$IF_B" --pass
	ip netns exec "$NS_B" tcpdump -n -i "$IF_B" -w "$TMPDIR/cap.pcap" -c "$n" udp 2>"$TMPDIR/tcpdump.err" &
	local tp=$!
	for _ in $(seq 50); do grep -q "listening on" "$TMPDIR/tcpdump.err" && break; sleep 0.1; done
	ip netns exec "$NS_A" "$XDPERF" -d "$IF_A" -q "$@" 2>"$TMPDIR/err" >/dev/null || cat "$TMPDIR/err" >&2
	# tcpdump ends at its N-th frame; when the sender failed that never comes: 10 s at most
	for _ in $(seq 100); do kill -0 $tp 2>/dev/null || break; sleep 0.1; done
	kill $tp 2>/dev/null || true
	wait $tp || true
	rx_count_stop >/dev/null
	tshark -r "$TMPDIR/cap.pcap" -T fields -e udp.srcport 2>/dev/null | tr '\n' ' '
}

python3 "$REPO/tests/lib/mkframes.py" --lens 64,100,200,64 > "$TMPDIR/t4.json"
want="1000 1001 1002 1003 1000 1001 1002 1003 1000 1001 1002 1003 "
for mode in $TX_MODES; do
	got=$(capture_ports 12 --templates "$TMPDIR/t4.json" --mode $mode -c 12)
	echo "$mode rotation: $got"
	[ "$got" = "$want" ] || { echo "FAIL: $mode rotation, want $want"; fail=1; }
done

# 1024 same-length templates: 2048 frames = two full cycles, in order, each frame intact
python3 "$REPO/tests/lib/mkframes.py" --lens 128 --copies 1024 > "$TMPDIR/t1024.json"
got=$(capture_ports 2048 --templates "$TMPDIR/t1024.json" --mode "$TX_MODE" -c 2048)
want=$(for c in 1 2; do for ((p = 1000; p < 2024; p++)); do printf '%d ' $p; done; done)
if [ "$got" = "$want" ]; then echo "$TX_MODE 1024 templates: 2048 frames in order"; else
	echo "FAIL: $TX_MODE 1024 templates out of order: ${got:0:200}..."; fail=1; fi
# every captured frame is byte-identical to its template
python3 - "$TMPDIR/cap.pcap" "$TMPDIR/t1024.json" "$TX_MODE" <<'PY' || fail=1
import json, struct, sys
data = open(sys.argv[1], "rb").read()
tmpl = [bytes.fromhex(t["template"]["base_packet"]["data"]) for t in json.load(open(sys.argv[2]))]
off, i, bad = 24, 0, 0
while off < len(data):
    _, _, incl, _ = struct.unpack_from("<IIII", data, off)
    pkt = data[off + 16: off + 16 + incl]
    if pkt != tmpl[i % len(tmpl)]:
        bad += 1
    off += 16 + incl
    i += 1
print(f"{sys.argv[3]} 1024 templates: {i} frames compared with their templates, {bad} differ")
sys.exit(1 if bad or i != 2048 else 0)
PY

# weights from rate_pps: 300 and 100 pps -> cycle 0 0 1 0 at 400 pps
python3 "$REPO/tests/lib/mkframes.py" --lens 64,64 --rates 300,100 > "$TMPDIR/rates.json"
got=$(capture_ports 8 --templates "$TMPDIR/rates.json" --mode "$TX_MODE" -c 8)
echo "$TX_MODE rate_pps 300:100 order: $got"
[ "$got" = "1000 1000 1001 1000 1000 1000 1001 1000 " ] || { echo "FAIL: weighted order"; fail=1; }
exit $fail

#!/usr/bin/env bash
# Capture replay of a 1 GiB capture (root; too slow for `make test`, whose pcap_replay case
# replays 50 000 frames / 34 MB instead). Builds a capture of about REPLAY_BENCH_MB MiB (default
# 1024: 64 MiB from tests/lib/mkcap.py, copied with shifted timestamps), replays it --topspeed on
# a veth pair with XDP and with AF_PACKET, and prints for each: the frames and bytes the
# receiver's XDP counter saw (they must equal the capture's: exit 1 otherwise), the time, the
# rate, and the sender's peak RSS (bounded: the capture is read ahead in chunks, not loaded).
# Then the same capture rewritten into a pcap file (-o, --dstipmap): time and rate.
#
#   sudo bench/replay_1g.sh            # REPLAY_BENCH_MB=256 for a quicker run
set -euo pipefail
export LC_ALL=C
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO XDPERF="${XDPERF:-$REPO/build/xdperf}"
MB="${REPLAY_BENCH_MB:-1024}"
[ "$(id -u)" = 0 ] || { echo "bench/replay_1g.sh: needs root (network namespaces, XDP)"; exit 77; }
TMPDIR="$(mktemp -d /tmp/xdperf-replay-bench.XXXXXX)"
export TMPDIR
. "$REPO/tests/lib/netns.sh"
netns_pair_setup
trap 'netns_cleanup; rm -rf "$TMPDIR"' EXIT

python3 "$REPO/tests/lib/mkcap.py" "$TMPDIR/seed.pcap" 100000 --gap-us 10 --lens 64,600,1514,1514
python3 - "$TMPDIR/seed.pcap" "$TMPDIR/big.pcap" "$MB" <<'PY'
import struct, sys
src, out, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, "rb").read()
hdr, recs = data[:24], data[24:]
# the records' span, to shift each copy after the previous one
off, last = 0, 0
while off < len(recs):
    s, u, n, _ = struct.unpack_from("<IIII", recs, off)
    last = s
    off += 16 + n
span = last - struct.unpack_from("<I", recs, 0)[0] + 1
with open(out, "wb") as f:
    f.write(hdr)
    k = 0
    while f.tell() < mb << 20:
        b = bytearray(recs)
        off = 0
        while off < len(b):
            s, u, n, _ = struct.unpack_from("<IIII", b, off)
            struct.pack_into("<I", b, off, s + k * span)
            off += 16 + n
        f.write(b)
        k += 1
PY
read -r frames bytes < <(python3 "$REPO/tests/lib/capcmp.py" bytes "$TMPDIR/big.pcap")
size=$(stat -c %s "$TMPDIR/big.pcap")
echo "capture: $size bytes on disk, $frames frames, $bytes frame bytes"
status=0
for mode in xdp afpacket; do
	rx_count_start "$NS_B" "$IF_B"
	t0=$(date +%s.%N)
	ip netns exec "$NS_A" /usr/bin/time -f "%M" -o "$TMPDIR/rss" "$XDPERF" --pcap "$TMPDIR/big.pcap" \
		-d "$IF_A" --topspeed --mode "$mode" --json -q >"$TMPDIR/out.json" 2>"$TMPDIR/err" || status=1
	t1=$(date +%s.%N)
	read -r pk by < <(rx_count_stop)
	awk -v m="$mode" -v f="$frames" -v b="$bytes" -v pk="$pk" -v by="$by" -v t0="$t0" -v t1="$t1" \
		-v rss="$(tail -n 1 "$TMPDIR/rss")" -v s="$(jq -r .duration_s "$TMPDIR/out.json")" 'BEGIN {
		printf "%-8s received %d of %d frames, %d of %d bytes; sent in %.2f s (%.0f pps, %.2f Gbit/s), " \
		       "%.2f s with start-up and the pre-check; peak RSS %.1f MiB\n", m, pk, f, by, b, s, f / s,
		       b * 8 / s / 1e9, t1 - t0, rss / 1024 }'
	[ "$pk" = "$frames" ] && [ "$by" = "$bytes" ] || { echo "FAIL: $mode: counts differ: $(cat "$TMPDIR/err")"; status=1; }
done
t0=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$TMPDIR/rss" "$XDPERF" --pcap "$TMPDIR/big.pcap" -o "$TMPDIR/out.pcap" \
	--dstipmap 10.201.0.0/16:10.9.0.0/16 2>"$TMPDIR/err" || status=1
t1=$(date +%s.%N)
awk -v f="$frames" -v t0="$t0" -v t1="$t1" -v rss="$(tail -n 1 "$TMPDIR/rss")" \
	'BEGIN { printf "-o file  %d frames rewritten into a pcap in %.2f s (%.0f frames/s); peak RSS %.1f MiB\n", f, t1 - t0, f / (t1 - t0), rss / 1024 }'
exit $status

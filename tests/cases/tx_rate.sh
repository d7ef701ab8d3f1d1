#!/usr/bin/env bash
# Rate control on a veth pair: --rate at a few rates (XDP, and AF_PACKET at one) lands within 2%
# of the target as counted by the receiver over a 2 s run, --bitrate converts through the
# frame size, and the traffic is smooth: at 20 000 pps every 50 ms of a capture holds 800 to
# 1200 frames (no burst-then-idle pattern; finer bins measure the capture's own batching). The
# sender catches up after its thread was held up, so a scheduler stall on a loaded machine
# shows as one low bin and a high one: up to 3 runs, one of them must be smooth. Where this
# kernel refuses XDP live frames (tests/lib/xdp_live.sh) the XDP runs (the rates and --bitrate)
# go over AF_PACKET with the same bounds, as does the smoothness run (auto mode falls back),
# the high rate 100 000 pps instead of 400 000 (what one AF_PACKET thread holds on a loaded
# machine). An AF_PACKET rate run that falls short (a sender held up by the machine's load) is
# repeated, up to 3 runs; one above the target fails at once.
set -euo pipefail
. "$REPO/tests/lib/netns.sh"
. "$REPO/tests/lib/capture.sh"
. "$REPO/tests/lib/xdp_live.sh"
netns_need_root
netns_pair_setup
xdp_live_init
python3 "$REPO/tests/lib/mkframes.py" --lens 100 > "$TMPDIR/t.json"
fail=0

check_rate() { # mode rate-args expected_pps
	local mode=$1 args=$2 want=$3 run dur rc
	for ((run = 1; ; run++)); do
		rx_count_start "$NS_B" "$IF_B"
		# shellcheck disable=SC2086
		ip netns exec "$NS_A" "$XDPERF" --templates "$TMPDIR/t.json" -d "$IF_A" --mode "$mode" $args -c 0 -t 2 \
			--json -q >"$TMPDIR/sum.json" 2>"$TMPDIR/err" || cat "$TMPDIR/err"
		read -r pk _ < <(rx_count_stop)
		dur=$(jq -r .duration_s "$TMPDIR/sum.json")
		rc=0
		python3 -c "import sys; pk, dur, want = int('$pk'), float('$dur'), float('$want'); r = pk / 2.0 / want
print(f'$mode $args: {pk} frames received in 2 s (sender ran {dur:.3f} s) = {r*100:.2f}% of the target'); sys.exit(0 if abs(r - 1) <= 0.02 else 2 if r < 1 else 1)" || rc=$?
		# AF_PACKET on a loaded machine: a sender held up for more than DEADLINE_GRACE (0.25 s:
		# its thread shares its CPU with other busy ones) ends short of the frames due, a run
		# that says nothing about the pacing: up to 3 runs. Too many frames, or XDP: at once.
		if [ $rc = 2 ] && [ "$mode" = afpacket ] && [ $run -lt 3 ]; then
			echo "  $mode $args, run $run: short of the target (the sender was held up), again"
			continue
		fi
		[ $rc = 0 ] || { echo "FAIL: $mode $args off by more than 2%"; fail=1; }
		return 0
	done
}

check_rate "$TX_MODE" "--rate 1000" 1000
check_rate "$TX_MODE" "--rate 50000" 50000
# the high rate: 400 000 pps is under a tenth of what XDP sends from one thread; AF_PACKET
# sends about 500 000 from one thread on an idle machine and a third of that on a loaded one,
# so there it is 100 000
if [ "$TX_MODE" = xdp ]; then
	check_rate xdp "--rate 400000" 400000
else
	check_rate afpacket "--rate 100000" 100000
fi
[ "$TX_MODE" = afpacket ] || check_rate afpacket "--rate 50000" 50000 # (run just above otherwise)
# 100-byte frames: 40 Mbit/s = 50000 frames/s
check_rate "$TX_MODE" "--bitrate 40M" 50000

# smoothness: 1 s of 20 000 pps captured on the receiver, counted per 50 ms (the capture may
# lose a few frames under load; the exact counts are checked above with the XDP counter)
smooth() { # RUN
	cap_start "$TMPDIR/cap$1.pcap" udp
	ip netns exec "$NS_A" "$XDPERF" --templates "$TMPDIR/t.json" -d "$IF_A" --rate 20000 -c 20000 -q 2>/dev/null
	cap_stop
	tshark -r "$TMPDIR/cap$1.pcap" -T fields -e frame.time_epoch 2>/dev/null > "$TMPDIR/times"
	python3 - "$TMPDIR/times" "$1" <<'PY'
import sys
t = [float(x) for x in open(sys.argv[1]) if x.strip()]
if len(t) < 18000:
    print(f"FAIL: only {len(t)} of 20000 frames captured"); sys.exit(1)
t0 = t[0]
bins = {}
for x in t:
    bins[int((x - t0) / 0.05)] = bins.get(int((x - t0) / 0.05), 0) + 1
inner = [bins.get(i, 0) for i in range(1, max(bins))]  # drop the partial first and last bins
lo, hi = min(inner), max(inner)
good = lo >= 800 and hi <= 1200
print(f"20000 pps, run {sys.argv[2]}: {len(t)} frames captured; per 50 ms: min {lo}, max {hi} (ideal 1000)"
      f"{'' if good else ': not smooth'}")
print("per 50 ms:", [bins.get(i, 0) for i in range(max(bins) + 1)])
sys.exit(0 if good else 1)
PY
}
run=1
until smooth $run; do
	[ $run -lt 3 ] || { echo "FAIL: no smooth run in 3"; fail=1; break; }
	run=$((run + 1))
done
exit $fail

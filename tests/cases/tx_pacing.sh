#!/usr/bin/env bash
# Pacing quality in the summary (root; a veth pair): a run at --rate 20000 for 3.5 s gives
#  - rate_stability over 3 whole seconds whose mean is the rate (within 25%: each second's
#    count, which a paced sender keeps up with even on a loaded machine), min <= mean <= max,
#    cv = stddev / mean;
#  - schedule_error for every frame sent (frames = packets, exactly), p50 <= p99 <= max;
#  - the same two lines in the text summary; an unpaced run has no schedule_error.
set -uo pipefail
. "$REPO/tests/lib/netns.sh"
netns_need_root
netns_pair_setup
T="$TMPDIR"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
printf '{"dst_mac":"%s"}' "$MAC_B" >"$T/c.json"
ip netns exec "$NS_B" "$XDPERF" count -d "$IF_B" --duration 60 >/dev/null 2>&1 &
cp=$!
for _ in $(seq 50); do ip -n "$NS_B" link show "$IF_B" | grep -q prog/xdp && break; sleep 0.1; done
ip netns exec "$NS_A" "$XDPERF" -p simpleudp --cfg "$T/c.json" -d "$IF_A" -c 0 -t 3.5 -r 20000 --json \
	>"$T/p.json" 2>"$T/p.err" || bad "paced run: exit $?: $(tail -n 1 "$T/p.err")"
python3 - "$T/p.json" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
ok = True
def no(m):
    global ok
    ok = False
    print("FAIL: " + m)
rs, se = d.get("rate_stability"), d.get("schedule_error")
if not rs or rs["seconds"] != 3: no(f"rate_stability {rs}: want 3 whole seconds")
else:
    if not 15000 <= rs["mean_pps"] <= 25000: no(f"mean {rs['mean_pps']} is not about 20000")
    if not rs["min_pps"] <= rs["mean_pps"] <= rs["max_pps"]: no(f"min/mean/max out of order: {rs}")
    # (6 significant digits each in JSON: docs/json-stream.md)
    if abs(rs["cv"] / (rs["stddev_pps"] / rs["mean_pps"]) - 1) > 2e-5: no(f"cv is not stddev / mean: {rs}")
if not se: no("no schedule_error in a paced run")
else:
    if se["frames"] != d["packets"]: no(f"schedule_error covers {se['frames']} frames, {d['packets']} were sent")
    if not 0 <= se["p50_us"] <= se["p99_us"] <= se["max_us"]: no(f"p50/p99/max out of order: {se}")
print(f"paced: {d['packets']} packets, rate_stability {rs}, schedule_error {se}" + ("" if ok else "  FAIL"))
sys.exit(0 if ok else 1)
PY
ip netns exec "$NS_A" "$XDPERF" -p simpleudp --cfg "$T/c.json" -d "$IF_A" -c 0 -t 1.5 -r 10000 -q 2>"$T/t.err" ||
	bad "text run: exit $?"
grep -q "^xdperf: rate per second over 1 whole second: mean [0-9]* pps, stddev" "$T/t.err" || bad "no rate line: $(cat "$T/t.err")"
grep -q "^xdperf: pacing: frames went after they were due by p50 <= .* us, p99 <= .* us, max .* us (15000 frames)$" "$T/t.err" ||
	bad "no pacing line: $(cat "$T/t.err")"
ip netns exec "$NS_A" "$XDPERF" -p simpleudp --cfg "$T/c.json" -d "$IF_A" -c 50000 --json >"$T/u.json" 2>/dev/null || bad "unpaced run"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(1 if "schedule_error" in d else 0)' "$T/u.json" ||
	bad "an unpaced run has a schedule_error: $(cat "$T/u.json")"
kill -INT $cp; wait $cp 2>/dev/null
[ $fail = 0 ] && echo "pacing quality: per-second rates and schedule error reported for every frame"
exit $fail

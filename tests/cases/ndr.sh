#!/usr/bin/env bash
# `xdperf ndr` against a link of known capacity (root, tests/lib/netns3.sh: A:veth0 -> R:r0,
# R:r1 -> B:veth1): R's egress r1 is a tbf qdisc of 10 Mbit/s (burst 32768 B, queue limit
# 65536 B), which counts a frame's bytes without the FCS, so frame size N (FCS included) passes
# C = 10e6 / (8 * (N - 4)) frames/s; a trial of T s loses nothing up to E = C + Q / T, Q =
# (burst + limit) / (N - 4) frames (the full bucket and the queue absorb that many; with a loss
# threshold L, up to E / (1 - L)): E is the answer expected, the documented tolerance Q / T.
# `xdperf --server --stamp --control` in B counts.
#  - NDR of 64, 128 and 1024-byte frames (1 s trials, --line-rate 20M: the max per size,
#    --resolution 0.02, --json, --report): every trial's sent and received equal captures on R
#    (r0 in: frames with the trial's run id in their stamps; r1 out: that run's distinct
#    sequence numbers; the 64-byte frames, too small for a stamp, summed by frame length); the
#    first trial is at the max (the line rate in frames of N + 20 bytes) and tbf delivers at most
#    C*T + Q of it (T the trial's first to last frame when that took longer); the resolution
#    is 2% of the max; the rate found passed its verification trial
#    and is within the resolution below the lowest rate that failed; it lies in
#    [(E - resolution) - 15%, E + 1%] (15%: a software tbf on a loaded 2-CPU machine loses frames
#    below its rate when its dequeue waits for a CPU); trials repeated passed although the sender
#    fell short (< 97% of rate * T sent) or failed with a frame 10 ms late, losing no more than
#    the frames due in that time (a burst after a stall); every trial is a line on
#    stderr; bps, line and L1 shares follow from pps by their definitions; the latency of the
#    verification trial for stamped sizes; the HTML report is written, self-contained;
#  - PDR (--loss 0.05, 128-byte frames, --resolution 0.005, the ASan build) finds a higher rate
#    than the NDR, the same checks with E / 0.95;
#  - SIGINT during the second trial (--mode afpacket): exit 130 within 3 s, the table so far
#    (the size marked stopped, the mode afpacket), "stopped by SIGINT" on stderr.
set -uo pipefail
cd "$REPO"
. tests/lib/netns.sh
. tests/lib/netns3.sh
. tests/lib/faults.sh
faults_setup router tcpdump jq python3 tc
command -v "$XDPERF_ASAN" >/dev/null || { echo "FAIL: no ASan build at $XDPERF_ASAN"; exit 1; }
netns3_r_accept_xdp || { echo "FAIL: R cannot take XDP frames on r0"; exit 1; }
# R forwards frame by frame: no GRO on r0 (an aggregate of XDP frames that came back to back
# would reach tbf as one packet, and tbf would pass more than its rate)
ip netns exec "$NS3_R" ethtool -K "$IF3_R0" gro off rx-udp-gro-forwarding off rx-gro-list off >/dev/null 2>&1 ||
	ip netns exec "$NS3_R" ethtool -K "$IF3_R0" gro off >/dev/null 2>&1

RATE=10000000 BURST=32768 LIMIT=65536 TRIAL=1 LINE=20000000 RES=0.02
ip netns exec "$NS3_R" tc qdisc add dev "$IF3_R1" root tbf rate "$RATE" burst "$BURST" limit "$LIMIT" ||
	{ echo "FAIL: cannot add the tbf qdisc on R's $IF3_R1"; exit 1; }
ip netns exec "$NS3_R" tc qdisc show dev "$IF3_R1"

ip netns exec "$NS3_B" "$XDPERF" --server -d "$IF3_B" --port 9000 --stamp --control "$IP3_B:7000" -q \
	>"$T/srv.out" 2>"$T/srv.err" &
SRV_PID=$!
wait_line "$T/srv.err" "control on" "$SRV_PID" 15 || { echo "FAIL: no server: $(cat "$T/srv.err")"; exit 1; }
cat >"$T/cfg.json" <<EOF
{"src_ip": "$IP3_A", "dst_ip": "$IP3_B", "src_port": 4000, "dst_port": 9000, "dst_mac": "$MAC3_R0"}
EOF

# whole frames (-s 2048: the stamp is at the end), a big buffer
declare -A CAPS=()
cap() { # FILE IF DIR
	rm -f "$1" "$1.err"
	ip netns exec "$NS3_R" tcpdump -n --immediate-mode -Q "$3" -B 65536 -s 2048 -i "$2" -w "$1" \
		udp dst port 9000 2>"$1.err" &
	CAPS[$1]=$!
	wait_line "$1.err" "listening on" "$!" 10 || { no "tcpdump on R:$2 did not start: $(cat "$1.err")"; return 1; }
}
cap_end() { # FILE...
	local f
	sleep 0.5
	for f in "$@"; do
		kill -INT "${CAPS[$f]}" 2>/dev/null
		wait "${CAPS[$f]}" 2>/dev/null
	done
}

# ---- NDR: three sizes, checked trial by trial against R's captures --------------------------
cap "$T/r0.pcap" "$IF3_R0" in && cap "$T/r1.pcap" "$IF3_R1" out || exit 1
t0=$(now)
gen_bg ndr "$NS3_A" ndr -d "$IF3_A" --server-addr "$IP3_B:7000" --cfg "$T/cfg.json" --sizes 64,128,1024 \
	--trial "$TRIAL" --line-rate "$LINE" --resolution "$RES" --json --report "$T/ndr.html"
gen_wait 150
timing "NDR of 3 sizes" "$(elapsed "$t0" "$GEN_END")" 150
cap_end "$T/r0.pcap" "$T/r1.pcap"
eq "ndr exit status" "$GEN_RC" 0
cap_intact "$T/r0.pcap"
cap_intact "$T/r1.pcap"
sed 's/^/  | /' "$T/ndr.err"

check() { # JSON NAME THRESHOLD RESOLUTION [captures]: the analysis, one ok:/FAIL: line per check
	python3 - "$1" "$2" "$3" "$RATE" "$BURST" "$LIMIT" "$TRIAL" "$4" "${5:-}" "$T/r0.pcap" "$T/r1.pcap" \
		"$T/$2.err" "$LINE" <<'EOF'
import json, math, re, sys
sys.path.insert(0, "tests/lib")
from pcapread import frames, trailer
js, name, th, rate, burst, limit, trial, res, caps, r0, r1, errf, line = sys.argv[1:14]
th, rate, burst, limit, trial, res = float(th), float(rate), float(burst), float(limit), float(trial), float(res)
line = int(line)
doc = json.load(open(js))
nd = doc["ndr"]
def ok(m): print("ok: %s: %s" % (name, m))
def no(m): print("FAIL: %s: %s" % (name, m))
def chk(c, m): ok(m) if c else no(m)
chk(doc["kind"] == "ndr" and nd["threshold"] == th and nd["trial_s"] == trial and nd["resolution"] == res
    and nd["line_rate_bps"] == line, "kind, threshold %g, trial_s, resolution, line_rate_bps" % th)
chk(doc["params"]["plugin_name"] == "simpleudp" and len(doc["params"].get("plugin_sha256", "")) == 64,
    "params name the plugin and its SHA-256")
steps = nd["steps"]
err = open(errf).read()
stepl = re.findall(r"^xdperf ndr: (\d+) B trial (\d+) \((search|verify|unpaced)\)", err, re.M)
chk(len(stepl) == len(steps), "%d step lines on stderr = %d steps in the JSON" % (len(stepl), len(steps)))
if caps:
    # captures: per run id, frames R took from A (r0 in) and distinct (stream, seq) R sent to B
    sent_by, got_by, len_in, len_out = {}, {}, {}, {}
    for path, into, lens in ((r0, sent_by, len_in), (r1, got_by, len_out)):
        for _, f in frames(path):
            lens[len(f)] = lens.get(len(f), 0) + 1
            if len(f) < 42 or f[12:14] != b"\x08\x00":
                continue
            ihl = (f[14] & 15) * 4
            ulen = int.from_bytes(f[14 + ihl + 4:14 + ihl + 6], "big")
            t = trailer(f, 14 + ihl + ulen)
            if t and t[0] == 2:
                if into is got_by:
                    into.setdefault(t[1], set()).add((t[2], t[3]))
                else:
                    into[t[1]] = into.get(t[1], 0) + 1
    bad = 0
    for s in steps:
        if not s["stamped"]:
            continue
        a, b = sent_by.get(s["run"], 0), len(got_by.get(s["run"], ()))
        if a != s["sent"] or b != s["received"]:
            bad += 1
            no("%d B trial %d: sent %d received %d, R's captures %d and %d" % (s["frame_size"], s["trial"],
               s["sent"], s["received"], a, b))
    n = sum(1 for s in steps if s["stamped"])
    chk(bad == 0 and n > 0, "%d stamped trials: sent = R's r0 frames of the run, received = its distinct "
        "sequences out of r1" % n)
    # unstamped (64-byte: 60-byte frames): summed
    u = [s for s in steps if not s["stamped"]]
    if u:
        chk(sum(s["sent"] for s in u) == len_in.get(60, 0) and sum(s["received"] for s in u) == len_out.get(60, 0),
            "%d unstamped 64-byte trials: sent %d = r0's 60-byte frames %d, received %d = r1's %d" % (len(u),
            sum(s["sent"] for s in u), len_in.get(60, 0), sum(s["received"] for s in u), len_out.get(60, 0)))
for r in nd["results"]:
    N = r["frame_size"]
    st = [s for s in steps if s["frame_size"] == N]
    C = rate / 8 / (N - 4)
    Q = (burst + limit) / (N - 4)
    mx = math.floor(line / (8 * (N + 20)))
    E = (C + Q / trial) / (1 - th)  # the rate tbf passes in a trial of T s (with loss th)
    pps, rp = r["pps"], r["resolution_pps"]
    print("  %d B: found %d pps in %d trials (capacity C = %.1f, expected E = (C + Q/T) / (1 - loss) = %.1f, "
          "resolution %d)" % (N, pps, len(st), C, E, rp))
    chk(r["status"] == "found" and r["verified"] and r["trials"] == len(st) and r["max_pps"] == mx and
        r["max_from"] == "--line-rate" and abs(r["resolution_pps"] - max(1, res * mx)) <= 1e-5 * res * mx,
        "%d B: found, verified, %d trials, max %d (the line rate), resolution %d" % (N, len(st), mx, rp))
    chk(st[0]["kind"] == "search" and st[0]["rate_pps"] == mx and not st[0]["pass"],
        "%d B: the first trial at the max fails" % N)
    chk(st[-1]["kind"] == "verify" and st[-1]["pass"] and not st[-1]["repeated"] and st[-1]["rate_pps"] == pps,
        "%d B: the last trial verifies %d pps and passes" % (N, pps))
    for s in st:
        if s["pass"] != (s["sent"] > 0 and s["sent"] - min(s["sent"], s["received"]) <= th * s["sent"]):
            no("%d B trial %d: pass %s with sent %d received %d" % (N, s["trial"], s["pass"], s["sent"], s["received"]))
        # repeated: passing trials that sent less than 97% of rate * time, failing ones with a
        # frame more than 10 ms late that lost no more than the frames due in that time
        lost = s["sent"] - min(s["sent"], s["received"])
        if s["repeated"] and not ((s["pass"] and s["sent"] < 0.97 * s["rate_pps"] * trial) or
                                  (not s["pass"] and s["late_max_us"] > 10000 and
                                   lost <= s["late_max_us"] / 1e6 * s["rate_pps"] + 1)):
            no("%d B trial %d repeated with sent %d at %d pps" % (N, s["trial"], s["sent"], s["rate_pps"]))
    chk([s["trial"] for s in st] == list(range(1, len(st) + 1)), "%d B: trials numbered 1..%d" % (N, len(st)))
    # (a rate that passed and later failed its verification is a failure; a repeated trial is
    # not one)
    fails = [s["rate_pps"] for s in st if not s["pass"] and not s["repeated"]]
    chk(min(fails) > pps and min(fails) - pps <= rp,
        "%d B: the lowest failed rate %d is above the rate found by at most the resolution" % (N, min(fails)))
    # tbf passes C frames a second while frames come, plus its bucket and queue: over T, or
    # over the trial's first to last frame when the sender took longer (a loaded machine)
    over, span = st[0]["received"], max(trial, st[0]["seconds"])
    chk(over <= C * span * 1.01 + Q + 1, "%d B: tbf delivered %d frames in the trial at the max (%.3f s), at most C*T + Q = %.0f"
        % (N, over, span, C * span + Q))
    # the throughput tbf allows, E, or less by the resolution; and up to 15% less on a loaded
    # machine (a software tbf whose dequeue waits for a busy CPU loses frames below its rate)
    lo, hi = (E - rp) * 0.85, E * 1.01 + 1
    chk(lo <= pps <= hi, "%d B: %d pps in [%.0f, %.0f] ((E - resolution) - 15%%, E + 1%%)" % (N, pps, lo, hi))
    chk(r["bps"] == pps * N * 8 and abs(r["line_share"] - pps * N * 8 / line) < 1e-9 and
        abs(r["l1_share"] - pps * (N + 20) * 8 / line) < 1e-9, "%d B: bps, line and L1 shares" % N)
    lat = r.get("latency")
    if r["stamped"]:
        chk(lat is not None and lat["count"] == st[-1]["received"] and 0 < lat["p50_us"] <= lat["max_us"],
            "%d B: latency of the verification trial (%s samples)" % (N, lat and lat["count"]))
    else:
        chk(N == 64 and lat is None, "%d B: no stamp (64-byte IPv4/UDP frames have no room), no latency" % N)
print("FOUND", " ".join("%d=%d" % (r["frame_size"], r["pps"]) for r in nd["results"]))
EOF
}
check "$T/ndr.out" ndr 0 "$RES" captures >"$T/check.txt"
cat "$T/check.txt"
grep -q "^FAIL" "$T/check.txt" && fail=1
ndr128=$(sed -n 's/^FOUND.* 128=\([0-9]*\).*/\1/p' "$T/check.txt")
if [ -s "$T/ndr.html" ] && grep -q "Throughput (RFC 2544)" "$T/ndr.html" && grep -q "1024" "$T/ndr.html"; then
	ok "the HTML report has the results"
else
	no "the HTML report $T/ndr.html is missing or has no results"
fi
no_line "the report fetches nothing" "$T/ndr.html" '(src|href)="(https?:)?//'

# ---- PDR: 5 % loss allowed finds more than the NDR -----------------------------------------
FAULTS_BIN=$XDPERF_ASAN gen_bg pdr "$NS3_A" ndr -d "$IF3_A" --server-addr "$IP3_B:7000" --cfg "$T/cfg.json" --sizes 128 \
	--trial "$TRIAL" --line-rate "$LINE" --resolution 0.005 --loss 0.05 --json
gen_wait 60
eq "pdr exit status" "$GEN_RC" 0
check "$T/pdr.out" pdr 0.05 0.005 >"$T/check2.txt"
cat "$T/check2.txt"
grep -q "^FAIL" "$T/check2.txt" && fail=1
pdr128=$(sed -n 's/^FOUND 128=\([0-9]*\)$/\1/p' "$T/check2.txt")
if [ -n "$pdr128" ] && [ -n "$ndr128" ] && [ "$pdr128" -gt "$ndr128" ]; then
	ok "PDR 5% $pdr128 pps > NDR $ndr128 pps"
else
	no "PDR 5% '$pdr128' pps, NDR '$ndr128' pps: want PDR > NDR"
fi

# ---- SIGINT: the table so far -----------------------------------------------------------------
gen_bg stop "$NS3_A" ndr -d "$IF3_A" --server-addr "$IP3_B:7000" --cfg "$T/cfg.json" --sizes 128,1024 \
	--trial "$TRIAL" --line-rate "$LINE" --resolution "$RES" --mode afpacket
wait_line "$T/stop.err" "128 B trial 1 " "$GEN_PID" 30 || no "no first trial line: $(cat "$T/stop.err")"
sleep 0.3
t0=$(now)
kill -INT "$GEN_PID"
gen_wait 10
timing "SIGINT to exit" "$(elapsed "$t0" "$GEN_END")" 3
eq "stopped exit status" "$GEN_RC" 130
one_line "stopped: stderr says so" "$T/stop.err" "^xdperf ndr: stopped by SIGINT; the results so far$"
one_line "stopped: the table's header" "$T/stop.out" "^xdperf ndr: throughput on $IF3_A \(afpacket, 1 thread\), loss at most 0 \(NDR\), trials of 1 s \(stopped\)$"
one_line "stopped: the 128-byte row, marked" "$T/stop.out" "^ +128 +[0-9]+ +[0-9.]+ +[0-9.]+% +[0-9.]+% .* stopped: not verified$"
no_line "stopped: no 1024-byte row" "$T/stop.out" "^ +1024 "

kill -INT "$SRV_PID" 2>/dev/null
wait "$SRV_PID" || no "the server exited $?: $(tail -n 3 "$T/srv.err")"
times_report
exit $fail

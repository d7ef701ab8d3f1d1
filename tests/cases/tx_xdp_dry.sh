#!/usr/bin/env bash
# XDPERF_XDP_DRY_RUN=1 (the benchmark aid of bench/tx_dry.sh) on a veth pair: the transmit
# program runs for exactly the frames asked for (-c, with and without --stamp and the field
# engine), xdperf says on stderr that nothing is sent, and nothing arrives on the peer (its
# rx_packets stays put). Without the variable the same run sends as usual (or is
# refused live frames with the documented line). Then XDPERF_XDP_DRY_OUT: the frame each call
# leaves, checked by tests/lib/check_dry_pcap.py (IPv4 and UDP checksums with stamps, with and
# without an increment modifier, the trailer's run, rising sequence numbers and send times within the
# run), for calls of one frame (fresh pages) and of many (the page reused between frames, as
# live frames recycle pages). Then IMIX: per-template counts as the schedule's, pages kept,
# the frames against the set's. This tests the XDP program's frames where live frames are
# refused. Root.
set -uo pipefail
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
XDPERF="${XDPERF:-$REPO/build/xdperf}"
. "$REPO/tests/lib/netns.sh"
netns_need_root
netns_pair_setup
T="$(mktemp -d "${TMPDIR:-/tmp}/tx_dry.XXXXXX")"
python3 "$REPO/tests/lib/mktmpl.py" --len 70 --dport 9000 >"$T/t.json"
python3 "$REPO/tests/lib/mktmpl.py" --len 70 --dport 9000 --mod 'udp.src_port|increment|1000|1999' >"$T/m.json"
python3 "$REPO/tests/lib/mktmpl.py" --len 70 --dport 9000 --mod 'udp.src_port|random|1000|1999' >"$T/r.json"
fails=0
rx() { ip netns exec "$NS_B" cat /sys/class/net/veth1/statistics/rx_packets; }
for args in "--templates $T/t.json" "--templates $T/t.json --stamp" "--templates $T/m.json --stamp"; do
	before=$(rx)
	# shellcheck disable=SC2086
	out=$(XDPERF_XDP_DRY_RUN=1 ip netns exec "$NS_A" timeout -s INT 60 "$XDPERF" -d veth0 --mode xdp \
		$args -c 5000 -q --json 2>"$T/err")
	rc=$?
	got=$(echo "$out" | python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["packets"])' 2>/dev/null)
	after=$(rx)
	if [ "$rc" != 0 ] || [ "$got" != 5000 ]; then
		echo "FAIL: $args: exit $rc, $got program runs (want 0 and 5000): $(head -2 "$T/err")"; fails=$((fails + 1))
	fi
	if ! grep -q "XDPERF_XDP_DRY_RUN=1: frames go through the transmit program on veth0 but are not sent" "$T/err"; then
		echo "FAIL: $args: no notice that nothing is sent: $(head -2 "$T/err")"; fails=$((fails + 1))
	fi
	if [ "$after" != "$before" ]; then
		echo "FAIL: $args: the peer received $((after - before)) frames in a dry run"; fails=$((fails + 1))
	fi
done
# without the variable: no notice (sent, or the documented refusal)
ip netns exec "$NS_A" timeout -s INT 60 "$XDPERF" -d veth0 --mode xdp --templates "$T/t.json" -c 10 -q \
	>/dev/null 2>"$T/err"
if grep -q DRY_RUN "$T/err"; then
	echo "FAIL: the dry-run notice without XDPERF_XDP_DRY_RUN"; fails=$((fails + 1))
fi
# the frames themselves: paced at 20 000 pps (about one frame a call) and at 2 Mpps (many),
# with the increment modifier (the field engine writes the UDP checksum afresh; the program's
# path for walks), with a random one (its general path) and without (the stamp moves the
# checksum from the reused page's old trailer)
for run_case in "m 20000" "m 2000000" "r 2000000" "t 20000" "t 2000000"; do
	read -r tpl rate <<<"$run_case"
	fixed=; [ "$tpl" = t ] && fixed=fixed; [ "$tpl" = r ] && fixed=random
	start=$(python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_TAI))')
	rm -f "$T/out.pcap"
	out=$(XDPERF_XDP_DRY_RUN=1 XDPERF_XDP_DRY_OUT="$T/out.pcap" ip netns exec "$NS_A" timeout -s INT 60 \
		"$XDPERF" -d veth0 --mode xdp --templates "$T/$tpl.json" --stamp -c 20000 -r "$rate" -q --json 2>"$T/err")
	run=$(echo "$out" | python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["run_id"])' 2>/dev/null)
	if [ -z "$run" ] || [ ! -s "$T/out.pcap" ]; then
		echo "FAIL: $tpl.json -r $rate: no run or no capture: $(head -2 "$T/err")"; fails=$((fails + 1)); continue
	fi
	# at least 20 calls captured; at 20 000 pps nearly one frame each
	# shellcheck disable=SC2086
	python3 "$REPO/tests/lib/check_dry_pcap.py" "$T/out.pcap" "$run" "$start" 20 $fixed || fails=$((fails + 1))
done
# IMIX (templates of three lengths: page keeping). Per-template counts exactly those of the
# schedule: the same as the pcap writer's frames of the same run (counted here by length), for
# counts that end mid-cycle too, with 1 and 2 threads; most frames go in a page that already
# held their template (the closing line); and the frames themselves, stamped (70 B is the
# smallest that carries a trailer), against the set's frames as --output writes them.
python3 "$REPO/tests/lib/mktmpl.py" --len 70 --dport 9000 >"$T/i.json"
for args in "-c 120007" "-c 120000 -l 2" "-c 1213 -l 2"; do
	n=${args#-c }; n=${n%% *}
	"$XDPERF" --templates "$T/i.json" --imix simple -o "$T/ref.pcap" -c "$n" 2>/dev/null
	want=$(python3 - "$T/ref.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off, cnt = 24, {}
while off + 16 <= len(d):
    incl = struct.unpack("<I", d[off + 8:off + 12])[0]
    cnt[incl] = cnt.get(incl, 0) + 1
    off += 16 + incl
print(" ".join(str(cnt[l]) for l in sorted(cnt)))
PY
)
	# shellcheck disable=SC2086
	got=$(XDPERF_XDP_DRY_RUN=1 ip netns exec "$NS_A" timeout -s INT 60 "$XDPERF" -d veth0 --mode xdp \
		--templates "$T/i.json" --imix simple $args -q --json 2>"$T/err" | python3 -c '
import json, sys
d = json.loads(sys.stdin.readline())
per = {}
for s in d["streams"]:
    per[s["template"]] = per.get(s["template"], 0) + s["packets"]
print(" ".join(str(per[t]) for t in sorted(per)))')
	if [ -z "$want" ] || [ "$got" != "$want" ]; then
		echo "FAIL: IMIX $args: per-template counts '$got', the schedule's '$want': $(head -2 "$T/err")"; fails=$((fails + 1))
	fi
	if [ "$args" = "-c 120007" ]; then
		read -r runs whole <<<"$(sed -n 's/.*: \([0-9]*\) program runs: \([0-9]*\) pages written whole.*/\1 \2/p' "$T/err")"
		if [ -z "$runs" ] || [ "$runs" != 120007 ] || [ $((whole * 5)) -gt "$runs" ]; then
			echo "FAIL: IMIX $args: pages written whole for '$whole' of '$runs' frames (want under a fifth): $(grep runs: "$T/err")"
			fails=$((fails + 1))
		fi
	fi
done
ip -n "$NS_A" link set veth0 mtu 9000 && ip -n "$NS_B" link set veth1 mtu 9000
IMIX=70:7,594:4,1518:1
"$XDPERF" --templates "$T/i.json" --imix "$IMIX" -o "$T/iref.pcap" -c 12 2>/dev/null
for rate in 20000 2000000; do
	start=$(python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_TAI))')
	rm -f "$T/out.pcap"
	out=$(XDPERF_XDP_DRY_RUN=1 XDPERF_XDP_DRY_OUT="$T/out.pcap" ip netns exec "$NS_A" timeout -s INT 60 \
		"$XDPERF" -d veth0 --mode xdp --templates "$T/i.json" --imix "$IMIX" --stamp -c 60000 -r "$rate" -q --json 2>"$T/err")
	run=$(echo "$out" | python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["run_id"])' 2>/dev/null)
	if [ -z "$run" ] || [ ! -s "$T/out.pcap" ]; then
		echo "FAIL: IMIX -r $rate: no run or no capture: $(head -2 "$T/err")"; fails=$((fails + 1)); continue
	fi
	python3 "$REPO/tests/lib/check_dry_pcap.py" "$T/out.pcap" "$run" "$start" 20 fixed ref="$T/iref.pcap" || fails=$((fails + 1))
done
rm -rf "$T"
[ "$fails" = 0 ] && echo "dry runs: exact program-run counts, nothing sent, notice printed"
exit $((fails > 0))

#!/usr/bin/env bash
# Ending runs: --duration stops on time (each backend this kernel sends with); SIGINT and
# SIGTERM stop a --count 0 run cleanly with the summary (and what the receiver got equals what
# the summary says); the per-second statistics lines have the documented shape; SIGKILL leaves
# no XDP program behind. Where this kernel refuses XDP live frames (tests/lib/xdp_live.sh) the
# --duration runs are AF_PACKET's, the auto-mode runs fall back to it, and instead of the XDP
# program parked on lo during a run (XDP only) the check is that an auto-mode run sending over
# AF_PACKET (its statistics line counting) has none left there, nor after its SIGKILL; a late
# AF_PACKET --duration run on a loaded machine is repeated (up to 3 runs).
set -euo pipefail
. "$REPO/tests/lib/netns.sh"
. "$REPO/tests/lib/xdp_live.sh"
netns_need_root
netns_pair_setup
xdp_live_init
python3 "$REPO/tests/lib/mkframes.py" --lens 64 > "$TMPDIR/t.json"
fail=0

# --duration with live statistics (XDP and afpacket). AF_PACKET on a loaded machine: a sender
# held up at the end (its pinned CPU shared with other busy threads, its ring's last frames
# not yet handed back) ends late, a run that says nothing about the deadline: up to 3 runs for
# the time and the statistics lines; the receiver's count is checked on every run.
for mode in $TX_MODES; do
	for ((run = 1; ; run++)); do
		rx_count_start "$NS_B" "$IF_B"
		ip netns exec "$NS_A" "$XDPERF" --templates "$TMPDIR/t.json" -d "$IF_A" --mode $mode -c 0 -t 2.5 -l 2 \
			--json >"$TMPDIR/sum" 2>"$TMPDIR/err" || fail=1
		read -r pk _ < <(rx_count_stop)
		echo "$mode --duration 2.5: $(cat "$TMPDIR/sum")"
		cat "$TMPDIR/err"
		d=$(jq -r .duration_s "$TMPDIR/sum")
		[ "$pk" = "$(jq -r .packets "$TMPDIR/sum")" ] || { echo "FAIL: received $pk"; fail=1; }
		ontime=1
		python3 -c "import sys; sys.exit(0 if abs($d - 2.5) < 0.1 else 1)" || ontime=0
		lines=$(grep -cE '^[0-9]+s  [0-9]+ xmit/s  [0-9.]+ Mbps  total [0-9]+$' "$TMPDIR/err" || true)
		if { [ $ontime = 0 ] || [ "$lines" != 2 ]; } && [ "$mode" = afpacket ] && [ $run -lt 3 ]; then
			echo "  $mode run $run: ran $d s, $lines statistics lines; again"
			continue
		fi
		[ $ontime = 1 ] || { echo "FAIL: ran $d s"; fail=1; }
		[ "$lines" = 2 ] || { echo "FAIL: expected two statistics lines"; fail=1; }
		break
	done
done

# SIGINT / SIGTERM (ASan/UBSan build), sent once the run's first statistics line shows it
# sending (the ASan build may take long to start on a loaded machine; a fresh file per run, as
# the shell may look before the new process has truncated an old one)
for sig in INT TERM; do
	rx_count_start "$NS_B" "$IF_B"
	ip netns exec "$NS_A" "$XDPERF_ASAN" --templates "$TMPDIR/t.json" -d "$IF_A" -c 0 -l 2 --json \
		>"$TMPDIR/sum" 2>"$TMPDIR/sig$sig.err" &
	p=$!
	wait_line "$TMPDIR/sig$sig.err" '^1s  .* total [1-9]' $p 30 ||
		{ echo "FAIL: no statistics line before SIG$sig"; fail=1; }
	kill -$sig $p
	rc=0; wait $p || rc=$?
	read -r pk _ < <(rx_count_stop)
	echo "SIG$sig: exit $rc, $(cat "$TMPDIR/sum"), received $pk"
	[ $rc = 0 ] && [ "$(jq -r .stopped "$TMPDIR/sum")" = true ] && [ "$pk" = "$(jq -r .packets "$TMPDIR/sum")" ] ||
		{ echo "FAIL: SIG$sig"; grep -v '^[0-9]*s  ' "$TMPDIR/sig$sig.err"; fail=1; }
	[ "$pk" -gt 0 ] || { echo "FAIL: nothing sent before SIG$sig"; fail=1; }
done

# --count progress: a long run shows its share of the count on each statistics line, the total
# of that line in percent of 3000 (the line's own figures: how far the run got in a second is
# the rate's business, checked in tx_rate)
ip netns exec "$NS_A" "$XDPERF" --templates "$TMPDIR/t.json" -d "$IF_A" -c 3000 --rate 1000 2>"$TMPDIR/err" >/dev/null || fail=1
python3 - "$TMPDIR/err" <<'PY' || { echo "FAIL: progress"; cat "$TMPDIR/err"; fail=1; }
import re, sys
ls = [re.fullmatch(r"([0-9]+)s  [0-9]+ xmit/s  [0-9.]+ Mbps  total ([0-9]+)  \(([0-9]+)%\)", l.rstrip("\n"))
      for l in open(sys.argv[1]) if re.match(r"[0-9]+s  ", l)]
ok = ls and all(ls) and ls[0].group(1) == "1" and all(
    0 < int(m.group(2)) <= 3000 and int(m.group(3)) == round(100 * int(m.group(2)) / 3000) for m in ls)
print("progress lines:", [m.group(0) if m else None for m in ls])
sys.exit(0 if ok else 1)
PY

if xdp_only "the XDP program parked on lo during a run, gone after SIGKILL"; then
# SIGKILL: the kernel drops the XDP program with the process (bpf_link)
rx_count_start "$NS_B" "$IF_B"
ip netns exec "$NS_A" "$XDPERF" --templates "$TMPDIR/t.json" -d "$IF_A" -c 0 -q >/dev/null 2>&1 &
p=$!
for _ in $(seq 50); do ip -n "$NS_A" link show lo | grep -q xdp && break; sleep 0.1; done
ip -n "$NS_A" link show lo | grep -q xdp || { echo "FAIL: no XDP program parked on lo during the run"; fail=1; }
kill -KILL $p; wait $p 2>/dev/null || true
for _ in $(seq 50); do ip -n "$NS_A" link show lo | grep -q xdp || break; sleep 0.1; done
if ip -n "$NS_A" link show lo | grep -q xdp; then echo "FAIL: XDP program left on lo 5 s after SIGKILL"; fail=1
else echo "SIGKILL: nothing left attached"; fi
rx_count_stop >/dev/null
else
# SIGKILL of a run that fell back to AF_PACKET: it left no XDP program on lo when it fell back
# (the statistics line shows it sending), and none is there after the SIGKILL
rx_count_start "$NS_B" "$IF_B"
ip netns exec "$NS_A" "$XDPERF" --templates "$TMPDIR/t.json" -d "$IF_A" -c 0 >/dev/null 2>"$TMPDIR/kill.err" &
p=$!
wait_line "$TMPDIR/kill.err" '^1s  .* total [1-9]' $p 30 || { echo "FAIL: no statistics line: $(cat "$TMPDIR/kill.err")"; fail=1; }
grep -q "; using afpacket$" "$TMPDIR/kill.err" || { echo "FAIL: the run did not fall back: $(cat "$TMPDIR/kill.err")"; fail=1; }
lo=$(ip -n "$NS_A" link show lo)
if grep -q xdp <<<"$lo"; then echo "FAIL: an XDP program on lo while sending over AF_PACKET: $lo"; fail=1; fi
kill -KILL $p; wait $p 2>/dev/null || true
lo=$(ip -n "$NS_A" link show lo)
if grep -q xdp <<<"$lo"; then echo "FAIL: XDP program on lo after SIGKILL"; fail=1
else echo "SIGKILL (afpacket after the fallback): nothing attached while sending nor after"; fi
rx_count_stop >/dev/null
fi
exit $fail

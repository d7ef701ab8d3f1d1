#!/usr/bin/env bash
# A stop while a plugin runs (tests/plugins/slow_init.wat: plugin_init never returns for a
# configuration longer than 16 bytes). The engine's interrupt ends the plugin call, so:
#  1. SIGINT / SIGTERM while the plugin starts (-o FILE.pcap, release and ASan builds): the
#     command ends within 2 s of the signal, exit 130 / 143, exactly one line "xdperf: stopped by
#     SIGINT while the plugin was starting; nothing written", no file left behind;
#  2. (root, namespaces) SIGINT while the plugin starts for a device run: exit 130 within 2 s,
#     the one line "...; nothing sent", and the receiver's XDP counter stays 0; SIGINT while a
#     reload runs the plugin again (SIGHUP after the configuration changed to the looping one),
#     XDP and AF_PACKET (AF_PACKET only where the kernel refuses XDP live frames,
#     tests/lib/xdp_live.sh; the device run above uses the default mode): the run ends within
#     2 s of the signal, exit 0, "stopped":true, no "reload ... failed" line, and the packets it
#     reports = the receiver's XDP count.
# The signal is sent once the process has its SIGINT handler in place (SigCgt in /proc), so it
# never meets the default action.
set -uo pipefail
cd "$REPO"
command -v wat2wasm >/dev/null || { echo "wat2wasm (wabt) is not installed"; exit 77; }
T="$TMPDIR"
fail=0
no() { echo "FAIL: $*"; fail=1; }
wat2wasm tests/plugins/slow_init.wat -o "$T/slow.wasm" || { echo "FAIL: slow_init.wat"; exit 1; }
echo '{}' >"$T/quick.json"
echo '{"loop":"forever"}' >"$T/loop.json"

# handler PID: waits (at most 10 s) until PID catches SIGINT (its handler is installed)
handler() {
	local i m
	for i in $(seq 200); do
		m=$(sed -n 's/^SigCgt:[[:space:]]*//p' /proc/"$1"/status 2>/dev/null)
		[ -n "$m" ] && (( 0x$m & 2 )) && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# ---- 1. while the plugin starts ----------------------------------------------------------------
for bin in "$XDPERF" "$XDPERF_ASAN"; do
	for sig in INT TERM; do
		what="$(basename "$(dirname "$bin")")/$(basename "$bin") SIG$sig at plugin_init"
		rm -f "$T/out.pcap"
		"$bin" -p "$T/slow.wasm" --cfg "$T/loop.json" -o "$T/out.pcap" -c 10 2>"$T/init.err" &
		pid=$!
		handler $pid || { no "$what: no SIGINT handler seen: $(cat "$T/init.err")"; kill -9 $pid; continue; }
		sleep 0.3 # well inside plugin_init (it never returns)
		t0=$(now)
		kill -$sig $pid
		wait $pid
		rc=$? secs=$(elapsed "$t0")
		want=$([ $sig = INT ] && echo 130 || echo 143)
		echo "$what: exit $rc after $secs s: $(cat "$T/init.err")"
		[ $rc = "$want" ] || no "$what: exit $rc, want $want"
		awk -v s="$secs" 'BEGIN { exit !(s < 2) }' || no "$what: took $secs s"
		[ "$(cat "$T/init.err")" = "xdperf: stopped by SIG$sig while the plugin was starting; nothing written" ] ||
			no "$what: output '$(cat "$T/init.err")'"
		[ -e "$T/out.pcap" ] && no "$what: a pcap file was left"
		ls "$T"/.out.pcap* >/dev/null 2>&1 && no "$what: a temporary file was left"
	done
done

# ---- 2. while a reload runs the plugin ---------------------------------------------------------
if [ "$(id -u)" != 0 ] || ! ip netns add "xdpf$$probe" 2>/dev/null; then
	echo "part 2 skipped: needs root and ip netns"
	[ $fail = 0 ] && echo "all checks passed"
	exit $fail
fi
ip netns del "xdpf$$probe"
. tests/lib/netns.sh
. tests/lib/xdp_live.sh
set -e
netns_pair_setup
set +e
xdp_live_init
what="SIGINT at plugin_init, device run"
rx_count_start "$NS_B" "$IF_B" || no "$what: counter"
ip netns exec "$NS_A" "$XDPERF" -p "$T/slow.wasm" --cfg "$T/loop.json" -d "$IF_A" -c 100 2>"$T/dev.err" &
pid=$!
if handler $pid; then
	sleep 0.3
	t0=$(now)
	kill -INT $pid
	wait $pid
	rc=$? secs=$(elapsed "$t0")
	got=$(rx_count_stop)
	echo "$what: exit $rc after $secs s, receiver $got: $(cat "$T/dev.err")"
	[ $rc = 130 ] || no "$what: exit $rc"
	awk -v s="$secs" 'BEGIN { exit !(s < 2) }' || no "$what: took $secs s"
	[ "$(cat "$T/dev.err")" = "xdperf: stopped by SIGINT while the plugin was starting; nothing sent" ] ||
		no "$what: output '$(cat "$T/dev.err")'"
	[ "$got" = "0 0" ] || no "$what: the receiver counted '$got'"
else
	no "$what: no handler: $(cat "$T/dev.err")"
	kill -9 $pid
	rx_count_stop >/dev/null
fi
for mode in $TX_MODES; do
	what="$mode: SIGINT during a reload"
	cp "$T/quick.json" "$T/cfg.json"
	rx_count_start "$NS_B" "$IF_B" || { no "$what: counter"; continue; }
	ip netns exec "$NS_A" "$XDPERF_ASAN" -p "$T/slow.wasm" --cfg "$T/cfg.json" -d "$IF_A" --mode $mode \
		-c 0 -r 20000 --json >"$T/run.json" 2>"$T/run.err" &
	pid=$!
	handler $pid || no "$what: no handler"
	for i in $(seq 200); do grep -q "^1s " "$T/run.err" && break; sleep 0.05; done
	grep -q "^1s " "$T/run.err" || no "$what: not sending: $(cat "$T/run.err")"
	cp "$T/loop.json" "$T/cfg.json"
	kill -HUP $pid
	sleep 0.5 # the reload is in plugin_init now (it never returns)
	t0=$(now)
	kill -INT $pid
	wait $pid
	rc=$? secs=$(elapsed "$t0")
	got=$(rx_count_stop)
	echo "$what: exit $rc after $secs s; receiver $got; $(grep -v '^[0-9]*s ' "$T/run.err" | tr '\n' ' ')"
	[ $rc = 0 ] || no "$what: exit $rc"
	awk -v s="$secs" 'BEGIN { exit !(s < 2) }' || no "$what: took $secs s"
	grep -q "reload.*failed" "$T/run.err" && no "$what: a reload failure was reported while stopping"
	grep -q "ERROR: AddressSanitizer\|runtime error" "$T/run.err" && no "$what: sanitizer report"
	python3 - "$T/run.json" "$got" <<'PY' || no "$what: summary"
import json, sys
g = json.load(open(sys.argv[1]))
p, b = map(int, sys.argv[2].split())
ok = g["stopped"] is True and g["packets"] == p and g["bytes"] == b and g["packets"] > 0
print(f"  sent {g['packets']} ({g['bytes']} B), stopped {g['stopped']}; receiver {p} ({b} B)")
sys.exit(0 if ok else 1)
PY
done
[ $fail = 0 ] && echo "all checks passed"
exit $fail

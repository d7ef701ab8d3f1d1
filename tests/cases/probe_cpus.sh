#!/usr/bin/env bash
# `xdperf probe` and `--cpus` on a veth pair (root):
#  - probe's driver, MTU (also after a change), MAC, state, link speed, queues and NUMA node are
#    what ethtool, `ip -d link` and sysfs say; native and generic XDP attach work on veth and
#    the device is left without a program; live frames: where the kernel lets xdperf send them
#    (tests/lib/xdp_live.sh) probe says they run, where it refuses them probe says they do not,
#    with the reason the sender's refusal gave;
#  - with an XDP program attached to the peer, veth declares ndo-xmit (probe lists it); with
#    a program on the device itself, probe names its id and tries no attach mode;
#  - probe on a missing device: one line, exit 1;
#  - --cpus 1 / 0-1 / auto / local / node:0: the sender threads run pinned where asked (their
#    Cpus_allowed_list in /proc during the run) and the summary names the CPUs, on XDP where the
#    kernel sends live frames, else on AF_PACKET (the pinning does not depend on the backend);
#    a CPU the process may not use, or a bad spec, is refused with one line and exit 2;
#  - --nic-stats: the device's tx_packets (kernel) grew by exactly the frames sent, with XDP
#    (where the kernel sends live frames) and AF_PACKET; with XDP also the driver's xdp_xmit
#    (ethtool); in --json and in the text summary.
set -uo pipefail
. "$REPO/tests/lib/netns.sh"
. "$REPO/tests/lib/xdp_live.sh"
netns_need_root
command -v ethtool >/dev/null || { echo "ethtool is not installed"; exit 77; }
netns_pair_setup
xdp_live_init
T="$TMPDIR"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
jf() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); [v := v[k] for k in sys.argv[2:]]; print(json.dumps(v) if not isinstance(v, str) else v)' "$@"; }

probe() { ip netns exec "$NS_A" "$XDPERF" probe -d "$IF_A" --json >"$T/p.json" 2>"$T/p.err" || bad "probe: exit $?: $(cat "$T/p.err")"; }
probe
eq() { [ "$2" = "$3" ] && echo "ok $1: $2" || bad "$1: probe says '$2', want '$3'"; }
eq driver "$(jf "$T/p.json" driver)" "$(ip netns exec "$NS_A" ethtool -i "$IF_A" | sed -n 's/^driver: //p')"
eq mtu "$(jf "$T/p.json" mtu)" "$(ip -n "$NS_A" -j link show "$IF_A" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["mtu"])')"
eq mac "$(jf "$T/p.json" mac)" "$MAC_A"
eq operstate "$(jf "$T/p.json" operstate)" "$(ip -n "$NS_A" -j link show "$IF_A" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["operstate"].lower())')"
eq speed "$(jf "$T/p.json" speed_mbps)" "$(ip netns exec "$NS_A" ethtool "$IF_A" | sed -n 's/^\s*Speed: \([0-9]*\)Mb\/s/\1/p')"
eq rx_queues "$(jf "$T/p.json" rx_queues)" "$(ip -n "$NS_A" -j -d link show "$IF_A" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["num_rx_queues"])')"
eq tx_queues "$(jf "$T/p.json" tx_queues)" "$(ip -n "$NS_A" -j -d link show "$IF_A" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["num_tx_queues"])')"
numa=$(ip netns exec "$NS_A" cat "/sys/class/net/$IF_A/device/numa_node" 2>/dev/null || echo -1)
eq numa_node "$(jf "$T/p.json" numa_node)" "$numa"
eq "native XDP" "$(jf "$T/p.json" xdp_native)" true
eq "generic XDP" "$(jf "$T/p.json" xdp_generic)" true
if [ "$XDP_LIVE" = 1 ]; then
	eq "live frames" "$(jf "$T/p.json" live_frames)" true
else
	# refused here: probe says so, with the reason the sender's refusal named
	eq "live frames (refused by this kernel)" "$(jf "$T/p.json" live_frames)" false
	eq "live frames: why" "$(jf "$T/p.json" live_frames_why)" "$(sed -n 's/.*(BPF_PROG_RUN: \(.*\))$/\1/p' <<<"$XDP_LIVE_WHY")"
fi
[ -z "$(ip -n "$NS_A" link show "$IF_A" | grep -o 'prog/xdp')" ] && echo "ok no program left on $IF_A" ||
	bad "probe left an XDP program on $IF_A"
ip -n "$NS_A" link set "$IF_A" mtu 1400
probe
eq "mtu after a change" "$(jf "$T/p.json" mtu)" 1400
ip -n "$NS_A" link set "$IF_A" mtu 1500

# the peer with an XDP program: veth0 may now take XDP sends (ndo-xmit)
grep -q ndo-xmit <<<"$(jf "$T/p.json" xdp_features)" && bad "ndo-xmit before the peer has a program"
ip netns exec "$NS_B" "$XDPERF" count -d "$IF_B" --pass --duration 30 >/dev/null 2>&1 &
cp=$!
for _ in $(seq 50); do ip -n "$NS_B" link show "$IF_B" | grep -q prog/xdp && break; sleep 0.1; done
probe
grep -q ndo-xmit <<<"$(jf "$T/p.json" xdp_features)" && echo "ok ndo-xmit once the peer has a program" ||
	bad "no ndo-xmit with a program on the peer: $(jf "$T/p.json" xdp_features)"
kill -INT $cp; wait $cp 2>/dev/null
# a program on the device itself: named, no mode tried
ip netns exec "$NS_A" "$XDPERF" count -d "$IF_A" --pass --duration 30 >/dev/null 2>&1 &
cp=$!
for _ in $(seq 50); do ip -n "$NS_A" link show "$IF_A" | grep -q prog/xdp && break; sleep 0.1; done
id=$(ip -n "$NS_A" -d link show "$IF_A" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -n 1)
probe
eq "attached program" "$(jf "$T/p.json" xdp_attached_prog)" "$id"
eq "native not tried" "$(jf "$T/p.json" xdp_native)" null
kill -INT $cp; wait $cp 2>/dev/null
if ip netns exec "$NS_A" "$XDPERF" probe -d nosuch0 >"$T/o" 2>"$T/e"; then bad "probe nosuch0 succeeded"; fi
[ "$(wc -l <"$T/e")" = 1 ] && grep -q "no network interface 'nosuch0'" "$T/e" && echo "ok missing device: $(cat "$T/e")" ||
	bad "missing device: $(cat "$T/e")"

# ---- --cpus ------------------------------------------------------------------------------------
NCPU=$(nproc)
printf '{"dst_mac":"%s"}' "$MAC_B" >"$T/c.json"
ip netns exec "$NS_B" "$XDPERF" count -d "$IF_B" --duration 120 >/dev/null 2>&1 &
cp=$!
for _ in $(seq 50); do ip -n "$NS_B" link show "$IF_B" | grep -q prog/xdp && break; sleep 0.1; done
pinned() { # SPEC WANT-LIST [args]: the sender threads' CPUs during a run (on $TX_MODE)
	local spec=$1 want=$2
	shift 2
	ip netns exec "$NS_A" "$XDPERF" -p simpleudp --cfg "$T/c.json" -d "$IF_A" -c 0 -t 2 -r 2000 \
		--mode "$TX_MODE" --cpus "$spec" --json "$@" >"$T/g.json" 2>"$T/g.err" &
	local gp=$! got=""
	sleep 1
	# the threads pinned to one CPU (the process's other threads may run anywhere)
	for st in /proc/$gp/task/*/status; do
		local l
		l=$(sed -n 's/^Cpus_allowed_list:\s*//p' "$st" 2>/dev/null)
		[ -n "$l" ] && [ "$l" = "${l//[-,]/}" ] && got="$got $l"
	done
	wait $gp || bad "--cpus $spec: exit $?: $(tail -n 1 "$T/g.err")"
	got=$(echo $got | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$want" ] && echo "ok --cpus $spec ($TX_MODE): threads pinned to $got" || bad "--cpus $spec: threads on '$got', want '$want'"
	local js
	js=$(jf "$T/g.json" cpus | tr -d '[] ' | tr ',' ' ')
	[ "$(echo $js | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')" = "$want" ] || bad "--cpus $spec: the summary says cpus $js"
}
pinned 0 0
if [ "$NCPU" -ge 2 ]; then
	pinned 1 1
	pinned 0-1 "0 1"
	pinned auto 0
	pinned auto "0 1" -l 2
fi
pinned local 0
[ -d /sys/devices/system/node/node0 ] && pinned node:0 "$(cut -d, -f1 /sys/devices/system/node/node0/cpulist | sed 's/-.*//')"
refuse() { # SPEC TEXT
	if ip netns exec "$NS_A" "$XDPERF" -p simpleudp --cfg "$T/c.json" -d "$IF_A" -c 10 --cpus "$1" >/dev/null 2>"$T/e"; then
		bad "--cpus $1 accepted"
	fi
	[ "$(wc -l <"$T/e")" = 1 ] && grep -qF "$2" "$T/e" && echo "ok --cpus $1 refused: $(cat "$T/e")" || bad "--cpus $1: $(cat "$T/e")"
}
refuse "$NCPU" "CPU $NCPU: this process may not run there"
refuse bogus "'bogus' is not a CPU list, auto, local or node:N"
refuse node:77 "NUMA node 77: no such node"
if ip netns exec "$NS_A" "$XDPERF" -p simpleudp --cfg "$T/c.json" -d "$IF_A" -c 10 --cpus 0 -l 2 >/dev/null 2>"$T/e"; then
	bad "--cpus 0 -l 2 accepted"
fi
grep -q "parallelism 2: --cpus 0 gives 1 CPU" "$T/e" && echo "ok more threads than CPUs refused" || bad "-l 2 --cpus 0: $(cat "$T/e")"

# ---- --nic-stats: the device's own counters moved by exactly what was sent ----------------------
for mode in $TX_MODES; do
	ip netns exec "$NS_A" "$XDPERF" -p simpleudp --cfg "$T/c.json" -d "$IF_A" -c 5000 --mode $mode --nic-stats \
		--json >"$T/n.json" 2>"$T/n.err" || bad "--nic-stats $mode: exit $?"
	tp=$(jf "$T/n.json" nic_stats tx_packets)
	[ "$tp" = 5000 ] && echo "ok --nic-stats $mode: tx_packets +$tp" || bad "--nic-stats $mode: tx_packets +$tp, want 5000"
	if [ $mode = xdp ]; then
		xm=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["nic_stats"]; print(sum(v for k, v in d.items() if k.endswith("_xdp_xmit")))' "$T/n.json")
		[ "$xm" = 5000 ] && echo "ok --nic-stats xdp: ethtool xdp_xmit +$xm" || bad "--nic-stats xdp: the driver's xdp_xmit +$xm, want 5000"
	fi
done
xdp_only "--nic-stats with --mode xdp: tx_packets and the driver's xdp_xmit (ethtool) +5000" || true
ip netns exec "$NS_A" "$XDPERF" -p simpleudp --cfg "$T/c.json" -d "$IF_A" -c 100 --nic-stats -q 2>"$T/n.err" || bad "--nic-stats text: exit $?"
grep -q "^xdperf: the counters of $IF_A during the run (kernel; ethtool: the driver's): .*tx_packets +100" "$T/n.err" ||
	bad "--nic-stats text: $(tail -n 1 "$T/n.err")"
kill -INT $cp; wait $cp 2>/dev/null
[ $fail = 0 ] && echo "probe, --cpus and --nic-stats: as the system tools say"
exit $fail

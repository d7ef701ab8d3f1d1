#!/usr/bin/env bash
# When XDP cannot be used the run says why in one line and falls back to AF_PACKET (still
# exact), unless --mode xdp was forced, which exits non-zero with that reason (the ASan/UBSan
# build throughout):
#  - no BPF privileges (capabilities dropped with capsh);
#  - a device that refuses XDP frames (a veth whose peer has no XDP program).
set -euo pipefail
. "$REPO/tests/lib/netns.sh"
netns_need_root
netns_pair_setup
command -v capsh >/dev/null || { echo "capsh (libcap2-bin) is not installed"; exit 77; }
python3 "$REPO/tests/lib/mkframes.py" --lens 64,128 > "$TMPDIR/t.json"
fail=0
nobpf() { ip netns exec "$NS_A" capsh --drop=cap_bpf,cap_sys_admin,cap_net_admin,cap_perfmon -- -c "$*"; }

# 1. no privileges for BPF: fallback, exact count
rx_count_start "$NS_B" "$IF_B"
nobpf "'$XDPERF_ASAN' --templates '$TMPDIR/t.json' -d $IF_A -c 1000 --json -q" >"$TMPDIR/sum" 2>"$TMPDIR/err" || fail=1
read -r pk by < <(rx_count_stop)
echo "no BPF privileges: $(cat "$TMPDIR/err")"
grep -q "^xdperf: xdp: cannot load the BPF program for $IF_A: Operation not permitted (needs root, or CAP_BPF and CAP_NET_ADMIN); using afpacket$" "$TMPDIR/err" ||
	{ echo "FAIL: fallback message"; fail=1; }
[ "$(wc -l < "$TMPDIR/err")" = 1 ] || { echo "FAIL: more than one line on stderr"; fail=1; }
[ "$pk" = 1000 ] && [ "$(jq -r .mode "$TMPDIR/sum")" = afpacket ] && [ "$(jq -r .packets "$TMPDIR/sum")" = 1000 ] ||
	{ echo "FAIL: fallback run: received $pk, summary $(cat "$TMPDIR/sum")"; fail=1; }

# 2. forced XDP without privileges: the reason, exit 1, nothing sent
rx_count_start "$NS_B" "$IF_B"
rc=0
nobpf "'$XDPERF_ASAN' --templates '$TMPDIR/t.json' -d $IF_A -c 1000 --mode xdp -q" 2>"$TMPDIR/err" || rc=$?
read -r pk _ < <(rx_count_stop)
echo "forced xdp, no privileges (exit $rc): $(cat "$TMPDIR/err")"
[ $rc = 1 ] && [ "$pk" = 0 ] && grep -q "Operation not permitted (needs root, or CAP_BPF and CAP_NET_ADMIN)$" "$TMPDIR/err" ||
	{ echo "FAIL: forced xdp without privileges"; fail=1; }

# 3. the device refuses XDP frames (no XDP program on the veth peer): fallback, exact count
before=$(ip netns exec "$NS_B" cat /sys/class/net/$IF_B/statistics/rx_packets)
ip netns exec "$NS_A" "$XDPERF_ASAN" --templates "$TMPDIR/t.json" -d "$IF_A" -c 5000 --json -q >"$TMPDIR/sum" 2>"$TMPDIR/err" || fail=1
after=$(ip netns exec "$NS_B" cat /sys/class/net/$IF_B/statistics/rx_packets)
echo "refusing device: $(cat "$TMPDIR/err"); received $((after - before))"
grep -q "refused the frames sent to it with XDP.*; using afpacket$" "$TMPDIR/err" || { echo "FAIL: refusal message"; fail=1; }
[ $((after - before)) = 5000 ] && [ "$(jq -r .mode "$TMPDIR/sum")" = afpacket ] ||
	{ echo "FAIL: refused-XDP fallback run: $(cat "$TMPDIR/sum")"; fail=1; }

# 4. ... and with --mode xdp: exit 1 with the reason
rc=0
ip netns exec "$NS_A" "$XDPERF_ASAN" --templates "$TMPDIR/t.json" -d "$IF_A" -c 5000 --mode xdp -q 2>"$TMPDIR/err" || rc=$?
echo "refusing device, forced xdp (exit $rc): $(cat "$TMPDIR/err")"
[ $rc = 1 ] && grep -q "refused the frames sent to it with XDP" "$TMPDIR/err" || { echo "FAIL: forced xdp on a refusing device"; fail=1; }

# 5. user errors: one line naming the thing, non-zero exit
for args in "-d nosuchdev0 -c 1" "-d $IF_A -c 1 --mode dpdk" "-d $IF_A -c 1 --rate 1q" "-d $IF_A -c 1 -l 64"; do
	rc=0
	# shellcheck disable=SC2086
	ip netns exec "$NS_A" "$XDPERF_ASAN" --templates "$TMPDIR/t.json" $args 2>"$TMPDIR/err" || rc=$?
	echo "xdperf $args -> exit $rc: $(cat "$TMPDIR/err")"
	[ $rc != 0 ] && [ "$(wc -l < "$TMPDIR/err")" = 1 ] || { echo "FAIL: $args"; fail=1; }
done
ip -n "$NS_A" link set "$IF_A" down
rc=0
ip netns exec "$NS_A" "$XDPERF_ASAN" --templates "$TMPDIR/t.json" -d "$IF_A" -c 1 2>"$TMPDIR/err" || rc=$?
echo "device down -> exit $rc: $(cat "$TMPDIR/err")"
[ $rc = 1 ] && grep -q "is down" "$TMPDIR/err" || { echo "FAIL: device down"; fail=1; }
exit $fail

#!/usr/bin/env bash
# When XDP cannot be used the run says why in one line and falls back to AF_PACKET (still
# exact), unless --mode xdp was forced, which exits non-zero with that reason (the ASan/UBSan
# build throughout):
#  - no BPF privileges (capabilities dropped with capsh), on every kernel;
#  - where this kernel sends XDP live frames (tests/lib/xdp_live.sh): a device that refuses
#    XDP frames (a veth whose peer has no XDP program; the peer's rx_packets count);
#  - where it refuses them (BPF_PROG_RUN answering EPERM even to root), with an XDP program on
#    the peer so that nothing else stands in the way: --mode xdp exits 1 with exactly the one
#    documented line and nothing arrives (the receiver's XDP counter says 0); auto mode prints
#    that line + "; using afpacket" as its only stderr line and sends the exact count over
#    AF_PACKET (the counter, and the summary's packets and "mode").
# Then user errors and a device that is down: one line each.
set -euo pipefail
. "$REPO/tests/lib/netns.sh"
. "$REPO/tests/lib/xdp_live.sh"
netns_need_root
netns_pair_setup
xdp_live_init
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

if xdp_only "a device that refuses XDP frames (a veth peer without an XDP program)"; then
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
else
# 3. (this kernel) BPF_PROG_RUN refuses live frames: --mode xdp is exactly the documented line,
# exit 1, nothing sent; the peer has the receiver's XDP program, so nothing else refuses them
eperm="xdperf: xdp: the kernel does not let this process send XDP live frames on $IF_A (BPF_PROG_RUN: Operation not permitted)"
rx_count_start "$NS_B" "$IF_B"
rc=0
ip netns exec "$NS_A" "$XDPERF_ASAN" --templates "$TMPDIR/t.json" -d "$IF_A" -c 5000 --mode xdp -q \
	>"$TMPDIR/out" 2>"$TMPDIR/err" || rc=$?
read -r pk _ < <(rx_count_stop)
echo "live frames refused, forced xdp: exit $rc, received $pk, stderr: $(cat "$TMPDIR/err")"
[ $rc = 1 ] && [ "$(cat "$TMPDIR/err")" = "$eperm" ] && [ "$pk" = 0 ] && [ ! -s "$TMPDIR/out" ] ||
	{ echo "FAIL: forced xdp where live frames are refused (want exit 1, 0 received, stderr exactly: $eperm)"; fail=1; }

# 4. ... and in auto mode: that line + "; using afpacket" (the only line), then the exact count
rx_count_start "$NS_B" "$IF_B"
rc=0
ip netns exec "$NS_A" "$XDPERF_ASAN" --templates "$TMPDIR/t.json" -d "$IF_A" -c 5000 -l 2 --json -q \
	>"$TMPDIR/sum" 2>"$TMPDIR/err" || rc=$?
read -r pk by < <(rx_count_stop)
echo "live frames refused, auto mode: exit $rc, received $pk packets $by bytes, stderr: $(cat "$TMPDIR/err");" \
	"summary $(jq -c '{mode,packets,bytes,errors}' "$TMPDIR/sum" 2>/dev/null)"
[ "$(cat "$TMPDIR/err")" = "$eperm; using afpacket" ] ||
	{ echo "FAIL: auto mode where live frames are refused: stderr is not exactly '$eperm; using afpacket'"; fail=1; }
# 2500 x 64 + 2500 x 128 bytes (each thread rotates its 2500 through the two templates)
[ $rc = 0 ] && [ "$pk" = 5000 ] && [ "$by" = 480000 ] && [ "$(jq -r .mode "$TMPDIR/sum")" = afpacket ] &&
	[ "$(jq -r .packets "$TMPDIR/sum")" = 5000 ] && [ "$(jq -r .bytes "$TMPDIR/sum")" = 480000 ] ||
	{ echo "FAIL: auto-mode fallback where live frames are refused: not exactly 5000 frames (480000 bytes) over afpacket"; fail=1; }
fi

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

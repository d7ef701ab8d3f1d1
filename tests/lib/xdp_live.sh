# Whether this kernel lets xdperf send XDP live frames (source it after tests/lib/netns.sh).
# BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES is refused (EPERM) on some kernels and sandboxes
# even to root (seen: a 6.18 VM whose capability bounding set lacks CAP_SYS_RESOURCE); xdperf
# then says so in one line and exits 1, and `--mode auto` sends over AF_PACKET instead.
#   xdp_live_init    sets XDP_LIVE (1 or 0), XDP_LIVE_WHY (xdperf's refusal line, when 0),
#                    TX_MODES ("xdp afpacket" or "afpacket") and TX_MODE (xdp or afpacket: the
#                    backend a case's main runs use), and prints one line saying which, so a
#                    log shows what ran. Probes once per `tests/run.sh` (it exports the answer
#                    in XDPERF_TEST_XDP_LIVE / XDPERF_TEST_XDP_LIVE_WHY) or, run alone, in a
#                    namespace pair of its own. A refusal must be exactly the one line xdperf
#                    documents, with exit status 1 and no frame sent; anything else fails the
#                    case (the probe cannot take a broken XDP path for a refused one).
#   xdp_live_probe   (run.sh) the probe itself: prints "1", or "0 LINE"; exit 1 on a refusal
#                    that is not the documented one
#   xdp_only WHAT    0 when XDP_LIVE=1; else prints "not run here: WHAT (XDP live frames
#                    refused: ...)" and returns 1 (for checks that exist only on XDP, such
#                    as a veth peer without an XDP program)

xdp_live_probe() {
	local a="xdpf$$pa" b="xdpf$$pb" t err rc=0 line rx
	t=$(mktemp -d)
	ip netns add "$a" && ip netns add "$b" || { rm -rf "$t"; echo "xdp_live_probe: ip netns add failed" >&2; return 1; }
	ip netns exec "$a" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	ip netns exec "$b" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	ip -n "$a" link add veth0 type veth peer name veth1 netns "$b"
	ip -n "$a" link set veth0 up
	ip -n "$b" link set veth1 up
	ip -n "$a" link set lo up
	python3 "$REPO/tests/lib/mkframes.py" --lens 64 >"$t/t.json"
	ip netns exec "$a" "$XDPERF" --templates "$t/t.json" -d veth0 --mode xdp -c 1 -q \
		--stall-timeout 1 >/dev/null 2>"$t/err" || rc=$?
	rx=$(ip netns exec "$b" cat /sys/class/net/veth1/statistics/rx_packets 2>/dev/null || echo 0)
	ip netns del "$a" 2>/dev/null
	ip netns del "$b" 2>/dev/null
	err=$(cat "$t/err")
	rm -rf "$t"
	line="xdperf: xdp: the kernel does not let this process send XDP live frames on veth0 (BPF_PROG_RUN: Operation not permitted)"
	if [ "$rc" = 0 ]; then
		echo 1
	elif [ "$rc" = 1 ] && [ "$err" = "$line" ] && [ "$rx" = 0 ]; then
		echo "0 $line"
	elif grep -q "does not let this process send XDP live frames" <<<"$err"; then
		echo "xdp_live_probe: a refusal that is not the documented one: exit $rc, $rx frames arrived, stderr: $err" >&2
		return 1
	else
		echo 1 # XDP runs; whatever else went wrong is for the cases to find
	fi
}

xdp_live_init() {
	local ans
	if [ -n "${XDPERF_TEST_XDP_LIVE:-}" ]; then
		XDP_LIVE=$XDPERF_TEST_XDP_LIVE
		XDP_LIVE_WHY=${XDPERF_TEST_XDP_LIVE_WHY:-}
	else
		ans=$(xdp_live_probe) || { echo "FAIL: $ans"; exit 1; }
		XDP_LIVE=${ans%% *}
		XDP_LIVE_WHY=
		[ "$XDP_LIVE" = 0 ] && XDP_LIVE_WHY=${ans#0 }
	fi
	if [ "$XDP_LIVE" = 1 ]; then
		TX_MODES="xdp afpacket" TX_MODE=xdp
		echo "XDP live frames: this kernel lets xdperf send them; the cases run on both backends"
	else
		TX_MODES=afpacket TX_MODE=afpacket
		echo "XDP live frames: refused here ('$XDP_LIVE_WHY'); the XDP runs go over AF_PACKET," \
			"and checks that exist only on XDP are not run"
	fi
}

xdp_only() { # WHAT
	[ "$XDP_LIVE" = 1 ] && return 0
	echo "not run here: $1 (XDP live frames refused by this kernel)"
	return 1
}

#!/usr/bin/env bash
# `make demo`: xdperf end to end in a few seconds.
#
# As root, where network namespaces, veth pairs and XDP work: two scratch namespaces
# (xdperf-demo-PID-gen and xdperf-demo-PID-srv) joined by a veth pair (veth0 10.201.1.1 ->
# veth1 10.201.1.2, static neighbours, IPv6 off), `xdperf --server` counting and checking stamps
# on veth1, DEMO_COUNT packets (default 100000) sent with XDP from veth0, the generator's summary
# with the server's side, then the server's own report. An EXIT/INT/TERM trap removes the
# namespaces (and so the veth pair) and stops the server, also on Ctrl-C or a failure.
# This is the walkthrough of docs/walkthrough.md as a script.
#
# Otherwise (not root, no `ip netns`, the kernel refuses XDP, or XDPERF_DEMO=pcap) one line says
# why and the simpleudp plugin writes 1000 packets to a pcap file instead (no NIC, no
# privileges), shown with tcpdump.
#
# Environment: XDPERF (the binary, default build/xdperf), XDPERF_DEMO=pcap (skip the veth demo),
# DEMO_COUNT (packets of the veth demo), DEMO_PCAP (the pcap file, default build/demo.pcap).
set -euo pipefail
cd "$(dirname "$0")/.."
X=${XDPERF:-build/xdperf}
N=${DEMO_COUNT:-100000}
PCAP=${DEMO_PCAP:-build/demo.pcap}

pcap_demo() {
	echo "\$ $X --plugin simpleudp --output $PCAP --count 1000"
	"$X" --plugin simpleudp --output "$PCAP" --count 1000
	echo "\$ tcpdump -nn -vv -c 3 -r $PCAP"
	if command -v tcpdump >/dev/null; then
		tcpdump -nn -vv -c 3 -r "$PCAP" 2>/dev/null
	else
		echo "(tcpdump is not installed: scripts/deps.sh demo installs it)"
	fi
}

# one line, then the pcap demo
fallback() {
	echo "xdperf demo: $*; running the pcap demo instead (no NIC, no privileges)"
	pcap_demo
	exit 0
}

if [ "${XDPERF_DEMO:-}" = pcap ]; then
	pcap_demo
	exit 0
fi
[ "$(id -u)" = 0 ] || fallback "the veth + XDP demo needs root (sudo make demo)"
command -v ip >/dev/null || fallback "no 'ip' command (iproute2)"

GEN="xdperf-demo-$$-gen"
SRV="xdperf-demo-$$-srv"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/xdperf-demo.XXXXXX")
SRV_PID=
CREATED=
cleanup() {
	if [ -n "$SRV_PID" ] && kill -0 "$SRV_PID" 2>/dev/null; then
		kill -INT "$SRV_PID" 2>/dev/null || true
		for _ in $(seq 40); do kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$SRV_PID" 2>/dev/null || true
		wait "$SRV_PID" 2>/dev/null || true
	fi
	SRV_PID=
	if [ -n "$CREATED" ]; then
		ip netns del "$GEN" 2>/dev/null || true
		ip netns del "$SRV" 2>/dev/null || true
		echo "xdperf demo: removed the namespaces $GEN and $SRV (and the veth pair)"
		CREATED=
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'cleanup; trap - INT; kill -INT $$' INT
trap 'cleanup; trap - TERM; kill -TERM $$' TERM

# the network: fails (kernel or container refusing) -> pcap demo, nothing left behind
setup() {
	ip netns add "$GEN" || return 1
	CREATED=1
	ip netns add "$SRV" || return 1
	ip -n "$GEN" link add veth0 address 02:00:00:00:01:01 type veth \
		peer name veth1 address 02:00:00:00:01:02 netns "$SRV" || return 1
	local ns
	for ns in "$GEN" "$SRV"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null || return 1
	done
	ip -n "$GEN" addr add 10.201.1.1/24 dev veth0 &&
	ip -n "$SRV" addr add 10.201.1.2/24 dev veth1 &&
	ip -n "$GEN" link set veth0 up &&
	ip -n "$SRV" link set veth1 up &&
	ip -n "$GEN" neigh replace 10.201.1.2 lladdr 02:00:00:00:01:02 dev veth0 nud permanent &&
	ip -n "$SRV" neigh replace 10.201.1.1 lladdr 02:00:00:00:01:01 dev veth1 nud permanent
}
if ! setup 2>"$TMP/setup.err"; then
	why=$(grep -m1 . "$TMP/setup.err" || true)
	cleanup >/dev/null
	fallback "cannot create network namespaces with a veth pair (${why:-ip failed})"
fi
echo "xdperf demo: namespaces $GEN (veth0 10.201.1.1) and $SRV (veth1 10.201.1.2), joined by a veth pair"

# the server; --mode xdp: a kernel that refuses XDP stops it (no AF_PACKET fallback here)
SRV_ARGS=(--server -d veth1 --mode xdp --port 5678 --stamp --control 10.201.1.2:7000 -q)
echo "\$ ip netns exec $SRV $X ${SRV_ARGS[*]} &"
ip netns exec "$SRV" "$X" "${SRV_ARGS[@]}" >"$TMP/srv.out" 2>"$TMP/srv.err" &
SRV_PID=$!
for _ in $(seq 200); do
	grep -q '^xdperf: server on' "$TMP/srv.err" 2>/dev/null && break
	kill -0 "$SRV_PID" 2>/dev/null || break
	sleep 0.05
done
if ! grep -q '^xdperf: server on' "$TMP/srv.err"; then
	why=$(grep -m1 . "$TMP/srv.err" || true)
	cleanup >/dev/null
	fallback "the server could not start with XDP (${why:-no answer within 10 s})"
fi
cat "$TMP/srv.err"

# the generator: simpleudp to the server's port, stamped, the server's side fetched; XDP, or
# AF_PACKET with a line saying why where this kernel or process may not send XDP live frames
cat >"$TMP/flow.json" <<EOF
{"src_ip": "10.201.1.1", "dst_ip": "10.201.1.2", "dst_port": 5678, "payload_size": 64, "is_arp_resolve": true}
EOF
GEN_ARGS=(-p simpleudp --cfg "$TMP/flow.json" -d veth0 -c "$N" -r 100000 --stamp
	  --server-addr 10.201.1.2:7000 -q)
echo "\$ cat flow.json"
cat "$TMP/flow.json"
echo "\$ ip netns exec $GEN $X ${GEN_ARGS[*]/#$TMP\//}"
grc=0
ip netns exec "$GEN" "$X" "${GEN_ARGS[@]}" 2>"$TMP/gen.err" || grc=$?
if [ "$grc" != 0 ] && ! grep -q '^xdperf: sent ' "$TMP/gen.err" && grep -q '^xdperf: xdp: ' "$TMP/gen.err"; then
	why=$(grep -m1 '^xdperf: xdp: ' "$TMP/gen.err")
	cleanup >/dev/null
	fallback "the kernel refused the XDP send (${why#xdperf: xdp: })"
fi
cat "$TMP/gen.err"
# Ctrl-C reaches the generator (and the server) first: they stop and report, then we clean up
if [ "$grc" -ge 128 ] || grep -q '(stopped)\|stopping the run' "$TMP/gen.err"; then
	echo "xdperf demo: interrupted"
	exit 130
fi
[ "$grc" = 0 ] || { echo "xdperf demo: the generator failed (exit $grc)" >&2; exit 1; }

# the server's own report (SIGINT ends it; it prints its summary)
echo "\$ kill -INT %1     # the server's own report"
kill -INT "$SRV_PID" 2>/dev/null || true
rc=0
wait "$SRV_PID" || rc=$?
SRV_PID=
grep -v '^xdperf: server on' "$TMP/srv.err" || true
[ "$rc" = 0 ] || { echo "xdperf demo: the server exited $rc" >&2; exit 1; }

# Network namespace helpers for the test cases (source it). Everything lives in namespaces this
# library creates (named xdpf<PID>a / xdpf<PID>b) and is removed on exit.
#   netns_need_root       exit 77 (skip) unless root with a working `ip netns`
#   netns_pair_setup      NS_A:veth0 (02:00:00:00:00:01, 10.201.0.1/24) <-> NS_B:veth1
#                         (02:00:00:00:00:02, 10.201.0.2/24), both up; exports NS_A NS_B IF_A
#                         IF_B MAC_A MAC_B; an EXIT trap deletes them and kills background jobs;
#                         NETNS_QUEUES=N gives both ends N tx and rx queues (default: one per CPU)
#   rx_count_start NS IF [--pass] [ARGS...]   `$XDPERF count -d IF` in NS, in the background,
#                         returns once it is counting (at most 10 s)
#   rx_count_stop         SIGINT to it, waits, echoes "PACKETS BYTES" (its stdout stays in
#                         $RX_COUNT_OUT)
#   wait_line FILE PATTERN PID SECONDS  0 once FILE has a line matching PATTERN (grep), 1 when
#                         PID exits first or SECONDS pass (a background process's start-up)
#   pcap_wait FILE N SECONDS  0 once the pcap FILE (being written by tcpdump -U) holds N whole
#                         frames, 1 when SECONDS pass first (a capture catching up)

wait_line() {
	local i
	for ((i = 0; i < $4 * 20; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

pcap_wait() { # FILE N SECONDS
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(python3 "$REPO/tests/lib/pcapread.py" "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

netns_need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "needs root (network namespaces, XDP)"
		exit 77
	fi
	local probe="xdpf$$probe"
	if ! ip netns add "$probe" 2>/dev/null; then
		echo "ip netns is not available"
		exit 77
	fi
	ip netns del "$probe" 2>/dev/null || true
}

# Stops what runs in the namespaces before they go: a counter still running (it would keep its
# namespace alive; no exit status written yet means the pid is still that counter's), then
# background jobs and their children. Also used by tests/lib/netns3.sh.
netns_stop_jobs() {
	local j i
	if [ -n "${RX_COUNT_PID:-}" ] && [ ! -s "$RX_COUNT_OUT.rc" ] &&
	   kill -INT "$RX_COUNT_PID" 2>/dev/null; then
		for i in $(seq 40); do kill -0 "$RX_COUNT_PID" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$RX_COUNT_PID" 2>/dev/null || true
	fi
	for j in $(jobs -p); do
		pkill -TERM -P "$j" 2>/dev/null || true
		kill "$j" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}

netns_cleanup() {
	netns_stop_jobs
	[ -n "${NS_A:-}" ] && ip netns del "$NS_A" 2>/dev/null
	[ -n "${NS_B:-}" ] && ip netns del "$NS_B" 2>/dev/null
	return 0
}

netns_pair_setup() {
	export NS_A="xdpf$$a" NS_B="xdpf$$b" IF_A=veth0 IF_B=veth1
	export MAC_A=02:00:00:00:00:01 MAC_B=02:00:00:00:00:02
	trap netns_cleanup EXIT
	ip netns add "$NS_A"
	ip netns add "$NS_B"
	# no IPv6: no router/neighbour solicitations or MLD reports besides the test's own frames
	local ns
	for ns in "$NS_A" "$NS_B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	done
	# one queue per CPU on both ends: each sender CPU then has its own receive ring and NAPI
	# context on the peer (with one queue, two XDP senders overflow its 256-frame ring)
	local q
	q=${NETNS_QUEUES:-$(nproc)}
	ip -n "$NS_A" link add "$IF_A" address "$MAC_A" numtxqueues "$q" numrxqueues "$q" type veth \
		peer name "$IF_B" address "$MAC_B" netns "$NS_B" numtxqueues "$q" numrxqueues "$q"
	ip -n "$NS_A" addr add 10.201.0.1/24 dev "$IF_A"
	ip -n "$NS_B" addr add 10.201.0.2/24 dev "$IF_B"
	ip -n "$NS_A" link set lo up
	ip -n "$NS_B" link set lo up
	ip -n "$NS_A" link set "$IF_A" up
	ip -n "$NS_B" link set "$IF_B" up
	# static neighbours: no ARP on the wire (the receiver's ICMP replies would otherwise make
	# the sender answer an ARP request, one more frame arriving on IF_B)
	ip -n "$NS_A" neigh replace 10.201.0.2 lladdr "$MAC_B" dev "$IF_A" nud permanent
	ip -n "$NS_B" neigh replace 10.201.0.1 lladdr "$MAC_A" dev "$IF_B" nud permanent
}

RX_COUNT_PID=
RX_COUNT_OUT=
rx_count_start() { # NS IF [--pass] [more xdperf count options]
	local ns="$1" dev="$2"
	shift 2
	RX_COUNT_OUT="$(mktemp "${TMPDIR:-/tmp}/rxcount.XXXXXX")"
	rm -f "$RX_COUNT_OUT.rc" "$RX_COUNT_OUT.pid"
	# the pid file holds xdperf's own pid (sh and ip netns exec exec it); the exit status lands
	# in .rc, so rx_count_stop also works from a command substitution (a subshell cannot wait)
	(
		sh -c 'echo $$ > "$0"; exec "$@"' "$RX_COUNT_OUT.pid" \
			ip netns exec "$ns" "$XDPERF" count -d "$dev" "$@" >"$RX_COUNT_OUT" 2>"$RX_COUNT_OUT.err"
		echo $? > "$RX_COUNT_OUT.rc"
	) &
	local i
	for i in $(seq 100); do
		grep -q "counting on" "$RX_COUNT_OUT.err" 2>/dev/null && break
		[ -e "$RX_COUNT_OUT.rc" ] && break
		sleep 0.1
	done
	RX_COUNT_PID="$(cat "$RX_COUNT_OUT.pid" 2>/dev/null)"
	grep -q "counting on" "$RX_COUNT_OUT.err" 2>/dev/null && return 0
	kill -KILL "$RX_COUNT_PID" 2>/dev/null || true
	RX_COUNT_PID=
	echo "rx_count_start: xdperf count did not start on $ns/$dev: $(cat "$RX_COUNT_OUT.err")" >&2
	return 1
}

rx_count_stop() {
	kill -INT "$RX_COUNT_PID" 2>/dev/null
	local i
	for i in $(seq 200); do
		[ -s "$RX_COUNT_OUT.rc" ] && break
		sleep 0.05
	done
	local rc
	rc="$(cat "$RX_COUNT_OUT.rc" 2>/dev/null)"
	if [ "$rc" != 0 ]; then
		echo "rx_count_stop: xdperf count exited ${rc:-(still running)}: $(cat "$RX_COUNT_OUT.err")" >&2
		return 1
	fi
	# plain or --json output (kept in $RX_COUNT_OUT for the caller)
	sed -n -e 's/^packets \([0-9]*\) bytes \([0-9]*\)$/\1 \2/p' \
		-e 's/^{.*"packets": *\([0-9]*\), *"bytes": *\([0-9]*\)}$/\1 \2/p' "$RX_COUNT_OUT"
}

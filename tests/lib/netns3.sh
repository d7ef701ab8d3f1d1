# Three network namespaces joined through a router, for the test cases (source it, after
# tests/lib/netns.sh: netns_need_root, rx_count_start / rx_count_stop, wait_line come from there).
# Everything lives in namespaces this library creates (named xdpf<PID>A / R / B) and is removed
# on exit.
#   netns3_setup     NS3_A:veth0 (02:00:00:03:01:01, 10.202.1.1/24)
#                      <-> NS3_R:r0 (02:00:00:03:01:fe, 10.202.1.254/24)
#                    NS3_R:r1 (02:00:00:03:02:fe, 10.202.2.254/24)
#                      <-> NS3_B:veth1 (02:00:00:03:02:01, 10.202.2.1/24)
#                    R forwards (ip_forward=1); A and B route 10.202.0.0/16 via R; static
#                    neighbours everywhere (no ARP on the wire), IPv6 off, one queue per veth
#                    end (frames of one sender stay in order through R). Exports NS3_A NS3_R
#                    NS3_B, IF3_A IF3_R0 IF3_R1 IF3_B, MAC3_A MAC3_R0 MAC3_R1 MAC3_B, IP3_A
#                    IP3_R0 IP3_R1 IP3_B. An EXIT trap deletes them and kills background jobs.
#   netns3_r_accept_xdp   makes R's r0 accept the frames an XDP sender in A transmits on veth0
#                    (a veth end only takes XDP frames with an XDP program or GRO on):
#                    NETNS3_R_RX=xdp (default) runs `xdperf count -d r0 --pass` in R through
#                    rx_count_start; NETNS3_R_RX=gro switches GRO on r0 instead.
#   netns3_impair_start STATS [--loss P] [--dup P] [--delay MS] [--reorder P] [--seed N]
#                    This kernel has no netem (CONFIG_NET_SCH_NETEM) and no prio qdisc, so R
#                    impairs in user space: a policy rule blackholes R's own forwarding of UDP
#                    to port NETNS3_PORT (default 9000; the control TCP connection and all else
#                    is still forwarded by the kernel), and a Python program in R reads those
#                    datagrams on r0 (AF_PACKET), drops each with probability P (%), sends
#                    the rest out of r1 to B (MACs rewritten, TTL - 1) after MS milliseconds,
#                    except a --reorder share sent at once (overtaking the delayed ones), and a
#                    --dup share twice. Returns once it runs.
#   netns3_impair_stop    stops it and removes the rule; its counters land in STATS as
#                    `received N dropped N duplicated N immediate N sent N sockdrops N errors N`
#                    (sockdrops: frames its socket lost, errors: failed sends; both should be 0)
#                    and, with --delay, the time each sent frame spent in R, from the kernel's
#                    receive timestamp on r0 to just before (`held_*`) and just after (`out_*`)
#                    its send on r1, in ns: `held_min_ns N held_p50_ns N held_p99_ns N
#                    held_max_ns N out_min_ns N out_p50_ns N out_p99_ns N out_max_ns N` (what
#                    R really did, which on a loaded machine is more than MS)

netns3_cleanup() {
	netns_stop_jobs
	local ns
	for ns in "${NS3_A:-}" "${NS3_R:-}" "${NS3_B:-}"; do
		[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	return 0
}

netns3_setup() {
	export NS3_A="xdpf$$A" NS3_R="xdpf$$R" NS3_B="xdpf$$B"
	export IF3_A=veth0 IF3_R0=r0 IF3_R1=r1 IF3_B=veth1
	export MAC3_A=02:00:00:03:01:01 MAC3_R0=02:00:00:03:01:fe
	export MAC3_R1=02:00:00:03:02:fe MAC3_B=02:00:00:03:02:01
	export IP3_A=10.202.1.1 IP3_R0=10.202.1.254 IP3_R1=10.202.2.254 IP3_B=10.202.2.1
	trap netns3_cleanup EXIT
	local ns
	for ns in "$NS3_A" "$NS3_R" "$NS3_B"; do
		ip netns add "$ns" || return 1
		# no IPv6: no router/neighbour solicitations or MLD reports besides the test's frames
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null
		ip -n "$ns" link set lo up
	done
	ip netns exec "$NS3_R" sysctl -qw net.ipv4.ip_forward=1 >/dev/null
	# one queue per end: one sender's frames are forwarded by one NAPI context, in order
	ip -n "$NS3_A" link add "$IF3_A" address "$MAC3_A" type veth \
		peer name "$IF3_R0" address "$MAC3_R0" netns "$NS3_R" || return 1
	ip -n "$NS3_B" link add "$IF3_B" address "$MAC3_B" type veth \
		peer name "$IF3_R1" address "$MAC3_R1" netns "$NS3_R" || return 1
	ip -n "$NS3_A" addr add "$IP3_A/24" dev "$IF3_A"
	ip -n "$NS3_R" addr add "$IP3_R0/24" dev "$IF3_R0"
	ip -n "$NS3_R" addr add "$IP3_R1/24" dev "$IF3_R1"
	ip -n "$NS3_B" addr add "$IP3_B/24" dev "$IF3_B"
	ip -n "$NS3_A" link set "$IF3_A" up
	ip -n "$NS3_R" link set "$IF3_R0" up
	ip -n "$NS3_R" link set "$IF3_R1" up
	ip -n "$NS3_B" link set "$IF3_B" up
	ip -n "$NS3_A" route add 10.202.0.0/16 via "$IP3_R0" dev "$IF3_A"
	ip -n "$NS3_B" route add 10.202.0.0/16 via "$IP3_R1" dev "$IF3_B"
	# static neighbours: no ARP on the wire
	ip -n "$NS3_A" neigh replace "$IP3_R0" lladdr "$MAC3_R0" dev "$IF3_A" nud permanent
	ip -n "$NS3_R" neigh replace "$IP3_A" lladdr "$MAC3_A" dev "$IF3_R0" nud permanent
	ip -n "$NS3_R" neigh replace "$IP3_B" lladdr "$MAC3_B" dev "$IF3_R1" nud permanent
	ip -n "$NS3_B" neigh replace "$IP3_R1" lladdr "$MAC3_R1" dev "$IF3_B" nud permanent
}

netns3_r_accept_xdp() {
	case "${NETNS3_R_RX:-xdp}" in
	gro) ip netns exec "$NS3_R" ethtool -K "$IF3_R0" gro on >/dev/null ;;
	*) rx_count_start "$NS3_R" "$IF3_R0" --pass ;;
	esac
}

NETNS3_IMPAIR_PID=
NETNS3_IMPAIR_STATS=
netns3_impair_start() { # STATS [options]
	NETNS3_IMPAIR_STATS="$1"
	shift
	local py="${TMPDIR:-/tmp}/netns3_impair.py"
	netns3_impair_py >"$py"
	rm -f "$NETNS3_IMPAIR_STATS" "$NETNS3_IMPAIR_STATS.err"
	ip -n "$NS3_R" rule add ipproto udp dport "${NETNS3_PORT:-9000}" blackhole || return 1
	ip netns exec "$NS3_R" python3 "$py" --in "$IF3_R0" --out "$IF3_R1" --src "$MAC3_R1" \
		--dst "$MAC3_B" --port "${NETNS3_PORT:-9000}" --stats "$NETNS3_IMPAIR_STATS" "$@" \
		2>"$NETNS3_IMPAIR_STATS.err" &
	NETNS3_IMPAIR_PID=$!
	wait_line "$NETNS3_IMPAIR_STATS.err" "^ready" "$NETNS3_IMPAIR_PID" 5 && return 0
	echo "netns3_impair_start: did not start: $(cat "$NETNS3_IMPAIR_STATS.err")" >&2
	return 1
}

netns3_impair_stop() {
	[ -n "$NETNS3_IMPAIR_PID" ] || return 0
	kill -TERM "$NETNS3_IMPAIR_PID" 2>/dev/null
	wait "$NETNS3_IMPAIR_PID" 2>/dev/null
	NETNS3_IMPAIR_PID=
	ip -n "$NS3_R" rule del ipproto udp dport "${NETNS3_PORT:-9000}" blackhole 2>/dev/null
	[ -s "$NETNS3_IMPAIR_STATS" ] || {
		echo "netns3_impair_stop: no counters: $(cat "$NETNS3_IMPAIR_STATS.err")" >&2
		return 1
	}
}

netns3_impair_py() {
	cat <<'PYEOF'
import argparse, heapq, os, random, select, signal, socket, struct, sys, time
ap = argparse.ArgumentParser()
for k in ("--in", "--out", "--src", "--dst", "--stats"):
    ap.add_argument(k, required=True)
ap.add_argument("--port", type=int, default=9000)
ap.add_argument("--loss", type=float, default=0)
ap.add_argument("--dup", type=float, default=0)
ap.add_argument("--delay", type=float, default=0)
ap.add_argument("--reorder", type=float, default=0)
ap.add_argument("--seed", type=int, default=1)
a = ap.parse_args()
rnd = random.Random(a.seed)
ETH_P_IP, SOL_PACKET, PACKET_STATISTICS, PACKET_OUTGOING = 0x0800, 263, 6, 4
rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
rx.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
rx.bind((getattr(a, "in"), ETH_P_IP))
SO_TIMESTAMPNS = 35
if a.delay:
    rx.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
tx.setsockopt(socket.SOL_SOCKET, 32, 16 << 20)  # SO_SNDBUFFORCE
tx.bind((a.out, 0))
eth = bytes.fromhex(a.dst.replace(":", "")) + bytes.fromhex(a.src.replace(":", "")) + b"\x08\x00"
delay_ns = int(a.delay * 1e6)
st = dict(received=0, dropped=0, duplicated=0, immediate=0, sent=0, sockdrops=0, errors=0)
heap, n = [], 0
held, out = [], []  # per sent frame (with --delay): ns from its arrival to before / after its send
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)

def send(f, arrived=None):
    t = time.time_ns()
    try:
        tx.send(f)
        st["sent"] += 1
    except OSError:
        st["errors"] += 1
    if arrived is not None:
        held.append(t - arrived)
        out.append(time.time_ns() - arrived)

def recv():
    """(frame, address, kernel receive time in ns or None)"""
    if not a.delay:
        return rx.recvfrom(65536, socket.MSG_DONTWAIT) + (None,)
    b, anc, _, addr = rx.recvmsg(65536, 64, socket.MSG_DONTWAIT)
    ts = None
    for lvl, typ, data in anc:
        if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS and len(data) >= 16:
            sec, nsec = struct.unpack("qq", data[:16])
            ts = sec * 10**9 + nsec
    return b, addr, ts

def route(b):
    ip = bytearray(b[14:])
    ip[8] -= 1  # TTL
    ip[10:12] = b"\0\0"
    h = ip[:(ip[0] & 15) * 4]
    s = sum(struct.unpack("!%dH" % (len(h) // 2), bytes(h)))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    ip[10:12] = struct.pack("!H", ~s & 0xFFFF)
    return eth + bytes(ip)

print("ready", file=sys.stderr, flush=True)
while True:
    now = time.monotonic_ns()
    while heap and heap[0][0] <= now:
        _, _, f, arrived = heapq.heappop(heap)
        send(f, arrived)
    if stop and not heap:
        break
    timeout = 0.2 if not heap else max(0, heap[0][0] - now) / 1e9
    try:
        r, _, _ = select.select([rx], [], [], timeout)
    except InterruptedError:
        continue
    if not r:
        continue
    while True:
        try:
            b, addr, arrived = recv()
        except (BlockingIOError, InterruptedError):
            break
        if addr[2] == PACKET_OUTGOING or len(b) < 42 or b[12:14] != b"\x08\x00" or b[23] != 17:
            continue
        ihl = (b[14] & 15) * 4
        if struct.unpack_from("!H", b, 14 + ihl + 2)[0] != a.port:
            continue
        st["received"] += 1
        if a.loss and rnd.random() * 100 < a.loss:
            st["dropped"] += 1
            continue
        f = route(b)
        copies = 2 if a.dup and rnd.random() * 100 < a.dup else 1
        st["duplicated"] += copies - 1
        now = time.monotonic_ns()
        if delay_ns and not (a.reorder and rnd.random() * 100 < a.reorder):
            for _ in range(copies):
                n += 1
                heapq.heappush(heap, (now + delay_ns, n, f, arrived))
        else:
            if delay_ns:
                st["immediate"] += 1
            for _ in range(copies):
                send(f, arrived)
st["sockdrops"] = struct.unpack("II", rx.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))[1]
for name, v in (("held", sorted(held)), ("out", sorted(out))):
    if v:  # the percentiles as the server computes them: the value at rank ceil(q * n)
        rank = lambda q: v[max(0, -(-int(q * 1000) * len(v) // 1000) - 1)]
        st.update({name + "_min_ns": v[0], name + "_p50_ns": rank(0.5), name + "_p99_ns": rank(0.99),
                   name + "_max_ns": v[-1]})
with open(a.stats + ".tmp", "w") as o:
    o.write(" ".join("%s %d" % kv for kv in st.items()) + "\n")
os.rename(a.stats + ".tmp", a.stats)
PYEOF
}
